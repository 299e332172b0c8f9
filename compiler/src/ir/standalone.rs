//! One-off expressions (`physc simplify "EXPR"`): every free name is an independent symbol,
//! `pi` and `e` are numbers, and `d(f, x)` / `dx(f)` differentiate by the symbol `x`. Also
//! the functions of job settings the checker elaborated ([`lower_function`]): an activation,
//! an evolve target, a discovery library term.

use super::diff::{differentiate, Leaf};
use super::lang::{Builder, SymbolKind, Symbols};
use super::lower::{latex_name, math_node};
use crate::check::builtins::{self, MathFn};
use crate::check::model;
use crate::check::settings::ScalarFunction;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{BinOp, Expr, ExprKind};
use egg::{Id, Symbol};

pub struct Standalone {
    pub builder: Builder,
    pub root: Id,
    pub symbols: Symbols,
}

/// A checked [`ScalarFunction`] in the IR, with one free symbol per parameter, named after
/// it (in parameter order, including parameters the body does not use).
pub fn lower_function(f: &ScalarFunction) -> (Standalone, Vec<Symbol>) {
    let mut s = Standalone {
        builder: Builder::new(),
        root: Id::from(0),
        symbols: Symbols::default(),
    };
    let params: Vec<Symbol> = f.params.iter().map(|p| s.symbol(p)).collect();
    s.root = s.lower_checked(&f.body, &params);
    (s, params)
}

/// Lower a parsed expression; the first problem is returned as a diagnostic.
pub fn lower_expression(e: &Expr) -> Result<Standalone, Diagnostic> {
    let mut s = Standalone {
        builder: Builder::new(),
        root: Id::from(0),
        symbols: Symbols::default(),
    };
    s.root = s.lower(e)?;
    Ok(s)
}

impl Standalone {
    /// A checked expression whose `Var(i)` is `params[i]` (a [`ScalarFunction`] body: only
    /// numbers, arithmetic and math functions; anything else lowers to NaN).
    fn lower_checked(&mut self, e: &model::Expr, params: &[Symbol]) -> Id {
        use model::ExprKind as K;
        match &e.kind {
            K::Number(v) => self.builder.num(*v),
            K::Var(i) => match params.get(*i) {
                Some(&p) => self.builder.sym(p),
                None => self.builder.num(f64::NAN),
            },
            K::Neg(a) => {
                let a = self.lower_checked(a, params);
                self.builder.neg(a)
            }
            K::Binary(op, a, b) => {
                let x = self.lower_checked(a, params);
                let y = self.lower_checked(b, params);
                let bb = &mut self.builder;
                match op {
                    BinOp::Add => bb.sum(x, y),
                    BinOp::Sub => bb.difference(x, y),
                    BinOp::Mul => bb.product(x, y),
                    BinOp::Div => bb.quotient(x, y),
                    BinOp::Pow => bb.power(x, y),
                }
            }
            K::Call(f, args) => {
                let ids: Vec<Id> = args.iter().map(|a| self.lower_checked(a, params)).collect();
                self.builder.call(math_node(*f, &ids))
            }
            _ => self.builder.num(f64::NAN),
        }
    }

    fn symbol(&mut self, name: &str) -> Symbol {
        self.symbols.intern(
            name,
            SymbolKind::Free(name.to_string()),
            name.to_string(),
            latex_name(name),
        )
    }

    fn lower(&mut self, e: &Expr) -> Result<Id, Diagnostic> {
        Ok(match &e.kind {
            ExprKind::Number { value, .. } => self.builder.num(*value),
            ExprKind::Name(n) => match builtins::constant(n) {
                Some(v) => self.builder.num(v),
                None => {
                    let sym = self.symbol(n);
                    self.builder.sym(sym)
                }
            },
            ExprKind::Neg(a) => {
                let a = self.lower(a)?;
                self.builder.neg(a)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (x, y) = (self.lower(lhs)?, self.lower(rhs)?);
                let bb = &mut self.builder;
                match op {
                    BinOp::Add => bb.sum(x, y),
                    BinOp::Sub => bb.difference(x, y),
                    BinOp::Mul => bb.product(x, y),
                    BinOp::Div => bb.quotient(x, y),
                    BinOp::Pow => bb.power(x, y),
                }
            }
            ExprKind::Call { callee, args } => {
                if let Some(a) = args.iter().find(|a| a.name.is_some()) {
                    return Err(Diagnostic::new(
                        Code::NamedArgInMath,
                        a.value.span,
                        "named arguments belong to job settings",
                        "named argument",
                    ));
                }
                let name = callee.name.as_str();
                if let Some(f) = MathFn::from_name(name) {
                    if args.len() != f.arity() {
                        return Err(Diagnostic::new(
                            Code::WrongArity,
                            callee.span,
                            format!(
                                "`{name}` takes {} argument(s), not {}",
                                f.arity(),
                                args.len()
                            ),
                            "wrong number of arguments",
                        ));
                    }
                    let ids = args
                        .iter()
                        .map(|a| self.lower(&a.value))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(self.builder.call(math_node(f, &ids)));
                }
                let wrt: Vec<String> = if name == "d" && args.len() >= 2 {
                    args[1..]
                        .iter()
                        .map(|a| match &a.value.kind {
                            ExprKind::Name(n) => Ok(n.clone()),
                            _ => Err(Diagnostic::new(
                                Code::DerivativeWrtNonVariable,
                                a.value.span,
                                "derivatives are taken with respect to names",
                                "not a name",
                            )),
                        })
                        .collect::<Result<_, _>>()?
                } else if let (Some(rest), 1) = (name.strip_prefix('d'), args.len()) {
                    if rest.is_empty() {
                        return Err(unknown(callee.span, name));
                    }
                    rest.chars().map(String::from).collect()
                } else {
                    return Err(unknown(callee.span, name));
                };
                let mut id = self.lower(&args[0].value)?;
                for v in wrt {
                    let target = self.symbol(&v);
                    let leaf = |s: Symbol| if s == target { Leaf::One } else { Leaf::Zero };
                    id = differentiate(&mut self.builder, id, &leaf);
                }
                id
            }
            ExprKind::QualifiedCall { callee, .. } => {
                return Err(unknown(callee.span, &callee.name))
            }
            ExprKind::Str(_) | ExprKind::List(_) | ExprKind::Member { .. } => {
                return Err(Diagnostic::new(
                    Code::ShapeMismatch,
                    e.span,
                    "expected a scalar expression",
                    "not a number",
                ))
            }
        })
    }
}

fn unknown(span: crate::source::Span, name: &str) -> Diagnostic {
    let names: Vec<&str> = MathFn::ALL.iter().map(|f| f.name()).chain(["d"]).collect();
    let d = Diagnostic::new(
        Code::UnknownFunction,
        span,
        format!("unknown function `{name}`"),
        "not a function",
    );
    match crate::check::suggest::did_you_mean(name, names.iter().copied()) {
        Some(h) => d.with_help(h),
        None => d.with_help(
            "derivatives: `d(f, x)` or `dx(f)`; functions: sin, cos, exp, log, sqrt, tanh, …",
        ),
    }
}
