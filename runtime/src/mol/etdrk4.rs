//! ETDRK4 (Cox & Matthews) for stiff periodic problems u_t = L u + N(t, u) whose linear
//! part is diagonal in Fourier space: the `Semilinear` interface, the φ-function
//! coefficients by Kassam & Trefethen's contour means, and the fixed-step march to the
//! output times. Separate because it is an integrator, not a differentiation; it records
//! and reports through `ode`'s `Recorder`, `Solution` and `OdeError`.

use super::grid::Grid1d;
use super::spectral::Fourier;
use super::Complex64;
use crate::ode::{ensure_finite, OdeError, Recorder, Solution, Stats};
use std::f64::consts::PI;

/// A semilinear PDE u_t = L u + N(t, u) on a periodic grid, whose linear part L has
/// constant coefficients and so acts on each Fourier mode e^{ikx} by a factor L(k).
pub trait Semilinear {
    /// The symbol L(k). L must map real functions to real ones: L(−k) = conj(L(k)). E.g.
    /// u_t = −δ u_xxx gives i δ k³; u_t = −u_xx − u_xxxx gives k² − k⁴.
    fn symbol(&self, k: f64) -> Complex64;
    /// N(t, u) at every grid point.
    fn nonlinear(&mut self, t: f64, u: &[f64], out: &mut [f64]);
}

/// Points on the contour for the φ-functions: Kassam & Trefethen find 32 enough for
/// double precision; 64 leaves margin at little cost (once per step size).
const CONTOUR_POINTS: usize = 64;

/// Integrate u_t = L u + N(t, u) on the periodic `grid` from `t0` with `u0`, using ETDRK4
/// (Cox & Matthews 2002) with fixed steps `dt`, reporting u at each time in `outputs`
/// (non-decreasing, none before t0).
///
/// The linear part is integrated exactly; the coefficients' φ-functions come from
/// Kassam & Trefethen's contour integrals, accurate where their formulas cancel (small hL).
/// The step before each output time is shortened to land on it exactly, with coefficients
/// computed for that step; outputs on multiples of dt cost nothing extra (a last step that
/// differs from dt only by the rounding of t is taken as a full one).
///
/// Like `ode::integrate`, it returns the outputs reached and the error that stopped it, if
/// any: `NonFinite` (with the state) when u becomes NaN or infinite, `Interrupted` when
/// `progress`, called after every step with the time, returns false. `Stats` counts steps
/// and `rhs_evals`, the calls of `nonlinear` (four a step).
///
/// # Panics
/// If the grid is not periodic, `u0` does not have one value per point, `dt` is not positive
/// and finite, or `outputs` is not as above.
pub fn etdrk4(
    grid: &Grid1d,
    pde: &mut dyn Semilinear,
    dt: f64,
    t0: f64,
    u0: &[f64],
    outputs: &[f64],
    progress: &mut dyn FnMut(f64) -> bool,
) -> (Solution, Option<OdeError>) {
    assert!(grid.is_periodic(), "ETDRK4 needs a periodic grid");
    let n = grid.points.len();
    assert_eq!(
        u0.len(),
        n,
        "u0 has {} values, the grid {n} points",
        u0.len()
    );
    assert!(dt > 0.0 && dt.is_finite(), "time step {dt} is not positive");
    crate::ode::check_outputs(t0, outputs);
    let mut rec = Recorder::new(outputs);
    let mut stepper = Etdrk4::new(grid, pde, dt, u0);
    let error = march(&mut stepper, pde, t0, &mut rec, progress).err();
    let mut solution = rec.solution;
    solution.stats = stepper.stats;
    (solution, error)
}

/// Steps of dt, the last before each output shortened to land on it.
fn march(
    st: &mut Etdrk4,
    pde: &mut dyn Semilinear,
    t0: f64,
    rec: &mut Recorder,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(), OdeError> {
    ensure_finite(t0, &st.u)?;
    rec.record_due(t0, &st.u, |_, _| unreachable!("no output lies before t0"));
    let dt = st.full.h;
    // Time as start + j·dt rather than summed steps, so that an output on a multiple of dt
    // is reached by a full step up to one rounding.
    let (mut start, mut j) = (t0, 0usize);
    let mut t = t0;
    while let Some(target) = rec.pending() {
        // A step within a hair of the target lands on it instead of leaving a sliver.
        let last = target - t <= dt * (1.0 + 1e-9);
        if last {
            let h = target - t;
            // A difference from dt within rounding of t is no reason for new coefficients.
            if (h - dt).abs() <= 64.0 * f64::EPSILON * target.abs().max(dt) {
                st.step(pde, t, None);
            } else {
                let short = Phi::new(&st.symbol, h);
                st.step(pde, t, Some(&short));
            }
            (t, start, j) = (target, target, 0);
        } else {
            st.step(pde, t, None);
            j += 1;
            t = start + j as f64 * dt;
        }
        st.stats.steps += 1;
        ensure_finite(t, &st.u)?;
        // Steps land on outputs, up to the rounding of start + j·dt: an output that rounding
        // stepped past gets the state at t, not an interpolation.
        rec.record_due(t, &st.u, |_, out| out.copy_from_slice(&st.u));
        if !progress(t) {
            return Err(OdeError::Interrupted { t });
        }
    }
    Ok(())
}

/// ETDRK4's per-mode coefficients for one step size h, with z = hL(k):
/// e = e^z, e2 = e^{z/2}, q = h (e^{z/2} − 1)/z and Cox–Matthews' f1, f2, f3.
struct Phi {
    h: f64,
    e: Vec<Complex64>,
    e2: Vec<Complex64>,
    q: Vec<Complex64>,
    f1: Vec<Complex64>,
    f2: Vec<Complex64>,
    f3: Vec<Complex64>,
}

impl Phi {
    fn new(symbol: &[Complex64], h: f64) -> Self {
        let n = symbol.len();
        let mut phi = Phi {
            h,
            e: Vec::with_capacity(n),
            e2: Vec::with_capacity(n),
            q: Vec::with_capacity(n),
            f1: Vec::with_capacity(n),
            f2: Vec::with_capacity(n),
            f3: Vec::with_capacity(n),
        };
        for &l in symbol {
            let z = l * h;
            let [q, f1, f2, f3] = contour_means(z);
            phi.e.push(z.exp());
            phi.e2.push((z * 0.5).exp());
            phi.q.push(q * h);
            phi.f1.push(f1 * h);
            phi.f2.push(f2 * h);
            phi.f3.push(f3 * h);
        }
        phi
    }
}

/// The four functions behind q, f1, f2, f3 (without the factor h) at z, as means over a
/// circle around z (Kassam & Trefethen): they are entire, so the trapezoidal rule converges
/// geometrically, and on the circle their formulas no longer cancel catastrophically as
/// they do near z = 0. Radius 1 unless that circle passes within 1/2 of the origin, where
/// the cancellation returns; radius 2 then keeps it 1/2 away.
fn contour_means(z: Complex64) -> [Complex64; 4] {
    let radius = if (z.norm() - 1.0).abs() < 0.5 {
        2.0
    } else {
        1.0
    };
    let mut sums = [Complex64::default(); 4];
    for j in 0..CONTOUR_POINTS {
        let angle = PI * (2 * j + 1) as f64 / CONTOUR_POINTS as f64;
        let w = z + Complex64::from_polar(radius, angle);
        let half = (w * 0.5).exp();
        let ew = half * half;
        let (w2, w3) = (w * w, w * w * w);
        sums[0] += (half - 1.0) / w;
        sums[1] += (-4.0 - w + ew * (4.0 - 3.0 * w + w2)) / w3;
        sums[2] += (2.0 + w + ew * (w - 2.0)) / w3;
        sums[3] += (-4.0 - 3.0 * w - w2 + ew * (4.0 - w)) / w3;
    }
    sums.map(|s| s / CONTOUR_POINTS as f64)
}

/// ETDRK4's state and workspace: u in physical space; the stages in Fourier space.
struct Etdrk4 {
    fourier: Fourier,
    /// L at each mode, the Nyquist mode's made real.
    symbol: Vec<Complex64>,
    /// Coefficients for a full step dt.
    full: Phi,
    u: Vec<f64>,
    v: Vec<Complex64>,
    a: Vec<Complex64>,
    stage: Vec<Complex64>,
    nv: Vec<Complex64>,
    na: Vec<Complex64>,
    nb: Vec<Complex64>,
    nc: Vec<Complex64>,
    phys: Vec<f64>,
    rate: Vec<f64>,
    stats: Stats,
}

impl Etdrk4 {
    fn new(grid: &Grid1d, pde: &dyn Semilinear, dt: f64, u0: &[f64]) -> Self {
        let fourier = Fourier::new(grid);
        let symbol: Vec<Complex64> = fourier
            .k
            .iter()
            .enumerate()
            .map(|(j, &k)| {
                if fourier.nyquist == Some(j) {
                    // The mode stands for ±k_N; a real operator acts on it by the mean.
                    (pde.symbol(k) + pde.symbol(-k)) * 0.5
                } else {
                    pde.symbol(k)
                }
            })
            .collect();
        let full = Phi::new(&symbol, dt);
        let zeros = vec![Complex64::default(); u0.len()];
        Etdrk4 {
            fourier,
            symbol,
            full,
            u: u0.to_vec(),
            v: zeros.clone(),
            a: zeros.clone(),
            stage: zeros.clone(),
            nv: zeros.clone(),
            na: zeros.clone(),
            nb: zeros.clone(),
            nc: zeros,
            phys: vec![0.0; u0.len()],
            rate: vec![0.0; u0.len()],
            stats: Stats::default(),
        }
    }

    /// One Cox–Matthews step from (t, u), with the full-step coefficients unless `short`.
    fn step(&mut self, pde: &mut dyn Semilinear, t: f64, short: Option<&Phi>) {
        let Etdrk4 {
            fourier,
            full,
            u,
            v,
            a,
            stage,
            nv,
            na,
            nb,
            nc,
            phys,
            rate,
            stats,
            ..
        } = self;
        let p = short.unwrap_or(full);
        let h = p.h;
        // N at the start comes from u itself; the later stages live in Fourier space.
        pde.nonlinear(t, u, rate);
        stats.rhs_evals += 1;
        fourier.forward(u, v);
        fourier.forward(rate, nv);
        let mut eval = |t: f64, stage: &[Complex64], out: &mut [Complex64]| {
            fourier.inverse(stage, phys);
            pde.nonlinear(t, phys, rate);
            fourier.forward(rate, out);
            stats.rhs_evals += 1;
        };
        for i in 0..v.len() {
            a[i] = p.e2[i] * v[i] + p.q[i] * nv[i];
        }
        eval(t + h / 2.0, a, na);
        for i in 0..v.len() {
            stage[i] = p.e2[i] * v[i] + p.q[i] * na[i];
        }
        eval(t + h / 2.0, stage, nb);
        for i in 0..v.len() {
            stage[i] = p.e2[i] * a[i] + p.q[i] * (2.0 * nb[i] - nv[i]);
        }
        eval(t + h, stage, nc);
        for i in 0..v.len() {
            stage[i] =
                p.e[i] * v[i] + p.f1[i] * nv[i] + 2.0 * p.f2[i] * (na[i] + nb[i]) + p.f3[i] * nc[i];
        }
        fourier.inverse(stage, u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contour_means_match_the_formulas_away_from_zero() {
        // Direct formulas are fine for |z| large; near 0 their Taylor limits are 1/2, 1/6.
        for z in [
            Complex64::new(-3.0, 0.0),
            Complex64::new(0.5, 2.0),
            Complex64::new(0.0, -1.0),
            // Stiff KS and KdV modes.
            Complex64::new(-120.0, 0.0),
            Complex64::new(0.0, 31.0),
        ] {
            let [q, f1, f2, f3] = contour_means(z);
            let e = z.exp();
            let direct = [
                ((z * 0.5).exp() - 1.0) / z,
                (-4.0 - z + e * (4.0 - 3.0 * z + z * z)) / z.powi(3),
                (2.0 + z + e * (z - 2.0)) / z.powi(3),
                (-4.0 - 3.0 * z - z * z + e * (4.0 - z)) / z.powi(3),
            ];
            for (a, b) in [q, f1, f2, f3].iter().zip(direct) {
                assert!((a - b).norm() < 1e-13, "{z}: {a} vs {b}");
            }
        }
        let [q, f1, f2, f3] = contour_means(Complex64::default());
        let limits = [0.5, 1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0];
        for (a, b) in [q, f1, f2, f3].iter().zip(limits) {
            assert!((a - b).norm() < 1e-15, "{a} vs {b}");
        }
    }
}
