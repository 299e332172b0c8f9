//! Hard constraints through `dist` on the shapes whose distance functions are built from
//! more than segments and circles: an ellipse (2-D) and the six faces of a box (3-D), each
//! trained against an exact solution that vanishes on the boundary, with no boundary
//! points drawn at all (the constraint holds the condition exactly).

use physc_runtime::output::npz;
use std::path::Path;

mod support;
use support::{physc, report, scratch};

/// Trains `source` in a fresh directory and returns the job's output directory.
fn train(name: &str, source: &str, model: &str) -> std::path::PathBuf {
    let dir = scratch("train-distance", name);
    let file = dir.join(format!("{name}.phys"));
    std::fs::write(&file, source).unwrap();
    let out = physc(
        &["run", file.to_str().unwrap(), "--out", "out", "--quiet"],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let job = dir.join("out").join(model).join("train");
    let r = report(&job);
    assert_eq!(
        r["terms"].as_object().unwrap().len(),
        1,
        "the pde alone, no boundary term: {r}"
    );
    job
}

/// The relative L2 error of field `u` in `dir/fields.npz` against `exact` over the grid
/// points where it is finite; `check(point, u)` sees every grid point.
fn error(dir: &Path, exact: impl Fn(&[f64]) -> f64, check: impl Fn(&[f64], f64)) -> f64 {
    let fields = npz::read(&dir.join("fields.npz")).unwrap();
    let get = |name: &str| {
        &fields
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} in fields.npz"))
            .1
    };
    let u = get("u");
    let axes: Vec<&[f64]> = ["x", "y", "z"]
        .iter()
        .take(u.shape().len())
        .map(|a| get(a).data())
        .collect();
    let (mut num, mut den) = (0.0, 0.0);
    for (k, &value) in u.data().iter().enumerate() {
        let mut rest = k;
        let mut p = vec![0.0; axes.len()];
        for (d, axis) in axes.iter().enumerate().rev() {
            p[d] = axis[rest % axis.len()];
            rest /= axis.len();
        }
        check(&p, value);
        if value.is_finite() {
            let e = exact(&p);
            num += (value - e).powi(2);
            den += e * e;
        }
    }
    (num / den).sqrt()
}

/// −Δu = 2/a² + 2/b² in the ellipse x²/a² + y²/b² < 1 (a = 2, b = 1) with u = 0 on it:
/// u = 1 − x²/4 − y², through `u = dist(boundary) * net(u)`.
#[test]
fn poisson_in_an_ellipse_with_a_distance_hard_constraint() {
    let dir = train(
        "ellipse",
        "use std.operators
model Ellipse {
  space x in [-2, 2], y in [-1, 1]
  field u(x, y)
  domain = ellipse([0, 0], 2, 1)
  pde        -lap(u) = 2.5
  constraint u = dist(boundary) * net(u)
}
train Ellipse {
  net      mlp(inputs: [x, y], width: 16, depth: 2, act: tanh)
  points   interior: 512, sampler: sobol
  optimize adam(lr: 1e-3, steps: 200) then ssbroyden(steps: 300)
  seed     1
  output   grid: [41, 21]
}
",
        "Ellipse",
    );
    let err = error(
        &dir,
        |p| 1.0 - p[0] * p[0] / 4.0 - p[1] * p[1],
        |p, value| {
            let inside = p[0] * p[0] / 4.0 + p[1] * p[1] - 1.0;
            if inside.abs() < 1e-9 {
                assert!(value.abs() < 1e-9, "u({p:?}) = {value} on the ellipse");
            }
        },
    );
    eprintln!("ellipse: relative L2 error {err:.3e}");
    assert!(err < 2e-4, "{err}");
}

/// −Δu = 3π² u in the unit cube with u = 0 on its six faces: u = sin(πx) sin(πy) sin(πz),
/// through `u = dist(boundary) * net(u)` built from the box's faces.
#[test]
fn poisson_in_a_box_domain_with_a_distance_hard_constraint() {
    let dir = train(
        "cube",
        "use std.operators
model Cube {
  space x in [-0.5, 1.5], y in [0, 1], z in [0, 1]
  field u(x, y, z)
  domain = box([0, 0, 0], [1, 1, 1])
  pde        -lap(u) = 3 * pi^2 * sin(pi * x) * sin(pi * y) * sin(pi * z)
  constraint u = dist(boundary) * net(u)
}
train Cube {
  net      mlp(inputs: [x, y, z], width: 16, depth: 2, act: tanh)
  points   interior: 512, sampler: sobol
  optimize adam(lr: 1e-3, steps: 200) then ssbroyden(steps: 300)
  seed     1
  output   grid: [9, 9, 9]
}
",
        "Cube",
    );
    let pi = std::f64::consts::PI;
    let err = error(
        &dir,
        |p| (pi * p[0]).sin() * (pi * p[1]).sin() * (pi * p[2]).sin(),
        |p, value| {
            let on_face = p
                .iter()
                .any(|&c| c.abs() < 1e-12 || (c - 1.0).abs() < 1e-12);
            let inside = p.iter().all(|&c| (0.0..=1.0).contains(&c));
            if on_face && inside {
                assert!(value.abs() < 1e-9, "u({p:?}) = {value} on a face");
            }
        },
    );
    eprintln!("cube: relative L2 error {err:.3e}");
    assert!(err < 4e-3, "{err}");
}
