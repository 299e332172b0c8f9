//! `Derivatives`: the derivative columns a pointwise kernel reads, by finite differences
//! (`stencil.rs`) or Fourier differentiation (`spectral.rs`), with the boundary values of
//! the moment. Separate from both so that each holds one way of differentiating and this
//! file only chooses and drives them.

use super::grid::Grid1d;
use super::spectral::Fourier;
use super::stencil::{points_needed, stencil_pair_sums, Rows};
use super::{Complex64, MolError};

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
