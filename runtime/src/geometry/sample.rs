//! Points of a shape for training: interior points by rejection from the shape's tightened
//! bounding box, and boundary points uniform in arc length (2-D) or area (3-D) over the
//! composed boundary (or one named part of it), with outward unit normals and the primitive
//! each lies on. Candidates come from `sampling` (uniform, Latin hypercube, Sobol') with
//! the caller's `Rng`, drawn in order on one thread; only the inside and on-boundary tests
//! run in parallel (rayon, order-preserving), so a seed gives the same points on any number
//! of threads.

use super::csg::Shape;
use super::primitive::choose;
use super::GeometryError;
use crate::rng::Rng;
use crate::sampling::{self, Sampler};
use rayon::prelude::*;

/// Boundary points as columns: `points[j][i]` is coordinate `j` of point `i`, `normals[j][i]`
/// the same component of its outward unit normal, `primitive[i]` the index of the primitive
/// it lies on (`Shape::part_of` names its part).
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryPoints {
    pub points: Vec<Vec<f64>>,
    pub normals: Vec<Vec<f64>>,
    pub primitive: Vec<usize>,
}

/// Rejection gives up when this many candidates gave no point at all…
const EMPTY_AFTER: usize = 1 << 17;
/// …or when the acceptance rate stays below this (a shape this thin needs its own box).
const MIN_RATE: f64 = 1e-4;
/// Candidates per parallel task of the interior's inside test.
const CHUNK: usize = 4096;
/// The largest batch of candidates drawn at once.
const MAX_BATCH: usize = 1 << 22;

/// Accumulates accepted candidates until `n`, and decides when rejection has failed.
struct Rejection {
    n: usize,
    kept: usize,
    drawn: usize,
}

impl Rejection {
    fn new(n: usize) -> Rejection {
        Rejection {
            n,
            kept: 0,
            drawn: 0,
        }
    }

    fn done(&self) -> bool {
        self.kept >= self.n
    }

    /// How many candidates to draw next: enough for the rest at the rate seen so far.
    fn batch(&self) -> usize {
        let rate = if self.drawn == 0 {
            1.0
        } else {
            (self.kept as f64 / self.drawn as f64).max(MIN_RATE)
        };
        let need = (self.n - self.kept) as f64 / rate;
        ((need * 1.1).ceil() as usize + 16).min(MAX_BATCH)
    }

    fn record(
        &mut self,
        drawn: usize,
        kept: usize,
        what: &'static str,
    ) -> Result<(), GeometryError> {
        self.drawn += drawn;
        self.kept += kept;
        let starved = self.kept == 0 && self.drawn >= EMPTY_AFTER;
        let thin = self.drawn >= EMPTY_AFTER
            && !self.done()
            && (self.kept as f64) < MIN_RATE * self.drawn as f64;
        if starved || thin {
            Err(GeometryError::Empty { what })
        } else {
            Ok(())
        }
    }
}

impl Shape {
    /// `n` points inside the shape, as columns (one per dimension).
    pub fn sample_interior(
        &self,
        sampler: Sampler,
        n: usize,
        rng: &mut Rng,
    ) -> Result<Vec<Vec<f64>>, GeometryError> {
        let dim = self.dim();
        let bounds = self.bounds();
        if bounds.iter().any(|&(lo, hi)| lo >= hi) {
            return Err(GeometryError::Empty { what: "interior" });
        }
        let mut out = vec![Vec::with_capacity(n); dim];
        let mut rejection = Rejection::new(n);
        while !rejection.done() {
            let batch = rejection.batch();
            let candidates =
                sampling::sample(sampler, &bounds, batch, rng).map_err(GeometryError::Sampler)?;
            let mut inside = vec![false; batch];
            let column = |j: usize| candidates.get(j).map_or(&[][..], |c| &c[..]);
            inside
                .par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(k, out)| {
                    let range = k * CHUNK..k * CHUNK + out.len();
                    let part = |j: usize| column(j).get(range.clone()).unwrap_or(&[]);
                    self.contains_all([part(0), part(1), part(2)], out);
                });
            let mut kept = 0;
            for i in (0..batch).filter(|&i| inside[i]) {
                if rejection.kept + kept == n {
                    break;
                }
                for (column, candidate) in out.iter_mut().zip(&candidates) {
                    column.push(candidate[i]);
                }
                kept += 1;
            }
            rejection.record(batch, kept, "interior")?;
        }
        Ok(out)
    }

    /// `n` points on the composed boundary, or on the named `part` of it, uniform in arc
    /// length / area. Each primitive's boundary is sampled in proportion to its measure and
    /// only the points on the composed boundary are kept; normals of cut-out primitives are
    /// reversed so that every normal points out of the composed shape.
    pub fn sample_boundary(
        &self,
        sampler: Sampler,
        n: usize,
        part: Option<&str>,
        rng: &mut Rng,
    ) -> Result<BoundaryPoints, GeometryError> {
        let dim = self.dim();
        let pieces = Pieces::new(self, part)?;
        let mut out = BoundaryPoints {
            points: vec![Vec::with_capacity(n); dim],
            normals: vec![Vec::with_capacity(n); dim],
            primitive: Vec::with_capacity(n),
        };
        let what = if part.is_some() {
            "part boundary"
        } else {
            "boundary"
        };
        let mut rejection = Rejection::new(n);
        while !rejection.done() {
            let batch = rejection.batch();
            let candidates = pieces.candidates(sampler, batch, rng)?;
            let mut kept = 0;
            for candidate in candidates.iter().filter(|c| c.on_boundary) {
                if rejection.kept + kept == n {
                    break;
                }
                for j in 0..dim {
                    out.points[j].push(candidate.point[j]);
                    out.normals[j].push(candidate.normal[j]);
                }
                out.primitive.push(candidate.primitive);
                kept += 1;
            }
            rejection.record(batch, kept, what)?;
        }
        Ok(out)
    }
}

/// A point drawn on one primitive's boundary, world coordinates, before rejection.
pub(super) struct Candidate {
    pub primitive: usize,
    pub point: [f64; 3],
    pub normal: [f64; 3],
    pub on_boundary: bool,
}

/// The primitives whose boundaries are sampled (all, or one part's), with their pieces'
/// measures computed once.
pub(super) struct Pieces<'a> {
    shape: &'a Shape,
    chosen: Vec<usize>,
    pieces: Vec<Vec<f64>>,
    /// World measure of each chosen primitive's whole boundary.
    measures: Vec<f64>,
    flipped: Vec<bool>,
}

impl<'a> Pieces<'a> {
    pub fn new(shape: &'a Shape, part: Option<&str>) -> Result<Pieces<'a>, GeometryError> {
        let leaves = shape.leaves();
        let chosen: Vec<usize> = (0..leaves.len())
            .filter(|&i| part.is_none() || leaves[i].part.as_deref() == part)
            .collect();
        if chosen.is_empty() {
            return Err(GeometryError::UnknownPart {
                name: part.unwrap_or_default().to_string(),
            });
        }
        let pieces: Vec<Vec<f64>> = chosen
            .iter()
            .map(|&i| leaves[i].primitive.pieces())
            .collect();
        let exponent = shape.dim() as i32 - 1;
        let measures = chosen
            .iter()
            .zip(&pieces)
            .map(|(&i, p)| p.iter().sum::<f64>() * leaves[i].transform.scale().powi(exponent))
            .collect();
        Ok(Pieces {
            shape,
            chosen,
            pieces,
            measures,
            flipped: shape.flipped(),
        })
    }

    /// The summed boundary measure of the chosen primitives: the composed boundary's
    /// measure is this times the fraction of candidates on it.
    pub fn total(&self) -> f64 {
        self.measures.iter().sum()
    }

    /// The indices of the chosen primitives among the shape's leaves.
    pub fn chosen(&self) -> &[usize] {
        &self.chosen
    }

    /// `batch` candidates, uniform over the chosen primitives' boundaries.
    pub fn candidates(
        &self,
        sampler: Sampler,
        batch: usize,
        rng: &mut Rng,
    ) -> Result<Vec<Candidate>, GeometryError> {
        let dim = self.shape.dim();
        let leaves = self.shape.leaves();
        let unit = vec![(0.0, 1.0); dim - 1];
        let u = sampling::sample(sampler, &unit, batch, rng).map_err(GeometryError::Sampler)?;
        // Mapping onto the primitives draws from `rng` (the ellipse's rejection), so it runs
        // in order; the composed-boundary test after it is the costly part.
        let mut candidates: Vec<Candidate> = (0..batch)
            .map(|i| {
                let (k, f) = choose(&self.measures, u[0][i]);
                let second = if dim == 3 { u[1][i] } else { 0.0 };
                let index = self.chosen[k];
                let leaf = &leaves[index];
                let (p, normal) = leaf
                    .primitive
                    .boundary_point(&self.pieces[k], [f, second], rng);
                let sign = if self.flipped[index] { -1.0 } else { 1.0 };
                Candidate {
                    primitive: index,
                    point: leaf.transform.apply(p),
                    normal: leaf.transform.rotate(normal).map(|c| sign * c),
                    on_boundary: false,
                }
            })
            .collect();
        candidates
            .par_iter_mut()
            .with_min_len(4096)
            .for_each(|c| c.on_boundary = self.shape.on_boundary(c.point, c.normal));
        Ok(candidates)
    }
}
