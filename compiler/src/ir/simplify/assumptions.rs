//! What the roots require of their sub-terms wherever they are defined (a divisor non-zero,
//! the argument of `log` positive, of `sqrt` non-negative, `cos a` non-zero under `tan a`):
//! facts the analysis starts from, so guarded rules can use them.

use crate::ir::lang::{reachable, Math};
use egg::{Id, RecExpr};
use std::collections::HashMap;

/// What is known of a value wherever the roots are defined (see [`assumptions`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Assumed {
    pub(super) positive: bool,
    pub(super) nonneg: bool,
    pub(super) nonzero: bool,
}

impl Assumed {
    const POSITIVE: Assumed = Assumed {
        positive: true,
        nonneg: true,
        nonzero: true,
    };
    const NONNEG: Assumed = Assumed {
        positive: false,
        nonneg: true,
        nonzero: false,
    };
    const NONZERO: Assumed = Assumed {
        positive: false,
        nonneg: false,
        nonzero: true,
    };

    fn or(self, o: Assumed) -> Assumed {
        Assumed {
            positive: self.positive || o.positive,
            nonneg: self.nonneg || o.nonneg || self.positive || o.positive,
            nonzero: self.nonzero || o.nonzero || self.positive || o.positive,
        }
    }

    fn and(self, o: Assumed) -> Assumed {
        Assumed {
            positive: self.positive && o.positive,
            nonneg: self.nonneg && o.nonneg,
            nonzero: self.nonzero && o.nonzero,
        }
    }

    fn is_empty(self) -> bool {
        self == Assumed::default()
    }
}

/// Whose value an assumption is about: a node of the input, or the cosine of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Subject {
    Node(Id),
    CosOf(Id),
}

/// Facts that hold wherever every root is defined, read off the partial operations under
/// them: a divisor is non-zero, the argument of `log` positive, that of `sqrt` or of a
/// fractional power non-negative, and `cos a` non-zero under `tan a`; a factor of a
/// non-zero product is non-zero. Each root implies its own facts (every operation is
/// undefined where an argument is), so only the facts all roots imply are kept: a rewrite
/// on a sub-term shared by two roots must hold wherever either is defined.
///
/// With these the analysis guards `x/x → 1` or `exp(log x) → x` by what the expression
/// itself requires: the result equals the original wherever the original is defined, and
/// may be defined at more points (a removable singularity, `(x²−1)/(x−1) → x+1`).
pub(super) fn assumptions(expr: &RecExpr<Math>, roots: &[Id]) -> HashMap<Subject, Assumed> {
    let mut common: Option<HashMap<Subject, Assumed>> = None;
    for &root in roots {
        let mine = implied_by(expr, root);
        let kept = match common {
            None => mine,
            Some(before) => before
                .into_iter()
                .filter_map(|(k, a)| {
                    let both = a.and(*mine.get(&k)?);
                    (!both.is_empty()).then_some((k, both))
                })
                .collect(),
        };
        let empty = kept.is_empty();
        common = Some(kept);
        if empty {
            break;
        }
    }
    common.unwrap_or_default()
}

/// The facts one root implies (see [`assumptions`]), found from the root down.
fn implied_by(expr: &RecExpr<Math>, root: Id) -> HashMap<Subject, Assumed> {
    let mut known: HashMap<Subject, Assumed> = HashMap::new();
    let number = |id: Id| expr[id].number();
    // Children have smaller ids than their parents, so this visits parents first.
    for id in reachable(expr, &[root]).into_iter().rev() {
        let here = known.get(&Subject::Node(id)).copied().unwrap_or_default();
        let mut found: Vec<(Subject, Assumed)> = Vec::new();
        let mut require = |c: Id, a: Assumed| {
            if number(c).is_none() && !a.is_empty() {
                found.push((Subject::Node(c), a));
            }
        };
        let if_nonzero = if here.nonzero {
            Assumed::NONZERO
        } else {
            Assumed::default()
        };
        match expr[id] {
            Math::Div([a, b]) => {
                require(b, Assumed::NONZERO);
                require(a, if_nonzero);
            }
            Math::Log(a) => require(a, Assumed::POSITIVE),
            Math::Sqrt(a) => require(
                a,
                if here.nonzero {
                    Assumed::POSITIVE
                } else {
                    Assumed::NONNEG
                },
            ),
            Math::Pow([a, n]) => {
                if let Some(n) = number(n) {
                    let mut need = if_nonzero;
                    if n < 0.0 {
                        need = need.or(Assumed::NONZERO);
                    }
                    if n.fract() != 0.0 {
                        need = need.or(Assumed::NONNEG);
                    }
                    if need.nonzero && need.nonneg {
                        need = Assumed::POSITIVE;
                    }
                    require(a, need);
                }
            }
            Math::Mul([a, b]) => {
                require(a, if_nonzero);
                require(b, if_nonzero);
            }
            Math::Neg(a) | Math::Abs(a) => require(a, if_nonzero),
            Math::Tan(a) => found.push((Subject::CosOf(a), Assumed::NONZERO)),
            _ => {}
        }
        for (subject, a) in found {
            let entry = known.entry(subject).or_default();
            *entry = entry.or(a);
        }
    }
    known.retain(|_, a| !a.is_empty());
    known
}
