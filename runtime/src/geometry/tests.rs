//! Property tests of shapes and their sampling: Monte Carlo areas, volumes, perimeters and
//! surfaces against exact values within 3σ, signed distances against closed forms and
//! against the sampled boundary, normals unit and outward, parts, determinism across thread
//! counts, and the errors of empty or unknown things.

use super::sample::Pieces;
use super::*;
use crate::rng::Rng;
use crate::sampling::{self, Sampler};
use std::f64::consts::PI;

fn shape(p: Result<Primitive, GeometryError>) -> Shape {
    Shape::from(p.unwrap())
}

fn rect(lo: [f64; 2], hi: [f64; 2]) -> Shape {
    shape(Primitive::rectangle(lo, hi))
}

fn disk(c: [f64; 2], r: f64) -> Shape {
    shape(Primitive::disk(c, r))
}

/// Volume (area in 2-D) by hit-or-miss in the shape's bounding box: estimate and σ.
fn monte_carlo_volume(s: &Shape, n: usize, seed: u64) -> (f64, f64) {
    let bounds = s.bounds();
    let box_volume: f64 = bounds.iter().map(|(lo, hi)| hi - lo).product();
    let points = sampling::sample(Sampler::Uniform, &bounds, n, &mut Rng::new(seed)).unwrap();
    let hits = (0..n)
        .filter(|&i| {
            let p: Vec<f64> = points.iter().map(|c| c[i]).collect();
            s.contains(&p)
        })
        .count();
    let p = hits as f64 / n as f64;
    (
        box_volume * p,
        box_volume * (p * (1.0 - p) / n as f64).sqrt(),
    )
}

/// Boundary measure by the fraction of primitive-boundary candidates on the composed
/// boundary: estimate and σ.
fn monte_carlo_boundary(s: &Shape, n: usize, seed: u64) -> (f64, f64) {
    let pieces = Pieces::new(s, None).unwrap();
    let candidates = pieces
        .candidates(Sampler::Uniform, n, &mut Rng::new(seed))
        .unwrap();
    let p = candidates.iter().filter(|c| c.on_boundary).count() as f64 / n as f64;
    let total = pieces.total();
    (total * p, total * (p * (1.0 - p) / n as f64).sqrt())
}

fn within_3_sigma(what: &str, (estimate, sigma): (f64, f64), exact: f64) {
    // The floor covers estimates that are exact (σ = 0 when every candidate is kept).
    let tolerance = 3.0 * sigma + 1e-12 * exact.abs();
    assert!(
        (estimate - exact).abs() <= tolerance,
        "{what}: {estimate} vs exact {exact} (3σ = {})",
        3.0 * sigma
    );
}

/// Shapes with exact volume and boundary measure.
fn cases() -> Vec<(&'static str, Shape, f64, f64)> {
    let ellipse_perimeter = 9.688_448_220_547_676; // a = 2, b = 1
    let l_shape = vec![
        [0.0, 0.0],
        [2.0, 0.0],
        [2.0, 1.0],
        [1.0, 1.0],
        [1.0, 2.0],
        [0.0, 2.0],
    ];
    let (r, h) = (0.5, 2.0);
    vec![
        ("rectangle", rect([-1.0, 0.0], [2.0, 0.5]), 1.5, 7.0),
        ("disk", disk([0.3, -0.2], 0.7), PI * 0.49, 1.4 * PI),
        (
            "ellipse",
            shape(Primitive::ellipse([0.0, 1.0], [2.0, 1.0])),
            2.0 * PI,
            ellipse_perimeter,
        ),
        (
            "triangle",
            shape(Primitive::triangle([0.0, 0.0], [3.0, 0.0], [0.0, 4.0])),
            6.0,
            12.0,
        ),
        ("L polygon", shape(Primitive::polygon(l_shape)), 3.0, 8.0),
        (
            "box",
            shape(Primitive::cuboid([0.0; 3], [1.0, 2.0, 3.0])),
            6.0,
            22.0,
        ),
        (
            "sphere",
            shape(Primitive::sphere([1.0, 1.0, 1.0], 0.8)),
            4.0 / 3.0 * PI * 0.512,
            4.0 * PI * 0.64,
        ),
        (
            "cylinder",
            shape(Primitive::cylinder([0.0, 0.0, -1.0], r, h)),
            PI * r * r * h,
            2.0 * PI * r * h + 2.0 * PI * r * r,
        ),
        (
            "rectangle minus disk",
            rect([0.0, 0.0], [1.0, 1.0])
                .difference(disk([0.5, 0.5], 0.2))
                .unwrap(),
            1.0 - PI * 0.04,
            4.0 + 0.4 * PI,
        ),
        (
            "rectangle minus a disk at its corner",
            rect([0.0, 0.0], [1.0, 1.0])
                .difference(disk([1.0, 1.0], 0.5))
                .unwrap(),
            1.0 - PI * 0.25 / 4.0,
            3.0 + PI / 4.0,
        ),
        (
            // The cut-out square shares two half-sides with the outer one: those are not
            // boundary (they were counted once, as sides of the cut-out).
            "L-shape: a square minus its upper-right quarter",
            rect([-1.0, -1.0], [1.0, 1.0])
                .difference(rect([0.0, 0.0], [1.0, 1.0]))
                .unwrap(),
            3.0,
            8.0,
        ),
        (
            "union of two unit disks one apart",
            disk([0.0, 0.0], 1.0).union(disk([1.0, 0.0], 1.0)).unwrap(),
            2.0 * PI - (2.0 * PI / 3.0 - 0.75f64.sqrt()),
            8.0 * PI / 3.0,
        ),
        (
            "lens: intersection of the same disks",
            disk([0.0, 0.0], 1.0)
                .intersection(disk([1.0, 0.0], 1.0))
                .unwrap(),
            2.0 * PI / 3.0 - 0.75f64.sqrt(),
            4.0 * PI / 3.0,
        ),
        (
            "cube minus a sphere at its corner",
            shape(Primitive::cuboid([0.0; 3], [1.0; 3]))
                .difference(shape(Primitive::sphere([1.0; 3], 0.5)))
                .unwrap(),
            1.0 - 4.0 / 3.0 * PI * 0.125 / 8.0,
            6.0 - 3.0 * PI * 0.25 / 4.0 + 4.0 * PI * 0.25 / 8.0,
        ),
    ]
}

#[test]
fn monte_carlo_volumes_and_boundaries_match_exact_values() {
    for (seed, (name, s, volume, boundary)) in cases().into_iter().enumerate() {
        let seed = seed as u64;
        within_3_sigma(name, monte_carlo_volume(&s, 200_000, seed), volume);
        within_3_sigma(name, monte_carlo_boundary(&s, 100_000, seed), boundary);
        // Moved, turned and scaled by 1.5: volume × 1.5^d, boundary × 1.5^(d−1).
        let d = s.dim() as i32;
        let turned = if d == 2 {
            s.rotate(0.7)
        } else {
            s.rotate_about([1.0, -2.0, 0.5], 0.7)
        };
        let moved = turned
            .unwrap()
            .scale(1.5)
            .unwrap()
            .translate(&vec![0.25; d as usize])
            .unwrap();
        let name = format!("{name}, transformed");
        within_3_sigma(
            &name,
            monte_carlo_volume(&moved, 200_000, seed),
            volume * 1.5f64.powi(d),
        );
        within_3_sigma(
            &name,
            monte_carlo_boundary(&moved, 100_000, seed),
            boundary * 1.5f64.powi(d - 1),
        );
    }
}

#[test]
fn bounding_boxes_hold_the_whole_shape() {
    for (name, s, _, _) in cases() {
        let s = if s.dim() == 2 {
            s.rotate(0.4).unwrap()
        } else {
            s.rotate_about([0.3, 1.0, 0.2], 0.4).unwrap()
        };
        let bounds = s.bounds();
        let wider: Vec<(f64, f64)> = bounds
            .iter()
            .map(|&(lo, hi)| (lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo)))
            .collect();
        let points = sampling::sample(Sampler::Uniform, &wider, 50_000, &mut Rng::new(4)).unwrap();
        for i in 0..50_000 {
            let p: Vec<f64> = points.iter().map(|c| c[i]).collect();
            if s.contains(&p) {
                let inside = p
                    .iter()
                    .zip(&bounds)
                    .all(|(x, (lo, hi))| (lo - 1e-12..=hi + 1e-12).contains(x));
                assert!(
                    inside,
                    "{name}: {p:?} is in the shape but not in {bounds:?}"
                );
            }
        }
    }
}

#[test]
fn interior_points_are_inside_for_every_sampler() {
    let s = rect([0.0, 0.0], [1.0, 1.0])
        .difference(disk([0.5, 0.5], 0.2))
        .unwrap();
    for sampler in [Sampler::Uniform, Sampler::LatinHypercube, Sampler::Sobol] {
        let points = s.sample_interior(sampler, 3000, &mut Rng::new(2)).unwrap();
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].len(), 3000);
        assert!((0..3000).all(|i| s.contains(&[points[0][i], points[1][i]])));
        // By symmetry the mean is the centre; σ of a coordinate is under 0.3.
        let mean = points[0].iter().sum::<f64>() / 3000.0;
        assert!(
            (mean - 0.5).abs() < 3.0 * 0.3 / 3000f64.sqrt(),
            "{sampler:?} {mean}"
        );
    }
}

#[test]
fn boundary_normals_are_unit_and_outward_and_points_on_the_boundary() {
    let shapes = [
        rect([0.0, 0.0], [1.0, 1.0])
            .difference(disk([0.5, 0.5], 0.2))
            .unwrap(),
        rect([0.0, 0.0], [1.0, 1.0])
            .difference(disk([1.0, 1.0], 0.5))
            .unwrap(),
        shape(Primitive::ellipse([0.0, 0.0], [1.0, 0.3]))
            .rotate(1.0)
            .unwrap(),
        // Clockwise vertices: normals must still point out.
        shape(Primitive::polygon(vec![
            [0.0, 2.0],
            [1.0, 2.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [2.0, 0.0],
            [0.0, 0.0],
        ])),
        shape(Primitive::cuboid([0.0; 3], [1.0; 3]))
            .difference(shape(Primitive::sphere([1.0; 3], 0.5)))
            .unwrap(),
        shape(Primitive::cylinder([0.0; 3], 0.5, 1.0))
            .rotate_about([1.0, 1.0, 0.0], 0.8)
            .unwrap()
            .union(shape(Primitive::sphere([0.0; 3], 0.6)))
            .unwrap(),
    ];
    let step = 1e-6;
    for (k, s) in shapes.iter().enumerate() {
        let b = s
            .sample_boundary(Sampler::Sobol, 4000, None, &mut Rng::new(k as u64))
            .unwrap();
        let d = s.dim();
        assert_eq!(b.points.len(), d);
        assert_eq!(b.primitive.len(), 4000);
        for i in 0..4000 {
            let p: Vec<f64> = (0..d).map(|j| b.points[j][i]).collect();
            let n: Vec<f64> = (0..d).map(|j| b.normals[j][i]).collect();
            let norm = n.iter().map(|x| x * x).sum::<f64>().sqrt();
            assert!((norm - 1.0).abs() < 1e-12, "shape {k}: |n| = {norm}");
            assert!(
                s.signed_distance(&p).abs() < 1e-12,
                "shape {k}: {p:?} off the boundary"
            );
            let out: Vec<f64> = p.iter().zip(&n).map(|(x, n)| x + step * n).collect();
            let back: Vec<f64> = p.iter().zip(&n).map(|(x, n)| x - step * n).collect();
            assert!(!s.contains(&out), "shape {k}: {p:?} + εn is inside");
            assert!(s.contains(&back), "shape {k}: {p:?} − εn is outside");
        }
    }
}

#[test]
fn boundary_points_are_uniform_in_arc_length_and_area() {
    // Ellipse a = 2, b = 1: the share of its arc length with x > 1, from a fine polyline.
    let s = shape(Primitive::ellipse([0.0, 0.0], [2.0, 1.0]));
    let m = 1_000_000;
    let (mut right, mut total) = (0.0, 0.0);
    for k in 0..m {
        let (t0, t1) = (
            k as f64 / m as f64 * 2.0 * PI,
            (k + 1) as f64 / m as f64 * 2.0 * PI,
        );
        let len = (2.0 * (t1.cos() - t0.cos())).hypot(t1.sin() - t0.sin());
        total += len;
        if 2.0 * (0.5 * (t0 + t1)).cos() > 1.0 {
            right += len;
        }
    }
    let n = 40_000;
    let b = s
        .sample_boundary(Sampler::Uniform, n, None, &mut Rng::new(9))
        .unwrap();
    let share = right / total;
    let got = b.points[0].iter().filter(|&&x| x > 1.0).count() as f64 / n as f64;
    let sigma = (share * (1.0 - share) / n as f64).sqrt();
    assert!((got - share).abs() <= 3.0 * sigma, "{got} vs {share}");
    // A sphere: a quarter of the area lies above z = r/2 (Archimedes).
    let s = shape(Primitive::sphere([0.0; 3], 2.0));
    let b = s
        .sample_boundary(Sampler::Uniform, n, None, &mut Rng::new(9))
        .unwrap();
    let got = b.points[2].iter().filter(|&&z| z > 1.0).count() as f64 / n as f64;
    let sigma = (0.25 * 0.75 / n as f64).sqrt();
    assert!((got - 0.25).abs() <= 3.0 * sigma, "{got}");
}

#[test]
fn signed_distances_of_transformed_and_composed_shapes() {
    // A square of side 2 turned by 45°, scaled by 2 and moved to (1, 1): its corner is at
    // distance 2·sqrt(2) from the centre along x, and the signed distance is exact.
    let s = rect([-1.0, -1.0], [1.0, 1.0])
        .rotate(PI / 4.0)
        .unwrap()
        .scale(2.0)
        .unwrap()
        .translate(&[1.0, 1.0])
        .unwrap();
    let corner = 1.0 + 2.0 * 2f64.sqrt();
    assert!((s.signed_distance(&[corner + 0.5, 1.0]) - 0.5).abs() < 1e-12);
    assert!((s.signed_distance(&[1.0, 1.0]) + 2.0).abs() < 1e-12);
    // Composed: the sign is exact and |d| never exceeds the distance to the boundary.
    let s = rect([0.0, 0.0], [1.0, 1.0])
        .difference(disk([1.0, 1.0], 0.5))
        .unwrap();
    let boundary = s
        .sample_boundary(Sampler::Sobol, 20_000, None, &mut Rng::new(1))
        .unwrap();
    let probes =
        sampling::sample(Sampler::Uniform, &[(-0.5, 1.5); 2], 300, &mut Rng::new(2)).unwrap();
    for (&x, &y) in probes[0].iter().zip(&probes[1]) {
        let p = [x, y];
        let d = s.signed_distance(&p);
        assert_eq!(d <= 0.0, s.contains(&p), "{p:?}");
        let nearest = (0..20_000)
            .map(|k| (boundary.points[0][k] - p[0]).hypot(boundary.points[1][k] - p[1]))
            .fold(f64::INFINITY, f64::min);
        assert!(d.abs() <= nearest + 1e-12, "{p:?}: |{d}| > {nearest}");
    }
    // Far outside along the diagonal, the bound is the exact distance to the far corner.
    assert!((s.signed_distance(&[-3.0, -4.0]) - 5.0).abs() < 1e-12);
}

#[test]
fn parts_tag_points_and_sample_alone() {
    let s = rect([0.0, 0.0], [1.0, 1.0])
        .named("walls")
        .difference(disk([0.5, 0.5], 0.2).named("hole"))
        .unwrap();
    assert_eq!(s.parts(), vec!["walls", "hole"]);
    let all = s
        .sample_boundary(Sampler::Uniform, 20_000, None, &mut Rng::new(5))
        .unwrap();
    let on_hole = all
        .primitive
        .iter()
        .filter(|&&i| s.part_of(i) == Some("hole"))
        .count() as f64
        / 20_000.0;
    let share = 0.4 * PI / (4.0 + 0.4 * PI);
    let sigma = (share * (1.0 - share) / 20_000.0).sqrt();
    assert!(
        (on_hole - share).abs() <= 3.0 * sigma,
        "{on_hole} vs {share}"
    );
    let hole = s
        .sample_boundary(Sampler::Sobol, 500, Some("hole"), &mut Rng::new(5))
        .unwrap();
    for i in 0..500 {
        let (x, y) = (hole.points[0][i] - 0.5, hole.points[1][i] - 0.5);
        assert!((x.hypot(y) - 0.2).abs() < 1e-12);
        // The outward normal of the plate points into the hole, towards its centre.
        assert!((hole.normals[0][i] + x / 0.2).abs() < 1e-12);
        assert!((hole.normals[1][i] + y / 0.2).abs() < 1e-12);
        assert_eq!(s.part_of(hole.primitive[i]), Some("hole"));
    }
    assert_eq!(
        s.sample_boundary(Sampler::Sobol, 5, Some("hol"), &mut Rng::new(0)),
        Err(GeometryError::UnknownPart {
            name: "hol".to_string()
        })
    );
    // A part swallowed by the rest of the shape has no boundary left to sample.
    let swallowed = disk([0.0, 0.0], 1.0)
        .union(disk([0.0, 0.0], 0.5).named("inner"))
        .unwrap();
    assert_eq!(
        swallowed.sample_boundary(Sampler::Uniform, 5, Some("inner"), &mut Rng::new(0)),
        Err(GeometryError::Empty {
            what: "part boundary"
        })
    );
}

#[test]
fn empty_shapes_and_mixed_dimensions_are_errors() {
    let apart = disk([0.0, 0.0], 1.0)
        .intersection(disk([5.0, 0.0], 1.0))
        .unwrap();
    assert_eq!(
        apart.sample_interior(Sampler::Uniform, 10, &mut Rng::new(0)),
        Err(GeometryError::Empty { what: "interior" })
    );
    let eaten = rect([0.0, 0.0], [1.0, 1.0])
        .difference(rect([-1.0, -1.0], [2.0, 2.0]))
        .unwrap();
    assert_eq!(
        eaten.sample_interior(Sampler::Sobol, 10, &mut Rng::new(0)),
        Err(GeometryError::Empty { what: "interior" })
    );
    assert_eq!(
        eaten.sample_boundary(Sampler::Sobol, 10, None, &mut Rng::new(0)),
        Err(GeometryError::Empty { what: "boundary" })
    );
    let ball = shape(Primitive::sphere([0.0; 3], 1.0));
    assert_eq!(
        disk([0.0, 0.0], 1.0).union(ball.clone()),
        Err(GeometryError::Dimension {
            expected: 2,
            got: 3
        })
    );
    assert!(ball.clone().rotate(1.0).is_err());
    assert!(ball.translate(&[1.0, 2.0]).is_err());
}

#[test]
fn a_seed_gives_the_same_points_on_any_number_of_threads() {
    let s = rect([0.0, 0.0], [2.0, 1.0])
        .difference(disk([0.5, 0.5], 0.2))
        .unwrap()
        .difference(disk([1.5, 0.5], 0.2))
        .unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut rng = Rng::new(17);
            let inside = s.sample_interior(Sampler::Sobol, 50_000, &mut rng).unwrap();
            let boundary = s
                .sample_boundary(Sampler::LatinHypercube, 20_000, None, &mut rng)
                .unwrap();
            (inside, boundary)
        })
    };
    let one = run(1);
    assert_eq!(one, run(4));
    assert_ne!(
        one.0,
        s.sample_interior(Sampler::Sobol, 50_000, &mut Rng::new(18))
            .unwrap()
    );
}

/// The column-wise inside test the interior sampler uses agrees with `contains` point by
/// point, for every case shape (every primitive, transformed and combined), on points of
/// the bounding box and a margin around it.
#[test]
fn the_column_inside_test_agrees_with_the_pointwise_one() {
    let moved = |s: Shape| {
        let d = s.dim();
        let turned = if d == 2 {
            s.rotate(0.7)
        } else {
            s.rotate_about([1.0, -2.0, 0.5], 0.7)
        };
        turned.unwrap().translate(&vec![0.25; d]).unwrap()
    };
    let shapes = cases()
        .into_iter()
        .flat_map(|(name, s, _, _)| [(name, s.clone()), (name, moved(s))]);
    for (name, s) in shapes {
        let bounds: Vec<(f64, f64)> = s
            .bounds()
            .iter()
            .map(|&(l, h)| (l - 0.3, h + 0.3))
            .collect();
        let n = 5000;
        let points = sampling::sample(Sampler::Uniform, &bounds, n, &mut Rng::new(11)).unwrap();
        let column = |j: usize| points.get(j).map_or(&[][..], |c| &c[..]);
        let mut out = vec![false; n];
        s.contains_all([column(0), column(1), column(2)], &mut out);
        let mut inside = 0;
        for (i, &got) in out.iter().enumerate() {
            let p: Vec<f64> = points.iter().map(|c| c[i]).collect();
            assert_eq!(got, s.contains(&p), "{name}: {p:?}");
            inside += got as usize;
        }
        assert!(inside > 0 && inside < n, "{name}: {inside}");
    }
}
