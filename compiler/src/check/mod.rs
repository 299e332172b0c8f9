//! The checker: parsed modules to the semantic model (`model.rs`). It resolves names across
//! the user's file and what it uses, evaluates constants, elaborates every expression
//! (`elaborate/`), checks each model's declarations (`declare.rs`), equations and
//! conditions (`equations.rs`) and units (`dimensions.rs`, `units.rs`), and validates job
//! blocks against their schemas (`jobs.rs`, `schema/`) into typed settings
//! (`settings/`). It reports every problem it finds and never stops at the first.

mod architectures;
pub mod builtins;
mod declare;
mod dimensions;
mod domain;
pub mod elaborate;
mod equations;
mod jobs;
pub mod model;
mod networks;
pub mod print;
pub mod schema;
pub mod settings;
pub mod suggest;
pub mod units;

pub use model::*;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::driver::{FileProvider, Module};
use crate::syntax::ast;
use elaborate::{Elaborator, Globals, ModelScope};
use std::collections::{HashMap, HashSet};

/// Checks the loaded `modules`; `files` serves the files a model's domain reads (STL
/// meshes), relative to the module that names them.
pub fn check<'a>(
    modules: &'a [Module],
    stdlib_homes: &HashMap<String, String>,
    files: &'a dyn FileProvider,
) -> (Program, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut globals = Globals {
        stdlib_homes: stdlib_homes.clone(),
        files: Some(files),
        ..Globals::default()
    };
    let visible = visible_items(modules);
    globals.modules = modules
        .iter()
        .map(|m| elaborate::ModuleNames {
            display: m.name.clone(),
            imports: m
                .imports
                .iter()
                .map(|i| elaborate::ModuleImport {
                    module: i.module,
                    item: i.item.clone(),
                    alias: i.alias.clone(),
                    span: i.span,
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    // Imported modules first, so the user's own definitions take precedence.
    let order: Vec<usize> = (1..modules.len()).rev().chain(std::iter::once(0)).collect();
    let mut seen_in_module: Vec<HashMap<String, ast::Ident>> = vec![HashMap::new(); modules.len()];
    for &m in &order {
        for item in &modules[m].ast.items {
            let name = match item {
                ast::Item::Const(c) => &c.name,
                ast::Item::Fn(f) => &f.name,
                ast::Item::Model(md) => &md.name,
                ast::Item::Network(n) => &n.name,
                _ => continue,
            };
            if let Some(first) = seen_in_module[m].get(&name.name) {
                diags.push(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        name.span,
                        format!("`{}` is defined twice", name.name),
                        "defined again here",
                    )
                    .with_label(first.span, "first defined here"),
                );
                continue;
            }
            seen_in_module[m].insert(name.name.clone(), name.clone());
            let network = matches!(item, ast::Item::Network(_));
            if m == 0 && !network && builtins::is_builtin_function(&name.name) {
                diags.push(
                    Diagnostic::new(
                        Code::ShadowsBuiltin,
                        name.span,
                        format!("`{}` shadows the built-in of the same name", name.name),
                        "the built-in is hidden in this file",
                    )
                    .with_help("rename it to keep the built-in available"),
                );
            }
            if let ast::Item::Fn(f) = item {
                check_params(f, &mut diags);
                globals.modules[m].fns.insert(f.name.name.clone(), f);
            }
            if let ast::Item::Network(n) = item {
                if m == 0 || visible.contains(&(m, n.name.name.clone())) {
                    if !architectures::check_definition(n, &mut diags) {
                        globals.broken_networks.insert(n.name.name.clone());
                    }
                    globals.networks.insert(n.name.name.clone(), n);
                }
            }
        }
    }
    // Constants after every function is known, so a constant may call one. Each is
    // elaborated in the scope of those before it, which grows by one constant at a time
    // (a scope built afresh for each constant made n constants cost n²).
    let mut top = ModelScope::default();
    for &m in &order {
        top.module = m;
        for item in &modules[m].ast.items {
            if let ast::Item::Const(c) = item {
                let first = seen_in_module[m].get(&c.name.name);
                if first.is_some_and(|first| first.span == c.name.span) {
                    if let Some(index) = global_const(&mut globals, &mut top, c, &mut diags) {
                        globals.modules[m].consts.insert(c.name.name.clone(), index);
                    }
                }
            }
        }
    }
    for f in globals.modules.iter().flat_map(|m| m.fns.values()) {
        if builtins::is_reserved(&f.name.name) {
            // Constants get it where declared, in `global_const`.
            diags.push(Diagnostic::new(
                Code::ReservedName,
                f.name.span,
                format!(
                    "`{}` is a built-in constant and cannot be redefined",
                    f.name.name
                ),
                "reserved name",
            ));
        }
    }

    let mut program = Program::default();
    let mut broken = HashSet::new();
    let mut model_names: HashSet<&str> = HashSet::new();
    for (m, module) in modules.iter().enumerate() {
        for item in &module.ast.items {
            let ast::Item::Model(decl) = item else {
                continue;
            };
            let local = m == 0;
            if !local && !visible.contains(&(m, decl.name.name.clone())) {
                continue;
            }
            if !model_names.insert(decl.name.name.as_str()) {
                diags.push(Diagnostic::new(
                    Code::DuplicateDefinition,
                    decl.name.span,
                    format!("two models are named `{}`", decl.name.name),
                    "second model of this name",
                ));
                continue;
            }
            let errors_before = diags.error_count();
            let scope = declare::declare(decl, &globals, m, module.base_dir(), &mut diags);
            let model =
                equations::build_model(decl, scope, &globals, module.base_dir(), local, &mut diags);
            if diags.error_count() > errors_before {
                broken.insert(model.name.clone());
            }
            program.models.push(model);
        }
    }

    let jobs: Vec<&ast::JobDecl> = modules
        .first()
        .map(|m| {
            m.ast
                .items
                .iter()
                .filter_map(|i| match i {
                    ast::Item::Job(j) => Some(j),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let simulated = jobs
        .iter()
        .filter(|j| j.kind == ast::JobKind::Simulate)
        .map(|j| j.target.name.clone())
        .collect();
    let mut checker = jobs::JobChecker {
        globals: &globals,
        models: &program.models,
        simulated,
        broken,
        diags: &mut diags,
    };
    let checked: Vec<Job> = jobs.iter().map(|j| checker.check(j)).collect();
    shared_folders(&checked, &mut diags);
    program.jobs = checked;
    (program, diags)
}

/// E0413: two jobs whose results would go to one folder, `OUT/<target>/<folder>/`; the
/// second would silently replace the first's files.
fn shared_folders(jobs: &[Job], diags: &mut Diagnostics) {
    let mut first: HashMap<(&str, &str), &Job> = HashMap::new();
    for job in jobs {
        let key = (job.target.as_str(), job.folder.as_str());
        let Some(earlier) = first.get(&key) else {
            first.insert(key, job);
            continue;
        };
        diags.push(
            Diagnostic::new(
                Code::SharedOutputFolder,
                job.span,
                format!(
                    "two jobs write their results to `OUT/{}/{}/`",
                    job.target, job.folder
                ),
                "this job would replace them",
            )
            .with_label(earlier.span, "this one writes there first")
            .with_help("give one of them its own folder, e.g. `folder \"second\"`"),
        );
    }
}

/// (module, name) pairs the user's file can see: its own items and what it imports.
fn visible_items(modules: &[Module]) -> HashSet<(usize, String)> {
    let mut visible = HashSet::new();
    let Some(root) = modules.first() else {
        return visible;
    };
    let names = |m: usize| -> Vec<String> {
        modules[m]
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Const(c) => Some(c.name.name.clone()),
                ast::Item::Fn(f) => Some(f.name.name.clone()),
                ast::Item::Model(md) => Some(md.name.name.clone()),
                ast::Item::Network(n) => Some(n.name.name.clone()),
                _ => None,
            })
            .collect()
    };
    for name in names(0) {
        visible.insert((0, name));
    }
    for import in root.imports.iter().filter(|i| i.alias.is_none()) {
        match &import.item {
            Some(item) => {
                visible.insert((import.module, item.clone()));
            }
            None => {
                for name in names(import.module) {
                    visible.insert((import.module, name));
                }
            }
        }
    }
    visible
}

/// Function parameters: distinct, and not the name of a built-in constant.
pub(crate) fn check_params(f: &ast::FnDecl, diags: &mut Diagnostics) {
    let mut first: HashMap<&str, &ast::Ident> = HashMap::new();
    for p in &f.params {
        if builtins::is_reserved(&p.name) {
            diags.push(Diagnostic::new(
                Code::ReservedName,
                p.span,
                format!(
                    "`{}` is a built-in constant and cannot name a parameter",
                    p.name
                ),
                "reserved name",
            ));
        }
        if let Some(first) = first.get(p.name.as_str()) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    p.span,
                    format!("parameter `{}` is listed twice", p.name),
                    "listed again here",
                )
                .with_label(first.span, "first here"),
            );
        } else {
            first.insert(&p.name, p);
        }
    }
}

/// Evaluate a top-level constant in `top`, the scope of the constants before it (seen from
/// `top.module`), and add it to both; its index in `globals.consts`, unless its name is
/// reserved.
fn global_const<'a>(
    globals: &mut Globals<'a>,
    top: &mut ModelScope<'a>,
    c: &ast::ConstDecl,
    diags: &mut Diagnostics,
) -> Option<usize> {
    if builtins::is_reserved(&c.name.name) {
        diags.push(Diagnostic::new(
            Code::ReservedName,
            c.name.span,
            format!(
                "`{}` is a built-in constant and cannot be redefined",
                c.name.name
            ),
            "reserved name",
        ));
        return None;
    }
    let value = Elaborator::new(top, globals, diags).constant(&c.value).ok();
    let dim = declare::units_of(&c.units, diags);
    let constant = Constant {
        name: c.name.name.clone(),
        value: value.unwrap_or(f64::NAN),
        dim,
        span: c.name.span,
    };
    top.constants.push(constant.clone());
    globals.consts.push(constant);
    Some(globals.consts.len() - 1)
}
