//! Straight-line programs of one input `x`: a list of instructions over `+ − × ÷ fma sqrt`
//! whose operands are `x`, constants or earlier instructions, and an output operand. This is
//! what `evolve` searches over; the compiler converts it to and from its IR.
//!
//! Programs are kept in a normal form ([`Program::normalize`]): no instruction computes a
//! constant (those are folded into constants), none is dead, and every constant operand has
//! its own slot, numbered in order of use. So every instruction depends on `x`, the cost in
//! operations is `instrs.len()`, and constants can be tuned independently.

/// An operation of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    /// `a * b + c` with one rounding.
    Fma,
    Sqrt,
}

impl Op {
    pub const ALL: [Op; 6] = [Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Fma, Op::Sqrt];

    pub fn arity(self) -> usize {
        match self {
            Op::Sqrt => 1,
            Op::Fma => 3,
            _ => 2,
        }
    }

    /// The name in `ops [...]` settings.
    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
            Op::Fma => "fma",
            Op::Sqrt => "sqrt",
        }
    }

    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// What an instruction reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operand {
    X,
    /// A slot of [`Program::consts`].
    Const(usize),
    /// The value of an earlier instruction.
    Node(usize),
}

/// One operation; operands beyond the op's arity are ignored (and kept as `X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instr {
    pub op: Op,
    pub args: [Operand; 3],
}

impl Instr {
    pub fn new(op: Op, args: &[Operand]) -> Instr {
        let mut a = [Operand::X; 3];
        a[..op.arity()].copy_from_slice(&args[..op.arity()]);
        Instr { op, args: a }
    }

    pub fn operands(&self) -> &[Operand] {
        &self.args[..self.op.arity()]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub instrs: Vec<Instr>,
    pub consts: Vec<f64>,
    pub out: Operand,
}

/// The arithmetic a program is evaluated in: f64, or f32 with real f32 rounding (and a
/// fused multiply–add).
pub trait Arith: Copy + Send + Sync + 'static {
    fn of(v: f64) -> Self;
    fn wide(self) -> f64;
    fn apply(op: Op, a: Self, b: Self, c: Self) -> Self;
}

/// The same operations in each precision; `as` converts between them.
macro_rules! arith {
    ($t:ty) => {
        impl Arith for $t {
            #[inline(always)]
            fn of(v: f64) -> $t {
                v as $t
            }
            fn wide(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn apply(op: Op, a: $t, b: $t, c: $t) -> $t {
                match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    Op::Div => a / b,
                    Op::Fma => a.mul_add(b, c),
                    Op::Sqrt => a.sqrt(),
                }
            }
        }
    };
}
arith!(f64);
arith!(f32);

/// Reused buffers for evaluating a program over many points.
#[derive(Debug, Default, Clone)]
pub struct Scratch<T> {
    columns: Vec<T>,
    broadcast: Vec<T>,
}

impl Program {
    /// `x` itself: the program with no instructions.
    pub fn identity() -> Program {
        Program {
            instrs: Vec::new(),
            consts: Vec::new(),
            out: Operand::X,
        }
    }

    /// Operations that depend on `x` (all of them, in normal form).
    pub fn cost(&self) -> usize {
        self.instrs.len()
    }

    /// Evaluate at one point.
    pub fn eval<T: Arith>(&self, x: T) -> T {
        let mut values: Vec<T> = Vec::with_capacity(self.instrs.len());
        let get = |o: Operand, values: &[T]| match o {
            Operand::X => x,
            Operand::Const(k) => T::of(self.consts[k]),
            Operand::Node(i) => values[i],
        };
        for ins in &self.instrs {
            let [a, b, c] = ins.args.map(|o| get(o, &values));
            values.push(T::apply(ins.op, a, b, c));
        }
        get(self.out, &values)
    }

    /// Evaluate at every point of `xs` into `out`, one instruction at a time over all points
    /// (tight loops the compiler vectorises), with `consts` in place of the program's own.
    pub fn eval_many<T: Arith>(
        &self,
        consts: &[f64],
        xs: &[T],
        out: &mut [T],
        scratch: &mut Scratch<T>,
    ) {
        let n = xs.len();
        let Scratch { columns, broadcast } = scratch;
        columns.clear();
        columns.resize(self.instrs.len() * n, T::of(0.0));
        broadcast.resize(3 * n, T::of(0.0));
        for (i, ins) in self.instrs.iter().enumerate() {
            let (done, rest) = columns.split_at_mut(i * n);
            let dst = &mut rest[..n];
            // Constants become broadcast columns, so every loop reads three slices.
            for (k, o) in ins.operands().iter().enumerate() {
                if let Operand::Const(c) = *o {
                    broadcast[k * n..(k + 1) * n].fill(T::of(consts[c]));
                }
            }
            let column = |k: usize| -> &[T] {
                match ins.args[k] {
                    Operand::Node(j) => &done[j * n..(j + 1) * n],
                    Operand::Const(_) if k < ins.op.arity() => &broadcast[k * n..(k + 1) * n],
                    _ => xs,
                }
            };
            apply_columns(ins.op, dst, column(0), column(1), column(2));
        }
        match self.out {
            Operand::X => out.copy_from_slice(xs),
            Operand::Const(k) => out.fill(T::of(consts[k])),
            Operand::Node(j) => out.copy_from_slice(&columns[j * n..(j + 1) * n]),
        }
    }

    /// A first-order bound on what rounding every instruction's result to f32 once does to
    /// the output at `x`: Σ ½·ulp_f32(vₙ)·|∂out/∂vₙ| over the instructions n (values vₙ and
    /// derivatives in f64, by one reverse pass). The output's own rounding is in the sum
    /// (derivative 1). The constants' rounding is not: fitting rounds them one by one.
    pub fn rounding_bound(&self, consts: &[f64], x: f64) -> f64 {
        let mut values: Vec<f64> = Vec::with_capacity(self.instrs.len());
        let get = |o: Operand, values: &[f64]| match o {
            Operand::X => x,
            Operand::Const(k) => consts[k],
            Operand::Node(i) => values[i],
        };
        for ins in &self.instrs {
            let [a, b, c] = ins.args.map(|o| get(o, &values));
            values.push(f64::apply(ins.op, a, b, c));
        }
        let Operand::Node(out) = self.out else {
            return 0.0;
        };
        let mut adjoint = vec![0.0f64; self.instrs.len()];
        adjoint[out] = 1.0;
        let mut bound = 0.0f64;
        for (i, ins) in self.instrs.iter().enumerate().rev() {
            let d = adjoint[i];
            if d == 0.0 {
                continue;
            }
            bound += 0.5 * super::ulp::ulp_f32(values[i]) * d.abs();
            let [a, b, _] = ins.args.map(|o| get(o, &values));
            let partials: [f64; 3] = match ins.op {
                Op::Add => [1.0, 1.0, 0.0],
                Op::Sub => [1.0, -1.0, 0.0],
                Op::Mul => [b, a, 0.0],
                Op::Div => [1.0 / b, -a / (b * b), 0.0],
                Op::Fma => [b, a, 1.0],
                Op::Sqrt => [0.5 / a.sqrt(), 0.0, 0.0],
            };
            for (k, o) in ins.operands().iter().enumerate() {
                if let Operand::Node(j) = *o {
                    adjoint[j] += d * partials[k];
                }
            }
        }
        bound
    }

    /// The normal form (see the module comment), or `None` if the result does not depend on
    /// `x` or a constant folds to a non-finite number.
    pub fn normalize(&self) -> Option<Program> {
        // 1. Fold instructions that read only constants.
        let mut folded: Vec<Option<f64>> = Vec::with_capacity(self.instrs.len());
        let mut instrs: Vec<Instr> = Vec::with_capacity(self.instrs.len());
        let mut consts = self.consts.clone();
        let value = |o: Operand, folded: &[Option<f64>], consts: &[f64]| match o {
            Operand::X => None,
            Operand::Const(k) => Some(consts[k]),
            Operand::Node(j) => folded[j],
        };
        for ins in &self.instrs {
            let vals: Vec<Option<f64>> = ins
                .operands()
                .iter()
                .map(|&o| value(o, &folded, &consts))
                .collect();
            if vals.iter().all(Option::is_some) {
                let v: Vec<f64> = vals.into_iter().flatten().chain([0.0, 0.0]).collect();
                let r = f64::apply(ins.op, v[0], v[1], v[2]);
                if !r.is_finite() {
                    return None;
                }
                folded.push(Some(r));
            } else {
                folded.push(None);
            }
            instrs.push(*ins);
        }
        // Operands that read folded instructions read new constants instead.
        let as_const = |o: Operand, consts: &mut Vec<f64>| match o {
            Operand::Node(j) if folded[j].is_some() => {
                consts.push(folded[j].unwrap_or(0.0));
                Operand::Const(consts.len() - 1)
            }
            o => o,
        };
        for ins in instrs.iter_mut() {
            for k in 0..ins.op.arity() {
                ins.args[k] = as_const(ins.args[k], &mut consts);
            }
        }
        let out = as_const(self.out, &mut consts);
        if matches!(out, Operand::Const(_)) {
            return None;
        }
        // 2. Keep what the output needs, renumbered; 3. one constant slot per use.
        let mut live = vec![false; instrs.len()];
        if let Operand::Node(j) = out {
            live[j] = true;
        }
        for i in (0..instrs.len()).rev() {
            if live[i] {
                for o in instrs[i].operands() {
                    if let Operand::Node(j) = *o {
                        live[j] = true;
                    }
                }
            }
        }
        let mut index = vec![usize::MAX; instrs.len()];
        let mut program = Program {
            instrs: Vec::new(),
            consts: Vec::new(),
            out: Operand::X,
        };
        let renumber = |o: Operand, program: &mut Program, index: &[usize]| match o {
            Operand::X => Operand::X,
            Operand::Const(k) => {
                program.consts.push(consts[k]);
                Operand::Const(program.consts.len() - 1)
            }
            Operand::Node(j) => Operand::Node(index[j]),
        };
        for (i, ins) in instrs.iter().enumerate() {
            if !live[i] {
                continue;
            }
            let mut new = Instr::new(ins.op, &[Operand::X; 3]);
            for k in 0..ins.op.arity() {
                new.args[k] = renumber(ins.args[k], &mut program, &index);
            }
            index[i] = program.instrs.len();
            program.instrs.push(new);
        }
        program.out = renumber(out, &mut program, &index);
        Some(program)
    }
}

/// `dst = op(a, b, c)` element-wise. On x86-64 CPUs with AVX2 and FMA the loops run in a copy
/// compiled for them, where `mul_add` is one instruction rather than a libm call; the
/// results are the same (fma is exactly rounded either way).
fn apply_columns<T: Arith>(op: Op, dst: &mut [T], a: &[T], b: &[T], c: &[T]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features this copy is compiled for.
        unsafe { apply_columns_avx2(op, dst, a, b, c) };
        return;
    }
    apply_loops(op, dst, a, b, c);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn apply_columns_avx2<T: Arith>(op: Op, dst: &mut [T], a: &[T], b: &[T], c: &[T]) {
    apply_loops(op, dst, a, b, c);
}

#[inline(always)]
fn apply_loops<T: Arith>(op: Op, dst: &mut [T], a: &[T], b: &[T], c: &[T]) {
    let n = dst.len();
    let (a, b, c) = (&a[..n], &b[..n], &c[..n]);
    macro_rules! each {
        ($op:expr) => {
            for p in 0..n {
                dst[p] = T::apply($op, a[p], b[p], c[p]);
            }
        };
    }
    match op {
        Op::Add => each!(Op::Add),
        Op::Sub => each!(Op::Sub),
        Op::Mul => each!(Op::Mul),
        Op::Div => each!(Op::Div),
        Op::Fma => each!(Op::Fma),
        Op::Sqrt => each!(Op::Sqrt),
    }
}

/// Horner's scheme for a polynomial of `degree` ≥ 1 (with `fma` or with `*` and `+`), all
/// coefficients 1: a starting point for search whose constants fitting then sets.
pub fn horner(degree: usize, fma: bool) -> Program {
    let mut p = Program {
        instrs: Vec::new(),
        consts: Vec::new(),
        out: Operand::X,
    };
    let mut c = || {
        p.consts.push(1.0);
        Operand::Const(p.consts.len() - 1)
    };
    let mut instrs = Vec::new();
    let mut acc = c();
    for _ in 0..degree {
        if fma {
            instrs.push(Instr::new(Op::Fma, &[acc, Operand::X, c()]));
        } else {
            instrs.push(Instr::new(Op::Mul, &[acc, Operand::X]));
            let prod = Operand::Node(instrs.len() - 1);
            instrs.push(Instr::new(Op::Add, &[prod, c()]));
        }
        acc = Operand::Node(instrs.len() - 1);
    }
    p.instrs = instrs;
    p.out = acc;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Horner's 1 + x·(c₁ + x·c₂) at x = 0.75: the output's half ULP, plus the inner
    /// value's half ULP carried by ∂out/∂inner = x.
    #[test]
    fn rounding_bound_adds_half_ulps_carried_to_the_output() {
        let mut p = horner(2, true);
        p.consts = vec![0.5, 1.0, 1.0];
        let x = 0.75;
        let inner = 0.5 * x + 1.0; // 1.375: ULP 2^-23
        let out = inner * x + 1.0; // 2.03: ULP 2^-22
        assert!(out >= 2.0 && (1.0..2.0).contains(&inner));
        let want = 0.5 * (-22f64).exp2() + x * 0.5 * (-23f64).exp2();
        assert_eq!(p.rounding_bound(&p.consts, x), want);
    }

    #[test]
    fn horner_evaluates_and_counts() {
        let mut p = horner(3, true);
        assert_eq!(p.cost(), 3);
        p.consts = vec![4.0, 3.0, 2.0, 1.0]; // ((4x + 3)x + 2)x + 1
        assert_eq!(p.eval(2.0f64), 4.0 * 8.0 + 3.0 * 4.0 + 2.0 * 2.0 + 1.0);
        let q = horner(3, false);
        assert_eq!(q.cost(), 6);
        let xs = [0.0, 0.5, 1.0, -2.0];
        let mut out = [0.0; 4];
        p.eval_many(&p.consts, &xs, &mut out, &mut Scratch::default());
        for (x, y) in xs.iter().zip(out) {
            assert_eq!(y, p.eval(*x));
        }
    }

    #[test]
    fn f32_evaluation_rounds_in_f32_and_fuses() {
        // fma(x, x, -(x*x)) is the rounding error of the product: non-zero only when the
        // product is rounded (in f32, not in f64 where it is exact) and the fma is fused.
        let p = Program {
            instrs: vec![
                Instr::new(Op::Mul, &[Operand::X, Operand::X]),
                Instr::new(Op::Sub, &[Operand::Const(0), Operand::Node(0)]),
                Instr::new(Op::Fma, &[Operand::X, Operand::X, Operand::Node(1)]),
            ],
            consts: vec![0.0],
            out: Operand::Node(2),
        };
        let a = 1.0f32 + f32::EPSILON;
        assert_eq!(p.eval(a), f32::EPSILON * f32::EPSILON);
        assert_eq!(p.eval(a as f64), 0.0);
    }

    #[test]
    fn normalize_folds_prunes_and_splits_constants() {
        let p = Program {
            instrs: vec![
                Instr::new(Op::Add, &[Operand::Const(0), Operand::Const(0)]), // 2c: folded
                Instr::new(Op::Mul, &[Operand::X, Operand::Node(0)]),
                Instr::new(Op::Sqrt, &[Operand::X]), // dead
                Instr::new(Op::Add, &[Operand::Node(1), Operand::Const(0)]),
            ],
            consts: vec![1.5],
            out: Operand::Node(3),
        };
        let n = p.normalize().unwrap();
        assert_eq!(n.cost(), 2);
        assert_eq!(n.consts, vec![3.0, 1.5]);
        assert_eq!(
            n.instrs,
            vec![
                Instr::new(Op::Mul, &[Operand::X, Operand::Const(0)]),
                Instr::new(Op::Add, &[Operand::Node(0), Operand::Const(1)]),
            ]
        );
        for x in [0.0, 0.3, 2.0] {
            assert_eq!(n.eval(x), p.eval(x));
        }
        let constant = Program {
            instrs: vec![Instr::new(Op::Sqrt, &[Operand::Const(0)])],
            consts: vec![4.0],
            out: Operand::Node(0),
        };
        assert!(constant.normalize().is_none());
    }
}
