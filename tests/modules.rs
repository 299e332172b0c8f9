//! examples/library/, a model library in four files (constants, operators, models that
//! import both, a driver with the job): every file checks clean and is formatted, and the
//! driver, which imports only the models, runs them against the exact solution.

use physc_runtime::output::npz;

mod support;
use support::{physc, root, scratch};

const FILES: [&str; 4] = ["materials", "operators", "models", "driver"];

#[test]
fn each_file_of_the_library_checks_clean_and_is_formatted() {
    let dir = root().join("examples/library");
    for name in FILES {
        let file = dir.join(format!("{name}.phys"));
        let file = file.to_str().unwrap();
        for args in [vec!["check", file], vec!["fmt", "--check", file]] {
            let out = physc(&args, &dir);
            assert!(
                out.status.success(),
                "physc {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The rod's excess temperature over ambient decays as exp(−k π² t / L²) in its half-sine
/// shape: the simulated peak at the end against 80 K · exp(−1.11e-4 π² · 10 / 0.01).
#[test]
fn the_driver_runs_the_library_model() {
    let out_dir = scratch("modules", "library");
    let driver = root().join("examples/library/driver.phys");
    let out = physc(
        &[
            "run",
            driver.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--quiet",
        ],
        &out_dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let arrays = npz::read(&out_dir.join("Rod/simulate/fields.npz")).unwrap();
    let get = |name: &str| {
        arrays
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name}"))
            .1
            .clone()
    };
    let (t, temperature) = (get("t"), get("T"));
    let nx = temperature.shape()[1];
    let last = &temperature.data()[(t.data().len() - 1) * nx..];
    let peak = last.iter().copied().fold(f64::NEG_INFINITY, f64::max) - 293.15;
    let exact = 80.0 * (-1.11e-4 * std::f64::consts::PI.powi(2) * 10.0 / 0.01).exp();
    assert!(
        (peak - exact).abs() < 1e-3 * exact,
        "peak excess {peak} K, exact {exact} K"
    );
}
