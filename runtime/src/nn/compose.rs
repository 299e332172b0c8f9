//! Jets of an element-wise composition a = σ(z) and their reverse pass, by the Faà di Bruno
//! tables of a [`JetSet`]. Jets are stored as equally long blocks, jet after jet, so every
//! term is a loop over one contiguous block per factor; this is the inner loop of network
//! training, hence the loops specialised by factor count.

use super::jets::JetSet;
use crate::scalar::Scalar;

/// The most factors one term's loop multiplies: the reverse pass of an order-4 term with 4
/// blocks multiplies the adjoint, σ^(5) and 4 blocks.
const MAX_FACTORS: usize = super::jets::MAX_ORDER + 2;

/// Elements per tile: the passes of all terms run over one tile of every block before the
/// next, so a tile of each jet stays in cache across the passes instead of every pass
/// streaming whole blocks (megabytes at training sizes) from memory. 512: a tile of every
/// block a second-order jet set touches (4 jets of z, 4 derivatives of σ, 3 outputs: 22 KB
/// in f32) fits in a 32 KB L1 cache.
const TILE: usize = 512;

/// Jets 1.. of σ(z) from the jets of z.
///
/// `deriv(k)` is σ^(k) at the value block (one block; asked only for k ≥ 1); `inner` holds
/// all jets of z; `outer_higher` receives jets 1.. of σ(z) (jet 0, σ itself, is the
/// caller's).
pub(crate) fn forward<'d, T: Scalar>(
    jets: &JetSet,
    block: usize,
    deriv: impl Fn(usize) -> &'d [T],
    inner: &[T],
    outer_higher: &mut [T],
) {
    for lo in (0..block).step_by(TILE) {
        let hi = block.min(lo + TILE);
        let at = |b: usize| b * block + lo..b * block + hi;
        let z = |b: usize| &inner[at(b)];
        for j in 1..jets.len() {
            let out = &mut outer_higher[at(j - 1)];
            // Every jet of order ≥ 1 has at least its σ'·z_J term; the first one assigns.
            for (t, term) in jets.terms(j).iter().enumerate() {
                let mut factors = Factors::new(&deriv(term.order)[lo..hi]);
                term.blocks.iter().for_each(|&b| factors.push(z(b)));
                let c = T::from_f64_lossy(term.coefficient);
                multiply_into(out, c, factors.as_slice(), t == 0);
            }
        }
    }
}

/// The reverse of [`forward`] together with the σ(z) value: given the adjoints of all jets
/// of σ(z) in `g_outer`, overwrites `g_inner` with the adjoints of all jets of z.
///
/// Jet J of σ(z) depends on z's value only through σ^(p)(z) (every block of a term is a
/// jet of order ≥ 1), so the value block collects σ^(p+1) terms and each block of a term
/// collects the product of the term's other factors.
pub(crate) fn backward<'d, T: Scalar>(
    jets: &JetSet,
    block: usize,
    deriv: impl Fn(usize) -> &'d [T],
    inner: &[T],
    g_outer: &[T],
    g_inner: &mut [T],
) {
    for lo in (0..block).step_by(TILE) {
        let hi = block.min(lo + TILE);
        let at = |b: usize| b * block + lo..b * block + hi;
        let z = |b: usize| &inner[at(b)];
        let g_out = |j: usize| &g_outer[at(j)];
        let sigma = |k: usize| &deriv(k)[lo..hi];
        // Every block receives something (the value block g·σ', block J at least the
        // σ'·z_J term of jet J); the first contribution to a block assigns it, so no pass
        // clears the blocks first.
        let mut written = Written::new(jets.len());
        if !written.tracks_all() {
            for j in 0..jets.len() {
                g_inner[at(j)].fill(T::zero());
            }
        }
        multiply_into(
            &mut g_inner[at(0)],
            T::one(),
            &[g_out(0), sigma(1)],
            written.first(0),
        );
        for j in 1..jets.len() {
            for term in jets.terms(j) {
                let c = T::from_f64_lossy(term.coefficient);
                let mut through_value = Factors::new(g_out(j));
                through_value.push(sigma(term.order + 1));
                term.blocks.iter().for_each(|&b| through_value.push(z(b)));
                accumulate(&mut g_inner[at(0)], c, through_value.as_slice());
                for (k, &target) in term.blocks.iter().enumerate() {
                    let mut others = Factors::new(g_out(j));
                    others.push(sigma(term.order));
                    for (l, &b) in term.blocks.iter().enumerate() {
                        if l != k {
                            others.push(z(b));
                        }
                    }
                    let first = written.first(target);
                    multiply_into(&mut g_inner[at(target)], c, others.as_slice(), first);
                }
            }
        }
    }
}

/// Which blocks of a reverse pass have received their first contribution, for up to 128
/// jets (beyond that the blocks are cleared first and every contribution adds).
struct Written {
    bits: u128,
    tracks_all: bool,
}

impl Written {
    fn new(jets: usize) -> Written {
        let tracks_all = jets <= 128;
        Written {
            bits: if tracks_all { 0 } else { u128::MAX },
            tracks_all,
        }
    }

    fn tracks_all(&self) -> bool {
        self.tracks_all
    }

    /// Whether block `j` gets its first contribution now (and from now on, not).
    fn first(&mut self, j: usize) -> bool {
        if !self.tracks_all {
            return false;
        }
        let bit = 1u128 << j;
        let first = self.bits & bit == 0;
        self.bits |= bit;
        first
    }
}

/// A short list of equally long blocks to multiply, kept on the stack.
struct Factors<'a, T> {
    items: [&'a [T]; MAX_FACTORS],
    len: usize,
}

impl<'a, T> Factors<'a, T> {
    fn new(first: &'a [T]) -> Self {
        let mut items: [&'a [T]; MAX_FACTORS] = [&[]; MAX_FACTORS];
        items[0] = first;
        Factors { items, len: 1 }
    }

    fn push(&mut self, f: &'a [T]) {
        self.items[self.len] = f;
        self.len += 1;
    }

    fn as_slice(&self) -> &[&'a [T]] {
        &self.items[..self.len]
    }
}

/// `out[e] = c · Π_f factors[f][e]` if `assign` (the first term into a block, which saves
/// clearing it), else `out[e] += …`. On x86-64 CPUs with AVX2 and FMA the loops run in a
/// copy compiled for them (the crate itself targets baseline x86-64, i.e. SSE2).
fn multiply_into<T: Scalar>(out: &mut [T], c: T, factors: &[&[T]], assign: bool) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features this copy is compiled for.
        unsafe { multiply_into_avx2(out, c, factors, assign) };
        return;
    }
    multiply_loops(out, c, factors, assign);
}

/// `out[e] += c · Π_f factors[f][e]`.
fn accumulate<T: Scalar>(out: &mut [T], c: T, factors: &[&[T]]) {
    multiply_into(out, c, factors, false);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn multiply_into_avx2<T: Scalar>(out: &mut [T], c: T, factors: &[&[T]], assign: bool) {
    multiply_loops(out, c, factors, assign);
}

#[inline(always)]
fn multiply_loops<T: Scalar>(out: &mut [T], c: T, factors: &[&[T]], assign: bool) {
    if assign {
        loops::<T, true>(out, c, factors);
    } else {
        loops::<T, false>(out, c, factors);
    }
}

/// One zipped loop per factor count, so the common short products vectorise.
#[inline(always)]
fn loops<T: Scalar, const ASSIGN: bool>(out: &mut [T], c: T, factors: &[&[T]]) {
    let put = |o: &mut T, v: T| {
        if ASSIGN {
            *o = v;
        } else {
            *o += v;
        }
    };
    let n = out.len();
    match *factors {
        [a] => {
            for (o, &a) in out.iter_mut().zip(&a[..n]) {
                put(o, c * a);
            }
        }
        [a, b] => {
            for ((o, &a), &b) in out.iter_mut().zip(&a[..n]).zip(&b[..n]) {
                put(o, c * a * b);
            }
        }
        [a, b, d] => {
            for (((o, &a), &b), &d) in out.iter_mut().zip(&a[..n]).zip(&b[..n]).zip(&d[..n]) {
                put(o, c * a * b * d);
            }
        }
        [a, b, d, e] => {
            let zipped = out.iter_mut().zip(&a[..n]).zip(&b[..n]).zip(&d[..n]);
            for ((((o, &a), &b), &d), &e) in zipped.zip(&e[..n]) {
                put(o, c * a * b * d * e);
            }
        }
        _ => {
            for (i, o) in out.iter_mut().enumerate() {
                put(o, factors.iter().fold(c, |p, f| p * f[i]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// σ = exp on one scalar input x with z = x², whose jets are known in closed form.
    #[test]
    fn forward_and_backward_of_exp_of_a_square() {
        let jets = JetSet::new(&[vec![0, 0, 0, 0]], 1).unwrap();
        let x: f64 = 0.7;
        // Jets of z = x²: 1, 2x, 2, 0, 0.
        let inner = [x * x, 2.0 * x, 2.0, 0.0, 0.0];
        let e = (x * x).exp();
        let mut outer = [0.0; 4];
        forward(&jets, 1, |_| std::slice::from_ref(&e), &inner, &mut outer);
        // d^k/dx^k exp(x²) = e · (2x, 4x² + 2, 8x³ + 12x, 16x⁴ + 48x² + 12).
        let want = [
            2.0 * x,
            4.0 * x * x + 2.0,
            8.0 * x.powi(3) + 12.0 * x,
            16.0 * x.powi(4) + 48.0 * x * x + 12.0,
        ];
        for (got, w) in outer.iter().zip(want) {
            assert!(
                (got - w * e).abs() < 1e-12 * e * w.abs(),
                "{got} vs {}",
                w * e
            );
        }
        // Reverse: L = Σ_j g_j a_j; check ∂L/∂z_j by finite differences.
        let g = [0.3, -1.1, 0.5, 0.7, -0.2];
        let mut g_inner = [0.0; 5];
        let d = [e; 1];
        backward(&jets, 1, |_| &d, &inner, &g, &mut g_inner);
        let loss = |z: &[f64]| {
            let ez = z[0].exp();
            let mut a = [0.0; 4];
            forward(&jets, 1, |_| std::slice::from_ref(&ez), z, &mut a);
            g[0] * ez + g[1..].iter().zip(a).map(|(g, a)| g * a).sum::<f64>()
        };
        for k in 0..5 {
            let h = 1e-6;
            let (mut p, mut m) = (inner, inner);
            p[k] += h;
            m[k] -= h;
            let fd = (loss(&p) - loss(&m)) / (2.0 * h);
            assert!(
                (fd - g_inner[k]).abs() < 1e-7 * fd.abs().max(1.0),
                "{k}: {fd} {}",
                g_inner[k]
            );
        }
    }
}
