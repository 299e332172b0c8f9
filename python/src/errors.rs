//! The Python exceptions: `PhyscError`, and below it `CheckError` (a file that does not
//! check: the message is the rendered diagnostics, `args[1]` their JSON) and `JobError`
//! (a job that could not start or failed).

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(_physc, PhyscError, PyException, "An error from physc.");
create_exception!(
    _physc,
    CheckError,
    PhyscError,
    "A .phys source with errors: str(e) is what `physc check` prints, e.diagnostics the list."
);
create_exception!(
    _physc,
    JobError,
    PhyscError,
    "A job that could not start or failed."
);

/// A source that did not check: `CheckError(rendered)` with the diagnostics' JSON in its
/// attribute `diagnostics_json` (the Python package turns it into `e.diagnostics`).
pub fn check_error(checked: physc::Checked) -> PyErr {
    Python::attach(|py| {
        let err = CheckError::new_err(checked.rendered);
        let json = checked.json.to_string();
        if let Err(e) = err.value(py).setattr("diagnostics_json", json) {
            return e;
        }
        err
    })
}

/// An error of the embedding API as the matching exception.
pub fn physc_error(error: physc::Error) -> PyErr {
    match error {
        physc::Error::Check(e) => check_error(e.0),
        other => JobError::new_err(other.to_string()),
    }
}
