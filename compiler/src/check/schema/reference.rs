//! The schema rendered for people: each type's name, each default as the reference shows
//! it, the settings tables of `spec/language.md` (`reference`), which
//! `tests/spec_settings.rs` compares with the spec, and what a type is and an example of it
//! for the checker's messages (`describe`, `example`).

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
        Ty::List(item) => match item {
            Ty::Activation => "list of activations".into(),
            _ => format!("list, each {}", type_name(item)),
        },
        Ty::DataSource => "string, or the name of a model".into(),
        Ty::Name => "name".into(),
        Ty::Names => "list of names".into(),
        Ty::Library => "list of terms".into(),
        Ty::Target => format!(
            "{}, or a visible top-level `fn` of one parameter",
            quoted(EVOLVE_TARGETS.iter().copied(), " \\| ")
        ),
        Ty::NumOrAuto => "number ≥ 0 or `auto`".into(),
        Ty::IntOrAuto { min } => format!("integer ≥ {min} or `auto`"),
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

/// What a value of type `ty` is, for "expects …" messages.
pub fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Num { positive: true } => "a positive number".into(),
        Ty::Num { positive: false } => "a number ≥ 0".into(),
        Ty::Int { min, max: i64::MAX } => format!("a whole number ≥ {min}"),
        Ty::Int { min, max } => format!("a whole number from {min} to {max}"),
        Ty::Bool => "`true` or `false`".into(),
        Ty::Str => "a string in quotes".into(),
        Ty::Folder => {
            "a folder name in quotes (letters, digits, `_`, `-`, `.`; not `.` or `..`)".into()
        }
        Ty::Choice(c) => format!("one of {}", c.join(", ")),
        Ty::Calls(c) => format!(
            "one of {}",
            c.iter()
                .map(|c| format!("{}(...)", c.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Record(_) | Ty::PerVariable => "`name: value` pairs".into(),
        Ty::Networks(c) => format!(
            "one of {}, or `name: call` pairs (one network per field)",
            c.iter()
                .map(|c| format!("{}(...)", c.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Seq(inner) => describe(inner),
        Ty::Variables => "a list of variables, like `[x, t]`".into(),
        Ty::Activation => format!("an activation ({})", super::ACTIVATION_DOC),
        Ty::Interval => "an interval `[a, b]`".into(),
        Ty::Sizes { min } => format!("a list of whole numbers ≥ {min}, like `[256, 100]`"),
        Ty::List(item) => format!("a list, each {}", describe(item)),
        Ty::DataSource => "a file name in quotes or a model name".into(),
        Ty::Name => "a name".into(),
        Ty::Names => "a list of names, like `[x, y]`".into(),
        Ty::Library => "a list of terms, like `[poly(degree: 2), sin(x)]`".into(),
        Ty::Target => "a function name".into(),
        Ty::NumOrAuto => "a positive number or `auto`".into(),
        Ty::IntOrAuto { min } => format!("a whole number ≥ {min} or `auto`"),
        Ty::Ops => format!("a list of operations from {}", EVOLVE_OPS.join(", ")),
    }
}

/// "for example: `key value`", the help under a mistyped setting.
pub fn example(key: &str, ty: &Ty) -> String {
    format!("for example: `{key} {}`", example_value(ty))
}

/// A value of type `ty`, as a user would write it.
fn example_value(ty: &Ty) -> String {
    match ty {
        Ty::Num { .. } | Ty::NumOrAuto => "0.1".to_string(),
        Ty::Int { .. } | Ty::IntOrAuto { .. } => "100".into(),
        Ty::Bool => "true".into(),
        Ty::Str => "\"file.npz\"".into(),
        Ty::Folder => "\"f32_run\"".into(),
        Ty::Choice(c) => c[0].into(),
        Ty::Calls(c) | Ty::Networks(c) | Ty::Seq(Ty::Calls(c)) => {
            let first = &c[0];
            match first.options.first() {
                Some(o) => format!("{}({}: ...)", first.name, o.name),
                None => first.name.into(),
            }
        }
        Ty::Record(options) => options
            .iter()
            .take(2)
            .map(|o| format!("{}: ...", o.name))
            .collect::<Vec<_>>()
            .join(", "),
        Ty::PerVariable => "x: 256".into(),
        Ty::Variables => "[x, t]".into(),
        Ty::Activation => "tanh".into(),
        Ty::Interval => "[0, 1]".into(),
        Ty::Sizes { .. } => "[256, 100]".into(),
        Ty::List(item) => format!("[{}]", example_value(item)),
        Ty::DataSource => "\"data.csv\"".into(),
        Ty::Name => "t".into(),
        Ty::Names => "[x, y, z]".into(),
        Ty::Library => "[poly(degree: 2)]".into(),
        Ty::Target => "exp".into(),
        Ty::Ops => "[add, mul, fma]".into(),
        Ty::Seq(_) => "...".into(),
    }
}
