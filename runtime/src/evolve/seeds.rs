//! Classical families the search may start from, besides plain Horner polynomials: forms
//! that a human would write for `exp`, which evolution alone reaches rarely because each
//! takes several coordinated changes.
//!
//! - [`continued_fraction`]: the diagonal Padé approximant of exp in continued-fraction
//!   form, `R = (U + x)/(U − x)` with `U = b₀ + t/(b₁ + t/(… + t/(b_L + d·t)))`, `t = x²`,
//!   then squared `k` times (exp(x) = exp(x/2^k)^(2^k): the range reduction is folded into the
//!   constants). Costs `6 + 2L + k` operations of `+ − × ÷`.
//! - [`squared_horner`]: a Horner polynomial of exp(x/2^k), squared `k` times.
//!
//! The constants are exp's (Padé and Taylor coefficients of exp(x/2^k)), so these forms seed
//! only searches for exp; other targets start from plain Horner polynomials. Every seed is
//! in normal form.

use super::program::{horner, Instr, Op, Operand, Program};

/// A named starting program (the name is recorded with what descends from it).
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    pub name: String,
    pub program: Program,
}

/// Operations a continued fraction with `levels` divisions below `U` and `squarings`
/// squarings costs.
pub fn continued_fraction_cost(levels: usize, squarings: usize) -> usize {
    6 + 2 * levels + squarings
}

/// exp's continued fraction with `levels` nested divisions in `U`, squared `squarings`
/// times (see the module comment). With s = 2^k, b_j = (4j + 2)·s and d = 1/((4L + 6)·s)
/// give the [L+2 / L+2] Padé approximant of exp(x/s), raised to the power s.
pub fn continued_fraction(levels: usize, squarings: usize) -> Program {
    let s = (1u64 << squarings) as f64;
    let mut p = Program::identity();
    let push = |p: &mut Program, op: Op, args: &[Operand]| {
        p.instrs.push(Instr::new(op, args));
        Operand::Node(p.instrs.len() - 1)
    };
    let constant = |p: &mut Program, v: f64| {
        p.consts.push(v);
        Operand::Const(p.consts.len() - 1)
    };
    let b = |j: usize| (4 * j + 2) as f64 * s;
    let t = push(&mut p, Op::Mul, &[Operand::X, Operand::X]);
    let d = constant(&mut p, 1.0 / ((4 * levels + 6) as f64 * s));
    let dt = push(&mut p, Op::Mul, &[d, t]);
    let bl = constant(&mut p, b(levels));
    let mut u = push(&mut p, Op::Add, &[dt, bl]);
    for j in (0..levels).rev() {
        let q = push(&mut p, Op::Div, &[t, u]);
        let bj = constant(&mut p, b(j));
        u = push(&mut p, Op::Add, &[q, bj]);
    }
    let n = push(&mut p, Op::Add, &[u, Operand::X]);
    let m = push(&mut p, Op::Sub, &[u, Operand::X]);
    let mut r = push(&mut p, Op::Div, &[n, m]);
    for _ in 0..squarings {
        r = push(&mut p, Op::Mul, &[r, r]);
    }
    p.out = r;
    p
}

/// Horner's polynomial of `degree` for exp(x/2^k) (Taylor coefficients), squared `k` times.
pub fn squared_horner(degree: usize, fma: bool, squarings: usize) -> Program {
    let mut p = horner(degree, fma);
    let s = (1u64 << squarings) as f64;
    // Constants are in order of use: the leading coefficient first.
    let mut factorial = 1.0;
    let mut taylor = vec![1.0];
    for i in 1..=degree {
        factorial *= i as f64;
        taylor.push(1.0 / (factorial * s.powi(i as i32)));
    }
    taylor.reverse();
    p.consts = taylor;
    let mut r = p.out;
    for _ in 0..squarings {
        p.instrs.push(Instr::new(Op::Mul, &[r, r]));
        r = Operand::Node(p.instrs.len() - 1);
    }
    p.out = r;
    p
}

/// Every seed within `max_ops` that the allowed `ops` can express: Horner polynomials of
/// every degree (fused and not, all constants 1 as fitting sets them anyway) and, with
/// `exp_forms`, the same squared once or twice with exp's Taylor constants, and exp's
/// continued fractions with 0–2 squarings.
pub fn classical(ops: &[Op], max_ops: usize, exp_forms: bool) -> Vec<Seed> {
    let has = |o: Op| ops.contains(&o);
    let mut out = Vec::new();
    let mut add = |name: String, program: Program| {
        if program.cost() <= max_ops {
            out.push(Seed { name, program });
        }
    };
    for d in 1..=max_ops {
        if has(Op::Fma) {
            add(format!("horner{d}_fma"), horner(d, true));
        }
        if has(Op::Mul) && has(Op::Add) {
            add(format!("horner{d}"), horner(d, false));
        }
    }
    if !exp_forms {
        return out;
    }
    for k in 1..=2 {
        for d in 1..=max_ops {
            if has(Op::Fma) && has(Op::Mul) {
                add(format!("horner{d}_fma_sq{k}"), squared_horner(d, true, k));
            }
            if has(Op::Mul) && has(Op::Add) {
                add(format!("horner{d}_sq{k}"), squared_horner(d, false, k));
            }
        }
    }
    if [Op::Add, Op::Sub, Op::Mul, Op::Div].into_iter().all(has) {
        for k in 0..=2 {
            for levels in 0..=max_ops / 2 {
                if continued_fraction_cost(levels, k) <= max_ops {
                    add(format!("cf{levels}_sq{k}"), continued_fraction(levels, k));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_rel(p: &Program) -> f64 {
        (0..=1000)
            .map(|i| {
                let x = i as f64 / 1000.0;
                ((p.eval(x) - x.exp()) / x.exp()).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn continued_fractions_are_pade_approximants_of_exp() {
        // [3/3] Padé of exp(x/4), squared twice: the lead's 10-op structure, already good to
        // about 1e-8 before any fitting; and the costs the module comment gives.
        let p = continued_fraction(1, 2);
        assert_eq!(p.cost(), 10);
        assert_eq!(p.consts, vec![1.0 / 40.0, 24.0, 8.0]);
        assert_eq!(p.normalize().as_ref(), Some(&p));
        assert!(max_rel(&p) < 1e-8, "{}", max_rel(&p));
        // More levels or squarings are more accurate.
        assert!(max_rel(&continued_fraction(2, 0)) < max_rel(&continued_fraction(1, 0)));
        assert!(max_rel(&continued_fraction(0, 2)) < max_rel(&continued_fraction(0, 0)));
        for (l, k) in [(0, 0), (2, 0), (1, 1), (0, 2)] {
            assert_eq!(
                continued_fraction(l, k).cost(),
                continued_fraction_cost(l, k)
            );
        }
    }

    #[test]
    fn squared_horner_is_taylor_of_the_reduced_argument() {
        let p = squared_horner(4, true, 1);
        assert_eq!(p.cost(), 5);
        assert_eq!(p.normalize().as_ref(), Some(&p));
        // Taylor of degree 4 at x/2, squared: error about (1/2)^5/120 · 2 at x = 1.
        assert!(max_rel(&p) < 1e-3 && max_rel(&p) > 1e-5, "{}", max_rel(&p));
    }

    #[test]
    fn seeds_respect_ops_and_length() {
        let basic = [Op::Add, Op::Sub, Op::Mul, Op::Div];
        let seeds = classical(&basic, 10, true);
        assert!(classical(&basic, 10, false)
            .iter()
            .all(|s| s.name.starts_with("horner") && !s.name.contains("sq")));
        assert!(seeds.iter().all(|s| s.program.cost() <= 10));
        assert!(seeds.iter().any(|s| s.name == "cf1_sq2"));
        assert!(seeds.iter().any(|s| s.name == "cf2_sq0"));
        assert!(!seeds.iter().any(|s| s.name.contains("fma")));
        let fma_only = classical(&[Op::Fma], 6, true);
        assert!(fma_only.iter().all(|s| s.name.starts_with("horner")));
        assert!(fma_only
            .iter()
            .all(|s| s.program.instrs.iter().all(|i| i.op == Op::Fma)));
    }
}
