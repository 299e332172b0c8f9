//! The editor files in `editors/` against the language: the VS Code manifest names files
//! that exist, its comment tokens are the lexer's, and the TextMate grammar highlights
//! every keyword of spec/language.md as a keyword and the examples' declarations by kind.

use regex::Regex;
use serde_json::Value;
use std::path::PathBuf;

mod support;

fn vscode() -> PathBuf {
    support::root().join("editors/vscode")
}

fn json(name: &str) -> Value {
    let path = vscode().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The keywords spec/language.md lists (the block after "**Keywords**").
fn spec_keywords() -> Vec<String> {
    let spec = std::fs::read_to_string(support::root().join("spec/language.md")).unwrap();
    let from = spec
        .find("**Keywords**")
        .expect("the spec lists its keywords");
    let block = &spec[from..];
    let start = block.find("```text").unwrap() + "```text".len();
    let end = start + block[start..].find("```").unwrap();
    block[start..end]
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Every `match` pattern under a repository entry, with its scope name.
fn patterns<'a>(value: &'a Value, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(m)), Some(Value::String(n))) =
                (map.get("match"), map.get("name"))
            {
                out.push((n.clone(), m));
            }
            map.values().for_each(|v| patterns(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| patterns(v, out)),
        _ => {}
    }
}

#[test]
fn the_vscode_manifest_names_files_that_exist() {
    let manifest = json("package.json");
    let language = &manifest["contributes"]["languages"][0];
    assert_eq!(language["extensions"][0], ".phys");
    let grammar = &manifest["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.phys");
    for file in [
        manifest["main"].as_str().unwrap(),
        language["configuration"].as_str().unwrap(),
        grammar["path"].as_str().unwrap(),
    ] {
        assert!(vscode().join(file).is_file(), "{file} is missing");
    }
    let client = std::fs::read_to_string(vscode().join("extension.js")).unwrap();
    assert!(
        client.contains(r#"args: ["lsp"]"#),
        "the client starts `physc lsp`"
    );
    let config = json("language-configuration.json");
    assert_eq!(config["comments"]["lineComment"], "//");
    assert_eq!(
        config["comments"]["blockComment"],
        serde_json::json!(["/*", "*/"])
    );
}

#[test]
fn the_grammar_highlights_every_keyword_and_the_examples_declarations() {
    let grammar = json("syntaxes/phys.tmLanguage.json");
    let mut all = Vec::new();
    patterns(&grammar["repository"]["keywords"], &mut all);
    let keywords: Vec<(String, Regex)> = all
        .into_iter()
        .map(|(n, m)| (n, Regex::new(&format!("^(?:{m})$")).unwrap()))
        .collect();
    let listed = spec_keywords();
    assert_eq!(listed.len(), 30, "{listed:?}");
    for word in &listed {
        assert!(
            keywords.iter().any(|(_, r)| r.is_match(word)),
            "keyword `{word}` is not highlighted"
        );
    }
    for word in ["u", "net", "pi", "width"] {
        assert!(
            !keywords.iter().any(|(_, r)| r.is_match(word)),
            "`{word}` is not a keyword"
        );
    }
    // Declarations: the declared name gets its own scope in every example.
    let field = Regex::new(
        grammar["repository"]["declarations"]["patterns"][1]["match"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(support::root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "phys") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text
                .lines()
                .filter(|l| l.trim_start().starts_with("field "))
            {
                let caps = field.captures(line).unwrap_or_else(|| panic!("{line}"));
                assert_eq!(&caps[1], "field");
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "{seen} field declarations");
}
