//! Which kernels a model needs and a per-process cache of compiled kernels. The residual
//! kernel of a model computes every residual and every sensitivity in one fused loop: its
//! inputs are the coordinates and jets, its parameters the constants and learnable
//! parameters (so one compiled kernel serves every value of them).

use super::cranelift::{compile, CodegenError, JitReal, KernelSpec};
use crate::ir::lang::{reachable, Math, SymbolKind, Symbols};
use crate::ir::pipeline::SimplifiedModel;
use egg::{Id, RecExpr, Symbol};
use physc_runtime::Kernel;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// An owned description of a kernel: what `KernelSpec` borrows.
#[derive(Debug, Clone)]
pub struct KernelPlan {
    pub expr: RecExpr<Math>,
    pub outputs: Vec<(String, Id)>,
    pub inputs: Vec<Symbol>,
    pub params: Vec<Symbol>,
    /// Values of the parameters that are known constants (`None` for learnable ones).
    pub param_values: Vec<Option<f64>>,
}

impl KernelPlan {
    pub fn spec(&self) -> KernelSpec<'_> {
        KernelSpec {
            expr: &self.expr,
            outputs: self.outputs.clone(),
            inputs: self.inputs.clone(),
            params: self.params.clone(),
        }
    }

    /// Plan a kernel for some roots of an expression: every symbol that is a coordinate,
    /// jet or free name is an input column; constants and learnable parameters are
    /// parameters. Both in symbol-table order.
    pub fn new(expr: &RecExpr<Math>, outputs: Vec<(String, Id)>, symbols: &Symbols) -> KernelPlan {
        let roots: Vec<Id> = outputs.iter().map(|(_, id)| *id).collect();
        let mut used: Vec<Symbol> = reachable(expr, &roots)
            .into_iter()
            .filter_map(|id| match expr[id] {
                Math::Symbol(s) => Some(s),
                _ => None,
            })
            .collect();
        used.sort_by_key(|s| symbols.index(*s));
        let (mut inputs, mut params, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for s in used {
            match symbols.get(s).map(|i| &i.kind) {
                Some(SymbolKind::Const { value, .. }) => {
                    params.push(s);
                    values.push(Some(*value));
                }
                Some(SymbolKind::Param(_)) => {
                    params.push(s);
                    values.push(None);
                }
                _ => inputs.push(s),
            }
        }
        KernelPlan {
            expr: expr.clone(),
            outputs,
            inputs,
            params,
            param_values: values,
        }
    }

    /// The residuals-and-sensitivities kernel of a simplified model.
    pub fn residuals(model: &SimplifiedModel) -> KernelPlan {
        let symbols = &model.lowered.symbols;
        let mut outputs = Vec::new();
        for (i, r) in model.lowered.residuals.iter().enumerate() {
            outputs.push((r.name.clone(), model.residuals[i]));
            for (s, &root) in model.sensitivities[i]
                .iter()
                .zip(&model.sensitivity_roots[i])
            {
                let wrt = symbols
                    .get(s.wrt)
                    .map(|i| i.source.clone())
                    .unwrap_or_default();
                outputs.push((format!("d {} / d {wrt}", r.name), root));
            }
        }
        KernelPlan::new(model.expr(), outputs, symbols)
    }

    /// A key that identifies the kernel: the outputs' DAG, inputs, parameters, precision.
    fn key(&self, precision: &str) -> String {
        let roots: Vec<Id> = self.outputs.iter().map(|(_, id)| *id).collect();
        let nodes: Vec<String> = reachable(&self.expr, &roots)
            .into_iter()
            .map(|id| format!("{id}:{:?}", self.expr[id]))
            .collect();
        format!(
            "{precision}|{}|{:?}|{:?}|{:?}",
            nodes.join(","),
            roots,
            self.inputs,
            self.params
        )
    }
}

type Cache = Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Compile a kernel, or return the one compiled earlier in this process for the same plan.
pub fn cached<T: JitReal>(plan: &KernelPlan) -> Result<Arc<Kernel<T>>, CodegenError> {
    let key = plan.key(T::NAME);
    if let Some(hit) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        if let Ok(kernel) = hit.downcast::<Kernel<T>>() {
            return Ok(kernel);
        }
    }
    let (kernel, _) = compile::<T>(&plan.spec())?;
    let kernel = Arc::new(kernel);
    if let Ok(mut c) = cache().lock() {
        c.insert(key, kernel.clone());
    }
    Ok(kernel)
}
