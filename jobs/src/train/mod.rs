//! `train`: physics-informed networks. `config.rs` reads the block, `problem.rs` plans the
//! loss terms and their kernels from the model, `points.rs` draws collocation points,
//! `loss.rs` evaluates loss and gradient (Taylor-mode jets forward, adjoints back),
//! `activation.rs` compiles activations and their derivatives, `session.rs` runs the
//! optimizers with progress, checkpoints and Ctrl-C, and `output.rs` writes the results.

mod activation;
pub mod config;
mod data;
mod loss;
mod output;
mod points;
pub mod problem;
mod session;
#[cfg(test)]
mod tests;

use super::{JobError, RunOptions};
use physc_compiler::check::{Job, Model};

pub fn run(model: &Model, job: &Job, options: &RunOptions) -> Result<(), JobError> {
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
    if config.f32 {
        session::train::<f32>(model, &config, &problem, &observations, options)
    } else {
        session::train::<f64>(model, &config, &problem, &observations, options)
    }
}
