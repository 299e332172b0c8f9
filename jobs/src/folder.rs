//! Whose results a folder holds. Every job writes into its own folder,
//! `OUT/<target>/<folder>/` ([`crate::output_dir`]: the model or session name, then the
//! job's `folder` setting or its kind), and leaves a small marker there naming the job:
//! its kind and target and the file it came from. Before a job writes, [`claim`] reads the
//! marker and hands back the other job whose results are about to be replaced, so that
//! the caller can say so; a rerun of the same job replaces its own results without a word.

use crate::JobError;
use physc_compiler::check::Job;
use std::path::Path;

/// The marker's file name inside a job's folder.
pub const MARKER: &str = ".physc-job.json";

/// The job whose results a folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOwner {
    /// `train Burgers`, `discover Lorenz`.
    pub job: String,
    /// Where the job was stated: the `.phys` file, or what the command line read.
    pub source: String,
}

impl JobOwner {
    /// A job block of the `.phys` file at `file`.
    pub fn of(job: &Job, file: &Path) -> JobOwner {
        JobOwner::new(&format!("{} {}", job.kind.keyword(), job.target), file)
    }

    /// A job stated some other way (`physc discover DATA`, `physc evolve`): `job` names
    /// it, `source` is the file it read, if any.
    pub fn new(job: &str, source: &Path) -> JobOwner {
        // The same file reached by two relative paths is still the same job.
        let source = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
        JobOwner {
            job: job.to_string(),
            source: source.display().to_string(),
        }
    }

    fn to_json(&self) -> String {
        serde_json::json!({"job": self.job, "source": self.source}).to_string()
    }

    fn from_json(text: &str) -> Option<JobOwner> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(JobOwner {
            job: value.get("job")?.as_str()?.to_string(),
            source: value.get("source")?.as_str()?.to_string(),
        })
    }
}

impl std::fmt::Display for JobOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` from {}", self.job, self.source)
    }
}

/// The job whose results `dir` holds, if it has a readable marker.
pub fn owner(dir: &Path) -> Option<JobOwner> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    JobOwner::from_json(&text)
}

/// Make `dir` (created if missing) `owner`'s folder before writing into it. `Ok(Some(…))`
/// names the different job whose results it held and that this job's files replace; a
/// folder of the same job, an empty or new one gives `Ok(None)`.
pub fn claim(dir: &Path, owner: &JobOwner) -> Result<Option<JobOwner>, JobError> {
    let previous = self::owner(dir).filter(|p| p != owner);
    std::fs::create_dir_all(dir)
        .map_err(|e| JobError::Output(format!("cannot create `{}`: {e}", dir.display())))?;
    physc_runtime::output::atomic_write(&dir.join(MARKER), owner.to_json().as_bytes())
        .map_err(|e| JobError::Output(e.to_string()))?;
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_names_the_other_job_it_held_and_not_its_own() {
        let dir = std::env::temp_dir().join(format!("physc-folder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = JobOwner::new("train Burgers", Path::new("burgers.phys"));
        let second = JobOwner::new("train Burgers", Path::new("burgers_causal.phys"));
        assert_eq!(claim(&dir, &first).unwrap(), None, "a new folder");
        assert_eq!(
            claim(&dir, &first).unwrap(),
            None,
            "a rerun of the same job"
        );
        assert_eq!(claim(&dir, &second).unwrap(), Some(first.clone()));
        assert_eq!(owner(&dir), Some(second.clone()));
        std::fs::write(dir.join(MARKER), "not json").unwrap();
        assert_eq!(claim(&dir, &first).unwrap(), None, "an unreadable marker");
        assert_eq!(
            second.to_string(),
            format!("`train Burgers` from {}", second.source)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
