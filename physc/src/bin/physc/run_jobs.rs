//! `physc run`, `physc discover` and `physc evolve`: the arguments mapped onto the library's
//! options and configurations, each job run through `physc_jobs`, its result written to
//! its folder `OUT/<target>/<folder>/` (with a warning when that replaces another job's
//! results) and its summary shown, and a job's error turned into a diagnostic on its
//! block. The other commands (check, fmt, show) and the argument definitions are in `cli.rs`;
//! what each process of a run under `mpirun` does is in `distributed.rs`.

use crate::cli::{report, CostArg, Derivative, DiscoverArgs, EvolveArgs, PrecisionArg, RunArgs};
use crate::distributed;
use crate::progress::{cancel_on_ctrl_c, TerminalProgress};
use physc_compiler::check::{Job, JobKind};
use physc_compiler::diagnostics::{Code, Diagnostic};
use physc_compiler::driver::{self, Compilation};
use physc_compiler::source::Span;
use physc_jobs::folder::JobOwner;
use physc_jobs::JobResult;
use physc_runtime::comm::{single_process, Communicator};
use std::path::Path;
use std::sync::Arc;

pub(crate) fn run(args: &RunArgs, colour: bool) -> bool {
    // Held until the jobs are done: dropping the MPI communicator finalises MPI.
    let comm = match distributed::communicator() {
        Ok(comm) => comm,
        Err(why) => {
            eprintln!("error: {why}");
            return false;
        }
    };
    if let Err(why) = physc_jobs::device::check(args.device) {
        eprintln!("error: cannot use --device {}: {why}", args.device);
        return false;
    }
    // The job runs on one of the pool's threads, so each parallel step wakes the other
    // threads only, not the pool and then the waiting main thread as well.
    let pool = rayon::ThreadPoolBuilder::new()
        // 0 lets rayon choose (all cores); --threads 0 means one, as for the other jobs.
        .num_threads(args.threads.map_or(0, |t| t.max(1)))
        .build();
    match pool {
        Ok(pool) => pool.install(|| run_on_pool(args, colour, &comm)),
        Err(_) => run_on_pool(args, colour, &comm),
    }
}

fn run_on_pool(args: &RunArgs, colour: bool, comm: &Arc<dyn Communicator>) -> bool {
    let compilation: Compilation = driver::compile_file(&args.file);
    let mut diags = compilation.diagnostics.clone();
    // Under mpirun every rank compiles the file; rank 0 speaks for them.
    if comm.is_root() {
        report(&diags.clone().sorted(), &compilation.sources, colour);
    }
    if compilation.has_errors() {
        return false;
    }
    let arguments = (&args.seed, &args.seeds, &args.max_steps, &args.resume);
    if !distributed::ranks_agree(comm.as_ref(), &compilation, &arguments) {
        eprintln!(
            "error: the {} ranks of this run read different files or were given different \
             seeds or options (rank {} differs from some other)\n  = help: start every rank \
             with the same command on the same files",
            comm.size(),
            comm.rank()
        );
        return false;
    }
    diags = physc_compiler::diagnostics::Diagnostics::new();
    if compilation.program.jobs.is_empty() {
        let span = compilation
            .modules
            .first()
            .map(|m| Span::new(m.file, 0..0))
            .unwrap_or_default();
        diags.push(
            Diagnostic::new(Code::NoJob, span, "this file has no job to run", "")
                .with_help("add a `train`, `simulate`, `discover` or `evolve` block"),
        );
    }
    let seeds: Vec<Option<u64>> = match &args.seeds {
        Some(seeds) => seeds.clone().map(Some).collect(),
        None => vec![args.seed],
    };
    // Every run: each job once per seed, in order.
    let jobs = &compilation.program.jobs;
    let runs: Vec<(Option<u64>, &Job)> = seeds
        .iter()
        .flat_map(|&seed| jobs.iter().map(move |job| (seed, job)))
        .collect();
    // Under mpirun several runs are dealt out to the ranks, each run on one rank alone; a
    // single run is shared by them (training shares its points, evolution is an island
    // model).
    let (runs, comm) = if comm.size() > 1 && runs.len() > 1 {
        (distributed::my_turns(runs, comm.as_ref()), single_process())
    } else {
        (runs, comm.clone())
    };
    let mut announced = None;
    for (seed, job) in runs {
        // Ctrl-C stops the runs: the one it interrupted keeps its results, no other starts.
        if cancel_on_ctrl_c().is_cancelled() {
            break;
        }
        let out_dir = match (&args.seeds, seed) {
            (Some(_), Some(s)) => args.out.join(format!("seed-{s}")),
            _ => args.out.clone(),
        };
        if args.seeds.is_some() && !args.quiet && announced != Some(seed) {
            eprintln!(
                "seed {}: results in {}",
                seed.unwrap_or(0),
                out_dir.display()
            );
            announced = Some(seed);
        }
        run_job(args, &compilation, job, (out_dir, seed), &comm, &mut diags);
    }
    if comm.is_root() {
        report(&diags.clone().sorted(), &compilation.sources, colour);
    }
    !diags.has_errors()
}

/// `A..B` with A < B, both whole numbers.
pub(crate) fn parse_seed_range(text: &str) -> Result<std::ops::Range<u64>, String> {
    let bad =
        || format!("`{text}` is not a range of seeds: write A..B, as in 0..5 for seeds 0 to 4");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let (a, b): (u64, u64) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a >= b {
        return Err(format!(
            "`{text}` holds no seed: the end is excluded, so write {a}..{}",
            a + 1
        ));
    }
    Ok(a..b)
}

/// One job of the file, with results under `out_dir` and `seed` overriding the job's. With
/// several ranks, a training job runs on all of them (sharing its points), an evolution on
/// all of them (one island each), other jobs on rank 0; rank 0 alone writes, shows progress
/// and checkpoints.
fn run_job(
    args: &RunArgs,
    compilation: &Compilation,
    job: &Job,
    (out_dir, seed): (std::path::PathBuf, Option<u64>),
    comm: &Arc<dyn Communicator>,
    diags: &mut physc_compiler::diagnostics::Diagnostics,
) {
    let root = comm.is_root();
    let quiet = args.quiet || !root;
    let options = physc_jobs::RunOptions {
        out_dir,
        source_dir: args
            .file
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default(),
        seed,
        resume: args.resume,
        max_steps: args.max_steps,
        device: args.device,
        checkpoints: root,
        progress: std::sync::Arc::new(TerminalProgress::new(quiet)),
        cancel: cancel_on_ctrl_c(),
        communicator: comm.clone(),
    };
    let dir = physc_jobs::output_dir(job, &options);
    let claimed = claim_together(&dir, &JobOwner::of(job, &args.file), comm.as_ref());
    let result = if claimed.is_err() {
        claimed
    } else if root {
        physc_jobs::run_job(&compilation.program, job, &options)
            .and_then(|done| write_and_show(done, &dir, quiet))
    } else if matches!(job.kind, JobKind::Train | JobKind::Evolve) {
        // The same training or search as rank 0's, sharing its work; rank 0 writes.
        physc_jobs::run_job(&compilation.program, job, &options).map(drop)
    } else {
        Ok(())
    };
    if let Err(e) = result {
        diags.push(job_diagnostic(job, e));
    }
}

pub(crate) fn discover(args: &DiscoverArgs) -> bool {
    use physc_jobs::discover::config::{self, Config};
    // Discovery runs in one process: under mpirun, rank 0 runs it and the others stop.
    let comm = match distributed::communicator() {
        Ok(comm) => comm,
        Err(why) => {
            eprintln!("error: {why}");
            return false;
        }
    };
    if !comm.is_root() {
        return true;
    }
    use physc_runtime::sindy::derivative::Method;
    let defaults = Config::default();
    let regression = match discover_regression(args, &defaults.regression) {
        Ok(regression) => regression,
        Err(why) => {
            eprintln!("error: {why}");
            return false;
        }
    };
    let derivative = match args.derivative {
        None => match defaults.derivative {
            Method::Weak { .. } => config::weak_form(args.window, args.order),
            Method::SavitzkyGolay { .. } => config::savitzky_golay(args.window, args.order),
            other => other,
        },
        Some(Derivative::Fd) => Method::FiniteDifference,
        Some(Derivative::Savgol) => config::savitzky_golay(args.window, args.order),
        Some(Derivative::Tv) => config::total_variation(None),
        Some(Derivative::Weak) => config::weak_form(args.window, args.order),
    };
    let mut config = Config::for_files(args.data.clone())
        .with_library(args.degree, args.trig)
        .with_derivative(derivative);
    config.regression = regression;
    if let Some(name) = &args.name {
        config.name = name.clone();
    }
    config.time = args.time.clone();
    config.space = args.space.clone();
    config.vars = args.vars.clone();
    config.noise = args.noise;
    config.seed = args.seed;
    let options = physc_jobs::RunOptions {
        out_dir: args.out.clone(),
        progress: std::sync::Arc::new(TerminalProgress::new(args.quiet)),
        cancel: cancel_on_ctrl_c(),
        ..Default::default()
    };
    let dir = args.out.join(&config.name).join("discover");
    let data = args.data.first().cloned().unwrap_or_default();
    let owner = JobOwner::new(&format!("discover {}", config.name), &data);
    let written = claim(&dir, &owner)
        .and_then(|()| physc_jobs::discover::discover(&config, None, &options))
        .and_then(|done| write_and_show(done.map(JobResult::from), &dir, args.quiet));
    match written {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot discover equations: {e}");
            false
        }
    }
}

/// The regression `physc discover`'s flags ask for. `--threshold auto`, `--scale` and
/// `--ensemble` are STLSQ's: without `--method` they choose it; otherwise the default
/// method (`default`) takes `--threshold` as its own.
fn discover_regression(
    args: &DiscoverArgs,
    default: &physc_jobs::discover::config::Regression,
) -> Result<physc_jobs::discover::config::Regression, String> {
    use crate::cli::SparseMethod;
    use physc_jobs::discover::config::{self, Regression, Threshold};
    let threshold = match args.threshold.as_deref().map(str::parse).transpose() {
        Ok(threshold) => threshold,
        Err(config::ThresholdError(text)) => {
            return Err(format!(
                "--threshold takes a number ≥ 0 or `auto`, not `{text}`"
            ))
        }
    };
    let stlsq_only = matches!(threshold, Some(Threshold::Auto))
        || args.scale.is_some()
        || args.ensemble.is_some();
    let method = args.method.unwrap_or(match default {
        Regression::Sbl { .. } if !stlsq_only => SparseMethod::Sbl,
        _ => SparseMethod::Stlsq,
    });
    match method {
        SparseMethod::Sbl if stlsq_only => Err(
            "--threshold auto, --scale and --ensemble are STLSQ's: use them with --method stlsq"
                .into(),
        ),
        SparseMethod::Sbl => Ok(config::sparse_bayesian(match threshold {
            Some(Threshold::Value(v)) => Some(v),
            _ => None,
        })),
        SparseMethod::Stlsq => {
            let Regression::Stlsq {
                threshold: default_threshold,
                relative: default_relative,
                ..
            } = config::least_squares()
            else {
                unreachable!("least_squares is STLSQ")
            };
            Ok(Regression::Stlsq {
                threshold: threshold.unwrap_or(default_threshold),
                ridge: 0.0,
                ensemble: args.ensemble.filter(|n| *n > 1),
                relative: args
                    .scale
                    .map_or(default_relative, |s| s == crate::cli::Scale::Relative),
            })
        }
    }
}

/// A job's result written to `dir` and its summary shown (unless quiet); then the error
/// that stopped it early, if one did: results are written before an error is reported.
fn write_and_show(
    done: physc_jobs::Completed<physc_jobs::JobResult>,
    dir: &std::path::Path,
    quiet: bool,
) -> Result<(), physc_jobs::JobError> {
    done.result.write(dir)?;
    if !quiet {
        let summary = done.result.summary(Some(dir));
        let line_end = if summary.ends_with('\n') { "" } else { "\n" };
        // Training's summary is its report (stdout); the others are notes beside the
        // files (stderr), as they always were.
        if matches!(done.result, physc_jobs::JobResult::Trained(_)) {
            print!("{summary}{line_end}");
        } else {
            eprint!("{summary}{line_end}");
        }
    }
    // The library's message says why a simulation stopped; only here were its results
    // written.
    let simulated = matches!(done.result, physc_jobs::JobResult::Simulated(_));
    done.stopped.map_or(Ok(()), |e| {
        Err(match e {
            physc_jobs::JobError::Failed(why) if simulated => {
                physc_jobs::JobError::Failed(format!("{why}; results up to there were written"))
            }
            other => other,
        })
    })
}

/// Rank 0 claims `dir` for `owner` ([`claim`]); `Err` on every rank when it could not, so
/// that no rank starts a job whose first collective the others would wait in forever.
fn claim_together(
    dir: &Path,
    owner: &JobOwner,
    comm: &dyn Communicator,
) -> Result<(), physc_jobs::JobError> {
    let claimed = match comm.is_root() {
        true => claim(dir, owner),
        false => Ok(()),
    };
    match comm.any(claimed.is_err()) && claimed.is_ok() {
        true => Err(physc_jobs::JobError::Output(format!(
            "rank 0 could not claim {}",
            dir.display()
        ))),
        false => claimed,
    }
}

/// Make `dir` `owner`'s before the job writes there (training writes checkpoints as it
/// goes), and warn when it held another job's results, which this job's replace.
fn claim(dir: &Path, owner: &JobOwner) -> Result<(), physc_jobs::JobError> {
    if let Some(previous) = physc_jobs::folder::claim(dir, owner)? {
        eprintln!(
            "warning: `{}` holds the results of {previous}; `{}` replaces them (a `folder \"name\"` setting in the job block keeps both)",
            dir.display(),
            owner.job
        );
    }
    Ok(())
}

/// `physc evolve`: the flags mapped onto the configuration an `evolve` block gives, run by
/// the same code; the files go to OUT/<target>_<precision>/evolve/ and the summary to
/// stderr.
pub(crate) fn evolve(args: &EvolveArgs) -> bool {
    use physc_jobs::evolve::{
        self, config, Budget, CostKind, EvolveConfig, EvolveTarget, Precision,
    };
    // Under mpirun: an island model over the ranks, rank 0 writing.
    let comm = match distributed::communicator() {
        Ok(comm) => comm,
        Err(why) => {
            eprintln!("error: {why}");
            return false;
        }
    };
    if let Some(threads) = args.threads {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global();
    }
    let Some(range) = config::parse_range(&args.range) else {
        eprintln!("error: --range must be A:B with two numbers, e.g. --range 0:1 or --range=-1:1");
        return false;
    };
    let mut config = EvolveConfig::new(EvolveTarget::Builtin(args.target.clone()), range);
    config.precision = match args.precision {
        PrecisionArg::F32 => Precision::F32,
        PrecisionArg::F64 => Precision::F64,
    };
    config.ops = match &args.ops {
        Some(names) => match config::ops_named(names) {
            Ok(ops) => ops,
            Err(why) => {
                eprintln!("error: --ops: {why}");
                return false;
            }
        },
        None => config::default_ops(args.fma),
    };
    config.budget = Budget {
        minutes: Some(args.minutes),
        generations: args.generations,
        evaluations: args.evaluations,
    };
    config.cost = match args.cost {
        CostArg::Ops => CostKind::Ops,
        CostArg::Measured => CostKind::Measured,
    };
    config.population = args.population;
    config.max_ops = args.max_ops;
    config.seed = args.seed;
    if !distributed::ranks_agree_on(comm.as_ref(), &format!("{config:?}")) {
        eprintln!(
            "error: the {} ranks of this evolution were given different options (rank {} \
             differs from some other)\n  = help: start every rank with the same command",
            comm.size(),
            comm.rank()
        );
        return false;
    }
    let root = comm.is_root();
    let options = physc_jobs::RunOptions {
        progress: std::sync::Arc::new(TerminalProgress::new(args.quiet || !root)),
        cancel: cancel_on_ctrl_c(),
        communicator: comm.clone(),
        ..Default::default()
    };
    let name = config.base_name();
    let dir = args.out.join(&name).join("evolve");
    let owner = JobOwner::new(&format!("evolve {name}"), Path::new("the command line"));
    let finished = claim_together(&dir, &owner, comm.as_ref())
        .and_then(|()| evolve::run_config(&name, &config, &options))
        .and_then(|done| match root {
            true => write_and_show(done.map(JobResult::from), &dir, args.quiet),
            false => Ok(()),
        });
    match finished {
        Ok(()) => true,
        Err(e) => {
            if root {
                eprintln!("error: evolve {name}: {e}");
            }
            false
        }
    }
}

fn job_diagnostic(job: &physc_compiler::check::Job, error: physc_jobs::JobError) -> Diagnostic {
    use physc_jobs::JobError;
    let kind = job.kind.keyword();
    match error {
        JobError::NotImplemented => Diagnostic::new(
            Code::NotImplemented,
            job.span,
            format!("running `{kind}` jobs is not implemented yet"),
            "this job",
        )
        .with_note("the file is valid; `physc check` and `physc show` work on it"),
        JobError::NotSupported(why) => Diagnostic::new(
            Code::NotSupported,
            job.span,
            format!("cannot {kind} `{}`: {why}", job.target),
            "this job",
        ),
        JobError::Failed(why) => Diagnostic::new(
            Code::JobFailed,
            job.span,
            format!("`{kind} {}` failed: {why}", job.target),
            "this job",
        ),
        JobError::Output(why) => Diagnostic::new(
            Code::OutputFailed,
            job.span,
            format!(
                "results of `{kind} {}` could not be written: {why}",
                job.target
            ),
            "this job",
        ),
    }
}
