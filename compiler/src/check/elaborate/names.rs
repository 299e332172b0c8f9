//! Name resolution: function arguments, built-in constants, the model's own names (a `let`
//! is inlined where it is used), top-level constants; what is not a constant where one is
//! needed; undefined names and unknown functions with "did you mean" and standard-library
//! hints.

use super::shapes::value_size;
use super::{Binding, Elab, Elaborator, Found, Frame, Reported, Value};
use crate::check::builtins::{self, MathFn};
use crate::check::model::{ExprKind, FieldRef};
use crate::check::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;

impl<'s, 'a> Elaborator<'s, 'a> {
    pub(super) fn name(&mut self, name: &str, span: Span) -> Elab<Value> {
        if let Some(v) = self.frames.last().and_then(|f| f.locals.get(name)).cloned() {
            // Each use of an argument copies its tree: count it against the size limit.
            self.grow(value_size(&v), span)?;
            return Ok(v);
        }
        if let Some(value) = builtins::constant(name) {
            return self.scalar(ExprKind::Number(value), span);
        }
        if !self.in_global_fn() {
            if let Some(&(binding, _)) = self.scope.names.get(name) {
                self.used.insert(name.to_string());
                return self.binding(binding, name, span);
            }
        }
        match self.globals.constant(self.module(), name) {
            Found::One(id, _) => return self.scalar(ExprKind::Const(id), span),
            Found::Ambiguous(origins) => return Err(self.ambiguous(name, &origins, span)),
            Found::Missing => {}
        }
        if let Some(&what) = self.scope.pending.get(name).filter(|_| self.constant_only) {
            return Err(self.not_constant(name, what, span));
        }
        if let Some(axis) = super::normal::normal_axis(name) {
            return self.normal(name, axis, span);
        }
        Err(self.undefined(name, span, "not defined here"))
    }

    fn not_constant(&mut self, name: &str, what: &str, span: Span) -> Reported {
        self.report(
            Diagnostic::new(
                Code::NotConstant,
                span,
                format!("`{name}` is {what}, but a constant is needed here"),
                "not a constant",
            )
            .with_help("constants are numbers, `pi`, `e` and other `const`s combined by arithmetic and functions"),
        )
    }

    fn binding(&mut self, binding: Binding, name: &str, span: Span) -> Elab<Value> {
        let non_constant = match binding {
            Binding::Var(_) => Some("a variable"),
            Binding::Param(_) => Some("a learnable parameter"),
            Binding::Field(_) => Some("a field"),
            Binding::Let(_) => None,
            _ => None,
        };
        if let Some(what) = non_constant.filter(|_| self.constant_only) {
            return Err(self.not_constant(name, what, span));
        }
        match binding {
            Binding::Var(v) => self.scalar(ExprKind::Var(v), span),
            Binding::Const(c) => self.scalar(ExprKind::Const(c), span),
            Binding::Param(p) => self.scalar(ExprKind::Param(p), span),
            Binding::Field(f) => self.field_value(f, span, false),
            Binding::Let(l) => {
                let decl = self.scope.lets[l];
                if self.frames.iter().any(|f| f.definition == decl.name.span) {
                    return Err(self.report(
                        Diagnostic::new(
                            Code::RecursiveFunction,
                            span,
                            format!("`{}` is defined in terms of itself", decl.name.name),
                            "used inside its own definition",
                        )
                        .with_label(decl.span, "defined here"),
                    ));
                }
                self.frames.push(Frame {
                    locals: HashMap::new(),
                    function: decl.name.name.clone(),
                    definition: decl.name.span,
                    call_site: span,
                    module: self.scope.module,
                    global: false,
                });
                let value = self.expr(&decl.value);
                self.frames.pop();
                value
            }
            Binding::Fn(f) => Err(self.report(
                Diagnostic::new(
                    Code::WrongArity,
                    span,
                    format!("`{name}` is a function and needs arguments"),
                    "used without arguments",
                )
                .with_label(self.scope.fns[f].span, "defined here"),
            )),
        }
    }

    pub(super) fn field_value(&mut self, f: usize, span: Span, net: bool) -> Elab<Value> {
        let field = &self.scope.fields[f];
        let make = |component| {
            let r = FieldRef {
                field: f,
                component,
            };
            if net {
                ExprKind::Net(r)
            } else {
                ExprKind::Field(r)
            }
        };
        if field.component_names.is_empty() {
            self.scalar(make(0), span)
        } else {
            let n = field.component_names.len();
            let items = (0..n)
                .map(|c| self.scalar(make(c), span))
                .collect::<Elab<_>>()?;
            Ok(Value::Tensor(items))
        }
    }

    pub fn undefined(&mut self, name: &str, span: Span, label: &str) -> Reported {
        let mut d = Diagnostic::new(
            Code::UndefinedName,
            span,
            format!("undefined name `{name}`"),
            label,
        );
        if let Some(home) = self.globals.stdlib_homes.get(name) {
            d = d.with_help(format!(
                "`{name}` is defined in the standard library: add `use {home}`"
            ));
        } else if let Some(help) =
            suggest::did_you_mean(name, self.visible_names().iter().map(String::as_str))
        {
            d = d.with_help(help);
        }
        self.report(d)
    }

    fn visible_names(&self) -> Vec<String> {
        let mut names: Vec<&str> = Vec::new();
        if let Some(frame) = self.frames.last() {
            names.extend(frame.locals.keys().map(String::as_str));
        }
        if !self.in_global_fn() {
            names.extend(self.scope.names.keys().map(String::as_str));
        }
        let mut names: Vec<String> = names.into_iter().map(String::from).collect();
        names.extend(self.globals.names_in(self.module()));
        names.extend(["pi".to_string(), "e".to_string()]);
        names
    }

    pub(super) fn unknown_function(&mut self, callee: &ast::Ident) -> Reported {
        let name = callee.name.as_str();
        let mut d = Diagnostic::new(
            Code::UnknownFunction,
            callee.span,
            format!("unknown function `{name}`"),
            "not a function, operator or derivative",
        );
        if let Some(home) = self.globals.stdlib_homes.get(name) {
            return self.report(d.with_help(format!(
                "`{name}` is defined in the standard library: add `use {home}`"
            )));
        }
        let mut candidates: Vec<String> =
            MathFn::ALL.iter().map(|f| f.name().to_string()).collect();
        candidates.extend(builtins::INTRINSICS.iter().map(|s| s.to_string()));
        candidates.extend(self.scope.fns.iter().map(|f| f.name.name.clone()));
        candidates.extend(self.globals.names_in(self.module()));
        let vars: Vec<String> = self
            .scope
            .variables
            .iter()
            .map(|v| v.name.clone())
            .collect();
        for a in &vars {
            candidates.push(format!("d{a}"));
            for b in &vars {
                candidates.push(format!("d{a}{b}"));
            }
        }
        let missing_var = name
            .strip_prefix('d')
            .filter(|rest| !rest.is_empty() && rest.chars().all(char::is_alphabetic))
            .and_then(|rest| {
                rest.chars()
                    .map(|c| c.to_string())
                    .find(|c| !vars.contains(c))
                    .filter(|_| vars.iter().all(|v| v.chars().count() == 1))
            });
        if let Some(var) = missing_var {
            d.message = format!(
                "`{name}` would be a derivative by `{var}`, but `{var}` is not a variable here"
            );
            d = d.with_note(format!(
                "this model's variables are {}",
                if vars.is_empty() {
                    "none".into()
                } else {
                    vars.iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
        } else if let Some(help) =
            suggest::did_you_mean(name, candidates.iter().map(String::as_str))
        {
            d = d.with_help(help);
        } else if name.starts_with('d') && name.len() > 1 {
            d = d.with_help(format!(
                "derivative operators are `d` followed by variable names; this model's variables are {}",
                if vars.is_empty() { "none".into() } else { vars.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ") }
            ));
        }
        self.report(d)
    }
}
