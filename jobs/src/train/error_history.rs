//! The error against the `compare` reference while a run trains. Every [`ERROR_EVERY`]
//! steps (and once more at the parameters the results are written with) the network is
//! evaluated on the reference's grid and the relative L2 error of each compared field is
//! kept with the step and the training time so far. The time those evaluations take is left
//! out of that clock, so "the time to reach 1e-3" (`report.json`'s `time_to_rel_l2`,
//! `error.csv`) is what training itself cost.

use super::grid::inside_domain;
use super::loss::kernel_params;
use super::problem::Problem;
use super::reference::{rel_l2_inside, Reference};
use super::session::Session;
use super::trained::FieldsView;
use ndarray::{Array1, Array2};
use physc_compiler::codegen::cranelift::JitReal;
use physc_runtime::{Kernel, Scalar};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Steps between two evaluations of the error (a forward pass over the reference grid costs
/// about as much as one or two training steps, and is left out of the clock). Also the
/// resolution of the time to reach a level: at 100, the Burgers example's time to 1e-3 was
/// reported up to 5 s after the step that reached it.
pub const ERROR_EVERY: usize = 50;

/// The levels `report.json` gives the time to reach, as `time_to_rel_l2`.
pub const ERROR_LEVELS: [f64; 4] = [1e-2, 1e-3, 1e-4, 1e-5];

/// The relative L2 error against the reference over a run: one row per evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorHistory {
    /// The compared fields, the columns of `rel_l2`.
    pub fields: Vec<String>,
    /// The step after which each row was taken.
    pub step: Array1<f64>,
    /// Training time up to that step in seconds, without the time of these evaluations.
    pub seconds: Array1<f64>,
    /// ‖predicted − reference‖₂ / ‖reference‖₂, shaped `[rows, fields]`.
    pub rel_l2: Array2<f64>,
}

impl ErrorHistory {
    /// The training time at which the largest of the fields' errors first was at most
    /// `level`, or None when it never was.
    pub fn time_to(&self, level: f64) -> Option<f64> {
        self.rel_l2
            .rows()
            .into_iter()
            .zip(&self.seconds)
            .find(|(row, _)| row.iter().all(|e| *e <= level))
            .map(|(_, s)| *s)
    }
}

/// Records the error while a session trains.
pub(super) struct ErrorTracker<'a, T: Scalar> {
    problem: &'a Problem,
    reference: &'a Reference,
    /// The reference grid's points, one column per network input, and which of them lie
    /// in a shaped domain (the only ones compared).
    points: Vec<Vec<f64>>,
    inside: Option<Vec<bool>>,
    kernel: Arc<Kernel<T>>,
    started: Instant,
    /// Time spent in these evaluations, left out of the training clock.
    spent: Duration,
    rows: Vec<(usize, f64, Vec<f64>)>,
}

impl<'a, T: Scalar + JitReal> ErrorTracker<'a, T> {
    /// Start the training clock now.
    pub fn new(problem: &'a Problem, reference: &'a Reference, kernel: Arc<Kernel<T>>) -> Self {
        let points = reference.grid.points();
        ErrorTracker {
            problem,
            reference,
            inside: inside_domain(problem, &points),
            points,
            kernel,
            started: Instant::now(),
            spent: Duration::ZERO,
            rows: Vec::new(),
        }
    }

    /// Record the error when the session's step is a multiple of [`ERROR_EVERY`].
    pub fn record_if_due(&mut self, session: &Session<T>) -> Result<(), String> {
        let step = session.position.step;
        if step > 0 && step.is_multiple_of(ERROR_EVERY) {
            self.record(session)?;
        }
        Ok(())
    }

    /// Record the error at the session's current parameters (once per step).
    pub fn record(&mut self, session: &Session<T>) -> Result<(), String> {
        let step = session.position.step;
        if self.rows.last().is_some_and(|(s, _, _)| *s == step) {
            return Ok(());
        }
        let begun = Instant::now();
        let seconds = (begun - self.started)
            .saturating_sub(self.spent)
            .as_secs_f64();
        let objective = &session.objective;
        let net_len = objective.net_len();
        let model = objective.model_params(&session.params);
        let view = FieldsView {
            network: &objective.net,
            weights: &session.params[..net_len],
            kernel: &self.kernel,
            sources: &self.problem.fields.sources,
            kernel_params: &kernel_params(&self.problem.fields.params, &model),
        };
        let predicted = view.fields_at(&self.points)?;
        let errors = predicted
            .iter()
            .zip(&self.reference.values)
            .filter_map(|(p, r)| {
                r.as_ref()
                    .map(|r| rel_l2_inside(p, r, self.inside.as_deref()))
            })
            .collect();
        self.rows.push((step, seconds, errors));
        self.spent += begun.elapsed();
        Ok(())
    }

    pub fn finish(self) -> ErrorHistory {
        let fields = self
            .problem
            .output_names
            .iter()
            .zip(&self.reference.values)
            .filter(|(_, r)| r.is_some())
            .map(|(n, _)| n.clone())
            .collect::<Vec<_>>();
        let rows = self.rows.len();
        let rel_l2 = Array2::from_shape_fn((rows, fields.len()), |(i, k)| self.rows[i].2[k]);
        ErrorHistory {
            fields,
            step: self.rows.iter().map(|r| r.0 as f64).collect(),
            seconds: self.rows.iter().map(|r| r.1).collect(),
            rel_l2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn time_to_a_level_is_when_every_field_first_reaches_it() {
        let history = ErrorHistory {
            fields: vec!["u".into(), "v".into()],
            step: array![100.0, 200.0, 300.0],
            seconds: array![1.0, 2.0, 3.0],
            rel_l2: array![[2e-3, 5e-4], [9e-4, 2e-3], [8e-4, 1e-3]],
        };
        assert_eq!(history.time_to(1e-2), Some(1.0));
        assert_eq!(history.time_to(1e-3), Some(3.0));
        assert_eq!(history.time_to(1e-4), None);
    }
}
