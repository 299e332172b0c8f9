//! `report.json`: the summary a job leaves beside its arrays and plots, pretty-printed so a
//! person can read it and written atomically like every other result.

use super::{atomic_write, ErrorKind, OutputError};
use std::path::{Path, PathBuf};

/// The report's file name inside a job's output directory.
pub const FILE_NAME: &str = "report.json";

/// Write `report` to `dir/report.json` and return that path.
pub fn write(dir: &Path, report: &serde_json::Value) -> Result<PathBuf, OutputError> {
    let path = dir.join(FILE_NAME);
    let mut text = serde_json::to_string_pretty(report)
        .map_err(|e| ErrorKind::Invalid(e.to_string()).at(&path))?;
    text.push('\n');
    atomic_write(&path, text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_pretty_json() {
        let dir = crate::output::tests::scratch("report");
        let report = json!({"job": "simulate", "steps": 100, "energy_drift": 1.5e-9});
        let path = write(&dir, &report).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\n  \"steps\": 100"), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            report
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
