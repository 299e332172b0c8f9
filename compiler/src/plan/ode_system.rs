//! ODE models as compiled systems: the right-hand sides of a model's `ode`s and their
//! symbolic Jacobian (differentiated and simplified by the symbolic core, no finite
//! differences) compiled into two kernels, with the initial state evaluated from the
//! model's `initial` conditions. What `simulate` integrates, and later what `discover`
//! re-simulates.

use crate::check::{EquationKind, Model};
use crate::codegen::kernels::{cached, KernelPlan};
use crate::ir::diff::{differentiate, Leaf};
use crate::ir::lang::{Math, SymbolKind};
use crate::ir::{eval, lower_model, simplify};
use egg::{Id, Symbol};
use physc_runtime::ode::OdeSystem;
use physc_runtime::Kernel;
use std::sync::Arc;

/// Why a model cannot be simulated as an ODE system.
#[derive(Debug, Clone, PartialEq)]
pub struct NotAnOde(pub String);

pub struct CompiledOde {
    pub states: Vec<String>,
    pub t_span: (f64, f64),
    pub y0: Vec<f64>,
    /// Values of the kernels' parameters (constants, and parameters at their guesses).
    pub params: Vec<f64>,
    pub rhs: Arc<Kernel<f64>>,
    pub jacobian: Arc<Kernel<f64>>,
    /// The right-hand sides, as printed `.phys` expressions (for reports).
    pub equations: Vec<String>,
}

pub fn compile_ode(model: &Model) -> Result<CompiledOde, NotAnOde> {
    let time = model
        .time()
        .ok_or_else(|| NotAnOde(format!("model `{}` has no time variable", model.name)))?;
    let mut lowered = lower_model(model);
    let odes: Vec<_> = lowered
        .residuals
        .iter()
        .filter_map(|r| match r.kind {
            EquationKind::Ode { field } => Some((field, r.rhs)),
            _ => None,
        })
        .collect();
    if odes.is_empty() {
        return Err(NotAnOde(format!(
            "model `{}` has no `ode` equations (simulating pdes is not implemented yet)",
            model.name
        )));
    }
    if lowered
        .residuals
        .iter()
        .any(|r| r.kind == EquationKind::Pde)
    {
        return Err(NotAnOde(format!(
            "model `{}` mixes `pde`s with `ode`s; only ode systems can be simulated yet",
            model.name
        )));
    }
    for (f, field) in model.fields.iter().enumerate() {
        for c in 0..field.components() {
            let r = crate::check::FieldRef {
                field: f,
                component: c,
            };
            if !odes.iter().any(|(s, _)| *s == r) {
                return Err(NotAnOde(format!(
                    "field `{}` has no ode",
                    model.field_ref_name(r)
                )));
            }
        }
    }
    let state_symbols: Vec<Symbol> = odes
        .iter()
        .map(|(field, _)| {
            let name = model.field_ref_name(*field);
            let kind = SymbolKind::Jet {
                field: *field,
                wrt: vec![],
            };
            lowered
                .symbols
                .intern(&name, kind, name.clone(), name.clone())
        })
        .collect();
    let t_name = model.variables[time].name.clone();
    let t_symbol = lowered.symbols.intern(
        &t_name,
        SymbolKind::Var(time),
        t_name.clone(),
        t_name.clone(),
    );

    // Jacobian entries ∂f_i/∂y_j, row-major.
    let mut roots: Vec<Id> = odes.iter().map(|(_, rhs)| *rhs).collect();
    for (_, rhs) in &odes {
        for &s in &state_symbols {
            let leaf = |x: Symbol| if x == s { Leaf::One } else { Leaf::Zero };
            roots.push(differentiate(&mut lowered.builder, *rhs, &leaf));
        }
    }
    let simplified = simplify::simplify(&lowered.builder.expr, &roots, &Default::default());
    let n = odes.len();
    let params: Vec<Symbol> = lowered
        .symbols
        .iter()
        .filter(|s| matches!(s.kind, SymbolKind::Const { .. } | SymbolKind::Param(_)))
        .map(|s| s.name)
        .collect();
    let param_values: Vec<f64> = params
        .iter()
        .map(|&s| match lowered.symbols.get(s).map(|i| &i.kind) {
            Some(SymbolKind::Const { value, .. }) => *value,
            Some(SymbolKind::Param(p)) => model.params[*p].guess,
            _ => f64::NAN,
        })
        .collect();
    let mut inputs = state_symbols.clone();
    inputs.push(t_symbol);
    let plan = |outputs: Vec<(String, Id)>| KernelPlan {
        expr: simplified.expr.clone(),
        outputs,
        inputs: inputs.clone(),
        params: params.clone(),
        param_values: param_values.iter().map(|v| Some(*v)).collect(),
    };
    let states: Vec<String> = odes.iter().map(|(f, _)| model.field_ref_name(*f)).collect();
    let rhs_plan = plan(
        states
            .iter()
            .zip(&simplified.roots[..n])
            .map(|(s, &id)| (format!("dt({s})"), id))
            .collect(),
    );
    let jac_plan = plan(
        simplified.roots[n..]
            .iter()
            .enumerate()
            .map(|(k, &id)| (format!("d f{} / d {}", k / n, states[k % n]), id))
            .collect(),
    );
    let fail = |e: crate::codegen::CodegenError| NotAnOde(e.to_string());
    let rhs = cached::<f64>(&rhs_plan).map_err(fail)?;
    let jacobian = cached::<f64>(&jac_plan).map_err(fail)?;
    let t0 = model.variables[time].lo;
    let y0 = initial_state(model, &lowered, &state_symbols, &states, t0)?;
    let equations = states
        .iter()
        .zip(&simplified.roots[..n])
        .map(|(s, &id)| {
            format!(
                "dt({s}) = {}",
                crate::ir::print::source(&simplified.expr, id, &lowered.symbols)
            )
        })
        .collect();
    Ok(CompiledOde {
        states,
        t_span: (t0, model.variables[time].hi),
        y0,
        params: param_values,
        rhs,
        jacobian,
        equations,
    })
}

/// The state at `t0` from conditions of the form `initial x = <constant expression>`.
fn initial_state(
    model: &Model,
    lowered: &crate::ir::Lowered,
    states: &[Symbol],
    names: &[String],
    t0: f64,
) -> Result<Vec<f64>, NotAnOde> {
    let expr = &lowered.builder.expr;
    let mut y0 = vec![f64::NAN; states.len()];
    for r in lowered
        .residuals
        .iter()
        .filter(|r| r.kind == EquationKind::Initial)
    {
        let Math::Symbol(s) = expr[r.lhs] else {
            continue;
        };
        let Some(i) = states.iter().position(|x| *x == s) else {
            continue;
        };
        let value = eval::eval(expr, r.rhs, &mut |sym| match lowered
            .symbols
            .get(sym)
            .map(|i| &i.kind)
        {
            Some(SymbolKind::Const { value, .. }) => *value,
            Some(SymbolKind::Param(p)) => model.params[*p].guess,
            Some(SymbolKind::Var(_)) => t0,
            _ => f64::NAN,
        });
        if !value.is_finite() {
            return Err(NotAnOde(format!(
                "the initial condition of `{}` must be a constant expression",
                names[i]
            )));
        }
        y0[i] = value;
    }
    if let Some(i) = y0.iter().position(|v| v.is_nan()) {
        return Err(NotAnOde(format!(
            "`{}` has no initial condition of the form `initial {} = value`",
            names[i], names[i]
        )));
    }
    Ok(y0)
}

impl CompiledOde {
    /// An `OdeSystem` view for the integrators.
    pub fn system(&self) -> System<'_> {
        System {
            ode: self,
            jac: vec![0.0; self.states.len() * self.states.len()],
        }
    }
}

pub struct System<'a> {
    ode: &'a CompiledOde,
    jac: Vec<f64>,
}

impl OdeSystem for System<'_> {
    fn dim(&self) -> usize {
        self.ode.states.len()
    }

    fn rhs(&mut self, t: f64, y: &[f64], dydt: &mut [f64]) {
        let time = [t];
        let mut inputs: Vec<&[f64]> = y.chunks(1).collect();
        inputs.push(&time);
        let mut outputs: Vec<&mut [f64]> = dydt.chunks_mut(1).collect();
        // Shapes are fixed by construction; a mismatch would be a physc bug.
        if let Err(e) = self.ode.rhs.run(&inputs, &mut outputs, &self.ode.params) {
            dydt.iter_mut().for_each(|v| *v = f64::NAN);
            debug_assert!(false, "{e}");
        }
    }

    fn jacobian(&mut self, t: f64, y: &[f64], jac: &mut [f64]) -> bool {
        let time = [t];
        let mut inputs: Vec<&[f64]> = y.chunks(1).collect();
        inputs.push(&time);
        let mut outputs: Vec<&mut [f64]> = self.jac.chunks_mut(1).collect();
        if self
            .ode
            .jacobian
            .run(&inputs, &mut outputs, &self.ode.params)
            .is_err()
        {
            return false;
        }
        jac.copy_from_slice(&self.jac);
        true
    }
}
