//! `evolve`: AutoNumerics-style search for fast approximations of a function of one
//! variable on an interval — straight-line programs over `+ − × ÷ fma sqrt` whose constants
//! are fitted toward minimax, evolved for error against cost, verified with the compiled
//! code (exhaustively for f32), and written out as `.phys`, Rust and C.
//!
//! A library call: [`run_config`] (or [`run`] for a block) returns the verified front in
//! memory as a [`Front`]; writing its files ([`Front::write`]) and its summary
//! ([`Front::summary`]) are the caller's choice. Progress goes to the caller's
//! `RunOptions::progress`, cancellation comes from its `RunOptions::cancel`.
//!
//! Under MPI (`RunOptions::communicator` with several ranks) the search is an island model
//! and every rank returns the same verified front (`islands.rs`); the caller writes it once.
//!
//! `config.rs` (settings from a block, the command line or a caller), `target.rs` (the f64
//! reference), `ir.rs` (programs to and from the IR), `seen.rs` (canonical shapes by
//! e-graph, value fingerprints), `search.rs` (regularised evolution with a Pareto archive),
//! `islands.rs` (the search spread over ranks),
//! `verify.rs` (Cranelift kernels: exhaustive and dense checks, measured cost), `emit.rs`
//! (source code), `front.rs` (the result), `output.rs` (its files, report and summary).
//! Program evaluation, fitting and ULP arithmetic are the runtime's
//! (`physc_runtime::straight_line`), compiled optimised even in debug builds.
//!
//! Measured by `bench/evolve` (2026-11-29 18:22 UTC, 2 loaded cores, 6 + 3 + 1 + 1 minutes):
//! `RESULT evolve f32_exp_max_ulp=1.0579 f32_exp_ops=6 f64_exp_digits=10.42 evals_per_s=195`.
//! f64 exp with `+ − × ÷` in 10 ops: 3.79e-11, from the *seeded* continued fraction of exp
//! squared twice (`R⁴`, `R = (U + x)/(U − x)`, `U = b + x²/(c + d·x²)`), constants fitted;
//! evolution found nothing better. f32 exp with fma at 6 ops (Horner, seed `horner6_fma`):
//! 1.0579 ULP over every float, from the rounding-aware final fit (1.1452 before it); 0.953
//! at 7 ops. The 0.896 ULP reference is out of reach for e^x in that shape (the roundings
//! alone cost 0.987 near x = ln 2; see `physc_runtime::straight_line::fit`); it is the figure for
//! 2^x, which the same search reaches at 6 ops: 0.8794 ULP (`evolve exp2`).

pub mod config;
mod emit;
mod front;
pub mod ir;
mod islands;
mod output;
pub mod search;
mod seen;
pub mod target;
pub mod verify;

pub use config::{Budget, CostKind, EvolveConfig, EvolveTarget, Precision};
pub use front::{Front, Member};
pub use search::Stats;
pub use verify::{Tuning, Verified};

use super::progress::CancelToken;
use super::{Completed, JobError, RunOptions};
use physc_compiler::check::Job;
use physc_runtime::comm::Communicator;
use physc_runtime::straight_line::fit::FINAL_SCORE_POINTS;
use physc_runtime::straight_line::{Effort, Metric, Problem};
use search::{Archive, Individual};
use std::time::Instant;
use target::Reference;

/// Share of a time budget the search gets; the rest is for final fits and verification
/// (for f32, verification includes tuning the constants against exhaustive scans, which
/// is worth more than the last minutes of search).
fn search_share(p: Precision) -> f64 {
    match p {
        Precision::F32 => 0.5,
        Precision::F64 => 0.8,
    }
}

/// Rounding-aware tunings per f32 member (each followed by an exhaustive scan) when time
/// allows.
const TUNE_ROUNDS: usize = 3;
/// Evenly spread proxy points for tuning (hard points from scans are added).
const TUNE_PROXY_POINTS: usize = 1 << 16;

/// One member of the final front as verification leaves it (the search's individual, its
/// verification and tuning); [`Front`] adds the source code.
#[derive(Debug, Clone)]
struct Checked {
    individual: Individual,
    /// `None` when the time for verification ran out before this member.
    verified: Option<Verified>,
    /// f32: what tuning the constants against exhaustive scans did (the individual holds
    /// the tuned program).
    tuning: Option<Tuning>,
}

/// Run an `evolve` block: its name is the job's target, `options.seed` overrides its seed.
/// Nothing is written ([`Front::write`] does that).
pub fn run(job: &Job, options: &RunOptions) -> Result<Completed<Front>, JobError> {
    let settings = job
        .settings
        .evolve()
        .ok_or_else(|| JobError::NotSupported(format!("`{}` is not an evolve job", job.target)))?;
    let config = EvolveConfig::from_settings(settings, options.seed);
    config.validate().map_err(JobError::NotSupported)?;
    run_config(&job.target, &config, options)
}

/// Run a configuration (the block, `physc evolve` and library callers all end here) under
/// the session name `name` (`exp_f32` for `physc evolve`: [`EvolveConfig::base_name`]).
///
/// `Err` when it cannot start (an invalid configuration, a target that is not finite over
/// the range) or when no candidate had a finite error. Cancelling `options.cancel` stops the
/// search after its current generation and verification after the few members always
/// verified; that is not an error ([`Front::cancelled`] says it happened). A member whose
/// verification fails (its kernel does not compile) stops verification: the front so far
/// comes back with the error in `stopped`.
pub fn run_config(
    name: &str,
    config: &EvolveConfig,
    options: &RunOptions,
) -> Result<Completed<Front>, JobError> {
    config.validate().map_err(JobError::NotSupported)?;
    let start = Instant::now();
    let reference = Reference::new(&config.target).map_err(JobError::NotSupported)?;
    let metric = match config.precision {
        Precision::F32 => Metric::Ulp32,
        Precision::F64 => Metric::Relative,
    };
    let problem =
        Problem::new(metric, config.range, &|x| reference.at(x)).map_err(JobError::NotSupported)?;
    let precision = config.precision;
    let range = config.range;
    let cost = move |p: &physc_runtime::straight_line::Program| match config.cost {
        CostKind::Ops => p.cost() as f64,
        CostKind::Measured => verify::measured_ns(p, precision, range).unwrap_or(f64::INFINITY),
    };
    let budget = Budget {
        minutes: config
            .budget
            .minutes
            .map(|m| m * search_share(config.precision)),
        ..config.budget
    };
    let bar = super::progress::time_bar(
        &format!("evolve {name}"),
        (0.0, budget.minutes.map_or(1.0, |m| m * 60.0)),
        &*options.progress,
    );
    let unit = unit(config.precision);
    let comm = options.communicator.as_ref();
    let (archive, stats) = search::run(
        &problem,
        config,
        &budget,
        &cost,
        (&options.cancel, comm),
        &mut |s, a| {
            bar.update(s.seconds);
            let best = a
                .members
                .iter()
                .map(|m| m.error)
                .fold(f64::INFINITY, f64::min);
            bar.message(format!(
                "gen {} · {} fits · best {best:.3e} {unit} · front {}",
                s.generations,
                s.evaluations,
                a.members.len()
            ));
        },
    );
    bar.finish();

    // Final fits, harder and scored on more points, from where search left each member.
    let dense = Problem::with_score_points(
        metric,
        config.range,
        &|x| reference.at(x),
        FINAL_SCORE_POINTS,
    )
    .map_err(JobError::NotSupported)?;
    let refit: Vec<Individual> = islands::shared_map(comm, &archive.members, |m| {
        let before = dense.score(&m.program, &m.program.consts);
        let (program, error) = dense.fit(&m.program, Effort::FINAL);
        // f32: judged by the rounding model, which predicts the maximum over every
        // float; a sample's maximum misses where roundings add up.
        let better = match config.precision {
            Precision::F32 => {
                dense.rounding_model(&program, &program.consts)
                    < dense.rounding_model(&m.program, &m.program.consts)
            }
            Precision::F64 => error < before,
        };
        if better {
            Individual {
                cost: cost(&program),
                program,
                error,
                origin: m.origin,
            }
        } else {
            Individual {
                error: before,
                ..m.clone()
            }
        }
    });
    let mut front = Archive::default();
    for m in &refit {
        front.admit(m);
    }
    if front.members.is_empty() {
        return Err(JobError::Failed(
            "no candidate had a finite error over the range".into(),
        ));
    }
    let verify_start = Instant::now();
    let verify_budget = config
        .budget
        .minutes
        .map(|m| (m * 60.0 * (1.0 - search_share(config.precision))).max(1.0));
    let (checked, stopped) = verify_front(
        &front,
        config,
        &reference,
        verify_budget,
        (&options.cancel, comm),
    );
    let verify_seconds = verify_start.elapsed().as_secs_f64();
    let best = choose(&checked);
    let front = front::assemble(
        name,
        config,
        checked,
        best,
        front::Timing {
            stats,
            verify_seconds,
            total_seconds: start.elapsed().as_secs_f64(),
        },
        options.cancel.is_cancelled(),
    );
    Ok(Completed {
        result: front,
        stopped,
    })
}

/// The unit of errors: f32 ULPs, or relative error for f64.
pub fn unit(p: Precision) -> &'static str {
    match p {
        Precision::F32 => "ULP",
        Precision::F64 => "rel",
    }
}

/// Members verified whatever the time budget says: the most accurate few, which are the
/// ones anybody compares (the best, and the next cheaper ones on the front).
const ALWAYS_VERIFIED: usize = 3;

/// Verify members, most accurate first, while the time allows (at least
/// [`ALWAYS_VERIFIED`]): every f32 in the range for f32 targets, after tuning the constants
/// against exhaustive scans (up to [`TUNE_ROUNDS`] rounds in an equal share of the time
/// left), a dense grid for f64. Stops early (after the ones always verified) when `cancel`
/// is cancelled, and at the first member that cannot be verified, returning that error with
/// the members so far. With several ranks every rank verifies the same members alike: the
/// scans are shared and every decision to go on is collective.
fn verify_front(
    front: &Archive,
    config: &EvolveConfig,
    reference: &Reference,
    seconds: Option<f64>,
    (cancel, comm): (&CancelToken, &dyn Communicator),
) -> (Vec<Checked>, Option<JobError>) {
    let start = Instant::now();
    let mut order: Vec<usize> = (0..front.members.len()).collect();
    order.sort_by(|&a, &b| front.members[a].error.total_cmp(&front.members[b].error));
    let mut members: Vec<Checked> = front
        .members
        .iter()
        .map(|m| Checked {
            individual: m.clone(),
            verified: None,
            tuning: None,
        })
        .collect();
    // Hard points found for one member are kept for the next: the same regions are hard.
    let mut proxy = (config.precision == Precision::F32)
        .then(|| verify::proxy(config.range, reference, TUNE_PROXY_POINTS));
    let mut rng = physc_runtime::rng::Rng::stream(config.seed, "tune");
    for (n, &i) in order.iter().enumerate() {
        if n >= ALWAYS_VERIFIED
            && comm.any(
                cancel.is_cancelled() || seconds.is_some_and(|s| start.elapsed().as_secs_f64() > s),
            )
        {
            break;
        }
        let m = &mut members[i];
        match (config.precision, proxy.as_mut()) {
            (Precision::F32, Some(proxy)) => {
                // An equal share of the time left among the members still to verify (the
                // ones verified whatever the time, at least).
                let left = seconds.map(|s| (s - start.elapsed().as_secs_f64()).max(0.0));
                let share = left.map(|l| l / ALWAYS_VERIFIED.saturating_sub(n).max(1) as f64);
                let member_start = Instant::now();
                // Another round (a tuning and a scan) if it fits in the share.
                let more = |scan_seconds: f64| {
                    let here = !cancel.is_cancelled()
                        && share.is_none_or(|s| {
                            member_start.elapsed().as_secs_f64() + scan_seconds < s
                        });
                    !comm.any(!here)
                };
                match verify::tune_exhaustive(
                    &m.individual.program,
                    config.range,
                    reference,
                    proxy,
                    TUNE_ROUNDS,
                    &more,
                    &mut rng,
                    comm,
                ) {
                    Ok((program, v, tuning)) => {
                        m.individual.program = program;
                        m.verified = Some(v);
                        m.tuning = Some(tuning);
                    }
                    Err(why) => return (members, Some(JobError::Failed(why))),
                }
            }
            _ => {
                match verify::dense(
                    &m.individual.program,
                    config.precision,
                    config.range,
                    reference,
                ) {
                    Ok(v) => m.verified = Some(v),
                    Err(why) => return (members, Some(JobError::Failed(why))),
                }
            }
        }
    }
    (members, None)
}

/// The most accurate verified member (the cheaper one on a tie).
fn choose(front: &[Checked]) -> usize {
    (0..front.len())
        .filter(|&i| front[i].verified.is_some())
        .min_by(|&a, &b| {
            let e = |i: usize| {
                front[i]
                    .verified
                    .as_ref()
                    .map_or(f64::INFINITY, |v| v.max_error)
            };
            e(a).total_cmp(&e(b)).then(
                front[a]
                    .individual
                    .cost
                    .total_cmp(&front[b].individual.cost),
            )
        })
        .unwrap_or(0)
}
