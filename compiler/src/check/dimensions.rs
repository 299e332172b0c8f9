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
    infer_term(e, scope, diags).map(|t| t.dim)
}

/// What [`infer_term`] finds out about an expression: its dimension, and whether it is
/// made of numbers only. The second is found on the way up rather than by a walk over
/// each operand, which would make a long sum quadratic.
#[derive(Clone, Copy)]
struct Term {
    dim: Dim,
    literal: bool,
}

fn infer_term(e: &Expr, scope: &ModelScope, diags: &mut Diagnostics) -> Result<Term, Reported> {
    let known = |dim: Dim| {
        Ok(Term {
            dim,
            literal: false,
        })
    };
    match &e.kind {
        ExprKind::Number(_) => Ok(Term {
            dim: Some(Dimension::NONE),
            literal: true,
        }),
        ExprKind::Var(v) => known(scope.variables.get(*v).and_then(|v| v.dim)),
        ExprKind::Const(c) => known(scope.constants.get(*c).and_then(|c| c.dim)),
        ExprKind::Param(p) => known(scope.params.get(*p).and_then(|p| p.dim)),
        ExprKind::Field(r) => known(scope.fields.get(r.field).and_then(|f| f.dim)),
        ExprKind::Net(_) => known(None),
        ExprKind::Normal(_) => known(Some(Dimension::NONE)),
        ExprKind::Neg(a) => infer_term(a, scope, diags),
        ExprKind::Binary(op, a, b) => {
            let ta = infer_term(a, scope, diags)?;
            let tb = infer_term(b, scope, diags)?;
            let (da, db) = (ta.dim, tb.dim);
            let dim = match op {
                BinOp::Add | BinOp::Sub => agree_terms(ta, tb, a.span, b.span, "added", diags),
                BinOp::Mul => Ok(da.zip(db).map(|(x, y)| x * y)),
                BinOp::Div => Ok(da.zip(db).map(|(x, y)| x / y)),
                BinOp::Pow => power(da, db, b, scope, diags),
            }?;
            Ok(Term {
                dim,
                literal: ta.literal && tb.literal,
            })
        }
        ExprKind::Call(f, args) => {
            let terms = args
                .iter()
                .map(|a| infer_term(a, scope, diags))
                .collect::<Result<Vec<_>, _>>()?;
            let literal = terms.iter().all(|t| t.literal);
            let dims: Vec<Dim> = terms.iter().map(|t| t.dim).collect();
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
                return Ok(Term {
                    dim: Some(Dimension::NONE),
                    literal,
                });
            }
            let dim = match f {
                super::builtins::MathFn::Sqrt => Ok(dims[0].and_then(|d| d.pow(0.5))),
                super::builtins::MathFn::Sign => Ok(Some(Dimension::NONE)),
                super::builtins::MathFn::Abs => Ok(dims[0]),
                super::builtins::MathFn::Fma => {
                    // a·b + c: the product and the addend must agree.
                    let product = Term {
                        dim: dims[0].zip(dims[1]).map(|(a, b)| a * b),
                        literal: terms[0].literal,
                    };
                    agree_terms(
                        product,
                        terms[2],
                        args[0].span,
                        args[2].span,
                        "added",
                        diags,
                    )
                }
                _ => agree_terms(
                    terms[0],
                    terms[1],
                    args[0].span,
                    args[1].span,
                    "compared",
                    diags,
                ),
            }?;
            Ok(Term { dim, literal })
        }
        ExprKind::Derivative { expr, wrt } => {
            let mut d = infer_term(expr, scope, diags)?.dim;
            for v in wrt {
                let dv = scope.variables.get(*v).and_then(|v| v.dim);
                d = d.zip(dv).map(|(a, b)| a / b);
            }
            known(d)
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
    let a = Term {
        dim: a,
        literal: is_literal(a_expr),
    };
    let b = Term {
        dim: b,
        literal: is_literal(b_expr),
    };
    agree_terms(a, b, a_span, b_span, verb, diags)
}

fn agree_terms(
    a: Term,
    b: Term,
    a_span: Span,
    b_span: Span,
    verb: &str,
    diags: &mut Diagnostics,
) -> Result<Dim, Reported> {
    let a = if a.literal { None } else { a.dim };
    let b = if b.literal { None } else { b.dim };
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
                | ExprKind::Normal(_)
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
