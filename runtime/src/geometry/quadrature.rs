//! Quadrature over a shape, for integrals of trained fields: weights and points whose
//! weighted sum of an integrand's values estimates its integral over the shape's boundary
//! (or one part of it) or over the shape itself.
//!
//! On the boundary of a 2-D shape the rule is deterministic: every smooth piece of every
//! primitive (a rectangle's or polygon's side, a whole circle, an ellipse) is cut into equal
//! steps of its exact parametrisation and sampled at their midpoints (uniform in arc length;
//! the ellipse uniform in its angle, weighted by the speed), and the points the set
//! operations leave off the composed boundary are dropped. On a side the rule is the
//! midpoint rule (error O(h²) for a smooth integrand); on a whole circle or ellipse it is the
//! periodic trapezoidal rule, exact to rounding for a smooth integrand once the steps
//! resolve it. Where a piece is cut by another shape the error is of the order of one step.
//! Surfaces in 3-D and the interior of any shape are integrated by quasi-Monte Carlo (Sobol'
//! points over the pieces' summed area, or over the tightened bounding box, kept where on the
//! boundary or inside), with the standard error of the equivalent Monte Carlo estimate.

use super::csg::Shape;
use super::primitive::Primitive;
use super::sample::Pieces;
use super::GeometryError;
use crate::rng::Rng;
use crate::sampling::{self, Sampler};
use rayon::prelude::*;
use std::f64::consts::TAU;

/// Points (as columns: `points[j][i]` is coordinate `j` of point `i`), outward unit normals
/// at them (boundary rules only; empty for the interior) and weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrature {
    pub points: Vec<Vec<f64>>,
    pub normals: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
    /// For a Monte Carlo rule, how many candidates were drawn (kept or not), each with the
    /// same weight; `None` for a deterministic rule.
    pub candidates: Option<usize>,
}

/// An integral's estimate and its standard error (0 for a deterministic rule, whose error
/// is a discretisation error, not a statistical one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub std_error: f64,
}

impl Quadrature {
    /// How many points the rule evaluates the integrand at.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The rule applied to the integrand's values at its points. For a Monte Carlo rule
    /// with N candidates and estimate I, the standard error is that of the mean of the N
    /// terms Y_j = N w f_j (0 for the candidates not kept): sqrt((Σ Y² − N I²) / (N (N − 1))).
    pub fn integrate(&self, values: &[f64]) -> Estimate {
        let value: f64 = self.weights.iter().zip(values).map(|(w, f)| w * f).sum();
        let std_error = match self.candidates {
            Some(n) if n > 1 => {
                let n = n as f64;
                let squares: f64 = self
                    .weights
                    .iter()
                    .zip(values)
                    .map(|(w, f)| (n * w * f).powi(2))
                    .sum();
                ((squares - n * value * value).max(0.0) / (n * (n - 1.0))).sqrt()
            }
            _ => 0.0,
        };
        Estimate { value, std_error }
    }
}

impl Shape {
    /// A rule for the composed boundary, or the named `part` of it: deterministic with
    /// about `n` points in all in 2-D (at least 16 per piece), quasi-Monte Carlo from `n`
    /// candidates in 3-D.
    pub fn boundary_quadrature(
        &self,
        part: Option<&str>,
        n: usize,
        rng: &mut Rng,
    ) -> Result<Quadrature, GeometryError> {
        let pieces = Pieces::new(self, part)?;
        let total = pieces.total();
        let n = n.max(1);
        if self.dim() == 3 {
            let candidates = pieces.candidates(Sampler::Sobol, n, rng)?;
            let weight = total / n as f64;
            let mut q = empty(3);
            for c in candidates.iter().filter(|c| c.on_boundary) {
                push(&mut q, &c.point, Some(&c.normal), weight, 3);
            }
            q.candidates = Some(n);
            return Ok(q);
        }
        let leaves = self.leaves();
        let flipped = self.flipped();
        let mut candidates = Vec::new();
        for &index in pieces.chosen() {
            let leaf = &leaves[index];
            let scale = leaf.transform.scale();
            let sign = if flipped[index] { -1.0 } else { 1.0 };
            let local = leaf.primitive.pieces();
            let local_total: f64 = local.iter().sum();
            let mut before = 0.0;
            for &length in &local {
                let steps = ((n as f64 * length * scale / total).ceil() as usize).max(16);
                for k in 0..steps {
                    let f = (k as f64 + 0.5) / steps as f64;
                    let (p, normal, weight) = match &leaf.primitive {
                        Primitive::Ellipse { center, semi_axes } => {
                            let [a, b] = *semi_axes;
                            let (s, c) = (TAU * f).sin_cos();
                            let speed = (a * s).hypot(b * c);
                            (
                                [center[0] + a * c, center[1] + b * s, 0.0],
                                [b * c / speed, a * s / speed, 0.0],
                                speed * TAU / steps as f64,
                            )
                        }
                        primitive => {
                            let u = (before + f * length) / local_total;
                            let (p, normal) = primitive.boundary_point(&local, [u, 0.0], rng);
                            (p, normal, length / steps as f64)
                        }
                    };
                    let point = leaf.transform.apply(p);
                    let normal = leaf.transform.rotate(normal).map(|c| sign * c);
                    candidates.push((point, normal, weight * scale));
                }
                before += length;
            }
        }
        let kept: Vec<bool> = candidates
            .par_iter()
            .with_min_len(1024)
            .map(|(p, normal, _)| self.on_boundary(*p, *normal))
            .collect();
        let mut q = empty(2);
        for ((p, normal, w), _) in candidates.iter().zip(&kept).filter(|(_, &k)| k) {
            push(&mut q, p, Some(normal), *w, 2);
        }
        Ok(q)
    }

    /// A quasi-Monte Carlo rule for the shape's interior: `n` Sobol' candidates over its
    /// tightened bounding box, kept where inside, each weighted by the box's volume over n.
    pub fn interior_quadrature(
        &self,
        n: usize,
        rng: &mut Rng,
    ) -> Result<Quadrature, GeometryError> {
        let dim = self.dim();
        let bounds = self.bounds();
        if bounds.iter().any(|&(lo, hi)| lo >= hi) {
            return Err(GeometryError::Empty { what: "interior" });
        }
        let n = n.max(2);
        let volume: f64 = bounds.iter().map(|(lo, hi)| hi - lo).product();
        let candidates =
            sampling::sample(Sampler::Sobol, &bounds, n, rng).map_err(GeometryError::Sampler)?;
        let point = |i: usize| -> [f64; 3] {
            std::array::from_fn(|j| candidates.get(j).map_or(0.0, |c| c[i]))
        };
        let inside: Vec<bool> = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| self.contains(&point(i)[..dim]))
            .collect();
        let mut q = empty(dim);
        for i in (0..n).filter(|&i| inside[i]) {
            push(&mut q, &point(i), None, volume / n as f64, dim);
        }
        q.normals.clear();
        q.candidates = Some(n);
        Ok(q)
    }
}

fn empty(dim: usize) -> Quadrature {
    Quadrature {
        points: vec![Vec::new(); dim],
        normals: vec![Vec::new(); dim],
        weights: Vec::new(),
        candidates: None,
    }
}

fn push(q: &mut Quadrature, p: &[f64; 3], normal: Option<&[f64; 3]>, weight: f64, dim: usize) {
    for j in 0..dim {
        q.points[j].push(p[j]);
        if let Some(normal) = normal {
            q.normals[j].push(normal[j]);
        }
    }
    q.weights.push(weight);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn rng() -> Rng {
        Rng::new(7)
    }

    #[test]
    fn perimeters_and_boundary_integrals_match_closed_forms() {
        // A unit square minus a disk of radius 0.2: perimeter 4 + 0.4π.
        let square = Shape::from(Primitive::rectangle([0.0, 0.0], [1.0, 1.0]).unwrap());
        let hole = Shape::from(Primitive::disk([0.5, 0.5], 0.2).unwrap()).named("hole");
        let plate = square.difference(hole).unwrap();
        let q = plate.boundary_quadrature(None, 4000, &mut rng()).unwrap();
        let ones = vec![1.0; q.len()];
        let perimeter = q.integrate(&ones);
        assert!(
            (perimeter.value - (4.0 + 0.4 * PI)).abs() < 1e-9,
            "{perimeter:?}"
        );
        assert_eq!(perimeter.std_error, 0.0);
        // On the hole the outward normal points into the disk: ∮ x n_x ds = −πr².
        let q = plate
            .boundary_quadrature(Some("hole"), 1000, &mut rng())
            .unwrap();
        let xn: Vec<f64> = (0..q.len())
            .map(|i| q.points[0][i] * q.normals[0][i])
            .collect();
        let flux = q.integrate(&xn).value;
        assert!((flux + PI * 0.04).abs() < 1e-12, "{flux}");
        // The trapezoidal rule on a circle is exact for trigonometric polynomials.
        let cos2: Vec<f64> = (0..q.len())
            .map(|i| ((q.points[0][i] - 0.5) / 0.2).powi(2))
            .collect();
        let ring = q.integrate(&cos2).value;
        assert!((ring - 0.2 * PI).abs() < 1e-12, "{ring}");
    }

    #[test]
    fn ellipse_perimeter_and_cut_sides() {
        let e = Shape::from(Primitive::ellipse([0.0, 0.0], [2.0, 1.0]).unwrap());
        let q = e.boundary_quadrature(None, 2000, &mut rng()).unwrap();
        let p = q.integrate(&vec![1.0; q.len()]).value;
        // The perimeter of the ellipse with semi-axes 2 and 1, 8 E(3/4).
        assert!((p - 9.688_448_220_547_675).abs() < 1e-9, "{p}");
        // Two overlapping rectangles: sides cut where the other begins (perimeter 8).
        let a = Shape::from(Primitive::rectangle([0.0, 0.0], [2.0, 1.0]).unwrap());
        let b = Shape::from(Primitive::rectangle([1.0, 0.5], [1.5, 2.0]).unwrap());
        let l = a.union(b).unwrap();
        let q = l.boundary_quadrature(None, 20_000, &mut rng()).unwrap();
        let p = q.integrate(&vec![1.0; q.len()]).value;
        assert!((p - 8.0).abs() < 2e-3, "{p}");
    }

    #[test]
    fn interior_and_surface_monte_carlo_with_standard_errors() {
        let disk = Shape::from(Primitive::disk([0.0, 0.0], 1.0).unwrap());
        let q = disk.interior_quadrature(1 << 16, &mut rng()).unwrap();
        let area = q.integrate(&vec![1.0; q.len()]);
        assert!(area.std_error > 0.0 && area.std_error < 0.01, "{area:?}");
        assert!((area.value - PI).abs() < 4.0 * area.std_error, "{area:?}");
        // ∫ x² over the unit disk = π/4.
        let x2: Vec<f64> = q.points[0].iter().map(|x| x * x).collect();
        let m = q.integrate(&x2);
        assert!((m.value - PI / 4.0).abs() < 4.0 * m.std_error, "{m:?}");
        let ball = Shape::from(Primitive::sphere([0.0, 0.0, 0.0], 1.0).unwrap());
        let q = ball.boundary_quadrature(None, 1 << 14, &mut rng()).unwrap();
        let area = q.integrate(&vec![1.0; q.len()]);
        assert!((area.value - 4.0 * PI).abs() < 1e-9, "{area:?}");
        // The mean of z² over the sphere is 1/3.
        let z2: Vec<f64> = q.points[2].iter().map(|z| z * z).collect();
        let m = q.integrate(&z2);
        assert!(m.std_error > 0.0, "{m:?}");
        assert!(
            (m.value - 4.0 * PI / 3.0).abs() < 4.0 * m.std_error,
            "{m:?}"
        );
    }
}
