//! The `physc` binary end to end: exit codes, output formats, and never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn physc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("physc runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("physc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn examples() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "phys"))
        .map(|p| format!("examples/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    files
}

#[test]
fn check_passes_on_every_example() {
    let files = examples();
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let out = physc(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("examples/burgers.phys: ok"));
}

#[test]
fn fmt_check_passes_on_every_example() {
    let files = examples();
    let mut args = vec!["fmt", "--check"];
    args.extend(files.iter().map(String::as_str));
    let out = physc(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn errors_exit_with_one_and_point_at_the_source() {
    let bad = temp_file(
        "bad.phys",
        "model M {\n  space x in [0, 1]\n  field u(x)\n  pde dxx(u) = f\n}\n",
    );
    let out = physc(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("E0100"), "{text}");
    assert!(text.contains("bad.phys:4:"), "{text}");
}

#[test]
fn warnings_do_not_fail() {
    let warn = temp_file("warn.phys", "model M {\n  time t in [0, 1]\n  field x(t)\n  const unused = 1\n  ode dt(x) = -x\n  initial x = 1\n}\n");
    let out = physc(&["check", warn.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("W0002"));
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = physc(&["check", "no/such/file.phys"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot read `no/such/file.phys`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_format_is_machine_readable() {
    let bad = temp_file(
        "json.phys",
        "model M {\n  space x in [0, 1]\n  field u(x)\n  pde dy(u) = 0\n}\n",
    );
    let out = physc(&["check", "--format", "json", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let first = &value[0]["diagnostics"][0];
    assert_eq!(first["code"], "E0102");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["labels"][0]["line"], 4);
}

#[test]
fn show_prints_the_parse_tree_and_the_model() {
    let out = physc(&["show", "examples/burgers.phys", "--stage", "ast"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("(pde (= (+ (dt u)"));
    let out = physc(&["show", "examples/burgers.phys", "--stage", "model"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("pde dt(u) + u * dx(u) = nu * dxx(u)"));
}

#[test]
fn simplify_and_show_print_readable_forms_and_ops_on_request() {
    let stdout = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).to_string();
    let out = physc(&["simplify", "tanh(x)*tanh(x) - 1 + 1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("tanh(x)^2  [ops"),
        "{}",
        stdout(&out)
    );
    let out = physc(&["simplify", "--form", "ops", "5.012*x + z*-(1.003*y)"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ops = stdout(&out);
    let out = physc(&["simplify", "5.012*x + z*-(1.003*y)"]);
    assert!(
        stdout(&out).starts_with("5.012 * x - 1.003 * y * z  [ops"),
        "{}",
        stdout(&out)
    );
    // The op counts are the kernels' in either form.
    let counts = |s: &str| {
        s.split_once("[ops")
            .map(|(_, c)| c.split(',').next().unwrap_or("").to_string())
    };
    assert_eq!(counts(&ops), counts(&stdout(&out)));
    let out = physc(&["show", "examples/lorenz.phys", "--stage", "simplified"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let readable = stdout(&out);
    let out = physc(&[
        "show",
        "examples/lorenz.phys",
        "--stage",
        "simplified",
        "--form",
        "ops",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(readable, stdout(&out));
}

#[test]
fn fmt_rewrites_in_place_and_keeps_comments() {
    let path = temp_file(
        "messy.phys",
        "// keep me\nmodel M{time t in[0,1];field x(t) // and me\node dt(x)=-x;initial x=1}\n",
    );
    let out = physc(&["fmt", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "// keep me\nmodel M {\n  time    t in [0, 1]\n  field   x(t)  // and me\n  ode     dt(x) = -x\n  initial x = 1\n}\n"
    );
    let out = physc(&["fmt", "--check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn fmt_refuses_files_with_syntax_errors() {
    let path = temp_file("broken.phys", "model M { field }\n");
    let before = std::fs::read_to_string(&path).unwrap();
    let out = physc(&["fmt", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

#[test]
fn help_teaches_and_bad_usage_exits_one() {
    let out = physc(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("check") && text.contains("Examples:"),
        "{text}"
    );
    let out = physc(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let out = physc(&["show", "examples/burgers.phys", "--stage", "nonsense"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn pathological_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let text = format!("const a = {}1{}\n", "sin(".repeat(depth), ")".repeat(depth));
    let path = temp_file("deep.phys", &text);
    let out = physc(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0008"), "{}", stderr(&out));
}

#[test]
fn show_prints_cuda_source() {
    let out = physc(&["show", "examples/heat1d.phys", "--stage", "cuda"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("extern \"C\" __global__ void physc_kernel("),
        "{text}"
    );
    assert!(text.contains("i += stride"), "{text}");
}

#[test]
fn unknown_device_is_a_usage_error() {
    let out = physc(&["run", "examples/lorenz.phys", "--device", "gpu"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("expected `cpu`, `cuda` or `cuda:N`"),
        "{}",
        stderr(&out)
    );
}

/// Without the `cuda` feature, `--device cuda` says the build lacks it (with the feature
/// but no GPU, it says no driver or no such device: `jobs::device`).
#[cfg(not(feature = "cuda"))]
#[test]
fn cuda_device_without_the_feature_is_a_clear_error() {
    let out = physc(&[
        "run",
        "examples/lorenz.phys",
        "--device",
        "cuda:1",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot use --device cuda:1"), "{err}");
    assert!(err.contains("without the `cuda` feature"), "{err}");
}

/// bench/gpu must stop at once, with a reason and exit status 2, where there is no GPU.
#[test]
fn gpu_benchmark_fails_fast_without_a_gpu() {
    let start = std::time::Instant::now();
    let out = Command::new("bash")
        .arg(root().join("bench/gpu"))
        .env("BENCH_GPU_PROBE", "false")
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no NVIDIA GPU found"),
        "{}",
        stderr(&out)
    );
    assert!(start.elapsed().as_secs() < 10, "it built or ran something");
}

/// `physc sample`: a shaped domain's points written as NPZ and timed (JSON on stdout); the
/// same seed gives the same points on any thread count; a box model, a missing model and a
/// broken STL file are exit 1 with a message.
#[test]
fn sample_draws_and_writes_a_domains_points() {
    let dir = std::env::temp_dir().join(format!("physc-cli-sample-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let read = |threads: &str| {
        let path = dir.join(format!("points-{threads}.npz"));
        let out = physc(&[
            "sample",
            "examples/poisson_stl.phys",
            "--interior",
            "2000",
            "--boundary",
            "500",
            "--seed",
            "4",
            "--threads",
            threads,
            "--format",
            "json",
            "--out",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["interior"], 2000);
        assert!(json["interior_s"].as_f64().unwrap() >= 0.0);
        physc_runtime::output::npz::read(&path).unwrap()
    };
    let (one, four) = (read("1"), read("4"));
    assert_eq!(one, four);
    let interior = &one[0].1;
    assert_eq!(
        (one[0].0.as_str(), interior.shape()),
        ("interior", &[2000, 3][..])
    );
    // The unit cube of examples/cube.stl, inside a larger box.
    assert!(interior.data().iter().all(|c| (0.0..=1.0).contains(c)));
    let normals = &one[2].1;
    assert_eq!(normals.shape(), &[500, 3]);
    for n in normals.data().chunks(3) {
        assert_eq!(n.iter().map(|x| x.abs()).sum::<f64>(), 1.0, "{n:?}");
    }
    let boxed = physc(&["sample", "examples/heat1d.phys"]);
    assert_eq!(boxed.status.code(), Some(1));
    assert!(
        stderr(&boxed).contains("no model with a `domain"),
        "{}",
        stderr(&boxed)
    );
    let open = temp_file(
        "open.stl",
        "solid open\n  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n      vertex 1 0 0\n      vertex 0 1 0\n    endloop\n  endfacet\nendsolid open\n",
    );
    let phys = open.with_file_name("open.phys");
    std::fs::write(
        &phys,
        "model M {\n  space x in [0, 1], y in [0, 1], z in [0, 1]\n  field u(x, y, z)\n  domain = stl(\"open.stl\")\n  pde dxx(u) = 0\n}\n",
    )
    .unwrap();
    let broken = physc(&["sample", phys.to_str().unwrap()]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("E0229") && stderr(&broken).contains("triangle 0"),
        "{}",
        stderr(&broken)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `physc explain CODE` prints the code's section of spec/diagnostics.md: the example and
/// the message physc prints for it; a code that does not exist is exit 1 with the codes
/// of its stage.
#[test]
fn explain_prints_a_codes_example_and_fix() {
    let o = physc(&["explain", "e0201"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("E0201 derivative with respect to"),
        "{text}"
    );
    for part in [
        "**When.**",
        "field u(x)",
        "[E0201] Error: `u` does not depend on `t`",
        "Help:",
    ] {
        assert!(text.contains(part), "missing {part:?} in {text}");
    }
    assert!(
        !text.contains("## E0202"),
        "the next code's section leaked in"
    );
    let o = physc(&["explain", "E0299"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("`E0299` is not a physc diagnostic code") && err.contains("E0201"),
        "{err}"
    );
}

/// `--seeds A..B` runs the file's jobs once per seed into OUT/seed-<s>/, each the same run
/// as `--seed s`; a range that holds no seed, or with --seed, is a usage error.
#[test]
fn a_seed_sweep_runs_each_seed_into_its_own_folder() {
    let model = temp_file(
        "sweep.phys",
        "model Decay {\n  time t in [0, 1]\n  field y(t)\n  ode dt(y) = -y\n  initial y = 1\n}\n\
         train Decay {\n  net mlp(inputs: [t], width: 8, depth: 1, act: tanh)\n\
         points interior: 64, initial: 1\n  optimize adam(lr: 1e-2, steps: 30)\n}\n",
    );
    let dir = model.parent().unwrap().join("sweep-out");
    let _ = std::fs::remove_dir_all(&dir);
    let (file, out) = (model.to_str().unwrap(), dir.to_str().unwrap());
    let o = physc(&["run", file, "--quiet", "--seeds", "3..5", "--out", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let loss = |d: &Path| std::fs::read_to_string(d.join("Decay/train/loss.csv")).unwrap();
    let (three, four) = (loss(&dir.join("seed-3")), loss(&dir.join("seed-4")));
    assert_ne!(three, four, "different seeds, different runs");
    let single = dir.join("single");
    let o = physc(&[
        "run",
        file,
        "--quiet",
        "--seed",
        "4",
        "--out",
        single.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        loss(&single),
        four,
        "seed 4 of the sweep is the run with --seed 4"
    );
    assert!(!dir.join("seed-5").exists() && !dir.join("seed-2").exists());
    for bad in [["--seeds", "5..5"], ["--seeds", "a..b"]] {
        let o = physc(&["run", file, "--quiet", bad[0], bad[1]]);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).contains("range of seeds") || stderr(&o).contains("holds no seed"),
            "{}",
            stderr(&o)
        );
    }
    let o = physc(&["run", file, "--seed", "1", "--seeds", "0..2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
