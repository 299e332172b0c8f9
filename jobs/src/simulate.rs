//! The `simulate` job: integrate a model's ODE system with the method its block asks for,
//! showing progress, and write the trajectory (NPZ, CSV), a report and plots to
//! `out/<Model>/`. Whatever happens (blow-up, step-size underflow, Ctrl-C), what was
//! computed is written before the error is reported.

use super::{JobError, RunOptions};
use physc_compiler::check::jobs::SettingValue;
use physc_compiler::check::{Job, Model};
use physc_compiler::plan::ode_system::{compile_ode, CompiledOde};
use physc_runtime::ode::{integrate, Method, OdeError, Solution};
use std::time::Instant;

pub fn run(model: &Model, job: &Job, options: &RunOptions) -> Result<(), JobError> {
    let has_pde = model
        .equations
        .iter()
        .any(|e| e.kind == physc_compiler::check::EquationKind::Pde);
    let single_1d_field =
        model.space_dims() == 1 && model.fields.len() == 1 && model.fields[0].components() == 1;
    if has_pde && single_1d_field {
        return super::pde_run::run(model, job, options);
    }
    if has_pde {
        return super::grid_pde_run::run(model, job, options);
    }
    let ode = compile_ode(model).map_err(|e| JobError::NotSupported(e.0))?;
    let method = method(job);
    let times = output_times(job, ode.t_span);
    let started = Instant::now();
    let bar = super::progress::time_bar(&model.name, ode.t_span, &*options.progress);
    let mut progress = |t: f64| {
        bar.update(t);
        !options.cancel.is_cancelled()
    };
    let mut system = ode.system();
    let (solution, error) = integrate(
        &mut system,
        &method,
        ode.t_span.0,
        &ode.y0,
        &times,
        &mut progress,
    );
    bar.finish();
    let seconds = started.elapsed().as_secs_f64();
    let dir = options.out_dir.join(&model.name);
    super::write::trajectory(
        &dir,
        &ode,
        &solution,
        &method_report(&method),
        error.as_ref(),
        seconds,
    )
    .map_err(JobError::Output)?;
    if !options.quiet {
        summary(&ode, &solution, seconds, &dir);
    }
    match error {
        None => Ok(()),
        Some(e) => Err(JobError::Failed(failure_message(&ode, &e))),
    }
}

fn summary(ode: &CompiledOde, solution: &Solution, seconds: f64, dir: &std::path::Path) {
    let s = &solution.stats;
    eprintln!(
        "{}: {} steps ({} rejected), {} rhs and {} Jacobian evaluations in {:.3} s",
        ode.states.join(", "),
        s.steps,
        s.rejected,
        s.rhs_evals,
        s.jacobian_evals,
        seconds
    );
    eprintln!("wrote {}", dir.display());
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
            format!("the solution blew up at t = {t}: {} (results up to there were written)", state(y))
        }
        OdeError::StepUnderflow { t, h, state: y } => format!(
            "the step size fell to {h:e} at t = {t} ({}): the problem may be stiff (try `method rosenbrock`) or singular; results up to there were written",
            state(y)
        ),
        OdeError::Interrupted { t } => format!("interrupted at t = {t}; results up to there were written"),
    }
}

/// The integrator from `method ...`, Dormand–Prince at rtol 1e-8 by default.
pub fn method(job: &Job) -> Method {
    match job.settings.get("method") {
        Some(SettingValue::Call { name, args }) => match name.as_str() {
            "rk4" => Method::Rk4 {
                dt: super::setting_number(args, "dt", 1e-3),
            },
            "rosenbrock" => Method::Rosenbrock {
                rtol: super::setting_number(args, "rtol", 1e-6),
                atol: super::setting_number(args, "atol", 1e-9),
            },
            _ => Method::Dopri5 {
                rtol: super::setting_number(args, "rtol", 1e-8),
                atol: super::setting_number(args, "atol", 1e-10),
            },
        },
        _ => Method::Dopri5 {
            rtol: 1e-8,
            atol: 1e-10,
        },
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

/// Output times from `output every: dt` or `output points: n` (1001 points by default).
pub fn output_times(job: &Job, (t0, t1): (f64, f64)) -> Vec<f64> {
    let args = match job.settings.get("output") {
        Some(SettingValue::Record(args)) => args.clone(),
        _ => Default::default(),
    };
    let count = if let Some(SettingValue::Number(every)) = args.get("every") {
        ((t1 - t0) / every).floor() as usize + 1
    } else if let Some(SettingValue::Int(points)) = args.get("points") {
        (*points as usize).max(2)
    } else {
        1001
    };
    let count = count.clamp(2, 10_000_000);
    let step = (t1 - t0) / (count - 1) as f64;
    (0..count).map(|i| (t0 + i as f64 * step).min(t1)).collect()
}
