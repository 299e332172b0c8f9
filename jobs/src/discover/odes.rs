//! ODE discovery from time series: derivatives of every variable on every trajectory, the
//! library evaluated on the (smoothed, for Savitzky–Golay and TV) values of all
//! trajectories stacked, one regression per variable; then the discovered model
//! re-simulated from the data's first sample for comparison. In weak form (`derivative
//! weak`) there are no pointwise derivatives: the library is evaluated on the data and every
//! column and target is integrated against each trajectory's test functions
//! (`physc_runtime::sindy::weak`), one regression row per window.

use super::config::Config;
use super::data::{self, Series};
use super::equation::{self, Equation};
use super::library::{self, Library};
use super::regress::{self, EquationFit};
use crate::progress::CancelToken;
use physc_runtime::rng::Rng;
use physc_runtime::sindy::derivative::{differentiate, Method};
use physc_runtime::sindy::weak::TestFunctions;
use std::borrow::Cow;

pub struct OdeDiscovery {
    pub library: Library,
    pub fits: Vec<EquationFit>,
    pub equations: Vec<Equation>,
    /// Seconds for the derivatives, the library and the regressions: the numerical part of
    /// the discovery, without simplifying and printing the equations.
    pub regression_s: f64,
}

/// Every variable's values (smoothed by the derivative method) and time derivative, all
/// trajectories stacked: `inputs` holds one column per variable, then time (borrowed from
/// the series where they are its own single trajectory's). The weak form has no pointwise
/// derivative: there `derivatives` are Savitzky–Golay's with its defaults (symbolic
/// regression needs them), or none when `pointwise` is false.
pub struct Samples<'s> {
    pub inputs: Vec<Cow<'s, [f64]>>,
    pub derivatives: Vec<Cow<'s, [f64]>>,
}

pub fn samples<'s>(
    config: &Config,
    series: &'s Series,
    pointwise: bool,
    warnings: &mut Vec<String>,
) -> Result<Samples<'s>, String> {
    for name in series.vars.iter().chain([&series.time]) {
        if !is_identifier(name) {
            return Err(format!(
                "`{name}` cannot name a variable of the discovered model: use letters, digits and `_`, starting with a letter"
            ));
        }
    }
    let mut inputs: Vec<Cow<[f64]>> = vec![Cow::Borrowed(&[]); series.vars.len() + 1];
    let mut derivatives: Vec<Cow<[f64]>> = vec![Cow::Borrowed(&[]); series.vars.len()];
    let method = match config.derivative {
        Method::Weak { .. } if !pointwise => None,
        Method::Weak { .. } => Some(super::config::savitzky_golay(None, None)),
        other => Some(other),
    };
    for (k, tr) in series.trajectories.iter().enumerate() {
        for (v, col) in tr.columns.iter().enumerate() {
            let Some(method) = &method else {
                append(&mut inputs[v], Cow::Borrowed(col.as_slice()));
                continue;
            };
            let estimate = differentiate(&tr.t, col, method).map_err(|e| {
                let which = if series.trajectories.len() > 1 {
                    format!("trajectory {k}, ")
                } else {
                    String::new()
                };
                format!("{which}`{}`: {e}", series.vars[v])
            })?;
            append(&mut derivatives[v], Cow::Owned(estimate.derivative));
            let value = estimate
                .value
                .map_or(Cow::Borrowed(col.as_slice()), Cow::Owned);
            append(&mut inputs[v], value);
        }
        append(&mut inputs[series.vars.len()], Cow::Borrowed(&tr.t));
    }
    for (v, name) in series.vars.iter().enumerate() {
        let first = series.trajectories[0].columns[v].first().copied();
        let constant = |tr: &data::Trajectory| tr.columns[v].iter().all(|x| Some(*x) == first);
        if series.trajectories.iter().all(constant) {
            warnings.push(format!(
                "`{name}` is constant ({}) in the data: its derivative is 0 and its terms duplicate others",
                first.unwrap_or(0.0)
            ));
        }
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
    let started = std::time::Instant::now();
    let weak = match config.derivative {
        Method::Weak { window, order } => Some((window.samples(), order)),
        _ => None,
    };
    let Samples {
        inputs,
        mut derivatives,
    } = samples(config, series, weak.is_none(), warnings)?;
    let library = library::for_odes(&config.library, &series.vars, &series.time, warnings)?;
    let refs: Vec<&[f64]> = inputs.iter().map(|c| &**c).collect();
    let names: Vec<String> = library.terms.iter().map(|t| t.name.clone()).collect();
    let (factored, columns, correlation) = match weak {
        Some((window, order)) => {
            let weak = weak_rows(series, &library.evaluate(&refs)?, window, order)?;
            derivatives = weak.targets.into_iter().map(Cow::Owned).collect();
            let targets: Vec<&[f64]> = derivatives.iter().map(|c| &**c).collect();
            let factored = regress::check_design(&names, &weak.columns, &targets, warnings)?;
            (factored, weak.columns, (weak.segments, weak.lags))
        }
        None => {
            let targets: Vec<&[f64]> = derivatives.iter().map(|c| &**c).collect();
            // Bagging and the coefficients' uncertainty need the whole library, so it is
            // evaluated once (one kernel) and factored from its columns.
            let columns = library.evaluate(&refs)?;
            let factored = regress::check_design(&names, &columns, &targets, warnings)?;
            let segments: Vec<usize> = series.trajectories.iter().map(|tr| tr.t.len()).collect();
            let longest = segments.iter().copied().max().unwrap_or(0);
            let lags = config.derivative.correlated_samples(longest);
            (factored, columns, (segments, lags))
        }
    };
    let rows = regress::RegressionRows {
        columns: &columns,
        correlation: Some(correlation),
    };
    let mut rng = Rng::stream(config.seed, "bagging");
    let mut fits = Vec::new();
    for (v, var) in series.vars.iter().enumerate() {
        let lhs = format!("d{}({var})", series.time);
        let fit = regress::fit(
            &names,
            Some(&rows),
            (&factored, v),
            &derivatives[v],
            &config.regression,
            &mut rng,
            &lhs,
            warnings,
        );
        fits.push(fit);
        progress(v + 1);
    }
    let regression_s = started.elapsed().as_secs_f64();
    let equations = series
        .vars
        .iter()
        .zip(&fits)
        .map(|(var, fit)| {
            let lhs = format!("d{}({var})", series.time);
            let lhs_latex = format!(
                "\\frac{{d {}}}{{d {}}}",
                physc_compiler::ir::lower::latex_name(var),
                series.time
            );
            equation::build(&library, (&lhs, &lhs_latex), &fit.coef)
        })
        .collect();
    Ok(OdeDiscovery {
        library,
        fits,
        equations,
        regression_s,
    })
}

/// The weak form's regression rows: every library column (evaluated on the stacked samples)
/// and every variable's weak time derivative, integrated against the test functions of each
/// trajectory (rows of all trajectories stacked).
struct WeakRows {
    /// One per library term.
    columns: Vec<Vec<f64>>,
    /// One per variable.
    targets: Vec<Vec<f64>>,
    /// Rows per trajectory.
    segments: Vec<usize>,
    /// How many rows apart rows can share samples.
    lags: usize,
}

fn weak_rows(
    series: &Series,
    columns: &[Vec<f64>],
    window: usize,
    order: usize,
) -> Result<WeakRows, String> {
    let mut rows = vec![Vec::new(); columns.len()];
    let mut targets = vec![Vec::new(); series.vars.len()];
    let (mut segments, mut lags) = (Vec::new(), 0);
    let mut offset = 0;
    for (k, tr) in series.trajectories.iter().enumerate() {
        let n = tr.t.len();
        let first = tr.columns.first().map_or(&tr.t, |c| c);
        let tests = TestFunctions::new(&tr.t, first, window, order).map_err(|e| {
            let which = if series.trajectories.len() > 1 {
                format!("trajectory {k}: ")
            } else {
                String::new()
            };
            format!("{which}weak form: {e}")
        })?;
        for (out, col) in rows.iter_mut().zip(columns) {
            out.extend(tests.integrate(&col[offset..offset + n]));
        }
        for (out, col) in targets.iter_mut().zip(&tr.columns) {
            out.extend(tests.integrate_derivative(col));
        }
        segments.push(tests.rows());
        lags = lags.max(tests.correlated_rows());
        offset += n;
    }
    Ok(WeakRows {
        columns: rows,
        targets,
        segments,
        lags,
    })
}

/// `to` followed by `values`: `values` itself when `to` is empty (one trajectory: no copy).
fn append<'s>(to: &mut Cow<'s, [f64]>, values: Cow<'s, [f64]>) {
    if to.is_empty() {
        *to = values;
    } else {
        to.to_mut().extend_from_slice(&values);
    }
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
    use physc_compiler::check::print::number;
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

/// Steps the re-simulation may take per sample before it stops: a wrong model can be stiff
/// or blow up, and the comparison must not take longer than the discovery by far.
const RESIMULATION_STEPS_PER_SAMPLE: usize = 20;

/// The model in `source` integrated from the first trajectory's first sample; a cancelled
/// `cancel`, or more than `RESIMULATION_STEPS_PER_SAMPLE` steps per sample (at least
/// 20,000), stops the integration (the times reached are kept, with the error).
pub fn resimulate(
    source: &str,
    series: &Series,
    cancel: &CancelToken,
) -> Result<Resimulation, String> {
    let compilation = physc_compiler::driver::compile_source("discovered.phys", source);
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
    let ode = physc_compiler::plan::ode_system::compile_ode(model).map_err(|e| e.0)?;
    let tr = &series.trajectories[0];
    let mut system = ode.system();
    let method = physc_runtime::ode::Method::Dopri5 {
        rtol: 1e-8,
        atol: 1e-10,
    };
    let budget = (RESIMULATION_STEPS_PER_SAMPLE * tr.t.len()).max(20_000);
    let mut steps = 0usize;
    let (solution, error) =
        physc_runtime::ode::integrate(&mut system, &method, tr.t[0], &ode.y0, &tr.t, &mut |_| {
            steps += 1;
            steps <= budget && !cancel.is_cancelled()
        });
    let error = match error {
        Some(_) if steps > budget => Some(format!(
            "the discovered model took more than {budget} integration steps (it is stiff or blows up), so the comparison stops at t = {}",
            solution.t.last().copied().unwrap_or(tr.t[0])
        )),
        other => other.map(|e| e.to_string()),
    };
    // The compiled states follow the model's field order, which is the data's.
    let states = (0..ode.states.len())
        .map(|k| solution.y.iter().map(|y| y[k]).collect())
        .collect();
    Ok(Resimulation {
        t: solution.t,
        states,
        error,
    })
}
