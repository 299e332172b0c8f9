//! The sum-of-monomials normal form: an expression as a sum of terms, each a number times
//! powers of factors (symbols, function calls, sums kept whole). Products of sums are
//! multiplied out while that stays small, like terms are collected, repeated factors become
//! powers, and terms are sorted by degree in the variables and then by variable order. The
//! e-graph finds the smallest form; only this pass can put its terms in a reader's order.
//!
//! Every step holds wherever the input is defined (distribution, collecting terms,
//! `x * x = x^2`); `x^a * x^b = x^(a+b)` is used for numeric exponents and, like the
//! simplifier, may define the result where the input was not (`sqrt`-like powers of
//! negatives). Powers with non-integer exponents are not spread over products, since
//! `(x y)^0.5` is not `x^0.5 y^0.5` for negative `x` and `y`.

use super::order::{Key, Order, CALL, GROUP, POWER};
use crate::check::print::number;
use crate::ir::lang::Math;
use egg::{Id, Language, RecExpr};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

/// Products of two sums are multiplied out when the result has at most this many terms
/// (before collecting); larger products stay factored rather than flood the page.
const EXPANSION_LIMIT: usize = 16;

/// A sum of terms; no terms is zero.
#[derive(Debug, Clone, Default)]
pub struct Sum {
    pub terms: Vec<Term>,
}

/// `coefficient / divisor * Π factor^exponent`.
#[derive(Debug, Clone)]
pub struct Term {
    pub coefficient: f64,
    /// A numeric divisor kept apart where folding it into the coefficient would print a
    /// long decimal: `x / 3`, not `0.3333333333333333 * x`.
    pub divisor: f64,
    /// Sorted by key; exponents non-zero.
    pub factors: Vec<Power>,
}

#[derive(Debug, Clone)]
pub struct Power {
    pub factor: Rc<Factor>,
    pub exponent: f64,
}

#[derive(Debug)]
pub struct Factor {
    pub kind: FactorKind,
    pub key: Key,
}

#[derive(Debug)]
pub enum FactorKind {
    Symbol(egg::Symbol),
    /// A function (the node is the template; its children are ignored) of sums.
    Call(Math, Vec<Sum>),
    /// A sum of two or more terms that is not multiplied out: a divisor, a power, a product
    /// too large to expand.
    Group(Sum),
    /// `base ^ exponent` with an exponent that is not a number.
    Power(Sum, Sum),
}

impl Term {
    fn number(v: f64) -> Term {
        Term {
            coefficient: v,
            divisor: 1.0,
            factors: Vec::new(),
        }
    }

    fn of(factor: Rc<Factor>, exponent: f64) -> Term {
        Term {
            coefficient: 1.0,
            divisor: 1.0,
            factors: vec![Power { factor, exponent }],
        }
    }

    /// A sum of several terms as one factor: `(x + y)`.
    pub fn group(sum: Sum) -> Term {
        Term::of(group(sum), 1.0)
    }

    pub fn scaled(mut self, k: f64) -> Term {
        self.coefficient *= k;
        self
    }

    /// The coefficient as one number.
    pub fn value(&self) -> f64 {
        self.coefficient / self.divisor
    }

    /// The degree in the variables (coefficient-like factors count nothing).
    pub fn degree(&self) -> f64 {
        self.factors
            .iter()
            .filter(|p| p.factor.key.variable)
            .map(|p| p.exponent)
            .sum()
    }

    /// Identifies the factors with their exponents: terms with equal signatures collect.
    fn signature(&self) -> String {
        let mut s = String::new();
        for p in &self.factors {
            s.push_str(&p.factor.key.text);
            s.push('^');
            s.push_str(&p.exponent.to_string());
            s.push(';');
        }
        s
    }

    fn times(&self, other: &Term) -> Term {
        let mut factors: Vec<Power> = Vec::with_capacity(self.factors.len() + other.factors.len());
        let (mut i, mut j) = (0, 0);
        while i < self.factors.len() || j < other.factors.len() {
            let next = match (self.factors.get(i), other.factors.get(j)) {
                (Some(a), Some(b)) => match a.factor.key.cmp(&b.factor.key) {
                    Ordering::Less => {
                        i += 1;
                        a.clone()
                    }
                    Ordering::Greater => {
                        j += 1;
                        b.clone()
                    }
                    Ordering::Equal => {
                        i += 1;
                        j += 1;
                        Power {
                            factor: a.factor.clone(),
                            exponent: a.exponent + b.exponent,
                        }
                    }
                },
                (Some(a), None) => {
                    i += 1;
                    a.clone()
                }
                (None, Some(b)) => {
                    j += 1;
                    b.clone()
                }
                (None, None) => unreachable!(),
            };
            if next.exponent != 0.0 {
                factors.push(next);
            }
        }
        let mut t = Term {
            coefficient: self.coefficient * other.coefficient,
            divisor: self.divisor * other.divisor,
            factors,
        };
        t.fold_divisor();
        t
    }

    /// The divisor folded into the coefficient where the quotient prints no longer than
    /// the two numbers do.
    fn fold_divisor(&mut self) {
        if self.divisor == 1.0 {
            return;
        }
        let folded = self.coefficient / self.divisor;
        let short =
            number(folded).len() <= number(self.coefficient).len() + number(self.divisor).len() + 1;
        if folded.is_finite() && short {
            self.coefficient = folded;
            self.divisor = 1.0;
        } else if self.divisor < 0.0 {
            self.coefficient = -self.coefficient;
            self.divisor = -self.divisor;
        }
    }
}

impl Sum {
    pub fn number(v: f64) -> Sum {
        if v == 0.0 {
            Sum::default()
        } else {
            Sum {
                terms: vec![Term::number(v)],
            }
        }
    }

    fn of(term: Term) -> Sum {
        Sum { terms: vec![term] }
    }

    /// The value, when this sum is a number.
    pub fn as_number(&self) -> Option<f64> {
        match self.terms.as_slice() {
            [] => Some(0.0),
            [t] if t.factors.is_empty() => Some(t.value()),
            _ => None,
        }
    }

    fn scaled(mut self, k: f64) -> Sum {
        for t in &mut self.terms {
            t.coefficient *= k;
        }
        self
    }

    /// Like terms collected (in order of first appearance), zero terms dropped.
    fn collected(terms: Vec<Term>) -> Sum {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut out: Vec<Term> = Vec::with_capacity(terms.len());
        for t in terms {
            let signature = t.signature();
            match index.get(&signature) {
                Some(&i) => {
                    let o = &mut out[i];
                    if o.divisor == t.divisor {
                        o.coefficient += t.coefficient;
                    } else {
                        o.coefficient = o.value() + t.value();
                        o.divisor = 1.0;
                    }
                }
                None => {
                    index.insert(signature, out.len());
                    out.push(t);
                }
            }
        }
        out.retain(|t| t.coefficient != 0.0);
        Sum { terms: out }
    }

    /// The terms in reading order: by degree in the variables (numbers last), then by the
    /// variables, then by the coefficient-like factors.
    pub fn sorted(mut self) -> Sum {
        self.terms.sort_by(compare_terms);
        self
    }

    /// A negative first term gives way to the first positive one: `x y - 3 z`, not
    /// `-3 z + x y`; the others keep their order.
    pub fn led_by_positive(mut self) -> Sum {
        let first_negative = self.terms.first().is_some_and(|t| t.value() < 0.0);
        if let Some(i) = self.terms.iter().position(|t| t.value() > 0.0) {
            if first_negative {
                let t = self.terms.remove(i);
                self.terms.insert(0, t);
            }
        }
        self
    }

    fn plus(self, other: Sum) -> Sum {
        let mut terms = self.terms;
        terms.extend(other.terms);
        Sum::collected(terms)
    }

    fn times(self, other: Sum) -> Sum {
        let (m, n) = (self.terms.len(), other.terms.len());
        if m <= 1 || n <= 1 || m * n <= EXPANSION_LIMIT {
            let mut terms = Vec::with_capacity(m * n);
            for a in &self.terms {
                for b in &other.terms {
                    terms.push(a.times(b));
                }
            }
            return Sum::collected(terms);
        }
        let a = self.into_term();
        let b = other.into_term();
        Sum::of(a.times(&b))
    }

    /// This sum as one term: itself when it has one term, else a group.
    fn into_term(self) -> Term {
        match self.terms.len() {
            0 => Term::number(0.0),
            1 => self.terms.into_iter().next().unwrap_or(Term::number(0.0)),
            _ => Term::of(group(self), 1.0),
        }
    }

    /// `self ^ n` for a number `n`.
    fn power(self, n: f64) -> Sum {
        if let Some(v) = self.as_number() {
            return Sum::number(v.powf(n));
        }
        let integer = n.fract() == 0.0;
        if self.terms.len() == 1 {
            let t = &self.terms[0];
            let single = t.factors.len() == 1 && t.value() == 1.0;
            if integer || single {
                // A negative power swaps coefficient and divisor: `(3 x)^-1` is `1 / (3 x)`.
                let (top, bottom) = if n < 0.0 {
                    (t.divisor, t.coefficient)
                } else {
                    (t.coefficient, t.divisor)
                };
                let t = Term {
                    coefficient: if integer { top.powf(n.abs()) } else { 1.0 },
                    divisor: if integer { bottom.powf(n.abs()) } else { 1.0 },
                    factors: t
                        .factors
                        .iter()
                        .map(|p| Power {
                            factor: p.factor.clone(),
                            exponent: p.exponent * n,
                        })
                        .collect(),
                };
                if t.coefficient.is_finite() && t.divisor.is_finite() && t.divisor != 0.0 {
                    let mut t = t;
                    t.fold_divisor();
                    return Sum::of(t);
                }
            }
        }
        let base = self.into_term();
        let factor = match base.factors.as_slice() {
            [p] if base.value() == 1.0 && p.exponent == 1.0 => p.factor.clone(),
            _ => group(Sum::of(base)),
        };
        Sum::of(Term::of(factor, n))
    }

    /// `1 / self`, when this sum is one term; `None` for sums (which stay whole).
    fn reciprocal(&self) -> Option<Term> {
        match self.terms.as_slice() {
            [] => Some(Term {
                coefficient: 1.0,
                divisor: 0.0,
                factors: Vec::new(),
            }),
            [t] => {
                let mut r = Term {
                    coefficient: t.divisor,
                    divisor: t.coefficient,
                    factors: t
                        .factors
                        .iter()
                        .map(|p| Power {
                            factor: p.factor.clone(),
                            exponent: -p.exponent,
                        })
                        .collect(),
                };
                r.fold_divisor();
                Some(r)
            }
            _ => None,
        }
    }
}

fn compare_terms(a: &Term, b: &Term) -> Ordering {
    let numbers_last = |t: &Term| t.factors.iter().all(|p| !p.factor.key.variable);
    numbers_last(a)
        .cmp(&numbers_last(b))
        .then(a.degree().total_cmp(&b.degree()))
        .then_with(|| compare_powers(&powers(a, true), &powers(b, true)))
        .then_with(|| compare_powers(&powers(a, false), &powers(b, false)))
}

/// The variable (or coefficient-like) factors of a term with their exponents, higher
/// powers first among equal factors.
fn powers(t: &Term, variable: bool) -> Vec<(&Key, f64)> {
    t.factors
        .iter()
        .filter(|p| p.factor.key.variable == variable)
        .map(|p| (&p.factor.key, -p.exponent))
        .collect()
}

fn compare_powers(a: &[(&Key, f64)], b: &[(&Key, f64)]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = x.0.cmp(y.0).then(x.1.total_cmp(&y.1));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// A factor for a sum kept whole; its terms sorted so equal sums are one factor.
fn group(sum: Sum) -> Rc<Factor> {
    let sum = sum.sorted();
    let mut text = String::from("(");
    sum_text(&sum, &mut text);
    text.push(')');
    let variable = has_variable(&sum);
    Rc::new(Factor {
        kind: FactorKind::Group(sum),
        key: Key {
            variable,
            class: GROUP,
            rank: Vec::new(),
            text,
        },
    })
}

fn has_variable(sum: &Sum) -> bool {
    sum.terms
        .iter()
        .any(|t| t.factors.iter().any(|p| p.factor.key.variable))
}

/// Canonical text of a sum, for keys (not for people: the printer builds IR).
fn sum_text(sum: &Sum, out: &mut String) {
    for (i, t) in sum.terms.iter().enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.push_str(&t.coefficient.to_string());
        if t.divisor != 1.0 {
            out.push('/');
            out.push_str(&t.divisor.to_string());
        }
        for p in &t.factors {
            out.push('*');
            out.push_str(&p.factor.key.text);
            out.push('^');
            out.push_str(&p.exponent.to_string());
        }
    }
}

/// Converts IR into normal form, one node once (a DAG's shared sub-terms are shared here).
pub struct Normalizer<'e, 's> {
    expr: &'e RecExpr<Math>,
    order: Order<'s>,
    done: HashMap<Id, Sum>,
}

impl<'e, 's> Normalizer<'e, 's> {
    pub fn new(expr: &'e RecExpr<Math>, order: Order<'s>) -> Self {
        Normalizer {
            expr,
            order,
            done: HashMap::new(),
        }
    }

    /// The normal form of `id`, its terms sorted.
    pub fn normal(&mut self, id: Id) -> Sum {
        self.convert(id).sorted()
    }

    fn convert(&mut self, id: Id) -> Sum {
        if let Some(s) = self.done.get(&id) {
            return s.clone();
        }
        let s = self.convert_new(id);
        self.done.insert(id, s.clone());
        s
    }

    fn convert_new(&mut self, id: Id) -> Sum {
        let expr = self.expr;
        match &expr[id] {
            Math::Num(c) => Sum::number(c.into_inner()),
            Math::Symbol(s) => {
                let key = self.order.symbol(*s);
                Sum::of(Term::of(
                    Rc::new(Factor {
                        kind: FactorKind::Symbol(*s),
                        key,
                    }),
                    1.0,
                ))
            }
            Math::Add(_) | Math::Sub(_) | Math::Neg(_) => {
                // A sum flattened without recursion: sums can be thousands of terms long.
                let mut terms = Vec::new();
                let mut stack = vec![(id, 1.0)];
                while let Some((id, sign)) = stack.pop() {
                    match &expr[id] {
                        Math::Add([a, b]) => stack.extend([(*b, sign), (*a, sign)]),
                        Math::Sub([a, b]) => stack.extend([(*b, -sign), (*a, sign)]),
                        Math::Neg(a) => stack.push((*a, -sign)),
                        _ => terms.extend(self.convert(id).scaled(sign).terms),
                    }
                }
                Sum::collected(terms)
            }
            Math::Mul(_) => {
                let mut factors = Vec::new();
                let mut stack = vec![id];
                while let Some(id) = stack.pop() {
                    match &expr[id] {
                        Math::Mul([a, b]) => stack.extend([*b, *a]),
                        _ => factors.push(id),
                    }
                }
                let mut product = Sum::number(1.0);
                for f in factors {
                    let f = self.convert(f);
                    product = product.times(f);
                }
                product
            }
            Math::Div([a, b]) => {
                let (a, b) = (self.convert(*a), self.convert(*b));
                match b.reciprocal() {
                    // A sum over a number or a monomial: each term divided, unless the
                    // divisor has variables and the numerator is a sum: `(x + y) / z`.
                    Some(r) if a.terms.len() <= 1 || r.factors.is_empty() => a.times(Sum::of(r)),
                    Some(r) => Sum::of(a.into_term().times(&r)),
                    None => {
                        let over = Term::of(group(b), -1.0);
                        Sum::of(a.into_term().times(&over))
                    }
                }
            }
            Math::Pow([a, b]) => {
                let (a, b) = (self.convert(*a), self.convert(*b));
                match b.as_number() {
                    Some(n) => a.power(n),
                    None => {
                        let mut text = String::from("(");
                        sum_text(&a, &mut text);
                        text.push_str(")^(");
                        sum_text(&b, &mut text);
                        text.push(')');
                        let variable = has_variable(&a) || has_variable(&b);
                        Sum::of(Term::of(
                            Rc::new(Factor {
                                kind: FactorKind::Power(a.sorted(), b.sorted()),
                                key: Key {
                                    variable,
                                    class: POWER,
                                    rank: Vec::new(),
                                    text,
                                },
                            }),
                            1.0,
                        ))
                    }
                }
            }
            Math::Fma([a, b, c]) => {
                let (a, b, c) = (self.convert(*a), self.convert(*b), self.convert(*c));
                a.times(b).plus(c)
            }
            call => {
                let args: Vec<Sum> = call
                    .children()
                    .iter()
                    .map(|&c| self.convert(c).sorted())
                    .collect();
                let mut text = call.to_string();
                text.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    sum_text(a, &mut text);
                }
                text.push(')');
                let variable = args.iter().any(has_variable);
                Sum::of(Term::of(
                    Rc::new(Factor {
                        kind: FactorKind::Call(call.clone(), args),
                        key: Key {
                            variable,
                            class: CALL,
                            rank: Vec::new(),
                            text,
                        },
                    }),
                    1.0,
                ))
            }
        }
    }
}
