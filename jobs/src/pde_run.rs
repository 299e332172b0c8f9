//! Running a method-of-lines simulation of one field in 1-D (`pde.rs` compiles it): the grid
//! and boundary ends from the model, the right-hand side as an `OdeSystem` (derivative
//! columns from the runtime's stencils or FFT, then the compiled F kernel over all grid
//! points at once), integrated by the ODE methods, or by ETDRK4 for spectral runs, under the
//! caller's progress and cancel token; the result is [`Fields`] (`fields.rs` writes it).
use super::fields::{Axis, Field, Fields, Solver, LINE_FILES};
use super::integration::{fields_stopped, method, watched};
use super::{Completed, JobError, RunOptions};
use ndarray::{Array1, ArrayD, IxDyn};
use physc_compiler::check::settings::{SimulateSettings, SpatialScheme, TimeMethod};
use physc_compiler::check::Model;
use physc_compiler::plan::line_pde::{compile_pde, CompiledPde, End};
use physc_runtime::mol::{self, Boundary, Complex64, Derivatives, Grid1d, Scheme, Semilinear};
use physc_runtime::ode::{integrate, OdeError, OdeSystem, Solution};

pub(super) fn run(
    model: &Model,
    settings: &SimulateSettings,
    options: &RunOptions,
) -> Result<Completed<Fields>, JobError> {
    let pde = compile_pde(model).map_err(|e| JobError::NotSupported(e.0))?;
    let n = settings.grid.get(&pde.space.0).copied().unwrap_or(256);
    let scheme = scheme(settings, &pde);
    let boundary = |e: &End| match e {
        End::Periodic => Boundary::Periodic,
        End::Dirichlet(_) => Boundary::Dirichlet,
        End::Neumann(_) => Boundary::Neumann,
    };
    let grid = Grid1d::new(
        pde.space.1,
        pde.space.2,
        n,
        boundary(&pde.left),
        boundary(&pde.right),
    )
    .map_err(|e| JobError::NotSupported(e.to_string()))?;
    let x = grid.points().to_vec();
    let t0 = pde.time.1;
    let u0 = pde
        .initial
        .eval(&[&x, &vec![t0; x.len()]], &pde.params)
        .map_err(|e| JobError::Failed(e.to_string()))?
        .remove(0);
    let span = (pde.time.1, pde.time.2);
    let times = settings.output.over(span);
    let etdrk4_step = match (&scheme, settings.method) {
        (Scheme::Spectral, TimeMethod::Etdrk4 { dt }) => Some(dt),
        _ => None,
    };
    let evaluator = Evaluator::new(&pde, &grid, &scheme, &x)?;
    let ((solution, error), seconds) =
        watched(&model.name, span, options, |progress| match etdrk4_step {
            Some(dt) => {
                let mut split = Split(evaluator);
                mol::etdrk4(&grid, &mut split, dt, t0, &u0, &times, progress)
            }
            None => {
                let mut system = Lines(evaluator);
                integrate(&mut system, &method(settings), t0, &u0, &times, progress)
            }
        });
    let report = report(&pde, n, &solution, error.as_ref(), seconds);
    let values = ArrayD::from_shape_vec(IxDyn(&[solution.t.len(), n]), solution.y.concat())
        .expect("the integrator records the field at every grid point at every output time");
    let result = Fields {
        time_name: pde.time.0.clone(),
        times: Array1::from_vec(solution.t),
        axes: vec![Axis {
            name: pde.space.0.clone(),
            lo: pde.space.1,
            hi: pde.space.2,
            points: Array1::from_vec(x),
        }],
        fields: vec![Field {
            name: pde.field.clone(),
            values,
        }],
        stats: solution.stats,
        report,
        seconds,
        solver: Solver::Line,
    };
    Ok(Completed {
        result,
        stopped: fields_stopped(error.as_ref()),
    })
}

fn report(
    pde: &CompiledPde,
    n: usize,
    solution: &Solution,
    error: Option<&OdeError>,
    seconds: f64,
) -> serde_json::Value {
    let s = &solution.stats;
    serde_json::json!({
        "job": "simulate",
        "equation": pde.equation,
        "grid": { pde.space.0.clone(): n },
        "t_span": [pde.time.1, pde.time.2],
        "outputs": solution.t.len(),
        "completed": error.is_none(),
        "error": error.map(|e| e.to_string()),
        "stats": {"steps": s.steps, "rejected": s.rejected, "rhs_evals": s.rhs_evals, "jacobian_evals": s.jacobian_evals},
        "wall_time_s": seconds,
        "files": LINE_FILES,
        "layout": format!("{} is shaped [len({}), len({})]", pde.field, pde.time.0, pde.space.0),
    })
}

/// The block's scheme; by default spectral for ETDRK4 on a periodic line, else fd4.
fn scheme(settings: &SimulateSettings, pde: &CompiledPde) -> Scheme {
    match settings.scheme {
        Some(SpatialScheme::Fd2) => Scheme::Fd2,
        Some(SpatialScheme::Spectral) => Scheme::Spectral,
        Some(SpatialScheme::Fd4) => Scheme::Fd4,
        None if matches!(pde.left, End::Periodic)
            && matches!(settings.method, TimeMethod::Etdrk4 { .. }) =>
        {
            Scheme::Spectral
        }
        None => Scheme::Fd4,
    }
}

/// Boundary values at time t: u (Dirichlet) or u_x (Neumann) at each end.
fn end_value(end: &End, at: f64, t: f64, params: &[f64]) -> f64 {
    match end {
        End::Periodic => 0.0,
        End::Dirichlet(k) | End::Neumann(k) => {
            // Up to six of these per right-hand side: on the stack, allocating nothing.
            let mut value = [f64::NAN];
            match k.run(&[&[at], &[t]], &mut [&mut value], params) {
                Ok(()) => value[0],
                Err(_) => f64::NAN,
            }
        }
    }
}

/// Evaluates a kernel of (u, u_x, …, x, t) over the grid, with buffers kept between the
/// many right-hand-side calls of an integration.
struct Evaluator<'a> {
    pde: &'a CompiledPde,
    derivatives: Derivatives,
    x: &'a [f64],
    columns: Vec<Vec<f64>>,
    time: Vec<f64>,
}

impl<'a> Evaluator<'a> {
    fn new(
        pde: &'a CompiledPde,
        grid: &Grid1d,
        scheme: &Scheme,
        x: &'a [f64],
    ) -> Result<Self, JobError> {
        let derivatives = Derivatives::new(grid, *scheme, pde.order.max(1))
            .map_err(|e| JobError::NotSupported(e.to_string()))?;
        Ok(Evaluator {
            pde,
            columns: derivatives.columns(),
            derivatives,
            x,
            time: vec![0.0; x.len()],
        })
    }

    /// out = kernel(u, u_x, …, x, t), after the boundary values are imposed.
    fn evaluate(
        &mut self,
        kernel: &physc_runtime::Kernel<f64>,
        t: f64,
        u: &[f64],
        out: &mut [f64],
    ) {
        let pde = self.pde;
        let left = end_value(&pde.left, pde.space.1, t, &pde.params);
        let right = end_value(&pde.right, pde.space.2, t, &pde.params);
        self.derivatives.compute(u, left, right, &mut self.columns);
        self.time.fill(t);
        // u and its derivatives, then x and t: a table on the stack (no allocation per call).
        let mut inputs: [&[f64]; mol::MAX_ORDER + 3] = [&[]; mol::MAX_ORDER + 3];
        let count = pde.order + 3;
        for (slot, column) in inputs.iter_mut().zip(&self.columns[..=pde.order]) {
            *slot = column;
        }
        inputs[count - 2] = self.x;
        inputs[count - 1] = &self.time;
        if kernel
            .run_parallel(&inputs[..count], &mut [out], &pde.params)
            .is_err()
        {
            out.iter_mut().for_each(|v| *v = f64::NAN);
        }
    }
}

/// u_t = L u + N(u) for ETDRK4: L from the constant-coefficient linear terms.
struct Split<'a>(Evaluator<'a>);

impl Semilinear for Split<'_> {
    fn symbol(&self, k: f64) -> Complex64 {
        let ik = Complex64::new(0.0, k);
        let mut power = Complex64::new(1.0, 0.0);
        let mut total = Complex64::new(0.0, 0.0);
        for c in &self.0.pde.linear {
            total += power * *c;
            power *= ik;
        }
        total
    }

    fn nonlinear(&mut self, t: f64, u: &[f64], out: &mut [f64]) {
        let kernel = &self.0.pde.nonlinear;
        self.0.evaluate(kernel, t, u, out);
    }
}

/// u_t = F(u) for the ODE integrators.
struct Lines<'a>(Evaluator<'a>);

impl OdeSystem for Lines<'_> {
    fn dim(&self) -> usize {
        self.0.x.len()
    }

    fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]) {
        let pde = self.0.pde;
        self.0.evaluate(&pde.rhs, t, y, dydt);
        // Dirichlet ends follow their prescribed value, not the equation.
        let h = 1e-6 * (1.0 + t.abs());
        let n = dydt.len();
        for (end, i, at) in [
            (&pde.left, 0, pde.space.1),
            (&pde.right, n - 1, pde.space.2),
        ] {
            if matches!(end, End::Dirichlet(_)) {
                let (a, b) = (
                    end_value(end, at, t + h, &pde.params),
                    end_value(end, at, t - h, &pde.params),
                );
                dydt[i] = (a - b) / (2.0 * h);
            }
        }
    }
}
