//! Compiled pointwise kernels: the ABI the code generators target and the safe interface
//! everything else calls. A kernel maps input columns (structure of arrays) and scalar
//! parameters to output columns, point by point:
//!
//! ```text
//! for i in 0..n { outputs[k][i] = f_k(inputs[0][i], inputs[1][i], ..., params) }
//! ```
//!
//! Native code never sees a slice: `Kernel::run` checks column counts and lengths first, so
//! nothing can read or write out of bounds. `run_parallel` splits the points into chunks
//! across rayon's threads, and stays on one thread for inputs too small to pay for more.

use rayon::prelude::*;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// The native entry point: `inputs` and `outputs` point at arrays of column pointers,
/// `params` at the scalar parameters, and `n` is the number of points.
pub type KernelFn<T> = unsafe extern "C" fn(
    inputs: *const *const T,
    outputs: *const *mut T,
    params: *const T,
    n: usize,
);

/// Floating-point types kernels are compiled for.
pub trait Real: Copy + Send + Sync + 'static {
    const NAME: &'static str;
}

impl Real for f64 {
    const NAME: &'static str = "f64";
}

impl Real for f32 {
    const NAME: &'static str = "f32";
}

/// Why a kernel call was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    InputCount {
        expected: usize,
        got: usize,
    },
    OutputCount {
        expected: usize,
        got: usize,
    },
    ParamCount {
        expected: usize,
        got: usize,
    },
    Length {
        column: String,
        expected: usize,
        got: usize,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::InputCount { expected, got } => {
                write!(f, "kernel expects {expected} input columns, got {got}")
            }
            KernelError::OutputCount { expected, got } => {
                write!(f, "kernel expects {expected} output columns, got {got}")
            }
            KernelError::ParamCount { expected, got } => {
                write!(f, "kernel expects {expected} parameters, got {got}")
            }
            KernelError::Length {
                column,
                expected,
                got,
            } => {
                write!(
                    f,
                    "column `{column}` has {got} points, but the first input has {expected}"
                )
            }
        }
    }
}

impl std::error::Error for KernelError {}

/// The columns and parameters of a kernel, by name: what a call is checked against, on the
/// CPU here and on a GPU by the `cuda` module.
#[derive(Debug, Clone, Copy)]
pub struct Signature<'a> {
    pub inputs: &'a [String],
    pub outputs: &'a [String],
    pub params: &'a [String],
}

impl Signature<'_> {
    /// Check a call's column lengths and parameter count; returns the number of points
    /// (the first input's length, or the first output's for a kernel without inputs).
    pub fn check(
        &self,
        inputs: &[usize],
        outputs: &[usize],
        params: usize,
    ) -> Result<usize, KernelError> {
        let count = |expected: usize, got: usize, e: fn(usize, usize) -> KernelError| {
            if expected == got {
                Ok(())
            } else {
                Err(e(expected, got))
            }
        };
        count(self.inputs.len(), inputs.len(), |expected, got| {
            KernelError::InputCount { expected, got }
        })?;
        count(self.outputs.len(), outputs.len(), |expected, got| {
            KernelError::OutputCount { expected, got }
        })?;
        count(self.params.len(), params, |expected, got| {
            KernelError::ParamCount { expected, got }
        })?;
        let n = inputs.first().or(outputs.first()).copied().unwrap_or(0);
        let columns = inputs
            .iter()
            .zip(self.inputs)
            .chain(outputs.iter().zip(self.outputs));
        for (&len, name) in columns {
            if len != n {
                return Err(KernelError::Length {
                    column: name.clone(),
                    expected: n,
                    got: len,
                });
            }
        }
        Ok(n)
    }
}

/// A compiled kernel with the names of its columns and parameters.
pub struct Kernel<T: Real> {
    func: KernelFn<T>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub params: Vec<String>,
    /// Keeps the native code alive as long as the kernel.
    _owner: Arc<dyn Any + Send + Sync>,
}

/// Below this many points per thread, more threads cost more than they save.
pub const MIN_POINTS_PER_THREAD: usize = 16 * 1024;

/// Column counts up to which `run` keeps its pointer tables on the stack.
const STACK_COLUMNS: usize = 16;

impl<T: Real> Kernel<T> {
    /// Wrap native code.
    ///
    /// # Safety
    /// `func` must implement the ABI above for exactly these inputs, outputs and params,
    /// reading `inputs[k][0..n]` and `params[0..p]` and writing `outputs[k][0..n]` only, and
    /// must stay valid as long as `owner` lives.
    pub unsafe fn from_raw(
        func: KernelFn<T>,
        inputs: Vec<String>,
        outputs: Vec<String>,
        params: Vec<String>,
        owner: Arc<dyn Any + Send + Sync>,
    ) -> Self {
        Kernel {
            func,
            inputs,
            outputs,
            params,
            _owner: owner,
        }
    }

    fn validate(
        &self,
        inputs: &[&[T]],
        outputs: &[&mut [T]],
        params: &[T],
    ) -> Result<usize, KernelError> {
        // Lengths on the stack for the usual column counts, like `run`'s pointer tables.
        if inputs.len() <= STACK_COLUMNS && outputs.len() <= STACK_COLUMNS {
            let mut ins = [0; STACK_COLUMNS];
            let mut outs = [0; STACK_COLUMNS];
            for (l, c) in ins.iter_mut().zip(inputs) {
                *l = c.len();
            }
            for (l, c) in outs.iter_mut().zip(outputs) {
                *l = c.len();
            }
            let (ins, outs) = (&ins[..inputs.len()], &outs[..outputs.len()]);
            return self.signature().check(ins, outs, params.len());
        }
        let inputs: Vec<usize> = inputs.iter().map(|c| c.len()).collect();
        let outputs: Vec<usize> = outputs.iter().map(|c| c.len()).collect();
        self.signature().check(&inputs, &outputs, params.len())
    }

    /// The names this kernel's columns and parameters have, for shape checks.
    pub fn signature(&self) -> Signature<'_> {
        Signature {
            inputs: &self.inputs,
            outputs: &self.outputs,
            params: &self.params,
        }
    }

    /// Run on the calling thread.
    pub fn run(
        &self,
        inputs: &[&[T]],
        outputs: &mut [&mut [T]],
        params: &[T],
    ) -> Result<(), KernelError> {
        let n = self.validate(inputs, outputs, params)?;
        // Pointer tables on the stack for the usual column counts: a solver calls small
        // kernels thousands of times, and two allocations per call would show.
        if inputs.len() <= STACK_COLUMNS && outputs.len() <= STACK_COLUMNS {
            let mut ins = [std::ptr::null::<T>(); STACK_COLUMNS];
            let mut outs = [std::ptr::null_mut::<T>(); STACK_COLUMNS];
            for (p, c) in ins.iter_mut().zip(inputs) {
                *p = c.as_ptr();
            }
            for (p, c) in outs.iter_mut().zip(outputs.iter_mut()) {
                *p = c.as_mut_ptr();
            }
            // SAFETY: counts and lengths were checked against the kernel's contract.
            unsafe { (self.func)(ins.as_ptr(), outs.as_ptr(), params.as_ptr(), n) };
            return Ok(());
        }
        let ins: Vec<*const T> = inputs.iter().map(|c| c.as_ptr()).collect();
        let outs: Vec<*mut T> = outputs.iter_mut().map(|c| c.as_mut_ptr()).collect();
        // SAFETY: counts and lengths were checked against the kernel's contract.
        unsafe { (self.func)(ins.as_ptr(), outs.as_ptr(), params.as_ptr(), n) };
        Ok(())
    }

    /// Run across rayon's threads in contiguous chunks.
    pub fn run_parallel(
        &self,
        inputs: &[&[T]],
        outputs: &mut [&mut [T]],
        params: &[T],
    ) -> Result<(), KernelError> {
        let n = self.validate(inputs, outputs, params)?;
        let threads = rayon::current_num_threads().max(1);
        let chunks = (n / MIN_POINTS_PER_THREAD).clamp(1, threads * 4);
        if chunks == 1 {
            return self.run(inputs, outputs, params);
        }
        let size = n.div_ceil(chunks);
        let base_in: Vec<SendPtr<T>> = inputs
            .iter()
            .map(|c| SendPtr(c.as_ptr() as *mut T))
            .collect();
        let base_out: Vec<SendPtr<T>> = outputs
            .iter_mut()
            .map(|c| SendPtr(c.as_mut_ptr()))
            .collect();
        let func = self.func;
        (0..chunks).into_par_iter().for_each(|c| {
            let start = c * size;
            let len = size.min(n - start.min(n));
            if len == 0 {
                return;
            }
            // SAFETY: chunks are disjoint ranges within the validated columns.
            unsafe {
                let ins: Vec<*const T> =
                    base_in.iter().map(|p| p.0.add(start) as *const T).collect();
                let outs: Vec<*mut T> = base_out.iter().map(|p| p.0.add(start)).collect();
                func(ins.as_ptr(), outs.as_ptr(), params.as_ptr(), len);
            }
        });
        Ok(())
    }

    /// Allocate the outputs and run in parallel: one column per output, as long as the
    /// inputs (a kernel without input columns needs `run` with outputs of the wanted length).
    pub fn eval(&self, inputs: &[&[T]], params: &[T]) -> Result<Vec<Vec<T>>, KernelError>
    where
        T: Default,
    {
        let n = inputs.first().map_or(0, |c| c.len());
        let mut out: Vec<Vec<T>> = (0..self.outputs.len())
            .map(|_| vec![T::default(); n])
            .collect();
        let mut views: Vec<&mut [T]> = out.iter_mut().map(|c| c.as_mut_slice()).collect();
        self.run_parallel(inputs, &mut views, params)?;
        Ok(out)
    }
}

#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
// SAFETY: the pointers are only dereferenced on disjoint ranges (see `run_parallel`).
unsafe impl<T> Send for SendPtr<T> {}
unsafe impl<T> Sync for SendPtr<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-written kernel with the ABI: out0 = in0 * p0 + in1.
    unsafe extern "C" fn axpy(
        inputs: *const *const f64,
        outputs: *const *mut f64,
        params: *const f64,
        n: usize,
    ) {
        let (x, y, out, a) = (*inputs, *inputs.add(1), *outputs, *params);
        for i in 0..n {
            *out.add(i) = *x.add(i) * a + *y.add(i);
        }
    }

    fn kernel() -> Kernel<f64> {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        unsafe {
            Kernel::from_raw(
                axpy,
                names(&["x", "y"]),
                names(&["out"]),
                names(&["a"]),
                Arc::new(()),
            )
        }
    }

    #[test]
    fn runs_when_shapes_match() {
        let k = kernel();
        let x: Vec<f64> = (0..100_000).map(|i| i as f64).collect();
        let y = vec![1.0; x.len()];
        let out = k.eval(&[&x, &y], &[2.0]).unwrap();
        assert!(out[0]
            .iter()
            .enumerate()
            .all(|(i, v)| *v == 2.0 * i as f64 + 1.0));
    }

    #[test]
    fn refuses_wrong_shapes() {
        let k = kernel();
        let x = vec![1.0; 10];
        let short = vec![1.0; 9];
        let mut out = vec![0.0; 10];
        assert_eq!(
            k.run(&[&x], &mut [&mut out], &[1.0]),
            Err(KernelError::InputCount {
                expected: 2,
                got: 1
            })
        );
        assert!(matches!(
            k.run(&[&x, &short], &mut [&mut out], &[1.0]),
            Err(KernelError::Length { .. })
        ));
        assert_eq!(
            k.run(&[&x, &x], &mut [&mut out], &[]),
            Err(KernelError::ParamCount {
                expected: 1,
                got: 0
            })
        );
        let mut short_out = vec![0.0; 3];
        assert!(k.run(&[&x, &x], &mut [&mut short_out], &[1.0]).is_err());
    }
}
