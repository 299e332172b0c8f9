//! ODE discovery from time series: derivatives of every variable on every trajectory, the
//! library evaluated on the (smoothed, for Savitzky–Golay and TV) values of all
//! trajectories stacked, one regression per variable; then the discovered model
//! re-simulated from the data's first sample for comparison.

use super::config::Config;
use super::data::{std_dev, Series};
use super::equation::{self, Equation};
use super::library::{self, Library};
use super::regress::{self, EquationFit};
use physc_runtime::discover::derivative::differentiate;
use physc_runtime::rng::Rng;

pub struct OdeDiscovery {
    pub library: Library,
    pub fits: Vec<EquationFit>,
    pub equations: Vec<Equation>,
}

/// Every variable's values (smoothed by the derivative method) and time derivative, all
/// trajectories stacked: `inputs` holds one column per variable, then time.
pub struct Samples {
    pub inputs: Vec<Vec<f64>>,
    pub derivatives: Vec<Vec<f64>>,
}

pub fn samples(
    config: &Config,
    series: &Series,
    warnings: &mut Vec<String>,
) -> Result<Samples, String> {
    for name in series.vars.iter().chain([&series.time]) {
        if !is_identifier(name) {
            return Err(format!(
                "`{name}` cannot name a variable of the discovered model: use letters, digits and `_`, starting with a letter"
            ));
        }
    }
    let mut values = Vec::new();
    let mut derivatives: Vec<Vec<f64>> = vec![Vec::new(); series.vars.len()];
    for (k, tr) in series.trajectories.iter().enumerate() {
        let mut per_var = Vec::new();
        for (v, col) in tr.columns.iter().enumerate() {
            let estimate = differentiate(&tr.t, col, &config.derivative).map_err(|e| {
                let which = if series.trajectories.len() > 1 {
                    format!("trajectory {k}, ")
                } else {
                    String::new()
                };
                format!("{which}`{}`: {e}", series.vars[v])
            })?;
            derivatives[v].extend(estimate.derivative);
            per_var.push(estimate.value);
        }
        values.push(per_var);
    }
    for (v, name) in series.vars.iter().enumerate() {
        let all: Vec<f64> = series
            .trajectories
            .iter()
            .flat_map(|t| t.columns[v].iter().copied())
            .collect();
        if std_dev(&all) == 0.0 {
            warnings.push(format!(
                "`{name}` is constant ({}) in the data: its derivative is 0 and its terms duplicate others",
                all[0]
            ));
        }
    }
    let mut inputs: Vec<Vec<f64>> = vec![Vec::new(); series.vars.len() + 1];
    for (tr, vals) in series.trajectories.iter().zip(&values) {
        for (v, col) in vals.iter().enumerate() {
            inputs[v].extend_from_slice(col);
        }
        inputs[series.vars.len()].extend_from_slice(&tr.t);
    }
    Ok(Samples {
        inputs,
        derivatives,
    })
}

pub fn discover(
    config: &Config,
    series: &Series,
    warnings: &mut Vec<String>,
    progress: &dyn Fn(usize),
) -> Result<OdeDiscovery, String> {
    let Samples {
        inputs,
        derivatives,
    } = samples(config, series, warnings)?;
    let library = library::for_odes(&config.library, &series.vars, &series.time, warnings)?;
    let refs: Vec<&[f64]> = inputs.iter().map(Vec::as_slice).collect();
    let columns = library.evaluate(&refs)?;
    let names: Vec<String> = library.terms.iter().map(|t| t.name.clone()).collect();
    regress::check_design(&names, &columns, series.samples(), warnings)?;
    let mut rng = Rng::stream(config.seed, "bagging");
    let mut fits = Vec::new();
    let mut equations = Vec::new();
    for (v, var) in series.vars.iter().enumerate() {
        let lhs = format!("d{}({var})", series.time);
        let lhs_latex = format!(
            "\\frac{{d {}}}{{d {}}}",
            crate::ir::lower::latex_name(var),
            series.time
        );
        let fit = regress::fit(
            &names,
            &columns,
            &derivatives[v],
            &config.regression,
            &mut rng,
            &lhs,
            warnings,
        );
        equations.push(equation::build(&library, (&lhs, &lhs_latex), &fit.coef));
        fits.push(fit);
        progress(v + 1);
    }
    Ok(OdeDiscovery {
        library,
        fits,
        equations,
    })
}

pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The discovered model as a `.phys` file: fields, `ode`s, initial values from the first
/// sample of the first trajectory, and a `simulate` block over the data's time span.
pub fn model_source(
    config: &Config,
    series: &Series,
    equations: &[Equation],
    header: &str,
) -> String {
    use crate::check::print::number;
    let tr = &series.trajectories[0];
    let (t0, t1) = (tr.t[0], tr.t[tr.t.len() - 1]);
    let mut s = String::new();
    s.push_str(header);
    s.push_str(&format!("model {} {{\n", config.name));
    s.push_str(&format!(
        "  time {} in [{}, {}]\n",
        series.time,
        number(t0),
        number(t1)
    ));
    for v in &series.vars {
        s.push_str(&format!("  field {v}({})\n", series.time));
    }
    s.push('\n');
    for e in equations {
        let rhs = if e.terms.is_empty() {
            "0".to_string()
        } else {
            e.rhs.clone()
        };
        s.push_str(&format!("  ode {} = {rhs}\n", e.lhs));
    }
    s.push('\n');
    for (v, col) in series.vars.iter().zip(&tr.columns) {
        s.push_str(&format!("  initial {v} = {}\n", number(col[0])));
    }
    s.push_str("}\n\n");
    s.push_str(&format!(
        "simulate {} {{\n  method dopri5(rtol: 1e-8, atol: 1e-10)\n  output points: {}\n}}\n",
        config.name,
        tr.t.len().max(2)
    ));
    s
}

/// The discovered model integrated at the first trajectory's sample times.
pub struct Resimulation {
    pub t: Vec<f64>,
    pub states: Vec<Vec<f64>>,
    pub error: Option<String>,
}

pub fn resimulate(source: &str, series: &Series) -> Result<Resimulation, String> {
    let compilation = crate::driver::compile_source("discovered.phys", source);
    if compilation.has_errors() {
        let first = compilation
            .diagnostics
            .clone()
            .sorted()
            .into_iter()
            .find(|d| d.is_error())
            .map(|d| d.message)
            .unwrap_or_default();
        return Err(format!("the discovered model does not check: {first}"));
    }
    let model = compilation
        .program
        .models
        .iter()
        .find(|m| m.local)
        .ok_or("the discovered model is missing")?;
    let ode = crate::jobs::ode::compile_ode(model).map_err(|e| e.0)?;
    let tr = &series.trajectories[0];
    let mut system = ode.system();
    let method = physc_runtime::ode::Method::Dopri5 {
        rtol: 1e-8,
        atol: 1e-10,
    };
    let (solution, error) =
        physc_runtime::ode::integrate(&mut system, &method, tr.t[0], &ode.y0, &tr.t, &mut |_| {
            !crate::jobs::progress::interrupted()
        });
    // The compiled states follow the model's field order, which is the data's.
    let states = (0..ode.states.len())
        .map(|k| solution.y.iter().map(|y| y[k]).collect())
        .collect();
    Ok(Resimulation {
        t: solution.t,
        states,
        error: error.map(|e| e.to_string()),
    })
}
