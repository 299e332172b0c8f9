//! The settings of a `simulate` block (spec/language.md § 5.3).

use super::options::Options;
use crate::check::jobs::SettingValue;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct SimulateSettings {
    /// The integrator: the block's, or Dormand–Prince with its default tolerances.
    pub method: TimeMethod,
    /// Grid points per space variable the block gives (the runner picks the others).
    pub grid: BTreeMap<String, usize>,
    /// The spatial scheme the block gives (`None`: the runner's choice for the problem).
    pub scheme: Option<SpatialScheme>,
    pub output: OutputTimes,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeMethod {
    Dopri5 { rtol: f64, atol: f64 },
    Rk4 { dt: f64 },
    Rosenbrock { rtol: f64, atol: f64 },
    Etdrk4 { dt: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialScheme {
    Fd2,
    Fd4,
    Spectral,
}

/// When the solution is recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutputTimes {
    /// Every this many time units from the start.
    Every(f64),
    /// This many equally spaced times, both ends included.
    Points(usize),
}

impl OutputTimes {
    /// The output times over `[t0, t1]` (at least 2, at most 10⁷).
    pub fn over(self, (t0, t1): (f64, f64)) -> Vec<f64> {
        let count = match self {
            OutputTimes::Every(every) => ((t1 - t0) / every).floor() as usize + 1,
            OutputTimes::Points(points) => points,
        };
        let count = count.clamp(2, 10_000_000);
        let step = (t1 - t0) / (count - 1) as f64;
        (0..count).map(|i| (t0 + i as f64 * step).min(t1)).collect()
    }
}

impl SimulateSettings {
    /// Dormand–Prince with the schema's default tolerances: the integrator when the block
    /// names none.
    pub fn default_method() -> TimeMethod {
        let schema = super::super::schema::settings(crate::check::model::JobKind::Simulate);
        match Options::defaults(schema).default_call("method", "dopri5") {
            Some((name, options)) => time_method(name, &options),
            None => unreachable!("the schema declares `dopri5`"),
        }
    }
}

fn time_method(name: &str, options: &Options) -> TimeMethod {
    match name {
        "rk4" => TimeMethod::Rk4 {
            dt: options.num("dt"),
        },
        "etdrk4" => TimeMethod::Etdrk4 {
            dt: options.num("dt"),
        },
        "rosenbrock" => TimeMethod::Rosenbrock {
            rtol: options.num("rtol"),
            atol: options.num("atol"),
        },
        _ => TimeMethod::Dopri5 {
            rtol: options.num("rtol"),
            atol: options.num("atol"),
        },
    }
}

pub(super) fn read(s: &Options) -> SimulateSettings {
    let method = match s.call("method") {
        Some((name, options)) => time_method(name, &options),
        None => SimulateSettings::default_method(),
    };
    let grid = match s.get("grid") {
        Some(SettingValue::Record(sizes)) => sizes
            .iter()
            .filter_map(|(axis, n)| match n {
                SettingValue::Int(n) => Some((axis.clone(), (*n).max(2) as usize)),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    let output = s.record("output");
    SimulateSettings {
        method,
        grid,
        scheme: s.get("scheme").map(|_| match s.name("scheme") {
            "fd2" => SpatialScheme::Fd2,
            "spectral" => SpatialScheme::Spectral,
            _ => SpatialScheme::Fd4,
        }),
        output: match output.get("every") {
            Some(_) => OutputTimes::Every(output.num("every")),
            None => OutputTimes::Points(output.int("points").max(2)),
        },
        seed: s.int("seed") as u64,
    }
}
