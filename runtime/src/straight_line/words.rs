//! Programs as flat lists of numbers, for messages between the processes of a distributed
//! search (islands exchange their best programs through a communicator that moves `f64`s).
//! Small integers and the constants are exact in `f64`, so a program arrives as it left.

use super::program::{Instr, Op, Operand, Program};

/// Numbers per operand: a kind and an index.
const OPERAND_WORDS: usize = 2;
/// Numbers per instruction: the operation and three operands.
const INSTR_WORDS: usize = 1 + 3 * OPERAND_WORDS;

fn operand_words(o: Operand) -> [f64; OPERAND_WORDS] {
    match o {
        Operand::X => [0.0, 0.0],
        Operand::Const(i) => [1.0, i as f64],
        Operand::Node(i) => [2.0, i as f64],
    }
}

/// A non-negative whole number that fits an index, or `None`.
fn index(w: f64) -> Option<usize> {
    (w >= 0.0 && w.fract() == 0.0 && w < u32::MAX as f64).then_some(w as usize)
}

/// The operand of two words, if it only reads what exists: one of `consts` constants or
/// one of the `nodes` instructions before it.
fn operand_of(words: &[f64], consts: usize, nodes: usize) -> Option<Operand> {
    let i = index(words[1])?;
    match index(words[0])? {
        0 => Some(Operand::X),
        1 if i < consts => Some(Operand::Const(i)),
        2 if i < nodes => Some(Operand::Node(i)),
        _ => None,
    }
}

impl Program {
    /// The program as numbers: instruction and constant counts, the output operand, each
    /// instruction, then the constants.
    pub fn to_words(&self) -> Vec<f64> {
        let mut words = vec![self.instrs.len() as f64, self.consts.len() as f64];
        words.extend(operand_words(self.out));
        for instr in &self.instrs {
            words.push(Op::ALL.iter().position(|&op| op == instr.op).unwrap_or(0) as f64);
            for &a in &instr.args {
                words.extend(operand_words(a));
            }
        }
        words.extend(&self.consts);
        words
    }

    /// The program [`Program::to_words`] wrote and how many numbers it took (programs are
    /// sent one after another); `None` for numbers that are not a well-formed program.
    pub fn from_words(words: &[f64]) -> Option<(Program, usize)> {
        let head = 2 + OPERAND_WORDS;
        if words.len() < head {
            return None;
        }
        let (instrs, consts) = (index(words[0])?, index(words[1])?);
        let len = head + instrs * INSTR_WORDS + consts;
        if words.len() < len {
            return None;
        }
        let mut program = Program {
            instrs: Vec::with_capacity(instrs),
            consts: words[len - consts..len].to_vec(),
            out: operand_of(&words[2..head], consts, instrs)?,
        };
        for (n, w) in words[head..len - consts]
            .chunks_exact(INSTR_WORDS)
            .enumerate()
        {
            let op = *Op::ALL.get(index(w[0])?)?;
            let mut args = [Operand::X; 3];
            for (k, a) in args.iter_mut().enumerate() {
                let at = 1 + k * OPERAND_WORDS;
                *a = operand_of(&w[at..at + OPERAND_WORDS], consts, n)?;
            }
            program.instrs.push(Instr { op, args });
        }
        Some((program, len))
    }
}

#[cfg(test)]
mod tests {
    use super::super::mutate::mutate;
    use super::super::program::horner;
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn programs_cross_as_words_unchanged_and_malformed_words_are_refused() {
        let mut rng = Rng::new(4);
        let mut p = horner(4, true);
        p.consts = vec![0.1, -2.5e-7, 1.0 / 3.0, f64::MIN_POSITIVE, 7.0];
        for _ in 0..200 {
            let mut words = p.to_words();
            let len = words.len();
            words.extend([9.0, 9.0]); // the next program's words
            let (back, used) = Program::from_words(&words).expect("well formed");
            assert_eq!((back, used), (p.clone(), len));
            for cut in 0..len {
                assert!(Program::from_words(&words[..cut]).is_none(), "cut at {cut}");
            }
            if let Some(q) = mutate(&p, &Op::ALL, 12, &mut rng) {
                p = q;
            }
        }
        // The first instruction reading itself, a constant slot that does not exist; an
        // unknown operation; a fractional count.
        let words = horner(2, false).to_words();
        let consts = words[1];
        for (at, bad) in [
            (5, [2.0, 0.0]),
            (5, [1.0, consts]),
            (4, [6.0, 0.0]),
            (0, [1.5, 0.0]),
        ] {
            let mut w = words.clone();
            w[at] = bad[0];
            if at == 5 {
                w[at + 1] = bad[1];
            }
            assert!(Program::from_words(&w).is_none(), "{w:?}");
        }
    }
}
