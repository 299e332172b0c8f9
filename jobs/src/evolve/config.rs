//! The settings of one evolution: [`EvolveConfig::new`] has `physc evolve`'s defaults (the
//! command maps its flags onto its fields, with [`parse_range`] and [`ops_named`]; a library
//! caller sets them directly), and [`EvolveConfig::from_settings`] takes a checked `evolve`
//! block's, so the block, the command and a caller run the same search with the defaults
//! of one schema.

pub use physc_compiler::check::settings::{Budget, CostKind, EvolveTarget, Precision};
use physc_compiler::check::settings::{EvolveSettings, BLOCK_DEFAULT_OPS};
use physc_runtime::straight_line::Op;

#[derive(Debug, Clone)]
pub struct EvolveConfig {
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

/// `physc evolve`'s defaults, the `evolve` block's schema defaults.
pub fn defaults() -> EvolveSettings {
    EvolveSettings::defaults(EvolveTarget::Builtin("exp".into()), (0.0, 1.0))
}

/// The default operations, with or without `fma` (a block allows it unless told otherwise;
/// `physc evolve` and [`EvolveConfig::new`] only with `--fma`).
pub fn default_ops(fma: bool) -> Vec<Op> {
    BLOCK_DEFAULT_OPS
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
    /// `physc evolve`'s defaults for `target` on `range`: those of the `evolve` block's
    /// schema (f32, one minute, cost in operations, a population of 100, programs of at most
    /// 16 operations, seed 1), except the operations `+ − × ÷` (no `fma`: see
    /// [`default_ops`]). Change the public fields for anything else; running checks the
    /// result ([`EvolveConfig::validate`]).
    pub fn new(target: EvolveTarget, range: (f64, f64)) -> EvolveConfig {
        let mut config =
            EvolveConfig::from_settings(&EvolveSettings::defaults(target, range), None);
        config.ops = default_ops(false);
        config
    }

    /// The configuration of a checked `evolve` block (`seed` overrides the block's).
    pub fn from_settings(s: &EvolveSettings, seed: Option<u64>) -> EvolveConfig {
        EvolveConfig {
            target: s.target.clone(),
            range: s.range,
            precision: s.precision,
            ops: s.ops.clone(),
            budget: s.budget,
            cost: s.cost,
            population: s.population,
            max_ops: s.max_ops,
            seed: seed.unwrap_or(s.seed),
        }
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
        if let Some(problem) = EvolveSettings::ops_problem(&self.ops) {
            return Err(problem.into());
        }
        if self.max_ops == 0 || self.population == 0 {
            return Err("max_ops and population must be at least 1".into());
        }
        Ok(())
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
        assert_eq!(default_ops(true), BLOCK_DEFAULT_OPS);

        let config = EvolveConfig::new(EvolveTarget::Builtin("exp".into()), (0.0, 1.0));
        assert_eq!(config.ops, default_ops(false));
        assert_eq!(config.budget.minutes, Some(1.0));
        assert_eq!(
            (config.population, config.max_ops, config.seed),
            (100, 16, 1)
        );
        assert_eq!(config.base_name(), "exp_f32");
        assert!(config.validate().is_ok());
        let mut odd = EvolveConfig::new(EvolveTarget::Builtin("my-fn".into()), (1.0, 0.0));
        odd.precision = Precision::F64;
        assert_eq!(odd.base_name(), "my_fn_f64");
        assert!(odd.validate().unwrap_err().contains("range"));
    }
}
