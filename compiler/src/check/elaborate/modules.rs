//! One name table per module: what a file names at top level is its own constants and
//! functions, then what its `use`s import (a whole module, one item, or a module under an
//! alias for qualified names `ops.lap`). Every lookup says which module asks, so a function
//! body, a constant and a model resolve names where they are defined, not where they are
//! used (spec §4.11). Imports are not transitive and nothing is re-exported: a module's
//! items are its own definitions.

use super::scope::Globals;
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;

/// One `use` of a module, as the checker reads it.
#[derive(Debug, Clone)]
pub struct ModuleImport {
    pub module: usize,
    /// One item (`use std.systems.Lorenz`, `use "ops.phys".lap`), or everything.
    pub item: Option<String>,
    /// `use "ops.phys" as ops`: nothing unqualified, everything as `ops.NAME`.
    pub alias: Option<String>,
    pub span: Span,
}

/// A module's own top-level definitions and its imports.
#[derive(Default)]
pub struct ModuleNames<'a> {
    /// How messages name the module: `std.operators`, or the file as it was written.
    pub display: String,
    pub fns: HashMap<String, &'a ast::FnDecl>,
    /// Indices into `Globals::consts` (which are also the ids every model scope gives
    /// them, since each scope starts with all of them in order).
    pub consts: HashMap<String, usize>,
    pub imports: Vec<ModuleImport>,
}

/// What a name means in a module.
#[derive(Debug, Clone, PartialEq)]
pub enum Found<T> {
    /// Defined in (or imported from) module `.1`.
    One(T, usize),
    /// Imported from several modules that each define it: the modules and their `use`s.
    Ambiguous(Vec<(String, Span)>),
    Missing,
}

impl<'a> Globals<'a> {
    /// Top-level function `name` as module `module` sees it.
    pub fn function(&self, module: usize, name: &str) -> Found<&'a ast::FnDecl> {
        self.find(module, name, |m| m.fns.get(name).copied())
    }

    /// Top-level constant `name` (its index in `consts`) as module `module` sees it.
    pub fn constant(&self, module: usize, name: &str) -> Found<usize> {
        self.find(module, name, |m| m.consts.get(name).copied())
    }

    /// The module that `alias` names in `module` (`use … as alias`).
    pub fn alias(&self, module: usize, alias: &str) -> Option<usize> {
        let names = self.modules.get(module)?;
        names
            .imports
            .iter()
            .find(|i| i.alias.as_deref() == Some(alias))
            .map(|i| i.module)
    }

    /// The module's own item: the target of a qualified name.
    pub fn own_function(&self, module: usize, name: &str) -> Option<&'a ast::FnDecl> {
        self.modules.get(module)?.fns.get(name).copied()
    }

    pub fn own_constant(&self, module: usize, name: &str) -> Option<usize> {
        self.modules.get(module)?.consts.get(name).copied()
    }

    /// Own definitions first (a module's own item hides an imported one of the same name);
    /// otherwise the modules imported unqualified that define it, one module once however
    /// often it is imported (a diamond is not ambiguous).
    fn find<T>(
        &self,
        module: usize,
        name: &str,
        own: impl Fn(&ModuleNames<'a>) -> Option<T>,
    ) -> Found<T> {
        let Some(names) = self.modules.get(module) else {
            return Found::Missing;
        };
        if let Some(item) = own(names) {
            return Found::One(item, module);
        }
        let mut found: Vec<(T, usize, Span)> = Vec::new();
        for import in &names.imports {
            if import.alias.is_some() || import.item.as_deref().is_some_and(|i| i != name) {
                continue;
            }
            if found.iter().any(|(_, m, _)| *m == import.module) {
                continue;
            }
            if let Some(item) = self.modules.get(import.module).and_then(&own) {
                found.push((item, import.module, import.span));
            }
        }
        match found.len() {
            0 => Found::Missing,
            1 => {
                let (item, m, _) = found.pop().expect("one");
                Found::One(item, m)
            }
            _ => Found::Ambiguous(
                found
                    .into_iter()
                    .map(|(_, m, span)| (self.modules[m].display.clone(), span))
                    .collect(),
            ),
        }
    }

    /// Names a module can use unqualified, for "did you mean".
    pub fn names_in(&self, module: usize) -> Vec<String> {
        let Some(names) = self.modules.get(module) else {
            return Vec::new();
        };
        let mut out: Vec<String> = names
            .fns
            .keys()
            .chain(names.consts.keys())
            .cloned()
            .collect();
        for import in names.imports.iter().filter(|i| i.alias.is_none()) {
            if let Some(m) = self.modules.get(import.module) {
                out.extend(
                    m.fns
                        .keys()
                        .chain(m.consts.keys())
                        .filter(|n| import.item.as_ref().is_none_or(|i| i == *n))
                        .cloned(),
                );
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
