//! Running a tensor-grid method-of-lines simulation (`grid_pde.rs`): every field's jets from
//! the runtime's per-axis stencils with the side conditions of the moment, all right-hand
//! sides in one kernel call over the grid, integrated by the ODE methods; the fields written
//! as `fields.npz` (the axes, `t`, and each field shaped [len(t), len(x), len(y)]), a long
//! CSV (one row per time and point), the final state as VTK for ParaView, heatmaps and
//! `report.json`.

use super::{JobError, RunOptions};
use physc_compiler::check::jobs::SettingValue;
use physc_compiler::check::{Job, Model};
use physc_compiler::plan::grid_pde::{compile_grid_pde, GridPde, JetNeed, Side};
use physc_runtime::mol::{AxisDerivatives, Boundary, Ends, Grid1d, Scheme, TensorGrid};
use physc_runtime::ode::{integrate, OdeError, OdeSystem, Solution};
use physc_runtime::output::plot::{self, Figure};
use physc_runtime::output::{csv, npz, report, vtk, Array};
use std::path::Path;
use std::time::Instant;

pub fn run(model: &Model, job: &Job, options: &RunOptions) -> Result<(), JobError> {
    let pde = compile_grid_pde(model).map_err(|e| JobError::NotSupported(e.0))?;
    let scheme = match job.settings.get("scheme") {
        Some(SettingValue::Name(s)) if s == "fd2" => Scheme::Fd2,
        Some(SettingValue::Name(s)) if s == "spectral" => {
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
            super::pde_run::grid_points(job, name, default)
        })
        .collect();
    let grid = tensor_grid(&pde, &sizes)?;
    let mut system = Lines::new(&pde, &grid, scheme)?;
    let t0 = pde.time.1;
    let y0 = system.initial_state(t0)?;
    let times = super::simulate::output_times(job, (pde.time.1, pde.time.2));
    let method = super::simulate::method(job);
    let started = Instant::now();
    let bar = super::progress::time_bar(&model.name, (pde.time.1, pde.time.2), &*options.progress);
    let mut progress = |t: f64| {
        bar.update(t);
        !options.cancel.is_cancelled()
    };
    let (mut solution, error) = integrate(&mut system, &method, t0, &y0, &times, &mut progress);
    bar.finish();
    // Recorded states come from the integrator's interpolant: put the conditions back.
    for (t, y) in solution.t.iter().zip(solution.y.iter_mut()) {
        system.impose_dirichlet(*t, y);
    }
    let seconds = started.elapsed().as_secs_f64();
    let dir = options.out_dir.join(&model.name);
    write(&dir, &pde, &grid, &solution, error.as_ref(), seconds).map_err(JobError::Output)?;
    if !options.quiet {
        let shape: Vec<String> = sizes.iter().map(usize::to_string).collect();
        eprintln!(
            "{}: {} grid, {} steps ({} rejected) in {seconds:.3} s; wrote {}",
            pde.fields.join(", "),
            shape.join(" × "),
            solution.stats.steps,
            solution.stats.rejected,
            dir.display()
        );
    }
    super::pde_run::stopped_early(error)
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

fn write(
    dir: &Path,
    pde: &GridPde,
    grid: &TensorGrid,
    solution: &Solution,
    error: Option<&OdeError>,
    seconds: f64,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let err = |e: physc_runtime::output::OutputError| e.to_string();
    let n = grid.len();
    let shape = grid.shape();
    let axes: Vec<(&str, &[f64])> = pde
        .axes
        .iter()
        .zip(grid.axes())
        .map(|((name, ..), g)| (name.as_str(), g.points()))
        .collect();
    let nt = solution.t.len();
    let field_data = |f: usize| -> Vec<f64> {
        solution
            .y
            .iter()
            .flat_map(|y| y[f * n..(f + 1) * n].iter().copied())
            .collect()
    };
    let mut arrays: Vec<(String, Array)> = axes
        .iter()
        .map(|(name, c)| (name.to_string(), Array::vector(c.to_vec())))
        .collect();
    arrays.push((pde.time.0.clone(), Array::vector(solution.t.clone())));
    for (f, name) in pde.fields.iter().enumerate() {
        let mut dims = vec![nt];
        dims.extend(&shape);
        let array = Array::with_shape(dims, field_data(f)).map_err(|e| e.at(dir).to_string())?;
        arrays.push((name.clone(), array));
    }
    let named: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
    npz::write(&dir.join("fields.npz"), &named).map_err(err)?;

    let coordinates = grid.coordinates();
    let mut columns: Vec<(String, Vec<f64>)> = vec![(
        pde.time.0.clone(),
        solution
            .t
            .iter()
            .flat_map(|t| std::iter::repeat_n(*t, n))
            .collect(),
    )];
    for ((name, ..), c) in pde.axes.iter().zip(&coordinates) {
        columns.push((
            name.clone(),
            c.iter().copied().cycle().take(n * nt).collect(),
        ));
    }
    for (f, name) in pde.fields.iter().enumerate() {
        columns.push((name.clone(), field_data(f)));
    }
    let named: Vec<(&str, &[f64])> = columns
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    csv::write(&dir.join("fields.csv"), &named).map_err(err)?;

    let mut files = vec!["fields.npz", "fields.csv", "report.json"];
    let mut plots = Vec::new();
    if let Some(last) = solution.y.last() {
        let finals: Vec<(&str, &[f64])> = pde
            .fields
            .iter()
            .enumerate()
            .map(|(f, name)| (name.as_str(), &last[f * n..(f + 1) * n]))
            .collect();
        vtk::write_rectilinear(&dir.join("final.vtk"), &axes, &finals)
            .map_err(|e| e.to_string())?;
        files.push("final.vtk");
        for (f, name) in pde.fields.iter().enumerate() {
            let file = format!("{}.png", name.replace('.', "_"));
            if plot_field(&dir.join(&file), pde, grid, solution, f, name).map_err(err)? {
                plots.push(file);
            }
        }
    }
    files.extend(plots.iter().map(String::as_str));
    let s = &solution.stats;
    let grid_sizes: serde_json::Map<String, serde_json::Value> = pde
        .axes
        .iter()
        .zip(&shape)
        .map(|((name, ..), n)| (name.clone(), (*n).into()))
        .collect();
    let axis_names: Vec<&str> = pde.axes.iter().map(|(n, ..)| n.as_str()).collect();
    let json = serde_json::json!({
        "job": "simulate",
        "equations": pde.equations,
        "grid": grid_sizes,
        "t_span": [pde.time.1, pde.time.2],
        "outputs": nt,
        "completed": error.is_none(),
        "error": error.map(|e| e.to_string()),
        "stats": {"steps": s.steps, "rejected": s.rejected, "rhs_evals": s.rhs_evals, "jacobian_evals": s.jacobian_evals},
        "wall_time_s": seconds,
        "files": files,
        "layout": format!("each field is shaped [len({}), {}]", pde.time.0,
            axis_names.iter().map(|a| format!("len({a})")).collect::<Vec<_>>().join(", ")),
    });
    report::write(dir, &json).map_err(err)?;
    Ok(())
}

/// A space–time heatmap in 1-D, the final state over the plane in 2-D. False when there
/// is too little to draw.
fn plot_field(
    path: &Path,
    pde: &GridPde,
    grid: &TensorGrid,
    solution: &Solution,
    f: usize,
    name: &str,
) -> Result<bool, physc_runtime::output::OutputError> {
    let n = grid.len();
    let shape = grid.shape();
    let (x_name, x_lo, x_hi) = &pde.axes[0];
    if shape.len() == 1 {
        if solution.t.len() < 2 {
            return Ok(false);
        }
        let rows: Vec<Vec<f64>> = solution
            .y
            .iter()
            .map(|y| y[f * n..(f + 1) * n].to_vec())
            .collect();
        let field = Array::from_rows(&rows).map_err(|e| e.at(path))?;
        let title = format!("{name} on {x_name} × {}", pde.time.0);
        let t = (solution.t[0], solution.t[solution.t.len() - 1]);
        plot::heatmap(
            path,
            &Figure::new(&title, x_name, &pde.time.0),
            &field,
            t,
            (*x_lo, *x_hi),
            name,
        )?;
        return Ok(true);
    }
    let (y_name, y_lo, y_hi) = &pde.axes[1];
    let last = &solution.y[solution.y.len() - 1][f * n..(f + 1) * n];
    // Rows go up the picture: y, with x across.
    let (nx, ny) = (shape[0], shape[1]);
    let rows: Vec<Vec<f64>> = (0..ny)
        .map(|j| (0..nx).map(|i| last[i * ny + j]).collect())
        .collect();
    let field = Array::from_rows(&rows).map_err(|e| e.at(path))?;
    let t_end = solution.t[solution.t.len() - 1];
    let title = format!("{name} at {} = {t_end}", pde.time.0);
    plot::heatmap(
        path,
        &Figure::new(&title, x_name, y_name),
        &field,
        (*y_lo, *y_hi),
        (*x_lo, *x_hi),
        name,
    )?;
    Ok(true)
}
