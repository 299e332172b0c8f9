//! The e-graph analysis: per e-class its constant value (folded by the reference
//! interpreter), sign facts (positive, non-negative, non-zero) that guard rules, and whether
//! it is undefined everywhere (`1/0`), which no rule may touch.

use super::assumptions::Assumed;
use crate::ir::eval;
use crate::ir::lang::Math;
use egg::{Analysis, DidMerge, EGraph, Id, Language};
use ordered_float::NotNan;

pub(super) type Graph = EGraph<Math, Facts>;

/// What the analysis knows about an e-class: its value when it is a constant (only finite
/// values are folded); whether it is positive or non-zero (in real arithmetic), which guards
/// the rules that need it; and whether it is undefined everywhere (`1/0`, `log(0)`, anything
/// built on those), which no rule may touch (see [`Strict`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Facts {
    pub(super) value: Option<f64>,
    pub(super) positive: bool,
    pub(super) nonneg: bool,
    pub(super) nonzero: bool,
    pub(super) undefined: bool,
}

impl Facts {
    fn constant(v: f64) -> Facts {
        if !v.is_finite() {
            return Facts::UNDEFINED;
        }
        Facts {
            value: Some(v + 0.0),
            positive: v > 0.0,
            nonneg: v >= 0.0,
            nonzero: v != 0.0,
            undefined: false,
        }
    }

    fn flags(positive: bool, nonneg: bool, nonzero: bool) -> Facts {
        Facts {
            value: None,
            positive,
            nonneg: nonneg || positive,
            nonzero: nonzero || positive,
            undefined: false,
        }
    }

    /// These facts and those of `other` (facts of one value).
    pub(super) fn and(self, other: Assumed) -> Facts {
        if self.value.is_some() || self.undefined {
            return self;
        }
        Facts::flags(
            self.positive || other.positive,
            self.nonneg || other.nonneg,
            self.nonzero || other.nonzero,
        )
    }

    const UNDEFINED: Facts = Facts {
        value: None,
        positive: false,
        nonneg: false,
        nonzero: false,
        undefined: true,
    };
}

impl Analysis<Math> for Facts {
    type Data = Facts;

    fn make(egraph: &mut Graph, enode: &Math, _id: Id) -> Facts {
        let f = |id: &Id| egraph[*id].data;
        if let Math::Num(c) = enode {
            return Facts::constant(c.into_inner());
        }
        // Undefinedness spreads to everything built on it.
        if enode.children().iter().any(|c| f(c).undefined) {
            return Facts::UNDEFINED;
        }
        let values: Option<Vec<f64>> = enode.children().iter().map(|c| f(c).value).collect();
        if let Some(values) = values {
            if let Some(v) = eval::apply(enode, &values) {
                return Facts::constant(v);
            }
        }
        let pos = |id: &Id| f(id).positive;
        let nn = |id: &Id| f(id).nonneg;
        let nz = |id: &Id| f(id).nonzero;
        match enode {
            Math::Div([_, b]) if f(b).value == Some(0.0) => Facts::UNDEFINED,
            Math::Exp(_) | Math::Cosh(_) | Math::Sigmoid(_) | Math::Softplus(_) => {
                Facts::flags(true, true, true)
            }
            Math::Add([a, b]) => Facts::flags(
                (pos(a) && nn(b)) || (nn(a) && pos(b)),
                nn(a) && nn(b),
                false,
            ),
            Math::Mul([a, b]) if a == b => Facts::flags(nz(a), true, nz(a)),
            Math::Mul([a, b]) | Math::Div([a, b]) => {
                Facts::flags(pos(a) && pos(b), nn(a) && nn(b), nz(a) && nz(b))
            }
            Math::Pow([a, n]) => {
                let even = f(n).value.is_some_and(|v| v % 2.0 == 0.0);
                Facts::flags(pos(a) || (even && nz(a)), nn(a) || even, nz(a))
            }
            Math::Sqrt(a) => Facts::flags(pos(a), true, pos(a)),
            Math::Abs(a) => Facts::flags(nz(a), true, nz(a)),
            Math::Neg(a) => Facts::flags(false, false, nz(a)),
            // Odd, increasing, and zero only at zero.
            Math::Sinh(a) | Math::Tanh(a) | Math::Atan(a) | Math::Erf(a) | Math::Asin(a) => {
                Facts::flags(pos(a), nn(a), nz(a))
            }
            _ => Facts::default(),
        }
    }

    fn merge(&mut self, to: &mut Facts, from: Facts) -> DidMerge {
        let merged = if to.undefined || from.undefined {
            Facts::UNDEFINED
        } else {
            match (to.value, from.value) {
                // Two constant folds of one class can differ by rounding; keep the first.
                (Some(v), _) | (None, Some(v)) => Facts::constant(v),
                (None, None) => Facts::flags(
                    to.positive || from.positive,
                    to.nonneg || from.nonneg,
                    to.nonzero || from.nonzero,
                ),
            }
        };
        let did = DidMerge(merged != *to, merged != from);
        *to = merged;
        did
    }

    fn modify(egraph: &mut Graph, id: Id) {
        let Some(v) = egraph[id].data.value else {
            return;
        };
        let Ok(c) = NotNan::new(v) else {
            return;
        };
        let num = egraph.add(Math::Num(c));
        egraph.union(id, num);
        // A constant needs nothing else: pruning the class keeps rules off its other forms.
        let keep = Math::Num(c);
        egraph[id].nodes.retain(|n| *n == keep);
    }
}
