//! PDE models on tensor grids for the method of lines: one or two space axes and any number
//! of scalar fields (vector fields count by component), each with one `pde` solvable for
//! its `dt` (affine in it), an `initial` value, and on every side of the box a periodic
//! axis or a condition `a·u + b·∂u/∂axis = g(x, y, t)` with constant a and b (Dirichlet when
//! b = 0, Neumann when a = 0, Robin otherwise). All right-hand sides are one kernel over the
//! jets they read; each condition's g is a kernel over the coordinates and time.
//! `line_pde.rs` keeps the 1-D single-field case with its spectral and ETDRK4 options.

use super::line_pde::{constant_coefficient, jet_name, parameters, solve_for, var_symbol};
use super::ode_system::NotAnOde as NotSupported;
use crate::check::{BoundaryLocation, EquationKind, FieldRef, Model, VarId};
use crate::codegen::kernels::{cached, KernelPlan};
use crate::ir::diff::{differentiate, Leaf};
use crate::ir::lang::{reachable, Math, SymbolKind};
use crate::ir::{lower_model, simplify, Lowered};
use egg::{Id, Symbol};
use physc_runtime::Kernel;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Derivatives above this order per axis are not discretised.
pub const MAX_ORDER: usize = physc_runtime::mol::MAX_ORDER;

/// A jet the right-hand sides read: a field and its derivative order along each axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct JetNeed {
    pub field: usize,
    pub orders: [usize; 2],
}

/// What holds on one side of the box for one field.
#[derive(Clone)]
pub enum Side {
    Periodic,
    /// a·u + b·∂u/∂axis = g, g a kernel of (axes…, t).
    Condition {
        a: f64,
        b: f64,
        g: Arc<Kernel<f64>>,
        /// g does not depend on t (a Dirichlet value's rate is then 0).
        steady: bool,
    },
}

pub struct GridPde {
    /// Scalar fields (components), in state order.
    pub fields: Vec<String>,
    /// Space axes: name, lo, hi.
    pub axes: Vec<(String, f64, f64)>,
    pub time: (String, f64, f64),
    /// The rhs kernel's jet inputs, in order; then the axes' coordinates, then t.
    pub jets: Vec<JetNeed>,
    /// dt of every field, one output each.
    pub rhs: Arc<Kernel<f64>>,
    /// Initial values: inputs the axes' coordinates and t, one output per field.
    pub initial: Arc<Kernel<f64>>,
    /// `sides[field][axis]`: (lower, upper).
    pub sides: Vec<Vec<(Side, Side)>>,
    pub params: Vec<f64>,
    /// `dt(u) = …` per field, for reports.
    pub equations: Vec<String>,
}

impl GridPde {
    /// Highest pure derivative order of a field along an axis.
    pub fn order(&self, field: usize, axis: usize) -> usize {
        self.jets
            .iter()
            .filter(|j| j.field == field)
            .map(|j| j.orders[axis])
            .max()
            .unwrap_or(0)
    }
}

/// The model's lowered equations and the symbols the grid job names.
struct Context<'a> {
    model: &'a Model,
    lowered: Lowered,
    fields: Vec<FieldRef>,
    axes: Vec<VarId>,
    time: VarId,
}

impl Context<'_> {
    fn jet(&mut self, field: FieldRef, wrt: Vec<VarId>) -> Symbol {
        let name = jet_name(self.model, field, &wrt);
        self.lowered.symbols.intern(
            &name,
            SymbolKind::Jet { field, wrt },
            name.clone(),
            name.clone(),
        )
    }

    /// Jets (field index, sorted wrt) used under `root`.
    fn jets_under(&self, root: Id) -> Vec<(usize, Vec<VarId>, Symbol)> {
        reachable(&self.lowered.builder.expr, &[root])
            .into_iter()
            .filter_map(|id| match self.lowered.builder.expr[id] {
                Math::Symbol(s) => match self.lowered.symbols.get(s).map(|i| &i.kind) {
                    Some(SymbolKind::Jet { field, wrt }) => {
                        let f = self.fields.iter().position(|r| r == field)?;
                        Some((f, wrt.clone(), s))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    fn field_name(&self, f: usize) -> String {
        self.model.field_ref_name(self.fields[f])
    }

    fn axis_name(&self, a: usize) -> &str {
        &self.model.variables[self.axes[a]].name
    }
}

pub fn compile_grid_pde(model: &Model) -> Result<GridPde, NotSupported> {
    let fail = |m: String| NotSupported(m);
    let time = model
        .time()
        .ok_or_else(|| fail(format!("model `{}` has no time variable", model.name)))?;
    let axes: Vec<VarId> = model.space().map(|(v, _)| v).collect();
    if axes.is_empty() || axes.len() > 2 {
        return Err(fail(format!(
            "the method of lines covers one or two space dimensions; `{}` has {}",
            model.name,
            axes.len()
        )));
    }
    let mut fields = Vec::new();
    for (f, field) in model.fields.iter().enumerate() {
        if axes
            .iter()
            .chain([&time])
            .any(|v| !field.inputs.contains(v))
        {
            return Err(fail(format!(
                "field `{}` must depend on every space variable and on time to be simulated on a grid",
                field.name
            )));
        }
        fields.extend((0..field.components()).map(|component| FieldRef {
            field: f,
            component,
        }));
    }
    let mut cx = Context {
        model,
        lowered: lower_model(model),
        fields,
        axes,
        time,
    };
    let (rhs_roots, jets) = right_hand_sides(&mut cx)?;
    let coordinates: Vec<Symbol> = cx
        .axes
        .clone()
        .into_iter()
        .chain([time])
        .map(|v| var_symbol(&mut cx.lowered, model, v))
        .collect();
    let (params, param_values) = parameters(&cx.lowered.symbols, model);
    let plan =
        |expr: &egg::RecExpr<Math>, outputs: Vec<(String, Id)>, inputs: Vec<Symbol>| KernelPlan {
            expr: expr.clone(),
            outputs,
            inputs,
            params: params.clone(),
            param_values: param_values.iter().map(|v| Some(*v)).collect(),
        };
    let compile = |p: KernelPlan| cached::<f64>(&p).map_err(|e| NotSupported(e.to_string()));

    let simplified = simplify::simplify(&cx.lowered.builder.expr, &rhs_roots, &Default::default());
    let mut inputs: Vec<Symbol> = jets.iter().map(|(_, s)| *s).collect();
    inputs.extend(&coordinates);
    let outputs: Vec<(String, Id)> = (0..cx.fields.len())
        .map(|f| (format!("dt({})", cx.field_name(f)), simplified.roots[f]))
        .collect();
    let equations = outputs
        .iter()
        .map(|(lhs, root)| {
            let rhs = crate::ir::print::source(&simplified.expr, *root, &cx.lowered.symbols);
            format!("{lhs} = {rhs}")
        })
        .collect();
    let rhs = compile(plan(&simplified.expr, outputs, inputs))?;

    let initial_roots = initial_values(&mut cx)?;
    let outputs = initial_roots
        .iter()
        .enumerate()
        .map(|(f, &root)| (cx.field_name(f), root))
        .collect();
    let initial = compile(plan(&cx.lowered.builder.expr, outputs, coordinates.clone()))?;

    let conditions = side_conditions(&mut cx)?;
    let t_symbol = coordinates[coordinates.len() - 1];
    let mut sides = Vec::new();
    for (f, per_axis) in conditions.into_iter().enumerate() {
        let mut row = Vec::new();
        for (a, ends) in per_axis.into_iter().enumerate() {
            let periodic = model.periodic.iter().any(|p| p.var == cx.axes[a]);
            let side = |end: Option<(f64, f64, Id)>, upper: bool| {
                match end {
                None if periodic => Ok(Side::Periodic),
                Some(_) if periodic => Err(fail(format!(
                    "field `{}` has a boundary condition on the periodic axis `{}`",
                    cx.field_name(f),
                    cx.axis_name(a)
                ))),
                None => Err(fail(format!(
                    "field `{}` needs a condition at {} = {} (or the axis periodic) to be simulated",
                    cx.field_name(f),
                    cx.axis_name(a),
                    if upper { "its upper end" } else { "its lower end" }
                ))),
                Some((a_coef, b_coef, g)) => {
                    let steady = !reachable(&cx.lowered.builder.expr, &[g])
                        .into_iter()
                        .any(|id| cx.lowered.builder.expr[id] == Math::Symbol(t_symbol));
                    let name = "g".to_string();
                    let g = compile(plan(&cx.lowered.builder.expr, vec![(name, g)], coordinates.clone()))?;
                    Ok(Side::Condition { a: a_coef, b: b_coef, g, steady })
                }
            }
            };
            row.push((side(ends[0], false)?, side(ends[1], true)?));
        }
        sides.push(row);
    }

    let var = |v: VarId| {
        let x = &model.variables[v];
        (x.name.clone(), x.lo, x.hi)
    };
    Ok(GridPde {
        fields: (0..cx.fields.len()).map(|f| cx.field_name(f)).collect(),
        axes: cx.axes.iter().map(|&v| var(v)).collect(),
        time: var(time),
        jets: jets.into_iter().map(|(need, _)| need).collect(),
        rhs,
        initial,
        sides,
        params: param_values,
        equations,
    })
}

/// dt of every field solved from its pde, and the space jets they read (sorted).
#[allow(clippy::type_complexity)]
fn right_hand_sides(cx: &mut Context) -> Result<(Vec<Id>, Vec<(JetNeed, Symbol)>), NotSupported> {
    let fail = |m: String| NotSupported(m);
    let time = cx.time;
    let pdes: Vec<Id> = cx
        .lowered
        .residuals
        .iter()
        .filter(|r| r.kind == EquationKind::Pde)
        .map(|r| r.root)
        .collect();
    let mut rhs: Vec<Option<Id>> = vec![None; cx.fields.len()];
    for root in pdes {
        let timed: Vec<_> = cx
            .jets_under(root)
            .into_iter()
            .filter(|(_, wrt, _)| wrt.contains(&time))
            .collect();
        let [(f, wrt, _)] = &timed[..] else {
            return Err(fail(
                "each pde must contain the time derivative of exactly one field, as in `dt(u) = ...`".into(),
            ));
        };
        if wrt != &[time] {
            return Err(fail(format!(
                "only first derivatives in time can be simulated; write `{}` as a first-order system (introduce its velocity as a field)",
                jet_name(cx.model, cx.fields[*f], wrt)
            )));
        }
        if rhs[*f].is_some() {
            return Err(fail(format!(
                "field `{}` has more than one pde",
                cx.field_name(*f)
            )));
        }
        let u_t = cx.jet(cx.fields[*f], vec![time]);
        rhs[*f] = Some(
            solve_for(&mut cx.lowered.builder, root, u_t).ok_or_else(|| {
                fail(format!(
                    "the pde of `{}` must be affine in dt({0}) with a constant coefficient",
                    cx.field_name(*f)
                ))
            })?,
        );
    }
    let mut roots = Vec::new();
    for (f, r) in rhs.into_iter().enumerate() {
        roots.push(r.ok_or_else(|| fail(format!("field `{}` has no pde", cx.field_name(f))))?);
    }
    let mut needs: BTreeMap<JetNeed, Symbol> = BTreeMap::new();
    for f in 0..cx.fields.len() {
        // Every field's value is an input, so a field no equation reads still has a column.
        let value = cx.jet(cx.fields[f], vec![]);
        needs.insert(
            JetNeed {
                field: f,
                orders: [0, 0],
            },
            value,
        );
    }
    for (f, wrt, s) in roots.iter().flat_map(|&r| cx.jets_under(r)) {
        let mut orders = [0; 2];
        for v in &wrt {
            let a = cx.axes.iter().position(|x| x == v).ok_or_else(|| {
                fail("a right-hand side may only use derivatives in space".into())
            })?;
            orders[a] += 1;
        }
        if orders.iter().any(|&o| o > MAX_ORDER) {
            return Err(fail(format!(
                "derivatives up to order {MAX_ORDER} per axis can be simulated, not `{}`",
                jet_name(cx.model, cx.fields[f], &wrt)
            )));
        }
        needs.insert(JetNeed { field: f, orders }, s);
    }
    Ok((roots, needs.into_iter().collect()))
}

/// `initial u = f(x, …)` of every field.
fn initial_values(cx: &mut Context) -> Result<Vec<Id>, NotSupported> {
    let mut roots = vec![None; cx.fields.len()];
    let values: HashMap<Symbol, usize> = (0..cx.fields.len())
        .map(|f| (cx.jet(cx.fields[f], vec![]), f))
        .collect();
    for r in &cx.lowered.residuals {
        if r.kind != EquationKind::Initial {
            continue;
        }
        match cx.lowered.builder.expr[r.lhs] {
            Math::Symbol(s) if values.contains_key(&s) => roots[values[&s]] = Some(r.rhs),
            _ => {
                return Err(NotSupported(
                    "initial conditions must read `initial u = f(x, ...)`".into(),
                ))
            }
        }
    }
    roots
        .into_iter()
        .enumerate()
        .map(|(f, r)| {
            r.ok_or_else(|| {
                NotSupported(format!(
                    "simulation needs `initial {} = ...`",
                    cx.field_name(f)
                ))
            })
        })
        .collect()
}

/// One side's condition: (a, b, g) of a·u + b·u_axis = g.
type Condition = Option<(f64, f64, Id)>;

/// `[field][axis][lower, upper]` conditions from the `boundary` equations.
fn side_conditions(cx: &mut Context) -> Result<Vec<Vec<[Condition; 2]>>, NotSupported> {
    let fail = |m: String| NotSupported(m);
    let mut sides = vec![vec![[None; 2]; cx.axes.len()]; cx.fields.len()];
    let boundaries: Vec<(Id, BoundaryLocation)> = cx
        .lowered
        .residuals
        .iter()
        .filter_map(|r| match r.kind {
            EquationKind::Boundary { location, .. } => Some((r.root, location)),
            _ => None,
        })
        .collect();
    for (root, location) in boundaries {
        let jets = cx.jets_under(root);
        let Some(&(f, _, _)) = jets.first() else {
            return Err(fail("a boundary condition must involve a field".into()));
        };
        if jets.iter().any(|(g, _, _)| *g != f) {
            return Err(fail(
                "a boundary condition may involve one field only to be simulated".into(),
            ));
        }
        let places: Vec<(usize, bool)> = match location {
            BoundaryLocation::Side { var, upper, .. } => {
                let a = cx.axes.iter().position(|&x| x == var).ok_or_else(|| {
                    fail("boundary conditions must hold on sides of the space box".into())
                })?;
                vec![(a, upper)]
            }
            BoundaryLocation::Everywhere => (0..cx.axes.len())
                .flat_map(|a| [(a, false), (a, true)])
                .collect(),
            BoundaryLocation::Part(_) => {
                return Err(fail(
                    "simulation runs on boxes; train a model whose domain is a shape".into(),
                ))
            }
        };
        for (a, upper) in places {
            let condition = affine_condition(cx, root, f, a)?;
            let slot = &mut sides[f][a][usize::from(upper)];
            if slot.is_some() {
                return Err(fail(format!(
                    "field `{}` has two conditions on one side of `{}`",
                    cx.field_name(f),
                    cx.axis_name(a)
                )));
            }
            *slot = Some(condition);
        }
    }
    Ok(sides)
}

/// Read a boundary residual r = a·u + b·u_axis − g as (a, b, g).
fn affine_condition(
    cx: &mut Context,
    root: Id,
    f: usize,
    axis: usize,
) -> Result<(f64, f64, Id), NotSupported> {
    let field = cx.fields[f];
    let u = cx.jet(field, vec![]);
    let u_n = cx.jet(field, vec![cx.axes[axis]]);
    let message = format!(
        "boundary conditions on the {axis_name} sides must read `a * {u} + b * d{axis_name}({u}) = g` with constant a and b",
        axis_name = cx.axis_name(axis),
        u = cx.field_name(f),
    );
    let shape = || NotSupported(message.clone());
    if cx
        .jets_under(root)
        .iter()
        .any(|(_, _, s)| *s != u && *s != u_n)
    {
        return Err(shape());
    }
    let mut coefficient = |s: Symbol| {
        let leaf = |t: Symbol| if t == s { Leaf::One } else { Leaf::Zero };
        let d = differentiate(&mut cx.lowered.builder, root, &leaf);
        constant_coefficient(&cx.lowered.builder.expr, d, &cx.lowered.symbols)
    };
    let (a, b) = (
        coefficient(u).ok_or_else(shape)?,
        coefficient(u_n).ok_or_else(shape)?,
    );
    if a == 0.0 && b == 0.0 {
        return Err(shape());
    }
    let zero = cx.lowered.builder.num(0.0);
    let map = HashMap::from([(u, zero), (u_n, zero)]);
    let rest = cx.lowered.builder.substitute(root, &map);
    let g = cx.lowered.builder.neg(rest);
    Ok((a, b, g))
}
