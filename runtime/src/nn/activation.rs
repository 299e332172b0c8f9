//! Activation functions as networks see them: a table of derivatives σ^(k)(z) at the
//! pre-activation values, which is all Taylor-mode jets and their reverse pass need.
//!
//! The compiler supplies activations as JIT kernels whose derivatives it derived
//! symbolically; [`Builtin`] is the closed-form fallback (tanh, sin) used when no kernel is
//! available and by the tests.

use crate::scalar::Scalar;
use crate::vmath::madd;

/// An element-wise scalar function with its derivatives.
pub trait Activation<T>: Send + Sync {
    /// `out[k][i] = σ^(k)(z[i])` for k in `0..out.len()` (k = 0 is σ itself). Every
    /// `out[k]` has the length of `z`.
    fn derivatives(&self, z: &[T], out: &mut [&mut [T]]);
}

/// The closed-form activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinKind {
    Tanh,
    Sin,
}

/// Derivatives of tanh are polynomials in t = tanh z: P_0 = t, P_{k+1} = P_k'(t)·(1 − t²).
/// They are tabulated to this order; higher ones come out NaN rather than panicking.
pub const BUILTIN_MAX_DERIVATIVE: usize = 12;

/// A closed-form activation: tanh or sin, with derivatives to
/// [`BUILTIN_MAX_DERIVATIVE`].
#[derive(Debug, Clone)]
pub struct Builtin {
    kind: BuiltinKind,
    /// `tanh_poly[k][d]`: coefficient of t^d in P_k.
    tanh_poly: Vec<Vec<f64>>,
}

impl Builtin {
    pub fn new(kind: BuiltinKind) -> Builtin {
        Builtin {
            kind,
            tanh_poly: tanh_polynomials(BUILTIN_MAX_DERIVATIVE),
        }
    }

    pub fn kind(&self) -> BuiltinKind {
        self.kind
    }
}

/// Coefficients of P_0..=P_max (see [`BUILTIN_MAX_DERIVATIVE`]); P_k has degree k + 1.
fn tanh_polynomials(max: usize) -> Vec<Vec<f64>> {
    let mut polys = vec![vec![0.0, 1.0]];
    for k in 0..max {
        let p = &polys[k];
        // P' has degree k; times (1 − t²) gives degree k + 2.
        let mut next = vec![0.0; p.len() + 1];
        for (d, &c) in p.iter().enumerate().skip(1) {
            let dc = c * d as f64;
            next[d - 1] += dc;
            next[d + 1] -= dc;
        }
        polys.push(next);
    }
    polys
}

impl<T: Scalar> Activation<T> for Builtin {
    fn derivatives(&self, z: &[T], out: &mut [&mut [T]]) {
        match self.kind {
            BuiltinKind::Tanh => tanh_derivatives(&self.tanh_poly, z, out),
            BuiltinKind::Sin => sin_derivatives(z, out),
        }
    }
}

fn tanh_derivatives<T: Scalar>(polys: &[Vec<f64>], z: &[T], out: &mut [&mut [T]]) {
    let Some((first, higher)) = out.split_first_mut() else {
        return;
    };
    // tanh once per element (it dominates the cost); every derivative is a polynomial in it.
    T::tanh_slice(z, first);
    let t: &[T] = first;
    for (k, column) in (1..).zip(higher.iter_mut()) {
        match polys.get(k) {
            Some(poly) => horner(poly, t, column),
            None => column.fill(T::nan()),
        }
    }
}

/// `out[i] = poly(t[i])` by Horner's rule, 32 elements at a time in an array of four f32
/// vectors (a plain loop over the coefficients per element does not vectorise, a pass per
/// coefficient over the whole slice streams it through memory once per coefficient, and
/// one vector at a time waits on each multiply-add's latency: 8 elements per step took 50%
/// longer in training). On x86-64 CPUs with AVX2 and FMA the loop runs in a copy compiled
/// for them that fuses each multiply-add (the baseline copy does not: there a fused
/// multiply-add is a library call), so the two copies may differ in the last bit.
fn horner<T: Scalar>(poly: &[f64], t: &[T], out: &mut [T]) {
    // Coefficients converted once per call, on the stack.
    let mut coef = [T::zero(); BUILTIN_MAX_DERIVATIVE + 2];
    for (c, &p) in coef.iter_mut().zip(poly) {
        *c = T::from_f64_lossy(p);
    }
    let coef = &coef[..poly.len()];
    #[cfg(target_arch = "x86_64")]
    if crate::wide::wide() {
        // SAFETY: the CPU has the features `horner_avx2` is compiled for.
        unsafe { horner_avx2(coef, t, out) };
        return;
    }
    horner_lanes::<T, false>(coef, t, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn horner_avx2<T: Scalar>(coef: &[T], t: &[T], out: &mut [T]) {
    horner_lanes::<T, true>(coef, t, out);
}

#[inline(always)]
fn horner_lanes<T: Scalar, const FMA: bool>(coef: &[T], t: &[T], out: &mut [T]) {
    const LANES: usize = 32;
    let (&top, rest) = coef.split_last().expect("a polynomial has coefficients");
    let mut outs = out.chunks_exact_mut(LANES);
    let mut ts = t.chunks_exact(LANES);
    for (o, t) in (&mut outs).zip(&mut ts) {
        let mut acc = [top; LANES];
        for &c in rest.iter().rev() {
            for (a, &t) in acc.iter_mut().zip(t) {
                *a = madd::<T, FMA>(*a, t, c);
            }
        }
        o.copy_from_slice(&acc);
    }
    for (o, &t) in outs.into_remainder().iter_mut().zip(ts.remainder()) {
        *o = rest.iter().rev().fold(top, |a, &c| madd::<T, FMA>(a, t, c));
    }
}

/// sin^(k) cycles through sin, cos, −sin, −cos.
fn sin_derivatives<T: Scalar>(z: &[T], out: &mut [&mut [T]]) {
    for (i, &zi) in z.iter().enumerate() {
        let (s, c) = zi.sin_cos();
        for (k, column) in out.iter_mut().enumerate() {
            column[i] = match k % 4 {
                0 => s,
                1 => c,
                2 => -s,
                _ => -c,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(act: &Builtin, z: &[f64], orders: usize) -> Vec<Vec<f64>> {
        let mut cols = vec![vec![0.0; z.len()]; orders];
        let mut refs: Vec<&mut [f64]> = cols.iter_mut().map(|c| c.as_mut_slice()).collect();
        act.derivatives(z, &mut refs);
        cols
    }

    #[test]
    fn builtin_derivatives_match_finite_differences() {
        let z = [-2.1, -0.7, 0.0, 0.4, 1.3, 3.0];
        let h = 1e-4;
        for kind in [BuiltinKind::Tanh, BuiltinKind::Sin] {
            let act = Builtin::new(kind);
            let orders = BUILTIN_MAX_DERIVATIVE + 1;
            let at = table(&act, &z, orders);
            let plus: Vec<f64> = z.iter().map(|v| v + h).collect();
            let minus: Vec<f64> = z.iter().map(|v| v - h).collect();
            let (tp, tm) = (table(&act, &plus, orders), table(&act, &minus, orders));
            assert!(at[0].iter().zip(&z).all(|(v, zi)| {
                let want = if kind == BuiltinKind::Tanh {
                    zi.tanh()
                } else {
                    zi.sin()
                };
                (v - want).abs() < 1e-15
            }));
            for k in 0..orders - 1 {
                for i in 0..z.len() {
                    let fd = (tp[k][i] - tm[k][i]) / (2.0 * h);
                    let scale = at[k + 1].iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    assert!(
                        (fd - at[k + 1][i]).abs() < 1e-6 * scale,
                        "{kind:?} order {} at {}: {} vs {fd}",
                        k + 1,
                        z[i],
                        at[k + 1][i]
                    );
                }
            }
        }
    }

    #[test]
    fn orders_beyond_the_table_are_nan_not_a_panic() {
        let act = Builtin::new(BuiltinKind::Tanh);
        let cols = table(&act, &[0.3], BUILTIN_MAX_DERIVATIVE + 3);
        assert!(cols[BUILTIN_MAX_DERIVATIVE][0].is_finite());
        assert!(cols[BUILTIN_MAX_DERIVATIVE + 1][0].is_nan());
        let mut c32 = vec![0.0f32; 2];
        let z32 = [0.5f32, -1.0];
        Activation::<f32>::derivatives(&act, &z32, &mut [c32.as_mut_slice()]);
        assert!((c32[0] - 0.5f32.tanh()).abs() < 1e-7);
    }
}
