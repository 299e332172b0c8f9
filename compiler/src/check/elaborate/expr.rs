//! The walk over AST expressions: numbers, names, operators, calls, vector literals and
//! member access dispatched to their parts, and the node budget every new node counts
//! against (inlining can grow an expression exponentially).

use super::{Elab, Elaborator, Reported, Value};
use crate::check::model::{Expr, ExprKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// Expressions this large after inlining mean runaway function nesting.
const MAX_NODES: usize = 200_000;

impl<'s, 'a> Elaborator<'s, 'a> {
    pub(super) fn node(&mut self, kind: ExprKind, span: Span) -> Elab<Expr> {
        self.grow(1, span)?;
        Ok(Expr::new(kind, span))
    }

    /// Account for `count` more nodes; past the limit, report once and stop.
    pub(super) fn grow(&mut self, count: usize, span: Span) -> Elab<()> {
        self.nodes += count;
        if self.nodes > MAX_NODES {
            if !self.too_large {
                self.too_large = true;
                let outer = self.frames.first().map_or(span, |f| f.call_site);
                self.diags.push(
                    Diagnostic::new(
                        Code::ExpressionTooLarge,
                        outer,
                        format!("this expression grows past {MAX_NODES} operations once functions are inlined"),
                        "inlined from here",
                    )
                    .with_help("each use of a function argument copies it: a function that uses its argument several times, nested, grows exponentially"),
                );
            }
            return Err(Reported);
        }
        Ok(())
    }

    pub(super) fn scalar(&mut self, kind: ExprKind, span: Span) -> Elab<Value> {
        Ok(Value::Scalar(self.node(kind, span)?))
    }

    pub(super) fn in_global_fn(&self) -> bool {
        self.frames.last().is_some_and(|f| f.global)
    }

    /// The module whose top-level names are in scope: the innermost top-level function's,
    /// or the model's.
    pub(super) fn module(&self) -> usize {
        self.frames.last().map_or(self.scope.module, |f| f.module)
    }

    pub fn expr(&mut self, e: &ast::Expr) -> Elab<Value> {
        match &e.kind {
            ast::ExprKind::Number { value, text } => {
                if !value.is_finite() {
                    return Err(self.report(Diagnostic::new(
                        Code::BadNumber,
                        e.span,
                        format!("the number `{text}` is too large for a 64-bit float"),
                        "out of range",
                    )));
                }
                self.scalar(ExprKind::Number(*value), e.span)
            }
            ast::ExprKind::Str(_) => Err(self.report(
                Diagnostic::new(
                    Code::StringInMath,
                    e.span,
                    "a string cannot be used in a mathematical expression",
                    "this is text, not a number",
                )
                .with_help("strings name files, in `data ... from \"file\"` and in job settings"),
            )),
            ast::ExprKind::Name(name) => self.name(name, e.span),
            ast::ExprKind::Neg(inner) => {
                let v = self.expr(inner)?;
                self.map(v, &mut |this, x| {
                    this.node(ExprKind::Neg(Box::new(x)), e.span)
                })
            }
            ast::ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr(lhs)?;
                let b = self.expr(rhs)?;
                self.binary(*op, a, b, lhs.span, rhs.span, e.span)
            }
            ast::ExprKind::Call { callee, args } => self.call(callee, args, e.span),
            ast::ExprKind::List(items) => {
                let values = items.iter().map(|i| self.expr(i)).collect::<Vec<_>>();
                let values: Vec<Value> = values.into_iter().collect::<Elab<_>>()?;
                if let Some(first) = values.first() {
                    let shape = first.shape();
                    if let Some((i, odd)) =
                        values.iter().enumerate().find(|(_, v)| v.shape() != shape)
                    {
                        return Err(self.report(
                            Diagnostic::new(
                                Code::ShapeMismatch,
                                items[i].span,
                                "the elements of a vector must all have the same shape",
                                format!("this is {}", odd.describe()),
                            )
                            .with_label(
                                items[0].span,
                                format!("the first is {}", first.describe()),
                            ),
                        ));
                    }
                }
                Ok(Value::Tensor(values))
            }
            ast::ExprKind::Member { base, member } => {
                if let Some(constant) = self.qualified_constant(base, member) {
                    return constant;
                }
                let value = self.expr(base)?;
                self.member(value, member, base.span)
            }
            ast::ExprKind::QualifiedCall { base, callee, args } => {
                self.qualified_call(base, callee, args, e.span)
            }
        }
    }
}
