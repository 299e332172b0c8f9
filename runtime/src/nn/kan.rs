//! Chebyshev Kolmogorov–Arnold networks (SS et al. 2024, "Chebyshev polynomial-based
//! Kolmogorov-Arnold networks"; as PINNs, Kiyani, Shukla et al. 2025) evaluated with
//! Taylor-mode jets, and their hand-written reverse pass. This file owns the basis
//! φ_k(z) = T_k(tanh z) and its derivative tables, the KAN layer's forward and reverse
//! passes, the network built from such layers and its tape ([`KanTape`]).
//!
//! A layer maps features x_i (i < d_in) to y_j = b_j + Σ_i Σ_{k ≤ K} c_{j,i,k} φ_k(x_i).
//! Every layer is a KAN layer, the last one included (no linear output layer): that is the
//! architecture of both papers, and a linear layer after a KAN layer adds nothing a KAN
//! layer cannot express (φ_1 is close to linear near 0 and the bias is there).
//!
//! Layout (the same idea as `network`): a layer's input jets are a row-major
//! (jets · n) × d_in matrix, jet-major blocks of n rows. Each input column is expanded into
//! K + 1 basis columns, giving a (jets · n) × d_in(K+1) matrix Φ with column i(K+1) + k, and
//! the layer is one GEMM of Φ with the coefficients viewed as a d_out × d_in(K+1) row-major
//! matrix (c_{j,i,k} at j·d_in(K+1) + i(K+1) + k). φ_k is element-wise, so the jets of Φ
//! come from `compose` applied to the input jets repeated K + 1 times (one copy per basis
//! column) with φ_k^(m) at the value block: one Faà di Bruno pass over the whole matrix
//! instead of one per k, and Φ comes out already in the layout the GEMM reads.
//!
//! Derivatives of φ_k are polynomials in t = tanh z: d/dz P(t) = (1 − t²) P'(t), so
//! φ_k^(m)(z) = Q_{k,m}(t) with Q_{k,0} = T_k and Q_{k,m+1} = (1 − t²) Q_{k,m}'. The
//! monomial coefficients are tabulated once per network (to order [`MAX_ORDER`] + 1: the
//! reverse pass needs one order above the highest jet) and evaluated by Horner's rule in
//! f64 whatever T is: T_16 in monomial form has coefficients up to 2^15 that cancel, which
//! costs about three digits, too many for f32 but harmless in f64.
//!
//! Parameters live in one flat vector: per layer, its coefficients then its biases, the
//! output layer last. Initial coefficients are N(0, 1/(d_in(K+1))) (each output then sums
//! d_in(K+1) terms of O(1) basis values with unit total variance, the normalisation of the
//! reference implementation's N(0, 1/(d_in(K+1))) draw), biases 0; `spec.init` is not used.

use super::compose;
use super::embedding::FixedFeatures;
use super::jets::{JetSet, MAX_ORDER};
use super::network::{self, NetworkSpec};
use super::tape::tape_accessors;
use crate::rng::Rng;
use crate::scalar::{MatRef, Scalar};
use std::ops::Range;

/// The highest Chebyshev degree a network may use.
pub const MAX_DEGREE: usize = 16;

/// φ^(0..=MAX_ORDER+1): the forward pass needs up to the highest jet order, the reverse
/// pass one more.
const DERIVATIVES: usize = MAX_ORDER + 2;

/// One KAN layer: where its coefficients (fan_out × fan_in(K+1), row-major) and biases
/// live in the flat parameter vector.
#[derive(Debug, Clone)]
struct KanLayer {
    fan_in: usize,
    fan_out: usize,
    coefficients: Range<usize>,
    biases: Range<usize>,
}

/// A Chebyshev KAN: embedding → KAN layers of the hidden widths → a KAN layer to the
/// outputs.
pub struct ChebyshevKan<T: Scalar> {
    inputs: usize,
    outputs: usize,
    degree: usize,
    fixed: FixedFeatures<T>,
    /// Hidden layers, then the output layer.
    layers: Vec<KanLayer>,
    /// `basis[k * DERIVATIVES + m]`: monomial coefficients of Q_{k,m} (see the top
    /// comment), for k ≤ degree.
    basis: Vec<Vec<f64>>,
    num_params: usize,
    /// What a tape filled by this network records, so `backward` can refuse a foreign one:
    /// [inputs, features, widths…, outputs, degree].
    signature: Vec<usize>,
}

impl<T: Scalar> std::fmt::Debug for ChebyshevKan<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChebyshevKan")
            .field("inputs", &self.inputs)
            .field("features", &self.layers[0].fan_in)
            .field(
                "widths",
                &self.layers.iter().map(|l| l.fan_out).collect::<Vec<_>>(),
            )
            .field("degree", &self.degree)
            .field("num_params", &self.num_params)
            .finish_non_exhaustive()
    }
}

impl<T: Scalar> ChebyshevKan<T> {
    /// Builds the network and draws its initial parameters from `rng` (Fourier frequencies
    /// first, then coefficients layer by layer), so a seed fixes everything. `spec.init` is
    /// ignored (see the top comment); Gaussian features are refused.
    pub fn new(
        spec: &NetworkSpec,
        degree: usize,
        rng: &mut Rng,
    ) -> Result<(ChebyshevKan<T>, Vec<T>), String> {
        validate(spec, degree)?;
        let fixed = FixedFeatures::new(&spec.embedding, rng);
        let mut layers = Vec::new();
        let mut next = 0;
        let mut fan_in = fixed.count();
        for &fan_out in spec.hidden.iter().chain(std::iter::once(&spec.outputs)) {
            let coefficients = next..next + fan_out * fan_in * (degree + 1);
            let biases = coefficients.end..coefficients.end + fan_out;
            next = biases.end;
            layers.push(KanLayer {
                fan_in,
                fan_out,
                coefficients,
                biases,
            });
            fan_in = fan_out;
        }
        let mut signature = vec![spec.inputs, fixed.count()];
        signature.extend(layers.iter().map(|l| l.fan_out));
        signature.push(degree);
        let net = ChebyshevKan {
            inputs: spec.inputs,
            outputs: spec.outputs,
            degree,
            fixed,
            layers,
            basis: basis_polynomials(degree),
            num_params: next,
            signature,
        };
        let mut params = vec![T::zero(); net.num_params];
        for layer in &net.layers {
            let std = 1.0 / ((layer.fan_in * (degree + 1)) as f64).sqrt();
            for c in &mut params[layer.coefficients.clone()] {
                *c = T::from_f64_lossy(std * rng.normal());
            }
        }
        Ok((net, params))
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

    /// The Chebyshev degree K (K + 1 basis functions per edge).
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// Names and ranges of the parameter groups, in order, covering the whole vector.
    pub fn param_groups(&self) -> Vec<(String, Range<usize>)> {
        let last = self.layers.len() - 1;
        let mut groups = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            let name = if l == last {
                "output".to_string()
            } else {
                format!("layer {}", l + 1)
            };
            groups.push((format!("{name} coefficients"), layer.coefficients.clone()));
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
        tape: &mut KanTape<T>,
    ) -> Result<(), String> {
        let n = self.check_inputs(inputs)?;
        self.check_len(params, "params")?;
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
        let stride = self.layers[0].fan_in;
        let jets = tape.jets.as_ref().expect("prepared");
        self.fixed
            .fill(jets, &tape.x, n, &mut tape.features, stride);
        let last = self.layers.len() - 1;
        for l in 0..=last {
            self.expand(l, tape);
            if l == last {
                self.output_forward(params, tape);
            } else {
                self.hidden_forward(l, params, tape);
            }
        }
        Ok(())
    }

    /// The reverse pass of the last [`ChebyshevKan::forward`] on `tape` (with the same
    /// `params`): `adjoint` = ∂loss/∂(output jets), laid out like [`KanTape::outputs`];
    /// ADDS ∂loss/∂params into `grad`.
    pub fn backward(
        &self,
        params: &[T],
        tape: &mut KanTape<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        self.check_len(params, "params")?;
        self.check_len(grad, "grad")?;
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
        let last = self.layers.len() - 1;
        self.output_backward(params, tape, adjoint, grad);
        for l in (0..=last).rev() {
            if l != last {
                self.hidden_backward(l, params, tape, grad);
            }
            self.contract_backward(l, tape);
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

    /// The jets of layer l's basis matrix Φ from its input jets (the features, or the
    /// previous layer's outputs).
    fn expand(&self, l: usize, tape: &mut KanTape<T>) {
        let layer = &self.layers[l];
        let jets = tape.jets.as_ref().expect("prepared");
        let (n, nb) = (tape.points, self.degree + 1);
        let (before, rest) = tape.layers.split_at_mut(l);
        let input = if l == 0 {
            &tape.features[..]
        } else {
            &before[l - 1].y[..]
        };
        let KanLayerTape { z, derivs, phi, .. } = &mut rest[0];
        // Column i(K+1) + k of z is input column i: every basis column sees its input's jets.
        for (copies, &v) in z.chunks_exact_mut(nb).zip(input) {
            copies.fill(v);
        }
        let block = n * layer.fan_in * nb;
        let (value, higher) = phi.split_at_mut(block);
        self.basis_values(&input[..n * layer.fan_in], value, derivs, block);
        let derivs: &[T] = derivs;
        compose::forward(jets, block, |m| derivative(derivs, block, m), z, higher);
    }

    /// φ_k(x) into `value` and φ_k^(m)(x), m = 1.., into the m-th block of `derivs`, at
    /// index e(K+1) + k for element e of `x` (the layout of Φ's value block).
    fn basis_values(&self, x: &[T], value: &mut [T], derivs: &mut [T], block: usize) {
        let nb = self.degree + 1;
        let orders = 1 + derivs.len() / block;
        for (e, (&v, out)) in x.iter().zip(value.chunks_exact_mut(nb)).enumerate() {
            // tanh and Horner in f64 (see the top comment).
            let t = v.to_f64().unwrap_or(f64::NAN).tanh();
            for (k, o) in out.iter_mut().enumerate() {
                let row = &self.basis[k * DERIVATIVES..];
                *o = T::from_f64_lossy(horner(&row[0], t));
                for (m, poly) in row.iter().enumerate().take(orders).skip(1) {
                    derivs[(m - 1) * block + e * nb + k] = T::from_f64_lossy(horner(poly, t));
                }
            }
        }
    }

    /// y = Φ · Cᵀ over all jet blocks, plus the bias on the value block only (a constant has
    /// no derivatives).
    fn hidden_forward(&self, l: usize, params: &[T], tape: &mut KanTape<T>) {
        let layer = &self.layers[l];
        let rows = tape.rows();
        let f = layer.fan_in * (self.degree + 1);
        let saved = &mut tape.layers[l];
        let c = MatRef::new(&params[layer.coefficients.clone()], layer.fan_out, f);
        T::gemm(
            T::one(),
            MatRef::new(&saved.phi, rows, f),
            c.t(),
            T::zero(),
            &mut saved.y,
        );
        let bias = &params[layer.biases.clone()];
        for row in saved.y[..tape.points * layer.fan_out].chunks_exact_mut(layer.fan_out) {
            row.iter_mut().zip(bias).for_each(|(v, &b)| *v += b);
        }
    }

    /// One GEMM per jet, so the outputs come out point-fastest as the tape promises; with a
    /// single output the jet blocks are already laid out that way, so one GEMM does them all.
    fn output_forward(&self, params: &[T], tape: &mut KanTape<T>) {
        let layer = self.layers.last().expect("an output layer");
        let (n, o) = (tape.points, self.outputs);
        let f = layer.fan_in * (self.degree + 1);
        let phi = &tape.layers.last().expect("an output layer").phi;
        let rows = output_block(o, n, phi.len() / (n * f));
        let c = MatRef::new(&params[layer.coefficients.clone()], o, f);
        for (p, out) in phi
            .chunks_exact(rows * f)
            .zip(tape.out.chunks_exact_mut(o * rows))
        {
            T::gemm(T::one(), c, MatRef::new(p, rows, f).t(), T::zero(), out);
        }
        for (j, &b) in params[layer.biases.clone()].iter().enumerate() {
            tape.out[j * n..(j + 1) * n]
                .iter_mut()
                .for_each(|v| *v += b);
        }
    }

    /// Output layer reverse: its coefficient and bias gradients, and the adjoint of its basis
    /// jets into `tape.g_phi`.
    fn output_backward(&self, params: &[T], tape: &mut KanTape<T>, adjoint: &[T], grad: &mut [T]) {
        let layer = self.layers.last().expect("an output layer");
        let (n, o) = (tape.points, self.outputs);
        let f = layer.fan_in * (self.degree + 1);
        let phi = &tape.layers.last().expect("an output layer").phi;
        let c = MatRef::new(&params[layer.coefficients.clone()], o, f);
        let rows = output_block(o, n, phi.len() / (n * f));
        let g_phi = &mut tape.g_phi[..phi.len()];
        let blocks = phi
            .chunks_exact(rows * f)
            .zip(adjoint.chunks_exact(o * rows));
        for ((p, g_out), g_p) in blocks.zip(g_phi.chunks_exact_mut(rows * f)) {
            let g_out = MatRef::new(g_out, o, rows);
            T::gemm(
                T::one(),
                g_out,
                MatRef::new(p, rows, f),
                T::one(),
                &mut grad[layer.coefficients.clone()],
            );
            T::gemm(T::one(), g_out.t(), c, T::zero(), g_p);
        }
        for (b, g) in grad[layer.biases.clone()]
            .iter_mut()
            .zip(adjoint.chunks_exact(n))
        {
            *b += g.iter().copied().sum::<T>();
        }
    }

    /// Hidden layer reverse, GEMM part: from the adjoint of its output jets (`tape.g_y`) to
    /// its coefficient and bias gradients and the adjoint of its basis jets (`tape.g_phi`).
    fn hidden_backward(&self, l: usize, params: &[T], tape: &mut KanTape<T>, grad: &mut [T]) {
        let layer = &self.layers[l];
        let (rows, w) = (tape.rows(), layer.fan_out);
        let f = layer.fan_in * (self.degree + 1);
        let g_y = MatRef::new(&tape.g_y[..rows * w], rows, w);
        let phi = MatRef::new(&tape.layers[l].phi[..], rows, f);
        T::gemm(
            T::one(),
            g_y.t(),
            phi,
            T::one(),
            &mut grad[layer.coefficients.clone()],
        );
        // Only the value block: the bias is constant, so its derivatives vanish.
        let g_bias = &mut grad[layer.biases.clone()];
        for row in g_y.data[..tape.points * w].chunks_exact(w) {
            g_bias.iter_mut().zip(row).for_each(|(b, &g)| *b += g);
        }
        let c = MatRef::new(&params[layer.coefficients.clone()], w, f);
        T::gemm(T::one(), g_y, c, T::zero(), &mut tape.g_phi[..rows * f]);
    }

    /// Layer l reverse, basis part: from the adjoint of Φ's jets (`tape.g_phi`) to the
    /// adjoint of the layer's input jets, which is the previous layer's `tape.g_y` (nothing
    /// for the first layer: the embedding is fixed).
    fn contract_backward(&self, l: usize, tape: &mut KanTape<T>) {
        if l == 0 {
            return;
        }
        let layer = &self.layers[l];
        let jets = tape.jets.as_ref().expect("prepared");
        let (n, nb) = (tape.points, self.degree + 1);
        let rows = jets.len() * n;
        let f = layer.fan_in * nb;
        let block = n * f;
        let saved = &tape.layers[l];
        let derivs = &saved.derivs;
        let g_z = &mut tape.g_z[..rows * f];
        compose::backward(
            jets,
            block,
            |m| derivative(derivs, block, m),
            &saved.z,
            &tape.g_phi[..rows * f],
            g_z,
        );
        // Each input column was copied into K + 1 basis columns: its adjoint is their sum.
        let g_y = &mut tape.g_y[..rows * layer.fan_in];
        for (g, copies) in g_y.iter_mut().zip(g_z.chunks_exact(nb)) {
            *g = copies.iter().copied().sum();
        }
    }
}

/// φ^(m) at the value block, m ≥ 1, from a layer's `derivs` (which start at φ').
fn derivative<T>(derivs: &[T], block: usize, m: usize) -> &[T] {
    &derivs[(m - 1) * block..m * block]
}

/// Rows of the output layer's basis matrix per product: one jet block of n points, or all
/// `jets` blocks at once for a single output (see `network`).
fn output_block(outputs: usize, n: usize, jets: usize) -> usize {
    if outputs == 1 {
        jets * n
    } else {
        n
    }
}

/// `poly(t)` by Horner's rule; `poly[d]` is the coefficient of t^d.
fn horner(poly: &[f64], t: f64) -> f64 {
    poly.iter().rev().fold(0.0, |acc, &c| acc * t + c)
}

/// `table[k * DERIVATIVES + m]`: monomial coefficients of Q_{k,m}(t) = d^m/dz^m T_k(tanh z)
/// for k ≤ degree, m ≤ MAX_ORDER + 1. T_0 = 1, T_1 = t, T_{k+1} = 2t T_k − T_{k−1};
/// Q_{k,m+1} = (1 − t²) Q_{k,m}', of degree k + m.
pub(super) fn basis_polynomials(degree: usize) -> Vec<Vec<f64>> {
    let mut chebyshev: Vec<Vec<f64>> = vec![vec![1.0], vec![0.0, 1.0]];
    for k in 1..degree {
        let mut next = vec![0.0; k + 2];
        for (d, &c) in chebyshev[k].iter().enumerate() {
            next[d + 1] += 2.0 * c;
        }
        for (d, &c) in chebyshev[k - 1].iter().enumerate() {
            next[d] -= c;
        }
        chebyshev.push(next);
    }
    let mut table = Vec::with_capacity((degree + 1) * DERIVATIVES);
    for t_k in chebyshev.into_iter().take(degree + 1) {
        let mut p = t_k;
        for _ in 0..DERIVATIVES {
            // P' has degree deg P − 1; times (1 − t²) gives deg P + 1.
            let mut next = vec![0.0; p.len() + 1];
            for (d, &c) in p.iter().enumerate().skip(1) {
                let dc = c * d as f64;
                next[d - 1] += dc;
                next[d + 1] -= dc;
            }
            table.push(std::mem::replace(&mut p, next));
        }
    }
    table
}

/// Evaluates Q_{k,m}(tanh z) from [`basis_polynomials`]' table (for the tests).
#[cfg(test)]
pub(super) fn basis_derivative(table: &[Vec<f64>], k: usize, m: usize, z: f64) -> f64 {
    horner(&table[k * DERIVATIVES + m], z.tanh())
}

fn validate(spec: &NetworkSpec, degree: usize) -> Result<(), String> {
    if degree == 0 || degree > MAX_DEGREE {
        return Err(format!(
            "Chebyshev degree {degree}: must be between 1 and {MAX_DEGREE}"
        ));
    }
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
    spec.embedding.validate(spec.inputs)?;
    if spec.embedding.gaussian.is_some() {
        return Err("Chebyshev KANs do not support Gaussian features".to_string());
    }
    Ok(())
}

/// One KAN layer's jets: its input jets repeated per basis column (z), φ^(m) at the value
/// block for m = 1..=max order + 1 (one n × d_in(K+1) block per m; φ itself is Φ's value
/// block), the basis jets Φ, all (jets · n) × d_in(K+1) row-major, and the layer's output
/// jets y, (jets · n) × d_out (empty for the output layer, which writes the tape's outputs).
#[derive(Debug, Clone, Default)]
struct KanLayerTape<T> {
    z: Vec<T>,
    derivs: Vec<T>,
    phi: Vec<T>,
    y: Vec<T>,
}

/// The record of one [`ChebyshevKan::forward`] (outputs included) and the reverse pass's
/// scratch, sized on the first call and reused after.
#[derive(Debug, Clone, Default)]
pub struct KanTape<T> {
    points: usize,
    jets: Option<JetSet>,
    /// The filling network's signature, empty until the first forward pass.
    signature: Vec<usize>,
    outputs: usize,
    /// Input columns, input-major.
    x: Vec<T>,
    /// Embedding jets: (jets · n) × features.
    features: Vec<T>,
    layers: Vec<KanLayerTape<T>>,
    /// Output jets, ((jet · outputs) + output) · n + point.
    out: Vec<T>,
    /// Reverse-pass scratch: adjoints of a layer's output jets (widest hidden layer), of its
    /// basis jets and of its repeated input jets (widest basis matrix).
    g_y: Vec<T>,
    g_phi: Vec<T>,
    g_z: Vec<T>,
}

tape_accessors!(KanTape);

impl<T> KanTape<T> {
    fn rows(&self) -> usize {
        self.jets.as_ref().map_or(0, JetSet::len) * self.points
    }

    /// Where every buffer lives, to check that a sized tape does not reallocate.
    #[cfg(test)]
    pub(super) fn buffer_pointers(&self) -> Vec<*const T> {
        let mut p = vec![self.x.as_ptr(), self.features.as_ptr(), self.out.as_ptr()];
        p.extend([self.g_y.as_ptr(), self.g_phi.as_ptr(), self.g_z.as_ptr()]);
        for l in &self.layers {
            p.extend([
                l.z.as_ptr(),
                l.derivs.as_ptr(),
                l.phi.as_ptr(),
                l.y.as_ptr(),
            ]);
        }
        p
    }
}

impl<T: Scalar> KanTape<T> {
    /// Sizes every buffer for a pass of `signature` = [inputs, features, widths…, outputs,
    /// degree] over n points with `jets` and `derivatives` orders of φ (0 included), keeping
    /// allocations whose size is unchanged. Contents are left stale: the forward pass
    /// overwrites all of them.
    fn prepare(&mut self, signature: &[usize], jets: &JetSet, n: usize, derivatives: usize) {
        if self.jets.as_ref() != Some(jets) {
            self.jets = Some(jets.clone());
        }
        if self.signature != signature {
            self.signature = signature.to_vec();
        }
        let [inputs, features, ref widths @ .., degree] = *signature else {
            unreachable!("a KAN signature has inputs, features, widths and a degree");
        };
        let nb = degree + 1;
        let outputs = *widths.last().expect("an output width");
        let rows = jets.len() * n;
        self.points = n;
        self.outputs = outputs;
        resize(&mut self.x, inputs * n);
        resize(&mut self.features, rows * features);
        self.layers.resize_with(widths.len(), KanLayerTape::default);
        let mut fan_in = features;
        let mut widest_basis = 0;
        for (l, (layer, &w)) in self.layers.iter_mut().zip(widths).enumerate() {
            let f = fan_in * nb;
            widest_basis = widest_basis.max(f);
            resize(&mut layer.z, rows * f);
            resize(&mut layer.derivs, (derivatives - 1) * n * f);
            resize(&mut layer.phi, rows * f);
            let hidden = l + 1 < widths.len();
            resize(&mut layer.y, if hidden { rows * w } else { 0 });
            fan_in = w;
        }
        let hidden = &widths[..widths.len() - 1];
        let widest = hidden.iter().copied().max().unwrap_or(0);
        resize(&mut self.g_y, rows * widest);
        resize(&mut self.g_phi, rows * widest_basis);
        resize(&mut self.g_z, rows * widest_basis);
        resize(&mut self.out, rows * outputs);
    }
}

fn resize<T: Scalar>(buffer: &mut Vec<T>, len: usize) {
    buffer.resize(len, T::zero());
}
