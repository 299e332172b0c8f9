//! `evolve`: AutoNumerics-style search for fast approximations of a function of one
//! variable on an interval — straight-line programs over `+ − × ÷ fma sqrt` whose constants
//! are fitted toward minimax, evolved for error against cost, verified with the compiled
//! code (exhaustively for f32), and written out as `.phys`, Rust and C.
//!
//! `config.rs` (settings from a block or the command line), `target.rs` (the f64 reference),
//! `ir.rs` (programs to and from the IR), `dedup.rs` (canonical shapes by e-graph, value
//! fingerprints), `search.rs` (regularised evolution with a Pareto archive), `verify.rs`
//! (Cranelift kernels: exhaustive and dense checks, measured cost), `emit.rs` (source
//! code), `output.rs` (the files). Program evaluation, fitting and ULP arithmetic are the
//! runtime's (`physc_runtime::evolve`), compiled optimised even in debug builds.
//!
//! Measured by `bench/evolve` (2026-11-29 18:22 UTC, 2 loaded cores, 6 + 3 + 1 + 1 minutes):
//! `RESULT evolve f32_exp_max_ulp=1.0579 f32_exp_ops=6 f64_exp_digits=10.42 evals_per_s=195`.
//! f64 exp with `+ − × ÷` in 10 ops: 3.79e-11, from the *seeded* continued fraction of exp
//! squared twice (`R⁴`, `R = (U + x)/(U − x)`, `U = b + x²/(c + d·x²)`), constants fitted;
//! evolution found nothing better. f32 exp with fma at 6 ops (Horner, seed `horner6_fma`):
//! 1.0579 ULP over every float, from the rounding-aware final fit (1.1452 before it); 0.953
//! at 7 ops. The 0.896 ULP reference is out of reach for e^x in that shape (the roundings
//! alone cost 0.987 near x = ln 2; see `physc_runtime::evolve::fit`); it is the figure for
//! 2^x, which the same search reaches at 6 ops: 0.8794 ULP (`evolve exp2`).

pub mod config;
mod dedup;
mod emit;
pub mod ir;
mod output;
pub mod search;
pub mod target;
pub mod verify;

use super::{JobError, RunOptions};
use config::{Budget, CostKind, EvolveConfig, Precision};
use physc_compiler::check::Job;
use physc_runtime::evolve::fit::FINAL_SCORE_POINTS;
use physc_runtime::evolve::{Effort, Metric, Problem};
use rayon::prelude::*;
use search::{Archive, Individual, Stats};
use std::time::Instant;
use target::Reference;
use verify::{Tuning, Verified};

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

/// One member of the final front, verified.
#[derive(Debug, Clone)]
pub struct Member {
    pub individual: Individual,
    /// `None` when the time for verification ran out before this member.
    pub verified: Option<Verified>,
    /// f32: what tuning the constants against exhaustive scans did (the individual holds
    /// the tuned program).
    pub tuning: Option<Tuning>,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub front: Vec<Member>,
    /// Index into `front` of the chosen program.
    pub best: usize,
    pub stats: Stats,
    pub verify_seconds: f64,
    pub total_seconds: f64,
}

/// Run an `evolve` block; results go to `<out>/<session name>/`.
pub fn run(job: &Job, options: &RunOptions) -> Result<(), JobError> {
    let config = EvolveConfig::from_job(job, options.seed).map_err(JobError::NotSupported)?;
    run_config(&job.target, &config, options).map(|_| ())
}

/// Run a configuration (the block and `physc evolve` both end here).
pub fn run_config(
    name: &str,
    config: &EvolveConfig,
    options: &RunOptions,
) -> Result<Outcome, JobError> {
    config.validate().map_err(JobError::NotSupported)?;
    let start = Instant::now();
    let reference = Reference::new(&config.target).map_err(JobError::NotSupported)?;
    let metric = match config.precision {
        Precision::F32 => Metric::Ulp32,
        Precision::F64 => Metric::Relative,
    };
    let problem =
        Problem::new(metric, config.range, &|x| reference.at(x)).map_err(JobError::NotSupported)?;
    let dir = options.out_dir.join(name);
    let precision = config.precision;
    let range = config.range;
    let cost = move |p: &physc_runtime::evolve::Program| match config.cost {
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
    let (archive, stats) = search::run(&problem, config, &budget, &cost, &mut |s, a| {
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
    });
    bar.finish();

    // Final fits, harder and scored on more points, from where search left each member.
    let dense = Problem::with_score_points(
        metric,
        config.range,
        &|x| reference.at(x),
        FINAL_SCORE_POINTS,
    )
    .map_err(JobError::NotSupported)?;
    let refit: Vec<Individual> = archive
        .members
        .par_iter()
        .map(|m| {
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
        })
        .collect();
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
    let results = verify_front(&front, config, &reference, verify_budget)?;
    let verify_seconds = verify_start.elapsed().as_secs_f64();
    let best = choose(&results);
    let outcome = Outcome {
        front: results,
        best,
        stats,
        verify_seconds,
        total_seconds: start.elapsed().as_secs_f64(),
    };
    output::write(&dir, name, config, &outcome).map_err(JobError::Output)?;
    if !options.quiet {
        output::summary(name, config, &outcome);
    }
    Ok(outcome)
}

/// The output directory name of `physc evolve` (`exp_f32`).
pub fn output_name(config: &EvolveConfig) -> String {
    output::base_name(config)
}

/// A job error in words, for the command line.
pub fn describe(e: &JobError) -> String {
    match e {
        JobError::NotImplemented => "not implemented".into(),
        JobError::NotSupported(why) | JobError::Failed(why) => why.clone(),
        JobError::Output(why) => format!("results could not be written: {why}"),
    }
}

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
/// left), a dense grid for f64.
fn verify_front(
    front: &Archive,
    config: &EvolveConfig,
    reference: &Reference,
    seconds: Option<f64>,
) -> Result<Vec<Member>, JobError> {
    let start = Instant::now();
    let mut order: Vec<usize> = (0..front.members.len()).collect();
    order.sort_by(|&a, &b| front.members[a].error.total_cmp(&front.members[b].error));
    let mut members: Vec<Member> = front
        .members
        .iter()
        .map(|m| Member {
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
            && (super::progress::interrupted()
                || seconds.is_some_and(|s| start.elapsed().as_secs_f64() > s))
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
                    !super::progress::interrupted()
                        && share
                            .is_none_or(|s| member_start.elapsed().as_secs_f64() + scan_seconds < s)
                };
                let (program, v, tuning) = verify::tune_exhaustive(
                    &m.individual.program,
                    config.range,
                    reference,
                    proxy,
                    TUNE_ROUNDS,
                    &more,
                    &mut rng,
                )
                .map_err(JobError::Failed)?;
                m.individual.program = program;
                m.verified = Some(v);
                m.tuning = Some(tuning);
            }
            _ => {
                let v = verify::dense(
                    &m.individual.program,
                    config.precision,
                    config.range,
                    reference,
                )
                .map_err(JobError::Failed)?;
                m.verified = Some(v);
            }
        }
    }
    Ok(members)
}

/// The most accurate verified member (the cheaper one on a tie).
fn choose(front: &[Member]) -> usize {
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
