//! `physc simplify`: one-off expressions through the e-graph simplifier ([`physc::simplify`]),
//! for people (the result, readable or in the kernels' form, and the kernels' op counts) and
//! for benchmarks (`--format json`, timed inside physc so process start-up is not counted;
//! `result` in the form asked for, `ops` always the operation-count form's).

use physc::{Form, SimplifyOptions};
use std::path::Path;

pub fn simplify(
    exprs: &[String],
    file: Option<&Path>,
    latex: bool,
    form: Form,
    json: bool,
    count_only: bool,
    colour: bool,
) -> bool {
    let mut inputs: Vec<String> = exprs.to_vec();
    if let Some(path) = file {
        match std::fs::read_to_string(path) {
            Ok(text) => inputs.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(String::from),
            ),
            Err(e) => {
                eprintln!("error[E0007]: cannot read `{}`: {e}", path.display());
                return false;
            }
        }
    }
    if inputs.is_empty() {
        eprintln!("error: no expression given; try `physc simplify \"d(x^2 * sin(x), x)\"`");
        return false;
    }
    let options = SimplifyOptions { form, count_only };
    let mut ok = true;
    let mut results = Vec::new();
    for (i, text) in inputs.iter().enumerate() {
        let s = match physc::simplify(&format!("<expression {}>", i + 1), text, options) {
            Ok(s) => s,
            Err(checked) => {
                let text = if colour {
                    checked.render_coloured()
                } else {
                    checked.rendered
                };
                eprint!("{text}");
                ok = false;
                continue;
            }
        };
        let result = if latex { &s.latex } else { &s.result };
        if json {
            results.push(serde_json::json!({
                "input": s.input,
                "input_ops": s.input_ops,
                "result": result,
                "ops": s.ops,
                "micros": s.micros,
            }));
        } else if count_only {
            println!("{result}  [{} ops]", s.ops);
        } else {
            println!(
                "{result}  [ops {} -> {}, {:.2} ms]",
                s.input_ops,
                s.ops,
                s.micros / 1000.0
            );
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        );
    }
    ok
}
