//! The primitives shapes are built from, in their own coordinates: construction with
//! validation, the inside test (closed sets), the exact signed distance (closed form, or
//! Eberly's bisection for the ellipse), the bounding box under a transform (exact for every
//! primitive), and the boundary parametrised by measure, so that uniform numbers in [0, 1)
//! give points uniform in arc length (2-D) or area (3-D), each with its outward unit normal.
//! A closed triangle mesh (an STL file) is a primitive too; its kernels live in mesh.rs.

use super::ellipse;
use super::mesh::Mesh;
use super::polygon::{self, Vertex};
use super::stl::StlError;
use super::transform::{check_finite, Point, Transform};
use super::GeometryError;
use crate::rng::Rng;
use std::f64::consts::{PI, TAU};
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Primitive {
    Rectangle {
        lo: [f64; 2],
        hi: [f64; 2],
    },
    Disk {
        center: [f64; 2],
        radius: f64,
    },
    /// Axis-aligned: semi-axes along x and y (rotate the shape for other orientations).
    Ellipse {
        center: [f64; 2],
        semi_axes: [f64; 2],
    },
    /// A simple polygon (a triangle is one with three vertices); `counter_clockwise` is the
    /// orientation of its vertex list, which fixes which side of each edge is outside.
    Polygon {
        vertices: Vec<Vertex>,
        counter_clockwise: bool,
    },
    Box {
        lo: [f64; 3],
        hi: [f64; 3],
    },
    Sphere {
        center: [f64; 3],
        radius: f64,
    },
    /// Axis along +z: the disk of `radius` about `base` swept up by `height`.
    Cylinder {
        base: [f64; 3],
        radius: f64,
        height: f64,
    },
    /// A closed triangle mesh (shared: shapes are cloned freely).
    Mesh(Arc<Mesh>),
}

fn positive(what: &'static str, value: f64) -> Result<(), GeometryError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(GeometryError::NotPositive { what, value })
    }
}

fn ordered(lo: &[f64], hi: &[f64]) -> Result<(), GeometryError> {
    check_finite(lo, "corner")?;
    check_finite(hi, "corner")?;
    match (0..lo.len()).find(|&axis| lo[axis] >= hi[axis]) {
        Some(axis) => Err(GeometryError::EmptyBox { axis }),
        None => Ok(()),
    }
}

impl Primitive {
    pub fn rectangle(lo: [f64; 2], hi: [f64; 2]) -> Result<Primitive, GeometryError> {
        ordered(&lo, &hi)?;
        Ok(Primitive::Rectangle { lo, hi })
    }

    pub fn disk(center: [f64; 2], radius: f64) -> Result<Primitive, GeometryError> {
        check_finite(&center, "centre")?;
        positive("radius", radius)?;
        Ok(Primitive::Disk { center, radius })
    }

    pub fn ellipse(center: [f64; 2], semi_axes: [f64; 2]) -> Result<Primitive, GeometryError> {
        check_finite(&center, "centre")?;
        positive("semi-axis", semi_axes[0])?;
        positive("semi-axis", semi_axes[1])?;
        Ok(Primitive::Ellipse { center, semi_axes })
    }

    pub fn triangle(a: Vertex, b: Vertex, c: Vertex) -> Result<Primitive, GeometryError> {
        Primitive::polygon(vec![a, b, c])
    }

    pub fn polygon(vertices: Vec<Vertex>) -> Result<Primitive, GeometryError> {
        let area2 = polygon::validate(&vertices)?;
        Ok(Primitive::Polygon {
            vertices,
            counter_clockwise: area2 > 0.0,
        })
    }

    pub fn cuboid(lo: [f64; 3], hi: [f64; 3]) -> Result<Primitive, GeometryError> {
        ordered(&lo, &hi)?;
        Ok(Primitive::Box { lo, hi })
    }

    pub fn sphere(center: [f64; 3], radius: f64) -> Result<Primitive, GeometryError> {
        check_finite(&center, "centre")?;
        positive("radius", radius)?;
        Ok(Primitive::Sphere { center, radius })
    }

    pub fn cylinder(base: [f64; 3], radius: f64, height: f64) -> Result<Primitive, GeometryError> {
        check_finite(&base, "base centre")?;
        positive("radius", radius)?;
        positive("height", height)?;
        Ok(Primitive::Cylinder {
            base,
            radius,
            height,
        })
    }

    /// The closed mesh of an STL file's bytes (binary or ASCII).
    pub fn stl(bytes: &[u8]) -> Result<Primitive, StlError> {
        Ok(Primitive::Mesh(Arc::new(Mesh::from_stl(bytes)?)))
    }

    /// The closed mesh of the STL file at `path`; errors name the file.
    pub fn stl_file(path: &Path) -> Result<Primitive, GeometryError> {
        let stl_error = |error| GeometryError::Stl {
            file: path.display().to_string(),
            error,
        };
        let bytes = std::fs::read(path).map_err(|e| {
            stl_error(StlError::Unreadable {
                reason: e.to_string(),
            })
        })?;
        Primitive::stl(&bytes).map_err(stl_error)
    }

    pub fn dim(&self) -> usize {
        match self {
            Primitive::Rectangle { .. }
            | Primitive::Disk { .. }
            | Primitive::Ellipse { .. }
            | Primitive::Polygon { .. } => 2,
            Primitive::Box { .. }
            | Primitive::Sphere { .. }
            | Primitive::Cylinder { .. }
            | Primitive::Mesh(_) => 3,
        }
    }

    /// Whether `p` (local coordinates) is inside or on the boundary.
    pub fn contains(&self, p: Point) -> bool {
        match self {
            Primitive::Rectangle { lo, hi } => (0..2).all(|i| lo[i] <= p[i] && p[i] <= hi[i]),
            Primitive::Box { lo, hi } => (0..3).all(|i| lo[i] <= p[i] && p[i] <= hi[i]),
            Primitive::Disk { center, radius } => {
                let (dx, dy) = (p[0] - center[0], p[1] - center[1]);
                dx * dx + dy * dy <= radius * radius
            }
            Primitive::Ellipse { center, semi_axes } => {
                let u = (p[0] - center[0]) / semi_axes[0];
                let v = (p[1] - center[1]) / semi_axes[1];
                u * u + v * v <= 1.0
            }
            Primitive::Polygon { vertices, .. } => polygon::contains(vertices, [p[0], p[1]]),
            Primitive::Sphere { center, radius } => {
                let d: Point = std::array::from_fn(|i| p[i] - center[i]);
                d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= radius * radius
            }
            Primitive::Cylinder {
                base,
                radius,
                height,
            } => {
                let (dx, dy) = (p[0] - base[0], p[1] - base[1]);
                dx * dx + dy * dy <= radius * radius && base[2] <= p[2] && p[2] <= base[2] + height
            }
            Primitive::Mesh(mesh) => mesh.contains(p),
        }
    }

    /// `contains` for a column of world points under `t` (local → world): `out[i]` for
    /// point `(xs[i], ys[i], zs[i])` (`zs` empty in 2-D). The common primitives get loops of
    /// their own, which the compiler vectorises; the rest call `contains` per point.
    pub(super) fn contains_all(&self, t: &Transform, [xs, ys, zs]: [&[f64]; 3], out: &mut [bool]) {
        let identity = t.is_identity();
        let world = |i: usize| [xs[i], ys[i], if zs.is_empty() { 0.0 } else { zs[i] }];
        let fill = |out: &mut [bool], f: &dyn Fn(Point) -> bool| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = f(t.invert(world(i)));
            }
        };
        if !identity {
            return fill(out, &|p| self.contains(p));
        }
        match self {
            Primitive::Rectangle { lo, hi } => {
                for (o, (&x, &y)) in out.iter_mut().zip(xs.iter().zip(ys)) {
                    *o = (lo[0] <= x) & (x <= hi[0]) & (lo[1] <= y) & (y <= hi[1]);
                }
            }
            Primitive::Disk { center, radius } => {
                let r2 = radius * radius;
                for (o, (&x, &y)) in out.iter_mut().zip(xs.iter().zip(ys)) {
                    let (dx, dy) = (x - center[0], y - center[1]);
                    *o = dx * dx + dy * dy <= r2;
                }
            }
            Primitive::Box { lo, hi } if !zs.is_empty() => {
                for (i, o) in out.iter_mut().enumerate() {
                    let p = [xs[i], ys[i], zs[i]];
                    *o = (lo[0] <= p[0])
                        & (p[0] <= hi[0])
                        & (lo[1] <= p[1])
                        & (p[1] <= hi[1])
                        & (lo[2] <= p[2])
                        & (p[2] <= hi[2]);
                }
            }
            Primitive::Sphere { center, radius } if !zs.is_empty() => {
                let r2 = radius * radius;
                for (i, o) in out.iter_mut().enumerate() {
                    let d = [xs[i] - center[0], ys[i] - center[1], zs[i] - center[2]];
                    *o = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= r2;
                }
            }
            _ => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = self.contains(world(i));
                }
            }
        }
    }

    /// The exact signed distance from `p` to the boundary (local coordinates), negative inside.
    pub fn signed_distance(&self, p: Point) -> f64 {
        match self {
            Primitive::Rectangle { lo, hi } => box_distance(&[
                (p[0] - 0.5 * (lo[0] + hi[0])).abs() - 0.5 * (hi[0] - lo[0]),
                (p[1] - 0.5 * (lo[1] + hi[1])).abs() - 0.5 * (hi[1] - lo[1]),
            ]),
            Primitive::Box { lo, hi } => box_distance(&std::array::from_fn::<f64, 3, _>(|i| {
                (p[i] - 0.5 * (lo[i] + hi[i])).abs() - 0.5 * (hi[i] - lo[i])
            })),
            Primitive::Disk { center, radius } => {
                (p[0] - center[0]).hypot(p[1] - center[1]) - radius
            }
            Primitive::Ellipse { center, semi_axes } => {
                let (x, y) = (p[0] - center[0], p[1] - center[1]);
                let d = ellipse::distance(semi_axes[0], semi_axes[1], x, y);
                if self.contains(p) {
                    -d
                } else {
                    d
                }
            }
            Primitive::Polygon { vertices, .. } => polygon::signed_distance(vertices, [p[0], p[1]]),
            Primitive::Sphere { center, radius } => {
                let d: Point = std::array::from_fn(|i| p[i] - center[i]);
                (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt() - radius
            }
            Primitive::Cylinder {
                base,
                radius,
                height,
            } => box_distance(&[
                (p[0] - base[0]).hypot(p[1] - base[1]) - radius,
                (p[2] - base[2] - 0.5 * height).abs() - 0.5 * height,
            ]),
            Primitive::Mesh(mesh) => mesh.signed_distance(p),
        }
    }

    /// The world bounding box of the primitive under `t`, per axis (z is `(0, 0)` in 2-D).
    pub fn bounds(&self, t: &Transform) -> [(f64, f64); 3] {
        let s = t.scale();
        let around = |center: Point, half: [f64; 3]| -> [(f64, f64); 3] {
            let c = t.apply(center);
            std::array::from_fn(|i| (c[i] - half[i], c[i] + half[i]))
        };
        match self {
            Primitive::Rectangle { lo, hi } => hull(
                [
                    [lo[0], lo[1]],
                    [hi[0], lo[1]],
                    [hi[0], hi[1]],
                    [lo[0], hi[1]],
                ]
                .iter()
                .map(|v| t.apply([v[0], v[1], 0.0])),
            ),
            Primitive::Box { lo, hi } => hull((0..8).map(|k| {
                t.apply(std::array::from_fn(|i| {
                    if k >> i & 1 == 1 {
                        hi[i]
                    } else {
                        lo[i]
                    }
                }))
            })),
            Primitive::Polygon { vertices, .. } => {
                hull(vertices.iter().map(|v| t.apply([v[0], v[1], 0.0])))
            }
            Primitive::Disk { center, radius } => {
                around([center[0], center[1], 0.0], [s * radius, s * radius, 0.0])
            }
            Primitive::Sphere { center, radius } => around(*center, [s * radius; 3]),
            Primitive::Ellipse { center, semi_axes } => {
                // The extreme of a·cos θ·R[i][0] + b·sin θ·R[i][1] over θ.
                let half = std::array::from_fn(|i| {
                    let (u, v) = (
                        semi_axes[0] * t.rotation_entry(i, 0),
                        semi_axes[1] * t.rotation_entry(i, 1),
                    );
                    s * u.hypot(v)
                });
                around([center[0], center[1], 0.0], half)
            }
            Primitive::Cylinder {
                base,
                radius,
                height,
            } => {
                // The hull of its two cap disks; a disk of radius r normal to the unit axis a
                // reaches r·sqrt(1 − a_i²) along world axis i.
                let top = [base[0], base[1], base[2] + height];
                let caps = [t.apply(*base), t.apply(top)];
                std::array::from_fn(|i| {
                    let a = t.rotation_entry(i, 2);
                    let reach = s * radius * (1.0 - a * a).max(0.0).sqrt();
                    let lo = caps[0][i].min(caps[1][i]) - reach;
                    let hi = caps[0][i].max(caps[1][i]) + reach;
                    (lo, hi)
                })
            }
            Primitive::Mesh(mesh) => mesh.bounds(t),
        }
    }

    /// Boundary length (2-D) or area (3-D), in local units.
    pub fn boundary_measure(&self) -> f64 {
        self.pieces().iter().sum()
    }

    /// The measures of the smooth pieces of the boundary, in the order `boundary_point`
    /// walks them (computed once per sampling call: the ellipse's costs a quadrature).
    pub(super) fn pieces(&self) -> Vec<f64> {
        match self {
            Primitive::Rectangle { lo, hi } => {
                let (w, h) = (hi[0] - lo[0], hi[1] - lo[1]);
                vec![w, h, w, h]
            }
            Primitive::Disk { radius, .. } => vec![TAU * radius],
            Primitive::Ellipse { semi_axes, .. } => {
                vec![ellipse::perimeter(semi_axes[0], semi_axes[1])]
            }
            Primitive::Polygon { vertices, .. } => {
                let n = vertices.len();
                (0..n)
                    .map(|i| {
                        let (a, b) = (vertices[i], vertices[(i + 1) % n]);
                        (b[0] - a[0]).hypot(b[1] - a[1])
                    })
                    .collect()
            }
            Primitive::Box { lo, hi } => {
                let e: [f64; 3] = std::array::from_fn(|i| hi[i] - lo[i]);
                // Faces normal to x (low, high), y, z.
                let faces = [e[1] * e[2], e[0] * e[2], e[0] * e[1]];
                faces.iter().flat_map(|&a| [a, a]).collect()
            }
            Primitive::Sphere { radius, .. } => vec![2.0 * TAU * radius * radius],
            Primitive::Cylinder { radius, height, .. } => {
                let cap = PI * radius * radius;
                vec![TAU * radius * height, cap, cap]
            }
            // One piece: the mesh picks its triangle by area itself.
            Primitive::Mesh(mesh) => vec![mesh.area()],
        }
    }

    /// A boundary point and its outward unit normal, both local, from `u` uniform in
    /// [0, 1)²: uniform in arc length (2-D, `u[1]` unused) or area (3-D) when `u` is. The
    /// ellipse, whose arc length has no closed-form inverse, draws its angle by rejection
    /// from `rng` (still exactly uniform in arc length). `pieces` is `self.pieces()`.
    pub(super) fn boundary_point(
        &self,
        pieces: &[f64],
        u: [f64; 2],
        rng: &mut Rng,
    ) -> (Point, Point) {
        let (piece, f) = choose(pieces, u[0]);
        let v = u[1];
        match self {
            Primitive::Rectangle { lo, hi } => {
                let (x, y) = (lo[0] + f * (hi[0] - lo[0]), lo[1] + f * (hi[1] - lo[1]));
                match piece {
                    0 => ([x, lo[1], 0.0], [0.0, -1.0, 0.0]),
                    1 => ([hi[0], y, 0.0], [1.0, 0.0, 0.0]),
                    2 => ([hi[0] + lo[0] - x, hi[1], 0.0], [0.0, 1.0, 0.0]),
                    _ => ([lo[0], hi[1] + lo[1] - y, 0.0], [-1.0, 0.0, 0.0]),
                }
            }
            Primitive::Disk { center, radius } => {
                let (s, c) = (TAU * f).sin_cos();
                (
                    [center[0] + radius * c, center[1] + radius * s, 0.0],
                    [c, s, 0.0],
                )
            }
            Primitive::Ellipse { center, semi_axes } => {
                let [a, b] = *semi_axes;
                let top = a.max(b);
                let mut t = TAU * f;
                while speed_rejects(a, b, t, top, rng) {
                    t = TAU * rng.uniform();
                }
                let (s, c) = t.sin_cos();
                let n = [c / a, s / b];
                let norm = n[0].hypot(n[1]);
                (
                    [center[0] + a * c, center[1] + b * s, 0.0],
                    [n[0] / norm, n[1] / norm, 0.0],
                )
            }
            Primitive::Polygon {
                vertices,
                counter_clockwise,
            } => {
                let (a, b) = (vertices[piece], vertices[(piece + 1) % vertices.len()]);
                let e = [b[0] - a[0], b[1] - a[1]];
                let len = e[0].hypot(e[1]);
                let sign = if *counter_clockwise { 1.0 } else { -1.0 };
                (
                    [a[0] + f * e[0], a[1] + f * e[1], 0.0],
                    [sign * e[1] / len, -sign * e[0] / len, 0.0],
                )
            }
            Primitive::Box { lo, hi } => {
                let axis = piece / 2;
                let (j, k) = ((axis + 1) % 3, (axis + 2) % 3);
                let mut p = [0.0; 3];
                let mut n = [0.0; 3];
                if piece % 2 == 0 {
                    p[axis] = lo[axis];
                    n[axis] = -1.0;
                } else {
                    p[axis] = hi[axis];
                    n[axis] = 1.0;
                }
                p[j] = lo[j] + f * (hi[j] - lo[j]);
                p[k] = lo[k] + v * (hi[k] - lo[k]);
                (p, n)
            }
            Primitive::Sphere { center, radius } => {
                // Archimedes: z uniform in [−1, 1] and the angle uniform give uniform area.
                let z = 1.0 - 2.0 * f;
                let rho = (1.0 - z * z).max(0.0).sqrt();
                let (s, c) = (TAU * v).sin_cos();
                let n = [rho * c, rho * s, z];
                (std::array::from_fn(|i| center[i] + radius * n[i]), n)
            }
            Primitive::Cylinder {
                base,
                radius,
                height,
            } => match piece {
                0 => {
                    let (s, c) = (TAU * f).sin_cos();
                    (
                        [
                            base[0] + radius * c,
                            base[1] + radius * s,
                            base[2] + v * height,
                        ],
                        [c, s, 0.0],
                    )
                }
                _ => {
                    let r = radius * f.sqrt();
                    let (s, c) = (TAU * v).sin_cos();
                    let (z, nz) = if piece == 1 {
                        (base[2], -1.0)
                    } else {
                        (base[2] + height, 1.0)
                    };
                    ([base[0] + r * c, base[1] + r * s, z], [0.0, 0.0, nz])
                }
            },
            Primitive::Mesh(mesh) => mesh.boundary_point([f, v]),
        }
    }
}

/// Rejects angle `t` with probability 1 − speed(t)/top, so accepted angles have density
/// proportional to the speed: uniform in arc length.
fn speed_rejects(a: f64, b: f64, t: f64, top: f64, rng: &mut Rng) -> bool {
    rng.uniform() * top > ellipse::speed(a, b, t)
}

/// The piece `u ∈ [0, 1)` falls in when the pieces are laid end to end, and where within it
/// (in [0, 1]).
pub(super) fn choose(pieces: &[f64], u: f64) -> (usize, f64) {
    let total: f64 = pieces.iter().sum();
    let mut at = u * total;
    for (i, &m) in pieces.iter().enumerate() {
        if at < m || i + 1 == pieces.len() {
            return (i, (at / m).clamp(0.0, 1.0));
        }
        at -= m;
    }
    (0, 0.0)
}

/// The signed distance of a box from the per-axis excesses `q_i = |p_i − c_i| − h_i`.
fn box_distance(q: &[f64]) -> f64 {
    let outside = q.iter().map(|&x| x.max(0.0).powi(2)).sum::<f64>().sqrt();
    let inside = q.iter().copied().fold(f64::NEG_INFINITY, f64::max).min(0.0);
    outside + inside
}

fn hull(points: impl Iterator<Item = Point>) -> [(f64, f64); 3] {
    let mut bounds = [(f64::INFINITY, f64::NEG_INFINITY); 3];
    for p in points {
        for (b, x) in bounds.iter_mut().zip(p) {
            *b = (b.0.min(x), b.1.max(x));
        }
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_primitives_are_errors() {
        assert!(matches!(
            Primitive::disk([0.0, 0.0], 0.0),
            Err(GeometryError::NotPositive { what: "radius", .. })
        ));
        assert!(Primitive::sphere([0.0; 3], -1.0).is_err());
        assert!(Primitive::ellipse([0.0; 2], [1.0, f64::NAN]).is_err());
        assert!(Primitive::cylinder([0.0; 3], 1.0, 0.0).is_err());
        assert_eq!(
            Primitive::rectangle([0.0, 1.0], [1.0, 1.0]),
            Err(GeometryError::EmptyBox { axis: 1 })
        );
        assert!(Primitive::cuboid([0.0; 3], [1.0, 1.0, f64::INFINITY]).is_err());
        assert!(Primitive::triangle([0.0, 0.0], [1.0, 1.0], [2.0, 2.0]).is_err());
    }

    #[test]
    fn signed_distances_match_closed_forms() {
        let rect = Primitive::rectangle([0.0, 0.0], [2.0, 1.0]).unwrap();
        assert_eq!(rect.signed_distance([1.0, 0.5, 0.0]), -0.5);
        assert_eq!(rect.signed_distance([3.0, 0.5, 0.0]), 1.0);
        assert_eq!(rect.signed_distance([5.0, 5.0, 0.0]), 5.0); // corner (2, 1): 3-4-5
        let cube = Primitive::cuboid([0.0; 3], [1.0; 3]).unwrap();
        assert_eq!(cube.signed_distance([0.5, 0.5, 0.75]), -0.25);
        assert!((cube.signed_distance([2.0, 2.0, 2.0]) - 3f64.sqrt()).abs() < 1e-15);
        let sphere = Primitive::sphere([1.0, 0.0, 0.0], 0.5).unwrap();
        assert_eq!(sphere.signed_distance([1.0, 0.0, 2.0]), 1.5);
        let cyl = Primitive::cylinder([0.0; 3], 1.0, 2.0).unwrap();
        assert_eq!(cyl.signed_distance([0.0, 0.0, 1.0]), -1.0);
        assert!((cyl.signed_distance([0.5, 0.0, 1.8]) + 0.2).abs() < 1e-15);
        assert_eq!(cyl.signed_distance([4.0, 0.0, 1.0]), 3.0);
        assert!((cyl.signed_distance([4.0, 0.0, 6.0]) - 5.0).abs() < 1e-15); // rim: 3-4-5
        let tri = Primitive::triangle([0.0, 0.0], [1.0, 0.0], [0.0, 1.0]).unwrap();
        assert!((tri.signed_distance([1.0, 1.0, 0.0]) - 0.5f64.sqrt()).abs() < 1e-15);
        assert!((tri.signed_distance([0.1, 0.2, 0.0]) + 0.1).abs() < 1e-15);
        let ellipse = Primitive::ellipse([1.0, 1.0], [2.0, 1.0]).unwrap();
        assert_eq!(ellipse.signed_distance([1.0, 1.0, 0.0]), -1.0);
        assert_eq!(ellipse.signed_distance([4.0, 1.0, 0.0]), 1.0);
    }

    #[test]
    fn bounds_are_tight_under_rotation() {
        let quarter = Transform::rotation([0.0, 0.0, 1.0], PI / 2.0).unwrap();
        let ellipse = Primitive::ellipse([1.0, 0.0], [2.0, 1.0]).unwrap();
        let b = ellipse.bounds(&quarter);
        let expect = [(-1.0, 1.0), (-1.0, 3.0), (0.0, 0.0)];
        for (got, want) in b.iter().zip(expect) {
            assert!((got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12);
        }
        let tilt = Transform::rotation([1.0, 0.0, 0.0], PI / 2.0).unwrap();
        let cyl = Primitive::cylinder([0.0; 3], 1.0, 3.0).unwrap();
        let b = cyl.bounds(&tilt); // the axis now runs along −y
        let expect = [(-1.0, 1.0), (-3.0, 0.0), (-1.0, 1.0)];
        for (got, want) in b.iter().zip(expect) {
            assert!((got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12);
        }
    }
}
