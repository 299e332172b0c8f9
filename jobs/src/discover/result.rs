//! What a discovery session returns, in memory: [`Discovered`] holds every equation (its
//! text, its IR, its coefficients and the Pareto front it was chosen from), the discovered
//! model's `.phys` source, the discovered ODEs re-simulated against the data, warnings and
//! the report. [`Discovered::write`] puts them in a directory as `physc discover` always has
//! (`discovered.phys`, `compare_<var>.png`, `report.json`); [`Discovered::summary`] is the
//! text it prints.

use super::equation::Equation;
use super::library::Library;
use super::output;
use super::regress::EquationFit;
use crate::JobError;
use egg::{Id, RecExpr};
use ndarray::{Array1, Array2};
use physc_compiler::ir::lang::Math;
use physc_compiler::symreg::SrResult;
use physc_runtime::sindy::uncertainty::CoefficientErrors;
use serde_json::Value;
use std::path::Path;

/// The kind of equations discovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Ordinary differential equations from time series, one per state variable.
    Ode,
    /// A partial differential equation of one field on a time × space grid.
    Pde,
}

/// The outcome of a discovery session.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The session's name: the discovered model's name and its output folder.
    pub name: String,
    pub kind: Kind,
    /// One equation per target, in the data's variable order: `dt(x)` for each state `x`
    /// (ODEs), or `dt(u)` for the field (PDEs).
    pub equations: Vec<DiscoveredEquation>,
    /// The candidate terms regressed on, in order (empty for symbolic regression, which
    /// builds its expressions as it goes).
    pub library: Vec<String>,
    /// The discovered model as `.phys` source (`discovered.phys`).
    pub model: String,
    /// ODEs: the discovered model integrated from the first trajectory's first sample and
    /// compared with it; `None` for PDEs or when the model could not be re-simulated (a
    /// warning says why).
    pub comparison: Option<Comparison>,
    /// What the session noticed about the data, the library and the fits.
    pub warnings: Vec<String>,
    /// `report.json`: equations, LaTeX, coefficients, fronts, the comparison, timings.
    pub report: Value,
    /// The caller's cancel token was set during the session: symbolic-regression searches
    /// ended early with their best models so far, and the re-simulation may be cut short
    /// (its error says so). Sparse regression is not interrupted.
    pub interrupted: bool,
    /// The summary's first line: the data, the library and the method.
    pub(super) title: String,
}

/// One discovered equation `lhs = rhs`.
#[derive(Debug, Clone)]
pub struct DiscoveredEquation {
    /// `dt(x)`.
    pub lhs: String,
    /// The right-hand side as printed (`.phys` syntax; `0` when no term was kept).
    pub rhs: String,
    /// The whole equation in LaTeX.
    pub latex: String,
    /// The right-hand side as IR, rooted at `root`. Its symbols are the data's variable
    /// names (and the time, if a library term uses it); for PDEs `u_x`, `u_xx` and `u_xxx`
    /// stand for the field's space derivatives `dx(u)`, `dxx(u)` and `dxxx(u)`.
    pub expr: RecExpr<Math>,
    pub root: Id,
    /// The kept library terms and their coefficients, in library order (symbolic
    /// regression: the whole right-hand side, with coefficient 1).
    pub coefficients: Vec<(String, f64)>,
    /// Root-mean-square residual relative to the target's spread.
    pub relative_error: f64,
    /// The candidates that were best for their complexity, simplest first.
    pub front: Vec<FrontPoint>,
    /// The front's candidate the method chose (`threshold: auto`, symbolic regression);
    /// `None` for a fixed threshold.
    pub chosen: Option<usize>,
    /// Bagging: the fraction of resampled fits that kept each library term.
    pub inclusion: Option<Vec<(String, f64)>>,
    /// Each kept term's unrounded coefficient and its standard deviation, in library order
    /// (sparse regression on time series; `None` for gridded fields and symbolic regression).
    pub uncertainty: Option<Vec<Uncertain>>,
}

/// A coefficient with its standard deviation: the least-squares refit on the kept terms,
/// unrounded, and how much it would vary with the data's noise, allowing for the
/// correlation between neighbouring rows (`physc_runtime::sindy::uncertainty`).
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    pub term: String,
    pub mean: f64,
    pub std: f64,
}

impl DiscoveredEquation {
    /// The coefficient of library term `term` (`x * z`), if the equation kept it.
    pub fn coefficient(&self, term: &str) -> Option<f64> {
        self.coefficients
            .iter()
            .find(|(name, _)| name == term)
            .map(|(_, value)| *value)
    }
}

/// A candidate on an equation's Pareto front of complexity against error.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontPoint {
    /// Kept terms (sparse regression) or expression size (symbolic regression).
    pub complexity: usize,
    pub relative_error: f64,
    /// The candidate's right-hand side as text.
    pub equation: String,
    /// Sparse regression: one coefficient per library term (0: dropped); empty otherwise.
    pub coefficients: Vec<f64>,
    /// Sparse regression: the threshold that gave this candidate.
    pub threshold: Option<f64>,
    /// Sparse regression: Akaike's criterion with the small-sample correction.
    pub aicc: Option<f64>,
}

/// The discovered model re-simulated against the data's first trajectory.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The state variables: the columns of `data` and `simulated`.
    pub variables: Vec<String>,
    /// The sample times the integration reached (all of them unless it stopped).
    pub t: Array1<f64>,
    /// The data at those times: one row per time, one column per variable.
    pub data: Array2<f64>,
    /// The discovered model at those times.
    pub simulated: Array2<f64>,
    /// RMS error of each variable relative to its spread in the data.
    pub relative_rms_error: Vec<f64>,
    /// The first time any variable is off by more than 10% of its spread (chaotic systems
    /// separate eventually, whatever the model); the last time when none is.
    pub agreement_time: Option<f64>,
    /// Why the integration stopped early.
    pub error: Option<String>,
}

impl Discovered {
    /// The equation for `lhs` (`dt(x)`).
    pub fn equation(&self, lhs: &str) -> Option<&DiscoveredEquation> {
        self.equations.iter().find(|e| e.lhs == lhs)
    }

    /// Write `discovered.phys`, the comparison plots and `report.json` to `dir` (created if
    /// needed), each file atomically.
    pub fn write(&self, dir: &Path) -> Result<(), JobError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| JobError::Output(format!("cannot create `{}`: {e}", dir.display())))?;
        output::write_model(dir, &self.model).map_err(JobError::Output)?;
        if let Some(comparison) = &self.comparison {
            output::comparison_plots(dir, comparison).map_err(JobError::Output)?;
        }
        output::write_report(dir, &self.report).map_err(JobError::Output)
    }

    /// What `physc discover` prints: the title, each equation with its size and error, the
    /// warnings, and `wrote DIR` when the result was written to `dir`.
    pub fn summary(&self, dir: Option<&Path>) -> String {
        output::summary(&self.title, &self.equations, &self.warnings, dir)
    }
}

/// The equation-related fields of a sparse fit over `library`.
pub(super) fn sparse_equation(
    library: &Library,
    equation: Equation,
    fit: &EquationFit,
) -> DiscoveredEquation {
    let names: Vec<String> = library.terms.iter().map(|t| t.name.clone()).collect();
    let front = fit
        .front
        .iter()
        .map(|c| FrontPoint {
            complexity: c.fit.terms(),
            relative_error: c.error,
            equation: super::equation::text(library, &c.fit.coef),
            coefficients: c.fit.coef.clone(),
            threshold: Some(c.threshold),
            aicc: Some(c.aicc),
        })
        .collect();
    let inclusion = fit
        .inclusion
        .as_ref()
        .map(|inc| names.iter().cloned().zip(inc.iter().copied()).collect());
    let mut e = finish(equation, fit.error, front, fit.chosen, inclusion);
    e.uncertainty = fit.uncertainty.as_ref().map(|u| uncertain_terms(&names, u));
    e
}

/// The kept terms of `u` (those with a nonzero coefficient) by name.
pub(super) fn uncertain_terms(names: &[String], u: &CoefficientErrors) -> Vec<Uncertain> {
    names
        .iter()
        .zip(u.mean.iter().zip(&u.std))
        .filter(|(_, (mean, _))| **mean != 0.0)
        .map(|(term, (&mean, &std))| Uncertain {
            term: term.clone(),
            mean,
            std,
        })
        .collect()
}

/// The equation-related fields of a symbolic-regression search.
pub(super) fn symbolic_equation(equation: Equation, search: &SrResult) -> DiscoveredEquation {
    let front = search
        .front
        .iter()
        .map(|c| FrontPoint {
            complexity: c.complexity,
            relative_error: c.error,
            equation: c.source.clone(),
            coefficients: Vec::new(),
            threshold: None,
            aicc: None,
        })
        .collect();
    let error = search.best().error;
    finish(equation, error, front, Some(search.chosen), None)
}

fn finish(
    e: Equation,
    relative_error: f64,
    front: Vec<FrontPoint>,
    chosen: Option<usize>,
    inclusion: Option<Vec<(String, f64)>>,
) -> DiscoveredEquation {
    // As report.json and discovered.phys write it: no kept term is `0`.
    let (rhs, rhs_latex) = if e.terms.is_empty() {
        ("0".to_string(), "0".to_string())
    } else {
        (e.rhs, e.rhs_latex)
    };
    DiscoveredEquation {
        latex: format!("{} = {rhs_latex}", e.lhs_latex),
        lhs: e.lhs,
        rhs,
        expr: e.expr,
        root: e.root,
        coefficients: e.terms,
        relative_error,
        front,
        chosen,
        inclusion,
        uncertainty: None,
    }
}
