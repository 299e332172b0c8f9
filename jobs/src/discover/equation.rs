//! Discovered equations as IR: Σ coefficient · term over the kept terms, built in the
//! library's DAG, simplified by the e-graph (so `-10 x + 10 y` may come out as
//! `10 * (y - x)`), and printed in `.phys` syntax and LaTeX.

use super::library::Library;
use egg::{Id, Language, RecExpr};
use physc_compiler::ir::lang::{Builder, Math};
use physc_compiler::ir::simplify::{simplify, Limits};

#[derive(Debug, Clone)]
pub struct Equation {
    /// `dt(x)`.
    pub lhs: String,
    pub lhs_latex: String,
    pub rhs: String,
    pub rhs_latex: String,
    /// The kept terms and their coefficients, in library order.
    pub terms: Vec<(String, f64)>,
    /// The right-hand side as IR, as printed: simplified, numbers before the factors.
    pub expr: RecExpr<Math>,
    pub root: Id,
}

/// Build and simplify `lhs = Σ coef_j term_j`.
pub fn build(library: &Library, lhs: (&str, &str), coef: &[f64]) -> Equation {
    let mut builder = library.builder.clone();
    let mut sum = builder.num(0.0);
    let mut terms = Vec::new();
    for (term, &c) in library.terms.iter().zip(coef) {
        if c == 0.0 {
            continue;
        }
        let k = builder.num(c);
        let product = builder.product(k, term.id);
        sum = builder.sum(sum, product);
        terms.push((term.name.clone(), c));
    }
    let simplified = simplify(&builder.expr, &[sum], &Limits::default());
    let (readable, root) = readable(&simplified.expr, simplified.roots[0]);
    Equation {
        lhs: lhs.0.to_string(),
        lhs_latex: lhs.1.to_string(),
        rhs: physc_compiler::ir::print::source(&readable.expr, root, &library.symbols),
        rhs_latex: physc_compiler::ir::print::latex(&readable.expr, root, &library.symbols),
        terms,
        expr: readable.expr,
        root,
    }
}

/// `root` rebuilt the way people write equations (see `coefficients_first`).
pub fn readable(expr: &RecExpr<Math>, root: Id) -> (Builder, Id) {
    let mut out = Builder::new();
    let root = coefficients_first(expr, root, &mut out);
    let root = leading(&mut out, root);
    (out, root)
}

/// The same expression written the way people write equations: numbers before the factors
/// they multiply, and negative coefficients as subtractions (`28 * x - 0.99 * x * z`, not
/// `x * 28 + x * z * -0.99`).
fn coefficients_first(expr: &RecExpr<Math>, id: Id, out: &mut Builder) -> Id {
    let go = |c: Id, out: &mut Builder| coefficients_first(expr, c, out);
    match &expr[id] {
        Math::Mul([a, b]) => {
            let (num, other) = match (expr[*a].number(), expr[*b].number()) {
                (None, Some(v)) => (Some(v), *a),
                (Some(v), None) => (Some(v), *b),
                _ => (None, *a),
            };
            match num {
                Some(v) => {
                    let rest = go(other, out);
                    let k = out.num(v.abs());
                    let product = out.product(k, rest);
                    if v < 0.0 {
                        out.neg(product)
                    } else {
                        product
                    }
                }
                None => {
                    let (x, y) = (go(*a, out), go(*b, out));
                    out.product(x, y)
                }
            }
        }
        Math::Add([a, b]) => {
            let (x, y) = (go(*a, out), go(*b, out));
            // Lead with a positive term where there is one: `28 * x - y`, not `-y + 28 * x`.
            let (x, y) = if negative(out, x) && !negative(out, y) {
                (y, x)
            } else {
                (x, y)
            };
            let x = leading(out, x);
            out.sum(x, y)
        }
        node => {
            let node = node.clone().map_children(|c| go(c, out));
            out.add(node)
        }
    }
}

fn negative(b: &Builder, id: Id) -> bool {
    matches!(b.node(id), Math::Neg(_)) || b.value(id).is_some_and(|v| v < 0.0)
}

/// A leading `-(k * r)` as `-k * r`, which prints without parentheses.
fn leading(b: &mut Builder, id: Id) -> Id {
    if let Math::Neg(inner) = *b.node(id) {
        if let Math::Mul([k, r]) = *b.node(inner) {
            if let Some(v) = b.value(k) {
                let k = b.num(-v);
                return b.add(Math::Mul([k, r]));
            }
        }
    }
    id
}
