//! Session output in `out/<name>/`: `discovered.phys`, `report.json` (equations, LaTeX,
//! coefficients, each equation's Pareto front with errors and complexities, the chosen
//! candidates, the comparison with the data, timings, warnings), for ODEs the data
//! against the re-simulated model (the comparison's numbers, and `compare_<var>.png`), and
//! the summary text. Every file is written atomically by the runtime.

use super::config::{Config, Regression, Threshold};
use super::equation::Equation;
use super::library::Library;
use super::odes::Resimulation;
use super::regress::EquationFit;
use super::result::{Comparison, DiscoveredEquation};
use ndarray::{Array1, Array2};
use physc_runtime::output::plot::{self, Figure, Panels};
use physc_runtime::output::{atomic_write, report};
use physc_runtime::sindy::derivative::Method;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::Path;

pub const MODEL_FILE: &str = "discovered.phys";

pub fn write_model(dir: &Path, source: &str) -> Result<(), String> {
    atomic_write(&dir.join(MODEL_FILE), source.as_bytes()).map_err(|e| e.to_string())
}

/// The comment heading `discovered.phys`.
pub fn header(config: &Config, source: &str, samples: usize, terms: usize) -> String {
    format!(
        "// Discovered by `physc discover` (session `{}`, seed {}) from {source}:\n\
         // {samples} samples, {}, derivatives by {}, {}.\n\n",
        config.name,
        config.seed,
        library_text(config, terms),
        derivative_text(&config.derivative),
        method_text(&config.regression)
    )
}

/// "12 library terms", or what stands for a library in symbolic regression.
pub fn library_text(config: &Config, terms: usize) -> String {
    match config.regression {
        Regression::Symbolic { .. } => "expressions built by symbolic regression".into(),
        Regression::Stlsq { .. } | Regression::Sbl { .. } => format!("{terms} library terms"),
    }
}

pub fn derivative_text(m: &Method) -> String {
    match m {
        Method::FiniteDifference => "fd".into(),
        Method::SavitzkyGolay { window, order } => {
            format!("savgol(window: {window}, order: {order})")
        }
        Method::TotalVariation { alpha } => format!("tv(alpha: {alpha})"),
        Method::Weak { window, order } => format!("weak(window: {window}, order: {order})"),
    }
}

pub fn method_text(r: &Regression) -> String {
    match r {
        Regression::Stlsq {
            threshold,
            ridge,
            ensemble,
            relative,
        } => {
            let mut parts = vec![match threshold {
                Threshold::Auto => "threshold: auto".to_string(),
                Threshold::Value(v) => format!("threshold: {v}"),
            }];
            if *ridge > 0.0 {
                parts.push(format!("alpha: {ridge}"));
            }
            if let Some(n) = ensemble {
                parts.push(format!("ensemble: {n}"));
            }
            if *relative {
                parts.push("scale: relative".to_string());
            }
            format!("stlsq({})", parts.join(", "))
        }
        Regression::Sbl { threshold } => format!("sbl(threshold: {threshold})"),
        Regression::Symbolic {
            population,
            generations,
            max_size,
        } => {
            let parts: Vec<String> = [
                ("population", population),
                ("generations", generations),
                ("max_size", max_size),
            ]
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
            .collect();
            format!("sr({})", parts.join(", "))
        }
    }
}

/// The equation-related part of the report.
pub fn equations_json(
    library: &Library,
    equations: &[Equation],
    fits: &[EquationFit],
) -> Map<String, Value> {
    let names: Vec<String> = library.terms.iter().map(|t| t.name.clone()).collect();
    let (mut eqs, mut latex, mut coefs, mut fit_info, mut fronts, mut chosen) = (
        Map::new(),
        Map::new(),
        Map::new(),
        Map::new(),
        Map::new(),
        Map::new(),
    );
    for (e, f) in equations.iter().zip(fits) {
        let rhs = if e.terms.is_empty() {
            "0".to_string()
        } else {
            e.rhs.clone()
        };
        eqs.insert(e.lhs.clone(), json!(rhs));
        latex.insert(
            e.lhs.clone(),
            json!(format!(
                "{} = {}",
                e.lhs_latex,
                if e.terms.is_empty() {
                    "0"
                } else {
                    &e.rhs_latex
                }
            )),
        );
        let c: Map<String, Value> = e.terms.iter().map(|(n, v)| (n.clone(), json!(v))).collect();
        coefs.insert(e.lhs.clone(), Value::Object(c));
        let inclusion = f.inclusion.as_ref().map(|inc| {
            names
                .iter()
                .zip(inc)
                .map(|(n, p)| (n.clone(), json!(p)))
                .collect::<Map<String, Value>>()
        });
        let uncertainty = f.uncertainty.as_ref().map(|u| {
            super::result::uncertain_terms(&names, u)
                .into_iter()
                .map(|c| (c.term, json!({"mean": c.mean, "std": c.std})))
                .collect::<Map<String, Value>>()
        });
        fit_info.insert(
            e.lhs.clone(),
            json!({
                "terms": e.terms.len(),
                "relative_error": f.error,
                "rss": f.rss,
                "condition": if f.condition.is_finite() { json!(f.condition) } else { Value::Null },
                "inclusion": inclusion,
                "uncertainty": uncertainty,
            }),
        );
        let front: Vec<Value> = f
            .front
            .iter()
            .map(|c| {
                json!({
                    "complexity": c.fit.terms(),
                    "relative_error": c.error,
                    "aicc": if c.aicc.is_finite() { json!(c.aicc) } else { Value::Null },
                    "threshold": c.threshold,
                    "equation": super::equation::text(library, &c.fit.coef),
                })
            })
            .collect();
        fronts.insert(e.lhs.clone(), Value::Array(front));
        chosen.insert(e.lhs.clone(), json!(f.chosen));
    }
    let mut out = Map::new();
    out.insert("library".into(), json!(names));
    out.insert("equations".into(), Value::Object(eqs));
    out.insert("latex".into(), Value::Object(latex));
    out.insert("coefficients".into(), Value::Object(coefs));
    out.insert("fit".into(), Value::Object(fit_info));
    out.insert("pareto".into(), Value::Object(fronts));
    out.insert("chosen".into(), Value::Object(chosen));
    out
}

pub fn write_report(dir: &Path, report_value: &Value) -> Result<(), String> {
    report::write(dir, report_value)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The comparison plots' file names: one per variable, none when the model did not get past
/// its first sample.
pub fn plot_files(comparison: &Comparison) -> Vec<String> {
    if comparison.t.len() < 2 {
        return Vec::new();
    }
    comparison
        .variables
        .iter()
        .map(|var| format!("compare_{var}.png"))
        .collect()
}

/// Data against the re-simulated model, one PNG per variable (`plot_files`).
pub fn comparison_plots(dir: &Path, comparison: &Comparison) -> Result<(), String> {
    let t = comparison.t.to_vec();
    for (k, name) in plot_files(comparison).iter().enumerate() {
        let var = &comparison.variables[k];
        let title = format!("{var}: data and discovered model");
        let data = comparison.data.column(k).to_vec();
        let simulated = comparison.simulated.column(k).to_vec();
        plot::time_series(
            &dir.join(name),
            &Figure::new(&title, "t", var),
            &t,
            &[("data", &data), ("discovered", &simulated)],
            Panels::Shared,
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// How well the re-simulated model follows the data (`data`: one column per variable, every
/// sample): RMS error relative to each variable's spread, and the time until any variable
/// is off by more than 10% of its spread (chaotic systems separate eventually, whatever the
/// model).
pub fn comparison(vars: &[String], data: &[Vec<f64>], sim: &Resimulation) -> Comparison {
    let n = sim.t.len();
    let mut relative_rms_error = Vec::new();
    let mut agree = sim.t.last().copied();
    for (k, _) in vars.iter().enumerate() {
        let spread = super::data::std_dev(&data[k]).max(f64::MIN_POSITIVE);
        let sq: f64 = (0..n)
            .map(|i| (sim.states[k][i] - data[k][i]).powi(2))
            .sum();
        relative_rms_error.push((sq / n.max(1) as f64).sqrt() / spread);
        if let Some(i) = (0..n).find(|&i| (sim.states[k][i] - data[k][i]).abs() > 0.1 * spread) {
            let t = sim.t[i];
            agree = Some(agree.map_or(t, |a: f64| a.min(t)));
        }
    }
    Comparison {
        variables: vars.to_vec(),
        t: Array1::from(sim.t.clone()),
        data: Array2::from_shape_fn((n, vars.len()), |(i, k)| data[k][i]),
        simulated: Array2::from_shape_fn((n, vars.len()), |(i, k)| sim.states[k][i]),
        relative_rms_error,
        agreement_time: agree,
        error: sim.error.clone(),
    }
}

/// The comparison in report.json.
pub fn comparison_json(comparison: &Comparison) -> Value {
    let rel: Map<String, Value> = comparison
        .variables
        .iter()
        .zip(&comparison.relative_rms_error)
        .map(|(var, e)| (var.clone(), json!(e)))
        .collect();
    json!({
        "relative_rms_error": rel,
        "agreement_time": comparison.agreement_time,
        "completed": comparison.error.is_none(),
        "error": comparison.error,
    })
}

/// The summary: `title`, each equation with its size and error, the warnings, and where the
/// results were written (when they were).
pub fn summary(
    title: &str,
    equations: &[DiscoveredEquation],
    warnings: &[String],
    dir: Option<&Path>,
) -> String {
    let mut text = format!("{title}\n");
    let width = equations.iter().map(|e| e.lhs.len()).max().unwrap_or(0);
    for e in equations {
        let _ = writeln!(
            text,
            "  {:width$} = {}    ({} terms, relative error {:.2e})",
            e.lhs,
            e.rhs,
            e.coefficients.len(),
            e.relative_error
        );
        if let Some(terms) = e.uncertainty.as_ref().filter(|u| !u.is_empty()) {
            let shown: Vec<String> = terms
                .iter()
                .map(|c| format!("{}: {}", c.term, plus_minus(c.mean, c.std)))
                .collect();
            let _ = writeln!(text, "  {:width$}   ± {}", "", shown.join(", "));
        }
    }
    for w in warnings {
        let _ = writeln!(text, "warning: {w}");
    }
    if let Some(dir) = dir {
        let _ = writeln!(text, "wrote {}", dir.display());
    }
    text
}

/// `mean ± std` with the standard deviation to two significant digits and the mean to the
/// same decimal place (`-10.0003 ± 0.0021`).
pub fn plus_minus(mean: f64, std: f64) -> String {
    if !(std > 0.0 && std.is_finite() && mean.is_finite()) {
        return format!("{mean} ± {std}");
    }
    let decimals = (1 - std.log10().floor() as i32).max(0) as usize;
    format!("{mean:.decimals$} ± {std:.decimals$}")
}
