//! Points of a model's domain without training, for people to look at and export them and
//! for `bench/geometry` to time them: interior points and boundary points (with outward unit
//! normals and the primitive each lies on) from the same geometry samplers training uses,
//! each draw timed, in memory (`Sampled`); `Sampled::write` saves them as NPZ, a separate
//! step. Behind `physc sample`.

use physc_compiler::check::Model;
use physc_runtime::geometry::BoundaryPoints;
use physc_runtime::output::{npz, Array, OutputError};
use physc_runtime::rng::Rng;
use physc_runtime::sampling::Sampler;
use std::path::Path;
use std::time::Instant;

/// What to draw.
#[derive(Debug, Clone)]
pub struct SampleConfig {
    pub interior: usize,
    pub boundary: usize,
    /// Only this part of the boundary (all of it when `None`).
    pub part: Option<String>,
    pub sampler: Sampler,
    pub seed: u64,
}

/// The points drawn, as columns (one per space variable), and how long each draw took.
#[derive(Debug, Clone)]
pub struct Sampled {
    /// The space variables, in declaration order.
    pub names: Vec<String>,
    pub interior: Vec<Vec<f64>>,
    pub boundary: BoundaryPoints,
    /// The part name of each primitive (`boundary.primitive` indexes it; "" when unnamed).
    pub parts: Vec<String>,
    pub interior_seconds: f64,
    pub boundary_seconds: f64,
}

/// Draws `config`'s points in `model`'s domain: interior points first, then boundary
/// points, from one stream seeded with `config.seed`.
pub fn sample(model: &Model, config: &SampleConfig) -> Result<Sampled, String> {
    let Some(domain) = &model.domain else {
        return Err(format!(
            "model `{}` has no `domain = ...`: its points are those of the space box",
            model.name
        ));
    };
    let shape = &domain.shape;
    let mut rng = Rng::new(config.seed);
    let start = Instant::now();
    let interior = shape
        .sample_interior(config.sampler, config.interior, &mut rng)
        .map_err(|e| e.to_string())?;
    let interior_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let boundary = shape
        .sample_boundary(
            config.sampler,
            config.boundary,
            config.part.as_deref(),
            &mut rng,
        )
        .map_err(|e| e.to_string())?;
    let boundary_seconds = start.elapsed().as_secs_f64();
    Ok(Sampled {
        names: model.space().map(|(_, v)| v.name.clone()).collect(),
        interior,
        boundary,
        parts: (0..shape.primitives())
            .map(|i| shape.part_of(i).unwrap_or("").to_string())
            .collect(),
        interior_seconds,
        boundary_seconds,
    })
}

impl Sampled {
    /// Writes `interior` (n × d), `boundary` and `normals` (m × d) and `primitive` (m, the
    /// index of the primitive each boundary point lies on) to an NPZ file, atomically.
    pub fn write(&self, path: &Path) -> Result<(), OutputError> {
        let rows = |columns: &[Vec<f64>]| -> Array {
            let n = columns.first().map_or(0, Vec::len);
            let data = (0..n)
                .flat_map(|i| columns.iter().map(move |c| c[i]))
                .collect();
            // Rows × columns always match the data built here.
            Array::matrix(n, columns.len(), data).unwrap_or_else(|_| Array::vector(Vec::new()))
        };
        let interior = rows(&self.interior);
        let boundary = rows(&self.boundary.points);
        let normals = rows(&self.boundary.normals);
        let primitive = Array::vector(self.boundary.primitive.iter().map(|&i| i as f64).collect());
        npz::write(
            path,
            &[
                ("interior", &interior),
                ("boundary", &boundary),
                ("normals", &normals),
                ("primitive", &primitive),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use physc_compiler::driver::compile_source;

    #[test]
    fn points_of_a_plate_with_a_hole_in_memory_and_in_a_file() {
        let source = "model P {\n  space x in [0, 2], y in [0, 1]\n  field u(x, y)\n  \
                      part hole = disk([1, 0.5], 0.25)\n  domain = rectangle([0, 0], [2, 1]) - hole\n  \
                      pde dxx(u) + dyy(u) = 0\n  boundary u = 0 on boundary\n}\n";
        let c = compile_source("p.phys", source);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let model = &c.program.models[0];
        let config = SampleConfig {
            interior: 500,
            boundary: 300,
            part: None,
            sampler: Sampler::Sobol,
            seed: 3,
        };
        let s = sample(model, &config).unwrap();
        assert_eq!(s.names, ["x", "y"]);
        assert_eq!(
            (s.interior[0].len(), s.boundary.points[1].len()),
            (500, 300)
        );
        for i in 0..500 {
            let (x, y) = (s.interior[0][i], s.interior[1][i]);
            assert!((x - 1.0).hypot(y - 0.5) >= 0.25 && (0.0..=2.0).contains(&x));
        }
        assert_eq!(s.parts, ["", "hole"]);
        let on_hole = s.boundary.primitive.iter().filter(|&&p| p == 1).count();
        assert!(on_hole > 0 && on_hole < 300);
        let dir = std::env::temp_dir().join(format!("physc-sample-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("points.npz");
        s.write(&path).unwrap();
        let arrays = npz::read(&path).unwrap();
        let shapes: Vec<(String, Vec<usize>)> = arrays
            .iter()
            .map(|(n, a)| (n.clone(), a.shape().to_vec()))
            .collect();
        assert_eq!(
            shapes,
            [
                ("interior".to_string(), vec![500, 2]),
                ("boundary".to_string(), vec![300, 2]),
                ("normals".to_string(), vec![300, 2]),
                ("primitive".to_string(), vec![300]),
            ]
        );
        assert_eq!(arrays[0].1.data()[1], s.interior[1][0]);
        let _ = std::fs::remove_dir_all(dir);
        let boxed = compile_source(
            "b.phys",
            "model B {\n  space x in [0, 1]\n  field u(x)\n  pde dxx(u) = 0\n}\n",
        );
        assert!(sample(&boxed.program.models[0], &config).is_err());
    }
}
