//! Finite-basis PINNs (Moseley, Markham & Nissen-Meyer 2023): the domain box is cut into a
//! tensor grid of overlapping subdomains, each with its own small [`Network`] that sees its
//! own subdomain normalised to [−1, 1], and the output is u(x) = Σ_k w_k(x) · N_k(x) with
//! w_k a smooth partition of unity. This file owns the subdomain grid, the windows w_k and
//! their jets, the product rule that combines window and network jets, and the gather and
//! scatter of points between the whole batch and each subdomain network.
//!
//! Windows. Along a split input with P parts of width h and overlap δ (ramp width ρ = δh),
//! subdomain k's 1-D window is S((x − a_k)/ρ) · S((b_k − x)/ρ), where [a_k, b_k] =
//! [lo + kh − ρ/2, lo + (k+1)h + ρ/2] is its extended interval and S is the C^∞ smooth step
//! S(t) = f(t) / (f(t) + f(1 − t)), f(t) = e^{−1/t} for t > 0, 0 otherwise (S = 0 for
//! t ≤ 0, 1 for t ≥ 1). The first part has no left factor and the last no right one, so
//! the windows cover the whole line. Neighbours share their ramp: b_k − a_{k+1} = ρ, so
//! their factors are S(1 − t) and S(t), and S(1 − t) + S(t) = 1: the 1-D windows sum to 1
//! exactly, and the tensor products w_k = Π_i ψ_{k_i}(x_i) over split inputs sum to 1 on
//! all of ℝ^d. The normalisation Σ_j φ_j of the paper's windows is therefore identically 1
//! and is not computed (no quotient jets needed). Why this rather than the paper's
//! sigmoid products: it is C^∞, it equals 1 in each core away from the ramps (so a
//! subdomain network alone decides u there), and it is exactly 0 outside the extended
//! subdomain, so evaluating each network only on the points strictly inside its extended
//! box is exact, not an approximation. δ ≤ 1 keeps a subdomain's two ramps apart, and
//! makes at most two parts cover any x along an input, so a point is evaluated by at most
//! 2^(split inputs) networks. The outermost parts' networks still normalise their extended
//! box (reaching ρ/2 beyond the domain), but their windows do not cut off there, so points
//! outside the domain get a well-defined u as well. Along an input that is not split the
//! subdomain box is the domain itself and no window factor enters.
//!
//! In f64, f(t) is taken as exactly 0 for t < 1e-3 (e^{−1000} underflows anyway), so the
//! cut-off is the one IEEE arithmetic would give, and deterministic.
//!
//! Jets. The window jets are products of 1-D derivatives (w_k is a product of functions of
//! distinct inputs): D^J w_k = Π_i ψ_{k_i}^{(m_i(J))}(x_i), with m_i(J) the multiplicity
//! of input i in J; the 1-D derivatives come from truncated Taylor arithmetic on S (exp,
//! reciprocal, quotient of series), in f64, whatever T is. The output jets are Leibniz's
//! rule over sub-multisets, D^J(w N) = Σ_{S ⊆ J} Π_i C(m_i(J), m_i(S)) · D^S w · D^{J−S} N,
//! keeping only S over split inputs (the windows do not depend on the others).
//!
//! Parameters: one flat vector, subdomain networks one after another. Subdomain k is the
//! grid cell (k_0, …, k_{d−1}) in row-major order (the last input varies fastest).

use super::activation::Activation;
use super::embedding::Embedding;
use super::jets::{JetSet, MAX_ORDER};
use super::network::{self, Init, Network, NetworkSpec};
use super::tape::{tape_accessors, Tape};
use crate::rng::Rng;
use crate::scalar::Scalar;
use std::ops::Range;
use std::sync::Arc;

/// The shape of a domain-decomposed network.
#[derive(Debug, Clone, PartialEq)]
pub struct DecomposedSpec {
    pub inputs: usize,
    pub outputs: usize,
    /// Per input: the whole domain, (lo, hi).
    pub bounds: Vec<(f64, f64)>,
    /// Per input: how many subdomains along it (1 = not split).
    pub parts: Vec<usize>,
    /// The fraction of a subdomain's width by which neighbours overlap, in (0, 1].
    pub overlap: f64,
    /// Hidden widths of every subdomain network.
    pub hidden: Vec<usize>,
    pub init: Init,
    /// Per input: a period, passed to every subdomain network's embedding (exact
    /// periodicity). A periodic input cannot be split: the windows do not wrap around.
    pub periods: Vec<Option<f64>>,
}

/// One input's subdomain grid.
#[derive(Debug, Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    parts: usize,
    /// Core width h.
    width: f64,
    /// Ramp width ρ = overlap · h: how far neighbouring extended intervals overlap.
    ramp: f64,
}

impl Axis {
    /// The extended interval of part k (the whole domain if the input is not split).
    fn extended(&self, k: usize) -> (f64, f64) {
        if self.parts == 1 {
            return (self.lo, self.hi);
        }
        let core = self.lo + k as f64 * self.width;
        (core - 0.5 * self.ramp, core + self.width + 0.5 * self.ramp)
    }

    /// Whether part k's window can be nonzero at x: x strictly inside its extended
    /// interval, unbounded on the domain's outer sides. Outside, the window and all its
    /// derivatives are exactly 0.
    fn covers(&self, k: usize, x: f64) -> bool {
        let (a, b) = self.extended(k);
        (k == 0 || x > a) && (k + 1 == self.parts || x < b)
    }

    /// The parts that cover x (see [`Axis::covers`]): a contiguous range, since a_k and b_k
    /// grow with k, searched around the core holding x (empty only for NaN).
    fn covering(&self, x: f64) -> Range<usize> {
        if self.parts == 1 {
            return 0..1;
        }
        let core = ((x - self.lo) / self.width).floor();
        // NaN casts to 0; the clamp keeps points outside the domain on the edge parts.
        let core = core.clamp(0.0, (self.parts - 1) as f64) as usize;
        let mut near = core.saturating_sub(2)..(core + 3).min(self.parts);
        match (
            near.find(|&k| self.covers(k, x)),
            near.rfind(|&k| self.covers(k, x)),
        ) {
            (Some(first), Some(last)) => first..last + 1,
            (Some(first), None) => first..first + 1,
            _ => 0..0,
        }
    }

    /// ψ_k^(m)(x) for m = 0..=MAX_ORDER. An unsplit input gives the constant 1.
    fn window(&self, k: usize, x: f64) -> Series {
        let mut w = constant(1.0);
        if self.parts == 1 {
            return w;
        }
        let (a, b) = self.extended(k);
        if k > 0 {
            w = mul(
                &w,
                &scaled(&smooth_step((x - a) / self.ramp), 1.0 / self.ramp),
            );
        }
        if k + 1 < self.parts {
            w = mul(
                &w,
                &scaled(&smooth_step((b - x) / self.ramp), -1.0 / self.ramp),
            );
        }
        // Taylor coefficients to derivatives.
        let mut factorial = 1.0;
        for (m, c) in w.iter_mut().enumerate().skip(1) {
            factorial *= m as f64;
            *c *= factorial;
        }
        w
    }
}

/// A truncated Taylor series c_0 + c_1 ε + … + c_MAX_ORDER ε^MAX_ORDER.
type Series = [f64; MAX_ORDER + 1];

fn constant(c: f64) -> Series {
    let mut s = [0.0; MAX_ORDER + 1];
    s[0] = c;
    s
}

fn mul(a: &Series, b: &Series) -> Series {
    std::array::from_fn(|n| (0..=n).map(|k| a[k] * b[n - k]).sum())
}

fn div(a: &Series, b: &Series) -> Series {
    let mut q = [0.0; MAX_ORDER + 1];
    for n in 0..=MAX_ORDER {
        let known: f64 = (1..=n).map(|k| b[k] * q[n - k]).sum();
        q[n] = (a[n] - known) / b[0];
    }
    q
}

fn exp(a: &Series) -> Series {
    let mut e = constant(a[0].exp());
    for n in 1..=MAX_ORDER {
        let sum: f64 = (1..=n).map(|k| k as f64 * a[k] * e[n - k]).sum();
        e[n] = sum / n as f64;
    }
    e
}

/// The series of s(x) = S(c·x) around x from the series of S around c·x: c^m per term.
fn scaled(s: &Series, c: f64) -> Series {
    let mut power = 1.0;
    std::array::from_fn(|m| {
        let v = s[m] * power;
        power *= c;
        v
    })
}

/// The Taylor series of f(t + ε) = e^{−1/(t+ε)} in ε, with f = 0 for t < 1e-3: there
/// e^{−1/t} ≤ e^{−1000} underflows to 0 in f64 anyway, and skipping it avoids ∞ · 0 from
/// the 1/t^5 terms at tiny t.
fn bump_edge(t: f64, slope: f64) -> Series {
    if t < 1e-3 {
        return [0.0; MAX_ORDER + 1];
    }
    let mut u = constant(t);
    u[1] = slope;
    exp(&div(&constant(-1.0), &u))
}

/// The Taylor series of the smooth step S(t + ε) = f(t+ε) / (f(t+ε) + f(1−t−ε)) in ε.
/// The denominator is at least 2e^{−2} on [0, 1] and equals f of the far side outside,
/// so it never vanishes.
fn smooth_step(t: f64) -> Series {
    let rising = bump_edge(t, 1.0);
    let falling = bump_edge(1.0 - t, -1.0);
    let total: Series = std::array::from_fn(|m| rising[m] + falling[m]);
    div(&rising, &total)
}

/// Per output jet J: the Leibniz terms (S, J − S, coefficient) with S over split inputs
/// only, and per jet its multiplicity of every input.
#[derive(Debug, Clone, Default, PartialEq)]
struct Leibniz {
    terms: Vec<Vec<(usize, usize, f64)>>,
    counts: Vec<Vec<usize>>,
}

impl Leibniz {
    fn new(jets: &JetSet, split: &[bool]) -> Leibniz {
        let d = split.len();
        let counts: Vec<Vec<usize>> = jets
            .jets()
            .iter()
            .map(|jet| {
                let mut c = vec![0; d];
                jet.iter().for_each(|&i| c[i] += 1);
                c
            })
            .collect();
        let terms = counts
            .iter()
            .map(|count| {
                let mut terms = Vec::new();
                let mut sub = vec![0; d];
                sub_multisets(count, split, 0, &mut sub, &mut |sub| {
                    let multiset = |c: &[usize]| -> Vec<usize> {
                        (0..d).flat_map(|i| std::iter::repeat_n(i, c[i])).collect()
                    };
                    let rest: Vec<usize> = (0..d).map(|i| count[i] - sub[i]).collect();
                    let coefficient = (0..d).map(|i| binomial(count[i], sub[i])).product();
                    let s = jets
                        .index(&multiset(sub))
                        .expect("closed under sub-multisets");
                    let r = jets
                        .index(&multiset(&rest))
                        .expect("closed under sub-multisets");
                    terms.push((s, r, coefficient));
                });
                terms
            })
            .collect();
        Leibniz { terms, counts }
    }
}

/// Calls `visit` with every multiplicity vector `sub` ≤ `count` that is 0 off split inputs.
fn sub_multisets(
    count: &[usize],
    split: &[bool],
    i: usize,
    sub: &mut Vec<usize>,
    visit: &mut dyn FnMut(&[usize]),
) {
    if i == count.len() {
        visit(sub);
        return;
    }
    let top = if split[i] { count[i] } else { 0 };
    for m in 0..=top {
        sub[i] = m;
        sub_multisets(count, split, i + 1, sub, visit);
    }
    sub[i] = 0;
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, j| acc * (n - j) as f64 / (j + 1) as f64)
}

/// A finite-basis network: subdomain networks blended by a partition of unity.
#[derive(Debug)]
pub struct Decomposed<T: Scalar> {
    inputs: usize,
    outputs: usize,
    axes: Vec<Axis>,
    /// Per subdomain: its grid cell (one part index per input).
    cells: Vec<Vec<usize>>,
    /// Per input: how far subdomain indices move per part along it (row-major).
    strides: Vec<usize>,
    nets: Vec<Network<T>>,
    /// Per subdomain: its range in the flat parameter vector.
    ranges: Vec<Range<usize>>,
    num_params: usize,
    /// What a tape filled by this network records, so `backward` can refuse a foreign one.
    signature: Vec<usize>,
}

/// One subdomain's part of a [`DecomposedTape`].
#[derive(Debug, Clone, Default)]
struct SubTape<T> {
    /// The batch indices of the points it was evaluated on, ascending.
    points: Vec<usize>,
    /// Its window's jets at those points: jet-major blocks of `points.len()` values.
    window: Vec<T>,
    tape: Tape<T>,
}

/// One input's parts at every point of a forward pass: the 1-D windows are computed once
/// per (input, covering part, point), not once per subdomain.
#[derive(Debug, Clone, Default)]
struct Cover {
    /// Per point: the first part covering it.
    first: Vec<usize>,
    /// Per point and one more: where its parts' windows start in `series`.
    start: Vec<usize>,
    /// ψ_k^(m) of every covering part k at every point, point after point.
    series: Vec<Series>,
}

impl Cover {
    fn fill<T: Scalar>(&mut self, axis: &Axis, column: &[T]) {
        self.first.clear();
        self.start.clear();
        self.series.clear();
        self.start.push(0);
        for &x in column {
            let x = to_f64(x);
            let parts = axis.covering(x);
            self.first.push(parts.start);
            self.series.extend(parts.map(|k| axis.window(k, x)));
            self.start.push(self.series.len());
        }
    }

    /// How many parts cover point p.
    fn count(&self, p: usize) -> usize {
        self.start[p + 1] - self.start[p]
    }

    /// Part k's window at point p (k must cover p).
    fn window(&self, p: usize, k: usize) -> &Series {
        &self.series[self.start[p] + k - self.first[p]]
    }
}

/// The record of one [`Decomposed::forward`] and the reverse pass's scratch, reused
/// across calls.
#[derive(Debug, Clone, Default)]
pub struct DecomposedTape<T> {
    points: usize,
    outputs: usize,
    jets: Option<JetSet>,
    signature: Vec<usize>,
    leibniz: Leibniz,
    subs: Vec<SubTape<T>>,
    /// Per input: which parts cover each point, with their 1-D windows.
    cover: Vec<Cover>,
    /// Scratch for `forward`'s odometer: per input, which of a point's covering parts.
    choice: Vec<usize>,
    /// Output jets, ((jet · outputs) + output) · n + point.
    out: Vec<T>,
    /// Scratch: gathered input columns, then a subdomain's output adjoint.
    scratch: Vec<T>,
}

tape_accessors!(DecomposedTape);

impl<T: Scalar> Decomposed<T> {
    /// Builds the subdomain networks in order, each drawing its parameters from `rng`, so
    /// a seed fixes everything (with one subdomain, exactly the draws of one [`Network`]
    /// on the whole box).
    pub fn new(
        spec: &DecomposedSpec,
        activation: Arc<dyn Activation<T>>,
        rng: &mut Rng,
    ) -> Result<(Decomposed<T>, Vec<T>), String> {
        let axes = validate(spec)?;
        let count = spec.parts.iter().product::<usize>();
        let mut cells = Vec::with_capacity(count);
        let mut nets = Vec::with_capacity(count);
        let mut ranges = Vec::with_capacity(count);
        let mut params = Vec::new();
        for k in 0..count {
            let mut cell = vec![0; spec.inputs];
            let mut rest = k;
            for (i, axis) in axes.iter().enumerate().rev() {
                cell[i] = rest % axis.parts;
                rest /= axis.parts;
            }
            let (lo, hi): (Vec<f64>, Vec<f64>) = axes
                .iter()
                .zip(&cell)
                .map(|(axis, &part)| axis.extended(part))
                .unzip();
            let mut embedding = Embedding::for_box(&lo, &hi);
            embedding.period = spec.periods.clone();
            let net_spec = NetworkSpec {
                inputs: spec.inputs,
                outputs: spec.outputs,
                hidden: spec.hidden.clone(),
                init: spec.init,
                embedding,
                layer_inits: Vec::new(),
                residuals: Vec::new(),
            };
            let (net, p) = Network::new(&net_spec, activation.clone(), rng)
                .map_err(|e| format!("subdomain {k}: {e}"))?;
            ranges.push(params.len()..params.len() + p.len());
            params.extend(p);
            nets.push(net);
            cells.push(cell);
        }
        let mut strides = vec![1; spec.inputs];
        for i in (0..spec.inputs.saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * spec.parts[i + 1];
        }
        let mut signature = vec![spec.inputs, spec.outputs, count, params.len()];
        signature.extend(&spec.parts);
        let net = Decomposed {
            inputs: spec.inputs,
            outputs: spec.outputs,
            axes,
            cells,
            strides,
            nets,
            ranges,
            num_params: params.len(),
            signature,
        };
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

    /// How many subdomains (and subdomain networks) there are.
    pub fn subdomains(&self) -> usize {
        self.nets.len()
    }

    /// Names and ranges of the parameter groups, in order, covering the whole vector:
    /// each subdomain network's groups prefixed with "subdomain k ".
    pub fn param_groups(&self) -> Vec<(String, Range<usize>)> {
        let mut groups = Vec::new();
        for (k, (net, range)) in self.nets.iter().zip(&self.ranges).enumerate() {
            for (name, r) in net.param_groups() {
                groups.push((
                    format!("subdomain {k} {name}"),
                    range.start + r.start..range.start + r.end,
                ));
            }
        }
        groups
    }

    /// The jets of subdomain k's window at one point (physical coordinates), in `jets`
    /// order.
    #[cfg(test)]
    pub(crate) fn window_jets(&self, k: usize, point: &[f64], jets: &JetSet) -> Vec<f64> {
        let counts = Leibniz::new(jets, &self.split()).counts;
        let series: Vec<Series> = self
            .axes
            .iter()
            .zip(&self.cells[k])
            .zip(point)
            .map(|((axis, &part), &x)| axis.window(part, x))
            .collect();
        // An unsplit input's series is the constant 1, so a jet along it gets 0.
        counts
            .iter()
            .map(|count| series.iter().zip(count).map(|(s, &m)| s[m]).product())
            .collect()
    }

    /// Per subdomain: the points of `inputs` the last forward on `tape` evaluated it on,
    /// and the points [`Axis::covers`] admits, checked cell by cell.
    #[cfg(test)]
    pub(crate) fn gathered(
        &self,
        inputs: &[&[T]],
        tape: &DecomposedTape<T>,
    ) -> Vec<(Vec<usize>, Vec<usize>)> {
        let n = inputs[0].len();
        (0..self.nets.len())
            .map(|k| {
                let brute = (0..n)
                    .filter(|&p| {
                        (0..self.inputs)
                            .all(|i| self.axes[i].covers(self.cells[k][i], to_f64(inputs[i][p])))
                    })
                    .collect();
                (tape.subs[k].points.clone(), brute)
            })
            .collect()
    }

    fn split(&self) -> Vec<bool> {
        self.axes.iter().map(|a| a.parts > 1).collect()
    }

    /// Evaluates the jets `jets` of every output at n points: `inputs[j]` is the column of
    /// input j (physical coordinates). Each subdomain network runs only on the points its
    /// window can be nonzero at (strictly inside its extended box along split inputs); its
    /// jets, times its window's, are added to those points' outputs by Leibniz's rule,
    /// subdomain by subdomain in order. A NaN coordinate along a split input gives NaN.
    pub fn forward(
        &self,
        params: &[T],
        inputs: &[&[T]],
        jets: &JetSet,
        tape: &mut DecomposedTape<T>,
    ) -> Result<(), String> {
        let n = self.check_inputs(inputs)?;
        self.check_len(params, "params")?;
        if let Some(i) = jets.max_input().filter(|&i| i >= self.inputs) {
            return Err(format!(
                "a jet refers to input {i}, but the network has {} inputs",
                self.inputs
            ));
        }
        if tape.jets.as_ref() != Some(jets) || tape.signature != self.signature {
            tape.leibniz = Leibniz::new(jets, &self.split());
            tape.jets = Some(jets.clone());
            tape.signature = self.signature.clone();
        }
        tape.points = n;
        tape.outputs = self.outputs;
        tape.subs.resize_with(self.nets.len(), SubTape::default);
        tape.out.clear();
        tape.out.resize(jets.len() * self.outputs * n, T::zero());
        let DecomposedTape {
            leibniz,
            subs,
            cover,
            choice,
            out,
            scratch,
            ..
        } = tape;
        let (d, o_count) = (self.inputs, self.outputs);
        cover.resize_with(d, Cover::default);
        for ((c, axis), col) in cover.iter_mut().zip(&self.axes).zip(inputs) {
            c.fill(axis, col);
        }
        // Each point joins every subdomain whose cell is made of covering parts: an
        // odometer over the (one or two) covering parts of every input.
        subs.iter_mut().for_each(|sub| sub.points.clear());
        choice.clear();
        choice.resize(d, 0);
        for p in 0..n {
            if cover.iter().any(|c| c.count(p) == 0) {
                // Only a NaN coordinate is covered by no part: keep it visible.
                out.iter_mut()
                    .skip(p)
                    .step_by(n)
                    .for_each(|v| *v = T::nan());
                continue;
            }
            choice.fill(0);
            'cells: loop {
                let k: usize = (0..d)
                    .map(|i| (cover[i].first[p] + choice[i]) * self.strides[i])
                    .sum();
                subs[k].points.push(p);
                for i in (0..d).rev() {
                    choice[i] += 1;
                    if choice[i] < cover[i].count(p) {
                        continue 'cells;
                    }
                    choice[i] = 0;
                }
                break;
            }
        }
        for (k, sub) in subs.iter_mut().enumerate() {
            let m = sub.points.len();
            if m == 0 {
                continue;
            }
            scratch.clear();
            for col in inputs {
                scratch.extend(sub.points.iter().map(|&p| col[p]));
            }
            let cols: Vec<&[T]> = scratch.chunks_exact(m).collect();
            let params = &params[self.ranges[k].clone()];
            self.nets[k].forward(params, &cols, jets, &mut sub.tape)?;
            sub.window.clear();
            sub.window.resize(jets.len() * m, T::zero());
            let cell = &self.cells[k];
            for (q, &p) in sub.points.iter().enumerate() {
                for (j, count) in leibniz.counts.iter().enumerate() {
                    // An unsplit input's series is the constant 1, so a jet along it gets 0.
                    let w: f64 = (0..d)
                        .map(|i| cover[i].window(p, cell[i])[count[i]])
                        .product();
                    sub.window[j * m + q] = T::from_f64_lossy(w);
                }
            }
            let y = sub.tape.outputs();
            for (j, terms) in leibniz.terms.iter().enumerate() {
                for &(s, r, c) in terms {
                    let c = T::from_f64_lossy(c);
                    let w = &sub.window[s * m..(s + 1) * m];
                    for o in 0..o_count {
                        let dst = &mut out[(j * o_count + o) * n..][..n];
                        let src = &y[(r * o_count + o) * m..][..m];
                        for ((&p, &w), &y) in sub.points.iter().zip(w).zip(src) {
                            dst[p] += c * w * y;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The reverse pass of the last [`Decomposed::forward`] on `tape` (with the same
    /// `params`): `adjoint` = ∂loss/∂(output jets), laid out like
    /// [`DecomposedTape::outputs`]; ADDS ∂loss/∂params into `grad`. The windows are
    /// constants here, so each subdomain network gets the adjoint of its own jets,
    /// ∂loss/∂D^R N_k = Σ_{J, S: J − S = R} c(J, S) · D^S w_k · ∂loss/∂D^J u, gathered at its
    /// points.
    pub fn backward(
        &self,
        params: &[T],
        tape: &mut DecomposedTape<T>,
        adjoint: &[T],
        grad: &mut [T],
    ) -> Result<(), String> {
        self.check_len(params, "params")?;
        self.check_len(grad, "grad")?;
        let DecomposedTape {
            points: n,
            jets,
            signature,
            leibniz,
            subs,
            scratch,
            ..
        } = tape;
        let (n, o_count) = (*n, self.outputs);
        let jets = match jets {
            Some(jets) if *signature == self.signature => jets,
            _ => return Err("the tape was not filled by this network's forward pass".to_string()),
        };
        let want = jets.len() * o_count * n;
        if adjoint.len() != want {
            return Err(format!(
                "adjoint has {} values, the outputs have {want}",
                adjoint.len()
            ));
        }
        for (k, sub) in subs.iter_mut().enumerate() {
            let m = sub.points.len();
            if m == 0 {
                continue;
            }
            scratch.clear();
            scratch.resize(jets.len() * o_count * m, T::zero());
            for (j, terms) in leibniz.terms.iter().enumerate() {
                for &(s, r, c) in terms {
                    let c = T::from_f64_lossy(c);
                    let w = &sub.window[s * m..(s + 1) * m];
                    for o in 0..o_count {
                        let g = &adjoint[(j * o_count + o) * n..][..n];
                        let dst = &mut scratch[(r * o_count + o) * m..][..m];
                        for ((d, &p), &w) in dst.iter_mut().zip(&sub.points).zip(w) {
                            *d += c * w * g[p];
                        }
                    }
                }
            }
            let range = self.ranges[k].clone();
            self.nets[k].backward(
                &params[range.clone()],
                &mut sub.tape,
                scratch,
                &mut grad[range],
            )?;
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

fn to_f64<T: Scalar>(x: T) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

fn validate(spec: &DecomposedSpec) -> Result<Vec<Axis>, String> {
    let d = spec.inputs;
    for (name, len) in [
        ("bounds", spec.bounds.len()),
        ("parts", spec.parts.len()),
        ("periods", spec.periods.len()),
    ] {
        if len != d {
            return Err(format!("{name} has {len} entries for {d} inputs"));
        }
    }
    if d == 0 || spec.outputs == 0 {
        return Err(format!(
            "a network needs at least one input and one output, got {d} and {}",
            spec.outputs
        ));
    }
    if spec.hidden.is_empty() {
        return Err("a subdomain network needs at least one hidden layer".to_string());
    }
    if !(spec.overlap > 0.0 && spec.overlap <= 1.0) {
        return Err(format!("overlap {} must be in (0, 1]", spec.overlap));
    }
    let mut total: usize = 1;
    let mut axes = Vec::with_capacity(d);
    for i in 0..d {
        let ((lo, hi), parts) = (spec.bounds[i], spec.parts[i]);
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(format!(
                "input {i}: bounds ({lo}, {hi}) must be finite with hi > lo"
            ));
        }
        if parts == 0 {
            return Err(format!("input {i}: 0 parts (1 means not split)"));
        }
        if parts > 1 && spec.periods[i].is_some() {
            return Err(format!(
                "input {i} is periodic and cannot be split into {parts} parts: the windows do not wrap around"
            ));
        }
        total = total
            .checked_mul(parts)
            .filter(|&t| t <= 1 << 20)
            .ok_or_else(|| format!("{:?} parts make too many subdomains", spec.parts))?;
        let width = (hi - lo) / parts as f64;
        axes.push(Axis {
            lo,
            hi,
            parts,
            width,
            ramp: spec.overlap * width,
        });
    }
    Ok(axes)
}
