//! physc-runtime: execution for the jobs the compiler plans. It owns the kernel ABI and its
//! safe, parallel calling interface (`kernel`), how the ranks of a distributed run exchange
//! numbers (`comm`: one process, or MPI with the `mpi` feature), the numbers it computes with (`scalar`,
//! `rng`), networks with Taylor-mode jets (`nn`), optimizers (`optim`), collocation
//! samplers (`sampling`), domain shapes and their sampling (`geometry`), summary statistics (`stats`), exact reference solutions
//! (`exact`), ODE integrators (`ode`), the method of lines on 1-D and tensor grids and
//! ETDRK4 (`mol`), the numerics of equation discovery (`sindy`: derivative estimates, least
//! squares, sparse regression) and of evolved approximations (`straight_line`: programs,
//! constant fitting, ULP errors), and result I/O and plots (`output`). `wide` holds the
//! dense inner loops (dot, axpy, stage sums) compiled for AVX2 where the CPU has it. With
//! the `cuda` feature, `cuda` runs generated kernels and GEMMs on an NVIDIA GPU. Module names
//! say what the numerics are; the jobs that use them (`physc-jobs`: train, simulate,
//! discover, evolve) are named by what the user asks for.

pub mod comm;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod exact;
pub mod geometry;
pub mod kernel;
pub mod mol;
pub mod nn;
pub mod ode;
pub mod optim;
pub mod output;
pub mod rng;
pub mod sampling;
pub mod scalar;
pub mod sindy;
pub mod small_gemm;
pub mod stats;
pub mod straight_line;
pub mod vmath;
pub mod wide;

pub use kernel::{Kernel, KernelError, KernelFn, Real, Signature};
pub use scalar::{MatRef, Scalar};

#[cfg(test)]
mod test_support;
