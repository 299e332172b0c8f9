//! Inputs that once made the front end's cost blow up (issue 25), generated at any size:
//! unclosed brackets, many items, long sums and argument lists, long names and numbers.
//! The robustness suite checks each at sizes up to 10^5 and fuzzes them; its scaling check
//! (`bench/frontend`) times `physc check` on them at n and 8n.

/// What can be left open: the brackets of expressions, a block's brace, a model's header.
pub const OPENERS: [&str; 4] = ["(", "[", "{", "model A {"];

/// Where unclosed openers sit.
#[derive(Clone, Copy, Debug)]
pub enum Around {
    /// The whole file.
    Alone,
    /// The right-hand side of an equation in a model.
    Equation,
    /// Between valid items, with a valid item after every tenth opener.
    Mixed,
}

pub const AROUND: [Around; 3] = [Around::Alone, Around::Equation, Around::Mixed];

/// A model that checks clean.
pub const VALID_MODEL: &str =
    "model Decay {\n  time t in [0, 1]\n  field y(t)\n  ode dt(y) = -y\n  initial y = 1\n}\n";

/// The start of a model whose equation the generators complete.
const MODEL_HEAD: &str = "model M {\n  space x in [0, 1]\n  field u(x)\n";

/// `n` copies of `opener`, never closed, placed as `around` says.
pub fn unclosed(opener: &str, n: usize, around: Around) -> String {
    // Braces one to a line; brackets forty to a line.
    let separated = |i: usize| {
        if opener.ends_with('{') || i % 40 == 39 {
            format!("{opener}\n")
        } else {
            opener.to_string()
        }
    };
    let openers: String = (0..n).map(separated).collect();
    match around {
        Around::Alone => openers,
        Around::Equation => format!("{MODEL_HEAD}  pde u = {openers}\n"),
        Around::Mixed => {
            let mut text = format!("const k = 2\n{VALID_MODEL}");
            for i in 0..n {
                text.push_str(&separated(i));
                if i % 10 == 9 {
                    text.push_str(&format!("\nconst c{i} = {i}\n"));
                }
            }
            text.push('\n');
            text.push_str(VALID_MODEL.replace("Decay", "Decay2").as_str());
            text
        }
    }
}

/// A model whose equation's right-hand side is a sum of `n` terms `i*x^i`.
pub fn sum(n: usize) -> String {
    let terms: Vec<String> = (0..n).map(|i| format!("{i}*x^{i}")).collect();
    format!(
        "{MODEL_HEAD}  pde dxx(u) = {}\n  boundary u = 0 on boundary\n}}\n",
        terms.join(" + ")
    )
}

/// `n` distinct top-level constants.
pub fn constants(n: usize) -> String {
    (0..n).map(|i| format!("const c{i} = {i}\n")).collect()
}

/// A function of `n` parameters, called with `n` arguments.
pub fn arguments(n: usize) -> String {
    let params: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
    let args: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    format!(
        "fn f({}) = a0 + a{}\nconst k = f({})\n",
        params.join(", "),
        n - 1,
        args.join(", ")
    )
}

/// `n` models.
pub fn models(n: usize) -> String {
    (0..n)
        .map(|i| VALID_MODEL.replace("Decay", &format!("Decay{i}")))
        .collect()
}

/// One model of `n` fields, each with its ode and initial condition.
pub fn equations(n: usize) -> String {
    let mut text = String::from("model M {\n  time t in [0, 1]\n");
    for i in 0..n {
        text.push_str(&format!("  field y{i}(t)\n"));
    }
    for i in 0..n {
        text.push_str(&format!("  ode dt(y{i}) = -y{i}\n  initial y{i} = 1\n"));
    }
    text.push_str("}\n");
    text
}

/// A constant with a name `n` letters long, and a use of it.
pub fn identifier(n: usize) -> String {
    let name = "a".repeat(n);
    format!("const {name} = 1\nconst b = {name} + 1\n")
}

/// A number with `n` digits after the point.
pub fn number(n: usize) -> String {
    format!("const a = 1.{}\n", "1".repeat(n))
}

/// `n` syntax errors, each with an open brace: `model A {` on every line.
pub fn syntax_errors(n: usize) -> String {
    "model A {\n".repeat(n)
}

/// Brackets nested just under the limit, then `n` tokens error recovery must skip.
pub fn deep_then_garbage(n: usize) -> String {
    format!(
        "{MODEL_HEAD}  pde u = {}{}\n",
        "(".repeat(390),
        " =".repeat(n)
    )
}

/// A model whose equation's right-hand side is `x + x + … + x`, `n` terms.
pub fn flat_sum(n: usize) -> String {
    format!(
        "{MODEL_HEAD}  pde dxx(u) = {}\n  boundary u = 0 on boundary\n}}\n",
        vec!["x"; n].join(" + ")
    )
}

/// A shape the scaling check times: `generate(n)` from `n` on (8n is the other size), n
/// growing up to `largest` where the work at n is too quick to time.
pub struct Scaling {
    pub name: &'static str,
    pub generate: fn(usize) -> String,
    pub n: usize,
    pub largest: usize,
}

const fn scaling(name: &'static str, generate: fn(usize) -> String, n: usize) -> Scaling {
    Scaling {
        name,
        generate,
        n,
        largest: usize::MAX / 8,
    }
}

pub const SCALING: &[Scaling] = &[
    scaling(
        "unclosed_paren",
        |n| unclosed("(", n, Around::Equation),
        500_000,
    ),
    scaling(
        "unclosed_bracket",
        |n| unclosed("[", n, Around::Equation),
        500_000,
    ),
    scaling(
        "unclosed_brace",
        |n| unclosed("{", n, Around::Mixed),
        20_000,
    ),
    scaling(
        "unclosed_model",
        |n| unclosed("model A {", n, Around::Mixed),
        5_000,
    ),
    scaling("syntax_errors", syntax_errors, 5_000),
    scaling("deep_then_garbage", deep_then_garbage, 20_000),
    scaling("constants", constants, 20_000),
    // 8n terms stay under the checker's node budget (200,000 operations).
    Scaling {
        name: "sum",
        generate: flat_sum,
        n: 12_000,
        largest: 12_000,
    },
    // 8n arguments stay under the node budget too (at 256,000 the call is E0221, so 8n
    // would time the error path while n timed a clean check).
    Scaling {
        name: "arguments",
        generate: arguments,
        n: 20_000,
        largest: 20_000,
    },
    scaling("models", models, 4_000),
    scaling("equations", equations, 4_000),
    scaling("identifier", identifier, 1_000_000),
    scaling("number", number, 2_000_000),
];
