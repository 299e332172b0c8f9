//! Gated layers in network definitions: `gates(act: …)` declares the two encoders
//! U = σ(X W_u + b_u), V = σ(X W_v + b_v) of the (embedded) inputs, and a `gate()` after a
//! dense layer mixes its output Z with them, H = U + Z ⊙ (V − U): the modified MLP of Wang,
//! Teng & Perdikaris (2021) when every layer but the first is gated, or any subset of its
//! layers. Such a body expands into `modified_mlp(width, depth, act, gated: [...])`, so the
//! layers must share one width and one activation (the encoders' and the mixing's), with
//! no skips or per-layer initialisations; each way a body breaks that is E0416 here.

use super::{number, unknown, Stack};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{Arg, Expr, ExprKind, Ident, Layer};

fn not_chained(span: Span, message: impl Into<String>, label: &str, help: &str) -> Diagnostic {
    Diagnostic::new(
        Code::LayersDoNotChain,
        span,
        message.into(),
        label.to_string(),
    )
    .with_help(help.to_string())
}

impl Stack<'_> {
    /// `gates(act: …)`: once, before the first dense layer.
    pub(super) fn gates(&mut self, layer: &Layer) {
        if let Some((_, first)) = &self.gates {
            let d = not_chained(
                layer.span,
                "a second `gates(…)`",
                "encoders declared again",
                "a network has one pair of encoders; every `gate()` mixes with them",
            )
            .with_label(*first, "first declared here");
            self.errors.push(d);
            return;
        }
        if !self.layers.is_empty() {
            self.errors.push(not_chained(
                layer.span,
                "`gates(…)` after a dense layer",
                "the encoders read the inputs",
                "put `gates(…)` before the first `dense(…)` (after the features, if any)",
            ));
            return;
        }
        let mut act = None;
        for arg in &layer.args {
            match arg.name.as_ref().map(|n| n.name.as_str()) {
                Some("act") => act = Some(self.substitute(&arg.value)),
                _ => {
                    let name = arg.name.clone().unwrap_or(Ident {
                        name: "(unnamed)".to_string(),
                        span: arg.value.span,
                    });
                    self.errors.push(unknown(
                        Code::UnknownOption,
                        &name,
                        "`gates` takes only `act` (its width is the dense layers')".to_string(),
                        "not an option of `gates`",
                        &["act"],
                    ));
                }
            }
        }
        let act = act.unwrap_or_else(|| Expr {
            kind: ExprKind::Name("tanh".to_string()),
            span: layer.span,
        });
        self.gates = Some((act, layer.span));
    }

    /// `gate()`: mixes the dense layer just before it with the encoders.
    pub(super) fn gate(&mut self, layer: &Layer) {
        if let Some(arg) = layer.args.first() {
            self.errors.push(not_chained(
                arg.value.span,
                "`gate()` takes no options",
                "an option",
                "the encoders are declared once, by `gates(act: …)`",
            ));
            return;
        }
        if self.gates.is_none() {
            self.errors.push(not_chained(
                layer.span,
                "a `gate()` without encoders",
                "nothing to gate with",
                "declare them before the first dense layer: `gates(act: tanh)`",
            ));
            return;
        }
        let Some(last) = self.layers.len().checked_sub(1).filter(|&l| l > 0) else {
            self.errors.push(not_chained(
                layer.span,
                "a `gate()` before the second dense layer",
                "nothing it may gate",
                "the first dense layer reads the inputs and is not gated: put `gate()` after a later `dense(…)`",
            ));
            return;
        };
        if let Some(&(_, before)) = self.gated.iter().find(|(l, _)| *l == last) {
            let d = not_chained(
                layer.span,
                "a dense layer gated twice",
                "second gate",
                "one `gate()` after each dense layer to gate",
            )
            .with_label(before, "already gated here");
            self.errors.push(d);
            return;
        }
        self.gated.push((last, layer.span));
    }

    /// What a gated body must be to be a `modified_mlp`: at least one gate, one width, one
    /// activation, no skips, no per-layer initialisations.
    pub(super) fn check_gated(&mut self) {
        let Some((act, gates_span)) = self.gates.clone() else {
            return;
        };
        if self.gated.is_empty() {
            self.errors.push(not_chained(
                gates_span,
                "`gates(…)` without a `gate()`",
                "encoders that gate nothing",
                "put `gate()` after each dense layer (but the first) to mix with the encoders",
            ));
        }
        if let Some(&(_, to)) = self.residuals.first() {
            self.errors.push(
                not_chained(
                    self.layers[to].span,
                    "a gated network with a `residual` block",
                    "a skip here",
                    "gated layers (the modified MLP) and skips do not combine; use `pirate(…)` for gated residual blocks",
                )
                .with_label(gates_span, "gated by these encoders"),
            );
        }
        let first = &self.layers[0];
        let (width, width_span) = (first.width, first.span);
        let printed = crate::syntax::format::expr(&act);
        for layer in &self.layers {
            if layer.width != width {
                self.errors.push(
                    not_chained(
                        layer.span,
                        format!("a gated network of widths {width} and {}", layer.width),
                        "a different width",
                        "the encoders mix with every layer element-wise: give all dense layers one width",
                    )
                    .with_label(width_span, format!("width {width}")),
                );
                return;
            }
            let own = crate::syntax::format::expr(&layer.act);
            if own != printed {
                self.errors.push(
                    not_chained(
                        layer.act.span,
                        format!("a gated network with activations `{printed}` and `{own}`"),
                        "a different activation",
                        "the encoders and layers of a gated network share one activation: give every `dense` and `gates` the same `act`",
                    )
                    .with_label(gates_span, format!("the encoders use `{printed}`")),
                );
                return;
            }
            if let Some(init) = &layer.init {
                self.errors.push(not_chained(
                    init.span,
                    "a per-layer `init` in a gated network",
                    "one layer's initialisation",
                    "a gated network takes one `init`, the call's (`net my_net(init: he)`)",
                ));
                return;
            }
        }
    }

    /// The `modified_mlp(…)` call a gated body denotes.
    pub(super) fn into_gated_call(self, mut passed: Vec<Arg>, span: Span) -> Expr {
        let named = |name: &str, value: Expr| Arg {
            name: Some(Ident {
                name: name.to_string(),
                span,
            }),
            value,
        };
        let (act, _) = self.gates.clone().expect("a gated body");
        let mut gated: Vec<(usize, Span)> = self.gated.clone();
        gated.sort_by_key(|&(l, _)| l);
        let mut args = vec![
            named("width", number(self.layers[0].width, self.layers[0].span)),
            named("depth", number(self.layers.len(), span)),
            named("act", act),
            named(
                "gated",
                Expr {
                    kind: ExprKind::List(gated.iter().map(|&(l, s)| number(l + 1, s)).collect()),
                    span,
                },
            ),
        ];
        if let Some(features) = self.features {
            args.push(named("features", features));
        }
        args.append(&mut passed);
        super::call("modified_mlp", args, span)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::settings::NetKind;
    use crate::diagnostics::Code;
    use crate::driver::compile_source;

    const HEAT: &str = "model Heat { space x in [0, 1]  time t in [0, 1]  field u(x, t)
        pde dt(u) = 0.1 * dxx(u)  initial u = sin(pi * x)  boundary u = 0 on boundary }\n";

    fn compiled(network: &str, call: &str) -> crate::driver::Compilation {
        compile_source(
            "gates.phys",
            &format!("{network}\n{HEAT} train Heat {{ net {call} }}"),
        )
    }

    fn codes(network: &str) -> Vec<(Code, String)> {
        compiled(network, "g()")
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect()
    }

    /// Gated layers become a `modified_mlp` with those layers gated; the standard
    /// library's `gated_mlp` gates every layer after the first.
    #[test]
    fn a_gated_body_is_a_modified_mlp() {
        let c = compiled(
            "network g(width: 6, act: sin) {
               gates(act: act)
               dense(width, act: act)
               dense(width, act: act)
               dense(width, act: act)
               gate()
             }",
            "g(width: 5)",
        );
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let net = &c.program.jobs[0].settings.train().unwrap().nets[0];
        assert_eq!(net.kind, NetKind::ModifiedMlp);
        assert_eq!((net.width, net.depth, net.gated.clone()), (5, 3, vec![3]));
        assert_eq!(net.activation.name(), "sin");
        let c = compile_source(
            "gates.phys",
            &format!(
                "use std.architectures\n{HEAT} train Heat {{ net gated_mlp(width: 4, gated: 2) }}"
            ),
        );
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let net = &c.program.jobs[0].settings.train().unwrap().nets[0];
        assert_eq!(
            (net.kind, net.depth, net.gated.clone()),
            (NetKind::ModifiedMlp, 3, vec![2, 3])
        );
    }

    #[test]
    fn each_way_a_gated_body_breaks_is_e0416() {
        let cases = [
            ("gates() dense(4) dense(4)", "without a `gate()`"),
            ("dense(4) dense(4) gate()", "without encoders"),
            ("gates() dense(4) gate()", "before the second dense layer"),
            ("gates() dense(4) dense(4) gate() gate()", "gated twice"),
            ("dense(4) gates() dense(4) gate()", "after a dense layer"),
            (
                "gates() gates() dense(4) dense(4) gate()",
                "a second `gates",
            ),
            ("gates() dense(4) dense(5) gate()", "widths 4 and 5"),
            (
                "gates() dense(4) dense(4, act: sin) gate()",
                "activations `tanh` and `sin`",
            ),
            (
                "gates() dense(4, init: he) dense(4) gate()",
                "per-layer `init`",
            ),
            (
                "gates() dense(4) residual { dense(4) } gate()",
                "`residual` block",
            ),
            ("gates() dense(4) dense(4) gate(1)", "takes no options"),
        ];
        for (body, message) in cases {
            let found = codes(&format!("network g() {{ {body} }}"));
            assert!(
                found
                    .iter()
                    .any(|(c, m)| *c == Code::LayersDoNotChain && m.contains(message)),
                "{body}: {found:?}"
            );
        }
    }
}
