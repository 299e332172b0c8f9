//! `Mesh`: a closed triangle mesh (from an STL file, checked by stl.rs) as a 3-D primitive.
//! It owns the mesh's geometry kernels: a bounding volume hierarchy over the triangles
//! (median splits along the longest axis, at most `LEAF` triangles a leaf), the inside test
//! (ray parity along fixed directions that are not axis-aligned; a ray that passes within
//! a hair of an edge or vertex is cast again along the next direction, and the generalized
//! winding number decides if every direction grazes), the exact unsigned distance (point to
//! nearest triangle through the hierarchy, with the sign of the inside test), the exact
//! bounding box under a similarity transform (the hull of the transformed vertices), and
//! boundary points uniform in area (a triangle by its share of the area, a point uniform in
//! it) with the triangle's outward unit normal.

use super::stl::{self, cross, dot, sub, StlError};
use super::transform::{Point, Transform};
use std::fmt;

/// Triangles per leaf of the hierarchy.
const LEAF: usize = 4;

#[derive(Clone, PartialEq)]
pub struct Mesh {
    vertices: Vec<Point>,
    /// Counter-clockwise seen from outside.
    triangles: Vec<[u32; 3]>,
    /// Running sums of the triangles' areas (the last is the surface area).
    cumulative: Vec<f64>,
    volume: f64,
    nodes: Vec<Node>,
    /// Triangle indices in the hierarchy's order: a leaf holds a range of them.
    order: Vec<u32>,
    /// Below this a ray's hit is on the surface (the point is on the boundary).
    on_surface: f64,
}

/// A node of the hierarchy: a box, and either a leaf's range of `order` (`count > 0`) or
/// an inner node whose children are the next node and node `right`.
#[derive(Clone, PartialEq)]
struct Node {
    lo: Point,
    hi: Point,
    start: u32,
    count: u32,
    right: u32,
}

impl fmt::Debug for Mesh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mesh")
            .field("triangles", &self.triangles.len())
            .field("vertices", &self.vertices.len())
            .field("area", &self.area())
            .field("volume", &self.volume)
            .finish()
    }
}

impl Mesh {
    /// The mesh of an STL file's bytes (binary or ASCII), checked closed and oriented.
    pub fn from_stl(bytes: &[u8]) -> Result<Mesh, StlError> {
        Mesh::from_triangles(&stl::parse(bytes)?)
    }

    /// The mesh of a triangle soup, checked closed and oriented (stl.rs).
    pub fn from_triangles(soup: &[[Point; 3]]) -> Result<Mesh, StlError> {
        let closed = stl::close(soup)?;
        let mut mesh = Mesh {
            vertices: closed.vertices,
            triangles: closed.triangles,
            cumulative: Vec::new(),
            volume: closed.volume,
            nodes: Vec::new(),
            order: Vec::new(),
            on_surface: 0.0,
        };
        let mut sum = 0.0;
        mesh.cumulative = (0..mesh.triangles.len())
            .map(|t| {
                sum += mesh.triangle_area(t);
                sum
            })
            .collect();
        mesh.build_hierarchy();
        let root = &mesh.nodes[0];
        let extent = (0..3).fold(0.0f64, |m, i| m.max(root.hi[i] - root.lo[i]));
        mesh.on_surface = 1e-13 * extent;
        Ok(mesh)
    }

    pub fn triangles(&self) -> usize {
        self.triangles.len()
    }

    pub fn area(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// The enclosed volume.
    pub fn volume(&self) -> f64 {
        self.volume
    }

    /// The corners of each triangle, counter-clockwise seen from outside (local coordinates).
    pub fn facets(&self) -> impl Iterator<Item = [Point; 3]> + '_ {
        (0..self.triangles.len()).map(|t| self.corners(t))
    }

    fn corners(&self, t: usize) -> [Point; 3] {
        self.triangles[t].map(|v| self.vertices[v as usize])
    }

    fn triangle_area(&self, t: usize) -> f64 {
        let [a, b, c] = self.corners(t);
        let n = cross(sub(b, a), sub(c, a));
        0.5 * dot(n, n).sqrt()
    }

    fn build_hierarchy(&mut self) {
        let n = self.triangles.len();
        let centroids: Vec<Point> = (0..n)
            .map(|t| {
                let [a, b, c] = self.corners(t);
                std::array::from_fn(|i| (a[i] + b[i] + c[i]) / 3.0)
            })
            .collect();
        self.order = (0..n as u32).collect();
        self.nodes = Vec::with_capacity(2 * n / LEAF + 1);
        self.build(0, n, &centroids);
    }

    fn build(&mut self, start: usize, end: usize, centroids: &[Point]) -> usize {
        let index = self.nodes.len();
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        let (mut clo, mut chi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for &t in &self.order[start..end] {
            for p in self.corners(t as usize) {
                for i in 0..3 {
                    lo[i] = lo[i].min(p[i]);
                    hi[i] = hi[i].max(p[i]);
                }
            }
            let c = centroids[t as usize];
            for i in 0..3 {
                clo[i] = clo[i].min(c[i]);
                chi[i] = chi[i].max(c[i]);
            }
        }
        let leaf = Node {
            lo,
            hi,
            start: start as u32,
            count: (end - start) as u32,
            right: 0,
        };
        let axis = (0..3)
            .max_by(|&a, &b| (chi[a] - clo[a]).total_cmp(&(chi[b] - clo[b])))
            .unwrap_or(0);
        self.nodes.push(leaf);
        if end - start <= LEAF || chi[axis] <= clo[axis] {
            return index;
        }
        let mid = (start + end) / 2;
        self.order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            centroids[a as usize][axis].total_cmp(&centroids[b as usize][axis])
        });
        self.build(start, mid, centroids);
        let right = self.build(mid, end, centroids);
        self.nodes[index].count = 0;
        self.nodes[index].right = right as u32;
        index
    }

    /// Whether `p` is inside the closed solid (or on its surface).
    pub fn contains(&self, p: Point) -> bool {
        let root = &self.nodes[0];
        let margin = self.on_surface;
        if (0..3).any(|i| p[i] < root.lo[i] - margin || p[i] > root.hi[i] + margin) {
            return false;
        }
        for d in DIRECTIONS {
            match self.cast(p, d) {
                Cast::Crossings(n) => return n % 2 == 1,
                Cast::OnSurface => return true,
                Cast::Grazing => continue,
            }
        }
        self.winding_number(p) > 0.5
    }

    /// Counts the triangles the ray from `p` along `d` crosses, unless it touches an edge
    /// or vertex or starts on the surface.
    fn cast(&self, p: Point, d: Point) -> Cast {
        let inv: Point = d.map(|x| 1.0 / x);
        let mut crossings = 0;
        let mut stack = vec![0usize];
        while let Some(k) = stack.pop() {
            let node = &self.nodes[k];
            if !ray_hits_box(p, inv, node) {
                continue;
            }
            if node.count == 0 {
                stack.push(k + 1);
                stack.push(node.right as usize);
                continue;
            }
            let range = node.start as usize..(node.start + node.count) as usize;
            for &t in &self.order[range] {
                match self.ray_triangle(p, d, t as usize) {
                    Hit::Miss => {}
                    Hit::Cross => crossings += 1,
                    Hit::OnSurface => return Cast::OnSurface,
                    Hit::Grazing => return Cast::Grazing,
                }
            }
        }
        Cast::Crossings(crossings)
    }

    /// Möller–Trumbore, with a margin around the edges inside which the crossing is
    /// ambiguous.
    fn ray_triangle(&self, p: Point, d: Point, t: usize) -> Hit {
        const EDGE: f64 = 1e-9;
        let [a, b, c] = self.corners(t);
        let (e1, e2) = (sub(b, a), sub(c, a));
        let s = sub(p, a);
        let pvec = cross(d, e2);
        let det = dot(e1, pvec);
        let q = cross(s, e1);
        if det.abs() <= 1e-14 * dot(e1, e1).max(dot(e2, e2)) {
            // Parallel to the plane: grazing if the ray runs in it (over the triangle or
            // not; the next direction settles it), else no crossing.
            let n = cross(e1, e2);
            let height = dot(s, n) / dot(n, n).sqrt();
            return if height.abs() <= self.on_surface {
                Hit::Grazing
            } else {
                Hit::Miss
            };
        }
        let u = dot(s, pvec) / det;
        let v = dot(d, q) / det;
        let w = 1.0 - u - v;
        if u < -EDGE || v < -EDGE || w < -EDGE {
            return Hit::Miss;
        }
        let along = dot(e2, q) / det;
        if along.abs() <= self.on_surface {
            return Hit::OnSurface;
        }
        if along < 0.0 {
            return Hit::Miss;
        }
        if u < EDGE || v < EDGE || w < EDGE {
            return Hit::Grazing;
        }
        Hit::Cross
    }

    /// The generalized winding number (1 inside, 0 outside) by the solid angles of all
    /// triangles (Van Oosterom & Strackee): slow, the fallback for rays that all graze.
    pub(super) fn winding_number(&self, p: Point) -> f64 {
        let mut total = 0.0;
        for t in 0..self.triangles.len() {
            let [a, b, c] = self.corners(t).map(|v| sub(v, p));
            let (la, lb, lc) = (norm(a), norm(b), norm(c));
            let numerator = dot(a, cross(b, c));
            let denominator = la * lb * lc + dot(a, b) * lc + dot(b, c) * la + dot(c, a) * lb;
            total += 2.0 * numerator.atan2(denominator);
        }
        total / (4.0 * std::f64::consts::PI)
    }

    /// The exact distance from `p` to the surface.
    pub fn distance(&self, p: Point) -> f64 {
        let mut best = f64::INFINITY;
        let mut stack = vec![0usize];
        while let Some(k) = stack.pop() {
            let node = &self.nodes[k];
            if box_distance2(p, node) >= best {
                continue;
            }
            if node.count == 0 {
                let (near, far) = (k + 1, node.right as usize);
                let (dn, df) = (
                    box_distance2(p, &self.nodes[near]),
                    box_distance2(p, &self.nodes[far]),
                );
                // The nearer child is popped first.
                if dn <= df {
                    stack.push(far);
                    stack.push(near);
                } else {
                    stack.push(near);
                    stack.push(far);
                }
                continue;
            }
            let range = node.start as usize..(node.start + node.count) as usize;
            for &t in &self.order[range] {
                best = best.min(triangle_distance2(p, self.corners(t as usize)));
            }
        }
        best.sqrt()
    }

    /// The signed distance to the surface, negative inside.
    pub fn signed_distance(&self, p: Point) -> f64 {
        let d = self.distance(p);
        if self.contains(p) {
            -d
        } else {
            d
        }
    }

    /// The world bounding box under `t`: the hull of the transformed vertices.
    pub fn bounds(&self, t: &Transform) -> [(f64, f64); 3] {
        let mut b = [(f64::INFINITY, f64::NEG_INFINITY); 3];
        for &v in &self.vertices {
            let w = t.apply(v);
            for i in 0..3 {
                b[i] = (b[i].0.min(w[i]), b[i].1.max(w[i]));
            }
        }
        b
    }

    /// A surface point and its outward unit normal from `u` uniform in [0, 1)²: uniform in
    /// area when `u` is (`u[0]` picks the triangle by area and, rescaled within its share,
    /// the first coordinate in it; `u[1]` the second).
    pub fn boundary_point(&self, u: [f64; 2]) -> (Point, Point) {
        let total = self.area();
        let at = u[0] * total;
        let t = self
            .cumulative
            .partition_point(|&c| c <= at)
            .min(self.triangles.len() - 1);
        let before = if t == 0 { 0.0 } else { self.cumulative[t - 1] };
        let share = self.cumulative[t] - before;
        let r1 = if share > 0.0 {
            ((at - before) / share).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let [a, b, c] = self.corners(t);
        let s = r1.sqrt();
        let (wb, wc) = (s * (1.0 - u[1]), s * u[1]);
        let p = std::array::from_fn(|i| a[i] + wb * (b[i] - a[i]) + wc * (c[i] - a[i]));
        let n = cross(sub(b, a), sub(c, a));
        let len = norm(n);
        (p, n.map(|x| x / len))
    }
}

/// Ray directions, unit and far from every axis and diagonal, tried in order.
const DIRECTIONS: [Point; 6] = [
    [
        -0.31355142005619185,
        -0.9255403067568224,
        -0.2122749338693397,
    ],
    [0.4956868536384706, 0.7861790826053158, 0.36907586375142076],
    [-0.8587900767332572, 0.44084842791487766, 0.2610215847577879],
    [
        -0.8467099469436806,
        -0.4456089017908309,
        0.29071458923039833,
    ],
    [0.37224017301858053, 0.4752790214067207, -0.7972120830756187],
    [0.7928666430538543, 0.25694858892743666, 0.5525757042982538],
];

enum Cast {
    Crossings(usize),
    OnSurface,
    Grazing,
}

enum Hit {
    Miss,
    Cross,
    OnSurface,
    Grazing,
}

fn norm(v: Point) -> f64 {
    dot(v, v).sqrt()
}

/// Slab test for the ray from `p` with inverse direction `inv` (t ≥ 0).
fn ray_hits_box(p: Point, inv: Point, node: &Node) -> bool {
    let (mut near, mut far) = (0.0f64, f64::INFINITY);
    for i in 0..3 {
        let t1 = (node.lo[i] - p[i]) * inv[i];
        let t2 = (node.hi[i] - p[i]) * inv[i];
        near = near.max(t1.min(t2));
        far = far.min(t1.max(t2));
    }
    // A little slack, so a hit on the box's face is not lost to rounding.
    near <= far * (1.0 + 1e-12) + 1e-300
}

fn box_distance2(p: Point, node: &Node) -> f64 {
    (0..3)
        .map(|i| {
            let d = (node.lo[i] - p[i]).max(p[i] - node.hi[i]).max(0.0);
            d * d
        })
        .sum()
}

/// The squared distance from `p` to the triangle (Ericson, Real-Time Collision Detection,
/// §5.1.5: the closest point by the Voronoi region `p` is in).
fn triangle_distance2(p: Point, [a, b, c]: [Point; 3]) -> f64 {
    let closest = |q: Point| {
        let d = sub(p, q);
        dot(d, d)
    };
    let at = |o: Point, e: Point, t: f64| -> Point { std::array::from_fn(|i| o[i] + t * e[i]) };
    let (ab, ac, ap) = (sub(b, a), sub(c, a), sub(p, a));
    let (d1, d2) = (dot(ab, ap), dot(ac, ap));
    if d1 <= 0.0 && d2 <= 0.0 {
        return closest(a);
    }
    let bp = sub(p, b);
    let (d3, d4) = (dot(ab, bp), dot(ac, bp));
    if d3 >= 0.0 && d4 <= d3 {
        return closest(b);
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        return closest(at(a, ab, d1 / (d1 - d3)));
    }
    let cp = sub(p, c);
    let (d5, d6) = (dot(ab, cp), dot(ac, cp));
    if d6 >= 0.0 && d5 <= d6 {
        return closest(c);
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        return closest(at(a, ac, d2 / (d2 - d6)));
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        return closest(at(b, sub(c, b), (d4 - d3) / ((d4 - d3) + (d5 - d6))));
    }
    let denom = 1.0 / (va + vb + vc);
    let (v, w) = (vb * denom, vc * denom);
    closest(std::array::from_fn(|i| a[i] + ab[i] * v + ac[i] * w))
}
