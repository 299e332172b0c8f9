//! What the three simulation runners (`ode_run.rs`, `pde_run.rs`, `grid_pde_run.rs`)
//! share, so that none of them imports another: the output times, the integrator and the
//! grid sizes a `simulate` block asks for, an integration watched by the caller's progress
//! sink and cancel token, and how an integration that stopped early is reported.

use super::{JobError, RunOptions};
use physc_compiler::check::jobs::SettingValue;
use physc_compiler::check::Job;
use physc_runtime::ode::{Method, OdeError};
use std::time::Instant;

/// The integrator from `method ...`, Dormand–Prince at rtol 1e-8 by default.
pub fn method(job: &Job) -> Method {
    match job.settings.get("method") {
        Some(SettingValue::Call { name, args }) => match name.as_str() {
            "rk4" => Method::Rk4 {
                dt: super::setting_number(args, "dt", 1e-3),
            },
            "rosenbrock" => Method::Rosenbrock {
                rtol: super::setting_number(args, "rtol", 1e-6),
                atol: super::setting_number(args, "atol", 1e-9),
            },
            _ => Method::Dopri5 {
                rtol: super::setting_number(args, "rtol", 1e-8),
                atol: super::setting_number(args, "atol", 1e-10),
            },
        },
        _ => Method::Dopri5 {
            rtol: 1e-8,
            atol: 1e-10,
        },
    }
}

/// Output times from `output every: dt` or `output points: n` (1001 points by default).
pub fn output_times(job: &Job, (t0, t1): (f64, f64)) -> Vec<f64> {
    let args = match job.settings.get("output") {
        Some(SettingValue::Record(args)) => args.clone(),
        _ => Default::default(),
    };
    let count = if let Some(SettingValue::Number(every)) = args.get("every") {
        ((t1 - t0) / every).floor() as usize + 1
    } else if let Some(SettingValue::Int(points)) = args.get("points") {
        (*points as usize).max(2)
    } else {
        1001
    };
    let count = count.clamp(2, 10_000_000);
    let step = (t1 - t0) / (count - 1) as f64;
    (0..count).map(|i| (t0 + i as f64 * step).min(t1)).collect()
}

/// Grid points along `axis` from the job's `grid` setting, or `default`.
pub(super) fn grid_points(job: &Job, axis: &str, default: usize) -> usize {
    match job.settings.get("grid") {
        Some(SettingValue::Record(sizes)) => match sizes.get(axis) {
            Some(SettingValue::Int(n)) => *n as usize,
            _ => default,
        },
        _ => default,
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
/// cancel); the CLI writes what was computed before it reports this.
pub(super) fn fields_stopped(error: Option<&OdeError>) -> Option<JobError> {
    error.map(|e| JobError::Failed(format!("{e} (results up to there were written)")))
}
