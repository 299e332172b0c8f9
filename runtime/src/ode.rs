//! Ordinary differential equation integrators: the `OdeSystem` interface that models
//! implement, three methods (classical RK4 with a fixed step, adaptive Dormand–Prince 5(4)
//! for non-stiff problems, and the L-stable Rosenbrock method RODAS3 for stiff ones), their
//! step-size control, output at requested times, and the errors that end an integration
//! early.
//!
//! `integrate` never throws work away: it returns the states at every output time it
//! reached, together with the error (blow-up, step underflow, interruption) that stopped it.
//!
//! Adaptive methods treat a trial step that produces NaN or infinity as a failed step and
//! retry with a smaller one; only a state (or rate) that is non-finite at an accepted point
//! is reported as `NonFinite`. A solution that escapes to infinity in finite time therefore
//! usually ends in `StepUnderflow` just before the singularity.

use std::fmt;

/// A system dy/dt = f(t, y) (autonomous or not) of dimension n.
pub trait OdeSystem {
    fn dim(&self) -> usize;
    fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]);
    /// Row-major n×n Jacobian ∂f_i/∂y_j; return false if unavailable (then implicit methods
    /// use finite differences).
    fn jacobian(&mut self, _t: f64, _y: &[f64], _jac: &mut [f64]) -> bool {
        false
    }
}

/// How to integrate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Classical fourth-order Runge–Kutta with fixed step `dt`; the step before each output
    /// time is shortened to land on it exactly.
    Rk4 { dt: f64 },
    /// Dormand–Prince 5(4) with error control, for non-stiff problems; outputs come from its
    /// continuous extension, so they do not shorten steps.
    Dopri5 { rtol: f64, atol: f64 },
    /// RODAS3, a stiffly accurate, L-stable Rosenbrock method of order 3 (embedded order 2),
    /// for stiff problems; outputs come from Hermite cubic interpolation, which each step
    /// must also keep within the tolerance. Uses the system's Jacobian (or finite
    /// differences) and a dense LU per step, so it suits systems of up to a few hundred
    /// states.
    Rosenbrock { rtol: f64, atol: f64 },
}

/// The work an integration did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps.
    pub steps: usize,
    /// Steps rejected by the error control (or because they produced NaN/inf).
    pub rejected: usize,
    /// Calls of `OdeSystem::rhs`, including those for finite-difference Jacobians.
    pub rhs_evals: usize,
    /// Jacobians evaluated, analytically or by finite differences.
    pub jacobian_evals: usize,
    pub lu_decompositions: usize,
}

/// The states at the output times reached, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Solution {
    pub t: Vec<f64>,
    /// One state vector per output time.
    pub y: Vec<Vec<f64>>,
    pub stats: Stats,
}

/// Why an integration stopped before the last output time.
#[derive(Debug, Clone, PartialEq)]
pub enum OdeError {
    /// The state, or its rate of change, became NaN or infinite: the solution blew up.
    NonFinite { t: f64, state: Vec<f64> },
    /// The step size needed to meet the tolerances fell below what `t` can resolve.
    StepUnderflow { t: f64, h: f64, state: Vec<f64> },
    /// The progress callback asked to stop.
    Interrupted { t: f64 },
}

impl fmt::Display for OdeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OdeError::NonFinite { t, state } => write!(
                f,
                "the solution blew up at t = {t}: the state or its rate of change is NaN or \
                 infinite (state = {})",
                StateList(state)
            ),
            OdeError::StepUnderflow { t, h, state } => write!(
                f,
                "the step size fell to {h:e} at t = {t}, too small to make progress: the \
                 solution may blow up there, or the model is singular or too stiff for the \
                 method (state = {})",
                StateList(state)
            ),
            OdeError::Interrupted { t } => write!(f, "integration interrupted at t = {t}"),
        }
    }
}

impl std::error::Error for OdeError {}

/// A state vector for messages: models can have thousands of components, so long ones are
/// cut short.
struct StateList<'a>(&'a [f64]);

impl fmt::Display for StateList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        write!(f, "[")?;
        for (i, v) in self.0.iter().take(SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{v:?}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, ", … ({} values)", self.0.len())?;
        }
        write!(f, "]")
    }
}

/// Integrate from `t0` with `y0`, reporting the state at each time in `outputs` (increasing,
/// within [t0, t_end], where t_end is the last output time).
///
/// `progress` is called after every accepted step with the current time (so it should be
/// cheap: throttle redraws there) and may return false to stop, e.g. on Ctrl-C. Whatever
/// happens, the returned `Solution` holds every output reached before the error, if any.
///
/// # Panics
/// If `y0.len() != system.dim()`, if `outputs` is not non-decreasing and finite with
/// `outputs[0] >= t0`, or if the method's parameters are not positive and finite (`rtol`
/// may be zero).
pub fn integrate(
    system: &mut dyn OdeSystem,
    method: &Method,
    t0: f64,
    y0: &[f64],
    outputs: &[f64],
    progress: &mut dyn FnMut(f64) -> bool,
) -> (Solution, Option<OdeError>) {
    check_arguments(system.dim(), method, t0, y0, outputs);
    let mut sys = Counted {
        sys: system,
        stats: Stats::default(),
    };
    let mut rec = Recorder::new(outputs);
    let error = run(&mut sys, method, t0, y0, &mut rec, progress).err();
    let mut solution = rec.solution;
    solution.stats = sys.stats;
    (solution, error)
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

fn check_arguments(dim: usize, method: &Method, t0: f64, y0: &[f64], outputs: &[f64]) {
    assert_eq!(
        y0.len(),
        dim,
        "initial state has {} values, the system {dim}",
        y0.len()
    );
    check_outputs(t0, outputs);
    match *method {
        Method::Rk4 { dt } => {
            assert!(dt > 0.0 && dt.is_finite(), "RK4 step {dt} is not positive")
        }
        Method::Dopri5 { rtol, atol } | Method::Rosenbrock { rtol, atol } => assert!(
            atol > 0.0 && atol.is_finite() && rtol >= 0.0 && rtol.is_finite(),
            "tolerances need atol > 0 and rtol >= 0, got atol = {atol}, rtol = {rtol}"
        ),
    }
}

fn run(
    sys: &mut Counted,
    method: &Method,
    t0: f64,
    y0: &[f64],
    rec: &mut Recorder,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(), OdeError> {
    ensure_finite(t0, y0)?;
    rec.record_due(t0, y0, |_, _| unreachable!("no output lies before t0"));
    if rec.done() {
        return Ok(());
    }
    match *method {
        Method::Rk4 { dt } => rk4(sys, dt, t0, y0, rec, progress),
        Method::Dopri5 { rtol, atol } => {
            let f0 = initial_rate(sys, t0, y0)?;
            let stepper = Dopri5::new(y0, f0);
            adaptive(stepper, sys, Tolerance { rtol, atol }, t0, rec, progress)
        }
        Method::Rosenbrock { rtol, atol } => {
            let f0 = initial_rate(sys, t0, y0)?;
            let stepper = Rosenbrock::new(&RODAS3, y0, f0);
            adaptive(stepper, sys, Tolerance { rtol, atol }, t0, rec, progress)
        }
    }
}

fn ensure_finite(t: f64, y: &[f64]) -> Result<(), OdeError> {
    if all_finite(y) {
        Ok(())
    } else {
        Err(OdeError::NonFinite {
            t,
            state: y.to_vec(),
        })
    }
}

fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// f(t0, y0), which both adaptive methods need before their first step.
fn initial_rate(sys: &mut Counted, t0: f64, y0: &[f64]) -> Result<Vec<f64>, OdeError> {
    let mut f0 = vec![0.0; y0.len()];
    sys.rhs(t0, y0, &mut f0);
    if all_finite(&f0) {
        Ok(f0)
    } else {
        Err(OdeError::NonFinite {
            t: t0,
            state: y0.to_vec(),
        })
    }
}

/// The system with the evaluation counts that `Stats` reports.
struct Counted<'a> {
    sys: &'a mut dyn OdeSystem,
    stats: Stats,
}

impl Counted<'_> {
    fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]) {
        self.stats.rhs_evals += 1;
        self.sys.rhs(t, y, dydt);
    }

    /// The Jacobian at (t, y), where `f` = f(t, y): the system's own if it has one, else
    /// forward differences (n more rhs evaluations). `work` needs 2n values.
    fn jacobian(&mut self, t: f64, y: &[f64], f: &[f64], jac: &mut [f64], work: &mut [f64]) {
        self.stats.jacobian_evals += 1;
        if self.sys.jacobian(t, y, jac) {
            return;
        }
        let n = y.len();
        let (shifted, column) = work.split_at_mut(n);
        shifted.copy_from_slice(y);
        for j in 0..n {
            // Hairer's increment: relative to |y_j|, but not below sqrt(eps·1e-5) so that
            // components passing through zero still get a usable difference.
            let delta = (f64::EPSILON * y[j].powi(2).max(1e-5)).sqrt();
            shifted[j] = y[j] + delta;
            // The increment actually represented, so rounding does not bias the quotient.
            let delta = shifted[j] - y[j];
            self.rhs(t, shifted, column);
            for (i, (c, f)) in column.iter().zip(f).enumerate() {
                jac[i * n + j] = (c - f) / delta;
            }
            shifted[j] = y[j];
        }
    }
}

/// Records the state at each output time as the integration passes it.
struct Recorder<'a> {
    times: &'a [f64],
    next: usize,
    solution: Solution,
}

impl<'a> Recorder<'a> {
    fn new(times: &'a [f64]) -> Self {
        Recorder {
            times,
            next: 0,
            solution: Solution::default(),
        }
    }

    fn done(&self) -> bool {
        self.next == self.times.len()
    }

    /// Whether an output time falls before `t` (a step ending at `t` must then keep what
    /// interpolation needs).
    fn interpolates_before(&self, t: f64) -> bool {
        self.times.get(self.next).is_some_and(|&time| time < t)
    }

    fn t_end(&self) -> f64 {
        *self.times.last().expect("outputs are not empty")
    }

    /// The next output time not yet recorded, if any.
    fn pending(&self) -> Option<f64> {
        self.times.get(self.next).copied()
    }

    /// Record every pending output up to `t`, where the state is `y`; earlier ones come
    /// from `interpolate(time, out)`.
    fn record_due(&mut self, t: f64, y: &[f64], mut interpolate: impl FnMut(f64, &mut [f64])) {
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

/// Fixed-step classical RK4, landing exactly on every output time.
fn rk4(
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

#[derive(Debug, Clone, Copy)]
struct Tolerance {
    rtol: f64,
    atol: f64,
}

impl Tolerance {
    /// The RMS of `err` in units of the tolerance at the larger of the two states; infinite
    /// if anything is not finite, so such steps are rejected like too inaccurate ones.
    fn norm(&self, err: &[f64], y0: &[f64], y1: &[f64]) -> f64 {
        let mut sum = 0.0;
        for ((e, a), b) in err.iter().zip(y0).zip(y1) {
            let scale = self.atol + self.rtol * a.abs().max(b.abs());
            sum += (e / scale).powi(2);
        }
        let norm = (sum / err.len().max(1) as f64).sqrt();
        if norm.is_finite() && all_finite(y1) {
            norm
        } else {
            f64::INFINITY
        }
    }

    /// The same weighted RMS for a single vector (initial step selection).
    fn size(&self, v: &[f64], y: &[f64]) -> f64 {
        let sum: f64 = v
            .iter()
            .zip(y)
            .map(|(v, y)| (v / (self.atol + self.rtol * y.abs())).powi(2))
            .sum();
        (sum / v.len().max(1) as f64).sqrt()
    }
}

/// One adaptive one-step method: the state it holds, trial steps, and interpolation over
/// the last accepted step.
trait Stepper {
    /// Order of the error estimate (the lower order of the pair, plus one): the local
    /// error scales as h^order.
    const ERROR_ORDER: i32;
    fn controller() -> Controller;
    /// The current state y and its rate f(t, y).
    fn state(&self) -> &[f64];
    fn rate(&self) -> &[f64];
    /// Try a step from (t, state) of size h; the weighted error norm (≤ 1 is acceptable).
    fn attempt(&mut self, sys: &mut Counted, t: f64, h: f64, tol: Tolerance) -> f64;
    /// Make the last trial the current state, keeping what `interpolate` needs when
    /// `dense` (an output falls inside the step; most steps have none).
    fn accept(&mut self, h: f64, dense: bool);
    /// The solution at fraction `theta` ∈ [0, 1] of the last accepted step.
    fn interpolate(&self, theta: f64, out: &mut [f64]);
}

/// Step-size control: h_new = h · safe · err^-expo · err_old^beta, clamped. With beta > 0
/// this is Hairer's PI controller (smoother step sequences); beta = 0 is the plain one.
struct Controller {
    expo: f64,
    beta: f64,
    safe: f64,
    fac_min: f64,
    fac_max: f64,
    err_old: f64,
    rejected_last: bool,
}

impl Controller {
    /// Whether a step with error norm `err` is accepted, and the size of the next try.
    fn judge(&mut self, h: f64, err: f64) -> (bool, f64) {
        let err = if err.is_nan() { f64::INFINITY } else { err };
        if err <= 1.0 {
            let pi = self.err_old.powf(self.beta) / err.powf(self.expo);
            let mut fac = (self.safe * pi).clamp(self.fac_min, self.fac_max);
            // Right after a rejection, growing again would likely be rejected once more.
            if self.rejected_last {
                fac = fac.min(1.0);
            }
            self.err_old = err.max(1e-4);
            self.rejected_last = false;
            (true, h * fac)
        } else {
            let fac = (self.safe / err.powf(self.expo)).max(self.fac_min);
            self.rejected_last = true;
            (false, h * fac)
        }
    }
}

/// Below this step `t + h` no longer differs usefully from `t`.
fn min_step(t: f64) -> f64 {
    1e-14 * t.abs().max(1.0)
}

/// The shared driver for adaptive methods: step-size control, outputs, underflow, progress.
fn adaptive<S: Stepper>(
    mut stepper: S,
    sys: &mut Counted,
    tol: Tolerance,
    t0: f64,
    rec: &mut Recorder,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(), OdeError> {
    let t_end = rec.t_end();
    let h_max = t_end - t0;
    let mut h = initial_step(sys, &stepper, t0, h_max, S::ERROR_ORDER, tol);
    let mut ctl = S::controller();
    let mut t = t0;
    while !rec.done() {
        if h < min_step(t) {
            return Err(OdeError::StepUnderflow {
                t,
                h,
                state: stepper.state().to_vec(),
            });
        }
        // Hairer's rule: stretch a step that nearly reaches the end rather than leave a
        // sliver for a last, tiny one.
        let last = t + 1.01 * h >= t_end;
        if last {
            h = t_end - t;
        }
        let err = stepper.attempt(sys, t, h, tol);
        let (accepted, h_next) = ctl.judge(h, err);
        if !accepted {
            sys.stats.rejected += 1;
            h = h_next.min(h_max);
            continue;
        }
        sys.stats.steps += 1;
        let t_old = t;
        t = if last { t_end } else { t + h };
        stepper.accept(h, rec.interpolates_before(t));
        rec.record_due(t, stepper.state(), |time, out| {
            stepper.interpolate((time - t_old) / h, out)
        });
        if !progress(t) {
            return Err(OdeError::Interrupted { t });
        }
        h = h_next.min(h_max);
    }
    Ok(())
}

/// Hairer's initial step: h with an explicit Euler step's estimated local error matching
/// the tolerance, from the sizes of y, f and an estimate of y''. Costs one rhs evaluation.
fn initial_step<S: Stepper>(
    sys: &mut Counted,
    stepper: &S,
    t0: f64,
    h_max: f64,
    order: i32,
    tol: Tolerance,
) -> f64 {
    let (y0, f0) = (stepper.state(), stepper.rate());
    let d0 = tol.size(y0, y0);
    let d1 = tol.size(f0, y0);
    let h0 = if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    }
    .min(h_max);
    let y1: Vec<f64> = y0.iter().zip(f0).map(|(y, f)| y + h0 * f).collect();
    let mut f1 = vec![0.0; y0.len()];
    sys.rhs(t0 + h0, &y1, &mut f1);
    let df: Vec<f64> = f1.iter().zip(f0).map(|(a, b)| a - b).collect();
    let d2 = tol.size(&df, y0) / h0;
    let d12 = d1.max(d2);
    let h1 = if d12.is_finite() && d12 > 1e-15 {
        (0.01 / d12).powf(1.0 / f64::from(order))
    } else {
        (h0 * 1e-3).max(1e-6)
    };
    (100.0 * h0).min(h1).min(h_max)
}

/// u = y + h Σ_j a_j k_j over the stages given.
fn combine(out: &mut [f64], y: &[f64], h: f64, a: &[f64], k: &[Vec<f64>]) {
    stage_sum(out, Some(y), h, a, k);
}

/// u += h Σ_j a_j k_j.
fn accumulate(out: &mut [f64], h: f64, a: &[f64], k: &[Vec<f64>]) {
    stage_sum(out, None, h, a, k);
}

/// The nonzero terms (h·a_j, k_j) summed onto `base` (or `out`) in one pass; up to eight
/// terms stay on the stack (every step of every explicit method comes here several times).
fn stage_sum(out: &mut [f64], base: Option<&[f64]>, h: f64, a: &[f64], k: &[Vec<f64>]) {
    let nonzero = || {
        a.iter()
            .zip(k)
            .filter(|(aj, _)| **aj != 0.0)
            .map(|(aj, kj)| (h * aj, kj.as_slice()))
    };
    let mut terms: [(f64, &[f64]); 8] = [(0.0, &[]); 8];
    if a.len() > terms.len() {
        let all: Vec<(f64, &[f64])> = nonzero().collect();
        return crate::wide::weighted_sum(out, base, &all);
    }
    let mut count = 0;
    for term in nonzero() {
        terms[count] = term;
        count += 1;
    }
    crate::wide::weighted_sum(out, base, &terms[..count]);
}

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

struct Dopri5 {
    y: Vec<f64>,
    y_new: Vec<f64>,
    /// Stage rates; k[0] = f(t, y) and, after a trial, k[6] = f(t + h, y_new).
    k: [Vec<f64>; 7],
    stage: Vec<f64>,
    /// Hairer's dense-output coefficients over the last accepted step.
    dense: [Vec<f64>; 5],
}

impl Dopri5 {
    fn new(y0: &[f64], f0: Vec<f64>) -> Self {
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

/// A Rosenbrock method in the form of Hairer & Wanner (as in KPP), with K_i = h·k_i:
///
/// ```text
/// (1/(hγ) − J) K_i = f(t + α_i h, y + Σ_j a_ij K_j) + Σ_j (c_ij / h) K_j + h γ_i ∂f/∂t
/// y_new = y + Σ m_i K_i,    error = Σ e_i K_i
/// ```
struct RosenbrockTableau {
    gamma: f64,
    /// Strictly lower triangular a_ij and c_ij, row by row: (2,1), (3,1), (3,2), ...
    a: &'static [f64],
    c: &'static [f64],
    alpha: &'static [f64],
    /// γ_i = Σ_j γ_ij, the weight of ∂f/∂t in stage i.
    gammas: &'static [f64],
    /// Whether stage i needs a new rhs evaluation or reuses the previous stage's.
    new_f: &'static [bool],
    m: &'static [f64],
    e: &'static [f64],
}

impl RosenbrockTableau {
    fn stages(&self) -> usize {
        self.m.len()
    }

    /// Row i (0-based) of a strictly lower triangular table packed row by row.
    fn row(packed: &[f64], i: usize) -> &[f64] {
        let start = i * (i.saturating_sub(1)) / 2;
        &packed[start..start + i]
    }
}

/// RODAS3 (Sandu et al. 1997): 4 stages, order 3 with an embedded order-2 solution,
/// stiffly accurate and L-stable, so very stiff components are damped, not oscillating.
const RODAS3: RosenbrockTableau = RosenbrockTableau {
    gamma: 0.5,
    a: &[0.0, 2.0, 0.0, 2.0, 0.0, 1.0],
    c: &[4.0, 1.0, -1.0, 1.0, -1.0, -8.0 / 3.0],
    alpha: &[0.0, 0.0, 1.0, 1.0],
    gammas: &[0.5, 1.5, 0.0, 0.0],
    new_f: &[true, false, true, true],
    m: &[2.0, 0.0, 1.0, 1.0],
    e: &[0.0, 0.0, 0.0, 1.0],
};

struct Rosenbrock {
    tab: &'static RosenbrockTableau,
    y: Vec<f64>,
    f: Vec<f64>,
    y_new: Vec<f64>,
    f_new: Vec<f64>,
    err: Vec<f64>,
    /// Jacobian and ∂f/∂t at (t, y); kept across rejected tries of the same step.
    jac: Vec<f64>,
    dfdt: Vec<f64>,
    jac_current: bool,
    /// LU factors of 1/(hγ) − J and their row swaps.
    lu: Vec<f64>,
    pivots: Vec<usize>,
    k: Vec<Vec<f64>>,
    stage: Vec<f64>,
    stage_rate: Vec<f64>,
    work: Vec<f64>,
    /// y, h·f at both ends of the last accepted step, for Hermite interpolation.
    dense: [Vec<f64>; 4],
}

impl Rosenbrock {
    fn new(tab: &'static RosenbrockTableau, y0: &[f64], f0: Vec<f64>) -> Self {
        let n = y0.len();
        let zeros = vec![0.0; n];
        Rosenbrock {
            tab,
            y: y0.to_vec(),
            f: f0,
            y_new: zeros.clone(),
            f_new: zeros.clone(),
            err: zeros.clone(),
            jac: vec![0.0; n * n],
            dfdt: zeros.clone(),
            jac_current: false,
            lu: vec![0.0; n * n],
            pivots: vec![0; n],
            k: vec![zeros.clone(); tab.stages()],
            stage: zeros.clone(),
            stage_rate: zeros.clone(),
            work: vec![0.0; 2 * n],
            dense: std::array::from_fn(|_| zeros.clone()),
        }
    }

    /// J and ∂f/∂t at (t, y). ∂f/∂t comes from a forward difference in t (one rhs call,
    /// with RODAS's increment): the system cannot say whether it is autonomous, and then
    /// the difference is zero.
    fn linearize(&mut self, sys: &mut Counted, t: f64) {
        sys.jacobian(t, &self.y, &self.f, &mut self.jac, &mut self.work);
        let t1 = t + (f64::EPSILON * t.abs().max(1e-5)).sqrt().max(f64::EPSILON);
        let delta = t1 - t;
        sys.rhs(t1, &self.y, &mut self.dfdt);
        for (d, f) in self.dfdt.iter_mut().zip(&self.f) {
            *d = (*d - f) / delta;
        }
        self.jac_current = true;
    }

    /// How far the Hermite interpolant over the trial step strays from the ODE, in units
    /// of the tolerance: its defect p'(t + h/2) − f(t + h/2, p) at the midpoint, filtered
    /// through (1/(hγ) − J)⁻¹ as in Shampine's stiff error estimates, so that stiff
    /// components (where any small deviation has a huge rate) do not count, and
    /// non-stiff ones count as ≈ hγ·defect. All RODAS3 stages sit at t or t + h, so without
    /// this a step could jump over what happens inside it: the method is exact for
    /// y' = y², and would step across its pole with a zero error estimate.
    fn interpolation_error(&mut self, sys: &mut Counted, t: f64, h: f64, tol: Tolerance) -> f64 {
        let (y0, f0, y1, f1) = (&self.y, &self.f, &self.y_new, &self.f_new);
        for i in 0..y0.len() {
            self.stage[i] = 0.5 * (y0[i] + y1[i]) + h / 8.0 * (f0[i] - f1[i]);
        }
        sys.rhs(t + 0.5 * h, &self.stage, &mut self.stage_rate);
        let defect = &mut self.stage_rate;
        for i in 0..y0.len() {
            let slope = 1.5 * (y1[i] - y0[i]) / h - 0.25 * (f0[i] + f1[i]);
            defect[i] = slope - defect[i];
        }
        lu_solve(&self.lu, y0.len(), &self.pivots, defect);
        tol.norm(defect, y0, y1)
    }

    /// Factor 1/(hγ) − J; false if singular (then the step is retried smaller).
    fn factor(&mut self, sys: &mut Counted, h: f64) -> bool {
        let n = self.y.len();
        let diag = 1.0 / (h * self.tab.gamma);
        for (l, j) in self.lu.iter_mut().zip(&self.jac) {
            *l = -j;
        }
        for i in 0..n {
            self.lu[i * n + i] += diag;
        }
        sys.stats.lu_decompositions += 1;
        lu_factor(&mut self.lu, n, &mut self.pivots)
    }
}

impl Stepper for Rosenbrock {
    const ERROR_ORDER: i32 = 3;

    fn controller() -> Controller {
        Controller {
            expo: 1.0 / f64::from(Self::ERROR_ORDER),
            beta: 0.0,
            safe: 0.9,
            fac_min: 0.2,
            fac_max: 6.0,
            err_old: 1.0,
            rejected_last: false,
        }
    }

    fn state(&self) -> &[f64] {
        &self.y
    }

    fn rate(&self) -> &[f64] {
        &self.f
    }

    fn attempt(&mut self, sys: &mut Counted, t: f64, h: f64, tol: Tolerance) -> f64 {
        if !self.jac_current {
            self.linearize(sys, t);
        }
        if !self.factor(sys, h) {
            return f64::INFINITY;
        }
        let n = self.y.len();
        let tab = self.tab;
        for s in 0..tab.stages() {
            let (done, rest) = self.k.split_at_mut(s);
            if s == 0 {
                self.stage_rate.copy_from_slice(&self.f);
            } else if tab.new_f[s] {
                combine(
                    &mut self.stage,
                    &self.y,
                    1.0,
                    RosenbrockTableau::row(tab.a, s),
                    done,
                );
                sys.rhs(t + tab.alpha[s] * h, &self.stage, &mut self.stage_rate);
            }
            let ks = &mut rest[0];
            ks.copy_from_slice(&self.stage_rate);
            for (c, kj) in RosenbrockTableau::row(tab.c, s).iter().zip(done.iter()) {
                for (x, kji) in ks.iter_mut().zip(kj) {
                    *x += c / h * kji;
                }
            }
            if tab.gammas[s] != 0.0 {
                for (x, d) in ks.iter_mut().zip(&self.dfdt) {
                    *x += h * tab.gammas[s] * d;
                }
            }
            lu_solve(&self.lu, n, &self.pivots, ks);
        }
        combine(&mut self.y_new, &self.y, 1.0, tab.m, &self.k);
        self.err.fill(0.0);
        accumulate(&mut self.err, 1.0, tab.e, &self.k);
        if !all_finite(&self.y_new) {
            return f64::INFINITY;
        }
        // The rate at the end serves the interpolation and, once accepted, the next step.
        sys.rhs(t + h, &self.y_new, &mut self.f_new);
        if !all_finite(&self.f_new) {
            return f64::INFINITY;
        }
        let err = tol.norm(&self.err, &self.y, &self.y_new);
        if err > 1.0 {
            return err;
        }
        // That estimate scales as h⁵ on smooth solutions; the controller expects h^ERROR_ORDER.
        let rescale = f64::from(Self::ERROR_ORDER) / 5.0;
        let interpolation = self.interpolation_error(sys, t, h, tol).powf(rescale);
        err.max(interpolation)
    }

    fn accept(&mut self, h: f64, _dense: bool) {
        // Rosenbrock steps are few and long: keep the Hermite data of every one.
        let [y0, hf0, y1, hf1] = &mut self.dense;
        y0.copy_from_slice(&self.y);
        y1.copy_from_slice(&self.y_new);
        for (d, f) in hf0.iter_mut().zip(&self.f) {
            *d = h * f;
        }
        for (d, f) in hf1.iter_mut().zip(&self.f_new) {
            *d = h * f;
        }
        std::mem::swap(&mut self.y, &mut self.y_new);
        std::mem::swap(&mut self.f, &mut self.f_new);
        self.jac_current = false;
    }

    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        let [y0, hf0, y1, hf1] = &self.dense;
        let (t2, t3) = (theta * theta, theta * theta * theta);
        let w_y0 = 2.0 * t3 - 3.0 * t2 + 1.0;
        let w_f0 = t3 - 2.0 * t2 + theta;
        let w_y1 = 3.0 * t2 - 2.0 * t3;
        let w_f1 = t3 - t2;
        for (i, o) in out.iter_mut().enumerate() {
            *o = w_y0 * y0[i] + w_f0 * hf0[i] + w_y1 * y1[i] + w_f1 * hf1[i];
        }
    }
}

/// LU factorization with partial pivoting of the row-major n×n matrix `a`, in place
/// (unit-diagonal L below, U on and above the diagonal); `pivots[k]` is the row swapped
/// with row k at step k. False if the matrix is singular to working precision.
fn lu_factor(a: &mut [f64], n: usize, pivots: &mut [usize]) -> bool {
    for k in 0..n {
        let p = (k..n)
            .max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs()))
            .unwrap_or(k);
        let pivot = a[p * n + k];
        if pivot == 0.0 || !pivot.is_finite() {
            return false;
        }
        pivots[k] = p;
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
        }
        let (upper, lower) = a.split_at_mut((k + 1) * n);
        let row_k = &upper[k * n..];
        for row in lower.chunks_exact_mut(n) {
            let l = row[k] / pivot;
            row[k] = l;
            if l != 0.0 {
                for (x, u) in row[k + 1..].iter_mut().zip(&row_k[k + 1..]) {
                    *x -= l * u;
                }
            }
        }
    }
    true
}

/// Solve A x = b in place with the factors from `lu_factor`.
fn lu_solve(lu: &[f64], n: usize, pivots: &[usize], b: &mut [f64]) {
    for (k, &p) in pivots.iter().enumerate() {
        b.swap(k, p);
    }
    for i in 0..n {
        let row = &lu[i * n..i * n + i];
        let s: f64 = row.iter().zip(&b[..i]).map(|(l, x)| l * x).sum();
        b[i] -= s;
    }
    for i in (0..n).rev() {
        let row = &lu[i * n + i + 1..(i + 1) * n];
        let s: f64 = row.iter().zip(&b[i + 1..]).map(|(u, x)| u * x).sum();
        b[i] = (b[i] - s) / lu[i * n + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fitted_order, max_diff};

    /// A system from a closure (Jacobians by finite differences).
    struct Sys<F> {
        n: usize,
        f: F,
    }

    impl<F: FnMut(f64, &[f64], &mut [f64])> Sys<F> {
        fn new(n: usize, f: F) -> Self {
            Sys { n, f }
        }
    }

    impl<F: FnMut(f64, &[f64], &mut [f64])> OdeSystem for Sys<F> {
        fn dim(&self) -> usize {
            self.n
        }
        fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]) {
            (self.f)(t, y, dydt)
        }
    }

    /// Van der Pol in its standard form y'' − μ(1 − y²)y' + y = 0: relaxation oscillations
    /// with period ≈ (3 − 2 ln 2)μ, very stiff along the slow branches for large μ.
    struct VanDerPol {
        mu: f64,
        analytic_jacobian: bool,
    }

    impl OdeSystem for VanDerPol {
        fn dim(&self) -> usize {
            2
        }
        fn rhs(&mut self, _t: f64, y: &[f64], d: &mut [f64]) {
            d[0] = y[1];
            d[1] = self.mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
        }
        fn jacobian(&mut self, _t: f64, y: &[f64], j: &mut [f64]) -> bool {
            let mu = self.mu;
            j.copy_from_slice(&[
                0.0,
                1.0,
                -2.0 * mu * y[0] * y[1] - 1.0,
                mu * (1.0 - y[0] * y[0]),
            ]);
            self.analytic_jacobian
        }
    }

    fn van_der_pol(mu: f64) -> VanDerPol {
        VanDerPol {
            mu,
            analytic_jacobian: true,
        }
    }

    fn decay() -> Sys<impl FnMut(f64, &[f64], &mut [f64])> {
        Sys::new(1, |_, y: &[f64], d: &mut [f64]| d[0] = -y[0])
    }

    fn oscillator() -> Sys<impl FnMut(f64, &[f64], &mut [f64])> {
        Sys::new(2, |_, y: &[f64], d: &mut [f64]| {
            d[0] = y[1];
            d[1] = -y[0];
        })
    }

    /// y' = cos(t)·y, y(0) = 1: y = exp(sin t). Non-autonomous, so ∂f/∂t matters.
    fn forced() -> Sys<impl FnMut(f64, &[f64], &mut [f64])> {
        Sys::new(1, |t: f64, y: &[f64], d: &mut [f64]| d[0] = t.cos() * y[0])
    }

    fn lorenz() -> Sys<impl FnMut(f64, &[f64], &mut [f64])> {
        Sys::new(3, |_, y: &[f64], d: &mut [f64]| {
            d[0] = 10.0 * (y[1] - y[0]);
            d[1] = y[0] * (28.0 - y[2]) - y[1];
            d[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
        })
    }

    fn no_progress() -> impl FnMut(f64) -> bool {
        |_| true
    }

    fn solve(sys: &mut dyn OdeSystem, method: Method, y0: &[f64], outputs: &[f64]) -> Solution {
        let (sol, err) = integrate(sys, &method, 0.0, y0, outputs, &mut no_progress());
        assert_eq!(err, None);
        sol
    }

    /// Global error at `t_end` for each step count, with fixed steps of an adaptive
    /// method's stepper (its step-size control switched off).
    fn fixed_step_errors<S: Stepper>(
        make: impl Fn(&[f64], Vec<f64>) -> S,
        sys: &mut dyn OdeSystem,
        y0: &[f64],
        t_end: f64,
        exact: &[f64],
        counts: &[usize],
    ) -> Vec<f64> {
        let loose = Tolerance {
            rtol: 1.0,
            atol: 1.0,
        };
        counts
            .iter()
            .map(|&steps| {
                let mut sys = Counted {
                    sys: &mut *sys,
                    stats: Stats::default(),
                };
                let f0 = initial_rate(&mut sys, 0.0, y0).unwrap();
                let mut stepper = make(y0, f0);
                let h = t_end / steps as f64;
                for i in 0..steps {
                    stepper.attempt(&mut sys, i as f64 * h, h, loose);
                    stepper.accept(h, false);
                }
                max_diff(stepper.state(), exact)
            })
            .collect()
    }

    #[test]
    fn rk4_converges_with_order_four() {
        let t_end: f64 = 2.0;
        let dts = [0.2, 0.1, 0.05, 0.025];
        let run = |sys: &mut dyn OdeSystem, y0: &[f64], exact: &[f64]| -> Vec<f64> {
            dts.iter()
                .map(|&dt| {
                    let sol = solve(sys, Method::Rk4 { dt }, y0, &[t_end]);
                    assert_eq!(sol.stats.steps, (t_end / dt).round() as usize);
                    max_diff(&sol.y[0], exact)
                })
                .collect()
        };
        let decay_errors = run(&mut decay(), &[1.0], &[(-t_end).exp()]);
        let osc_errors = run(&mut oscillator(), &[1.0, 0.0], &[t_end.cos(), -t_end.sin()]);
        let (p_decay, p_osc) = (
            fitted_order(&dts, &decay_errors),
            fitted_order(&dts, &osc_errors),
        );
        eprintln!("RK4 orders: decay {p_decay:.3}, oscillator {p_osc:.3}");
        assert!((p_decay - 4.0).abs() < 0.3, "{p_decay}");
        assert!((p_osc - 4.0).abs() < 0.3, "{p_osc}");
    }

    #[test]
    fn rk4_lands_on_output_times() {
        let outputs = [0.0, 0.3, 0.35, 1.0];
        let sol = solve(&mut decay(), Method::Rk4 { dt: 0.1 }, &[1.0], &outputs);
        assert_eq!(sol.t, outputs);
        for (t, y) in sol.t.iter().zip(&sol.y) {
            assert!((y[0] - (-t).exp()).abs() < 1e-6);
        }
        // 0→0.3 in 3 steps, 0.3→0.35 in 1, 0.35→1.0 in 7 (the last one shortened).
        assert_eq!(sol.stats.steps, 11);
    }

    #[test]
    fn dopri5_converges_with_order_five() {
        // Fine enough to be in the asymptotic regime, coarse enough to stay above rounding.
        let counts = [32, 64, 128, 256];
        let t_end: f64 = 4.0;
        let hs: Vec<f64> = counts.iter().map(|&c| t_end / c as f64).collect();
        let errors = fixed_step_errors(
            Dopri5::new,
            &mut oscillator(),
            &[1.0, 0.0],
            t_end,
            &[t_end.cos(), -t_end.sin()],
            &counts,
        );
        let p = fitted_order(&hs, &errors);
        let forced_errors = fixed_step_errors(
            Dopri5::new,
            &mut forced(),
            &[1.0],
            t_end,
            &[t_end.sin().exp()],
            &counts,
        );
        let p_forced = fitted_order(&hs, &forced_errors);
        eprintln!("Dopri5 fixed-step orders: oscillator {p:.3}, forced {p_forced:.3}");
        assert!((p - 5.0).abs() < 0.5, "{p}");
        assert!((p_forced - 5.0).abs() < 0.5, "{p_forced}");
    }

    #[test]
    fn dopri5_error_falls_with_steps_at_order_five() {
        // With error control on: global error against accepted steps over a tolerance sweep.
        let t_end: f64 = 10.0;
        let exact = [t_end.cos(), -t_end.sin()];
        let (mut steps, mut errors) = (vec![], vec![]);
        for tol in [1e-5, 1e-6, 1e-7, 1e-8, 1e-9] {
            let method = Method::Dopri5 {
                rtol: tol,
                atol: tol,
            };
            let sol = solve(&mut oscillator(), method, &[1.0, 0.0], &[t_end]);
            steps.push(1.0 / sol.stats.steps as f64);
            errors.push(max_diff(&sol.y[0], &exact));
        }
        let p = fitted_order(&steps, &errors);
        eprintln!("Dopri5 adaptive order (error vs 1/steps): {p:.3}");
        assert!((p - 5.0).abs() < 0.5, "{p}");
    }

    #[test]
    fn dopri5_dense_output_is_accurate() {
        let outputs: Vec<f64> = (0..1000).map(|i| i as f64 * 0.01).collect();
        let method = Method::Dopri5 {
            rtol: 1e-10,
            atol: 1e-10,
        };
        let sol = solve(&mut oscillator(), method, &[1.0, 0.0], &outputs);
        assert_eq!(sol.t, outputs);
        let worst = sol
            .t
            .iter()
            .zip(&sol.y)
            .map(|(t, y)| max_diff(y, &[t.cos(), -t.sin()]))
            .fold(0.0, f64::max);
        eprintln!(
            "Dopri5 dense output: max error {worst:e} in {} steps",
            sol.stats.steps
        );
        // Far fewer steps than outputs: the outputs did not shorten them.
        assert!(sol.stats.steps < 500, "{}", sol.stats.steps);
        assert!(worst < 1e-8, "{worst}");
    }

    #[test]
    fn rosenbrock_interpolates_between_steps() {
        let outputs: Vec<f64> = (0..1000).map(|i| i as f64 * 0.01).collect();
        let method = Method::Rosenbrock {
            rtol: 1e-7,
            atol: 1e-7,
        };
        let sol = solve(&mut oscillator(), method, &[1.0, 0.0], &outputs);
        let worst = sol
            .t
            .iter()
            .zip(&sol.y)
            .map(|(t, y)| max_diff(y, &[t.cos(), -t.sin()]))
            .fold(0.0, f64::max);
        eprintln!(
            "RODAS3 Hermite output: max error {worst:e} in {} steps",
            sol.stats.steps
        );
        assert!(sol.stats.steps < 1000, "{}", sol.stats.steps);
        assert!(worst < 1e-5, "{worst}");
    }

    #[test]
    fn dopri5_tracks_lorenz() {
        let outputs: Vec<f64> = (0..=50).map(|i| i as f64 * 0.1).collect();
        let y0 = [1.0, 1.0, 1.0];
        let coarse = solve(
            &mut lorenz(),
            Method::Dopri5 {
                rtol: 1e-6,
                atol: 1e-6,
            },
            &y0,
            &outputs,
        );
        let fine = solve(
            &mut lorenz(),
            Method::Dopri5 {
                rtol: 1e-12,
                atol: 1e-12,
            },
            &y0,
            &outputs,
        );
        let worst = coarse
            .y
            .iter()
            .zip(&fine.y)
            .map(|(a, b)| max_diff(a, b))
            .fold(0.0, f64::max);
        eprintln!(
            "Lorenz: max difference {worst:e}; steps {} (rtol 1e-6) vs {} (rtol 1e-12)",
            coarse.stats.steps, fine.stats.steps
        );
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn rosenbrock_converges_with_order_three() {
        // Fine enough to be past the pre-asymptotic range (error ratios still above 8).
        let counts = [40, 80, 160, 320];
        let t_end: f64 = 2.0;
        let hs: Vec<f64> = counts.iter().map(|&c| t_end / c as f64).collect();
        let make = |y0: &[f64], f0| Rosenbrock::new(&RODAS3, y0, f0);
        let osc = fixed_step_errors(
            make,
            &mut oscillator(),
            &[1.0, 0.0],
            t_end,
            &[t_end.cos(), -t_end.sin()],
            &counts,
        );
        let forced = fixed_step_errors(
            make,
            &mut forced(),
            &[1.0],
            t_end,
            &[t_end.sin().exp()],
            &counts,
        );
        let (p_osc, p_forced) = (fitted_order(&hs, &osc), fitted_order(&hs, &forced));
        eprintln!("RODAS3 fixed-step orders: oscillator {p_osc:.3}, forced {p_forced:.3}");
        assert!((p_osc - 3.0).abs() < 0.3, "{p_osc}");
        assert!((p_forced - 3.0).abs() < 0.3, "{p_forced}");
    }

    #[test]
    fn rosenbrock_solves_stiff_van_der_pol() {
        let outputs: Vec<f64> = (0..=30).map(|i| i as f64 * 100.0).collect();
        let method = Method::Rosenbrock {
            rtol: 1e-5,
            atol: 1e-5,
        };
        let sol = solve(&mut van_der_pol(1000.0), method, &[2.0, 0.0], &outputs);
        let s = sol.stats;
        eprintln!("Van der Pol μ=1000 with RODAS3: {s:?}");
        assert!(s.steps < 2000, "{s:?}");
        // The relaxation oscillation keeps |y1| ≤ 2 (up to the tolerance).
        assert!(sol.y.iter().all(|y| y[0].abs() <= 2.0 + 1e-3));
        // Period ≈ (3 − 2 ln 2) μ ≈ 1614: y1 has changed sign near t ≈ 807 and back by 1614.
        assert!(
            sol.y[9][0] < -1.0 && sol.y[17][0] > 1.0,
            "{:?}",
            (&sol.y[9], &sol.y[17])
        );
    }

    #[test]
    fn rosenbrock_with_difference_jacobian_matches_analytic() {
        let outputs = [0.0, 500.0, 1000.0];
        let method = Method::Rosenbrock {
            rtol: 1e-6,
            atol: 1e-6,
        };
        let analytic = solve(&mut van_der_pol(1000.0), method, &[2.0, 0.0], &outputs);
        let mut differenced = VanDerPol {
            mu: 1000.0,
            analytic_jacobian: false,
        };
        let fd = solve(&mut differenced, method, &[2.0, 0.0], &outputs);
        for (a, b) in analytic.y.iter().zip(&fd.y) {
            assert!(max_diff(&a[..1], &b[..1]) < 1e-3, "{a:?} vs {b:?}");
        }
        assert!(fd.stats.rhs_evals > analytic.stats.rhs_evals);
    }

    #[test]
    fn dopri5_struggles_on_stiff_van_der_pol() {
        // An explicit method is held to tiny steps by stability: stop it after 20k steps.
        let method = Method::Dopri5 {
            rtol: 1e-6,
            atol: 1e-6,
        };
        let mut steps = 0;
        let mut stop = |_| {
            steps += 1;
            steps < 20_000
        };
        let (sol, err) = integrate(
            &mut van_der_pol(1000.0),
            &method,
            0.0,
            &[2.0, 0.0],
            &[3000.0],
            &mut stop,
        );
        let Some(OdeError::Interrupted { t }) = err else {
            panic!("expected an interruption, got {err:?}")
        };
        eprintln!("Dopri5 on Van der Pol μ=1000: t = {t} after 20000 steps");
        assert!(t < 100.0, "{t}");
        assert!(sol.t.is_empty());
    }

    #[test]
    fn rosenbrock_solves_robertson() {
        let robertson = Sys::new(3, |_, y: &[f64], d: &mut [f64]| {
            d[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
            d[2] = 3e7 * y[1] * y[1];
            d[1] = -d[0] - d[2];
        });
        let outputs = [40.0, 1e5];
        let method = Method::Rosenbrock {
            rtol: 1e-6,
            atol: 1e-10,
        };
        let mut sys = robertson;
        let sol = solve(&mut sys, method, &[1.0, 0.0, 0.0], &outputs);
        eprintln!("Robertson with RODAS3: {:?}", sol.stats);
        let reference = [0.7158270687, 9.185534764e-6, 0.2841637457];
        for (y, r) in sol.y[0].iter().zip(reference) {
            assert!((y - r).abs() < 1e-4 * r, "{:?}", sol.y[0]);
        }
        let total: f64 = sol.y[1].iter().sum();
        assert!((total - 1.0).abs() < 1e-8, "{total}");
        assert!(sol.stats.steps < 500, "{:?}", sol.stats);
    }

    fn blow_up() -> Sys<impl FnMut(f64, &[f64], &mut [f64])> {
        Sys::new(1, |_, y: &[f64], d: &mut [f64]| d[0] = y[0] * y[0])
    }

    #[test]
    fn blow_up_stops_near_the_singularity_and_keeps_the_solution() {
        // No output at t = 1 itself: a fixed-step method may step right onto the pole.
        let mut outputs: Vec<f64> = (0..10).map(|i| i as f64 * 0.1).collect();
        outputs.extend([0.95, 1.05, 1.5]);
        let methods = [
            Method::Rk4 { dt: 1e-3 },
            Method::Dopri5 {
                rtol: 1e-8,
                atol: 1e-8,
            },
            Method::Rosenbrock {
                rtol: 1e-6,
                atol: 1e-6,
            },
        ];
        for method in methods {
            let (sol, err) = integrate(
                &mut blow_up(),
                &method,
                0.0,
                &[1.0],
                &outputs,
                &mut no_progress(),
            );
            let t = match &err {
                Some(OdeError::NonFinite { t, .. }) | Some(OdeError::StepUnderflow { t, .. }) => *t,
                other => panic!("{method:?}: expected a blow-up, got {other:?}"),
            };
            eprintln!("{method:?}: {}", err.as_ref().unwrap());
            assert!((t - 1.0).abs() < 0.01, "{method:?}: stopped at {t}");
            // Outputs before the singularity are all there, none after.
            assert_eq!(sol.t, outputs[..11], "{method:?}");
            for (t, y) in sol.t.iter().zip(&sol.y) {
                let exact = 1.0 / (1.0 - t);
                assert!(
                    (y[0] - exact).abs() < 1e-4 * exact,
                    "{method:?} at {t}: {y:?}"
                );
            }
        }
    }

    #[test]
    fn interruption_keeps_the_partial_solution() {
        let outputs: Vec<f64> = (0..=10).map(|i| i as f64).collect();
        let mut stop_after_5 = |t: f64| t < 5.0;
        let method = Method::Dopri5 {
            rtol: 1e-8,
            atol: 1e-8,
        };
        let (sol, err) = integrate(
            &mut decay(),
            &method,
            0.0,
            &[1.0],
            &outputs,
            &mut stop_after_5,
        );
        let Some(OdeError::Interrupted { t }) = err else {
            panic!("{err:?}")
        };
        assert!((5.0..6.0).contains(&t));
        assert_eq!(sol.t, outputs[..=5]);
        assert!((sol.y[5][0] - (-5.0f64).exp()).abs() < 1e-8);
    }

    #[test]
    fn non_finite_initial_rate_is_reported() {
        let mut sys = Sys::new(1, |_, y: &[f64], d: &mut [f64]| d[0] = y[0].ln());
        let method = Method::Rosenbrock {
            rtol: 1e-6,
            atol: 1e-6,
        };
        let (sol, err) = integrate(
            &mut sys,
            &method,
            0.0,
            &[0.0],
            &[0.0, 1.0],
            &mut no_progress(),
        );
        assert_eq!(sol.t, [0.0]);
        let err = err.unwrap();
        assert!(matches!(err, OdeError::NonFinite { t, .. } if t == 0.0));
        assert!(err.to_string().contains("t = 0"), "{err}");
    }

    #[test]
    fn outputs_at_the_start_need_no_steps() {
        for method in [
            Method::Rk4 { dt: 0.1 },
            Method::Dopri5 {
                rtol: 1e-6,
                atol: 1e-6,
            },
            Method::Rosenbrock {
                rtol: 1e-6,
                atol: 1e-6,
            },
        ] {
            let sol = solve(&mut decay(), method, &[2.0], &[]);
            assert!(sol.t.is_empty() && sol.stats == Stats::default());
            let sol = solve(&mut decay(), method, &[2.0], &[0.0, 0.0]);
            assert_eq!((sol.t, sol.y), (vec![0.0, 0.0], vec![vec![2.0], vec![2.0]]));
            assert_eq!(sol.stats.steps, 0);
        }
    }

    #[test]
    fn messages_name_time_and_state() {
        let long = OdeError::StepUnderflow {
            t: 0.5,
            h: 1e-15,
            state: (0..20).map(f64::from).collect(),
        };
        let text = long.to_string();
        assert!(
            text.contains("t = 0.5") && text.contains("[0.0, 1.0,") && text.contains("(20 values)"),
            "{text}"
        );
        let nan = OdeError::NonFinite {
            t: 2.0,
            state: vec![f64::NAN, f64::INFINITY],
        };
        assert!(nan.to_string().contains("[NaN, inf]"), "{nan}");
    }

    #[test]
    fn lu_solves_with_pivoting() {
        // Needs a row swap at the first step (zero in the corner).
        let a = [0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 4.0, -1.0, 3.0];
        let x = [1.0, -2.0, 3.0];
        let mut b: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|j| a[i * 3 + j] * x[j]).sum())
            .collect();
        let (mut lu, mut piv) = (a.to_vec(), vec![0; 3]);
        assert!(lu_factor(&mut lu, 3, &mut piv));
        lu_solve(&lu, 3, &piv, &mut b);
        assert!(max_diff(&b, &x) < 1e-14, "{b:?}");
        let mut singular = vec![1.0, 2.0, 2.0, 4.0];
        assert!(!lu_factor(&mut singular, 2, &mut [0; 2]));
    }
}
