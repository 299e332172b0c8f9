//! Code generation: simplified IR to native kernels. `cranelift.rs` compiles expression sets
//! into JIT functions with the runtime's kernel ABI, calling the functions in `mathlib.rs`;
//! `kernels.rs` decides what each model's kernels compute and caches compiled kernels;
//! `cuda.rs` writes the same kernels as CUDA C for NVRTC (run by the `cuda` feature's runtime).

pub mod cranelift;
pub mod cuda;
pub mod kernels;
mod mathlib;

pub use cranelift::{compile, CodegenError, JitReal, KernelSpec};
