//! `physc run` under `mpirun`: with the `mpi` feature, two ranks train exactly as one
//! process does (the same loss.csv and checkpoint, byte for byte), a checkpoint written by
//! two ranks resumes on one and on two alike, a NaN stops every rank at the same step with
//! the results kept (and a rank started where the folder is not gets the checkpoint from
//! rank 0), a seed sweep and a file's several jobs are shared out with every run written,
//! ranks started on different files refuse to run, and `evolve` on two ranks is an island
//! model that a seed repeats, whose f32 verification splits the exhaustive scans. Without the feature, a launch by mpirun is refused with
//! how to build physc with it. The tests skip, saying so, where Open MPI's `mpirun` is
//! missing (CI installs it: `.ci/run`).

// Without the feature only the refusal test runs; the helpers wait for the feature.
#![cfg_attr(not(feature = "mpi"), allow(dead_code, unused_imports))]

mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::{report, scratch, SMALL_HEAT};

/// Whether Open MPI's launcher is on the PATH (these tests pass it Open MPI's options).
fn open_mpi() -> bool {
    let found = Command::new("mpirun")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("Open MPI"));
    if !found {
        eprintln!("skipped: Open MPI's mpirun is not on the PATH (apt-get install openmpi-bin)");
    }
    found
}

/// `mpirun -n RANKS physc ARGS…` in `dir` (several programs with `:` between them when
/// `args` holds `":"`). Open MPI refuses to start as root unless told, and `--oversubscribe`
/// lets two ranks share a machine with fewer free cores; waiting ranks yield the core.
fn mpirun(ranks: usize, args: &[&str], dir: &Path) -> Output {
    mpirun_command(ranks, args, dir)
        .output()
        .expect("mpirun runs")
}

/// The command [`mpirun`] runs, to start it without waiting.
fn mpirun_command(ranks: usize, args: &[&str], dir: &Path) -> Command {
    let physc = env!("CARGO_BIN_EXE_physc");
    let mut command = Command::new("mpirun");
    command.args(["--oversubscribe", "--mca", "mpi_yield_when_idle", "1"]);
    command.args(["-n", &ranks.to_string(), physc]);
    for a in args {
        if *a == ":" {
            command.args([":", "-n", "1", physc]);
        } else {
            command.arg(a);
        }
    }
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    command
}

fn single(args: &[&str], dir: &Path) -> Output {
    support::physc(args, dir)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn bytes(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Adam, then (when `quasi_newton` > 0) a self-scaled Broyden stage, whose line search
/// turns a last-bit difference in the gradient into a visible one within tens of steps.
fn heat_job(adam: usize, quasi_newton: usize) -> String {
    let then = match quasi_newton {
        0 => String::new(),
        n => format!(" then ssbroyden(steps: {n})"),
    };
    format!(
        "{SMALL_HEAT}train H {{\n  net mlp(width: 12, depth: 2)\n  points interior: 700, \
         initial: 64, boundary: 64\n  optimize adam(lr: 3e-3, steps: {adam}){then}\n  seed 3\n  \
         output grid: [11, 6], every: 50\n}}\n"
    )
}

#[cfg(feature = "mpi")]
#[test]
fn two_ranks_train_exactly_as_one_process() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "exact");
    write(&dir, "h.phys", &heat_job(150, 100));
    let args = |out: &'static str| ["run", "h.phys", "--threads", "1", "--quiet", "--out", out];
    let one = single(&args("one"), &dir);
    assert!(one.status.success(), "{}", stderr(&one));
    let two = mpirun(2, &args("two"), &dir);
    assert!(two.status.success(), "{}", stderr(&two));
    for file in ["loss.csv", "checkpoint.npz", "fields.npz"] {
        assert!(
            bytes(dir.join("one/H/train").join(file)) == bytes(dir.join("two/H/train").join(file)),
            "{file} differs between one process and two ranks"
        );
    }
    let r = report(&dir.join("two/H/train"));
    assert_eq!(r["steps"], 250, "{r}");
    assert_eq!(r["config"]["ranks"], 2, "{r}");
    assert_eq!(report(&dir.join("one/H/train"))["config"]["ranks"], 1);
}

#[cfg(feature = "mpi")]
#[test]
fn a_checkpoint_of_two_ranks_resumes_on_one_and_on_two_alike() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "resume");
    write(&dir, "h.phys", &heat_job(80, 60));
    let first = mpirun(
        2,
        &[
            "run",
            "h.phys",
            "--threads",
            "1",
            "--quiet",
            "--max-steps",
            "50",
            "--out",
            "a",
        ],
        &dir,
    );
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(report(&dir.join("a/H/train"))["steps"], 100);
    for copy in ["b", "c"] {
        let copied = Command::new("cp")
            .args(["-r", "a", copy])
            .current_dir(&dir)
            .status();
        assert!(copied.unwrap().success());
    }
    let resume = |out: &'static str| {
        [
            "run",
            "h.phys",
            "--threads",
            "1",
            "--quiet",
            "--resume",
            "--out",
            out,
        ]
    };
    let on_one = single(&resume("a"), &dir);
    assert!(on_one.status.success(), "{}", stderr(&on_one));
    let on_two = mpirun(2, &resume("b"), &dir);
    assert!(on_two.status.success(), "{}", stderr(&on_two));
    // Rank 1 started where the output folder is not (another node): rank 0 sends it the
    // checkpoint.
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    write(&elsewhere, "h.phys", &heat_job(80, 60));
    let physc = env!("CARGO_BIN_EXE_physc");
    let mut apart = mpirun_command(1, &resume("c"), &dir);
    apart
        .args([":", "-n", "1", "-wdir"])
        .arg(&elsewhere)
        .arg(physc);
    apart.args(resume("c"));
    let apart = apart.output().expect("mpirun runs");
    assert!(apart.status.success(), "{}", stderr(&apart));
    assert!(!elsewhere.join("c").exists(), "only rank 0 writes");
    // 50 + 50 steps, then the quasi-Newton stage's other 10 (Adam's stage had ended).
    assert_eq!(report(&dir.join("a/H/train"))["steps"], 110);
    for file in ["loss.csv", "checkpoint.npz"] {
        for other in ["b", "c"] {
            assert!(
                bytes(dir.join("a/H/train").join(file))
                    == bytes(dir.join(other).join("H/train").join(file)),
                "{file}: the continuation in {other} on two ranks differs from the one on one"
            );
        }
    }
}

#[cfg(feature = "mpi")]
#[test]
fn a_nan_stops_every_rank_at_the_same_step_and_keeps_the_results() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "nan");
    // log(u + 0.5) is NaN once training pulls u below −0.5 at some point (u starts near 0
    // and heads for −sin(πx)); its tiny factor leaves the training unchanged until then.
    let model = "model N {\n  space x in [0, 1]\n  time  t in [0, 1]\n  field u(x, t)\n  \
                 pde dt(u) = 0.1 * dxx(u) + 1e-30 * log(u + 0.5)\n  initial u = -sin(pi * x)\n  \
                 boundary u = 0 on boundary\n}\ntrain N {\n  net mlp(width: 8, depth: 2)\n  \
                 points interior: 512, initial: 64, boundary: 64\n  \
                 optimize adam(lr: 1e-2, steps: 400)\n  output grid: [11, 6]\n}\n";
    write(&dir, "n.phys", model);
    let args = |out: &'static str| ["run", "n.phys", "--threads", "1", "--out", out];
    let one = single(&args("one"), &dir);
    let two = mpirun(2, &args("two"), &dir);
    assert!(!one.status.success() && !two.status.success());
    let step_of = |o: &Output| {
        let err = stderr(o);
        let at = err
            .find("became NaN or infinite at step ")
            .unwrap_or_else(|| panic!("no NaN reported: {err}"));
        let rest = &err[at + "became NaN or infinite at step ".len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .to_string()
    };
    let step = step_of(&one);
    assert_ne!(step, "0", "the NaN should come during training");
    assert_eq!(step_of(&two), step, "{}", stderr(&two));
    assert_eq!(
        stderr(&two).matches("became NaN").count(),
        1,
        "rank 0 alone reports: {}",
        stderr(&two)
    );
    let r = report(&dir.join("two/N/train"));
    assert_eq!(r["completed"], false);
    assert!(dir.join("two/N/train/checkpoint.npz").is_file());
    assert!(bytes(dir.join("one/N/train/loss.csv")) == bytes(dir.join("two/N/train/loss.csv")));
}

#[cfg(feature = "mpi")]
#[test]
fn a_seed_sweep_is_shared_out_over_the_ranks_and_every_run_written() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "sweep");
    write(&dir, "h.phys", &heat_job(20, 0));
    let args = |out: &'static str| {
        [
            "run",
            "h.phys",
            "--threads",
            "1",
            "--quiet",
            "--seeds",
            "0..3",
            "--out",
            out,
        ]
    };
    let two = mpirun(2, &args("two"), &dir);
    assert!(two.status.success(), "{}", stderr(&two));
    let one = single(&args("one"), &dir);
    assert!(one.status.success(), "{}", stderr(&one));
    for seed in 0..3 {
        let folder = format!("seed-{seed}/H/train");
        assert_eq!(
            report(&dir.join("two").join(&folder))["config"]["seed"],
            seed
        );
        assert!(
            bytes(dir.join("one").join(&folder).join("loss.csv"))
                == bytes(dir.join("two").join(&folder).join("loss.csv")),
            "seed {seed}"
        );
    }
}

#[cfg(feature = "mpi")]
#[test]
fn ranks_started_on_different_files_refuse_to_run() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "disagree");
    write(&dir, "a.phys", &heat_job(5, 0));
    write(&dir, "b.phys", &heat_job(6, 0));
    let o = mpirun(
        1,
        &["run", "a.phys", "--quiet", ":", "run", "b.phys", "--quiet"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("read different files"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("out/H/train/report.json").exists());
}

/// Without the `mpi` feature a launch by mpirun stops at once, saying how to build physc
/// with it, instead of having every process run the same job into the same files.
#[cfg(not(feature = "mpi"))]
#[test]
fn several_processes_from_mpirun_are_refused_with_how_to_build_physc_for_them() {
    let o = Command::new(env!("CARGO_BIN_EXE_physc"))
        .args(["run", "examples/lorenz.phys", "--quiet"])
        .current_dir(support::root())
        .env("OMPI_COMM_WORLD_SIZE", "2")
        .output()
        .expect("physc runs");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("started as 2 processes") && err.contains("--features mpi"),
        "{err}"
    );
    if open_mpi() {
        let o = mpirun(
            2,
            &["run", "examples/lorenz.phys", "--quiet"],
            &support::root(),
        );
        assert!(!o.status.success());
        assert!(stderr(&o).contains("--features mpi"), "{}", stderr(&o));
    }
}

/// SIGTERM (what a batch scheduler sends at a time limit; Open MPI's `mpirun` sends it on
/// Ctrl-C, and SIGKILL a moment later) to every rank: all stop after the same step, and rank 0
/// writes the results so far. (Were they to stop at different steps, one would wait forever
/// in a message: the test would time out.)
#[cfg(feature = "mpi")]
#[test]
fn a_stop_signal_to_the_ranks_stops_them_after_the_same_step_with_results_kept() {
    use std::time::{Duration, Instant};
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "signal");
    let job = heat_job(100_000, 0).replace("every: 50", "every: 5");
    write(&dir, "h.phys", &job);
    let mut launcher = mpirun_command(2, &["run", "h.phys", "--threads", "1", "--quiet"], &dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mpirun starts");
    let checkpoint = dir.join("out/H/train/checkpoint.npz");
    let started = Instant::now();
    while !checkpoint.is_file() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        checkpoint.is_file(),
        "training did not start within 2 minutes"
    );
    let ranks = Command::new("pgrep")
        .args(["-P", &launcher.id().to_string()])
        .output()
        .expect("pgrep runs");
    let ranks = String::from_utf8_lossy(&ranks.stdout).into_owned();
    assert_eq!(ranks.lines().count(), 2, "the ranks: {ranks}");
    let signalled = Command::new("kill")
        .arg("-TERM")
        .args(ranks.lines())
        .status();
    assert!(signalled.unwrap().success());
    let started = Instant::now();
    while launcher.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = launcher.kill();
            panic!("the ranks did not stop within 2 minutes of the signal");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = launcher.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("interrupted; the results so far are kept"),
        "{err}"
    );
    assert_eq!(
        err.matches("[E0500]").count(),
        1,
        "rank 0 alone reports: {err}"
    );
    let r = report(&dir.join("out/H/train"));
    assert_eq!(r["completed"], false);
    let steps = r["steps"].as_u64().unwrap();
    assert!(steps > 0 && steps < 100_000, "{r}");
    let rows = std::fs::read_to_string(dir.join("out/H/train/loss.csv")).unwrap();
    assert_eq!(
        rows.lines().count() as u64,
        steps + 1,
        "one row per step and a header"
    );
}

/// `physc evolve … ARGS` for the island tests: f64 exp from a fixed seed with a budget in
/// generations (three exchanges of the fronts), one thread per rank.
fn evolve_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "evolve",
        "exp",
        "--range",
        "0:1",
        "--precision",
        "f64",
        "--max-ops",
        "7",
        "--generations",
        "30",
        "--seed",
        "5",
        "--threads",
        "1",
        "--quiet",
        "--out",
        out,
    ];
    args.extend(extra);
    args
}

/// The front a report lists: each member's program (as `.phys`) and errors.
fn front_of(dir: &Path) -> Vec<(String, String, String)> {
    let report = report(dir);
    report["front"]
        .as_array()
        .expect("a front")
        .iter()
        .map(|m| {
            (
                m["phys"].to_string(),
                m["train_error"].to_string(),
                m["verified_error"].to_string(),
            )
        })
        .collect()
}

#[cfg(feature = "mpi")]
#[test]
fn evolution_on_two_ranks_is_an_island_model_that_a_seed_repeats() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "islands");
    let first = mpirun(2, &evolve_args("first", &[]), &dir);
    assert!(first.status.success(), "{}", stderr(&first));
    let again = mpirun(2, &evolve_args("again", &[]), &dir);
    assert!(again.status.success(), "{}", stderr(&again));
    let one = single(&evolve_args("one", &[]), &dir);
    assert!(one.status.success(), "{}", stderr(&one));
    let folder = "exp_f64/evolve";
    let two = report(&dir.join("first").join(folder));
    assert_eq!(two["islands"], 2);
    assert!(two["migrants"].as_u64().unwrap() > 0, "{two}");
    assert_eq!(report(&dir.join("one").join(folder))["islands"], 1);
    // Both islands fitted their children: more fits than one process in as many
    // generations, and every member of the merged front verified on the dense grid.
    assert!(
        two["evaluations"].as_u64().unwrap()
            > report(&dir.join("one").join(folder))["evaluations"]
                .as_u64()
                .unwrap(),
        "{two}"
    );
    let front = front_of(&dir.join("first").join(folder));
    assert!(front.len() >= 3, "{front:?}");
    assert_eq!(front, front_of(&dir.join("again").join(folder)));
    // The files of one run, written once, by rank 0.
    assert!(dir
        .join("first")
        .join(folder)
        .join("evolved.phys")
        .is_file());
}

#[cfg(feature = "mpi")]
#[test]
fn an_f32_evolution_on_two_ranks_verifies_every_float_with_the_scans_split() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "islands_f32");
    // [1, 2] holds 2^23 + 1 floats: each rank scans half of them per verification.
    let args = [
        "evolve",
        "exp",
        "--range",
        "1:2",
        "--precision",
        "f32",
        "--fma",
        "--max-ops",
        "5",
        "--generations",
        "12",
        "--minutes",
        "0.2",
        "--threads",
        "1",
        "--quiet",
        "--out",
        "two",
    ];
    let two = mpirun(2, &args, &dir);
    assert!(two.status.success(), "{}", stderr(&two));
    let report = report(&dir.join("two/exp_f32/evolve"));
    let verification = &report["best"]["verification"];
    assert_eq!(verification["exhaustive"], true, "{report}");
    assert_eq!(verification["points"], (1u64 << 23) + 1);
    let max_ulp = verification["max_ulp"].as_f64().unwrap();
    assert!(max_ulp.is_finite() && max_ulp < 100.0, "{report}");
}

#[cfg(feature = "mpi")]
#[test]
fn the_jobs_of_a_file_are_dealt_out_to_the_ranks_and_each_written_once() {
    if !open_mpi() {
        return;
    }
    let dir = scratch("distributed", "jobs");
    let file = format!(
        "{}model Decay {{\n  time t in [0, 2]\n  field y(t)\n  ode dt(y) = -y\n  initial y = 1\n}}\n\
         simulate Decay {{\n  method rk4(dt: 0.01)\n  output every: 0.1\n}}\n",
        heat_job(30, 0)
    );
    write(&dir, "two_jobs.phys", &file);
    let args = |out: &'static str| ["run", "two_jobs.phys", "--threads", "1", "--out", out];
    let two = mpirun(2, &args("two"), &dir);
    assert!(two.status.success(), "{}", stderr(&two));
    let one = single(&args("one"), &dir);
    assert!(one.status.success(), "{}", stderr(&one));
    for file in ["H/train/loss.csv", "Decay/simulate/trajectory.csv"] {
        assert!(
            bytes(dir.join("one").join(file)) == bytes(dir.join("two").join(file)),
            "{file}"
        );
    }
}
