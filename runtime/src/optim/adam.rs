//! Adam (Kingma & Ba, 2015) with bias correction and a learning-rate schedule. Moments are
//! stored as `T`, so an f32 network's optimizer state costs what its parameters do, but
//! each update is computed in f64 and rounded once. The state (`AdamState`) is what a
//! checkpoint needs to resume a run bit for bit.

use super::wide;
use crate::scalar::Scalar;

/// How the learning rate changes with the step count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    Constant,
    /// `lr · decay_per_1000^(step/1000)`, continuous in the step.
    Exponential {
        decay_per_1000: f64,
    },
    /// `lr · ½(1 + cos(π · step/total_steps))`, and 0 from `total_steps` on.
    Cosine {
        total_steps: usize,
    },
}

impl Schedule {
    /// The factor the base learning rate is multiplied by at `step` (0-based).
    pub fn factor(&self, step: usize) -> f64 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Exponential { decay_per_1000 } => decay_per_1000.powf(step as f64 / 1000.0),
            Schedule::Cosine { total_steps } if step >= total_steps => 0.0,
            Schedule::Cosine { total_steps } => {
                let progress = step as f64 / total_steps as f64;
                // Rounding can take 1 + cos(π·p) a hair below 0 just before the end.
                (0.5 * (1.0 + (std::f64::consts::PI * progress).cos())).max(0.0)
            }
        }
    }
}

/// What resuming Adam needs: the step count and both moment vectors, as f64 (exact for
/// either scalar type), so a checkpoint format need not know `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct AdamState {
    pub step: usize,
    pub m: Vec<f64>,
    pub v: Vec<f64>,
}

/// Adam's configuration, step count and moment estimates for one parameter vector.
#[derive(Debug, Clone)]
pub struct Adam<T> {
    lr: f64,
    schedule: Schedule,
    beta1: f64,
    beta2: f64,
    eps: f64,
    steps: usize,
    /// First and second moment estimates, uncorrected.
    m: Vec<T>,
    v: Vec<T>,
}

impl<T: Scalar> Adam<T> {
    /// Adam for `n` parameters with base learning rate `lr`, β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(n: usize, lr: f64, schedule: Schedule) -> Adam<T> {
        Adam {
            lr,
            schedule,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            steps: 0,
            m: vec![T::zero(); n],
            v: vec![T::zero(); n],
        }
    }

    pub fn with_betas(mut self, beta1: f64, beta2: f64) -> Adam<T> {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    pub fn with_eps(mut self, eps: f64) -> Adam<T> {
        self.eps = eps;
        self
    }

    /// The learning rate the next `step` will use.
    pub fn learning_rate(&self) -> f64 {
        self.lr * self.schedule.factor(self.steps)
    }

    pub fn steps_taken(&self) -> usize {
        self.steps
    }

    /// One bias-corrected update of `params` along `grad`. The caller screens the gradient
    /// for NaN: a NaN here would enter the moments and never leave.
    ///
    /// # Panics
    /// If `params` or `grad` is not as long as the optimizer was sized for.
    pub fn step(&mut self, params: &mut [T], grad: &[T]) {
        assert_eq!(params.len(), self.m.len(), "Adam: wrong parameter count");
        assert_eq!(grad.len(), self.m.len(), "Adam: wrong gradient length");
        let t = (self.steps + 1) as f64;
        // Dividing by these undoes the moments' bias towards their zero start.
        let correction1 = 1.0 - self.beta1.powf(t);
        let correction2_sqrt = (1.0 - self.beta2.powf(t)).sqrt();
        let step_size = self.learning_rate() / correction1;
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let moments = self.m.iter_mut().zip(self.v.iter_mut());
        for ((p, g), (m, v)) in params.iter_mut().zip(grad).zip(moments) {
            let g = wide(*g);
            let m_new = b1 * wide(*m) + (1.0 - b1) * g;
            let v_new = b2 * wide(*v) + (1.0 - b2) * g * g;
            *m = T::from_f64_lossy(m_new);
            *v = T::from_f64_lossy(v_new);
            let update = step_size * m_new / (v_new.sqrt() / correction2_sqrt + eps);
            *p = T::from_f64_lossy(wide(*p) - update);
        }
        self.steps += 1;
    }

    pub fn state(&self) -> AdamState {
        AdamState {
            step: self.steps,
            m: self.m.iter().map(|&x| wide(x)).collect(),
            v: self.v.iter().map(|&x| wide(x)).collect(),
        }
    }

    /// Continues from a saved state. Refuses one sized for another network or holding
    /// moments no run can produce, leaving the optimizer unchanged.
    pub fn restore(&mut self, state: AdamState) -> Result<(), String> {
        let n = self.m.len();
        if state.m.len() != n || state.v.len() != n {
            return Err(format!(
                "optimizer state has {} and {} moments for {n} parameters",
                state.m.len(),
                state.v.len()
            ));
        }
        if state.m.iter().any(|x| !x.is_finite()) {
            return Err("optimizer state has a non-finite first moment".into());
        }
        if state.v.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err("optimizer state has a negative or non-finite second moment".into());
        }
        self.steps = state.step;
        for (dst, &src) in self.m.iter_mut().zip(&state.m) {
            *dst = T::from_f64_lossy(src);
        }
        for (dst, &src) in self.v.iter_mut().zip(&state.v) {
            *dst = T::from_f64_lossy(src);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gradient of Σ cᵢ(xᵢ − tᵢ)², curvatures spread over three decades.
    fn quadratic_grad(x: &[f64], grad: &mut [f64]) {
        for (i, (g, &xi)) in grad.iter_mut().zip(x).enumerate() {
            let c = 10f64.powf(i as f64 - 1.0);
            *g = 2.0 * c * (xi - target(i));
        }
    }

    fn target(i: usize) -> f64 {
        1.0 - 0.5 * i as f64
    }

    #[test]
    fn adam_converges_on_a_quadratic() {
        let mut x = vec![0.0f64; 4];
        let mut grad = vec![0.0; 4];
        let decay = Schedule::Exponential {
            decay_per_1000: 0.3,
        };
        let mut adam = Adam::new(4, 0.05, decay);
        for _ in 0..5000 {
            quadratic_grad(&x, &mut grad);
            adam.step(&mut x, &grad);
        }
        for (i, &xi) in x.iter().enumerate() {
            assert!((xi - target(i)).abs() < 1e-4, "x[{i}] = {xi}");
        }
        assert_eq!(adam.steps_taken(), 5000);
    }

    #[test]
    fn first_step_moves_every_parameter_by_the_learning_rate() {
        // Bias correction makes the first update lr·g/(|g| + ε), whatever g's scale.
        let grad = [1e-2f64, -1.0, 3e3, -7.5e5];
        let mut x = [0.5f64; 4];
        let mut adam = Adam::new(4, 1e-3, Schedule::Constant);
        adam.step(&mut x, &grad);
        for (xi, g) in x.iter().zip(grad) {
            let moved = 0.5 - xi;
            assert!(
                (moved - 1e-3 * g.signum()).abs() < 1e-9,
                "moved {moved} for g = {g}"
            );
        }
    }

    /// The learning rate after `steps` updates of an empty parameter vector.
    fn lr_after(schedule: Schedule, steps: usize) -> f64 {
        let mut adam = Adam::<f64>::new(0, 0.01, schedule);
        for _ in 0..steps {
            adam.step(&mut [], &[]);
        }
        adam.learning_rate()
    }

    #[test]
    fn schedules_give_the_documented_learning_rates() {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-15;
        for steps in [0, 1000, 2000, 5000] {
            assert_eq!(lr_after(Schedule::Constant, steps), 0.01);
        }
        let exponential = Schedule::Exponential {
            decay_per_1000: 0.5,
        };
        assert!(close(lr_after(exponential, 0), 0.01));
        assert!(close(lr_after(exponential, 1000), 0.005));
        assert!(close(lr_after(exponential, 2000), 0.0025));
        assert!(close(lr_after(exponential, 500), 0.01 * 0.5f64.sqrt()));
        let cosine = Schedule::Cosine { total_steps: 2000 };
        assert!(close(lr_after(cosine, 0), 0.01));
        assert!(close(lr_after(cosine, 1000), 0.005));
        assert_eq!(lr_after(cosine, 2000), 0.0);
        assert_eq!(lr_after(cosine, 2500), 0.0);
        assert!(lr_after(cosine, 1999) > 0.0);
    }

    /// Runs `steps` Adam updates on a coupled nonlinear problem from `x`.
    fn run<T: Scalar>(adam: &mut Adam<T>, x: &mut [T], steps: usize) {
        let mut grad = vec![T::zero(); x.len()];
        for _ in 0..steps {
            for (i, g) in grad.iter_mut().enumerate() {
                let next = x[(i + 1) % x.len()];
                *g = x[i].sin() * T::from_f64_lossy(3.0) + next * next - x[i];
            }
            adam.step(x, &grad);
        }
    }

    fn start<T: Scalar>() -> Vec<T> {
        (0..7)
            .map(|i| T::from_f64_lossy(0.3 * i as f64 - 1.0))
            .collect()
    }

    fn resumes_bitwise<T: Scalar>() {
        let schedule = Schedule::Cosine { total_steps: 300 };
        let mut straight_adam = Adam::new(7, 0.02, schedule);
        let mut straight = start::<T>();
        run(&mut straight_adam, &mut straight, 200);

        let mut first = Adam::new(7, 0.02, schedule);
        let mut resumed = start::<T>();
        run(&mut first, &mut resumed, 120);
        let saved = first.state();
        assert_eq!(saved.step, 120);
        let mut second = Adam::new(7, 0.02, schedule);
        second.restore(saved).unwrap();
        assert_eq!(second.learning_rate(), first.learning_rate());
        run(&mut second, &mut resumed, 80);

        let bits = |v: &[T]| v.iter().map(|&x| wide(x).to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&straight), bits(&resumed));
        assert_eq!(second.state(), straight_adam.state());
        assert_ne!(bits(&straight), bits(&start::<T>()), "the run moved");
    }

    #[test]
    fn state_round_trip_resumes_bitwise() {
        resumes_bitwise::<f64>();
        resumes_bitwise::<f32>();
    }

    #[test]
    fn restore_refuses_foreign_state() {
        let mut adam = Adam::<f32>::new(3, 0.1, Schedule::Constant);
        let good = AdamState {
            step: 5,
            m: vec![0.1; 3],
            v: vec![0.2; 3],
        };
        let short = AdamState {
            m: vec![0.1; 2],
            ..good.clone()
        };
        assert!(adam.restore(short).is_err());
        let negative = AdamState {
            v: vec![0.2, -1.0, 0.2],
            ..good.clone()
        };
        assert!(adam.restore(negative).is_err());
        assert_eq!(adam.steps_taken(), 0, "a refused state changes nothing");
        adam.restore(good.clone()).unwrap();
        assert_eq!(adam.state(), good.clone().with_f32_rounding());
    }

    impl AdamState {
        fn with_f32_rounding(mut self) -> AdamState {
            for x in self.m.iter_mut().chain(self.v.iter_mut()) {
                *x = *x as f32 as f64;
            }
            self
        }
    }
}
