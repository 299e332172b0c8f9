//! The domain checker on small models: valid shapes and parts reach the model, each bad
//! input gives its code (and the help or labels that make it useful), never a panic.

use crate::check::model::{BoundaryLocation, EquationKind, Model};
use crate::diagnostics::{Code, Diagnostic};
use crate::driver::compile_source;

/// A 2-D plate model around `domain` lines, with `extra` members after them.
fn plate(domain: &str, extra: &str) -> String {
    format!(
        "model Plate {{\n  space x in [0, 1], y in [0, 1]\n  field u(x, y)\n{domain}\n  \
         pde dxx(u) + dyy(u) = -1\n{extra}\n}}\n"
    )
}

fn check(source: &str) -> (Vec<Diagnostic>, Option<Model>) {
    let c = compile_source("test.phys", source);
    let model = c.program.models.iter().find(|m| m.local).cloned();
    (c.diagnostics.sorted(), model)
}

fn codes(source: &str) -> Vec<Code> {
    check(source).0.iter().map(|d| d.code).collect()
}

/// The one diagnostic with `code`, asserting it is there.
fn the(source: &str, code: Code) -> Diagnostic {
    let (diags, _) = check(source);
    diags
        .iter()
        .find(|d| d.code == code)
        .cloned()
        .unwrap_or_else(|| panic!("no {code} in {diags:?}"))
}

#[test]
fn a_plate_with_a_hole_reaches_the_model_with_its_parts() {
    let source = plate(
        "  part hole = disk([0.5, 0.5], 0.2), walls = rectangle([0, 0], [1, 1])\n  \
         domain = walls - hole",
        "  boundary u = 0 on walls\n  boundary dx(u) = 0 on hole\n  boundary u = 0 on boundary",
    );
    let (diags, model) = check(&source);
    assert!(diags.is_empty(), "{diags:?}");
    let model = model.unwrap();
    let domain = model.domain.as_ref().unwrap();
    assert_eq!(domain.parts, vec!["walls", "hole"]);
    assert!(domain.shape.contains(&[0.1, 0.1]) && !domain.shape.contains(&[0.5, 0.5]));
    let locations: Vec<BoundaryLocation> = model
        .equations
        .iter()
        .filter_map(|e| match e.kind {
            EquationKind::Boundary { location, .. } => Some(location),
            _ => None,
        })
        .collect();
    assert_eq!(
        locations,
        vec![
            BoundaryLocation::Part(0),
            BoundaryLocation::Part(1),
            BoundaryLocation::Everywhere
        ]
    );
}

#[test]
fn every_shape_function_and_transform_reads() {
    let source = plate(
        "  const r = 0.1\n  domain = rectangle([0, 0], [1, 1]) - disk([0.2, 0.2], r) \
         - ellipse([0.7, 0.3], 0.1, 0.05) - triangle([0.1, 0.6], [0.3, 0.6], [0.2, 0.8]) \
         - polygon([0.6, 0.6], [0.8, 0.6], [0.8, 0.8], [0.7, 0.7], [0.6, 0.8]) \
         - translate(rotate(scale(disk([0, 0], 1), 0.05), 1), [0.45, 0.9])",
        "  boundary u = 0 on boundary",
    );
    let (diags, model) = check(&source);
    assert!(diags.is_empty(), "{diags:?}");
    let shape = &model.unwrap().domain.unwrap().shape;
    assert!(!shape.contains(&[0.45, 0.9]) && !shape.contains(&[0.2, 0.2]));
    assert!(shape.contains(&[0.5, 0.5]));
    let solid =
        "model Solid {\n  space x in [0, 1], y in [0, 1], z in [0, 2]\n  field u(x, y, z)\n  \
                 domain = box([0, 0, 0], [1, 1, 2]) * (sphere([0.5, 0.5, 1], 0.9) \
                 + rotate(cylinder([0.5, 0.5, 0], 0.2, 2), 0, [1, 0, 0]))\n  \
                 pde dxx(u) + dyy(u) + dzz(u) = -1\n  boundary u = 0 on boundary\n}\n";
    let (diags, model) = check(solid);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(model.unwrap().domain.unwrap().shape.dim(), 3);
}

#[test]
fn degenerate_primitives_are_e0224() {
    let d = the(
        &plate("  domain = disk([0.5, 0.5], 0)", ""),
        Code::DegenerateShape,
    );
    assert!(d.message.contains("radius"), "{}", d.message);
    let bowtie = plate("  domain = polygon([0, 0], [1, 1], [1, 0], [0, 1])", "");
    let d = the(&bowtie, Code::DegenerateShape);
    assert!(d.message.contains("edges 0 and 2"), "{}", d.message);
    assert_eq!(d.labels.len(), 3, "the polygon and the two edges: {d:?}");
    let flat = plate("  domain = rectangle([0, 0], [1, 0])", "");
    assert!(codes(&flat).contains(&Code::DegenerateShape));
    let two = plate("  domain = polygon([0, 0], [1, 1])", "");
    assert!(the(&two, Code::WrongArity).help.is_some());
}

#[test]
fn dimensions_must_agree_e0223() {
    let d = the(
        &plate("  domain = sphere([0.5, 0.5, 0.5], 0.4)", ""),
        Code::DomainDimension,
    );
    assert!(d.message.contains("3-D shape"), "{}", d.message);
    let mixed = plate(
        "  domain = disk([0.5, 0.5], 0.4) + sphere([0.5, 0.5, 0.5], 0.4)",
        "",
    );
    assert!(codes(&mixed).contains(&Code::DomainDimension));
    let point = plate("  domain = disk([0.5, 0.5, 0], 0.4)", "");
    assert!(codes(&point).contains(&Code::DomainDimension));
}

#[test]
fn bad_domains_are_e0226() {
    let outside = the(
        &plate("  domain = disk([0.5, 0.5], 0.6)", ""),
        Code::BadDomain,
    );
    assert!(
        outside.message.contains("outside the space box"),
        "{}",
        outside.message
    );
    let empty = the(
        &plate(
            "  domain = disk([0.2, 0.2], 0.1) * disk([0.8, 0.8], 0.1)",
            "",
        ),
        Code::BadDomain,
    );
    assert!(empty.message.contains("empty"), "{}", empty.message);
    let typo = the(
        &plate("  domain = disc([0.5, 0.5], 0.2)", ""),
        Code::BadDomain,
    );
    assert_eq!(typo.help.as_deref(), Some("did you mean `disk`?"));
    let swallowed = plate(
        "  part inner = disk([0.5, 0.5], 0.1)\n  domain = disk([0.5, 0.5], 0.4) + inner",
        "",
    );
    let d = the(&swallowed, Code::BadDomain);
    assert!(d.message.contains("`inner`"), "{}", d.message);
    let divided = plate("  domain = disk([0.5, 0.5], 0.4) / 2", "");
    assert!(codes(&divided).contains(&Code::BadDomain));
    let orphan = "model P {\n  space x in [0, 1], y in [0, 1]\n  field u(x, y)\n  \
                  part hole = disk([0.5, 0.5], 0.2)\n  pde u = 1\n}\n";
    assert!(codes(orphan).contains(&Code::BadDomain));
    let unused = plate(
        "  part hole = disk([0.5, 0.5], 0.2)\n  domain = rectangle([0, 0], [1, 1])",
        "  boundary u = 0 on boundary",
    );
    assert_eq!(codes(&unused), vec![Code::Unused]);
}

#[test]
fn conditions_name_parts_that_exist_e0225() {
    let source = plate(
        "  part hole = disk([0.5, 0.5], 0.2)\n  domain = rectangle([0, 0], [1, 1]) - hole",
        "  boundary u = 0 on hloe",
    );
    let d = the(&source, Code::UnknownPart);
    assert_eq!(d.help.as_deref(), Some("did you mean `hole`?"));
    // A part whose shape had errors is not reported again where conditions use it.
    let broken = plate(
        "  part hole = disk([0.5, 0.5], -1)\n  domain = rectangle([0, 0], [1, 1]) - hole",
        "  boundary u = 0 on hole",
    );
    assert_eq!(codes(&broken), vec![Code::DegenerateShape]);
    // Box sides are not sides of a shaped domain.
    let at = plate(
        "  domain = rectangle([0, 0], [1, 1]) - disk([0.5, 0.5], 0.2)",
        "  boundary u = 0 at x = 0",
    );
    assert!(codes(&at).contains(&Code::LocationOutsideDomain));
}

#[test]
fn simulate_on_a_shape_points_to_train_and_training_plans_on_it() {
    let source = "model Heat {\n  space x in [0, 1], y in [0, 1]\n  time t in [0, 1]\n  \
                  field u(x, y, t)\n  part rim = disk([0.5, 0.5], 0.5)\n  domain = rim\n  \
                  pde dt(u) = dxx(u) + dyy(u)\n  initial u = 0\n  boundary u = 0 on rim\n}\n\
                  simulate Heat {}\n";
    let d = the(source, Code::JobNotApplicable);
    assert!(d.help.unwrap().contains("train Heat"));
    let c = compile_source("test.phys", &source.replace("simulate", "train"));
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let settings = c.program.jobs[0].settings.train().unwrap();
    let model = c.program.models.iter().find(|m| m.local).unwrap();
    let problem = crate::plan::training::plan(model, settings, &[]).unwrap();
    let domain = problem.domain.as_ref().unwrap();
    assert_eq!(domain.parts, vec!["rim"]);
    assert_eq!(domain.inputs, vec![0, 1]);
    let regions: Vec<_> = problem.terms.iter().map(|t| t.region.clone()).collect();
    use crate::plan::training::Region;
    for region in [Region::Interior, Region::Initial, Region::Part(0)] {
        assert!(regions.contains(&region), "{regions:?}");
    }
}

/// On a box, a condition on one side (`at x = c`) has a constant outward normal: `dn(u)`
/// is ± the derivative across that side and `nx`, `ny` are numbers; `on boundary` spans
/// several sides of the box, where the normal is not one constant, and stays E0227.
#[test]
fn box_sides_have_constant_normals() {
    let source = plate(
        "",
        "  boundary dn(u) = 1 at x = 0\n  boundary dn(u) + nx * u = 0 at x = 1\n  \
         boundary ny * dn(u) = 2 at y = 0",
    );
    let (diags, model) = check(&source);
    assert!(diags.is_empty(), "{diags:?}");
    let model = model.unwrap();
    let printed: Vec<String> = model
        .equations
        .iter()
        .filter(|e| matches!(e.kind, EquationKind::Boundary { .. }))
        .map(|e| crate::check::print::expr(&model, &e.lhs))
        .collect();
    assert_eq!(printed, ["-dx(u)", "dx(u) + 1 * u", "-1 * -dy(u)"]);
    assert_eq!(
        codes(&plate("", "  boundary dn(u) = 0 on boundary")),
        [Code::NormalOutsideBoundary]
    );
}

mod stl {
    use super::*;
    use crate::driver::{compile_source_with, MemoryFiles};
    use physc_runtime::geometry::write_ascii_stl;
    use std::path::Path;

    /// The 12 triangles of the box [lo, hi], wound outward.
    fn cube(lo: f64, hi: f64) -> Vec<[[f64; 3]; 3]> {
        let c = |k: usize| -> [f64; 3] {
            std::array::from_fn(|i| if k >> i & 1 == 1 { hi } else { lo })
        };
        let quads = [
            [0, 4, 6, 2],
            [1, 3, 7, 5],
            [0, 1, 5, 4],
            [2, 6, 7, 3],
            [0, 2, 3, 1],
            [4, 5, 7, 6],
        ];
        quads
            .iter()
            .flat_map(|q| [[c(q[0]), c(q[1]), c(q[2])], [c(q[0]), c(q[2]), c(q[3])]])
            .collect()
    }

    fn solid(domain: &str) -> String {
        format!(
            "model Part {{\n  space x in [0, 1], y in [0, 1], z in [0, 1]\n  field u(x, y, z)\n  \
             {domain}\n  pde dxx(u) + dyy(u) + dzz(u) = -1\n  boundary u = 0 on boundary\n}}\n"
        )
    }

    fn check_with(source: &str, mesh: &[[[f64; 3]; 3]]) -> (Vec<Diagnostic>, Option<Model>) {
        let mut files = MemoryFiles::new();
        files.insert("parts/cube.stl", write_ascii_stl("cube", mesh));
        let c = compile_source_with("part.phys", source, Some(Path::new("parts")), &files);
        let model = c.program.models.iter().find(|m| m.local).cloned();
        (c.diagnostics.sorted(), model)
    }

    #[test]
    fn an_stl_mesh_is_a_shape_relative_to_the_file() {
        let source =
            solid("part cube = stl(\"cube.stl\")\n  domain = cube - sphere([1, 1, 1], 0.5)");
        let (diags, model) = check_with(&source, &cube(0.0, 1.0));
        assert!(diags.is_empty(), "{diags:?}");
        let domain = model.unwrap().domain.unwrap();
        assert_eq!(domain.parts, vec!["cube".to_string()]);
        assert!(domain.shape.contains(&[0.2, 0.2, 0.2]));
        assert!(!domain.shape.contains(&[0.9, 0.9, 0.9]));
    }

    #[test]
    fn bad_meshes_are_e0229_naming_the_file_and_triangle() {
        let mut open = cube(0.0, 1.0);
        open.remove(4);
        let (diags, _) = check_with(&solid("domain = stl(\"cube.stl\")"), &open);
        let d = diags
            .iter()
            .find(|d| d.code == Code::BadMesh)
            .expect("E0229");
        assert!(
            d.message.contains("parts/cube.stl") && d.message.contains("triangle"),
            "{}",
            d.message
        );
        assert!(d.help.as_deref().unwrap_or("").contains("closed"));
        let (diags, _) = check_with(&solid("domain = stl(\"other.stl\")"), &open);
        assert!(diags[0].message.contains("cannot read") && diags[0].code == Code::BadMesh);
        let (diags, _) = check_with(&solid("domain = stl(cube)"), &open);
        assert_eq!(diags[0].code, Code::BadMesh);
        // A directory (or a device) is not read.
        let c = crate::driver::compile_source_with(
            "part.phys",
            &solid("domain = stl(\".\")"),
            None,
            &crate::driver::FileSystem,
        );
        let d = c
            .diagnostics
            .iter()
            .find(|d| d.code == Code::BadMesh)
            .expect("E0229");
        assert!(d.message.contains("cannot read"), "{}", d.message);
        // Too big for the box, and 3-D in a plane.
        let (diags, _) = check_with(&solid("domain = stl(\"cube.stl\")"), &cube(-1.0, 1.0));
        assert_eq!(diags[0].code, Code::BadDomain);
        let flat = plate(
            "  domain = stl(\"cube.stl\")",
            "  boundary u = 0 on boundary",
        );
        let (diags, _) = check_with(&flat, &cube(0.0, 1.0));
        assert_eq!(diags[0].code, Code::DomainDimension);
    }
}
