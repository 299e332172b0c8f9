//! `physc._physc.Program`: a checked `.phys` program whose jobs run from Python, and
//! discovery straight from arrays.

use crate::arrays;
use crate::errors::{check_error, physc_error, JobError};
use crate::result::JobResult;
use crate::running::{self, CancelToken, Running};
use numpy::PyReadonlyArray1;
use numpy::PyReadonlyArray2;
use physc::discovery::config::Threshold;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// `path_or_source` is a path when it names a file and has no newline, else source text
/// (named `name` in diagnostics, `<source>` by default).
pub fn load(path_or_source: &str, name: Option<&str>) -> Result<physc::Program, physc::CheckError> {
    let path = Path::new(path_or_source);
    if !path_or_source.contains('\n') && path.is_file() {
        physc::Program::load(path)
    } else {
        physc::Program::from_source(name.unwrap_or("<source>"), path_or_source)
    }
}

/// A checked program: its models and jobs, ready to run.
#[pyclass(module = "physc._physc", frozen)]
pub struct Program {
    program: Arc<physc::Program>,
}

#[pymethods]
impl Program {
    /// Load a file (a path) or source text; a program with errors raises `CheckError`.
    #[new]
    #[pyo3(signature = (path_or_source, name = None))]
    fn new(path_or_source: &str, name: Option<&str>) -> PyResult<Program> {
        let program = load(path_or_source, name).map_err(|e| check_error(e.0))?;
        Ok(Program {
            program: Arc::new(program),
        })
    }

    /// The models the file defines.
    #[getter]
    fn models(&self) -> Vec<String> {
        self.program
            .models()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// The file's job blocks, in order, as (kind, target).
    #[getter]
    fn jobs(&self) -> Vec<(String, String)> {
        let jobs = self.program.jobs().into_iter();
        jobs.map(|j| (j.kind.to_string(), j.target)).collect()
    }

    /// The warnings of the file, as JSON text.
    #[getter]
    fn warnings(&self) -> (String, String) {
        let checked = self.program.warnings();
        (checked.json.to_string(), checked.rendered)
    }

    /// Run the `KIND TARGET` block (`train`, `simulate`, `discover` or `evolve`).
    #[pyo3(signature = (kind, target, *, max_steps = None, seed = None, threads = None,
                        progress = None, cancel = None))]
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        py: Python<'_>,
        kind: &str,
        target: &str,
        max_steps: Option<usize>,
        seed: Option<u64>,
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
        cancel: Option<CancelToken>,
    ) -> PyResult<JobResult> {
        let running = Running {
            cancel: cancel.map(|c| c.0).unwrap_or_default(),
            progress,
            threads,
        };
        let program = self.program.clone();
        let ended = running::run(py, running, |mut options| {
            options.max_steps = max_steps;
            options.seed = seed;
            match kind {
                "train" => program.train(target, &options).map(|c| c.map(Into::into)),
                "simulate" => program
                    .simulate(target, &options)
                    .map(|c| c.map(Into::into)),
                "discover" => program
                    .discover(target, &options)
                    .map(|c| c.map(Into::into)),
                "evolve" => program.evolve(target, &options).map(|c| c.map(Into::into)),
                other => Err(physc::Error::Job(physc::JobError::NotSupported(format!(
                    "no job kind `{other}`: train, simulate, discover or evolve"
                )))),
            }
        })?;
        let completed = ended.value.map_err(physc_error)?;
        Ok(JobResult::new(completed, ended.interrupted))
    }
}

/// Discover ODEs `dt(x) = f(x)` from samples held in memory: `t` (n), `states` (n × k) with
/// their `names`, a polynomial library of `degree` (and `trig` harmonics).
#[pyfunction]
#[pyo3(signature = (t, states, names, *, degree = 2, trig = None, threshold = None,
                    name = "arrays", threads = None, progress = None, cancel = None))]
#[allow(clippy::too_many_arguments)]
pub fn discover_arrays(
    py: Python<'_>,
    t: PyReadonlyArray1<'_, f64>,
    states: PyReadonlyArray2<'_, f64>,
    names: Vec<String>,
    degree: usize,
    trig: Option<usize>,
    threshold: Option<f64>,
    name: &str,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    cancel: Option<CancelToken>,
) -> PyResult<JobResult> {
    let t = t.as_array();
    let states = states.as_array();
    if t.len() != states.nrows() {
        return Err(PyValueError::new_err(format!(
            "t has {} samples but states has {} rows: one row per time",
            t.len(),
            states.nrows()
        )));
    }
    if names.len() != states.ncols() {
        return Err(PyValueError::new_err(format!(
            "{} names for {} columns of states: one name per column",
            names.len(),
            states.ncols()
        )));
    }
    arrays::finite("t", t.iter())?;
    arrays::finite("states", states.iter())?;
    let mut config =
        physc::DiscoverConfig::for_arrays(name, t.to_owned(), states.to_owned(), names)
            .with_library(degree, trig);
    if let Some(threshold) = threshold {
        config = config.with_stlsq(Threshold::Value(threshold), true, None);
    }
    let running = Running {
        cancel: cancel.map(|c| c.0).unwrap_or_default(),
        progress,
        threads,
    };
    let ended = running::run(py, running, |options| physc::discover(&config, &options))?;
    let completed = ended.value.map_err(|e| JobError::new_err(e.to_string()))?;
    Ok(JobResult::new(completed.map(Into::into), ended.interrupted))
}
