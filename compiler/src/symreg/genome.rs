//! Expression genomes and the genetic operators on them. A genome is an expression tree in
//! prefix order (each gene followed by its arguments), so a subtree is a contiguous slice and
//! crossover and mutation are slice splices. Constants are genes holding their current value;
//! the fitter overwrites them with fitted values, which children inherit. Genomes turn into
//! IR (`Math`) with variables as symbols and constants as the symbols `$0, $1, …` in prefix
//! order, so one compiled kernel serves every value of the constants.

use super::UnaryOp;
use crate::ir::lang::Math;
use egg::{Id, RecExpr, Symbol};
use physc_runtime::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

const BINARY: [BinaryOp; 4] = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gene {
    Var(usize),
    Const(f64),
    Unary(UnaryOp),
    Binary(BinaryOp),
}

impl Gene {
    fn arity(self) -> usize {
        match self {
            Gene::Var(_) | Gene::Const(_) => 0,
            Gene::Unary(_) => 1,
            Gene::Binary(_) => 2,
        }
    }
}

/// An expression tree in prefix order.
#[derive(Debug, Clone, PartialEq)]
pub struct Genome {
    pub genes: Vec<Gene>,
}

/// The name of the `i`-th constant symbol: not a valid `.phys` identifier, so it never
/// collides with a variable.
pub fn const_symbol(i: usize) -> Symbol {
    Symbol::from(format!("${i}"))
}

/// What the operators may build: the variables and unary operations allowed, and the size
/// bound.
pub struct Grammar<'a> {
    pub vars: usize,
    pub unary: &'a [UnaryOp],
    pub max_size: usize,
}

impl Grammar<'_> {
    fn leaf(&self, rng: &mut Rng) -> Gene {
        if self.vars == 0 || rng.uniform() < 0.25 {
            Gene::Const(random_constant(rng))
        } else {
            Gene::Var(rng.below(self.vars))
        }
    }

    fn operator(&self, rng: &mut Rng) -> Gene {
        if self.unary.is_empty() || rng.uniform() < 0.7 {
            Gene::Binary(BINARY[rng.below(BINARY.len())])
        } else {
            Gene::Unary(self.unary[rng.below(self.unary.len())])
        }
    }

    /// A random tree of at most `depth` levels ("grow": leaves may come early).
    pub fn random_tree(&self, rng: &mut Rng, depth: usize, out: &mut Vec<Gene>) {
        if depth <= 1 || rng.uniform() < 0.3 {
            out.push(self.leaf(rng));
            return;
        }
        let op = self.operator(rng);
        push_operator(op, rng, out);
        for _ in 0..op.arity() {
            self.random_tree(rng, depth - 1, out);
        }
    }

    pub fn random_genome(&self, rng: &mut Rng, depth: usize) -> Genome {
        let mut genes = Vec::new();
        self.random_tree(rng, depth, &mut genes);
        Genome { genes }
    }

    /// A child of one parent by one random mutation, or `None` if it came out too large.
    pub fn mutate(&self, parent: &Genome, rng: &mut Rng) -> Option<Genome> {
        let genes = &parent.genes;
        let at = rng.below(genes.len());
        let end = subtree_end(genes, at);
        let mut child: Vec<Gene> = genes[..at].to_vec();
        match rng.below(6) {
            // Replace the subtree by a small random one.
            0 => {
                let depth = 1 + rng.below(3);
                self.random_tree(rng, depth, &mut child)
            }
            // Change one gene for another of the same arity.
            1 => {
                child.push(match genes[at] {
                    Gene::Var(_) | Gene::Const(_) => self.leaf(rng),
                    Gene::Unary(_) if !self.unary.is_empty() => {
                        Gene::Unary(self.unary[rng.below(self.unary.len())])
                    }
                    Gene::Unary(u) => Gene::Unary(u),
                    Gene::Binary(_) => Gene::Binary(BINARY[rng.below(BINARY.len())]),
                });
                child.extend_from_slice(&genes[at + 1..end]);
            }
            // Wrap the subtree in an operation.
            2 => {
                let op = self.operator(rng);
                push_operator(op, rng, &mut child);
                if let Gene::Binary(_) = op {
                    // The other operand: mostly one variable or constant (`h` → `h / T`).
                    let mut other = Vec::new();
                    if rng.uniform() < 0.6 {
                        other.push(self.leaf(rng));
                    } else {
                        self.random_tree(rng, 2, &mut other);
                    }
                    if rng.uniform() < 0.5 {
                        child.extend(other);
                        child.extend_from_slice(&genes[at..end]);
                    } else {
                        child.extend_from_slice(&genes[at..end]);
                        child.extend(other);
                    }
                } else {
                    child.extend_from_slice(&genes[at..end]);
                }
            }
            // Replace an operation by one of its arguments.
            3 => match genes[at].arity() {
                0 => child.push(self.leaf(rng)),
                _ => {
                    let first = at + 1;
                    let second = subtree_end(genes, first);
                    let (s, e) = if genes[at].arity() == 2 && rng.uniform() < 0.5 {
                        (second, end)
                    } else {
                        (first, second)
                    };
                    child.extend_from_slice(&genes[s..e]);
                }
            },
            // Scale a constant (the fitter refines it; this escapes its local minimum).
            4 => match genes[at] {
                Gene::Const(c) => {
                    let factor = if rng.uniform() < 0.5 { -1.0 } else { 1.0 };
                    child.push(Gene::Const(factor * c * (1.0 + rng.normal())));
                }
                _ => child.extend_from_slice(&genes[at..end]),
            },
            // Multiply the subtree by a constant.
            _ => {
                child.push(Gene::Binary(BinaryOp::Mul));
                child.push(Gene::Const(random_constant(rng)));
                child.extend_from_slice(&genes[at..end]);
            }
        }
        child.extend_from_slice(&genes[end..]);
        let child = Genome { genes: child }.normalised();
        (child.genes.len() <= self.max_size).then_some(child)
    }

    /// A child that is `a` with one subtree replaced by a subtree of `b`.
    pub fn crossover(&self, a: &Genome, b: &Genome, rng: &mut Rng) -> Option<Genome> {
        let at = rng.below(a.genes.len());
        let end = subtree_end(&a.genes, at);
        let from = rng.below(b.genes.len());
        let from_end = subtree_end(&b.genes, from);
        let mut genes = a.genes[..at].to_vec();
        genes.extend_from_slice(&b.genes[from..from_end]);
        genes.extend_from_slice(&a.genes[end..]);
        let child = Genome { genes }.normalised();
        (child.genes.len() <= self.max_size).then_some(child)
    }
}

/// Push an operation gene. `exp`, `sin` and `cos` come with a constant factor on their
/// argument (`sin(c * x)`): rates and frequencies are rarely 1, and a factor inside is
/// something the search would otherwise have to stumble on.
fn push_operator(op: Gene, rng: &mut Rng, out: &mut Vec<Gene>) {
    out.push(op);
    if let Gene::Unary(UnaryOp::Exp | UnaryOp::Sin | UnaryOp::Cos) = op {
        out.push(Gene::Binary(BinaryOp::Mul));
        out.push(Gene::Const(random_constant(rng)));
    }
}

/// Constants start near the small numbers physics formulas use, with either sign.
fn random_constant(rng: &mut Rng) -> f64 {
    let magnitude = [0.5, 1.0, 2.0, 3.0][rng.below(4)] * (1.0 + 0.1 * rng.normal());
    if rng.uniform() < 0.2 {
        -magnitude
    } else {
        magnitude
    }
}

/// One past the last gene of the subtree starting at `start`.
pub fn subtree_end(genes: &[Gene], start: usize) -> usize {
    let mut need = 1usize;
    let mut i = start;
    while need > 0 {
        need = need - 1 + genes[i].arity();
        i += 1;
    }
    i
}

impl Genome {
    pub fn constant(value: f64) -> Genome {
        Genome {
            genes: vec![Gene::Const(value)],
        }
    }

    /// Its size: the number of genes (every variable, constant and operation counts one).
    pub fn size(&self) -> usize {
        self.genes.len()
    }

    /// The tree without its constant values: genomes with one shape have one canonical form.
    pub fn shape(&self) -> String {
        let mut s = String::with_capacity(3 * self.genes.len());
        for g in &self.genes {
            match g {
                Gene::Var(i) => s.push_str(&format!("v{i} ")),
                Gene::Const(_) => s.push_str("$ "),
                Gene::Unary(op) => s.push_str(&format!("{op:?} ")),
                Gene::Binary(op) => s.push_str(&format!("{op:?} ")),
            }
        }
        s
    }

    pub fn constants(&self) -> Vec<f64> {
        self.genes
            .iter()
            .filter_map(|g| match g {
                Gene::Const(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// The same tree with its constants replaced, in prefix order.
    pub fn with_constants(&self, values: &[f64]) -> Genome {
        let mut values = values.iter();
        let genes = self
            .genes
            .iter()
            .map(|g| match g {
                Gene::Const(c) => Gene::Const(*values.next().unwrap_or(c)),
                other => *other,
            })
            .collect();
        Genome { genes }
    }

    /// Variants with one constant set to 0 or to 1, normalised: where the fit allows, these
    /// drop a term or a factor (`x * 1e-19 + y` → `y`).
    pub fn rounded(&self) -> Vec<Genome> {
        let values = self.constants();
        let mut out = Vec::new();
        for (i, &value) in values.iter().enumerate() {
            for nice in [0.0, 1.0] {
                if value != nice {
                    let mut v = values.clone();
                    v[i] = nice;
                    out.push(self.with_constants(&v).normalised());
                }
            }
        }
        out
    }

    /// The tree with redundant constants merged, so the fitter never sees two constants that
    /// only their product or sum determines: a subtree without variables becomes one
    /// constant, and a constant times (a constant times x) becomes one constant times x.
    /// Multiplying by 0 or 1 and adding 0 are dropped; `x / x` is 1 and `x - x` is 0.
    pub fn normalised(&self) -> Genome {
        let mut out = Vec::with_capacity(self.genes.len());
        normalise(&self.genes, 0, &mut out);
        Genome { genes: out }
    }

    /// The IR of the tree: variables as the given symbols, constants as `$i` symbols.
    pub fn to_ir(&self, vars: &[Symbol]) -> (RecExpr<Math>, Id) {
        let mut expr = RecExpr::default();
        let mut next_const = 0;
        let root = build(&self.genes, 0, vars, &mut expr, &mut next_const).1;
        (expr, root)
    }
}

/// Normalise the subtree at `start` into `out`; returns one past its end in `genes`.
fn normalise(genes: &[Gene], start: usize, out: &mut Vec<Gene>) -> usize {
    let gene = genes[start];
    let here = out.len();
    out.push(gene);
    let mut next = start + 1;
    let mut arg_starts = Vec::with_capacity(2);
    for _ in 0..gene.arity() {
        arg_starts.push(out.len());
        next = normalise(genes, next, out);
    }
    let constant = |i: usize, out: &[Gene]| match out.get(i) {
        Some(Gene::Const(c)) if subtree_end(out, i) == i + 1 => Some(*c),
        _ => None,
    };
    match gene {
        Gene::Unary(op) => {
            if let Some(c) = constant(arg_starts[0], out) {
                let v = op.apply(c);
                if v.is_finite() {
                    out.truncate(here);
                    out.push(Gene::Const(v));
                }
            }
        }
        Gene::Binary(op) => {
            let (a, b) = (constant(arg_starts[0], out), constant(arg_starts[1], out));
            let left = out[arg_starts[0]..arg_starts[1]].to_vec();
            let right = out[arg_starts[1]..].to_vec();
            let replace = |out: &mut Vec<Gene>, genes: Vec<Gene>| {
                out.truncate(here);
                out.extend(genes);
            };
            use BinaryOp::*;
            match (op, a, b) {
                (_, Some(a), Some(b)) => {
                    let v = match op {
                        Add => a + b,
                        Sub => a - b,
                        Mul => a * b,
                        Div => a / b,
                    };
                    if v.is_finite() {
                        replace(out, vec![Gene::Const(v)]);
                    }
                }
                // Identities, for constants the rounding step set to exactly 0 or 1.
                (Mul, Some(0.0), _) | (Mul, _, Some(0.0)) | (Div, Some(0.0), _) => {
                    replace(out, vec![Gene::Const(0.0)])
                }
                (Mul, Some(1.0), _) | (Add, Some(0.0), _) => replace(out, right),
                (Mul | Div, _, Some(1.0)) | (Add | Sub, _, Some(0.0)) => replace(out, left),
                // 0 - x → -1 * x, whose constant can then merge with one inside x.
                (Sub, Some(0.0), _) => {
                    let mut negated = vec![Gene::Binary(Mul), Gene::Const(-1.0)];
                    negated.extend(right);
                    let mut merged = Vec::with_capacity(negated.len());
                    normalise(&negated, 0, &mut merged);
                    replace(out, merged);
                }
                // x / x and x - x of one subtree (the genome's own; the e-graph keeps them
                // where x may vanish or be undefined, but a search loses nothing by this).
                (Div, ..) if left == right => replace(out, vec![Gene::Const(1.0)]),
                (Sub, ..) if left == right => replace(out, vec![Gene::Const(0.0)]),
                // c * (d * x) → (c d) * x, either side.
                (Mul, Some(c), None) | (Mul, None, Some(c)) => {
                    let other = if a.is_some() { right } else { left };
                    if other[0] == Gene::Binary(Mul) {
                        let inner_b = subtree_end(&other, 1);
                        let (d, rest) = match (constant(1, &other), constant(inner_b, &other)) {
                            (Some(d), _) => (d, other[inner_b..].to_vec()),
                            (_, Some(d)) => (d, other[1..inner_b].to_vec()),
                            _ => return next,
                        };
                        let mut genes = vec![Gene::Binary(Mul), Gene::Const(c * d)];
                        genes.extend(rest);
                        replace(out, genes);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    next
}

fn build(
    genes: &[Gene],
    start: usize,
    vars: &[Symbol],
    expr: &mut RecExpr<Math>,
    next_const: &mut usize,
) -> (usize, Id) {
    match genes[start] {
        Gene::Var(i) => (start + 1, expr.add(Math::Symbol(vars[i]))),
        Gene::Const(_) => {
            let s = const_symbol(*next_const);
            *next_const += 1;
            (start + 1, expr.add(Math::Symbol(s)))
        }
        Gene::Unary(op) => {
            let (next, a) = build(genes, start + 1, vars, expr, next_const);
            (next, op.to_ir(a, expr))
        }
        Gene::Binary(op) => {
            let (mid, a) = build(genes, start + 1, vars, expr, next_const);
            let (next, b) = build(genes, mid, vars, expr, next_const);
            let node = match op {
                BinaryOp::Add => Math::Add([a, b]),
                BinaryOp::Sub => Math::Sub([a, b]),
                BinaryOp::Mul => Math::Mul([a, b]),
                BinaryOp::Div => Math::Div([a, b]),
            };
            (next, expr.add(node))
        }
    }
}
