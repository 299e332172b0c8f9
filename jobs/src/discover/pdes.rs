//! PDE discovery on a gridded field (PDE-FIND, Rudy et al. 2017): u_t along time and u_x,
//! u_xx, u_xxx along space by the chosen derivative method, a margin of samples at every
//! edge dropped (one-sided stencils are least accurate there), the PDE-FIND library over
//! the remaining interior points, and one regression for u_t. In weak form (`derivative
//! weak`, the default) there are no pointwise derivatives: `weak_pde.rs` integrates the field
//! against space-time test functions instead, over every grid point.

use super::config::Config;
use super::data::Grid;
use super::equation::{self, Equation};
use super::library::{self, Library};
use super::regress::{self, EquationFit};
use super::weak_pde;
use physc_runtime::rng::Rng;
use physc_runtime::sindy::derivative::{along_axis, nth, Method};

pub struct PdeDiscovery {
    pub library: Library,
    pub fit: EquationFit,
    pub equation: Equation,
    /// Interior points used (time × space).
    pub points: usize,
}

/// Samples dropped at each edge of each axis.
fn margin(method: &Method) -> usize {
    match method {
        Method::SavitzkyGolay { window, .. } => (window / 2).max(3),
        _ => 3,
    }
}

pub fn discover(
    config: &Config,
    grid: &Grid,
    warnings: &mut Vec<String>,
) -> Result<PdeDiscovery, String> {
    for name in [&grid.var, &grid.space, &grid.time] {
        if !super::odes::is_identifier(name) {
            return Err(format!(
                "`{name}` cannot name a variable of the discovered model"
            ));
        }
    }
    if let Method::Weak { window, order } = config.derivative {
        return discover_weak(config, grid, (window.samples(), order), warnings);
    }
    let (nt, nx) = (grid.t.len(), grid.x.len());
    let method = config.derivative;
    let m = margin(&method);
    if nt <= 2 * m + 2 || nx <= 2 * m + 2 {
        return Err(format!(
            "a grid of {nt} times × {nx} points is too small for PDE discovery (each axis needs more than {} samples)",
            2 * m + 2
        ));
    }
    let shape = [nt, nx];

    fn err(what: &'static str) -> impl Fn(physc_runtime::sindy::DiscoverError) -> String {
        move |e| format!("{what}: {e}")
    }
    let u_t = along_axis(&grid.u, &shape, 0, &grid.t, |c, f| nth(c, f, &method, 1))
        .map_err(err("time derivative"))?;
    let mut inputs = vec![grid.u.clone()];
    for k in 1..=3 {
        inputs.push(
            along_axis(&grid.u, &shape, 1, &grid.x, |c, f| nth(c, f, &method, k))
                .map_err(err("space derivative"))?,
        );
    }
    let resolved = resolved_points(grid, &u_t, &inputs[1], &inputs[2])?;
    let interior: Vec<usize> = (m..nt - m)
        .flat_map(|i| (m..nx - m).map(move |j| i * nx + j))
        .collect();
    let keep: Vec<usize> = interior.iter().copied().filter(|&i| resolved[i]).collect();
    let dropped = interior.len() - keep.len();
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} of {} interior grid points were left out because the grid does not resolve the field there (e.g. a shock): their derivative estimates are not accurate enough",
            interior.len()
        ));
    }
    if keep.len() < interior.len() / 10 {
        return Err(format!(
            "the grid resolves the field at only {} of {} points: the data are too coarse (or too noisy) for derivative estimates",
            keep.len(),
            interior.len()
        ));
    }
    let pick = |v: &[f64]| -> Vec<f64> { keep.iter().map(|&i| v[i]).collect() };
    let inputs: Vec<Vec<f64>> = inputs.iter().map(|c| pick(c)).collect();
    let target = pick(&u_t);
    let library = library::for_pde(&config.library, &grid.var, &grid.space, warnings)?;
    let refs: Vec<&[f64]> = inputs.iter().map(Vec::as_slice).collect();
    let columns = library.evaluate(&refs)?;
    regress_field(
        config,
        grid,
        library,
        (&columns, &target),
        keep.len(),
        warnings,
    )
}

/// The left-hand side `dt(u)` as text and LaTeX.
fn lhs(grid: &Grid) -> (String, String) {
    (
        format!("d{}({})", grid.time, grid.var),
        format!(
            "{}_{{{}}}",
            physc_compiler::ir::lower::latex_name(&grid.var),
            grid.time
        ),
    )
}

/// `discover` in weak form (`weak_pde.rs`): every grid point enters the integrals, none is
/// differentiated.
fn discover_weak(
    config: &Config,
    grid: &Grid,
    (window, order): (usize, usize),
    warnings: &mut Vec<String>,
) -> Result<PdeDiscovery, String> {
    let (library, terms) =
        library::for_weak_pde(&config.library, &grid.var, &grid.space, warnings)?;
    let rows = weak_pde::rows(grid, &terms, window, order)?;
    regress_field(
        config,
        grid,
        library,
        (&rows.columns, &rows.target),
        grid.u.len(),
        warnings,
    )
}

/// The regression of `target` on the library's `columns` (one row per grid point used, or
/// per pair of windows), as a `PdeDiscovery` over `points` grid points. Rows are correlated
/// along both axes, so no uncertainty is given.
fn regress_field(
    config: &Config,
    grid: &Grid,
    library: Library,
    (columns, target): (&[Vec<f64>], &[f64]),
    points: usize,
    warnings: &mut Vec<String>,
) -> Result<PdeDiscovery, String> {
    let names: Vec<String> = library.terms.iter().map(|t| t.name.clone()).collect();
    let factored = regress::check_design(&names, columns, &[target], warnings)?;
    let (lhs, lhs_latex) = lhs(grid);
    let mut rng = Rng::stream(config.seed, "bagging");
    let rows = regress::RegressionRows {
        columns,
        correlation: None,
    };
    let fit = regress::fit(
        &names,
        Some(&rows),
        (&factored, 0),
        target,
        &config.regression,
        &mut rng,
        &lhs,
        warnings,
    );
    let equation = equation::build(&library, (&lhs, &lhs_latex), &fit.coef);
    Ok(PdeDiscovery {
        library,
        fit,
        equation,
        points,
    })
}

/// A leading truncation error this large, relative to the RMS of the estimate over the
/// grid, marks a point as unresolved.
const RESOLUTION: f64 = 0.01;

/// Points where the second-order estimates of u_t, u_x and u_xx are accurate: their leading
/// truncation errors (Δt²/6·u_ttt, Δx²/6·u_xxx, Δx²/12·u_xxxx, higher derivatives by finite
/// differences, largest spacings) are below `RESOLUTION` of each estimate's RMS. Where a
/// shock is steeper than the grid, these errors are of the size of the derivatives
/// themselves, and such points would only mislead the regression.
fn resolved_points(
    grid: &Grid,
    u_t: &[f64],
    u_x: &[f64],
    u_xx: &[f64],
) -> Result<Vec<bool>, String> {
    let shape = [grid.t.len(), grid.x.len()];
    let fd = |m: usize| {
        move |c: &[f64], f: &[f64]| physc_runtime::sindy::derivative::finite_difference(c, f, m)
    };
    let fail = |e: physc_runtime::sindy::DiscoverError| e.to_string();
    let u_ttt = along_axis(&grid.u, &shape, 0, &grid.t, fd(3)).map_err(fail)?;
    let u_xxx = along_axis(&grid.u, &shape, 1, &grid.x, fd(3)).map_err(fail)?;
    let u_xxxx = along_axis(&grid.u, &shape, 1, &grid.x, fd(4)).map_err(fail)?;
    let spacing = |c: &[f64]| {
        c.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f64::max)
    };
    let (dt, dx) = (spacing(&grid.t), spacing(&grid.x));
    let rms = |v: &[f64]| (v.iter().map(|a| a * a).sum::<f64>() / v.len().max(1) as f64).sqrt();
    let (st, sx, sxx) = (rms(u_t), rms(u_x), rms(u_xx));
    Ok((0..grid.u.len())
        .map(|i| {
            dt * dt / 6.0 * u_ttt[i].abs() <= RESOLUTION * st
                && dx * dx / 6.0 * u_xxx[i].abs() <= RESOLUTION * sx
                && dx * dx / 12.0 * u_xxxx[i].abs() <= RESOLUTION * sxx
        })
        .collect())
}

/// The discovered PDE as a model; initial and boundary conditions are the user's to add.
pub fn model_source(config: &Config, grid: &Grid, equation: &Equation, header: &str) -> String {
    use physc_compiler::check::print::number;
    let (t0, t1) = (grid.t[0], grid.t[grid.t.len() - 1]);
    let (x0, x1) = (
        grid.x.iter().copied().fold(f64::INFINITY, f64::min),
        grid.x.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let rhs = if equation.terms.is_empty() {
        "0"
    } else {
        &equation.rhs
    };
    format!(
        "{header}// The PDE alone: initial and boundary conditions are not discovered. Add them (and a\n\
         // `simulate` block with a grid) to run it.\n\
         model {name} {{\n  space {x} in [{x0}, {x1}]\n  time  {t} in [{t0}, {t1}]\n  field {u}({x}, {t})\n\n  pde {lhs} = {rhs}\n}}\n",
        name = config.name,
        x = grid.space,
        t = grid.time,
        u = grid.var,
        x0 = number(x0),
        x1 = number(x1),
        t0 = number(t0),
        t1 = number(t1),
        lhs = equation.lhs,
    )
}
