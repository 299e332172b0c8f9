//! Expressions inside job settings, elaborated at check time like a model's: a user `fn`
//! named as an activation or an evolve target, and the terms of a discovery library. Each
//! becomes a [`ScalarFunction`] of its arguments; what cannot be one (a name that is not an
//! argument or constant, a derivative, a vector) is reported here with its span, where
//! before it surfaced as a run-time string.

use super::ScalarFunction;
use crate::check::builtins;
use crate::check::elaborate::{Binding, Elaborator, Found, Globals, ModelScope, Value};
use crate::check::model::{Constant, Expr, ExprKind, VarKind, Variable};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast;

/// The user function `f` of one parameter, named by a setting written at `at`: its body
/// with other functions inlined and constants replaced by their values.
pub fn user_function(
    globals: &Globals,
    diags: &mut Diagnostics,
    f: &ast::FnDecl,
    at: Span,
) -> Option<ScalarFunction> {
    let param = f.params.first()?;
    // Elaborating the call `f(param)` inlines the body exactly as a model's use would.
    let call = ast::Expr {
        kind: ast::ExprKind::Call {
            callee: ast::Ident {
                name: f.name.name.clone(),
                span: at,
            },
            args: vec![ast::Arg {
                name: None,
                value: ast::Expr {
                    kind: ast::ExprKind::Name(param.name.clone()),
                    span: at,
                },
            }],
        },
        span: at,
    };
    let params = vec![param.name.clone()];
    elaborate(globals, diags, f.name.name.clone(), params, &call, at)
}

/// A discovery library term: every name in it that is not a constant (built-in or a
/// visible top-level `const`) is a data column, and an argument of the function.
pub fn library_term(
    globals: &Globals,
    diags: &mut Diagnostics,
    term: &ast::Expr,
) -> Option<ScalarFunction> {
    let mut columns = Vec::new();
    free_names(globals, term, &mut columns);
    let text = crate::syntax::format::expr(term);
    elaborate(globals, diags, text, columns, term, term.span)
}

fn free_names(globals: &Globals, e: &ast::Expr, out: &mut Vec<String>) {
    match &e.kind {
        ast::ExprKind::Name(n) => {
            let constant =
                builtins::constant(n).is_some() || matches!(globals.constant(0, n), Found::One(..));
            if !constant && !out.contains(n) {
                out.push(n.clone());
            }
        }
        ast::ExprKind::Neg(a) => free_names(globals, a, out),
        ast::ExprKind::Binary { lhs, rhs, .. } => {
            free_names(globals, lhs, out);
            free_names(globals, rhs, out);
        }
        ast::ExprKind::Call { args, .. } | ast::ExprKind::QualifiedCall { args, .. } => {
            for a in args {
                free_names(globals, &a.value, out);
            }
        }
        ast::ExprKind::List(items) => {
            for i in items {
                free_names(globals, i, out);
            }
        }
        ast::ExprKind::Member { base, .. } => free_names(globals, base, out),
        ast::ExprKind::Number { .. } | ast::ExprKind::Str(_) => {}
    }
}

/// `e` in a scope whose variables are `params` (and the top-level constants and
/// functions), as one scalar expression of them.
fn elaborate(
    globals: &Globals,
    diags: &mut Diagnostics,
    name: String,
    params: Vec<String>,
    e: &ast::Expr,
    span: Span,
) -> Option<ScalarFunction> {
    // Job settings are written in the root file (module 0).
    let mut scope = ModelScope::with_globals(globals, 0);
    for (i, p) in params.iter().enumerate() {
        scope.variables.push(Variable {
            name: p.clone(),
            kind: VarKind::Space,
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            dim: None,
            span,
        });
        scope.names.insert(p.clone(), (Binding::Var(i), span));
    }
    let value = Elaborator::new(&scope, globals, diags).expr(e).ok()?;
    let Value::Scalar(body) = value else {
        diags.push(Diagnostic::new(
            Code::ShapeMismatch,
            e.span,
            format!("`{name}` must be one number, not {}", value.describe()),
            "not a scalar",
        ));
        return None;
    };
    let body = fold_constants(body, &scope.constants, &name, span, diags)?;
    Some(ScalarFunction {
        name,
        params,
        body,
        span,
    })
}

/// The expression with constants replaced by their values; a derivative (or anything a
/// function of numbers cannot hold) is reported.
fn fold_constants(
    e: Expr,
    constants: &[Constant],
    name: &str,
    used_at: Span,
    diags: &mut Diagnostics,
) -> Option<Expr> {
    let span = e.span;
    let kind = match e.kind {
        ExprKind::Const(c) => ExprKind::Number(constants.get(c)?.value),
        ExprKind::Number(_) | ExprKind::Var(_) => e.kind,
        ExprKind::Neg(a) => ExprKind::Neg(Box::new(fold_constants(
            *a, constants, name, used_at, diags,
        )?)),
        ExprKind::Binary(op, a, b) => ExprKind::Binary(
            op,
            Box::new(fold_constants(*a, constants, name, used_at, diags)?),
            Box::new(fold_constants(*b, constants, name, used_at, diags)?),
        ),
        ExprKind::Call(f, args) => ExprKind::Call(
            f,
            args.into_iter()
                .map(|a| fold_constants(a, constants, name, used_at, diags))
                .collect::<Option<Vec<_>>>()?,
        ),
        ExprKind::Derivative { .. }
        | ExprKind::Field(_)
        | ExprKind::Param(_)
        | ExprKind::Net(_)
        | ExprKind::Normal(_) => {
            let inside =
                used_at.file == span.file && used_at.start <= span.start && span.end <= used_at.end;
            let mut d = Diagnostic::new(
                Code::BadSettingExpression,
                span,
                format!("`{name}` must be a function of numbers: this cannot be evaluated pointwise"),
                "not allowed in a setting",
            )
            .with_note("functions and terms in job settings may use their arguments, numbers, constants, arithmetic and built-in functions, not derivatives");
            if !inside {
                d = d.with_label(used_at, "used in this setting");
            }
            diags.push(d);
            return None;
        }
    };
    Some(Expr { kind, span })
}
