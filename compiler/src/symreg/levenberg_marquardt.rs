//! Constant fitting: a candidate's value and its derivatives by every constant are compiled
//! into ONE JIT kernel (constants as kernel parameters, so one compilation serves every
//! constant value), and Levenberg–Marquardt minimises the squared error over the samples.

use super::genome::const_symbol;
use crate::codegen::cranelift::{self, CodegenError};
use crate::codegen::KernelSpec;
use crate::ir::diff::{differentiate, Leaf};
use crate::ir::lang::{Builder, Math};
use egg::{Id, RecExpr, Symbol};
use physc_runtime::Kernel;

/// Samples: input columns (one per variable) and the target.
#[derive(Debug, Clone)]
pub struct Data {
    pub vars: Vec<Symbol>,
    pub columns: Vec<Vec<f64>>,
    pub target: Vec<f64>,
    /// Standard deviation of the target (positive): errors are RMSE divided by it.
    pub scale: f64,
}

impl Data {
    /// At most `rows` samples, evenly spread over all of them: constants are fitted on these
    /// (cheaper, and plenty for a handful of constants), errors measured on all samples.
    pub fn subset(&self, rows: usize) -> Data {
        let stride = self.target.len().div_ceil(rows.max(1)).max(1);
        let pick = |c: &Vec<f64>| c.iter().step_by(stride).copied().collect();
        Data {
            vars: self.vars.clone(),
            columns: self.columns.iter().map(pick).collect(),
            target: pick(&self.target),
            scale: self.scale,
        }
    }

    fn views(&self) -> Vec<&[f64]> {
        self.columns.iter().map(Vec::as_slice).collect()
    }
}

/// Samples constants are fitted on.
pub const FIT_ROWS: usize = 256;

/// Fitted constants (by canonical index) and the normalised RMSE they reach.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub constants: Vec<f64>,
    pub error: f64,
    /// The fitted values at a few fixed samples: the numeric fingerprint of the model.
    pub probe: Vec<f64>,
}

/// How many fixed samples the fingerprint uses.
const PROBES: usize = 8;

const MAX_ITERATIONS: usize = 40;

/// A compiled candidate: its value and gradient by the constants `$0 … $(k-1)`.
struct Compiled {
    kernel: Kernel<f64>,
    constants: usize,
}

/// The kernel of a candidate with `constants` constants: its value, and with `gradient`
/// its derivative by each constant.
fn compile(
    expr: &RecExpr<Math>,
    root: Id,
    constants: usize,
    gradient: bool,
    data: &Data,
) -> Result<Compiled, CodegenError> {
    let mut b = Builder::new();
    let f = b.import(expr, root);
    let mut outputs = vec![("f".to_string(), f)];
    for j in (0..constants).filter(|_| gradient) {
        let wrt = const_symbol(j);
        let d = differentiate(&mut b, f, &|s| {
            if s == wrt {
                Leaf::One
            } else {
                Leaf::Zero
            }
        });
        outputs.push((format!("d{j}"), d));
    }
    let spec = KernelSpec {
        expr: &b.expr,
        outputs,
        inputs: data.vars.clone(),
        params: (0..constants).map(const_symbol).collect(),
    };
    let (kernel, _) = cranelift::compile::<f64>(&spec)?;
    Ok(Compiled {
        kernel,
        constants: if gradient { constants } else { 0 },
    })
}

impl Compiled {
    /// Values and gradients into `out` (1 + k columns); the sum of squared residuals.
    fn sse(&self, data: &Data, params: &[f64], out: &mut [Vec<f64>]) -> f64 {
        let mut views: Vec<&mut [f64]> = out.iter_mut().map(|c| c.as_mut_slice()).collect();
        if self.kernel.run(&data.views(), &mut views, params).is_err() {
            return f64::INFINITY;
        }
        let sse: f64 = out[0]
            .iter()
            .zip(&data.target)
            .map(|(f, y)| (f - y) * (f - y))
            .sum();
        if sse.is_finite() {
            sse
        } else {
            f64::INFINITY
        }
    }
}

/// Fit the constants of a canonical candidate (constants `$0 … $(k-1)`) from `start` on
/// `sub`, then measure the error on `all`. Where the model has `exp`, `sin` or `cos` and the
/// fit is not close, it is restarted from the best of the start scaled by -1 and ±10⁻¹ to
/// ±10⁻⁴: their arguments' scale decides which minimum Levenberg–Marquardt finds
/// (`exp(c h)` with `h` in the thousands underflows from `c = 1`). Candidates that fail to compile or are
/// undefined on some sample get an infinite error.
pub fn fit(expr: &RecExpr<Math>, root: Id, start: &[f64], sub: &Data, all: &Data) -> Fitted {
    let k = start.len();
    let failed = Fitted {
        constants: start.to_vec(),
        error: f64::INFINITY,
        probe: Vec::new(),
    };
    let Ok(compiled) = compile(expr, root, k, true, sub) else {
        return failed;
    };
    let (mut p, mut sse) = levenberg_marquardt(&compiled, sub, start.to_vec());
    let scale_sensitive = expr
        .as_ref()
        .iter()
        .any(|n| matches!(n, Math::Exp(_) | Math::Sin(_) | Math::Cos(_)));
    let close = 1e-12 * sub.target.len() as f64 * sub.scale * sub.scale;
    if k > 0 && scale_sensitive && sse > close {
        // Scan the scaled starts with one evaluation each; descend from the best.
        let n = sub.target.len();
        let mut out = vec![vec![0.0; n]; 1 + k];
        let mut best: Option<(Vec<f64>, f64)> = None;
        for factor in [-1.0, 0.1, -0.1, 1e-2, -1e-2, 1e-3, -1e-3, 1e-4, -1e-4] {
            let scaled: Vec<f64> = start.iter().map(|c| c * factor).collect();
            let e = compiled.sse(sub, &scaled, &mut out);
            if best.as_ref().is_none_or(|b| e < b.1) {
                best = Some((scaled, e));
            }
        }
        if let Some((scaled, _)) = best.filter(|b| b.1.is_finite()) {
            let (q, e) = levenberg_marquardt(&compiled, sub, scaled);
            if e < sse {
                (p, sse) = (q, e);
            }
        }
    }
    if !sse.is_finite() {
        return failed;
    }
    let n = all.target.len();
    let mut out = vec![vec![0.0; n]; 1 + compiled.constants];
    let sse = compiled.sse(all, &p, &mut out);
    let stride = (n / PROBES).max(1);
    Fitted {
        error: (sse / n as f64).sqrt() / all.scale,
        probe: out[0]
            .iter()
            .step_by(stride)
            .take(PROBES)
            .copied()
            .collect(),
        constants: p,
    }
}

/// Levenberg–Marquardt from `p`: the constants reached and their sum of squared residuals
/// (infinite if the model is undefined at the start).
fn levenberg_marquardt(compiled: &Compiled, data: &Data, mut p: Vec<f64>) -> (Vec<f64>, f64) {
    let k = compiled.constants;
    let n = data.target.len();
    let mut out = vec![vec![0.0; n]; 1 + k];
    let mut trial = out.clone();
    let mut sse = compiled.sse(data, &p, &mut out);
    if !sse.is_finite() {
        return (p, f64::INFINITY);
    }
    let exact = 1e-30 * data.target.iter().map(|y| y * y).sum::<f64>();
    let mut lambda = 1e-3;
    'outer: for _ in 0..MAX_ITERATIONS {
        if k == 0 || sse <= exact {
            break;
        }
        let (a, g) = normal_equations(&out, &data.target, k);
        loop {
            let step = solve_damped(&a, &g, lambda, k);
            let candidate: Vec<f64> = p.iter().zip(&step).map(|(p, d)| p + d).collect();
            let new_sse = if step.iter().all(|d| d.is_finite()) {
                compiled.sse(data, &candidate, &mut trial)
            } else {
                f64::INFINITY
            };
            if new_sse < sse {
                let gain = (sse - new_sse) / sse;
                p = candidate;
                sse = new_sse;
                std::mem::swap(&mut out, &mut trial);
                lambda = (lambda / 3.0).max(1e-12);
                if gain < 1e-12 {
                    break 'outer;
                }
                break;
            }
            lambda *= 4.0;
            if lambda > 1e10 {
                break 'outer;
            }
        }
    }
    (p, sse)
}

/// JᵀJ (k×k, row-major) and −Jᵀr from the kernel's columns.
fn normal_equations(out: &[Vec<f64>], target: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = vec![0.0; k * k];
    let mut g = vec![0.0; k];
    for i in 0..k {
        let di = &out[1 + i];
        g[i] = -di
            .iter()
            .zip(&out[0])
            .zip(target)
            .map(|((d, f), y)| d * (f - y))
            .sum::<f64>();
        for j in 0..=i {
            let v: f64 = di.iter().zip(&out[1 + j]).map(|(x, y)| x * y).sum();
            a[i * k + j] = v;
            a[j * k + i] = v;
        }
    }
    (a, g)
}

/// Solve (A + λ diag(A)) δ = g by Gaussian elimination with partial pivoting; a tiny
/// multiple of the identity keeps directions that do not affect the fit from blowing up.
fn solve_damped(a: &[f64], g: &[f64], lambda: f64, k: usize) -> Vec<f64> {
    let mut m: Vec<f64> = a.to_vec();
    let trace = (0..k)
        .map(|i| a[i * k + i])
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    for i in 0..k {
        m[i * k + i] += lambda * a[i * k + i] + 1e-14 * trace;
    }
    let mut x = g.to_vec();
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&r, &s| m[r * k + col].abs().total_cmp(&m[s * k + col].abs()))
            .unwrap_or(col);
        if pivot != col {
            for j in 0..k {
                m.swap(col * k + j, pivot * k + j);
            }
            x.swap(col, pivot);
        }
        let d = m[col * k + col];
        if d == 0.0 {
            return vec![f64::NAN; k];
        }
        for r in col + 1..k {
            let factor = m[r * k + col] / d;
            for j in col..k {
                m[r * k + j] -= factor * m[col * k + j];
            }
            x[r] -= factor * x[col];
        }
    }
    for col in (0..k).rev() {
        let s: f64 = (col + 1..k).map(|j| m[col * k + j] * x[j]).sum();
        x[col] = (x[col] - s) / m[col * k + col];
    }
    x
}

/// The constants rounded to the fewest significant digits (all alike) that keep the error
/// within `budget`, and that error; the constants unchanged if no rounding does.
pub fn round_constants(
    expr: &RecExpr<Math>,
    root: Id,
    values: &[f64],
    data: &Data,
    budget: f64,
) -> (Vec<f64>, f64) {
    let Ok(compiled) = compile(expr, root, values.len(), false, data) else {
        return (values.to_vec(), f64::INFINITY);
    };
    let n = data.target.len();
    let mut out = vec![vec![0.0; n]];
    let mut error = |v: &[f64]| (compiled.sse(data, v, &mut out) / n as f64).sqrt() / data.scale;
    for digits in 1..=15 {
        let rounded: Vec<f64> = values.iter().map(|&v| significant(v, digits)).collect();
        let e = error(&rounded);
        if e <= budget {
            return (rounded, e);
        }
    }
    let e = error(values);
    (values.to_vec(), e)
}

/// `v` to `digits` significant decimal digits.
fn significant(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let text = format!("{:.*e}", (digits - 1) as usize, v);
    text.parse().unwrap_or(v)
}
