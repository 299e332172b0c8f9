//! Text reports of lowered models for `physc show --stage ir|simplified`: residuals, jet
//! sets, hard-constraint jets and sensitivities, in `.phys` syntax or LaTeX, with op counts.
//! Lowered residuals print as lowering built them; simplified ones in the form asked for
//! ([`Form`]: readable by default, or the operation-count form kernels compile; op counts
//! are always the kernels').

use super::lang::{op_count, SymbolKind};
use super::lower::{JetSet, Lowered};
use super::print;
use super::readable::{Form, Reader};
use super::sensitivity::Sensitivity;
use crate::check::Model;
use egg::{Id, RecExpr};
use std::fmt::Write;

#[derive(Default)]
pub struct Style {
    pub latex: bool,
    /// Which extraction `simplified` prints.
    pub form: Form,
}

fn show(expr: &RecExpr<super::Math>, id: Id, lowered: &Lowered, style: &Style) -> String {
    if style.latex {
        print::latex(expr, id, &lowered.symbols)
    } else {
        print::source(expr, id, &lowered.symbols)
    }
}

fn jet_list(model: &Model, jets: &JetSet) -> String {
    let mut out = String::new();
    for (field, set) in jets {
        let name = model.field_ref_name(*field);
        let items: Vec<String> = set
            .iter()
            .map(|wrt| {
                if wrt.is_empty() {
                    name.clone()
                } else {
                    let vars: Vec<&str> = wrt
                        .iter()
                        .map(|&v| model.variables[v].name.as_str())
                        .collect();
                    format!("{name}_{}", vars.concat())
                }
            })
            .collect();
        let _ = writeln!(out, "    {name}: {}", items.join(", "));
    }
    out
}

fn header(model: &Model, lowered: &Lowered) -> String {
    let mut out = format!("model {}\n", lowered.model);
    let constants: Vec<String> = lowered
        .symbols
        .iter()
        .filter_map(|s| match s.kind {
            SymbolKind::Const { value, .. } => Some(format!(
                "{} = {}",
                s.source,
                crate::check::print::number(value)
            )),
            _ => None,
        })
        .collect();
    if !constants.is_empty() {
        let _ = writeln!(out, "  constants: {}", constants.join(", "));
    }
    let params: Vec<&str> = model.params.iter().map(|p| p.name.as_str()).collect();
    if !params.is_empty() {
        let _ = writeln!(out, "  parameters: {}", params.join(", "));
    }
    let _ = writeln!(out, "  jets (max order {}):", lowered.max_order());
    out.push_str(&jet_list(model, &lowered.jets));
    if !lowered.net_jets.is_empty() {
        out.push_str("  network jets for hard constraints:\n");
        out.push_str(&jet_list(model, &lowered.net_jets));
    }
    out
}

/// The lowered residuals as they come out of lowering.
pub fn lowered(model: &Model, lowered: &Lowered, style: &Style) -> String {
    let mut out = header(model, lowered);
    let expr = &lowered.builder.expr;
    out.push_str("  residuals:\n");
    for r in &lowered.residuals {
        let _ = writeln!(
            out,
            "    {}: {}  [{} ops]",
            r.name,
            show(expr, r.root, lowered, style),
            op_count(expr, &[r.root])
        );
    }
    for c in &lowered.constraints {
        for (wrt, id) in &c.jets {
            let vars: Vec<&str> = wrt
                .iter()
                .map(|&v| model.variables[v].name.as_str())
                .collect();
            let suffix = if vars.is_empty() {
                String::new()
            } else {
                format!("_{}", vars.concat())
            };
            let _ = writeln!(
                out,
                "    constraint {}{suffix} = {}",
                model.field_ref_name(c.field),
                show(expr, *id, lowered, style)
            );
        }
    }
    out
}

/// Residuals and sensitivities after simplification, with op counts before and after.
pub struct SimplifiedView<'a> {
    pub before: &'a RecExpr<super::Math>,
    pub after: &'a RecExpr<super::Math>,
    /// (root before, root after) per residual, then per sensitivity in order.
    pub residuals: Vec<(Id, Id)>,
    pub sensitivities: Vec<Vec<(Sensitivity, Id, Id)>>,
    /// The readable extraction, if made: its DAG and roots, residuals first, then
    /// sensitivities in order.
    pub readable: Option<(&'a RecExpr<super::Math>, &'a [Id])>,
}

pub fn simplified(
    model: &Model,
    lowered: &Lowered,
    view: &SimplifiedView,
    style: &Style,
) -> String {
    let mut out = header(model, lowered);
    out.push_str("  residuals and sensitivities:\n");
    let ops = |e: &RecExpr<super::Math>, id: Id| op_count(e, &[id]);
    let reader = Reader::new(&lowered.symbols).with_time(model.time());
    let residuals = view.residuals.len();
    // The k-th root (residuals first, then sensitivities) in the form asked for.
    let print = |k: usize, after: Id| {
        let (expr, root) = match (style.form, view.readable) {
            (Form::Readable, Some((e, roots))) => (e, roots[k]),
            _ => (view.after, after),
        };
        match (style.latex, style.form) {
            (true, form) => reader.latex_in(form, expr, root),
            (false, form) => reader.source_in(form, expr, root),
        }
    };
    let mut k = residuals;
    for (i, r) in lowered.residuals.iter().enumerate() {
        let (before, after) = view.residuals[i];
        let _ = writeln!(
            out,
            "    {}: {}  [ops {} -> {}]",
            r.name,
            print(i, after),
            ops(view.before, before),
            ops(view.after, after)
        );
        for (s, before, after) in &view.sensitivities[i] {
            let wrt = lowered
                .symbols
                .get(s.wrt)
                .map(|i| i.source.clone())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "      d/d {wrt}: {}  [ops {} -> {}]",
                print(k, *after),
                ops(view.before, *before),
                ops(view.after, *after)
            );
            k += 1;
        }
    }
    let before_roots: Vec<Id> = view
        .residuals
        .iter()
        .map(|(b, _)| *b)
        .chain(view.sensitivities.iter().flatten().map(|(_, b, _)| *b))
        .collect();
    let after_roots: Vec<Id> = view
        .residuals
        .iter()
        .map(|(_, a)| *a)
        .chain(view.sensitivities.iter().flatten().map(|(_, _, a)| *a))
        .collect();
    let _ = writeln!(
        out,
        "  total (shared sub-terms counted once): ops {} -> {}",
        op_count(view.before, &before_roots),
        op_count(view.after, &after_roots)
    );
    out
}
