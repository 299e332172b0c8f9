//! Where each loss term's points come from: the sampler over the term's region of the box
//! (the interior, the start of time, one side, every side of the spatial box), or, when the
//! model's domain is a shape, the geometry's samplers for its space coordinates (interior
//! by rejection, boundary or one part of it uniform in arc length / area), or a random
//! subset of the observations for data terms. Every draw comes from a seeded stream keyed
//! by the draw number, so a resumed run draws what the original run would have.

use super::problem::{Observations, Problem, Region, TrainDomain};
use physc_runtime::rng::Rng;
use physc_runtime::sampling::{sample, Sampler};

/// Columns of coordinates (one per network input) and of observed values.
pub type Points = (Vec<Vec<f64>>, Vec<Vec<f64>>);

pub fn draw(
    problem: &Problem,
    region: &Region,
    n: usize,
    sampler: Sampler,
    observations: &[Observations],
    data_points: Option<usize>,
    rng: &mut Rng,
) -> Result<Points, String> {
    let bounds = &problem.bounds;
    let mut coords = match region {
        Region::Data(k) => return Ok(subset(&observations[*k], data_points, rng)),
        _ => sample(sampler, bounds, n, rng)?,
    };
    if let Some(domain) = &problem.domain {
        let normals = in_shape(problem, domain, region, sampler, &mut coords, rng)?;
        return Ok((coords, normals));
    }
    match region {
        Region::Interior | Region::Data(_) => {}
        Region::Initial => {
            if let Some(t) = problem.time_input {
                coords[t].fill(bounds[t].0);
            }
        }
        Region::Side { input, value } => coords[*input].fill(*value),
        Region::AllSides => on_sides(problem, &mut coords),
        Region::Part(_) => return Err("a boundary part needs a shaped domain".into()),
    }
    Ok((coords, Vec::new()))
}

/// Replace the space coordinates of box points (`coords`, which keep their time) by points
/// of the shaped domain's interior or boundary. Returns the outward unit normals of boundary
/// points (one column per space coordinate; none for interior points), which the terms'
/// kernels read as `Source::Normal`.
fn in_shape(
    problem: &Problem,
    domain: &TrainDomain,
    region: &Region,
    sampler: Sampler,
    coords: &mut [Vec<f64>],
    rng: &mut Rng,
) -> Result<Vec<Vec<f64>>, String> {
    let n = coords.first().map_or(0, Vec::len);
    let boundary = |part: Option<&str>, rng: &mut Rng| {
        domain
            .shape
            .sample_boundary(sampler, n, part, rng)
            .map(|b| (b.points, b.normals))
    };
    let (space, normals) = match region {
        Region::Interior | Region::Initial => domain
            .shape
            .sample_interior(sampler, n, rng)
            .map(|p| (p, Vec::new())),
        Region::AllSides => boundary(None, rng),
        Region::Part(i) => boundary(domain.parts.get(*i).map(String::as_str), rng),
        Region::Side { .. } | Region::Data(_) => {
            return Err("a shaped domain has no box sides".into())
        }
    }
    .map_err(|e| e.to_string())?;
    for (column, &input) in space.into_iter().zip(&domain.inputs) {
        coords[input] = column;
    }
    if let (Region::Initial, Some(t)) = (region, problem.time_input) {
        coords[t].fill(problem.bounds[t].0);
    }
    Ok(normals)
}

/// Move each point onto one side of the spatial box, sides chosen in proportion to their
/// measure (stratified by point index, so every side gets its share).
fn on_sides(problem: &Problem, coords: &mut [Vec<f64>]) {
    let space: Vec<usize> = (0..problem.bounds.len())
        .filter(|&i| Some(i) != problem.time_input && problem.periods[i].is_none())
        .collect();
    if space.is_empty() {
        return;
    }
    let extent = |i: usize| problem.bounds[i].1 - problem.bounds[i].0;
    let measure: Vec<f64> = space
        .iter()
        .map(|&i| {
            space
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| extent(j))
                .product::<f64>()
        })
        .collect();
    let total: f64 = measure.iter().sum::<f64>() * 2.0;
    let n = coords.first().map_or(0, Vec::len);
    for p in 0..n {
        let mut u = (p as f64 + 0.5) / n as f64 * total;
        for (k, &i) in space.iter().enumerate() {
            if u < 2.0 * measure[k] || k + 1 == space.len() {
                let (lo, hi) = problem.bounds[i];
                let column: &mut Vec<f64> = &mut coords[i];
                column[p] = if u >= measure[k] { hi } else { lo };
                break;
            }
            u -= 2.0 * measure[k];
        }
    }
}

fn subset(obs: &Observations, count: Option<usize>, rng: &mut Rng) -> Points {
    let total = obs.coordinates.first().map_or(0, Vec::len);
    let mut rows: Vec<usize> = (0..total).collect();
    if let Some(k) = count.filter(|&k| k < total) {
        rng.shuffle(&mut rows);
        rows.truncate(k);
        rows.sort_unstable();
    }
    let pick = |cols: &[Vec<f64>]| -> Vec<Vec<f64>> {
        cols.iter()
            .map(|c| rows.iter().map(|&r| c[r]).collect())
            .collect()
    };
    (pick(&obs.coordinates), pick(&obs.values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use physc_compiler::driver::compile_source;

    #[test]
    fn a_shaped_domain_draws_inside_it_on_its_parts_and_keeps_time() {
        let c = compile_source(
            "plate.phys",
            "model H { space x in [0, 1], y in [0, 1]  time t in [0, 1]  field u(x, y, t)
               part hole = disk([0.5, 0.5], 0.2)  domain = rectangle([0, 0], [1, 1]) - hole
               pde dt(u) = dxx(u) + dyy(u)  initial u = 0
               boundary u = 0 on hole  boundary u = 1 on boundary }
             train H { }",
        );
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let job = &c.program.jobs[0];
        let model = &c.program.models[job.model.unwrap()];
        let problem =
            super::super::problem::plan(model, job.settings.train().unwrap(), &[]).unwrap();
        let domain = problem.domain.as_ref().unwrap();
        let (x, y, t) = (
            domain.inputs[0],
            domain.inputs[1],
            problem.time_input.unwrap(),
        );
        // The output grid's mask: the closed domain, the hole's rim included.
        let probe = vec![
            vec![0.1, 0.5, 0.7, 1.5],
            vec![0.1, 0.5, 0.5, 0.5],
            vec![0.0; 4],
        ];
        assert_eq!(
            super::super::grid::inside_domain(&problem, &probe),
            Some(vec![true, false, true, false])
        );
        let mut seen = Vec::new();
        let mut rng = Rng::new(3);
        for term in &problem.terms {
            let (coords, normals) = draw(
                &problem,
                &term.region,
                300,
                Sampler::Sobol,
                &[],
                None,
                &mut rng,
            )
            .unwrap();
            assert_eq!(coords.len(), 3);
            let boundary = matches!(term.region, Region::Part(_) | Region::AllSides);
            assert_eq!(normals.len(), if boundary { 2 } else { 0 });
            for k in 0..300 {
                let p = [coords[x][k], coords[y][k]];
                let d = domain.shape.signed_distance(&p);
                let time = coords[t][k];
                let ok = match term.region {
                    Region::Interior => d <= 0.0 && (0.0..=1.0).contains(&time),
                    Region::Initial => d <= 0.0 && time == 0.0,
                    Region::Part(_) => ((p[0] - 0.5).hypot(p[1] - 0.5) - 0.2).abs() < 1e-12,
                    Region::AllSides => d.abs() < 1e-12 && (0.0..=1.0).contains(&time),
                    _ => false,
                };
                assert!(
                    ok,
                    "{:?}: ({}, {}, {time}), distance {d}",
                    term.region, p[0], p[1]
                );
                if boundary {
                    let n = [normals[0][k], normals[1][k]];
                    assert!((n[0].hypot(n[1]) - 1.0).abs() < 1e-12);
                    let out = [p[0] + 1e-6 * n[0], p[1] + 1e-6 * n[1]];
                    assert!(domain.shape.signed_distance(&out) > 0.0, "{p:?} {n:?}");
                }
            }
            seen.push(term.region.clone());
        }
        for region in [
            Region::Interior,
            Region::Initial,
            Region::Part(0),
            Region::AllSides,
        ] {
            assert!(seen.contains(&region), "{seen:?}");
        }
    }
}
