//! One simplification from input to result: the e-graph seeded with the input's DAG and
//! with what its roots require ([`super::assumptions`]), egg's runner under the limits with
//! the rule set, then extraction of the roots, or the input itself (hash-consed) when that
//! is no costlier; when asked, a second extraction of the same roots for reading.

use super::analysis::{Facts, Graph};
use super::assumptions::{assumptions, Subject};
use super::extract::{extract, extract_readable};
use super::limits::{Limits, Tuning};
use super::rules::rules;
use super::Simplified;
use crate::ir::lang::{dag_cost, reachable, Builder, Math};
use egg::{Id, Language, RecExpr, Runner, StopReason};

pub(super) fn simplify_tuned(
    expr: &RecExpr<Math>,
    roots: &[Id],
    limits: &Limits,
    tuning: &Tuning,
) -> Simplified {
    run(expr, roots, limits, tuning, false)
}

/// One run; with `readable`, the roots are also extracted for reading
/// ([`Simplified::readable`]) from the same e-graph.
pub(super) fn run(
    expr: &RecExpr<Math>,
    roots: &[Id],
    limits: &Limits,
    tuning: &Tuning,
    readable: bool,
) -> Simplified {
    let mut egraph = Graph::new(Facts::default());
    let mut map: Vec<Id> = vec![Id::from(0); expr.len()];
    let assumed = assumptions(expr, roots);
    for id in reachable(expr, roots) {
        let node = expr[id].clone().map_children(|c| map[usize::from(c)]);
        let class = egraph.add(node);
        map[usize::from(id)] = class;
        if let Some(&a) = assumed.get(&Subject::Node(id)) {
            egraph[class].data = egraph[class].data.and(a);
        }
    }
    for (subject, &a) in &assumed {
        if let Subject::CosOf(arg) = *subject {
            let class = egraph.add(Math::Cos(map[usize::from(arg)]));
            egraph[class].data = egraph[class].data.and(a);
        }
    }
    egraph.rebuild();
    let start = egraph.total_size();
    let runner = Runner::default()
        .with_egraph(egraph)
        .with_iter_limit(limits.iterations)
        .with_node_limit(start.saturating_add(limits.nodes))
        .with_time_limit(limits.time)
        .with_scheduler(tuning.scheduler())
        .run(
            rules()
                .iter()
                .filter(|r| !tuning.without.contains(&r.name.as_str()))
                .filter(|r| limits.polynomials || !r.name.as_str().starts_with("poly-")),
        );
    let stop = match runner.stop_reason {
        Some(StopReason::Saturated) => "saturated".to_string(),
        Some(StopReason::IterationLimit(_)) => "iteration limit".to_string(),
        Some(StopReason::NodeLimit(_)) => "node limit".to_string(),
        Some(StopReason::TimeLimit(_)) => "time limit".to_string(),
        Some(StopReason::Other(why)) => why,
        None => "not run".to_string(),
    };
    let egraph = &runner.egraph;
    let classes: Vec<Id> = roots
        .iter()
        .map(|&r| egraph.find(map[usize::from(r)]))
        .collect();
    let extracted = extract(egraph, &classes);
    let readable = readable
        .then(|| extract_readable(egraph, &classes).unwrap_or_else(|| compact(expr, roots)));
    let (expr, roots) = match extracted {
        Some((out, out_roots)) if dag_cost(&out, &out_roots) <= dag_cost(expr, roots) => {
            (out, out_roots)
        }
        _ => compact(expr, roots),
    };
    Simplified {
        expr,
        roots,
        stop,
        iterations: runner.iterations.len(),
        egraph_nodes: egraph.total_size(),
        readable,
    }
}

/// The input's DAG under `roots`, hash-consed, nothing else changed.
fn compact(expr: &RecExpr<Math>, roots: &[Id]) -> (RecExpr<Math>, Vec<Id>) {
    let mut b = Builder::new();
    let mut map: Vec<Id> = vec![Id::from(0); expr.len()];
    for id in reachable(expr, roots) {
        let node = expr[id].clone().map_children(|c| map[usize::from(c)]);
        map[usize::from(id)] = b.add(node);
    }
    let roots = roots.iter().map(|&r| map[usize::from(r)]).collect();
    (b.expr, roots)
}
