//! The settings of one evolution, from an `evolve` block or from `physc evolve`'s flags:
//! both build an [`EvolveConfig`], so the block and the command run the same search.

use physc_compiler::check::jobs::SettingValue;
use physc_compiler::check::Job;
use physc_compiler::syntax::ast;
use physc_runtime::evolve::Op;
use std::collections::BTreeMap;

/// The function to approximate.
#[derive(Debug, Clone)]
pub enum Target {
    /// exp, exp2, log, sin, cos, tanh, sigmoid or erf.
    Builtin(String),
    /// A user `fn` of one parameter.
    Function {
        name: String,
        param: String,
        body: ast::Expr,
    },
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::Builtin(n) => n,
            Target::Function { name, .. } => name,
        }
    }
}

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
}

/// What a candidate costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostKind {
    /// Operations that depend on x.
    Ops,
    /// Nanoseconds per point of the JIT-compiled program.
    Measured,
}

/// When the search stops: whichever limit comes first (Ctrl-C too).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub minutes: Option<f64>,
    /// Generations of [`super::search::BATCH`] children.
    pub generations: Option<usize>,
    /// Candidate evaluations (constant fits).
    pub evaluations: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct EvolveConfig {
    pub target: Target,
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

/// Used when a setting is absent.
pub const DEFAULT_OPS: [Op; 5] = [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma];
pub const DEFAULT_MINUTES: f64 = 1.0;
pub const DEFAULT_POPULATION: usize = 100;
pub const DEFAULT_MAX_OPS: usize = 16;

impl EvolveConfig {
    /// The configuration of a checked `evolve` block (`seed` overrides the block's).
    pub fn from_job(job: &Job, seed: Option<u64>) -> Result<EvolveConfig, String> {
        let s = &job.settings;
        let target = match s.get("target") {
            Some(SettingValue::Name(n)) => Target::Builtin(n.clone()),
            Some(SettingValue::Function { name, param, body }) => Target::Function {
                name: name.clone(),
                param: param.clone(),
                body: body.clone(),
            },
            _ => return Err("the job has no target".into()),
        };
        let range = match s.get("range") {
            Some(SettingValue::List(v)) if v.len() == 2 => (number(&v[0])?, number(&v[1])?),
            _ => return Err("the job has no range".into()),
        };
        let precision = match s.get("precision") {
            Some(SettingValue::Name(p)) if p == "f64" => Precision::F64,
            _ => Precision::F32,
        };
        let ops = match s.get("ops") {
            Some(SettingValue::List(items)) => items
                .iter()
                .filter_map(|i| match i {
                    SettingValue::Name(n) => Op::from_name(n),
                    _ => None,
                })
                .collect(),
            _ => DEFAULT_OPS.to_vec(),
        };
        let empty = BTreeMap::new();
        let budget = match s.get("budget") {
            Some(SettingValue::Record(r)) => r,
            _ => &empty,
        };
        let count = |v: Option<&SettingValue>| match v {
            Some(SettingValue::Int(v)) => Some((*v).max(1) as usize),
            Some(SettingValue::Number(v)) => Some(v.max(1.0) as usize),
            _ => None,
        };
        let mut budget = Budget {
            minutes: match budget.get("minutes") {
                Some(v) => Some(number(v)?),
                None => None,
            },
            generations: count(budget.get("generations")),
            evaluations: count(budget.get("evaluations")),
        };
        if budget
            == (Budget {
                minutes: None,
                generations: None,
                evaluations: None,
            })
        {
            budget.minutes = Some(DEFAULT_MINUTES);
        }
        let cost = match s.get("cost") {
            Some(SettingValue::Name(c)) if c == "measured" => CostKind::Measured,
            _ => CostKind::Ops,
        };
        let config = EvolveConfig {
            target,
            range,
            precision,
            ops,
            budget,
            cost,
            population: count(s.get("population")).unwrap_or(DEFAULT_POPULATION),
            max_ops: count(s.get("max_ops")).unwrap_or(DEFAULT_MAX_OPS),
            seed: seed.unwrap_or(match s.get("seed") {
                Some(SettingValue::Int(v)) => *v as u64,
                _ => 1,
            }),
        };
        config.validate()?;
        Ok(config)
    }

    /// What the checker cannot know: ops that can build a program at all.
    pub fn validate(&self) -> Result<(), String> {
        let (a, b) = self.range;
        if !(a.is_finite() && b.is_finite() && a < b) {
            return Err(format!("the range [{a}, {b}] is empty or not finite"));
        }
        if !self
            .ops
            .iter()
            .any(|o| matches!(o, Op::Add | Op::Sub | Op::Fma))
            || !self.ops.iter().any(|o| matches!(o, Op::Mul | Op::Fma))
        {
            return Err(
                "the operations must include a product (`mul` or `fma`) and a sum (`add`, `sub` or `fma`), or no polynomial can be built".into(),
            );
        }
        if self.max_ops == 0 || self.population == 0 {
            return Err("max_ops and population must be at least 1".into());
        }
        Ok(())
    }
}

fn number(v: &SettingValue) -> Result<f64, String> {
    match v {
        SettingValue::Number(x) => Ok(*x),
        SettingValue::Int(x) => Ok(*x as f64),
        _ => Err("expected a number".into()),
    }
}
