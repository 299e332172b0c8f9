//! Typed job settings: what a checked `train`, `simulate`, `discover` or `evolve` block asks
//! for, as structs and enums the jobs read without looking anything up. The checker
//! validates a block against `schema/` into a tree of raw values (`jobs.rs`); this module
//! reads that tree into [`JobSettings`], taking every default from the schema, so a default
//! is written once. Expressions in settings (a user activation, an evolve target, discovery
//! library terms) arrive elaborated, as [`ScalarFunction`]s with their spans; the problems
//! found there are diagnostics of `physc check`, not run-time errors.
//!
//! The parts: `options.rs` (reading one level of raw values with the schema's defaults),
//! `function.rs` (elaborating functions and library terms), and one file per job kind.

mod discover;
mod evolve;
pub(super) mod function;
mod options;
mod simulate;
mod train;

#[cfg(test)]
mod tests;

pub use discover::{
    least_squares, savitzky_golay, sparse_bayesian, term_columns, total_variation, weak_form,
    DataSource, DiscoverSettings, LibraryItem, Regression, Threshold, ThresholdError,
};
pub use evolve::{Budget, CostKind, EvolveSettings, EvolveTarget, BLOCK_DEFAULT_OPS};
pub use simulate::{OutputTimes, SimulateSettings, SpatialScheme, TimeMethod};
pub use train::{
    Activation, Attention, Balance, BalanceBy, Causal, Decompose, Features, LossWeights, Net,
    NetKind, OptimizerStage, Points, TooLarge, TrainSettings, DEFAULT_ADAM_STEPS,
    DEFAULT_QUASI_NEWTON_RESAMPLE, DEFAULT_QUASI_NEWTON_STEPS,
};

pub(super) use options::read;

use super::model::Expr;
use crate::source::Span;

/// The settings of one job block, by kind (boxed: the kinds differ much in size).
#[derive(Debug, Clone)]
pub enum JobSettings {
    Train(Box<TrainSettings>),
    Simulate(Box<SimulateSettings>),
    Discover(Box<DiscoverSettings>),
    Evolve(Box<EvolveSettings>),
}

impl JobSettings {
    pub fn train(&self) -> Option<&TrainSettings> {
        match self {
            JobSettings::Train(s) => Some(s),
            _ => None,
        }
    }

    pub fn simulate(&self) -> Option<&SimulateSettings> {
        match self {
            JobSettings::Simulate(s) => Some(s),
            _ => None,
        }
    }

    pub fn discover(&self) -> Option<&DiscoverSettings> {
        match self {
            JobSettings::Discover(s) => Some(s),
            _ => None,
        }
    }

    pub fn evolve(&self) -> Option<&EvolveSettings> {
        match self {
            JobSettings::Evolve(s) => Some(s),
            _ => None,
        }
    }
}

/// A value and where the file wrote it, for errors that only the run can find (a file that
/// does not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// Floating-point precision of a network or of an evolved program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    F64,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }

    fn named(name: &str) -> Precision {
        if name == "f32" {
            Precision::F32
        } else {
            Precision::F64
        }
    }
}

/// A function of scalar arguments, elaborated: `body` refers to argument `i` as
/// `ExprKind::Var(i)` and holds only numbers, arithmetic and built-in math functions (user
/// functions inlined, constants replaced by their values, no derivatives). A user `fn`
/// used as an activation or an evolve target has one argument; a discovery library term
/// has one per data column it names.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalarFunction {
    /// The user function's name, or a library term as written.
    pub name: String,
    /// Argument names, in the order of `Var` ids.
    pub params: Vec<String>,
    pub body: Expr,
    /// The setting value this came from.
    pub span: Span,
}

impl ScalarFunction {
    /// The value at `args` (one per parameter), by walking the expression: for checks and
    /// tests; the jobs compile the function into a kernel.
    pub fn eval(&self, args: &[f64]) -> f64 {
        fn walk(e: &Expr, args: &[f64]) -> f64 {
            use super::model::{BinOp, ExprKind as K};
            match &e.kind {
                K::Number(v) => *v,
                K::Var(i) => args.get(*i).copied().unwrap_or(f64::NAN),
                K::Neg(a) => -walk(a, args),
                K::Binary(op, a, b) => {
                    let (a, b) = (walk(a, args), walk(b, args));
                    match op {
                        BinOp::Add => a + b,
                        BinOp::Sub => a - b,
                        BinOp::Mul => a * b,
                        BinOp::Div => a / b,
                        BinOp::Pow => a.powf(b),
                    }
                }
                K::Call(f, xs) => f.eval(&xs.iter().map(|x| walk(x, args)).collect::<Vec<_>>()),
                _ => f64::NAN,
            }
        }
        walk(&self.body, args)
    }
}
