//! physc-runtime: execution for the jobs the compiler plans. Today it owns the kernel ABI
//! and its safe, parallel calling interface (`kernel`); networks, optimizers, samplers,
//! integrators and result I/O join it as the jobs land.

pub mod kernel;
pub mod mol;
pub mod ode;
pub mod output;

pub use kernel::{Kernel, KernelError, KernelFn, Real};
