//! Geometry of training domains that are not boxes: shapes built from primitives (2-D
//! rectangle, disk, ellipse, triangle, polygon; 3-D box, sphere, cylinder), set operations
//! (union, intersection, difference) and similarity transforms (translation, rotation,
//! uniform scaling); exact inside tests, signed distances, and the points a training job
//! needs: interior points by rejection inside a tightened bounding box, boundary points
//! uniform in arc length (2-D) or area (3-D), each with its outward unit normal and the
//! primitive (and so the named part) it lies on. A closed triangle mesh read from an STL
//! file is a 3-D primitive like the others.
//!
//! Files, one concern each: `transform.rs` (similarity transforms), `primitive.rs` (each
//! primitive: validation, inside test, exact signed distance, bounding box, boundary
//! parametrised by measure), `polygon.rs` (polygons: validation against self-intersection,
//! winding, distance to edges), `ellipse.rs` (the exact distance to an ellipse), `csg.rs`
//! (`Shape`: the tree of set operations over transformed primitives, its inside test,
//! signed distance bound and which primitive boundaries lie on the composed boundary),
//! `sample.rs` (interior and boundary sampling), `distance.rs` (the boundary pieces a
//! hard constraint's distance function is built from), `stl.rs` (reading binary and ASCII
//! STL and checking a mesh is closed and oriented), `mesh.rs` (the mesh's kernels: bounding
//! volume hierarchy, inside test, exact distance, area-uniform surface points),
//! `quadrature.rs` (rules for integrals over the boundary, a part of it, or the interior).
//!
//! Points are `[f64; 3]` throughout; a 2-D shape lives in the plane z = 0 and its
//! transforms rotate about the z axis, so one code path serves both dimensions. Signed
//! distances are negative inside.

mod csg;
mod distance;
mod distance_3d;
mod ellipse;
mod mesh;
mod polygon;
mod primitive;
mod quadrature;
mod sample;
mod stl;
mod transform;

#[cfg(test)]
mod mesh_tests;
#[cfg(test)]
mod tests;

pub use csg::Shape;
pub use distance::BoundaryPiece;
pub use distance_3d::MAX_DISTANCE_TRIANGLES;
pub use mesh::Mesh;
pub use primitive::Primitive;
pub use quadrature::{Estimate, Quadrature};
pub use sample::BoundaryPoints;
pub use stl::{write_ascii as write_ascii_stl, write_binary as write_binary_stl, StlError};
pub use transform::Transform;

use std::fmt;

/// Why a shape could not be built or sampled. Each names what was wrong, so the compiler
/// can turn it into a diagnostic at the right place.
#[derive(Debug, Clone, PartialEq)]
pub enum GeometryError {
    /// A radius, semi-axis, side, height or scale that must be positive and finite is not.
    NotPositive { what: &'static str, value: f64 },
    /// A coordinate is NaN or infinite.
    NotFinite { what: &'static str },
    /// A rectangle or box whose upper corner is not above its lower corner on every axis.
    EmptyBox { axis: usize },
    /// A polygon with fewer than three vertices.
    TooFewVertices { count: usize },
    /// Two edges of a polygon meet where they should not (`first < second`, edge `i` runs
    /// from vertex `i` to vertex `i + 1`), or an edge has length zero (`first == second`).
    SelfIntersecting { first: usize, second: usize },
    /// A polygon whose vertices all lie on one line.
    ZeroArea,
    /// A rotation about a zero axis.
    ZeroAxis,
    /// Shapes of different dimensions combined, or sampled as another dimension.
    Dimension { expected: usize, got: usize },
    /// A part name no primitive of the shape carries.
    UnknownPart { name: String },
    /// Rejection sampling found no point: the domain (or the part's share of the composed
    /// boundary) is empty or too thin to sample.
    Empty { what: &'static str },
    /// The underlying sampler refused (Sobol' limits).
    Sampler(String),
    /// No approximate distance function can be built for this piece of boundary.
    NoDistance { what: String },
    /// An STL file that is not a usable closed mesh.
    Stl { file: String, error: StlError },
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeometryError::NotPositive { what, value } => {
                write!(f, "the {what} must be positive and finite, not {value}")
            }
            GeometryError::NotFinite { what } => write!(f, "the {what} is not finite"),
            GeometryError::EmptyBox { axis } => write!(
                f,
                "the upper corner must lie above the lower corner on every axis (axis {axis} does not)"
            ),
            GeometryError::TooFewVertices { count } => {
                write!(f, "a polygon needs at least 3 vertices, not {count}")
            }
            GeometryError::SelfIntersecting { first, second } if first == second => {
                write!(f, "polygon edge {first} has length zero")
            }
            GeometryError::SelfIntersecting { first, second } => {
                write!(f, "polygon edges {first} and {second} cross or touch")
            }
            GeometryError::ZeroArea => write!(f, "the polygon's vertices lie on one line"),
            GeometryError::ZeroAxis => write!(f, "a rotation axis must not be zero"),
            GeometryError::Dimension { expected, got } => {
                write!(f, "expected a {expected}-D shape, got a {got}-D one")
            }
            GeometryError::UnknownPart { name } => write!(f, "no part is named `{name}`"),
            GeometryError::Empty { what } => write!(
                f,
                "no {what} point found: the shape is empty or too thin to sample"
            ),
            GeometryError::Sampler(message) => f.write_str(message),
            GeometryError::NoDistance { what } => {
                write!(f, "no distance function is available for {what}")
            }
            GeometryError::Stl { file, error } => write!(f, "`{file}`: {error}"),
        }
    }
}

impl std::error::Error for GeometryError {}
