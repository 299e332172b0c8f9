//! E-graph simplification: algebraic rewrites over [`Math`] run by egg under node, iteration
//! and time limits, constant folding and sign facts through an analysis, polynomial
//! expansion and exact division over opaque sub-terms ([`super::poly`]), and extraction of
//! the cheapest form of every root by [`Math::weight`] (integer powers priced as the
//! multiplications code generators emit), rebuilt into one hash-consed DAG so sub-terms
//! shared between roots stay shared.
//!
//! Soundness: the result equals the input wherever the input is defined (every root, up to
//! rounding). A rule `l → r` is admitted if, for all finite real values of its pattern
//! variables that satisfy its guard, `r` is defined and equal to `l` wherever `l` is. So
//! `x * 0 → 0` and `x - x → 0` are in unguarded, while `x / x → 1`, `exp(log x) → x` and
//! `sqrt(x)² → x` need the analysis to know `x` non-zero, positive or non-negative. The
//! analysis knows that from the values themselves (`exp` is positive) and from what the
//! roots require ([`assumptions`]): in `(x y)/(x z)` the divisor, hence `x`, is non-zero
//! wherever the expression is defined, so it becomes `y/z`. The result may then be defined
//! at more points than the input (a removable singularity goes: `(x²−1)/(x−1) → x+1`),
//! never at fewer. `sqrt(x²)` stays `|x|` and `log(x²)` stays as it is: nothing there says
//! `x` is positive. Equalities are those of real arithmetic; rounding and overflow are not
//! modelled, but rules that would trade an accurate value for a cancelling difference are
//! left out. Rules never match classes known to be undefined everywhere (`1/0`), where they
//! would prove anything.
//!
//! Extraction minimises the weighted cost of the DAG, not of the tree: derivatives share most
//! of their sub-terms, and tree costs, which pay for a shared term at every use, would undo
//! that sharing. That is the form kernels compile. Printed expressions are extracted a
//! second time from the same e-graph by printed size ([`simplify_readable`]): a reader sees
//! every shared term in full anyway.
//!
//! The parts: `limits.rs` (what bounds a run, how rules are scheduled), `run.rs` (one run:
//! the e-graph seeded with the input, egg's runner, the result), `assumptions.rs` (what the
//! roots require of their sub-terms), `analysis.rs` (constant folding, sign facts and
//! undefinedness per e-class), `guards.rs` (conditions on pattern variables; no rule matches
//! an undefined class), `polynomial.rs` (the `poly-` rules), `rules.rs` (the rule table)
//! and `extract.rs` (the cheapest DAG out of the e-graph).

mod analysis;
mod assumptions;
mod extract;
mod guards;
mod limits;
mod polynomial;
mod rules;
mod run;

pub use analysis::Facts;
pub use limits::Limits;

use super::lang::Math;
use egg::{Id, RecExpr};
use limits::Tuning;
use run::simplify_tuned;

/// The result of [`simplify`].
#[derive(Debug, Clone)]
pub struct Simplified {
    /// One DAG holding all results; shared sub-terms are stored once.
    pub expr: RecExpr<Math>,
    /// One per input root, in the same order.
    pub roots: Vec<Id>,
    /// Why egg stopped: "saturated", "iteration limit", "node limit" or "time limit".
    pub stop: String,
    pub iterations: usize,
    pub egraph_nodes: usize,
    /// With [`simplify_readable`]: the roots extracted from the same e-graph for reading
    /// (smallest printed tree rather than fewest operations), one DAG, roots in order.
    pub readable: Option<(RecExpr<Math>, Vec<Id>)>,
}

/// Simplify the expressions at `roots` together: one e-graph holds them all, so what they
/// share is rewritten once and extracted once. Never costlier than the input by
/// [`dag_cost`](super::lang::dag_cost): if the extracted DAG would be, the input's DAG is
/// returned unchanged.
pub fn simplify(expr: &RecExpr<Math>, roots: &[Id], limits: &Limits) -> Simplified {
    simplify_tuned(expr, roots, limits, &Tuning::default())
}

/// [`simplify`], with a second extraction from the same e-graph for people to read
/// ([`Simplified::readable`], what [`crate::ir::readable`] prints): the smallest tree
/// rather than the fewest operations, so powers rather than repeated factors and
/// subtractions rather than added negations. `expr` and `roots` are the same as
/// [`simplify`]'s, so kernels compiled from them do not change.
pub fn simplify_readable(expr: &RecExpr<Math>, roots: &[Id], limits: &Limits) -> Simplified {
    run::run(expr, roots, limits, &Tuning::default(), true)
}

#[cfg(test)]
mod tests;
