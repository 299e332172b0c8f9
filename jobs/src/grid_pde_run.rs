//! Running a tensor-grid method-of-lines simulation (`grid_pde.rs` compiles it): every
//! field's jets from the runtime's per-axis stencils with the side conditions of the moment,
//! all right-hand sides in one kernel call over the grid, integrated by the ODE methods under
//! the caller's progress and cancel token; the result is [`Fields`], each field shaped
//! (time, x[, y]) (`fields.rs` writes it).
use super::fields::{tensor_grid_files, Axis, Field, Fields, Solver};
use super::integration::{fields_stopped, method, watched};
use super::{Completed, JobError, RunOptions};
use ndarray::{Array1, ArrayD, IxDyn};
use physc_compiler::check::settings::{SimulateSettings, SpatialScheme};
use physc_compiler::check::Model;
use physc_compiler::plan::grid_pde::{compile_grid_pde, GridPde, JetNeed, Side};
use physc_runtime::mol::{AxisDerivatives, Boundary, Ends, Grid1d, Scheme, TensorGrid};
use physc_runtime::ode::{integrate, OdeError, OdeSystem, Solution};

pub(super) fn run(
    model: &Model,
    settings: &SimulateSettings,
    options: &RunOptions,
) -> Result<Completed<Fields>, JobError> {
    let pde = compile_grid_pde(model).map_err(|e| JobError::NotSupported(e.0))?;
    let scheme = match settings.scheme {
        Some(SpatialScheme::Fd2) => Scheme::Fd2,
        Some(SpatialScheme::Spectral) => {
            return Err(JobError::NotSupported(
                "spectral differentiation covers one field in one space dimension; use `scheme fd2` or `fd4`".into(),
            ))
        }
        _ => Scheme::Fd4,
    };
    let sizes: Vec<usize> = pde
        .axes
        .iter()
        .map(|(name, ..)| {
            let default = if pde.axes.len() == 1 { 256 } else { 64 };
            settings.grid.get(name).copied().unwrap_or(default)
        })
        .collect();
    let grid = tensor_grid(&pde, &sizes)?;
    let mut system = Lines::new(&pde, &grid, scheme)?;
    let t0 = pde.time.1;
    let y0 = system.initial_state(t0)?;
    let span = (pde.time.1, pde.time.2);
    let times = settings.output.over(span);
    let method = method(settings);
    let ((mut solution, error), seconds) = watched(&model.name, span, options, |progress| {
        integrate(&mut system, &method, t0, &y0, &times, progress)
    });
    // Recorded states come from the integrator's interpolant: put the conditions back.
    for (t, y) in solution.t.iter().zip(solution.y.iter_mut()) {
        system.impose_dirichlet(*t, y);
    }
    let report = report(&pde, &sizes, &solution, error.as_ref(), seconds);
    let result = Fields {
        time_name: pde.time.0.clone(),
        axes: pde
            .axes
            .iter()
            .zip(grid.axes())
            .map(|((name, lo, hi), g)| Axis {
                name: name.clone(),
                lo: *lo,
                hi: *hi,
                points: Array1::from_vec(g.points().to_vec()),
            })
            .collect(),
        fields: fields_over_time(&pde, &sizes, &solution),
        times: Array1::from_vec(solution.t),
        stats: solution.stats,
        report,
        seconds,
        solver: Solver::TensorGrid,
    };
    Ok(Completed {
        result,
        stopped: fields_stopped(error.as_ref()),
    })
}

/// Each field's values shaped (time, axes…), from states that hold every field at every
/// grid point, field after field.
fn fields_over_time(pde: &GridPde, sizes: &[usize], solution: &Solution) -> Vec<Field> {
    let n: usize = sizes.iter().product();
    let mut shape = vec![solution.t.len()];
    shape.extend(sizes);
    pde.fields
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let data: Vec<f64> = solution
                .y
                .iter()
                .flat_map(|y| y[f * n..(f + 1) * n].iter().copied())
                .collect();
            let values = ArrayD::from_shape_vec(IxDyn(&shape), data)
                .expect("every state holds every field at every grid point");
            Field {
                name: name.clone(),
                values,
            }
        })
        .collect()
}

fn report(
    pde: &GridPde,
    sizes: &[usize],
    solution: &Solution,
    error: Option<&OdeError>,
    seconds: f64,
) -> serde_json::Value {
    let s = &solution.stats;
    let grid_sizes: serde_json::Map<String, serde_json::Value> = pde
        .axes
        .iter()
        .zip(sizes)
        .map(|((name, ..), n)| (name.clone(), (*n).into()))
        .collect();
    let axis_names: Vec<&str> = pde.axes.iter().map(|(n, ..)| n.as_str()).collect();
    let nt = solution.t.len();
    serde_json::json!({
        "job": "simulate",
        "equations": pde.equations,
        "grid": grid_sizes,
        "t_span": [pde.time.1, pde.time.2],
        "outputs": nt,
        "completed": error.is_none(),
        "error": error.map(|e| e.to_string()),
        "stats": {"steps": s.steps, "rejected": s.rejected, "rhs_evals": s.rhs_evals, "jacobian_evals": s.jacobian_evals},
        "wall_time_s": seconds,
        "files": tensor_grid_files(&pde.fields, nt, pde.axes.len()),
        "layout": format!("each field is shaped [len({}), {}]", pde.time.0,
            axis_names.iter().map(|a| format!("len({a})")).collect::<Vec<_>>().join(", ")),
    })
}

/// The grid of the axes; an axis is periodic when the model says so (for every field).
fn tensor_grid(pde: &GridPde, sizes: &[usize]) -> Result<TensorGrid, JobError> {
    let mut axes = Vec::new();
    for (a, (_, lo, hi)) in pde.axes.iter().enumerate() {
        let periodic = pde.sides.iter().any(|f| matches!(f[a].0, Side::Periodic));
        let kind = if periodic {
            Boundary::Periodic
        } else {
            Boundary::Dirichlet
        };
        let grid = Grid1d::new(*lo, *hi, sizes[a], kind, kind)
            .map_err(|e| JobError::NotSupported(e.to_string()))?;
        axes.push(grid);
    }
    Ok(TensorGrid::new(axes))
}

fn boundary_kind(side: &Side) -> Boundary {
    match side {
        Side::Periodic => Boundary::Periodic,
        Side::Condition { b, .. } if *b == 0.0 => Boundary::Dirichlet,
        Side::Condition { .. } => Boundary::Neumann,
    }
}

/// One side of the box for one field: where its points are and how to evaluate g there.
struct SideState {
    points: Vec<usize>,
    /// Coordinates of the points (one column per axis) and a t column, for g.
    inputs: Vec<Vec<f64>>,
    g: Vec<f64>,
    /// g a moment earlier, for the rate of a time-dependent Dirichlet value.
    earlier: Vec<f64>,
}

/// The method-of-lines system: state = every field at every grid point, field after field.
struct Lines<'a> {
    pde: &'a GridPde,
    n: usize,
    coordinates: Vec<Vec<f64>>,
    time: Vec<f64>,
    /// `[field][axis]`: stencils with the field's conditions.
    along: Vec<Vec<AxisDerivatives>>,
    /// `[axis]`: stencils without conditions, for mixed derivatives.
    free: Vec<AxisDerivatives>,
    /// `[field][axis][lower, upper]`.
    sides: Vec<Vec<[SideState; 2]>>,
    /// Per field: u with Dirichlet values imposed.
    values: Vec<Vec<f64>>,
    /// `[field][axis][k - 1]`: k-th derivative along the axis.
    pure: Vec<Vec<Vec<Vec<f64>>>>,
    /// Mixed jets (both orders ≥ 1): the jet and its column.
    mixed: Vec<(JetNeed, Vec<f64>)>,
    scratch: Vec<Vec<f64>>,
    ends: Vec<(f64, f64)>,
}

impl<'a> Lines<'a> {
    fn new(pde: &'a GridPde, grid: &TensorGrid, scheme: Scheme) -> Result<Self, JobError> {
        let unsupported = |e: physc_runtime::mol::MolError| JobError::NotSupported(e.to_string());
        let n = grid.len();
        let coordinates = grid.coordinates();
        let dims = pde.axes.len();
        let mut along = Vec::new();
        let mut sides = Vec::new();
        let mut pure = Vec::new();
        for f in 0..pde.fields.len() {
            let mut per_axis = Vec::new();
            let mut side_states = Vec::new();
            let mut columns = Vec::new();
            for a in 0..dims {
                let (lower, upper) = &pde.sides[f][a];
                let order = pde.order(f, a).max(1);
                let kinds = (boundary_kind(lower), boundary_kind(upper));
                per_axis.push(
                    AxisDerivatives::new(grid, a, kinds, scheme, order).map_err(unsupported)?,
                );
                side_states.push([false, true].map(|upper| {
                    let points = grid.side(a, upper);
                    let mut inputs: Vec<Vec<f64>> = coordinates
                        .iter()
                        .map(|c| points.iter().map(|&i| c[i]).collect())
                        .collect();
                    inputs.push(vec![0.0; points.len()]);
                    SideState {
                        g: vec![0.0; points.len()],
                        earlier: vec![0.0; points.len()],
                        points,
                        inputs,
                    }
                }));
                columns.push(vec![vec![0.0; n]; order]);
            }
            along.push(per_axis);
            sides.push(side_states);
            pure.push(columns);
        }
        let mixed: Vec<(JetNeed, Vec<f64>)> = pde
            .jets
            .iter()
            .filter(|j| j.orders.iter().all(|&o| o > 0))
            .map(|j| (*j, vec![0.0; n]))
            .collect();
        let max_mixed_y = mixed.iter().map(|(j, _)| j.orders[1]).max().unwrap_or(0);
        let mut free = Vec::new();
        if dims == 2 && max_mixed_y > 0 {
            let kind = grid.axes()[1].boundaries().0;
            free.push(
                AxisDerivatives::new(grid, 1, (kind, kind), scheme, max_mixed_y)
                    .map_err(unsupported)?,
            );
        }
        Ok(Lines {
            pde,
            n,
            coordinates,
            time: vec![0.0; n],
            along,
            free,
            sides,
            values: vec![vec![0.0; n]; pde.fields.len()],
            pure,
            mixed,
            scratch: vec![vec![0.0; n]; max_mixed_y],
            ends: Vec::new(),
        })
    }

    fn initial_state(&mut self, t0: f64) -> Result<Vec<f64>, JobError> {
        self.time.fill(t0);
        let mut inputs: Vec<&[f64]> = self.coordinates.iter().map(Vec::as_slice).collect();
        inputs.push(&self.time);
        let columns = self
            .pde
            .initial
            .eval(&inputs, &self.pde.params)
            .map_err(|e| JobError::Failed(e.to_string()))?;
        let mut y = columns.concat();
        self.impose_dirichlet(t0, &mut y);
        Ok(y)
    }

    /// g of every side at time t, into each side's buffer.
    fn evaluate_sides(&mut self, t: f64) {
        let params = &self.pde.params;
        for (f, per_axis) in self.sides.iter_mut().enumerate() {
            for (a, ends) in per_axis.iter_mut().enumerate() {
                let conditions = &self.pde.sides[f][a];
                for (side, state) in [&conditions.0, &conditions.1]
                    .into_iter()
                    .zip(ends.iter_mut())
                {
                    if let Side::Condition { g, .. } = side {
                        evaluate_g(g, t, params, state);
                    }
                }
            }
        }
    }

    /// Set u of field f on its Dirichlet sides to g / a (after `evaluate_sides`).
    fn impose_field(&self, f: usize, u: &mut [f64]) {
        for (a, ends) in self.sides[f].iter().enumerate() {
            let conditions = &self.pde.sides[f][a];
            for (side, state) in [&conditions.0, &conditions.1].into_iter().zip(ends) {
                if let Side::Condition { a: coef, b, .. } = side {
                    if *b == 0.0 {
                        for (&i, g) in state.points.iter().zip(&state.g) {
                            u[i] = g / coef;
                        }
                    }
                }
            }
        }
    }

    fn impose_dirichlet(&mut self, t: f64, y: &mut [f64]) {
        self.evaluate_sides(t);
        for (f, u) in y.chunks_mut(self.n).enumerate() {
            self.impose_field(f, u);
        }
    }

    /// Every column the rhs kernel reads, for the state y at time t.
    fn jets(&mut self, t: f64, y: &[f64]) {
        self.evaluate_sides(t);
        let mut values = std::mem::take(&mut self.values);
        for (f, (u, state)) in values.iter_mut().zip(y.chunks(self.n)).enumerate() {
            u.copy_from_slice(state);
            self.impose_field(f, u);
        }
        self.values = values;
        for f in 0..self.pde.fields.len() {
            for a in 0..self.pde.axes.len() {
                self.line_ends(f, a);
                let (along, pure) = (&mut self.along[f][a], &mut self.pure[f][a]);
                along.compute(&self.values[f], Ends::Given(&self.ends), pure);
            }
        }
        for (jet, column) in &mut self.mixed {
            let x_derivative = &self.pure[jet.field][0][jet.orders[0] - 1];
            self.free[0].compute(x_derivative, Ends::Free, &mut self.scratch);
            column.copy_from_slice(&self.scratch[jet.orders[1] - 1]);
        }
    }

    /// Per line along `axis` of field f: (left, right) for the stencils.
    fn line_ends(&mut self, f: usize, axis: usize) {
        let (lower, upper) = &self.pde.sides[f][axis];
        let states = &self.sides[f][axis];
        let u = &self.values[f];
        let end = |side: &Side, state: &SideState, l: usize| match side {
            Side::Periodic => 0.0,
            Side::Condition { a, b, .. } if *b == 0.0 => state.g[l] / a,
            // a u + b u_n = g: the slope from the end's current value.
            Side::Condition { a, b, .. } => (state.g[l] - a * u[state.points[l]]) / b,
        };
        self.ends.clear();
        for l in 0..states[0].points.len() {
            self.ends
                .push((end(lower, &states[0], l), end(upper, &states[1], l)));
        }
    }

    fn column(&self, jet: &JetNeed) -> &[f64] {
        match jet.orders {
            [0, 0] => &self.values[jet.field],
            [k, 0] => &self.pure[jet.field][0][k - 1],
            [0, k] => &self.pure[jet.field][1][k - 1],
            _ => {
                let m = self.mixed.iter().find(|(j, _)| j == jet);
                &m.expect("mixed jets are prepared").1
            }
        }
    }

    /// The rate of Dirichlet values: d(g/a)/dt by a central difference (0 if g is steady).
    fn dirichlet_rates(&mut self, t: f64, dydt: &mut [f64]) {
        let h = 1e-6 * (1.0 + t.abs());
        let params = &self.pde.params;
        for (f, per_axis) in self.sides.iter_mut().enumerate() {
            let rate = &mut dydt[f * self.n..(f + 1) * self.n];
            for (a, ends) in per_axis.iter_mut().enumerate() {
                let conditions = &self.pde.sides[f][a];
                for (side, state) in [&conditions.0, &conditions.1]
                    .into_iter()
                    .zip(ends.iter_mut())
                {
                    let Side::Condition {
                        a: coef,
                        b,
                        g,
                        steady,
                    } = side
                    else {
                        continue;
                    };
                    if *b != 0.0 {
                        continue;
                    }
                    if *steady {
                        state.points.iter().for_each(|&i| rate[i] = 0.0);
                        continue;
                    }
                    evaluate_g(g, t - h, params, state);
                    std::mem::swap(&mut state.g, &mut state.earlier);
                    evaluate_g(g, t + h, params, state);
                    for ((&i, g1), g0) in state.points.iter().zip(&state.g).zip(&state.earlier) {
                        rate[i] = (g1 - g0) / (2.0 * h * coef);
                    }
                }
            }
        }
    }
}

fn evaluate_g(g: &physc_runtime::Kernel<f64>, t: f64, params: &[f64], state: &mut SideState) {
    let last = state.inputs.len() - 1;
    state.inputs[last].fill(t);
    let inputs: Vec<&[f64]> = state.inputs.iter().map(Vec::as_slice).collect();
    if g.run(&inputs, &mut [&mut state.g], params).is_err() {
        state.g.fill(f64::NAN);
    }
}

impl OdeSystem for Lines<'_> {
    fn dim(&self) -> usize {
        self.n * self.pde.fields.len()
    }

    fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]) {
        self.jets(t, y);
        self.time.fill(t);
        let mut inputs: Vec<&[f64]> = self.pde.jets.iter().map(|j| self.column(j)).collect();
        inputs.extend(self.coordinates.iter().map(Vec::as_slice));
        inputs.push(&self.time);
        let mut outputs: Vec<&mut [f64]> = dydt.chunks_mut(self.n).collect();
        if self
            .pde
            .rhs
            .run_parallel(&inputs, &mut outputs, &self.pde.params)
            .is_err()
        {
            dydt.fill(f64::NAN);
            return;
        }
        self.dirichlet_rates(t, dydt);
    }
}
