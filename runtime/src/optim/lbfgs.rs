//! L-BFGS (Nocedal & Wright, *Numerical Optimization*, 2nd ed.): the two-loop recursion
//! (Algorithm 7.4) over a ring of the last `history` curvature pairs, and the strong-Wolfe
//! line search of `line_search.rs`.
//!
//! The caller's parameters change only when a point is
//! accepted: an objective error (Ctrl-C, a NaN the caller refuses) leaves them at the last
//! accepted point. All n-sized buffers are allocated up front or, for the history ring,
//! during the first `history` iterations, and reused after that.

use super::line_search::{differences, Found, LineSearch, Point, Sample, Start};
use super::{dot, norm1, wide, Objective, QuasiNewtonStep, QuasiNewtonStop};
use crate::scalar::Scalar;
use std::collections::VecDeque;

/// One curvature pair: s = x₊ − x, y = g₊ − g, ρ = 1/sᵀy.
#[derive(Debug, Clone)]
struct Pair<T> {
    s: Vec<T>,
    y: Vec<T>,
    rho: f64,
}

/// Limited-memory BFGS with a strong-Wolfe line search (see the module comment). Besides
/// the history ring it holds five n-sized buffers: the gradient, the direction (f64) and
/// two trial points' parameters and gradients.
#[derive(Debug, Clone)]
pub struct Lbfgs<T> {
    n: usize,
    history: usize,
    tol: f64,
    /// The loss and gradient at the caller's parameters; whether the last step stalled.
    start: Start<T>,
    /// Oldest pair first.
    pairs: VecDeque<Pair<T>>,
    /// Buffers of forgotten pairs, reused before anything is allocated.
    spare: Vec<Pair<T>>,
    /// H₀ = γI with γ = sᵀy/yᵀy of the newest pair.
    gamma: f64,
    /// The two-loop recursion's αᵢ, newest pair first.
    alpha: Vec<f64>,
    /// The search direction, kept in f64 so trial points x + α·d round only once.
    d: Vec<f64>,
    /// The latest trial point, and the best point seen that satisfies sufficient decrease.
    trial: Point<T>,
    lo: Point<T>,
}

impl<T: Scalar> Lbfgs<T> {
    /// L-BFGS for `n` parameters, remembering `history` pairs (10 is usual; 0 gives steepest
    /// descent with a line search), converged when ‖g‖∞ ≤ `tol`.
    pub fn new(n: usize, history: usize, tol: f64) -> Lbfgs<T> {
        Lbfgs {
            n,
            history,
            tol,
            start: Start::new(n),
            pairs: VecDeque::with_capacity(history),
            spare: Vec::new(),
            gamma: 1.0,
            alpha: vec![0.0; history],
            d: vec![0.0; n],
            trial: Point::new(n),
            lo: Point::new(n),
        }
    }

    /// Forgets the history and the start point, for when the objective changes (new
    /// collocation points) or the caller moves the parameters: the next `step` starts over.
    pub fn reset(&mut self) {
        self.forget_history();
        self.start.loss = None;
        self.start.stalled = false;
    }

    /// One iteration: search direction, line search, and the move of `params` to the
    /// accepted point. The first call (and the first after `reset`) evaluates the start
    /// point itself; later calls expect `params` where the previous call left them.
    ///
    /// # Panics
    /// If `params` is not as long as the optimizer was sized for.
    pub fn step<O: Objective<T>>(
        &mut self,
        params: &mut [T],
        objective: &mut O,
    ) -> Result<QuasiNewtonStep<T>, QuasiNewtonStop<O::Error>> {
        assert_eq!(params.len(), self.n, "L-BFGS: wrong parameter count");
        let (f0, mut evaluations) = self.start.begin(params, objective, self.tol)?;
        let (found, used) = self
            .search(params, wide(f0), objective)
            .map_err(QuasiNewtonStop::Objective)?;
        evaluations += used;
        let found = found.ok_or(QuasiNewtonStop::NoProgress)?;
        let (sample, loss) = self.accept(params, found);
        self.start.accepted(f0, loss);
        Ok(QuasiNewtonStep {
            loss,
            evaluations,
            step_length: sample.a,
        })
    }

    /// Line search along the quasi-Newton direction; if that finds nothing, the model is
    /// misleading, so forget it and search once more along steepest descent. Returns the
    /// accepted point (if any) and the evaluations spent.
    fn search<O: Objective<T>>(
        &mut self,
        x0: &[T],
        f0: f64,
        objective: &mut O,
    ) -> Result<(Option<Found>, usize), O::Error> {
        let mut evaluations = 0;
        loop {
            let direction = self.direction();
            let mut search = LineSearch {
                x0,
                d: &self.d,
                trial: &mut self.trial,
                lo: &mut self.lo,
                objective: &mut *objective,
                f0,
                dphi0: direction.dphi0,
                evaluations: 0,
            };
            let found = search.run(direction.initial_step);
            evaluations += search.evaluations;
            let found = found?;
            if found.is_some() || !direction.quasi_newton {
                return Ok((found, evaluations));
            }
            self.forget_history();
        }
    }

    /// Fills `d` with the quasi-Newton direction, or with −g when there is no history or
    /// rounding made the quasi-Newton one point uphill (then the history is forgotten).
    fn direction(&mut self) -> Direction {
        if !self.pairs.is_empty() {
            self.two_loop();
            let dphi0 = dot(&self.start.g, &self.d);
            if dphi0 < 0.0 {
                return Direction {
                    dphi0,
                    // The quasi-Newton step is scaled already.
                    initial_step: 1.0,
                    quasi_newton: true,
                };
            }
            self.forget_history();
        }
        for (d, &g) in self.d.iter_mut().zip(&self.start.g) {
            *d = -wide(g);
        }
        Direction {
            dphi0: -dot(&self.start.g, &self.start.g),
            // −g carries the loss's units, not the parameters'; a first step of length
            // at most 1 in the 1-norm keeps it from leaping far (as PyTorch).
            initial_step: (1.0 / norm1(&self.start.g)).min(1.0),
            quasi_newton: false,
        }
    }

    /// d = −H·g by Algorithm 7.4, with H₀ = γI.
    fn two_loop(&mut self) {
        for (d, &g) in self.d.iter_mut().zip(&self.start.g) {
            *d = -wide(g);
        }
        for (pair, alpha) in self.pairs.iter().rev().zip(self.alpha.iter_mut()) {
            *alpha = pair.rho * dot(&pair.s, &self.d);
            axpy(-*alpha, &pair.y, &mut self.d);
        }
        self.d.iter_mut().for_each(|d| *d *= self.gamma);
        let alphas = self.alpha[..self.pairs.len()].iter().rev();
        for (pair, &alpha) in self.pairs.iter().zip(alphas) {
            let beta = pair.rho * dot(&pair.y, &self.d);
            axpy(alpha - beta, &pair.s, &mut self.d);
        }
    }

    /// Moves `params` to the accepted point and records the curvature pair; returns the
    /// accepted sample and its loss.
    fn accept(&mut self, params: &mut [T], found: Found) -> (Sample, T) {
        let sample = match found {
            Found::Trial(sample) => sample,
            Found::Lo(sample) => {
                std::mem::swap(&mut self.trial, &mut self.lo);
                sample
            }
        };
        self.remember(params);
        params.copy_from_slice(&self.trial.x);
        std::mem::swap(&mut self.start.g, &mut self.trial.g);
        (sample, self.trial.f)
    }

    /// Adds the pair from `x_old` (and the current gradient) to the accepted trial point,
    /// unless sᵀy ≤ ε‖s‖‖y‖: such a pair would make H indefinite or ill-conditioned.
    fn remember(&mut self, x_old: &[T]) {
        let (mut sy, mut ss, mut yy) = (0.0, 0.0, 0.0);
        for (s, y) in differences(&self.trial, x_old, &self.start.g) {
            sy += s * y;
            ss += s * s;
            yy += y * y;
        }
        let curved = sy > wide(T::epsilon()) * ss.sqrt() * yy.sqrt();
        if self.history == 0 || !curved {
            return;
        }
        let mut pair = self.free_pair();
        let slots = pair.s.iter_mut().zip(pair.y.iter_mut());
        for ((ps, py), (s, y)) in slots.zip(differences(&self.trial, x_old, &self.start.g)) {
            *ps = T::from_f64_lossy(s);
            *py = T::from_f64_lossy(y);
        }
        pair.rho = 1.0 / sy;
        self.gamma = sy / yy;
        self.pairs.push_back(pair);
    }

    /// Buffers for a new pair: the oldest pair's when the ring is full, else a spare, else
    /// new ones (only while the ring is filling).
    fn free_pair(&mut self) -> Pair<T> {
        if self.pairs.len() >= self.history {
            if let Some(oldest) = self.pairs.pop_front() {
                return oldest;
            }
        }
        self.spare.pop().unwrap_or_else(|| Pair {
            s: vec![T::zero(); self.n],
            y: vec![T::zero(); self.n],
            rho: 0.0,
        })
    }

    fn forget_history(&mut self) {
        self.spare.extend(self.pairs.drain(..));
        self.gamma = 1.0;
    }
}

/// `y += a·x`.
fn axpy<T: Scalar>(a: f64, x: &[T], y: &mut [f64]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * wide(x);
    }
}

/// The search direction in `Lbfgs::d` and how to start searching along it.
struct Direction {
    /// φ'(0) = gᵀd, negative.
    dphi0: f64,
    initial_step: f64,
    quasi_newton: bool,
}

#[cfg(test)]
mod tests {
    use super::super::line_search::{C1, C2};
    use super::super::test_problems::{rosenbrock, Quadratic};
    use super::*;
    use std::convert::Infallible;

    /// What a run to the end took.
    struct Run<E> {
        iterations: usize,
        evaluations: usize,
        stop: QuasiNewtonStop<E>,
    }

    /// Runs until L-BFGS stops.
    fn minimise<T: Scalar, O: Objective<T>>(
        opt: &mut Lbfgs<T>,
        x: &mut [T],
        objective: &mut O,
    ) -> Run<O::Error> {
        let mut evaluations = 0;
        for iterations in 0..10_000 {
            match opt.step(x, objective) {
                Ok(step) => evaluations += step.evaluations,
                Err(stop) => {
                    return Run {
                        iterations,
                        evaluations,
                        stop,
                    }
                }
            }
        }
        panic!("L-BFGS did not stop in 10000 iterations");
    }

    #[test]
    fn minimises_rosenbrock_from_the_standard_start() {
        let mut x = [-1.2f64, 1.0];
        let mut opt = Lbfgs::new(2, 10, 1e-10);
        let run = minimise(&mut opt, &mut x, &mut rosenbrock);
        assert_eq!(run.stop, QuasiNewtonStop::Converged);
        assert!(run.iterations < 100, "{} iterations", run.iterations);
        assert!(run.evaluations < 100, "{} evaluations", run.evaluations);
        assert!(
            (x[0] - 1.0).abs() < 1e-8 && (x[1] - 1.0).abs() < 1e-8,
            "{x:?}"
        );
    }

    #[test]
    fn minimises_an_ill_conditioned_quadratic() {
        let mut quadratic = Quadratic::new(100, 1e4, 7);
        let mut x = vec![0.0f64; 100];
        let mut opt = Lbfgs::new(100, 10, 1e-9);
        let run = minimise(&mut opt, &mut x, &mut quadratic);
        assert_eq!(run.stop, QuasiNewtonStop::Converged);
        let mut g = vec![0.0; 100];
        quadratic.evaluate(&x, &mut g);
        assert!(dot(&g, &g).sqrt() <= 1e-8);
        // SciPy's L-BFGS-B (m = 10) needs 1184 iterations on a problem of this kind.
        assert!(run.iterations < 1500, "{} iterations", run.iterations);
        // With H₀ = γI well scaled, the unit step is nearly always accepted at once.
        assert!(
            run.evaluations * 4 < run.iterations * 5,
            "{} evaluations for {} iterations",
            run.evaluations,
            run.iterations
        );
    }

    /// An objective that records every evaluation: (x, f, g).
    struct Recorder<F> {
        objective: F,
        log: Vec<(Vec<f64>, f64, Vec<f64>)>,
    }

    impl<F: FnMut(&[f64], &mut [f64]) -> f64> Objective<f64> for Recorder<F> {
        type Error = Infallible;

        fn evaluate(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, Infallible> {
            let f = (self.objective)(x, g);
            self.log.push((x.to_vec(), f, g.to_vec()));
            Ok(f)
        }
    }

    impl<F> Recorder<F> {
        /// Loss and gradient at `x`, which must have been evaluated.
        fn at(&self, x: &[f64]) -> (f64, Vec<f64>) {
            let (_, f, g) = self.log.iter().rev().find(|(at, _, _)| at == x).unwrap();
            (*f, g.clone())
        }
    }

    /// Runs L-BFGS to the end on `objective`, checking the strong Wolfe conditions for
    /// every accepted step against the recorded evaluations; returns the step count.
    fn assert_wolfe_steps<F>(mut x: Vec<f64>, objective: F) -> usize
    where
        F: FnMut(&[f64], &mut [f64]) -> f64,
    {
        let mut recorder = Recorder {
            objective,
            log: Vec::new(),
        };
        let mut opt = Lbfgs::new(x.len(), 10, 1e-9);
        let mut accepted = 0;
        loop {
            let old = x.clone();
            let step = match opt.step(&mut x, &mut recorder) {
                Ok(step) => step,
                Err(stop) => {
                    assert_eq!(stop, QuasiNewtonStop::Converged);
                    return accepted;
                }
            };
            accepted += 1;
            let ((f0, g0), (f1, g1)) = (recorder.at(&old), recorder.at(&x));
            assert_eq!(f1, step.loss);
            let s: Vec<f64> = x.iter().zip(&old).map(|(a, b)| a - b).collect();
            let (slope0, slope1) = (dot(&g0, &s), dot(&g1, &s));
            assert!(slope0 < 0.0, "step {accepted} is uphill");
            // The tolerances cover only the rounding of s = x₊ − x.
            assert!(
                f1 <= f0 + C1 * slope0 + 1e-14 * f0.abs(),
                "sufficient decrease at step {accepted}: {f1} vs {f0}"
            );
            assert!(
                slope1.abs() <= C2 * slope0.abs() * (1.0 + 1e-9),
                "curvature at step {accepted}: {slope1} vs {slope0}"
            );
        }
    }

    #[test]
    fn accepted_steps_satisfy_the_strong_wolfe_conditions() {
        let rosenbrock_steps =
            assert_wolfe_steps(vec![-1.2, 1.0], |x, g| rosenbrock(x, g).unwrap());
        let quadratic = Quadratic::new(30, 1e3, 3);
        let quadratic_steps = assert_wolfe_steps(vec![0.0; 30], |x, g| quadratic.evaluate(x, g));
        assert!(rosenbrock_steps > 20 && quadratic_steps > 20);
    }

    #[test]
    fn works_in_f32_on_rosenbrock() {
        let mut x = [-1.2f32, 1.0];
        let mut opt = Lbfgs::new(2, 10, 1e-6);
        let run = minimise(&mut opt, &mut x, &mut rosenbrock);
        // Near the minimum the f32 gradient is rounding noise of order 1e-5 (400·x·(y − x²)
        // cancels), so running out of progress is as good an ending as converging.
        assert!(matches!(
            run.stop,
            QuasiNewtonStop::Converged | QuasiNewtonStop::NoProgress
        ));
        assert!(run.iterations < 100, "{} iterations", run.iterations);
        let error = (x[0] - 1.0).abs().max((x[1] - 1.0).abs());
        assert!(error < 3e-4, "{x:?}");
    }

    #[test]
    fn objective_errors_propagate_and_leave_the_last_accepted_point() {
        for fail_at in 1..=12 {
            let mut count = 0;
            let mut failing = |x: &[f64], g: &mut [f64]| {
                count += 1;
                if count == fail_at {
                    return Err(format!("interrupted at {count}"));
                }
                rosenbrock(x, g).map_err(|e| match e {})
            };
            let mut x = [-1.2f64, 1.0];
            let mut last_accepted = x;
            let mut opt = Lbfgs::new(2, 10, 1e-10);
            let stop = loop {
                match opt.step(&mut x, &mut failing) {
                    Ok(_) => last_accepted = x,
                    Err(stop) => break stop,
                }
            };
            let want = QuasiNewtonStop::Objective(format!("interrupted at {fail_at}"));
            assert_eq!(stop, want);
            assert_eq!(x.map(f64::to_bits), last_accepted.map(f64::to_bits));
            if fail_at == 5 {
                assert_ne!(
                    x,
                    [-1.2, 1.0],
                    "the 5th evaluation should come after a step"
                );
            }
        }
    }

    /// Rosenbrock, but a loss of `poison` with a NaN gradient outside the disc of radius 1.25
    /// about (0, 1). The disc holds the start, the minimum and the curved valley between
    /// them, but not where the unpoisoned run's longest quasi-Newton steps overshoot.
    fn poisoned_rosenbrock(poison: f64) -> usize {
        let mut hits = 0;
        let mut objective = |x: &[f64], g: &mut [f64]| {
            if x[0].hypot(x[1] - 1.0) > 1.25 {
                hits += 1;
                g.fill(f64::NAN);
                return Ok(poison);
            }
            rosenbrock(x, g)
        };
        let mut x = [-1.2f64, 1.0];
        let mut opt = Lbfgs::new(2, 10, 1e-10);
        let run = minimise(&mut opt, &mut x, &mut objective);
        assert_eq!(run.stop, QuasiNewtonStop::Converged);
        assert!(run.iterations < 100, "{} iterations", run.iterations);
        assert!(
            (x[0] - 1.0).abs() < 1e-8 && (x[1] - 1.0).abs() < 1e-8,
            "{x:?}"
        );
        hits
    }

    #[test]
    fn line_search_backs_off_from_non_finite_losses() {
        // A loss of 0 with a NaN gradient looks like the best point yet; only its slope
        // shows it is unusable.
        for poison in [f64::INFINITY, f64::NAN, 0.0] {
            let hits = poisoned_rosenbrock(poison);
            assert!(hits > 0, "the test must reach the poison {poison}");
        }
    }

    #[test]
    fn a_first_step_far_into_a_non_finite_region_is_undone() {
        // 350‖x‖², finite only within 1e-3 of the minimum. The gradient at the start is
        // small (‖g‖₁ = 0.49), so the first trial is α = 1: a step 700× too long, which
        // lands three back-offs deep in the infinite region.
        let mut objective = |x: &[f64], g: &mut [f64]| -> Result<f64, Infallible> {
            for (g, x) in g.iter_mut().zip(x) {
                *g = 700.0 * x;
            }
            let f = 350.0 * dot(x, x);
            Ok(if dot(x, x).sqrt() > 1e-3 {
                f64::INFINITY
            } else {
                f
            })
        };
        let mut x = [3e-4f64, 4e-4];
        let mut opt = Lbfgs::new(2, 10, 1e-12);
        let first = opt.step(&mut x, &mut objective).unwrap();
        assert_eq!(
            first.evaluations,
            1 + 3 + 1,
            "start, three back-offs, accepted"
        );
        assert!((first.step_length - 1e-3).abs() < 1e-15);
        let run = minimise(&mut opt, &mut x, &mut objective);
        assert_eq!(run.stop, QuasiNewtonStop::Converged);
        assert!(x[0].abs() < 1e-14 && x[1].abs() < 1e-14, "{x:?}");
    }

    #[test]
    fn a_loss_rounding_holds_constant_ends_in_no_progress() {
        // 1 + 1e-20·(x − 3)² is exactly 1 in f64, though its gradient is not 0: without
        // the stall test L-BFGS would creep along forever.
        let mut flat = |x: &[f64], g: &mut [f64]| -> Result<f64, Infallible> {
            g[0] = 2e-20 * (x[0] - 3.0);
            Ok(1.0 + 1e-20 * (x[0] - 3.0).powi(2))
        };
        let mut x = [0.0f64];
        let mut opt = Lbfgs::new(1, 10, 1e-30);
        let run = minimise(&mut opt, &mut x, &mut flat);
        assert_eq!(run.stop, QuasiNewtonStop::NoProgress);
        assert!(run.iterations <= 1, "{} iterations", run.iterations);
    }

    #[test]
    fn converged_start_takes_no_step() {
        let mut x = [1.0f64, 1.0];
        let mut opt = Lbfgs::new(2, 10, 1e-10);
        assert_eq!(
            opt.step(&mut x, &mut rosenbrock),
            Err(QuasiNewtonStop::Converged)
        );
        assert_eq!(x, [1.0, 1.0]);
    }

    #[test]
    fn non_finite_start_is_no_progress() {
        let mut x = [0.5f64];
        let mut opt = Lbfgs::new(1, 10, 1e-10);
        let mut nan = |_: &[f64], g: &mut [f64]| -> Result<f64, Infallible> {
            g[0] = 1.0;
            Ok(f64::NAN)
        };
        assert_eq!(opt.step(&mut x, &mut nan), Err(QuasiNewtonStop::NoProgress));
    }
}
