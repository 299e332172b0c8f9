//! Property tests of STL meshes as primitives: volumes of a box and an icosphere by Monte
//! Carlo within 3σ, surface area by the boundary sampler, normals unit and outward, an STL
//! box against the box primitive (inside test, distances, bounds, also transformed), the
//! distance through the hierarchy against brute force, determinism across thread counts,
//! and every kind of bad file. Meshes are generated here and written as STL bytes (binary
//! and ASCII), through a temporary file where the file itself is the point.

use super::sample::Pieces;
use super::stl::{self, StlError};
use super::*;
use crate::rng::Rng;
use crate::sampling::{self, Sampler};
use std::f64::consts::PI;

type Tri = [[f64; 3]; 3];

/// Orients each triangle so its normal points away from `center` (convex shapes only).
fn outward(mut t: Vec<Tri>, center: [f64; 3]) -> Vec<Tri> {
    for tri in &mut t {
        let n = stl::cross(stl::sub(tri[1], tri[0]), stl::sub(tri[2], tri[0]));
        let c: [f64; 3] = std::array::from_fn(|i| (tri[0][i] + tri[1][i] + tri[2][i]) / 3.0);
        if stl::dot(n, stl::sub(c, center)) < 0.0 {
            tri.swap(1, 2);
        }
    }
    t
}

/// The 12 triangles of a box.
fn box_triangles(lo: [f64; 3], hi: [f64; 3]) -> Vec<Tri> {
    let corner = |k: usize| -> [f64; 3] {
        std::array::from_fn(|i| if k >> i & 1 == 1 { hi[i] } else { lo[i] })
    };
    let mut t = Vec::new();
    for axis in 0..3 {
        let (j, k) = (1 << ((axis + 1) % 3), 1 << ((axis + 2) % 3));
        for side in [0, 1 << axis] {
            let q = [side, side | j, side | j | k, side | k].map(corner);
            t.push([q[0], q[1], q[2]]);
            t.push([q[0], q[2], q[3]]);
        }
    }
    let center = std::array::from_fn(|i| 0.5 * (lo[i] + hi[i]));
    outward(t, center)
}

/// An icosahedron subdivided `levels` times onto the sphere of `radius` about the origin.
fn icosphere(levels: usize, radius: f64) -> Vec<Tri> {
    let g = (1.0 + 5f64.sqrt()) / 2.0;
    let v = [
        [-1.0, g, 0.0],
        [1.0, g, 0.0],
        [-1.0, -g, 0.0],
        [1.0, -g, 0.0],
        [0.0, -1.0, g],
        [0.0, 1.0, g],
        [0.0, -1.0, -g],
        [0.0, 1.0, -g],
        [g, 0.0, -1.0],
        [g, 0.0, 1.0],
        [-g, 0.0, -1.0],
        [-g, 0.0, 1.0],
    ];
    let faces = [
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    let project = |p: [f64; 3]| {
        let n = stl::dot(p, p).sqrt();
        p.map(|x| radius * x / n)
    };
    let mut t: Vec<Tri> = faces.iter().map(|f| f.map(|i| project(v[i]))).collect();
    for _ in 0..levels {
        let mid = |a: [f64; 3], b: [f64; 3]| project(std::array::from_fn(|i| a[i] + b[i]));
        t = t
            .iter()
            .flat_map(|&[a, b, c]| {
                let (ab, bc, ca) = (mid(a, b), mid(b, c), mid(c, a));
                [[a, ab, ca], [ab, b, bc], [ca, bc, c], [ab, bc, ca]]
            })
            .collect();
    }
    outward(t, [0.0; 3])
}

fn mesh_shape(t: &[Tri]) -> Shape {
    Shape::from(Primitive::stl(&stl::write_binary(t)).unwrap())
}

/// The exact volume of a closed outward mesh (divergence theorem).
fn exact_volume(t: &[Tri]) -> f64 {
    t.iter()
        .map(|[a, b, c]| stl::dot(*a, stl::cross(*b, *c)) / 6.0)
        .sum()
}

fn monte_carlo_volume(s: &Shape, n: usize, seed: u64) -> (f64, f64) {
    let bounds = s.bounds();
    let box_volume: f64 = bounds.iter().map(|(lo, hi)| hi - lo).product();
    let points = sampling::sample(Sampler::Uniform, &bounds, n, &mut Rng::new(seed)).unwrap();
    let hits = (0..n)
        .filter(|&i| s.contains(&[points[0][i], points[1][i], points[2][i]]))
        .count();
    let p = hits as f64 / n as f64;
    (
        box_volume * p,
        box_volume * (p * (1.0 - p) / n as f64).sqrt(),
    )
}

fn within_3_sigma(what: &str, (estimate, sigma): (f64, f64), exact: f64) {
    let tolerance = 3.0 * sigma + 1e-12 * exact.abs();
    assert!(
        (estimate - exact).abs() <= tolerance,
        "{what}: {estimate} vs exact {exact} (3σ = {})",
        3.0 * sigma
    );
}

#[test]
fn volumes_by_monte_carlo_match_exact_values() {
    // f32 coordinates (binary STL) are exact for these.
    let cuboid = box_triangles([-0.5, 0.0, 0.25], [0.5, 2.0, 0.75]);
    within_3_sigma(
        "STL box",
        monte_carlo_volume(&mesh_shape(&cuboid), 200_000, 1),
        1.0,
    );
    let ball = icosphere(3, 1.0);
    let ascii = stl::write_ascii("ball", &ball);
    let shape = Shape::from(Primitive::stl(ascii.as_bytes()).unwrap());
    let exact = exact_volume(&ball);
    assert!((exact - 4.0 / 3.0 * PI).abs() < 0.03 * 4.0, "{exact}");
    within_3_sigma(
        "STL icosphere",
        monte_carlo_volume(&shape, 200_000, 2),
        exact,
    );
    let Primitive::Mesh(mesh) = Primitive::stl(ascii.as_bytes()).unwrap() else {
        panic!()
    };
    assert!((mesh.volume() - exact).abs() < 1e-9 * exact);
}

#[test]
fn surface_areas_by_the_boundary_sampler() {
    // A unit cube with a 0.5 × 0.5 bar poking out of its x = 1 face: area 6 + 1 = 7.
    let cube = mesh_shape(&box_triangles([0.0; 3], [1.0; 3]));
    let bar = mesh_shape(&box_triangles([0.5, 0.25, 0.25], [1.5, 0.75, 0.75]));
    let shape = cube.union(bar).unwrap();
    let n = 200_000;
    let pieces = Pieces::new(&shape, None).unwrap();
    let candidates = pieces
        .candidates(Sampler::Uniform, n, &mut Rng::new(3))
        .unwrap();
    let p = candidates.iter().filter(|c| c.on_boundary).count() as f64 / n as f64;
    let total = pieces.total();
    assert!((total - 8.5).abs() < 1e-12, "{total}");
    within_3_sigma(
        "cube ∪ bar",
        (total * p, total * (p * (1.0 - p) / n as f64).sqrt()),
        7.0,
    );
    // Uniform in area: the share of points on each face of a 1 × 2 × 4 box.
    let slab = mesh_shape(&box_triangles([0.0; 3], [1.0, 2.0, 4.0]));
    let points = slab
        .sample_boundary(Sampler::Uniform, n, None, &mut Rng::new(4))
        .unwrap();
    let areas = [8.0, 4.0, 2.0]; // faces normal to x, y, z (each twice)
    for (axis, area) in areas.iter().enumerate() {
        let hits = points.normals[axis]
            .iter()
            .filter(|nx| nx.abs() > 0.5)
            .count() as f64;
        let p = 2.0 * area / 28.0;
        let sigma = (p * (1.0 - p) / n as f64).sqrt();
        assert!((hits / n as f64 - p).abs() < 3.0 * sigma, "axis {axis}");
    }
}

#[test]
fn normals_are_unit_and_outward_even_for_an_inward_file() {
    let ball = icosphere(2, 0.7);
    let inward: Vec<Tri> = ball.iter().map(|&[a, b, c]| [a, c, b]).collect();
    for soup in [ball, inward] {
        let shape = mesh_shape(&soup)
            .rotate_about([1.0, 2.0, 3.0], 0.4)
            .unwrap()
            .translate(&[0.2, 0.3, 0.4])
            .unwrap();
        let points = shape
            .sample_boundary(Sampler::Sobol, 2000, None, &mut Rng::new(5))
            .unwrap();
        for i in 0..2000 {
            let p: Vec<f64> = (0..3).map(|j| points.points[j][i]).collect();
            let n: Vec<f64> = (0..3).map(|j| points.normals[j][i]).collect();
            let len = n.iter().map(|x| x * x).sum::<f64>().sqrt();
            assert!((len - 1.0).abs() < 1e-12);
            let step = |h: f64| -> Vec<f64> { (0..3).map(|j| p[j] + h * n[j]).collect() };
            assert!(shape.contains(&step(-1e-6)) && !shape.contains(&step(1e-6)));
            assert!(shape.signed_distance(&p).abs() < 1e-12);
            // On the sphere's side of the mesh: the normal is nearly radial.
            let r: Vec<f64> = (0..3).map(|j| p[j] - [0.2, 0.3, 0.4][j]).collect();
            let radial = r.iter().zip(&n).map(|(a, b)| a * b).sum::<f64>() / 0.7;
            assert!(radial > 0.95, "{radial}");
        }
    }
}

/// The same box as a mesh and as the primitive: same inside test, distances and bounds,
/// also rotated, scaled and moved.
#[test]
fn an_stl_box_reproduces_the_box_primitive() {
    let (lo, hi) = ([0.0, -1.0, 0.5], [2.0, 1.0, 1.5]);
    let mesh = mesh_shape(&box_triangles(lo, hi));
    let cuboid = Shape::from(Primitive::cuboid(lo, hi).unwrap());
    let place = |s: Shape| {
        s.rotate_about([0.3, -1.0, 0.5], 1.1)
            .unwrap()
            .scale(0.8)
            .unwrap()
            .translate(&[0.1, 0.2, -0.3])
            .unwrap()
    };
    let pairs = [(mesh.clone(), cuboid.clone()), (place(mesh), place(cuboid))];
    for (m, b) in &pairs {
        for (got, want) in m.bounds().iter().zip(b.bounds()) {
            assert!((got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12);
        }
        let bounds: Vec<(f64, f64)> = b
            .bounds()
            .iter()
            .map(|&(l, h)| (l - 1.0, h + 1.0))
            .collect();
        let points = sampling::sample(Sampler::Uniform, &bounds, 20_000, &mut Rng::new(6)).unwrap();
        for ((&x, &y), &z) in points[0].iter().zip(&points[1]).zip(&points[2]) {
            let p = [x, y, z];
            assert_eq!(m.contains(&p), b.contains(&p), "{p:?}");
            let (dm, db) = (m.signed_distance(&p), b.signed_distance(&p));
            assert!((dm - db).abs() < 1e-12, "{p:?}: {dm} vs {db}");
        }
    }
}

#[test]
fn distances_through_the_hierarchy_match_brute_force() {
    let ball = icosphere(3, 1.0);
    let Primitive::Mesh(mesh) = Primitive::stl(&stl::write_binary(&ball)).unwrap() else {
        panic!()
    };
    let welded: Vec<Tri> = ball
        .iter()
        .map(|t| t.map(|v| v.map(|x| x as f32 as f64)))
        .collect();
    let mut rng = Rng::new(7);
    for _ in 0..500 {
        let p: [f64; 3] = std::array::from_fn(|_| rng.range(-1.5, 1.5));
        let brute = welded
            .iter()
            .map(|&[a, b, c]| brute_distance(p, [a, b, c]))
            .fold(f64::INFINITY, f64::min);
        let got = mesh.distance(p);
        assert!((got - brute).abs() < 1e-12, "{p:?}: {got} vs {brute}");
        let r = stl::dot(p, p).sqrt();
        // The polyhedron lies between the inscribed and the unit sphere.
        if r < 0.98 {
            assert!(mesh.contains(p));
        } else if r > 1.0 {
            assert!(!mesh.contains(p));
        }
    }
}

/// Point–triangle distance by minimising over a fine barycentric grid and the edges
/// (independent of the closed form under test, accurate to ~1e-13 after refinement).
fn brute_distance(p: [f64; 3], [a, b, c]: Tri) -> f64 {
    let d2 = |q: [f64; 3]| (0..3).map(|i| (p[i] - q[i]).powi(2)).sum::<f64>();
    let n = stl::cross(stl::sub(b, a), stl::sub(c, a));
    let nn = stl::dot(n, n);
    // Projection onto the plane, inside the triangle?
    let h = stl::dot(stl::sub(p, a), n) / nn;
    let q: [f64; 3] = std::array::from_fn(|i| p[i] - h * n[i]);
    let inside = [(a, b), (b, c), (c, a)]
        .iter()
        .all(|&(u, v)| stl::dot(stl::cross(stl::sub(v, u), stl::sub(q, u)), n) >= 0.0);
    if inside {
        return d2(q).sqrt();
    }
    let segment = |u: [f64; 3], v: [f64; 3]| {
        let e = stl::sub(v, u);
        let t = (stl::dot(stl::sub(p, u), e) / stl::dot(e, e)).clamp(0.0, 1.0);
        d2(std::array::from_fn(|i| u[i] + t * e[i]))
    };
    segment(a, b).min(segment(b, c)).min(segment(c, a)).sqrt()
}

#[test]
fn sampling_a_mesh_does_not_depend_on_the_thread_count() {
    let shape = mesh_shape(&icosphere(2, 1.0))
        .difference(Shape::from(
            Primitive::sphere([0.5, 0.0, 0.0], 0.4).unwrap(),
        ))
        .unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut rng = Rng::new(8);
            let inside = shape
                .sample_interior(Sampler::Uniform, 30_000, &mut rng)
                .unwrap();
            let boundary = shape
                .sample_boundary(Sampler::Uniform, 20_000, None, &mut rng)
                .unwrap();
            (inside, boundary)
        })
    };
    assert_eq!(run(1), run(4));
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("physc-stl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn bad_files_are_errors_that_say_where() {
    let cube = box_triangles([0.0; 3], [1.0; 3]);
    let binary = stl::write_binary(&cube);
    // Truncated binary, through a file: the error names it.
    let path = temp_file("truncated.stl", &binary[..binary.len() - 10]);
    let err = Primitive::stl_file(&path).unwrap_err();
    let GeometryError::Stl { file, error } = &err else {
        panic!("{err:?}")
    };
    assert!(file.ends_with("truncated.stl"));
    assert_eq!(
        *error,
        StlError::Truncated {
            triangles: 12,
            expected: 684,
            bytes: 674
        }
    );
    assert!(err.to_string().contains("truncated.stl"), "{err}");
    // A missing file.
    let missing = Primitive::stl_file(&path.with_file_name("no_such.stl")).unwrap_err();
    assert!(
        matches!(
            &missing,
            GeometryError::Stl {
                error: StlError::Unreadable { .. },
                ..
            }
        ),
        "{missing:?}"
    );
    // ASCII with the `endloop` of its third facet missing: the line of the `endfacet` found.
    let ascii = stl::write_ascii("cube", &cube);
    let broken = ascii.replacen("endloop", "", 1);
    let mut lines: Vec<&str> = ascii.lines().collect();
    let third_endloop = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "endloop")
        .nth(2)
        .unwrap()
        .0;
    lines.remove(third_endloop);
    let text = lines.join("\n");
    assert_eq!(
        Primitive::stl(text.as_bytes()).unwrap_err(),
        StlError::Syntax {
            line: third_endloop + 1,
            facet: 2,
            message: "expected `endloop`, found `endfacet`".into()
        }
    );
    assert!(Primitive::stl(broken.as_bytes()).is_err());
    // Cut off in the middle of a vertex.
    let cut = &ascii[..ascii.find("vertex").unwrap() + 12];
    assert!(matches!(
        Primitive::stl(cut.as_bytes()),
        Err(StlError::Syntax { facet: 0, .. })
    ));
    // Open: a triangle missing.
    let open = &cube[1..];
    assert!(matches!(
        Primitive::stl(&stl::write_binary(open)),
        Err(StlError::Open { .. })
    ));
    // One triangle turned the other way.
    let mut turned = cube.clone();
    turned[5].swap(1, 2);
    assert!(matches!(
        Primitive::stl(&stl::write_binary(&turned)),
        Err(StlError::Inconsistent { triangle: 5, .. } | StlError::Inconsistent { other: 5, .. })
    ));
    // A zero-area triangle.
    let mut flat = cube.clone();
    flat[3] = [[0.0; 3], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]];
    assert_eq!(
        Primitive::stl(&stl::write_binary(&flat)).unwrap_err(),
        StlError::Degenerate { triangle: 3 }
    );
    // No triangles; garbage; a non-finite coordinate.
    assert_eq!(
        Primitive::stl(&stl::write_binary(&[])).unwrap_err(),
        StlError::Empty
    );
    assert_eq!(
        Primitive::stl(b"nonsense").unwrap_err(),
        StlError::TooShort { bytes: 8 }
    );
    let mut infinite = cube.clone();
    infinite[7][0][0] = f64::INFINITY;
    assert_eq!(
        Primitive::stl(&stl::write_binary(&infinite)).unwrap_err(),
        StlError::NotFinite { triangle: 7 }
    );
    // Every message names the triangle or line.
    let open_message = Primitive::stl(&stl::write_binary(open))
        .unwrap_err()
        .to_string();
    assert!(
        open_message.contains("triangle") && open_message.contains("vertex"),
        "{open_message}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Lattice points against an octahedron |x| + |y| + |z| ≤ 1: rays from them pass through
/// its edges and vertices, points on its faces, edges and vertices count as inside (closed
/// sets), and the winding number fallback agrees.
#[test]
fn the_inside_test_survives_edges_vertices_and_the_surface() {
    let mut faces = Vec::new();
    for sx in [-1.0, 1.0] {
        for sy in [-1.0, 1.0] {
            for sz in [-1.0, 1.0] {
                faces.push([[sx, 0.0, 0.0], [0.0, sy, 0.0], [0.0, 0.0, sz]]);
            }
        }
    }
    let soup = outward(faces, [0.0; 3]);
    let Primitive::Mesh(mesh) = Primitive::stl(&stl::write_binary(&soup)).unwrap() else {
        panic!()
    };
    let mut on_surface = 0;
    for i in -10..=10 {
        for j in -10..=10 {
            for k in -10..=10 {
                let p = [i, j, k].map(|n| n as f64 / 8.0);
                let l1: f64 = p.iter().map(|x| x.abs()).sum();
                assert_eq!(mesh.contains(p), l1 <= 1.0, "{p:?}");
                if l1 == 1.0 {
                    on_surface += 1;
                } else {
                    let w = mesh.winding_number(p);
                    let want = if l1 < 1.0 { 1.0 } else { 0.0 };
                    assert!((w - want).abs() < 1e-9, "{p:?}: {w}");
                    if l1 < 1.0 {
                        // Inside, the nearest face is the one of p's octant.
                        let d = mesh.signed_distance(p);
                        assert!((d - (l1 - 1.0) / 3f64.sqrt()).abs() < 1e-12, "{p:?}: {d}");
                    }
                }
            }
        }
    }
    assert!(on_surface > 100, "{on_surface}");
}

/// A distance function's pieces of an STL box are its 12 triangles (world corners, so a
/// moved box's too); a mesh above the cap is refused with its triangle count.
#[test]
fn an_stl_box_gives_its_triangles_as_distance_pieces() {
    let cube = mesh_shape(&box_triangles([0.0; 3], [1.0; 3]))
        .translate(&[2.0, 0.0, 0.0])
        .unwrap();
    let pieces = cube.boundary_pieces(None).unwrap();
    assert_eq!(pieces.len(), 12);
    for p in &pieces {
        let BoundaryPiece::Triangle { corners } = p else {
            panic!("{p:?}")
        };
        assert!(corners.iter().all(|c| (2.0..=3.0).contains(&c[0])), "{p:?}");
    }
    let sphere = mesh_shape(&icosphere(2, 1.0));
    match sphere.boundary_pieces(None) {
        Err(GeometryError::NoDistance { what }) => {
            assert!(what.contains("320 triangles"), "{what}")
        }
        other => panic!("{other:?}"),
    }
}
