//! The system as the integrators see it: the `OdeSystem` interface that models implement,
//! and `Counted`, the wrapper every method calls it through, which counts evaluations for
//! `Stats` and falls back to finite-difference Jacobians. Separate because all three
//! methods share it and none owns it.

use super::error::{all_finite, OdeError};

/// A system dy/dt = f(t, y) (autonomous or not) of dimension n.
pub trait OdeSystem {
    fn dim(&self) -> usize;
    fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]);
    /// Row-major n×n Jacobian ∂f_i/∂y_j; return false if unavailable (then implicit methods
    /// use finite differences).
    fn jacobian(&mut self, _t: f64, _y: &[f64], _jac: &mut [f64]) -> bool {
        false
    }
}

/// The work an integration did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps.
    pub steps: usize,
    /// Steps rejected by the error control (or because they produced NaN/inf).
    pub rejected: usize,
    /// Calls of `OdeSystem::rhs`, including those for finite-difference Jacobians.
    pub rhs_evals: usize,
    /// Jacobians evaluated, analytically or by finite differences.
    pub jacobian_evals: usize,
    pub lu_decompositions: usize,
}

/// f(t0, y0), which both adaptive methods need before their first step.
pub(super) fn initial_rate(sys: &mut Counted, t0: f64, y0: &[f64]) -> Result<Vec<f64>, OdeError> {
    let mut f0 = vec![0.0; y0.len()];
    sys.rhs(t0, y0, &mut f0);
    if all_finite(&f0) {
        Ok(f0)
    } else {
        Err(OdeError::NonFinite {
            t: t0,
            state: y0.to_vec(),
        })
    }
}

/// The system with the evaluation counts that `Stats` reports.
pub(super) struct Counted<'a> {
    pub(super) sys: &'a mut dyn OdeSystem,
    pub(super) stats: Stats,
}

impl Counted<'_> {
    pub(super) fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]) {
        self.stats.rhs_evals += 1;
        self.sys.rhs(t, y, dydt);
    }

    /// The Jacobian at (t, y), where `f` = f(t, y): the system's own if it has one, else
    /// forward differences (n more rhs evaluations). `work` needs 2n values.
    pub(super) fn jacobian(
        &mut self,
        t: f64,
        y: &[f64],
        f: &[f64],
        jac: &mut [f64],
        work: &mut [f64],
    ) {
        self.stats.jacobian_evals += 1;
        if self.sys.jacobian(t, y, jac) {
            return;
        }
        let n = y.len();
        let (shifted, column) = work.split_at_mut(n);
        shifted.copy_from_slice(y);
        for j in 0..n {
            // Hairer's increment: relative to |y_j|, but not below sqrt(eps·1e-5) so that
            // components passing through zero still get a usable difference.
            let delta = (f64::EPSILON * y[j].powi(2).max(1e-5)).sqrt();
            shifted[j] = y[j] + delta;
            // The increment actually represented, so rounding does not bias the quotient.
            let delta = shifted[j] - y[j];
            self.rhs(t, shifted, column);
            for (i, (c, f)) in column.iter().zip(f).enumerate() {
                jac[i * n + j] = (c - f) / delta;
            }
            shifted[j] = y[j];
        }
    }
}
