//! RODAS3, a stiffly accurate, L-stable Rosenbrock method, with Hermite interpolation
//! between steps and the dense LU factorization it solves its stages with: the method
//! for stiff problems. Separate because of its linear algebra and its own error
//! estimate; the driver is in `adaptive.rs`.

use super::adaptive::{accumulate, combine, Controller, Stepper, Tolerance};
use super::error::all_finite;
use super::system::Counted;

/// A Rosenbrock method in the form of Hairer & Wanner (as in KPP), with K_i = h·k_i:
///
/// ```text
/// (1/(hγ) − J) K_i = f(t + α_i h, y + Σ_j a_ij K_j) + Σ_j (c_ij / h) K_j + h γ_i ∂f/∂t
/// y_new = y + Σ m_i K_i,    error = Σ e_i K_i
/// ```
pub(super) struct RosenbrockTableau {
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
pub(super) const RODAS3: RosenbrockTableau = RosenbrockTableau {
    gamma: 0.5,
    a: &[0.0, 2.0, 0.0, 2.0, 0.0, 1.0],
    c: &[4.0, 1.0, -1.0, 1.0, -1.0, -8.0 / 3.0],
    alpha: &[0.0, 0.0, 1.0, 1.0],
    gammas: &[0.5, 1.5, 0.0, 0.0],
    new_f: &[true, false, true, true],
    m: &[2.0, 0.0, 1.0, 1.0],
    e: &[0.0, 0.0, 0.0, 1.0],
};

pub(super) struct Rosenbrock {
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
    pub(super) fn new(tab: &'static RosenbrockTableau, y0: &[f64], f0: Vec<f64>) -> Self {
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
    use crate::test_support::max_diff;

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
