//! E-graph simplification: algebraic rewrites over [`Math`] run by egg under node, iteration
//! and time limits, constant folding through an analysis, and extraction of the cheapest form
//! of every root by [`Math::weight`], rebuilt into one hash-consed DAG so sub-terms shared
//! between roots stay shared.
//!
//! Soundness: a rule `l → r` is admitted only if, for all finite real values of its pattern
//! variables (that satisfy its guard), `r = l` wherever `l` is finite and `r` is undefined
//! wherever `l` is. So `x * 0 → 0` and `x - x → 0` are in, while `x / x → 1`,
//! `exp(log x) → x` and `sqrt(x)² → x` need the analysis to know `x` non-zero or positive.
//! Equalities are those of real arithmetic; rounding and overflow are not modelled.

use super::eval;
use super::lang::{dag_cost, reachable, Builder, Math};
use egg::{
    rewrite as rw, Analysis, BackoffScheduler, CostFunction, DidMerge, EGraph, Extractor, Id,
    Language, RecExpr, Rewrite, Runner, StopReason, Subst, Var,
};
use ordered_float::NotNan;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

/// What bounds one simplification. egg checks the limits between rule applications, so a run
/// stops shortly after crossing one and the best form found so far is returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Rewrite iterations (search all rules, apply, rebuild).
    pub iterations: usize,
    /// E-nodes rewriting may add beyond those of the input.
    pub nodes: usize,
    /// Wall-clock time for rewriting (extraction comes on top and is linear in the e-graph).
    pub time: Duration,
}

impl Default for Limits {
    /// Chosen by measurement (see the `timing` test): small expressions saturate or settle
    /// well inside these, large ones stop at the node limit in tens of milliseconds.
    fn default() -> Limits {
        Limits {
            iterations: 12,
            nodes: 8_000,
            time: Duration::from_millis(50),
        }
    }
}

/// The result of [`simplify`].
#[derive(Debug, Clone)]
pub struct Simplified {
    /// One DAG holding all results; shared sub-terms are stored once.
    pub expr: RecExpr<Math>,
    /// One per input root, in the same order.
    pub roots: Vec<Id>,
    /// Why egg stopped: "saturated", "iteration limit", "node limit" or "time limit".
    pub stop: String,
    pub iterations: usize,
    pub egraph_nodes: usize,
}

/// Simplify the expressions at `roots` together: one e-graph holds them all, so what they
/// share is rewritten once and extracted once. Never costlier than the input by
/// [`dag_cost`]: if the extracted DAG would be, the input's DAG is returned unchanged.
pub fn simplify(expr: &RecExpr<Math>, roots: &[Id], limits: &Limits) -> Simplified {
    let mut egraph = Graph::new(Facts::default());
    let mut map: Vec<Id> = vec![Id::from(0); expr.len()];
    for id in reachable(expr, roots) {
        let node = expr[id].clone().map_children(|c| map[usize::from(c)]);
        map[usize::from(id)] = egraph.add(node);
    }
    egraph.rebuild();
    let start = egraph.total_size();
    let runner = Runner::default()
        .with_egraph(egraph)
        .with_iter_limit(limits.iterations)
        .with_node_limit(start.saturating_add(limits.nodes))
        .with_time_limit(limits.time)
        .with_scheduler(scheduler())
        .run(rules());
    let stop = match runner.stop_reason {
        Some(StopReason::Saturated) => "saturated".to_string(),
        Some(StopReason::IterationLimit(_)) => "iteration limit".to_string(),
        Some(StopReason::NodeLimit(_)) => "node limit".to_string(),
        Some(StopReason::TimeLimit(_)) => "time limit".to_string(),
        Some(StopReason::Other(why)) => why,
        None => "not run".to_string(),
    };
    let egraph = &runner.egraph;
    let classes: Vec<Id> = roots
        .iter()
        .map(|&r| egraph.find(map[usize::from(r)]))
        .collect();
    let extracted = extract(egraph, &classes);
    let (expr, roots) = match extracted {
        Some((out, out_roots)) if dag_cost(&out, &out_roots) <= dag_cost(expr, roots) => {
            (out, out_roots)
        }
        _ => compact(expr, roots),
    };
    Simplified {
        expr,
        roots,
        stop,
        iterations: runner.iterations.len(),
        egraph_nodes: egraph.total_size(),
    }
}

/// The input's DAG under `roots`, hash-consed, nothing else changed.
fn compact(expr: &RecExpr<Math>, roots: &[Id]) -> (RecExpr<Math>, Vec<Id>) {
    let mut b = Builder::new();
    let mut map: Vec<Id> = vec![Id::from(0); expr.len()];
    for id in reachable(expr, roots) {
        let node = expr[id].clone().map_children(|c| map[usize::from(c)]);
        map[usize::from(id)] = b.add(node);
    }
    let roots = roots.iter().map(|&r| map[usize::from(r)]).collect();
    (b.expr, roots)
}

/// The cheapest term of every root class, built into one hash-consed DAG: a class reached
/// from several roots (or several times from one) is built once. `None` when tree costs
/// overflowed (a deep DAG with much sharing), where the choice is not trustworthy.
fn extract(egraph: &Graph, classes: &[Id]) -> Option<(RecExpr<Math>, Vec<Id>)> {
    let extractor = Extractor::new(egraph, OpCost);
    if classes
        .iter()
        .any(|&c| !extractor.find_best_cost(c).0.is_finite())
    {
        return None;
    }
    let mut b = Builder::new();
    let mut built: HashMap<Id, Id> = HashMap::new();
    let mut out = Vec::with_capacity(classes.len());
    for &root in classes {
        // Post-order without recursion: inputs can be thousands of nodes deep.
        let mut stack = vec![(root, false)];
        while let Some((class, children_done)) = stack.pop() {
            if built.contains_key(&class) {
                continue;
            }
            let node = extractor.find_best_node(class);
            if children_done {
                let node = node.clone().map_children(|c| built[&egraph.find(c)]);
                built.insert(class, b.add(node));
            } else {
                stack.push((class, true));
                for &c in node.children() {
                    let c = egraph.find(c);
                    if !built.contains_key(&c) {
                        stack.push((c, false));
                    }
                }
            }
        }
        out.push(built[&root]);
    }
    Some((b.expr, out))
}

/// Floating-point work by [`Math::weight`], then node count to break ties (so `neg x` beats
/// `-1 * x`). Integer powers are not discounted here: rules turn `x^2`, `x^3`, ... into the
/// multiplications they become, which `Math::weight` then prices correctly.
struct OpCost;

impl CostFunction<Math> for OpCost {
    type Cost = (f64, f64);

    fn cost<C>(&mut self, enode: &Math, mut costs: C) -> Self::Cost
    where
        C: FnMut(Id) -> Self::Cost,
    {
        let own = (enode.weight() as f64, 1.0);
        enode.fold(own, |(w, n), c| {
            let (cw, cn) = costs(c);
            (w + cw, n + cn)
        })
    }
}

type Graph = EGraph<Math, Facts>;

/// What the analysis knows about an e-class: its value when it is a constant (only finite
/// values are folded), and whether it is positive or non-zero (in real arithmetic), which
/// guards the rules that need it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Facts {
    value: Option<f64>,
    positive: bool,
    nonzero: bool,
}

impl Facts {
    fn constant(v: f64) -> Facts {
        Facts {
            value: Some(v),
            positive: v > 0.0,
            nonzero: v != 0.0,
        }
    }

    fn flags(positive: bool, nonzero: bool) -> Facts {
        Facts {
            value: None,
            positive,
            nonzero: nonzero || positive,
        }
    }
}

impl Analysis<Math> for Facts {
    type Data = Facts;

    fn make(egraph: &mut Graph, enode: &Math, _id: Id) -> Facts {
        let f = |id: &Id| egraph[*id].data;
        if let Math::Num(c) = enode {
            let v = c.into_inner();
            return if v.is_finite() {
                Facts::constant(v)
            } else {
                Facts::default()
            };
        }
        let values: Option<Vec<f64>> = enode.children().iter().map(|c| f(c).value).collect();
        if let Some(values) = values {
            if let Some(v) = eval::apply(enode, &values).filter(|v| v.is_finite()) {
                return Facts::constant(v + 0.0);
            }
        }
        let pos = |id: &Id| f(id).positive;
        let nz = |id: &Id| f(id).nonzero;
        match enode {
            Math::Exp(_) | Math::Cosh(_) | Math::Sigmoid(_) | Math::Softplus(_) => {
                Facts::flags(true, true)
            }
            Math::Add([a, b]) => Facts::flags(pos(a) && pos(b), false),
            Math::Mul([a, b]) | Math::Div([a, b]) => Facts::flags(pos(a) && pos(b), nz(a) && nz(b)),
            Math::Pow([a, _]) | Math::Sqrt(a) => Facts::flags(pos(a), false),
            Math::Abs(a) => Facts::flags(nz(a), false),
            Math::Neg(a) => Facts::flags(false, nz(a)),
            _ => Facts::default(),
        }
    }

    fn merge(&mut self, to: &mut Facts, from: Facts) -> DidMerge {
        // Two constant folds of one class can differ by rounding; keep the first.
        let merged = match (to.value, from.value) {
            (Some(v), _) | (None, Some(v)) => Facts::constant(v),
            (None, None) => Facts::flags(to.positive || from.positive, to.nonzero || from.nonzero),
        };
        let did = DidMerge(merged != *to, merged != from);
        *to = merged;
        did
    }

    fn modify(egraph: &mut Graph, id: Id) {
        let Some(v) = egraph[id].data.value else {
            return;
        };
        let Ok(c) = NotNan::new(v) else {
            return;
        };
        let num = egraph.add(Math::Num(c));
        egraph.union(id, num);
        // A constant needs nothing else: pruning the class keeps rules off its other forms.
        let keep = Math::Num(c);
        egraph[id].nodes.retain(|n| *n == keep);
    }
}

fn var(name: &str) -> Var {
    name.parse().expect("pattern variable")
}

fn value(egraph: &Graph, subst: &Subst, v: Var) -> Option<f64> {
    egraph[subst[v]].data.value
}

fn is_int(v: Option<f64>) -> bool {
    v.is_some_and(|v| v.fract() == 0.0)
}

/// `?n` is a constant in `lo..=hi`.
fn const_in(n: &str, lo: f64, hi: f64) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| value(g, s, n).is_some_and(|v| (lo..=hi).contains(&v))
}

/// `?n` is an integer constant in `lo..=hi`.
fn int_in(n: &str, lo: f64, hi: f64) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| {
        let v = value(g, s, n);
        is_int(v) && v.is_some_and(|v| (lo..=hi).contains(&v))
    }
}

fn is_const(c: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let c = var(c);
    move |g, _, s| value(g, s, c).is_some()
}

fn not_one(c: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let c = var(c);
    move |g, _, s| value(g, s, c) != Some(1.0)
}

fn positive(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| g[s[a]].data.positive
}

fn nonzero(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| g[s[a]].data.nonzero
}

/// `a^b * a^c = a^(b+c)`: for positive `a` always; otherwise for integer constants `b`, `c` of
/// one sign (`0^-1 * 0^1` is undefined but `0^0` is 1).
fn powers_add(a: &str, b: &str, c: Option<&str>) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let (a, b, c) = (var(a), var(b), c.map(var));
    move |g, _, s| {
        let (vb, vc) = (value(g, s, b), c.map_or(Some(1.0), |c| value(g, s, c)));
        g[s[a]].data.positive
            || (is_int(vb) && is_int(vc) && vb.unwrap_or(0.0) * vc.unwrap_or(0.0) >= 0.0)
    }
}

/// `(a^b)^c = a^(b*c)`: for positive `a`, or integer constants `b` and `c` (`(x^2)^0.5` is `|x|`).
fn powers_multiply(a: &str, b: &str, c: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let (a, b, c) = (var(a), var(b), var(c));
    move |g, _, s| g[s[a]].data.positive || (is_int(value(g, s, b)) && is_int(value(g, s, c)))
}

/// The rule set, built once.
fn rules() -> &'static [Rewrite<Math, Facts>] {
    static RULES: OnceLock<Vec<Rewrite<Math, Facts>>> = OnceLock::new();
    RULES.get_or_init(build_rules)
}

fn build_rules() -> Vec<Rewrite<Math, Facts>> {
    let mut rules: Vec<Rewrite<Math, Facts>> = vec![
        // Sums and products: commutative and associative.
        rw!("add-comm"; "(+ ?a ?b)" => "(+ ?b ?a)"),
        rw!("mul-comm"; "(* ?a ?b)" => "(* ?b ?a)"),
        rw!("add-assoc"; "(+ (+ ?a ?b) ?c)" => "(+ ?a (+ ?b ?c))"),
        rw!("add-assoc-rev"; "(+ ?a (+ ?b ?c))" => "(+ (+ ?a ?b) ?c)"),
        rw!("mul-assoc"; "(* (* ?a ?b) ?c)" => "(* ?a (* ?b ?c))"),
        rw!("mul-assoc-rev"; "(* ?a (* ?b ?c))" => "(* (* ?a ?b) ?c)"),
        // Identities.
        rw!("add-0"; "(+ ?a 0)" => "?a"),
        rw!("mul-1"; "(* ?a 1)" => "?a"),
        rw!("mul-0"; "(* ?a 0)" => "0"),
        rw!("div-1"; "(/ ?a 1)" => "?a"),
        rw!("pow-0"; "(^ ?a 0)" => "1"),
        rw!("pow-1"; "(^ ?a 1)" => "?a"),
        // Negation and subtraction: `a - b` is `a + (-1) b`, so sums and products do the rest.
        rw!("sub-canon"; "(- ?a ?b)" => "(+ ?a (neg ?b))"),
        rw!("sub-uncanon"; "(+ ?a (neg ?b))" => "(- ?a ?b)"),
        rw!("neg-canon"; "(neg ?a)" => "(* -1 ?a)"),
        rw!("neg-uncanon"; "(* -1 ?a)" => "(neg ?a)"),
        rw!("neg-neg"; "(neg (neg ?a))" => "?a"),
        rw!("neg-sub"; "(neg (- ?a ?b))" => "(- ?b ?a)"),
        rw!("mul-neg"; "(* ?a (neg ?b))" => "(neg (* ?a ?b))"),
        rw!("sub-self"; "(- ?a ?a)" => "0"),
        // Like terms and common factors.
        rw!("add-same"; "(+ ?a ?a)" => "(* 2 ?a)"),
        rw!("factor"; "(+ (* ?a ?b) (* ?a ?c))" => "(* ?a (+ ?b ?c))"),
        rw!("factor-1"; "(+ ?a (* ?a ?b))" => "(* ?a (+ 1 ?b))"),
        // Expansion only by constants, where it lets numbers fold (`2 (x/2 + y)`).
        rw!("distribute-const"; "(* ?c (+ ?a ?b))" => "(+ (* ?c ?a) (* ?c ?b))" if is_const("?c")),
        // Division: `a / b` is `a (1/b)`.
        rw!("div-canon"; "(/ ?a ?b)" => "(* ?a (/ 1 ?b))" if not_one("?a")),
        rw!("div-uncanon"; "(* ?a (/ 1 ?b))" => "(/ ?a ?b)"),
        rw!("recip-mul"; "(* (/ 1 ?a) (/ 1 ?b))" => "(/ 1 (* ?a ?b))"),
        rw!("recip-recip"; "(/ 1 (/ 1 ?a))" => "?a"),
        rw!("recip-neg"; "(/ 1 (neg ?a))" => "(neg (/ 1 ?a))"),
        rw!("div-self"; "(/ ?a ?a)" => "1" if nonzero("?a")),
        rw!("mul-recip-self"; "(* ?a (/ 1 ?a))" => "1" if nonzero("?a")),
        // Powers. Small integer powers become the multiplications they cost.
        rw!("square"; "(* ?a ?a)" => "(^ ?a 2)"),
        rw!("square-rev"; "(^ ?a 2)" => "(* ?a ?a)"),
        rw!("pow-split"; "(^ ?a ?n)" => "(* ?a (^ ?a (+ ?n -1)))" if int_in("?n", 3.0, 8.0)),
        rw!("pow-recip"; "(^ ?a ?n)" => "(/ 1 (^ ?a (neg ?n)))" if const_in("?n", f64::MIN, -0.5)),
        rw!("pow-sqrt"; "(^ ?a 0.5)" => "(sqrt ?a)"),
        rw!("pow-mul"; "(* (^ ?a ?b) (^ ?a ?c))" => "(^ ?a (+ ?b ?c))" if powers_add("?a", "?b", Some("?c"))),
        rw!("pow-mul-1"; "(* ?a (^ ?a ?b))" => "(^ ?a (+ ?b 1))" if powers_add("?a", "?b", None)),
        rw!("pow-pow"; "(^ (^ ?a ?b) ?c)" => "(^ ?a (* ?b ?c))" if powers_multiply("?a", "?b", "?c")),
        rw!("pow-neg"; "(^ (neg ?a) ?n)" => "(^ ?a ?n)" if int_in("?n", -1e9, 1e9) if |g: &mut Graph, _, s: &Subst| {
            value(g, s, var("?n")).is_some_and(|n| n % 2.0 == 0.0)
        }),
        rw!("sqrt-square"; "(sqrt (* ?a ?a))" => "(abs ?a)"),
        rw!("sqrt-sqrt"; "(* (sqrt ?a) (sqrt ?a))" => "?a" if positive("?a")),
        rw!("abs-positive"; "(abs ?a)" => "?a" if positive("?a")),
        rw!("abs-neg"; "(abs (neg ?a))" => "(abs ?a)"),
        rw!("abs-square"; "(* (abs ?a) (abs ?a))" => "(* ?a ?a)"),
        rw!("sign-abs"; "(* (sign ?a) (abs ?a))" => "?a"),
        // Exponentials and logarithms.
        rw!("exp-mul"; "(* (exp ?a) (exp ?b))" => "(exp (+ ?a ?b))"),
        rw!("exp-recip"; "(/ 1 (exp ?a))" => "(exp (neg ?a))"),
        rw!("exp-pow"; "(^ (exp ?a) ?b)" => "(exp (* ?a ?b))"),
        rw!("log-exp"; "(log (exp ?a))" => "?a"),
        rw!("exp-log"; "(exp (log ?a))" => "?a" if positive("?a")),
        rw!("log-pow"; "(log (^ ?a ?b))" => "(* ?b (log ?a))" if positive("?a")),
        // Trigonometric and hyperbolic identities.
        rw!("pythagoras"; "(+ (* (sin ?a) (sin ?a)) (* (cos ?a) (cos ?a)))" => "1"),
        rw!("pythagoras-h"; "(- (* (cosh ?a) (cosh ?a)) (* (sinh ?a) (sinh ?a)))" => "1"),
        rw!("tan-def"; "(/ (sin ?a) (cos ?a))" => "(tan ?a)"),
        rw!("tanh-def"; "(/ (sinh ?a) (cosh ?a))" => "(tanh ?a)"),
        rw!("sec2"; "(/ 1 (* (cos ?a) (cos ?a)))" => "(+ 1 (* (tan ?a) (tan ?a)))"),
        rw!("sech2"; "(/ 1 (* (cosh ?a) (cosh ?a)))" => "(- 1 (* (tanh ?a) (tanh ?a)))"),
        rw!("sin-double"; "(* 2 (* (sin ?a) (cos ?a)))" => "(sin (* 2 ?a))"),
        // Activations: definitions folded back, and symmetries.
        rw!("sigmoid-def"; "(/ 1 (+ 1 (exp (neg ?a))))" => "(sigmoid ?a)"),
        rw!("sigmoid-def-2"; "(/ (exp ?a) (+ 1 (exp ?a)))" => "(sigmoid ?a)"),
        rw!("sigmoid-neg"; "(sigmoid (neg ?a))" => "(- 1 (sigmoid ?a))"),
        rw!("softplus-def"; "(log (+ 1 (exp ?a)))" => "(softplus ?a)"),
        rw!("tanh-sigmoid"; "(- (* 2 (sigmoid (* 2 ?a))) 1)" => "(tanh ?a)"),
        // Min, max, fma.
        rw!("min-self"; "(min ?a ?a)" => "?a"),
        rw!("max-self"; "(max ?a ?a)" => "?a"),
        rw!("fma-expand"; "(fma ?a ?b ?c)" => "(+ (* ?a ?b) ?c)"),
    ];
    // Odd and even functions.
    for f in ["sin", "tan", "asin", "atan", "sinh", "tanh", "erf"] {
        let lhs = format!("({f} (neg ?a))")
            .parse::<egg::Pattern<Math>>()
            .expect("pattern");
        let rhs = format!("(neg ({f} ?a))")
            .parse::<egg::Pattern<Math>>()
            .expect("pattern");
        rules.push(Rewrite::new(format!("{f}-odd"), lhs, rhs).expect("rule"));
    }
    for f in ["cos", "cosh", "abs"] {
        let lhs = format!("({f} (neg ?a))")
            .parse::<egg::Pattern<Math>>()
            .expect("pattern");
        let rhs = format!("({f} ?a)")
            .parse::<egg::Pattern<Math>>()
            .expect("pattern");
        rules.push(Rewrite::new(format!("{f}-even"), lhs, rhs).expect("rule"));
    }
    rules
}

fn scheduler() -> BackoffScheduler {
    BackoffScheduler::default()
        .with_initial_match_limit(500)
        .with_ban_length(3)
}
