use super::*;

/// Samples of `f` at `n` deterministic points with each input uniform in its range.
fn samples(
    ranges: &[(&'static str, f64, f64)],
    n: usize,
    seed: u64,
    f: impl Fn(&[f64]) -> f64,
) -> (Vec<(&'static str, Vec<f64>)>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let mut columns: Vec<(&str, Vec<f64>)> = ranges.iter().map(|r| (r.0, Vec::new())).collect();
    let mut target = Vec::new();
    for _ in 0..n {
        let x: Vec<f64> = ranges.iter().map(|r| rng.range(r.1, r.2)).collect();
        for (c, v) in columns.iter_mut().zip(&x) {
            c.1.push(*v);
        }
        target.push(f(&x));
    }
    (columns, target)
}

fn run(
    columns: &[(&'static str, Vec<f64>)],
    target: &[f64],
    config: &SrConfig,
) -> Result<SrResult, SrError> {
    let inputs: Vec<(&str, &[f64])> = columns.iter().map(|(n, c)| (*n, c.as_slice())).collect();
    search(&inputs, target, config, &mut |_, _| true)
}

#[test]
fn recovers_kinetic_energy() {
    let (columns, target) = samples(&[("m", 0.5, 5.0), ("v", -3.0, 3.0)], 200, 1, |x| {
        0.5 * x[0] * x[1] * x[1]
    });
    let config = SrConfig {
        population: 100,
        generations: 30,
        ..SrConfig::default()
    };
    let t = Instant::now();
    let result = run(&columns, &target, &config).unwrap();
    let best = result.best();
    eprintln!(
        "{} error {:e} complexity {} in {:.2}s, {} fits, {} duplicates, {} generations",
        best.source,
        best.error,
        best.complexity,
        t.elapsed().as_secs_f64(),
        result.evaluations,
        result.duplicates_skipped,
        result.generations
    );
    assert!(best.error < 1e-9, "{}", best.source);
    assert!(best.complexity <= 7, "{}", best.source);
}
