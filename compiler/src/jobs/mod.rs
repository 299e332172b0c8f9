//! Jobs: what `physc run` does with each job block of a checked program. `train` fits
//! physics-informed networks (`train/`); `simulate` integrates ODE models (`ode.rs` compiles
//! them, `simulate.rs` runs them, `write.rs` writes the results), 1-D PDEs of one field
//! (`pde.rs`, `pde_run.rs`: finite differences or spectral, ETDRK4) and PDEs of several
//! fields or in two dimensions on tensor grids (`grid_pde.rs`, `grid_pde_run.rs`);
//! `discover/` finds equations from data (sparse and symbolic regression); `evolve/`
//! searches for fast approximations of functions. `progress.rs` owns progress bars and
//! Ctrl-C; `device.rs` what `--device` selects and whether it is usable.

pub mod device;
pub mod discover;
pub mod evolve;
pub mod grid_pde;
mod grid_pde_run;
pub mod ode;
pub mod pde;
mod pde_run;
pub mod progress;
pub mod simulate;
pub mod train;
mod write;

use crate::check::{Job, JobKind, Program};
use progress::{CancelToken, Progress, Silent};
use std::path::PathBuf;
use std::sync::Arc;

/// How to run a job. `Default` runs quietly on the CPU with the job's own settings, writes
/// nothing and cannot be cancelled from outside; a front end sets what it needs.
#[derive(Clone)]
pub struct RunOptions {
    /// Results go to `<out_dir>/<Model>/`.
    pub out_dir: PathBuf,
    /// No progress bars or summaries (tests, scripts).
    // TODO(issue 17): summaries move to the CLI, which prints them from the results.
    pub quiet: bool,
    /// The directory of the .phys file: relative paths in job settings start here.
    pub source_dir: PathBuf,
    /// Overrides the job's `seed`.
    pub seed: Option<u64>,
    /// Continue training from the checkpoint in the output directory.
    pub resume: bool,
    /// Caps every optimizer stage at this many steps (quick runs).
    pub max_steps: Option<usize>,
    /// Where to compute (`--device`); checked usable before any job runs.
    pub device: device::Device,
    /// Where the job reports its progress.
    pub progress: Arc<dyn Progress>,
    /// Set by the caller to stop the job after its current step; the job still returns
    /// what it computed.
    pub cancel: CancelToken,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            out_dir: PathBuf::from("out"),
            quiet: true,
            source_dir: PathBuf::new(),
            seed: None,
            resume: false,
            max_steps: None,
            device: device::Device::Cpu,
            progress: Arc::new(Silent),
            cancel: CancelToken::new(),
        }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("out_dir", &self.out_dir)
            .field("source_dir", &self.source_dir)
            .field("seed", &self.seed)
            .field("resume", &self.resume)
            .field("max_steps", &self.max_steps)
            .field("device", &self.device)
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// What a job computed, and the error that stopped it early, if any. Results are never lost:
/// a caller writes (or keeps) `result` before reporting `stopped`. A job that could not start
/// (bad settings, unusable data) returns `Err(JobError)` instead, having computed nothing.
#[derive(Debug, Clone)]
pub struct Completed<T> {
    pub result: T,
    pub stopped: Option<JobError>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// This kind of job has no runtime yet.
    NotImplemented,
    /// The job cannot run on this model, and why.
    NotSupported(String),
    /// The job ran and failed; partial results were written.
    Failed(String),
    /// Results could not be written.
    Output(String),
}

pub fn run_job(program: &Program, job: &Job, options: &RunOptions) -> Result<(), JobError> {
    if let device::Device::Cuda(_) = options.device {
        return Err(JobError::NotSupported(format!(
            "running `{}` jobs on a GPU is not yet supported: the CUDA backend compiles and \
             runs kernels only (`physc show --stage cuda`, bench/gpu); use `--device cpu`",
            job.kind.keyword()
        )));
    }
    match (job.kind, job.model) {
        (JobKind::Simulate, Some(m)) => simulate::run(&program.models[m], job, options),
        (JobKind::Train, Some(m)) => train::run(&program.models[m], job, options),
        (JobKind::Discover, _) => discover::run(program, job, options),
        (JobKind::Evolve, _) => evolve::run_and_write(job, options),
        _ => Err(JobError::NotImplemented),
    }
}

/// A numeric option of a job setting (`dt: 1e-3`, `steps: 500`), or `default` when absent.
pub(crate) fn setting_number(
    args: &std::collections::BTreeMap<String, crate::check::jobs::SettingValue>,
    key: &str,
    default: f64,
) -> f64 {
    use crate::check::jobs::SettingValue;
    match args.get(key) {
        Some(SettingValue::Number(v)) => *v,
        Some(SettingValue::Int(v)) => *v as f64,
        _ => default,
    }
}
