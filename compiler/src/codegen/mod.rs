//! Code generation: simplified IR to native kernels. `cranelift.rs` compiles expression sets
//! into JIT functions with the runtime's kernel ABI, calling the functions in `mathlib.rs`;
//! `kernels.rs` decides what each model's kernels compute and caches compiled kernels.

pub mod cranelift;
pub mod kernels;
mod mathlib;

pub use cranelift::{compile, CodegenError, JitReal, KernelSpec};
