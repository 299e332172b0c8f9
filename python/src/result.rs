//! `physc._physc.JobResult`: what a job computed, held in Rust. Its arrays reach Python as
//! read-only NumPy views of the result's own memory; `save` writes what `physc run` writes.

use crate::arrays::{self, view};
use crate::errors::JobError;
use numpy::PyReadonlyArray1;
use physc::jobs::JobResult as Result_;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// A discovered equation as Python gets it: (lhs, rhs, latex, [(term, coefficient)]).
type Equation = (String, String, String, Vec<(String, f64)>);

/// The result of one job: train, simulate, discover or evolve.
#[pyclass(module = "physc._physc", frozen)]
pub struct JobResult {
    result: Result_,
    stopped: Option<String>,
    interrupted: bool,
}

impl JobResult {
    pub fn new(completed: physc::Completed<Result_>, interrupted: bool) -> JobResult {
        JobResult {
            result: completed.result,
            stopped: completed.stopped.map(|e| e.to_string()),
            interrupted,
        }
    }

    fn trained(&self) -> PyResult<&physc::Trained> {
        match &self.result {
            Result_::Trained(t) => Ok(t),
            _ => Err(PyValueError::new_err(format!(
                "a {} result has no trained network",
                self.kind()
            ))),
        }
    }
}

#[pymethods]
impl JobResult {
    /// `train`, `simulate`, `discover` or `evolve`.
    #[getter]
    fn kind(&self) -> &'static str {
        match &self.result {
            Result_::Trained(_) => "train",
            Result_::Simulated(_) => "simulate",
            Result_::Discovered(_) => "discover",
            Result_::Evolved(_) => "evolve",
        }
    }

    /// Why the job stopped before the end (its result is what it computed until then).
    #[getter]
    fn stopped(&self) -> Option<String> {
        self.stopped.clone()
    }

    /// Ctrl-C or the cancel token stopped the job.
    #[getter]
    fn interrupted(&self) -> bool {
        self.interrupted
    }

    /// `report.json` as JSON text.
    #[getter]
    fn report_json(&self) -> String {
        let report = match &self.result {
            Result_::Trained(t) => &t.report,
            Result_::Simulated(s) => s.report(),
            Result_::Discovered(d) => &d.report,
            Result_::Evolved(f) => &f.report,
        };
        report.to_string()
    }

    /// What `physc run` prints after the job.
    fn summary(&self) -> String {
        self.result.summary(None)
    }

    /// Write the files `physc run` writes into `dir` (created if needed).
    fn save(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        py.detach(|| self.result.write(&dir))
            .map_err(|e| JobError::new_err(e.to_string()))
    }

    /// The axes of the result's grid, by name (train: the output grid; simulate: time and
    /// the space axes), as NumPy arrays.
    fn axes<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let owner = slf.clone().into_any();
        let d = PyDict::new(py);
        match &slf.get().result {
            Result_::Trained(t) => {
                for (name, axis) in &t.fields.axes {
                    d.set_item(name, view(axis, owner.clone())?)?;
                }
            }
            Result_::Simulated(s) => match s.as_ref() {
                physc::Simulated::Trajectory(tr) => {
                    d.set_item("t", view(&tr.times, owner.clone())?)?;
                }
                physc::Simulated::Fields(f) => {
                    d.set_item(&f.time_name, view(&f.times, owner.clone())?)?;
                    for axis in &f.axes {
                        d.set_item(&axis.name, view(&axis.points, owner.clone())?)?;
                    }
                }
            },
            _ => {}
        }
        Ok(d)
    }

    /// The fields (train, simulated PDEs) or states (simulated ODEs) by name, as NumPy
    /// arrays over the axes (time first where there is time).
    fn fields<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let owner = slf.clone().into_any();
        let d = PyDict::new(py);
        match &slf.get().result {
            Result_::Trained(t) => {
                for (name, values) in &t.fields.fields {
                    d.set_item(name, view(values, owner.clone())?)?;
                }
            }
            Result_::Simulated(s) => match s.as_ref() {
                physc::Simulated::Trajectory(tr) => {
                    for (k, name) in tr.state_names.iter().enumerate() {
                        d.set_item(name, view(&tr.states.column(k), owner.clone())?)?;
                    }
                }
                physc::Simulated::Fields(f) => {
                    for field in &f.fields {
                        d.set_item(&field.name, view(&field.values, owner.clone())?)?;
                    }
                }
            },
            _ => {}
        }
        Ok(d)
    }

    /// Training's loss history: step, loss and each term's loss, by name.
    fn loss<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let history = &slf.get().trained()?.history;
        let owner = slf.clone().into_any();
        let d = PyDict::new(slf.py());
        d.set_item("step", view(&history.step, owner.clone())?)?;
        d.set_item("loss", view(&history.loss, owner.clone())?)?;
        for (k, term) in history.terms.iter().enumerate() {
            d.set_item(term, view(&history.term_loss.column(k), owner.clone())?)?;
        }
        Ok(d)
    }

    /// Training's learned parameters by name.
    fn params(&self) -> PyResult<Vec<(String, f64)>> {
        Ok(self.trained()?.params.clone())
    }

    /// The trained network's inputs and outputs, in order.
    fn network_io(&self) -> PyResult<(Vec<String>, Vec<String>)> {
        let t = self.trained()?;
        Ok((t.inputs().to_vec(), t.outputs().to_vec()))
    }

    /// The trained fields at any points: one 1-D array per network input, by name, all of
    /// the same length; one array per output.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        points: std::collections::HashMap<String, PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let t = self.trained()?;
        let inputs = t.inputs();
        if let Some(extra) = points.keys().find(|k| !inputs.contains(k)) {
            return Err(PyKeyError::new_err(format!(
                "`{extra}` is not an input of the network (its inputs: {})",
                inputs.join(", ")
            )));
        }
        let columns = inputs
            .iter()
            .map(|name| {
                points.get(name).map(|a| a.as_array()).ok_or_else(|| {
                    PyKeyError::new_err(format!(
                        "no points for the input `{name}` (the network's inputs: {})",
                        inputs.join(", ")
                    ))
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let n = columns.first().map_or(0, |c| c.len());
        if let Some((name, c)) = inputs.iter().zip(&columns).find(|(_, c)| c.len() != n) {
            return Err(PyValueError::new_err(format!(
                "`{name}` has {} points but `{}` has {n}: every input needs one value per point",
                c.len(),
                inputs[0]
            )));
        }
        for (name, c) in inputs.iter().zip(&columns) {
            arrays::finite(name, c.iter())?;
        }
        let mut stacked = ndarray::Array2::<f64>::zeros((n, columns.len()));
        for (k, c) in columns.iter().enumerate() {
            stacked.column_mut(k).assign(c);
        }
        let values = py
            .detach(|| t.evaluate(stacked.view()))
            .map_err(|e| JobError::new_err(e.to_string()))?;
        let d = PyDict::new(py);
        for (k, name) in t.outputs().iter().enumerate() {
            let column = values.column(k).to_owned();
            d.set_item(name, numpy::IntoPyArray::into_pyarray(column, py))?;
        }
        Ok(d)
    }

    /// Discovery's equations: (lhs, rhs, latex, [(term, coefficient)]) each.
    fn equations(&self) -> PyResult<Vec<Equation>> {
        match &self.result {
            Result_::Discovered(d) => Ok(d
                .equations
                .iter()
                .map(|e| {
                    (
                        e.lhs.clone(),
                        e.rhs.clone(),
                        e.latex.clone(),
                        e.coefficients.clone(),
                    )
                })
                .collect()),
            _ => Err(PyValueError::new_err(format!(
                "a {} result has no discovered equations",
                self.kind()
            ))),
        }
    }

    /// Discovery's model as `.phys` source (`discovered.phys`).
    fn discovered_model(&self) -> PyResult<String> {
        match &self.result {
            Result_::Discovered(d) => Ok(d.model.clone()),
            _ => Err(PyValueError::new_err(format!(
                "a {} result has no discovered model",
                self.kind()
            ))),
        }
    }
}
