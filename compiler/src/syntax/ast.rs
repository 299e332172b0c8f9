//! The abstract syntax tree: what the user wrote, structured, with a span on every node.
//! Nothing here is resolved or checked; that is the checker's job. Comma lists in
//! declarations (`const a = 1, b = 2`, `initial x = 1, y = 2`) are already split into one
//! node per name or equation, so every consumer sees one shape.

use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Use(UseDecl),
    Const(ConstDecl),
    Fn(FnDecl),
    Model(ModelDecl),
    Job(JobDecl),
    Network(NetworkDecl),
    /// Text the parser could not make sense of; the error is already reported.
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Const(c) => c.span,
            Item::Fn(f) => f.span,
            Item::Model(m) => m.span,
            Item::Job(j) => j.span,
            Item::Network(n) => n.span,
            Item::Error(span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum UseTarget {
    /// `use std.operators` or `use std.systems.Lorenz`
    Module(Vec<Ident>),
    /// `use "shared/flows.phys"`, relative to the file that says it, or one item of it:
    /// `use "ops.phys".lap` (`span` is the path's)
    File {
        path: String,
        span: Span,
        item: Option<Ident>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct UseDecl {
    pub target: UseTarget,
    /// `use "ops.phys" as ops`: the module's items only by qualified name (`ops.lap`).
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConstDecl {
    pub name: Ident,
    pub value: Expr,
    pub units: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub body: Expr,
    pub span: Span,
}

/// `network NAME(param: default, …) { layers }`: a named architecture that a `train`
/// block's `net` setting calls like a built-in network (spec §5.2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkDecl {
    pub name: Ident,
    /// Parameters with their default values, in order.
    pub params: Vec<NetworkParam>,
    pub layers: Vec<Layer>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkParam {
    pub name: Ident,
    pub default: Expr,
}

/// One statement of a network's body: a layer call (`dense(64, act: sin)`, `fourier(…)`),
/// or a block of layers (`residual { … }`, `repeat 3 { … }`).
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub kind: Ident,
    /// A call's arguments (empty for a block).
    pub args: Vec<Arg>,
    /// A block's count (`repeat 3 { … }`).
    pub count: Option<Expr>,
    /// A block's layers; None for a call.
    pub body: Option<Vec<Layer>>,
    pub span: Span,
}

impl Layer {
    /// A block's count as printed after its kind (` 3` in `repeat 3 { … }`), by `print`;
    /// empty for blocks without one.
    pub fn count_suffix(&self, print: impl Fn(&Expr) -> String) -> String {
        self.count
            .as_ref()
            .map(|c| format!(" {}", print(c)))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelDecl {
    pub name: Ident,
    pub members: Vec<Member>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    Space(VarDecl),
    Time(VarDecl),
    Const(ConstDecl),
    Param(ParamDecl),
    Field(FieldDecl),
    Let(LetDecl),
    Fn(FnDecl),
    Equation(EquationDecl),
    Periodic(PeriodicDecl),
    Data(DataDecl),
    Domain(DomainDecl),
    Part(PartDecl),
    Integral(IntegralDecl),
    Error(Span),
}

impl Member {
    pub fn span(&self) -> Span {
        match self {
            Member::Space(v) | Member::Time(v) => v.span,
            Member::Const(c) => c.span,
            Member::Param(p) => p.span,
            Member::Field(f) => f.span,
            Member::Let(l) => l.span,
            Member::Fn(f) => f.span,
            Member::Equation(e) => e.span,
            Member::Periodic(p) => p.span,
            Member::Data(d) => d.span,
            Member::Domain(d) => d.span,
            Member::Part(p) => p.span,
            Member::Integral(i) => i.span,
            Member::Error(span) => *span,
        }
    }
}

/// `space x in [-1, 1] [m]` or `time t in [0, 1] [s]`
#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    pub name: Ident,
    pub interval: Expr,
    pub units: Option<Expr>,
    pub span: Span,
}

/// `param nu ~ 0.05 [m^2/s] in [0, 1]`
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    pub name: Ident,
    pub guess: Expr,
    pub units: Option<Expr>,
    pub bounds: Option<Expr>,
    pub span: Span,
}

/// `field u(x, t)`, `field vel(x, y): vector [m/s]`
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub inputs: Vec<Ident>,
    pub shape: Option<Ident>,
    pub units: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EquationKind {
    Pde,
    Ode,
    Initial,
    Boundary,
    Constraint,
}

impl EquationKind {
    pub fn keyword(self) -> &'static str {
        match self {
            EquationKind::Pde => "pde",
            EquationKind::Ode => "ode",
            EquationKind::Initial => "initial",
            EquationKind::Boundary => "boundary",
            EquationKind::Constraint => "constraint",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EquationDecl {
    pub kind: EquationKind,
    pub lhs: Expr,
    pub rhs: Expr,
    pub location: Option<Location>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// `at x = -1`
    At { var: Ident, value: Expr, span: Span },
    /// `on boundary`: every side of the spatial domain
    OnBoundary(Span),
    /// `on hole`: the part of the domain's boundary a `part` declaration names
    OnPart { part: Ident, span: Span },
}

impl Location {
    pub fn span(&self) -> Span {
        match self {
            Location::At { span, .. }
            | Location::OnBoundary(span)
            | Location::OnPart { span, .. } => *span,
        }
    }
}

/// `domain = rectangle([0, 0], [1, 1]) - hole`: the shape the space variables range over.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainDecl {
    pub shape: Expr,
    pub span: Span,
}

/// `integral drag = -p * nx on cylinder`: a quantity integrated over a part of the
/// boundary (`on NAME`), the whole boundary (`on boundary`) or, without a location, the
/// domain, evaluated after training.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegralDecl {
    pub name: Ident,
    pub integrand: Expr,
    pub location: Option<Location>,
    pub span: Span,
}

/// `part hole = disk([0.5, 0.5], 0.2)`: a named shape whose boundary, where it bounds the
/// domain, is a part conditions can name (`on hole`).
#[derive(Debug, Clone, PartialEq)]
pub struct PartDecl {
    pub name: Ident,
    pub shape: Expr,
    pub span: Span,
}

/// `boundary periodic in x` (all fields) or `boundary periodic u, v in x`
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodicDecl {
    pub fields: Vec<Ident>,
    pub var: Ident,
    pub span: Span,
}

/// `data u from "observations.npz"`
#[derive(Debug, Clone, PartialEq)]
pub struct DataDecl {
    pub fields: Vec<Ident>,
    pub path: String,
    pub path_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Train,
    Simulate,
    Discover,
    Evolve,
}

impl JobKind {
    pub fn keyword(self) -> &'static str {
        match self {
            JobKind::Train => "train",
            JobKind::Simulate => "simulate",
            JobKind::Discover => "discover",
            JobKind::Evolve => "evolve",
        }
    }
}

/// `train Burgers { net mlp(...) ... }`: the target is a model for `train` and `simulate`,
/// and a session name for `discover` and `evolve`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobDecl {
    pub kind: JobKind,
    pub target: Ident,
    pub settings: Vec<Setting>,
    pub span: Span,
}

/// `optimize adam(lr: 1e-3) then lbfgs(steps: 500)`: a key and one or more stages.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: Ident,
    pub stages: Vec<SettingValue>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Expr(Expr),
    /// `interior: 8192, boundary: 256`
    Record(Vec<Arg>, Span),
}

impl SettingValue {
    pub fn span(&self) -> Span {
        match self {
            SettingValue::Expr(e) => e.span,
            SettingValue::Record(_, span) => *span,
        }
    }
}

/// A call argument, positional (`sin(x)`) or named (`adam(lr: 1e-3)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal, with its spelling kept so formatting does not rewrite `1e-3` as `0.001`.
    Number {
        value: f64,
        text: String,
    },
    Str(String),
    Name(String),
    Neg(Box<Expr>),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Call {
        callee: Ident,
        args: Vec<Arg>,
    },
    /// `[a, b]`: an interval, a vector, or a list of names, by context.
    List(Vec<Expr>),
    /// `vel.x`: a component of a vector; `ops.k`: a constant of a module imported `as ops`
    Member {
        base: Box<Expr>,
        member: Ident,
    },
    /// `ops.lap(u)`: a function of a module imported `as ops`
    QualifiedCall {
        base: Box<Expr>,
        callee: Ident,
        args: Vec<Arg>,
    },
}
