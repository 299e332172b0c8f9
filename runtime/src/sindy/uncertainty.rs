//! How well the data determine a sparse fit's coefficients: the least-squares refit on the
//! fit's support and the standard deviation of each coefficient, by the sandwich estimator
//! `A⁻¹ M A⁻¹` (A = X_SᵀX_S, M the covariance of the score Σ_i x_i r_i). Regression rows
//! here are not independent: neighbouring weak-form rows integrate over overlapping
//! windows, and neighbouring Savitzky–Golay or finite-difference estimates share samples.
//! Rows more than `lags` apart share no sample, so M sums the residual cross-products up
//! to that lag within each run of rows (a trajectory) and no further (the truncated
//! kernel: with independent rows and `lags` = 0 this is the familiar White estimate, and for
//! Gaussian noise the posterior of a flat prior). Where the truncated sum of a coefficient's
//! variance is not positive (possible with few rows), the lag-0 estimate is used instead.
//! The small-sample factor n/(n − k) corrects for the k fitted coefficients.

use super::lstsq::invert_spd;
use crate::wide::dot;

/// The refit on a support and its uncertainty, one entry per library column.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefficientErrors {
    /// Least-squares coefficients on the support (0 off it), unrounded.
    pub mean: Vec<f64>,
    /// Standard deviations (0 off the support).
    pub std: Vec<f64>,
}

/// The refit of `y` on the `columns` in `support` and its standard deviations, with rows
/// correlated up to `lags` apart within each of the runs of rows whose lengths are
/// `segments` (they sum to the row count). `None` when the support's columns are
/// dependent on these rows, or there are no more rows than terms.
pub fn coefficient_errors(
    columns: &[&[f64]],
    y: &[f64],
    support: &[bool],
    segments: &[usize],
    lags: usize,
) -> Option<CoefficientErrors> {
    let p = columns.len();
    let n = y.len();
    let active: Vec<usize> = (0..p).filter(|&j| support[j]).collect();
    let k = active.len();
    let mut out = CoefficientErrors {
        mean: vec![0.0; p],
        std: vec![0.0; p],
    };
    if k == 0 {
        return Some(out);
    }
    if n <= k || segments.iter().sum::<usize>() != n {
        return None;
    }
    // Unit-norm columns keep the k×k system well scaled.
    let norms: Vec<f64> = active
        .iter()
        .map(|&j| dot(columns[j], columns[j]).sqrt())
        .collect();
    if norms.iter().any(|s| *s == 0.0 || !s.is_finite()) {
        return None;
    }
    // Everything below streams over the kept columns as they are (scaled on the fly): large
    // temporaries would cost more in fresh pages than the arithmetic does.
    let col = |a: usize| columns[active[a]];
    let mut gram = vec![0.0; k * k];
    for a in 0..k {
        for b in 0..=a {
            let v = dot(col(a), col(b)) / (norms[a] * norms[b]);
            gram[a * k + b] = v;
            gram[b * k + a] = v;
        }
    }
    let xty: Vec<f64> = (0..k).map(|a| dot(col(a), y) / norms[a]).collect();
    let inverse = invert_spd(&gram, k)?;
    let beta: Vec<f64> = (0..k)
        .map(|a| (0..k).map(|b| inverse[a * k + b] * xty[b]).sum())
        .collect();
    let mut residual = y.to_vec();
    for a in 0..k {
        let c = beta[a] / norms[a];
        residual
            .iter_mut()
            .zip(col(a))
            .for_each(|(r, v)| *r -= c * v);
    }
    // The scores x_a[i]·r_i on the unit-norm columns, one column per kept term.
    let score: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            let scale = 1.0 / norms[a];
            col(a)
                .iter()
                .zip(&residual)
                .map(|(v, r)| v * scale * r)
                .collect()
        })
        .collect();
    // M_ab = Σ_i s_a[i]·W_b[i], W_b[i] the sum of s_b over the rows within `max_lag` of i
    // (same run), a running window sum: the cost does not grow with the lag range, and the
    // products are whole-column dot products.
    let meat = |max_lag: usize| {
        let mut m = vec![0.0; k * k];
        let mut windowed = vec![0.0; n];
        for b in 0..k {
            let s_b = &score[b];
            let mut start = 0;
            for &len in segments {
                let run = &s_b[start..start + len];
                let mut w: f64 = run[..len.min(max_lag + 1)].iter().sum();
                for r in 0..len {
                    windowed[start + r] = w;
                    if r + max_lag + 1 < len {
                        w += run[r + max_lag + 1];
                    }
                    if r >= max_lag {
                        w -= run[r - max_lag];
                    }
                }
                start += len;
            }
            for a in 0..k {
                m[a * k + b] = dot(&score[a], &windowed);
            }
        }
        // Symmetric in exact arithmetic; made so in floating point.
        for a in 0..k {
            for b in 0..a {
                let v = 0.5 * (m[a * k + b] + m[b * k + a]);
                m[a * k + b] = v;
                m[b * k + a] = v;
            }
        }
        m
    };
    let variances = |m: &[f64]| -> Vec<f64> {
        (0..k)
            .map(|a| {
                let row = &inverse[a * k..(a + 1) * k];
                (0..k)
                    .map(|b| (0..k).map(|c| row[b] * m[b * k + c] * row[c]).sum::<f64>())
                    .sum::<f64>()
            })
            .collect()
    };
    let correction = n as f64 / (n - k) as f64;
    let correlated = variances(&meat(lags));
    let independent = if correlated.iter().all(|v| *v > 0.0) {
        None
    } else {
        Some(variances(&meat(0)))
    };
    for (a, &j) in active.iter().enumerate() {
        let v = match &independent {
            Some(white) if correlated[a] <= 0.0 => white[a],
            _ => correlated[a],
        };
        out.mean[j] = beta[a] / norms[a];
        out.std[j] = (correction * v.max(0.0)).sqrt() / norms[a];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// y = 2 a − 0.5 b + noise on `n` rows; the noise is white, or a moving sum of `width`
    /// white values (rows correlated up to width − 1 apart).
    fn problem(n: usize, width: usize, rng: &mut Rng) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.05).sin() + 0.3).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.013).cos()).collect();
        let white: Vec<f64> = (0..n + width).map(|_| rng.normal()).collect();
        let y = (0..n)
            .map(|i| 2.0 * a[i] - 0.5 * b[i] + 0.1 * white[i..i + width].iter().sum::<f64>())
            .collect();
        (a, b, y)
    }

    /// Over many noise draws, the true coefficient lies within two stated standard
    /// deviations about 95% of the time, for white and for correlated rows (with the lag
    /// range that covers the correlation); ignoring the correlation is overconfident.
    #[test]
    fn intervals_cover_the_truth_at_their_stated_level() {
        let mut rng = Rng::new(7);
        let draws = 300;
        let (mut white_hits, mut correlated_hits, mut naive_hits) = (0, 0, 0);
        for _ in 0..draws {
            let (a, b, y) = problem(400, 1, &mut rng);
            let e = coefficient_errors(&[&a, &b], &y, &[true, true], &[400], 0).unwrap();
            white_hits += ((e.mean[0] - 2.0).abs() < 2.0 * e.std[0]) as usize;
            let (a, b, y) = problem(400, 8, &mut rng);
            let e = coefficient_errors(&[&a, &b], &y, &[true, true], &[400], 7).unwrap();
            correlated_hits += ((e.mean[0] - 2.0).abs() < 2.0 * e.std[0]) as usize;
            let e = coefficient_errors(&[&a, &b], &y, &[true, true], &[400], 0).unwrap();
            naive_hits += ((e.mean[0] - 2.0).abs() < 2.0 * e.std[0]) as usize;
        }
        let rate = |hits: usize| hits as f64 / draws as f64;
        // 95% ± 3 binomial standard deviations (1.3% each at 300 draws).
        assert!(
            (0.91..=0.99).contains(&rate(white_hits)),
            "{}",
            rate(white_hits)
        );
        assert!(
            (0.90..=0.99).contains(&rate(correlated_hits)),
            "{}",
            rate(correlated_hits)
        );
        assert!(rate(naive_hits) < 0.8, "{}", rate(naive_hits));
    }

    #[test]
    fn off_support_terms_and_degenerate_supports() {
        let mut rng = Rng::new(1);
        let (a, b, y) = problem(100, 1, &mut rng);
        let e = coefficient_errors(&[&a, &b], &y, &[true, false], &[100], 0).unwrap();
        assert_eq!((e.mean[1], e.std[1]), (0.0, 0.0));
        assert!(e.std[0] > 0.0);
        let none = coefficient_errors(&[&a, &b], &y, &[false, false], &[100], 0).unwrap();
        assert!(none.mean.iter().chain(&none.std).all(|v| *v == 0.0));
        // A column twice: dependent.
        assert_eq!(
            coefficient_errors(&[&a, &a], &y, &[true, true], &[100], 0),
            None
        );
        // Segments that do not cover the rows.
        assert_eq!(
            coefficient_errors(&[&a, &b], &y, &[true, true], &[50], 0),
            None
        );
        // Two segments: the lags do not reach across them (same answer as one run with
        // lags 0 when lags are 0).
        let one = coefficient_errors(&[&a, &b], &y, &[true, true], &[100], 0).unwrap();
        let two = coefficient_errors(&[&a, &b], &y, &[true, true], &[60, 40], 0).unwrap();
        assert_eq!(one, two);
    }
}
