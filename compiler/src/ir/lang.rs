//! The expression language every later stage shares: an egg `Language` of real-valued
//! operations over symbols (coordinates, constants, parameters, and jet variables such as
//! `u_x`), its symbol table, and a hash-consing builder whose smart constructors fold
//! constants and drop identities as expressions are built, so derivatives do not balloon
//! before egg ever sees them. Expressions are DAGs: one `RecExpr` holds many roots that share
//! sub-terms.

use crate::check::{FieldRef, VarId};
use egg::{define_language, Id, Language, RecExpr, Symbol};
use ordered_float::NotNan;
use std::collections::HashMap;

pub type Constant = NotNan<f64>;

define_language! {
    /// A real-valued operation. `^` is a real power; integer exponents are recognised by
    /// code generators. `fma(a, b, c)` is `a * b + c` with one rounding (for evolved code).
    pub enum Math {
        "+" = Add([Id; 2]),
        "-" = Sub([Id; 2]),
        "*" = Mul([Id; 2]),
        "/" = Div([Id; 2]),
        "^" = Pow([Id; 2]),
        "neg" = Neg(Id),
        "sqrt" = Sqrt(Id),
        "exp" = Exp(Id),
        "log" = Log(Id),
        "sin" = Sin(Id),
        "cos" = Cos(Id),
        "tan" = Tan(Id),
        "asin" = Asin(Id),
        "acos" = Acos(Id),
        "atan" = Atan(Id),
        "sinh" = Sinh(Id),
        "cosh" = Cosh(Id),
        "tanh" = Tanh(Id),
        "abs" = Abs(Id),
        "sign" = Sign(Id),
        "sigmoid" = Sigmoid(Id),
        "softplus" = Softplus(Id),
        "erf" = Erf(Id),
        "min" = Min([Id; 2]),
        "max" = Max([Id; 2]),
        "fma" = Fma([Id; 3]),
        Num(Constant),
        Symbol(Symbol),
    }
}

impl Math {
    /// The floating-point work one node costs, in rough multiples of an add: what
    /// simplification minimises and what "op count" reports weigh.
    pub fn weight(&self) -> usize {
        match self {
            Math::Num(_) | Math::Symbol(_) => 0,
            Math::Add(_)
            | Math::Sub(_)
            | Math::Mul(_)
            | Math::Neg(_)
            | Math::Abs(_)
            | Math::Sign(_) => 1,
            Math::Min(_) | Math::Max(_) | Math::Fma(_) => 1,
            Math::Div(_) | Math::Sqrt(_) => 4,
            Math::Pow(_) => Math::power_weight(None),
            _ => 16,
        }
    }

    /// The weight of `x^n` for an exponent `n` known or not: integer exponents up to 16 in
    /// size become the multiplications of repeated squaring (and a division when negative),
    /// as the code generators emit them, so `x^5` weighs what `x*x*(x*(x*x))` does and its
    /// one node wins; other powers call `pow`.
    pub fn power_weight(n: Option<f64>) -> usize {
        match n.and_then(Math::squaring_exponent) {
            Some(n) => {
                let k = n.unsigned_abs();
                let multiplications = (31 - k.leading_zeros() + k.count_ones() - 1).max(1);
                multiplications as usize + if n < 0 { 4 } else { 0 }
            }
            None => 8,
        }
    }

    /// The exponent `n` of an `x^n` that every backend computes by repeated squaring (and
    /// one division when negative): a non-zero integer of size at most 16. Other powers
    /// call `pow`.
    pub fn squaring_exponent(n: f64) -> Option<i32> {
        (n.fract() == 0.0 && n != 0.0 && n.abs() <= 16.0).then_some(n as i32)
    }

    /// [`Math::weight`], with integer powers priced by [`Math::power_weight`]: `exponent`
    /// gives the constant value of a child, if known.
    pub fn weight_given(&self, exponent: impl Fn(Id) -> Option<f64>) -> usize {
        match self {
            Math::Pow([_, n]) => Math::power_weight(exponent(*n)),
            other => other.weight(),
        }
    }

    pub fn is_leaf(&self) -> bool {
        matches!(self, Math::Num(_) | Math::Symbol(_))
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Math::Num(c) => Some(c.into_inner()),
            _ => None,
        }
    }
}

/// Operations (non-leaf nodes) reachable from the roots, each shared node counted once.
pub fn op_count(expr: &RecExpr<Math>, roots: &[Id]) -> usize {
    reachable(expr, roots)
        .into_iter()
        .filter(|&id| !expr[id].is_leaf())
        .count()
}

/// Weighted cost of the DAG reachable from the roots (each shared node counted once).
pub fn dag_cost(expr: &RecExpr<Math>, roots: &[Id]) -> usize {
    reachable(expr, roots)
        .into_iter()
        .map(|id| expr[id].weight_given(|c| expr[c].number()))
        .sum()
}

/// Ids reachable from the roots, each once, children before parents.
pub fn reachable(expr: &RecExpr<Math>, roots: &[Id]) -> Vec<Id> {
    let mut seen = vec![false; expr.len()];
    let mut stack: Vec<Id> = roots.to_vec();
    while let Some(id) = stack.pop() {
        let i = usize::from(id);
        if seen[i] {
            continue;
        }
        seen[i] = true;
        stack.extend(expr[id].children().iter().copied());
    }
    (0..expr.len()).filter(|&i| seen[i]).map(Id::from).collect()
}

/// What a symbol stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum SymbolKind {
    /// A space or time coordinate.
    Var(VarId),
    /// A known constant and its value.
    Const { id: usize, value: f64 },
    /// A learnable parameter.
    Param(usize),
    /// A derivative of a field component (`wrt` sorted; empty for the value itself).
    Jet { field: FieldRef, wrt: Vec<VarId> },
    /// A derivative of the raw network output of a field (inside hard constraints).
    NetJet { field: FieldRef, wrt: Vec<VarId> },
    /// A free name (one-off expressions given to `physc simplify`).
    Free(String),
    /// Component `i` of the outward unit normal at a boundary point.
    Normal(usize),
}

#[derive(Debug, Clone)]
pub struct SymbolInfo {
    pub name: Symbol,
    pub kind: SymbolKind,
    /// How the symbol is written in `.phys` syntax (`dx(u)` for the jet `u_x`).
    pub source: String,
    /// How it is written in LaTeX.
    pub latex: String,
}

/// Every symbol an expression set uses, by name.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    list: Vec<SymbolInfo>,
    by_name: HashMap<Symbol, usize>,
    by_kind: HashMap<String, Symbol>,
}

impl Symbols {
    /// The symbol for `kind`, created with a unique name (based on `name`) if new.
    pub fn intern(
        &mut self,
        name: &str,
        kind: SymbolKind,
        source: String,
        latex: String,
    ) -> Symbol {
        let key = format!("{kind:?}");
        if let Some(&s) = self.by_kind.get(&key) {
            return s;
        }
        let mut unique = name.to_string();
        let mut n = 2;
        while self.by_name.contains_key(&Symbol::from(unique.as_str())) {
            unique = format!("{name}#{n}");
            n += 1;
        }
        let symbol = Symbol::from(unique.as_str());
        self.by_name.insert(symbol, self.list.len());
        self.by_kind.insert(key, symbol);
        self.list.push(SymbolInfo {
            name: symbol,
            kind,
            source,
            latex,
        });
        symbol
    }

    pub fn get(&self, name: Symbol) -> Option<&SymbolInfo> {
        self.by_name.get(&name).map(|&i| &self.list[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &SymbolInfo> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The position of a symbol in the table (interpreter and kernel input order).
    pub fn index(&self, name: Symbol) -> Option<usize> {
        self.by_name.get(&name).copied()
    }
}

/// Builds a hash-consed `RecExpr`: identical nodes are stored once, constants are folded and
/// identities (`x + 0`, `x * 1`, `x * 0`, `x ^ 1`) removed on the way in. Every rewrite here
/// holds wherever the original expression is defined.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    pub expr: RecExpr<Math>,
    memo: HashMap<Math, Id>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    pub fn node(&self, id: Id) -> &Math {
        &self.expr[id]
    }

    pub fn value(&self, id: Id) -> Option<f64> {
        self.expr[id].number()
    }

    pub fn add(&mut self, node: Math) -> Id {
        if let Some(&id) = self.memo.get(&node) {
            return id;
        }
        let id = self.expr.add(node.clone());
        self.memo.insert(node, id);
        id
    }

    /// A number. Non-finite values are kept as the division that makes them (`1/0`), since
    /// the language has no literal for them.
    pub fn num(&mut self, v: f64) -> Id {
        if v.is_finite() {
            // `+ 0.0` turns -0 into 0, so both zeros are one node.
            return self.add(Math::Num(NotNan::new(v + 0.0).unwrap_or_default()));
        }
        let zero = self.num(0.0);
        let numerator = self.num(if v.is_nan() { 0.0 } else { v.signum() });
        self.add(Math::Div([numerator, zero]))
    }

    pub fn sym(&mut self, s: Symbol) -> Id {
        self.add(Math::Symbol(s))
    }

    fn fold(&mut self, v: f64, otherwise: Math) -> Id {
        if v.is_finite() {
            self.num(v)
        } else {
            self.add(otherwise)
        }
    }

    pub fn sum(&mut self, a: Id, b: Id) -> Id {
        match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) => self.fold(x + y, Math::Add([a, b])),
            (Some(0.0), _) => b,
            (_, Some(0.0)) => a,
            _ => {
                if let Math::Neg(nb) = self.expr[b] {
                    return self.difference(a, nb);
                }
                self.add(Math::Add([a, b]))
            }
        }
    }

    pub fn difference(&mut self, a: Id, b: Id) -> Id {
        match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) => self.fold(x - y, Math::Sub([a, b])),
            (_, Some(0.0)) => a,
            (Some(0.0), _) => self.neg(b),
            _ if a == b => self.num(0.0),
            _ => match self.expr[b] {
                Math::Neg(nb) => self.sum(a, nb),
                _ => self.add(Math::Sub([a, b])),
            },
        }
    }

    pub fn product(&mut self, a: Id, b: Id) -> Id {
        match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) => self.fold(x * y, Math::Mul([a, b])),
            (Some(0.0), _) | (_, Some(0.0)) => self.num(0.0),
            (Some(1.0), _) => b,
            (_, Some(1.0)) => a,
            (Some(-1.0), _) => self.neg(b),
            (_, Some(-1.0)) => self.neg(a),
            _ => self.add(Math::Mul([a, b])),
        }
    }

    pub fn quotient(&mut self, a: Id, b: Id) -> Id {
        match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) if y != 0.0 => self.fold(x / y, Math::Div([a, b])),
            (_, Some(1.0)) => a,
            _ => self.add(Math::Div([a, b])),
        }
    }

    pub fn neg(&mut self, a: Id) -> Id {
        match self.expr[a] {
            Math::Num(c) => self.num(-c.into_inner()),
            Math::Neg(inner) => inner,
            _ => self.add(Math::Neg(a)),
        }
    }

    pub fn power(&mut self, a: Id, b: Id) -> Id {
        match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) => self.fold(x.powf(y), Math::Pow([a, b])),
            (_, Some(1.0)) => a,
            (_, Some(0.0)) => self.num(1.0),
            _ => self.add(Math::Pow([a, b])),
        }
    }

    /// A unary or binary function node, folded when its arguments are numbers.
    pub fn call(&mut self, node: Math) -> Id {
        let args: Vec<Option<f64>> = node.children().iter().map(|&c| self.value(c)).collect();
        if args.iter().all(Option::is_some) && !args.is_empty() {
            let args: Vec<f64> = args.into_iter().flatten().collect();
            if let Some(v) = super::eval::apply(&node, &args) {
                return self.fold(v, node);
            }
        }
        self.add(node)
    }

    /// `root` with every symbol in `map` replaced by its expression (already in this
    /// builder).
    pub fn substitute(&mut self, root: Id, map: &HashMap<Symbol, Id>) -> Id {
        let mut new_ids: HashMap<Id, Id> = HashMap::new();
        for id in reachable(&self.expr, &[root]) {
            let node = self.expr[id].clone();
            let new = match node {
                Math::Symbol(s) if map.contains_key(&s) => map[&s],
                other => self.add(other.map_children(|c| new_ids[&c])),
            };
            new_ids.insert(id, new);
        }
        new_ids[&root]
    }

    /// Copy the DAG under `root` of another expression into this builder.
    pub fn import(&mut self, from: &RecExpr<Math>, root: Id) -> Id {
        let mut map: HashMap<Id, Id> = HashMap::new();
        for id in reachable(from, &[root]) {
            let node = from[id].clone().map_children(|c| map[&c]);
            let new = self.add(node);
            map.insert(id, new);
        }
        map[&root]
    }
}
