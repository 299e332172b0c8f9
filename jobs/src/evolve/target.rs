//! The reference a candidate is measured against, in f64: the built-in functions from the
//! platform libm (under 1 f64 ULP: about 2⁻²⁹ f32 ULP, far below what is being measured)
//! and physc's own `erf` and `sigmoid`; a user `fn` of one parameter is lowered to the IR and
//! compiled to an f64 kernel, so exhaustive f32 checks can evaluate it a billion times.

use super::config::EvolveTarget;
use physc_compiler::check::builtins::{erf, MathFn};
use physc_compiler::check::settings::ScalarFunction;
use physc_compiler::codegen::cranelift::{compile, KernelSpec};
use physc_compiler::ir::standalone::lower_function;
use physc_runtime::straight_line::ulp::map;
use physc_runtime::Kernel;
use std::sync::Arc;

type SliceFn = dyn Fn(&[f64], &mut [f64]) + Send + Sync;

/// The target function, evaluated over slices (`out[i] = f(xs[i])`).
#[derive(Clone)]
pub struct Reference {
    eval: Arc<SliceFn>,
}

impl Reference {
    pub fn new(target: &EvolveTarget) -> Result<Reference, String> {
        let scalar = |f: fn(f64) -> f64| Reference {
            eval: Arc::new(move |xs: &[f64], out: &mut [f64]| map(f, xs, out)),
        };
        Ok(match target {
            EvolveTarget::Builtin(name) => match name.as_str() {
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
            EvolveTarget::Function(f) => {
                let kernel = compile_fn(f)?;
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
fn compile_fn(f: &ScalarFunction) -> Result<Kernel<f64>, String> {
    let (s, params) = lower_function(f);
    let input = *params
        .first()
        .ok_or_else(|| format!("target `{}` takes no argument", f.name))?;
    let expr = s.builder.expr.clone();
    let spec = KernelSpec {
        expr: &expr,
        outputs: vec![("y".into(), s.root)],
        inputs: vec![input],
        params: vec![],
    };
    compile::<f64>(&spec)
        .map(|(k, _)| k)
        .map_err(|e| format!("target `{}`: {e}", f.name))
}
