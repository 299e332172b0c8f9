//! The GPU side of the runtime (feature `cuda`): a CUDA device with one stream, device
//! buffers, NVRTC compilation of generated kernel source with a per-process cache, the safe
//! `CudaKernel` wrapper (the same shape checks as `kernel::Kernel`, before any launch), and a
//! row-major cuBLAS GEMM. Everything goes through cudarc with dynamic loading: the crate
//! builds without CUDA, and a machine without a driver gets `CudaError::NoDriver`, never a
//! crash.
//!
//! Kernels follow the ABI `compiler/src/codegen/cuda.rs` generates: arguments are the input
//! columns, the output columns, the parameters by value, then the point count as `long long`;
//! the body is a grid-stride loop, so any grid size is correct and `launch_config` only
//! picks a fast one.

use crate::kernel::{KernelError, Real, Signature};
use cudarc::cublas::{sys::cublasOperation_t, CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DeviceRepr, LaunchConfig, PushKernelArg,
    ValidAsZeroBits,
};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions, Ptx};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// Why a GPU operation failed.
#[derive(Debug, Clone, PartialEq)]
pub enum CudaError {
    /// The CUDA driver library (libcuda) could not be loaded.
    NoDriver,
    /// The requested device does not exist.
    NoDevice { ordinal: usize, count: usize },
    /// NVRTC (libnvrtc) could not be loaded.
    NoNvrtc,
    /// cuBLAS (libcublas) could not be loaded.
    NoCublas,
    /// A driver call failed.
    Driver(String),
    /// NVRTC rejected generated source (a bug in physc's code generator).
    Compile { log: String },
    /// A cuBLAS call failed.
    Blas(String),
    /// NCCL could not be loaded, or one of its calls failed.
    Nccl(String),
    /// Columns or parameters do not match the kernel.
    Shape(KernelError),
    /// A GEMM's operands do not fit its dimensions.
    GemmShape(String),
}

impl fmt::Display for CudaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CudaError::NoDriver => write!(
                f,
                "no CUDA driver found (libcuda could not be loaded; is an NVIDIA GPU and its \
                 driver installed, and is the library on LD_LIBRARY_PATH?)"
            ),
            CudaError::NoDevice { ordinal, count } => write!(
                f,
                "CUDA device {ordinal} does not exist ({count} device{} found)",
                if *count == 1 { "" } else { "s" }
            ),
            CudaError::NoNvrtc => write!(
                f,
                "NVRTC (libnvrtc) could not be loaded; it comes with the CUDA toolkit or the \
                 nvidia-cuda-nvrtc pip package"
            ),
            CudaError::NoCublas => write!(
                f,
                "cuBLAS (libcublas) could not be loaded; it comes with the CUDA toolkit or the \
                 nvidia-cublas pip package"
            ),
            CudaError::Driver(e) => write!(f, "CUDA driver error: {e}"),
            CudaError::Compile { log } => write!(f, "NVRTC could not compile a kernel:\n{log}"),
            CudaError::Blas(e) => write!(f, "cuBLAS error: {e}"),
            CudaError::Nccl(e) => write!(f, "NCCL error: {e}"),
            CudaError::Shape(e) => write!(f, "{e}"),
            CudaError::GemmShape(e) => write!(f, "GEMM operands do not fit: {e}"),
        }
    }
}

impl std::error::Error for CudaError {}

impl From<cudarc::driver::DriverError> for CudaError {
    fn from(e: cudarc::driver::DriverError) -> Self {
        CudaError::Driver(format!("{e:?}"))
    }
}

impl From<KernelError> for CudaError {
    fn from(e: KernelError) -> Self {
        CudaError::Shape(e)
    }
}

/// Scalars the GPU computes with: f32 and f64.
pub trait CudaReal: Real + DeviceRepr + ValidAsZeroBits + Default {
    /// `v` rounded to this precision.
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn gemm(
        blas: &CudaBlas,
        config: GemmConfig<Self>,
        a: &CudaSlice<Self>,
        b: &CudaSlice<Self>,
        c: &mut CudaSlice<Self>,
    ) -> Result<(), CudaError>;
}

macro_rules! cuda_real {
    ($t:ty) => {
        impl CudaReal for $t {
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn gemm(
                blas: &CudaBlas,
                config: GemmConfig<Self>,
                a: &CudaSlice<Self>,
                b: &CudaSlice<Self>,
                c: &mut CudaSlice<Self>,
            ) -> Result<(), CudaError> {
                // SAFETY: `Blas::gemm` checked that every operand holds the elements the
                // dimensions and leading dimensions address.
                unsafe { blas.gemm(config, a, b, c) }.map_err(|e| CudaError::Blas(format!("{e:?}")))
            }
        }
    };
}
cuda_real!(f32);
cuda_real!(f64);

/// Whether the driver library can be loaded. cudarc panics when a call needs a library it
/// cannot find, so every entry point asks this first.
fn driver_present() -> bool {
    // SAFETY: only tries to load the library and resolve its symbols.
    std::panic::catch_unwind(|| unsafe { cudarc::driver::sys::is_culib_present() }).unwrap_or(false)
}

/// The number of CUDA devices, or why there are none.
pub fn device_count() -> Result<usize, CudaError> {
    if !driver_present() {
        return Err(CudaError::NoDriver);
    }
    match CudaContext::device_count() {
        Ok(n) => Ok(n.max(0) as usize),
        // cuInit fails this way on a machine with a driver but no GPU.
        Err(e) if e.0 == cudarc::driver::sys::CUresult::CUDA_ERROR_NO_DEVICE => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// One GPU and the stream physc uses on it.
pub struct CudaDevice {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    blas: OnceLock<Result<Arc<CudaBlas>, CudaError>>,
}

impl CudaDevice {
    /// Open device `ordinal` (0 is the first).
    pub fn open(ordinal: usize) -> Result<CudaDevice, CudaError> {
        let count = device_count()?;
        if ordinal >= count {
            return Err(CudaError::NoDevice { ordinal, count });
        }
        let ctx = CudaContext::new(ordinal)?;
        let stream = ctx.default_stream();
        Ok(CudaDevice {
            ctx,
            stream,
            blas: OnceLock::new(),
        })
    }

    pub fn ordinal(&self) -> usize {
        self.ctx.ordinal()
    }

    /// The stream physc queues its work on (NCCL's collectives join it).
    pub(crate) fn stream(&self) -> &Arc<CudaStream> {
        &self.stream
    }

    /// The device's name, e.g. "NVIDIA H200".
    pub fn name(&self) -> Result<String, CudaError> {
        Ok(self.ctx.name()?)
    }

    /// Streaming multiprocessors: what launch sizes scale with.
    pub fn multiprocessors(&self) -> Result<usize, CudaError> {
        use cudarc::driver::sys::CUdevice_attribute;
        let n = self
            .ctx
            .attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)?;
        Ok(n.max(1) as usize)
    }

    pub fn upload<T: CudaReal>(&self, host: &[T]) -> Result<CudaSlice<T>, CudaError> {
        Ok(self.stream.memcpy_stod(host)?)
    }

    pub fn zeros<T: CudaReal>(&self, n: usize) -> Result<CudaSlice<T>, CudaError> {
        Ok(self.stream.alloc_zeros::<T>(n)?)
    }

    /// Copy a buffer back (waits for the work queued before it).
    pub fn download<T: CudaReal>(&self, device: &CudaSlice<T>) -> Result<Vec<T>, CudaError> {
        Ok(self.stream.memcpy_dtov(device)?)
    }

    /// Wait until everything queued on the stream has run.
    pub fn synchronize(&self) -> Result<(), CudaError> {
        Ok(self.stream.synchronize()?)
    }

    /// Compile CUDA C source with NVRTC (cached per process by source and options) and load
    /// function `name` on this device (cached per device).
    pub fn function(
        &self,
        source: &str,
        name: &str,
        options: &[&str],
    ) -> Result<CudaFunction, CudaError> {
        let key = format!("{}|{name}|{options:?}|{source}", self.ordinal());
        if let Some(f) = functions().lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(f);
        }
        let ptx = compile(source, options)?;
        let module = self.ctx.load_module(ptx)?;
        let f = module.load_function(name)?;
        if let Ok(mut c) = functions().lock() {
            c.insert(key, f.clone());
        }
        Ok(f)
    }

    /// Wrap a compiled kernel with the names of its columns and parameters.
    ///
    /// # Safety
    /// `function` must follow the ABI in the module comment for exactly these inputs,
    /// outputs and parameters in precision `T`.
    pub unsafe fn kernel<T: CudaReal>(
        &self,
        function: CudaFunction,
        inputs: Vec<String>,
        outputs: Vec<String>,
        params: Vec<String>,
    ) -> Result<CudaKernel<T>, CudaError> {
        Ok(CudaKernel {
            function,
            stream: self.stream.clone(),
            multiprocessors: self.multiprocessors()?,
            inputs,
            outputs,
            params,
            _t: std::marker::PhantomData,
        })
    }

    /// cuBLAS on this device's stream (created on first use).
    pub fn blas(&self) -> Result<Blas, CudaError> {
        let blas = self.blas.get_or_init(|| {
            // SAFETY: only loads the library.
            let present =
                std::panic::catch_unwind(|| unsafe { cudarc::cublas::sys::is_culib_present() })
                    .unwrap_or(false);
            if !present {
                return Err(CudaError::NoCublas);
            }
            CudaBlas::new(self.stream.clone())
                .map(Arc::new)
                .map_err(|e| CudaError::Blas(format!("{e:?}")))
        });
        blas.clone().map(|blas| Blas { blas })
    }
}

type FunctionCache = Mutex<HashMap<String, CudaFunction>>;

fn functions() -> &'static FunctionCache {
    static CACHE: OnceLock<FunctionCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// NVRTC compilation, cached per process by source and options (the PTX serves every device).
pub fn compile(source: &str, options: &[&str]) -> Result<Ptx, CudaError> {
    type PtxCache = Mutex<HashMap<String, Ptx>>;
    static CACHE: OnceLock<PtxCache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = format!("{options:?}|{source}");
    if let Some(ptx) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(ptx);
    }
    // SAFETY: only loads the library.
    let present = std::panic::catch_unwind(|| unsafe { cudarc::nvrtc::sys::is_culib_present() })
        .unwrap_or(false);
    if !present {
        return Err(CudaError::NoNvrtc);
    }
    let opts = CompileOptions {
        options: options.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let ptx = compile_ptx_with_opts(source, opts).map_err(|e| CudaError::Compile {
        log: match e {
            cudarc::nvrtc::CompileError::CompileError { log, .. } => {
                log.to_string_lossy().into_owned()
            }
            other => format!("{other:?}"),
        },
    })?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key, ptx.clone());
    }
    Ok(ptx)
}

/// A generated kernel loaded on a device, with the names of its columns and parameters.
pub struct CudaKernel<T: CudaReal> {
    function: CudaFunction,
    stream: Arc<CudaStream>,
    multiprocessors: usize,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub params: Vec<String>,
    _t: std::marker::PhantomData<T>,
}

/// Threads per block of every launch.
pub const BLOCK: u32 = 256;

/// A grid that fills the device (up to 32 blocks per multiprocessor) without more blocks
/// than points need; the grid-stride loop covers the rest.
pub fn launch_config(n: usize, multiprocessors: usize) -> LaunchConfig {
    let needed = n.div_ceil(BLOCK as usize).max(1);
    let blocks = needed.min(multiprocessors * 32).min(u32::MAX as usize) as u32;
    LaunchConfig {
        grid_dim: (blocks, 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

impl<T: CudaReal> CudaKernel<T> {
    pub fn signature(&self) -> Signature<'_> {
        Signature {
            inputs: &self.inputs,
            outputs: &self.outputs,
            params: &self.params,
        }
    }

    /// Queue the kernel on the device's stream after checking counts and lengths.
    pub fn run(
        &self,
        inputs: &[&CudaSlice<T>],
        outputs: &mut [&mut CudaSlice<T>],
        params: &[T],
    ) -> Result<(), CudaError> {
        let in_lens: Vec<usize> = inputs.iter().map(|c| c.len()).collect();
        let out_lens: Vec<usize> = outputs.iter().map(|c| c.len()).collect();
        let n = self.signature().check(&in_lens, &out_lens, params.len())?;
        if n == 0 {
            return Ok(());
        }
        let count = n as i64;
        let mut launch = self.stream.launch_builder(&self.function);
        for column in inputs {
            launch.arg(*column);
        }
        for column in outputs.iter_mut() {
            launch.arg(&mut **column);
        }
        for p in params {
            launch.arg(p);
        }
        launch.arg(&count);
        // SAFETY: the ABI holds by `CudaDevice::kernel`'s contract, and every column has the
        // `n` elements the kernel touches.
        unsafe { launch.launch(launch_config(n, self.multiprocessors)) }?;
        Ok(())
    }
}

/// cuBLAS on one stream, with row-major products (physc's matrices are row-major; cuBLAS is
/// column-major, so C = A·B is computed as Cᵀ = Bᵀ·Aᵀ).
#[derive(Clone)]
pub struct Blas {
    blas: Arc<CudaBlas>,
}

/// A row-major matrix operand: `rows × cols` elements at the start of `data`, optionally
/// used transposed.
pub struct Matrix<'a, T> {
    pub data: &'a CudaSlice<T>,
    pub rows: usize,
    pub cols: usize,
    pub transposed: bool,
}

impl Blas {
    /// C (m × n, row-major, in `c`) = alpha · op(A) · op(B) + beta · C.
    pub fn gemm<T: CudaReal>(
        &self,
        alpha: T,
        a: Matrix<T>,
        b: Matrix<T>,
        beta: T,
        c: &mut CudaSlice<T>,
        (m, n): (usize, usize),
    ) -> Result<(), CudaError> {
        let dims = |x: &Matrix<T>| {
            if x.transposed {
                (x.cols, x.rows)
            } else {
                (x.rows, x.cols)
            }
        };
        let ((am, ak), (bk, bn)) = (dims(&a), dims(&b));
        if am != m || bn != n || ak != bk {
            return Err(CudaError::GemmShape(format!(
                "op(A) is {am}×{ak}, op(B) is {bk}×{bn}, C is {m}×{n}"
            )));
        }
        for (name, x) in [("A", &a), ("B", &b)] {
            if x.data.len() < x.rows * x.cols {
                return Err(CudaError::GemmShape(format!(
                    "{name} holds {} elements, {}×{} needs {}",
                    x.data.len(),
                    x.rows,
                    x.cols,
                    x.rows * x.cols
                )));
            }
        }
        if c.len() < m * n {
            return Err(CudaError::GemmShape(format!(
                "C holds {} elements, {m}×{n} needs {}",
                c.len(),
                m * n
            )));
        }
        let int = |v: usize| {
            i32::try_from(v)
                .map_err(|_| CudaError::GemmShape(format!("dimension {v} exceeds cuBLAS's range")))
        };
        if m == 0 || n == 0 {
            return Ok(());
        }
        let op = |t: bool| {
            if t {
                cublasOperation_t::CUBLAS_OP_T
            } else {
                cublasOperation_t::CUBLAS_OP_N
            }
        };
        // Column-major view: Cᵀ (n × m, ld n) = op(B)ᵀ (n × k) · op(A)ᵀ (k × m). A row-major
        // r × c matrix is a column-major c × r one with leading dimension c.
        let config = GemmConfig {
            transa: op(b.transposed),
            transb: op(a.transposed),
            m: int(n)?,
            n: int(m)?,
            k: int(ak)?,
            alpha,
            lda: int(b.cols.max(1))?,
            ldb: int(a.cols.max(1))?,
            beta,
            ldc: int(n.max(1))?,
        };
        T::gemm(&self.blas, config, b.data, a.data, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launches_fill_the_device_but_no_more_than_the_points_need() {
        assert_eq!(launch_config(0, 132).grid_dim.0, 1);
        assert_eq!(launch_config(1000, 132).grid_dim.0, 4);
        assert_eq!(launch_config(1 << 30, 132).grid_dim.0, 132 * 32);
        assert_eq!(launch_config(1000, 132).block_dim.0, BLOCK);
    }

    /// On any machine: a device that cannot exist is an error that says why (no driver
    /// here, no such device on a GPU machine), never a panic.
    #[test]
    fn a_missing_device_is_an_error() {
        match CudaDevice::open(1 << 20) {
            Err(CudaError::NoDriver) => {
                assert!(CudaError::NoDriver
                    .to_string()
                    .contains("no CUDA driver found"))
            }
            Err(CudaError::NoDevice { ordinal, .. }) => assert_eq!(ordinal, 1 << 20),
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("device 2^20 exists"),
        }
    }
}
