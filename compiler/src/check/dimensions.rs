//! Dimensional analysis of elaborated expressions. Every quantity with declared units has a
//! dimension; anything else (undeclared units, raw network output) is unknown and agrees
//! with everything. Numbers are dimensionless factors, but a purely numeric term agrees with
//! any dimension in a sum or equation (`u = 0`, `T + 273.15`), as physicists write them.
//! Sums, equations and function arguments are checked.

use super::elaborate::{evaluate_constant, ModelScope, Reported};
use super::model::{BinOp, Expr, ExprKind};
use super::units::Dimension;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;

type Dim = Option<Dimension>;

/// The dimension of `e`, reporting the first inconsistency found inside it.
pub fn infer(e: &Expr, scope: &ModelScope, diags: &mut Diagnostics) -> Result<Dim, Reported> {
    match &e.kind {
        ExprKind::Number(_) => Ok(Some(Dimension::NONE)),
        ExprKind::Var(v) => Ok(scope.variables.get(*v).and_then(|v| v.dim)),
        ExprKind::Const(c) => Ok(scope.constants.get(*c).and_then(|c| c.dim)),
        ExprKind::Param(p) => Ok(scope.params.get(*p).and_then(|p| p.dim)),
        ExprKind::Field(r) => Ok(scope.fields.get(r.field).and_then(|f| f.dim)),
        ExprKind::Net(_) => Ok(None),
        ExprKind::Neg(a) => infer(a, scope, diags),
        ExprKind::Binary(op, a, b) => {
            let da = infer(a, scope, diags)?;
            let db = infer(b, scope, diags)?;
            match op {
                BinOp::Add | BinOp::Sub => agree((a, da), (b, db), a.span, b.span, "added", diags),
                BinOp::Mul => Ok(da.zip(db).map(|(x, y)| x * y)),
                BinOp::Div => Ok(da.zip(db).map(|(x, y)| x / y)),
                BinOp::Pow => power(da, db, b, scope, diags),
            }
        }
        ExprKind::Call(f, args) => {
            let dims = args
                .iter()
                .map(|a| infer(a, scope, diags))
                .collect::<Result<Vec<_>, _>>()?;
            if f.needs_dimensionless() {
                if let Some(Some(d)) = dims
                    .first()
                    .filter(|d| d.is_some_and(|d| !d.is_dimensionless()))
                {
                    diags.push(
                        Diagnostic::new(
                            Code::DimensionedFunctionArgument,
                            args[0].span,
                            format!("`{}` of a quantity in {d}", f.name()),
                            format!("this is in {d}"),
                        )
                        .with_help("transcendental functions take dimensionless arguments: divide by a reference scale"),
                    );
                    return Err(Reported);
                }
                return Ok(Some(Dimension::NONE));
            }
            match f {
                super::builtins::MathFn::Sqrt => Ok(dims[0].and_then(|d| d.pow(0.5))),
                super::builtins::MathFn::Sign => Ok(Some(Dimension::NONE)),
                super::builtins::MathFn::Abs => Ok(dims[0]),
                super::builtins::MathFn::Fma => {
                    // a·b + c: the product and the addend must agree.
                    let product = dims[0].zip(dims[1]).map(|(a, b)| a * b);
                    agree(
                        (&args[0], product),
                        (&args[2], dims[2]),
                        args[0].span,
                        args[2].span,
                        "added",
                        diags,
                    )
                }
                _ => agree(
                    (&args[0], dims[0]),
                    (&args[1], dims[1]),
                    args[0].span,
                    args[1].span,
                    "compared",
                    diags,
                ),
            }
        }
        ExprKind::Derivative { expr, wrt } => {
            let mut d = infer(expr, scope, diags)?;
            for v in wrt {
                let dv = scope.variables.get(*v).and_then(|v| v.dim);
                d = d.zip(dv).map(|(a, b)| a / b);
            }
            Ok(d)
        }
    }
}

/// An expression made of numbers only: it takes the dimension of whatever it meets.
pub fn is_literal(e: &Expr) -> bool {
    !e.any(&|n| {
        !matches!(
            n.kind,
            ExprKind::Number(_) | ExprKind::Neg(_) | ExprKind::Binary(..) | ExprKind::Call(..)
        )
    })
}

/// Two sides that must agree (terms of a sum, sides of an equation).
pub fn agree(
    (a_expr, a): (&Expr, Dim),
    (b_expr, b): (&Expr, Dim),
    a_span: Span,
    b_span: Span,
    verb: &str,
    diags: &mut Diagnostics,
) -> Result<Dim, Reported> {
    let a = if is_literal(a_expr) { None } else { a };
    let b = if is_literal(b_expr) { None } else { b };
    match (a, b) {
        (Some(x), Some(y)) if x != y => {
            diags.push(
                Diagnostic::new(
                    Code::DimensionMismatch,
                    b_span,
                    format!("quantities in {x} and {y} cannot be {verb}"),
                    format!("this is in {y}"),
                )
                .with_label(a_span, format!("this is in {x}")),
            );
            Err(Reported)
        }
        (Some(x), _) | (_, Some(x)) => Ok(Some(x)),
        _ => Ok(None),
    }
}

fn power(
    base: Dim,
    exponent: Dim,
    e: &Expr,
    scope: &ModelScope,
    diags: &mut Diagnostics,
) -> Result<Dim, Reported> {
    if let Some(d) = exponent.filter(|d| !d.is_dimensionless()) {
        diags.push(Diagnostic::new(
            Code::DimensionedFunctionArgument,
            e.span,
            format!("an exponent must be dimensionless; this one is in {d}"),
            format!("in {d}"),
        ));
        return Err(Reported);
    }
    let Some(b) = base else { return Ok(None) };
    if b.is_dimensionless() {
        return Ok(Some(b));
    }
    let constant = !e.any(&|n| {
        matches!(
            n.kind,
            ExprKind::Var(_)
                | ExprKind::Param(_)
                | ExprKind::Field(_)
                | ExprKind::Net(_)
                | ExprKind::Derivative { .. }
        )
    });
    let p = evaluate_constant(e, &scope.constants);
    if !constant || !p.is_finite() {
        diags.push(
            Diagnostic::new(
                Code::DimensionedExponent,
                e.span,
                format!("a quantity in {b} can only be raised to a constant power"),
                "this exponent varies",
            )
            .with_help("the dimension of the result would change from point to point"),
        );
        return Err(Reported);
    }
    match b.pow(p) {
        Some(d) => Ok(Some(d)),
        None => {
            diags.push(Diagnostic::new(
                Code::DimensionedExponent,
                e.span,
                format!("{b} to the power {p} has no representable dimension"),
                "unsupported power",
            ));
            Err(Reported)
        }
    }
}
