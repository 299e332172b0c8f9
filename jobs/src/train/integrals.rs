//! The model's `integral`s after training: each integrand's compiled kernel (planned like a
//! loss term's residual, `problem::IntegralPlan`) evaluated with the trained network's jets
//! at the points of a quadrature rule over the domain or a piece of its boundary
//! (`physc_runtime::geometry::Quadrature`): deterministic on the boundary of a 2-D shape,
//! quasi-Monte Carlo with a standard error on 3-D surfaces and over the domain. In a model
//! with time the same rule is evaluated at every time of the output grid, so an integral
//! becomes a series (the mass of a diffusing field, the energy of a wave over the run).

use super::loss::kernel_params;
use super::problem::{IntegralPlan, Problem, Region, Source};
use physc_compiler::codegen::cranelift::JitReal;
use physc_compiler::codegen::kernels::cached;
use physc_runtime::geometry::Quadrature;
use physc_runtime::nn::{FieldNetworks, FieldTape, JetSet};
use physc_runtime::rng::Rng;
use physc_runtime::sampling::{self, Sampler};
use physc_runtime::Scalar;

/// Points of the deterministic rule on a 2-D boundary (about; at least 16 per piece), and
/// candidates of the quasi-Monte Carlo rules on 3-D surfaces and over the domain.
pub const BOUNDARY_POINTS: usize = 8192;
pub const SURFACE_CANDIDATES: usize = 1 << 16;
pub const DOMAIN_CANDIDATES: usize = 1 << 16;
/// Points per forward pass.
const CHUNK: usize = 2048;
/// The seed of the quasi-Monte Carlo rules' scrambling (fixed: an integral of the same
/// network is the same number on every run).
const SEED: u64 = 0x1d7e_6a15;

/// One `integral`'s value after training.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegralValue {
    pub name: String,
    /// `domain`, `boundary` or `part NAME`.
    pub over: String,
    pub value: f64,
    /// The quasi-Monte Carlo rules' standard error (as for independent points, which
    /// overstates a Sobol' rule's error); 0 for the deterministic rule on a 2-D boundary.
    pub std_error: f64,
    /// Points the integrand was evaluated at.
    pub points: usize,
    /// `midpoint` (deterministic, 2-D boundaries) or `quasi-monte-carlo`.
    pub rule: &'static str,
    /// In a model with time, the integral at each time of the output grid; `value` and
    /// `std_error` are then the last time's.
    pub over_time: Option<IntegralSeries>,
}

/// An integral at a sequence of times.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegralSeries {
    pub times: Vec<f64>,
    pub values: Vec<f64>,
    pub std_errors: Vec<f64>,
}

impl IntegralValue {
    pub fn json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "over": self.over,
            "value": self.value,
            "std_error": self.std_error,
            "points": self.points,
            "rule": self.rule,
        });
        if let Some(series) = &self.over_time {
            json["times"] = series.times.clone().into();
            json["values"] = series.values.clone().into();
            json["std_errors"] = series.std_errors.clone().into();
        }
        json
    }
}

/// Every integral of `problem` for the network `net` with weights `weights` and the model's
/// learnable parameters at `model_values`; in a model with time, at each of `times`.
pub(super) fn evaluate<T: Scalar + JitReal>(
    net: &FieldNetworks<T>,
    weights: &[T],
    problem: &Problem,
    model_values: &[f64],
    times: &[f64],
) -> Result<Vec<IntegralValue>, String> {
    problem
        .integrals
        .iter()
        .map(|integral| {
            let (mut q, over) = rule(problem, &integral.region)?;
            let at = |q: &Quadrature| {
                let values = integrand(net, weights, problem, integral, q, model_values)
                    .map_err(|e| format!("integral `{}`: {e}", integral.name))?;
                Ok::<_, String>(q.integrate(&values))
            };
            let (estimate, over_time) = match problem.time_input {
                None => (at(&q)?, None),
                Some(t) => {
                    let mut series = IntegralSeries {
                        times: times.to_vec(),
                        values: Vec::with_capacity(times.len()),
                        std_errors: Vec::with_capacity(times.len()),
                    };
                    let mut last = None;
                    for &time in times {
                        q.points[t] = vec![time; q.len()];
                        let e = at(&q)?;
                        series.values.push(e.value);
                        series.std_errors.push(e.std_error);
                        last = Some(e);
                    }
                    let last = last.ok_or("an integral over time needs at least one time")?;
                    (last, Some(series))
                }
            };
            Ok(IntegralValue {
                name: integral.name.clone(),
                over,
                value: estimate.value,
                std_error: estimate.std_error,
                points: q.len(),
                rule: if q.candidates.is_some() {
                    "quasi-monte-carlo"
                } else {
                    "midpoint"
                },
                over_time,
            })
        })
        .collect()
}

/// The quadrature rule for a region, its points in network-input order (the time column,
/// in a model with time, left empty for the caller to fill), and its name.
fn rule(problem: &Problem, region: &Region) -> Result<(Quadrature, String), String> {
    let mut rng = Rng::new(SEED);
    let inputs = problem.inputs.len();
    let Some(domain) = &problem.domain else {
        // A box: quasi-Monte Carlo over the network inputs other than time, which the plan
        // made sure are the space variables.
        if *region != Region::Interior {
            return Err("an integral over the boundary needs a shaped domain".into());
        }
        let space: Vec<usize> = (0..inputs)
            .filter(|&i| Some(i) != problem.time_input)
            .collect();
        let bounds: Vec<(f64, f64)> = space.iter().map(|&i| problem.bounds[i]).collect();
        let n = DOMAIN_CANDIDATES;
        let volume: f64 = bounds.iter().map(|(lo, hi)| hi - lo).product();
        let sampled = sampling::sample(Sampler::Sobol, &bounds, n, &mut rng)?;
        let mut points = vec![Vec::new(); inputs];
        for (column, &i) in sampled.into_iter().zip(&space) {
            points[i] = column;
        }
        let q = Quadrature {
            points,
            normals: Vec::new(),
            weights: vec![volume / n as f64; n],
            candidates: Some(n),
        };
        return Ok((q, "domain".into()));
    };
    let shape = &domain.shape;
    let (q, over) = match region {
        Region::Interior => (
            shape.interior_quadrature(DOMAIN_CANDIDATES, &mut rng),
            "domain".to_string(),
        ),
        Region::AllSides | Region::Part(_) => {
            let part = match region {
                Region::Part(i) => Some(domain.parts[*i].as_str()),
                _ => None,
            };
            let n = if shape.dim() == 3 {
                SURFACE_CANDIDATES
            } else {
                BOUNDARY_POINTS
            };
            let over = part.map_or("boundary".to_string(), |p| format!("part {p}"));
            (shape.boundary_quadrature(part, n, &mut rng), over)
        }
        other => return Err(format!("no integral over {other:?}")),
    };
    let q = q.map_err(|e| e.to_string())?;
    // Shape coordinates → network inputs; the normals stay in the shape's order, which is
    // what `Source::Normal(i)` counts in.
    let mut points = vec![Vec::new(); inputs];
    for (j, &input) in domain.inputs.iter().enumerate() {
        points[input] = q.points[j].clone();
    }
    Ok((Quadrature { points, ..q }, over))
}

/// The integrand at the rule's points.
fn integrand<T: Scalar + JitReal>(
    net: &FieldNetworks<T>,
    weights: &[T],
    problem: &Problem,
    integral: &IntegralPlan,
    q: &Quadrature,
    model_values: &[f64],
) -> Result<Vec<f64>, String> {
    let inputs = problem.inputs.len();
    let outputs = problem.outputs.len();
    let jets = JetSet::new(&integral.jets(), inputs)?;
    let kernel = cached::<T>(&integral.plan).map_err(|e| e.to_string())?;
    let params: Vec<T> = kernel_params(&integral.params, model_values);
    let n = q.len();
    let mut values = Vec::with_capacity(n);
    let mut tape = FieldTape::default();
    let convert = |column: &[f64], range: std::ops::Range<usize>| -> Vec<T> {
        column[range]
            .iter()
            .map(|&v| T::from_f64_lossy(v))
            .collect()
    };
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let range = start..start + len;
        let coords: Vec<Vec<T>> = q.points.iter().map(|c| convert(c, range.clone())).collect();
        let normals: Vec<Vec<T>> = q
            .normals
            .iter()
            .map(|c| convert(c, range.clone()))
            .collect();
        let coord_refs: Vec<&[T]> = coords.iter().map(Vec::as_slice).collect();
        net.forward(weights, &coord_refs, &jets, &mut tape)?;
        let out = tape.outputs();
        let columns = integral
            .sources
            .iter()
            .map(|s| match s {
                Source::Coordinate(i) => Ok(coord_refs[*i]),
                Source::Net { jet, output } => {
                    let k = jets
                        .index(jet)
                        .map(|j| j * outputs + output)
                        .ok_or_else(|| format!("jet {jet:?} missing from the jet set"))?;
                    Ok(&out[k * len..(k + 1) * len])
                }
                Source::Normal(i) => normals
                    .get(*i)
                    .map(Vec::as_slice)
                    .ok_or_else(|| "a normal away from the boundary".to_string()),
                Source::Observed(_) => Err("an observation in an integrand".to_string()),
            })
            .collect::<Result<Vec<&[T]>, String>>()?;
        let mut result = vec![T::zero(); len];
        kernel
            .run(&columns, &mut [result.as_mut_slice()], &params)
            .map_err(|e| e.to_string())?;
        values.extend(result.into_iter().map(|v| v.to_f64().unwrap_or(f64::NAN)));
    }
    Ok(values)
}
