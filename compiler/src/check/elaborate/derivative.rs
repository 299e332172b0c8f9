//! Derivatives: `d(u, x, y)` and operators such as `dxx` (names split into the model's
//! variables), applied component-wise; a derivative of something that does not depend on
//! the variable is an error, nested derivatives merge with their variables sorted.

use super::{Elab, Elaborator, Value};
use crate::check::model::{Expr, ExprKind, VarId, Variable};
use crate::check::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

impl<'s, 'a> Elaborator<'s, 'a> {
    pub(super) fn general_derivative(
        &mut self,
        args: &[&ast::Expr],
        callee: &ast::Ident,
        span: Span,
    ) -> Elab<Value> {
        if args.len() < 2 {
            return Err(self.report(Diagnostic::new(
                Code::WrongArity,
                callee.span,
                "`d` takes an expression and at least one variable",
                "e.g. `d(u, x)` or `d(u, x, y)`",
            )));
        }
        let mut wrt = Vec::new();
        for arg in &args[1..] {
            let var = match &arg.kind {
                ast::ExprKind::Name(n) => self.scope.variables.iter().position(|v| v.name == *n),
                _ => None,
            };
            match var {
                Some(v) => wrt.push(v),
                None => {
                    let vars: Vec<&str> = self
                        .scope
                        .variables
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect();
                    let mut d = Diagnostic::new(
                        Code::DerivativeWrtNonVariable,
                        arg.span,
                        "derivatives are taken with respect to space or time variables",
                        "not a variable of this model",
                    );
                    let help = match &arg.kind {
                        ast::ExprKind::Name(n) => suggest::did_you_mean(n, vars.iter().copied()),
                        _ => None,
                    };
                    d = d.with_help(help.unwrap_or_else(|| {
                        "repeat a variable for higher derivatives: `d(w, x, x)` is `dxx(w)`".into()
                    }));
                    return Err(self.report(d));
                }
            }
        }
        let v = self.expr(args[0])?;
        self.derive(v, &wrt, args[0].span, span)
    }

    /// `dxx` → [x, x] when x is a variable of the model; longer names split any way that works.
    pub(super) fn derivative_operator(&self, name: &str) -> Option<Vec<VarId>> {
        let rest = name.strip_prefix('d')?;
        if rest.is_empty() {
            return None;
        }
        fn split(rest: &str, vars: &[Variable]) -> Option<Vec<VarId>> {
            if rest.is_empty() {
                return Some(vec![]);
            }
            for (i, v) in vars.iter().enumerate() {
                if let Some(tail) = rest.strip_prefix(v.name.as_str()) {
                    if let Some(mut more) = split(tail, vars) {
                        more.insert(0, i);
                        return Some(more);
                    }
                }
            }
            None
        }
        split(rest, &self.scope.variables)
    }

    pub fn derive(&mut self, v: Value, wrt: &[VarId], arg_span: Span, span: Span) -> Elab<Value> {
        self.map(v, &mut |this, e| this.derive_scalar(e, wrt, arg_span, span))
    }

    fn derive_scalar(&mut self, e: Expr, wrt: &[VarId], arg_span: Span, span: Span) -> Elab<Expr> {
        if self.constant_only {
            return Err(self.report(Diagnostic::new(
                Code::NotConstant,
                span,
                "a derivative is not a constant",
                "a constant is needed here",
            )));
        }
        let depends = |this: &Self, v: VarId| {
            e.any(&|n| match &n.kind {
                ExprKind::Var(x) => *x == v,
                ExprKind::Field(r) | ExprKind::Net(r) => {
                    this.scope.fields[r.field].inputs.contains(&v)
                }
                _ => false,
            })
        };
        for &v in wrt {
            if depends(self, v) {
                continue;
            }
            let var = self.scope.variables[v].name.clone();
            let varies = e.any(&|n| {
                matches!(
                    n.kind,
                    ExprKind::Var(_) | ExprKind::Field(_) | ExprKind::Net(_)
                )
            });
            let d = if let ExprKind::Field(r) = &e.kind {
                let field = &self.scope.fields[r.field];
                let inputs: Vec<String> = field
                    .inputs
                    .iter()
                    .map(|&i| format!("`{}`", self.scope.variables[i].name))
                    .collect();
                Diagnostic::new(
                    Code::DerivativeWrtNonInput,
                    span,
                    format!("`{}` does not depend on `{var}`", field.name),
                    format!("derivative by `{var}`"),
                )
                .with_label(
                    field.span,
                    format!("`{}` depends on {} only", field.name, inputs.join(", ")),
                )
                .with_help({
                    let mut all: Vec<String> = field
                        .inputs
                        .iter()
                        .map(|&i| self.scope.variables[i].name.clone())
                        .collect();
                    all.push(var.clone());
                    format!(
                        "if it varies with `{var}`, declare it as `field {}({})`",
                        field.name,
                        all.join(", ")
                    )
                })
            } else if varies {
                Diagnostic::new(
                    Code::DerivativeWrtNonInput,
                    span,
                    format!(
                        "this expression does not depend on `{var}`, so its derivative is zero"
                    ),
                    format!("derivative by `{var}`"),
                )
                .with_label(arg_span, format!("nothing here varies with `{var}`"))
            } else {
                Diagnostic::new(
                    Code::DerivativeOfConstant,
                    span,
                    "derivative of something that does not vary",
                    "always zero",
                )
                .with_label(arg_span, "no variable or field here")
                .with_help("derivatives apply to fields and expressions of fields and variables")
            };
            return Err(self.report(d));
        }
        let (inner, mut all) = match e.kind {
            ExprKind::Derivative { expr, wrt: first } => (*expr, first),
            kind => (Expr::new(kind, e.span), Vec::new()),
        };
        all.extend_from_slice(wrt);
        all.sort_unstable();
        self.node(
            ExprKind::Derivative {
                expr: Box::new(inner),
                wrt: all,
            },
            span,
        )
    }
}
