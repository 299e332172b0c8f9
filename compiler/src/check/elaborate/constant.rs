//! Constant expressions (`const` values, intervals, locations): elaborated with only
//! constants allowed, then evaluated; the value must be one finite number.

use super::{Elab, Elaborator, Value};
use crate::check::model::{BinOp, Constant, Expr, ExprKind, VarId};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast;

impl<'s, 'a> Elaborator<'s, 'a> {
    /// Elaborate an expression that must be one scalar constant, and evaluate it.
    pub fn constant(&mut self, e: &ast::Expr) -> Elab<f64> {
        self.constant_expr(e).map(|(_, v)| v)
    }

    /// Elaborate a scalar constant expression: the expression and its finite value.
    pub fn constant_expr(&mut self, e: &ast::Expr) -> Elab<(Expr, f64)> {
        let was = self.constant_only;
        self.constant_only = true;
        let value = self.expr(e);
        self.constant_only = was;
        match value? {
            Value::Scalar(expr) => {
                let v = evaluate_constant(&expr, &self.scope.constants);
                if v.is_finite() {
                    Ok((expr, v))
                } else {
                    Err(self.report(Diagnostic::new(
                        Code::NonFiniteConstant,
                        e.span,
                        format!("this evaluates to {v}"),
                        "not a finite number",
                    )))
                }
            }
            v => Err(self.report(Diagnostic::new(
                Code::ShapeMismatch,
                e.span,
                format!("expected a number, found {}", v.describe()),
                "not a single number",
            ))),
        }
    }
}

/// The value of an expression made only of numbers, constants and functions.
pub fn evaluate_constant(e: &Expr, constants: &[Constant]) -> f64 {
    evaluate_at(e, constants, &|_| f64::NAN)
}

/// The value of an expression of numbers, constants, functions and the variables `var`
/// gives values (NaN for fields, parameters and derivatives: their values are not known here).
pub fn evaluate_at(e: &Expr, constants: &[Constant], var: &dyn Fn(VarId) -> f64) -> f64 {
    let eval = |e: &Expr| evaluate_at(e, constants, var);
    match &e.kind {
        ExprKind::Number(v) => *v,
        ExprKind::Var(v) => var(*v),
        ExprKind::Const(c) => constants.get(*c).map_or(f64::NAN, |c| c.value),
        ExprKind::Neg(a) => -eval(a),
        ExprKind::Binary(op, a, b) => {
            let (a, b) = (eval(a), eval(b));
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Pow => a.powf(b),
            }
        }
        ExprKind::Call(f, args) => {
            let args: Vec<f64> = args.iter().map(eval).collect();
            f.eval(&args)
        }
        _ => f64::NAN,
    }
}
