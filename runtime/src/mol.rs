//! The method of lines for 1-D PDEs u_t = F(x, t, u, u_x, …, u_xxxx): grids with their
//! boundary conditions (`Grid1d`), the derivative columns a compiled pointwise kernel for F
//! reads at every right-hand-side evaluation (`Derivatives`: second- and fourth-order finite
//! differences, or Fourier differentiation on periodic grids), and ETDRK4, an exponential
//! integrator for stiff periodic problems u_t = L u + N(t, u) whose linear part is diagonal
//! in Fourier space (`etdrk4`).
//!
//! Finite differences sweep u once per derivative with the central stencil, vectorised over
//! points, and once for the first two together when their stencils are as wide (fourth
//! order: u_x and u_xx from one read of u); points near the ends get their own rows.
//!
//! A grid's state is u at every point, Dirichlet ends included. `Derivatives::compute`
//! takes the boundary values of the moment (they may depend on t): it overwrites u at
//! Dirichlet ends with theirs and builds the slope u_x given at Neumann ends into its
//! stencils, so F never sees an out-of-date boundary. The rate at a Dirichlet end does not
//! feed back into anything; a caller sets it to the boundary value's rate (0 if constant) so
//! the state follows, or fixes the recorded states with `Grid1d::impose`.
//!
//! `etdrk4` reports like `ode::integrate` (same `Solution`, `OdeError` and `Stats`), so the
//! compiler can run both kinds of job alike.

use crate::ode::{OdeError, Solution, Stats};
use rustfft::{Fft, FftPlanner};
use std::f64::consts::PI;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// The complex numbers of `etdrk4`'s symbols, re-exported so callers need no num-complex.
pub use rustfft::num_complex::Complex64;

/// What holds at one end of a grid; the values themselves come at each evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Both ends must be periodic: the domain is a circle of length hi − lo.
    Periodic,
    /// u is given at the end.
    Dirichlet,
    /// u_x is given at the end.
    Neumann,
}

/// How `Derivatives` differentiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Second-order finite differences.
    Fd2,
    /// Fourth-order finite differences.
    Fd4,
    /// Fourier differentiation, exact for trigonometric polynomials the grid resolves;
    /// periodic grids only.
    Spectral,
}

/// The highest derivative `Derivatives` computes (u_xxxx, for Kuramoto–Sivashinsky).
pub const MAX_ORDER: usize = 4;

/// Why a grid or a differentiation could not be set up.
#[derive(Debug, Clone, PartialEq)]
pub enum MolError {
    /// The interval is empty, reversed or not finite.
    Interval { lo: f64, hi: f64 },
    /// One end is periodic and the other is not.
    HalfPeriodic,
    /// Spectral differentiation needs a periodic grid.
    SpectralNeedsPeriodic,
    /// Derivatives above `MAX_ORDER` were asked for.
    Order { max_order: usize },
    /// The grid has fewer points than the widest stencil needs.
    TooFewPoints { n: usize, needed: usize },
}

impl fmt::Display for MolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MolError::Interval { lo, hi } => {
                write!(
                    f,
                    "the interval [{lo}, {hi}] is not a finite interval with lo < hi"
                )
            }
            MolError::HalfPeriodic => write!(
                f,
                "a periodic boundary must be periodic at both ends, not at one only"
            ),
            MolError::SpectralNeedsPeriodic => write!(
                f,
                "spectral differentiation needs periodic boundaries; use a finite-difference \
                 scheme for Dirichlet or Neumann ends"
            ),
            MolError::Order { max_order } => write!(
                f,
                "derivatives up to order {MAX_ORDER} are supported, not {max_order}"
            ),
            MolError::TooFewPoints { n, needed } => {
                write!(
                    f,
                    "the grid has {n} points, but this scheme needs at least {needed}"
                )
            }
        }
    }
}

impl std::error::Error for MolError {}

/// A uniform 1-D grid and its boundary conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid1d {
    lo: f64,
    hi: f64,
    left: Boundary,
    right: Boundary,
    h: f64,
    points: Vec<f64>,
}

impl Grid1d {
    /// `n` points on [lo, hi]: both ends included, or for a periodic grid
    /// x_i = lo + i (hi − lo)/n, i < n (hi is the same point as lo).
    pub fn new(
        lo: f64,
        hi: f64,
        n: usize,
        left: Boundary,
        right: Boundary,
    ) -> Result<Self, MolError> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(MolError::Interval { lo, hi });
        }
        let periodic = match (left, right) {
            (Boundary::Periodic, Boundary::Periodic) => true,
            (Boundary::Periodic, _) | (_, Boundary::Periodic) => {
                return Err(MolError::HalfPeriodic)
            }
            _ => false,
        };
        let needed = if periodic { 1 } else { 2 };
        if n < needed {
            return Err(MolError::TooFewPoints { n, needed });
        }
        let intervals = if periodic { n } else { n - 1 };
        let h = (hi - lo) / intervals as f64;
        let mut points: Vec<f64> = (0..n).map(|i| lo + i as f64 * h).collect();
        if !periodic {
            // Land on hi exactly, where the boundary condition holds.
            points[n - 1] = hi;
        }
        Ok(Grid1d {
            lo,
            hi,
            left,
            right,
            h,
            points,
        })
    }

    pub fn points(&self) -> &[f64] {
        &self.points
    }

    /// The distance between neighbouring points.
    pub fn spacing(&self) -> f64 {
        self.h
    }

    pub fn is_periodic(&self) -> bool {
        self.left == Boundary::Periodic
    }

    pub fn boundaries(&self) -> (Boundary, Boundary) {
        (self.left, self.right)
    }

    /// The points whose values the PDE decides: all but Dirichlet ends.
    pub fn unknowns(&self) -> Range<usize> {
        let n = self.points.len();
        let first = usize::from(self.left == Boundary::Dirichlet);
        let end = n - usize::from(self.right == Boundary::Dirichlet);
        first..end
    }

    /// Set u at Dirichlet ends to `left` and `right`; other ends are left alone.
    pub fn impose(&self, u: &mut [f64], left: f64, right: f64) {
        let n = self.points.len();
        assert_eq!(u.len(), n, "u has {} values, the grid {n} points", u.len());
        if self.left == Boundary::Dirichlet {
            u[0] = left;
        }
        if self.right == Boundary::Dirichlet {
            u[n - 1] = right;
        }
    }

    /// The circle's length for Fourier wavenumbers.
    fn period(&self) -> f64 {
        self.hi - self.lo
    }
}

/// Differentiates grid functions up to a fixed order, holding the stencils or FFT plans and
/// workspace so that each evaluation allocates nothing.
pub struct Derivatives {
    grid: Grid1d,
    max_order: usize,
    method: Differentiation,
}

enum Differentiation {
    /// `rows[k - 1]` computes the k-th derivative.
    Stencils(Vec<Rows>),
    Spectral {
        fourier: Fourier,
        hat: Vec<Complex64>,
        work: Vec<Complex64>,
    },
}

impl Derivatives {
    /// Differentiation on `grid` up to order `max_order` (at most `MAX_ORDER`). Finite
    /// differences need at least 3 to 8 points, depending on the order and the ends.
    pub fn new(grid: &Grid1d, scheme: Scheme, max_order: usize) -> Result<Self, MolError> {
        if max_order > MAX_ORDER {
            return Err(MolError::Order { max_order });
        }
        let n = grid.points.len();
        let method = match scheme {
            Scheme::Spectral if !grid.is_periodic() => return Err(MolError::SpectralNeedsPeriodic),
            Scheme::Spectral => Differentiation::Spectral {
                fourier: Fourier::new(grid),
                hat: vec![Complex64::default(); n],
                work: vec![Complex64::default(); n],
            },
            Scheme::Fd2 | Scheme::Fd4 => {
                let accuracy = if scheme == Scheme::Fd2 { 2 } else { 4 };
                let needed = (1..=max_order)
                    .map(|k| points_needed(grid, k, accuracy))
                    .max()
                    .unwrap_or(1);
                if n < needed {
                    return Err(MolError::TooFewPoints { n, needed });
                }
                let rows = (1..=max_order)
                    .map(|k| Rows::new(grid, k, accuracy))
                    .collect();
                Differentiation::Stencils(rows)
            }
        };
        Ok(Derivatives {
            grid: grid.clone(),
            max_order,
            method,
        })
    }

    /// Zeroed columns for `compute`: u and its derivatives up to the maximum order.
    pub fn columns(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0; self.grid.points.len()]; self.max_order + 1]
    }

    /// Fill `d[0]` with u, its Dirichlet ends set to their values, and `d[k]` with its k-th
    /// derivative at every point (k = 1..=max_order). `left` and `right` are the boundary
    /// values: u there at a Dirichlet end, u_x at a Neumann end (ignored when periodic).
    ///
    /// # Panics
    /// If `u` or a column does not have one value per point, or `d` does not have
    /// max_order + 1 columns.
    pub fn compute(&mut self, u: &[f64], left: f64, right: f64, d: &mut [Vec<f64>]) {
        let n = self.grid.points.len();
        assert_eq!(u.len(), n, "u has {} values, the grid {n} points", u.len());
        assert_eq!(
            d.len(),
            self.max_order + 1,
            "expected columns for u and {} derivatives, got {}",
            self.max_order,
            d.len()
        );
        assert!(d.iter().all(|c| c.len() == n), "a column is not {n} long");
        let (u_col, derivs) = d.split_first_mut().expect("d has a column for u");
        u_col.copy_from_slice(u);
        self.grid.impose(u_col, left, right);
        match &mut self.method {
            Differentiation::Stencils(rows) => {
                // A Neumann end's slope enters its rows; the rows of other ends weigh it 0.
                let slopes = (left, right);
                let periodic = self.grid.is_periodic();
                // The first two derivatives (all most PDEs need) in one sweep over u when
                // their central stencils are as wide (always at fourth order).
                let mut paired = 0;
                if let ([first, second, ..], [d1, d2, ..]) = (rows.as_slice(), &mut *derivs) {
                    if first.central.len() == second.central.len() {
                        let (n, half) = (u_col.len(), first.half);
                        stencil_pair_sums(
                            (&first.central, &second.central),
                            u_col,
                            (&mut d1[half..n - half], &mut d2[half..n - half]),
                        );
                        first.ends(u_col, slopes, periodic, d1);
                        second.ends(u_col, slopes, periodic, d2);
                        paired = 2;
                    }
                }
                for (r, out) in rows.iter().zip(derivs).skip(paired) {
                    r.apply(u_col, slopes, periodic, out);
                }
            }
            Differentiation::Spectral { fourier, hat, work } => {
                fourier.forward(u_col, hat);
                for (k, out) in derivs.iter_mut().enumerate() {
                    fourier.differentiate(hat, k + 1, work);
                    fourier.inverse(work, out);
                }
            }
        }
    }
}

/// Points in the central stencil for the k-th derivative at the given accuracy.
fn central_width(k: usize, accuracy: usize) -> usize {
    2 * k.div_ceil(2) - 1 + accuracy
}

/// Values in a stencil near an end: the order of accuracy plus the derivative order, so the
/// interpolating polynomial's k-th derivative keeps the accuracy off-centre; one fewer at a
/// Neumann end, whose slope is one more datum.
fn edge_width(k: usize, accuracy: usize, end: Boundary) -> usize {
    match end {
        Boundary::Neumann => k + accuracy - 1,
        _ => k + accuracy,
    }
}

fn points_needed(grid: &Grid1d, k: usize, accuracy: usize) -> usize {
    let central = central_width(k, accuracy);
    if grid.is_periodic() {
        central
    } else {
        let (l, r) = grid.boundaries();
        central
            .max(edge_width(k, accuracy, l))
            .max(edge_width(k, accuracy, r))
    }
}

/// The finite-difference rows of one derivative: a central stencil wherever it fits
/// (everywhere on a periodic grid, wrapping around) and one row per point nearer an end.
struct Rows {
    /// Weights on u[i − half ..= i + half].
    central: Vec<f64>,
    half: usize,
    /// Rows for points 0..half and n − half..n of a non-periodic grid.
    left: Vec<EdgeRow>,
    right: Vec<EdgeRow>,
}

/// Weights on u[start..start + weights.len()] plus one on the end's slope (Neumann only).
struct EdgeRow {
    start: usize,
    weights: Vec<f64>,
    slope: f64,
}

impl Rows {
    fn new(grid: &Grid1d, k: usize, accuracy: usize) -> Self {
        let half = central_width(k, accuracy) / 2;
        let nodes: Vec<f64> = (0..=2 * half).map(|j| j as f64 - half as f64).collect();
        let scale = grid.h.powi(k as i32);
        let central = fornberg(0.0, &nodes, k)[k]
            .iter()
            .map(|w| w / scale)
            .collect();
        let n = grid.points.len();
        let (left, right) = if grid.is_periodic() {
            (vec![], vec![])
        } else {
            let row = |i, end, at_left| edge_row(grid, k, accuracy, i, end, at_left);
            (
                (0..half).map(|i| row(i, grid.left, true)).collect(),
                (n - half..n).map(|i| row(i, grid.right, false)).collect(),
            )
        };
        Rows {
            central,
            half,
            left,
            right,
        }
    }

    fn apply(&self, u: &[f64], slopes: (f64, f64), periodic: bool, out: &mut [f64]) {
        let (n, half) = (u.len(), self.half);
        stencil_sums(&self.central, u, &mut out[half..n - half]);
        self.ends(u, slopes, periodic, out);
    }

    /// The points within `half` of an end: wrapped central stencils or the edge rows.
    fn ends(&self, u: &[f64], slopes: (f64, f64), periodic: bool, out: &mut [f64]) {
        let (n, half) = (u.len(), self.half);
        if periodic {
            for i in (0..half).chain(n - half..n) {
                out[i] = (0..self.central.len())
                    .map(|j| self.central[j] * u[(i + n + j - half) % n])
                    .sum();
            }
            return;
        }
        for (i, row) in self.left.iter().enumerate() {
            out[i] = row.apply(u, slopes.0);
        }
        for (i, row) in self.right.iter().enumerate() {
            out[n - half + i] = row.apply(u, slopes.1);
        }
    }
}

impl EdgeRow {
    fn apply(&self, u: &[f64], slope: f64) -> f64 {
        let values = dot(&self.weights, &u[self.start..]);
        if self.slope == 0.0 {
            values
        } else {
            values + self.slope * slope
        }
    }
}

crate::wide::dispatch!(
    /// `out[i]` = Σ_j weights[j]·u[i + j] for every `i` of `out` (u has at least
    /// `out.len() + weights.len() − 1` values), unrolled for the usual stencil widths.
    pub stencil_sums, stencil_sums_any, stencil_sums_wide,
    (weights: &[f64], u: &[f64], out: &mut [f64]) -> (), {
    match weights.len() {
        3 => central::<3>(weights, u, out),
        5 => central::<5>(weights, u, out),
        7 => central::<7>(weights, u, out),
        9 => central::<9>(weights, u, out),
        // Wide stencils (Savitzky–Golay filters): tap by tap over all points, the same
        // sums in the same order, vectorised over points.
        _ => {
            out.fill(0.0);
            for (j, &w) in weights.iter().enumerate() {
                for (o, x) in out.iter_mut().zip(&u[j..]) {
                    *o += w * x;
                }
            }
        }
    }
});

crate::wide::dispatch!(
    /// `stencil_sums` for two stencils of the same width at once, reading u once for both:
    /// the same sums in the same order, so the same bits as two separate calls.
    pub stencil_pair_sums, stencil_pair_sums_any, stencil_pair_sums_wide,
    (weights: (&[f64], &[f64]), u: &[f64], out: (&mut [f64], &mut [f64])) -> (), {
    match weights.0.len() {
        3 => central_pair::<3>(weights, u, out),
        5 => central_pair::<5>(weights, u, out),
        7 => central_pair::<7>(weights, u, out),
        9 => central_pair::<9>(weights, u, out),
        _ => {
            stencil_sums_any(weights.0, u, out.0);
            stencil_sums_any(weights.1, u, out.1);
        }
    }
});

/// `central` for two stencils of width W.
#[inline(always)]
fn central_pair<const W: usize>(
    (a, b): (&[f64], &[f64]),
    u: &[f64],
    (out_a, out_b): (&mut [f64], &mut [f64]),
) {
    let a: &[f64; W] = a.try_into().expect("the first stencil has W weights");
    let b: &[f64; W] = b.try_into().expect("the second stencil has W weights");
    for (i, (oa, ob)) in out_a.iter_mut().zip(out_b.iter_mut()).enumerate() {
        let x: &[f64; W] = u[i..i + W].try_into().expect("W values from i");
        let (mut sa, mut sb) = (0.0, 0.0);
        for j in 0..W {
            sa += a[j] * x[j];
            sb += b[j] * x[j];
        }
        *oa = sa;
        *ob = sb;
    }
}

/// The central stencil of width W at every point where it fits: `out[i]` is the weighted
/// sum of u[i..i + W]. A fixed width lets the compiler unroll the stencil and vectorise
/// over points, the hot loop of every method-of-lines right-hand side.
#[inline(always)]
fn central<const W: usize>(weights: &[f64], u: &[f64], out: &mut [f64]) {
    let w: &[f64; W] = weights.try_into().expect("the stencil has W weights");
    for (i, o) in out.iter_mut().enumerate() {
        let x: &[f64; W] = u[i..i + W].try_into().expect("W values from i");
        let mut sum = 0.0;
        for j in 0..W {
            sum += w[j] * x[j];
        }
        *o = sum;
    }
}

/// Σ w_j u_j over the weights (u may be longer).
fn dot(w: &[f64], u: &[f64]) -> f64 {
    w.iter().zip(u).map(|(w, u)| w * u).sum()
}

/// The row for the k-th derivative at point `i` near one end, exact for polynomials of
/// degree k + accuracy − 1 so that it keeps the scheme's order.
///
/// Near a Neumann end a ghost value beyond the end is eliminated with the one-sided
/// derivative stencil at the end (the classical ghost-point treatment, taken to the
/// accuracy needed): what is left weighs the values and the given slope u_x. Without this
/// the end's own value would never feel the boundary condition.
fn edge_row(
    grid: &Grid1d,
    k: usize,
    accuracy: usize,
    i: usize,
    end: Boundary,
    at_left: bool,
) -> EdgeRow {
    let n = grid.points.len();
    let width = edge_width(k, accuracy, end);
    let start = if at_left { 0 } else { n - width };
    let z = (i - start) as f64;
    let mut nodes: Vec<f64> = (0..width).map(|j| j as f64).collect();
    let scale = grid.h.powi(k as i32);
    if end != Boundary::Neumann {
        let weights = fornberg(z, &nodes, k)[k]
            .iter()
            .map(|w| w / scale)
            .collect();
        return EdgeRow {
            start,
            weights,
            slope: 0.0,
        };
    }
    let (ghost, boundary) = if at_left {
        (-1.0, 0.0)
    } else {
        (width as f64, width as f64 - 1.0)
    };
    nodes.push(ghost);
    // In units of h: h u_x(boundary) = Σ c_j u_j + c_g u_ghost, so
    // u_ghost = (h u_x − Σ c_j u_j) / c_g; substitute into the k-th derivative's row.
    let c = &fornberg(boundary, &nodes, 1)[1];
    let w = &fornberg(z, &nodes, k)[k];
    let ratio = w[width] / c[width];
    let weights = (0..width).map(|j| (w[j] - ratio * c[j]) / scale).collect();
    EdgeRow {
        start,
        weights,
        slope: ratio * grid.h / scale,
    }
}

/// Fornberg's weights: `c[m][j]` is the weight of u(x_j) in the m-th derivative at z, for
/// m = 0..=max_m, exact for polynomials of degree below x.len(). Numerically stable, unlike
/// solving the Vandermonde system.
fn fornberg(z: f64, x: &[f64], max_m: usize) -> Vec<Vec<f64>> {
    let nodes = x.len();
    let mut c = vec![vec![0.0; nodes]; max_m + 1];
    c[0][0] = 1.0;
    let mut c1 = 1.0;
    let mut c4 = x[0] - z;
    for i in 1..nodes {
        let mn = i.min(max_m);
        let mut c2 = 1.0;
        let c5 = c4;
        c4 = x[i] - z;
        for j in 0..i {
            let c3 = x[i] - x[j];
            c2 *= c3;
            if j == i - 1 {
                for m in (1..=mn).rev() {
                    c[m][i] = c1 * (m as f64 * c[m - 1][i - 1] - c5 * c[m][i - 1]) / c2;
                }
                c[0][i] = -c1 * c5 * c[0][i - 1] / c2;
            }
            for m in (1..=mn).rev() {
                c[m][j] = (c4 * c[m][j] - m as f64 * c[m - 1][j]) / c3;
            }
            c[0][j] = c4 * c[0][j] / c3;
        }
        c1 = c2;
    }
    c
}

/// FFTs of real grid functions on a periodic grid, with the grid's wavenumbers.
struct Fourier {
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
    scratch: Vec<Complex64>,
    buffer: Vec<Complex64>,
    /// The wavenumber of each mode in FFT order; the Nyquist mode's is positive.
    k: Vec<f64>,
    /// The Nyquist mode's index, for even n: it stands for both +k and −k.
    nyquist: Option<usize>,
}

impl Fourier {
    fn new(grid: &Grid1d) -> Self {
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
    fn forward(&mut self, u: &[f64], out: &mut [Complex64]) {
        for (o, &x) in out.iter_mut().zip(u) {
            *o = Complex64::new(x, 0.0);
        }
        self.forward.process_with_scratch(out, &mut self.scratch);
    }

    /// The real grid function whose `forward` transform is `v`.
    fn inverse(&mut self, v: &[Complex64], out: &mut [f64]) {
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
    fn differentiate(&self, hat: &[Complex64], m: usize, out: &mut [Complex64]) {
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
    let mut rec = Recorder {
        times: outputs,
        next: 0,
        solution: Solution::default(),
    };
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
    rec.record_due(t0, &st.u);
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
        rec.record_due(t, &st.u);
        if !progress(t) {
            return Err(OdeError::Interrupted { t });
        }
    }
    Ok(())
}

fn ensure_finite(t: f64, u: &[f64]) -> Result<(), OdeError> {
    if u.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(OdeError::NonFinite {
            t,
            state: u.to_vec(),
        })
    }
}

/// Records the state at each output time as the integration lands on it.
struct Recorder<'a> {
    times: &'a [f64],
    next: usize,
    solution: Solution,
}

impl Recorder<'_> {
    fn pending(&self) -> Option<f64> {
        self.times.get(self.next).copied()
    }

    /// Record every pending output at or before `t` (steps land on outputs, so those are
    /// the ones equal to t).
    fn record_due(&mut self, t: f64, u: &[f64]) {
        while let Some(time) = self.pending().filter(|&time| time <= t) {
            self.solution.t.push(time);
            self.solution.y.push(u.to_vec());
            self.next += 1;
        }
    }
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
    use crate::ode::{integrate, Method, OdeSystem};
    use crate::test_support::{fitted_order, max_diff};
    use std::time::Instant;

    fn sci(values: &[f64]) -> String {
        let parts: Vec<String> = values.iter().map(|v| format!("{v:.2e}")).collect();
        parts.join(", ")
    }

    fn max_abs(a: &[f64]) -> f64 {
        a.iter().fold(0.0, |m, x| m.max(x.abs()))
    }

    fn no_progress() -> impl FnMut(f64) -> bool {
        |_| true
    }

    /// A smooth test function with its derivatives 0..=4 and where it lives.
    struct Case {
        name: &'static str,
        lo: f64,
        hi: f64,
        ends: (Boundary, Boundary),
        f: fn(f64) -> [f64; 5],
    }

    /// exp(a x) and its derivatives.
    fn exp15(x: f64) -> [f64; 5] {
        let a: f64 = 1.5;
        std::array::from_fn(|k| a.powi(k as i32) * (a * x).exp())
    }

    /// exp(sin x), periodic on [0, 2π).
    fn exp_sin(x: f64) -> [f64; 5] {
        let (s, c) = x.sin_cos();
        let f = s.exp();
        [
            f,
            c * f,
            (c * c - s) * f,
            (-c - 3.0 * c * s + c.powi(3)) * f,
            (s + 3.0 * s * s - 4.0 * c * c - 6.0 * c * c * s + c.powi(4)) * f,
        ]
    }

    /// cos(2x + 0.3).
    fn cos2(x: f64) -> [f64; 5] {
        let p = 2.0 * x + 0.3;
        [
            p.cos(),
            -2.0 * p.sin(),
            -4.0 * p.cos(),
            8.0 * p.sin(),
            16.0 * p.cos(),
        ]
    }

    fn cases() -> [Case; 4] {
        use Boundary::*;
        [
            Case {
                name: "periodic exp(sin x)",
                lo: 0.0,
                hi: 2.0 * PI,
                ends: (Periodic, Periodic),
                f: exp_sin,
            },
            Case {
                name: "Dirichlet exp(1.5x)",
                lo: 0.0,
                hi: 1.0,
                ends: (Dirichlet, Dirichlet),
                f: exp15,
            },
            Case {
                name: "Neumann exp(1.5x)",
                lo: 0.0,
                hi: 1.0,
                ends: (Neumann, Neumann),
                f: exp15,
            },
            Case {
                name: "Neumann/Dirichlet cos(2x+0.3)",
                lo: 0.0,
                hi: 1.0,
                ends: (Neumann, Dirichlet),
                f: cos2,
            },
        ]
    }

    /// Max error of each derivative 1..=4 on `n` points.
    fn derivative_errors(case: &Case, scheme: Scheme, n: usize) -> (f64, [f64; 4]) {
        let grid = Grid1d::new(case.lo, case.hi, n, case.ends.0, case.ends.1).unwrap();
        let exact: Vec<[f64; 5]> = grid.points().iter().map(|&x| (case.f)(x)).collect();
        let mut u: Vec<f64> = exact.iter().map(|e| e[0]).collect();
        // Dirichlet ends must come from the boundary values, not from u.
        let unknowns = grid.unknowns();
        for (i, ui) in u.iter_mut().enumerate() {
            if !unknowns.contains(&i) {
                *ui = 99.0;
            }
        }
        let value = |x: f64, end: Boundary| match end {
            Boundary::Neumann => (case.f)(x)[1],
            _ => (case.f)(x)[0],
        };
        let (left, right) = (value(case.lo, case.ends.0), value(case.hi, case.ends.1));
        let mut d = Derivatives::new(&grid, scheme, 4).unwrap();
        let mut cols = d.columns();
        d.compute(&u, left, right, &mut cols);
        let truth: Vec<f64> = exact.iter().map(|e| e[0]).collect();
        assert!(max_diff(&cols[0], &truth) < 1e-15, "{}", case.name);
        let errors = std::array::from_fn(|k| {
            let truth: Vec<f64> = exact.iter().map(|e| e[k + 1]).collect();
            max_diff(&cols[k + 1], &truth)
        });
        (grid.spacing(), errors)
    }

    #[test]
    fn paired_stencils_give_the_bits_of_separate_ones() {
        let u: Vec<f64> = (0..40)
            .map(|i| (0.37 * i as f64).sin() * 1e3 + 0.1)
            .collect();
        for width in [3, 5, 7, 9, 11] {
            let a: Vec<f64> = (0..width).map(|j| 1.0 / (j as f64 + 0.3)).collect();
            let b: Vec<f64> = (0..width).map(|j| (j as f64 - 1.7).powi(3)).collect();
            for points in [0, 1, 5, 40 - width + 1] {
                let (mut sa, mut sb) = (vec![0.0; points], vec![0.0; points]);
                stencil_sums(&a, &u, &mut sa);
                stencil_sums(&b, &u, &mut sb);
                let (mut pa, mut pb) = (vec![0.0; points], vec![0.0; points]);
                stencil_pair_sums((&a, &b), &u, (&mut pa, &mut pb));
                assert_eq!((&pa, &pb), (&sa, &sb), "width {width}, {points} points");
                let (mut qa, mut qb) = (vec![0.0; points], vec![0.0; points]);
                stencil_pair_sums_any((&a, &b), &u, (&mut qa, &mut qb));
                assert_eq!((&qa, &qb), (&sa, &sb), "plain x86-64, width {width}");
            }
        }
    }

    #[test]
    fn fornberg_gives_the_classical_stencils() {
        let five: Vec<f64> = (-2..=2).map(f64::from).collect();
        let c = fornberg(0.0, &five, 4);
        let expect = [
            [0.0, 0.0, 1.0, 0.0, 0.0],
            [1.0 / 12.0, -8.0 / 12.0, 0.0, 8.0 / 12.0, -1.0 / 12.0],
            [
                -1.0 / 12.0,
                16.0 / 12.0,
                -30.0 / 12.0,
                16.0 / 12.0,
                -1.0 / 12.0,
            ],
            [-0.5, 1.0, 0.0, -1.0, 0.5],
            [1.0, -4.0, 6.0, -4.0, 1.0],
        ];
        for (row, want) in c.iter().zip(expect) {
            assert!(max_diff(row, &want) < 1e-14, "{row:?}");
        }
        // A Neumann end's FD2 row for u_xx weighs three values and the slope, exact for
        // cubics: u = 1 + 2x − x² + x³/2 has u_x(0) = 2, u_xx(0) = −2.
        let grid = Grid1d::new(0.0, 1.0, 11, Boundary::Neumann, Boundary::Neumann).unwrap();
        let row = edge_row(&grid, 2, 2, 0, Boundary::Neumann, true);
        let u: Vec<f64> = grid
            .points()
            .iter()
            .map(|x| 1.0 + 2.0 * x - x * x + 0.5 * x.powi(3))
            .collect();
        assert_eq!(row.weights.len(), 3);
        assert!(
            (row.apply(&u, 2.0) + 2.0).abs() < 1e-10,
            "{}",
            row.apply(&u, 2.0)
        );
    }

    #[test]
    fn finite_differences_converge_at_their_order() {
        let started = Instant::now();
        for case in cases() {
            for (scheme, order) in [(Scheme::Fd2, 2.0), (Scheme::Fd4, 4.0)] {
                let periodic = case.ends.0 == Boundary::Periodic;
                // Near ends u_xxx and u_xxxx come from wide one-sided stencils whose rounding
                // error grows as h⁻³ and h⁻⁴: coarser grids keep them above it.
                let fine: &[usize] = if periodic {
                    &[16, 32, 64, 128]
                } else {
                    &[21, 41, 81, 161]
                };
                let coarse: &[usize] = if periodic { fine } else { &[21, 31, 41, 61] };
                let mut orders = [0.0; 4];
                for (k, p) in orders.iter_mut().enumerate() {
                    let ns = if k < 2 { fine } else { coarse };
                    let (hs, errors): (Vec<f64>, Vec<f64>) = ns
                        .iter()
                        .map(|&n| {
                            let (h, e) = derivative_errors(&case, scheme, n);
                            (h, e[k])
                        })
                        .unzip();
                    *p = fitted_order(&hs, &errors);
                }
                eprintln!(
                    "{scheme:?} {}: orders u_x {:.2}, u_xx {:.2}, u_xxx {:.2}, u_xxxx {:.2}",
                    case.name, orders[0], orders[1], orders[2], orders[3]
                );
                for (k, p) in orders.iter().enumerate() {
                    let slack = if k < 2 { 0.3 } else { 0.5 };
                    assert!(
                        *p > order - slack,
                        "{scheme:?} {}: derivative {} has order {p}",
                        case.name,
                        k + 1
                    );
                }
            }
        }
        eprintln!("finite-difference orders: {:?}", started.elapsed());
    }

    /// Σ_m (a_m cos + b_m sin)(2π m (x − lo)/L) and its derivatives.
    fn trig(x: f64, lo: f64, period: f64, terms: &[(f64, f64, f64)]) -> [f64; 5] {
        let mut out = [0.0; 5];
        for &(m, a, b) in terms {
            let w = 2.0 * PI * m / period;
            let (s, c) = (w * (x - lo)).sin_cos();
            // d/dx cycles (c, s) → (−s, c) scaled by w.
            let cycle = [(c, s), (-s, c), (-c, -s), (s, -c)];
            for (k, o) in out.iter_mut().enumerate() {
                let (ck, sk) = cycle[k % 4];
                *o += w.powi(k as i32) * (a * ck + b * sk);
            }
        }
        out
    }

    #[test]
    fn spectral_differentiation_is_exact_for_trigonometric_polynomials() {
        // Mode 16 is the Nyquist mode of 32 points: its odd derivatives vanish on the grid.
        let terms = [
            (0.0, 0.7, 0.0),
            (3.0, 0.0, 1.0),
            (5.0, 0.5, -0.3),
            (11.0, 0.0, -0.25),
            (16.0, 0.1, 0.0),
        ];
        for (lo, hi, n) in [(0.0, 2.0 * PI, 32), (-1.0, 3.0, 32), (-1.0, 3.0, 33)] {
            let grid = Grid1d::new(lo, hi, n, Boundary::Periodic, Boundary::Periodic).unwrap();
            let exact: Vec<[f64; 5]> = grid
                .points()
                .iter()
                .map(|&x| trig(x, lo, hi - lo, &terms))
                .collect();
            let u: Vec<f64> = exact.iter().map(|e| e[0]).collect();
            let mut d = Derivatives::new(&grid, Scheme::Spectral, 4).unwrap();
            let mut cols = d.columns();
            d.compute(&u, 0.0, 0.0, &mut cols);
            for k in 1..=4 {
                let truth: Vec<f64> = exact.iter().map(|e| e[k]).collect();
                let err = max_diff(&cols[k], &truth);
                let rel = err / max_abs(&truth);
                eprintln!(
                    "spectral [{lo}, {hi}) n={n}: u^({k}) error {err:.1e} (relative {rel:.1e})"
                );
                assert!(rel < 1e-13, "order {k}: {err}");
                if k <= 2 {
                    assert!(err < 1e-12, "order {k}: {err}");
                }
            }
        }
        // Beyond polynomials: exp(sin x) to rounding with 32 points.
        let grid = Grid1d::new(0.0, 2.0 * PI, 32, Boundary::Periodic, Boundary::Periodic).unwrap();
        let u: Vec<f64> = grid.points().iter().map(|&x| exp_sin(x)[0]).collect();
        let mut d = Derivatives::new(&grid, Scheme::Spectral, 2).unwrap();
        let mut cols = d.columns();
        d.compute(&u, 0.0, 0.0, &mut cols);
        let ux: Vec<f64> = grid.points().iter().map(|&x| exp_sin(x)[1]).collect();
        assert!(
            max_diff(&cols[1], &ux) < 1e-12,
            "{}",
            max_diff(&cols[1], &ux)
        );
    }

    #[test]
    fn setup_errors_are_reported() {
        use Boundary::*;
        assert_eq!(
            Grid1d::new(1.0, 1.0, 10, Dirichlet, Dirichlet),
            Err(MolError::Interval { lo: 1.0, hi: 1.0 })
        );
        assert_eq!(
            Grid1d::new(0.0, 1.0, 10, Periodic, Neumann),
            Err(MolError::HalfPeriodic)
        );
        let walls = Grid1d::new(0.0, 1.0, 7, Dirichlet, Neumann).unwrap();
        assert_eq!(
            Derivatives::new(&walls, Scheme::Spectral, 1).err(),
            Some(MolError::SpectralNeedsPeriodic)
        );
        assert_eq!(
            Derivatives::new(&walls, Scheme::Fd2, 5).err(),
            Some(MolError::Order { max_order: 5 })
        );
        // FD4's u_xxxx near a Dirichlet end needs 8 values.
        let err = Derivatives::new(&walls, Scheme::Fd4, 4).err().unwrap();
        assert_eq!(err, MolError::TooFewPoints { n: 7, needed: 8 });
        assert!(err.to_string().contains("needs at least 8"), "{err}");
        assert!(Derivatives::new(&walls, Scheme::Fd4, 2).is_ok());
        assert_eq!(walls.unknowns(), 1..7);
    }

    /// u_t = ν u_xx on [0, π] with u = 0 (Dirichlet) or u_x = 0 (Neumann) at both ends.
    struct Heat {
        nu: f64,
        unknowns: Range<usize>,
        d: Derivatives,
        cols: Vec<Vec<f64>>,
    }

    impl OdeSystem for Heat {
        fn dim(&self) -> usize {
            self.cols[0].len()
        }

        fn rhs(&mut self, _t: f64, y: &[f64], dydt: &mut [f64]) {
            self.d.compute(y, 0.0, 0.0, &mut self.cols);
            for (i, r) in dydt.iter_mut().enumerate() {
                // Dirichlet ends hold their (constant) values.
                *r = if self.unknowns.contains(&i) {
                    self.nu * self.cols[2][i]
                } else {
                    0.0
                };
            }
        }
    }

    /// The error at t = 1 of the mode sin x (Dirichlet) or cos x (Neumann), which decays
    /// as exp(−ν t).
    fn heat_error(scheme: Scheme, end: Boundary, n: usize) -> (f64, f64) {
        let nu = 0.5;
        let mode = if end == Boundary::Dirichlet {
            f64::sin
        } else {
            f64::cos
        };
        let grid = Grid1d::new(0.0, PI, n, end, end).unwrap();
        let d = Derivatives::new(&grid, scheme, 2).unwrap();
        let mut heat = Heat {
            nu,
            unknowns: grid.unknowns(),
            cols: d.columns(),
            d,
        };
        let mut u0: Vec<f64> = grid.points().iter().map(|&x| mode(x)).collect();
        grid.impose(&mut u0, 0.0, 0.0);
        let method = Method::Dopri5 {
            rtol: 1e-12,
            atol: 1e-12,
        };
        let (sol, err) = integrate(&mut heat, &method, 0.0, &u0, &[1.0], &mut no_progress());
        assert_eq!(err, None);
        let exact: Vec<f64> = grid
            .points()
            .iter()
            .map(|&x| (-nu).exp() * mode(x))
            .collect();
        (grid.spacing(), max_diff(&sol.y[0], &exact))
    }

    #[test]
    fn heat_equation_converges_in_space() {
        let started = Instant::now();
        let runs = [
            (Scheme::Fd2, 2.0, &[21, 41, 81, 161][..]),
            (Scheme::Fd4, 4.0, &[21, 41, 81][..]),
        ];
        for end in [Boundary::Dirichlet, Boundary::Neumann] {
            for (scheme, order, ns) in runs {
                let (hs, errors): (Vec<f64>, Vec<f64>) =
                    ns.iter().map(|&n| heat_error(scheme, end, n)).unzip();
                let p = fitted_order(&hs, &errors);
                eprintln!(
                    "heat equation {end:?} {scheme:?}: errors {}, order {p:.2}",
                    sci(&errors)
                );
                assert!((p - order).abs() < 0.3, "{end:?} {scheme:?}: {p}");
            }
        }
        eprintln!("heat equation: {:?}", started.elapsed());
    }

    /// u_t = L u − (u²/2)_x (the nonlinearity dropped if `burgers` is false), with the
    /// nonlinear term by spectral differentiation as the compiler would evaluate it.
    struct Conservative {
        symbol: Box<dyn Fn(f64) -> Complex64>,
        burgers: bool,
        d: Derivatives,
        square: Vec<f64>,
        cols: Vec<Vec<f64>>,
    }

    impl Conservative {
        fn new(grid: &Grid1d, burgers: bool, symbol: impl Fn(f64) -> Complex64 + 'static) -> Self {
            let d = Derivatives::new(grid, Scheme::Spectral, 1).unwrap();
            Conservative {
                symbol: Box::new(symbol),
                burgers,
                square: vec![0.0; grid.points().len()],
                cols: d.columns(),
                d,
            }
        }
    }

    impl Semilinear for Conservative {
        fn symbol(&self, k: f64) -> Complex64 {
            (self.symbol)(k)
        }

        fn nonlinear(&mut self, _t: f64, u: &[f64], out: &mut [f64]) {
            if !self.burgers {
                out.fill(0.0);
                return;
            }
            for (s, u) in self.square.iter_mut().zip(u) {
                *s = 0.5 * u * u;
            }
            self.d.compute(&self.square, 0.0, 0.0, &mut self.cols);
            for (o, d) in out.iter_mut().zip(&self.cols[1]) {
                *o = -d;
            }
        }
    }

    fn periodic(lo: f64, hi: f64, n: usize) -> Grid1d {
        Grid1d::new(lo, hi, n, Boundary::Periodic, Boundary::Periodic).unwrap()
    }

    fn run_etdrk4(
        grid: &Grid1d,
        pde: &mut dyn Semilinear,
        dt: f64,
        u0: &[f64],
        outputs: &[f64],
    ) -> Solution {
        let (sol, err) = etdrk4(grid, pde, dt, 0.0, u0, outputs, &mut no_progress());
        assert_eq!(err, None);
        sol
    }

    #[test]
    fn etdrk4_is_exact_for_linear_problems() {
        let grid = periodic(0.0, 2.0 * PI, 32);
        let xs = grid.points();
        let nu = 0.1;
        // Heat: each mode decays by exp(−ν k² t), the Nyquist mode cos 16x too.
        let mut heat = Conservative::new(&grid, false, move |k| Complex64::new(-nu * k * k, 0.0));
        let u0: Vec<f64> = xs
            .iter()
            .map(|x| x.sin() + 0.5 * (3.0 * x).cos() + 0.1 * (16.0 * x).cos())
            .collect();
        // Outputs off the multiples of dt: the steps before them are shortened.
        let outputs = [0.0, 0.3, 1.0, 2.5];
        let sol = run_etdrk4(&grid, &mut heat, 0.2, &u0, &outputs);
        assert_eq!(sol.t, outputs);
        assert_eq!(sol.stats.steps, 2 + 4 + 8);
        for (t, u) in sol.t.iter().zip(&sol.y) {
            let exact: Vec<f64> = xs
                .iter()
                .map(|x| {
                    (-nu * t).exp() * x.sin()
                        + 0.5 * (-9.0 * nu * t).exp() * (3.0 * x).cos()
                        + 0.1 * (-256.0 * nu * t).exp() * (16.0 * x).cos()
                })
                .collect();
            let err = max_diff(u, &exact);
            assert!(err < 1e-14, "heat at t = {t}: {err:e}");
        }
        // Airy, u_t = −u_xxx: L(k) = i k³ moves e^{ikx} to e^{ik(x + k² t)}.
        let mut airy = Conservative::new(&grid, false, |k| Complex64::new(0.0, k.powi(3)));
        let u0: Vec<f64> = xs.iter().map(|x| x.sin() + 0.5 * (3.0 * x).cos()).collect();
        let sol = run_etdrk4(&grid, &mut airy, 0.1, &u0, &[0.35, 1.0]);
        for (t, u) in sol.t.iter().zip(&sol.y) {
            let exact: Vec<f64> = xs
                .iter()
                .map(|x| (x + t).sin() + 0.5 * (3.0 * x + 27.0 * t).cos())
                .collect();
            let err = max_diff(u, &exact);
            assert!(err < 1e-13, "Airy at t = {t}: {err:e}");
        }
    }

    fn kuramoto_sivashinsky(grid: &Grid1d) -> (Conservative, Vec<f64>) {
        let pde = Conservative::new(grid, true, |k| Complex64::new(k * k - k.powi(4), 0.0));
        let u0 = grid
            .points()
            .iter()
            .map(|x| (x / 16.0).cos() * (1.0 + (x / 16.0).sin()))
            .collect();
        (pde, u0)
    }

    #[test]
    fn etdrk4_solves_kuramoto_sivashinsky_at_fourth_order() {
        let started = Instant::now();
        let grid = periodic(0.0, 32.0 * PI, 128);
        let (mut ks, u0) = kuramoto_sivashinsky(&grid);
        let outputs: Vec<f64> = (0..=10).map(|i| 5.0 * i as f64).collect();
        let sol = run_etdrk4(&grid, &mut ks, 0.25, &u0, &outputs);
        assert_eq!(sol.t, outputs);
        assert_eq!(sol.stats.steps, 200);
        assert_eq!(sol.stats.rhs_evals, 800);
        let peak = sol.y.iter().map(|u| max_abs(u)).fold(0.0, f64::max);
        eprintln!(
            "KS to t = 50 with dt = 1/4: max |u| = {peak:.3}, {:?}",
            started.elapsed()
        );
        // The chaotic state settles at |u| of a few units.
        assert!(peak.is_finite() && peak < 5.0 && peak > 1.0, "{peak}");

        let started = Instant::now();
        let reference = run_etdrk4(&grid, &mut ks, 1.0 / 64.0, &u0, &[10.0]);
        let dts = [0.5, 0.25, 0.125];
        let errors: Vec<f64> = dts
            .iter()
            .map(|&dt| {
                max_diff(
                    &run_etdrk4(&grid, &mut ks, dt, &u0, &[10.0]).y[0],
                    &reference.y[0],
                )
            })
            .collect();
        let p = fitted_order(&dts, &errors);
        eprintln!(
            "KS at t = 10: errors {} for dt {dts:?}, order {p:.2}, {:?}",
            sci(&errors),
            started.elapsed()
        );
        // Fourth order, less the stiff order reduction of Cox–Matthews' scheme (Hochbruck &
        // Ostermann 2005) that shows at these steps: pairwise orders 4.5, then 2.5, rising
        // back towards 4 as dt → 0.
        assert!((p - 4.0).abs() < 0.5, "{p}");
    }

    /// −u_xx − u_xxxx − (u²/2)_x by spectral differentiation, for `ode::integrate`.
    struct KsLines {
        d: Derivatives,
        square: Vec<f64>,
        cols: Vec<Vec<f64>>,
    }

    impl OdeSystem for KsLines {
        fn dim(&self) -> usize {
            self.square.len()
        }

        fn rhs(&mut self, _t: f64, y: &[f64], dydt: &mut [f64]) {
            self.d.compute(y, 0.0, 0.0, &mut self.cols);
            for (r, (uxx, uxxxx)) in dydt.iter_mut().zip(self.cols[2].iter().zip(&self.cols[4])) {
                *r = -uxx - uxxxx;
            }
            for (s, u) in self.square.iter_mut().zip(y) {
                *s = 0.5 * u * u;
            }
            self.d.compute(&self.square, 0.0, 0.0, &mut self.cols);
            for (r, flux_x) in dydt.iter_mut().zip(&self.cols[1]) {
                *r -= flux_x;
            }
        }
    }

    #[test]
    fn etdrk4_agrees_with_dopri5_on_the_same_lines() {
        // An independent check of the scheme: the same semi-discretisation integrated as an
        // ODE system with tight tolerances.
        let started = Instant::now();
        let grid = periodic(0.0, 32.0 * PI, 64);
        let (mut ks, u0) = kuramoto_sivashinsky(&grid);
        let exp = run_etdrk4(&grid, &mut ks, 1.0 / 32.0, &u0, &[2.0]);
        let d = Derivatives::new(&grid, Scheme::Spectral, 4).unwrap();
        let mut lines = KsLines {
            cols: d.columns(),
            d,
            square: vec![0.0; u0.len()],
        };
        let method = Method::Dopri5 {
            rtol: 1e-12,
            atol: 1e-12,
        };
        let (sol, err) = integrate(&mut lines, &method, 0.0, &u0, &[2.0], &mut no_progress());
        assert_eq!(err, None);
        let diff = max_diff(&exp.y[0], &sol.y[0]);
        eprintln!(
            "KS at t = 2: ETDRK4 (dt = 1/32) vs Dopri5 {diff:.1e}, {:?}",
            started.elapsed()
        );
        assert!(diff < 1e-9, "{diff}");
    }

    #[test]
    fn etdrk4_keeps_kdv_bounded_and_conserves_mass() {
        let started = Instant::now();
        // Zabusky & Kruskal: u_t + u u_x + δ² u_xxx = 0 on [0, 2), u0 = cos πx.
        let delta2: f64 = 0.022 * 0.022;
        let grid = periodic(0.0, 2.0, 256);
        let mut kdv = Conservative::new(&grid, true, move |k| {
            Complex64::new(0.0, delta2 * k.powi(3))
        });
        let u0: Vec<f64> = grid.points().iter().map(|x| (PI * x).cos()).collect();
        let outputs: Vec<f64> = (0..=10).map(|i| 0.1 * i as f64).collect();
        // dt = 1e-3 is within 3e-5 of the converged solution at t = 1.
        let sol = run_etdrk4(&grid, &mut kdv, 1e-3, &u0, &outputs);
        assert_eq!(sol.t, outputs);
        let h = grid.spacing();
        let mass = |u: &[f64]| h * u.iter().sum::<f64>();
        let m0 = mass(&u0);
        let drift = sol
            .y
            .iter()
            .map(|u| (mass(u) - m0).abs())
            .fold(0.0, f64::max);
        let peak = sol.y.iter().map(|u| max_abs(u)).fold(0.0, f64::max);
        eprintln!(
            "KdV to t = 1 with dt = 1e-3: max |u| = {peak:.3}, mass drift {drift:.1e}, {:?}",
            started.elapsed()
        );
        assert!(drift < 1e-12, "{drift}");
        // Solitons form (the tallest about three times u0's height) but nothing blows up.
        assert!(peak > 2.0 && peak < 4.0, "{peak}");
    }

    #[test]
    fn etdrk4_reports_blow_up_and_interruption() {
        // u_t = u², u(0) = 1: u = 1/(1 − t) escapes at t = 1.
        struct Square;
        impl Semilinear for Square {
            fn symbol(&self, _k: f64) -> Complex64 {
                Complex64::default()
            }
            fn nonlinear(&mut self, _t: f64, u: &[f64], out: &mut [f64]) {
                for (o, u) in out.iter_mut().zip(u) {
                    *o = u * u;
                }
            }
        }
        let grid = periodic(0.0, 1.0, 8);
        let outputs = [0.5, 2.0, 3.0];
        let (sol, err) = etdrk4(
            &grid,
            &mut Square,
            0.01,
            0.0,
            &[1.0; 8],
            &outputs,
            &mut no_progress(),
        );
        let Some(OdeError::NonFinite { t, state }) = err else {
            panic!("{err:?}")
        };
        assert!(t > 1.0 && t < 2.0 && state.len() == 8, "{t}");
        assert_eq!(sol.t, [0.5]);
        assert!((sol.y[0][3] - 2.0).abs() < 1e-8, "{:?}", sol.y[0]);

        let grid = periodic(0.0, 32.0 * PI, 128);
        let (mut ks, u0) = kuramoto_sivashinsky(&grid);
        let mut stop = |t: f64| t < 2.0;
        let (sol, err) = etdrk4(&grid, &mut ks, 0.25, 0.0, &u0, &[1.0, 5.0], &mut stop);
        assert_eq!(err, Some(OdeError::Interrupted { t: 2.0 }));
        assert_eq!((sol.t, sol.stats.steps), (vec![1.0], 8));
    }

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
