//! The optimizer stages after Adam: L-BFGS, the dense BFGS family and Levenberg–Marquardt
//! share one loop (one accepted step per iteration) with resampling, the held-out judgment
//! of each draw that keeps the best parameters, progress and checkpoints. `session.rs`
//! runs the stages in order and owns what every stage shares.

use super::loss::Points;
use super::problem::{Observations, Problem};
use super::session::{
    checkpoint_if_due, failure, held_out_points, redraw, Evaluate, Session, Ticker,
};
use super::trained::Outcome;
use physc_compiler::check::settings::{OptimizerStage, TooLarge, TrainSettings};
use physc_compiler::codegen::cranelift::JitReal;
use physc_runtime::optim::{
    self, Bfgs, BfgsUpdate, Lbfgs, LevenbergMarquardt, QuasiNewtonStep, QuasiNewtonStop, Residuals,
};
use physc_runtime::Scalar;
use std::path::Path;

/// The method of a stage after Adam: L-BFGS, a dense member of the BFGS family, or
/// Levenberg–Marquardt, which shares their loop (one accepted step per iteration).
pub(super) enum QuasiNewton<T> {
    Limited(Lbfgs<T>),
    Dense(Bfgs<T>, BfgsUpdate),
    LevenbergMarquardt(LevenbergMarquardt<T>),
}

impl<T: Scalar> QuasiNewton<T> {
    /// The method of a quasi-Newton stage for `n` parameters and `m` residuals, with its
    /// iterations and resampling interval: the default sequence's dense stage runs L-BFGS
    /// on a network too large for its matrix.
    pub(super) fn for_stage(
        stage: &OptimizerStage,
        n: usize,
        m: usize,
    ) -> Result<(QuasiNewton<T>, usize, Option<usize>), String> {
        let limited = |history, tol| QuasiNewton::Limited(Lbfgs::new(n, history, tol));
        match *stage {
            OptimizerStage::Lbfgs {
                steps,
                history,
                tol,
                resample,
            } => Ok((limited(history, tol), steps, resample)),
            OptimizerStage::Bfgs {
                too_large: TooLarge::Lbfgs { history },
                steps,
                tol,
                resample,
                ..
            } if n > optim::MAX_DENSE_PARAMETERS => Ok((limited(history, tol), steps, resample)),
            OptimizerStage::Bfgs {
                update,
                steps,
                tol,
                resample,
                ..
            } => Ok((
                QuasiNewton::Dense(Bfgs::new(n, update, tol)?, update),
                steps,
                resample,
            )),
            OptimizerStage::Lm {
                steps,
                tol,
                resample,
            } => Ok((
                QuasiNewton::LevenbergMarquardt(LevenbergMarquardt::new(n, m, tol)?),
                steps,
                resample,
            )),
            OptimizerStage::Adam { .. } => Err("Adam is not a quasi-Newton method".into()),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            QuasiNewton::Limited(_) => "lbfgs",
            QuasiNewton::Dense(_, update) => update.name(),
            QuasiNewton::LevenbergMarquardt(_) => "lm",
        }
    }

    /// One iteration; the step's `step_length` is Levenberg–Marquardt's damping after it.
    fn step<O: optim::Objective<T> + Residuals<T, Error = <O as optim::Objective<T>>::Error>>(
        &mut self,
        params: &mut [T],
        objective: &mut O,
    ) -> Result<QuasiNewtonStep<T>, QuasiNewtonStop<<O as optim::Objective<T>>::Error>> {
        match self {
            QuasiNewton::Limited(lbfgs) => lbfgs.step(params, objective),
            QuasiNewton::Dense(bfgs, _) => bfgs.step(params, objective),
            QuasiNewton::LevenbergMarquardt(lm) => {
                lm.step(params, objective).map(|s| QuasiNewtonStep {
                    step_length: lm.damping(),
                    ..s
                })
            }
        }
    }

    /// The objective changed (new points): start from a fresh evaluation. L-BFGS drops its
    /// pairs; the dense approximation keeps what it learned of the loss's curvature.
    fn reset(&mut self) {
        match self {
            QuasiNewton::Limited(lbfgs) => lbfgs.reset(),
            QuasiNewton::Dense(bfgs, _) => bfgs.reset(),
            QuasiNewton::LevenbergMarquardt(lm) => lm.reset(),
        }
    }
}

/// A quasi-Newton stage: `steps` iterations of `method` (fewer when it converges or can
/// make no more progress; the progress bar skips the rest), with new points every
/// `resample` iterations.
///
/// With resampling, the stage keeps the parameters that did best on points no stage
/// trains on: one held-out set per term, drawn once at the stage's start, on which the
/// parameters are judged at every draw and once more at the end; the lowest loss wins.
/// The set is fixed so that candidates are compared on the same points. The held-out
/// residual is only a guide to the error (spec §5.2.1): without adaptive draws Burgers'
/// error moves by several times from one segment to the next while the held-out loss does
/// not follow it, and either judgment keeps a worse segment about as often as a better
/// one; with adaptive draws both fall together and the last segment wins.
pub(super) fn quasi_newton<T: Scalar + JitReal>(
    session: &mut Session<T>,
    (config, problem, observations): (&TrainSettings, &Problem, &[Observations]),
    mut method: QuasiNewton<T>,
    (steps, resample): (usize, Option<usize>),
    ticker: &mut Ticker<T>,
    checkpoints: Option<&Path>,
) -> Result<(), Outcome> {
    session.resumed_adam = None;
    let mut held_out = match resample {
        Some(_) => {
            held_out_points(session, config, problem, observations).map_err(Outcome::Failed)?
        }
        None => Vec::new(),
    };
    let mut best: Option<(f64, Vec<T>, usize)> = None;
    let iterated = quasi_newton_steps(
        session,
        config,
        (&mut method, steps, resample),
        ticker,
        checkpoints,
        &mut |session| {
            session.position.draws += 1;
            redraw(session, config, problem, observations).map_err(Outcome::Failed)?;
            judge(session, &mut held_out, &mut best)
        },
    );
    if let Err(Stop::Outcome(o)) = iterated {
        return Err(o);
    }
    if resample.is_some() && best.is_some() && session.position.step_in_stage > 0 {
        judge(session, &mut held_out, &mut best)?;
        if let Some((_, params, step)) = best.filter(|b| b.2 != session.position.step) {
            session.params = params;
            session.kept_step = Some(step);
        }
    }
    Ok(())
}

/// The loss of the current parameters on the held-out points (the training points are
/// swapped out and back), recorded, and kept in `best` when it is the lowest so far.
fn judge<T: Scalar + JitReal>(
    session: &mut Session<T>,
    held_out: &mut [Points<T>],
    best: &mut Option<(f64, Vec<T>, usize)>,
) -> Result<(), Outcome> {
    let swap = |session: &mut Session<T>, held_out: &mut [Points<T>]| {
        for (term, points) in session.objective.terms.iter_mut().zip(held_out.iter_mut()) {
            term.swap_points(points);
        }
    };
    swap(session, held_out);
    let mut grad = vec![T::zero(); session.params.len()];
    let step = session.position.step;
    let loss = session
        .objective
        .loss_and_gradient(&session.params, &mut grad);
    swap(session, held_out);
    let loss = loss.map_err(|e| failure(e, step))?;
    session.held_out.push((step, loss));
    if loss.is_finite() && best.as_ref().is_none_or(|(b, _, _)| loss < *b) {
        *best = Some((loss, session.params.clone(), step));
    }
    Ok(())
}

/// Why the iterations of a quasi-Newton stage ended early.
enum Stop {
    /// Converged or no more progress: the stage is done.
    Converged,
    Outcome(Outcome),
}

impl From<Outcome> for Stop {
    fn from(o: Outcome) -> Stop {
        Stop::Outcome(o)
    }
}

/// The iterations of [`quasi_newton`]; `draw` brings new points (and judges the
/// parameters on them) every `resample` iterations.
fn quasi_newton_steps<T: Scalar + JitReal>(
    session: &mut Session<T>,
    config: &TrainSettings,
    (method, steps, resample): (&mut QuasiNewton<T>, usize, Option<usize>),
    ticker: &mut Ticker<T>,
    checkpoints: Option<&Path>,
    draw: &mut dyn FnMut(&mut Session<T>) -> Result<(), Outcome>,
) -> Result<(), Stop> {
    let name = method.name();
    while session.position.step_in_stage < steps {
        let step = session.position.step;
        if let Some(k) = resample {
            let done = session.position.step_in_stage;
            if done > 0 && done.is_multiple_of(k) {
                draw(session)?;
                method.reset();
            }
        }
        let mut evaluate = Evaluate {
            objective: &mut session.objective,
            last_good: &mut session.last_good,
        };
        let result = method.step(&mut session.params, &mut evaluate);
        match result {
            Ok(s) => {
                let loss = s.loss.to_f64().unwrap_or(f64::NAN);
                session.history.record(
                    step,
                    name,
                    loss,
                    &session.objective,
                    &session.params,
                    s.step_length,
                );
            }
            Err(QuasiNewtonStop::Converged | QuasiNewtonStop::NoProgress) => {
                ticker.skip(session, steps - session.position.step_in_stage);
                return Err(Stop::Converged);
            }
            Err(QuasiNewtonStop::Objective(e)) => return Err(failure(e, step).into()),
        }
        clamp_params(session);
        session.quasi_newton_iterations += 1;
        session.position.step += 1;
        session.position.step_in_stage += 1;
        let loss = session.history.last_loss();
        ticker.tick(session, loss)?;
        checkpoint_if_due(session, config, checkpoints, || None)?;
    }
    Ok(())
}

pub(super) fn clamp_params<T: Scalar + JitReal>(session: &mut Session<T>) {
    let n_net = session.objective.net_len();
    for (p, l) in session.params[n_net..]
        .iter_mut()
        .zip(&session.objective.learnable)
    {
        let value = l.value(p.to_f64().unwrap_or(f64::NAN));
        *p = T::from_f64_lossy(l.theta(value));
    }
}
