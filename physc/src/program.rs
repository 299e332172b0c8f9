//! A loaded, checked `.phys` program and the calls that run its jobs. Loading never fails
//! silently: a program with errors is a [`CheckError`] holding every diagnostic as data
//! (code, message, labelled spans, help) and the same text `physc check` prints.

use physc_compiler::check::settings::JobSettings;
use physc_compiler::check::{Job, JobKind};
use physc_compiler::diagnostics::Diagnostic;
use physc_compiler::diagnostics::{render_json, render_plain, render_terminal};
use physc_compiler::driver::{self, Compilation, FileProvider, FileSystem};
use physc_compiler::source::SourceMap;
use physc_jobs::discover::Discovered;
use physc_jobs::evolve::Front;
use physc_jobs::simulate::Simulated;
use physc_jobs::train::Trained;
use physc_jobs::{Completed, JobError, RunOptions};
use std::fmt;
use std::path::{Path, PathBuf};

/// What checking a source found: every error and warning, in source order.
#[derive(Debug, Clone)]
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    /// The diagnostics as `physc check` prints them (without colour), one after another.
    pub rendered: String,
    /// The diagnostics as `physc check --format json` prints them: code, severity, message,
    /// help, notes and each label's file, byte range, 1-based line and column.
    pub json: serde_json::Value,
    /// The texts the diagnostics point into, for [`Checked::render_coloured`].
    sources: SourceMap,
}

impl Checked {
    fn of(compilation: &Compilation) -> Checked {
        Checked::new(
            compilation.diagnostics.clone().sorted(),
            &compilation.sources,
        )
    }

    /// The diagnostics of `sources`, rendered.
    pub(crate) fn new(diagnostics: Vec<Diagnostic>, sources: &SourceMap) -> Checked {
        let rendered = render_all(&diagnostics, sources);
        let json = render_json(&diagnostics, sources);
        Checked {
            diagnostics,
            rendered,
            json,
            sources: sources.clone(),
        }
    }

    /// The diagnostics as `physc check` prints them on a colour terminal.
    pub fn render_coloured(&self) -> String {
        let diagnostics = self.diagnostics.iter();
        diagnostics
            .map(|d| render_terminal(d, &self.sources))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The diagnostics as text, as `physc check` prints them.
    pub fn render(&self) -> &str {
        &self.rendered
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    diagnostics
        .iter()
        .map(|d| render_plain(d, sources))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Check source text as `physc check` would, without running anything. `name` is the file
/// name shown in diagnostics; `use "file"` imports are read from the working directory.
pub fn check(name: &str, text: &str) -> Checked {
    Checked::of(&driver::compile_source(name, text))
}

/// A program that did not check: its diagnostics.
#[derive(Debug, Clone)]
pub struct CheckError(pub Checked);

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.0.diagnostics.iter().filter(|d| d.is_error()).count();
        write!(f, "the program has {errors} error(s):\n{}", self.0.rendered)
    }
}

impl std::error::Error for CheckError {}

/// Why a library call failed.
#[derive(Debug, Clone)]
pub enum Error {
    /// The source has errors.
    Check(CheckError),
    /// No job of this kind for this model or session name; `available` lists those there are.
    NoSuchJob {
        kind: &'static str,
        target: String,
        available: Vec<String>,
    },
    /// The job could not run.
    Job(JobError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Check(e) => e.fmt(f),
            Error::NoSuchJob {
                kind,
                target,
                available,
            } => {
                write!(f, "the program has no `{kind} {target}` block")?;
                if available.is_empty() {
                    write!(f, " (it has no job)")
                } else {
                    write!(f, " (its jobs: {})", available.join(", "))
                }
            }
            Error::Job(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<CheckError> for Error {
    fn from(e: CheckError) -> Self {
        Error::Check(e)
    }
}

impl From<JobError> for Error {
    fn from(e: JobError) -> Self {
        Error::Job(e)
    }
}

/// One job block of a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// `train`, `simulate`, `discover` or `evolve`.
    pub kind: &'static str,
    /// The model (train, simulate) or the session name (discover, evolve).
    pub target: String,
}

/// A checked program: its models and jobs, ready to run.
pub struct Program {
    compilation: Compilation,
    /// Where relative paths in job settings (data files, references) start.
    source_dir: PathBuf,
}

impl Program {
    /// Load, parse and check a file and its imports from the file system.
    pub fn load(path: impl AsRef<Path>) -> Result<Program, CheckError> {
        Program::load_with(path, &FileSystem)
    }

    /// [`Program::load`], reading the file and its imports through `files`.
    pub fn load_with(
        path: impl AsRef<Path>,
        files: &dyn FileProvider,
    ) -> Result<Program, CheckError> {
        let path = path.as_ref();
        let source_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Program::checked(driver::compile_file_with(path, files), source_dir)
    }

    /// Check source text; `name` is the file name shown in diagnostics. Imports and relative
    /// paths in settings are resolved in the working directory.
    pub fn from_source(name: &str, text: &str) -> Result<Program, CheckError> {
        Program::checked(driver::compile_source(name, text), PathBuf::new())
    }

    /// [`Program::from_source`] with imports read through `files`, relative to `dir`.
    pub fn from_source_in(
        name: &str,
        text: &str,
        dir: &Path,
        files: &dyn FileProvider,
    ) -> Result<Program, CheckError> {
        let compilation = driver::compile_source_with(name, text, Some(dir), files);
        Program::checked(compilation, dir.to_path_buf())
    }

    fn checked(compilation: Compilation, source_dir: PathBuf) -> Result<Program, CheckError> {
        if compilation.has_errors() {
            return Err(CheckError(Checked::of(&compilation)));
        }
        Ok(Program {
            compilation,
            source_dir,
        })
    }

    /// The warnings the checker found (a program with errors does not load).
    pub fn warnings(&self) -> Checked {
        Checked::of(&self.compilation)
    }

    /// The names of the models the loaded file defines (not those of its imports).
    pub fn models(&self) -> Vec<&str> {
        let program = &self.compilation.program;
        program
            .models
            .iter()
            .filter(|m| m.local)
            .map(|m| m.name.as_str())
            .collect()
    }

    /// The typed settings of job `index` (in the order of [`Program::jobs`]): every value the
    /// block gave or its default, as the job will run with it.
    pub fn job_settings(&self, index: usize) -> Option<&JobSettings> {
        self.compilation
            .program
            .jobs
            .get(index)
            .map(|j| &j.settings)
    }

    /// The file's job blocks, in order.
    pub fn jobs(&self) -> Vec<JobInfo> {
        let jobs = &self.compilation.program.jobs;
        jobs.iter()
            .map(|j| JobInfo {
                kind: j.kind.keyword(),
                target: j.target.clone(),
            })
            .collect()
    }

    /// The checked program, for tools that work on the stages themselves.
    pub fn compilation(&self) -> &Compilation {
        &self.compilation
    }

    /// The options a job of this program runs with: the caller's, with relative paths in
    /// settings starting at the program's directory unless the caller chose one.
    fn options(&self, options: &RunOptions) -> RunOptions {
        let mut options = options.clone();
        if options.source_dir.as_os_str().is_empty() {
            options.source_dir = self.source_dir.clone();
        }
        options
    }

    fn job(&self, kind: JobKind, target: &str) -> Result<&Job, Error> {
        let jobs = &self.compilation.program.jobs;
        jobs.iter()
            .find(|j| j.kind == kind && j.target == target)
            .ok_or_else(|| Error::NoSuchJob {
                kind: kind.keyword(),
                target: target.to_string(),
                available: self
                    .jobs()
                    .iter()
                    .map(|j| format!("{} {}", j.kind, j.target))
                    .collect(),
            })
    }

    /// Run the `discover NAME` block.
    pub fn discover(
        &self,
        name: &str,
        options: &RunOptions,
    ) -> Result<Completed<Discovered>, Error> {
        let job = self.job(JobKind::Discover, name)?;
        Ok(physc_jobs::discover::run(
            &self.compilation.program,
            job,
            &self.options(options),
        )?)
    }

    /// The model a `train` or `simulate` block names, with its block.
    fn model_job(&self, kind: JobKind, model: &str) -> Result<(&Job, usize), Error> {
        let job = self.job(kind, model)?;
        // The checker gives every train and simulate block its model.
        let index = job.model.ok_or_else(|| {
            Error::Job(JobError::NotSupported(format!("`{model}` is not a model")))
        })?;
        Ok((job, index))
    }

    /// Run the `simulate MODEL` block: an ODE trajectory or PDE fields, in memory.
    pub fn simulate(
        &self,
        model: &str,
        options: &RunOptions,
    ) -> Result<Completed<Simulated>, Error> {
        let (job, m) = self.model_job(JobKind::Simulate, model)?;
        let models = &self.compilation.program.models;
        Ok(physc_jobs::simulate::run(
            &models[m],
            job,
            &self.options(options),
        )?)
    }

    /// Run the `train MODEL` block: the trained network, its fields on the output grid, the
    /// loss history, in memory. Nothing is written; [`Trained::write`] writes what
    /// `physc run` would. `options.resume` continues from a checkpoint in
    /// `options.out_dir/MODEL/`.
    pub fn train(&self, model: &str, options: &RunOptions) -> Result<Completed<Trained>, Error> {
        let (job, m) = self.model_job(JobKind::Train, model)?;
        let models = &self.compilation.program.models;
        Ok(physc_jobs::train::run(
            &models[m],
            job,
            &self.options(options),
        )?)
    }

    /// The fields of a finished `train MODEL` run at the points of the NPZ file `points`
    /// (one array per network input, named after its variable; relative to
    /// `options.source_dir`), from the `checkpoint.npz` the run left in
    /// `options.out_dir/MODEL/train/`, without training. Nothing is written;
    /// [`Predictions::write`](physc_jobs::train::Predictions::write) writes the NPZ.
    pub fn predict(
        &self,
        model: &str,
        options: &RunOptions,
        points: &str,
    ) -> Result<physc_jobs::train::Predictions, Error> {
        let (job, m) = self.model_job(JobKind::Train, model)?;
        let models = &self.compilation.program.models;
        Ok(physc_jobs::train::predict(
            &models[m],
            job,
            &self.options(options),
            points,
        )?)
    }

    /// Run the `evolve NAME` block: the Pareto front of evolved approximations, each
    /// verified (every f32 of the range, or a dense f64 check).
    pub fn evolve(&self, name: &str, options: &RunOptions) -> Result<Completed<Front>, Error> {
        let job = self.job(JobKind::Evolve, name)?;
        Ok(physc_jobs::evolve::run(job, &self.options(options))?)
    }

    /// Run the `index`-th job block (in [`Program::jobs`] order), whatever its kind.
    pub fn run(
        &self,
        index: usize,
        options: &RunOptions,
    ) -> Result<Completed<physc_jobs::JobResult>, Error> {
        let jobs = &self.compilation.program.jobs;
        let job = jobs.get(index).ok_or_else(|| Error::NoSuchJob {
            kind: "job",
            target: format!("number {index}"),
            available: self
                .jobs()
                .iter()
                .map(|j| format!("{} {}", j.kind, j.target))
                .collect(),
        })?;
        Ok(physc_jobs::run_job(
            &self.compilation.program,
            job,
            &self.options(options),
        )?)
    }
}
