//! Arrays across the boundary: the result's arrays as read-only NumPy views of the memory
//! the result owns (no copy), and checks of the arrays that come in.

use ndarray::{ArrayBase, Data, Dimension};
use numpy::PyArray;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A read-only NumPy view of `array`, which `owner` (a Python object) keeps alive and never
/// changes: the result's arrays are not copied.
pub fn view<'py, S, D>(
    array: &ArrayBase<S, D>,
    owner: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>>
where
    S: Data<Elem = f64>,
    D: Dimension,
{
    // SAFETY: `owner` holds the result whose array this is; results are never mutated after
    // they are made, and the view is made read-only so Python does not write through it.
    let view = unsafe { PyArray::borrow_from_array(array, owner) };
    view.getattr("flags")?.setattr("writeable", false)?;
    Ok(view.into_any())
}

/// A ValueError naming `what` unless every value is finite.
pub fn finite<'a>(what: &str, values: impl IntoIterator<Item = &'a f64>) -> PyResult<()> {
    match values.into_iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(PyValueError::new_err(format!(
            "{what} holds a value that is not finite (NaN or infinite) at flat index {i}"
        ))),
    }
}
