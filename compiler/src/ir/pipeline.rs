//! The symbolic pipeline as consumers use it: lower a model, derive the sensitivities of
//! every residual, and simplify residuals and sensitivities together in one e-graph, so
//! sub-terms shared between them stay shared in the result that code generators compile.

use super::lang::Math;
use super::lower::{lower_model, Lowered};
use super::sensitivity::{sensitivities_of, Sensitivity};
use super::simplify::{simplify, simplify_readable, Limits, Simplified};
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
            readable: self
                .result
                .readable
                .as_ref()
                .map(|(e, roots)| (e, roots.as_slice())),
        }
    }
}

pub fn simplify_model(model: &Model, limits: &Limits) -> SimplifiedModel {
    let lowered = lower_model(model);
    let roots: Vec<Id> = lowered.residuals.iter().map(|r| r.root).collect();
    simplify_lowered(lowered, &roots, limits)
}

/// [`simplify_model`] with the readable extraction too (`show --stage simplified`): the
/// kernels' form is the same.
pub fn simplify_model_for_reading(model: &Model, limits: &Limits) -> SimplifiedModel {
    let lowered = lower_model(model);
    let roots: Vec<Id> = lowered.residuals.iter().map(|r| r.root).collect();
    simplify_roots(lowered, &roots, limits, true)
}

/// Sensitivities of `roots` (expressions in `lowered.builder`: the model's residuals, or
/// those a job builds from them) and one simplification of them all.
pub fn simplify_lowered(lowered: Lowered, roots: &[Id], limits: &Limits) -> SimplifiedModel {
    simplify_roots(lowered, roots, limits, false)
}

fn simplify_roots(
    mut lowered: Lowered,
    roots: &[Id],
    limits: &Limits,
    readable: bool,
) -> SimplifiedModel {
    let sens = sensitivities_of(&mut lowered, roots);
    let mut all: Vec<Id> = roots.to_vec();
    all.extend(sens.iter().flatten().map(|s| s.expr));
    let result = if readable {
        simplify_readable(&lowered.builder.expr, &all, limits)
    } else {
        simplify(&lowered.builder.expr, &all, limits)
    };
    let n = roots.len();
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
