//! `physc run` on simulate jobs, end to end: ODEs against exact solutions and a tight
//! reference, a stiff problem in few steps, blow-ups that keep what was computed; PDEs by
//! the method of lines against the Burgers reference solution, finite-difference orders on
//! the heat equation, and ETDRK4 on KdV; two-dimensional and multi-field PDEs on tensor
//! grids against exact solutions.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::{report, root};

fn scratch(name: &str) -> PathBuf {
    support::scratch("sim", name)
}

fn run(file: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physc"))
        .args(["run", "--quiet", "--out"])
        .arg(out)
        .arg(file)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("physc runs")
}

/// Run and insist on success, showing physc's messages if not.
fn run_ok(file: &Path, out: &Path) {
    let o = run(file, out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Columns of a CSV written by physc: (header, rows).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let rows = lines
        .map(|l| {
            l.split(',')
                .map(|v| v.trim().parse::<f64>().unwrap())
                .collect()
        })
        .collect();
    (header, rows)
}

#[test]
fn oscillator_matches_the_exact_solution() {
    let out = scratch("osc");
    run_ok(&root().join("examples/oscillator.phys"), &out);
    let dir = out.join("Oscillator/simulate");
    let (header, rows) = read_csv(&dir.join("trajectory.csv"));
    assert_eq!(header, vec!["t", "x", "v"]);
    assert_eq!(rows.len(), 2001);
    let worst = rows
        .iter()
        .map(|r| (r[1] - r[0].cos()).abs().max((r[2] + r[0].sin()).abs()))
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-7,
        "max error against cos(t) over ten periods: {worst:e}"
    );
    for file in [
        "trajectory.npz",
        "report.json",
        "timeseries.png",
        "phase.png",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
    let report = report(&dir);
    assert!(report["stats"]["steps"].as_u64().unwrap() > 10);
    assert_eq!(report["method"]["name"], "dopri5");
}

#[test]
fn lorenz_agrees_with_a_tight_reference_for_five_time_units() {
    let dir = scratch("lorenz");
    let model = "use std.systems.Lorenz\nsimulate Lorenz {\n  method dopri5(rtol: TOL, atol: ATOL)\n  output every: 0.01\n}\n";
    let mut results = Vec::new();
    for (name, tol, atol) in [("loose", "1e-7", "1e-9"), ("tight", "1e-12", "1e-14")] {
        let file = dir.join(format!("{name}.phys"));
        std::fs::write(&file, model.replace("ATOL", atol).replace("TOL", tol)).unwrap();
        let out = dir.join(name);
        run_ok(&file, &out);
        results.push(read_csv(&out.join("Lorenz/simulate/trajectory.csv")).1);
    }
    let worst = results[0]
        .iter()
        .zip(&results[1])
        .filter(|(a, _)| a[0] <= 5.0)
        .map(|(a, b)| (1..4).map(|k| (a[k] - b[k]).abs()).fold(0.0, f64::max))
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-3,
        "loose and tight runs differ by {worst:e} before t = 5"
    );
}

#[test]
fn stiff_van_der_pol_takes_few_implicit_steps() {
    let out = scratch("vdp");
    run_ok(&root().join("examples/van_der_pol_stiff.phys"), &out);
    let report = report(&out.join("VanDerPolStiff/simulate"));
    let steps = report["stats"]["steps"].as_u64().unwrap();
    // An explicit method needs millions of steps here (stability, not accuracy, limits it).
    assert!(steps < 20_000, "{steps} steps");
    assert!(report["stats"]["jacobian_evals"].as_u64().unwrap() > 0);
}

#[test]
fn blow_up_is_a_clear_error_and_keeps_the_results() {
    let dir = scratch("blowup");
    let file = dir.join("blowup.phys");
    std::fs::write(
        &file,
        "model Blowup {\n  time t in [0, 2]\n  field y(t)\n  ode dt(y) = y^2\n  initial y = 1\n}\nsimulate Blowup {\n  output every: 0.1\n}\n",
    )
    .unwrap();
    let o = run(&file, &dir.join("out"));
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stderr);
    assert!(text.contains("E0500") && text.contains("t = "), "{text}");
    let (_, rows) = read_csv(&dir.join("out/Blowup/simulate/trajectory.csv"));
    assert!(
        rows.len() >= 9,
        "the times before the blow-up are kept: {} rows",
        rows.len()
    );
    // The solution 1/(1-t) is infinite at t = 1: compare before it.
    for r in rows.iter().filter(|r| r[0] < 0.95) {
        assert!(
            (r[1] - 1.0 / (1.0 - r[0])).abs() < 1e-6 * r[1],
            "y(t) = 1/(1-t) at t = {}",
            r[0]
        );
    }
}

#[test]
fn unsupported_pde_models_say_why() {
    let dir = scratch("unsupported");
    let cases = [
        (
            "wave",
            "pde dtt(u) = dxx(u)\n  initial u = sin(x)\n  boundary u = 0 on boundary",
            "first-order system",
        ),
        (
            "open_end",
            "pde dt(u) = dxx(u) + dyy(u)\n  initial u = 0\n  boundary u = 0 at x = 0\n  boundary u = 0 at y = 0\n  boundary u = 0 at y = 1",
            "needs a condition at x = its upper end",
        ),
        (
            "tangential",
            "pde dt(u) = dxx(u) + dyy(u)\n  initial u = 0\n  boundary dy(u) = 0 at x = 0\n  boundary u = 0 at x = 1\n  boundary u = 0 at y = 0\n  boundary u = 0 at y = 1",
            "must read `a * u + b * dx(u) = g`",
        ),
    ];
    for (name, equations, expected) in cases {
        let file = dir.join(format!("{name}.phys"));
        std::fs::write(
            &file,
            format!("model Plate {{\n  space x in [0, 1], y in [0, 1]\n  time t in [0, 1]\n  field u(x, y, t)\n  {equations}\n}}\nsimulate Plate {{\n}}\n"),
        )
        .unwrap();
        let o = run(&file, &dir.join("out"));
        assert_eq!(o.status.code(), Some(1), "{name}");
        let text = String::from_utf8_lossy(&o.stderr);
        assert!(
            text.contains("E0501") && text.contains(expected),
            "{name}: {text}"
        );
    }
}

/// Max error at t = 1 of the plate-cooling example (Neumann, Robin and Dirichlet sides)
/// against its exact solution cos(mu x) sin(pi y) exp(-k (mu² + pi²) t).
fn plate_error(scheme: &str, points: usize, dir: &Path) -> f64 {
    let file = dir.join(format!("plate_{scheme}_{points}.phys"));
    let example = root().join("examples/heat2d_robin.phys");
    std::fs::write(
        &file,
        format!(
            "use \"{}\"\nsimulate PlateCooling {{\n  method dopri5(rtol: 1e-10, atol: 1e-12)\n  grid x: {points}, y: {points}\n  scheme {scheme}\n  output points: 2\n}}\n",
            example.display()
        ),
    )
    .unwrap();
    let out = dir.join(format!("out_{scheme}_{points}"));
    run_ok(&file, &out);
    let fields = read_npz(&out.join("PlateCooling/simulate/fields.npz"));
    let (x, y, u) = (
        array(&fields, "x").data(),
        array(&fields, "y").data(),
        array(&fields, "u"),
    );
    assert_eq!(u.shape(), &[2, points, points]);
    let (mu, k) = (0.8603335890193797f64, 0.1);
    let decay = (-k * (mu * mu + std::f64::consts::PI.powi(2))).exp();
    let last = &u.data()[points * points..];
    let mut worst = 0.0f64;
    for (i, xi) in x.iter().enumerate() {
        for (j, yj) in y.iter().enumerate() {
            let exact = (mu * xi).cos() * (std::f64::consts::PI * yj).sin() * decay;
            worst = worst.max((last[i * points + j] - exact).abs());
        }
    }
    worst
}

#[test]
fn two_dimensional_finite_differences_converge_at_their_order_with_robin_sides() {
    let dir = scratch("plate");
    for (scheme, order) in [("fd2", 2.0), ("fd4", 4.0)] {
        let coarse = plate_error(scheme, 21, &dir);
        let fine = plate_error(scheme, 41, &dir);
        let measured = (coarse / fine).log2();
        assert!(
            (measured - order).abs() < 0.4,
            "{scheme}: measured order {measured:.2} ({coarse:e} → {fine:e})"
        );
    }
    let report = report(&dir.join("out_fd4_41/PlateCooling/simulate"));
    assert_eq!(report["grid"]["y"], 41);
    assert!(dir
        .join("out_fd4_41/PlateCooling/simulate/final.vtk")
        .exists());
}

#[test]
fn coupled_fields_match_the_exact_solution() {
    // u + i v = e^{(i - D) t} sin x solves u_t = D u_xx - v, v_t = D v_xx + u.
    let dir = scratch("coupled");
    let file = dir.join("rotor.phys");
    std::fs::write(
        &file,
        "model Rotor {\n  space x in [0, 2 * pi]\n  time t in [0, 2]\n  const D = 0.1\n  field u(x, t)\n  field v(x, t)\n  pde dt(u) = D * dxx(u) - v\n  pde dt(v) = D * dxx(v) + u\n  initial u = sin(x)\n  initial v = 0\n  boundary periodic in x\n}\nsimulate Rotor {\n  method dopri5(rtol: 1e-10, atol: 1e-12)\n  grid x: 64\n  output every: 0.5\n}\n",
    )
    .unwrap();
    run_ok(&file, &dir.join("out"));
    let fields = read_npz(&dir.join("out/Rotor/simulate/fields.npz"));
    let (x, t) = (array(&fields, "x").data(), array(&fields, "t").data());
    let (u, v) = (array(&fields, "u"), array(&fields, "v"));
    assert_eq!(u.shape(), &[5, 64]);
    let mut worst = 0.0f64;
    for (k, tk) in t.iter().enumerate() {
        let decay = (-0.1 * tk).exp();
        for (i, xi) in x.iter().enumerate() {
            let (eu, ev) = (decay * tk.cos() * xi.sin(), decay * tk.sin() * xi.sin());
            worst = worst
                .max((u.row(k)[i] - eu).abs())
                .max((v.row(k)[i] - ev).abs());
        }
    }
    assert!(
        worst < 1e-5,
        "max error against the exact solution: {worst:e}"
    );
}

fn read_npz(path: &Path) -> Vec<(String, physc_runtime::output::Array)> {
    physc_runtime::output::npz::read(path).unwrap_or_else(|e| panic!("{e}"))
}

fn array<'a>(
    arrays: &'a [(String, physc_runtime::output::Array)],
    name: &str,
) -> &'a physc_runtime::output::Array {
    &arrays
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no array `{name}`"))
        .1
}

#[test]
fn burgers_by_the_method_of_lines_matches_the_reference_solution() {
    let out = scratch("burgers");
    run_ok(&root().join("examples/burgers_mol.phys"), &out);
    let ours = read_npz(&out.join("Burgers/simulate/fields.npz"));
    let reference = read_npz(&root().join("tests/data/burgers_deepxde.npz"));
    let u = array(&ours, "u"); // [t, x] on 1021 points
    let usol = array(&reference, "usol"); // [x, t] on 256 × 100
    let (nx, nt) = usol.dims();
    let stride = (u.dims().1 - 1) / (nx - 1);
    let (mut diff, mut norm) = (0.0, 0.0);
    for i in 0..nx {
        for j in 0..nt {
            let r = usol.row(i)[j];
            let ours = u.row(j)[i * stride];
            diff += (ours - r).powi(2);
            norm += r * r;
        }
    }
    let rel = (diff / norm).sqrt();
    assert!(
        rel <= 1e-3,
        "relative L2 error against the reference: {rel:e}"
    );
}

/// The published Allen–Cahn reference (DeepXDE's `.mat` file, read by physc's MATLAB reader)
/// against physc's method-of-lines solution: they agree to the file's own accuracy, 1.6e-4
/// (the solution itself changes by 9e-9 from 2001 to 4001 points), which is why
/// examples/allen_cahn.phys states its error against both.
#[test]
fn allen_cahn_by_the_method_of_lines_measures_the_published_reference() {
    let out = scratch("allen_cahn");
    run_ok(&root().join("examples/allen_cahn_mol.phys"), &out);
    let ours = read_npz(&out.join("AllenCahnMol/simulate/fields.npz"));
    let reference =
        physc_runtime::output::mat::read(&root().join("examples/allen_cahn_deepxde.mat"))
            .unwrap_or_else(|e| panic!("{e}"));
    let (x, t, u) = (
        array(&reference, "x"),
        array(&reference, "t"),
        array(&reference, "u"),
    );
    assert_eq!(
        (x.data().len(), t.data().len(), u.shape()),
        (201, 101, &[101, 201][..])
    );
    let ours_u = array(&ours, "u"); // [t, x] on 2001 points
    assert_eq!(ours_u.shape(), &[101, 2001]);
    let (mut diff, mut norm) = (0.0, 0.0);
    for j in 0..101 {
        for i in 0..201 {
            let r = u.row(j)[i];
            diff += (ours_u.row(j)[10 * i] - r).powi(2);
            norm += r * r;
        }
    }
    let rel = (diff / norm).sqrt();
    assert!(
        (1.4e-4..1.8e-4).contains(&rel),
        "relative L2 difference from the published reference: {rel:e}"
    );
}

/// Max error at t = 1 of the heat equation u_t = u_xx/2 on [0, pi], u = sin(x) e^{-t/2}.
fn heat_error(scheme: &str, points: usize, dir: &Path) -> f64 {
    let file = dir.join(format!("heat_{scheme}_{points}.phys"));
    std::fs::write(
        &file,
        format!(
            "model Heat {{\n  space x in [0, pi]\n  time t in [0, 1]\n  field u(x, t)\n  pde dt(u) = 0.5 * dxx(u)\n  initial u = sin(x)\n  boundary u = 0 on boundary\n}}\nsimulate Heat {{\n  method dopri5(rtol: 1e-12, atol: 1e-14)\n  grid x: {points}\n  scheme {scheme}\n  output points: 2\n}}\n"
        ),
    )
    .unwrap();
    let out = dir.join(format!("out_{scheme}_{points}"));
    run_ok(&file, &out);
    let fields = read_npz(&out.join("Heat/simulate/fields.npz"));
    let (x, u) = (array(&fields, "x").data().to_vec(), array(&fields, "u"));
    let last = u.row(u.dims().0 - 1);
    x.iter()
        .zip(last)
        .map(|(x, v)| (v - (-0.5f64).exp() * x.sin()).abs())
        .fold(0.0, f64::max)
}

#[test]
fn finite_differences_converge_at_their_order() {
    let dir = scratch("heat");
    for (scheme, order) in [("fd2", 2.0), ("fd4", 4.0)] {
        let coarse = heat_error(scheme, 17, &dir);
        let fine = heat_error(scheme, 33, &dir);
        let measured = (coarse / fine).log2();
        assert!(
            (measured - order).abs() < 0.4,
            "{scheme}: measured order {measured:.2} ({coarse:e} → {fine:e})"
        );
    }
}

#[test]
fn kdv_by_etdrk4_stays_bounded_and_conserves_mass() {
    let out = scratch("kdv");
    run_ok(&root().join("examples/kdv.phys"), &out);
    let fields = read_npz(&out.join("KdV/simulate/fields.npz"));
    let u = array(&fields, "u");
    let (nt, nx) = u.dims();
    assert_eq!(nt, 101);
    for j in 0..nt {
        let row = u.row(j);
        assert!(
            row.iter().all(|v| v.is_finite() && v.abs() < 5.0),
            "unbounded at output {j}"
        );
        let mean = row.iter().sum::<f64>() / nx as f64;
        assert!(mean.abs() < 1e-10, "mass drifted to {mean:e} at output {j}");
    }
}

/// Each job has its own folder: two files simulating one model into one `--out` warn before
/// the second replaces the first's results; a `folder` setting keeps both; a rerun of the
/// same job replaces its own results silently; a folder name cannot leave `OUT/<target>/`.
#[test]
fn jobs_of_different_files_do_not_silently_share_a_folder() {
    let dir = scratch("folders");
    let out = dir.join("out");
    let model =
        "model Decay {\n  time t in [0, 1]\n  field y(t)\n  ode dt(y) = -y\n  initial y = 1\n}\n";
    let write = |name: &str, settings: &str| {
        let file = dir.join(name);
        std::fs::write(&file, format!("{model}simulate Decay {{\n{settings}}}\n")).unwrap();
        file
    };
    let first = write("first.phys", "  method rk4(dt: 0.01)\n");
    let second = write("second.phys", "  method dopri5\n");
    let kept = write("kept.phys", "  method dopri5\n  folder \"dopri5\"\n");
    let stderr = |o: Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let o = stderr(run(&first, &out));
    assert!(!o.contains("warning"), "{o}");
    let o = stderr(run(&first, &out));
    assert!(
        !o.contains("warning"),
        "a rerun replaces its own results: {o}"
    );
    let o = stderr(run(&second, &out));
    assert!(
        o.contains("warning") && o.contains("first.phys") && o.contains("simulate Decay"),
        "{o}"
    );
    run_ok(&kept, &out);
    let folder = |name: &str| report(&out.join("Decay").join(name));
    assert_eq!(folder("dopri5")["method"]["name"], "dopri5");
    assert_eq!(folder("simulate")["method"]["name"], "dopri5");

    let escape = write("escape.phys", "  folder \"../elsewhere\"\n");
    let o = run(&escape, &out);
    assert_eq!(o.status.code(), Some(1));
    let o = stderr(o);
    assert!(o.contains("E0401") && o.contains("folder name"), "{o}");
    assert!(!out.join("elsewhere").exists());
}
