//! `method sr(...)` on time series: each variable's estimated time derivative is fitted by
//! symbolic regression (`physc_compiler::symreg`) over the state variables, so laws that are not
//! linear in a fixed library (rational terms, exp(k x), products with fitted powers) can be
//! found. The chosen model of each Pareto front becomes the equation, polished: simplified
//! by the e-graph with its fitted constants as numbers (so `x * a + b * (c - x)` collects
//! into one coefficient), each constant rounded to the fewest significant digits the fit
//! allows, simplified again and written by the readable printer. Every front goes to
//! report.json.

use super::config::{Config, Regression};
use super::data::Series;
use super::equation::Equation;
use super::odes;
use crate::progress::CancelToken;
use egg::{Id, RecExpr};
use physc_compiler::ir::lang::{Math, Symbols};
use physc_compiler::ir::readable::Reader;
use physc_compiler::ir::simplify::{simplify, simplify_readable, Limits};
use physc_compiler::symreg::{self, Candidate, SrConfig, SrResult};
use serde_json::{json, Map, Value};

pub struct SymbolicDiscovery {
    pub equations: Vec<Equation>,
    pub results: Vec<SrResult>,
}

fn search_config(config: &Config) -> SrConfig {
    let mut sr = SrConfig {
        seed: config.seed,
        ..SrConfig::default()
    };
    if let Regression::Symbolic {
        population,
        generations,
        max_size,
    } = &config.regression
    {
        sr.population = population.unwrap_or(sr.population);
        sr.generations = generations.unwrap_or(sr.generations);
        sr.max_size = max_size.unwrap_or(sr.max_size);
    }
    sr
}

/// One search per variable; a cancelled `cancel` ends each search early with its best
/// models so far.
pub fn discover(
    config: &Config,
    series: &Series,
    cancel: &CancelToken,
    warnings: &mut Vec<String>,
    progress: &dyn Fn(usize),
) -> Result<SymbolicDiscovery, String> {
    let samples = odes::samples(config, series, true, warnings)?;
    let sr = search_config(config);
    // The state variables only: the discovered system is autonomous, like SINDy's default.
    let inputs: Vec<(&str, &[f64])> = series
        .vars
        .iter()
        .map(String::as_str)
        .zip(samples.inputs.iter().map(|c| &**c))
        .collect();
    let mut equations = Vec::new();
    let mut results = Vec::new();
    for (v, var) in series.vars.iter().enumerate() {
        let lhs = format!("d{}({var})", series.time);
        let mut keep_going = |_: usize, _: &symreg::Candidate| !cancel.is_cancelled();
        let result = symreg::search(&inputs, &samples.derivatives[v], &sr, &mut keep_going)
            .map_err(|e| format!("symbolic regression for `{lhs}`: {e}"))?;
        let (expr, root) = polish(result.best(), &inputs, &samples.derivatives[v]);
        let symbols = Symbols::default();
        let (readable, root) = Reader::new(&symbols).rebuild(&expr, root);
        let rhs = physc_compiler::ir::print::source(&readable, root, &symbols);
        let rhs_latex = physc_compiler::ir::print::latex(&readable, root, &symbols);
        let terms = if rhs == "0" {
            Vec::new()
        } else {
            vec![(rhs.clone(), 1.0)]
        };
        equations.push(Equation {
            lhs_latex: format!(
                "\\frac{{d {}}}{{d {}}}",
                physc_compiler::ir::lower::latex_name(var),
                series.time
            ),
            lhs,
            rhs,
            rhs_latex,
            terms,
            expr: readable,
            root,
        });
        results.push(result);
        progress(v + 1);
    }
    Ok(SymbolicDiscovery { equations, results })
}

/// The candidate simplified with its constants as numbers, constants rounded where the
/// error allows (1% more than the fitted model's, or 1e-9 of the target's spread), and
/// simplified again, extracted for reading.
fn polish(c: &Candidate, inputs: &[(&str, &[f64])], target: &[f64]) -> (RecExpr<Math>, Id) {
    let simplified = simplify(&c.expr, &[c.root], &Limits::default());
    let (mut expr, root) = (simplified.expr, simplified.roots[0]);
    let base = relative_rms(&expr, root, inputs, target);
    if !base.is_finite() {
        return (c.expr.clone(), c.root);
    }
    let allowed = (base * 1.01).max(base + 1e-9);
    for i in 0..expr.as_ref().len() {
        let Math::Num(value) = expr.as_ref()[i] else {
            continue;
        };
        for digits in 1..=15 {
            let rounded = super::regress::round_significant(value.into_inner(), digits);
            let Ok(rounded) = ordered_float::NotNan::new(rounded) else {
                break;
            };
            expr.as_mut()[i] = Math::Num(rounded);
            if relative_rms(&expr, root, inputs, target) <= allowed {
                break;
            }
            expr.as_mut()[i] = Math::Num(value);
        }
    }
    let again = simplify_readable(&expr, &[root], &Limits::default());
    match again.readable {
        Some((expr, roots)) => (expr, roots[0]),
        None => (again.expr, again.roots[0]),
    }
}

/// RMS of (model − target) over the target's standard deviation (or RMS when constant).
fn relative_rms(expr: &RecExpr<Math>, root: Id, inputs: &[(&str, &[f64])], target: &[f64]) -> f64 {
    let n = target.len() as f64;
    let mean = target.iter().sum::<f64>() / n;
    let spread = (target.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / n).sqrt();
    let mut sq = 0.0;
    for (i, y) in target.iter().enumerate() {
        let value = physc_compiler::ir::eval::eval(expr, root, &mut |s| {
            inputs
                .iter()
                .find(|(name, _)| *name == s.as_str())
                .map_or(f64::NAN, |(_, col)| col[i])
        });
        sq += (value - y).powi(2);
    }
    let rms = (sq / n).sqrt();
    if spread > 0.0 {
        rms / spread
    } else {
        rms
    }
}

/// `equations`, `latex` and each equation's Pareto front for report.json.
pub fn report(found: &SymbolicDiscovery) -> Map<String, Value> {
    let mut equations = Map::new();
    let mut latex = Map::new();
    let mut searches = Map::new();
    for (e, r) in found.equations.iter().zip(&found.results) {
        equations.insert(e.lhs.clone(), json!(e.rhs));
        latex.insert(
            e.lhs.clone(),
            json!(format!("{} = {}", e.lhs_latex, e.rhs_latex)),
        );
        let front: Vec<Value> = r
            .front
            .iter()
            .map(|c| json!({"expression": c.source, "complexity": c.complexity, "error": c.error}))
            .collect();
        searches.insert(
            e.lhs.clone(),
            json!({
                "front": front,
                "chosen": r.chosen,
                "generations": r.generations,
                "evaluations": r.evaluations,
                "duplicates_skipped": r.duplicates_skipped,
                "seconds": r.seconds,
            }),
        );
    }
    let mut out = Map::new();
    out.insert("equations".into(), Value::Object(equations));
    out.insert("latex".into(), Value::Object(latex));
    out.insert("symbolic_regression".into(), Value::Object(searches));
    out
}
