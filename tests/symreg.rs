//! Symbolic regression through the library API (`physc_compiler::symreg::search`) on textbook physics
//! formulas, 1,000 noise-free samples each. A formula counts as recovered when the chosen
//! model fits the training samples exactly (normalised RMSE ≤ 1e-9) and agrees with the true
//! formula to a relative error of 1e-6 at 500 fresh samples drawn from the same ranges.
//!
//! By default a quick form runs two of the formulas; `PHYSC_SLOW_TESTS=1` runs all ten,
//! prints a table (formula, recovered?, seconds, expression) and requires 8 of 10;
//! `PHYSC_SYMREG_ONLY=name,name` runs only the formulas named (and prints their table).

use physc_compiler::ir::eval::eval;
use physc_compiler::symreg::{search, SrConfig, SrError, SrResult};
use physc_runtime::rng::Rng;
use std::time::Instant;

mod support;
use support::slow;

struct Formula {
    name: &'static str,
    text: &'static str,
    /// Each input with its sampling range.
    inputs: &'static [(&'static str, f64, f64)],
    f: fn(&[f64]) -> f64,
}

const G: f64 = 6.674e-11;
const R: f64 = 8.314;
const PI: f64 = std::f64::consts::PI;

fn formulas() -> Vec<Formula> {
    vec![
        Formula {
            name: "Newtonian gravity",
            text: "G m1 m2 / r^2",
            inputs: &[("m1", 1.0, 5.0), ("m2", 1.0, 5.0), ("r", 1.0, 5.0)],
            f: |x| G * x[0] * x[1] / (x[2] * x[2]),
        },
        Formula {
            name: "oscillator energy",
            text: "m v^2 / 2 + k x^2 / 2",
            inputs: &[
                ("m", 1.0, 5.0),
                ("v", -2.0, 2.0),
                ("k", 1.0, 5.0),
                ("x", -2.0, 2.0),
            ],
            f: |x| 0.5 * x[0] * x[1] * x[1] + 0.5 * x[2] * x[3] * x[3],
        },
        Formula {
            name: "relativistic mass",
            text: "m0 / sqrt(1 - v^2/c^2)",
            inputs: &[("m0", 1.0, 5.0), ("v", 1.0, 2.0), ("c", 3.0, 10.0)],
            f: |x| x[0] / (1.0 - x[1] * x[1] / (x[2] * x[2])).sqrt(),
        },
        Formula {
            name: "ideal gas",
            text: "n R T / V",
            inputs: &[("n", 1.0, 5.0), ("T", 250.0, 400.0), ("V", 1.0, 5.0)],
            f: |x| x[0] * R * x[1] / x[2],
        },
        Formula {
            name: "Coulomb force",
            text: "q1 q2 / (4 pi eps r^2)",
            inputs: &[
                ("q1", 1.0, 5.0),
                ("q2", 1.0, 5.0),
                ("eps", 1.0, 5.0),
                ("r", 1.0, 5.0),
            ],
            f: |x| x[0] * x[1] / (4.0 * PI * x[2] * x[3] * x[3]),
        },
        Formula {
            name: "pendulum period",
            text: "2 pi sqrt(L / g)",
            inputs: &[("L", 0.5, 5.0), ("g", 1.0, 10.0)],
            f: |x| 2.0 * PI * (x[0] / x[1]).sqrt(),
        },
        Formula {
            name: "projectile range",
            text: "v^2 sin(2 theta) / g",
            inputs: &[("v", 1.0, 10.0), ("theta", 0.1, 1.4), ("g", 9.0, 10.0)],
            f: |x| x[0] * x[0] * (2.0 * x[1]).sin() / x[2],
        },
        Formula {
            name: "Gaussian density",
            text: "exp(-theta^2 / 2) / sqrt(2 pi)",
            inputs: &[("theta", -3.0, 3.0)],
            f: |x| (-x[0] * x[0] / 2.0).exp() / (2.0 * PI).sqrt(),
        },
        Formula {
            name: "centripetal force",
            text: "m v^2 / r",
            inputs: &[("m", 1.0, 5.0), ("v", 1.0, 5.0), ("r", 1.0, 5.0)],
            f: |x| x[0] * x[1] * x[1] / x[2],
        },
        Formula {
            name: "barometric pressure",
            text: "p0 exp(-0.0341 h / T)",
            inputs: &[("p0", 1.0, 5.0), ("h", 0.0, 5000.0), ("T", 250.0, 300.0)],
            f: |x| x[0] * (-0.0341 * x[1] / x[2]).exp(),
        },
    ]
}

fn sample(formula: &Formula, n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let mut columns = vec![Vec::with_capacity(n); formula.inputs.len()];
    let mut target = Vec::with_capacity(n);
    for _ in 0..n {
        let x: Vec<f64> = formula
            .inputs
            .iter()
            .map(|&(_, lo, hi)| rng.range(lo, hi))
            .collect();
        for (c, v) in columns.iter_mut().zip(&x) {
            c.push(*v);
        }
        target.push((formula.f)(&x));
    }
    (columns, target)
}

fn run(formula: &Formula, config: &SrConfig) -> Result<SrResult, SrError> {
    let (columns, target) = sample(formula, 1000, 1);
    let inputs: Vec<(&str, &[f64])> = formula
        .inputs
        .iter()
        .zip(&columns)
        .map(|(i, c)| (i.0, c.as_slice()))
        .collect();
    search(&inputs, &target, config, &mut |_, _| true)
}

/// The largest relative error of the chosen model against the formula at fresh samples.
fn fresh_error(formula: &Formula, result: &SrResult) -> f64 {
    let best = result.best();
    let (columns, target) = sample(formula, 500, 2);
    (0..target.len())
        .map(|row| {
            let value = eval(&best.expr, best.root, &mut |s| {
                let k = formula.inputs.iter().position(|i| i.0 == s.as_str());
                k.map_or(f64::NAN, |k| columns[k][row])
            });
            ((value - target[row]) / target[row]).abs()
        })
        .fold(
            0.0,
            |m, e| if e.is_nan() { f64::INFINITY } else { m.max(e) },
        )
}

fn recovered(formula: &Formula, result: &SrResult) -> bool {
    result.best().error <= 1e-9 && fresh_error(formula, result) <= 1e-6
}

/// The default search, seeded, with a wall-clock cap so a formula the search misses cannot
/// hold the suite up for long.
fn config() -> SrConfig {
    SrConfig {
        seed: 1,
        time_limit: Some(std::time::Duration::from_secs(120)),
        ..SrConfig::default()
    }
}

#[test]
fn recovers_textbook_formulas() {
    let all = formulas();
    let only = std::env::var("PHYSC_SYMREG_ONLY").ok();
    let chosen: Vec<&Formula> = if let Some(only) = &only {
        let names: Vec<&str> = only.split(',').collect();
        all.iter().filter(|f| names.contains(&f.name)).collect()
    } else if slow() {
        all.iter().collect()
    } else {
        ["centripetal force", "Gaussian density"]
            .iter()
            .map(|n| all.iter().find(|f| f.name == *n).unwrap())
            .collect()
    };
    let total = Instant::now();
    let mut rows = Vec::new();
    for formula in &chosen {
        let t = Instant::now();
        let result = run(formula, &config()).unwrap();
        let seconds = t.elapsed().as_secs_f64();
        let ok = recovered(formula, &result);
        let best = result.best();
        rows.push(format!(
            "| {} | `{}` | {} | {:.1} | {} | {} | {:.1e} | `{}` |",
            formula.name,
            formula.text,
            if ok { "yes" } else { "no" },
            seconds,
            result.generations,
            result.evaluations,
            best.error,
            best.source
        ));
        eprintln!("{}", rows.last().unwrap());
        if !slow() && only.is_none() {
            assert!(ok, "{} not recovered: {}", formula.name, best.source);
        }
    }
    let count = rows.iter().filter(|r| r.contains("| yes |")).count();
    println!("| formula | truth | recovered | seconds | generations | fits | error | chosen |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in &rows {
        println!("{row}");
    }
    println!(
        "recovered {count}/{} in {:.1} s",
        chosen.len(),
        total.elapsed().as_secs_f64()
    );
    if slow() && only.is_none() {
        assert!(count >= 8, "recovered only {count} of 10");
    }
}

/// The ten formulas as a search builds them (constants as numbers, nested products), and
/// as the readable printer writes them: what a person sees in a front or `method sr`.
#[test]
fn formulas_print_as_written() {
    let built = [
        "m1 * (m2 * (6.674e-11 / (r * r)))",
        "m * (v * (v * 0.5)) + x * (k * (x * 0.5))",
        "m0 / sqrt(1 - v * (v / (c * c)))",
        "n * (8.314 * T) / V",
        "q1 * (q2 / (eps * (r * (r * 12.566370614359172))))",
        "6.283185307179586 * sqrt(L / g)",
        "v * (v * sin(theta * 2)) / g",
        "exp(theta * (theta * -0.5)) * 0.3989422804014327",
        "m * (v * v) / r",
        "p0 * exp(h * -0.0341 / T)",
    ];
    let mut out = String::new();
    for text in built {
        let mut sources = physc_compiler::source::SourceMap::new();
        let file = sources.add("<formula>".to_string(), None, text.to_string());
        let e = physc_compiler::syntax::parse_expression(file, text).unwrap();
        let s = physc_compiler::ir::standalone::lower_expression(&e).unwrap();
        let limits = physc_compiler::ir::simplify::Limits {
            time: std::time::Duration::from_secs(20),
            ..Default::default()
        };
        let simplified =
            physc_compiler::ir::simplify::simplify_readable(&s.builder.expr, &[s.root], &limits);
        let (expr, roots) = simplified.readable.unwrap();
        let reader = physc_compiler::ir::readable::Reader::new(&s.symbols);
        out.push_str(&format!(
            "{text}\n    {}\n    ${}$\n",
            reader.source(&expr, roots[0]),
            reader.latex(&expr, roots[0])
        ));
    }
    insta::assert_snapshot!("formulas_readable", out);
}

#[test]
fn same_seed_same_result() {
    let all = formulas();
    let formula = all.iter().find(|f| f.name == "ideal gas").unwrap();
    let config = SrConfig {
        population: 60,
        generations: 5,
        seed: 7,
        ..SrConfig::default()
    };
    let a = run(formula, &config).unwrap();
    let b = run(formula, &config).unwrap();
    let sources =
        |r: &SrResult| -> Vec<String> { r.front.iter().map(|c| c.source.clone()).collect() };
    assert_eq!(sources(&a), sources(&b));
    assert_eq!(a.evaluations, b.evaluations);
    assert_eq!(a.duplicates_skipped, b.duplicates_skipped);
}

#[test]
fn bad_input_is_rejected_with_the_reason() {
    let x: Vec<f64> = (0..20).map(f64::from).collect();
    let y: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
    let run = |inputs: &[(&str, &[f64])], y: &[f64]| {
        search(inputs, y, &SrConfig::default(), &mut |_, _| true).unwrap_err()
    };
    assert_eq!(
        run(&[("x", &x[..5])], &y[..5]),
        SrError::TooFewSamples { got: 5, need: 10 }
    );
    let e = run(&[("x", &x[..19])], &y);
    assert_eq!(
        e.to_string(),
        "column `x` has 19 samples but the target has 20"
    );
    let mut nan = x.clone();
    nan[3] = f64::NAN;
    assert_eq!(
        run(&[("x", &nan)], &y),
        SrError::NotFinite {
            column: "x".into(),
            row: 3
        }
    );
    assert_eq!(
        run(&[("x", &x), ("x", &x)], &y),
        SrError::BadName("x".into())
    );
    assert_eq!(run(&[], &y), SrError::NoInputs);
}

#[test]
fn constant_target_gives_the_constant() {
    let x: Vec<f64> = (0..50).map(f64::from).collect();
    let y = vec![3.25; 50];
    let result = search(&[("x", &x)], &y, &SrConfig::default(), &mut |_, _| true).unwrap();
    let best = result.best();
    assert_eq!(best.source, "3.25");
    assert_eq!(best.complexity, 1);
    assert_eq!(best.error, 0.0);
}
