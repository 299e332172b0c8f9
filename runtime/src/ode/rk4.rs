//! Classical fourth-order Runge–Kutta with a fixed step, landing exactly on every output
//! time. Separate from the adaptive methods: it has no error control and no
//! interpolation.

use super::error::{ensure_finite, OdeError};
use super::recorder::Recorder;
use super::system::Counted;

/// Fixed-step classical RK4, landing exactly on every output time.
pub(super) fn rk4(
    sys: &mut Counted,
    dt: f64,
    t0: f64,
    y0: &[f64],
    rec: &mut Recorder,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(), OdeError> {
    let mut work = Rk4Work::new(y0);
    let mut t = t0;
    while let Some(target) = rec.pending() {
        // A step within a hair of the target lands on it instead of leaving a sliver.
        let last = target - t <= dt * (1.0 + 1e-9);
        let h = if last { target - t } else { dt };
        work.step(sys, t, h);
        t = if last { target } else { t + h };
        sys.stats.steps += 1;
        ensure_finite(t, &work.y)?;
        rec.record_due(t, &work.y, |_, _| unreachable!("RK4 lands on outputs"));
        if !progress(t) {
            return Err(OdeError::Interrupted { t });
        }
    }
    Ok(())
}

struct Rk4Work {
    y: Vec<f64>,
    k: [Vec<f64>; 4],
    stage: Vec<f64>,
}

impl Rk4Work {
    fn new(y0: &[f64]) -> Self {
        let zeros = vec![0.0; y0.len()];
        Rk4Work {
            y: y0.to_vec(),
            k: std::array::from_fn(|_| zeros.clone()),
            stage: zeros,
        }
    }

    fn step(&mut self, sys: &mut Counted, t: f64, h: f64) {
        let Rk4Work { y, k, stage } = self;
        sys.rhs(t, y, &mut k[0]);
        for (s, c) in [(1, 0.5), (2, 0.5), (3, 1.0)] {
            for ((st, yi), ki) in stage.iter_mut().zip(y.iter()).zip(&k[s - 1]) {
                *st = yi + c * h * ki;
            }
            sys.rhs(t + c * h, stage, &mut k[s]);
        }
        for (i, yi) in y.iter_mut().enumerate() {
            *yi += h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
        }
    }
}
