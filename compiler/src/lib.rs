//! physc-compiler: the front end, the symbolic core and code generation of physc.
//!
//! Data flows one way through the stages, one module each:
//! `syntax` (text to AST) → `check` (AST to semantic model) → `ir` (symbolic residuals,
//! derivatives, e-graph simplification) → `codegen` (Cranelift and CUDA kernels) → `plan`
//! (a model and its job settings to the compiled problem a runner integrates). `source` and
//! `diagnostics` are shared by all stages; `driver` loads files (through a `FileProvider`)
//! and runs the front end; `symreg` is symbolic regression over the IR. Running jobs is
//! `physc-jobs`' work; the command line is the `physc` crate's.
//!
//! Nothing here prints, exits the process or writes files: every result comes back in
//! memory, every error as a `Diagnostic` or a typed error.

pub mod check;
pub mod codegen;
pub mod diagnostics;
pub mod driver;
pub mod ir;
pub mod plan;
pub mod source;
pub mod symreg;
pub mod syntax;
