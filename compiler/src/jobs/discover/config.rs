//! What a discovery session is asked to do, read from a `discover` block or built from the
//! CLI's flags: both paths produce the same `Config`, so `physc discover` and
//! `physc run` run the same code.

use crate::check::jobs::SettingValue;
use crate::check::Job;
use crate::syntax::ast;
use physc_runtime::discover::derivative::Method;
use std::collections::BTreeMap;
use std::path::PathBuf;

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

#[derive(Debug, Clone)]
pub enum DataSpec {
    /// CSV, NPY or NPZ files (several files: one trajectory each).
    Files(Vec<PathBuf>),
    /// The trajectory of a model's `simulate` block in the same program.
    Model(String),
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

#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    Value(f64),
    /// Chosen from the Pareto front by AICc.
    Auto,
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

/// The derivative method of `fd`, `savgol(window, order)` or `tv(alpha)`.
pub fn derivative_method(name: &str, args: &BTreeMap<String, SettingValue>) -> Method {
    let int = |key: &str, default: usize| match args.get(key) {
        Some(SettingValue::Int(v)) => *v as usize,
        _ => default,
    };
    match name {
        "savgol" => {
            let order = int("order", 3);
            Method::SavitzkyGolay {
                window: int("window", (order + 4) | 1),
                order,
            }
        }
        "tv" => Method::TotalVariation {
            alpha: super::super::setting_number(args, "alpha", 1e-4),
        },
        _ => Method::FiniteDifference,
    }
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
