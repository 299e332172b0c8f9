//! The regression of each equation's target (a time derivative) on the library: STLSQ at
//! the asked threshold or the AICc choice from the threshold sweep's Pareto front,
//! optionally bagged; then coefficients rounded to the fewest significant digits whose
//! refit raises the residual negligibly. Problems with the design (more terms than the data
//! can support, dependent or constant terms, bad conditioning) become errors or warnings
//! that name the terms.

use super::config::{Regression, Threshold};
use physc_runtime::rng::Rng;
use physc_runtime::sindy::lstsq::Factored;
use physc_runtime::sindy::sbl;
use physc_runtime::sindy::sparse::{self, Candidate, Options};
use physc_runtime::sindy::uncertainty::{coefficient_errors, CoefficientErrors};
use std::ops::Range;

/// The fit of one equation.
#[derive(Debug, Clone)]
pub struct EquationFit {
    /// One coefficient per library term, rounded; 0 for terms not in the equation.
    pub coef: Vec<f64>,
    pub rss: f64,
    /// Root-mean-square residual relative to the target's.
    pub error: f64,
    /// The threshold sweep's Pareto front, sparsest first.
    pub front: Vec<Candidate>,
    /// The front's candidate `auto` chose.
    pub chosen: Option<usize>,
    /// Bagging: the fraction of fits that kept each term.
    pub inclusion: Option<Vec<f64>>,
    pub condition: f64,
    /// The unrounded refit on the kept terms and each coefficient's standard deviation
    /// (`RegressionRows::correlation` says how far apart rows are correlated); `None` when
    /// the rows are not known or the kept terms are dependent.
    pub uncertainty: Option<CoefficientErrors>,
}

/// The regression's rows, for what needs them beyond the factorisation: bagging (its
/// resamples cannot share it) and the coefficients' uncertainty.
pub struct RegressionRows<'a> {
    /// One column per library term.
    pub columns: &'a [Vec<f64>],
    /// The lengths of the runs of rows (one per trajectory) and how many rows apart rows
    /// within a run can share samples; `None`: not known, no uncertainty is given.
    pub correlation: Option<(Vec<usize>, usize)>,
}

/// Rounding may raise the residual by this fraction of itself, or up to this relative error
/// (whichever allows more): either change is negligible.
const ROUNDING_TOLERANCE: f64 = 1e-2;
const NEGLIGIBLE_ERROR: f64 = 1e-5;
/// With relative thresholds, no term is kept whose share of the target is below this
/// fraction of the full fit's relative residual: on noisy data such terms fit the noise
/// (and the bias noise puts into nonlinear terms), not the dynamics. Measured on bench/
/// discover's development set (weak form, threshold 0.02): 0.25, 0.5 and 1 keep the clean
/// and 1% results and recover 16, 26 and 27 of 43 systems at 5% noise.
pub const NOISE_FLOOR: f64 = 1.0;

/// `NOISE_FLOOR` times the smallest relative error of the sweep's candidates (the full fit's).
fn noise_floor(candidates: &[Candidate]) -> f64 {
    NOISE_FLOOR
        * candidates
            .iter()
            .map(|c| c.error)
            .fold(f64::INFINITY, f64::min)
            .min(1.0)
}

/// With relative thresholds, `auto` chooses among the candidates whose every term explains at
/// least this share of the target (|c_j|·‖θ_j‖/‖y‖): below it a term fits the systematic
/// error of derivative estimates (finite differences on a grid leave 1e-3 of spurious `u` in
/// the heat equation), not the dynamics.
pub const AUTO_MIN_SHARE: f64 = 2e-3;

/// `sparse::choose` on the candidates of `front` that `AUTO_MIN_SHARE` allows (all of them
/// with absolute thresholds); an index into `front`.
fn choose(front: &[Candidate], gram: &sparse::Gram, normalize: bool) -> Option<usize> {
    let scales = gram.scales(normalize);
    let allowed: Vec<usize> = (0..front.len())
        .filter(|&i| {
            !normalize
                || front[i]
                    .fit
                    .coef
                    .iter()
                    .zip(&scales)
                    .all(|(c, s)| *c == 0.0 || c.abs() * s >= AUTO_MIN_SHARE)
        })
        .collect();
    let kept: Vec<Candidate> = allowed.iter().map(|&i| front[i].clone()).collect();
    sparse::choose(&kept).map(|k| allowed[k])
}

/// Condition estimates above this get a warning.
const CONDITION_WARNING: f64 = 1e8;

/// Check that the data can support the library at all, and factor it once with every
/// target (`regress::fit` then never passes over the samples again).
pub fn check_design(
    terms: &[String],
    columns: &[Vec<f64>],
    targets: &[&[f64]],
    warnings: &mut Vec<String>,
) -> Result<Factored, String> {
    let library = |rows: Range<usize>, out: &mut [Vec<f64>]| {
        for (o, c) in out.iter_mut().zip(columns) {
            o.extend_from_slice(&c[rows.clone()]);
        }
        Ok(())
    };
    factor(terms, targets, library, warnings)
}

/// `check_design` for a library that `library(rows, out)` evaluates block by block (it
/// appends the rows `rows` of every term to `out`), so that it is never held whole.
pub fn factor(
    terms: &[String],
    targets: &[&[f64]],
    mut library: impl FnMut(Range<usize>, &mut [Vec<f64>]) -> Result<(), String>,
    warnings: &mut Vec<String>,
) -> Result<Factored, String> {
    let p = terms.len();
    let samples = targets.first().map_or(0, |t| t.len());
    if samples <= p {
        return Err(format!(
            "the library has {p} terms but there are only {samples} samples: a fit needs more samples than terms (use a smaller degree or more data)"
        ));
    }
    if samples < 5 * p {
        warnings.push(format!(
            "only {samples} samples for {p} library terms: the fit may be unreliable (aim for at least {} samples)",
            10 * p
        ));
    }
    let fill = |rows: Range<usize>, block: &mut [Vec<f64>]| {
        library(rows.clone(), &mut block[..p])?;
        for (name, col) in terms.iter().zip(block.iter()) {
            if let Some(i) = col.iter().position(|v| !v.is_finite()) {
                return Err(format!(
                    "the library term `{name}` is not finite at sample {} (value {}): check the data's range for this term",
                    rows.start + i,
                    col[i]
                ));
            }
        }
        for (col, target) in block[p..].iter_mut().zip(targets) {
            col.extend_from_slice(&target[rows.clone()]);
        }
        Ok(())
    };
    let factored = Factored::from_blocks(p, targets.len(), samples, fill)?;
    // Dependence and conditioning belong to the library on this data, whatever the target.
    let (dependent, condition) = factored.diagnose();
    for &j in &dependent {
        warnings.push(format!(
            "the library term `{}` is zero or a combination of earlier terms on this data (e.g. a constant variable); its coefficient is 0",
            terms[j]
        ));
    }
    if condition > CONDITION_WARNING && condition.is_finite() {
        warnings.push(format!(
            "the library is ill-conditioned on this data (condition ≈ {condition:.1e}): terms are nearly dependent, so coefficients may be unreliable"
        ));
    }
    Ok(factored)
}

/// The fit of target `t` (`y`) of the factored library; bagging and the uncertainty also
/// need the regression's `rows`.
#[allow(clippy::too_many_arguments)]
pub fn fit(
    terms: &[String],
    rows: Option<&RegressionRows>,
    (factored, t): (&Factored, usize),
    y: &[f64],
    regression: &Regression,
    rng: &mut Rng,
    lhs: &str,
    warnings: &mut Vec<String>,
) -> EquationFit {
    let (threshold, ridge, ensemble, normalize) = match regression {
        Regression::Stlsq {
            threshold,
            ridge,
            ensemble,
            relative,
        } => (threshold.clone(), *ridge, *ensemble, *relative),
        Regression::Sbl { threshold } => (Threshold::Value(*threshold), 0.0, None, true),
        Regression::Symbolic { .. } => (Threshold::Value(0.0), 0.0, None, false),
    };
    let base = Options {
        ridge,
        normalize,
        ..Options::default()
    };
    let gram = sparse::Gram::from_factored(factored, t);
    let candidates = sparse::sweep_gram(&gram, y.len(), &base);
    let front = sparse::pareto(&candidates);
    let (value, chosen) = match threshold {
        Threshold::Value(v) if normalize => (v.max(noise_floor(&candidates)), None),
        Threshold::Value(v) => (v, None),
        Threshold::Auto => match choose(&front, &gram, normalize) {
            Some(i) => (front[i].threshold, Some(i)),
            None => (super::config::default_threshold(), None),
        },
    };
    let options = Options {
        threshold: value,
        ..base
    };
    let (best, inclusion) = match ensemble.zip(rows) {
        Some((bags, rows)) => {
            let refs: Vec<&[f64]> = rows.columns.iter().map(Vec::as_slice).collect();
            let e = sparse::bagging(&refs, y, &options, bags, 0.6, rng);
            (e.fit, Some(e.inclusion))
        }
        None => {
            // Sweep and STLSQ run on the normal equations; the final support is refitted on
            // the QR factors.
            let support = match (regression, chosen) {
                (Regression::Sbl { threshold }, _) => {
                    let effective =
                        rows.map_or(1.0, |rows| effective_fraction(rows, &candidates, y));
                    // As for STLSQ: no term that explains less than the noise does.
                    let floor = threshold.max(noise_floor(&candidates));
                    let (dependent, _) = factored.diagnose();
                    sbl::sbl_gram(&gram, y.len(), effective, floor, &dependent).coef
                }
                (_, Some(i)) => front[i].fit.coef.clone(),
                (_, None) => sparse::stlsq_gram(&gram, &options).coef,
            };
            let off: Vec<(usize, f64)> = (0..terms.len())
                .filter(|&j| support[j] == 0.0)
                .map(|j| (j, 0.0))
                .collect();
            let refit = Options {
                threshold: 0.0,
                fixed: off,
                ..options.clone()
            };
            (sparse::stlsq_factored(factored, t, &refit), None)
        }
    };
    if best.terms() == 0 {
        warnings.push(match regression {
            Regression::Sbl { .. } => format!(
                "{lhs}: the data support no term explaining at least {value} of the target: the equation is `{lhs} = 0` (try a smaller threshold, or `method stlsq(threshold: auto)`)"
            ),
            _ => format!(
                "{lhs}: no term survived the threshold {value}: the equation is `{lhs} = 0` (try a smaller threshold or `threshold: auto`)"
            ),
        });
    }
    let uncertainty = rows.and_then(|rows| {
        let (segments, lags) = rows.correlation.as_ref()?;
        let refs: Vec<&[f64]> = rows.columns.iter().map(Vec::as_slice).collect();
        coefficient_errors(&refs, y, &best.support(), segments, *lags)
    });
    let coef = round_coefficients((factored, t), &gram, &best.coef, ridge);
    let rss = factored.rss(t, &coef);
    let scale = factored.moments(t).1.max(f64::MIN_POSITIVE);
    EquationFit {
        coef,
        rss,
        error: (rss / scale).sqrt(),
        front,
        chosen,
        inclusion,
        condition: best.condition,
        uncertainty,
    }
}

/// The fraction of `rows` that are effectively independent, for sparse Bayesian learning:
/// 1/(1 + 2Σρ_l) from the autocorrelations ρ_l of the residual of the sweep's fullest fit
/// (its smallest error) at the lags where rows share samples (within each run of rows),
/// between 1/(2L + 1) and 1.
fn effective_fraction(rows: &RegressionRows, candidates: &[Candidate], y: &[f64]) -> f64 {
    let Some((segments, lags)) = rows.correlation.as_ref() else {
        return 1.0;
    };
    let Some(full) = candidates
        .iter()
        .min_by(|a, b| a.error.total_cmp(&b.error))
        .map(|c| &c.fit)
    else {
        return 1.0;
    };
    let residual: Vec<f64> = (0..y.len())
        .map(|i| {
            y[i] - rows
                .columns
                .iter()
                .zip(&full.coef)
                .map(|(c, k)| c[i] * k)
                .sum::<f64>()
        })
        .collect();
    let lag_sum = |l: usize| -> f64 {
        let mut start = 0;
        let mut sum = 0.0;
        for &len in segments {
            let run = &residual[start..start + len];
            sum += run
                .iter()
                .zip(run.iter().skip(l))
                .map(|(a, b)| a * b)
                .sum::<f64>();
            start += len;
        }
        sum
    };
    let variance = lag_sum(0);
    if variance <= 0.0 {
        return 1.0;
    }
    let rho: f64 = (1..=*lags).map(|l| lag_sum(l) / variance).sum();
    (1.0 / (1.0 + 2.0 * rho)).clamp(1.0 / (2 * lags + 1) as f64, 1.0)
}

/// `v` to `digits` significant digits.
pub fn round_significant(v: f64, digits: u32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let magnitude = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits as i32 - 1 - magnitude);
    let rounded = (v * scale).round() / scale;
    // Print-friendly: go through the decimal text so 0.1 + tiny errors vanish.
    format!(
        "{rounded:.prec$e}",
        prec = digits.saturating_sub(1) as usize
    )
    .parse()
    .unwrap_or(rounded)
}

/// Round each coefficient (largest contribution first) to the fewest significant digits for
/// which the refit of the others keeps the residual within `ROUNDING_TOLERANCE` of the
/// unrounded fit's, or the relative error below `NEGLIGIBLE_ERROR`.
fn round_coefficients(
    (factored, t): (&Factored, usize),
    gram: &sparse::Gram,
    coef: &[f64],
    ridge: f64,
) -> Vec<f64> {
    let base = factored.rss(t, coef);
    let scale = factored.moments(t).1;
    let allowed =
        (base * (1.0 + ROUNDING_TOLERANCE)).max(NEGLIGIBLE_ERROR * NEGLIGIBLE_ERROR * scale);
    let norm = factored.norms();
    let mut order: Vec<usize> = (0..coef.len()).filter(|&j| coef[j] != 0.0).collect();
    order.sort_by(|&a, &b| (coef[b].abs() * norm[b]).total_cmp(&(coef[a].abs() * norm[a])));
    let mut fixed: Vec<(usize, f64)> = (0..coef.len())
        .filter(|&j| coef[j] == 0.0)
        .map(|j| (j, 0.0))
        .collect();
    let mut current = coef.to_vec();
    for j in order {
        let mut accepted = false;
        for digits in 1..=12 {
            let r = round_significant(current[j], digits);
            let mut trial_fixed = fixed.clone();
            trial_fixed.push((j, r));
            let trial = sparse::stlsq_gram(
                gram,
                &Options {
                    threshold: 0.0,
                    ridge,
                    max_iter: 1,
                    fixed: trial_fixed.clone(),
                    normalize: false,
                },
            );
            if trial.rss <= allowed {
                current = trial.coef;
                fixed = trial_fixed;
                accepted = true;
                break;
            }
        }
        if !accepted {
            fixed.push((j, current[j]));
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(round_significant(2.66667, 3), 2.67);
        assert_eq!(round_significant(-0.0031831, 2), -0.0032);
        assert_eq!(round_significant(27.999, 2), 28.0);
        assert_eq!(round_significant(0.0, 2), 0.0);
    }

    #[test]
    fn rounding_stops_where_the_fit_needs_digits() {
        let x: Vec<f64> = (0..100).map(|i| (i as f64 * 0.37).sin()).collect();
        let y2: Vec<f64> = (0..100).map(|i| (i as f64 * 0.11).cos()).collect();
        // y = 10.00001 x + 8/3 y2 with small noise: 10 is enough, 8/3 needs digits.
        let mut rng = Rng::new(3);
        let y: Vec<f64> = (0..100)
            .map(|i| 10.00001 * x[i] + 8.0 / 3.0 * y2[i] + 1e-3 * rng.normal())
            .collect();
        let factored = Factored::new(&[&x, &y2], &[&y]);
        let gram = sparse::Gram::from_factored(&factored, 0);
        let coef = round_coefficients((&factored, 0), &gram, &[10.00001, 8.0 / 3.0], 0.0);
        assert_eq!(coef[0], 10.0);
        assert!(
            (coef[1] - 8.0 / 3.0).abs() < 1e-3 && coef[1] != 8.0 / 3.0,
            "{}",
            coef[1]
        );
    }
}
