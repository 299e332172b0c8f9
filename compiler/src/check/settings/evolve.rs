//! The settings of an `evolve` block (spec/language.md § 5.5).

use super::options::Options;
use super::{Precision, ScalarFunction};
use crate::check::jobs::SettingValue;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use physc_runtime::straight_line::Op;

#[derive(Debug, Clone)]
pub struct EvolveSettings {
    pub target: EvolveTarget,
    pub range: (f64, f64),
    pub precision: Precision,
    pub ops: Vec<Op>,
    pub budget: Budget,
    pub cost: CostKind,
    pub population: usize,
    /// The longest program, in operations.
    pub max_ops: usize,
    pub seed: u64,
}

/// The function to approximate.
#[derive(Debug, Clone)]
pub enum EvolveTarget {
    /// exp, exp2, log, sin, cos, tanh, sigmoid or erf.
    Builtin(String),
    /// A user `fn` of one parameter.
    Function(ScalarFunction),
}

impl EvolveTarget {
    pub fn name(&self) -> &str {
        match self {
            EvolveTarget::Builtin(n) => n,
            EvolveTarget::Function(f) => &f.name,
        }
    }
}

/// What a candidate costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostKind {
    /// Operations that depend on x.
    Ops,
    /// Nanoseconds per point of the JIT-compiled program.
    Measured,
}

/// When the search stops: whichever limit comes first (or the run's cancel token).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub minutes: Option<f64>,
    /// Generations of a fixed number of children.
    pub generations: Option<usize>,
    /// Candidate evaluations (constant fits).
    pub evaluations: Option<usize>,
}

/// The operations of an `evolve` block that gives none.
pub const BLOCK_DEFAULT_OPS: [Op; 5] = [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma];

/// The wall-time budget when no limit is given, in minutes.
pub const DEFAULT_MINUTES: f64 = 1.0;

impl EvolveSettings {
    /// Every setting its default, for `target` on `range`.
    pub fn defaults(target: EvolveTarget, range: (f64, f64)) -> EvolveSettings {
        let schema = super::super::schema::settings(crate::check::model::JobKind::Evolve);
        read_options(&Options::defaults(schema), target, range)
    }

    /// Why these operations cannot build a polynomial, if they cannot: a program needs a
    /// product (`mul` or `fma`) and a sum (`add`, `sub` or `fma`).
    pub fn ops_problem(ops: &[Op]) -> Option<&'static str> {
        let sum = ops.iter().any(|o| matches!(o, Op::Add | Op::Sub | Op::Fma));
        let product = ops.iter().any(|o| matches!(o, Op::Mul | Op::Fma));
        (!(sum && product)).then_some(
            "the operations must include a product (`mul` or `fma`) and a sum (`add`, `sub` or `fma`), or no polynomial can be built",
        )
    }
}

pub(super) fn read(s: &Options, diags: &mut Diagnostics) -> EvolveSettings {
    let target = match s.get("target") {
        Some(SettingValue::Function(f)) => EvolveTarget::Function(f.clone()),
        _ => EvolveTarget::Builtin(s.name("target").to_string()),
    };
    let range = match s.get("range") {
        Some(SettingValue::List(v)) => match v.as_slice() {
            [SettingValue::Number(a), SettingValue::Number(b)] => (*a, *b),
            _ => (0.0, 1.0),
        },
        _ => (0.0, 1.0),
    };
    let settings = read_options(s, target, range);
    if let (Some(problem), Some(span)) = (EvolveSettings::ops_problem(&settings.ops), s.span("ops"))
    {
        diags.push(Diagnostic::new(
            Code::OpsCannotBuild,
            span,
            problem.to_string(),
            "these operations",
        ));
    }
    settings
}

fn read_options(s: &Options, target: EvolveTarget, range: (f64, f64)) -> EvolveSettings {
    let ops = match s.get("ops") {
        Some(SettingValue::List(items)) => items
            .iter()
            .filter_map(|i| match i {
                SettingValue::Name(n) => Op::from_name(n),
                _ => None,
            })
            .collect(),
        _ => BLOCK_DEFAULT_OPS.to_vec(),
    };
    let budget = s.record("budget");
    let given = Budget {
        minutes: budget.get("minutes").map(|_| budget.num("minutes")),
        generations: budget.count("generations").map(|n| n.max(1)),
        evaluations: budget.count("evaluations").map(|n| n.max(1)),
    };
    let no_limit =
        given.minutes.is_none() && given.generations.is_none() && given.evaluations.is_none();
    EvolveSettings {
        target,
        range,
        precision: match s.name("precision") {
            "f64" => Precision::F64,
            _ => Precision::F32,
        },
        ops,
        budget: if no_limit {
            Budget {
                minutes: Some(DEFAULT_MINUTES),
                ..given
            }
        } else {
            given
        },
        cost: match s.name("cost") {
            "measured" => CostKind::Measured,
            _ => CostKind::Ops,
        },
        population: s.int("population").max(1),
        max_ops: s.int("max_ops").max(1),
        seed: s.int("seed") as u64,
    }
}
