//! The readable printer on the issue's examples, on the simplifier's benchmark corpus
//! (`bench/simplify.d/*.txt`, snapshotted) and on its rule cases (`tests/simplify/*.txt`):
//! every printed form, readable and operation-count, parses back through the parser
//! `physc simplify` uses to an expression the interpreter finds equal to the input.

use super::Reader;
use crate::ir::eval::eval;
use crate::ir::lang::{Math, Symbols};
use crate::ir::simplify::{simplify_readable, Limits};
use crate::ir::standalone::{lower_expression, Standalone};
use crate::ir::{print, Id, RecExpr};
use crate::source::SourceMap;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

fn lower(text: &str) -> Result<Standalone, String> {
    let mut sources = SourceMap::new();
    let file = sources.add("<expression>".to_string(), None, text.to_string());
    let e = crate::syntax::parse_expression(file, text).map_err(|d| format!("{d:?}"))?;
    lower_expression(&e).map_err(|d| format!("{d:?}"))
}

/// Generous time, so only the iteration and node limits bind and snapshots are stable.
fn limits() -> Limits {
    Limits {
        time: Duration::from_secs(20),
        ..Limits::default()
    }
}

/// The readable and the operation-count form of a one-off expression.
fn printed(text: &str) -> (String, String) {
    let s = lower(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    forms(&s.builder.expr, s.root, &s.symbols)
}

fn forms(expr: &RecExpr<Math>, root: Id, symbols: &Symbols) -> (String, String) {
    let out = simplify_readable(expr, &[root], &limits());
    let (readable, roots) = out.readable.as_ref().expect("asked for");
    let reader = Reader::new(symbols);
    (
        reader.source(readable, roots[0]),
        print::source(&out.expr, out.roots[0], symbols),
    )
}

fn readable(text: &str) -> String {
    printed(text).0
}

#[test]
fn the_issues_examples_read_as_written() {
    assert_eq!(readable("tanh(x)*tanh(x) - 1 + 1"), "tanh(x)^2");
    assert_eq!(
        readable("5.012 * x + z * -(1.003 * y)"),
        "5.012 * x - 1.003 * y * z"
    );
    assert_eq!(readable("x * (z - 1.48)"), "x * z - 1.48 * x");
    assert_eq!(readable("x * y + (8 - 3 * z)"), "x * y - 3 * z + 8");
    assert_eq!(
        readable("x * (0.14 - 9.9 * z) + 1.06 * y"),
        "0.14 * x + 1.06 * y - 9.9 * x * z"
    );
    assert_eq!(readable("4 + u * v * -2"), "4 - 2 * u * v");
    assert_eq!(readable("u * -u"), "-u^2");
}

#[test]
fn numbers_lead_and_divisions_stay_short() {
    assert_eq!(readable("y * 3 * x"), "3 * x * y");
    assert_eq!(readable("x / 3"), "x / 3");
    assert_eq!(readable("x / 4"), "0.25 * x");
    assert_eq!(readable("(x + y) / (x - y)"), "(x + y) / (x - y)");
    assert_eq!(readable("2 * x / (y * y)"), "2 * x / y^2");
    assert_eq!(readable("-x"), "-x");
    assert_eq!(readable("x - x"), "0");
}

/// Random points for the names of `expr`, the same value for a name wherever it occurs.
fn sample(names: &[String], seed: u64) -> HashMap<String, f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    names
        .iter()
        .map(|n| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            // Mostly positive (logs and roots), some negative.
            (
                n.clone(),
                if seed % 4 == 3 {
                    -0.2 - 1.8 * unit
                } else {
                    0.1 + 1.9 * unit
                },
            )
        })
        .collect()
}

fn names(expr: &RecExpr<Math>) -> Vec<String> {
    let mut out: Vec<String> = expr
        .as_ref()
        .iter()
        .filter_map(|n| match n {
            Math::Symbol(s) => Some(s.as_str().to_string()),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why `printed` does not read back as `expr` at `root`, if it does not.
fn reads_back(expr: &RecExpr<Math>, root: Id, printed: &str) -> Result<(), String> {
    let back = lower(printed).map_err(|e| format!("`{printed}` does not parse: {e}"))?;
    let mut all = names(expr);
    all.extend(names(&back.builder.expr));
    for seed in 0..8 {
        let point = sample(&all, seed);
        let at = |s: egg::Symbol| point.get(s.as_str()).copied().unwrap_or(f64::NAN);
        let want = eval(expr, root, &mut { at });
        let got = eval(&back.builder.expr, back.root, &mut { at });
        if !want.is_finite() || want.abs() > 1e12 {
            continue;
        }
        if (got - want).abs() > 1e-9 * want.abs().max(1.0) {
            return Err(format!(
                "`{printed}` is {got}, the input {want}, at {point:?}"
            ));
        }
    }
    Ok(())
}

fn corpus(file: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bench/simplify.d")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// The benchmark corpus as a reader sees it, and every form read back.
#[test]
fn corpus_reads_back_and_is_snapshotted() {
    let mut snapshot = String::new();
    let mut failures = Vec::new();
    for file in ["corpus.txt", "heldout.txt"] {
        for text in corpus(file) {
            let s = lower(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let (readable, ops) = forms(&s.builder.expr, s.root, &s.symbols);
            let latex = {
                let out = simplify_readable(&s.builder.expr, &[s.root], &limits());
                let (e, r) = out.readable.expect("asked for");
                Reader::new(&s.symbols).latex(&e, r[0])
            };
            snapshot.push_str(&format!("{text}\n    {readable}\n    ${latex}$\n"));
            for form in [&readable, &ops] {
                if let Err(why) = reads_back(&s.builder.expr, s.root, form) {
                    failures.push(format!("{file}: {text}: {why}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    insta::assert_snapshot!("simplify_corpus", snapshot);
}

/// The rule cases' inputs (s-expressions over x, y, z), printed and read back.
#[test]
fn rule_cases_read_back() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/simplify");
    let mut failures = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/simplify")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let symbols = Symbols::default();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("case file");
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((input, _)) = line.split_once("=>") else {
                continue;
            };
            let Ok(expr) = input.trim().parse::<RecExpr<Math>>() else {
                continue;
            };
            let root = Id::from(expr.as_ref().len() - 1);
            let (readable, ops) = forms(&expr, root, &symbols);
            for form in [&readable, &ops] {
                if let Err(why) = reads_back(&expr, root, form) {
                    failures.push(format!("{}: {input}: {why}", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
