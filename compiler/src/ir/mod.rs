//! The symbolic core: one expression language (`lang.rs`, an egg `Language`) shared by
//! residuals, discovered equations and evolved programs. `lower.rs` turns a checked model
//! into residuals and jet sets, `diff.rs` differentiates (by coordinates and by symbols),
//! `simplify/` rewrites with e-graphs under limits (`poly.rs`: the polynomials it expands and
//! divides), `eval.rs` is the reference interpreter,
//! `print.rs` prints `.phys` syntax and LaTeX, and `sensitivity.rs` derives what a reverse
//! pass needs.

pub mod diff;
pub mod eval;
pub mod lang;
pub mod lower;
pub mod pipeline;
pub mod poly;
pub mod print;
pub mod readable;
pub mod report;
pub mod sensitivity;
pub mod simplify;
pub mod standalone;

pub use egg::{Id, RecExpr};
pub use lang::{Builder, Math, SymbolKind, Symbols};
pub use lower::{lower_model, Lowered, Residual};
