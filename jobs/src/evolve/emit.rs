//! Evolved programs as source code: `.phys` functions (through the readable IR printer, so a
//! model can `use` them and a person can read them), and straight-line Rust and C with one named temporary per operation. Numbers
//! are printed so they read back exactly (shortest round-trip decimal of the f64, which for
//! f32 targets holds an f32 value exactly).

use super::config::Precision;
use super::ir::{to_ir, Constants};
use physc_compiler::ir::lang::{Math, SymbolKind, Symbols};
use physc_compiler::ir::readable::Reader;
use physc_runtime::straight_line::{Op, Operand, Program};

/// The body of `fn NAME(x) = …` in `.phys` syntax.
pub fn phys_body(p: &Program) -> String {
    let (expr, root) = to_ir(p, Constants::Values);
    let mut symbols = Symbols::default();
    symbols.intern("x", SymbolKind::Free("x".into()), "x".into(), "x".into());
    debug_assert!(expr
        .as_ref()
        .iter()
        .all(|n| !matches!(n, Math::Symbol(s) if s.as_str() != "x")));
    Reader::new(&symbols).source(&expr, root)
}

fn literal(v: f64, precision: Precision, c: bool) -> String {
    let text = match precision {
        Precision::F32 => format!("{:?}", v as f32),
        Precision::F64 => format!("{v:?}"),
    };
    match (precision, c) {
        (Precision::F32, true) => format!("{text}f"),
        (Precision::F32, false) => format!("{text}_f32"),
        (Precision::F64, _) => text,
    }
}

fn operand(p: &Program, o: Operand, precision: Precision, c: bool) -> String {
    match o {
        Operand::X => "x".into(),
        Operand::Const(k) => literal(p.consts[k], precision, c),
        Operand::Node(j) => format!("t{j}"),
    }
}

/// A Rust function `pub fn NAME(x: f32|f64) -> f32|f64`.
pub fn rust(p: &Program, name: &str, precision: Precision, comment: &str) -> String {
    let ty = precision.name();
    let mut s = format!("/// {comment}\npub fn {name}(x: {ty}) -> {ty} {{\n");
    for (i, ins) in p.instrs.iter().enumerate() {
        let a: Vec<String> = ins
            .operands()
            .iter()
            .map(|&o| operand(p, o, precision, false))
            .collect();
        let e = infix(ins.op, &a).unwrap_or_else(|| match ins.op {
            Op::Fma => format!("{}.mul_add({}, {})", paren(&a[0]), a[1], a[2]),
            _ => format!("{}.sqrt()", paren(&a[0])),
        });
        s += &format!("    let t{i}: {ty} = {e};\n");
    }
    s += &format!("    {}\n}}\n", operand(p, p.out, precision, false));
    s
}

/// `a op b` for the four arithmetic operations, spelled alike in Rust and C.
fn infix(op: Op, a: &[String]) -> Option<String> {
    let symbol = match op {
        Op::Add => "+",
        Op::Sub => "-",
        Op::Mul => "*",
        Op::Div => "/",
        Op::Fma | Op::Sqrt => return None,
    };
    Some(format!("{} {symbol} {}", a[0], a[1]))
}

/// Literals need parentheses before a method call (`(-0.5_f32).sqrt()`).
fn paren(a: &str) -> String {
    if a.starts_with('-') {
        format!("({a})")
    } else {
        a.to_string()
    }
}

/// A C function `float NAME(float x)` (or `double`), needing only `<math.h>`.
pub fn c(p: &Program, name: &str, precision: Precision, comment: &str) -> String {
    let (ty, fma, sqrt) = match precision {
        Precision::F32 => ("float", "fmaf", "sqrtf"),
        Precision::F64 => ("double", "fma", "sqrt"),
    };
    let mut s = format!("/* {comment} */\n{ty} {name}({ty} x) {{\n");
    for (i, ins) in p.instrs.iter().enumerate() {
        let a: Vec<String> = ins
            .operands()
            .iter()
            .map(|&o| operand(p, o, precision, true))
            .collect();
        let e = infix(ins.op, &a).unwrap_or_else(|| match ins.op {
            Op::Fma => format!("{fma}({}, {}, {})", a[0], a[1], a[2]),
            _ => format!("{sqrt}({})", a[0]),
        });
        s += &format!("    const {ty} t{i} = {e};\n");
    }
    s += &format!("    return {};\n}}\n", operand(p, p.out, precision, true));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use physc_runtime::straight_line::horner;

    #[test]
    fn prints_straight_line_code() {
        let mut p = horner(2, true);
        p.consts = vec![0.5, -1.25, 1.0];
        // For reading, as a sum of monomials; the Rust and C keep the program's fmas.
        assert_eq!(phys_body(&p), "0.5 * x^2 - 1.25 * x + 1");
        let r = rust(&p, "f", Precision::F32, "test");
        assert!(
            r.contains("let t0: f32 = 0.5_f32.mul_add(x, -1.25_f32);"),
            "{r}"
        );
        assert!(r.contains("let t1: f32 = t0.mul_add(x, 1.0_f32);"), "{r}");
        let c = c(&p, "physc_f", Precision::F32, "test");
        assert!(c.contains("float physc_f(float x) {"), "{c}");
        assert!(c.contains("const float t0 = fmaf(0.5f, x, -1.25f);"), "{c}");
        assert!(c.contains("return t1;"), "{c}");
    }
}
