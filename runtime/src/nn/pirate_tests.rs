//! Tests of the PirateNet: its value against a naive evaluation of the formulas, the start
//! at α = 0 against the lift and output layer as a one-layer `Network`, jets against finite
//! differences of lower jets, the reverse pass against finite differences in every parameter
//! at nonzero α's, reproducibility, f32 against f64, tape reuse and refused specs and calls.

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
            name: "tanh 2-[10]-1, one block, order 4",
            spec: spec(2, 1, &[10], Init::Glorot, boxed2.clone()),
            kind: BuiltinKind::Tanh,
            jets: mixed4.clone(),
        },
        Arch {
            name: "fourier, 3 blocks, order 4",
            spec: spec(2, 1, &[8, 8, 8], Init::Glorot, fourier),
            kind: BuiltinKind::Tanh,
            jets: mixed4.clone(),
        },
        Arch {
            name: "periodic input + fourier, 3 blocks, 2 outputs, order 4",
            spec: spec(2, 2, &[6, 6, 6], Init::Glorot, periodic),
            kind: BuiltinKind::Tanh,
            jets: mixed4,
        },
        Arch {
            name: "siren, 2 blocks",
            spec: spec(2, 1, &[8, 8], Init::Siren { omega: 3.0 }, boxed2),
            kind: BuiltinKind::Sin,
            jets: all_jets(2, 3),
        },
        Arch {
            name: "He 3-[7x2]-2, mixed third order",
            spec: spec(3, 2, &[7, 7], Init::He, three),
            kind: BuiltinKind::Tanh,
            jets: vec![vec![0, 1, 2], vec![2, 2, 2], vec![1, 1]],
        },
    ]
}

fn build<T: Scalar>(arch: &Arch, seed: u64) -> (PirateNet<T>, Vec<T>) {
    let act: Arc<dyn Activation<T>> = Arc::new(Builtin::new(arch.kind));
    PirateNet::new(&arch.spec, act, &mut Rng::stream(seed, "init")).unwrap()
}

/// The parameters with every block's α set to a distinct nonzero value (0.3, −0.2, 0.45,
/// …), so the residual paths carry gradient.
fn with_alphas<T: Scalar>(net: &PirateNet<T>, params: &[T]) -> Vec<T> {
    let mut p = params.to_vec();
    let values = [0.3, -0.2, 0.45, 0.6];
    let alphas = net
        .param_groups()
        .into_iter()
        .filter(|g| g.0.ends_with("alpha"));
    for (k, (_, r)) in alphas.enumerate() {
        assert_eq!(r.len(), 1);
        assert_eq!(p[r.start], T::zero(), "α starts at 0");
        p[r.start] = T::from_f64_lossy(values[k % values.len()]);
    }
    p
}

fn run<T: Scalar>(net: &PirateNet<T>, params: &[T], x: &[Vec<T>], jets: &JetSet) -> Vec<T> {
    let cols: Vec<&[T]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = PirateTape::default();
    net.forward(params, &cols, jets, &mut tape).unwrap();
    tape.outputs().to_vec()
}

/// The formulas evaluated point by point, identity embedding (Φ = x), tanh.
fn naive(net: &PirateNet<f64>, params: &[f64], x: &[f64]) -> Vec<f64> {
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
    let (u, v) = (dense("gate U", x, true), dense("gate V", x, true));
    let mix = |s: &[f64]| -> Vec<f64> {
        (0..s.len())
            .map(|e| s[e] * u[e] + (1.0 - s[e]) * v[e])
            .collect()
    };
    let mut stream = dense("lift", x, true);
    for l in 1..=net.depth() {
        let f = dense(&format!("block {l} layer 1"), &stream, true);
        let z1 = mix(&f);
        let g = dense(&format!("block {l} layer 2"), &z1, true);
        let z2 = mix(&g);
        let h = dense(&format!("block {l} layer 3"), &z2, true);
        let alpha = group(&format!("block {l} alpha"))[0];
        stream = (0..h.len())
            .map(|e| alpha * h[e] + (1.0 - alpha) * stream[e])
            .collect();
    }
    dense("output", &stream, false)
}

#[test]
fn value_matches_the_formulas() {
    for hidden in [vec![7], vec![7, 7], vec![7, 7, 7, 7]] {
        let arch = Arch {
            name: "naive",
            spec: spec(2, 2, &hidden, Init::Glorot, Embedding::identity(2)),
            kind: BuiltinKind::Tanh,
            jets: vec![],
        };
        let (net, params) = build::<f64>(&arch, 5);
        let params = with_alphas(&net, &params);
        let jets = JetSet::new(&[], 2).unwrap();
        let x = sample(&Embedding::identity(2), 5, 6);
        let out = run(&net, &params, &x, &jets);
        for p in 0..5 {
            let want = naive(&net, &params, &[x[0][p], x[1][p]]);
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

#[test]
fn at_alpha_zero_it_is_the_lift_and_the_output_layer() {
    for arch in archs() {
        let (net, params) = build::<f64>(&arch, 8);
        let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(arch.kind));
        let mut one = arch.spec.clone();
        one.hidden.truncate(1);
        // Same seed: the same Fourier frequencies are drawn first.
        let (plain, _) = Network::new(&one, act, &mut Rng::stream(8, "init")).unwrap();
        let groups = net.param_groups();
        let group = |name: &str| &params[groups.iter().find(|g| g.0 == name).unwrap().1.clone()];
        let plain_params: Vec<f64> = ["lift weights", "lift biases"]
            .into_iter()
            .chain(["output weights", "output biases"])
            .flat_map(|name| group(name).to_vec())
            .collect();
        assert_eq!(plain_params.len(), plain.num_params());
        let jets = JetSet::new(&arch.jets, arch.spec.inputs).unwrap();
        let x = sample(&arch.spec.embedding, 6, 9);
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        let mut tape = Tape::default();
        plain
            .forward(&plain_params, &cols, &jets, &mut tape)
            .unwrap();
        assert_eq!(
            run(&net, &params, &x, &jets),
            tape.outputs(),
            "{}",
            arch.name
        );
        // And nonzero α's do change it.
        assert_ne!(
            run(&net, &with_alphas(&net, &params), &x, &jets),
            tape.outputs()
        );
    }
}

#[test]
fn jets_match_finite_differences_of_lower_jets() {
    for arch in archs() {
        let (net, params) = build::<f64>(&arch, 1);
        let params = with_alphas(&net, &params);
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
        let params = with_alphas(&net, &params);
        for needed in [arch.jets.clone(), vec![]] {
            let jets = JetSet::new(&needed, arch.spec.inputs).unwrap();
            let x = sample(&arch.spec.embedding, n, 4);
            let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
            let gradient = |p: &[f64], adjoint: &[f64]| {
                let mut tape = PirateTape::default();
                net.forward(p, &cols, &jets, &mut tape).unwrap();
                let mut grad = vec![0.0; net.num_params()];
                net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
                grad
            };
            let name = format!("{} ({} jets)", arch.name, jets.len());
            let groups = net.param_groups();
            let (_, mut grad) = gradient_matches_finite_differences(
                &name,
                &params,
                &groups,
                |p| run(&net, p, &x, &jets),
                gradient,
                5,
                1e-6,
            );
            // Every α's gradient is exercised (nonzero).
            for (g, r) in groups.iter().filter(|g| g.0.ends_with("alpha")) {
                assert!(grad[r.start] != 0.0, "{name}: {g} has no gradient");
            }
            let mut tape = PirateTape::default();
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
fn backward_at_the_initial_alphas_matches_finite_differences() {
    // At α = 0 the blocks and the gates (which only enter the blocks) get no gradient
    // except through the α's themselves.
    let arch = &archs()[1];
    let (net, params) = build::<f64>(arch, 13);
    let jets = JetSet::new(&arch.jets, arch.spec.inputs).unwrap();
    let x = sample(&arch.spec.embedding, 3, 14);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let groups = net.param_groups();
    let (_, grad) = gradient_matches_finite_differences(
        "alpha = 0",
        &params,
        &groups,
        |p| run(&net, p, &x, &jets),
        |p, adjoint| {
            let mut tape = PirateTape::default();
            net.forward(p, &cols, &jets, &mut tape).unwrap();
            let mut grad = vec![0.0; net.num_params()];
            net.backward(p, &mut tape, adjoint, &mut grad).unwrap();
            grad
        },
        7,
        1e-6,
    );
    for (name, r) in &groups {
        let nonzero = grad[r.clone()].iter().any(|&g| g != 0.0);
        let live =
            ["lift", "output"].iter().any(|p| name.starts_with(p)) || name.ends_with("alpha");
        assert_eq!(nonzero, live, "{name}");
    }
}

#[test]
fn periodic_inputs_repeat_exactly() {
    let arch = &archs()[2];
    let (net, params) = build::<f64>(arch, 6);
    let params = with_alphas(&net, &params);
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
        let a = with_alphas(&net_a, &a);
        let jets = JetSet::new(&arch.jets, arch.spec.inputs).unwrap();
        let x = sample(&arch.spec.embedding, 6, 22);
        let (ya, yb) = (run(&net_a, &a, &x, &jets), run(&net_b, &a, &x, &jets));
        assert!(ya.iter().zip(&yb).all(|(u, v)| u.to_bits() == v.to_bits()));

        let (net32, p32) = build::<f32>(&arch, 11);
        let p32 = with_alphas(&net32, &p32);
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
    let params = with_alphas(&net, &params);
    let jets = JetSet::new(&arch.jets, 2).unwrap();
    let x = sample(&arch.spec.embedding, 40, 32);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = PirateTape::default();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    let first = tape.outputs().to_vec();
    let adjoint = vec![1.0; first.len()];
    let mut grad = vec![0.0; net.num_params()];
    net.backward(&params, &mut tape, &adjoint, &mut grad)
        .unwrap();
    let once = grad.clone();
    let pointers = |t: &PirateTape<f64>| {
        let mut p = vec![
            t.outputs().as_ptr(),
            t.features.as_ptr(),
            t.diff.as_ptr(),
            t.g_x.as_ptr(),
            t.g_a.as_ptr(),
            t.g_z.as_ptr(),
            t.g_m.as_ptr(),
            t.g_v.as_ptr(),
            t.g_d.as_ptr(),
        ];
        for b in &t.blocks {
            p.extend([b.z1.as_ptr(), b.z2.as_ptr(), b.next.as_ptr()]);
        }
        let layers = t.blocks.iter().flat_map(|b| &b.layers);
        p.extend(
            [&t.lift, &t.gates[0], &t.gates[1]]
                .into_iter()
                .chain(layers)
                .flat_map(|l| [l.z.as_ptr(), l.derivs.as_ptr(), l.a.as_ptr()]),
        );
        p
    };
    let before = pointers(&tape);
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    let mut again = vec![0.0; net.num_params()];
    net.backward(&params, &mut tape, &adjoint, &mut again)
        .unwrap();
    assert_eq!(pointers(&tape), before);
    assert_eq!(tape.outputs(), first.as_slice());
    assert_eq!(again, once, "a reused tape gives the same gradient");
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
        let (net, params) = build::<f64>(&arch, 51);
        let groups = net.param_groups();
        let mut next = 0;
        for (_, r) in &groups {
            assert_eq!(r.start, next);
            next = r.end;
        }
        assert_eq!(next, net.num_params());
        assert_eq!(groups.last().unwrap().0, "output biases");
        let alphas: Vec<_> = groups.iter().filter(|g| g.0.ends_with("alpha")).collect();
        assert_eq!(alphas.len(), arch.spec.hidden.len(), "{}", arch.name);
        assert!(alphas.iter().all(|g| params[g.1.start] == 0.0));
    }
    let (net, _) = build::<f64>(&archs()[1], 51);
    let names: Vec<String> = net.param_groups().into_iter().map(|g| g.0).collect();
    assert_eq!(
        &names[..6],
        [
            "lift weights",
            "lift biases",
            "gate U weights",
            "gate U biases",
            "gate V weights",
            "gate V biases"
        ]
    );
    assert_eq!(names[6], "block 1 layer 1 weights");
    assert_eq!(names[12], "block 1 alpha");
    assert_eq!(names[13], "block 2 layer 1 weights");
    assert_eq!(names[names.len() - 3], "block 3 alpha");
}

#[test]
fn bad_calls_and_specs_are_refused() {
    let arch = &archs()[1];
    let (net, params) = build::<f64>(arch, 61);
    // A tape filled by another PirateNet (different width and depth) is refused.
    let (other, other_params) = build::<f64>(&archs()[0], 61);
    bad_calls_are_refused(&net, &params, &other, &other_params);

    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let try_spec = |edit: &dyn Fn(&mut NetworkSpec)| {
        let mut s = arch.spec.clone();
        edit(&mut s);
        PirateNet::new(&s, act.clone(), &mut Rng::new(1)).map(|_| ())
    };
    assert!(try_spec(&|_| {}).is_ok());
    let unequal = try_spec(&|s| s.hidden = vec![8, 10, 8]).unwrap_err();
    assert!(unequal.contains("equal hidden widths"), "{unequal}");
    assert!(try_spec(&|s| s.hidden = vec![0, 0]).is_err(), "zero width");
    assert!(try_spec(&|s| s.hidden.clear()).is_err(), "no block");
    assert!(try_spec(&|s| s.outputs = 0).is_err(), "no outputs");
    assert!(
        try_spec(&|s| s.inputs = 3).is_err(),
        "embedding for 2 inputs"
    );
    let gaussian = try_spec(&|s| s.embedding.gaussian = Some((4, 0.5))).unwrap_err();
    assert!(gaussian.contains("Gaussian"), "{gaussian}");
    assert!(
        try_spec(&|s| s.init = Init::Siren { omega: -1.0 }).is_err(),
        "bad omega"
    );
}

#[test]
fn networks_and_tapes_cross_threads() {
    fn shared<S: Send + Sync>() {}
    shared::<PirateNet<f64>>();
    shared::<PirateNet<f32>>();
    shared::<PirateTape<f64>>();
    let (net, _) = build::<f64>(&archs()[0], 1);
    assert!(format!("{net:?}").contains("depth"));
}
