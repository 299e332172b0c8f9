//! The result of simulating an ODE model — a [`Trajectory`]: the states at the output
//! times, the method and the work it did — and writing it: the trajectory as NPZ (arrays
//! `t` and one per state, as numpy users expect) and CSV, `report.json`, and PNG plots
//! (time series; phase portrait of the first two or three states). Every file is written
//! atomically by the runtime.

use super::JobError;
use ndarray::{Array1, Array2, ArrayView1};
use physc_runtime::ode::{Method, Stats};
use physc_runtime::output::plot::{self, Figure, Panels};
use physc_runtime::output::{csv, npz, report, Array, OutputError};
use std::path::Path;

/// An ODE model's simulated trajectory, as far as the integration got.
#[derive(Debug, Clone)]
pub struct Trajectory {
    /// The output times reached, in order: every time the job asked for (`output every` or
    /// `output points`), or those before the point where the run stopped early.
    pub times: Array1<f64>,
    /// The states, in the order of the columns of `states` (`x`, `v`; vector fields by
    /// component).
    pub state_names: Vec<String>,
    /// One row per output time, one column per state.
    pub states: Array2<f64>,
    /// The integrator and its settings.
    pub method: Method,
    /// Accepted and rejected steps, right-hand side and Jacobian evaluations.
    pub stats: Stats,
    /// What `report.json` holds: the model's equations, initial state, method, statistics,
    /// whether the run completed and the error that stopped it.
    pub report: serde_json::Value,
    /// Wall-clock seconds of the integration.
    pub seconds: f64,
}

impl Trajectory {
    /// The values of the state `name` at every output time, if there is such a state.
    pub fn state(&self, name: &str) -> Option<ArrayView1<'_, f64>> {
        let column = self.state_names.iter().position(|n| n == name)?;
        Some(self.states.column(column))
    }

    /// Write `trajectory.npz`, `trajectory.csv`, `report.json` and the plots into `dir`
    /// (created if missing).
    pub fn write(&self, dir: &Path) -> Result<(), JobError> {
        self.write_files(dir).map_err(JobError::Output)
    }

    /// What a terminal shows after the run: the work done, and where the files went.
    pub fn summary(&self, dir: Option<&Path>) -> String {
        let s = &self.stats;
        let mut text = format!(
            "{}: {} steps ({} rejected), {} rhs and {} Jacobian evaluations in {:.3} s",
            self.state_names.join(", "),
            s.steps,
            s.rejected,
            s.rhs_evals,
            s.jacobian_evals,
            self.seconds
        );
        if let Some(dir) = dir {
            text.push_str(&format!("\nwrote {}", dir.display()));
        }
        text
    }

    fn write_files(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        let t = self.times.to_vec();
        let columns: Vec<Vec<f64>> = self
            .states
            .columns()
            .into_iter()
            .map(|c| c.to_vec())
            .collect();
        let mut named: Vec<(&str, &[f64])> = vec![("t", &t)];
        named.extend(
            self.state_names
                .iter()
                .map(String::as_str)
                .zip(columns.iter().map(Vec::as_slice)),
        );

        let arrays: Vec<(&str, Array)> = named
            .iter()
            .map(|(n, c)| (*n, Array::vector(c.to_vec())))
            .collect();
        let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (*n, a)).collect();
        let err = |e: OutputError| e.to_string();
        npz::write(&dir.join("trajectory.npz"), &refs).map_err(err)?;
        csv::write(&dir.join("trajectory.csv"), &named).map_err(err)?;
        report::write(dir, &self.report).map_err(err)?;
        if t.len() >= 2 {
            self.plots(dir, &t, &named[1..]).map_err(err)?;
        }
        Ok(())
    }

    fn plots(&self, dir: &Path, t: &[f64], states: &[(&str, &[f64])]) -> Result<(), OutputError> {
        let title = format!("{} — trajectory", self.state_names.join(", "));
        let panels = if states.len() > 1 {
            Panels::Stacked
        } else {
            Panels::Shared
        };
        plot::time_series(
            &dir.join("timeseries.png"),
            &Figure::new(&title, "t", "state"),
            t,
            states,
            panels,
        )?;
        match states {
            [(xn, x), (yn, y), (zn, z), ..] => plot::phase_portrait_3d(
                &dir.join("phase.png"),
                &Figure::new("phase portrait", xn, yn),
                zn,
                [x, y, z],
            ),
            [(xn, x), (yn, y)] => plot::phase_portrait(
                &dir.join("phase.png"),
                &Figure::new("phase portrait", xn, yn),
                x,
                y,
            ),
            _ => Ok(()),
        }
    }
}

/// The files `write` produces for a system of `states` states (listed in the report).
pub(super) fn files(states: usize) -> Vec<&'static str> {
    let mut files = vec![
        "trajectory.npz",
        "trajectory.csv",
        "report.json",
        "timeseries.png",
    ];
    if states >= 2 {
        files.push("phase.png");
    }
    files
}
