//! The 3-D pieces of a distance function's boundary besides whole spheres (distance.rs):
//! the six faces of a box, the curved side and two caps of a cylinder, and the triangles of
//! an STL mesh, each in world coordinates and each kept only if it lies on the composed
//! boundary whole (probed on a grid across it), skipped if none of it does, refused if
//! only part of it does.
//!
//! A mesh contributes one piece per triangle, and each piece becomes a few dozen operations
//! of the distance expression evaluated at every training point, so meshes are capped at
//! [`MAX_DISTANCE_TRIANGLES`]: a CAD surface of thousands of facets has no distance function
//! (state its conditions as soft `boundary` terms instead).

use super::csg::Shape;
use super::distance::{no_distance, turn, BoundaryPiece, PROBES};
use super::mesh::Mesh;
use super::stl::{cross, dot, sub};
use super::transform::{Point, Transform};
use super::GeometryError;

/// The most triangles of an STL mesh a distance function is built from.
pub const MAX_DISTANCE_TRIANGLES: usize = 128;

/// Probes along each side of a face's grid (so GRID² per face).
const GRID: usize = 16;

/// (k + ½)/n mapped to (−1, 1): the centres of n equal cells across a side.
fn across(k: usize, n: usize) -> f64 {
    2.0 * (k as f64 + 0.5) / n as f64 - 1.0
}

fn unit(axis: usize) -> Point {
    std::array::from_fn(|i| if i == axis { 1.0 } else { 0.0 })
}

fn normalized(v: Point) -> Point {
    let n = dot(v, v).sqrt();
    v.map(|x| x / n)
}

impl Shape {
    /// The faces of a box (local corners `lo`, `hi`) placed by `t`.
    pub(super) fn box_pieces(
        &self,
        t: &Transform,
        lo: [f64; 3],
        hi: [f64; 3],
        out: &mut Vec<BoundaryPiece>,
    ) -> Result<(), GeometryError> {
        let s = t.scale();
        for axis in 0..3 {
            let (j, k) = ((axis + 1) % 3, (axis + 2) % 3);
            let axes = [t.rotate(unit(j)), t.rotate(unit(k))];
            let half = [0.5 * (hi[j] - lo[j]) * s, 0.5 * (hi[k] - lo[k]) * s];
            for (side, sign) in [(lo[axis], -1.0), (hi[axis], 1.0)] {
                let mut local: Point = std::array::from_fn(|i| 0.5 * (lo[i] + hi[i]));
                local[axis] = side;
                let center = t.apply(local);
                let normal = t.rotate(unit(axis)).map(|x| sign * x);
                let probes = (0..GRID * GRID).map(|g| {
                    let (a, b) = (across(g / GRID, GRID), across(g % GRID, GRID));
                    let p = std::array::from_fn(|i| {
                        center[i] + a * half[0] * axes[0][i] + b * half[1] * axes[1][i]
                    });
                    (p, normal)
                });
                if self.whole_on_boundary(probes, "a box face only partly on the boundary")? {
                    out.push(BoundaryPiece::Rectangle { center, axes, half });
                }
            }
        }
        Ok(())
    }

    /// The curved side and the two caps of a cylinder (local axis +z from `base`).
    pub(super) fn cylinder_pieces(
        &self,
        t: &Transform,
        base: [f64; 3],
        radius: f64,
        height: f64,
        out: &mut Vec<BoundaryPiece>,
    ) -> Result<(), GeometryError> {
        let s = t.scale();
        let axis = t.rotate(unit(2));
        let (ex, ey) = (t.rotate(unit(0)), t.rotate(unit(1)));
        let (r, half_length) = (radius * s, 0.5 * height * s);
        let center = t.apply([base[0], base[1], base[2] + 0.5 * height]);
        let around = |k: usize| {
            let (sin, cos) = turn(k).sin_cos();
            std::array::from_fn::<f64, 3, _>(|i| cos * ex[i] + sin * ey[i])
        };
        let rows = PROBES / 32;
        let side = (0..PROBES).map(|g| {
            let radial = around(g % 32 * (PROBES / 32));
            let z = across(g / 32, rows) * half_length;
            let p = std::array::from_fn(|i| center[i] + r * radial[i] + z * axis[i]);
            (p, radial)
        });
        if self.whole_on_boundary(side, "the side of a cylinder only partly on the boundary")? {
            out.push(BoundaryPiece::Tube {
                center,
                axis,
                radius: r,
                half_length,
            });
        }
        for sign in [-1.0, 1.0] {
            let cap: Point = std::array::from_fn(|i| center[i] + sign * half_length * axis[i]);
            let normal = axis.map(|x| sign * x);
            // Rings at radii (m + ½)/8 of r, 32 probes on each.
            let probes = (0..256).map(|g| {
                let radial = around(g % 32 * (PROBES / 32));
                let rho = (g / 32) as f64 / 8.0 + 1.0 / 16.0;
                (
                    std::array::from_fn(|i| cap[i] + rho * r * radial[i]),
                    normal,
                )
            });
            if self.whole_on_boundary(probes, "a cap of a cylinder only partly on the boundary")? {
                out.push(BoundaryPiece::Disk {
                    center: cap,
                    normal,
                    radius: r,
                });
            }
        }
        Ok(())
    }

    /// The triangles of an STL mesh placed by `t`, at most [`MAX_DISTANCE_TRIANGLES`].
    pub(super) fn mesh_pieces(
        &self,
        t: &Transform,
        mesh: &Mesh,
        out: &mut Vec<BoundaryPiece>,
    ) -> Result<(), GeometryError> {
        if mesh.triangles() > MAX_DISTANCE_TRIANGLES {
            return Err(no_distance(&format!(
                "an STL mesh of {} triangles (at most {MAX_DISTANCE_TRIANGLES})",
                mesh.triangles()
            )));
        }
        for corners in mesh.facets() {
            let corners = corners.map(|c| t.apply(c));
            let normal = normalized(cross(
                sub(corners[1], corners[0]),
                sub(corners[2], corners[0]),
            ));
            // Barycentric probes strictly inside the triangle.
            let probes = (1..8)
                .flat_map(|a| (1..8 - a).map(move |b| (a, b)))
                .map(|(a, b)| {
                    let (a, b) = (a as f64 / 8.0, b as f64 / 8.0);
                    let p = std::array::from_fn(|i| {
                        (1.0 - a - b) * corners[0][i] + a * corners[1][i] + b * corners[2][i]
                    });
                    (p, normal)
                });
            if self.whole_on_boundary(
                probes,
                "a triangle of an STL mesh only partly on the boundary",
            )? {
                out.push(BoundaryPiece::Triangle { corners });
            }
        }
        Ok(())
    }
}
