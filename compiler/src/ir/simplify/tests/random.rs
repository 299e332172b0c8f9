//! Random DAGs over `x`, `y`, `z` built from the shapes the rules know, judged against the
//! originals with rounding-error bounds (so cancellation in either form is allowed), and
//! runs on deep, doubling and explosive inputs and under tiny limits that must still be
//! right and bounded.

use super::{parse, values, SYMBOLS};
use crate::ir::eval;
use crate::ir::lang::{dag_cost, op_count, reachable, Builder, Math};
use crate::ir::simplify::{simplify, Limits, Simplified};
use egg::{Id, Language, RecExpr, Symbol};
use ordered_float::NotNan;
use std::time::Duration;

/// SplitMix64: small and seeded, enough to make test inputs.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const CONSTANTS: [f64; 9] = [0.0, 1.0, -1.0, 2.0, 3.0, 0.5, -2.0, 1.5, -0.25];
const EXPONENTS: [f64; 8] = [2.0, 3.0, -1.0, 0.5, -2.0, 1.5, 4.0, -0.5];

/// Shapes the rules know, with `A` and `B` standing for random sub-terms.
const TEMPLATES: [&str; 58] = [
    "(+ (^ (sin A) 2) (^ (cos A) 2))",
    "(- 1 (^ (tanh A) 2))",
    "(* (sigmoid A) (- 1 (sigmoid A)))",
    "(+ (* A B) (* A x))",
    "(+ (* 2 A) (* 3 A))",
    "(* (exp A) (exp B))",
    "(/ (exp A) (exp B))",
    "(log (exp A))",
    "(exp (log A))",
    "(* (sqrt A) (sqrt A))",
    "(sqrt (* A A))",
    "(/ A A)",
    "(- A A)",
    "(- (^ (+ A B) 2) (* (+ A B) (+ A B)))",
    "(sigmoid (neg A))",
    "(cos (neg A))",
    "(* (^ A 2) (^ A -1))",
    "(^ (^ A 2) 0.5)",
    "(^ (^ A -1) 3)",
    "(* (^ A 0.5) (^ A 1.5))",
    "(/ (sinh A) (cosh A))",
    "(/ 1 (+ 1 (exp (neg A))))",
    "(log (+ 1 (exp A)))",
    "(fma A B 1)",
    "(min A (neg A))",
    "(* (sign A) (abs A))",
    "(/ 1 (* (cosh A) (cosh A)))",
    "(abs (neg A))",
    "(- (* 2 (sigmoid (* 2 A))) 1)",
    "(* 2 (* (sin A) (cos A)))",
    "(/ 1 (/ 1 A))",
    "(^ (neg A) 2)",
    "(^ (neg A) 3)",
    "(max A (* B 0))",
    "(* A (^ A B))",
    "(^ (exp A) B)",
    "(/ 1 (/ A B))",
    "(sqrt (* 4 A))",
    "(+ (max A B) (min A B))",
    "(softplus (neg A))",
    "(- (exp A) (exp (neg A)))",
    "(- (* (cos A) (cos A)) (* (sin A) (sin A)))",
    "(sin (- 3.141592653589793 A))",
    "(cos (+ A 1.5707963267948966))",
    "(/ (* (exp A) B) (* (exp A) x))",
    "(+ (/ A B) (/ x B))",
    "(/ 1 (* (cos A) (cos A)))",
    "(/ (- (exp A) (exp (neg A))) (+ (exp A) (exp (neg A))))",
    "(^ (* A B) 3)",
    "(abs (* (exp A) (cosh B)))",
    "(/ (- (* A A) 1) (- A 1))",
    "(/ (- (^ A 4) (^ B 4)) (+ (^ A 2) (^ B 2)))",
    "(- (^ (+ A B) 2) (+ (* A A) (* B B)))",
    "(+ (/ 1 (+ A 1)) (/ 1 (- A 1)))",
    "(/ (* A B) (* A x))",
    "(* (tan A) (cos A))",
    "(exp (* 2 (log A)))",
    "(/ (/ A B) (/ x B))",
];

/// A random DAG over `x`, `y`, `z` with about `size` nodes and one to three roots.
pub(super) fn random_dag(rng: &mut Rng, size: usize) -> (RecExpr<Math>, Vec<Id>) {
    let mut b = Builder::new();
    let mut pool: Vec<Id> = SYMBOLS.iter().map(|s| b.sym(Symbol::from(*s))).collect();
    let num = |b: &mut Builder, v: f64| b.add(Math::Num(NotNan::new(v).unwrap()));
    while b.expr.len() < size {
        let operand = |b: &mut Builder, rng: &mut Rng| match rng.below(20) {
            0..=2 => num(b, rng.pick(&CONSTANTS)),
            3..=13 => pool[pool.len() - 1 - rng.below(pool.len().min(6))],
            _ => pool[rng.below(pool.len())],
        };
        let (a, c) = (operand(&mut b, rng), operand(&mut b, rng));
        let id = match rng.below(40) {
            0..=5 => b.add(Math::Add([a, c])),
            6..=9 => b.add(Math::Sub([a, c])),
            10..=15 => b.add(Math::Mul([a, c])),
            16..=17 => b.add(Math::Div([a, c])),
            18..=19 => b.add(Math::Neg(a)),
            20..=21 => {
                let n = num(&mut b, rng.pick(&EXPONENTS));
                b.add(Math::Pow([a, n]))
            }
            22 => b.add(Math::Pow([a, c])),
            23..=29 => {
                let unary = [
                    Math::Sqrt(a),
                    Math::Exp(a),
                    Math::Log(a),
                    Math::Sin(a),
                    Math::Cos(a),
                    Math::Tan(a),
                    Math::Asin(a),
                    Math::Acos(a),
                    Math::Atan(a),
                    Math::Sinh(a),
                    Math::Cosh(a),
                    Math::Tanh(a),
                    Math::Abs(a),
                    Math::Sign(a),
                    Math::Sigmoid(a),
                    Math::Softplus(a),
                    Math::Erf(a),
                    Math::Min([a, c]),
                    Math::Max([a, c]),
                    Math::Fma([a, c, a]),
                ];
                b.add(unary[rng.below(unary.len())].clone())
            }
            _ => {
                let template = parse(rng.pick(&TEMPLATES));
                let mut ids: Vec<Id> = Vec::new();
                for node in template.as_ref() {
                    let id = match node {
                        Math::Symbol(s) if s.as_str() == "A" => a,
                        Math::Symbol(s) if s.as_str() == "B" => c,
                        other => b.add(other.clone().map_children(|i| ids[usize::from(i)])),
                    };
                    ids.push(id);
                }
                *ids.last().unwrap()
            }
        };
        pool.push(id);
    }
    let mut roots = vec![*pool.last().unwrap()];
    for _ in 0..rng.below(3) {
        roots.push(pool[rng.below(pool.len())]);
    }
    (b.expr, roots)
}

/// How much an operation's result moves per unit of each argument at `a` (where its value
/// is `v`), in absolute value up to sign.
fn slopes(op: &Math, a: &[f64], v: f64) -> Vec<f64> {
    match op {
        Math::Add(_) | Math::Sub(_) | Math::Min(_) | Math::Max(_) => vec![1.0, 1.0],
        Math::Mul(_) => vec![a[1], a[0]],
        Math::Div(_) => vec![1.0 / a[1], a[0] / (a[1] * a[1])],
        Math::Pow(_) => vec![a[1] * a[0].powf(a[1] - 1.0), v * a[0].ln()],
        Math::Fma(_) => vec![a[1], a[0], 1.0],
        Math::Neg(_) | Math::Abs(_) => vec![1.0],
        Math::Sqrt(_) => vec![0.5 / v],
        Math::Exp(_) => vec![v],
        Math::Log(_) => vec![1.0 / a[0]],
        Math::Sin(_) => vec![a[0].cos()],
        Math::Cos(_) => vec![a[0].sin()],
        Math::Tan(_) => vec![1.0 + v * v],
        Math::Asin(_) | Math::Acos(_) => vec![1.0 / (1.0 - a[0] * a[0]).sqrt()],
        Math::Atan(_) => vec![1.0 / (1.0 + a[0] * a[0])],
        Math::Sinh(_) => vec![a[0].cosh()],
        Math::Cosh(_) => vec![a[0].sinh()],
        Math::Tanh(_) => vec![1.0 - v * v],
        Math::Sigmoid(_) => vec![v * (1.0 - v)],
        Math::Softplus(_) => vec![1.0 / (1.0 + (-a[0]).exp())],
        Math::Erf(_) => vec![std::f64::consts::FRAC_2_SQRT_PI * (-a[0] * a[0]).exp()],
        Math::Sign(_) | Math::Num(_) | Math::Symbol(_) => vec![0.0; a.len()],
    }
}

/// Each node's value and an estimate of its rounding error: every operation adds a
/// rounding of its result (four for transcendental functions) to the larger of its
/// inputs' errors times its slopes, and how far it moves when its inputs move by their
/// errors (every combination of signs: this catches `0 * 0` and `sqrt(0)`, where slopes
/// say nothing). Infinite where that cannot be trusted (a `sign` near 0, a domain edge
/// within the error).
fn with_errors(expr: &RecExpr<Math>, point: [f64; 3]) -> Vec<(f64, f64)> {
    let vals = values(expr, point);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(expr.len());
    for (node, &v) in expr.as_ref().iter().zip(&vals) {
        let e = match node {
            Math::Num(_) | Math::Symbol(_) => 0.0,
            Math::Sign(a) => {
                let (va, ea) = out[usize::from(*a)];
                if va.abs() <= 4.0 * ea {
                    f64::INFINITY
                } else {
                    0.0
                }
            }
            op => {
                let kids = op.children();
                let args: Vec<f64> = kids.iter().map(|&c| vals[usize::from(c)]).collect();
                let errs: Vec<f64> = kids.iter().map(|&c| out[usize::from(c)].1).collect();
                let mut first = 0.0;
                for (slope, &ec) in slopes(op, &args, v).into_iter().zip(&errs) {
                    if ec != 0.0 {
                        first += slope.abs() * ec;
                    }
                }
                let mut moved: f64 = 0.0;
                if errs.iter().any(|&ec| ec != 0.0) {
                    for signs in 0..1u32 << args.len() {
                        let probe: Vec<f64> = (0..args.len())
                            .map(|i| {
                                args[i]
                                    + if signs >> i & 1 == 1 {
                                        errs[i]
                                    } else {
                                        -errs[i]
                                    }
                            })
                            .collect();
                        let at = eval::apply(op, &probe).unwrap_or(f64::NAN);
                        moved = moved.max(if at.is_finite() {
                            (at - v).abs()
                        } else {
                            f64::INFINITY
                        });
                    }
                }
                let ulps = if op.weight() >= 16 { 4.0 } else { 1.0 };
                let e = first.max(moved) + ulps * f64::EPSILON * v.abs();
                if e.is_nan() {
                    f64::INFINITY
                } else {
                    e
                }
            }
        };
        out.push((v, e));
    }
    out
}

/// Every node under `root` is finite: the original is defined there.
fn defined(expr: &RecExpr<Math>, root: Id, vals: &[(f64, f64)]) -> bool {
    reachable(expr, &[root])
        .into_iter()
        .all(|id| vals[usize::from(id)].0.is_finite())
}

pub(super) fn show(expr: &RecExpr<Math>, roots: &[Id]) -> String {
    let shown: Vec<String> = roots
        .iter()
        .map(|&r| {
            let mut b = Builder::new();
            b.import(expr, r);
            b.expr.to_string()
        })
        .collect();
    shown.join("  ;  ")
}

/// Compare the simplified roots with the originals at `point`. Returns how many roots
/// could be judged (the original defined and its error bound finite).
fn judge(before: &RecExpr<Math>, roots: &[Id], out: &Simplified, point: [f64; 3]) -> usize {
    let (a, b) = (with_errors(before, point), with_errors(&out.expr, point));
    let mut judged = 0;
    for (&r, &s) in roots.iter().zip(&out.roots) {
        let ((va, ea), (vb, eb)) = (a[usize::from(r)], b[usize::from(s)]);
        // Skip points where the original is undefined, or so ill-conditioned that rounding
        // alone could give any answer.
        let scale = va.abs().max(1.0);
        let conditioned = ea <= 1e-6 * scale; // false for a NaN bound too
        if !defined(before, r, &a) || !conditioned {
            continue;
        }
        let context = || {
            format!(
                "at {point:?}: {va} (±{ea:e}) became {vb} (±{eb:e})\n  before: {}\n  after:  {}",
                show(before, roots),
                show(&out.expr, &out.roots)
            )
        };
        // Where the original is accurate, the result must be defined and about as accurate
        // (a rewrite that cancels catastrophically, like `softplus(-a) = softplus(a) - a`
        // for large `a`, fails here). An infinite bound is a slope at a singular point
        // (`sqrt` at 0): nothing to judge by.
        if !vb.is_finite() {
            // Defined only by rounding: an intermediate that is 0 in exact arithmetic
            // came out as noise (`t - t*t/t`), and the result meets the singularity the
            // original missed.
            let noise = reachable(before, &[r]).into_iter().any(|id| {
                let (v, e) = a[usize::from(id)];
                e > 0.0 && v.abs() <= e
            });
            assert!(noise, "undefined result {}", context());
            continue;
        }
        if !eb.is_finite() {
            continue;
        }
        assert!(
            eb <= (1e-6 * scale).max(100.0 * ea),
            "inaccurate result {}",
            context()
        );
        judged += 1;
        let tolerance = 1e-12 * scale + 16.0 * (ea + eb);
        assert!((va - vb).abs() <= tolerance, "wrong value {}", context());
    }
    judged
}

/// Thousands of random DAGs: values kept wherever the original is defined (up to
/// rounding, judged by an error bound so cancellation in either form is allowed), and
/// the weighted cost never grows.
#[test]
fn random_dags_keep_their_values_and_never_cost_more() {
    let mut rng = Rng(0x00C0_FFEE);
    let (mut judged, mut compared) = (0, 0);
    for _ in 0..2000 {
        let size = 5 + rng.below(40);
        let (expr, roots) = random_dag(&mut rng, size);
        let out = simplify(&expr, &roots, &Limits::default());
        assert!(
            dag_cost(&out.expr, &out.roots) <= dag_cost(&expr, &roots),
            "costlier: {}",
            show(&expr, &roots)
        );
        for _ in 0..6 {
            let point = [0; 3].map(|_| rng.uniform(-2.0, 2.0));
            judged += judge(&expr, &roots, &out, point);
            compared += roots.len();
        }
    }
    assert!(
        judged * 2 > compared,
        "only {judged} of {compared} comparisons could be judged"
    );
}

fn random_points(seed: u64) -> impl Iterator<Item = [f64; 3]> {
    let mut rng = Rng(seed);
    (0..20).map(move |_| [0; 3].map(|_| rng.uniform(-2.0, 2.0)))
}

/// Simplify within `limits`, and check the result at random points. Returns it with how
/// many comparisons could be judged.
fn bounded_and_right(expr: &RecExpr<Math>, roots: &[Id], limits: &Limits) -> (Simplified, usize) {
    let out = simplify(expr, roots, limits);
    assert!(out.iterations <= limits.iterations);
    assert!(
        ["saturated", "iteration limit", "node limit", "time limit"].contains(&out.stop.as_str())
    );
    assert!(dag_cost(&out.expr, &out.roots) <= dag_cost(expr, roots));
    let judged = random_points(7).map(|p| judge(expr, roots, &out, p)).sum();
    (out, judged)
}

fn assert_bounded_and_right(expr: &RecExpr<Math>, roots: &[Id], limits: &Limits) -> Simplified {
    let (out, judged) = bounded_and_right(expr, roots, limits);
    assert!(judged > 0, "never defined: {}", show(expr, roots));
    out
}

/// `((sin(x y + 1) - z/2) y + 1) ...` to `depth`, nothing shared.
pub(super) fn chain(depth: usize) -> (RecExpr<Math>, Vec<Id>) {
    let mut b = Builder::new();
    let (x, y, z) = (b.sym("x".into()), b.sym("y".into()), b.sym("z".into()));
    let (one, half) = (b.num(1.0), b.num(0.5));
    let mut e = x;
    for i in 0..depth {
        e = match i % 4 {
            0 => b.add(Math::Mul([e, y])),
            1 => b.add(Math::Add([e, one])),
            2 => b.add(Math::Sin(e)),
            _ => {
                let hz = b.add(Math::Mul([half, z]));
                b.add(Math::Sub([e, hz]))
            }
        };
    }
    (b.expr, vec![e])
}

/// `x + 1 + 1 + ...`, `depth` times.
pub(super) fn count_up(depth: usize) -> (RecExpr<Math>, Vec<Id>) {
    let mut b = Builder::new();
    let (x, one) = (b.sym("x".into()), b.num(1.0));
    let mut e = x;
    for _ in 0..depth {
        e = b.add(Math::Add([e, one]));
    }
    (b.expr, vec![e])
}

/// `e' = sin(e) + e/2`, `depth` times: every level uses the one below twice, so tree
/// costs double with each level.
pub(super) fn doubling(depth: usize) -> (RecExpr<Math>, Vec<Id>) {
    let mut b = Builder::new();
    let (x, half) = (b.sym("x".into()), b.num(0.5));
    let mut e = x;
    for _ in 0..depth {
        let s = b.add(Math::Sin(e));
        let h = b.add(Math::Mul([e, half]));
        e = b.add(Math::Add([s, h]));
    }
    (b.expr, vec![e])
}

/// A sum of `n` products of sums (every third times `x`): distributing and reassociating
/// this explodes.
pub(super) fn sum_of_products(n: u32) -> (RecExpr<Math>, Vec<Id>) {
    let mut b = Builder::new();
    let (x, y, z) = (b.sym("x".into()), b.sym("y".into()), b.sym("z".into()));
    let mut total = b.num(0.0);
    for i in 0..n {
        let c = b.num(f64::from(i % 7) - 3.0);
        let d = b.num(f64::from(i % 5) + 0.5);
        let xc = b.add(Math::Add([x, c]));
        let zd = b.add(Math::Mul([z, d]));
        let yzd = b.add(Math::Add([y, zd]));
        let p = b.add(Math::Mul([xc, yzd]));
        let term = if i % 3 == 0 {
            b.add(Math::Mul([p, x]))
        } else {
            p
        };
        total = b.add(Math::Add([total, term]));
    }
    (b.expr, vec![total])
}

#[test]
fn deep_chains_stay_bounded() {
    let (expr, roots) = chain(200);
    assert_bounded_and_right(&expr, &roots, &Limits::default());
    // What is asserted is how far the rules get, so the bound is iterations, not the
    // wall clock: on a loaded machine the default 50 ms stops rewriting early.
    let by_iterations = Limits {
        time: std::time::Duration::from_secs(60),
        ..Limits::default()
    };
    let (expr, roots) = count_up(200);
    let out = assert_bounded_and_right(&expr, &roots, &by_iterations);
    assert!(op_count(&out.expr, &out.roots) < 200);
    // Tree costs overflow at this depth; greedy DAG extraction (or the input) remains.
    let (expr, roots) = doubling(1500);
    assert_bounded_and_right(&expr, &roots, &Limits::default());
}

#[test]
fn explosive_sums_of_products_stay_bounded() {
    let (expr, roots) = sum_of_products(40);
    let out = assert_bounded_and_right(&expr, &roots, &Limits::default());
    assert_ne!(out.stop, "saturated");
}

#[test]
fn tiny_limits_still_give_a_right_answer() {
    let mut rng = Rng(99);
    for limits in [
        Limits {
            iterations: 1,
            ..Limits::default()
        },
        Limits {
            nodes: 1,
            ..Limits::default()
        },
        Limits {
            time: Duration::ZERO,
            ..Limits::default()
        },
    ] {
        for _ in 0..50 {
            let (expr, roots) = random_dag(&mut rng, 30);
            bounded_and_right(&expr, &roots, &limits);
        }
    }
}
