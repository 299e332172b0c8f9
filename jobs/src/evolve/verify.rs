//! Checking candidates with the code that would really run: each program is compiled by
//! Cranelift (f32 kernels round in f32 and fuse `fma` like the CPU does) and compared with
//! the f64 reference — over every f32 in the range for f32 targets, over a dense grid for f64
//! targets. f32 members first have their constants tuned by a discrete search over
//! neighbouring f32 values, alternating with exhaustive scans whose worst floats join the
//! tuner's points ([`tune_exhaustive`]). Also the measured cost of a program: the time per
//! point of its kernel.
//!
//! Under MPI every rank verifies the same members: each scans a share of the floats and the
//! parts are gathered and merged, exactly the scan one process makes, so the tuning that
//! follows takes the same steps on every rank.

use super::config::Precision;
use super::ir::{to_ir, Constants};
use super::target::Reference;
use egg::Symbol;
use physc_compiler::codegen::cranelift::{compile, JitReal, KernelSpec};
use physc_runtime::comm::{share, Communicator};
use physc_runtime::rng::Rng;
use physc_runtime::straight_line::tune::{refine, Proxy, TuneEffort};
use physc_runtime::straight_line::ulp::{
    exhaustive_f32, exhaustive_f32_part, merge_exhaustive, relative_error, scan_chunks, Exhaustive,
    ExhaustivePart,
};
use physc_runtime::straight_line::Program;
use physc_runtime::Kernel;
use rayon::prelude::*;
use std::time::Instant;

/// A program as a kernel of one input column `x` and one output `y`.
pub fn kernel<T: JitReal>(p: &Program) -> Result<Kernel<T>, String> {
    let (expr, root) = to_ir(p, Constants::Values);
    let spec = KernelSpec {
        expr: &expr,
        outputs: vec![("y".into(), root)],
        inputs: vec![Symbol::from("x")],
        params: vec![],
    };
    compile::<T>(&spec)
        .map(|(k, _)| k)
        .map_err(|e| e.to_string())
}

/// What verification found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Maximum f32 ULP error, or maximum relative error for f64.
    pub max_error: f64,
    /// Every f32 in the range was checked (f32), or a dense grid (f64, and f32 when time ran
    /// out).
    pub exhaustive: bool,
    pub points: u64,
    /// Where the maximum is reached.
    pub worst_x: f64,
    /// The worst inputs and their errors, worst first: up to [`WORST_INPUTS`] (for f32, the
    /// floats themselves, exactly).
    pub worst: Vec<(f64, f64)>,
    pub seconds: f64,
}

/// How many of the worst inputs a verification keeps.
pub const WORST_INPUTS: usize = 16;

/// The worst inputs of an exhaustive scan, as [`Verified::worst`] holds them.
fn worst_floats(scan: &Exhaustive) -> Vec<(f64, f64)> {
    scan.worst
        .iter()
        .take(WORST_INPUTS)
        .map(|&(x, e)| (x as f64, e))
        .collect()
}

/// The [`WORST_INPUTS`] largest errors (NaN counting as the largest) and their inputs, worst
/// first.
fn worst_of(xs: &[f64], errors: &[f64]) -> Vec<(f64, f64)> {
    let worse = |a: f64, b: f64| (a.is_nan() && !b.is_nan()) || a > b;
    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(WORST_INPUTS + 1);
    for (&x, &e) in xs.iter().zip(errors) {
        if kept.len() == WORST_INPUTS && !worse(e, kept[WORST_INPUTS - 1].1) {
            continue;
        }
        let at = kept.partition_point(|&(_, k)| !worse(e, k));
        kept.insert(at, (x, e));
        kept.truncate(WORST_INPUTS);
    }
    kept
}

/// Points of the dense f64 grid.
pub const DENSE_POINTS: usize = 1 << 21;
/// f32 numbers per parallel chunk of the exhaustive scan.
const CHUNK: usize = 1 << 20;

/// Every f32 in the range through `p`'s compiled f32 kernel, against the reference; with
/// several ranks, each scans its share of the chunks and every rank gets the merged scan (a
/// collective: every rank calls it with the same program).
fn scan_f32(
    p: &Program,
    range: (f64, f64),
    reference: &Reference,
    comm: &dyn Communicator,
) -> Result<Exhaustive, String> {
    let k = kernel::<f32>(p)?;
    let eval = |xs: &[f32], ys: &mut [f32]| {
        if k.run(&[xs], &mut [ys], &[]).is_err() {
            ys.fill(f32::NAN);
        }
    };
    let reference = |xs: &[f64], ys: &mut [f64]| reference.eval_into(xs, ys);
    let (lo, hi) = range;
    if comm.size() == 1 {
        return Ok(exhaustive_f32(lo, hi, CHUNK, eval, reference));
    }
    let mine = share(scan_chunks(lo, hi, CHUNK), comm.rank(), comm.size());
    let part = exhaustive_f32_part(lo, hi, CHUNK, mine, eval, reference);
    let parts = comm
        .all_gather_varying(&part.to_words())
        .iter()
        .map(|words| ExhaustivePart::from_words(words))
        .collect::<Option<Vec<_>>>()
        .ok_or("a rank sent a malformed part of an exhaustive scan")?;
    Ok(merge_exhaustive(lo, hi, parts))
}

/// What rounding-aware tuning did to a member (f32).
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// Max ULP over every float with the constants search left.
    pub before: f64,
    /// Exhaustive scans made (the first is of the untuned constants).
    pub scans: usize,
}

/// Proxy points for tuning: `n` floats spread evenly over the range, with the reference.
pub fn proxy(range: (f64, f64), reference: &Reference, n: usize) -> Proxy {
    let xs: Vec<f32> = (0..n.max(2))
        .map(|i| {
            let x = range.0 + (range.1 - range.0) * i as f64 / (n.max(2) - 1) as f64;
            let f = x as f32;
            if (f as f64) < range.0 {
                f.next_up()
            } else if (f as f64) > range.1 {
                f.next_down()
            } else {
                f
            }
        })
        .collect();
    let wide: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
    let mut want = vec![0.0; xs.len()];
    reference.eval_into(&wide, &mut want);
    Proxy::new(&xs, &want)
}

/// Rounding-aware tuning of an f32 program's constants, alternating with exhaustive scans
/// of the compiled kernel ([`physc_runtime::straight_line::tune::refine`]): at most `rounds`
/// tunings while `more(seconds of the last scan)` allows. Returns the tuned program, its exhaustive verification
/// and what tuning did; never worse over every float than the program given.
///
/// A collective with several ranks: every rank tunes alike (the same `rng` state, and `more`
/// must answer alike, as [`Communicator::any`] does).
#[allow(clippy::too_many_arguments)] // one call site; the scan's inputs and the tuner's state
pub fn tune_exhaustive(
    p: &Program,
    range: (f64, f64),
    reference: &Reference,
    proxy: &mut Proxy,
    rounds: usize,
    more: &dyn Fn(f64) -> bool,
    rng: &mut Rng,
    comm: &dyn Communicator,
) -> Result<(Program, Verified, Tuning), String> {
    kernel::<f32>(p)?;
    let mut scan = |c: &[f64]| {
        let q = Program {
            consts: c.to_vec(),
            ..p.clone()
        };
        match scan_f32(&q, range, reference, comm) {
            Ok(r) => r,
            Err(_) => Exhaustive {
                count: 0,
                max_ulp: f64::INFINITY,
                worst_x: f32::NAN,
                mean_ulp: f64::INFINITY,
                seconds: 0.0,
                worst: Vec::new(),
            },
        }
    };
    let r = refine(
        p,
        &p.consts,
        proxy,
        rounds,
        TuneEffort::DEFAULT,
        rng,
        &mut scan,
        &|xs, ys| reference.eval_into(xs, ys),
        more,
    );
    let tuned = Program {
        consts: r.consts,
        ..p.clone()
    };
    let verified = Verified {
        max_error: r.scan.max_ulp,
        exhaustive: true,
        points: r.scan.count,
        worst_x: r.scan.worst_x as f64,
        worst: worst_floats(&r.scan),
        seconds: r.scan.seconds,
    };
    Ok((
        tuned,
        verified,
        Tuning {
            before: r.start.max_ulp,
            scans: r.scans,
        },
    ))
}

/// A dense uniform grid through the compiled kernel of the target precision.
pub fn dense(
    p: &Program,
    precision: Precision,
    range: (f64, f64),
    reference: &Reference,
) -> Result<Verified, String> {
    let start = Instant::now();
    let (a, b) = range;
    let n = DENSE_POINTS;
    let mut xs: Vec<f64> = (0..n)
        .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
        .collect();
    let errors: Vec<f64> = match precision {
        Precision::F64 => {
            let k = kernel::<f64>(p)?;
            let got = k.eval(&[&xs], &[]).map_err(|e| e.to_string())?;
            let mut want = vec![0.0; n];
            reference.eval_into(&xs, &mut want);
            got[0]
                .par_iter()
                .zip(&want)
                .map(|(&g, &w)| relative_error(g, w))
                .collect()
        }
        Precision::F32 => {
            let k = kernel::<f32>(p)?;
            let x32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
            for (x, &f) in xs.iter_mut().zip(&x32) {
                *x = f as f64;
            }
            let got = k.eval(&[&x32], &[]).map_err(|e| e.to_string())?;
            let mut want = vec![0.0; n];
            reference.eval_into(&xs, &mut want);
            got[0]
                .par_iter()
                .zip(&want)
                .map(|(&g, &w)| physc_runtime::straight_line::ulp::ulp_error(g, w))
                .collect()
        }
    };
    let (worst, max) = errors
        .iter()
        .enumerate()
        .fold((0, 0.0f64), |(i, m), (j, &e)| {
            if e > m || e.is_nan() {
                (j, e)
            } else {
                (i, m)
            }
        });
    Ok(Verified {
        max_error: max,
        exhaustive: false,
        points: n as u64,
        worst_x: xs[worst],
        worst: worst_of(&xs, &errors),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Nanoseconds per point of the compiled program (the fastest of several runs over a block
/// of points in L2 cache, on the calling thread).
pub fn measured_ns(p: &Program, precision: Precision, range: (f64, f64)) -> Result<f64, String> {
    fn time<T: JitReal + Default>(k: &Kernel<T>, xs: &[T]) -> f64 {
        let mut ys = vec![T::default(); xs.len()];
        let mut best = f64::INFINITY;
        for _ in 0..7 {
            let t = Instant::now();
            let _ = k.run(&[xs], &mut [&mut ys], &[]);
            best = best.min(t.elapsed().as_secs_f64());
        }
        best * 1e9 / xs.len() as f64
    }
    const N: usize = 1 << 14;
    let xs: Vec<f64> = (0..N)
        .map(|i| range.0 + (range.1 - range.0) * i as f64 / N as f64)
        .collect();
    Ok(match precision {
        Precision::F64 => time(&kernel::<f64>(p)?, &xs),
        Precision::F32 => {
            let x32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
            time(&kernel::<f32>(p)?, &x32)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use physc_runtime::straight_line::{horner, mutate::mutate, Op};

    #[test]
    fn worst_inputs_are_the_largest_errors_worst_first() {
        let xs: Vec<f64> = (0..100).map(f64::from).collect();
        let mut errors: Vec<f64> = xs.iter().map(|x| (x * 37.0) % 101.0).collect();
        errors[5] = f64::NAN;
        let worst = worst_of(&xs, &errors);
        assert_eq!(worst.len(), WORST_INPUTS);
        assert_eq!(worst[0].0, 5.0, "NaN is the worst");
        let mut finite: Vec<f64> = errors.iter().copied().filter(|e| !e.is_nan()).collect();
        finite.sort_by(|a, b| b.total_cmp(a));
        let kept: Vec<f64> = worst[1..].iter().map(|w| w.1).collect();
        assert_eq!(kept, finite[..WORST_INPUTS - 1]);
        for &(x, e) in &worst[1..] {
            assert_eq!(errors[x as usize], e);
        }
    }

    /// Compiled kernels compute exactly what the runtime's f32 and f64 evaluation does:
    /// the same roundings, and `fma` fused in both.
    #[test]
    fn kernels_agree_bit_for_bit_with_evaluation() {
        let mut rng = Rng::new(9);
        let mut p = horner(5, true);
        p.consts = vec![0.01, 0.04, 0.17, 0.5, 1.0, 1.0];
        let xs: Vec<f64> = (0..1000).map(|i| i as f64 / 999.0).collect();
        let x32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        for _ in 0..40 {
            let k64 = kernel::<f64>(&p).unwrap();
            let k32 = kernel::<f32>(&p).unwrap();
            let y64 = k64.eval(&[&xs], &[]).unwrap();
            let y32 = k32.eval(&[&x32], &[]).unwrap();
            for i in 0..xs.len() {
                let (a, b) = (y64[0][i], p.eval(xs[i]));
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{p:?}"
                );
                let (a, b) = (y32[0][i], p.eval(x32[i]));
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{p:?}"
                );
            }
            if let Some(q) = mutate(&p, &Op::ALL, 10, &mut rng) {
                p = q;
            }
        }
    }
}
