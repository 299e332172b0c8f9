//! The `poly-` rules: e-classes read as polynomials over opaque sub-terms ([`Poly`]), sums,
//! differences and products expanded into monomials, and exact division, within bounds on
//! terms, degree and depth.

use super::analysis::{Facts, Graph};
use super::guards::var;
use crate::ir::lang::Math;
use crate::ir::poly::Poly;
use egg::{Applier, Id, PatternAst, SearchMatches, Subst, Symbol};
use ordered_float::NotNan;
use std::collections::{HashMap, HashSet};

/// Bounds on the polynomials the simplifier builds: beyond them a sub-term stays opaque.
const POLY_MAX_TERMS: usize = 12;
const POLY_MAX_DEGREE: u32 = 8;
const POLY_MAX_POWER: f64 = 4.0;
/// How deep below the matched node sub-terms are read as polynomials.
const POLY_DEPTH: usize = 6;

/// Reads e-classes as polynomials ([`Poly`]) in opaque classes: a class is a constant if the
/// analysis knows its value, else the first of its nodes that is a sum, difference, product,
/// negation, small power or division by a constant, else (or past [`POLY_DEPTH`], or in a
/// cycle) an atom of its own. Any reading is right: every node of a class has its value.
struct PolyReader<'a> {
    egraph: &'a Graph,
    memo: HashMap<Id, Poly>,
    open: HashSet<Id>,
}

impl<'a> PolyReader<'a> {
    fn new(egraph: &'a Graph) -> PolyReader<'a> {
        PolyReader {
            egraph,
            memo: HashMap::new(),
            open: HashSet::new(),
        }
    }

    fn read(&mut self, class: Id, depth: usize) -> Poly {
        let class = self.egraph.find(class);
        let data = self.egraph[class].data;
        if let Some(v) = data.value {
            return Poly::constant(v);
        }
        let atom = Poly::atom(usize::from(class) as u32);
        let leaf = self.egraph[class]
            .nodes
            .iter()
            .any(|n| matches!(n, Math::Symbol(_)));
        if depth == 0 || leaf || data.undefined || self.open.contains(&class) {
            return atom;
        }
        if let Some(p) = self.memo.get(&class) {
            return p.clone();
        }
        self.open.insert(class);
        let mut found = None;
        for node in &self.egraph[class].nodes {
            if let Some(p) = self.node(node, depth - 1) {
                found = Some(p);
                break;
            }
        }
        self.open.remove(&class);
        let p = found.unwrap_or(atom);
        self.memo.insert(class, p.clone());
        p
    }

    /// The polynomial of one node, if it is a polynomial operation and the result is within
    /// bounds.
    fn node(&mut self, node: &Math, depth: usize) -> Option<Poly> {
        let value = |id: &Id| self.egraph[*id].data.value;
        let p = match node {
            Math::Add([a, b]) => self.read(*a, depth).add(&self.read(*b, depth)),
            Math::Sub([a, b]) => self.read(*a, depth).sub(&self.read(*b, depth)),
            Math::Mul([a, b]) => self.read(*a, depth).mul(&self.read(*b, depth)),
            Math::Neg(a) => self.read(*a, depth).scale(-1.0),
            Math::Pow([a, n]) => {
                let n =
                    value(n).filter(|n| n.fract() == 0.0 && (2.0..=POLY_MAX_POWER).contains(n))?;
                let a = self.read(*a, depth);
                if a.terms.len().pow(n as u32) > POLY_MAX_TERMS * POLY_MAX_TERMS {
                    return None;
                }
                a.pow(n as u32)
            }
            Math::Div([a, c]) => {
                let c = value(c).filter(|c| *c != 0.0)?;
                self.read(*a, depth).scale(1.0 / c)
            }
            _ => return None,
        };
        (p.terms.len() <= POLY_MAX_TERMS && p.degree() <= POLY_MAX_DEGREE && p.is_finite())
            .then_some(p)
    }
}

/// Add `p` to the e-graph as a sum of monomials `c · a^k · b^m ...`.
fn add_poly(egraph: &mut Graph, p: &Poly) -> Id {
    let mut sum: Option<Id> = None;
    for (monomial, &c) in &p.terms {
        let mut product: Option<Id> = None;
        for &(atom, k) in monomial {
            let a = Id::from(atom as usize);
            let factor = if k == 1 {
                a
            } else {
                let k = egraph.add(Math::Num(NotNan::new(f64::from(k)).expect("exponent")));
                egraph.add(Math::Pow([a, k]))
            };
            product = Some(match product {
                None => factor,
                Some(m) => egraph.add(Math::Mul([m, factor])),
            });
        }
        let coefficient = egraph.add(Math::Num(NotNan::new(c).expect("finite coefficient")));
        let term = match product {
            None => coefficient,
            Some(m) if c == 1.0 => m,
            Some(m) if c == -1.0 => egraph.add(Math::Neg(m)),
            Some(m) => egraph.add(Math::Mul([coefficient, m])),
        };
        sum = Some(match sum {
            None => term,
            Some(s) => egraph.add(Math::Add([s, term])),
        });
    }
    sum.unwrap_or_else(|| egraph.add(Math::Num(NotNan::new(0.0).expect("zero"))))
}

/// `+`, `-` or `*` of polynomials.
pub(super) type PolyOp = fn(&Poly, &Poly) -> Poly;

/// What a polynomial rule does with the node it matched.
#[derive(Clone, Copy)]
pub(super) enum PolyRule {
    /// Expand `?a + ?b`, `?a - ?b` or `?a * ?b` into a sum of monomials.
    Expand(PolyOp),
    /// `?a / ?b` is the quotient when `?b` divides `?a` exactly (the rule is guarded by `?b`
    /// being non-zero).
    Divide,
}

pub(super) struct Polynomial(pub(super) PolyRule);

impl Polynomial {
    /// The polynomial `a op b` (or `a / b`) to add to the matched class, if any: not when
    /// both operands are plain atoms (`x + y` read as a polynomial is itself), nor past the
    /// bounds.
    fn result(&self, reader: &mut PolyReader, a: Id, b: Id) -> Option<Poly> {
        let (pa, pb) = (reader.read(a, POLY_DEPTH), reader.read(b, POLY_DEPTH));
        let result = match self.0 {
            PolyRule::Expand(_) if pa.is_atom() && pb.is_atom() => return None,
            PolyRule::Expand(op) => op(&pa, &pb),
            PolyRule::Divide => {
                if pb.as_constant().is_some() {
                    return None;
                }
                pa.divide_exact(&pb, 4 * POLY_MAX_TERMS)?
            }
        };
        (result.terms.len() <= POLY_MAX_TERMS
            && result.degree() <= POLY_MAX_DEGREE
            && result.is_finite())
        .then_some(result)
    }

    fn add(egraph: &mut Graph, found: Vec<(Id, Poly)>) -> Vec<Id> {
        let mut changed = Vec::new();
        for (eclass, p) in found {
            let id = add_poly(egraph, &p);
            if egraph.union(eclass, id) {
                changed.push(eclass);
            }
        }
        changed
    }
}

impl Applier<Math, Facts> for Polynomial {
    /// All matches of one search are read with one [`PolyReader`], so sub-terms shared
    /// between them are read once.
    fn apply_matches(
        &self,
        egraph: &mut Graph,
        matches: &[SearchMatches<Math>],
        _: Symbol,
    ) -> Vec<Id> {
        let (a, b) = (var("?a"), var("?b"));
        let mut found = Vec::new();
        let mut reader = PolyReader::new(egraph);
        for m in matches {
            for subst in &m.substs {
                if let Some(p) = self.result(&mut reader, subst[a], subst[b]) {
                    found.push((m.eclass, p));
                }
            }
        }
        Polynomial::add(egraph, found)
    }

    fn apply_one(
        &self,
        egraph: &mut Graph,
        eclass: Id,
        subst: &Subst,
        _: Option<&PatternAst<Math>>,
        _: Symbol,
    ) -> Vec<Id> {
        let mut reader = PolyReader::new(egraph);
        let found = self
            .result(&mut reader, subst[var("?a")], subst[var("?b")])
            .map(|p| (eclass, p));
        Polynomial::add(egraph, found.into_iter().collect())
    }
}
