//! Finite-basis network tests: the windows form a partition of unity with vanishing jets,
//! output jets against finite differences of lower jets, the reverse pass against finite
//! differences in every parameter, one subdomain against a plain network, f32 against f64,
//! and refused specs and tapes.

use super::fd_checks::{
    all_jets, gradient_matches_finite_differences, jets_match_finite_differences, Loss,
};
use super::*;
use crate::rng::Rng;
use crate::scalar::Scalar;
use std::sync::Arc;

struct Case {
    name: &'static str,
    spec: DecomposedSpec,
    jets: Vec<Vec<usize>>,
}

fn spec(bounds: &[(f64, f64)], parts: &[usize], overlap: f64, hidden: &[usize]) -> DecomposedSpec {
    DecomposedSpec {
        inputs: bounds.len(),
        outputs: 1,
        bounds: bounds.to_vec(),
        parts: parts.to_vec(),
        overlap,
        hidden: hidden.to_vec(),
        init: Init::Glorot,
        periods: vec![None; bounds.len()],
    }
}

fn cases(hidden: &[usize]) -> Vec<Case> {
    let mut two = spec(&[(-1.0, 2.0), (0.0, 1.0)], &[3, 2], 0.5, hidden);
    two.outputs = 2;
    let mut three = spec(
        &[(0.0, 1.0), (-2.0, 2.0), (1.0, 1.5)],
        &[2, 1, 2],
        0.3,
        hidden,
    );
    three.periods[1] = Some(4.0);
    vec![
        Case {
            name: "2 inputs, parts [3, 2], 2 outputs, order 4",
            spec: two,
            jets: all_jets(2, 4),
        },
        Case {
            name: "3 inputs, parts [2, 1, 2], periodic unsplit input",
            spec: three,
            jets: vec![
                vec![0, 1, 2],
                vec![0, 0, 2],
                vec![2, 2, 2, 2],
                vec![1, 1, 1],
                vec![0, 0, 0, 1],
            ],
        },
        Case {
            name: "1 input, 5 parts, full overlap",
            spec: spec(&[(0.0, 2.0)], &[5], 1.0, hidden),
            jets: all_jets(1, 4),
        },
    ]
}

fn build<T: Scalar>(spec: &DecomposedSpec, seed: u64) -> (Decomposed<T>, Vec<T>) {
    let act: Arc<dyn Activation<T>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    Decomposed::new(spec, act, &mut Rng::stream(seed, "init")).unwrap()
}

/// n random points, input-major, in the box widened by `margin` of its width on each side.
fn sample(spec: &DecomposedSpec, n: usize, margin: f64, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Rng::new(seed);
    spec.bounds
        .iter()
        .map(|&(lo, hi)| {
            let pad = margin * (hi - lo);
            (0..n).map(|_| rng.range(lo - pad, hi + pad)).collect()
        })
        .collect()
}

/// n − 1 random points in the box and one in the ramps of the first split along every
/// input, where 2^d windows overlap.
fn points(spec: &DecomposedSpec, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut x = sample(spec, n - 1, 0.0, seed);
    for (i, col) in x.iter_mut().enumerate() {
        let (lo, hi) = spec.bounds[i];
        let parts = spec.parts[i] as f64;
        let h = (hi - lo) / parts;
        col.push(lo + h * (1.0 + 0.1 * spec.overlap).min(0.5 * parts));
    }
    x
}

fn run<T: Scalar>(net: &Decomposed<T>, params: &[T], x: &[Vec<T>], jets: &JetSet) -> Vec<T> {
    let cols: Vec<&[T]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = DecomposedTape::default();
    net.forward(params, &cols, jets, &mut tape).unwrap();
    tape.outputs().to_vec()
}

/// A step for input i of the size of its shortest variation scale: the window ramp along a
/// split input, the subdomain half-width otherwise.
fn step(spec: &DecomposedSpec, i: usize) -> f64 {
    let (lo, hi) = spec.bounds[i];
    let h = (hi - lo) / spec.parts[i] as f64;
    let scale = if spec.parts[i] > 1 {
        spec.overlap * h
    } else {
        0.5 * h
    };
    2e-4 * scale
}

#[test]
fn windows_are_a_partition_of_unity_with_vanishing_jets() {
    for case in cases(&[4]) {
        let (net, _) = build::<f64>(&case.spec, 1);
        let d = case.spec.inputs;
        let jets = JetSet::new(&all_jets(d, 4), d).unwrap();
        // Points inside and up to 20% outside the box: the edge windows reach outwards.
        let x = sample(&case.spec, 40, 0.2, 2);
        let mut worst = (0.0f64, 0.0f64);
        for p in 0..40 {
            let point: Vec<f64> = x.iter().map(|c| c[p]).collect();
            let mut sum = vec![0.0; jets.len()];
            let mut scale = vec![0.0f64; jets.len()];
            for k in 0..net.subdomains() {
                let w = net.window_jets(k, &point, &jets);
                assert!(
                    (0.0..=1.0).contains(&w[0]),
                    "{}: window {}",
                    case.name,
                    w[0]
                );
                for j in 0..jets.len() {
                    sum[j] += w[j];
                    scale[j] = scale[j].max(w[j].abs());
                }
            }
            let value_err = (sum[0] - 1.0).abs();
            assert!(value_err <= 1e-14, "{}: Σw = {}", case.name, sum[0]);
            worst.0 = worst.0.max(value_err);
            for j in 1..jets.len() {
                let err = sum[j].abs() / scale[j].max(1.0);
                worst.1 = worst.1.max(err);
                assert!(
                    err <= 1e-12,
                    "{}: jet {:?} of Σw is {} (scale {})",
                    case.name,
                    jets.jets()[j],
                    sum[j],
                    scale[j]
                );
            }
        }
        eprintln!(
            "{}: |Σw − 1| ≤ {:e}, |D^J Σw| / max|D^J w| ≤ {:e}",
            case.name, worst.0, worst.1
        );
    }
}

#[test]
fn windows_are_one_in_a_core_and_zero_outside_the_extended_subdomain() {
    // Input 0: 3 parts of width 1 on [-1, 2], ramps 0.5 wide; input 1: 2 of 0.5 on [0, 1],
    // ramps 0.25. Subdomain 2 is cell (1, 0): extended [-0.25, 1.25] × [-0.125, 0.625],
    // equal to 1 on [0.25, 0.75] × [.., 0.375].
    let case = &cases(&[4])[0];
    let (net, _) = build::<f64>(&case.spec, 1);
    let jets = JetSet::new(&all_jets(2, 2), 2).unwrap();
    let one = net.window_jets(2, &[0.5, 0.1], &jets);
    assert_eq!(one[0], 1.0);
    assert!(one[1..].iter().all(|&v| v == 0.0), "{one:?}");
    // The edge part reaches outwards along input 1.
    assert_eq!(net.window_jets(2, &[0.5, -3.0], &jets)[0], 1.0);
    for outside in [[-0.25, 0.3], [1.3, 0.3], [0.5, 0.625], [0.5, 0.9]] {
        let w = net.window_jets(2, &outside, &jets);
        assert!(w.iter().all(|&v| v == 0.0), "{outside:?}: {w:?}");
    }
    let ramp = net.window_jets(2, &[1.0, 0.1], &jets);
    assert!((ramp[0] - 0.5).abs() < 1e-15, "the ramp's middle: {ramp:?}");
}

#[test]
fn each_network_sees_exactly_the_points_its_window_covers() {
    for case in cases(&[4]) {
        let (net, params) = build::<f64>(&case.spec, 1);
        let d = case.spec.inputs;
        let mut x = sample(&case.spec, 300, 0.3, 2);
        // Points exactly on extended-interval ends, core boundaries and the domain's edges.
        for (i, col) in x.iter_mut().enumerate() {
            let (lo, hi) = case.spec.bounds[i];
            let parts = case.spec.parts[i];
            let h = (hi - lo) / parts as f64;
            let rho = case.spec.overlap * h;
            for p in 0..col.len() / 3 {
                let k = (p % (parts + 1)) as f64;
                let core = lo + k * h;
                col[p] = [core, core - 0.5 * rho, core + 0.5 * rho][(p / 7 + i) % 3];
            }
        }
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        let jets = JetSet::new(&[], d).unwrap();
        let mut tape = DecomposedTape::default();
        net.forward(&params, &cols, &jets, &mut tape).unwrap();
        let mut total = 0;
        for (k, (got, want)) in net.gathered(&cols, &tape).into_iter().enumerate() {
            assert_eq!(got, want, "{}: subdomain {k}", case.name);
            total += got.len();
        }
        assert!(total >= 300, "{}: every point is covered", case.name);
        eprintln!(
            "{}: {total} (subdomain, point) pairs for 300 points",
            case.name
        );
    }
}

#[test]
fn jets_match_finite_differences_of_lower_jets() {
    for case in cases(&[8, 8]) {
        let (net, params) = build::<f64>(&case.spec, 3);
        let jets = JetSet::new(&case.jets, case.spec.inputs).unwrap();
        let x = points(&case.spec, 7, 4);
        let (checked, _) = jets_match_finite_differences(
            case.name,
            &jets,
            case.spec.outputs,
            &x,
            |i| step(&case.spec, i),
            |x| run(&net, &params, x, &jets),
            1e-6,
        );
        assert!(checked >= 4, "{}: only {checked} checks", case.name);
    }
}

#[test]
fn backward_matches_finite_differences_in_every_parameter() {
    for case in cases(&[5, 5]) {
        let (net, params) = build::<f64>(&case.spec, 5);
        assert_eq!(params.len(), net.num_params());
        for needed in [case.jets.clone(), vec![]] {
            let jets = JetSet::new(&needed, case.spec.inputs).unwrap();
            let x = points(&case.spec, 8, 6);
            let name = format!("{} ({} jets)", case.name, jets.len());
            let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
            let gradient = |p: &[f64], adjoint: &[f64]| {
                let mut tape = DecomposedTape::default();
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
            let (_, grad) = gradient_matches_finite_differences(
                &name,
                &params,
                &net.param_groups(),
                |p| run(&net, p, &x, &jets),
                gradient,
                7,
                1e-6,
            );
            let untouched = grad.iter().filter(|&&g| g == 0.0).count();
            assert_eq!(untouched, 0, "{name}: every subdomain sees a point");
        }
    }
}

#[test]
fn one_subdomain_is_the_plain_network() {
    let bounds = [(-1.0, 3.0), (0.0, 1.0)];
    let mut dspec = spec(&bounds, &[1, 1], 0.5, &[10, 10]);
    dspec.outputs = 2;
    dspec.periods[1] = Some(1.0);
    let (net, params) = build::<f64>(&dspec, 8);
    let mut embedding = Embedding::for_box(&[-1.0, 0.0], &[3.0, 1.0]);
    embedding.period[1] = Some(1.0);
    let plain_spec = NetworkSpec {
        inputs: 2,
        outputs: 2,
        hidden: vec![10, 10],
        init: Init::Glorot,
        embedding,
        layer_inits: Vec::new(),
        residuals: Vec::new(),
    };
    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let (plain, plain_params) =
        Network::new(&plain_spec, act, &mut Rng::stream(8, "init")).unwrap();
    assert_eq!(params, plain_params);
    assert_eq!(net.num_params(), plain.num_params());
    let names = |g: Vec<(String, std::ops::Range<usize>)>| -> Vec<_> {
        g.into_iter().map(|(n, r)| (n, r.start, r.end)).collect()
    };
    let prefixed: Vec<_> = names(plain.param_groups())
        .into_iter()
        .map(|(n, a, b)| (format!("subdomain 0 {n}"), a, b))
        .collect();
    assert_eq!(names(net.param_groups()), prefixed);
    let jets = JetSet::new(&all_jets(2, 4), 2).unwrap();
    let x = sample(&dspec, 7, 0.1, 9);
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = DecomposedTape::default();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    let mut plain_tape = Tape::default();
    plain
        .forward(&params, &cols, &jets, &mut plain_tape)
        .unwrap();
    assert_eq!(tape.outputs(), plain_tape.outputs(), "same bits");
    assert_eq!(tape.output(3, 1), plain_tape.output(3, 1));
    let adjoint = Loss::new(tape.outputs().len(), 10).adjoint(tape.outputs());
    let (mut g1, mut g2) = (vec![0.0; params.len()], vec![0.0; params.len()]);
    net.backward(&params, &mut tape, &adjoint, &mut g1).unwrap();
    plain
        .backward(&params, &mut plain_tape, &adjoint, &mut g2)
        .unwrap();
    assert_eq!(g1, g2, "same gradient bits");
}

#[test]
fn f32_forward_agrees_with_f64() {
    for case in cases(&[8]) {
        let (net64, p64) = build::<f64>(&case.spec, 11);
        let (net32, p32) = build::<f32>(&case.spec, 11);
        assert!(p64.iter().zip(&p32).all(|(a, b)| *b == *a as f32));
        let jets = JetSet::new(&case.jets, case.spec.inputs).unwrap();
        let x32: Vec<Vec<f32>> = sample(&case.spec, 9, 0.0, 12)
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
        for (block, (ya, yb)) in a.chunks(9).zip(b.chunks(9)).enumerate() {
            let scale = ya.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
            for (u, v) in ya.iter().zip(yb) {
                let err = (u - *v as f64).abs() / scale;
                assert!(
                    err <= 1e-4,
                    "{}: block {block}: {u} vs {v} ({err:e})",
                    case.name
                );
            }
        }
    }
}

#[test]
fn a_reused_tape_gives_the_same_results() {
    let case = &cases(&[6])[0];
    let (net, params) = build::<f64>(&case.spec, 13);
    let jets = JetSet::new(&case.jets, 2).unwrap();
    let small = JetSet::new(&[vec![0, 1]], 2).unwrap();
    let mut tape = DecomposedTape::default();
    for (x, jets) in [
        (sample(&case.spec, 30, 0.1, 14), &jets),
        (sample(&case.spec, 3, 0.0, 15), &small),
        (sample(&case.spec, 0, 0.0, 16), &jets),
        (sample(&case.spec, 11, 0.0, 17), &jets),
    ] {
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        net.forward(&params, &cols, jets, &mut tape).unwrap();
        assert_eq!(tape.outputs(), run(&net, &params, &x, jets).as_slice());
        assert_eq!(tape.points(), x[0].len());
        let adjoint = vec![1.0; tape.outputs().len()];
        let mut reused = vec![0.0; params.len()];
        net.backward(&params, &mut tape, &adjoint, &mut reused)
            .unwrap();
        let mut fresh_tape = DecomposedTape::default();
        net.forward(&params, &cols, jets, &mut fresh_tape).unwrap();
        let mut fresh = vec![0.0; params.len()];
        net.backward(&params, &mut fresh_tape, &adjoint, &mut fresh)
            .unwrap();
        assert_eq!(reused, fresh);
    }
}

#[test]
fn bad_specs_and_calls_are_refused() {
    let good = spec(&[(0.0, 1.0), (0.0, 2.0)], &[2, 3], 0.5, &[4]);
    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let try_build = |s: &DecomposedSpec| Decomposed::new(s, act.clone(), &mut Rng::new(1));
    assert!(try_build(&good).is_ok());
    let mut bad: Vec<(&str, DecomposedSpec)> = Vec::new();
    let mut edit = |name, f: &dyn Fn(&mut DecomposedSpec)| {
        let mut s = good.clone();
        f(&mut s);
        bad.push((name, s));
    };
    edit("parts too short", &|s| {
        s.parts.pop();
    });
    edit("bounds too long", &|s| s.bounds.push((0.0, 1.0)));
    edit("periods too short", &|s| s.periods.clear());
    edit("zero parts", &|s| s.parts[1] = 0);
    edit("zero overlap", &|s| s.overlap = 0.0);
    edit("overlap above 1", &|s| s.overlap = 1.5);
    edit("NaN overlap", &|s| s.overlap = f64::NAN);
    edit("no hidden layers", &|s| s.hidden.clear());
    edit("zero-width hidden layer", &|s| s.hidden = vec![4, 0]);
    edit("hi == lo", &|s| s.bounds[0] = (1.0, 1.0));
    edit("hi < lo", &|s| s.bounds[1] = (2.0, 0.0));
    edit("infinite bound", &|s| s.bounds[1] = (0.0, f64::INFINITY));
    edit("no inputs", &|s| {
        s.inputs = 0;
        s.bounds.clear();
        s.parts.clear();
        s.periods.clear();
    });
    edit("no outputs", &|s| s.outputs = 0);
    edit("split periodic input", &|s| s.periods[1] = Some(2.0));
    edit("bad period", &|s| {
        s.parts[1] = 1;
        s.periods[1] = Some(-1.0)
    });
    edit("too many subdomains", &|s| s.parts = vec![usize::MAX, 2]);
    for (name, s) in &bad {
        let result = try_build(s);
        assert!(result.is_err(), "{name} was accepted");
        eprintln!("{name}: {}", result.unwrap_err());
    }

    let (net, params) = try_build(&good).unwrap();
    let jets = JetSet::new(&[vec![0, 1]], 2).unwrap();
    let x = [vec![0.1, 0.5], vec![0.2, 1.5]];
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = DecomposedTape::default();
    assert!(net.forward(&params, &cols[..1], &jets, &mut tape).is_err());
    assert!(net
        .forward(&params, &[&x[0][..], &x[1][..1]], &jets, &mut tape)
        .is_err());
    assert!(net.forward(&params[1..], &cols, &jets, &mut tape).is_err());
    let three = JetSet::new(&[vec![2]], 3).unwrap();
    assert!(net.forward(&params, &cols, &three, &mut tape).is_err());
    let mut grad = vec![0.0; params.len()];
    // A fresh tape, then a wrong adjoint length, then a tape from another shape.
    assert!(net.backward(&params, &mut tape, &[], &mut grad).is_err());
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    assert!(net.backward(&params, &mut tape, &[1.0], &mut grad).is_err());
    let adjoint = vec![1.0; tape.outputs().len()];
    assert!(net
        .backward(&params, &mut tape, &adjoint, &mut grad[1..])
        .is_err());
    let mut other_spec = good.clone();
    other_spec.parts = vec![3, 2];
    let (other, other_params) = try_build(&other_spec).unwrap();
    let mut other_tape = DecomposedTape::default();
    other
        .forward(&other_params, &cols, &jets, &mut other_tape)
        .unwrap();
    assert!(net
        .backward(&params, &mut other_tape, &adjoint, &mut grad)
        .is_err());
    assert!(grad.iter().all(|&g| g == 0.0));

    // A NaN coordinate is no subdomain's, and shows as NaN rather than 0.
    let x = [vec![0.1, f64::NAN, 0.7], vec![0.2, 1.5, 1.9]];
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    for j in 0..jets.len() {
        let y = tape.output(j, 0);
        assert!(
            y[0].is_finite() && y[1].is_nan() && y[2].is_finite(),
            "{y:?}"
        );
    }
}
