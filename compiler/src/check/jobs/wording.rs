//! How a setting's value that does not fit its type is named in the message (`found`), and
//! the advice for a qualified call in a setting, which settings name unqualified.

use crate::syntax::ast;

/// What the user wrote, in words: "the number 3", "a call to `mlp`".
pub(super) fn found(e: &ast::Expr) -> String {
    match &e.kind {
        ast::ExprKind::Number { text, .. } => format!("the number {text}"),
        ast::ExprKind::Str(_) => "a string".into(),
        ast::ExprKind::Name(n) => format!("the name `{n}`"),
        ast::ExprKind::List(_) => "a list".into(),
        ast::ExprKind::Call { callee, .. } => format!("a call to `{}`", callee.name),
        ast::ExprKind::QualifiedCall { base, callee, .. } => match &base.kind {
            ast::ExprKind::Name(module) => {
                format!("the qualified call `{module}.{}(…)`", callee.name)
            }
            _ => "an expression".into(),
        },
        _ => "an expression".into(),
    }
}

/// For a qualified call (`arch.resnet(…)`): import the item by name instead.
pub(super) fn import_advice(e: &ast::Expr) -> Option<String> {
    let ast::ExprKind::QualifiedCall { callee, .. } = &e.kind else {
        return None;
    };
    let item = &callee.name;
    Some(format!(
        "settings name networks and functions unqualified: import the item by name (`use std.MODULE.{item}`, or `use \"file.phys\".{item}`) and write `{item}(…)`"
    ))
}
