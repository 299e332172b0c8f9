//! Tests of the modified MLP: its value against a naive evaluation of the paper's formulas,
//! depth 1 against a one-layer `Network`, jets against finite differences of lower jets,
//! the reverse pass against finite differences in every parameter, reproducibility, f32
//! against f64, tape reuse and refused specs and calls.

use super::fd_checks::{
    all_jets, bad_calls_are_refused, gradient_matches_finite_differences,
    jets_match_finite_differences, sample, step, Loss,
};
use super::*;
use crate::rng::Rng;
use crate::scalar::Scalar;
use std::sync::Arc;

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
    emb: Embedding,
) -> NetworkSpec {
    NetworkSpec {
        inputs,
        outputs,
        hidden: hidden.to_vec(),
        init,
        embedding: emb,
        layer_inits: Vec::new(),
        residuals: Vec::new(),
    }
}

fn archs() -> Vec<Arch> {
    let boxed2 = Embedding::for_box(&[-1.0, 0.0], &[3.0, 1.0]);
    let mut periodic = boxed2.clone();
    periodic.period[0] = Some(2.0);
    periodic.fourier = Some((4, 1.5));
    let mut fourier = boxed2.clone();
    fourier.fourier = Some((5, 1.0));
    let three = Embedding::for_box(&[0.0, -2.0, 1.0], &[1.0, 2.0, 1.5]);
    let mixed4 = vec![
        vec![0, 0, 0, 0],
        vec![0, 0, 0, 1],
        vec![0, 0, 1, 1],
        vec![0, 1, 1, 1],
        vec![1, 1, 1, 1],
    ];
    vec![
        Arch {
            name: "tanh 2-[10x3]-1, order 4",
            spec: spec(2, 1, &[10, 10, 10], Init::Glorot, boxed2.clone()),
            kind: BuiltinKind::Tanh,
            jets: mixed4.clone(),
        },
        Arch {
            name: "fourier, depth 2, order 4",
            spec: spec(2, 1, &[8, 8], Init::Glorot, fourier),
            kind: BuiltinKind::Tanh,
            jets: mixed4.clone(),
        },
        Arch {
            name: "periodic input + fourier, 2 outputs, order 4",
            spec: spec(2, 2, &[8, 8, 8], Init::Glorot, periodic),
            kind: BuiltinKind::Tanh,
            jets: mixed4,
        },
        Arch {
            name: "siren depth 3",
            spec: spec(
                2,
                1,
                &[10, 10, 10],
                Init::Siren { omega: 3.0 },
                boxed2.clone(),
            ),
            kind: BuiltinKind::Sin,
            jets: all_jets(2, 3),
        },
        Arch {
            name: "He 3-[9x2]-2",
            spec: spec(3, 2, &[9, 9], Init::He, three),
            kind: BuiltinKind::Tanh,
            jets: vec![vec![0, 1, 2], vec![2, 2, 2], vec![1, 1]],
        },
        Arch {
            name: "depth 1",
            spec: spec(2, 1, &[12], Init::Glorot, boxed2),
            kind: BuiltinKind::Tanh,
            jets: all_jets(2, 3),
        },
    ]
}

fn build<T: Scalar>(arch: &Arch, seed: u64) -> (ModifiedMlp<T>, Vec<T>) {
    let act: Arc<dyn Activation<T>> = Arc::new(Builtin::new(arch.kind));
    ModifiedMlp::new(&arch.spec, act, &mut Rng::stream(seed, "init")).unwrap()
}

fn run<T: Scalar>(net: &ModifiedMlp<T>, params: &[T], x: &[Vec<T>], jets: &JetSet) -> Vec<T> {
    let cols: Vec<&[T]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = ModifiedTape::default();
    net.forward(params, &cols, jets, &mut tape).unwrap();
    tape.outputs().to_vec()
}

/// The paper's formulas evaluated point by point, identity embedding (X = x), with the
/// layers numbered in `gated` mixing (every layer from 2 in the paper).
fn naive(net: &ModifiedMlp<f64>, params: &[f64], x: &[f64], gated: &[usize]) -> Vec<f64> {
    let groups = net.param_groups();
    let group = |name: &str| &params[groups.iter().find(|g| g.0 == name).unwrap().1.clone()];
    let dense = |name: &str, input: &[f64], act: bool| -> Vec<f64> {
        let (w, b) = (
            group(&format!("{name} weights")),
            group(&format!("{name} biases")),
        );
        b.iter()
            .enumerate()
            .map(|(o, &b)| {
                let z = b
                    + (0..input.len())
                        .map(|i| w[o * input.len() + i] * input[i])
                        .sum::<f64>();
                if act {
                    z.tanh()
                } else {
                    z
                }
            })
            .collect()
    };
    let mut h = dense("layer 1", x, true);
    for k in 2..=net.depth() {
        let z = dense(&format!("layer {k}"), &h, true);
        h = if gated.contains(&k) {
            let (u, v) = (dense("encoder U", x, true), dense("encoder V", x, true));
            (0..z.len())
                .map(|e| (1.0 - z[e]) * u[e] + z[e] * v[e])
                .collect()
        } else {
            z
        };
    }
    dense("output", &h, false)
}

#[test]
fn value_matches_the_papers_formulas() {
    for hidden in [vec![7], vec![7, 7], vec![7, 7, 7, 7]] {
        let arch = Arch {
            name: "naive",
            spec: spec(2, 2, &hidden, Init::Glorot, Embedding::identity(2)),
            kind: BuiltinKind::Tanh,
            jets: vec![],
        };
        let (net, params) = build::<f64>(&arch, 5);
        let jets = JetSet::new(&[], 2).unwrap();
        let x = sample(&Embedding::identity(2), 5, 6);
        let out = run(&net, &params, &x, &jets);
        for p in 0..5 {
            let all: Vec<usize> = (2..=hidden.len()).collect();
            let want = naive(&net, &params, &[x[0][p], x[1][p]], &all);
            for (o, w) in want.iter().enumerate() {
                let got = out[o * 5 + p];
                assert!(
                    (got - w).abs() < 1e-13,
                    "depth {}: {got} vs {w}",
                    hidden.len()
                );
            }
        }
    }
}

/// `with_gates`: only the numbered layers mix with the encoders. The value against the
/// formulas, jets and the reverse pass against finite differences; no layer gated is a
/// plain network (same parameters, same outputs, no encoders); layer 1 or one past the last
/// cannot be gated.
#[test]
fn only_the_gated_layers_mix() {
    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let identity = spec(2, 1, &[6, 6, 6, 6], Init::Glorot, Embedding::identity(2));
    let boxed = Embedding::for_box(&[-1.0, 0.0], &[3.0, 1.0]);
    let fd = spec(2, 1, &[6, 6, 6, 6], Init::Glorot, boxed.clone());
    let jets = JetSet::new(&all_jets(2, 3), 2).unwrap();
    for gated in [vec![3], vec![2, 4], vec![4]] {
        let (net, params) =
            ModifiedMlp::with_gates(&identity, &gated, act.clone(), &mut Rng::new(4)).unwrap();
        let x = sample(&Embedding::identity(2), 4, 6);
        let out = run(&net, &params, &x, &JetSet::new(&[], 2).unwrap());
        for p in 0..4 {
            let want = naive(&net, &params, &[x[0][p], x[1][p]], &gated)[0];
            assert!(
                (out[p] - want).abs() < 1e-13,
                "{gated:?}: {} vs {want}",
                out[p]
            );
        }
        let (net, params) =
            ModifiedMlp::with_gates(&fd, &gated, act.clone(), &mut Rng::new(5)).unwrap();
        let x = sample(&boxed, 3, 7);
        let name = format!("gated {gated:?}");
        let (checked, _) = jets_match_finite_differences(
            &name,
            &jets,
            1,
            &x,
            |i| step(&boxed, i),
            |x| run(&net, &params, x, &jets),
            1e-6,
        );
        assert!(checked >= 5, "{name}: only {checked} checks");
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        gradient_matches_finite_differences(
            &name,
            &params,
            &net.param_groups(),
            |p| run(&net, p, &x, &jets),
            |p: &[f64], adjoint: &[f64]| {
                let mut tape = ModifiedTape::default();
                net.forward(p, &cols, &jets, &mut tape).unwrap();
                let mut grad = vec![0.0; net.num_params()];
                net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
                grad
            },
            5,
            1e-6,
        );
    }
    let (none, params) = ModifiedMlp::with_gates(&fd, &[], act.clone(), &mut Rng::new(8)).unwrap();
    let (plain, plain_params) = Network::new(&fd, act.clone(), &mut Rng::new(8)).unwrap();
    assert_eq!(params, plain_params);
    let x = sample(&boxed, 5, 9);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = Tape::default();
    plain
        .forward(&plain_params, &cols, &jets, &mut tape)
        .unwrap();
    assert_eq!(run(&none, &params, &x, &jets), tape.outputs());
    for bad in [vec![1], vec![5]] {
        let err = ModifiedMlp::with_gates(&fd, &bad, act.clone(), &mut Rng::new(1)).unwrap_err();
        assert!(err.contains("cannot be gated"), "{err}");
    }
}

#[test]
fn depth_one_is_a_one_layer_network() {
    let arch = &archs()[5];
    let (net, params) = build::<f64>(arch, 8);
    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(arch.kind));
    let (plain, plain_params) = Network::new(&arch.spec, act, &mut Rng::stream(8, "init")).unwrap();
    assert_eq!(params, plain_params);
    let jets = JetSet::new(&arch.jets, 2).unwrap();
    let x = sample(&arch.spec.embedding, 6, 9);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = Tape::default();
    plain
        .forward(&plain_params, &cols, &jets, &mut tape)
        .unwrap();
    assert_eq!(run(&net, &params, &x, &jets), tape.outputs());
    let names: Vec<String> = net.param_groups().into_iter().map(|g| g.0).collect();
    assert_eq!(
        names,
        [
            "layer 1 weights",
            "layer 1 biases",
            "output weights",
            "output biases"
        ]
    );
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
    let n = 3;
    for arch in archs() {
        let (net, params) = build::<f64>(&arch, 3);
        for needed in [arch.jets.clone(), vec![]] {
            let jets = JetSet::new(&needed, arch.spec.inputs).unwrap();
            let x = sample(&arch.spec.embedding, n, 4);
            let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
            let gradient = |p: &[f64], adjoint: &[f64]| {
                let mut tape = ModifiedTape::default();
                net.forward(p, &cols, &jets, &mut tape).unwrap();
                let mut grad = vec![0.0; net.num_params()];
                net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
                grad
            };
            let name = format!("{} ({} jets)", arch.name, jets.len());
            let (_, mut grad) = gradient_matches_finite_differences(
                &name,
                &params,
                &net.param_groups(),
                |p| run(&net, p, &x, &jets),
                gradient,
                5,
                1e-6,
            );
            let mut tape = ModifiedTape::default();
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
    let arch = &archs()[2];
    let (net, params) = build::<f64>(arch, 6);
    let jets = JetSet::new(&arch.jets, 2).unwrap();
    let x = sample(&arch.spec.embedding, 8, 7);
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
fn same_seed_gives_the_same_bits_and_f32_agrees_with_f64() {
    for arch in archs() {
        let (net_a, a) = build::<f64>(&arch, 11);
        let (net_b, b) = build::<f64>(&arch, 11);
        let (_, c) = build::<f64>(&arch, 12);
        assert_eq!(a, b, "{}", arch.name);
        assert_ne!(a, c, "{}", arch.name);
        let jets = JetSet::new(&arch.jets, arch.spec.inputs).unwrap();
        let x = sample(&arch.spec.embedding, 6, 22);
        let (ya, yb) = (run(&net_a, &a, &x, &jets), run(&net_b, &b, &x, &jets));
        assert!(ya.iter().zip(&yb).all(|(u, v)| u.to_bits() == v.to_bits()));

        let (net32, p32) = build::<f32>(&arch, 11);
        assert!(a.iter().zip(&p32).all(|(u, v)| *v == *u as f32));
        let x32: Vec<Vec<f32>> = x
            .iter()
            .map(|c| c.iter().map(|&v| v as f32).collect())
            .collect();
        // Compare at the points f32 can represent, so only the arithmetic differs.
        let x64: Vec<Vec<f64>> = x32
            .iter()
            .map(|c| c.iter().map(|&v| v as f64).collect())
            .collect();
        let (y64, y32) = (run(&net_a, &a, &x64, &jets), run(&net32, &p32, &x32, &jets));
        let mut worst = 0.0f64;
        for (block, (u, v)) in y64.chunks(6).zip(y32.chunks(6)).enumerate() {
            let scale = u.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
            for (u, v) in u.iter().zip(v) {
                let err = (u - *v as f64).abs() / scale;
                worst = worst.max(err);
                assert!(
                    err <= 1e-4,
                    "{}: block {block}: {u} vs {v} ({err:e})",
                    arch.name
                );
            }
        }
        eprintln!(
            "{}: f32 against f64, worst relative error {worst:e}",
            arch.name
        );
    }
}

#[test]
fn tape_buffers_are_reused_and_resized() {
    let arch = &archs()[2];
    let (net, params) = build::<f64>(arch, 31);
    let jets = JetSet::new(&arch.jets, 2).unwrap();
    let x = sample(&arch.spec.embedding, 40, 32);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = ModifiedTape::default();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    let first = tape.outputs().to_vec();
    let adjoint = vec![1.0; first.len()];
    let mut grad = vec![0.0; net.num_params()];
    net.backward(&params, &mut tape, &adjoint, &mut grad)
        .unwrap();
    let pointers = |t: &ModifiedTape<f64>| {
        let mut p = vec![
            t.outputs().as_ptr(),
            t.features.as_ptr(),
            t.diff.as_ptr(),
            t.g_h.as_ptr(),
            t.g_u.as_ptr(),
            t.g_d.as_ptr(),
        ];
        p.extend(t.mixed.iter().map(|h| h.as_ptr()));
        p.extend(
            t.layers
                .iter()
                .chain(&t.encoders)
                .flat_map(|l| [l.z.as_ptr(), l.derivs.as_ptr(), l.a.as_ptr()]),
        );
        p
    };
    let before = pointers(&tape);
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    net.backward(&params, &mut tape, &adjoint, &mut grad)
        .unwrap();
    assert_eq!(pointers(&tape), before);
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
    let empty: Vec<&[f64]> = vec![&[], &[]];
    net.forward(&params, &empty, &value, &mut tape).unwrap();
    assert!(tape.outputs().is_empty());
    net.backward(&params, &mut tape, &[], &mut grad).unwrap();
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
        assert_eq!(groups.last().unwrap().0, "output biases");
        let encoders = groups.iter().any(|g| g.0 == "encoder U weights");
        assert_eq!(encoders, arch.spec.hidden.len() > 1, "{}", arch.name);
    }
    let (net, _) = build::<f64>(&archs()[0], 51);
    let names: Vec<String> = net.param_groups().into_iter().map(|g| g.0).collect();
    assert_eq!(
        &names[..4],
        [
            "encoder U weights",
            "encoder U biases",
            "encoder V weights",
            "encoder V biases"
        ]
    );
    assert_eq!(names[8], "layer 3 weights");
}

#[test]
fn bad_calls_and_specs_are_refused() {
    let arch = &archs()[0];
    let (net, params) = build::<f64>(arch, 61);
    // A tape filled by another modified MLP (different width) is refused.
    let (other, other_params) = build::<f64>(&archs()[1], 61);
    bad_calls_are_refused(&net, &params, &other, &other_params);

    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let try_spec = |edit: &dyn Fn(&mut NetworkSpec)| {
        let mut s = arch.spec.clone();
        edit(&mut s);
        ModifiedMlp::new(&s, act.clone(), &mut Rng::new(1)).map(|_| ())
    };
    assert!(try_spec(&|_| {}).is_ok());
    assert!(
        try_spec(&|s| s.hidden = vec![10, 12, 10]).is_err(),
        "unequal widths"
    );
    assert!(try_spec(&|s| s.hidden = vec![0, 0]).is_err(), "zero width");
    assert!(try_spec(&|s| s.hidden.clear()).is_err(), "no hidden layer");
    assert!(try_spec(&|s| s.outputs = 0).is_err(), "no outputs");
    assert!(
        try_spec(&|s| s.inputs = 3).is_err(),
        "embedding for 2 inputs"
    );
    assert!(
        try_spec(&|s| s.embedding.gaussian = Some((4, 0.5))).is_err(),
        "gaussian"
    );
    assert!(
        try_spec(&|s| s.init = Init::Siren { omega: -1.0 }).is_err(),
        "bad omega"
    );
}

#[test]
fn networks_and_tapes_cross_threads() {
    fn shared<S: Send + Sync>() {}
    shared::<ModifiedMlp<f64>>();
    shared::<ModifiedMlp<f32>>();
    shared::<ModifiedTape<f64>>();
    let (net, _) = build::<f64>(&archs()[0], 1);
    assert!(format!("{net:?}").contains("depth"));
}
