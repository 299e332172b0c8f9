//! Shared by the end-to-end tests: the repository root, scratch directories, running the
//! `physc` binary, reading a job's report.json, the `PHYSC_SLOW_TESTS` switch, and
//! generated inputs for the front end (`shapes`).

#![allow(dead_code)]

pub mod shapes;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh, empty directory for one test (`suite` and `name` keep tests apart, the process
/// id keeps runs apart).
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("physc-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `physc ARGS…` run in `dir`, without colours.
pub fn physc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("physc runs")
}

/// The report.json a job wrote to `dir`.
pub fn report(dir: &Path) -> serde_json::Value {
    let path = dir.join("report.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Whether the slow, full forms of the tests run (`PHYSC_SLOW_TESTS=1`).
pub fn slow() -> bool {
    std::env::var("PHYSC_SLOW_TESTS").is_ok_and(|v| v == "1")
}

/// Heat in one dimension, u = exp(−0.1π²t) sin(πx) exactly, as model `H` without a job:
/// the small problem the training tests append their `train H { … }` blocks to.
pub const SMALL_HEAT: &str = "model H {
  space x in [0, 1]
  time  t in [0, 1]
  field u(x, t)
  pde      dt(u) = 0.1 * dxx(u)
  initial  u = sin(pi * x)
  boundary u = 0 on boundary
}
";

/// Writes one 1-D array per `(name, values)` to an NPZ file at `path`.
pub fn write_npz(path: &Path, columns: Vec<(&str, Vec<f64>)>) {
    use physc_runtime::output::{npz, Array};
    let arrays: Vec<(&str, Array)> = columns
        .into_iter()
        .map(|(n, c)| (n, Array::vector(c)))
        .collect();
    let refs: Vec<(&str, &Array)> = arrays.iter().map(|(n, a)| (*n, a)).collect();
    npz::write(path, &refs).unwrap();
}
