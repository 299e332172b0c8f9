//! Sparse Bayesian learning: the relevance vector machine of Tipping (2001), as MEDIDA
//! (Mojgani, Chattopadhyay & Hassanzadeh 2022) uses it for equation discovery. Each
//! coefficient has its own Gaussian prior N(0, 1/α_j) and the noise its precision β; the
//! evidence p(y | α, β) is maximised over them, with the posterior
//!
//! ```text
//! Σ = (βΘᵀΘ + diag α)⁻¹,  μ = βΣΘᵀy,  γ_j = 1 − α_j Σ_jj,  β = (n − Σγ) / ‖y − Θμ‖²,
//! ```
//!
//! and a term whose α is infinite (its prior collapsed on 0) is out of the model. Tipping
//! and Faul's sequential algorithm decides each term in closed form: it belongs exactly
//! when its quality factor squared exceeds its sparsity factor. It runs on the normal
//! equations (`sparse::Gram`) with unit-norm columns and target, so α is on the scale of
//! each term's share of the target.
//! Neighbouring regression rows that share samples (overlapping weak-form windows,
//! smoothing stencils) carry less information than their count: the likelihood is tempered
//! by `effective`, the fraction of rows that are effectively independent (1 for independent
//! rows), i.e. the evidence of `effective · n` rows with the same mean square residual.

use super::lstsq::invert_spd;
use super::sparse::{Fit, Gram};

/// Iterations (one action each) at most; discovery problems take tens.
const MAX_ITERATIONS: usize = 2000;
/// The residual is taken as at least this fraction of the target (root mean square).
const MIN_RELATIVE_RESIDUAL: f64 = 1e-4;
/// Converged when no action raises the log evidence by more than this and β has settled.
const TOLERANCE: f64 = 1e-6;

/// Sparse Bayesian learning with a floor on each term's share of the target: the relevance
/// vector machine (`rvm`), then every kept term whose share |μ_j|·‖θ_j‖/‖y‖ is below
/// `min_share` is dropped and the machine rerun on the rest, until none is. The evidence
/// alone keeps a term whose coefficient is about one standard deviation from zero, and on
/// clean data, where the residual is the derivative or quadrature error and not noise, it
/// keeps nearly every term; the floor is what makes it sparse there. The `dependent` columns
/// (zero, or combinations of earlier ones on these rows: `lstsq::Factored::diagnose`) are
/// left out, as their coefficients are not determined.
pub fn sbl_gram(
    gram: &Gram,
    samples: usize,
    effective: f64,
    min_share: f64,
    dependent: &[usize],
) -> Fit {
    let (p, g, _, yy) = gram.parts();
    let mut allowed: Vec<bool> = (0..p).map(|j| !dependent.contains(&j)).collect();
    loop {
        let fit = rvm(gram, samples, effective, &allowed);
        let mut dropped = false;
        for j in 0..p {
            let share = fit.coef[j].abs() * (g[j * p + j] / yy.max(f64::MIN_POSITIVE)).sqrt();
            if fit.coef[j] != 0.0 && share < min_share {
                allowed[j] = false;
                dropped = true;
            }
        }
        if !dropped {
            return fit;
        }
    }
}

/// The relevance vector machine on `gram` (from `samples` rows, of which the fraction
/// `effective` in (0, 1] is effectively independent), over the `allowed` terms, by Tipping
/// and Faul's sequential algorithm (2003): each iteration takes the one action (add a term,
/// re-estimate its α, or delete it) that raises the evidence most, judged by each term's
/// sparsity and quality factors. Updating every term at once oscillates when terms are
/// nearly dependent (each is explained by the others, so all leave, then all return). The
/// coefficients are the posterior means on the kept terms (0 elsewhere); `rss` is theirs.
fn rvm(gram: &Gram, samples: usize, effective: f64, allowed: &[bool]) -> Fit {
    let (p, g, b, yy) = gram.parts();
    let mut coef = vec![0.0; p];
    let fit_of = |coef: Vec<f64>| Fit {
        rss: gram.rss(&coef),
        coef,
        condition: 1.0,
        dependent: Vec::new(),
    };
    if p == 0 || yy <= 0.0 || samples == 0 {
        return fit_of(coef);
    }
    let f = effective.clamp(1e-6, 1.0);
    let d: Vec<f64> = (0..p).map(|j| g[j * p + j].sqrt()).collect();
    let usable: Vec<bool> = (0..p).map(|j| allowed[j] && d[j] > 0.0).collect();
    let ynorm = yy.sqrt();
    // The tempered problem on unit-norm columns and target: G' = f·G̃, b' = f·b̃, y'y' = f.
    let gt = |i: usize, j: usize| f * g[i * p + j] / (d[i] * d[j]);
    let bt: Vec<f64> = (0..p)
        .map(|j| {
            if usable[j] {
                f * b[j] / (d[j] * ynorm)
            } else {
                0.0
            }
        })
        .collect();
    let n = f * samples as f64;
    let floor = f * MIN_RELATIVE_RESIDUAL * MIN_RELATIVE_RESIDUAL;
    // Start with the noise at 10% of the target and the term most aligned with it.
    let mut beta = n / (0.01 * f);
    let mut alpha = vec![f64::INFINITY; p];
    let Some(first) = (0..p)
        .filter(|&j| usable[j])
        .max_by(|&i, &j| (bt[i] * bt[i] / gt(i, i)).total_cmp(&(bt[j] * bt[j] / gt(j, j))))
    else {
        return fit_of(coef);
    };
    let projection = bt[first] * bt[first] / gt(first, first);
    alpha[first] = gt(first, first) / (projection - 1.0 / beta).max(1e-12 * projection.max(1e-300));
    let mut mu = vec![0.0; p];
    for _ in 0..MAX_ITERATIONS {
        let active: Vec<usize> = (0..p).filter(|&j| alpha[j].is_finite()).collect();
        let k = active.len();
        let sigma = if k == 0 {
            Vec::new()
        } else {
            let mut a = vec![0.0; k * k];
            for (r, &i) in active.iter().enumerate() {
                for (c, &j) in active.iter().enumerate() {
                    a[r * k + c] = beta * gt(i, j);
                }
                a[r * k + r] += alpha[i];
            }
            match invert_spd(&a, k) {
                Some(sigma) => sigma,
                None => break,
            }
        };
        mu.iter_mut().for_each(|v| *v = 0.0);
        for r in 0..k {
            mu[active[r]] = beta
                * (0..k)
                    .map(|c| sigma[r * k + c] * bt[active[c]])
                    .sum::<f64>();
        }
        let quad: f64 = active
            .iter()
            .map(|&i| mu[i] * active.iter().map(|&j| gt(i, j) * mu[j]).sum::<f64>())
            .sum();
        let lin: f64 = active.iter().map(|&i| mu[i] * bt[i]).sum();
        // On clean data the residual is the discretisation's error, far below any noise;
        // taking it at face value makes β so large that S_j and Q_j cancel catastrophically.
        let rss = (f - 2.0 * lin + quad).max(floor);
        let gamma_sum: f64 = active
            .iter()
            .enumerate()
            .map(|(r, &i)| (1.0 - alpha[i] * sigma[r * k + r]).clamp(0.0, 1.0))
            .sum();
        // The action that raises the evidence most (Tipping & Faul's ΔL, up to a factor 2).
        let mut best: Option<(usize, f64, f64)> = None;
        for j in (0..p).filter(|&j| usable[j]) {
            let gja: Vec<f64> = active.iter().map(|&i| gt(j, i)).collect();
            // S_j = βG_jj − β²G_jA Σ G_Aj; Q_j = βb_j − β²G_jA Σ b_A = β(b_j − G_jA μ_A).
            let quadratic: f64 = (0..k)
                .map(|r| gja[r] * (0..k).map(|c| sigma[r * k + c] * gja[c]).sum::<f64>())
                .sum();
            let big_s = beta * gt(j, j) - beta * beta * quadratic;
            let fitted: f64 = active.iter().zip(&gja).map(|(&i, g)| g * mu[i]).sum();
            let big_q = beta * (bt[j] - fitted);
            if big_s <= 0.0 {
                continue;
            }
            let (small_s, small_q) = if alpha[j].is_finite() {
                let denom = alpha[j] - big_s;
                (alpha[j] * big_s / denom, alpha[j] * big_q / denom)
            } else {
                (big_s, big_q)
            };
            let theta = small_q * small_q - small_s;
            let (new_alpha, gain) = match (alpha[j].is_finite(), theta > 0.0) {
                (false, true) => (
                    small_s * small_s / theta,
                    (big_q * big_q - big_s) / big_s + (big_s / (big_q * big_q)).ln(),
                ),
                (true, true) => {
                    let next = small_s * small_s / theta;
                    let delta = 1.0 / next - 1.0 / alpha[j];
                    (
                        next,
                        big_q * big_q / (big_s + 1.0 / delta) - (1.0 + big_s * delta).ln(),
                    )
                }
                (true, false) if k > 1 => (
                    f64::INFINITY,
                    big_q * big_q / (big_s - alpha[j]) - (1.0 - big_s / alpha[j]).ln(),
                ),
                _ => continue,
            };
            if gain.is_finite() && best.is_none_or(|(_, _, g)| gain > g) {
                best = Some((j, new_alpha, gain));
            }
        }
        let next_beta = (n - gamma_sum).max(1.0) / rss;
        let beta_moved = (next_beta / beta).ln().abs();
        beta = next_beta;
        match best {
            Some((j, new_alpha, gain)) if gain > TOLERANCE => alpha[j] = new_alpha,
            _ if beta_moved < TOLERANCE => break,
            _ => {}
        }
    }
    for j in 0..p {
        if alpha[j].is_finite() && usable[j] {
            coef[j] = mu[j] * ynorm / d[j];
        }
    }
    fit_of(coef)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// y = 2 a − 0.05 c + noise over a library of five columns: sparse Bayesian learning
    /// keeps exactly a and c (a small but real term) and drops the rest.
    #[test]
    fn relevant_terms_are_kept_and_the_rest_pruned() {
        let mut rng = Rng::new(3);
        let n = 2000;
        let cols: Vec<Vec<f64>> = (0..5)
            .map(|j| {
                (0..n)
                    .map(|i| ((i * (j + 2)) as f64 * 0.01).sin() + 0.1 * j as f64)
                    .collect()
            })
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| 2.0 * cols[0][i] - 0.05 * cols[2][i] + 0.01 * rng.normal())
            .collect();
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        // The evidence alone keeps terms about one standard deviation from zero.
        let evidence_only = sbl_gram(&Gram::new(&refs, &y), n, 1.0, 0.0, &[]);
        assert!(evidence_only.terms() > 2, "{:?}", evidence_only.coef);
        let fit = sbl_gram(&Gram::new(&refs, &y), n, 1.0, 0.01, &[]);
        assert_eq!(
            fit.support(),
            vec![true, false, true, false, false],
            "{:?}",
            fit.coef
        );
        assert!((fit.coef[0] - 2.0).abs() < 1e-2, "{:?}", fit.coef);
        assert!((fit.coef[2] + 0.05).abs() < 1e-2, "{:?}", fit.coef);
        // Nearly dependent terms: 1, x and x² of a slow decay (each close to a combination
        // of the others) with y = −0.5 x exactly. Updating every α at once would drop them
        // all and bring them all back, over and over.
        let x: Vec<f64> = (0..200).map(|i| (-0.005 * i as f64).exp()).collect();
        let ones = vec![1.0; 200];
        let squares: Vec<f64> = x.iter().map(|v| v * v).collect();
        let decay: Vec<f64> = x.iter().map(|v| -0.5 * v).collect();
        let lib: [&[f64]; 3] = [&ones, &x, &squares];
        let fit = sbl_gram(&Gram::new(&lib, &decay), 200, 1.0, 0.02, &[]);
        assert_eq!(fit.support(), vec![false, true, false], "{:?}", fit.coef);
        assert!((fit.coef[1] + 0.5).abs() < 1e-6, "{:?}", fit.coef);
        // Pure noise: no term explains 5% of it.
        let noise: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let fit = sbl_gram(&Gram::new(&refs, &noise), n, 1.0, 0.05, &[]);
        assert_eq!(fit.terms(), 0, "{:?}", fit.coef);
    }
}
