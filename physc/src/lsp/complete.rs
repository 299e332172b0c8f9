//! Completion and the settings' hovers, from where the cursor is in the document's tree and
//! from the settings schema the checker validates jobs with (`check::schema`): at the start
//! of a line in a job block its setting keys; after a key its choices, calls or record
//! options; inside a call's parentheses the call's options; in a model its declaration
//! keywords, its names, the derivative operators and math functions; at the top level the
//! item keywords; after `use std.` the standard library's modules. Each setting carries its
//! type, default and doc, as the spec's settings tables show them.

use lsp_types as lsp;
use physc_compiler::check::schema::{self, CallSchema, Opt, Ty};
use physc_compiler::driver;
use physc_compiler::syntax::ast;

/// Declarations inside a model.
const MODEL_KEYWORDS: &[&str] = &[
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
    "domain",
    "part",
    "integral",
];
/// Items of a file.
const TOP_KEYWORDS: &[&str] = &[
    "model", "train", "simulate", "discover", "evolve", "use", "const", "fn", "network",
];
/// Operators and functions an expression may call.
const BUILTINS: &[&str] = &[
    "dt", "dtt", "dx", "dy", "dz", "dxx", "dyy", "dzz", "dxy", "d", "grad", "div", "curl", "dot",
    "lap", "dn", "dist", "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh",
    "sigmoid", "pi",
];

/// The completions at byte `at` of `text`; `names` are the names the enclosing model
/// declares. The block the cursor is in is found from the text, not the tree, since the
/// text being typed seldom parses.
pub fn complete(text: &str, at: usize, names: &[String]) -> Vec<lsp::CompletionItem> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let typed = before.trim_start();
    if let Some(rest) = typed.strip_prefix("use std.") {
        return words(
            driver::STDLIB
                .iter()
                .map(|(module, _)| *module)
                .filter(|m| m.starts_with(rest)),
            lsp::CompletionItemKind::MODULE,
        );
    }
    match enclosing_block(text, at) {
        Some("model") if !typed.contains(' ') => words(
            MODEL_KEYWORDS.iter().copied(),
            lsp::CompletionItemKind::KEYWORD,
        ),
        Some("model") => {
            let mut out = words(
                names.iter().map(String::as_str),
                lsp::CompletionItemKind::VARIABLE,
            );
            out.extend(words(
                BUILTINS.iter().copied(),
                lsp::CompletionItemKind::FUNCTION,
            ));
            out
        }
        Some(keyword) => match job_kind(keyword) {
            Some(kind) => job_completions(kind, before),
            None => Vec::new(),
        },
        None => words(
            TOP_KEYWORDS.iter().copied(),
            lsp::CompletionItemKind::KEYWORD,
        ),
    }
}

/// The first word of the line that opens the innermost `{ … }` around byte `at`.
pub fn enclosing_block(text: &str, at: usize) -> Option<&str> {
    let mut depth = 0;
    for (i, c) in text[..at].char_indices().rev() {
        match c {
            '}' => depth += 1,
            '{' if depth == 0 => {
                let start = text[..i].rfind('\n').map_or(0, |j| j + 1);
                return text[start..i].split_whitespace().next();
            }
            '{' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The job kind a block keyword opens.
pub fn job_kind(keyword: &str) -> Option<ast::JobKind> {
    [
        ast::JobKind::Train,
        ast::JobKind::Simulate,
        ast::JobKind::Discover,
        ast::JobKind::Evolve,
    ]
    .into_iter()
    .find(|k| k.keyword() == keyword)
}

/// In a job block: the keys at the start of a line, else what the line's key takes.
fn job_completions(kind: ast::JobKind, before: &str) -> Vec<lsp::CompletionItem> {
    let settings = schema::settings(kind);
    let typed = before.trim_start();
    let Some((key, value)) = typed.split_once(char::is_whitespace) else {
        return settings.iter().map(option_item).collect();
    };
    let Some(opt) = schema::find(settings, key) else {
        return Vec::new();
    };
    // Inside an open call's parentheses: that call's options.
    if let Some(call) = open_call(value) {
        if let Some(c) = calls_of(&opt.ty).iter().find(|c| c.name == call) {
            return c.options.iter().map(option_item).collect();
        }
    }
    value_items(&opt.ty)
}

/// The name of the innermost call whose parenthesis is still open in `value`.
fn open_call(value: &str) -> Option<&str> {
    let mut depth = 0i32;
    for (i, c) in value.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => {
                let head = value[..i].trim_end();
                let start = head
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(0, |j| j + 1);
                return Some(&head[start..]);
            }
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The calls a setting's type may hold.
fn calls_of(ty: &Ty) -> &'static [CallSchema] {
    match ty {
        Ty::Calls(c) | Ty::Networks(c) => c,
        Ty::Seq(inner) => calls_of(inner),
        _ => &[],
    }
}

/// What may follow a key of type `ty`.
fn value_items(ty: &Ty) -> Vec<lsp::CompletionItem> {
    match ty {
        Ty::Choice(names) => words(names.iter().copied(), lsp::CompletionItemKind::ENUM_MEMBER),
        Ty::Bool => words(
            ["true", "false"].into_iter(),
            lsp::CompletionItemKind::KEYWORD,
        ),
        Ty::Record(options) => options.iter().map(option_item).collect(),
        Ty::Calls(_) | Ty::Networks(_) | Ty::Seq(_) => calls_of(ty)
            .iter()
            .map(|c| lsp::CompletionItem {
                label: c.name.to_string(),
                kind: Some(lsp::CompletionItemKind::FUNCTION),
                detail: Some(c.doc.to_string()),
                ..Default::default()
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn option_item(o: &Opt) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: o.name.to_string(),
        kind: Some(lsp::CompletionItemKind::PROPERTY),
        detail: Some(schema::type_name(&o.ty)),
        documentation: Some(lsp::Documentation::String(option_doc(o))),
        ..Default::default()
    }
}

/// A setting's doc, type and default as the reference gives them.
pub fn option_doc(o: &Opt) -> String {
    format!(
        "{}\n\ntype: {}\ndefault: {}",
        o.doc,
        schema::type_name(&o.ty),
        o.default.describe()
    )
}

/// The setting, call or call option named `word` in a job block of kind `kind`, as hover
/// text; none when the word is none of these.
pub fn setting_hover(kind: ast::JobKind, word: &str) -> Option<String> {
    let settings = schema::settings(kind);
    if let Some(o) = schema::find(settings, word) {
        return Some(format!("**{}** (setting)\n\n{}", o.name, option_doc(o)));
    }
    for o in settings {
        for c in calls_of(&o.ty) {
            if c.name == word {
                let options: Vec<&str> = c.options.iter().map(|o| o.name).collect();
                return Some(format!(
                    "**{}(…)**: {}\n\noptions: {}",
                    c.name,
                    c.doc,
                    options.join(", ")
                ));
            }
        }
    }
    None
}

fn words<'a>(
    names: impl Iterator<Item = &'a str>,
    kind: lsp::CompletionItemKind,
) -> Vec<lsp::CompletionItem> {
    names
        .map(|n| lsp::CompletionItem {
            label: n.to_string(),
            kind: Some(kind),
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str, marker: &str) -> Vec<String> {
        let at = text.find(marker).unwrap() + marker.len();
        complete(text, at, &["u".into(), "k".into()])
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    const FILE: &str = "model M {\n  space x in [0, 1]\n  field u(x)\n  pde dxx(u) = 1\n  \n}\ntrain M {\n  optimize adam(lr: 1e-3, st\n  weights pde: 1\n  points \n}\n";

    #[test]
    fn completions_follow_the_schema_and_the_model() {
        let optimize = labels(FILE, "adam(lr: 1e-3, st");
        assert!(
            optimize.contains(&"steps".to_string()) && optimize.contains(&"schedule".to_string()),
            "{optimize:?}"
        );
        let keys = labels(FILE, "train M {\n  ");
        assert!(
            keys.contains(&"optimize".to_string()) && keys.contains(&"net".to_string()),
            "{keys:?}"
        );
        let points = labels(FILE, "  points ");
        assert!(
            points.contains(&"interior".to_string()) && points.contains(&"sampler".to_string()),
            "{points:?}"
        );
        let model = labels(FILE, "pde dxx(u) = 1\n  ");
        assert!(model.contains(&"boundary".to_string()), "{model:?}");
        let expr = labels(FILE, "pde dxx(");
        assert!(
            expr.contains(&"u".to_string()) && expr.contains(&"dxx".to_string()),
            "{expr:?}"
        );
        let top = labels("model M { }\n", "");
        assert!(top.contains(&"train".to_string()), "{top:?}");
        let std = labels("use std.op", "use std.op");
        assert_eq!(std, vec!["operators".to_string()]);
    }

    #[test]
    fn settings_and_calls_hover_with_their_docs() {
        let text = setting_hover(ast::JobKind::Train, "optimize").unwrap();
        assert!(text.contains("default: `adam(steps: 200)"), "{text}");
        let text = setting_hover(ast::JobKind::Train, "lm").unwrap();
        assert!(
            text.contains("Levenberg") && text.contains("steps"),
            "{text}"
        );
        assert!(setting_hover(ast::JobKind::Train, "nothing").is_none());
    }
}
