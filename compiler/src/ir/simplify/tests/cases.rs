//! The rule cases as data: every line `input => expected` of every `tests/simplify/*.txt` (at
//! the workspace root) is one case, both sides s-expressions over `x`, `y` and `z` (blank
//! lines and `#` comments allowed). The input, simplified alone with the default limits,
//! must print as `expected` does, agree with the input at a few points where the input is
//! finite, and cost no more. Every case runs; the failures are reported together, each with
//! its file and line. Adding a case is adding a line.

use super::{equivalent, printed, root_of, simplify, Limits};
use crate::ir::lang::Math;
use egg::RecExpr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Where the case files are.
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/simplify")
}

/// One line of a case file, without its comment.
struct Case {
    /// `tests/simplify/<file>:<line>`.
    place: String,
    text: String,
}

/// The cases of every file, files in name order, lines in order.
fn read_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap_or_else(|e| panic!("{}: {e}", dir().display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                cases.push(Case {
                    place: format!("tests/simplify/{name}:{}", i + 1),
                    text: line.to_string(),
                });
            }
        }
    }
    cases
}

fn parse(what: &str, s: &str) -> Result<RecExpr<Math>, String> {
    let expr: RecExpr<Math> = s.parse().map_err(|e| format!("{what} `{s}`: {e}"))?;
    if expr.as_ref().is_empty() {
        return Err(format!("no {what}"));
    }
    Ok(expr)
}

/// Why the case fails, if it does.
fn check(case: &Case) -> Result<(), String> {
    let Some((input, expected)) = case.text.split_once("=>") else {
        return Err(format!("`{}` is not `input => expected`", case.text));
    };
    let (input, expected) = (input.trim(), expected.trim());
    let expr = parse("input", input)?;
    let want = parse("expected form", expected)?;
    let want = printed(&want, root_of(&want));
    let root = root_of(&expr);
    let out = simplify(&expr, &[root], &Limits::default());
    let got = printed(&out.expr, out.roots[0]);
    if got != want {
        return Err(format!("{input} simplified to {got}, expected {want}"));
    }
    equivalent(&expr, root, &out.expr, out.roots[0]).map_err(|why| format!("{input}: {why}"))
}

#[test]
fn every_rule_case_holds() {
    let cases = read_cases();
    assert!(!cases.is_empty(), "no cases in {}", dir().display());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let outcome = catch_unwind(AssertUnwindSafe(|| check(case)))
                .unwrap_or_else(|_| Err(format!("`{}` panicked", case.text)));
            outcome.err().map(|why| format!("{}: {why}", case.place))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rule cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
