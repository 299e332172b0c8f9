//! Mutations of programs: insert an operation, remove one, rewire an operand, replace an
//! operation by another, and grow a constant into `c + t/c'` (a continued fraction grows a
//! level this way; `t` is `x` or an earlier value). Inserted operations start as identities
//! where they can (`+ 0`, `× 1`, `fma(·, 1, 0)`, `c + t/10⁶`), so a child starts where its
//! parent was (or very near) and fitting moves on from there. Every mutation returns a
//! normalised program within the length limit, or `None`.

use super::program::{Instr, Op, Operand, Program};
use crate::rng::Rng;

/// Which mutation to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    Insert,
    Remove,
    Rewire,
    Replace,
    /// A constant operand `c` becomes `c + t/c'` with `c'` large (needs `+` and `÷`).
    Grow,
}

impl Mutation {
    pub const ALL: [Mutation; 5] = [
        Mutation::Insert,
        Mutation::Remove,
        Mutation::Rewire,
        Mutation::Replace,
        Mutation::Grow,
    ];
}

/// Apply one random mutation (retrying up to a few times until one yields a valid program).
pub fn mutate(p: &Program, ops: &[Op], max_ops: usize, rng: &mut Rng) -> Option<Program> {
    for _ in 0..8 {
        let m = Mutation::ALL[rng.below(Mutation::ALL.len())];
        if let Some(child) = apply(p, m, ops, rng) {
            if child.cost() <= max_ops && child.cost() > 0 && child != *p {
                return Some(child);
            }
        }
    }
    None
}

/// Apply mutation `m` and normalise.
pub fn apply(p: &Program, m: Mutation, ops: &[Op], rng: &mut Rng) -> Option<Program> {
    let mut q = p.clone();
    match m {
        Mutation::Insert => insert(&mut q, ops, rng),
        Mutation::Remove => remove(&mut q, rng)?,
        Mutation::Rewire => rewire(&mut q, rng)?,
        Mutation::Replace => replace(&mut q, ops, rng)?,
        Mutation::Grow => grow(&mut q, ops, rng)?,
    }
    q.normalize()
}

fn fresh(p: &mut Program, value: f64) -> Operand {
    p.consts.push(value);
    Operand::Const(p.consts.len() - 1)
}

/// A random operand for a slot of instruction `at`: x, a new constant, or an earlier node.
fn random_operand(p: &mut Program, at: usize, rng: &mut Rng) -> Operand {
    match rng.below(3) {
        0 => Operand::X,
        1 => {
            let v = rng.normal();
            fresh(p, v)
        }
        _ if at > 0 => Operand::Node(rng.below(at)),
        _ => Operand::X,
    }
}

/// Shift references to instructions ≥ `from` by `by` (insertion +1, removal −1).
fn shift(o: Operand, from: usize, up: bool) -> Operand {
    match o {
        Operand::Node(j) if j >= from => Operand::Node(if up { j + 1 } else { j - 1 }),
        o => o,
    }
}

/// Put a new operation on one operand (or on the output): o ↦ op(o, …), starting as an
/// identity so the child computes what its parent did.
fn insert(p: &mut Program, ops: &[Op], rng: &mut Rng) {
    let op = ops[rng.below(ops.len())];
    // Where: before instruction `at`, wrapping its operand `slot`; or at the end, wrapping
    // the output.
    let n = p.instrs.len();
    let at = rng.below(n + 1);
    let wrapped = if at == n {
        p.out
    } else {
        let slot = rng.below(p.instrs[at].op.arity());
        p.instrs[at].args[slot]
    };
    let other = if rng.below(2) == 0 {
        random_operand(p, at, rng)
    } else {
        Operand::X
    };
    let new = match op {
        Op::Add | Op::Sub => {
            let zero = fresh(p, 0.0);
            if rng.below(2) == 0 {
                Instr::new(op, &[wrapped, zero])
            } else {
                // o + c·other would need two ops; o + other changes the value: let fitting
                // find out whether that helps.
                Instr::new(op, &[wrapped, other])
            }
        }
        Op::Mul | Op::Div => {
            let one = fresh(p, 1.0);
            if rng.below(2) == 0 {
                Instr::new(op, &[wrapped, one])
            } else {
                Instr::new(op, &[wrapped, other])
            }
        }
        Op::Fma => {
            let (one, zero) = (fresh(p, 1.0), fresh(p, 0.0));
            match rng.below(3) {
                0 => Instr::new(op, &[wrapped, one, zero]),
                1 => Instr::new(op, &[other, zero, wrapped]),
                _ => Instr::new(op, &[wrapped, Operand::X, zero]),
            }
        }
        Op::Sqrt => Instr::new(op, &[wrapped]),
    };
    for ins in p.instrs.iter_mut() {
        for a in ins.args.iter_mut() {
            *a = shift(*a, at, true);
        }
    }
    let new = Instr {
        op: new.op,
        args: new.args.map(|a| shift(a, at, true)),
    };
    p.out = shift(p.out, at, true);
    p.instrs.insert(at, new);
    if at == n {
        p.out = Operand::Node(at);
    } else {
        let target = &mut p.instrs[at + 1];
        for a in target.args.iter_mut() {
            if *a == shift(wrapped, at, true) {
                *a = Operand::Node(at);
                break;
            }
        }
    }
}

/// Drop one operation; its uses read one of its operands instead.
fn remove(p: &mut Program, rng: &mut Rng) -> Option<()> {
    if p.instrs.is_empty() {
        return None;
    }
    let i = rng.below(p.instrs.len());
    let ins = p.instrs[i];
    let keep = ins.operands()[rng.below(ins.op.arity())];
    let subst = |o: Operand| match o {
        Operand::Node(j) if j == i => keep,
        o => shift(o, i + 1, false),
    };
    for ins in p.instrs.iter_mut().skip(i + 1) {
        for a in ins.args.iter_mut() {
            *a = subst(*a);
        }
    }
    p.out = subst(p.out);
    p.instrs.remove(i);
    Some(())
}

/// Point one operand somewhere else.
fn rewire(p: &mut Program, rng: &mut Rng) -> Option<()> {
    if p.instrs.is_empty() {
        return None;
    }
    let i = rng.below(p.instrs.len());
    let slot = rng.below(p.instrs[i].op.arity());
    let o = random_operand(p, i, rng);
    p.instrs[i].args[slot] = o;
    Some(())
}

/// Change one operation, keeping its operands where the arity allows.
fn replace(p: &mut Program, ops: &[Op], rng: &mut Rng) -> Option<()> {
    if p.instrs.is_empty() {
        return None;
    }
    let i = rng.below(p.instrs.len());
    let op = ops[rng.below(ops.len())];
    let old = p.instrs[i];
    if op == old.op {
        return None;
    }
    let mut args = old.args;
    for arg in args.iter_mut().take(op.arity()).skip(old.op.arity()) {
        *arg = random_operand(p, i, rng);
    }
    p.instrs[i] = Instr::new(op, &args);
    Some(())
}

/// The large constant `c'` of a grown `c + t/c'`: `t/c'` is negligible at first.
const GROW_DENOMINATOR: f64 = 1e6;

/// A constant operand `c` of instruction `i` becomes `c + t/c'`: two new instructions just
/// before `i`, `t` being `x` or a value computed before `i`.
fn grow(p: &mut Program, ops: &[Op], rng: &mut Rng) -> Option<()> {
    if !ops.contains(&Op::Add) || !ops.contains(&Op::Div) {
        return None;
    }
    let sites: Vec<(usize, usize)> = p
        .instrs
        .iter()
        .enumerate()
        .flat_map(|(i, ins)| {
            (0..ins.op.arity())
                .filter(move |&k| matches!(ins.args[k], Operand::Const(_)))
                .map(move |k| (i, k))
        })
        .collect();
    if sites.is_empty() {
        return None;
    }
    let (i, k) = sites[rng.below(sites.len())];
    let t = if i > 0 && rng.below(2) == 0 {
        Operand::Node(rng.below(i))
    } else {
        Operand::X
    };
    let c = p.instrs[i].args[k];
    let big = fresh(p, GROW_DENOMINATOR);
    for ins in p.instrs.iter_mut() {
        for a in ins.args.iter_mut() {
            *a = shift(shift(*a, i, true), i, true);
        }
    }
    p.out = shift(shift(p.out, i, true), i, true);
    p.instrs.insert(i, Instr::new(Op::Div, &[t, big]));
    p.instrs
        .insert(i + 1, Instr::new(Op::Add, &[c, Operand::Node(i)]));
    p.instrs[i + 2].args[k] = Operand::Node(i + 1);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::super::program::horner;
    use super::*;

    /// Every mutation of many random descendants gives a normal-form program that refers
    /// only to earlier instructions and existing constants, within the length limit.
    #[test]
    fn mutations_keep_programs_valid() {
        let mut rng = Rng::new(3);
        let ops = Op::ALL;
        let mut p = horner(2, true);
        let mut made = 0;
        for step in 0..5_000 {
            let m = Mutation::ALL[step % Mutation::ALL.len()];
            if let Some(q) = apply(&p, m, &ops, &mut rng) {
                made += 1;
                for (i, ins) in q.instrs.iter().enumerate() {
                    assert_eq!(
                        ins.args[ins.op.arity()..]
                            .iter()
                            .filter(|a| **a != Operand::X)
                            .count(),
                        0
                    );
                    for a in ins.operands() {
                        match *a {
                            Operand::Node(j) => assert!(j < i, "{q:?}"),
                            Operand::Const(k) => assert!(k < q.consts.len()),
                            Operand::X => {}
                        }
                    }
                }
                assert!(matches!(q.out, Operand::Node(_) | Operand::X));
                assert_eq!(q.normalize().as_ref(), Some(&q), "normal form is stable");
                if q.cost() <= 12 {
                    p = q;
                }
            }
        }
        assert!(made > 3_000, "{made}");
    }

    #[test]
    fn insertion_starts_as_an_identity_when_it_can() {
        let mut rng = Rng::new(11);
        let mut p = horner(3, true);
        p.consts = vec![0.1, 0.2, 0.3, 0.4];
        let mut same = 0;
        for _ in 0..200 {
            if let Some(q) = apply(&p, Mutation::Insert, &[Op::Add, Op::Mul, Op::Fma], &mut rng) {
                assert!(q.cost() <= p.cost() + 1);
                if (0..=10).all(|i| q.eval(i as f64 / 10.0) == p.eval(i as f64 / 10.0)) {
                    same += 1;
                }
            }
        }
        assert!(same > 50, "{same}");
    }

    /// Growing a constant adds two operations and changes values by about 1e-6 of `x`.
    #[test]
    fn growing_a_constant_nests_a_division() {
        let mut rng = Rng::new(2);
        let mut p = horner(3, true);
        p.consts = vec![0.1, 0.2, 0.3, 0.4];
        let ops = [Op::Add, Op::Div, Op::Fma];
        let mut grown = 0;
        for _ in 0..50 {
            if let Some(q) = apply(&p, Mutation::Grow, &ops, &mut rng) {
                grown += 1;
                assert_eq!(q.cost(), p.cost() + 2);
                assert_eq!(
                    q.instrs.iter().filter(|i| i.op == Op::Div).count(),
                    1,
                    "{q:?}"
                );
                for i in 0..=10 {
                    let x = i as f64 / 10.0;
                    assert!((q.eval(x) - p.eval(x)).abs() < 1e-5, "{q:?}");
                }
            }
        }
        assert!(grown > 40, "{grown}");
        assert!(apply(&p, Mutation::Grow, &[Op::Fma], &mut rng).is_none());
    }
}
