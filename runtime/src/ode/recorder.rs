//! Output at requested times: the `Solution` an integration returns and the `Recorder` that
//! fills it as the integration passes each output time (from the state itself, or from the
//! method's interpolation inside a step). Separate because every method records through
//! it: RK4, both adaptive methods, and `mol::etdrk4`.

use super::Stats;

/// The states at the output times reached, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Solution {
    pub t: Vec<f64>,
    /// One state vector per output time.
    pub y: Vec<Vec<f64>>,
    pub stats: Stats,
}

/// Output times must be finite, non-decreasing and not before the start.
pub(crate) fn check_outputs(t0: f64, outputs: &[f64]) {
    assert!(t0.is_finite(), "start time {t0} is not finite");
    let mut previous = t0;
    for &t in outputs {
        assert!(
            t.is_finite() && t >= previous,
            "output times must be finite, increasing and not before t0 = {t0}; got {t} after \
             {previous}"
        );
        previous = t;
    }
}

/// Records the state at each output time as the integration passes it.
pub(crate) struct Recorder<'a> {
    times: &'a [f64],
    next: usize,
    pub(crate) solution: Solution,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(times: &'a [f64]) -> Self {
        Recorder {
            times,
            next: 0,
            solution: Solution::default(),
        }
    }

    pub(super) fn done(&self) -> bool {
        self.next == self.times.len()
    }

    /// Whether an output time falls before `t` (a step ending at `t` must then keep what
    /// interpolation needs).
    pub(super) fn interpolates_before(&self, t: f64) -> bool {
        self.times.get(self.next).is_some_and(|&time| time < t)
    }

    pub(super) fn t_end(&self) -> f64 {
        *self.times.last().expect("outputs are not empty")
    }

    /// The next output time not yet recorded, if any.
    pub(crate) fn pending(&self) -> Option<f64> {
        self.times.get(self.next).copied()
    }

    /// Record every pending output up to `t`, where the state is `y`; earlier ones come
    /// from `interpolate(time, out)`.
    pub(crate) fn record_due(
        &mut self,
        t: f64,
        y: &[f64],
        mut interpolate: impl FnMut(f64, &mut [f64]),
    ) {
        while let Some(&time) = self.times.get(self.next) {
            if time > t {
                break;
            }
            let state = if time == t {
                y.to_vec()
            } else {
                let mut out = vec![0.0; y.len()];
                interpolate(time, &mut out);
                out
            };
            self.solution.t.push(time);
            self.solution.y.push(state);
            self.next += 1;
        }
    }
}
