//! The boundary pieces an approximate distance function is built from (`dist(part)` in hard
//! constraints), in world coordinates: in 2-D the segments of rectangles and polygons, whole
//! circles and whole ellipses; in 3-D whole spheres and the faces of boxes, cylinders and
//! STL meshes (distance_3d.rs). The compiler turns them into one smooth expression
//! (R-functions after Sukumar & Srivastava, CMAME 389 (2022) 114333) whose derivatives the
//! jets take exactly; this file only decides what the pieces are.
//!
//! Where a segment lies on the composed boundary is found by testing points along it with
//! [`Shape::on_boundary`] and bisecting the ends of each run, so a side that the set
//! operations cut (the L-shape's outer sides) keeps exactly its boundary part. Every other
//! piece (a circle, an ellipse, a sphere, a face) must lie on the boundary whole or not at
//! all: a part of one would need a trimming function of its own, and is refused rather than
//! approximated.

use super::csg::Shape;
use super::primitive::Primitive;
use super::transform::Point;
use super::GeometryError;

/// One piece of boundary, in world coordinates. Directions are unit vectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BoundaryPiece {
    Segment {
        a: [f64; 2],
        b: [f64; 2],
    },
    Circle {
        center: [f64; 2],
        radius: f64,
    },
    /// A whole ellipse: its centre, the directions of its two semi-axes and their lengths.
    Ellipse {
        center: [f64; 2],
        axes: [[f64; 2]; 2],
        semi_axes: [f64; 2],
    },
    Sphere {
        center: [f64; 3],
        radius: f64,
    },
    /// A flat rectangle in 3-D (a box's face): centre, in-plane directions, half-sides.
    Rectangle {
        center: Point,
        axes: [Point; 2],
        half: [f64; 2],
    },
    /// The curved side of a cylinder: the centre of its axis, the axis direction, the
    /// radius and half the length.
    Tube {
        center: Point,
        axis: Point,
        radius: f64,
        half_length: f64,
    },
    /// A flat disk in 3-D (a cylinder's cap): centre, normal, radius.
    Disk {
        center: Point,
        normal: Point,
        radius: f64,
    },
    /// A triangle in 3-D (an STL mesh's facet), counter-clockwise seen from outside.
    Triangle {
        corners: [Point; 3],
    },
}

/// Points tested along each segment, and on each circle or sphere.
pub(super) const PROBES: usize = 512;
/// Bisection steps for the end of a run along a segment (2⁻⁴⁰ of its length).
const BISECTIONS: usize = 40;

impl Shape {
    /// The pieces of the composed boundary that belong to `part` (all of it for `None`).
    /// Errors name what a distance function cannot be built for: a circle, ellipse,
    /// sphere or face only partly on the boundary, an STL mesh of more than
    /// [`MAX_DISTANCE_TRIANGLES`](super::MAX_DISTANCE_TRIANGLES) triangles, or a part with no piece on the boundary at all.
    pub fn boundary_pieces(&self, part: Option<&str>) -> Result<Vec<BoundaryPiece>, GeometryError> {
        if let Some(name) = part {
            if !self.parts().contains(&name) {
                return Err(GeometryError::UnknownPart { name: name.into() });
            }
        }
        let mut pieces = Vec::new();
        for leaf in self.leaves() {
            if part.is_some() && leaf.part.as_deref() != part {
                continue;
            }
            let world = |p: [f64; 2]| {
                let w = leaf.transform.apply([p[0], p[1], 0.0]);
                [w[0], w[1]]
            };
            let scale = leaf.transform.scale();
            match &leaf.primitive {
                Primitive::Rectangle { lo, hi } => {
                    let corners = [
                        [lo[0], lo[1]],
                        [hi[0], lo[1]],
                        [hi[0], hi[1]],
                        [lo[0], hi[1]],
                    ];
                    self.polygon_pieces(&corners.map(world), &mut pieces);
                }
                Primitive::Polygon { vertices, .. } => {
                    let corners: Vec<[f64; 2]> = vertices.iter().map(|&v| world(v)).collect();
                    self.polygon_pieces(&corners, &mut pieces);
                }
                Primitive::Disk { center, radius } => {
                    let (center, radius) = (world(*center), radius * scale);
                    let probes = (0..PROBES).map(|k| {
                        let (s, c) = turn(k).sin_cos();
                        (
                            [center[0] + radius * c, center[1] + radius * s, 0.0],
                            [c, s, 0.0],
                        )
                    });
                    if self.whole_on_boundary(
                        probes,
                        "a circle only partly on the boundary (an arc)",
                    )? {
                        pieces.push(BoundaryPiece::Circle { center, radius });
                    }
                }
                Primitive::Ellipse { center, semi_axes } => {
                    let [ex, ey] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]].map(|e| {
                        let w = leaf.transform.rotate(e);
                        [w[0], w[1]]
                    });
                    let (c, [a, b]) = (world(*center), semi_axes.map(|s| s * scale));
                    let probes = (0..PROBES).map(|k| {
                        let (s, co) = turn(k).sin_cos();
                        let p = std::array::from_fn(|i| {
                            if i < 2 {
                                c[i] + a * co * ex[i] + b * s * ey[i]
                            } else {
                                0.0
                            }
                        });
                        let n = std::array::from_fn(|i| {
                            if i < 2 {
                                co / a * ex[i] + s / b * ey[i]
                            } else {
                                0.0
                            }
                        });
                        (p, n)
                    });
                    if self.whole_on_boundary(
                        probes,
                        "an ellipse only partly on the boundary (an arc)",
                    )? {
                        pieces.push(BoundaryPiece::Ellipse {
                            center: c,
                            axes: [ex, ey],
                            semi_axes: [a, b],
                        });
                    }
                }
                Primitive::Sphere { center, radius } => {
                    let (center, radius) = (leaf.transform.apply(*center), radius * scale);
                    let probes = fibonacci()
                        .map(|n| (std::array::from_fn(|i| center[i] + radius * n[i]), n));
                    if self.whole_on_boundary(probes, "a sphere only partly on the boundary")? {
                        pieces.push(BoundaryPiece::Sphere { center, radius });
                    }
                }
                Primitive::Box { lo, hi } => {
                    self.box_pieces(&leaf.transform, *lo, *hi, &mut pieces)?
                }
                Primitive::Cylinder {
                    base,
                    radius,
                    height,
                } => self.cylinder_pieces(&leaf.transform, *base, *radius, *height, &mut pieces)?,
                Primitive::Mesh(mesh) => self.mesh_pieces(&leaf.transform, mesh, &mut pieces)?,
            }
        }
        if pieces.is_empty() {
            return Err(GeometryError::Empty {
                what: "boundary piece for a distance function",
            });
        }
        Ok(pieces)
    }

    /// The runs of each edge of a closed polygon (world corners) that lie on the boundary.
    fn polygon_pieces(&self, corners: &[[f64; 2]], out: &mut Vec<BoundaryPiece>) {
        for (i, &a) in corners.iter().enumerate() {
            let b = corners[(i + 1) % corners.len()];
            let at = |s: f64| [a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])];
            let length = (b[0] - a[0]).hypot(b[1] - a[1]);
            if length == 0.0 {
                continue;
            }
            let normal = [(b[1] - a[1]) / length, (a[0] - b[0]) / length, 0.0];
            let on = |s: f64| {
                let p = at(s);
                self.on_boundary([p[0], p[1], 0.0], normal)
            };
            let probe = |k: usize| (k as f64 + 0.5) / PROBES as f64;
            let mut k = 0;
            while k < PROBES {
                if !on(probe(k)) {
                    k += 1;
                    continue;
                }
                let start = if k == 0 {
                    0.0
                } else {
                    edge(&on, probe(k - 1), probe(k))
                };
                let mut last = k;
                while last + 1 < PROBES && on(probe(last + 1)) {
                    last += 1;
                }
                let end = if last + 1 == PROBES {
                    1.0
                } else {
                    edge(&on, probe(last + 1), probe(last))
                };
                if end > start {
                    out.push(BoundaryPiece::Segment {
                        a: at(start),
                        b: at(end),
                    });
                }
                k = last + 1;
            }
        }
    }

    /// Whether every probe (a point of a piece and a direction across it) lies on the
    /// composed boundary: false when none does; an error naming `partly` when some do and
    /// some do not.
    pub(super) fn whole_on_boundary(
        &self,
        probes: impl Iterator<Item = (Point, Point)>,
        partly: &str,
    ) -> Result<bool, GeometryError> {
        let (mut on, mut off) = (0, 0);
        for (p, normal) in probes {
            if self.on_boundary(p, normal) {
                on += 1;
            } else {
                off += 1;
            }
        }
        match (on, off) {
            (_, 0) => Ok(true),
            (0, _) => Ok(false),
            _ => Err(no_distance(partly)),
        }
    }
}

/// The angle of probe `k` of `PROBES` around a circle.
pub(super) fn turn(k: usize) -> f64 {
    std::f64::consts::TAU * (k as f64 + 0.5) / PROBES as f64
}

/// Where `on` changes between `off` (false there) and `inside` (true there), by bisection,
/// rounded to 1e-9 of the segment so that a corner at a round fraction of a side (the
/// L-shape's cut at the middle) comes out exact instead of 2⁻⁴⁰ off.
fn edge(on: &impl Fn(f64) -> bool, mut off: f64, mut inside: f64) -> f64 {
    for _ in 0..BISECTIONS {
        let mid = 0.5 * (off + inside);
        if on(mid) {
            inside = mid;
        } else {
            off = mid;
        }
    }
    (0.5 * (off + inside) * 1e9).round() / 1e9
}

/// Nearly uniform unit vectors (a Fibonacci lattice on the sphere).
fn fibonacci() -> impl Iterator<Item = Point> {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    (0..PROBES).map(move |k| {
        let z = 1.0 - 2.0 * (k as f64 + 0.5) / PROBES as f64;
        let r = (1.0 - z * z).sqrt();
        let a = golden * k as f64;
        [r * a.cos(), r * a.sin(), z]
    })
}

pub(super) fn no_distance(what: &str) -> GeometryError {
    GeometryError::NoDistance { what: what.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rectangle(lo: [f64; 2], hi: [f64; 2]) -> Shape {
        Primitive::rectangle(lo, hi).unwrap().into()
    }

    fn disk(center: [f64; 2], radius: f64) -> Shape {
        Primitive::disk(center, radius).unwrap().into()
    }

    fn length(p: &BoundaryPiece) -> f64 {
        match p {
            BoundaryPiece::Segment { a, b } => (b[0] - a[0]).hypot(b[1] - a[1]),
            _ => f64::NAN,
        }
    }

    /// The L-shape [−1, 1]² \ [0, 1]²: six sides of total length 8, the cut outer sides
    /// ending where the cut-out square begins.
    #[test]
    fn the_l_shape_keeps_exactly_its_six_sides() {
        let l = rectangle([-1.0, -1.0], [1.0, 1.0])
            .difference(rectangle([0.0, 0.0], [1.0, 1.0]))
            .unwrap();
        let pieces = l.boundary_pieces(None).unwrap();
        assert_eq!(pieces.len(), 6, "{pieces:?}");
        let total: f64 = pieces.iter().map(length).sum();
        assert!((total - 8.0).abs() < 1e-9, "{total}");
        for p in &pieces {
            let BoundaryPiece::Segment { a, b } = p else {
                panic!("{p:?}")
            };
            for q in [a, b] {
                assert!(
                    l.signed_distance(q).abs() < 1e-9,
                    "{q:?} is on the boundary"
                );
            }
        }
    }

    /// An annulus: two whole circles; a part selects one; a disk that pokes out of a
    /// rectangle leaves an arc, which is refused, and so does an ellipse.
    #[test]
    fn circles_whole_or_refused() {
        let annulus = disk([0.0, 0.0], 2.0)
            .named("outer")
            .difference(disk([0.0, 0.0], 1.0).named("inner"))
            .unwrap();
        assert_eq!(annulus.boundary_pieces(None).unwrap().len(), 2);
        assert_eq!(
            annulus.boundary_pieces(Some("inner")).unwrap(),
            vec![BoundaryPiece::Circle {
                center: [0.0, 0.0],
                radius: 1.0
            }]
        );
        assert!(matches!(
            annulus.boundary_pieces(Some("nothing")),
            Err(GeometryError::UnknownPart { .. })
        ));
        let poking = rectangle([0.0, 0.0], [1.0, 1.0])
            .union(disk([1.0, 0.5], 0.3))
            .unwrap();
        assert!(matches!(
            poking.boundary_pieces(None),
            Err(GeometryError::NoDistance { .. })
        ));
        let poking = rectangle([0.0, 0.0], [1.0, 1.0])
            .union(Primitive::ellipse([1.0, 0.5], [0.3, 0.2]).unwrap().into())
            .unwrap();
        assert!(matches!(
            poking.boundary_pieces(None),
            Err(GeometryError::NoDistance { .. })
        ));
    }

    /// A turned, scaled ellipse keeps its world centre, semi-axes and their directions.
    #[test]
    fn an_ellipse_is_one_piece_in_world_coordinates() {
        let hole: Shape = Primitive::ellipse([0.0, 0.0], [2.0, 1.0]).unwrap().into();
        let hole = hole
            .scale(0.25)
            .unwrap()
            .rotate(std::f64::consts::FRAC_PI_2)
            .unwrap()
            .translate(&[1.0, 1.0])
            .unwrap()
            .named("hole");
        let plate = rectangle([0.0, 0.0], [2.0, 2.0]).difference(hole).unwrap();
        let pieces = plate.boundary_pieces(Some("hole")).unwrap();
        let [BoundaryPiece::Ellipse {
            center,
            axes,
            semi_axes,
        }] = pieces[..]
        else {
            panic!("{pieces:?}")
        };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(center[0], 1.0) && close(center[1], 1.0), "{center:?}");
        assert_eq!(semi_axes, [0.5, 0.25]);
        // The long axis, along x before the quarter turn, is along y after it.
        assert!(close(axes[0][0], 0.0) && close(axes[0][1], 1.0), "{axes:?}");
    }

    /// A box's six faces; a cylinder hole inside it adds its side and two caps; a cylinder
    /// that pokes out through a face leaves the face only partly on the boundary.
    #[test]
    fn box_and_cylinder_faces_whole_or_refused() {
        let cuboid = |lo, hi| -> Shape { Primitive::cuboid(lo, hi).unwrap().into() };
        let block = cuboid([0.0; 3], [2.0, 1.0, 1.0]);
        let faces = block.boundary_pieces(None).unwrap();
        assert_eq!(faces.len(), 6);
        let area: f64 = faces
            .iter()
            .map(|p| match p {
                BoundaryPiece::Rectangle { half, .. } => 4.0 * half[0] * half[1],
                _ => f64::NAN,
            })
            .sum();
        assert!((area - 10.0).abs() < 1e-12, "{area}");
        let drilled = block
            .clone()
            .difference(
                Primitive::cylinder([1.0, 0.5, 0.25], 0.2, 0.5)
                    .unwrap()
                    .into(),
            )
            .unwrap();
        let pieces = drilled.boundary_pieces(None).unwrap();
        assert_eq!(pieces.len(), 9, "{pieces:?}");
        assert!(pieces.iter().any(|p| matches!(
            p,
            BoundaryPiece::Tube { radius, half_length, .. } if *radius == 0.2 && *half_length == 0.25
        )));
        let through = block
            .difference(
                Primitive::cylinder([1.0, 0.5, 0.5], 0.2, 1.0)
                    .unwrap()
                    .into(),
            )
            .unwrap();
        match through.boundary_pieces(None) {
            Err(GeometryError::NoDistance { what }) => assert!(what.contains("face"), "{what}"),
            other => panic!("{other:?}"),
        }
    }

    /// A transformed hole keeps its world centre and scaled radius.
    #[test]
    fn transforms_apply_to_the_pieces() {
        let plate = rectangle([0.0, 0.0], [4.0, 2.0])
            .difference(
                disk([0.0, 0.0], 0.5)
                    .scale(0.5)
                    .unwrap()
                    .translate(&[1.0, 1.0])
                    .unwrap()
                    .named("hole"),
            )
            .unwrap();
        assert_eq!(
            plate.boundary_pieces(Some("hole")).unwrap(),
            vec![BoundaryPiece::Circle {
                center: [1.0, 1.0],
                radius: 0.25
            }]
        );
        assert_eq!(plate.boundary_pieces(None).unwrap().len(), 5);
    }
}
