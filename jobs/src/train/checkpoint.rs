//! `checkpoint.npz`: what `--resume` continues from. A [`Checkpoint`] is a snapshot of a
//! session (its parameters, where it is in its stage sequence, its seed and Adam's moments)
//! held in memory; the session writes one to disk during training only when its caller asks
//! for checkpoints, and a finished run's result holds its final one, written with the other
//! files. [`read_shared`] reads the file (rank 0 reads it and sends it to the other ranks of
//! a distributed run, whose nodes need not see the folder), [`restore`] loads it into a
//! fresh session.

use super::session::{Position, Session};
use physc_runtime::comm::Communicator;
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
/// The arrays of `dir`'s checkpoint, on every rank: rank 0 reads the file and broadcasts
/// them (a collective with several ranks; every rank gets rank 0's error if it cannot).
pub fn read_shared(dir: &Path, comm: &dyn Communicator) -> Result<Vec<(String, Array)>, String> {
    let path = dir.join(FILE_NAME);
    let read = || npz::read(&path).map_err(|e| format!("cannot resume: {e}"));
    if comm.size() == 1 {
        return read();
    }
    let words = match comm.is_root() {
        true => match read() {
            Ok(arrays) => arrays_to_words(&arrays),
            Err(why) => text_to_words(&why),
        },
        false => Vec::new(),
    };
    // The length and whether it is arrays (1) or rank 0's error (0), then the words.
    let mut head = [
        words.len() as f64,
        f64::from(u8::from(words.first() != Some(&-1.0))),
    ];
    comm.broadcast(&mut head, 0);
    let mut shared = words;
    shared.resize(head[0] as usize, 0.0);
    comm.broadcast(&mut shared, 0);
    match head[1] != 0.0 {
        true => arrays_from_words(&shared)
            .ok_or_else(|| "cannot resume: rank 0 sent a malformed checkpoint".to_string()),
        false => Err(String::from_utf8_lossy(
            &shared[1..].iter().map(|&b| b as u8).collect::<Vec<u8>>(),
        )
        .into_owned()),
    }
}

/// Arrays as numbers: their count, then per array its name's length and bytes, its rank and
/// shape, and its data.
fn arrays_to_words(arrays: &[(String, Array)]) -> Vec<f64> {
    let mut words = vec![arrays.len() as f64];
    for (name, array) in arrays {
        words.push(name.len() as f64);
        words.extend(name.bytes().map(f64::from));
        words.push(array.shape().len() as f64);
        words.extend(array.shape().iter().map(|&n| n as f64));
        words.extend(array.data());
    }
    words
}

/// An error message as numbers, marked by a leading −1 (an array count is never negative).
fn text_to_words(text: &str) -> Vec<f64> {
    std::iter::once(-1.0)
        .chain(text.bytes().map(f64::from))
        .collect()
}

/// The arrays [`arrays_to_words`] wrote, or `None` for numbers it cannot have written.
fn arrays_from_words(words: &[f64]) -> Option<Vec<(String, Array)>> {
    let mut at = 0;
    let mut next = |n: usize| -> Option<&[f64]> {
        let taken = words.get(at..at + n)?;
        at += n;
        Some(taken)
    };
    let count = |w: f64| (w >= 0.0 && w.fract() == 0.0).then_some(w as usize);
    let arrays = count(next(1)?[0])?;
    let mut out = Vec::with_capacity(arrays.min(64));
    for _ in 0..arrays {
        let len = count(next(1)?[0])?;
        let name = String::from_utf8(next(len)?.iter().map(|&b| b as u8).collect()).ok()?;
        let rank = count(next(1)?[0])?;
        let shape = next(rank)?
            .iter()
            .map(|&n| count(n))
            .collect::<Option<Vec<_>>>()?;
        let data = next(shape.iter().product())?.to_vec();
        out.push((name, Array::with_shape(shape, data).ok()?));
    }
    Some(out)
}

/// Load the checkpoint's `arrays` (read from `dir`, named in errors) into a fresh session.
pub fn restore<T: Scalar>(
    dir: &Path,
    arrays: &[(String, Array)],
    session: &mut Session<T>,
) -> Result<(), String> {
    let path = dir.join(FILE_NAME);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_arrays_and_errors_cross_as_words() {
        let arrays = vec![
            ("params".to_string(), Array::vector(vec![0.5, -1e-300, 3.0])),
            (
                "position".to_string(),
                Array::matrix(2, 2, vec![1.0, 2.0, 3.0, 4.0]).unwrap(),
            ),
            ("adam_m".to_string(), Array::vector(Vec::new())),
        ];
        let back = arrays_from_words(&arrays_to_words(&arrays)).expect("well formed");
        assert_eq!(back, arrays);
        let words = arrays_to_words(&arrays);
        assert!(arrays_from_words(&words[..words.len() - 1]).is_none());
        let why = text_to_words("cannot resume: no `checkpoint.npz` — run without --resume");
        assert_eq!(why[0], -1.0);
        assert!(arrays_from_words(&why).is_none());
    }
}
