//! Names that say which module they come from: `ops.lap(u)` and `ops.k` for a module
//! imported `use "ops.phys" as ops` (only that module's own definitions: nothing is
//! re-exported), and the error for a name that two unqualified imports both define.

use super::{Elab, Elaborator, Reported, Value};
use crate::check::model::ExprKind;
use crate::check::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

impl<'s, 'a> Elaborator<'s, 'a> {
    /// `base.member` when `base` is a module alias here (and not a name of the model or a
    /// function's argument): the module's constant `member`. `None` when `base` is not an
    /// alias, so the caller reads it as a vector component.
    pub(super) fn qualified_constant(
        &mut self,
        base: &ast::Expr,
        member: &ast::Ident,
    ) -> Option<Elab<Value>> {
        let module = self.alias_of(base)?;
        Some(match self.globals.own_constant(module, &member.name) {
            Some(id) => self.scalar(ExprKind::Const(id), member.span),
            None => Err(self.unknown_qualified(base, member, module)),
        })
    }

    /// `base.callee(args)`: function `callee` of the module `base` names.
    pub(super) fn qualified_call(
        &mut self,
        base: &ast::Expr,
        callee: &ast::Ident,
        args: &[ast::Arg],
        span: Span,
    ) -> Elab<Value> {
        let Some(module) = self.alias_of(base) else {
            return Err(self.report(
                Diagnostic::new(
                    Code::UnknownQualifiedName,
                    base.span,
                    format!("`{}` is not a module imported with `as`", ast_text(base)),
                    "not a module name",
                )
                .with_help(
                    "import the module under a name, `use \"ops.phys\" as ops`, to call its \
                     functions as `ops.lap(u)`",
                ),
            ));
        };
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            return Err(self.report(
                Diagnostic::new(
                    Code::NamedArgInMath,
                    a.value.span,
                    "named arguments belong to job settings",
                    "named argument",
                )
                .with_help("named arguments (`lr: 1e-3`) belong to job settings"),
            ));
        }
        let Some(decl) = self.globals.own_function(module, &callee.name) else {
            return Err(self.unknown_qualified(base, callee, module));
        };
        let args: Vec<&ast::Expr> = args.iter().map(|a| &a.value).collect();
        self.inline(decl, &args, span, Some(module))
    }

    /// The module a bare name stands for, if it is an alias here and nothing nearer (an
    /// argument, a model name) has that name.
    fn alias_of(&self, base: &ast::Expr) -> Option<usize> {
        let ast::ExprKind::Name(name) = &base.kind else {
            return None;
        };
        let local = self
            .frames
            .last()
            .is_some_and(|f| f.locals.contains_key(name))
            || !self.in_global_fn() && self.scope.names.contains_key(name);
        if local {
            return None;
        }
        self.globals.alias(self.module(), name)
    }

    fn unknown_qualified(
        &mut self,
        base: &ast::Expr,
        item: &ast::Ident,
        module: usize,
    ) -> Reported {
        let names = &self.globals.modules[module];
        let own: Vec<&str> = names
            .fns
            .keys()
            .chain(names.consts.keys())
            .map(String::as_str)
            .collect();
        let help = suggest::did_you_mean(&item.name, own.iter().copied()).unwrap_or_else(|| {
            let mut own = own.clone();
            own.sort();
            if own.is_empty() {
                format!("`{}` defines no functions or constants", names.display)
            } else {
                format!("`{}` defines {}", names.display, own.join(", "))
            }
        });
        let message = format!(
            "`{}` has no function or constant `{}`",
            names.display, item.name
        );
        self.report(
            Diagnostic::new(
                Code::UnknownQualifiedName,
                item.span,
                message,
                "not defined there",
            )
            .with_label(
                base.span,
                format!("`{}` is `{}`", ast_text(base), names.display),
            )
            .with_help(help),
        )
    }

    /// A name that two modules imported without qualification both define.
    pub(super) fn ambiguous(
        &mut self,
        name: &str,
        origins: &[(String, Span)],
        span: Span,
    ) -> Reported {
        let modules: Vec<String> = origins.iter().map(|(m, _)| format!("`{m}`")).collect();
        let mut d = Diagnostic::new(
            Code::AmbiguousName,
            span,
            format!("`{name}` is defined by {}", join_and(&modules)),
            "which one?",
        );
        for (module, use_span) in origins {
            d = d.with_label(*use_span, format!("`{name}` of `{module}` comes from here"));
        }
        let first = origins.first().map_or("", |(m, _)| m.as_str());
        self.report(d.with_help(format!(
            "import one of them by name (`use {}.{name}`), or import a module under a name \
             (`use {} as m`) and write `m.{name}`",
            quoted_module(first),
            quoted_module(first)
        )))
    }
}

/// How a `use` names a module: `std.operators`, or a file path in quotes.
fn quoted_module(display: &str) -> String {
    if display.starts_with("std.") {
        display.to_string()
    } else {
        format!("\"{display}\"")
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The source spelling of a simple expression, for messages.
fn ast_text(e: &ast::Expr) -> String {
    match &e.kind {
        ast::ExprKind::Name(n) => n.clone(),
        ast::ExprKind::Member { base, member } => format!("{}.{}", ast_text(base), member.name),
        _ => "this expression".to_string(),
    }
}
