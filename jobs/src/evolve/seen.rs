//! Recognising candidates already seen, two ways. Before fitting: the canonical form of a
//! program's *shape* (every constant the one symbol `c`) after e-graph simplification, so
//! `c·x + c` and `c + x·c` or a reordered DAG are fitted once. One symbol for all constants
//! makes the key blind to how constants are numbered, and merges families that are really
//! one (`c·x + c·x` is `2·c·x`); the rare wrong merge (`c·x − c·x`) only loses a candidate,
//! since a duplicate gets the fitted program of the shape seen first, never a wrong score. After fitting: a numeric
//! fingerprint (the values at fixed points), so programs computing the same function through
//! different shapes do not crowd the population. The e-graph rules include `fma(a, b, c) =
//! a·b + c`, which is true in reals but not in rounding, so the key also counts the fused
//! operations and the cost.

use super::ir::{to_ir, Constants};
use physc_compiler::ir::lang::{Math, SymbolKind, Symbols};
use physc_compiler::ir::print;
use physc_compiler::ir::simplify::{simplify, Limits};
use physc_runtime::straight_line::{Op, Program};
use std::time::Duration;

/// Limits for canonical forms: iterations and nodes, which small programs reach in about a
/// millisecond. The time limit is only a safety net: if it ever bound, the key would depend
/// on the machine's load and a seeded search would not repeat. No polynomial rules: programs
/// are small and many, and those rules cost the most.
fn limits() -> Limits {
    Limits {
        iterations: 6,
        nodes: 2_000,
        time: Duration::from_secs(2),
        polynomials: false,
    }
}

/// The canonical key of a program's shape.
pub fn shape_key(p: &Program) -> String {
    let (expr, root) = to_ir(p, Constants::Symbol);
    let s = simplify(&expr, &[root], &limits());
    let mut symbols = Symbols::default();
    for node in s.expr.as_ref() {
        if let Math::Symbol(name) = node {
            let n = name.as_str().to_string();
            symbols.intern(&n, SymbolKind::Free(n.clone()), n.clone(), n.clone());
        }
    }
    let fused = p.instrs.iter().filter(|i| i.op == Op::Fma).count();
    format!(
        "{} | fma {fused} | ops {}",
        print::source(&s.expr, s.roots[0], &symbols),
        p.cost()
    )
}

/// Points where fingerprints are taken, as fractions of the range.
const PROBES: [f64; 7] = [0.0, 0.123, 0.31, 0.5, 0.67, 0.891, 1.0];

/// The values of a fitted program at fixed points, rounded to about 10 significant digits
/// (what fitting noise leaves alone), as a hashable key.
pub fn fingerprint(p: &Program, range: (f64, f64)) -> Vec<i64> {
    PROBES
        .iter()
        .map(|t| {
            let y = p.eval(range.0 + t * (range.1 - range.0));
            if y.is_finite() {
                let e = y.abs().max(1e-300).log10().floor();
                (y / 10f64.powf(e - 9.0)).round() as i64
            } else {
                i64::MIN
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::ir::from_ir;
    use super::*;
    use egg::{Id, RecExpr};

    fn program(s: &str) -> Program {
        let expr: RecExpr<Math> = s.parse().unwrap();
        from_ir(&expr, Id::from(expr.as_ref().len() - 1)).unwrap()
    }

    #[test]
    fn equal_shapes_share_a_key() {
        let a = program("(+ (* 2 x) 3)");
        let b = program("(+ 3 (* x 2))");
        let c = program("(+ (* x x) 3)");
        assert_eq!(shape_key(&a), shape_key(&b));
        assert_ne!(shape_key(&a), shape_key(&c));
        // Fused and unfused are different programs in floating point.
        let f = program("(fma 2 x 3)");
        assert_ne!(shape_key(&a), shape_key(&f));
    }

    #[test]
    fn fingerprints_see_values_not_shapes() {
        let a = program("(* (+ x 1) (+ x 1))");
        let b = program("(+ (* x (+ x 2)) 1)");
        let c = program("(+ (* x (+ x 2)) 1.001)");
        assert_eq!(fingerprint(&a, (0.0, 1.0)), fingerprint(&b, (0.0, 1.0)));
        assert_ne!(fingerprint(&a, (0.0, 1.0)), fingerprint(&c, (0.0, 1.0)));
    }
}
