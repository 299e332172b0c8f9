//! `predict "points.npz"` in a `train` block: the trained fields at the user's own points,
//! written as predictions.npz, and the errors for a file that cannot serve (missing, an
//! array missing, lengths that differ, values that are not finite), reported before training.

use physc_runtime::output::npz;
use std::path::Path;

mod support;
use support::{physc, scratch, write_npz as write};

/// Poisson on the unit square with u = sin(πx) sin(πy) exactly; a short run.
fn source(points: &str) -> String {
    format!(
        "use std.operators
model Square {{
  space x in [0, 1], y in [0, 1]
  field u(x, y)
  pde      -lap(u) = 2 * pi^2 * sin(pi * x) * sin(pi * y)
  boundary u = 0 on boundary
}}
train Square {{
  net      mlp(width: 16, depth: 3)
  points   interior: 512, boundary: 256
  optimize adam(lr: 1e-3, steps: 300) then ssbroyden(steps: 300)
  weights  boundary: 10
  predict  \"{points}\"
  seed     3
}}
"
    )
}

fn read(path: &Path, name: &str) -> Vec<f64> {
    let arrays = npz::read(path).unwrap();
    let (_, a) = arrays
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no `{name}` in {}", path.display()));
    a.data().to_vec()
}

#[test]
fn the_trained_field_at_the_users_points() {
    let dir = scratch("predict", "square");
    let xs: Vec<f64> = (0..50)
        .map(|i| 0.05 + 0.9 * (i as f64 * 0.618).fract())
        .collect();
    let ys: Vec<f64> = (0..50)
        .map(|i| 0.05 + 0.9 * (i as f64 * 0.377).fract())
        .collect();
    write(
        &dir.join("points.npz"),
        vec![("x", xs.clone()), ("y", ys.clone())],
    );
    std::fs::write(dir.join("square.phys"), source("points.npz")).unwrap();
    let out = physc(&["run", "square.phys", "--out", "out", "--quiet"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = dir.join("out/Square/train/predictions.npz");
    // The points come back with the fields, in the order given.
    assert_eq!(read(&file, "x"), xs);
    assert_eq!(read(&file, "y"), ys);
    let u = read(&file, "u");
    assert_eq!(u.len(), xs.len());
    let pi = std::f64::consts::PI;
    let (mut num, mut den) = (0.0, 0.0);
    for ((x, y), u) in xs.iter().zip(&ys).zip(&u) {
        let exact = (pi * x).sin() * (pi * y).sin();
        num += (u - exact).powi(2);
        den += exact * exact;
    }
    let err = (num / den).sqrt();
    assert!(err < 0.05, "relative L2 error at the points {err:.3e}");
    let report = support::report(&dir.join("out/Square/train"));
    assert!(
        report["files"].to_string().contains("predictions.npz"),
        "{report}"
    );
}

/// `physc predict` after the run: the network brought back from its checkpoint gives the
/// same values, bit for bit, as the run's own `predict`; with other points too; and each
/// way it cannot serve (no checkpoint, no such train job, a bad points file) is exit 1
/// with a message saying why.
#[test]
fn physc_predict_evaluates_the_checkpoint_at_new_points() {
    let dir = scratch("predict", "command");
    let (xs, ys) = (vec![0.1, 0.5, 0.9, 0.3], vec![0.2, 0.5, 0.7, 0.9]);
    write(
        &dir.join("points.npz"),
        vec![("x", xs.clone()), ("y", ys.clone())],
    );
    std::fs::write(dir.join("square.phys"), source("points.npz")).unwrap();
    let out = physc(&["run", "square.phys", "--out", "out", "--quiet"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = physc(&["predict", "square.phys", "--points", "points.npz"], &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("u at 4 points"), "{stderr}");
    let run = dir.join("out/Square/train/predictions.npz");
    let again = dir.join("out/Square/train/predictions_points.npz");
    assert_eq!(read(&again, "u"), read(&run, "u"));
    assert_eq!(read(&again, "x"), xs);
    // Other points, to a file of one's choosing, laid out as given (2 × 2).
    let grid = dir.join("grid.npz");
    let arrays = [
        ("x", vec![0.25, 0.75, 0.25, 0.75]),
        ("y", vec![0.5, 0.5, 0.25, 0.25]),
    ];
    let shaped: Vec<(String, physc_runtime::output::Array)> = arrays
        .iter()
        .map(|(n, v)| {
            let a = physc_runtime::output::Array::with_shape(vec![2, 2], v.clone()).unwrap();
            (n.to_string(), a)
        })
        .collect();
    let refs: Vec<(&str, &physc_runtime::output::Array)> =
        shaped.iter().map(|(n, a)| (n.as_str(), a)).collect();
    npz::write(&grid, &refs).unwrap();
    let out = physc(
        &[
            "predict",
            "square.phys",
            "--points",
            "grid.npz",
            "--to",
            "mine.npz",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let arrays = npz::read(&dir.join("mine.npz")).unwrap();
    let u = &arrays.iter().find(|(n, _)| n == "u").unwrap().1;
    assert_eq!(u.shape(), [2, 2]);
    let pi = std::f64::consts::PI;
    for (k, value) in u.data().iter().enumerate() {
        let (x, y) = (arrays[0].1.data()[k], arrays[1].1.data()[k]);
        let exact = (pi * x).sin() * (pi * y).sin();
        assert!((value - exact).abs() < 0.05, "u({x}, {y}) = {value}");
    }
    for (args, expected) in [
        (vec!["--out", "elsewhere"], "cannot predict"),
        (vec!["--model", "Nothing"], "no `train Nothing` job"),
        (vec!["--seed", "9"], "seed"),
    ] {
        let mut all = vec!["predict", "square.phys", "--points", "points.npz"];
        all.extend(args.iter().copied());
        let out = physc(&all, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: accepted");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    write(&dir.join("no_y.npz"), vec![("x", vec![0.5])]);
    let out = physc(&["predict", "square.phys", "--points", "no_y.npz"], &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("no array `y`"),
        "{stderr}"
    );
}

/// Each bad file is refused before training, with a message that names the problem.
#[test]
fn bad_point_files_are_refused_before_training() {
    let dir = scratch("predict", "bad");
    type Columns = Vec<(&'static str, Vec<f64>)>;
    let cases: Vec<(&str, Option<Columns>, &str)> = vec![
        ("missing.npz", None, "cannot read"),
        (
            "no_y.npz",
            Some(vec![("x", vec![0.5, 0.25])]),
            "no array `y`",
        ),
        (
            "lengths.npz",
            Some(vec![("x", vec![0.5, 0.25]), ("y", vec![0.5])]),
            "lengths",
        ),
        (
            "nan.npz",
            Some(vec![("x", vec![0.5, f64::NAN]), ("y", vec![0.5, 0.5])]),
            "not finite",
        ),
    ];
    for (file, arrays, expected) in cases {
        if let Some(arrays) = arrays {
            write(&dir.join(file), arrays);
        }
        std::fs::write(dir.join("square.phys"), source(file)).unwrap();
        let out = physc(&["run", "square.phys", "--out", "out", "--quiet"], &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file}: accepted");
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert!(
            stderr.contains(file),
            "{file}: the file is not named: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(
            !dir.join("out/Square/train/loss.csv").exists(),
            "{file}: trained anyway"
        );
    }
}
