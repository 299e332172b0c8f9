//! Jobs: what `physc run` does with each job block of a checked program. `train` fits
//! physics-informed networks (`train/`); `simulate` integrates ODE models (`ode.rs` compiles
//! them, `simulate.rs` runs them, `write.rs` writes the results) and 1-D PDEs (`pde.rs`,
//! `pde_run.rs`); `evolve/` searches for fast approximations of functions; discovery reports
//! itself as not implemented until its runtime lands. `progress.rs` owns progress bars and
//! Ctrl-C.

pub mod evolve;
pub mod ode;
pub mod pde;
mod pde_run;
pub mod progress;
pub mod simulate;
pub mod train;
mod write;

use crate::check::{Job, JobKind, Program};
use std::path::PathBuf;

pub struct RunOptions {
    /// Results go to `<out_dir>/<Model>/`.
    pub out_dir: PathBuf,
    /// No progress bars or summaries (tests, scripts).
    pub quiet: bool,
    /// The directory of the .phys file: relative paths in job settings start here.
    pub source_dir: PathBuf,
    /// Overrides the job's `seed`.
    pub seed: Option<u64>,
    /// Continue training from the checkpoint in the output directory.
    pub resume: bool,
    /// Caps every optimizer stage at this many steps (quick runs).
    pub max_steps: Option<usize>,
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
    progress::catch_interrupts();
    match (job.kind, job.model) {
        (JobKind::Simulate, Some(m)) => simulate::run(&program.models[m], job, options),
        (JobKind::Train, Some(m)) => train::run(&program.models[m], job, options),
        (JobKind::Evolve, _) => evolve::run(job, options),
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
