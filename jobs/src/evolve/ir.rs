//! Programs to and from the IR: a program is a DAG over `x` and numbers in [`Math`], each
//! instruction one node (shared where the program shares it), so the printer, the
//! simplifier and the Cranelift code generator all work on evolved programs unchanged.

use egg::{Id, RecExpr, Symbol};
use ordered_float::NotNan;
use physc_compiler::ir::lang::{reachable, Math};
use physc_runtime::straight_line::{Instr, Op, Operand, Program};
use std::collections::HashMap;

/// How constants appear in the IR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constants {
    /// Their values.
    Values,
    /// One symbol `c` for all (the shape of a program, for canonical forms).
    Symbol,
}

/// The program as one expression with its root; the input is the symbol `x`.
pub fn to_ir(p: &Program, constants: Constants) -> (RecExpr<Math>, Id) {
    let mut expr = RecExpr::default();
    let x = expr.add(Math::Symbol(Symbol::from("x")));
    let mut nodes: Vec<Id> = Vec::with_capacity(p.instrs.len());
    let operand = |o: Operand, expr: &mut RecExpr<Math>, nodes: &[Id]| match o {
        Operand::X => x,
        Operand::Node(j) => nodes[j],
        Operand::Const(k) => match constants {
            Constants::Values => expr.add(Math::Num(
                NotNan::new(p.consts[k]).unwrap_or_else(|_| NotNan::new(0.0).unwrap_or_default()),
            )),
            Constants::Symbol => expr.add(Math::Symbol(Symbol::from("c"))),
        },
    };
    for ins in &p.instrs {
        let a: Vec<Id> = ins
            .operands()
            .iter()
            .map(|&o| operand(o, &mut expr, &nodes))
            .collect();
        let node = match ins.op {
            Op::Add => Math::Add([a[0], a[1]]),
            Op::Sub => Math::Sub([a[0], a[1]]),
            Op::Mul => Math::Mul([a[0], a[1]]),
            Op::Div => Math::Div([a[0], a[1]]),
            Op::Fma => Math::Fma([a[0], a[1], a[2]]),
            Op::Sqrt => Math::Sqrt(a[0]),
        };
        nodes.push(expr.add(node));
    }
    let root = operand(p.out, &mut expr, &nodes);
    (expr, root)
}

/// A program from an expression in `x` over `+ − × ÷ fma sqrt`, negation and numbers; the
/// result is in normal form.
pub fn from_ir(expr: &RecExpr<Math>, root: Id) -> Result<Program, String> {
    let mut p = Program::identity();
    let mut map: HashMap<Id, Operand> = HashMap::new();
    for id in reachable(expr, &[root]) {
        let get = |c: &Id| map[c];
        let o = match &expr[id] {
            Math::Symbol(s) if s.as_str() == "x" => Operand::X,
            Math::Symbol(s) => return Err(format!("a program reads only `x`, not `{s}`")),
            Math::Num(c) => {
                p.consts.push(c.into_inner());
                Operand::Const(p.consts.len() - 1)
            }
            node => {
                let (op, args): (Op, Vec<Operand>) = match node {
                    Math::Add(a) => (Op::Add, a.iter().map(get).collect()),
                    Math::Sub(a) => (Op::Sub, a.iter().map(get).collect()),
                    Math::Mul(a) => (Op::Mul, a.iter().map(get).collect()),
                    Math::Div(a) => (Op::Div, a.iter().map(get).collect()),
                    Math::Fma(a) => (Op::Fma, a.iter().map(get).collect()),
                    Math::Sqrt(a) => (Op::Sqrt, vec![get(a)]),
                    Math::Neg(a) => {
                        p.consts.push(0.0);
                        (Op::Sub, vec![Operand::Const(p.consts.len() - 1), get(a)])
                    }
                    other => {
                        return Err(format!(
                            "a program uses only + − × ÷ fma sqrt, not `{}`",
                            other
                        ))
                    }
                };
                p.instrs.push(Instr::new(op, &args));
                Operand::Node(p.instrs.len() - 1)
            }
        };
        map.insert(id, o);
    }
    p.out = map[&root];
    p.normalize()
        .ok_or_else(|| "the expression does not depend on x".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use physc_runtime::rng::Rng;
    use physc_runtime::straight_line::horner;

    #[test]
    fn round_trips_through_the_ir() {
        let mut rng = Rng::new(5);
        let mut p = horner(4, true);
        p.consts = vec![0.1, -0.2, 0.3, 1.5, 1.0];
        let mut programs = vec![p.clone()];
        for _ in 0..300 {
            if let Some(q) =
                physc_runtime::straight_line::mutate::mutate(&p, &Op::ALL, 12, &mut rng)
            {
                programs.push(q.clone());
                p = q;
            }
        }
        for p in &programs {
            let (expr, root) = to_ir(p, Constants::Values);
            let back = from_ir(&expr, root).unwrap();
            assert_eq!(&back, p, "{}", expr);
            let env = |_: Symbol| 0.37;
            let mut lookup = env;
            let want = p.eval(0.37f64);
            let got = physc_compiler::ir::eval::eval(&expr, root, &mut lookup);
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{got} {want}"
            );
        }
    }

    #[test]
    fn reads_negation_and_rejects_other_functions() {
        let expr: RecExpr<Math> = "(neg (* x 2))".parse().unwrap();
        let p = from_ir(&expr, Id::from(expr.as_ref().len() - 1)).unwrap();
        assert_eq!(p.eval(3.0f64), -6.0);
        let expr: RecExpr<Math> = "(exp x)".parse().unwrap();
        assert!(from_ir(&expr, Id::from(1)).is_err());
        let expr: RecExpr<Math> = "(+ 1 2)".parse().unwrap();
        assert!(from_ir(&expr, Id::from(2)).is_err());
    }
}
