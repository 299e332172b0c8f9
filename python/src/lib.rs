//! The native module of the Python package `physc` (`physc._physc`): a thin layer over the
//! embedding API of the `physc` crate. Source text and paths come in as `str`, arrays as
//! NumPy arrays; diagnostics, reports and results go out as Python data and NumPy arrays.
//! Long work runs with the GIL released (`running.rs`); the pure-Python package around this
//! module adds the conveniences (tqdm, SymPy, plots in Jupyter).

mod arrays;
mod errors;
mod program;
mod result;
mod running;

use errors::{check_error, PhyscError};
use pyo3::prelude::*;

/// Check a file (a path) or source text; the diagnostics as JSON text (a list of objects
/// with code, severity, message, help, notes and labelled spans with line and column) and
/// as `physc check` prints them.
#[pyfunction]
#[pyo3(signature = (path_or_source, name = None))]
fn check(path_or_source: &str, name: Option<&str>) -> (String, String) {
    let checked = match program::load(path_or_source, name) {
        Ok(program) => program.warnings(),
        Err(e) => e.0,
    };
    (checked.json.to_string(), checked.rendered)
}

/// An expression simplified by the e-graph simplifier: (result, latex, ops before, ops after).
#[pyfunction]
#[pyo3(signature = (expr, form = "readable"))]
fn simplify(expr: &str, form: &str) -> PyResult<(String, String, usize, usize)> {
    let form = match form {
        "readable" => physc::Form::Readable,
        "ops" => physc::Form::Ops,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "form must be \"readable\" or \"ops\", not {other:?}"
            )))
        }
    };
    let options = physc::SimplifyOptions {
        form,
        count_only: false,
    };
    let s = physc::simplify("<expression>", expr, options).map_err(check_error)?;
    Ok((s.result, s.latex, s.input_ops, s.ops))
}

#[pymodule]
fn _physc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(simplify, m)?)?;
    m.add_function(wrap_pyfunction!(program::discover_arrays, m)?)?;
    m.add_class::<program::Program>()?;
    m.add_class::<result::JobResult>()?;
    m.add_class::<running::CancelToken>()?;
    m.add("PhyscError", m.py().get_type::<PhyscError>())?;
    m.add("CheckError", m.py().get_type::<errors::CheckError>())?;
    m.add("JobError", m.py().get_type::<errors::JobError>())?;
    Ok(())
}
