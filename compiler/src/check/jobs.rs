//! Job blocks: `train`, `simulate`, `discover`, `evolve`. Each setting is validated against
//! the schema in `schema/` (unknown keys and options listed with the valid ones, choices
//! with "did you mean", numbers range-checked) into a tree of [`SettingValue`]s, which
//! `settings/` reads into the typed settings the jobs see.
//!
//! It stays whole over the project's 800-line guide on purpose: it is one recursive walk of
//! a setting against its schema type (one arm per `Ty`), with the diagnostics each arm
//! raises; the arms call each other (records hold calls, calls hold records and lists), so
//! split by type they would all import one another, so it stays one file of about 830
//! lines. (How a type reads in a message, `describe` and `example`, is the schema's, in
//! `schema/reference.rs`; how the value the user wrote reads, `jobs/wording.rs`.)

use super::builtins::ACTIVATIONS;
use super::elaborate::{Elaborator, Found, Globals, ModelScope};
use super::model::{JobKind, Model};
use super::schema::{self, describe, example, CallSchema, Opt, Ty};
use super::settings::{self, function, ScalarFunction};
use super::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast;
use std::collections::BTreeMap;
use wording::found;

mod wording;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SettingValue {
    Number(f64),
    Int(i64),
    Bool(bool),
    Str(String),
    Name(String),
    List(Vec<SettingValue>),
    Call {
        name: String,
        args: BTreeMap<String, SettingValue>,
    },
    Record(BTreeMap<String, SettingValue>),
    /// Stages of a `then` sequence.
    Stages(Vec<SettingValue>),
    /// An elaborated user function (an activation, an evolve target) or library term.
    Function(ScalarFunction),
}

/// The values a block gave, by setting, with where each was written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub values: BTreeMap<String, (SettingValue, Span)>,
}

pub struct JobChecker<'s, 'a> {
    pub globals: &'s Globals<'a>,
    pub models: &'s [Model],
    /// Names of models that have a `simulate` block (data sources for `discover`).
    pub simulated: Vec<String>,
    /// Models in which checking found errors.
    pub broken: std::collections::HashSet<String>,
    pub diags: &'s mut Diagnostics,
}

impl JobChecker<'_, '_> {
    pub fn check(&mut self, job: &ast::JobDecl) -> super::model::Job {
        let model = self.target_model(job);
        let mut settings = Settings::default();
        let schema = schema::settings(job.kind);
        let given: Vec<&str> = job.settings.iter().map(|s| s.key.name.as_str()).collect();
        for setting in &job.settings {
            let Some(opt) = schema.iter().find(|o| o.name == setting.key.name) else {
                self.unknown(
                    &setting.key,
                    schema.iter().map(|o| o.name),
                    &format!("`{}` setting", job.kind.keyword()),
                );
                continue;
            };
            if let Some((_, first)) = settings.values.get(opt.name) {
                let first = *first;
                self.diags.push(
                    Diagnostic::new(
                        Code::DuplicateSetting,
                        setting.key.span,
                        format!("`{}` is set twice", opt.name),
                        "set again here",
                    )
                    .with_label(first, "first set here"),
                );
                continue;
            }
            if let Some(value) = self.setting(opt, setting, model.map(|m| &self.models[m])) {
                settings
                    .values
                    .insert(opt.name.to_string(), (value, setting.span));
            }
        }
        for opt in schema.iter().filter(|o| o.required) {
            if !given.contains(&opt.name) {
                self.diags.push(
                    Diagnostic::new(
                        Code::MissingSetting,
                        job.target.span,
                        format!("`{}` needs a `{}` setting", job.kind.keyword(), opt.name),
                        format!("no `{}` here", opt.name),
                    )
                    .with_help(format!(
                        "add it, {} ({})",
                        example(opt.name, &opt.ty),
                        opt.doc
                    )),
                );
            }
        }
        let settings_given = settings;
        let settings = settings::read(
            job.kind,
            &settings_given,
            model.map(|m| &self.models[m]),
            self.diags,
        );
        let folder = match settings_given.values.get("folder") {
            Some((SettingValue::Str(folder), _)) => folder.clone(),
            _ => job.kind.keyword().to_string(),
        };
        super::model::Job {
            kind: job.kind,
            target: job.target.name.clone(),
            model,
            folder,
            settings,
            span: job.span.to(job.target.span).with_end(job.target.span.end),
        }
    }

    fn target_model(&mut self, job: &ast::JobDecl) -> Option<usize> {
        if !matches!(job.kind, JobKind::Train | JobKind::Simulate) {
            return None;
        }
        let name = &job.target.name;
        let Some(index) = self.models.iter().position(|m| m.name == *name) else {
            let mut d = Diagnostic::new(
                Code::UnknownModel,
                job.target.span,
                format!("unknown model `{name}`"),
                "no model of this name",
            );
            let names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
            if let Some(h) = suggest::did_you_mean(name, names.iter().copied()) {
                d = d.with_help(h);
            } else if let Some(home) = self.globals.stdlib_homes.get(name) {
                d = d.with_help(format!(
                    "`{name}` is in the standard library: add `use {home}`"
                ));
            }
            let local: Vec<String> = self
                .models
                .iter()
                .filter(|m| m.local)
                .map(|m| format!("`{}`", m.name))
                .collect();
            if !local.is_empty() && d.help.is_none() {
                d = d.with_note(format!("models here: {}", local.join(", ")));
            }
            self.diags.push(d);
            return None;
        };
        // A model with errors may look empty; saying it cannot run would only add noise.
        if self.broken.contains(name) {
            return Some(index);
        }
        let model = &self.models[index];
        if job.kind == JobKind::Simulate {
            if let Some(domain) = &model.domain {
                self.diags.push(
                    Diagnostic::new(
                        Code::JobNotApplicable,
                        job.target.span,
                        format!("cannot simulate `{name}`: simulation runs on boxes, and its domain is a shape"),
                        "this model",
                    )
                    .with_label(domain.span, "the domain is not a box")
                    .with_help(format!("train a network on it instead: `train {name} {{ ... }}`")),
                );
                return Some(index);
            }
        }
        let applicable = match job.kind {
            JobKind::Train => (!model.fields.is_empty() && !model.equations.is_empty())
                .then_some(())
                .ok_or("training needs fields and equations for them"),
            _ => (model.time().is_some()
                && model.equations.iter().any(|e| {
                    matches!(
                        e.kind,
                        super::model::EquationKind::Ode { .. } | super::model::EquationKind::Pde
                    )
                }))
            .then_some(())
            .ok_or("simulation needs a time variable and equations that evolve in it"),
        };
        if let Err(why) = applicable {
            self.diags.push(
                Diagnostic::new(
                    Code::JobNotApplicable,
                    job.target.span,
                    format!("cannot {} `{name}`: {why}", job.kind.keyword()),
                    "this model",
                )
                .with_label(model.span, "defined here"),
            );
        }
        Some(index)
    }

    fn unknown<'n>(
        &mut self,
        key: &ast::Ident,
        valid: impl Iterator<Item = &'n str> + Clone,
        what: &str,
    ) {
        let list: Vec<String> = valid.clone().map(|v| format!("`{v}`")).collect();
        let mut d = Diagnostic::new(
            Code::UnknownSetting,
            key.span,
            format!("unknown {what} `{}`", key.name),
            "not recognised",
        )
        .with_note(format!("valid: {}", list.join(", ")));
        if let Some(h) = suggest::did_you_mean(&key.name, valid) {
            d = d.with_help(h);
        }
        self.diags.push(d);
    }

    fn setting(
        &mut self,
        opt: &Opt,
        setting: &ast::Setting,
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        if let Ty::Seq(inner) = opt.ty {
            let stages = setting
                .stages
                .iter()
                .map(|s| self.stage(opt.name, inner, s, model))
                .collect::<Vec<_>>();
            return stages
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(SettingValue::Stages);
        }
        if setting.stages.len() > 1 {
            self.diags.push(Diagnostic::new(
                Code::BadSettingValue,
                setting.stages[1].span(),
                format!(
                    "`{}` takes one value; only `optimize` chains stages with `then`",
                    opt.name
                ),
                "extra stage",
            ));
            return None;
        }
        self.stage(opt.name, &opt.ty, &setting.stages[0], model)
    }

    fn stage(
        &mut self,
        key: &str,
        ty: &Ty,
        stage: &ast::SettingValue,
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        match stage {
            ast::SettingValue::Expr(e) => self.value(key, ty, e, model),
            ast::SettingValue::Record(args, span) => match ty {
                Ty::Record(options) => self.record(key, options, args, model),
                Ty::PerVariable => self.per_variable(key, args, *span, model),
                Ty::Networks(calls) => self.networks(key, calls, args, *span, model),
                _ => {
                    self.mistyped(key, ty, *span, "a list of `name: value` pairs");
                    None
                }
            },
        }
    }

    /// A value `e` that does not fit `ty`, named as the user wrote it.
    fn mistyped_value(&mut self, key: &str, ty: &Ty, e: &ast::Expr) {
        let help = wording::import_advice(e).unwrap_or_else(|| example(key, ty));
        self.report_mistyped(key, ty, e.span, &found(e), help);
    }

    fn mistyped(&mut self, key: &str, ty: &Ty, span: Span, found: &str) {
        self.report_mistyped(key, ty, span, found, example(key, ty));
    }

    fn report_mistyped(&mut self, key: &str, ty: &Ty, span: Span, found: &str, help: String) {
        self.diags.push(
            Diagnostic::new(
                Code::BadSettingValue,
                span,
                format!("`{key}` expects {}, not {found}", describe(ty)),
                format!("expected {}", describe(ty)),
            )
            .with_help(help),
        );
    }

    fn record(
        &mut self,
        key: &str,
        options: &[Opt],
        args: &[ast::Arg],
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        let mut out = BTreeMap::new();
        let mut ok = true;
        for arg in args {
            let Some(name) = &arg.name else {
                self.diags.push(
                    Diagnostic::new(
                        Code::BadSettingValue,
                        arg.value.span,
                        format!("options of `{key}` are named"),
                        "positional value",
                    )
                    .with_help(format!(
                        "write `name: value`; options are {}",
                        options
                            .iter()
                            .map(|o| format!("`{}`", o.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
                ok = false;
                continue;
            };
            let Some(opt) = options.iter().find(|o| o.name == name.name) else {
                let valid: Vec<&str> = options.iter().map(|o| o.name).collect();
                let list: Vec<String> = valid.iter().map(|v| format!("`{v}`")).collect();
                let mut d = Diagnostic::new(
                    Code::UnknownOption,
                    name.span,
                    format!("unknown option `{}` for `{key}`", name.name),
                    "not recognised",
                )
                .with_note(if list.is_empty() {
                    format!("`{key}` takes no options")
                } else {
                    format!("valid: {}", list.join(", "))
                });
                if let Some(h) = suggest::did_you_mean(&name.name, valid.iter().copied()) {
                    d = d.with_help(h);
                }
                self.diags.push(d);
                ok = false;
                continue;
            };
            if out.contains_key(opt.name) {
                self.diags.push(Diagnostic::new(
                    Code::DuplicateSetting,
                    name.span,
                    format!("`{}` is given twice", opt.name),
                    "given again here",
                ));
                ok = false;
                continue;
            }
            match self.value(opt.name, &opt.ty, &arg.value, model) {
                Some(v) => {
                    out.insert(opt.name.to_string(), v);
                }
                None => ok = false,
            }
        }
        ok.then_some(SettingValue::Record(out))
    }

    fn per_variable(
        &mut self,
        key: &str,
        args: &[ast::Arg],
        span: Span,
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        let space: Vec<String> = model
            .map(|m| m.space().map(|(_, v)| v.name.clone()).collect())
            .unwrap_or_default();
        let mut out = BTreeMap::new();
        for arg in args {
            let Some(name) = &arg.name else { continue };
            if out.contains_key(&name.name) {
                self.diags.push(Diagnostic::new(
                    Code::DuplicateSetting,
                    name.span,
                    format!("`{}` is given twice", name.name),
                    "given again here",
                ));
                return None;
            }
            if !space.contains(&name.name) {
                let mut d = Diagnostic::new(
                    Code::UnknownOption,
                    name.span,
                    format!("`{}` is not a space variable of the model", name.name),
                    "not a space variable",
                )
                .with_note(format!(
                    "`{key}` takes one entry per space variable: {}",
                    space.join(", ")
                ));
                if let Some(h) = suggest::did_you_mean(&name.name, space.iter().map(String::as_str))
                {
                    d = d.with_help(h);
                }
                self.diags.push(d);
                return None;
            }
            let n = self.value(
                &name.name,
                &Ty::Int {
                    min: 2,
                    max: i64::MAX,
                },
                &arg.value,
                model,
            )?;
            out.insert(name.name.clone(), n);
        }
        let _ = span;
        Some(SettingValue::Record(out))
    }

    fn constant(&mut self, e: &ast::Expr) -> Option<f64> {
        let scope = ModelScope::with_globals(self.globals, 0);
        let mut elab = Elaborator::new(&scope, self.globals, self.diags);
        elab.constant(e).ok()
    }

    pub(super) fn value(
        &mut self,
        key: &str,
        ty: &Ty,
        e: &ast::Expr,
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        use ast::ExprKind as K;
        match (ty, &e.kind) {
            (Ty::Num { .. }, _) | (Ty::NumOrAuto, _) if !matches!(e.kind, K::Name(ref n) if n == "auto") =>
            {
                if !self.is_numeric(e) {
                    self.mistyped_value(key, ty, e);
                    return None;
                }
                let v = self.constant(e)?;
                let positive = matches!(ty, Ty::NumOrAuto | Ty::Num { positive: true });
                if positive && v <= 0.0 {
                    self.out_of_range(key, e.span, v, "a positive number");
                    return None;
                }
                if v < 0.0 {
                    self.out_of_range(key, e.span, v, "zero or more");
                    return None;
                }
                Some(SettingValue::Number(v))
            }
            (Ty::NumOrAuto | Ty::IntOrAuto { .. }, K::Name(n)) if n == "auto" => {
                Some(SettingValue::Name("auto".into()))
            }
            (Ty::IntOrAuto { .. }, _) if !self.is_numeric(e) => {
                self.mistyped_value(key, ty, e);
                None
            }
            (Ty::IntOrAuto { min }, _) => self.value(
                key,
                &Ty::Int {
                    min: *min,
                    max: i64::MAX,
                },
                e,
                model,
            ),
            (Ty::Int { min, max }, _) => {
                if !self.is_numeric(e) {
                    self.mistyped_value(key, ty, e);
                    return None;
                }
                let v = self.constant(e)?;
                if v.fract() != 0.0 || v.abs() > 9.0e15 {
                    self.out_of_range(key, e.span, v, "a whole number");
                    return None;
                }
                if (v as i64) < *min {
                    self.out_of_range(key, e.span, v, &format!("at least {min}"));
                    return None;
                }
                if (v as i64) > *max {
                    self.out_of_range(key, e.span, v, &format!("at most {max}"));
                    return None;
                }
                Some(SettingValue::Int(v as i64))
            }
            (Ty::Bool, K::Name(n)) if n == "true" || n == "false" => {
                Some(SettingValue::Bool(n == "true"))
            }
            (Ty::Str, K::Str(s)) => Some(SettingValue::Str(s.clone())),
            (Ty::Folder, K::Str(s)) => {
                if folder_name_ok(s.as_str()) {
                    Some(SettingValue::Str(s.clone()))
                } else {
                    self.mistyped(key, ty, e.span, &format!("\"{s}\""));
                    None
                }
            }
            (Ty::Choice(choices), K::Name(n)) => self.choice(key, choices, n, e.span),
            (Ty::Calls(calls), K::Call { callee, args }) => {
                self.call(key, calls, callee, args, model)
            }
            (Ty::Networks(calls), K::Call { .. } | K::Name(_)) => {
                self.single_network(key, calls, e, model)
            }
            (Ty::Calls(calls), K::Name(n)) => {
                let callee = ast::Ident {
                    name: n.clone(),
                    span: e.span,
                };
                self.call(key, calls, &callee, &[], model)
            }
            (Ty::Variables, K::List(items)) => {
                let names: Vec<String> = model
                    .map(|m| m.variables.iter().map(|v| v.name.clone()).collect())
                    .unwrap_or_default();
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        K::Name(n) if out.contains(&SettingValue::Name(n.clone())) => {
                            self.diags.push(Diagnostic::new(
                                Code::BadSettingValue,
                                item.span,
                                format!("`{n}` is listed twice"),
                                "repeated",
                            ));
                            return None;
                        }
                        K::Name(n) if names.contains(n) => out.push(SettingValue::Name(n.clone())),
                        _ => {
                            let mut d = Diagnostic::new(
                                Code::BadSettingValue,
                                item.span,
                                format!("`{key}` lists the model's variables"),
                                "not a variable of the model",
                            )
                            .with_note(format!("variables: {}", names.join(", ")));
                            if let K::Name(n) = &item.kind {
                                if let Some(h) =
                                    suggest::did_you_mean(n, names.iter().map(String::as_str))
                                {
                                    d = d.with_help(h);
                                }
                            }
                            self.diags.push(d);
                            return None;
                        }
                    }
                }
                Some(SettingValue::List(out))
            }
            (Ty::Activation, K::Name(n)) => {
                let user = match self.globals.function(0, n) {
                    Found::One(f, _) => Some(f).filter(|f| f.params.len() == 1),
                    _ => None,
                };
                if ACTIVATIONS.contains(&n.as_str()) {
                    Some(SettingValue::Name(n.clone()))
                } else if let Some(f) = user {
                    function::user_function(self.globals, self.diags, f, e.span)
                        .map(SettingValue::Function)
                } else {
                    self.choice(key, ACTIVATIONS, n, e.span)
                }
            }
            (Ty::Target, K::Name(n)) => {
                let user = match self.globals.function(0, n) {
                    Found::One(f, _) => Some(f).filter(|f| f.params.len() == 1),
                    _ => None,
                };
                if schema::EVOLVE_TARGETS.contains(&n.as_str()) {
                    Some(SettingValue::Name(n.clone()))
                } else if let Some(f) = user {
                    function::user_function(self.globals, self.diags, f, e.span)
                        .map(SettingValue::Function)
                } else {
                    self.choice(key, schema::EVOLVE_TARGETS, n, e.span)
                }
            }
            (Ty::Interval, K::List(items)) if items.len() == 2 => {
                let lo = self.constant(&items[0])?;
                let hi = self.constant(&items[1])?;
                if lo >= hi {
                    self.diags.push(Diagnostic::new(
                        Code::BadInterval,
                        e.span,
                        format!("the interval [{lo}, {hi}] is empty"),
                        "the lower end must be below the upper end",
                    ));
                    return None;
                }
                Some(SettingValue::List(vec![
                    SettingValue::Number(lo),
                    SettingValue::Number(hi),
                ]))
            }
            (Ty::List(item), K::List(items)) => items
                .iter()
                .map(|i| self.value(key, item, i, model))
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(SettingValue::List),
            (Ty::Sizes { min }, K::List(items)) => {
                let sizes = items
                    .iter()
                    .map(|i| {
                        self.value(
                            key,
                            &Ty::Int {
                                min: *min,
                                max: i64::MAX,
                            },
                            i,
                            model,
                        )
                    })
                    .collect::<Vec<_>>();
                sizes
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(SettingValue::List)
            }
            (Ty::DataSource, K::Str(s)) => Some(SettingValue::Str(s.clone())),
            (Ty::DataSource, K::Name(n)) => {
                if self.models.iter().any(|m| m.name == *n) {
                    if !self.simulated.contains(n) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::BadSettingValue,
                                e.span,
                                format!("model `{n}` has no `simulate` block to provide data"),
                                "no simulation",
                            )
                            .with_help(format!(
                                "add `simulate {n} {{ ... }}` to this file, or give a data file"
                            )),
                        );
                        return None;
                    }
                    Some(SettingValue::Name(n.clone()))
                } else {
                    let names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
                    let mut d = Diagnostic::new(Code::UnknownModel, e.span, format!("unknown model `{n}`"), "no model of this name")
                        .with_note("`data` is a file name in quotes or the name of a model with a `simulate` block");
                    if let Some(h) = suggest::did_you_mean(n, names.iter().copied()) {
                        d = d.with_help(h);
                    }
                    self.diags.push(d);
                    None
                }
            }
            (Ty::Name, K::Name(n)) => Some(SettingValue::Name(n.clone())),
            (Ty::Names, K::List(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        K::Name(n) => out.push(SettingValue::Name(n.clone())),
                        _ => {
                            self.mistyped_value(key, ty, item);
                            return None;
                        }
                    }
                }
                Some(SettingValue::List(out))
            }
            (Ty::Ops, K::List(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        K::Name(n) => {
                            out.push(self.choice(key, schema::EVOLVE_OPS, n, item.span)?)
                        }
                        _ => {
                            self.mistyped_value(key, ty, item);
                            return None;
                        }
                    }
                }
                Some(SettingValue::List(out))
            }
            (Ty::Library, K::List(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        K::Call { callee, args }
                            if schema::GENERATORS.iter().any(|g| g.name == callee.name) =>
                        {
                            out.push(self.call(key, schema::GENERATORS, callee, args, model)?)
                        }
                        K::Str(_) => {
                            self.mistyped(key, ty, item.span, "a string");
                            return None;
                        }
                        _ => out.push(SettingValue::Function(function::library_term(
                            self.globals,
                            self.diags,
                            item,
                        )?)),
                    }
                }
                Some(SettingValue::List(out))
            }
            _ => {
                self.mistyped_value(key, ty, e);
                None
            }
        }
    }

    /// Could this be a number? Names must be constants (`pi`, or a top-level `const`).
    fn is_numeric(&self, e: &ast::Expr) -> bool {
        match &e.kind {
            ast::ExprKind::Str(_) | ast::ExprKind::List(_) => false,
            ast::ExprKind::Name(n) => {
                super::builtins::constant(n).is_some()
                    || matches!(self.globals.constant(0, n), Found::One(..))
            }
            _ => true,
        }
    }

    fn out_of_range(&mut self, key: &str, span: Span, v: f64, want: &str) {
        self.diags.push(Diagnostic::new(
            Code::SettingOutOfRange,
            span,
            format!("`{key}` must be {want}, not {v}"),
            "out of range",
        ));
    }

    fn choice(
        &mut self,
        key: &str,
        choices: &[&str],
        name: &str,
        span: Span,
    ) -> Option<SettingValue> {
        if choices.contains(&name) {
            return Some(SettingValue::Name(name.to_string()));
        }
        let mut d = Diagnostic::new(
            Code::UnknownChoice,
            span,
            format!("`{name}` is not a valid `{key}`"),
            "unknown choice",
        )
        .with_note(format!(
            "valid: {}",
            choices
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(h) = suggest::did_you_mean(name, choices.iter().copied()) {
            d = d.with_help(h);
        }
        self.diags.push(d);
        None
    }

    pub(super) fn call(
        &mut self,
        key: &str,
        calls: &[CallSchema],
        callee: &ast::Ident,
        args: &[ast::Arg],
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        let names: Vec<&str> = calls.iter().map(|c| c.name).collect();
        let Some(schema) = calls.iter().find(|c| c.name == callee.name) else {
            return self
                .choice(key, &names, &callee.name, callee.span)
                .and(None);
        };
        let args = match self.record(&callee.name, schema.options, args, model)? {
            SettingValue::Record(map) => map,
            _ => BTreeMap::new(),
        };
        if let Some(missing) = schema
            .options
            .iter()
            .find(|o| o.required && !args.contains_key(o.name))
        {
            self.diags.push(
                Diagnostic::new(
                    Code::MissingSetting,
                    callee.span,
                    format!("`{}` needs the option `{}`", schema.name, missing.name),
                    format!("no `{}` here", missing.name),
                )
                .with_help(format!("add `{}: …`: {}", missing.name, missing.doc)),
            );
            return None;
        }
        Some(SettingValue::Call {
            name: schema.name.to_string(),
            args,
        })
    }
}

/// A folder name a job may write under `OUT/<target>/`: one path component, so a job block
/// cannot write outside its target's folder.
fn folder_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
