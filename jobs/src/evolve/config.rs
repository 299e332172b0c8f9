//! The settings of one evolution: [`EvolveConfig::new`] has `physc evolve`'s defaults (the
//! command maps its flags onto its fields, with [`parse_range`] and [`ops_named`]; a library
//! caller sets them directly), and [`EvolveConfig::from_job`] reads an `evolve` block, so
//! the block, the command and a caller run the same search.

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

/// When the search stops: whichever limit comes first (or the run's cancel token).
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
pub const DEFAULT_SEED: u64 = 1;

/// The default operations, with or without `fma` (a block allows it unless told otherwise;
/// `physc evolve` and [`EvolveConfig::new`] only with `--fma`).
pub fn default_ops(fma: bool) -> Vec<Op> {
    DEFAULT_OPS
        .into_iter()
        .filter(|&o| o != Op::Fma || fma)
        .collect()
}

/// Operations by name (`add`, `sub`, `mul`, `div`, `fma`, `sqrt`), in the order given.
pub fn ops_named<S: AsRef<str>>(names: &[S]) -> Result<Vec<Op>, String> {
    names
        .iter()
        .map(|n| {
            Op::from_name(n.as_ref()).ok_or_else(|| {
                let known: Vec<&str> = Op::ALL.iter().map(|o| o.name()).collect();
                format!(
                    "`{}` is not an operation evolve knows ({})",
                    n.as_ref(),
                    known.join(", ")
                )
            })
        })
        .collect()
}

/// An interval written `A:B` (`0:1`, `-1:1`), or `None` unless it is two numbers.
pub fn parse_range(text: &str) -> Option<(f64, f64)> {
    let (a, b) = text.split_once(':')?;
    Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?))
}

impl EvolveConfig {
    /// `physc evolve`'s defaults for `target` on `range`: f32, `+ − × ÷` (no `fma`: see
    /// [`default_ops`]), one minute, cost in operations, a population of
    /// [`DEFAULT_POPULATION`], programs of at most [`DEFAULT_MAX_OPS`] operations, seed
    /// [`DEFAULT_SEED`]. Change the public fields for anything else; running checks the
    /// result ([`EvolveConfig::validate`]).
    pub fn new(target: Target, range: (f64, f64)) -> EvolveConfig {
        EvolveConfig {
            target,
            range,
            precision: Precision::F32,
            ops: default_ops(false),
            budget: Budget {
                minutes: Some(DEFAULT_MINUTES),
                generations: None,
                evaluations: None,
            },
            cost: CostKind::Ops,
            population: DEFAULT_POPULATION,
            max_ops: DEFAULT_MAX_OPS,
            seed: DEFAULT_SEED,
        }
    }

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
        let mut config = EvolveConfig::new(target, range);
        if matches!(s.get("precision"), Some(SettingValue::Name(p)) if p == "f64") {
            config.precision = Precision::F64;
        }
        config.ops = match s.get("ops") {
            Some(SettingValue::List(items)) => items
                .iter()
                .filter_map(|i| match i {
                    SettingValue::Name(n) => Op::from_name(n),
                    _ => None,
                })
                .collect(),
            _ => default_ops(true),
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
        let budget = Budget {
            minutes: match budget.get("minutes") {
                Some(v) => Some(number(v)?),
                None => None,
            },
            generations: count(budget.get("generations")),
            evaluations: count(budget.get("evaluations")),
        };
        // No limit given: the default time (already in `config.budget`).
        if budget.minutes.is_some() || budget.generations.is_some() || budget.evaluations.is_some()
        {
            config.budget = budget;
        }
        if matches!(s.get("cost"), Some(SettingValue::Name(c)) if c == "measured") {
            config.cost = CostKind::Measured;
        }
        if let Some(population) = count(s.get("population")) {
            config.population = population;
        }
        if let Some(max_ops) = count(s.get("max_ops")) {
            config.max_ops = max_ops;
        }
        config.seed = seed.unwrap_or(match s.get("seed") {
            Some(SettingValue::Int(v)) => *v as u64,
            _ => DEFAULT_SEED,
        });
        config.validate()?;
        Ok(config)
    }

    /// `exp_f32`, or the sanitised user function name with the precision: the chosen
    /// program's function name in `evolved.phys` and `best.rs`, and the output directory of
    /// `physc evolve`.
    pub fn base_name(&self) -> String {
        let t: String = self
            .target
            .name()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        format!("{t}_{}", self.precision.name())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_ops_and_the_command_defaults() {
        assert_eq!(parse_range("0:1"), Some((0.0, 1.0)));
        assert_eq!(parse_range(" -1.5 : 2e-1 "), Some((-1.5, 0.2)));
        assert_eq!(parse_range("zero:1"), None);
        assert_eq!(parse_range("0,1"), None);
        assert_eq!(ops_named(&["fma", "add"]), Ok(vec![Op::Fma, Op::Add]));
        let unknown = ops_named(&["add", "pow"]).unwrap_err();
        assert!(unknown.contains("`pow`"), "{unknown}");
        assert_eq!(default_ops(false), [Op::Add, Op::Sub, Op::Mul, Op::Div]);
        assert_eq!(default_ops(true), DEFAULT_OPS);

        let config = EvolveConfig::new(Target::Builtin("exp".into()), (0.0, 1.0));
        assert_eq!(config.ops, default_ops(false));
        assert_eq!(config.budget.minutes, Some(DEFAULT_MINUTES));
        assert_eq!(config.base_name(), "exp_f32");
        assert!(config.validate().is_ok());
        let mut odd = EvolveConfig::new(Target::Builtin("my-fn".into()), (1.0, 0.0));
        odd.precision = Precision::F64;
        assert_eq!(odd.base_name(), "my_fn_f64");
        assert!(odd.validate().unwrap_err().contains("range"));
    }
}
