//! One-off expressions through the e-graph simplifier, as a call: `physc simplify` and the
//! Python package's `physc.simplify` are thin clients of [`simplify`].

use crate::program::Checked;
use physc_compiler::ir::lang::op_count;
use physc_compiler::ir::readable::Reader;
use physc_compiler::ir::{simplify as egraph, standalone, Math, RecExpr};
use physc_compiler::source::SourceMap;
use std::time::Instant;

pub use physc_compiler::ir::readable::Form;

/// How to simplify: the form of the result, and whether to skip the simplifier (only count
/// the operations of the expression as written).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimplifyOptions {
    pub form: Form,
    pub count_only: bool,
}

/// An expression and its simplified form, in `.phys` syntax and in LaTeX.
#[derive(Debug, Clone, PartialEq)]
pub struct Simplified {
    pub input: String,
    /// The operations of the expression as written.
    pub input_ops: usize,
    /// The result in `.phys` syntax.
    pub result: String,
    /// The result in LaTeX.
    pub latex: String,
    /// The operations of the fewest-operations form (what a kernel computes).
    pub ops: usize,
    /// The time the simplifier took, in microseconds.
    pub micros: f64,
}

/// Parse `text` as one expression (derivatives `d(f, x)`, constants, functions) and simplify
/// it; `name` is the name diagnostics give the text. Syntax or lowering errors come back as
/// diagnostics.
pub fn simplify(name: &str, text: &str, options: SimplifyOptions) -> Result<Simplified, Checked> {
    let mut sources = SourceMap::new();
    let file = sources.add(name.to_string(), None, text.to_string());
    let lowered = physc_compiler::syntax::parse_expression(file, text)
        .map_err(|d| d.sorted())
        .and_then(|e| standalone::lower_expression(&e).map_err(|d| vec![d]));
    let s = match lowered {
        Ok(s) => s,
        Err(diagnostics) => return Err(Checked::new(diagnostics, &sources)),
    };
    let input_ops = op_count(&s.builder.expr, &[s.root]);
    let started = Instant::now();
    let (expr, root, readable) = if options.count_only {
        (s.builder.expr.clone(), s.root, None)
    } else if options.form == Form::Ops {
        let out = egraph::simplify(&s.builder.expr, &[s.root], &egraph::Limits::default());
        (out.expr, out.roots[0], None)
    } else {
        let out = egraph::simplify_readable(&s.builder.expr, &[s.root], &egraph::Limits::default());
        (out.expr, out.roots[0], out.readable)
    };
    let micros = started.elapsed().as_secs_f64() * 1e6;
    let ops = op_count(&expr, &[root]);
    let reader = Reader::new(&s.symbols);
    let (shown, shown_root): (&RecExpr<Math>, _) = match &readable {
        Some((e, roots)) => (e, roots[0]),
        None => (&expr, root),
    };
    Ok(Simplified {
        input: text.to_string(),
        input_ops,
        result: reader.source_in(options.form, shown, shown_root),
        latex: reader.latex_in(options.form, shown, shown_root),
        ops,
        micros,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derivative_simplifies_and_a_bad_expression_is_a_diagnostic() {
        let s = simplify("<e>", "d(x^2, x) - x", SimplifyOptions::default()).unwrap();
        assert_eq!(s.result, "x");
        assert!(s.ops <= s.input_ops, "{s:?}");
        assert_eq!(s.latex, "x");
        let e = simplify("<e>", "x +* 2", SimplifyOptions::default()).unwrap_err();
        assert!(e.diagnostics.iter().any(|d| d.is_error()));
        assert!(e.render().contains("<e>"), "{}", e.render());
    }
}
