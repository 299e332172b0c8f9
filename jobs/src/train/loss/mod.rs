//! The training objective: loss and gradient over every term. Each term's points are split
//! into chunks that rayon's threads take whole: per chunk, the network pushes forward the
//! term's jets, the term's kernel computes residuals and sensitivities, and (once the loss
//! weights are known) the adjoints of the network outputs go back through the network.
//! A term whose weights are fixed (every term but a causally weighted PDE) knows them before
//! its forward pass, so its chunks run forward and backward in one task, while the tape is
//! still in cache and without waiting for the other chunks; a causal term's backward pass
//! waits for all forward passes. Either way every chunk does the same arithmetic and the
//! chunk gradients are summed with their rounding errors carried (`comm::CompensatedSum`),
//! so results depend neither on the thread count nor on the rank count. Buffers live
//! across steps.
//!
//! Distributed (a communicator of several ranks): every rank holds every point (draws are
//! the same on every rank, from the seed) and computes a contiguous share of the chunks
//! (`comm::share` over all terms' chunks in order). One sum over ranks gives every rank
//! every point's squared residual (each entry comes from the one rank that owns its point,
//! so it is exact and the losses are those of one process bit for bit); one gather of the
//! ranks' compensated gradient sums gives every rank the gradient one process computes. A
//! failure on one rank travels in those messages, so all ranks stop at the same evaluation
//! with the same error.
//!
//! It stays whole at about 900 lines on purpose: chunking, the forward pass, the weighing of
//! the terms (fixed, causal, attention, balance), the reverse pass and the reduction over
//! ranks are the steps of one evaluation over the same private chunk buffers (`Chunk`,
//! `Compiled`, `TermState`'s fields), which a split would have to make visible to sibling
//! files; `jacobian.rs` already holds the one part that stands alone.

mod jacobian;

use super::problem::{KernelParam, Source, Target, Term, TermKind};
use crate::progress::CancelToken;
use physc_compiler::check::settings::Causal;
use physc_compiler::codegen::cranelift::JitReal;
use physc_compiler::codegen::kernels::cached;
use physc_runtime::comm::{share, Communicator, CompensatedSum, StatusFlags};
use physc_runtime::nn::{FieldNetworks, FieldTape, JetSet};
use physc_runtime::{Kernel, Scalar};
use rayon::prelude::*;
use std::sync::Arc;

/// Most points per chunk: large enough for efficient matrix products (4 jets × 128 points
/// are 512 rows), small enough that a chunk's whole tape stays in a 1 MB L2 cache from its
/// forward pass to its backward pass (about 0.5 MB for a 20-wide network). Measured with
/// `bench/train`'s configurations on a 2-core Zen 4: 128 points per chunk took 0.93–0.97 ms
/// per small step against 1.00–1.04 at 512, and 23 ms per large step against 26–30.
const CHUNK: usize = 128;

/// How a term's n points are cut: an even number of nearly equal chunks of at most
/// [`CHUNK`] points (one chunk when n fits in one), so two threads share a term's chunks
/// evenly (2540 points: 20 chunks of 127, not 19 × 128 and one of 108, which leaves one
/// thread a whole chunk behind). It depends on n alone, never on the thread count.
fn chunk_bounds(n: usize) -> Vec<(usize, usize)> {
    let mut count = n.div_ceil(CHUNK);
    if count > 1 {
        count += count % 2;
    }
    (0..count)
        .map(|k| (k * n / count, (k + 1) * n / count))
        .filter(|(a, b)| b > a)
        .map(|(a, b)| (a, b - a))
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Column {
    Coordinate(usize),
    /// Column `jet * outputs + output` of the tape.
    Net(usize),
    Observed(usize),
}

#[derive(Debug, Clone, Copy)]
enum Adjoint {
    Net(usize),
    Param(usize),
}

struct Chunk<T: Scalar> {
    start: usize,
    len: usize,
    /// Whether this rank computes the chunk in [`Objective::evaluate`] (always, on one rank).
    owned: bool,
    tape: FieldTape<T>,
    kernel_out: Vec<Vec<T>>,
    adjoint: Vec<T>,
    grad: Vec<T>,
    param_grad: Vec<f64>,
}

/// What a term's chunks read and never write: jets, kernel, where its columns come from.
struct Compiled<T: Scalar> {
    jets: JetSet,
    /// Network outputs (field components).
    outputs: usize,
    columns: Vec<Column>,
    adjoints: Vec<(usize, usize, Adjoint)>,
    kernel: Arc<Kernel<T>>,
    n_residuals: usize,
}

/// Point coordinates (one column per network input) and observed values.
#[derive(Default)]
pub struct Points<T> {
    pub coords: Vec<Vec<T>>,
    pub observed: Vec<Vec<T>>,
}

impl<T: Scalar> Points<T> {
    pub fn from_f64(coords: Vec<Vec<f64>>, observed: Vec<Vec<f64>>) -> Points<T> {
        let cast = |cols: Vec<Vec<f64>>| -> Vec<Vec<T>> {
            cols.into_iter()
                .map(|c| c.into_iter().map(T::from_f64_lossy).collect())
                .collect()
        };
        Points {
            coords: cast(coords),
            observed: cast(observed),
        }
    }
}

/// One loss term with its compiled kernel, its points and its buffers.
pub struct TermState<T: Scalar> {
    pub term: Term,
    compiled: Compiled<T>,
    pub points: Points<T>,
    chunks: Vec<Chunk<T>>,
    /// Per point, ∂loss/∂(r²): the term weight over the point count, or the causal weight.
    coefficient: Vec<f64>,
    /// Squared residual per point (summed over the term's residuals) at the last
    /// evaluation, of every point on every rank.
    residual_squares: Vec<f64>,
    /// Weighted loss and mean squared residual at the last evaluation.
    pub loss: f64,
    pub mean_square: f64,
    /// Smallest causal weight at the last evaluation (1 without causal training).
    pub min_causal_weight: f64,
    /// Residual-based attention: one weight λ per point (an equation's term with
    /// `attention`), multiplying its residual; None for every other term.
    pub attention: Option<Vec<f64>>,
    /// The automatic factor λ on the term's weight (`weights auto: gradnorm`; 1 otherwise).
    pub balance: f64,
}

fn column_of(jets: &JetSet, outputs: usize, jet: &[usize], output: usize) -> Result<usize, String> {
    jets.index(jet)
        .map(|j| j * outputs + output)
        .ok_or_else(|| format!("jet {jet:?} missing from the jet set"))
}

impl<T: Scalar + JitReal> TermState<T> {
    pub fn new(term: Term, outputs: usize, inputs: usize) -> Result<Self, String> {
        let jets = JetSet::new(&term.jets(), inputs)?;
        let columns = term
            .sources
            .iter()
            .map(|s| {
                Ok(match s {
                    Source::Coordinate(i) => Column::Coordinate(*i),
                    Source::Net { jet, output } => {
                        Column::Net(column_of(&jets, outputs, jet, *output)?)
                    }
                    Source::Observed(k) => Column::Observed(*k),
                    // Boundary points of a shaped domain carry their normals where data
                    // points carry observations (`points::draw`).
                    Source::Normal(i) => Column::Observed(*i),
                })
            })
            .collect::<Result<_, String>>()?;
        let n_res = term.residuals.len();
        let adjoints = term
            .sensitivities
            .iter()
            .enumerate()
            .map(|(k, (res, target))| {
                let a = match target {
                    Target::Net { jet, output } => {
                        Adjoint::Net(column_of(&jets, outputs, jet, *output)?)
                    }
                    Target::Param(p) => Adjoint::Param(*p),
                };
                Ok((*res, n_res + k, a))
            })
            .collect::<Result<_, String>>()?;
        let kernel = cached::<T>(&term.plan).map_err(|e| format!("term `{}`: {e}", term.name))?;
        Ok(TermState {
            compiled: Compiled {
                jets,
                outputs,
                columns,
                adjoints,
                kernel,
                n_residuals: n_res,
            },
            term,
            points: Points::default(),
            chunks: Vec::new(),
            coefficient: Vec::new(),
            residual_squares: Vec::new(),
            loss: 0.0,
            mean_square: 0.0,
            min_causal_weight: 1.0,
            attention: None,
            balance: 1.0,
        })
    }

    pub fn points(&self) -> usize {
        self.points.coords.first().map_or(0, Vec::len)
    }

    /// Replace the points (and observations); buffers are resized on the next evaluation.
    pub fn set_points(&mut self, coords: Vec<Vec<f64>>, observed: Vec<Vec<f64>>) {
        self.points = Points::from_f64(coords, observed);
        self.points_changed();
    }

    /// Exchange this term's points with `other` (a held-out set and the training points
    /// take turns without being drawn again).
    pub fn swap_points(&mut self, other: &mut Points<T>) {
        std::mem::swap(&mut self.points, other);
        self.points_changed();
    }

    fn points_changed(&mut self) {
        let n = self.points();
        self.chunks = chunk_bounds(n)
            .into_iter()
            .map(|(start, len)| Chunk {
                start,
                len,
                owned: true,
                tape: FieldTape::default(),
                kernel_out: Vec::new(),
                adjoint: Vec::new(),
                // Sized by `Objective::prepare`, which knows the parameter counts.
                grad: Vec::new(),
                param_grad: Vec::new(),
            })
            .collect();
        self.coefficient = vec![0.0; n];
        self.residual_squares = vec![0.0; n];
        // New points start with weight 1: a weight belongs to its point.
        if let Some(weights) = &mut self.attention {
            *weights = vec![1.0; n];
        }
    }

    /// Weigh this term's points by residual-based attention, starting from 1.
    pub fn enable_attention(&mut self) {
        self.attention = Some(vec![1.0; self.points()]);
    }

    /// One update of the attention weights from the residuals of the last evaluation:
    /// λ ← (1 − 1/memory) λ + eta |r| / max |r| (no change when every residual is 0).
    pub fn update_attention(&mut self, eta: f64, memory: usize) {
        if self.attention.is_none() {
            return;
        }
        let magnitude: Vec<f64> = self.residual_squares.iter().map(|s| s.sqrt()).collect();
        let largest = magnitude.iter().copied().fold(0.0, f64::max);
        if !(largest > 0.0 && largest.is_finite()) {
            return;
        }
        let keep = 1.0 - 1.0 / memory as f64;
        if let Some(weights) = &mut self.attention {
            for (w, r) in weights.iter_mut().zip(&magnitude) {
                *w = keep * *w + eta * r / largest;
            }
        }
    }

    /// The term's weight in the loss: its fixed weight times the automatic factor.
    fn weight(&self) -> f64 {
        self.term.weight * self.balance
    }

    /// ∇L over the network's weights at the last evaluation, summed over ranks, L the
    /// term's loss with its fixed weight and the automatic factor.
    fn gradient(&self, n_net: usize, comm: &dyn Communicator) -> Vec<f64> {
        let mut sum = CompensatedSum::new(n_net);
        for c in self.chunks.iter().filter(|c| c.owned) {
            sum.add(c.grad.iter().map(|g| g.to_f64().unwrap_or(f64::NAN)));
        }
        sum.sum_over_ranks(comm, &mut [])
    }

    /// λ² per point (1 without attention): the factor of each point's squared residual.
    fn attention_factor(&self, i: usize) -> f64 {
        self.attention.as_ref().map_or(1.0, |w| w[i] * w[i])
    }

    /// Squared residual per point at the current points (for adaptive refinement).
    pub fn score(
        &mut self,
        net: &FieldNetworks<T>,
        params: &[T],
        model: &[f64],
    ) -> Result<Vec<f64>, String> {
        let kp = kernel_params::<T>(&self.term.params, model);
        let net_params = &params[..net.num_params()];
        let (compiled, points) = (&self.compiled, &self.points);
        self.chunks
            .par_iter_mut()
            .try_for_each(|c| forward_chunk(compiled, points, net, net_params, &kp, c))?;
        self.residual_squares = self.squares(false);
        Ok(self.residual_squares.clone())
    }

    /// Squared residual per point, summed over the term's residuals, from every chunk or
    /// (`owned_only`) from this rank's chunks, 0 at the other points.
    fn squares(&self, owned_only: bool) -> Vec<f64> {
        let n_res = self.compiled.n_residuals;
        let mut sq = vec![0.0; self.points()];
        for c in self.chunks.iter().filter(|c| c.owned || !owned_only) {
            for r in &c.kernel_out[..n_res] {
                for (i, v) in r.iter().enumerate() {
                    let v = v.to_f64().unwrap_or(f64::NAN);
                    sq[c.start + i] += v * v;
                }
            }
        }
        sq
    }

    /// Whether the term's weights depend on its residuals (causal training of a PDE term),
    /// so its backward pass must wait for every chunk's forward pass.
    fn is_causal(&self, causal: Option<(Causal, usize, (f64, f64))>) -> bool {
        causal.is_some() && self.term.kind == TermKind::Pde
    }

    /// ∂loss/∂(r²) per point of a term that is not causal: the weight over the point count
    /// (times λ² with attention).
    fn fixed_coefficient(&mut self) {
        let n = self.points().max(1) as f64;
        let c = self.weight() / n;
        match &self.attention {
            Some(weights) => {
                for (v, w) in self.coefficient.iter_mut().zip(weights) {
                    *v = c * w * w;
                }
            }
            None => self.coefficient.iter_mut().for_each(|v| *v = c),
        }
    }

    /// The weighted loss, and for a causal term ∂loss/∂(r²) per point (a term with fixed
    /// weights got them from [`TermState::fixed_coefficient`] before its forward pass).
    fn weigh(&mut self, causal: Option<(Causal, usize, (f64, f64))>) {
        let sq = &self.residual_squares;
        let n = sq.len().max(1) as f64;
        self.mean_square = sq.iter().sum::<f64>() / n;
        let w = self.weight();
        let causal = causal.filter(|_| self.is_causal(causal));
        let weighted = |i: usize, s: f64| self.attention_factor(i) * s;
        let Some((causal, time, (t0, t1))) = causal else {
            self.loss = match self.attention {
                Some(_) => {
                    w * sq
                        .iter()
                        .enumerate()
                        .map(|(i, &s)| weighted(i, s))
                        .sum::<f64>()
                        / n
                }
                None => w * self.mean_square,
            };
            self.min_causal_weight = 1.0;
            return;
        };
        let m = causal.chunks;
        let bin_of = |t: f64| {
            (((t - t0) / (t1 - t0)) * m as f64)
                .floor()
                .clamp(0.0, (m - 1) as f64) as usize
        };
        let bins: Vec<usize> = self.points.coords[time]
            .iter()
            .map(|t| bin_of(t.to_f64().unwrap_or(t0)))
            .collect();
        let (mut sums, mut counts) = (vec![0.0; m], vec![0usize; m]);
        for (i, (&b, &s)) in bins.iter().zip(sq).enumerate() {
            sums[b] += weighted(i, s);
            counts[b] += 1;
        }
        let means: Vec<f64> = sums
            .iter()
            .zip(&counts)
            .map(|(s, &c)| s / c.max(1) as f64)
            .collect();
        let mut earlier = 0.0;
        let weights: Vec<f64> = means
            .iter()
            .map(|l| {
                let weight = (-causal.eps * earlier).exp();
                earlier += l;
                weight
            })
            .collect();
        self.loss = w * weights.iter().zip(&means).map(|(a, b)| a * b).sum::<f64>() / m as f64;
        self.min_causal_weight = weights.iter().copied().fold(1.0, f64::min);
        let factors: Vec<f64> = (0..bins.len()).map(|i| self.attention_factor(i)).collect();
        for ((c, &b), f) in self.coefficient.iter_mut().zip(&bins).zip(factors) {
            *c = f * w * weights[b] / (m as f64 * counts[b].max(1) as f64);
        }
    }
}

/// Network forward pass and kernel on one chunk.
fn forward_chunk<T: Scalar>(
    compiled: &Compiled<T>,
    points: &Points<T>,
    net: &FieldNetworks<T>,
    net_params: &[T],
    kernel_params: &[T],
    c: &mut Chunk<T>,
) -> Result<(), String> {
    let range = c.start..c.start + c.len;
    let inputs: Vec<&[T]> = points
        .coords
        .iter()
        .map(|col| &col[range.clone()])
        .collect();
    net.forward(net_params, &inputs, &compiled.jets, &mut c.tape)?;
    let tape_out = c.tape.outputs();
    let cols: Vec<&[T]> = compiled
        .columns
        .iter()
        .map(|col| match *col {
            Column::Coordinate(i) => &points.coords[i][range.clone()],
            Column::Net(k) => &tape_out[k * c.len..(k + 1) * c.len],
            Column::Observed(k) => &points.observed[k][range.clone()],
        })
        .collect();
    let outputs_len = compiled.kernel.outputs.len();
    if c.kernel_out.len() != outputs_len || c.kernel_out.first().map_or(0, Vec::len) != c.len {
        c.kernel_out = vec![vec![T::zero(); c.len]; outputs_len];
    }
    let mut outs: Vec<&mut [T]> = c.kernel_out.iter_mut().map(Vec::as_mut_slice).collect();
    compiled
        .kernel
        .run(&cols, &mut outs, kernel_params)
        .map_err(|e| e.to_string())
}

/// Adjoints of the network outputs and the reverse pass on one chunk.
fn backward_chunk<T: Scalar>(
    compiled: &Compiled<T>,
    coefficient: &[f64],
    net: &FieldNetworks<T>,
    net_params: &[T],
    c: &mut Chunk<T>,
) -> Result<(), String> {
    let tape_columns = compiled.jets.len() * compiled.outputs;
    c.adjoint.clear();
    c.adjoint.resize(tape_columns * c.len, T::zero());
    c.param_grad.iter_mut().for_each(|g| *g = 0.0);
    for &(res, out, target) in &compiled.adjoints {
        let (r, s) = (&c.kernel_out[res], &c.kernel_out[out]);
        let coefficient = &coefficient[c.start..c.start + c.len];
        match target {
            Adjoint::Net(k) => {
                let a = &mut c.adjoint[k * c.len..(k + 1) * c.len];
                for (((a, &r), &s), &w) in a.iter_mut().zip(r).zip(s).zip(coefficient) {
                    *a += T::from_f64_lossy(2.0 * w) * r * s;
                }
            }
            Adjoint::Param(p) => {
                let g: f64 = r
                    .iter()
                    .zip(s)
                    .zip(coefficient)
                    .map(|((&r, &s), &w)| 2.0 * w * (r * s).to_f64().unwrap_or(f64::NAN))
                    .sum();
                c.param_grad[p] += g;
            }
        }
    }
    c.grad.iter_mut().for_each(|g| *g = T::zero());
    net.backward(net_params, &mut c.tape, &c.adjoint, &mut c.grad)
}

/// Give every term the squared residuals of all its points: this rank's, summed with the
/// other ranks' (a no-op on one rank). Returns the flags as every rank sees them.
fn gather_squares<T: Scalar + JitReal>(
    terms: &mut [TermState<T>],
    comm: &dyn Communicator,
    status: StatusFlags,
) -> StatusFlags {
    if comm.size() == 1 {
        for t in terms.iter_mut() {
            t.residual_squares = t.squares(true);
        }
        return status;
    }
    let mut buffer = Vec::new();
    for t in terms.iter() {
        buffer.extend(t.squares(true));
    }
    status.push(&mut buffer);
    comm.all_reduce_sum(&mut buffer);
    let status = StatusFlags::read(&buffer);
    let mut at = 0;
    for t in terms.iter_mut() {
        let n = t.points();
        t.residual_squares.clear();
        t.residual_squares.extend_from_slice(&buffer[at..at + n]);
        at += n;
    }
    status
}

/// The error every rank returns when a rank was cancelled or failed (`failure` holds this
/// rank's own failure, if any).
fn stop_on(status: StatusFlags, failure: &mut Option<String>) -> Result<(), LossError> {
    if status.cancelled {
        return Err(LossError::Interrupted);
    }
    if status.failed {
        let why = failure
            .take()
            .unwrap_or_else(|| "a computation failed on another rank".to_string());
        return Err(LossError::Internal(why));
    }
    Ok(())
}

/// Each term's loss and per-point coefficients from its forward pass; a term whose loss is
/// not finite stops the evaluation.
fn weigh_terms<T: Scalar + JitReal>(
    terms: &mut [TermState<T>],
    causal: Option<(Causal, usize, (f64, f64))>,
) -> Result<(), LossError> {
    for term in terms {
        term.weigh(causal);
        if !term.loss.is_finite() {
            return Err(LossError::NonFinite {
                term: term.term.name.clone(),
            });
        }
    }
    Ok(())
}

/// Kernel parameters: constants, and learnable parameters at their values.
pub fn kernel_params<T: Scalar>(params: &[KernelParam], model: &[f64]) -> Vec<T> {
    params
        .iter()
        .map(|p| match p {
            KernelParam::Constant(v) => T::from_f64_lossy(*v),
            KernelParam::Learnable(k) => T::from_f64_lossy(model[*k]),
        })
        .collect()
}

/// Why an evaluation failed.
#[derive(Debug, Clone)]
pub enum LossError {
    /// A loss term became NaN or infinite.
    NonFinite {
        term: String,
    },
    Interrupted,
    Internal(String),
}

/// A learnable model parameter as the optimizer sees it: θ = value / scale, the scale being
/// the size of the initial guess. Adam's steps are about `lr` in θ whatever the gradient,
/// so without the scale a parameter of size 0.003 would move by 0.001 per step; with it,
/// steps are relative to the parameter. Bounds apply to the value.
#[derive(Debug, Clone, Copy)]
pub struct Learnable {
    pub scale: f64,
    pub bounds: Option<(f64, f64)>,
}

impl Learnable {
    pub fn new(guess: f64, bounds: Option<(f64, f64)>) -> Learnable {
        let scale = if guess != 0.0 && guess.is_finite() {
            guess.abs()
        } else {
            1.0
        };
        Learnable { scale, bounds }
    }

    pub fn value(&self, theta: f64) -> f64 {
        let v = theta * self.scale;
        self.bounds.map_or(v, |(lo, hi)| v.clamp(lo, hi))
    }

    pub fn theta(&self, value: f64) -> f64 {
        value / self.scale
    }
}

/// The whole objective: network, terms, learnable parameters.
pub struct Objective<T: Scalar> {
    pub net: FieldNetworks<T>,
    pub terms: Vec<TermState<T>>,
    /// The model's learnable parameters (stored after the network's weights, as θ).
    pub learnable: Vec<Learnable>,
    pub causal: Option<(Causal, usize, (f64, f64))>,
    pub evaluations: usize,
    /// The caller's token: once cancelled, training evaluations stop with `Interrupted`.
    pub cancel: CancelToken,
    /// The ranks that share the points (one process unless the run is distributed).
    pub comm: Arc<dyn Communicator>,
    /// Seconds spent in the evaluations' messages between ranks (0 on one rank).
    pub communication_seconds: f64,
}

impl<T: Scalar + JitReal> Objective<T> {
    pub fn net_len(&self) -> usize {
        self.net.num_params()
    }

    /// Size the per-chunk gradient buffers (after points were set).
    fn prepare(&mut self) {
        let (n_net, n_model) = (self.net.num_params(), self.learnable.len());
        for term in &mut self.terms {
            for c in &mut term.chunks {
                if c.grad.len() != n_net {
                    c.grad = vec![T::zero(); n_net];
                }
                if c.param_grad.len() != n_model {
                    c.param_grad = vec![0.0; n_model];
                }
            }
        }
    }

    /// The model parameters as the kernels see them: scaled, and clamped into their bounds.
    pub fn model_params(&self, params: &[T]) -> Vec<f64> {
        params[self.net_len()..]
            .iter()
            .zip(&self.learnable)
            .map(|(p, l)| l.value(p.to_f64().unwrap_or(f64::NAN)))
            .collect()
    }

    /// Loss and gradient, or `Interrupted` once the run was cancelled (on any rank).
    pub fn loss_and_gradient(&mut self, params: &[T], grad: &mut [T]) -> Result<f64, LossError> {
        let cancelled = self.cancel.is_cancelled();
        if cancelled && self.comm.size() == 1 {
            return Err(LossError::Interrupted);
        }
        self.evaluate_or_stop(params, grad, cancelled)
    }

    /// Loss and gradient, cancelled or not (the evaluation for the results).
    pub fn evaluate(&mut self, params: &[T], grad: &mut [T]) -> Result<f64, LossError> {
        self.evaluate_or_stop(params, grad, false)
    }

    /// The seconds since `sent` when there are other ranks to talk to (no clock read else).
    fn comm_time(&self, sent: std::time::Instant) -> f64 {
        if self.comm.size() > 1 {
            sent.elapsed().as_secs_f64()
        } else {
            0.0
        }
    }

    /// Mark the chunks this rank computes: its share of all terms' chunks in order.
    fn assign_chunks(&mut self) {
        let total: usize = self.terms.iter().map(|t| t.chunks.len()).sum();
        let mine = share(total, self.comm.rank(), self.comm.size());
        let chunks = self.terms.iter_mut().flat_map(|t| t.chunks.iter_mut());
        for (k, c) in chunks.enumerate() {
            c.owned = mine.contains(&k);
        }
    }

    fn evaluate_or_stop(
        &mut self,
        params: &[T],
        grad: &mut [T],
        cancelled: bool,
    ) -> Result<f64, LossError> {
        self.prepare();
        self.assign_chunks();
        self.evaluations += 1;
        let n_net = self.net_len();
        let model = self.model_params(params);
        let (net_params, _) = params.split_at(n_net);
        let causal = self.causal;
        let kernel_params: Vec<Vec<T>> = self
            .terms
            .iter()
            .map(|t| kernel_params::<T>(&t.term.params, &model))
            .collect();
        let net = &self.net;
        for term in &mut self.terms {
            if !term.is_causal(causal) {
                term.fixed_coefficient();
            }
        }
        // Every chunk of every term is one task, so small terms (boundaries, initial
        // conditions) run beside the interior instead of after it. Terms with fixed weights
        // go backward in the same task.
        let tasks: Vec<_> = self
            .terms
            .iter_mut()
            .zip(&kernel_params)
            .flat_map(|(t, kp)| {
                let fused = !t.is_causal(causal);
                let TermState {
                    compiled,
                    points,
                    chunks,
                    coefficient,
                    ..
                } = t;
                let (compiled, points, coefficient) = (&*compiled, &*points, &*coefficient);
                chunks.iter_mut().filter(|c| c.owned).map(move |c| {
                    let backward = fused.then_some(coefficient.as_slice());
                    (compiled, points, kp.as_slice(), backward, c)
                })
            })
            .collect();
        // A failure is carried to the other ranks before it is returned, so that every rank
        // leaves at the same collective.
        let mut failure = tasks
            .into_par_iter()
            .try_for_each(|(compiled, points, kp, backward, c)| {
                forward_chunk(compiled, points, net, net_params, kp, c)?;
                match backward {
                    Some(coefficient) => backward_chunk(compiled, coefficient, net, net_params, c),
                    None => Ok(()),
                }
            })
            .err();
        let status = StatusFlags {
            cancelled,
            failed: failure.is_some(),
        };
        let sent = std::time::Instant::now();
        let status = gather_squares(&mut self.terms, self.comm.as_ref(), status);
        self.communication_seconds += self.comm_time(sent);
        stop_on(status, &mut failure)?;
        weigh_terms(&mut self.terms, causal)?;
        let tasks: Vec<_> = self
            .terms
            .iter_mut()
            .filter(|t| t.is_causal(causal))
            .flat_map(|t| {
                let TermState {
                    compiled,
                    coefficient,
                    chunks,
                    ..
                } = t;
                let (compiled, coefficient) = (&*compiled, coefficient.as_slice());
                chunks
                    .iter_mut()
                    .filter(|c| c.owned)
                    .map(move |c| (compiled, coefficient, c))
            })
            .collect();
        if !tasks.is_empty() {
            failure = tasks
                .into_par_iter()
                .try_for_each(|(compiled, coefficient, c)| {
                    backward_chunk(compiled, coefficient, net, net_params, c)
                })
                .err();
        }
        // A finite loss can still have a NaN gradient (sqrt or abs at 0): caught here,
        // before it reaches the optimizer's state.
        let mut sum = CompensatedSum::new(n_net + model.len());
        let mut flags = Vec::with_capacity(self.terms.len() + StatusFlags::LEN);
        for t in &self.terms {
            let mut finite = true;
            for c in t.chunks.iter().filter(|c| c.owned) {
                if c.grad.iter().all(|g| g.is_finite())
                    && c.param_grad.iter().all(|g| g.is_finite())
                {
                    let net_grad = c.grad.iter().map(|g| g.to_f64().unwrap_or(f64::NAN));
                    sum.add(net_grad.chain(c.param_grad.iter().copied()));
                } else {
                    finite = false;
                }
            }
            flags.push(if finite { 0.0 } else { 1.0 });
        }
        StatusFlags {
            cancelled: false,
            failed: failure.is_some(),
        }
        .push(&mut flags);
        let sent = std::time::Instant::now();
        let total = sum.sum_over_ranks(self.comm.as_ref(), &mut flags);
        self.communication_seconds += self.comm_time(sent);
        stop_on(StatusFlags::read(&flags), &mut failure)?;
        if let Some(k) = flags[..self.terms.len()].iter().position(|&f| f != 0.0) {
            return Err(LossError::NonFinite {
                term: format!("{} (its gradient)", self.terms[k].term.name),
            });
        }
        let (net_total, model_grad) = total.split_at(n_net);
        for (g, v) in grad[..n_net].iter_mut().zip(net_total) {
            *g = T::from_f64_lossy(*v);
        }
        let thetas = params[n_net..]
            .iter()
            .map(|p| p.to_f64().unwrap_or(f64::NAN));
        for (((g, mg), l), theta) in grad[n_net..]
            .iter_mut()
            .zip(model_grad)
            .zip(&self.learnable)
            .zip(thetas)
        {
            // Where the bound holds the value, the loss does not depend on θ.
            let held = l.value(theta) != theta * l.scale;
            *g = T::from_f64_lossy(if held { 0.0 } else { *mg * l.scale });
        }
        Ok(self.terms.iter().map(|t| t.loss).sum())
    }

    /// One gradient-norm balancing update from the gradients of the last evaluation: with
    /// gᵢ = ‖∇Lᵢ‖, λᵢ ← 0.9 λᵢ + 0.1 Σⱼgⱼ / gᵢ (`check::settings::Balance`). A term whose
    /// gradient vanishes or is not finite keeps its factor, and so does every term when the
    /// sum is not finite. Returns whether the factors changed (the loss of the last
    /// evaluation is then stale).
    pub fn balance_terms(&mut self) -> bool {
        // ‖∇Lᵢ‖ with Lᵢ the term's loss without its automatic factor (the chunks' gradients
        // carry the factor, so it is divided out), the gradients summed over ranks.
        let n_net = self.net_len();
        let norms: Vec<f64> = self
            .terms
            .iter()
            .map(|t| {
                let g = t.gradient(n_net, self.comm.as_ref());
                g.iter().map(|g| g * g).sum::<f64>().sqrt() / t.balance
            })
            .collect();
        self.rebalance(&norms)
    }

    /// One NTK balancing update at `params`: as [`Objective::balance_terms`] with each
    /// term's mean kernel trace ([`Objective::kernel_traces`]) in place of its gradient norm.
    pub fn balance_by_kernel_traces(&mut self, params: &[T]) -> Result<bool, LossError> {
        let traces = self.kernel_traces(params)?;
        Ok(self.rebalance(&traces))
    }

    /// λᵢ ← 0.9 λᵢ + 0.1 Σⱼsⱼ / sᵢ for the terms' sizes s, skipping terms whose size is 0
    /// or not finite (and every term when the sum is not finite).
    fn rebalance(&mut self, sizes: &[f64]) -> bool {
        let total: f64 = sizes.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            return false;
        }
        let mut changed = false;
        for (term, &g) in self.terms.iter_mut().zip(sizes) {
            if g.is_finite() && g > 0.0 {
                term.balance = BALANCE_KEEP * term.balance + (1.0 - BALANCE_KEEP) * total / g;
                changed = true;
            }
        }
        changed
    }
}

/// The share of the old factor kept at each balancing update (0.9, as in Wang, Wang &
/// Perdikaris 2023).
const BALANCE_KEEP: f64 = 0.9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_an_even_number_of_nearly_equal_runs_covering_the_points() {
        assert!(chunk_bounds(0).is_empty());
        assert_eq!(chunk_bounds(1), vec![(0, 1)]);
        assert_eq!(chunk_bounds(CHUNK), vec![(0, CHUNK)]);
        assert_eq!(chunk_bounds(CHUNK + 1).len(), 2);
        for n in [2540, 8192, 1500, 3 * CHUNK + 7] {
            let chunks = chunk_bounds(n);
            assert_eq!(chunks.len() % 2, 0, "{n}");
            let sizes: Vec<usize> = chunks.iter().map(|c| c.1).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1 && *hi <= CHUNK, "{n}: {sizes:?}");
            let mut next = 0;
            for (start, len) in chunks {
                assert_eq!(start, next);
                next = start + len;
            }
            assert_eq!(next, n);
        }
        assert_eq!(
            chunk_bounds(2540),
            (0..20).map(|k| (k * 127, 127)).collect::<Vec<_>>()
        );
        assert_eq!(
            chunk_bounds(8192),
            (0..64).map(|k| (k * 128, 128)).collect::<Vec<_>>()
        );
    }
}
