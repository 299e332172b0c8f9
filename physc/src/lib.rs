//! physc as a library: load a `.phys` model, get its diagnostics as data, run its jobs and
//! read the results in memory, with arrays as `ndarray`.
//!
//! ```
//! use physc::{Program, RunOptions, Simulated};
//!
//! let source = "
//! model Decay {
//!   time t in [0, 1]
//!   field y(t)
//!   ode dt(y) = -2 * y
//!   initial y = 1
//! }
//! simulate Decay {
//!   method dopri5(rtol: 1e-10, atol: 1e-12)
//!   output every: 0.25
//! }";
//! let program = Program::from_source("decay.phys", source)?;
//! let done = program.simulate("Decay", &RunOptions::default())?;
//! let Simulated::Trajectory(trajectory) = done.result else { unreachable!() };
//! let y = trajectory.states.column(0);
//! for (t, y) in trajectory.times.iter().zip(y) {
//!     assert!((y - (-2.0 * t).exp()).abs() < 1e-8);
//! }
//!
//! // Each job's settings are typed, with the defaults filled in.
//! use physc::compiler::check::settings::{OutputTimes, TimeMethod};
//! let Some(physc::JobSettings::Simulate(settings)) = program.job_settings(0) else { panic!() };
//! assert_eq!(settings.output, OutputTimes::Every(0.25));
//! assert_eq!(settings.method, TimeMethod::Dopri5 { rtol: 1e-10, atol: 1e-12 });
//!
//! // A program with errors does not load; its diagnostics are data.
//! let Err(e) = Program::from_source("bad.phys", "model M { field u(t) }") else { panic!() };
//! assert!(e.0.diagnostics.iter().any(|d| d.is_error()));
//! # Ok::<(), physc::Error>(())
//! ```
//!
//! Nothing here prints, exits the process, installs a signal handler or writes a file unless
//! asked: progress and cancellation come in through [`RunOptions`] (a [`Progress`] sink and a
//! [`CancelToken`]), each result has a `write(dir)` that writes what `physc run` writes, and a
//! `summary()` with what the CLI prints. `examples/embed.rs` is a complete tour.
//!
//! The stages underneath are public too, for tools that need them: [`compiler`] (syntax,
//! checking, IR, code generation, plans), [`jobs`] and [`runtime`]. With the feature `lsp`
//! (on with `cli`), [`lsp`] is the language server `physc lsp` runs, over any connection.

#[cfg(feature = "lsp")]
pub mod lsp;
mod program;
mod simplify;

pub use physc_compiler as compiler;
pub use physc_jobs as jobs;
pub use physc_runtime as runtime;

pub use physc_compiler::check::settings::{
    DiscoverSettings, EvolveSettings, JobSettings, SimulateSettings, TrainSettings,
};
pub use physc_compiler::diagnostics::{Code, Diagnostic, Label, Severity};
pub use physc_compiler::driver::{FileProvider, FileSystem, MemoryFiles};
pub use physc_jobs::device::Device;
pub use physc_jobs::discover::{
    self as discovery, Config as DiscoverConfig, DataSpec, Discovered, DiscoveredEquation,
};
pub use physc_jobs::evolve::{EvolveConfig, Front};
pub use physc_jobs::progress::{CancelToken, Progress, ProgressEvent, ProgressUnit, Silent};
pub use physc_jobs::simulate::{Simulated, Trajectory};
pub use physc_jobs::train::{FieldGrid, LossHistory, Trained};
pub use physc_jobs::{Completed, JobError, JobResult, RunOptions};
pub use program::{check, CheckError, Checked, Error, JobInfo, Program};
pub use simplify::{simplify, Form, Simplified, SimplifyOptions};

/// Evolve a fast approximation of a function over a range without a `.phys` file:
/// `physc evolve` as a call (`EvolveConfig::new(target, range)` has its defaults).
pub fn evolve(config: &EvolveConfig, options: &RunOptions) -> Result<Completed<Front>, JobError> {
    physc_jobs::evolve::run_config(&config.base_name(), config, options)
}

/// Discover equations from data the caller holds (arrays, files), without a `.phys` file:
/// `physc discover` as a call. Build the configuration with
/// [`DiscoverConfig::for_arrays`] or [`DiscoverConfig::for_files`].
pub fn discover(
    config: &DiscoverConfig,
    options: &RunOptions,
) -> Result<Completed<Discovered>, JobError> {
    physc_jobs::discover::discover(config, None, options)
}

/// The arrays of an NPZ file (what `physc run` writes, or NumPy's `savez`) as `ndarray`
/// arrays, by name, in the file's order. f32 and Fortran-order members are converted.
pub fn read_npz(
    path: impl AsRef<std::path::Path>,
) -> Result<Vec<(String, ndarray::ArrayD<f64>)>, runtime::output::OutputError> {
    let members = runtime::output::npz::read(path.as_ref())?;
    Ok(members
        .into_iter()
        .map(|(name, array)| (name, array.into()))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn npz_members_come_back_as_ndarray() {
        use crate::runtime::output::{npz, Array};
        let dir = std::env::temp_dir().join(format!("physc-npz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fields.npz");
        let u = Array::from_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap();
        let t = Array::vector(vec![0.0, 0.5]);
        npz::write(&path, &[("t", &t), ("u", &u)]).unwrap();
        let read = crate::read_npz(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(read[0].0, "t");
        assert_eq!(read[1].1.shape(), &[2, 3]);
        assert_eq!(read[1].1[[1, 2]], 6.0);
        let missing = crate::read_npz(dir.join("none.npz")).unwrap_err();
        assert!(missing.to_string().contains("none.npz"), "{missing}");
    }
}
