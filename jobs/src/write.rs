//! Writing job results: trajectories as NPZ (arrays `t` and one per state, as numpy users
//! expect) and CSV, `report.json`, and PNG plots (time series; phase portrait of the first
//! two or three states). Every file is written atomically by the runtime.

use physc_compiler::plan::ode_system::CompiledOde;
use physc_runtime::ode::{OdeError, Solution};
use physc_runtime::output::plot::{self, Figure, Panels};
use physc_runtime::output::{csv, npz, report, Array};
use std::path::Path;

pub fn trajectory(
    dir: &Path,
    ode: &CompiledOde,
    solution: &Solution,
    method: &serde_json::Value,
    error: Option<&OdeError>,
    seconds: f64,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let columns: Vec<Vec<f64>> = (0..ode.states.len())
        .map(|k| solution.y.iter().map(|y| y[k]).collect())
        .collect();
    let mut named: Vec<(&str, &[f64])> = vec![("t", &solution.t)];
    named.extend(
        ode.states
            .iter()
            .map(String::as_str)
            .zip(columns.iter().map(Vec::as_slice)),
    );

    let arrays: Vec<(&str, Array)> = named
        .iter()
        .map(|(n, c)| (*n, Array::vector(c.to_vec())))
        .collect();
    let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (*n, a)).collect();
    let err = |e: physc_runtime::output::OutputError| e.to_string();
    npz::write(&dir.join("trajectory.npz"), &refs).map_err(err)?;
    csv::write(&dir.join("trajectory.csv"), &named).map_err(err)?;
    report::write(dir, &report_json(ode, solution, method, error, seconds)).map_err(err)?;
    if solution.t.len() >= 2 {
        plots(dir, ode, &solution.t, &named[1..]).map_err(err)?;
    }
    Ok(())
}

fn plots(
    dir: &Path,
    ode: &CompiledOde,
    t: &[f64],
    states: &[(&str, &[f64])],
) -> Result<(), physc_runtime::output::OutputError> {
    let title = format!("{} — trajectory", ode.states.join(", "));
    let panels = if states.len() > 1 {
        Panels::Stacked
    } else {
        Panels::Shared
    };
    plot::time_series(
        &dir.join("timeseries.png"),
        &Figure::new(&title, "t", "state"),
        t,
        states,
        panels,
    )?;
    match states {
        [(xn, x), (yn, y), (zn, z), ..] => plot::phase_portrait_3d(
            &dir.join("phase.png"),
            &Figure::new("phase portrait", xn, yn),
            zn,
            [x, y, z],
        ),
        [(xn, x), (yn, y)] => plot::phase_portrait(
            &dir.join("phase.png"),
            &Figure::new("phase portrait", xn, yn),
            x,
            y,
        ),
        _ => Ok(()),
    }
}

fn files(states: usize) -> Vec<&'static str> {
    let mut files = vec![
        "trajectory.npz",
        "trajectory.csv",
        "report.json",
        "timeseries.png",
    ];
    if states >= 2 {
        files.push("phase.png");
    }
    files
}

fn report_json(
    ode: &CompiledOde,
    solution: &Solution,
    method: &serde_json::Value,
    error: Option<&OdeError>,
    seconds: f64,
) -> serde_json::Value {
    let s = &solution.stats;
    serde_json::json!({
        "job": "simulate",
        "states": ode.states,
        "equations": ode.equations,
        "initial_state": ode.y0,
        "t_span": [ode.t_span.0, ode.t_span.1],
        "method": method,
        "outputs": solution.t.len(),
        "completed": error.is_none(),
        "error": error.map(|e| e.to_string()),
        "stats": {
            "steps": s.steps,
            "rejected": s.rejected,
            "rhs_evals": s.rhs_evals,
            "jacobian_evals": s.jacobian_evals,
            "lu_decompositions": s.lu_decompositions,
        },
        "wall_time_s": seconds,
        "files": files(ode.states.len()),
    })
}
