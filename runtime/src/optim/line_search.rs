//! The strong-Wolfe line search the quasi-Newton methods share (Nocedal & Wright,
//! *Numerical Optimization*, 2nd ed., Algorithms 3.5 and 3.6: bracketing, then zoom by
//! safeguarded cubic interpolation), and what one of their iterations returns.
//!
//! Training objectives misbehave, so the search treats a non-finite loss or gradient as
//! "too far" and backs off. It evaluates trial points into two caller-owned buffers and
//! never touches the caller's parameters.

use super::{dot, norm_inf, wide, Objective};
use crate::scalar::Scalar;
use std::fmt;

/// Sufficient decrease: f(α) ≤ f(0) + c₁·α·φ'(0).
pub(super) const C1: f64 = 1e-4;
/// Curvature: |φ'(α)| ≤ c₂·|φ'(0)|; 0.9 is loose, as quasi-Newton methods want.
pub(super) const C2: f64 = 0.9;
/// Evaluations one line search may spend before settling for its best point.
const MAX_SEARCH_EVALUATIONS: usize = 25;
/// Zoom keeps interpolated trials this fraction of the bracket away from its ends, so each
/// evaluation shrinks the bracket by at least that fraction.
const SAFEGUARD: f64 = 0.1;
/// After a non-finite trial there is nothing to interpolate; the next trial goes this
/// fraction of the way out from the good end, so a far overshoot is undone in few steps.
const BACK_OFF: f64 = 0.1;
/// Bracketing extrapolates at least 1% and at most 10× past the last trial (as PyTorch).
const MIN_GROWTH: f64 = 0.01;
const MAX_GROWTH: f64 = 10.0;

/// The outcome of one accepted quasi-Newton iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuasiNewtonStep<T> {
    /// The loss at the new parameters.
    pub loss: T,
    /// Objective evaluations this call made (including the start point on the first call).
    pub evaluations: usize,
    /// The accepted step length α along the search direction.
    pub step_length: f64,
}

/// Why a quasi-Newton method (L-BFGS, BFGS and its self-scaled variants) stopped; the parameters are at the last accepted point in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuasiNewtonStop<E> {
    /// ‖g‖∞ ≤ tol at the current point.
    Converged,
    /// The line search found no decrease even along steepest descent, the last step
    /// changed the loss by no more than rounding, or the start point's loss or gradient
    /// is not finite.
    NoProgress,
    /// The objective's own error.
    Objective(E),
}

impl<E: fmt::Display> fmt::Display for QuasiNewtonStop<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuasiNewtonStop::Converged => f.write_str("converged"),
            QuasiNewtonStop::NoProgress => f.write_str("no further progress"),
            QuasiNewtonStop::Objective(e) => e.fmt(f),
        }
    }
}

/// Where a quasi-Newton iteration starts, shared by L-BFGS and BFGS: the loss at the
/// caller's parameters (evaluated, with its gradient into `g`, on the first iteration),
/// and whether the previous step already stalled.
#[derive(Debug, Clone)]
pub(super) struct Start<T> {
    /// The loss at the caller's parameters, once evaluated; `g` is its gradient.
    pub(super) loss: Option<T>,
    pub(super) g: Vec<T>,
    /// The last step changed the loss by no more than rounding.
    pub(super) stalled: bool,
}

impl<T: Scalar> Start<T> {
    pub(super) fn new(n: usize) -> Start<T> {
        Start {
            loss: None,
            g: vec![T::zero(); n],
            stalled: false,
        }
    }

    /// The loss to start the iteration from and the evaluations that took (0 or 1); stops
    /// when the gradient is within `tol`, the last step stalled, or the start point has no
    /// finite loss or slope (no line search can start there).
    pub(super) fn begin<O: Objective<T>>(
        &mut self,
        params: &[T],
        objective: &mut O,
        tol: f64,
    ) -> Result<(T, usize), QuasiNewtonStop<O::Error>> {
        let (f0, evaluations) = match self.loss {
            Some(f) => (f, 0),
            None => {
                let f = objective
                    .evaluate(params, &mut self.g)
                    .map_err(QuasiNewtonStop::Objective)?;
                if !f.is_finite() || !self.g.iter().all(|g| g.is_finite()) {
                    return Err(QuasiNewtonStop::NoProgress);
                }
                self.loss = Some(f);
                self.stalled = false;
                (f, 1)
            }
        };
        if norm_inf(&self.g) <= tol {
            return Err(QuasiNewtonStop::Converged);
        }
        if self.stalled {
            return Err(QuasiNewtonStop::NoProgress);
        }
        Ok((f0, evaluations))
    }

    /// Records the accepted point's loss (its gradient is already in `g`), and whether
    /// the step from `f0` changed the loss by no more than `T`'s rounding: noise, not
    /// progress.
    pub(super) fn accepted(&mut self, f0: T, f: T) {
        self.loss = Some(f);
        let change = (wide(f0) - wide(f)).abs();
        self.stalled = change <= wide(T::epsilon()) * wide(f0).abs();
    }
}

/// Parameters, gradient and loss at a point the line search evaluated.
#[derive(Debug, Clone)]
pub(super) struct Point<T> {
    pub(super) x: Vec<T>,
    pub(super) g: Vec<T>,
    pub(super) f: T,
}

impl<T: Scalar> Point<T> {
    pub(super) fn new(n: usize) -> Point<T> {
        Point {
            x: vec![T::zero(); n],
            g: vec![T::zero(); n],
            f: T::zero(),
        }
    }
}

/// (sᵢ, yᵢ) from the old point and gradient to `new`, in f64: rounded to `T` only once.
pub(super) fn differences<'a, T: Scalar>(
    new: &'a Point<T>,
    x_old: &'a [T],
    g_old: &'a [T],
) -> impl Iterator<Item = (f64, f64)> + 'a {
    let x = new.x.iter().zip(x_old);
    let g = new.g.iter().zip(g_old);
    x.zip(g)
        .map(|((&x1, &x0), (&g1, &g0))| (wide(x1) - wide(x0), wide(g1) - wide(g0)))
}

/// A point on the search line: step length α, φ(α) and φ'(α).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) a: f64,
    pub(super) f: f64,
    pub(super) dphi: f64,
}

/// A point the line search accepted, and which buffer holds it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Found {
    /// Satisfies the strong Wolfe conditions; in `trial`.
    Trial(Sample),
    /// The search ran out of evaluations; the best point with sufficient decrease, in `lo`.
    Lo(Sample),
}

/// One line search along `d` from `x0`: φ(α) = f(x0 + α·d).
pub(super) struct LineSearch<'a, T, O> {
    pub(super) x0: &'a [T],
    pub(super) d: &'a [f64],
    pub(super) trial: &'a mut Point<T>,
    pub(super) lo: &'a mut Point<T>,
    pub(super) objective: &'a mut O,
    pub(super) f0: f64,
    pub(super) dphi0: f64,
    pub(super) evaluations: usize,
}

impl<T: Scalar, O: Objective<T>> LineSearch<'_, T, O> {
    /// Algorithm 3.5: grow the step until it brackets a Wolfe point, then zoom.
    pub(super) fn run(&mut self, initial_step: f64) -> Result<Option<Found>, O::Error> {
        let mut prev = Sample {
            a: 0.0,
            f: self.f0,
            dphi: self.dphi0,
        };
        let mut a = initial_step;
        while self.evaluations < MAX_SEARCH_EVALUATIONS {
            let cur = self.probe(a)?;
            if self.too_far(cur) || (prev.a > 0.0 && cur.f >= prev.f) {
                return self.zoom(prev, cur);
            }
            if self.curvature_holds(cur) {
                return Ok(Some(Found::Trial(cur)));
            }
            self.keep_as_lo();
            if cur.dphi >= 0.0 {
                return self.zoom(cur, prev);
            }
            a = extrapolate(prev, cur);
            prev = cur;
        }
        Ok(settle(prev))
    }

    /// Algorithm 3.6: `lo` has sufficient decrease and the lowest loss so far, and a Wolfe
    /// point lies between `lo` and `hi`; shrink the bracket until one is found.
    fn zoom(&mut self, mut lo: Sample, mut hi: Sample) -> Result<Option<Found>, O::Error> {
        while self.evaluations < MAX_SEARCH_EVALUATIONS && !collapsed(lo, hi) {
            let cur = self.probe(interpolate(lo, hi))?;
            if self.too_far(cur) || cur.f >= lo.f {
                hi = cur;
                continue;
            }
            if self.curvature_holds(cur) {
                return Ok(Some(Found::Trial(cur)));
            }
            if cur.dphi * (hi.a - lo.a) >= 0.0 {
                hi = lo;
            }
            self.keep_as_lo();
            lo = cur;
        }
        Ok(settle(lo))
    }

    /// Evaluates φ(α) into the trial buffers.
    fn probe(&mut self, a: f64) -> Result<Sample, O::Error> {
        let points = self.trial.x.iter_mut().zip(self.x0).zip(self.d);
        for ((x, &x0), &d) in points {
            *x = T::from_f64_lossy(wide(x0) + a * d);
        }
        self.evaluations += 1;
        let f = self.objective.evaluate(&self.trial.x, &mut self.trial.g)?;
        self.trial.f = f;
        Ok(Sample {
            a,
            f: wide(f),
            dphi: dot(&self.trial.g, self.d),
        })
    }

    /// Sufficient decrease fails, or the point is unusable (a non-finite loss or slope):
    /// either way the step must shrink.
    fn too_far(&self, s: Sample) -> bool {
        !s.f.is_finite() || !s.dphi.is_finite() || s.f > self.f0 + C1 * s.a * self.dphi0
    }

    fn curvature_holds(&self, s: Sample) -> bool {
        s.dphi.abs() <= -C2 * self.dphi0
    }

    /// The trial point becomes the best point so far.
    fn keep_as_lo(&mut self) {
        std::mem::swap(self.trial, self.lo);
    }
}

/// Out of evaluations: a point with sufficient decrease still beats standing still.
fn settle(lo: Sample) -> Option<Found> {
    (lo.a > 0.0).then_some(Found::Lo(lo))
}

/// The bracket is below f64 resolution, so no new trial point exists inside it.
fn collapsed(lo: Sample, hi: Sample) -> bool {
    (hi.a - lo.a).abs() <= f64::EPSILON * lo.a.abs().max(hi.a.abs())
}

/// The next bracketing trial: the cubic's minimiser beyond `cur`, within the growth limits;
/// the largest step if the cubic has no minimiser (the loss still falls steeply).
fn extrapolate(prev: Sample, cur: Sample) -> f64 {
    let lower = cur.a + MIN_GROWTH * (cur.a - prev.a);
    let upper = MAX_GROWTH * cur.a;
    cubic_minimiser(prev, cur).map_or(upper, |a| a.clamp(lower, upper))
}

/// The next zoom trial: the cubic's minimiser kept off the bracket's ends, bisection if the
/// cubic has none, and a fixed back-off if `hi` is unusable.
fn interpolate(lo: Sample, hi: Sample) -> f64 {
    let width = hi.a - lo.a;
    if !hi.f.is_finite() || !hi.dphi.is_finite() {
        return lo.a + BACK_OFF * width;
    }
    let margin = SAFEGUARD * width.abs();
    let (left, right) = (lo.a.min(hi.a) + margin, lo.a.max(hi.a) - margin);
    cubic_minimiser(lo, hi).map_or(lo.a + 0.5 * width, |a| a.clamp(left, right))
}

/// The minimiser of the cubic matching φ and φ' at both samples (N&W eq. 3.59), if the
/// cubic has one.
fn cubic_minimiser(p: Sample, q: Sample) -> Option<f64> {
    let d1 = p.dphi + q.dphi - 3.0 * (p.f - q.f) / (p.a - q.a);
    let discriminant = d1 * d1 - p.dphi * q.dphi;
    if discriminant.is_nan() || discriminant < 0.0 {
        return None;
    }
    let d2 = discriminant.sqrt().copysign(q.a - p.a);
    let a = q.a - (q.a - p.a) * (q.dphi + d2 - d1) / (q.dphi - p.dphi + 2.0 * d2);
    a.is_finite().then_some(a)
}
