//! `Shape`: a tree of set operations (union, intersection, difference) over primitives, each
//! placed by its own similarity transform and optionally carrying a part name. It owns the
//! composed inside test (exact; point by point, or column by column for the interior
//! sampler), the composed signed distance (a bound, see
//! `Shape::signed_distance`), the tightened bounding box, and the test that decides which
//! points of a primitive's boundary lie on the composed boundary and which way is out there.

use super::primitive::Primitive;
use super::transform::{Point, Transform};
use super::GeometryError;

/// A domain: primitives combined by set operations. Cheap to clone; immutable once built
/// (every operation returns a new shape).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    dim: usize,
    leaves: Vec<Leaf>,
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Leaf {
    pub primitive: Primitive,
    /// Local → world.
    pub transform: Transform,
    pub part: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Leaf(usize),
    Union(Box<Node>, Box<Node>),
    Intersection(Box<Node>, Box<Node>),
    Difference(Box<Node>, Box<Node>),
}

impl Node {
    fn shifted(self, by: usize) -> Node {
        let pair = |a: Box<Node>, b: Box<Node>| (Box::new(a.shifted(by)), Box::new(b.shifted(by)));
        match self {
            Node::Leaf(i) => Node::Leaf(i + by),
            Node::Union(a, b) => {
                let (a, b) = pair(a, b);
                Node::Union(a, b)
            }
            Node::Intersection(a, b) => {
                let (a, b) = pair(a, b);
                Node::Intersection(a, b)
            }
            Node::Difference(a, b) => {
                let (a, b) = pair(a, b);
                Node::Difference(a, b)
            }
        }
    }
}

impl Leaf {
    fn contains(&self, p: Point) -> bool {
        self.primitive.contains(self.transform.invert(p))
    }

    fn signed_distance(&self, p: Point) -> f64 {
        self.transform.scale() * self.primitive.signed_distance(self.transform.invert(p))
    }
}

/// A point of any dimension up to 3 as a 3-D one (missing coordinates zero).
pub(super) fn point(p: &[f64]) -> Point {
    std::array::from_fn(|i| p.get(i).copied().unwrap_or(0.0))
}

impl From<Primitive> for Shape {
    fn from(primitive: Primitive) -> Shape {
        Shape {
            dim: primitive.dim(),
            leaves: vec![Leaf {
                primitive,
                transform: Transform::IDENTITY,
                part: None,
            }],
            root: Node::Leaf(0),
        }
    }
}

impl Shape {
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn union(self, other: Shape) -> Result<Shape, GeometryError> {
        self.combine(other, Node::Union)
    }

    pub fn intersection(self, other: Shape) -> Result<Shape, GeometryError> {
        self.combine(other, Node::Intersection)
    }

    /// `self` with `other` cut out.
    pub fn difference(self, other: Shape) -> Result<Shape, GeometryError> {
        self.combine(other, Node::Difference)
    }

    fn combine(
        mut self,
        other: Shape,
        node: fn(Box<Node>, Box<Node>) -> Node,
    ) -> Result<Shape, GeometryError> {
        if other.dim != self.dim {
            return Err(GeometryError::Dimension {
                expected: self.dim,
                got: other.dim,
            });
        }
        let right = other.root.shifted(self.leaves.len());
        self.leaves.extend(other.leaves);
        self.root = node(Box::new(self.root), Box::new(right));
        Ok(self)
    }

    /// The shape moved by `by` (one coordinate per dimension).
    pub fn translate(self, by: &[f64]) -> Result<Shape, GeometryError> {
        self.check_len(by.len())?;
        let t = Transform::translation(point(by))?;
        Ok(self.transformed(&t))
    }

    /// The shape scaled by `factor` about the origin.
    pub fn scale(self, factor: f64) -> Result<Shape, GeometryError> {
        let t = Transform::scaling(factor)?;
        Ok(self.transformed(&t))
    }

    /// A 2-D shape turned counter-clockwise by `angle` radians about the origin.
    pub fn rotate(self, angle: f64) -> Result<Shape, GeometryError> {
        if self.dim != 2 {
            return Err(GeometryError::Dimension {
                expected: 2,
                got: self.dim,
            });
        }
        let t = Transform::rotation([0.0, 0.0, 1.0], angle)?;
        Ok(self.transformed(&t))
    }

    /// A 3-D shape turned by `angle` radians about `axis` through the origin.
    pub fn rotate_about(self, axis: [f64; 3], angle: f64) -> Result<Shape, GeometryError> {
        if self.dim != 3 {
            return Err(GeometryError::Dimension {
                expected: 3,
                got: self.dim,
            });
        }
        let t = Transform::rotation(axis, angle)?;
        Ok(self.transformed(&t))
    }

    fn transformed(mut self, t: &Transform) -> Shape {
        for leaf in &mut self.leaves {
            leaf.transform = t.after(&leaf.transform);
        }
        self
    }

    fn check_len(&self, got: usize) -> Result<(), GeometryError> {
        if got == self.dim {
            Ok(())
        } else {
            Err(GeometryError::Dimension {
                expected: self.dim,
                got,
            })
        }
    }

    /// The shape with every primitive's boundary named `part` (replacing earlier names), so
    /// that boundary points on it are tagged `part` and can be sampled alone.
    pub fn named(mut self, part: &str) -> Shape {
        for leaf in &mut self.leaves {
            leaf.part = Some(part.to_string());
        }
        self
    }

    /// The distinct part names, in order of first appearance.
    pub fn parts(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for name in self.leaves.iter().filter_map(|l| l.part.as_deref()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The number of primitives; boundary points name theirs by index (`0..primitives()`).
    pub fn primitives(&self) -> usize {
        self.leaves.len()
    }

    /// The part primitive `index` belongs to, if named.
    pub fn part_of(&self, index: usize) -> Option<&str> {
        self.leaves.get(index).and_then(|l| l.part.as_deref())
    }

    pub(super) fn leaves(&self) -> &[Leaf] {
        &self.leaves
    }

    /// Whether `p` (one coordinate per dimension) is in the closed shape.
    pub fn contains(&self, p: &[f64]) -> bool {
        self.contains_point(point(p), None)
    }

    pub(super) fn contains_point(&self, p: Point, forced: Option<(usize, bool)>) -> bool {
        fn walk(node: &Node, leaves: &[Leaf], p: Point, forced: Option<(usize, bool)>) -> bool {
            match node {
                Node::Leaf(i) => match forced {
                    Some((j, value)) if j == *i => value,
                    _ => leaves[*i].contains(p),
                },
                Node::Union(a, b) => walk(a, leaves, p, forced) || walk(b, leaves, p, forced),
                Node::Intersection(a, b) => {
                    walk(a, leaves, p, forced) && walk(b, leaves, p, forced)
                }
                Node::Difference(a, b) => walk(a, leaves, p, forced) && !walk(b, leaves, p, forced),
            }
        }
        walk(&self.root, &self.leaves, p, forced)
    }

    /// `contains` for a column of points, `out[i]` for `(xs[i], ys[i], zs[i])` (`zs` empty
    /// in 2-D): each primitive's test over the whole column, then the set operations
    /// element-wise (no short cut, but loops the compiler vectorises). Equal to `contains`
    /// point by point.
    pub(super) fn contains_all(&self, xyz: [&[f64]; 3], out: &mut [bool]) {
        fn walk(node: &Node, leaves: &[Leaf], xyz: [&[f64]; 3], out: &mut [bool]) {
            let (a, b, op) = match node {
                Node::Leaf(i) => {
                    let leaf = &leaves[*i];
                    return leaf.primitive.contains_all(&leaf.transform, xyz, out);
                }
                Node::Union(a, b) => (a, b, 0),
                Node::Intersection(a, b) => (a, b, 1),
                Node::Difference(a, b) => (a, b, 2),
            };
            walk(a, leaves, xyz, out);
            let mut right = vec![false; out.len()];
            walk(b, leaves, xyz, &mut right);
            for (o, r) in out.iter_mut().zip(right) {
                *o = match op {
                    0 => *o | r,
                    1 => *o & r,
                    _ => *o & !r,
                };
            }
        }
        walk(&self.root, &self.leaves, xyz, out);
    }

    /// Whether `p`, a point on a primitive's boundary where `normal` is the primitive's unit
    /// normal (either way), lies on the composed boundary: the composed shape holds the
    /// point a hair's breadth to one side and not the one to the other. Where two
    /// primitives' boundaries coincide this decides right in both cases: a seam inside a
    /// union has the shape on both sides, and the side a cut-out shares with the outer
    /// shape (the L-shape's outer sides along the cut-out square) on neither. (Toggling the
    /// one primitive's membership at `p` alone counts the latter, which lies outside.)
    pub(super) fn on_boundary(&self, p: Point, normal: Point) -> bool {
        let h = 1e-9 * (1.0 + p.iter().fold(0.0f64, |m, c| m.max(c.abs())));
        let step = |s: f64| -> Point { std::array::from_fn(|i| p[i] + s * h * normal[i]) };
        self.contains_point(step(1.0), None) != self.contains_point(step(-1.0), None)
    }

    /// Per primitive, whether its outward normal points into the composed shape: true for
    /// the primitives that are cut out (an odd number of times on the right of a
    /// difference).
    pub(super) fn flipped(&self) -> Vec<bool> {
        fn walk(node: &Node, flip: bool, out: &mut [bool]) {
            match node {
                Node::Leaf(i) => out[*i] = flip,
                Node::Union(a, b) | Node::Intersection(a, b) => {
                    walk(a, flip, out);
                    walk(b, flip, out);
                }
                Node::Difference(a, b) => {
                    walk(a, flip, out);
                    walk(b, !flip, out);
                }
            }
        }
        let mut out = vec![false; self.leaves.len()];
        walk(&self.root, false, &mut out);
        out
    }

    /// The signed distance to the boundary, negative inside. Exact for a single primitive
    /// (however transformed); for set operations it is the usual min/max composition
    /// (union min, intersection max, difference max(a, −b)): its sign and zero set are
    /// exact and it is 1-Lipschitz, so its magnitude is a lower bound on the true distance
    /// (equal to it near most of the boundary, smaller near concave corners of the
    /// composition and deep inside).
    pub fn signed_distance(&self, p: &[f64]) -> f64 {
        fn walk(node: &Node, leaves: &[Leaf], p: Point) -> f64 {
            match node {
                Node::Leaf(i) => leaves[*i].signed_distance(p),
                Node::Union(a, b) => walk(a, leaves, p).min(walk(b, leaves, p)),
                Node::Intersection(a, b) => walk(a, leaves, p).max(walk(b, leaves, p)),
                Node::Difference(a, b) => walk(a, leaves, p).max(-walk(b, leaves, p)),
            }
        }
        walk(&self.root, &self.leaves, point(p))
    }

    /// A box that holds the shape, one `(lo, hi)` per dimension: exact per primitive, then
    /// hulls for unions, overlaps for intersections, the left operand's for differences.
    /// `lo > hi` on some axis means the shape is certainly empty.
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        fn walk(node: &Node, leaves: &[Leaf]) -> [(f64, f64); 3] {
            match node {
                Node::Leaf(i) => leaves[*i].primitive.bounds(&leaves[*i].transform),
                Node::Union(a, b) => {
                    let (a, b) = (walk(a, leaves), walk(b, leaves));
                    std::array::from_fn(|i| (a[i].0.min(b[i].0), a[i].1.max(b[i].1)))
                }
                Node::Intersection(a, b) => {
                    let (a, b) = (walk(a, leaves), walk(b, leaves));
                    std::array::from_fn(|i| (a[i].0.max(b[i].0), a[i].1.min(b[i].1)))
                }
                Node::Difference(a, _) => walk(a, leaves),
            }
        }
        walk(&self.root, &self.leaves)[..self.dim].to_vec()
    }
}
