//! The modified MLP of Wang, Teng & Perdikaris ("Understanding and mitigating gradient
//! flow pathologies in physics-informed neural networks", SIAM J. Sci. Comput. 43 (2021)
//! A3055), evaluated with Taylor-mode jets like [`Network`](super::Network), with its
//! hand-written reverse pass. This file owns the architecture, its parameter layout and its
//! tape; the element-wise product's jets are `product`'s, σ's are `compose`'s.
//!
//! With X the embedded inputs (as `Network` embeds them) and all hidden widths w:
//!
//! ```text
//! U = σ(X W_u + b_u),  V = σ(X W_v + b_v)                  two encoders
//! H_1 = σ(X W_1 + b_1)
//! Z_k = σ(H_k W_{k+1} + b_{k+1}),  H_{k+1} = U + Z_k ⊙ (V − U)    k = 1 .. depth − 1
//! output = H_depth W_out + b_out
//! ```
//!
//! `depth` is the number of hidden widths in the spec, i.e. the number of H layers
//! (H_1 … H_depth). The encoders only enter through the mixing, so depth 1 has none: it is
//! exactly a one-hidden-layer `Network` (no parameters whose gradient is always zero).
//!
//! [`ModifiedMlp::with_gates`] gates only some layers (the architecture language's `gate`):
//! an ungated layer k + 1 passes H_{k+1} = Z_k on as a plain layer does. With no layer
//! gated there are no encoders.
//!
//! Parameters, one flat vector: for depth ≥ 2 encoder U and encoder V first, then layer
//! 1 … layer depth, then the output layer; each weights (out × in, row-major) then biases.
//! A seed draws the Fourier frequencies first, then the weights in that order. The
//! encoders and layer 1 see the features, so Siren's first-layer rule applies to all three.
//!
//! Trainable Gaussian features are refused: X would then need an adjoint, collected from
//! the encoders and layer 1, which this network does not implement.

use super::activation::Activation;
use super::compose;
use super::embedding::FixedFeatures;
use super::jets::JetSet;
use super::network::{self, derivative, Linear, NetworkSpec};
use super::product::{self, Leibniz};
use super::tape::{tape_accessors, LayerTape};
use crate::rng::Rng;
use crate::scalar::{MatRef, Scalar};
use std::ops::Range;
use std::sync::Arc;

/// A modified MLP (see the module documentation).
pub struct ModifiedMlp<T: Scalar> {
    inputs: usize,
    outputs: usize,
    width: usize,
    fixed: FixedFeatures<T>,
    /// Encoders U and V (depth ≥ 2 only).
    encoders: Option<[Linear; 2]>,
    /// Layers 1 ..= depth.
    hidden: Vec<Linear>,
    /// Whether layer k (0-based) mixes with the encoders; never layer 0.
    gated: Vec<bool>,
    output: Linear,
    activation: Arc<dyn Activation<T>>,
    num_params: usize,
    /// What a tape filled by this network records, so `backward` can refuse a foreign one.
    signature: Vec<usize>,
}

impl<T: Scalar> std::fmt::Debug for ModifiedMlp<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModifiedMlp")
            .field("inputs", &self.inputs)
            .field("features", &self.fixed.count())
            .field("width", &self.width)
            .field("depth", &self.hidden.len())
            .field("num_params", &self.num_params)
            .finish_non_exhaustive()
    }
}

/// The record of one [`ModifiedMlp::forward`] and the reverse pass's scratch, sized on the
/// first call and reused after. Every jet buffer is (jets · n) × width row-major.
#[derive(Debug, Clone, Default)]
pub struct ModifiedTape<T> {
    pub(crate) points: usize,
    pub(crate) outputs: usize,
    pub(crate) jets: Option<JetSet>,
    pub(crate) signature: Vec<usize>,
    /// Leibniz's table of `jets`, rebuilt only when the jet set changes.
    pub(crate) leibniz: Leibniz,
    /// Input columns, input-major.
    pub(crate) x: Vec<T>,
    /// Embedding jets: (jets · n) × features.
    pub(crate) features: Vec<T>,
    /// Encoders U, V (empty for depth 1).
    pub(crate) encoders: Vec<LayerTape<T>>,
    /// Jets of V − U.
    pub(crate) diff: Vec<T>,
    /// Layer 1: a = H_1; layer k + 1 ≥ 2: a = Z_k.
    pub(crate) layers: Vec<LayerTape<T>>,
    /// mixed[k − 1] = H_{k+1}, k = 1 .. depth − 1.
    pub(crate) mixed: Vec<Vec<T>>,
    /// Output jets, ((jet · outputs) + output) · n + point.
    pub(crate) out: Vec<T>,
    /// Reverse-pass scratch: adjoints of the current H, of the current σ's input and
    /// output, and the accumulated adjoints of U and of V − U.
    pub(crate) g_h: Vec<T>,
    pub(crate) g_z: Vec<T>,
    pub(crate) g_a: Vec<T>,
    pub(crate) g_u: Vec<T>,
    pub(crate) g_d: Vec<T>,
}

tape_accessors!(ModifiedTape);

fn resize<T: Scalar>(buffer: &mut Vec<T>, len: usize) {
    buffer.resize(len, T::zero());
}

impl<T: Scalar> ModifiedTape<T> {
    /// Sizes every buffer for `net` over n points with `jets`, keeping allocations whose
    /// size is unchanged; contents are left stale (the forward pass overwrites them).
    fn prepare(&mut self, net: &ModifiedMlp<T>, jets: &JetSet, n: usize) {
        if self.jets.as_ref() != Some(jets) {
            self.leibniz = Leibniz::new(jets);
            self.jets = Some(jets.clone());
        }
        if self.signature != net.signature {
            self.signature = net.signature.clone();
        }
        let (rows, w, depth) = (jets.len() * n, net.width, net.hidden.len());
        // σ^(1 ..= max order + 1): the reverse pass needs one more than the forward.
        let derivs = (jets.max_order() + 1) * n * w;
        self.points = n;
        self.outputs = net.outputs;
        resize(&mut self.x, net.inputs * n);
        resize(&mut self.features, rows * net.fixed.count());
        let encoders = if net.encoders.is_some() { 2 } else { 0 };
        self.encoders.resize_with(encoders, LayerTape::default);
        self.layers.resize_with(depth, LayerTape::default);
        for layer in self.encoders.iter_mut().chain(&mut self.layers) {
            resize(&mut layer.z, rows * w);
            resize(&mut layer.derivs, derivs);
            resize(&mut layer.a, rows * w);
        }
        self.mixed.resize_with(depth - 1, Vec::new);
        for h in &mut self.mixed {
            resize(h, rows * w);
        }
        let mixing = if depth > 1 { rows * w } else { 0 };
        for buffer in [&mut self.diff, &mut self.g_u, &mut self.g_d, &mut self.g_a] {
            resize(buffer, mixing);
        }
        resize(&mut self.g_h, rows * w);
        resize(&mut self.g_z, rows * w);
        resize(&mut self.out, rows * net.outputs);
    }
}

impl<T: Scalar> ModifiedMlp<T> {
    /// Builds the network from `spec` (all hidden widths equal; no Gaussian features) and
    /// draws its initial parameters from `rng` (Fourier frequencies, then weights in
    /// parameter order), so a seed fixes everything.
    pub fn new(
        spec: &NetworkSpec,
        activation: Arc<dyn Activation<T>>,
        rng: &mut Rng,
    ) -> Result<(ModifiedMlp<T>, Vec<T>), String> {
        let all: Vec<usize> = (2..=spec.hidden.len()).collect();
        Self::with_gates(spec, &all, activation, rng)
    }

    /// As [`ModifiedMlp::new`], with only the hidden layers numbered in `gated` (1 is the
    /// first, which cannot be: its input is the features) mixing with the encoders.
    pub fn with_gates(
        spec: &NetworkSpec,
        gated: &[usize],
        activation: Arc<dyn Activation<T>>,
        rng: &mut Rng,
    ) -> Result<(ModifiedMlp<T>, Vec<T>), String> {
        network::validate(spec)?;
        let depth = spec.hidden.len();
        if let Some(&bad) = gated.iter().find(|&&k| k < 2 || k > depth) {
            return Err(format!(
                "layer {bad} cannot be gated: the gated layers are 2 ..= {depth} (the first reads the inputs)"
            ));
        }
        let gated: Vec<bool> = (1..=depth).map(|k| gated.contains(&k)).collect();
        let width = spec.hidden[0];
        if spec.hidden.iter().any(|&h| h != width) {
            return Err(format!(
                "a modified MLP needs equal hidden widths (its layers mix with the encoders element-wise), got {:?}",
                spec.hidden
            ));
        }
        if spec.embedding.gaussian.is_some() {
            return Err(
                "a modified MLP does not take trainable Gaussian features; use Fourier features"
                    .to_string(),
            );
        }
        let fixed = FixedFeatures::new(&spec.embedding, rng);
        let features = fixed.count();
        let mut next = 0;
        let mut linear = |fan_in: usize, fan_out: usize| {
            let weights = next..next + fan_out * fan_in;
            let biases = weights.end..weights.end + fan_out;
            next = biases.end;
            Linear {
                fan_in,
                fan_out,
                weights,
                biases,
            }
        };
        let any_gated = gated.contains(&true);
        let encoders = any_gated.then(|| [linear(features, width), linear(features, width)]);
        let hidden: Vec<Linear> = (0..depth)
            .map(|k| linear(if k == 0 { features } else { width }, width))
            .collect();
        let output = linear(width, spec.outputs);
        let mask = gated
            .iter()
            .rev()
            .fold(0usize, |m, &g| (m << 1) | usize::from(g));
        let signature = vec![
            spec.inputs,
            features,
            width,
            depth,
            spec.outputs,
            next,
            mask,
        ];
        let net = ModifiedMlp {
            inputs: spec.inputs,
            outputs: spec.outputs,
            width,
            fixed,
            encoders,
            hidden,
            gated,
            output,
            activation,
            num_params: next,
            signature,
        };
        let params = net.initial_params(spec, rng);
        Ok((net, params))
    }

    fn initial_params(&self, spec: &NetworkSpec, rng: &mut Rng) -> Vec<T> {
        let mut p = vec![0.0; self.num_params];
        let encoders = self.encoders.iter().flatten().map(|l| (l, true, false));
        let hidden = self
            .hidden
            .iter()
            .enumerate()
            .map(|(k, l)| (l, k == 0, false));
        let output = std::iter::once((&self.output, false, true));
        for (layer, first, out) in encoders.chain(hidden).chain(output) {
            let (weight, bias) = network::layer_init(spec.init, layer, first, out);
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

    /// Where each weight matrix (fan_out × fan_in, row-major) lies in the parameter vector,
    /// with its fan_in: the encoders, the layers, the output layer.
    pub fn weight_matrices(&self) -> Vec<(Range<usize>, usize)> {
        let encoders = self.encoders.iter().flatten();
        let layers = encoders.chain(&self.hidden).chain([&self.output]);
        layers.map(|l| (l.weights.clone(), l.fan_in)).collect()
    }

    /// The number of H layers (hidden widths in the spec).
    pub fn depth(&self) -> usize {
        self.hidden.len()
    }

    /// Names and ranges of the parameter groups, in order, covering the whole vector:
    /// "encoder U weights", "encoder U biases", "encoder V …", "layer k …", "output …".
    pub fn param_groups(&self) -> Vec<(String, Range<usize>)> {
        let mut groups = Vec::new();
        let mut push = |name: String, layer: &Linear| {
            groups.push((format!("{name} weights"), layer.weights.clone()));
            groups.push((format!("{name} biases"), layer.biases.clone()));
        };
        if let Some([u, v]) = &self.encoders {
            push("encoder U".to_string(), u);
            push("encoder V".to_string(), v);
        }
        for (k, layer) in self.hidden.iter().enumerate() {
            push(format!("layer {}", k + 1), layer);
        }
        push("output".to_string(), &self.output);
        groups
    }

    /// Evaluates the jets `jets` of every output at n points: `inputs[j]` is the column of
    /// input j (physical coordinates). Fills `tape`, reusing its buffers when sizes match.
    pub fn forward(
        &self,
        params: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        tape: &mut ModifiedTape<T>,
    ) -> Result<(), String> {
        let n = self.check_inputs(inputs)?;
        self.check_len(params, "params")?;
        if let Some(i) = jets.max_input().filter(|&i| i >= self.inputs) {
            return Err(format!(
                "a jet refers to input {i}, but the network has {} inputs",
                self.inputs
            ));
        }
        tape.prepare(self, jets, n);
        for (dst, col) in tape.x.chunks_exact_mut(n.max(1)).zip(inputs) {
            dst.copy_from_slice(col);
        }
        if n == 0 {
            return Ok(());
        }
        let ModifiedTape {
            leibniz,
            x,
            features,
            encoders,
            diff,
            layers,
            mixed,
            out,
            ..
        } = tape;
        let (w, rows) = (self.width, jets.len() * n);
        let block = n * w;
        self.fixed.fill(jets, x, n, features, self.fixed.count());
        let x_mat = MatRef::new(&features[..], rows, self.fixed.count());
        let layer_forward = |layer: &Linear, input: MatRef<'_, T>, saved: &mut LayerTape<T>| {
            network::affine(layer, params, input, n, &mut saved.z);
            network::activate(&*self.activation, jets, block, saved);
        };
        if let Some(linears) = &self.encoders {
            for (layer, saved) in linears.iter().zip(encoders.iter_mut()) {
                layer_forward(layer, x_mat, saved);
            }
            let (u, v) = (&encoders[0].a, &encoders[1].a);
            for ((d, &u), &v) in diff.iter_mut().zip(u).zip(v) {
                *d = v - u;
            }
        }
        layer_forward(&self.hidden[0], x_mat, &mut layers[0]);
        for k in 1..self.hidden.len() {
            // H_{k+1} = U + Z_k ⊙ (V − U), Z_k = σ(H_k W_{k+1} + b_{k+1}).
            let (done, rest) = mixed.split_at_mut(k - 1);
            let (below, layer) = layers.split_at_mut(k);
            let input = if k == 1 { &below[0].a } else { &done[k - 2] };
            let input = MatRef::new(&input[..], rows, w);
            layer_forward(&self.hidden[k], input, &mut layer[0]);
            if self.gated[k] {
                let u = Some(&encoders[0].a[..]);
                product::forward(leibniz, block, &layer[0].a, diff, u, &mut rest[0]);
            } else {
                rest[0].copy_from_slice(&layer[0].a);
            }
        }
        let last = mixed.last().unwrap_or(&layers[0].a);
        network::output_forward(&self.output, params, n, last, out);
        Ok(())
    }

    /// The reverse pass of the last [`ModifiedMlp::forward`] on `tape` (with the same
    /// `params`): `adjoint` = ∂loss/∂(output jets), laid out like
    /// [`ModifiedTape::outputs`]; ADDS ∂loss/∂params into `grad`.
    pub fn backward(
        &self,
        params: &[T],
        tape: &mut ModifiedTape<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        self.check_len(params, "params")?;
        self.check_len(grad, "grad")?;
        let ModifiedTape {
            points: n,
            jets,
            signature,
            leibniz,
            features,
            encoders,
            diff,
            layers,
            mixed,
            g_h,
            g_z,
            g_a,
            g_u,
            g_d,
            ..
        } = tape;
        let n = *n;
        let jets = match jets {
            Some(jets) if *signature == self.signature => &*jets,
            _ => return Err("the tape was not filled by this network's forward pass".to_string()),
        };
        let want = jets.len() * self.outputs * n;
        if adjoint.len() != want {
            return Err(format!(
                "adjoint has {} values, the outputs have {want}",
                adjoint.len()
            ));
        }
        if n == 0 {
            return Ok(());
        }
        let (w, rows) = (self.width, jets.len() * n);
        let block = n * w;
        let last = mixed.last().unwrap_or(&layers[0].a);
        network::output_backward(&self.output, params, n, last, adjoint, grad, g_h);
        g_u.fill(T::zero());
        g_d.fill(T::zero());
        let ctx = Reverse {
            jets,
            params,
            n,
            block,
        };
        for k in (1..self.hidden.len()).rev() {
            if self.gated[k] {
                // H_{k+1} = U + Z_k ⊙ D: U gets g_h as it is, Z_k and D by Leibniz.
                g_u.iter_mut().zip(g_h.iter()).for_each(|(u, &g)| *u += g);
                g_a.fill(T::zero());
                product::backward(leibniz, block, &layers[k].a, diff, g_h, g_a, g_d);
            } else {
                // H_{k+1} = Z_k.
                g_a.copy_from_slice(g_h);
            }
            let input = if k == 1 { &layers[0].a } else { &mixed[k - 2] };
            let input = MatRef::new(&input[..], rows, w);
            ctx.layer(
                &self.hidden[k],
                &layers[k],
                g_a,
                g_z,
                input,
                grad,
                Some(g_h),
            );
        }
        let x_mat = MatRef::new(&features[..], rows, self.fixed.count());
        // X needs no adjoint: nothing under it is trained (no Gaussian features).
        ctx.layer(&self.hidden[0], &layers[0], g_h, g_z, x_mat, grad, None);
        if let Some([u, v]) = &self.encoders {
            // D = V − U: V's adjoint is g_d, U's is g_u − g_d.
            g_u.iter_mut().zip(g_d.iter()).for_each(|(u, &d)| *u -= d);
            ctx.layer(u, &encoders[0], g_u, g_z, x_mat, grad, None);
            ctx.layer(v, &encoders[1], g_d, g_z, x_mat, grad, None);
        }
        Ok(())
    }

    /// The number of points, which every input column must have.
    fn check_inputs(&self, inputs: &[&[T]]) -> Result<usize, String> {
        network::check_columns(inputs, self.inputs)
    }

    fn check_len(&self, values: &[T], what: &str) -> Result<(), String> {
        network::check_param_count(values, self.num_params, what)
    }
}

/// What every layer's reverse step shares.
struct Reverse<'a, T> {
    jets: &'a JetSet,
    params: &'a [T],
    n: usize,
    block: usize,
}

impl<T: Scalar> Reverse<'_, T> {
    /// From the adjoint `g_a` of a layer's activation jets: through σ into `g_z`, then its
    /// weight and bias gradients (added into `grad`) and, if asked, the adjoint of its input
    /// jets written into `g_input`.
    #[allow(clippy::too_many_arguments)]
    fn layer(
        &self,
        layer: &Linear,
        saved: &LayerTape<T>,
        g_a: &[T],
        g_z: &mut [T],
        input: MatRef<'_, T>,
        grad: &mut [T],
        g_input: Option<&mut [T]>,
    ) {
        let (block, w) = (self.block, layer.fan_out);
        let derivs = &saved.derivs;
        compose::backward(
            self.jets,
            block,
            |k| derivative(derivs, block, k),
            &saved.z,
            g_a,
            g_z,
        );
        let g_z: &[T] = g_z;
        let g_z_mat = MatRef::new(g_z, input.rows, w);
        T::gemm(
            T::one(),
            g_z_mat.t(),
            input,
            T::one(),
            &mut grad[layer.weights.clone()],
        );
        // Only the value block: the bias is constant, so its derivatives vanish.
        let g_bias = &mut grad[layer.biases.clone()];
        for row in g_z[..self.n * w].chunks_exact(w) {
            g_bias.iter_mut().zip(row).for_each(|(b, &g)| *b += g);
        }
        if let Some(g_input) = g_input {
            let weights = MatRef::new(&self.params[layer.weights.clone()], w, layer.fan_in);
            T::gemm(T::one(), g_z_mat, weights, T::zero(), g_input);
        }
    }
}
