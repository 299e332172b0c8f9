//! Data in: time series from CSV (header row; an optional `trajectory` column splits the
//! rows into trajectories), NPZ (arrays named after the time and the variables; 2-D
//! variable arrays hold one trajectory per row), NPY (one 2-D array: time, then the
//! variables in the order given), several files (one trajectory each), or the trajectory of
//! a model's `simulate` block, or arrays in memory; gridded space–time fields from NPZ or
//! memory for PDE discovery. Arrays in memory become the same named table a file gives, so
//! they are checked by the same code. Names that do not match are errors listing the names
//! there are. Rows with NaNs are dropped with a warning; `noise` adds seeded Gaussian noise
//! relative to each column's spread.

use super::config::{Config, DataSpec};
use crate::progress::CancelToken;
use ndarray::{Array1, Array2};
use physc_compiler::check::{JobKind, Program};
use physc_runtime::output::{npy, npz, Array};
use physc_runtime::rng::Rng;
use std::path::Path;

/// One trajectory: sample times and one column per variable.
#[derive(Debug, Clone)]
pub struct Trajectory {
    pub t: Vec<f64>,
    pub columns: Vec<Vec<f64>>,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub time: String,
    pub vars: Vec<String>,
    pub trajectories: Vec<Trajectory>,
    /// Where the data came from, for the report.
    pub source: String,
}

impl Series {
    pub fn samples(&self) -> usize {
        self.trajectories.iter().map(|t| t.t.len()).sum()
    }
}

/// A field sampled on a grid of time × one space axis.
#[derive(Debug, Clone)]
pub struct Grid {
    pub time: String,
    pub space: String,
    pub var: String,
    pub t: Vec<f64>,
    pub x: Vec<f64>,
    /// Row-major `[t][x]`.
    pub u: Vec<f64>,
    pub source: String,
}

#[derive(Debug, Clone)]
pub enum Data {
    Series(Series),
    Grid(Grid),
}

/// Named 1-D or 2-D arrays, as a file provides them.
struct Table {
    names: Vec<String>,
    arrays: Vec<Array>,
    file: String,
}

impl Table {
    fn get(&self, name: &str, what: &str) -> Result<&Array, String> {
        match self.names.iter().position(|n| n == name) {
            Some(i) => Ok(&self.arrays[i]),
            None => Err(format!(
                "{what} `{name}` is not in {}; it has {}",
                self.file,
                list(&self.names)
            )),
        }
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "no named columns".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What arrays in memory are called in messages and the report.
pub const IN_MEMORY: &str = "arrays in memory";

/// The session's data, checked; a simulation for data stops early when `cancel` is set.
pub fn load(
    config: &Config,
    program: Option<&Program>,
    cancel: &CancelToken,
    warnings: &mut Vec<String>,
) -> Result<Data, String> {
    let mut data = match &config.data {
        DataSpec::Model(name) => Data::Series(simulated(config, program, name, cancel)?),
        DataSpec::Arrays { t, columns, names } => {
            if !config.space.is_empty() {
                return Err(
                    "PDE discovery needs a field on a grid (`DataSpec::Grid`), not time series"
                        .into(),
                );
            }
            let table = arrays_table(config, t, columns, names)?;
            Data::Series(series_from(config, &table, warnings)?)
        }
        DataSpec::Grid { t, x, u } => {
            let space = match config.space.as_slice() {
                [] => "x",
                [space] => space.as_str(),
                more => return Err(one_space_axis(more)),
            };
            let var = config.vars.first().map_or("u", String::as_str);
            let table = Table {
                names: vec![config.time.clone(), space.to_string(), var.to_string()],
                arrays: vec![
                    Array::vector(t.to_vec()),
                    Array::vector(x.to_vec()),
                    matrix(u)?,
                ],
                file: IN_MEMORY.into(),
            };
            Data::Grid(grid_from(config, table, space)?)
        }
        DataSpec::Files(files) if files.is_empty() => return Err("no data file given".into()),
        DataSpec::Files(files) if !config.space.is_empty() => {
            if files.len() > 1 {
                return Err("PDE discovery reads one gridded NPZ file".into());
            }
            if config.space.len() != 1 {
                return Err(one_space_axis(&config.space));
            }
            let table = read_table(&files[0], config)?;
            Data::Grid(grid_from(config, table, &config.space[0])?)
        }
        DataSpec::Files(files) => {
            let mut series: Option<Series> = None;
            for file in files {
                let table = read_table(file, config)?;
                let s = series_from(config, &table, warnings)?;
                match &mut series {
                    None => series = Some(s),
                    Some(all) => {
                        all.trajectories.extend(s.trajectories);
                        all.source.push_str(&format!(", {}", s.source));
                    }
                }
            }
            Data::Series(series.ok_or("no data")?)
        }
    };
    if config.noise > 0.0 {
        add_noise(&mut data, config.noise, config.seed);
    }
    Ok(data)
}

/// Time series in memory as the table a file would give: the time, then `names`.
fn arrays_table(
    config: &Config,
    t: &Array1<f64>,
    columns: &Array2<f64>,
    names: &[String],
) -> Result<Table, String> {
    let (rows, cols) = columns.dim();
    if names.len() != cols {
        return Err(format!(
            "{IN_MEMORY}: {cols} columns but {} names ({})",
            names.len(),
            list(names)
        ));
    }
    if t.len() != rows {
        return Err(format!(
            "{IN_MEMORY}: the time `{}` has {} samples but the columns have {rows} rows (one row per sample)",
            config.time,
            t.len()
        ));
    }
    if let Some(name) = names.iter().find(|n| **n == config.time) {
        return Err(format!(
            "{IN_MEMORY}: a column is named `{name}`, the name of the time (which is given apart from the columns)"
        ));
    }
    if let Some((i, name)) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        return Err(format!(
            "{IN_MEMORY}: two columns are named `{name}` (columns {} and {i})",
            names[..i].iter().position(|n| n == name).unwrap_or(0)
        ));
    }
    let mut table_names = vec![config.time.clone()];
    table_names.extend(names.iter().cloned());
    let mut arrays = vec![Array::vector(t.to_vec())];
    arrays.extend(
        columns
            .columns()
            .into_iter()
            .map(|c| Array::vector(c.to_vec())),
    );
    Ok(Table {
        names: table_names,
        arrays,
        file: IN_MEMORY.into(),
    })
}

/// A 2-D ndarray as a row-major `Array` (in logical order, whatever its memory layout).
fn matrix(a: &Array2<f64>) -> Result<Array, String> {
    let (rows, cols) = a.dim();
    Array::matrix(rows, cols, a.iter().copied().collect()).map_err(|e| e.to_string())
}

fn one_space_axis(space: &[String]) -> String {
    format!(
        "PDE discovery supports one space axis, not {} ({})",
        space.len(),
        space.join(", ")
    )
}

fn read_table(path: &Path, config: &Config) -> Result<Table, String> {
    let file = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => read_csv(path),
        "npz" => {
            let arrays = npz::read(path).map_err(|e| e.to_string())?;
            let (names, arrays) = arrays.into_iter().unzip();
            Ok(Table {
                names,
                arrays,
                file,
            })
        }
        "npy" => {
            let a = npy::read(path).map_err(|e| e.to_string())?;
            let (rows, cols) = a.dims();
            if a.shape().len() != 2 || cols != config.vars.len() + 1 {
                return Err(format!(
                    "{file}: a .npy file must be a 2-D array with one column for the time and one per variable ({} in all, from --vars), but it has shape {:?}",
                    config.vars.len() + 1,
                    a.shape()
                ));
            }
            let mut names = vec![config.time.clone()];
            names.extend(config.vars.iter().cloned());
            let arrays = (0..cols)
                .map(|c| Array::vector((0..rows).map(|r| a.row(r)[c]).collect()))
                .collect();
            Ok(Table {
                names,
                arrays,
                file,
            })
        }
        _ => Err(format!(
            "{file}: unknown data format `.{ext}` (physc reads .csv, .npy and .npz)"
        )),
    }
}

fn read_csv(path: &Path) -> Result<Table, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {file}: {e}"))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(format!("{file} is empty"));
    };
    let names: Vec<String> = header
        .split(',')
        .map(|h| h.trim().trim_matches('"').to_string())
        .collect();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for (line, text) in lines {
        let fields: Vec<&str> = text.split(',').collect();
        if fields.len() != names.len() {
            return Err(format!(
                "{file}:{}: {} values, but the header names {} columns",
                line + 1,
                fields.len(),
                names.len()
            ));
        }
        for (c, f) in fields.iter().enumerate() {
            let f = f.trim().trim_matches('"');
            let v = if f.is_empty() || f.eq_ignore_ascii_case("nan") {
                f64::NAN
            } else {
                f.parse::<f64>().map_err(|_| {
                    format!(
                        "{file}:{}: `{f}` in column `{}` is not a number",
                        line + 1,
                        names[c]
                    )
                })?
            };
            columns[c].push(v);
        }
    }
    Ok(Table {
        names,
        arrays: columns.into_iter().map(Array::vector).collect(),
        file,
    })
}

/// The column name that splits a CSV into trajectories.
pub const TRAJECTORY_COLUMN: &str = "trajectory";

fn series_from(
    config: &Config,
    table: &Table,
    warnings: &mut Vec<String>,
) -> Result<Series, String> {
    let time = table.get(&config.time, "the time column")?;
    let vars: Vec<String> = if config.vars.is_empty() {
        table
            .names
            .iter()
            .filter(|n| **n != config.time && *n != TRAJECTORY_COLUMN)
            .cloned()
            .collect()
    } else {
        config.vars.clone()
    };
    if vars.is_empty() {
        return Err(format!("{} has no variables besides the time", table.file));
    }
    let arrays: Vec<&Array> = vars
        .iter()
        .map(|v| table.get(v, "the variable"))
        .collect::<Result<_, _>>()?;
    let t = time.data();
    let mut trajectories = Vec::new();
    // 2-D variable arrays (NPZ): one trajectory per row.
    let rows = arrays[0].dims().0;
    let two_d = arrays[0].shape().len() == 2 && rows > 1 && arrays[0].dims().1 == t.len();
    for (v, a) in vars.iter().zip(&arrays) {
        let expected = if two_d { rows * t.len() } else { t.len() };
        if a.data().len() != expected {
            return Err(format!(
                "in {}, `{v}` has {} values but the time `{}` has {} (shape {:?})",
                table.file,
                a.data().len(),
                config.time,
                t.len(),
                a.shape()
            ));
        }
    }
    if two_d {
        for r in 0..rows {
            trajectories.push(Trajectory {
                t: t.to_vec(),
                columns: arrays.iter().map(|a| a.row(r).to_vec()).collect(),
            });
        }
    } else {
        let groups = match table.names.iter().position(|n| n == TRAJECTORY_COLUMN) {
            Some(i) => split_groups(table.arrays[i].data()),
            None => vec![(0..t.len()).collect()],
        };
        for rows in groups {
            trajectories.push(Trajectory {
                t: rows.iter().map(|&r| t[r]).collect(),
                columns: arrays
                    .iter()
                    .map(|a| rows.iter().map(|&r| a.data()[r]).collect())
                    .collect(),
            });
        }
    }
    drop_nan_rows(&mut trajectories, &table.file, warnings)?;
    Ok(Series {
        time: config.time.clone(),
        vars,
        trajectories,
        source: table.file.clone(),
    })
}

/// Row indices grouped by consecutive equal values of the trajectory column.
fn split_groups(ids: &[f64]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if ids[g[0]] == *id => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    groups
}

fn drop_nan_rows(
    trajectories: &mut [Trajectory],
    file: &str,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let mut dropped = 0;
    let mut first = None;
    for (k, tr) in trajectories.iter_mut().enumerate() {
        let keep: Vec<bool> = (0..tr.t.len())
            .map(|i| tr.t[i].is_finite() && tr.columns.iter().all(|c| c[i].is_finite()))
            .collect();
        if let Some(i) = keep.iter().position(|k| !k) {
            first.get_or_insert((k, i));
        }
        dropped += keep.iter().filter(|k| !**k).count();
        tr.t = kept(&tr.t, &keep);
        tr.columns = tr.columns.iter().map(|c| kept(c, &keep)).collect();
    }
    if let Some((k, i)) = first {
        let total: usize = trajectories.iter().map(|t| t.t.len()).sum();
        if total == 0 {
            return Err(format!("every row of {file} has a NaN or infinite value"));
        }
        let which = if trajectories.len() > 1 {
            format!("trajectory {k}, ")
        } else {
            String::new()
        };
        warnings.push(format!(
            "{file}: dropped {dropped} row(s) with NaN or infinite values (the first: {which}sample {i}); derivatives are estimated across the gap"
        ));
    }
    Ok(())
}

fn kept(values: &[f64], keep: &[bool]) -> Vec<f64> {
    values
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| *x)
        .collect()
}

/// The trajectory of `model`'s simulate block, computed in-process.
fn simulated(
    config: &Config,
    program: Option<&Program>,
    name: &str,
    cancel: &CancelToken,
) -> Result<Series, String> {
    let program = program.ok_or("a model as data needs a .phys file")?;
    let index = program
        .models
        .iter()
        .position(|m| m.name == name)
        .ok_or_else(|| format!("unknown model `{name}`"))?;
    let model = &program.models[index];
    let settings = program
        .jobs
        .iter()
        .filter(|j| j.kind == JobKind::Simulate && j.model == Some(index))
        .find_map(|j| j.settings.simulate())
        .ok_or_else(|| format!("model `{name}` has no `simulate` block"))?;
    let ode = physc_compiler::plan::ode_system::compile_ode(model).map_err(|e| e.0)?;
    let method = crate::simulate::method(settings);
    let times = settings.output.over(ode.t_span);
    let mut system = ode.system();
    let (solution, error) = physc_runtime::ode::integrate(
        &mut system,
        &method,
        ode.t_span.0,
        &ode.y0,
        &times,
        &mut |_| !cancel.is_cancelled(),
    );
    if let Some(e) = error {
        return Err(format!("simulating `{name}` for data failed: {e}"));
    }
    let time = model
        .time()
        .map(|t| model.variables[t].name.clone())
        .unwrap_or_else(|| "t".into());
    let all: Vec<Vec<f64>> = (0..ode.states.len())
        .map(|k| solution.y.iter().map(|y| y[k]).collect())
        .collect();
    let vars = if config.vars.is_empty() {
        ode.states.clone()
    } else {
        config.vars.clone()
    };
    let columns = vars
        .iter()
        .map(|v| match ode.states.iter().position(|s| s == v) {
            Some(k) => Ok(all[k].clone()),
            None => Err(format!(
                "`{v}` is not a state of model `{name}`; its states are {}",
                list(&ode.states)
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if config.time != time && config.time != "t" {
        return Err(format!(
            "the time of model `{name}` is `{time}`, not `{}`",
            config.time
        ));
    }
    Ok(Series {
        time,
        vars,
        trajectories: vec![Trajectory {
            t: solution.t,
            columns,
        }],
        source: format!("simulate {name}"),
    })
}

/// A field on a time × `space` grid from a table (an NPZ file's, or arrays in memory); the
/// field's axes may come in either order (they are matched by length).
fn grid_from(config: &Config, table: Table, space: &str) -> Result<Grid, String> {
    let var = match config.vars.as_slice() {
        [v] => v.clone(),
        [] => {
            let rest: Vec<&String> = table
                .names
                .iter()
                .filter(|n| **n != config.time && n.as_str() != space)
                .collect();
            match rest.as_slice() {
                [v] => (*v).clone(),
                _ => {
                    return Err(format!(
                        "name the field to discover with `vars`; {} has {}",
                        table.file,
                        list(&table.names)
                    ))
                }
            }
        }
        more => {
            return Err(format!(
                "PDE discovery finds one field at a time, not {}",
                more.join(", ")
            ))
        }
    };
    let t = table.get(&config.time, "the time array")?.data().to_vec();
    let x = table.get(space, "the space array")?.data().to_vec();
    let field = table.get(&var, "the field")?;
    let (nt, nx) = (t.len(), x.len());
    let u = match field.shape() {
        [a, b] if (*a, *b) == (nt, nx) => field.data().to_vec(),
        [a, b] if (*a, *b) == (nx, nt) => {
            let d = field.data();
            let mut u = vec![0.0; nt * nx];
            for i in 0..nx {
                for k in 0..nt {
                    u[k * nx + i] = d[i * nt + k];
                }
            }
            u
        }
        shape => {
            return Err(format!(
                "the field `{var}` has shape {shape:?}, but `{}` has {nt} values and `{space}` {nx}: expected [{nt}, {nx}] or [{nx}, {nt}]",
                config.time
            ))
        }
    };
    if let Some(i) = u.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "the field `{var}` has a NaN or infinite value at t index {}, x index {}: PDE discovery needs a complete grid",
            i / nx,
            i % nx
        ));
    }
    Ok(Grid {
        time: config.time.clone(),
        space: space.to_string(),
        var,
        t,
        x,
        u,
        source: table.file,
    })
}

fn add_noise(data: &mut Data, level: f64, seed: u64) {
    let mut rng = Rng::stream(seed, "noise");
    let mut perturb = |values: &mut [f64], spread: f64| {
        for v in values {
            *v += level * spread * rng.normal();
        }
    };
    match data {
        Data::Series(s) => {
            for k in 0..s.vars.len() {
                let all: Vec<f64> = s
                    .trajectories
                    .iter()
                    .flat_map(|t| t.columns[k].iter().copied())
                    .collect();
                let spread = std_dev(&all);
                for tr in &mut s.trajectories {
                    perturb(&mut tr.columns[k], spread);
                }
            }
        }
        Data::Grid(g) => {
            let spread = std_dev(&g.u);
            perturb(&mut g.u, spread);
        }
    }
}

pub fn std_dev(values: &[f64]) -> f64 {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}
