//! The `discover` job and `physc discover`: find governing equations from data by sparse
//! regression (SINDy for ODEs, PDE-FIND for gridded fields). `config.rs` reads the block
//! or the CLI flags into one `Config`; `data.rs` loads CSV/NPY/NPZ files or a model's
//! simulation; `library.rs` builds candidate terms as IR and evaluates them with one JIT
//! kernel; `regress.rs` runs STLSQ (threshold, AICc choice from the Pareto front,
//! bagging) and rounds coefficients; `equation.rs` simplifies and prints the equations;
//! `odes.rs` and `pdes.rs` are the two pipelines; `output.rs` writes `discovered.phys`,
//! `report.json`, the comparison plots and the summary. The numerics live in
//! `physc_runtime::discover`. `symbolic.rs` runs symbolic regression (`method sr`, the
//! `crate::symreg` search) on time series instead of a fixed library.

pub mod config;
mod data;
mod equation;
mod library;
mod odes;
mod output;
mod pdes;
mod regress;
mod symbolic;

use super::{JobError, RunOptions};
use crate::check::{Job, Program};
use config::{Config, Regression};
use serde_json::{json, Value};
use std::time::Instant;

pub use output::MODEL_FILE;

/// `physc run` on a `discover` block.
pub fn run(program: &Program, job: &Job, options: &RunOptions) -> Result<(), JobError> {
    let mut config = config::from_job(job, &options.source_dir);
    if let Some(seed) = options.seed {
        config.seed = seed;
    }
    discover(&config, Some(program), options)
}

/// Run a discovery session; results go to `<out_dir>/<name>/`.
pub fn discover(
    config: &Config,
    program: Option<&Program>,
    options: &RunOptions,
) -> Result<(), JobError> {
    let started = Instant::now();
    let mut warnings = Vec::new();
    let data = data::load(config, program, &mut warnings).map_err(JobError::NotSupported)?;
    let load_s = started.elapsed().as_secs_f64();
    let dir = options.out_dir.join(&config.name);
    std::fs::create_dir_all(&dir)
        .map_err(|e| JobError::Output(format!("cannot create `{}`: {e}", dir.display())))?;
    match data {
        data::Data::Series(series) => {
            ode_session(config, &series, warnings, load_s, started, &dir, options)
        }
        data::Data::Grid(_) if matches!(config.regression, Regression::Symbolic { .. }) => {
            Err(JobError::NotSupported(
                "symbolic regression (`method sr(...)`) covers time series; use `method stlsq(...)` for gridded fields".into(),
            ))
        }
        data::Data::Grid(grid) => {
            pde_session(config, &grid, warnings, load_s, started, &dir, options)
        }
    }
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
    dir: &std::path::Path,
    options: &RunOptions,
) -> Result<(), JobError> {
    let bar = super::progress::count_bar(
        &config.name,
        series.vars.len(),
        "equations",
        &*options.progress,
    );
    let t = Instant::now();
    let progress = |k| bar.set(k);
    let found = match config.regression {
        Regression::Symbolic { .. } => OdeFound::Symbolic(
            symbolic::discover(config, series, &mut warnings, &progress)
                .map_err(JobError::NotSupported)?,
        ),
        Regression::Stlsq { .. } => OdeFound::Sparse(Box::new(
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
    output::write_model(dir, &source).map_err(JobError::Output)?;
    let t = Instant::now();
    let mut files = vec![MODEL_FILE.to_string(), "report.json".to_string()];
    let comparison = match odes::resimulate(&source, series) {
        Ok(sim) => {
            let data = &series.trajectories[0].columns;
            if let Some(e) = &sim.error {
                warnings.push(format!("re-simulating the discovered model stopped: {e}"));
            }
            files.extend(
                output::comparison_plots(dir, &series.vars, data, &sim)
                    .map_err(JobError::Output)?,
            );
            output::comparison_json(&series.vars, data, &sim)
        }
        Err(e) => {
            warnings.push(format!(
                "the discovered model could not be re-simulated: {e}"
            ));
            Value::Null
        }
    };
    let resimulation_s = t.elapsed().as_secs_f64();
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
    report.insert("comparison".into(), comparison);
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
    output::write_report(dir, &Value::Object(report)).map_err(JobError::Output)?;
    if !options.quiet {
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
        output::print_summary(&title, found.equations(), &found.errors(), &warnings, dir);
    }
    Ok(())
}

fn pde_session(
    config: &Config,
    grid: &data::Grid,
    mut warnings: Vec<String>,
    load_s: f64,
    started: Instant,
    dir: &std::path::Path,
    options: &RunOptions,
) -> Result<(), JobError> {
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
    let checked = crate::driver::compile_source(MODEL_FILE, &source);
    if checked.has_errors() {
        warnings.push("the discovered PDE model does not pass `physc check`".into());
    }
    output::write_model(dir, &source).map_err(JobError::Output)?;
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
    output::write_report(dir, &Value::Object(report)).map_err(JobError::Output)?;
    if !options.quiet {
        let title = format!(
            "{}: {} grid points ({} × {}), {} library terms, {}, {}",
            config.name,
            found.points,
            grid.t.len(),
            grid.x.len(),
            found.library.terms.len(),
            output::derivative_text(&config.derivative),
            output::method_text(&config.regression)
        );
        let errors: Vec<f64> = fits.iter().map(|f| f.error).collect();
        output::print_summary(&title, &equations, &errors, &warnings, dir);
    }
    Ok(())
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

    fn errors(&self) -> Vec<f64> {
        match self {
            OdeFound::Sparse(f) => f.fits.iter().map(|f| f.error).collect(),
            OdeFound::Symbolic(f) => f.errors(),
        }
    }

    fn report(&self) -> serde_json::Map<String, Value> {
        match self {
            OdeFound::Sparse(f) => output::equations_json(&f.library, &f.equations, &f.fits),
            OdeFound::Symbolic(f) => symbolic::report(f),
        }
    }
}
