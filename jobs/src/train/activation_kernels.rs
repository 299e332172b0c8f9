//! Activations as compiled kernels: the compiler plans σ and its derivatives
//! (`physc_compiler::plan::activation`); here the plans become kernels a network calls.

use physc_compiler::check::settings::Activation;
use physc_compiler::codegen::cranelift::JitReal;
use physc_compiler::codegen::kernels::cached;
use physc_compiler::plan::activation::plans;
use physc_runtime::nn;
use physc_runtime::{Kernel, Scalar};
use std::sync::Arc;

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
