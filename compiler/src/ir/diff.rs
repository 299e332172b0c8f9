//! Symbolic differentiation on the IR. Two flavours share one implementation:
//! - by a coordinate (`x`, `t`): fields depend on coordinates, so the derivative of the jet
//!   `u_x` by `t` is the jet `u_xt`, never 0;
//! - by a symbol (a jet variable or a parameter), every other symbol held fixed: the
//!   sensitivities ∂r/∂u_xx a reverse pass needs, and Jacobians of ODE right-hand sides.
//!
//! Results are built through the hash-consing [`Builder`], so shared sub-terms stay shared.

use super::lang::{Builder, Math};
use egg::{Id, Language, Symbol};
use std::collections::HashMap;

/// What the derivative of a leaf symbol is.
pub enum Leaf {
    Zero,
    One,
    /// Another symbol (the next jet).
    Symbol(Symbol),
}

/// d(root)/dv where `leaf` says what each symbol's derivative is.
pub fn differentiate(b: &mut Builder, root: Id, leaf: &impl Fn(Symbol) -> Leaf) -> Id {
    let mut memo: HashMap<Id, Id> = HashMap::new();
    derivative(b, root, leaf, &mut memo)
}

fn derivative(
    b: &mut Builder,
    id: Id,
    leaf: &impl Fn(Symbol) -> Leaf,
    memo: &mut HashMap<Id, Id>,
) -> Id {
    if let Some(&d) = memo.get(&id) {
        return d;
    }
    let node = b.node(id).clone();
    let mut d = |b: &mut Builder, child: Id| derivative(b, child, leaf, memo);
    let result = match node {
        Math::Num(_) => b.num(0.0),
        Math::Symbol(s) => match leaf(s) {
            Leaf::Zero => b.num(0.0),
            Leaf::One => b.num(1.0),
            Leaf::Symbol(next) => b.sym(next),
        },
        Math::Add([x, y]) => {
            let (dx, dy) = (d(b, x), d(b, y));
            b.sum(dx, dy)
        }
        Math::Sub([x, y]) => {
            let (dx, dy) = (d(b, x), d(b, y));
            b.difference(dx, dy)
        }
        Math::Neg(x) => {
            let dx = d(b, x);
            b.neg(dx)
        }
        Math::Mul([x, y]) => {
            let (dx, dy) = (d(b, x), d(b, y));
            let l = b.product(dx, y);
            let r = b.product(x, dy);
            b.sum(l, r)
        }
        Math::Div([x, y]) => {
            // (x/y)' = x'/y - x*y'/y^2
            let (dx, dy) = (d(b, x), d(b, y));
            let first = b.quotient(dx, y);
            let two = b.num(2.0);
            let y2 = b.power(y, two);
            let xdy = b.product(x, dy);
            let second = b.quotient(xdy, y2);
            b.difference(first, second)
        }
        Math::Pow([x, y]) => {
            let dx = d(b, x);
            let dy = d(b, y);
            match b.value(y) {
                Some(n) => {
                    // (x^n)' = n * x^(n-1) * x'
                    let n_id = b.num(n);
                    let n1 = b.num(n - 1.0);
                    let p = b.power(x, n1);
                    let np = b.product(n_id, p);
                    b.product(np, dx)
                }
                None => {
                    // (x^y)' = x^y * (y' * log(x) + y * x' / x)
                    let logx = b.call(Math::Log(x));
                    let a = b.product(dy, logx);
                    let ydx = b.product(y, dx);
                    let c = b.quotient(ydx, x);
                    let inner = b.sum(a, c);
                    b.product(id, inner)
                }
            }
        }
        Math::Fma([x, y, z]) => {
            let (dx, dy, dz) = (d(b, x), d(b, y), d(b, z));
            let l = b.product(dx, y);
            let r = b.product(x, dy);
            let s = b.sum(l, r);
            b.sum(s, dz)
        }
        Math::Min([x, y]) | Math::Max([x, y]) => {
            // min(x, y)' = (x' + y')/2 + sign(y - x) (x' - y')/2, and max with the sign flipped.
            let (dx, dy) = (d(b, x), d(b, y));
            let is_min = matches!(b.node(id), Math::Min(_));
            let half = b.num(0.5);
            let s = b.sum(dx, dy);
            let mean = b.product(half, s);
            let gap = if is_min {
                b.difference(y, x)
            } else {
                b.difference(x, y)
            };
            let sign = b.call(Math::Sign(gap));
            let diff = b.difference(dx, dy);
            let hd = b.product(half, diff);
            let t = b.product(sign, hd);
            b.sum(mean, t)
        }
        unary => {
            let x = unary.children()[0];
            let dx = d(b, x);
            if b.value(dx) == Some(0.0) {
                b.num(0.0)
            } else {
                let outer = unary_derivative(b, &unary, id, x);
                b.product(outer, dx)
            }
        }
    };
    memo.insert(id, result);
    result
}

/// f'(x) for a unary function node `f(x)` whose own id is `fx`.
fn unary_derivative(b: &mut Builder, f: &Math, fx: Id, x: Id) -> Id {
    let one = b.num(1.0);
    let two = b.num(2.0);
    match f {
        Math::Sqrt(_) => {
            let t = b.product(two, fx);
            b.quotient(one, t)
        }
        Math::Exp(_) => fx,
        Math::Log(_) => b.quotient(one, x),
        Math::Sin(_) => b.call(Math::Cos(x)),
        Math::Cos(_) => {
            let s = b.call(Math::Sin(x));
            b.neg(s)
        }
        Math::Tan(_) => {
            let t2 = b.power(fx, two);
            b.sum(one, t2)
        }
        Math::Asin(_) | Math::Acos(_) => {
            let x2 = b.power(x, two);
            let r = b.difference(one, x2);
            let s = b.call(Math::Sqrt(r));
            let q = b.quotient(one, s);
            if matches!(f, Math::Acos(_)) {
                b.neg(q)
            } else {
                q
            }
        }
        Math::Atan(_) => {
            let x2 = b.power(x, two);
            let den = b.sum(one, x2);
            b.quotient(one, den)
        }
        Math::Sinh(_) => b.call(Math::Cosh(x)),
        Math::Cosh(_) => b.call(Math::Sinh(x)),
        Math::Tanh(_) => {
            let t2 = b.power(fx, two);
            b.difference(one, t2)
        }
        Math::Abs(_) => b.call(Math::Sign(x)),
        Math::Sign(_) => b.num(0.0),
        Math::Sigmoid(_) => {
            let c = b.difference(one, fx);
            b.product(fx, c)
        }
        Math::Softplus(_) => b.call(Math::Sigmoid(x)),
        Math::Erf(_) => {
            let k = b.num(std::f64::consts::FRAC_2_SQRT_PI);
            let x2 = b.power(x, two);
            let m = b.neg(x2);
            let e = b.call(Math::Exp(m));
            b.product(k, e)
        }
        other => unreachable!("not a unary function: {other:?}"),
    }
}
