//! Shared by the CUDA tests: random expressions, random inputs and the comparison of kernel
//! outputs with the reference interpreter (tolerances per precision).

#![allow(dead_code)]

use egg::{Id, RecExpr, Symbol};
use physc_compiler::codegen::cuda::Precision;
use physc_compiler::codegen::kernels::KernelPlan;
use physc_compiler::driver;
use physc_compiler::ir::{self, eval, lang::Builder, lang::SymbolKind, lang::Symbols, Math};
use std::path::{Path, PathBuf};

pub struct Case {
    pub plan: KernelPlan,
    pub precision: Precision,
}

/// A small deterministic generator (xorshift), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Largest finite magnitude among all intermediate values: what rounding is relative to.
pub fn magnitude(values: &[f64]) -> f64 {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(1e-300f64, |m, v| m.max(v.abs()))
}

pub fn agree(interp: f64, compiled: f64, scale: f64, tolerance: f64) -> bool {
    if interp.is_nan() {
        return compiled.is_nan();
    }
    if interp.is_infinite() {
        return compiled == interp;
    }
    (interp - compiled).abs() <= tolerance * scale.max(interp.abs())
}

/// Compare one case's outputs with the interpreter at every point: f64 outputs to
/// `f64_tolerance` relative to the largest intermediate value, f32 outputs (interpreter given
/// the f32-rounded inputs) to 2e-5 times the condition, where that is below 1000.
pub fn compare(
    case: &Case,
    columns: &[Vec<f64>],
    params: &[f64],
    got: &[Vec<f64>],
    f64_tolerance: f64,
) {
    let plan = &case.plan;
    let f32 = case.precision == Precision::F32;
    let n = columns.first().map_or(0, Vec::len);
    for i in 0..n {
        let round = |v: f64| if f32 { v as f32 as f64 } else { v };
        let lookup = |s: Symbol| {
            if let Some(k) = plan.inputs.iter().position(|x| *x == s) {
                round(columns[k][i])
            } else {
                plan.params
                    .iter()
                    .position(|x| *x == s)
                    .map_or(f64::NAN, |j| round(params[j]))
            }
        };
        let values = eval::eval_all(&plan.expr, &mut |s| lookup(s));
        let scale = magnitude(&values);
        let nudged = eval::eval_all(&plan.expr, &mut |s| lookup(s) * (1.0 + 1e-6));
        for (k, (name, root)) in plan.outputs.iter().enumerate() {
            let want = values[usize::from(*root)];
            let have = got[k][i];
            if f32 {
                let shift = (nudged[usize::from(*root)] - want).abs() / (1e-6 * scale);
                let condition = if shift.is_finite() {
                    shift.max(1.0)
                } else {
                    f64::INFINITY
                };
                if !(want.is_finite() && want.abs() < 1e30 && scale < 1e30 && condition < 1e3) {
                    continue;
                }
                assert!(
                    agree(want, have, scale, 2e-5 * condition),
                    "f32 `{name}` at point {i}: interpreter {want:e}, CUDA C {have:e}"
                );
            } else {
                assert!(
                    agree(want, have, scale, f64_tolerance),
                    "f64 `{name}` at point {i}: interpreter {want:e}, CUDA C {have:e}\n{:?}",
                    plan.expr
                );
            }
        }
    }
}

/// A random expression over symbols a, b, c and parameter p, using every operation.
pub fn random_expr(rng: &mut Rng, size: usize) -> (RecExpr<Math>, Id, Symbols) {
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
        let (x, y, z) = (pick(rng, &pool), pick(rng, &pool), pick(rng, &pool));
        let node = match rng.below(30) {
            0..=3 => Math::Add([x, y]),
            4 => Math::Sub([x, y]),
            5..=7 => Math::Mul([x, y]),
            8 => Math::Div([x, y]),
            9 => {
                let n = b.num((rng.below(9) as f64) - 4.0);
                Math::Pow([x, n])
            }
            10 => Math::Neg(x),
            11 => Math::Sin(x),
            12 => Math::Cos(x),
            13 => Math::Tanh(x),
            14 => Math::Exp(x),
            15 => Math::Log(x),
            16 => Math::Sqrt(x),
            17 => Math::Sigmoid(x),
            18 => Math::Min([x, y]),
            19 => Math::Max([x, y]),
            20 => Math::Abs(x),
            21 => Math::Sign(x),
            22 => Math::Softplus(x),
            23 => Math::Erf(x),
            24 => Math::Fma([x, y, z]),
            25 => Math::Atan(x),
            26 => Math::Pow([x, y]),
            27 => Math::Sinh(x),
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

/// Random inputs for a plan: uniform in [-2.5, 2.5], or drawn from special values
/// (NaN, infinities, signed zeros, huge and subnormal numbers).
pub fn random_columns(
    rng: &mut Rng,
    plan: &KernelPlan,
    points: usize,
    special: bool,
) -> Vec<Vec<f64>> {
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
    plan.inputs
        .iter()
        .map(|_| {
            (0..points)
                .map(|_| {
                    if special {
                        specials[rng.below(specials.len() as u64) as usize]
                    } else {
                        rng.uniform(-2.5, 2.5)
                    }
                })
                .collect()
        })
        .collect()
}

/// The parameter values tests use: constants as declared, learnable parameters 0.37.
pub fn params(plan: &KernelPlan) -> Vec<f64> {
    plan.param_values
        .iter()
        .map(|v| v.unwrap_or(0.37))
        .collect()
}

/// Every example's residual kernel, in f64 and in f32.
pub fn example_cases() -> Vec<Case> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "phys"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in &files {
        let compilation = driver::compile_file(file);
        assert!(!compilation.has_errors(), "{} checks clean", file.display());
        for model in compilation.program.models.iter().filter(|m| m.local) {
            let simplified = ir::pipeline::simplify_model(model, &Default::default());
            let plan = KernelPlan::residuals(&simplified);
            for precision in [Precision::F64, Precision::F32] {
                cases.push(Case {
                    plan: plan.clone(),
                    precision,
                });
            }
        }
    }
    cases
}

/// `count` random single-output kernels of 3 to 22 operations, every third in f32.
pub fn random_cases(rng: &mut Rng, count: usize) -> Vec<Case> {
    (0..count)
        .map(|i| {
            let (expr, root, symbols) = random_expr(rng, 3 + i % 20);
            let plan = KernelPlan::new(&expr, vec![("out".into(), root)], &symbols);
            let precision = if i % 3 == 0 {
                Precision::F32
            } else {
                Precision::F64
            };
            Case { plan, precision }
        })
        .collect()
}
