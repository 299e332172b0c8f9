//! The training objective's gradient against central finite differences, for every
//! architecture and several kinds of model (conditions on sides and everywhere, hard
//! constraints, periodic inputs, causal weights, learnable parameters with data, several
//! outputs).

use super::data;
use super::problem;
use super::session::{build, redraw, Session};
use crate::progress::CancelToken;
use physc_compiler::check::settings::TrainSettings;
use physc_compiler::driver::compile_source;
use physc_runtime::comm::single_process;
use physc_runtime::output::{npz, Array};
use physc_runtime::rng::Rng;

struct Setup {
    session: Session<f64>,
    config: TrainSettings,
    problem: problem::Problem,
    observations: Vec<problem::Observations>,
}

fn setup(source: &str) -> Setup {
    let compilation = compile_source("gradient.phys", source);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let program = &compilation.program;
    let job = &program.jobs[0];
    let model = &program.models[job.model.expect("train job has a model")];
    let config = job.settings.train().expect("train settings").clone();
    let observations = data::load(model, &config).expect("observations load");
    let problem = problem::plan(model, &config, &observations).expect("model plans");
    let mut session = build::<f64>(&config, &problem, CancelToken::new(), single_process())
        .expect("session builds");
    redraw(&mut session, &config, &problem, &observations).expect("points draw");
    Setup {
        session,
        config,
        problem,
        observations,
    }
}

pub(super) fn session(source: &str) -> Session<f64> {
    setup(source).session
}

/// Compare the gradient with central differences at up to 40 network weights (spread over
/// all layers) and every model parameter.
fn check_gradient(source: &str) {
    check_session_gradient(&mut session(source));
}

fn check_session_gradient(s: &mut Session<f64>) {
    check_session_gradient_also_at(s, &[]);
}

/// [`check_session_gradient`] at 40 random network parameters, the model's, and `also`.
fn check_session_gradient_also_at(s: &mut Session<f64>, also: &[usize]) {
    let n = s.params.len();
    let params = s.params.clone();
    let mut grad = vec![0.0; n];
    s.objective
        .loss_and_gradient(&params, &mut grad)
        .expect("loss evaluates");
    let n_net = s.objective.net_len();
    let mut rng = Rng::new(5);
    let mut indices: Vec<usize> = (0..40).map(|_| rng.below(n_net)).collect();
    indices.extend(n_net..n);
    indices.extend_from_slice(also);
    let scale = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    let mut scratch = vec![0.0; n];
    for i in indices {
        let h = 1e-6 * params[i].abs().max(1.0);
        let mut at = |v: f64| {
            let mut p = params.clone();
            p[i] = v;
            s.objective
                .loss_and_gradient(&p, &mut scratch)
                .expect("loss evaluates")
        };
        let fd = (at(params[i] + h) - at(params[i] - h)) / (2.0 * h);
        let err = (fd - grad[i]).abs() / grad[i].abs().max(1e-3 * scale).max(1e-12);
        assert!(
            err <= 1e-6,
            "parameter {i}: analytic {} vs finite difference {fd} (relative error {err:.2e})",
            grad[i]
        );
    }
}

#[test]
fn gradient_burgers_tanh_mlp_sides_and_initial() {
    check_gradient(
        "model B { space x in [-1, 1]  time t in [0, 1]  const nu = 0.01 / pi  field u(x, t)
           pde dt(u) + u * dx(u) = nu * dxx(u)
           initial u = -sin(pi * x) at t = 0
           boundary u = 0 at x = -1
           boundary u = 0 at x = 1 }
         train B { net mlp(width: 8, depth: 2, act: tanh)
           points interior: 64, initial: 16, boundary: 16, sampler: sobol
           weights pde: 1, initial: 10, boundary: 5 }",
    );
}

#[test]
fn gradient_hard_constraint_siren() {
    check_gradient(
        "model W { space x in [0, 1]  time t in [0, 1]  field u(x, t)
           pde dtt(u) = dxx(u)
           initial u = sin(pi * x)
           initial dt(u) = 0
           boundary u = 0 on boundary
           constraint u = sin(pi * x) + x * (1 - x) * t^2 * net(u) }
         train W { net siren(width: 8, depth: 2, omega: 2)
           points interior: 64, initial: 16, boundary: 16 }",
    );
}

#[test]
fn gradient_periodic_fourier_features_causal() {
    check_gradient(
        "model A { space x in [-1, 1]  time t in [0, 1]  field u(x, t)
           pde dt(u) = 0.001 * dxx(u) + 5 * (u - u^3)
           initial u = x^2 * cos(pi * x)
           boundary periodic in x }
         train A { net mlp(width: 8, depth: 2, act: tanh, features: fourier(count: 4, sigma: 1))
           points interior: 96, initial: 16, sampler: lhs
           causal eps: 1, chunks: 4 }",
    );
}

const ATTENTION: &str = "model A { space x in [-1, 1]  time t in [0, 1]  field u(x, t)
       pde dt(u) = 0.001 * dxx(u) + 5 * (u - u^3)
       initial u = x^2 * cos(pi * x)
       boundary periodic in x }
     train A { net mlp(width: 8, depth: 2, act: tanh)
       points interior: 96, initial: 16, sampler: lhs
       weights pde: 2
       attention eta: 0.3, memory: 4 CAUSAL }";

/// Residual-based attention: after an evaluation, every weight of the equation's points
/// follows λ ← (1 − 1/memory) λ + eta |r| / max |r|; the term's loss is then
/// weight · mean(λ² r²), the other terms are untouched, and new points start again at 1.
#[test]
fn attention_weights_follow_their_update_and_weigh_the_loss() {
    let Setup {
        mut session,
        config,
        problem,
        observations,
    } = setup(&ATTENTION.replace("CAUSAL", ""));
    let params = session.params.clone();
    let mut grad = vec![0.0; params.len()];
    session
        .objective
        .loss_and_gradient(&params, &mut grad)
        .unwrap();
    let model = session.objective.model_params(&params);
    let pde = session
        .objective
        .terms
        .iter()
        .position(|t| t.attention.is_some())
        .unwrap();
    assert_eq!(
        session
            .objective
            .terms
            .iter()
            .filter(|t| t.attention.is_some())
            .count(),
        1
    );
    let net = &session.objective.net;
    let squares = session.objective.terms[pde]
        .score(net, &params, &model)
        .unwrap();
    let largest = squares.iter().fold(0.0f64, |m, s| m.max(s.sqrt()));
    for term in &mut session.objective.terms {
        term.update_attention(0.3, 4);
    }
    let weights = session.objective.terms[pde].attention.clone().unwrap();
    for (w, s) in weights.iter().zip(&squares) {
        let expected = 0.75 + 0.3 * s.sqrt() / largest;
        assert!((w - expected).abs() < 1e-14, "{w} vs {expected}");
    }
    session
        .objective
        .loss_and_gradient(&params, &mut grad)
        .unwrap();
    let term = &session.objective.terms[pde];
    let expected: f64 = 2.0
        * weights
            .iter()
            .zip(&squares)
            .map(|(w, s)| w * w * s)
            .sum::<f64>()
        / squares.len() as f64;
    assert!(
        (term.loss - expected).abs() <= 1e-12 * expected,
        "{} vs {expected}",
        term.loss
    );
    let plain = term.mean_square * 2.0;
    assert!(
        (term.loss - plain).abs() > 1e-6 * plain,
        "the weights changed the loss"
    );
    session.position.draws += 1;
    redraw(&mut session, &config, &problem, &observations).unwrap();
    let fresh = session.objective.terms[pde].attention.as_ref().unwrap();
    assert!(fresh.len() == 96 && fresh.iter().all(|&w| w == 1.0));
}

/// The gradient with attention weights that differ from point to point. (With causal
/// weights as well the loss is not differentiated through the causal weights, by design,
/// so finite differences of it do not check the gradient.)
#[test]
fn gradient_with_attention_weights() {
    let mut s = session(&ATTENTION.replace("CAUSAL", ""));
    let params = s.params.clone();
    let mut grad = vec![0.0; params.len()];
    for _ in 0..3 {
        s.objective.loss_and_gradient(&params, &mut grad).unwrap();
        for term in &mut s.objective.terms {
            term.update_attention(0.3, 4);
        }
    }
    check_session_gradient(&mut s);
}

#[test]
fn gradient_gaussian_features_everywhere_boundary_two_d() {
    check_gradient(
        "use std.operators
         model P { space x in [0, 1]  space y in [0, 2]  field u(x, y)
           pde -lap(u) = 2 * pi^2 * sin(pi * x) * sin(pi * y)
           boundary u = 0 on boundary }
         train P { net mlp(width: 8, depth: 2, act: gelu, features: gaussian(count: 6, sigma: 0.5))
           points interior: 64, boundary: 32, sampler: uniform }",
    );
}

#[test]
fn gradient_shaped_domain_with_a_part() {
    check_gradient(
        "use std.operators
         model P { space x in [0, 1], y in [0, 1]  field u(x, y)
           part hole = disk([0.5, 0.5], 0.2)  domain = rectangle([0, 0], [1, 1]) - hole
           pde -lap(u) = 1  boundary u = 0 on hole  boundary dn(u) + nx * u = 0 on boundary }
         train P { net mlp(width: 8, depth: 2)  points interior: 64, boundary: 32, sampler: lhs }",
    );
}

#[test]
fn gradient_several_outputs_swish_robin() {
    check_gradient(
        "model K { space x in [0, 1]  space y in [0, 1]  field u(x, y)  field p(x, y)
           pde u * dx(u) + dy(p) = 0.05 * dxy(u)
           pde dx(u) + dyy(p) = 0
           boundary dx(u) + 2 * u = 0 at x = 1
           boundary p = 0 at y = 0 }
         train K { net mlp(width: 8, depth: 3, act: swish)
           points interior: 64, boundary: 32 }",
    );
}

#[test]
fn gradient_learnable_parameter_with_data() {
    let dir = std::env::temp_dir().join(format!("physc-grad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("obs.npz");
    let mut rng = Rng::new(3);
    let x: Vec<f64> = (0..50).map(|_| rng.range(-1.0, 1.0)).collect();
    let t: Vec<f64> = (0..50).map(|_| rng.range(0.0, 1.0)).collect();
    let u: Vec<f64> = x
        .iter()
        .zip(&t)
        .map(|(x, t)| -(std::f64::consts::PI * x).sin() * (-t).exp())
        .collect();
    let arrays = [
        ("x", Array::vector(x)),
        ("t", Array::vector(t)),
        ("u", Array::vector(u)),
    ];
    let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (*n, a)).collect();
    npz::write(&path, &refs).unwrap();
    let source = format!(
        "model I {{ space x in [-1, 1]  time t in [0, 1]  param nu ~ 0.05 in [0, 1]  field u(x, t)
           pde dt(u) + u * dx(u) = nu * dxx(u)
           initial u = -sin(pi * x)
           data u from \"{}\" }}
         train I {{ net mlp(width: 8, depth: 2, act: tanh)
           points interior: 64, initial: 16, data: 30
           weights data: 10 }}",
        path.display()
    );
    check_gradient(&source);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn gradient_user_function_activation() {
    check_gradient(
        "fn wave(z) = sin(z) + 0.5 * z * tanh(z)
         model U { space x in [0, 1]  time t in [0, 1]  field u(x, t)
           pde dt(u) = 0.2 * dxx(u) + u * dx(u)
           initial u = sin(pi * x)
           boundary u = 0 on boundary }
         train U { net mlp(width: 8, depth: 2, act: wave, init: he)
           points interior: 64, initial: 16, boundary: 16 }",
    );
}

#[test]
fn activation_functions_see_top_level_constants() {
    // The checker inlines the function and folds `k`: σ(z) = tanh(2z), compiled.
    let compilation = compile_source(
        "act.phys",
        "const k = 2
         fn scaled(z) = tanh(k * z)
         model U { space x in [0, 1]  field u(x)  pde dxx(u) = 1  boundary u = 0 on boundary }
         train U { net mlp(act: scaled) }",
    );
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let job = &compilation.program.jobs[0];
    let config = job.settings.train().expect("train settings").clone();
    let physc_compiler::check::settings::Activation::Function(f) = &config.nets[0].activation
    else {
        panic!("a user activation: {:?}", config.nets[0].activation)
    };
    assert!((f.eval(&[0.3]) - (0.6f64).tanh()).abs() < 1e-15);
    assert_eq!(
        physc_compiler::plan::activation::plans(&config.nets[0].activation)
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn activation_functions_naming_other_things_are_check_errors() {
    let compilation = compile_source(
        "act.phys",
        "fn scaled(z) = tanh(w * z)
         model U { space x in [0, 1]  field u(x)  pde dxx(u) = 1  boundary u = 0 on boundary }
         train U { net mlp(act: scaled) }",
    );
    let codes: Vec<_> = compilation.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&physc_compiler::diagnostics::Code::UndefinedName),
        "{:?}",
        compilation.diagnostics
    );
}

#[test]
fn adaptive_refinement_moves_points_to_large_residuals() {
    let mut s = setup(
        "model B { space x in [-1, 1]  time t in [0, 1]  field u(x, t)
           pde dt(u) + u * dx(u) = 0.01 * dxx(u) + 50 * exp(-100 * x^2)
           initial u = -sin(pi * x) }
         train B { net mlp(width: 8, depth: 2)
           points interior: 256, initial: 16, resample: 10, adaptive: true }",
    );
    let mean_score = |s: &mut Setup| {
        let model = s.session.objective.model_params(&s.session.params);
        let scores = s.session.objective.terms[0]
            .score(&s.session.objective.net, &s.session.params, &model)
            .unwrap();
        scores.iter().sum::<f64>() / scores.len() as f64
    };
    let before = mean_score(&mut s);
    s.session.position.draws = 1;
    redraw(&mut s.session, &s.config, &s.problem, &s.observations).unwrap();
    assert_eq!(s.session.objective.terms[0].points(), 256);
    let after = mean_score(&mut s);
    assert!(
        after > 1.5 * before,
        "mean squared residual {before} -> {after}"
    );
}

#[test]
fn gradient_hard_constraint_whose_value_no_equation_uses() {
    check_gradient(
        "model C { space x in [0, 1]  time t in [0, 1]  field u(x, t)
           pde dt(u) = 0.1 * dxx(u)
           constraint u = sin(pi * x) + x * (1 - x) * t * net(u) }
         train C { net mlp(width: 8, depth: 2)
           points interior: 64 }",
    );
}

#[test]
fn boundaries_everywhere_need_a_side_that_is_not_periodic() {
    let compilation = compile_source(
        "periodic.phys",
        "model R { space x in [0, 1]  time t in [0, 1]  field u(x, t)
           pde dt(u) = dxx(u)
           initial u = sin(2 * pi * x)
           boundary u = 0 on boundary
           boundary periodic in x }
         train R { points interior: 64 }",
    );
    let job = &compilation.program.jobs[0];
    let model = &compilation.program.models[job.model.unwrap()];
    let config = job.settings.train().expect("train settings").clone();
    let err = problem::plan(model, &config, &[]).unwrap_err();
    assert!(err.contains("every space direction is periodic"), "{err}");
}

/// Loss and gradient in every bit whatever the thread count: chunks are cut by point count
/// alone and their gradients summed in chunk order, whether a term's chunks go forward and
/// backward in one task (fixed weights: the boundary and initial terms) or wait for every
/// forward pass (the causally weighted PDE term). Enough points for several chunks per term.
#[test]
fn loss_and_gradient_do_not_depend_on_the_thread_count() {
    for causal in ["", "causal eps: 1, chunks: 4"] {
        eprintln!("case `{causal}`");
        let source = format!(
            "model B {{ space x in [-1, 1]  time t in [0, 1]  field u(x, t)
               pde dt(u) + u * dx(u) = 0.01 * dxx(u)
               initial u = -sin(pi * x) at t = 0
               boundary u = 0 at x = -1
               boundary u = 0 at x = 1 }}
             train B {{ net mlp(width: 8, depth: 2, act: tanh)
               points interior: 1500, initial: 600, boundary: 40
               {causal} }}"
        );
        let mut s = session(&source);
        let params = s.params.clone();
        let mut evaluate = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            let mut grad = vec![0.0; params.len()];
            let loss = pool
                .install(|| s.objective.loss_and_gradient(&params, &mut grad))
                .expect("loss evaluates");
            (
                loss.to_bits(),
                grad.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
            )
        };
        let one = evaluate(1);
        assert!(one.1.iter().any(|&g| g != 0), "a gradient to compare");
        for threads in [2, 3] {
            assert_eq!(evaluate(threads), one, "{threads} threads, {causal:?}");
        }
    }
}

/// Gradient-norm balancing: each term's factor follows λᵢ ← 0.9 λᵢ + 0.1 Σⱼgⱼ / gᵢ with gᵢ
/// the norm of its loss's gradient over the network's weights, here by central differences
/// of each term's loss; the next evaluation weighs each term by its factor, and the
/// gradient with factors ≠ 1 still matches finite differences.
#[test]
fn gradnorm_factors_follow_their_formula_with_finite_difference_gradients() {
    let mut s = session(
        "model B { space x in [-1, 1]  time t in [0, 1]  const nu = 0.01 / pi  field u(x, t)
           pde dt(u) + u * dx(u) = nu * dxx(u)
           initial u = -sin(pi * x) at t = 0
           boundary u = 0 at x = -1
           boundary u = 0 at x = 1 }
         train B { net mlp(width: 4, depth: 2, act: tanh)
           points interior: 64, initial: 16, boundary: 16, sampler: sobol
           weights pde: 1, initial: 10, boundary: 5, auto: gradnorm, every: 1 }",
    );
    let params = s.params.clone();
    let n_net = s.objective.net_len();
    let mut grad = vec![0.0; params.len()];
    let term_losses = |s: &mut Session<f64>, p: &[f64]| -> Vec<f64> {
        let mut scratch = vec![0.0; p.len()];
        s.objective.loss_and_gradient(p, &mut scratch).unwrap();
        s.objective.terms.iter().map(|t| t.loss).collect()
    };
    let before = term_losses(&mut s, &params);
    let terms = before.len();
    assert!(terms >= 3, "pde, initial and boundary terms");
    let mut squares = vec![0.0; terms];
    for i in 0..n_net {
        let h = 1e-6 * params[i].abs().max(1.0);
        let mut shifted = |v: f64| {
            let mut p = params.clone();
            p[i] = v;
            term_losses(&mut s, &p)
        };
        let (up, down) = (shifted(params[i] + h), shifted(params[i] - h));
        for k in 0..terms {
            squares[k] += ((up[k] - down[k]) / (2.0 * h)).powi(2);
        }
    }
    let norms: Vec<f64> = squares.iter().map(|q| q.sqrt()).collect();
    let total: f64 = norms.iter().sum();
    s.objective.loss_and_gradient(&params, &mut grad).unwrap();
    assert!(s.objective.balance_terms());
    let factors: Vec<f64> = s.objective.terms.iter().map(|t| t.balance).collect();
    for (k, (f, g)) in factors.iter().zip(&norms).enumerate() {
        let expected = 0.9 + 0.1 * total / g;
        assert!(
            (f - expected).abs() <= 1e-6 * expected,
            "term {k}: factor {f} vs {expected}"
        );
    }
    assert!(
        factors.iter().any(|f| (f - 1.0).abs() > 1e-3),
        "the factors moved: {factors:?}"
    );
    let after = term_losses(&mut s, &params);
    for k in 0..terms {
        let expected = factors[k] * before[k];
        assert!(
            (after[k] - expected).abs() <= 1e-12 * expected,
            "term {k}: loss {} vs {expected}",
            after[k]
        );
    }
    check_session_gradient(&mut s);
}

/// A network per field, one of them decomposed and one factorised: the loss gradient over
/// every member's parameters against finite differences, and the same bits on any thread
/// count.
const PER_FIELD: &str =
    "model C { space x in [0, 1]  time t in [0, 1]  field u(x, t), c(t), v(x, t)
       pde dt(u) = c * dxx(u) + v
       pde dt(v) = dxx(v) - u
       initial u = sin(pi * x), c = 0.1, v = 0
       boundary u = 0 on boundary
       boundary v = 0 on boundary }
     train C { net u: decompose(subdomains: [2, 2], width: 4, depth: 1),
                   c: mlp(width: 3, depth: 1, factorize: rwf(mean: 0.5, std: 0.2)),
                   v: mlp(widths: [5, 3], act: sin)
       points interior: 600, initial: 300, boundary: 40 }";

#[test]
fn gradient_a_network_per_field_decomposed_and_factorised() {
    check_gradient(PER_FIELD);
}

#[test]
fn networks_per_field_do_not_depend_on_the_thread_count() {
    let mut s = session(PER_FIELD);
    let params = s.params.clone();
    let mut evaluate = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let mut grad = vec![0.0; params.len()];
        let loss = pool
            .install(|| s.objective.loss_and_gradient(&params, &mut grad))
            .expect("loss evaluates");
        (
            loss.to_bits(),
            grad.iter().map(|g| g.to_bits()).collect::<Vec<_>>(),
        )
    };
    let one = evaluate(1);
    assert_eq!(evaluate(3), one);
}

/// A modified MLP beside a Chebyshev KAN, each a field's network: the loss gradient over
/// both against finite differences, through second derivatives in x and a first in t.
#[test]
fn gradient_modified_mlp_and_kan_members() {
    check_gradient(
        "model C { space x in [0, 1]  time t in [0, 1]  field u(x, t), v(x, t)
           pde dt(u) = dxx(u) + v
           pde dt(v) = 0.5 * dxx(v) - u * v
           initial u = sin(pi * x), v = x * (1 - x)
           boundary u = 0 on boundary
           boundary v = 0 on boundary }
         train C { net u: modified_mlp(width: 4, depth: 3, features: fourier(count: 2)),
                       v: kan(widths: [3, 2], degree: 3)
           points interior: 300, initial: 100, boundary: 40 }",
    );
}

/// A PirateNet beside a modified MLP, each a field's network: the loss gradient over both
/// against finite differences, through second derivatives in x and a first in t, at the
/// PirateNet's initial α = 0 and at nonzero α's (every α checked).
#[test]
fn gradient_pirate_member() {
    let mut s = session(
        "model C { space x in [0, 1]  time t in [0, 1]  field u(x, t), v(x, t)
           pde dt(u) = dxx(u) + v
           pde dt(v) = 0.5 * dxx(v) - u * v
           initial u = sin(pi * x), v = x * (1 - x)
           boundary u = 0 on boundary
           boundary v = 0 on boundary }
         train C { net u: pirate(width: 4, depth: 2, features: fourier(count: 2)),
                       v: modified_mlp(width: 3, depth: 2)
           points interior: 300, initial: 100, boundary: 40 }",
    );
    let alphas: Vec<usize> = s
        .objective
        .net
        .param_groups()
        .into_iter()
        .filter(|g| g.0.starts_with("u: block") && g.0.ends_with("alpha"))
        .map(|g| g.1.start)
        .collect();
    assert_eq!(alphas.len(), 2);
    assert!(alphas.iter().all(|&i| s.params[i] == 0.0));
    check_session_gradient_also_at(&mut s, &alphas);
    for (&i, a) in alphas.iter().zip([0.3, -0.2]) {
        s.params[i] = a;
    }
    check_session_gradient_also_at(&mut s, &alphas);
}

/// One KAN for every field passes straight through the field networks.
#[test]
fn gradient_a_single_kan() {
    check_gradient(
        "model P { space x in [0, 1], y in [0, 1]  field u(x, y)
           pde dxx(u) + dyy(u) = -1
           boundary u = 0 on boundary }
         train P { net kan(width: 3, depth: 1, degree: 4)
           points interior: 200, boundary: 80 }",
    );
}

/// Random weight factorisation of a modified MLP and of a PirateNet: the loss gradient over
/// V and every log-scale against finite differences, the PirateNet's α away from 0 so its
/// blocks take part.
#[test]
fn gradient_factorised_modified_mlp_and_pirate() {
    let mut s = session(
        "model C { space x in [0, 1]  time t in [0, 1]  field u(x, t), v(x, t)
           pde dt(u) = dxx(u) + v
           pde dt(v) = 0.5 * dxx(v) - u * v
           initial u = sin(pi * x), v = x * (1 - x)
           boundary u = 0 on boundary
           boundary v = 0 on boundary }
         train C { net u: modified_mlp(width: 4, depth: 2, factorize: rwf(mean: 0.5, std: 0.2)),
                       v: pirate(width: 3, depth: 1, factorize: rwf)
           points interior: 300, initial: 100, boundary: 40 }",
    );
    let groups = s.objective.net.param_groups();
    let at = |name: &str| groups.iter().find(|g| g.0 == name).expect(name).1.clone();
    s.params[at("v: block 1 alpha").start] = 0.4;
    let scales: Vec<usize> = at("u: weight log-scales")
        .chain(at("v: weight log-scales"))
        .collect();
    // One per weight row: u's encoders, layers and output (4 + 4 + 4 + 4 + 1), v's lift,
    // gates, block layers and output (3 + 3 + 3 + 3 + 3 + 3 + 1).
    assert_eq!(scales.len(), 17 + 19);
    check_session_gradient_also_at(&mut s, &scales);
}

/// An activation per layer, a user function among them: the loss gradient against finite
/// differences; a count that does not match the layers stops the build with the network
/// named.
#[test]
fn gradient_an_activation_per_layer() {
    let model = "fn softsign(z) = z / (1 + z^2)
        model P { space x in [0, 1], y in [0, 1]  field u(x, y)
           pde dxx(u) + dyy(u) = -1
           boundary u = 0 on boundary }\n";
    check_gradient(&format!(
        "{model} train P {{ net mlp(widths: [4, 3, 3], acts: [sin, softsign, tanh])
           points interior: 200, boundary: 80 }}"
    ));
    let source = format!("{model} train P {{ net mlp(depth: 2, acts: [sin]) }}");
    let compilation = compile_source("acts.phys", &source);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let job = &compilation.program.jobs[0];
    let model = &compilation.program.models[job.model.expect("a model")];
    let config = job.settings.train().expect("train settings").clone();
    let observations = data::load(model, &config).expect("no observations");
    let problem = problem::plan(model, &config, &observations).expect("model plans");
    let err = build::<f64>(&config, &problem, CancelToken::new(), single_process())
        .err()
        .expect("refused");
    assert!(
        err.contains("network `net`: 1 activation for 2 hidden layers"),
        "{err}"
    );
}
