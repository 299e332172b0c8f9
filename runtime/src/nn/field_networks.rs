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

use super::decomposed::{Decomposed, DecomposedTape};
use super::jets::JetSet;
use super::kan::{ChebyshevKan, KanTape};
use super::modified::{ModifiedMlp, ModifiedTape};
use super::network::{self, Network};
use super::pirate::{PirateNet, PirateTape};
use super::tape::Tape;
use crate::scalar::Scalar;
use std::ops::Range;

/// What a member is: a fully connected network, a finite-basis one (a network per
/// subdomain, blended by a partition of unity), a modified MLP (encoders gating every hidden
/// layer), a Chebyshev Kolmogorov–Arnold network or a PirateNet (gated residual blocks).
#[derive(Debug)]
pub enum MemberNetwork<T: Scalar> {
    Dense(Network<T>),
    Decomposed(Decomposed<T>),
    Modified(ModifiedMlp<T>),
    Kan(ChebyshevKan<T>),
    Pirate(PirateNet<T>),
}

impl<T: Scalar> From<Network<T>> for MemberNetwork<T> {
    fn from(network: Network<T>) -> Self {
        MemberNetwork::Dense(network)
    }
}

impl<T: Scalar> From<Decomposed<T>> for MemberNetwork<T> {
    fn from(network: Decomposed<T>) -> Self {
        MemberNetwork::Decomposed(network)
    }
}

impl<T: Scalar> From<ModifiedMlp<T>> for MemberNetwork<T> {
    fn from(network: ModifiedMlp<T>) -> Self {
        MemberNetwork::Modified(network)
    }
}

impl<T: Scalar> From<ChebyshevKan<T>> for MemberNetwork<T> {
    fn from(network: ChebyshevKan<T>) -> Self {
        MemberNetwork::Kan(network)
    }
}

impl<T: Scalar> From<PirateNet<T>> for MemberNetwork<T> {
    fn from(network: PirateNet<T>) -> Self {
        MemberNetwork::Pirate(network)
    }
}

/// `record` as the tape of kind `$kind`, a fresh one if it held another kind's.
macro_rules! record_as {
    ($record:expr, $kind:ident) => {{
        if !matches!($record, Record::$kind(_)) {
            *$record = Record::$kind(Default::default());
        }
        match $record {
            Record::$kind(tape) => tape,
            _ => unreachable!("just made this kind"),
        }
    }};
}

/// The same call on whichever network a member holds.
macro_rules! each_kind {
    ($member:expr, $n:ident => $call:expr) => {
        match $member {
            MemberNetwork::Dense($n) => $call,
            MemberNetwork::Decomposed($n) => $call,
            MemberNetwork::Modified($n) => $call,
            MemberNetwork::Kan($n) => $call,
            MemberNetwork::Pirate($n) => $call,
        }
    };
}

impl<T: Scalar> MemberNetwork<T> {
    pub fn inputs(&self) -> usize {
        each_kind!(self, n => n.inputs())
    }

    pub fn outputs(&self) -> usize {
        each_kind!(self, n => n.outputs())
    }

    pub fn num_params(&self) -> usize {
        each_kind!(self, n => n.num_params())
    }

    fn param_groups(&self) -> Vec<(String, Range<usize>)> {
        each_kind!(self, n => n.param_groups())
    }

    /// The forward pass into `record`, which becomes this kind's tape if it was another's.
    fn forward(
        &self,
        params: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        record: &mut Record<T>,
    ) -> Result<(), String> {
        match self {
            MemberNetwork::Dense(n) => n.forward(params, inputs, jets, record_as!(record, Dense)),
            MemberNetwork::Decomposed(n) => {
                n.forward(params, inputs, jets, record_as!(record, Decomposed))
            }
            MemberNetwork::Modified(n) => {
                n.forward(params, inputs, jets, record_as!(record, Modified))
            }
            MemberNetwork::Kan(n) => n.forward(params, inputs, jets, record_as!(record, Kan)),
            MemberNetwork::Pirate(n) => n.forward(params, inputs, jets, record_as!(record, Pirate)),
        }
    }

    fn backward(
        &self,
        params: &[T],
        record: &mut Record<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        match (self, record) {
            (MemberNetwork::Dense(n), Record::Dense(t)) => n.backward(params, t, adjoint, grad),
            (MemberNetwork::Decomposed(n), Record::Decomposed(t)) => {
                n.backward(params, t, adjoint, grad)
            }
            (MemberNetwork::Modified(n), Record::Modified(t)) => {
                n.backward(params, t, adjoint, grad)
            }
            (MemberNetwork::Kan(n), Record::Kan(t)) => n.backward(params, t, adjoint, grad),
            (MemberNetwork::Pirate(n), Record::Pirate(t)) => n.backward(params, t, adjoint, grad),
            _ => Err("backward pass without this network's forward pass".to_string()),
        }
    }

    /// Where each weight matrix lies in the parameters, with its fan_in, for the kinds that
    /// can be factorised (their matrices multiply activations: dense, modified MLP,
    /// PirateNet); None for the others.
    pub fn weight_matrices(&self) -> Option<Vec<(Range<usize>, usize)>> {
        match self {
            MemberNetwork::Dense(n) => Some(n.weight_matrices()),
            MemberNetwork::Modified(n) => Some(n.weight_matrices()),
            MemberNetwork::Pirate(n) => Some(n.weight_matrices()),
            MemberNetwork::Decomposed(_) | MemberNetwork::Kan(_) => None,
        }
    }
}

/// A member's forward record: the tape of its network's kind.
#[derive(Debug, Clone)]
enum Record<T> {
    Dense(Tape<T>),
    Decomposed(DecomposedTape<T>),
    Modified(ModifiedTape<T>),
    Kan(KanTape<T>),
    Pirate(PirateTape<T>),
}

impl<T: Default> Default for Record<T> {
    fn default() -> Self {
        Record::Dense(Tape::default())
    }
}

impl<T> Record<T> {
    fn outputs(&self) -> &[T] {
        match self {
            Record::Dense(t) => t.outputs(),
            Record::Decomposed(t) => t.outputs(),
            Record::Modified(t) => t.outputs(),
            Record::Kan(t) => t.outputs(),
            Record::Pirate(t) => t.outputs(),
        }
    }

    fn output(&self, jet: usize, output: usize) -> &[T] {
        match self {
            Record::Dense(t) => t.output(jet, output),
            Record::Decomposed(t) => t.output(jet, output),
            Record::Modified(t) => t.output(jet, output),
            Record::Kan(t) => t.output(jet, output),
            Record::Pirate(t) => t.output(jet, output),
        }
    }
}

/// One member: its network, which combined inputs it takes and which combined outputs it
/// gives (both in its own order), and where its parameters lie in the flat vector.
#[derive(Debug)]
struct Member<T: Scalar> {
    name: String,
    network: MemberNetwork<T>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    params: Range<usize>,
    /// A factorised member's weight matrices (range, fan_in), found once here rather than
    /// on every pass; None when it is not factorised.
    factors: Option<Vec<(Range<usize>, usize)>>,
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
    pub network: MemberNetwork<T>,
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
    network: &MemberNetwork<T>,
    params: &mut Vec<T>,
    mean: f64,
    std: f64,
    rng: &mut crate::rng::Rng,
) -> Result<(), String> {
    let matrices = network
        .weight_matrices()
        .ok_or("only a dense network, a modified MLP or a PirateNet can be factorised")?;
    let mut scales = Vec::new();
    for (weights, fan_in) in matrices {
        for row in params[weights].chunks_exact_mut(fan_in) {
            let s = mean + std * rng.normal();
            let inverse = T::from_f64_lossy((-s).exp());
            row.iter_mut().for_each(|w| *w *= inverse);
            scales.push(T::from_f64_lossy(s));
        }
    }
    params.extend(scales);
    Ok(())
}

/// How many log-scales a factorised network with these weight matrices has: one per row.
fn scale_count(matrices: &[(Range<usize>, usize)]) -> usize {
    matrices.iter().map(|(w, fan_in)| w.len() / fan_in).sum()
}

/// What one member's pass keeps: its own tape, its projected jets and, per combined jet,
/// the member's jet (None: identically zero for the member's outputs).
#[derive(Debug, Clone, Default)]
struct MemberTape<T> {
    record: Record<T>,
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

impl<T> MemberTape<T> {
    fn outputs(&self) -> &[T] {
        self.record.outputs()
    }

    fn output(&self, jet: usize, output: usize) -> &[T] {
        self.record.output(jet, output)
    }
}

impl<T> FieldTape<T> {
    /// The number of points of the last forward pass.
    pub fn points(&self) -> usize {
        self.points
    }

    /// All output jets: index ((jet · outputs) + output) · n + point.
    pub fn outputs(&self) -> &[T] {
        if self.passthrough {
            self.members[0].outputs()
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
    pub fn single(network: MemberNetwork<T>) -> FieldNetworks<T> {
        let (inputs, outputs) = (network.inputs(), network.outputs());
        FieldNetworks {
            num_params: network.num_params(),
            members: vec![Member {
                name: String::new(),
                inputs: (0..inputs).collect(),
                outputs: (0..outputs).collect(),
                params: 0..network.num_params(),
                network,
                factors: None,
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
            if m.factorized && m.network.weight_matrices().is_none() {
                return Err(format!(
                    "network `{}`: only a dense network, a modified MLP or a PirateNet can be factorised",
                    m.name
                ));
            }
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
                let factors = m.factorized.then(|| m.network.weight_matrices()).flatten();
                let scales = factors.as_deref().map_or(0, scale_count);
                let params = next..next + m.network.num_params() + scales;
                next = params.end;
                Member {
                    name: m.name,
                    network: m.network,
                    inputs: m.inputs,
                    outputs: m.outputs,
                    params,
                    factors,
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
            if m.factors.is_some() {
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
        let n = network::check_columns(inputs, self.inputs)?;
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
                    tape.out[start..start + n].copy_from_slice(t.output(own, k));
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
        network::check_param_count(values, self.num_params, what)
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
        if projected {
            // The projected jets leave the tape for the pass, which borrows the tape whole.
            let own_jets = t.jets.take().expect("projected before the pass");
            let result = self.forward_own(own, inputs, &own_jets, t);
            t.jets = Some(own_jets);
            return result;
        }
        self.forward_own(own, inputs, jets, t)
    }

    fn forward_own(
        &self,
        own: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        t: &mut MemberTape<T>,
    ) -> Result<(), String> {
        let Some(matrices) = &self.factors else {
            return self.network.forward(own, inputs, jets, &mut t.record);
        };
        let plain = self.network.num_params();
        t.effective.clear();
        t.effective.extend_from_slice(&own[..plain]);
        let mut scales = own[plain..].iter();
        for (weights, fan_in) in matrices.iter().cloned() {
            for row in t.effective[weights].chunks_exact_mut(fan_in) {
                let scale = scales.next().expect("one log-scale per row").exp();
                row.iter_mut().for_each(|w| *w *= scale);
            }
        }
        self.network
            .forward(&t.effective, inputs, jets, &mut t.record)
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
        // The gathered adjoint leaves the tape for the pass, which borrows the tape whole.
        let gathered = if projected {
            std::mem::take(&mut t.adjoint)
        } else {
            Vec::new()
        };
        let adjoint = if projected { &gathered[..] } else { adjoint };
        let result = self.backward_own(own, t, adjoint, grad);
        if projected {
            t.adjoint = gathered;
        }
        result
    }

    fn backward_own(
        &self,
        own: &[T],
        t: &mut MemberTape<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        let Some(matrices) = &self.factors else {
            return self.network.backward(own, &mut t.record, adjoint, grad);
        };
        let plain = self.network.num_params();
        t.effective_grad.clear();
        t.effective_grad.resize(plain, T::zero());
        self.network
            .backward(&t.effective, &mut t.record, adjoint, &mut t.effective_grad)?;
        let (g_plain, g_scales) = grad.split_at_mut(plain);
        g_plain
            .iter_mut()
            .zip(&t.effective_grad)
            .for_each(|(g, &e)| *g += e);
        let mut g_scales = g_scales.iter_mut();
        let mut scales = own[plain..].iter();
        for (weights, fan_in) in matrices.iter().cloned() {
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
#[path = "field_networks_tests.rs"]
mod tests;
