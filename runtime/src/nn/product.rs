//! Jets of an element-wise product a ⊙ b and their reverse pass, by Leibniz's rule over
//! sub-multisets: D^J(a b) = Σ_{S ⊆ J} c(J, S) · D^S a · D^{J−S} b, with
//! c(J, S) = Π_i C(m_i(J), m_i(S)) and m_i the multiplicity of input i. This file owns the
//! (J, S, J − S, c) table of a [`JetSet`] and the loops over jet-major blocks (jet after
//! jet, each `block` values long, as network layers store their jets).

use super::jets::JetSet;
use crate::scalar::Scalar;

/// Elements per tile: every jet's terms run over one tile of each block before the next,
/// so the blocks a tile touches stay in cache (as in `compose`).
const TILE: usize = 512;

/// Per jet J of a set: its Leibniz terms (S, J − S, c), as jet indices. The term S = ∅
/// (c = 1) comes first, so the forward pass can assign with it instead of clearing.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Leibniz {
    terms: Vec<Vec<(usize, usize, f64)>>,
}

impl Leibniz {
    /// The table of `jets` (closed under sub-multisets, so every S and J − S is a member).
    pub(crate) fn new(jets: &JetSet) -> Leibniz {
        let d = jets.inputs();
        let multiset = |count: &[usize]| -> Vec<usize> {
            (0..d)
                .flat_map(|i| std::iter::repeat_n(i, count[i]))
                .collect()
        };
        let index = |count: &[usize]| {
            jets.index(&multiset(count))
                .expect("a jet set is closed under sub-multisets")
        };
        let terms = jets
            .jets()
            .iter()
            .map(|jet| {
                let mut count = vec![0; d];
                jet.iter().for_each(|&i| count[i] += 1);
                let mut terms = Vec::new();
                // An odometer over sub ≤ count, starting at sub = 0 (S = ∅).
                let mut sub = vec![0; d];
                loop {
                    let rest: Vec<usize> = (0..d).map(|i| count[i] - sub[i]).collect();
                    let c = (0..d).map(|i| binomial(count[i], sub[i])).product();
                    terms.push((index(&sub), index(&rest), c));
                    let Some(i) = (0..d).find(|&i| sub[i] < count[i]) else {
                        break;
                    };
                    sub[..i].fill(0);
                    sub[i] += 1;
                }
                terms
            })
            .collect();
        Leibniz { terms }
    }

    /// How many jets the table is for.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.terms.len()
    }
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, j| acc * (n - j) as f64 / (j + 1) as f64)
}

/// Overwrites `out` with all jets of base + a ⊙ b (a ⊙ b without `base`). `a`, `b`, `base`
/// and `out` hold `table.len()` blocks of `block` values each. Adding `base` here rather
/// than after saves the modified MLP a pass over its mixed layers.
pub(crate) fn forward<T: Scalar>(
    table: &Leibniz,
    block: usize,
    a: &[T],
    b: &[T],
    base: Option<&[T]>,
    out: &mut [T],
) {
    for lo in (0..block).step_by(TILE) {
        let hi = block.min(lo + TILE);
        let at = |j: usize| j * block + lo..j * block + hi;
        for (j, terms) in table.terms.iter().enumerate() {
            let out = &mut out[at(j)];
            for (t, &(s, r, c)) in terms.iter().enumerate() {
                let (a, b) = (&a[at(s)], &b[at(r)]);
                let c = T::from_f64_lossy(c);
                let zipped = out.iter_mut().zip(a).zip(b);
                if t == 0 {
                    // S = ∅: c = 1.
                    match base {
                        Some(base) => zipped
                            .zip(&base[at(j)])
                            .for_each(|(((o, &a), &b), &u)| *o = u + a * b),
                        None => zipped.for_each(|((o, &a), &b)| *o = a * b),
                    }
                } else {
                    zipped.for_each(|((o, &a), &b)| *o += c * a * b);
                }
            }
        }
    }
}

/// The reverse of [`forward`]: given the adjoints `g_out` of all jets of a ⊙ b, ADDS the
/// adjoints of all jets of a into `g_a` and of b into `g_b` (each term c · a_S · b_R of jet J
/// gives g_a[S] += c · g_J · b_R and g_b[R] += c · g_J · a_S).
pub(crate) fn backward<T: Scalar>(
    table: &Leibniz,
    block: usize,
    a: &[T],
    b: &[T],
    g_out: &[T],
    g_a: &mut [T],
    g_b: &mut [T],
) {
    for lo in (0..block).step_by(TILE) {
        let hi = block.min(lo + TILE);
        let at = |j: usize| j * block + lo..j * block + hi;
        for (j, terms) in table.terms.iter().enumerate() {
            let g = &g_out[at(j)];
            for &(s, r, c) in terms {
                let c = T::from_f64_lossy(c);
                // One loop for both factors, so g is read once per term.
                let (g_a, g_b) = (&mut g_a[at(s)], &mut g_b[at(r)]);
                let (a, b) = (&a[at(s)], &b[at(r)]);
                let zipped = g_a.iter_mut().zip(g_b.iter_mut()).zip(g).zip(a).zip(b);
                for ((((g_a, g_b), &g), &a), &b) in zipped {
                    let cg = c * g;
                    *g_a += cg * b;
                    *g_b += cg * a;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// a = sin(x0)·x1², b = exp(x0·x1): exact partial derivatives to order 4 by the
    /// one-variable Leibniz rule in each input separately (a is a product of functions of
    /// one input each; b's mixed partials are closed-form below).
    fn d_a(m0: usize, m1: usize, x0: f64, x1: f64) -> f64 {
        let sin = [x0.sin(), x0.cos(), -x0.sin(), -x0.cos()][m0 % 4];
        let poly = match m1 {
            0 => x1 * x1,
            1 => 2.0 * x1,
            2 => 2.0,
            _ => 0.0,
        };
        sin * poly
    }

    /// ∂^{m0}_{x0} ∂^{m1}_{x1} exp(x0 x1) = e · Σ_k C(m0,k) C(m1,k) k! x1^{m0−k} x0^{m1−k}:
    /// differentiating x1^{m0} e^{x0 x1} m1 times in x1, k of them hitting the power.
    fn d_b(m0: usize, m1: usize, x0: f64, x1: f64) -> f64 {
        let e = (x0 * x1).exp();
        let fact = |k: usize| (1..=k).product::<usize>() as f64;
        let sum: f64 = (0..=m0.min(m1))
            .map(|k| {
                binomial(m0, k)
                    * binomial(m1, k)
                    * fact(k)
                    * x1.powi((m0 - k) as i32)
                    * x0.powi((m1 - k) as i32)
            })
            .sum();
        e * sum
    }

    fn counts(jet: &[usize]) -> (usize, usize) {
        let m0 = jet.iter().filter(|&&i| i == 0).count();
        (m0, jet.len() - m0)
    }

    #[test]
    fn jets_of_a_product_of_known_functions() {
        let needed: Vec<Vec<usize>> = vec![
            vec![0, 0, 0, 0],
            vec![0, 0, 0, 1],
            vec![0, 0, 1, 1],
            vec![0, 1, 1, 1],
            vec![1, 1, 1, 1],
        ];
        let jets = JetSet::new(&needed, 2).unwrap();
        let table = Leibniz::new(&jets);
        assert_eq!(table.len(), jets.len());
        let points = [(0.3, -0.7), (1.1, 0.4), (-0.8, 1.3)];
        let block = points.len();
        let fill = |f: &dyn Fn(usize, usize, f64, f64) -> f64| -> Vec<f64> {
            let mut v = Vec::new();
            for jet in jets.jets() {
                let (m0, m1) = counts(jet);
                v.extend(points.iter().map(|&(x0, x1)| f(m0, m1, x0, x1)));
            }
            v
        };
        let (a, b) = (fill(&d_a), fill(&d_b));
        let want = fill(&|m0, m1, x0, x1| {
            // The exact derivative of the product by brute force over both inputs.
            let mut sum = 0.0;
            for k0 in 0..=m0 {
                for k1 in 0..=m1 {
                    sum += binomial(m0, k0)
                        * binomial(m1, k1)
                        * d_a(k0, k1, x0, x1)
                        * d_b(m0 - k0, m1 - k1, x0, x1);
                }
            }
            sum
        });
        // And the product's own value/derivatives by finite differences of the closed
        // forms, so the reference itself is checked: D_{x0} of the product.
        let f = |x0: f64, x1: f64| d_a(0, 0, x0, x1) * d_b(0, 0, x0, x1);
        let h = 1e-6;
        let (x0, x1) = points[0];
        let fd = (f(x0 + h, x1) - f(x0 - h, x1)) / (2.0 * h);
        assert!((fd - want[block]).abs() < 1e-8 * fd.abs().max(1.0));
        let mut out = vec![f64::NAN; a.len()];
        forward(&table, block, &a, &b, None, &mut out);
        let mut worst = 0.0f64;
        for (k, (&o, &w)) in out.iter().zip(&want).enumerate() {
            let err = (o - w).abs() / w.abs().max(1.0);
            worst = worst.max(err);
            assert!(err < 1e-12, "entry {k}: {o} vs {w}");
        }
        // Independently of any Leibniz sum: each jet against central differences of the
        // lower jet it extends, the product's jets evaluated at shifted points.
        let product_at = |shift: (f64, f64)| -> Vec<f64> {
            let moved: Vec<(f64, f64)> = points
                .iter()
                .map(|&(x0, x1)| (x0 + shift.0, x1 + shift.1))
                .collect();
            let fill = |f: &dyn Fn(usize, usize, f64, f64) -> f64| -> Vec<f64> {
                let mut v = Vec::new();
                for jet in jets.jets() {
                    let (m0, m1) = counts(jet);
                    v.extend(moved.iter().map(|&(x0, x1)| f(m0, m1, x0, x1)));
                }
                v
            };
            let mut out = vec![0.0; a.len()];
            forward(&table, block, &fill(&d_a), &fill(&d_b), None, &mut out);
            out
        };
        let h = 1e-4;
        for (j, jet) in jets.jets().iter().enumerate() {
            for i in 0..2 {
                let mut up = jet.clone();
                up.push(i);
                let Some(k) = jets.index(&up) else { continue };
                let e = |s: f64| if i == 0 { (s, 0.0) } else { (0.0, s) };
                let (p1, m1) = (product_at(e(h)), product_at(e(-h)));
                let (p2, m2) = (product_at(e(2.0 * h)), product_at(e(-2.0 * h)));
                for p in 0..block {
                    let at = j * block + p;
                    let fd = (8.0 * (p1[at] - m1[at]) - (p2[at] - m2[at])) / (12.0 * h);
                    let exact = out[k * block + p];
                    let err = (fd - exact).abs() / exact.abs().max(1.0);
                    assert!(
                        err < 1e-8,
                        "d/dx{i} of {jet:?} at point {p}: {exact} vs {fd}"
                    );
                }
            }
        }
        eprintln!("product jets: worst relative error {worst:e}");
    }

    #[test]
    fn backward_matches_finite_differences() {
        let jets = JetSet::new(&[vec![0, 0, 1], vec![1, 1, 1], vec![0, 1, 1]], 2).unwrap();
        let table = Leibniz::new(&jets);
        let block = 2;
        let len = jets.len() * block;
        let mut rng = Rng::new(7);
        let mut draw = |k: usize| (0..k).map(|_| rng.range(-1.0, 1.0)).collect::<Vec<f64>>();
        let (a, b, g) = (draw(len), draw(len), draw(len));
        // L = Σ g · (a ⊙ b jets), linear in each of a and b.
        let loss = |a: &[f64], b: &[f64]| {
            let mut out = vec![0.0; len];
            forward(&table, block, a, b, None, &mut out);
            out.iter().zip(&g).map(|(o, g)| o * g).sum::<f64>()
        };
        let (mut g_a, mut g_b) = (vec![0.5; len], vec![-0.25; len]);
        backward(&table, block, &a, &b, &g, &mut g_a, &mut g_b);
        let h = 1e-5;
        for k in 0..len {
            for (which, got) in [(0, g_a[k] - 0.5), (1, g_b[k] + 0.25)] {
                let (mut ap, mut am, mut bp, mut bm) = (a.clone(), a.clone(), b.clone(), b.clone());
                if which == 0 {
                    ap[k] += h;
                    am[k] -= h;
                } else {
                    bp[k] += h;
                    bm[k] -= h;
                }
                let fd = (loss(&ap, &bp) - loss(&am, &bm)) / (2.0 * h);
                assert!(
                    (fd - got).abs() <= 1e-9 * fd.abs().max(1.0),
                    "{which} {k}: {fd} vs {got}"
                );
            }
        }
    }
}
