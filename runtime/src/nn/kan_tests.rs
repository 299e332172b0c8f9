//! Chebyshev KAN tests: the basis derivative tables against finite differences and closed
//! forms, output jets against finite differences of lower jets, the reverse pass against
//! finite differences in every parameter, reproducibility, f32 against f64, tape reuse and
//! refused specs and calls.

use super::fd_checks::{
    all_jets, bad_calls_are_refused, gradient_matches_finite_differences,
    jets_match_finite_differences, sample, step, Loss,
};
use super::kan::{basis_derivative, basis_polynomials, MAX_DEGREE};
use super::*;
use crate::rng::Rng;
use crate::scalar::Scalar;

/// An architecture under test: its spec, degree and the jets it is checked with.
struct Case {
    name: &'static str,
    spec: NetworkSpec,
    degree: usize,
    jets: Vec<Vec<usize>>,
}

fn spec(inputs: usize, outputs: usize, hidden: &[usize], embedding: Embedding) -> NetworkSpec {
    NetworkSpec {
        inputs,
        outputs,
        hidden: hidden.to_vec(),
        init: Init::Glorot,
        embedding,
        layer_inits: Vec::new(),
        residuals: Vec::new(),
    }
}

fn cases() -> Vec<Case> {
    let boxed2 = Embedding::for_box(&[-1.0, 0.0], &[3.0, 1.0]);
    let mut periodic = boxed2.clone();
    periodic.period[0] = Some(2.0);
    periodic.fourier = Some((3, 1.0));
    let three = Embedding::for_box(&[0.0, -2.0, 1.0], &[1.0, 2.0, 1.5]);
    vec![
        Case {
            name: "2-5-4-2 degree 4, all jets to order 4",
            spec: spec(2, 2, &[5, 4], boxed2.clone()),
            degree: 4,
            jets: all_jets(2, 4),
        },
        Case {
            name: "2-6-1 degree 6, one output",
            spec: spec(2, 1, &[6], boxed2),
            degree: 6,
            jets: all_jets(2, 3),
        },
        Case {
            name: "periodic input + fourier, 2-5-4-1 degree 5, order 4",
            spec: spec(2, 1, &[5, 4], periodic),
            degree: 5,
            jets: vec![
                vec![0, 0, 0, 0],
                vec![0, 0, 1, 1],
                vec![0, 1, 1, 1],
                vec![1, 1, 1, 1],
            ],
        },
        Case {
            name: "3-4-4-3-2 degree 3, mixed third order",
            spec: spec(3, 2, &[4, 4, 3], three),
            degree: 3,
            jets: vec![vec![0, 1, 2], vec![0, 0, 1], vec![2, 2, 2], vec![1, 1]],
        },
    ]
}

fn build<T: Scalar>(case: &Case, seed: u64) -> (ChebyshevKan<T>, Vec<T>) {
    ChebyshevKan::new(&case.spec, case.degree, &mut Rng::stream(seed, "init")).unwrap()
}

fn run<T: Scalar>(net: &ChebyshevKan<T>, params: &[T], x: &[Vec<T>], jets: &JetSet) -> Vec<T> {
    let cols: Vec<&[T]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = KanTape::default();
    net.forward(params, &cols, jets, &mut tape).unwrap();
    tape.outputs().to_vec()
}

/// Input i's difference step: a quarter of the other kinds' (the Fourier features here
/// make fourth derivatives of order 10⁵, and the central difference's truncation error
/// shrinks as the fourth power of the step: measured 2e-6 at the usual step, 1e-8 at this).
fn kan_step(emb: &Embedding, i: usize) -> f64 {
    0.25 * step(emb, i)
}

#[test]
fn basis_tables_match_finite_differences_and_closed_forms() {
    let table = basis_polynomials(MAX_DEGREE);
    let h = 1e-3;
    let mut worst = 0.0f64;
    for z in [-2.3f64, -0.9, -0.2, 0.0, 0.35, 1.1, 2.7] {
        for k in 0..=MAX_DEGREE {
            // T_k(cos θ) = cos kθ.
            let want = (k as f64 * z.tanh().acos()).cos();
            let got = basis_derivative(&table, k, 0, z);
            assert!(
                (got - want).abs() < 1e-10,
                "T_{k}(tanh {z}): {got} vs {want}"
            );
            if k > 6 {
                continue;
            }
            for m in 0..=MAX_ORDER {
                let f = |dz: f64| basis_derivative(&table, k, m, z + dz);
                let fd = (8.0 * (f(h) - f(-h)) - (f(2.0 * h) - f(-2.0 * h))) / (12.0 * h);
                let exact = basis_derivative(&table, k, m + 1, z);
                let err = (fd - exact).abs() / exact.abs().max(1.0);
                worst = worst.max(err);
                assert!(
                    err <= 1e-6,
                    "d^{} T_{k}(tanh z) at {z}: {exact} vs {fd}",
                    m + 1
                );
            }
        }
    }
    eprintln!("basis tables: worst relative error {worst:e}");
    // Degree 1: φ_1 = tanh, whose derivatives are known.
    let table = basis_polynomials(1);
    let (z, t) = (0.4f64, 0.4f64.tanh());
    let s = 1.0 - t * t;
    let want = [t, s, -2.0 * t * s, s * (6.0 * t * t - 2.0)];
    for (m, w) in want.iter().enumerate() {
        assert!((basis_derivative(&table, 1, m, z) - w).abs() < 1e-14);
    }
    assert_eq!(basis_derivative(&table, 0, 0, z), 1.0);
    assert_eq!(basis_derivative(&table, 0, 3, z), 0.0);
}

#[test]
fn jets_match_finite_differences_of_lower_jets() {
    for case in cases() {
        let (net, params) = build::<f64>(&case, 1);
        let jets = JetSet::new(&case.jets, case.spec.inputs).unwrap();
        let x = sample(&case.spec.embedding, 4, 2);
        let (checked, _) = jets_match_finite_differences(
            case.name,
            &jets,
            case.spec.outputs,
            &x,
            |i| kan_step(&case.spec.embedding, i),
            |x| run(&net, &params, x, &jets),
            1e-6,
        );
        assert!(checked >= 5, "{}: only {checked} checks", case.name);
    }
}

#[test]
fn backward_matches_finite_differences_in_every_parameter() {
    let n = 3;
    for case in cases() {
        let (net, params) = build::<f64>(&case, 3);
        for needed in [case.jets.clone(), vec![]] {
            let jets = JetSet::new(&needed, case.spec.inputs).unwrap();
            let x = sample(&case.spec.embedding, n, 4);
            let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
            let gradient = |p: &[f64], adjoint: &[f64]| {
                let mut tape = KanTape::default();
                net.forward(p, &cols, &jets, &mut tape).unwrap();
                let mut grad = vec![0.0; net.num_params()];
                net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
                grad
            };
            let name = format!("{} ({} jets)", case.name, jets.len());
            let (_, mut grad) = gradient_matches_finite_differences(
                &name,
                &params,
                &net.param_groups(),
                |p| run(&net, p, &x, &jets),
                gradient,
                5,
                1e-6,
            );
            let mut tape = KanTape::default();
            net.forward(&params, &cols, &jets, &mut tape).unwrap();
            let adjoint = Loss::new(tape.outputs().len(), 5).adjoint(tape.outputs());
            // backward adds into grad rather than overwriting it.
            let once = grad.clone();
            net.backward(&params, &mut tape, &adjoint, &mut grad)
                .unwrap();
            assert!(grad
                .iter()
                .zip(&once)
                .all(|(g, o)| (g - 2.0 * o).abs() <= 1e-12 * o.abs().max(1.0)));
        }
    }
}

#[test]
fn periodic_inputs_repeat_exactly() {
    let case = &cases()[2];
    let (net, params) = build::<f64>(case, 6);
    let jets = JetSet::new(&case.jets, 2).unwrap();
    let x = sample(&case.spec.embedding, 8, 7);
    let mut shifted = x.clone();
    shifted[0].iter_mut().for_each(|v| *v += 2.0);
    let (a, b) = (
        run(&net, &params, &x, &jets),
        run(&net, &params, &shifted, &jets),
    );
    let scale = a.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (u, v) in a.iter().zip(&b) {
        assert!((u - v).abs() <= 1e-12 * scale, "{u} vs {v}");
    }
}

#[test]
fn same_seed_gives_the_same_network() {
    for case in cases() {
        let (net_a, a) = build::<f64>(&case, 11);
        let (net_b, b) = build::<f64>(&case, 11);
        let (_, c) = build::<f64>(&case, 12);
        assert_eq!(a, b, "{}", case.name);
        assert_ne!(a, c, "{}", case.name);
        // The fixed features (Fourier frequencies) are reproduced too: the same bits out.
        let jets = JetSet::new(&case.jets, case.spec.inputs).unwrap();
        let x = sample(&case.spec.embedding, 5, 1);
        let (ya, yb) = (run(&net_a, &a, &x, &jets), run(&net_b, &b, &x, &jets));
        assert!(ya.iter().zip(&yb).all(|(u, v)| u.to_bits() == v.to_bits()));
    }
}

#[test]
fn initial_coefficients_have_the_documented_variance() {
    let case = Case {
        name: "wide",
        spec: spec(2, 1, &[64, 64], Embedding::identity(2)),
        degree: 5,
        jets: vec![],
    };
    let (net, params) = build::<f64>(&case, 41);
    let groups = net.param_groups();
    assert_eq!(groups[2].0, "layer 2 coefficients");
    let c = &params[groups[2].1.clone()];
    assert_eq!(c.len(), 64 * 64 * 6);
    let mean = c.iter().sum::<f64>() / c.len() as f64;
    let var = c.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / c.len() as f64;
    let want = 1.0 / (64.0 * 6.0);
    assert!(
        mean.abs() < 3e-3 && (var / want - 1.0).abs() < 0.05,
        "{mean} {var}"
    );
    assert!(groups
        .iter()
        .filter(|g| g.0.ends_with("biases"))
        .all(|g| params[g.1.clone()].iter().all(|&b| b == 0.0)));
    let mut next = 0;
    for (_, r) in &groups {
        assert_eq!(r.start, next);
        next = r.end;
    }
    assert_eq!(next, net.num_params());
    assert_eq!(groups.last().unwrap().0, "output biases");
    // Features 2 → 64 → 64 → 1, each edge with 6 coefficients, plus biases.
    assert_eq!(net.num_params(), 6 * (2 * 64 + 64 * 64 + 64) + 64 + 64 + 1);
}

#[test]
fn f32_forward_agrees_with_f64() {
    for case in cases() {
        let (net64, p64) = build::<f64>(&case, 21);
        let (net32, p32) = build::<f32>(&case, 21);
        assert!(p64.iter().zip(&p32).all(|(a, b)| *b == *a as f32));
        // The f64 network with the f32 parameters, so only the arithmetic differs.
        let p64: Vec<f64> = p32.iter().map(|&v| v as f64).collect();
        let jets = JetSet::new(&case.jets, case.spec.inputs).unwrap();
        let n = 6;
        let x = sample(&case.spec.embedding, n, 22);
        let x32: Vec<Vec<f32>> = x
            .iter()
            .map(|c| c.iter().map(|&v| v as f32).collect())
            .collect();
        let x64: Vec<Vec<f64>> = x32
            .iter()
            .map(|c| c.iter().map(|&v| v as f64).collect())
            .collect();
        let (a, b) = (
            run(&net64, &p64, &x64, &jets),
            run(&net32, &p32, &x32, &jets),
        );
        let mut worst = 0.0f64;
        for (block, (ya, yb)) in a.chunks(n).zip(b.chunks(n)).enumerate() {
            let scale = ya.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
            for (u, v) in ya.iter().zip(yb) {
                let err = (u - *v as f64).abs() / scale;
                worst = worst.max(err);
                assert!(
                    err <= 1e-4,
                    "{}: block {block}: {u} vs {v} ({err:e})",
                    case.name
                );
            }
        }
        eprintln!("{}: f32 against f64, worst relative {worst:e}", case.name);
    }
}

#[test]
fn tape_buffers_are_reused_and_resized() {
    let case = &cases()[0];
    let (net, params) = build::<f64>(case, 31);
    let jets = JetSet::new(&case.jets, 2).unwrap();
    let x = sample(&case.spec.embedding, 50, 32);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = KanTape::default();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    let first = tape.outputs().to_vec();
    let adjoint = vec![1.0; first.len()];
    let mut grad = vec![0.0; net.num_params()];
    net.backward(&params, &mut tape, &adjoint, &mut grad)
        .unwrap();
    let before = tape.buffer_pointers();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    net.backward(&params, &mut tape, &adjoint, &mut grad)
        .unwrap();
    assert_eq!(tape.buffer_pointers(), before, "no allocation once sized");
    assert_eq!(tape.outputs(), first.as_slice());
    // Fewer points and fewer jets on the same tape give what a fresh tape gives.
    let small: Vec<&[f64]> = x.iter().map(|c| &c[..7]).collect();
    let value = JetSet::new(&[vec![1]], 2).unwrap();
    net.forward(&params, &small, &value, &mut tape).unwrap();
    let fresh = run(
        &net,
        &params,
        &x.iter().map(|c| c[..7].to_vec()).collect::<Vec<_>>(),
        &value,
    );
    assert_eq!(tape.outputs(), fresh.as_slice());
    assert_eq!(tape.points(), 7);
    assert_eq!(tape.output(1, 1), &fresh[21..28]);
    // No points at all is an empty, valid evaluation.
    let empty: Vec<&[f64]> = vec![&[], &[]];
    net.forward(&params, &empty, &value, &mut tape).unwrap();
    assert!(tape.outputs().is_empty());
    net.backward(&params, &mut tape, &[], &mut grad).unwrap();
}

#[test]
fn bad_calls_and_specs_are_refused() {
    let case = &cases()[0];
    let (net, params) = build::<f64>(case, 61);
    // Same shape but another degree: a foreign tape.
    let other_case = Case {
        degree: 3,
        ..cases().remove(0)
    };
    let (other, other_params) = build::<f64>(&other_case, 61);
    bad_calls_are_refused(&net, &params, &other, &other_params);

    let try_spec = |edit: &dyn Fn(&mut NetworkSpec), degree: usize| {
        let mut s = case.spec.clone();
        edit(&mut s);
        ChebyshevKan::<f64>::new(&s, degree, &mut Rng::new(1)).map(|_| ())
    };
    assert!(try_spec(&|_| {}, 4).is_ok());
    assert!(try_spec(&|_| {}, MAX_DEGREE).is_ok());
    assert!(try_spec(&|_| {}, 0).is_err(), "degree 0");
    assert!(try_spec(&|_| {}, MAX_DEGREE + 1).is_err(), "degree 17");
    assert!(
        try_spec(&|s| s.hidden = vec![4, 0], 4).is_err(),
        "zero width"
    );
    assert!(
        try_spec(&|s| s.hidden.clear(), 4).is_err(),
        "no hidden layer"
    );
    assert!(try_spec(&|s| s.outputs = 0, 4).is_err(), "no outputs");
    assert!(
        try_spec(&|s| s.inputs = 3, 4).is_err(),
        "embedding for 2 inputs"
    );
    assert!(
        try_spec(&|s| s.embedding.half_width[1] = 0.0, 4).is_err(),
        "zero half-width"
    );
    assert!(
        try_spec(&|s| s.embedding.gaussian = Some((3, 0.5)), 4).is_err(),
        "Gaussian features"
    );
}

#[test]
fn networks_and_tapes_cross_threads() {
    fn shared<S: Send + Sync>() {}
    shared::<ChebyshevKan<f64>>();
    shared::<ChebyshevKan<f32>>();
    shared::<KanTape<f64>>();
    let (net, _) = build::<f64>(&cases()[0], 1);
    assert!(format!("{net:?}").contains("degree"));
    assert_eq!((net.inputs(), net.outputs(), net.degree()), (2, 2, 4));
}
