//! What a discovery session is asked to do, read from a `discover` block (`from_job`) or
//! built by a caller from its data (`Config::for_files`, `for_arrays`, `for_grid`, then the
//! `with_…` setters or the public fields). `physc discover` only maps its flags onto the
//! second path, so the CLI, `physc run` and a library caller run the same code with the same
//! defaults.

use ndarray::{Array1, Array2};
use physc_compiler::check::jobs::SettingValue;
use physc_compiler::check::Job;
use physc_compiler::syntax::ast;
use physc_runtime::discover::derivative::Method;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A discovery session. `Config::default()` and the constructors give `physc discover`'s
/// defaults: time `t`, every other column a variable, the library `poly(degree: 2)`,
/// finite-difference derivatives, STLSQ with threshold 0.1, no noise, seed 0.
#[derive(Debug, Clone)]
pub struct Config {
    /// The session's name: the output goes to `out/<name>/`, the model is called this.
    pub name: String,
    pub data: DataSpec,
    /// The time column (default `t`).
    pub time: String,
    /// Space columns: their presence makes this PDE discovery on a gridded field.
    pub space: Vec<String>,
    /// The state variables (or the field, for PDEs); empty: every column but time.
    pub vars: Vec<String>,
    pub library: Vec<LibraryItem>,
    pub derivative: Method,
    pub regression: Regression,
    /// Relative size of Gaussian noise added to the data (0: none).
    pub noise: f64,
    pub seed: u64,
}

/// Where the data come from.
#[derive(Debug, Clone)]
pub enum DataSpec {
    /// CSV, NPY or NPZ files (several files: one trajectory each).
    Files(Vec<PathBuf>),
    /// The trajectory of a model's `simulate` block in the same program.
    Model(String),
    /// Time series in memory, checked as a file's are (NaN rows dropped with a warning,
    /// times strictly increasing, enough samples). `t` holds the sample times (named
    /// `Config::time`), `columns` one row per sample and one column per name in `names`; a
    /// column named `trajectory` splits the rows into trajectories, as in a CSV file.
    Arrays {
        t: Array1<f64>,
        columns: Array2<f64>,
        names: Vec<String>,
    },
    /// A field on a time × space grid in memory, for PDE discovery: `u[[i, j]]` is the field
    /// at time `t[i]` and position `x[j]`. The axes are named by `Config::time` and
    /// `Config::space` (`x` when empty), the field by `Config::vars` (`u` when empty).
    Grid {
        t: Array1<f64>,
        x: Array1<f64>,
        u: Array2<f64>,
    },
}

#[derive(Debug, Clone)]
pub enum LibraryItem {
    /// All monomials of total degree ≤ `degree` (for PDEs: powers of u times u, u_x, …).
    Poly { degree: usize },
    /// sin(k v), cos(k v) for k = 1..=harmonics and every variable.
    Trig { harmonics: usize },
    /// A term the user wrote.
    Expr(ast::Expr),
}

/// STLSQ's threshold: coefficients below it are dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    Value(f64),
    /// Chosen from the Pareto front by AICc.
    Auto,
}

/// Text that is neither a number ≥ 0 nor `auto`, given as a threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct BadThreshold(pub String);

impl std::fmt::Display for BadThreshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a threshold is a number ≥ 0 or `auto`, not `{}`", self.0)
    }
}

impl std::error::Error for BadThreshold {}

impl FromStr for Threshold {
    type Err = BadThreshold;

    /// `auto`, or a finite number ≥ 0.
    fn from_str(text: &str) -> Result<Threshold, BadThreshold> {
        match text {
            "auto" => Ok(Threshold::Auto),
            _ => match text.parse::<f64>() {
                Ok(v) if v >= 0.0 && v.is_finite() => Ok(Threshold::Value(v)),
                _ => Err(BadThreshold(text.to_string())),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Regression {
    Stlsq {
        threshold: Threshold,
        ridge: f64,
        /// Number of bagged fits (None: one fit on all rows).
        ensemble: Option<usize>,
    },
    /// Symbolic regression (`method sr(...)`): unset options take `SrConfig`'s defaults.
    Symbolic {
        population: Option<usize>,
        generations: Option<usize>,
        max_size: Option<usize>,
    },
}

pub const DEFAULT_THRESHOLD: f64 = 0.1;
pub const DEFAULT_DEGREE: usize = 2;
/// Savitzky–Golay's polynomial order when none is given (its window is then 7).
pub const DEFAULT_SAVGOL_ORDER: usize = 3;
/// Total-variation regularisation's strength when none is given.
pub const DEFAULT_TV_ALPHA: f64 = 1e-4;

impl Default for Config {
    fn default() -> Self {
        Config {
            name: "Discovered".into(),
            data: DataSpec::Files(Vec::new()),
            time: "t".into(),
            space: Vec::new(),
            vars: Vec::new(),
            library: vec![LibraryItem::Poly {
                degree: DEFAULT_DEGREE,
            }],
            derivative: Method::FiniteDifference,
            regression: Regression::Stlsq {
                threshold: Threshold::Value(DEFAULT_THRESHOLD),
                ridge: 0.0,
                ensemble: None,
            },
            noise: 0.0,
            seed: 0,
        }
    }
}

impl Config {
    /// A session named `name` on `data`, with the defaults of [`Config`].
    pub fn for_data(name: impl Into<String>, data: DataSpec) -> Config {
        Config {
            name: name.into(),
            data,
            ..Config::default()
        }
    }

    /// A session on data files (several: one trajectory each), named after the first file
    /// as `physc discover` names it (`lorenz_noisy.csv` → `LorenzNoisy`).
    pub fn for_files(files: Vec<PathBuf>) -> Config {
        let name = files
            .first()
            .map_or_else(|| "Data".to_string(), |f| session_name(f));
        Config::for_data(name, DataSpec::Files(files))
    }

    /// A session on time series in memory (see [`DataSpec::Arrays`]).
    pub fn for_arrays(
        name: impl Into<String>,
        t: Array1<f64>,
        columns: Array2<f64>,
        names: Vec<String>,
    ) -> Config {
        Config::for_data(name, DataSpec::Arrays { t, columns, names })
    }

    /// A PDE session on a field `u` over time `t` and space `x` in memory (see
    /// [`DataSpec::Grid`]).
    pub fn for_grid(
        name: impl Into<String>,
        t: Array1<f64>,
        x: Array1<f64>,
        u: Array2<f64>,
    ) -> Config {
        Config::for_data(name, DataSpec::Grid { t, x, u })
    }

    /// The library `poly(degree)`, plus `trig(harmonics)` when given (the CLI's `--degree`
    /// and `--trig`).
    pub fn with_library(mut self, degree: usize, trig: Option<usize>) -> Config {
        self.library = vec![LibraryItem::Poly { degree }];
        if let Some(harmonics) = trig {
            self.library.push(LibraryItem::Trig { harmonics });
        }
        self
    }

    /// STLSQ at `threshold`, without ridge, bagged over `ensemble` resamples when that is
    /// more than one.
    pub fn with_stlsq(mut self, threshold: Threshold, ensemble: Option<usize>) -> Config {
        self.regression = Regression::Stlsq {
            threshold,
            ridge: 0.0,
            ensemble: ensemble.filter(|n| *n > 1),
        };
        self
    }

    pub fn with_derivative(mut self, derivative: Method) -> Config {
        self.derivative = derivative;
        self
    }
}

/// Savitzky–Golay with the given window and order, or the defaults: order 3, and the
/// narrowest odd window that smooths beyond the order (order + 4, made odd).
pub fn savitzky_golay(window: Option<usize>, order: Option<usize>) -> Method {
    let order = order.unwrap_or(DEFAULT_SAVGOL_ORDER);
    Method::SavitzkyGolay {
        window: window.unwrap_or((order + 4) | 1),
        order,
    }
}

/// The derivative method of `fd`, `savgol(window, order)` or `tv(alpha)`.
pub fn derivative_method(name: &str, args: &BTreeMap<String, SettingValue>) -> Method {
    let int = |key: &str| match args.get(key) {
        Some(SettingValue::Int(v)) => Some(*v as usize),
        _ => None,
    };
    match name {
        "savgol" => savitzky_golay(int("window"), int("order")),
        "tv" => Method::TotalVariation {
            alpha: super::super::setting_number(args, "alpha", DEFAULT_TV_ALPHA),
        },
        _ => Method::FiniteDifference,
    }
}

/// A model name from a data file: `lorenz_noisy.csv` → `LorenzNoisy` (`Data…` when the
/// name would not start with a letter).
pub fn session_name(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("data");
    let mut name: String = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "Data");
    }
    name
}

/// The configuration a `discover` block asks for (the checker has validated every value).
pub fn from_job(job: &Job, source_dir: &std::path::Path) -> Config {
    let s = &job.settings;
    let mut c = Config {
        name: job.target.clone(),
        ..Config::default()
    };
    match s.get("data") {
        Some(SettingValue::Str(path)) => c.data = DataSpec::Files(vec![source_dir.join(path)]),
        Some(SettingValue::Name(model)) => c.data = DataSpec::Model(model.clone()),
        _ => {}
    }
    if let Some(SettingValue::Name(t)) = s.get("time") {
        c.time = t.clone();
    }
    c.space = names(s.get("space"));
    c.vars = names(s.get("vars"));
    if let Some(SettingValue::List(items)) = s.get("library") {
        c.library = items.iter().filter_map(library_item).collect();
    }
    match s.get("derivative") {
        Some(SettingValue::Call { name, args }) => c.derivative = derivative_method(name, args),
        Some(SettingValue::Name(name)) => c.derivative = derivative_method(name, &BTreeMap::new()),
        _ => {}
    }
    match s.get("method") {
        Some(SettingValue::Call { name, args }) => c.regression = regression(name, args),
        Some(SettingValue::Name(name)) => c.regression = regression(name, &BTreeMap::new()),
        _ => {}
    }
    if let Some(SettingValue::Number(v)) = s.get("noise") {
        c.noise = *v;
    }
    if let Some(SettingValue::Int(seed)) = s.get("seed") {
        c.seed = *seed as u64;
    }
    c
}

fn names(value: Option<&SettingValue>) -> Vec<String> {
    match value {
        Some(SettingValue::List(items)) => items
            .iter()
            .filter_map(|i| match i {
                SettingValue::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn library_item(item: &SettingValue) -> Option<LibraryItem> {
    let int = |args: &BTreeMap<String, SettingValue>, key: &str, default: usize| match args.get(key)
    {
        Some(SettingValue::Int(v)) => *v as usize,
        _ => default,
    };
    match item {
        SettingValue::Call { name, args } if name == "poly" => Some(LibraryItem::Poly {
            degree: int(args, "degree", DEFAULT_DEGREE),
        }),
        SettingValue::Call { name, args } if name == "trig" => Some(LibraryItem::Trig {
            harmonics: int(args, "harmonics", 1),
        }),
        SettingValue::Expr(e) => Some(LibraryItem::Expr(e.clone())),
        _ => None,
    }
}

fn regression(name: &str, args: &BTreeMap<String, SettingValue>) -> Regression {
    if name == "sr" {
        let count = |key: &str| match args.get(key) {
            Some(SettingValue::Int(n)) if *n > 0 => Some(*n as usize),
            _ => None,
        };
        return Regression::Symbolic {
            population: count("population"),
            generations: count("generations"),
            max_size: count("max_size"),
        };
    }
    let threshold = match args.get("threshold") {
        Some(SettingValue::Name(n)) if n == "auto" => Threshold::Auto,
        Some(SettingValue::Number(v)) => Threshold::Value(*v),
        Some(SettingValue::Int(v)) => Threshold::Value(*v as f64),
        _ => Threshold::Value(DEFAULT_THRESHOLD),
    };
    let ensemble = match args.get("ensemble") {
        Some(SettingValue::Int(n)) if *n > 1 => Some(*n as usize),
        _ => None,
    };
    Regression::Stlsq {
        threshold,
        ridge: super::super::setting_number(args, "alpha", 0.0),
        ensemble,
    }
}
