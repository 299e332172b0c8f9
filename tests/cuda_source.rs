//! Generated CUDA C without a GPU: snapshots of the source for some examples (f64 and f32),
//! and, where a C++ compiler is installed, every example's kernel and hundreds of random
//! expressions compiled by the host compiler (a stub prelude makes CUDA C plain C++: one
//! block of one thread, so the grid-stride loop visits every point) and run against the
//! reference interpreter on random inputs. That checks the code generator's syntax and
//! semantics (DAG order, hoisting, integer powers, min/max/sign NaN and signed-zero rules);
//! what it cannot check is CUDA's own math library, whose accuracy the module comment of
//! `codegen::cuda` documents and `tests/cuda.rs` measures on a GPU.

mod cuda_support;

use cuda_support::{compare, example_cases, params, random_cases, random_columns, Case, Rng};
use physc_compiler::codegen::cuda::{generate, Precision, KERNEL_NAME};
use physc_compiler::codegen::kernels::KernelPlan;
use physc_compiler::driver;
use physc_compiler::ir::{self, lang::Builder, lang::SymbolKind, lang::Symbols, Math};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn example_plan(name: &str) -> KernelPlan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name);
    let compilation = driver::compile_file(&path);
    assert!(!compilation.has_errors(), "{name} checks clean");
    // Bounded by iterations and e-nodes only: the default wall-clock limit would make the
    // snapshots depend on how fast (and how loaded) the machine is.
    let limits = ir::simplify::Limits {
        time: std::time::Duration::from_secs(3600),
        ..Default::default()
    };
    let simplified = ir::pipeline::simplify_model(&compilation.program.models[0], &limits);
    KernelPlan::residuals(&simplified)
}

#[test]
fn cuda_source_of_example_kernels() {
    for (example, precision) in [
        ("burgers.phys", Precision::F64),
        ("heat1d.phys", Precision::F64),
        ("poisson2d.phys", Precision::F64),
        ("allen_cahn.phys", Precision::F32),
    ] {
        let plan = example_plan(example);
        let source = generate(&plan.spec(), precision, KERNEL_NAME).expect("generates");
        let name = format!("{}_{precision:?}", example.trim_end_matches(".phys")).to_lowercase();
        insta::assert_snapshot!(name, source);
    }
}

#[test]
fn helpers_powers_and_hoisting_in_f32() {
    let mut symbols = Symbols::default();
    let x = symbols.intern("x", SymbolKind::Free("x".into()), "x".into(), "x".into());
    let k = symbols.intern(
        "k",
        SymbolKind::Const { id: 0, value: 2.0 },
        "k".into(),
        "k".into(),
    );
    let mut b = Builder::new();
    let (xs, ks) = (b.sym(x), b.sym(k));
    let five = b.num(5.0);
    let x5 = b.add(Math::Pow([xs, five]));
    let minus_two = b.num(-2.0);
    let inv = b.add(Math::Pow([xs, minus_two]));
    let k2 = b.add(Math::Mul([ks, ks]));
    let lo = b.add(Math::Min([x5, inv]));
    let hi = b.add(Math::Max([lo, k2]));
    let s = b.add(Math::Sign(xs));
    let sp = b.add(Math::Softplus(s));
    let tenth = b.num(0.1);
    let f = b.add(Math::Fma([hi, sp, tenth]));
    let plan = KernelPlan::new(&b.expr, vec![("y".into(), f)], &symbols);
    let source = generate(&plan.spec(), Precision::F32, "small").unwrap();
    // The loop-invariant k·k is computed before the loop; the fifth power is three
    // multiplications; f32 functions and literals carry their suffix.
    let before_loop = &source[..source.find("for (").unwrap()];
    assert!(before_loop.contains("p_0 * p_0"), "{source}");
    assert!(
        source.contains("fmaf(") && source.contains("0.1f"),
        "{source}"
    );
    insta::assert_snapshot!(source);
}

// ---- compiled with the host C++ compiler ----

/// Makes generated CUDA C plain C++ on one thread.
const PRELUDE: &str = r#"
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>
using std::signbit;
#define __global__
#define __device__
#define __forceinline__ inline
struct physc_dim3 { unsigned x; };
static const physc_dim3 blockIdx = {0}, threadIdx = {0}, blockDim = {1}, gridDim = {1};
typedef std::vector<std::vector<double>> Columns;
static std::vector<double> read_doubles(size_t n) {
  std::vector<double> v(n);
  if (n && fread(v.data(), sizeof(double), n, stdin) != n) exit(3);
  return v;
}
"#;

/// One program holding every case's kernel (each in its own namespace) and a `main` that
/// reads `case, n, inputs, params` from stdin and writes the outputs as f64 to stdout.
fn harness(cases: &[Case]) -> String {
    let mut src = PRELUDE.to_string();
    for (c, case) in cases.iter().enumerate() {
        let name = format!("kernel_{c}");
        let kernel = generate(&case.plan.spec(), case.precision, &name).expect("generates");
        let t = match case.precision {
            Precision::F32 => "float",
            Precision::F64 => "double",
        };
        src.push_str(&format!("namespace case_{c} {{\n{kernel}}}\n"));
        let (ni, no, np) = (
            case.plan.inputs.len(),
            case.plan.outputs.len(),
            case.plan.params.len(),
        );
        let mut args: Vec<String> = (0..ni).map(|k| format!("I[{k}].data()")).collect();
        args.extend((0..no).map(|k| format!("O[{k}].data()")));
        args.extend((0..np).map(|j| format!("({t})p[{j}]")));
        args.push("n".into());
        src.push_str(&format!(
            "static Columns run_{c}(const Columns& in, const std::vector<double>& p, long long n) {{\n\
             std::vector<std::vector<{t}>> I, O({no}, std::vector<{t}>(n));\n\
             for (auto& c : in) I.emplace_back(c.begin(), c.end());\n\
             case_{c}::{name}({});\n\
             Columns out;\n\
             for (auto& c : O) out.emplace_back(c.begin(), c.end());\n\
             return out;\n}}\n",
            args.join(", ")
        ));
    }
    src.push_str(
        "int main() {\n  double head[5];\n  \
         while (fread(head, sizeof(double), 5, stdin) == 5) {\n    \
         long long c = (long long)head[0], n = (long long)head[1];\n    \
         Columns in;\n    for (int k = 0; k < (int)head[2]; k++) in.push_back(read_doubles(n));\n    \
         std::vector<double> p = read_doubles((size_t)head[3]);\n    Columns out;\n    \
         switch (c) {\n",
    );
    for c in 0..cases.len() {
        src.push_str(&format!(
            "      case {c}: out = run_{c}(in, p, n); break;\n"
        ));
    }
    src.push_str(
        "      default: return 4;\n    }\n    \
         for (auto& col : out) fwrite(col.data(), sizeof(double), col.size(), stdout);\n  }\n  \
         return 0;\n}\n",
    );
    src
}

/// The host C++ compiler, if any (`CXX`, else `c++`, `g++`, `clang++`).
fn compiler() -> Option<String> {
    let candidates = std::env::var("CXX")
        .ok()
        .into_iter()
        .chain(["c++", "g++", "clang++"].map(String::from));
    for cxx in candidates {
        let works = Command::new(&cxx)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works {
            return Some(cxx);
        }
    }
    None
}

fn build(cases: &[Case], tag: &str) -> Option<PathBuf> {
    let Some(cxx) = compiler() else {
        eprintln!("skipping: no C++ compiler (c++, g++ or clang++) to compile generated CUDA C");
        return None;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cuda_source_{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("kernels.cpp");
    std::fs::write(&source, harness(cases)).unwrap();
    let binary = dir.join("kernels");
    // No contraction into FMAs: the runtime compiles with `--fmad=false` too.
    let out = Command::new(&cxx)
        .args(["-std=c++11", "-O1", "-ffp-contract=off", "-w", "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
        .expect("runs the compiler");
    assert!(
        out.status.success(),
        "generated CUDA C does not compile ({}):\n{}",
        source.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(binary)
}

/// Run case `c` on `columns` with `params`; returns the output columns.
fn run(
    binary: &Path,
    c: usize,
    columns: &[Vec<f64>],
    params: &[f64],
    outputs: usize,
) -> Vec<Vec<f64>> {
    let n = columns.first().map_or(0, Vec::len);
    let mut input: Vec<f64> = vec![
        c as f64,
        n as f64,
        columns.len() as f64,
        params.len() as f64,
        0.0,
    ];
    for col in columns {
        input.extend(col);
    }
    input.extend(params);
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("runs the compiled kernels");
    let bytes: Vec<u8> = input.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let mut raw = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut raw).unwrap();
    writer.join().unwrap().unwrap();
    assert!(child.wait().unwrap().success());
    let values: Vec<f64> = raw
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(values.len(), outputs * n);
    values
        .chunks(n.max(1))
        .map(<[f64]>::to_vec)
        .take(outputs)
        .collect()
}

#[test]
fn generated_cuda_c_compiles_and_matches_the_interpreter() {
    let mut rng = Rng(0xc0da);
    let mut cases = example_cases();
    let examples_end = cases.len();
    cases.extend(random_cases(&mut rng, 300));
    let Some(binary) = build(&cases, "all") else {
        return;
    };
    for (c, case) in cases.iter().enumerate() {
        let params = params(&case.plan);
        let (points, special) = if c < examples_end {
            (200, false)
        } else {
            (48, c % 4 == 0)
        };
        let columns = random_columns(&mut rng, &case.plan, points, special);
        let got = run(&binary, c, &columns, &params, case.plan.outputs.len());
        // The host libm is the interpreter's (only `erf` is physc's own): rounding only.
        compare(case, &columns, &params, &got, 1e-12);
    }
}
