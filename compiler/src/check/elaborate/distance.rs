//! `dist(part)` and `dist(boundary)`: an approximate distance to a named part of a shaped
//! domain's boundary, or to all of it, for hard constraints (`constraint u = g +
//! dist(hole) * net(u)`). It is zero exactly on those pieces, positive elsewhere in the
//! domain, smooth inside it and normalised to first order (its gradient has length 1 on the
//! boundary), after Sukumar & Srivastava, CMAME 389 (2022) 114333:
//!
//! - a segment from a to b (length L, midpoint c): with f the signed distance to its line
//!   and t = ((L/2)² − |x − c|²)/L a trimming function positive on the segment's disk,
//!   φ = √(f² + ((√(t² + f⁴) − t)/2)²);
//! - a whole circle or sphere of radius r about c: φ = |r² − |x − c|²| / (2r);
//! - several pieces: φ = 1 / Σᵢ 1/φᵢ (the R-equivalence of order 1).
//!
//! The pieces come from the runtime's geometry (`Shape::boundary_pieces`); the function is
//! written out here as an ordinary expression of the space variables, so its derivatives go
//! through the jets like any other term's.

use super::{Elab, Elaborator, Value};
use crate::check::builtins::MathFn;
use crate::check::model::{BinOp, Expr, ExprKind, VarId};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use physc_runtime::geometry::BoundaryPiece;

impl Elaborator<'_, '_> {
    /// `dist(NAME)`: the approximate distance to part NAME, or to the whole boundary.
    pub(super) fn distance(&mut self, arg: &ast::Expr, span: Span) -> Elab<Value> {
        let ast::ExprKind::Name(name) = &arg.kind else {
            return Err(self.no_distance(
                arg.span,
                "`dist` takes the name of a part, or `boundary`".into(),
                "not a part name",
            ));
        };
        let Some(domain) = self.scope.domain.clone() else {
            let message = if self.scope.part_names.is_empty() {
                "`dist` needs a domain that is a shape (`domain = ...`); this model's is a box"
                    .to_string()
            } else {
                // The domain had errors, already reported.
                return Err(super::Reported);
            };
            return Err(self.no_distance(span, message, "no shape here"));
        };
        let part = (name != "boundary").then_some(name.as_str());
        if let Some(part) = part {
            if !domain.parts.iter().any(|p| p == part) {
                let help = if domain.parts.is_empty() {
                    "declare it: `part NAME = SHAPE`, used in `domain = ...`; or use `dist(boundary)`"
                        .to_string()
                } else {
                    format!(
                        "the parts are {}; `dist(boundary)` is the whole boundary",
                        domain.parts.join(", ")
                    )
                };
                return Err(self.report(
                    Diagnostic::new(
                        Code::UnknownPart,
                        arg.span,
                        format!("no part of the domain is named `{part}`"),
                        "unknown part",
                    )
                    .with_help(help),
                ));
            }
        }
        let pieces = domain.shape.boundary_pieces(part).map_err(|e| {
            self.no_distance(
                span,
                format!("`dist({name})`: {e}"),
                "not available for this shape",
            )
        })?;
        let space = self.scope.space();
        let mut build = Builder {
            elab: self,
            space: &space,
            span,
        };
        let mut inverse_sum: Option<Expr> = None;
        let count = pieces.len();
        let mut single = None;
        for piece in &pieces {
            let phi = build.piece(piece)?;
            if count == 1 {
                single = Some(phi);
                break;
            }
            let one = build.num(1.0)?;
            let inverse = build.div(one, phi)?;
            inverse_sum = Some(match inverse_sum {
                None => inverse,
                Some(s) => build.add(s, inverse)?,
            });
        }
        let phi = match (single, inverse_sum) {
            (Some(phi), _) => phi,
            (None, Some(sum)) => {
                let one = build.num(1.0)?;
                build.div(one, sum)?
            }
            (None, None) => unreachable!("boundary_pieces returns at least one piece"),
        };
        Ok(Value::Scalar(phi))
    }

    fn no_distance(&mut self, span: Span, message: String, label: &str) -> super::Reported {
        self.report(
            Diagnostic::new(Code::NoDistance, span, message, label).with_help(
                "`dist` is built from rectangle and polygon sides, whole circles and whole \
                 spheres of a `domain = ...` shape; for other shapes state the condition with \
                 `boundary ... on PART` instead",
            ),
        )
    }
}

/// Expression nodes for the distance function, every one counted against the node budget.
struct Builder<'e, 's, 'a> {
    elab: &'e mut Elaborator<'s, 'a>,
    space: &'e [VarId],
    span: Span,
}

impl Builder<'_, '_, '_> {
    fn node(&mut self, kind: ExprKind) -> Elab<Expr> {
        self.elab.node(kind, self.span)
    }

    fn num(&mut self, v: f64) -> Elab<Expr> {
        self.node(ExprKind::Number(v))
    }

    fn var(&mut self, axis: usize) -> Elab<Expr> {
        self.node(ExprKind::Var(self.space[axis]))
    }

    fn binary(&mut self, op: BinOp, a: Expr, b: Expr) -> Elab<Expr> {
        self.node(ExprKind::Binary(op, Box::new(a), Box::new(b)))
    }

    fn add(&mut self, a: Expr, b: Expr) -> Elab<Expr> {
        self.binary(BinOp::Add, a, b)
    }

    fn sub(&mut self, a: Expr, b: Expr) -> Elab<Expr> {
        self.binary(BinOp::Sub, a, b)
    }

    fn mul(&mut self, a: Expr, b: Expr) -> Elab<Expr> {
        self.binary(BinOp::Mul, a, b)
    }

    fn div(&mut self, a: Expr, b: Expr) -> Elab<Expr> {
        self.binary(BinOp::Div, a, b)
    }

    fn call(&mut self, f: MathFn, a: Expr) -> Elab<Expr> {
        self.node(ExprKind::Call(f, vec![a]))
    }

    fn square(&mut self, a: Expr) -> Elab<Expr> {
        self.mul(a.clone(), a)
    }

    /// `x_axis − c`.
    fn offset(&mut self, axis: usize, c: f64) -> Elab<Expr> {
        let x = self.var(axis)?;
        let c = self.num(c)?;
        self.sub(x, c)
    }

    /// |x − c|² over the first `center.len()` space variables.
    fn squared_distance(&mut self, center: &[f64]) -> Elab<Expr> {
        let mut sum: Option<Expr> = None;
        for (axis, &c) in center.iter().enumerate() {
            let d = self.offset(axis, c)?;
            let d2 = self.square(d)?;
            sum = Some(match sum {
                None => d2,
                Some(s) => self.add(s, d2)?,
            });
        }
        Ok(sum.expect("a centre has coordinates"))
    }

    fn piece(&mut self, piece: &BoundaryPiece) -> Elab<Expr> {
        match *piece {
            BoundaryPiece::Segment { a, b } => self.segment(a, b),
            BoundaryPiece::Circle { center, radius } => self.round(&center, radius),
            BoundaryPiece::Sphere { center, radius } => self.round(&center, radius),
        }
    }

    /// |r² − |x − c|²| / (2r).
    fn round(&mut self, center: &[f64], radius: f64) -> Elab<Expr> {
        let r2 = self.num(radius * radius)?;
        let d2 = self.squared_distance(center)?;
        let inside = self.sub(r2, d2)?;
        let magnitude = self.call(MathFn::Abs, inside)?;
        let scale = self.num(1.0 / (2.0 * radius))?;
        self.mul(scale, magnitude)
    }

    /// √(f² + ((√(t² + f⁴) − t)/2)²) for the segment from a to b.
    fn segment(&mut self, a: [f64; 2], b: [f64; 2]) -> Elab<Expr> {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let length = dx.hypot(dy);
        // f = ((x − ax) dy − (y − ay) dx) / L
        let ox = self.offset(0, a[0])?;
        let cy = self.num(dy / length)?;
        let fx = self.mul(cy, ox)?;
        let oy = self.offset(1, a[1])?;
        let cx = self.num(dx / length)?;
        let fy = self.mul(cx, oy)?;
        let f = self.sub(fx, fy)?;
        // t = ((L/2)² − |x − c|²) / L
        let mid = [0.5 * (a[0] + b[0]), 0.5 * (a[1] + b[1])];
        let half2 = self.num(0.25 * length * length)?;
        let d2 = self.squared_distance(&mid)?;
        let trim = self.sub(half2, d2)?;
        let inv_len = self.num(1.0 / length)?;
        let t = self.mul(inv_len, trim)?;
        // ϖ = √(t² + f⁴)
        let t2 = self.square(t.clone())?;
        let f2 = self.square(f)?;
        let f4 = self.square(f2.clone())?;
        let inner = self.add(t2, f4)?;
        let varpi = self.call(MathFn::Sqrt, inner)?;
        let diff = self.sub(varpi, t)?;
        let half = self.num(0.5)?;
        let halved = self.mul(half, diff)?;
        let h2 = self.square(halved)?;
        let total = self.add(f2, h2)?;
        self.call(MathFn::Sqrt, total)
    }
}
