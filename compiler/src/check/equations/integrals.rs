//! `integral NAME = EXPR [on PART | on boundary]`: quantities integrated over the domain or a
//! piece of its boundary after training (forces on a body, fluxes through a boundary). The
//! integrand is elaborated like a condition's side (fields, derivatives, constants, space
//! variables; on the boundary of a shaped domain also the normal `nx`, `ny`, `nz` and
//! `dn(u)`), so it lowers and compiles like any residual. What cannot be integrated is
//! E0230; an unknown part is E0225.

use super::*;

impl Builder<'_, '_> {
    pub(super) fn integral(&mut self, decl: &ast::IntegralDecl) {
        let over = self.integral_region(decl);
        let on_boundary = matches!(over, Some(IntegralRegion::Boundary(_)));
        let allow_normal = on_boundary && self.scope.domain.is_some();
        let value = self.elaborate(&decl.integrand, false, allow_normal, None);
        let (Some(over), Some(value)) = (over, value) else {
            return;
        };
        let Value::Scalar(integrand) = value else {
            self.diags.push(
                Diagnostic::new(
                    Code::BadIntegral,
                    decl.integrand.span,
                    format!(
                        "integral `{}` integrates {}, not a scalar",
                        decl.name.name,
                        value.describe()
                    ),
                    "not a scalar",
                )
                .with_help("integrate one component at a time: `integral fx = f.x on PART`"),
            );
            return;
        };
        if let Some(first) = self.integrals.iter().find(|i| i.name == decl.name.name) {
            let first = first.span;
            self.diags.push(
                Diagnostic::new(
                    Code::BadIntegral,
                    decl.name.span,
                    format!("integral `{}` is declared twice", decl.name.name),
                    "declared again here",
                )
                .with_label(first, "first declared here"),
            );
            return;
        }
        self.integrals.push(Integral {
            name: decl.name.name.clone(),
            integrand,
            over,
            span: decl.span,
        });
    }

    /// Where the integral is taken, with the diagnostics for what cannot be integrated.
    fn integral_region(&mut self, decl: &ast::IntegralDecl) -> Option<IntegralRegion> {
        let refuse = |b: &mut Self, span: Span, message: String, label: &str, help: &str| {
            b.diags.push(
                Diagnostic::new(Code::BadIntegral, span, message, label.to_string())
                    .with_help(help.to_string()),
            );
            None
        };
        if self.scope.space().is_empty() {
            let message = format!(
                "integral `{}`: this model has no space variables to integrate over",
                decl.name.name
            );
            return refuse(
                self,
                decl.span,
                message,
                "nothing to integrate over",
                "declare the space: `space x in [0, 1], y in [0, 1]`",
            );
        }
        match &decl.location {
            None => Some(IntegralRegion::Domain),
            Some(ast::Location::At { span, .. }) => refuse(
                self,
                *span,
                format!(
                    "integral `{}`: `at` is not a place an integral is taken over",
                    decl.name.name
                ),
                "not available for integrals",
                "integrate over a part of a shaped domain's boundary (`on NAME`), all of it \
                 (`on boundary`), or the domain (no location)",
            ),
            Some(ast::Location::OnBoundary(span)) => {
                if self.scope.domain.is_none() {
                    let message = format!(
                        "integral `{}` over the boundary needs a `domain = ...` shape",
                        decl.name.name
                    );
                    return refuse(
                        self,
                        *span,
                        message,
                        "this model's domain is a box",
                        "declare the domain as a shape (`domain = rectangle([0, 0], [1, 1])`) \
                         to integrate over its boundary",
                    );
                }
                Some(IntegralRegion::Boundary(BoundaryLocation::Everywhere))
            }
            Some(ast::Location::OnPart { part, .. }) => {
                self.part_location(part).map(IntegralRegion::Boundary)
            }
        }
    }
}
