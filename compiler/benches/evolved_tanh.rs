//! Evolved `tanh` against the library's in an f32 kernel (run by `bench/evolve`): two
//! Cranelift kernels of one input column, `y = tanh(x)` (which calls physc's f32 tanh, the
//! one every kernel uses: f64 `exp` and a division, correctly rounded) and `y = P(x)` with
//! P the chosen program of an f32 `physc evolve tanh` run (read from its report.json), over
//! 10^6 points uniform in the evolved range, on one thread. Reports the median time of each
//! over `--reps` rounds (alternating), the speed-up, and the accuracy of P measured here on
//! the same points (max ULP against f64 tanh), beside the exhaustive figure of the report.
//!
//! Options: `--report PATH` (required), `--points N` (10^6), `--reps N` (31), `--json PATH`.

use egg::Symbol;
use physc_compiler::codegen::{compile, KernelSpec};
use physc_compiler::ir::standalone::lower_expression;
use physc_compiler::ir::Math;
use physc_compiler::source::SourceMap;
use physc_runtime::straight_line::ulp::ulp_error;
use physc_runtime::Kernel;
use serde_json::{json, Value};
use std::time::Instant;

fn kernel(phys: &str) -> Result<Kernel<f32>, Box<dyn std::error::Error>> {
    let mut sources = SourceMap::new();
    let file = sources.add("<evolved>", None, phys.to_string());
    let e = physc_compiler::syntax::parse_expression(file, phys)
        .map_err(|_| format!("cannot parse {phys}"))?;
    let s = lower_expression(&e).map_err(|d| d.message)?;
    let x = s
        .symbols
        .iter()
        .next()
        .map(|i| i.name)
        .unwrap_or_else(|| Symbol::from("x"));
    let spec = KernelSpec {
        expr: &s.builder.expr,
        outputs: vec![("y".into(), s.root)],
        inputs: vec![x],
        params: vec![],
    };
    Ok(compile::<f32>(&spec)?.0)
}

fn library() -> Result<Kernel<f32>, Box<dyn std::error::Error>> {
    let mut expr = egg::RecExpr::default();
    let x = expr.add(Math::Symbol(Symbol::from("x")));
    let y = expr.add(Math::Tanh(x));
    let spec = KernelSpec {
        expr: &expr,
        outputs: vec![("y".into(), y)],
        inputs: vec![Symbol::from("x")],
        params: vec![],
    };
    Ok(compile::<f32>(&spec)?.0)
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let report_path = arg("--report").ok_or("--report PATH is required")?;
    let n: usize = arg("--points").map_or(Ok(1_000_000), |s| s.parse())?;
    let reps: usize = arg("--reps").map_or(Ok(31), |s| s.parse())?;
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report_path)?)?;
    let phys = report["best"]["phys"]
        .as_str()
        .ok_or("no best.phys in the report")?;
    let (a, b) = (
        report["range"][0].as_f64().ok_or("no range")?,
        report["range"][1].as_f64().ok_or("no range")?,
    );
    let evolved = kernel(phys)?;
    let lib = library()?;
    let xs: Vec<f32> = (0..n)
        .map(|i| (a + (b - a) * (i as f64 + 0.5) / n as f64) as f32)
        .collect();
    let mut y_lib = vec![0.0f32; n];
    let mut y_evo = vec![0.0f32; n];
    let mut t_lib = Vec::new();
    let mut t_evo = Vec::new();
    for r in 0..=reps {
        let time =
            |k: &Kernel<f32>, out: &mut Vec<f32>| -> Result<f64, Box<dyn std::error::Error>> {
                let t = Instant::now();
                k.run(&[&xs], &mut [out.as_mut_slice()], &[])?;
                Ok(t.elapsed().as_secs_f64())
            };
        let (l, e) = if r % 2 == 0 {
            let l = time(&lib, &mut y_lib)?;
            (l, time(&evolved, &mut y_evo)?)
        } else {
            let e = time(&evolved, &mut y_evo)?;
            (time(&lib, &mut y_lib)?, e)
        };
        if r > 0 {
            t_lib.push(l);
            t_evo.push(e);
        }
    }
    let max_ulp = xs
        .iter()
        .zip(&y_evo)
        .map(|(&x, &y)| ulp_error(y, (x as f64).tanh()))
        .fold(0.0, f64::max);
    let lib_ulp = xs
        .iter()
        .zip(&y_lib)
        .map(|(&x, &y)| ulp_error(y, (x as f64).tanh()))
        .fold(0.0, f64::max);
    let (tl, te) = (median(t_lib), median(t_evo));
    let out = json!({
        "points": n,
        "range": [a, b],
        "library_ns_per_point": tl * 1e9 / n as f64,
        "evolved_ns_per_point": te * 1e9 / n as f64,
        "speedup": tl / te,
        "evolved_ops": report["best"]["verification"]["ops"],
        "evolved_max_ulp_here": max_ulp,
        "evolved_max_ulp_exhaustive": report["best"]["verification"]["max_ulp"],
        "library_max_ulp_here": lib_ulp,
        "evolved": phys,
    });
    let text = serde_json::to_string_pretty(&out)?;
    match arg("--json") {
        Some(p) => std::fs::write(p, text)?,
        None => println!("{text}"),
    }
    Ok(())
}
