//! The result of simulating a PDE model by the method of lines — [`Fields`]: the output
//! times, the grid axes, and every field on the grid at every output time — and writing it.
//! A 1-D model of one field (`pde_run.rs`) writes `fields.npz` (`x`, `t`, and `u` shaped
//! [len(t), len(x)]), a wide CSV (one column per grid point), a space–time heatmap and
//! `report.json`; a tensor-grid model (`grid_pde_run.rs`) writes `fields.npz` (the axes,
//! `t`, and each field shaped [len(t), len(x), len(y)]), a long CSV (one row per time and
//! point), the final state as VTK for ParaView, one picture per field and `report.json`.

use super::JobError;
use ndarray::{Array1, ArrayD, ArrayView1, Axis as ArrayAxis};
use physc_runtime::ode::Stats;
use physc_runtime::output::plot::{self, Figure};
use physc_runtime::output::{csv, npz, report, vtk, Array, OutputError};
use std::path::Path;

/// One space axis of the grid.
#[derive(Debug, Clone)]
pub struct Axis {
    /// The space variable (`x`).
    pub name: String,
    /// The interval the model declares for it.
    pub lo: f64,
    pub hi: f64,
    /// The grid points along it (a periodic axis leaves out `hi`, which is `lo` again).
    pub points: Array1<f64>,
}

/// One scalar field (a vector field's component is `p.x`) at every output time.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// Indexed by (time, x) in 1-D and (time, x, y) in 2-D: `values[[k, i, j]]` is the field
    /// at `times[k]`, `axes[0].points[i]`, `axes[1].points[j]`.
    pub values: ArrayD<f64>,
}

/// A PDE model's simulated fields, as far as the integration got.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The time variable's name (`t`).
    pub time_name: String,
    /// The output times reached, in order: every time the job asked for, or those before
    /// the point where the run stopped early.
    pub times: Array1<f64>,
    /// The space axes, in the model's order.
    pub axes: Vec<Axis>,
    /// Every field, in the model's order.
    pub fields: Vec<Field>,
    /// Accepted and rejected steps, right-hand side and Jacobian evaluations.
    pub stats: Stats,
    /// What `report.json` holds: the equations, grid, statistics, whether the run completed
    /// and the error that stopped it.
    pub report: serde_json::Value,
    /// Wall-clock seconds of the integration.
    pub seconds: f64,
    /// Which solver ran, which decides the files written.
    pub(super) solver: Solver,
}

/// The two method-of-lines runners, whose files differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Solver {
    /// One field on a line (`pde_run.rs`: finite differences or spectral, ETDRK4).
    Line,
    /// Several fields or two dimensions on a tensor grid (`grid_pde_run.rs`).
    TensorGrid,
}

/// The files a one-field 1-D run lists in its report.
pub(super) const LINE_FILES: [&str; 4] = ["fields.npz", "fields.csv", "report.json", "field.png"];

/// The files a tensor-grid run writes for these fields after `outputs` output times on a
/// grid of `dims` axes (the pictures need two times in 1-D, one in 2-D).
pub(super) fn tensor_grid_files(fields: &[String], outputs: usize, dims: usize) -> Vec<String> {
    let mut files: Vec<String> = ["fields.npz", "fields.csv", "report.json"]
        .map(String::from)
        .into();
    if outputs >= 1 {
        files.push("final.vtk".into());
        if outputs >= 2 || dims >= 2 {
            files.extend(fields.iter().map(|name| picture_name(name)));
        }
    }
    files
}

fn picture_name(field: &str) -> String {
    format!("{}.png", field.replace('.', "_"))
}

impl Fields {
    /// The values of the field `name` (axes: time, then space), if there is such a field.
    pub fn field(&self, name: &str) -> Option<&ArrayD<f64>> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| &f.values)
    }

    /// The number of grid points (the product of the axes' lengths).
    pub fn grid_len(&self) -> usize {
        self.axes.iter().map(|a| a.points.len()).product()
    }

    /// Write the fields, the pictures and `report.json` into `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<(), JobError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| JobError::Output(format!("cannot create `{}`: {e}", dir.display())))?;
        match self.solver {
            Solver::Line => self.write_line(dir),
            Solver::TensorGrid => self.write_tensor_grid(dir),
        }
        .map_err(JobError::Output)
    }

    /// What a terminal shows after the run: the grid, the work done, and where the files went.
    pub fn summary(&self, dir: Option<&Path>) -> String {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        let grid = match self.solver {
            Solver::Line => format!("{} points", self.grid_len()),
            Solver::TensorGrid => {
                let sizes: Vec<String> = self
                    .axes
                    .iter()
                    .map(|a| a.points.len().to_string())
                    .collect();
                format!("{} grid", sizes.join(" × "))
            }
        };
        let mut text = format!(
            "{}: {grid}, {} steps ({} rejected) in {:.3} s",
            names.join(", "),
            self.stats.steps,
            self.stats.rejected,
            self.seconds
        );
        if let Some(dir) = dir {
            text.push_str(&format!("; wrote {}", dir.display()));
        }
        text
    }

    /// Field `f` at time index `k`, flat in row-major grid order.
    fn at_time(&self, f: usize, k: usize) -> Vec<f64> {
        self.fields[f]
            .values
            .index_axis(ArrayAxis(0), k)
            .iter()
            .copied()
            .collect()
    }

    /// Field `f` at every output time, one row per time.
    fn rows(&self, f: usize) -> Vec<Vec<f64>> {
        (0..self.times.len()).map(|k| self.at_time(f, k)).collect()
    }

    fn time_range(&self) -> (f64, f64) {
        (self.times[0], self.times[self.times.len() - 1])
    }

    fn write_line(&self, dir: &Path) -> Result<(), String> {
        let err = |e: OutputError| e.to_string();
        let (axis, field) = (&self.axes[0], &self.fields[0]);
        let rows = self.rows(0);
        let values = Array::from_rows(&rows).map_err(|e| e.at(dir).to_string())?;
        let xs = Array::vector(axis.points.to_vec());
        let ts = Array::vector(self.times.to_vec());
        npz::write(
            &dir.join("fields.npz"),
            &[
                (axis.name.as_str(), &xs),
                (self.time_name.as_str(), &ts),
                (field.name.as_str(), &values),
            ],
        )
        .map_err(err)?;
        let mut columns: Vec<(String, Vec<f64>)> =
            vec![(self.time_name.clone(), self.times.to_vec())];
        for (i, xi) in axis.points.iter().enumerate() {
            columns.push((
                format!("{}({xi})", field.name),
                rows.iter().map(|row| row[i]).collect(),
            ));
        }
        let named: Vec<(&str, &[f64])> = columns
            .iter()
            .map(|(n, c)| (n.as_str(), c.as_slice()))
            .collect();
        csv::write(&dir.join("fields.csv"), &named).map_err(err)?;
        if self.times.len() >= 2 {
            let title = format!("{} on {} × {}", field.name, axis.name, self.time_name);
            plot::heatmap(
                &dir.join("field.png"),
                &Figure::new(&title, &axis.name, &self.time_name),
                &values,
                self.time_range(),
                (axis.lo, axis.hi),
                &field.name,
            )
            .map_err(err)?;
        }
        report::write(dir, &self.report).map_err(err)?;
        Ok(())
    }

    fn write_tensor_grid(&self, dir: &Path) -> Result<(), String> {
        let err = |e: OutputError| e.to_string();
        let n = self.grid_len();
        let nt = self.times.len();
        let points: Vec<Vec<f64>> = self.axes.iter().map(|a| a.points.to_vec()).collect();
        let axes: Vec<(&str, &[f64])> = self
            .axes
            .iter()
            .zip(&points)
            .map(|(a, p)| (a.name.as_str(), p.as_slice()))
            .collect();
        let field_data: Vec<Vec<f64>> = self
            .fields
            .iter()
            .map(|f| f.values.iter().copied().collect())
            .collect();
        let mut arrays: Vec<(String, Array)> = axes
            .iter()
            .map(|(name, c)| (name.to_string(), Array::vector(c.to_vec())))
            .collect();
        arrays.push((self.time_name.clone(), Array::vector(self.times.to_vec())));
        for (field, data) in self.fields.iter().zip(&field_data) {
            let array = Array::with_shape(field.values.shape().to_vec(), data.clone())
                .map_err(|e| e.at(dir).to_string())?;
            arrays.push((field.name.clone(), array));
        }
        let named: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
        npz::write(&dir.join("fields.npz"), &named).map_err(err)?;

        let mut columns: Vec<(String, Vec<f64>)> = vec![(
            self.time_name.clone(),
            self.times
                .iter()
                .flat_map(|t| std::iter::repeat_n(*t, n))
                .collect(),
        )];
        for (axis, c) in self.axes.iter().zip(coordinates(&points)) {
            columns.push((
                axis.name.clone(),
                c.iter().copied().cycle().take(n * nt).collect(),
            ));
        }
        for (field, data) in self.fields.iter().zip(field_data) {
            columns.push((field.name.clone(), data));
        }
        let named: Vec<(&str, &[f64])> = columns
            .iter()
            .map(|(n, c)| (n.as_str(), c.as_slice()))
            .collect();
        csv::write(&dir.join("fields.csv"), &named).map_err(err)?;

        if nt >= 1 {
            let finals: Vec<Vec<f64>> = (0..self.fields.len())
                .map(|f| self.at_time(f, nt - 1))
                .collect();
            let named: Vec<(&str, &[f64])> = self
                .fields
                .iter()
                .zip(&finals)
                .map(|(f, values)| (f.name.as_str(), values.as_slice()))
                .collect();
            vtk::write_rectilinear(&dir.join("final.vtk"), &axes, &named)
                .map_err(|e| e.to_string())?;
            for f in 0..self.fields.len() {
                let path = dir.join(picture_name(&self.fields[f].name));
                self.picture(&path, f).map_err(err)?;
            }
        }
        report::write(dir, &self.report).map_err(err)?;
        Ok(())
    }

    /// A space–time heatmap in 1-D (when there are two times to span), the final state over
    /// the plane in 2-D.
    fn picture(&self, path: &Path, f: usize) -> Result<(), OutputError> {
        let name = &self.fields[f].name;
        let x = &self.axes[0];
        if self.axes.len() == 1 {
            if self.times.len() < 2 {
                return Ok(());
            }
            let field = Array::from_rows(&self.rows(f)).map_err(|e| e.at(path))?;
            let title = format!("{name} on {} × {}", x.name, self.time_name);
            return plot::heatmap(
                path,
                &Figure::new(&title, &x.name, &self.time_name),
                &field,
                self.time_range(),
                (x.lo, x.hi),
                name,
            );
        }
        let y = &self.axes[1];
        let last = self.times.len() - 1;
        let final_state = self.fields[f].values.index_axis(ArrayAxis(0), last);
        // Rows go up the picture: y, with x across.
        let rows: Vec<Vec<f64>> = final_state
            .columns()
            .into_iter()
            .map(|along_x: ArrayView1<f64>| along_x.to_vec())
            .collect();
        let field = Array::from_rows(&rows).map_err(|e| e.at(path))?;
        let title = format!("{name} at {} = {}", self.time_name, self.times[last]);
        plot::heatmap(
            path,
            &Figure::new(&title, &x.name, &y.name),
            &field,
            (y.lo, y.hi),
            (x.lo, x.hi),
            name,
        )
    }
}

/// One column per axis: the coordinate of every grid point along it, in row-major order
/// (the last axis fastest), as the fields are flattened.
fn coordinates(points: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n: usize = points.iter().map(Vec::len).product();
    (0..points.len())
        .map(|a| {
            let stride: usize = points[a + 1..].iter().map(Vec::len).product();
            (0..n)
                .map(|i| points[a][(i / stride) % points[a].len()])
                .collect()
        })
        .collect()
}
