//! Finite differences: central stencils, the rows near Dirichlet and Neumann ends (a
//! Neumann end's slope built in by eliminating a ghost value), Fornberg's weights, and the
//! vectorised stencil sweeps (also used by `discover`'s derivatives). Separate from the
//! spectral method, with which it shares only the grid.

use super::grid::{Boundary, Grid1d};

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

pub(super) fn points_needed(grid: &Grid1d, k: usize, accuracy: usize) -> usize {
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
pub(super) struct Rows {
    /// Weights on u[i − half ..= i + half].
    pub(super) central: Vec<f64>,
    pub(super) half: usize,
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
    pub(super) fn new(grid: &Grid1d, k: usize, accuracy: usize) -> Self {
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

    pub(super) fn apply(&self, u: &[f64], slopes: (f64, f64), periodic: bool, out: &mut [f64]) {
        let (n, half) = (u.len(), self.half);
        stencil_sums(&self.central, u, &mut out[half..n - half]);
        self.ends(u, slopes, periodic, out);
    }

    /// The points within `half` of an end: wrapped central stencils or the edge rows.
    pub(super) fn ends(&self, u: &[f64], slopes: (f64, f64), periodic: bool, out: &mut [f64]) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::max_diff;

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
}
