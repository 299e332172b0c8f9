//! Test problems for the optimizers: Rosenbrock's valley and ill-conditioned quadratics
//! with a known minimiser.

use super::{dot, Objective};
use crate::rng::Rng;
use crate::scalar::Scalar;
use std::convert::Infallible;

/// The Rosenbrock function, computed in `T` as a training loss would be.
pub fn rosenbrock<T: Scalar>(x: &[T], g: &mut [T]) -> Result<T, Infallible> {
    let c = |v: f64| T::from_f64_lossy(v);
    let (a, b) = (x[0], x[1]);
    let valley = b - a * a;
    g[0] = c(-400.0) * a * valley - c(2.0) * (T::one() - a);
    g[1] = c(200.0) * valley;
    Ok(c(100.0) * valley * valley + (T::one() - a) * (T::one() - a))
}

/// ½(x − c)ᵀA(x − c) with A = QΛQ, Q a Householder reflection (so A is not diagonal)
/// and Λ log-spaced from 1 to `condition`.
pub struct Quadratic {
    lambda: Vec<f64>,
    u: Vec<f64>,
    c: Vec<f64>,
}

impl Quadratic {
    pub fn new(n: usize, condition: f64, seed: u64) -> Quadratic {
        let mut rng = Rng::new(seed);
        let lambda = (0..n)
            .map(|i| condition.powf(i as f64 / (n - 1) as f64))
            .collect();
        let u: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let norm = dot(&u, &u).sqrt();
        let u = u.iter().map(|v| v / norm).collect();
        let c = (0..n).map(|_| rng.range(-1.0, 1.0)).collect();
        Quadratic { lambda, u, c }
    }

    fn reflect(&self, v: &mut [f64]) {
        let k = 2.0 * dot(&self.u, v);
        axpy(-k, &self.u, v);
    }

    pub fn evaluate(&self, x: &[f64], g: &mut [f64]) -> f64 {
        for ((g, x), c) in g.iter_mut().zip(x).zip(&self.c) {
            *g = x - c;
        }
        self.reflect(g);
        let mut f = 0.0;
        for (g, l) in g.iter_mut().zip(&self.lambda) {
            f += 0.5 * l * *g * *g;
            *g *= l;
        }
        self.reflect(g);
        f
    }
}

impl Objective<f64> for Quadratic {
    type Error = Infallible;

    fn evaluate(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, Infallible> {
        Ok(Quadratic::evaluate(self, x, g))
    }
}

/// `y += a·x`.
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}
