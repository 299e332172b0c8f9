//! physc from Rust, without files: train the heat equation from a source string and compare
//! the field (an ndarray) with the exact solution; then simulate Lorenz in memory and
//! discover its equations from the arrays.
//!
//! ```sh
//! cargo run --release --example embed
//! ```

use physc::{DiscoverConfig, Program, RunOptions, Simulated};
use std::f64::consts::PI;

const HEAT: &str = include_str!("../../examples/heat1d.phys");

const LORENZ: &str = "
model Lorenz {
  time  t in [0, 10]
  field x(t)
  field y(t)
  field z(t)
  ode dt(x) = 10 * (y - x)
  ode dt(y) = x * (28 - z) - y
  ode dt(z) = x * y - 8 / 3 * z
  initial x = -8
  initial y = 7
  initial z = 27
}

simulate Lorenz {
  method dopri5(rtol: 1e-10, atol: 1e-12)
  output every: 0.01
}
";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Train a physics-informed network for u_t = k u_xx, from source text.
    let program = Program::from_source("heat1d.phys", HEAT)?;
    println!("models: {:?}, jobs: {:?}", program.models(), program.jobs());
    let options = RunOptions {
        // A short run (the file asks for 2000 Adam + 3000 self-scaled Broyden steps).
        max_steps: Some(400),
        ..RunOptions::default()
    };
    let trained = program.train("Heat1D", &options)?.result;
    let grid = &trained.fields;
    // Fields are laid out time first: u[[i, j]] is at t[i], x[j].
    let (t, x) = (grid.axis("t").ok_or("no t")?, grid.axis("x").ok_or("no x")?);
    let u = &grid.fields[0].1;
    let mut max_error: f64 = 0.0;
    for ((i, j), value) in u
        .view()
        .into_dimensionality::<ndarray::Ix2>()?
        .indexed_iter()
    {
        let exact = (PI * x[j]).sin() * (-0.1 * PI * PI * t[i]).exp();
        max_error = max_error.max((value - exact).abs());
    }
    println!(
        "heat: u on a {:?} grid after {} steps, max |u - exact| = {max_error:.2e}",
        u.shape(),
        trained.history.step.len()
    );
    // The network answers anywhere, not only on the grid.
    let points = ndarray::array![[0.5, 0.0], [0.5, 0.5]];
    let at = trained.evaluate(points.view())?;
    println!(
        "heat: u(0.5, 0) = {:.4}, u(0.5, 0.5) = {:.4}",
        at[[0, 0]],
        at[[1, 0]]
    );

    // 2. Simulate Lorenz in memory, then find its equations from the arrays.
    let lorenz = Program::from_source("lorenz.phys", LORENZ)?;
    let Simulated::Trajectory(trajectory) =
        lorenz.simulate("Lorenz", &RunOptions::default())?.result
    else {
        return Err("Lorenz is an ODE model".into());
    };
    let config = DiscoverConfig::for_arrays(
        "Lorenz",
        trajectory.times.clone(),
        trajectory.states.clone(),
        trajectory.state_names.clone(),
    )
    .with_derivative(physc::discovery::config::savitzky_golay(Some(7), Some(5)));
    let found = physc::discover(&config, &RunOptions::default())?.result;
    println!("discovered from {} samples:", trajectory.times.len());
    for equation in &found.equations {
        println!("  {} = {}", equation.lhs, equation.rhs);
    }
    Ok(())
}
