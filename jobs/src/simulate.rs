//! The `simulate` job: decide which kind of simulation a model is (an ODE system, one field
//! on a line, or fields on a tensor grid), run it with the runner for that kind
//! (`ode_run.rs`, `pde_run.rs`, `grid_pde_run.rs`, which share `integration.rs` and never
//! call each other), and hand back what it computed in memory as [`Simulated`]. Writing the
//! files (`Simulated::write`) and the text a terminal shows (`Simulated::summary`) are
//! separate steps; a run stopped by a blow-up, a step-size underflow or a cancel still
//! returns everything computed up to there.

use super::{Completed, JobError, RunOptions};
use ndarray::Array1;
use physc_compiler::check::{EquationKind, Job, Model};
use std::path::Path;

pub use super::fields::{Axis, Field, Fields};
pub use super::integration::method;
pub use super::trajectory::Trajectory;

/// Which integrator family a model needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulationKind {
    /// `ode`s only: a system of states over time.
    Ode,
    /// `pde`s of one scalar field in one space dimension: finite differences or spectral,
    /// with ETDRK4 for spectral runs.
    Line,
    /// Any other `pde` model: several fields, or two space dimensions, on a tensor grid.
    TensorGrid,
}

impl SimulationKind {
    pub fn of(model: &Model) -> SimulationKind {
        let has_pde = model.equations.iter().any(|e| e.kind == EquationKind::Pde);
        let single_1d_field =
            model.space_dims() == 1 && model.fields.len() == 1 && model.fields[0].components() == 1;
        match (has_pde, single_1d_field) {
            (false, _) => SimulationKind::Ode,
            (true, true) => SimulationKind::Line,
            (true, false) => SimulationKind::TensorGrid,
        }
    }
}

/// What a simulate job computed.
#[derive(Debug, Clone)]
pub enum Simulated {
    /// An ODE model's states over time.
    Trajectory(Trajectory),
    /// A PDE model's fields on a grid over time.
    Fields(Fields),
}

impl Simulated {
    /// The output times reached.
    pub fn times(&self) -> &Array1<f64> {
        match self {
            Simulated::Trajectory(t) => &t.times,
            Simulated::Fields(f) => &f.times,
        }
    }

    /// What `report.json` holds.
    pub fn report(&self) -> &serde_json::Value {
        match self {
            Simulated::Trajectory(t) => &t.report,
            Simulated::Fields(f) => &f.report,
        }
    }

    /// Wall-clock seconds of the integration.
    pub fn seconds(&self) -> f64 {
        match self {
            Simulated::Trajectory(t) => t.seconds,
            Simulated::Fields(f) => f.seconds,
        }
    }

    pub fn as_trajectory(&self) -> Option<&Trajectory> {
        match self {
            Simulated::Trajectory(t) => Some(t),
            Simulated::Fields(_) => None,
        }
    }

    pub fn as_fields(&self) -> Option<&Fields> {
        match self {
            Simulated::Fields(f) => Some(f),
            Simulated::Trajectory(_) => None,
        }
    }

    /// Write every file of the result into `dir` (created if missing): `trajectory.npz`,
    /// `trajectory.csv` and plots for ODEs, `fields.npz`, `fields.csv`, pictures (and
    /// `final.vtk` on tensor grids) for PDEs, and `report.json`.
    pub fn write(&self, dir: &Path) -> Result<(), JobError> {
        match self {
            Simulated::Trajectory(t) => t.write(dir),
            Simulated::Fields(f) => f.write(dir),
        }
    }

    /// What a terminal shows after the run (the work done; where the files went, given
    /// `dir`), without a final newline.
    pub fn summary(&self, dir: Option<&Path>) -> String {
        match self {
            Simulated::Trajectory(t) => t.summary(dir),
            Simulated::Fields(f) => f.summary(dir),
        }
    }
}

/// Simulate `model` as `job` asks, reporting progress to `options.progress` and stopping
/// when `options.cancel` is cancelled. `Err` when the model cannot be simulated (nothing
/// was computed); otherwise the result, with `stopped` saying why the run ended early, if
/// it did. Writes no file.
pub fn run(
    model: &Model,
    job: &Job,
    options: &RunOptions,
) -> Result<Completed<Simulated>, JobError> {
    // A library caller reaches this without `run_job`: refuse a GPU here too rather than
    // silently computing on the CPU.
    if let super::device::Device::Cuda(_) = options.device {
        return Err(JobError::NotSupported(
            "running `simulate` jobs on a GPU is not yet supported: the CUDA backend compiles \
             and runs kernels only (`physc show --stage cuda`, bench/gpu); use `--device cpu`"
                .into(),
        ));
    }
    fn wrap<T>(done: Completed<T>, kind: fn(T) -> Simulated) -> Completed<Simulated> {
        Completed {
            result: kind(done.result),
            stopped: done.stopped,
        }
    }
    let settings = job
        .settings
        .simulate()
        .ok_or_else(|| JobError::NotSupported(format!("`{}` is not a simulate job", job.target)))?;
    Ok(match SimulationKind::of(model) {
        SimulationKind::Ode => wrap(
            super::ode_run::run(model, settings, options)?,
            Simulated::Trajectory,
        ),
        SimulationKind::Line => wrap(
            super::pde_run::run(model, settings, options)?,
            Simulated::Fields,
        ),
        SimulationKind::TensorGrid => wrap(
            super::grid_pde_run::run(model, settings, options)?,
            Simulated::Fields,
        ),
    })
}

#[cfg(test)]
#[path = "simulate_tests.rs"]
mod tests;
