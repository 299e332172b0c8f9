use super::genome::{BinaryOp, Gene};
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

/// Where the time of one new genome goes (run with `--ignored --nocapture`).
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
    eprintln!(
        "per genome: canonical {:.2} ms, fit {:.2} ms, compile alone {:.2} ms",
        t_canon * 5.0,
        t_fit * 5.0,
        t_compile * 5.0
    );
}

fn parse(text: &str) -> Genome {
    // Prefix tokens: + - * / for binary, sq sqrt exp sin for unary, x y for variables, numbers.
    let genes = text
        .split_whitespace()
        .map(|t| match t {
            "+" => Gene::Binary(BinaryOp::Add),
            "-" => Gene::Binary(BinaryOp::Sub),
            "*" => Gene::Binary(BinaryOp::Mul),
            "/" => Gene::Binary(BinaryOp::Div),
            "sq" => Gene::Unary(UnaryOp::Square),
            "sqrt" => Gene::Unary(UnaryOp::Sqrt),
            "exp" => Gene::Unary(UnaryOp::Exp),
            "sin" => Gene::Unary(UnaryOp::Sin),
            "x" => Gene::Var(0),
            "y" => Gene::Var(1),
            n => Gene::Const(n.parse().unwrap()),
        })
        .collect();
    Genome { genes }
}

fn vars() -> Vec<Symbol> {
    vec![Symbol::from("x"), Symbol::from("y")]
}

#[test]
fn subtrees_are_contiguous() {
    let g = parse("+ * x 2 sqrt y");
    assert_eq!(genome::subtree_end(&g.genes, 0), 6);
    assert_eq!(genome::subtree_end(&g.genes, 1), 4);
    assert_eq!(genome::subtree_end(&g.genes, 4), 6);
}

#[test]
fn normalising_merges_constants_and_drops_identities() {
    let cases = [
        ("* 2 * 3 x", "* 6 x"),
        ("* * x 3 2", "* 6 x"),
        ("+ x * 2 sqrt 4", "+ x 4"),
        ("+ * 0 y x", "x"),
        ("- x 0", "x"),
        ("/ * 1 x 1", "x"),
        ("sin + 0 y", "sin y"),
        ("* exp / y y x", "* 2.718281828459045 x"),
        ("+ x - sin y sin y", "x"),
        ("- 0 * -8 x", "* 8 x"),
    ];
    for (input, expected) in cases {
        assert_eq!(parse(input).normalised(), parse(expected), "{input}");
    }
    // Division by a zero constant is kept (not folded into an infinity).
    assert_eq!(parse("/ 1 0").normalised(), parse("/ 1 0"));
}

#[test]
fn rounding_offers_each_constant_at_zero_and_one() {
    let variants = parse("+ * 1.5 x * 1e-19 y").rounded();
    assert!(variants.contains(&parse("* 1.5 x")));
    assert!(variants.contains(&parse("+ x * 1e-19 y")));
    assert!(variants.contains(&parse("+ * 1.5 x y")));
}

#[test]
fn equivalent_genomes_share_a_canonical_form() {
    let key = |t: &str| dedup::canonical(&parse(t), &vars()).key;
    assert_eq!(key("+ * 2 x y"), key("+ y * x 5"));
    assert_eq!(key("* x + y 3"), key("* + 1 y x"));
    assert_ne!(key("* x y"), key("+ x y"));
    let form = dedup::canonical(&parse("+ * 2 x * y 7"), &vars());
    assert_eq!(form.order.len(), 2);
}

#[test]
fn levenberg_marquardt_fits_nonlinear_constants() {
    // y = 3 exp(-0.7 x) + 0.5 from a start far away.
    let xs: Vec<f64> = (0..300).map(|i| i as f64 / 60.0).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 3.0 * (-0.7 * x).exp() + 0.5).collect();
    let data = Data {
        vars: vars()[..1].to_vec(),
        columns: vec![xs],
        target: ys,
        scale: 1.0,
    };
    let form = dedup::canonical(&parse("+ * 1 exp * -0.1 x 2"), &data.vars);
    let values = parse("+ * 1 exp * -0.1 x 2").constants();
    let start: Vec<f64> = form.order.iter().map(|&c| values[c]).collect();
    let fitted = fit(&form.expr, form.root, &start, &data.subset(100), &data);
    assert!(fitted.error < 1e-10, "{fitted:?}");
    let mut got = fitted.constants.clone();
    got.sort_by(f64::total_cmp);
    for (g, want) in got.iter().zip([-0.7, 0.5, 3.0]) {
        assert!((g - want).abs() < 1e-8, "{got:?}");
    }
}

#[test]
fn undefined_models_get_an_infinite_error() {
    let xs: Vec<f64> = (0..20).map(|i| i as f64 - 10.0).collect();
    let data = Data {
        vars: vars()[..1].to_vec(),
        columns: vec![xs.clone()],
        target: xs,
        scale: 1.0,
    };
    let form = dedup::canonical(&parse("sqrt x"), &data.vars);
    assert_eq!(
        fit(&form.expr, form.root, &[], &data, &data).error,
        f64::INFINITY
    );
}

#[test]
fn choice_is_the_simplest_exact_model_else_the_knee() {
    assert_eq!(
        pareto::choose(&[(1, 1.0), (3, 1e-3), (5, 1e-12), (9, 1e-16)], 1e-9),
        2
    );
    // No exact model: the biggest drop in log error per unit of complexity.
    assert_eq!(
        pareto::choose(&[(1, 1.0), (3, 0.1), (5, 1e-4), (9, 0.9e-4)], 1e-9),
        2
    );
    // Models much worse than the best are not chosen, however steep their drop.
    assert_eq!(pareto::choose(&[(1, 1.0), (2, 0.01), (9, 1e-4)], 1e-9), 2);
}

#[test]
fn same_seed_same_front_and_progress_can_stop() {
    let (columns, target) = samples(&[("x", 0.5, 2.0)], 100, 4, |x| x[0].sin() * 2.0);
    let config = SrConfig {
        population: 40,
        generations: 4,
        seed: 11,
        ..SrConfig::default()
    };
    let a = run(&columns, &target, &config).unwrap();
    let b = run(&columns, &target, &config).unwrap();
    let text = |r: &SrResult| -> Vec<String> { r.front.iter().map(|c| c.source.clone()).collect() };
    assert_eq!(text(&a), text(&b));
    let inputs = [("x", columns[0].1.as_slice())];
    let mut calls = 0;
    let stopped = search(&inputs, &target, &config, &mut |_, _| {
        calls += 1;
        false
    })
    .unwrap();
    assert_eq!((calls, stopped.generations), (1, 1));
}

#[test]
fn rates_far_from_one_are_found_inside_exp() {
    // p = x exp(-0.0341 h / T) with h in the thousands: from c = 2, exp overflows.
    let (columns, target) = samples(
        &[("x", 1.0, 5.0), ("y", 0.0, 5000.0), ("T", 250.0, 300.0)],
        500,
        5,
        |v| v[0] * (-0.0341 * v[1] / v[2]).exp(),
    );
    let data = Data {
        vars: vec![Symbol::from("x"), Symbol::from("y"), Symbol::from("T")],
        columns: columns.iter().map(|c| c.1.clone()).collect(),
        target,
        scale: 1.0,
    };
    let mut g = parse("* x exp * 2 / y x");
    g.genes[7] = Gene::Var(2);
    let form = dedup::canonical(&g, &data.vars);
    let fitted = fit(&form.expr, form.root, &[2.0], &data.subset(256), &data);
    assert!(fitted.error < 1e-12, "{fitted:?}");
    assert!((fitted.constants[0] + 0.0341).abs() < 1e-10, "{fitted:?}");
}
