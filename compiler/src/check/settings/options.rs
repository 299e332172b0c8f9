//! Reading one level of a validated setting tree: a value the block gave, or else the
//! default its schema declares. The checker has already checked every value against the
//! same schema, so a reader here only picks the right variant; a value of an unexpected
//! variant cannot occur and reads as the default.

use super::super::jobs::{SettingValue, Settings};
use super::super::model::{JobKind, Model};
use super::super::schema::{self, CallSchema, Default, Opt, Ty};
use super::JobSettings;
use crate::diagnostics::Diagnostics;
use crate::source::Span;
use std::collections::BTreeMap;

/// The typed settings of a checked job block. `model` is the trained or simulated model;
pub fn read(
    kind: JobKind,
    settings: &Settings,
    model: Option<&Model>,
    diags: &mut Diagnostics,
) -> JobSettings {
    let values: BTreeMap<String, SettingValue> = settings
        .values
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    let spans: BTreeMap<String, Span> = settings
        .values
        .iter()
        .map(|(k, (_, s))| (k.clone(), *s))
        .collect();
    let top = Options {
        values: Some(&values),
        schema: schema::settings(kind),
        spans: &spans,
    };
    match kind {
        JobKind::Train => JobSettings::Train(Box::new(super::train::read(&top, model))),
        JobKind::Simulate => JobSettings::Simulate(Box::new(super::simulate::read(&top))),
        JobKind::Discover => JobSettings::Discover(Box::new(super::discover::read(&top, diags))),
        JobKind::Evolve => JobSettings::Evolve(Box::new(super::evolve::read(&top, diags))),
    }
}

static NO_SPANS: BTreeMap<String, Span> = BTreeMap::new();

/// One level of settings (a block, a record, a call's options) with its schema.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    values: Option<&'a BTreeMap<String, SettingValue>>,
    schema: &'static [Opt],
    /// Where each top-level setting was written (empty below the top).
    spans: &'a BTreeMap<String, Span>,
}

impl<'a> Options<'a> {
    /// The options of the schema alone: every value its default.
    pub fn defaults(schema: &'static [Opt]) -> Options<'a> {
        Options {
            values: None,
            schema,
            spans: &NO_SPANS,
        }
    }

    /// The schema of this level.
    pub fn schema(&self) -> &'static [Opt] {
        self.schema
    }

    pub fn get(&self, key: &str) -> Option<&'a SettingValue> {
        self.values.and_then(|v| v.get(key))
    }

    /// Where the block wrote the setting `key` (top level only).
    pub fn span(&self, key: &str) -> Option<Span> {
        self.spans.get(key).copied()
    }

    fn default(&self, key: &str) -> Default {
        let found = schema::find(self.schema, key);
        debug_assert!(found.is_some(), "`{key}` is not in the schema");
        found.map_or(Default::Described(""), |o| o.default)
    }

    /// A number, or its default.
    pub fn num(&self, key: &str) -> f64 {
        match (self.get(key), self.default(key)) {
            (Some(SettingValue::Number(v)), _) => *v,
            (Some(SettingValue::Int(v)), _) => *v as f64,
            (_, Default::Num(v)) => v,
            (_, Default::Int(v)) => v as f64,
            _ => {
                debug_assert!(false, "`{key}` has no numeric default");
                0.0
            }
        }
    }

    /// A whole number, or its default.
    pub fn int(&self, key: &str) -> usize {
        match self.count(key) {
            Some(n) => n,
            None => match self.default(key) {
                Default::Int(v) => v.max(0) as usize,
                _ => {
                    debug_assert!(false, "`{key}` has no integer default");
                    0
                }
            },
        }
    }

    /// A whole number the block gave, if it gave one.
    pub fn count(&self, key: &str) -> Option<usize> {
        match self.get(key) {
            Some(SettingValue::Int(v)) => Some((*v).max(0) as usize),
            Some(SettingValue::Number(v)) => Some(v.max(0.0) as usize),
            _ => None,
        }
    }

    pub fn boolean(&self, key: &str) -> bool {
        match (self.get(key), self.default(key)) {
            (Some(SettingValue::Bool(b)), _) => *b,
            (_, Default::Bool(b)) => b,
            _ => false,
        }
    }

    /// A name (a choice), or its default.
    pub fn name(&self, key: &str) -> &'a str {
        match (self.get(key), self.default(key)) {
            (Some(SettingValue::Name(n)), _) => n,
            (_, Default::Name(n)) => n,
            _ => "",
        }
    }

    /// A string the block gave.
    pub fn string(&self, key: &str) -> Option<&'a str> {
        match self.get(key) {
            Some(SettingValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The names of a list the block gave (empty when absent).
    pub fn names(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(SettingValue::List(items)) => items
                .iter()
                .filter_map(|i| match i {
                    SettingValue::Name(n) => Some(n.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The options of a record setting (all defaults when the block does not give it).
    pub fn record(&self, key: &str) -> Options<'a> {
        let schema = match schema::find(self.schema, key).map(|o| &o.ty) {
            Some(Ty::Record(fields)) => fields,
            _ => &[][..],
        };
        Options {
            values: match self.get(key) {
                Some(SettingValue::Record(r)) => Some(r),
                _ => None,
            },
            schema,
            spans: &NO_SPANS,
        }
    }

    /// The call a setting names (`adam(lr: 1e-2)`, or a bare `rk4`) with its options, or the
    /// default call; `None` when the block gives none and the default is not one call.
    pub fn call(&self, key: &str) -> Option<(&'static str, Options<'a>)> {
        let calls = self.calls_of(key);
        match self.get(key) {
            Some(value) => call_of(calls, value),
            // A call option this level does not have (`features` of `siren`) has no default.
            None => match schema::find(self.schema, key).map(|o| o.default) {
                Some(Default::Name(n)) => self.default_call(key, n),
                _ => None,
            },
        }
    }

    /// The `name: call` pairs of a setting written per name (`net u: mlp(…), k: mlp(…)`), in
    /// name order; empty when the setting is one call or absent.
    pub fn named_calls(&self, key: &str) -> Vec<(&'a str, &'static str, Options<'a>)> {
        let calls = self.calls_of(key);
        match self.get(key) {
            Some(SettingValue::Record(entries)) => entries
                .iter()
                .filter_map(|(name, v)| {
                    call_of(calls, v).map(|(call, options)| (name.as_str(), call, options))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The call `name` among those the setting `key` takes, with every option its default.
    pub fn default_call(&self, key: &str, name: &str) -> Option<(&'static str, Options<'a>)> {
        self.calls_of(key)
            .iter()
            .find(|c| c.name == name)
            .map(|c| (c.name, Options::defaults(c.options)))
    }

    /// The stages of a `then` sequence the block gave (empty when absent).
    pub fn stages(&self, key: &str) -> Vec<(&'static str, Options<'a>)> {
        let calls = self.calls_of(key);
        match self.get(key) {
            Some(SettingValue::Stages(list)) => {
                list.iter().filter_map(|v| call_of(calls, v)).collect()
            }
            Some(single) => call_of(calls, single).into_iter().collect(),
            None => Vec::new(),
        }
    }

    fn calls_of(&self, key: &str) -> &'static [CallSchema] {
        match schema::find(self.schema, key).map(|o| o.ty) {
            Some(Ty::Calls(calls) | Ty::Networks(calls)) => calls,
            Some(Ty::Seq(Ty::Calls(calls))) => calls,
            Some(Ty::Library) => schema::GENERATORS,
            _ => &[],
        }
    }

    /// The calls and other values of a list setting (a library).
    pub fn items(&self, key: &str) -> Vec<Item<'a>> {
        let calls = self.calls_of(key);
        match self.get(key) {
            Some(SettingValue::List(items)) => items
                .iter()
                .map(|v| match call_of(calls, v) {
                    Some((name, options)) => Item::Call(name, options),
                    None => Item::Value(v),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// An element of a list setting: a call of the schema, or another value.
pub enum Item<'a> {
    Call(&'static str, Options<'a>),
    Value(&'a SettingValue),
}

fn call_of<'a>(
    calls: &'static [CallSchema],
    value: &'a SettingValue,
) -> Option<(&'static str, Options<'a>)> {
    let (name, args) = match value {
        SettingValue::Call { name, args } => (name.as_str(), Some(args)),
        SettingValue::Name(name) => (name.as_str(), None),
        _ => return None,
    };
    let call = calls.iter().find(|c| c.name == name)?;
    Some((
        call.name,
        Options {
            values: args,
            schema: call.options,
            spans: &NO_SPANS,
        },
    ))
}
