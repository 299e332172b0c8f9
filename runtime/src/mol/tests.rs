//! Tests of the public interface: derivative orders on every kind of end, spectral
//! exactness, set-up errors, the heat equation by the method of lines, and ETDRK4.

use super::*;
use crate::ode::{integrate, Method, OdeError, OdeSystem, Solution};
use crate::test_support::{fitted_order, max_diff};
use std::f64::consts::PI;
use std::ops::Range;
use std::time::Instant;

fn sci(values: &[f64]) -> String {
    let parts: Vec<String> = values.iter().map(|v| format!("{v:.2e}")).collect();
    parts.join(", ")
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn no_progress() -> impl FnMut(f64) -> bool {
    |_| true
}

/// A smooth test function with its derivatives 0..=4 and where it lives.
struct Case {
    name: &'static str,
    lo: f64,
    hi: f64,
    ends: (Boundary, Boundary),
    f: fn(f64) -> [f64; 5],
}

/// exp(a x) and its derivatives.
fn exp15(x: f64) -> [f64; 5] {
    let a: f64 = 1.5;
    std::array::from_fn(|k| a.powi(k as i32) * (a * x).exp())
}

/// exp(sin x), periodic on [0, 2π).
fn exp_sin(x: f64) -> [f64; 5] {
    let (s, c) = x.sin_cos();
    let f = s.exp();
    [
        f,
        c * f,
        (c * c - s) * f,
        (-c - 3.0 * c * s + c.powi(3)) * f,
        (s + 3.0 * s * s - 4.0 * c * c - 6.0 * c * c * s + c.powi(4)) * f,
    ]
}

/// cos(2x + 0.3).
fn cos2(x: f64) -> [f64; 5] {
    let p = 2.0 * x + 0.3;
    [
        p.cos(),
        -2.0 * p.sin(),
        -4.0 * p.cos(),
        8.0 * p.sin(),
        16.0 * p.cos(),
    ]
}

fn cases() -> [Case; 4] {
    use Boundary::*;
    [
        Case {
            name: "periodic exp(sin x)",
            lo: 0.0,
            hi: 2.0 * PI,
            ends: (Periodic, Periodic),
            f: exp_sin,
        },
        Case {
            name: "Dirichlet exp(1.5x)",
            lo: 0.0,
            hi: 1.0,
            ends: (Dirichlet, Dirichlet),
            f: exp15,
        },
        Case {
            name: "Neumann exp(1.5x)",
            lo: 0.0,
            hi: 1.0,
            ends: (Neumann, Neumann),
            f: exp15,
        },
        Case {
            name: "Neumann/Dirichlet cos(2x+0.3)",
            lo: 0.0,
            hi: 1.0,
            ends: (Neumann, Dirichlet),
            f: cos2,
        },
    ]
}

/// Max error of each derivative 1..=4 on `n` points.
fn derivative_errors(case: &Case, scheme: Scheme, n: usize) -> (f64, [f64; 4]) {
    let grid = Grid1d::new(case.lo, case.hi, n, case.ends.0, case.ends.1).unwrap();
    let exact: Vec<[f64; 5]> = grid.points().iter().map(|&x| (case.f)(x)).collect();
    let mut u: Vec<f64> = exact.iter().map(|e| e[0]).collect();
    // Dirichlet ends must come from the boundary values, not from u.
    let unknowns = grid.unknowns();
    for (i, ui) in u.iter_mut().enumerate() {
        if !unknowns.contains(&i) {
            *ui = 99.0;
        }
    }
    let value = |x: f64, end: Boundary| match end {
        Boundary::Neumann => (case.f)(x)[1],
        _ => (case.f)(x)[0],
    };
    let (left, right) = (value(case.lo, case.ends.0), value(case.hi, case.ends.1));
    let mut d = Derivatives::new(&grid, scheme, 4).unwrap();
    let mut cols = d.columns();
    d.compute(&u, left, right, &mut cols);
    let truth: Vec<f64> = exact.iter().map(|e| e[0]).collect();
    assert!(max_diff(&cols[0], &truth) < 1e-15, "{}", case.name);
    let errors = std::array::from_fn(|k| {
        let truth: Vec<f64> = exact.iter().map(|e| e[k + 1]).collect();
        max_diff(&cols[k + 1], &truth)
    });
    (grid.spacing(), errors)
}

#[test]
fn finite_differences_converge_at_their_order() {
    let started = Instant::now();
    for case in cases() {
        for (scheme, order) in [(Scheme::Fd2, 2.0), (Scheme::Fd4, 4.0)] {
            let periodic = case.ends.0 == Boundary::Periodic;
            // Near ends u_xxx and u_xxxx come from wide one-sided stencils whose rounding
            // error grows as h⁻³ and h⁻⁴: coarser grids keep them above it.
            let fine: &[usize] = if periodic {
                &[16, 32, 64, 128]
            } else {
                &[21, 41, 81, 161]
            };
            let coarse: &[usize] = if periodic { fine } else { &[21, 31, 41, 61] };
            let mut orders = [0.0; 4];
            for (k, p) in orders.iter_mut().enumerate() {
                let ns = if k < 2 { fine } else { coarse };
                let (hs, errors): (Vec<f64>, Vec<f64>) = ns
                    .iter()
                    .map(|&n| {
                        let (h, e) = derivative_errors(&case, scheme, n);
                        (h, e[k])
                    })
                    .unzip();
                *p = fitted_order(&hs, &errors);
            }
            eprintln!(
                "{scheme:?} {}: orders u_x {:.2}, u_xx {:.2}, u_xxx {:.2}, u_xxxx {:.2}",
                case.name, orders[0], orders[1], orders[2], orders[3]
            );
            for (k, p) in orders.iter().enumerate() {
                let slack = if k < 2 { 0.3 } else { 0.5 };
                assert!(
                    *p > order - slack,
                    "{scheme:?} {}: derivative {} has order {p}",
                    case.name,
                    k + 1
                );
            }
        }
    }
    eprintln!("finite-difference orders: {:?}", started.elapsed());
}

/// Σ_m (a_m cos + b_m sin)(2π m (x − lo)/L) and its derivatives.
fn trig(x: f64, lo: f64, period: f64, terms: &[(f64, f64, f64)]) -> [f64; 5] {
    let mut out = [0.0; 5];
    for &(m, a, b) in terms {
        let w = 2.0 * PI * m / period;
        let (s, c) = (w * (x - lo)).sin_cos();
        // d/dx cycles (c, s) → (−s, c) scaled by w.
        let cycle = [(c, s), (-s, c), (-c, -s), (s, -c)];
        for (k, o) in out.iter_mut().enumerate() {
            let (ck, sk) = cycle[k % 4];
            *o += w.powi(k as i32) * (a * ck + b * sk);
        }
    }
    out
}

#[test]
fn spectral_differentiation_is_exact_for_trigonometric_polynomials() {
    // Mode 16 is the Nyquist mode of 32 points: its odd derivatives vanish on the grid.
    let terms = [
        (0.0, 0.7, 0.0),
        (3.0, 0.0, 1.0),
        (5.0, 0.5, -0.3),
        (11.0, 0.0, -0.25),
        (16.0, 0.1, 0.0),
    ];
    for (lo, hi, n) in [(0.0, 2.0 * PI, 32), (-1.0, 3.0, 32), (-1.0, 3.0, 33)] {
        let grid = Grid1d::new(lo, hi, n, Boundary::Periodic, Boundary::Periodic).unwrap();
        let exact: Vec<[f64; 5]> = grid
            .points()
            .iter()
            .map(|&x| trig(x, lo, hi - lo, &terms))
            .collect();
        let u: Vec<f64> = exact.iter().map(|e| e[0]).collect();
        let mut d = Derivatives::new(&grid, Scheme::Spectral, 4).unwrap();
        let mut cols = d.columns();
        d.compute(&u, 0.0, 0.0, &mut cols);
        for k in 1..=4 {
            let truth: Vec<f64> = exact.iter().map(|e| e[k]).collect();
            let err = max_diff(&cols[k], &truth);
            let rel = err / max_abs(&truth);
            eprintln!("spectral [{lo}, {hi}) n={n}: u^({k}) error {err:.1e} (relative {rel:.1e})");
            assert!(rel < 1e-13, "order {k}: {err}");
            if k <= 2 {
                assert!(err < 1e-12, "order {k}: {err}");
            }
        }
    }
    // Beyond polynomials: exp(sin x) to rounding with 32 points.
    let grid = Grid1d::new(0.0, 2.0 * PI, 32, Boundary::Periodic, Boundary::Periodic).unwrap();
    let u: Vec<f64> = grid.points().iter().map(|&x| exp_sin(x)[0]).collect();
    let mut d = Derivatives::new(&grid, Scheme::Spectral, 2).unwrap();
    let mut cols = d.columns();
    d.compute(&u, 0.0, 0.0, &mut cols);
    let ux: Vec<f64> = grid.points().iter().map(|&x| exp_sin(x)[1]).collect();
    assert!(
        max_diff(&cols[1], &ux) < 1e-12,
        "{}",
        max_diff(&cols[1], &ux)
    );
}

#[test]
fn setup_errors_are_reported() {
    use Boundary::*;
    assert_eq!(
        Grid1d::new(1.0, 1.0, 10, Dirichlet, Dirichlet),
        Err(MolError::Interval { lo: 1.0, hi: 1.0 })
    );
    assert_eq!(
        Grid1d::new(0.0, 1.0, 10, Periodic, Neumann),
        Err(MolError::HalfPeriodic)
    );
    let walls = Grid1d::new(0.0, 1.0, 7, Dirichlet, Neumann).unwrap();
    assert_eq!(
        Derivatives::new(&walls, Scheme::Spectral, 1).err(),
        Some(MolError::SpectralNeedsPeriodic)
    );
    assert_eq!(
        Derivatives::new(&walls, Scheme::Fd2, 5).err(),
        Some(MolError::Order { max_order: 5 })
    );
    // FD4's u_xxxx near a Dirichlet end needs 8 values.
    let err = Derivatives::new(&walls, Scheme::Fd4, 4).err().unwrap();
    assert_eq!(err, MolError::TooFewPoints { n: 7, needed: 8 });
    assert!(err.to_string().contains("needs at least 8"), "{err}");
    assert!(Derivatives::new(&walls, Scheme::Fd4, 2).is_ok());
    assert_eq!(walls.unknowns(), 1..7);
}

/// u_t = ν u_xx on [0, π] with u = 0 (Dirichlet) or u_x = 0 (Neumann) at both ends.
struct Heat {
    nu: f64,
    unknowns: Range<usize>,
    d: Derivatives,
    cols: Vec<Vec<f64>>,
}

impl OdeSystem for Heat {
    fn dim(&self) -> usize {
        self.cols[0].len()
    }

    fn rhs(&mut self, _t: f64, y: &[f64], dydt: &mut [f64]) {
        self.d.compute(y, 0.0, 0.0, &mut self.cols);
        for (i, r) in dydt.iter_mut().enumerate() {
            // Dirichlet ends hold their (constant) values.
            *r = if self.unknowns.contains(&i) {
                self.nu * self.cols[2][i]
            } else {
                0.0
            };
        }
    }
}

/// The error at t = 1 of the mode sin x (Dirichlet) or cos x (Neumann), which decays
/// as exp(−ν t).
fn heat_error(scheme: Scheme, end: Boundary, n: usize) -> (f64, f64) {
    let nu = 0.5;
    let mode = if end == Boundary::Dirichlet {
        f64::sin
    } else {
        f64::cos
    };
    let grid = Grid1d::new(0.0, PI, n, end, end).unwrap();
    let d = Derivatives::new(&grid, scheme, 2).unwrap();
    let mut heat = Heat {
        nu,
        unknowns: grid.unknowns(),
        cols: d.columns(),
        d,
    };
    let mut u0: Vec<f64> = grid.points().iter().map(|&x| mode(x)).collect();
    grid.impose(&mut u0, 0.0, 0.0);
    let method = Method::Dopri5 {
        rtol: 1e-12,
        atol: 1e-12,
    };
    let (sol, err) = integrate(&mut heat, &method, 0.0, &u0, &[1.0], &mut no_progress());
    assert_eq!(err, None);
    let exact: Vec<f64> = grid
        .points()
        .iter()
        .map(|&x| (-nu).exp() * mode(x))
        .collect();
    (grid.spacing(), max_diff(&sol.y[0], &exact))
}

#[test]
fn heat_equation_converges_in_space() {
    let started = Instant::now();
    let runs = [
        (Scheme::Fd2, 2.0, &[21, 41, 81, 161][..]),
        (Scheme::Fd4, 4.0, &[21, 41, 81][..]),
    ];
    for end in [Boundary::Dirichlet, Boundary::Neumann] {
        for (scheme, order, ns) in runs {
            let (hs, errors): (Vec<f64>, Vec<f64>) =
                ns.iter().map(|&n| heat_error(scheme, end, n)).unzip();
            let p = fitted_order(&hs, &errors);
            eprintln!(
                "heat equation {end:?} {scheme:?}: errors {}, order {p:.2}",
                sci(&errors)
            );
            assert!((p - order).abs() < 0.3, "{end:?} {scheme:?}: {p}");
        }
    }
    eprintln!("heat equation: {:?}", started.elapsed());
}

/// u_t = L u − (u²/2)_x (the nonlinearity dropped if `burgers` is false), with the
/// nonlinear term by spectral differentiation as the compiler would evaluate it.
struct Conservative {
    symbol: Box<dyn Fn(f64) -> Complex64>,
    burgers: bool,
    d: Derivatives,
    square: Vec<f64>,
    cols: Vec<Vec<f64>>,
}

impl Conservative {
    fn new(grid: &Grid1d, burgers: bool, symbol: impl Fn(f64) -> Complex64 + 'static) -> Self {
        let d = Derivatives::new(grid, Scheme::Spectral, 1).unwrap();
        Conservative {
            symbol: Box::new(symbol),
            burgers,
            square: vec![0.0; grid.points().len()],
            cols: d.columns(),
            d,
        }
    }
}

impl Semilinear for Conservative {
    fn symbol(&self, k: f64) -> Complex64 {
        (self.symbol)(k)
    }

    fn nonlinear(&mut self, _t: f64, u: &[f64], out: &mut [f64]) {
        if !self.burgers {
            out.fill(0.0);
            return;
        }
        for (s, u) in self.square.iter_mut().zip(u) {
            *s = 0.5 * u * u;
        }
        self.d.compute(&self.square, 0.0, 0.0, &mut self.cols);
        for (o, d) in out.iter_mut().zip(&self.cols[1]) {
            *o = -d;
        }
    }
}

fn periodic(lo: f64, hi: f64, n: usize) -> Grid1d {
    Grid1d::new(lo, hi, n, Boundary::Periodic, Boundary::Periodic).unwrap()
}

fn run_etdrk4(
    grid: &Grid1d,
    pde: &mut dyn Semilinear,
    dt: f64,
    u0: &[f64],
    outputs: &[f64],
) -> Solution {
    let (sol, err) = etdrk4(grid, pde, dt, 0.0, u0, outputs, &mut no_progress());
    assert_eq!(err, None);
    sol
}

#[test]
fn etdrk4_is_exact_for_linear_problems() {
    let grid = periodic(0.0, 2.0 * PI, 32);
    let xs = grid.points();
    let nu = 0.1;
    // Heat: each mode decays by exp(−ν k² t), the Nyquist mode cos 16x too.
    let mut heat = Conservative::new(&grid, false, move |k| Complex64::new(-nu * k * k, 0.0));
    let u0: Vec<f64> = xs
        .iter()
        .map(|x| x.sin() + 0.5 * (3.0 * x).cos() + 0.1 * (16.0 * x).cos())
        .collect();
    // Outputs off the multiples of dt: the steps before them are shortened.
    let outputs = [0.0, 0.3, 1.0, 2.5];
    let sol = run_etdrk4(&grid, &mut heat, 0.2, &u0, &outputs);
    assert_eq!(sol.t, outputs);
    assert_eq!(sol.stats.steps, 2 + 4 + 8);
    for (t, u) in sol.t.iter().zip(&sol.y) {
        let exact: Vec<f64> = xs
            .iter()
            .map(|x| {
                (-nu * t).exp() * x.sin()
                    + 0.5 * (-9.0 * nu * t).exp() * (3.0 * x).cos()
                    + 0.1 * (-256.0 * nu * t).exp() * (16.0 * x).cos()
            })
            .collect();
        let err = max_diff(u, &exact);
        assert!(err < 1e-14, "heat at t = {t}: {err:e}");
    }
    // Airy, u_t = −u_xxx: L(k) = i k³ moves e^{ikx} to e^{ik(x + k² t)}.
    let mut airy = Conservative::new(&grid, false, |k| Complex64::new(0.0, k.powi(3)));
    let u0: Vec<f64> = xs.iter().map(|x| x.sin() + 0.5 * (3.0 * x).cos()).collect();
    let sol = run_etdrk4(&grid, &mut airy, 0.1, &u0, &[0.35, 1.0]);
    for (t, u) in sol.t.iter().zip(&sol.y) {
        let exact: Vec<f64> = xs
            .iter()
            .map(|x| (x + t).sin() + 0.5 * (3.0 * x + 27.0 * t).cos())
            .collect();
        let err = max_diff(u, &exact);
        assert!(err < 1e-13, "Airy at t = {t}: {err:e}");
    }
}

fn kuramoto_sivashinsky(grid: &Grid1d) -> (Conservative, Vec<f64>) {
    let pde = Conservative::new(grid, true, |k| Complex64::new(k * k - k.powi(4), 0.0));
    let u0 = grid
        .points()
        .iter()
        .map(|x| (x / 16.0).cos() * (1.0 + (x / 16.0).sin()))
        .collect();
    (pde, u0)
}

#[test]
fn etdrk4_solves_kuramoto_sivashinsky_at_fourth_order() {
    let started = Instant::now();
    let grid = periodic(0.0, 32.0 * PI, 128);
    let (mut ks, u0) = kuramoto_sivashinsky(&grid);
    let outputs: Vec<f64> = (0..=10).map(|i| 5.0 * i as f64).collect();
    let sol = run_etdrk4(&grid, &mut ks, 0.25, &u0, &outputs);
    assert_eq!(sol.t, outputs);
    assert_eq!(sol.stats.steps, 200);
    assert_eq!(sol.stats.rhs_evals, 800);
    let peak = sol.y.iter().map(|u| max_abs(u)).fold(0.0, f64::max);
    eprintln!(
        "KS to t = 50 with dt = 1/4: max |u| = {peak:.3}, {:?}",
        started.elapsed()
    );
    // The chaotic state settles at |u| of a few units.
    assert!(peak.is_finite() && peak < 5.0 && peak > 1.0, "{peak}");

    let started = Instant::now();
    let reference = run_etdrk4(&grid, &mut ks, 1.0 / 64.0, &u0, &[10.0]);
    let dts = [0.5, 0.25, 0.125];
    let errors: Vec<f64> = dts
        .iter()
        .map(|&dt| {
            max_diff(
                &run_etdrk4(&grid, &mut ks, dt, &u0, &[10.0]).y[0],
                &reference.y[0],
            )
        })
        .collect();
    let p = fitted_order(&dts, &errors);
    eprintln!(
        "KS at t = 10: errors {} for dt {dts:?}, order {p:.2}, {:?}",
        sci(&errors),
        started.elapsed()
    );
    // Fourth order, less the stiff order reduction of Cox–Matthews' scheme (Hochbruck &
    // Ostermann 2005) that shows at these steps: pairwise orders 4.5, then 2.5, rising
    // back towards 4 as dt → 0.
    assert!((p - 4.0).abs() < 0.5, "{p}");
}

/// −u_xx − u_xxxx − (u²/2)_x by spectral differentiation, for `ode::integrate`.
struct KsLines {
    d: Derivatives,
    square: Vec<f64>,
    cols: Vec<Vec<f64>>,
}

impl OdeSystem for KsLines {
    fn dim(&self) -> usize {
        self.square.len()
    }

    fn rhs(&mut self, _t: f64, y: &[f64], dydt: &mut [f64]) {
        self.d.compute(y, 0.0, 0.0, &mut self.cols);
        for (r, (uxx, uxxxx)) in dydt.iter_mut().zip(self.cols[2].iter().zip(&self.cols[4])) {
            *r = -uxx - uxxxx;
        }
        for (s, u) in self.square.iter_mut().zip(y) {
            *s = 0.5 * u * u;
        }
        self.d.compute(&self.square, 0.0, 0.0, &mut self.cols);
        for (r, flux_x) in dydt.iter_mut().zip(&self.cols[1]) {
            *r -= flux_x;
        }
    }
}

#[test]
fn etdrk4_agrees_with_dopri5_on_the_same_lines() {
    // An independent check of the scheme: the same semi-discretisation integrated as an
    // ODE system with tight tolerances.
    let started = Instant::now();
    let grid = periodic(0.0, 32.0 * PI, 64);
    let (mut ks, u0) = kuramoto_sivashinsky(&grid);
    let exp = run_etdrk4(&grid, &mut ks, 1.0 / 32.0, &u0, &[2.0]);
    let d = Derivatives::new(&grid, Scheme::Spectral, 4).unwrap();
    let mut lines = KsLines {
        cols: d.columns(),
        d,
        square: vec![0.0; u0.len()],
    };
    let method = Method::Dopri5 {
        rtol: 1e-12,
        atol: 1e-12,
    };
    let (sol, err) = integrate(&mut lines, &method, 0.0, &u0, &[2.0], &mut no_progress());
    assert_eq!(err, None);
    let diff = max_diff(&exp.y[0], &sol.y[0]);
    eprintln!(
        "KS at t = 2: ETDRK4 (dt = 1/32) vs Dopri5 {diff:.1e}, {:?}",
        started.elapsed()
    );
    assert!(diff < 1e-9, "{diff}");
}

#[test]
fn etdrk4_keeps_kdv_bounded_and_conserves_mass() {
    let started = Instant::now();
    // Zabusky & Kruskal: u_t + u u_x + δ² u_xxx = 0 on [0, 2), u0 = cos πx.
    let delta2: f64 = 0.022 * 0.022;
    let grid = periodic(0.0, 2.0, 256);
    let mut kdv = Conservative::new(&grid, true, move |k| {
        Complex64::new(0.0, delta2 * k.powi(3))
    });
    let u0: Vec<f64> = grid.points().iter().map(|x| (PI * x).cos()).collect();
    let outputs: Vec<f64> = (0..=10).map(|i| 0.1 * i as f64).collect();
    // dt = 1e-3 is within 3e-5 of the converged solution at t = 1.
    let sol = run_etdrk4(&grid, &mut kdv, 1e-3, &u0, &outputs);
    assert_eq!(sol.t, outputs);
    let h = grid.spacing();
    let mass = |u: &[f64]| h * u.iter().sum::<f64>();
    let m0 = mass(&u0);
    let drift = sol
        .y
        .iter()
        .map(|u| (mass(u) - m0).abs())
        .fold(0.0, f64::max);
    let peak = sol.y.iter().map(|u| max_abs(u)).fold(0.0, f64::max);
    eprintln!(
        "KdV to t = 1 with dt = 1e-3: max |u| = {peak:.3}, mass drift {drift:.1e}, {:?}",
        started.elapsed()
    );
    assert!(drift < 1e-12, "{drift}");
    // Solitons form (the tallest about three times u0's height) but nothing blows up.
    assert!(peak > 2.0 && peak < 4.0, "{peak}");
}

#[test]
fn etdrk4_reports_blow_up_and_interruption() {
    // u_t = u², u(0) = 1: u = 1/(1 − t) escapes at t = 1.
    struct Square;
    impl Semilinear for Square {
        fn symbol(&self, _k: f64) -> Complex64 {
            Complex64::default()
        }
        fn nonlinear(&mut self, _t: f64, u: &[f64], out: &mut [f64]) {
            for (o, u) in out.iter_mut().zip(u) {
                *o = u * u;
            }
        }
    }
    let grid = periodic(0.0, 1.0, 8);
    let outputs = [0.5, 2.0, 3.0];
    let (sol, err) = etdrk4(
        &grid,
        &mut Square,
        0.01,
        0.0,
        &[1.0; 8],
        &outputs,
        &mut no_progress(),
    );
    let Some(OdeError::NonFinite { t, state }) = err else {
        panic!("{err:?}")
    };
    assert!(t > 1.0 && t < 2.0 && state.len() == 8, "{t}");
    assert_eq!(sol.t, [0.5]);
    assert!((sol.y[0][3] - 2.0).abs() < 1e-8, "{:?}", sol.y[0]);

    let grid = periodic(0.0, 32.0 * PI, 128);
    let (mut ks, u0) = kuramoto_sivashinsky(&grid);
    let mut stop = |t: f64| t < 2.0;
    let (sol, err) = etdrk4(&grid, &mut ks, 0.25, 0.0, &u0, &[1.0, 5.0], &mut stop);
    assert_eq!(err, Some(OdeError::Interrupted { t: 2.0 }));
    assert_eq!((sol.t, sol.stats.steps), (vec![1.0], 8));
}
