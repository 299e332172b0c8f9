//! The outward unit normal in boundary conditions on a shaped domain: `nx`, `ny`, `nz` (its
//! components, one per space variable in declaration order) and `dn(u)`, the outward normal
//! derivative Σ nᵢ ∂u/∂xᵢ. Training supplies the normal of every boundary point; anywhere
//! else (a `pde`, a box domain, a constant) they are E0227.

use super::{Elab, Elaborator, Value};
use crate::check::model::{BinOp, ExprKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// The normal component a name stands for, when it is one of `nx`, `ny`, `nz`.
pub fn normal_axis(name: &str) -> Option<usize> {
    ["nx", "ny", "nz"].iter().position(|n| *n == name)
}

impl Elaborator<'_, '_> {
    /// `nx`, `ny`, `nz`: component `axis` of the outward unit normal.
    pub(super) fn normal(&mut self, name: &str, axis: usize, span: Span) -> Elab<Value> {
        if let Some((side, sign)) = self.side_normal {
            if axis < self.scope.space().len() {
                let component = if axis == side { sign } else { 0.0 };
                return self.scalar(ExprKind::Number(component), span);
            }
        }
        self.normals_allowed(name, span)?;
        let dims = self.scope.space().len();
        if axis >= dims {
            return Err(self.report(Diagnostic::new(
                Code::NormalOutsideBoundary,
                span,
                format!("`{name}` is a normal component, but the domain is {dims}-D"),
                "no such component",
            )));
        }
        self.scalar(ExprKind::Normal(axis), span)
    }

    /// `dn(u)`: Σ nᵢ ∂u/∂xᵢ over the space variables.
    pub(super) fn normal_derivative(&mut self, arg: &ast::Expr, span: Span) -> Elab<Value> {
        if self.side_normal.is_none() {
            self.normals_allowed("dn", span)?;
        }
        let value = self.expr(arg)?;
        let Value::Scalar(_) = &value else {
            return Err(self.report(Diagnostic::new(
                Code::ShapeMismatch,
                arg.span,
                format!("`dn` takes a scalar, found {}", value.describe()),
                "not a scalar",
            )));
        };
        if let Some((side, sign)) = self.side_normal {
            // On a box side the normal derivative is ± the derivative across the side.
            let v = self.scope.space()[side];
            let Value::Scalar(d) = self.derive(value, &[v], arg.span, span)? else {
                return self.scalar(ExprKind::Number(0.0), span);
            };
            return if sign < 0.0 {
                self.scalar(ExprKind::Neg(Box::new(d)), span)
            } else {
                Ok(Value::Scalar(d))
            };
        }
        let mut sum = None;
        for (axis, v) in self.scope.space().into_iter().enumerate() {
            let Value::Scalar(d) = self.derive(value.clone(), &[v], arg.span, span)? else {
                continue;
            };
            let n = self.node(ExprKind::Normal(axis), span)?;
            let term = self.node(ExprKind::Binary(BinOp::Mul, Box::new(n), Box::new(d)), span)?;
            sum = Some(match sum {
                None => term,
                Some(s) => self.node(
                    ExprKind::Binary(BinOp::Add, Box::new(s), Box::new(term)),
                    span,
                )?,
            });
        }
        match sum {
            Some(e) => Ok(Value::Scalar(e)),
            None => self.scalar(ExprKind::Number(0.0), span),
        }
    }

    fn normals_allowed(&mut self, name: &str, span: Span) -> Elab<()> {
        if self.allow_normal {
            return Ok(());
        }
        let why = if self.scope.domain.is_none() {
            "this model's domain is a box: normals are available in conditions on one side \
             (`at x = 1`), where they are constant, and anywhere on a `domain` shape's boundary"
        } else {
            "the normal is defined on the boundary: use it in `boundary` conditions and in \
             `integral`s `on boundary` or `on PART`"
        };
        Err(self.report(
            Diagnostic::new(
                Code::NormalOutsideBoundary,
                span,
                format!("`{name}` needs the outward normal, which is not available here"),
                "no normal here",
            )
            .with_help(why),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::check::model::{EquationKind, Expr, ExprKind};
    use crate::diagnostics::Code;
    use crate::driver::compile_source;

    fn plate(domain: &str, conditions: &str) -> String {
        format!(
            "model P {{ space x in [0, 1], y in [0, 1]  field u(x, y)  {domain}
               pde dxx(u) + dyy(u) = -1  {conditions} }}"
        )
    }

    fn errors(source: &str) -> Vec<(Code, Option<String>)> {
        let c = compile_source("n.phys", source);
        c.diagnostics
            .sorted()
            .into_iter()
            .map(|d| (d.code, d.help))
            .collect()
    }

    #[test]
    fn dn_is_the_sum_of_normal_components_times_derivatives() {
        let source = plate(
            "domain = disk([0.5, 0.5], 0.5)",
            "boundary dn(u) + nx * ny * u = 0 on boundary",
        );
        let c = compile_source("n.phys", &source);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        let model = &c.program.models[0];
        let eq = model
            .equations
            .iter()
            .find(|e| matches!(e.kind, EquationKind::Boundary { .. }))
            .unwrap();
        let printed = crate::check::print::model(model);
        assert!(
            printed.contains("boundary nx * dx(u) + ny * dy(u) + nx * ny * u = 0"),
            "{printed}"
        );
        let normals = |e: &Expr| {
            let mut axes = Vec::new();
            e.walk(&mut |n| {
                if let ExprKind::Normal(i) = n.kind {
                    axes.push(i);
                }
            });
            axes
        };
        assert_eq!(normals(&eq.lhs), vec![0, 1, 0, 1]);
    }

    #[test]
    fn normals_exist_only_in_boundary_conditions_on_shaped_domains() {
        let in_pde = "model P { space x in [0, 1], y in [0, 1]  field u(x, y)
               domain = disk([0.5, 0.5], 0.5)  pde dxx(u) + dyy(u) = nx
               boundary u = 0 on boundary }";
        let found = errors(in_pde);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Code::NormalOutsideBoundary);
        assert!(found[0]
            .1
            .as_deref()
            .unwrap()
            .contains("`boundary` conditions"));
        let on_a_box = plate("", "boundary dn(u) = 0 on boundary");
        let found = errors(&on_a_box);
        assert_eq!(found[0].0, Code::NormalOutsideBoundary);
        assert!(found[0].1.as_deref().unwrap().contains("box"));
        let too_many = plate(
            "domain = disk([0.5, 0.5], 0.5)",
            "boundary nz * u = 0 on boundary",
        );
        assert_eq!(errors(&too_many)[0].0, Code::NormalOutsideBoundary);
        // A name the model declares is the model's, not the normal.
        let shadowed = plate(
            "const nx = 2  domain = disk([0.5, 0.5], 0.5)",
            "boundary u = nx on boundary",
        );
        assert!(errors(&shadowed).is_empty());
    }
}
