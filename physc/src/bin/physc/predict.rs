//! `physc predict`: compile a file, find its `train` job, and evaluate the network its last
//! run left in `checkpoint.npz` at the points of an NPZ file, through
//! `physc_jobs::train::predict`; write the predictions. Exit 1 on errors in the file, no
//! (or no single) train job, an unusable points file or a missing or mismatched checkpoint.

use crate::cli::{report, PredictArgs};
use physc_compiler::check::JobKind;
use physc_compiler::driver;

pub fn predict(args: &PredictArgs, colour: bool) -> bool {
    let compilation = driver::compile_file(&args.file);
    if compilation.has_errors() {
        let sorted = compilation.diagnostics.clone().sorted();
        report(&sorted, &compilation.sources, colour);
        return false;
    }
    let program = &compilation.program;
    let trains: Vec<_> = program
        .jobs
        .iter()
        .filter(|j| j.kind == JobKind::Train)
        .collect();
    let job = match &args.model {
        Some(name) => trains.iter().find(|j| &j.target == name),
        None if trains.len() == 1 => trains.first(),
        None => None,
    };
    let Some(job) = job else {
        let names: Vec<&str> = trains.iter().map(|j| j.target.as_str()).collect();
        eprintln!(
            "error: {} has {}",
            args.file.display(),
            match (&args.model, names.as_slice()) {
                (_, []) => "no `train` job".to_string(),
                (Some(name), _) =>
                    format!("no `train {name}` job (it trains {})", names.join(", ")),
                (None, _) => format!(
                    "several `train` jobs ({}): say which with --model",
                    names.join(", ")
                ),
            }
        );
        return false;
    };
    let Some(model) = job.model.and_then(|m| program.models.get(m)) else {
        eprintln!("error: `{}` is not a model", job.target);
        return false;
    };
    let options = physc_jobs::RunOptions {
        out_dir: args.out.clone(),
        // The points file is named on the command line: relative to where physc runs.
        source_dir: std::env::current_dir().unwrap_or_default(),
        seed: args.seed,
        ..Default::default()
    };
    let points = args.points.to_string_lossy();
    let predictions = match physc_jobs::train::predict(model, job, &options, &points) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return false;
        }
    };
    let to = args.to.clone().unwrap_or_else(|| {
        let stem = args
            .points
            .file_stem()
            .map_or("points".into(), |s| s.to_string_lossy().into_owned());
        physc_jobs::output_dir(job, &options).join(format!("predictions_{stem}.npz"))
    });
    if let Err(e) = predictions.write(&to) {
        eprintln!("error: {e}");
        return false;
    }
    let count = predictions.fields.first().map_or(0, |(_, a)| a.len());
    let names: Vec<&str> = predictions.fields.iter().map(|(n, _)| n.as_str()).collect();
    eprintln!(
        "{}: {} at {count} points; wrote {}",
        job.target,
        names.join(", "),
        to.display()
    );
    true
}
