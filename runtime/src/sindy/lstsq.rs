//! Least squares for the regressions: Householder QR of the library (columns scaled to unit
//! norm first, so terms of very different sizes such as `1` and `x³` do not ruin the
//! conditioning), optional ridge regularisation (appended as extra rows), and the numbers a
//! warning needs: an estimate of the condition number and whether the columns are
//! numerically dependent. `Factored` does the QR of a library once, with every target
//! appended: after it, a least-squares problem over any subset of the columns (any target,
//! fixed terms, ridge) is a p×k problem, so the many fits of a discovery session never pass
//! over the samples again.

pub use crate::wide::{axpy, dot, weighted_dot};
use std::ops::Range;

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
    let a: Vec<Vec<f64>> = columns
        .iter()
        .zip(&norms)
        .map(|(c, &norm)| {
            let s = if norm > 0.0 { 1.0 / norm } else { 0.0 };
            c.iter().map(|v| v * s).collect()
        })
        .collect();
    let (scaled, rdiag) = ridge_solve(a, y.to_vec(), ridge);
    let (dependent, condition) = diagnose(&rdiag, |j| norms[j] == 0.0);
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
        condition,
        dependent,
    }
}

/// A library's Householder QR with the targets carried along: Θ̃ = QR for the unit-norm
/// columns Θ̃ = Θ·diag(1/‖θ_j‖), and for each target y its projection z = (Qᵀy)[..p] and
/// the squared norm of the rest (what no combination of the columns can fit). For any
/// subset S of the columns, ‖Θ_S c − y‖² = ‖R_S c̃ − z‖² + rest: the same solution as a QR
/// of the subset on all samples, from p×|S| numbers.
#[derive(Debug, Clone)]
pub struct Factored {
    norms: Vec<f64>,
    /// R column by column (entries below the diagonal are 0).
    r: Vec<Vec<f64>>,
    z: Vec<Vec<f64>>,
    rest: Vec<f64>,
}

impl Factored {
    /// Factor `columns` (all of the length of every target).
    pub fn new(columns: &[&[f64]], targets: &[&[f64]]) -> Factored {
        let samples = targets.first().map_or(0, |t| t.len());
        let fill = |rows: Range<usize>, block: &mut [Vec<f64>]| {
            for (col, source) in block.iter_mut().zip(columns.iter().chain(targets)) {
                col.extend_from_slice(&source[rows.clone()]);
            }
            Ok::<(), std::convert::Infallible>(())
        };
        match Factored::from_blocks(columns.len(), targets.len(), samples, fill) {
            Ok(f) => f,
            Err(never) => match never {},
        }
    }

    /// Factor a library that `fill` produces block by block of rows (TSQR): `fill(rows,
    /// block)` appends the rows `rows` of the p columns and then of the targets to the
    /// (empty) columns of `block`. Each block's QR runs in cache and leaves p rows of R
    /// and z; those stacked are factored again. Neither the library nor a copy of it is
    /// ever held whole. The first error of `fill` stops the factorisation.
    pub fn from_blocks<E>(
        p: usize,
        targets: usize,
        samples: usize,
        mut fill: impl FnMut(Range<usize>, &mut [Vec<f64>]) -> Result<(), E>,
    ) -> Result<Factored, E> {
        let mut stacked: Vec<Vec<f64>> = vec![Vec::new(); p + targets];
        let mut rest = vec![0.0; targets];
        let mut block: Vec<Vec<f64>> = vec![Vec::with_capacity(BLOCK_ROWS); p + targets];
        for start in (0..samples).step_by(BLOCK_ROWS) {
            block.iter_mut().for_each(Vec::clear);
            fill(start..(start + BLOCK_ROWS).min(samples), &mut block)?;
            triangularise(&mut block, p);
            fold_block(&block, p, &mut stacked, &mut rest);
        }
        triangularise(&mut stacked, p);
        let mut top = vec![Vec::new(); stacked.len()];
        fold_block(&stacked, p, &mut top, &mut rest);
        let square = |mut col: Vec<f64>| {
            col.resize(p, 0.0);
            col
        };
        let z: Vec<Vec<f64>> = top.split_off(p).into_iter().map(square).collect();
        // QR commutes with scaling columns: R of the unit-norm columns is R·diag(1/‖θ_j‖),
        // and ‖θ_j‖ is the norm of R's column j (Q preserves norms).
        let mut r: Vec<Vec<f64>> = top.into_iter().map(square).collect();
        let norms: Vec<f64> = r.iter().map(|c| dot(c, c).sqrt()).collect();
        for (col, &norm) in r.iter_mut().zip(&norms) {
            let s = if norm > 0.0 { 1.0 / norm } else { 0.0 };
            col.iter_mut().for_each(|v| *v *= s);
        }
        Ok(Factored { norms, r, z, rest })
    }

    pub fn columns(&self) -> usize {
        self.norms.len()
    }

    /// ‖θ_j‖ of each column.
    pub fn norms(&self) -> &[f64] {
        &self.norms
    }

    /// ΘᵀΘ (row-major p×p), from R: no pass over the samples.
    pub fn gram(&self) -> Vec<f64> {
        let p = self.columns();
        let mut g = vec![0.0; p * p];
        for i in 0..p {
            for j in i..p {
                let v = dot(&self.r[i], &self.r[j]) * self.norms[i] * self.norms[j];
                g[i * p + j] = v;
                g[j * p + i] = v;
            }
        }
        g
    }

    /// Θᵀy and yᵀy of target `t`.
    pub fn moments(&self, t: usize) -> (Vec<f64>, f64) {
        let b = (0..self.columns())
            .map(|j| dot(&self.r[j], &self.z[t]) * self.norms[j])
            .collect();
        (b, dot(&self.z[t], &self.z[t]) + self.rest[t])
    }

    /// ‖Σ_j coef_j θ_j − y_t‖².
    pub fn rss(&self, t: usize, coef: &[f64]) -> f64 {
        let mut r = self.z[t].clone();
        for (j, &c) in coef.iter().enumerate() {
            if c != 0.0 {
                axpy(-c * self.norms[j], &self.r[j], &mut r);
            }
        }
        dot(&r, &r) + self.rest[t]
    }

    /// Least squares of target `t`, less the `fixed` terms, on the columns `active`, with
    /// ridge on their unit-norm coefficients: as `solve` on those columns of the samples.
    /// `coef` follows `active`; `rss` includes the fixed terms; `dependent` indexes `active`.
    pub fn solve(
        &self,
        t: usize,
        active: &[usize],
        fixed: &[(usize, f64)],
        ridge: f64,
    ) -> Solution {
        let p = self.columns();
        let mut rhs = self.z[t].clone();
        for &(j, c) in fixed {
            if j < p && c != 0.0 {
                axpy(-c * self.norms[j], &self.r[j], &mut rhs);
            }
        }
        let a: Vec<Vec<f64>> = active.iter().map(|&j| self.r[j].clone()).collect();
        let (scaled, rdiag) = ridge_solve(a, rhs.clone(), ridge);
        let (dependent, condition) = diagnose(&rdiag, |k| self.norms[active[k]] == 0.0);
        let coef: Vec<f64> = (0..active.len())
            .map(|k| {
                if dependent.contains(&k) {
                    0.0
                } else {
                    scaled[k] / self.norms[active[k]]
                }
            })
            .collect();
        for (k, &j) in active.iter().enumerate() {
            axpy(-coef[k] * self.norms[j], &self.r[j], &mut rhs);
        }
        Solution {
            coef,
            rss: dot(&rhs, &rhs) + self.rest[t],
            condition,
            dependent,
        }
    }

    /// The dependent columns and the condition estimate of the whole library.
    pub fn diagnose(&self) -> (Vec<usize>, f64) {
        let rdiag: Vec<f64> = (0..self.columns()).map(|j| self.r[j][j]).collect();
        diagnose(&rdiag, |j| self.norms[j] == 0.0)
    }
}

/// Rows per block of `Factored::new`: a block of a dozen columns stays in the L1 cache.
const BLOCK_ROWS: usize = 256;

/// Householder QR of the first `p` columns of `a` in place, the other columns carried
/// along (Qᵀ applied to them).
fn triangularise(a: &mut [Vec<f64>], p: usize) {
    let m = a.first().map_or(0, Vec::len);
    for j in 0..p.min(m) {
        let norm = dot(&a[j][j..], &a[j][j..]).sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[j][j..].to_vec();
        v[0] -= alpha;
        let vv = dot(&v, &v);
        if vv == 0.0 {
            continue;
        }
        a[j][j] = alpha;
        a[j][j + 1..].iter_mut().for_each(|x| *x = 0.0);
        for col in a.iter_mut().skip(j + 1) {
            axpy(-2.0 * dot(&v, &col[j..]) / vv, &v, &mut col[j..]);
        }
    }
}

/// Append the top rows (R and z: at most p) of a triangularised block to `stacked`, and
/// add the squared norm of each carried column's remaining rows to `rest`.
fn fold_block(block: &[Vec<f64>], p: usize, stacked: &mut [Vec<f64>], rest: &mut [f64]) {
    let keep = p.min(block.first().map_or(0, Vec::len));
    for (j, col) in block.iter().enumerate() {
        stacked[j].extend_from_slice(&col[..keep]);
        if j >= p {
            rest[j - p] += dot(&col[keep..], &col[keep..]);
        }
    }
}

/// Columns whose |R_jj| is negligible (or that are zero), and max |R_jj| / min |R_jj| over
/// the others.
fn diagnose(rdiag: &[f64], zero: impl Fn(usize) -> bool) -> (Vec<usize>, f64) {
    let big = rdiag.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    let dependent: Vec<usize> = (0..rdiag.len())
        .filter(|&j| zero(j) || rdiag[j].abs() <= RANK_TOL * big)
        .collect();
    let small = rdiag
        .iter()
        .enumerate()
        .filter(|(j, _)| !dependent.contains(j))
        .fold(f64::INFINITY, |m, (_, r)| m.min(r.abs()));
    let condition = if small > 0.0 && small.is_finite() {
        big / small
    } else {
        f64::INFINITY
    };
    (dependent, condition)
}

/// ‖Σ c_j columns[j] − y‖².
pub fn residual(columns: &[&[f64]], coef: &[f64], y: &[f64]) -> f64 {
    let mut r = y.to_vec();
    for (c, &k) in columns.iter().zip(coef) {
        if k != 0.0 {
            axpy(-k, c, &mut r);
        }
    }
    dot(&r, &r)
}

/// Plain least squares on small, well-scaled problems (Savitzky–Golay windows).
pub fn qr_solve(columns: &[Vec<f64>], y: &[f64]) -> Solution {
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    solve(&refs, y, 0.0)
}

/// min ‖a c − b‖² + ridge·‖c‖² for the column-major `a`: with ridge > 0, `a` gains the
/// rows √ridge·I and `b` as many zeros, then [`householder_solve`].
fn ridge_solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>, ridge: f64) -> (Vec<f64>, Vec<f64>) {
    if ridge > 0.0 {
        let extra = a.len();
        for (j, col) in a.iter_mut().enumerate() {
            col.extend((0..extra).map(|k| if k == j { ridge.sqrt() } else { 0.0 }));
        }
        b.extend(std::iter::repeat_n(0.0, extra));
    }
    householder_solve(a, b)
}

/// Householder QR of the column-major `a` (m × p) with `b` carried along; returns the
/// solution of R x = Qᵀb (dependent columns skipped, x = 0 there) and the diagonal of R.
fn householder_solve(mut a: Vec<Vec<f64>>, b: Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    let p = a.len();
    let m = b.len();
    a.push(b);
    triangularise(&mut a, p);
    let rdiag: Vec<f64> = (0..p).map(|j| if j < m { a[j][j] } else { 0.0 }).collect();
    let big = rdiag.iter().fold(0.0f64, |acc, r| acc.max(r.abs()));
    let mut x = vec![0.0; p];
    for j in (0..p.min(m)).rev() {
        if rdiag[j].abs() <= RANK_TOL * big {
            continue;
        }
        let mut s = a[p][j];
        for k in j + 1..p {
            s -= a[k][j] * x[k];
        }
        x[j] = s / rdiag[j];
    }
    (x, rdiag)
}

/// The inverse of a symmetric positive definite k×k matrix (row-major) by Cholesky; `None`
/// when it is not numerically positive definite.
pub fn invert_spd(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    let scale = (0..k).map(|i| a[i * k + i]).fold(0.0, f64::max);
    for i in 0..k {
        for j in 0..=i {
            let s = a[i * k + j] - (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum::<f64>();
            if i == j {
                if s <= 1e-12 * scale {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    // Columns of the inverse: solve L Lᵀ x = e_c.
    let mut inv = vec![0.0; k * k];
    for c in 0..k {
        let mut z = vec![0.0; k];
        for i in 0..k {
            let e = if i == c { 1.0 } else { 0.0 };
            z[i] = (e - (0..i).map(|m| l[i * k + m] * z[m]).sum::<f64>()) / l[i * k + i];
        }
        for i in (0..k).rev() {
            z[i] = (z[i] - (i + 1..k).map(|m| l[m * k + i] * z[m]).sum::<f64>()) / l[i * k + i];
        }
        for i in 0..k {
            inv[i * k + c] = z[i];
        }
    }
    Some(inv)
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
    fn factored_subproblems_equal_direct_solves() {
        let n = 300;
        let t: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
        let cols: Vec<Vec<f64>> = vec![
            vec![1.0; n],
            t.clone(),
            t.iter().map(|v| 100.0 * v * v).collect(),
            t.iter().map(|v| (7.0 * v).sin()).collect(),
            vec![0.0; n],
        ];
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let y1: Vec<f64> = (0..n)
            .map(|i| 3.0 * t[i] - 0.02 * cols[2][i] + (i as f64).cos())
            .collect();
        let y2: Vec<f64> = (0..n)
            .map(|i| cols[3][i] + 0.1 * (3.0 * i as f64).sin())
            .collect();
        let factored = Factored::new(&refs, &[&y1, &y2]);
        for (target, y) in [&y1, &y2].into_iter().enumerate() {
            for (active, fixed, ridge) in [
                (vec![0, 1, 2, 3, 4], vec![], 0.0),
                (vec![1, 3], vec![(2, -0.02)], 0.0),
                (vec![0, 2], vec![(1, 2.5), (3, 0.0)], 0.3),
            ] {
                let mut shifted = y.clone();
                for &(j, c) in &fixed {
                    for (s, v) in shifted.iter_mut().zip(&cols[j]) {
                        *s -= c * v;
                    }
                }
                let sub: Vec<&[f64]> = active.iter().map(|&j| refs[j]).collect();
                let direct = solve(&sub, &shifted, ridge);
                let reduced = factored.solve(target, &active, &fixed, ridge);
                assert_eq!(direct.dependent, reduced.dependent);
                for (a, b) in direct.coef.iter().zip(&reduced.coef) {
                    assert!((a - b).abs() <= 1e-10 * a.abs().max(1.0), "{a} vs {b}");
                }
                assert!(
                    (direct.rss - reduced.rss).abs() <= 1e-9 * direct.rss,
                    "{} vs {}",
                    direct.rss,
                    reduced.rss
                );
                assert!((direct.condition / reduced.condition - 1.0).abs() < 1e-8);
            }
            let coef = [0.5, -1.0, 0.01, 2.0, 0.0];
            let direct = residual(&refs, &coef, y);
            assert!((factored.rss(target, &coef) - direct).abs() <= 1e-10 * direct);
        }
        assert_eq!(factored.diagnose().0, vec![4]);
        let g = factored.gram();
        let p = refs.len();
        for i in 0..p {
            for j in 0..p {
                let d = dot(refs[i], refs[j]);
                assert!((g[i * p + j] - d).abs() <= 1e-10 * d.abs().max(1.0));
            }
        }
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
