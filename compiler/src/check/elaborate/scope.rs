//! The scope expressions are elaborated in: what a model-level name stands for
//! ([`Binding`]), the names every model sees ([`Globals`]: top-level constants and
//! functions) and what one model has declared so far ([`ModelScope`]).

use crate::check::model::{Constant, Field, Param, VarId, Variable};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::{HashMap, HashSet};

/// What a model-level name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Var(VarId),
    Const(usize),
    Param(usize),
    Field(usize),
    Let(usize),
    Fn(usize),
}

/// The top level of every loaded module: constants, functions, and each module's name
/// table (`modules.rs`: what a name means in the module that uses it).
#[derive(Default)]
pub struct Globals<'a> {
    /// Evaluated top-level constants of every module, in load order (a constant's index here
    /// is its id in every model scope).
    pub consts: Vec<Constant>,
    /// Per module (the root file first, as loaded): its own definitions and imports.
    pub modules: Vec<super::modules::ModuleNames<'a>>,
    /// Network definitions the user's file can see (its own and what it imports).
    pub networks: HashMap<String, &'a ast::NetworkDecl>,
    /// Network definitions whose own check failed (reported there, not again at calls).
    pub broken_networks: HashSet<String>,
    /// Where each standard library name lives, for "add `use std.x`" hints.
    pub stdlib_homes: HashMap<String, String>,
    /// Where files a model reads while checking (STL meshes) come from; none: not read.
    pub files: Option<&'a dyn crate::driver::FileProvider>,
}

/// What one model has declared so far: the scope its expressions are elaborated in.
#[derive(Default)]
pub struct ModelScope<'a> {
    pub variables: Vec<Variable>,
    pub constants: Vec<Constant>,
    pub params: Vec<Param>,
    pub fields: Vec<Field>,
    pub lets: Vec<&'a ast::LetDecl>,
    pub fns: Vec<&'a ast::FnDecl>,
    pub names: HashMap<String, (Binding, Span)>,
    /// The module whose names the scope's expressions see (0: the root file).
    pub module: usize,
    /// Names used by the declarations themselves (a constant defined from another).
    pub used: HashSet<String>,
    /// Variables, parameters and fields the model declares, before they are in scope
    /// (constants are read first), so a constant that uses one gets the right message.
    pub pending: HashMap<String, &'static str>,
    /// The model's `domain`, when it declares a valid one.
    pub domain: Option<crate::check::model::Domain>,
    /// Every `part` the model declares, valid or not.
    pub part_names: Vec<String>,
}

impl ModelScope<'_> {
    /// An empty scope of `module` that already holds every top-level constant (in order,
    /// so a constant's index in `Globals::consts` is its id here).
    pub fn with_globals(globals: &Globals, module: usize) -> Self {
        ModelScope {
            constants: globals.consts.clone(),
            module,
            ..ModelScope::default()
        }
    }

    pub fn space(&self) -> Vec<VarId> {
        self.variables
            .iter()
            .enumerate()
            .filter(|(_, v)| v.kind == crate::check::model::VarKind::Space)
            .map(|(i, _)| i)
            .collect()
    }

    pub fn space_names(&self) -> Vec<String> {
        self.space()
            .into_iter()
            .map(|i| self.variables[i].name.clone())
            .collect()
    }
}
