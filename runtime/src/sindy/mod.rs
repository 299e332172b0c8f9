//! Equation discovery numerics (SINDy: sparse identification of nonlinear dynamics),
//! estimation from samples (`derivative.rs`: finite differences on uneven times,
//! Savitzky–Golay, total-variation regularised differentiation, derivatives along an axis
//! of a gridded field), least squares with column normalisation, ridge and rank/condition
//! diagnostics (`lstsq.rs`), and sparse regression (`sparse.rs`: STLSQ with fixed terms, the
//! threshold sweep with its Pareto front and AICc choice, bagging ensembles; `sbl.rs` sparse Bayesian learning, which prunes terms by their
//! evidence instead of a threshold), and how well the data determine a fit's coefficients
//! (`uncertainty.rs`: standard deviations with rows correlated over a known lag range). Callers build
//! the candidate library as columns; everything here works on plain slices.

pub mod derivative;
pub mod lstsq;
pub mod sbl;
pub mod sparse;
pub mod uncertainty;
pub mod weak;

use std::fmt;

/// Why a regression or derivative could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum DiscoverError {
    /// Fewer samples than the method needs.
    TooFewSamples { needed: usize, got: usize },
    /// Inputs of different lengths, or an empty library.
    Shape(String),
    /// A non-finite value where numbers are required.
    NonFinite(String),
}

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoverError::TooFewSamples { needed, got } => {
                write!(f, "{got} samples are too few: at least {needed} are needed")
            }
            DiscoverError::Shape(what) => write!(f, "{what}"),
            DiscoverError::NonFinite(what) => write!(f, "non-finite values in {what}"),
        }
    }
}

impl std::error::Error for DiscoverError {}
