//! What a training run leaves in `out/<Model>/`: the loss history (`loss.csv`, `loss.png`),
//! the fields on a regular grid (`fields.npz` with one array per input variable and per field
//! component shaped `[len(v1), len(v2), …]` in network-input order, `fields.vtk` for
//! ParaView, `field_<name>.png`), the comparison with a reference (`comparison.npz`,
//! `error_<name>.png`, `rel_l2` in the report), `report.json` and `checkpoint.npz` (what
//! `--resume` continues from). Every file is written atomically.

use super::config::TrainConfig;
use super::loss::{kernel_params, Objective};
use super::problem::{Problem, Source};
use super::session::{Position, Session};
use physc_compiler::check::Model;
use physc_compiler::codegen::cranelift::JitReal;
use physc_compiler::codegen::kernels::cached;
use physc_runtime::nn::{JetSet, Tape};
use physc_runtime::optim::AdamState;
use physc_runtime::output::plot::{self, Figure, Panels};
use physc_runtime::output::{csv, npz, report, vtk, Array};
use physc_runtime::Scalar;
use std::path::Path;

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Completed,
    Interrupted,
    NonFinite { step: usize, term: String },
    Failed(String),
}

/// One row per optimizer step: the loss, each term's weighted loss and the learnable
/// parameters.
pub struct History {
    pub terms: Vec<String>,
    pub params: Vec<String>,
    pub step: Vec<f64>,
    pub stage: Vec<f64>,
    pub loss: Vec<f64>,
    pub term_loss: Vec<Vec<f64>>,
    pub param_values: Vec<Vec<f64>>,
    /// Learning rate (Adam) or accepted step length (L-BFGS).
    pub rate: Vec<f64>,
}

impl History {
    pub fn new(problem: &Problem) -> History {
        History {
            terms: problem.terms.iter().map(|t| t.name.clone()).collect(),
            params: problem.params.iter().map(|p| p.name.clone()).collect(),
            step: Vec::new(),
            stage: Vec::new(),
            loss: Vec::new(),
            term_loss: vec![Vec::new(); problem.terms.len()],
            param_values: vec![Vec::new(); problem.params.len()],
            rate: Vec::new(),
        }
    }

    pub fn record<T: Scalar + JitReal>(
        &mut self,
        step: usize,
        stage: &str,
        loss: f64,
        objective: &Objective<T>,
        params: &[T],
        rate: f64,
    ) {
        self.step.push(step as f64);
        self.stage.push(if stage == "adam" { 0.0 } else { 1.0 });
        self.loss.push(loss);
        for (column, term) in self.term_loss.iter_mut().zip(&objective.terms) {
            column.push(term.loss);
        }
        for (column, v) in self
            .param_values
            .iter_mut()
            .zip(objective.model_params(params))
        {
            column.push(v);
        }
        self.rate.push(rate);
    }

    pub fn last_loss(&self) -> f64 {
        self.loss.last().copied().unwrap_or(f64::NAN)
    }

    fn columns(&self) -> Vec<(String, &[f64])> {
        let mut cols: Vec<(String, &[f64])> = vec![
            ("step".into(), &self.step),
            ("stage".into(), &self.stage),
            ("loss".into(), &self.loss),
        ];
        cols.extend(
            self.terms
                .iter()
                .map(|t| format!("loss {t}"))
                .zip(self.term_loss.iter().map(Vec::as_slice)),
        );
        cols.extend(
            self.params
                .iter()
                .cloned()
                .zip(self.param_values.iter().map(Vec::as_slice)),
        );
        cols.push(("rate".into(), &self.rate));
        cols
    }
}

fn io<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

// ---------------------------------------------------------------------------------------
// Checkpoints

const CHECKPOINT: &str = "checkpoint.npz";

pub fn checkpoint<T: Scalar>(
    dir: &Path,
    session: &Session<T>,
    adam: Option<&AdamState>,
) -> Result<(), String> {
    // The current parameters match the optimizer state; after a failure they may not be
    // finite, and the last parameters with a finite loss are kept instead.
    let finite = session.params.iter().all(|v| v.is_finite());
    let source = if finite {
        &session.params
    } else {
        &session.last_good
    };
    let params: Vec<f64> = source
        .iter()
        .map(|v| v.to_f64().unwrap_or(f64::NAN))
        .collect();
    let p = session.position;
    let mut arrays = vec![
        ("params".to_string(), Array::vector(params)),
        (
            "position".to_string(),
            Array::vector(vec![
                p.stage as f64,
                p.step_in_stage as f64,
                p.step as f64,
                p.draws as f64,
            ]),
        ),
    ];
    arrays.push(("seed".into(), Array::vector(vec![session.seed as f64])));
    if let Some(a) = adam {
        arrays.push(("adam_step".into(), Array::vector(vec![a.step as f64])));
        arrays.push(("adam_m".into(), Array::vector(a.m.clone())));
        arrays.push(("adam_v".into(), Array::vector(a.v.clone())));
    }
    let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
    npz::write(&dir.join(CHECKPOINT), &refs).map_err(io)
}

/// Load `checkpoint.npz` into the session (parameters, position, Adam state).
pub fn restore<T: Scalar>(dir: &Path, session: &mut Session<T>) -> Result<(), String> {
    let path = dir.join(CHECKPOINT);
    let arrays = npz::read(&path).map_err(|e| format!("cannot resume: {e}"))?;
    let get = |name: &str| {
        arrays
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a.data().to_vec())
            .ok_or_else(|| format!("cannot resume: `{}` has no array `{name}`", path.display()))
    };
    // Fixed features (Fourier frequencies) and points come from the seed, not the file.
    if let Some(&seed) = get("seed")?.first() {
        if seed != session.seed as f64 {
            return Err(format!(
                "cannot resume: `{}` was trained with seed {seed}, this run has seed {}",
                path.display(),
                session.seed
            ));
        }
    }
    let params = get("params")?;
    if params.len() != session.params.len() {
        return Err(format!(
            "cannot resume: `{}` holds {} parameters, but this network has {} (was the file changed?)",
            path.display(),
            params.len(),
            session.params.len()
        ));
    }
    session.params = params.iter().map(|&v| T::from_f64_lossy(v)).collect();
    session.last_good.clone_from(&session.params);
    let pos = get("position")?;
    if pos.len() != 4 {
        return Err(format!(
            "cannot resume: `{}` has a malformed position",
            path.display()
        ));
    }
    session.position = Position {
        stage: pos[0] as usize,
        step_in_stage: pos[1] as usize,
        step: pos[2] as usize,
        draws: pos[3] as usize,
    };
    if let (Ok(step), Ok(m), Ok(v)) = (get("adam_step"), get("adam_m"), get("adam_v")) {
        session.resumed_adam = Some(AdamState {
            step: step.first().copied().unwrap_or(0.0) as usize,
            m,
            v,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Fields on a grid

/// A regular grid over the network inputs, first axis slowest.
pub struct Grid {
    pub axes: Vec<Vec<f64>>,
}

impl Grid {
    /// `sizes` has one entry per model variable, in declaration order.
    fn new(problem: &Problem, sizes: &[usize]) -> Grid {
        let axes = problem
            .bounds
            .iter()
            .zip(&problem.inputs)
            .map(|(&(lo, hi), &var)| {
                let n = sizes.get(var).copied().unwrap_or(101).max(2);
                (0..n)
                    .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
                    .collect()
            })
            .collect();
        Grid { axes }
    }

    fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(Vec::len).collect()
    }

    /// Coordinates of every grid point, one column per axis.
    fn points(&self) -> Vec<Vec<f64>> {
        let total: usize = self.shape().iter().product();
        let mut cols = vec![Vec::with_capacity(total); self.axes.len()];
        for p in 0..total {
            let mut rest = p;
            for (a, axis) in self.axes.iter().enumerate().rev() {
                cols[a].push(axis[rest % axis.len()]);
                rest /= axis.len();
            }
        }
        cols
    }
}

/// Every field component at the given points (columns per network input).
pub fn evaluate<T: Scalar + JitReal>(
    objective: &Objective<T>,
    problem: &Problem,
    params: &[T],
    coords: &[Vec<f64>],
) -> Result<Vec<Vec<f64>>, String> {
    let kernel = cached::<T>(&problem.fields.plan).map_err(io)?;
    let jets = JetSet::new(&[], problem.inputs.len())?;
    let model = objective.model_params(params);
    let kparams: Vec<T> = kernel_params(&problem.fields.params, &model);
    let net_params = &params[..objective.net_len()];
    let n = coords.first().map_or(0, Vec::len);
    let outputs = problem.outputs.len();
    let mut result = vec![Vec::with_capacity(n); outputs];
    let mut tape = Tape::default();
    const CHUNK: usize = 4096;
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let cols: Vec<Vec<T>> = coords
            .iter()
            .map(|c| {
                c[start..start + len]
                    .iter()
                    .map(|&v| T::from_f64_lossy(v))
                    .collect()
            })
            .collect();
        let inputs: Vec<&[T]> = cols.iter().map(Vec::as_slice).collect();
        objective
            .net
            .forward(net_params, &inputs, &jets, &mut tape)?;
        let out = tape.outputs();
        let kin: Vec<&[T]> = problem
            .fields
            .sources
            .iter()
            .map(|s| match s {
                Source::Coordinate(i) => inputs[*i],
                Source::Net { output, .. } => &out[output * len..(output + 1) * len],
                Source::Observed(_) => &[][..],
            })
            .collect();
        let mut values = vec![vec![T::zero(); len]; outputs];
        let mut refs: Vec<&mut [T]> = values.iter_mut().map(Vec::as_mut_slice).collect();
        kernel.run(&kin, &mut refs, &kparams).map_err(io)?;
        for (r, v) in result.iter_mut().zip(values) {
            r.extend(v.into_iter().map(|x| x.to_f64().unwrap_or(f64::NAN)));
        }
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------
// Reference solutions

pub struct Reference {
    grid: Grid,
    /// Per field component (None where the reference lacks it).
    values: Vec<Option<Vec<f64>>>,
}

/// The reference solution of `compare`, read (and checked) before training starts.
pub fn reference(
    spec: &str,
    base: &Path,
    problem: &Problem,
    model: &Model,
) -> Result<Reference, String> {
    if spec == "cole-hopf" {
        return cole_hopf(problem, model);
    }
    let path = base.join(spec);
    let shown = path.display();
    let arrays =
        npz::read(&path).map_err(|e| format!("cannot read the reference `{shown}`: {e}"))?;
    let find = |name: &str| arrays.iter().find(|(n, _)| n == name).map(|(_, a)| a);
    let mut axes = Vec::new();
    for (name, &(lo, hi)) in problem.input_names.iter().zip(&problem.bounds) {
        let axis = find(name)
            .ok_or_else(|| {
                format!("the reference `{shown}` has no array `{name}` (the grid along {name})")
            })?
            .data()
            .to_vec();
        let slack = 1e-9 * (hi - lo).abs().max(1.0);
        if axis.is_empty()
            || axis
                .iter()
                .any(|v| !v.is_finite() || *v < lo - slack || *v > hi + slack)
        {
            return Err(format!(
                "the reference grid `{name}` of `{shown}` does not lie inside the domain [{lo}, {hi}]"
            ));
        }
        if axis.len() < 2 || axis.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "the reference grid `{name}` of `{shown}` must have at least two points, in increasing order"
            ));
        }
        axes.push(axis);
    }
    let grid = Grid { axes };
    let shape = grid.shape();
    let single = problem.output_names.len() == 1;
    let mut values = Vec::new();
    for name in &problem.output_names {
        let array = find(name).or(if single { find("usol") } else { None });
        let Some(array) = array else {
            values.push(None);
            continue;
        };
        let size: usize = shape.iter().product();
        // Axes of length 1 carry no order; every other axis must be where the grid has it
        // (a [len(t), len(x)] array would otherwise be compared transposed).
        let long = |s: &[usize]| s.iter().copied().filter(|&n| n != 1).collect::<Vec<_>>();
        if array.data().len() != size || long(array.shape()) != long(&shape) {
            return Err(format!(
                "the reference `{name}` of `{shown}` has shape {:?}, but the grid {:?} needs {size} values (axes in the order {})",
                array.shape(),
                shape,
                problem.input_names.join(", ")
            ));
        }
        if array.data().iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "the reference `{name}` of `{shown}` has NaN or infinite values"
            ));
        }
        values.push(Some(array.data().to_vec()));
    }
    if values.iter().all(Option::is_none) {
        return Err(format!(
            "the reference `{shown}` has none of the fields {}",
            problem.output_names.join(", ")
        ));
    }
    Ok(Reference { grid, values })
}

/// The exact viscous Burgers solution (Cole–Hopf) for u(x, 0) = −sin(πx) on [−1, 1], with
/// ν the model's constant `nu`, on the grid of the published reference (256 × 100).
fn cole_hopf(problem: &Problem, model: &Model) -> Result<Reference, String> {
    // The model's own constants come after the top-level ones it can see, and shadow them.
    let nu = model
        .constants
        .iter()
        .rev()
        .find(|c| c.name == "nu")
        .map(|c| c.value)
        .ok_or("`compare \"cole-hopf\"` needs the model's viscosity as a constant `nu`")?;
    let (Some(t), 2) = (problem.time_input, problem.inputs.len()) else {
        return Err("`compare \"cole-hopf\"` needs a model of one space variable and time".into());
    };
    let x = 1 - t;
    let (space, time) = (problem.bounds[x], problem.bounds[t]);
    if space != (-1.0, 1.0) || time.0 != 0.0 || time.1 < 0.99 {
        return Err(format!(
            "`compare \"cole-hopf\"` is the solution on x in [-1, 1] from t = 0 to 0.99; this model has [{}, {}] and [{}, {}]",
            space.0, space.1, time.0, time.1
        ));
    }
    let mut axes = vec![Vec::new(), Vec::new()];
    axes[x] = (0..256).map(|i| -1.0 + 2.0 * i as f64 / 255.0).collect();
    axes[t] = (0..100).map(|i| 0.99 * i as f64 / 99.0).collect();
    let ux = physc_runtime::exact::burgers_grid(&axes[x], &axes[t], nu);
    let values = if x == 0 {
        ux
    } else {
        transpose(&ux, axes[x].len(), axes[t].len())
    };
    Ok(Reference {
        grid: Grid { axes },
        values: vec![Some(values)],
    })
}

fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; a.len()];
    for i in 0..rows {
        for j in 0..cols {
            out[j * rows + i] = a[i * cols + j];
        }
    }
    out
}

fn rel_l2(predicted: &[f64], reference: &[f64]) -> f64 {
    let err: f64 = predicted
        .iter()
        .zip(reference)
        .map(|(p, r)| (p - r) * (p - r))
        .sum();
    let norm: f64 = reference.iter().map(|r| r * r).sum();
    (err / norm.max(f64::MIN_POSITIVE)).sqrt()
}

// ---------------------------------------------------------------------------------------
// Plots

/// A 2-D picture of a field on a grid: time (or the second axis) up, the other across; for
/// three inputs, the slice at the last time (or last value of the last axis).
fn picture(
    grid: &Grid,
    values: &[f64],
    problem: &Problem,
) -> Option<(Array, (usize, usize), String)> {
    let shape = grid.shape();
    match shape.len() {
        2 => {
            let up = problem.time_input.unwrap_or(1);
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
            let fixed = problem.time_input.unwrap_or(2);
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
            let at = format!(
                " at {} = {}",
                problem.input_names[fixed], grid.axes[fixed][last]
            );
            Some((array, (across, up), at))
        }
        _ => None,
    }
}

fn plot_field(
    path: &Path,
    title: &str,
    grid: &Grid,
    values: &[f64],
    problem: &Problem,
    label: &str,
) -> Result<bool, String> {
    if grid.axes.len() == 1 {
        let fig = Figure::new(title, &problem.input_names[0], label);
        plot::time_series(
            path,
            &fig,
            &grid.axes[0],
            &[(label, values)],
            Panels::Shared,
        )
        .map_err(io)?;
        return Ok(true);
    }
    let Some((array, (across, up), at)) = picture(grid, values, problem) else {
        return Ok(false);
    };
    let range = |a: usize| (grid.axes[a][0], grid.axes[a][grid.axes[a].len() - 1]);
    let title = format!("{title}{at}");
    let fig = Figure::new(
        &title,
        &problem.input_names[across],
        &problem.input_names[up],
    );
    plot::heatmap(path, &fig, &array, range(up), range(across), label).map_err(io)?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------
// Everything at the end of a run

#[allow(clippy::too_many_arguments)]
pub fn write_all<T: Scalar + JitReal>(
    dir: &Path,
    config: &TrainConfig,
    problem: &Problem,
    session: &mut Session<T>,
    outcome: &Outcome,
    seconds: f64,
    reference: Option<&Reference>,
    quiet: bool,
) -> Result<(), String> {
    let mut files = vec!["report.json", "loss.csv", "fields.npz", "checkpoint.npz"];
    checkpoint(dir, session, session.resumed_adam.as_ref())?;
    let params = session.params.clone();
    let objective = &session.objective;

    let history = session.history.columns();
    let named: Vec<(&str, &[f64])> = history.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    csv::write(&dir.join("loss.csv"), &named).map_err(io)?;
    if session
        .history
        .loss
        .iter()
        .any(|v| v.is_finite() && *v > 0.0)
    {
        let mut curves: Vec<(&str, &[f64])> = vec![("total", &session.history.loss)];
        curves.extend(
            session
                .history
                .terms
                .iter()
                .map(String::as_str)
                .zip(session.history.term_loss.iter().map(Vec::as_slice)),
        );
        plot::loss_curves(
            &dir.join("loss.png"),
            &Figure::new("training loss", "step", "loss"),
            &curves,
        )
        .map_err(io)?;
        files.push("loss.png");
    }

    let grid = Grid::new(problem, &config.grid);
    let values = evaluate(objective, problem, &params, &grid.points())?;
    let shape = grid.shape();
    let mut arrays: Vec<(String, Array)> = problem
        .input_names
        .iter()
        .zip(&grid.axes)
        .map(|(n, a)| (n.clone(), Array::vector(a.clone())))
        .collect();
    for (name, v) in problem.output_names.iter().zip(&values) {
        arrays.push((
            name.clone(),
            Array::with_shape(shape.clone(), v.clone()).map_err(io)?,
        ));
    }
    let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
    npz::write(&dir.join("fields.npz"), &refs).map_err(io)?;
    let axes: Vec<(&str, &[f64])> = problem
        .input_names
        .iter()
        .map(String::as_str)
        .zip(grid.axes.iter().map(Vec::as_slice))
        .collect();
    let fields: Vec<(&str, &[f64])> = problem
        .output_names
        .iter()
        .map(String::as_str)
        .zip(values.iter().map(Vec::as_slice))
        .collect();
    // VTK grids have at most three axes.
    if axes.len() <= 3 {
        vtk::write_rectilinear(&dir.join("fields.vtk"), &axes, &fields).map_err(io)?;
        files.push("fields.vtk");
    }
    let mut plots = Vec::new();
    for (name, v) in problem.output_names.iter().zip(&values) {
        let file = format!("field_{}.png", name.replace('.', "_"));
        if plot_field(
            &dir.join(&file),
            &format!("{name} (trained)"),
            &grid,
            v,
            problem,
            name,
        )? {
            plots.push(file);
        }
    }

    let mut comparison = serde_json::Map::new();
    if let Some(reference) = reference {
        let predicted = evaluate(objective, problem, &params, &reference.grid.points())?;
        let mut arrays: Vec<(String, Array)> = problem
            .input_names
            .iter()
            .zip(&reference.grid.axes)
            .map(|(n, a)| (n.clone(), Array::vector(a.clone())))
            .collect();
        let shape = reference.grid.shape();
        for ((name, p), r) in problem
            .output_names
            .iter()
            .zip(&predicted)
            .zip(&reference.values)
        {
            let Some(r) = r else { continue };
            comparison.insert(name.clone(), serde_json::json!(rel_l2(p, r)));
            let error: Vec<f64> = p.iter().zip(r).map(|(a, b)| a - b).collect();
            let file = format!("error_{}.png", name.replace('.', "_"));
            if plot_field(
                &dir.join(&file),
                &format!("{name}: trained − reference"),
                &reference.grid,
                &error,
                problem,
                "error",
            )? {
                plots.push(file);
            }
            for (suffix, data) in [
                ("", p.clone()),
                ("_reference", r.clone()),
                ("_error", error),
            ] {
                arrays.push((
                    format!("{name}{suffix}"),
                    Array::with_shape(shape.clone(), data).map_err(io)?,
                ));
            }
        }
        let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
        npz::write(&dir.join("comparison.npz"), &refs).map_err(io)?;
        files.push("comparison.npz");
    }

    let learned: serde_json::Map<String, serde_json::Value> = problem
        .params
        .iter()
        .map(|p| p.name.clone())
        .zip(
            objective
                .model_params(&params)
                .into_iter()
                .map(|v| serde_json::json!(v)),
        )
        .collect();
    let terms: serde_json::Map<String, serde_json::Value> = objective
        .terms
        .iter()
        .map(|t| {
            (
                t.term.name.clone(),
                serde_json::json!({
                    "kind": format!("{:?}", t.term.kind).to_lowercase(),
                    "points": t.points(),
                    "weight": t.term.weight,
                    "loss": t.loss,
                    "mean_square_residual": t.mean_square,
                }),
            )
        })
        .collect();
    let times = &session.adam_step_seconds;
    let (adam_step, adam_step_median) = if times.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        (mean, physc_runtime::stats::median(&mut times.clone()))
    };
    let mut all_files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
    all_files.extend(plots);
    let json = serde_json::json!({
        "job": "train",
        "model": problem.model,
        "completed": *outcome == Outcome::Completed,
        "outcome": format!("{outcome:?}"),
        "config": {
            "net": {"kind": config.net.kind, "width": config.net.width, "depth": config.net.depth,
                    "activation": config.net.activation.name(), "features": format!("{:?}", config.net.features),
                    "inputs": problem.input_names, "outputs": problem.output_names,
                    "parameters": objective.net_len()},
            "stages": config.stages.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
            "precision": if config.f32 { "f32" } else { "f64" },
            "seed": config.seed,
            "threads": rayon::current_num_threads(),
            "causal": config.causal.map(|c| serde_json::json!({"eps": c.eps, "chunks": c.chunks})),
        },
        "steps": session.position.step,
        "adam_steps": session.adam_step_seconds.len(),
        "lbfgs_iterations": session.lbfgs_iterations,
        "evaluations": objective.evaluations,
        "final_loss": session.final_loss.unwrap_or(f64::NAN),
        "terms": terms,
        "params": learned,
        "rel_l2": comparison,
        "wall_time_s": seconds,
        "adam_step_s": adam_step,
        "adam_step_median_s": adam_step_median,
        "steps_per_second": session.position.step as f64 / seconds.max(1e-9),
        "grid": problem.input_names.iter().zip(&shape).map(|(n, s)| format!("{n}: {s}")).collect::<Vec<_>>(),
        "layout": format!(
            "each field in fields.npz is shaped [{}]",
            problem.input_names.iter().map(|n| format!("len({n})")).collect::<Vec<_>>().join(", ")
        ),
        "files": all_files,
    });
    report::write(dir, &json).map_err(io)?;
    if !quiet {
        summary(dir, problem, session, &comparison, &learned, seconds);
    }
    Ok(())
}

fn summary<T: Scalar>(
    dir: &Path,
    problem: &Problem,
    session: &Session<T>,
    comparison: &serde_json::Map<String, serde_json::Value>,
    learned: &serde_json::Map<String, serde_json::Value>,
    seconds: f64,
) {
    println!(
        "trained {} in {seconds:.1} s: {} steps ({} Adam, {} L-BFGS), final loss {:.3e}",
        problem.model,
        session.position.step,
        session.adam_step_seconds.len(),
        session.lbfgs_iterations,
        session.final_loss.unwrap_or(f64::NAN)
    );
    for (name, v) in learned {
        println!("  {name} = {v}");
    }
    for (name, v) in comparison {
        println!(
            "  relative L2 error of {name}: {:.3e}",
            v.as_f64().unwrap_or(f64::NAN)
        );
    }
    println!("  results in {}", dir.display());
}
