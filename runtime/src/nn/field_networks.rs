//! Several networks that together give every field of a model: each takes some of the
//! model's inputs and produces some of its outputs (field components), and the trainer sees
//! one network with all inputs and all outputs. A field `c(t)` beside `u(x, t)` then gets a
//! network of t alone, so nothing lets it vary with x.
//!
//! The combined outputs keep [`Network`]'s layout, ((jet · outputs) + output) · n + point,
//! over jets of the *combined* inputs. A member network sees only its own inputs, so a jet
//! that differentiates along an input it does not take is identically zero for its outputs;
//! the others are projected onto its inputs (its own [`JetSet`], built once per combined
//! set and kept in the tape), computed, and scattered back. Parameters are one flat vector,
//! the members' one after another.
//!
//! One member with every input and every output in order is today's single network: the
//! forward and reverse passes then go straight through, with no copy, so the plain path
//! costs what it did.
//!
//! A member may be *factorised* (random weight factorisation, Wang, Wang & Perdikaris 2022,
//! "Random weight factorization improves the training of continuous neural
//! representations"): each weight matrix is W = diag(exp(s)) V with a trainable log-scale
//! s per output neuron, so the optimizer moves the scale of each neuron's weights and their
//! direction separately. The member's parameters are then the network's with V in place of
//! W, followed by every layer's s; a pass materialises W in the tape and maps the gradient
//! back: ∂L/∂V = exp(s) ∂L/∂W, ∂L/∂s_i = Σ_j W_ij ∂L/∂W_ij.

use super::jets::JetSet;
use super::network::Network;
use super::tape::Tape;
use crate::scalar::Scalar;
use std::ops::Range;

/// One member: its network, which combined inputs it takes and which combined outputs it
/// gives (both in its own order), and where its parameters lie in the flat vector.
#[derive(Debug)]
struct Member<T: Scalar> {
    name: String,
    network: Network<T>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    params: Range<usize>,
    factorized: bool,
}

/// The networks of all fields, seen as one network.
#[derive(Debug)]
pub struct FieldNetworks<T: Scalar> {
    members: Vec<Member<T>>,
    inputs: usize,
    outputs: usize,
    num_params: usize,
    /// One member taking every input and giving every output in order.
    passthrough: bool,
}

/// A member network as the caller builds it: a name (for parameter groups), the network,
/// and its combined input and output indices in the network's own order.
pub struct MemberSpec<T: Scalar> {
    pub name: String,
    pub network: Network<T>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    /// Random weight factorisation: the member's parameters are those of [`factorize`].
    pub factorized: bool,
}

/// Turns a network's initial parameters into those of its factorised form: per weight row
/// i a log-scale s_i ~ N(mean, std²) drawn from `rng`, V_i = W_i / exp(s_i) in place of the
/// row, and every s appended after the network's parameters (layer by layer), so the
/// factorised network starts as the plain one. Wang, Wang & Perdikaris recommend mean 1,
/// std 0.1.
pub fn factorize<T: Scalar>(
    network: &Network<T>,
    params: &mut Vec<T>,
    mean: f64,
    std: f64,
    rng: &mut crate::rng::Rng,
) {
    let mut scales = Vec::new();
    for (weights, fan_in) in network.weight_matrices() {
        for row in params[weights].chunks_exact_mut(fan_in) {
            let s = mean + std * rng.normal();
            let inverse = T::from_f64_lossy((-s).exp());
            row.iter_mut().for_each(|w| *w *= inverse);
            scales.push(T::from_f64_lossy(s));
        }
    }
    params.extend(scales);
}

/// How many log-scales a factorised `network` has: one per weight row.
fn scale_count<T: Scalar>(network: &Network<T>) -> usize {
    network
        .weight_matrices()
        .iter()
        .map(|(w, fan_in)| w.len() / fan_in)
        .sum()
}

/// What one member's pass keeps: its own tape, its projected jets and, per combined jet,
/// the member's jet (None: identically zero for the member's outputs).
#[derive(Debug, Clone, Default)]
struct MemberTape<T> {
    tape: Tape<T>,
    jets: Option<JetSet>,
    projection: Vec<Option<usize>>,
    adjoint: Vec<T>,
    /// A factorised member's network parameters with W materialised, and their gradient.
    effective: Vec<T>,
    effective_grad: Vec<T>,
}

/// The record of a [`FieldNetworks::forward`] for its reverse pass.
#[derive(Debug, Clone, Default)]
pub struct FieldTape<T> {
    members: Vec<MemberTape<T>>,
    /// The combined jets the member projections were built for.
    combined: Option<JetSet>,
    points: usize,
    outputs: usize,
    /// Combined output jets (unused when the single member passes through).
    out: Vec<T>,
    passthrough: bool,
}

impl<T> FieldTape<T> {
    /// The number of points of the last forward pass.
    pub fn points(&self) -> usize {
        self.points
    }

    /// All output jets: index ((jet · outputs) + output) · n + point.
    pub fn outputs(&self) -> &[T] {
        if self.passthrough {
            self.members[0].tape.outputs()
        } else {
            &self.out
        }
    }

    /// One output's jet at every point.
    ///
    /// # Panics
    /// If `jet` or `output` is out of range for the last forward pass.
    pub fn output(&self, jet: usize, output: usize) -> &[T] {
        assert!(output < self.outputs, "output {output} of {}", self.outputs);
        let start = (jet * self.outputs + output) * self.points;
        &self.outputs()[start..start + self.points]
    }
}

impl<T: Scalar> FieldNetworks<T> {
    /// One network for every field: the network's inputs and outputs are the combined ones.
    pub fn single(network: Network<T>) -> FieldNetworks<T> {
        let (inputs, outputs) = (network.inputs(), network.outputs());
        FieldNetworks {
            num_params: network.num_params(),
            members: vec![Member {
                name: String::new(),
                inputs: (0..inputs).collect(),
                outputs: (0..outputs).collect(),
                params: 0..network.num_params(),
                network,
                factorized: false,
            }],
            inputs,
            outputs,
            passthrough: true,
        }
    }

    /// Members over `inputs` combined inputs giving `outputs` combined outputs: every
    /// output must come from exactly one member, and each member's index lists must match
    /// its network and stay in range.
    pub fn new(
        members: Vec<MemberSpec<T>>,
        inputs: usize,
        outputs: usize,
    ) -> Result<FieldNetworks<T>, String> {
        if members.is_empty() {
            return Err("no networks".into());
        }
        let mut owner: Vec<Option<&str>> = vec![None; outputs];
        for m in &members {
            if m.inputs.len() != m.network.inputs() || m.outputs.len() != m.network.outputs() {
                return Err(format!(
                    "network `{}` has {} inputs and {} outputs, but {} and {} are mapped",
                    m.name,
                    m.network.inputs(),
                    m.network.outputs(),
                    m.inputs.len(),
                    m.outputs.len()
                ));
            }
            if let Some(&i) = m.inputs.iter().find(|&&i| i >= inputs) {
                return Err(format!("network `{}` takes input {i} of {inputs}", m.name));
            }
            let mut seen = m.inputs.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != m.inputs.len() {
                return Err(format!("network `{}` takes an input twice", m.name));
            }
            for &o in &m.outputs {
                let slot = owner
                    .get_mut(o)
                    .ok_or_else(|| format!("network `{}` gives output {o} of {outputs}", m.name))?;
                if let Some(other) = slot.replace(&m.name) {
                    return Err(format!(
                        "output {o} comes from both `{other}` and `{}`",
                        m.name
                    ));
                }
            }
        }
        if let Some(o) = owner.iter().position(Option::is_none) {
            return Err(format!("output {o} comes from no network"));
        }
        let passthrough = members.len() == 1
            && members[0].inputs.iter().copied().eq(0..inputs)
            && members[0].outputs.iter().copied().eq(0..outputs);
        let mut next = 0;
        let members = members
            .into_iter()
            .map(|m| {
                let scales = if m.factorized {
                    scale_count(&m.network)
                } else {
                    0
                };
                let params = next..next + m.network.num_params() + scales;
                next = params.end;
                Member {
                    name: m.name,
                    network: m.network,
                    inputs: m.inputs,
                    outputs: m.outputs,
                    params,
                    factorized: m.factorized,
                }
            })
            .collect();
        Ok(FieldNetworks {
            members,
            inputs,
            outputs,
            num_params: next,
            passthrough,
        })
    }

    pub fn num_params(&self) -> usize {
        self.num_params
    }

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// How many member networks there are.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Never true: there is at least one member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Names and ranges of the parameter groups, in order, covering the whole vector; a
    /// member's groups are prefixed with its name when there are several.
    pub fn param_groups(&self) -> Vec<(String, Range<usize>)> {
        let mut groups = Vec::new();
        for m in &self.members {
            for (name, range) in m.network.param_groups() {
                let shifted = range.start + m.params.start..range.end + m.params.start;
                let name = if self.members.len() == 1 {
                    name
                } else {
                    format!("{}: {name}", m.name)
                };
                groups.push((name, shifted));
            }
            if m.factorized {
                let start = m.params.start + m.network.num_params();
                let name = if self.members.len() == 1 {
                    "weight log-scales".to_string()
                } else {
                    format!("{}: weight log-scales", m.name)
                };
                groups.push((name, start..m.params.end));
            }
        }
        groups
    }

    /// Evaluates the combined jets `jets` of every output at n points: `inputs[j]` is the
    /// column of combined input j. Fills `tape`, reusing its buffers when sizes match.
    pub fn forward(
        &self,
        params: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        tape: &mut FieldTape<T>,
    ) -> Result<(), String> {
        self.check_len(params, "params")?;
        if inputs.len() != self.inputs {
            return Err(format!(
                "{} input columns for networks of {} inputs",
                inputs.len(),
                self.inputs
            ));
        }
        let n = inputs.first().map_or(0, |c| c.len());
        tape.members
            .resize_with(self.members.len(), MemberTape::default);
        tape.points = n;
        tape.outputs = self.outputs;
        tape.passthrough = self.passthrough;
        if self.passthrough {
            return self.members[0].forward(params, inputs, jets, &mut tape.members[0], false);
        }
        if tape.combined.as_ref() != Some(jets) {
            for (m, t) in self.members.iter().zip(&mut tape.members) {
                let (own, projection) = project(jets, &m.inputs)?;
                t.jets = Some(own);
                t.projection = projection;
            }
            tape.combined = Some(jets.clone());
        }
        tape.out.clear();
        tape.out.resize(jets.len() * self.outputs * n, T::zero());
        for (m, t) in self.members.iter().zip(&mut tape.members) {
            let own_inputs: Vec<&[T]> = m.inputs.iter().map(|&i| inputs[i]).collect();
            m.forward(params, &own_inputs, jets, t, true)?;
            for (j, own) in t.projection.iter().enumerate() {
                let Some(own) = *own else { continue };
                for (k, &o) in m.outputs.iter().enumerate() {
                    let start = (j * self.outputs + o) * n;
                    tape.out[start..start + n].copy_from_slice(t.tape.output(own, k));
                }
            }
        }
        Ok(())
    }

    /// The reverse pass of the last [`FieldNetworks::forward`] on `tape` (same `params`):
    /// `adjoint` = ∂loss/∂(output jets) in the layout of [`FieldTape::outputs`]; ADDS
    /// ∂loss/∂params into `grad`.
    pub fn backward(
        &self,
        params: &[T],
        tape: &mut FieldTape<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        self.check_len(params, "params")?;
        self.check_len(grad, "grad")?;
        if tape.members.len() != self.members.len() || tape.passthrough != self.passthrough {
            return Err("the tape was not filled by these networks' forward pass".into());
        }
        if self.passthrough {
            return self.members[0].backward(params, &mut tape.members[0], adjoint, grad, false);
        }
        let n = tape.points;
        let combined = tape.combined.as_ref().map_or(0, JetSet::len);
        if adjoint.len() != combined * self.outputs * n {
            return Err(format!(
                "adjoint has {} values, the outputs have {}",
                adjoint.len(),
                combined * self.outputs * n
            ));
        }
        for (m, t) in self.members.iter().zip(&mut tape.members) {
            let own_jets = t.jets.as_ref().map_or(0, JetSet::len);
            let width = m.outputs.len();
            t.adjoint.clear();
            t.adjoint.resize(own_jets * width * n, T::zero());
            for (j, own) in t.projection.iter().enumerate() {
                let Some(own) = *own else { continue };
                for (k, &o) in m.outputs.iter().enumerate() {
                    let from = (j * self.outputs + o) * n;
                    let to = (own * width + k) * n;
                    t.adjoint[to..to + n].copy_from_slice(&adjoint[from..from + n]);
                }
            }
            m.backward(params, t, &[], grad, true)?;
        }
        Ok(())
    }

    fn check_len(&self, values: &[T], what: &str) -> Result<(), String> {
        if values.len() != self.num_params {
            return Err(format!(
                "{what} has {} values, the networks have {} parameters",
                values.len(),
                self.num_params
            ));
        }
        Ok(())
    }
}

impl<T: Scalar> Member<T> {
    /// The member's own pass on its own inputs: with `projected`, over the jets and into
    /// the tape the projection prepared, else over `jets` as they are.
    fn forward(
        &self,
        params: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        t: &mut MemberTape<T>,
        projected: bool,
    ) -> Result<(), String> {
        let own = &params[self.params.clone()];
        let jets = if projected {
            t.jets.as_ref().expect("projected before the pass")
        } else {
            jets
        };
        if !self.factorized {
            return self.network.forward(own, inputs, jets, &mut t.tape);
        }
        let plain = self.network.num_params();
        t.effective.clear();
        t.effective.extend_from_slice(&own[..plain]);
        let mut scales = own[plain..].iter();
        for (weights, fan_in) in self.network.weight_matrices() {
            for row in t.effective[weights].chunks_exact_mut(fan_in) {
                let scale = scales.next().expect("one log-scale per row").exp();
                row.iter_mut().for_each(|w| *w *= scale);
            }
        }
        self.network
            .forward(&t.effective, inputs, jets, &mut t.tape)
    }

    /// The reverse of [`Member::forward`], adding into the member's part of `grad`; with
    /// `projected` the adjoint is the one the caller gathered into `t.adjoint`.
    fn backward(
        &self,
        params: &[T],
        t: &mut MemberTape<T>,
        adjoint: &[T],
        grad: &mut [T],
        projected: bool,
    ) -> Result<(), String> {
        let own = &params[self.params.clone()];
        let grad = &mut grad[self.params.clone()];
        let adjoint = if projected { &t.adjoint[..] } else { adjoint };
        if !self.factorized {
            return self.network.backward(own, &mut t.tape, adjoint, grad);
        }
        let plain = self.network.num_params();
        t.effective_grad.clear();
        t.effective_grad.resize(plain, T::zero());
        self.network
            .backward(&t.effective, &mut t.tape, adjoint, &mut t.effective_grad)?;
        let (g_plain, g_scales) = grad.split_at_mut(plain);
        g_plain
            .iter_mut()
            .zip(&t.effective_grad)
            .for_each(|(g, &e)| *g += e);
        let mut g_scales = g_scales.iter_mut();
        let mut scales = own[plain..].iter();
        for (weights, fan_in) in self.network.weight_matrices() {
            let rows = t.effective[weights.clone()].chunks_exact(fan_in);
            let g_rows = t.effective_grad[weights.clone()].chunks_exact(fan_in);
            let g_v = g_plain[weights].chunks_exact_mut(fan_in);
            for ((w, g_w), g_v) in rows.zip(g_rows).zip(g_v) {
                let scale = scales.next().expect("one log-scale per row").exp();
                // g_plain already holds ∂L/∂W added in; ∂L/∂V = exp(s) ∂L/∂W.
                for (g_v, &g_w) in g_v.iter_mut().zip(g_w) {
                    *g_v += (scale - T::one()) * g_w;
                }
                let g_s: T = w.iter().zip(g_w).map(|(&w, &g)| w * g).sum();
                *g_scales.next().expect("one log-scale per row") += g_s;
            }
        }
        Ok(())
    }
}

/// The jets of `combined` that only differentiate along `inputs` (a member's combined input
/// indices), as a jet set over the member's own inputs, and for every combined jet its index
/// there (None when it differentiates along an input the member does not take).
fn project(combined: &JetSet, inputs: &[usize]) -> Result<(JetSet, Vec<Option<usize>>), String> {
    let own_index = |i: usize| inputs.iter().position(|&k| k == i);
    let own: Vec<Option<Vec<usize>>> = combined
        .jets()
        .iter()
        .map(|jet| jet.iter().map(|&i| own_index(i)).collect())
        .collect();
    let needed: Vec<Vec<usize>> = own.iter().flatten().cloned().collect();
    let set = JetSet::new(&needed, inputs.len())?;
    let projection = own
        .iter()
        .map(|jet| jet.as_ref().and_then(|j| set.index(j)))
        .collect();
    Ok((set, projection))
}

#[cfg(test)]
mod tests {
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
        };
        let act: Arc<dyn Activation<f64>> = Arc::new(Builtin::new(BuiltinKind::Tanh));
        Network::new(&spec, act, rng).unwrap()
    }

    /// u(x, t), v(x, t) from one network of [t, x] (inputs swapped), c(t) from one of t.
    fn split() -> (FieldNetworks<f64>, Vec<f64>) {
        let mut rng = Rng::new(7);
        let (flow, mut params) = network(2, 2, &mut rng);
        let (coefficient, mut p2) = network(1, 1, &mut rng);
        factorize(&coefficient, &mut p2, 1.0, 0.1, &mut rng);
        params.extend(p2);
        let members = vec![
            MemberSpec {
                name: "flow".into(),
                network: flow,
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

    fn outputs(
        nets: &FieldNetworks<f64>,
        params: &[f64],
        x: &[Vec<f64>],
        jets: &JetSet,
    ) -> Vec<f64> {
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
        let y = outputs(&nets, &params, &x, &jets);
        let mut rng = Rng::new(11);
        let weights: Vec<f64> = y.iter().map(|_| rng.range(-1.0, 1.0)).collect();
        let loss = |p: &[f64]| -> f64 {
            let y = outputs(&nets, p, &x, &jets);
            y.iter().zip(&weights).map(|(y, w)| 0.5 * w * y * y).sum()
        };
        let adjoint: Vec<f64> = y.iter().zip(&weights).map(|(y, w)| w * y).collect();
        let cols: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
        let mut tape = FieldTape::default();
        nets.forward(&params, &cols, &jets, &mut tape).unwrap();
        let mut grad = vec![0.0; nets.num_params()];
        nets.backward(&params, &mut tape, &adjoint, &mut grad)
            .unwrap();
        let scale = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        for k in 0..params.len() {
            let h = 1e-5;
            let mut p = params.clone();
            p[k] += h;
            let up = loss(&p);
            p[k] -= 2.0 * h;
            let fd = (up - loss(&p)) / (2.0 * h);
            let err = (fd - grad[k]).abs() / grad[k].abs().max(1e-3 * scale);
            assert!(err <= 1e-6, "parameter {k}: {} vs {fd}", grad[k]);
        }
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
        let single = FieldNetworks::single(same);
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
                network,
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
    }
}
