//! PirateNets (Wang, Sankaran, Wang & Perdikaris, "PirateNets: Physics-informed deep
//! learning with residual adaptive networks", JMLR 25 (2024)), evaluated with Taylor-mode
//! jets like [`Network`](super::Network), with its hand-written reverse pass. This file owns
//! the architecture, its parameter layout and its tape; the element-wise products' jets are
//! `product`'s, σ's are `compose`'s.
//!
//! With Φ the embedded inputs (as `Network` embeds them), σ the activation, all hidden
//! widths w and depth = the number of hidden widths in the spec = the number of blocks:
//!
//! ```text
//! x_1 = σ(Φ W_0 + b_0)                                     the lift
//! U = σ(Φ W_u + b_u),  V = σ(Φ W_v + b_v)                  two gates
//! block l = 1 .. depth, from x = x_l:
//!   f = σ(x W_l1 + b_l1),   z_1 = V + f ⊙ (U − V)          (= f ⊙ U + (1 − f) ⊙ V)
//!   g = σ(z_1 W_l2 + b_l2), z_2 = V + g ⊙ (U − V)
//!   h = σ(z_2 W_l3 + b_l3)
//!   x_{l+1} = α_l h + (1 − α_l) x                          α_l trainable, starts at 0
//! output = x_{depth+1} W_out + b_out
//! ```
//!
//! Every α_l starts at 0, so the network starts as the output layer over the lift (each
//! block "initialised to identity") and deepens as training moves the α's. The residual is linear
//! in every jet, so its jets are the same combination of h's and x's jets, and
//! ∂loss/∂α_l = Σ (over jets, points, units) adj(x_{l+1}) ⊙ (h − x).
//!
//! Deviation from the paper: its residual stream starts at the (Fourier) embedding itself.
//! Without Fourier features our embedding is only as wide as the inputs, which would make the
//! stream a d-wide bottleneck, so the stream starts at the lift x_1 of width w instead.
//!
//! Parameters, one flat vector: the lift, gate U, gate V, then per block its layers 1, 2, 3
//! and its α, then the output layer; each layer weights (out × in, row-major) then biases.
//! A seed draws the Fourier frequencies first, then the weights in that order (the α's are
//! not drawn: they start at 0). The lift and the gates see the features, so Siren's
//! first-layer rule applies to those three only.
//!
//! Trainable Gaussian features are refused: Φ would then need an adjoint, collected from
//! the lift and the gates, which this network does not implement.

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

/// One residual block's parameters: its three layers and where its α lies.
#[derive(Debug, Clone)]
struct Block {
    layers: [Linear; 3],
    alpha: usize,
}

/// A PirateNet (see the module documentation).
pub struct PirateNet<T: Scalar> {
    inputs: usize,
    outputs: usize,
    width: usize,
    fixed: FixedFeatures<T>,
    lift: Linear,
    /// Gates U and V.
    gates: [Linear; 2],
    blocks: Vec<Block>,
    output: Linear,
    activation: Arc<dyn Activation<T>>,
    num_params: usize,
    /// What a tape filled by this network records, so `backward` can refuse a foreign one.
    signature: Vec<usize>,
}

impl<T: Scalar> std::fmt::Debug for PirateNet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PirateNet")
            .field("inputs", &self.inputs)
            .field("features", &self.fixed.count())
            .field("width", &self.width)
            .field("depth", &self.blocks.len())
            .field("num_params", &self.num_params)
            .finish_non_exhaustive()
    }
}

/// One block's part of a [`PirateTape`]: its layers (a = f, g, h), the mixed z_1 and z_2,
/// and the stream's next value x_{l+1}.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockTape<T> {
    pub(crate) layers: [LayerTape<T>; 3],
    pub(crate) z1: Vec<T>,
    pub(crate) z2: Vec<T>,
    pub(crate) next: Vec<T>,
}

/// The record of one [`PirateNet::forward`] and the reverse pass's scratch, sized on the
/// first call and reused after. Every jet buffer is (jets · n) × width row-major.
#[derive(Debug, Clone, Default)]
pub struct PirateTape<T> {
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
    /// The lift: a = x_1.
    pub(crate) lift: LayerTape<T>,
    /// Gates U, V.
    pub(crate) gates: [LayerTape<T>; 2],
    /// Jets of U − V.
    pub(crate) diff: Vec<T>,
    pub(crate) blocks: Vec<BlockTape<T>>,
    /// Output jets, ((jet · outputs) + output) · n + point.
    pub(crate) out: Vec<T>,
    /// Reverse-pass scratch: adjoints of the stream, of the current σ's output and input, of
    /// the current mixed z, and the accumulated adjoints of V (as the mixings' base) and of
    /// U − V.
    pub(crate) g_x: Vec<T>,
    pub(crate) g_a: Vec<T>,
    pub(crate) g_z: Vec<T>,
    pub(crate) g_m: Vec<T>,
    pub(crate) g_v: Vec<T>,
    pub(crate) g_d: Vec<T>,
}

tape_accessors!(PirateTape);

fn resize<T: Scalar>(buffer: &mut Vec<T>, len: usize) {
    buffer.resize(len, T::zero());
}

impl<T: Scalar> PirateTape<T> {
    /// Sizes every buffer for `net` over n points with `jets`, keeping allocations whose
    /// size is unchanged; contents are left stale (the forward pass overwrites them).
    fn prepare(&mut self, net: &PirateNet<T>, jets: &JetSet, n: usize) {
        if self.jets.as_ref() != Some(jets) {
            self.leibniz = Leibniz::new(jets);
            self.jets = Some(jets.clone());
        }
        if self.signature != net.signature {
            self.signature = net.signature.clone();
        }
        let (rows, w) = (jets.len() * n, net.width);
        // σ^(1 ..= max order + 1): the reverse pass needs one more than the forward.
        let derivs = (jets.max_order() + 1) * n * w;
        self.points = n;
        self.outputs = net.outputs;
        resize(&mut self.x, net.inputs * n);
        resize(&mut self.features, rows * net.fixed.count());
        self.blocks
            .resize_with(net.blocks.len(), BlockTape::default);
        let blocks = self.blocks.iter_mut();
        let layers = blocks.flat_map(|b| {
            for buffer in [&mut b.z1, &mut b.z2, &mut b.next] {
                resize(buffer, rows * w);
            }
            b.layers.iter_mut()
        });
        let [u, v] = &mut self.gates;
        for layer in [&mut self.lift, u, v].into_iter().chain(layers) {
            resize(&mut layer.z, rows * w);
            resize(&mut layer.derivs, derivs);
            resize(&mut layer.a, rows * w);
        }
        for buffer in [
            &mut self.diff,
            &mut self.g_x,
            &mut self.g_a,
            &mut self.g_z,
            &mut self.g_m,
            &mut self.g_v,
            &mut self.g_d,
        ] {
            resize(buffer, rows * w);
        }
        resize(&mut self.out, rows * net.outputs);
    }
}

impl<T: Scalar> PirateNet<T> {
    /// Builds the network from `spec` (all hidden widths equal, one per block; no Gaussian
    /// features) and draws its initial parameters from `rng` (Fourier frequencies, then
    /// weights in parameter order; the α's start at 0), so a seed fixes everything.
    pub fn new(
        spec: &NetworkSpec,
        activation: Arc<dyn Activation<T>>,
        rng: &mut Rng,
    ) -> Result<(PirateNet<T>, Vec<T>), String> {
        network::validate(spec)?;
        let width = spec.hidden[0];
        if spec.hidden.iter().any(|&h| h != width) {
            return Err(format!(
                "a PirateNet needs equal hidden widths (one per residual block: its stream mixes with the gates element-wise), got {:?}",
                spec.hidden
            ));
        }
        if spec.embedding.gaussian.is_some() {
            return Err(
                "a PirateNet does not take trainable Gaussian features; use Fourier features"
                    .to_string(),
            );
        }
        let fixed = FixedFeatures::new(&spec.embedding, rng);
        let features = fixed.count();
        let depth = spec.hidden.len();
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
        let lift = linear(features, width);
        let gates = [linear(features, width), linear(features, width)];
        let mut blocks = Vec::with_capacity(depth);
        for _ in 0..depth {
            let layers = [
                linear(width, width),
                linear(width, width),
                linear(width, width),
            ];
            // α: a layer of no weights and one bias.
            let alpha = linear(0, 1).biases.start;
            blocks.push(Block { layers, alpha });
        }
        let output = linear(width, spec.outputs);
        let signature = vec![spec.inputs, features, width, depth, spec.outputs, next];
        let net = PirateNet {
            inputs: spec.inputs,
            outputs: spec.outputs,
            width,
            fixed,
            lift,
            gates,
            blocks,
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
        let sees_features = [&self.lift, &self.gates[0], &self.gates[1]];
        let sees_features = sees_features.into_iter().map(|l| (l, true, false));
        let blocks = self.blocks.iter().flat_map(|b| &b.layers);
        let blocks = blocks.map(|l| (l, false, false));
        let output = std::iter::once((&self.output, false, true));
        for (layer, first, out) in sees_features.chain(blocks).chain(output) {
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
        // The α's stay 0.
        p.into_iter().map(T::from_f64_lossy).collect()
    }

    /// Where each weight matrix (fan_out × fan_in, row-major) lies in the parameter vector,
    /// with its fan_in: the lift, the gates, every block's layers, the output layer.
    pub fn weight_matrices(&self) -> Vec<(Range<usize>, usize)> {
        let blocks = self.blocks.iter().flat_map(|b| &b.layers);
        let layers = [&self.lift].into_iter().chain(&self.gates).chain(blocks);
        layers
            .chain([&self.output])
            .map(|l| (l.weights.clone(), l.fan_in))
            .collect()
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

    /// The number of residual blocks (hidden widths in the spec).
    pub fn depth(&self) -> usize {
        self.blocks.len()
    }

    /// Names and ranges of the parameter groups, in order, covering the whole vector:
    /// "lift weights", "lift biases", "gate U …", "gate V …", per block l "block l layer k
    /// weights", "… biases" (k = 1, 2, 3) and "block l alpha", then "output …".
    pub fn param_groups(&self) -> Vec<(String, Range<usize>)> {
        let mut groups = Vec::new();
        let push = |groups: &mut Vec<(String, Range<usize>)>, name: String, layer: &Linear| {
            groups.push((format!("{name} weights"), layer.weights.clone()));
            groups.push((format!("{name} biases"), layer.biases.clone()));
        };
        push(&mut groups, "lift".to_string(), &self.lift);
        push(&mut groups, "gate U".to_string(), &self.gates[0]);
        push(&mut groups, "gate V".to_string(), &self.gates[1]);
        for (l, block) in self.blocks.iter().enumerate() {
            for (k, layer) in block.layers.iter().enumerate() {
                push(
                    &mut groups,
                    format!("block {} layer {}", l + 1, k + 1),
                    layer,
                );
            }
            let alpha = block.alpha..block.alpha + 1;
            groups.push((format!("block {} alpha", l + 1), alpha));
        }
        push(&mut groups, "output".to_string(), &self.output);
        groups
    }

    /// Evaluates the jets `jets` of every output at n points: `inputs[j]` is the column of
    /// input j (physical coordinates). Fills `tape`, reusing its buffers when sizes match.
    pub fn forward(
        &self,
        params: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        tape: &mut PirateTape<T>,
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
        let PirateTape {
            leibniz,
            x,
            features,
            lift,
            gates,
            diff,
            blocks,
            out,
            ..
        } = tape;
        let (w, rows) = (self.width, jets.len() * n);
        let block = n * w;
        self.fixed.fill(jets, x, n, features, self.fixed.count());
        let phi = MatRef::new(&features[..], rows, self.fixed.count());
        let layer_forward = |layer: &Linear, input: MatRef<'_, T>, saved: &mut LayerTape<T>| {
            network::affine(layer, params, input, n, &mut saved.z);
            network::activate(&*self.activation, jets, block, saved);
        };
        layer_forward(&self.lift, phi, lift);
        for (layer, saved) in self.gates.iter().zip(gates.iter_mut()) {
            layer_forward(layer, phi, saved);
        }
        let [u, v] = &*gates;
        let (u, v) = (&u.a[..], &v.a[..]);
        for ((d, &u), &v) in diff.iter_mut().zip(u).zip(v) {
            *d = u - v;
        }
        for (l, spec) in self.blocks.iter().enumerate() {
            let (done, rest) = blocks.split_at_mut(l);
            let stream = if l == 0 { &lift.a } else { &done[l - 1].next };
            let BlockTape {
                layers: [f, g, h],
                z1,
                z2,
                next,
            } = &mut rest[0];
            let [l1, l2, l3] = &spec.layers;
            layer_forward(l1, MatRef::new(&stream[..], rows, w), f);
            product::forward(leibniz, block, &f.a, diff, Some(v), z1);
            layer_forward(l2, MatRef::new(&z1[..], rows, w), g);
            product::forward(leibniz, block, &g.a, diff, Some(v), z2);
            layer_forward(l3, MatRef::new(&z2[..], rows, w), h);
            let alpha = params[spec.alpha];
            let keep = T::one() - alpha;
            for ((x_next, &h), &x) in next.iter_mut().zip(&h.a).zip(stream.iter()) {
                *x_next = alpha * h + keep * x;
            }
        }
        let last = blocks.last().map_or(&lift.a, |b| &b.next);
        network::output_forward(&self.output, params, n, last, out);
        Ok(())
    }

    /// The reverse pass of the last [`PirateNet::forward`] on `tape` (with the same
    /// `params`): `adjoint` = ∂loss/∂(output jets), laid out like [`PirateTape::outputs`];
    /// ADDS ∂loss/∂params into `grad`.
    pub fn backward(
        &self,
        params: &[T],
        tape: &mut PirateTape<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        self.check_len(params, "params")?;
        self.check_len(grad, "grad")?;
        let PirateTape {
            points: n,
            jets,
            signature,
            leibniz,
            features,
            lift,
            gates,
            diff,
            blocks,
            g_x,
            g_a,
            g_z,
            g_m,
            g_v,
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
        let last = blocks.last().map_or(&lift.a, |b| &b.next);
        network::output_backward(&self.output, params, n, last, adjoint, grad, g_x);
        g_v.fill(T::zero());
        g_d.fill(T::zero());
        let ctx = Reverse {
            jets,
            params,
            n,
            block,
        };
        for (l, spec) in self.blocks.iter().enumerate().rev() {
            let stream = if l == 0 { &lift.a } else { &blocks[l - 1].next };
            let BlockTape {
                layers: [f, g, h],
                z1,
                z2,
                ..
            } = &blocks[l];
            let [l1, l2, l3] = &spec.layers;
            let alpha = params[spec.alpha];
            // x_{l+1} = α h + (1 − α) x: α collects adj ⊙ (h − x) over every jet.
            let g_alpha: T = g_x
                .iter()
                .zip(&h.a)
                .zip(stream.iter())
                .map(|((&g, &h), &x)| g * (h - x))
                .sum();
            grad[spec.alpha] += g_alpha;
            g_a.iter_mut()
                .zip(g_x.iter())
                .for_each(|(a, &g)| *a = alpha * g);
            ctx.layer(
                l3,
                h,
                g_a,
                g_z,
                MatRef::new(z2, rows, w),
                grad,
                Some((&mut g_m[..], false)),
            );
            // z_2 = V + g ⊙ D: V gets g_m as it is, g and D by Leibniz.
            g_v.iter_mut().zip(g_m.iter()).for_each(|(v, &m)| *v += m);
            g_a.fill(T::zero());
            product::backward(leibniz, block, &g.a, diff, g_m, g_a, g_d);
            ctx.layer(
                l2,
                g,
                g_a,
                g_z,
                MatRef::new(z1, rows, w),
                grad,
                Some((&mut g_m[..], false)),
            );
            g_v.iter_mut().zip(g_m.iter()).for_each(|(v, &m)| *v += m);
            g_a.fill(T::zero());
            product::backward(leibniz, block, &f.a, diff, g_m, g_a, g_d);
            // x's adjoint: (1 − α) of x_{l+1}'s, plus what layer 1 passes down.
            let keep = T::one() - alpha;
            g_x.iter_mut().for_each(|g| *g *= keep);
            let input = MatRef::new(&stream[..], rows, w);
            ctx.layer(l1, f, g_a, g_z, input, grad, Some((&mut g_x[..], true)));
        }
        let phi = MatRef::new(&features[..], rows, self.fixed.count());
        // Φ needs no adjoint: nothing under it is trained (no Gaussian features).
        ctx.layer(&self.lift, lift, g_x, g_z, phi, grad, None);
        // D = U − V: U's adjoint is g_d, V's is g_v − g_d.
        let [u, v] = &self.gates;
        ctx.layer(u, &gates[0], g_d, g_z, phi, grad, None);
        g_v.iter_mut().zip(g_d.iter()).for_each(|(v, &d)| *v -= d);
        ctx.layer(v, &gates[1], g_v, g_z, phi, grad, None);
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
    /// jets written into `g_input` (added to it when its flag is set).
    #[allow(clippy::too_many_arguments)]
    fn layer(
        &self,
        layer: &Linear,
        saved: &LayerTape<T>,
        g_a: &[T],
        g_z: &mut [T],
        input: MatRef<'_, T>,
        grad: &mut [T],
        g_input: Option<(&mut [T], bool)>,
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
        if let Some((g_input, add)) = g_input {
            let weights = MatRef::new(&self.params[layer.weights.clone()], w, layer.fan_in);
            let beta = if add { T::one() } else { T::zero() };
            T::gemm(T::one(), g_z_mat, weights, beta, g_input);
        }
    }
}
