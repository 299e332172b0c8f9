//! The loss as a stacked residual vector, and its Jacobian, for Levenberg–Marquardt (`lm`)
//! and NTK loss balancing (`weights auto: ntk`). The loss is Σ ρ_k² with ρ = √c · r for
//! every point and residual of every term, c the point's ∂loss/∂(r²) exactly as the
//! gradient weighs it (term weight, balance factor, attention, causal weight; causal
//! weights, as in the gradient, are not differentiated). Rows run term by term, point by
//! point, and a point's residuals in order.
//!
//! Row k of the Jacobian is ∂ρ_k/∂θ: one reverse pass per point, seeded with the residual's
//! sensitivities. A point's pass does the chunk pass's arithmetic for that point, so a
//! whole Jacobian costs about the flops of a gradient (at matrix-vector rather than
//! matrix-matrix speed) plus writing its m × n entries. Chunks run in parallel, each
//! writing its own rows, so the result does not depend on the thread count.

use super::{forward_chunk, kernel_params, Adjoint, Chunk, LossError, Objective, TermState};
use physc_compiler::codegen::cranelift::JitReal;
use physc_runtime::nn::FieldNetworks;
use physc_runtime::Scalar;
use rayon::prelude::*;

impl<T: Scalar + JitReal> Objective<T> {
    /// How many residuals the loss stacks (the Jacobian's rows) at the current points.
    pub fn residual_count(&self) -> usize {
        self.terms
            .iter()
            .map(|t| t.points() * t.compiled.n_residuals)
            .sum()
    }

    /// ρ at `params` into `rho` (so that the loss is ‖ρ‖²) and, when asked, ∂ρ/∂params into
    /// `jacobian` (row-major, [`Objective::residual_count`] × `params.len()`). Term losses
    /// are updated as by [`Objective::evaluate`]; a non-finite term is `NonFinite`.
    pub fn residuals(
        &mut self,
        params: &[T],
        rho: &mut Vec<f64>,
        jacobian: Option<&mut Vec<f64>>,
    ) -> Result<(), LossError> {
        if self.cancel.is_cancelled() {
            return Err(LossError::Interrupted);
        }
        self.forward_and_weigh(params)?;
        rho.clear();
        for term in &self.terms {
            let n_res = term.compiled.n_residuals;
            for c in &term.chunks {
                for i in 0..c.len {
                    let scale = term.coefficient[c.start + i].sqrt();
                    rho.extend(
                        c.kernel_out[..n_res]
                            .iter()
                            .map(|r| scale * r[i].to_f64().unwrap_or(f64::NAN)),
                    );
                }
            }
        }
        let Some(jacobian) = jacobian else {
            return Ok(());
        };
        let n = params.len();
        jacobian.clear();
        jacobian.resize(rho.len() * n, 0.0);
        let mut rest = jacobian.as_mut_slice();
        let mut tasks = Vec::new();
        for term in &self.terms {
            for c in &term.chunks {
                let rows = c.len * term.compiled.n_residuals;
                let (mine, others) = std::mem::take(&mut rest).split_at_mut(rows * n);
                rest = others;
                tasks.push((term, c.start, c.len, mine));
            }
        }
        let sweep = Sweep::new(self, params);
        tasks
            .into_par_iter()
            .try_for_each(|(term, start, len, rows)| {
                let mut scratch = sweep.scratch(term);
                for (i, point_rows) in
                    (start..start + len).zip(rows.chunks_mut(term.compiled.n_residuals * n))
                {
                    sweep.point_rows(term, i, &mut scratch, |k, row| {
                        point_rows[k * n..(k + 1) * n].copy_from_slice(row)
                    })?;
                }
                Ok::<(), String>(())
            })
            .map_err(LossError::Internal)?;
        if jacobian.iter().any(|v| !v.is_finite()) {
            return Err(LossError::NonFinite {
                term: "the residuals' Jacobian".into(),
            });
        }
        Ok(())
    }

    /// Per term, the mean over its points of ‖∂r/∂θ‖² (every residual of a point summed):
    /// the trace of the term's neural tangent kernel over its point count, as NTK loss
    /// balancing weighs terms by (Wang, Yu & Perdikaris, JCP 449 (2022) 110768). Only the
    /// network's weights count, as in the paper.
    pub fn kernel_traces(&mut self, params: &[T]) -> Result<Vec<f64>, LossError> {
        self.forward_and_weigh(params)?;
        let n_net = self.net_len();
        let sweep = Sweep::new(self, params);
        self.terms
            .iter()
            .map(|term| {
                let sum = term
                    .chunks
                    .par_iter()
                    .map(|c| {
                        let mut scratch = sweep.scratch(term);
                        let mut sum = 0.0;
                        for i in c.start..c.start + c.len {
                            // √c scales every row of the point; r's own gradient is wanted.
                            let c2 = term.coefficient[i];
                            sweep.point_rows(term, i, &mut scratch, |_, row| {
                                if c2 > 0.0 {
                                    sum += row[..n_net].iter().map(|g| g * g).sum::<f64>() / c2;
                                }
                            })?;
                        }
                        Ok::<f64, String>(sum)
                    })
                    .collect::<Result<Vec<f64>, String>>()
                    .map_err(LossError::Internal)?;
                Ok(sum.iter().sum::<f64>() / term.points().max(1) as f64)
            })
            .collect()
    }

    /// Forward pass of every chunk at `params`, then each term's loss and per-point
    /// coefficients, as [`Objective::evaluate`] computes them before its reverse pass.
    fn forward_and_weigh(&mut self, params: &[T]) -> Result<(), LossError> {
        self.prepare();
        self.evaluations += 1;
        let n_net = self.net_len();
        let model = self.model_params(params);
        let causal = self.causal;
        let net = &self.net;
        let net_params = &params[..n_net];
        let tasks: Vec<_> = self
            .terms
            .iter_mut()
            .flat_map(|t| {
                if !t.is_causal(causal) {
                    t.fixed_coefficient();
                }
                let kp = kernel_params::<T>(&t.term.params, &model);
                let TermState {
                    compiled,
                    points,
                    chunks,
                    ..
                } = t;
                let (compiled, points) = (&*compiled, &*points);
                chunks
                    .iter_mut()
                    .map(move |c| (compiled, points, kp.clone(), c))
            })
            .collect();
        tasks
            .into_par_iter()
            .try_for_each(|(compiled, points, kp, c)| {
                forward_chunk(compiled, points, net, net_params, &kp, c)
            })
            .map_err(LossError::Internal)?;
        // Every rank computed every chunk here (the Jacobian's rows are not shared out), so
        // each has all the residuals.
        for t in &mut self.terms {
            t.residual_squares = t.squares(false);
        }
        super::weigh_terms(&mut self.terms, causal)
    }
}

/// What every point's reverse pass reads: the networks, the parameters, the model's
/// parameters as the kernels see them and the learnable parameters' scales.
struct Sweep<'a, T: Scalar> {
    net: &'a FieldNetworks<T>,
    params: &'a [T],
    n_net: usize,
    model: Vec<f64>,
    /// ∂value/∂θ of each learnable parameter: its scale, 0 where a bound holds it.
    model_scale: Vec<f64>,
}

impl<'a, T: Scalar + JitReal> Sweep<'a, T> {
    fn new(objective: &'a Objective<T>, params: &'a [T]) -> Self {
        let n_net = objective.net_len();
        let model = objective.model_params(params);
        let model_scale = objective
            .learnable
            .iter()
            .zip(&params[n_net..])
            .map(|(l, p)| {
                let theta = p.to_f64().unwrap_or(f64::NAN);
                if l.value(theta) != theta * l.scale {
                    0.0
                } else {
                    l.scale
                }
            })
            .collect();
        Sweep {
            net: &objective.net,
            params,
            n_net,
            model,
            model_scale,
        }
    }

    /// A one-point chunk for `term`'s passes, with its buffers.
    fn scratch(&self, term: &TermState<T>) -> (Chunk<T>, Vec<T>) {
        let chunk = Chunk {
            start: 0,
            len: 1,
            owned: true,
            tape: Default::default(),
            kernel_out: Vec::new(),
            adjoint: Vec::new(),
            grad: vec![T::zero(); self.n_net],
            param_grad: vec![0.0; self.model.len()],
        };
        (chunk, kernel_params::<T>(&term.term.params, &self.model))
    }

    /// Calls `row(k, ∂ρ_k/∂θ)` for each residual k of `term`'s point `i`.
    fn point_rows(
        &self,
        term: &TermState<T>,
        i: usize,
        (c, kp): &mut (Chunk<T>, Vec<T>),
        mut row: impl FnMut(usize, &[f64]),
    ) -> Result<(), String> {
        let compiled = &term.compiled;
        c.start = i;
        forward_chunk(
            compiled,
            &term.points,
            self.net,
            &self.params[..self.n_net],
            kp,
            c,
        )?;
        let scale = term.coefficient[i].sqrt();
        let tape_columns = compiled.jets.len() * compiled.outputs;
        let mut values = vec![0.0; self.params.len()];
        for k in 0..compiled.n_residuals {
            c.adjoint.clear();
            c.adjoint.resize(tape_columns, T::zero());
            c.param_grad.iter_mut().for_each(|g| *g = 0.0);
            for &(res, out, target) in &compiled.adjoints {
                if res != k {
                    continue;
                }
                let s = c.kernel_out[out][0];
                match target {
                    Adjoint::Net(col) => c.adjoint[col] += T::from_f64_lossy(scale) * s,
                    Adjoint::Param(p) => c.param_grad[p] += scale * s.to_f64().unwrap_or(f64::NAN),
                }
            }
            c.grad.iter_mut().for_each(|g| *g = T::zero());
            self.net.backward(
                &self.params[..self.n_net],
                &mut c.tape,
                &c.adjoint,
                &mut c.grad,
            )?;
            for (v, g) in values.iter_mut().zip(&c.grad) {
                *v = g.to_f64().unwrap_or(f64::NAN);
            }
            for ((v, g), s) in values[self.n_net..]
                .iter_mut()
                .zip(&c.param_grad)
                .zip(&self.model_scale)
            {
                *v = g * s;
            }
            row(k, &values);
        }
        Ok(())
    }
}
