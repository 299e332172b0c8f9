//! Measurements, not tests: the timings of the default limits per input, and the sweep over
//! scheduler settings, limits and rules that chose them. Both are ignored and only print;
//! run them in release with `--ignored --nocapture`.

use super::builder;
use super::random::{chain, count_up, doubling, random_dag, sum_of_products, Rng};
use crate::ir::diff::{differentiate, Leaf};
use crate::ir::lang::{dag_cost, op_count, Math};
use crate::ir::simplify::limits::Tuning;
use crate::ir::simplify::rules::rules;
use crate::ir::simplify::run::simplify_tuned;
use crate::ir::simplify::{Limits, Simplified};
use egg::{Id, RecExpr, Symbol};
use std::time::Duration;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Median wall time of a simplification in milliseconds over `runs` runs, and one result.
fn timed(case: &Case, limits: &Limits, tuning: &Tuning, runs: usize) -> (f64, Simplified) {
    let mut times = Vec::with_capacity(runs);
    let mut out = None;
    for _ in 0..runs {
        let started = std::time::Instant::now();
        out = Some(simplify_tuned(&case.expr, &case.roots, limits, tuning));
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    (median(times), out.unwrap())
}

struct Case {
    name: String,
    expr: RecExpr<Math>,
    roots: Vec<Id>,
}

/// Small inputs: the benchmark corpus and random DAGs of 10 to 50 nodes.
fn small_cases() -> Vec<Case> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let corpus = std::fs::read_to_string(format!("{root}/bench/simplify.d/corpus.txt")).unwrap();
    let mut cases = Vec::new();
    for text in corpus
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut sources = crate::source::SourceMap::new();
        let file = sources.add("corpus", None, text.to_string());
        let Ok(e) = crate::syntax::parse_expression(file, text) else {
            continue;
        };
        let Ok(s) = crate::ir::standalone::lower_expression(&e) else {
            continue;
        };
        cases.push(Case {
            name: text.to_string(),
            expr: s.builder.expr,
            roots: vec![s.root],
        });
    }
    let mut rng = Rng(1);
    for i in 0..200 {
        let size = 10 + rng.below(41);
        let (expr, roots) = random_dag(&mut rng, size);
        cases.push(Case {
            name: format!("random #{i}"),
            expr,
            roots,
        });
    }
    cases
}

/// Large inputs: whole models (residuals and sensitivities together), high derivatives of
/// a small network, and random DAGs with many roots.
fn large_cases() -> Vec<Case> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut cases = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let compilation = crate::driver::compile_file(&path);
        for model in compilation.program.models.iter().filter(|m| m.local) {
            let mut lowered = crate::ir::lower_model(model);
            let sens = crate::ir::sensitivity::sensitivities(&mut lowered);
            let mut roots: Vec<Id> = lowered.residuals.iter().map(|r| r.root).collect();
            roots.extend(sens.iter().flatten().map(|s| s.expr));
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            cases.push(Case {
                name,
                expr: lowered.builder.expr,
                roots,
            });
        }
    }
    let x = Symbol::from("x");
    let by_x = |s: Symbol| if s == x { Leaf::One } else { Leaf::Zero };
    for net in [
        "(tanh (+ (* y (tanh (+ (* z x) 1))) 2))",
        "(tanh (+ (* 0.5 (tanh (+ (* y (tanh (+ (* z x) 1))) 2))) z))",
        "(* (sigmoid (+ (* y x) z)) (sin (* (softplus (- x y)) z)))",
    ] {
        let (mut b, f) = builder(net);
        let mut roots = vec![f];
        for _ in 0..3 {
            let d = differentiate(&mut b, *roots.last().unwrap(), &by_x);
            roots.push(d);
        }
        cases.push(Case {
            name: format!("d0..3 {net}"),
            expr: b.expr,
            roots,
        });
    }
    for (name, (expr, roots)) in [
        ("chain 200", chain(200)),
        ("x + 1 + ... 200", count_up(200)),
        ("doubling 1500", doubling(1500)),
        ("sum of 40 products", sum_of_products(40)),
    ] {
        cases.push(Case {
            name: name.into(),
            expr,
            roots,
        });
    }
    let mut rng = Rng(2);
    for size in [300, 1000, 3000] {
        let (expr, _) = random_dag(&mut rng, size);
        let roots = (0..30)
            .map(|_| Id::from(expr.len() - 1 - rng.below(size / 3)))
            .collect();
        cases.push(Case {
            name: format!("random {size} nodes, 30 roots"),
            expr,
            roots,
        });
    }
    cases
}

fn report(case: &Case, ms: f64, out: &Simplified) {
    println!(
        "{ms:8.3} ms  ops {:4} -> {:4}  cost {:5} -> {:5}  {:>2} it {:>6} nodes  {:15}  {}",
        op_count(&case.expr, &case.roots),
        op_count(&out.expr, &out.roots),
        dag_cost(&case.expr, &case.roots),
        dag_cost(&out.expr, &out.roots),
        out.iterations,
        out.egraph_nodes,
        out.stop,
        case.name,
    );
}

/// Timings of the defaults, per input. Not a test of speed: run with `cargo test
/// --release -p physc --lib simplify::tests::tuning::timing -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement: prints timings, asserts nothing; run in release with --nocapture"]
fn timing() {
    let (limits, tuning) = (Limits::default(), Tuning::default());
    for (label, cases, runs) in [("small", small_cases(), 21), ("large", large_cases(), 5)] {
        let mut times = Vec::new();
        for case in &cases {
            let (ms, out) = timed(case, &limits, &tuning, runs);
            report(case, ms, &out);
            times.push(ms);
        }
        let max = times.iter().copied().fold(0.0, f64::max);
        println!(
            "{label}: {} inputs, median {:.3} ms, max {max:.3} ms\n",
            times.len(),
            median(times.clone())
        );
    }
}

/// Totals over a set of inputs: milliseconds (sum of medians), e-nodes, and weighted cost
/// of the results.
fn totals(
    cases: &[Case],
    limits: &Limits,
    tuning: &Tuning,
    runs: usize,
) -> (f64, f64, usize, usize) {
    let (mut times, mut nodes, mut cost) = (Vec::new(), 0, 0);
    for case in cases {
        let (ms, out) = timed(case, limits, tuning, runs);
        times.push(ms);
        nodes += out.egraph_nodes;
        cost += dag_cost(&out.expr, &out.roots);
    }
    let max = times.iter().copied().fold(0.0, f64::max);
    (times.iter().sum(), max, nodes, cost)
}

/// What chose the defaults: totals over all inputs for scheduler settings and limits
/// around them, and for the rule set without each rule in turn (`--ignored --nocapture`,
/// in release; `SWEEP=rules` for the rules only).
#[test]
#[ignore = "a measurement: prints totals per setting, asserts nothing; takes minutes in release"]
fn sweep() {
    let small = small_cases();
    let large = large_cases();
    let base = Limits::default();
    let line = |label: String, limits: &Limits, tuning: &Tuning| {
        let (st, smax, sn, sc) = totals(&small, limits, tuning, 3);
        let (lt, lmax, ln, lc) = totals(&large, limits, tuning, 1);
        println!(
            "{label:40} small {st:7.1} ms (max {smax:5.1}) {sn:7} nodes cost {sc:5} | large {lt:6.1} ms (max {lmax:5.1}) {ln:6} nodes cost {lc:5}"
        );
    };
    line("default".into(), &base, &Tuning::default());
    if let Ok(list) = std::env::var("SWEEP_WITHOUT") {
        // One variant, and the inputs where it differs from the default.
        let without: Vec<&'static str> = list
            .split(',')
            .map(|n| &*Box::leak(n.to_string().into_boxed_str()))
            .collect();
        let tuning = Tuning {
            without: Box::leak(without.into_boxed_slice()),
            ..Tuning::default()
        };
        line(format!("without {list}"), &base, &tuning);
        for case in small.iter().chain(&large) {
            let a = simplify_tuned(&case.expr, &case.roots, &base, &Tuning::default());
            let b = simplify_tuned(&case.expr, &case.roots, &base, &tuning);
            let (ca, cb) = (dag_cost(&a.expr, &a.roots), dag_cost(&b.expr, &b.roots));
            if ca != cb {
                println!("  {ca:5} -> {cb:5}  {}", case.name);
            }
        }
        return;
    }
    let sweep = std::env::var("SWEEP").unwrap_or_default();
    if sweep.is_empty() {
        for match_limit in [100, 250, 500, 1000, 2000] {
            for explosive_limit in [50, 100, 250, 500] {
                for ban_length in [3, 5, 10] {
                    let tuning = Tuning {
                        match_limit,
                        ban_length,
                        explosive_limit,
                        ..Tuning::default()
                    };
                    line(
                        format!("match {match_limit}/{explosive_limit} ban {ban_length}"),
                        &base,
                        &tuning,
                    );
                }
            }
        }
    }
    if sweep.is_empty() || sweep == "limits" {
        for iterations in [6, 8, 10, 12, 16, 20, 30] {
            line(
                format!("iterations {iterations}"),
                &Limits {
                    iterations,
                    ..base.clone()
                },
                &Tuning::default(),
            );
        }
        for nodes in [1_000, 2_000, 4_000, 8_000, 16_000, 32_000] {
            line(
                format!("nodes {nodes}"),
                &Limits {
                    nodes,
                    ..base.clone()
                },
                &Tuning::default(),
            );
        }
        for ms in [10, 25, 50, 100, 200] {
            let time = Duration::from_millis(ms);
            line(
                format!("time {ms} ms"),
                &Limits {
                    time,
                    ..base.clone()
                },
                &Tuning::default(),
            );
        }
    }
    if !sweep.is_empty() && sweep != "rules" {
        return;
    }
    let names: Vec<&'static str> = rules().iter().map(|r| r.name.as_str()).collect();
    for name in names {
        let without: &'static [&'static str] = Box::leak(Box::new([name]));
        line(
            format!("without {name}"),
            &base,
            &Tuning {
                without,
                ..Tuning::default()
            },
        );
    }
}
