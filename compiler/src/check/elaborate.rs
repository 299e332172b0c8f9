//! Expression elaboration: an AST expression, in the scope of a model (or of the top level),
//! becomes a semantic expression. Names resolve (with "did you mean"), user functions and
//! `let`s are inlined, derivative operators (`dxx`, `d(u, x, y)`) and the vector intrinsics
//! (`grad`, `div`, `curl`, `dot`) are applied, and shapes (scalar, vector, matrix) are
//! checked. Vectors exist only during elaboration: callers split them into scalar components.

use super::builtins::{self, MathFn};
use super::model::{BinOp, Constant, Expr, ExprKind, Field, FieldRef, Param, VarId, Variable};
use super::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::{HashMap, HashSet};

/// A diagnostic was reported; the caller stops elaborating this expression.
#[derive(Debug, Clone, Copy)]
pub struct Reported;

pub type Elab<T> = Result<T, Reported>;

/// A scalar expression or a tensor (vector of values) of them.
#[derive(Debug, Clone)]
pub enum Value {
    Scalar(Expr),
    Tensor(Vec<Value>),
}

impl Value {
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Value::Scalar(_) => vec![],
            Value::Tensor(items) => {
                let mut shape = vec![items.len()];
                if let Some(first) = items.first() {
                    shape.extend(first.shape());
                }
                shape
            }
        }
    }

    pub fn describe(&self) -> String {
        match self.shape().len() {
            0 => "a scalar".into(),
            1 => format!("a vector of {}", self.shape()[0]),
            _ => format!(
                "a tensor of shape [{}]",
                self.shape()
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Scalar components with their names (`x`, `y`, `x.y`), in order.
    pub fn components(self, names: &[String]) -> Vec<(Option<String>, Expr)> {
        match self {
            Value::Scalar(e) => vec![(None, e)],
            Value::Tensor(items) => items
                .into_iter()
                .enumerate()
                .flat_map(|(i, item)| {
                    let here = names.get(i).cloned().unwrap_or_else(|| (i + 1).to_string());
                    item.components(names).into_iter().map(move |(sub, e)| {
                        let name = match sub {
                            Some(s) => format!("{here}.{s}"),
                            None => here.clone(),
                        };
                        (Some(name), e)
                    })
                })
                .collect(),
        }
    }
}

/// What a model-level name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Var(VarId),
    Const(usize),
    Param(usize),
    Field(usize),
    Let(usize),
    Fn(usize),
}

/// Names visible from every model: top-level constants and functions of all loaded files.
#[derive(Default)]
pub struct Globals<'a> {
    /// Evaluated top-level constants, in load order.
    pub consts: Vec<Constant>,
    pub fns: HashMap<String, &'a ast::FnDecl>,
    /// Names the user's own file can see (its own items and what it imports).
    pub visible: HashSet<String>,
    /// Where each standard library name lives, for "add `use std.x`" hints.
    pub stdlib_homes: HashMap<String, String>,
}

/// What one model has declared so far: the scope its expressions are elaborated in.
#[derive(Default)]
pub struct ModelScope<'a> {
    pub variables: Vec<Variable>,
    pub constants: Vec<Constant>,
    pub params: Vec<Param>,
    pub fields: Vec<Field>,
    pub lets: Vec<&'a ast::LetDecl>,
    pub fns: Vec<&'a ast::FnDecl>,
    pub names: HashMap<String, (Binding, Span)>,
    /// Top-level constants, copied into `constants` so expressions can refer to them by id.
    pub global_consts: HashMap<String, usize>,
    /// Names used by the declarations themselves (a constant defined from another).
    pub used: HashSet<String>,
    /// Variables, parameters and fields the model declares, before they are in scope
    /// (constants are read first), so a constant that uses one gets the right message.
    pub pending: HashMap<String, &'static str>,
}

impl ModelScope<'_> {
    /// An empty scope that already knows the top-level constants.
    pub fn with_globals(globals: &Globals) -> Self {
        let mut scope = ModelScope::default();
        for c in &globals.consts {
            scope
                .global_consts
                .insert(c.name.clone(), scope.constants.len());
            scope.constants.push(c.clone());
        }
        scope
    }

    pub fn space(&self) -> Vec<VarId> {
        self.variables
            .iter()
            .enumerate()
            .filter(|(_, v)| v.kind == super::model::VarKind::Space)
            .map(|(i, _)| i)
            .collect()
    }

    pub fn space_names(&self) -> Vec<String> {
        self.space()
            .into_iter()
            .map(|i| self.variables[i].name.clone())
            .collect()
    }
}

/// Expressions this large after inlining mean runaway function nesting.
const MAX_NODES: usize = 200_000;
const MAX_CALL_DEPTH: usize = 64;

pub struct Elaborator<'s, 'a> {
    pub scope: &'s ModelScope<'a>,
    pub globals: &'s Globals<'a>,
    pub diags: &'s mut Diagnostics,
    /// Names the model used, for the unused-definition warning.
    pub used: HashSet<String>,
    /// `net(u)` is allowed (inside a hard constraint).
    pub allow_net: bool,
    /// Only constants may appear (const values, intervals, locations).
    pub constant_only: bool,
    frames: Vec<Frame>,
    nodes: usize,
    too_large: bool,
}

struct Frame {
    locals: HashMap<String, Value>,
    /// The function being inlined and the call site that inlined it.
    function: String,
    call_site: Span,
    /// Top-level functions cannot see a model's names (only its variables, for derivatives).
    global: bool,
}

impl<'s, 'a> Elaborator<'s, 'a> {
    pub fn new(
        scope: &'s ModelScope<'a>,
        globals: &'s Globals<'a>,
        diags: &'s mut Diagnostics,
    ) -> Self {
        Elaborator {
            scope,
            globals,
            diags,
            used: HashSet::new(),
            allow_net: false,
            constant_only: false,
            frames: Vec::new(),
            nodes: 0,
            too_large: false,
        }
    }

    /// Report a diagnostic, pointing also at the call that inlined the code it is about.
    pub fn report(&mut self, mut diagnostic: Diagnostic) -> Reported {
        if let Some(frame) = self.frames.first() {
            diagnostic = diagnostic.with_label(
                frame.call_site,
                format!("in this use of `{}`", frame.function),
            );
        }
        self.diags.push(diagnostic);
        Reported
    }

    fn node(&mut self, kind: ExprKind, span: Span) -> Elab<Expr> {
        self.grow(1, span)?;
        Ok(Expr::new(kind, span))
    }

    /// Account for `count` more nodes; past the limit, report once and stop.
    fn grow(&mut self, count: usize, span: Span) -> Elab<()> {
        self.nodes += count;
        if self.nodes > MAX_NODES {
            if !self.too_large {
                self.too_large = true;
                let outer = self.frames.first().map_or(span, |f| f.call_site);
                self.diags.push(
                    Diagnostic::new(
                        Code::ExpressionTooLarge,
                        outer,
                        format!("this expression grows past {MAX_NODES} operations once functions are inlined"),
                        "inlined from here",
                    )
                    .with_help("each use of a function argument copies it: a function that uses its argument several times, nested, grows exponentially"),
                );
            }
            return Err(Reported);
        }
        Ok(())
    }

    fn scalar(&mut self, kind: ExprKind, span: Span) -> Elab<Value> {
        Ok(Value::Scalar(self.node(kind, span)?))
    }

    fn in_global_fn(&self) -> bool {
        self.frames.last().is_some_and(|f| f.global)
    }

    pub fn expr(&mut self, e: &ast::Expr) -> Elab<Value> {
        match &e.kind {
            ast::ExprKind::Number { value, text } => {
                if !value.is_finite() {
                    return Err(self.report(Diagnostic::new(
                        Code::BadNumber,
                        e.span,
                        format!("the number `{text}` is too large for a 64-bit float"),
                        "out of range",
                    )));
                }
                self.scalar(ExprKind::Number(*value), e.span)
            }
            ast::ExprKind::Str(_) => Err(self.report(
                Diagnostic::new(
                    Code::StringInMath,
                    e.span,
                    "a string cannot be used in a mathematical expression",
                    "this is text, not a number",
                )
                .with_help("strings name files, in `data ... from \"file\"` and in job settings"),
            )),
            ast::ExprKind::Name(name) => self.name(name, e.span),
            ast::ExprKind::Neg(inner) => {
                let v = self.expr(inner)?;
                self.map(v, &mut |this, x| {
                    this.node(ExprKind::Neg(Box::new(x)), e.span)
                })
            }
            ast::ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr(lhs)?;
                let b = self.expr(rhs)?;
                self.binary(*op, a, b, lhs.span, rhs.span, e.span)
            }
            ast::ExprKind::Call { callee, args } => self.call(callee, args, e.span),
            ast::ExprKind::List(items) => {
                let values = items.iter().map(|i| self.expr(i)).collect::<Vec<_>>();
                let values: Vec<Value> = values.into_iter().collect::<Elab<_>>()?;
                if let Some(first) = values.first() {
                    let shape = first.shape();
                    if let Some((i, odd)) =
                        values.iter().enumerate().find(|(_, v)| v.shape() != shape)
                    {
                        return Err(self.report(
                            Diagnostic::new(
                                Code::ShapeMismatch,
                                items[i].span,
                                "the elements of a vector must all have the same shape",
                                format!("this is {}", odd.describe()),
                            )
                            .with_label(
                                items[0].span,
                                format!("the first is {}", first.describe()),
                            ),
                        ));
                    }
                }
                Ok(Value::Tensor(values))
            }
            ast::ExprKind::Member { base, member } => {
                let value = self.expr(base)?;
                self.member(value, member, base.span)
            }
        }
    }

    fn member(&mut self, value: Value, member: &ast::Ident, base_span: Span) -> Elab<Value> {
        let names = self.scope.space_names();
        let Value::Tensor(items) = value else {
            return Err(self.report(
                Diagnostic::new(
                    Code::UnknownComponent,
                    member.span,
                    format!("a scalar has no component `{}`", member.name),
                    "no such component",
                )
                .with_label(base_span, "this is a scalar"),
            ));
        };
        match names.iter().position(|n| *n == member.name) {
            Some(i) if i < items.len() => {
                Ok(items.into_iter().nth(i).unwrap_or(Value::Tensor(vec![])))
            }
            _ => {
                let mut d = Diagnostic::new(
                    Code::UnknownComponent,
                    member.span,
                    format!("unknown component `{}`", member.name),
                    "not a component of this vector",
                )
                .with_note(format!(
                    "components are named after the space variables: {}",
                    names
                        .iter()
                        .take(items.len())
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if let Some(help) =
                    suggest::did_you_mean(&member.name, names.iter().map(String::as_str))
                {
                    d = d.with_help(help);
                }
                Err(self.report(d))
            }
        }
    }

    /// Apply `f` to every scalar of a value.
    pub fn map(
        &mut self,
        v: Value,
        f: &mut impl FnMut(&mut Self, Expr) -> Elab<Expr>,
    ) -> Elab<Value> {
        match v {
            Value::Scalar(e) => Ok(Value::Scalar(f(self, e)?)),
            Value::Tensor(items) => Ok(Value::Tensor(
                items
                    .into_iter()
                    .map(|i| self.map(i, f))
                    .collect::<Elab<_>>()?,
            )),
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: Value,
        b: Value,
        a_span: Span,
        b_span: Span,
        span: Span,
    ) -> Elab<Value> {
        match (a, b) {
            (Value::Scalar(x), Value::Scalar(y)) => {
                self.scalar(ExprKind::Binary(op, Box::new(x), Box::new(y)), span)
            }
            (Value::Tensor(xs), Value::Tensor(ys)) if matches!(op, BinOp::Add | BinOp::Sub) => {
                if xs.len() != ys.len() {
                    return Err(self.shape_error(
                        op,
                        &Value::Tensor(xs),
                        &Value::Tensor(ys),
                        a_span,
                        b_span,
                    ));
                }
                let items = xs
                    .into_iter()
                    .zip(ys)
                    .map(|(x, y)| self.binary(op, x, y, a_span, b_span, span))
                    .collect::<Elab<_>>()?;
                Ok(Value::Tensor(items))
            }
            (Value::Scalar(s), t @ Value::Tensor(_)) if op == BinOp::Mul => {
                self.map(t, &mut |this, x| {
                    this.node(ExprKind::Binary(op, Box::new(s.clone()), Box::new(x)), span)
                })
            }
            (t @ Value::Tensor(_), Value::Scalar(s)) if matches!(op, BinOp::Mul | BinOp::Div) => {
                self.map(t, &mut |this, x| {
                    this.node(ExprKind::Binary(op, Box::new(x), Box::new(s.clone())), span)
                })
            }
            (a, b) => Err(self.shape_error(op, &a, &b, a_span, b_span)),
        }
    }

    fn shape_error(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
        a_span: Span,
        b_span: Span,
    ) -> Reported {
        let verb = match op {
            BinOp::Add => "add",
            BinOp::Sub => "subtract",
            BinOp::Mul => "multiply",
            BinOp::Div => "divide",
            BinOp::Pow => "raise to a power",
        };
        let mut d = Diagnostic::new(
            Code::ShapeMismatch,
            a_span.to(b_span),
            format!("cannot {verb} {} and {}", a.describe(), b.describe()),
            format!("`{}` needs matching shapes here", op.symbol()),
        )
        .with_label(a_span, a.describe())
        .with_label(b_span, b.describe());
        if op == BinOp::Mul {
            d = d.with_help("for the scalar product of two vectors write `dot(a, b)`");
        }
        self.report(d)
    }

    fn name(&mut self, name: &str, span: Span) -> Elab<Value> {
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
        if let Some(&id) = self.scope.global_consts.get(name) {
            if self.in_global_fn() || self.globals.visible.contains(name) {
                return self.scalar(ExprKind::Const(id), span);
            }
        }
        if let Some(&what) = self.scope.pending.get(name).filter(|_| self.constant_only) {
            return Err(self.not_constant(name, what, span));
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
                if self.frames.iter().any(|f| f.function == decl.name.name) {
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
                    call_site: span,
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

    fn field_value(&mut self, f: usize, span: Span, net: bool) -> Elab<Value> {
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
        } else if let Some(help) = suggest::did_you_mean(name, self.visible_names()) {
            d = d.with_help(help);
        }
        self.report(d)
    }

    fn visible_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        if let Some(frame) = self.frames.last() {
            names.extend(frame.locals.keys().map(String::as_str));
        }
        if !self.in_global_fn() {
            names.extend(self.scope.names.keys().map(String::as_str));
        }
        names.extend(
            self.globals
                .consts
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| self.globals.visible.contains(*n)),
        );
        names.extend(["pi", "e"]);
        names
    }

    fn call(&mut self, callee: &ast::Ident, args: &[ast::Arg], span: Span) -> Elab<Value> {
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
                    return self.inline(decl, &args, span, false);
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
        if let Some(decl) = self.globals.fns.get(name).copied() {
            if self.in_global_fn() || self.globals.visible.contains(name) {
                return self.inline(decl, &args, span, true);
            }
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
            _ => {}
        }
        if let Some(wrt) = self.derivative_operator(name) {
            self.check_arity(name, 1, args.len(), callee.span, None)?;
            let v = self.expr(args[0])?;
            return self.derive(v, &wrt, args[0].span, span);
        }
        Err(self.unknown_function(callee))
    }

    fn unknown_function(&mut self, callee: &ast::Ident) -> Reported {
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
        candidates.extend(
            self.globals
                .fns
                .keys()
                .filter(|k| self.globals.visible.contains(*k))
                .cloned(),
        );
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

    fn inline(
        &mut self,
        decl: &'a ast::FnDecl,
        args: &[&ast::Expr],
        span: Span,
        global: bool,
    ) -> Elab<Value> {
        let name = decl.name.name.as_str();
        self.check_arity(
            name,
            decl.params.len(),
            args.len(),
            span,
            Some(decl.name.span),
        )?;
        if self.frames.iter().any(|f| f.function == name) {
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
            call_site: span,
            global,
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

    fn need_space(&mut self, what: &str, span: Span) -> Elab<Vec<VarId>> {
        let space = self.scope.space();
        if space.is_empty() {
            return Err(self.report(
                Diagnostic::new(
                    Code::MissingDomain,
                    span,
                    format!("`{what}` needs space variables, and there are none here"),
                    "used here",
                )
                .with_help("declare them with `space x in [0, 1], y in [0, 1]`"),
            ));
        }
        Ok(space)
    }

    fn grad(&mut self, v: Value, arg_span: Span, span: Span) -> Elab<Value> {
        let space = self.need_space("grad", span)?;
        match v {
            Value::Scalar(e) => {
                let items = space
                    .iter()
                    .map(|&x| self.derive(Value::Scalar(e.clone()), &[x], arg_span, span))
                    .collect::<Elab<_>>()?;
                Ok(Value::Tensor(items))
            }
            Value::Tensor(items) => Ok(Value::Tensor(
                items
                    .into_iter()
                    .map(|i| self.grad(i, arg_span, span))
                    .collect::<Elab<_>>()?,
            )),
        }
    }

    fn div(&mut self, v: Value, arg_span: Span, span: Span) -> Elab<Value> {
        let space = self.need_space("div", span)?;
        let Value::Tensor(items) = v else {
            return Err(self.report(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    arg_span,
                    "`div` applies to vectors, not to a scalar",
                    "this is a scalar",
                )
                .with_help("for the gradient of a scalar write `grad(f)`"),
            ));
        };
        if items.iter().all(|i| matches!(i, Value::Scalar(_))) {
            if items.len() != space.len() {
                return Err(self.report(Diagnostic::new(
                    Code::ShapeMismatch,
                    arg_span,
                    format!(
                        "`div` needs a vector of {} (one per space variable), not of {}",
                        space.len(),
                        items.len()
                    ),
                    "wrong length",
                )));
            }
            let mut terms = Vec::new();
            for (item, &x) in items.into_iter().zip(&space) {
                match self.derive(item, &[x], arg_span, span)? {
                    Value::Scalar(e) => terms.push(e),
                    Value::Tensor(_) => unreachable!("derivative keeps shape"),
                }
            }
            let mut sum = terms.remove(0);
            for t in terms {
                sum = self.node(
                    ExprKind::Binary(BinOp::Add, Box::new(sum), Box::new(t)),
                    span,
                )?;
            }
            Ok(Value::Scalar(sum))
        } else {
            Ok(Value::Tensor(
                items
                    .into_iter()
                    .map(|i| self.div(i, arg_span, span))
                    .collect::<Elab<_>>()?,
            ))
        }
    }

    fn curl(&mut self, v: Value, arg_span: Span, span: Span) -> Elab<Value> {
        let space = self.need_space("curl", span)?;
        let comps: Vec<Expr> = match &v {
            Value::Tensor(items) if items.iter().all(|i| matches!(i, Value::Scalar(_))) => items
                .iter()
                .map(|i| match i {
                    Value::Scalar(e) => e.clone(),
                    Value::Tensor(_) => unreachable!(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let d = |this: &mut Self, e: &Expr, x: VarId| -> Elab<Expr> {
            match this.derive(Value::Scalar(e.clone()), &[x], arg_span, span)? {
                Value::Scalar(e) => Ok(e),
                Value::Tensor(_) => unreachable!(),
            }
        };
        let sub = |this: &mut Self, a: Expr, b: Expr| {
            this.node(ExprKind::Binary(BinOp::Sub, Box::new(a), Box::new(b)), span)
        };
        match (comps.len(), space.len()) {
            (2, 2) => {
                let a = d(self, &comps[1], space[0])?;
                let b = d(self, &comps[0], space[1])?;
                Ok(Value::Scalar(sub(self, a, b)?))
            }
            (3, 3) => {
                let mut out = Vec::new();
                let (x, y, z) = (space[0], space[1], space[2]);
                let pairs = [((2, y), (1, z)), ((0, z), (2, x)), ((1, x), (0, y))];
                for ((pa, va), (pb, vb)) in pairs {
                    let a = d(self, &comps[pa], va)?;
                    let b = d(self, &comps[pb], vb)?;
                    out.push(Value::Scalar(sub(self, a, b)?));
                }
                Ok(Value::Tensor(out))
            }
            _ => Err(self.report(Diagnostic::new(
                Code::ShapeMismatch,
                arg_span,
                format!(
                    "`curl` needs a vector of 2 in 2 dimensions or of 3 in 3 dimensions; this is {} in {} dimension(s)",
                    v.describe(),
                    space.len()
                ),
                "wrong shape",
            ))),
        }
    }

    /// Contract the last index of `a` with the first of `b`.
    fn dot(&mut self, a: Value, b: Value, a_span: Span, b_span: Span, span: Span) -> Elab<Value> {
        let (Value::Tensor(xs), Value::Tensor(ys)) = (&a, &b) else {
            return Err(self.report(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    a_span.to(b_span),
                    format!(
                        "`dot` needs two vectors; got {} and {}",
                        a.describe(),
                        b.describe()
                    ),
                    "here",
                )
                .with_help("multiply scalars with `*`"),
            ));
        };
        if xs.iter().all(|x| matches!(x, Value::Scalar(_))) {
            if xs.len() != ys.len() {
                return Err(self.shape_error(BinOp::Mul, &a, &b, a_span, b_span));
            }
            let mut total: Option<Value> = None;
            for (x, y) in xs.clone().into_iter().zip(ys.clone()) {
                let product = self.binary(BinOp::Mul, x, y, a_span, b_span, span)?;
                total = Some(match total {
                    None => product,
                    Some(t) => self.binary(BinOp::Add, t, product, a_span, b_span, span)?,
                });
            }
            total.ok_or_else(|| self.shape_error(BinOp::Mul, &a, &b, a_span, b_span))
        } else {
            let rows = xs.clone();
            Ok(Value::Tensor(
                rows.into_iter()
                    .map(|row| self.dot(row, b.clone(), a_span, b_span, span))
                    .collect::<Elab<_>>()?,
            ))
        }
    }

    fn general_derivative(
        &mut self,
        args: &[&ast::Expr],
        callee: &ast::Ident,
        span: Span,
    ) -> Elab<Value> {
        if args.len() < 2 {
            return Err(self.report(Diagnostic::new(
                Code::WrongArity,
                callee.span,
                "`d` takes an expression and at least one variable",
                "e.g. `d(u, x)` or `d(u, x, y)`",
            )));
        }
        let mut wrt = Vec::new();
        for arg in &args[1..] {
            let var = match &arg.kind {
                ast::ExprKind::Name(n) => self.scope.variables.iter().position(|v| v.name == *n),
                _ => None,
            };
            match var {
                Some(v) => wrt.push(v),
                None => {
                    let vars: Vec<&str> = self
                        .scope
                        .variables
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect();
                    let mut d = Diagnostic::new(
                        Code::DerivativeWrtNonVariable,
                        arg.span,
                        "derivatives are taken with respect to space or time variables",
                        "not a variable of this model",
                    );
                    let help = match &arg.kind {
                        ast::ExprKind::Name(n) => suggest::did_you_mean(n, vars.iter().copied()),
                        _ => None,
                    };
                    d = d.with_help(help.unwrap_or_else(|| {
                        "repeat a variable for higher derivatives: `d(w, x, x)` is `dxx(w)`".into()
                    }));
                    return Err(self.report(d));
                }
            }
        }
        let v = self.expr(args[0])?;
        self.derive(v, &wrt, args[0].span, span)
    }

    /// `dxx` → [x, x] when x is a variable of the model; longer names split any way that works.
    fn derivative_operator(&self, name: &str) -> Option<Vec<VarId>> {
        let rest = name.strip_prefix('d')?;
        if rest.is_empty() {
            return None;
        }
        fn split(rest: &str, vars: &[Variable]) -> Option<Vec<VarId>> {
            if rest.is_empty() {
                return Some(vec![]);
            }
            for (i, v) in vars.iter().enumerate() {
                if let Some(tail) = rest.strip_prefix(v.name.as_str()) {
                    if let Some(mut more) = split(tail, vars) {
                        more.insert(0, i);
                        return Some(more);
                    }
                }
            }
            None
        }
        split(rest, &self.scope.variables)
    }

    pub fn derive(&mut self, v: Value, wrt: &[VarId], arg_span: Span, span: Span) -> Elab<Value> {
        self.map(v, &mut |this, e| this.derive_scalar(e, wrt, arg_span, span))
    }

    fn derive_scalar(&mut self, e: Expr, wrt: &[VarId], arg_span: Span, span: Span) -> Elab<Expr> {
        if self.constant_only {
            return Err(self.report(Diagnostic::new(
                Code::NotConstant,
                span,
                "a derivative is not a constant",
                "a constant is needed here",
            )));
        }
        let depends = |this: &Self, v: VarId| {
            e.any(&|n| match &n.kind {
                ExprKind::Var(x) => *x == v,
                ExprKind::Field(r) | ExprKind::Net(r) => {
                    this.scope.fields[r.field].inputs.contains(&v)
                }
                _ => false,
            })
        };
        for &v in wrt {
            if depends(self, v) {
                continue;
            }
            let var = self.scope.variables[v].name.clone();
            let varies = e.any(&|n| {
                matches!(
                    n.kind,
                    ExprKind::Var(_) | ExprKind::Field(_) | ExprKind::Net(_)
                )
            });
            let d = if let ExprKind::Field(r) = &e.kind {
                let field = &self.scope.fields[r.field];
                let inputs: Vec<String> = field
                    .inputs
                    .iter()
                    .map(|&i| format!("`{}`", self.scope.variables[i].name))
                    .collect();
                Diagnostic::new(
                    Code::DerivativeWrtNonInput,
                    span,
                    format!("`{}` does not depend on `{var}`", field.name),
                    format!("derivative by `{var}`"),
                )
                .with_label(
                    field.span,
                    format!("`{}` depends on {} only", field.name, inputs.join(", ")),
                )
                .with_help({
                    let mut all: Vec<String> = field
                        .inputs
                        .iter()
                        .map(|&i| self.scope.variables[i].name.clone())
                        .collect();
                    all.push(var.clone());
                    format!(
                        "if it varies with `{var}`, declare it as `field {}({})`",
                        field.name,
                        all.join(", ")
                    )
                })
            } else if varies {
                Diagnostic::new(
                    Code::DerivativeWrtNonInput,
                    span,
                    format!(
                        "this expression does not depend on `{var}`, so its derivative is zero"
                    ),
                    format!("derivative by `{var}`"),
                )
                .with_label(arg_span, format!("nothing here varies with `{var}`"))
            } else {
                Diagnostic::new(
                    Code::DerivativeOfConstant,
                    span,
                    "derivative of something that does not vary",
                    "always zero",
                )
                .with_label(arg_span, "no variable or field here")
                .with_help("derivatives apply to fields and expressions of fields and variables")
            };
            return Err(self.report(d));
        }
        let (inner, mut all) = match e.kind {
            ExprKind::Derivative { expr, wrt: first } => (*expr, first),
            kind => (Expr::new(kind, e.span), Vec::new()),
        };
        all.extend_from_slice(wrt);
        all.sort_unstable();
        self.node(
            ExprKind::Derivative {
                expr: Box::new(inner),
                wrt: all,
            },
            span,
        )
    }

    /// Elaborate an expression that must be one scalar constant, and evaluate it.
    pub fn constant(&mut self, e: &ast::Expr) -> Elab<f64> {
        self.constant_expr(e).map(|(_, v)| v)
    }

    /// Elaborate a scalar constant expression: the expression and its finite value.
    pub fn constant_expr(&mut self, e: &ast::Expr) -> Elab<(Expr, f64)> {
        let was = self.constant_only;
        self.constant_only = true;
        let value = self.expr(e);
        self.constant_only = was;
        match value? {
            Value::Scalar(expr) => {
                let v = evaluate_constant(&expr, &self.scope.constants);
                if v.is_finite() {
                    Ok((expr, v))
                } else {
                    Err(self.report(Diagnostic::new(
                        Code::NonFiniteConstant,
                        e.span,
                        format!("this evaluates to {v}"),
                        "not a finite number",
                    )))
                }
            }
            v => Err(self.report(Diagnostic::new(
                Code::ShapeMismatch,
                e.span,
                format!("expected a number, found {}", v.describe()),
                "not a single number",
            ))),
        }
    }
}

/// The number of expression nodes in a value.
fn value_size(v: &Value) -> usize {
    match v {
        Value::Scalar(e) => e.size(),
        Value::Tensor(items) => items.iter().map(value_size).sum(),
    }
}

/// The value of an expression made only of numbers, constants and functions.
pub fn evaluate_constant(e: &Expr, constants: &[Constant]) -> f64 {
    match &e.kind {
        ExprKind::Number(v) => *v,
        ExprKind::Const(c) => constants.get(*c).map_or(f64::NAN, |c| c.value),
        ExprKind::Neg(a) => -evaluate_constant(a, constants),
        ExprKind::Binary(op, a, b) => {
            let (a, b) = (
                evaluate_constant(a, constants),
                evaluate_constant(b, constants),
            );
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Pow => a.powf(b),
            }
        }
        ExprKind::Call(f, args) => {
            let args: Vec<f64> = args
                .iter()
                .map(|a| evaluate_constant(a, constants))
                .collect();
            f.eval(&args)
        }
        _ => f64::NAN,
    }
}
