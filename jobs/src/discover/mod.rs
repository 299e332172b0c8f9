//! The `discover` job and `physc discover`: find governing equations from data by sparse
//! regression (SINDy for ODEs, PDE-FIND for gridded fields), as a library call: [`discover`]
//! takes a [`Config`] and returns a [`Discovered`] in memory, which the caller writes
//! ([`Discovered::write`]) or prints ([`Discovered::summary`]) if it wants. `config.rs` reads
//! a block into one `Config`, or builds it for a caller (the CLI maps its flags onto that);
//! `data.rs` loads CSV/NPY/NPZ files, a model's simulation or arrays in memory;
//! `library.rs` builds candidate terms as IR and evaluates them with one JIT kernel;
//! `regress.rs` runs STLSQ (threshold, AICc choice from the Pareto front, bagging) and
//! rounds coefficients; `equation.rs` simplifies and prints the equations; `odes.rs` and
//! `pdes.rs` are the two pipelines; `result.rs` is what a session returns; `output.rs`
//! builds the report, the comparison and the summary text and writes the files. The
//! numerics live in `physc_runtime::sindy`. `symbolic.rs` runs symbolic regression
//! (`method sr`, the `physc_compiler::symreg` search) on time series instead of a fixed library.

pub mod config;
mod data;
mod equation;
mod library;
mod odes;
mod output;
mod pdes;
mod regress;
mod result;
mod symbolic;
#[cfg(test)]
mod tests;
mod weak_pde;

use super::{Completed, JobError, RunOptions};
use physc_compiler::check::{Job, Program};
use serde_json::{json, Value};
use std::time::Instant;

pub use config::{Config, DataSpec, LibraryItem, Regression, Threshold};
pub use output::MODEL_FILE;
pub use result::{Comparison, Discovered, DiscoveredEquation, FrontPoint, Kind};

/// `physc run` on a `discover` block: the block's session (with `options.seed` over its
/// seed), in memory.
pub fn run(
    program: &Program,
    job: &Job,
    options: &RunOptions,
) -> Result<Completed<Discovered>, JobError> {
    let settings = job
        .settings
        .discover()
        .ok_or_else(|| JobError::NotSupported(format!("`{}` is not a discover job", job.target)))?;
    let mut config = Config::from_settings(&job.target, settings, &options.source_dir);
    if let Some(seed) = options.seed {
        config.seed = seed;
    }
    discover(&config, Some(program), options)
}

/// Run a discovery session and return what it found; nothing is written or printed.
/// `program` is needed only when the data are a model's simulation
/// ([`DataSpec::Model`]). `Err`: the data, the library or the method could not be used, and
/// nothing was computed. Progress goes to `options.progress` (one step per equation).
/// Cancelling `options.cancel` ends symbolic-regression searches early with their best
/// models and cuts the re-simulation short, but the session still completes, as a
/// discovery always has: `stopped` is `None` and [`Discovered::interrupted`] tells.
pub fn discover(
    config: &Config,
    program: Option<&Program>,
    options: &RunOptions,
) -> Result<Completed<Discovered>, JobError> {
    let started = Instant::now();
    let mut warnings = Vec::new();
    let data = data::load(config, program, &options.cancel, &mut warnings)
        .map_err(JobError::NotSupported)?;
    let load_s = started.elapsed().as_secs_f64();
    let config = &with_window_chosen(config, &data);
    let mut result = match data {
        data::Data::Series(series) => {
            ode_session(config, &series, warnings, load_s, started, options)?
        }
        data::Data::Grid(_) if matches!(config.regression, Regression::Symbolic { .. }) => {
            return Err(JobError::NotSupported(
                "symbolic regression (`method sr(...)`) covers time series; use `method stlsq(...)` for gridded fields".into(),
            ))
        }
        data::Data::Grid(grid) => pde_session(config, &grid, warnings, load_s, started)?,
    };
    result.interrupted = options.cancel.is_cancelled();
    Ok(Completed {
        result,
        stopped: None,
    })
}

/// `config` with an automatic weak-form window chosen for `data`: from the spectrum of
/// every trajectory's variables for time series, the narrowest automatic window along each
/// axis of a field (measured enough for KdV and Burgers at 1% noise).
fn with_window_chosen<'c>(config: &'c Config, data: &data::Data) -> std::borrow::Cow<'c, Config> {
    use physc_runtime::sindy::derivative::{Method, WeakWindow};
    use physc_runtime::sindy::weak::{spectral_window, MIN_AUTO_WINDOW};
    let Method::Weak {
        window: WeakWindow::Auto,
        order,
    } = config.derivative
    else {
        return std::borrow::Cow::Borrowed(config);
    };
    let chosen = match data {
        data::Data::Series(series) => {
            let columns: Vec<&[f64]> = series
                .trajectories
                .iter()
                .flat_map(|tr| tr.columns.iter().map(Vec::as_slice))
                .collect();
            spectral_window(&columns, order)
        }
        data::Data::Grid(_) => MIN_AUTO_WINDOW,
    };
    let mut resolved = config.clone();
    resolved.derivative = Method::Weak {
        window: WeakWindow::Chosen(chosen),
        order,
    };
    std::borrow::Cow::Owned(resolved)
}

fn base_report(config: &Config, kind: &str) -> serde_json::Map<String, Value> {
    let mut r = serde_json::Map::new();
    r.insert("job".into(), json!("discover"));
    r.insert("name".into(), json!(config.name));
    r.insert("kind".into(), json!(kind));
    r.insert("seed".into(), json!(config.seed));
    r.insert(
        "derivative".into(),
        json!(output::derivative_text(&config.derivative)),
    );
    r.insert(
        "method".into(),
        json!(output::method_text(&config.regression)),
    );
    r
}

fn ode_session(
    config: &Config,
    series: &data::Series,
    mut warnings: Vec<String>,
    load_s: f64,
    started: Instant,
    options: &RunOptions,
) -> Result<Discovered, JobError> {
    let bar = super::progress::count_bar(
        &config.name,
        series.vars.len(),
        "equations",
        &*options.progress,
    );
    let t = Instant::now();
    let progress = |k| bar.set(k);
    let cancel = &options.cancel;
    let found = match config.regression {
        Regression::Symbolic { .. } => OdeFound::Symbolic(
            symbolic::discover(config, series, cancel, &mut warnings, &progress)
                .map_err(JobError::NotSupported)?,
        ),
        Regression::Stlsq { .. } | Regression::Sbl { .. } => OdeFound::Sparse(Box::new(
            odes::discover(config, series, &mut warnings, &progress)
                .map_err(JobError::NotSupported)?,
        )),
    };
    bar.finish();
    let discovery_s = t.elapsed().as_secs_f64();
    let header = output::header(
        config,
        &series.source,
        series.samples(),
        found.library_terms(),
    );
    let source = odes::model_source(config, series, found.equations(), &header);
    let t = Instant::now();
    let comparison = match odes::resimulate(&source, series, cancel) {
        Ok(sim) => {
            if let Some(e) = &sim.error {
                warnings.push(format!("re-simulating the discovered model stopped: {e}"));
            }
            let data = &series.trajectories[0].columns;
            Some(output::comparison(&series.vars, data, &sim))
        }
        Err(e) => {
            warnings.push(format!(
                "the discovered model could not be re-simulated: {e}"
            ));
            None
        }
    };
    let resimulation_s = t.elapsed().as_secs_f64();
    let mut files = vec![MODEL_FILE.to_string(), "report.json".to_string()];
    files.extend(comparison.iter().flat_map(output::plot_files));
    let mut report = base_report(config, "ode");
    report.insert(
        "data".into(),
        json!({
            "source": series.source,
            "time": series.time,
            "variables": series.vars,
            "samples": series.samples(),
            "trajectories": series.trajectories.len(),
            "noise": config.noise,
        }),
    );
    report.extend(found.report());
    report.insert(
        "comparison".into(),
        comparison
            .as_ref()
            .map_or(Value::Null, output::comparison_json),
    );
    report.insert(
        "timings".into(),
        json!({
            "load_s": load_s,
            "discovery_s": discovery_s,
            "regression_s": found.regression_s(),
            "resimulation_s": resimulation_s,
            "total_s": started.elapsed().as_secs_f64(),
        }),
    );
    report.insert("warnings".into(), json!(warnings));
    report.insert("files".into(), json!(files));
    let title = format!(
        "{}: {} samples ({} {}), {}, {}, {}",
        config.name,
        series.samples(),
        series.trajectories.len(),
        if series.trajectories.len() == 1 {
            "trajectory"
        } else {
            "trajectories"
        },
        output::library_text(config, found.library_terms()),
        output::derivative_text(&config.derivative),
        output::method_text(&config.regression)
    );
    Ok(Discovered {
        name: config.name.clone(),
        kind: Kind::Ode,
        library: found.library_names(),
        equations: found.into_equations(),
        model: source,
        comparison,
        warnings,
        report: Value::Object(report),
        interrupted: false,
        title,
    })
}

fn pde_session(
    config: &Config,
    grid: &data::Grid,
    mut warnings: Vec<String>,
    load_s: f64,
    started: Instant,
) -> Result<Discovered, JobError> {
    let t = Instant::now();
    let found = pdes::discover(config, grid, &mut warnings).map_err(JobError::NotSupported)?;
    let discovery_s = t.elapsed().as_secs_f64();
    let header = output::header(
        config,
        &grid.source,
        found.points,
        found.library.terms.len(),
    );
    let source = pdes::model_source(config, grid, &found.equation, &header);
    let checked = physc_compiler::driver::compile_source(MODEL_FILE, &source);
    if checked.has_errors() {
        warnings.push("the discovered PDE model does not pass `physc check`".into());
    }
    let library: Vec<String> = found.library.terms.iter().map(|t| t.name.clone()).collect();
    let equations = [found.equation];
    let fits = [found.fit];
    let mut report = base_report(config, "pde");
    report.insert(
        "data".into(),
        json!({
            "source": grid.source,
            "time": grid.time,
            "space": [grid.space],
            "field": grid.var,
            "grid": [grid.t.len(), grid.x.len()],
            "points_used": found.points,
            "noise": config.noise,
        }),
    );
    report.extend(output::equations_json(&found.library, &equations, &fits));
    report.insert(
        "timings".into(),
        json!({
            "load_s": load_s,
            "discovery_s": discovery_s,
            "total_s": started.elapsed().as_secs_f64(),
        }),
    );
    report.insert("warnings".into(), json!(warnings));
    report.insert("files".into(), json!([MODEL_FILE, "report.json"]));
    let title = format!(
        "{}: {} grid points ({} × {}), {} library terms, {}, {}",
        config.name,
        found.points,
        grid.t.len(),
        grid.x.len(),
        library.len(),
        output::derivative_text(&config.derivative),
        output::method_text(&config.regression)
    );
    let [equation] = equations;
    let equation = result::sparse_equation(&found.library, equation, &fits[0]);
    Ok(Discovered {
        name: config.name.clone(),
        kind: Kind::Pde,
        equations: vec![equation],
        library,
        model: source,
        comparison: None,
        warnings,
        report: Value::Object(report),
        interrupted: false,
        title,
    })
}

/// What the regression found on time series: sparse fits over a library, or symbolic
/// regression's chosen models.
enum OdeFound {
    Sparse(Box<odes::OdeDiscovery>),
    Symbolic(symbolic::SymbolicDiscovery),
}

impl OdeFound {
    fn equations(&self) -> &[equation::Equation] {
        match self {
            OdeFound::Sparse(f) => &f.equations,
            OdeFound::Symbolic(f) => &f.equations,
        }
    }

    /// Library size (symbolic regression builds its terms as it goes: 0).
    fn library_terms(&self) -> usize {
        match self {
            OdeFound::Sparse(f) => f.library.terms.len(),
            OdeFound::Symbolic(_) => 0,
        }
    }

    fn regression_s(&self) -> Option<f64> {
        match self {
            OdeFound::Sparse(f) => Some(f.regression_s),
            OdeFound::Symbolic(_) => None,
        }
    }

    fn report(&self) -> serde_json::Map<String, Value> {
        match self {
            OdeFound::Sparse(f) => output::equations_json(&f.library, &f.equations, &f.fits),
            OdeFound::Symbolic(f) => symbolic::report(f),
        }
    }

    fn library_names(&self) -> Vec<String> {
        match self {
            OdeFound::Sparse(f) => f.library.terms.iter().map(|t| t.name.clone()).collect(),
            OdeFound::Symbolic(_) => Vec::new(),
        }
    }

    fn into_equations(self) -> Vec<DiscoveredEquation> {
        match self {
            OdeFound::Sparse(f) => {
                let fits = f.fits;
                let library = f.library;
                f.equations
                    .into_iter()
                    .zip(&fits)
                    .map(|(e, fit)| result::sparse_equation(&library, e, fit))
                    .collect()
            }
            OdeFound::Symbolic(f) => f
                .equations
                .into_iter()
                .zip(&f.results)
                .map(|(e, search)| result::symbolic_equation(e, search))
                .collect(),
        }
    }
}
