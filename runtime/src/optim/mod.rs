//! Optimizers for training physics-informed networks: Adam with learning-rate schedules
//! (`adam`), for the noisy first phase of training, and for the smooth final phase L-BFGS
//! (`lbfgs`) or dense BFGS and its self-scaled variants (`bfgs`), which share the
//! strong-Wolfe line search of `line_search`; Levenberg–Marquardt (`levenberg_marquardt`)
//! on the stacked residuals, whose dense systems `dense` solves; Nelder–Mead (`nelder_mead`) for small
//! non-smooth problems (the constants of evolved programs). This module owns the `Objective` they
//! minimise and the vector helpers they share.
//!
//! Parameters and gradients are `T` (f32 or f64), but every reduction accumulates in f64:
//! an f32 dot product over 10⁵ parameters loses the digits a line search compares, and
//! training in f32 is the common case.

mod adam;
mod bfgs;
mod dense;
mod lbfgs;
mod levenberg_marquardt;
mod line_search;
pub mod nelder_mead;
#[cfg(test)]
mod test_problems;

pub use adam::{Adam, AdamState, Schedule};
pub use bfgs::{Bfgs, BfgsUpdate, MAX_DENSE_PARAMETERS};
pub use lbfgs::Lbfgs;
pub use levenberg_marquardt::{LevenbergMarquardt, Residuals};
pub use line_search::{QuasiNewtonStep, QuasiNewtonStop};

use crate::scalar::Scalar;

/// The function an optimizer minimises.
pub trait Objective<T> {
    /// Why an evaluation failed (a NaN loss detected by the caller, Ctrl-C, a kernel error).
    /// An error aborts the optimizer and reaches its caller unchanged.
    type Error;

    /// Returns the loss at `params` and writes its gradient into `grad`
    /// (`grad.len() == params.len()`).
    fn evaluate(&mut self, params: &[T], grad: &mut [T]) -> Result<T, Self::Error>;
}

/// Any `FnMut(params, grad) -> Result<loss, E>` is an objective, so small problems and
/// tests need no wrapper type.
impl<T, E, F> Objective<T> for F
where
    F: FnMut(&[T], &mut [T]) -> Result<T, E>,
{
    type Error = E;

    fn evaluate(&mut self, params: &[T], grad: &mut [T]) -> Result<T, E> {
        self(params, grad)
    }
}

/// `x` as f64; exact for both scalar types.
fn wide<T: Scalar>(x: T) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

/// `aᵀb`, accumulated in f64 whatever the element types.
fn dot<A: Scalar, B: Scalar>(a: &[A], b: &[B]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(&x, &y)| wide(x) * wide(y)).sum()
}

/// The largest magnitude; NaN if any element is NaN (`f64::max` would hide it, and a NaN
/// gradient must never look converged).
fn norm_inf<T: Scalar>(a: &[T]) -> f64 {
    a.iter()
        .map(|&x| wide(x).abs())
        .fold(0.0, |m, x| if x > m || x.is_nan() { x } else { m })
}

fn norm1<T: Scalar>(a: &[T]) -> f64 {
    a.iter().map(|&x| wide(x).abs()).sum()
}
