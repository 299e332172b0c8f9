//! The order printed terms and factors follow: what "variable order" means for each kind of
//! symbol. Derivatives come first, time derivatives before space derivatives and lower
//! orders before higher (`dt(u)`, `dx(u)`, `dxx(u)`, as `u_t + u u_x − ν u_xx` is written),
//! then field values, coordinates and free names (alphabetically); constants and parameters
//! are coefficients, printed in front of the variables they multiply.

use crate::check::VarId;
use crate::ir::lang::{SymbolKind, Symbols};
use egg::Symbol;

/// Where a factor sorts: coefficients (no variable in them) before variables, then by
/// class, rank and text. Two factors with equal keys are the same factor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// False for coefficient-like factors (numbers, constants, parameters, functions of them).
    pub variable: bool,
    pub class: u8,
    pub rank: Vec<i64>,
    /// The factor written out: names, and the canonical text of calls and groups.
    pub text: String,
}

/// Classes of factors that are not symbols; they follow every symbol.
pub const CALL: u8 = 10;
pub const GROUP: u8 = 11;
pub const POWER: u8 = 12;

/// The symbol table and, for models with time, which coordinate it is.
#[derive(Clone, Copy)]
pub struct Order<'s> {
    pub symbols: &'s Symbols,
    pub time: Option<VarId>,
}

impl Order<'_> {
    /// The key of one symbol. Symbols not in the table (fitted constants `$0`) sort by name
    /// among free names.
    pub fn symbol(&self, s: Symbol) -> Key {
        let text = s.as_str().to_string();
        let Some(info) = self.symbols.get(s) else {
            return key(true, 5, vec![], text);
        };
        let time = |wrt: &[VarId]| wrt.iter().filter(|&&v| Some(v) == self.time).count() as i64;
        let field = |f: &crate::check::FieldRef| [f.field as i64, f.component as i64];
        match &info.kind {
            SymbolKind::Jet { field: f, wrt } | SymbolKind::NetJet { field: f, wrt }
                if !wrt.is_empty() =>
            {
                let mut rank = vec![-time(wrt), wrt.len() as i64];
                rank.extend(wrt.iter().map(|&v| v as i64));
                rank.extend(field(f));
                let net = matches!(info.kind, SymbolKind::NetJet { .. });
                key(true, if net { 1 } else { 0 }, rank, text)
            }
            SymbolKind::Jet { field: f, .. } => key(true, 2, field(f).to_vec(), text),
            SymbolKind::NetJet { field: f, .. } => key(true, 3, field(f).to_vec(), text),
            SymbolKind::Var(v) => key(true, 4, vec![*v as i64], text),
            SymbolKind::Free(_) => key(true, 5, vec![], text),
            SymbolKind::Normal(i) => key(true, 6, vec![*i as i64], text),
            SymbolKind::Const { id, .. } => key(false, 7, vec![*id as i64], text),
            SymbolKind::Param(i) => key(false, 8, vec![*i as i64], text),
        }
    }
}

impl Key {
    /// Where the factor stands inside one product, which differs from the order of terms in
    /// one way: values before derivatives (`u * dx(u)`, as `u u_x` is written), while among
    /// terms derivatives lead (`dt(u) + ...`).
    pub fn in_product(&self) -> (bool, u8, &[i64], &str) {
        let class = match self.class {
            0 | 1 => 7 + self.class,
            c if c < 7 => c,
            c => c + 2,
        };
        (self.variable, class, &self.rank, &self.text)
    }
}

fn key(variable: bool, class: u8, rank: Vec<i64>, text: String) -> Key {
    Key {
        variable,
        class,
        rank,
        text,
    }
}
