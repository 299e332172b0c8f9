//! The `net` setting of a `train` block: one network for every field (`net mlp(…)`), or one
//! network per field or group of fields (`net u: mlp(…), k: mlp(width: 8)`). The call itself
//! is validated like any other setting call; this file owns what only the model can tell:
//! that every field comes from exactly one network, and that a network takes every variable
//! its fields depend on (E0414).

use super::architectures;
use super::jobs::{JobChecker, SettingValue};
use super::model::{EquationKind, Expr, ExprKind as ModelExprKind, Model};
use super::schema::{CallSchema, Ty};
use super::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind};
use std::collections::BTreeMap;

/// One network as written, for the coverage check.
struct Written<'e> {
    /// The network's name (the record key), or None for the single `net mlp(…)`.
    name: Option<&'e ast::Ident>,
    call: &'e ast::Expr,
    value: SettingValue,
}

impl JobChecker<'_, '_> {
    /// `net mlp(…)`: one network, giving every field unless `fields` says otherwise.
    pub(super) fn single_network(
        &mut self,
        key: &str,
        calls: &'static [CallSchema],
        call: &ast::Expr,
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        let expanded = self.expand_definition(call).ok()?;
        let call = expanded.as_ref().unwrap_or(call);
        let value = self.value(key, &Ty::Calls(calls), call, model)?;
        let written = [Written {
            name: None,
            call,
            value,
        }];
        self.cover(model, &written, call.span).then(|| {
            let [w] = written;
            w.value
        })
    }

    /// `net u: mlp(…), k: mlp(…)`: one network per entry, named by its key.
    pub(super) fn networks(
        &mut self,
        key: &str,
        calls: &'static [CallSchema],
        args: &[ast::Arg],
        span: Span,
        model: Option<&Model>,
    ) -> Option<SettingValue> {
        let mut ok = true;
        // Calls of network definitions, expanded to the `mlp(…)` they denote first, so
        // the loop below can borrow them.
        let expanded: Vec<Option<ast::Expr>> = args
            .iter()
            .map(|arg| {
                self.expand_definition(&arg.value).unwrap_or_else(|()| {
                    ok = false;
                    None
                })
            })
            .collect();
        let mut written: Vec<Written> = Vec::new();
        for (arg, expanded) in args.iter().zip(&expanded) {
            let call = expanded.as_ref().unwrap_or(&arg.value);
            let Some(name) = &arg.name else {
                self.diags.push(
                    Diagnostic::new(
                        Code::BadSettingValue,
                        arg.value.span,
                        format!("networks of `{key}` are named"),
                        "unnamed network",
                    )
                    .with_help("write `name: mlp(...)`; the name is the field it gives, or list them in `fields`"),
                );
                ok = false;
                continue;
            };
            if let Some(first) = written
                .iter()
                .find(|w| w.name.map(|n| &n.name) == Some(&name.name))
            {
                let first = first.name.map_or(span, |n| n.span);
                self.diags.push(
                    Diagnostic::new(
                        Code::DuplicateSetting,
                        name.span,
                        format!("network `{}` is given twice", name.name),
                        "given again here",
                    )
                    .with_label(first, "first given here"),
                );
                ok = false;
                continue;
            }
            match self.value(key, &Ty::Calls(calls), call, model) {
                Some(value) => written.push(Written {
                    name: Some(name),
                    call,
                    value,
                }),
                None => ok = false,
            }
        }
        if !ok || !self.cover(model, &written, span) {
            return None;
        }
        if let Some(model) = model {
            self.unpinned(model, span);
        }
        let record: BTreeMap<String, SettingValue> = written
            .into_iter()
            .filter_map(|w| Some((w.name?.name.clone(), w.value)))
            .collect();
        Some(SettingValue::Record(record))
    }

    /// The `mlp(…)` call a call of a network definition denotes (None: `call` is not one);
    /// Err when the expansion failed, its errors reported (or already reported where the
    /// definition is, when it fails with its defaults).
    fn expand_definition(&mut self, call: &ast::Expr) -> Result<Option<ast::Expr>, ()> {
        let Some(decl) = architectures::definition_called(call, &self.globals.networks) else {
            return Ok(None);
        };
        if self.globals.broken_networks.contains(&decl.name.name) {
            return Err(());
        }
        let args: &[ast::Arg] = match &call.kind {
            ExprKind::Call { args, .. } => args,
            _ => &[],
        };
        match architectures::expand(decl, args, call.span) {
            Ok(expanded) => Ok(Some(expanded)),
            Err(errors) => {
                for d in errors {
                    self.diags
                        .push(d.with_label(call.span, format!("`{}` called here", decl.name.name)));
                }
                Err(())
            }
        }
    }

    /// Whether every field of `model` comes from exactly one of the networks, each field a
    /// network names exists, and each network takes its fields' variables; raises E0414
    /// where not.
    fn cover(&mut self, model: Option<&Model>, written: &[Written], whole: Span) -> bool {
        let Some(model) = model else { return true };
        let field_names: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
        let mut owner: Vec<Option<(String, Span)>> = vec![None; model.fields.len()];
        let mut ok = true;
        for w in written {
            let network = w
                .name
                .map_or("net".to_string(), |n| format!("`{}`", n.name));
            let listed = fields_listed(w.call);
            let fields: Vec<(String, Span)> = match (&listed, w.name) {
                (Some(items), _) => items.clone(),
                (None, Some(name)) => vec![(name.name.clone(), name.span)],
                (None, None) => model
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), w.call.span))
                    .collect(),
            };
            let inputs = inputs_listed(&w.value, model);
            for (field, span) in fields {
                let Some(id) = model.fields.iter().position(|f| f.name == field) else {
                    let mut d = Diagnostic::new(
                        Code::FieldNetworks,
                        span,
                        format!("`{field}` is not a field of `{}`", model.name),
                        "not a field",
                    )
                    .with_note(format!("fields: {}", field_names.join(", ")));
                    d = match (listed.is_some(), suggest::did_you_mean(&field, field_names.iter().copied())) {
                        (_, Some(h)) => d.with_help(h),
                        (false, None) => d.with_help(format!(
                            "a network named after no field says which it gives: `{field}: mlp(fields: [{}])`",
                            field_names.first().copied().unwrap_or("u")
                        )),
                        (true, None) => d,
                    };
                    self.diags.push(d);
                    ok = false;
                    continue;
                };
                if let Some((other, other_span)) = &owner[id] {
                    self.diags.push(
                        Diagnostic::new(
                            Code::FieldNetworks,
                            span,
                            format!(
                                "field `{field}` is given by two networks, {other} and {network}"
                            ),
                            "given again here",
                        )
                        .with_label(*other_span, "first given here")
                        .with_help("each field comes from one network; list it in one `fields`"),
                    );
                    ok = false;
                    continue;
                }
                owner[id] = Some((network.clone(), span));
                if let Some(inputs) = &inputs {
                    let f = &model.fields[id];
                    if let Some(&missing) = f.inputs.iter().find(|v| !inputs.contains(v)) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::FieldNetworks,
                                w.call.span,
                                format!(
                                    "network {network} gives `{field}`, which depends on `{}`, but does not take it as input",
                                    model.variables[missing].name
                                ),
                                format!("no `{}` among the inputs", model.variables[missing].name),
                            )
                            .with_label(f.span, "declared here")
                            .with_help("add it to `inputs`, or leave `inputs` out: a network takes its fields' variables"),
                        );
                        ok = false;
                    }
                }
            }
        }
        for (id, f) in model.fields.iter().enumerate() {
            if owner[id].is_none() && ok {
                self.diags.push(
                    Diagnostic::new(
                        Code::FieldNetworks,
                        whole,
                        format!("field `{}` comes from no network", f.name),
                        format!("no network gives `{}`", f.name),
                    )
                    .with_label(f.span, "declared here")
                    .with_help(format!(
                        "add `{}: mlp(...)`, or list it in a network's `fields`",
                        f.name
                    )),
                );
                ok = false;
            }
        }
        ok
    }
}

impl JobChecker<'_, '_> {
    /// W0006: with a network per field, a field that no initial or boundary condition
    /// mentions, in a model without `data`, is left to the equations alone; an unknown
    /// coefficient function (`k(x)` in −(k u′)′ = f) is then not determined (k and u can
    /// trade), so observations are what a learnable field needs.
    fn unpinned(&mut self, model: &Model, net: Span) {
        if !model.data.is_empty() {
            return;
        }
        for (id, f) in model.fields.iter().enumerate() {
            let pinned = model.equations.iter().any(|e| {
                matches!(
                    e.kind,
                    EquationKind::Initial | EquationKind::Boundary { .. }
                ) && mentions(&e.lhs, id) | mentions(&e.rhs, id)
            });
            if !pinned {
                self.diags.push(
                    Diagnostic::new(
                        Code::UnpinnedField,
                        net,
                        format!(
                            "field `{}` has its own network but no condition and no data pin it down",
                            f.name
                        ),
                        "networks per field",
                    )
                    .with_label(f.span, "declared here")
                    .with_help(format!(
                        "an unknown coefficient is identified by observations: add measurements of a field it acts on (`data {} from \"obs.npz\"`), or a condition on `{}`",
                        model.fields.first().map_or("u", |f| f.name.as_str()),
                        f.name
                    )),
                );
            }
        }
    }
}

fn mentions(e: &Expr, field: usize) -> bool {
    let mut found = false;
    e.walk(&mut |n| found |= matches!(n.kind, ModelExprKind::Field(r) if r.field == field));
    found
}

/// The names a call's `fields: [...]` lists, with where each is written.
fn fields_listed(call: &ast::Expr) -> Option<Vec<(String, Span)>> {
    let ExprKind::Call { args, .. } = &call.kind else {
        return None;
    };
    let arg = args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "fields"))?;
    let ExprKind::List(items) = &arg.value.kind else {
        return None;
    };
    Some(
        items
            .iter()
            .filter_map(|item| match &item.kind {
                ExprKind::Name(n) => Some((n.clone(), item.span)),
                _ => None,
            })
            .collect(),
    )
}

/// The variables a validated call's `inputs` lists, if it lists them.
fn inputs_listed(value: &SettingValue, model: &Model) -> Option<Vec<usize>> {
    let SettingValue::Call { args, .. } = value else {
        return None;
    };
    let SettingValue::List(items) = args.get("inputs")? else {
        return None;
    };
    Some(
        items
            .iter()
            .filter_map(|v| match v {
                SettingValue::Name(n) => model.variables.iter().position(|var| &var.name == n),
                _ => None,
            })
            .collect(),
    )
}
