//! The symbolic core on real models: lowering snapshots for every example, exact jet sets,
//! and symbolic derivatives checked against central finite differences.

use physc_compiler::driver;
use physc_compiler::ir::{self, eval, lang::SymbolKind, standalone};
use physc_compiler::source::FileId;
use std::collections::HashMap;

fn lowered_models(path: &std::path::Path) -> Vec<(physc_compiler::check::Model, ir::Lowered)> {
    let compilation = driver::compile_file(path);
    assert!(!compilation.has_errors(), "{} has errors", path.display());
    compilation
        .program
        .models
        .iter()
        // Imported models count when a job of the file runs them (burgers_mol.phys).
        .filter(|m| m.local || compilation.program.jobs.iter().any(|j| j.target == m.name))
        .map(|m| (m.clone(), ir::lower_model(m)))
        .collect()
}

#[test]
fn example_lowered_residuals() {
    insta::glob!("../examples", "*.phys", |path| {
        let text: String = lowered_models(path)
            .iter()
            .map(|(m, l)| {
                ir::report::lowered(
                    m,
                    l,
                    &ir::report::Style {
                        latex: false,
                        ..Default::default()
                    },
                )
            })
            .collect();
        insta::assert_snapshot!(text);
    });
}

/// Every example's residuals and sensitivities after simplification, as `physc show
/// --stage simplified` prints them (readable form), and each printed form equal to what
/// lowering built at random values of its symbols.
#[test]
fn example_simplified_residuals() {
    insta::glob!("../examples", "*.phys", |path| {
        let mut text = String::new();
        for (m, _) in lowered_models(path) {
            let limits = ir::simplify::Limits {
                time: std::time::Duration::from_secs(20),
                ..Default::default()
            };
            let s = ir::pipeline::simplify_model_for_reading(&m, &limits);
            let view = s.view();
            text.push_str(&ir::report::simplified(
                &m,
                &s.lowered,
                &view,
                &ir::report::Style::default(),
            ));
            let (readable, roots) = view.readable.expect("asked for");
            let reader = ir::readable::Reader::new(&s.lowered.symbols).with_time(m.time());
            let before: Vec<ir::Id> = view
                .residuals
                .iter()
                .map(|(b, _)| *b)
                .chain(view.sensitivities.iter().flatten().map(|(_, b, _)| *b))
                .collect();
            for (k, &b) in before.iter().enumerate() {
                let (e, r) = reader.rebuild(readable, roots[k]);
                for seed in 0..4u64 {
                    let mut at = |sym: egg::Symbol| {
                        let h = sym
                            .as_str()
                            .bytes()
                            .fold(seed.wrapping_add(1469598103934665603), |h, c| {
                                (h ^ c as u64).wrapping_mul(1099511628211)
                            });
                        0.5 + (h >> 11) as f64 / (1u64 << 53) as f64
                    };
                    let want = eval::eval(&s.lowered.builder.expr, b, &mut at);
                    let got = eval::eval(&e, r, &mut at);
                    if want.is_finite() {
                        assert!(
                            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                            "{}: root {k}: printed form gives {got}, lowering {want}",
                            path.display()
                        );
                    }
                }
            }
        }
        insta::assert_snapshot!(text);
    });
}

#[test]
fn burgers_needs_exactly_its_jets() {
    let models = lowered_models(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/burgers.phys"
    )));
    let (model, lowered) = &models[0];
    let names: Vec<String> = lowered
        .jets
        .values()
        .next()
        .unwrap()
        .iter()
        .map(|wrt| {
            wrt.iter()
                .map(|&v| model.variables[v].name.as_str())
                .collect::<String>()
        })
        .collect();
    assert_eq!(names, vec!["", "x", "xx", "t"]);
    assert_eq!(lowered.max_order(), 2);
}

#[test]
fn derivatives_of_fields_are_jets_not_zero() {
    let source = "model Heat {\n  space x in [0, 1]\n  time t in [0, 1]\n  field u(x, t)\n  pde dt(u) = dxx(u*u)\n  initial u = 0\n  boundary u = 0 on boundary\n}\n";
    let compilation = driver::compile_source("heat.phys", source);
    assert!(!compilation.has_errors());
    let lowered = ir::lower_model(&compilation.program.models[0]);
    // d²(u²)/dx² = 2 u_x² + 2 u u_xx: the chain and product rules, never a zero.
    let jets = HashMap::from([("u", 0.7), ("u_x", -1.3), ("u_xx", 0.4), ("u_t", 2.1)]);
    let r = eval::eval(&lowered.builder.expr, lowered.residuals[0].root, &mut |s| {
        jets[s.as_str()]
    });
    let expected = 2.1 - (2.0 * 1.3 * 1.3 + 2.0 * 0.7 * 0.4);
    assert!((r - expected).abs() < 1e-14, "{r} vs {expected}");
}

#[test]
fn hard_constraints_give_field_jets_in_terms_of_network_jets() {
    let source = "model C {\n  space x in [0, 1]\n  field u(x)\n  pde dxx(u) = -1\n  constraint u = x * (1 - x) * net(u)\n}\n";
    let compilation = driver::compile_source("c.phys", source);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let lowered = ir::lower_model(&compilation.program.models[0]);
    let net: Vec<usize> = lowered
        .net_jets
        .values()
        .next()
        .unwrap()
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(net, vec![0, 1, 2], "u_xx of x(1-x)N needs N, N_x and N_xx");
    // u_xx for the equation, and u itself, which outputs and data always need.
    let wrt: Vec<usize> = lowered.constraints[0]
        .jets
        .iter()
        .map(|(w, _)| w.len())
        .collect();
    assert_eq!(wrt, vec![0, 2]);
}

fn parse(text: &str) -> standalone::Standalone {
    let e = physc_compiler::syntax::parse_expression(FileId(0), text)
        .unwrap_or_else(|d| panic!("{text}: {d:?}"));
    standalone::lower_expression(&e).unwrap_or_else(|d| panic!("{text}: {}", d.message))
}

fn value(s: &standalone::Standalone, root: egg::Id, point: &HashMap<String, f64>) -> f64 {
    eval::eval(&s.builder.expr, root, &mut |sym| {
        let name = match s.symbols.get(sym).map(|i| &i.kind) {
            Some(SymbolKind::Free(n)) => n.clone(),
            _ => sym.to_string(),
        };
        point[&name]
    })
}

/// Symbolic d/dx against a central difference, at several points.
#[test]
fn symbolic_derivatives_match_finite_differences() {
    let cases = [
        "x^3 * sin(y*x)",
        "exp(-x^2) / (1 + y^2 * x^2)",
        "tanh(x*y) + sigmoid(x - y)",
        "log(1 + x^2) * sqrt(2 + cos(x))",
        "atan(x / (1 + y^2)) + asin(x / 3) + acos(x / 4)",
        "softplus(3 * x) * erf(x)",
        "x^y",
        "sinh(x) * cosh(y * x) / (2 + tan(x / 4))",
        "min(x^2, y) + max(x, 2 * y) + abs(x - y)",
        "(x^2 + y)^2.5",
    ];
    let points = [(0.3, 0.7), (0.9, 1.3), (1.1, 0.2), (0.55, 1.9)];
    for case in cases {
        let f = parse(case);
        let df = parse(&format!("d({case}, x)"));
        for (x, y) in points {
            let at = |x: f64| HashMap::from([("x".to_string(), x), ("y".to_string(), y)]);
            let h = 1e-5;
            let fd = (value(&f, f.root, &at(x + h)) - value(&f, f.root, &at(x - h))) / (2.0 * h);
            let exact = value(&df, df.root, &at(x));
            let err = (fd - exact).abs() / exact.abs().max(1.0);
            assert!(
                err < 1e-7,
                "{case} at ({x}, {y}): symbolic {exact}, finite difference {fd}"
            );
        }
    }
}

#[test]
fn second_derivatives_match_finite_differences() {
    let f = parse("sin(x * y) * exp(x)");
    let dxy = parse("d(sin(x * y) * exp(x), x, y)");
    let (x, y, h) = (0.4, 0.8, 1e-4);
    let at = |x: f64, y: f64| HashMap::from([("x".to_string(), x), ("y".to_string(), y)]);
    let v = |x, y| value(&f, f.root, &at(x, y));
    let fd =
        (v(x + h, y + h) - v(x + h, y - h) - v(x - h, y + h) + v(x - h, y - h)) / (4.0 * h * h);
    let exact = value(&dxy, dxy.root, &at(x, y));
    assert!((fd - exact).abs() < 1e-6, "{fd} vs {exact}");
}
