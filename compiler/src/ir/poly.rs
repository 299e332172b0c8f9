//! Sparse multivariate polynomials over opaque atoms (numbered e-classes of the simplifier):
//! expansion (sum, product, small powers) and exact division. The simplifier reads a sum or
//! product as a polynomial in the classes below it and adds the expanded form, so like terms
//! across brackets cancel (`(a+b)² − (a² + 2ab + b²)` is 0), and divides numerator by
//! denominator when that is exact (`(x⁴ − y⁴)/(x² + y²)` is `x² − y²`).
//!
//! Coefficients are f64 and a term is dropped only when its coefficient is exactly zero, as
//! constant folding does: real arithmetic up to rounding of the coefficients.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// `(atom, exponent)` pairs sorted by atom, exponents at least 1; empty for the constant term.
pub type Monomial = Vec<(u32, u32)>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Poly {
    pub terms: BTreeMap<Monomial, f64>,
}

impl Poly {
    pub fn constant(c: f64) -> Poly {
        let mut p = Poly::default();
        p.push(Vec::new(), c);
        p
    }

    pub fn atom(a: u32) -> Poly {
        let mut p = Poly::default();
        p.push(vec![(a, 1)], 1.0);
        p
    }

    /// Add `c · m`, dropping the term if it cancels exactly.
    fn push(&mut self, m: Monomial, c: f64) {
        let entry = self.terms.entry(m.clone()).or_insert(0.0);
        *entry += c;
        if *entry == 0.0 {
            self.terms.remove(&m);
        }
    }

    pub fn is_zero(&self) -> bool {
        self.terms.is_empty()
    }

    /// The value, if this is a constant.
    pub fn as_constant(&self) -> Option<f64> {
        match self.terms.len() {
            0 => Some(0.0),
            1 => self.terms.get(&Vec::new()).copied(),
            _ => None,
        }
    }

    /// A single atom to the first power with coefficient 1.
    pub fn is_atom(&self) -> bool {
        self.terms.len() == 1
            && self
                .terms
                .iter()
                .all(|(m, &c)| c == 1.0 && m.len() == 1 && m[0].1 == 1)
    }

    /// All coefficients finite.
    pub fn is_finite(&self) -> bool {
        self.terms.values().all(|c| c.is_finite())
    }

    pub fn degree(&self) -> u32 {
        self.terms.keys().map(degree).max().unwrap_or(0)
    }

    pub fn add(&self, o: &Poly) -> Poly {
        let mut p = self.clone();
        for (m, &c) in &o.terms {
            p.push(m.clone(), c);
        }
        p
    }

    pub fn scale(&self, k: f64) -> Poly {
        let mut p = Poly::default();
        for (m, &c) in &self.terms {
            p.push(m.clone(), c * k);
        }
        p
    }

    pub fn sub(&self, o: &Poly) -> Poly {
        self.add(&o.scale(-1.0))
    }

    pub fn mul(&self, o: &Poly) -> Poly {
        let mut p = Poly::default();
        for (m, &c) in &self.terms {
            for (n, &d) in &o.terms {
                p.push(multiply(m, n), c * d);
            }
        }
        p
    }

    pub fn pow(&self, n: u32) -> Poly {
        let mut p = Poly::constant(1.0);
        for _ in 0..n {
            p = p.mul(self);
        }
        p
    }

    /// The leading monomial and coefficient in graded lexicographic order.
    fn leading(&self) -> Option<(&Monomial, f64)> {
        self.terms
            .iter()
            .max_by(|a, b| graded_lex(a.0, b.0))
            .map(|(m, &c)| (m, c))
    }

    /// `q` with `self = q · d` exactly, if there is one (found within `steps` reduction
    /// steps). The leading term of a multiple of `d` is divisible by that of `d`, so the
    /// reduction fails at once when `d` does not divide.
    pub fn divide_exact(&self, d: &Poly, steps: usize) -> Option<Poly> {
        let (ld, lc) = d.leading()?;
        let (ld, lc) = (ld.clone(), lc);
        let mut rest = self.clone();
        let mut q = Poly::default();
        for _ in 0..steps {
            let Some((lm, c)) = rest.leading() else {
                return Some(q);
            };
            let m = divide(lm, &ld)?;
            let mut t = Poly::default();
            t.push(m, c / lc);
            rest = rest.sub(&t.mul(d));
            q = q.add(&t);
        }
        rest.is_zero().then_some(q)
    }
}

fn degree(m: &Monomial) -> u32 {
    m.iter().map(|e| e.1).sum()
}

fn multiply(a: &Monomial, b: &Monomial) -> Monomial {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// `a / b` if every exponent of `b` is at most that of `a`.
fn divide(a: &Monomial, b: &Monomial) -> Option<Monomial> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for &(atom, e) in a {
        if j < b.len() && b[j].0 < atom {
            return None;
        }
        if j < b.len() && b[j].0 == atom {
            match e.cmp(&b[j].1) {
                Ordering::Less => return None,
                Ordering::Equal => {}
                Ordering::Greater => out.push((atom, e - b[j].1)),
            }
            j += 1;
        } else {
            out.push((atom, e));
        }
    }
    (j == b.len()).then_some(out)
}

/// Total degree first, then the exponent of the smallest atom, and so on: a monomial order
/// (compatible with multiplication), which exact division needs.
fn graded_lex(a: &Monomial, b: &Monomial) -> Ordering {
    degree(a).cmp(&degree(b)).then_with(|| {
        let (mut i, mut j) = (0, 0);
        loop {
            match (a.get(i), b.get(j)) {
                (None, None) => return Ordering::Equal,
                (Some(_), None) => return Ordering::Greater,
                (None, Some(_)) => return Ordering::Less,
                (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                    Ordering::Less => return Ordering::Greater,
                    Ordering::Greater => return Ordering::Less,
                    Ordering::Equal => match x.1.cmp(&y.1) {
                        Ordering::Equal => {
                            i += 1;
                            j += 1;
                        }
                        other => return other,
                    },
                },
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Poly {
        Poly::atom(0)
    }

    fn y() -> Poly {
        Poly::atom(1)
    }

    #[test]
    fn squares_expand_and_cancel() {
        let s = x().add(&y()).pow(2);
        let by_hand = x().pow(2).add(&x().mul(&y()).scale(2.0)).add(&y().pow(2));
        assert_eq!(s, by_hand);
        assert!(s.sub(&by_hand).is_zero());
        let one = Poly::constant(1.0);
        assert_eq!(
            x().add(&one).mul(&x().sub(&one)).sub(&x().pow(2)),
            Poly::constant(-1.0)
        );
        assert_eq!(s.degree(), 2);
    }

    #[test]
    fn exact_division_and_its_failure() {
        let one = Poly::constant(1.0);
        // (x⁴ − y⁴) / (x² + y²) = x² − y²
        let n = x().pow(4).sub(&y().pow(4));
        let d = x().pow(2).add(&y().pow(2));
        assert_eq!(n.divide_exact(&d, 64), Some(x().pow(2).sub(&y().pow(2))));
        // (x² + 2x + 1) / (x + 1) = x + 1
        let n = x().add(&one).pow(2);
        assert_eq!(n.divide_exact(&x().add(&one), 64), Some(x().add(&one)));
        // x² + 1 is not a multiple of x − 1, nor x of y.
        let n = x().pow(2).add(&one);
        assert_eq!(n.divide_exact(&x().sub(&one), 64), None);
        assert_eq!(x().divide_exact(&y(), 64), None);
        // 2x / 2 = x
        assert_eq!(
            x().scale(2.0).divide_exact(&Poly::constant(2.0), 64),
            Some(x())
        );
    }
}
