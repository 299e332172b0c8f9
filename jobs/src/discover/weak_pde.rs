//! PDE discovery in weak form (weak PDE-FIND; Messenger & Bortz 2021 for fields): no
//! pointwise derivative of the field at all. Each regression row is an integral against a
//! test function ψ(x, t) = φ(x)·φ(t), a product of the bumps of
//! `physc_runtime::sindy::weak::AxisTestFunctions` on one space window and one time window;
//! integration by parts moves every derivative onto ψ. The library holds the terms that are
//! a space derivative of a power of u (`library::for_weak_pde`):
//!
//! - target `∫ψ·u_t = −∫ψ_t·u`;
//! - `∫ψ·u^p`;
//! - `∫ψ·u^p·u_x = −∫ψ_x·u^(p+1)/(p+1)`;
//! - `∫ψ·∂ₓᵏu = (−1)ᵏ∫∂ₓᵏψ·u` for k = 2, 3.
//!
//! Noise then enters through integrals of the data against smooth weights, which average it
//! out, instead of through derivative estimates, which amplify it: at 1% noise the pointwise
//! u_xxx of KdV is useless, its weak counterpart is not.

use super::data::Grid;
use super::library::FieldTerm;
use physc_runtime::sindy::weak::AxisTestFunctions;

/// Test functions of at least this order: the third derivative moves onto them, and the
/// trapezoid rule is accurate for φ⁽ᵐ⁾·g only when φ⁽ᵐ⁾ vanishes at the window's ends to
/// high order (order 6 leaves 2e-3 of quadrature error in ∫φ'''·g, order 8 2e-5).
pub const MIN_FIELD_ORDER: usize = 8;

/// The regression rows of the weak form: one column per library term and the target, one
/// row per pair of time and space windows.
pub struct WeakFieldRows {
    pub columns: Vec<Vec<f64>>,
    pub target: Vec<f64>,
}

/// The rows for `terms` over `grid`, with windows of `window` samples along each axis.
pub fn rows(
    grid: &Grid,
    terms: &[FieldTerm],
    window: usize,
    order: usize,
) -> Result<WeakFieldRows, String> {
    let (nt, nx) = (grid.t.len(), grid.x.len());
    let derivatives = terms.iter().map(|t| t.derivative).max().unwrap_or(0).max(1);
    let order = order.max(MIN_FIELD_ORDER).max(derivatives + 1);
    let along = |axis: &[f64], name: &str, m: usize| {
        AxisTestFunctions::new(axis, window, order, m)
            .map_err(|e| format!("weak form along `{name}`: {e}"))
    };
    let space = along(&grid.x, &grid.space, derivatives)?;
    let time = along(&grid.t, &grid.time, 1)?;
    // ∫∫ φ_t^(mt) φ_x^(mx) f, for every time window and space window (time-major).
    let integrate = |f: &[f64], mx: usize, mt: usize| -> Vec<f64> {
        // Along space first: g[k][a] = Σ_b φ_x^(mx)[k]_b f[a, start_k + b].
        let g: Vec<Vec<f64>> = (0..space.len())
            .map(|k| {
                let (start, w) = space.weights(k, mx);
                (0..nt)
                    .map(|a| dot(w, &f[a * nx + start..a * nx + start + w.len()]))
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(time.len() * space.len());
        for i in 0..time.len() {
            let (start, w) = time.weights(i, mt);
            out.extend(g.iter().map(|gk| dot(w, &gk[start..start + w.len()])));
        }
        out
    };
    let power = |q: usize| -> Vec<f64> { grid.u.iter().map(|u| u.powi(q as i32)).collect() };
    let u = &grid.u;
    let target: Vec<f64> = integrate(u, 0, 1).into_iter().map(|v| -v).collect();
    let columns = terms
        .iter()
        .map(|term| match (term.power, term.derivative) {
            (p, 0) => integrate(&power(p), 0, 0),
            (p, 1) => {
                let scale = -1.0 / (p + 1) as f64;
                integrate(&power(p + 1), 1, 0)
                    .into_iter()
                    .map(|v| scale * v)
                    .collect()
            }
            (_, k) => {
                let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                integrate(u, k, 0).into_iter().map(|v| sign * v).collect()
            }
        })
        .collect();
    Ok(WeakFieldRows { columns, target })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
