//! Trainable Gaussian input features (Physics-Informed Gaussians, Kang et al. 2024):
//! φ_k(x) = exp(q_k(x)) with q_k = Σ_i g_ki(x_i), one term per input, and their reverse pass
//! into the centres μ and log-widths ρ = log σ.
//!
//! For an ordinary input g = −½((x̃ − μ)/σ)² in normalised coordinates x̃. For a periodic
//! input (period L) a Gaussian would break exact periodicity, so it lives on the circle:
//! g = (cos(π(s − μ)) − 1)/(π σ)² with s = 2x/L, which equals −½((s − μ)/σ)² to leading
//! order and repeats exactly with period L. Because q is a sum of one-input terms, its only
//! non-zero jets are the value and the pure jets ∂^m/∂x_i^m, all closed-form; φ = exp(q)
//! then goes through Faà di Bruno with every derivative of exp equal to φ.

use super::compose;
use super::embedding::Embedding;
use super::jets::{JetSet, MAX_ORDER};
use super::tape::GaussTape;
use crate::rng::Rng;
use crate::scalar::Scalar;
use std::f64::consts::PI;

/// How one input enters the Gaussians.
#[derive(Debug, Clone, Copy)]
enum Axis<T> {
    /// x̃ = (x − center)·inv_half_width.
    Box { center: T, inv_half_width: T },
    /// s = 2x/L; `omega` = 2π/L = ds/dx · π.
    Circle { omega: T },
}

/// The Gaussian features of an embedding. Parameters (a slice of the network's flat
/// vector): the centres μ (K × inputs, row per feature), then the log-widths ρ (same
/// shape).
#[derive(Debug, Clone)]
pub(crate) struct GaussianFeatures<T> {
    count: usize,
    axes: Vec<Axis<T>>,
}

impl<T: Scalar> GaussianFeatures<T> {
    pub(crate) fn new(emb: &Embedding, count: usize) -> GaussianFeatures<T> {
        let axes = (0..emb.center.len())
            .map(|i| match emb.period[i] {
                Some(l) => Axis::Circle {
                    omega: T::from_f64_lossy(2.0 * PI / l),
                },
                None => Axis::Box {
                    center: T::from_f64_lossy(emb.center[i]),
                    inv_half_width: T::from_f64_lossy(1.0 / emb.half_width[i]),
                },
            })
            .collect();
        GaussianFeatures { count, axes }
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    pub(crate) fn num_params(&self) -> usize {
        2 * self.count * self.axes.len()
    }

    /// Initial parameters: μ uniform in [−1, 1] per coordinate, σ = `sigma`.
    pub(crate) fn init(&self, sigma: f64, rng: &mut Rng) -> Vec<f64> {
        let half = self.num_params() / 2;
        let mut p: Vec<f64> = (0..half).map(|_| rng.range(-1.0, 1.0)).collect();
        p.resize(2 * half, sigma.ln());
        p
    }

    /// Jets of q and of φ = exp(q) into `tape`; `x` is input-major.
    pub(crate) fn forward(
        &self,
        jets: &JetSet,
        params: &[T],
        x: &[T],
        n: usize,
        tape: &mut GaussTape<T>,
    ) {
        let (k_count, d) = (self.count, self.axes.len());
        let (q, phi) = (&mut tape.q, &mut tape.phi);
        let (mu, rho) = params.split_at(k_count * d);
        let mut g = [T::zero(); MAX_ORDER + 1];
        q.fill(T::zero());
        for k in 0..k_count {
            for (i, axis) in self.axes.iter().enumerate() {
                for p in 0..n {
                    axis_terms(
                        *axis,
                        x[i * n + p],
                        mu[k * d + i],
                        rho[k * d + i],
                        &mut g,
                        None,
                    );
                    q[p * k_count + k] += g[0];
                    for (m, &gm) in g.iter().enumerate().skip(1) {
                        if let Some(j) = jets.power(i, m) {
                            q[(j * n + p) * k_count + k] = gm;
                        }
                    }
                }
            }
        }
        let block = n * k_count;
        let (value, higher) = phi.split_at_mut(block);
        for (v, &qv) in value.iter_mut().zip(&q[..block]) {
            *v = qv.exp();
        }
        let value: &[T] = value;
        compose::forward(jets, block, |_| value, q, higher);
    }

    /// Adds ∂loss/∂(μ, ρ) into `grad` (this feature set's parameter slice), given the
    /// adjoints of φ's jets in `tape.g_phi` (`tape.g_q` is overwritten).
    pub(crate) fn backward(
        &self,
        jets: &JetSet,
        params: &[T],
        x: &[T],
        n: usize,
        tape: &mut GaussTape<T>,
        grad: &mut [T],
    ) {
        let (k_count, d) = (self.count, self.axes.len());
        let block = n * k_count;
        let GaussTape { q, phi, g_phi, g_q } = tape;
        compose::backward(jets, block, |_| &phi[..block], q, g_phi, g_q);
        let (mu, rho) = params.split_at(k_count * d);
        let (grad_mu, grad_rho) = grad.split_at_mut(k_count * d);
        let (mut g, mut dmu) = ([T::zero(); MAX_ORDER + 1], [T::zero(); MAX_ORDER + 1]);
        let minus_two = T::from_f64_lossy(-2.0);
        for k in 0..k_count {
            for (i, axis) in self.axes.iter().enumerate() {
                let (mut sum_mu, mut sum_rho) = (T::zero(), T::zero());
                for p in 0..n {
                    let at = k * d + i;
                    axis_terms(*axis, x[i * n + p], mu[at], rho[at], &mut g, Some(&mut dmu));
                    for m in 0..=jets.max_order() {
                        if let Some(j) = jets.power(i, m) {
                            let adj = g_q[(j * n + p) * k_count + k];
                            sum_mu += adj * dmu[m];
                            // Every g_m scales as σ^-2, so ∂g_m/∂ρ = −2 g_m.
                            sum_rho += adj * minus_two * g[m];
                        }
                    }
                }
                grad_mu[k * d + i] += sum_mu;
                grad_rho[k * d + i] += sum_rho;
            }
        }
    }
}

/// g and its x-derivatives g_m (m = 0..=MAX_ORDER) for one input at `x`, and optionally
/// ∂g_m/∂μ.
fn axis_terms<T: Scalar>(axis: Axis<T>, x: T, mu: T, rho: T, g: &mut [T], dmu: Option<&mut [T]>) {
    let inv_sigma = (-rho).exp();
    match axis {
        Axis::Box {
            center,
            inv_half_width,
        } => {
            let u = ((x - center) * inv_half_width - mu) * inv_sigma;
            let half = T::from_f64_lossy(0.5);
            g.fill(T::zero());
            g[0] = -half * u * u;
            g[1] = -u * inv_sigma * inv_half_width;
            g[2] = -(inv_sigma * inv_half_width).powi(2);
            if let Some(dmu) = dmu {
                dmu.fill(T::zero());
                dmu[0] = u * inv_sigma;
                dmu[1] = inv_sigma * inv_sigma * inv_half_width;
            }
        }
        Axis::Circle { omega } => {
            let pi = T::from_f64_lossy(PI);
            let scale = (inv_sigma / pi).powi(2);
            let (s, c) = (omega * x - pi * mu).sin_cos();
            // d^m/dx^m cos(ωx − πμ) = ω^m cos(· + mπ/2); ∂/∂μ of it = π ω^m sin(· + mπ/2).
            let (cos_cycle, sin_cycle) = ([c, -s, -c, s], [s, c, -s, -c]);
            let mut power = scale;
            for (m, gm) in g.iter_mut().enumerate() {
                *gm = power * cos_cycle[m % 4];
                power *= omega;
            }
            g[0] -= scale;
            if let Some(dmu) = dmu {
                let mut power = scale * pi;
                for (m, dm) in dmu.iter_mut().enumerate() {
                    *dm = power * sin_cycle[m % 4];
                    power *= omega;
                }
            }
        }
    }
}
