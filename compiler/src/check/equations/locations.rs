//! Where a model's conditions hold: `initial` conditions at the start of time, `boundary`
//! conditions on a side of a box (`at x = c`), on all of the boundary, or on a named part
//! of a shaped domain (`on NAME`), with the diagnostics for locations that are missing,
//! misplaced or unknown. Methods of the equation builder, which owns the per-model state.

use super::*;

impl Builder<'_, '_> {
    pub(super) fn no_location(&mut self, eq: &ast::EquationDecl, why: &str) {
        if let Some(location) = &eq.location {
            let span = location.span();
            self.diags.push(
                Diagnostic::new(
                    Code::LocationOutsideDomain,
                    span,
                    format!(
                        "{} `{}` takes no location",
                        if eq.kind == ast::EquationKind::Ode {
                            "an"
                        } else {
                            "a"
                        },
                        eq.kind.keyword()
                    ),
                    "remove this",
                )
                .with_help(why.to_string()),
            );
        }
    }

    pub(super) fn time(&self) -> Option<(VarId, &Variable)> {
        self.scope
            .variables
            .iter()
            .enumerate()
            .find(|(_, v)| v.kind == VarKind::Time)
    }

    pub(super) fn initial_location(&mut self, eq: &ast::EquationDecl) -> bool {
        let Some((_, time)) = self.time() else {
            self.diags.push(
                Diagnostic::new(
                    Code::BadInitialCondition,
                    eq.span,
                    "an initial condition needs a time variable",
                    "this model has no time",
                )
                .with_help(
                    "declare time with `time t in [0, 1]`, or state the condition with `boundary`",
                ),
            );
            return false;
        };
        let (time_name, lo, time_span) = (time.name.clone(), time.lo, time.span);
        match &eq.location {
            None => true,
            Some(ast::Location::OnBoundary(span) | ast::Location::OnPart { span, .. }) => {
                self.diags.push(Diagnostic::new(
                    Code::BadInitialCondition,
                    *span,
                    "an initial condition holds at the start of time, not on the boundary",
                    "write `at t = ...` or nothing",
                ));
                false
            }
            Some(ast::Location::At { var, value, span }) => {
                if var.name != time_name {
                    self.diags.push(
                        Diagnostic::new(
                            Code::BadInitialCondition,
                            var.span,
                            format!(
                                "an initial condition is stated at a time, `{time_name} = ...`"
                            ),
                            format!("`{}` is not the time variable", var.name),
                        )
                        .with_help("for a condition on a side of the domain use `boundary`"),
                    );
                    return false;
                }
                let Some(at) = self.constant(value) else {
                    return false;
                };
                if (at - lo).abs() > 1e-12 * lo.abs().max(1.0) {
                    self.diags.push(
                        Diagnostic::new(
                            Code::BadInitialCondition,
                            *span,
                            format!("an initial condition holds at the start of time, {time_name} = {lo}"),
                            format!("{time_name} = {at} is not the start"),
                        )
                        .with_label(time_span, format!("time starts at {lo}")),
                    );
                    return false;
                }
                true
            }
        }
    }

    /// `on NAME`: a part of the domain's boundary.
    pub(super) fn part_location(&mut self, part: &ast::Ident) -> Option<BoundaryLocation> {
        if let Some(domain) = &self.scope.domain {
            if let Some(i) = domain.parts.iter().position(|p| *p == part.name) {
                return Some(BoundaryLocation::Part(i));
            }
        }
        let declared = self.scope.part_names.contains(&part.name);
        if declared && self.scope.domain.is_none() {
            // The domain or the part had errors, already reported; the condition was
            // written, so no warning about it missing either.
            self.failed.insert("boundary");
            return None;
        }
        let message = if declared {
            format!(
                "part `{}` is not used in the domain, so it has no boundary",
                part.name
            )
        } else {
            format!("no part is named `{}`", part.name)
        };
        let help =
            suggest::did_you_mean(&part.name, self.scope.part_names.iter().map(String::as_str))
                .unwrap_or_else(|| {
                    if self.scope.part_names.is_empty() {
                        "declare it: `part NAME = SHAPE`, used in `domain = ...`".to_string()
                    } else {
                        format!("the parts are {}", self.scope.part_names.join(", "))
                    }
                });
        self.diags.push(
            Diagnostic::new(Code::UnknownPart, part.span, message, "unknown part").with_help(help),
        );
        None
    }

    /// The outward normal of the box side an `at x = c` condition names, as (space axis,
    /// ±1), worked out without reporting anything: what is wrong with the location is
    /// reported once, by [`Self::boundary_location`].
    pub(super) fn box_side_normal(&self, eq: &ast::EquationDecl) -> Option<(usize, f64)> {
        let Some(ast::Location::At { var, value, .. }) = &eq.location else {
            return None;
        };
        let Some((Binding::Var(v), _)) = self.scope.names.get(&var.name) else {
            return None;
        };
        let variable = &self.scope.variables[*v];
        let axis = self.scope.space().iter().position(|s| s == v)?;
        let mut quiet = Diagnostics::default();
        let at = Elaborator::new(self.scope, self.globals, &mut quiet)
            .constant(value)
            .ok()?;
        let tolerance = 1e-12 * (variable.hi - variable.lo).abs().max(1.0);
        if (at - variable.lo).abs() <= tolerance {
            Some((axis, -1.0))
        } else if (at - variable.hi).abs() <= tolerance {
            Some((axis, 1.0))
        } else {
            None
        }
    }

    pub(super) fn boundary_location(&mut self, eq: &ast::EquationDecl) -> Option<BoundaryLocation> {
        let Some(location) = &eq.location else {
            self.diags.push(
                Diagnostic::new(
                    Code::LocationOutsideDomain,
                    eq.span,
                    "a boundary condition needs a location",
                    "where does this hold?",
                )
                .with_help("add `at x = 1` for one side, or `on boundary` for every side"),
            );
            return None;
        };
        match location {
            ast::Location::OnPart { part, .. } => self.part_location(part),
            ast::Location::At { span, .. } if self.scope.domain.is_some() => {
                self.diags.push(
                    Diagnostic::new(
                        Code::LocationOutsideDomain,
                        *span,
                        "`at` names a side of a box, but this model's domain is a shape",
                        "not a side of this domain",
                    )
                    .with_help(
                        "name the piece of the boundary with `part NAME = SHAPE`, use it in the \
                         domain, and write `on NAME` (or `on boundary` for all of it)",
                    ),
                );
                None
            }
            ast::Location::OnBoundary(span) => {
                if self.scope.space().is_empty() {
                    self.diags.push(Diagnostic::new(
                        Code::MissingDomain,
                        *span,
                        "this model has no space variables, so no spatial boundary",
                        "no boundary here",
                    ));
                    return None;
                }
                Some(BoundaryLocation::Everywhere)
            }
            ast::Location::At { var, value, span } => {
                let binding = self.scope.names.get(&var.name).map(|(b, _)| *b);
                let v = match binding {
                    Some(Binding::Var(v)) => v,
                    _ => {
                        let names = self.scope.space_names();
                        let mut d = Diagnostic::new(
                            Code::LocationNotVariable,
                            var.span,
                            format!("`{}` is not a space variable", var.name),
                            "a location names a space variable",
                        );
                        if let Some(h) =
                            suggest::did_you_mean(&var.name, names.iter().map(String::as_str))
                        {
                            d = d.with_help(h);
                        }
                        self.diags.push(d);
                        return None;
                    }
                };
                let variable = self.scope.variables[v].clone();
                if variable.kind == VarKind::Time {
                    self.diags.push(
                        Diagnostic::new(
                            Code::LocationNotVariable,
                            var.span,
                            format!(
                                "`{}` is time: a condition at a time is an initial condition",
                                var.name
                            ),
                            "time, not space",
                        )
                        .with_help("write it as `initial ...`"),
                    );
                    return None;
                }
                let at = self.constant(value)?;
                let tolerance = 1e-12 * (variable.hi - variable.lo).abs().max(1.0);
                if (at - variable.lo).abs() <= tolerance {
                    Some(BoundaryLocation::Side {
                        var: v,
                        value: variable.lo,
                        upper: false,
                    })
                } else if (at - variable.hi).abs() <= tolerance {
                    Some(BoundaryLocation::Side {
                        var: v,
                        value: variable.hi,
                        upper: true,
                    })
                } else {
                    let inside = at > variable.lo && at < variable.hi;
                    self.diags.push(
                        Diagnostic::new(
                            Code::LocationOutsideDomain,
                            *span,
                            format!(
                                "{} = {at} is {} the domain, not on its boundary",
                                var.name,
                                if inside { "inside" } else { "outside" }
                            ),
                            format!("{} is in [{}, {}]", var.name, variable.lo, variable.hi),
                        )
                        .with_label(
                            variable.span,
                            format!("declared here over [{}, {}]", variable.lo, variable.hi),
                        )
                        .with_help(format!(
                            "a boundary condition holds at `{} = {}` or `{} = {}`",
                            var.name, variable.lo, var.name, variable.hi
                        )),
                    );
                    None
                }
            }
        }
    }
}
