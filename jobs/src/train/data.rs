//! Observations for `data` statements: an NPZ file with one array per network input (named
//! after the variable) and one per field component it observes, all of the same length.
//! Every problem (missing file, missing array, different lengths, NaN, a point outside the
//! domain) is an error naming the file and the array.

use super::problem::Observations;
use physc_compiler::check::settings::TrainSettings;
use physc_compiler::check::Model;
use physc_runtime::output::{npz, Array};

pub fn load(model: &Model, config: &TrainSettings) -> Result<Vec<Observations>, String> {
    model
        .data
        .iter()
        .map(|source| {
            let shown = source.path.display();
            let arrays = npz::read(&source.path)
                .map_err(|e| format!("cannot read the data file `{shown}`: {e}"))?;
            let column = |name: &str| -> Result<Vec<f64>, String> {
                let array = find(&arrays, name).ok_or_else(|| {
                    let names: Vec<&str> = arrays.iter().map(|(n, _)| n.as_str()).collect();
                    format!(
                        "the data file `{shown}` has no array `{name}` (it has: {})",
                        names.join(", ")
                    )
                })?;
                let values = array.data().to_vec();
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    return Err(format!(
                        "array `{name}` of `{shown}` has a non-finite value at index {i}"
                    ));
                }
                Ok(values)
            };
            let mut coordinates = Vec::new();
            for &v in &config.inputs() {
                let var = &model.variables[v];
                let values = column(&var.name)?;
                let slack = 1e-9 * (var.hi - var.lo).abs().max(1.0);
                if let Some(x) = values
                    .iter()
                    .find(|x| **x < var.lo - slack || **x > var.hi + slack)
                {
                    return Err(format!(
                        "`{shown}`: {} = {x} lies outside the domain [{}, {}]",
                        var.name, var.lo, var.hi
                    ));
                }
                coordinates.push(values);
            }
            let mut names = Vec::new();
            let mut values = Vec::new();
            for &f in &source.fields {
                let field = &model.fields[f];
                for c in 0..field.components() {
                    let name = model.field_ref_name(physc_compiler::check::FieldRef {
                        field: f,
                        component: c,
                    });
                    values.push(column(&name)?);
                    names.push(name);
                }
            }
            let len = coordinates.first().or(values.first()).map_or(0, Vec::len);
            if len == 0 {
                return Err(format!("the data file `{shown}` has no observations"));
            }
            let all = coordinates
                .iter()
                .map(|c| c.len())
                .chain(values.iter().map(|c| c.len()));
            if all.into_iter().any(|l| l != len) {
                return Err(format!("the arrays of `{shown}` have different lengths"));
            }
            Ok(Observations {
                coordinates,
                values,
                names,
            })
        })
        .collect()
}

fn find<'a>(arrays: &'a [(String, Array)], name: &str) -> Option<&'a Array> {
    arrays.iter().find(|(n, _)| n == name).map(|(_, a)| a)
}
