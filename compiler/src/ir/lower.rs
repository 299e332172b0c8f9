//! Lowering: a checked model becomes named residuals in the IR. Every `pde`, `ode`,
//! `initial`, `boundary` and soft `constraint` component becomes `residual = lhs - rhs` over
//! coordinates, constants, parameters and jet variables; derivatives of compound expressions
//! are expanded (product and chain rules) until only jets of fields remain. Lowering also
//! reports the exact jet set each field needs, and, for fields defined by a hard constraint,
//! the expression of each needed jet in terms of the network output's jets.

use super::diff::{differentiate, Leaf};
use super::lang::{reachable, Builder, Math, SymbolKind, Symbols};
use crate::check::{self, EquationKind, FieldRef, Model, VarId};
use crate::source::Span;
use egg::{Id, Symbol};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct Residual {
    /// A short unique name: `pde`, `pde.2`, `initial`, `boundary.3`, with the component
    /// (`pde.x`) for vector equations.
    pub name: String,
    pub kind: EquationKind,
    pub lhs: Id,
    pub rhs: Id,
    /// `lhs - rhs`.
    pub root: Id,
    pub span: Span,
}

/// The jets each field component needs: sorted multi-indices of coordinates (empty for the
/// value itself).
pub type JetSet = BTreeMap<FieldRef, BTreeSet<Vec<VarId>>>;

/// A field defined by a hard constraint: each of its needed jets, as an expression of the
/// network output's jets (symbols of kind `NetJet`).
#[derive(Debug, Clone)]
pub struct LoweredConstraint {
    pub field: FieldRef,
    pub jets: Vec<(Vec<VarId>, Id)>,
}

#[derive(Debug, Clone)]
pub struct Lowered {
    pub model: String,
    pub builder: Builder,
    pub symbols: Symbols,
    pub residuals: Vec<Residual>,
    /// Jets the residuals use, per field component.
    pub jets: JetSet,
    pub constraints: Vec<LoweredConstraint>,
    /// Jets of the raw network output that hard constraints need.
    pub net_jets: JetSet,
    /// Each `integral`'s integrand, in declaration order.
    pub integrals: Vec<LoweredIntegral>,
}

/// An `integral`'s integrand lowered like a residual (not part of any loss).
#[derive(Debug, Clone)]
pub struct LoweredIntegral {
    pub name: String,
    pub over: check::IntegralRegion,
    pub root: Id,
}

impl Lowered {
    pub fn roots(&self) -> Vec<Id> {
        self.residuals.iter().map(|r| r.root).collect()
    }

    /// The highest derivative order any field needs.
    pub fn max_order(&self) -> usize {
        self.jets
            .values()
            .chain(self.net_jets.values())
            .flat_map(|set| set.iter().map(Vec::len))
            .max()
            .unwrap_or(0)
    }
}

impl Lowered {
    /// The symbol of a field component's value, created if no residual uses it yet.
    pub fn value_jet(&mut self, model: &Model, field: FieldRef) -> Id {
        let name = model.field_ref_name(field);
        let latex = latex_name(&name);
        let kind = SymbolKind::Jet {
            field,
            wrt: Vec::new(),
        };
        let s = self.symbols.intern(&name, kind, name.clone(), latex);
        self.builder.sym(s)
    }

    /// `root` with the jets of hard-constrained fields replaced by their expressions in the
    /// network output's jets: what training differentiates. `None` when a jet it needs has
    /// no expression (the constraint was lowered only for the residuals' jets).
    pub fn through_constraints(&mut self, root: Id) -> Option<Id> {
        let mut map = std::collections::HashMap::new();
        for c in &self.constraints {
            for (wrt, id) in &c.jets {
                let symbol = self.symbols.iter().find(|i| {
                    matches!(&i.kind, SymbolKind::Jet { field, wrt: w } if *field == c.field && w == wrt)
                });
                if let Some(s) = symbol {
                    map.insert(s.name, *id);
                }
            }
        }
        let constrained: BTreeSet<FieldRef> = self.constraints.iter().map(|c| c.field).collect();
        let missing = reachable(&self.builder.expr, &[root])
            .into_iter()
            .any(|id| {
                let Math::Symbol(s) = self.builder.expr[id] else {
                    return false;
                };
                match self.symbols.get(s).map(|i| &i.kind) {
                    Some(SymbolKind::Jet { field, .. }) => {
                        constrained.contains(field) && !map.contains_key(&s)
                    }
                    _ => false,
                }
            });
        (!missing).then(|| self.builder.substitute(root, &map))
    }
}

pub fn lower_model(model: &Model) -> Lowered {
    let mut lowering = Lowering {
        model,
        builder: Builder::new(),
        symbols: Symbols::default(),
    };
    let mut residuals = Vec::new();
    // Components of one vector equation share its number: `pde.x`, `pde.y`, then `pde.2`.
    let mut numbers: BTreeMap<String, Vec<Span>> = BTreeMap::new();
    for eq in &model.equations {
        let lhs = lowering.expr(&eq.lhs);
        let rhs = lowering.expr(&eq.rhs);
        let root = lowering.builder.difference(lhs, rhs);
        let base = eq.kind.keyword().to_string();
        let seen = numbers.entry(base.clone()).or_default();
        let n = match seen.iter().position(|s| *s == eq.span) {
            Some(i) => i + 1,
            None => {
                seen.push(eq.span);
                seen.len()
            }
        };
        let mut name = if n == 1 { base } else { format!("{base}.{n}") };
        if let Some(c) = &eq.component {
            name = format!("{name}.{c}");
        }
        residuals.push(Residual {
            name,
            kind: eq.kind.clone(),
            lhs,
            rhs,
            root,
            span: eq.span,
        });
    }
    let integrals: Vec<LoweredIntegral> = model
        .integrals
        .iter()
        .map(|i| LoweredIntegral {
            name: i.name.clone(),
            over: i.over,
            root: lowering.expr(&i.integrand),
        })
        .collect();
    let roots: Vec<Id> = residuals.iter().map(|r| r.root).collect();
    let jets = lowering.jets_used(&roots, false);
    // Hard constraints are expanded for the jets the integrands read as well.
    let mut with_integrals = roots;
    with_integrals.extend(integrals.iter().map(|i| i.root));
    let expanded = lowering.jets_used(&with_integrals, false);
    let mut constraints = Vec::new();
    for h in &model.hard_constraints {
        let transform = lowering.expr(&h.transform);
        // The value is always expanded: outputs and data need it even when no equation does.
        let mut needed = expanded.get(&h.field).cloned().unwrap_or_default();
        needed.insert(Vec::new());
        let mut list = Vec::new();
        for wrt in needed {
            let mut id = transform;
            for &v in &wrt {
                id = lowering.by_coordinate(id, v);
            }
            list.push((wrt, id));
        }
        constraints.push(LoweredConstraint {
            field: h.field,
            jets: list,
        });
    }
    let constraint_roots: Vec<Id> = constraints
        .iter()
        .flat_map(|c| c.jets.iter().map(|(_, id)| *id))
        .collect();
    let net_jets = lowering.jets_used(&constraint_roots, true);
    Lowered {
        model: model.name.clone(),
        builder: lowering.builder,
        symbols: lowering.symbols,
        residuals,
        jets,
        constraints,
        net_jets,
        integrals,
    }
}

struct Lowering<'m> {
    model: &'m Model,
    builder: Builder,
    symbols: Symbols,
}

impl Lowering<'_> {
    fn var_names(&self, wrt: &[VarId]) -> Vec<&str> {
        wrt.iter()
            .map(|&v| self.model.variables[v].name.as_str())
            .collect()
    }

    fn jet(&mut self, field: FieldRef, wrt: Vec<VarId>, net: bool) -> Symbol {
        let base = self.model.field_ref_name(field);
        let names = self.var_names(&wrt);
        let single = names.iter().all(|n| n.chars().count() == 1);
        let suffix = if single {
            names.concat()
        } else {
            names.join("_")
        };
        let (stem, source_base) = if net {
            (format!("net({base})"), format!("net({base})"))
        } else {
            (base.clone(), base.clone())
        };
        let name = if wrt.is_empty() {
            stem.clone()
        } else {
            format!("{stem}_{suffix}")
        };
        let source = if wrt.is_empty() {
            source_base.clone()
        } else if single {
            format!("d{suffix}({source_base})")
        } else {
            format!("d({source_base}, {})", names.join(", "))
        };
        let latex_base = if net {
            format!("\\hat{{{}}}", latex_name(&base))
        } else {
            latex_name(&base)
        };
        let latex = if wrt.is_empty() {
            latex_base
        } else {
            format!(
                "{latex_base}_{{{}}}",
                names.iter().map(|n| latex_name(n)).collect::<String>()
            )
        };
        let kind = if net {
            SymbolKind::NetJet { field, wrt }
        } else {
            SymbolKind::Jet { field, wrt }
        };
        self.symbols.intern(&name, kind, source, latex)
    }

    /// A symbol written as its name in `.phys` syntax.
    fn named(&mut self, name: &str, kind: SymbolKind) -> Id {
        let s = self
            .symbols
            .intern(name, kind, name.to_string(), latex_name(name));
        self.builder.sym(s)
    }

    fn expr(&mut self, e: &check::Expr) -> Id {
        use check::ExprKind as K;
        let b = &mut self.builder;
        match &e.kind {
            K::Number(v) => b.num(*v),
            K::Var(v) => {
                let name = self.model.variables[*v].name.clone();
                self.named(&name, SymbolKind::Var(*v))
            }
            K::Const(id) => {
                let c = &self.model.constants[*id];
                let kind = SymbolKind::Const {
                    id: *id,
                    value: c.value,
                };
                let name = c.name.clone();
                self.named(&name, kind)
            }
            K::Param(p) => {
                let name = self.model.params[*p].name.clone();
                self.named(&name, SymbolKind::Param(*p))
            }
            K::Field(r) => {
                let s = self.jet(*r, Vec::new(), false);
                self.builder.sym(s)
            }
            K::Net(r) => {
                let s = self.jet(*r, Vec::new(), true);
                self.builder.sym(s)
            }
            // Per boundary point, like a coordinate; constant under derivatives by coordinates.
            K::Normal(i) => {
                let name = ["nx", "ny", "nz"].get(*i).unwrap_or(&"n").to_string();
                self.named(&name, SymbolKind::Normal(*i))
            }
            K::Neg(a) => {
                let a = self.expr(a);
                self.builder.neg(a)
            }
            K::Binary(op, a, c) => {
                let (a, c) = (self.expr(a), self.expr(c));
                let b = &mut self.builder;
                match op {
                    check::BinOp::Add => b.sum(a, c),
                    check::BinOp::Sub => b.difference(a, c),
                    check::BinOp::Mul => b.product(a, c),
                    check::BinOp::Div => b.quotient(a, c),
                    check::BinOp::Pow => b.power(a, c),
                }
            }
            K::Call(f, args) => {
                let ids: Vec<Id> = args.iter().map(|a| self.expr(a)).collect();
                let node = math_node(*f, &ids);
                self.builder.call(node)
            }
            K::Derivative { expr, wrt } => {
                let mut id = self.expr(expr);
                for &v in wrt {
                    id = self.by_coordinate(id, v);
                }
                id
            }
        }
    }

    /// d(id)/d(coordinate v): jets advance, other symbols are constant.
    fn by_coordinate(&mut self, id: Id, v: VarId) -> Id {
        // Collect the next jets first: the leaf rule cannot borrow the symbol table mutably.
        let mut next: BTreeMap<Symbol, Symbol> = BTreeMap::new();
        for node_id in reachable(&self.builder.expr, &[id]) {
            if let Math::Symbol(s) = self.builder.expr[node_id] {
                let kind = self.symbols.get(s).map(|i| i.kind.clone());
                if let Some(SymbolKind::Jet { field, wrt } | SymbolKind::NetJet { field, wrt }) =
                    &kind
                {
                    if self.model.fields[field.field].inputs.contains(&v) {
                        let mut w = wrt.clone();
                        w.push(v);
                        w.sort_unstable();
                        let net = matches!(kind, Some(SymbolKind::NetJet { .. }));
                        next.insert(s, self.jet(*field, w, net));
                    }
                }
            }
        }
        let symbols = &self.symbols;
        let leaf = |s: Symbol| match symbols.get(s).map(|i| &i.kind) {
            Some(SymbolKind::Var(x)) if *x == v => Leaf::One,
            Some(SymbolKind::Jet { .. } | SymbolKind::NetJet { .. }) => match next.get(&s) {
                Some(n) => Leaf::Symbol(*n),
                None => Leaf::Zero,
            },
            _ => Leaf::Zero,
        };
        differentiate(&mut self.builder, id, &leaf)
    }

    fn jets_used(&self, roots: &[Id], net: bool) -> JetSet {
        let mut set = JetSet::new();
        for id in reachable(&self.builder.expr, roots) {
            if let Math::Symbol(s) = self.builder.expr[id] {
                match self.symbols.get(s).map(|i| &i.kind) {
                    Some(SymbolKind::Jet { field, wrt }) if !net => {
                        set.entry(*field).or_default().insert(wrt.clone());
                    }
                    Some(SymbolKind::NetJet { field, wrt }) if net => {
                        set.entry(*field).or_default().insert(wrt.clone());
                    }
                    _ => {}
                }
            }
        }
        set
    }
}

/// The IR node of a built-in function applied to lowered arguments.
pub fn math_node(f: check::builtins::MathFn, a: &[Id]) -> Math {
    use check::builtins::MathFn as F;
    match f {
        F::Sin => Math::Sin(a[0]),
        F::Cos => Math::Cos(a[0]),
        F::Tan => Math::Tan(a[0]),
        F::Asin => Math::Asin(a[0]),
        F::Acos => Math::Acos(a[0]),
        F::Atan => Math::Atan(a[0]),
        F::Sinh => Math::Sinh(a[0]),
        F::Cosh => Math::Cosh(a[0]),
        F::Tanh => Math::Tanh(a[0]),
        F::Exp => Math::Exp(a[0]),
        F::Log => Math::Log(a[0]),
        F::Sqrt => Math::Sqrt(a[0]),
        F::Abs => Math::Abs(a[0]),
        F::Sign => Math::Sign(a[0]),
        F::Sigmoid => Math::Sigmoid(a[0]),
        F::Softplus => Math::Softplus(a[0]),
        F::Erf => Math::Erf(a[0]),
        F::Min => Math::Min([a[0], a[1]]),
        F::Max => Math::Max([a[0], a[1]]),
        F::Fma => Math::Fma([a[0], a[1], a[2]]),
    }
}

/// Greek names become LaTeX commands; others are set upright if longer than one letter.
pub fn latex_name(name: &str) -> String {
    const GREEK: &[&str] = &[
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
        "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
    ];
    if let Some((stem, component)) = name.split_once('.') {
        return format!("{}_{{{}}}", latex_name(stem), latex_name(component));
    }
    if GREEK.contains(&name) {
        format!("\\{name}")
    } else if name.chars().count() == 1 {
        name.to_string()
    } else {
        format!("\\mathrm{{{}}}", name.replace('_', "\\_"))
    }
}
