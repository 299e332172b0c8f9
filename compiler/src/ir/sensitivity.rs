//! Sensitivities: the partial derivative of each residual with respect to each jet variable
//! and parameter it contains, every other symbol held fixed. A reverse pass multiplies these
//! by the adjoints of the jets; inverse problems use the parameter ones.

use super::diff::{differentiate, Leaf};
use super::lang::{reachable, Math, SymbolKind};
use super::lower::Lowered;
use egg::{Id, Symbol};

#[derive(Debug, Clone)]
pub struct Sensitivity {
    pub wrt: Symbol,
    pub expr: Id,
}

/// For each residual (same order as `lowered.residuals`), ∂r/∂s for every jet, network jet
/// and parameter symbol `s` in it, in symbol-table order. The expressions are added to
/// `lowered.builder`.
pub fn sensitivities(lowered: &mut Lowered) -> Vec<Vec<Sensitivity>> {
    let roots: Vec<Id> = lowered.residuals.iter().map(|r| r.root).collect();
    sensitivities_of(lowered, &roots)
}

/// The same for any roots built in `lowered.builder` (training adds data misfits and
/// residuals rewritten through hard constraints).
pub fn sensitivities_of(lowered: &mut Lowered, roots: &[Id]) -> Vec<Vec<Sensitivity>> {
    roots
        .iter()
        .map(|&root| {
            let mut wrt: Vec<Symbol> = reachable(&lowered.builder.expr, &[root])
                .into_iter()
                .filter_map(|id| match lowered.builder.expr[id] {
                    Math::Symbol(s) => Some(s),
                    _ => None,
                })
                .filter(|s| {
                    matches!(
                        lowered.symbols.get(*s).map(|i| &i.kind),
                        Some(
                            SymbolKind::Jet { .. }
                                | SymbolKind::NetJet { .. }
                                | SymbolKind::Param(_)
                        )
                    )
                })
                .collect();
            wrt.sort_by_key(|s| lowered.symbols.index(*s));
            wrt.into_iter()
                .map(|s| {
                    let leaf = |t: Symbol| if t == s { Leaf::One } else { Leaf::Zero };
                    let expr = differentiate(&mut lowered.builder, root, &leaf);
                    Sensitivity { wrt: s, expr }
                })
                .collect()
        })
        .collect()
}
