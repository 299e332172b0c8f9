//! The reference a candidate is measured against, in f64: the built-in functions from the
//! platform libm (under 1 f64 ULP: about 2⁻²⁹ f32 ULP, far below what is being measured)
//! and physc's own `erf` and `sigmoid`; a user `fn` of one parameter is lowered to the IR and
//! compiled to an f64 kernel, so exhaustive f32 checks can evaluate it a billion times.

use super::config::Target;
use physc_compiler::check::builtins::{erf, MathFn};
use physc_compiler::codegen::cranelift::{compile, KernelSpec};
use physc_compiler::ir::standalone::lower_expression;
use physc_runtime::evolve::ulp::map;
use physc_runtime::Kernel;
use std::sync::Arc;

type SliceFn = dyn Fn(&[f64], &mut [f64]) + Send + Sync;

/// The target function, evaluated over slices (`out[i] = f(xs[i])`).
#[derive(Clone)]
pub struct Reference {
    eval: Arc<SliceFn>,
}

impl Reference {
    pub fn new(target: &Target) -> Result<Reference, String> {
        let scalar = |f: fn(f64) -> f64| Reference {
            eval: Arc::new(move |xs: &[f64], out: &mut [f64]| map(f, xs, out)),
        };
        Ok(match target {
            Target::Builtin(name) => match name.as_str() {
                "exp" => scalar(f64::exp),
                "exp2" => scalar(f64::exp2),
                "log" => scalar(f64::ln),
                "sin" => scalar(f64::sin),
                "cos" => scalar(f64::cos),
                "tanh" => scalar(f64::tanh),
                "sigmoid" => scalar(|x| MathFn::Sigmoid.eval(&[x])),
                "erf" => scalar(erf),
                other => return Err(format!("`{other}` is not a function evolve knows")),
            },
            Target::Function { name, param, body } => {
                let kernel = compile_fn(name, param, body)?;
                Reference {
                    eval: Arc::new(move |xs: &[f64], out: &mut [f64]| {
                        // Shapes are right by construction; a failure leaves NaN (infinitely
                        // wrong) rather than a plausible number.
                        if kernel.run(&[xs], &mut [out], &[]).is_err() {
                            out.fill(f64::NAN);
                        }
                    }),
                }
            }
        })
    }

    pub fn eval_into(&self, xs: &[f64], out: &mut [f64]) {
        (self.eval)(xs, out)
    }

    pub fn at(&self, x: f64) -> f64 {
        let mut y = [0.0];
        self.eval_into(&[x], &mut y);
        y[0]
    }
}

/// A user function of one parameter as an f64 kernel of one input column.
fn compile_fn(
    name: &str,
    param: &str,
    body: &physc_compiler::syntax::ast::Expr,
) -> Result<Kernel<f64>, String> {
    let s = lower_expression(body).map_err(|d| format!("target `{name}`: {}", d.message))?;
    let mut input = None;
    for info in s.symbols.iter() {
        if info.source == param {
            input = Some(info.name);
        } else {
            return Err(format!(
                "target `{name}` may use only its argument `{param}`, numbers and built-in functions, not `{}`",
                info.source
            ));
        }
    }
    let input = input.unwrap_or_else(|| egg::Symbol::from(param));
    let expr = s.builder.expr.clone();
    let spec = KernelSpec {
        expr: &expr,
        outputs: vec![("y".into(), s.root)],
        inputs: vec![input],
        params: vec![],
    };
    compile::<f64>(&spec)
        .map(|(k, _)| k)
        .map_err(|e| format!("target `{name}`: {e}"))
}
