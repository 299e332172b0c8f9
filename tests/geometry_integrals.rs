//! `integral`s of trained fields, end to end through `physc run`: lengths and areas of a
//! known shape (the integral of 1), the divergence theorem on a trained Poisson solution
//! (the outward flux ∮ dn(u) equals ∫ Δu = −|Ω|), the flux split between two parts, and the
//! numbers in report.json and the summary.

use std::f64::consts::PI;

mod support;
use support::{physc, report, scratch, SMALL_HEAT};

/// −Δu = 1 in the unit disk minus a hole of radius 0.2 at (0.3, 0), u = 0 on both circles.
const RING: &str = "use std.operators

model Ring {
  space x in [-1, 1], y in [-1, 1]
  field u(x, y)
  part rim = disk([0, 0], 1), hole = disk([0.3, 0], 0.2)
  domain = rim - hole

  pde      -lap(u) = 1
  boundary u = 0 on boundary

  integral area = 1, mass = u
  integral perimeter = 1, flux = dn(u), xn = x * nx on boundary
  integral hole_length = 1, hole_flux = dn(u) on hole
  integral rim_flux = dn(u) on rim
}

train Ring {
  net      mlp(width: 16, depth: 3)
  points   interior: 1024, boundary: 256
  optimize adam(lr: 1e-3, steps: 300) then ssbroyden(steps: 400)
  weights  boundary: 100
  seed     1
}
";

/// Writes `text` as `file` in `dir`, runs it into `dir/out`, and returns its stdout.
fn run(dir: &std::path::Path, file: &str, text: &str) -> String {
    std::fs::write(dir.join(file), text).unwrap();
    let out = physc(&["run", file, "--out", "out"], dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn integral(r: &serde_json::Value, name: &str) -> (f64, f64, u64) {
    let i = &r["integrals"][name];
    (
        i["value"]
            .as_f64()
            .unwrap_or_else(|| panic!("no integral {name}: {r}")),
        i["std_error"].as_f64().unwrap(),
        i["points"].as_u64().unwrap(),
    )
}

#[test]
fn integrals_of_a_trained_poisson_solution_on_a_ring() {
    let dir = scratch("integrals", "ring");
    let stdout = run(&dir, "ring.phys", RING);
    assert!(
        stdout.contains("integral flux over boundary = "),
        "summary: {stdout}"
    );
    let r = report(&dir.join("out/Ring/train"));
    let area = PI * (1.0 - 0.04);

    // Lengths by the deterministic rule on circles: exact to rounding.
    let (perimeter, se, n) = integral(&r, "perimeter");
    assert!((perimeter - 2.4 * PI).abs() < 1e-9, "perimeter {perimeter}");
    assert_eq!(se, 0.0);
    assert!(n > 8000, "{n} points");
    let (hole, _, _) = integral(&r, "hole_length");
    assert!((hole - 0.4 * PI).abs() < 1e-9, "hole {hole}");
    // ∮ x n_x ds = ∫ 1 dA: the normals (reversed on the hole) are right.
    let (xn, _, _) = integral(&r, "xn");
    assert!((xn - area).abs() < 1e-9, "∮ x nx = {xn}, area {area}");

    // The area by quasi-Monte Carlo, with a standard error that covers the truth.
    let (a, se, _) = integral(&r, "area");
    assert!(se > 0.0 && se < 0.02, "standard error {se}");
    assert!((a - area).abs() < 3.0 * se, "area {a} ± {se}, exact {area}");

    // The divergence theorem on the trained field: ∮ dn(u) = ∫ Δu = −|Ω|.
    let (flux, _, _) = integral(&r, "flux");
    assert!(
        (flux + area).abs() < 0.01 * area,
        "flux {flux}, expected {}",
        -area
    );
    let (hole_flux, _, _) = integral(&r, "hole_flux");
    let (rim_flux, _, _) = integral(&r, "rim_flux");
    assert!((hole_flux + rim_flux - flux).abs() < 1e-9 * area);
    // Both parts drain the source: u > 0 inside and 0 on both circles.
    assert!(
        hole_flux < 0.0 && rim_flux < hole_flux,
        "{hole_flux} {rim_flux}"
    );
    // The mass is positive and below that of the disk without its hole, π/8.
    let (mass, _, _) = integral(&r, "mass");
    assert!(mass > 0.0 && mass < PI / 8.0, "mass {mass}");
}

/// On a box, a domain integral is quasi-Monte Carlo over the box: ∫∫ x y over [0, 1] × [0, 2]
/// of the trained u = x·y (a Dirichlet problem whose solution is harmonic) is 1.
#[test]
fn a_domain_integral_on_a_box() {
    let dir = scratch("integrals", "box");
    let source = "use std.operators
model Box {
  space x in [0, 1], y in [0, 2]
  field u(x, y)
  pde      lap(u) = 0
  boundary u = x * y on boundary
  integral total = u, area = 1
}
train Box {
  net      mlp(width: 16, depth: 2)
  points   interior: 512, boundary: 256
  optimize adam(lr: 1e-3, steps: 300) then ssbroyden(steps: 300)
  seed     2
}
";
    std::fs::write(dir.join("box.phys"), source).unwrap();
    let out = physc(&["run", "box.phys", "--out", "out"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&dir.join("out/Box/train"));
    let (area, se, _) = integral(&r, "area");
    // Every candidate lies in the box: the estimate is exact and its spread zero.
    assert!((area - 2.0).abs() < 1e-12 && se < 1e-9, "{area} ± {se}");
    let (total, se, _) = integral(&r, "total");
    assert!(se > 0.0 && (total - 1.0).abs() < 0.01, "{total} ± {se}");
}

/// In a model with time an integral is a series over the output grid's times: the mass
/// ∫₀¹ u dx of the heat equation's u = exp(−0.1π²t) sin(πx) is (2/π) exp(−0.1π²t), and
/// the heat flux out through both ends (−u_x at 1 plus u_x at 0, as an integral of the
/// derivative over the interval) is the mass's rate of loss, as is −∫ u_t; all in report.json,
/// integrals.csv and integrals.png, and the summary names the last time.
#[test]
fn integrals_in_a_model_with_time_are_series_over_the_output_times() {
    let dir = scratch("integrals", "heat");
    // The training tests' heat model with three integrals.
    let model = SMALL_HEAT.replacen(
        "\n}",
        "\n  integral mass = u, loss_rate = -0.1 * dxx(u), change = dt(u)\n}",
        1,
    );
    let source = model
        + "train H {
  net      mlp(width: 16, depth: 3)
  points   interior: 512, boundary: 128, initial: 128
  optimize adam(lr: 1e-3, steps: 300) then ssbroyden(steps: 400)
  seed     1
  output   grid: [41, 11]
}
";
    let stdout = run(&dir, "heat.phys", &source);
    assert!(
        stdout.contains("integral mass over domain at the last time 1 ="),
        "{stdout}"
    );
    let job = dir.join("out/H/train");
    let r = report(&job);
    let series = |name: &str| -> Vec<f64> {
        r["integrals"][name]["values"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {r}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let times: Vec<f64> = r["integrals"]["mass"]["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(times.len(), 11);
    assert_eq!((times[0], times[10]), (0.0, 1.0));
    let (mass, rate, change) = (series("mass"), series("loss_rate"), series("change"));
    for (k, &t) in times.iter().enumerate() {
        let decay = (-0.1 * PI * PI * t).exp();
        let exact = 2.0 / PI * decay;
        assert!(
            (mass[k] - exact).abs() < 1e-4,
            "mass at t = {t}: {} vs {exact}",
            mass[k]
        );
        // −0.1 ∫ u_xx dx = 0.1 π² · mass: the rate the mass is lost at.
        let exact_rate = 0.1 * PI * PI * exact;
        assert!(
            (rate[k] - exact_rate).abs() < 1e-3 * exact_rate,
            "rate at t = {t}: {} vs {exact_rate}",
            rate[k]
        );
        assert!(
            (change[k] + exact_rate).abs() < 1e-3 * exact_rate,
            "d(mass)/dt at t = {t}: {} vs {}",
            change[k],
            -exact_rate
        );
    }
    assert_eq!(r["integrals"]["mass"]["value"].as_f64().unwrap(), mass[10]);
    let csv = std::fs::read_to_string(job.join("integrals.csv")).unwrap();
    assert!(csv.starts_with("t,mass,loss_rate,change\n"), "{csv}");
    assert_eq!(csv.lines().count(), 12, "{csv}");
    assert!(job.join("integrals.png").is_file());
}

/// The DFG 2D-1 example (examples/cylinder_dfg.phys) runs and reports its drag and lift
/// coefficients. Its full configuration trains for tens of minutes in a release build (the
/// accuracy is bench/geometry's `cylinder_cd_err`); here a few steps check that the
/// integrals over the cylinder are evaluated through the hard constraints, with the
/// deterministic rule, and that the drag is positive from the start (the lifting of the
/// inflow profile already shears along the cylinder).
#[test]
fn the_cylinder_example_reports_drag_and_lift() {
    let dir = scratch("integrals", "cylinder");
    let example = support::root().join("examples/cylinder_dfg.phys");
    let example = example.to_string_lossy();
    let out = physc(
        &[
            "run",
            &example,
            "--out",
            "out",
            "--quiet",
            "--max-steps",
            "5",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&dir.join("out/CylinderDFG/train"));
    for name in ["c_D", "c_L"] {
        let i = &r["integrals"][name];
        assert_eq!(i["over"], "part cylinder", "{i}");
        assert_eq!(i["rule"], "midpoint", "{i}");
        assert_eq!(i["std_error"].as_f64(), Some(0.0), "{i}");
        assert!(i["value"].as_f64().is_some_and(f64::is_finite), "{i}");
    }
    let (cd, _, _) = integral(&r, "c_D");
    assert!(cd > 0.0, "c_D = {cd}");
}
