//! Tests of several networks seen as one: members see only their own inputs, the reverse
//! pass against finite differences (a factorised member included), the plain single
//! network unchanged, a finite-basis member, and refused maps.

use super::super::fd_checks::gradient_matches_finite_differences;
use super::*;
use crate::nn::{Activation, Builtin, BuiltinKind, Embedding, Init, NetworkSpec};
use crate::rng::Rng;
use std::sync::Arc;

fn network(inputs: usize, outputs: usize, rng: &mut Rng) -> (Network<f64>, Vec<f64>) {
    let lo = vec![-1.0; inputs];
    let hi = vec![2.0; inputs];
    let spec = NetworkSpec {
        inputs,
        outputs,
        hidden: vec![5, 4],
        init: Init::Glorot,
        embedding: Embedding::for_box(&lo, &hi),
        layer_inits: Vec::new(),
        residuals: Vec::new(),
    };
    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    Network::new(&spec, act, rng).unwrap()
}

/// u(x, t), v(x, t) from one network of [t, x] (inputs swapped), c(t) from one of t.
fn split() -> (FieldNetworks<f64>, Vec<f64>) {
    let mut rng = Rng::new(7);
    let (flow, mut params) = network(2, 2, &mut rng);
    let (coefficient, mut p2) = network(1, 1, &mut rng);
    let coefficient = MemberNetwork::from(coefficient);
    factorize(&coefficient, &mut p2, 1.0, 0.1, &mut rng).unwrap();
    params.extend(p2);
    let members = vec![
        MemberSpec {
            name: "flow".into(),
            network: flow.into(),
            inputs: vec![1, 0],
            outputs: vec![0, 2],
            factorized: false,
        },
        MemberSpec {
            name: "c".into(),
            network: coefficient,
            inputs: vec![1],
            outputs: vec![1],
            factorized: true,
        },
    ];
    (FieldNetworks::new(members, 2, 3).unwrap(), params)
}

fn columns(n: usize) -> Vec<Vec<f64>> {
    let mut rng = Rng::new(3);
    (0..2)
        .map(|_| (0..n).map(|_| rng.range(-1.0, 2.0)).collect())
        .collect()
}

fn outputs(nets: &FieldNetworks<f64>, params: &[f64], x: &[Vec<f64>], jets: &JetSet) -> Vec<f64> {
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = FieldTape::default();
    nets.forward(params, &cols, jets, &mut tape).unwrap();
    tape.outputs().to_vec()
}

#[test]
fn members_see_their_own_inputs_and_the_rest_is_zero() {
    let (nets, params) = split();
    let x = columns(6);
    let jets = JetSet::new(&[vec![0, 0, 1], vec![1, 1]], 2).unwrap();
    let out = outputs(&nets, &params, &x, &jets);
    let n = 6;
    let at = |jet: &[usize], o: usize| {
        let j = jets.index(jet).unwrap();
        out[(j * 3 + o) * n..(j * 3 + o + 1) * n].to_vec()
    };
    // c(t) does not change with x: every jet with an x in it is exactly zero.
    for jet in [vec![0], vec![0, 0], vec![0, 1], vec![0, 0, 1]] {
        assert!(at(&jet, 1).iter().all(|&v| v == 0.0), "{jet:?}");
    }
    // Its t-jets are its own network's.
    let mut rng = Rng::new(7);
    let _ = network(2, 2, &mut rng);
    // c is factorised, and starts as the plain network it was drawn as.
    let (alone, p) = network(1, 1, &mut rng);
    let own = JetSet::new(&[vec![0, 0]], 1).unwrap();
    let mut tape = Tape::default();
    alone.forward(&p, &[&x[1]], &own, &mut tape).unwrap();
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-13);
    assert!(close(
        &at(&[1, 1], 1),
        tape.output(own.index(&[0, 0]).unwrap(), 0)
    ));
    assert!(close(&at(&[], 1), tape.output(0, 0)));
    // The flow network takes [t, x]: its ∂x of output 1 is combined output 2's ∂x.
    let mut rng = Rng::new(7);
    let (flow, p) = network(2, 2, &mut rng);
    let own = JetSet::new(&[vec![0, 1, 1]], 2).unwrap();
    let mut tape = Tape::default();
    flow.forward(&p, &[&x[1], &x[0]], &own, &mut tape).unwrap();
    assert_eq!(
        at(&[0, 0, 1], 2),
        tape.output(own.index(&[0, 1, 1]).unwrap(), 1)
    );
}

#[test]
fn backward_matches_finite_differences() {
    let (nets, params) = split();
    let x = columns(4);
    let jets = JetSet::new(&[vec![0, 1], vec![1, 1], vec![0, 0]], 2).unwrap();
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let gradient = |p: &[f64], adjoint: &[f64]| {
        let mut tape = FieldTape::default();
        nets.forward(p, &cols, &jets, &mut tape).unwrap();
        let mut grad = vec![0.0; nets.num_params()];
        nets.backward(p, &mut tape, adjoint, &mut grad).unwrap();
        grad
    };
    gradient_matches_finite_differences(
        "per field, c factorised",
        &params,
        &nets.param_groups(),
        |p| outputs(&nets, p, &x, &jets),
        gradient,
        11,
        1e-6,
    );
    let groups = nets.param_groups();
    assert_eq!(groups.first().unwrap().0, "flow: layer 1 weights");
    assert_eq!(groups.last().unwrap().1.end, nets.num_params());
    assert!(groups.iter().any(|g| g.0 == "c: output biases"));
    assert_eq!(groups.last().unwrap().0, "c: weight log-scales");
    assert_eq!(groups.last().unwrap().1.len(), 5 + 4 + 1);
}

#[test]
fn one_network_for_everything_passes_straight_through() {
    let mut rng = Rng::new(7);
    let (net, params) = network(2, 2, &mut rng);
    let mut rng = Rng::new(7);
    let (same, _) = network(2, 2, &mut rng);
    let x = columns(5);
    let jets = JetSet::new(&[vec![0, 1]], 2).unwrap();
    let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    let mut tape = Tape::default();
    net.forward(&params, &cols, &jets, &mut tape).unwrap();
    let single = FieldNetworks::single(same.into());
    assert_eq!(outputs(&single, &params, &x, &jets), tape.outputs());
    assert_eq!(single.param_groups(), net.param_groups());
}

#[test]
fn bad_maps_are_refused() {
    let mut rng = Rng::new(1);
    let member = |rng: &mut Rng, inputs: Vec<usize>, outputs: Vec<usize>| {
        let (network, _) = network(inputs.len().max(1), outputs.len().max(1), rng);
        MemberSpec {
            name: "m".into(),
            network: network.into(),
            inputs,
            outputs,
            factorized: false,
        }
    };
    let cases = [
        (
            vec![member(&mut rng, vec![0], vec![0])],
            1,
            2,
            "comes from no network",
        ),
        (
            vec![
                member(&mut rng, vec![0], vec![0]),
                member(&mut rng, vec![0], vec![0]),
            ],
            1,
            1,
            "comes from both",
        ),
        (
            vec![member(&mut rng, vec![3], vec![0])],
            1,
            1,
            "takes input 3",
        ),
        (
            vec![member(&mut rng, vec![0, 0], vec![0])],
            1,
            1,
            "takes an input twice",
        ),
        (
            vec![member(&mut rng, vec![0], vec![5])],
            1,
            1,
            "gives output 5",
        ),
        (vec![], 1, 1, "no networks"),
    ];
    for (members, inputs, outputs, want) in cases {
        let err = FieldNetworks::new(members, inputs, outputs).unwrap_err();
        assert!(err.contains(want), "{err}");
    }
    // A KAN has no weight matrices to factorise, in a set or alone.
    let spec = NetworkSpec {
        inputs: 1,
        outputs: 1,
        hidden: vec![3],
        init: Init::Glorot,
        embedding: Embedding::for_box(&[0.0], &[1.0]),
        layer_inits: Vec::new(),
        residuals: Vec::new(),
    };
    let (kan, mut params) = crate::nn::ChebyshevKan::<f64>::new(&spec, 3, &mut rng).unwrap();
    let kan = MemberNetwork::from(kan);
    let err = factorize(&kan, &mut params, 1.0, 0.1, &mut rng).unwrap_err();
    assert!(err.contains("can be factorised"), "{err}");
    let members = vec![MemberSpec {
        name: "k".into(),
        network: kan,
        inputs: vec![0],
        outputs: vec![0],
        factorized: true,
    }];
    let err = FieldNetworks::new(members, 1, 1).unwrap_err();
    assert!(err.contains("network `k`: only a dense network"), "{err}");
}

/// A finite-basis member inside the set gives exactly what it gives alone.
#[test]
fn a_decomposed_member_gives_what_it_gives_alone() {
    use crate::nn::{Decomposed, DecomposedSpec, DecomposedTape};
    let spec = DecomposedSpec {
        inputs: 1,
        outputs: 1,
        bounds: vec![(-1.0, 2.0)],
        parts: vec![3],
        overlap: 0.5,
        hidden: vec![6],
        init: Init::Glorot,
        periods: vec![None],
    };
    let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
    let mut rng = Rng::new(5);
    let (flow, mut params) = network(2, 1, &mut rng);
    let (alone, p) = Decomposed::new(&spec, act.clone(), &mut rng).unwrap();
    let (member, _) = Decomposed::new(&spec, act, &mut Rng::new(5)).unwrap();
    params.extend(&p);
    let members = vec![
        MemberSpec {
            name: "u".into(),
            network: flow.into(),
            inputs: vec![0, 1],
            outputs: vec![0],
            factorized: false,
        },
        MemberSpec {
            name: "c".into(),
            network: member.into(),
            inputs: vec![1],
            outputs: vec![1],
            factorized: false,
        },
    ];
    let nets = FieldNetworks::new(members, 2, 2).unwrap();
    let x = columns(7);
    let jets = JetSet::new(&[vec![1, 1], vec![0]], 2).unwrap();
    let out = outputs(&nets, &params, &x, &jets);
    let own = JetSet::new(&[vec![0, 0]], 1).unwrap();
    let mut tape = DecomposedTape::default();
    alone.forward(&p, &[&x[1]], &own, &mut tape).unwrap();
    let n = 7;
    let j = jets.index(&[1, 1]).unwrap();
    assert_eq!(
        &out[(j * 2 + 1) * n..(j * 2 + 2) * n],
        tape.output(own.index(&[0, 0]).unwrap(), 0)
    );
    assert_eq!(&out[n..2 * n], tape.output(0, 0), "the values");
    let factorised = FieldNetworks::new(
        vec![MemberSpec {
            name: "c".into(),
            network: alone.into(),
            inputs: vec![0],
            outputs: vec![0],
            factorized: true,
        }],
        1,
        1,
    );
    assert!(factorised.unwrap_err().contains("only a dense network"));
}
