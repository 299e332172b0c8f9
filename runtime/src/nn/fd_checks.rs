//! The finite-difference checks every network kind's tests run, written once: input jets
//! against central differences of the next-lower jets, the reverse pass against central
//! differences in every parameter of a loss on all output jets, and the jet sets and loss
//! they use, and the calls every kind must refuse (over the [`Kind`] trait). A kind's
//! tests supply closures that run its forward and reverse passes.

#![cfg(test)]

use super::embedding::Embedding;
use super::jets::JetSet;
use crate::rng::Rng;
use std::ops::Range;

/// Every multi-index over `inputs` inputs of order 0..=order.
pub(crate) fn all_jets(inputs: usize, order: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![vec![]];
    let mut frontier = vec![vec![]];
    for _ in 0..order {
        let mut next = Vec::new();
        for jet in &frontier {
            let from = jet.last().copied().unwrap_or(0);
            for i in from..inputs {
                let mut j: Vec<usize> = jet.clone();
                j.push(i);
                next.push(j);
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

/// n random points in the embedding's box (one period for periodic inputs), input-major.
pub(crate) fn sample(emb: &Embedding, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Rng::new(seed);
    (0..emb.center.len())
        .map(|i| {
            let (lo, hi) = match emb.period[i] {
                Some(l) => (0.0, l),
                None => (
                    emb.center[i] - emb.half_width[i],
                    emb.center[i] + emb.half_width[i],
                ),
            };
            (0..n).map(|_| rng.range(lo, hi)).collect()
        })
        .collect()
}

/// A step for input i of the size of its variation scale.
pub(crate) fn step(emb: &Embedding, i: usize) -> f64 {
    2e-4 * emb.period[i].map_or(emb.half_width[i], |l| l / (2.0 * std::f64::consts::PI))
}

/// A fourth-order central difference: (8(f(h) − f(−h)) − (f(2h) − f(−2h))) / 12h.
pub(crate) fn central(f: &mut dyn FnMut(f64) -> Vec<f64>, h: f64) -> Vec<f64> {
    let (p1, m1, p2, m2) = (f(h), f(-h), f(2.0 * h), f(-2.0 * h));
    (0..p1.len())
        .map(|k| (8.0 * (p1[k] - m1[k]) - (p2[k] - m2[k])) / (12.0 * h))
        .collect()
}

/// Every jet J + e_i of `jets` against the central difference of jet J along input i, at
/// the points `x` (one column per input), relative to the jet's largest value: each error
/// at most `tolerance`. `run(x)` gives all output jets in the tape layout
/// (jet · outputs + output) · n + point; `step(i)` is input i's difference step. Returns
/// how many jets were checked and the worst error.
pub(crate) fn jets_match_finite_differences(
    name: &str,
    jets: &JetSet,
    outputs: usize,
    x: &[Vec<f64>],
    step: impl Fn(usize) -> f64,
    run: impl Fn(&[Vec<f64>]) -> Vec<f64>,
    tolerance: f64,
) -> (usize, f64) {
    let n = x.first().map_or(0, Vec::len);
    let out = run(x);
    let mut worst = 0.0f64;
    let mut checked = 0;
    for (j, jet) in jets.jets().iter().enumerate() {
        for i in 0..x.len() {
            let mut up = jet.clone();
            up.push(i);
            let Some(k) = jets.index(&up) else { continue };
            let fd = central(
                &mut |dx| {
                    let mut moved = x.to_vec();
                    moved[i].iter_mut().for_each(|v| *v += dx);
                    run(&moved)
                },
                step(i),
            );
            for o in 0..outputs {
                let exact = &out[(k * outputs + o) * n..][..n];
                let approx = &fd[(j * outputs + o) * n..][..n];
                let scale = exact.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
                for (e, a) in exact.iter().zip(approx) {
                    let err = (e - a).abs() / scale;
                    worst = worst.max(err);
                    assert!(
                        err <= tolerance,
                        "{name}: d/dx{i} of {jet:?} (output {o}): {e} vs {a}, relative {err:e}"
                    );
                }
            }
            checked += 1;
        }
    }
    eprintln!("{name}: {checked} jet checks, worst relative error {worst:e}");
    (checked, worst)
}

/// Loss Σ c1·y + ½ c2·y² over every output jet y, with fixed random c1, c2.
pub(crate) struct Loss {
    c1: Vec<f64>,
    c2: Vec<f64>,
}

impl Loss {
    pub(crate) fn new(len: usize, seed: u64) -> Loss {
        let mut rng = Rng::new(seed);
        let mut draw = || (0..len).map(|_| rng.range(-1.0, 1.0)).collect();
        Loss {
            c1: draw(),
            c2: draw(),
        }
    }

    pub(crate) fn value(&self, y: &[f64]) -> f64 {
        y.iter()
            .zip(&self.c1)
            .zip(&self.c2)
            .map(|((y, a), b)| a * y + 0.5 * b * y * y)
            .sum()
    }

    pub(crate) fn adjoint(&self, y: &[f64]) -> Vec<f64> {
        y.iter()
            .zip(&self.c1)
            .zip(&self.c2)
            .map(|((y, a), b)| a + b * y)
            .collect()
    }
}

/// The gradient `grad` of [`Loss`] (seeded `seed`) at `params`, from the kind's reverse
/// pass, against a central difference in every parameter of the loss of `run(params)` (all
/// output jets): each error, relative to the gradient (or to 1e-3 of its largest entry), at
/// most `tolerance`. `gradient(params, adjoint)` runs the forward and reverse passes and
/// returns ∂loss/∂params; `groups` names the parameters in a failure. Returns the worst
/// error and the gradient.
pub(crate) fn gradient_matches_finite_differences(
    name: &str,
    params: &[f64],
    groups: &[(String, Range<usize>)],
    run: impl Fn(&[f64]) -> Vec<f64>,
    gradient: impl Fn(&[f64], &[f64]) -> Vec<f64>,
    seed: u64,
    tolerance: f64,
) -> (f64, Vec<f64>) {
    let y = run(params);
    let loss = Loss::new(y.len(), seed);
    let grad = gradient(params, &loss.adjoint(&y));
    assert_eq!(grad.len(), params.len(), "{name}: gradient length");
    let scale = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    let mut worst = 0.0f64;
    for k in 0..params.len() {
        let h = 1e-4 * params[k].abs().max(1.0);
        let fd = central(
            &mut |dp| {
                let mut p = params.to_vec();
                p[k] += dp;
                vec![loss.value(&run(&p))]
            },
            h,
        )[0];
        let err = (fd - grad[k]).abs() / grad[k].abs().max(1e-3 * scale);
        worst = worst.max(err);
        let group = groups
            .iter()
            .find(|g| g.1.contains(&k))
            .map_or("?", |g| g.0.as_str());
        assert!(
            err <= tolerance,
            "{name}: parameter {k} ({group}): backward {} vs fd {fd}, relative {err:e}",
            grad[k]
        );
    }
    eprintln!(
        "{name}: {} parameters, worst relative error {worst:e}",
        params.len()
    );
    (worst, grad)
}

/// What the shared contract checks need of a network kind: its passes over its own tape.
pub(crate) trait Kind {
    type Tape: Default;
    fn params(&self) -> usize;
    fn run(
        &self,
        params: &[f64],
        inputs: &[&[f64]],
        jets: &JetSet,
        tape: &mut Self::Tape,
    ) -> Result<(), String>;
    fn reverse(
        &self,
        params: &[f64],
        tape: &mut Self::Tape,
        adjoint: &[f64],
        grad: &mut [f64],
    ) -> Result<(), String>;
    fn outputs(tape: &Self::Tape) -> &[f64];
}

macro_rules! kind {
    ($net:ty, $tape:ty) => {
        impl Kind for $net {
            type Tape = $tape;
            fn params(&self) -> usize {
                self.num_params()
            }
            fn run(
                &self,
                params: &[f64],
                inputs: &[&[f64]],
                jets: &JetSet,
                tape: &mut Self::Tape,
            ) -> Result<(), String> {
                self.forward(params, inputs, jets, tape)
            }
            fn reverse(
                &self,
                params: &[f64],
                tape: &mut Self::Tape,
                adjoint: &[f64],
                grad: &mut [f64],
            ) -> Result<(), String> {
                self.backward(params, tape, adjoint, grad)
            }
            fn outputs(tape: &Self::Tape) -> &[f64] {
                tape.outputs()
            }
        }
    };
}

kind!(super::Network<f64>, super::Tape<f64>);
kind!(super::ModifiedMlp<f64>, super::ModifiedTape<f64>);
kind!(super::PirateNet<f64>, super::PirateTape<f64>);
kind!(super::ChebyshevKan<f64>, super::KanTape<f64>);

/// The calls every kind refuses, for a network `net` of two inputs: backward before any
/// forward, a missing or ragged column, short parameters, a jet on a third input, short
/// adjoint, gradient or parameters in backward, and a tape `other` (a differently shaped
/// network of the kind) did not fill. A good backward then still succeeds.
pub(crate) fn bad_calls_are_refused<N: Kind>(
    net: &N,
    params: &[f64],
    other: &N,
    other_params: &[f64],
) {
    let jets = JetSet::new(&[vec![0, 1]], 2).unwrap();
    let (a, b) = (vec![0.1; 4], vec![0.2; 3]);
    let mut tape = N::Tape::default();
    let mut grad = vec![0.0; net.params()];
    let refused = |result: Result<(), String>, what: &str| {
        let err = result.expect_err(what);
        assert!(!err.is_empty(), "{what}: an empty message");
    };
    refused(
        net.reverse(params, &mut tape, &[], &mut grad),
        "no forward yet",
    );
    refused(net.run(params, &[&a], &jets, &mut tape), "one column");
    refused(net.run(params, &[&a, &b], &jets, &mut tape), "ragged");
    refused(
        net.run(&params[1..], &[&a, &a], &jets, &mut tape),
        "short params",
    );
    let wide = JetSet::new(&[vec![2]], 3).unwrap();
    refused(net.run(params, &[&a, &a], &wide, &mut tape), "third input");
    net.run(params, &[&a, &a], &jets, &mut tape).unwrap();
    let adjoint = vec![0.0; N::outputs(&tape).len()];
    refused(
        net.reverse(params, &mut tape, &adjoint[1..], &mut grad),
        "short adjoint",
    );
    refused(
        net.reverse(params, &mut tape, &adjoint, &mut grad[1..]),
        "short grad",
    );
    refused(
        net.reverse(&params[1..], &mut tape, &adjoint, &mut grad),
        "short params in backward",
    );
    let mut other_grad = vec![0.0; other.params()];
    refused(
        other.reverse(other_params, &mut tape, &adjoint, &mut other_grad),
        "a tape another network filled",
    );
    net.reverse(params, &mut tape, &adjoint, &mut grad).unwrap();
}
