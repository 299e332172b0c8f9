//! The command-line interface: `physc check | fmt | show | simplify | run | discover | evolve |
//! sample`: the argument definitions and the front-end commands; the job commands are in
//! `run_jobs.rs`, `physc sample` in `sample.rs`.
//! Parsing arguments (clap),
//! printing diagnostics (coloured on a terminal, plain when piped, JSON on request), and
//! turning outcomes into exit codes: 0 success, 1 any error in the input. A panic (101) is
//! always a bug.
//!
//! It stays whole at about 810 lines on purpose: the clap definitions of every command and
//! the dispatch over them are one table a reader scans for a flag, and `--help` is written
//! from these doc comments; the work of each command lives in its own file.

use crate::run_jobs;
use clap::{Parser, Subcommand, ValueEnum};
use physc_compiler::diagnostics::{self, Code, Diagnostic, Diagnostics};
use physc_compiler::driver;
use physc_compiler::source::SourceMap;
use physc_compiler::syntax;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "physc",
    version,
    about = "A language and compiler for physics models",
    long_about = "physc checks, simplifies, compiles and runs physics models written in .phys files:\n\
                  PDEs, ODEs, conditions, constraints and neural architectures in one file.",
    after_help = "Examples:\n  physc check examples/burgers.phys\n  physc fmt --check examples/*.phys\n  physc show examples/heat1d.phys --stage model\n  physc run examples/lorenz.phys"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check files for errors and warnings without running anything.
    ///
    /// Exit status is 0 when no file has errors (warnings do not fail), 1 otherwise.
    Check {
        /// The .phys files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How to print diagnostics: `human` (with source excerpts) or `json` (one array).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Format files canonically, in place.
    ///
    /// One declaration per line, two-space indentation, minimal parentheses; comments and
    /// blank lines between declarations are kept. Formatting never changes meaning.
    Fmt {
        /// The .phys files to format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 if any file is not formatted.
        #[arg(long)]
        check: bool,
    },
    /// Show what the compiler makes of a file at one stage.
    ///
    /// Stages, in pipeline order: `ast` (parse tree), `model` (checked and elaborated model),
    /// `ir` (lowered residuals and the jets each field needs), `simplified` (residuals and
    /// their sensitivities after e-graph simplification, with op counts before and after),
    /// `clif` (the Cranelift IR of each model's fused residual-and-sensitivity kernel),
    /// `cuda` (the same kernels as CUDA C source, f64).
    Show {
        /// The .phys file.
        file: PathBuf,
        /// The stage to show.
        #[arg(long, value_enum, default_value_t = Stage::Model)]
        stage: Stage,
        /// Print expressions as LaTeX (stages `ir` and `simplified`).
        #[arg(long)]
        latex: bool,
        /// How simplified expressions are written: `readable` (sums of monomials, numbers
        /// first, in a fixed order) or `ops` (the fewest-operations form kernels compute).
        #[arg(long, value_enum, default_value_t = Form::Readable)]
        form: Form,
    },
    /// Simplify one-off expressions with physc's e-graph simplifier.
    ///
    /// Free names are independent symbols; `d(f, x)` and `dx(f)` differentiate by `x`.
    /// Example: physc simplify "d(x^2 * sin(x), x)"
    Simplify {
        /// Expressions to simplify.
        exprs: Vec<String>,
        /// Also read expressions from a file, one per line (`#` starts a comment line).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print LaTeX instead of .phys syntax.
        #[arg(long)]
        latex: bool,
        /// How results are written: `readable` (sums of monomials, numbers first, in a fixed
        /// order) or `ops` (the fewest-operations form kernels compute, whose op count is
        /// reported).
        #[arg(long, value_enum, default_value_t = Form::Readable)]
        form: Form,
        /// Output: `human`, or `json` (one object per expression, with op counts and time).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Only count the operations of each expression as given (no simplification).
        #[arg(long)]
        count_only: bool,
    },
    /// Run the jobs (train, simulate, discover, evolve) of a file.
    ///
    /// Results go to `OUT/<Model>/`: fields or trajectories as NPZ (numpy) and VTK/CSV,
    /// report.json, PNG plots; training also writes loss.csv and checkpoint.npz. Ctrl-C stops
    /// a run cleanly and keeps what was computed.
    ///
    /// Examples:
    ///   physc run examples/burgers.phys
    ///   physc run examples/burgers.phys --max-steps 200 --threads 2
    ///   physc run examples/burgers.phys --resume
    ///
    /// On a cluster, with a physc built with `--features mpi`: a training job shares its
    /// points over the ranks, an evolution runs one island per rank, a sweep or a file's
    /// several jobs are dealt out, rank 0 writes:
    ///   mpirun -n 4 physc run examples/burgers.phys --threads 1
    Run(RunArgs),
    /// Discover governing equations from data by sparse regression (SINDy, PDE-FIND).
    ///
    /// Estimates time derivatives from the samples, regresses them on a library of
    /// candidate terms (all monomials up to --degree, optionally sin/cos harmonics) by
    /// sequentially thresholded least squares, and writes OUT/NAME/: discovered.phys (a
    /// model `physc run` simulates), report.json (equations, Pareto front, timings,
    /// warnings) and plots of the data against the re-simulated model. A `discover` block in
    /// a .phys file says all of this and more (user terms, models as data).
    #[command(after_help = "Examples:\n  \
        physc discover lorenz.csv --time t --vars x,y,z\n  \
        physc discover lorenz.csv --vars x,y,z --degree 3 --threshold auto\n  \
        physc discover noisy.csv --vars x,y,z --derivative savgol --window 25 --ensemble 50\n  \
        physc discover run1.csv run2.csv --vars x,y    (one trajectory per file)\n  \
        physc discover burgers.npz --time t --space x --vars u --threshold auto")]
    Discover(DiscoverArgs),
    /// Evolve a fast approximation of a function on an interval (AutoNumerics-style).
    ///
    /// Searches straight-line programs over + − × ÷ (and fma, sqrt when allowed) for the best
    /// trade-off of maximum error (f32: ULPs, checked over every float of the range; f64:
    /// relative error on a dense grid) against cost (operations, or measured time). Writes
    /// OUT/<target>_<precision>/: front.csv and front.png (the Pareto front), evolved.phys
    /// (functions a model can `use`), best.rs, best.c, report.json. The same search runs
    /// from an `evolve` block with `physc run`; a user `fn` as target needs the block.
    ///
    /// Examples:
    ///   physc evolve exp --range 0:1 --precision f32 --fma --minutes 5
    ///   physc evolve exp --range 0:1 --precision f64 --max-ops 10 --minutes 5
    ///   physc evolve tanh --range=-4:4 --fma --cost measured --seed 3
    ///   mpirun -n 4 physc evolve exp --range 0:1 --minutes 5   (one island per rank; --features mpi)
    Evolve(EvolveArgs),
    /// Evaluate a trained network at your own points, from the run's checkpoint.
    ///
    /// Reads OUT/<Model>/train/checkpoint.npz (which `physc run` leaves), rebuilds the network
    /// the file's `train` block describes, and evaluates every field (hard constraints
    /// applied) at the points of an NPZ file holding one array per network input, named
    /// after its variable (`x`, `t`), all of one shape. Writes an NPZ with those arrays and
    /// one array per field component of the same shape; nothing is trained.
    ///
    /// Examples:
    ///   physc predict examples/burgers.phys --points points.npz
    ///   physc predict examples/burgers.phys --points points.npz --to u_at_points.npz
    Predict(PredictArgs),
    /// Draw points of a model's domain without training, and export them.
    ///
    /// Interior points by rejection with the exact inside test, boundary points uniform in
    /// arc length (2-D) or area (3-D), with outward unit normals, as training draws them.
    /// Reports how long each draw took; with --out writes an NPZ file: `interior` (n × d),
    /// `boundary` and `normals` (m × d), `primitive` (m: the primitive each point lies on).
    ///
    /// Examples:
    ///   physc sample examples/plate_hole.phys --interior 100000 --boundary 10000 --out points.npz
    ///   physc sample examples/poisson_stl.phys --sampler sobol --format json
    Sample(SampleArgs),
    /// Run the language server on stdin/stdout (for editors; not for typing at).
    ///
    /// Diagnostics as you type, hover (a diagnostic's explanation, a name's declaration),
    /// go to definition, document symbols and formatting. Editors start it themselves:
    /// README's "Editors" section says how for VS Code, Neovim and Helix.
    Lsp,
    /// Explain a diagnostic code: when physc raises it, an example, what it prints, the fix.
    ///
    /// The same text as the code's section of spec/diagnostics.md. Codes are printed in
    /// brackets before each error and warning, e.g. `[E0201] Error: ...`.
    ///
    /// Example:
    ///   physc explain E0201
    Explain {
        /// The code, e.g. E0201 or w0001.
        code: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct PredictArgs {
    /// The .phys file that trained the network.
    pub(crate) file: PathBuf,
    /// The NPZ file of points: one array per network input, named after its variable.
    #[arg(long)]
    pub(crate) points: PathBuf,
    /// The model whose `train` block ran (default: the file's only train job).
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// The output directory the run wrote to.
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// The seed the run was given with --seed, if it was.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Where to write the predictions (default: predictions_<points file name>.npz in the
    /// run's folder, next to its checkpoint).
    #[arg(long)]
    pub(crate) to: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct SampleArgs {
    /// The .phys file.
    pub(crate) file: PathBuf,
    /// The model whose domain is sampled (default: the file's first model with a domain).
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// Interior points.
    #[arg(long, default_value_t = 1000)]
    pub(crate) interior: usize,
    /// Boundary points.
    #[arg(long, default_value_t = 1000)]
    pub(crate) boundary: usize,
    /// Only this part of the boundary.
    #[arg(long)]
    pub(crate) part: Option<String>,
    /// How candidates are drawn.
    #[arg(long, value_enum, default_value_t = SamplerArg::Uniform)]
    pub(crate) sampler: SamplerArg,
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Write the points to this NPZ file.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads for the inside and on-boundary tests (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// `human` (a line on stderr) or `json` (counts and seconds on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum SamplerArg {
    Uniform,
    Lhs,
    Sobol,
}

#[derive(clap::Args, Debug)]
pub struct DiscoverArgs {
    /// Data: CSV with a header row (a `trajectory` column splits trajectories), NPZ with
    /// arrays named after the time and variables, or NPY (columns: time, then --vars).
    #[arg(required = true, value_name = "DATA")]
    pub(crate) data: Vec<PathBuf>,
    /// The time column.
    #[arg(long, default_value = "t")]
    pub(crate) time: String,
    /// State variables, comma-separated (default: every column but the time).
    #[arg(long, value_delimiter = ',')]
    pub(crate) vars: Vec<String>,
    /// Space column for PDE discovery on a gridded NPZ field.
    #[arg(long, value_delimiter = ',')]
    pub(crate) space: Vec<String>,
    /// Highest total degree of the polynomial library.
    #[arg(long, default_value_t = 2)]
    pub(crate) degree: usize,
    /// Add sin(k v) and cos(k v) for k up to this many harmonics.
    #[arg(long, value_name = "K")]
    pub(crate) trig: Option<usize>,
    /// How terms are chosen: thresholded least squares (stlsq) or sparse Bayesian
    /// learning (sbl, the relevance vector machine) [default: the `discover` block's].
    #[arg(long, value_enum)]
    pub(crate) method: Option<SparseMethod>,
    /// Drop terms with coefficients below this, or `auto` (AICc on the Pareto front)
    /// [default: the `discover` block's, spec § 5.4]. With `--method sbl`: the smallest
    /// share of its target a kept term explains (a number).
    #[arg(long, value_name = "T|auto")]
    pub(crate) threshold: Option<String>,
    /// What the threshold compares: |c| in the data's units (absolute) or each term's share
    /// of its target, |c|·‖term‖/‖target‖ (relative) [default: the `discover` block's].
    #[arg(long, value_enum)]
    pub(crate) scale: Option<Scale>,
    /// How time derivatives are estimated, or `weak` for weak-form regression (no pointwise
    /// derivative) [default: the `discover` block's].
    #[arg(long, value_enum)]
    pub(crate) derivative: Option<Derivative>,
    /// Window in samples: Savitzky–Golay's (default order + 4, made odd) or the weak form's
    /// test functions' (default: chosen from the data's spectrum, at least 31; wider for
    /// noisy or densely sampled data).
    #[arg(long, value_name = "N")]
    pub(crate) window: Option<usize>,
    /// Polynomial order: Savitzky–Golay's (default 3) or the weak form's test functions
    /// (1 − s²)^N (default 6).
    #[arg(long, value_name = "N")]
    pub(crate) order: Option<usize>,
    /// Bag this many fits on resampled rows (robust to noise).
    #[arg(long, value_name = "N")]
    pub(crate) ensemble: Option<usize>,
    /// Add Gaussian noise of this size relative to each variable's spread (testing).
    #[arg(long, default_value_t = 0.0)]
    pub(crate) noise: f64,
    /// Session name: the model's name and the output folder (default: from the data file).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Where results are written.
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// Random seed (noise, bagging).
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// No progress bars or summaries.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Derivative {
    /// Second-order finite differences.
    Fd,
    /// Savitzky–Golay (local cubic over 7 samples), also smoothing the values.
    Savgol,
    /// Total-variation regularised differentiation, for noisy data.
    Tv,
    /// Weak form: regress integrals against test functions on windows, no derivative.
    Weak,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum SparseMethod {
    /// Sequentially thresholded least squares (SINDy).
    Stlsq,
    /// Sparse Bayesian learning: terms kept by their evidence, with a floor on their share.
    Sbl,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Scale {
    /// |c| in the data's units.
    Absolute,
    /// |c|·‖term‖/‖target‖: each term's share of its target.
    Relative,
}

#[derive(clap::Args, Debug)]
pub struct EvolveArgs {
    /// The function: exp, exp2, log, sin, cos, tanh, sigmoid or erf.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(physc_compiler::check::schema::EVOLVE_TARGETS))]
    pub(crate) target: String,
    /// The interval A:B (write --range=-1:1 for a negative start).
    #[arg(long, value_name = "A:B")]
    pub(crate) range: String,
    /// Precision of the evolved program.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    pub(crate) precision: PrecisionArg,
    /// Allow fused multiply–add (adds `fma` to the default operations add, sub, mul, div).
    #[arg(long)]
    pub(crate) fma: bool,
    /// The allowed operations, comma-separated (overrides the default and --fma).
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(physc_compiler::check::schema::EVOLVE_OPS))]
    pub(crate) ops: Option<Vec<String>>,
    /// Wall-time budget in minutes (search, then final fits and verification).
    #[arg(long, default_value_t = physc_jobs::evolve::config::defaults().budget.minutes.unwrap_or(1.0))]
    pub(crate) minutes: f64,
    /// Stop after this many generations (of 32 children) instead of by time.
    #[arg(long)]
    pub(crate) generations: Option<usize>,
    /// Stop after this many constant fits.
    #[arg(long)]
    pub(crate) evaluations: Option<usize>,
    /// The longest program, in operations.
    #[arg(long, default_value_t = physc_jobs::evolve::config::defaults().max_ops)]
    pub(crate) max_ops: usize,
    /// Cost: operations that depend on x, or measured time of the compiled program.
    #[arg(long, value_enum, default_value_t = CostArg::Ops)]
    pub(crate) cost: CostArg,
    /// Population size.
    #[arg(long, default_value_t = physc_jobs::evolve::config::defaults().population)]
    pub(crate) population: usize,
    /// Random seed.
    #[arg(long, default_value_t = physc_jobs::evolve::config::defaults().seed)]
    pub(crate) seed: u64,
    /// Where results are written (in OUT/<target>_<precision>/).
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// No progress bar or summary.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PrecisionArg {
    F32,
    F64,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CostArg {
    Ops,
    Measured,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The .phys file.
    pub(crate) file: PathBuf,
    /// Where results are written.
    #[arg(long, default_value = "out")]
    pub(crate) out: PathBuf,
    /// No progress bars or summaries.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Random seed for network initialisation and sampling (overrides the job's `seed`).
    #[arg(long, conflicts_with = "seeds")]
    pub(crate) seed: Option<u64>,
    /// A seed sweep: run every job once per seed of `A..B` (B excluded, as in `0..5` for
    /// seeds 0 to 4), one after another, each into OUT/seed-<s>/<target>/<folder>/.
    #[arg(long, value_name = "A..B", value_parser = run_jobs::parse_seed_range)]
    pub(crate) seeds: Option<std::ops::Range<u64>>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Continue training from OUT/<Model>/checkpoint.npz.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Run at most this many steps per optimizer stage (a quick trial of a long run).
    #[arg(long, value_name = "N")]
    pub(crate) max_steps: Option<usize>,
    /// Where to compute: `cpu`, or `cuda` / `cuda:N` (needs a build with `--features cuda`
    /// and an NVIDIA GPU; jobs do not run on it yet, kernels do).
    #[arg(long, default_value = "cpu", value_parser = clap::value_parser!(physc_jobs::device::Device))]
    pub(crate) device: physc_jobs::device::Device,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Form {
    Readable,
    Ops,
}

impl From<Form> for physc_compiler::ir::readable::Form {
    fn from(f: Form) -> Self {
        match f {
            Form::Readable => physc_compiler::ir::readable::Form::Readable,
            Form::Ops => physc_compiler::ir::readable::Form::Ops,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Stage {
    Ast,
    Model,
    Ir,
    Simplified,
    Clif,
    Cuda,
}

pub fn main() -> ExitCode {
    // Syntax trees are recursive; a generous stack keeps pathological inputs (deeply nested
    // text) an error message rather than a crash.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run_cli);
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        _ => ExitCode::from(101),
    }
}

fn run_cli() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let colour = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let ok = match cli.command {
        Command::Check { files, format } => check(&files, format, colour),
        Command::Fmt { files, check } => fmt(&files, check, colour),
        Command::Show {
            file,
            stage,
            latex,
            form,
        } => show(&file, stage, latex, form.into(), colour),
        Command::Simplify {
            exprs,
            file,
            latex,
            form,
            format,
            count_only,
        } => crate::simplify::simplify(
            &exprs,
            file.as_deref(),
            latex,
            form.into(),
            format == Format::Json,
            count_only,
            colour,
        ),
        Command::Run(args) => run_jobs::run(&args, colour),
        Command::Discover(args) => run_jobs::discover(&args),
        Command::Evolve(args) => run_jobs::evolve(&args),
        Command::Sample(args) => crate::sample::sample(&args, colour),
        Command::Predict(args) => crate::predict::predict(&args, colour),
        Command::Explain { code } => explain(&code),
        Command::Lsp => lsp(),
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `physc lsp`: serve one editor over stdio until it shuts down.
fn lsp() -> bool {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = physc::lsp::serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => true,
        (Err(e), _) => {
            eprintln!("error: physc lsp: {e}");
            false
        }
        (_, Err(e)) => {
            eprintln!("error: physc lsp: {e}");
            false
        }
    }
}

/// `physc explain CODE`: the code's explanation on stdout, or why there is none.
fn explain(text: &str) -> bool {
    let Some(code) = Code::parse(text) else {
        let near: Vec<&str> = Code::near(text).iter().map(|c| c.as_str()).collect();
        let hint = if near.is_empty() {
            // The catalogue's ranges, stage by stage (same letter and first two digits).
            let mut ranges: Vec<(&str, &str)> = Vec::new();
            for code in Code::ALL.iter().map(|c| c.as_str()) {
                match ranges.last_mut() {
                    Some((first, last)) if first[..3] == code[..3] => *last = code,
                    _ => ranges.push((code, code)),
                }
            }
            let ranges: Vec<String> = ranges.iter().map(|(a, b)| format!("{a}–{b}")).collect();
            format!(
                "the codes are {} (spec/diagnostics.md lists them)",
                ranges.join(", ")
            )
        } else {
            format!("codes of that stage: {}", near.join(", "))
        };
        eprintln!(
            "error: `{}` is not a physc diagnostic code; {hint}",
            text.trim()
        );
        return false;
    };
    println!(
        "{} {}\n\n{}",
        code.as_str(),
        code.title(),
        code.explanation()
    );
    true
}

pub(crate) fn report(diags: &[Diagnostic], sources: &SourceMap, colour: bool) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        let text = if colour {
            diagnostics::render_terminal(d, sources)
        } else {
            diagnostics::render_plain(d, sources)
        };
        let _ = write!(err, "{text}");
    }
}

fn summary(name: &str, diags: &Diagnostics) -> String {
    let (e, w) = (diags.error_count(), diags.warning_count());
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (e, w) {
        (0, 0) => format!("{name}: ok"),
        (0, w) => format!("{name}: ok, {}", plural(w, "warning")),
        (e, 0) => format!("{name}: {}", plural(e, "error")),
        (e, w) => format!("{name}: {}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

fn check(files: &[PathBuf], format: Format, colour: bool) -> bool {
    let mut all_ok = true;
    let mut json = Vec::new();
    for file in files {
        let compilation = driver::compile_file(file);
        all_ok &= !compilation.has_errors();
        let name = file.display().to_string();
        let summary_line = summary(&name, &compilation.diagnostics);
        let sorted = compilation.diagnostics.clone().sorted();
        match format {
            Format::Human => {
                report(&sorted, &compilation.sources, colour);
                eprintln!("{summary_line}");
            }
            Format::Json => {
                json.push(serde_json::json!({
                    "file": name,
                    "ok": !compilation.has_errors(),
                    "diagnostics": diagnostics::render_json(&sorted, &compilation.sources),
                }));
            }
        }
    }
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    }
    all_ok
}

fn fmt(files: &[PathBuf], check_only: bool, colour: bool) -> bool {
    let mut all_ok = true;
    for file in files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error[{}]: cannot read `{name}`: {e}", Code::FileNotFound);
                all_ok = false;
                continue;
            }
        };
        let (sources, parsed) = driver::parse_source(&name, &text);
        if parsed.diagnostics.has_errors() {
            report(&parsed.diagnostics.sorted(), &sources, colour);
            eprintln!("{name}: not formatted (fix the syntax errors first)");
            all_ok = false;
            continue;
        }
        let formatted = syntax::format::format_file(&parsed.ast, &parsed.comments, &text);
        if formatted == text {
            continue;
        }
        if check_only {
            eprintln!("{name}: not formatted (run `physc fmt {name}`)");
            all_ok = false;
        } else if let Err(e) = write_atomically(file, &formatted) {
            eprintln!("error: cannot write `{name}`: {e}");
            all_ok = false;
        } else {
            eprintln!("{name}: formatted");
        }
    }
    all_ok
}

/// Write through a temporary file and a rename, so a failure never leaves half a file.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("phys.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

fn show(
    file: &std::path::Path,
    stage: Stage,
    latex: bool,
    form: physc_compiler::ir::readable::Form,
    colour: bool,
) -> bool {
    let compilation = driver::compile_file(file);
    let ok = !compilation.has_errors();
    report(
        &compilation.diagnostics.clone().sorted(),
        &compilation.sources,
        colour,
    );
    if !ok {
        return false;
    }
    match stage {
        Stage::Ast => {
            if let Some(root) = compilation.modules.first() {
                print!("{}", syntax::sexpr::file(&root.ast));
            }
        }
        Stage::Model => {
            for m in compilation.program.models.iter().filter(|m| m.local) {
                print!("{}", physc_compiler::check::print::model(m));
            }
        }
        Stage::Ir => {
            let style = physc_compiler::ir::report::Style {
                latex,
                ..Default::default()
            };
            for m in compilation.program.models.iter().filter(|m| m.local) {
                print!(
                    "{}",
                    physc_compiler::ir::report::lowered(
                        m,
                        &physc_compiler::ir::lower_model(m),
                        &style
                    )
                );
            }
        }
        Stage::Clif => {
            for m in compilation.program.models.iter().filter(|m| m.local) {
                let simplified =
                    physc_compiler::ir::pipeline::simplify_model(m, &Default::default());
                let plan = physc_compiler::codegen::kernels::KernelPlan::residuals(&simplified);
                match physc_compiler::codegen::compile::<f64>(&plan.spec()) {
                    Ok((kernel, clif)) => {
                        println!("; model {}: one fused loop over the points", m.name);
                        println!("; inputs (columns): {}", kernel.inputs.join(", "));
                        println!("; parameters: {}", kernel.params.join(", "));
                        for (k, out) in kernel.outputs.iter().enumerate() {
                            println!("; output {k}: {out}");
                        }
                        print!("{clif}");
                    }
                    Err(e) => {
                        eprintln!("error: model {}: {e}", m.name);
                        return false;
                    }
                }
            }
        }
        Stage::Cuda => {
            use physc_compiler::codegen::cuda;
            for m in compilation.program.models.iter().filter(|m| m.local) {
                let simplified =
                    physc_compiler::ir::pipeline::simplify_model(m, &Default::default());
                let plan = physc_compiler::codegen::kernels::KernelPlan::residuals(&simplified);
                match cuda::generate(&plan.spec(), cuda::Precision::F64, cuda::KERNEL_NAME) {
                    Ok(source) => {
                        println!("// model {}: one fused kernel over the points", m.name);
                        print!("{source}");
                    }
                    Err(e) => {
                        eprintln!("error: model {}: {e}", m.name);
                        return false;
                    }
                }
            }
        }
        Stage::Simplified => {
            let style = physc_compiler::ir::report::Style { latex, form };
            let limits = physc_compiler::ir::simplify::Limits::default();
            for m in compilation.program.models.iter().filter(|m| m.local) {
                let simplified =
                    physc_compiler::ir::pipeline::simplify_model_for_reading(m, &limits);
                print!(
                    "{}",
                    physc_compiler::ir::report::simplified(
                        m,
                        &simplified.lowered,
                        &simplified.view(),
                        &style
                    )
                );
            }
        }
    }
    true
}
