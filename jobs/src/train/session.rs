//! One training run: build the network and the loss terms, run the optimizer stages in
//! sequence (Adam here, then L-BFGS, a dense quasi-Newton method or Levenberg–Marquardt in
//! `quasi_newton.rs`) reporting progress to the caller, with resampling,
//! checkpoints (when the caller asks for them) and a clean stop when the caller cancels or
//! the loss is not finite, then collect the results in memory. A run resumed from a
//! checkpoint continues at the stage and step where the checkpoint was taken.

use super::checkpoint::{self, Checkpoint};
use super::error_history::ErrorTracker;
use super::loss::{Learnable, LossError, Objective, Points, TermState};
use super::member_networks;
use super::points;
use super::predict;
use super::problem::{Observations, Problem, TermKind};
use super::quasi_newton::{quasi_newton, QuasiNewton};
use super::reference;
use super::trained::{self, Outcome, Run, Trained, TrainedNet, TrainedNetwork};
use crate::progress::{CancelToken, Progress, ProgressEvent, ProgressUnit};
use crate::{Completed, JobError, RunOptions};
use physc_compiler::check::settings::{BalanceBy, OptimizerStage, TooLarge, TrainSettings};
use physc_compiler::check::Model;
use physc_compiler::codegen::cranelift::JitReal;
use physc_compiler::codegen::kernels::cached;
use physc_runtime::comm::Communicator;
use physc_runtime::optim::{self, Adam, AdamState, LevenbergMarquardt, Residuals};
use physc_runtime::rng::Rng;
use physc_runtime::Scalar;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Where a run is in its stage sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Position {
    pub stage: usize,
    pub step_in_stage: usize,
    pub step: usize,
    /// Point draws so far (each resample is one).
    pub draws: usize,
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
    /// Learning rate (Adam), accepted step length (line-search methods) or damping (`lm`).
    pub rate: Vec<f64>,
    /// Each term's automatic weight factor per step, when the weights balance themselves.
    pub term_balance: Option<Vec<Vec<f64>>>,
    /// With residual-based attention, the names of the terms that have attention weights
    /// and each one's mean weight per step.
    pub term_attention: Option<(Vec<String>, Vec<Vec<f64>>)>,
}

impl History {
    pub fn new<T: Scalar + JitReal>(
        problem: &Problem,
        balanced: bool,
        objective: &Objective<T>,
    ) -> History {
        let attended: Vec<String> = objective
            .terms
            .iter()
            .filter(|t| t.attention.is_some())
            .map(|t| t.term.name.clone())
            .collect();
        History {
            terms: problem.terms.iter().map(|t| t.name.clone()).collect(),
            params: problem.params.iter().map(|p| p.name.clone()).collect(),
            step: Vec::new(),
            stage: Vec::new(),
            loss: Vec::new(),
            term_loss: vec![Vec::new(); problem.terms.len()],
            param_values: vec![Vec::new(); problem.params.len()],
            rate: Vec::new(),
            term_balance: balanced.then(|| vec![Vec::new(); problem.terms.len()]),
            term_attention: (!attended.is_empty()).then(|| {
                let columns = vec![Vec::new(); attended.len()];
                (attended, columns)
            }),
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
        if let Some(columns) = &mut self.term_balance {
            for (column, term) in columns.iter_mut().zip(&objective.terms) {
                column.push(term.balance);
            }
        }
        if let Some((_, columns)) = &mut self.term_attention {
            let means = objective.terms.iter().filter_map(|t| {
                let w = t.attention.as_ref()?;
                Some(w.iter().sum::<f64>() / w.len().max(1) as f64)
            });
            for (column, mean) in columns.iter_mut().zip(means) {
                column.push(mean);
            }
        }
    }

    pub fn last_loss(&self) -> f64 {
        self.loss.last().copied().unwrap_or(f64::NAN)
    }
}

pub struct Session<T: Scalar> {
    pub objective: Objective<T>,
    pub params: Vec<T>,
    /// The parameters of the last evaluation with a finite loss.
    pub last_good: Vec<T>,
    pub position: Position,
    pub history: History,
    /// Wall time of each Adam step of this run (loss, gradient and update); its length is
    /// the number of Adam steps this run took.
    pub adam_step_seconds: Vec<f64>,
    pub quasi_newton_iterations: usize,
    /// Adam's state from the checkpoint a run resumed from, for the stage it resumes in.
    pub resumed_adam: Option<AdamState>,
    /// The loss at the parameters the results are written with.
    pub final_loss: Option<f64>,
    /// The seed the network's fixed features and the points were drawn with.
    pub seed: u64,
    /// Quasi-Newton stages with resampling: the loss of the parameters at each draw, on the
    /// new points they were not trained on, as (step, loss).
    pub held_out: Vec<(usize, f64)>,
    /// The step whose parameters a resampling stage kept (the lowest held-out loss), where
    /// that was not its last.
    pub kept_step: Option<usize>,
}

/// Train, and collect what the run computed. `folder`: the job's output folder, where
/// `checkpoint.npz` is saved every `output every:` steps while training when
/// `options.checkpoints` asks, and where a resumed run reads its checkpoint.
#[allow(clippy::too_many_arguments)]
pub fn train<T: Scalar + JitReal>(
    model: &Model,
    config: &TrainSettings,
    problem: &Problem,
    observations: &[Observations],
    options: &RunOptions,
    folder: &Path,
    precision: fn(TrainedNet<T>) -> TrainedNetwork,
) -> Result<Completed<Trained>, JobError> {
    let started = Instant::now();
    let checkpoints = options.checkpoints.then_some(folder);
    // Read by rank 0 and sent to every rank (the first collective, which every rank reaches).
    let resumed = options
        .resume
        .then(|| checkpoint::read_shared(folder, options.communicator.as_ref()));
    // Every step that can fail before training runs inside this closure, so that under
    // several ranks all of them learn of a failure on one before the first collective.
    let set_up = || -> Result<_, JobError> {
        // A bad reference is found now, not after minutes of training.
        let reference = config
            .compare
            .as_ref()
            .map(|spec| reference::read(&spec.value, &options.source_dir, problem, model))
            .transpose()
            .map_err(JobError::Failed)?;
        let predict = config
            .predict
            .as_ref()
            .map(|spec| predict::read(&spec.value, &options.source_dir, problem))
            .transpose()
            .map_err(JobError::Failed)?;
        let fields_kernel = cached::<T>(&problem.fields.plan)
            .map_err(|e| JobError::NotSupported(format!("the fields' kernel: {e}")))?;
        let mut session = build::<T>(
            config,
            problem,
            options.cancel.clone(),
            options.communicator.clone(),
        )
        .map_err(JobError::NotSupported)?;
        if let Some(dir) = checkpoints {
            std::fs::create_dir_all(dir)
                .map_err(|e| JobError::Output(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        // A dense quasi-Newton stage the user named is refused on too large a network before
        // training starts (the default sequence's runs L-BFGS instead).
        for stage in &config.stages {
            if let OptimizerStage::Bfgs {
                update,
                too_large: TooLarge::Refuse,
                ..
            } = stage
            {
                let n = session.params.len();
                if n > optim::MAX_DENSE_PARAMETERS {
                    return Err(JobError::NotSupported(format!(
                        "the network has {n} parameters, too many for `{}`, whose dense {n} × {n} matrix is limited to {} parameters; use `lbfgs` or a smaller network",
                        update.name(),
                        optim::MAX_DENSE_PARAMETERS
                    )));
                }
            }
        }
        if let Some(arrays) = &resumed {
            let arrays = arrays
                .as_ref()
                .map_err(|why| JobError::Failed(why.clone()))?;
            checkpoint::restore(folder, arrays, &mut session).map_err(JobError::Failed)?;
        }
        redraw(&mut session, config, problem, observations).map_err(JobError::Failed)?;
        // So is `lm` on a network with more weights than residuals, or too many for its matrix.
        if config
            .stages
            .iter()
            .any(|s| matches!(s, OptimizerStage::Lm { .. }))
        {
            LevenbergMarquardt::<T>::fits(session.params.len(), session.objective.residual_count())
                .map_err(JobError::NotSupported)?;
        }
        Ok((reference, predict, fields_kernel, session))
    };
    let (reference, predict, fields_kernel, mut session) =
        start_together(options.communicator.as_ref(), set_up())?;
    let progress = options.progress.as_ref();
    let errors = reference
        .as_ref()
        .map(|r| ErrorTracker::new(problem, r, fields_kernel.clone()));
    let (mut outcome, errors) = optimize(
        &mut session,
        config,
        problem,
        observations,
        (progress, errors),
        checkpoints,
    );
    let seconds = started.elapsed().as_secs_f64();
    if let Err(failure) = evaluate_final(&mut session) {
        if matches!(outcome, Outcome::Completed | Outcome::Interrupted) {
            outcome = failure;
        }
    }
    // The last row of the error history belongs to the parameters the results are written with.
    let error_history = errors
        .map(|mut tracker| tracker.record(&session).map(|()| tracker.finish()))
        .transpose()
        .map_err(JobError::Failed)?;
    // A finished run checkpoints as "at the end of its last stage", so `--resume` with more
    // steps (a larger `--max-steps`, or an edited `steps`) trains that stage further.
    if let Some(last) = config.stages.len().checked_sub(1) {
        if session.position.stage > last {
            session.position.stage = last;
            session.position.step_in_stage = config.stages[last].steps();
        }
    }
    let stopped = match &outcome {
        Outcome::Completed => None,
        Outcome::Interrupted => Some("interrupted; the results so far are kept".to_string()),
        Outcome::NonFinite { step, term } => Some(format!(
            "the loss term `{term}` became NaN or infinite at step {step}; the results and the checkpoint are from the last finite step"
        )),
        Outcome::Failed(e) => Some(e.clone()),
    };
    let run = Run {
        config,
        problem,
        outcome,
        seconds,
        reference: reference.as_ref(),
        error_history,
        predict: predict.as_ref(),
    };
    let result =
        trained::collect(session, &run, fields_kernel, precision).map_err(JobError::Failed)?;
    Ok(Completed {
        result,
        stopped: stopped.map(JobError::Failed),
    })
}

/// This rank's set-up, once every rank has finished its own: an error on any rank stops
/// every rank (with its own error, or one saying that another rank failed), and so do
/// parameters that differ between ranks (a checkpoint that is not the same file on every
/// rank). On one rank, the set-up as it is.
fn start_together<T: Scalar + JitReal, A, B, C>(
    comm: &dyn Communicator,
    set_up: Result<(A, B, C, Session<T>), JobError>,
) -> Result<(A, B, C, Session<T>), JobError> {
    if comm.size() == 1 {
        return set_up;
    }
    if comm.any(set_up.is_err()) {
        return Err(set_up.err().unwrap_or_else(|| {
            JobError::Failed("the run could not start on another rank".into())
        }));
    }
    let started = set_up?;
    let session = &started.3;
    let mut hasher = std::hash::DefaultHasher::new();
    for p in &session.params {
        p.to_f64().unwrap_or(f64::NAN).to_bits().hash(&mut hasher);
    }
    (session.position.step, session.position.draws, session.seed).hash(&mut hasher);
    if !comm.agree(hasher.finish()) {
        return Err(JobError::Failed(format!(
            "the {} ranks start from different parameters (rank {} differs from some other): \
             a resumed run needs the same checkpoint on every rank",
            comm.size(),
            comm.rank()
        )));
    }
    Ok(started)
}

/// Evaluate the loss terms at the parameters the results are written with, so the report's
/// losses belong to them. Parameters with a non-finite loss (the optimizer's last step went
/// wrong, or the run stopped on one) are replaced by the last ones with a finite loss.
fn evaluate_final<T: Scalar + JitReal>(session: &mut Session<T>) -> Result<(), Outcome> {
    let mut grad = vec![T::zero(); session.params.len()];
    let step = session.position.step;
    match session.objective.evaluate(&session.params, &mut grad) {
        Ok(loss) => {
            session.final_loss = Some(loss);
            Ok(())
        }
        Err(e) => {
            session.params.clone_from(&session.last_good);
            session.final_loss = session.objective.evaluate(&session.params, &mut grad).ok();
            Err(failure(e, step))
        }
    }
}

/// The network with its initial parameters and the loss terms without points. `cancel`
/// stops the training evaluations once the caller cancels it; `comm` is the ranks that
/// share the points.
pub(super) fn build<T: Scalar + JitReal>(
    config: &TrainSettings,
    problem: &Problem,
    cancel: CancelToken,
    comm: Arc<dyn Communicator>,
) -> Result<Session<T>, String> {
    let mut rng = Rng::stream(config.seed, "init");
    let (net, mut params) = member_networks::networks::<T>(config, problem, &mut rng)?;
    let learnable: Vec<Learnable> = problem
        .params
        .iter()
        .map(|p| Learnable::new(p.guess, p.bounds))
        .collect();
    params.extend(
        learnable
            .iter()
            .zip(&problem.params)
            .map(|(l, p)| T::from_f64_lossy(l.theta(p.guess))),
    );
    let mut terms = problem
        .terms
        .iter()
        .map(|t| TermState::new(t.clone(), problem.outputs.len(), problem.inputs.len()))
        .collect::<Result<Vec<_>, _>>()?;
    if config.attention.is_some() {
        for term in terms.iter_mut().filter(|t| t.term.kind == TermKind::Pde) {
            term.enable_attention();
        }
    }
    let causal = match (config.causal, problem.time_input) {
        (Some(c), Some(t)) => Some((c, t, problem.bounds[t])),
        (Some(_), None) => return Err("causal training needs time as a network input".into()),
        (None, _) => None,
    };
    let objective = Objective {
        net,
        terms,
        learnable,
        causal,
        evaluations: 0,
        cancel,
        comm,
        communication_seconds: 0.0,
    };
    Ok(Session {
        history: History::new(problem, config.weights.balance.is_some(), &objective),
        objective,
        last_good: params.clone(),
        params,
        position: Position::default(),
        adam_step_seconds: Vec::new(),
        quasi_newton_iterations: 0,
        resumed_adam: None,
        final_loss: None,
        seed: config.seed,
        held_out: Vec::new(),
        kept_step: None,
    })
}

/// Draw every term's points (draw number `session.position.draws`). With `adaptive`,
/// interior terms after the first draw keep half their points fresh and take the other half
/// where the residual is largest among four times as many candidates (residual-based
/// adaptive refinement).
pub(super) fn redraw<T: Scalar + JitReal>(
    session: &mut Session<T>,
    config: &TrainSettings,
    problem: &Problem,
    observations: &[Observations],
) -> Result<(), String> {
    let draw = session.position.draws;
    let model = session.objective.model_params(&session.params);
    let objective = &mut session.objective;
    for (k, term) in objective.terms.iter_mut().enumerate() {
        let mut rng = Rng::stream(config.seed, &format!("points {draw} {k}"));
        let n = term.term.points;
        let region = term.term.region.clone();
        let mut draw_points = |count: usize| {
            points::draw(
                problem,
                &region,
                count,
                config.points.sampler,
                observations,
                config.points.data,
                &mut rng,
            )
        };
        let interior = matches!(term.term.kind, TermKind::Pde | TermKind::Constraint);
        if !(config.points.adaptive && interior && draw > 0) {
            let (coords, observed) = draw_points(n)?;
            term.set_points(coords, observed);
            continue;
        }
        let (fresh, _) = draw_points(n - n / 2)?;
        let (candidates, _) = draw_points(4 * n)?;
        term.set_points(candidates.clone(), Vec::new());
        let scores = term.score(&objective.net, &session.params, &model)?;
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let coords = fresh
            .into_iter()
            .zip(&candidates)
            .map(|(mut col, cand)| {
                col.extend(order[..n / 2].iter().map(|&i| cand[i]));
                col
            })
            .collect();
        term.set_points(coords, Vec::new());
    }
    Ok(())
}

/// Points no stage trains on, one set per term, drawn plainly (never adaptively) from their
/// own random streams: the fixed set a resampling stage judges its candidates on, so that
/// every candidate is compared on the same points.
pub(super) fn held_out_points<T: Scalar + JitReal>(
    session: &Session<T>,
    config: &TrainSettings,
    problem: &Problem,
    observations: &[Observations],
) -> Result<Vec<Points<T>>, String> {
    let objective = &session.objective;
    let terms = objective.terms.iter().enumerate();
    terms
        .map(|(k, term)| {
            let mut rng = Rng::stream(config.seed, &format!("held-out points {k}"));
            let (coords, observed) = points::draw(
                problem,
                &term.term.region,
                term.term.points,
                config.points.sampler,
                observations,
                config.points.data,
                &mut rng,
            )?;
            Ok(Points::from_f64(coords, observed))
        })
        .collect()
}

/// The optimizers' view of the objective: errors stop them, and the last finite point is kept.
pub(super) struct Evaluate<'a, T: Scalar> {
    pub(super) objective: &'a mut Objective<T>,
    pub(super) last_good: &'a mut Vec<T>,
}

impl<T: Scalar + JitReal> optim::Objective<T> for Evaluate<'_, T> {
    type Error = LossError;
    fn evaluate(&mut self, params: &[T], grad: &mut [T]) -> Result<T, LossError> {
        match self.objective.loss_and_gradient(params, grad) {
            Ok(loss) => {
                self.last_good.clear();
                self.last_good.extend_from_slice(params);
                Ok(T::from_f64_lossy(loss))
            }
            // Inside a line search a non-finite trial point means "step too far", not failure.
            Err(LossError::NonFinite { .. }) => Ok(T::infinity()),
            Err(e) => Err(e),
        }
    }
}

impl<T: Scalar + JitReal> Residuals<T> for Evaluate<'_, T> {
    type Error = LossError;
    fn residuals(
        &mut self,
        params: &[T],
        residuals: &mut Vec<f64>,
        jacobian: Option<&mut Vec<f64>>,
    ) -> Result<(), LossError> {
        match self.objective.residuals(params, residuals, jacobian) {
            Ok(()) => {
                self.last_good.clear();
                self.last_good.extend_from_slice(params);
                Ok(())
            }
            // A non-finite trial is a step too far: one infinite residual says so.
            Err(LossError::NonFinite { .. }) => {
                residuals.clear();
                residuals.push(f64::INFINITY);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// Where progress goes while the stages run: steps done (steps an L-BFGS stage skipped by
/// converging early count as done) and, every 10 steps, the losses; with a `compare`
/// reference, the error history.
pub(super) struct Ticker<'a, T: Scalar> {
    progress: &'a dyn Progress,
    skipped: usize,
    errors: Option<ErrorTracker<'a, T>>,
}

impl<T: Scalar + JitReal> Ticker<'_, T> {
    pub(super) fn tick(&mut self, session: &Session<T>, loss: f64) -> Result<(), Outcome> {
        if let Some(errors) = &mut self.errors {
            errors.record_if_due(session).map_err(Outcome::Failed)?;
        }
        let step = session.position.step;
        self.progress.event(ProgressEvent::Advance {
            done: (step + self.skipped) as u64,
        });
        if step.is_multiple_of(10) {
            let terms: Vec<String> = session
                .objective
                .terms
                .iter()
                .map(|t| format!("{} {:.2e}", t.term.name, t.loss))
                .collect();
            self.progress.event(ProgressEvent::Message {
                text: &format!("loss {loss:.3e} ({})", terms.join(", ")),
            });
        }
        Ok(())
    }

    pub(super) fn skip(&mut self, session: &Session<T>, steps: usize) {
        self.skipped += steps;
        self.progress.event(ProgressEvent::Advance {
            done: (session.position.step + self.skipped) as u64,
        });
    }
}

/// Run the stages; the error tracker comes back with the history it recorded.
fn optimize<'a, T: Scalar + JitReal>(
    session: &mut Session<T>,
    config: &TrainSettings,
    problem: &Problem,
    observations: &[Observations],
    (progress, errors): (&'a dyn Progress, Option<ErrorTracker<'a, T>>),
    checkpoints: Option<&Path>,
) -> (Outcome, Option<ErrorTracker<'a, T>>) {
    let total: usize = config.stages.iter().map(OptimizerStage::steps).sum();
    progress.event(ProgressEvent::Begin {
        task: "train",
        total: total as u64,
        done: session.position.step as u64,
        unit: ProgressUnit::Steps,
    });
    let mut ticker = Ticker {
        progress,
        skipped: 0,
        errors,
    };
    let mut outcome = Outcome::Completed;
    while session.position.stage < config.stages.len() {
        let stage = &config.stages[session.position.stage];
        progress.event(ProgressEvent::Phase { name: stage.name() });
        let result = match stage {
            OptimizerStage::Adam {
                lr,
                steps,
                schedule,
            } => adam(
                session,
                config,
                problem,
                observations,
                (*lr, *steps, *schedule),
                &mut ticker,
                checkpoints,
            ),
            OptimizerStage::Lbfgs { .. }
            | OptimizerStage::Bfgs { .. }
            | OptimizerStage::Lm { .. } => {
                let residuals = session.objective.residual_count();
                match QuasiNewton::for_stage(stage, session.params.len(), residuals) {
                    Ok((method, steps, resample)) => quasi_newton(
                        session,
                        (config, problem, observations),
                        method,
                        (steps, resample),
                        &mut ticker,
                        checkpoints,
                    ),
                    Err(why) => Err(Outcome::Failed(why)),
                }
            }
        };
        if let Err(o) = result {
            outcome = o;
            break;
        }
        session.position.stage += 1;
        session.position.step_in_stage = 0;
    }
    progress.event(ProgressEvent::End);
    (outcome, ticker.errors)
}

pub(super) fn failure(e: LossError, step: usize) -> Outcome {
    match e {
        LossError::NonFinite { term } => Outcome::NonFinite { step, term },
        LossError::Interrupted => Outcome::Interrupted,
        LossError::Internal(m) => Outcome::Failed(m),
    }
}

/// Save a checkpoint if the caller asked for them and one is due at this step (`adam`: the
/// optimizer's state, asked for only then: it copies both moment vectors).
pub(super) fn checkpoint_if_due<T: Scalar>(
    session: &Session<T>,
    config: &TrainSettings,
    checkpoints: Option<&Path>,
    adam: impl FnOnce() -> Option<AdamState>,
) -> Result<(), Outcome> {
    let step = session.position.step;
    match checkpoints {
        Some(dir) if step > 0 && step.is_multiple_of(config.checkpoint_every) => {
            Checkpoint::of(session, adam().as_ref())
                .write(dir)
                .map_err(Outcome::Failed)
        }
        _ => Ok(()),
    }
}

fn adam<T: Scalar + JitReal>(
    session: &mut Session<T>,
    config: &TrainSettings,
    problem: &Problem,
    observations: &[Observations],
    (lr, steps, schedule): (f64, usize, optim::Schedule),
    ticker: &mut Ticker<T>,
    checkpoints: Option<&Path>,
) -> Result<(), Outcome> {
    let mut adam = Adam::<T>::new(session.params.len(), lr, schedule);
    let resumed = session.resumed_adam.take();
    if let Some(state) = resumed.filter(|_| session.position.step_in_stage > 0) {
        adam.restore(state).map_err(Outcome::Failed)?;
    }
    let result = adam_steps(
        session,
        config,
        problem,
        observations,
        &mut adam,
        steps,
        ticker,
        checkpoints,
    );
    // Kept for the final checkpoint, so a resumed run continues with the same moments.
    session.resumed_adam = Some(adam.state());
    result
}

#[allow(clippy::too_many_arguments)]
fn adam_steps<T: Scalar + JitReal>(
    session: &mut Session<T>,
    config: &TrainSettings,
    problem: &Problem,
    observations: &[Observations],
    adam: &mut Adam<T>,
    steps: usize,
    ticker: &mut Ticker<T>,
    checkpoints: Option<&Path>,
) -> Result<(), Outcome> {
    let mut grad = vec![T::zero(); session.params.len()];
    while session.position.step_in_stage < steps {
        let step = session.position.step;
        if let Some(k) = config.points.resample {
            if session.position.step_in_stage > 0
                && session.position.step_in_stage.is_multiple_of(k)
            {
                session.position.draws += 1;
                redraw(session, config, problem, observations).map_err(Outcome::Failed)?;
            }
        }
        let t = Instant::now();
        let loss = session
            .objective
            .loss_and_gradient(&session.params, &mut grad)
            .map_err(|e| failure(e, step))?;
        session.last_good.clone_from(&session.params);
        let rate = adam.learning_rate();
        session.history.record(
            step,
            "adam",
            loss,
            &session.objective,
            &session.params,
            rate,
        );
        adam.step(&mut session.params, &grad);
        super::quasi_newton::clamp_params(session);
        if let Some(a) = config.attention {
            for term in &mut session.objective.terms {
                term.update_attention(a.eta, a.memory);
            }
        }
        if let Some(b) = config.weights.balance {
            if (step + 1).is_multiple_of(b.every) {
                match b.by {
                    BalanceBy::GradientNorm => {
                        session.objective.balance_terms();
                    }
                    // At the parameters the step's gradient was taken at, as gradnorm's norms.
                    BalanceBy::KernelTrace => {
                        session
                            .objective
                            .balance_by_kernel_traces(&session.last_good)
                            .map_err(|e| failure(e, step))?;
                    }
                }
            }
        }
        session.adam_step_seconds.push(t.elapsed().as_secs_f64());
        session.position.step += 1;
        session.position.step_in_stage += 1;
        ticker.tick(session, loss)?;
        checkpoint_if_due(session, config, checkpoints, || Some(adam.state()))?;
    }
    Ok(())
}
