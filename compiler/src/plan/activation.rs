//! A network's activation planned as kernels: the activation is an IR expression of one
//! variable (a built-in by name, or the user function the checker elaborated), its
//! derivatives come from the symbolic core, and one kernel plan evaluates σ and as many
//! derivatives as the network asks for (Taylor-mode jets of order m need σ⁽⁰⁾…σ⁽ᵐ⁾, their
//! reverse pass one more). Built-in and user activations take the same path; the train job
//! compiles the plans (`jobs/src/train/activation_kernels.rs`).

use crate::check::settings::Activation;
use crate::codegen::kernels::KernelPlan;
use crate::ir::diff::{differentiate, Leaf};
use crate::ir::lang::{Builder, Math, SymbolKind, Symbols};
use crate::ir::simplify::{simplify, Limits};
use crate::ir::standalone::lower_function;
use egg::{Id, Symbol};

/// The most derivatives any network asks for: jets up to order 4, plus one for the reverse
/// pass, plus the value.
pub const MAX_DERIVATIVES: usize = 6;

/// σ(z) for a built-in activation, in the IR.
fn builtin(b: &mut Builder, name: &str, z: Id) -> Option<Id> {
    Some(match name {
        "tanh" => b.call(Math::Tanh(z)),
        "sin" => b.call(Math::Sin(z)),
        "sigmoid" => b.call(Math::Sigmoid(z)),
        "softplus" => b.call(Math::Softplus(z)),
        "swish" => {
            let s = b.call(Math::Sigmoid(z));
            b.product(z, s)
        }
        "gelu" => {
            // The exact GELU z Φ(z) = z (1 + erf(z/√2)) / 2.
            let root2 = b.num(std::f64::consts::SQRT_2);
            let scaled = b.quotient(z, root2);
            let erf = b.call(Math::Erf(scaled));
            let one = b.num(1.0);
            let sum = b.sum(one, erf);
            let half = b.num(0.5);
            let hz = b.product(half, z);
            b.product(hz, sum)
        }
        "relu" => {
            let zero = b.num(0.0);
            b.call(Math::Max([z, zero]))
        }
        _ => return None,
    })
}

/// σ as an IR expression of one symbol: a built-in by name, or a user function's body.
fn expression(activation: &Activation) -> Result<(Builder, Symbols, Symbol, Id), String> {
    match activation {
        Activation::Builtin(name) => {
            let mut symbols = Symbols::default();
            let z = symbols.intern("z", SymbolKind::Free("z".into()), "z".into(), "z".into());
            let mut b = Builder::new();
            let zid = b.sym(z);
            let root =
                builtin(&mut b, name, zid).ok_or_else(|| format!("unknown activation `{name}`"))?;
            Ok((b, symbols, z, root))
        }
        Activation::Function(f) => {
            let (s, params) = lower_function(f);
            let z = params
                .first()
                .copied()
                .ok_or_else(|| format!("activation `{}` takes no argument", f.name))?;
            Ok((s.builder, s.symbols, z, s.root))
        }
    }
}

/// The kernel plans for σ with 1..=MAX_DERIVATIVES outputs.
pub fn plans(activation: &Activation) -> Result<Vec<KernelPlan>, String> {
    let (mut b, symbols, z, root) = expression(activation)?;
    let mut roots = vec![root];
    let leaf = |s| if s == z { Leaf::One } else { Leaf::Zero };
    for k in 1..MAX_DERIVATIVES {
        let d = differentiate(&mut b, roots[k - 1], &leaf);
        roots.push(d);
    }
    let simplified = simplify(&b.expr, &roots, &Limits::default());
    Ok((1..=MAX_DERIVATIVES)
        .map(|count| {
            let outputs = (0..count)
                .map(|k| (format!("d{k} {}", activation.name()), simplified.roots[k]))
                .collect();
            KernelPlan::new(&simplified.expr, outputs, &symbols)
        })
        .collect())
}
