//! Result I/O for the jobs: arrays as `.npy`/`.npz` (written, and read back for reference
//! data; MATLAB `.mat` read for reference data too), tables as CSV, grids as VTK for ParaView, `report.json`, and PNG plots. It owns the one error type for all of
//! them and `atomic_write`, which every writer goes through so that a crash or a full disk
//! never leaves a half-written result where a finished one is expected.

mod array;
pub mod csv;
pub mod mat;
pub mod npy;
pub mod npz;
pub mod plot;
pub mod report;
pub mod vtk;
mod zip;

pub use array::Array;

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What went wrong, without the file it happened to. Decoders of in-memory bytes return
/// this; everything that touches a path wraps it in an `OutputError`.
#[derive(Debug)]
pub enum ErrorKind {
    /// The operating system refused; `action` says what was being attempted.
    Io {
        action: &'static str,
        source: io::Error,
    },
    /// The bytes are not what the format promises: truncated, wrong magic, corrupt archive.
    Malformed(String),
    /// A well-formed file this reader does not handle: another dtype, rank or compression.
    Unsupported(String),
    /// The caller's data cannot be written as asked: lengths differ, a bad name, no data.
    Invalid(String),
    /// Drawing a plot failed.
    Plot(String),
}

impl ErrorKind {
    /// Attach the file this happened to.
    pub fn at(self, path: &Path) -> OutputError {
        OutputError {
            path: path.to_path_buf(),
            kind: self,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Io { action, source } => write!(f, "{action}: {source}"),
            ErrorKind::Malformed(what) => write!(f, "malformed file: {what}"),
            ErrorKind::Unsupported(what) => write!(f, "unsupported: {what}"),
            ErrorKind::Invalid(what) => write!(f, "invalid data: {what}"),
            ErrorKind::Plot(what) => write!(f, "plotting failed: {what}"),
        }
    }
}

impl std::error::Error for ErrorKind {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A result file could not be written or read. Displays as `path: what went wrong`.
#[derive(Debug)]
pub struct OutputError {
    pub path: PathBuf,
    pub kind: ErrorKind,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.kind)
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

/// Wrap an I/O failure on `path` while doing `action`.
fn io_error<'p>(
    path: &'p Path,
    action: &'static str,
) -> impl FnOnce(io::Error) -> OutputError + 'p {
    move |source| ErrorKind::Io { action, source }.at(path)
}

/// Read a whole file, naming it in the error.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, OutputError> {
    fs::read(path).map_err(io_error(path, "cannot read the file"))
}

/// Write `bytes` to `path` so that readers see either the old file or the whole new one:
/// write a temporary file in the same directory (a rename is only atomic within one file
/// system), flush it to disk, then rename it over `path`. Missing parent directories are
/// created.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path.file_name().ok_or_else(|| {
        ErrorKind::Invalid("the path names no file to write".to_string()).at(path)
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(io_error(path, "cannot create the parent directory"))?;
    let tmp = dir.join(temp_name(name));
    if let Err(e) = write_synced(&tmp, bytes) {
        let _ = fs::remove_file(&tmp);
        return Err(ErrorKind::Io {
            action: "cannot write the temporary file",
            source: e,
        }
        .at(&tmp));
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(path, "cannot move the finished file into place")(
            e,
        ));
    }
    sync_dir(dir);
    Ok(())
}

/// A hidden name unique to this process and call, so concurrent writers never share one.
fn temp_name(name: &std::ffi::OsStr) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{}.{}-{n}.tmp", name.to_string_lossy(), std::process::id())
}

fn write_synced(tmp: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Make the rename itself durable. Best effort: some file systems refuse to sync a
/// directory, and the rename is atomic either way.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory under the system temp dir, unique per test.
    pub(crate) fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("physc-output-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// `count` copies of `original`, each with a few bytes overwritten at random (a fixed
    /// seed, so failures reproduce): decoders must return, never panic, on all of them.
    pub(crate) fn mutations(original: &[u8], count: usize) -> Vec<Vec<u8>> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as usize
        };
        (0..count)
            .map(|_| {
                let mut bytes = original.to_vec();
                for _ in 0..1 + next() % 4 {
                    let i = next() % bytes.len();
                    bytes[i] = next() as u8;
                }
                bytes
            })
            .collect()
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = scratch("atomic");
        let path = dir.join("sub/result.txt");
        atomic_write(&path, b"first").unwrap();
        atomic_write(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1, "temporary files left behind: {names:?}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn atomic_write_names_the_path_on_failure() {
        let dir = scratch("atomic-fail");
        // A directory where the file should go: the rename must fail, cleanly.
        let path = dir.join("taken");
        fs::create_dir_all(path.join("inner")).unwrap();
        let err = atomic_write(&path, b"x").unwrap_err();
        assert!(err.to_string().contains("taken"), "{err}");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(dir).unwrap();
    }
}
