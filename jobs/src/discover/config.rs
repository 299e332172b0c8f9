//! What a discovery session is asked to do, read from a `discover` block (`from_settings`) or
//! built by a caller from its data (`Config::for_files`, `for_arrays`, `for_grid`, then the
//! `with_…` setters or the public fields). `physc discover` only maps its flags onto the
//! second path, so the CLI, `physc run` and a library caller run the same code with the same
//! defaults.

use ndarray::{Array1, Array2};
pub use physc_compiler::check::settings::{
    least_squares, savitzky_golay, sparse_bayesian, total_variation, weak_form, LibraryItem,
    Regression, Threshold, ThresholdError,
};
use physc_compiler::check::settings::{DataSource, DiscoverSettings, Spanned};
use physc_compiler::source::Span;
use physc_runtime::sindy::derivative::Method;
use std::path::{Path, PathBuf};

/// A discovery session. `Config::default()` and the constructors give the defaults of the
/// `discover` block's schema (`check/schema.rs`): time `t`, every other column a variable,
/// the library `poly(degree: 2)`, weak-form regression (`weak(window: auto, order: 6)`: the window chosen from the data), STLSQ
/// with the relative threshold 0.02, no noise, seed 0.
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

/// STLSQ's threshold when none is given (what `auto` falls back to when the sweep has no
/// candidate).
pub fn default_threshold() -> f64 {
    match least_squares() {
        Regression::Stlsq {
            threshold: Threshold::Value(v),
            ..
        } => v,
        _ => 0.1,
    }
}

impl Default for Config {
    /// The defaults of the `discover` block's schema, with no data yet.
    fn default() -> Self {
        let data = Spanned {
            value: DataSource::File(String::new()),
            span: Span::default(),
        };
        Config::from_settings(
            "Discovered",
            &DiscoverSettings::defaults(data),
            Path::new(""),
        )
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

    /// STLSQ at `threshold` (relative to each term's and the target's scale when `relative`,
    /// see [`Regression::Stlsq`]), without ridge, bagged over `ensemble` resamples when that
    /// is more than one.
    pub fn with_stlsq(
        mut self,
        threshold: Threshold,
        relative: bool,
        ensemble: Option<usize>,
    ) -> Config {
        self.regression = Regression::Stlsq {
            threshold,
            ridge: 0.0,
            ensemble: ensemble.filter(|n| *n > 1),
            relative,
        };
        self
    }

    pub fn with_derivative(mut self, derivative: Method) -> Config {
        self.derivative = derivative;
        self
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

impl Config {
    /// The session a checked `discover` block named `name` asks for; a data file's path is
    /// taken relative to `source_dir`.
    pub fn from_settings(name: &str, s: &DiscoverSettings, source_dir: &Path) -> Config {
        Config {
            name: name.to_string(),
            data: match &s.data.value {
                DataSource::File(path) => DataSpec::Files(vec![source_dir.join(path)]),
                DataSource::Model(model) => DataSpec::Model(model.clone()),
            },
            time: s.time.clone(),
            space: s.space.clone(),
            vars: s.vars.clone(),
            library: s.library.clone(),
            derivative: s.derivative,
            regression: s.regression.clone(),
            noise: s.noise,
            seed: s.seed,
        }
    }
}
