//! One file per diagnostic code in `tests/diagnostics/`, named `<CODE>_<what>.phys`: each
//! must produce its code, and its rendered diagnostics are pinned by a snapshot (files it
//! imports live in `tests/diagnostics/modules/`, which is not a fixture). Every code
//! of the catalogue has such a file (except those only `physc run` raises, tested in
//! `cli.rs`) and an entry in `spec/diagnostics.md`.

use physc_compiler::diagnostics::{render_plain, Code};
use physc_compiler::driver;
use std::collections::BTreeSet;
use std::path::Path;

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/diagnostics")
}

#[test]
fn each_file_produces_its_code() {
    insta::glob!("diagnostics/*.phys", |path| {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let code = stem.split('_').next().unwrap().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        // Relative to this directory, so a fixture may `use "modules/…"` (not fixtures).
        let compilation = driver::compile_source_with(
            &format!("{stem}.phys"),
            &text,
            Some(&dir()),
            &driver::FileSystem,
        );
        let sorted = compilation.diagnostics.clone().sorted();
        let codes: Vec<&str> = sorted.iter().map(|d| d.code.as_str()).collect();
        assert!(
            codes.contains(&code.as_str()),
            "{stem}: expected {code}, got {codes:?}"
        );
        let rendered = sorted
            .iter()
            .map(|d| render_plain(d, &compilation.sources))
            .collect::<String>()
            // The checkout's location is not part of the message's meaning.
            .replace(&dir().display().to_string(), "<fixtures>");
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn every_code_has_an_example_file_and_a_spec_entry() {
    let files: BTreeSet<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .split('_')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/diagnostics.md"),
    )
    .unwrap();
    let mut missing = Vec::new();
    for code in Code::ALL {
        if !files.contains(code.as_str()) && !Code::RUN_ONLY.contains(code) {
            missing.push(format!("{code}: no tests/diagnostics/{code}_*.phys"));
        }
        if !spec.contains(&format!("## {code}")) {
            missing.push(format!(
                "{code}: no `## {code}` section in spec/diagnostics.md"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
