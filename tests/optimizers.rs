//! `physc run` with the optimizers and loss balancing that need the residuals' Jacobian,
//! end to end: Levenberg–Marquardt (`lm`) on a heat problem against its exact solution,
//! its refusal where it cannot run, and loss balancing (`weights auto: ntk`, `attention`)
//! recorded in the report and the loss history.

use physc_runtime::output::npz;
use std::f64::consts::PI;
use std::path::Path;

mod support;
use support::{physc, report, scratch};

/// u_t = 0.1 u_xx on [0, 1] × [0, 0.5], u = sin πx at t = 0, u = 0 at both ends: exact
/// u = e^{−0.1π²t} sin πx. `{net}`, `{points}` and `{optimize}` are the train block's.
fn heat(net: &str, points: &str, optimize: &str, weights: &str) -> String {
    heat_with(net, points, optimize, weights, "")
}

/// [`heat`] with more lines in its train block.
fn heat_with(net: &str, points: &str, optimize: &str, weights: &str, more: &str) -> String {
    format!(
        "model Heat {{
  space x in [0, 1]
  time  t in [0, 0.5]
  field u(x, t)
  pde      dt(u) = 0.1 * dxx(u)
  initial  u = sin(pi * x)
  boundary u = 0 at x = 0
  boundary u = 0 at x = 1
}}

train Heat {{
  net      {net}
  points   {points}
  optimize {optimize}
  weights  {weights}
  seed     1
  output   grid: [51, 26]
  {more}
}}
"
    )
}

/// Write `source` to a scratch folder and run it; (the job's folder, success, stderr).
fn run(name: &str, source: &str) -> (std::path::PathBuf, bool, String) {
    let dir = scratch("optimizers", name);
    std::fs::write(dir.join("model.phys"), source).unwrap();
    let out = physc(&["run", "model.phys", "--out", "out", "--quiet"], &dir);
    (
        dir.join("out/Heat/train"),
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn heat_error(dir: &Path) -> f64 {
    let arrays = npz::read(&dir.join("fields.npz")).unwrap();
    let get = |name: &str| {
        let (_, a) = arrays.iter().find(|(n, _)| n == name).unwrap();
        a.data().to_vec()
    };
    let (t, x, u) = (get("t"), get("x"), get("u"));
    let exact: Vec<f64> = t
        .iter()
        .flat_map(|&t| {
            x.iter()
                .map(move |&x| (-0.1 * PI * PI * t).exp() * (PI * x).sin())
        })
        .collect();
    let diff: f64 = u.iter().zip(&exact).map(|(a, b)| (a - b).powi(2)).sum();
    let norm: f64 = exact.iter().map(|b| b * b).sum();
    (diff / norm).sqrt()
}

/// 200 Levenberg–Marquardt iterations after 200 Adam steps take a 151-weight network to
/// 5.6e-6 (self-scaled Broyden: 3.4e-5 after as many iterations).
#[test]
fn levenberg_marquardt_trains_heat_to_the_exact_solution() {
    let (dir, ok, stderr) = run(
        "lm",
        &heat(
            "mlp(width: 10, depth: 2, act: tanh)",
            "interior: 400, initial: 50, boundary: 50, sampler: sobol",
            "adam(lr: 1e-2, steps: 200) then lm(steps: 200)",
            "pde: 1, initial: 10, boundary: 10",
        ),
    );
    assert!(ok, "{stderr}");
    let r = report(&dir);
    assert_eq!(r["quasi_newton_iterations"], 200, "{r}");
    let error = heat_error(&dir);
    assert!(error < 2e-5, "relative L2 error {error:.2e}");
    // The loss history's last column is the damping, positive and finite in `lm`'s rows.
    let loss = std::fs::read_to_string(dir.join("loss.csv")).unwrap();
    let last = loss.lines().last().unwrap();
    let damping: f64 = last.rsplit(',').next().unwrap().parse().unwrap();
    assert!(damping > 0.0 && damping.is_finite(), "{last}");
}

#[test]
fn levenberg_marquardt_with_more_weights_than_residuals_is_refused() {
    let (dir, ok, stderr) = run(
        "lm-refused",
        &heat(
            "mlp(width: 32, depth: 3, act: tanh)",
            "interior: 100, initial: 20, boundary: 20",
            "adam(steps: 10) then lm(steps: 10)",
            "pde: 1",
        ),
    );
    assert!(!ok);
    assert!(
        stderr.contains("`lm` needs at least as many residuals as parameters")
            && stderr.contains("140 residuals for 2241 parameters"),
        "{stderr}"
    );
    assert!(!dir.join("report.json").exists(), "refused before training");
}

/// NTK balancing moves the factors from 1 and records them per step.
#[test]
fn ntk_balancing_is_recorded_in_the_report_and_the_loss_history() {
    let (dir, ok, stderr) = run(
        "ntk",
        &heat(
            "mlp(width: 8, depth: 2, act: tanh)",
            "interior: 256, initial: 32, boundary: 32",
            "adam(lr: 1e-2, steps: 60)",
            "pde: 1, initial: 1, boundary: 1, auto: ntk, every: 20",
        ),
    );
    assert!(ok, "{stderr}");
    let r = report(&dir);
    assert_eq!(r["config"]["balance"]["auto"], "ntk", "{r}");
    let loss = std::fs::read_to_string(dir.join("loss.csv")).unwrap();
    let header: Vec<&str> = loss.lines().next().unwrap().split(',').collect();
    let columns: Vec<usize> = (0..header.len())
        .filter(|&k| header[k].starts_with("balance "))
        .collect();
    assert_eq!(columns.len(), 4, "{header:?}");
    let last: Vec<f64> = loss
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        columns.iter().any(|&k| (last[k] - 1.0).abs() > 1e-2),
        "factors stayed at 1: {last:?}"
    );
    assert!(columns
        .iter()
        .all(|&k| last[k] > 0.0 && last[k].is_finite()));
}

/// Residual-based attention: every step's mean weight of the equation's points is a
/// `loss.csv` column, starting at 1 and growing as the weights accumulate |r| / max |r|.
#[test]
fn attention_weights_are_recorded_at_every_step() {
    let (dir, ok, stderr) = run(
        "attention",
        &heat_with(
            "mlp(width: 8, depth: 2, act: tanh)",
            "interior: 256, initial: 32, boundary: 32",
            "adam(lr: 1e-2, steps: 40)",
            "pde: 1, initial: 1, boundary: 1",
            "attention eta: 0.05, memory: 100",
        ),
    );
    assert!(ok, "{stderr}");
    let loss = std::fs::read_to_string(dir.join("loss.csv")).unwrap();
    let header: Vec<&str> = loss.lines().next().unwrap().split(',').collect();
    let k = header
        .iter()
        .position(|h| *h == "attention pde")
        .unwrap_or_else(|| panic!("{header:?}"));
    let column: Vec<f64> = loss
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(k).unwrap().parse().unwrap())
        .collect();
    assert_eq!(column.len(), 40);
    assert_eq!(column[0], 1.0, "the first step sees the initial weights");
    assert!(column
        .windows(2)
        .all(|w| w[1] >= w[0] * (1.0 - 1.0 / 100.0) - 1e-12));
    let last = *column.last().unwrap();
    let reported = report(&dir)["terms"]["pde"]["attention"]["mean"]
        .as_f64()
        .unwrap();
    assert!(
        last > 1.0 && reported >= last * 0.98,
        "{last} vs {reported}"
    );
}
