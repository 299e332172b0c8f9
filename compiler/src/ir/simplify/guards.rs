//! When a rule may fire: [`Strict`] keeps every rule off classes known to be undefined, and
//! the conditions on pattern variables (constants of a kind, sign facts from the analysis,
//! when powers add or multiply) that guarded rules are written with.

use super::analysis::{Facts, Graph};
use crate::ir::lang::Math;
use egg::{Id, PatternAst, SearchMatches, Searcher, Subst, Var};
use std::sync::Arc;

/// Rules hold for finite values of their variables; applied to a class that is undefined
/// everywhere they would prove anything (`0 = (1/0)·0 = ...`) and, through shared
/// sub-terms, corrupt defined roots simplified alongside. So every rule searches through
/// this wrapper, which drops matches on classes the analysis knows undefined (matches on a
/// defined class have defined variables, undefinedness spreading upwards).
pub(super) struct Strict(pub(super) Arc<dyn Searcher<Math, Facts> + Sync + Send>);

impl Searcher<Math, Facts> for Strict {
    fn search_eclass_with_limit(
        &self,
        egraph: &Graph,
        eclass: Id,
        limit: usize,
    ) -> Option<SearchMatches<'_, Math>> {
        if egraph[eclass].data.undefined {
            return None;
        }
        self.0.search_eclass_with_limit(egraph, eclass, limit)
    }

    fn search_with_limit(&self, egraph: &Graph, limit: usize) -> Vec<SearchMatches<'_, Math>> {
        let mut matches = self.0.search_with_limit(egraph, limit);
        matches.retain(|m| !egraph[m.eclass].data.undefined);
        matches
    }

    fn get_pattern_ast(&self) -> Option<&PatternAst<Math>> {
        self.0.get_pattern_ast()
    }

    fn vars(&self) -> Vec<Var> {
        self.0.vars()
    }
}

pub(super) fn var(name: &str) -> Var {
    name.parse().expect("pattern variable")
}

fn value(egraph: &Graph, subst: &Subst, v: Var) -> Option<f64> {
    egraph[subst[v]].data.value
}

fn is_int(v: Option<f64>) -> bool {
    v.is_some_and(|v| v.fract() == 0.0)
}

/// `?n` is a negative constant.
pub(super) fn negative(n: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| value(g, s, n).is_some_and(|v| v < 0.0)
}

/// `?n` is an integer constant in `lo..=hi`.
pub(super) fn int_in(n: &str, lo: f64, hi: f64) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| {
        let v = value(g, s, n);
        is_int(v) && v.is_some_and(|v| (lo..=hi).contains(&v))
    }
}

/// `?n` is an even integer constant.
pub(super) fn even(n: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| value(g, s, n).is_some_and(|v| v % 2.0 == 0.0)
}

/// `?c` is the constant `v` (as a number parses or folds to, e.g. `pi`).
pub(super) fn equals(c: &str, v: f64) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let c = var(c);
    move |g, _, s| value(g, s, c) == Some(v)
}

/// `?a` is not a constant.
pub(super) fn variable(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| value(g, s, a).is_none()
}

pub(super) fn is_const(c: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let c = var(c);
    move |g, _, s| value(g, s, c).is_some()
}

pub(super) fn not_one(c: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let c = var(c);
    move |g, _, s| value(g, s, c) != Some(1.0)
}

pub(super) fn positive(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| g[s[a]].data.positive
}

pub(super) fn nonzero(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| g[s[a]].data.nonzero
}

pub(super) fn nonneg(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| g[s[a]].data.nonneg
}

/// `a^b * a^c = a^(b+c)`: for positive `a` always; otherwise for integer constants `b`, `c` of
/// one sign (`0^-1 * 0^1` is undefined but `0^0` is 1).
pub(super) fn powers_add(
    a: &str,
    b: &str,
    c: Option<&str>,
) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let (a, b, c) = (var(a), var(b), c.map(var));
    move |g, _, s| {
        let (vb, vc) = (value(g, s, b), c.map_or(Some(1.0), |c| value(g, s, c)));
        g[s[a]].data.positive
            || (is_int(vb) && is_int(vc) && vb.unwrap_or(0.0) * vc.unwrap_or(0.0) >= 0.0)
    }
}

/// `(a^b)^c = a^(b*c)`: for positive `a`, or integer constants `b` and `c` (`(x^2)^0.5` is `|x|`).
pub(super) fn powers_multiply(
    a: &str,
    b: &str,
    c: &str,
) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let (a, b, c) = (var(a), var(b), var(c));
    move |g, _, s| g[s[a]].data.positive || (is_int(value(g, s, b)) && is_int(value(g, s, c)))
}
