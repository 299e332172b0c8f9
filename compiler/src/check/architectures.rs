//! Network definitions (`network resnet(width: 64, blocks: 2) { … }`, spec §5.2.2): checked
//! once where they are defined (with their defaults), and expanded at every call in a
//! `train` block's `net` setting into the built-in `mlp(…)` call they denote, with per-layer
//! `widths`, `acts`, `inits` and `residuals`. The expanded call is then validated like one
//! the user wrote, so a definition adds no path of its own to the settings or the runtime:
//! every layer is a dense layer of the one network kind whose jets and reverse pass exist,
//! and a `residual` block is a skip connection between two of its layers.
//!
//! Names inside a body are the definition's parameters (bound to the call's arguments, or
//! their defaults); widths and counts must come out as whole numbers.
//!
//! A body with `gates(…)` and `gate()` layers (`gates.rs`) expands instead into the
//! built-in `modified_mlp(…)` call with its `gated` layers: the encoders and the element-wise
//! mixing are that network's, whose jets and reverse pass exist.

mod gates;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast::{self, Arg, BinOp, Expr, ExprKind, Ident, Layer, NetworkDecl};
use std::collections::HashMap;

/// The layer statements a body may hold.
const LAYER_KINDS: &[&str] = &[
    "dense", "fourier", "gaussian", "gates", "gate", "residual", "repeat",
];

/// Options of `dense(…)`; its width may also come first, unnamed.
const DENSE_OPTIONS: &[&str] = &["width", "act", "init"];

/// Options of every network call that say what a network takes and gives, not how it is
/// built: they pass through to the expanded call and cannot be parameter names.
const PASSED_THROUGH: &[&str] = &["fields", "inputs", "factorize", "init"];

/// The most dense layers an expansion may produce (a `repeat` count that runs away stops
/// here instead of building a network no one meant).
const MAX_LAYERS: usize = 1000;

/// How deep names may refer to names (`head: width`, `width: 2 * base`) before expansion
/// stops: parameters refer only to one another, so a longer chain is a cycle.
const MAX_INDIRECTION: usize = 32;

/// Checks a definition on its own: parameter names, and an expansion with the defaults.
/// False when it reported an error.
pub(super) fn check_definition(decl: &NetworkDecl, diags: &mut Diagnostics) -> bool {
    let mut ok = true;
    if super::schema::network_kinds().any(|k| k == decl.name.name) {
        diags.push(
            Diagnostic::new(
                Code::ShadowsBuiltin,
                decl.name.span,
                format!(
                    "network `{}` hides the built-in network of the same name",
                    decl.name.name
                ),
                "the built-in is hidden",
            )
            .with_help("rename it to keep the built-in available"),
        );
    }
    for (i, p) in decl.params.iter().enumerate() {
        if let Some(first) = decl.params[..i].iter().find(|q| q.name.name == p.name.name) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    p.name.span,
                    format!("parameter `{}` is declared twice", p.name.name),
                    "declared again here",
                )
                .with_label(first.name.span, "first declared here"),
            );
            ok = false;
        }
        if PASSED_THROUGH.contains(&p.name.name.as_str()) {
            diags.push(
                Diagnostic::new(
                    Code::ReservedName,
                    p.name.span,
                    format!(
                        "`{}` is an option of every network call and cannot be a parameter",
                        p.name.name
                    ),
                    "reserved for the call",
                )
                .with_help(format!(
                    "rename it; a call may pass {} to any network",
                    list(PASSED_THROUGH)
                )),
            );
            ok = false;
        }
    }
    if ok {
        if let Err(errors) = expand(decl, &[], decl.name.span) {
            errors.into_iter().for_each(|d| diags.push(d));
            ok = false;
        }
    }
    ok
}

/// The `mlp(…)` call that `call_args` given to `decl` denote, spanned at `call_span`; or the
/// diagnostics that stop it.
pub(super) fn expand(
    decl: &NetworkDecl,
    call_args: &[Arg],
    call_span: Span,
) -> Result<Expr, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut env: HashMap<&str, &Expr> = decl
        .params
        .iter()
        .map(|p| (p.name.name.as_str(), &p.default))
        .collect();
    let mut passed = Vec::new();
    for arg in call_args {
        let Some(name) = &arg.name else {
            errors.push(
                Diagnostic::new(
                    Code::BadSettingValue,
                    arg.value.span,
                    format!("the options of network `{}` are named", decl.name.name),
                    "unnamed option",
                )
                .with_help(format!(
                    "write `name: value`; `{}` takes {}",
                    decl.name.name,
                    {
                        let names: Vec<&str> =
                            decl.params.iter().map(|p| p.name.name.as_str()).collect();
                        list(&names)
                    }
                )),
            );
            continue;
        };
        if PASSED_THROUGH.contains(&name.name.as_str()) {
            passed.push(arg.clone());
        } else if env.contains_key(name.name.as_str()) {
            // Call arguments live at the call; they never refer to the definition's names.
            env.insert(name.name.as_str(), &arg.value);
        } else {
            let mut valid: Vec<&str> = decl.params.iter().map(|p| p.name.name.as_str()).collect();
            valid.extend_from_slice(PASSED_THROUGH);
            let message = format!("network `{}` has no option `{}`", decl.name.name, name.name);
            errors.push(
                unknown(
                    Code::UnknownOption,
                    name,
                    message,
                    "not an option of this network",
                    &valid,
                )
                .with_label(decl.name.span, "defined here"),
            );
        }
    }
    if let Some(preset) = preset_call(decl, &env, passed.clone()) {
        return if errors.is_empty() {
            Ok(preset)
        } else {
            Err(errors)
        };
    }
    let mut stack = Stack {
        env: &env,
        decl,
        layers: Vec::new(),
        features: None,
        residuals: Vec::new(),
        gates: None,
        gated: Vec::new(),
        errors,
    };
    stack.layers_of(&decl.layers);
    if stack.gates.is_some() && stack.errors.is_empty() {
        stack.check_gated();
    }
    if stack.layers.is_empty() && stack.errors.is_empty() {
        stack.errors.push(
            Diagnostic::new(
                Code::LayersDoNotChain,
                decl.name.span,
                format!("network `{}` has no dense layer", decl.name.name),
                "nothing to train",
            )
            .with_help("add at least one `dense(width, act: …)`"),
        );
    }
    if !stack.errors.is_empty() {
        return Err(stack.errors);
    }
    Ok(stack.into_call(passed, call_span))
}

/// One dense layer as expanded.
struct Dense {
    width: usize,
    /// Where the width was written, for the labels of a skip that does not fit.
    span: Span,
    act: Expr,
    init: Option<Expr>,
}

/// The expansion so far.
struct Stack<'d> {
    env: &'d HashMap<&'d str, &'d Expr>,
    decl: &'d NetworkDecl,
    layers: Vec<Dense>,
    features: Option<Expr>,
    /// Skip connections as (from, to) layer indices, 0-based.
    residuals: Vec<(usize, usize)>,
    /// `gates(act: …)`: the two encoders, with their activation and where they were written.
    gates: Option<(Expr, Span)>,
    /// The dense layers a `gate()` follows, 0-based, with the gate's span.
    gated: Vec<(usize, Span)>,
    errors: Vec<Diagnostic>,
}

impl Stack<'_> {
    fn layers_of(&mut self, layers: &[Layer]) {
        for layer in layers {
            if self.layers.len() > MAX_LAYERS {
                return;
            }
            self.layer(layer);
        }
    }

    fn layer(&mut self, layer: &Layer) {
        let kind = layer.kind.name.as_str();
        match (kind, &layer.body) {
            ("dense", None) => self.dense(layer),
            ("fourier" | "gaussian", None) => self.features(layer),
            ("gates", None) => self.gates(layer),
            ("gate", None) => self.gate(layer),
            ("residual", Some(body)) if layer.count.is_none() => self.residual(layer, body),
            ("repeat", Some(body)) => self.repeat(layer, body),
            ("dense" | "fourier" | "gaussian" | "gates" | "gate", Some(_)) => {
                self.misuse(layer, "a layer call: write `dense(…)`")
            }
            ("residual", _) => self.misuse(layer, "a block: write `residual { … }`"),
            ("repeat", None) => self.misuse(layer, "a block: write `repeat N { … }`"),
            (kind, None) if super::schema::network_kinds().any(|k| k == kind) => {
                self.errors.push(
                    Diagnostic::new(
                        Code::LayersDoNotChain,
                        layer.span,
                        format!("`{kind}` is a whole network, not a layer"),
                        "a built-in network among layers",
                    )
                    .with_help(format!(
                        "a definition may be one `{kind}(…)` call alone (a preset of it), or layers"
                    )),
                );
            }
            _ => {
                let message = format!("unknown layer `{kind}`");
                self.errors.push(unknown(
                    Code::UnknownLayer,
                    &layer.kind,
                    message,
                    "not a layer",
                    LAYER_KINDS,
                ));
            }
        }
    }

    fn misuse(&mut self, layer: &Layer, how: &str) {
        self.errors.push(
            Diagnostic::new(
                Code::UnknownLayer,
                layer.kind.span,
                format!(
                    "`{}` is {}",
                    layer.kind.name,
                    how.split(':').next().unwrap_or(how)
                ),
                "written the other way",
            )
            .with_help(how.split_once(": ").map_or(how, |(_, h)| h).to_string()),
        );
    }

    fn dense(&mut self, layer: &Layer) {
        let mut width = None;
        let (mut act, mut init) = (None, None);
        for (i, arg) in layer.args.iter().enumerate() {
            match arg.name.as_ref().map(|n| n.name.as_str()) {
                None if i == 0 => width = Some(&arg.value),
                Some("width") => width = Some(&arg.value),
                Some("act") => act = Some(self.substitute(&arg.value)),
                Some("init") => init = Some(self.substitute(&arg.value)),
                None => self.errors.push(
                    Diagnostic::new(
                        Code::BadSettingValue,
                        arg.value.span,
                        "only the width of `dense` may be given unnamed",
                        "unnamed option",
                    )
                    .with_help("write `act: …` or `init: …`"),
                ),
                Some(other) => {
                    let name = arg.name.as_ref().expect("named");
                    self.errors.push(unknown(
                        Code::UnknownOption,
                        name,
                        format!("`dense` has no option `{other}`"),
                        "not an option of `dense`",
                        DENSE_OPTIONS,
                    ));
                }
            }
        }
        let Some(width_expr) = width else {
            self.errors.push(
                Diagnostic::new(
                    Code::MissingSetting,
                    layer.span,
                    "`dense` needs a width",
                    "no width",
                )
                .with_help("write `dense(64)` or `dense(width: 64, act: tanh)`"),
            );
            return;
        };
        let Some(width) = self.whole(width_expr, "a layer's width", 1) else {
            return;
        };
        let act = act.unwrap_or_else(|| Expr {
            kind: ExprKind::Name("tanh".to_string()),
            span: layer.span,
        });
        self.layers.push(Dense {
            width,
            span: width_expr.span,
            act,
            init,
        });
    }

    fn features(&mut self, layer: &Layer) {
        if !self.layers.is_empty() || self.features.is_some() {
            self.errors.push(
                Diagnostic::new(
                    Code::LayersDoNotChain,
                    layer.span,
                    format!(
                        "`{}` features come before every other layer",
                        layer.kind.name
                    ),
                    "an embedding of the inputs, after a layer",
                )
                .with_help("move it to the top of the network, once"),
            );
            return;
        }
        let args = layer
            .args
            .iter()
            .map(|a| Arg {
                name: a.name.clone(),
                value: substitute_deep(&a.value, &|e| self.substitute(e)),
            })
            .collect();
        self.features = Some(call(&layer.kind.name, args, layer.span));
    }

    fn residual(&mut self, layer: &Layer, body: &[Layer]) {
        let Some(from) = self.layers.len().checked_sub(1) else {
            self.errors.push(
                Diagnostic::new(
                    Code::LayersDoNotChain,
                    layer.span,
                    "a `residual` block needs a dense layer before it",
                    "nothing to skip from",
                )
                .with_help("its output is its input plus what it computes: put a `dense(…)` of the same width before it"),
            );
            return;
        };
        let errors = self.errors.len();
        self.layers_of(body);
        if self.errors.len() > errors {
            return;
        }
        let to = self.layers.len() - 1;
        if to == from {
            self.errors.push(
                Diagnostic::new(
                    Code::LayersDoNotChain,
                    layer.span,
                    "a `residual` block without a dense layer",
                    "empty block",
                )
                .with_help("put the layers the skip goes around inside it"),
            );
            return;
        }
        let (input, output) = (&self.layers[from], &self.layers[to]);
        if input.width != output.width {
            self.errors.push(
                Diagnostic::new(
                    Code::LayersDoNotChain,
                    output.span,
                    format!(
                        "a `residual` block from width {} to width {}",
                        input.width, output.width
                    ),
                    format!("the block ends at width {}", output.width),
                )
                .with_label(input.span, format!("its input has width {}", input.width))
                .with_label(layer.kind.span, "the block adds its input to its output")
                .with_help("end the block with a layer as wide as the one before it"),
            );
            return;
        }
        self.residuals.push((from, to));
    }

    fn repeat(&mut self, layer: &Layer, body: &[Layer]) {
        let Some(count_expr) = &layer.count else {
            self.misuse(layer, "a block with a count: write `repeat 3 { … }`");
            return;
        };
        let Some(count) = self.whole(count_expr, "a repeat count", 1) else {
            return;
        };
        for _ in 0..count {
            let errors = self.errors.len();
            self.layers_of(body);
            if self.errors.len() > errors {
                return;
            }
            if self.layers.len() > MAX_LAYERS {
                self.errors.push(
                    Diagnostic::new(
                        Code::SettingOutOfRange,
                        count_expr.span,
                        format!("the network would have more than {MAX_LAYERS} layers"),
                        "too many repeats",
                    )
                    .with_help("a smaller count"),
                );
                return;
            }
        }
    }

    /// `e` with parameters replaced by their values (call arguments or defaults).
    fn substitute(&self, e: &Expr) -> Expr {
        let mut e = e.clone();
        for _ in 0..MAX_INDIRECTION {
            match &e.kind {
                ExprKind::Name(n) => match self.env.get(n.as_str()) {
                    Some(value) => e = (*value).clone(),
                    None => return e,
                },
                _ => return e,
            }
        }
        e
    }

    /// The whole number ≥ `min` that `e` denotes (a number, a parameter, or + − * / of
    /// them), or an error naming `what` it should be.
    fn whole(&mut self, e: &Expr, what: &str, min: i64) -> Option<usize> {
        let value = self.evaluate(e, 0);
        match value {
            Some(v) if v.fract() == 0.0 && v >= min as f64 && v <= 1e9 => Some(v as usize),
            _ => {
                let shown = value.map_or(String::new(), |v| format!(" (it is {v})"));
                self.errors.push(
                    Diagnostic::new(
                        Code::BadSettingValue,
                        e.span,
                        format!("{what} must be a whole number ≥ {min}{shown}"),
                        "not a whole number here",
                    )
                    .with_help(format!(
                        "a number, a parameter of `{}`, or + − * / of them",
                        self.decl.name.name
                    )),
                );
                None
            }
        }
    }

    fn evaluate(&self, e: &Expr, depth: usize) -> Option<f64> {
        if depth > MAX_INDIRECTION {
            return None;
        }
        match &e.kind {
            ExprKind::Number { value, .. } => Some(*value),
            ExprKind::Name(n) => self.evaluate(self.env.get(n.as_str())?, depth + 1),
            ExprKind::Neg(inner) => Some(-self.evaluate(inner, depth + 1)?),
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (
                    self.evaluate(lhs, depth + 1)?,
                    self.evaluate(rhs, depth + 1)?,
                );
                match op {
                    BinOp::Add => Some(a + b),
                    BinOp::Sub => Some(a - b),
                    BinOp::Mul => Some(a * b),
                    BinOp::Div if b != 0.0 => Some(a / b),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The `mlp(…)` call of the expanded layers.
    fn into_call(self, mut passed: Vec<Arg>, span: Span) -> Expr {
        if self.gates.is_some() {
            return self.into_gated_call(passed, span);
        }
        let named = |name: &str, value: Expr| Arg {
            name: Some(Ident {
                name: name.to_string(),
                span,
            }),
            value,
        };
        let list_of = |items: Vec<Expr>| Expr {
            kind: ExprKind::List(items),
            span,
        };
        let mut args = vec![
            named(
                "widths",
                list_of(
                    self.layers
                        .iter()
                        .map(|l| number(l.width, l.span))
                        .collect(),
                ),
            ),
            named(
                "acts",
                list_of(self.layers.iter().map(|l| l.act.clone()).collect()),
            ),
        ];
        if self.layers.iter().any(|l| l.init.is_some()) {
            // Layers without their own take the call's `init`, as the output layer does.
            let default = passed
                .iter()
                .find(|a| a.name.as_ref().is_some_and(|n| n.name == "init"))
                .map_or_else(
                    || Expr {
                        kind: ExprKind::Name("glorot".to_string()),
                        span,
                    },
                    |a| a.value.clone(),
                );
            let inits = self
                .layers
                .iter()
                .map(|l| l.init.clone().unwrap_or_else(|| default.clone()))
                .collect();
            args.push(named("inits", list_of(inits)));
        }
        if !self.residuals.is_empty() {
            let pairs = self
                .residuals
                .iter()
                .map(|&(from, to)| {
                    list_of(vec![
                        number(from + 1, self.layers[from].span),
                        number(to + 1, self.layers[to].span),
                    ])
                })
                .collect();
            args.push(named("residuals", list_of(pairs)));
        }
        if let Some(features) = self.features {
            args.push(named("features", features));
        }
        args.append(&mut passed);
        call("mlp", args, span)
    }
}

/// A definition whose body is one call of a built-in network (`pirate(width: width,
/// depth: 2)`): a preset of that network with its own parameters and defaults. The call
/// with the parameters put in, plus what the caller passes through.
fn preset_call(
    decl: &NetworkDecl,
    env: &HashMap<&str, &Expr>,
    mut passed: Vec<Arg>,
) -> Option<Expr> {
    let [layer] = decl.layers.as_slice() else {
        return None;
    };
    let kind = layer.kind.name.as_str();
    if layer.body.is_some() || !super::schema::network_kinds().any(|k| k == kind) {
        return None;
    }
    let substitute = |e: &Expr| {
        let mut e = e.clone();
        for _ in 0..MAX_INDIRECTION {
            match &e.kind {
                ExprKind::Name(n) if env.contains_key(n.as_str()) => e = env[n.as_str()].clone(),
                _ => break,
            }
        }
        e
    };
    let mut args: Vec<Arg> = layer
        .args
        .iter()
        .filter(|a| {
            // What the caller passes through wins over what the preset says.
            !passed
                .iter()
                .any(|p| p.name.as_ref().map(|n| &n.name) == a.name.as_ref().map(|n| &n.name))
        })
        .map(|a| Arg {
            name: a.name.clone(),
            value: substitute_deep(&a.value, &substitute),
        })
        .collect();
    args.append(&mut passed);
    Some(call(kind, args, layer.span))
}

/// `e` with every parameter name inside it replaced (through lists and calls, so
/// `features: fourier(count: n)` takes the call's `n`).
fn substitute_deep(e: &Expr, substitute: &dyn Fn(&Expr) -> Expr) -> Expr {
    let e = substitute(e);
    let kind = match &e.kind {
        ExprKind::List(items) => ExprKind::List(
            items
                .iter()
                .map(|i| substitute_deep(i, substitute))
                .collect(),
        ),
        ExprKind::Call { callee, args } => ExprKind::Call {
            callee: callee.clone(),
            args: args
                .iter()
                .map(|a| Arg {
                    name: a.name.clone(),
                    value: substitute_deep(&a.value, substitute),
                })
                .collect(),
        },
        ExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (
                substitute_deep(lhs, substitute),
                substitute_deep(rhs, substitute),
            );
            let folded = match (&a.kind, &b.kind) {
                (ExprKind::Number { value: x, .. }, ExprKind::Number { value: y, .. }) => {
                    match op {
                        BinOp::Add => Some(x + y),
                        BinOp::Sub => Some(x - y),
                        BinOp::Mul => Some(x * y),
                        BinOp::Div if *y != 0.0 => Some(x / y),
                        _ => None,
                    }
                }
                _ => None,
            };
            match folded {
                Some(value) => ExprKind::Number {
                    value,
                    text: value.to_string(),
                },
                None => ExprKind::Binary {
                    op: *op,
                    lhs: Box::new(a),
                    rhs: Box::new(b),
                },
            }
        }
        other => other.clone(),
    };
    Expr { kind, span: e.span }
}

fn number(n: usize, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Number {
            value: n as f64,
            text: n.to_string(),
        },
        span,
    }
}

fn call(name: &str, args: Vec<Arg>, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Call {
            callee: Ident {
                name: name.to_string(),
                span,
            },
            args,
        },
        span,
    }
}

/// A name that is not one of `valid`: the list, and the closest as a help.
fn unknown(code: Code, name: &Ident, message: String, label: &str, valid: &[&str]) -> Diagnostic {
    let d = Diagnostic::new(code, name.span, message, label)
        .with_note(format!("valid: {}", list(valid)));
    match crate::check::suggest::did_you_mean(&name.name, valid.iter().copied()) {
        Some(help) => d.with_help(help),
        None => d,
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a call in `net` names a definition rather than a built-in network.
pub(super) fn definition_called<'g>(
    call: &ast::Expr,
    networks: &HashMap<String, &'g NetworkDecl>,
) -> Option<&'g NetworkDecl> {
    match &call.kind {
        ExprKind::Call { callee, .. } => networks.get(&callee.name).copied(),
        ExprKind::Name(name) => networks.get(name).copied(),
        _ => None,
    }
}
