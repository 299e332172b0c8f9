//! CPU-kernel benchmark (run by `bench/kernels`): the interior work of the Burgers model,
//! its `pde` residual and that residual's sensitivities, over 10^6 points, evaluated by
//!
//! * the Cranelift JIT kernel, on the calling thread (`Kernel::run`) and through
//!   `run_parallel` in rayon pools of 1, 2 and (if more) all threads;
//! * the reference interpreter (`eval_all` per point) on the first 10^5 points, time x10;
//! * the same formulas written by hand in Rust (compiled with the bench profile, i.e.
//!   `--release`), on one thread and split across 2 threads the way `run_parallel` splits;
//! * for reference, the JIT and the hand-written Rust on small blocks that stay in cache,
//!   evaluated over and over (arithmetic rather than memory bandwidth bounds those).
//!
//! All variants write every output column in full (also constant ones), into columns
//! allocated and touched before timing. Outputs are checked against each other before
//! anything is timed. Each round runs every variant once, in rotating order (so load from
//! elsewhere on the machine falls on all alike); reported times are medians over `--reps`
//! rounds after a warm-up round.
//!
//! Writes a JSON report (to `--json PATH`, or stdout) with seconds per variant (median, min,
//! max, and every sample in round order), the expressions in `.phys` and Python syntax, and a
//! sample of the JIT's outputs that `bench/kernels.d/peers.py` checks the NumPy and SymPy
//! versions against; `--inputs PATH` also writes the input columns as raw little-endian f64
//! (column after column), so the Python side evaluates exactly the same points.
//!
//! Options: `--json PATH`, `--inputs PATH`, `--points N` (10^6), `--interp-points N`
//! (10^5), `--reps N` (51), `--seed N`, `--model PATH` (examples/burgers.phys).

use egg::{Id, Language, RecExpr, Symbol};
use physc_compiler::codegen::kernels::KernelPlan;
use physc_compiler::codegen::{compile, CodegenError};
use physc_compiler::driver;
use physc_compiler::ir::lang::{reachable, SymbolKind, Symbols};
use physc_compiler::ir::{eval, pipeline, print, Math};
use physc_runtime::Kernel;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

/// The viscosity of `examples/burgers.phys`, `nu = 0.01 / pi`, as the hand-written kernel
/// has it (checked against the plan's parameter value).
const NU: f64 = 0.01 / std::f64::consts::PI;

/// The hand-written kernel's outputs, by the names `KernelPlan::residuals` gives them.
const HAND_OUTPUTS: [&str; 5] = [
    "pde",
    "d pde / d u",
    "d pde / d dt(u)",
    "d pde / d dx(u)",
    "d pde / d dxx(u)",
];

/// Points per thread in an in-cache block: 9 columns of 8192 f64 are 576 KiB, inside a
/// core's L2. The 2-thread in-cache run gives each of 2 threads such a block (with
/// `rayon::join`: `run_parallel` keeps blocks this small on one thread), which each
/// evaluates over and over.
const CACHED_POINTS: usize = 8192;

/// The hand-written kernel's inputs, by their `.phys` spelling.
const HAND_INPUTS: [&str; 4] = ["u", "dt(u)", "dx(u)", "dxx(u)"];

/// Burgers' residual `u_t + u u_x - nu u_xx` and its partial derivatives with respect to
/// `u`, `u_t`, `u_x` and `u_xx`, one point at a time, the way one would write it by hand.
/// `out` is in the order of [`HAND_OUTPUTS`]; every column has the length of `u`.
#[inline(never)]
fn burgers_by_hand(u: &[f64], u_t: &[f64], u_x: &[f64], u_xx: &[f64], nu: f64, out: Outputs) {
    let n = u.len();
    let (u_t, u_x, u_xx) = (&u_t[..n], &u_x[..n], &u_xx[..n]);
    let [pde, d_u, d_ut, d_ux, d_uxx] = out;
    let (pde, d_u, d_ut, d_ux, d_uxx) = (
        &mut pde[..n],
        &mut d_u[..n],
        &mut d_ut[..n],
        &mut d_ux[..n],
        &mut d_uxx[..n],
    );
    for i in 0..n {
        pde[i] = u_t[i] + u[i] * u_x[i] - nu * u_xx[i];
        d_u[i] = u_x[i];
        d_ut[i] = 1.0;
        d_ux[i] = u[i];
        d_uxx[i] = -nu;
    }
}

type Outputs<'a> = [&'a mut [f64]; 5];

/// [`burgers_by_hand`] across the current rayon pool, in contiguous chunks as
/// `Kernel::run_parallel` makes them.
fn burgers_by_hand_parallel(inputs: [&[f64]; 4], nu: f64, out: &mut [Vec<f64>]) {
    let n = inputs[0].len();
    let threads = rayon::current_num_threads().max(1);
    let chunks = (n / physc_runtime::kernel::MIN_POINTS_PER_THREAD).clamp(1, threads * 4);
    let size = n.div_ceil(chunks).max(1);
    let mut columns: Vec<std::slice::ChunksMut<'_, f64>> =
        out.iter_mut().map(|c| c.chunks_mut(size)).collect();
    let mut tasks = Vec::with_capacity(chunks);
    for start in (0..n).step_by(size) {
        let end = (start + size).min(n);
        let mut o = columns.iter_mut().map(|c| c.next().expect("a chunk"));
        let outs: Outputs = [(); 5].map(|_| o.next().expect("5 outputs"));
        tasks.push((start, end, outs));
    }
    tasks.into_par_iter().for_each(|(start, end, outs)| {
        let [u, u_t, u_x, u_xx] = inputs.map(|c| &c[start..end]);
        burgers_by_hand(u, u_t, u_x, u_xx, nu, outs);
    });
}

/// A small deterministic generator (xorshift64), as in tests/kernels.rs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Options {
    json: Option<PathBuf>,
    inputs: Option<PathBuf>,
    points: usize,
    interp_points: usize,
    reps: usize,
    seed: u64,
    model: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        json: None,
        inputs: None,
        points: 1_000_000,
        interp_points: 100_000,
        reps: 51,
        seed: 0x5eed_b0b5,
        model: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/burgers.phys"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |what: &str| args.next().unwrap_or_else(|| panic!("`{a}` needs {what}"));
        let number = |s: String| -> usize {
            s.replace('_', "")
                .parse::<f64>()
                .map(|v| v as usize)
                .unwrap_or_else(|e| panic!("not a number: `{s}` ({e})"))
        };
        match a.as_str() {
            "--json" => o.json = Some(value("a path").into()),
            "--inputs" => o.inputs = Some(value("a path").into()),
            "--points" => o.points = number(value("a number")),
            "--interp-points" => o.interp_points = number(value("a number")),
            "--reps" => o.reps = number(value("a number")).max(1),
            "--seed" => o.seed = number(value("a number")) as u64,
            "--model" => o.model = value("a path").into(),
            // `cargo bench` passes `--bench` to harness-less benchmarks.
            "--bench" => {}
            other => panic!("unknown argument `{other}`"),
        }
    }
    o.interp_points = o.interp_points.min(o.points);
    o
}

/// A timed computation; it writes into the columns it is given or into its own.
type Run<'a> = Box<dyn FnMut(&mut [Vec<f64>]) + 'a>;

/// One timed way of computing the outputs; `scale` turns its time into seconds per
/// `--points` points.
struct Variant<'a> {
    name: &'static str,
    threads: usize,
    scale: f64,
    run: Run<'a>,
}

impl<'a> Variant<'a> {
    fn new(name: &'static str, threads: usize, scale: f64, run: Run<'a>) -> Self {
        Variant {
            name,
            threads,
            scale,
            run,
        }
    }
}

/// The DAG reachable from `roots` alone, so the interpreter does not also evaluate the
/// other residuals of the model. Returns the new expression and the new ids of `roots`.
fn prune(expr: &RecExpr<Math>, roots: &[Id]) -> (RecExpr<Math>, Vec<Id>) {
    let mut map: HashMap<Id, Id> = HashMap::new();
    let mut out = RecExpr::default();
    for id in reachable(expr, roots) {
        let node = expr[id].clone().map_children(|c| map[&c]);
        map.insert(id, out.add(node));
    }
    let roots = roots.iter().map(|r| map[r]).collect();
    (out, roots)
}

/// A Python identifier for a symbol (its internal name, e.g. `u_x`).
fn py_name(s: Symbol) -> String {
    s.as_str()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// An expression in syntax both `sympy.sympify` and Python `eval` (with NumPy functions in
/// scope) read: fully parenthesised, constants substituted by their values, functions by
/// their SymPy names (`Abs`, `Min`, `Max`, ...).
fn python(expr: &RecExpr<Math>, id: Id, symbols: &Symbols) -> String {
    let p = |c: Id| python(expr, c, symbols);
    match &expr[id] {
        Math::Num(c) => format!("({:?})", c.into_inner()),
        Math::Symbol(s) => match symbols.get(*s).map(|i| &i.kind) {
            Some(SymbolKind::Const { value, .. }) => format!("({value:?})"),
            _ => py_name(*s),
        },
        Math::Add([a, b]) => format!("({} + {})", p(*a), p(*b)),
        Math::Sub([a, b]) => format!("({} - {})", p(*a), p(*b)),
        Math::Mul([a, b]) => format!("({} * {})", p(*a), p(*b)),
        Math::Div([a, b]) => format!("({} / {})", p(*a), p(*b)),
        Math::Pow([a, b]) => format!("({} ** {})", p(*a), p(*b)),
        Math::Neg(a) => format!("(-{})", p(*a)),
        Math::Fma([a, b, c]) => format!("({} * {} + {})", p(*a), p(*b), p(*c)),
        Math::Sigmoid(a) => format!("(1 / (1 + exp(-{})))", p(*a)),
        Math::Softplus(a) => format!("log(1 + exp({}))", p(*a)),
        op => {
            let name = match op {
                Math::Abs(_) => "Abs".to_string(),
                Math::Min(_) => "Min".to_string(),
                Math::Max(_) => "Max".to_string(),
                other => other.to_string(),
            };
            let args: Vec<String> = op.children().iter().map(|&c| p(c)).collect();
            format!("{name}({})", args.join(", "))
        }
    }
}

fn relative_error(want: f64, got: f64) -> f64 {
    if want == got || (want.is_nan() && got.is_nan()) {
        0.0
    } else {
        (want - got).abs() / want.abs().max(1.0)
    }
}

/// Largest relative difference between two sets of columns (over the first `n` points).
fn max_error(a: &[Vec<f64>], b: &[Vec<f64>], n: usize) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x[..n].iter().zip(&y[..n]))
        .map(|(&x, &y)| relative_error(x, y))
        .fold(0.0, f64::max)
}

/// CPU time (in clock ticks) spent by the whole machine and by this process so far, from
/// `/proc` (Linux); `None` elsewhere.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    let machine: u64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .map(|&i| fields.get(i).copied().unwrap_or(0))
        .sum();
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &me[me.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let own = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((machine, own))
}

/// The share of the machine's CPU time that other processes used since `since`: what
/// makes the multi-threaded figures unreliable when it is not near zero. Ticks are
/// USER_HZ = 100 per second on Linux.
fn other_cpu_share(since: (Instant, Option<(u64, u64)>), cpus: usize) -> Option<f64> {
    let (t0, Some((machine0, own0))) = since else {
        return None;
    };
    let (machine1, own1) = cpu_ticks()?;
    let capacity = t0.elapsed().as_secs_f64() * 100.0 * cpus as f64;
    let others = machine1.saturating_sub(machine0) as f64 - own1.saturating_sub(own0) as f64;
    Some((others / capacity).clamp(0.0, 1.0))
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options();
    let n = o.points;

    // The model, simplified as every consumer sees it, and the interior outputs.
    let compilation = driver::compile_file(&o.model);
    if compilation.has_errors() {
        return Err(format!("{} does not compile", o.model.display()).into());
    }
    let model = compilation
        .program
        .models
        .iter()
        .find(|m| m.local)
        .ok_or("no model in the file")?;
    let t = Instant::now();
    let simplified = pipeline::simplify_model(model, &Default::default());
    let simplify_seconds = t.elapsed().as_secs_f64();
    let symbols = &simplified.lowered.symbols;
    let all = KernelPlan::residuals(&simplified);
    let selected: Vec<(String, Id)> = all
        .outputs
        .iter()
        .filter(|(name, _)| name == "pde" || name.starts_with("d pde / "))
        .cloned()
        .collect();
    let roots: Vec<Id> = selected.iter().map(|(_, id)| *id).collect();
    let (expr, roots) = prune(&all.expr, &roots);
    let outputs: Vec<(String, Id)> = selected
        .iter()
        .map(|(name, _)| name.clone())
        .zip(roots.iter().copied())
        .collect();
    let plan = KernelPlan::new(&expr, outputs, symbols);
    let source_of = |s: Symbol| symbols.get(s).map_or(s.to_string(), |i| i.source.clone());

    eprintln!(
        "kernel: {} outputs, inputs [{}], parameters [{}] (simplified in {:.1} ms)",
        plan.outputs.len(),
        plan.inputs
            .iter()
            .map(|&s| source_of(s))
            .collect::<Vec<_>>()
            .join(", "),
        plan.params
            .iter()
            .zip(&plan.param_values)
            .map(|(&s, v)| format!("{} = {v:?}", source_of(s)))
            .collect::<Vec<_>>()
            .join(", "),
        simplify_seconds * 1e3
    );
    for (name, root) in &plan.outputs {
        eprintln!(
            "  {name:<18} = {}",
            print::source(&plan.expr, *root, symbols)
        );
    }
    let params: Vec<f64> = plan
        .param_values
        .iter()
        .map(|v| v.ok_or("the kernel has a learnable parameter; the benchmark expects none"))
        .collect::<Result<_, _>>()?;

    // The hand-written kernel computes exactly these outputs from exactly these inputs.
    let names: Vec<&str> = plan.outputs.iter().map(|(n, _)| n.as_str()).collect();
    let hand_order: Vec<usize> = HAND_OUTPUTS
        .iter()
        .map(|h| names.iter().position(|n| n == h))
        .collect::<Option<_>>()
        .filter(|_| names.len() == HAND_OUTPUTS.len())
        .ok_or_else(|| {
            format!("the plan's outputs {names:?} are not the hand-written ones {HAND_OUTPUTS:?}")
        })?;
    let input_sources: Vec<String> = plan.inputs.iter().map(|&s| source_of(s)).collect();
    let hand_inputs: Vec<usize> = HAND_INPUTS
        .iter()
        .map(|h| input_sources.iter().position(|s| s == h))
        .collect::<Option<_>>()
        .filter(|_| input_sources.len() == HAND_INPUTS.len())
        .ok_or_else(|| {
            format!(
                "the plan's inputs {input_sources:?} are not the hand-written ones {HAND_INPUTS:?}"
            )
        })?;
    if let Some(nu) = params.first() {
        if params.len() != 1 || relative_error(NU, *nu) > 1e-15 {
            return Err(format!("expected the one parameter nu = {NU:?}, got {params:?}").into());
        }
    }

    // Inputs: uniform in [-1, 1], seeded.
    let mut rng = Rng(o.seed.max(1));
    let columns: Vec<Vec<f64>> = plan
        .inputs
        .iter()
        .map(|_| (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect())
        .collect();
    let views: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let hand_in: [&[f64]; 4] = [0, 1, 2, 3].map(|k| views[hand_inputs[k]]);
    if let Some(path) = &o.inputs {
        let mut bytes = Vec::with_capacity(8 * n * columns.len());
        for v in columns.iter().flatten() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        std::fs::write(path, bytes)?;
    }
    let fresh = || vec![vec![0.0f64; n]; plan.outputs.len()];

    // Compile (timed once: the JIT's own cost, not part of any ratio).
    let t = Instant::now();
    let (kernel, _clif): (Kernel<f64>, String) =
        compile::<f64>(&plan.spec()).map_err(|e: CodegenError| e.to_string())?;
    let compile_seconds = t.elapsed().as_secs_f64();

    // --- Agreement, before any timing. ---
    let mut jit = fresh();
    {
        let mut outs: Vec<&mut [f64]> = jit.iter_mut().map(Vec::as_mut_slice).collect();
        kernel.run(&views, &mut outs, &params)?;
    }
    // The hand-written kernel's columns, reordered to the plan's order.
    let run_by_hand = |out: &mut [Vec<f64>]| {
        let mut taken: Vec<Option<&mut [f64]>> =
            out.iter_mut().map(|c| Some(c.as_mut_slice())).collect();
        let cols: Outputs = [0, 1, 2, 3, 4].map(|k| taken[hand_order[k]].take().expect("once"));
        let [u, u_t, u_x, u_xx] = hand_in;
        burgers_by_hand(u, u_t, u_x, u_xx, NU, cols);
    };
    let mut hand = fresh();
    run_by_hand(&mut hand);
    let mut interp = vec![vec![0.0f64; o.interp_points]; plan.outputs.len()];
    let interpret = |out: &mut [Vec<f64>], count: usize| {
        let param_of: Vec<(Symbol, f64)> = plan
            .params
            .iter()
            .copied()
            .zip(params.iter().copied())
            .collect();
        for i in 0..count {
            let mut lookup = |s: Symbol| {
                if let Some(k) = plan.inputs.iter().position(|x| *x == s) {
                    columns[k][i]
                } else {
                    param_of
                        .iter()
                        .find(|(p, _)| *p == s)
                        .map_or(f64::NAN, |p| p.1)
                }
            };
            let values = eval::eval_all(&plan.expr, &mut lookup);
            for (k, (_, root)) in plan.outputs.iter().enumerate() {
                out[k][i] = values[usize::from(*root)];
            }
        }
    };
    interpret(&mut interp, o.interp_points);
    let jit_vs_hand = max_error(&jit, &hand, n);
    let jit_vs_interp = max_error(&interp, &jit, o.interp_points);
    // Written in the hand-written kernel's order, then put in the plan's.
    let mut hand_par = fresh();
    pool(2).install(|| burgers_by_hand_parallel(hand_in, NU, &mut hand_par));
    let hand_par = unorder(hand_par, &hand_order);
    let jit_vs_hand_par = max_error(&jit, &hand_par, n);
    let mut jit_par = fresh();
    pool(2).install(|| {
        let mut outs: Vec<&mut [f64]> = jit_par.iter_mut().map(Vec::as_mut_slice).collect();
        kernel.run_parallel(&views, &mut outs, &params)
    })?;
    let jit_vs_jit_par = max_error(&jit, &jit_par, n);
    eprintln!(
        "agreement (max relative difference): JIT vs hand-written {jit_vs_hand:.1e}, \
         JIT vs interpreter {jit_vs_interp:.1e} (first {} points), 2-thread JIT {jit_vs_jit_par:.1e}, \
         2-thread hand-written {jit_vs_hand_par:.1e}",
        o.interp_points
    );
    let worst = jit_vs_hand
        .max(jit_vs_interp)
        .max(jit_vs_jit_par)
        .max(jit_vs_hand_par);
    if worst.is_nan() || worst > 1e-12 {
        return Err(format!("variants disagree (max relative difference {worst:e})").into());
    }

    // --- Timing: every variant once per round, in rotating order, so that load from
    // elsewhere on the machine falls on all of them alike; medians over the rounds. ---
    let all_threads = std::thread::available_parallelism().map_or(1, |p| p.get());
    let reps = o.reps;
    let (pool1, pool2, pool_all) = (pool(1), pool(2), pool(all_threads));
    let interp_scale = n as f64 / o.interp_points as f64;
    // In-cache runs: a block of points whose columns fit in L2, evaluated over and over,
    // so that arithmetic rather than memory bandwidth bounds the time.
    let block = CACHED_POINTS.min(n);
    let passes = n.div_ceil(block);
    let cached_scale = n as f64 / (passes * block) as f64;
    let block_in: Vec<&[f64]> = views.iter().map(|c| &c[..block]).collect();
    let mut block_jit = vec![vec![0.0f64; block]; plan.outputs.len()];
    // Two blocks of `block` points (the second right after the first), one per thread.
    let passes2 = n.div_ceil(2 * block);
    let cached_scale2 = n as f64 / (passes2 * 2 * block) as f64;
    let block2_in: Vec<&[f64]> = views
        .iter()
        .map(|c| &c[block.min(n - block)..][..block])
        .collect();
    let outputs_per_block = plan.outputs.len();
    let mut block2_jit = vec![vec![0.0f64; block]; 2 * outputs_per_block];
    let mut block_hand = vec![vec![0.0f64; block]; plan.outputs.len()];
    let block_hand_in: [&[f64]; 4] = hand_in.map(|c| &c[..block]);
    let jit_on = |out: &mut [Vec<f64>], parallel: bool| {
        let mut outs: Vec<&mut [f64]> = out.iter_mut().map(Vec::as_mut_slice).collect();
        let done = if parallel {
            kernel.run_parallel(&views, &mut outs, &params)
        } else {
            kernel.run(&views, &mut outs, &params)
        };
        done.expect("runs");
    };
    let mut variants: Vec<Variant> = vec![
        Variant::new("jit_1t", 1, 1.0, Box::new(|out| jit_on(out, false))),
        Variant::new(
            "jit_parallel_1t",
            1,
            1.0,
            Box::new(|out| pool1.install(|| jit_on(out, true))),
        ),
        Variant::new(
            "jit_2t",
            2,
            1.0,
            Box::new(|out| pool2.install(|| jit_on(out, true))),
        ),
        Variant::new("rust_1t", 1, 1.0, Box::new(|out| run_by_hand(out))),
        Variant::new(
            "rust_2t",
            2,
            1.0,
            Box::new(|out| pool2.install(|| burgers_by_hand_parallel(hand_in, NU, out))),
        ),
        Variant::new(
            "interpreter_1t",
            1,
            interp_scale,
            Box::new(|out| interpret(out, o.interp_points)),
        ),
        Variant::new(
            "jit_1t_in_cache",
            1,
            cached_scale,
            Box::new(|_| {
                for _ in 0..passes {
                    let mut outs: Vec<&mut [f64]> =
                        block_jit.iter_mut().map(Vec::as_mut_slice).collect();
                    kernel.run(&block_in, &mut outs, &params).expect("runs");
                    black_box(&mut outs);
                }
            }),
        ),
        Variant::new(
            "jit_2t_in_cache",
            2,
            cached_scale2,
            Box::new(|_| {
                // One join per sample: each thread repeats its own block `passes2` times
                // (a join per block would measure thread wake-ups, not the kernel).
                let (a, b) = block2_jit.split_at_mut(outputs_per_block);
                let repeat = |ins: &[&[f64]], outs: &mut [Vec<f64>]| {
                    for _ in 0..passes2 {
                        let mut outs: Vec<&mut [f64]> =
                            outs.iter_mut().map(Vec::as_mut_slice).collect();
                        kernel.run(ins, &mut outs, &params).expect("runs");
                        black_box(&mut outs);
                    }
                };
                pool2.install(|| rayon::join(|| repeat(&block_in, a), || repeat(&block2_in, b)));
            }),
        ),
        Variant::new(
            "rust_1t_in_cache",
            1,
            cached_scale,
            Box::new(|_| {
                for _ in 0..passes {
                    let [u, u_t, u_x, u_xx] = block_hand_in;
                    let mut cols = block_hand.iter_mut().map(Vec::as_mut_slice);
                    let outs: Outputs = [(); 5].map(|_| cols.next().expect("5 outputs"));
                    burgers_by_hand(u, u_t, u_x, u_xx, NU, outs);
                    black_box(&mut block_hand);
                }
            }),
        ),
    ];
    if all_threads > 2 {
        variants.push(Variant::new(
            "jit_all",
            all_threads,
            1.0,
            Box::new(|out| pool_all.install(|| jit_on(out, true))),
        ));
    }
    let mut out = fresh();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(reps); variants.len()];
    let cpu_before = (Instant::now(), cpu_ticks());
    // Round 0 is the warm-up.
    for round in 0..=reps {
        for k in 0..variants.len() {
            let k = (k + round) % variants.len();
            let t = Instant::now();
            (variants[k].run)(&mut out);
            let seconds = t.elapsed().as_secs_f64();
            black_box(&mut out);
            if round > 0 {
                samples[k].push(seconds * variants[k].scale);
            }
        }
    }
    let others_share = other_cpu_share(cpu_before, all_threads);
    if let Some(share) = others_share {
        eprintln!(
            "other processes used {:.0}% of the machine's CPU time while this timed",
            share * 100.0
        );
    }
    // Every sample in round order, for the raw timings file bench/kernels writes.
    let raw: serde_json::Map<String, Value> = variants
        .iter()
        .zip(&samples)
        .map(|(v, s)| (v.name.to_string(), json!(s)))
        .collect();
    let times: Vec<(&str, f64, usize, f64, f64)> = variants
        .iter()
        .zip(&mut samples)
        .map(|(v, s)| {
            s.sort_by(f64::total_cmp);
            (v.name, s[s.len() / 2], v.threads, s[0], s[s.len() - 1])
        })
        .collect();
    drop(variants);

    for (name, seconds, threads, lo, hi) in &times {
        eprintln!(
            "  {name:<18} {:>9.3} ms  (min {:.3}, max {:.3}; {threads} thread{})",
            seconds * 1e3,
            lo * 1e3,
            hi * 1e3,
            if *threads == 1 { "" } else { "s" }
        );
    }

    // --- Report. ---
    let sample = 1000.min(n);
    let report = json!({
        "model": model.name,
        "file": o.model.display().to_string(),
        "points": n,
        "reps": reps,
        "seed": o.seed,
        "threads_all": all_threads,
        "others_cpu_share": others_share,
        "simplify_seconds": simplify_seconds,
        "compile_seconds": compile_seconds,
        "interpreter": {
            "points": o.interp_points,
            "scale": interp_scale,
        },
        "in_cache": {
            "points": block,
            "passes": passes,
            "passes_2t": passes2,
        },
        "inputs_file": o.inputs.as_ref().map(|p| p.display().to_string()),
        "inputs": plan.inputs.iter().map(|&s| json!({
            "name": s.to_string(),
            "source": source_of(s),
            "py": py_name(s),
        })).collect::<Vec<_>>(),
        "params": plan.params.iter().zip(&params).map(|(&s, v)| json!({
            "name": s.to_string(),
            "source": source_of(s),
            "value": v,
        })).collect::<Vec<_>>(),
        "outputs": plan.outputs.iter().map(|(name, root)| json!({
            "name": name,
            "source": print::source(&plan.expr, *root, symbols),
            "py": python(&plan.expr, *root, symbols),
        })).collect::<Vec<_>>(),
        "agreement": {
            "jit_vs_rust": jit_vs_hand,
            "jit_vs_interpreter": jit_vs_interp,
            "jit_vs_jit_2t": jit_vs_jit_par,
            "jit_vs_rust_2t": jit_vs_hand_par,
        },
        "seconds": times.iter().map(|(k, v, ..)| (k.to_string(), json!(v))).collect::<serde_json::Map<String, Value>>(),
        "seconds_min": times.iter().map(|(k, _, _, lo, _)| (k.to_string(), json!(lo))).collect::<serde_json::Map<String, Value>>(),
        "seconds_max": times.iter().map(|(k, .., hi)| (k.to_string(), json!(hi))).collect::<serde_json::Map<String, Value>>(),
        "threads": times.iter().map(|(k, _, t, ..)| (k.to_string(), json!(t))).collect::<serde_json::Map<String, Value>>(),
        "samples": raw,
        "sample": {
            "points": sample,
            "outputs": jit.iter().map(|c| &c[..sample]).collect::<Vec<_>>(),
        },
    });
    let text = serde_json::to_string_pretty(&report)?;
    match &o.json {
        Some(path) => std::fs::write(path, text + "\n")?,
        None => println!("{text}"),
    }
    Ok(())
}

/// Columns written in the hand-written order, put back in the plan's order.
fn unorder(columns: Vec<Vec<f64>>, hand_order: &[usize]) -> Vec<Vec<f64>> {
    let mut slots: Vec<Option<Vec<f64>>> = columns.into_iter().map(Some).collect();
    let mut out = vec![Vec::new(); slots.len()];
    for (k, &plan_index) in hand_order.iter().enumerate() {
        out[plan_index] = slots[k].take().expect("once");
    }
    out
}
