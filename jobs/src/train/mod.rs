//! `train`: physics-informed networks. `config.rs` reads the block, `problem.rs` plans the
//! loss terms and their kernels from the model, `points.rs` draws collocation points,
//! `loss.rs` evaluates loss and gradient (Taylor-mode jets forward, adjoints back),
//! `activation.rs` compiles activations and their derivatives, `session.rs` runs the
//! optimizers with progress, checkpoints and cancellation, `trained.rs` is the result in
//! memory ([`Trained`]), `output.rs` writes it, `checkpoint.rs` saves and restores what
//! `--resume` needs, `reference.rs` reads `compare` references and `grid.rs` lays out grids.
//!
//! [`run`] trains and returns the result without writing anything;
//! [`run_with_checkpoints`] also saves checkpoints while it trains, and [`run_and_write`]
//! is what `physc run` does.

mod activation;
mod checkpoint;
pub mod config;
mod data;
mod grid;
mod loss;
mod output;
mod points;
pub mod problem;
mod reference;
#[cfg(test)]
mod run_tests;
mod session;
#[cfg(test)]
mod tests;
mod trained;

pub use trained::{
    Comparison, FieldGrid, LossHistory, Outcome, Trained, TrainedNet, TrainedNetwork,
};

use super::{Completed, JobError, RunOptions};
use physc_compiler::check::{Job, Model};
use std::path::Path;

/// Train the model as the job says and return what it computed; writes nothing. A run
/// with `options.resume` continues from `<out_dir>/<Model>/checkpoint.npz`. `Err`: the run
/// could not start (bad settings, data or reference). `Ok` with `stopped`: training stopped
/// early (a non-finite loss, cancellation through `options.cancel`), and the result holds
/// everything up to there.
pub fn run(model: &Model, job: &Job, options: &RunOptions) -> Result<Completed<Trained>, JobError> {
    train(model, job, options, None)
}

/// Like [`run`], and save `<out_dir>/<Model>/checkpoint.npz` every `output every:` steps
/// while training, so that a run that is killed can be resumed (`options.resume`).
pub fn run_with_checkpoints(
    model: &Model,
    job: &Job,
    options: &RunOptions,
) -> Result<Completed<Trained>, JobError> {
    train(
        model,
        job,
        options,
        Some(&options.out_dir.join(&model.name)),
    )
}

/// What `physc run` does with a training job: train with checkpoints, write the results to
/// `<out_dir>/<Model>/`, and return the summary to print (the result) and why training
/// stopped early, if it did. Prints nothing.
pub fn run_and_write(
    model: &Model,
    job: &Job,
    options: &RunOptions,
) -> Result<Completed<String>, JobError> {
    let dir = options.out_dir.join(&model.name);
    let done = run_with_checkpoints(model, job, options)?;
    done.result.write(&dir)?;
    Ok(Completed {
        result: done.result.summary(Some(&dir)),
        stopped: done.stopped,
    })
}

fn train(
    model: &Model,
    job: &Job,
    options: &RunOptions,
    checkpoints: Option<&Path>,
) -> Result<Completed<Trained>, JobError> {
    let mut config = config::read(model, job);
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
    // The precision's wrapper fixes the scalar type the session trains in.
    let (c, p, o) = (&config, &problem, &observations);
    if config.f32 {
        session::train(model, c, p, o, options, checkpoints, TrainedNetwork::F32)
    } else {
        session::train(model, c, p, o, options, checkpoints, TrainedNetwork::F64)
    }
}
