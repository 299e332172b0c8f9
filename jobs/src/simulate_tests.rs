//! The simulate job through the library, in memory: ODEs and PDEs compiled from source
//! text, run by `simulate::run`, and their arrays compared with exact solutions; runs stopped
//! by a blow-up or a cancel keep what they computed.

use super::*;
use crate::RunOptions;
use physc_runtime::ode::Method;
use std::f64::consts::PI;

/// Compile `source` and simulate its first job.
fn simulate(source: &str, options: &RunOptions) -> Result<Completed<Simulated>, JobError> {
    let compilation = physc_compiler::driver::compile_source("test.phys", source);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let job = &compilation.program.jobs[0];
    let model = &compilation.program.models[job.model.expect("a simulate job names a model")];
    run(model, job, options)
}

fn completed(source: &str) -> Simulated {
    let done = simulate(source, &RunOptions::default()).expect("the model simulates");
    assert_eq!(done.stopped, None);
    done.result
}

fn kind(source: &str) -> SimulationKind {
    let compilation = physc_compiler::driver::compile_source("test.phys", source);
    SimulationKind::of(&compilation.program.models[0])
}

const HEAT: &str = "model Heat {\n  space x in [0, pi]\n  time t in [0, 1]\n  field u(x, t)\n  pde dt(u) = 0.5 * dxx(u)\n  initial u = sin(x)\n  boundary u = 0 on boundary\n}\nsimulate Heat {\n  method dopri5(rtol: 1e-12, atol: 1e-14)\n  grid x: 33\n  scheme fd4\n  output points: 11\n}\n";

const ROTOR: &str = "model Rotor {\n  space x in [0, 2 * pi]\n  time t in [0, 2]\n  const D = 0.1\n  field u(x, t)\n  field v(x, t)\n  pde dt(u) = D * dxx(u) - v\n  pde dt(v) = D * dxx(v) + u\n  initial u = sin(x)\n  initial v = 0\n  boundary periodic in x\n}\nsimulate Rotor {\n  method dopri5(rtol: 1e-10, atol: 1e-12)\n  grid x: 64\n  output every: 0.5\n}\n";

const BLOW_UP: &str = "model Blowup {\n  time t in [0, 2]\n  field y(t)\n  ode dt(y) = y^2\n  initial y = 1\n}\nsimulate Blowup {\n  output every: 0.1\n}\n";

#[test]
fn oscillator_states_follow_cos_and_sin() {
    let source = include_str!("../../examples/oscillator.phys");
    assert_eq!(kind(source), SimulationKind::Ode);
    let Simulated::Trajectory(trajectory) = completed(source) else {
        panic!("an ODE model gives a trajectory");
    };
    assert_eq!(trajectory.state_names, ["x", "v"]);
    assert_eq!(trajectory.states.dim(), (2001, 2));
    assert_eq!(trajectory.times.len(), 2001);
    assert_eq!(trajectory.times[2000], 20.0 * PI);
    let (x, v) = (
        trajectory.state("x").unwrap(),
        trajectory.state("v").unwrap(),
    );
    let worst = trajectory
        .times
        .iter()
        .enumerate()
        .map(|(k, t)| (x[k] - t.cos()).abs().max((v[k] + t.sin()).abs()))
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-7,
        "max error against cos(t) over ten periods: {worst:e}"
    );
    assert_eq!(
        trajectory.method,
        Method::Dopri5 {
            rtol: 1e-10,
            atol: 1e-12
        }
    );
    assert!(trajectory.stats.steps > 100 && trajectory.stats.rhs_evals > trajectory.stats.steps);
    assert_eq!(trajectory.report["completed"], true);
    assert_eq!(trajectory.report["outputs"], 2001);
    let summary = trajectory.summary(None);
    assert!(
        summary.starts_with("x, v: ") && !summary.contains("wrote"),
        "{summary}"
    );
    let written = trajectory.summary(Some(Path::new("out/Oscillator")));
    assert!(written.ends_with("\nwrote out/Oscillator"), "{written}");
}

#[test]
fn linear_decay_by_rk4_matches_the_exponential() {
    let source = "model Decay {\n  time t in [0, 2]\n  field x(t)\n  ode dt(x) = -2 * x\n  initial x = 3\n}\nsimulate Decay {\n  method rk4(dt: 0.001)\n  output every: 0.25\n}\n";
    let Simulated::Trajectory(trajectory) = completed(source) else {
        panic!("an ODE model gives a trajectory");
    };
    assert_eq!(trajectory.states.dim(), (9, 1));
    for (k, t) in trajectory.times.iter().enumerate() {
        let exact = 3.0 * (-2.0 * t).exp();
        // RK4's global error is about dt⁴ times the solution's fifth derivative.
        assert!(
            (trajectory.states[[k, 0]] - exact).abs() < 1e-11,
            "x({t}) = {} against {exact}",
            trajectory.states[[k, 0]]
        );
    }
    assert_eq!(trajectory.stats.steps, 2000);
}

#[test]
fn heat_equation_by_the_method_of_lines_decays_as_the_sine_mode() {
    assert_eq!(kind(HEAT), SimulationKind::Line);
    let Simulated::Fields(fields) = completed(HEAT) else {
        panic!("a PDE model gives fields");
    };
    assert_eq!(fields.time_name, "t");
    assert_eq!(fields.axes.len(), 1);
    let x = &fields.axes[0].points;
    assert_eq!((x.len(), x[0], x[32]), (33, 0.0, PI));
    let u = fields.field("u").expect("the field u");
    assert_eq!(u.shape(), [11, 33]);
    // u = sin(x) e^{-t/2}; fourth-order differences on h = π/32 are good to about 1e-7.
    let mut worst = 0.0f64;
    for (k, t) in fields.times.iter().enumerate() {
        for (i, xi) in x.iter().enumerate() {
            worst = worst.max((u[[k, i]] - xi.sin() * (-0.5 * t).exp()).abs());
        }
    }
    assert!(
        worst < 1e-6,
        "max error against the decaying sine: {worst:e}"
    );
    assert!(worst > 0.0, "a discretised equation is not exact");
    assert_eq!(fields.report["grid"]["x"], 33);
    let summary = fields.summary(None);
    assert!(summary.starts_with("u: 33 points, "), "{summary}");
}

#[test]
fn periodic_heat_by_etdrk4_is_exact_for_its_linear_part() {
    let source = "model Ring {\n  space x in [0, 2 * pi]\n  time t in [0, 1]\n  field u(x, t)\n  pde dt(u) = 0.5 * dxx(u)\n  initial u = sin(x) + cos(3 * x)\n  boundary periodic in x\n}\nsimulate Ring {\n  method etdrk4(dt: 0.01)\n  scheme spectral\n  grid x: 32\n  output points: 5\n}\n";
    let Simulated::Fields(fields) = completed(source) else {
        panic!("a PDE model gives fields");
    };
    let u = fields.field("u").unwrap();
    assert_eq!(u.shape(), [5, 32]);
    let x = &fields.axes[0].points;
    let last = fields.times.len() - 1;
    assert_eq!(fields.times[last], 1.0);
    let worst = x
        .iter()
        .enumerate()
        .map(|(i, xi)| {
            let exact = xi.sin() * (-0.5f64).exp() + (3.0 * xi).cos() * (-4.5f64).exp();
            (u[[last, i]] - exact).abs()
        })
        .fold(0.0, f64::max);
    assert!(worst < 1e-12, "max error at t = 1: {worst:e}");
}

#[test]
fn coupled_fields_on_a_tensor_grid_rotate_and_decay() {
    // u + i v = e^{(i - D) t} sin x solves u_t = D u_xx - v, v_t = D v_xx + u.
    assert_eq!(kind(ROTOR), SimulationKind::TensorGrid);
    let Simulated::Fields(fields) = completed(ROTOR) else {
        panic!("a PDE model gives fields");
    };
    let names: Vec<&str> = fields.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["u", "v"]);
    let (u, v) = (fields.field("u").unwrap(), fields.field("v").unwrap());
    assert_eq!((u.shape(), v.shape()), (&[5, 64][..], &[5, 64][..]));
    let x = &fields.axes[0].points;
    let mut worst = 0.0f64;
    for (k, t) in fields.times.iter().enumerate() {
        let decay = (-0.1 * t).exp();
        for (i, xi) in x.iter().enumerate() {
            let (eu, ev) = (decay * t.cos() * xi.sin(), decay * t.sin() * xi.sin());
            worst = worst
                .max((u[[k, i]] - eu).abs())
                .max((v[[k, i]] - ev).abs());
        }
    }
    assert!(
        worst < 1e-5,
        "max error against the exact solution: {worst:e}"
    );
    assert_eq!(fields.summary(None).split(':').next(), Some("u, v"));
}

#[test]
fn a_blow_up_stops_the_run_and_keeps_the_trajectory_before_it() {
    let done = simulate(BLOW_UP, &RunOptions::default()).expect("the run starts");
    let Some(JobError::Failed(why)) = &done.stopped else {
        panic!("the blow-up stops the run: {:?}", done.stopped);
    };
    assert!(why.contains("at t = ") && why.contains("y = "), "{why}");
    let trajectory = done.result.as_trajectory().unwrap();
    assert!(trajectory.times.len() >= 9 && trajectory.times.len() < 21);
    assert_eq!(trajectory.states.nrows(), trajectory.times.len());
    assert_eq!(trajectory.report["completed"], false);
    // The solution 1/(1-t) is infinite at t = 1: compare before it.
    let before = trajectory.times.iter().zip(trajectory.state("y").unwrap());
    for (t, y) in before.filter(|(t, _)| **t < 0.95) {
        assert!((y - 1.0 / (1.0 - t)).abs() < 1e-6 * y, "y({t}) = {y}");
    }
}

#[test]
fn a_cancelled_run_returns_what_it_computed() {
    let options = RunOptions::default();
    options.cancel.cancel();
    for source in [BLOW_UP, HEAT, ROTOR] {
        let done = simulate(source, &options).expect("the run starts");
        let Some(JobError::Failed(why)) = &done.stopped else {
            panic!("the cancel stops the run: {:?}", done.stopped);
        };
        assert!(why.contains("interrupted at t = "), "{why}");
        // The initial state is recorded before the first step asks whether to go on.
        let times = done.result.times();
        assert!(!times.is_empty() && times.len() < 5, "{times}");
        assert_eq!(times[0], 0.0);
        assert_eq!(done.result.report()["completed"], false);
    }
}
