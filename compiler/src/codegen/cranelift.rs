//! CPU code generation with Cranelift: a set of IR expressions (several outputs sharing
//! sub-terms) becomes one native function that loops over `n` points, reading input columns
//! and writing output columns, with scalar parameters passed separately (the ABI of
//! `physc_runtime::KernelFn`). Sub-terms that depend only on parameters and constants are
//! computed once, before the loop; integer powers become multiplications; everything else is
//! one instruction or one call per node, in the DAG's order, so shared sub-terms are
//! computed once per point.
//!
//! The points go through two loops with the same nodes: whole 128-bit vectors first (2
//! points in f64, 4 in f32; Cranelift's widest on x86-64), two vectors per iteration, then
//! the remaining points one by one. Vector arithmetic, sqrt, abs, neg, fma and IEEE min/max
//! round exactly as their scalar forms, and math functions are called lane by lane, so every
//! point gets the same bits in either loop (and the interpreter's, but for integer powers).
//! Where Cranelift cannot lower the vector code for the host CPU, the kernel is compiled
//! with the scalar loop alone.

use super::mathlib;
use crate::ir::lang::{reachable, Math};
use cranelift_codegen::ir::{
    types, AbiParam, Endianness, InstBuilder, MemFlagsData, Type, UserFuncName, Value,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use egg::{Id, Language, RecExpr, Symbol};
use physc_runtime::{Kernel, KernelFn, Real};
use std::collections::HashMap;
use std::sync::Arc;

/// What to compile: outputs as roots of one DAG, the symbols read per point (columns) and
/// the symbols passed once (parameters).
pub struct KernelSpec<'a> {
    pub expr: &'a RecExpr<Math>,
    pub outputs: Vec<(String, Id)>,
    pub inputs: Vec<Symbol>,
    pub params: Vec<Symbol>,
}

impl KernelSpec<'_> {
    /// The nodes the outputs need, children before parents, and which of them vary from
    /// point to point (read an input column); the rest can be computed once per call.
    /// Every backend hoists by this.
    pub fn point_dependence(&self) -> Result<(Vec<Id>, HashMap<Id, bool>), CodegenError> {
        let roots: Vec<Id> = self.outputs.iter().map(|(_, id)| *id).collect();
        let order = reachable(self.expr, &roots);
        let mut varies: HashMap<Id, bool> = HashMap::new();
        for &id in &order {
            let v = match &self.expr[id] {
                Math::Symbol(s) if self.inputs.contains(s) => true,
                Math::Symbol(s) if self.params.contains(s) => false,
                Math::Symbol(s) => return Err(CodegenError::UnboundSymbol(s.to_string())),
                Math::Num(_) => false,
                node => node.children().iter().any(|c| varies[c]),
            };
            varies.insert(id, v);
        }
        Ok((order, varies))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CodegenError {
    /// A symbol the outputs use is neither an input nor a parameter.
    UnboundSymbol(String),
    /// Cranelift refused the function (a bug in physc if it ever happens).
    Backend(String),
}

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodegenError::UnboundSymbol(s) => {
                write!(f, "symbol `{s}` is neither an input column nor a parameter")
            }
            CodegenError::Backend(e) => write!(f, "code generation failed: {e}"),
        }
    }
}

impl std::error::Error for CodegenError {}

/// A precision kernels can be compiled for.
pub trait JitReal: Real {
    const TYPE: Type;
    const BYTES: i64;
    /// The 128-bit vector of this type that the main loop computes in, and its lanes.
    const VECTOR: Type;
    const LANES: i64;
    fn constant(builder: &mut FunctionBuilder, v: f64) -> Value;
}

impl JitReal for f64 {
    const TYPE: Type = types::F64;
    const BYTES: i64 = 8;
    const VECTOR: Type = types::F64X2;
    const LANES: i64 = 2;
    fn constant(builder: &mut FunctionBuilder, v: f64) -> Value {
        builder.ins().f64const(v)
    }
}

impl JitReal for f32 {
    const TYPE: Type = types::F32;
    const BYTES: i64 = 4;
    const VECTOR: Type = types::F32X4;
    const LANES: i64 = 4;
    fn constant(builder: &mut FunctionBuilder, v: f64) -> Value {
        builder.ins().f32const(v as f32)
    }
}

/// Vectors computed per iteration of the vector loop: two independent chains of work in
/// flight, and half the loop overhead per point.
const VECTORS_PER_ITERATION: i64 = 2;

/// Owns the JIT memory of one kernel; freed when the last `Kernel` using it is dropped.
struct JitOwner(Option<JITModule>);

// SAFETY: after finalisation the module is only kept to own (read-only, executable) code.
unsafe impl Send for JitOwner {}
unsafe impl Sync for JitOwner {}

impl Drop for JitOwner {
    fn drop(&mut self) {
        if let Some(module) = self.0.take() {
            // SAFETY: the only function pointer into this memory lives in the `Kernel` that
            // owned the `Arc` to us, and it is gone.
            unsafe { module.free_memory() };
        }
    }
}

/// Compile a kernel and return it with the text of its Cranelift IR: vectorised, or with
/// the scalar loop alone where Cranelift cannot lower the vector code for this CPU.
pub fn compile<T: JitReal>(spec: &KernelSpec) -> Result<(Kernel<T>, String), CodegenError> {
    match build::<T>(spec, true) {
        Err(CodegenError::Backend(_)) => build::<T>(spec, false),
        built => built,
    }
}

fn build<T: JitReal>(
    spec: &KernelSpec,
    vectorise: bool,
) -> Result<(Kernel<T>, String), CodegenError> {
    let f32 = T::TYPE == types::F32;
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, k: &str, v: &str| {
        flags
            .set(k, v)
            .map_err(|e| CodegenError::Backend(e.to_string()))
    };
    set(&mut flags, "opt_level", "speed")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    set(&mut flags, "is_pic", "false")?;
    let isa = cranelift_native::builder()
        .map_err(|e| CodegenError::Backend(e.to_string()))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| CodegenError::Backend(e.to_string()))?;
    let mut jit = JITBuilder::with_isa(isa, default_libcall_names());
    let library = mathlib::symbols(f32);
    for (name, address, _) in &library {
        jit.symbol(format!("physc_{name}"), *address);
    }
    let mut module = JITModule::new(jit);

    let pointer = module.target_config().pointer_type();
    let mut signature = module.make_signature();
    for _ in 0..4 {
        signature.params.push(AbiParam::new(pointer));
    }
    let func_id = module
        .declare_function("kernel", Linkage::Export, &signature)
        .map_err(|e| CodegenError::Backend(e.to_string()))?;
    let mut imports: HashMap<&'static str, (FuncId, usize)> = HashMap::new();
    for (name, _, arity) in &library {
        let mut sig = module.make_signature();
        for _ in 0..*arity {
            sig.params.push(AbiParam::new(T::TYPE));
        }
        sig.returns.push(AbiParam::new(T::TYPE));
        let id = module
            .declare_function(&format!("physc_{name}"), Linkage::Import, &sig)
            .map_err(|e| CodegenError::Backend(e.to_string()))?;
        imports.insert(name, (id, *arity));
    }

    let mut ctx = module.make_context();
    ctx.func.signature = signature;
    ctx.func.name = UserFuncName::user(0, func_id.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        Emitter::<T> {
            spec,
            pointer,
            module: &mut module,
            imports: &imports,
            refs: HashMap::new(),
            vectorise,
            _t: std::marker::PhantomData,
        }
        .emit(&mut b)?;
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    let clif = ctx.func.display().to_string();
    module
        .define_function(func_id, &mut ctx)
        .map_err(|e| CodegenError::Backend(format!("{e:?}")))?;
    module.clear_context(&mut ctx);
    module
        .finalize_definitions()
        .map_err(|e| CodegenError::Backend(e.to_string()))?;
    let code = module.get_finalized_function(func_id);
    // SAFETY: the function was generated for exactly this ABI and these columns.
    let func: KernelFn<T> = unsafe { std::mem::transmute::<*const u8, KernelFn<T>>(code) };
    let names = |syms: &[Symbol]| syms.iter().map(|s| s.to_string()).collect();
    let owner: Arc<dyn std::any::Any + Send + Sync> = Arc::new(JitOwner(Some(module)));
    let kernel = unsafe {
        Kernel::from_raw(
            func,
            names(&spec.inputs),
            spec.outputs.iter().map(|(n, _)| n.clone()).collect(),
            names(&spec.params),
            owner,
        )
    };
    Ok((kernel, clif))
}

struct Emitter<'s, 'a, T> {
    spec: &'s KernelSpec<'a>,
    pointer: Type,
    module: &'s mut JITModule,
    imports: &'s HashMap<&'static str, (FuncId, usize)>,
    /// Math functions declared in this function so far (only those it calls).
    refs: HashMap<&'static str, cranelift_codegen::ir::FuncRef>,
    /// Whether to emit the vector loop before the scalar one.
    vectorise: bool,
    _t: std::marker::PhantomData<T>,
}

/// The per-point part of a kernel: the nodes to compute inside the loops, and where the
/// columns are.
struct PointWork<'o> {
    order: &'o [Id],
    varies: &'o HashMap<Id, bool>,
    columns: Vec<Value>,
    outputs: Vec<Value>,
}

impl<T: JitReal> Emitter<'_, '_, T> {
    fn emit(&mut self, b: &mut FunctionBuilder) -> Result<(), CodegenError> {
        let spec = self.spec;
        let (order, varies) = spec.point_dependence()?;

        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let args = b.block_params(entry).to_vec();
        let (inputs_ptr, outputs_ptr, params_ptr, n) = (args[0], args[1], args[2], args[3]);
        let flags = MemFlagsData::trusted();
        let word = self.pointer.bytes() as i32;
        let work = PointWork {
            order: &order,
            varies: &varies,
            columns: (0..spec.inputs.len())
                .map(|k| {
                    b.ins()
                        .load(self.pointer, flags, inputs_ptr, k as i32 * word)
                })
                .collect(),
            outputs: (0..spec.outputs.len())
                .map(|k| {
                    b.ins()
                        .load(self.pointer, flags, outputs_ptr, k as i32 * word)
                })
                .collect(),
        };
        let mut invariant: HashMap<Id, Value> = HashMap::new();
        for (j, p) in spec.params.iter().enumerate() {
            let v = b
                .ins()
                .load(T::TYPE, flags, params_ptr, j as i32 * T::BYTES as i32);
            if let Some(id) = order.iter().find(|&&id| spec.expr[id] == Math::Symbol(*p)) {
                invariant.insert(*id, v);
            }
        }
        // Loop-invariant work, once.
        for &id in order.iter().filter(|id| !varies[id]) {
            if !invariant.contains_key(&id) {
                let v = self.node(b, id, &invariant, T::TYPE)?;
                invariant.insert(id, v);
            }
        }
        let zero = b.ins().iconst(self.pointer, 0);
        let mut start = zero;
        if self.vectorise {
            // Whole vectors first: the invariants that per-point nodes use or outputs are,
            // in every lane.
            let mut splats: HashMap<Id, Value> = HashMap::new();
            let used = order.iter().filter(|id| varies[id]);
            let used = used.flat_map(|&id| spec.expr[id].children().iter().copied());
            for id in used.chain(spec.outputs.iter().map(|(_, root)| *root)) {
                if !varies[&id] && !splats.contains_key(&id) {
                    splats.insert(id, b.ins().splat(T::VECTOR, invariant[&id]));
                }
            }
            let step = T::LANES * VECTORS_PER_ITERATION;
            let whole = b.ins().band_imm_s(n, -step);
            let vectors = (T::VECTOR, VECTORS_PER_ITERATION);
            start = self.point_loop(b, &work, &splats, (zero, whole), vectors)?;
        }
        // The rest (or everything, unvectorised) one point at a time.
        self.point_loop(b, &work, &invariant, (start, n), (T::TYPE, 1))?;
        b.ins().return_(&[]);
        Ok(())
    }

    /// A loop over the points `range.0 .. range.1`, computing the per-point nodes in `ty`
    /// from the invariant values `fixed`, `copies` values of `ty` (each as many points as
    /// its lanes) per iteration. Leaves the builder in the block after the loop and returns
    /// the index the loop stopped at.
    fn point_loop(
        &mut self,
        b: &mut FunctionBuilder,
        work: &PointWork,
        fixed: &HashMap<Id, Value>,
        range: (Value, Value),
        (ty, copies): (Type, i64),
    ) -> Result<Value, CodegenError> {
        let spec = self.spec;
        let header = b.create_block();
        let body = b.create_block();
        let after = b.create_block();
        b.ins().jump(header, &[range.0.into()]);

        b.switch_to_block(header);
        let i = b.append_block_param(header, self.pointer);
        let more = b.ins().icmp(
            cranelift_codegen::ir::condcodes::IntCC::UnsignedLessThan,
            i,
            range.1,
        );
        b.ins().brif(more, body, &[], after, &[i.into()]);

        b.switch_to_block(body);
        // Columns are only as aligned as their element type, so vector accesses claim no
        // alignment (a vector load merged into an SSE instruction would trap otherwise).
        let flags = if ty.is_vector() {
            MemFlagsData::new().with_notrap()
        } else {
            MemFlagsData::trusted()
        };
        let offset = b.ins().ishl_imm_u(i, i64::from(T::BYTES.trailing_zeros()));
        let inputs: Vec<Value> = (work.columns.iter())
            .map(|&c| b.ins().iadd(c, offset))
            .collect();
        let outputs: Vec<Value> = (work.outputs.iter())
            .map(|&c| b.ins().iadd(c, offset))
            .collect();
        for copy in 0..copies {
            let at = (copy * i64::from(ty.bytes())) as i32;
            let mut values = fixed.clone();
            for (k, s) in spec.inputs.iter().enumerate() {
                let symbol = work
                    .order
                    .iter()
                    .find(|&&id| spec.expr[id] == Math::Symbol(*s));
                if let Some(&id) = symbol {
                    values.insert(id, b.ins().load(ty, flags, inputs[k], at));
                }
            }
            for &id in work.order.iter().filter(|id| work.varies[id]) {
                if !values.contains_key(&id) {
                    let v = self.node(b, id, &values, ty)?;
                    values.insert(id, v);
                }
            }
            for (k, (_, root)) in spec.outputs.iter().enumerate() {
                b.ins().store(flags, values[root], outputs[k], at);
            }
        }
        let next = b.ins().iadd_imm_s(i, i64::from(ty.lane_count()) * copies);
        b.ins().jump(header, &[next.into()]);

        b.switch_to_block(after);
        Ok(b.append_block_param(after, self.pointer))
    }

    /// A call to a math function; on vectors, one call per lane, so every lane gets the
    /// very result the scalar code (and the interpreter) would.
    fn call(&mut self, b: &mut FunctionBuilder, name: &'static str, args: &[Value]) -> Value {
        let (id, _) = self.imports[name];
        let module = &mut *self.module;
        let func_ref = *self
            .refs
            .entry(name)
            .or_insert_with(|| module.declare_func_in_func(id, b.func));
        let ty = b.func.dfg.value_type(args[0]);
        if !ty.is_vector() {
            let call = b.ins().call(func_ref, args);
            return b.inst_results(call)[0];
        }
        let mut result = args[0];
        for lane in 0..ty.lane_count() as u8 {
            let scalars: Vec<Value> = args.iter().map(|&a| b.ins().extractlane(a, lane)).collect();
            let call = b.ins().call(func_ref, &scalars);
            let r = b.inst_results(call)[0];
            result = b.ins().insertlane(result, r, lane);
        }
        result
    }

    /// A constant of type `ty` (a scalar, or the same value in every lane).
    fn constant(b: &mut FunctionBuilder, v: f64, ty: Type) -> Value {
        let c = T::constant(b, v);
        if ty.is_vector() {
            b.ins().splat(ty, c)
        } else {
            c
        }
    }

    /// One node in `ty` (the scalar type, or its vector for the vector loop) from its
    /// children's `values`. Both give the same bits lane by lane.
    fn node(
        &mut self,
        b: &mut FunctionBuilder,
        id: Id,
        values: &HashMap<Id, Value>,
        ty: Type,
    ) -> Result<Value, CodegenError> {
        let node = self.spec.expr[id].clone();
        let v = |i: Id| values[&i];
        Ok(match node {
            Math::Num(c) => Self::constant(b, c.into_inner(), ty),
            Math::Symbol(s) => return Err(CodegenError::UnboundSymbol(s.to_string())),
            Math::Add([x, y]) => b.ins().fadd(v(x), v(y)),
            Math::Sub([x, y]) => b.ins().fsub(v(x), v(y)),
            Math::Mul([x, y]) => b.ins().fmul(v(x), v(y)),
            Math::Div([x, y]) => b.ins().fdiv(v(x), v(y)),
            Math::Neg(x) => b.ins().fneg(v(x)),
            Math::Sqrt(x) => b.ins().sqrt(v(x)),
            Math::Abs(x) => b.ins().fabs(v(x)),
            // IEEE minimum/maximum (NaN if either is, −0 below +0) for scalars and vectors.
            Math::Min([x, y]) => b.ins().fmin(v(x), v(y)),
            Math::Max([x, y]) => b.ins().fmax(v(x), v(y)),
            Math::Sign(x) => {
                // 1 above zero, -1 below, and zero or NaN unchanged (as the interpreter).
                use cranelift_codegen::ir::condcodes::FloatCC;
                let x = v(x);
                let zero = Self::constant(b, 0.0, ty);
                let one = Self::constant(b, 1.0, ty);
                let minus = Self::constant(b, -1.0, ty);
                let positive = b.ins().fcmp(FloatCC::GreaterThan, x, zero);
                let negative = b.ins().fcmp(FloatCC::LessThan, x, zero);
                if ty.is_vector() {
                    // Vector comparisons give lane masks: select bits with them.
                    let lanes = MemFlagsData::new().with_endianness(Endianness::Little);
                    let positive = b.ins().bitcast(ty, lanes, positive);
                    let negative = b.ins().bitcast(ty, lanes, negative);
                    let low = b.ins().bitselect(negative, minus, x);
                    b.ins().bitselect(positive, one, low)
                } else {
                    let low = b.ins().select(negative, minus, x);
                    b.ins().select(positive, one, low)
                }
            }
            Math::Pow([x, y]) => match self.spec.expr[y].number().and_then(Math::squaring_exponent)
            {
                Some(n) => {
                    let p = self.integer_power(b, v(x), n.unsigned_abs());
                    if n < 0 {
                        let one = Self::constant(b, 1.0, ty);
                        b.ins().fdiv(one, p)
                    } else {
                        p
                    }
                }
                _ => self.call(b, "pow", &[v(x), v(y)]),
            },
            // One fused instruction where the CPU has it (cranelift_native enables FMA when
            // detected); otherwise Cranelift calls libm's correctly rounded `fma`.
            Math::Fma([x, y, z]) => b.ins().fma(v(x), v(y), v(z)),
            Math::Exp(x) => self.call(b, "exp", &[v(x)]),
            Math::Log(x) => self.call(b, "log", &[v(x)]),
            Math::Sin(x) => self.call(b, "sin", &[v(x)]),
            Math::Cos(x) => self.call(b, "cos", &[v(x)]),
            Math::Tan(x) => self.call(b, "tan", &[v(x)]),
            Math::Asin(x) => self.call(b, "asin", &[v(x)]),
            Math::Acos(x) => self.call(b, "acos", &[v(x)]),
            Math::Atan(x) => self.call(b, "atan", &[v(x)]),
            Math::Sinh(x) => self.call(b, "sinh", &[v(x)]),
            Math::Cosh(x) => self.call(b, "cosh", &[v(x)]),
            Math::Tanh(x) => self.call(b, "tanh", &[v(x)]),
            Math::Sigmoid(x) => self.call(b, "sigmoid", &[v(x)]),
            Math::Softplus(x) => self.call(b, "softplus", &[v(x)]),
            Math::Erf(x) => self.call(b, "erf", &[v(x)]),
        })
    }

    /// x^n by repeated squaring (n ≥ 1).
    fn integer_power(&self, b: &mut FunctionBuilder, x: Value, n: u32) -> Value {
        let mut result: Option<Value> = None;
        let mut base = x;
        let mut e = n;
        while e > 0 {
            if e & 1 == 1 {
                result = Some(match result {
                    None => base,
                    Some(r) => b.ins().fmul(r, base),
                });
            }
            e >>= 1;
            if e > 0 {
                base = b.ins().fmul(base, base);
            }
        }
        result.unwrap_or(x)
    }
}
