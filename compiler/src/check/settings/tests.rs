//! The schema, the typed settings and the spec agree: every default has the type of its
//! option, the settings tables of `spec/language.md` are the schema's
//! (`UPDATE_SPEC=1 cargo test -p physc-compiler settings` rewrites them), and a block
//! reads into the settings it says.

use super::*;
use crate::check::model::JobKind;
use crate::check::schema::{self, CallSchema, Default, Opt, Ty};
use crate::driver::compile_source;

const KINDS: [JobKind; 4] = [
    JobKind::Train,
    JobKind::Simulate,
    JobKind::Discover,
    JobKind::Evolve,
];

fn each_option(options: &'static [Opt], visit: &mut impl FnMut(&str, &Opt)) {
    for o in options {
        visit(o.name, o);
        let calls: &[CallSchema] = match &o.ty {
            Ty::Calls(c) | Ty::Networks(c) => c,
            Ty::Seq(Ty::Calls(c)) => c,
            Ty::Library => schema::GENERATORS,
            Ty::Record(fields) => {
                each_option(fields, visit);
                &[]
            }
            _ => &[],
        };
        for c in calls {
            each_option(c.options, visit);
        }
    }
}

#[test]
fn every_default_has_the_type_of_its_option() {
    for kind in KINDS {
        each_option(schema::settings(kind), &mut |name, o| {
            let fits = match (&o.ty, &o.default) {
                (_, Default::Described(text)) => !text.is_empty(),
                (_, Default::Required) => o.required,
                (Ty::Num { positive }, Default::Num(v)) => *v > 0.0 || !positive && *v == 0.0,
                (Ty::NumOrAuto, Default::Num(v)) => *v >= 0.0,
                (Ty::IntOrAuto { .. }, Default::Name(n)) => *n == "auto",
                (Ty::Int { min, max }, Default::Int(v)) => v >= min && v <= max,
                (Ty::Bool, Default::Bool(_)) => true,
                (Ty::Choice(c), Default::Name(n)) => c.contains(n),
                (Ty::Activation, Default::Name(n)) => {
                    crate::check::builtins::ACTIVATIONS.contains(n)
                }
                (Ty::Calls(c) | Ty::Networks(c), Default::Name(n)) => {
                    c.iter().any(|c| c.name == *n)
                }
                (Ty::Name, Default::Name(_)) => true,
                _ => false,
            };
            assert!(
                fits,
                "{kind:?} `{name}`: default {:?} for {:?}",
                o.default, o.ty
            );
        });
    }
}

#[test]
fn symbolic_regression_defaults_are_the_searchs() {
    let sr = crate::symreg::SrConfig::default();
    let schema = schema::settings(JobKind::Discover);
    let (_, options) = super::options::Options::defaults(schema)
        .default_call("method", "sr")
        .expect("sr");
    assert_eq!(options.int("population"), sr.population);
    assert_eq!(options.int("generations"), sr.generations);
    assert_eq!(options.int("max_size"), sr.max_size);
}

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/language.md");

fn markers(kind: JobKind) -> (String, String) {
    let k = kind.keyword();
    (
        format!("<!-- settings {k}: generated from check/schema.rs, do not edit -->\n"),
        format!("<!-- end settings {k} -->"),
    )
}

#[test]
fn the_spec_settings_tables_are_the_schemas() {
    let mut spec = std::fs::read_to_string(SPEC).expect("spec/language.md");
    let update = std::env::var_os("UPDATE_SPEC").is_some();
    let mut stale = Vec::new();
    for kind in KINDS {
        let (begin, end) = markers(kind);
        let (Some(a), Some(b)) = (spec.find(&begin), spec.find(&end)) else {
            panic!("spec/language.md has no `{}` … `{end}` block", begin.trim());
        };
        let body = a + begin.len();
        let want = schema::reference(kind);
        if spec[body..b] != want {
            stale.push(kind.keyword());
            spec.replace_range(body..b, &want);
        }
    }
    if update && !stale.is_empty() {
        std::fs::write(SPEC, &spec).expect("write spec/language.md");
        return;
    }
    assert!(
        stale.is_empty(),
        "the settings tables of {stale:?} in spec/language.md differ from check/schema.rs; \
         rerun with UPDATE_SPEC=1 to regenerate them"
    );
}

fn settings_of(source: &str) -> JobSettings {
    let compilation = compile_source("settings.phys", source);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    compilation.program.jobs[0].settings.clone()
}

const HEAT: &str = "model Heat { space x in [0, 1]  time t in [0, 1]  field u(x, t)
    pde dt(u) = 0.1 * dxx(u)  initial u = sin(pi * x)  boundary u = 0 on boundary }\n";

#[test]
fn an_empty_train_block_reads_the_schema_defaults() {
    let s = settings_of(&format!("{HEAT} train Heat {{ }}"));
    let t = s.train().expect("train");
    assert_eq!(
        (t.nets[0].kind, t.nets[0].width, t.nets[0].depth),
        (NetKind::Mlp, 32, 4)
    );
    assert_eq!(t.nets[0].activation.name(), "tanh");
    assert_eq!(t.nets[0].inputs, vec![0, 1]);
    assert_eq!(
        (t.points.interior, t.points.initial, t.points.boundary),
        (4096, 256, 256)
    );
    assert_eq!(
        t.stages.iter().map(|s| s.name()).collect::<Vec<_>>(),
        ["adam", "ssbroyden"]
    );
    assert_eq!(t.stages[0].steps(), super::DEFAULT_ADAM_STEPS);
    assert_eq!(t.stages[1].steps(), super::DEFAULT_QUASI_NEWTON_STEPS);
    // The default dense stage gives way to L-BFGS on a large network; a named one refuses.
    assert!(matches!(
        t.stages[1],
        OptimizerStage::Bfgs {
            too_large: super::TooLarge::Lbfgs { history: 50 },
            resample: Some(super::DEFAULT_QUASI_NEWTON_RESAMPLE),
            ..
        }
    ));
    let named = settings_of(&format!("{HEAT} train Heat {{ optimize ssbroyden() }}"));
    assert!(matches!(
        named.train().expect("train").stages[0],
        OptimizerStage::Bfgs {
            too_large: super::TooLarge::Refuse,
            steps: 1000,
            ..
        }
    ));
    assert_eq!(t.precision, Precision::F64);
    assert_eq!(t.grid, vec![101, 101]);
    assert_eq!(t.checkpoint_every, 1000);
    assert!(t.compare.is_none() && t.causal.is_none());
}

#[test]
fn a_train_block_reads_what_it_says() {
    let s = settings_of(&format!(
        "{HEAT} train Heat {{ net siren(width: 16, omega: 20, inputs: [x, t])
           points interior: 100, sampler: lhs, resample: 10
           optimize adam(lr: 1e-2, steps: 7, schedule: cosine) then lbfgs(history: 5)
           compare \"ref.npz\"  precision f32  seed 3  output grid: [11, 5] }}"
    ));
    let t = s.train().expect("train");
    assert_eq!(
        (t.nets[0].kind, t.nets[0].width, t.nets[0].depth),
        (NetKind::Siren, 16, 4)
    );
    assert_eq!(t.nets[0].activation.name(), "sin");
    assert_eq!(t.points.interior, 100);
    assert_eq!(t.points.resample, Some(10));
    match &t.stages[..] {
        [OptimizerStage::Adam { lr, steps: 7, .. }, OptimizerStage::Lbfgs {
            history: 5,
            steps: 1000,
            ..
        }] => {
            assert_eq!(*lr, 1e-2)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        t.compare.as_ref().map(|c| c.value.as_str()),
        Some("ref.npz")
    );
    assert_eq!((t.precision, t.seed), (Precision::F32, 3));
    assert_eq!(t.grid, vec![11, 5]);
}

#[test]
fn simulate_discover_and_evolve_blocks_read_their_settings() {
    let s = settings_of(&format!(
        "{HEAT} simulate Heat {{ method rosenbrock(rtol: 1e-5)  grid x: 64  output points: 11 }}"
    ));
    let sim = s.simulate().expect("simulate");
    assert_eq!(
        sim.method,
        TimeMethod::Rosenbrock {
            rtol: 1e-5,
            atol: 1e-9
        }
    );
    assert_eq!(sim.grid.get("x"), Some(&64));
    assert_eq!(sim.output.over((0.0, 1.0)).len(), 11);
    assert_eq!(
        SimulateSettings::default_method(),
        TimeMethod::Dopri5 {
            rtol: 1e-8,
            atol: 1e-10
        }
    );

    let s = settings_of(
        "const k = 2
         discover D { data \"d.csv\"  vars [x, y]  library [poly(degree: 3), k * x * y]
           derivative savgol(order: 2)  method stlsq(threshold: auto) }",
    );
    let d = s.discover().expect("discover");
    assert_eq!(d.data.value, DataSource::File("d.csv".into()));
    assert_eq!(d.time, "t");
    assert!(matches!(d.library[0], LibraryItem::Poly { degree: 3 }));
    let LibraryItem::Term(term) = &d.library[1] else {
        panic!("{:?}", d.library)
    };
    assert_eq!(term.params, ["x", "y"]);
    assert_eq!(term.eval(&[3.0, 5.0]), 30.0);
    assert_eq!(
        d.derivative,
        physc_runtime::sindy::derivative::Method::SavitzkyGolay {
            window: 7,
            order: 2
        }
    );
    assert!(matches!(
        d.regression,
        Regression::Stlsq {
            threshold: Threshold::Auto,
            ..
        }
    ));

    // The weak form's window: chosen from the data unless given.
    use physc_runtime::sindy::derivative::{Method, WeakWindow};
    for (written, window) in [
        ("weak", WeakWindow::Auto),
        ("weak(window: auto)", WeakWindow::Auto),
        ("weak(window: 61, order: 8)", WeakWindow::Samples(61)),
    ] {
        let s = settings_of(&format!(
            "discover D {{ data \"d.csv\"  derivative {written} }}"
        ));
        let Method::Weak { window: found, .. } = s.discover().expect("discover").derivative else {
            panic!("{written}")
        };
        assert_eq!(found, window, "{written}");
    }
    for (bad, says) in [
        ("weak(window: 3)", "at least 5"),
        ("weak(window: wide)", "a whole number ≥ 5 or `auto`"),
    ] {
        let c = compile_source(
            "settings.phys",
            &format!("discover D {{ data \"d.csv\"  derivative {bad} }}"),
        );
        let text = format!("{:?}", c.diagnostics);
        assert!(c.has_errors() && text.contains(says), "{bad}: {text}");
    }

    let s = settings_of(
        "fn half(x) = 0.5 * x
         evolve E { target half  range [0, 2]  ops [mul, add]  budget generations: 3 }",
    );
    let e = s.evolve().expect("evolve");
    let EvolveTarget::Function(f) = &e.target else {
        panic!("{:?}", e.target)
    };
    assert_eq!(f.eval(&[3.0]), 1.5);
    assert_eq!(e.range, (0.0, 2.0));
    assert_eq!(e.budget.generations, Some(3));
    assert_eq!(e.budget.minutes, None);
    assert_eq!((e.population, e.max_ops, e.seed), (100, 16, 1));
}

#[test]
fn net_gives_a_network_per_field_or_group_of_fields() {
    let model = "model M { space x in [0, 1]  time t in [0, 1]  field u(x, t), v(x, t), c(t)
        pde dt(u) = c * dxx(u)  pde dt(v) = dxx(v)  initial u = 0, v = 0 }\n";
    let s = settings_of(&format!(
        "{model} train M {{ net c: mlp(width: 4, depth: 1), flow: siren(fields: [v, u]) }}"
    ));
    let t = s.train().expect("train");
    let nets: Vec<_> = t
        .nets
        .iter()
        .map(|n| (n.name.as_str(), n.fields.clone(), n.inputs.clone(), n.width))
        .collect();
    // In the order of their first field; a network's inputs are its fields' variables.
    assert_eq!(
        nets,
        [
            ("flow", vec![0, 1], vec![0, 1], 32),
            ("c", vec![2], vec![1], 4)
        ]
    );
    assert_eq!(t.nets[0].kind, NetKind::Siren);
    assert_eq!((t.nets[0].factorize, t.nets[1].factorize), (None, None));
    assert_eq!(t.inputs(), vec![0, 1]);
    // One network keeps its inputs as written.
    let s = settings_of(&format!(
        "{model} train M {{ net mlp(inputs: [t, x], widths: [8, 6, 4], factorize: rwf(std: 0.2)) }}"
    ));
    let t = s.train().expect("train");
    assert_eq!((t.nets.len(), t.inputs()), (1, vec![1, 0]));
    assert_eq!(t.nets[0].factorize, Some((1.0, 0.2)));
    assert_eq!(t.nets[0].hidden(), vec![8, 6, 4]);
    assert_eq!(t.nets[0].fields, vec![0, 1, 2]);
}

#[test]
fn net_reads_modified_mlp_pirate_and_kan() {
    let model = "model M { space x in [0, 1]  time t in [0, 1]  field u(x, t), v(x, t), c(t)
        pde dt(u) = c * dxx(u)  pde dt(v) = dxx(v)  initial u = 0, v = 0 }\n";
    let s = settings_of(&format!(
        "{model} train M {{ net u: modified_mlp(width: 8, depth: 2), v: pirate(depth: 1),
                             c: kan(widths: [4, 3], degree: 16) }}"
    ));
    let t = s.train().expect("train");
    let kinds: Vec<_> = t
        .nets
        .iter()
        .map(|n| (n.kind, n.hidden(), n.degree))
        .collect();
    assert_eq!(
        kinds,
        [
            (NetKind::ModifiedMlp, vec![8, 8], None),
            (NetKind::Pirate, vec![32], None),
            (NetKind::Kan, vec![4, 3], Some(16)),
        ]
    );
    // An activation per layer, a user function among them.
    let s = settings_of(&format!(
        "fn soft(z) = z / (1 + z^2)\n{HEAT} train Heat {{ net mlp(depth: 3, acts: [sin, soft, tanh]) }}"
    ));
    let net = &s.train().expect("train").nets[0];
    let acts = net.layer_activations();
    let names: Vec<&str> = acts.iter().map(|a| a.name()).collect();
    assert_eq!(names, ["sin", "soft", "tanh"]);
    // A degree past the basis tables, and options the call does not take, are refused
    // where they are written.
    for (net, message) in [
        ("kan(degree: 17)", "`degree` must be at most 16, not 17"),
        ("kan(act: sin)", "act"),
        ("modified_mlp(widths: [8, 4])", "widths"),
        ("pirate(features: gaussian(count: 4))", "gaussian"),
        ("kan(factorize: rwf)", "factorize"),
        ("mlp(acts: [tanh, swoosh])", "swoosh"),
    ] {
        let compilation = compile_source(
            "settings.phys",
            &format!("{HEAT}train Heat {{ net {net} }}"),
        );
        let errors: Vec<String> = compilation
            .diagnostics
            .iter()
            .map(|d| format!("{d:?}"))
            .collect();
        assert!(
            compilation.has_errors() && errors.iter().any(|e| e.contains(message)),
            "{net}: {errors:?}"
        );
    }
}
