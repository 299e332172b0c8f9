//! Normal forms back into IR, shaped for the printers: terms in the sum's order joined by
//! `+` and `-` (a negative coefficient is a subtraction, never `+ -k`), each term its
//! number first, then coefficient-like factors, then variables, and its negative powers
//! as one division (`2 * x / (y * z^2)`). Coefficient-like factors that several terms share
//! are taken out where that prints shorter (`sigma * (x - y)` for `sigma x - sigma y`);
//! variables never are: `x z - 1.48 x` stays as a sum of monomials, as a model is read.

use super::normal::{Factor, FactorKind, Power, Sum, Term};
use crate::check::print::number;
use crate::ir::lang::{Builder, Math};
use egg::{Id, Language};

/// Whether terms sharing a coefficient-like factor may be written with it taken out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Factoring {
    /// Where it prints shorter; a positive term leads where there is one.
    Shorter,
    /// Never: the terms stay as given (discovered equations, in the library's order).
    Never,
}

/// One summand as printed: a term, or shared factors times a sum.
enum Addend {
    Term(Term),
    Factored {
        common: Vec<Power>,
        inner: Vec<Term>,
        negative: bool,
    },
}

/// `sum` in IR, its terms in the order given.
pub fn sum(b: &mut Builder, sum: &Sum, factoring: Factoring) -> Id {
    let addends = match factoring {
        Factoring::Shorter => factor(sum.clone().led_by_positive().terms),
        Factoring::Never => sum.terms.iter().cloned().map(Addend::Term).collect(),
    };
    let mut total: Option<Id> = None;
    for addend in addends {
        let (negative, parts) = match addend {
            Addend::Term(t) => (t.value() < 0.0, term_parts(b, &t)),
            Addend::Factored {
                common,
                inner,
                negative,
            } => {
                let mut numerator: Vec<Id> = common.iter().map(|p| power(b, p)).collect();
                let inner = self::sum(b, &Sum { terms: inner }, Factoring::Shorter);
                numerator.push(inner);
                (negative, (numerator, Vec::new()))
            }
        };
        total = Some(match total {
            None => quotient(b, parts, negative),
            Some(acc) => {
                let magnitude = quotient(b, parts, false);
                if negative {
                    b.add(Math::Sub([acc, magnitude]))
                } else {
                    b.add(Math::Add([acc, magnitude]))
                }
            }
        });
    }
    total.unwrap_or_else(|| b.num(0.0))
}

/// The numerator and denominator parts of a term's magnitude.
fn term_parts(b: &mut Builder, t: &Term) -> (Vec<Id>, Vec<Id>) {
    let mut numerator = Vec::new();
    let mut denominator = Vec::new();
    let (mut magnitude, mut divisor) = (t.coefficient.abs(), t.divisor);
    // A coefficient whose reciprocal is a short number divides: `x / 3`, not
    // `0.3333333333333333 * x` (but `0.25 * x`, and no long decimal for another).
    let reciprocal = 1.0 / magnitude;
    let short = number(reciprocal).len();
    if divisor == 1.0 && reciprocal.is_finite() && short <= 6 && short + 3 < number(magnitude).len()
    {
        (magnitude, divisor) = (1.0, reciprocal);
    }
    if magnitude != 1.0 || t.factors.iter().all(|p| p.exponent < 0.0) {
        numerator.push(b.num(magnitude));
    }
    if divisor != 1.0 {
        denominator.push(b.num(divisor));
    }
    let mut factors: Vec<&Power> = t.factors.iter().collect();
    factors.sort_by(|a, b| a.factor.key.in_product().cmp(&b.factor.key.in_product()));
    for p in factors {
        if p.exponent > 0.0 {
            numerator.push(power(b, p));
        } else {
            let positive = Power {
                factor: p.factor.clone(),
                exponent: -p.exponent,
            };
            denominator.push(power(b, &positive));
        }
    }
    (numerator, denominator)
}

/// `Π numerator / Π denominator`, the first part negated when `negative`: `-2 * x`,
/// `-x * y`, `-sigma * (x - y)`.
fn quotient(b: &mut Builder, (numerator, denominator): (Vec<Id>, Vec<Id>), negative: bool) -> Id {
    let mut top = product(b, &numerator);
    if negative {
        top = negate_first(b, top);
    }
    if denominator.is_empty() {
        top
    } else {
        let bottom = product(b, &denominator);
        b.add(Math::Div([top, bottom]))
    }
}

fn product(b: &mut Builder, parts: &[Id]) -> Id {
    let mut out: Option<Id> = None;
    for &p in parts {
        out = Some(match out {
            None => p,
            Some(acc) => b.add(Math::Mul([acc, p])),
        });
    }
    out.unwrap_or_else(|| b.num(1.0))
}

/// The leftmost factor of a product negated, so the sign prints in front without brackets.
fn negate_first(b: &mut Builder, id: Id) -> Id {
    match b.node(id).clone() {
        Math::Mul([a, c]) => {
            let a = negate_first(b, a);
            b.add(Math::Mul([a, c]))
        }
        Math::Num(v) => b.num(-v.into_inner()),
        _ => b.add(Math::Neg(id)),
    }
}

fn power(b: &mut Builder, p: &Power) -> Id {
    let base = factor_node(b, &p.factor);
    if p.exponent == 1.0 {
        base
    } else {
        let n = b.num(p.exponent);
        b.add(Math::Pow([base, n]))
    }
}

fn factor_node(b: &mut Builder, f: &Factor) -> Id {
    match &f.kind {
        FactorKind::Symbol(s) => b.sym(*s),
        FactorKind::Call(template, args) => {
            let ids: Vec<Id> = args.iter().map(|a| sum(b, a, Factoring::Shorter)).collect();
            let mut next = ids.into_iter();
            let node = template
                .clone()
                .map_children(|_| next.next().unwrap_or(Id::from(0)));
            b.add(node)
        }
        FactorKind::Group(s) => sum(b, s, Factoring::Shorter),
        FactorKind::Power(base, exponent) => {
            let base = sum(b, base, Factoring::Shorter);
            let exponent = sum(b, exponent, Factoring::Shorter);
            b.add(Math::Pow([base, exponent]))
        }
    }
}

/// Printed length of a term, in names, numbers and operators.
fn cost(t: &Term) -> usize {
    let parts = usize::from(t.coefficient.abs() != 1.0)
        + usize::from(t.divisor != 1.0)
        + t.factors
            .iter()
            .map(|p| if p.exponent.abs() == 1.0 { 1 } else { 3 })
            .sum::<usize>();
    (2 * parts).saturating_sub(1).max(1)
}

fn same(a: &Power, b: &Power) -> bool {
    a.exponent == b.exponent && a.factor.key == b.factor.key
}

/// The terms with shared coefficient-like factors taken out where that is shorter; a
/// factored group stands where its first term stood.
fn factor(terms: Vec<Term>) -> Vec<Addend> {
    // The coefficient-like power shared by the most terms (the first such, on ties).
    let mut best: Option<(usize, Power)> = None;
    for t in &terms {
        for p in t.factors.iter().filter(|p| !p.factor.key.variable) {
            let count = terms
                .iter()
                .filter(|u| u.factors.iter().any(|q| same(p, q)))
                .count();
            if count >= 2 && best.as_ref().is_none_or(|(c, _)| count > *c) {
                best = Some((count, p.clone()));
            }
        }
    }
    let Some((_, chosen)) = best else {
        return terms.into_iter().map(Addend::Term).collect();
    };
    let sharing: Vec<bool> = terms
        .iter()
        .map(|t| t.factors.iter().any(|q| same(&chosen, q)))
        .collect();
    let group: Vec<&Term> = terms
        .iter()
        .zip(&sharing)
        .filter(|(_, s)| **s)
        .map(|(t, _)| t)
        .collect();
    let common: Vec<Power> = group[0]
        .factors
        .iter()
        .filter(|p| !p.factor.key.variable)
        .filter(|p| group.iter().all(|t| t.factors.iter().any(|q| same(p, q))))
        .cloned()
        .collect();
    let mut inner: Vec<Term> = group
        .iter()
        .map(|t| Term {
            factors: t
                .factors
                .iter()
                .filter(|p| !common.iter().any(|c| same(c, p)))
                .cloned()
                .collect(),
            ..(*t).clone()
        })
        .collect();
    let expanded: usize = group.iter().map(|t| cost(t)).sum::<usize>() + group.len() - 1;
    let factored: usize =
        2 * common.len() + 1 + inner.iter().map(cost).sum::<usize>() + inner.len() - 1;
    if factored >= expanded {
        return terms.into_iter().map(Addend::Term).collect();
    }
    let negative = inner[0].value() < 0.0;
    if negative {
        for t in &mut inner {
            t.coefficient = -t.coefficient;
        }
    }
    let first = sharing.iter().position(|&s| s).unwrap_or(0);
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (i, (t, s)) in terms.into_iter().zip(sharing).enumerate() {
        if !s {
            if i < first {
                before.push(t);
            } else {
                after.push(t);
            }
        }
    }
    let mut out = factor(before);
    out.push(Addend::Factored {
        common,
        inner,
        negative,
    });
    out.extend(factor(after));
    out
}
