//! PDE models as method-of-lines systems: a time-dependent 1-D model with one scalar field,
//! `pde`s solvable for `dt(u)` (affine in it), `initial u = f(x)`, and Dirichlet, Neumann or
//! periodic conditions at both ends. The right-hand side F in `u_t = F(x, t, u, u_x, …)` is
//! derived symbolically from the residual and compiled into a kernel evaluated at every grid
//! point; for spectral runs the terms linear in the jets with constant coefficients are split
//! off as the Fourier symbol L(k) of `u_t = L u + N(u)`.

use super::ode_system::NotAnOde as NotSupported;
use crate::check::{BoundaryLocation, EquationKind, FieldRef, Model, VarKind};
use crate::codegen::kernels::{cached, KernelPlan};
use crate::ir::diff::{differentiate, Leaf};
use crate::ir::lang::{reachable, Builder, Math, SymbolKind, Symbols};
use crate::ir::{lower_model, simplify, Lowered};
use egg::{Id, Language, Symbol};
use physc_runtime::Kernel;
use std::sync::Arc;

/// One end of the interval.
#[derive(Clone)]
pub enum End {
    Periodic,
    /// u = g(t) there.
    Dirichlet(Arc<Kernel<f64>>),
    /// u_x = g(t) there.
    Neumann(Arc<Kernel<f64>>),
}

pub struct CompiledPde {
    pub field: String,
    pub space: (String, f64, f64),
    pub time: (String, f64, f64),
    /// F, with inputs: u and its x-derivatives up to `order` (in that order), then x, t.
    pub rhs: Arc<Kernel<f64>>,
    /// N = F minus the constant-coefficient linear terms, same inputs as F.
    pub nonlinear: Arc<Kernel<f64>>,
    /// Coefficients c_m of the linear part Σ c_m ∂ₓᵐu (m = 0..=order).
    pub linear: Vec<f64>,
    pub order: usize,
    /// u0(x): input x, then t.
    pub initial: Arc<Kernel<f64>>,
    pub left: End,
    pub right: End,
    pub params: Vec<f64>,
    pub equation: String,
}

pub fn compile_pde(model: &Model) -> Result<CompiledPde, NotSupported> {
    let fail = |m: String| NotSupported(m);
    let space: Vec<_> = model.space().collect();
    let time = model
        .time()
        .ok_or_else(|| fail(format!("model `{}` has no time variable", model.name)))?;
    if space.len() != 1 || model.fields.len() != 1 || model.fields[0].components() != 1 {
        return Err(fail(
            "simulating pdes covers one scalar field in one space dimension for now".into(),
        ));
    }
    let (x, xvar) = space[0];
    let field = FieldRef {
        field: 0,
        component: 0,
    };
    let mut lowered = lower_model(model);
    let pdes: Vec<Id> = lowered
        .residuals
        .iter()
        .filter(|r| r.kind == EquationKind::Pde)
        .map(|r| r.root)
        .collect();
    let [residual] = pdes[..] else {
        return Err(fail(format!(
            "model `{}` needs exactly one pde to simulate",
            model.name
        )));
    };
    let jet = |lowered: &mut Lowered, wrt: Vec<usize>| {
        let name = jet_name(model, field, &wrt);
        lowered.symbols.intern(
            &name,
            SymbolKind::Jet { field, wrt },
            name.clone(),
            name.clone(),
        )
    };
    let u_t = jet(&mut lowered, vec![time]);
    let rhs = solve_for(&mut lowered.builder, residual, u_t)
        .ok_or_else(|| fail("the pde must be of the form `dt(u) = ...` (affine in dt(u), with a constant coefficient)".into()))?;
    // Jets of u by x only: u, u_x, u_xx, ...
    let mut order = 0;
    for id in reachable(&lowered.builder.expr, &[rhs]) {
        if let Math::Symbol(s) = lowered.builder.expr[id] {
            match lowered.symbols.get(s).map(|i| i.kind.clone()) {
                Some(SymbolKind::Jet { wrt, .. }) if wrt.iter().all(|&v| v == x) => {
                    order = order.max(wrt.len())
                }
                Some(SymbolKind::Jet { .. }) => {
                    return Err(fail(
                        "the right-hand side may only use derivatives in space".into(),
                    ))
                }
                _ => {}
            }
        }
    }
    let jets: Vec<Symbol> = (0..=order).map(|m| jet(&mut lowered, vec![x; m])).collect();
    let (linear, nonlinear) = split_linear(&mut lowered, rhs, &jets);
    let xs = var_symbol(&mut lowered, model, x);
    let ts = var_symbol(&mut lowered, model, time);
    let mut inputs = jets.clone();
    inputs.extend([xs, ts]);
    let (params, param_values) = parameters(&lowered.symbols, model);
    let simplified = simplify::simplify(
        &lowered.builder.expr,
        &[rhs, nonlinear],
        &Default::default(),
    );
    let plan = |expr: &egg::RecExpr<Math>, root: Id, inputs: Vec<Symbol>| KernelPlan {
        expr: expr.clone(),
        outputs: vec![("out".into(), root)],
        inputs,
        params: params.clone(),
        param_values: param_values.iter().map(|v| Some(*v)).collect(),
    };
    let compile = |p: KernelPlan| cached::<f64>(&p).map_err(|e| NotSupported(e.to_string()));
    let rhs_kernel = compile(plan(&simplified.expr, simplified.roots[0], inputs.clone()))?;
    let nonlinear_kernel = compile(plan(&simplified.expr, simplified.roots[1], inputs))?;
    let equation = format!(
        "dt({}) = {}",
        model.fields[0].name,
        crate::ir::print::source(&simplified.expr, simplified.roots[0], &lowered.symbols)
    );

    // Initial condition u0(x) and boundary values g(t), each a kernel over (x, t).
    let u0 = jet(&mut lowered, vec![]);
    let mut initial = None;
    let (mut left, mut right) = (None, None);
    let u_x = jet(&mut lowered, vec![x]);
    for r in &lowered.residuals {
        let lhs = lowered.builder.expr[r.lhs].clone();
        let value = || compile(plan(&lowered.builder.expr, r.rhs, vec![xs, ts]));
        match (&r.kind, lhs) {
            (EquationKind::Initial, Math::Symbol(s)) if s == u0 => initial = Some(value()?),
            (EquationKind::Boundary { location, .. }, Math::Symbol(s)) if s == u0 || s == u_x => {
                let end = if s == u0 { End::Dirichlet(value()?) } else { End::Neumann(value()?) };
                match location {
                    BoundaryLocation::Side { upper: false, .. } => left = Some(end),
                    BoundaryLocation::Side { upper: true, .. } => right = Some(end),
                    BoundaryLocation::Everywhere => {
                        left = Some(end.clone());
                        right = Some(end);
                    }
                    BoundaryLocation::Part(_) => {
                        return Err(fail(
                            "simulation runs on boxes; train a model whose domain is a shape".into(),
                        ))
                    }
                }
            }
            (EquationKind::Initial | EquationKind::Boundary { .. }, _) => {
                return Err(fail(
                    "conditions must read `initial u = f(x)`, `boundary u = g(t) at ...` or `boundary dx(u) = g(t) at ...`".into(),
                ))
            }
            _ => {}
        }
    }
    if model.periodic.iter().any(|p| p.var == x) {
        left = Some(End::Periodic);
        right = Some(End::Periodic);
    }
    let initial = initial.ok_or_else(|| fail("simulation needs `initial u = f(x)`".into()))?;
    let (Some(left), Some(right)) = (left, right) else {
        return Err(fail(format!(
            "simulation needs a condition at both ends of `{}`",
            xvar.name
        )));
    };
    let tvar = &model.variables[time];
    debug_assert_eq!(tvar.kind, VarKind::Time);
    Ok(CompiledPde {
        field: model.fields[0].name.clone(),
        space: (xvar.name.clone(), xvar.lo, xvar.hi),
        time: (tvar.name.clone(), tvar.lo, tvar.hi),
        rhs: rhs_kernel,
        nonlinear: nonlinear_kernel,
        linear,
        order,
        initial,
        left,
        right,
        params: param_values,
        equation,
    })
}

pub(super) fn jet_name(model: &Model, field: FieldRef, wrt: &[usize]) -> String {
    let base = model.field_ref_name(field);
    if wrt.is_empty() {
        base
    } else {
        let vars: Vec<&str> = wrt
            .iter()
            .map(|&v| model.variables[v].name.as_str())
            .collect();
        format!("{base}_{}", vars.concat())
    }
}

pub(super) fn var_symbol(lowered: &mut Lowered, model: &Model, v: usize) -> Symbol {
    let name = model.variables[v].name.clone();
    lowered
        .symbols
        .intern(&name, SymbolKind::Var(v), name.clone(), name.clone())
}

pub(super) fn parameters(symbols: &Symbols, model: &Model) -> (Vec<Symbol>, Vec<f64>) {
    symbols
        .iter()
        .filter_map(|s| match s.kind {
            SymbolKind::Const { value, .. } => Some((s.name, value)),
            SymbolKind::Param(p) => Some((s.name, model.params[p].guess)),
            _ => None,
        })
        .unzip()
}

/// For a residual r = c·s + g with a constant c = ∂r/∂s and g free of s, the value of s
/// that makes r vanish: -g / c.
pub(super) fn solve_for(b: &mut Builder, r: Id, s: Symbol) -> Option<Id> {
    let leaf = |t: Symbol| if t == s { Leaf::One } else { Leaf::Zero };
    let c = differentiate(b, r, &leaf);
    let c = constant_value(b, c)?;
    if c == 0.0 {
        return None;
    }
    let zero = b.num(0.0);
    let g = substitute(b, r, s, zero);
    let minus_c = b.num(-c);
    Some(b.quotient(g, minus_c))
}

/// `root` with the symbol `s` replaced by the expression `by`, rebuilt (and folded).
fn substitute(b: &mut Builder, root: Id, s: Symbol, by: Id) -> Id {
    let mut map: std::collections::HashMap<Id, Id> = std::collections::HashMap::new();
    for id in reachable(&b.expr, &[root]) {
        let node = b.expr[id].clone();
        let new = match node {
            Math::Symbol(t) if t == s => by,
            other => {
                let rebuilt = other.map_children(|c| map[&c]);
                rebuild(b, rebuilt)
            }
        };
        map.insert(id, new);
    }
    map[&root]
}

/// Add a node through the builder's folding constructors.
fn rebuild(b: &mut Builder, node: Math) -> Id {
    match node {
        Math::Add([x, y]) => b.sum(x, y),
        Math::Sub([x, y]) => b.difference(x, y),
        Math::Mul([x, y]) => b.product(x, y),
        Math::Div([x, y]) => b.quotient(x, y),
        Math::Pow([x, y]) => b.power(x, y),
        Math::Neg(x) => b.neg(x),
        Math::Num(_) | Math::Symbol(_) => b.add(node),
        other => b.call(other),
    }
}

/// The value of an expression without symbols, folded by the builder.
fn constant_value(b: &Builder, id: Id) -> Option<f64> {
    let has_symbols = reachable(&b.expr, &[id])
        .into_iter()
        .any(|n| matches!(b.expr[n], Math::Symbol(_)));
    if has_symbols {
        return None;
    }
    let v = crate::ir::eval::eval(&b.expr, id, &mut |_| f64::NAN);
    v.is_finite().then_some(v)
}

/// The value of an expression whose only symbols are constants (consts count as known
/// numbers), if finite.
pub(super) fn constant_coefficient(
    expr: &egg::RecExpr<Math>,
    id: Id,
    symbols: &Symbols,
) -> Option<f64> {
    let value = |s: Symbol| match symbols.get(s).map(|i| &i.kind) {
        Some(SymbolKind::Const { value, .. }) => Some(*value),
        _ => None,
    };
    let only_constants = reachable(expr, &[id]).into_iter().all(|n| match expr[n] {
        Math::Symbol(s) => value(s).is_some(),
        _ => true,
    });
    if !only_constants {
        return None;
    }
    let v = crate::ir::eval::eval(expr, id, &mut |s| value(s).unwrap_or(f64::NAN));
    v.is_finite().then_some(v)
}

/// Split F into Σ c_m jets[m] (the jets whose coefficient is a constant) and the rest.
fn split_linear(lowered: &mut Lowered, f: Id, jets: &[Symbol]) -> (Vec<f64>, Id) {
    let b = &mut lowered.builder;
    let mut coefficients = vec![0.0; jets.len()];
    let mut rest = f;
    for (m, &s) in jets.iter().enumerate() {
        let leaf = |t: Symbol| if t == s { Leaf::One } else { Leaf::Zero };
        let d = differentiate(b, f, &leaf);
        // Constant coefficients only; consts count as known numbers here.
        if let Some(c) = constant_coefficient(&b.expr, d, &lowered.symbols) {
            coefficients[m] = c;
            let s_id = b.sym(s);
            let c_id = b.num(c);
            let term = b.product(c_id, s_id);
            rest = b.difference(rest, term);
        }
    }
    (coefficients, rest)
}
