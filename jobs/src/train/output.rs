//! What a training run leaves in `out/<Model>/`, written from its in-memory result by
//! [`Trained::write`]: the loss history (`loss.csv`, `loss.png`), the fields on a regular
//! grid (`fields.npz` with one array per input variable and per field component shaped
//! `[len(t), len(x), …]`, time first as every job writes fields, `fields.vtk` for ParaView,
//! `field_<name>.png`), the comparison with a reference (`comparison.npz`,
//! `error_<name>.png`, `error.csv` the error over the run), `report.json` and `checkpoint.npz` (what `--resume` continues
//! from). Every file is written atomically; the report, which lists the others, comes last.

use super::error_history::ErrorHistory;
use super::grid::{transpose, Grid};
use super::integrals::IntegralSeries;
use super::trained::{error_plot, field_plot, plottable, FieldGrid, Trained, VTK_MAX_AXES};
use crate::JobError;
use ndarray::{Array1, ArrayD};
use physc_runtime::output::plot::{self, Figure, Panels};
use physc_runtime::output::{csv, npz, report, vtk, Array};
use std::path::Path;

fn io<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

impl Trained {
    /// Write every file of the run into `dir` (created if missing), exactly as `physc run`
    /// does.
    pub fn write(&self, dir: &Path) -> Result<(), JobError> {
        write_files(self, dir).map_err(JobError::Output)
    }
}

/// An array's values in row-major order, whatever its memory layout.
fn row_major(a: &ArrayD<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

fn axes(grid: &FieldGrid) -> Grid {
    Grid {
        axes: grid.axes.iter().map(|(_, a)| a.to_vec()).collect(),
    }
}

fn write_files(trained: &Trained, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    trained.checkpoint.write(dir)?;
    write_history(trained, dir)?;

    let fields = &trained.fields;
    let names: Vec<String> = fields.axes.iter().map(|(n, _)| n.clone()).collect();
    npz_of_grid(&dir.join("fields.npz"), fields, Vec::new())?;
    let grid = axes(fields);
    let values: Vec<Vec<f64>> = fields.fields.iter().map(|(_, a)| row_major(a)).collect();
    if grid.axes.len() <= VTK_MAX_AXES {
        let axes: Vec<(&str, &[f64])> = names
            .iter()
            .map(String::as_str)
            .zip(grid.axes.iter().map(Vec::as_slice))
            .collect();
        let columns: Vec<(&str, &[f64])> = fields
            .fields
            .iter()
            .map(|(n, _)| n.as_str())
            .zip(values.iter().map(Vec::as_slice))
            .collect();
        vtk::write_rectilinear(&dir.join("fields.vtk"), &axes, &columns).map_err(io)?;
    }
    let axes_of = Axes {
        names: &names,
        time_input: trained.time_input,
    };
    if plottable(grid.axes.len()) {
        for ((name, _), v) in fields.fields.iter().zip(&values) {
            plot_field(
                &dir.join(field_plot(name)),
                &format!("{name} (trained)"),
                &grid,
                v,
                &axes_of,
                name,
            )?;
        }
    }

    if let Some(p) = &trained.predictions {
        p.write(&dir.join("predictions.npz"))?;
    }

    write_integrals_over_time(trained, dir)?;

    if let Some(comparison) = &trained.comparison {
        let predicted = &comparison.predicted;
        let grid = axes(predicted);
        let mut extra = Vec::new();
        for ((name, p), r) in predicted.fields.iter().zip(&comparison.reference) {
            let (p, r) = (row_major(p), row_major(r));
            let error: Vec<f64> = p.iter().zip(&r).map(|(a, b)| a - b).collect();
            if plottable(grid.axes.len()) {
                plot_field(
                    &dir.join(error_plot(name)),
                    &format!("{name}: trained − reference"),
                    &grid,
                    &error,
                    &axes_of,
                    "error",
                )?;
            }
            extra.push((name.clone(), p));
            extra.push((format!("{name}_reference"), r));
            extra.push((format!("{name}_error"), error));
        }
        // The compared fields with their references and errors, not the fields alone.
        let only_axes = FieldGrid {
            axes: predicted.axes.clone(),
            fields: Vec::new(),
        };
        npz_of_grid(&dir.join("comparison.npz"), &only_axes, extra)?;
        write_error_history(&comparison.history, dir)?;
    }
    report::write(dir, &trained.report).map_err(io)?;
    Ok(())
}

/// In a model with time, `integrals.csv` (the time, then each integral at it) and
/// `integrals.png` (one panel per integral).
fn write_integrals_over_time(trained: &Trained, dir: &Path) -> Result<(), String> {
    let series: Vec<(&str, &IntegralSeries)> = trained
        .integrals
        .iter()
        .filter_map(|i| Some((i.name.as_str(), i.over_time.as_ref()?)))
        .collect();
    let Some((_, first)) = series.first() else {
        return Ok(());
    };
    let time = trained.fields.axes[trained.time_input.unwrap_or(0)]
        .0
        .as_str();
    let mut columns: Vec<(&str, &[f64])> = vec![(time, &first.times)];
    columns.extend(series.iter().map(|(n, s)| (*n, s.values.as_slice())));
    csv::write(&dir.join("integrals.csv"), &columns).map_err(io)?;
    plot::time_series(
        &dir.join("integrals.png"),
        &Figure::new("integrals", time, "value"),
        &first.times,
        &columns[1..],
        Panels::Stacked,
    )
    .map_err(io)
}

/// `error.csv`: step, training seconds and each compared field's relative L2 error.
fn write_error_history(history: &ErrorHistory, dir: &Path) -> Result<(), String> {
    let mut columns: Vec<(String, Vec<f64>)> = vec![
        ("step".into(), history.step.to_vec()),
        ("seconds".into(), history.seconds.to_vec()),
    ];
    columns.extend(
        history
            .fields
            .iter()
            .zip(history.rel_l2.columns())
            .map(|(name, column)| (format!("rel_l2 {name}"), column.to_vec())),
    );
    let named: Vec<(&str, &[f64])> = columns
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    csv::write(&dir.join("error.csv"), &named).map_err(io)
}

/// `loss.csv` (step, stage, loss, each term's loss, each learnable parameter, rate, and
/// with automatic weights each term's factor) and,
/// when there is a positive loss to draw on a log scale, `loss.png`.
fn write_history(trained: &Trained, dir: &Path) -> Result<(), String> {
    let h = &trained.history;
    let column = |a: &Array1<f64>| a.to_vec();
    let mut columns: Vec<(String, Vec<f64>)> = vec![
        ("step".into(), column(&h.step)),
        ("stage".into(), column(&h.stage)),
        ("loss".into(), column(&h.loss)),
    ];
    let term_columns: Vec<Vec<f64>> = h
        .term_loss
        .columns()
        .into_iter()
        .map(|c| c.to_vec())
        .collect();
    columns.extend(
        h.terms
            .iter()
            .map(|t| format!("loss {t}"))
            .zip(term_columns.iter().cloned()),
    );
    columns.extend(
        h.params
            .iter()
            .cloned()
            .zip(h.param_values.columns().into_iter().map(|c| c.to_vec())),
    );
    columns.push(("rate".into(), column(&h.rate)));
    if let Some(balance) = &h.term_balance {
        columns.extend(
            h.terms
                .iter()
                .map(|t| format!("balance {t}"))
                .zip(balance.columns().into_iter().map(|c| c.to_vec())),
        );
    }
    if let Some((names, attention)) = &h.term_attention {
        columns.extend(
            names
                .iter()
                .map(|t| format!("attention {t}"))
                .zip(attention.columns().into_iter().map(|c| c.to_vec())),
        );
    }
    let named: Vec<(&str, &[f64])> = columns
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    csv::write(&dir.join("loss.csv"), &named).map_err(io)?;
    if h.has_positive_loss() {
        let total = column(&h.loss);
        let mut curves: Vec<(&str, &[f64])> = vec![("total", &total)];
        curves.extend(
            h.terms
                .iter()
                .map(String::as_str)
                .zip(term_columns.iter().map(Vec::as_slice)),
        );
        plot::loss_curves(
            &dir.join("loss.png"),
            &Figure::new("training loss", "step", "loss"),
            &curves,
        )
        .map_err(io)?;
    }
    Ok(())
}

/// An NPZ of a grid's axes, its fields, then `extra` arrays shaped like the fields.
fn npz_of_grid(
    path: &Path,
    grid: &FieldGrid,
    extra: Vec<(String, Vec<f64>)>,
) -> Result<(), String> {
    let shape: Vec<usize> = grid.axes.iter().map(|(_, a)| a.len()).collect();
    let mut arrays: Vec<(String, Array)> = grid
        .axes
        .iter()
        .map(|(n, a)| (n.clone(), Array::vector(a.to_vec())))
        .collect();
    for (name, values) in grid
        .fields
        .iter()
        .map(|(n, a)| (n.clone(), row_major(a)))
        .chain(extra)
    {
        arrays.push((name, Array::with_shape(shape.clone(), values).map_err(io)?));
    }
    let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
    npz::write(path, &refs).map_err(io)
}

// ---------------------------------------------------------------------------------------
// Plots

/// What a plot needs to know about the grid's axes besides their coordinates.
struct Axes<'a> {
    /// The network inputs' names.
    names: &'a [String],
    time_input: Option<usize>,
}

/// A 2-D picture of a field on a grid: time (or the second axis) up, the other across; for
/// three inputs, the slice at the last time (or last value of the last axis).
fn picture(grid: &Grid, values: &[f64], axes: &Axes) -> Option<(Array, (usize, usize), String)> {
    let shape = grid.shape();
    match shape.len() {
        2 => {
            let up = axes.time_input.unwrap_or(1);
            let across = 1 - up;
            let data = if up == 0 {
                values.to_vec()
            } else {
                transpose(values, shape[0], shape[1])
            };
            let array = Array::matrix(shape[up], shape[across], data).ok()?;
            Some((array, (across, up), String::new()))
        }
        3 => {
            let fixed = axes.time_input.unwrap_or(2);
            let others: Vec<usize> = (0..3).filter(|&a| a != fixed).collect();
            let (across, up) = (others[0], others[1]);
            let last = shape[fixed] - 1;
            let mut data = Vec::with_capacity(shape[up] * shape[across]);
            for j in 0..shape[up] {
                for i in 0..shape[across] {
                    let mut idx = [0usize; 3];
                    idx[fixed] = last;
                    idx[up] = j;
                    idx[across] = i;
                    data.push(values[(idx[0] * shape[1] + idx[1]) * shape[2] + idx[2]]);
                }
            }
            let array = Array::matrix(shape[up], shape[across], data).ok()?;
            let at = format!(" at {} = {}", axes.names[fixed], grid.axes[fixed][last]);
            Some((array, (across, up), at))
        }
        _ => None,
    }
}

/// Draw a field on a grid of one to three inputs (see [`plottable`]).
fn plot_field(
    path: &Path,
    title: &str,
    grid: &Grid,
    values: &[f64],
    axes: &Axes,
    label: &str,
) -> Result<(), String> {
    if grid.axes.len() == 1 {
        let fig = Figure::new(title, &axes.names[0], label);
        plot::time_series(
            path,
            &fig,
            &grid.axes[0],
            &[(label, values)],
            Panels::Shared,
        )
        .map_err(io)?;
        return Ok(());
    }
    let (array, (across, up), at) = picture(grid, values, axes).ok_or_else(|| {
        format!(
            "cannot draw `{}`: the grid does not fit the field",
            path.display()
        )
    })?;
    let range = |a: usize| (grid.axes[a][0], grid.axes[a][grid.axes[a].len() - 1]);
    let title = format!("{title}{at}");
    let fig = Figure::new(&title, &axes.names[across], &axes.names[up]);
    plot::heatmap(path, &fig, &array, range(up), range(across), label).map_err(io)?;
    Ok(())
}
