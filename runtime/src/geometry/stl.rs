//! STL files as triangle soups, and the checks that make one a closed mesh: reading binary
//! and ASCII STL (told apart by the binary layout's exact length, then by `solid` and text
//! without NUL bytes), welding vertices with equal coordinates, and refusing what cannot be
//! the boundary of a solid: no triangles, coordinates that are not finite, zero-area
//! triangles, edges not shared by exactly two triangles of opposite directions (an open or
//! inconsistently oriented mesh). Every error names the triangle (0-based, in file order),
//! vertex (0-based, in order of first appearance) or line it is about. `Mesh` (mesh.rs)
//! takes what this file accepts. Writers for both formats serve tests and exports.

use super::transform::Point;
use std::collections::HashMap;
use std::fmt;

/// Why bytes are not a usable closed STL mesh.
#[derive(Debug, Clone, PartialEq)]
pub enum StlError {
    /// The file could not be read.
    Unreadable {
        reason: String,
    },
    /// Not ASCII STL, and shorter than a binary STL's 84-byte header and count.
    TooShort {
        bytes: usize,
    },
    /// A binary STL whose length disagrees with its triangle count.
    Truncated {
        triangles: u64,
        expected: u64,
        bytes: usize,
    },
    /// ASCII STL that does not follow the grammar; `facet` counts from 0.
    Syntax {
        line: usize,
        facet: usize,
        message: String,
    },
    /// No triangles at all.
    Empty,
    NotFinite {
        triangle: usize,
    },
    /// A triangle with zero area (two equal vertices, or all three on one line).
    Degenerate {
        triangle: usize,
    },
    /// An edge only one triangle has: the mesh has a hole.
    Open {
        triangle: usize,
        from: (usize, Point),
        to: (usize, Point),
    },
    /// Two triangles run along an edge in the same direction: their orientations disagree,
    /// or more than two triangles meet at the edge.
    Inconsistent {
        triangle: usize,
        other: usize,
        from: (usize, Point),
        to: (usize, Point),
    },
    /// A closed, consistently oriented mesh that encloses no volume.
    NoVolume,
}

fn point(p: &Point) -> String {
    format!("({}, {}, {})", p[0], p[1], p[2])
}

impl fmt::Display for StlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StlError::Unreadable { reason } => write!(f, "cannot read the file: {reason}"),
            StlError::TooShort { bytes } => write!(
                f,
                "the file is neither ASCII STL (starting with `solid`) nor binary STL \
                 (84 bytes of header and count at least, it has {bytes})"
            ),
            StlError::Truncated {
                triangles,
                expected,
                bytes,
            } => write!(
                f,
                "the binary STL says it has {triangles} triangles, which take {expected} bytes, \
                 but the file has {bytes}: it is truncated or not STL"
            ),
            StlError::Syntax {
                line,
                facet,
                message,
            } => write!(f, "line {line} (facet {facet}): {message}"),
            StlError::Empty => write!(f, "the mesh has no triangles"),
            StlError::NotFinite { triangle } => {
                write!(f, "triangle {triangle} has a coordinate that is not finite")
            }
            StlError::Degenerate { triangle } => {
                write!(f, "triangle {triangle} has zero area")
            }
            StlError::Open { triangle, from, to } => write!(
                f,
                "the mesh is not closed: the edge of triangle {triangle} from vertex {} {} to \
                 vertex {} {} belongs to no other triangle",
                from.0,
                point(&from.1),
                to.0,
                point(&to.1)
            ),
            StlError::Inconsistent {
                triangle,
                other,
                from,
                to,
            } => write!(
                f,
                "triangles {other} and {triangle} both run from vertex {} {} to vertex {} {}: \
                 their orientations disagree, or more than two triangles share that edge",
                from.0,
                point(&from.1),
                to.0,
                point(&to.1)
            ),
            StlError::NoVolume => write!(f, "the mesh is closed but encloses no volume"),
        }
    }
}

impl std::error::Error for StlError {}

/// The triangles of an STL file, binary or ASCII, as written (no checks beyond the format).
pub fn parse(bytes: &[u8]) -> Result<Vec<[Point; 3]>, StlError> {
    if bytes.len() >= 84 {
        let count = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as u64;
        let expected = 84 + 50 * count;
        if expected == bytes.len() as u64 {
            return Ok(parse_binary(&bytes[84..], count as usize));
        }
        if !looks_ascii(bytes) {
            return Err(StlError::Truncated {
                triangles: count,
                expected,
                bytes: bytes.len(),
            });
        }
    }
    if looks_ascii(bytes) {
        // Checked above: ASCII bytes without NUL are UTF-8.
        parse_ascii(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        Err(StlError::TooShort { bytes: bytes.len() })
    }
}

fn looks_ascii(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|s| bytes[s..].starts_with(b"solid"))
        && bytes.iter().all(|&b| b != 0 && b.is_ascii())
}

fn parse_binary(body: &[u8], count: usize) -> Vec<[Point; 3]> {
    let f = |at: usize| f32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    (0..count)
        .map(|t| {
            // 12 bytes of normal (recomputed from the vertices), 36 of vertices, 2 spare.
            let base = 50 * t + 12;
            std::array::from_fn(|v| std::array::from_fn(|i| f(base + 12 * v + 4 * i) as f64))
        })
        .collect()
}

/// ASCII STL: `solid NAME`, then facets `facet normal nx ny nz / outer loop / vertex x y z
/// (three) / endloop / endfacet`, then `endsolid`.
fn parse_ascii(text: &str) -> Result<Vec<[Point; 3]>, StlError> {
    let mut tokens = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        if tokens.is_empty() {
            // The first line is `solid` and a name of any words.
            if let Some(first) = words.next() {
                tokens.push((first, i + 1));
            }
            continue;
        }
        tokens.extend(words.map(|w| (w, i + 1)));
    }
    let mut p = Ascii {
        tokens,
        at: 0,
        last_line: text.lines().count().max(1),
        triangles: Vec::new(),
    };
    p.expect("solid")?;
    loop {
        match p.tokens.get(p.at) {
            Some(&("endsolid", _)) => return Ok(p.triangles),
            Some(&("facet", _)) => p.at += 1,
            Some(&(w, line)) => {
                return Err(p.error(line, format!("expected `facet` or `endsolid`, found `{w}`")))
            }
            None => return Err(p.error(p.last_line, "the file ends before `endsolid`".into())),
        }
        p.expect("normal")?;
        for _ in 0..3 {
            p.number("normal")?;
        }
        p.expect("outer")?;
        p.expect("loop")?;
        let mut triangle = [[0.0; 3]; 3];
        for vertex in &mut triangle {
            p.expect("vertex")?;
            for x in vertex.iter_mut() {
                *x = p.number("vertex")?;
            }
        }
        p.expect("endloop")?;
        p.expect("endfacet")?;
        p.triangles.push(triangle);
    }
}

struct Ascii<'t> {
    tokens: Vec<(&'t str, usize)>,
    at: usize,
    last_line: usize,
    triangles: Vec<[Point; 3]>,
}

impl Ascii<'_> {
    fn next(&mut self) -> Option<(&str, usize)> {
        let token = self.tokens.get(self.at).copied();
        self.at += 1;
        token
    }

    fn expect(&mut self, word: &str) -> Result<(), StlError> {
        match self.next() {
            Some((w, _)) if w == word => Ok(()),
            Some((w, line)) => {
                let message = format!("expected `{word}`, found `{w}`");
                Err(self.error(line, message))
            }
            None => Err(self.error(
                self.last_line,
                format!("the file ends where `{word}` should be"),
            )),
        }
    }

    fn number(&mut self, after: &str) -> Result<f64, StlError> {
        match self.next() {
            Some((w, line)) => match w.parse() {
                Ok(x) => Ok(x),
                Err(_) => {
                    let message = format!("expected three numbers after `{after}`, found `{w}`");
                    Err(self.error(line, message))
                }
            },
            None => Err(self.error(self.last_line, format!("the file ends inside `{after}`"))),
        }
    }

    fn error(&self, line: usize, message: String) -> StlError {
        syntax(line, self.triangles.len(), message)
    }
}

fn syntax(line: usize, facet: usize, message: String) -> StlError {
    StlError::Syntax {
        line,
        facet,
        message,
    }
}

/// A closed, consistently oriented mesh: welded vertices and triangles of vertex indices,
/// each triangle's vertices counter-clockwise seen from outside (flipped here when the
/// whole file winds the other way).
pub(super) struct Closed {
    pub vertices: Vec<Point>,
    pub triangles: Vec<[u32; 3]>,
    /// Enclosed volume (positive).
    pub volume: f64,
}

/// Welds equal vertices and checks the mesh is closed and oriented (see the file's top).
pub(super) fn close(soup: &[[Point; 3]]) -> Result<Closed, StlError> {
    if soup.is_empty() {
        return Err(StlError::Empty);
    }
    let mut index: HashMap<[u64; 3], u32> = HashMap::new();
    let mut vertices: Vec<Point> = Vec::new();
    let mut triangles = Vec::with_capacity(soup.len());
    for (t, tri) in soup.iter().enumerate() {
        if tri.iter().flatten().any(|x| !x.is_finite()) {
            return Err(StlError::NotFinite { triangle: t });
        }
        let ids = tri.map(|p| {
            // −0 and +0 are one coordinate.
            let key = p.map(|x| (x + 0.0).to_bits());
            *index.entry(key).or_insert_with(|| {
                vertices.push(p);
                (vertices.len() - 1) as u32
            })
        });
        if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] || zero_area(tri) {
            return Err(StlError::Degenerate { triangle: t });
        }
        triangles.push(ids);
    }
    let mut edges: HashMap<(u32, u32), usize> = HashMap::with_capacity(3 * triangles.len());
    let vertex = |i: u32| (i as usize, vertices[i as usize]);
    for (t, ids) in triangles.iter().enumerate() {
        for k in 0..3 {
            let (a, b) = (ids[k], ids[(k + 1) % 3]);
            if let Some(&other) = edges.get(&(a, b)) {
                return Err(StlError::Inconsistent {
                    triangle: t,
                    other,
                    from: vertex(a),
                    to: vertex(b),
                });
            }
            edges.insert((a, b), t);
        }
    }
    for (t, ids) in triangles.iter().enumerate() {
        for k in 0..3 {
            let (a, b) = (ids[k], ids[(k + 1) % 3]);
            if !edges.contains_key(&(b, a)) {
                return Err(StlError::Open {
                    triangle: t,
                    from: vertex(a),
                    to: vertex(b),
                });
            }
        }
    }
    // Signed volume by the divergence theorem, about the first vertex (smaller rounding).
    let o = vertices[0];
    let rel = |i: u32| -> Point { std::array::from_fn(|j| vertices[i as usize][j] - o[j]) };
    let mut volume = 0.0;
    let mut extent = 0.0f64;
    for ids in &triangles {
        let [a, b, c] = ids.map(rel);
        volume += dot(a, cross(b, c)) / 6.0;
        extent = extent.max(a.iter().fold(0.0f64, |m, x| m.max(x.abs())));
    }
    if volume.abs() <= 1e-12 * extent.powi(3) {
        return Err(StlError::NoVolume);
    }
    if volume < 0.0 {
        for ids in &mut triangles {
            ids.swap(1, 2);
        }
    }
    Ok(Closed {
        vertices,
        triangles,
        volume: volume.abs(),
    })
}

fn zero_area(t: &[Point; 3]) -> bool {
    let e1 = sub(t[1], t[0]);
    let e2 = sub(t[2], t[0]);
    let n = cross(e1, e2);
    dot(n, n).sqrt() <= 1e-12 * (dot(e1, e1) + dot(e2, e2))
}

pub(super) fn sub(a: Point, b: Point) -> Point {
    std::array::from_fn(|i| a[i] - b[i])
}

pub(super) fn cross(a: Point, b: Point) -> Point {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub(super) fn dot(a: Point, b: Point) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Binary STL of `triangles` (coordinates rounded to f32, as the format stores them).
pub fn write_binary(triangles: &[[Point; 3]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(84 + 50 * triangles.len());
    let mut header = [b' '; 80];
    header[..12].copy_from_slice(b"physc binary");
    out.extend_from_slice(&header);
    out.extend_from_slice(&(triangles.len() as u32).to_le_bytes());
    for t in triangles {
        let n = unit(cross(sub(t[1], t[0]), sub(t[2], t[0])));
        for x in n.iter().chain(t.iter().flatten()) {
            out.extend_from_slice(&(*x as f32).to_le_bytes());
        }
        out.extend_from_slice(&[0, 0]);
    }
    out
}

/// ASCII STL of `triangles`, named `name`.
pub fn write_ascii(name: &str, triangles: &[[Point; 3]]) -> String {
    let mut out = format!("solid {name}\n");
    for t in triangles {
        let n = unit(cross(sub(t[1], t[0]), sub(t[2], t[0])));
        out += &format!(
            "  facet normal {:e} {:e} {:e}\n    outer loop\n",
            n[0], n[1], n[2]
        );
        for v in t {
            out += &format!("      vertex {:e} {:e} {:e}\n", v[0], v[1], v[2]);
        }
        out += "    endloop\n  endfacet\n";
    }
    out + &format!("endsolid {name}\n")
}

fn unit(v: Point) -> Point {
    let n = dot(v, v).sqrt();
    if n > 0.0 {
        v.map(|x| x / n)
    } else {
        v
    }
}
