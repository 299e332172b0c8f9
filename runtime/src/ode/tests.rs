//! Tests of the integrators (convergence orders, with fixed steps through `Stepper` or
//! adaptive through `integrate`; dense output, stiff problems, blow-up and interruption),
//! with the model systems they share.

use super::adaptive::Stepper;
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
