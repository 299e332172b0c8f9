//! Uniform 1-D grids (`Grid1d`), the boundary kind at each end (`Boundary`), and the
//! errors of setting up a grid or a differentiation on it (`MolError`). Separate because
//! every differentiation, ETDRK4 and the tensor grids build on it.

use super::MAX_ORDER;
use std::fmt;
use std::ops::Range;

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
    pub(super) left: Boundary,
    pub(super) right: Boundary,
    pub(super) h: f64,
    pub(super) points: Vec<f64>,
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
    pub(super) fn period(&self) -> f64 {
        self.hi - self.lo
    }
}
