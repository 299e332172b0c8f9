//! The vector intrinsics over the model's space variables: `grad` (of a scalar or of each
//! component), `div` (of a vector, row by row for a matrix), `curl` (2-D and 3-D) and
//! `dot` (contracting the last index of one with the first of the other).

use super::{Elab, Elaborator, Value};
use crate::check::model::{BinOp, Expr, ExprKind, VarId};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

impl<'s, 'a> Elaborator<'s, 'a> {
    fn need_space(&mut self, what: &str, span: Span) -> Elab<Vec<VarId>> {
        let space = self.scope.space();
        if space.is_empty() {
            return Err(self.report(
                Diagnostic::new(
                    Code::MissingDomain,
                    span,
                    format!("`{what}` needs space variables, and there are none here"),
                    "used here",
                )
                .with_help("declare them with `space x in [0, 1], y in [0, 1]`"),
            ));
        }
        Ok(space)
    }

    pub(super) fn grad(&mut self, v: Value, arg_span: Span, span: Span) -> Elab<Value> {
        let space = self.need_space("grad", span)?;
        match v {
            Value::Scalar(e) => {
                let items = space
                    .iter()
                    .map(|&x| self.derive(Value::Scalar(e.clone()), &[x], arg_span, span))
                    .collect::<Elab<_>>()?;
                Ok(Value::Tensor(items))
            }
            Value::Tensor(items) => Ok(Value::Tensor(
                items
                    .into_iter()
                    .map(|i| self.grad(i, arg_span, span))
                    .collect::<Elab<_>>()?,
            )),
        }
    }

    pub(super) fn div(&mut self, v: Value, arg_span: Span, span: Span) -> Elab<Value> {
        let space = self.need_space("div", span)?;
        let Value::Tensor(items) = v else {
            return Err(self.report(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    arg_span,
                    "`div` applies to vectors, not to a scalar",
                    "this is a scalar",
                )
                .with_help("for the gradient of a scalar write `grad(f)`"),
            ));
        };
        if items.iter().all(|i| matches!(i, Value::Scalar(_))) {
            if items.len() != space.len() {
                return Err(self.report(Diagnostic::new(
                    Code::ShapeMismatch,
                    arg_span,
                    format!(
                        "`div` needs a vector of {} (one per space variable), not of {}",
                        space.len(),
                        items.len()
                    ),
                    "wrong length",
                )));
            }
            let mut terms = Vec::new();
            for (item, &x) in items.into_iter().zip(&space) {
                match self.derive(item, &[x], arg_span, span)? {
                    Value::Scalar(e) => terms.push(e),
                    Value::Tensor(_) => unreachable!("derivative keeps shape"),
                }
            }
            let mut sum = terms.remove(0);
            for t in terms {
                sum = self.node(
                    ExprKind::Binary(BinOp::Add, Box::new(sum), Box::new(t)),
                    span,
                )?;
            }
            Ok(Value::Scalar(sum))
        } else {
            Ok(Value::Tensor(
                items
                    .into_iter()
                    .map(|i| self.div(i, arg_span, span))
                    .collect::<Elab<_>>()?,
            ))
        }
    }

    pub(super) fn curl(&mut self, v: Value, arg_span: Span, span: Span) -> Elab<Value> {
        let space = self.need_space("curl", span)?;
        let comps: Vec<Expr> = match &v {
            Value::Tensor(items) if items.iter().all(|i| matches!(i, Value::Scalar(_))) => items
                .iter()
                .map(|i| match i {
                    Value::Scalar(e) => e.clone(),
                    Value::Tensor(_) => unreachable!(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let d = |this: &mut Self, e: &Expr, x: VarId| -> Elab<Expr> {
            match this.derive(Value::Scalar(e.clone()), &[x], arg_span, span)? {
                Value::Scalar(e) => Ok(e),
                Value::Tensor(_) => unreachable!(),
            }
        };
        let sub = |this: &mut Self, a: Expr, b: Expr| {
            this.node(ExprKind::Binary(BinOp::Sub, Box::new(a), Box::new(b)), span)
        };
        match (comps.len(), space.len()) {
            (2, 2) => {
                let a = d(self, &comps[1], space[0])?;
                let b = d(self, &comps[0], space[1])?;
                Ok(Value::Scalar(sub(self, a, b)?))
            }
            (3, 3) => {
                let mut out = Vec::new();
                let (x, y, z) = (space[0], space[1], space[2]);
                let pairs = [((2, y), (1, z)), ((0, z), (2, x)), ((1, x), (0, y))];
                for ((pa, va), (pb, vb)) in pairs {
                    let a = d(self, &comps[pa], va)?;
                    let b = d(self, &comps[pb], vb)?;
                    out.push(Value::Scalar(sub(self, a, b)?));
                }
                Ok(Value::Tensor(out))
            }
            _ => Err(self.report(Diagnostic::new(
                Code::ShapeMismatch,
                arg_span,
                format!(
                    "`curl` needs a vector of 2 in 2 dimensions or of 3 in 3 dimensions; this is {} in {} dimension(s)",
                    v.describe(),
                    space.len()
                ),
                "wrong shape",
            ))),
        }
    }

    /// Contract the last index of `a` with the first of `b`.
    pub(super) fn dot(
        &mut self,
        a: Value,
        b: Value,
        a_span: Span,
        b_span: Span,
        span: Span,
    ) -> Elab<Value> {
        let (Value::Tensor(xs), Value::Tensor(ys)) = (&a, &b) else {
            return Err(self.report(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    a_span.to(b_span),
                    format!(
                        "`dot` needs two vectors; got {} and {}",
                        a.describe(),
                        b.describe()
                    ),
                    "here",
                )
                .with_help("multiply scalars with `*`"),
            ));
        };
        if xs.iter().all(|x| matches!(x, Value::Scalar(_))) {
            if xs.len() != ys.len() {
                return Err(self.shape_error(BinOp::Mul, &a, &b, a_span, b_span));
            }
            let mut total: Option<Value> = None;
            for (x, y) in xs.clone().into_iter().zip(ys.clone()) {
                let product = self.binary(BinOp::Mul, x, y, a_span, b_span, span)?;
                total = Some(match total {
                    None => product,
                    Some(t) => self.binary(BinOp::Add, t, product, a_span, b_span, span)?,
                });
            }
            total.ok_or_else(|| self.shape_error(BinOp::Mul, &a, &b, a_span, b_span))
        } else {
            let rows = xs.clone();
            Ok(Value::Tensor(
                rows.into_iter()
                    .map(|row| self.dot(row, b.clone(), a_span, b_span, span))
                    .collect::<Elab<_>>()?,
            ))
        }
    }
}
