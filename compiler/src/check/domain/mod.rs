//! A model's domain when it is not a box: `part NAME = SHAPE` declarations and one
//! `domain = SHAPE`, read into a `physc_runtime::geometry::Shape`. Shapes are calls of the
//! primitives (`rectangle`, `disk`, `ellipse`, `triangle`, `polygon`, `box`, `sphere`,
//! `cylinder`, and `stl("file.stl")`, a closed triangle mesh read through the driver's
//! `FileProvider` relative to the .phys file), the transforms (`translate`, `rotate`, `scale`), part names, and `+` (union),
//! `-` (difference), `*` (intersection); their numbers are constant expressions. This module
//! owns the checks: each primitive valid (E0224), every shape and point of the space's
//! dimension (E0223), every STL file readable and a closed mesh (E0229), the domain non-empty, inside the space box and every part on its
//! boundary (E0226), unused parts (W0002).

use super::elaborate::{Elaborator, Globals, ModelScope};
use super::model::Domain;
use super::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::driver::{io_reason, FileProvider, FileSystem};
use crate::source::Span;
use crate::syntax::ast::{self, BinOp, ExprKind, Member};
use physc_runtime::geometry::{GeometryError, Primitive, Shape, StlError};
use physc_runtime::rng::Rng;
use physc_runtime::sampling::Sampler;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The shape functions, for "did you mean" and the help line.
const FUNCTIONS: [&str; 12] = [
    "rectangle",
    "disk",
    "ellipse",
    "triangle",
    "polygon",
    "box",
    "sphere",
    "cylinder",
    "stl",
    "translate",
    "rotate",
    "scale",
];

/// What `read_domain` found.
pub struct DomainRead {
    /// The domain, when declared and valid.
    pub domain: Option<Domain>,
    /// Every part declared, valid or not (so a condition on a broken part is not also
    /// reported as naming an unknown one).
    pub part_names: Vec<String>,
    /// Names the constant expressions used.
    pub used: HashSet<String>,
}

/// Reads the model's parts and domain.
pub fn read_domain(
    model: &ast::ModelDecl,
    scope: &ModelScope,
    globals: &Globals,
    base_dir: Option<&Path>,
    diags: &mut Diagnostics,
) -> DomainRead {
    let domains: Vec<&ast::DomainDecl> = model
        .members
        .iter()
        .filter_map(|m| match m {
            Member::Domain(d) => Some(d),
            _ => None,
        })
        .collect();
    let parts: Vec<&ast::PartDecl> = model
        .members
        .iter()
        .filter_map(|m| match m {
            Member::Part(p) => Some(p),
            _ => None,
        })
        .collect();
    if domains.is_empty() && parts.is_empty() {
        return DomainRead {
            domain: None,
            part_names: Vec::new(),
            used: HashSet::new(),
        };
    }
    let dim = scope.space().len();
    let mut reader = Reader {
        elab: Elaborator::new(scope, globals, diags),
        files: globals.files,
        base_dir,
        dim,
        parts: Vec::new(),
    };
    for part in &parts {
        if let Some((_, _, first)) = reader.parts.iter().find(|(n, _, _)| *n == part.name.name) {
            let first = *first;
            reader.elab.diags.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    part.name.span,
                    format!("two parts are named `{}`", part.name.name),
                    "defined again here",
                )
                .with_label(first, "first defined here"),
            );
            continue;
        }
        if let Some(shape) = reader.shape(&part.shape) {
            let named = shape.named(&part.name.name);
            reader
                .parts
                .push((part.name.name.clone(), Some(named), part.name.span));
        } else {
            // Remember the name so conditions on it do not also report it unknown.
            reader
                .parts
                .push((part.name.name.clone(), None, part.name.span));
        }
    }
    for extra in domains.iter().skip(1) {
        reader.elab.diags.push(
            Diagnostic::new(
                Code::DuplicateDefinition,
                extra.span,
                "a model has one domain",
                "second domain",
            )
            .with_label(domains[0].span, "the domain is declared here")
            .with_help("combine shapes with `+` (union), `-` (difference) and `*` (intersection)"),
        );
    }
    let Some(decl) = domains.first() else {
        let first = &parts[0];
        reader.elab.diags.push(
            Diagnostic::new(
                Code::BadDomain,
                first.span,
                "parts name pieces of a domain's boundary, but this model declares no domain",
                "part without a domain",
            )
            .with_help("declare the domain: `domain = rectangle([0, 0], [1, 1]) - hole`"),
        );
        return DomainRead {
            domain: None,
            part_names: reader.parts.into_iter().map(|(n, _, _)| n).collect(),
            used: reader.elab.used,
        };
    };
    let shape = reader.shape(&decl.shape);
    let part_names: Vec<String> = reader.parts.iter().map(|(n, _, _)| n.clone()).collect();
    let part_spans: Vec<Span> = reader.parts.iter().map(|(_, _, s)| *s).collect();
    let Elaborator { diags, used, .. } = reader.elab;
    let shape = shape.filter(|shape| check_domain(shape, decl, scope, diags));
    let domain = shape.map(|shape| {
        for (name, span) in part_names.iter().zip(&part_spans) {
            check_part(&shape, name, *span, diags);
        }
        Domain {
            parts: shape.parts().iter().map(|p| p.to_string()).collect(),
            shape,
            span: decl.span,
        }
    });
    DomainRead {
        domain,
        part_names,
        used,
    }
}

/// The whole domain: the space's dimension, inside the box, not empty.
fn check_domain(
    shape: &Shape,
    decl: &ast::DomainDecl,
    scope: &ModelScope,
    diags: &mut Diagnostics,
) -> bool {
    let space = scope.space();
    if shape.dim() != space.len() {
        let help = match space.len() {
            0 => "declare the space variables first: `space x in [0, 1], y in [0, 1]`".to_string(),
            1 => "a 1-D domain is an interval: `space x in [a, b]` alone".to_string(),
            n => format!("use {n}-D shapes, one coordinate per space variable"),
        };
        diags.push(
            Diagnostic::new(
                Code::DomainDimension,
                decl.shape.span,
                format!(
                    "the domain is a {}-D shape, but the model has {} space variable{}",
                    shape.dim(),
                    space.len(),
                    if space.len() == 1 { "" } else { "s" }
                ),
                format!("{}-D shape", shape.dim()),
            )
            .with_help(help),
        );
        return false;
    }
    let bounds = shape.bounds();
    for (&(lo, hi), &v) in bounds.iter().zip(&space) {
        let var = &scope.variables[v];
        let tolerance = 1e-12 * (var.hi - var.lo).abs().max(1.0);
        if lo < var.lo - tolerance || hi > var.hi + tolerance {
            diags.push(
                Diagnostic::new(
                    Code::BadDomain,
                    decl.shape.span,
                    format!(
                        "the domain reaches {} from {} to {}, outside the space box [{}, {}]",
                        var.name,
                        tidy(lo),
                        tidy(hi),
                        var.lo,
                        var.hi
                    ),
                    "reaches outside the box",
                )
                .with_label(
                    var.span,
                    format!("{} ranges over [{}, {}]", var.name, var.lo, var.hi),
                )
                .with_help(
                    "widen the space variable's interval: the box is where the network's inputs \
                     are scaled and the output grid lies",
                ),
            );
            return false;
        }
    }
    match shape.sample_interior(Sampler::Uniform, 1, &mut Rng::new(0)) {
        Ok(_) => true,
        Err(e) => {
            diags.push(
                Diagnostic::new(
                    Code::BadDomain,
                    decl.shape.span,
                    format!("the domain is empty: {e}"),
                    "no point is inside this shape",
                )
                .with_help(
                    "check the set operations: a difference or intersection removed everything",
                ),
            );
            false
        }
    }
}

/// A part must be used by the domain and keep some of its boundary on the domain's.
fn check_part(shape: &Shape, name: &str, span: Span, diags: &mut Diagnostics) {
    if !shape.parts().contains(&name) {
        diags.push(
            Diagnostic::new(
                Code::Unused,
                span,
                format!("part `{name}` is not used in the domain"),
                "never used",
            )
            .with_help(format!(
                "use it in `domain = ...` (for example `... - {name}`) or remove it"
            )),
        );
        return;
    }
    if let Err(GeometryError::Empty { .. }) =
        shape.sample_boundary(Sampler::Uniform, 1, Some(name), &mut Rng::new(0))
    {
        diags.push(
            Diagnostic::new(
                Code::BadDomain,
                span,
                format!("no piece of part `{name}`'s boundary is on the domain's boundary"),
                "swallowed by the rest of the domain",
            )
            .with_help("after the set operations this part lies inside or outside the domain, never on its edge"),
        );
    }
}

struct Reader<'s, 'a> {
    elab: Elaborator<'s, 'a>,
    files: Option<&'a dyn FileProvider>,
    /// Where `stl("...")` paths are resolved (the .phys file's directory).
    base_dir: Option<&'s Path>,
    dim: usize,
    /// Parts read so far: name, shape (None when it had errors), name's span.
    parts: Vec<(String, Option<Shape>, Span)>,
}

impl Reader<'_, '_> {
    fn report(&mut self, d: Diagnostic) -> Option<Shape> {
        self.elab.diags.push(d);
        None
    }

    fn shape(&mut self, e: &ast::Expr) -> Option<Shape> {
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.shape(lhs), self.shape(rhs));
                let (a, b) = (a?, b?);
                let combined = match op {
                    BinOp::Add => a.union(b),
                    BinOp::Sub => a.difference(b),
                    BinOp::Mul => a.intersection(b),
                    BinOp::Div | BinOp::Pow => {
                        return self.report(
                            Diagnostic::new(
                                Code::BadDomain,
                                e.span,
                                format!("`{}` is not a set operation", op.symbol()),
                                "not a set operation",
                            )
                            .with_help(SET_OPERATIONS),
                        )
                    }
                };
                match combined {
                    Ok(shape) => Some(shape),
                    Err(err) => self.geometry_error(err, e.span),
                }
            }
            ExprKind::Name(name) => match self.parts.iter().find(|(n, _, _)| n == name) {
                Some((_, shape, _)) => shape.clone(),
                None => {
                    let names: Vec<String> = self.parts.iter().map(|(n, _, _)| n.clone()).collect();
                    let mut d = Diagnostic::new(
                        Code::BadDomain,
                        e.span,
                        format!("`{name}` is not a shape"),
                        "expected a shape",
                    );
                    d = d.with_help(
                        suggest::did_you_mean(name, names.iter().map(String::as_str))
                            .unwrap_or_else(|| {
                                "a shape is a `part` declared above or a call such as `disk([0, 0], 1)`"
                                    .into()
                            }),
                    );
                    self.report(d)
                }
            },
            ExprKind::Call { callee, args } => self.call(e, callee, args),
            _ => self.report(
                Diagnostic::new(Code::BadDomain, e.span, "expected a shape", "not a shape")
                    .with_help(format!(
                        "shapes are {}, part names, and {SET_OPERATIONS}",
                        FUNCTIONS.join(", ")
                    )),
            ),
        }
    }

    fn call(&mut self, e: &ast::Expr, callee: &ast::Ident, args: &[ast::Arg]) -> Option<Shape> {
        let name = callee.name.as_str();
        let Some(arity) = arity(name) else {
            let mut d = Diagnostic::new(
                Code::BadDomain,
                callee.span,
                format!("`{name}` is not a shape function"),
                "unknown shape",
            );
            d = d
                .with_help(suggest::did_you_mean(name, FUNCTIONS).unwrap_or_else(|| {
                    format!("the shape functions are {}", FUNCTIONS.join(", "))
                }));
            return self.report(d);
        };
        if let Some(named) = args.iter().find_map(|a| a.name.as_ref()) {
            return self.report(Diagnostic::new(
                Code::NamedArgInMath,
                named.span,
                format!("`{name}` takes its arguments by position"),
                "named argument",
            ));
        }
        if !arity.contains(&args.len()) {
            let expected = if arity.end == usize::MAX {
                format!("at least {}", arity.start)
            } else if arity.len() == 1 {
                arity.start.to_string()
            } else {
                format!("{} or {}", arity.start, arity.end - 1)
            };
            return self.report(
                Diagnostic::new(
                    Code::WrongArity,
                    e.span,
                    format!("`{name}` takes {expected} arguments, not {}", args.len()),
                    "wrong number of arguments",
                )
                .with_help(usage(name)),
            );
        }
        let a: Vec<&ast::Expr> = args.iter().map(|a| &a.value).collect();
        let built = match name {
            "translate" | "rotate" | "scale" => return self.transform(e, name, &a),
            "stl" => return self.stl(a[0]),
            "rectangle" => Primitive::rectangle(self.point(a[0])?, self.point(a[1])?),
            "disk" => Primitive::disk(self.point(a[0])?, self.number(a[1])?),
            "ellipse" => {
                Primitive::ellipse(self.point(a[0])?, [self.number(a[1])?, self.number(a[2])?])
            }
            "triangle" | "polygon" => {
                let mut vertices = Vec::new();
                for v in &a {
                    vertices.push(self.point(v)?);
                }
                Primitive::polygon(vertices)
            }
            "box" => Primitive::cuboid(self.point(a[0])?, self.point(a[1])?),
            "sphere" => Primitive::sphere(self.point(a[0])?, self.number(a[1])?),
            _ => Primitive::cylinder(self.point(a[0])?, self.number(a[1])?, self.number(a[2])?),
        };
        match built {
            Ok(primitive) => Some(Shape::from(primitive)),
            Err(GeometryError::SelfIntersecting { first, second }) if first != second => {
                let n = a.len();
                self.report(
                    Diagnostic::new(
                        Code::DegenerateShape,
                        e.span,
                        format!("the polygon crosses itself: edges {first} and {second} meet"),
                        "not a simple polygon",
                    )
                    .with_label(a[first].span, format!("edge {first} starts here"))
                    .with_label(a[second].span, format!("edge {second} starts here"))
                    .with_help(format!(
                        "edge i runs from vertex i to vertex i + 1 (the last back to vertex 0, of {n}); \
                         list the vertices in order around the boundary"
                    )),
                )
            }
            Err(err) => self.geometry_error(err, e.span),
        }
    }

    /// `stl("file.stl")`: the closed mesh of an STL file, relative to the .phys file.
    fn stl(&mut self, arg: &ast::Expr) -> Option<Shape> {
        let ExprKind::Str(written) = &arg.kind else {
            return self.report(
                Diagnostic::new(
                    Code::BadMesh,
                    arg.span,
                    "`stl` takes the path of an STL file, as a string",
                    "expected a string",
                )
                .with_help(usage("stl")),
            );
        };
        let path = match self.base_dir {
            Some(dir) => dir.join(written),
            None => PathBuf::from(written),
        };
        let read = match self.files {
            Some(files) => files.read_bytes(&path),
            None => FileSystem.read_bytes(&path),
        };
        let shown = path.display().to_string();
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) => {
                return self.report(
                    Diagnostic::new(
                        Code::BadMesh,
                        arg.span,
                        format!("cannot read the STL file `{shown}`: {}", io_reason(&e)),
                        "cannot read this file",
                    )
                    .with_help("the path is relative to the .phys file that names it"),
                )
            }
        };
        match Primitive::stl(&bytes) {
            Ok(mesh) => Some(Shape::from(mesh)),
            Err(err) => self.report(
                Diagnostic::new(
                    Code::BadMesh,
                    arg.span,
                    format!("`{shown}` is not a usable closed mesh: {err}"),
                    mesh_label(&err),
                )
                .with_help(mesh_help(&err)),
            ),
        }
    }

    fn transform(&mut self, e: &ast::Expr, name: &str, a: &[&ast::Expr]) -> Option<Shape> {
        let shape = self.shape(a[0])?;
        let result = match name {
            "translate" => {
                let by: Vec<f64> = match self.dim {
                    3 => self.point::<3>(a[1])?.to_vec(),
                    _ => self.point::<2>(a[1])?.to_vec(),
                };
                shape.translate(&by)
            }
            "scale" => shape.scale(self.number(a[1])?),
            _ => {
                let angle = self.number(a[1])?;
                match a.get(2) {
                    Some(axis) => shape.rotate_about(self.point(axis)?, angle),
                    None => shape.rotate(angle),
                }
            }
        };
        match result {
            Ok(shape) => Some(shape),
            Err(err) => self.geometry_error(err, e.span),
        }
    }

    fn geometry_error(&mut self, err: GeometryError, span: Span) -> Option<Shape> {
        let d = match err {
            GeometryError::Dimension { expected, got } => Diagnostic::new(
                Code::DomainDimension,
                span,
                format!("this needs a {expected}-D shape, and its shape is {got}-D"),
                "wrong dimension",
            )
            .with_help(
                "every shape of a domain has one coordinate per space variable; \
                 `rotate(s, angle)` turns 2-D shapes, `rotate(s, angle, axis)` 3-D ones",
            ),
            other => Diagnostic::new(
                Code::DegenerateShape,
                span,
                other.to_string(),
                "degenerate shape",
            ),
        };
        self.report(d)
    }

    fn number(&mut self, e: &ast::Expr) -> Option<f64> {
        self.elab.constant(e).ok()
    }

    fn point<const N: usize>(&mut self, e: &ast::Expr) -> Option<[f64; N]> {
        let ExprKind::List(items) = &e.kind else {
            return self.report_point(e, N);
        };
        if items.len() != N {
            return self.report_point(e, N);
        }
        let mut p = [0.0; N];
        for (x, item) in p.iter_mut().zip(items) {
            *x = self.number(item)?;
        }
        Some(p)
    }

    fn report_point<T>(&mut self, e: &ast::Expr, n: usize) -> Option<T> {
        let found = match &e.kind {
            ExprKind::List(items) => format!("a list of {}", items.len()),
            _ => "something else".into(),
        };
        self.elab.diags.push(
            Diagnostic::new(
                Code::DomainDimension,
                e.span,
                format!("expected a {n}-D point `[{}]`, found {found}", coords(n)),
                format!("expected {n} coordinates"),
            )
            .with_help("2-D shapes take points `[x, y]`, 3-D shapes `[x, y, z]`"),
        );
        None
    }
}

const SET_OPERATIONS: &str =
    "shapes combine with `+` (union), `-` (difference) and `*` (intersection)";

/// A bound for a message: rounded to 12 decimals, so 0.5 − 0.6 reads −0.1.
fn tidy(x: f64) -> f64 {
    (x * 1e12).round() / 1e12
}

fn coords(n: usize) -> &'static str {
    if n == 3 {
        "x, y, z"
    } else {
        "x, y"
    }
}

fn mesh_label(err: &StlError) -> &'static str {
    match err {
        StlError::Unreadable { .. } => "cannot read this file",
        StlError::TooShort { .. } | StlError::Truncated { .. } => "truncated or not STL",
        StlError::Syntax { .. } => "malformed ASCII STL",
        StlError::Empty => "no triangles",
        StlError::NotFinite { .. } | StlError::Degenerate { .. } => "bad triangle",
        StlError::Open { .. } => "not closed",
        StlError::Inconsistent { .. } => "inconsistent orientation",
        StlError::NoVolume => "encloses nothing",
    }
}

fn mesh_help(err: &StlError) -> &'static str {
    match err {
        StlError::Unreadable { .. } => "the path is relative to the .phys file that names it",
        StlError::TooShort { .. } | StlError::Truncated { .. } => {
            "export the mesh again: binary STL is an 80-byte header, a triangle count and 50 \
             bytes per triangle; ASCII STL starts with `solid`"
        }
        StlError::Syntax { .. } => {
            "ASCII STL is `solid NAME`, then per triangle `facet normal nx ny nz`, `outer loop`, \
             three `vertex x y z`, `endloop`, `endfacet`, and `endsolid` at the end"
        }
        StlError::Empty => "the domain needs a solid: export the mesh with its triangles",
        StlError::NotFinite { .. } | StlError::Degenerate { .. } => {
            "repair the mesh (remove zero-area triangles and merge their vertices); triangles \
             count from 0 in file order"
        }
        StlError::Open { .. } | StlError::Inconsistent { .. } | StlError::NoVolume => {
            "a domain must be a closed solid: every edge shared by exactly two triangles, all \
             wound the same way (most mesh tools can close holes and fix orientation); \
             triangles and vertices count from 0 in file order"
        }
    }
}

/// How many arguments each shape function takes (`usize::MAX` as end: no upper limit).
fn arity(name: &str) -> Option<std::ops::Range<usize>> {
    Some(match name {
        "stl" => 1..2,
        "rectangle" | "disk" | "box" | "sphere" | "translate" | "scale" => 2..3,
        "ellipse" | "triangle" | "cylinder" => 3..4,
        "rotate" => 2..4,
        "polygon" => 3..usize::MAX,
        _ => return None,
    })
}

fn usage(name: &str) -> String {
    let text = match name {
        "rectangle" => "rectangle([x0, y0], [x1, y1]): lower and upper corners",
        "disk" => "disk([x, y], radius)",
        "ellipse" => "ellipse([x, y], a, b): semi-axes along x and y",
        "triangle" => "triangle([x0, y0], [x1, y1], [x2, y2])",
        "polygon" => "polygon([x0, y0], [x1, y1], [x2, y2], ...): at least 3 vertices, in order",
        "box" => "box([x0, y0, z0], [x1, y1, z1]): lower and upper corners",
        "sphere" => "sphere([x, y, z], radius)",
        "cylinder" => "cylinder([x, y, z], radius, height): the base's centre, axis along z",
        "stl" => "stl(\"mesh.stl\"): a closed triangle mesh, binary or ASCII STL, path relative to this file",
        "translate" => "translate(shape, [dx, dy]) (or [dx, dy, dz] in 3-D)",
        "scale" => "scale(shape, factor): about the origin",
        _ => "rotate(shape, angle) in 2-D, rotate(shape, angle, [ax, ay, az]) in 3-D: radians, about the origin",
    };
    format!("usage: {text}")
}

#[cfg(test)]
mod tests;
