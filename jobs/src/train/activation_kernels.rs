//! Activation functions as JIT kernels: the activation is an IR expression of one variable,
//! its derivatives come from the symbolic core, and one compiled kernel evaluates σ and as
//! many derivatives as the network asks for (Taylor-mode jets of order m need σ⁽⁰⁾…σ⁽ᵐ⁾,
//! their reverse pass one more). Built-in and user activations take the same path.

use egg::{Id, Symbol};
use physc_compiler::check::settings::Activation;
use physc_compiler::codegen::cranelift::JitReal;
use physc_compiler::codegen::kernels::{cached, KernelPlan};
use physc_compiler::ir::diff::{differentiate, Leaf};
use physc_compiler::ir::lang::{Builder, Math, SymbolKind, Symbols};
use physc_compiler::ir::simplify::{simplify, Limits};
use physc_compiler::ir::standalone::lower_function;
use physc_runtime::nn;
use physc_runtime::{Kernel, Scalar};
use std::sync::Arc;

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

/// The activation a network uses: tanh by the runtime's vectorised closed form (its
/// derivatives are polynomials in tanh, the same the symbolic core derives, without a
/// scalar libcall per element), everything else by compiled kernels.
pub fn for_network<T: Scalar + JitReal>(
    activation: &Activation,
) -> Result<Arc<dyn nn::Activation<T>>, String> {
    match activation {
        Activation::Builtin(name) if name == "tanh" => {
            Ok(Arc::new(nn::Builtin::new(nn::BuiltinKind::Tanh)))
        }
        _ => Ok(Arc::new(JitActivation::<T>::new(activation)?)),
    }
}

/// An activation evaluated by compiled kernels.
pub struct JitActivation<T: Scalar> {
    /// `kernels[k]` computes σ and its first k derivatives.
    kernels: Vec<Arc<Kernel<T>>>,
}

impl<T: Scalar + JitReal> JitActivation<T> {
    pub fn new(activation: &Activation) -> Result<Self, String> {
        let name = activation.name();
        let kernels = plans(activation)?
            .iter()
            .map(|p| cached::<T>(p).map_err(|e| format!("activation `{name}`: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(JitActivation { kernels })
    }
}

impl<T: Scalar> nn::Activation<T> for JitActivation<T> {
    fn derivatives(&self, z: &[T], out: &mut [&mut [T]]) {
        let Some(kernel) = out.len().checked_sub(1).and_then(|k| self.kernels.get(k)) else {
            out.iter_mut().for_each(|o| o.fill(T::nan()));
            return;
        };
        // Column counts and lengths come from the network's own buffers; a mismatch is a bug
        // the kernel refuses (it never reads out of bounds), and NaN makes it visible.
        // A constant activation's kernel reads no column at all.
        let inputs: &[&[T]] = if kernel.inputs.is_empty() { &[] } else { &[z] };
        if kernel.run(inputs, out, &[]).is_err() {
            out.iter_mut().for_each(|o| o.fill(T::nan()));
        }
    }
}
