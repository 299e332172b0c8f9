//! `physc simplify`: one-off expressions through the e-graph simplifier, for people (the
//! result, readable or in the kernels' form, and the kernels' op counts) and for benchmarks
//! (`--format json`, timed inside physc so process start-up is not counted; `result` in the
//! form asked for, `ops` always the operation-count form's).

use physc_compiler::ir::lang::op_count;
use physc_compiler::ir::readable::{Form, Reader};
use physc_compiler::ir::{simplify, standalone};
use physc_compiler::source::SourceMap;
use std::path::Path;
use std::time::Instant;

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
    let mut ok = true;
    let mut results = Vec::new();
    for (i, text) in inputs.iter().enumerate() {
        let mut sources = SourceMap::new();
        let file = sources.add(format!("<expression {}>", i + 1), None, text.clone());
        let lowered = physc_compiler::syntax::parse_expression(file, text)
            .map_err(|d| d.sorted())
            .and_then(|e| standalone::lower_expression(&e).map_err(|d| vec![d]));
        let s = match lowered {
            Ok(s) => s,
            Err(diags) => {
                crate::cli::report(&diags, &sources, colour);
                ok = false;
                continue;
            }
        };
        let input_ops = op_count(&s.builder.expr, &[s.root]);
        let reader = Reader::new(&s.symbols);
        let render = |expr: &physc_compiler::ir::RecExpr<physc_compiler::ir::Math>, root| {
            if latex {
                reader.latex_in(form, expr, root)
            } else {
                reader.source_in(form, expr, root)
            }
        };
        let started = Instant::now();
        let (expr, root, readable) = if count_only {
            (s.builder.expr.clone(), s.root, None)
        } else if form == Form::Ops {
            let out = simplify::simplify(&s.builder.expr, &[s.root], &simplify::Limits::default());
            (out.expr, out.roots[0], None)
        } else {
            let out = simplify::simplify_readable(
                &s.builder.expr,
                &[s.root],
                &simplify::Limits::default(),
            );
            (out.expr, out.roots[0], out.readable)
        };
        let micros = started.elapsed().as_secs_f64() * 1e6;
        let ops = op_count(&expr, &[root]);
        let result = match &readable {
            Some((e, roots)) => render(e, roots[0]),
            None => render(&expr, root),
        };
        if json {
            results.push(serde_json::json!({
                "input": text,
                "input_ops": input_ops,
                "result": result,
                "ops": ops,
                "micros": micros,
            }));
        } else if count_only {
            println!("{result}  [{ops} ops]");
        } else {
            println!(
                "{result}  [ops {input_ops} -> {ops}, {:.2} ms]",
                micros / 1000.0
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
