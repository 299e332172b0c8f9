//! Least squares for the regressions: Householder QR of the library (columns scaled to unit
//! norm first, so terms of very different sizes such as `1` and `x³` do not ruin the
//! conditioning), optional ridge regularisation (appended as extra rows), and the numbers a
//! warning needs: an estimate of the condition number and whether the columns are
//! numerically dependent.

/// A least-squares solution in the caller's units.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub coef: Vec<f64>,
    /// Sum of squared residuals on the data rows (not the ridge rows).
    pub rss: f64,
    /// max |R_ii| / min |R_ii| of the normalised problem: a cheap lower bound on the
    /// condition number of the scaled library.
    pub condition: f64,
    /// Columns that are (numerically) zero or combinations of earlier ones; their
    /// coefficients are 0.
    pub dependent: Vec<usize>,
}

/// Relative size of |R_ii| below which a column counts as dependent.
const RANK_TOL: f64 = 1e-10;

/// Solve min ‖Σ_j c_j columns[j] − y‖² + ridge·‖c̃‖² (c̃: coefficients of the unit-norm
/// columns). Columns must have the length of `y`.
pub fn solve(columns: &[&[f64]], y: &[f64], ridge: f64) -> Solution {
    let p = columns.len();
    let norms: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    let extra = if ridge > 0.0 { p } else { 0 };
    let mut a: Vec<Vec<f64>> = columns
        .iter()
        .zip(&norms)
        .enumerate()
        .map(|(j, (c, &norm))| {
            let s = if norm > 0.0 { 1.0 / norm } else { 0.0 };
            let mut col: Vec<f64> = c.iter().map(|v| v * s).collect();
            col.extend((0..extra).map(|k| if k == j { ridge.sqrt() } else { 0.0 }));
            col
        })
        .collect();
    let mut b = y.to_vec();
    b.extend(std::iter::repeat_n(0.0, extra));
    let (scaled, rdiag) = householder_solve(&mut a, &mut b);
    let big = rdiag.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    let dependent: Vec<usize> = (0..p)
        .filter(|&j| norms[j] == 0.0 || rdiag[j].abs() <= RANK_TOL * big)
        .collect();
    let small = rdiag
        .iter()
        .enumerate()
        .filter(|(j, _)| !dependent.contains(j))
        .fold(f64::INFINITY, |m, (_, r)| m.min(r.abs()));
    let coef: Vec<f64> = (0..p)
        .map(|j| {
            if dependent.contains(&j) {
                0.0
            } else {
                scaled[j] / norms[j]
            }
        })
        .collect();
    let rss = residual(columns, &coef, y);
    Solution {
        coef,
        rss,
        condition: if small > 0.0 && small.is_finite() {
            big / small
        } else {
            f64::INFINITY
        },
        dependent,
    }
}

/// ‖Σ c_j columns[j] − y‖².
pub fn residual(columns: &[&[f64]], coef: &[f64], y: &[f64]) -> f64 {
    let mut r = y.to_vec();
    for (c, &k) in columns.iter().zip(coef) {
        if k != 0.0 {
            for (ri, v) in r.iter_mut().zip(c.iter()) {
                *ri -= k * v;
            }
        }
    }
    r.iter().map(|v| v * v).sum()
}

/// Plain least squares on small, well-scaled problems (Savitzky–Golay windows).
pub fn qr_solve(columns: &[Vec<f64>], y: &[f64]) -> Solution {
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    solve(&refs, y, 0.0)
}

/// Householder QR in place on column-major `a` (m × p, m ≥ p) with `b` transformed
/// alongside; returns the solution of R x = Qᵀb (dependent columns skipped, x = 0 there)
/// and the diagonal of R.
fn householder_solve(a: &mut [Vec<f64>], b: &mut [f64]) -> (Vec<f64>, Vec<f64>) {
    let p = a.len();
    let m = b.len();
    let mut rdiag = vec![0.0; p];
    for j in 0..p.min(m) {
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[j][j..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        if vv == 0.0 {
            rdiag[j] = alpha;
            continue;
        }
        let reflect = |col: &mut [f64]| {
            let dot: f64 = v.iter().zip(col.iter()).map(|(a, b)| a * b).sum();
            let s = 2.0 * dot / vv;
            for (c, vi) in col.iter_mut().zip(&v) {
                *c -= s * vi;
            }
        };
        for col in a.iter_mut().skip(j) {
            reflect(&mut col[j..]);
        }
        reflect(&mut b[j..]);
        rdiag[j] = a[j][j];
    }
    let big = rdiag.iter().fold(0.0f64, |acc, r| acc.max(r.abs()));
    let mut x = vec![0.0; p];
    for j in (0..p.min(m)).rev() {
        if rdiag[j].abs() <= RANK_TOL * big {
            continue;
        }
        let mut s = b[j];
        for k in j + 1..p {
            s -= a[k][j] * x[k];
        }
        x[j] = s / rdiag[j];
    }
    (x, rdiag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_overdetermined_systems_exactly_and_with_noise() {
        let x: Vec<f64> = (0..50).map(|i| i as f64 / 10.0).collect();
        let one = vec![1.0; 50];
        let sq: Vec<f64> = x.iter().map(|v| 1000.0 * v * v).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 - 3.0 * v + 5.0 * v * v).collect();
        let s = solve(&[&one, &x, &sq], &y, 0.0);
        assert!((s.coef[0] - 2.0).abs() < 1e-10);
        assert!((s.coef[1] + 3.0).abs() < 1e-10);
        assert!((s.coef[2] - 0.005).abs() < 1e-13);
        assert!(s.rss < 1e-18 && s.dependent.is_empty());
    }

    #[test]
    fn dependent_and_zero_columns_are_detected() {
        let x: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let twice: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let zero = vec![0.0; 20];
        let y: Vec<f64> = x.iter().map(|v| 4.0 * v).collect();
        let s = solve(&[&x, &twice, &zero], &y, 0.0);
        assert_eq!(s.dependent, vec![1, 2]);
        assert!((s.coef[0] - 4.0).abs() < 1e-10, "{:?}", s.coef);
        assert!(s.rss < 1e-16);
    }

    #[test]
    fn ridge_shrinks_coefficients() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 / 20.0).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 * v).collect();
        let plain = solve(&[&x], &y, 0.0).coef[0];
        let ridged = solve(&[&x], &y, 1.0).coef[0];
        assert!((plain - 3.0).abs() < 1e-12);
        assert!((ridged - 1.5).abs() < 1e-12, "{ridged}");
    }
}
