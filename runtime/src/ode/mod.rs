//! Ordinary differential equation integrators: the `OdeSystem` interface that models
//! implement, three methods (classical RK4 with a fixed step, adaptive Dormand–Prince 5(4)
//! for non-stiff problems, and the L-stable Rosenbrock method RODAS3 for stiff ones), their
//! step-size control, output at requested times, and the errors that end an integration
//! early.
//!
//! `integrate` never throws work away: it returns the states at every output time it
//! reached, together with the error (blow-up, step underflow, interruption) that stopped it.
//!
//! Adaptive methods treat a trial step that produces NaN or infinity as a failed step and
//! retry with a smaller one; only a state (or rate) that is non-finite at an accepted point
//! is reported as `NonFinite`. A solution that escapes to infinity in finite time therefore
//! usually ends in `StepUnderflow` just before the singularity.
//!
//! Files: this one holds `Method` and `integrate`, which checks its arguments and hands over
//! to a method; the rest are private, re-exported here where public:
//! - `system.rs`: `OdeSystem`, `Stats`, and the counted system the methods call
//!   (finite-difference Jacobians included);
//! - `error.rs`: `OdeError` and the finiteness checks;
//! - `recorder.rs`: `Solution` and the recorder that fills it at the output times, shared
//!   with `mol::etdrk4`;
//! - `rk4.rs`: fixed-step RK4;
//! - `adaptive.rs`: the driver, step-size control and stage sums of the adaptive methods;
//! - `dopri5.rs`: Dormand–Prince 5(4) with dense output;
//! - `rosenbrock.rs`: RODAS3, Hermite output, dense LU;
//! - `tests.rs`: tests of the methods on model problems.

mod adaptive;
mod dopri5;
mod error;
mod recorder;
mod rk4;
mod rosenbrock;
mod system;
#[cfg(test)]
mod tests;

pub use error::OdeError;
pub use recorder::Solution;
pub use system::{OdeSystem, Stats};

pub(crate) use error::ensure_finite;
pub(crate) use recorder::{check_outputs, Recorder};

use adaptive::{adaptive, Tolerance};
use dopri5::Dopri5;
use rk4::rk4;
use rosenbrock::{Rosenbrock, RODAS3};
use system::{initial_rate, Counted};

/// How to integrate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Classical fourth-order Runge–Kutta with fixed step `dt`; the step before each output
    /// time is shortened to land on it exactly.
    Rk4 { dt: f64 },
    /// Dormand–Prince 5(4) with error control, for non-stiff problems; outputs come from its
    /// continuous extension, so they do not shorten steps.
    Dopri5 { rtol: f64, atol: f64 },
    /// RODAS3, a stiffly accurate, L-stable Rosenbrock method of order 3 (embedded order 2),
    /// for stiff problems; outputs come from Hermite cubic interpolation, which each step
    /// must also keep within the tolerance. Uses the system's Jacobian (or finite
    /// differences) and a dense LU per step, so it suits systems of up to a few hundred
    /// states.
    Rosenbrock { rtol: f64, atol: f64 },
}

/// Integrate from `t0` with `y0`, reporting the state at each time in `outputs` (increasing,
/// within [t0, t_end], where t_end is the last output time).
///
/// `progress` is called after every accepted step with the current time (so it should be
/// cheap: throttle redraws there) and may return false to stop, e.g. on Ctrl-C. Whatever
/// happens, the returned `Solution` holds every output reached before the error, if any.
///
/// # Panics
/// If `y0.len() != system.dim()`, if `outputs` is not non-decreasing and finite with
/// `outputs[0] >= t0`, or if the method's parameters are not positive and finite (`rtol`
/// may be zero).
pub fn integrate(
    system: &mut dyn OdeSystem,
    method: &Method,
    t0: f64,
    y0: &[f64],
    outputs: &[f64],
    progress: &mut dyn FnMut(f64) -> bool,
) -> (Solution, Option<OdeError>) {
    check_arguments(system.dim(), method, t0, y0, outputs);
    let mut sys = Counted {
        sys: system,
        stats: Stats::default(),
    };
    let mut rec = Recorder::new(outputs);
    let error = run(&mut sys, method, t0, y0, &mut rec, progress).err();
    let mut solution = rec.solution;
    solution.stats = sys.stats;
    (solution, error)
}

fn check_arguments(dim: usize, method: &Method, t0: f64, y0: &[f64], outputs: &[f64]) {
    assert_eq!(
        y0.len(),
        dim,
        "initial state has {} values, the system {dim}",
        y0.len()
    );
    check_outputs(t0, outputs);
    match *method {
        Method::Rk4 { dt } => {
            assert!(dt > 0.0 && dt.is_finite(), "RK4 step {dt} is not positive")
        }
        Method::Dopri5 { rtol, atol } | Method::Rosenbrock { rtol, atol } => assert!(
            atol > 0.0 && atol.is_finite() && rtol >= 0.0 && rtol.is_finite(),
            "tolerances need atol > 0 and rtol >= 0, got atol = {atol}, rtol = {rtol}"
        ),
    }
}

fn run(
    sys: &mut Counted,
    method: &Method,
    t0: f64,
    y0: &[f64],
    rec: &mut Recorder,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(), OdeError> {
    ensure_finite(t0, y0)?;
    rec.record_due(t0, y0, |_, _| unreachable!("no output lies before t0"));
    if rec.done() {
        return Ok(());
    }
    match *method {
        Method::Rk4 { dt } => rk4(sys, dt, t0, y0, rec, progress),
        Method::Dopri5 { rtol, atol } => {
            let f0 = initial_rate(sys, t0, y0)?;
            let stepper = Dopri5::new(y0, f0);
            adaptive(stepper, sys, Tolerance { rtol, atol }, t0, rec, progress)
        }
        Method::Rosenbrock { rtol, atol } => {
            let f0 = initial_rate(sys, t0, y0)?;
            let stepper = Rosenbrock::new(&RODAS3, y0, f0);
            adaptive(stepper, sys, Tolerance { rtol, atol }, t0, rec, progress)
        }
    }
}
