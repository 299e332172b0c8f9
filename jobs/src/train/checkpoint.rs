//! `checkpoint.npz`: what `--resume` continues from. A [`Checkpoint`] is a snapshot of a
//! session (its parameters, where it is in its stage sequence, its seed and Adam's moments)
//! held in memory; the session writes one to disk during training only when its caller asks
//! for checkpoints, and a finished run's result holds its final one, written with the other
//! files. [`restore`] loads a checkpoint into a fresh session.

use super::session::{Position, Session};
use physc_runtime::optim::AdamState;
use physc_runtime::output::{npz, Array};
use physc_runtime::Scalar;
use std::path::Path;

pub const FILE_NAME: &str = "checkpoint.npz";

/// A session's state as `checkpoint.npz` holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Network weights, then the learnable parameters' θ, as f64 (exact for f32 runs).
    pub params: Vec<f64>,
    pub position: Position,
    pub seed: u64,
    /// Adam's state where the run stopped inside (or after) an Adam stage.
    pub adam: Option<AdamState>,
}

impl Checkpoint {
    pub fn of<T: Scalar>(session: &Session<T>, adam: Option<&AdamState>) -> Checkpoint {
        // The current parameters match the optimizer state; after a failure they may not be
        // finite, and the last parameters with a finite loss are kept instead.
        let finite = session.params.iter().all(|v| v.is_finite());
        let source = if finite {
            &session.params
        } else {
            &session.last_good
        };
        Checkpoint {
            params: source
                .iter()
                .map(|v| v.to_f64().unwrap_or(f64::NAN))
                .collect(),
            position: session.position,
            seed: session.seed,
            adam: adam.cloned(),
        }
    }

    /// Write `dir/checkpoint.npz`.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        let p = self.position;
        let mut arrays = vec![
            ("params", Array::vector(self.params.clone())),
            (
                "position",
                Array::vector(vec![
                    p.stage as f64,
                    p.step_in_stage as f64,
                    p.step as f64,
                    p.draws as f64,
                ]),
            ),
            ("seed", Array::vector(vec![self.seed as f64])),
        ];
        if let Some(a) = &self.adam {
            arrays.push(("adam_step", Array::vector(vec![a.step as f64])));
            arrays.push(("adam_m", Array::vector(a.m.clone())));
            arrays.push(("adam_v", Array::vector(a.v.clone())));
        }
        let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (*n, a)).collect();
        npz::write(&dir.join(FILE_NAME), &refs).map_err(|e| e.to_string())
    }
}

/// Load `dir/checkpoint.npz` into the session (parameters, position, Adam state).
pub fn restore<T: Scalar>(dir: &Path, session: &mut Session<T>) -> Result<(), String> {
    let path = dir.join(FILE_NAME);
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
