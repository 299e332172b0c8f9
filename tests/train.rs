//! `physc run` on training jobs, end to end: the files a run leaves and what they hold,
//! accuracy against exact solutions, the inverse problem, resuming, and bad input.
//!
//! The accuracy runs use the examples' full configurations and take minutes, so they run
//! only with `PHYSC_SLOW_TESTS=1`; without it, the same examples run a few hundred steps
//! (`--max-steps`) and the tests check the files and that training made progress.

use physc_runtime::output::{npz, Array};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::Command;

mod support;
use support::{report, slow, write_npz, SMALL_HEAT};

fn physc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_physc"))
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn scratch(name: &str) -> PathBuf {
    support::scratch("train", name)
}

/// Run `physc run FILE --out OUT ARGS…`, returning (success, stderr).
fn run(file: &Path, out: &Path, args: &[&str]) -> (bool, String) {
    let output = physc()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn array(path: &Path, name: &str) -> (Vec<usize>, Vec<f64>) {
    let arrays = npz::read(path).unwrap();
    let (_, a) = arrays
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no `{name}`"));
    (a.shape().to_vec(), a.data().to_vec())
}

fn rel_l2(a: &[f64], b: &[f64]) -> f64 {
    let e: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    let n: f64 = b.iter().map(|y| y * y).sum();
    (e / n).sqrt()
}

/// Steps per optimizer stage for the quick version of a run.
const QUICK: &str = "150";

fn train_example(name: &str, model: &str, tag: &str) -> PathBuf {
    let out = scratch(tag);
    let mut args = Vec::new();
    if !slow() {
        args.extend(["--max-steps", QUICK]);
    }
    let (ok, stderr) = run(&examples().join(name), &out, &args);
    assert!(ok, "{stderr}");
    out.join(model).join("train")
}

/// Field `u` on the output grid against an exact solution of the grid coordinates.
fn field_error(dir: &Path, axes: [&str; 2], exact: impl Fn(f64, f64) -> f64) -> f64 {
    let fields = dir.join("fields.npz");
    let (_, a) = array(&fields, axes[0]);
    let (_, b) = array(&fields, axes[1]);
    let (shape, u) = array(&fields, "u");
    assert_eq!(shape, vec![a.len(), b.len()]);
    let reference: Vec<f64> = a
        .iter()
        .flat_map(|&x| b.iter().map(move |&y| (x, y)))
        .map(|(x, y)| exact(x, y))
        .collect();
    rel_l2(&u, &reference)
}

fn assert_trained(dir: &Path) {
    assert_trained_field(dir, "u");
}

/// The files of a completed run whose (first) field is `field`, and a loss that fell.
fn assert_trained_field(dir: &Path, field: &str) {
    let r = report(dir);
    assert_eq!(r["completed"], true, "{r}");
    for file in [
        "report.json",
        "loss.csv",
        "loss.png",
        "fields.npz",
        "fields.vtk",
        "checkpoint.npz",
        &format!("field_{field}.png"),
    ] {
        assert!(dir.join(file).is_file(), "missing {file}");
    }
    let loss = std::fs::read_to_string(dir.join("loss.csv")).unwrap();
    let column = |line: &str| line.split(',').nth(2).unwrap().parse::<f64>().unwrap();
    let first = column(loss.lines().nth(1).unwrap());
    let last = column(loss.lines().last().unwrap());
    assert!(last < 0.1 * first, "loss went from {first} to {last}");
}

#[test]
fn heat1d_trains_to_the_exact_solution() {
    let dir = train_example("heat1d.phys", "Heat1D", "heat");
    assert_trained(&dir);
    let err = field_error(&dir, ["t", "x"], |t, x| {
        (std::f64::consts::PI * x).sin() * (-0.1 * std::f64::consts::PI.powi(2) * t).exp()
    });
    let bound = if slow() { 1e-3 } else { 5e-2 };
    assert!(err <= bound, "relative L2 error {err:.3e} > {bound}");
    let vtk = std::fs::read(dir.join("fields.vtk")).unwrap();
    assert!(vtk.starts_with(b"# vtk DataFile Version"));
}

#[test]
fn poisson2d_trains_to_the_exact_solution() {
    let dir = train_example("poisson2d.phys", "Poisson2D", "poisson");
    assert_trained(&dir);
    let pi = std::f64::consts::PI;
    let err = field_error(&dir, ["x", "y"], |x, y| (pi * x).sin() * (pi * y).sin());
    let bound = if slow() { 1e-3 } else { 0.3 };
    assert!(err <= bound, "relative L2 error {err:.3e} > {bound}");
}

/// A domain that is not a box, in its full configuration even in quick runs (it is small:
/// under a minute in a debug build): points inside the disk and on its circle, NaN outside
/// it on the output grid, the exact solution (1 − r²)/4 to 1e-3.
#[test]
fn poisson_on_the_unit_disk_trains_to_the_exact_solution() {
    let out = scratch("disk");
    let (ok, stderr) = run(&examples().join("poisson_disk.phys"), &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("PoissonDisk").join("train");
    assert_trained(&dir);
    shaped_field_error(
        &dir,
        "poisson_disk",
        |x, y| (1.0 - x * x - y * y) / 4.0,
        |x, y, value| {
            let r2 = x * x + y * y;
            // Grid points on the circle (up to rounding) may go either way.
            if (r2 - 1.0).abs() > 1e-9 {
                assert_eq!(value.is_finite(), r2 < 1.0, "u({x}, {y}) = {value}");
            }
        },
    );
}

/// `u` of a 2-D `fields.npz` on a shaped domain against `exact` over the grid points where
/// it is finite, to 1e-3; `check(x, y, u)` sees every grid point (where the NaN mask is).
fn shaped_field_error(
    dir: &Path,
    name: &str,
    exact: impl Fn(f64, f64) -> f64,
    mut check: impl FnMut(f64, f64, f64),
) {
    let fields = dir.join("fields.npz");
    let (_, xs) = array(&fields, "x");
    let (_, ys) = array(&fields, "y");
    let (shape, u) = array(&fields, "u");
    assert_eq!(shape, vec![xs.len(), ys.len()]);
    let (mut trained, mut reference) = (Vec::new(), Vec::new());
    for (i, &x) in xs.iter().enumerate() {
        for (j, &y) in ys.iter().enumerate() {
            let value = u[i * ys.len() + j];
            check(x, y, value);
            if value.is_finite() {
                trained.push(value);
                reference.push(exact(x, y));
            }
        }
    }
    assert_close(name, &trained, &reference, 1e-3);
}

/// The relative L2 error of `trained` against `reference`, printed, at most `bound`.
fn assert_close(name: &str, trained: &[f64], reference: &[f64], bound: f64) {
    let err = rel_l2(trained, reference);
    eprintln!(
        "{name}: relative L2 error {err:.3e} over {} points",
        reference.len()
    );
    assert!(
        err <= bound,
        "{name}: relative L2 error {err:.3e} > {bound}"
    );
}

/// examples/poisson_lshape.phys in its full configuration: the L-shape (boundary points on
/// its six sides only), against the fine finite-difference solution in tests/data
/// (relative L2 ≤ 1e-2 over the grid points inside), NaN in the cut-out quarter.
#[test]
fn poisson_on_the_l_shape_matches_a_finite_difference_reference() {
    let out = scratch("lshape");
    let (ok, stderr) = run(&examples().join("poisson_lshape.phys"), &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("PoissonL").join("train");
    assert_trained(&dir);
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/lshape_fd.npz");
    let (shape, expected) = array(&reference, "u");
    let fields = dir.join("fields.npz");
    let (trained_shape, u) = array(&fields, "u");
    assert_eq!(
        trained_shape, shape,
        "the example's grid is the reference's"
    );
    let (xs, ys) = (array(&fields, "x").1, array(&fields, "y").1);
    let (mut trained, mut reference_values) = (Vec::new(), Vec::new());
    for (k, (&value, &want)) in u.iter().zip(&expected).enumerate() {
        let (x, y) = (xs[k / ys.len()], ys[k % ys.len()]);
        // Strictly inside the cut-out: NaN; in the L (its rims included): a value. The
        // sides the cut-out shares with the box (x = 1 or y = 1 above the cut) are neither.
        let inside_cut = x > 1e-9 && y > 1e-9 && x < 1.0 - 1e-9 && y < 1.0 - 1e-9;
        if inside_cut || x <= 1e-9 || y <= 1e-9 {
            assert_eq!(value.is_nan(), inside_cut, "u({x}, {y}) = {value}");
        }
        if value.is_finite() && want.is_finite() {
            trained.push(value);
            reference_values.push(want);
        }
    }
    assert_close("L-shape", &trained, &reference_values, 1e-2);
}

/// examples/plate_hole.phys in its full configuration: Dirichlet on the plate's edge and an
/// insulated hole (`dn(T) = 0 on hole`), against the exact potential-flow field to 1e-3.
#[test]
fn a_plate_with_an_insulated_hole_trains_to_the_exact_solution() {
    let out = scratch("plate-hole");
    let (ok, stderr) = run(&examples().join("plate_hole.phys"), &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("PlateHole").join("train");
    assert_trained_field(&dir, "T");
    let (a2, fields) = (0.0625, dir.join("fields.npz"));
    let (xs, ys) = (array(&fields, "x").1, array(&fields, "y").1);
    let (_, t) = array(&fields, "T");
    let (mut trained, mut exact) = (Vec::new(), Vec::new());
    for (k, &value) in t.iter().enumerate() {
        let (x, y) = (xs[k / ys.len()], ys[k % ys.len()]);
        let r2 = (x - 1.0).powi(2) + (y - 0.5).powi(2);
        if (r2 - a2).abs() > 1e-9 {
            assert_eq!(value.is_nan(), r2 < a2, "T({x}, {y}) = {value}");
        }
        if value.is_finite() {
            trained.push(value);
            exact.push(1.0 + (x - 1.0) * (1.0 + a2 / r2));
        }
    }
    assert_close("plate with a hole", &trained, &exact, 1e-3);
}

/// A 3-D shaped domain: −Δu = 1 in the unit ball with u = 0 on the sphere (soft condition),
/// exact (1 − r²)/6; points inside the ball and on the sphere, NaN outside it on the 3-D
/// output grid.
#[test]
fn poisson_in_a_ball_trains_to_the_exact_solution() {
    let out = scratch("ball");
    std::fs::create_dir_all(&out).unwrap();
    let file = write_model(
        &out,
        "ball.phys",
        "use std.operators
model Ball {
  space x in [-1, 1], y in [-1, 1], z in [-1, 1]
  field u(x, y, z)
  domain = sphere([0, 0, 0], 1)
  pde      -lap(u) = 1
  boundary u = 0 on boundary
}
train Ball {
  net      mlp(inputs: [x, y, z], width: 16, depth: 2, act: tanh)
  points   interior: 512, boundary: 256, sampler: sobol
  optimize adam(lr: 1e-3, steps: 200) then ssbroyden(steps: 300)
  weights  pde: 1, boundary: 100
  seed     1
  output   grid: [21, 21, 21]
}
",
    );
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("Ball").join("train");
    assert_trained(&dir);
    let fields = dir.join("fields.npz");
    let (shape, u) = array(&fields, "u");
    assert_eq!(shape, vec![21, 21, 21]);
    let axis = array(&fields, "x").1;
    let (mut trained, mut exact) = (Vec::new(), Vec::new());
    for (k, &value) in u.iter().enumerate() {
        let (x, y, z) = (axis[k / 441], axis[(k / 21) % 21], axis[k % 21]);
        let r2 = x * x + y * y + z * z;
        if (r2 - 1.0).abs() > 1e-9 {
            assert_eq!(value.is_nan(), r2 > 1.0, "u({x}, {y}, {z}) = {value}");
        }
        if value.is_finite() {
            trained.push(value);
            exact.push((1.0 - r2) / 6.0);
        }
    }
    assert_close("ball", &trained, &exact, 1e-3);
}

/// examples/poisson_stl.phys in its full configuration: a domain read from an STL file
/// (the unit cube as 12 triangles) inside a larger space box, −Δu = 3π² u with u = 0 on
/// the surface, against the exact sin(πx) sin(πy) sin(πz) to 1e-3; NaN outside the mesh on
/// the 16³ output grid (whose points all lie 0.05 or more off the surface).
#[test]
fn poisson_in_an_stl_cube_trains_to_the_exact_solution() {
    let out = scratch("stl-cube");
    let (ok, stderr) = run(&examples().join("poisson_stl.phys"), &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("PoissonStl").join("train");
    assert_trained(&dir);
    let fields = dir.join("fields.npz");
    let (shape, u) = array(&fields, "u");
    assert_eq!(shape, vec![16, 16, 16]);
    let axis = array(&fields, "x").1;
    let (mut trained, mut exact) = (Vec::new(), Vec::new());
    for (k, &value) in u.iter().enumerate() {
        let p = [axis[k / 256], axis[(k / 16) % 16], axis[k % 16]];
        let inside = p.iter().all(|&c| (0.0..=1.0).contains(&c));
        assert_eq!(value.is_finite(), inside, "u({p:?}) = {value}");
        if inside {
            trained.push(value);
            exact.push(p.iter().map(|&c| (PI * c).sin()).product());
        }
    }
    assert_eq!(trained.len(), 1000);
    assert_close("STL cube", &trained, &exact, 1e-3);
}

/// Named parts of a domain's boundary: Laplace's equation in the annulus 1 ≤ r ≤ 2 with
/// u = 0 on the inner circle and u = 1 on the outer one (soft conditions), exact
/// ln r / ln 2.
#[test]
fn laplace_in_an_annulus_holds_each_condition_on_its_part() {
    let out = scratch("annulus");
    std::fs::create_dir_all(&out).unwrap();
    let file = write_model(
        &out,
        "annulus.phys",
        "use std.operators
model Annulus {
  space x in [-2, 2], y in [-2, 2]
  field u(x, y)
  part inner = disk([0, 0], 1), outer = disk([0, 0], 2)
  domain = outer - inner
  pde      lap(u) = 0
  boundary u = 0 on inner
  boundary u = 1 on outer
}
train Annulus {
  net      mlp(inputs: [x, y], width: 16, depth: 3, act: tanh)
  points   interior: 512, boundary: 256, sampler: sobol
  optimize adam(lr: 1e-3, steps: 200) then ssbroyden(steps: 300)
  weights  pde: 1, boundary: 100
  seed     1
  output   grid: [81, 81]
}
",
    );
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("Annulus").join("train");
    assert_trained(&dir);
    let r = report(&dir);
    let terms = r["terms"].as_object().unwrap();
    assert_eq!(terms.len(), 3, "pde and one boundary term per part: {r}");
    shaped_field_error(
        &dir,
        "annulus",
        |x, y| (x * x + y * y).sqrt().ln() / 2f64.ln(),
        |x, y, value| {
            let r2 = x * x + y * y;
            // The closed annulus: grid points on either circle (up to rounding) keep their
            // values, those on the hole's rim included.
            let near = |c: f64| (r2 - c).abs() <= 1e-9;
            if near(1.0) || near(4.0) {
                assert!(value.is_finite(), "u({x}, {y}) = {value} on a rim");
            } else {
                let inside = (1.0..=4.0).contains(&r2);
                assert_eq!(value.is_finite(), inside, "u({x}, {y}) = {value}");
            }
        },
    );
}

/// The same annulus with the conditions as a hard constraint: u = (r² − 1)/3 + dist · net
/// holds u = 0 on the inner circle and 1 on the outer one exactly, through `dist(boundary)`
/// (the R-function distance to both circles); no boundary points are drawn at all.
#[test]
fn laplace_in_an_annulus_with_a_distance_function_hard_constraint() {
    let out = scratch("annulus-dist");
    std::fs::create_dir_all(&out).unwrap();
    let file = write_model(
        &out,
        "annulus_dist.phys",
        "use std.operators
model Annulus {
  space x in [-2, 2], y in [-2, 2]
  field u(x, y)
  part inner = disk([0, 0], 1), outer = disk([0, 0], 2)
  domain = outer - inner
  pde        lap(u) = 0
  constraint u = (x^2 + y^2 - 1) / 3 + dist(boundary) * net(u)
}
train Annulus {
  net      mlp(inputs: [x, y], width: 16, depth: 3, act: tanh)
  points   interior: 512, sampler: sobol
  optimize adam(lr: 1e-3, steps: 200) then ssbroyden(steps: 300)
  seed     1
  output   grid: [81, 81]
}
",
    );
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("Annulus").join("train");
    assert_trained(&dir);
    let r = report(&dir);
    assert_eq!(
        r["terms"].as_object().unwrap().len(),
        1,
        "the pde alone: {r}"
    );
    shaped_field_error(
        &dir,
        "annulus with dist",
        |x, y| (x * x + y * y).sqrt().ln() / 2f64.ln(),
        |x, y, value| {
            let r2 = x * x + y * y;
            // On the rims the constraint gives the boundary values to rounding.
            for (rim, expected) in [(1.0, 0.0), (4.0, 1.0)] {
                if (r2 - rim).abs() <= 1e-9 {
                    assert!((value - expected).abs() < 1e-6, "u({x}, {y}) = {value}");
                }
            }
        },
    );
}

/// The outward normal in a condition: Poisson on the unit disk with the Robin condition
/// dn(u) + u = −1/2, which (1 − r²)/4 satisfies (u = 0 and ∂u/∂r = −1/2 on the circle).
#[test]
fn a_robin_condition_with_the_normal_derivative_trains_on_the_disk() {
    let out = scratch("robin");
    std::fs::create_dir_all(&out).unwrap();
    let file = write_model(
        &out,
        "robin.phys",
        "use std.operators
model Robin {
  space x in [-1, 1], y in [-1, 1]
  field u(x, y)
  domain = disk([0, 0], 1)
  pde      -lap(u) = 1
  boundary dn(u) + u = -0.5 on boundary
}
train Robin {
  net      mlp(inputs: [x, y], width: 16, depth: 3, act: tanh)
  points   interior: 512, boundary: 128, sampler: sobol
  optimize adam(lr: 1e-3, steps: 200) then ssbroyden(steps: 300)
  weights  pde: 1, boundary: 10
  seed     1
  output   grid: [61, 61]
}
",
    );
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(ok, "{stderr}");
    let dir = out.join("Robin").join("train");
    assert_trained(&dir);
    shaped_field_error(
        &dir,
        "robin",
        |x, y| (1.0 - x * x - y * y) / 4.0,
        |_, _, _| {},
    );
}

#[test]
fn burgers_trains_against_the_cole_hopf_solution() {
    let dir = train_example("burgers.phys", "Burgers", "burgers");
    assert_trained(&dir);
    let r = report(&dir);
    let err = r["rel_l2"]["u"].as_f64().expect("rel_l2 in the report");
    // The full run is issue 19's first-run target: 1e-4 (it reaches a few 1e-6).
    let bound = if slow() { 1e-4 } else { 0.6 };
    assert!(err <= bound, "relative L2 error {err:.3e} > {bound}");
    assert!(dir.join("error_u.png").is_file());
    assert_error_history(&dir, err);

    // The classical solution of the same model (burgers_mol.phys) into the same `--out`:
    // both results stay, on one grid in one layout, and compare without transposing.
    let out = dir.parent().unwrap().parent().unwrap();
    let (ok, stderr) = run(&examples().join("burgers_mol.phys"), out, &[]);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let simulated = out.join("Burgers/simulate/fields.npz");
    let trained = dir.join("fields.npz");
    for axis in ["t", "x"] {
        let (a, b) = (array(&trained, axis), array(&simulated, axis));
        assert_eq!(a.0, b.0, "axis {axis}");
        let apart = a.1.iter().zip(&b.1).map(|(p, q)| (p - q).abs());
        assert!(apart.fold(0.0, f64::max) < 1e-12, "axis {axis}");
    }
    let (shape, u_trained) = array(&trained, "u");
    let (simulated_shape, u_simulated) = array(&simulated, "u");
    assert_eq!(shape, vec![101, 1021], "u is shaped [len(t), len(x)]");
    assert_eq!(simulated_shape, shape);
    let distance = rel_l2(&u_trained, &u_simulated);
    let bound = if slow() { 2e-2 } else { 0.8 };
    assert!(
        distance <= bound,
        "trained and simulated u differ by {distance:.3e} > {bound}"
    );
    assert_eq!(
        report(&dir)["completed"],
        true,
        "the training's results stay"
    );
}

/// examples/burgers_hard.phys: the conditions held by the constraint, so the loss is the
/// equation's residual alone; on the output grid's first row u is the initial profile and
/// at both ends 0, exactly (to rounding), however short the run.
#[test]
fn burgers_with_exact_conditions_trains_against_the_cole_hopf_solution() {
    // A few steps are enough for what is checked here (burgers_trains_against… covers
    // the training itself); the slow run is the example as shipped.
    let dir = if slow() {
        train_example("burgers_hard.phys", "Burgers", "burgers_hard")
    } else {
        let out = scratch("burgers_hard");
        let (ok, stderr) = run(
            &examples().join("burgers_hard.phys"),
            &out,
            &["--max-steps", "60"],
        );
        assert!(ok, "{stderr}");
        out.join("Burgers").join("train")
    };
    assert_trained(&dir);
    let r = report(&dir);
    assert_eq!(
        r["terms"].as_object().unwrap().len(),
        1,
        "the pde alone: {r}"
    );
    let err = r["rel_l2"]["u"].as_f64().expect("rel_l2 in the report");
    // The full run's worst seed in bench/accuracy is 1.0e-5.
    let bound = if slow() { 5e-5 } else { 1.0 };
    assert!(err <= bound, "relative L2 error {err:.3e} > {bound}");
    let fields = dir.join("fields.npz");
    let (shape, u) = array(&fields, "u");
    let x = array(&fields, "x").1;
    let row = shape[1];
    for (j, &xj) in x.iter().enumerate() {
        let initial = -(std::f64::consts::PI * xj).sin();
        assert!((u[j] - initial).abs() < 1e-12, "u({xj}, 0) = {}", u[j]);
    }
    for k in 0..shape[0] {
        assert!(u[k * row].abs() < 1e-12 && u[k * row + row - 1].abs() < 1e-12);
    }
}

/// `error.csv`: the error every 50 steps and at the end, whose last row is the report's
/// error, with the training time growing; the report's times to reach each level agree.
fn assert_error_history(dir: &Path, final_error: f64) {
    let text = std::fs::read_to_string(dir.join("error.csv")).expect("error.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("step,seconds,rel_l2 u"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let steps = report(dir)["steps"].as_u64().unwrap() as f64;
    assert!(rows.len() >= 2, "{text}");
    assert!(
        rows.iter().all(|r| r[0] % 50.0 == 0.0 || r[0] == steps),
        "{text}"
    );
    assert!(
        rows.windows(2)
            .all(|w| w[0][0] < w[1][0] && w[0][1] <= w[1][1]),
        "{text}"
    );
    let last = rows.last().unwrap();
    assert_eq!(last[0], steps);
    assert!(
        (last[2] - final_error).abs() <= 1e-12 * final_error,
        "{text}"
    );
    let times = &report(dir)["rel_l2_history"]["time_to_rel_l2_s"];
    for level in ["1e-2", "1e-3", "1e-4", "1e-5"] {
        let first = rows.iter().find(|r| r[2] <= level.parse::<f64>().unwrap());
        assert_eq!(
            times[level].as_f64(),
            first.map(|r| r[1]),
            "{level}: {times}"
        );
    }
}

/// A `.mat` reference (DeepXDE's Allen–Cahn data, MATLAB level 5, compressed) is read and
/// compared on its own grid.
#[test]
fn allen_cahn_compares_against_the_published_mat_file() {
    let out = scratch("allen_cahn");
    let (ok, stderr) = run(
        &examples().join("allen_cahn.phys"),
        &out,
        &["--max-steps", "2"],
    );
    assert!(ok, "{stderr}");
    let dir = out.join("AllenCahn/train");
    let err = report(&dir)["rel_l2"]["u"].as_f64().expect("rel_l2");
    assert!(err.is_finite(), "{err}");
    let comparison = dir.join("comparison.npz");
    let (shape, reference) = array(&comparison, "u_reference");
    assert_eq!(shape, vec![101, 201], "the file's u is [t, x]");
    // u(x = -0.99, t = 0) and u(x = 1, t = 1) as the file holds them.
    assert!(
        (reference[1] - -0.979_616_38).abs() < 1e-8,
        "{}",
        reference[1]
    );
    assert!((reference[101 * 201 - 1] - -1.0).abs() < 1e-12);
    let (_, t) = array(&comparison, "t");
    assert!(t.len() == 101 && (t[1] - 0.01).abs() < 1e-12, "{t:?}");
}

#[test]
fn burgers_inverse_recovers_the_viscosity() {
    let dir = train_example("burgers_inverse.phys", "BurgersInverse", "inverse");
    let r = report(&dir);
    let nu = r["params"]["nu"].as_f64().unwrap();
    let truth = 0.01 / std::f64::consts::PI;
    if slow() {
        // The target is 0.1%; the example's recipe reaches about 1e-5.
        assert!(
            (nu - truth).abs() <= 1e-3 * truth,
            "nu = {nu}, truth {truth}"
        );
    } else {
        assert!(
            nu < 0.05,
            "nu should move down from its guess 0.05, got {nu}"
        );
    }
}

/// The observations shipped with the inverse example are the Cole–Hopf solution at their
/// points (`PHYSC_REGENERATE=1` rewrites them).
#[test]
fn burgers_observations_are_the_exact_solution() {
    let path = examples().join("burgers_obs.npz");
    let nu = 0.01 / std::f64::consts::PI;
    if std::env::var("PHYSC_REGENERATE").is_ok_and(|v| v == "1") {
        let mut rng = physc_runtime::rng::Rng::new(2019);
        let x: Vec<f64> = (0..2000).map(|_| rng.range(-1.0, 1.0)).collect();
        let t: Vec<f64> = (0..2000).map(|_| rng.range(0.0, 1.0)).collect();
        let u: Vec<f64> = x
            .iter()
            .zip(&t)
            .map(|(&x, &t)| physc_runtime::exact::burgers(x, t, nu))
            .collect();
        write_npz(&path, vec![("x", x), ("t", t), ("u", u)]);
    }
    let (_, x) = array(&path, "x");
    let (_, t) = array(&path, "t");
    let (_, u) = array(&path, "u");
    assert_eq!((x.len(), t.len(), u.len()), (2000, 2000, 2000));
    for ((&x, &t), &u) in x.iter().zip(&t).zip(&u) {
        assert!((physc_runtime::exact::burgers(x, t, nu) - u).abs() < 1e-9);
    }
}

fn write_model(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn resume_continues_from_the_checkpoint() {
    let dir = scratch("resume");
    let file = write_model(
        &dir,
        "h.phys",
        &format!("{SMALL_HEAT}train H {{\n  net mlp(width: 8, depth: 2)\n  points interior: 256, initial: 32, boundary: 32\n  optimize adam(lr: 1e-3, steps: 60)\n  output every: 10\n}}\n"),
    );
    let out = dir.join("out");
    let (ok, stderr) = run(&file, &out, &["--max-steps", "30"]);
    assert!(ok, "{stderr}");
    assert_eq!(report(&out.join("H/train"))["steps"], 30);
    let (ok, stderr) = run(&file, &out, &["--resume"]);
    assert!(ok, "{stderr}");
    let r = report(&out.join("H/train"));
    assert_eq!(r["steps"], 60, "{r}");
    assert_eq!(
        r["adam_steps"], 30,
        "the resumed run did the remaining 30 steps"
    );
}

#[test]
fn a_nan_loss_names_the_step_and_term_and_keeps_results() {
    let dir = scratch("nan");
    let file = write_model(
        &dir,
        "n.phys",
        "model N {\n  space x in [0, 1]\n  time  t in [0, 1]\n  field u(x, t)\n  pde dt(u) = log(u - 10)\n  initial u = 0\n}\ntrain N {\n  net mlp(width: 4, depth: 1)\n  points interior: 64, initial: 16\n  optimize adam(steps: 10)\n}\n",
    );
    let out = dir.join("out");
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("`pde` became NaN or infinite at step 0"),
        "{stderr}"
    );
    assert!(out.join("N/train/checkpoint.npz").is_file());
    assert_eq!(report(&out.join("N/train"))["completed"], false);
}

#[test]
fn bad_references_are_clear_errors() {
    let dir = scratch("reference");
    let base = format!("{SMALL_HEAT}train H {{\n  net mlp(width: 4, depth: 1)\n  points interior: 64, initial: 16, boundary: 16\n  optimize adam(steps: 2)\n  compare \"ref.npz\"\n}}\n");
    let file = write_model(&dir, "h.phys", &base);
    let out = dir.join("out");
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("cannot read the reference") && stderr.contains("ref.npz"),
        "{stderr}"
    );

    let write = |x: Vec<f64>, t: Vec<f64>, u: Vec<f64>| {
        write_npz(&dir.join("ref.npz"), vec![("x", x), ("t", t), ("u", u)]);
    };
    write(vec![0.0, 0.5, 2.0], vec![0.0, 1.0], vec![0.0; 6]);
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("does not lie inside the domain"),
        "{stderr}"
    );
    write(vec![0.0, 0.5, 1.0], vec![0.0, 1.0], vec![0.0; 5]);
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(!ok);
    assert!(stderr.contains("has shape [5]"), "{stderr}");
    // The right number of values in neither layout ([len(t), len(x)] or [len(x), len(t)]):
    // refused, not compared in some order.
    let transposed = Array::matrix(1, 6, vec![0.0; 6]).unwrap();
    let (x, t) = (
        Array::vector(vec![0.0, 0.5, 1.0]),
        Array::vector(vec![0.0, 1.0]),
    );
    npz::write(
        &dir.join("ref.npz"),
        &[("x", &x), ("t", &t), ("u", &transposed)],
    )
    .unwrap();
    let (ok, stderr) = run(&file, &out, &[]);
    assert!(!ok);
    assert!(stderr.contains("has shape [1, 6]"), "{stderr}");
}

#[test]
fn missing_observations_are_a_clear_error() {
    let dir = scratch("data");
    let file = write_model(
        &dir,
        "d.phys",
        "model D {\n  space x in [0, 1]\n  field u(x)\n  pde dxx(u) = 0\n  data u from \"nowhere.npz\"\n}\ntrain D {\n  optimize adam(steps: 2)\n}\n",
    );
    let (ok, stderr) = run(&file, &dir.join("out"), &[]);
    assert!(!ok);
    assert!(
        stderr.contains("cannot read the data file") && stderr.contains("nowhere.npz"),
        "{stderr}"
    );
}

#[test]
fn single_precision_trains_and_reports_it() {
    let dir = scratch("f32");
    let file = write_model(
        &dir,
        "h.phys",
        &format!("{SMALL_HEAT}train H {{\n  net mlp(width: 16, depth: 2)\n  points interior: 512, initial: 64, boundary: 64\n  optimize adam(lr: 3e-3, steps: 200) then lbfgs(steps: 50)\n  precision f32\n}}\n"),
    );
    let out = dir.join("out");
    let (ok, stderr) = run(&file, &out, &["--threads", "1", "--seed", "9"]);
    assert!(ok, "{stderr}");
    let r = report(&out.join("H/train"));
    assert_eq!(r["config"]["precision"], "f32");
    assert_eq!(r["config"]["seed"], 9);
    assert_trained(&out.join("H/train"));
}

/// The observations shipped with the diffusivity example are u = sin(πx) at 200 points
/// (`PHYSC_REGENERATE=1` rewrites them).
#[test]
fn diffusivity_observations_are_the_exact_solution() {
    let path = examples().join("diffusivity_obs.npz");
    if std::env::var("PHYSC_REGENERATE").is_ok_and(|v| v == "1") {
        let mut rng = physc_runtime::rng::Rng::new(2024);
        let x: Vec<f64> = (0..200).map(|_| rng.range(0.0, 1.0)).collect();
        let u: Vec<f64> = x.iter().map(|x| (std::f64::consts::PI * x).sin()).collect();
        write_npz(&path, vec![("x", x), ("u", u)]);
    }
    let (_, x) = array(&path, "x");
    let (_, u) = array(&path, "u");
    assert_eq!((x.len(), u.len()), (200, 200));
    for (&x, &u) in x.iter().zip(&u) {
        assert!(((std::f64::consts::PI * x).sin() - u).abs() < 1e-12);
    }
}

/// An unknown coefficient function, learned from observations of u alone through its own
/// network (examples/diffusivity_inverse.phys): k = 1 + ½ sin(πx).
#[test]
fn diffusivity_inverse_recovers_the_coefficient_function() {
    let dir = train_example("diffusivity_inverse.phys", "Diffusivity", "diffusivity");
    assert_trained_field(&dir, "u");
    assert!(dir.join("field_k.png").is_file());
    let r = report(&dir);
    let networks = r["config"]["networks"].as_array().expect("config.networks");
    let names: Vec<&str> = networks
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["u", "k"]);
    assert_eq!(r["config"]["net"]["kind"], "per field");
    let fields = dir.join("fields.npz");
    let (_, x) = array(&fields, "x");
    let (_, k) = array(&fields, "k");
    let exact: Vec<f64> = x
        .iter()
        .map(|x| 1.0 + 0.5 * (std::f64::consts::PI * x).sin())
        .collect();
    let err = rel_l2(&k, &exact);
    // Measured 7.1e-7 with the example's 2000 + 2000 steps (the issue asks for 1e-2).
    let bound = if slow() { 1e-4 } else { 0.5 };
    assert!(err <= bound, "k: relative L2 error {err:.3e} > {bound}");
    assert!(
        k.iter().all(|&k| k > 0.0),
        "the hard constraint keeps k positive"
    );
}

/// A coefficient c(t) beside u(x, t) gets a network of t alone: its values on the output
/// grid do not change along x at all, and resuming restores both networks.
#[test]
fn a_network_per_field_takes_only_its_fields_variables() {
    let dir = scratch("per-field");
    let model = write_model(
        &dir,
        "coefficient.phys",
        &(SMALL_HEAT
            .replace("field u(x, t)", "field u(x, t), c(t)")
            .replace(
                "pde      dt(u) = 0.1 * dxx(u)",
                "pde      dt(u) = c * dxx(u)\n  initial  c = 0.1",
            )
            + "train H {
  net      u: mlp(width: 12, depth: 2), c: mlp(width: 6, depth: 1)
  points   interior: 256, initial: 64, boundary: 64
  optimize adam(steps: 60)
  output   grid: [9, 5]
}
"),
    );
    let out = dir.join("out");
    let (ok, stderr) = run(&model, &out, &["--max-steps", "30"]);
    assert!(ok, "{stderr}");
    let (ok, stderr) = run(&model, &out, &["--resume"]);
    assert!(ok, "{stderr}");
    let train = out.join("H/train");
    assert_eq!(
        report(&train)["adam_steps"],
        30,
        "resumed for the other 30 steps"
    );
    let (shape, c) = array(&train.join("fields.npz"), "c");
    assert_eq!(shape, vec![5, 9], "[len(t), len(x)]");
    for row in c.chunks(9) {
        assert!(row.iter().all(|&v| v == row[0]), "c varies with x: {row:?}");
    }
    let r = report(&train);
    let inputs: Vec<_> = r["config"]["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["inputs"].clone())
        .collect();
    assert_eq!(
        inputs,
        [serde_json::json!(["x", "t"]), serde_json::json!(["t"])]
    );
}

/// A finite-basis network on a problem with 30 oscillations (examples/
/// fbpinn_high_frequency.phys): u = sin(15x) on [−2π, 2π].
#[test]
fn a_decomposed_network_learns_a_high_frequency_solution() {
    let dir = train_example("fbpinn_high_frequency.phys", "HighFrequency", "fbpinn");
    assert_trained_field(&dir, "u");
    let fields = dir.join("fields.npz");
    let (_, x) = array(&fields, "x");
    let (_, u) = array(&fields, "u");
    let exact: Vec<f64> = x.iter().map(|x| (15.0 * x).sin()).collect();
    let err = rel_l2(&u, &exact);
    // Measured 5.6e-4 (a single network of the same size: 1.2).
    let bound = if slow() { 1e-3 } else { 1.5 };
    assert!(err <= bound, "relative L2 error {err:.3e} > {bound}");
    assert_eq!(report(&dir)["config"]["net"]["kind"], "decompose");
    // The hard constraint makes u(0) = 0 exactly.
    let mid = x
        .iter()
        .position(|&x| x.abs() < 1e-9)
        .expect("x = 0 on the grid");
    assert!(u[mid].abs() < 1e-12, "u(0) = {}", u[mid]);
}

/// `decompose` needs one subdomain count per network input, and `subdomains` at all.
#[test]
fn decompose_refuses_a_count_per_input_that_does_not_fit() {
    let dir = scratch("decompose-bad");
    let train = |net: &str| {
        format!(
            "{SMALL_HEAT}train H {{\n  net {net}\n  points interior: 64, initial: 16, boundary: 16\n  optimize adam(steps: 2)\n}}\n"
        )
    };
    let model = write_model(
        &dir,
        "wrong_count.phys",
        &train("decompose(subdomains: [4])"),
    );
    let (ok, stderr) = run(&model, &dir.join("out"), &[]);
    assert!(!ok);
    assert!(
        stderr.contains("`subdomains` gives 1 count, but the network takes 2 inputs (x, t)"),
        "{stderr}"
    );
    let model = write_model(&dir, "missing.phys", &train("decompose(width: 8)"));
    let (ok, stderr) = run(&model, &dir.join("out"), &[]);
    assert!(!ok);
    assert!(
        stderr.contains("E0403") && stderr.contains("`decompose` needs the option `subdomains`"),
        "{stderr}"
    );
    let model = write_model(
        &dir,
        "fine.phys",
        &train("decompose(subdomains: [2, 3], width: 4, depth: 1)"),
    );
    let (ok, stderr) = run(&model, &dir.join("out"), &[]);
    assert!(ok, "{stderr}");
}

/// The modified MLP, the Chebyshev KAN and the PirateNet train the small heat problem to
/// its exact solution u = exp(−0.1π²t) sin(πx), each from `net …` alone.
#[test]
fn a_modified_mlp_a_kan_and_a_pirate_net_train_to_the_exact_solution() {
    let dir = scratch("architectures");
    for (tag, net, kind) in [
        (
            "modified",
            "modified_mlp(width: 16, depth: 3)",
            "modified_mlp",
        ),
        ("kan", "kan(width: 8, depth: 2, degree: 4)", "kan"),
        ("pirate", "pirate(width: 16, depth: 2)", "pirate"),
    ] {
        let file = write_model(
            &dir,
            &format!("{tag}.phys"),
            &format!(
                "{SMALL_HEAT}train H {{\n  net {net}\n  points interior: 1024, initial: 128, boundary: 128\n  optimize adam(lr: 3e-3, steps: 300) then ssbroyden(steps: {})\n  output grid: [41, 21]\n}}\n",
                if slow() { 1500 } else { 300 }
            ),
        );
        let out = dir.join(tag);
        let (ok, stderr) = run(&file, &out, &[]);
        assert!(ok, "{tag}: {stderr}");
        let dir = out.join("H").join("train");
        assert_trained(&dir);
        assert_eq!(report(&dir)["config"]["net"]["kind"], kind);
        let err = field_error(&dir, ["t", "x"], |t, x| {
            (-0.1 * PI * PI * t).exp() * (PI * x).sin()
        });
        // Measured: modified MLP 1.0e-5, KAN 7.8e-5, PirateNet 9.7e-6 after 300
        // quasi-Newton steps; 7.5e-8, 1.4e-6 and 5.2e-8 after 1500.
        let bound = if slow() { 1e-5 } else { 1e-3 };
        eprintln!("{tag}: relative L2 error {err:.3e}");
        assert!(err <= bound, "{tag}: relative L2 error {err:.3e} > {bound}");
    }
}
