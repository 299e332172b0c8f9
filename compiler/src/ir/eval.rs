//! The reference interpreter: evaluates an expression DAG in f64, node by node. It is the
//! oracle every simplification and every code generator is tested against, so it is written
//! for obviousness, not speed. `eval_columns` runs the same operations over whole columns
//! of points, for one-shot evaluations too small to repay compiling a kernel.

use super::lang::Math;
use crate::check::builtins::{erf, MathFn};
use egg::{Id, Language, RecExpr, Symbol};
use std::borrow::Cow;

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

/// Evaluate `roots` on `n` points, node by node over whole columns. `input` gives the column
/// of each symbol (of length `n`), or `None` for an unknown symbol (its value is NaN).
pub fn eval_columns<'a>(
    expr: &RecExpr<Math>,
    roots: &[Id],
    n: usize,
    input: &mut impl FnMut(Symbol) -> Option<&'a [f64]>,
) -> Vec<Vec<f64>> {
    let mut columns: Vec<Option<Cow<'a, [f64]>>> = vec![None; expr.len()];
    let constant = |c: f64| Cow::Owned(vec![c; n]);
    for id in super::lang::reachable(expr, roots) {
        let column: Cow<[f64]> = match &expr[id] {
            // Numbers become columns only where an operation needs one (below).
            Math::Num(_) => continue,
            Math::Symbol(s) => match input(*s) {
                Some(col) => Cow::Borrowed(&col[..n]),
                None => constant(f64::NAN),
            },
            op => match integer_power(expr, op) {
                Some(k) => {
                    let base = operand(expr, &mut columns, op.children()[0], n);
                    Cow::Owned(base.iter().map(|&v| power(v, k)).collect())
                }
                None => {
                    for &c in op.children() {
                        operand(expr, &mut columns, c, n);
                    }
                    let args: Vec<&[f64]> = op
                        .children()
                        .iter()
                        .map(|&c| columns[usize::from(c)].as_deref().unwrap_or(&[]))
                        .collect();
                    Cow::Owned(apply_columns(op, &args, n))
                }
            },
        };
        columns[usize::from(id)] = Some(column);
    }
    // Each root's column moves out at its last occurrence among the roots.
    (0..roots.len())
        .map(|k| {
            let i = usize::from(roots[k]);
            if let Some(c) = expr[roots[k]].number() {
                vec![c; n]
            } else if roots[k + 1..].contains(&roots[k]) {
                columns[i].as_deref().unwrap_or(&[]).to_vec()
            } else {
                columns[i].take().map(Cow::into_owned).unwrap_or_default()
            }
        })
        .collect()
}

/// The column of `id`, made from its number if it is one.
fn operand<'b, 'a>(
    expr: &RecExpr<Math>,
    columns: &'b mut [Option<Cow<'a, [f64]>>],
    id: Id,
    n: usize,
) -> &'b [f64] {
    let slot = &mut columns[usize::from(id)];
    if slot.is_none() {
        let value = expr[id].number().unwrap_or(f64::NAN);
        *slot = Some(Cow::Owned(vec![value; n]));
    }
    slot.as_deref().unwrap_or(&[])
}

/// The exponent of `a^k` for a small integer constant `k` (library monomials): repeated
/// multiplication, as the kernels compile it, instead of a general `pow`.
fn integer_power(expr: &RecExpr<Math>, op: &Math) -> Option<i32> {
    let Math::Pow([_, k]) = op else { return None };
    expr[*k].number().and_then(Math::squaring_exponent)
}

/// x^k by repeated squaring, the multiplications the kernels compile (`powi` is a call).
fn power(x: f64, k: i32) -> f64 {
    let (mut result, mut base, mut e) = (1.0, x, k.unsigned_abs());
    while e > 0 {
        if e & 1 == 1 {
            result *= base;
        }
        base *= base;
        e >>= 1;
    }
    if k < 0 {
        1.0 / result
    } else {
        result
    }
}

/// One operation over columns: arithmetic in tight loops, everything else through `apply`.
fn apply_columns(op: &Math, args: &[&[f64]], n: usize) -> Vec<f64> {
    let zip2 = |f: fn(f64, f64) -> f64| -> Vec<f64> {
        args[0]
            .iter()
            .zip(args[1])
            .map(|(&a, &b)| f(a, b))
            .collect()
    };
    match op {
        Math::Add(_) => zip2(|a, b| a + b),
        Math::Sub(_) => zip2(|a, b| a - b),
        Math::Mul(_) => zip2(|a, b| a * b),
        Math::Div(_) => zip2(|a, b| a / b),
        Math::Neg(_) => args[0].iter().map(|a| -a).collect(),
        _ => {
            let mut point = vec![0.0; args.len()];
            (0..n)
                .map(|i| {
                    for (p, a) in point.iter_mut().zip(args) {
                        *p = a[i];
                    }
                    apply(op, &point).unwrap_or(f64::NAN)
                })
                .collect()
        }
    }
}
