//! What an evolution gives a caller, in memory: [`Front`], the verified Pareto front with
//! each member's program, cost, errors and source code (`.phys`, Rust, C), the chosen
//! member, the search statistics and the report; [`Front::write`] puts it in files and
//! [`Front::summary`] in words (both in `output.rs`).

use super::config::EvolveConfig;
use super::search::{self, Stats};
use super::verify::{Tuning, Verified};
use super::{emit, output, Checked};
use crate::JobError;
use physc_runtime::straight_line::Program;
use std::path::Path;

/// One program of the front.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its function name in `evolved.phys`: `<base>_<ops>ops` (`exp_f32_6ops`).
    pub name: String,
    /// The program (after final fits and, for f32, tuning against exhaustive scans).
    pub program: Program,
    /// What the search minimised besides the error: operations that depend on x, or
    /// measured nanoseconds per point ([`super::CostKind`]).
    pub cost: f64,
    /// The error on the scoring points of the final fit (f32 ULP, or relative for f64):
    /// what ranked the member before verification.
    pub train_error: f64,
    /// The check of the compiled program: the maximum f32 ULP error over every float of
    /// the range, or the maximum relative error on a dense grid for f64, with the worst
    /// inputs. `None` when verification stopped before this member (time, cancellation).
    pub verification: Option<Verified>,
    /// f32: what tuning the constants against exhaustive scans did.
    pub tuning: Option<Tuning>,
    /// The name of the seed this program descends from (`horner6_fma`, `cf2_sq2`).
    pub seed: Option<String>,
    /// The member in words (`6 ops, max error 1.0579 ULP (every f32 over N points)`), as
    /// the comments of the emitted code say it.
    pub description: String,
    /// The right-hand side of its `.phys` function: `fma(fma(…), x, 1)`.
    pub phys_body: String,
    /// Its `.phys` function as `evolved.phys` holds it: `fn <name>(x) = <phys_body>`.
    pub phys: String,
    /// A Rust function `pub fn <base>(x: f32) -> f32` (or f64), as `best.rs` holds it for
    /// the chosen member. Every member has the chosen one's name and signature, so any of
    /// them can replace it.
    pub rust: String,
    /// A C function `float physc_<target>(float x)` (or `double`), as `best.c` holds it
    /// for the chosen member, with the same names for every member.
    pub c: String,
}

impl Member {
    /// Operations that depend on x.
    pub fn ops(&self) -> usize {
        self.program.cost()
    }

    /// Whether the compiled program was checked ([`Member::verification`]).
    pub fn is_verified(&self) -> bool {
        self.verification.is_some()
    }

    /// The verified maximum error, or the training error when not verified.
    pub fn error(&self) -> f64 {
        self.verification
            .as_ref()
            .map_or(self.train_error, |v| v.max_error)
    }
}

/// The result of an evolution: the Pareto front in cost against error, its chosen member,
/// and how the search went.
#[derive(Debug, Clone)]
pub struct Front {
    /// The session name: the block's name, or `<target>_<precision>` for `physc evolve`.
    pub name: String,
    /// What was run.
    pub config: EvolveConfig,
    /// Non-dominated in (cost, error), cheapest first.
    pub members: Vec<Member>,
    /// Index into `members` of the chosen program: the most accurate verified one (the
    /// cheaper on a tie).
    pub best: usize,
    /// The search: generations, fits, duplicates saved, seconds.
    pub stats: Stats,
    /// The names of the seeds (the first generation), which [`Member::seed`] refers to.
    pub seeds: Vec<String>,
    /// Final verification (and f32 tuning), in seconds.
    pub verify_seconds: f64,
    /// The whole run, in seconds.
    pub total_seconds: f64,
    /// The caller's cancel token stopped the search (and verification beyond the members
    /// always verified) early. Not an error: the front holds what was found.
    pub cancelled: bool,
    /// `report.json`, as it was at the end of the run.
    pub report: serde_json::Value,
}

/// When the work of a run went.
pub(super) struct Timing {
    pub stats: Stats,
    pub verify_seconds: f64,
    pub total_seconds: f64,
}

/// The front of a run from its verified members: names, descriptions, source code, report.
pub(super) fn assemble(
    name: &str,
    config: &EvolveConfig,
    checked: Vec<Checked>,
    best: usize,
    timing: Timing,
    cancelled: bool,
) -> Front {
    let p = config.precision;
    let base = config.base_name();
    let c_name = format!("physc_{}", base.trim_end_matches(&format!("_{}", p.name())));
    let seeds: Vec<String> = search::seeds(config).into_iter().map(|s| s.name).collect();
    let members = checked
        .into_iter()
        .map(|m| {
            let program = m.individual.program;
            let description =
                output::describe(program.cost(), m.individual.error, m.verified.as_ref(), p);
            // The comment of the emitted Rust and C.
            let comment = format!(
                "{} on [{}, {}]: {description}",
                config.target.name(),
                config.range.0,
                config.range.1
            );
            let name = format!("{base}_{}ops", program.cost());
            let phys_body = emit::phys_body(&program);
            Member {
                phys: format!("fn {name}(x) = {phys_body}"),
                rust: emit::rust(&program, &base, p, &comment),
                c: emit::c(&program, &c_name, p, &comment),
                name,
                phys_body,
                cost: m.individual.cost,
                train_error: m.individual.error,
                verification: m.verified,
                tuning: m.tuning,
                seed: seeds.get(m.individual.origin).cloned(),
                description,
                program,
            }
        })
        .collect();
    let mut front = Front {
        name: name.to_string(),
        config: config.clone(),
        members,
        best,
        stats: timing.stats,
        seeds,
        verify_seconds: timing.verify_seconds,
        total_seconds: timing.total_seconds,
        cancelled,
        report: serde_json::Value::Null,
    };
    front.report = output::report(&front);
    front
}

impl Front {
    /// The chosen program.
    pub fn best_member(&self) -> &Member {
        &self.members[self.best]
    }

    /// The files of `physc evolve` and `evolve` blocks, in `dir` (created if missing):
    /// `front.csv`, `front.png`, `evolved.phys`, `best.rs`, `best.c`, `report.json`.
    pub fn write(&self, dir: &Path) -> Result<(), JobError> {
        output::write(self, dir).map_err(JobError::Output)
    }

    /// What a person reads at the end of a run (one line per member; the CLI prints it to
    /// stderr).
    pub fn summary(&self) -> String {
        output::summary(self)
    }
}
