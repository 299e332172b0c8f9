//! The fixed input features of a network: normalised coordinates, exact periodicity and
//! random Fourier features. Every fixed feature is φ(c·x + p) with φ the identity or sin
//! and x the physical inputs, so its jets are closed-form (c·x + p is linear:
//! D^J φ = φ^(|J|)(c·x + p) · Π_k c_{J_k}) and nothing in it is trained.

use super::jets::JetSet;
use crate::rng::Rng;
use crate::scalar::Scalar;
use std::f64::consts::{FRAC_PI_2, PI};

/// How a network sees its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// Per input: the network sees (x − center) / half_width, so the box maps to [−1, 1].
    pub center: Vec<f64>,
    pub half_width: Vec<f64>,
    /// Per input: `Some(period)` makes the network exactly periodic in it: the input is
    /// replaced by cos(2πx/L), sin(2πx/L) (its center and half-width are then unused).
    pub period: Vec<Option<f64>>,
    /// Random Fourier features (count m, std sigma): 2m extra features sin(2π b·x̃),
    /// cos(2π b·x̃) with b ~ N(0, sigma²) per (feature, input), drawn at construction. For a
    /// periodic input the term is 2π·round(b)·x/L, an integer number of cycles per period,
    /// so periodicity stays exact (a coefficient that rounds to 0 leaves the feature
    /// constant along that input).
    pub fourier: Option<(usize, f64)>,
    /// Trainable Gaussian features (Physics-Informed Gaussians, Kang et al. 2024): count K
    /// and initial width sigma in normalised coordinates. φ_k(x) = exp(−½ Σ_i ((x̃_i −
    /// μ_ki)/σ_ki)²) with μ initialised uniformly in [−1, 1]^d and σ to sigma; μ and log σ
    /// are trained. Along a periodic input the Gaussian wraps around the circle (s = 2x/L
    /// in place of x̃), keeping periodicity exact. The first layer then sees
    /// [fixed features…, φ_1…φ_K].
    pub gaussian: Option<(usize, f64)>,
}

impl Embedding {
    /// Inputs used as they are: center 0, half-width 1, nothing periodic, no extra features.
    pub fn identity(inputs: usize) -> Embedding {
        Embedding {
            center: vec![0.0; inputs],
            half_width: vec![1.0; inputs],
            period: vec![None; inputs],
            fourier: None,
            gaussian: None,
        }
    }

    /// Inputs normalised from the box [lo, hi] (per input) to [−1, 1].
    pub fn for_box(lo: &[f64], hi: &[f64]) -> Embedding {
        let mut e = Embedding::identity(lo.len());
        e.center = lo.iter().zip(hi).map(|(l, h)| 0.5 * (l + h)).collect();
        e.half_width = lo.iter().zip(hi).map(|(l, h)| 0.5 * (h - l)).collect();
        e
    }

    pub(crate) fn validate(&self, inputs: usize) -> Result<(), String> {
        for (name, len) in [
            ("center", self.center.len()),
            ("half_width", self.half_width.len()),
            ("period", self.period.len()),
        ] {
            if len != inputs {
                return Err(format!(
                    "embedding {name} has {len} entries for {inputs} inputs"
                ));
            }
        }
        for i in 0..inputs {
            let (c, hw) = (self.center[i], self.half_width[i]);
            if !(c.is_finite() && hw.is_finite() && hw > 0.0) {
                return Err(format!(
                    "input {i}: center {c} and half-width {hw} must be finite, the half-width positive"
                ));
            }
            if let Some(l) = self.period[i] {
                if !(l.is_finite() && l > 0.0) {
                    return Err(format!("input {i}: period {l} must be finite and positive"));
                }
            }
        }
        for (name, extra) in [("Fourier", self.fourier), ("Gaussian", self.gaussian)] {
            if let Some((count, sigma)) = extra {
                if count == 0 || !(sigma.is_finite() && sigma > 0.0) {
                    return Err(format!(
                        "{name} features need a positive count and a finite positive sigma, got ({count}, {sigma})"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Identity,
    Sin,
}

/// The fixed features of an embedding, as φ(c·x + p).
#[derive(Debug, Clone)]
pub(crate) struct FixedFeatures<T> {
    inputs: usize,
    shapes: Vec<Shape>,
    /// Row per feature: c (one coefficient per input).
    coef: Vec<T>,
    phase: Vec<T>,
}

impl<T: Scalar> FixedFeatures<T> {
    /// Normalised or periodic coordinates first, then the Fourier features, drawing their
    /// frequencies from `rng`.
    pub(crate) fn new(emb: &Embedding, rng: &mut Rng) -> FixedFeatures<T> {
        let inputs = emb.center.len();
        let mut rows: Vec<(Shape, Vec<f64>, f64)> = Vec::new();
        for i in 0..inputs {
            let mut c = vec![0.0; inputs];
            match emb.period[i] {
                Some(l) => {
                    c[i] = 2.0 * PI / l;
                    rows.push((Shape::Sin, c.clone(), FRAC_PI_2)); // cos
                    rows.push((Shape::Sin, c, 0.0));
                }
                None => {
                    c[i] = 1.0 / emb.half_width[i];
                    rows.push((Shape::Identity, c, -emb.center[i] / emb.half_width[i]));
                }
            }
        }
        if let Some((m, sigma)) = emb.fourier {
            let draws: Vec<(Vec<f64>, f64)> =
                (0..m).map(|_| fourier_row(emb, sigma, rng)).collect();
            for shift in [0.0, FRAC_PI_2] {
                for (c, p) in &draws {
                    rows.push((Shape::Sin, c.clone(), p + shift));
                }
            }
        }
        FixedFeatures {
            inputs,
            shapes: rows.iter().map(|r| r.0).collect(),
            coef: rows
                .iter()
                .flat_map(|r| r.1.iter())
                .map(|&v| T::from_f64_lossy(v))
                .collect(),
            phase: rows.iter().map(|r| T::from_f64_lossy(r.2)).collect(),
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.shapes.len()
    }

    /// Writes the jets of every fixed feature into columns `0..count()` of the row-major
    /// feature matrix `out` ((jets · n) rows of `stride` columns); `x` is input-major.
    pub(crate) fn fill(&self, jets: &JetSet, x: &[T], n: usize, out: &mut [T], stride: usize) {
        let d = self.inputs;
        for (f, &shape) in self.shapes.iter().enumerate() {
            let c = &self.coef[f * d..(f + 1) * d];
            let z = |p: usize| (0..d).fold(self.phase[f], |acc, i| acc + c[i] * x[i * n + p]);
            // Π_k c_{J_k}: the chain rule's factor for jet J of c·x + p.
            let scale = |jet: &[usize]| jet.iter().fold(T::one(), |acc, &i| acc * c[i]);
            match shape {
                // Column by column: the value is affine, its first derivatives constant, the
                // higher ones zero (this runs every step, for every point).
                Shape::Identity => {
                    for (j, jet) in jets.jets().iter().enumerate() {
                        // Column f of jet j's block of n rows.
                        let block = &mut out[j * n * stride..(j + 1) * n * stride];
                        let cells = block.chunks_exact_mut(stride).map(|row| &mut row[f]);
                        match jet.len() {
                            0 => cells.enumerate().for_each(|(p, v)| *v = z(p)),
                            1 => {
                                let slope = scale(jet);
                                cells.for_each(|v| *v = slope);
                            }
                            _ => cells.for_each(|v| *v = T::zero()),
                        }
                    }
                }
                // Point by point, so sin and cos are evaluated once per point.
                Shape::Sin => {
                    for p in 0..n {
                        let (s, co) = z(p).sin_cos();
                        for (j, jet) in jets.jets().iter().enumerate() {
                            let value = scale(jet) * [s, co, -s, -co][jet.len() % 4];
                            out[(j * n + p) * stride + f] = value;
                        }
                    }
                }
            }
        }
    }
}

/// One Fourier frequency row: coefficients on x and the phase of 2π b·x̃.
fn fourier_row(emb: &Embedding, sigma: f64, rng: &mut Rng) -> (Vec<f64>, f64) {
    let mut phase = 0.0;
    let c = (0..emb.center.len())
        .map(|i| {
            let b = sigma * rng.normal();
            match emb.period[i] {
                Some(l) => 2.0 * PI * b.round() / l,
                None => {
                    let k = 2.0 * PI * b / emb.half_width[i];
                    phase -= k * emb.center[i];
                    k
                }
            }
        })
        .collect();
    (c, phase)
}
