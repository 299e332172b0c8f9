//! The reference interpreter: evaluates an expression DAG in f64, node by node. It is the
//! oracle every simplification and every code generator is tested against, so it is written
//! for obviousness, not speed.

use super::lang::Math;
use crate::check::builtins::{erf, MathFn};
use egg::{Id, Language, RecExpr, Symbol};

/// Apply one operation to argument values (the value of its children, in order). `None` for
/// leaves.
pub fn apply(node: &Math, a: &[f64]) -> Option<f64> {
    let unary = |f: MathFn| Some(f.eval(a));
    match node {
        Math::Add(_) => Some(a[0] + a[1]),
        Math::Sub(_) => Some(a[0] - a[1]),
        Math::Mul(_) => Some(a[0] * a[1]),
        Math::Div(_) => Some(a[0] / a[1]),
        Math::Pow(_) => Some(a[0].powf(a[1])),
        Math::Neg(_) => Some(-a[0]),
        Math::Sqrt(_) => Some(a[0].sqrt()),
        Math::Exp(_) => Some(a[0].exp()),
        Math::Log(_) => Some(a[0].ln()),
        Math::Sin(_) => Some(a[0].sin()),
        Math::Cos(_) => Some(a[0].cos()),
        Math::Tan(_) => Some(a[0].tan()),
        Math::Asin(_) => Some(a[0].asin()),
        Math::Acos(_) => Some(a[0].acos()),
        Math::Atan(_) => Some(a[0].atan()),
        Math::Sinh(_) => Some(a[0].sinh()),
        Math::Cosh(_) => Some(a[0].cosh()),
        Math::Tanh(_) => Some(a[0].tanh()),
        Math::Abs(_) => Some(a[0].abs()),
        Math::Sign(_) => unary(MathFn::Sign),
        Math::Sigmoid(_) => unary(MathFn::Sigmoid),
        Math::Softplus(_) => unary(MathFn::Softplus),
        Math::Erf(_) => Some(erf(a[0])),
        Math::Min(_) => Some(MathFn::Min.eval(a)),
        Math::Max(_) => Some(MathFn::Max.eval(a)),
        Math::Fma(_) => Some(a[0].mul_add(a[1], a[2])),
        Math::Num(_) | Math::Symbol(_) => None,
    }
}

/// Evaluate every node; `lookup` gives the value of each symbol. Returns one value per node,
/// indexable by `Id`.
pub fn eval_all(expr: &RecExpr<Math>, lookup: &mut impl FnMut(Symbol) -> f64) -> Vec<f64> {
    let mut values: Vec<f64> = Vec::with_capacity(expr.len());
    let mut args: Vec<f64> = Vec::with_capacity(3);
    for node in expr.as_ref() {
        let v = match node {
            Math::Num(c) => c.into_inner(),
            Math::Symbol(s) => lookup(*s),
            op => {
                args.clear();
                args.extend(op.children().iter().map(|&c| values[usize::from(c)]));
                apply(op, &args).unwrap_or(f64::NAN)
            }
        };
        values.push(v);
    }
    values
}

/// Evaluate one root.
pub fn eval(expr: &RecExpr<Math>, root: Id, lookup: &mut impl FnMut(Symbol) -> f64) -> f64 {
    eval_all(expr, lookup)[usize::from(root)]
}
