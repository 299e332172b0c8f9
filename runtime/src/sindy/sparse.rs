//! Sparse regression of one target on a library of candidate columns (SINDy, Brunton et
//! al. 2016). STLSQ alternates least squares on the active terms with dropping the terms
//! whose coefficients are below a threshold: in the caller's units (`0.1` means 0.1), or,
//! with `Options::normalize`, relative to each term's and the target's scale: a term is kept
//! when `|c_j|·‖θ_j‖/‖y‖` (its coefficient on the unit-norm column against the unit-norm
//! target: the share of the target it explains) reaches the threshold, so a coefficient of
//! 0.01 on a large term survives and the same on a small one does not; known terms can be fixed and are subtracted from the target first. Its least-squares
//! steps run on a `lstsq::Factored` library (one QR for all targets and all fits). `Gram`
//! and `stlsq_gram` do the same on the normal equations, for the many fits of a sweep, a
//! rounding or an ensemble (whose bootstrap resamples have no shared QR). `sweep` runs STLSQ
//! over a range of thresholds and keeps each distinct support; `pareto` keeps the
//! candidates no sparser candidate beats, and `choose` picks one by AICc (robust to the
//! systematic errors of derivative estimates). `bagging` fits
//! bootstrap resamples of the rows and keeps the terms that most fits include (median
//! coefficients, then a refit on all rows), which makes noisy data far more reliable.

use super::lstsq::{dot, weighted_dot, Factored};
use crate::rng::Rng;
use crate::stats::median;

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub threshold: f64,
    /// Ridge regularisation of the unit-norm columns (0: plain least squares).
    pub ridge: f64,
    pub max_iter: usize,
    /// Terms with known coefficients: (column, value).
    pub fixed: Vec<(usize, f64)>,
    /// Threshold `|c_j|·‖θ_j‖/‖y‖` instead of `|c_j|` (see the module's comment).
    pub normalize: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threshold: 0.1,
            ridge: 0.0,
            max_iter: 25,
            fixed: Vec::new(),
            normalize: false,
        }
    }
}

/// A sparse fit: one coefficient per library column (0 for dropped terms).
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub coef: Vec<f64>,
    pub rss: f64,
    /// The condition estimate of the last least-squares solve (see `lstsq::Solution`).
    pub condition: f64,
    /// Columns found numerically dependent in the first (full) solve.
    pub dependent: Vec<usize>,
}

impl Fit {
    pub fn terms(&self) -> usize {
        self.coef.iter().filter(|c| **c != 0.0).count()
    }

    pub fn support(&self) -> Vec<bool> {
        self.coef.iter().map(|c| *c != 0.0).collect()
    }
}

/// Sequentially thresholded least squares.
pub fn stlsq(columns: &[&[f64]], y: &[f64], options: &Options) -> Fit {
    stlsq_factored(&Factored::new(columns, &[y]), 0, options)
}

/// The fixed terms among the `p` columns, and coefficients with them set (0 elsewhere).
fn start(options: &Options, p: usize) -> (Vec<(usize, f64)>, Vec<f64>) {
    let fixed: Vec<(usize, f64)> = options
        .fixed
        .iter()
        .copied()
        .filter(|(j, _)| *j < p)
        .collect();
    let mut coef = vec![0.0; p];
    for &(j, value) in &fixed {
        coef[j] = value;
    }
    (fixed, coef)
}

/// What each column's coefficient is multiplied by before it is compared with the threshold:
/// 1, or with `normalize` the column's norm over the target's (from the Gram matrix's
/// diagonal `diag(j)` = ‖θ_j‖² and ‖y‖² = `yy`).
fn threshold_scales(p: usize, diag: impl Fn(usize) -> f64, yy: f64, normalize: bool) -> Vec<f64> {
    if !normalize {
        return vec![1.0; p];
    }
    let y = yy.sqrt();
    (0..p)
        .map(|j| {
            let c = diag(j).max(0.0).sqrt();
            if y > 0.0 {
                c / y
            } else {
                c
            }
        })
        .collect()
}

/// One STLSQ step: the least-squares values `x` of the `active` columns go into `coef`;
/// the terms whose `|x|·scale` is below `threshold` are zeroed and the survivors returned, or
/// `None` when every term survived (the iteration has converged).
fn threshold_step(
    active: &[usize],
    x: &[f64],
    (threshold, scales): (f64, &[f64]),
    coef: &mut [f64],
) -> Option<Vec<usize>> {
    for (&j, &c) in active.iter().zip(x) {
        coef[j] = c;
    }
    let kept: Vec<usize> = active
        .iter()
        .zip(x)
        .filter(|(&j, c)| c.abs() * scales[j] >= threshold && **c != 0.0)
        .map(|(&j, _)| j)
        .collect();
    if kept.len() == active.len() {
        return None;
    }
    for &j in active {
        if !kept.contains(&j) {
            coef[j] = 0.0;
        }
    }
    Some(kept)
}

/// STLSQ of target `t` of a factored library: every least-squares step is p×k.
pub fn stlsq_factored(factored: &Factored, t: usize, options: &Options) -> Fit {
    let p = factored.columns();
    let (fixed, mut coef) = start(options, p);
    let is_fixed = |j: usize| fixed.iter().any(|(k, _)| *k == j);
    let mut active: Vec<usize> = (0..p).filter(|&j| !is_fixed(j)).collect();
    let gram = factored.gram();
    let scales = threshold_scales(
        p,
        |j| gram[j * p + j],
        factored.moments(t).1,
        options.normalize,
    );
    let (mut condition, mut dependent) = (1.0, Vec::new());
    let mut first = true;
    for _ in 0..options.max_iter.max(1) {
        if active.is_empty() {
            break;
        }
        let s = factored.solve(t, &active, &fixed, options.ridge);
        condition = s.condition;
        if first {
            dependent = s.dependent.iter().map(|&k| active[k]).collect();
            first = false;
        }
        match threshold_step(&active, &s.coef, (options.threshold, &scales), &mut coef) {
            Some(kept) => active = kept,
            None => break,
        }
    }
    Fit {
        rss: factored.rss(t, &coef),
        coef,
        condition,
        dependent,
    }
}

/// The normal equations of a library: ΘᵀΘ, Θᵀy and yᵀy. Every STLSQ step on them is a
/// p×p Cholesky solve instead of a pass over the samples, which makes threshold sweeps,
/// rounding and bagging cheap; final fits go through QR (`stlsq`) for accuracy.
#[derive(Debug, Clone)]
pub struct Gram {
    p: usize,
    g: Vec<f64>,
    b: Vec<f64>,
    yy: f64,
}

impl Gram {
    pub fn new(columns: &[&[f64]], y: &[f64]) -> Gram {
        Gram::weighted(columns, y, None)
    }

    /// The Gram matrix of target `t` of a factored library, without touching the samples.
    pub fn from_factored(factored: &Factored, t: usize) -> Gram {
        let (b, yy) = factored.moments(t);
        Gram {
            p: factored.columns(),
            g: factored.gram(),
            b,
            yy,
        }
    }

    /// The Gram matrix of the rows `rows` (with repetition: a bootstrap resample).
    pub fn from_rows(columns: &[&[f64]], y: &[f64], rows: &[usize]) -> Gram {
        let mut counts = vec![0.0; y.len()];
        for &r in rows {
            counts[r] += 1.0;
        }
        Gram::weighted(columns, y, Some(&counts))
    }

    /// Column by column (contiguous, vectorised dot products), each row weighted by
    /// `weights` when given.
    fn weighted(columns: &[&[f64]], y: &[f64], weights: Option<&[f64]>) -> Gram {
        let p = columns.len();
        let product = |a: &[f64], b: &[f64]| match weights {
            Some(w) => weighted_dot(w, a, b),
            None => dot(a, b),
        };
        let mut g = vec![0.0; p * p];
        for i in 0..p {
            for j in i..p {
                let v = product(columns[i], columns[j]);
                g[i * p + j] = v;
                g[j * p + i] = v;
            }
        }
        let b = columns.iter().map(|c| product(c, y)).collect();
        Gram {
            p,
            g,
            b,
            yy: product(y, y),
        }
    }

    /// The number of columns, ΘᵀΘ (row-major p×p), Θᵀy and yᵀy.
    pub fn parts(&self) -> (usize, &[f64], &[f64], f64) {
        (self.p, &self.g, &self.b, self.yy)
    }

    /// The factors thresholds compare coefficients with (see `threshold_scales`): with
    /// `normalize`, each column's norm over the target's.
    pub fn scales(&self, normalize: bool) -> Vec<f64> {
        threshold_scales(self.p, |j| self.g[j * self.p + j], self.yy, normalize)
    }

    /// ‖Θc − y‖² from the normal equations.
    pub fn rss(&self, coef: &[f64]) -> f64 {
        let p = self.p;
        let mut quad = 0.0;
        for i in 0..p {
            if coef[i] == 0.0 {
                continue;
            }
            let row: f64 = (0..p).map(|j| self.g[i * p + j] * coef[j]).sum();
            quad += coef[i] * row;
        }
        let lin: f64 = coef.iter().zip(&self.b).map(|(c, b)| c * b).sum();
        (self.yy - 2.0 * lin + quad).max(0.0)
    }

    /// Least squares over `active` with the `fixed` coefficients held, columns scaled to
    /// unit norm, ridge on the scaled coefficients (a tiny one always, so dependent columns
    /// cannot break the Cholesky factorisation).
    fn solve(&self, active: &[usize], fixed: &[(usize, f64)], ridge: f64) -> Vec<f64> {
        let p = self.p;
        let k = active.len();
        let scale: Vec<f64> = active
            .iter()
            .map(|&j| {
                let d = self.g[j * p + j].sqrt();
                if d > 0.0 {
                    1.0 / d
                } else {
                    0.0
                }
            })
            .collect();
        let mut a = vec![0.0; k * k];
        let mut rhs = vec![0.0; k];
        for (r, &i) in active.iter().enumerate() {
            let mut v = self.b[i];
            for &(j, c) in fixed {
                v -= self.g[i * p + j] * c;
            }
            rhs[r] = v * scale[r];
            for (s, &j) in active.iter().enumerate() {
                a[r * k + s] = self.g[i * p + j] * scale[r] * scale[s];
            }
            a[r * k + r] += ridge.max(1e-13);
        }
        let x = cholesky_solve(&mut a, &rhs, k);
        x.iter().zip(&scale).map(|(x, s)| x * s).collect()
    }
}

/// Solve A x = b for symmetric positive definite A (row-major k×k, overwritten).
fn cholesky_solve(a: &mut [f64], b: &[f64], k: usize) -> Vec<f64> {
    for j in 0..k {
        let mut d = a[j * k + j];
        for m in 0..j {
            d -= a[j * k + m] * a[j * k + m];
        }
        let d = d.max(f64::MIN_POSITIVE).sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut v = a[i * k + j];
            for m in 0..j {
                v -= a[i * k + m] * a[j * k + m];
            }
            a[i * k + j] = v / d;
        }
    }
    let mut y = b.to_vec();
    for i in 0..k {
        for m in 0..i {
            y[i] -= a[i * k + m] * y[m];
        }
        y[i] /= a[i * k + i];
    }
    for i in (0..k).rev() {
        for m in i + 1..k {
            y[i] -= a[m * k + i] * y[m];
        }
        y[i] /= a[i * k + i];
    }
    y
}

/// STLSQ on the normal equations (see `Gram`); `condition` and `dependent` are not
/// estimated here (1 and none).
pub fn stlsq_gram(gram: &Gram, options: &Options) -> Fit {
    let p = gram.p;
    let (fixed, mut coef) = start(options, p);
    let mut active: Vec<usize> = (0..p)
        .filter(|j| !fixed.iter().any(|(k, _)| k == j))
        .collect();
    let scales = gram.scales(options.normalize);
    for _ in 0..options.max_iter.max(1) {
        if active.is_empty() {
            break;
        }
        let x = gram.solve(&active, &fixed, options.ridge);
        match threshold_step(&active, &x, (options.threshold, &scales), &mut coef) {
            Some(kept) => active = kept,
            None => break,
        }
    }
    Fit {
        rss: gram.rss(&coef),
        coef,
        condition: 1.0,
        dependent: Vec::new(),
    }
}

/// One point of a threshold sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub threshold: f64,
    pub fit: Fit,
    /// Root-mean-square residual relative to the target's root mean square.
    pub error: f64,
    pub aicc: f64,
}

/// Akaike's information criterion with the small-sample correction, for `k` terms fitted
/// to `n` samples with residual sum of squares `rss`.
pub fn aicc(rss: f64, n: usize, k: usize) -> f64 {
    let n_f = n as f64;
    let k_f = k as f64;
    let fit = n_f * (rss.max(f64::MIN_POSITIVE) / n_f).ln();
    let correction = if n > k + 1 {
        2.0 * k_f * (k_f + 1.0) / (n_f - k_f - 1.0)
    } else {
        f64::INFINITY
    };
    fit + 2.0 * k_f + correction
}

/// STLSQ at thresholds spread (logarithmically, and between every pair of neighbouring
/// coefficient magnitudes of the full fit) from 0 to above the largest coefficient; one
/// candidate per distinct support, sparsest last.
pub fn sweep(columns: &[&[f64]], y: &[f64], options: &Options) -> Vec<Candidate> {
    sweep_gram(&Gram::new(columns, y), y.len(), options)
}

/// `sweep` on the normal equations of `samples` rows.
pub fn sweep_gram(gram: &Gram, samples: usize, options: &Options) -> Vec<Candidate> {
    let full = stlsq_gram(
        gram,
        &Options {
            threshold: 0.0,
            ..options.clone()
        },
    );
    let scales = gram.scales(options.normalize);
    let mut mags: Vec<f64> = full
        .coef
        .iter()
        .zip(&scales)
        .map(|(c, s)| c.abs() * s)
        .filter(|c| *c > 0.0)
        .collect();
    mags.sort_by(f64::total_cmp);
    let mut thresholds = vec![0.0];
    thresholds.extend(mags.windows(2).map(|w| (w[0] * w[1]).sqrt()));
    if let (Some(lo), Some(hi)) = (mags.first(), mags.last()) {
        let steps = 40;
        let (a, b) = ((lo * 0.5).ln(), (hi * 1.01).ln());
        thresholds.extend((0..=steps).map(|i| (a + (b - a) * i as f64 / steps as f64).exp()));
    }
    thresholds.sort_by(f64::total_cmp);
    let scale = gram.yy.max(f64::MIN_POSITIVE);
    let mut out: Vec<Candidate> = Vec::new();
    for threshold in thresholds {
        let fit = stlsq_gram(
            gram,
            &Options {
                threshold,
                ..options.clone()
            },
        );
        if out.iter().any(|c| c.fit.support() == fit.support()) {
            continue;
        }
        out.push(Candidate {
            threshold,
            error: (fit.rss / scale).sqrt(),
            aicc: aicc(fit.rss, samples, fit.terms()),
            fit,
        });
    }
    out
}

/// The candidates not beaten by a sparser or equally sparse one with a smaller error,
/// ordered by number of terms.
pub fn pareto(candidates: &[Candidate]) -> Vec<Candidate> {
    let mut sorted = candidates.to_vec();
    sorted.sort_by(|a, b| {
        a.fit
            .terms()
            .cmp(&b.fit.terms())
            .then(a.error.total_cmp(&b.error))
    });
    let mut front: Vec<Candidate> = Vec::new();
    for c in sorted {
        let beaten = front.iter().any(|f| f.error <= c.error);
        if !beaten {
            front.push(c);
        }
    }
    front
}

/// Candidates whose AICc is within this of the best are equally supported by the data
/// (Burnham and Anderson).
pub const AICC_TIE: f64 = 2.0;
/// Candidates whose error is within this fraction of the best candidate's also count as
/// equally good. AICc assumes independent errors; derivative estimates have systematic
/// ones (truncation error, smoothing), which extra terms can fit a little, and with many
/// samples AICc then keeps tiny spurious terms. A real term lowers the error by far more.
pub const ERROR_SLACK: f64 = 0.5;

/// Relative errors below this count as exact: on clean data the residual of the true model
/// is quadrature or rounding error, which spurious terms can lower further (AICc then
/// prefers them by far), but no real term is that small.
pub const ERROR_FLOOR: f64 = 1e-4;

/// The index of the sparsest candidate as good as the one with the smallest AICc: within
/// `AICC_TIE` of its AICc, or `ERROR_SLACK` of its error, or below `ERROR_FLOOR`.
pub fn choose(front: &[Candidate]) -> Option<usize> {
    let best = (0..front.len()).min_by(|&a, &b| front[a].aicc.total_cmp(&front[b].aicc))?;
    let (aicc, error) = (front[best].aicc, front[best].error);
    let good_enough = (error * (1.0 + ERROR_SLACK)).max(ERROR_FLOOR);
    (0..front.len())
        .filter(|&i| front[i].aicc <= aicc + AICC_TIE || front[i].error <= good_enough)
        .min_by_key(|&i| front[i].fit.terms())
}

/// An ensemble of fits on bootstrap resamples of the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble {
    /// The refit on all rows over the terms that at least `cutoff` of the fits include.
    pub fit: Fit,
    /// Median coefficient of each term over the fits.
    pub median: Vec<f64>,
    /// Fraction of fits that include each term.
    pub inclusion: Vec<f64>,
}

/// Bagging (E-SINDy, Fasel et al. 2022): `bags` STLSQ fits on rows drawn with replacement.
pub fn bagging(
    columns: &[&[f64]],
    y: &[f64],
    options: &Options,
    bags: usize,
    cutoff: f64,
    rng: &mut Rng,
) -> Ensemble {
    let (n, p) = (y.len(), columns.len());
    let bags = bags.max(1);
    let mut coefs: Vec<Vec<f64>> = vec![Vec::with_capacity(bags); p];
    let mut rows = vec![0usize; n];
    for _ in 0..bags {
        for r in rows.iter_mut() {
            *r = rng.below(n);
        }
        let gram = Gram::from_rows(columns, y, &rows);
        let fit = stlsq_gram(&gram, options);
        for (j, c) in fit.coef.iter().enumerate() {
            coefs[j].push(*c);
        }
    }
    let inclusion: Vec<f64> = coefs
        .iter()
        .map(|c| c.iter().filter(|v| **v != 0.0).count() as f64 / bags as f64)
        .collect();
    let median: Vec<f64> = coefs.iter_mut().map(|c| median(c)).collect();
    // Refit on the kept terms: every other column is fixed at 0.
    let mut refit = options.clone();
    refit.threshold = 0.0;
    for (j, inc) in inclusion.iter().enumerate() {
        if *inc < cutoff && !refit.fixed.iter().any(|(k, _)| *k == j) {
            refit.fixed.push((j, 0.0));
        }
    }
    let fit = stlsq(columns, y, &refit);
    Ensemble {
        fit,
        median,
        inclusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A library of the ten monomials of degree ≤ 2 in three random variables and a sparse
    /// target built from three of them, plus optional noise.
    fn synthetic(noise: f64, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>) {
        let mut rng = Rng::new(seed);
        let n = 400;
        let vars: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..n).map(|_| rng.range(-2.0, 2.0)).collect())
            .collect();
        let mut cols = vec![vec![1.0; n]];
        cols.extend(vars.iter().cloned());
        for a in 0..3 {
            for b in a..3 {
                cols.push((0..n).map(|i| vars[a][i] * vars[b][i]).collect());
            }
        }
        let mut truth = vec![0.0; cols.len()];
        truth[1] = -10.0;
        truth[2] = 10.0;
        truth[6] = 0.5; // x1 * x2
        let y: Vec<f64> = (0..n)
            .map(|i| {
                truth
                    .iter()
                    .zip(&cols)
                    .map(|(c, col)| c * col[i])
                    .sum::<f64>()
                    + noise * rng.normal()
            })
            .collect();
        (cols, y, truth)
    }

    fn refs(cols: &[Vec<f64>]) -> Vec<&[f64]> {
        cols.iter().map(Vec::as_slice).collect()
    }

    #[test]
    fn stlsq_recovers_a_sparse_system_exactly() {
        let (cols, y, truth) = synthetic(0.0, 1);
        let fit = stlsq(&refs(&cols), &y, &Options::default());
        for (c, t) in fit.coef.iter().zip(&truth) {
            assert!((c - t).abs() < 1e-10, "{:?}", fit.coef);
        }
        assert_eq!(fit.terms(), 3);
    }

    #[test]
    fn normal_equations_agree_with_qr() {
        let (cols, y, _) = synthetic(0.05, 6);
        let options = Options {
            fixed: vec![(0, 0.0)],
            ..Options::default()
        };
        let qr = stlsq(&refs(&cols), &y, &options);
        let gram = Gram::new(&refs(&cols), &y);
        let ne = stlsq_gram(&gram, &options);
        assert_eq!(qr.support(), ne.support());
        for (a, b) in qr.coef.iter().zip(&ne.coef) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        assert!(
            (qr.rss - ne.rss).abs() < 1e-8 * qr.rss.max(1.0),
            "{} vs {}",
            qr.rss,
            ne.rss
        );
    }

    #[test]
    fn fixed_terms_keep_their_values() {
        let (cols, y, truth) = synthetic(0.0, 2);
        let options = Options {
            fixed: vec![(1, -10.0), (0, 0.0)],
            ..Options::default()
        };
        let fit = stlsq(&refs(&cols), &y, &options);
        assert_eq!(fit.coef[1], -10.0);
        assert!((fit.coef[2] - truth[2]).abs() < 1e-10);
        // A wrong fixed value shows up as a worse fit, not as a changed coefficient.
        let wrong = stlsq(
            &refs(&cols),
            &y,
            &Options {
                fixed: vec![(1, -9.0)],
                ..Options::default()
            },
        );
        assert_eq!(wrong.coef[1], -9.0);
        assert!(wrong.rss > 1.0);
    }

    #[test]
    fn normalised_thresholds_keep_small_coefficients_of_large_terms() {
        // y = 2x + 0.01·x³ with x up to 10: the cubic term explains a large share of y
        // although its coefficient is small; the unused term z does not.
        let mut rng = Rng::new(11);
        let n = 300;
        let x: Vec<f64> = (0..n).map(|_| rng.range(-10.0, 10.0)).collect();
        let z: Vec<f64> = (0..n).map(|_| rng.range(-1.0, 1.0)).collect();
        let cube: Vec<f64> = x.iter().map(|x| x * x * x).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| 2.0 * x[i] + 0.01 * cube[i] + 1e-3 * rng.normal())
            .collect();
        let cols = [x.as_slice(), cube.as_slice(), z.as_slice()];
        let absolute = stlsq(&cols, &y, &Options::default());
        assert_eq!(absolute.coef[1], 0.0, "{:?}", absolute.coef);
        let options = Options {
            threshold: 0.01,
            normalize: true,
            ..Options::default()
        };
        let relative = stlsq(&cols, &y, &options);
        assert!((relative.coef[0] - 2.0).abs() < 1e-3, "{:?}", relative.coef);
        assert!(
            (relative.coef[1] - 0.01).abs() < 1e-5,
            "{:?}",
            relative.coef
        );
        assert_eq!(relative.coef[2], 0.0);
        // The normal equations threshold the same way.
        let gram = stlsq_gram(&Gram::new(&cols, &y), &options);
        assert_eq!(gram.support(), relative.support());
        // Scaling the target does not change what a relative threshold keeps.
        let y1000: Vec<f64> = y.iter().map(|v| 1000.0 * v).collect();
        assert_eq!(stlsq(&cols, &y1000, &options).support(), relative.support());
    }

    #[test]
    fn a_large_threshold_drops_everything() {
        let (cols, y, _) = synthetic(0.0, 3);
        let fit = stlsq(
            &refs(&cols),
            &y,
            &Options {
                threshold: 100.0,
                ..Options::default()
            },
        );
        assert_eq!(fit.terms(), 0);
    }

    #[test]
    fn threshold_selection_finds_the_true_support_with_noise() {
        let (cols, y, truth) = synthetic(0.05, 4);
        let candidates = sweep(&refs(&cols), &y, &Options::default());
        let front = pareto(&candidates);
        assert!(front
            .windows(2)
            .all(|w| w[0].fit.terms() < w[1].fit.terms() && w[0].error > w[1].error));
        let chosen = &front[choose(&front).unwrap()];
        let support: Vec<bool> = truth.iter().map(|t| *t != 0.0).collect();
        assert_eq!(chosen.fit.support(), support, "{:?}", chosen.fit.coef);
        assert!(front.iter().any(|c| c.fit.terms() == 10));
        assert!(front[0].fit.terms() < 3);
    }

    #[test]
    fn errors_below_the_floor_are_exact_for_the_choice() {
        // Clean data: the true two-term model leaves 1e-6 (quadrature error), which spurious
        // terms lower further; AICc alone prefers the densest, the floor the true one.
        let n = 1000;
        let candidate = |terms: usize, error: f64| {
            let mut coef = vec![0.0; 5];
            coef[..terms].iter_mut().for_each(|c| *c = 1.0);
            let rss = error * error * n as f64;
            Candidate {
                threshold: 0.0,
                error,
                aicc: aicc(rss, n, terms),
                fit: Fit {
                    coef,
                    rss,
                    condition: 1.0,
                    dependent: Vec::new(),
                },
            }
        };
        let front: Vec<Candidate> = [(0, 1.0), (1, 0.3), (2, 1e-6), (3, 1e-9), (4, 1e-11)]
            .iter()
            .map(|&(k, e)| candidate(k, e))
            .collect();
        assert_eq!(choose(&front), Some(2));
        // Noisy data (errors far above the floor): AICc decides, as before.
        let noisy: Vec<Candidate> = [(0, 1.0), (1, 0.3), (2, 0.05), (3, 0.0499), (4, 0.01)]
            .iter()
            .map(|&(k, e)| candidate(k, e))
            .collect();
        assert_eq!(choose(&noisy), Some(4));
    }

    #[test]
    fn bagging_keeps_the_true_terms_with_heavy_noise() {
        let (cols, y, truth) = synthetic(0.5, 5);
        let mut rng = Rng::new(9);
        let options = Options {
            threshold: 0.3,
            ..Options::default()
        };
        let e = bagging(&refs(&cols), &y, &options, 50, 0.6, &mut rng);
        for (j, t) in truth.iter().enumerate() {
            if *t != 0.0 {
                assert!(e.inclusion[j] > 0.95, "term {j}: {:?}", e.inclusion);
                assert!(
                    (e.fit.coef[j] - t).abs() < 0.1 * t.abs(),
                    "{:?}",
                    e.fit.coef
                );
            } else {
                assert_eq!(e.fit.coef[j], 0.0, "term {j}: {:?}", e.inclusion);
            }
        }
        // Same seed, same ensemble.
        let again = bagging(&refs(&cols), &y, &options, 50, 0.6, &mut Rng::new(9));
        assert_eq!(again, e);
    }

    #[test]
    fn aicc_prefers_fewer_terms_at_equal_error() {
        assert!(aicc(1.0, 100, 3) < aicc(1.0, 100, 4));
        assert!(aicc(0.5, 100, 4) < aicc(1.0, 100, 3));
        assert_eq!(aicc(1.0, 4, 3), f64::INFINITY);
    }
}
