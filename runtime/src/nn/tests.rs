//! Whole-network tests: jets against finite differences of lower jets, the reverse pass
//! against finite differences in every parameter, periodicity, reproducibility, f32 against
//! f64, tape reuse and refused inputs.

use super::fd_checks::{
    all_jets, bad_calls_are_refused, gradient_matches_finite_differences,
    jets_match_finite_differences, sample, step,
};
use super::*;
use crate::rng::Rng;
use crate::scalar::Scalar;
use std::sync::Arc;

/// An architecture under test: its spec, activation and the jets it is checked with.
struct Arch {
    name: &'static str,
    spec: NetworkSpec,
    kind: BuiltinKind,
    jets: Vec<Vec<usize>>,
}

fn spec(
    inputs: usize,
    outputs: usize,
    hidden: &[usize],
    init: Init,
    embedding: Embedding,
) -> NetworkSpec {
    NetworkSpec {
        inputs,
        outputs,
        hidden: hidden.to_vec(),
        init,
        embedding,
        layer_inits: Vec::new(),
        residuals: Vec::new(),
    }
}

fn archs() -> Vec<Arch> {
    let boxed2 = Embedding::for_box(&[-1.0, 0.0], &[3.0, 1.0]);
    let mut periodic = boxed2.clone();
    periodic.period[0] = Some(2.0);
    periodic.fourier = Some((6, 1.5));
    let mut fourier = boxed2.clone();
    fourier.fourier = Some((8, 1.0));
    let mut gauss_periodic = boxed2.clone();
    gauss_periodic.period[0] = Some(3.0);
    gauss_periodic.gaussian = Some((6, 0.4));
    let mut gauss_box = boxed2.clone();
    gauss_box.fourier = Some((4, 1.0));
    gauss_box.gaussian = Some((5, 0.5));
    let three = Embedding::for_box(&[0.0, -2.0, 1.0], &[1.0, 2.0, 1.5]);
    let order4 = vec![
        vec![0, 0, 0, 0],
        vec![0, 0, 1, 1],
        vec![0, 1, 1, 1],
        vec![1, 1, 1, 1],
    ];
    vec![
        Arch {
            name: "tanh 2-16-16-1",
            spec: spec(2, 1, &[16, 16], Init::Glorot, boxed2.clone()),
            kind: BuiltinKind::Tanh,
            jets: all_jets(2, 3),
        },
        Arch {
            name: "tanh 3-12-10-2 He",
            spec: spec(3, 2, &[12, 10], Init::He, three),
            kind: BuiltinKind::Tanh,
            jets: vec![
                vec![0, 1, 2],
                vec![0, 0, 1],
                vec![2, 2, 2],
                vec![1, 1],
                vec![1, 2, 2],
            ],
        },
        Arch {
            name: "siren 2-16-16-1",
            spec: spec(2, 1, &[16, 16], Init::Siren { omega: 30.0 }, boxed2.clone()),
            kind: BuiltinKind::Sin,
            jets: all_jets(2, 3),
        },
        Arch {
            name: "fourier features",
            spec: spec(2, 1, &[16], Init::Glorot, fourier),
            kind: BuiltinKind::Tanh,
            jets: all_jets(2, 3),
        },
        Arch {
            name: "periodic input + fourier",
            spec: spec(2, 2, &[12, 12], Init::Glorot, periodic),
            kind: BuiltinKind::Tanh,
            jets: all_jets(2, 3),
        },
        Arch {
            name: "gaussian, periodic input",
            spec: spec(2, 1, &[12, 12], Init::Glorot, gauss_periodic),
            kind: BuiltinKind::Tanh,
            jets: all_jets(2, 3),
        },
        Arch {
            name: "gaussian + fourier, order 4",
            spec: spec(2, 1, &[10, 10], Init::Glorot, gauss_box),
            kind: BuiltinKind::Tanh,
            jets: order4.clone(),
        },
        Arch {
            name: "skip connections (chained, shared source), order 4",
            spec: NetworkSpec {
                residuals: vec![
                    Residual { from: 0, to: 2 },
                    Residual { from: 2, to: 3 },
                    Residual { from: 0, to: 3 },
                ],
                ..spec(2, 2, &[8, 6, 8, 8], Init::Glorot, boxed2.clone())
            },
            kind: BuiltinKind::Tanh,
            jets: order4,
        },
        Arch {
            name: "an initialisation per layer, skip over one layer",
            spec: NetworkSpec {
                layer_inits: vec![Init::Siren { omega: 3.0 }, Init::He, Init::Glorot],
                residuals: vec![Residual { from: 0, to: 1 }],
                ..spec(2, 1, &[9, 9, 5], Init::Glorot, boxed2.clone())
            },
            kind: BuiltinKind::Sin,
            jets: all_jets(2, 3),
        },
    ]
}

fn build<T: Scalar>(arch: &Arch, seed: u64) -> (Network<T>, Vec<T>) {
    let act: Arc<dyn Activation<T>> = Arc::new(Builtin::new(arch.kind));
    Network::new(&arch.spec, act, &mut Rng::stream(seed, "init")).unwrap()
}

fn run<T: Scalar>(net: &Network<T>, params: &[T], x: &[Vec<T>], jets: &JetSet) -> Vec<T> {
    let cols: Vec<&[T]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = Tape::default();
    net.forward(params, &cols, jets, &mut tape).unwrap();
    tape.outputs().to_vec()
}

#[test]
fn jets_match_finite_differences_of_lower_jets() {
    for arch in archs() {
        let (net, params) = build::<f64>(&arch, 1);
        let jets = JetSet::new(&arch.jets, arch.spec.inputs).unwrap();
        let x = sample(&arch.spec.embedding, 4, 2);
        let (checked, _) = jets_match_finite_differences(
            arch.name,
            &jets,
            arch.spec.outputs,
            &x,
            |i| step(&arch.spec.embedding, i),
            |x| run(&net, &params, x, &jets),
            1e-6,
        );
        assert!(checked >= 5, "{}: only {checked} checks", arch.name);
    }
}

#[test]
fn backward_matches_finite_differences_in_every_parameter() {
    for arch in archs() {
        let (net, params) = build::<f64>(&arch, 3);
        for needed in [arch.jets.clone(), vec![]] {
            let jets = JetSet::new(&needed, arch.spec.inputs).unwrap();
            let x = sample(&arch.spec.embedding, 3, 4);
            let name = format!("{} ({} jets)", arch.name, jets.len());
            let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
            let gradient = |p: &[f64], adjoint: &[f64]| {
                let mut tape = Tape::default();
                net.forward(p, &cols, &jets, &mut tape).unwrap();
                let mut grad = vec![0.0; net.num_params()];
                net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
                // backward adds into grad rather than overwriting it.
                let once = grad.clone();
                net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
                assert!(grad
                    .iter()
                    .zip(&once)
                    .all(|(g, o)| (g - 2.0 * o).abs() <= 1e-12 * o.abs().max(1.0)));
                once
            };
            gradient_matches_finite_differences(
                &name,
                &params,
                &net.param_groups(),
                |p| run(&net, p, &x, &jets),
                gradient,
                5,
                1e-6,
            );
        }
    }
}

#[test]
fn periodic_inputs_repeat_exactly() {
    for arch in archs()
        .into_iter()
        .filter(|a| a.spec.embedding.period[0].is_some())
    {
        let (net, params) = build::<f64>(&arch, 6);
        let jets = JetSet::new(&arch.jets, 2).unwrap();
        let x = sample(&arch.spec.embedding, 8, 7);
        let period = arch.spec.embedding.period[0].unwrap();
        let mut shifted = x.clone();
        shifted[0].iter_mut().for_each(|v| *v += period);
        let (a, b) = (
            run(&net, &params, &x, &jets),
            run(&net, &params, &shifted, &jets),
        );
        let scale = a.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() <= 1e-12 * scale, "{}: {u} vs {v}", arch.name);
        }
    }
}

#[test]
fn same_seed_gives_the_same_network() {
    for arch in archs() {
        let (net_a, a) = build::<f64>(&arch, 11);
        let (_, b) = build::<f64>(&arch, 11);
        let (_, c) = build::<f64>(&arch, 12);
        assert_eq!(a, b, "{}", arch.name);
        assert_ne!(a, c, "{}", arch.name);
        // The fixed features (Fourier frequencies) are reproduced too: same outputs.
        let jets = JetSet::new(&[vec![0]], arch.spec.inputs).unwrap();
        let x = sample(&arch.spec.embedding, 5, 1);
        let (net_b, _) = build::<f64>(&arch, 11);
        assert_eq!(run(&net_a, &a, &x, &jets), run(&net_b, &b, &x, &jets));
    }
}

#[test]
fn f32_forward_agrees_with_f64() {
    for arch in archs() {
        let (net64, p64) = build::<f64>(&arch, 21);
        let (net32, p32) = build::<f32>(&arch, 21);
        assert!(p64.iter().zip(&p32).all(|(a, b)| *b == *a as f32));
        let jets = JetSet::new(&arch.jets, arch.spec.inputs).unwrap();
        let x = sample(&arch.spec.embedding, 6, 22);
        let x32: Vec<Vec<f32>> = x
            .iter()
            .map(|c| c.iter().map(|&v| v as f32).collect())
            .collect();
        // Compare at the points f32 can represent, so only the arithmetic differs.
        let x64: Vec<Vec<f64>> = x32
            .iter()
            .map(|c| c.iter().map(|&v| v as f64).collect())
            .collect();
        let (a, b) = (
            run(&net64, &p64, &x64, &jets),
            run(&net32, &p32, &x32, &jets),
        );
        let n = 6;
        for (block, (ya, yb)) in a.chunks(n).zip(b.chunks(n)).enumerate() {
            let scale = ya.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
            for (u, v) in ya.iter().zip(yb) {
                let err = (u - *v as f64).abs() / scale;
                assert!(
                    err <= 2e-5,
                    "{}: block {block}: {u} vs {v} ({err:e})",
                    arch.name
                );
            }
        }
    }
}

#[test]
fn tape_buffers_are_reused_and_resized() {
    let arch = &archs()[5];
    let (net, params) = build::<f64>(arch, 31);
    let jets = JetSet::new(&arch.jets, 2).unwrap();
    let x = sample(&arch.spec.embedding, 50, 32);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = Tape::default();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    let first = tape.outputs().to_vec();
    let pointers = |t: &Tape<f64>| {
        let mut p = vec![t.out.as_ptr(), t.features.as_ptr(), t.gauss.phi.as_ptr()];
        p.extend(
            t.layers
                .iter()
                .flat_map(|l| [l.z.as_ptr(), l.derivs.as_ptr(), l.a.as_ptr()]),
        );
        p
    };
    let before = pointers(&tape);
    let adjoint = vec![1.0; first.len()];
    let mut grad = vec![0.0; net.num_params()];
    net.backward(&params, &mut tape, &adjoint, &mut grad)
        .unwrap();
    let scratch = [
        tape.g_a.as_ptr(),
        tape.g_z.as_ptr(),
        tape.gauss.g_phi.as_ptr(),
    ];
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    net.backward(&params, &mut tape, &adjoint, &mut grad)
        .unwrap();
    assert_eq!(pointers(&tape), before);
    assert_eq!(
        [
            tape.g_a.as_ptr(),
            tape.g_z.as_ptr(),
            tape.gauss.g_phi.as_ptr()
        ],
        scratch
    );
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
    assert_eq!(tape.output(1, 0), &fresh[7..14]);
    // No points at all is an empty, valid evaluation.
    let empty: Vec<&[f64]> = vec![&[], &[]];
    net.forward(&params, &empty, &value, &mut tape).unwrap();
    assert!(tape.outputs().is_empty());
    net.backward(&params, &mut tape, &[], &mut grad).unwrap();
}

#[test]
fn initial_weights_follow_their_distributions() {
    let groups_of = |init: Init, hidden: &[usize]| {
        let arch = Arch {
            name: "init",
            spec: spec(2, 1, hidden, init, Embedding::identity(2)),
            kind: BuiltinKind::Tanh,
            jets: vec![],
        };
        let (net, params) = build::<f64>(&arch, 41);
        net.param_groups()
            .into_iter()
            .map(|(name, r)| (name, params[r].to_vec()))
            .collect::<Vec<_>>()
    };
    let stats = |v: &[f64]| {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
        (mean, var, v.iter().fold(0.0f64, |m, x| m.max(x.abs())))
    };
    let he = groups_of(Init::He, &[256, 256]);
    assert_eq!(he[2].0, "layer 2 weights");
    let (mean, var, _) = stats(&he[2].1);
    assert!(
        mean.abs() < 3e-3 && (var / (2.0 / 256.0) - 1.0).abs() < 0.03,
        "{mean} {var}"
    );
    assert!(he
        .iter()
        .filter(|g| g.0.ends_with("biases"))
        .all(|g| g.1.iter().all(|&b| b == 0.0)));
    let glorot = groups_of(Init::Glorot, &[256, 256]);
    let (_, var, max) = stats(&glorot[2].1);
    let bound = (6.0f64 / 512.0).sqrt();
    assert!(max <= bound && max > 0.99 * bound && (var / (bound * bound / 3.0) - 1.0).abs() < 0.03);
    let siren = groups_of(Init::Siren { omega: 30.0 }, &[64, 64]);
    let max_of = |k: usize| stats(&siren[k].1).2;
    assert!(
        max_of(0) <= 15.0 && max_of(0) > 14.0,
        "first layer U(±ω/fan_in)"
    );
    let hidden = (6.0f64 / 64.0).sqrt();
    assert!(max_of(2) <= hidden && max_of(2) > 0.95 * hidden);
    assert!(
        max_of(4) <= hidden / 30.0 && max_of(4) > 0.9 * hidden / 30.0,
        "output layer /ω"
    );
    assert!(
        max_of(1) > 1.0 && siren[5].1 == [0.0],
        "hidden biases drawn, output bias 0"
    );
}

#[test]
fn parameter_groups_tile_the_vector() {
    for arch in archs() {
        let (net, _) = build::<f64>(&arch, 51);
        let groups = net.param_groups();
        let mut next = 0;
        for (_, r) in &groups {
            assert_eq!(r.start, next);
            next = r.end;
        }
        assert_eq!(next, net.num_params());
        let has_gauss = groups.iter().any(|g| g.0 == "gaussian centres");
        assert_eq!(has_gauss, arch.spec.embedding.gaussian.is_some());
        assert_eq!(groups.last().unwrap().0, "output biases");
    }
}

#[test]
fn bad_calls_and_specs_are_refused() {
    let arch = &archs()[0];
    let (net, params) = build::<f64>(arch, 61);
    let (other, other_params) = build::<f64>(&archs()[3], 61);
    bad_calls_are_refused(&net, &params, &other, &other_params);

    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let try_spec = |edit: &dyn Fn(&mut NetworkSpec)| {
        let mut s = arch.spec.clone();
        edit(&mut s);
        Network::new(&s, act.clone(), &mut Rng::new(1)).map(|_| ())
    };
    assert!(try_spec(&|_| {}).is_ok());
    assert!(try_spec(&|s| s.hidden = vec![16, 0]).is_err(), "zero width");
    assert!(try_spec(&|s| s.hidden.clear()).is_err(), "no hidden layer");
    assert!(try_spec(&|s| s.outputs = 0).is_err(), "no outputs");
    assert!(
        try_spec(&|s| s.inputs = 3).is_err(),
        "embedding sized for 2 inputs"
    );
    assert!(
        try_spec(&|s| s.embedding.half_width[1] = 0.0).is_err(),
        "zero half-width"
    );
    assert!(
        try_spec(&|s| s.embedding.period[0] = Some(-1.0)).is_err(),
        "negative period"
    );
    assert!(
        try_spec(&|s| s.embedding.fourier = Some((0, 1.0))).is_err(),
        "no Fourier features"
    );
    assert!(
        try_spec(&|s| s.embedding.gaussian = Some((3, f64::NAN))).is_err(),
        "NaN width"
    );
    assert!(
        try_spec(&|s| s.init = Init::Siren { omega: 0.0 }).is_err(),
        "zero omega"
    );
    assert!(
        try_spec(&|s| s.layer_inits = vec![Init::He, Init::Siren { omega: -1.0 }]).is_err(),
        "negative omega in one layer"
    );
    assert!(
        try_spec(&|s| s.layer_inits = vec![Init::He; 3]).is_err(),
        "more initialisations than layers"
    );
    assert!(
        try_spec(&|s| s.residuals = vec![Residual { from: 1, to: 1 }]).is_err(),
        "a skip onto itself"
    );
    assert!(
        try_spec(&|s| s.residuals = vec![Residual { from: 0, to: 2 }]).is_err(),
        "a skip past the last layer"
    );
    assert!(
        try_spec(&|s| {
            s.hidden = vec![16, 8];
            s.residuals = vec![Residual { from: 0, to: 1 }];
        })
        .is_err(),
        "a skip between layers of different widths"
    );
}

/// A skip connection changes what the network computes (and only by the skipped
/// activations: with the later layers' weights at zero, the output is the skip's source
/// through the output layer).
#[test]
fn a_skip_connection_adds_its_source() {
    let plain = spec(
        1,
        1,
        &[4, 4],
        Init::Glorot,
        Embedding::for_box(&[0.0], &[1.0]),
    );
    let skip = NetworkSpec {
        residuals: vec![Residual { from: 0, to: 1 }],
        ..plain.clone()
    };
    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let (a, params) = Network::new(&plain, act.clone(), &mut Rng::new(9)).unwrap();
    let (b, same) = Network::new(&skip, act.clone(), &mut Rng::new(9)).unwrap();
    assert_eq!(params, same, "a skip has no parameters");
    let jets = JetSet::new(&[vec![0]], 1).unwrap();
    let x = vec![vec![0.1, 0.5, 0.9]];
    assert_ne!(run(&a, &params, &x, &jets), run(&b, &params, &x, &jets));
    // Layer 2's weights and biases at zero: σ(0) = 0, so layer 2 passes on layer 1 alone.
    let mut cut = params.clone();
    let groups = b.param_groups();
    for (name, range) in &groups {
        if name.starts_with("layer 2") {
            cut[range.clone()].iter_mut().for_each(|w| *w = 0.0);
        }
    }
    let one = spec(1, 1, &[4], Init::Glorot, Embedding::for_box(&[0.0], &[1.0]));
    let (shallow, _) = Network::new(&one, act, &mut Rng::new(9)).unwrap();
    let mut shallow_params = cut[groups[0].1.start..groups[1].1.end].to_vec();
    let output = &groups
        .iter()
        .find(|(n, _)| n.starts_with("output weights"))
        .unwrap()
        .1;
    shallow_params.extend_from_slice(&cut[output.start..]);
    let (got, want) = (
        run(&b, &cut, &x, &jets),
        run(&shallow, &shallow_params, &x, &jets),
    );
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-14, "{g} against {w}");
    }
}

#[test]
fn networks_and_tapes_cross_threads() {
    fn shared<S: Send + Sync>() {}
    shared::<Network<f64>>();
    shared::<Network<f32>>();
    shared::<Tape<f64>>();
    shared::<JetSet>();
    let (net, _) = build::<f64>(&archs()[6], 1);
    assert!(format!("{net:?}").contains("num_params"));
}

/// An activation per layer (sin, tanh, sin): jets and every parameter's gradient against
/// finite differences, and the layers really differ from all-tanh.
#[test]
fn an_activation_per_layer_has_exact_jets_and_gradients() {
    let spec = spec(
        2,
        1,
        &[5, 4, 3],
        Init::Glorot,
        Embedding::for_box(&[-1.0, 0.0], &[2.0, 1.0]),
    );
    let kind = |k| -> Arc<dyn Activation<f64>> { Arc::new(Builtin::new(k)) };
    let acts = vec![
        kind(BuiltinKind::Sin),
        kind(BuiltinKind::Tanh),
        kind(BuiltinKind::Sin),
    ];
    let (net, params) = Network::with_activations(&spec, acts, &mut Rng::new(4)).unwrap();
    let jets = JetSet::new(&all_jets(2, 4), 2).unwrap();
    let x = sample(&spec.embedding, 4, 2);
    let (checked, _) = jets_match_finite_differences(
        "sin, tanh, sin",
        &jets,
        1,
        &x,
        |i| step(&spec.embedding, i),
        |x| run(&net, &params, x, &jets),
        1e-6,
    );
    assert!(checked >= 10);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    gradient_matches_finite_differences(
        "sin, tanh, sin",
        &params,
        &net.param_groups(),
        |p| run(&net, p, &x, &jets),
        |p, adjoint| {
            let mut tape = Tape::default();
            net.forward(p, &cols, &jets, &mut tape).unwrap();
            let mut grad = vec![0.0; net.num_params()];
            net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
            grad
        },
        5,
        1e-6,
    );
    let (tanh, same) = Network::new(&spec, kind(BuiltinKind::Tanh), &mut Rng::new(4)).unwrap();
    assert_eq!(same, params, "the activations do not change the draw");
    assert_ne!(
        run(&tanh, &params, &x, &jets),
        run(&net, &params, &x, &jets)
    );
    let err = Network::with_activations(&spec, vec![kind(BuiltinKind::Tanh)], &mut Rng::new(4))
        .unwrap_err();
    assert!(err.contains("1 activation for 3 hidden layers"), "{err}");
}
