//! Printing IR: back to `.phys` expression syntax (readable, fewest parentheses, jets as
//! `dx(u)`) so discovered equations can be written back as models, and to LaTeX. Shared
//! sub-terms are printed in full wherever they occur.

use super::lang::{Math, Symbols};
use crate::check::print::number;
use egg::{Id, Language, RecExpr};

/// Binding strength: 1 sums, 2 products, 3 unary minus, 4 powers, 5 atoms.
fn precedence(expr: &RecExpr<Math>, id: Id) -> u8 {
    match &expr[id] {
        Math::Add(_) | Math::Sub(_) => 1,
        Math::Mul(_) | Math::Div(_) => 2,
        Math::Neg(_) => 3,
        Math::Num(c) if c.into_inner() < 0.0 => 3,
        Math::Num(c) if pi_multiple(c.into_inner()).is_some_and(|t| t != "pi") => 2,
        Math::Pow(_) => 4,
        _ => 5,
    }
}

/// `.phys` syntax.
pub fn source(expr: &RecExpr<Math>, root: Id, symbols: &Symbols) -> String {
    let p = |id: Id, min: u8| -> String {
        if precedence(expr, id) < min {
            format!("({})", source(expr, id, symbols))
        } else {
            source(expr, id, symbols)
        }
    };
    let negated = |id: Id| -> Option<Id> {
        match &expr[id] {
            Math::Neg(inner) => Some(*inner),
            _ => None,
        }
    };
    match &expr[root] {
        Math::Num(c) => pi_multiple(c.into_inner()).unwrap_or_else(|| number(c.into_inner())),
        Math::Symbol(s) => symbols
            .get(*s)
            .map(|i| i.source.clone())
            .unwrap_or_else(|| s.to_string()),
        Math::Add([a, b]) => match (negated(*b), expr[*b].number()) {
            (Some(nb), _) => format!("{} - {}", p(*a, 1), p(nb, 2)),
            (_, Some(v)) if v < 0.0 => format!("{} - {}", p(*a, 1), number(-v)),
            _ => format!("{} + {}", p(*a, 1), p(*b, 2)),
        },
        Math::Sub([a, b]) => format!("{} - {}", p(*a, 1), p(*b, 2)),
        Math::Mul([a, b]) => match expr[*a].number() {
            Some(-1.0) => format!("-{}", p(*b, 3)),
            _ => format!("{} * {}", p(*a, 2), p(*b, 3)),
        },
        Math::Div([a, b]) => format!("{} / {}", p(*a, 2), p(*b, 3)),
        Math::Pow([a, b]) => format!("{}^{}", p(*a, 5), p(*b, 3)),
        Math::Neg(a) => format!("-{}", p(*a, 3)),
        Math::Fma([a, b, c]) => format!("fma({}, {}, {})", p(*a, 0), p(*b, 0), p(*c, 0)),
        op => {
            let args: Vec<String> = op
                .children()
                .iter()
                .map(|&c| source(expr, c, symbols))
                .collect();
            format!("{}({})", op, args.join(", "))
        }
    }
}

/// LaTeX math (without surrounding `$`).
pub fn latex(expr: &RecExpr<Math>, root: Id, symbols: &Symbols) -> String {
    let l = |id: Id| latex(expr, id, symbols);
    let p = |id: Id, min: u8| -> String {
        if precedence(expr, id) < min {
            format!("\\left({}\\right)", latex(expr, id, symbols))
        } else {
            latex(expr, id, symbols)
        }
    };
    match &expr[root] {
        Math::Num(c) => latex_number(c.into_inner()),
        Math::Symbol(s) => symbols
            .get(*s)
            .map(|i| i.latex.clone())
            .unwrap_or_else(|| s.to_string()),
        Math::Add([a, b]) => match &expr[*b] {
            Math::Neg(nb) => format!("{} - {}", p(*a, 1), p(*nb, 2)),
            _ => format!("{} + {}", p(*a, 1), p(*b, 2)),
        },
        Math::Sub([a, b]) => format!("{} - {}", p(*a, 1), p(*b, 2)),
        Math::Mul([a, b]) => {
            let right_is_number = matches!(expr[*b], Math::Num(_));
            if expr[*a].number() == Some(-1.0) {
                format!("-{}", p(*b, 3))
            } else if right_is_number {
                format!("{} \\cdot {}", p(*a, 2), p(*b, 3))
            } else {
                format!("{} \\, {}", p(*a, 2), p(*b, 3))
            }
        }
        Math::Div([a, b]) => format!("\\frac{{{}}}{{{}}}", l(*a), l(*b)),
        Math::Pow([a, b]) => {
            if expr[*b].number() == Some(0.5) {
                format!("\\sqrt{{{}}}", l(*a))
            } else {
                format!("{{{}}}^{{{}}}", p(*a, 5), l(*b))
            }
        }
        Math::Neg(a) => format!("-{}", p(*a, 3)),
        Math::Sqrt(a) => format!("\\sqrt{{{}}}", l(*a)),
        Math::Abs(a) => format!("\\left|{}\\right|", l(*a)),
        Math::Exp(a) => format!("e^{{{}}}", l(*a)),
        Math::Fma([a, b, c]) => format!("{} \\, {} + {}", p(*a, 2), p(*b, 3), p(*c, 1)),
        op => {
            let name = op.to_string();
            let command = match name.as_str() {
                "sin" | "cos" | "tan" | "sinh" | "cosh" | "tanh" | "log" | "min" | "max" => {
                    format!("\\{name}")
                }
                "asin" | "acos" | "atan" => format!("\\arc{}", &name[1..]),
                _ => format!("\\operatorname{{{name}}}"),
            };
            let args: Vec<String> = op.children().iter().map(|&c| l(c)).collect();
            format!("{command}\\left({}\\right)", args.join(", "))
        }
    }
}

/// (n, d) with v = n π / d, for simple positive rational multiples of π.
fn pi_fraction(v: f64) -> Option<(i64, i64)> {
    let pi = std::f64::consts::PI;
    [1.0, 2.0, 3.0, 4.0, 6.0].into_iter().find_map(|d: f64| {
        let n = v * d / pi;
        let rounded = n.round();
        let simple = (1.0..=12.0).contains(&rounded) && (n - rounded).abs() < 1e-13;
        simple.then_some((rounded as i64, d as i64))
    })
}

/// `2 * pi`, `pi / 2`, `3 * pi / 4`.
fn pi_multiple(v: f64) -> Option<String> {
    let (n, d) = pi_fraction(v)?;
    let top = if n == 1 {
        "pi".to_string()
    } else {
        format!("{n} * pi")
    };
    Some(if d == 1 { top } else { format!("{top} / {d}") })
}

fn latex_number(v: f64) -> String {
    if let Some((n, d)) = pi_fraction(v) {
        let top = if n == 1 {
            "\\pi".to_string()
        } else {
            format!("{n} \\pi")
        };
        return if d == 1 {
            top
        } else {
            format!("\\frac{{{top}}}{{{d}}}")
        };
    }
    let text = number(v);
    match text.split_once('e') {
        Some((mantissa, exponent)) => format!("{mantissa} \\times 10^{{{exponent}}}"),
        None => text,
    }
}
