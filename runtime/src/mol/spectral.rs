//! Fourier differentiation on periodic grids: FFT plans and workspace, the grid's
//! wavenumbers, and the Nyquist mode's treatment. Separate because both `Derivatives` and
//! ETDRK4 (which steps in Fourier space) use it.

use super::grid::Grid1d;
use super::Complex64;
use rustfft::{Fft, FftPlanner};
use std::f64::consts::PI;
use std::sync::Arc;

/// FFTs of real grid functions on a periodic grid, with the grid's wavenumbers.
pub(super) struct Fourier {
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
    scratch: Vec<Complex64>,
    buffer: Vec<Complex64>,
    /// The wavenumber of each mode in FFT order; the Nyquist mode's is positive.
    pub(super) k: Vec<f64>,
    /// The Nyquist mode's index, for even n: it stands for both +k and −k.
    pub(super) nyquist: Option<usize>,
}

impl Fourier {
    pub(super) fn new(grid: &Grid1d) -> Self {
        let n = grid.points.len();
        let mut planner = FftPlanner::new();
        let forward = planner.plan_fft_forward(n);
        let inverse = planner.plan_fft_inverse(n);
        let scratch_len = forward
            .get_inplace_scratch_len()
            .max(inverse.get_inplace_scratch_len());
        let base = 2.0 * PI / grid.period();
        let k = (0..n)
            .map(|j| {
                let signed = if 2 * j <= n {
                    j as f64
                } else {
                    j as f64 - n as f64
                };
                base * signed
            })
            .collect();
        Fourier {
            forward,
            inverse,
            scratch: vec![Complex64::default(); scratch_len],
            buffer: vec![Complex64::default(); n],
            k,
            nyquist: n.is_multiple_of(2).then_some(n / 2),
        }
    }

    /// The unnormalised transform of u.
    pub(super) fn forward(&mut self, u: &[f64], out: &mut [Complex64]) {
        for (o, &x) in out.iter_mut().zip(u) {
            *o = Complex64::new(x, 0.0);
        }
        self.forward.process_with_scratch(out, &mut self.scratch);
    }

    /// The real grid function whose `forward` transform is `v`.
    pub(super) fn inverse(&mut self, v: &[Complex64], out: &mut [f64]) {
        self.buffer.copy_from_slice(v);
        self.inverse
            .process_with_scratch(&mut self.buffer, &mut self.scratch);
        let scale = 1.0 / v.len() as f64;
        for (o, b) in out.iter_mut().zip(&self.buffer) {
            *o = b.re * scale;
        }
    }

    /// The transform of the m-th derivative: û (i k)^m. The Nyquist mode of a real
    /// function is cos(k_N x), whose odd derivatives vanish on the grid, so it drops out
    /// of them (keeping it would make them complex).
    pub(super) fn differentiate(&self, hat: &[Complex64], m: usize, out: &mut [Complex64]) {
        for (j, (o, h)) in out.iter_mut().zip(hat).enumerate() {
            *o = if m % 2 == 1 && self.nyquist == Some(j) {
                Complex64::default()
            } else {
                h * i_k_power(self.k[j], m)
            };
        }
    }
}

/// (i k)^m, with the power of i exact.
fn i_k_power(k: f64, m: usize) -> Complex64 {
    let r = k.powi(m as i32);
    match m % 4 {
        0 => Complex64::new(r, 0.0),
        1 => Complex64::new(0.0, r),
        2 => Complex64::new(-r, 0.0),
        _ => Complex64::new(0.0, -r),
    }
}
