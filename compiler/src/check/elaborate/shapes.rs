//! Shapes: a [`Value`] is a scalar expression or a tensor of values. Component access
//! (`v.x`), arithmetic between shapes (element-wise sums, scaling by a scalar) and its
//! errors, and applying a scalar operation to every component.

use super::{Elab, Elaborator, Reported};
use crate::check::model::{BinOp, Expr, ExprKind};
use crate::check::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// A scalar expression or a tensor (vector of values) of them.
#[derive(Debug, Clone)]
pub enum Value {
    Scalar(Expr),
    Tensor(Vec<Value>),
}

impl Value {
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Value::Scalar(_) => vec![],
            Value::Tensor(items) => {
                let mut shape = vec![items.len()];
                if let Some(first) = items.first() {
                    shape.extend(first.shape());
                }
                shape
            }
        }
    }

    pub fn describe(&self) -> String {
        match self.shape().len() {
            0 => "a scalar".into(),
            1 => format!("a vector of {}", self.shape()[0]),
            _ => format!(
                "a tensor of shape [{}]",
                self.shape()
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Scalar components with their names (`x`, `y`, `x.y`), in order.
    pub fn components(self, names: &[String]) -> Vec<(Option<String>, Expr)> {
        match self {
            Value::Scalar(e) => vec![(None, e)],
            Value::Tensor(items) => items
                .into_iter()
                .enumerate()
                .flat_map(|(i, item)| {
                    let here = names.get(i).cloned().unwrap_or_else(|| (i + 1).to_string());
                    item.components(names).into_iter().map(move |(sub, e)| {
                        let name = match sub {
                            Some(s) => format!("{here}.{s}"),
                            None => here.clone(),
                        };
                        (Some(name), e)
                    })
                })
                .collect(),
        }
    }
}

impl<'s, 'a> Elaborator<'s, 'a> {
    pub(super) fn member(
        &mut self,
        value: Value,
        member: &ast::Ident,
        base_span: Span,
    ) -> Elab<Value> {
        let names = self.scope.space_names();
        let Value::Tensor(items) = value else {
            return Err(self.report(
                Diagnostic::new(
                    Code::UnknownComponent,
                    member.span,
                    format!("a scalar has no component `{}`", member.name),
                    "no such component",
                )
                .with_label(base_span, "this is a scalar"),
            ));
        };
        match names.iter().position(|n| *n == member.name) {
            Some(i) if i < items.len() => {
                Ok(items.into_iter().nth(i).unwrap_or(Value::Tensor(vec![])))
            }
            _ => {
                let mut d = Diagnostic::new(
                    Code::UnknownComponent,
                    member.span,
                    format!("unknown component `{}`", member.name),
                    "not a component of this vector",
                )
                .with_note(format!(
                    "components are named after the space variables: {}",
                    names
                        .iter()
                        .take(items.len())
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if let Some(help) =
                    suggest::did_you_mean(&member.name, names.iter().map(String::as_str))
                {
                    d = d.with_help(help);
                }
                Err(self.report(d))
            }
        }
    }

    /// Apply `f` to every scalar of a value.
    pub fn map(
        &mut self,
        v: Value,
        f: &mut impl FnMut(&mut Self, Expr) -> Elab<Expr>,
    ) -> Elab<Value> {
        match v {
            Value::Scalar(e) => Ok(Value::Scalar(f(self, e)?)),
            Value::Tensor(items) => Ok(Value::Tensor(
                items
                    .into_iter()
                    .map(|i| self.map(i, f))
                    .collect::<Elab<_>>()?,
            )),
        }
    }

    pub(super) fn binary(
        &mut self,
        op: BinOp,
        a: Value,
        b: Value,
        a_span: Span,
        b_span: Span,
        span: Span,
    ) -> Elab<Value> {
        match (a, b) {
            (Value::Scalar(x), Value::Scalar(y)) => {
                self.scalar(ExprKind::Binary(op, Box::new(x), Box::new(y)), span)
            }
            (Value::Tensor(xs), Value::Tensor(ys)) if matches!(op, BinOp::Add | BinOp::Sub) => {
                if xs.len() != ys.len() {
                    return Err(self.shape_error(
                        op,
                        &Value::Tensor(xs),
                        &Value::Tensor(ys),
                        a_span,
                        b_span,
                    ));
                }
                let items = xs
                    .into_iter()
                    .zip(ys)
                    .map(|(x, y)| self.binary(op, x, y, a_span, b_span, span))
                    .collect::<Elab<_>>()?;
                Ok(Value::Tensor(items))
            }
            (Value::Scalar(s), t @ Value::Tensor(_)) if op == BinOp::Mul => {
                self.map(t, &mut |this, x| {
                    this.node(ExprKind::Binary(op, Box::new(s.clone()), Box::new(x)), span)
                })
            }
            (t @ Value::Tensor(_), Value::Scalar(s)) if matches!(op, BinOp::Mul | BinOp::Div) => {
                self.map(t, &mut |this, x| {
                    this.node(ExprKind::Binary(op, Box::new(x), Box::new(s.clone())), span)
                })
            }
            (a, b) => Err(self.shape_error(op, &a, &b, a_span, b_span)),
        }
    }

    pub(super) fn shape_error(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
        a_span: Span,
        b_span: Span,
    ) -> Reported {
        let verb = match op {
            BinOp::Add => "add",
            BinOp::Sub => "subtract",
            BinOp::Mul => "multiply",
            BinOp::Div => "divide",
            BinOp::Pow => "raise to a power",
        };
        let mut d = Diagnostic::new(
            Code::ShapeMismatch,
            a_span.to(b_span),
            format!("cannot {verb} {} and {}", a.describe(), b.describe()),
            format!("`{}` needs matching shapes here", op.symbol()),
        )
        .with_label(a_span, a.describe())
        .with_label(b_span, b.describe());
        if op == BinOp::Mul {
            d = d.with_help("for the scalar product of two vectors write `dot(a, b)`");
        }
        self.report(d)
    }
}

/// The number of expression nodes in a value.
pub(super) fn value_size(v: &Value) -> usize {
    match v {
        Value::Scalar(e) => e.size(),
        Value::Tensor(items) => items.iter().map(value_size).sum(),
    }
}
