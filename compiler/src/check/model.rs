//! The semantic model: what a checked `.phys` file means, in the form every later stage
//! consumes. Names are resolved to ids, constants are evaluated, user functions, `let`s and
//! vector operators are inlined, and vector equations are split into scalar components, so
//! an equation here is always `lhs = rhs` between scalar expressions. Derivatives of compound
//! expressions are kept as `Derivative` nodes; expanding them is the symbolic core's job.

use super::builtins::MathFn;
use super::settings::JobSettings;
use super::units::Dimension;
use crate::source::Span;
use std::path::PathBuf;

pub use crate::syntax::ast::{BinOp, JobKind};

#[derive(Debug, Clone, Default)]
pub struct Program {
    pub models: Vec<Model>,
    pub jobs: Vec<Job>,
}

impl Program {
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }
}

pub type VarId = usize;
pub type ConstId = usize;
pub type ParamId = usize;
pub type FieldId = usize;
pub type ModelId = usize;

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub span: Span,
    /// False for models brought in by `use` (the standard library, other files).
    pub local: bool,
    /// Space variables first, in declaration order, then time.
    pub variables: Vec<Variable>,
    pub constants: Vec<Constant>,
    pub params: Vec<Param>,
    pub fields: Vec<Field>,
    pub equations: Vec<Equation>,
    pub hard_constraints: Vec<HardConstraint>,
    pub periodic: Vec<Periodic>,
    pub data: Vec<DataSource>,
    /// The shape the space variables range over when it is not their box (`domain = ...`).
    pub domain: Option<Domain>,
    /// `integral NAME = EXPR ...`: quantities integrated after training.
    pub integrals: Vec<Integral>,
}

/// `integral NAME = EXPR [on PART | on boundary]`: a scalar expression of the fields
/// integrated over the domain or a piece of its boundary.
#[derive(Debug, Clone)]
pub struct Integral {
    pub name: String,
    pub integrand: Expr,
    pub over: IntegralRegion,
    pub span: Span,
}

/// Where an integral is taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IntegralRegion {
    /// The whole domain (its box when it is not a shape).
    Domain,
    /// The whole boundary of a shaped domain (`Everywhere`) or one part of it.
    Boundary(BoundaryLocation),
}

/// `domain = SHAPE` with its `part`s: the shape (inside the space box) and the part names,
/// which `BoundaryLocation::Part` indexes.
#[derive(Debug, Clone)]
pub struct Domain {
    pub shape: physc_runtime::geometry::Shape,
    pub parts: Vec<String>,
    pub span: Span,
}

impl Model {
    pub fn space(&self) -> impl Iterator<Item = (VarId, &Variable)> {
        self.variables
            .iter()
            .enumerate()
            .filter(|(_, v)| v.kind == VarKind::Space)
    }

    pub fn space_dims(&self) -> usize {
        self.space().count()
    }

    pub fn time(&self) -> Option<VarId> {
        self.variables.iter().position(|v| v.kind == VarKind::Time)
    }

    pub fn field_ref_name(&self, r: FieldRef) -> String {
        let field = &self.fields[r.field];
        match field.component_names.get(r.component) {
            Some(c) => format!("{}.{}", field.name, c),
            None => field.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    Space,
    Time,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub kind: VarKind,
    pub lo: f64,
    pub hi: f64,
    pub dim: Option<Dimension>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Constant {
    pub name: String,
    pub value: f64,
    pub dim: Option<Dimension>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub guess: f64,
    pub bounds: Option<(f64, f64)>,
    pub dim: Option<Dimension>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub inputs: Vec<VarId>,
    /// Empty for a scalar field; the space variable names for a vector field.
    pub component_names: Vec<String>,
    pub dim: Option<Dimension>,
    pub span: Span,
}

impl Field {
    pub fn components(&self) -> usize {
        self.component_names.len().max(1)
    }
}

/// One scalar component of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldRef {
    pub field: FieldId,
    pub component: usize,
}

#[derive(Debug, Clone)]
pub struct Equation {
    pub kind: EquationKind,
    /// For a component of a vector equation, its name (`x`, `y`, or `x.y` for matrices).
    pub component: Option<String>,
    pub lhs: Expr,
    pub rhs: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EquationKind {
    Pde,
    /// `ode dt(x) = rhs`: the lhs is the time derivative of `field`.
    Ode {
        field: FieldRef,
    },
    /// Holds at the start of time.
    Initial,
    Boundary {
        location: BoundaryLocation,
        condition: BoundaryType,
    },
    /// A soft pointwise constraint, enforced where the pde is.
    Constraint,
}

impl EquationKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            EquationKind::Pde => "pde",
            EquationKind::Ode { .. } => "ode",
            EquationKind::Initial => "initial",
            EquationKind::Boundary { .. } => "boundary",
            EquationKind::Constraint => "constraint",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BoundaryLocation {
    /// One side of the box: `var = value`, which is the lower or upper end of its interval.
    Side { var: VarId, value: f64, upper: bool },
    /// Every side of the spatial box, or the whole boundary of the model's `domain`.
    Everywhere,
    /// The piece of the domain's boundary that part `Domain::parts[i]` forms.
    Part(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryType {
    /// Values only.
    Dirichlet,
    /// First derivatives normal to the side only.
    Neumann,
    /// Values and normal derivatives.
    Robin,
    /// Anything else (tangential or higher derivatives).
    General,
}

/// `constraint u = g + h * net(u)`: the field is the transform of the raw network output.
#[derive(Debug, Clone)]
pub struct HardConstraint {
    pub field: FieldRef,
    pub transform: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Periodic {
    pub var: VarId,
    pub fields: Vec<FieldId>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct DataSource {
    pub fields: Vec<FieldId>,
    /// The path as written in the file, and resolved against the file's directory.
    pub written: String,
    pub path: PathBuf,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub kind: JobKind,
    /// The model for `train` and `simulate`; the session name for `discover` and `evolve`.
    pub target: String,
    pub model: Option<ModelId>,
    /// Where its results go under `OUT/<target>/`: the `folder` setting, or the kind's
    /// keyword. No two jobs of a program share one (E0413).
    pub folder: String,
    pub settings: JobSettings,
    /// The header: `train Burgers`.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Var(VarId),
    Const(ConstId),
    Param(ParamId),
    Field(FieldRef),
    /// The raw network output for a field, only inside a hard constraint.
    Net(FieldRef),
    /// Component `i` of the outward unit normal (boundary conditions on a shaped domain).
    Normal(usize),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(MathFn, Vec<Expr>),
    /// Partial derivative of `expr` by the variables in `wrt` (sorted, repeated for order).
    Derivative {
        expr: Box<Expr>,
        wrt: Vec<VarId>,
    },
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn number(value: f64, span: Span) -> Expr {
        Expr::new(ExprKind::Number(value), span)
    }

    /// Every sub-expression, parents before children.
    pub fn walk(&self, visit: &mut impl FnMut(&Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Neg(e) => e.walk(visit),
            ExprKind::Binary(_, a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.walk(visit)),
            ExprKind::Derivative { expr, .. } => expr.walk(visit),
            _ => {}
        }
    }

    pub fn any(&self, predicate: &impl Fn(&Expr) -> bool) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= predicate(e));
        found
    }

    pub fn size(&self) -> usize {
        let mut n = 0;
        self.walk(&mut |_| n += 1);
        n
    }
}
