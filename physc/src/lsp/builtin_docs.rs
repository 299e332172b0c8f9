//! Hover text for what the language knows without a declaration: the mathematical
//! functions (their signature and units, from the checker's own table), the intrinsics,
//! derivative operators and the constants. A user declaration of the same name is found
//! first, as the checker resolves it.

use physc_compiler::check::builtins::{self, MathFn};

/// Intrinsics and operators the checker implements itself: signature and meaning.
const INTRINSICS: &[(&str, &str, &str)] = &[
    (
        "grad",
        "grad(f)",
        "gradient over the model's space variables: a vector for a scalar f; for a vector f, the matrix whose row i is grad(f_i) (§4.7)",
    ),
    (
        "div",
        "div(v)",
        "divergence of a vector over the model's space variables (§4.7)",
    ),
    ("curl", "curl(v)", "curl of a vector field (§4.7)"),
    (
        "dot",
        "dot(a, b)",
        "contracts the last index of a with the first of b (§4.7)",
    ),
    (
        "d",
        "d(expr, x, …)",
        "the derivative of an expression along the listed variables, in any order (§4.6)",
    ),
    (
        "net",
        "net(u)",
        "the network's raw output for field u, before a hard constraint shapes it (§4.9.6)",
    ),
    (
        "dn",
        "dn(u)",
        "the outward normal derivative of u, in a condition on a shaped domain's boundary (§4.3.8)",
    ),
    (
        "dist",
        "dist(part)",
        "a smooth approximate distance to a named part or to the whole boundary, 0 exactly there (§4.3.8)",
    ),
];

/// The hover text for `word` if it names a built-in; `variables` are the model's variable
/// names, which make `dxx` a derivative operator.
pub(super) fn hover(word: &str, variables: &[String]) -> Option<String> {
    if let Some(f) = MathFn::from_name(word) {
        let params = ["x", "a, b", "a, b, c"][f.arity().clamp(1, 3) - 1];
        return Some(format!(
            "```phys\n{word}({params})\n```\nbuilt-in: {}",
            f.doc()
        ));
    }
    if let Some((_, signature, doc)) = INTRINSICS.iter().find(|(n, _, _)| *n == word) {
        return Some(format!("```phys\n{signature}\n```\nintrinsic: {doc}"));
    }
    if let Some(value) = builtins::constant(word) {
        return Some(format!("```phys\n{word} = {value}\n```\nbuilt-in constant"));
    }
    let along = derivative_variables(word.strip_prefix('d')?, variables)?;
    let order = along.len();
    let by: Vec<String> = along.iter().map(|v| format!("`{v}`")).collect();
    Some(format!(
        "```phys\n{word}(u)\n```\nderivative operator: the order-{order} derivative of its argument along {} (§4.6)",
        by.join(", ")
    ))
}

/// The variables a derivative operator's name (after its `d`) is made of, tried in
/// variable order with backtracking, as the checker splits it.
fn derivative_variables(rest: &str, variables: &[String]) -> Option<Vec<String>> {
    if rest.is_empty() {
        return None;
    }
    fn split(rest: &str, variables: &[String], out: &mut Vec<String>) -> bool {
        if rest.is_empty() {
            return true;
        }
        for v in variables {
            if let Some(tail) = rest.strip_prefix(v.as_str()) {
                out.push(v.clone());
                if split(tail, variables, out) {
                    return true;
                }
                out.pop();
            }
        }
        false
    }
    let mut out = Vec::new();
    split(rest, variables, &mut out).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_math_function_has_a_hover() {
        for f in MathFn::ALL {
            let text = hover(f.name(), &[]).unwrap();
            assert!(text.contains(f.doc()), "{text}");
        }
    }

    #[test]
    fn derivative_operators_split_like_the_checker() {
        let vars = vec!["xi".to_string(), "eta".to_string(), "t".to_string()];
        let text = hover("dxieta", &vars).unwrap();
        assert!(
            text.contains("order-2") && text.contains("`xi`, `eta`"),
            "{text}"
        );
        assert!(hover("dq", &vars).is_none());
        assert!(hover("d", &vars).unwrap().contains("intrinsic"));
        assert!(hover("pi", &vars).unwrap().contains("3.14159"));
        assert!(hover("velocity", &vars).is_none());
    }
}
