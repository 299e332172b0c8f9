//! Expression elaboration: an AST expression, in the scope of a model (or of the top level),
//! becomes a semantic expression. Names resolve (with "did you mean"), user functions and
//! `let`s are inlined, derivative operators (`dxx`, `d(u, x, y)`) and the vector intrinsics
//! (`grad`, `div`, `curl`, `dot`) are applied, and shapes (scalar, vector, matrix) are
//! checked. Vectors exist only during elaboration: callers split them into scalar components.
//!
//! The parts: `scope.rs` (what names a model has declared, and the top-level ones),
//! `expr.rs` (the walk over AST expressions, and the node budget), `names.rs` (name
//! resolution and `let`s, "did you mean" for names and functions), `calls.rs` (calls:
//! user functions inlined, math functions, field calls, intrinsics), `vector.rs` (`grad`,
//! `div`, `curl`, `dot`), `derivative.rs` (`d(u, x, y)` and `dxx` operators), `shapes.rs`
//! (scalars and tensors: component access, arithmetic on shapes) and `constant.rs`
//! (expressions that must be constants, and their values).

mod calls;
mod constant;
mod derivative;
mod distance;
mod expr;
mod modules;
#[cfg(test)]
mod modules_tests;
mod names;
mod normal;
mod qualified;
mod scope;
mod shapes;
mod vector;

pub use constant::{evaluate_at, evaluate_constant};
pub use modules::{Found, ModuleImport, ModuleNames};
pub use scope::{Binding, Globals, ModelScope};
pub use shapes::Value;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::Span;
use std::collections::{HashMap, HashSet};

/// A diagnostic was reported; the caller stops elaborating this expression.
#[derive(Debug, Clone, Copy)]
pub struct Reported;

pub type Elab<T> = Result<T, Reported>;

pub struct Elaborator<'s, 'a> {
    pub scope: &'s ModelScope<'a>,
    pub globals: &'s Globals<'a>,
    pub diags: &'s mut Diagnostics,
    /// Names the model used, for the unused-definition warning.
    pub used: HashSet<String>,
    /// `net(u)` is allowed (inside a hard constraint).
    pub allow_net: bool,
    /// `nx`, `ny`, `nz` and `dn(u)` are allowed (a boundary condition on a shaped domain).
    pub allow_normal: bool,
    /// The outward normal of the box side a condition holds on (`at x = c`): the space
    /// axis and ±1, so the normal is a constant there.
    pub side_normal: Option<(usize, f64)>,
    /// Only constants may appear (const values, intervals, locations).
    pub constant_only: bool,
    frames: Vec<Frame>,
    nodes: usize,
    too_large: bool,
}

struct Frame {
    locals: HashMap<String, Value>,
    /// The function being inlined (where its name is defined: two modules may each have a
    /// `lap`) and the call site that inlined it.
    function: String,
    definition: Span,
    call_site: Span,
    /// The module whose names the function's body sees (a `let` or model `fn`: the model's).
    module: usize,
    /// Top-level functions cannot see a model's names (only its variables, for derivatives).
    global: bool,
}

impl<'s, 'a> Elaborator<'s, 'a> {
    pub fn new(
        scope: &'s ModelScope<'a>,
        globals: &'s Globals<'a>,
        diags: &'s mut Diagnostics,
    ) -> Self {
        Elaborator {
            scope,
            globals,
            diags,
            used: HashSet::new(),
            allow_net: false,
            allow_normal: false,
            side_normal: None,
            constant_only: false,
            frames: Vec::new(),
            nodes: 0,
            too_large: false,
        }
    }

    /// Report a diagnostic, pointing also at the call that inlined the code it is about.
    pub fn report(&mut self, mut diagnostic: Diagnostic) -> Reported {
        if let Some(frame) = self.frames.first() {
            diagnostic = diagnostic.with_label(
                frame.call_site,
                format!("in this use of `{}`", frame.function),
            );
        }
        self.diags.push(diagnostic);
        Reported
    }
}
