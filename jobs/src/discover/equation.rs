//! Discovered equations as IR: Σ coefficient · term over the kept terms, one summand per
//! term in the library's order (`5.012 * x - 1.003 * y * z`, as a paper lists a model's
//! terms, so the coefficients can be read off against `coefficients` in report.json), each
//! term written by the readable printer ([`physc_compiler::ir::readable`]), and printed in
//! `.phys` syntax and LaTeX.

use super::library::Library;
use egg::{Id, RecExpr};
use physc_compiler::ir::lang::Math;
use physc_compiler::ir::print;
use physc_compiler::ir::readable::Reader;

#[derive(Debug, Clone)]
pub struct Equation {
    /// `dt(x)`.
    pub lhs: String,
    pub lhs_latex: String,
    pub rhs: String,
    pub rhs_latex: String,
    /// The kept terms and their coefficients, in library order.
    pub terms: Vec<(String, f64)>,
    /// The right-hand side as IR, as printed.
    pub expr: RecExpr<Math>,
    pub root: Id,
}

/// `lhs = Σ coef_j term_j` over the nonzero coefficients, in library order.
pub fn build(library: &Library, lhs: (&str, &str), coef: &[f64]) -> Equation {
    let terms: Vec<(String, f64)> = library
        .terms
        .iter()
        .zip(coef)
        .filter(|(_, &c)| c != 0.0)
        .map(|(t, &c)| (t.name.clone(), c))
        .collect();
    let (expr, root) = combination(library, coef);
    Equation {
        lhs: lhs.0.to_string(),
        lhs_latex: lhs.1.to_string(),
        rhs: print::source(&expr, root, &library.symbols),
        rhs_latex: print::latex(&expr, root, &library.symbols),
        terms,
        expr,
        root,
    }
}

/// `Σ coef_j term_j` as the printers take it: one summand per nonzero coefficient, in
/// library order, signs folded into the coefficients.
fn combination(library: &Library, coef: &[f64]) -> (RecExpr<Math>, Id) {
    let kept: Vec<(f64, Id)> = library
        .terms
        .iter()
        .zip(coef)
        .filter(|(_, &c)| c != 0.0)
        .map(|(t, &c)| (c, t.id))
        .collect();
    Reader::new(&library.symbols).combination(&library.builder.expr, &kept)
}

/// A sparse candidate (a point of a Pareto front) as `.phys` text, written as equations are.
pub fn text(library: &Library, coef: &[f64]) -> String {
    let (expr, root) = combination(library, coef);
    print::source(&expr, root, &library.symbols)
}
