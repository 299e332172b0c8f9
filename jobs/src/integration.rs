//! What the three simulation runners (`ode_run.rs`, `pde_run.rs`, `grid_pde_run.rs`)
//! share, so that none of them imports another: the integrator a `simulate` block asks
//! for, an integration watched by the caller's progress sink and cancel token, and how an
//! integration that stopped early is reported.

use super::{JobError, RunOptions};
use physc_compiler::check::settings::{SimulateSettings, TimeMethod};
use physc_runtime::ode::{Method, OdeError};
use std::time::Instant;

/// The ODE integrator of the block's `method` (ETDRK4 is a spectral method for a line PDE;
/// elsewhere its step does not apply, and Dormand–Prince with its default tolerances runs).
pub fn method(settings: &SimulateSettings) -> Method {
    match settings.method {
        TimeMethod::Rk4 { dt } => Method::Rk4 { dt },
        TimeMethod::Rosenbrock { rtol, atol } => Method::Rosenbrock { rtol, atol },
        TimeMethod::Dopri5 { rtol, atol } => Method::Dopri5 { rtol, atol },
        TimeMethod::Etdrk4 { .. } => match SimulateSettings::default_method() {
            TimeMethod::Dopri5 { rtol, atol } => Method::Dopri5 { rtol, atol },
            _ => unreachable!("the default method is Dormand–Prince"),
        },
    }
}

/// Runs `integrate` over the time interval `span`, reporting the time reached to
/// `options.progress` as the task `task` and stopping when `options.cancel` is cancelled
/// (the integrators ask after every step). Returns what `integrate` returned and the
/// seconds it took.
pub(super) fn watched<T>(
    task: &str,
    span: (f64, f64),
    options: &RunOptions,
    integrate: impl FnOnce(&mut dyn FnMut(f64) -> bool) -> T,
) -> (T, f64) {
    let started = Instant::now();
    let bar = super::progress::time_bar(task, span, &*options.progress);
    let mut keep_going = |t: f64| {
        bar.update(t);
        !options.cancel.is_cancelled()
    };
    let outcome = integrate(&mut keep_going);
    bar.finish();
    (outcome, started.elapsed().as_secs_f64())
}

/// The job's failure for a field simulation that stopped early (blow-up, step underflow,
/// cancel); the result holds what was computed up to there (the CLI writes it before it
/// reports this).
pub(super) fn fields_stopped(error: Option<&OdeError>) -> Option<JobError> {
    error.map(|e| JobError::Failed(e.to_string()))
}
