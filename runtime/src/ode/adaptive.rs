//! What the adaptive methods share: the tolerance norm, the `Stepper` interface each
//! method implements, step-size control, the driver loop (outputs, step underflow,
//! progress), the initial step, and the stage sums y + h Σ a_j k_j. Separate so that
//! `dopri5.rs` and `rosenbrock.rs` hold only their own schemes.

use super::error::{all_finite, OdeError};
use super::recorder::Recorder;
use super::system::Counted;

#[derive(Debug, Clone, Copy)]
pub(super) struct Tolerance {
    pub(super) rtol: f64,
    pub(super) atol: f64,
}

impl Tolerance {
    /// The RMS of `err` in units of the tolerance at the larger of the two states; infinite
    /// if anything is not finite, so such steps are rejected like too inaccurate ones.
    pub(super) fn norm(&self, err: &[f64], y0: &[f64], y1: &[f64]) -> f64 {
        let mut sum = 0.0;
        for ((e, a), b) in err.iter().zip(y0).zip(y1) {
            let scale = self.atol + self.rtol * a.abs().max(b.abs());
            sum += (e / scale).powi(2);
        }
        let norm = (sum / err.len().max(1) as f64).sqrt();
        if norm.is_finite() && all_finite(y1) {
            norm
        } else {
            f64::INFINITY
        }
    }

    /// The same weighted RMS for a single vector (initial step selection).
    fn size(&self, v: &[f64], y: &[f64]) -> f64 {
        let sum: f64 = v
            .iter()
            .zip(y)
            .map(|(v, y)| (v / (self.atol + self.rtol * y.abs())).powi(2))
            .sum();
        (sum / v.len().max(1) as f64).sqrt()
    }
}

/// One adaptive one-step method: the state it holds, trial steps, and interpolation over
/// the last accepted step.
pub(super) trait Stepper {
    /// Order of the error estimate (the lower order of the pair, plus one): the local
    /// error scales as h^order.
    const ERROR_ORDER: i32;
    fn controller() -> Controller;
    /// The current state y and its rate f(t, y).
    fn state(&self) -> &[f64];
    fn rate(&self) -> &[f64];
    /// Try a step from (t, state) of size h; the weighted error norm (≤ 1 is acceptable).
    fn attempt(&mut self, sys: &mut Counted, t: f64, h: f64, tol: Tolerance) -> f64;
    /// Make the last trial the current state, keeping what `interpolate` needs when
    /// `dense` (an output falls inside the step; most steps have none).
    fn accept(&mut self, h: f64, dense: bool);
    /// The solution at fraction `theta` ∈ [0, 1] of the last accepted step.
    fn interpolate(&self, theta: f64, out: &mut [f64]);
}

/// Step-size control: h_new = h · safe · err^-expo · err_old^beta, clamped. With beta > 0
/// this is Hairer's PI controller (smoother step sequences); beta = 0 is the plain one.
pub(super) struct Controller {
    pub(super) expo: f64,
    pub(super) beta: f64,
    pub(super) safe: f64,
    pub(super) fac_min: f64,
    pub(super) fac_max: f64,
    pub(super) err_old: f64,
    pub(super) rejected_last: bool,
}

impl Controller {
    /// Whether a step with error norm `err` is accepted, and the size of the next try.
    fn judge(&mut self, h: f64, err: f64) -> (bool, f64) {
        let err = if err.is_nan() { f64::INFINITY } else { err };
        if err <= 1.0 {
            let pi = self.err_old.powf(self.beta) / err.powf(self.expo);
            let mut fac = (self.safe * pi).clamp(self.fac_min, self.fac_max);
            // Right after a rejection, growing again would likely be rejected once more.
            if self.rejected_last {
                fac = fac.min(1.0);
            }
            self.err_old = err.max(1e-4);
            self.rejected_last = false;
            (true, h * fac)
        } else {
            let fac = (self.safe / err.powf(self.expo)).max(self.fac_min);
            self.rejected_last = true;
            (false, h * fac)
        }
    }
}

/// Below this step `t + h` no longer differs usefully from `t`.
fn min_step(t: f64) -> f64 {
    1e-14 * t.abs().max(1.0)
}

/// The shared driver for adaptive methods: step-size control, outputs, underflow, progress.
pub(super) fn adaptive<S: Stepper>(
    mut stepper: S,
    sys: &mut Counted,
    tol: Tolerance,
    t0: f64,
    rec: &mut Recorder,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(), OdeError> {
    let t_end = rec.t_end();
    let h_max = t_end - t0;
    let mut h = initial_step(sys, &stepper, t0, h_max, S::ERROR_ORDER, tol);
    let mut ctl = S::controller();
    let mut t = t0;
    while !rec.done() {
        if h < min_step(t) {
            return Err(OdeError::StepUnderflow {
                t,
                h,
                state: stepper.state().to_vec(),
            });
        }
        // Hairer's rule: stretch a step that nearly reaches the end rather than leave a
        // sliver for a last, tiny one.
        let last = t + 1.01 * h >= t_end;
        if last {
            h = t_end - t;
        }
        let err = stepper.attempt(sys, t, h, tol);
        let (accepted, h_next) = ctl.judge(h, err);
        if !accepted {
            sys.stats.rejected += 1;
            h = h_next.min(h_max);
            continue;
        }
        sys.stats.steps += 1;
        let t_old = t;
        t = if last { t_end } else { t + h };
        stepper.accept(h, rec.interpolates_before(t));
        rec.record_due(t, stepper.state(), |time, out| {
            stepper.interpolate((time - t_old) / h, out)
        });
        if !progress(t) {
            return Err(OdeError::Interrupted { t });
        }
        h = h_next.min(h_max);
    }
    Ok(())
}

/// Hairer's initial step: h with an explicit Euler step's estimated local error matching
/// the tolerance, from the sizes of y, f and an estimate of y''. Costs one rhs evaluation.
fn initial_step<S: Stepper>(
    sys: &mut Counted,
    stepper: &S,
    t0: f64,
    h_max: f64,
    order: i32,
    tol: Tolerance,
) -> f64 {
    let (y0, f0) = (stepper.state(), stepper.rate());
    let d0 = tol.size(y0, y0);
    let d1 = tol.size(f0, y0);
    let h0 = if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    }
    .min(h_max);
    let y1: Vec<f64> = y0.iter().zip(f0).map(|(y, f)| y + h0 * f).collect();
    let mut f1 = vec![0.0; y0.len()];
    sys.rhs(t0 + h0, &y1, &mut f1);
    let df: Vec<f64> = f1.iter().zip(f0).map(|(a, b)| a - b).collect();
    let d2 = tol.size(&df, y0) / h0;
    let d12 = d1.max(d2);
    let h1 = if d12.is_finite() && d12 > 1e-15 {
        (0.01 / d12).powf(1.0 / f64::from(order))
    } else {
        (h0 * 1e-3).max(1e-6)
    };
    (100.0 * h0).min(h1).min(h_max)
}

/// u = y + h Σ_j a_j k_j over the stages given.
pub(super) fn combine(out: &mut [f64], y: &[f64], h: f64, a: &[f64], k: &[Vec<f64>]) {
    stage_sum(out, Some(y), h, a, k);
}

/// u += h Σ_j a_j k_j.
pub(super) fn accumulate(out: &mut [f64], h: f64, a: &[f64], k: &[Vec<f64>]) {
    stage_sum(out, None, h, a, k);
}

/// The nonzero terms (h·a_j, k_j) summed onto `base` (or `out`) in one pass; up to eight
/// terms stay on the stack (every step of every explicit method comes here several times).
fn stage_sum(out: &mut [f64], base: Option<&[f64]>, h: f64, a: &[f64], k: &[Vec<f64>]) {
    let nonzero = || {
        a.iter()
            .zip(k)
            .filter(|(aj, _)| **aj != 0.0)
            .map(|(aj, kj)| (h * aj, kj.as_slice()))
    };
    let mut terms: [(f64, &[f64]); 8] = [(0.0, &[]); 8];
    if a.len() > terms.len() {
        let all: Vec<(f64, &[f64])> = nonzero().collect();
        return crate::wide::weighted_sum(out, base, &all);
    }
    let mut count = 0;
    for term in nonzero() {
        terms[count] = term;
        count += 1;
    }
    crate::wide::weighted_sum(out, base, &terms[..count]);
}
