//! Fully connected networks evaluated with Taylor-mode jets, and their hand-written reverse
//! pass: the part of training that runs once per chunk of points.
//!
//! Layout (what makes it fast): the jets of one layer's activations are one row-major
//! matrix of (jets · n) rows (jet-major blocks of n rows) by width columns, so every
//! layer's pre-activation jets are one GEMM with the weights, its weight gradient is one
//! GEMM over all jet blocks, and σ's jets are contiguous Faà di Bruno loops. Nothing
//! allocates once a [`Tape`] has been sized, and nothing here spawns threads: the trainer
//! runs one forward/backward per chunk on each thread and sums the gradients.
//!
//! Parameters live in one flat vector (the optimizer's): the Gaussian features' centres and
//! log-widths first (if any), then per layer its weights (out × in, row-major) and biases,
//! the output layer last.

use super::activation::Activation;
use super::compose;
use super::embedding::{Embedding, FixedFeatures};
use super::gaussian::GaussianFeatures;
use super::jets::{JetSet, MAX_ORDER};
use super::tape::{LayerTape, Tape};
use crate::rng::Rng;
use crate::scalar::{MatRef, Scalar};
use std::ops::Range;
use std::sync::Arc;

/// How initial weights are drawn. Biases start at 0 except in Siren's sine layers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// Uniform in ±sqrt(6 / (fan_in + fan_out)).
    Glorot,
    /// Normal with variance 2 / fan_in.
    He,
    /// For sin activations (Sitzmann et al. 2020), with ω folded into the weights: first
    /// layer U(±ω/fan_in), other hidden layers U(±sqrt(6/fan_in)), output layer
    /// U(±sqrt(6/fan_in)/ω); hidden biases U(±ω/sqrt(fan_in)) as in the reference
    /// implementation, since zero biases would make the whole network odd at the start.
    Siren { omega: f64 },
}

/// The shape of a network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSpec {
    pub inputs: usize,
    pub outputs: usize,
    /// Widths of the hidden layers (at least one).
    pub hidden: Vec<usize>,
    pub init: Init,
    pub embedding: Embedding,
    /// The initialisation of each hidden layer, first to last, where it differs from `init`
    /// (empty: `init` everywhere; the output layer always takes `init`).
    pub layer_inits: Vec<Init>,
    /// Skip connections, in any order: each adds one hidden layer's activations to a later
    /// layer's, after that layer's activation (ResNet-style, `a_to ← σ(z_to) + a_from`).
    pub residuals: Vec<Residual>,
}

/// A skip connection between hidden layers (0-based, `from < to`, of equal widths): the
/// activations `to` passes on are its own plus those of `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Residual {
    pub from: usize,
    pub to: usize,
}

impl NetworkSpec {
    /// The initialisation of hidden layer `l` (or of the output layer, `l` = hidden count).
    fn init_of(&self, l: usize) -> Init {
        self.layer_inits.get(l).copied().unwrap_or(self.init)
    }
}

/// One affine layer: where its weights and biases live in the flat parameter vector.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    pub(crate) fan_in: usize,
    pub(crate) fan_out: usize,
    pub(crate) weights: Range<usize>,
    pub(crate) biases: Range<usize>,
}

/// A network: embedding → hidden layers z = W a + b, a = σ(z) → linear output layer.
pub struct Network<T: Scalar> {
    inputs: usize,
    outputs: usize,
    fixed: FixedFeatures<T>,
    gaussian: Option<GaussianFeatures<T>>,
    gaussian_params: Range<usize>,
    /// Hidden layers, then the output layer.
    layers: Vec<Linear>,
    /// σ of each hidden layer, first to last.
    activations: Vec<Arc<dyn Activation<T>>>,
    /// Skip connections, sorted by target layer.
    residuals: Vec<Residual>,
    num_params: usize,
    /// What a tape filled by this network records, so `backward` can refuse a foreign one.
    signature: Vec<usize>,
}

impl<T: Scalar> std::fmt::Debug for Network<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("inputs", &self.inputs)
            .field("features", &self.layers[0].fan_in)
            .field(
                "widths",
                &self.layers.iter().map(|l| l.fan_out).collect::<Vec<_>>(),
            )
            .field("num_params", &self.num_params)
            .finish_non_exhaustive()
    }
}

/// σ^(0..=MAX_ORDER+1): the forward pass needs up to the highest jet order, the reverse
/// pass one more.
const MAX_DERIVATIVES: usize = MAX_ORDER + 2;

impl<T: Scalar> Network<T> {
    /// Builds the network and draws its initial parameters from `rng` (Fourier frequencies,
    /// then Gaussian centres, then weights layer by layer), so a seed fixes everything.
    pub fn new(
        spec: &NetworkSpec,
        activation: Arc<dyn Activation<T>>,
        rng: &mut Rng,
    ) -> Result<(Network<T>, Vec<T>), String> {
        let activations = vec![activation; spec.hidden.len()];
        Network::with_activations(spec, activations, rng)
    }

    /// [`Network::new`] with an activation per hidden layer, first to last.
    pub fn with_activations(
        spec: &NetworkSpec,
        activations: Vec<Arc<dyn Activation<T>>>,
        rng: &mut Rng,
    ) -> Result<(Network<T>, Vec<T>), String> {
        validate(spec)?;
        if activations.len() != spec.hidden.len() {
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let (given, layers) = (activations.len(), spec.hidden.len());
            return Err(format!(
                "{given} activation{} for {layers} hidden layer{}; give one per layer",
                plural(given),
                plural(layers)
            ));
        }
        let fixed = FixedFeatures::new(&spec.embedding, rng);
        let gaussian = spec
            .embedding
            .gaussian
            .map(|(count, _)| GaussianFeatures::new(&spec.embedding, count));
        let gaussian_params = 0..gaussian.as_ref().map_or(0, |g| g.num_params());
        let features = fixed.count() + gaussian.as_ref().map_or(0, |g| g.count());
        let mut layers = Vec::new();
        let mut next = gaussian_params.end;
        let mut fan_in = features;
        for &fan_out in spec.hidden.iter().chain(std::iter::once(&spec.outputs)) {
            let weights = next..next + fan_out * fan_in;
            let biases = weights.end..weights.end + fan_out;
            next = biases.end;
            layers.push(Linear {
                fan_in,
                fan_out,
                weights,
                biases,
            });
            fan_in = fan_out;
        }
        let mut signature = vec![spec.inputs, fixed.count(), features];
        signature.extend(layers.iter().map(|l| l.fan_out));
        let mut residuals = spec.residuals.clone();
        residuals.sort_by_key(|r| (r.to, r.from));
        let net = Network {
            inputs: spec.inputs,
            outputs: spec.outputs,
            fixed,
            gaussian,
            gaussian_params,
            layers,
            activations,
            residuals,
            num_params: next,
            signature,
        };
        let params = net.initial_params(spec, rng);
        Ok((net, params))
    }

    fn initial_params(&self, spec: &NetworkSpec, rng: &mut Rng) -> Vec<T> {
        let mut p = vec![0.0; self.num_params];
        if let (Some(g), Some((_, sigma))) = (&self.gaussian, spec.embedding.gaussian) {
            p[self.gaussian_params.clone()].copy_from_slice(&g.init(sigma, rng));
        }
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let init = if l == last {
                spec.init
            } else {
                spec.init_of(l)
            };
            let (weight, bias) = layer_init(init, layer, l == 0, l == last);
            for w in &mut p[layer.weights.clone()] {
                *w = weight.draw(rng);
            }
            if bias > 0.0 {
                for b in &mut p[layer.biases.clone()] {
                    *b = rng.range(-bias, bias);
                }
            }
        }
        p.into_iter().map(T::from_f64_lossy).collect()
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

    /// Where each layer's weight matrix (fan_out × fan_in, row-major) lies in the parameter
    /// vector, with its fan_in, hidden layers first and the output layer last.
    pub fn weight_matrices(&self) -> Vec<(Range<usize>, usize)> {
        self.layers
            .iter()
            .map(|l| (l.weights.clone(), l.fan_in))
            .collect()
    }

    /// Names and ranges of the parameter groups, in order, covering the whole vector.
    pub fn param_groups(&self) -> Vec<(String, Range<usize>)> {
        let mut groups = Vec::new();
        if !self.gaussian_params.is_empty() {
            let mid = self.gaussian_params.start + self.gaussian_params.len() / 2;
            groups.push((
                "gaussian centres".to_string(),
                self.gaussian_params.start..mid,
            ));
            groups.push((
                "gaussian log-widths".to_string(),
                mid..self.gaussian_params.end,
            ));
        }
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let name = if l == last {
                "output".to_string()
            } else {
                format!("layer {}", l + 1)
            };
            groups.push((format!("{name} weights"), layer.weights.clone()));
            groups.push((format!("{name} biases"), layer.biases.clone()));
        }
        groups
    }

    /// Evaluates the jets `jets` of every output at n points: `inputs[j]` is the column of
    /// input j (physical coordinates). Fills `tape`, reusing its buffers when sizes match.
    pub fn forward(
        &self,
        params: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        tape: &mut Tape<T>,
    ) -> Result<(), String> {
        let n = self.check_inputs(inputs)?;
        self.check_params(params, "params")?;
        if let Some(i) = jets.max_input().filter(|&i| i >= self.inputs) {
            return Err(format!(
                "a jet refers to input {i}, but the network has {} inputs",
                self.inputs
            ));
        }
        tape.prepare(&self.signature, jets, n, jets.max_order() + 2);
        for (dst, col) in tape.x.chunks_exact_mut(n.max(1)).zip(inputs) {
            dst.copy_from_slice(col);
        }
        if n == 0 {
            return Ok(());
        }
        self.features_forward(params, tape);
        for l in 0..self.layers.len() - 1 {
            self.hidden_forward(l, params, tape);
        }
        self.output_forward(params, tape);
        Ok(())
    }

    /// The reverse pass of the last [`Network::forward`] on `tape` (with the same `params`):
    /// `adjoint` = ∂loss/∂(output jets), laid out like [`Tape::outputs`]; ADDS ∂loss/∂params
    /// into `grad`.
    pub fn backward(
        &self,
        params: &[T],
        tape: &mut Tape<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        self.check_params(params, "params")?;
        self.check_params(grad, "grad")?;
        if tape.signature != self.signature {
            return Err("the tape was not filled by this network's forward pass".to_string());
        }
        let n = tape.points;
        let want = tape.jets.as_ref().map_or(0, JetSet::len) * self.outputs * n;
        if adjoint.len() != want {
            return Err(format!(
                "adjoint has {} values, the outputs have {want}",
                adjoint.len()
            ));
        }
        if n == 0 {
            return Ok(());
        }
        self.output_backward(params, tape, adjoint, grad);
        self.prepare_skip_adjoints(tape);
        for l in (0..self.layers.len() - 1).rev() {
            self.skip_backward(l, tape);
            self.hidden_backward(l, params, tape, grad);
        }
        if let Some(g) = &self.gaussian {
            let jets = tape.jets.as_ref().expect("forward stored its jets");
            let params = &params[self.gaussian_params.clone()];
            let grad = &mut grad[self.gaussian_params.clone()];
            g.backward(jets, params, &tape.x, n, &mut tape.gauss, grad);
        }
        Ok(())
    }

    /// The number of points, which every input column must have.
    fn check_inputs(&self, inputs: &[&[T]]) -> Result<usize, String> {
        check_columns(inputs, self.inputs)
    }

    fn check_params(&self, values: &[T], what: &str) -> Result<(), String> {
        check_param_count(values, self.num_params, what)
    }

    /// Jets of the embedding into the tape's feature matrix.
    fn features_forward(&self, params: &[T], tape: &mut Tape<T>) {
        let jets = tape.jets.as_ref().expect("prepared");
        let (n, stride) = (tape.points, self.layers[0].fan_in);
        self.fixed
            .fill(jets, &tape.x, n, &mut tape.features, stride);
        if let Some(g) = &self.gaussian {
            let params = &params[self.gaussian_params.clone()];
            g.forward(jets, params, &tape.x, n, &mut tape.gauss);
            let first = self.fixed.count();
            let k = g.count();
            for (row, phi) in tape
                .features
                .chunks_exact_mut(stride)
                .zip(tape.gauss.phi.chunks_exact(k))
            {
                row[first..].copy_from_slice(phi);
            }
        }
    }

    fn hidden_forward(&self, l: usize, params: &[T], tape: &mut Tape<T>) {
        let layer = &self.layers[l];
        let jets = tape.jets.as_ref().expect("prepared");
        let n = tape.points;
        let rows = jets.len() * n;
        let (before, rest) = tape.layers.split_at_mut(l);
        let input = if l == 0 {
            &tape.features[..]
        } else {
            &before[l - 1].a[..]
        };
        let saved = &mut rest[0];
        affine(
            layer,
            params,
            MatRef::new(input, rows, layer.fan_in),
            n,
            &mut saved.z,
        );
        activate(&*self.activations[l], jets, n * layer.fan_out, saved);
        // Skip connections into this layer: every jet of the source's activations adds in.
        for r in self.residuals.iter().filter(|r| r.to == l) {
            let source = &before[r.from].a;
            saved.a.iter_mut().zip(source).for_each(|(a, &s)| *a += s);
        }
    }

    fn output_forward(&self, params: &[T], tape: &mut Tape<T>) {
        let layer = self.layers.last().expect("an output layer");
        let last = &tape.layers.last().expect("a hidden layer").a;
        output_forward(layer, params, tape.points, last, &mut tape.out);
    }

    fn output_backward(&self, params: &[T], tape: &mut Tape<T>, adjoint: &[T], grad: &mut [T]) {
        let layer = self.layers.last().expect("an output layer");
        let last = &tape.layers.last().expect("a hidden layer").a;
        output_backward(
            layer,
            params,
            tape.points,
            last,
            adjoint,
            grad,
            &mut tape.g_a,
        );
    }

    /// One cleared adjoint buffer per skip connection, the size of its source's activations.
    fn prepare_skip_adjoints(&self, tape: &mut Tape<T>) {
        let rows = tape.jets.as_ref().map_or(0, JetSet::len) * tape.points;
        tape.skip_adjoints
            .resize_with(self.residuals.len(), Vec::new);
        for (buffer, r) in tape.skip_adjoints.iter_mut().zip(&self.residuals) {
            buffer.clear();
            buffer.resize(rows * self.layers[r.from].fan_out, T::zero());
        }
    }

    /// The skip connections' share of the reverse pass at hidden layer `l`, whose
    /// activations' adjoint `tape.g_a` holds so far what the layers above it pass down:
    /// first what skips from `l` carried up (held since their targets' reverse pass), then,
    /// for the skips into `l`, the whole adjoint is kept for their sources.
    fn skip_backward(&self, l: usize, tape: &mut Tape<T>) {
        if self.residuals.is_empty() {
            return;
        }
        let size = tape.jets.as_ref().map_or(0, JetSet::len) * tape.points * self.layers[l].fan_out;
        let g_a = &mut tape.g_a[..size];
        for (r, held) in self.residuals.iter().zip(&tape.skip_adjoints) {
            if r.from == l {
                g_a.iter_mut().zip(held).for_each(|(g, &h)| *g += h);
            }
        }
        for (r, held) in self.residuals.iter().zip(&mut tape.skip_adjoints) {
            if r.to == l {
                held.iter_mut().zip(g_a.iter()).for_each(|(h, &g)| *h += g);
            }
        }
    }

    /// Hidden layer reverse: from the adjoint of its activation jets (`tape.g_a`) to its
    /// weight and bias gradients and the adjoint of its input jets (`tape.g_a` again, or
    /// `tape.gauss.g_phi` for the Gaussian features under the first layer).
    fn hidden_backward(&self, l: usize, params: &[T], tape: &mut Tape<T>, grad: &mut [T]) {
        let layer = &self.layers[l];
        let jets = tape.jets.as_ref().expect("prepared");
        let (n, w) = (tape.points, layer.fan_out);
        let (rows, block) = (jets.len() * n, n * w);
        let saved = &tape.layers[l];
        let g_z = &mut tape.g_z[..rows * w];
        let derivs = &saved.derivs;
        compose::backward(
            jets,
            block,
            |k| derivative(derivs, block, k),
            &saved.z,
            &tape.g_a[..rows * w],
            g_z,
        );
        let g_z: &[T] = g_z;
        let input = if l == 0 {
            &tape.features[..]
        } else {
            &tape.layers[l - 1].a[..]
        };
        let input = MatRef::new(input, rows, layer.fan_in);
        let g_z_mat = MatRef::new(g_z, rows, w);
        T::gemm(
            T::one(),
            g_z_mat.t(),
            input,
            T::one(),
            &mut grad[layer.weights.clone()],
        );
        // Only the value block: the bias is constant, so its derivatives vanish.
        let g_bias = &mut grad[layer.biases.clone()];
        for row in g_z[..block].chunks_exact(w) {
            g_bias.iter_mut().zip(row).for_each(|(b, &g)| *b += g);
        }
        let weights = &params[layer.weights.clone()];
        if l > 0 {
            let g_a = &mut tape.g_a[..rows * layer.fan_in];
            T::gemm(
                T::one(),
                g_z_mat,
                MatRef::new(weights, w, layer.fan_in),
                T::zero(),
                g_a,
            );
        } else if let Some(g) = &self.gaussian {
            // Only the Gaussian columns of the first layer carry gradient further.
            let first = self.fixed.count();
            let columns = MatRef {
                data: &weights[first..],
                rows: w,
                cols: g.count(),
                row_stride: layer.fan_in,
                col_stride: 1,
            };
            let g_phi = &mut tape.gauss.g_phi[..rows * g.count()];
            T::gemm(T::one(), g_z_mat, columns, T::zero(), g_phi);
        }
    }
}

/// The linear output layer over all jets of the last hidden layer's activations `last`
/// (n points): one GEMM per jet, so the outputs come out point-fastest as the tape
/// promises; with a single output the jet blocks are already laid out that way, so one GEMM
/// does them all. The bias enters the value block only.
pub(crate) fn output_forward<T: Scalar>(
    layer: &Linear,
    params: &[T],
    n: usize,
    last: &[T],
    out: &mut [T],
) {
    let (o, w) = (layer.fan_out, layer.fan_in);
    let rows = output_block(o, n, last.len() / (n * w));
    let weights = MatRef::new(&params[layer.weights.clone()], o, w);
    for (a, out) in last
        .chunks_exact(rows * w)
        .zip(out.chunks_exact_mut(o * rows))
    {
        T::gemm(
            T::one(),
            weights,
            MatRef::new(a, rows, w).t(),
            T::zero(),
            out,
        );
    }
    for (k, &b) in params[layer.biases.clone()].iter().enumerate() {
        out[k * n..(k + 1) * n].iter_mut().for_each(|v| *v += b);
    }
}

/// Output layer reverse: its weight and bias gradients (added into `grad`), and the
/// adjoint of the last hidden layer's activation jets `last` written into `g_a`.
pub(crate) fn output_backward<T: Scalar>(
    layer: &Linear,
    params: &[T],
    n: usize,
    last: &[T],
    adjoint: &[T],
    grad: &mut [T],
    g_a: &mut [T],
) {
    let (o, w) = (layer.fan_out, layer.fan_in);
    let weights = MatRef::new(&params[layer.weights.clone()], o, w);
    let jets = last.len() / (n * w);
    let rows = output_block(o, n, jets);
    let g_a = &mut g_a[..jets * n * w];
    let blocks = last
        .chunks_exact(rows * w)
        .zip(adjoint.chunks_exact(o * rows));
    for ((a, g_out), g_a) in blocks.zip(g_a.chunks_exact_mut(rows * w)) {
        let g_out = MatRef::new(g_out, o, rows);
        T::gemm(
            T::one(),
            g_out,
            MatRef::new(a, rows, w),
            T::one(),
            &mut grad[layer.weights.clone()],
        );
        T::gemm(T::one(), g_out.t(), weights, T::zero(), g_a);
    }
    for (b, g) in grad[layer.biases.clone()]
        .iter_mut()
        .zip(adjoint.chunks_exact(n))
    {
        *b += g.iter().copied().sum::<T>();
    }
}

/// a = σ(z) with all jets, from a layer's pre-activation jets `saved.z` (blocks of `block`
/// values): σ and its derivatives at the value block, then Faà di Bruno for the rest.
pub(crate) fn activate<T: Scalar>(
    activation: &dyn Activation<T>,
    jets: &JetSet,
    block: usize,
    saved: &mut LayerTape<T>,
) {
    let LayerTape { z, derivs, a } = saved;
    let (value, higher) = a.split_at_mut(block);
    {
        // σ itself goes straight into the activations' value block, σ' … into derivs.
        let count = 1 + derivs.len() / block;
        let mut columns = derivs.chunks_exact_mut(block);
        let mut value = Some(value);
        let mut out: [&mut [T]; MAX_DERIVATIVES] = std::array::from_fn(|k| {
            if k == 0 {
                value.take().unwrap_or_default()
            } else {
                columns.next().unwrap_or_default()
            }
        });
        activation.derivatives(&z[..block], &mut out[..count]);
    }
    let derivs: &[T] = derivs;
    compose::forward(jets, block, |k| derivative(derivs, block, k), z, higher);
}

/// σ^(k) at the value block, k ≥ 1, from a layer's `derivs` (which start at σ').
pub(crate) fn derivative<T>(derivs: &[T], block: usize, k: usize) -> &[T] {
    &derivs[(k - 1) * block..k * block]
}

/// Rows of the last hidden layer the output layer takes per product: one jet block of n
/// points, or all `jets` blocks at once for a single output, whose output jets (jet-major,
/// n points each) are then one row of jets · n values, and so are their adjoints.
fn output_block(outputs: usize, n: usize, jets: usize) -> usize {
    if outputs == 1 {
        jets * n
    } else {
        n
    }
}

/// A distribution initial weights are drawn from.
pub(crate) enum Draw {
    /// U(−a, a).
    Uniform(f64),
    /// N(0, s²).
    Normal(f64),
}

impl Draw {
    pub(crate) fn draw(&self, rng: &mut Rng) -> f64 {
        match *self {
            Draw::Uniform(a) => rng.range(-a, a),
            Draw::Normal(s) => s * rng.normal(),
        }
    }
}

/// The weight distribution of a layer and the half-range of its uniform biases (0: zero
/// biases), per [`Init`].
pub(crate) fn layer_init(init: Init, layer: &Linear, first: bool, output: bool) -> (Draw, f64) {
    let (fi, fo) = (layer.fan_in as f64, layer.fan_out as f64);
    match init {
        Init::Glorot => (Draw::Uniform((6.0 / (fi + fo)).sqrt()), 0.0),
        Init::He => (Draw::Normal((2.0 / fi).sqrt()), 0.0),
        Init::Siren { omega } if output => (Draw::Uniform((6.0 / fi).sqrt() / omega), 0.0),
        Init::Siren { omega } => {
            let a = if first { omega / fi } else { (6.0 / fi).sqrt() };
            (Draw::Uniform(a), omega / fi.sqrt())
        }
    }
}

/// z = input · Wᵀ over all jet blocks, plus the bias on the value block only (a constant
/// has no derivatives).
pub(crate) fn affine<T: Scalar>(
    layer: &Linear,
    params: &[T],
    input: MatRef<'_, T>,
    n: usize,
    z: &mut [T],
) {
    let weights = MatRef::new(&params[layer.weights.clone()], layer.fan_out, layer.fan_in);
    T::gemm(T::one(), input, weights.t(), T::zero(), z);
    let bias = &params[layer.biases.clone()];
    for row in z[..n * layer.fan_out].chunks_exact_mut(layer.fan_out) {
        row.iter_mut().zip(bias).for_each(|(v, &b)| *v += b);
    }
}

pub(crate) fn validate(spec: &NetworkSpec) -> Result<(), String> {
    if spec.inputs == 0 || spec.outputs == 0 {
        return Err(format!(
            "a network needs at least one input and one output, got {} and {}",
            spec.inputs, spec.outputs
        ));
    }
    if spec.hidden.is_empty() || spec.hidden.contains(&0) {
        return Err(format!(
            "hidden layer widths {:?}: need at least one layer, none of width 0",
            spec.hidden
        ));
    }
    for init in std::iter::once(&spec.init).chain(&spec.layer_inits) {
        if let Init::Siren { omega } = *init {
            if !(omega.is_finite() && omega > 0.0) {
                return Err(format!("Siren omega {omega} must be finite and positive"));
            }
        }
    }
    if spec.layer_inits.len() > spec.hidden.len() {
        return Err(format!(
            "{} layer initialisations for {} hidden layers",
            spec.layer_inits.len(),
            spec.hidden.len()
        ));
    }
    for r in &spec.residuals {
        let layers = spec.hidden.len();
        if r.from >= r.to || r.to >= layers {
            return Err(format!(
                "a skip connection from hidden layer {} to {} (of {layers}): it must go from a layer to a later one",
                r.from + 1,
                r.to + 1
            ));
        }
        let (a, b) = (spec.hidden[r.from], spec.hidden[r.to]);
        if a != b {
            return Err(format!(
                "a skip connection from hidden layer {} (width {a}) to {} (width {b}): the widths must be equal",
                r.from + 1,
                r.to + 1
            ));
        }
    }
    spec.embedding.validate(spec.inputs)
}

/// The number of points of `inputs`, one column per input of a network of `expected`
/// inputs, every column of the same length: what every network kind's forward pass checks.
pub(crate) fn check_columns<T>(inputs: &[&[T]], expected: usize) -> Result<usize, String> {
    if inputs.len() != expected {
        return Err(format!(
            "{} input columns for a network of {expected} inputs",
            inputs.len()
        ));
    }
    let n = inputs.first().map_or(0, |c| c.len());
    if let Some((j, col)) = inputs.iter().enumerate().find(|(_, c)| c.len() != n) {
        return Err(format!(
            "input column {j} has {} points, column 0 has {n}",
            col.len()
        ));
    }
    Ok(n)
}

/// That `values` (`what`: "params" or "grad") has one value per parameter.
pub(crate) fn check_param_count<T>(
    values: &[T],
    num_params: usize,
    what: &str,
) -> Result<(), String> {
    if values.len() != num_params {
        return Err(format!(
            "{what} has {} values, the network has {num_params} parameters",
            values.len()
        ));
    }
    Ok(())
}
