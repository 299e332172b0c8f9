//! `predict "points.npz"`: the trained fields at the user's own points. The file holds one
//! array per network input, named after its variable, all of one shape; it is read and
//! checked before training ([`read`]), and after training every field component is
//! evaluated there ([`Predictions`], in memory; `output.rs` writes `predictions.npz`).

use super::problem::Problem;
use ndarray::ArrayD;
use physc_runtime::output::{npz, Array};
use std::path::Path;

/// The points of `predict`, checked: the file as the block names it, and one column per
/// network input (network-input order) with the arrays' common shape.
#[derive(Debug, Clone)]
pub struct PredictPoints {
    pub file: String,
    pub shape: Vec<usize>,
    pub columns: Vec<Vec<f64>>,
}

/// The trained fields at the points of `predict`: the points as given (one array per
/// variable, in network-input order) and each field component (network-output order), all
/// of the points' shape.
#[derive(Debug, Clone)]
pub struct Predictions {
    pub file: String,
    pub points: Vec<(String, ArrayD<f64>)>,
    pub fields: Vec<(String, ArrayD<f64>)>,
}

/// Read and check the file of `predict` (relative to `base`, the .phys file's directory).
pub fn read(spec: &str, base: &Path, problem: &Problem) -> Result<PredictPoints, String> {
    let path = base.join(spec);
    let shown = path.display();
    let arrays = npz::read(&path).map_err(|e| format!("`predict`: cannot read `{shown}`: {e}"))?;
    let mut shape: Option<(&str, Vec<usize>)> = None;
    let mut columns = Vec::new();
    for name in &problem.input_names {
        let (_, array) = arrays.iter().find(|(n, _)| n == name).ok_or_else(|| {
            let present: Vec<&str> = arrays.iter().map(|(n, _)| n.as_str()).collect();
            format!(
                "`predict`: `{shown}` has no array `{name}` (one array per variable: {}; it has {})",
                problem.input_names.join(", "),
                if present.is_empty() {
                    "none".to_string()
                } else {
                    present.join(", ")
                }
            )
        })?;
        match &shape {
            None => shape = Some((name, array.shape().to_vec())),
            Some((first, s)) if s.as_slice() != array.shape() => {
                return Err(format!(
                    "`predict`: the arrays of `{shown}` differ in shape or lengths: `{first}` is {s:?}, `{name}` is {:?}",
                    array.shape()
                ))
            }
            Some(_) => {}
        }
        if let Some(i) = array.data().iter().position(|v| !v.is_finite()) {
            return Err(format!(
                "`predict`: `{name}` in `{shown}` holds a value that is not finite ({} at index {i})",
                array.data()[i]
            ));
        }
        columns.push(array.data().to_vec());
    }
    let shape = shape.map(|(_, s)| s).unwrap_or_default();
    if columns.first().is_none_or(Vec::is_empty) {
        return Err(format!("`predict`: `{shown}` holds no points"));
    }
    Ok(PredictPoints {
        file: spec.to_string(),
        shape,
        columns,
    })
}

impl PredictPoints {
    /// The fields' values (network-output order, one column each) at these points, as
    /// [`Predictions`].
    pub(super) fn predictions(
        &self,
        problem: &Problem,
        values: Vec<Vec<f64>>,
    ) -> Result<Predictions, String> {
        let array = |data: Vec<f64>| {
            ArrayD::from_shape_vec(self.shape.clone(), data).map_err(|e| e.to_string())
        };
        Ok(Predictions {
            file: self.file.clone(),
            points: problem
                .input_names
                .iter()
                .cloned()
                .zip(self.columns.iter().cloned())
                .map(|(n, c)| Ok((n, array(c)?)))
                .collect::<Result<_, String>>()?,
            fields: problem
                .output_names
                .iter()
                .cloned()
                .zip(values)
                .map(|(n, c)| Ok((n, array(c)?)))
                .collect::<Result<_, String>>()?,
        })
    }
}

impl Predictions {
    /// Writes the points and the fields, each array of the points' shape, to the NPZ file
    /// `path` (atomically).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let arrays: Vec<(String, Array)> = self
            .points
            .iter()
            .chain(&self.fields)
            .map(|(n, a)| {
                Array::with_shape(a.shape().to_vec(), a.iter().copied().collect())
                    .map(|array| (n.clone(), array))
                    .map_err(|e| format!("{}: {e:?}", path.display()))
            })
            .collect::<Result<_, _>>()?;
        let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
        npz::write(path, &refs).map_err(|e| e.to_string())
    }
}
