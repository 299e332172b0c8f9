//! What a network's forward pass keeps for its reverse pass, and the scratch that pass
//! needs: sized on the first call and reused after, because training evaluates the same
//! shapes thousands of times.

use super::jets::JetSet;
use crate::scalar::Scalar;

/// One hidden layer's jets: pre-activations z, σ^(k)(z value) for k = 1..=max order + 1,
/// and activations a, each (jets · n) × width row-major (the derivatives: one n × width
/// block per k; σ itself is the value block of a).
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerTape<T> {
    pub(crate) z: Vec<T>,
    pub(crate) derivs: Vec<T>,
    pub(crate) a: Vec<T>,
}

/// The record of one forward pass (outputs included) and the reverse pass's scratch.
/// The read-only view every network kind's tape offers (`points`, `jets`, `outputs`,
/// `output`), for a tape struct with fields `points`, `jets`, `outputs` and `out` (output
/// jets, ((jet · outputs) + output) · n + point).
macro_rules! tape_accessors {
    ($tape:ident) => {
        impl<T> $tape<T> {
            /// The number of points of the last forward pass.
            pub fn points(&self) -> usize {
                self.points
            }

            /// The jets of the last forward pass.
            pub fn jets(&self) -> Option<&JetSet> {
                self.jets.as_ref()
            }

            /// All output jets: index ((jet · outputs) + output) · n + point.
            pub fn outputs(&self) -> &[T] {
                &self.out
            }

            /// One output's jet at every point.
            ///
            /// # Panics
            /// If `jet` or `output` is out of range for the last forward pass.
            pub fn output(&self, jet: usize, output: usize) -> &[T] {
                assert!(output < self.outputs, "output {output} of {}", self.outputs);
                let start = (jet * self.outputs + output) * self.points;
                &self.out[start..start + self.points]
            }
        }
    };
}
pub(crate) use tape_accessors;

#[derive(Debug, Clone, Default)]
pub struct Tape<T> {
    pub(crate) points: usize,
    pub(crate) jets: Option<JetSet>,
    /// The filling network's shape (see `Network`), empty until the first forward pass.
    pub(crate) signature: Vec<usize>,
    /// Input columns, input-major.
    pub(crate) x: Vec<T>,
    /// Embedding jets: (jets · n) × features.
    pub(crate) features: Vec<T>,
    pub(crate) gauss: GaussTape<T>,
    pub(crate) layers: Vec<LayerTape<T>>,
    /// Output jets, ((jet · outputs) + output) · n + point.
    pub(crate) out: Vec<T>,
    outputs: usize,
    /// Reverse-pass scratch: adjoints of activations and pre-activations (widest hidden
    /// layer).
    pub(crate) g_a: Vec<T>,
    pub(crate) g_z: Vec<T>,
    /// Reverse-pass scratch: per skip connection, the adjoint its target passes back to its
    /// source, held until the reverse pass reaches the source.
    pub(crate) skip_adjoints: Vec<Vec<T>>,
}

/// The Gaussian features' part of a tape, each (jets · n) × K row-major: jets of the
/// exponents q and of φ = exp(q), and their adjoints (reverse-pass scratch).
#[derive(Debug, Clone, Default)]
pub(crate) struct GaussTape<T> {
    pub(crate) q: Vec<T>,
    pub(crate) phi: Vec<T>,
    pub(crate) g_phi: Vec<T>,
    pub(crate) g_q: Vec<T>,
}

tape_accessors!(Tape);

impl<T: Scalar> Tape<T> {
    /// Sizes every buffer for a pass of `signature` = [inputs, fixed features, features,
    /// hidden widths…, outputs] over n points with `jets`, keeping allocations whose size
    /// is unchanged. Contents are left stale: the forward pass overwrites all of them.
    pub(crate) fn prepare(
        &mut self,
        signature: &[usize],
        jets: &JetSet,
        n: usize,
        derivatives: usize,
    ) {
        if self.jets.as_ref() != Some(jets) {
            self.jets = Some(jets.clone());
        }
        if self.signature != signature {
            self.signature = signature.to_vec();
        }
        let [inputs, fixed, features, ref widths @ .., outputs] = *signature else {
            unreachable!("a network signature has at least one hidden width");
        };
        let rows = jets.len() * n;
        self.points = n;
        self.outputs = outputs;
        resize(&mut self.x, inputs * n);
        resize(&mut self.features, rows * features);
        let gauss = &mut self.gauss;
        for buffer in [
            &mut gauss.q,
            &mut gauss.phi,
            &mut gauss.g_phi,
            &mut gauss.g_q,
        ] {
            resize(buffer, rows * (features - fixed));
        }
        self.layers.resize_with(widths.len(), LayerTape::default);
        for (layer, &w) in self.layers.iter_mut().zip(widths) {
            resize(&mut layer.z, rows * w);
            resize(&mut layer.derivs, (derivatives - 1) * n * w);
            resize(&mut layer.a, rows * w);
        }
        let widest = widths.iter().copied().max().unwrap_or(0);
        resize(&mut self.g_a, rows * widest);
        resize(&mut self.g_z, rows * widest);
        resize(&mut self.out, rows * outputs);
    }
}

fn resize<T: Scalar>(buffer: &mut Vec<T>, len: usize) {
    buffer.resize(len, T::zero());
}
