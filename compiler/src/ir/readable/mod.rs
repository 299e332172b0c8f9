//! Mathematics for people: every expression physc prints (simplified residuals, `physc
//! simplify`, discovered equations, evolved and regressed formulas) goes through here, so
//! they all read the same way. Kernels never do: they compile the e-graph's
//! operation-count extraction ([`super::simplify`]), which this leaves untouched.
//!
//! An expression (best the simplifier's readable extraction, which already prefers powers
//! to repeated factors and subtractions to added negations) is put into a sum of monomials
//! (`normal.rs`): products of sums multiplied out while small, like terms collected, terms
//! ordered by degree and then by variable (`order.rs`: derivatives, fields, coordinates,
//! free names; constants and parameters are coefficients), a positive term first where
//! there is one (`x y - 3 z`, not `-3 z + x y`). It is rebuilt as IR shaped for
//! the printers (`build.rs`): numbers first, subtractions for negative terms, divisions
//! for negative powers, and named coefficients shared by several terms taken out where
//! that prints shorter (`sigma * (x - y)`). [`super::print`] then writes `.phys` syntax or
//! LaTeX, and what it writes parses back to the same value.

mod build;
mod normal;
mod order;

use super::lang::{Builder, Math, Symbols};
use super::print;
use crate::check::VarId;
use build::Factoring;
use egg::{Id, RecExpr};
use normal::{Normalizer, Sum, Term};
pub use order::Order;

/// Which form of an expression to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Form {
    /// Sums of monomials in reading order (the default everywhere something is printed).
    #[default]
    Readable,
    /// What the kernels compute: the operation-count extraction as it is.
    Ops,
}

/// Prints expressions over one symbol table in readable form.
#[derive(Clone, Copy)]
pub struct Reader<'s> {
    order: Order<'s>,
}

impl<'s> Reader<'s> {
    pub fn new(symbols: &'s Symbols) -> Self {
        Reader {
            order: Order {
                symbols,
                time: None,
            },
        }
    }

    /// Which coordinate is time: its derivatives are written first (`dt(u) - ...`).
    pub fn with_time(mut self, time: Option<VarId>) -> Self {
        self.order.time = time;
        self
    }

    /// `root` rebuilt in readable form, equal to it wherever it is defined.
    pub fn rebuild(&self, expr: &RecExpr<Math>, root: Id) -> (RecExpr<Math>, Id) {
        let sum = Normalizer::new(expr, self.order).normal(root);
        let mut b = Builder::new();
        let root = build::sum(&mut b, &sum, Factoring::Shorter);
        (b.expr, root)
    }

    /// `Σ coefficient · term` in the order given, one summand per term (discovered
    /// equations: the library's terms in the library's order, signs folded into the
    /// coefficients); each term is itself written in readable form, and a term that is a
    /// sum stays whole: `0.5 * (x + y)`.
    pub fn combination(&self, expr: &RecExpr<Math>, terms: &[(f64, Id)]) -> (RecExpr<Math>, Id) {
        let mut normalizer = Normalizer::new(expr, self.order);
        let mut sum = Sum::default();
        for &(c, id) in terms {
            let mut normal = normalizer.normal(id);
            let term = match normal.terms.len() {
                0 => continue,
                1 => normal.terms.remove(0),
                _ => Term::group(normal),
            };
            sum.terms.push(term.scaled(c));
        }
        let mut b = Builder::new();
        let root = build::sum(&mut b, &sum, Factoring::Never);
        (b.expr, root)
    }

    /// `.phys` syntax.
    pub fn source(&self, expr: &RecExpr<Math>, root: Id) -> String {
        let (e, r) = self.rebuild(expr, root);
        print::source(&e, r, self.order.symbols)
    }

    /// LaTeX (without surrounding `$`).
    pub fn latex(&self, expr: &RecExpr<Math>, root: Id) -> String {
        let (e, r) = self.rebuild(expr, root);
        print::latex(&e, r, self.order.symbols)
    }

    /// `.phys` syntax in the form asked for.
    pub fn source_in(&self, form: Form, expr: &RecExpr<Math>, root: Id) -> String {
        match form {
            Form::Readable => self.source(expr, root),
            Form::Ops => print::source(expr, root, self.order.symbols),
        }
    }

    /// LaTeX in the form asked for.
    pub fn latex_in(&self, form: Form, expr: &RecExpr<Math>, root: Id) -> String {
        match form {
            Form::Readable => self.latex(expr, root),
            Form::Ops => print::latex(expr, root, self.order.symbols),
        }
    }
}

#[cfg(test)]
mod tests;
