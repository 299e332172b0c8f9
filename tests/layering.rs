//! The crate graph's promises, checked on the source: the library crates (`compiler`,
//! `runtime`, `jobs`, and the `physc` library root) never print, never exit the process,
//! never install a signal handler and never use the terminal crates; only the command-line
//! tool (`physc/src/bin/`) does. Test code (files named `tests.rs` or `*_tests.rs`,
//! directories named `tests`, and everything after a `#[cfg(test)]` or `#![cfg(test)]` line)
//! may print.

use std::path::{Path, PathBuf};

const LIBRARY_DIRS: &[&str] = &["compiler/src", "runtime/src", "jobs/src", "physc/src"];

/// What a library must not contain, and why.
const FORBIDDEN: &[(&str, &str)] = &[
    ("println!", "prints to stdout"),
    ("eprintln!", "prints to stderr"),
    ("print!(", "prints to stdout"),
    ("eprint!(", "prints to stderr"),
    ("process::exit", "exits the process"),
    ("ctrlc::", "installs a signal handler"),
    ("indicatif::", "draws on the terminal"),
    ("clap::", "parses a command line"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            // The command-line tool and test directories may print.
            if name != "bin" && name != "tests" {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && name != "tests.rs"
            && !name.to_string_lossy().ends_with("_tests.rs")
        {
            out.push(path);
        }
    }
}

/// Whether `code` uses `pattern` as a whole name (`eprintln!` is not a use of `println!`).
fn uses(code: &str, pattern: &str) -> bool {
    code.match_indices(pattern).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Every forbidden use in `files` before their tests, as `path:line: why`.
fn violations(files: &[PathBuf], root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let line_start = line.trim_start();
            if line_start.starts_with("#[cfg(test)]") || line_start.starts_with("#![cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or("");
            for (pattern, why) in FORBIDDEN {
                if uses(code, pattern) {
                    let shown = file.strip_prefix(root).unwrap_or(file).display();
                    found.push(format!("{shown}:{}: `{pattern}` {why}", n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn library_crates_never_print_exit_or_touch_the_terminal() {
    let root = root();
    let mut files = Vec::new();
    for dir in LIBRARY_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    let found = violations(&files, &root);
    assert!(
        found.is_empty(),
        "library code must return data, not use the process or the terminal \
         (move it to physc/src/bin/):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_a_violation_outside_tests_only() {
    let dir = std::env::temp_dir().join(format!("physc-layering-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub/bin")).unwrap();
    std::fs::write(
        dir.join("sub/a.rs"),
        "fn f() { eprintln!(\"x\") } // println!\n#[cfg(test)]\nfn g() { println!(\"y\") }\n",
    )
    .unwrap();
    std::fs::write(dir.join("sub/bin/main.rs"), "fn main() { println!() }\n").unwrap();
    std::fs::write(dir.join("sub/tests.rs"), "fn t() { println!() }\n").unwrap();
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let found = violations(&files, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        found,
        vec!["sub/a.rs:1: `eprintln!` prints to stderr".to_string()]
    );
}
