//! The schema rendered for people: each type's name, each default as the reference shows
//! it, and the settings tables of `spec/language.md` (`reference`), which
//! `tests/spec_settings.rs` compares with the spec.

use super::{settings, CallSchema, Default, Opt, Ty, EVOLVE_OPS, EVOLVE_TARGETS, GENERATORS};
use crate::syntax::ast::JobKind;

/// Names in backticks, joined by `separator`.
fn quoted<'n>(names: impl Iterator<Item = &'n str>, separator: &str) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(separator)
}

impl Default {
    /// The default as the reference shows it.
    pub fn describe(&self) -> String {
        match self {
            Default::Required => "required".into(),
            // Plain decimals between 0.001 and 10⁶ (`0.1`, `30`), scientific outside (`1e-8`).
            Default::Num(v) if *v == 0.0 || (1e-3..1e6).contains(&v.abs()) => format!("{v}"),
            Default::Num(v) => format!("{v:e}"),
            Default::Int(v) => v.to_string(),
            Default::Bool(v) => format!("`{v}`"),
            Default::Name(n) => format!("`{n}`"),
            Default::Described(text) => text.to_string(),
        }
    }
}

/// The type of a value as the reference names it.
pub fn type_name(ty: &Ty) -> String {
    let calls = |c: &[CallSchema]| quoted(c.iter().map(|c| c.name), " \\| ");
    match ty {
        Ty::Num { positive: true } => "positive number".into(),
        Ty::Num { positive: false } => "number ≥ 0".into(),
        Ty::Int { min, max: i64::MAX } => format!("integer ≥ {min}"),
        Ty::Int { min, max } => format!("integer from {min} to {max}"),
        Ty::Bool => "boolean".into(),
        Ty::Str => "string".into(),
        Ty::Choice(c) => format!("choice {}", quoted(c.iter().copied(), " \\| ")),
        Ty::Calls(c) => format!("call {}", calls(c)),
        Ty::Networks(c) => format!("call {}, or `name: call` pairs", calls(c)),
        Ty::Record(_) => "record".into(),
        Ty::Seq(Ty::Calls(c)) => format!("calls {} joined by `then`", calls(c)),
        Ty::Seq(inner) => format!("{} joined by `then`", type_name(inner)),
        Ty::Variables => "variables".into(),
        Ty::Activation => "activation".into(),
        Ty::Interval => "interval".into(),
        Ty::Sizes { min } => format!("list of integers ≥ {min}"),
        Ty::List(item) => format!("list of {}s", type_name(item)),
        Ty::DataSource => "string, or the name of a model".into(),
        Ty::Name => "name".into(),
        Ty::Names => "list of names".into(),
        Ty::Library => "list of terms".into(),
        Ty::Target => format!(
            "{}, or a visible top-level `fn` of one parameter",
            quoted(EVOLVE_TARGETS.iter().copied(), " \\| ")
        ),
        Ty::NumOrAuto => "number ≥ 0 or `auto`".into(),
        Ty::Ops => format!("list of {}", quoted(EVOLVE_OPS.iter().copied(), ", ")),
        Ty::PerVariable => "per variable".into(),
        Ty::Folder => "folder name".into(),
    }
}

/// The settings reference of one job kind, as the Markdown tables of `spec/language.md`:
/// the settings, then the options of every call and record they take.
pub fn reference(kind: JobKind) -> String {
    let mut out = String::from("| Setting | Type | Default | Meaning |\n|---|---|---|---|\n");
    let row = |o: &Opt| {
        format!(
            "{} | {} | {} |",
            type_name(&o.ty),
            o.default.describe(),
            o.doc
        )
    };
    let options = settings(kind);
    for o in options {
        out += &format!("| `{}` | {}\n", o.name, row(o));
    }
    let mut nested = String::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut add_call_group = |nested: &mut String, what: &str, calls: &[CallSchema]| {
        for c in calls {
            if seen.contains(&c.name) {
                continue;
            }
            seen.push(c.name);
            let head = format!("`{}`{what} — {}", c.name, c.doc);
            if c.options.is_empty() {
                *nested += &format!("| {head} | — | | | takes no options |\n");
            }
            for (i, o) in c.options.iter().enumerate() {
                let first = if i == 0 { head.as_str() } else { "" };
                *nested += &format!("| {first} | `{}` | {}\n", o.name, row(o));
            }
        }
    };
    for o in options {
        match &o.ty {
            Ty::Calls(calls) | Ty::Networks(calls) | Ty::Seq(Ty::Calls(calls)) => {
                add_call_group(&mut nested, "", calls);
                for c in *calls {
                    for inner in c.options {
                        if let Ty::Calls(inner_calls) = &inner.ty {
                            add_call_group(
                                &mut nested,
                                &format!(" (`{}`)", inner.name),
                                inner_calls,
                            );
                        }
                    }
                }
            }
            Ty::Library => add_call_group(&mut nested, " (library)", GENERATORS),
            Ty::Record(fields) => {
                for (i, f) in fields.iter().enumerate() {
                    let first = if i == 0 {
                        format!("`{}` record", o.name)
                    } else {
                        String::new()
                    };
                    nested += &format!("| {first} | `{}` | {}\n", f.name, row(f));
                }
            }
            _ => {}
        }
    }
    if !nested.is_empty() {
        out += "\n| Call / record | Option | Type | Default | Meaning |\n|---|---|---|---|---|\n";
        out += &nested;
    }
    out
}
