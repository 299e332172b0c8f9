//! CUDA code generation: the same expression sets the Cranelift backend compiles (a DAG with
//! several named outputs, input columns and scalar parameters) become CUDA C source for one
//! `extern "C" __global__` kernel, which the runtime compiles with NVRTC (feature `cuda`).
//!
//! The kernel is a grid-stride loop over `n` points. Columns are structure of arrays
//! (`const T* __restrict__ in_k`, `T* __restrict__ out_k`, in the plan's order) and scalar
//! parameters are passed by value (`const T p_j`), so a new parameter value needs no copy.
//! As in `cranelift.rs`: sub-terms that depend only on parameters and constants are computed
//! once per thread before the loop, every other node once per point in the DAG's order (so
//! shared sub-terms are computed once), integer powers |n| ≤ 16 become multiplications by
//! repeated squaring, `fma` is `fma()`, and `min`/`max` are IEEE `minimum`/`maximum` (NaN if
//! either is NaN, −0 below +0) like the interpreter, through device helpers, because CUDA's
//! `fmin`/`fmax` return the other operand for a NaN. `sign`, `sigmoid` and `softplus` are
//! helpers with the interpreter's formulas.
//!
//! Accuracy contract. Arithmetic, `sqrt` and division are IEEE correctly rounded (NVRTC's
//! defaults `-prec-div=true -prec-sqrt=true`, no `-use_fast_math`), and the runtime compiles
//! with `--fmad=false` so `a*b + c` is never contracted into an FMA the CPU kernel does not
//! have. Transcendentals are CUDA's libdevice functions, whose maximum errors (CUDA C++
//! Programming Guide, "Mathematical Functions") are, in f64: `exp log cosh tanh log1p`
//! 1 ULP, `sin cos tan asin acos atan sinh pow erf` 2 ULP; in f32 (the `f`-suffixed
//! functions, float literals): `logf log1pf` 1 ULP, `expf sinf cosf asinf acosf atanf coshf
//! tanhf erff` 2 ULP, `sinhf` 3 ULP, `tanf powf` 4 ULP (ranges and exact figures per the
//! guide for the CUDA version in use). So a CUDA kernel agrees with the CPU kernel and the
//! interpreter to a few ULP per transcendental, not bit for bit; everything else (the DAG,
//! the order of operations, integer powers, NaN and signed-zero semantics of min/max/sign)
//! is identical.

use super::cranelift::{CodegenError, KernelSpec};
use crate::ir::lang::Math;
use egg::Id;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// The floating-point type of a generated kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    F32,
    F64,
}

impl Precision {
    /// The precision of a runtime scalar type (`Real::NAME`).
    pub fn of(name: &str) -> Precision {
        if name == "f32" {
            Precision::F32
        } else {
            Precision::F64
        }
    }

    fn c_type(self) -> &'static str {
        match self {
            Precision::F32 => "float",
            Precision::F64 => "double",
        }
    }

    /// A CUDA math function's name in this precision (`exp` or `expf`).
    fn function(self, name: &str) -> String {
        match self {
            Precision::F32 => format!("{name}f"),
            Precision::F64 => name.to_string(),
        }
    }

    /// A literal that parses to exactly `v` rounded to this precision (as the CPU backend
    /// rounds constants).
    fn literal(self, v: f64) -> String {
        let text = match self {
            Precision::F32 => {
                let v = v as f32;
                if v.is_infinite() {
                    return format!("({}1.0f / 0.0f)", if v < 0.0 { "-" } else { "" });
                }
                format!("{v:?}f")
            }
            Precision::F64 => {
                if v.is_infinite() {
                    return format!("({}1.0 / 0.0)", if v < 0.0 { "-" } else { "" });
                }
                format!("{v:?}")
            }
        };
        if text.starts_with('-') {
            format!("({text})")
        } else {
            text
        }
    }
}

/// The name generated kernels get unless the caller picks one.
pub const KERNEL_NAME: &str = "physc_kernel";

/// Options the runtime must pass to NVRTC for the accuracy contract above.
pub const NVRTC_OPTIONS: &[&str] = &["--fmad=false"];

/// Device helpers, each emitted only if a kernel uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Helper {
    Min,
    Max,
    Sign,
    Sigmoid,
    Softplus,
}

impl Helper {
    fn name(self) -> &'static str {
        match self {
            Helper::Min => "physc_min",
            Helper::Max => "physc_max",
            Helper::Sign => "physc_sign",
            Helper::Sigmoid => "physc_sigmoid",
            Helper::Softplus => "physc_softplus",
        }
    }

    fn source(self, p: Precision) -> String {
        let t = p.c_type();
        let one = p.literal(1.0);
        let zero = p.literal(0.0);
        let (exp, log1p, fabs, fmax) = (
            p.function("exp"),
            p.function("log1p"),
            p.function("fabs"),
            p.function("fmax"),
        );
        let body = match self {
            // IEEE 754-2019 minimum, as `check::builtins::minimum` and the CPU kernels.
            Helper::Min => format!(
                "{t} physc_min({t} a, {t} b) {{\n  if (a != a || b != b) return a + b;\n  \
                 if (a == b) return signbit(a) ? a : b;\n  return a < b ? a : b;\n}}"
            ),
            Helper::Max => format!(
                "{t} physc_max({t} a, {t} b) {{\n  if (a != a || b != b) return a + b;\n  \
                 if (a == b) return signbit(a) ? b : a;\n  return a > b ? a : b;\n}}"
            ),
            // 1 above zero, −1 below, zero and NaN unchanged.
            Helper::Sign => format!(
                "{t} physc_sign({t} x) {{\n  return x > {zero} ? {one} : (x < {zero} ? -{one} : x);\n}}"
            ),
            Helper::Sigmoid => format!(
                "{t} physc_sigmoid({t} x) {{\n  return {one} / ({one} + {exp}(-x));\n}}"
            ),
            // max(x, 0) + log1p(exp(-|x|)): no overflow for large x; NaN stays NaN.
            Helper::Softplus => format!(
                "{t} physc_softplus({t} x) {{\n  return {fmax}(x, {zero}) + {log1p}({exp}(-{fabs}(x)));\n}}"
            ),
        };
        format!("__device__ __forceinline__ static {body}\n")
    }
}

/// Generate the CUDA C source of one kernel named `name`.
pub fn generate(
    spec: &KernelSpec,
    precision: Precision,
    name: &str,
) -> Result<String, CodegenError> {
    let (order, varies) = spec.point_dependence()?;

    let mut e = Emitter {
        spec,
        p: precision,
        names: HashMap::new(),
        helpers: BTreeSet::new(),
        temps: 0,
    };
    let t = precision.c_type();
    // Parameters and numbers are named by what they are; nothing to compute.
    for &id in &order {
        match &spec.expr[id] {
            Math::Num(c) => {
                e.names.insert(id, precision.literal(c.into_inner()));
            }
            Math::Symbol(s) => {
                if let Some(j) = spec.params.iter().position(|p| p == s) {
                    e.names.insert(id, format!("p_{j}"));
                }
            }
            _ => {}
        }
    }
    let mut hoisted = String::new();
    for &id in order.iter().filter(|id| !varies[id]) {
        if !e.names.contains_key(&id) {
            e.node(&mut hoisted, id, "  ");
        }
    }
    let mut body = String::new();
    for (k, s) in spec.inputs.iter().enumerate() {
        if let Some(&id) = order.iter().find(|&&id| spec.expr[id] == Math::Symbol(*s)) {
            let _ = writeln!(body, "    const {t} v{} = in_{k}[i];", usize::from(id));
            e.names.insert(id, format!("v{}", usize::from(id)));
        }
    }
    for &id in order.iter().filter(|id| varies[id]) {
        if !e.names.contains_key(&id) {
            e.node(&mut body, id, "    ");
        }
    }
    for (k, (_, root)) in spec.outputs.iter().enumerate() {
        let _ = writeln!(body, "    out_{k}[i] = {};", e.names[root]);
    }

    let mut src = String::new();
    let _ = writeln!(
        src,
        "// physc kernel: {} outputs from {} input columns and {} parameters, {}.",
        spec.outputs.len(),
        spec.inputs.len(),
        spec.params.len(),
        t
    );
    for helper in &e.helpers {
        src.push_str(&helper.source(precision));
    }
    let mut args: Vec<String> = Vec::new();
    for (k, s) in spec.inputs.iter().enumerate() {
        args.push(format!("const {t}* __restrict__ in_{k} /* {s} */"));
    }
    for (k, (out, _)) in spec.outputs.iter().enumerate() {
        args.push(format!("{t}* __restrict__ out_{k} /* {} */", comment(out)));
    }
    for (j, s) in spec.params.iter().enumerate() {
        args.push(format!("const {t} p_{j} /* {s} */"));
    }
    args.push("const long long n".into());
    let _ = writeln!(src, "extern \"C\" __global__ void {name}(");
    let _ = writeln!(src, "    {}) {{", args.join(",\n    "));
    src.push_str(&hoisted);
    src.push_str(
        "  const long long stride = (long long)blockDim.x * gridDim.x;\n  \
         for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {\n",
    );
    src.push_str(&body);
    src.push_str("  }\n}\n");
    Ok(src)
}

/// Text safe inside a `/* */` comment.
fn comment(text: &str) -> String {
    text.replace("*/", "* /")
}

struct Emitter<'s, 'a> {
    spec: &'s KernelSpec<'a>,
    p: Precision,
    /// The C expression (a temporary, parameter or literal) of each computed node.
    names: HashMap<Id, String>,
    helpers: BTreeSet<Helper>,
    /// Extra temporaries (steps of integer powers).
    temps: usize,
}

impl Emitter<'_, '_> {
    /// Emit `const T vN = ...;` for one node whose children are named.
    fn node(&mut self, out: &mut String, id: Id, indent: &str) {
        let p = self.p;
        let t = p.c_type();
        let node = self.spec.expr[id].clone();
        let v = |i: Id| self.names[&i].clone();
        let f = |name: &str, x: Id| format!("{}({})", p.function(name), v(x));
        let expr = match node {
            Math::Num(c) => p.literal(c.into_inner()),
            // Bound symbols were named before; `generate` rejected unbound ones.
            Math::Symbol(s) => s.to_string(),
            Math::Add([x, y]) => format!("{} + {}", v(x), v(y)),
            Math::Sub([x, y]) => format!("{} - {}", v(x), v(y)),
            Math::Mul([x, y]) => format!("{} * {}", v(x), v(y)),
            Math::Div([x, y]) => format!("{} / {}", v(x), v(y)),
            Math::Neg(x) => format!("-{}", v(x)),
            Math::Sqrt(x) => f("sqrt", x),
            Math::Abs(x) => f("fabs", x),
            Math::Min([x, y]) => self.helper(Helper::Min, &[v(x), v(y)]),
            Math::Max([x, y]) => self.helper(Helper::Max, &[v(x), v(y)]),
            Math::Sign(x) => self.helper(Helper::Sign, &[v(x)]),
            Math::Sigmoid(x) => self.helper(Helper::Sigmoid, &[v(x)]),
            Math::Softplus(x) => self.helper(Helper::Softplus, &[v(x)]),
            Math::Pow([x, y]) => match self.spec.expr[y].number().and_then(Math::squaring_exponent)
            {
                Some(n) => {
                    let power = self.integer_power(out, indent, &v(x), n.unsigned_abs());
                    if n < 0 {
                        format!("{} / {power}", p.literal(1.0))
                    } else {
                        power
                    }
                }
                _ => format!("{}({}, {})", p.function("pow"), v(x), v(y)),
            },
            Math::Fma([x, y, z]) => format!("{}({}, {}, {})", p.function("fma"), v(x), v(y), v(z)),
            Math::Exp(x) => f("exp", x),
            Math::Log(x) => f("log", x),
            Math::Sin(x) => f("sin", x),
            Math::Cos(x) => f("cos", x),
            Math::Tan(x) => f("tan", x),
            Math::Asin(x) => f("asin", x),
            Math::Acos(x) => f("acos", x),
            Math::Atan(x) => f("atan", x),
            Math::Sinh(x) => f("sinh", x),
            Math::Cosh(x) => f("cosh", x),
            Math::Tanh(x) => f("tanh", x),
            Math::Erf(x) => f("erf", x),
        };
        let name = format!("v{}", usize::from(id));
        let _ = writeln!(out, "{indent}const {t} {name} = {expr};");
        self.names.insert(id, name);
    }

    fn helper(&mut self, helper: Helper, args: &[String]) -> String {
        self.helpers.insert(helper);
        format!("{}({})", helper.name(), args.join(", "))
    }

    /// x^n by repeated squaring (n ≥ 1), the same multiplications in the same order as the
    /// CPU backend; returns the expression of the last product.
    fn integer_power(&mut self, out: &mut String, indent: &str, x: &str, n: u32) -> String {
        let t = self.p.c_type();
        let mut temp = |out: &mut String, expr: String| {
            self.temps += 1;
            let name = format!("t{}", self.temps);
            let _ = writeln!(out, "{indent}const {t} {name} = {expr};");
            name
        };
        let mut result: Option<String> = None;
        let mut base = x.to_string();
        let mut e = n;
        while e > 0 {
            if e & 1 == 1 {
                result = Some(match result {
                    None => base.clone(),
                    Some(r) => temp(out, format!("{r} * {base}")),
                });
            }
            e >>= 1;
            if e > 0 {
                base = temp(out, format!("{base} * {base}"));
            }
        }
        result.unwrap_or_else(|| x.to_string())
    }
}

/// Generate, compile (NVRTC, cached per process) and load a plan's kernel on a GPU.
#[cfg(feature = "cuda")]
pub fn load<T: physc_runtime::cuda::CudaReal>(
    device: &physc_runtime::cuda::CudaDevice,
    plan: &super::kernels::KernelPlan,
) -> Result<physc_runtime::cuda::CudaKernel<T>, LoadError> {
    let source =
        generate(&plan.spec(), Precision::of(T::NAME), KERNEL_NAME).map_err(LoadError::Codegen)?;
    let function = device
        .function(&source, KERNEL_NAME, NVRTC_OPTIONS)
        .map_err(LoadError::Cuda)?;
    let names = |syms: &[egg::Symbol]| syms.iter().map(|s| s.to_string()).collect();
    // SAFETY: `generate` writes exactly the runtime's ABI for these columns, in `T`.
    unsafe {
        device.kernel(
            function,
            names(&plan.inputs),
            plan.outputs.iter().map(|(n, _)| n.clone()).collect(),
            names(&plan.params),
        )
    }
    .map_err(LoadError::Cuda)
}

/// Why a kernel could not be put on a GPU.
#[cfg(feature = "cuda")]
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    Codegen(CodegenError),
    Cuda(physc_runtime::cuda::CudaError),
}

#[cfg(feature = "cuda")]
impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Codegen(e) => write!(f, "{e}"),
            LoadError::Cuda(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "cuda")]
impl std::error::Error for LoadError {}
