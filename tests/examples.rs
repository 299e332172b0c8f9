//! Every bundled example and standard library module: checks clean, and its parse tree, its
//! checked model and its formatting are pinned by snapshots.

use physc_compiler::driver;
use physc_compiler::syntax::{format, sexpr};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rendered diagnostics, with the checkout's absolute path cut so snapshots are the same
/// wherever the repository lives.
fn rendered_diagnostics(compilation: &driver::Compilation) -> String {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let prefix = format!("{}/", examples.canonicalize().unwrap_or(examples).display());
    compilation
        .diagnostics
        .clone()
        .sorted()
        .iter()
        .map(|d| physc_compiler::diagnostics::render_plain(d, &compilation.sources))
        .collect::<String>()
        .replace(&prefix, "examples/")
}

#[test]
fn examples_check_without_errors() {
    insta::glob!("../examples", "*.phys", |path| {
        let compilation = driver::compile_file(path);
        assert!(
            !compilation.has_errors(),
            "{} has errors:\n{}",
            path.display(),
            rendered_diagnostics(&compilation)
        );
        assert!(
            !compilation.program.models.is_empty() || !compilation.program.jobs.is_empty(),
            "{} defines nothing",
            path.display()
        );
    });
}

#[test]
fn examples_start_with_a_comment_saying_what_they_model() {
    insta::glob!("../examples", "*.phys", |path| {
        let text = read(path);
        assert!(
            text.starts_with("//"),
            "{} must start with a comment",
            path.display()
        );
    });
}

#[test]
fn example_parse_trees() {
    insta::glob!("../examples", "*.phys", |path| {
        let (_, parsed) = driver::parse_source("example", &read(path));
        insta::assert_snapshot!(sexpr::file(&parsed.ast));
    });
}

#[test]
fn example_checked_models() {
    insta::glob!("../examples", "*.phys", |path| {
        let compilation = driver::compile_file(path);
        let models: String = compilation
            .program
            .models
            .iter()
            // Imported models count when a job of the file runs them (burgers_mol.phys).
            .filter(|m| m.local || compilation.program.jobs.iter().any(|j| j.target == m.name))
            .map(physc_compiler::check::print::model)
            .collect();
        let warnings = rendered_diagnostics(&compilation);
        insta::assert_snapshot!(format!("{models}\n{warnings}"));
    });
}

#[test]
fn examples_are_formatted() {
    insta::glob!("../examples", "*.phys", |path| {
        let text = read(path);
        let (_, parsed) = driver::parse_source("example", &text);
        let formatted = format::format_file(&parsed.ast, &parsed.comments, &text);
        assert_eq!(
            formatted,
            text,
            "{} is not formatted: run `physc fmt`",
            path.display()
        );
    });
}

/// Formatting keeps the meaning (same tree, ignoring spans), every comment, and is stable.
fn assert_format_round_trips(name: &str, text: &str) {
    let (_, parsed) = driver::parse_source(name, text);
    assert!(parsed.diagnostics.is_empty(), "{name} does not parse");
    let once = format::format_file(&parsed.ast, &parsed.comments, text);
    let (_, reparsed) = driver::parse_source(name, &once);
    assert!(
        reparsed.diagnostics.is_empty(),
        "formatted {name} does not parse:\n{once}"
    );
    assert_eq!(
        sexpr::file(&parsed.ast),
        sexpr::file(&reparsed.ast),
        "formatting changed the meaning of {name}"
    );
    let comments = |c: &[physc_compiler::syntax::lexer::Comment]| {
        c.iter().map(|c| c.text.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        comments(&parsed.comments),
        comments(&reparsed.comments),
        "formatting lost comments of {name}"
    );
    let twice = format::format_file(&reparsed.ast, &reparsed.comments, &once);
    assert_eq!(once, twice, "formatting {name} is not idempotent");
}

#[test]
fn formatting_round_trips_on_examples_and_stdlib() {
    insta::glob!("../examples", "*.phys", |path| {
        assert_format_round_trips(&path.display().to_string(), &read(path));
    });
    for (name, text) in driver::STDLIB {
        assert_format_round_trips(name, text);
    }
}

#[test]
fn formatting_normalises_a_messy_file() {
    let messy = "// heat\nmodel   H{space x in[0,1];time t in [0,1]\n  field u(x,t)   // the unknown\n\n\n pde dt(u)=0.1*dxx(u) ; initial u=sin(pi*x)\nboundary u=0 on boundary}\ntrain H{optimize adam(lr:1e-3,steps:10)then lbfgs(steps:5)}";
    let (_, parsed) = driver::parse_source("messy", messy);
    let formatted = format::format_file(&parsed.ast, &parsed.comments, messy);
    insta::assert_snapshot!(formatted);
    assert_format_round_trips("messy", messy);
}

#[test]
fn formatting_keeps_needed_parentheses_only() {
    let text = "const a = (1 + 2) * 3 - (4 - 5) - -6 + 2^-1 + (2^3)^2 + 2^3^2 + (-2)^2 + -2^2 + ((7)) / (8 * 9)\n";
    let (_, parsed) = driver::parse_source("parens", text);
    let formatted = format::format_file(&parsed.ast, &parsed.comments, text);
    assert_eq!(
        formatted,
        "const a = (1 + 2) * 3 - (4 - 5) - -6 + 2^-1 + (2^3)^2 + 2^3^2 + (-2)^2 + -2^2 + 7 / (8 * 9)\n"
    );
    assert_format_round_trips("parens", text);
}

#[test]
fn standard_library_checks_clean() {
    for (module, _) in driver::STDLIB {
        let source = format!("use std.{module}\n");
        let compilation = driver::compile_source("uses-stdlib", &source);
        assert!(
            compilation.diagnostics.is_empty(),
            "std.{module} has diagnostics:\n{}",
            rendered_diagnostics(&compilation)
        );
    }
}

#[test]
fn standard_library_has_at_least_twenty_chaotic_systems() {
    let compilation = driver::compile_source("systems", "use std.systems\n");
    let systems: Vec<_> = compilation
        .program
        .models
        .iter()
        .filter(|m| !m.local)
        .collect();
    assert!(systems.len() >= 20, "only {} systems", systems.len());
    for m in systems {
        assert!(m.time().is_some(), "{} has no time", m.name);
        let odes = m
            .equations
            .iter()
            .filter(|e| matches!(e.kind, physc_compiler::check::EquationKind::Ode { .. }))
            .count();
        let initials = m
            .equations
            .iter()
            .filter(|e| e.kind == physc_compiler::check::EquationKind::Initial)
            .count();
        assert!(
            odes >= 2 && odes == initials,
            "{}: {odes} odes, {initials} initial conditions",
            m.name
        );
    }
}
