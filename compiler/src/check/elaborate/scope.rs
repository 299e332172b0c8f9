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

/// Names visible from every model: top-level constants and functions of all loaded files.
#[derive(Default)]
pub struct Globals<'a> {
    /// Evaluated top-level constants, in load order.
    pub consts: Vec<Constant>,
    pub fns: HashMap<String, &'a ast::FnDecl>,
    /// Network definitions the user's file can see (its own and what it imports).
    pub networks: HashMap<String, &'a ast::NetworkDecl>,
    /// Network definitions whose own check failed (reported there, not again at calls).
    pub broken_networks: HashSet<String>,
    /// Names the user's own file can see (its own items and what it imports).
    pub visible: HashSet<String>,
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
    /// Top-level constants, copied into `constants` so expressions can refer to them by id.
    pub global_consts: HashMap<String, usize>,
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
    /// An empty scope that already knows the top-level constants.
    pub fn with_globals(globals: &Globals) -> Self {
        let mut scope = ModelScope::default();
        for c in &globals.consts {
            scope
                .global_consts
                .insert(c.name.clone(), scope.constants.len());
            scope.constants.push(c.clone());
        }
        scope
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
