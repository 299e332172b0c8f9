//! Compiled kernels against the reference interpreter: every example's residual and
//! sensitivity kernel and thousands of random expressions, in f64 and f32, including NaN and
//! infinity propagation, at point counts that leave a remainder after the whole vectors;
//! and the vector loop against the scalar loop, bit for bit.

use egg::{Id, RecExpr, Symbol};
use physc_compiler::codegen::{compile, kernels::KernelPlan};
use physc_compiler::driver;
use physc_compiler::ir::{self, eval, lang::Builder, lang::SymbolKind, lang::Symbols, Math};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Largest magnitude among all intermediate values: the scale that rounding errors are
/// relative to ("away from cancellation" means relative to this).
fn magnitude(values: &[f64]) -> f64 {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(1e-300f64, |m, v| m.max(v.abs()))
}

/// f32 kernels agree with the f64 interpreter (given the same f32-rounded inputs) to this
/// relative error, times the condition of the expression at the point; ill-conditioned
/// points (condition ≥ 1000) are not compared.
const F32_TOLERANCE: f64 = 2e-5;

fn agree(interp: f64, compiled: f64, scale: f64, tolerance: f64) -> bool {
    if interp.is_nan() {
        return compiled.is_nan();
    }
    if interp.is_infinite() {
        return compiled == interp;
    }
    (interp - compiled).abs() <= tolerance * scale.max(interp.abs())
}

/// Evaluate `plan` with the interpreter and the compiled kernel (f64 and f32) at `points`
/// random points drawn by `draw`, and compare.
fn check_plan(
    plan: &KernelPlan,
    points: usize,
    rng: &mut Rng,
    draw: &mut impl FnMut(&mut Rng) -> f64,
) {
    let (k64, _) = compile::<f64>(&plan.spec()).expect("compiles in f64");
    let (k32, _) = compile::<f32>(&plan.spec()).expect("compiles in f32");
    let params: Vec<f64> = plan
        .param_values
        .iter()
        .map(|v| v.unwrap_or(0.37))
        .collect();
    let columns: Vec<Vec<f64>> = plan
        .inputs
        .iter()
        .map(|_| (0..points).map(|_| draw(rng)).collect())
        .collect();
    let views: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let mut out64 = vec![vec![0.0f64; points]; plan.outputs.len()];
    let mut outs: Vec<&mut [f64]> = out64.iter_mut().map(Vec::as_mut_slice).collect();
    k64.run_parallel(&views, &mut outs, &params).expect("runs");
    let columns32: Vec<Vec<f32>> = columns
        .iter()
        .map(|c| c.iter().map(|&v| v as f32).collect())
        .collect();
    let views32: Vec<&[f32]> = columns32.iter().map(Vec::as_slice).collect();
    let params32: Vec<f32> = params.iter().map(|&p| p as f32).collect();
    let mut out32 = vec![vec![0.0f32; points]; plan.outputs.len()];
    let mut outs32: Vec<&mut [f32]> = out32.iter_mut().map(Vec::as_mut_slice).collect();
    k32.run(&views32, &mut outs32, &params32).expect("runs");
    for i in 0..points {
        let mut lookup = |s: Symbol| {
            if let Some(k) = plan.inputs.iter().position(|x| *x == s) {
                columns[k][i]
            } else {
                // Nodes no output reaches are evaluated too; their value does not matter.
                plan.params
                    .iter()
                    .position(|x| *x == s)
                    .map_or(f64::NAN, |j| params[j])
            }
        };
        let values = eval::eval_all(&plan.expr, &mut lookup);
        let scale = magnitude(&values);
        let mut lookup32 = |s: Symbol| lookup(s) as f32 as f64;
        let values32 = eval::eval_all(&plan.expr, &mut lookup32);
        let scale32 = magnitude(&values32);
        // How much a relative nudge of 1e-6 to every input moves each value: f32 rounding
        // (6e-8 per operation) is amplified by the same factor.
        let mut nudged = |s: Symbol| lookup(s) as f32 as f64 * (1.0 + 1e-6);
        let values_nudged = eval::eval_all(&plan.expr, &mut nudged);
        for (k, (name, root)) in plan.outputs.iter().enumerate() {
            let want = values[usize::from(*root)];
            let got = out64[k][i];
            assert!(
                agree(want, got, scale, 1e-12),
                "f64 `{name}` at point {i}: interpreter {want:e}, kernel {got:e}\n{:?}",
                plan.expr
            );
            let want32 = values32[usize::from(*root)];
            let got32 = out32[k][i] as f64;
            let shift = (values_nudged[usize::from(*root)] - want32).abs() / (1e-6 * scale32);
            let condition = if shift.is_finite() {
                shift.max(1.0)
            } else {
                f64::INFINITY
            };
            if want32.is_finite() && want32.abs() < 1e30 && scale32 < 1e30 && condition < 1e3 {
                assert!(
                    agree(want32, got32, scale32, F32_TOLERANCE * condition),
                    "f32 `{name}` at point {i}: interpreter {want32:e}, kernel {got32:e}"
                );
            }
        }
    }
}

#[test]
fn every_example_kernel_matches_the_interpreter() {
    let mut rng = Rng(0x5eed);
    insta::glob!("../examples", "*.phys", |path| {
        let compilation = driver::compile_file(path);
        assert!(!compilation.has_errors());
        for model in compilation.program.models.iter().filter(|m| m.local) {
            let simplified = ir::pipeline::simplify_model(model, &Default::default());
            let plan = KernelPlan::residuals(&simplified);
            check_plan(&plan, 501, &mut rng, &mut |r| r.uniform(-2.0, 2.0));
        }
    });
}

/// A random expression over symbols a, b, c and parameter p.
fn random_expr(rng: &mut Rng, size: usize) -> (RecExpr<Math>, Id, Symbols) {
    let mut symbols = Symbols::default();
    let names: Vec<Symbol> = ["a", "b", "c"]
        .iter()
        .map(|n| {
            symbols.intern(
                n,
                SymbolKind::Free(n.to_string()),
                n.to_string(),
                n.to_string(),
            )
        })
        .collect();
    let p = symbols.intern("p", SymbolKind::Param(0), "p".into(), "p".into());
    let mut b = Builder::new();
    let mut pool: Vec<Id> = names.iter().map(|&s| b.sym(s)).collect();
    pool.push(b.sym(p));
    for _ in 0..size {
        let pick = |rng: &mut Rng, pool: &Vec<Id>| pool[rng.below(pool.len() as u64) as usize];
        let (x, y) = (pick(rng, &pool), pick(rng, &pool));
        let node = match rng.below(26) {
            0..=3 => Math::Add([x, y]),
            4..=5 => Math::Sub([x, y]),
            6..=9 => Math::Mul([x, y]),
            10 => Math::Div([x, y]),
            11 => {
                let n = b.num((rng.below(7) as f64) - 3.0);
                Math::Pow([x, n])
            }
            12 => Math::Neg(x),
            13 => Math::Sin(x),
            14 => Math::Cos(x),
            15 => Math::Tanh(x),
            16 => Math::Exp(x),
            17 => Math::Log(x),
            18 => Math::Sqrt(x),
            19 => Math::Sigmoid(x),
            20 => Math::Min([x, y]),
            21 => Math::Max([x, y]),
            22 => Math::Abs(x),
            23 => Math::Sign(x),
            24 => Math::Fma([x, y, pick(rng, &pool)]),
            _ => {
                let c = b.num(rng.uniform(-3.0, 3.0));
                Math::Mul([c, x])
            }
        };
        let id = b.add(node);
        pool.push(id);
    }
    let root = *pool.last().expect("non-empty");
    (b.expr, root, symbols)
}

#[test]
fn random_expressions_match_the_interpreter() {
    let mut rng = Rng(42);
    for case in 0..400 {
        let size = 3 + (case % 25);
        let (expr, root, symbols) = random_expr(&mut rng, size);
        let plan = KernelPlan::new(&expr, vec![("out".into(), root)], &symbols);
        check_plan(&plan, 67, &mut rng, &mut |r| r.uniform(-3.0, 3.0));
    }
}

#[test]
fn nan_and_infinity_propagate_as_in_the_interpreter() {
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1.0,
        -1.0,
        1e308,
        -1e-310,
    ];
    let mut rng = Rng(7);
    for _ in 0..200 {
        let (expr, root, symbols) = random_expr(&mut rng, 8);
        let plan = KernelPlan::new(&expr, vec![("out".into(), root)], &symbols);
        check_plan(&plan, 33, &mut rng, &mut |r| {
            specials[r.below(specials.len() as u64) as usize]
        });
    }
}

/// Run `kernel` over all `points` at once (whole vectors, then the scalar remainder) and
/// over each point alone (the scalar loop only); the bits of every output must agree, but
/// for a NaN's sign and payload (which IEEE leaves open, and x86 sets differently for
/// scalar and vector instructions).
fn check_loops_agree<
    T: physc_compiler::codegen::JitReal + Default + PartialEq + std::fmt::Debug,
>(
    plan: &KernelPlan,
    columns: &[Vec<T>],
    params: &[T],
    bits: impl Fn(T) -> u64,
) {
    let (kernel, _) = compile::<T>(&plan.spec()).expect("compiles");
    let points = columns.first().map_or(0, Vec::len);
    let views: Vec<&[T]> = columns.iter().map(Vec::as_slice).collect();
    let mut all = vec![vec![T::default(); points]; plan.outputs.len()];
    let mut outs: Vec<&mut [T]> = all.iter_mut().map(Vec::as_mut_slice).collect();
    kernel.run(&views, &mut outs, params).expect("runs");
    for i in 0..points {
        let one: Vec<&[T]> = columns.iter().map(|c| &c[i..=i]).collect();
        let mut alone = vec![vec![T::default(); 1]; plan.outputs.len()];
        let mut outs: Vec<&mut [T]> = alone.iter_mut().map(Vec::as_mut_slice).collect();
        kernel.run(&one, &mut outs, params).expect("runs");
        for (k, (name, _)) in plan.outputs.iter().enumerate() {
            assert_eq!(
                bits(all[k][i]),
                bits(alone[k][0]),
                "`{name}` at point {i} of {points}: {:?} in the call over all points, {:?} alone\n{:?}",
                all[k][i],
                alone[k][0],
                plan.expr
            );
        }
    }
}

#[test]
fn vector_and_scalar_loops_agree_bit_for_bit() {
    // Signed zeros, NaN and infinities among ordinary values, so that min/max/sign/abs and
    // every call see them in every lane; lengths around the points per vector iteration
    // (2 × 2 in f64, 2 × 4 in f32).
    let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0];
    let mut rng = Rng(99);
    for case in 0..300 {
        let (expr, root, symbols) = random_expr(&mut rng, 4 + case % 20);
        let plan = KernelPlan::new(&expr, vec![("out".into(), root)], &symbols);
        let points = [1, 2, 3, 4, 5, 7, 9, 13, 17, 35][case % 10];
        let columns: Vec<Vec<f64>> = plan
            .inputs
            .iter()
            .map(|_| {
                (0..points)
                    .map(|_| match rng.below(4) {
                        0 => specials[rng.below(specials.len() as u64) as usize],
                        _ => rng.uniform(-3.0, 3.0),
                    })
                    .collect()
            })
            .collect();
        let params: Vec<f64> = plan.params.iter().map(|_| rng.uniform(-2.0, 2.0)).collect();
        let nan = f64::NAN.to_bits();
        check_loops_agree(&plan, &columns, &params, |v| {
            if v.is_nan() {
                nan
            } else {
                v.to_bits()
            }
        });
        let columns32: Vec<Vec<f32>> = columns
            .iter()
            .map(|c| c.iter().map(|&v| v as f32).collect())
            .collect();
        let params32: Vec<f32> = params.iter().map(|&p| p as f32).collect();
        check_loops_agree(&plan, &columns32, &params32, |v| {
            if v.is_nan() {
                nan
            } else {
                u64::from(v.to_bits())
            }
        });
    }
}

#[test]
fn kernels_are_cached_per_plan() {
    let compilation = driver::compile_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/burgers.phys"
    )));
    let simplified =
        ir::pipeline::simplify_model(&compilation.program.models[0], &Default::default());
    let plan = KernelPlan::residuals(&simplified);
    let a = physc_compiler::codegen::kernels::cached::<f64>(&plan).unwrap();
    let b = physc_compiler::codegen::kernels::cached::<f64>(&plan).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
}

#[test]
fn clif_of_a_small_kernel() {
    let mut symbols = Symbols::default();
    let x = symbols.intern("x", SymbolKind::Free("x".into()), "x".into(), "x".into());
    let k = symbols.intern(
        "k",
        SymbolKind::Const { id: 0, value: 2.0 },
        "k".into(),
        "k".into(),
    );
    let mut b = Builder::new();
    let (xs, ks) = (b.sym(x), b.sym(k));
    let two = b.num(2.0);
    let x2 = b.power(xs, two);
    let kx2 = b.product(ks, x2);
    let e = b.call(Math::Exp(xs));
    let out = b.sum(kx2, e);
    let plan = KernelPlan::new(&b.expr, vec![("y".into(), out)], &symbols);
    let (_, clif) = compile::<f64>(&plan.spec()).unwrap();
    insta::assert_snapshot!(clif);
}
