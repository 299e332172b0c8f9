//! What training minimises, planned from the model: every residual becomes part of a loss
//! term (its kind, where its points lie, its weight), the residuals are rewritten through
//! hard constraints so they speak of the network's own outputs, and each term gets one
//! fused kernel computing its residuals and their sensitivities. Each kernel input and each
//! sensitivity is mapped to where its numbers live at run time: a point coordinate, a
//! derivative of a network output, an observed value, or a learnable parameter.

use crate::check::settings::{LossWeights, TrainSettings};
use crate::check::{BoundaryLocation, EquationKind, FieldRef, IntegralRegion, Model, VarId};
use crate::codegen::kernels::KernelPlan;
use crate::ir::lang::SymbolKind;
use crate::ir::lower::lower_model;
use crate::ir::pipeline::simplify_lowered;
use crate::ir::simplify::Limits;
use egg::{Id, Symbol};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    Pde,
    Constraint,
    Initial,
    Boundary,
    Data,
}

impl TermKind {
    pub fn weight(self, w: &LossWeights) -> f64 {
        match self {
            TermKind::Pde => w.pde,
            TermKind::Constraint => w.constraint,
            TermKind::Initial => w.initial,
            TermKind::Boundary => w.boundary,
            TermKind::Data => w.data,
        }
    }
}

/// Where a term's points lie, in the network's input coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    Interior,
    /// The time input at its start.
    Initial,
    /// One input held at one end of its interval.
    Side {
        input: usize,
        value: f64,
    },
    /// All sides of the spatial box, or the whole boundary of the problem's `domain`.
    AllSides,
    /// The part `Problem::domain.parts[i]` of the domain's boundary.
    Part(usize),
    /// The observation points of data source `k`.
    Data(usize),
}

/// A number the kernel reads per point.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Coordinate(usize),
    /// Derivative `jet` (multi-index over network inputs) of network output `output`.
    Net {
        jet: Vec<usize>,
        output: usize,
    },
    /// Column `k` of the term's observations.
    Observed(usize),
    /// Component `i` of the outward unit normal at the term's (boundary) points.
    Normal(usize),
}

/// What a sensitivity is the derivative with respect to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Net { jet: Vec<usize>, output: usize },
    Param(usize),
}

/// A kernel parameter: a known constant or a learnable parameter of the model.
#[derive(Debug, Clone, PartialEq)]
pub enum KernelParam {
    Constant(f64),
    Learnable(usize),
}

#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    pub kind: TermKind,
    pub region: Region,
    pub weight: f64,
    pub residuals: Vec<String>,
    /// Outputs: the residuals, then every sensitivity in `sensitivities` order.
    pub plan: KernelPlan,
    pub sources: Vec<Source>,
    pub params: Vec<KernelParam>,
    /// For each sensitivity output: the residual (index into `residuals`) and the target.
    pub sensitivities: Vec<(usize, Target)>,
    /// Number of points to draw (ignored for data terms, which use their observations).
    pub points: usize,
}

impl Term {
    /// Every network derivative the term reads or differentiates against.
    pub fn jets(&self) -> Vec<Vec<usize>> {
        let mut jets: Vec<Vec<usize>> = self
            .sources
            .iter()
            .filter_map(|s| match s {
                Source::Net { jet, .. } => Some(jet.clone()),
                _ => None,
            })
            .chain(self.sensitivities.iter().filter_map(|(_, t)| match t {
                Target::Net { jet, .. } => Some(jet.clone()),
                _ => None,
            }))
            .collect();
        jets.sort();
        jets.dedup();
        jets
    }
}

/// Observations for one `data` source: coordinates (one column per network input) and
/// observed values (one column per field component it names).
#[derive(Debug, Clone)]
pub struct Observations {
    pub coordinates: Vec<Vec<f64>>,
    pub values: Vec<Vec<f64>>,
    pub names: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub model: String,
    /// Variables fed to the network, in network-input order.
    pub inputs: Vec<VarId>,
    pub input_names: Vec<String>,
    pub bounds: Vec<(f64, f64)>,
    pub time_input: Option<usize>,
    pub periods: Vec<Option<f64>>,
    /// Field components, in network-output order.
    pub outputs: Vec<FieldRef>,
    pub output_names: Vec<String>,
    pub terms: Vec<Term>,
    /// Field values from the network outputs (identity unless hard-constrained).
    pub fields: FieldsPlan,
    pub params: Vec<LearnableParam>,
    /// The shape the space inputs range over when it is not their box.
    pub domain: Option<TrainDomain>,
    /// Which network gives which outputs from which inputs, in `TrainSettings::nets`
    /// order.
    pub networks: Vec<NetworkLayout>,
    /// The model's `integral`s, evaluated after training.
    pub integrals: Vec<IntegralPlan>,
}

/// An `integral` of the model: its integrand compiled like a loss term's residual (one
/// output, no sensitivities) and where it is integrated.
#[derive(Debug, Clone)]
pub struct IntegralPlan {
    pub name: String,
    /// `Interior` (the domain), `AllSides` (the whole boundary of the shape) or `Part(i)`.
    pub region: Region,
    pub plan: KernelPlan,
    pub sources: Vec<Source>,
    pub params: Vec<KernelParam>,
}

impl IntegralPlan {
    /// Every network derivative the integrand reads.
    pub fn jets(&self) -> Vec<Vec<usize>> {
        let mut jets: Vec<Vec<usize>> = self
            .sources
            .iter()
            .filter_map(|s| match s {
                Source::Net { jet, .. } => Some(jet.clone()),
                _ => None,
            })
            .collect();
        jets.sort();
        jets.dedup();
        jets
    }
}

/// One network of a training problem: its inputs (indices into `Problem::inputs`) and its
/// outputs (indices into `Problem::outputs`), both in the network's own order.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkLayout {
    pub name: String,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
}

/// A domain that is not a box: where interior and boundary points are drawn, and where the
/// output grid holds values (NaN elsewhere).
#[derive(Debug, Clone)]
pub struct TrainDomain {
    pub shape: physc_runtime::geometry::Shape,
    /// The network input of each of the shape's coordinates (the space variables in order).
    pub inputs: Vec<usize>,
    /// Part names, indexed by `Region::Part`.
    pub parts: Vec<String>,
}

/// A learnable parameter of the model: its name, initial guess and bounds.
#[derive(Debug, Clone)]
pub struct LearnableParam {
    pub name: String,
    pub guess: f64,
    pub bounds: Option<(f64, f64)>,
}

/// Residuals of one kind at one place, before they get a kernel.
struct Group {
    name: String,
    kind: TermKind,
    region: Region,
    residuals: Vec<(String, Id)>,
}

#[derive(Debug, Clone)]
pub struct FieldsPlan {
    pub plan: KernelPlan,
    pub sources: Vec<Source>,
    pub params: Vec<KernelParam>,
}

/// Why a model cannot be trained as written.
pub type PlanError = String;

pub fn plan(
    model: &Model,
    config: &TrainSettings,
    observations: &[Observations],
) -> Result<Problem, PlanError> {
    let inputs = config.inputs();
    for net in &config.nets {
        if let Some(f) = net
            .fields
            .iter()
            .map(|&f| &model.fields[f])
            .find(|f| f.inputs.iter().any(|v| !net.inputs.contains(v)))
        {
            return Err(format!(
                "field `{}` depends on a variable its network does not take as input",
                f.name
            ));
        }
    }
    let outputs: Vec<FieldRef> = model
        .fields
        .iter()
        .enumerate()
        .flat_map(|(field, f)| {
            (0..f.components()).map(move |component| FieldRef { field, component })
        })
        .collect();
    let input_of = |v: VarId| inputs.iter().position(|&i| i == v);
    let networks = config
        .nets
        .iter()
        .map(|net| NetworkLayout {
            name: net.name.clone(),
            inputs: net.inputs.iter().filter_map(|&v| input_of(v)).collect(),
            outputs: outputs
                .iter()
                .enumerate()
                .filter(|(_, o)| net.fields.contains(&o.field))
                .map(|(k, _)| k)
                .collect(),
        })
        .collect();
    let time_input = model.time().and_then(input_of);
    let periods = inputs
        .iter()
        .map(|&v| {
            let var = &model.variables[v];
            model
                .periodic
                .iter()
                .any(|p| p.var == v)
                .then_some(var.hi - var.lo)
        })
        .collect();

    let domain = match &model.domain {
        None => None,
        Some(d) => {
            let space: Vec<usize> = model
                .space()
                .map(|(v, var)| {
                    if model.periodic.iter().any(|p| p.var == v) {
                        return Err(format!(
                            "`{}` is periodic, but the model's domain is a shape",
                            var.name
                        ));
                    }
                    input_of(v).ok_or_else(|| {
                        format!(
                            "a shaped domain needs every space variable as a network input, not `{}`",
                            var.name
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            Some(TrainDomain {
                shape: d.shape.clone(),
                inputs: space,
                parts: d.parts.clone(),
            })
        }
    };
    let mut lowered = lower_model(model);
    let mut groups: Vec<Group> = Vec::new();
    for r in lowered.residuals.clone() {
        let (kind, region) = term_of(&r.kind, model, &input_of)?;
        let root = lowered.through_constraints(r.root).ok_or_else(|| {
            format!(
                "residual `{}` uses a derivative the hard constraint does not define",
                r.name
            )
        })?;
        match groups
            .iter_mut()
            .find(|g| g.kind == kind && g.region == region)
        {
            Some(g) => g.residuals.push((r.name.clone(), root)),
            None => groups.push(Group {
                name: r.name.clone(),
                kind,
                region,
                residuals: vec![(r.name.clone(), root)],
            }),
        }
    }
    for (k, obs) in observations.iter().enumerate() {
        let mut residuals = Vec::new();
        for (j, name) in obs.names.iter().enumerate() {
            let field = outputs
                .iter()
                .copied()
                .find(|&f| model.field_ref_name(f) == *name)
                .ok_or_else(|| format!("data names `{name}`, which is not a field of the model"))?;
            let value = lowered.value_jet(model, field);
            let value = lowered.through_constraints(value).ok_or_else(|| {
                format!("data for `{name}` needs its value through the hard constraint")
            })?;
            let observed = lowered.symbols.intern(
                &format!("{name}_obs"),
                SymbolKind::Free(format!("observed {j}")),
                format!("{name}_obs"),
                format!("{name}_{{obs}}"),
            );
            let observed = lowered.builder.sym(observed);
            let misfit = lowered.builder.difference(value, observed);
            residuals.push((format!("data {name}"), misfit));
        }
        let name = if model.data.len() == 1 {
            "data".to_string()
        } else {
            format!("data.{}", k + 1)
        };
        groups.push(Group {
            name,
            kind: TermKind::Data,
            region: Region::Data(k),
            residuals,
        });
    }
    let mut field_roots = Vec::new();
    for &f in &outputs {
        let value = lowered.value_jet(model, f);
        let value = lowered.through_constraints(value).ok_or_else(|| {
            format!(
                "the hard constraint on `{}` does not define its value",
                model.field_ref_name(f)
            )
        })?;
        field_roots.push(value);
    }

    if !lowered.integrals.is_empty() {
        if let Some((_, var)) = model.space().find(|(v, _)| input_of(*v).is_none()) {
            return Err(format!(
                "an integral needs every space variable as a network input, not `{}`",
                var.name
            ));
        }
    }
    let mut integral_roots = Vec::new();
    for i in lowered.integrals.clone() {
        let root = lowered.through_constraints(i.root).ok_or_else(|| {
            format!(
                "integral `{}` uses a derivative the hard constraint does not define",
                i.name
            )
        })?;
        let region = match i.over {
            IntegralRegion::Domain => Region::Interior,
            IntegralRegion::Boundary(BoundaryLocation::Part(p)) => Region::Part(p),
            IntegralRegion::Boundary(_) => Region::AllSides,
        };
        integral_roots.push((i.name, region, root));
    }

    let mut roots: Vec<Id> = groups
        .iter()
        .flat_map(|g| g.residuals.iter().map(|(_, id)| *id))
        .collect();
    let n_residuals = roots.len();
    roots.extend(&field_roots);
    roots.extend(integral_roots.iter().map(|(_, _, id)| *id));
    let simplified = simplify_lowered(lowered, &roots, &Limits::default());
    let symbols = &simplified.lowered.symbols;
    let resolve = |s: Symbol| -> Result<Source, PlanError> {
        match symbols.get(s).map(|i| &i.kind) {
            Some(SymbolKind::Var(v)) => input_of(*v).map(Source::Coordinate).ok_or_else(|| {
                format!(
                    "the network does not take `{}` as input",
                    model.variables[*v].name
                )
            }),
            Some(SymbolKind::Jet { field, wrt } | SymbolKind::NetJet { field, wrt }) => {
                let output = outputs.iter().position(|o| o == field).unwrap_or(0);
                let jet = wrt.iter().map(|&v| input_of(v).unwrap_or(0)).collect();
                Ok(Source::Net { jet, output })
            }
            Some(SymbolKind::Normal(i)) => Ok(Source::Normal(*i)),
            Some(SymbolKind::Free(tag)) => Ok(Source::Observed(
                tag.trim_start_matches("observed ").parse().unwrap_or(0),
            )),
            _ => Err(format!("unexpected symbol `{s}` in a residual")),
        }
    };
    let kernel_params = |plan: &KernelPlan| -> Vec<KernelParam> {
        plan.params
            .iter()
            .zip(&plan.param_values)
            .map(|(s, v)| match (v, symbols.get(*s).map(|i| &i.kind)) {
                (Some(value), _) => KernelParam::Constant(*value),
                (None, Some(SymbolKind::Param(p))) => KernelParam::Learnable(*p),
                _ => KernelParam::Constant(f64::NAN),
            })
            .collect()
    };

    let mut terms = Vec::new();
    let mut next = 0;
    let boundary_terms = groups
        .iter()
        .filter(|g| g.kind == TermKind::Boundary)
        .count()
        .max(1);
    for Group {
        name,
        kind,
        region,
        residuals,
    } in groups
    {
        let mut outputs_spec = Vec::new();
        let mut sens = Vec::new();
        for (k, (rname, _)) in residuals.iter().enumerate() {
            outputs_spec.push((rname.clone(), simplified.residuals[next + k]));
        }
        for (k, (rname, _)) in residuals.iter().enumerate() {
            let i = next + k;
            for (s, &root) in simplified.sensitivities[i]
                .iter()
                .zip(&simplified.sensitivity_roots[i])
            {
                let target = match symbols.get(s.wrt).map(|i| &i.kind) {
                    Some(SymbolKind::Param(p)) => Target::Param(*p),
                    _ => match resolve(s.wrt)? {
                        Source::Net { jet, output } => Target::Net { jet, output },
                        _ => continue,
                    },
                };
                outputs_spec.push((format!("d {rname} / d {}", s.wrt), root));
                sens.push((k, target));
            }
        }
        next += residuals.len();
        let plan = KernelPlan::new(simplified.expr(), outputs_spec, symbols);
        let sources = plan
            .inputs
            .iter()
            .map(|&s| resolve(s))
            .collect::<Result<_, _>>()?;
        let params = kernel_params(&plan);
        let points = match kind {
            TermKind::Pde | TermKind::Constraint => config.points.interior,
            TermKind::Initial => config.points.initial,
            TermKind::Boundary => (config.points.boundary / boundary_terms).max(1),
            TermKind::Data => 0,
        };
        terms.push(Term {
            name,
            kind,
            region,
            weight: kind.weight(&config.weights),
            residuals: residuals.into_iter().map(|(n, _)| n).collect(),
            plan,
            sources,
            params,
            sensitivities: sens,
            points,
        });
    }
    let field_outputs: Vec<(String, Id)> = outputs
        .iter()
        .zip(&simplified.result.roots[n_residuals..])
        .map(|(&f, &id)| (model.field_ref_name(f), id))
        .collect();
    let fields_plan = KernelPlan::new(simplified.expr(), field_outputs, symbols);
    let fields = FieldsPlan {
        sources: fields_plan
            .inputs
            .iter()
            .map(|&s| resolve(s))
            .collect::<Result<_, _>>()?,
        params: kernel_params(&fields_plan),
        plan: fields_plan,
    };
    let first_integral = n_residuals + outputs.len();
    let integrals = integral_roots
        .into_iter()
        .enumerate()
        .map(|(k, (name, region, _))| {
            let root = simplified.residuals[first_integral + k];
            let plan = KernelPlan::new(simplified.expr(), vec![(name.clone(), root)], symbols);
            Ok(IntegralPlan {
                sources: plan
                    .inputs
                    .iter()
                    .map(|&s| resolve(s))
                    .collect::<Result<_, PlanError>>()?,
                params: kernel_params(&plan),
                name,
                region,
                plan,
            })
        })
        .collect::<Result<_, PlanError>>()?;
    Ok(Problem {
        model: model.name.clone(),
        input_names: inputs
            .iter()
            .map(|&v| model.variables[v].name.clone())
            .collect(),
        bounds: inputs
            .iter()
            .map(|&v| (model.variables[v].lo, model.variables[v].hi))
            .collect(),
        inputs,
        time_input,
        periods,
        networks,
        output_names: outputs.iter().map(|&f| model.field_ref_name(f)).collect(),
        outputs,
        terms,
        fields,
        params: model
            .params
            .iter()
            .map(|p| LearnableParam {
                name: p.name.clone(),
                guess: p.guess,
                bounds: p.bounds,
            })
            .collect(),
        domain,
        integrals,
    })
}

fn term_of(
    kind: &EquationKind,
    model: &Model,
    input_of: &impl Fn(VarId) -> Option<usize>,
) -> Result<(TermKind, Region), PlanError> {
    Ok(match kind {
        EquationKind::Pde | EquationKind::Ode { .. } => (TermKind::Pde, Region::Interior),
        EquationKind::Constraint => (TermKind::Constraint, Region::Interior),
        EquationKind::Initial => {
            if model.time().and_then(input_of).is_none() {
                return Err("an initial condition needs time as a network input".into());
            }
            (TermKind::Initial, Region::Initial)
        }
        EquationKind::Boundary { location, .. } => match location {
            BoundaryLocation::Side { var, value, .. } => {
                let input = input_of(*var).ok_or_else(|| {
                    format!(
                        "a boundary condition at `{}` needs it as a network input",
                        model.variables[*var].name
                    )
                })?;
                (
                    TermKind::Boundary,
                    Region::Side {
                        input,
                        value: *value,
                    },
                )
            }
            BoundaryLocation::Everywhere => {
                let bounded = model
                    .space()
                    .any(|(v, _)| !model.periodic.iter().any(|p| p.var == v));
                if !bounded {
                    return Err(
                        "`on boundary` has no side to hold on: every space direction is periodic"
                            .into(),
                    );
                }
                (TermKind::Boundary, Region::AllSides)
            }
            BoundaryLocation::Part(i) => (TermKind::Boundary, Region::Part(*i)),
        },
    })
}
