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

#[test]
#[ignore]
fn timing_breakdown() {
    let (columns, target) = samples(&[("m", 0.5, 5.0), ("v", -3.0, 3.0)], 1000, 1, |x| {
        0.5 * x[0] * x[1] * x[1]
    });
    let data = Data {
        vars: vec![Symbol::from("m"), Symbol::from("v")],
        columns: columns.iter().map(|c| c.1.clone()).collect(),
        target: target.clone(),
        scale: 1.0,
    };
    let unary = SrConfig::default().unary;
    let grammar = Grammar {
        vars: 2,
        unary: &unary,
        max_size: 25,
    };
    let mut rng = Rng::new(3);
    let genomes: Vec<Genome> = (0..200)
        .map(|i| grammar.random_genome(&mut rng, 2 + i % 4).normalised())
        .collect();
    let t = Instant::now();
    let forms: Vec<Canonical> = genomes.iter().map(|g| canonical(g, &data.vars)).collect();
    let t_canon = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (g, f) in genomes.iter().zip(&forms) {
        let values = g.constants();
        let start: Vec<f64> = f.order.iter().map(|&c| values[c]).collect();
        fit(&f.expr, f.root, &start, &data.subset(256), &data);
    }
    let t_fit = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for f in &forms {
        let k = f.order.len();
        let spec = crate::codegen::KernelSpec {
            expr: &f.expr,
            outputs: vec![("f".into(), f.root)],
            inputs: data.vars.clone(),
            params: (0..k).map(genome::const_symbol).collect(),
        };
        let _ = crate::codegen::compile::<f64>(&spec);
    }
    let t_compile = t.elapsed().as_secs_f64();
    eprintln!("per genome: canonical {:.2} ms, fit {:.2} ms, compile alone {:.2} ms", t_canon * 5.0, t_fit * 5.0, t_compile * 5.0);
}
