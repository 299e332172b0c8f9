//! Dormand–Prince 5(4) with error control and Hairer's fourth-order continuous extension
//! for output between steps: the method for non-stiff problems. Separate because its
//! tableau and dense output are its own; the driver is in `adaptive.rs`.

use super::adaptive::{accumulate, combine, Controller, Stepper, Tolerance};
use super::system::Counted;

/// Dormand–Prince 5(4) nodes, coefficients and weights (the last row of A is the
/// fifth-order solution, which is where the seventh stage is evaluated: FSAL).
const DP_C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
const DP_A: [[f64; 6]; 7] = [
    [0.0; 6],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
/// Fifth- minus fourth-order weights: the local error estimate.
const DP_E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];
/// The stages with a nonzero weight in `DP_E`, the last one k_7 (FSAL).
const DP_E_STAGES: [usize; 6] = [0, 2, 3, 4, 5, 6];
/// Hairer's coefficients for the fourth-order continuous extension.
const DP_D: [f64; 7] = [
    -12715105075.0 / 11282082432.0,
    0.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];

pub(super) struct Dopri5 {
    y: Vec<f64>,
    y_new: Vec<f64>,
    /// Stage rates; k[0] = f(t, y) and, after a trial, k[6] = f(t + h, y_new).
    k: [Vec<f64>; 7],
    stage: Vec<f64>,
    /// Hairer's dense-output coefficients over the last accepted step.
    dense: [Vec<f64>; 5],
}

impl Dopri5 {
    pub(super) fn new(y0: &[f64], f0: Vec<f64>) -> Self {
        let zeros = vec![0.0; y0.len()];
        let mut k: [Vec<f64>; 7] = std::array::from_fn(|_| zeros.clone());
        k[0] = f0;
        Dopri5 {
            y: y0.to_vec(),
            y_new: zeros.clone(),
            k,
            stage: zeros.clone(),
            dense: std::array::from_fn(|_| zeros.clone()),
        }
    }
}

impl Stepper for Dopri5 {
    const ERROR_ORDER: i32 = 5;

    fn controller() -> Controller {
        Controller {
            expo: 0.2 - 0.04 * 0.75,
            beta: 0.04,
            safe: 0.9,
            fac_min: 0.2,
            fac_max: 10.0,
            err_old: 1e-4,
            rejected_last: false,
        }
    }

    fn state(&self) -> &[f64] {
        &self.y
    }

    fn rate(&self) -> &[f64] {
        &self.k[0]
    }

    fn attempt(&mut self, sys: &mut Counted, t: f64, h: f64, tol: Tolerance) -> f64 {
        for s in 1..7 {
            let (done, rest) = self.k.split_at_mut(s);
            let arg = if s == 6 {
                &mut self.y_new
            } else {
                &mut self.stage
            };
            combine(arg, &self.y, h, &DP_A[s][..s], done);
            sys.rhs(t + DP_C[s] * h, arg, &mut rest[0]);
        }
        // The error estimate h Σ e_j k_j and its weighted RMS in one pass that stores
        // nothing (and checks k_7 and the new state for values that are not finite).
        let c = DP_E_STAGES.map(|j| h * DP_E[j]);
        let k = DP_E_STAGES.map(|j| self.k[j].as_slice());
        let sum =
            crate::wide::squared_error_sum(c, k, (&self.y, &self.y_new), (tol.atol, tol.rtol));
        let norm = (sum / self.y.len().max(1) as f64).sqrt();
        if norm.is_finite() {
            norm
        } else {
            f64::INFINITY
        }
    }

    fn accept(&mut self, h: f64, dense: bool) {
        if dense {
            self.keep_dense(h);
        }
        std::mem::swap(&mut self.y, &mut self.y_new);
        // First same as last: the rate at the new state is already known.
        self.k.swap(0, 6);
    }

    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        let [y0, dy, bspl, curv, ext] = &self.dense;
        let theta1 = 1.0 - theta;
        for (i, o) in out.iter_mut().enumerate() {
            *o = y0[i] + theta * (dy[i] + theta1 * (bspl[i] + theta * (curv[i] + theta1 * ext[i])));
        }
    }
}

impl Dopri5 {
    /// Hairer's dense-output coefficients of the trial step about to be accepted.
    fn keep_dense(&mut self, h: f64) {
        let [y0, dy, bspl, curv, ext] = &mut self.dense;
        let (k0, k6) = (&self.k[0], &self.k[6]);
        y0.copy_from_slice(&self.y);
        let rows = dy.iter_mut().zip(bspl.iter_mut()).zip(curv.iter_mut());
        let values = self.y.iter().zip(&self.y_new).zip(k0.iter().zip(k6));
        for (((dy, bspl), curv), ((y, y_new), (k0, k6))) in rows.zip(values) {
            *dy = y_new - y;
            *bspl = h * k0 - *dy;
            *curv = *dy - h * k6 - *bspl;
        }
        ext.fill(0.0);
        accumulate(ext, h, &DP_D, &self.k);
    }
}
