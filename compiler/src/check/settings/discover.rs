//! The settings of a `discover` block (spec/language.md § 5.4). Library terms arrive
//! elaborated; where the block says which columns the data has (`vars`, or `space` for a
//! field), a term that names anything else is reported here, at check time.

use super::options::{Item, Options};
use super::{ScalarFunction, Spanned};
use crate::check::jobs::SettingValue;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use physc_runtime::sindy::derivative::{Method, WeakWindow};
use std::str::FromStr;

#[derive(Debug, Clone)]
pub struct DiscoverSettings {
    pub data: Spanned<DataSource>,
    /// The time column.
    pub time: String,
    /// Space columns: their presence makes this PDE discovery on a gridded field.
    pub space: Vec<String>,
    /// The state variables (or the field); empty: every column but time.
    pub vars: Vec<String>,
    pub library: Vec<LibraryItem>,
    pub derivative: Method,
    pub regression: Regression,
    /// Relative size of Gaussian noise added to the data (0: none).
    pub noise: f64,
    pub seed: u64,
}

/// Where a `discover` block's data come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// A CSV, NPY or NPZ file: the path as written, relative to the file's directory.
    File(String),
    /// The trajectory of this model's `simulate` block in the same program.
    Model(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum LibraryItem {
    /// All monomials of total degree ≤ `degree` (for PDEs: powers of u times u, u_x, …).
    Poly { degree: usize },
    /// sin(k v), cos(k v) for k = 1..=harmonics and every variable.
    Trig { harmonics: usize },
    /// A term the user wrote; its parameters are the data columns it names.
    Term(ScalarFunction),
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
pub struct ThresholdError(pub String);

impl std::fmt::Display for ThresholdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a threshold is a number ≥ 0 or `auto`, not `{}`", self.0)
    }
}

impl std::error::Error for ThresholdError {}

impl FromStr for Threshold {
    type Err = ThresholdError;

    /// `auto`, or a finite number ≥ 0.
    fn from_str(text: &str) -> Result<Threshold, ThresholdError> {
        match text {
            "auto" => Ok(Threshold::Auto),
            _ => match text.parse::<f64>() {
                Ok(v) if v >= 0.0 && v.is_finite() => Ok(Threshold::Value(v)),
                _ => Err(ThresholdError(text.to_string())),
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
        /// `scale: relative`: the threshold applies to |c_j|·‖θ_j‖/‖y‖, each term's share of
        /// the target, instead of |c_j| in the data's units.
        relative: bool,
    },
    /// Sparse Bayesian learning (`method sbl(...)`): the relevance vector machine, with kept
    /// terms explaining at least `threshold` of their target.
    Sbl { threshold: f64 },
    /// Symbolic regression (`method sr(...)`): unset options take `SrConfig`'s defaults.
    Symbolic {
        population: Option<usize>,
        generations: Option<usize>,
        max_size: Option<usize>,
    },
}

impl DiscoverSettings {
    /// Every setting its default, on `data`: what `physc discover` and a library caller start
    /// from.
    pub fn defaults(data: Spanned<DataSource>) -> DiscoverSettings {
        let schema = super::super::schema::settings(crate::check::model::JobKind::Discover);
        read_options(&Options::defaults(schema), data)
    }
}

/// The derivative method `fd`, `savgol(window, order)` or `tv(alpha)`, with the schema's
/// defaults for what is not given (a Savitzky–Golay window of order + 4, made odd).
pub fn savitzky_golay(window: Option<usize>, order: Option<usize>) -> Method {
    let defaults = Options::defaults(derivative_options("savgol"));
    let order = order.unwrap_or_else(|| defaults.int("order"));
    Method::SavitzkyGolay {
        window: window.unwrap_or((order + 4) | 1),
        order,
    }
}

/// Total-variation differentiation with `alpha`, or the schema's default strength.
pub fn total_variation(alpha: Option<f64>) -> Method {
    Method::TotalVariation {
        alpha: alpha.unwrap_or_else(|| Options::defaults(derivative_options("tv")).num("alpha")),
    }
}

/// Weak-form regression on windows of `window` samples with test functions of `order`, the
/// schema's defaults for what is not given (a window chosen from the data's spectrum).
pub fn weak_form(window: Option<usize>, order: Option<usize>) -> Method {
    let defaults = Options::defaults(derivative_options("weak"));
    Method::Weak {
        window: window.map_or(WeakWindow::Auto, WeakWindow::Samples),
        order: order.unwrap_or_else(|| defaults.int("order")),
    }
}

/// Sparse Bayesian learning with a floor `threshold` on a kept term's share of its target,
/// or the schema's default floor.
pub fn sparse_bayesian(threshold: Option<f64>) -> Regression {
    let schema = super::super::schema::settings(crate::check::model::JobKind::Discover);
    let floor = Options::defaults(schema)
        .default_call("method", "sbl")
        .map_or(0.02, |(_, o)| o.num("threshold"));
    Regression::Sbl {
        threshold: threshold.unwrap_or(floor),
    }
}

/// STLSQ with the schema's defaults (`stlsq` with no options).
pub fn least_squares() -> Regression {
    let schema = super::super::schema::settings(crate::check::model::JobKind::Discover);
    let defaults = Options::defaults(schema);
    let (_, o) = defaults
        .default_call("method", "stlsq")
        .expect("`stlsq` is a method of the schema");
    regression("stlsq", &o)
}

/// The regression the call `name(options)` of `method` asks for.
fn regression(name: &str, o: &Options) -> Regression {
    match name {
        "sr" => Regression::Symbolic {
            population: Some(o.int("population")),
            generations: Some(o.int("generations")),
            max_size: Some(o.int("max_size")),
        },
        "sbl" => Regression::Sbl {
            threshold: o.num("threshold"),
        },
        _ => Regression::Stlsq {
            threshold: match o.get("threshold") {
                Some(SettingValue::Name(n)) if n == "auto" => Threshold::Auto,
                _ => Threshold::Value(o.num("threshold")),
            },
            ridge: o.num("alpha"),
            ensemble: o.count("ensemble").filter(|n| *n > 1),
            relative: o.name("scale") == "relative",
        },
    }
}

/// The options of the derivative method `name`.
fn derivative_options(name: &str) -> &'static [super::super::schema::Opt] {
    let schema = super::super::schema::settings(crate::check::model::JobKind::Discover);
    Options::defaults(schema)
        .default_call("derivative", name)
        .map_or(&[][..], |(_, o)| o.schema())
}

pub(super) fn read(s: &Options, diags: &mut Diagnostics) -> DiscoverSettings {
    let span = s.span("data").unwrap_or_default();
    let data = match s.get("data") {
        Some(SettingValue::Name(model)) => DataSource::Model(model.clone()),
        _ => DataSource::File(s.string("data").unwrap_or_default().to_string()),
    };
    let settings = read_options(s, Spanned { value: data, span });
    check_terms(&settings, diags);
    settings
}

fn read_options(s: &Options, data: Spanned<DataSource>) -> DiscoverSettings {
    let mut library = Vec::new();
    for item in s.items("library") {
        library.push(match item {
            Item::Call("trig", o) => LibraryItem::Trig {
                harmonics: o.int("harmonics"),
            },
            Item::Call(_, o) => LibraryItem::Poly {
                degree: o.int("degree"),
            },
            Item::Value(SettingValue::Function(f)) => LibraryItem::Term(f.clone()),
            Item::Value(_) => continue,
        });
    }
    if s.get("library").is_none() {
        // The schema's default library: `poly` with its default degree.
        let degree = s
            .default_call("library", "poly")
            .map_or(2, |(_, o)| o.int("degree"));
        library.push(LibraryItem::Poly { degree });
    }
    let derivative = match s.call("derivative") {
        Some(("savgol", o)) => savitzky_golay(o.count("window"), Some(o.int("order"))),
        Some(("tv", o)) => total_variation(Some(o.num("alpha"))),
        Some(("weak", o)) => weak_form(o.count("window"), Some(o.int("order"))),
        _ => Method::FiniteDifference,
    };
    let regression = match s.call("method") {
        Some((name, o)) => regression(name, &o),
        None => unreachable!("`method` has a default call in the schema"),
    };
    DiscoverSettings {
        data,
        time: s.name("time").to_string(),
        space: s.names("space"),
        vars: s.names("vars"),
        library,
        derivative,
        regression,
        noise: s.num("noise"),
        seed: s.int("seed") as u64,
    }
}

/// The columns library terms may name, when the block says what they are: for a field
/// `u` over `x` (given by `space`), u, u_x, u_xx and u_xxx; for time series with `vars`,
/// the variables and time.
pub fn term_columns(settings: &DiscoverSettings) -> Option<Vec<String>> {
    if let Some(space) = settings.space.first() {
        let field = settings.vars.first().map_or("u", String::as_str);
        return Some(
            (0..=3)
                .map(|k| match k {
                    0 => field.to_string(),
                    _ => format!("{field}_{}", space.repeat(k)),
                })
                .collect(),
        );
    }
    if settings.vars.is_empty() {
        return None;
    }
    let mut columns = settings.vars.clone();
    columns.push(settings.time.clone());
    Some(columns)
}

fn check_terms(settings: &DiscoverSettings, diags: &mut Diagnostics) {
    let Some(columns) = term_columns(settings) else {
        return;
    };
    for item in &settings.library {
        let LibraryItem::Term(term) = item else {
            continue;
        };
        for name in &term.params {
            if columns.contains(name) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::UnknownLibraryColumn,
                term.span,
                format!(
                    "the library term `{}` uses `{name}`, which is not a column of the data",
                    term.name
                ),
                format!("`{name}` is not in the data"),
            )
            .with_note(format!(
                "the terms may use {}",
                columns
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if let Some(h) =
                crate::check::suggest::did_you_mean(name, columns.iter().map(String::as_str))
            {
                d = d.with_help(h);
            }
            diags.push(d);
        }
    }
}
