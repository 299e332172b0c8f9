//! The files of an evolution, in `<out>/<name>/`: `front.csv` and `front.png` (the Pareto
//! front), `evolved.phys` (every front member as a `fn`, the chosen one also under the plain
//! name `<target>_<precision>`), `best.rs` and `best.c` (the chosen program as Rust and C;
//! the C function is `physc_<target>`), and `report.json` (with, per member, the seed it
//! descends from and, for f32, what tuning the constants did). Everything is written
//! atomically. Also the report as a value and the summary as text, from a [`Front`].

use super::config::{CostKind, Precision};
use super::emit;
use super::front::{Front, Member};
use super::unit;
use super::verify::Verified;
use physc_runtime::output::plot::{pareto_front, Figure};
use physc_runtime::output::{atomic_write, csv, report};
use serde_json::json;
use std::path::Path;

fn error_text(e: f64, p: Precision) -> String {
    match p {
        Precision::F32 => format!("{e:.4} ULP"),
        Precision::F64 => format!("{e:.3e} relative ({:.2} digits)", digits(e)),
    }
}

/// Correct significant digits of a relative error.
pub fn digits(rel: f64) -> f64 {
    if rel > 0.0 {
        -rel.log10()
    } else {
        17.0
    }
}

/// A member in words, for the comments of the emitted code: its operations and its error,
/// verified or not.
pub fn describe(ops: usize, train_error: f64, verified: Option<&Verified>, p: Precision) -> String {
    match verified {
        Some(v) => format!(
            "{ops} ops, max error {} ({} over {} points)",
            error_text(v.max_error, p),
            if v.exhaustive {
                "every f32"
            } else {
                "dense grid"
            },
            v.points
        ),
        None => format!(
            "{ops} ops, max error {} on the training points (not verified)",
            error_text(train_error, p)
        ),
    }
}

pub fn write(front: &Front, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let config = &front.config;
    let p = config.precision;
    let base = config.base_name();
    let members = &front.members;
    let col = |f: &dyn Fn(&Member) -> f64| members.iter().map(f).collect::<Vec<f64>>();
    let ops = col(&|m| m.ops() as f64);
    let cost = col(&|m| m.cost);
    let error = col(&|m| m.train_error);
    let verified = col(&|m| m.verification.as_ref().map_or(f64::NAN, |v| v.max_error));
    let exhaustive = col(&|m| {
        m.verification
            .as_ref()
            .map_or(0.0, |v| v.exhaustive as u8 as f64)
    });
    csv::write(
        &dir.join("front.csv"),
        &[
            ("ops", &ops),
            ("cost", &cost),
            ("train_error", &error),
            ("verified_error", &verified),
            ("exhaustive", &exhaustive),
        ],
    )
    .map_err(|e| e.to_string())?;

    let cost_label = match config.cost {
        CostKind::Ops => "operations that depend on x",
        CostKind::Measured => "measured time per point (ns)",
    };
    let error_label = match p {
        Precision::F32 => "max error (f32 ULP)",
        Precision::F64 => "max relative error",
    };
    let title = format!(
        "{}: {} on [{}, {}]",
        front.name,
        config.target.name(),
        config.range.0,
        config.range.1
    );
    let points: Vec<(f64, f64)> = members.iter().map(|m| (m.cost, m.error())).collect();
    let chosen = points.get(front.best).copied();
    pareto_front(
        &dir.join("front.png"),
        &Figure::new(&title, cost_label, error_label),
        &points,
        chosen,
    )
    .map_err(|e| e.to_string())?;

    let best = front.best_member();
    let mut phys = format!(
        "// Evolved by physc: approximations of {} on [{}, {}] in {}.\n// Use from a model with `use \"{}\"` (relative to the using file).\n\n",
        config.target.name(),
        config.range.0,
        config.range.1,
        p.name(),
        dir.join("evolved.phys").display()
    );
    phys += &format!(
        "// The chosen program: {}.\nfn {base}(x) = {}\n",
        best.description, best.phys_body
    );
    for m in members {
        phys += &format!("\n// {}.\n{}\n", m.description, m.phys);
    }
    atomic_write(&dir.join("evolved.phys"), phys.as_bytes()).map_err(|e| e.to_string())?;

    let rs = format!("// Evolved by physc.\n{}", best.rust);
    atomic_write(&dir.join("best.rs"), rs.as_bytes()).map_err(|e| e.to_string())?;
    let c = format!(
        "/* Evolved by physc. Compile with -ffp-contract=off (or none): the program's own fma calls are the only fused operations it was verified with. */\n#include <math.h>\n\n{}",
        best.c
    );
    atomic_write(&dir.join("best.c"), c.as_bytes()).map_err(|e| e.to_string())?;
    report::write(dir, &front.report).map_err(|e| e.to_string())?;
    Ok(())
}

/// `report.json`: the configuration, the search statistics, the chosen program with its
/// verification, and every member (with, per member, the seed it descends from, what
/// tuning did and the member alone as C).
pub fn report(front: &Front) -> serde_json::Value {
    let config = &front.config;
    let p = config.precision;
    let base = config.base_name();
    let c_name = format!("physc_{}", base.trim_end_matches(&format!("_{}", p.name())));
    let s = &front.stats;
    let best = front.best_member();
    let v = best.verification.as_ref();
    let mut verification = json!({
        "ops": best.ops(),
        "exhaustive": v.is_some_and(|v| v.exhaustive),
        "points": v.map_or(0, |v| v.points),
        "worst_x": v.map(|v| v.worst_x),
        "seconds": v.map(|v| v.seconds),
    });
    let key = match p {
        Precision::F32 => "max_ulp",
        Precision::F64 => "max_rel_err",
    };
    verification[key] = json!(v.map(|v| v.max_error));
    if p == Precision::F64 {
        verification["digits"] = json!(v.map(|v| digits(v.max_error)));
    }
    let members: Vec<serde_json::Value> = front
        .members
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "ops": m.ops(),
                "cost": m.cost,
                "train_error": m.train_error,
                "verified_error": m.verification.as_ref().map(|v| v.max_error),
                "exhaustive": m.verification.as_ref().is_some_and(|v| v.exhaustive),
                "seed": m.seed,
                "tuning": m.tuning.as_ref().map(|t| json!({
                    "max_ulp_before": t.before,
                    "scans": t.scans,
                })),
                "phys": m.phys_body,
                // The member alone as C (what best.c holds for the chosen one), so any
                // member can be checked independently.
                "c": emit::c(&m.program, &c_name, p, &m.description),
            })
        })
        .collect();
    json!({
        "job": "evolve",
        "name": front.name,
        "target": config.target.name(),
        "range": [config.range.0, config.range.1],
        "precision": p.name(),
        "ops_allowed": config.ops.iter().map(|o| o.name()).collect::<Vec<_>>(),
        "cost": match config.cost { CostKind::Ops => "ops", CostKind::Measured => "measured" },
        "seed": config.seed,
        "population": config.population,
        "max_ops": config.max_ops,
        "generations": s.generations,
        "children": s.children,
        "evaluations": s.evaluations,
        "evaluations_per_second": s.evaluations as f64 / s.seconds.max(1e-9),
        // Ranks of a distributed search (1: one process) and the members they exchanged.
        "islands": s.islands.max(1),
        "migrants": s.migrants,
        "dedup": {
            "shape_duplicates": s.shape_duplicates,
            "value_duplicates": s.value_duplicates,
            "invalid_mutations": s.invalid,
            "diverged": s.diverged,
        },
        "search_seconds": s.seconds,
        "verify_seconds": front.verify_seconds,
        "wall_time_s": front.total_seconds,
        "seeds": front.seeds,
        "best": {
            "name": base,
            "seed": best.seed,
            "phys": best.phys_body,
            "verification": verification,
        },
        "front": members,
    })
}

/// What a person sees at the end of a run: the search in one line, then one line per
/// member (operations, training error, verified error and tuning, seed; the chosen one
/// marked).
pub fn summary(front: &Front) -> String {
    let s = &front.stats;
    let mut text = format!(
        "evolve {}: {} generations, {} fits ({:.0}/s), {} fits saved by e-graph dedup, {} value duplicates\n",
        front.name,
        s.generations,
        s.evaluations,
        s.evaluations as f64 / s.seconds.max(1e-9),
        s.shape_duplicates,
        s.value_duplicates
    );
    if s.islands > 1 {
        text += &format!(
            "  on {} islands (MPI ranks), {} migrants admitted\n",
            s.islands, s.migrants
        );
    }
    text += &format!(
        "  ops  {:>12}  verified  (seed)\n",
        unit(front.config.precision)
    );
    for (i, m) in front.members.iter().enumerate() {
        let v = m.verification.as_ref().map_or("-".to_string(), |v| {
            format!(
                "{:.4e}{}",
                v.max_error,
                if v.exhaustive { " (every f32)" } else { "" }
            )
        });
        let tuned = m.tuning.as_ref().map_or(String::new(), |t| {
            format!(" (tuned from {:.4} in {} scans)", t.before, t.scans)
        });
        text += &format!(
            "  {:>3}  {:>12.4e}  {v}{tuned}  ({}){}\n",
            m.ops(),
            m.train_error,
            m.seed.as_deref().unwrap_or("?"),
            if i == front.best { "  ← chosen" } else { "" }
        );
    }
    text
}
