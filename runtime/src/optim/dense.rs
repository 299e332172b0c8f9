//! Dense symmetric linear algebra for Levenberg–Marquardt: the Gram matrix JᵀJ of a tall
//! Jacobian, and a blocked Cholesky factorisation with its solve. A network of 3,000
//! weights makes JᵀJ a 10¹¹-flop product and its factorisation 10¹⁰ flops, which naive
//! loops take tens of seconds over; here nearly all of that work is in GEMM calls spread
//! over rayon's threads, each thread owning a block of rows of the result, so the result
//! does not depend on the thread count.

use crate::scalar::{MatRef, Scalar};
use rayon::prelude::*;

/// Rows per task, and the Cholesky panel width.
const BLOCK: usize = 96;

/// `a = jᵀj` for a row-major `m × n` matrix `j`; `a` is `n × n`, row-major, symmetric.
pub(super) fn gram(j: &[f64], m: usize, n: usize, a: &mut [f64]) {
    assert_eq!(j.len(), m * n, "gram: the Jacobian is not m × n");
    assert_eq!(a.len(), n * n, "gram: the result is not n × n");
    if m == 0 {
        a.iter_mut().for_each(|v| *v = 0.0);
        return;
    }
    a.par_chunks_mut(BLOCK * n)
        .enumerate()
        .for_each(|(block, rows)| {
            let first = block * BLOCK;
            // Rows first.. of jᵀ are columns first.. of j.
            let columns = MatRef {
                data: &j[first..],
                rows: rows.len() / n,
                cols: m,
                row_stride: 1,
                col_stride: n,
            };
            f64::gemm(1.0, columns, MatRef::new(j, m, n), 0.0, rows);
        });
}

/// Factor the symmetric positive definite `a` (`n × n`, row-major) in place into its lower
/// Cholesky factor L, a = LLᵀ. Only the lower triangle is read; the strict upper triangle is
/// left meaningless. `Err(k)`: the k-th pivot is not positive (or not finite), so `a` is not
/// numerically positive definite.
pub(super) fn cholesky(a: &mut [f64], n: usize) -> Result<(), usize> {
    assert_eq!(a.len(), n * n, "cholesky: the matrix is not n × n");
    let mut k0 = 0;
    while k0 < n {
        let k1 = (k0 + BLOCK).min(n);
        let width = k1 - k0;
        // The diagonal block, whose rows already hold the earlier panels' updates.
        for j in k0..k1 {
            let row_j = j * n;
            let pivot = a[row_j + j] - self_dot(&a[row_j + k0..row_j + j]);
            if !(pivot > 0.0 && pivot.is_finite()) {
                return Err(j);
            }
            let d = pivot.sqrt();
            a[row_j + j] = d;
            for i in j + 1..k1 {
                let (upper, lower) = a.split_at_mut(i * n);
                let lj = &upper[row_j + k0..row_j + j];
                let v = lower[j] - dot(&lower[k0..j], lj);
                lower[j] = v / d;
            }
        }
        let (top, below) = a.split_at_mut(k1 * n);
        let diagonal = &top[k0 * n..];
        // The panel under it: each row solves L[i, k0..k1] L_kkᵀ = A[i, k0..k1].
        below.par_chunks_mut(n).for_each(|row| {
            for j in k0..k1 {
                let lj = &diagonal[(j - k0) * n..];
                let v = row[j] - dot(&row[k0..j], &lj[k0..j]);
                row[j] = v / lj[j];
            }
        });
        // The trailing lower triangle: A[i, c] −= L[i, k0..k1] · L[c, k0..k1], c ≤ i.
        let rest = n - k1;
        if rest > 0 {
            let mut panel = vec![0.0; rest * width];
            for (p, row) in panel.chunks_mut(width).zip(below.chunks(n)) {
                p.copy_from_slice(&row[k0..k1]);
            }
            below
                .par_chunks_mut(BLOCK * n)
                .enumerate()
                .for_each(|(block, rows)| {
                    let first = block * BLOCK;
                    let count = rows.len() / n;
                    let columns = first + count;
                    let mut update = vec![0.0; count * columns];
                    f64::gemm(
                        1.0,
                        MatRef::new(&panel[first * width..columns * width], count, width),
                        MatRef::new(&panel[..columns * width], columns, width).t(),
                        0.0,
                        &mut update,
                    );
                    for (row, u) in rows.chunks_mut(n).zip(update.chunks(columns)) {
                        for (x, u) in row[k1..k1 + columns].iter_mut().zip(u) {
                            *x -= u;
                        }
                    }
                });
        }
        k0 = k1;
    }
    Ok(())
}

/// Solve LLᵀx = b in place, L from [`cholesky`].
pub(super) fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let v = b[i] - dot(&l[i * n..i * n + i], &b[..i]);
        b[i] = v / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut v = b[i];
        for k in i + 1..n {
            v -= l[k * n + i] * b[k];
        }
        b[i] = v / l[i * n + i];
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn self_dot(a: &[f64]) -> f64 {
    dot(a, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tall m × n matrix with entries of mixed signs and sizes.
    fn tall(m: usize, n: usize) -> Vec<f64> {
        (0..m * n)
            .map(|k| ((k * 7919 % 1013) as f64 / 1013.0 - 0.5) * (1.0 + (k % 5) as f64))
            .collect()
    }

    #[test]
    fn the_gram_matrix_is_the_product_of_the_transpose_and_the_matrix() {
        // More columns than one block, so several tasks write rows.
        let (m, n) = (250, 2 * BLOCK + 13);
        let j = tall(m, n);
        let mut a = vec![0.0; n * n];
        gram(&j, m, n, &mut a);
        for r in (0..n).step_by(17) {
            for c in 0..n {
                let want: f64 = (0..m).map(|k| j[k * n + r] * j[k * n + c]).sum();
                assert!((a[r * n + c] - want).abs() <= 1e-12 * want.abs().max(1.0));
            }
        }
    }

    #[test]
    fn the_blocked_cholesky_solves_a_positive_definite_system() {
        let (m, n) = (700, 2 * BLOCK + 40);
        let j = tall(m, n);
        let mut a = vec![0.0; n * n];
        gram(&j, m, n, &mut a);
        for i in 0..n {
            a[i * n + i] += 1e-3;
        }
        let x_true: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| dot(&a[i * n..(i + 1) * n], &x_true))
            .collect();
        let mut l = a.clone();
        cholesky(&mut l, n).unwrap();
        // L Lᵀ reproduces the lower triangle of a.
        for i in (0..n).step_by(11) {
            for c in 0..=i {
                let v: f64 = (0..=c).map(|k| l[i * n + k] * l[c * n + k]).sum();
                assert!((v - a[i * n + c]).abs() < 1e-9 * a[i * n + i], "({i}, {c})");
            }
        }
        let mut x = b.clone();
        cholesky_solve(&l, n, &mut x);
        let err = x
            .iter()
            .zip(&x_true)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-6, "{err}");
    }

    #[test]
    fn a_matrix_that_is_not_positive_definite_names_its_pivot() {
        let n = 3;
        let mut a = vec![1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(cholesky(&mut a, n), Err(1));
        let mut nan = vec![f64::NAN; 4];
        assert_eq!(cholesky(&mut nan, 2), Err(0));
    }
}
