//! The rule table: algebraic identities (sums, products, division, powers, exponentials and
//! logarithms, trigonometric and hyperbolic functions, activations, min/max), odd and even
//! functions, and the polynomial rules; every rule searches through [`Strict`].

use super::analysis::Facts;
use super::guards::{
    equals, even, int_in, is_const, negative, nonneg, nonzero, not_one, positive, powers_add,
    powers_multiply, variable, Strict,
};
use super::polynomial::{PolyOp, PolyRule, Polynomial};
use crate::ir::lang::Math;
use crate::ir::poly::Poly;
use egg::{rewrite as rw, Rewrite};
use std::f64::consts::{FRAC_PI_2, PI};
use std::sync::{Arc, OnceLock};

/// The rule set, built once.
pub(super) fn rules() -> &'static [Rewrite<Math, Facts>] {
    static RULES: OnceLock<Vec<Rewrite<Math, Facts>>> = OnceLock::new();
    RULES.get_or_init(build_rules)
}

fn build_rules() -> Vec<Rewrite<Math, Facts>> {
    let mut rules: Vec<Rewrite<Math, Facts>> = vec![
        // Sums and products: commutative and associative.
        rw!("add-comm"; "(+ ?a ?b)" => "(+ ?b ?a)"),
        rw!("mul-comm"; "(* ?a ?b)" => "(* ?b ?a)"),
        rw!("add-assoc"; "(+ (+ ?a ?b) ?c)" => "(+ ?a (+ ?b ?c))"),
        rw!("add-assoc-rev"; "(+ ?a (+ ?b ?c))" => "(+ (+ ?a ?b) ?c)"),
        rw!("mul-assoc"; "(* (* ?a ?b) ?c)" => "(* ?a (* ?b ?c))"),
        rw!("mul-assoc-rev"; "(* ?a (* ?b ?c))" => "(* (* ?a ?b) ?c)"),
        // Identities.
        rw!("add-0"; "(+ ?a 0)" => "?a"),
        rw!("mul-1"; "(* ?a 1)" => "?a"),
        rw!("mul-0"; "(* ?a 0)" => "0"),
        rw!("div-1"; "(/ ?a 1)" => "?a"),
        rw!("pow-0"; "(^ ?a 0)" => "1"),
        rw!("pow-1"; "(^ ?a 1)" => "?a"),
        // Negation and subtraction: `a - b` is also `a + (-b)`, so sums do the rest; negation
        // moves through products.
        rw!("sub-canon"; "(- ?a ?b)" => "(+ ?a (neg ?b))"),
        rw!("sub-uncanon"; "(+ ?a (neg ?b))" => "(- ?a ?b)"),
        rw!("neg-uncanon"; "(* -1 ?a)" => "(neg ?a)"),
        rw!("neg-neg"; "(neg (neg ?a))" => "?a"),
        rw!("neg-sub"; "(neg (- ?a ?b))" => "(- ?b ?a)"),
        rw!("mul-neg"; "(* ?a (neg ?b))" => "(neg (* ?a ?b))"),
        rw!("neg-into-mul"; "(neg (* ?a ?b))" => "(* ?a (neg ?b))"),
        rw!("sub-self"; "(- ?a ?a)" => "0"),
        // Like terms and common factors.
        rw!("add-same"; "(+ ?a ?a)" => "(* 2 ?a)"),
        rw!("factor"; "(+ (* ?a ?b) (* ?a ?c))" => "(* ?a (+ ?b ?c))"),
        rw!("factor-1"; "(+ ?a (* ?a ?b))" => "(* ?a (+ 1 ?b))"),
        // Expansion only by constants, where it lets numbers fold (`2 (x/2 + y)`).
        rw!("distribute-const"; "(* ?c (+ ?a ?b))" => "(+ (* ?c ?a) (* ?c ?b))" if is_const("?c")),
        // Division: `a / b` is `a (1/b)`.
        rw!("div-canon"; "(/ ?a ?b)" => "(* ?a (/ 1 ?b))" if not_one("?a")),
        rw!("div-uncanon"; "(* ?a (/ 1 ?b))" => "(/ ?a ?b)"),
        rw!("recip-mul"; "(* (/ 1 ?a) (/ 1 ?b))" => "(/ 1 (* ?a ?b))"),
        rw!("recip-recip"; "(/ 1 (/ 1 ?a))" => "?a"),
        rw!("recip-div"; "(/ 1 (/ ?a ?b))" => "(/ ?b ?a)"),
        rw!("recip-neg"; "(/ 1 (neg ?a))" => "(neg (/ 1 ?a))"),
        rw!("div-self"; "(/ ?a ?a)" => "1" if nonzero("?a")),
        rw!("div-cancel"; "(/ (* ?a ?b) (* ?a ?c))" => "(/ ?b ?c)" if nonzero("?a")),
        rw!("div-cancel-num"; "(/ (* ?a ?b) ?a)" => "?b" if nonzero("?a")),
        rw!("div-cancel-den"; "(/ ?a (* ?a ?b))" => "(/ 1 ?b)" if nonzero("?a")),
        rw!("div-same-den"; "(/ (/ ?a ?c) (/ ?b ?c))" => "(/ ?a ?b)" if nonzero("?c")),
        rw!("add-fractions"; "(+ (/ ?a ?b) (/ ?c ?d))" => "(/ (+ (* ?a ?d) (* ?b ?c)) (* ?b ?d))"),
        rw!("mul-recip-self"; "(* ?a (/ 1 ?a))" => "1" if nonzero("?a")),
        // Powers. Small integer powers become the multiplications they cost.
        rw!("square"; "(* ?a ?a)" => "(^ ?a 2)"),
        rw!("square-rev"; "(^ ?a 2)" => "(* ?a ?a)"),
        rw!("pow-split"; "(^ ?a ?n)" => "(* ?a (^ ?a (+ ?n -1)))" if int_in("?n", 3.0, 8.0)),
        rw!("pow-recip"; "(^ ?a ?n)" => "(/ 1 (^ ?a (neg ?n)))" if negative("?n")),
        rw!("pow-sqrt"; "(^ ?a 0.5)" => "(sqrt ?a)"),
        rw!("pow-mul"; "(* (^ ?a ?b) (^ ?a ?c))" => "(^ ?a (+ ?b ?c))" if powers_add("?a", "?b", Some("?c"))),
        rw!("pow-mul-1"; "(* ?a (^ ?a ?b))" => "(^ ?a (+ ?b 1))" if powers_add("?a", "?b", None)),
        rw!("pow-pow"; "(^ (^ ?a ?b) ?c)" => "(^ ?a (* ?b ?c))" if powers_multiply("?a", "?b", "?c")),
        rw!("pow-neg"; "(^ (neg ?a) ?n)" => "(^ ?a ?n)" if even("?n")),
        rw!("sqrt-square"; "(sqrt (* ?a ?a))" => "(abs ?a)"),
        rw!("sqrt-factor"; "(sqrt (* ?c ?a))" => "(* (sqrt ?c) (sqrt ?a))" if positive("?c") if is_const("?c")),
        rw!("sqrt-square-nonneg"; "(sqrt (* ?a ?a))" => "?a" if nonneg("?a")),
        rw!("sqrt-sqrt"; "(* (sqrt ?a) (sqrt ?a))" => "?a" if nonneg("?a")),
        rw!("abs-positive"; "(abs ?a)" => "?a" if nonneg("?a")),
        rw!("abs-neg"; "(abs (neg ?a))" => "(abs ?a)"),
        rw!("abs-square"; "(* (abs ?a) (abs ?a))" => "(* ?a ?a)"),
        rw!("sign-abs"; "(* (sign ?a) (abs ?a))" => "?a"),
        // Exponentials and logarithms.
        rw!("exp-mul"; "(* (exp ?a) (exp ?b))" => "(exp (+ ?a ?b))"),
        rw!("exp-add"; "(exp (+ ?a ?b))" => "(* (exp ?a) (exp ?b))"),
        rw!("exp-log-pow"; "(exp (* ?b (log ?a)))" => "(^ ?a ?b)" if positive("?a")),
        rw!("exp-recip"; "(/ 1 (exp ?a))" => "(exp (neg ?a))"),
        rw!("exp-pow"; "(^ (exp ?a) ?b)" => "(exp (* ?a ?b))"),
        rw!("log-exp"; "(log (exp ?a))" => "?a"),
        rw!("exp-log"; "(exp (log ?a))" => "?a" if positive("?a")),
        rw!("log-pow"; "(log (^ ?a ?b))" => "(* ?b (log ?a))" if positive("?a")),
        // Trigonometric and hyperbolic identities.
        rw!("pythagoras"; "(+ (* (sin ?a) (sin ?a)) (* (cos ?a) (cos ?a)))" => "1"),
        rw!("pythagoras-h"; "(- (* (cosh ?a) (cosh ?a)) (* (sinh ?a) (sinh ?a)))" => "1"),
        rw!("tan-def"; "(/ (sin ?a) (cos ?a))" => "(tan ?a)"),
        rw!("tan-expand"; "(tan ?a)" => "(/ (sin ?a) (cos ?a))"),
        rw!("tanh-def"; "(/ (sinh ?a) (cosh ?a))" => "(tanh ?a)"),
        rw!("sec2"; "(/ 1 (* (cos ?a) (cos ?a)))" => "(+ 1 (* (tan ?a) (tan ?a)))"),
        rw!("sin-double"; "(* 2 (* (sin ?a) (cos ?a)))" => "(sin (* 2 ?a))"),
        rw!("cos-double"; "(- (* (cos ?a) (cos ?a)) (* (sin ?a) (sin ?a)))" => "(cos (* 2 ?a))"),
        // Shifts by `pi` (the number nearest π: exact to about 1e-16, and only for a variable
        // argument, so that no constant is equated with one a rounding away).
        rw!("sin-pi-minus"; "(sin (- ?c ?a))" => "(sin ?a)" if equals("?c", PI) if variable("?a")),
        rw!("cos-pi-minus"; "(cos (- ?c ?a))" => "(neg (cos ?a))" if equals("?c", PI) if variable("?a")),
        rw!("sin-quarter"; "(sin (+ ?a ?c))" => "(cos ?a)" if equals("?c", FRAC_PI_2) if variable("?a")),
        rw!("cos-quarter"; "(cos (+ ?a ?c))" => "(neg (sin ?a))" if equals("?c", FRAC_PI_2) if variable("?a")),
        rw!("sinh-exp"; "(- (exp ?a) (exp (neg ?a)))" => "(* 2 (sinh ?a))"),
        rw!("cosh-exp"; "(+ (exp ?a) (exp (neg ?a)))" => "(* 2 (cosh ?a))"),
        // Activations: definitions folded back, and symmetries. (Not `sigmoid(-a) = 1 -
        // sigmoid(a)`, `softplus(-a) = softplus(a) - a` or `sech² = 1 - tanh²`: each turns a
        // small accurate value into a difference that cancels for large `a`.)
        rw!("sigmoid-def"; "(/ 1 (+ 1 (exp (neg ?a))))" => "(sigmoid ?a)"),
        rw!("sigmoid-def-2"; "(/ (exp ?a) (+ 1 (exp ?a)))" => "(sigmoid ?a)"),
        rw!("sigmoid-sum"; "(+ (sigmoid ?a) (sigmoid (neg ?a)))" => "1"),
        rw!("softplus-def"; "(log (+ 1 (exp ?a)))" => "(softplus ?a)"),
        rw!("softplus-diff"; "(- (softplus ?a) (softplus (neg ?a)))" => "?a"),
        rw!("tanh-sigmoid"; "(- (* 2 (sigmoid (* 2 ?a))) 1)" => "(tanh ?a)"),
        // Min, max, fma.
        rw!("min-self"; "(min ?a ?a)" => "?a"),
        rw!("max-self"; "(max ?a ?a)" => "?a"),
        rw!("max-plus-min"; "(+ (max ?a ?b) (min ?a ?b))" => "(+ ?a ?b)"),
        rw!("fma-expand"; "(fma ?a ?b ?c)" => "(+ (* ?a ?b) ?c)"),
    ];
    // Odd and even functions.
    let pattern = |s: String| s.parse::<egg::Pattern<Math>>().expect("pattern");
    for f in ["sin", "tan", "asin", "atan", "sinh", "tanh", "erf"] {
        let (lhs, rhs) = (
            pattern(format!("({f} (neg ?a))")),
            pattern(format!("(neg ({f} ?a))")),
        );
        rules.push(Rewrite::new(format!("{f}-odd"), lhs, rhs).expect("rule"));
    }
    for f in ["cos", "cosh", "abs"] {
        let (lhs, rhs) = (
            pattern(format!("({f} (neg ?a))")),
            pattern(format!("({f} ?a)")),
        );
        rules.push(Rewrite::new(format!("{f}-even"), lhs, rhs).expect("rule"));
    }
    // Polynomials: expand sums, differences and products (like terms cancel across
    // brackets), and divide exactly.
    let expand: [(&str, &str, PolyOp); 3] = [
        ("poly-add", "(+ ?a ?b)", Poly::add),
        ("poly-sub", "(- ?a ?b)", Poly::sub),
        ("poly-mul", "(* ?a ?b)", Poly::mul),
    ];
    for (name, lhs, op) in expand {
        let rule = Rewrite::new(name, pattern(lhs.into()), Polynomial(PolyRule::Expand(op)));
        rules.push(rule.expect("rule"));
    }
    let divide = egg::ConditionalApplier {
        condition: nonzero("?b"),
        applier: Polynomial(PolyRule::Divide),
    };
    rules.push(Rewrite::new("poly-divide", pattern("(/ ?a ?b)".into()), divide).expect("rule"));
    for rule in &mut rules {
        rule.searcher = Arc::new(Strict(rule.searcher.clone()));
    }
    rules
}
