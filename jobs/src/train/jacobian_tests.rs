//! The stacked residuals and their Jacobian (`Objective::residuals`) against the loss, the
//! gradient and central finite differences, and the NTK traces against their definition.

use super::session::Session;
use super::tests::session;

/// ‖ρ‖² is the loss, 2Jᵀρ the gradient, and J matches central differences of ρ at a
/// spread of network weights and every model parameter.
fn check_jacobian(s: &mut Session<f64>) {
    let params = s.params.clone();
    let n = params.len();
    let mut grad = vec![0.0; n];
    let loss = s.objective.loss_and_gradient(&params, &mut grad).unwrap();
    let (mut rho, mut jacobian) = (Vec::new(), Vec::new());
    s.objective
        .residuals(&params, &mut rho, Some(&mut jacobian))
        .unwrap();
    let m = s.objective.residual_count();
    assert_eq!((rho.len(), jacobian.len()), (m, m * n));
    let squares: f64 = rho.iter().map(|r| r * r).sum();
    assert!(
        (squares - loss).abs() <= 1e-12 * loss,
        "{squares} vs {loss}"
    );
    let scale = grad.iter().fold(0.0f64, |a, g| a.max(g.abs()));
    for (c, g) in grad.iter().enumerate() {
        let jt_rho: f64 = (0..m).map(|k| jacobian[k * n + c] * rho[k]).sum();
        assert!(
            (2.0 * jt_rho - g).abs() <= 1e-10 * scale,
            "parameter {c}: 2Jᵀρ = {} vs gradient {g}",
            2.0 * jt_rho
        );
    }
    let n_net = s.objective.net_len();
    let mut columns: Vec<usize> = (0..n_net).step_by((n_net / 25).max(1)).collect();
    columns.extend(n_net..n);
    let jscale = jacobian.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let mut shifted = Vec::new();
    for c in columns {
        let h = 1e-6 * params[c].abs().max(1.0);
        let mut at = |v: f64| {
            let mut p = params.clone();
            p[c] = v;
            s.objective.residuals(&p, &mut shifted, None).unwrap();
            shifted.clone()
        };
        let (up, down) = (at(params[c] + h), at(params[c] - h));
        for k in 0..m {
            let fd = (up[k] - down[k]) / (2.0 * h);
            let err = (fd - jacobian[k * n + c]).abs() / jscale;
            assert!(
                err <= 1e-7,
                "row {k}, parameter {c}: {} vs {fd}",
                jacobian[k * n + c]
            );
        }
    }
}

#[test]
fn jacobian_of_burgers_with_conditions_on_sides() {
    check_jacobian(&mut session(
        "model B { space x in [-1, 1]  time t in [0, 1]  const nu = 0.01 / pi  field u(x, t)
           pde dt(u) + u * dx(u) = nu * dxx(u)
           initial u = -sin(pi * x) at t = 0
           boundary u = 0 at x = -1
           boundary u = 0 at x = 1 }
         train B { net mlp(width: 6, depth: 2, act: tanh)
           points interior: 40, initial: 12, boundary: 12, sampler: sobol
           weights pde: 1, initial: 10, boundary: 5 }",
    ));
}

/// Two fields with their own networks, a learnable parameter, and a system whose points
/// carry several residuals (a row each).
#[test]
fn jacobian_of_a_system_with_networks_per_field_and_a_learnable_parameter() {
    check_jacobian(&mut session(
        "model C { space x in [0, 1]  time t in [0, 1]  param k ~ 0.3 in [0, 2]
           field u(x, t), v(x, t)
           pde dt(u) = k * dxx(u) + v
           pde dt(v) = dxx(v) - u
           initial u = sin(pi * x), v = 0
           boundary u = 0 on boundary
           boundary v = 0 on boundary }
         train C { net u: mlp(width: 5, depth: 1), v: mlp(width: 4, depth: 2, act: sin)
           points interior: 30, initial: 10, boundary: 10 }",
    ));
}

/// A small Burgers problem whose terms NTK balancing weighs (its factors change only
/// when asked, so the traces' test sees the fixed weights).
const NTK_BURGERS: &str = "model B { space x in [-1, 1]  time t in [0, 1]  field u(x, t)
           pde dt(u) + u * dx(u) = 0.01 * dxx(u)
           initial u = -sin(pi * x) at t = 0
           boundary u = 0 on boundary }
         train B { net mlp(width: 4, depth: 2, act: tanh)
           points interior: 24, initial: 8, boundary: 8
           weights pde: 1, initial: 10, boundary: 5, auto: ntk, every: 1 }";

/// NTK traces: each term's mean over its points of ‖∂r/∂θ‖², from finite differences of
/// the residuals with the weights' coefficients divided out.
#[test]
fn kernel_traces_are_mean_squared_residual_gradients() {
    let mut s = session(NTK_BURGERS);
    let params = s.params.clone();
    let n_net = s.objective.net_len();
    let traces = s.objective.kernel_traces(&params).unwrap();
    // ρ = √(w/N) r per term: the rows of a term, scaled back by N/w.
    let scales: Vec<(usize, f64)> = s
        .objective
        .terms
        .iter()
        .map(|t| (t.points(), t.points() as f64 / t.term.weight))
        .collect();
    let mut sums = vec![0.0; scales.len()];
    let mut shifted = Vec::new();
    for c in 0..n_net {
        let h = 1e-6 * params[c].abs().max(1.0);
        let mut at = |v: f64| {
            let mut p = params.clone();
            p[c] = v;
            s.objective.residuals(&p, &mut shifted, None).unwrap();
            shifted.clone()
        };
        let (up, down) = (at(params[c] + h), at(params[c] - h));
        let mut row = 0;
        for (term, &(points, scale)) in scales.iter().enumerate() {
            for _ in 0..points {
                let d = (up[row] - down[row]) / (2.0 * h);
                sums[term] += d * d * scale;
                row += 1;
            }
        }
    }
    for (k, ((got, sum), (points, _))) in traces.iter().zip(&sums).zip(&scales).enumerate() {
        let want = sum / *points as f64;
        assert!(
            (got - want).abs() <= 1e-6 * want,
            "term {k}: {got} vs {want}"
        );
    }
}

/// `weights auto: ntk`: one update sets λᵢ = 0.9 + 0.1 Σⱼtⱼ / tᵢ from the mean kernel
/// traces, and the terms' losses are then weighed by it.
#[test]
fn ntk_factors_follow_their_formula() {
    let mut s = session(NTK_BURGERS);
    let params = s.params.clone();
    let traces = s.objective.kernel_traces(&params).unwrap();
    let mut grad = vec![0.0; params.len()];
    s.objective.loss_and_gradient(&params, &mut grad).unwrap();
    let before: Vec<f64> = s.objective.terms.iter().map(|t| t.loss).collect();
    assert!(s.objective.balance_by_kernel_traces(&params).unwrap());
    let total: f64 = traces.iter().sum();
    let factors: Vec<f64> = s.objective.terms.iter().map(|t| t.balance).collect();
    for (k, (f, t)) in factors.iter().zip(&traces).enumerate() {
        let want = 0.9 + 0.1 * total / t;
        assert!((f - want).abs() <= 1e-12 * want, "term {k}: {f} vs {want}");
    }
    assert!(
        factors.iter().any(|f| (f - 1.0).abs() > 1e-3),
        "{factors:?}"
    );
    s.objective.loss_and_gradient(&params, &mut grad).unwrap();
    for (k, (t, b)) in s.objective.terms.iter().zip(&before).enumerate() {
        assert!(
            (t.loss - factors[k] * b).abs() <= 1e-12 * t.loss,
            "term {k}"
        );
    }
}
