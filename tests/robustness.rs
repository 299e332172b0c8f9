//! Robustness of the front end: random bytes, random token soup and mutated examples never
//! make the lexer, parser, checker or formatter panic or hang. This is the short run kept in
//! the test suite; `PROPTEST_CASES=100000 cargo test --release --test robustness` is the long
//! one (see README).

use physc_compiler::driver;
use physc_compiler::syntax::format;
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "model",
    "space",
    "time",
    "const",
    "param",
    "field",
    "let",
    "fn",
    "pde",
    "ode",
    "initial",
    "boundary",
    "constraint",
    "data",
    "at",
    "on",
    "in",
    "from",
    "use",
    "train",
    "simulate",
    "discover",
    "evolve",
    "then",
    "periodic",
    "x",
    "t",
    "u",
    "v",
    "dt",
    "dx",
    "dxx",
    "d",
    "grad",
    "div",
    "curl",
    "dot",
    "net",
    "lap",
    "sin",
    "exp",
    "pi",
    "std",
    "operators",
    "vector",
    "0",
    "1",
    "2.5",
    "1e-3",
    "1e999",
    "\"f.npz\"",
    "+",
    "-",
    "*",
    "/",
    "^",
    "²",
    "=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    ".",
    "~",
    "∂t",
    "∇²",
    "π",
    "// c\n",
    "/* c */",
    "\n",
];

fn examples() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    out.sort();
    out
}

/// Everything a user can make the front end do with a text, short of running jobs.
fn exercise(text: &str) {
    let compilation = driver::compile_source("fuzz.phys", text);
    for d in compilation.diagnostics.iter() {
        let _ = physc_compiler::diagnostics::render_plain(d, &compilation.sources);
    }
    let (_, parsed) = driver::parse_source("fuzz.phys", text);
    if parsed.diagnostics.is_empty() {
        let once = format::format_file(&parsed.ast, &parsed.comments, text);
        let (_, again) = driver::parse_source("fuzz.phys", &once);
        assert!(
            again.diagnostics.is_empty(),
            "formatted text does not parse:\n{once}"
        );
        assert_eq!(
            physc_compiler::syntax::sexpr::file(&parsed.ast),
            physc_compiler::syntax::sexpr::file(&again.ast)
        );
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_sequences(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..120)) {
        exercise(&tokens.join(" "));
    }

    #[test]
    fn mutated_examples(
        which in 0usize..64,
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0u8..4, proptest::sample::select(TOKENS)), 1..6),
    ) {
        let sources = examples();
        let mut text = sources[which % sources.len()].clone();
        for (at, kind, token) in edits {
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let i = boundaries[at.index(boundaries.len())];
            let j = boundaries[(at.index(boundaries.len()) + 7).min(boundaries.len() - 1)];
            match kind {
                0 => text.insert_str(i, token),
                1 => text.replace_range(i..j.max(i), ""),
                2 => text.replace_range(i..j.max(i), token),
                _ => text.truncate(i),
            }
        }
        exercise(&text);
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 2000;
    let text = format!("const a = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    exercise(&text);
    let text = format!("const a = {}1\n", "-".repeat(depth));
    exercise(&text);
}

#[test]
fn nesting_just_under_the_limit_is_handled_everywhere() {
    let depth = physc_compiler::syntax::MAX_DEPTH - 2;
    let sum = vec!["u"; depth].join(" + ");
    let text = format!(
        "model M {{\n  space x in [0, 1]\n  field u(x)\n  pde dxx({sum}) = {}1{}\n  boundary u = 0 on boundary\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    exercise(&text);
    assert!(!driver::compile_source("deep.phys", &text).has_errors());
}

#[test]
fn exponential_inlining_is_cut_off() {
    let mut text =
        String::from("model M {\n  space x in [0, 1]\n  field u(x)\n  fn f0(a) = a + a\n");
    for i in 1..40 {
        text.push_str(&format!("  fn f{i}(a) = f{}(a) + f{}(a)\n", i - 1, i - 1));
    }
    text.push_str("  pde f39(u) = 0\n  boundary u = 0 on boundary\n}\n");
    let compilation = driver::compile_source("blowup.phys", &text);
    assert!(compilation
        .diagnostics
        .iter()
        .any(|d| d.code == physc_compiler::diagnostics::Code::ExpressionTooLarge));
}
