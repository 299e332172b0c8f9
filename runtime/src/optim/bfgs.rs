//! BFGS with a dense inverse-Hessian approximation, and its self-scaled relatives from
//! the Broyden family: self-scaled BFGS and self-scaled Broyden (Al-Baali's wide-interval
//! scaling as used for physics-informed networks by Urbán, Stefanou & Pons, JCP 523 (2025)
//! 113656, and Kiyani et al., CMAME 446 (2025) 118308), all over the strong-Wolfe line
//! search of `line_search.rs`.
//!
//! With s = x₊ − x, y = g₊ − g, ρ = 1/yᵀs, every update is
//!
//!   H₊ = (H − H y yᵀH / yᵀHy + φ·yᵀHy·v vᵀ) / τ + ρ s sᵀ,   v = ρ s − H y / yᵀHy,
//!
//! with φ = 1, τ = 1 for BFGS; φ = 1, τ = min(1, 1/b) for self-scaled BFGS; and φ, τ from
//! the Broyden parameter θ chosen in Al-Baali's interval for self-scaled Broyden, where
//! b = sᵀH⁻¹s/yᵀs and h = yᵀHy/yᵀs measure how far H is from the curvature along s. The
//! first update scales H₀ = I by τ = h / (1 + aθ) (Shanno–Phua for BFGS), so the unit step
//! is right from the second iteration on. A small network (a few thousand weights) makes
//! the n² matrix cheap next to one loss evaluation; above [`MAX_DENSE_PARAMETERS`] the
//! caller should use L-BFGS instead.
//!
//! Like L-BFGS, the caller's parameters change only at accepted points; an update whose
//! curvature fails (sᵀy not clearly positive, which the strong Wolfe conditions rule out
//! except when a search runs out of evaluations) or whose scaling is not finite restarts
//! from H = I, as does a direction that points uphill through rounding.

use super::line_search::{differences, Found, LineSearch, Point, Start};
use super::{norm1, wide, Objective, QuasiNewtonStep, QuasiNewtonStop};
use crate::scalar::Scalar;
use rayon::prelude::*;

/// The most parameters a dense approximation is built for: its n² f64 take 800 MB at
/// this size, and each update touches all of them.
pub const MAX_DENSE_PARAMETERS: usize = 10_000;

/// Which member of the Broyden family updates the approximation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BfgsUpdate {
    /// Plain BFGS (φ = 1, τ = 1), with the first update scaled.
    Bfgs,
    /// Self-scaled BFGS: φ = 1, τ = min(1, 1/b).
    SelfScaledBfgs,
    /// Self-scaled Broyden: θ in Al-Baali's interval, φ and τ from it.
    SelfScaledBroyden,
}

impl BfgsUpdate {
    pub fn name(self) -> &'static str {
        match self {
            BfgsUpdate::Bfgs => "bfgs",
            BfgsUpdate::SelfScaledBfgs => "ssbfgs",
            BfgsUpdate::SelfScaledBroyden => "ssbroyden",
        }
    }
}

/// The scaling an update applies: H₊ = (H − … + φ·…)/τ + ρ s sᵀ.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scaling {
    phi: f64,
    tau: f64,
}

/// Dense BFGS-family optimizer (see the module comment). Holds the n×n approximation and
/// nine n-sized buffers, all allocated up front.
#[derive(Debug, Clone)]
pub struct Bfgs<T> {
    n: usize,
    tol: f64,
    update: BfgsUpdate,
    /// The loss and gradient at the caller's parameters; whether the last step stalled.
    start: Start<T>,
    /// The inverse-Hessian approximation, row-major and symmetric.
    h: Vec<f64>,
    /// H is the identity it was restarted to: the next update is the first.
    fresh: bool,
    /// Restarts so far (curvature failures, uphill directions, failed searches).
    restarts: usize,
    /// H g at the current point, when `hg_valid` (computed with the update, or afresh
    /// after a `reset`), and H g₊ before the update.
    hg: Vec<f64>,
    hg_valid: bool,
    hgn: Vec<f64>,
    /// The search direction −H g, and the update's vectors s, y, H y.
    d: Vec<f64>,
    s: Vec<f64>,
    y: Vec<f64>,
    hy: Vec<f64>,
    trial: Point<T>,
    lo: Point<T>,
}

impl<T: Scalar> Bfgs<T> {
    /// A dense `update` optimizer for `n` parameters, converged when ‖g‖∞ ≤ `tol`; `Err`
    /// names the limit when `n` is above [`MAX_DENSE_PARAMETERS`].
    pub fn new(n: usize, update: BfgsUpdate, tol: f64) -> Result<Bfgs<T>, String> {
        if n > MAX_DENSE_PARAMETERS {
            return Err(format!(
                "`{}` keeps a dense {n} × {n} matrix; it is limited to {MAX_DENSE_PARAMETERS} parameters (use `lbfgs` for larger networks)",
                update.name()
            ));
        }
        let mut h = vec![0.0; n * n];
        identity(&mut h, n);
        Ok(Bfgs {
            n,
            tol,
            update,
            start: Start::new(n),
            h,
            fresh: true,
            restarts: 0,
            hg: vec![0.0; n],
            hg_valid: false,
            hgn: vec![0.0; n],
            d: vec![0.0; n],
            s: vec![0.0; n],
            y: vec![0.0; n],
            hy: vec![0.0; n],
            trial: Point::new(n),
            lo: Point::new(n),
        })
    }

    /// Restarts so far: how often the approximation was thrown away.
    pub fn restarts(&self) -> usize {
        self.restarts
    }

    /// Forgets the start point (the objective changed: new collocation points), keeping
    /// the curvature learned so far, which still describes the loss's shape.
    pub fn reset(&mut self) {
        self.start.loss = None;
        self.start.stalled = false;
        self.hg_valid = false;
    }

    /// One iteration: direction −H g, line search, the move of `params` to the accepted
    /// point and the update of H. The first call (and the first after `reset`) evaluates
    /// the start point itself.
    ///
    /// # Panics
    /// If `params` is not as long as the optimizer was sized for.
    pub fn step<O: Objective<T>>(
        &mut self,
        params: &mut [T],
        objective: &mut O,
    ) -> Result<QuasiNewtonStep<T>, QuasiNewtonStop<O::Error>> {
        assert_eq!(params.len(), self.n, "BFGS: wrong parameter count");
        let (f0, mut evaluations) = self.start.begin(params, objective, self.tol)?;
        let found = loop {
            let (dphi0, initial_step) = self.direction();
            let mut search = LineSearch {
                x0: &*params,
                d: &self.d,
                trial: &mut self.trial,
                lo: &mut self.lo,
                objective: &mut *objective,
                f0: wide(f0),
                dphi0,
                evaluations: 0,
            };
            let found = search.run(initial_step);
            evaluations += search.evaluations;
            match found.map_err(QuasiNewtonStop::Objective)? {
                Some(found) => break found,
                // Nothing along −H g: the approximation misleads; try steepest descent.
                None if !self.fresh => self.restart(),
                None => return Err(QuasiNewtonStop::NoProgress),
            }
        };
        let sample = match found {
            Found::Trial(sample) => sample,
            Found::Lo(sample) => {
                std::mem::swap(&mut self.trial, &mut self.lo);
                sample
            }
        };
        let dphi0_times_step = sample.a * crate::wide::dot(&self.d, &widened(&self.start.g));
        for ((s, y), (ds, dy)) in self.s.iter_mut().zip(self.y.iter_mut()).zip(differences(
            &self.trial,
            params,
            &self.start.g,
        )) {
            (*s, *y) = (ds, dy);
        }
        params.copy_from_slice(&self.trial.x);
        std::mem::swap(&mut self.start.g, &mut self.trial.g);
        self.start.accepted(f0, self.trial.f);
        self.learn(sample.a, dphi0_times_step);
        Ok(QuasiNewtonStep {
            loss: self.trial.f,
            evaluations,
            step_length: sample.a,
        })
    }

    /// Fills `d` with −H g and returns φ'(0) and the first trial step; restarts when
    /// rounding made the direction point uphill.
    fn direction(&mut self) -> (f64, f64) {
        let g = widened(&self.start.g);
        if !self.fresh {
            if !self.hg_valid {
                matvec(&self.h, self.n, &g, &mut self.hg);
                self.hg_valid = true;
            }
            for (d, hg) in self.d.iter_mut().zip(&self.hg) {
                *d = -hg;
            }
            let dphi0 = crate::wide::dot(&g, &self.d);
            if dphi0 < 0.0 && dphi0.is_finite() {
                return (dphi0, 1.0);
            }
            self.restart();
        }
        for (d, g) in self.d.iter_mut().zip(&g) {
            *d = -g;
        }
        // −g carries the loss's units, not the parameters': a first step of length at
        // most 1 in the 1-norm (as L-BFGS).
        let dphi0 = -crate::wide::dot(&g, &g);
        (dphi0, (1.0 / norm1(&self.start.g)).min(1.0))
    }

    fn restart(&mut self) {
        identity(&mut self.h, self.n);
        self.fresh = true;
        self.hg_valid = false;
        self.restarts += 1;
    }

    /// Updates H from the accepted step (s, y in the buffers); `alpha` is the step length
    /// and `step_slope` α·gᵀd at the old point (so that sᵀH⁻¹s = −α·sᵀg = −α·step_slope).
    fn learn(&mut self, alpha: f64, step_slope: f64) {
        use crate::wide::dot;
        let sy = dot(&self.s, &self.y);
        let (ss, yy) = (dot(&self.s, &self.s), dot(&self.y, &self.y));
        // Curvature fails: the pair would make H indefinite. Start over.
        if sy.is_nan() || sy <= f64::EPSILON * ss.sqrt() * yy.sqrt() {
            self.restart();
            return;
        }
        let rho = 1.0 / sy;
        let g = widened(&self.start.g);
        // One product with H per iteration: H g₊ (into `hgn`), whence H y = H g₊ − H g,
        // H g being the last direction's; H₊ g₊ then follows from the update's vectors.
        if self.fresh {
            self.hgn.copy_from_slice(&g);
            self.hy.copy_from_slice(&self.y);
        } else {
            matvec(&self.h, self.n, &g, &mut self.hgn);
            for ((hy, hgn), hg) in self.hy.iter_mut().zip(&self.hgn).zip(&self.hg) {
                *hy = hgn - hg;
            }
        }
        let yhy = dot(&self.y, &self.hy);
        let h = yhy * rho;
        let b = -alpha * step_slope * rho;
        let scaling = scaling(self.update, self.fresh, b, h, self.n);
        let Some(scaling) = scaling.filter(|_| yhy > 0.0 && yhy.is_finite()) else {
            self.restart();
            return;
        };
        let s = &self.s;
        // v = ρ s − H y / yᵀHy; H₊ = (H − Hy Hyᵀ/yᵀHy + φ yᵀHy v vᵀ)/τ + ρ s sᵀ.
        let v: Vec<f64> = s
            .iter()
            .zip(&self.hy)
            .map(|(s, hy)| rho * s - hy / yhy)
            .collect();
        let (hy, n) = (&self.hy, self.n);
        let inv_tau = 1.0 / scaling.tau;
        let fresh = self.fresh;
        self.h.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
            if fresh {
                row.iter_mut().for_each(|x| *x = 0.0);
                row[i] = inv_tau;
            } else {
                row.iter_mut().for_each(|x| *x *= inv_tau);
            }
            crate::wide::axpy(-hy[i] / yhy * inv_tau, hy, row);
            crate::wide::axpy(scaling.phi * yhy * v[i] * inv_tau, &v, row);
            crate::wide::axpy(rho * s[i], s, row);
        });
        // H₊ g₊ from the same terms, without another pass over H.
        let (hy_g, v_g, s_g) = (dot(hy, &g) / yhy, dot(&v, &g), dot(s, &g));
        let vectors = self.hg.iter_mut().zip(&self.hgn).zip(hy).zip(&v).zip(s);
        for ((((hg, hgn), hy), v), s) in vectors {
            *hg = (hgn - hy * hy_g + scaling.phi * yhy * v * v_g) * inv_tau + rho * s * s_g;
        }
        self.hg_valid = true;
        self.fresh = false;
    }
}

/// φ and τ of one update (see the module comment), or None when they are not finite and
/// positive (the update would not keep H positive definite).
fn scaling(update: BfgsUpdate, first: bool, b: f64, h: f64, n: usize) -> Option<Scaling> {
    let a = b * h - 1.0;
    let theta = match update {
        BfgsUpdate::Bfgs | BfgsUpdate::SelfScaledBfgs => 0.0,
        BfgsUpdate::SelfScaledBroyden => broyden_theta(a, b, h),
    };
    let sigma = 1.0 + a * theta;
    let tau = if first {
        h / sigma
    } else {
        match update {
            BfgsUpdate::Bfgs => 1.0,
            BfgsUpdate::SelfScaledBfgs => (1.0 / b).min(1.0),
            BfgsUpdate::SelfScaledBroyden => {
                let rho = (1.0 / b).min(1.0);
                let sigma_n = sigma.abs().powf(1.0 / (1.0 - n.max(2) as f64));
                if theta <= 0.0 {
                    (rho * sigma_n).min(sigma)
                } else {
                    rho * sigma_n.min(1.0 / theta)
                }
            }
        }
    };
    let phi = (1.0 - theta) / sigma;
    (tau.is_finite() && tau > 0.0 && phi.is_finite()).then_some(Scaling { phi, tau })
}

/// Al-Baali's choice of the Broyden parameter: (1 − b)/b kept inside [θ⁻, θ⁺], the
/// interval where the self-scaled update keeps H positive definite and well scaled.
fn broyden_theta(a: f64, b: f64, h: f64) -> f64 {
    // a = 0: H already matches the curvature along s, and every member of the family
    // gives the same update.
    if a.abs() <= 1e-12 {
        return 0.0;
    }
    let c = (a / (1.0 + a)).abs().sqrt();
    let rho_minus = (h * (1.0 - c)).min(1.0);
    let theta_minus = (rho_minus - 1.0) / a;
    let theta_plus = 1.0 / rho_minus;
    let theta = theta_minus.max(theta_plus.min((1.0 - b) / b));
    if theta.is_finite() {
        theta
    } else {
        0.0
    }
}

fn identity(h: &mut [f64], n: usize) {
    h.iter_mut().for_each(|x| *x = 0.0);
    for i in 0..n {
        h[i * n + i] = 1.0;
    }
}

/// out = H x for the row-major n×n H, rows in parallel.
fn matvec(h: &[f64], n: usize, x: &[f64], out: &mut [f64]) {
    out.par_iter_mut()
        .zip(h.par_chunks(n))
        .for_each(|(o, row)| *o = crate::wide::dot(row, x));
}

fn widened<T: Scalar>(v: &[T]) -> Vec<f64> {
    v.iter().map(|&x| wide(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_problems::{rosenbrock, Quadratic};
    use super::*;

    const ALL: [BfgsUpdate; 3] = [
        BfgsUpdate::Bfgs,
        BfgsUpdate::SelfScaledBfgs,
        BfgsUpdate::SelfScaledBroyden,
    ];

    /// Runs until the optimizer stops; (iterations, evaluations, why).
    fn minimise<O: Objective<f64>>(
        opt: &mut Bfgs<f64>,
        x: &mut [f64],
        objective: &mut O,
        mut each: impl FnMut(&Bfgs<f64>),
    ) -> (usize, usize, QuasiNewtonStop<O::Error>) {
        let mut evaluations = 0;
        for iterations in 0..10_000 {
            match opt.step(x, objective) {
                Ok(step) => evaluations += step.evaluations,
                Err(stop) => return (iterations, evaluations, stop),
            }
            each(opt);
        }
        panic!("BFGS did not stop in 10000 iterations");
    }

    /// Whether the symmetric matrix is positive definite (a Cholesky factorisation exists).
    fn positive_definite(h: &[f64], n: usize) -> bool {
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let sum: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
                if i == j {
                    let d = h[i * n + i] - sum;
                    if d.is_nan() || d <= 0.0 {
                        return false;
                    }
                    l[i * n + i] = d.sqrt();
                } else {
                    l[i * n + j] = (h[i * n + j] - sum) / l[j * n + j];
                }
            }
        }
        true
    }

    #[test]
    fn every_variant_minimises_rosenbrock_keeping_h_positive_definite() {
        for update in ALL {
            let mut x = [-1.2f64, 1.0];
            let mut opt = Bfgs::new(2, update, 1e-10).unwrap();
            let mut definite = true;
            let (iterations, _, stop) = minimise(&mut opt, &mut x, &mut rosenbrock, |o| {
                definite &= o.fresh || positive_definite(&o.h, 2);
            });
            assert_eq!(stop, QuasiNewtonStop::Converged, "{update:?}");
            assert!(definite, "{update:?}: H lost positive definiteness");
            assert!(iterations < 100, "{update:?}: {iterations} iterations");
            assert!(
                (x[0] - 1.0).abs() < 1e-8 && (x[1] - 1.0).abs() < 1e-8,
                "{update:?}: {x:?}"
            );
        }
    }

    /// On an ill-conditioned quadratic every variant converges without a restart, keeping
    /// H positive definite; self-scaling pays: the self-scaled variants need under 4n
    /// iterations, fewer than plain BFGS, whose scaled H₀ with unit steps accepted under
    /// the loose Wolfe condition corrects its scale slowly (a NumPy transcription of the
    /// same algorithm takes 265 iterations here), and fewer than L-BFGS.
    #[test]
    fn every_variant_solves_an_ill_conditioned_quadratic() {
        let n = 40;
        let mut lbfgs = super::super::Lbfgs::new(n, 10, 1e-9);
        let mut x = vec![0.0f64; n];
        let mut quadratic = Quadratic::new(n, 1e4, 11);
        let mut lbfgs_iterations = 0;
        while lbfgs.step(&mut x, &mut quadratic).is_ok() {
            lbfgs_iterations += 1;
        }
        let mut counts = Vec::new();
        for update in ALL {
            let mut x = vec![0.0f64; n];
            let mut opt = Bfgs::new(n, update, 1e-9).unwrap();
            let (iterations, _, stop) = minimise(&mut opt, &mut x, &mut quadratic, |_| {});
            assert_eq!(stop, QuasiNewtonStop::Converged, "{update:?}");
            assert_eq!(opt.restarts(), 0, "{update:?}");
            assert!(positive_definite(&opt.h, n), "{update:?}");
            counts.push(iterations);
        }
        let [bfgs, ssbfgs, ssbroyden] = counts[..] else {
            unreachable!()
        };
        for (name, count) in [("ssbfgs", ssbfgs), ("ssbroyden", ssbroyden)] {
            assert!(count < 4 * n, "{name}: {count} iterations");
            assert!(
                count < bfgs && count < lbfgs_iterations,
                "{name}: {count} iterations, bfgs {bfgs}, lbfgs {lbfgs_iterations}"
            );
        }
        assert!(bfgs < 8 * n, "bfgs: {bfgs} iterations");
    }

    /// Every member of the family meets the secant condition H₊ y = s, whatever its scaling,
    /// and the kept H g is the product it stands for.
    #[test]
    fn every_update_meets_the_secant_condition() {
        for update in ALL {
            let mut quadratic = Quadratic::new(6, 100.0, 3);
            let mut x = vec![0.0f64; 6];
            let mut opt = Bfgs::new(6, update, 1e-12).unwrap();
            for _ in 0..4 {
                opt.step(&mut x, &mut quadratic).unwrap();
                let mut hy = vec![0.0; 6];
                matvec(&opt.h, 6, &opt.y, &mut hy);
                // The direction kept without a product: H₊ g₊ as a product gives it.
                let mut hg = vec![0.0; 6];
                matvec(&opt.h, 6, &widened(&opt.start.g), &mut hg);
                for (a, b) in hg.iter().zip(&opt.hg) {
                    assert!(
                        (a - b).abs() <= 1e-9 * a.abs().max(1e-12),
                        "{update:?}: H g"
                    );
                }
                for (a, b) in hy.iter().zip(&opt.s) {
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                        "{update:?}: {hy:?} vs {:?}",
                        opt.s
                    );
                }
            }
        }
    }

    #[test]
    fn too_many_parameters_is_an_error_naming_the_limit() {
        let error = Bfgs::<f64>::new(MAX_DENSE_PARAMETERS + 1, BfgsUpdate::SelfScaledBroyden, 0.0)
            .unwrap_err();
        assert!(
            error.contains("ssbroyden") && error.contains("lbfgs"),
            "{error}"
        );
    }

    #[test]
    fn an_objective_error_leaves_the_last_accepted_point() {
        let mut calls = 0;
        let mut failing = |x: &[f64], g: &mut [f64]| {
            calls += 1;
            if calls > 6 {
                return Err("stop");
            }
            rosenbrock(x, g).map_err(|_| "never")
        };
        let mut opt = Bfgs::new(2, BfgsUpdate::SelfScaledBfgs, 0.0).unwrap();
        let mut x = [-1.2f64, 1.0];
        let mut accepted = x;
        let stop = loop {
            match opt.step(&mut x, &mut failing) {
                Ok(_) => accepted = x,
                Err(stop) => break stop,
            }
        };
        assert_eq!(stop, QuasiNewtonStop::Objective("stop"));
        assert_eq!(x, accepted);
    }

    #[test]
    fn a_non_finite_start_is_no_progress() {
        let mut nan = |_: &[f64], g: &mut [f64]| -> Result<f64, ()> {
            g.fill(0.0);
            Ok(f64::NAN)
        };
        let mut opt = Bfgs::new(2, BfgsUpdate::Bfgs, 0.0).unwrap();
        let mut x = [0.0f64, 0.0];
        assert_eq!(opt.step(&mut x, &mut nan), Err(QuasiNewtonStop::NoProgress));
    }

    #[test]
    fn self_scaled_broyden_theta_stays_in_its_interval() {
        for (b, h) in [(0.5, 3.0), (2.0, 0.7), (1.3, 1.1), (0.9, 0.2)] {
            let a: f64 = b * h - 1.0;
            let theta = broyden_theta(a, b, h);
            let c = (a / (1.0 + a)).abs().sqrt();
            let rho_minus = (h * (1.0 - c)).min(1.0);
            let (lo, hi) = ((rho_minus - 1.0) / a, 1.0 / rho_minus);
            assert!(
                theta >= lo - 1e-12 && theta <= hi.max(lo) + 1e-12,
                "b={b} h={h} θ={theta}"
            );
            let s = scaling(BfgsUpdate::SelfScaledBroyden, false, b, h, 100).unwrap();
            assert!(s.tau > 0.0 && s.tau <= 1.0 + 1e-12, "τ = {}", s.tau);
        }
    }
}
