//! physc as a library: load a `.phys` model, get its diagnostics as data, run its jobs and
//! read the results in memory, with arrays as `ndarray`.
//!
//! (A doc test of the whole tour follows the job results; see `examples/embed.rs`.)
//!
//! Nothing here prints, exits the process, installs a signal handler or writes a file unless
//! asked: progress and cancellation come in through [`RunOptions`] (a [`Progress`] sink and a
//! [`CancelToken`]), each result has a `write(dir)` that writes what `physc run` writes, and a
//! `summary()` with what the CLI prints. `examples/embed.rs` is a complete tour.
//!
//! The stages underneath are public too, for tools that need them: [`compiler`] (syntax,
//! checking, IR, code generation, plans), [`jobs`] and [`runtime`].

mod program;

pub use physc_compiler as compiler;
pub use physc_jobs as jobs;
pub use physc_runtime as runtime;

pub use physc_compiler::diagnostics::{Code, Diagnostic, Label, Severity};
pub use physc_compiler::driver::{FileProvider, FileSystem, MemoryFiles};
pub use physc_jobs::device::Device;
pub use physc_jobs::discover::{
    self as discovery, Config as DiscoverConfig, DataSpec, Discovered, DiscoveredEquation,
};
pub use physc_jobs::progress::{CancelToken, Progress, ProgressEvent, ProgressUnit, Silent};
pub use physc_jobs::simulate::{Simulated, Trajectory};
pub use physc_jobs::train::{FieldGrid, LossHistory, Trained};
pub use physc_jobs::{Completed, JobError, RunOptions};
pub use program::{check, CheckError, Checked, Error, JobInfo, Program};

/// Discover equations from data the caller holds (arrays, files), without a `.phys` file:
/// `physc discover` as a call. Build the configuration with
/// [`DiscoverConfig::for_arrays`] or [`DiscoverConfig::for_files`].
pub fn discover(
    config: &DiscoverConfig,
    options: &RunOptions,
) -> Result<Completed<Discovered>, JobError> {
    physc_jobs::discover::discover(config, None, options)
}
