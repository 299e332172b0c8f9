//! `dist(part)` and `dist(boundary)`: an approximate distance to a named part of a shaped
//! domain's boundary, or to all of it, for hard constraints (`constraint u = g +
//! dist(hole) * net(u)`). It is zero exactly on those pieces, positive elsewhere in the
//! domain, smooth inside it and normalised to first order (its gradient has length 1 on the
//! boundary), after Sukumar & Srivastava, CMAME 389 (2022) 114333. Each flat or trimmed
//! piece is φ = √(f² + ((√(t² + f⁴) − t)/2)²), with f the signed distance to the piece's
//! line or plane (or a normalised implicit function of its surface) and t a trimming
//! function positive exactly on the piece:
//!
//! - a segment from a to b (length L, midpoint c): t = ((L/2)² − |x − c|²)/L;
//! - a box face: t the R-conjunction of the slabs of its two sides; a triangle: of its
//!   three edges' half-planes; a cylinder's side: f = (r² − ρ²)/(2r), t the slab of its
//!   length; a cylinder's cap: t = (r² − ρ²)/(2r) in its plane;
//! - a whole circle or sphere of radius r about c: φ = |r² − |x − c|²| / (2r); a whole
//!   ellipse: φ = |ψ| / √(ψ²/m² + |∇ψ|²) with ψ = 1 − ξ² − η² (`Builder::ellipse`);
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
                "`dist` is built from the pieces of a `domain = ...` shape that lie on its \
                 boundary whole (a side may be cut); for a piece only partly on it, or a large \
                 STL mesh, state the condition with `boundary ... on PART` instead",
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

    /// Σᵢ dᵢ (xᵢ − oᵢ): the coordinate along `direction` measured from `origin` (terms with
    /// a zero coefficient left out, so axis-aligned pieces stay short).
    fn along(&mut self, direction: &[f64], origin: &[f64]) -> Elab<Expr> {
        let mut sum: Option<Expr> = None;
        for (axis, (&d, &o)) in direction.iter().zip(origin).enumerate() {
            if d == 0.0 {
                continue;
            }
            let x = self.offset(axis, o)?;
            let term = if d == 1.0 {
                x
            } else {
                let d = self.num(d)?;
                self.mul(d, x)?
            };
            sum = Some(match sum {
                None => term,
                Some(s) => self.add(s, term)?,
            });
        }
        match sum {
            Some(s) => Ok(s),
            None => self.num(0.0),
        }
    }

    /// (h² − s²) / (2h): positive for |s| < h, with slope ∓1 at s = ±h.
    fn slab(&mut self, s: Expr, h: f64) -> Elab<Expr> {
        let s2 = self.square(s)?;
        self.inside_of(s2, h)
    }

    /// (h² − s2) / (2h) for an expression s2 ≥ 0 (a squared distance): positive inside the
    /// radius h and normalised at it.
    fn inside_of(&mut self, s2: Expr, h: f64) -> Elab<Expr> {
        let h2 = self.num(h * h)?;
        let gap = self.sub(h2, s2)?;
        let scale = self.num(1.0 / (2.0 * h))?;
        self.mul(scale, gap)
    }

    /// The R-conjunction of order 2, (a + b − √(a² + b²)) (a² + b²) / L²: positive exactly
    /// where a and b both are, and twice continuously differentiable where both vanish
    /// (the order-0 form is only Lipschitz there, and those lines run through the domain
    /// when the face belongs to a hole).
    fn conjunction(&mut self, a: Expr, b: Expr, length: f64) -> Elab<Expr> {
        let a2 = self.square(a.clone())?;
        let b2 = self.square(b.clone())?;
        let r2 = self.add(a2, b2)?;
        let r = self.call(MathFn::Sqrt, r2.clone())?;
        let ab = self.add(a, b)?;
        let gap = self.sub(ab, r)?;
        let product = self.mul(gap, r2)?;
        let scale = self.num(1.0 / (length * length))?;
        self.mul(scale, product)
    }

    /// √(f² + ((√(t² + f⁴) − t)/2)²): zero where f = 0 and t ≥ 0 (the piece), ≈ |f| near
    /// it, with f the signed distance to the piece's line or plane and t its trimming
    /// function.
    fn trimmed(&mut self, f: Expr, t: Expr) -> Elab<Expr> {
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

    fn piece(&mut self, piece: &BoundaryPiece) -> Elab<Expr> {
        match *piece {
            BoundaryPiece::Segment { a, b } => self.segment(a, b),
            BoundaryPiece::Circle { center, radius } => self.round(&center, radius),
            BoundaryPiece::Sphere { center, radius } => self.round(&center, radius),
            BoundaryPiece::Ellipse {
                center,
                axes,
                semi_axes,
            } => self.ellipse(center, axes, semi_axes),
            BoundaryPiece::Rectangle { center, axes, half } => self.rectangle(center, axes, half),
            BoundaryPiece::Tube {
                center,
                axis,
                radius,
                half_length,
            } => self.tube(center, axis, radius, half_length),
            BoundaryPiece::Disk {
                center,
                normal,
                radius,
            } => self.disk(center, normal, radius),
            BoundaryPiece::Triangle { corners } => self.triangle(corners),
        }
    }

    /// |r² − |x − c|²| / (2r).
    fn round(&mut self, center: &[f64], radius: f64) -> Elab<Expr> {
        let d2 = self.squared_distance(center)?;
        let inside = self.inside_of(d2, radius)?;
        self.call(MathFn::Abs, inside)
    }

    /// With ξ, η the coordinates along the semi-axes over their lengths a, b and
    /// ψ = 1 − ξ² − η²: |ψ| / √(ψ²/m² + |∇ψ|²), m = min(a, b). It is ψ/|∇ψ| to first order
    /// at the ellipse (so normalised there), smooth elsewhere (ψ and ∇ψ never vanish
    /// together), m at the centre (the true distance), and a circle's distance when a = b.
    fn ellipse(&mut self, center: [f64; 2], axes: [[f64; 2]; 2], semi: [f64; 2]) -> Elab<Expr> {
        let mut psi = self.num(1.0)?;
        let mut gradient2: Option<Expr> = None;
        for (axis, length) in axes.iter().zip(semi) {
            let along = self.along(axis, &center)?;
            let inv = self.num(1.0 / length)?;
            let xi = self.mul(inv, along)?;
            let xi2 = self.square(xi)?;
            psi = self.sub(psi, xi2.clone())?;
            let weight = self.num(4.0 / (length * length))?;
            let term = self.mul(weight, xi2)?;
            gradient2 = Some(match gradient2 {
                None => term,
                Some(g) => self.add(g, term)?,
            });
        }
        let m = semi[0].min(semi[1]);
        let psi2 = self.square(psi.clone())?;
        let inv_m2 = self.num(1.0 / (m * m))?;
        let scaled = self.mul(inv_m2, psi2)?;
        let gradient2 = gradient2.expect("two semi-axes");
        let sum = self.add(scaled, gradient2)?;
        let norm = self.call(MathFn::Sqrt, sum)?;
        let magnitude = self.call(MathFn::Abs, psi)?;
        self.div(magnitude, norm)
    }

    /// A face of a box: trimmed by the conjunction of its two slabs.
    fn rectangle(&mut self, center: [f64; 3], axes: [[f64; 3]; 2], half: [f64; 2]) -> Elab<Expr> {
        let f = self.along(&cross(axes[0], axes[1]), &center)?;
        let u = self.along(&axes[0], &center)?;
        let tu = self.slab(u, half[0])?;
        let v = self.along(&axes[1], &center)?;
        let tv = self.slab(v, half[1])?;
        let t = self.conjunction(tu, tv, half[0].min(half[1]))?;
        self.trimmed(f, t)
    }

    /// The side of a cylinder: f = (r² − ρ²)/(2r) with ρ the distance from the axis,
    /// trimmed by the slab of its length.
    fn tube(&mut self, center: [f64; 3], axis: [f64; 3], radius: f64, half: f64) -> Elab<Expr> {
        let z = self.along(&axis, &center)?;
        let rho2 = self.radial2(&center, z.clone())?;
        let f = self.inside_of(rho2, radius)?;
        let t = self.slab(z, half)?;
        self.trimmed(f, t)
    }

    /// A cap of a cylinder: the distance to its plane, trimmed by the disk.
    fn disk(&mut self, center: [f64; 3], normal: [f64; 3], radius: f64) -> Elab<Expr> {
        let f = self.along(&normal, &center)?;
        let rho2 = self.radial2(&center, f.clone())?;
        let t = self.inside_of(rho2, radius)?;
        self.trimmed(f, t)
    }

    /// |x − c|² − z²: the squared distance from the line through c whose coordinate is z.
    fn radial2(&mut self, center: &[f64], z: Expr) -> Elab<Expr> {
        let d2 = self.squared_distance(center)?;
        let z2 = self.square(z)?;
        self.sub(d2, z2)
    }

    /// A triangle in 3-D: trimmed by the conjunction of its three edges' half-planes.
    fn triangle(&mut self, corners: [[f64; 3]; 3]) -> Elab<Expr> {
        let normal = unit(cross(
            sub(corners[1], corners[0]),
            sub(corners[2], corners[0]),
        ));
        let f = self.along(&normal, &corners[0])?;
        let shortest = (0..3)
            .map(|i| norm(sub(corners[(i + 1) % 3], corners[i])))
            .fold(f64::INFINITY, f64::min);
        let mut t: Option<Expr> = None;
        for i in 0..3 {
            let (a, b) = (corners[i], corners[(i + 1) % 3]);
            // Counter-clockwise about the normal, n × (b − a) points into the triangle.
            let inward = unit(cross(normal, sub(b, a)));
            let edge = self.along(&inward, &a)?;
            t = Some(match t {
                None => edge,
                Some(t) => self.conjunction(t, edge, shortest)?,
            });
        }
        self.trimmed(f, t.expect("three edges"))
    }

    /// The segment from a to b: f the signed distance to its line, trimmed by
    /// t = ((L/2)² − |x − c|²)/L, positive on the disk the segment spans.
    fn segment(&mut self, a: [f64; 2], b: [f64; 2]) -> Elab<Expr> {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let length = dx.hypot(dy);
        let f = self.along(&[dy / length, -dx / length], &a)?;
        let mid = [0.5 * (a[0] + b[0]), 0.5 * (a[1] + b[1])];
        let half2 = self.num(0.25 * length * length)?;
        let d2 = self.squared_distance(&mid)?;
        let trim = self.sub(half2, d2)?;
        let inv_len = self.num(1.0 / length)?;
        let t = self.mul(inv_len, trim)?;
        self.trimmed(f, t)
    }
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| a[i] - b[i])
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: [f64; 3]) -> f64 {
    (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt()
}

fn unit(a: [f64; 3]) -> [f64; 3] {
    let n = norm(a);
    a.map(|x| x / n)
}

#[cfg(test)]
mod tests {
    //! Each kind of piece, evaluated as the compiler writes it: zero on the boundary it
    //! names, ≈ h at a small depth h inside along the inward normal (normalised to first
    //! order), positive and finite at interior points.
    use crate::check::elaborate::evaluate_at;
    use crate::check::model::{ExprKind, Model};
    use crate::driver::compile_source;
    use physc_runtime::rng::Rng;
    use physc_runtime::sampling::Sampler;

    /// Checks `dist(target)` of the model made of `space`, `parts` and `domain`, and its
    /// value at the points of `known`.
    fn check_distance(
        space: &str,
        parts: &str,
        domain: &str,
        target: &str,
        known: &[([f64; 2], f64)],
    ) {
        let vars = if space.contains(" z ") {
            "x, y, z"
        } else {
            "x, y"
        };
        let source = format!(
            "model M {{ {space}  field u({vars})  {parts}  domain = {domain}
               pde u = 0  constraint u = dist({target}) * net(u) }}"
        );
        let compiled = compile_source("d.phys", &source);
        assert!(
            compiled.diagnostics.is_empty(),
            "{:?}",
            compiled.diagnostics
        );
        let model: &Model = &compiled.program.models[0];
        let transform = &model.hard_constraints[0].transform;
        let ExprKind::Binary(_, dist, _) = &transform.kind else {
            panic!("{transform:?}")
        };
        let space: Vec<_> = model.space().map(|(id, _)| id).collect();
        let at = |p: &[f64]| {
            evaluate_at(dist, &model.constants, &|v| {
                p[space
                    .iter()
                    .position(|&s| s == v)
                    .expect("a space variable")]
            })
        };
        for (p, expected) in known {
            let value = at(p);
            assert!((value - expected).abs() < 1e-12, "dist at {p:?} = {value}");
        }
        let shape = &model.domain.as_ref().unwrap().shape;
        let part = (target != "boundary").then_some(target);
        let mut rng = Rng::new(3);
        let boundary = shape
            .sample_boundary(Sampler::Uniform, 400, part, &mut rng)
            .unwrap();
        // Near an edge the neighbouring piece lowers the slope by about h/(distance to the
        // edge) (the R-equivalence), so the step is small and the bound loose.
        let h = 1e-7;
        for i in 0..boundary.primitive.len() {
            let p: Vec<f64> = boundary.points.iter().map(|c| c[i]).collect();
            let n: Vec<f64> = boundary.normals.iter().map(|c| c[i]).collect();
            let on = at(&p);
            assert!(on.abs() < 1e-9, "dist({target}) at {p:?} = {on}");
            let inside: Vec<f64> = p.iter().zip(&n).map(|(x, n)| x - h * n).collect();
            if !shape.contains(&inside) {
                continue; // a corner's neighbourhood
            }
            let slope = at(&inside) / h;
            assert!(
                (slope - 1.0).abs() < 1e-2,
                "dist({target}) grows at {slope} inward from {p:?}"
            );
        }
        let interior = shape
            .sample_interior(Sampler::Uniform, 400, &mut rng)
            .unwrap();
        for i in 0..interior[0].len() {
            let p: Vec<f64> = interior.iter().map(|c| c[i]).collect();
            let value = at(&p);
            assert!(value.is_finite() && value > 0.0, "dist at {p:?} = {value}");
        }
    }

    #[test]
    fn an_elliptical_hole_turned_and_moved() {
        check_distance(
            "space x in [0, 2], y in [0, 1]",
            "part hole = translate(rotate(ellipse([0, 0], 0.4, 0.2), 0.5), [1, 0.5])",
            "rectangle([0, 0], [2, 1]) - hole",
            "hole",
            &[],
        );
    }

    #[test]
    fn a_whole_ellipse_and_its_centre() {
        // At the centre the distance is the short semi-axis, as the true distance is.
        check_distance(
            "space x in [-2, 2], y in [-1, 1]",
            "",
            "ellipse([0, 0], 2, 1)",
            "boundary",
            &[([0.0, 0.0], 1.0)],
        );
    }

    #[test]
    fn a_box_drilled_by_a_cylinder() {
        let space = "space x in [0, 2], y in [0, 1], z in [0, 1]";
        let parts = "part walls = box([0, 0, 0], [2, 1, 1]), \
                     bore = cylinder([1, 0.5, 0.25], 0.2, 0.5)";
        check_distance(space, parts, "walls - bore", "boundary", &[]);
        check_distance(space, parts, "walls - bore", "bore", &[]);
        check_distance(space, parts, "walls - bore", "walls", &[]);
    }

    #[test]
    fn a_turned_box() {
        check_distance(
            "space x in [-1, 1], y in [-1, 1], z in [-1, 1]",
            "",
            "rotate(box([-0.5, -0.4, -0.3], [0.5, 0.4, 0.3]), 0.4, [1, 1, 0])",
            "boundary",
            &[],
        );
    }

    #[test]
    fn an_stl_box() {
        let dir = std::env::temp_dir().join(format!("physc-dist-stl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cube.stl");
        // The unit cube's 12 triangles, wound outward.
        let c = |k: usize| -> [f64; 3] { std::array::from_fn(|i| (k >> i & 1) as f64) };
        let mut triangles = Vec::new();
        for axis in 0..3 {
            let (j, k) = (1 << ((axis + 1) % 3), 1 << ((axis + 2) % 3));
            for side in [0, 1 << axis] {
                let q = [side, side | j, side | j | k, side | k].map(c);
                let (t1, t2) = if side == 0 {
                    ([q[0], q[2], q[1]], [q[0], q[3], q[2]])
                } else {
                    ([q[0], q[1], q[2]], [q[0], q[2], q[3]])
                };
                triangles.extend([t1, t2]);
            }
        }
        std::fs::write(&path, physc_runtime::geometry::write_binary_stl(&triangles)).unwrap();
        check_distance(
            "space x in [0, 1], y in [0, 1], z in [0, 1]",
            "",
            &format!("stl({:?})", path.display().to_string()),
            "boundary",
            &[],
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
