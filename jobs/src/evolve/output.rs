//! The files of an evolution, in `<out>/<name>/`: `front.csv` and `front.png` (the Pareto
//! front), `evolved.phys` (every front member as a `fn`, the chosen one also under the plain
//! name `<target>_<precision>`), `best.rs` and `best.c` (the chosen program as Rust and C;
//! the C function is `physc_<target>`), and `report.json` (with, per member, the seed it
//! descends from and, for f32, what tuning the constants did). Everything is written
//! atomically.

use super::config::{CostKind, EvolveConfig, Precision};
use super::{emit, search};
use super::{unit, Outcome};
use physc_runtime::output::plot::{pareto_front, Figure};
use physc_runtime::output::{atomic_write, csv, report};
use serde_json::json;
use std::path::Path;

/// The function name of front member `i` in `evolved.phys`.
fn member_name(base: &str, outcome: &Outcome, i: usize) -> String {
    format!("{base}_{}ops", outcome.front[i].individual.program.cost())
}

/// `exp_f32`, or the sanitised user function name.
pub fn base_name(config: &EvolveConfig) -> String {
    let t: String = config
        .target
        .name()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{t}_{}", config.precision.name())
}

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

pub fn write(
    dir: &Path,
    name: &str,
    config: &EvolveConfig,
    outcome: &Outcome,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let p = config.precision;
    let base = base_name(config);
    let front = &outcome.front;
    let col = |f: &dyn Fn(&super::Member) -> f64| front.iter().map(f).collect::<Vec<f64>>();
    let ops = col(&|m| m.individual.program.cost() as f64);
    let cost = col(&|m| m.individual.cost);
    let error = col(&|m| m.individual.error);
    let verified = col(&|m| m.verified.as_ref().map_or(f64::NAN, |v| v.max_error));
    let exhaustive = col(&|m| {
        m.verified
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
        "{name}: {} on [{}, {}]",
        config.target.name(),
        config.range.0,
        config.range.1
    );
    let points: Vec<(f64, f64)> = front
        .iter()
        .map(|m| {
            let e = m
                .verified
                .as_ref()
                .map_or(m.individual.error, |v| v.max_error);
            (m.individual.cost, e)
        })
        .collect();
    let chosen = points.get(outcome.best).copied();
    pareto_front(
        &dir.join("front.png"),
        &Figure::new(&title, cost_label, error_label),
        &points,
        chosen,
    )
    .map_err(|e| e.to_string())?;

    // evolved.phys
    let describe = |i: usize| {
        let m = &front[i];
        let ind = &m.individual;
        match &m.verified {
            Some(v) => format!(
                "{} ops, max error {} ({} over {} points)",
                ind.program.cost(),
                error_text(v.max_error, p),
                if v.exhaustive {
                    "every f32"
                } else {
                    "dense grid"
                },
                v.points
            ),
            None => format!(
                "{} ops, max error {} on the training points (not verified)",
                ind.program.cost(),
                error_text(ind.error, p)
            ),
        }
    };
    let mut phys = format!(
        "// Evolved by physc: approximations of {} on [{}, {}] in {}.\n// Use from a model with `use \"{}\"` (relative to the using file).\n\n",
        config.target.name(),
        config.range.0,
        config.range.1,
        p.name(),
        dir.join("evolved.phys").display()
    );
    let best_body = emit::phys_body(&front[outcome.best].individual.program);
    phys += &format!(
        "// The chosen program: {}.\nfn {base}(x) = {best_body}\n",
        describe(outcome.best)
    );
    for (i, m) in front.iter().enumerate() {
        phys += &format!(
            "\n// {}.\nfn {}(x) = {}\n",
            describe(i),
            member_name(&base, outcome, i),
            emit::phys_body(&m.individual.program)
        );
    }
    atomic_write(&dir.join("evolved.phys"), phys.as_bytes()).map_err(|e| e.to_string())?;

    let best = &front[outcome.best].individual.program;
    let comment = format!(
        "{} on [{}, {}]: {}",
        config.target.name(),
        config.range.0,
        config.range.1,
        describe(outcome.best)
    );
    let rs = format!(
        "// Evolved by physc.\n{}",
        emit::rust(best, &base, p, &comment)
    );
    atomic_write(&dir.join("best.rs"), rs.as_bytes()).map_err(|e| e.to_string())?;
    let c_name = format!(
        "physc_{}",
        base_name(config).trim_end_matches(&format!("_{}", p.name()))
    );
    let c = format!(
        "/* Evolved by physc. Compile with -ffp-contract=off (or none): the program's own fma calls are the only fused operations it was verified with. */\n#include <math.h>\n\n{}",
        emit::c(best, &c_name, p, &comment)
    );
    atomic_write(&dir.join("best.c"), c.as_bytes()).map_err(|e| e.to_string())?;

    let s = &outcome.stats;
    let v = front[outcome.best].verified.as_ref();
    let mut verification = json!({
        "ops": best.cost(),
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
    let seed_names: Vec<String> = search::seeds(config).into_iter().map(|s| s.name).collect();
    let members: Vec<serde_json::Value> = (0..front.len())
        .map(|i| {
            let m = &front[i];
            json!({
                "name": member_name(&base, outcome, i),
                "ops": m.individual.program.cost(),
                "cost": m.individual.cost,
                "train_error": m.individual.error,
                "verified_error": m.verified.as_ref().map(|v| v.max_error),
                "exhaustive": m.verified.as_ref().is_some_and(|v| v.exhaustive),
                "seed": seed_names.get(m.individual.origin),
                "tuning": m.tuning.as_ref().map(|t| json!({
                    "max_ulp_before": t.before,
                    "scans": t.scans,
                })),
                "phys": emit::phys_body(&m.individual.program),
                // The member alone as C (what best.c holds for the chosen one), so any
                // member can be checked independently.
                "c": emit::c(&m.individual.program, &c_name, p, &describe(i)),
            })
        })
        .collect();
    let report = json!({
        "job": "evolve",
        "name": name,
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
        "dedup": {
            "shape_duplicates": s.shape_duplicates,
            "value_duplicates": s.value_duplicates,
            "invalid_mutations": s.invalid,
            "diverged": s.diverged,
        },
        "search_seconds": s.seconds,
        "verify_seconds": outcome.verify_seconds,
        "wall_time_s": outcome.total_seconds,
        "seeds": seed_names,
        "best": {
            "name": base,
            "seed": seed_names.get(front[outcome.best].individual.origin),
            "phys": best_body,
            "verification": verification,
        },
        "front": members,
    });
    report::write(dir, &report).map_err(|e| e.to_string())?;
    Ok(())
}

/// What a person sees at the end of a run.
pub fn summary(name: &str, config: &EvolveConfig, outcome: &Outcome) {
    let s = &outcome.stats;
    eprintln!(
        "evolve {name}: {} generations, {} fits ({:.0}/s), {} fits saved by e-graph dedup, {} value duplicates",
        s.generations,
        s.evaluations,
        s.evaluations as f64 / s.seconds.max(1e-9),
        s.shape_duplicates,
        s.value_duplicates
    );
    eprintln!("  ops  {:>12}  verified  (seed)", unit(config.precision));
    let seed_names: Vec<String> = search::seeds(config).into_iter().map(|s| s.name).collect();
    for (i, m) in outcome.front.iter().enumerate() {
        let v = m.verified.as_ref().map_or("-".to_string(), |v| {
            format!(
                "{:.4e}{}",
                v.max_error,
                if v.exhaustive { " (every f32)" } else { "" }
            )
        });
        let tuned = m.tuning.as_ref().map_or(String::new(), |t| {
            format!(" (tuned from {:.4} in {} scans)", t.before, t.scans)
        });
        eprintln!(
            "  {:>3}  {:>12.4e}  {v}{tuned}  ({}){}",
            m.individual.program.cost(),
            m.individual.error,
            seed_names
                .get(m.individual.origin)
                .map_or("?", |s| s.as_str()),
            if i == outcome.best {
                "  ← chosen"
            } else {
                ""
            }
        );
    }
}
