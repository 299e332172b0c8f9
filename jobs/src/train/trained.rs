//! What a training run computed, in memory: [`Trained`] holds the trained network (and can
//! evaluate the fields anywhere), the learnable parameters, the loss history, the fields on
//! the output grid, the comparison with a reference, the report and the final checkpoint.
//! `collect` builds it from a finished session; writing it is `output.rs`'s job.
//!
//! It stays whole at about 810 lines on purpose: most of it is `report`, one JSON document
//! whose keys mirror `Trained`'s fields and `Tally`'s counts, and the `collect` that fills
//! both from the session; split, each half would repeat the other's field list.

use super::checkpoint::Checkpoint;
use super::error_history::{ErrorHistory, ERROR_EVERY, ERROR_LEVELS};
use super::grid::{inside_domain, layout_order, mask_outside, permute, Grid};
use super::integrals::{self, IntegralValue};
use super::loss::kernel_params;
use super::predict::{PredictPoints, Predictions};
use super::problem::{Problem, Source};
use super::reference::{rel_l2_inside, Reference};
use super::session::{History, Session};
use crate::JobError;
use ndarray::{Array1, Array2, ArrayD, ArrayView2};
use physc_compiler::check::settings::TrainSettings;
use physc_compiler::codegen::cranelift::JitReal;
use physc_runtime::nn::{FieldNetworks, FieldTape, JetSet};
use physc_runtime::{Kernel, Scalar};
use std::path::Path;
use std::sync::Arc;

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every optimizer stage ran to its end (or converged).
    Completed,
    /// The caller cancelled the run; the results are those of the last step.
    Interrupted,
    /// A loss term became NaN or infinite at `step`; the results are from the last step
    /// with a finite loss.
    NonFinite { step: usize, term: String },
    /// Something else stopped the run (a checkpoint could not be written, points could not
    /// be drawn).
    Failed(String),
}

/// The trained network in one precision, with what turns its outputs into the model's
/// fields (the hard constraints, compiled).
pub struct TrainedNet<T: Scalar> {
    /// The architecture: embedding, hidden layers and activation.
    pub network: FieldNetworks<T>,
    /// The network's trained weights and biases, laid out as `network` expects them.
    pub weights: Vec<T>,
    fields_kernel: Arc<Kernel<T>>,
    /// Where each input of `fields_kernel` comes from.
    field_sources: Vec<Source>,
    /// The kernel's parameters: constants and the learnable parameters' trained values.
    kernel_params: Vec<T>,
}

impl<T: Scalar> std::fmt::Debug for TrainedNet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainedNet")
            .field("network", &self.network)
            .field("weights", &self.weights.len())
            .finish_non_exhaustive()
    }
}

/// Points per forward pass when evaluating fields: the tape of a chunk stays small.
const EVALUATION_CHUNK: usize = 4096;

impl<T: Scalar + JitReal> TrainedNet<T> {
    /// Every field component at n points given as one column per network input (in
    /// network-input order); one column per field component (network-output order).
    pub(super) fn fields_at(&self, coords: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, String> {
        FieldsView {
            network: &self.network,
            weights: &self.weights,
            kernel: &self.fields_kernel,
            sources: &self.field_sources,
            kernel_params: &self.kernel_params,
        }
        .fields_at(coords)
    }
}

/// What evaluating the fields needs, borrowed: from a finished run's [`TrainedNet`], or
/// from a session while it trains (the error history of `compare`).
pub(super) struct FieldsView<'a, T: Scalar> {
    pub network: &'a FieldNetworks<T>,
    /// The network's weights and biases.
    pub weights: &'a [T],
    /// The fields' kernel (the hard constraints, compiled) and where its inputs come from.
    pub kernel: &'a Kernel<T>,
    pub sources: &'a [Source],
    pub kernel_params: &'a [T],
}

impl<T: Scalar + JitReal> FieldsView<'_, T> {
    /// Every field component at n points given as one column per network input (in
    /// network-input order); one column per field component (network-output order).
    pub(super) fn fields_at(&self, coords: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, String> {
        let jets = JetSet::new(&[], self.network.inputs())?;
        let n = coords.first().map_or(0, Vec::len);
        let outputs = self.network.outputs();
        let mut result = vec![Vec::with_capacity(n); outputs];
        let mut tape = FieldTape::default();
        for start in (0..n).step_by(EVALUATION_CHUNK) {
            let len = EVALUATION_CHUNK.min(n - start);
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
            self.network
                .forward(self.weights, &inputs, &jets, &mut tape)?;
            let out = tape.outputs();
            let kernel_inputs: Vec<&[T]> = self
                .sources
                .iter()
                .map(|s| match s {
                    Source::Coordinate(i) => inputs[*i],
                    Source::Net { output, .. } => &out[output * len..(output + 1) * len],
                    Source::Observed(_) | Source::Normal(_) => &[][..],
                })
                .collect();
            let mut values = vec![vec![T::zero(); len]; outputs];
            let mut refs: Vec<&mut [T]> = values.iter_mut().map(Vec::as_mut_slice).collect();
            self.kernel
                .run(&kernel_inputs, &mut refs, self.kernel_params)
                .map_err(|e| e.to_string())?;
            for (r, v) in result.iter_mut().zip(values) {
                r.extend(v.into_iter().map(|x| x.to_f64().unwrap_or(f64::NAN)));
            }
        }
        Ok(result)
    }
}

/// The trained network in the precision the job trained in (`precision f32` or the default
/// f64).
#[derive(Debug)]
pub enum TrainedNetwork {
    F32(TrainedNet<f32>),
    F64(TrainedNet<f64>),
}

impl TrainedNetwork {
    fn fields_at(&self, coords: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, String> {
        match self {
            TrainedNetwork::F32(net) => net.fields_at(coords),
            TrainedNetwork::F64(net) => net.fields_at(coords),
        }
    }
}

/// The loss history, one entry per optimizer step (the columns of `loss.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct LossHistory {
    /// The run's step number (a resumed run's steps continue from its checkpoint).
    pub step: Array1<f64>,
    /// 0 for an Adam step, 1 for an L-BFGS iteration.
    pub stage: Array1<f64>,
    /// The total (weighted) loss.
    pub loss: Array1<f64>,
    /// The loss terms' names (`pde`, `initial`, `boundary`, `data`, …), the columns of
    /// `term_loss`.
    pub terms: Vec<String>,
    /// Each term's weighted loss, shaped `[steps, terms]`.
    pub term_loss: Array2<f64>,
    /// The learnable parameters' names, the columns of `param_values`.
    pub params: Vec<String>,
    /// Each learnable parameter's value at each step, shaped `[steps, params]`.
    pub param_values: Array2<f64>,
    /// Adam's learning rate, the step length a line search accepted, or `lm`'s damping.
    pub rate: Array1<f64>,
    /// With `weights auto: gradnorm` or `ntk`: each term's automatic weight factor λ (the
    /// term's weight is its fixed weight times λ), shaped `[steps, terms]`.
    pub term_balance: Option<Array2<f64>>,
    /// With `attention`: the mean attention weight of each term that has them (the names
    /// first), shaped `[steps, terms]`.
    pub term_attention: Option<(Vec<String>, Array2<f64>)>,
}

impl LossHistory {
    fn new(history: History) -> Result<LossHistory, String> {
        let steps = history.step.len();
        let table = |columns: &[Vec<f64>]| {
            Array2::from_shape_fn((steps, columns.len()), |(i, k)| columns[k][i])
        };
        if history
            .term_loss
            .iter()
            .chain(&history.param_values)
            .chain(history.term_balance.iter().flatten())
            .chain(history.term_attention.iter().flat_map(|(_, c)| c))
            .any(|c| c.len() != steps)
        {
            return Err("the loss history has columns of different lengths".into());
        }
        Ok(LossHistory {
            term_loss: table(&history.term_loss),
            param_values: table(&history.param_values),
            term_balance: history.term_balance.as_deref().map(table),
            term_attention: history
                .term_attention
                .map(|(names, columns)| (names, table(&columns))),
            step: Array1::from(history.step),
            stage: Array1::from(history.stage),
            loss: Array1::from(history.loss),
            terms: history.terms,
            params: history.params,
            rate: Array1::from(history.rate),
        })
    }

    /// Whether a log-scale plot of the losses has anything to show.
    pub(super) fn has_positive_loss(&self) -> bool {
        self.loss.iter().any(|v| v.is_finite() && *v > 0.0)
    }
}

/// Fields on a regular grid: one array per field component, shaped
/// `[len(axis 0), len(axis 1), …]` with time first and then space in declaration order, the
/// layout of every job's `fields.npz` (see [`layout_order`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldGrid {
    /// The grid along each network input: (variable name, coordinates).
    pub axes: Vec<(String, Array1<f64>)>,
    /// (field component name, values), in network-output order.
    pub fields: Vec<(String, ArrayD<f64>)>,
}

impl FieldGrid {
    /// The fields as evaluated on `grid` (row-major, axes in network-input order), laid out
    /// in `order` (network-input indices, the slowest axis first).
    fn new(
        problem: &Problem,
        grid: &Grid,
        fields: Vec<(String, Vec<f64>)>,
        order: &[usize],
    ) -> Result<FieldGrid, String> {
        Ok(FieldGrid {
            axes: order
                .iter()
                .map(|&i| {
                    let axis = Array1::from(grid.axes[i].clone());
                    (problem.input_names[i].clone(), axis)
                })
                .collect(),
            fields: fields
                .into_iter()
                .map(|(name, values)| Ok((name, permute(values, &grid.shape(), order)?)))
                .collect::<Result<_, String>>()?,
        })
    }

    pub fn axis(&self, name: &str) -> Option<&Array1<f64>> {
        self.axes.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    pub fn field(&self, name: &str) -> Option<&ArrayD<f64>> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }
}

/// The trained fields against a reference solution, on the reference's grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The trained fields on the reference grid (only those the reference has).
    pub predicted: FieldGrid,
    /// The reference's values, one per entry of `predicted.fields`, shaped alike.
    pub reference: Vec<ArrayD<f64>>,
    /// ‖predicted − reference‖₂ / ‖reference‖₂ per compared field, in the same order.
    pub rel_l2: Vec<f64>,
    /// The same errors every [`ERROR_EVERY`](super::error_history::ERROR_EVERY) steps while
    /// the run trained, with the training time.
    pub history: ErrorHistory,
}

/// Everything a training run computed. `write` leaves it in a directory as `physc run`
/// does; `summary` is what `physc run` prints.
#[derive(Debug)]
pub struct Trained {
    /// The model's name.
    pub model: String,
    /// The trained network and its weights, in the precision the job ran in.
    pub network: TrainedNetwork,
    /// The model's learnable `param`s: (name, trained value) in declaration order.
    pub params: Vec<(String, f64)>,
    pub history: LossHistory,
    /// The fields on the output grid (`output grid:`), as `fields.npz` holds them.
    pub fields: FieldGrid,
    /// Against the reference of `compare`, when the job has one.
    pub comparison: Option<Comparison>,
    pub outcome: Outcome,
    /// The model's `integral`s of the trained fields, in declaration order.
    pub integrals: Vec<IntegralValue>,
    /// The trained fields at the points of `predict` (`predictions.npz`).
    pub predictions: Option<Predictions>,
    /// `report.json`.
    pub report: serde_json::Value,
    /// The state `--resume` continues from (`checkpoint.npz`).
    pub(super) checkpoint: Checkpoint,
    /// The variables `evaluate` takes, one column each, in the model's declaration order.
    inputs: Vec<String>,
    /// For each network input, its column among `inputs`.
    input_columns: Vec<usize>,
    /// The field components `evaluate` returns, one column each, in network-output order.
    outputs: Vec<String>,
    /// Which network input is time, for the plots.
    pub(super) time_input: Option<usize>,
}

impl Trained {
    /// Whether the caller cancelled the run (its results are those of the last step).
    pub fn interrupted(&self) -> bool {
        self.outcome == Outcome::Interrupted
    }

    /// A learnable parameter's trained value.
    pub fn param(&self, name: &str) -> Option<f64> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// The variables [`Trained::evaluate`] takes, one column each: the network's inputs in
    /// the order the model declares its variables.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// The names of the columns [`Trained::evaluate`] returns: every field component in the
    /// order the model declares its fields (a vector field's components in order).
    pub fn outputs(&self) -> &[String] {
        &self.outputs
    }

    /// The trained fields (hard constraints applied, as in `fields`) at arbitrary points:
    /// one row per point, one column per variable of [`Trained::inputs`]; the result has one
    /// row per point and one column per field component of [`Trained::outputs`]. Computed
    /// in the precision the job trained in. Points with the wrong number of columns are a
    /// `JobError::Failed`.
    pub fn evaluate(&self, points: ArrayView2<f64>) -> Result<Array2<f64>, JobError> {
        if points.ncols() != self.inputs.len() {
            return Err(JobError::Failed(format!(
                "evaluating `{}` needs one column per input ({}), got {} columns",
                self.model,
                self.inputs.join(", "),
                points.ncols()
            )));
        }
        let coords: Vec<Vec<f64>> = self
            .input_columns
            .iter()
            .map(|&c| points.column(c).to_vec())
            .collect();
        let values = self
            .network
            .fields_at(&coords)
            .map_err(|e| JobError::Failed(format!("evaluating `{}`: {e}", self.model)))?;
        Ok(Array2::from_shape_fn(
            (points.nrows(), values.len()),
            |(i, k)| values[k][i],
        ))
    }

    /// What `physc run` prints after training (`dir`: where the results were written).
    pub fn summary(&self, dir: Option<&Path>) -> String {
        let r = &self.report;
        let number = |key: &str| r[key].as_f64().unwrap_or(f64::NAN);
        let count = |key: &str| r[key].as_u64().unwrap_or(0);
        let mut text = format!(
            "trained {} in {:.1} s: {} steps ({} Adam, {} quasi-Newton), final loss {:.3e}\n",
            self.model,
            number("wall_time_s"),
            count("steps"),
            count("adam_steps"),
            count("quasi_newton_iterations"),
            number("final_loss"),
        );
        if let Some(learned) = r["params"].as_object() {
            for (name, v) in learned {
                text += &format!("  {name} = {v}\n");
            }
        }
        if let Some(errors) = r["rel_l2"].as_object() {
            for (name, v) in errors {
                text += &format!(
                    "  relative L2 error of {name}: {:.3e}\n",
                    v.as_f64().unwrap_or(f64::NAN)
                );
            }
        }
        for i in &self.integrals {
            text += &format!("  integral {} over {}", i.name, i.over);
            if let Some(series) = &i.over_time {
                let last = series.times.last().copied().unwrap_or(f64::NAN);
                text += &format!(" at the last time {last}");
            }
            text += &format!(" = {:.6e}", i.value);
            if i.std_error > 0.0 {
                text += &format!(" ± {:.2e}", i.std_error);
            }
            text += &format!(" ({} points)", i.points);
            if i.over_time.is_some() {
                text += "; at every output time in integrals.csv";
            }
            text += "\n";
        }
        if let Some(c) = &self.comparison {
            let reached: Vec<String> = ERROR_LEVELS
                .iter()
                .filter_map(|&level| {
                    Some(format!(
                        "{level:e} after {:.1} s",
                        c.history.time_to(level)?
                    ))
                })
                .collect();
            if !reached.is_empty() {
                text += &format!("  error reached {}\n", reached.join(", "));
            }
        }
        if let Some(dir) = dir {
            text += &format!("  results in {}\n", dir.display());
        }
        text
    }
}

/// What `collect` needs to know about the run besides the session.
pub struct Run<'a> {
    pub config: &'a TrainSettings,
    pub problem: &'a Problem,
    pub outcome: Outcome,
    /// Wall time of the training (not the evaluation of the results).
    pub seconds: f64,
    pub reference: Option<&'a Reference>,
    /// The error against `reference` while training, when there is one.
    pub error_history: Option<ErrorHistory>,
    /// The points of `predict`, when the job has it.
    pub predict: Option<&'a PredictPoints>,
}

/// Turn a finished session into its results: the fields on the output grid and on the
/// reference grid, the report, the final checkpoint. `precision` wraps the network as the
/// precision it trained in.
pub fn collect<T: Scalar + JitReal>(
    session: Session<T>,
    run: &Run,
    fields_kernel: Arc<Kernel<T>>,
    precision: fn(TrainedNet<T>) -> TrainedNetwork,
) -> Result<Trained, String> {
    let problem = run.problem;
    let checkpoint = Checkpoint::of(&session, session.resumed_adam.as_ref());
    let model_values = session.objective.model_params(&session.params);
    let net_len = session.objective.net_len();
    let terms = terms_report(&session);
    let tally = Tally {
        steps: session.position.step,
        draws: session.position.draws + 1,
        adam_step_seconds: session.adam_step_seconds,
        quasi_newton_iterations: session.quasi_newton_iterations,
        evaluations: session.objective.evaluations,
        final_loss: session.final_loss,
        net_len,
        held_out: session.held_out.clone(),
        kept_step: session.kept_step,
        ranks: session.objective.comm.size(),
        communication_seconds: session.objective.communication_seconds,
    };
    let history = LossHistory::new(session.history)?;
    let grid = Grid::new(problem, &run.config.grid);
    let times = problem
        .time_input
        .map_or(&[][..], |t| grid.axes[t].as_slice());
    let integrals = integrals::evaluate(
        &session.objective.net,
        &session.params[..net_len],
        problem,
        &model_values,
        times,
    )?;
    let network = precision(TrainedNet {
        network: session.objective.net,
        weights: session.params[..net_len].to_vec(),
        fields_kernel,
        field_sources: problem.fields.sources.clone(),
        kernel_params: kernel_params(&problem.fields.params, &model_values),
    });

    let points = grid.points();
    let mut values = network.fields_at(&points)?;
    mask_outside(inside_domain(problem, &points).as_deref(), &mut values);
    let order = layout_order(problem);
    let fields = FieldGrid::new(
        problem,
        &grid,
        problem.output_names.iter().cloned().zip(values).collect(),
        &order,
    )?;
    let comparison = run
        .reference
        .zip(run.error_history.clone())
        .map(|(reference, history)| compare(&network, problem, reference, history))
        .transpose()?;
    let predictions = run
        .predict
        .map(|points| points.predictions(problem, network.fields_at(&points.columns)?))
        .transpose()?;
    let params: Vec<(String, f64)> = problem
        .params
        .iter()
        .map(|p| p.name.clone())
        .zip(model_values)
        .collect();
    let mut report = report(
        run,
        &tally,
        terms,
        &params,
        &fields,
        &history,
        comparison.as_ref(),
    );
    if predictions.is_some() {
        if let Some(files) = report["files"].as_array_mut() {
            files.push("predictions.npz".into());
        }
    }
    if integrals.iter().any(|i| i.over_time.is_some()) {
        if let Some(files) = report["files"].as_array_mut() {
            files.extend(["integrals.csv".into(), "integrals.png".into()]);
        }
    }
    if !integrals.is_empty() {
        report["integrals"] = integrals
            .iter()
            .map(|i| (i.name.clone(), i.json()))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }

    let mut variable_order: Vec<usize> = (0..problem.inputs.len()).collect();
    variable_order.sort_by_key(|&i| problem.inputs[i]);
    let mut input_columns = vec![0; problem.inputs.len()];
    for (column, &input) in variable_order.iter().enumerate() {
        input_columns[input] = column;
    }
    Ok(Trained {
        model: problem.model.clone(),
        network,
        params,
        history,
        fields,
        comparison,
        outcome: run.outcome.clone(),
        integrals,
        predictions,
        report,
        checkpoint,
        inputs: variable_order
            .iter()
            .map(|&i| problem.input_names[i].clone())
            .collect(),
        input_columns,
        outputs: problem.output_names.clone(),
        // Time, when the model has it, is the fields' first axis.
        time_input: problem.time_input.map(|_| 0),
    })
}

/// The trained fields on the reference's grid, for the fields the reference has.
fn compare(
    network: &TrainedNetwork,
    problem: &Problem,
    reference: &Reference,
    history: ErrorHistory,
) -> Result<Comparison, String> {
    let points = reference.grid.points();
    let mut predicted = network.fields_at(&points)?;
    // On a shaped domain only the points inside it are compared (the reference may hold
    // anything, NaN included, outside), and the prediction there is NaN as on the output grid.
    let inside = inside_domain(problem, &points);
    mask_outside(inside.as_deref(), &mut predicted);
    let order = layout_order(problem);
    let mut compared = Vec::new();
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for ((name, p), r) in problem
        .output_names
        .iter()
        .zip(predicted)
        .zip(&reference.values)
    {
        let Some(r) = r else { continue };
        errors.push(rel_l2_inside(&p, r, inside.as_deref()));
        values.push(permute(r.clone(), &reference.grid.shape(), &order)?);
        compared.push((name.clone(), p));
    }
    Ok(Comparison {
        predicted: FieldGrid::new(problem, &reference.grid, compared, &order)?,
        reference: values,
        rel_l2: errors,
        history,
    })
}

/// What the report says about the run's effort.
struct Tally {
    steps: usize,
    /// How many times the points were drawn (the first draw and every resample).
    draws: usize,
    adam_step_seconds: Vec<f64>,
    quasi_newton_iterations: usize,
    evaluations: usize,
    final_loss: Option<f64>,
    /// The network's parameter count.
    net_len: usize,
    /// Resampling quasi-Newton stages: each draw's held-out loss, (step, loss), and the
    /// step whose parameters were kept when not the last.
    held_out: Vec<(usize, f64)>,
    kept_step: Option<usize>,
    /// How many processes shared the points (1 unless the run was distributed).
    ranks: usize,
    /// Seconds of the evaluations' messages between ranks (on the rank that reports).
    communication_seconds: f64,
}

/// Each loss term at the final parameters: kind, points, weight, loss, mean square residual
/// (and the automatic weight factor, attention weights' range where they are on).
fn terms_report<T: Scalar + JitReal>(
    session: &Session<T>,
) -> serde_json::Map<String, serde_json::Value> {
    session
        .objective
        .terms
        .iter()
        .map(|t| {
            let mut entry = serde_json::json!({
                "kind": format!("{:?}", t.term.kind).to_lowercase(),
                "points": t.points(),
                "weight": t.term.weight,
                "loss": t.loss,
                "mean_square_residual": t.mean_square,
            });
            if session.history.term_balance.is_some() {
                entry["balance"] = t.balance.into();
            }
            if let Some(weights) = &t.attention {
                let n = weights.len().max(1) as f64;
                entry["attention"] = serde_json::json!({
                    "mean": weights.iter().sum::<f64>() / n,
                    "max": weights.iter().copied().fold(0.0, f64::max),
                    "min": weights.iter().copied().fold(f64::INFINITY, f64::min),
                });
            }
            (t.term.name.clone(), entry)
        })
        .collect()
}

/// The files `Trained::write` leaves, in the order the report lists them.
fn files(
    problem: &Problem,
    history: &LossHistory,
    dims: usize,
    comparison: Option<&Comparison>,
) -> Vec<String> {
    let mut files: Vec<String> = ["report.json", "loss.csv", "fields.npz", "checkpoint.npz"]
        .map(String::from)
        .to_vec();
    if history.has_positive_loss() {
        files.push("loss.png".into());
    }
    if dims <= VTK_MAX_AXES {
        files.push("fields.vtk".into());
    }
    if comparison.is_some() {
        files.extend(["comparison.npz", "error.csv"].map(String::from));
    }
    if plottable(dims) {
        files.extend(problem.output_names.iter().map(|n| field_plot(n)));
        if let Some(c) = comparison {
            files.extend(c.predicted.fields.iter().map(|(n, _)| error_plot(n)));
        }
    }
    files
}

/// VTK grids have at most three axes.
pub const VTK_MAX_AXES: usize = 3;

/// Whether fields over this many inputs are plotted: a curve for one input, a heat map
/// for two, the last time slice for three.
pub fn plottable(dims: usize) -> bool {
    (1..=3).contains(&dims)
}

pub fn field_plot(name: &str) -> String {
    format!("field_{}.png", name.replace('.', "_"))
}

pub fn error_plot(name: &str) -> String {
    format!("error_{}.png", name.replace('.', "_"))
}

fn report(
    run: &Run,
    tally: &Tally,
    terms: serde_json::Map<String, serde_json::Value>,
    params: &[(String, f64)],
    fields: &FieldGrid,
    history: &LossHistory,
    comparison: Option<&Comparison>,
) -> serde_json::Value {
    let (config, problem, seconds) = (run.config, run.problem, run.seconds);
    let learned: serde_json::Map<String, serde_json::Value> = params
        .iter()
        .map(|(n, v)| (n.clone(), serde_json::json!(v)))
        .collect();
    let errors: serde_json::Map<String, serde_json::Value> = comparison
        .iter()
        .flat_map(|c| c.predicted.fields.iter().zip(&c.rel_l2))
        .map(|((n, _), e)| (n.clone(), serde_json::json!(e)))
        .collect();
    let times = &tally.adam_step_seconds;
    let (adam_step, adam_step_median) = if times.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        (mean, physc_runtime::stats::median(&mut times.clone()))
    };
    let shape: Vec<usize> = fields.axes.iter().map(|(_, a)| a.len()).collect();
    serde_json::json!({
        "job": "train",
        "model": problem.model,
        "completed": run.outcome == Outcome::Completed,
        "outcome": format!("{:?}", run.outcome),
        "config": {
            "net": if let [net] = config.nets.as_slice() {
                serde_json::json!({"kind": net.kind.name(), "width": net.width, "depth": net.depth, "widths": net.hidden(), "degree": net.degree,
                    "activation": net.activation.name(), "activations": net.layer_activations().iter().map(|a| a.name().to_string()).collect::<Vec<_>>(), "features": format!("{:?}", net.features),
                    "inputs": problem.input_names, "outputs": problem.output_names,
                    "parameters": tally.net_len})
            } else {
                serde_json::json!({"kind": "per field", "networks": config.nets.len(),
                    "inputs": problem.input_names, "outputs": problem.output_names,
                    "parameters": tally.net_len})
            },
            "networks": config.nets.iter().zip(&problem.networks).map(|(net, layout)| serde_json::json!({
                "name": net.name, "kind": net.kind.name(), "width": net.width, "depth": net.depth, "widths": net.hidden(), "degree": net.degree,
                "activation": net.activation.name(), "activations": net.layer_activations().iter().map(|a| a.name().to_string()).collect::<Vec<_>>(), "features": format!("{:?}", net.features),
                "inputs": layout.inputs.iter().map(|&i| &problem.input_names[i]).collect::<Vec<_>>(),
                "outputs": layout.outputs.iter().map(|&o| &problem.output_names[o]).collect::<Vec<_>>(),
                "residuals": net.residuals.iter().map(|&(from, to)| [from + 1, to + 1]).collect::<Vec<_>>(),
                "inits": net.layer_inits.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>(),
                "gated": (net.kind == physc_compiler::check::settings::NetKind::ModifiedMlp).then(|| if net.gated.is_empty() {
                    (2..=net.hidden().len()).collect::<Vec<_>>()
                } else {
                    net.gated.clone()
                }),
            })).collect::<Vec<_>>(),
            "stages": config.stages.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
            "precision": config.precision.name(),
            "seed": config.seed,
            "threads": rayon::current_num_threads(),
            "ranks": tally.ranks,
            "causal": config.causal.map(|c| serde_json::json!({"eps": c.eps, "chunks": c.chunks})),
            "attention": config.attention.map(|a| serde_json::json!({"eta": a.eta, "memory": a.memory})),
            "balance": config.weights.balance.map(|b| serde_json::json!({"auto": b.by.name(), "every": b.every})),
        },
        "steps": tally.steps,
        "point_draws": tally.draws,
        "communication_s": tally.communication_seconds,
        "communication_s_per_evaluation": tally.communication_seconds / tally.evaluations.max(1) as f64,
        "adam_steps": times.len(),
        "lbfgs_iterations": tally.quasi_newton_iterations,
        "quasi_newton_iterations": tally.quasi_newton_iterations,
        "evaluations": tally.evaluations,
        "final_loss": tally.final_loss.unwrap_or(f64::NAN),
        "held_out": {
            "losses": tally.held_out.iter().map(|&(step, loss)| serde_json::json!({"step": step, "loss": loss})).collect::<Vec<_>>(),
            "kept_step": tally.kept_step,
        },
        "terms": terms,
        "params": learned,
        "rel_l2": errors,
        "rel_l2_history": comparison.map(|c| serde_json::json!({
            "every": ERROR_EVERY,
            "file": "error.csv",
            "time_to_rel_l2_s": ERROR_LEVELS
                .iter()
                .map(|&level| (format!("{level:e}"), serde_json::json!(c.history.time_to(level))))
                .collect::<serde_json::Map<_, _>>(),
        })),
        "wall_time_s": seconds,
        "adam_step_s": adam_step,
        "adam_step_median_s": adam_step_median,
        "steps_per_second": tally.steps as f64 / seconds.max(1e-9),
        "grid": fields.axes.iter().zip(&shape).map(|((n, _), s)| format!("{n}: {s}")).collect::<Vec<_>>(),
        "layout": format!(
            "each field in fields.npz is shaped [{}]",
            fields.axes.iter().map(|(n, _)| format!("len({n})")).collect::<Vec<_>>().join(", ")
        ),
        "files": files(problem, history, shape.len(), comparison),
    })
}
