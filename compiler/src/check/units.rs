//! Physical dimensions and dimensional analysis. A dimension is a vector of exponents over
//! the SI base units; exponents are kept in sixths so square and cube roots stay exact.
//! Quantities without declared units have no dimension and agree with anything: the check
//! applies where the user gave units, and never invents them.

use crate::syntax::ast::{BinOp, Expr as AstExpr, ExprKind as AstKind};
use std::fmt;

const BASES: [&str; 7] = ["kg", "m", "s", "K", "A", "mol", "cd"];
const SCALE: i32 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dimension([i32; 7]);

impl Dimension {
    pub const NONE: Dimension = Dimension([0; 7]);

    fn of(exponents: [i32; 7]) -> Dimension {
        Dimension(exponents.map(|e| e * SCALE))
    }

    pub fn is_dimensionless(self) -> bool {
        self == Dimension::NONE
    }

    /// The dimension raised to `p`, if the result is representable (exponents in sixths).
    pub fn pow(self, p: f64) -> Option<Dimension> {
        let mut out = [0; 7];
        for (o, &e) in out.iter_mut().zip(self.0.iter()) {
            let v = e as f64 * p;
            if (v - v.round()).abs() > 1e-9 || v.abs() > 1e6 {
                return None;
            }
            *o = v.round() as i32;
        }
        Some(Dimension(out))
    }
}

impl std::ops::Mul for Dimension {
    type Output = Dimension;
    fn mul(self, other: Dimension) -> Dimension {
        Dimension(std::array::from_fn(|i| self.0[i] + other.0[i]))
    }
}

impl std::ops::Div for Dimension {
    type Output = Dimension;
    fn div(self, other: Dimension) -> Dimension {
        Dimension(std::array::from_fn(|i| self.0[i] - other.0[i]))
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let power = |name: &str, e: i32| -> String {
            let e = e.abs();
            if e == SCALE {
                name.to_string()
            } else if e % SCALE == 0 {
                format!("{name}^{}", e / SCALE)
            } else {
                let g = gcd(e, SCALE);
                format!("{name}^({}/{})", e / g, SCALE / g)
            }
        };
        let num: Vec<_> = (0..7)
            .filter(|&i| self.0[i] > 0)
            .map(|i| power(BASES[i], self.0[i]))
            .collect();
        let den: Vec<_> = (0..7)
            .filter(|&i| self.0[i] < 0)
            .map(|i| power(BASES[i], self.0[i]))
            .collect();
        let top = if num.is_empty() {
            "1".to_string()
        } else {
            num.join("*")
        };
        match den.len() {
            0 => write!(f, "{top}"),
            1 => write!(f, "{top}/{}", den[0]),
            _ => write!(f, "{top}/({})", den.join("*")),
        }
    }
}

fn gcd(a: i32, b: i32) -> i32 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// The units physc knows, as (symbol, dimension in base exponents kg m s K A mol cd).
const UNITS: &[(&str, [i32; 7])] = &[
    ("kg", [1, 0, 0, 0, 0, 0, 0]),
    ("m", [0, 1, 0, 0, 0, 0, 0]),
    ("s", [0, 0, 1, 0, 0, 0, 0]),
    ("K", [0, 0, 0, 1, 0, 0, 0]),
    ("A", [0, 0, 0, 0, 1, 0, 0]),
    ("mol", [0, 0, 0, 0, 0, 1, 0]),
    ("cd", [0, 0, 0, 0, 0, 0, 1]),
    ("N", [1, 1, -2, 0, 0, 0, 0]),
    ("Pa", [1, -1, -2, 0, 0, 0, 0]),
    ("J", [1, 2, -2, 0, 0, 0, 0]),
    ("W", [1, 2, -3, 0, 0, 0, 0]),
    ("Hz", [0, 0, -1, 0, 0, 0, 0]),
    ("C", [0, 0, 1, 0, 1, 0, 0]),
    ("V", [1, 2, -3, 0, -1, 0, 0]),
    ("rad", [0, 0, 0, 0, 0, 0, 0]),
];

pub fn known_units() -> impl Iterator<Item = &'static str> {
    UNITS.iter().map(|(name, _)| *name)
}

/// Why a unit expression could not be read, with the offending sub-expression's span.
#[derive(Debug)]
pub struct UnitError {
    pub span: crate::source::Span,
    pub message: String,
    pub unknown: Option<String>,
}

/// Read a unit expression such as `m^2/s` or `kg*m/s^2` (or `1`).
pub fn parse_units(expr: &AstExpr) -> Result<Dimension, UnitError> {
    let fail = |message: String| UnitError {
        span: expr.span,
        message,
        unknown: None,
    };
    match &expr.kind {
        AstKind::Name(name) => UNITS
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| Dimension::of(*d))
            .ok_or_else(|| UnitError {
                span: expr.span,
                message: format!("unknown unit `{name}`"),
                unknown: Some(name.clone()),
            }),
        AstKind::Number { value, .. } if *value == 1.0 => Ok(Dimension::NONE),
        AstKind::Binary { op, lhs, rhs } => match op {
            BinOp::Mul => Ok(parse_units(lhs)? * parse_units(rhs)?),
            BinOp::Div => Ok(parse_units(lhs)? / parse_units(rhs)?),
            BinOp::Pow => {
                let base = parse_units(lhs)?;
                let exponent = unit_exponent(rhs).ok_or_else(|| UnitError {
                    span: rhs.span,
                    message: "a unit exponent must be a number, like `2` or `-1`".into(),
                    unknown: None,
                })?;
                base.pow(exponent)
                    .ok_or_else(|| fail("this power of a unit cannot be represented".into()))
            }
            _ => Err(fail("units combine with `*`, `/` and `^` only".into())),
        },
        _ => Err(fail("expected units such as `m/s^2`".into())),
    }
}

fn unit_exponent(expr: &AstExpr) -> Option<f64> {
    match &expr.kind {
        AstKind::Number { value, .. } => Some(*value),
        AstKind::Neg(inner) => unit_exponent(inner).map(|v| -v),
        AstKind::Binary {
            op: BinOp::Div,
            lhs,
            rhs,
        } => Some(unit_exponent(lhs)? / unit_exponent(rhs)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn units(text: &str) -> Result<Dimension, UnitError> {
        let parsed = crate::syntax::parse(FileId(0), &format!("const a = 1 [{text}]"));
        match &parsed.ast.items[0] {
            crate::syntax::ast::Item::Const(c) => parse_units(c.units.as_ref().unwrap()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn derived_units_reduce_to_base_units() {
        assert_eq!(units("N").unwrap(), units("kg*m/s^2").unwrap());
        assert_eq!(units("Pa*m^2").unwrap(), units("N").unwrap());
        assert_eq!(units("m^2/s").unwrap().to_string(), "m^2/s");
        assert_eq!(units("1").unwrap(), Dimension::NONE);
    }

    #[test]
    fn roots_are_exact() {
        let area = units("m^2").unwrap();
        assert_eq!(area.pow(0.5), Some(units("m").unwrap()));
        assert_eq!(units("m").unwrap().pow(0.5).unwrap().to_string(), "m^(1/2)");
    }

    #[test]
    fn unknown_units_are_named() {
        let err = units("furlong/s").unwrap_err();
        assert_eq!(err.unknown.as_deref(), Some("furlong"));
    }
}
