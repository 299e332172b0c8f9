//! `physc sample`: compile a file, draw its domain's points through `physc_jobs::sample`,
//! print how long the draws took and write them when asked. Exit 1 on errors in the file, a
//! model without a domain, or points that cannot be drawn or written.

use crate::cli::{report, Format, SampleArgs, SamplerArg};
use physc_compiler::driver;
use physc_jobs::sample::{sample as draw, SampleConfig};
use physc_runtime::sampling::Sampler;

pub fn sample(args: &SampleArgs, colour: bool) -> bool {
    let compilation = driver::compile_file(&args.file);
    let sorted = compilation.diagnostics.clone().sorted();
    if compilation.has_errors() {
        report(&sorted, &compilation.sources, colour);
        return false;
    }
    let models = &compilation.program.models;
    let model = match &args.model {
        Some(name) => models.iter().find(|m| m.local && &m.name == name),
        None => models.iter().find(|m| m.local && m.domain.is_some()),
    };
    let Some(model) = model else {
        eprintln!(
            "error: {} has no model {}",
            args.file.display(),
            match &args.model {
                Some(name) => format!("named `{name}`"),
                None => "with a `domain = ...`".into(),
            }
        );
        return false;
    };
    let config = SampleConfig {
        interior: args.interior,
        boundary: args.boundary,
        part: args.part.clone(),
        sampler: match args.sampler {
            SamplerArg::Uniform => Sampler::Uniform,
            SamplerArg::Lhs => Sampler::LatinHypercube,
            SamplerArg::Sobol => Sampler::Sobol,
        },
        seed: args.seed,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.map_or(0, |t| t.max(1)))
        .build();
    let drawn = match pool {
        Ok(pool) => pool.install(|| draw(model, &config)),
        Err(e) => Err(e.to_string()),
    };
    let sampled = match drawn {
        Ok(s) => s,
        Err(why) => {
            eprintln!("error: {why}");
            return false;
        }
    };
    if let Some(out) = &args.out {
        if let Err(e) = sampled.write(out) {
            eprintln!("error: {e}");
            return false;
        }
    }
    match args.format {
        Format::Human => eprintln!(
            "{}: {} interior points in {:.3} s, {} boundary points in {:.3} s{}",
            model.name,
            args.interior,
            sampled.interior_seconds,
            args.boundary,
            sampled.boundary_seconds,
            args.out
                .as_ref()
                .map(|p| format!(", written to {}", p.display()))
                .unwrap_or_default()
        ),
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "model": model.name,
                "interior": args.interior,
                "interior_s": sampled.interior_seconds,
                "boundary": args.boundary,
                "boundary_s": sampled.boundary_seconds,
                "out": args.out.as_ref().map(|p| p.display().to_string()),
            })
        ),
    }
    true
}
