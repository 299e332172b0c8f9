//! Levenberg–Marquardt: Gauss–Newton on a stacked residual vector ρ(θ) with adaptive
//! damping. The loss is F = ‖ρ‖² (the training loss is exactly that, with ρ = √c·r per
//! point); each iteration solves (JᵀJ + μI) δ = −Jᵀρ with J = ∂ρ/∂θ, and accepts θ + δ when
//! the loss falls. The damping follows Nielsen's rule (Madsen, Nielsen & Tingleff, "Methods
//! for non-linear least squares problems", 2004, §3.2): with the gain ratio
//! ϱ = (F(θ) − F(θ + δ)) / (L(0) − L(δ)), L the Gauss–Newton model, an accepted step sets
//! μ ← μ · max(1/3, 1 − (2ϱ − 1)³), and a rejected one μ ← μ·ν, ν ← 2ν. Near the solution
//! μ falls towards 0 and the steps become Gauss–Newton's, whose convergence on residuals
//! that can all vanish (a PDE the network can represent) is quadratic, not superlinear.
//!
//! Cost per iteration: one residual Jacobian (m × n), the n × n Gram matrix (m·n² flops)
//! and a Cholesky factorisation (n³/3) per damping tried: meant for networks of a few
//! thousand weights, like the dense quasi-Newton methods, and limited to
//! [`MAX_DENSE_PARAMETERS`] like them. With fewer residuals than parameters JᵀJ is
//! singular and the method is refused (`new`).

use super::dense::{cholesky, cholesky_solve, gram};
use super::{QuasiNewtonStep, QuasiNewtonStop, MAX_DENSE_PARAMETERS};
use crate::scalar::Scalar;
use rayon::prelude::*;

/// A stacked residual vector and its Jacobian: what Levenberg–Marquardt minimises the
/// squared norm of.
pub trait Residuals<T> {
    /// Why an evaluation failed; it aborts the optimizer and reaches its caller unchanged.
    type Error;

    /// Writes ρ(params) into `residuals` (resized to m) and, when `jacobian` is given,
    /// ∂ρ/∂params into it (resized to m × n, row-major). The same m on every call between
    /// two `reset`s of the optimizer. A non-finite ρ marks a point the optimizer must not
    /// step to.
    fn residuals(
        &mut self,
        params: &[T],
        residuals: &mut Vec<f64>,
        jacobian: Option<&mut Vec<f64>>,
    ) -> Result<(), Self::Error>;
}

/// Any `FnMut(params, residuals, jacobian) -> Result<(), E>` is a residual function.
impl<T, E, F> Residuals<T> for F
where
    F: FnMut(&[T], &mut Vec<f64>, Option<&mut Vec<f64>>) -> Result<(), E>,
{
    type Error = E;

    fn residuals(
        &mut self,
        params: &[T],
        residuals: &mut Vec<f64>,
        jacobian: Option<&mut Vec<f64>>,
    ) -> Result<(), E> {
        self(params, residuals, jacobian)
    }
}

/// The first damping, relative to the largest diagonal entry of JᵀJ (Madsen et al.'s τ for
/// a start that is not known to be close to the solution).
const FIRST_DAMPING: f64 = 1e-3;
/// Rejected trials before an iteration gives up (the damping has then grown by 2⁴⁰ or more).
const MAX_TRIALS: usize = 40;

/// Levenberg–Marquardt for `n` parameters; see the module comment.
#[derive(Debug, Clone)]
pub struct LevenbergMarquardt<T> {
    n: usize,
    tol: f64,
    /// The damping μ (0 until the first Jacobian sets it) and its growth factor ν.
    damping: f64,
    growth: f64,
    /// ρ, J, JᵀJ and Jᵀρ at the caller's parameters, when `current` holds their loss.
    current: Option<f64>,
    residuals: Vec<f64>,
    jacobian: Vec<f64>,
    gram: Vec<f64>,
    gradient: Vec<f64>,
    factor: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<T>,
    trial_residuals: Vec<f64>,
}

impl<T: Scalar> LevenbergMarquardt<T> {
    /// Levenberg–Marquardt for `n` parameters and `m` residuals, converged when the loss
    /// gradient's largest component is at most `tol`. `Err` says why not: too many
    /// parameters for the dense n × n system, or fewer residuals than parameters.
    pub fn new(n: usize, m: usize, tol: f64) -> Result<LevenbergMarquardt<T>, String> {
        Self::fits(n, m)?;
        Ok(LevenbergMarquardt {
            n,
            tol,
            damping: 0.0,
            growth: 2.0,
            current: None,
            residuals: Vec::new(),
            jacobian: Vec::new(),
            gram: vec![0.0; n * n],
            gradient: vec![0.0; n],
            factor: vec![0.0; n * n],
            step: vec![0.0; n],
            trial: vec![T::zero(); n],
            trial_residuals: Vec::new(),
        })
    }

    /// Whether the method can run on `n` parameters and `m` residuals (see [`Self::new`]),
    /// without allocating anything: for checks before a run starts.
    pub fn fits(n: usize, m: usize) -> Result<(), String> {
        if n > MAX_DENSE_PARAMETERS {
            return Err(format!(
                "`lm` solves a dense {n} × {n} system; it is limited to {MAX_DENSE_PARAMETERS} parameters (use `lbfgs` for larger networks)"
            ));
        }
        if m < n {
            return Err(format!(
                "`lm` needs at least as many residuals as parameters, and has {m} residuals for {n} parameters (use more points or a smaller network)"
            ));
        }
        Ok(())
    }

    /// The damping μ of the last step (0 before the first).
    pub fn damping(&self) -> f64 {
        self.damping
    }

    /// The residual function changed (new points): the next step starts from a fresh
    /// Jacobian, keeping the damping.
    pub fn reset(&mut self) {
        self.current = None;
    }

    /// One accepted step (trying larger dampings until the loss falls): parameters change
    /// only when it is accepted. `Err(Converged)` when the gradient is within `tol`,
    /// `Err(NoProgress)` when no damping gives a decrease or the start is not finite.
    pub fn step<R: Residuals<T>>(
        &mut self,
        params: &mut [T],
        objective: &mut R,
    ) -> Result<QuasiNewtonStep<T>, QuasiNewtonStop<R::Error>> {
        assert_eq!(params.len(), self.n, "lm: wrong number of parameters");
        let mut evaluations = 0;
        let loss = match self.current {
            Some(loss) => loss,
            None => {
                objective
                    .residuals(params, &mut self.residuals, Some(&mut self.jacobian))
                    .map_err(QuasiNewtonStop::Objective)?;
                evaluations += 1;
                let loss = self.linearise()?;
                self.current = Some(loss);
                loss
            }
        };
        if 2.0 * super::norm_inf(&self.gradient) <= self.tol {
            return Err(QuasiNewtonStop::Converged);
        }
        let n = self.n;
        for _ in 0..MAX_TRIALS {
            self.factor.copy_from_slice(&self.gram);
            for i in 0..n {
                self.factor[i * n + i] += self.damping;
            }
            if cholesky(&mut self.factor, n).is_err() {
                self.reject();
                continue;
            }
            for (s, g) in self.step.iter_mut().zip(&self.gradient) {
                *s = -g;
            }
            cholesky_solve(&self.factor, n, &mut self.step);
            let small = self
                .step
                .iter()
                .zip(params.iter())
                .all(|(s, p)| s.abs() <= f64::EPSILON * super::wide(*p).abs().max(1e-300));
            if small {
                return Err(QuasiNewtonStop::NoProgress);
            }
            for ((t, p), s) in self.trial.iter_mut().zip(params.iter()).zip(&self.step) {
                *t = T::from_f64_lossy(super::wide(*p) + s);
            }
            objective
                .residuals(&self.trial, &mut self.trial_residuals, None)
                .map_err(QuasiNewtonStop::Objective)?;
            evaluations += 1;
            let trial_loss = if self.trial_residuals.len() == self.residuals.len() {
                squared_norm(&self.trial_residuals)
            } else {
                f64::NAN
            };
            // L(0) − L(δ) = −δᵀg + μ δᵀδ, positive for every μ > 0.
            let predicted = self
                .step
                .iter()
                .zip(&self.gradient)
                .map(|(s, g)| -s * g + self.damping * s * s)
                .sum::<f64>();
            let gain = (loss - trial_loss) / predicted;
            if trial_loss.is_finite() && trial_loss < loss && gain > 0.0 {
                params.copy_from_slice(&self.trial);
                self.damping *= (1.0 - (2.0 * gain - 1.0).powi(3)).max(1.0 / 3.0);
                self.growth = 2.0;
                self.current = None;
                return Ok(QuasiNewtonStep {
                    loss: T::from_f64_lossy(trial_loss),
                    evaluations,
                    step_length: 1.0,
                });
            }
            self.reject();
        }
        Err(QuasiNewtonStop::NoProgress)
    }

    fn reject(&mut self) {
        self.damping *= self.growth;
        self.growth *= 2.0;
    }

    /// JᵀJ, Jᵀρ and the loss at the point just evaluated (and the first damping).
    fn linearise<E>(&mut self) -> Result<f64, QuasiNewtonStop<E>> {
        let (n, m) = (self.n, self.residuals.len());
        if self.jacobian.len() != m * n || m < n {
            return Err(QuasiNewtonStop::NoProgress);
        }
        let loss = squared_norm(&self.residuals);
        if !loss.is_finite() || self.jacobian.iter().any(|v| !v.is_finite()) {
            return Err(QuasiNewtonStop::NoProgress);
        }
        gram(&self.jacobian, m, n, &mut self.gram);
        let (jacobian, residuals) = (&self.jacobian, &self.residuals);
        self.gradient
            .par_iter_mut()
            .enumerate()
            .for_each(|(c, g)| *g = (0..m).map(|k| jacobian[k * n + c] * residuals[k]).sum());
        if self.damping == 0.0 {
            let largest = (0..n).map(|i| self.gram[i * n + i]).fold(0.0, f64::max);
            self.damping = FIRST_DAMPING * largest.max(f64::MIN_POSITIVE);
        }
        Ok(loss)
    }
}

fn squared_norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// Rosenbrock as least squares: ρ = (10(y − x²), 1 − x), minimum 0 at (1, 1).
    fn rosenbrock(p: &[f64], r: &mut Vec<f64>, j: Option<&mut Vec<f64>>) -> Result<(), Infallible> {
        *r = vec![10.0 * (p[1] - p[0] * p[0]), 1.0 - p[0]];
        if let Some(j) = j {
            *j = vec![-20.0 * p[0], 10.0, -1.0, 0.0];
        }
        Ok(())
    }

    fn minimise<R: Residuals<f64, Error = Infallible>>(
        lm: &mut LevenbergMarquardt<f64>,
        params: &mut [f64],
        objective: &mut R,
        max: usize,
    ) -> (usize, Vec<f64>) {
        let mut losses = Vec::new();
        for _ in 0..max {
            match lm.step(params, objective) {
                Ok(s) => losses.push(s.loss),
                Err(QuasiNewtonStop::Converged | QuasiNewtonStop::NoProgress) => break,
                Err(QuasiNewtonStop::Objective(e)) => match e {},
            }
        }
        (losses.len(), losses)
    }

    #[test]
    fn rosenbrock_is_solved_to_its_exact_minimiser() {
        let mut lm = LevenbergMarquardt::new(2, 2, 1e-14).unwrap();
        let mut p = [-1.2, 1.0];
        let (iterations, losses) = minimise(&mut lm, &mut p, &mut rosenbrock, 200);
        assert!(
            (p[0] - 1.0).abs() < 1e-10 && (p[1] - 1.0).abs() < 1e-10,
            "{p:?}"
        );
        assert!(iterations < 60, "{iterations}");
        // Every accepted step lowers the loss.
        assert!(losses.windows(2).all(|w| w[1] < w[0]));
    }

    /// y = a e^{−b t} + c sampled without noise at 40 points: the minimiser is the generating
    /// (a, b, c), found to 1e-10 from a poor start, with quadratic convergence at the end.
    #[test]
    fn an_exponential_fit_recovers_its_parameters_quadratically() {
        let truth = [2.5, 1.3, -0.4];
        let t: Vec<f64> = (0..40).map(|k| k as f64 * 0.1).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|t| truth[0] * (-truth[1] * t).exp() + truth[2])
            .collect();
        let mut fit = |p: &[f64], r: &mut Vec<f64>, j: Option<&mut Vec<f64>>| {
            r.clear();
            r.extend(
                t.iter()
                    .zip(&y)
                    .map(|(t, y)| p[0] * (-p[1] * t).exp() + p[2] - y),
            );
            if let Some(j) = j {
                j.clear();
                for t in &t {
                    let e = (-p[1] * t).exp();
                    j.extend([e, -p[0] * t * e, 1.0]);
                }
            }
            Ok::<(), Infallible>(())
        };
        let mut lm = LevenbergMarquardt::new(3, 40, 1e-16).unwrap();
        let mut p = [1.0, 0.2, 1.0];
        let (_, losses) = minimise(&mut lm, &mut p, &mut fit, 100);
        for (got, want) in p.iter().zip(truth) {
            assert!((got - want).abs() < 1e-10, "{p:?}");
        }
        // Quadratic convergence: some step squares the loss's scale (F₊ ≤ F² when F < 1e-4).
        assert!(
            losses
                .windows(2)
                .any(|w| w[0] < 1e-4 && w[0] > 1e-28 && w[1] <= 10.0 * w[0] * w[0]),
            "{losses:?}"
        );
    }

    /// An ill-conditioned linear least-squares problem (condition number 10⁶) is solved in
    /// a few steps, as the damping falls to nothing.
    #[test]
    fn an_ill_conditioned_linear_problem_takes_a_few_steps() {
        let scales = [1.0, 1e-3, 1e3];
        let target = [1.0, -2.0, 0.5];
        let mut linear = |p: &[f64], r: &mut Vec<f64>, j: Option<&mut Vec<f64>>| {
            *r = (0..3).map(|i| scales[i] * (p[i] - target[i])).collect();
            if let Some(j) = j {
                *j = vec![0.0; 9];
                for i in 0..3 {
                    j[i * 3 + i] = scales[i];
                }
            }
            Ok::<(), Infallible>(())
        };
        let mut lm = LevenbergMarquardt::new(3, 3, 1e-20).unwrap();
        let mut p = [0.0; 3];
        let (iterations, _) = minimise(&mut lm, &mut p, &mut linear, 100);
        for (got, want) in p.iter().zip(target) {
            assert!((got - want).abs() < 1e-9, "{p:?}");
        }
        assert!(iterations <= 40, "{iterations}");
    }

    #[test]
    fn too_many_parameters_or_too_few_residuals_are_refused() {
        let e =
            LevenbergMarquardt::<f64>::new(MAX_DENSE_PARAMETERS + 1, 1 << 20, 1e-9).unwrap_err();
        assert!(e.contains("limited to"), "{e}");
        let e = LevenbergMarquardt::<f64>::new(10, 5, 1e-9).unwrap_err();
        assert!(e.contains("5 residuals for 10 parameters"), "{e}");
    }

    #[test]
    fn a_non_finite_trial_is_rejected_and_the_start_kept() {
        // ρ = x − 3 but undefined (NaN) beyond x = 1: the full step to 3 is rejected, the
        // damping grows, and the accepted steps stay where ρ is defined.
        let mut guarded = |p: &[f64], r: &mut Vec<f64>, j: Option<&mut Vec<f64>>| {
            *r = vec![if p[0] > 1.0 { f64::NAN } else { p[0] - 3.0 }];
            if let Some(j) = j {
                *j = vec![1.0];
            }
            Ok::<(), Infallible>(())
        };
        let mut lm = LevenbergMarquardt::new(1, 1, 1e-12).unwrap();
        let mut p = [0.0];
        let (_, losses) = minimise(&mut lm, &mut p, &mut guarded, 50);
        assert!(p[0] <= 1.0 && p[0] > 0.9, "{p:?}");
        assert!(losses.iter().all(|l| l.is_finite()));
    }
}
