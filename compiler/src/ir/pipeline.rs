//! The symbolic pipeline as consumers use it: lower a model, derive the sensitivities of
//! every residual, and simplify residuals and sensitivities together in one e-graph, so
//! sub-terms shared between them stay shared in the result that code generators compile.

use super::lang::Math;
use super::lower::{lower_model, Lowered};
use super::sensitivity::{sensitivities, Sensitivity};
use super::simplify::{simplify, Limits, Simplified};
use crate::check::Model;
use egg::{Id, RecExpr};

pub struct SimplifiedModel {
    pub lowered: Lowered,
    pub sensitivities: Vec<Vec<Sensitivity>>,
    /// The simplified DAG: residual roots first, then sensitivity roots in order.
    pub result: Simplified,
    pub residuals: Vec<Id>,
    /// Per residual, the simplified root of each of its sensitivities.
    pub sensitivity_roots: Vec<Vec<Id>>,
}

impl SimplifiedModel {
    pub fn expr(&self) -> &RecExpr<Math> {
        &self.result.expr
    }

    /// The view `report::simplified` prints.
    pub fn view(&self) -> super::report::SimplifiedView<'_> {
        super::report::SimplifiedView {
            before: &self.lowered.builder.expr,
            after: &self.result.expr,
            residuals: self
                .lowered
                .residuals
                .iter()
                .map(|r| r.root)
                .zip(self.residuals.iter().copied())
                .collect(),
            sensitivities: self
                .sensitivities
                .iter()
                .zip(&self.sensitivity_roots)
                .map(|(ss, roots)| {
                    ss.iter()
                        .zip(roots)
                        .map(|(s, &after)| (s.clone(), s.expr, after))
                        .collect()
                })
                .collect(),
        }
    }
}

pub fn simplify_model(model: &Model, limits: &Limits) -> SimplifiedModel {
    let mut lowered = lower_model(model);
    let sens = sensitivities(&mut lowered);
    let mut roots: Vec<Id> = lowered.residuals.iter().map(|r| r.root).collect();
    roots.extend(sens.iter().flatten().map(|s| s.expr));
    let result = simplify(&lowered.builder.expr, &roots, limits);
    let n = lowered.residuals.len();
    let residuals = result.roots[..n].to_vec();
    let mut rest = result.roots[n..].iter().copied();
    let sensitivity_roots = sens
        .iter()
        .map(|ss| {
            ss.iter()
                .map(|_| rest.next().unwrap_or(Id::from(0)))
                .collect()
        })
        .collect();
    SimplifiedModel {
        lowered,
        sensitivities: sens,
        result,
        residuals,
        sensitivity_roots,
    }
}
