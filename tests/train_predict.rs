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
