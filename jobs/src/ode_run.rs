//! Running an ODE model (`ode.rs` compiles it): integrate with the method the `simulate`
//! block asks for, under the caller's progress and cancel token, into a [`Trajectory`] with
//! its report. A blow-up, a step-size underflow or a cancel keeps what was computed and
//! says why the run stopped.

use super::integration::{method, watched};
use super::trajectory::{self, Trajectory};
use super::{Completed, JobError, RunOptions};
use ndarray::{Array1, Array2};
use physc_compiler::check::settings::SimulateSettings;
use physc_compiler::check::Model;
use physc_compiler::plan::ode_system::{compile_ode, CompiledOde};
use physc_runtime::ode::{integrate, Method, OdeError, Solution};

pub(super) fn run(
    model: &Model,
    settings: &SimulateSettings,
    options: &RunOptions,
) -> Result<Completed<Trajectory>, JobError> {
    let ode = compile_ode(model).map_err(|e| JobError::NotSupported(e.0))?;
    let method = method(settings);
    let times = settings.output.over(ode.t_span);
    let mut system = ode.system();
    let ((solution, error), seconds) = watched(&model.name, ode.t_span, options, |progress| {
        integrate(
            &mut system,
            &method,
            ode.t_span.0,
            &ode.y0,
            &times,
            progress,
        )
    });
    let report = report(&ode, &solution, &method, error.as_ref(), seconds);
    let stopped = error.map(|e| JobError::Failed(failure_message(&ode, &e)));
    let states = Array2::from_shape_vec((solution.y.len(), ode.states.len()), solution.y.concat())
        .expect("the integrator records one value per state at every output time");
    let result = Trajectory {
        times: Array1::from_vec(solution.t),
        state_names: ode.states,
        states,
        method,
        stats: solution.stats,
        report,
        seconds,
    };
    Ok(Completed { result, stopped })
}

fn failure_message(ode: &CompiledOde, e: &OdeError) -> String {
    let state = |y: &[f64]| {
        ode.states
            .iter()
            .zip(y)
            .map(|(n, v)| format!("{n} = {v:e}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match e {
        OdeError::NonFinite { t, state: y } => {
            format!("the solution blew up at t = {t}: {}", state(y))
        }
        OdeError::StepUnderflow { t, h, state: y } => format!(
            "the step size fell to {h:e} at t = {t} ({}): the problem may be stiff (try `method rosenbrock`) or singular",
            state(y)
        ),
        OdeError::Interrupted { t } => format!("interrupted at t = {t}"),
    }
}

fn method_report(method: &Method) -> serde_json::Value {
    match method {
        Method::Rk4 { dt } => serde_json::json!({"name": "rk4", "dt": dt}),
        Method::Dopri5 { rtol, atol } => {
            serde_json::json!({"name": "dopri5", "rtol": rtol, "atol": atol})
        }
        Method::Rosenbrock { rtol, atol } => {
            serde_json::json!({"name": "rosenbrock", "rtol": rtol, "atol": atol})
        }
    }
}

fn report(
    ode: &CompiledOde,
    solution: &Solution,
    method: &Method,
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
        "method": method_report(method),
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
        "files": trajectory::files(ode.states.len()),
    })
}
