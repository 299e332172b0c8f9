//! Training through the library, in memory: `examples/heat1d.phys` (with a quarter of its
//! points, for a quick test) trained for a few hundred steps against its exact solution, the
//! result's `evaluate` against its fields, progress events, writing the result, and
//! cancellation.

use super::{run, Outcome};
use crate::progress::{ProgressEvent, ProgressUnit};
use crate::RunOptions;
use ndarray::{Array2, Axis};
use physc_compiler::driver::compile_source;
use physc_runtime::output::npz;
use std::f64::consts::PI;
use std::sync::{Arc, Mutex};

const HEAT1D: &str = include_str!("../../../examples/heat1d.phys");

/// Steps per optimizer stage (Adam, then L-BFGS).
const STEPS: usize = 150;

/// The exact solution of heat1d: u = sin(πx) exp(−kπ²t) with k = 0.1.
fn exact(x: f64, t: f64) -> f64 {
    (PI * x).sin() * (-0.1 * PI * PI * t).exp()
}

fn train(options: &RunOptions) -> crate::Completed<super::Trained> {
    train_with(options, &[]).expect("training starts")
}

/// heat1d with a quarter of its points and each (from, to) of `edits` made to its source.
fn train_with(
    options: &RunOptions,
    edits: &[(&str, &str)],
) -> Result<crate::Completed<super::Trained>, crate::JobError> {
    let mut source = HEAT1D.to_string();
    let points = (
        "interior: 4096, initial: 256, boundary: 256",
        "interior: 1024, initial: 64, boundary: 64",
    );
    for (from, to) in std::iter::once(&points).chain(edits) {
        assert!(source.contains(from), "heat1d no longer has `{from}`");
        source = source.replace(from, to);
    }
    let compilation = compile_source("heat1d.phys", &source);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let program = &compilation.program;
    let job = &program.jobs[0];
    let model = &program.models[job.model.expect("a train job has a model")];
    run(model, job, options)
}

const HEAT1D_OPTIMIZE: &str = "adam(lr: 1e-3, steps: 2000) then ssbroyden(steps: 3000)";

/// The dense quasi-Newton methods run as a stage after Adam, are named in the history and
/// the report, and take the loss well below where Adam left it (self-scaled Broyden to a
/// small error against the exact solution; the other two in a shorter run).
#[test]
fn dense_quasi_newton_stages_train_heat1d() {
    for (method, adam, steps, drop) in [
        ("ssbroyden", 300, 150, 0.1),
        ("ssbfgs", 100, 30, 0.5),
        ("bfgs", 100, 30, 0.5),
    ] {
        let stages = format!("adam(lr: 1e-3, steps: {adam}) then {method}(steps: {steps})");
        let options = RunOptions::default();
        let done = train_with(&options, &[(HEAT1D_OPTIMIZE, &stages)]).expect("starts");
        assert!(done.stopped.is_none(), "{method}: {:?}", done.stopped);
        let trained = done.result;
        let h = &trained.history;
        let (adam_end, end) = (h.loss[adam - 1], h.loss[h.loss.len() - 1]);
        assert!(
            h.stage[adam] == 1.0,
            "{method}: a quasi-Newton stage follows Adam"
        );
        assert!(
            end < drop * adam_end,
            "{method}: loss {adam_end:e} → {end:e}"
        );
        assert!(trained.report["quasi_newton_iterations"].as_u64().unwrap() > 0);
        if method == "ssbroyden" {
            let error = grid_error(&trained);
            assert!(error < 2e-2, "{method}: relative L2 error {error:.3e}");
        }
    }
}

/// A network too large for a dense matrix is refused before training, naming the sizes.
#[test]
fn a_dense_method_refuses_a_large_network() {
    let big = [
        (HEAT1D_OPTIMIZE, "adam(steps: 10) then ssbroyden(steps: 10)"),
        ("width: 32, depth: 3", "width: 128, depth: 3"),
    ];
    let Err(crate::JobError::NotSupported(why)) = train_with(&RunOptions::default(), &big) else {
        panic!("a 33k-parameter network with ssbroyden must be refused");
    };
    assert!(
        why.contains("ssbroyden") && why.contains("10000") && why.contains("lbfgs"),
        "{why}"
    );
}

/// Without `optimize`, a network too large for the dense matrix trains with Adam then
/// L-BFGS instead of being refused.
#[test]
fn the_default_sequence_falls_back_to_lbfgs_on_a_large_network() {
    let big = [
        (
            "  optimize adam(lr: 1e-3, steps: 2000) then ssbroyden(steps: 3000)\n",
            "",
        ),
        ("width: 32, depth: 3", "width: 128, depth: 3"),
    ];
    let options = RunOptions {
        max_steps: Some(4),
        ..RunOptions::default()
    };
    let done = train_with(&options, &big).expect("the default sequence starts");
    assert!(done.stopped.is_none(), "{:?}", done.stopped);
    let r = &done.result.report;
    assert_eq!(r["adam_steps"], 4);
    assert!(r["quasi_newton_iterations"].as_u64().unwrap() > 0, "{r}");
    assert!(r["config"]["net"]["parameters"].as_u64().unwrap() > 10_000);
}

/// A quasi-Newton stage with `resample` draws new points every k iterations and keeps
/// lowering the loss across the draws.
#[test]
fn a_quasi_newton_stage_resamples_its_points() {
    for method in ["ssbroyden", "lbfgs"] {
        let stages = format!("adam(steps: 50) then {method}(steps: 30, resample: 10)");
        let done =
            train_with(&RunOptions::default(), &[(HEAT1D_OPTIMIZE, &stages)]).expect("starts");
        assert!(done.stopped.is_none(), "{method}: {:?}", done.stopped);
        let trained = done.result;
        // The first draw and one after 10 and 20 iterations; the held-out set judges the
        // parameters at those draws and at the end of the stage.
        assert_eq!(trained.report["point_draws"], 3, "{method}");
        assert_eq!(
            trained.report["held_out"]["losses"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        let h = &trained.history;
        let (adam_end, end) = (h.loss[49], h.loss[h.loss.len() - 1]);
        assert!(end < adam_end, "{method}: loss {adam_end:e} → {end:e}");
    }
}

/// `weights auto: gradnorm`: the factors move every `every` Adam steps and stay fixed in
/// the quasi-Newton stage; they are in the history (and `loss.csv`) and in the report.
#[test]
fn gradnorm_weights_are_recorded_and_fixed_in_quasi_newton_stages() {
    let edits = [
        (
            HEAT1D_OPTIMIZE,
            "adam(lr: 1e-3, steps: 100) then ssbroyden(steps: 20)",
        ),
        (
            "weights  pde: 1, initial: 10, boundary: 10",
            "weights  pde: 1, initial: 10, boundary: 10, auto: gradnorm, every: 25",
        ),
    ];
    let done = train_with(&RunOptions::default(), &edits).expect("starts");
    assert!(done.stopped.is_none(), "{:?}", done.stopped);
    let trained = done.result;
    let h = &trained.history;
    let balance = h.term_balance.as_ref().expect("the factors are recorded");
    assert_eq!(balance.dim(), (h.step.len(), h.terms.len()));
    let row = |i: usize| balance.row(i).to_vec();
    assert!(row(0).iter().all(|&f| f == 1.0), "{:?}", row(0));
    // Updated after Adam steps 25, 50, 75 and 100: constant in between.
    assert_eq!(row(25), row(49));
    assert_ne!(row(24), row(25));
    let last = h.step.len() - 1;
    assert_eq!(row(100), row(last), "fixed during the quasi-Newton stage");
    assert!(row(last).iter().all(|f| f.is_finite() && *f > 0.0));
    let r = &trained.report;
    assert_eq!(r["config"]["balance"]["every"], 25);
    for (name, f) in h.terms.iter().zip(row(last)) {
        assert_eq!(r["terms"][name]["balance"], f, "{name}");
    }
    let dir = std::env::temp_dir().join(format!("physc-train-gradnorm-{}", std::process::id()));
    trained.write(&dir).expect("writes");
    let csv = std::fs::read_to_string(dir.join("loss.csv")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let header = csv.lines().next().unwrap();
    assert!(header.contains("balance pde"), "{header}");
}

/// Relative L2 error of `u` on the output grid against the exact solution.
fn grid_error(trained: &super::Trained) -> f64 {
    let x = trained.fields.axis("x").expect("axis x");
    let t = trained.fields.axis("t").expect("axis t");
    let u = trained.fields.field("u").expect("field u");
    assert_eq!(u.shape(), &[t.len(), x.len()]);
    let (mut err, mut norm) = (0.0, 0.0);
    for (i, &xi) in x.iter().enumerate() {
        for (j, &tj) in t.iter().enumerate() {
            let e = exact(xi, tj);
            err += (u[[j, i]] - e).powi(2);
            norm += e * e;
        }
    }
    (err / norm).sqrt()
}

#[test]
fn heat1d_trains_in_memory_to_the_exact_solution() {
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = events.clone();
    let options = RunOptions {
        max_steps: Some(STEPS),
        progress: Arc::new(move |e: ProgressEvent<'_>| {
            let line = match e {
                ProgressEvent::Begin {
                    total, done, unit, ..
                } => {
                    assert_eq!(unit, ProgressUnit::Steps);
                    format!("begin {total} {done}")
                }
                ProgressEvent::Phase { name } => format!("phase {name}"),
                ProgressEvent::Advance { done } => format!("advance {done}"),
                ProgressEvent::Message { text } => format!("message {text}"),
                ProgressEvent::End => "end".into(),
            };
            sink.lock().unwrap().push(line);
        }),
        ..RunOptions::default()
    };
    let done = train(&options);
    assert!(done.stopped.is_none(), "{:?}", done.stopped);
    let trained = done.result;
    assert_eq!(trained.outcome, Outcome::Completed);
    assert!(!trained.interrupted());
    assert_eq!(trained.model, "Heat1D");
    assert!(matches!(trained.network, super::TrainedNetwork::F64(_)));

    // Progress: one task of 2 × STEPS steps, a phase per stage, every step counted.
    let events = events.lock().unwrap();
    let total = 2 * STEPS;
    assert_eq!(events.first(), Some(&format!("begin {total} 0")));
    assert!(events.contains(&"phase adam".to_string()), "{events:?}");
    assert!(
        events.contains(&"phase ssbroyden".to_string()),
        "{events:?}"
    );
    assert!(events.iter().any(|e| e.starts_with("message loss ")));
    let last_advance = events.iter().rev().find(|e| e.starts_with("advance "));
    assert_eq!(last_advance, Some(&format!("advance {total}")));
    assert_eq!(events.last().map(String::as_str), Some("end"));

    // The loss history: one entry per step, falling.
    let history = &trained.history;
    let steps = history.loss.len();
    assert!(steps > STEPS && steps <= total, "{steps} steps");
    assert_eq!(history.term_loss.dim(), (steps, history.terms.len()));
    assert!(
        history.terms.iter().any(|t| t == "pde"),
        "{:?}",
        history.terms
    );
    assert!(history.loss[steps - 1] < 0.1 * history.loss[0]);
    let summed: f64 = history.term_loss.row(0).sum();
    assert!((summed - history.loss[0]).abs() <= 1e-12 * history.loss[0]);

    // (a) `evaluate` at grid points agrees with the fields on the grid.
    let x = trained.fields.axis("x").unwrap();
    let t = trained.fields.axis("t").unwrap();
    let u = trained.fields.field("u").unwrap();
    let at = [(0, 0), (17, 3), (50, 25), (83, 40), (100, 50)];
    let points = Array2::from_shape_fn((at.len(), 2), |(k, c)| {
        let (i, j) = at[k];
        [x[i], t[j]][c]
    });
    assert_eq!(trained.inputs(), ["x", "t"]);
    assert_eq!(trained.outputs(), ["u"]);
    let values = trained.evaluate(points.view()).expect("evaluates");
    assert_eq!(values.dim(), (at.len(), 1));
    for (k, &(i, j)) in at.iter().enumerate() {
        let (a, b) = (values[[k, 0]], u[[j, i]]);
        assert!(
            (a - b).abs() <= 1e-12,
            "at x = {}, t = {}: {a} vs {b}",
            x[i],
            t[j]
        );
    }
    assert!(trained
        .evaluate(points.select(Axis(1), &[0]).view())
        .is_err());
    assert!(trained.evaluate(Array2::zeros((3, 3)).view()).is_err());
    assert_eq!(
        trained
            .evaluate(Array2::zeros((0, 2)).view())
            .unwrap()
            .dim(),
        (0, 1)
    );

    // (b) Close to the exact solution (about 6e-4 after these steps), which an untrained
    // network is not (about 1).
    let error = grid_error(&trained);
    let bound = 1e-2;
    assert!(error <= bound, "relative L2 error {error:.3e} > {bound}");
    let untrained = train(&RunOptions {
        max_steps: Some(0),
        ..RunOptions::default()
    });
    assert_eq!(untrained.result.history.loss.len(), 0);
    let untrained_error = grid_error(&untrained.result);
    assert!(untrained_error > 0.5, "untrained: {untrained_error:.3e}");

    // (c) Written as `physc run` writes it, and read back equal.
    let dir = std::env::temp_dir().join(format!("physc-train-in-memory-{}", std::process::id()));
    trained.write(&dir).expect("writes");
    for file in trained.report["files"].as_array().unwrap() {
        let file = file.as_str().unwrap();
        assert!(dir.join(file).is_file(), "missing {file}");
    }
    for file in [
        "fields.npz",
        "fields.vtk",
        "loss.csv",
        "loss.png",
        "field_u.png",
    ] {
        assert!(dir.join(file).is_file(), "missing {file}");
    }
    let arrays = npz::read(&dir.join("fields.npz")).unwrap();
    let names: Vec<&str> = arrays.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["t", "x", "u"],
        "time first, as every job writes fields"
    );
    assert_eq!(arrays[0].1.data(), t.as_slice().unwrap());
    assert_eq!(arrays[1].1.data(), x.as_slice().unwrap());
    assert_eq!(arrays[2].1.shape(), u.shape());
    assert_eq!(arrays[2].1.data(), u.as_slice().unwrap());
    let csv = std::fs::read_to_string(dir.join("loss.csv")).unwrap();
    assert_eq!(csv.lines().count(), steps + 1);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["completed"], true);
    assert_eq!(report["steps"], trained.report["steps"]);
    let summary = trained.summary(Some(&dir));
    assert!(summary.starts_with("trained Heat1D in "), "{summary}");
    assert!(summary.ends_with(&format!("  results in {}\n", dir.display())));
    assert!(!trained.summary(None).contains("results in"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A cancelled run stops at once, reports it, and still returns its (untrained) results.
#[test]
fn a_cancelled_run_returns_its_results() {
    let options = RunOptions {
        max_steps: Some(STEPS),
        ..RunOptions::default()
    };
    options.cancel.cancel();
    let done = train(&options);
    assert!(done.stopped.is_some());
    let trained = done.result;
    assert!(trained.interrupted());
    assert_eq!(trained.report["completed"], false);
    assert_eq!(trained.history.loss.len(), 0);
    // Time first, as every job writes its fields.
    assert_eq!(trained.fields.field("u").unwrap().shape(), &[51, 101]);
    assert!(trained.report["final_loss"]
        .as_f64()
        .is_some_and(f64::is_finite));
}

/// A resampling quasi-Newton stage judges its parameters at every new draw of points on
/// one held-out set (points no stage trains on) and keeps the best: the report lists each
/// judgment's loss, and the results are written with the parameters of the lowest one.
#[test]
fn a_resampling_stage_keeps_the_parameters_best_on_new_points() {
    let stages = "adam(lr: 1e-3, steps: 200) then ssbroyden(steps: 400, resample: 100)";
    let done = train_with(&RunOptions::default(), &[(HEAT1D_OPTIMIZE, stages)]).expect("starts");
    assert!(done.stopped.is_none(), "{:?}", done.stopped);
    let report = &done.result.report;
    let held_out = report["held_out"]["losses"].as_array().unwrap();
    let steps: Vec<u64> = held_out
        .iter()
        .map(|h| h["step"].as_u64().unwrap())
        .collect();
    // Judged at the draws after 100, 200 and 300 iterations of the stage, and at its end.
    assert_eq!(steps, [300, 400, 500, 600], "{report}");
    assert_eq!(report["point_draws"], 4);
    let losses: Vec<f64> = held_out
        .iter()
        .map(|h| h["loss"].as_f64().unwrap())
        .collect();
    let best = (0..losses.len())
        .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
        .unwrap();
    if best == losses.len() - 1 {
        assert!(report["held_out"]["kept_step"].is_null(), "{report}");
    } else {
        assert_eq!(report["held_out"]["kept_step"], steps[best], "{report}");
    }
    assert!(grid_error(&done.result) < 1e-2);
}
