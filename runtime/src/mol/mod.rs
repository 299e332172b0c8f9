//! The method of lines for 1-D PDEs u_t = F(x, t, u, u_x, …, u_xxxx): grids with their
//! boundary conditions (`Grid1d`), the derivative columns a compiled pointwise kernel for F
//! reads at every right-hand-side evaluation (`Derivatives`: second- and fourth-order finite
//! differences, or Fourier differentiation on periodic grids), and ETDRK4, an exponential
//! integrator for stiff periodic problems u_t = L u + N(t, u) whose linear part is diagonal
//! in Fourier space (`etdrk4`).
//!
//! Finite differences sweep u once per derivative with the central stencil, vectorised over
//! points, and once for the first two together when their stencils are as wide (fourth
//! order: u_x and u_xx from one read of u); points near the ends get their own rows.
//!
//! A grid's state is u at every point, Dirichlet ends included. `Derivatives::compute`
//! takes the boundary values of the moment (they may depend on t): it overwrites u at
//! Dirichlet ends with theirs and builds the slope u_x given at Neumann ends into its
//! stencils, so F never sees an out-of-date boundary. The rate at a Dirichlet end does not
//! feed back into anything; a caller sets it to the boundary value's rate (0 if constant) so
//! the state follows, or fixes the recorded states with `Grid1d::impose`.
//!
//! `etdrk4` reports like `ode::integrate` (same `Solution`, `OdeError` and `Stats`), so the
//! compiler can run both kinds of job alike.
//!
//! Files (private; this one re-exports what is public):
//! - `grid.rs`: `Grid1d`, `Boundary`, `MolError`;
//! - `derivatives.rs`: `Derivatives`, `Scheme`, `MAX_ORDER`: differentiation by one of
//!   the next two;
//! - `stencil.rs`: finite differences: central stencils, edge rows (Fornberg), and the
//!   stencil sweeps (`stencil_sums`, `stencil_pair_sums`);
//! - `spectral.rs`: Fourier differentiation;
//! - `etdrk4.rs`: `etdrk4` and `Semilinear`;
//! - `tensor_grid.rs`: `TensorGrid`, `AxisDerivatives`, `Ends`: the method of lines on
//!   tensor grids, line by line along each axis;
//! - `tests.rs`: tests of the public interface.

mod derivatives;
mod etdrk4;
mod grid;
mod spectral;
mod stencil;
mod tensor_grid;
#[cfg(test)]
mod tests;

pub use derivatives::{Derivatives, Scheme, MAX_ORDER};
pub use etdrk4::{etdrk4, Semilinear};
pub use grid::{Boundary, Grid1d, MolError};
/// The complex numbers of `etdrk4`'s symbols, re-exported so callers need no num-complex.
pub use rustfft::num_complex::Complex64;
pub use stencil::{stencil_pair_sums, stencil_sums};
pub use tensor_grid::{AxisDerivatives, Ends, TensorGrid};
