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
//! - [`odd_rational`]: `x·P(x²)/Q(x²)` by Horner's rule in `t = x²`, with the Padé
//!   coefficients of an odd function's series (tanh's, [`TANH_OVER_X`]): what one writes for
//!   tanh. Costs `3 + n + m` operations with fma (`3 + 2(n + m)` without).
//!
//! The constants of the first two are exp's (Padé and Taylor coefficients of exp(x/2^k)), so
//! they seed only searches for exp, and the odd rationals only tanh; other targets start from
//! plain Horner polynomials. Every seed is in normal form.

use super::program::{horner, Instr, Op, Operand, Program};

/// A named starting program (the name is recorded with what descends from it).
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    pub name: String,
    pub program: Program,
}

/// Appends an instruction; its result.
fn push(p: &mut Program, op: Op, args: &[Operand]) -> Operand {
    p.instrs.push(Instr::new(op, args));
    Operand::Node(p.instrs.len() - 1)
}

/// Appends a constant; its slot.
fn constant(p: &mut Program, v: f64) -> Operand {
    p.consts.push(v);
    Operand::Const(p.consts.len() - 1)
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

/// Taylor coefficients of tanh(x)/x in t = x²: 2^{2k+2}(2^{2k+2} − 1)·B_{2k+2}/(2k+2)!,
/// from the Bernoulli numbers B₂ … B₁₈.
pub const TANH_OVER_X: [f64; 9] = [
    1.0,
    -1.0 / 3.0,
    2.0 / 15.0,
    -17.0 / 315.0,
    62.0 / 2835.0,
    -1382.0 / 155925.0,
    21844.0 / 6081075.0,
    -929569.0 / 638512875.0,
    6404582.0 / 10854718875.0,
];

/// The [n/m] Padé approximant P/Q (Q(0) = 1) of the series `c`, which needs `n + m + 1`
/// terms; `None` where the linear system for Q is singular.
pub fn pade(c: &[f64], n: usize, m: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    if c.len() < n + m + 1 {
        return None;
    }
    let coef = |k: isize| if k < 0 { 0.0 } else { c[k as usize] };
    // Σ_{j=1..m} q_j c_{k−j} = −c_k for k = n+1 … n+m, by Gaussian elimination.
    let mut a: Vec<Vec<f64>> = (0..m)
        .map(|r| {
            let k = (n + 1 + r) as isize;
            let mut row: Vec<f64> = (1..=m).map(|j| coef(k - j as isize)).collect();
            row.push(-coef(k));
            row
        })
        .collect();
    for col in 0..m {
        let pivot = (col..m).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (v, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *v -= f * p;
                }
            }
        }
    }
    let mut q = vec![1.0];
    q.extend((0..m).map(|r| a[r][m] / a[r][r]));
    let p = (0..=n)
        .map(|k| (0..=k.min(m)).map(|j| q[j] * c[k - j]).sum())
        .collect();
    Some((p, q))
}

/// `x·P(t)/Q(t)`, `t = x·x`, P and Q by Horner's rule (fused or not) with the [n/m] Padé
/// coefficients of `series` (the odd function divided by x, in powers of t).
pub fn odd_rational(n: usize, m: usize, fma: bool, series: &[f64]) -> Option<Program> {
    let (p_coef, q_coef) = pade(series, n, m)?;
    let mut p = Program::identity();
    let t = push(&mut p, Op::Mul, &[Operand::X, Operand::X]);
    let horner_in_t = |p: &mut Program, coef: &[f64]| {
        let mut acc = constant(p, coef[coef.len() - 1]);
        for &c in coef[..coef.len() - 1].iter().rev() {
            let c = constant(p, c);
            acc = if fma {
                push(p, Op::Fma, &[acc, t, c])
            } else {
                let prod = push(p, Op::Mul, &[acc, t]);
                push(p, Op::Add, &[prod, c])
            };
        }
        acc
    };
    let num = horner_in_t(&mut p, &p_coef);
    let den = horner_in_t(&mut p, &q_coef);
    let xp = push(&mut p, Op::Mul, &[num, Operand::X]);
    p.out = push(&mut p, Op::Div, &[xp, den]);
    Some(p)
}

/// Which classical forms, besides Horner polynomials, suit the target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family<'a> {
    /// Horner polynomials only.
    Polynomial,
    /// exp's squared polynomials and continued fractions.
    Exp,
    /// Odd rationals x·P(x²)/Q(x²) from the Padé approximants of this series of f(x)/x in x².
    OddSeries(&'a [f64]),
}

/// Every seed within `max_ops` that the allowed `ops` can express: Horner polynomials of
/// every degree (fused and not, all constants 1 as fitting sets them anyway) and, for
/// [`Family::Exp`], the same squared once or twice with exp's Taylor constants, and exp's
/// continued fractions with 0–2 squarings; for [`Family::OddSeries`], odd rationals of every
/// degree pair.
pub fn classical(ops: &[Op], max_ops: usize, family: Family) -> Vec<Seed> {
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
    match family {
        Family::Exp => {}
        Family::OddSeries(series) => {
            if has(Op::Mul) && has(Op::Div) {
                for n in 1..=max_ops {
                    for m in 1..=max_ops - n {
                        for fma in [true, false] {
                            if (fma && !has(Op::Fma)) || (!fma && !has(Op::Add)) {
                                continue;
                            }
                            if let Some(program) = odd_rational(n, m, fma, series) {
                                let tag = if fma { "_fma" } else { "" };
                                add(format!("odd_rational{n}_{m}{tag}"), program);
                            }
                        }
                    }
                }
            }
            return out;
        }
        Family::Polynomial => return out,
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
    fn odd_rationals_are_pade_approximants_of_tanh() {
        let max_rel = |p: &Program, hi: f64| {
            (1..=1000)
                .map(|i| {
                    let x = hi * i as f64 / 1000.0;
                    ((p.eval(x) - x.tanh()) / x.tanh()).abs()
                })
                .fold(0.0, f64::max)
        };
        // [2/2] in t: tanh's [5/4] Padé x(945 + 105x² + x⁴)/(945 + 420x² + 15x⁴).
        let (p, q) = pade(&TANH_OVER_X, 2, 2).unwrap();
        let want_p = [1.0, 1.0 / 9.0, 1.0 / 945.0];
        let want_q = [1.0, 4.0 / 9.0, 1.0 / 63.0];
        for (got, want) in p.iter().zip(want_p).chain(q.iter().zip(want_q)) {
            assert!((got - want).abs() < 1e-13, "{got} vs {want}");
        }
        let r = odd_rational(3, 3, true, &TANH_OVER_X).unwrap();
        assert_eq!(r.cost(), 9);
        assert_eq!(r.normalize().as_ref(), Some(&r));
        assert!(max_rel(&r, 1.0) < 1e-9, "{}", max_rel(&r, 1.0));
        assert!(max_rel(&r, 1.0) < max_rel(&odd_rational(2, 2, true, &TANH_OVER_X).unwrap(), 1.0));
        assert_eq!(odd_rational(3, 3, false, &TANH_OVER_X).unwrap().cost(), 15);
        let seeds = classical(&Op::ALL, 12, Family::OddSeries(&TANH_OVER_X));
        assert!(seeds.iter().any(|s| s.name == "odd_rational3_3_fma"));
        assert!(seeds.iter().all(|s| s.program.cost() <= 12));
    }

    #[test]
    fn seeds_respect_ops_and_length() {
        let basic = [Op::Add, Op::Sub, Op::Mul, Op::Div];
        let seeds = classical(&basic, 10, Family::Exp);
        assert!(classical(&basic, 10, Family::Polynomial)
            .iter()
            .all(|s| s.name.starts_with("horner") && !s.name.contains("sq")));
        assert!(seeds.iter().all(|s| s.program.cost() <= 10));
        assert!(seeds.iter().any(|s| s.name == "cf1_sq2"));
        assert!(seeds.iter().any(|s| s.name == "cf2_sq0"));
        assert!(!seeds.iter().any(|s| s.name.contains("fma")));
        let fma_only = classical(&[Op::Fma], 6, Family::Exp);
        assert!(fma_only.iter().all(|s| s.name.starts_with("horner")));
        assert!(fma_only
            .iter()
            .all(|s| s.program.instrs.iter().all(|i| i.op == Op::Fma)));
    }
}
