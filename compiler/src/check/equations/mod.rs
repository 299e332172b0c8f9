//! A model's equations and conditions: each `pde`, `ode`, `initial`, `boundary` and
//! `constraint` is elaborated, split into scalar components and checked for what its kind
//! requires (an ODE's left side, a condition's location on the domain boundary, a hard
//! constraint's form); then the model as a whole is checked for missing conditions and
//! unused definitions, and every equation for dimensional consistency.
//!
//! Where a condition holds (`at`, `on boundary`, `on NAME`, the start of time) is resolved
//! in `locations.rs`, on the same per-model `Builder`.

use super::dimensions;
use super::elaborate::{Binding, Elaborator, Globals, ModelScope, Value};
use super::model::*;
use super::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast::{self, Member};
use std::collections::HashSet;
use std::path::Path;

mod integrals;
mod locations;

pub fn build_model(
    decl: &ast::ModelDecl,
    scope: ModelScope,
    globals: &Globals,
    base_dir: Option<&Path>,
    local: bool,
    diags: &mut Diagnostics,
) -> Model {
    let errors_at_start = diags.error_count();
    let mut builder = Builder {
        scope: &scope,
        globals,
        diags,
        equations: Vec::new(),
        integrals: Vec::new(),
        with_ode: HashSet::new(),
        hard: Vec::new(),
        periodic: Vec::new(),
        data: Vec::new(),
        used: scope.used.clone(),
        failed: HashSet::new(),
    };
    for member in &decl.members {
        match member {
            Member::Equation(eq) => builder.equation(eq),
            Member::Periodic(p) => builder.periodic(p),
            Member::Data(d) => builder.data(d, base_dir),
            Member::Integral(i) => builder.integral(i),
            _ => {}
        }
    }
    let errors = builder.diags.error_count() - errors_at_start;
    builder.whole_model_checks(decl, errors);
    let Builder {
        equations,
        integrals,
        hard,
        periodic,
        data,
        ..
    } = builder;
    Model {
        name: decl.name.name.clone(),
        span: decl.name.span,
        local,
        variables: scope.variables,
        constants: scope.constants,
        params: scope.params,
        fields: scope.fields,
        equations,
        hard_constraints: hard,
        periodic,
        data,
        domain: scope.domain,
        integrals,
    }
}

struct Builder<'s, 'a> {
    scope: &'s ModelScope<'a>,
    globals: &'s Globals<'a>,
    diags: &'s mut Diagnostics,
    equations: Vec<Equation>,
    integrals: Vec<Integral>,
    /// The fields `equations` gives an ode, so a second one is found without a scan.
    with_ode: HashSet<FieldRef>,
    hard: Vec<HardConstraint>,
    periodic: Vec<Periodic>,
    data: Vec<DataSource>,
    used: HashSet<String>,
    /// Kinds of equations (`initial`, `boundary`, `constraint`) that failed to check.
    failed: HashSet<&'static str>,
}

impl Builder<'_, '_> {
    fn elaborate(
        &mut self,
        e: &ast::Expr,
        allow_net: bool,
        allow_normal: bool,
        side_normal: Option<(usize, f64)>,
    ) -> Option<Value> {
        let mut elab = Elaborator::new(self.scope, self.globals, self.diags);
        elab.allow_net = allow_net;
        elab.allow_normal = allow_normal;
        elab.side_normal = side_normal;
        let value = elab.expr(e).ok();
        self.used.extend(elab.used);
        value
    }

    fn constant(&mut self, e: &ast::Expr) -> Option<f64> {
        let mut elab = Elaborator::new(self.scope, self.globals, self.diags);
        let value = elab.constant(e).ok();
        self.used.extend(elab.used);
        value
    }

    fn equation(&mut self, eq: &ast::EquationDecl) {
        let errors = self.diags.error_count();
        self.equation_components(eq);
        if self.diags.error_count() > errors {
            // The user wrote this condition; warnings about it missing would be wrong.
            self.failed.insert(eq.kind.keyword());
        }
    }

    fn equation_components(&mut self, eq: &ast::EquationDecl) {
        let allow_net = eq.kind == ast::EquationKind::Constraint;
        let boundary = eq.kind == ast::EquationKind::Boundary;
        let allow_normal = boundary && self.scope.domain.is_some();
        let side_normal = if boundary && self.scope.domain.is_none() {
            self.box_side_normal(eq)
        } else {
            None
        };
        let lhs = self.elaborate(&eq.lhs, allow_net, allow_normal, side_normal);
        let rhs = self.elaborate(&eq.rhs, allow_net, allow_normal, side_normal);
        let kind = self.kind_of(eq);
        let (Some(lhs), Some(rhs), Some(kind)) = (lhs, rhs, kind) else {
            return;
        };
        if lhs.shape() != rhs.shape() {
            self.diags.push(
                Diagnostic::new(
                    Code::ShapeMismatch,
                    eq.span,
                    format!(
                        "the two sides differ in shape: {} = {}",
                        lhs.describe(),
                        rhs.describe()
                    ),
                    "shapes differ",
                )
                .with_label(eq.lhs.span, lhs.describe())
                .with_label(eq.rhs.span, rhs.describe()),
            );
            return;
        }
        let names = self.scope.space_names();
        let pairs = lhs
            .components(&names)
            .into_iter()
            .zip(rhs.components(&names));
        for ((component, l), (_, r)) in pairs {
            self.component(eq, kind.clone(), component, l, r);
        }
    }

    /// The equation's kind with its location resolved; `None` if the location is wrong.
    fn kind_of(&mut self, eq: &ast::EquationDecl) -> Option<EquationKind> {
        match eq.kind {
            ast::EquationKind::Pde => {
                self.no_location(eq, "a pde holds everywhere inside the domain");
                Some(EquationKind::Pde)
            }
            ast::EquationKind::Constraint => {
                self.no_location(eq, "a constraint holds everywhere inside the domain");
                Some(EquationKind::Constraint)
            }
            ast::EquationKind::Ode => {
                self.no_location(eq, "an ode holds at every time");
                // The field is filled in per component once the left side is known.
                Some(EquationKind::Ode {
                    field: FieldRef {
                        field: 0,
                        component: 0,
                    },
                })
            }
            ast::EquationKind::Initial => {
                self.initial_location(eq).then_some(EquationKind::Initial)
            }
            ast::EquationKind::Boundary => {
                let location = self.boundary_location(eq)?;
                Some(EquationKind::Boundary {
                    location,
                    condition: BoundaryType::Dirichlet,
                })
            }
        }
    }

    fn component(
        &mut self,
        eq: &ast::EquationDecl,
        kind: EquationKind,
        component: Option<String>,
        lhs: Expr,
        rhs: Expr,
    ) {
        let has_net = |e: &Expr| e.any(&|n| matches!(n.kind, ExprKind::Net(_)));
        let involves_field = |e: &Expr| e.any(&|n| matches!(n.kind, ExprKind::Field(_)));
        if eq.kind == ast::EquationKind::Constraint && (has_net(&rhs) || has_net(&lhs)) {
            self.hard_constraint(eq, lhs, rhs);
            return;
        }
        if !involves_field(&lhs) && !involves_field(&rhs) {
            self.diags.push(
                Diagnostic::new(
                    Code::NoUnknown,
                    eq.span,
                    format!("this {} involves no field", eq.kind.keyword()),
                    "nothing unknown here",
                )
                .with_help(if self.scope.fields.is_empty() {
                    "equations relate the model's fields; declare them with `field u(x, t)`"
                        .to_string()
                } else {
                    let f = &self.scope.fields[0].name;
                    format!("an equation states something about a field, such as `{f} = ...`")
                }),
            );
            return;
        }
        let kind = match kind {
            EquationKind::Ode { .. } => match self.ode_field(eq, &lhs) {
                Some(field) => EquationKind::Ode { field },
                None => return,
            },
            EquationKind::Boundary { location, .. } => EquationKind::Boundary {
                location,
                condition: classify(&lhs, &rhs, location),
            },
            other => other,
        };
        self.check_dimensions(eq, &lhs, &rhs);
        if let EquationKind::Ode { field } = &kind {
            self.with_ode.insert(*field);
        }
        self.equations.push(Equation {
            kind,
            component,
            lhs,
            rhs,
            span: eq.span,
        });
    }

    fn ode_field(&mut self, eq: &ast::EquationDecl, lhs: &Expr) -> Option<FieldRef> {
        let time = self.time().map(|(t, _)| t);
        let field = match (&lhs.kind, time) {
            (ExprKind::Derivative { expr, wrt }, Some(t)) if wrt == &[t] => match expr.kind {
                ExprKind::Field(r) => Some(r),
                _ => None,
            },
            _ => None,
        };
        let Some(r) = field else {
            let d = Diagnostic::new(
                Code::BadOde,
                eq.lhs.span,
                "the left side of an ode is the time derivative of one field",
                "expected `dt(x)`",
            );
            self.diags.push(match time {
                None => d.with_help("this model has no time variable: declare `time t in [0, 10]`"),
                Some(_) => d.with_help("write `ode dt(x) = ...`; for other forms use `pde`"),
            });
            return None;
        };
        let f = &self.scope.fields[r.field];
        if f.inputs.len() != 1 {
            self.diags.push(
                Diagnostic::new(
                    Code::BadOde,
                    eq.lhs.span,
                    format!(
                        "`{}` depends on more than time, so its equation is a pde",
                        f.name
                    ),
                    "not an ordinary differential equation",
                )
                .with_label(f.span, "declared here")
                .with_help("write `pde` instead of `ode`"),
            );
            return None;
        }
        if self.with_ode.contains(&r) {
            self.diags.push(Diagnostic::new(
                Code::BadOde,
                eq.lhs.span,
                format!("`{}` already has an ode", f.name),
                "second equation for the same field",
            ));
            return None;
        }
        Some(r)
    }

    fn hard_constraint(&mut self, eq: &ast::EquationDecl, lhs: Expr, rhs: Expr) {
        let ExprKind::Field(target) = lhs.kind else {
            self.diags.push(
                Diagnostic::new(
                    Code::BadConstraint,
                    eq.lhs.span,
                    "a hard constraint defines a field from its network output",
                    "expected a field name here",
                )
                .with_help("write `constraint u = <expression of net(u)>`"),
            );
            return;
        };
        let mut others = Vec::new();
        rhs.walk(&mut |n| {
            if let ExprKind::Net(r) = n.kind {
                if r != target {
                    others.push(n.span);
                }
            }
        });
        if let Some(span) = others.first() {
            self.diags.push(Diagnostic::new(
                Code::BadConstraint,
                *span,
                "a hard constraint may only use the network output of its own field",
                "another field's output",
            ));
            return;
        }
        let mut field_uses = Vec::new();
        rhs.walk(&mut |n| {
            if matches!(n.kind, ExprKind::Field(_)) {
                field_uses.push(n.span);
            }
        });
        if let Some(span) = field_uses.first() {
            self.diags.push(
                Diagnostic::new(
                    Code::BadConstraint,
                    *span,
                    "a hard constraint defines a field from the network output, coordinates and constants only",
                    "a field value here",
                )
                .with_help("a transform that uses field values would define fields in terms of each other"),
            );
            return;
        }
        if self.hard.iter().any(|h| h.field == target) {
            self.diags.push(Diagnostic::new(
                Code::BadConstraint,
                eq.span,
                "this field already has a hard constraint",
                "second constraint for the same field",
            ));
            return;
        }
        self.hard.push(HardConstraint {
            field: target,
            transform: rhs,
            span: eq.span,
        });
    }

    fn check_dimensions(&mut self, eq: &ast::EquationDecl, lhs: &Expr, rhs: &Expr) {
        let dl = dimensions::infer(lhs, self.scope, self.diags);
        let dr = dimensions::infer(rhs, self.scope, self.diags);
        if let (Ok(a), Ok(b)) = (dl, dr) {
            let _ = dimensions::agree(
                (lhs, a),
                (rhs, b),
                eq.lhs.span,
                eq.rhs.span,
                "equated",
                self.diags,
            );
        }
    }

    fn periodic(&mut self, p: &ast::PeriodicDecl) {
        let var = match self.scope.names.get(&p.var.name) {
            Some(&(Binding::Var(v), _)) if self.scope.variables[v].kind == VarKind::Space => v,
            binding => {
                let names = self.scope.space_names();
                let is_time = matches!(binding, Some(&(Binding::Var(_), _)));
                let message = if is_time {
                    format!(
                        "`{}` is time; periodicity is a condition in space",
                        p.var.name
                    )
                } else {
                    format!("`{}` is not a space variable", p.var.name)
                };
                let mut d =
                    Diagnostic::new(Code::BadPeriodic, p.var.span, message, "periodic in what?");
                if let Some(h) =
                    suggest::did_you_mean(&p.var.name, names.iter().map(String::as_str))
                {
                    d = d.with_help(h);
                }
                self.diags.push(d);
                return;
            }
        };
        let mut fields = Vec::new();
        for name in &p.fields {
            match self.scope.names.get(&name.name) {
                Some(&(Binding::Field(f), _)) if self.scope.fields[f].inputs.contains(&var) => {
                    fields.push(f)
                }
                Some(&(Binding::Field(f), _)) => self.diags.push(
                    Diagnostic::new(
                        Code::BadPeriodic,
                        name.span,
                        format!("`{}` does not depend on `{}`", name.name, p.var.name),
                        "cannot be periodic in it",
                    )
                    .with_label(self.scope.fields[f].span, "declared here"),
                ),
                Some(&(_, defined)) => self.diags.push(
                    Diagnostic::new(
                        Code::BadPeriodic,
                        name.span,
                        format!("`{}` is not a field: only fields are periodic", name.name),
                        "not a field",
                    )
                    .with_label(defined, "defined here"),
                ),
                None => {
                    let _ = Elaborator::new(self.scope, self.globals, self.diags).undefined(
                        &name.name,
                        name.span,
                        "not a field",
                    );
                }
            }
        }
        if p.fields.is_empty() {
            fields = (0..self.scope.fields.len())
                .filter(|&f| self.scope.fields[f].inputs.contains(&var))
                .collect();
        }
        fields.iter().for_each(|&f| {
            self.used.insert(self.scope.fields[f].name.clone());
        });
        self.periodic.push(Periodic {
            var,
            fields,
            span: p.span,
        });
    }

    fn data(&mut self, d: &ast::DataDecl, base_dir: Option<&Path>) {
        let mut fields = Vec::new();
        for name in &d.fields {
            match self.scope.names.get(&name.name) {
                Some(&(Binding::Field(f), _)) => fields.push(f),
                Some(&(_, defined)) => self.diags.push(
                    Diagnostic::new(
                        Code::BadData,
                        name.span,
                        format!(
                            "`{}` is not a field: `data` lists the fields that were observed",
                            name.name
                        ),
                        "not a field",
                    )
                    .with_label(defined, "defined here")
                    .with_help(
                        "a learnable `param` is fitted from observations of the fields it affects",
                    ),
                ),
                None => {
                    let _ = Elaborator::new(self.scope, self.globals, self.diags).undefined(
                        &name.name,
                        name.span,
                        "not a field",
                    );
                }
            }
        }
        let path = match base_dir {
            Some(dir) => dir.join(&d.path),
            None => Path::new(&d.path).to_path_buf(),
        };
        if !path.exists() {
            self.diags.push(
                Diagnostic::new(
                    Code::DataFileMissing,
                    d.path_span,
                    format!("data file `{}` not found", d.path),
                    "no such file (yet)",
                )
                .with_note(
                    "the file is read when a job runs; paths are relative to this .phys file",
                ),
            );
        }
        self.data.push(DataSource {
            fields,
            written: d.path.clone(),
            path,
            span: d.span,
        });
    }

    fn whole_model_checks(&mut self, decl: &ast::ModelDecl, model_errors: usize) {
        self.missing_initial_conditions();
        self.missing_boundary_conditions(decl);
        // After an error, what looks unused may just sit in an equation that failed.
        if model_errors == 0 {
            self.unused(decl);
        }
    }

    fn missing_initial_conditions(&mut self) {
        let Some((t, _)) = self.time() else { return };
        if self.failed.contains("initial") || self.failed.contains("constraint") {
            return;
        }
        let mut seen: HashSet<usize> = HashSet::new();
        let initialised: HashSet<usize> = self
            .equations
            .iter()
            .filter(|e| e.kind == EquationKind::Initial)
            .flat_map(|e| fields_in(&e.lhs).into_iter().chain(fields_in(&e.rhs)))
            .collect();
        let constrained: HashSet<usize> = self.hard.iter().map(|h| h.field.field).collect();
        let mut warnings = Vec::new();
        for eq in &self.equations {
            if !matches!(eq.kind, EquationKind::Pde | EquationKind::Ode { .. }) {
                continue;
            }
            let mut timed = Vec::new();
            eq.lhs
                .walk(&mut |n| timed.extend(time_derivative_fields(n, t)));
            eq.rhs
                .walk(&mut |n| timed.extend(time_derivative_fields(n, t)));
            for f in timed {
                if !initialised.contains(&f) && !constrained.contains(&f) && seen.insert(f) {
                    warnings.push((eq.span, f));
                }
            }
        }
        for (span, f) in warnings {
            let field = &self.scope.fields[f];
            self.diags.push(
                Diagnostic::new(
                    Code::NoInitialCondition,
                    span,
                    format!(
                        "`{}` evolves in time but has no initial condition",
                        field.name
                    ),
                    "time derivative here",
                )
                .with_help(format!("add `initial {} = ...`", field.name)),
            );
        }
    }

    fn missing_boundary_conditions(&mut self, decl: &ast::ModelDecl) {
        if self.scope.space().is_empty()
            || self.failed.contains("boundary")
            || self.failed.contains("constraint")
        {
            return;
        }
        let spatial = self.equations.iter().find(|e| {
            e.kind == EquationKind::Pde && {
                let space = self.scope.space();
                let mut found = false;
                let mut check = |n: &Expr| {
                    if let ExprKind::Derivative { wrt, .. } = &n.kind {
                        found |= wrt.iter().any(|v| space.contains(v));
                    }
                };
                e.lhs.walk(&mut check);
                e.rhs.walk(&mut check);
                found
            }
        });
        let has_conditions = self
            .equations
            .iter()
            .any(|e| matches!(e.kind, EquationKind::Boundary { .. }))
            || !self.periodic.is_empty()
            || !self.hard.is_empty()
            || !self.data.is_empty();
        if let (Some(eq), false) = (spatial, has_conditions) {
            let span = eq.span;
            self.diags.push(
                Diagnostic::new(
                    Code::NoBoundaryCondition,
                    span,
                    format!("model `{}` has spatial derivatives but no boundary conditions", decl.name.name),
                    "this equation needs conditions on the domain's sides",
                )
                .with_help("add `boundary u = 0 on boundary`, `boundary ... at x = 0`, or `boundary periodic in x`"),
            );
        }
    }

    fn unused(&mut self, decl: &ast::ModelDecl) {
        let mut field_used: HashSet<String> = HashSet::new();
        for e in &self.equations {
            for f in fields_in(&e.lhs).into_iter().chain(fields_in(&e.rhs)) {
                field_used.insert(self.scope.fields[f].name.clone());
            }
        }
        for h in &self.hard {
            field_used.insert(self.scope.fields[h.field.field].name.clone());
        }
        for d in &self.data {
            field_used.extend(d.fields.iter().map(|&f| self.scope.fields[f].name.clone()));
        }
        let mut warnings: Vec<(Span, String, &str)> = Vec::new();
        for member in &decl.members {
            let (name, what) = match member {
                Member::Const(c) => (&c.name, "constant"),
                Member::Param(p) => (&p.name, "parameter"),
                Member::Let(l) => (&l.name, "definition"),
                Member::Fn(f) => (&f.name, "function"),
                Member::Field(f) => (&f.name, "field"),
                _ => continue,
            };
            let used = self.used.contains(&name.name)
                || field_used.contains(&name.name)
                || name.name.starts_with('_');
            if !used
                && self
                    .scope
                    .names
                    .get(&name.name)
                    .is_some_and(|(_, s)| *s == name.span)
            {
                warnings.push((name.span, name.name.clone(), what));
            }
        }
        for (span, name, what) in warnings {
            self.diags.push(
                Diagnostic::new(
                    Code::Unused,
                    span,
                    format!("{what} `{name}` is never used"),
                    "unused",
                )
                .with_help(format!(
                    "remove it, or prefix it with `_` to keep it: `_{name}`"
                )),
            );
        }
    }
}

fn fields_in(e: &Expr) -> Vec<usize> {
    let mut out = Vec::new();
    e.walk(&mut |n| {
        if let ExprKind::Field(r) = n.kind {
            out.push(r.field);
        }
    });
    out
}

fn time_derivative_fields(n: &Expr, t: VarId) -> Vec<usize> {
    match &n.kind {
        ExprKind::Derivative { expr, wrt } if wrt.contains(&t) => fields_in(expr),
        _ => Vec::new(),
    }
}

/// Dirichlet, Neumann or Robin, from which derivatives of fields the condition contains.
fn classify(lhs: &Expr, rhs: &Expr, location: BoundaryLocation) -> BoundaryType {
    let mut values = false;
    let mut normal = false;
    let mut other = false;
    fn scan(
        e: &Expr,
        location: BoundaryLocation,
        values: &mut bool,
        normal: &mut bool,
        other: &mut bool,
    ) {
        match &e.kind {
            ExprKind::Field(_) => *values = true,
            ExprKind::Derivative { expr, wrt } => {
                let is_normal = match location {
                    BoundaryLocation::Side { var, .. } => wrt.len() == 1 && wrt[0] == var,
                    BoundaryLocation::Everywhere | BoundaryLocation::Part(_) => false,
                };
                if expr.any(&|n| matches!(n.kind, ExprKind::Field(_))) {
                    if is_normal {
                        *normal = true;
                    } else {
                        *other = true;
                    }
                }
            }
            ExprKind::Neg(a) => scan(a, location, values, normal, other),
            ExprKind::Binary(_, a, b) => {
                scan(a, location, values, normal, other);
                scan(b, location, values, normal, other);
            }
            ExprKind::Call(_, args) => args
                .iter()
                .for_each(|a| scan(a, location, values, normal, other)),
            _ => {}
        }
    }
    scan(lhs, location, &mut values, &mut normal, &mut other);
    scan(rhs, location, &mut values, &mut normal, &mut other);
    match (values, normal, other) {
        (_, _, true) => BoundaryType::General,
        (true, false, false) => BoundaryType::Dirichlet,
        (false, true, false) => BoundaryType::Neumann,
        (true, true, false) => BoundaryType::Robin,
        (false, false, false) => BoundaryType::Dirichlet,
    }
}
