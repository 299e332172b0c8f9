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
    let mut out = String::new();
    Printer {
        expr,
        symbols,
        out: &mut out,
    }
    .source(root);
    out
}

/// LaTeX math (without surrounding `$`).
pub fn latex(expr: &RecExpr<Math>, root: Id, symbols: &Symbols) -> String {
    let mut out = String::new();
    Printer {
        expr,
        symbols,
        out: &mut out,
    }
    .latex(root);
    out
}

/// Both printers append to one buffer: returning a string per node copied a long sum's
/// text once per term.
struct Printer<'e, 'o> {
    expr: &'e RecExpr<Math>,
    symbols: &'e Symbols,
    out: &'o mut String,
}

impl Printer<'_, '_> {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// `id` in `.phys` syntax, in parentheses when it binds more loosely than `min`.
    fn source_operand(&mut self, id: Id, min: u8) {
        if precedence(self.expr, id) < min {
            self.push("(");
            self.source(id);
            self.push(")");
        } else {
            self.source(id);
        }
    }

    fn source_binary(&mut self, a: Id, min_a: u8, op: &str, b: Id, min_b: u8) {
        self.source_operand(a, min_a);
        self.push(op);
        self.source_operand(b, min_b);
    }

    fn source(&mut self, root: Id) {
        let expr = self.expr;
        let negated = |id: Id| -> Option<Id> {
            match &expr[id] {
                Math::Neg(inner) => Some(*inner),
                _ => None,
            }
        };
        match &expr[root] {
            Math::Num(c) => {
                let text = pi_multiple(c.into_inner()).unwrap_or_else(|| decimal(c.into_inner()));
                self.push(&text);
            }
            Math::Symbol(s) => match self.symbols.get(*s) {
                Some(i) => self.out.push_str(&i.source),
                None => self.push(&s.to_string()),
            },
            Math::Add([a, b]) => match (negated(*b), expr[*b].number()) {
                (Some(nb), _) => self.source_binary(*a, 1, " - ", nb, 2),
                (_, Some(v)) if v < 0.0 => {
                    self.source_operand(*a, 1);
                    self.push(" - ");
                    self.push(&decimal(-v));
                }
                _ => self.source_binary(*a, 1, " + ", *b, 2),
            },
            Math::Sub([a, b]) => self.source_binary(*a, 1, " - ", *b, 2),
            Math::Mul([a, b]) => match expr[*a].number() {
                Some(-1.0) => {
                    self.push("-");
                    self.source_operand(*b, 3);
                }
                _ => self.source_binary(*a, 2, " * ", *b, 3),
            },
            Math::Div([a, b]) => self.source_binary(*a, 2, " / ", *b, 3),
            Math::Pow([a, b]) => self.source_binary(*a, 5, "^", *b, 3),
            Math::Neg(a) => {
                self.push("-");
                self.source_operand(*a, 3);
            }
            Math::Fma([a, b, c]) => {
                self.push("fma(");
                self.source_operand(*a, 0);
                self.push(", ");
                self.source_operand(*b, 0);
                self.push(", ");
                self.source_operand(*c, 0);
                self.push(")");
            }
            op => {
                self.push(&op.to_string());
                self.push("(");
                for (i, &c) in op.children().iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.source(c);
                }
                self.push(")");
            }
        }
    }

    /// `id` in LaTeX, in `\left(…\right)` when it binds more loosely than `min`.
    fn latex_operand(&mut self, id: Id, min: u8) {
        if precedence(self.expr, id) < min {
            self.push("\\left(");
            self.latex(id);
            self.push("\\right)");
        } else {
            self.latex(id);
        }
    }

    fn latex_binary(&mut self, a: Id, min_a: u8, op: &str, b: Id, min_b: u8) {
        self.latex_operand(a, min_a);
        self.push(op);
        self.latex_operand(b, min_b);
    }

    /// `before`, `id` in full, `after`.
    fn latex_wrapped(&mut self, before: &str, id: Id, after: &str) {
        self.push(before);
        self.latex(id);
        self.push(after);
    }

    fn latex(&mut self, root: Id) {
        let expr = self.expr;
        match &expr[root] {
            Math::Num(c) => self.push(&latex_number(c.into_inner())),
            Math::Symbol(s) => match self.symbols.get(*s) {
                Some(i) => self.out.push_str(&i.latex),
                None => self.push(&s.to_string()),
            },
            Math::Add([a, b]) => match &expr[*b] {
                Math::Neg(nb) => self.latex_binary(*a, 1, " - ", *nb, 2),
                _ => self.latex_binary(*a, 1, " + ", *b, 2),
            },
            Math::Sub([a, b]) => self.latex_binary(*a, 1, " - ", *b, 2),
            Math::Mul([a, b]) => {
                let right_is_number = matches!(expr[*b], Math::Num(_));
                if expr[*a].number() == Some(-1.0) {
                    self.push("-");
                    self.latex_operand(*b, 3);
                } else if right_is_number {
                    self.latex_binary(*a, 2, " \\cdot ", *b, 3);
                } else {
                    self.latex_binary(*a, 2, " \\, ", *b, 3);
                }
            }
            Math::Div([a, b]) => {
                self.latex_wrapped("\\frac{", *a, "}");
                self.latex_wrapped("{", *b, "}");
            }
            Math::Pow([a, b]) => {
                if expr[*b].number() == Some(0.5) {
                    self.latex_wrapped("\\sqrt{", *a, "}");
                } else {
                    self.push("{");
                    self.latex_operand(*a, 5);
                    self.push("}^");
                    self.latex_wrapped("{", *b, "}");
                }
            }
            Math::Neg(a) => {
                self.push("-");
                self.latex_operand(*a, 3);
            }
            Math::Sqrt(a) => self.latex_wrapped("\\sqrt{", *a, "}"),
            Math::Abs(a) => self.latex_wrapped("\\left|", *a, "\\right|"),
            Math::Exp(a) => self.latex_wrapped("e^{", *a, "}"),
            Math::Fma([a, b, c]) => {
                self.latex_binary(*a, 2, " \\, ", *b, 3);
                self.push(" + ");
                self.latex_operand(*c, 1);
            }
            op => {
                let name = op.to_string();
                let command = match name.as_str() {
                    "sin" | "cos" | "tan" | "sinh" | "cosh" | "tanh" | "log" | "min" | "max" => {
                        format!("\\{name}")
                    }
                    "asin" | "acos" | "atan" => format!("\\arc{}", &name[1..]),
                    _ => format!("\\operatorname{{{name}}}"),
                };
                self.push(&command);
                self.push("\\left(");
                for (i, &c) in op.children().iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.latex(c);
                }
                self.push("\\right)");
            }
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

/// A number as `.phys` reads it back: a plain decimal, but very small and very large
/// magnitudes in scientific notation (`6.674e-11`, not `0.00000000006674`).
fn decimal(v: f64) -> String {
    let size = v.abs();
    if size != 0.0 && size.is_finite() && !(1e-4..1e16).contains(&size) {
        format!("{v:e}")
    } else {
        number(v)
    }
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
    let text = decimal(v);
    match text.split_once('e') {
        Some((mantissa, exponent)) => format!("{mantissa} \\times 10^{{{exponent}}}"),
        None => text,
    }
}
