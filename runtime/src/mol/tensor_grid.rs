//! The method of lines on tensor grids (one or two space axes, any number of fields): a
//! `TensorGrid` is a product of 1-D grids laid out row-major (first axis slowest, as NumPy's
//! `u[i, j]`), and `AxisDerivatives` differentiates a grid function along one axis line by
//! line with the 1-D stencils of `mol::Derivatives`, each line with its own end values (a
//! Dirichlet value or a Neumann slope that may vary along the side). Mixed derivatives are
//! derivatives of derivatives, taken with `Ends::Free` (one-sided stencils on the values
//! alone), since a condition on u says nothing direct about u_x along the other axis.
//! Separate from the 1-D machinery it is built on (`grid.rs`, `derivatives.rs`): it only
//! gathers lines, hands them to `Derivatives` and scatters the results back.

use crate::mol::{Boundary, Derivatives, Grid1d, MolError, Scheme};

/// A product of 1-D grids.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorGrid {
    axes: Vec<Grid1d>,
}

impl TensorGrid {
    /// # Panics
    /// If `axes` is empty.
    pub fn new(axes: Vec<Grid1d>) -> Self {
        assert!(!axes.is_empty(), "a tensor grid needs at least one axis");
        TensorGrid { axes }
    }

    pub fn axes(&self) -> &[Grid1d] {
        &self.axes
    }

    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.points().len()).collect()
    }

    /// The number of grid points.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Distance in the flat layout between neighbours along `axis`.
    fn stride(&self, axis: usize) -> usize {
        self.shape()[axis + 1..].iter().product()
    }

    /// One column per axis: the coordinate of every point along it.
    pub fn coordinates(&self) -> Vec<Vec<f64>> {
        let n = self.len();
        (0..self.axes.len())
            .map(|a| {
                let (stride, points) = (self.stride(a), self.axes[a].points());
                (0..n)
                    .map(|i| points[(i / stride) % points.len()])
                    .collect()
            })
            .collect()
    }

    /// The flat index of the first point of every line along `axis`, in row-major order of
    /// the other axes; `side(axis, upper)` lists the ends of the same lines in the same order.
    pub fn line_starts(&self, axis: usize) -> Vec<usize> {
        let (stride, len) = (self.stride(axis), self.shape()[axis]);
        (0..self.len())
            .filter(|i| (i / stride) % len == 0)
            .collect()
    }

    /// Flat indices of the points on one side of the box (`axis` at its lower or upper end).
    pub fn side(&self, axis: usize, upper: bool) -> Vec<usize> {
        let offset = if upper {
            (self.shape()[axis] - 1) * self.stride(axis)
        } else {
            0
        };
        self.line_starts(axis)
            .into_iter()
            .map(|i| i + offset)
            .collect()
    }
}

/// The end values of the lines of one axis for `AxisDerivatives::compute`.
pub enum Ends<'a> {
    /// Per line: u at a Dirichlet end or u along the axis at a Neumann end (ignored at
    /// periodic ends), as `mol::Derivatives::compute` takes them.
    Given(&'a [(f64, f64)]),
    /// No condition: the line's own end values (one-sided stencils on non-periodic axes).
    Free,
}

/// Differentiates grid functions along one axis, holding the stencils and line buffers.
pub struct AxisDerivatives {
    stride: usize,
    starts: Vec<usize>,
    derivatives: Derivatives,
    line: Vec<f64>,
    columns: Vec<Vec<f64>>,
    max_order: usize,
}

impl AxisDerivatives {
    /// Derivatives up to `max_order` along `axis`, whose ends hold `ends` (both periodic
    /// if the axis is). The grid's own boundary kinds along the axis are replaced by these.
    pub fn new(
        grid: &TensorGrid,
        axis: usize,
        ends: (Boundary, Boundary),
        scheme: Scheme,
        max_order: usize,
    ) -> Result<Self, MolError> {
        let a = &grid.axes[axis];
        let (lo, hi) = (
            a.points()[0],
            *a.points().last().expect("an axis has points"),
        );
        let n = a.points().len();
        let line_grid = if a.is_periodic() {
            a.clone()
        } else {
            Grid1d::new(lo, hi, n, ends.0, ends.1)?
        };
        let derivatives = Derivatives::new(&line_grid, scheme, max_order)?;
        Ok(AxisDerivatives {
            stride: grid.stride(axis),
            starts: grid.line_starts(axis),
            columns: derivatives.columns(),
            derivatives,
            line: vec![0.0; n],
            max_order,
        })
    }

    /// The number of lines (the length `Ends::Given` must have).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// `out[k - 1]` receives the k-th derivative of `u` along the axis at every grid point
    /// (k = 1..=max_order; extra columns are left alone).
    ///
    /// # Panics
    /// If `u`, a column of `out` or `Ends::Given` has the wrong length, or `out` has fewer
    /// than max_order columns.
    pub fn compute(&mut self, u: &[f64], ends: Ends, out: &mut [Vec<f64>]) {
        assert!(out.len() >= self.max_order, "too few output columns");
        if let Ends::Given(e) = ends {
            assert_eq!(
                e.len(),
                self.starts.len(),
                "one pair of end values per line"
            );
        }
        let n = self.line.len();
        for (l, &start) in self.starts.iter().enumerate() {
            for (k, v) in self.line.iter_mut().enumerate() {
                *v = u[start + k * self.stride];
            }
            let (left, right) = match ends {
                Ends::Given(e) => e[l],
                Ends::Free => (self.line[0], self.line[n - 1]),
            };
            self.derivatives
                .compute(&self.line, left, right, &mut self.columns);
            for (column, out) in self.columns[1..].iter().zip(out.iter_mut()) {
                for (k, v) in column.iter().enumerate() {
                    out[start + k * self.stride] = *v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(nx: usize, ny: usize, periodic_y: bool) -> TensorGrid {
        let d = Boundary::Dirichlet;
        let x = Grid1d::new(0.0, 1.0, nx, d, d).unwrap();
        let y = if periodic_y {
            Grid1d::new(
                0.0,
                2.0 * std::f64::consts::PI,
                ny,
                Boundary::Periodic,
                Boundary::Periodic,
            )
        } else {
            Grid1d::new(0.0, 2.0, ny, d, d)
        }
        .unwrap();
        TensorGrid::new(vec![x, y])
    }

    #[test]
    fn layout_is_row_major_with_sides_in_line_order() {
        let g = grid(3, 4, false);
        assert_eq!(g.len(), 12);
        let c = g.coordinates();
        // Point 5 is (i, j) = (1, 1).
        assert_eq!((c[0][5], c[1][5]), (0.5, 2.0 / 3.0));
        assert_eq!(g.line_starts(0), vec![0, 1, 2, 3]);
        assert_eq!(g.line_starts(1), vec![0, 4, 8]);
        assert_eq!(g.side(0, true), vec![8, 9, 10, 11]);
        assert_eq!(g.side(1, true), vec![3, 7, 11]);
    }

    #[test]
    fn derivatives_along_each_axis_and_mixed_are_exact_for_low_degree_polynomials() {
        let g = grid(9, 11, false);
        let c = g.coordinates();
        let u: Vec<f64> = (0..g.len())
            .map(|i| c[0][i].powi(3) * c[1][i].powi(2) + c[1][i])
            .collect();
        let mut ux = vec![vec![0.0; g.len()]; 2];
        let mut d = AxisDerivatives::new(
            &g,
            0,
            (Boundary::Dirichlet, Boundary::Dirichlet),
            Scheme::Fd4,
            2,
        )
        .unwrap();
        d.compute(&u, Ends::Free, &mut ux);
        let mut uxy = vec![vec![0.0; g.len()]; 1];
        let mut dy = AxisDerivatives::new(
            &g,
            1,
            (Boundary::Dirichlet, Boundary::Dirichlet),
            Scheme::Fd4,
            1,
        )
        .unwrap();
        dy.compute(&ux[0], Ends::Free, &mut uxy);
        for i in 0..g.len() {
            let (x, y) = (c[0][i], c[1][i]);
            assert!((ux[0][i] - 3.0 * x * x * y * y).abs() < 1e-9, "u_x at {i}");
            assert!((ux[1][i] - 6.0 * x * y * y).abs() < 1e-8, "u_xx at {i}");
            assert!((uxy[0][i] - 6.0 * x * x * y).abs() < 1e-8, "u_xy at {i}");
        }
    }

    #[test]
    fn given_neumann_slopes_enter_each_line() {
        let g = grid(21, 8, true);
        let c = g.coordinates();
        // u = x^2 sin y: u_x = 2x sin y, so the slope at x = 1 varies along the side.
        let u: Vec<f64> = (0..g.len())
            .map(|i| c[0][i].powi(2) * c[1][i].sin())
            .collect();
        let ys = g.axes()[1].points();
        let ends: Vec<(f64, f64)> = ys.iter().map(|y| (0.0, 2.0 * y.sin())).collect();
        let mut d = AxisDerivatives::new(
            &g,
            0,
            (Boundary::Neumann, Boundary::Neumann),
            Scheme::Fd2,
            2,
        )
        .unwrap();
        let mut out = vec![vec![0.0; g.len()]; 2];
        d.compute(&u, Ends::Given(&ends), &mut out);
        for i in 0..g.len() {
            let s = c[1][i].sin();
            assert!((out[1][i] - 2.0 * s).abs() < 1e-9, "u_xx at {i}");
        }
        // Periodic y: the spectral-free FD2 second derivative of sin y is close to −sin y.
        let mut dy = AxisDerivatives::new(
            &g,
            1,
            (Boundary::Periodic, Boundary::Periodic),
            Scheme::Fd4,
            2,
        )
        .unwrap();
        dy.compute(&u, Ends::Free, &mut out);
        for i in 0..g.len() {
            let expected = -c[0][i].powi(2) * c[1][i].sin();
            assert!((out[1][i] - expected).abs() < 2e-2, "u_yy at {i}");
        }
    }
}
