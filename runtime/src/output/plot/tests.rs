//! Plot tests: every kind renders a valid PNG with ink on it. Set PHYSC_PLOT_SAMPLES to a
//! directory to keep the images for a person to look at.

use super::*;
use crate::output::Array;
use std::path::PathBuf;

fn out_dir(test: &str) -> (PathBuf, bool) {
    match std::env::var_os("PHYSC_PLOT_SAMPLES") {
        Some(dir) => (PathBuf::from(dir), true),
        None => (crate::output::tests::scratch(test), false),
    }
}

/// Check the file is a PNG of the figure's size with a real picture on it: many colours,
/// and a fair share of non-white pixels (axes, text, lines).
fn check_png(path: &Path, size: (u32, u32)) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG signature");
    assert!(
        bytes.len() > 5_000,
        "{} bytes is too small for a plot",
        bytes.len()
    );
    let (w, h, rgb) = png::decode_rgb(&bytes);
    assert_eq!((w, h), size);
    let pixels: Vec<&[u8]> = rgb.chunks_exact(3).collect();
    let ink = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    assert!(ink > pixels.len() / 100, "only {ink} non-white pixels");
    let colours: std::collections::HashSet<_> = pixels.iter().collect();
    assert!(colours.len() > 20, "only {} colours", colours.len());
}

fn finish(dir: PathBuf, keep: bool) {
    if !keep {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn time_series_shared_and_stacked() {
    let (dir, keep) = out_dir("plot-series");
    let t: Vec<f64> = (0..500).map(|i| i as f64 * 0.02).collect();
    let x: Vec<f64> = t
        .iter()
        .map(|t| (2.0 * t).sin() * (-0.1 * t).exp())
        .collect();
    let mut v: Vec<f64> = t
        .iter()
        .map(|t| 2.0 * (2.0 * t).cos() * (-0.1 * t).exp())
        .collect();
    v[250] = f64::NAN; // a gap, not a failure
    let fig = Figure::new("Damped oscillator", "time t [s]", "state");
    let series = [("position x", &x[..]), ("velocity v", &v[..])];
    let shared = dir.join("series_shared.png");
    time_series(&shared, &fig, &t, &series, Panels::Shared).unwrap();
    check_png(&shared, DEFAULT_SIZE);
    let stacked = dir.join("series_stacked.png");
    let energy: Vec<f64> = x
        .iter()
        .zip(&v)
        .map(|(x, v)| 0.5 * (4.0 * x * x + v * v))
        .collect();
    let three = [series[0], series[1], ("energy E", &energy[..])];
    time_series(&stacked, &fig, &t, &three, Panels::Stacked).unwrap();
    check_png(&stacked, DEFAULT_SIZE);
    finish(dir, keep);
}

#[test]
fn phase_portraits() {
    let (dir, keep) = out_dir("plot-phase");
    let n = 2000;
    let s: Vec<f64> = (0..n).map(|i| i as f64 * 0.01).collect();
    let x: Vec<f64> = s.iter().map(|s| s.cos() * (-0.1 * s).exp()).collect();
    let y: Vec<f64> = s.iter().map(|s| -s.sin() * (-0.1 * s).exp()).collect();
    let path = dir.join("phase_2d.png");
    let fig = Figure::new("Phase portrait", "position x", "velocity v");
    phase_portrait(&path, &fig, &x, &y).unwrap();
    check_png(&path, DEFAULT_SIZE);
    let lorenz = lorenz(5000);
    let path = dir.join("phase_3d.png");
    let fig = Figure::new("Lorenz attractor", "x", "y");
    phase_portrait_3d(&path, &fig, "z", [&lorenz[0], &lorenz[1], &lorenz[2]]).unwrap();
    check_png(&path, DEFAULT_SIZE);
    finish(dir, keep);
}

fn lorenz(n: usize) -> [Vec<f64>; 3] {
    let (mut p, dt) = ([1.0, 1.0, 1.0], 0.01);
    let mut out = [vec![], vec![], vec![]];
    for _ in 0..n {
        let [x, y, z] = p;
        let d = [10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z];
        p = [x + dt * d[0], y + dt * d[1], z + dt * d[2]];
        for k in 0..3 {
            out[k].push(p[k]);
        }
    }
    out
}

#[test]
fn heatmap_of_a_travelling_wave() {
    let (dir, keep) = out_dir("plot-heatmap");
    let (nt, nx) = (120, 200);
    let rows: Vec<Vec<f64>> = (0..nt)
        .map(|i| {
            let t = i as f64 / (nt - 1) as f64;
            (0..nx)
                .map(|j| {
                    let x = j as f64 / (nx - 1) as f64 * 2.0 - 1.0;
                    (-((x - 0.8 * t + 0.4) / 0.15).powi(2)).exp()
                })
                .collect()
        })
        .collect();
    let field = Array::from_rows(&rows).unwrap();
    let path = dir.join("heatmap.png");
    let fig = Figure::new("Advected pulse u(t, x)", "position x", "time t");
    heatmap(&path, &fig, &field, (0.0, 1.0), (-1.0, 1.0), "u").unwrap();
    check_png(&path, DEFAULT_SIZE);
    finish(dir, keep);
}

#[test]
fn loss_curves_on_log_axis() {
    let (dir, keep) = out_dir("plot-loss");
    let train: Vec<f64> = (0..300)
        .map(|i| 2.0 * (-(i as f64) / 40.0).exp() + 1e-4)
        .collect();
    let mut val: Vec<f64> = train.iter().map(|v| v * 1.3 + 2e-4).collect();
    val[10] = 0.0; // cannot be shown on a log axis: a gap
    let path = dir.join("loss.png");
    let fig = Figure::new("Training loss", "epoch", "loss (MSE)");
    loss_curves(&path, &fig, &[("train", &train), ("validation", &val)]).unwrap();
    check_png(&path, DEFAULT_SIZE);
    finish(dir, keep);
}

#[test]
fn bad_plot_input_is_an_error_naming_the_file() {
    let dir = crate::output::tests::scratch("plot-bad");
    let path = dir.join("bad.png");
    let fig = Figure::new("t", "x", "y");
    let err = time_series(
        &path,
        &fig,
        &[0.0, 1.0],
        &[("a", &[1.0][..])],
        Panels::Shared,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("bad.png") && err.contains("series `a`"),
        "{err}"
    );
    assert!(time_series(&path, &fig, &[], &[], Panels::Stacked).is_err());
    assert!(phase_portrait(&path, &fig, &[], &[]).is_err());
    assert!(loss_curves(&path, &fig, &[("l", &[0.0, -1.0][..])]).is_err());
    let row = Array::vector(vec![1.0, 2.0]);
    assert!(heatmap(&path, &fig, &row, (0.0, 1.0), (0.0, 1.0), "u").is_err());
    let field = Array::matrix(1, 2, vec![1.0, 2.0]).unwrap();
    assert!(heatmap(&path, &fig, &field, (1.0, 1.0), (0.0, 1.0), "u").is_err());
    let tiny = fig.with_size(10, 10);
    assert!(phase_portrait(&path, &tiny, &[1.0], &[1.0]).is_err());
    assert!(!path.exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn single_points_and_constant_series_still_plot() {
    let dir = crate::output::tests::scratch("plot-degenerate");
    let path = dir.join("one.png");
    let fig = Figure::new("one point", "x", "y");
    phase_portrait(&path, &fig, &[1.0], &[1.0]).unwrap();
    time_series(&path, &fig, &[0.0], &[("c", &[3.0][..])], Panels::Stacked).unwrap();
    loss_curves(&path, &fig, &[("l", &[0.5][..])]).unwrap();
    let field = Array::matrix(1, 1, vec![f64::NAN]).unwrap();
    heatmap(&path, &fig, &field, (0.0, 1.0), (0.0, 1.0), "u").unwrap();
    // Cramped layouts may fail to draw, but must not panic.
    let small = fig.with_size(200, 200);
    let _ = heatmap(&path, &small, &field, (0.0, 1.0), (0.0, 1.0), "u");
    let t: Vec<f64> = (0..10).map(f64::from).collect();
    let many: Vec<(&str, &[f64])> = (0..40).map(|_| ("s", &t[..])).collect();
    let _ = time_series(&path, &small, &t, &many, Panels::Stacked);
    let _ = time_series(&path, &fig, &t, &many, Panels::Shared);
    let _ = phase_portrait_3d(&path, &small, "z", [&t, &t, &t]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn pareto_front_on_log_axis() {
    let (dir, keep) = out_dir("pareto");
    let path = dir.join("front.png");
    let front = [
        (1.0, 0.3),
        (3.0, 1e-3),
        (5.0, 2e-6),
        (6.0, 0.9e-6),
        (8.0, 0.0),
    ];
    pareto_front(
        &path,
        &Figure::new("front", "operations", "max error"),
        &front,
        Some((5.0, 2e-6)),
    )
    .unwrap();
    check_png(&path, DEFAULT_SIZE);
    assert!(pareto_front(&path, &Figure::new("f", "x", "y"), &[(1.0, 0.0)], None).is_err());
    finish(dir, keep);
}
