//! `train`: physics-informed networks. The checker reads the block (`TrainSettings`) and the
//! compiler plans the loss terms and their kernels from the model
//! (`physc_compiler::plan::training`, here `problem`); `points.rs` draws collocation points,
//! `loss.rs` evaluates loss and gradient (Taylor-mode jets forward, adjoints back),
//! `integrals.rs` the model's `integral`s after training,
//! `activation_kernels.rs` compiles activations and their derivatives, `session.rs` runs the
//! optimizers with progress, checkpoints and cancellation, `trained.rs` is the result in
//! memory ([`Trained`]), `output.rs` writes it, `checkpoint.rs` saves and restores what
//! `--resume` needs, `predict.rs` reads the points of `predict` and holds the fields there
//! (`restored.rs` evaluates a finished run's checkpoint at such points, for `physc predict`),
//! `reference.rs` reads `compare` references and `grid.rs` lays out grids.
//!
//! [`run`] trains and returns the result, writing nothing but checkpoints (every
//! `output every:` steps to `<out_dir>/<Model>/checkpoint.npz`, when
//! `RunOptions::checkpoints` asks).

mod activation_kernels;
mod checkpoint;
mod data;
mod error_history;
mod grid;
mod integrals;
#[cfg(test)]
mod jacobian_tests;
mod loss;
mod member_networks;
mod output;
mod points;
mod predict;
mod quasi_newton;
mod reference;
mod restored;
#[cfg(test)]
mod run_tests;
mod session;
#[cfg(test)]
mod tests;
mod trained;

pub use error_history::ErrorHistory;
pub use integrals::{IntegralSeries, IntegralValue};
pub use predict::Predictions;
pub use restored::predict;
pub use trained::{
    Comparison, FieldGrid, LossHistory, Outcome, Trained, TrainedNet, TrainedNetwork,
};

use super::{Completed, JobError, RunOptions};
use physc_compiler::check::settings::{Precision, TrainSettings};
use physc_compiler::check::{Job, Model};
/// What training minimises, planned by the compiler (`plan/training.rs`).
pub use physc_compiler::plan::training as problem;
use std::path::Path;

/// Train the model as the job says and return what it computed; writes nothing but the
/// checkpoints `options.checkpoints` asks for. A run with `options.resume` continues from
/// `checkpoint.npz` in the job's [`crate::output_dir`]. `Err`: the run
/// could not start (bad settings, data or reference). `Ok` with `stopped`: training stopped
/// early (a non-finite loss, cancellation through `options.cancel`), and the result holds
/// everything up to there.
pub fn run(model: &Model, job: &Job, options: &RunOptions) -> Result<Completed<Trained>, JobError> {
    train(model, job, options, &crate::output_dir(job, options))
}

/// `folder`: where checkpoints go and where `--resume` reads one.
/// The job's settings as `options` adjust them (seed, step caps), its observations, and
/// the problem the compiler plans from them: what training, and rebuilding a finished run
/// (`restored.rs`), start from.
fn planned(
    model: &Model,
    job: &Job,
    options: &RunOptions,
) -> Result<(TrainSettings, Vec<problem::Observations>, problem::Problem), JobError> {
    let mut config = job
        .settings
        .train()
        .ok_or_else(|| JobError::NotSupported(format!("`{}` is not a train job", job.target)))?
        .clone();
    if let Some(seed) = options.seed {
        config.seed = seed;
    }
    if let Some(cap) = options.max_steps {
        for stage in &mut config.stages {
            stage.cap_steps(cap);
        }
    }
    let observations = data::load(model, &config).map_err(JobError::Failed)?;
    let problem = problem::plan(model, &config, &observations).map_err(JobError::NotSupported)?;
    Ok((config, observations, problem))
}

fn train(
    model: &Model,
    job: &Job,
    options: &RunOptions,
    folder: &Path,
) -> Result<Completed<Trained>, JobError> {
    let (config, observations, problem) = planned(model, job, options)?;
    // The precision's wrapper fixes the scalar type the session trains in.
    let (c, p, o) = (&config, &problem, &observations);
    if config.precision == Precision::F32 {
        session::train(model, c, p, o, options, folder, TrainedNetwork::F32)
    } else {
        session::train(model, c, p, o, options, folder, TrainedNetwork::F64)
    }
}
