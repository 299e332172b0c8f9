//! The settings of a `train` block, read into one typed configuration with the defaults
//! documented in `spec/language.md` (§ train). The checker has already validated names,
//! types and ranges against `check/schema.rs`, so reading cannot fail here.

use physc_compiler::check::jobs::SettingValue;
use physc_compiler::check::{Job, Model, VarId};
use physc_runtime::nn::Init;
use physc_runtime::optim::Schedule;
use physc_runtime::sampling::Sampler;
use std::collections::BTreeMap;

type Args = BTreeMap<String, SettingValue>;

#[derive(Debug, Clone, PartialEq)]
pub enum Features {
    Fourier { count: usize, sigma: f64 },
    Gaussian { count: usize, sigma: f64 },
}

/// A network's activation: built-in by name, or a user function of one argument.
#[derive(Debug, Clone)]
pub enum Activation {
    Builtin(String),
    Function {
        name: String,
        param: String,
        body: physc_compiler::syntax::ast::Expr,
    },
}

impl Activation {
    pub fn name(&self) -> &str {
        match self {
            Activation::Builtin(n) | Activation::Function { name: n, .. } => n,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NetConfig {
    /// `mlp` or `siren`.
    pub kind: String,
    pub width: usize,
    pub depth: usize,
    pub activation: Activation,
    pub features: Option<Features>,
    pub init: Init,
    pub inputs: Vec<VarId>,
}

#[derive(Debug, Clone)]
pub struct PointsConfig {
    pub interior: usize,
    pub initial: usize,
    pub boundary: usize,
    /// Observations per step (all of them when `None`).
    pub data: Option<usize>,
    pub sampler: Sampler,
    pub resample: Option<usize>,
    pub adaptive: bool,
}

#[derive(Debug, Clone)]
pub enum Stage {
    Adam {
        lr: f64,
        steps: usize,
        schedule: Schedule,
    },
    Lbfgs {
        steps: usize,
        history: usize,
        tol: f64,
    },
}

impl Stage {
    pub fn steps(&self) -> usize {
        match self {
            Stage::Adam { steps, .. } | Stage::Lbfgs { steps, .. } => *steps,
        }
    }

    /// At most `cap` steps (quick runs: `physc run --max-steps`).
    pub fn cap_steps(&mut self, cap: usize) {
        match self {
            Stage::Adam {
                steps, schedule, ..
            } => {
                *steps = (*steps).min(cap);
                if let Schedule::Cosine { total_steps } = schedule {
                    *total_steps = *steps;
                }
            }
            Stage::Lbfgs { steps, .. } => *steps = (*steps).min(cap),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Stage::Adam { .. } => "adam",
            Stage::Lbfgs { .. } => "lbfgs",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Weights {
    pub pde: f64,
    pub initial: f64,
    pub boundary: f64,
    pub data: f64,
    pub constraint: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct Causal {
    pub eps: f64,
    pub chunks: usize,
}

#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub net: NetConfig,
    pub points: PointsConfig,
    pub stages: Vec<Stage>,
    pub weights: Weights,
    pub causal: Option<Causal>,
    pub compare: Option<String>,
    pub f32: bool,
    pub seed: u64,
    /// Output grid points per variable, in declaration order.
    pub grid: Vec<usize>,
    pub checkpoint_every: usize,
}

fn num(args: &Args, key: &str, default: f64) -> f64 {
    crate::setting_number(args, key, default)
}

fn int(args: &Args, key: &str, default: usize) -> usize {
    match args.get(key) {
        Some(SettingValue::Int(v)) => (*v).max(0) as usize,
        Some(SettingValue::Number(v)) => v.max(0.0) as usize,
        _ => default,
    }
}

fn name<'a>(args: &'a Args, key: &str) -> Option<&'a str> {
    match args.get(key) {
        Some(SettingValue::Name(n) | SettingValue::Str(n)) => Some(n),
        _ => None,
    }
}

fn record<'a>(job: &'a Job, key: &str) -> Option<&'a Args> {
    match job.settings.get(key) {
        Some(SettingValue::Record(r)) => Some(r),
        _ => None,
    }
}

static EMPTY: std::sync::OnceLock<Args> = std::sync::OnceLock::new();

fn empty() -> &'static Args {
    EMPTY.get_or_init(Args::new)
}

pub fn read(model: &Model, job: &Job) -> TrainConfig {
    let points = record(job, "points").unwrap_or(empty());
    let weights = record(job, "weights").unwrap_or(empty());
    let output = record(job, "output").unwrap_or(empty());
    let dims = model.variables.len();
    let default_grid = match dims {
        0 | 1 => 1001,
        2 => 101,
        _ => 41,
    };
    let mut grid: Vec<usize> = match output.get("grid") {
        Some(SettingValue::List(items)) => items
            .iter()
            .map(|v| match v {
                SettingValue::Int(n) => (*n).max(2) as usize,
                _ => default_grid,
            })
            .collect(),
        _ => Vec::new(),
    };
    grid.resize(dims, default_grid);
    TrainConfig {
        net: net(model, job),
        points: PointsConfig {
            interior: int(points, "interior", 4096),
            initial: int(points, "initial", 256),
            boundary: int(points, "boundary", 256),
            data: points.get("data").map(|_| int(points, "data", 0)),
            sampler: match name(points, "sampler") {
                Some("uniform") => Sampler::Uniform,
                Some("lhs") => Sampler::LatinHypercube,
                _ => Sampler::Sobol,
            },
            resample: points.get("resample").map(|_| int(points, "resample", 0)),
            adaptive: matches!(points.get("adaptive"), Some(SettingValue::Bool(true))),
        },
        stages: stages(job),
        weights: Weights {
            pde: num(weights, "pde", 1.0),
            initial: num(weights, "initial", 1.0),
            boundary: num(weights, "boundary", 1.0),
            data: num(weights, "data", 1.0),
            constraint: num(weights, "constraint", 1.0),
        },
        causal: record(job, "causal").map(|c| Causal {
            eps: num(c, "eps", 1.0),
            chunks: int(c, "chunks", 16).max(1),
        }),
        compare: match job.settings.get("compare") {
            Some(SettingValue::Str(s)) => Some(s.clone()),
            _ => None,
        },
        f32: matches!(job.settings.get("precision"), Some(SettingValue::Name(n)) if n == "f32"),
        seed: match job.settings.get("seed") {
            Some(SettingValue::Int(s)) => *s as u64,
            _ => 0,
        },
        grid,
        checkpoint_every: int(output, "every", 1000).max(1),
    }
}

fn net(model: &Model, job: &Job) -> NetConfig {
    let (kind, args) = match job.settings.get("net") {
        Some(SettingValue::Call { name, args }) => (name.as_str(), args),
        Some(SettingValue::Name(name)) => (name.as_str(), empty()),
        _ => ("mlp", empty()),
    };
    let inputs = match args.get("inputs") {
        Some(SettingValue::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                SettingValue::Name(n) => model.variables.iter().position(|var| &var.name == n),
                _ => None,
            })
            .collect(),
        _ => (0..model.variables.len()).collect(),
    };
    let siren = kind == "siren";
    let features = match args.get("features") {
        Some(SettingValue::Call { name, args }) if name == "gaussian" => Some(Features::Gaussian {
            count: int(args, "count", 64),
            sigma: num(args, "sigma", 0.1),
        }),
        Some(SettingValue::Call { args, .. }) => Some(Features::Fourier {
            count: int(args, "count", 64),
            sigma: num(args, "sigma", 1.0),
        }),
        Some(SettingValue::Name(n)) if n == "gaussian" => Some(Features::Gaussian {
            count: 64,
            sigma: 0.1,
        }),
        Some(SettingValue::Name(_)) => Some(Features::Fourier {
            count: 64,
            sigma: 1.0,
        }),
        _ => None,
    };
    let init = if siren {
        Init::Siren {
            omega: num(args, "omega", 30.0),
        }
    } else {
        match name(args, "init") {
            Some("he") => Init::He,
            Some("siren") => Init::Siren { omega: 30.0 },
            _ => Init::Glorot,
        }
    };
    NetConfig {
        kind: kind.to_string(),
        width: int(args, "width", 32),
        depth: int(args, "depth", 4),
        activation: match args.get("act") {
            _ if siren => Activation::Builtin("sin".into()),
            Some(SettingValue::Function { name, param, body }) => Activation::Function {
                name: name.clone(),
                param: param.clone(),
                body: body.clone(),
            },
            _ => Activation::Builtin(name(args, "act").unwrap_or("tanh").to_string()),
        },
        features,
        init,
        inputs,
    }
}

fn stages(job: &Job) -> Vec<Stage> {
    let calls: Vec<&SettingValue> = match job.settings.get("optimize") {
        Some(SettingValue::Stages(list)) => list.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    };
    if calls.is_empty() {
        return vec![
            Stage::Adam {
                lr: 1e-3,
                steps: 5000,
                schedule: Schedule::Constant,
            },
            Stage::Lbfgs {
                steps: 1000,
                history: 50,
                tol: 1e-12,
            },
        ];
    }
    calls.into_iter().map(stage).collect()
}

fn stage(call: &SettingValue) -> Stage {
    let (name, args) = match call {
        SettingValue::Call { name, args } => (name.as_str(), args),
        SettingValue::Name(n) => (n.as_str(), empty()),
        _ => ("adam", empty()),
    };
    if name == "lbfgs" {
        return Stage::Lbfgs {
            steps: int(args, "steps", 1000),
            history: int(args, "history", 50),
            tol: num(args, "tol", 1e-12),
        };
    }
    let steps = int(args, "steps", 5000);
    let schedule = match self::name(args, "schedule") {
        Some("exponential") => Schedule::Exponential {
            decay_per_1000: num(args, "decay", 0.9),
        },
        Some("cosine") => Schedule::Cosine { total_steps: steps },
        _ => Schedule::Constant,
    };
    Stage::Adam {
        lr: num(args, "lr", 1e-3),
        steps,
        schedule,
    }
}
