//! The plan stage: a checked model and its job settings → the compiled problem a runner in
//! `physc-jobs` integrates. Planning is compiler work (lowering, symbolic derivatives,
//! simplification, kernels) and does no I/O.
//!
//! - `ode_system.rs`: ODE models → the right-hand side and its symbolic Jacobian as kernels,
//!   the initial state and the time span.
//! - `line_pde.rs`: 1-D PDEs of one field → u_t = F as one kernel over the grid, the
//!   linear/nonlinear split for ETDRK4, boundary kernels.
//! - `grid_pde.rs`: PDEs of several fields, in 1-D or 2-D on tensor grids → one kernel for
//!   every field's u_t, side conditions a·u + b·∂u = g.
//! - `activation.rs`: a network's activation → kernel plans of σ and its derivatives.
//! - `training.rs`: a model and its `TrainSettings` → the loss terms of training, each with
//!   one fused kernel of its residuals and their sensitivities, and where every kernel input
//!   lives at run time.

pub mod activation;
pub mod grid_pde;
pub mod line_pde;
pub mod ode_system;
pub mod training;
