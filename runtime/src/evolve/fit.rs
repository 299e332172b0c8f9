//! Fitting the constants of a program to a target function, minimising the maximum error
//! (relative for f64, in f32 ULPs for f32). Derivative-free search alone is slow to find good
//! polynomial and rational coefficients, so fitting goes in three steps:
//!
//! 1. Lawson's iteratively reweighted least squares toward minimax on Chebyshev nodes, each
//!    weighted problem solved by damped Gauss–Newton (Levenberg–Marquardt, Householder QR on
//!    a finite-difference Jacobian, so any program shape works);
//! 2. Nelder–Mead on the maximum error over the same nodes, from the best point found;
//! 3. for f32, Nelder–Mead on the true objective: the maximum ULP error of the program
//!    evaluated in f32 (constants rounded to f32, real f32 rounding and fma) on the scoring
//!    points, which is what the final verification measures.
//!
//! The weights make "error" mean the same thing everywhere: `1/|f(x)|` for relative error,
//! `1/ulp_f32(f(x))` for ULPs.

use super::program::{Program, Scratch};
use super::ulp::{relative_error, ulp_error, ulp_f32};
use crate::optim::nelder_mead;

/// How the error of a candidate is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Maximum relative error, evaluated in f64.
    Relative,
    /// Maximum error in f32 ULPs, evaluated in f32.
    Ulp32,
}

/// The target on fitting nodes and on scoring points.
#[derive(Debug, Clone)]
pub struct Problem {
    pub metric: Metric,
    pub range: (f64, f64),
    fit_x: Vec<f64>,
    fit_y: Vec<f64>,
    fit_w: Vec<f64>,
    score_x: Vec<f64>,
    score_x32: Vec<f32>,
    score_y: Vec<f64>,
}

/// Fitting nodes (Chebyshev extrema on the range).
pub const FIT_NODES: usize = 200;
/// Scoring points during search (uniform, with both ends).
pub const SCORE_POINTS: usize = 4096;
/// Scoring points of the final fits: a closer estimate of the maximum over every float.
pub const FINAL_SCORE_POINTS: usize = 1 << 16;

impl Problem {
    /// Sample `reference` on the range; fails if it is not finite everywhere sampled.
    pub fn new(
        metric: Metric,
        range: (f64, f64),
        reference: &dyn Fn(f64) -> f64,
    ) -> Result<Problem, String> {
        Problem::with_score_points(metric, range, reference, SCORE_POINTS)
    }

    /// [`Problem::new`] with `score_points` scoring points (≥ 2): more make the score a
    /// closer estimate of the true maximum (final fits use [`FINAL_SCORE_POINTS`]).
    pub fn with_score_points(
        metric: Metric,
        range: (f64, f64),
        reference: &dyn Fn(f64) -> f64,
        score_points: usize,
    ) -> Result<Problem, String> {
        let score_points = score_points.max(2);
        let (a, b) = range;
        let (mid, half) = ((a + b) / 2.0, (b - a) / 2.0);
        let n = FIT_NODES;
        let mut fit_x: Vec<f64> = (0..n)
            .map(|i| mid - half * (std::f64::consts::PI * i as f64 / (n - 1) as f64).cos())
            .collect();
        fit_x[0] = a;
        fit_x[n - 1] = b;
        let mut score_x: Vec<f64> = (0..score_points)
            .map(|i| a + (b - a) * i as f64 / (score_points - 1) as f64)
            .collect();
        if metric == Metric::Ulp32 {
            // Score where f32 inputs are: at floats inside the range.
            for x in fit_x.iter_mut().chain(score_x.iter_mut()) {
                let f = *x as f32;
                *x = if (f as f64) < a {
                    f.next_up() as f64
                } else if (f as f64) > b {
                    f.next_down() as f64
                } else {
                    f as f64
                };
            }
        }
        let sample = |xs: &[f64]| -> Result<Vec<f64>, String> {
            xs.iter()
                .map(|&x| {
                    let y = reference(x);
                    if y.is_finite() {
                        Ok(y)
                    } else {
                        Err(format!("the target is not finite at x = {x}"))
                    }
                })
                .collect()
        };
        let fit_y = sample(&fit_x)?;
        let score_y = sample(&score_x)?;
        let weight = |y: f64| match metric {
            Metric::Relative if y == 0.0 => 1.0,
            Metric::Relative => 1.0 / y.abs(),
            Metric::Ulp32 => 1.0 / ulp_f32(y),
        };
        Ok(Problem {
            metric,
            range,
            fit_w: fit_y.iter().map(|&y| weight(y)).collect(),
            fit_x,
            fit_y,
            score_x32: score_x.iter().map(|&x| x as f32).collect(),
            score_x,
            score_y,
        })
    }

    /// The error of `program` with `consts` on the scoring points, in the precision and
    /// metric of the problem.
    pub fn score(&self, program: &Program, consts: &[f64]) -> f64 {
        match self.metric {
            Metric::Relative => {
                let mut out = vec![0.0; self.score_x.len()];
                program.eval_many(consts, &self.score_x, &mut out, &mut Scratch::default());
                out.iter()
                    .zip(&self.score_y)
                    .map(|(&g, &y)| relative_error(g, y))
                    .fold(0.0, max_nan)
            }
            Metric::Ulp32 => {
                let mut out = vec![0.0f32; self.score_x32.len()];
                program.eval_many(consts, &self.score_x32, &mut out, &mut Scratch::default());
                out.iter()
                    .zip(&self.score_y)
                    .map(|(&g, &y)| ulp_error(g, y))
                    .fold(0.0, max_nan)
            }
        }
    }

    /// Weighted residuals on the fitting nodes, evaluated in f64.
    fn residuals(&self, program: &Program, consts: &[f64], out: &mut [f64], s: &mut Scratch<f64>) {
        program.eval_many(consts, &self.fit_x, out, s);
        for ((r, &y), &w) in out.iter_mut().zip(&self.fit_y).zip(&self.fit_w) {
            *r = (*r - y) * w;
            if !r.is_finite() {
                *r = 1e300;
            }
        }
    }

    fn fit_max(&self, program: &Program, consts: &[f64], s: &mut Scratch<f64>) -> f64 {
        let mut r = vec![0.0; self.fit_x.len()];
        self.residuals(program, consts, &mut r, s);
        r.iter().map(|v| v.abs()).fold(0.0, max_nan)
    }

    /// Tune the constants of `program`; returns the fitted program and its score.
    pub fn fit(&self, program: &Program, effort: Effort) -> (Program, f64) {
        let mut s = Scratch::default();
        let mut best = program.consts.clone();
        if !best.is_empty() {
            best = self.lawson(program, best, effort.lawson_rounds, &mut s);
            let k = best.len();
            let nm = nelder_mead::minimize(
                |c| self.fit_max(program, c, &mut s),
                &best,
                1e-4,
                effort.simplex_evals * (k + 1),
                1e-12,
            );
            if nm.value <= self.fit_max(program, &best, &mut s) {
                best = nm.x;
            }
            if self.metric == Metric::Ulp32 && effort.f32_polish_evals > 0 {
                let start = self.score(program, &best);
                let nm = nelder_mead::minimize(
                    |c| self.score(program, c),
                    &best,
                    1e-6,
                    effort.f32_polish_evals * (k + 1),
                    0.0,
                );
                if nm.value < start {
                    best = nm.x;
                }
            }
        }
        let score = self.score(program, &best);
        let fitted = Program {
            consts: match self.metric {
                // The constants the f32 program will really use.
                Metric::Ulp32 => best.iter().map(|&c| c as f32 as f64).collect(),
                Metric::Relative => best,
            },
            ..program.clone()
        };
        (fitted, score)
    }

    /// Lawson's algorithm with Gauss–Newton inner solves; returns the constants with the
    /// smallest maximum error seen.
    fn lawson(
        &self,
        program: &Program,
        mut c: Vec<f64>,
        rounds: usize,
        s: &mut Scratch<f64>,
    ) -> Vec<f64> {
        let m = self.fit_x.len();
        let k = c.len();
        let mut v = vec![1.0 / m as f64; m];
        let mut r = vec![0.0; m];
        let mut trial = vec![0.0; m];
        let mut back = vec![0.0; m];
        let mut jac = vec![0.0; m * k];
        self.residuals(program, &c, &mut r, s);
        let mut best = (r.iter().map(|x| x.abs()).fold(0.0, max_nan), c.clone());
        let mut lambda = 1e-14;
        for _ in 0..rounds {
            for _ in 0..2 {
                let weighted_ss = |r: &[f64]| r.iter().zip(&v).map(|(x, w)| w * x * x).sum::<f64>();
                let current = weighted_ss(&r);
                // Central-difference Jacobian: steps large enough that rounding in the
                // program does not blur the small singular directions of the (often badly
                // conditioned) problem.
                for j in 0..k {
                    let h = 1e-5 * c[j].abs().max(1e-3);
                    let mut cj = c.clone();
                    cj[j] = c[j] + h;
                    self.residuals(program, &cj, &mut trial, s);
                    cj[j] = c[j] - h;
                    self.residuals(program, &cj, &mut back, s);
                    for i in 0..m {
                        jac[j * m + i] = (trial[i] - back[i]) / (2.0 * h);
                    }
                }
                let mut accepted = false;
                for _ in 0..4 {
                    let Some(step) = damped_step(&jac, &r, &v, m, k, lambda) else {
                        break;
                    };
                    let next: Vec<f64> = c.iter().zip(&step).map(|(a, d)| a + d).collect();
                    self.residuals(program, &next, &mut trial, s);
                    if weighted_ss(&trial) < current {
                        c = next;
                        r.copy_from_slice(&trial);
                        lambda = (lambda / 10.0).max(1e-18);
                        accepted = true;
                        break;
                    }
                    lambda *= 100.0;
                }
                if !accepted {
                    break;
                }
            }
            let max = r.iter().map(|x| x.abs()).fold(0.0, max_nan);
            if max < best.0 {
                best = (max, c.clone());
            }
            // Lawson: weight up where the error is large.
            let total: f64 = v.iter().zip(&r).map(|(w, x)| w * x.abs()).sum();
            if !(total > 0.0 && total.is_finite()) {
                break;
            }
            for (w, x) in v.iter_mut().zip(&r) {
                *w = *w * x.abs() / total;
            }
        }
        best.1
    }
}

/// How hard [`Problem::fit`] works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effort {
    pub lawson_rounds: usize,
    /// Nelder–Mead evaluations per (constant + 1).
    pub simplex_evals: usize,
    /// f32 only: evaluations per (constant + 1) on the true f32 objective.
    pub f32_polish_evals: usize,
}

impl Effort {
    /// During search: enough to rank candidates.
    pub const SEARCH: Effort = Effort {
        lawson_rounds: 12,
        simplex_evals: 20,
        f32_polish_evals: 10,
    };
    /// For the final front: as good as it gets.
    pub const FINAL: Effort = Effort {
        lawson_rounds: 40,
        simplex_evals: 200,
        f32_polish_evals: 150,
    };
}

/// max that lets NaN win (NaN is the worst error).
fn max_nan(m: f64, x: f64) -> f64 {
    if x > m || x.is_nan() {
        if x.is_nan() {
            f64::INFINITY
        } else {
            x
        }
    } else {
        m
    }
}

/// Solve min Σ vᵢ (rᵢ + (J δ)ᵢ)² + λ Σ (dⱼ δⱼ)² (dⱼ the column norms) by Householder QR on the
/// column-scaled, row-weighted system. `jac` is column-major (m × k).
fn damped_step(
    jac: &[f64],
    r: &[f64],
    v: &[f64],
    m: usize,
    k: usize,
    lambda: f64,
) -> Option<Vec<f64>> {
    let rows = m + k;
    let mut a = vec![0.0; rows * k]; // column-major
    let mut b = vec![0.0; rows];
    let mut scale = vec![0.0; k];
    for j in 0..k {
        let norm = (0..m)
            .map(|i| v[i] * jac[j * m + i] * jac[j * m + i])
            .sum::<f64>()
            .sqrt();
        scale[j] = if norm > 0.0 && norm.is_finite() {
            norm
        } else {
            1.0
        };
        for i in 0..m {
            a[j * rows + i] = v[i].sqrt() * jac[j * m + i] / scale[j];
        }
        a[j * rows + m + j] = lambda.sqrt();
    }
    for i in 0..m {
        b[i] = -v[i].sqrt() * r[i];
    }
    // Householder QR, applied to b as we go.
    for j in 0..k {
        let norm = (j..rows)
            .map(|i| a[j * rows + i].powi(2))
            .sum::<f64>()
            .sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return None;
        }
        let alpha = if a[j * rows + j] > 0.0 { -norm } else { norm };
        let mut u: Vec<f64> = (j..rows).map(|i| a[j * rows + i]).collect();
        u[0] -= alpha;
        let unorm2: f64 = u.iter().map(|x| x * x).sum();
        if unorm2 == 0.0 {
            continue;
        }
        for col in j..k {
            let dot: f64 = (j..rows).map(|i| u[i - j] * a[col * rows + i]).sum();
            let f = 2.0 * dot / unorm2;
            for i in j..rows {
                a[col * rows + i] -= f * u[i - j];
            }
        }
        let dot: f64 = (j..rows).map(|i| u[i - j] * b[i]).sum();
        let f = 2.0 * dot / unorm2;
        for i in j..rows {
            b[i] -= f * u[i - j];
        }
    }
    let mut x = vec![0.0; k];
    for j in (0..k).rev() {
        let s: f64 = ((j + 1)..k).map(|c| a[c * rows + j] * x[c]).sum();
        let d = a[j * rows + j];
        if d == 0.0 {
            return None;
        }
        x[j] = (b[j] - s) / d;
    }
    let step: Vec<f64> = x.iter().zip(&scale).map(|(x, s)| x / s).collect();
    step.iter().all(|s| s.is_finite()).then_some(step)
}

#[cfg(test)]
mod tests {
    use super::super::program::horner;
    use super::*;

    #[test]
    fn fits_a_cubic_exactly() {
        let f = |x: f64| 0.5 - 2.0 * x + 3.0 * x * x * x;
        let p = Problem::new(Metric::Relative, (1.0, 2.0), &f).unwrap();
        let (fitted, err) = p.fit(&horner(3, true), Effort::SEARCH);
        assert!(err < 1e-12, "{err} {:?}", fitted.consts);
        assert!((fitted.consts[0] - 3.0).abs() < 1e-9);
    }

    #[test]
    fn exp_near_minimax_in_f64() {
        // Degree-5 minimax relative error of exp on [0, 1] is about 1.1e-6 (Remez); plain
        // Taylor is 1.6e-3 and least squares alone about twice minimax.
        let p = Problem::new(Metric::Relative, (0.0, 1.0), &f64::exp).unwrap();
        let (_, err) = p.fit(&horner(5, false), Effort::FINAL);
        assert!(err < 1.4e-6, "{err}");
        assert!(err > 5e-7, "{err}");
    }

    #[test]
    fn f32_scores_in_ulps() {
        let p = Problem::new(Metric::Ulp32, (0.0, 1.0), &f64::exp).unwrap();
        let (fitted, err) = p.fit(&horner(7, true), Effort::SEARCH);
        // Degree 7 is accurate to well below an ULP before rounding: the f32 result is
        // within about one rounding.
        assert!(err < 1.0, "{err}");
        for c in &fitted.consts {
            assert_eq!(*c, *c as f32 as f64);
        }
    }

    /// exp's [3/3] continued fraction at x/4, squared twice (10 operations of + − × ÷),
    /// fitted from its Padé constants: three orders beyond the degree-5 polynomial's
    /// 6.7e-7 at the same cost.
    #[test]
    fn squared_continued_fraction_fits_exp_to_ten_digits() {
        let p = Problem::new(Metric::Relative, (0.0, 1.0), &f64::exp).unwrap();
        let seed = super::super::seeds::continued_fraction(1, 2);
        let start = p.score(&seed, &seed.consts);
        let (fitted, err) = p.fit(&seed, Effort::SEARCH);
        assert!(start > 1e-9, "{start}");
        assert!(err < 1e-9, "{err} {:?}", fitted.consts);
    }
}
