//! physc: a language and compiler for physics models.
//!
//! Data flows one way through the stages, one module each:
//! `syntax` (text to AST) → `check` (AST to semantic model) → later stages (symbolic IR,
//! code generation, jobs). `source` and `diagnostics` are shared by all stages; `driver`
//! loads files and runs the stages in order; `cli` is the command-line front.

pub mod check;
pub mod cli;
mod cli_progress;
mod cli_simplify;
pub mod codegen;
pub mod diagnostics;
pub mod driver;
pub mod ir;
pub mod jobs;
pub mod source;
pub mod symreg;
pub mod syntax;
