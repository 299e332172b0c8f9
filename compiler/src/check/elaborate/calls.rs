//! Calls: a user function is inlined (arguments bound as locals, recursion and nesting
//! depth refused), a math function takes scalar arguments, a field is called only at the
//! current point, `net(u)` is a hard constraint's raw output, and the intrinsics and
//! derivative operators are dispatched to `vector.rs` and `derivative.rs`.

use super::{Binding, Elab, Elaborator, Found, Frame, Reported, Value};
use crate::check::builtins::MathFn;
use crate::check::model::{Expr, ExprKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;

const MAX_CALL_DEPTH: usize = 64;

impl<'s, 'a> Elaborator<'s, 'a> {
    pub(super) fn call(
        &mut self,
        callee: &ast::Ident,
        args: &[ast::Arg],
        span: Span,
    ) -> Elab<Value> {
        let name = callee.name.as_str();
        if let Some(named) = args.iter().find_map(|a| a.name.as_ref()) {
            return Err(self.report(
                Diagnostic::new(
                    Code::NamedArgInMath,
                    named.span,
                    format!("`{name}` takes plain arguments, not named ones"),
                    "named argument",
                )
                .with_help("named arguments (`lr: 1e-3`) belong to job settings"),
            ));
        }
        let args: Vec<&ast::Expr> = args.iter().map(|a| &a.value).collect();
        if !self.in_global_fn() {
            match self.scope.names.get(name) {
                Some(&(Binding::Fn(f), _)) => {
                    self.used.insert(name.to_string());
                    let decl = self.scope.fns[f];
                    return self.inline(decl, &args, span, None);
                }
                Some(&(Binding::Field(f), _)) => {
                    self.used.insert(name.to_string());
                    return self.field_call(f, callee, &args, span);
                }
                Some(&(_, def)) => {
                    return Err(self.report(
                        Diagnostic::new(
                            Code::UnknownFunction,
                            callee.span,
                            format!("`{name}` is not a function"),
                            "called like a function",
                        )
                        .with_label(def, "defined here"),
                    ))
                }
                None => {}
            }
        }
        match self.globals.function(self.module(), name) {
            Found::One(decl, module) => return self.inline(decl, &args, span, Some(module)),
            Found::Ambiguous(origins) => return Err(self.ambiguous(name, &origins, callee.span)),
            Found::Missing => {}
        }
        if let Some(f) = MathFn::from_name(name) {
            self.check_arity(name, f.arity(), args.len(), callee.span, None)?;
            let values = args
                .iter()
                .map(|a| self.scalar_arg(name, a))
                .collect::<Elab<Vec<_>>>()?;
            return self.scalar(ExprKind::Call(f, values), span);
        }
        match name {
            "grad" | "div" | "curl" | "net" => {
                self.check_arity(name, 1, args.len(), callee.span, None)?;
                return self.intrinsic1(name, args[0], span);
            }
            "dot" => {
                self.check_arity(name, 2, args.len(), callee.span, None)?;
                let a = self.expr(args[0])?;
                let b = self.expr(args[1])?;
                return self.dot(a, b, args[0].span, args[1].span, span);
            }
            "d" => return self.general_derivative(&args, callee, span),
            "dn" => {
                self.check_arity(name, 1, args.len(), callee.span, None)?;
                return self.normal_derivative(args[0], span);
            }
            "dist" => {
                self.check_arity(name, 1, args.len(), callee.span, None)?;
                return self.distance(args[0], span);
            }
            _ => {}
        }
        if let Some(wrt) = self.derivative_operator(name) {
            self.check_arity(name, 1, args.len(), callee.span, None)?;
            let v = self.expr(args[0])?;
            return self.derive(v, &wrt, args[0].span, span);
        }
        Err(self.unknown_function(callee))
    }

    fn check_arity(
        &mut self,
        name: &str,
        want: usize,
        got: usize,
        span: Span,
        def: Option<Span>,
    ) -> Elab<()> {
        if want == got {
            return Ok(());
        }
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        let mut d = Diagnostic::new(
            Code::WrongArity,
            span,
            format!(
                "`{name}` takes {want} {}, but {got} {} given",
                plural(want),
                if got == 1 { "was" } else { "were" }
            ),
            format!("expects {want} {}", plural(want)),
        );
        if let Some(def) = def {
            d = d.with_label(def, "defined here");
        }
        Err(self.report(d))
    }

    fn scalar_arg(&mut self, name: &str, arg: &ast::Expr) -> Elab<Expr> {
        match self.expr(arg)? {
            Value::Scalar(e) => Ok(e),
            v => Err(self.report(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    arg.span,
                    format!("`{name}` applies to scalars, not to {}", v.describe()),
                    format!("this is {}", v.describe()),
                )
                .with_help("apply it to each component, e.g. `v.x`"),
            )),
        }
    }

    /// Expands a call of `decl`: a model `fn` (`module` none) or a top-level one defined in
    /// `module`, whose body then sees that module's names.
    pub(super) fn inline(
        &mut self,
        decl: &'a ast::FnDecl,
        args: &[&ast::Expr],
        span: Span,
        module: Option<usize>,
    ) -> Elab<Value> {
        let name = decl.name.name.as_str();
        self.check_arity(
            name,
            decl.params.len(),
            args.len(),
            span,
            Some(decl.name.span),
        )?;
        if self.frames.iter().any(|f| f.definition == decl.name.span) {
            return Err(self.report(
                Diagnostic::new(
                    Code::RecursiveFunction,
                    span,
                    format!("`{name}` calls itself"),
                    "recursive call",
                )
                .with_label(decl.name.span, "defined here")
                .with_help("functions are inlined, so they cannot be recursive"),
            ));
        }
        if self.frames.len() >= MAX_CALL_DEPTH {
            let outer = self.frames.first().map_or(span, |f| f.call_site);
            self.diags.push(
                Diagnostic::new(
                    Code::ExpressionTooLarge,
                    outer,
                    format!("function calls nest more than {MAX_CALL_DEPTH} deep here"),
                    "inlined from here",
                )
                .with_help("functions are inlined; flatten the chain of calls"),
            );
            return Err(Reported);
        }
        let mut locals = HashMap::new();
        for (param, arg) in decl.params.iter().zip(args) {
            let value = self.expr(arg)?;
            locals.insert(param.name.clone(), value);
        }
        self.frames.push(Frame {
            locals,
            function: name.to_string(),
            definition: decl.name.span,
            call_site: span,
            module: module.unwrap_or(self.scope.module),
            global: module.is_some(),
        });
        let result = self.expr(&decl.body);
        self.frames.pop();
        result
    }

    /// `u(x, t)` is `u`: a field is only ever evaluated at the current point.
    fn field_call(
        &mut self,
        f: usize,
        callee: &ast::Ident,
        args: &[&ast::Expr],
        span: Span,
    ) -> Elab<Value> {
        let field = &self.scope.fields[f];
        let inputs: Vec<String> = field
            .inputs
            .iter()
            .map(|&v| self.scope.variables[v].name.clone())
            .collect();
        let def = field.span;
        self.check_arity(
            &callee.name,
            inputs.len(),
            args.len(),
            callee.span,
            Some(def),
        )?;
        for (arg, input) in args.iter().zip(&inputs) {
            let same = matches!(&arg.kind, ast::ExprKind::Name(n) if n == input);
            if !same {
                return Err(self.report(
                    Diagnostic::new(
                        Code::FieldEvaluatedElsewhere,
                        arg.span,
                        format!("`{}` can only be evaluated at the current point", callee.name),
                        format!("expected `{input}` here"),
                    )
                    .with_help("to state a condition at a place, write it with a location: `boundary u = 0 at x = 1`, `initial u = ... at t = 0`"),
                ));
            }
        }
        self.field_value(f, span, false)
    }

    fn intrinsic1(&mut self, name: &str, arg: &ast::Expr, span: Span) -> Elab<Value> {
        if name == "net" {
            return self.net(arg, span);
        }
        let v = self.expr(arg)?;
        match name {
            "grad" => self.grad(v, arg.span, span),
            "div" => self.div(v, arg.span, span),
            _ => self.curl(v, arg.span, span),
        }
    }

    fn net(&mut self, arg: &ast::Expr, span: Span) -> Elab<Value> {
        let field = match &arg.kind {
            ast::ExprKind::Name(n) => match self.scope.names.get(n) {
                Some(&(Binding::Field(f), _)) => Some(f),
                _ => None,
            },
            _ => None,
        };
        let Some(f) = field else {
            return Err(self.report(Diagnostic::new(
                Code::BadConstraint,
                arg.span,
                "`net(...)` takes the name of a field",
                "not a field",
            )));
        };
        if !self.allow_net {
            return Err(self.report(
                Diagnostic::new(
                    Code::BadConstraint,
                    span,
                    "`net(...)` is only meaningful in a hard constraint",
                    "raw network output used here",
                )
                .with_help("write `constraint u = <transform of net(u)>` to build the condition into the network output"),
            ));
        }
        self.used.insert(self.scope.fields[f].name.clone());
        self.field_value(f, span, true)
    }
}
