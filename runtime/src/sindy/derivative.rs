//! Derivatives of sampled functions on possibly uneven grids. Finite differences use
//! Fornberg's weights on local stencils (centred inside, one-sided at the ends, second-order
//! accurate); Savitzky–Golay fits a local polynomial by least squares to a window of samples
//! (so uneven spacing is no special case) and differentiates it; total-variation regularised
//! differentiation (Chartrand 2011) finds the derivative u minimising α·TV(u) plus the misfit
//! between ∫u and the data, by lagged diffusivity with conjugate gradients, for noisy data.
//! `along_axis` applies any of them along one axis of a gridded field (PDE-FIND).

use super::DiscoverError;

/// How to estimate derivatives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    FiniteDifference,
    /// Local least-squares polynomial of `order` over `window` samples.
    SavitzkyGolay {
        window: usize,
        order: usize,
    },
    /// Total-variation regularisation of strength `alpha` (relative to the data's scale).
    TotalVariation {
        alpha: f64,
    },
    /// No pointwise derivative: the regression is done in weak form (`weak.rs`), against
    /// test functions `(1 − s²)^order` on windows of `window` samples.
    Weak {
        window: WeakWindow,
        order: usize,
    },
}

/// How many samples the weak form's test functions span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeakWindow {
    /// To be chosen from the data's spectrum (`weak::spectral_window`).
    Auto,
    /// What `Auto` became on the data at hand (a session resolves it once it has the data).
    Chosen(usize),
    Samples(usize),
}

impl WeakWindow {
    /// The window in samples (`Auto` before the data are seen: the narrowest it chooses).
    pub fn samples(self) -> usize {
        match self {
            WeakWindow::Auto => super::weak::MIN_AUTO_WINDOW,
            WeakWindow::Chosen(n) | WeakWindow::Samples(n) => n,
        }
    }
}

impl std::fmt::Display for WeakWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WeakWindow::Auto => write!(f, "auto"),
            WeakWindow::Chosen(n) => write!(f, "auto = {n}"),
            WeakWindow::Samples(n) => write!(f, "{n}"),
        }
    }
}

impl Method {
    /// How many samples apart two pointwise estimates (with their smoothed values) can
    /// share data, on a series of `n` samples: the lag range of the correlation noise puts
    /// between them. Finite differences and Savitzky–Golay read a fixed stencil; total
    /// variation couples every sample, and Newey and West's rule of thumb (4·(n/100)^(2/9))
    /// stands in for its correlation length. The weak form has no pointwise estimates (its
    /// rows' overlap is `weak::TestFunctions::correlated_rows`).
    pub fn correlated_samples(&self, n: usize) -> usize {
        match self {
            Method::FiniteDifference => 2,
            Method::SavitzkyGolay { window, .. } => window.saturating_sub(1),
            Method::TotalVariation { .. } => {
                (4.0 * (n as f64 / 100.0).powf(2.0 / 9.0)).ceil() as usize
            }
            Method::Weak { .. } => 0,
        }
    }
}

/// What `differentiate` and `nth` answer for `Method::Weak`, which has no pointwise estimate.
fn no_pointwise() -> DiscoverError {
    DiscoverError::Shape(
        "the weak form gives no pointwise derivatives (it regresses integrals over windows); use fd, savgol or tv here".into(),
    )
}

/// A derivative estimate and the values it is consistent with: the smoothed samples for
/// Savitzky–Golay and TV (regressing on them removes much of the noise from the library),
/// the data themselves for finite differences (`None`: no copy of them is made).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub value: Option<Vec<f64>>,
    pub derivative: Vec<f64>,
}

/// Check that the sample times increase strictly and match the values.
pub fn check_grid(t: &[f64], f: &[f64], needed: usize) -> Result<(), DiscoverError> {
    if t.len() != f.len() {
        return Err(DiscoverError::Shape(format!(
            "{} times but {} values",
            t.len(),
            f.len()
        )));
    }
    if t.len() < needed {
        return Err(DiscoverError::TooFewSamples {
            needed,
            got: t.len(),
        });
    }
    if let Some(i) = (0..t.len()).find(|&i| !t[i].is_finite() || !f[i].is_finite()) {
        return Err(DiscoverError::NonFinite(format!("sample {i}")));
    }
    if let Some(i) = (1..t.len()).find(|&i| t[i] <= t[i - 1]) {
        return Err(DiscoverError::Shape(format!(
            "the times must increase strictly, but t[{i}] = {} follows t[{}] = {}",
            t[i],
            i - 1,
            t[i - 1]
        )));
    }
    Ok(())
}

/// The first derivative (and the values it belongs to) by `method`.
pub fn differentiate(t: &[f64], f: &[f64], method: &Method) -> Result<Estimate, DiscoverError> {
    match *method {
        Method::FiniteDifference => Ok(Estimate {
            value: None,
            derivative: finite_difference(t, f, 1)?,
        }),
        Method::SavitzkyGolay { window, order } => {
            let mut fits = savitzky_golay(t, f, window, order, 1)?;
            let derivative = fits.pop().unwrap_or_default();
            let value = fits.pop().unwrap_or_default();
            Ok(Estimate {
                value: Some(value),
                derivative,
            })
        }
        Method::TotalVariation { alpha } => total_variation(t, f, alpha),
        Method::Weak { .. } => Err(no_pointwise()),
    }
}

/// The `m`-th derivative by `method` (TV gives the first derivative regularised and
/// differentiates that by finite differences for higher orders).
pub fn nth(t: &[f64], f: &[f64], method: &Method, m: usize) -> Result<Vec<f64>, DiscoverError> {
    match *method {
        Method::FiniteDifference => finite_difference(t, f, m),
        Method::SavitzkyGolay { window, order } => {
            let mut fits = savitzky_golay(t, f, window, order.max(m), m)?;
            Ok(fits.pop().unwrap_or_default())
        }
        Method::TotalVariation { alpha } => {
            let first = total_variation(t, f, alpha)?.derivative;
            if m <= 1 {
                Ok(if m == 0 { f.to_vec() } else { first })
            } else {
                finite_difference(t, &first, m - 1)
            }
        }
        Method::Weak { .. } => Err(no_pointwise()),
    }
}

/// Fornberg's weights: `w[k][j]` is the weight of `f(x[j])` in the k-th derivative at `z`.
pub fn fornberg(x: &[f64], z: f64, m: usize) -> Vec<Vec<f64>> {
    let n = x.len();
    let mut c = vec![vec![0.0; n]; m + 1];
    if n == 0 {
        return c;
    }
    let (mut c1, mut c4) = (1.0, x[0] - z);
    c[0][0] = 1.0;
    for i in 1..n {
        let mn = i.min(m);
        let (mut c2, c5) = (1.0, c4);
        c4 = x[i] - z;
        for j in 0..i {
            let c3 = x[i] - x[j];
            c2 *= c3;
            if j == i - 1 {
                for k in (1..=mn).rev() {
                    c[k][i] = c1 * (k as f64 * c[k - 1][i - 1] - c5 * c[k][i - 1]) / c2;
                }
                c[0][i] = -c1 * c5 * c[0][i - 1] / c2;
            }
            for k in (1..=mn).rev() {
                c[k][j] = (c4 * c[k][j] - k as f64 * c[k - 1][j]) / c3;
            }
            c[0][j] = c4 * c[0][j] / c3;
        }
        c1 = c2;
    }
    c
}

/// The `m`-th derivative (m ≥ 1) by second-order finite differences: centred stencils of
/// 2⌊(m+1)/2⌋+1 points inside, one point more, shifted, at the ends.
pub fn finite_difference(t: &[f64], f: &[f64], m: usize) -> Result<Vec<f64>, DiscoverError> {
    if m == 0 {
        return Ok(f.to_vec());
    }
    let centred = 2 * m.div_ceil(2) + 1;
    let edge = centred + usize::from(m >= 2);
    check_grid(t, f, edge)?;
    let n = t.len();
    let half = centred / 2;
    // On a uniform grid the interior stencil is the same everywhere: weights once.
    let step = (t[n - 1] - t[0]) / (n - 1) as f64;
    let uniform = t
        .windows(2)
        .all(|w| ((w[1] - w[0]) - step).abs() <= 1e-9 * step.abs());
    let mut out = vec![0.0; n];
    let stencil = |i: usize, out: &mut [f64]| {
        let (lo, len) = if i >= half && i + half < n {
            (i - half, centred)
        } else if i < half {
            (0, edge)
        } else {
            (n - edge, edge)
        };
        let w = fornberg(&t[lo..lo + len], t[i], m);
        out[i] = w[m].iter().zip(&f[lo..lo + len]).map(|(w, v)| w * v).sum();
    };
    if uniform && n > 2 * half {
        let interior = fornberg(&t[..centred], t[half], m).swap_remove(m);
        crate::mol::stencil_sums(&interior, f, &mut out[half..n - half]);
        for i in (0..half).chain(n - half..n) {
            stencil(i, &mut out);
        }
    } else {
        (0..n).for_each(|i| stencil(i, &mut out));
    }
    Ok(out)
}

/// Savitzky–Golay on any grid: at each sample, a polynomial of `order` fitted by least
/// squares to the `window` nearest samples (shifted at the ends), evaluated with its
/// derivatives 0..=`m` there. Returns one column per derivative order.
pub fn savitzky_golay(
    t: &[f64],
    f: &[f64],
    window: usize,
    order: usize,
    m: usize,
) -> Result<Vec<Vec<f64>>, DiscoverError> {
    if window < order + 1 {
        return Err(DiscoverError::Shape(format!(
            "a Savitzky–Golay window of {window} samples cannot fit a polynomial of order {order} (it needs at least {})",
            order + 1
        )));
    }
    if m > order {
        return Err(DiscoverError::Shape(format!(
            "a polynomial of order {order} has no useful derivative of order {m}"
        )));
    }
    check_grid(t, f, window)?;
    let n = t.len();
    let mut out = vec![vec![0.0; n]; m + 1];
    let factorial: Vec<f64> = (0..=m)
        .scan(1.0, |acc, k| {
            *acc *= k.max(1) as f64;
            Some(*acc)
        })
        .collect();
    // On a uniform grid every centred window has the same design: its weights are
    // computed once (the fits of the unit vectors) and applied as a filter.
    let mut weights = vec![vec![0.0; window]; m + 1];
    let step = (t[n - 1] - t[0]) / (n - 1) as f64;
    let uniform = t
        .windows(2)
        .all(|w| ((w[1] - w[0]) - step).abs() <= 1e-9 * step.abs());
    let half = window / 2;
    // Samples whose window is centred (half before, window − half − 1 after).
    let centred = half..n + half + 1 - window;
    if uniform {
        let (columns, scale) = powers(&t[..window], t[half], order);
        for j in 0..window {
            let mut unit = vec![0.0; window];
            unit[j] = 1.0;
            let fit = super::lstsq::qr_solve(&columns, &unit);
            for k in 0..=m {
                weights[k][j] = fit.coef[k] * factorial[k] / scale.powi(k as i32);
            }
        }
        for k in 0..=m {
            crate::mol::stencil_sums(&weights[k], f, &mut out[k][centred.clone()]);
        }
    }
    for i in 0..n {
        let lo = i.saturating_sub(half).min(n - window);
        if uniform && centred.contains(&i) {
            continue;
        }
        let (columns, scale) = powers(&t[lo..lo + window], t[i], order);
        let fit = super::lstsq::qr_solve(&columns, &f[lo..lo + window]);
        for k in 0..=m {
            out[k][i] = fit.coef[k] * factorial[k] / scale.powi(k as i32);
        }
    }
    Ok(out)
}

/// The least-squares design of a Savitzky–Golay window: ((t_j − centre)/scale)^k for
/// k = 0..=order, with scale the window's largest distance from the centre (columns of
/// size one).
fn powers(ts: &[f64], centre: f64, order: usize) -> (Vec<Vec<f64>>, f64) {
    let scale = ts
        .iter()
        .map(|tj| (tj - centre).abs())
        .fold(0.0f64, f64::max);
    let columns = (0..=order)
        .map(|k| {
            ts.iter()
                .map(|tj| ((tj - centre) / scale).powi(k as i32))
                .collect()
        })
        .collect();
    (columns, scale)
}

/// Total-variation regularised differentiation (Chartrand, "Numerical differentiation of
/// noisy, nonsmooth data", 2011): minimise α·∫|u'| + ½∫(∫₀ᵗu − (f − f₀))² over u, in
/// units where the time span and the data's range are 1 (so α is relative). Lagged
/// diffusivity: each outer step fixes the TV weights 1/√(u'² + ε) and solves the linear
/// system by conjugate gradients, all operators applied matrix-free in O(n).
pub fn total_variation(t: &[f64], f: &[f64], alpha: f64) -> Result<Estimate, DiscoverError> {
    check_grid(t, f, 3)?;
    let n = t.len();
    let span = t[n - 1] - t[0];
    let (lo, hi) = f
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let range = if hi > lo { hi - lo } else { 1.0 };
    let tau: Vec<f64> = t.iter().map(|v| (v - t[0]) / span).collect();
    let g: Vec<f64> = f.iter().map(|v| (v - f[0]) / range).collect();
    let h: Vec<f64> = tau.windows(2).map(|w| w[1] - w[0]).collect();
    // Quadrature weights of the misfit (trapezoid), so α does not depend on n.
    let w: Vec<f64> = (0..n)
        .map(|i| 0.5 * (if i > 0 { h[i - 1] } else { 0.0 } + if i + 1 < n { h[i] } else { 0.0 }))
        .collect();
    let ops = TvOps { h: &h, w: &w };
    let mut u: Vec<f64> = finite_difference(&tau, &g, 1)?;
    let rhs = ops.at(&ops.weighted(&g));
    let eps = 1e-8;
    for _ in 0..30 {
        let e: Vec<f64> = (0..n - 1)
            .map(|k| h[k] / (((u[k + 1] - u[k]) / h[k]).powi(2) + eps).sqrt())
            .collect();
        let apply = |v: &[f64]| {
            let mut out = ops.at(&ops.weighted(&ops.a(v)));
            for k in 0..n - 1 {
                let flux = alpha * e[k] * (v[k + 1] - v[k]) / (h[k] * h[k]);
                out[k] -= flux;
                out[k + 1] += flux;
            }
            out
        };
        let next = conjugate_gradient(apply, &rhs, &u, CG_ITERATIONS.min(4 * n), 1e-10);
        let change = next
            .iter()
            .zip(&u)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, f64::max);
        let size = next.iter().map(|v| v.abs()).fold(1e-300f64, f64::max);
        u = next;
        if change <= 1e-6 * size {
            break;
        }
    }
    let integral = ops.a(&u);
    Ok(Estimate {
        value: Some(integral.iter().map(|v| f[0] + v * range).collect()),
        derivative: u.iter().map(|v| v * range / span).collect(),
    })
}

/// Conjugate-gradient steps per lagged-diffusivity step: warm starts carry the solution
/// from one outer step to the next, so each needs only to improve it, and this keeps TV
/// linear in the number of samples.
const CG_ITERATIONS: usize = 300;

/// The integration operator A (trapezoid rule from the first sample), its transpose and the
/// quadrature weighting of the misfit.
struct TvOps<'a> {
    h: &'a [f64],
    w: &'a [f64],
}

impl TvOps<'_> {
    fn a(&self, u: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; u.len()];
        for k in 0..self.h.len() {
            out[k + 1] = out[k] + 0.5 * self.h[k] * (u[k] + u[k + 1]);
        }
        out
    }

    fn at(&self, v: &[f64]) -> Vec<f64> {
        let n = v.len();
        // suffix[i] = Σ_{j ≥ i} v[j]
        let mut suffix = vec![0.0; n + 1];
        for i in (0..n).rev() {
            suffix[i] = suffix[i + 1] + v[i];
        }
        (0..n)
            .map(|j| {
                let right = if j + 1 < n {
                    0.5 * self.h[j] * suffix[j + 1]
                } else {
                    0.0
                };
                let left = if j >= 1 {
                    0.5 * self.h[j - 1] * suffix[j]
                } else {
                    0.0
                };
                right + left
            })
            .collect()
    }

    fn weighted(&self, v: &[f64]) -> Vec<f64> {
        v.iter().zip(self.w).map(|(a, b)| a * b).collect()
    }
}

/// Conjugate gradients for a symmetric positive definite operator, from `x0`.
fn conjugate_gradient(
    apply: impl Fn(&[f64]) -> Vec<f64>,
    b: &[f64],
    x0: &[f64],
    max_iter: usize,
    tol: f64,
) -> Vec<f64> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut x = x0.to_vec();
    let ax = apply(&x);
    let mut r: Vec<f64> = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    let target = tol * tol * dot(b, b).max(1e-300);
    for _ in 0..max_iter {
        if rr <= target {
            break;
        }
        let ap = apply(&p);
        let pap = dot(&p, &ap);
        if pap <= 0.0 || !pap.is_finite() {
            break;
        }
        let step = rr / pap;
        for i in 0..x.len() {
            x[i] += step * p[i];
            r[i] -= step * ap[i];
        }
        let next = dot(&r, &r);
        let beta = next / rr;
        rr = next;
        for i in 0..p.len() {
            p[i] = r[i] + beta * p[i];
        }
    }
    x
}

/// Apply a derivative along `axis` of a row-major field of `shape`, whose coordinates along
/// that axis are `coords`.
pub fn along_axis(
    data: &[f64],
    shape: &[usize],
    axis: usize,
    coords: &[f64],
    derive: impl Fn(&[f64], &[f64]) -> Result<Vec<f64>, DiscoverError>,
) -> Result<Vec<f64>, DiscoverError> {
    if axis >= shape.len() || shape[axis] != coords.len() {
        return Err(DiscoverError::Shape(format!(
            "axis {axis} of a field of shape {shape:?} does not have {} coordinates",
            coords.len()
        )));
    }
    if shape.iter().product::<usize>() != data.len() {
        return Err(DiscoverError::Shape(format!(
            "a field of shape {shape:?} cannot hold {} values",
            data.len()
        )));
    }
    let len = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut out = vec![0.0; data.len()];
    let mut line = vec![0.0; len];
    for o in 0..outer {
        for s in 0..stride {
            let base = o * len * stride + s;
            for (k, v) in line.iter_mut().enumerate() {
                *v = data[base + k * stride];
            }
            let d = derive(coords, &line)?;
            for (k, v) in d.iter().enumerate() {
                out[base + k * stride] = *v;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uneven(n: usize, span: f64) -> Vec<f64> {
        // A smooth but clearly non-uniform grid.
        (0..n)
            .map(|i| {
                let s = i as f64 / (n - 1) as f64;
                span * (s + 0.15 * (3.0 * s).sin() * s * (1.0 - s))
            })
            .collect()
    }

    fn max_error(a: &[f64], b: &[f64], skip: usize) -> f64 {
        a.iter()
            .zip(b)
            .skip(skip)
            .take(a.len() - 2 * skip)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    /// The observed order of accuracy from errors at n and 2n samples.
    fn order(error: impl Fn(usize) -> f64) -> f64 {
        (error(100) / error(200)).log2()
    }

    #[test]
    fn fornberg_reproduces_classic_stencils() {
        let w = fornberg(&[-1.0, 0.0, 1.0], 0.0, 2);
        assert_eq!(w[1], vec![-0.5, 0.0, 0.5]);
        assert_eq!(w[2], vec![1.0, -2.0, 1.0]);
        // The uniform-grid shortcut gives the same numbers as the general stencils.
        let t: Vec<f64> = (0..50).map(|i| i as f64 * 0.1).collect();
        let f: Vec<f64> = t.iter().map(|x| x.sin()).collect();
        for m in 1..=3 {
            let d = finite_difference(&t, &f, m).unwrap();
            let mut nudged = t.clone();
            nudged[0] -= 1e-7; // no longer uniform: every point takes the general path
            let g = finite_difference(&nudged, &f, m).unwrap();
            assert!(max_error(&d, &g, 3) < 1e-4, "order {m}");
        }
    }

    #[test]
    fn finite_differences_are_second_order_on_uneven_grids_up_to_the_ends() {
        for m in 1..=3 {
            let p = order(|n| {
                let t = uneven(n, 2.0);
                let f: Vec<f64> = t.iter().map(|x| (1.3 * x).sin()).collect();
                let exact: Vec<f64> = t
                    .iter()
                    .map(|x| {
                        1.3f64.powi(m as i32)
                            * (1.3 * x + m as f64 * std::f64::consts::FRAC_PI_2).sin()
                    })
                    .collect();
                max_error(&finite_difference(&t, &f, m).unwrap(), &exact, 0)
            });
            assert!((1.8..2.6).contains(&p), "derivative {m}: order {p}");
        }
    }

    #[test]
    fn savitzky_golay_is_exact_on_polynomials_and_converges() {
        let even: Vec<f64> = (0..40).map(|i| i as f64 * 0.075).collect();
        let f: Vec<f64> = even
            .iter()
            .map(|x| 1.0 - 2.0 * x + 0.5 * x * x * x)
            .collect();
        let fits = savitzky_golay(&even, &f, 9, 3, 1).unwrap();
        for (i, x) in even.iter().enumerate() {
            assert!(
                (fits[1][i] - (-2.0 + 1.5 * x * x)).abs() < 1e-9,
                "uniform {i}"
            );
        }
        let t = uneven(40, 3.0);
        let f: Vec<f64> = t.iter().map(|x| 1.0 - 2.0 * x + 0.5 * x * x * x).collect();
        let fits = savitzky_golay(&t, &f, 7, 3, 2).unwrap();
        for (i, x) in t.iter().enumerate() {
            assert!((fits[0][i] - f[i]).abs() < 1e-10);
            assert!((fits[1][i] - (-2.0 + 1.5 * x * x)).abs() < 1e-9, "{i}");
            assert!((fits[2][i] - 3.0 * x).abs() < 1e-7, "{i}");
        }
        let p = order(|n| {
            let t = uneven(n, 2.0);
            let f: Vec<f64> = t.iter().map(|x| x.exp()).collect();
            max_error(&savitzky_golay(&t, &f, 7, 4, 1).unwrap()[1], &f, 0)
        });
        assert!(p > 3.5, "order {p}");
    }

    #[test]
    fn total_variation_recovers_a_kink_from_noisy_data() {
        // f = |t − 1| has the derivative sign(t − 1); add noise of 1% of the range.
        let n = 400;
        let t: Vec<f64> = (0..n).map(|i| 2.0 * i as f64 / (n - 1) as f64).collect();
        let mut rng = crate::rng::Rng::new(7);
        let f: Vec<f64> = t
            .iter()
            .map(|x| (x - 1.0).abs() + 0.01 * rng.normal())
            .collect();
        let tv = total_variation(&t, &f, 1e-3).unwrap().derivative;
        let fd = finite_difference(&t, &f, 1).unwrap();
        let exact: Vec<f64> = t.iter().map(|x| (x - 1.0).signum()).collect();
        let rms = |d: &[f64]| {
            let s: f64 = d
                .iter()
                .zip(&exact)
                .skip(20)
                .take(n - 40)
                .filter(|_| true)
                .map(|(a, b)| (a - b).powi(2))
                .sum();
            (s / (n - 40) as f64).sqrt()
        };
        assert!(rms(&tv) < 0.2, "TV rms error {}", rms(&tv));
        assert!(
            rms(&tv) < 0.2 * rms(&fd),
            "TV {} vs FD {}",
            rms(&tv),
            rms(&fd)
        );
    }

    #[test]
    fn derivatives_along_each_axis_of_a_grid() {
        let (x, y): (Vec<f64>, Vec<f64>) = (uneven(30, 1.0), uneven(20, 2.0));
        let mut data = Vec::new();
        for xi in &x {
            for yj in &y {
                data.push(xi * xi * yj);
            }
        }
        let fd = |c: &[f64], f: &[f64]| finite_difference(c, f, 1);
        let dx = along_axis(&data, &[30, 20], 0, &x, fd).unwrap();
        let dy = along_axis(&data, &[30, 20], 1, &y, fd).unwrap();
        for (i, xi) in x.iter().enumerate() {
            for (j, yj) in y.iter().enumerate() {
                assert!((dx[i * 20 + j] - 2.0 * xi * yj).abs() < 1e-9);
                assert!((dy[i * 20 + j] - xi * xi).abs() < 1e-9);
            }
        }
        assert!(along_axis(&data, &[30, 20], 1, &x, fd).is_err());
    }

    #[test]
    fn bad_grids_are_errors() {
        assert!(matches!(
            finite_difference(&[0.0, 1.0], &[1.0, 2.0], 1),
            Err(DiscoverError::TooFewSamples { .. })
        ));
        let err = finite_difference(&[0.0, 1.0, 1.0], &[1.0, 2.0, 3.0], 1).unwrap_err();
        assert!(err.to_string().contains("increase strictly"), "{err}");
        assert!(finite_difference(&[0.0, 1.0, 2.0], &[1.0, f64::NAN, 3.0], 1).is_err());
    }
}
