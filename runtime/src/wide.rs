//! Vector loops compiled twice: for plain x86-64 (what the build targets, so the binary runs
//! anywhere) and for AVX2 + FMA, picked at run time where the CPU has them. It owns the
//! `dispatch!` macro that does this and the small dense primitives the solvers' inner loops
//! are made of: dot products, axpy, weighted sums of stage vectors, and an embedded Runge–
//! Kutta pair's squared weighted error formed and summed in one pass (`squared_error_sum`).
//! Neither version fuses a multiply and an add (Rust never contracts them), so both give
//! the same bits.

/// Whether the CPU has AVX2 and FMA (the standard library caches the answer).
pub fn wide() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `$vis fn $name(args) -> ret` (optionally generic over one `const N: usize`) runs
/// `$body`, compiled as `$any` for plain x86-64 and again inside `$wide` with AVX2 + FMA
/// enabled, choosing by the CPU at run time.
macro_rules! dispatch {
    ($(#[$doc:meta])* $vis:vis $name:ident $(<const $n:ident: usize>)?, $any:ident, $wide:ident,
     ($($arg:ident: $ty:ty),*) -> $ret:ty, $body:block) => {
        $(#[$doc])*
        $vis fn $name $(<const $n: usize>)? ($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            if $crate::wide::wide() {
                // SAFETY: the CPU has the features `$wide` is compiled for.
                return unsafe { $wide $(::<$n>)? ($($arg),*) };
            }
            $any $(::<$n>)? ($($arg),*)
        }

        #[inline(always)]
        fn $any $(<const $n: usize>)? ($($arg: $ty),*) -> $ret $body

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $wide $(<const $n: usize>)? ($($arg: $ty),*) -> $ret {
            $any $(::<$n>)? ($($arg),*)
        }
    };
}
pub(crate) use dispatch;

dispatch!(
    /// Σ a_i b_i with sixteen independent sums, so the compiler can vectorise it and keep
    /// several vector additions in flight (one running sum is a chain it must keep in order).
    pub dot, dot_any, dot_wide, (a: &[f64], b: &[f64]) -> f64, {
    let n = a.len().min(b.len());
    let (a16, b16) = (a[..n].chunks_exact(16), b[..n].chunks_exact(16));
    let tail: f64 = a16
        .remainder()
        .iter()
        .zip(b16.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0; 16];
    for (x, y) in a16.zip(b16) {
        for k in 0..16 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f64>() + tail
});

dispatch!(
    /// Σ w_i a_i b_i, vectorised like `dot`.
    pub weighted_dot, weighted_dot_any, weighted_dot_wide,
    (w: &[f64], a: &[f64], b: &[f64]) -> f64, {
    let n = w.len().min(a.len()).min(b.len());
    let mut acc = [0.0; 8];
    let mut chunks = (w[..n].chunks_exact(8), a[..n].chunks_exact(8), b[..n].chunks_exact(8));
    for ((w, x), y) in (&mut chunks.0).zip(&mut chunks.1).zip(&mut chunks.2) {
        for k in 0..8 {
            acc[k] += w[k] * x[k] * y[k];
        }
    }
    let tail: f64 = (chunks.0.remainder().iter())
        .zip(chunks.1.remainder())
        .zip(chunks.2.remainder())
        .map(|((w, x), y)| w * x * y)
        .sum();
    acc.iter().sum::<f64>() + tail
});

dispatch!(
    /// y += k·x.
    pub axpy, axpy_any, axpy_wide, (k: f64, x: &[f64], y: &mut [f64]) -> (), {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += k * xi;
    }
});

/// out = base + Σ_j c_j·k_j, accumulated in the order of j from `base` (the order, and so
/// the rounding, of adding the terms one by one), in one pass over the points. `base` is
/// `out` itself when `None`. Up to eight terms are fused; more go eight at a time.
pub fn weighted_sum(out: &mut [f64], base: Option<&[f64]>, terms: &[(f64, &[f64])]) {
    let mut base = base;
    if terms.is_empty() {
        if let Some(b) = base {
            out.copy_from_slice(&b[..out.len()]);
        }
        return;
    }
    for group in terms.chunks(8) {
        let mut c = [0.0; 8];
        let mut k: [&[f64]; 8] = [&[]; 8];
        for (j, (cj, kj)) in group.iter().enumerate() {
            (c[j], k[j]) = (*cj, kj);
        }
        let (c, k) = (&c[..group.len()], &k[..group.len()]);
        match group.len() {
            1 => fused::<1>(out, base, c, k),
            2 => fused::<2>(out, base, c, k),
            3 => fused::<3>(out, base, c, k),
            4 => fused::<4>(out, base, c, k),
            5 => fused::<5>(out, base, c, k),
            6 => fused::<6>(out, base, c, k),
            7 => fused::<7>(out, base, c, k),
            _ => fused::<8>(out, base, c, k),
        }
        // Later groups add onto what the first one wrote.
        base = None;
    }
}

fn fused<const N: usize>(out: &mut [f64], base: Option<&[f64]>, c: &[f64], k: &[&[f64]]) {
    let c: [f64; N] = c.try_into().expect("N coefficients");
    let k: [&[f64]; N] = k.try_into().expect("N vectors");
    fused_terms::<N>(out, base, c, k)
}

dispatch!(
    /// `weighted_sum` for one group of N terms.
    fused_terms<const N: usize>, fused_terms_any, fused_terms_wide,
    (out: &mut [f64], base: Option<&[f64]>, c: [f64; N], k: [&[f64]; N]) -> (), {
    let n = out.len();
    let k = k.map(|v| &v[..n]);
    let sum = |mut acc: f64, i: usize| {
        for j in 0..N {
            acc += c[j] * k[j][i];
        }
        acc
    };
    match base {
        Some(base) => {
            for (i, (o, b)) in out.iter_mut().zip(&base[..n]).enumerate() {
                *o = sum(*b, i);
            }
        }
        None => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = sum(*o, i);
            }
        }
    }
});

dispatch!(
    /// The sum over points of ((Σ_j c_j·k_j[i]) / (atol + rtol·max(|y0_i|, |y1_i|)))²: an
    /// embedded method's squared weighted error, its estimate formed per point exactly as
    /// `weighted_sum` from zero would (the same bits) but never stored. Not finite if the
    /// estimate, `k`'s last vector or `y1` has a value that is not, so a caller needs no
    /// other pass to reject such a step. Eight partial sums, so it vectorises.
    pub squared_error_sum<const N: usize>, squared_error_sum_any, squared_error_sum_wide,
    (c: [f64; N], k: [&[f64]; N], y: (&[f64], &[f64]), tol: (f64, f64)) -> f64, {
    let n = y.0.len().min(y.1.len());
    let mut acc = [0.0; ERROR_BLOCK];
    let whole = n - n % ERROR_BLOCK;
    for i in (0..whole).step_by(ERROR_BLOCK) {
        error_block(&c, &k, y, tol, i..i + ERROR_BLOCK, &mut acc);
    }
    let mut tail = [0.0; ERROR_BLOCK];
    error_block(&c, &k, y, tol, whole..n, &mut tail);
    acc.iter().sum::<f64>() + tail.iter().sum::<f64>()
});

/// Points per block of `squared_error_sum`.
const ERROR_BLOCK: usize = 8;

/// Adds the squared weighted errors of the points in `range` (at most `ERROR_BLOCK`) to
/// `acc`, one lane per point: fixed-size arrays, so each lane loop becomes vector code.
#[inline(always)]
fn error_block<const N: usize>(
    c: &[f64; N],
    k: &[&[f64]; N],
    (y0, y1): (&[f64], &[f64]),
    (atol, rtol): (f64, f64),
    range: std::ops::Range<usize>,
    acc: &mut [f64; ERROR_BLOCK],
) {
    let mut e = [0.0; ERROR_BLOCK];
    for j in 0..N {
        for (e, kj) in e.iter_mut().zip(&k[j][range.clone()]) {
            *e += c[j] * kj;
        }
    }
    let values = y0[range.clone()].iter().zip(&y1[range.clone()]);
    let rows = values.zip(&k[N - 1][range]).zip(&e);
    for (a, (((y0, y1), last), e)) in acc.iter_mut().zip(rows) {
        let q = e / (atol + rtol * y0.abs().max(y1.abs()));
        // 0·v is 0 for finite v and NaN otherwise: the finiteness checks, folded in.
        *a += q * q + (last * 0.0 + y1 * 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_match_their_definitions_in_every_version() {
        let a: Vec<f64> = (0..37).map(|i| (i as f64 * 0.7).sin()).collect();
        let b: Vec<f64> = (0..37).map(|i| (i as f64 * 0.3).cos()).collect();
        let w: Vec<f64> = (0..37).map(|i| 1.0 + i as f64).collect();
        let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-13);
        assert_eq!(dot(&a, &b), dot_any(&a, &b));
        let weighted: f64 = (0..37).map(|i| w[i] * a[i] * b[i]).sum();
        assert!((weighted_dot(&w, &a, &b) - weighted).abs() < 1e-12);
        let mut y = b.clone();
        axpy(2.0, &a, &mut y);
        assert!(y.iter().enumerate().all(|(i, v)| *v == b[i] + 2.0 * a[i]));
    }

    #[test]
    fn squared_error_sums_match_their_definition_and_catch_non_finite_values() {
        let vectors = |seed: f64, n: usize| -> Vec<f64> {
            (0..n)
                .map(|i| (seed * (i + 1) as f64).sin() * 3.0)
                .collect()
        };
        let c = [0.3, -1.25, 2.0];
        let (atol, rtol) = (1e-6, 1e-3);
        for n in [0, 1, 7, 8, 9, 37] {
            let k = [vectors(0.7, n), vectors(1.3, n), vectors(2.9, n)];
            let (y0, y1) = (vectors(0.2, n), vectors(0.5, n));
            let mut expected = 0.0;
            for i in 0..n {
                let e = 0.0 + c[0] * k[0][i] + c[1] * k[1][i] + c[2] * k[2][i];
                expected += (e / (atol + rtol * y0[i].abs().max(y1[i].abs()))).powi(2);
            }
            let views = [k[0].as_slice(), &k[1], &k[2]];
            let got = squared_error_sum(c, views, (&y0, &y1), (atol, rtol));
            assert!(
                (got - expected).abs() <= 1e-13 * expected,
                "{n}: {got} vs {expected}"
            );
            assert_eq!(
                got,
                squared_error_sum_any(c, views, (&y0, &y1), (atol, rtol)),
                "{n}: the vector versions agree"
            );
            // A NaN or infinity in the last stage or the new state, anywhere (tail
            // included), makes the sum not finite, even where its weight hides it.
            for i in 0..n {
                for bad in [f64::NAN, f64::INFINITY] {
                    let mut last = k[2].clone();
                    last[i] = bad;
                    let views = [k[0].as_slice(), &k[1], &last];
                    let sum = squared_error_sum([0.3, -1.25, 0.0], views, (&y0, &y1), (atol, rtol));
                    assert!(!sum.is_finite(), "{bad} in the last stage at {i} of {n}");
                    let mut y = y1.clone();
                    y[i] = bad;
                    let views = [k[0].as_slice(), &k[1], &k[2]];
                    let sum = squared_error_sum(c, views, (&y0, &y), (atol, rtol));
                    assert!(!sum.is_finite(), "{bad} in the state at {i} of {n}");
                }
            }
        }
    }

    #[test]
    fn weighted_sums_add_term_by_term_in_order() {
        let k: Vec<Vec<f64>> = (0..11)
            .map(|j| (0..13).map(|i| ((i * j) as f64).sin()).collect())
            .collect();
        let base: Vec<f64> = (0..13).map(|i| i as f64).collect();
        for count in [1, 3, 8, 11] {
            let terms: Vec<(f64, &[f64])> = (0..count)
                .map(|j| (0.1 * j as f64 - 0.3, k[j].as_slice()))
                .collect();
            let mut expected = base.clone();
            for (c, v) in &terms {
                for (e, x) in expected.iter_mut().zip(v.iter()) {
                    *e += c * x;
                }
            }
            let mut out = vec![0.0; 13];
            weighted_sum(&mut out, Some(&base), &terms);
            assert_eq!(out, expected, "{count} terms");
            let mut again = base.clone();
            weighted_sum(&mut again, None, &terms);
            assert_eq!(again, expected);
        }
    }
}
