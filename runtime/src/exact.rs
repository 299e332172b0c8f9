//! Exact solutions that trained and simulated models are checked against. It owns the
//! viscous Burgers solution for a sine initial condition (the PINN benchmark), written in
//! closed form by the Cole–Hopf transform and evaluated by Gauss–Hermite quadrature, and
//! the quadrature rule itself, computed here so that the reference needs no crate.

use rayon::prelude::*;
use std::f64::consts::PI;
use std::sync::OnceLock;

/// The Gauss–Hermite rules `burgers` picks from, smallest first; each is built on first use.
const RULE_SIZES: [usize; 4] = [400, 800, 1600, 3200];

/// u(x, t) of u_t + u u_x = ν u_xx on x ∈ [-1, 1] with u(x, 0) = -sin(πx) and
/// u(±1, t) = 0. By Cole–Hopf,
///
///   u = -∫ sin(π(x-η)) f(x-η) e^{-η²/4νt} dη / ∫ f(x-η) e^{-η²/4νt} dη,
///   f(y) = exp(-cos(πy)/(2πν)),
///
/// (the whole-line solution for the odd, 2-periodic extension of the initial data, which
/// vanishes at x = ±1 by symmetry). With η = √(4νt)·s both integrals are Gauss–Hermite
/// sums, accurate to about 1e-11 wherever a rule of at most 3200 nodes resolves the
/// integrand (see `nodes_needed`): for the PINN benchmark's ν = 0.01/π, every t ≤ 32.
///
/// `t = 0` gives the initial condition. NaN, rather than a wrong number, for a negative or
/// non-finite `t`, a non-finite `x`, `ν ≤ 0`, and where the rules do not reach: ν below
/// about 2.5e-5, or ν·t above about 4.8 (where u has decayed like e^{-π²νt} < e^{-47}).
pub fn burgers(x: f64, t: f64, nu: f64) -> f64 {
    if !(x.is_finite() && t.is_finite() && nu.is_finite()) || t < 0.0 || nu <= 0.0 {
        return f64::NAN;
    }
    if t == 0.0 {
        return -(PI * x).sin();
    }
    let needed = nodes_needed(t, nu);
    match RULE_SIZES.iter().position(|&n| n as f64 >= needed) {
        Some(i) => burgers_quadrature(x, t, nu, hermite_rule(i)),
        None => f64::NAN,
    }
}

/// How many nodes resolve the integrand g(s) = f(x - √(4νt)·s), measured by comparing
/// rules against one of 6400 nodes to 1e-11 over ν ∈ [1e-5, 3], t ∈ [0.01, 32], then
/// rounded up. Three things set it: f's bumps (where cos(πy) = -1) lie out to s ≈ 1/√(πν)
/// and the outer nodes, at ≈ √(2n), must reach them; the bumps narrow like 1/√(2πt) while
/// the node spacing is ≈ π/√(2n); and g oscillates with period 2/√(4νt) in s.
fn nodes_needed(t: f64, nu: f64) -> f64 {
    (1.0 / (4.0 * PI * nu)).max(100.0 * t).max(670.0 * nu * t)
}

/// `burgers` on the tensor grid `xs × ts`, row-major with x slowest:
/// `result[i * ts.len() + k] = burgers(xs[i], ts[k], nu)`.
pub fn burgers_grid(xs: &[f64], ts: &[f64], nu: f64) -> Vec<f64> {
    let mut out = vec![0.0; xs.len() * ts.len()];
    if ts.is_empty() {
        return out;
    }
    out.par_chunks_mut(ts.len()).zip(xs).for_each(|(row, &x)| {
        for (u, &t) in row.iter_mut().zip(ts) {
            *u = burgers(x, t, nu);
        }
    });
    out
}

fn burgers_quadrature(x: f64, t: f64, nu: f64, rule: &HermiteRule) -> f64 {
    let width = (4.0 * nu * t).sqrt();
    let k = 1.0 / (2.0 * PI * nu);
    // f(y) reaches e^{±1/(2πν)}, e^{±50} for the benchmark's ν, and the tail weights are
    // far below f64's range: sum in logarithms, relative to the largest term.
    let log_terms: Vec<f64> = rule
        .nodes
        .iter()
        .zip(&rule.log_weights)
        .map(|(&s, &lw)| lw - k * (PI * (x - width * s)).cos())
        .collect();
    let peak = log_terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut num, mut den) = (0.0, 0.0);
    for (&s, &l) in rule.nodes.iter().zip(&log_terms) {
        let w = (l - peak).exp();
        num += w * (PI * (x - width * s)).sin();
        den += w;
    }
    -num / den
}

/// A Gauss–Hermite rule for ∫ g(s) e^{-s²} ds, nodes ascending, with the logarithms of the
/// weights: the outer weights of a few-hundred-node rule are below e^{-700}.
#[derive(Debug, Clone)]
struct HermiteRule {
    nodes: Vec<f64>,
    log_weights: Vec<f64>,
}

/// The rule of `RULE_SIZES[i]` nodes.
fn hermite_rule(i: usize) -> &'static HermiteRule {
    static RULES: [OnceLock<HermiteRule>; RULE_SIZES.len()] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    RULES[i].get_or_init(|| gauss_hermite(RULE_SIZES[i]))
}

/// The n-node rule. Nodes are the eigenvalues of the Jacobi matrix (zero diagonal,
/// off-diagonal √(k/2)), found one by one by Sturm-count bisection, which cannot skip or
/// repeat a root the way Newton from asymptotic guesses can, then polished by Newton.
/// Weights come from w = 2 / (√(2n) p_{n-1}(s))² with orthonormal p, in logarithms, so the
/// tiny outer weights keep full relative accuracy (Golub–Welsch's eigenvector weights
/// would carry only absolute accuracy, and the tails are multiplied by e^{+1/(2πν)}).
fn gauss_hermite(n: usize) -> HermiteRule {
    let positive: Vec<f64> = (n.div_ceil(2)..n).map(|k| hermite_node(n, k)).collect();
    let mut nodes: Vec<f64> = positive.iter().rev().map(|s| -s).collect();
    if n % 2 == 1 {
        nodes.push(0.0);
    }
    nodes.extend(&positive);
    let log_weights = nodes.iter().map(|&s| log_weight(n, s)).collect();
    HermiteRule { nodes, log_weights }
}

/// The k-th smallest (0-based) root of H_n, for a k in the positive half.
fn hermite_node(n: usize, k: usize) -> f64 {
    // Every root lies below √(2n + 1), and neighbours are at least π/√(2n + 1) apart, so
    // a bracket of 1e-6 holds this root alone and Newton from it converges at once.
    let (mut lo, mut hi) = (0.0, (2.0 * n as f64 + 1.0).sqrt());
    while hi - lo > 1e-6 {
        let mid = 0.5 * (lo + hi);
        if roots_below(n, mid) > k {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let mut s = 0.5 * (lo + hi);
    for _ in 0..3 {
        let (p, p_prev, _) = orthonormal_hermite(n, s);
        s -= p / ((2.0 * n as f64).sqrt() * p_prev);
    }
    // Newton should not leave a bracket this narrow; guard anyway rather than return a
    // neighbouring root.
    if (lo..=hi).contains(&s) {
        s
    } else {
        0.5 * (lo + hi)
    }
}

/// How many eigenvalues of the n×n Jacobi matrix lie below x: the number of negative
/// pivots of J - xI (Sturm), a recurrence that cannot overflow.
fn roots_below(n: usize, x: f64) -> usize {
    let mut count = 0;
    let mut pivot = 1.0;
    for i in 0..n {
        let b2 = i as f64 / 2.0;
        pivot = -x - if i == 0 { 0.0 } else { b2 / pivot };
        if pivot == 0.0 {
            pivot = -f64::EPSILON * (1.0 + x.abs());
        }
        if pivot < 0.0 {
            count += 1;
        }
    }
    count
}

/// (p_n(s), p_{n-1}(s), log_scale) for the orthonormal Hermite polynomials, the true
/// values being the first two times e^{log_scale}: they grow like e^{s²/2}, so the
/// recurrence rescales instead of overflowing.
fn orthonormal_hermite(n: usize, s: f64) -> (f64, f64, f64) {
    let mut prev = 0.0;
    let mut p = PI.powf(-0.25);
    let mut log_scale = 0.0;
    for j in 1..=n {
        let next = s * (2.0 / j as f64).sqrt() * p - ((j - 1) as f64 / j as f64).sqrt() * prev;
        prev = p;
        p = next;
        if p.abs() > 1e150 {
            p *= 1e-150;
            prev *= 1e-150;
            log_scale += 150.0 * std::f64::consts::LN_10;
        }
    }
    (p, prev, log_scale)
}

fn log_weight(n: usize, s: f64) -> f64 {
    let (_, p_prev, log_scale) = orthonormal_hermite(n, s);
    2f64.ln() - (2.0 * n as f64).ln() - 2.0 * (p_prev.abs().ln() + log_scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::npz;
    use std::path::Path;

    const NU: f64 = 0.01 / PI;

    fn integrate(rule: &HermiteRule, g: impl Fn(f64) -> f64) -> f64 {
        rule.nodes
            .iter()
            .zip(&rule.log_weights)
            .map(|(&s, &lw)| lw.exp() * g(s))
            .sum()
    }

    #[test]
    fn small_gauss_hermite_rules_are_the_textbook_ones() {
        let sqrt_pi = PI.sqrt();
        let two = gauss_hermite(2);
        assert_close(&two.nodes, &[-0.5f64.sqrt(), 0.5f64.sqrt()], 1e-15);
        assert_close(&exp(&two.log_weights), &[sqrt_pi / 2.0; 2], 1e-15);
        let three = gauss_hermite(3);
        let r = 1.5f64.sqrt();
        assert_close(&three.nodes, &[-r, 0.0, r], 1e-15);
        let w = [sqrt_pi / 6.0, 2.0 * sqrt_pi / 3.0, sqrt_pi / 6.0];
        assert_close(&exp(&three.log_weights), &w, 1e-15);
    }

    #[test]
    fn large_rules_integrate_moments_and_smooth_functions() {
        let sqrt_pi = PI.sqrt();
        for n in [51, 200, RULE_SIZES[0], RULE_SIZES[1]] {
            let rule = gauss_hermite(n);
            assert_eq!(rule.nodes.len(), n);
            assert!(rule.nodes.windows(2).all(|w| w[0] < w[1]), "n = {n}");
            let rel = |got: f64, want: f64| ((got - want) / want).abs();
            assert!(rel(integrate(&rule, |_| 1.0), sqrt_pi) < 1e-13, "n = {n}");
            assert!(rel(integrate(&rule, |s| s * s), sqrt_pi / 2.0) < 1e-13);
            assert!(rel(integrate(&rule, |s| s.powi(4)), 0.75 * sqrt_pi) < 1e-13);
            let want = sqrt_pi * (-0.25f64).exp();
            assert!(rel(integrate(&rule, f64::cos), want) < 1e-13, "n = {n}");
        }
    }

    #[test]
    fn burgers_starts_at_the_initial_condition_and_rejects_nonsense() {
        for x in [-1.0, -0.3, 0.0, 0.5, 1.0] {
            assert_eq!(burgers(x, 0.0, NU), -(PI * x).sin());
            // Continuous at t = 0: a tiny time barely moves the profile.
            assert!(
                (burgers(x, 1e-9, NU) + (PI * x).sin()).abs() < 1e-6,
                "x = {x}"
            );
        }
        assert!(burgers(0.2, -1.0, NU).is_nan());
        assert!(burgers(0.2, 0.5, 0.0).is_nan());
        assert!(burgers(f64::NAN, 0.5, NU).is_nan());
        assert!(burgers(0.2, f64::INFINITY, NU).is_nan());
    }

    #[test]
    fn burgers_is_odd_and_vanishes_at_the_walls() {
        for t in [0.01, 0.25, 0.5, 0.99, 3.0] {
            for x in [0.001, 0.02, 0.3, 0.77, 0.999] {
                let (u, v) = (burgers(x, t, NU), burgers(-x, t, NU));
                assert!((u + v).abs() < 1e-12, "x = {x}, t = {t}: {u} vs {v}");
            }
            for x in [-1.0, 1.0] {
                assert!(burgers(x, t, NU).abs() < 1e-12, "u({x}, {t})");
            }
            assert!(burgers(0.0, t, NU).abs() < 1e-12);
        }
    }

    #[test]
    fn burgers_quadrature_has_converged() {
        // Doubling the chosen rule changes nothing, across the shock too, for the benchmark
        // ν and for cases that need each of the first two rules.
        let cases = [
            (NU, &[0.05, 0.3, 0.5, 0.75, 0.99, 2.0][..], 0),
            (NU, &[6.0][..], 1),
            (1e-3, &[0.5, 1.0][..], 0),
            (1e-4, &[0.5, 1.0][..], 1),
            (0.1, &[1.0, 3.0][..], 0),
            (0.3, &[2.0][..], 1),
        ];
        let doubled = [
            gauss_hermite(2 * RULE_SIZES[0]),
            gauss_hermite(2 * RULE_SIZES[1]),
        ];
        for (nu, ts, rule) in cases {
            for &t in ts {
                let needed = nodes_needed(t, nu);
                assert!(needed <= RULE_SIZES[rule] as f64, "ν = {nu}, t = {t}");
                assert!(rule == 0 || needed > RULE_SIZES[rule - 1] as f64);
                let mut worst: f64 = 0.0;
                for i in 0..=400 {
                    let x = -1.0 + i as f64 / 200.0;
                    for x in [x, x * 1e-2] {
                        let fine = burgers_quadrature(x, t, nu, &doubled[rule]);
                        worst = worst.max((burgers(x, t, nu) - fine).abs());
                    }
                }
                assert!(worst < 1e-10, "ν = {nu}, t = {t}: {worst:e}");
            }
        }
    }

    #[test]
    fn burgers_is_nan_where_no_rule_resolves_it() {
        assert!(burgers(0.5, 1.0, 1e-6).is_nan());
        assert!(burgers(0.5, 10.0, 1.0).is_nan());
        assert!(burgers(0.5, 40.0, NU).is_nan());
        assert!(burgers(0.5, 30.0, NU).is_finite());
    }

    #[test]
    fn burgers_grid_is_row_major_x_slowest() {
        let (xs, ts) = ([-0.5, 0.1, 0.9], [0.0, 0.4]);
        let grid = burgers_grid(&xs, &ts, NU);
        assert_eq!(grid.len(), 6);
        for (i, &x) in xs.iter().enumerate() {
            for (k, &t) in ts.iter().enumerate() {
                assert_eq!(grid[i * 2 + k], burgers(x, t, NU));
            }
        }
        assert!(burgers_grid(&xs, &[], NU).is_empty());
        assert!(burgers_grid(&[], &ts, NU).is_empty());
    }

    /// The DeepXDE / Raissi et al. table (`tests/data/README.md`).
    #[test]
    fn burgers_matches_the_published_reference_table() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/burgers_deepxde.npz"
        ));
        let arrays = npz::read(path).unwrap();
        let get = |name: &str| {
            let (_, a) = arrays.iter().find(|(n, _)| n == name).unwrap();
            a.data().to_vec()
        };
        let (xs, ts, reference) = (get("x"), get("t"), get("usol"));
        assert_eq!((xs.len(), ts.len(), reference.len()), (256, 100, 25600));
        let ours = burgers_grid(&xs, &ts, NU);
        let max_abs = ours
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let l2 = |v: &mut dyn Iterator<Item = f64>| v.map(|d| d * d).sum::<f64>().sqrt();
        let rel_l2 = l2(&mut ours.iter().zip(&reference).map(|(a, b)| a - b))
            / l2(&mut reference.iter().copied());
        eprintln!("Burgers vs reference: max |Δ| = {max_abs:.3e}, relative L2 = {rel_l2:.3e}");
        // Measured: max |Δ| 4.2e-11 (at the shock, t = 0.66), relative L2 2.9e-12; the table
        // was evidently computed from the same closed form.
        assert!(rel_l2 < 1e-10 && max_abs < 1e-9, "{max_abs:e} {rel_l2:e}");
    }

    fn exp(v: &[f64]) -> Vec<f64> {
        v.iter().map(|x| x.exp()).collect()
    }

    fn assert_close(got: &[f64], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= tol * (1.0 + w.abs()),
                "{got:?} vs {want:?}"
            );
        }
    }
}
