//! Recognising equivalent candidates. Before fitting, a genome is simplified by the e-graph
//! (`ir::simplify`) with its constants as free symbols, and the constants renumbered in the
//! order they first appear in the result: genomes with the same canonical form are the same
//! model up to constant values, so they are fitted once and the rest reuse the fit. After
//! fitting, models whose values agree at a few fixed samples (the numeric fingerprint) are
//! kept once in the population, which catches equivalences the rewrites miss.

use super::genome::{const_symbol, Genome};
use crate::ir::lang::{Builder, Math, Symbols};
use crate::ir::print;
use crate::ir::simplify::{simplify, Limits};
use egg::{Id, Language, RecExpr, Symbol};
use std::collections::HashMap;
use std::time::Duration;

/// A genome's canonical form.
#[derive(Debug, Clone)]
pub struct Canonical {
    /// The simplified expression with constants `$0 … $(k-1)` in order of first appearance.
    pub expr: RecExpr<Math>,
    pub root: Id,
    /// Its text: equal keys, same model up to constants.
    pub key: String,
    /// For each canonical constant, the index of the genome constant it came from.
    pub order: Vec<usize>,
}

/// Rewriting bounded by iterations and e-graph size only (the time bound is a safety net far
/// above what small expressions need), so the same genome always gets the same form; without
/// the polynomial rules, which cost five times the time across a search's candidates.
fn limits() -> Limits {
    Limits {
        iterations: 4,
        nodes: 1_000,
        time: Duration::from_secs(2),
        polynomials: false,
    }
}

/// The genome constant index a symbol stands for, if it is a constant.
fn constant_index(s: Symbol) -> Option<usize> {
    s.as_str().strip_prefix('$')?.parse().ok()
}

pub fn canonical(genome: &Genome, vars: &[Symbol]) -> Canonical {
    let (expr, root) = genome.to_ir(vars);
    let simplified = simplify(&expr, &[root], &limits());
    let mut sorted = Builder::new();
    let root = sort_operands(&simplified.expr, simplified.roots[0], &mut sorted).0;
    let expr = sorted.expr;
    let mut order = Vec::new();
    first_appearance(&expr, root, &mut order);
    let mut b = Builder::new();
    let imported = b.import(&expr, root);
    let map: HashMap<Symbol, Id> = order
        .iter()
        .enumerate()
        .map(|(j, &i)| (const_symbol(i), b.sym(const_symbol(j))))
        .collect();
    // Renaming in one substitution: `$i` → `$j` for all pairs at once.
    let renamed = b.substitute(imported, &map);
    let mut clean = Builder::new();
    let root = clean.import(&b.expr, renamed);
    let key = print::source(&clean.expr, root, &Symbols::default());
    Canonical {
        expr: clean.expr,
        root,
        key,
        order,
    }
}

/// The tree rebuilt with chains of `+` and of `*` flattened and their operands sorted by
/// their text (constants all written `$`), so the order extraction happened to give them
/// does not matter. Returns the new id and its text.
fn sort_operands(expr: &RecExpr<Math>, id: Id, b: &mut Builder) -> (Id, String) {
    let node = &expr[id];
    match node {
        Math::Symbol(s) => {
            let text = match constant_index(*s) {
                Some(_) => "$".to_string(),
                None => s.to_string(),
            };
            (b.add(node.clone()), text)
        }
        Math::Num(c) => (b.add(node.clone()), c.to_string()),
        Math::Add(_) | Math::Mul(_) => {
            let mut operands = Vec::new();
            flatten(expr, id, std::mem::discriminant(node), &mut operands);
            let mut built: Vec<(Id, String)> = operands
                .iter()
                .map(|&o| sort_operands(expr, o, b))
                .collect();
            built.sort_by(|x, y| x.1.cmp(&y.1));
            let op = if matches!(node, Math::Add(_)) {
                "+"
            } else {
                "*"
            };
            let text = format!(
                "({op} {})",
                built
                    .iter()
                    .map(|x| x.1.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let mut acc = built[0].0;
            for &(next, _) in &built[1..] {
                acc = b.add(if op == "+" {
                    Math::Add([acc, next])
                } else {
                    Math::Mul([acc, next])
                });
            }
            (acc, text)
        }
        _ => {
            let children: Vec<(Id, String)> = node
                .children()
                .iter()
                .map(|&c| sort_operands(expr, c, b))
                .collect();
            let mut i = 0;
            let rebuilt = node.clone().map_children(|_| {
                i += 1;
                children[i - 1].0
            });
            let text = format!(
                "({node} {})",
                children
                    .iter()
                    .map(|x| x.1.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            (b.add(rebuilt), text)
        }
    }
}

/// The operands of a chain of one associative operation.
fn flatten(expr: &RecExpr<Math>, id: Id, op: std::mem::Discriminant<Math>, out: &mut Vec<Id>) {
    if std::mem::discriminant(&expr[id]) == op {
        for &c in expr[id].children() {
            flatten(expr, c, op, out);
        }
    } else {
        out.push(id);
    }
}

/// Constants in left-to-right depth-first order, each once.
fn first_appearance(expr: &RecExpr<Math>, id: Id, order: &mut Vec<usize>) {
    match &expr[id] {
        Math::Symbol(s) => {
            if let Some(i) = constant_index(*s) {
                if !order.contains(&i) {
                    order.push(i);
                }
            }
        }
        node => {
            for &c in node.children() {
                first_appearance(expr, c, order);
            }
        }
    }
}

/// A fingerprint of fitted values: equal for models that agree to about ten digits.
pub fn fingerprint(probe: &[f64]) -> u64 {
    probe.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &v| {
        let rounded: f64 = format!("{v:.9e}").parse().unwrap_or(f64::NAN);
        (h ^ rounded.to_bits()).wrapping_mul(0x100_0000_01B3)
    })
}

/// The canonical form with fitted constant values in place of the constant symbols,
/// simplified again so numbers fold: the expression a user sees.
pub fn with_values(canonical: &Canonical, values: &[f64]) -> (RecExpr<Math>, Id) {
    let mut b = Builder::new();
    let root = b.import(&canonical.expr, canonical.root);
    let map: HashMap<Symbol, Id> = values
        .iter()
        .enumerate()
        .map(|(j, &v)| (const_symbol(j), b.num(v)))
        .collect();
    let root = b.substitute(root, &map);
    let simplified = simplify(&b.expr, &[root], &limits());
    let mut clean = Builder::new();
    let root = clean.import(&simplified.expr, simplified.roots[0]);
    (clean.expr, root)
}
