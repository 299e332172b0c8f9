//! physc-jobs: what physc does with a checked program's job blocks, as library calls that
//! return results in memory. `train/` fits physics-informed networks; `simulate.rs` decides
//! which kind of model it is and wraps the result: ODE models run in `ode_run.rs`
//! (`trajectory.rs` holds and writes their result), 1-D PDEs of one field in `pde_run.rs`
//! (finite differences or spectral, ETDRK4) and PDEs of several fields or in two dimensions
//! on tensor grids in `grid_pde_run.rs` (both held and written by `fields.rs`), the runners
//! sharing `integration.rs`, over the kernels of the compiler's `plan` stage; `discover/`
//! finds equations from data (sparse and symbolic regression); `evolve/` searches for fast
//! approximations of functions; `sample.rs` draws a shaped domain's points without training
//! (`physc sample`). Each result has its own `write`, a separate step.
//! `progress.rs` is how a caller hears about progress and stops a run; `device.rs` what
//! `--device` selects and whether it is usable; `folder.rs` which job's results a folder
//! holds.
//!
//! This crate never prints, never exits the process and never installs a signal handler:
//! the caller supplies progress and cancellation in [`RunOptions`].

pub mod device;
pub mod discover;
pub mod evolve;
mod fields;
pub mod folder;
mod grid_pde_run;
mod integration;
mod ode_run;
mod pde_run;
pub mod progress;
pub mod sample;
pub mod simulate;
pub mod train;
mod trajectory;

use physc_compiler::check::{Job, JobKind, Program};
use physc_runtime::comm::Communicator;
use progress::{CancelToken, Progress, Silent};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to run a job. `Default` runs quietly on the CPU with the job's own settings, writes
/// nothing and cannot be cancelled from outside; a front end sets what it needs.
#[derive(Clone)]
pub struct RunOptions {
    /// Results go to `<out_dir>/<target>/<folder>/` ([`output_dir`]).
    pub out_dir: PathBuf,
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
    /// Save training checkpoints to `checkpoint.npz` in the job's [`output_dir`], for
    /// `resume` after a crash (what `physc run` does; off by default).
    pub checkpoints: bool,
    /// Where the job reports its progress.
    pub progress: Arc<dyn Progress>,
    /// Set by the caller to stop the job after its current step; the job still returns
    /// what it computed.
    pub cancel: CancelToken,
    /// The processes that share a training run's points or an evolution's islands
    /// (`comm::single_process()` unless the run is distributed, as `physc run` under
    /// `mpirun` with the `mpi` feature makes it). Every rank runs the same job with the same
    /// options and gets the same result; only rank 0 should write it, and only rank 0
    /// writes checkpoints. Other job kinds ignore it (run them on one rank).
    pub communicator: Arc<dyn Communicator>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            out_dir: PathBuf::from("out"),
            source_dir: PathBuf::new(),
            seed: None,
            resume: false,
            max_steps: None,
            device: device::Device::Cpu,
            checkpoints: false,
            progress: Arc::new(Silent),
            cancel: CancelToken::new(),
            communicator: physc_runtime::comm::single_process(),
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
            .field("checkpoints", &self.checkpoints)
            .field("cancelled", &self.cancel.is_cancelled())
            .field(
                "ranks",
                &(self.communicator.rank(), self.communicator.size()),
            )
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

impl<T> Completed<T> {
    /// The same completion with its result transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Completed<U> {
        Completed {
            result: f(self.result),
            stopped: self.stopped,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// This kind of job has no runtime yet.
    NotImplemented,
    /// The job cannot run on this model, and why.
    NotSupported(String),
    /// The job ran and failed; what it computed comes back beside this in [`Completed`].
    Failed(String),
    /// Results could not be written.
    Output(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::NotImplemented => write!(f, "not implemented"),
            JobError::NotSupported(why) | JobError::Failed(why) => write!(f, "{why}"),
            JobError::Output(why) => write!(f, "results could not be written: {why}"),
        }
    }
}

impl std::error::Error for JobError {}

/// What a job computed, whichever job it was.
#[derive(Debug)]
pub enum JobResult {
    Trained(Box<train::Trained>),
    Simulated(Box<simulate::Simulated>),
    Discovered(Box<discover::Discovered>),
    Evolved(Box<evolve::Front>),
}

macro_rules! job_result_from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for JobResult {
            fn from(result: $ty) -> Self {
                JobResult::$variant(Box::new(result))
            }
        }
    )*};
}

job_result_from!(
    Trained(train::Trained),
    Simulated(simulate::Simulated),
    Discovered(discover::Discovered),
    Evolved(evolve::Front)
);

impl JobResult {
    /// Write the files `physc run` writes for this result into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> Result<(), JobError> {
        match self {
            JobResult::Trained(r) => r.write(dir),
            JobResult::Simulated(r) => r.write(dir),
            JobResult::Discovered(r) => r.write(dir),
            JobResult::Evolved(r) => r.write(dir),
        }
    }

    /// The text `physc run` shows after the job; `dir` is where the files were written, if
    /// they were.
    pub fn summary(&self, dir: Option<&Path>) -> String {
        match self {
            JobResult::Trained(r) => r.summary(dir),
            JobResult::Simulated(r) => r.summary(dir),
            JobResult::Discovered(r) => r.summary(dir),
            JobResult::Evolved(r) => r.summary(),
        }
    }
}

/// Where a job's results go (and training's checkpoints): `<out_dir>/<target>/<folder>/`,
/// the model or session name, then the job's `folder` setting or its kind (`train`,
/// `simulate`, `discover`, `evolve`). No two jobs of one program share a folder (E0413);
/// jobs of different files may, and [`folder::claim`] says when one replaces another's.
pub fn output_dir(job: &Job, options: &RunOptions) -> PathBuf {
    options.out_dir.join(&job.target).join(&job.folder)
}

/// Run one job block of a checked program into its result in memory. Writes nothing but
/// training checkpoints, and those only when `options.checkpoints` asks.
pub fn run_job(
    program: &Program,
    job: &Job,
    options: &RunOptions,
) -> Result<Completed<JobResult>, JobError> {
    if let device::Device::Cuda(_) = options.device {
        return Err(JobError::NotSupported(format!(
            "running `{}` jobs on a GPU is not yet supported: the CUDA backend compiles and \
             runs kernels only (`physc show --stage cuda`, bench/gpu); use `--device cpu`",
            job.kind.keyword()
        )));
    }
    match (job.kind, job.model) {
        (JobKind::Simulate, Some(m)) => {
            simulate::run(&program.models[m], job, options).map(|d| d.map(JobResult::from))
        }
        (JobKind::Train, Some(m)) => {
            train::run(&program.models[m], job, options).map(|d| d.map(JobResult::from))
        }
        (JobKind::Discover, _) => {
            discover::run(program, job, options).map(|d| d.map(JobResult::from))
        }
        (JobKind::Evolve, _) => evolve::run(job, options).map(|d| d.map(JobResult::from)),
        _ => Err(JobError::NotImplemented),
    }
}
