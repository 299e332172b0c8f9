//! A model's declarations: variables and their intervals, constants (evaluated), learnable
//! parameters, fields, `let`s and `fn`s. This fills the scope in which the model's equations
//! are then elaborated. Constants come first (intervals may use them), in declaration order.

use super::builtins;
use super::elaborate::{Binding, Elaborator, Globals, ModelScope};
use super::model::{Constant, Field, Param, VarKind, Variable};
use super::suggest;
use super::units::{self, Dimension};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::syntax::ast::{self, Member};
use std::path::Path;

pub fn declare<'a>(
    model: &'a ast::ModelDecl,
    globals: &Globals<'a>,
    module: usize,
    base_dir: Option<&Path>,
    diags: &mut Diagnostics,
) -> ModelScope<'a> {
    let mut scope = ModelScope::with_globals(globals, module);
    for member in &model.members {
        let pending = match member {
            Member::Space(v) | Member::Time(v) => Some((&v.name, "a variable")),
            Member::Param(p) => Some((&p.name, "a learnable parameter")),
            Member::Field(f) => Some((&f.name, "a field")),
            _ => None,
        };
        if let Some((name, what)) = pending {
            scope.pending.insert(name.name.clone(), what);
        }
    }
    for member in &model.members {
        if let Member::Const(c) = member {
            declare_const(&mut scope, c, globals, diags);
        }
    }
    for member in &model.members {
        match member {
            Member::Space(v) => declare_var(&mut scope, v, VarKind::Space, globals, diags),
            Member::Time(v) => declare_var(&mut scope, v, VarKind::Time, globals, diags),
            _ => {}
        }
    }
    let space = scope.space();
    if space.len() > 3 {
        let extra = &scope.variables[space[3]];
        diags.push(
            Diagnostic::new(
                Code::TooManyDimensions,
                extra.span,
                format!(
                    "a model has at most 3 space variables; this is the {}th",
                    space.len()
                ),
                "one space variable too many",
            )
            .with_help("physc supports 1, 2 and 3 space dimensions, plus time"),
        );
    }
    // Time goes after space, whatever the declaration order, so ids follow the documented layout.
    scope.variables.sort_by_key(|v| v.kind == VarKind::Time);
    for (i, v) in scope.variables.iter().enumerate() {
        scope
            .names
            .insert(v.name.clone(), (Binding::Var(i), v.span));
    }
    let read = super::domain::read_domain(model, &scope, globals, base_dir, diags);
    scope.domain = read.domain;
    scope.part_names = read.part_names;
    scope.used.extend(read.used);
    for member in &model.members {
        match member {
            Member::Param(p) => declare_param(&mut scope, p, globals, diags),
            Member::Field(f) => declare_field(&mut scope, f, diags),
            Member::Let(l) if claim(&mut scope, &l.name, diags) => {
                let id = scope.lets.len();
                scope.lets.push(l);
                scope
                    .names
                    .insert(l.name.name.clone(), (Binding::Let(id), l.name.span));
            }
            Member::Fn(f) if claim(&mut scope, &f.name, diags) => {
                super::check_params(f, diags);
                let id = scope.fns.len();
                scope.fns.push(f);
                scope
                    .names
                    .insert(f.name.name.clone(), (Binding::Fn(id), f.name.span));
            }
            _ => {}
        }
    }
    scope
}

/// Check that a name is free in the model; report the clash if not.
fn claim(scope: &mut ModelScope, name: &ast::Ident, diags: &mut Diagnostics) -> bool {
    if builtins::is_reserved(&name.name) {
        diags.push(
            Diagnostic::new(
                Code::ReservedName,
                name.span,
                format!(
                    "`{}` is a built-in constant and cannot be redefined",
                    name.name
                ),
                "reserved name",
            )
            .with_help("choose another name"),
        );
        return false;
    }
    if let Some(&(_, first)) = scope.names.get(&name.name) {
        diags.push(
            Diagnostic::new(
                Code::DuplicateDefinition,
                name.span,
                format!("`{}` is defined twice in this model", name.name),
                "defined again here",
            )
            .with_label(first, "first defined here"),
        );
        return false;
    }
    if builtins::is_builtin_function(&name.name) {
        diags.push(
            Diagnostic::new(
                Code::ShadowsBuiltin,
                name.span,
                format!("`{}` shadows the built-in of the same name", name.name),
                "the built-in is hidden in this model",
            )
            .with_help("rename it to keep the built-in available"),
        );
    }
    true
}

pub(super) fn units_of(units: &Option<ast::Expr>, diags: &mut Diagnostics) -> Option<Dimension> {
    let expr = units.as_ref()?;
    match units::parse_units(expr) {
        Ok(d) => Some(d),
        Err(e) => {
            let mut d = Diagnostic::new(
                Code::UnknownUnit,
                e.span,
                e.message,
                "not a unit physc knows",
            );
            let known: Vec<&str> = units::known_units().collect();
            let hint = e
                .unknown
                .as_deref()
                .and_then(|u| suggest::did_you_mean(u, known.iter().copied()));
            d = d.with_help(hint.unwrap_or_else(|| format!("known units: {}", known.join(" "))));
            diags.push(d);
            None
        }
    }
}

fn declare_const(
    scope: &mut ModelScope,
    c: &ast::ConstDecl,
    globals: &Globals,
    diags: &mut Diagnostics,
) {
    let declared = units_of(&c.units, diags);
    let mut elab = Elaborator::new(scope, globals, diags);
    let elaborated = elab.constant_expr(&c.value).ok();
    let used = std::mem::take(&mut elab.used);
    scope.used.extend(used);
    let value = elaborated.as_ref().map(|(_, v)| *v);
    let elaborated_is_literal = elaborated
        .as_ref()
        .is_some_and(|(e, _)| super::dimensions::is_literal(e));
    let inferred = elaborated
        .filter(|_| !elaborated_is_literal)
        .and_then(|(e, _)| super::dimensions::infer(&e, scope, diags).ok().flatten());
    let literal = elaborated_is_literal;
    if let (Some(d), Some(i), false) = (declared, inferred, literal) {
        if d != i {
            diags.push(
                Diagnostic::new(
                    Code::DimensionMismatch,
                    c.value.span,
                    format!(
                        "`{}` is declared in {d} but its value is in {i}",
                        c.name.name
                    ),
                    format!("this is in {i}"),
                )
                .with_label(
                    c.units.as_ref().map_or(c.span, |u| u.span),
                    format!("declared {d}"),
                ),
            );
        }
    }
    if !claim(scope, &c.name, diags) {
        return;
    }
    let id = scope.constants.len();
    scope.constants.push(Constant {
        name: c.name.name.clone(),
        value: value.unwrap_or(f64::NAN),
        dim: declared.or(inferred),
        span: c.name.span,
    });
    scope.names.insert(
        c.name.name.clone(),
        (super::elaborate::Binding::Const(id), c.name.span),
    );
}

/// `[lo, hi]` with constant, finite, increasing ends.
pub fn interval(
    scope: &ModelScope,
    used: &mut std::collections::HashSet<String>,
    expr: &ast::Expr,
    globals: &Globals,
    diags: &mut Diagnostics,
    what: &str,
) -> Option<(f64, f64)> {
    let ast::ExprKind::List(ends) = &expr.kind else {
        diags.push(
            Diagnostic::new(
                Code::BadInterval,
                expr.span,
                format!("{what} must be an interval"),
                "expected `[lo, hi]`",
            )
            .with_help("write an interval as `[-1, 1]`"),
        );
        return None;
    };
    if ends.len() != 2 {
        diags.push(
            Diagnostic::new(
                Code::BadInterval,
                expr.span,
                format!("an interval has two ends, this list has {}", ends.len()),
                "expected `[lo, hi]`",
            )
            .with_help("a box is several intervals: `space x in [0, 1], y in [0, 2]`"),
        );
        return None;
    }
    let mut elab = Elaborator::new(scope, globals, diags);
    let lo = elab.constant(&ends[0]);
    let hi = elab.constant(&ends[1]);
    used.extend(std::mem::take(&mut elab.used));
    let (lo, hi) = (lo.ok()?, hi.ok()?);
    if lo >= hi {
        diags.push(Diagnostic::new(
            Code::BadInterval,
            expr.span,
            format!("the interval [{lo}, {hi}] is empty"),
            "the lower end must be below the upper end",
        ));
        return None;
    }
    Some((lo, hi))
}

fn declare_var(
    scope: &mut ModelScope,
    v: &ast::VarDecl,
    kind: VarKind,
    globals: &Globals,
    diags: &mut Diagnostics,
) {
    let what = if kind == VarKind::Time {
        "time"
    } else {
        "a space variable's range"
    };
    let mut used = Default::default();
    let range = interval(scope, &mut used, &v.interval, globals, diags, what);
    scope.used.extend(used);
    let dim = units_of(&v.units, diags);
    if kind == VarKind::Time {
        if let Some(existing) = scope.variables.iter().find(|x| x.kind == VarKind::Time) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    v.name.span,
                    "a model has one time variable",
                    "second time variable",
                )
                .with_label(existing.span, "time is already declared here"),
            );
            return;
        }
    }
    if !claim(scope, &v.name, diags) {
        return;
    }
    let (lo, hi) = range.unwrap_or((0.0, 1.0));
    scope.variables.push(Variable {
        name: v.name.name.clone(),
        kind,
        lo,
        hi,
        dim,
        span: v.name.span,
    });
    // The binding is (re)inserted with its final id once space and time are ordered.
    scope
        .names
        .insert(v.name.name.clone(), (Binding::Var(usize::MAX), v.name.span));
}

fn declare_param(
    scope: &mut ModelScope,
    p: &ast::ParamDecl,
    globals: &Globals,
    diags: &mut Diagnostics,
) {
    let mut elab = Elaborator::new(scope, globals, diags);
    let guess = elab.constant(&p.guess).ok();
    let mut used = std::mem::take(&mut elab.used);
    let bounds = p
        .bounds
        .as_ref()
        .and_then(|b| interval(scope, &mut used, b, globals, diags, "a parameter's bounds"));
    scope.used.extend(used);
    if let (Some(g), Some((lo, hi))) = (guess, bounds) {
        if g < lo || g > hi {
            diags.push(
                Diagnostic::new(
                    Code::BadInterval,
                    p.guess.span,
                    format!("the initial guess {g} is outside the bounds [{lo}, {hi}]"),
                    "outside the bounds",
                )
                .with_label(p.bounds.as_ref().map_or(p.span, |b| b.span), "bounds"),
            );
        }
    }
    let dim = units_of(&p.units, diags);
    if !claim(scope, &p.name, diags) {
        return;
    }
    let id = scope.params.len();
    scope.params.push(Param {
        name: p.name.name.clone(),
        guess: guess.unwrap_or(0.0),
        bounds,
        dim,
        span: p.name.span,
    });
    scope
        .names
        .insert(p.name.name.clone(), (Binding::Param(id), p.name.span));
}

fn declare_field(scope: &mut ModelScope, f: &ast::FieldDecl, diags: &mut Diagnostics) {
    let mut inputs = Vec::new();
    let mut ok = true;
    for input in &f.inputs {
        match scope.variables.iter().position(|v| v.name == input.name) {
            Some(i) if inputs.contains(&i) => {
                diags.push(Diagnostic::new(
                    Code::BadFieldInputs,
                    input.span,
                    format!("`{}` is listed twice", input.name),
                    "repeated input",
                ));
                ok = false;
            }
            Some(i) => inputs.push(i),
            None => {
                let names: Vec<&str> = scope.variables.iter().map(|v| v.name.as_str()).collect();
                let mut d = Diagnostic::new(
                    Code::BadFieldInputs,
                    input.span,
                    format!(
                        "`{}` is not a space or time variable of this model",
                        input.name
                    ),
                    "unknown input",
                );
                d = d.with_help(
                    match suggest::did_you_mean(&input.name, names.iter().copied()) {
                        Some(h) => h,
                        None => "declare it with `space` or `time` first".into(),
                    },
                );
                diags.push(d);
                ok = false;
            }
        }
    }
    if f.inputs.is_empty() {
        diags.push(
            Diagnostic::new(Code::BadFieldInputs, f.name.span, format!("field `{}` has no inputs", f.name.name), "no inputs")
                .with_help("a field depends on space and/or time: `field u(x, t)`; a fixed number is a `const`, an unknown one a `param`"),
        );
        ok = false;
    }
    let component_names = match &f.shape {
        None => Vec::new(),
        Some(shape) if shape.name == "vector" || shape.name == "scalar" => {
            if shape.name == "scalar" {
                Vec::new()
            } else {
                let names = scope.space_names();
                if names.len() < 2 {
                    diags.push(Diagnostic::new(
                        Code::BadShape,
                        shape.span,
                        "a vector field needs at least 2 space variables",
                        "vector in fewer than 2 dimensions",
                    ));
                    ok = false;
                }
                names
            }
        }
        Some(shape) => {
            let mut d = Diagnostic::new(
                Code::BadShape,
                shape.span,
                format!("unknown field shape `{}`", shape.name),
                "expected `scalar` or `vector`",
            );
            let meant = suggest::closest(&shape.name, ["scalar", "vector"]);
            if let Some(m) = meant {
                d = d.with_help(format!("did you mean `{m}`?"));
            }
            diags.push(d);
            // Carry on with the likely meaning, so uses of the field do not cascade.
            if meant == Some("vector") {
                scope.space_names()
            } else {
                Vec::new()
            }
        }
    };
    let dim = units_of(&f.units, diags);
    if !claim(scope, &f.name, diags) {
        return;
    }
    if !ok {
        // Keep the (reported) broken field in scope over every variable, so its uses do not
        // cascade into "undefined name" or "does not depend on" errors.
        inputs = (0..scope.variables.len()).collect();
    }
    let id = scope.fields.len();
    scope.fields.push(Field {
        name: f.name.name.clone(),
        inputs,
        component_names,
        dim,
        span: f.name.span,
    });
    scope
        .names
        .insert(f.name.name.clone(), (Binding::Field(id), f.name.span));
}
