//! The tree-sitter grammar of physc's `.phys` files, for editors and tools that parse with
//! tree-sitter: [`LANGUAGE`] and the highlight query [`HIGHLIGHTS_QUERY`]. The grammar is
//! `grammar.js`; `tree-sitter generate` in this directory rewrites `src/parser.c`. The
//! compiler's own parser (lalrpop) stays the judge of what is valid.

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_phys() -> *const ();
}

/// The language, for `tree_sitter::Parser::set_language(&LANGUAGE.into())`.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_phys) };

/// The highlight query (`queries/highlights.scm`).
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

#[cfg(test)]
mod tests {
    //! Against the repository: every example and standard-library file parses without an
    //! error node, a broken file does not, the corpus gives its expected trees, and the
    //! query highlights every keyword the spec lists.
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn parser() -> tree_sitter::Parser {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&super::LANGUAGE.into())
            .expect("ABI matches");
        parser
    }

    fn phys_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                phys_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "phys") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_example_and_library_file_parses_without_errors() {
        let mut files = Vec::new();
        for dir in ["examples", "stdlib", "tests/diagnostics/modules"] {
            phys_files(&root().join(dir), &mut files);
        }
        assert!(files.len() > 30, "{} files", files.len());
        let mut parser = parser();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let tree = parser.parse(&text, None).unwrap();
            let root = tree.root_node();
            assert!(
                !root.has_error(),
                "{}: {}",
                file.display(),
                root.to_sexp().chars().take(2000).collect::<String>()
            );
        }
        let broken = parser.parse("model M {\n  space x in [0, 1\n  pde = =\n}\n", None);
        assert!(broken.unwrap().root_node().has_error());
    }

    /// (name, input, expected tree) of each case of a corpus file in tree-sitter's format:
    /// a `===` rule, the name, a `===` rule, the input, a `---` rule, the expected tree.
    fn corpus(text: &str) -> Vec<(String, String, String)> {
        let rule = |line: &str, c: char| line.len() >= 3 && line.chars().all(|x| x == c);
        let lines: Vec<&str> = text.lines().collect();
        let mut cases = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            if !rule(lines[i], '=') {
                i += 1;
                continue;
            }
            let name = lines.get(i + 1).copied().unwrap_or("").to_string();
            i += 3;
            let start = i;
            while i < lines.len() && !rule(lines[i], '-') {
                i += 1;
            }
            let input = lines[start..i.min(lines.len())].join("\n");
            i += 1;
            let from = i.min(lines.len());
            while i < lines.len() && !rule(lines[i], '=') {
                i += 1;
            }
            cases.push((
                name,
                input.trim().to_string() + "\n",
                lines[from..i].join("\n"),
            ));
        }
        cases
    }

    /// The corpus (`test/corpus/`, which `tree-sitter test` runs too) without the CLI:
    /// every case parses to its expected tree, whitespace aside.
    #[test]
    fn the_corpus_parses_to_its_expected_trees() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/corpus");
        let mut parser = parser();
        let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for (name, input, expected) in corpus(&text) {
                let tree = parser.parse(&input, None).unwrap();
                assert_eq!(
                    normalise(&tree.root_node().to_sexp()),
                    normalise(&expected),
                    "corpus case `{name}`"
                );
                count += 1;
            }
        }
        assert!(count >= 9, "{count} corpus cases");
    }

    #[test]
    fn the_query_compiles_and_highlights_every_keyword() {
        let language: tree_sitter::Language = super::LANGUAGE.into();
        tree_sitter::Query::new(&language, super::HIGHLIGHTS_QUERY).expect("the query compiles");
        let spec = std::fs::read_to_string(root().join("spec/language.md")).unwrap();
        let block = spec
            .split("**Keywords**")
            .nth(1)
            .and_then(|rest| rest.split("```text").nth(1))
            .and_then(|rest| rest.split("```").next())
            .expect("the spec lists its keywords");
        let keywords: Vec<&str> = block.split_whitespace().collect();
        assert_eq!(keywords.len(), 30, "{keywords:?}");
        for keyword in keywords {
            assert!(
                super::HIGHLIGHTS_QUERY.contains(&format!("\"{keyword}\"")),
                "`{keyword}` is not highlighted"
            );
        }
    }
}
