//! The weak form of sparse regression (weak SINDy, Messenger & Bortz 2021): instead of
//! estimating ẋ at every sample, each row of the regression is an integral against a test
//! function φ supported on one window of samples. Integration by parts moves the derivative
//! onto φ, so `∫φ·ẋ dt = −∫φ'·x dt` (φ vanishes at the window's ends) and the rows
//! `−∫φ'·x dt ≈ Σ_j c_j ∫φ·θ_j(x) dt` need no derivative of the data at all. φ is the
//! piecewise polynomial `(1 − s²)^p` on the window (s from −1 to 1), zero outside, scaled to
//! unit integral so that each row is a weighted average; windows overlap (one starts every
//! quarter window). The integrals are composite trapezoid sums on the samples, which are
//! spectrally accurate for such φ on uniform samples (φ and its first p − 1 derivatives vanish
//! at the ends) and second-order on uneven ones. Noise in x enters the rows through φ' only,
//! averaged over the window.

use super::derivative::check_grid;
use super::DiscoverError;

/// The test functions of one time series: for each window, the quadrature weights of φ and
/// of φ' (trapezoid weight times the function's value at each sample of the window).
#[derive(Debug, Clone, PartialEq)]
pub struct TestFunctions {
    windows: Vec<Window>,
}

#[derive(Debug, Clone, PartialEq)]
struct Window {
    start: usize,
    phi: Vec<f64>,
    dphi: Vec<f64>,
}

/// Test functions along one axis of a grid with their derivatives up to a given order, for
/// the weak form of a PDE (`∫ψ·∂ₓᵏg = (−1)ᵏ∫∂ₓᵏψ·g`, ψ a product of such bumps along each
/// axis): for each window and each derivative order m, the quadrature weights of φ⁽ᵐ⁾ (the
/// same bumps, windows and unit integral as [`TestFunctions`]). φ = (1 − s²)^order and its
/// first order − 1 derivatives vanish at the window's ends, so derivatives up to order − 1
/// move onto it without boundary terms.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisTestFunctions {
    /// (first sample, weights per derivative order).
    windows: Vec<(usize, Vec<Vec<f64>>)>,
}

impl AxisTestFunctions {
    /// Bumps of `window` samples (one every quarter window) over the axis `x`, with
    /// derivatives up to `derivatives` (which must be below `order`).
    pub fn new(
        x: &[f64],
        window: usize,
        order: usize,
        derivatives: usize,
    ) -> Result<AxisTestFunctions, DiscoverError> {
        if derivatives >= order {
            return Err(DiscoverError::Shape(format!(
                "the weak form's test functions of order {order} allow derivatives up to {} only; use order ≥ {}",
                order.saturating_sub(1),
                derivatives + 1
            )));
        }
        let probe = TestFunctions::new(x, x, window, order)?;
        let windows = probe
            .windows
            .iter()
            .map(|w| {
                let t = &x[w.start..w.start + w.phi.len()];
                (w.start, bump_weights(t, order, derivatives))
            })
            .collect();
        Ok(AxisTestFunctions { windows })
    }

    /// The number of windows.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Window `k`'s first sample and the weights of the bump's derivative of order `m`.
    pub fn weights(&self, k: usize, m: usize) -> (usize, &[f64]) {
        let (start, w) = &self.windows[k];
        (*start, &w[m])
    }
}

/// Trapezoid weights times φ⁽ᵐ⁾ at the samples `t` of one window, for m = 0..=`derivatives`,
/// scaled so that Σ weights of φ is 1.
fn bump_weights(t: &[f64], order: usize, derivatives: usize) -> Vec<Vec<f64>> {
    let m = t.len();
    let (a, b) = (t[0], t[m - 1]);
    let (centre, half) = ((a + b) / 2.0, (b - a) / 2.0);
    // (1 − s²)^order as a polynomial in s, then its derivatives.
    let mut poly = vec![0.0; 2 * order + 1];
    let mut binomial = 1.0;
    for k in 0..=order {
        poly[2 * k] = if k % 2 == 0 { binomial } else { -binomial };
        binomial = binomial * (order - k) as f64 / (k + 1) as f64;
    }
    let mut out = Vec::new();
    let mut current = poly;
    for d in 0..=derivatives {
        let scale = half.powi(-(d as i32));
        let weights: Vec<f64> = (0..m)
            .map(|i| {
                let left = if i > 0 { t[i] - t[i - 1] } else { 0.0 };
                let right = if i + 1 < m { t[i + 1] - t[i] } else { 0.0 };
                let s = ((t[i] - centre) / half).clamp(-1.0, 1.0);
                let value = current.iter().rev().fold(0.0, |acc, c| acc * s + c);
                (left + right) / 2.0 * value * scale
            })
            .collect();
        out.push(weights);
        current = current
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, c)| k as f64 * c)
            .collect();
    }
    let total: f64 = out[0].iter().sum();
    let unit = if total > 0.0 { 1.0 / total } else { 0.0 };
    out.iter_mut().flatten().for_each(|v| *v *= unit);
    out
}

/// The smallest window: φ of degree 2p needs samples enough to be integrated accurately.
pub const MIN_WINDOW: usize = 5;

/// The narrowest window `spectral_window` chooses: measured best on bench/discover's
/// development set at 100 samples per period (clean and noisy), where narrower windows
/// integrate the dynamics' own high frequencies poorly.
pub const MIN_AUTO_WINDOW: usize = 31;

/// How far out in φ's spectrum (in its standard deviations) the data's noise begins.
/// Measured on bench/discover's development set at 100 and at 500 samples per period
/// (clean, 1% and 5% noise): 1.5 recovers 43/42/28 and 37/36/33 systems against 43/41/27
/// and 37/35/32 for a fixed window of 31; 3 loses up to 8 systems at 5% (too wide: the
/// rows average the dynamics away).
const NOISE_EDGE_STDS: f64 = 1.5;

/// Power above this multiple of the noise floor counts as signal.
const SIGNAL_OVER_FLOOR: f64 = 10.0;

/// The weak form's window for the series `columns` (one per variable, sampled at about
/// even steps; their index is the time axis) and test functions of `order`, after the way
/// weak SINDy chooses its test functions (Messenger & Bortz 2021): find the frequency k*
/// above which each variable's spectrum is the noise floor (the median power over the top
/// half of frequencies, white noise being flat; a running mean over 1% of the band stands
/// for the spectrum), then make φ wide enough that its own spectrum has fallen off by
/// then. (1 − s²)^p on m samples either side is close to a Gaussian of standard deviation
/// m/√(2p) samples, whose transform has standard deviation √(2p)/m radians per sample:
/// m = `NOISE_EDGE_STDS`·√(2p)/ω* with ω* = 2πk*/n. Noisier data (a lower k*) and denser
/// sampling (k* at a smaller fraction of the band) both widen the window; the widest
/// variable decides, and it is never below `MIN_AUTO_WINDOW` nor above a quarter of the
/// shortest series.
pub fn spectral_window(series: &[&[f64]], order: usize) -> usize {
    use rustfft::{num_complex::Complex, FftPlanner};
    let mut planner = FftPlanner::<f64>::new();
    let mut widest = MIN_AUTO_WINDOW;
    let shortest = series.iter().map(|c| c.len()).min().unwrap_or(0);
    for col in series {
        let n = col.len();
        if n < 16 || col.iter().any(|v| !v.is_finite()) {
            continue;
        }
        let mean = col.iter().sum::<f64>() / n as f64;
        // A Hann taper keeps the ends' jump from leaking power across the band.
        let mut buf: Vec<Complex<f64>> = col
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let taper = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
                Complex::new((v - mean) * taper, 0.0)
            })
            .collect();
        planner.plan_fft_forward(n).process(&mut buf);
        let half = n / 2;
        let power: Vec<f64> = buf[..half].iter().map(|c| c.norm_sqr()).collect();
        let mut top = power[half / 2..].to_vec();
        top.sort_by(f64::total_cmp);
        let floor = top[top.len() / 2];
        let reach = (half / 100).max(1);
        let mut prefix = vec![0.0; half + 1];
        for (k, p) in power.iter().enumerate() {
            prefix[k + 1] = prefix[k] + p;
        }
        let k_star = (1..half)
            .filter(|&k| {
                let (lo, hi) = (k.saturating_sub(reach), (k + reach).min(half - 1));
                (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1) as f64 > SIGNAL_OVER_FLOOR * floor
            })
            .max()
            .unwrap_or(1);
        let omega = 2.0 * std::f64::consts::PI * k_star as f64 / n as f64;
        let m = NOISE_EDGE_STDS * (2.0 * order as f64).sqrt() / omega;
        widest = widest.max((2.0 * m).round() as usize + 1);
    }
    widest.min((shortest / 4).max(MIN_AUTO_WINDOW))
}

impl TestFunctions {
    /// Test functions `(1 − s²)^order` on windows of `window` samples over the sample times
    /// `t` (strictly increasing; the values `f` are only checked against them).
    pub fn new(
        t: &[f64],
        f: &[f64],
        window: usize,
        order: usize,
    ) -> Result<TestFunctions, DiscoverError> {
        if window < MIN_WINDOW {
            return Err(DiscoverError::Shape(format!(
                "the weak form's window of {window} samples is too short: use at least {MIN_WINDOW}"
            )));
        }
        if order < 1 {
            return Err(DiscoverError::Shape(
                "the weak form's test functions need order ≥ 1 (they must vanish at the window's ends)"
                    .into(),
            ));
        }
        check_grid(t, f, window)?;
        let stride = window.div_ceil(4).max(1);
        let n = t.len();
        let mut windows = Vec::new();
        let mut start = 0;
        while start + window <= n {
            windows.push(Window::new(&t[start..start + window], start, order));
            start += stride;
        }
        Ok(TestFunctions { windows })
    }

    /// The number of rows (windows).
    pub fn rows(&self) -> usize {
        self.windows.len()
    }

    /// How many rows apart two rows can still share samples (their windows overlap): the
    /// lag range of the correlation that noise puts between rows.
    pub fn correlated_rows(&self) -> usize {
        match self.windows.as_slice() {
            [first, second, ..] => (first.phi.len() - 1) / (second.start - first.start),
            _ => 0,
        }
    }

    /// `∫φ_k·f dt` for every window k.
    pub fn integrate(&self, f: &[f64]) -> Vec<f64> {
        self.windows
            .iter()
            .map(|w| dot(&w.phi, &f[w.start..w.start + w.phi.len()]))
            .collect()
    }

    /// `∫φ_k·ḟ dt = −∫φ_k'·f dt` for every window k: the weak time derivative.
    pub fn integrate_derivative(&self, f: &[f64]) -> Vec<f64> {
        self.windows
            .iter()
            .map(|w| -dot(&w.dphi, &f[w.start..w.start + w.dphi.len()]))
            .collect()
    }
}

impl Window {
    fn new(t: &[f64], start: usize, order: usize) -> Window {
        let m = t.len();
        let (a, b) = (t[0], t[m - 1]);
        let (centre, half) = ((a + b) / 2.0, (b - a) / 2.0);
        let p = order as i32;
        let mut phi = Vec::with_capacity(m);
        let mut dphi = Vec::with_capacity(m);
        for i in 0..m {
            // Trapezoid weights (the end weights multiply φ = 0).
            let left = if i > 0 { t[i] - t[i - 1] } else { 0.0 };
            let right = if i + 1 < m { t[i + 1] - t[i] } else { 0.0 };
            let w = (left + right) / 2.0;
            let s = ((t[i] - centre) / half).clamp(-1.0, 1.0);
            let base = 1.0 - s * s;
            phi.push(w * base.powi(p));
            dphi.push(w * -2.0 * p as f64 * s * base.powi(p - 1) / half);
        }
        // Unit integral: every row is a weighted average of its window.
        let total: f64 = phi.iter().sum();
        let scale = if total > 0.0 { 1.0 / total } else { 0.0 };
        phi.iter_mut()
            .chain(dphi.iter_mut())
            .for_each(|v| *v *= scale);
        Window { start, phi, dphi }
    }
}

use crate::wide::dot;

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize, dt: f64) -> Vec<f64> {
        (0..n).map(|i| i as f64 * dt).collect()
    }

    #[test]
    fn the_weak_derivative_of_a_smooth_signal_is_its_averaged_derivative() {
        // f = sin(3t) at 50 samples per period: −∫φ'f must equal ∫φ·f' to quadrature
        // accuracy (about 1e-7 relative here), far below the 3e-3 relative error of
        // second-order finite differences at this sampling.
        let t = grid(400, 2.0 * std::f64::consts::PI / 3.0 / 50.0);
        let f: Vec<f64> = t.iter().map(|t| (3.0 * t).sin()).collect();
        let df: Vec<f64> = t.iter().map(|t| 3.0 * (3.0 * t).cos()).collect();
        let tf = TestFunctions::new(&t, &f, 31, 6).unwrap();
        assert_eq!(tf.rows(), (400 - 31) / 8 + 1);
        // Windows of 31 samples starting every 8: rows 3 apart overlap, 4 apart do not.
        assert_eq!(tf.correlated_rows(), 3);
        let weak = tf.integrate_derivative(&f);
        let strong = tf.integrate(&df);
        for (w, s) in weak.iter().zip(&strong) {
            assert!((w - s).abs() < 3e-6, "{w} vs {s}");
        }
        // Unit integral: the average of a constant is the constant.
        let ones = vec![1.0; t.len()];
        assert!(tf.integrate(&ones).iter().all(|v| (v - 1.0).abs() < 1e-12));
        assert!(tf
            .integrate_derivative(&ones)
            .iter()
            .all(|v| v.abs() < 1e-9));
    }

    #[test]
    fn axis_bumps_move_derivatives_onto_themselves() {
        // ∫φ·f''' = −∫φ'''·f for f = sin(2x) (to 2e-5 at order 8; order 6 leaves 2e-3: φ'''
        // then vanishes at the ends to low order only), and the order-0 and order-1 weights agree
        // with `TestFunctions`.
        let x = grid(300, 0.02);
        let f: Vec<f64> = x.iter().map(|x| (2.0 * x).sin()).collect();
        let f3: Vec<f64> = x.iter().map(|x| -8.0 * (2.0 * x).cos()).collect();
        let axis = AxisTestFunctions::new(&x, 41, 8, 3).unwrap();
        let plain = TestFunctions::new(&x, &f, 41, 8).unwrap();
        assert_eq!(axis.len(), plain.rows());
        for k in 0..axis.len() {
            let (start, w0) = axis.weights(k, 0);
            let (_, w3) = axis.weights(k, 3);
            let strong = dot(w0, &f3[start..start + w0.len()]);
            let weak = -dot(w3, &f[start..start + w3.len()]);
            assert!(
                (strong - weak).abs() < 1e-4 * strong.abs().max(1.0),
                "{strong} {weak}"
            );
            let (_, w1) = axis.weights(k, 1);
            assert_eq!(w0.len(), plain.windows[k].phi.len());
            for (a, b) in w0.iter().zip(&plain.windows[k].phi) {
                assert!((a - b).abs() < 1e-12);
            }
            for (a, b) in w1.iter().zip(&plain.windows[k].dphi) {
                assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} {b}");
            }
        }
        assert!(AxisTestFunctions::new(&x, 41, 3, 3).is_err());
    }

    #[test]
    fn uneven_samples_are_integrated_too() {
        let t: Vec<f64> = (0..300)
            .map(|i| {
                let s = i as f64 * 0.01;
                s + 0.002 * (7.0 * s).sin()
            })
            .collect();
        let f: Vec<f64> = t.iter().map(|t| t * t).collect();
        let df: Vec<f64> = t.iter().map(|t| 2.0 * t).collect();
        let tf = TestFunctions::new(&t, &f, 41, 4).unwrap();
        for (w, s) in tf.integrate_derivative(&f).iter().zip(tf.integrate(&df)) {
            assert!((w - s).abs() < 1e-3 * s.abs().max(1e-2), "{w} vs {s}");
        }
    }

    #[test]
    fn the_spectral_window_widens_with_noise_and_with_denser_samples() {
        // A broadband signal, as chaotic data are: 40 harmonics of one period with power
        // falling off exponentially (RMS 0.9), over 20 periods, n samples per period, white
        // noise. (Measured: 31 clean; 35 and 48 with noise 0.1 and 0.3 at 300 samples per
        // period; 122 and 151 at 1500.)
        let series = |per_period: usize, noise: f64| -> Vec<f64> {
            let mut rng = crate::rng::Rng::new(5);
            (0..20 * per_period)
                .map(|i| {
                    let t = i as f64 * 2.0 * std::f64::consts::PI / per_period as f64;
                    let signal: f64 = (1..=40)
                        .map(|j| (-(j as f64) / 4.0).exp() * (j as f64 * t + j as f64).sin())
                        .sum();
                    signal + noise * rng.normal()
                })
                .collect()
        };
        let clean = spectral_window(&[&series(300, 0.0)], 6);
        let noisy = spectral_window(&[&series(300, 0.3)], 6);
        let dense = spectral_window(&[&series(1500, 0.3)], 6);
        // Clean, the spectrum reaches 40 cycles per period: the narrowest window. Noise
        // hides the high harmonics and widens it, and more samples per period widen it in
        // samples.
        assert_eq!(clean, MIN_AUTO_WINDOW);
        assert!(noisy > clean, "{noisy} vs {clean}");
        assert!(dense > 2 * noisy, "{dense} vs {noisy}");
        // Never more than a quarter of the series.
        assert!(spectral_window(&[&series(500, 0.5)[..400]], 6) <= 100);
    }

    #[test]
    fn bad_windows_are_errors() {
        let t = grid(20, 0.1);
        let f = vec![0.0; 20];
        assert!(TestFunctions::new(&t, &f, 3, 4).is_err());
        assert!(TestFunctions::new(&t, &f, 11, 0).is_err());
        assert_eq!(
            TestFunctions::new(&t, &f, 31, 4),
            Err(DiscoverError::TooFewSamples {
                needed: 31,
                got: 20
            })
        );
        let mut g = f.clone();
        g[4] = f64::NAN;
        assert!(matches!(
            TestFunctions::new(&t, &g, 11, 4),
            Err(DiscoverError::NonFinite(_))
        ));
    }
}
