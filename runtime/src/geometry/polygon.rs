//! Simple polygons (triangles included) in the plane: validation (at least three vertices,
//! no zero-length edge, no two edges that cross or touch other than neighbours at their
//! shared vertex, non-zero area), the inside test by winding number, and the exact distance
//! to the edges.

use super::GeometryError;

pub type Vertex = [f64; 2];

/// Checks a vertex list and returns twice its signed area (positive when counter-clockwise).
pub fn validate(vertices: &[Vertex]) -> Result<f64, GeometryError> {
    let n = vertices.len();
    if n < 3 {
        return Err(GeometryError::TooFewVertices { count: n });
    }
    for v in vertices {
        super::transform::check_finite(v, "polygon vertex")?;
    }
    let edge = |i: usize| (vertices[i], vertices[(i + 1) % n]);
    for i in 0..n {
        let (a, b) = edge(i);
        if a == b {
            return Err(GeometryError::SelfIntersecting {
                first: i,
                second: i,
            });
        }
    }
    // O(n²) pairs: polygons written in a source file are small.
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = edge(i);
            let (c, d) = edge(j);
            let neighbours = j == i + 1 || (i == 0 && j == n - 1);
            let meet = if neighbours {
                // They share one vertex; they may not fold back over each other.
                let (shared, other_i, other_j) = if j == i + 1 { (b, a, d) } else { (a, b, c) };
                folds_back(shared, other_i, other_j)
            } else {
                segments_meet(a, b, c, d)
            };
            if meet {
                return Err(GeometryError::SelfIntersecting {
                    first: i,
                    second: j,
                });
            }
        }
    }
    let area2 = twice_signed_area(vertices);
    if area2 == 0.0 {
        return Err(GeometryError::ZeroArea);
    }
    Ok(area2)
}

pub fn twice_signed_area(vertices: &[Vertex]) -> f64 {
    let n = vertices.len();
    (0..n)
        .map(|i| {
            let (a, b) = (vertices[i], vertices[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

fn cross(o: Vertex, a: Vertex, b: Vertex) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// Whether `p`, known collinear with segment `ab`, lies on it.
fn on_segment(a: Vertex, b: Vertex, p: Vertex) -> bool {
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// Whether the closed segments `ab` and `cd` have a point in common.
fn segments_meet(a: Vertex, b: Vertex, c: Vertex, d: Vertex) -> bool {
    let (d1, d2) = (cross(c, d, a), cross(c, d, b));
    let (d3, d4) = (cross(a, b, c), cross(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(c, d, a))
        || (d2 == 0.0 && on_segment(c, d, b))
        || (d3 == 0.0 && on_segment(a, b, c))
        || (d4 == 0.0 && on_segment(a, b, d))
}

/// Whether two edges leaving `shared` towards `p` and `q` overlap (collinear, same way).
fn folds_back(shared: Vertex, p: Vertex, q: Vertex) -> bool {
    let u = [p[0] - shared[0], p[1] - shared[1]];
    let v = [q[0] - shared[0], q[1] - shared[1]];
    u[0] * v[1] - u[1] * v[0] == 0.0 && u[0] * v[0] + u[1] * v[1] > 0.0
}

/// Whether `p` is inside or on the polygon (crossing number, with points on an edge in).
pub fn contains(vertices: &[Vertex], p: Vertex) -> bool {
    let n = vertices.len();
    let mut inside = false;
    for i in 0..n {
        let (a, b) = (vertices[i], vertices[(i + 1) % n]);
        if cross(a, b, p) == 0.0 && on_segment(a, b, p) {
            return true;
        }
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// The distance from `p` to the nearest edge.
pub fn edge_distance(vertices: &[Vertex], p: Vertex) -> f64 {
    let n = vertices.len();
    (0..n)
        .map(|i| {
            let (a, b) = (vertices[i], vertices[(i + 1) % n]);
            let e = [b[0] - a[0], b[1] - a[1]];
            let w = [p[0] - a[0], p[1] - a[1]];
            let t = ((w[0] * e[0] + w[1] * e[1]) / (e[0] * e[0] + e[1] * e[1])).clamp(0.0, 1.0);
            (w[0] - t * e[0]).hypot(w[1] - t * e[1])
        })
        .fold(f64::INFINITY, f64::min)
}

/// Signed distance: negative inside.
pub fn signed_distance(vertices: &[Vertex], p: Vertex) -> f64 {
    let d = edge_distance(vertices, p);
    if contains(vertices, p) {
        -d
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: [Vertex; 4] = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];

    #[test]
    fn valid_polygons_and_their_orientation() {
        assert_eq!(validate(&SQUARE), Ok(2.0));
        let mut clockwise = SQUARE;
        clockwise.reverse();
        assert_eq!(validate(&clockwise), Ok(-2.0));
        // An L shape: concave but simple.
        let l = [
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 1.0],
            [1.0, 1.0],
            [1.0, 2.0],
            [0.0, 2.0],
        ];
        assert_eq!(validate(&l), Ok(6.0));
        assert!(contains(&l, [0.5, 1.5]) && !contains(&l, [1.5, 1.5]));
        assert!((signed_distance(&l, [1.5, 1.5]) - 0.5).abs() < 1e-15);
        assert!((signed_distance(&l, [0.25, 0.5]) + 0.25).abs() < 1e-15);
    }

    #[test]
    fn bad_polygons_name_what_is_wrong() {
        assert_eq!(
            validate(&SQUARE[..2]),
            Err(GeometryError::TooFewVertices { count: 2 })
        );
        let bowtie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]];
        assert_eq!(
            validate(&bowtie),
            Err(GeometryError::SelfIntersecting {
                first: 0,
                second: 2
            })
        );
        let repeated = [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        assert_eq!(
            validate(&repeated),
            Err(GeometryError::SelfIntersecting {
                first: 1,
                second: 1
            })
        );
        let line = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]];
        assert!(validate(&line).is_err());
        // A vertex touching a non-adjacent edge.
        let touching = [[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [2.0, 0.0], [0.0, 2.0]];
        assert_eq!(
            validate(&touching),
            Err(GeometryError::SelfIntersecting {
                first: 0,
                second: 2
            })
        );
        // A spike folding back along its own edge.
        let spike = [[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        assert!(validate(&spike).is_err());
        assert!(matches!(
            validate(&[[0.0, 0.0], [f64::NAN, 0.0], [0.0, 1.0]]),
            Err(GeometryError::NotFinite { .. })
        ));
    }
}
