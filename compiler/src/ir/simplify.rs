//! E-graph simplification: algebraic rewrites over [`Math`] run by egg under node, iteration
//! and time limits, constant folding and sign facts through an analysis, polynomial
//! expansion and exact division over opaque sub-terms ([`super::poly`]), and extraction of
//! the cheapest form of every root by [`Math::weight`] (integer powers priced as the
//! multiplications code generators emit), rebuilt into one hash-consed DAG so sub-terms
//! shared between roots stay shared.
//!
//! Soundness: the result equals the input wherever the input is defined (every root, up to
//! rounding). A rule `l → r` is admitted if, for all finite real values of its pattern
//! variables that satisfy its guard, `r` is defined and equal to `l` wherever `l` is. So
//! `x * 0 → 0` and `x - x → 0` are in unguarded, while `x / x → 1`, `exp(log x) → x` and
//! `sqrt(x)² → x` need the analysis to know `x` non-zero, positive or non-negative. The
//! analysis knows that from the values themselves (`exp` is positive) and from what the
//! roots require ([`assumptions`]): in `(x y)/(x z)` the divisor, hence `x`, is non-zero
//! wherever the expression is defined, so it becomes `y/z`. The result may then be defined
//! at more points than the input (a removable singularity goes: `(x²−1)/(x−1) → x+1`),
//! never at fewer. `sqrt(x²)` stays `|x|` and `log(x²)` stays as it is: nothing there says
//! `x` is positive. Equalities are those of real arithmetic; rounding and overflow are not
//! modelled, but rules that would trade an accurate value for a cancelling difference are
//! left out. Rules never match classes known to be undefined everywhere (`1/0`), where they
//! would prove anything.
//!
//! Extraction minimises the weighted cost of the DAG, not of the tree: derivatives share most
//! of their sub-terms, and tree costs, which pay for a shared term at every use, would undo
//! that sharing.

use super::eval;
use super::lang::{dag_cost, reachable, Builder, Math};
use super::poly::Poly;
use egg::{
    rewrite as rw, Analysis, Applier, BackoffScheduler, DidMerge, EGraph, Id, Language, PatternAst,
    RecExpr, Rewrite, Runner, SearchMatches, Searcher, StopReason, Subst, Symbol, Var,
};
use ordered_float::NotNan;
use std::collections::{HashMap, HashSet, VecDeque};
use std::f64::consts::{FRAC_PI_2, PI};
use std::sync::{Arc, OnceLock};
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
    /// Whether sums, differences, products and quotients are also read as polynomials
    /// (the `poly-` rules: expansion, exact division). The strongest rules and the
    /// costliest: canonical forms of many small candidates (symbolic regression, evolution)
    /// leave them out, which makes those about five times faster.
    pub polynomials: bool,
}

impl Default for Limits {
    /// Chosen by measurement (the `timing` and `sweep` tests): with these, expressions of 10
    /// to 50 nodes take about 0.3 ms (median; at most about 40 ms, where the polynomial
    /// rules grow the e-graph to its iteration limit), and whole models, high derivatives
    /// and random DAGs of thousands of nodes stay under about 70 ms (the time limit plus
    /// extraction). More iterations cost time without lowering the total cost measured;
    /// fewer lose some.
    fn default() -> Limits {
        Limits {
            iterations: 10,
            nodes: 5_000,
            time: Duration::from_millis(50),
            polynomials: true,
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
    simplify_tuned(expr, roots, limits, &Tuning::default())
}

/// How the rules are scheduled: egg's `BackoffScheduler` bans a rule for `ban_length`
/// iterations when one search finds more than `match_limit` matches (both doubling with
/// each ban), which keeps commutativity and associativity from crowding out the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tuning {
    match_limit: usize,
    ban_length: usize,
    /// The match limit of the [`EXPLOSIVE`] rules.
    explosive_limit: usize,
    /// Rules left out (to measure what each one costs and brings).
    without: &'static [&'static str],
}

impl Default for Tuning {
    /// Measured (the `sweep` test): banning early keeps factoring and distribution from
    /// flooding small e-graphs, while commutativity and associativity, banned too early,
    /// lose like terms in large ones.
    fn default() -> Tuning {
        Tuning {
            match_limit: 100,
            ban_length: 5,
            explosive_limit: 250,
            without: &[],
        }
    }
}

/// The rules that grow the e-graph most: commutativity and associativity.
const EXPLOSIVE: [&str; 6] = [
    "add-comm",
    "mul-comm",
    "add-assoc",
    "add-assoc-rev",
    "mul-assoc",
    "mul-assoc-rev",
];

impl Tuning {
    fn scheduler(&self) -> BackoffScheduler {
        let mut s = BackoffScheduler::default()
            .with_initial_match_limit(self.match_limit)
            .with_ban_length(self.ban_length);
        for name in EXPLOSIVE {
            s = s.rule_match_limit(name, self.explosive_limit);
        }
        s
    }
}

fn simplify_tuned(
    expr: &RecExpr<Math>,
    roots: &[Id],
    limits: &Limits,
    tuning: &Tuning,
) -> Simplified {
    let mut egraph = Graph::new(Facts::default());
    let mut map: Vec<Id> = vec![Id::from(0); expr.len()];
    let assumed = assumptions(expr, roots);
    for id in reachable(expr, roots) {
        let node = expr[id].clone().map_children(|c| map[usize::from(c)]);
        let class = egraph.add(node);
        map[usize::from(id)] = class;
        if let Some(&a) = assumed.get(&Subject::Node(id)) {
            egraph[class].data = egraph[class].data.and(a);
        }
    }
    for (subject, &a) in &assumed {
        if let Subject::CosOf(arg) = *subject {
            let class = egraph.add(Math::Cos(map[usize::from(arg)]));
            egraph[class].data = egraph[class].data.and(a);
        }
    }
    egraph.rebuild();
    let start = egraph.total_size();
    let runner = Runner::default()
        .with_egraph(egraph)
        .with_iter_limit(limits.iterations)
        .with_node_limit(start.saturating_add(limits.nodes))
        .with_time_limit(limits.time)
        .with_scheduler(tuning.scheduler())
        .run(
            rules()
                .iter()
                .filter(|r| !tuning.without.contains(&r.name.as_str()))
                .filter(|r| limits.polynomials || !r.name.as_str().starts_with("poly-")),
        );
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

/// The cheapest DAG found for the root classes: the better (by [`dag_cost`]) of greedy
/// DAG-aware extraction and tree-cost extraction, built into one hash-consed expression.
/// `None` if neither could be built.
fn extract(egraph: &Graph, classes: &[Id]) -> Option<(RecExpr<Math>, Vec<Id>)> {
    let index = Index::new(egraph);
    let mut best: Option<(usize, RecExpr<Math>, Vec<Id>)> = None;
    for choice in [index.dag_choices(), index.tree_choices(classes)]
        .into_iter()
        .flatten()
    {
        let Some((expr, roots)) = build(egraph, classes, |c| choice.get(&c).copied()) else {
            continue;
        };
        let cost = dag_cost(&expr, &roots);
        if best.as_ref().is_none_or(|(c, _, _)| cost < *c) {
            best = Some((cost, expr, roots));
        }
    }
    best.map(|(_, expr, roots)| (expr, roots))
}

/// Build the chosen node of every class reachable from the roots into one hash-consed
/// expression: a class reached from several roots (or several times from one) is built
/// once. `None` if the choice is missing somewhere or cyclic.
fn build<'a>(
    egraph: &Graph,
    roots: &[Id],
    choose: impl Fn(Id) -> Option<&'a Math>,
) -> Option<(RecExpr<Math>, Vec<Id>)> {
    let mut b = Builder::new();
    let mut built: HashMap<Id, Id> = HashMap::new();
    let mut open: HashSet<Id> = HashSet::new();
    let mut out = Vec::with_capacity(roots.len());
    for &root in roots {
        // Post-order without recursion: inputs can be thousands of nodes deep.
        let mut stack = vec![(root, false)];
        while let Some((class, children_done)) = stack.pop() {
            if built.contains_key(&class) {
                continue;
            }
            let node = choose(class)?;
            if children_done {
                let node = node.clone().map_children(|c| built[&egraph.find(c)]);
                built.insert(class, b.add(node));
                open.remove(&class);
            } else {
                if !open.insert(class) {
                    return None;
                }
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

/// How many set entries greedy DAG extraction may merge before giving up: its sets grow
/// with the depth of the e-graph, so its work is quadratic in it (tree extraction remains).
const DAG_EXTRACTION_BUDGET: usize = 2_000_000;

/// An e-node of the [`Index`].
struct Node<'a> {
    class: u32,
    /// [`Math::weight`]: the floating-point work extraction minimises.
    weight: u32,
    children: Vec<u32>,
    node: &'a Math,
}

/// The e-graph with dense class numbers, for extraction.
struct Index<'a> {
    classes: Vec<Id>,
    number: HashMap<Id, u32>,
    nodes: Vec<Node<'a>>,
    /// The nodes using each class.
    users: Vec<Vec<u32>>,
}

/// A cost being minimised, with the node of its class that achieves it.
type Best<C> = Vec<Option<(C, u32)>>;

impl<'a> Index<'a> {
    fn new(egraph: &'a Graph) -> Index<'a> {
        let classes: Vec<Id> = egraph.classes().map(|c| c.id).collect();
        let number: HashMap<Id, u32> = classes
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i as u32))
            .collect();
        let mut nodes: Vec<Node> = Vec::new();
        let mut users: Vec<Vec<u32>> = vec![Vec::new(); classes.len()];
        for (i, &id) in classes.iter().enumerate() {
            for node in &egraph[id].nodes {
                let children: Vec<u32> = node
                    .children()
                    .iter()
                    .map(|c| number[&egraph.find(*c)])
                    .collect();
                let n = nodes.len() as u32;
                for &c in &children {
                    if users[c as usize].last() != Some(&n) {
                        users[c as usize].push(n);
                    }
                }
                nodes.push(Node {
                    class: i as u32,
                    weight: node.weight_given(|c| egraph[c].data.value) as u32,
                    children,
                    node,
                });
            }
        }
        Index {
            classes,
            number,
            nodes,
            users,
        }
    }

    /// Bellman-Ford over the e-graph with a worklist: `cost` prices a node given the best of
    /// its children's classes (`None` to skip it, `Err` to give up), `less` compares prices;
    /// a class whose best improves re-queues the nodes that use it.
    fn fixpoint<C>(
        &self,
        mut cost: impl FnMut(&Node, &Best<C>) -> Result<Option<C>, ()>,
        less: impl Fn(&C, &C) -> bool,
    ) -> Option<Best<C>> {
        let mut best: Best<C> = (0..self.classes.len()).map(|_| None).collect();
        let mut queued: Vec<bool> = self.nodes.iter().map(|n| n.children.is_empty()).collect();
        let mut queue: VecDeque<u32> = (0..self.nodes.len() as u32)
            .filter(|&n| queued[n as usize])
            .collect();
        while let Some(n) = queue.pop_front() {
            queued[n as usize] = false;
            let node = &self.nodes[n as usize];
            let Some(c) = cost(node, &best).ok()? else {
                continue;
            };
            let class = node.class as usize;
            if best[class].as_ref().is_some_and(|(old, _)| !less(&c, old)) {
                continue;
            }
            best[class] = Some((c, n));
            for &user in &self.users[class] {
                if !queued[user as usize] {
                    queued[user as usize] = true;
                    queue.push_back(user);
                }
            }
        }
        Some(best)
    }

    fn choices(&self, best: &Best<impl Sized>) -> HashMap<Id, &'a Math> {
        self.classes
            .iter()
            .zip(best)
            .filter_map(|(&id, b)| b.as_ref().map(|(_, n)| (id, self.nodes[*n as usize].node)))
            .collect()
    }

    /// Tree-cost extraction: a node costs its weight plus its children's costs (node count
    /// breaks ties, so `neg x` beats `-1 * x`). A sub-term used twice is counted twice, so
    /// this loses sharing; `None` when the roots' costs overflow (deep DAGs with much sharing),
    /// where the choice would be arbitrary.
    fn tree_choices(&self, roots: &[Id]) -> Option<HashMap<Id, &'a Math>> {
        let price = |node: &Node, best: &Best<(f64, f64)>| {
            let mut total = (f64::from(node.weight), 1.0);
            for &c in &node.children {
                let Some(((w, n), _)) = best[c as usize] else {
                    return Ok(None);
                };
                total = (total.0 + w, total.1 + n);
            }
            Ok(Some(total))
        };
        let best = self.fixpoint(price, |a, b| a < b)?;
        let finite = |id: &Id| {
            self.number
                .get(id)
                .and_then(|&i| best[i as usize].as_ref())
                .is_some_and(|((w, _), _)| w.is_finite())
        };
        roots.iter().all(finite).then(|| self.choices(&best))
    }

    /// Greedy DAG extraction: a node costs the total weight of its sub-DAG, each class in it
    /// counted once, so a sub-term used twice is paid for once (tree costs count it twice and
    /// lose the sharing of derivatives). Sub-DAGs are sets of (class, weight) sorted by class;
    /// a node whose sub-DAG runs through its own class is a cycle and skipped. `None` past
    /// [`DAG_EXTRACTION_BUDGET`].
    fn dag_choices(&self) -> Option<HashMap<Id, &'a Math>> {
        type Set = Vec<(u32, u32)>;
        struct Dag {
            total: u64,
            set: Set,
        }
        let mut work = 0usize;
        let price = |node: &Node, best: &Best<Dag>| {
            let mut set: Set = vec![(node.class, node.weight)];
            for &c in &node.children {
                let Some((child, _)) = &best[c as usize] else {
                    return Ok(None);
                };
                if child.set.binary_search_by_key(&node.class, |e| e.0).is_ok() {
                    return Ok(None);
                }
                set = union(&set, &child.set);
                work += set.len();
            }
            if work > DAG_EXTRACTION_BUDGET {
                return Err(());
            }
            let total = set.iter().map(|e| u64::from(e.1)).sum();
            Ok(Some(Dag { total, set }))
        };
        // Less work first, then fewer nodes.
        let less = |a: &Dag, b: &Dag| (a.total, a.set.len()) < (b.total, b.set.len());
        let best = self.fixpoint(price, less)?;
        Some(self.choices(&best))
    }
}

/// The union of two sets sorted by class (the first's weight wins on a shared class).
fn union(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

type Graph = EGraph<Math, Facts>;

/// What is known of a value wherever the roots are defined (see [`assumptions`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Assumed {
    positive: bool,
    nonneg: bool,
    nonzero: bool,
}

impl Assumed {
    const POSITIVE: Assumed = Assumed {
        positive: true,
        nonneg: true,
        nonzero: true,
    };
    const NONNEG: Assumed = Assumed {
        positive: false,
        nonneg: true,
        nonzero: false,
    };
    const NONZERO: Assumed = Assumed {
        positive: false,
        nonneg: false,
        nonzero: true,
    };

    fn or(self, o: Assumed) -> Assumed {
        Assumed {
            positive: self.positive || o.positive,
            nonneg: self.nonneg || o.nonneg || self.positive || o.positive,
            nonzero: self.nonzero || o.nonzero || self.positive || o.positive,
        }
    }

    fn and(self, o: Assumed) -> Assumed {
        Assumed {
            positive: self.positive && o.positive,
            nonneg: self.nonneg && o.nonneg,
            nonzero: self.nonzero && o.nonzero,
        }
    }

    fn is_empty(self) -> bool {
        self == Assumed::default()
    }
}

/// Whose value an assumption is about: a node of the input, or the cosine of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Subject {
    Node(Id),
    CosOf(Id),
}

/// Facts that hold wherever every root is defined, read off the partial operations under
/// them: a divisor is non-zero, the argument of `log` positive, that of `sqrt` or of a
/// fractional power non-negative, and `cos a` non-zero under `tan a`; a factor of a
/// non-zero product is non-zero. Each root implies its own facts (every operation is
/// undefined where an argument is), so only the facts all roots imply are kept: a rewrite
/// on a sub-term shared by two roots must hold wherever either is defined.
///
/// With these the analysis guards `x/x → 1` or `exp(log x) → x` by what the expression
/// itself requires: the result equals the original wherever the original is defined, and
/// may be defined at more points (a removable singularity, `(x²−1)/(x−1) → x+1`).
fn assumptions(expr: &RecExpr<Math>, roots: &[Id]) -> HashMap<Subject, Assumed> {
    let mut common: Option<HashMap<Subject, Assumed>> = None;
    for &root in roots {
        let mine = implied_by(expr, root);
        let kept = match common {
            None => mine,
            Some(before) => before
                .into_iter()
                .filter_map(|(k, a)| {
                    let both = a.and(*mine.get(&k)?);
                    (!both.is_empty()).then_some((k, both))
                })
                .collect(),
        };
        let empty = kept.is_empty();
        common = Some(kept);
        if empty {
            break;
        }
    }
    common.unwrap_or_default()
}

/// The facts one root implies (see [`assumptions`]), found from the root down.
fn implied_by(expr: &RecExpr<Math>, root: Id) -> HashMap<Subject, Assumed> {
    let mut known: HashMap<Subject, Assumed> = HashMap::new();
    let number = |id: Id| expr[id].number();
    // Children have smaller ids than their parents, so this visits parents first.
    for id in reachable(expr, &[root]).into_iter().rev() {
        let here = known.get(&Subject::Node(id)).copied().unwrap_or_default();
        let mut found: Vec<(Subject, Assumed)> = Vec::new();
        let mut require = |c: Id, a: Assumed| {
            if number(c).is_none() && !a.is_empty() {
                found.push((Subject::Node(c), a));
            }
        };
        let if_nonzero = if here.nonzero {
            Assumed::NONZERO
        } else {
            Assumed::default()
        };
        match expr[id] {
            Math::Div([a, b]) => {
                require(b, Assumed::NONZERO);
                require(a, if_nonzero);
            }
            Math::Log(a) => require(a, Assumed::POSITIVE),
            Math::Sqrt(a) => require(
                a,
                if here.nonzero {
                    Assumed::POSITIVE
                } else {
                    Assumed::NONNEG
                },
            ),
            Math::Pow([a, n]) => {
                if let Some(n) = number(n) {
                    let mut need = if_nonzero;
                    if n < 0.0 {
                        need = need.or(Assumed::NONZERO);
                    }
                    if n.fract() != 0.0 {
                        need = need.or(Assumed::NONNEG);
                    }
                    if need.nonzero && need.nonneg {
                        need = Assumed::POSITIVE;
                    }
                    require(a, need);
                }
            }
            Math::Mul([a, b]) => {
                require(a, if_nonzero);
                require(b, if_nonzero);
            }
            Math::Neg(a) | Math::Abs(a) => require(a, if_nonzero),
            Math::Tan(a) => found.push((Subject::CosOf(a), Assumed::NONZERO)),
            _ => {}
        }
        for (subject, a) in found {
            let entry = known.entry(subject).or_default();
            *entry = entry.or(a);
        }
    }
    known.retain(|_, a| !a.is_empty());
    known
}

/// What the analysis knows about an e-class: its value when it is a constant (only finite
/// values are folded); whether it is positive or non-zero (in real arithmetic), which guards
/// the rules that need it; and whether it is undefined everywhere (`1/0`, `log(0)`, anything
/// built on those), which no rule may touch (see [`Strict`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Facts {
    value: Option<f64>,
    positive: bool,
    nonneg: bool,
    nonzero: bool,
    undefined: bool,
}

impl Facts {
    fn constant(v: f64) -> Facts {
        if !v.is_finite() {
            return Facts::UNDEFINED;
        }
        Facts {
            value: Some(v + 0.0),
            positive: v > 0.0,
            nonneg: v >= 0.0,
            nonzero: v != 0.0,
            undefined: false,
        }
    }

    fn flags(positive: bool, nonneg: bool, nonzero: bool) -> Facts {
        Facts {
            value: None,
            positive,
            nonneg: nonneg || positive,
            nonzero: nonzero || positive,
            undefined: false,
        }
    }

    /// These facts and those of `other` (facts of one value).
    fn and(self, other: Assumed) -> Facts {
        if self.value.is_some() || self.undefined {
            return self;
        }
        Facts::flags(
            self.positive || other.positive,
            self.nonneg || other.nonneg,
            self.nonzero || other.nonzero,
        )
    }

    const UNDEFINED: Facts = Facts {
        value: None,
        positive: false,
        nonneg: false,
        nonzero: false,
        undefined: true,
    };
}

impl Analysis<Math> for Facts {
    type Data = Facts;

    fn make(egraph: &mut Graph, enode: &Math, _id: Id) -> Facts {
        let f = |id: &Id| egraph[*id].data;
        if let Math::Num(c) = enode {
            return Facts::constant(c.into_inner());
        }
        // Undefinedness spreads to everything built on it.
        if enode.children().iter().any(|c| f(c).undefined) {
            return Facts::UNDEFINED;
        }
        let values: Option<Vec<f64>> = enode.children().iter().map(|c| f(c).value).collect();
        if let Some(values) = values {
            if let Some(v) = eval::apply(enode, &values) {
                return Facts::constant(v);
            }
        }
        let pos = |id: &Id| f(id).positive;
        let nn = |id: &Id| f(id).nonneg;
        let nz = |id: &Id| f(id).nonzero;
        match enode {
            Math::Div([_, b]) if f(b).value == Some(0.0) => Facts::UNDEFINED,
            Math::Exp(_) | Math::Cosh(_) | Math::Sigmoid(_) | Math::Softplus(_) => {
                Facts::flags(true, true, true)
            }
            Math::Add([a, b]) => Facts::flags(
                (pos(a) && nn(b)) || (nn(a) && pos(b)),
                nn(a) && nn(b),
                false,
            ),
            Math::Mul([a, b]) if a == b => Facts::flags(nz(a), true, nz(a)),
            Math::Mul([a, b]) | Math::Div([a, b]) => {
                Facts::flags(pos(a) && pos(b), nn(a) && nn(b), nz(a) && nz(b))
            }
            Math::Pow([a, n]) => {
                let even = f(n).value.is_some_and(|v| v % 2.0 == 0.0);
                Facts::flags(pos(a) || (even && nz(a)), nn(a) || even, nz(a))
            }
            Math::Sqrt(a) => Facts::flags(pos(a), true, pos(a)),
            Math::Abs(a) => Facts::flags(nz(a), true, nz(a)),
            Math::Neg(a) => Facts::flags(false, false, nz(a)),
            // Odd, increasing, and zero only at zero.
            Math::Sinh(a) | Math::Tanh(a) | Math::Atan(a) | Math::Erf(a) | Math::Asin(a) => {
                Facts::flags(pos(a), nn(a), nz(a))
            }
            _ => Facts::default(),
        }
    }

    fn merge(&mut self, to: &mut Facts, from: Facts) -> DidMerge {
        let merged = if to.undefined || from.undefined {
            Facts::UNDEFINED
        } else {
            match (to.value, from.value) {
                // Two constant folds of one class can differ by rounding; keep the first.
                (Some(v), _) | (None, Some(v)) => Facts::constant(v),
                (None, None) => Facts::flags(
                    to.positive || from.positive,
                    to.nonneg || from.nonneg,
                    to.nonzero || from.nonzero,
                ),
            }
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

/// Rules hold for finite values of their variables; applied to a class that is undefined
/// everywhere they would prove anything (`0 = (1/0)·0 = ...`) and, through shared
/// sub-terms, corrupt defined roots simplified alongside. So every rule searches through
/// this wrapper, which drops matches on classes the analysis knows undefined (matches on a
/// defined class have defined variables, undefinedness spreading upwards).
struct Strict(Arc<dyn Searcher<Math, Facts> + Sync + Send>);

impl Searcher<Math, Facts> for Strict {
    fn search_eclass_with_limit(
        &self,
        egraph: &Graph,
        eclass: Id,
        limit: usize,
    ) -> Option<SearchMatches<'_, Math>> {
        if egraph[eclass].data.undefined {
            return None;
        }
        self.0.search_eclass_with_limit(egraph, eclass, limit)
    }

    fn search_with_limit(&self, egraph: &Graph, limit: usize) -> Vec<SearchMatches<'_, Math>> {
        let mut matches = self.0.search_with_limit(egraph, limit);
        matches.retain(|m| !egraph[m.eclass].data.undefined);
        matches
    }

    fn get_pattern_ast(&self) -> Option<&PatternAst<Math>> {
        self.0.get_pattern_ast()
    }

    fn vars(&self) -> Vec<Var> {
        self.0.vars()
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

/// `?n` is a negative constant.
fn negative(n: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| value(g, s, n).is_some_and(|v| v < 0.0)
}

/// `?n` is an integer constant in `lo..=hi`.
fn int_in(n: &str, lo: f64, hi: f64) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| {
        let v = value(g, s, n);
        is_int(v) && v.is_some_and(|v| (lo..=hi).contains(&v))
    }
}

/// `?n` is an even integer constant.
fn even(n: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let n = var(n);
    move |g, _, s| value(g, s, n).is_some_and(|v| v % 2.0 == 0.0)
}

/// `?c` is the constant `v` (as a number parses or folds to, e.g. `pi`).
fn equals(c: &str, v: f64) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let c = var(c);
    move |g, _, s| value(g, s, c) == Some(v)
}

/// `?a` is not a constant.
fn variable(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| value(g, s, a).is_none()
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

fn nonneg(a: &str) -> impl Fn(&mut Graph, Id, &Subst) -> bool {
    let a = var(a);
    move |g, _, s| g[s[a]].data.nonneg
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

/// Bounds on the polynomials the simplifier builds: beyond them a sub-term stays opaque.
const POLY_MAX_TERMS: usize = 12;
const POLY_MAX_DEGREE: u32 = 8;
const POLY_MAX_POWER: f64 = 4.0;
/// How deep below the matched node sub-terms are read as polynomials.
const POLY_DEPTH: usize = 6;

/// Reads e-classes as polynomials ([`Poly`]) in opaque classes: a class is a constant if the
/// analysis knows its value, else the first of its nodes that is a sum, difference, product,
/// negation, small power or division by a constant, else (or past [`POLY_DEPTH`], or in a
/// cycle) an atom of its own. Any reading is right: every node of a class has its value.
struct PolyReader<'a> {
    egraph: &'a Graph,
    memo: HashMap<Id, Poly>,
    open: HashSet<Id>,
}

impl<'a> PolyReader<'a> {
    fn new(egraph: &'a Graph) -> PolyReader<'a> {
        PolyReader {
            egraph,
            memo: HashMap::new(),
            open: HashSet::new(),
        }
    }

    fn read(&mut self, class: Id, depth: usize) -> Poly {
        let class = self.egraph.find(class);
        let data = self.egraph[class].data;
        if let Some(v) = data.value {
            return Poly::constant(v);
        }
        let atom = Poly::atom(usize::from(class) as u32);
        let leaf = self.egraph[class]
            .nodes
            .iter()
            .any(|n| matches!(n, Math::Symbol(_)));
        if depth == 0 || leaf || data.undefined || self.open.contains(&class) {
            return atom;
        }
        if let Some(p) = self.memo.get(&class) {
            return p.clone();
        }
        self.open.insert(class);
        let mut found = None;
        for node in &self.egraph[class].nodes {
            if let Some(p) = self.node(node, depth - 1) {
                found = Some(p);
                break;
            }
        }
        self.open.remove(&class);
        let p = found.unwrap_or(atom);
        self.memo.insert(class, p.clone());
        p
    }

    /// The polynomial of one node, if it is a polynomial operation and the result is within
    /// bounds.
    fn node(&mut self, node: &Math, depth: usize) -> Option<Poly> {
        let value = |id: &Id| self.egraph[*id].data.value;
        let p = match node {
            Math::Add([a, b]) => self.read(*a, depth).add(&self.read(*b, depth)),
            Math::Sub([a, b]) => self.read(*a, depth).sub(&self.read(*b, depth)),
            Math::Mul([a, b]) => self.read(*a, depth).mul(&self.read(*b, depth)),
            Math::Neg(a) => self.read(*a, depth).scale(-1.0),
            Math::Pow([a, n]) => {
                let n =
                    value(n).filter(|n| n.fract() == 0.0 && (2.0..=POLY_MAX_POWER).contains(n))?;
                let a = self.read(*a, depth);
                if a.terms.len().pow(n as u32) > POLY_MAX_TERMS * POLY_MAX_TERMS {
                    return None;
                }
                a.pow(n as u32)
            }
            Math::Div([a, c]) => {
                let c = value(c).filter(|c| *c != 0.0)?;
                self.read(*a, depth).scale(1.0 / c)
            }
            _ => return None,
        };
        (p.terms.len() <= POLY_MAX_TERMS && p.degree() <= POLY_MAX_DEGREE && p.is_finite())
            .then_some(p)
    }
}

/// Add `p` to the e-graph as a sum of monomials `c · a^k · b^m ...`.
fn add_poly(egraph: &mut Graph, p: &Poly) -> Id {
    let mut sum: Option<Id> = None;
    for (monomial, &c) in &p.terms {
        let mut product: Option<Id> = None;
        for &(atom, k) in monomial {
            let a = Id::from(atom as usize);
            let factor = if k == 1 {
                a
            } else {
                let k = egraph.add(Math::Num(NotNan::new(f64::from(k)).expect("exponent")));
                egraph.add(Math::Pow([a, k]))
            };
            product = Some(match product {
                None => factor,
                Some(m) => egraph.add(Math::Mul([m, factor])),
            });
        }
        let coefficient = egraph.add(Math::Num(NotNan::new(c).expect("finite coefficient")));
        let term = match product {
            None => coefficient,
            Some(m) if c == 1.0 => m,
            Some(m) if c == -1.0 => egraph.add(Math::Neg(m)),
            Some(m) => egraph.add(Math::Mul([coefficient, m])),
        };
        sum = Some(match sum {
            None => term,
            Some(s) => egraph.add(Math::Add([s, term])),
        });
    }
    sum.unwrap_or_else(|| egraph.add(Math::Num(NotNan::new(0.0).expect("zero"))))
}

/// `+`, `-` or `*` of polynomials.
type PolyOp = fn(&Poly, &Poly) -> Poly;

/// What a polynomial rule does with the node it matched.
#[derive(Clone, Copy)]
enum PolyRule {
    /// Expand `?a + ?b`, `?a - ?b` or `?a * ?b` into a sum of monomials.
    Expand(PolyOp),
    /// `?a / ?b` is the quotient when `?b` divides `?a` exactly (the rule is guarded by `?b`
    /// being non-zero).
    Divide,
}

struct Polynomial(PolyRule);

impl Polynomial {
    /// The polynomial `a op b` (or `a / b`) to add to the matched class, if any: not when
    /// both operands are plain atoms (`x + y` read as a polynomial is itself), nor past the
    /// bounds.
    fn result(&self, reader: &mut PolyReader, a: Id, b: Id) -> Option<Poly> {
        let (pa, pb) = (reader.read(a, POLY_DEPTH), reader.read(b, POLY_DEPTH));
        let result = match self.0 {
            PolyRule::Expand(_) if pa.is_atom() && pb.is_atom() => return None,
            PolyRule::Expand(op) => op(&pa, &pb),
            PolyRule::Divide => {
                if pb.as_constant().is_some() {
                    return None;
                }
                pa.divide_exact(&pb, 4 * POLY_MAX_TERMS)?
            }
        };
        (result.terms.len() <= POLY_MAX_TERMS
            && result.degree() <= POLY_MAX_DEGREE
            && result.is_finite())
        .then_some(result)
    }

    fn add(egraph: &mut Graph, found: Vec<(Id, Poly)>) -> Vec<Id> {
        let mut changed = Vec::new();
        for (eclass, p) in found {
            let id = add_poly(egraph, &p);
            if egraph.union(eclass, id) {
                changed.push(eclass);
            }
        }
        changed
    }
}

impl Applier<Math, Facts> for Polynomial {
    /// All matches of one search are read with one [`PolyReader`], so sub-terms shared
    /// between them are read once.
    fn apply_matches(
        &self,
        egraph: &mut Graph,
        matches: &[SearchMatches<Math>],
        _: Symbol,
    ) -> Vec<Id> {
        let (a, b) = (var("?a"), var("?b"));
        let mut found = Vec::new();
        let mut reader = PolyReader::new(egraph);
        for m in matches {
            for subst in &m.substs {
                if let Some(p) = self.result(&mut reader, subst[a], subst[b]) {
                    found.push((m.eclass, p));
                }
            }
        }
        Polynomial::add(egraph, found)
    }

    fn apply_one(
        &self,
        egraph: &mut Graph,
        eclass: Id,
        subst: &Subst,
        _: Option<&PatternAst<Math>>,
        _: Symbol,
    ) -> Vec<Id> {
        let mut reader = PolyReader::new(egraph);
        let found = self
            .result(&mut reader, subst[var("?a")], subst[var("?b")])
            .map(|p| (eclass, p));
        Polynomial::add(egraph, found.into_iter().collect())
    }
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
        // Negation and subtraction: `a - b` is also `a + (-b)`, so sums do the rest; negation
        // moves through products.
        rw!("sub-canon"; "(- ?a ?b)" => "(+ ?a (neg ?b))"),
        rw!("sub-uncanon"; "(+ ?a (neg ?b))" => "(- ?a ?b)"),
        rw!("neg-uncanon"; "(* -1 ?a)" => "(neg ?a)"),
        rw!("neg-neg"; "(neg (neg ?a))" => "?a"),
        rw!("neg-sub"; "(neg (- ?a ?b))" => "(- ?b ?a)"),
        rw!("mul-neg"; "(* ?a (neg ?b))" => "(neg (* ?a ?b))"),
        rw!("neg-into-mul"; "(neg (* ?a ?b))" => "(* ?a (neg ?b))"),
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
        rw!("recip-div"; "(/ 1 (/ ?a ?b))" => "(/ ?b ?a)"),
        rw!("recip-neg"; "(/ 1 (neg ?a))" => "(neg (/ 1 ?a))"),
        rw!("div-self"; "(/ ?a ?a)" => "1" if nonzero("?a")),
        rw!("div-cancel"; "(/ (* ?a ?b) (* ?a ?c))" => "(/ ?b ?c)" if nonzero("?a")),
        rw!("div-cancel-num"; "(/ (* ?a ?b) ?a)" => "?b" if nonzero("?a")),
        rw!("div-cancel-den"; "(/ ?a (* ?a ?b))" => "(/ 1 ?b)" if nonzero("?a")),
        rw!("div-same-den"; "(/ (/ ?a ?c) (/ ?b ?c))" => "(/ ?a ?b)" if nonzero("?c")),
        rw!("add-fractions"; "(+ (/ ?a ?b) (/ ?c ?d))" => "(/ (+ (* ?a ?d) (* ?b ?c)) (* ?b ?d))"),
        rw!("mul-recip-self"; "(* ?a (/ 1 ?a))" => "1" if nonzero("?a")),
        // Powers. Small integer powers become the multiplications they cost.
        rw!("square"; "(* ?a ?a)" => "(^ ?a 2)"),
        rw!("square-rev"; "(^ ?a 2)" => "(* ?a ?a)"),
        rw!("pow-split"; "(^ ?a ?n)" => "(* ?a (^ ?a (+ ?n -1)))" if int_in("?n", 3.0, 8.0)),
        rw!("pow-recip"; "(^ ?a ?n)" => "(/ 1 (^ ?a (neg ?n)))" if negative("?n")),
        rw!("pow-sqrt"; "(^ ?a 0.5)" => "(sqrt ?a)"),
        rw!("pow-mul"; "(* (^ ?a ?b) (^ ?a ?c))" => "(^ ?a (+ ?b ?c))" if powers_add("?a", "?b", Some("?c"))),
        rw!("pow-mul-1"; "(* ?a (^ ?a ?b))" => "(^ ?a (+ ?b 1))" if powers_add("?a", "?b", None)),
        rw!("pow-pow"; "(^ (^ ?a ?b) ?c)" => "(^ ?a (* ?b ?c))" if powers_multiply("?a", "?b", "?c")),
        rw!("pow-neg"; "(^ (neg ?a) ?n)" => "(^ ?a ?n)" if even("?n")),
        rw!("sqrt-square"; "(sqrt (* ?a ?a))" => "(abs ?a)"),
        rw!("sqrt-factor"; "(sqrt (* ?c ?a))" => "(* (sqrt ?c) (sqrt ?a))" if positive("?c") if is_const("?c")),
        rw!("sqrt-square-nonneg"; "(sqrt (* ?a ?a))" => "?a" if nonneg("?a")),
        rw!("sqrt-sqrt"; "(* (sqrt ?a) (sqrt ?a))" => "?a" if nonneg("?a")),
        rw!("abs-positive"; "(abs ?a)" => "?a" if nonneg("?a")),
        rw!("abs-neg"; "(abs (neg ?a))" => "(abs ?a)"),
        rw!("abs-square"; "(* (abs ?a) (abs ?a))" => "(* ?a ?a)"),
        rw!("sign-abs"; "(* (sign ?a) (abs ?a))" => "?a"),
        // Exponentials and logarithms.
        rw!("exp-mul"; "(* (exp ?a) (exp ?b))" => "(exp (+ ?a ?b))"),
        rw!("exp-add"; "(exp (+ ?a ?b))" => "(* (exp ?a) (exp ?b))"),
        rw!("exp-log-pow"; "(exp (* ?b (log ?a)))" => "(^ ?a ?b)" if positive("?a")),
        rw!("exp-recip"; "(/ 1 (exp ?a))" => "(exp (neg ?a))"),
        rw!("exp-pow"; "(^ (exp ?a) ?b)" => "(exp (* ?a ?b))"),
        rw!("log-exp"; "(log (exp ?a))" => "?a"),
        rw!("exp-log"; "(exp (log ?a))" => "?a" if positive("?a")),
        rw!("log-pow"; "(log (^ ?a ?b))" => "(* ?b (log ?a))" if positive("?a")),
        // Trigonometric and hyperbolic identities.
        rw!("pythagoras"; "(+ (* (sin ?a) (sin ?a)) (* (cos ?a) (cos ?a)))" => "1"),
        rw!("pythagoras-h"; "(- (* (cosh ?a) (cosh ?a)) (* (sinh ?a) (sinh ?a)))" => "1"),
        rw!("tan-def"; "(/ (sin ?a) (cos ?a))" => "(tan ?a)"),
        rw!("tan-expand"; "(tan ?a)" => "(/ (sin ?a) (cos ?a))"),
        rw!("tanh-def"; "(/ (sinh ?a) (cosh ?a))" => "(tanh ?a)"),
        rw!("sec2"; "(/ 1 (* (cos ?a) (cos ?a)))" => "(+ 1 (* (tan ?a) (tan ?a)))"),
        rw!("sin-double"; "(* 2 (* (sin ?a) (cos ?a)))" => "(sin (* 2 ?a))"),
        rw!("cos-double"; "(- (* (cos ?a) (cos ?a)) (* (sin ?a) (sin ?a)))" => "(cos (* 2 ?a))"),
        // Shifts by `pi` (the number nearest π: exact to about 1e-16, and only for a variable
        // argument, so that no constant is equated with one a rounding away).
        rw!("sin-pi-minus"; "(sin (- ?c ?a))" => "(sin ?a)" if equals("?c", PI) if variable("?a")),
        rw!("cos-pi-minus"; "(cos (- ?c ?a))" => "(neg (cos ?a))" if equals("?c", PI) if variable("?a")),
        rw!("sin-quarter"; "(sin (+ ?a ?c))" => "(cos ?a)" if equals("?c", FRAC_PI_2) if variable("?a")),
        rw!("cos-quarter"; "(cos (+ ?a ?c))" => "(neg (sin ?a))" if equals("?c", FRAC_PI_2) if variable("?a")),
        rw!("sinh-exp"; "(- (exp ?a) (exp (neg ?a)))" => "(* 2 (sinh ?a))"),
        rw!("cosh-exp"; "(+ (exp ?a) (exp (neg ?a)))" => "(* 2 (cosh ?a))"),
        // Activations: definitions folded back, and symmetries. (Not `sigmoid(-a) = 1 -
        // sigmoid(a)`, `softplus(-a) = softplus(a) - a` or `sech² = 1 - tanh²`: each turns a
        // small accurate value into a difference that cancels for large `a`.)
        rw!("sigmoid-def"; "(/ 1 (+ 1 (exp (neg ?a))))" => "(sigmoid ?a)"),
        rw!("sigmoid-def-2"; "(/ (exp ?a) (+ 1 (exp ?a)))" => "(sigmoid ?a)"),
        rw!("sigmoid-sum"; "(+ (sigmoid ?a) (sigmoid (neg ?a)))" => "1"),
        rw!("softplus-def"; "(log (+ 1 (exp ?a)))" => "(softplus ?a)"),
        rw!("softplus-diff"; "(- (softplus ?a) (softplus (neg ?a)))" => "?a"),
        rw!("tanh-sigmoid"; "(- (* 2 (sigmoid (* 2 ?a))) 1)" => "(tanh ?a)"),
        // Min, max, fma.
        rw!("min-self"; "(min ?a ?a)" => "?a"),
        rw!("max-self"; "(max ?a ?a)" => "?a"),
        rw!("max-plus-min"; "(+ (max ?a ?b) (min ?a ?b))" => "(+ ?a ?b)"),
        rw!("fma-expand"; "(fma ?a ?b ?c)" => "(+ (* ?a ?b) ?c)"),
    ];
    // Odd and even functions.
    let pattern = |s: String| s.parse::<egg::Pattern<Math>>().expect("pattern");
    for f in ["sin", "tan", "asin", "atan", "sinh", "tanh", "erf"] {
        let (lhs, rhs) = (
            pattern(format!("({f} (neg ?a))")),
            pattern(format!("(neg ({f} ?a))")),
        );
        rules.push(Rewrite::new(format!("{f}-odd"), lhs, rhs).expect("rule"));
    }
    for f in ["cos", "cosh", "abs"] {
        let (lhs, rhs) = (
            pattern(format!("({f} (neg ?a))")),
            pattern(format!("({f} ?a)")),
        );
        rules.push(Rewrite::new(format!("{f}-even"), lhs, rhs).expect("rule"));
    }
    // Polynomials: expand sums, differences and products (like terms cancel across
    // brackets), and divide exactly.
    let expand: [(&str, &str, PolyOp); 3] = [
        ("poly-add", "(+ ?a ?b)", Poly::add),
        ("poly-sub", "(- ?a ?b)", Poly::sub),
        ("poly-mul", "(* ?a ?b)", Poly::mul),
    ];
    for (name, lhs, op) in expand {
        let rule = Rewrite::new(name, pattern(lhs.into()), Polynomial(PolyRule::Expand(op)));
        rules.push(rule.expect("rule"));
    }
    let divide = egg::ConditionalApplier {
        condition: nonzero("?b"),
        applier: Polynomial(PolyRule::Divide),
    };
    rules.push(Rewrite::new("poly-divide", pattern("(/ ?a ?b)".into()), divide).expect("rule"));
    for rule in &mut rules {
        rule.searcher = Arc::new(Strict(rule.searcher.clone()));
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::diff::{differentiate, Leaf};
    use crate::ir::lang::op_count;
    use egg::Symbol;

    const SYMBOLS: [&str; 3] = ["x", "y", "z"];

    fn parse(s: &str) -> RecExpr<Math> {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn root_of(expr: &RecExpr<Math>) -> Id {
        Id::from(expr.len() - 1)
    }

    fn simplify_one(s: &str) -> (RecExpr<Math>, Id) {
        let expr = parse(s);
        let out = simplify(&expr, &[root_of(&expr)], &Limits::default());
        (out.expr, out.roots[0])
    }

    fn values(expr: &RecExpr<Math>, point: [f64; 3]) -> Vec<f64> {
        eval::eval_all(expr, &mut |s: Symbol| {
            let i = SYMBOLS
                .iter()
                .position(|n| *n == s.as_str())
                .expect("known symbol");
            point[i]
        })
    }

    /// The simplified form of `s`, printed as an s-expression.
    fn shown(s: &str) -> String {
        let (expr, root) = simplify_one(s);
        let mut b = Builder::new();
        b.import(&expr, root);
        b.expr.to_string()
    }

    /// The weighted cost of the simplified form of `s`.
    fn cost(s: &str) -> usize {
        let (expr, root) = check_equivalent(s);
        dag_cost(&expr, &[root])
    }

    /// A builder holding `s` (imported, so duplicate nodes of the parse are merged).
    fn builder(s: &str) -> (Builder, Id) {
        let expr = parse(s);
        let mut b = Builder::new();
        let root = b.import(&expr, root_of(&expr));
        (b, root)
    }

    /// Both agree at a few points where the original is finite, and the result is no costlier.
    fn check_equivalent(s: &str) -> (RecExpr<Math>, Id) {
        let expr = parse(s);
        let root = root_of(&expr);
        let out = simplify(&expr, &[root], &Limits::default());
        assert!(
            dag_cost(&out.expr, &out.roots) <= dag_cost(&expr, &[root]),
            "{s} got costlier"
        );
        for point in [[0.3, -1.7, 2.1], [1.4, 0.6, -0.2], [-0.8, 2.5, 0.9]] {
            let a = values(&expr, point)[usize::from(root)];
            let b = values(&out.expr, point)[usize::from(out.roots[0])];
            if a.is_finite() {
                assert!(
                    (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                    "{s} at {point:?}: {a} vs {b}"
                );
            }
        }
        (out.expr, out.roots[0])
    }

    #[test]
    fn identities_disappear() {
        assert_eq!(shown("(+ x 0)"), "x");
        assert_eq!(shown("(* 1 (+ x 0))"), "x");
        assert_eq!(shown("(- (* x y) (* y x))"), "0");
        assert_eq!(shown("(* (+ x y) 0)"), "0");
        assert_eq!(shown("(neg (neg x))"), "x");
        assert_eq!(shown("(/ x 1)"), "x");
    }

    #[test]
    fn like_terms_are_collected() {
        let (expr, root) = check_equivalent("(+ (* 2 x) (* 3 x))");
        assert_eq!(op_count(&expr, &[root]), 1, "{}", expr);
        let (expr, root) = check_equivalent("(- (+ (* 2 x) (* 3 x)) (* 5 x))");
        assert_eq!(expr[root], Math::Num(NotNan::new(0.0).unwrap()));
    }

    #[test]
    fn common_factors_are_pulled_out() {
        let expr = parse("(+ (* x y) (* x z))");
        let (out, root) = check_equivalent("(+ (* x y) (* x z))");
        assert!(
            op_count(&out, &[root]) < op_count(&expr, &[root_of(&expr)]),
            "{out}"
        );
    }

    #[test]
    fn pythagoras_is_one() {
        assert_eq!(shown("(+ (^ (sin x) 2) (^ (cos x) 2))"), "1");
        assert_eq!(
            shown("(+ (* (cos (+ x y)) (cos (+ x y))) (* (sin (+ y x)) (sin (+ y x))))"),
            "1"
        );
        assert_eq!(shown("(- (^ (cosh x) 2) (^ (sinh x) 2))"), "1");
    }

    #[test]
    fn polynomials_expand_and_divide() {
        assert_eq!(
            shown("(- (^ (+ x y) 2) (+ (+ (^ x 2) (* (* 2 x) y)) (^ y 2)))"),
            "0"
        );
        assert_eq!(shown("(- (* (+ x 1) (- x 1)) (^ x 2))"), "-1");
        // Like terms inside opaque sub-terms: sin(x) is an atom.
        assert_eq!(
            cost("(- (* (+ (sin x) 1) (+ (sin x) 1)) (+ (* (sin x) (sin x)) 1))"),
            17 // 2 sin(x)
        );
        // Exact division by a divisor the expression requires non-zero.
        assert_eq!(cost("(/ (- (^ x 2) 1) (- x 1))"), 1);
        assert_eq!(cost("(/ (+ (+ (^ x 2) (* 2 x)) 1) (+ x 1))"), 1);
        let (out, root) = check_equivalent("(/ (- (^ x 4) (^ y 4)) (+ (^ x 2) (^ y 2)))");
        assert_eq!(op_count(&out, &[root]), 3, "{out}");
        // Not exact: stays a quotient.
        assert!(shown("(/ (+ (^ x 2) 1) (- x 1))").starts_with("(/"));
        // A divisor not known non-zero where the roots are defined: no division.
        let both = shown_together(&["(/ (- (^ x 2) 1) (- x 1))", "(- x 1)"]);
        assert!(both[0].starts_with("(/"), "{both:?}");
    }

    #[test]
    fn square_minus_itself_is_zero() {
        assert_eq!(shown("(- (* (+ x 1) (+ x 1)) (^ (+ x 1) 2))"), "0");
    }

    #[test]
    fn constants_fold() {
        let (expr, root) = check_equivalent("(+ (* 2 3) x)");
        assert_eq!(op_count(&expr, &[root]), 1);
        assert!(
            expr.as_ref()
                .contains(&Math::Num(NotNan::new(6.0).unwrap())),
            "{expr}"
        );
        assert_eq!(shown("(* (+ 1 2) (- 7 3))"), "12");
        assert_eq!(shown("(+ 2 (+ x 3))"), shown("(+ x 5)"));
        // Non-finite results are not folded: 1/0 stays a division.
        assert_eq!(shown("(/ 1 0)"), "(/ 1 0)");
    }

    /// Simplify `roots` (s-expressions) together; the results printed.
    fn shown_together(roots: &[&str]) -> Vec<String> {
        let mut b = Builder::new();
        let ids: Vec<Id> = roots
            .iter()
            .map(|s| {
                let e = parse(s);
                b.import(&e, root_of(&e))
            })
            .collect();
        let out = simplify(&b.expr, &ids, &Limits::default());
        out.roots
            .iter()
            .map(|&r| {
                let mut c = Builder::new();
                c.import(&out.expr, r);
                c.expr.to_string()
            })
            .collect()
    }

    #[test]
    fn guarded_rules_wait_for_their_guard() {
        // Nothing says x is positive: these must not assume it. (x^2)^0.5 is |x|, not x;
        // log(x^2) is not 2 log(x) (both checked at a negative x).
        check_equivalent("(^ (^ x 2) 0.5)");
        check_equivalent("(log (^ x 2))");
        assert_eq!(shown("(abs x)"), "(abs x)");
        assert_eq!(shown("(sqrt (* x x))"), "(abs x)");
        // A guard known from a second root that does not imply it: each root must stay
        // right wherever it is defined, so x/x waits while x alone is a root too.
        let both = shown_together(&["(/ x x)", "(+ x 1)"]);
        assert_ne!(both[0], "1", "{both:?}");
        // The analysis knows the sign ...
        assert_eq!(shown("(/ (exp x) (exp x))"), "1");
        assert_eq!(shown("(exp (log (exp y)))"), "(exp y)");
        assert_eq!(shown("(* (sqrt (exp x)) (sqrt (exp x)))"), "(exp x)");
        assert_eq!(shown("(abs (cosh x))"), "(cosh x)");
        // ... or the expression requires it wherever it is defined: a divisor is non-zero,
        // the argument of log positive, that of sqrt non-negative, cos non-zero under tan.
        assert_eq!(shown("(/ x x)"), "1");
        assert_eq!(shown("(/ (* x y) (* x z))"), "(/ y z)");
        assert_eq!(shown("(exp (log x))"), "x");
        assert_eq!(shown("(* (sqrt x) (sqrt x))"), "x");
        assert_eq!(shown("(exp (* 2 (log x)))"), shown("(^ x 2)"));
        assert_eq!(shown("(* (tan x) (cos x))"), "(sin x)");
        assert_eq!(shown("(+ (* x (/ 1 x)) (log x))"), shown("(+ 1 (log x))"));
        // Always valid: log(exp x), sqrt(x^2) = |x|, integer powers.
        assert_eq!(shown("(log (exp x))"), "x");
        assert!(cost("(* (^ x 2) (^ x 3))") <= 3);
        assert!(cost("(^ (^ x 2) 3)") <= 3);
        assert!(cost("(^ x 6)") <= 3);
        // One node for a power: x^5, not x*x*(x*(x*x)) of the same weight.
        assert_eq!(shown("(* (^ x 2) (^ x 3))"), "(^ x 5)");
    }

    #[test]
    fn exponentials_and_activations() {
        assert_eq!(shown("(* (exp x) (exp y))"), shown("(exp (+ x y))"));
        assert_eq!(shown("(* (exp x) (exp (neg x)))"), "1");
        assert_eq!(shown("(/ 1 (+ 1 (exp (neg x))))"), "(sigmoid x)");
        assert_eq!(shown("(+ (sigmoid x) (sigmoid (neg x)))"), "1");
        assert_eq!(shown("(+ (sin x) (sin (neg x)))"), "0");
        check_equivalent("(- (* 2 (sigmoid (* 2 x))) 1)");
    }

    /// Derivatives as `diff.rs` builds them never get costlier, and stay equal.
    #[test]
    fn derivatives_do_not_get_costlier() {
        let cases = [
            "(tanh (+ (* y x) z))",
            "(sigmoid (+ (* y x) z))",
            "(softplus (+ (* y x) z))",
            "(tanh (+ (* y (tanh (+ (* z x) 1))) 2))",
            "(* (^ x 2) (sin x))",
            "(/ (sin x) x)",
            "(exp (neg (/ (^ x 2) 2)))",
            "(sqrt (+ (^ x 2) (^ y 2)))",
            "(* (exp (* y x)) (sin (* z x)))",
        ];
        let x = Symbol::from("x");
        for case in cases {
            let (mut b, f) = builder(case);
            let d1 = differentiate(&mut b, f, &|s| if s == x { Leaf::One } else { Leaf::Zero });
            let d2 = differentiate(&mut b, d1, &|s| if s == x { Leaf::One } else { Leaf::Zero });
            let roots = [f, d1, d2];
            let out = simplify(&b.expr, &roots, &Limits::default());
            let (before, after) = (dag_cost(&b.expr, &roots), dag_cost(&out.expr, &out.roots));
            assert!(after <= before, "{case}: {before} -> {after}");
            for point in [[0.3, -1.7, 2.1], [1.4, 0.6, -0.2]] {
                let (va, vb) = (values(&b.expr, point), values(&out.expr, point));
                for (&r, &s) in roots.iter().zip(&out.roots) {
                    let (a, c) = (va[usize::from(r)], vb[usize::from(s)]);
                    if a.is_finite() {
                        assert!(
                            (a - c).abs() <= 1e-10 * a.abs().max(1.0),
                            "{case}: {a} vs {c}"
                        );
                    }
                }
            }
        }
        // The textbook derivative identities hold exactly.
        let (mut b, t) = builder("(tanh x)");
        let d = differentiate(&mut b, t, &|s| if s == x { Leaf::One } else { Leaf::Zero });
        let expected = parse("(- 1 (^ (tanh x) 2))");
        let e = b.import(&expected, root_of(&expected));
        let gap = b.difference(d, e);
        let out = simplify(&b.expr, &[gap], &Limits::default());
        assert_eq!(out.expr[out.roots[0]], Math::Num(NotNan::new(0.0).unwrap()));
    }

    #[test]
    fn shared_subterms_stay_shared_across_roots() {
        let expr = parse("(+ (* 2 (sin (+ x y))) (+ (sin (+ y x)) (* (cos z) (cos z))))");
        // Roots: the whole, and its two operands.
        let whole = root_of(&expr);
        let Math::Add([left, right]) = expr[whole] else {
            panic!()
        };
        let out = simplify(&expr, &[left, right, whole], &Limits::default());
        assert_eq!(out.roots.len(), 3);
        let sines = reachable(&out.expr, &out.roots)
            .into_iter()
            .filter(|&id| matches!(out.expr[id], Math::Sin(_)))
            .count();
        assert_eq!(sines, 1, "{}", out.expr);
        let mut seen = HashSet::new();
        assert!(
            out.expr.as_ref().iter().all(|n| seen.insert(n.clone())),
            "not hash-consed"
        );
        let point = [0.3, -1.7, 2.1];
        let (va, vb) = (values(&expr, point), values(&out.expr, point));
        for (r, s) in [left, right, whole].into_iter().zip(out.roots) {
            assert!((va[usize::from(r)] - vb[usize::from(s)]).abs() < 1e-12);
        }
    }

    /// A root that is undefined everywhere (it divides by `0^-2 = 1/0`) shares `y` and `z`
    /// with a defined one; rules applied to the undefined classes would prove anything, and
    /// the defined root would come back wrong.
    #[test]
    fn undefined_roots_do_not_corrupt_defined_ones() {
        let mut b = Builder::new();
        let defined = parse("(+ (- 0.5 (^ (^ 0.5 3) 18)) (neg (- 1 (^ (tanh (* z (/ z -1))) 2))))");
        let undefined = parse(
            "(* (+ (+ (^ 0 -2) (/ z -1)) (* (- z y) (^ 0 -2))) \
             (* (* (- z y) (^ 0 -2)) (/ (- z y) (+ 3 -2))))",
        );
        let roots = [
            b.import(&defined, root_of(&defined)),
            b.import(&undefined, root_of(&undefined)),
        ];
        let out = simplify(&b.expr, &roots, &Limits::default());
        let point = [-0.237, 1.976, 0.3245];
        let (before, after) = (values(&b.expr, point), values(&out.expr, point));
        let (a, c) = (
            before[usize::from(roots[0])],
            after[usize::from(out.roots[0])],
        );
        assert!(
            (a - c).abs() < 1e-12,
            "{a} became {c}: {}",
            show(&out.expr, &out.roots)
        );
    }

    /// SplitMix64: small and seeded, enough to make test inputs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
        }

        fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
            xs[self.below(xs.len())]
        }
    }

    const CONSTANTS: [f64; 9] = [0.0, 1.0, -1.0, 2.0, 3.0, 0.5, -2.0, 1.5, -0.25];
    const EXPONENTS: [f64; 8] = [2.0, 3.0, -1.0, 0.5, -2.0, 1.5, 4.0, -0.5];

    /// Shapes the rules know, with `A` and `B` standing for random sub-terms.
    const TEMPLATES: [&str; 58] = [
        "(+ (^ (sin A) 2) (^ (cos A) 2))",
        "(- 1 (^ (tanh A) 2))",
        "(* (sigmoid A) (- 1 (sigmoid A)))",
        "(+ (* A B) (* A x))",
        "(+ (* 2 A) (* 3 A))",
        "(* (exp A) (exp B))",
        "(/ (exp A) (exp B))",
        "(log (exp A))",
        "(exp (log A))",
        "(* (sqrt A) (sqrt A))",
        "(sqrt (* A A))",
        "(/ A A)",
        "(- A A)",
        "(- (^ (+ A B) 2) (* (+ A B) (+ A B)))",
        "(sigmoid (neg A))",
        "(cos (neg A))",
        "(* (^ A 2) (^ A -1))",
        "(^ (^ A 2) 0.5)",
        "(^ (^ A -1) 3)",
        "(* (^ A 0.5) (^ A 1.5))",
        "(/ (sinh A) (cosh A))",
        "(/ 1 (+ 1 (exp (neg A))))",
        "(log (+ 1 (exp A)))",
        "(fma A B 1)",
        "(min A (neg A))",
        "(* (sign A) (abs A))",
        "(/ 1 (* (cosh A) (cosh A)))",
        "(abs (neg A))",
        "(- (* 2 (sigmoid (* 2 A))) 1)",
        "(* 2 (* (sin A) (cos A)))",
        "(/ 1 (/ 1 A))",
        "(^ (neg A) 2)",
        "(^ (neg A) 3)",
        "(max A (* B 0))",
        "(* A (^ A B))",
        "(^ (exp A) B)",
        "(/ 1 (/ A B))",
        "(sqrt (* 4 A))",
        "(+ (max A B) (min A B))",
        "(softplus (neg A))",
        "(- (exp A) (exp (neg A)))",
        "(- (* (cos A) (cos A)) (* (sin A) (sin A)))",
        "(sin (- 3.141592653589793 A))",
        "(cos (+ A 1.5707963267948966))",
        "(/ (* (exp A) B) (* (exp A) x))",
        "(+ (/ A B) (/ x B))",
        "(/ 1 (* (cos A) (cos A)))",
        "(/ (- (exp A) (exp (neg A))) (+ (exp A) (exp (neg A))))",
        "(^ (* A B) 3)",
        "(abs (* (exp A) (cosh B)))",
        "(/ (- (* A A) 1) (- A 1))",
        "(/ (- (^ A 4) (^ B 4)) (+ (^ A 2) (^ B 2)))",
        "(- (^ (+ A B) 2) (+ (* A A) (* B B)))",
        "(+ (/ 1 (+ A 1)) (/ 1 (- A 1)))",
        "(/ (* A B) (* A x))",
        "(* (tan A) (cos A))",
        "(exp (* 2 (log A)))",
        "(/ (/ A B) (/ x B))",
    ];

    /// A random DAG over `x`, `y`, `z` with about `size` nodes and one to three roots.
    fn random_dag(rng: &mut Rng, size: usize) -> (RecExpr<Math>, Vec<Id>) {
        let mut b = Builder::new();
        let mut pool: Vec<Id> = SYMBOLS.iter().map(|s| b.sym(Symbol::from(*s))).collect();
        let num = |b: &mut Builder, v: f64| b.add(Math::Num(NotNan::new(v).unwrap()));
        while b.expr.len() < size {
            let operand = |b: &mut Builder, rng: &mut Rng| match rng.below(20) {
                0..=2 => num(b, rng.pick(&CONSTANTS)),
                3..=13 => pool[pool.len() - 1 - rng.below(pool.len().min(6))],
                _ => pool[rng.below(pool.len())],
            };
            let (a, c) = (operand(&mut b, rng), operand(&mut b, rng));
            let id = match rng.below(40) {
                0..=5 => b.add(Math::Add([a, c])),
                6..=9 => b.add(Math::Sub([a, c])),
                10..=15 => b.add(Math::Mul([a, c])),
                16..=17 => b.add(Math::Div([a, c])),
                18..=19 => b.add(Math::Neg(a)),
                20..=21 => {
                    let n = num(&mut b, rng.pick(&EXPONENTS));
                    b.add(Math::Pow([a, n]))
                }
                22 => b.add(Math::Pow([a, c])),
                23..=29 => {
                    let unary = [
                        Math::Sqrt(a),
                        Math::Exp(a),
                        Math::Log(a),
                        Math::Sin(a),
                        Math::Cos(a),
                        Math::Tan(a),
                        Math::Asin(a),
                        Math::Acos(a),
                        Math::Atan(a),
                        Math::Sinh(a),
                        Math::Cosh(a),
                        Math::Tanh(a),
                        Math::Abs(a),
                        Math::Sign(a),
                        Math::Sigmoid(a),
                        Math::Softplus(a),
                        Math::Erf(a),
                        Math::Min([a, c]),
                        Math::Max([a, c]),
                        Math::Fma([a, c, a]),
                    ];
                    b.add(unary[rng.below(unary.len())].clone())
                }
                _ => {
                    let template = parse(rng.pick(&TEMPLATES));
                    let mut ids: Vec<Id> = Vec::new();
                    for node in template.as_ref() {
                        let id = match node {
                            Math::Symbol(s) if s.as_str() == "A" => a,
                            Math::Symbol(s) if s.as_str() == "B" => c,
                            other => b.add(other.clone().map_children(|i| ids[usize::from(i)])),
                        };
                        ids.push(id);
                    }
                    *ids.last().unwrap()
                }
            };
            pool.push(id);
        }
        let mut roots = vec![*pool.last().unwrap()];
        for _ in 0..rng.below(3) {
            roots.push(pool[rng.below(pool.len())]);
        }
        (b.expr, roots)
    }

    /// How much an operation's result moves per unit of each argument at `a` (where its value
    /// is `v`), in absolute value up to sign.
    fn slopes(op: &Math, a: &[f64], v: f64) -> Vec<f64> {
        match op {
            Math::Add(_) | Math::Sub(_) | Math::Min(_) | Math::Max(_) => vec![1.0, 1.0],
            Math::Mul(_) => vec![a[1], a[0]],
            Math::Div(_) => vec![1.0 / a[1], a[0] / (a[1] * a[1])],
            Math::Pow(_) => vec![a[1] * a[0].powf(a[1] - 1.0), v * a[0].ln()],
            Math::Fma(_) => vec![a[1], a[0], 1.0],
            Math::Neg(_) | Math::Abs(_) => vec![1.0],
            Math::Sqrt(_) => vec![0.5 / v],
            Math::Exp(_) => vec![v],
            Math::Log(_) => vec![1.0 / a[0]],
            Math::Sin(_) => vec![a[0].cos()],
            Math::Cos(_) => vec![a[0].sin()],
            Math::Tan(_) => vec![1.0 + v * v],
            Math::Asin(_) | Math::Acos(_) => vec![1.0 / (1.0 - a[0] * a[0]).sqrt()],
            Math::Atan(_) => vec![1.0 / (1.0 + a[0] * a[0])],
            Math::Sinh(_) => vec![a[0].cosh()],
            Math::Cosh(_) => vec![a[0].sinh()],
            Math::Tanh(_) => vec![1.0 - v * v],
            Math::Sigmoid(_) => vec![v * (1.0 - v)],
            Math::Softplus(_) => vec![1.0 / (1.0 + (-a[0]).exp())],
            Math::Erf(_) => vec![std::f64::consts::FRAC_2_SQRT_PI * (-a[0] * a[0]).exp()],
            Math::Sign(_) | Math::Num(_) | Math::Symbol(_) => vec![0.0; a.len()],
        }
    }

    /// Each node's value and an estimate of its rounding error: every operation adds a
    /// rounding of its result (four for transcendental functions) to the larger of its
    /// inputs' errors times its slopes, and how far it moves when its inputs move by their
    /// errors (every combination of signs: this catches `0 * 0` and `sqrt(0)`, where slopes
    /// say nothing). Infinite where that cannot be trusted (a `sign` near 0, a domain edge
    /// within the error).
    fn with_errors(expr: &RecExpr<Math>, point: [f64; 3]) -> Vec<(f64, f64)> {
        let vals = values(expr, point);
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(expr.len());
        for (node, &v) in expr.as_ref().iter().zip(&vals) {
            let e = match node {
                Math::Num(_) | Math::Symbol(_) => 0.0,
                Math::Sign(a) => {
                    let (va, ea) = out[usize::from(*a)];
                    if va.abs() <= 4.0 * ea {
                        f64::INFINITY
                    } else {
                        0.0
                    }
                }
                op => {
                    let kids = op.children();
                    let args: Vec<f64> = kids.iter().map(|&c| vals[usize::from(c)]).collect();
                    let errs: Vec<f64> = kids.iter().map(|&c| out[usize::from(c)].1).collect();
                    let mut first = 0.0;
                    for (slope, &ec) in slopes(op, &args, v).into_iter().zip(&errs) {
                        if ec != 0.0 {
                            first += slope.abs() * ec;
                        }
                    }
                    let mut moved: f64 = 0.0;
                    if errs.iter().any(|&ec| ec != 0.0) {
                        for signs in 0..1u32 << args.len() {
                            let probe: Vec<f64> = (0..args.len())
                                .map(|i| {
                                    args[i]
                                        + if signs >> i & 1 == 1 {
                                            errs[i]
                                        } else {
                                            -errs[i]
                                        }
                                })
                                .collect();
                            let at = eval::apply(op, &probe).unwrap_or(f64::NAN);
                            moved = moved.max(if at.is_finite() {
                                (at - v).abs()
                            } else {
                                f64::INFINITY
                            });
                        }
                    }
                    let ulps = if op.weight() >= 16 { 4.0 } else { 1.0 };
                    let e = first.max(moved) + ulps * f64::EPSILON * v.abs();
                    if e.is_nan() {
                        f64::INFINITY
                    } else {
                        e
                    }
                }
            };
            out.push((v, e));
        }
        out
    }

    /// Every node under `root` is finite: the original is defined there.
    fn defined(expr: &RecExpr<Math>, root: Id, vals: &[(f64, f64)]) -> bool {
        reachable(expr, &[root])
            .into_iter()
            .all(|id| vals[usize::from(id)].0.is_finite())
    }

    fn show(expr: &RecExpr<Math>, roots: &[Id]) -> String {
        let shown: Vec<String> = roots
            .iter()
            .map(|&r| {
                let mut b = Builder::new();
                b.import(expr, r);
                b.expr.to_string()
            })
            .collect();
        shown.join("  ;  ")
    }

    /// Compare the simplified roots with the originals at `point`. Returns how many roots
    /// could be judged (the original defined and its error bound finite).
    fn judge(before: &RecExpr<Math>, roots: &[Id], out: &Simplified, point: [f64; 3]) -> usize {
        let (a, b) = (with_errors(before, point), with_errors(&out.expr, point));
        let mut judged = 0;
        for (&r, &s) in roots.iter().zip(&out.roots) {
            let ((va, ea), (vb, eb)) = (a[usize::from(r)], b[usize::from(s)]);
            // Skip points where the original is undefined, or so ill-conditioned that rounding
            // alone could give any answer.
            let scale = va.abs().max(1.0);
            let conditioned = ea <= 1e-6 * scale; // false for a NaN bound too
            if !defined(before, r, &a) || !conditioned {
                continue;
            }
            let context = || {
                format!(
                    "at {point:?}: {va} (±{ea:e}) became {vb} (±{eb:e})\n  before: {}\n  after:  {}",
                    show(before, roots),
                    show(&out.expr, &out.roots)
                )
            };
            // Where the original is accurate, the result must be defined and about as accurate
            // (a rewrite that cancels catastrophically, like `softplus(-a) = softplus(a) - a`
            // for large `a`, fails here). An infinite bound is a slope at a singular point
            // (`sqrt` at 0): nothing to judge by.
            if !vb.is_finite() {
                // Defined only by rounding: an intermediate that is 0 in exact arithmetic
                // came out as noise (`t - t*t/t`), and the result meets the singularity the
                // original missed.
                let noise = reachable(before, &[r]).into_iter().any(|id| {
                    let (v, e) = a[usize::from(id)];
                    e > 0.0 && v.abs() <= e
                });
                assert!(noise, "undefined result {}", context());
                continue;
            }
            if !eb.is_finite() {
                continue;
            }
            assert!(
                eb <= (1e-6 * scale).max(100.0 * ea),
                "inaccurate result {}",
                context()
            );
            judged += 1;
            let tolerance = 1e-12 * scale + 16.0 * (ea + eb);
            assert!((va - vb).abs() <= tolerance, "wrong value {}", context());
        }
        judged
    }

    /// Thousands of random DAGs: values kept wherever the original is defined (up to
    /// rounding, judged by an error bound so cancellation in either form is allowed), and
    /// the weighted cost never grows.
    #[test]
    fn random_dags_keep_their_values_and_never_cost_more() {
        let mut rng = Rng(0x00C0_FFEE);
        let (mut judged, mut compared) = (0, 0);
        for _ in 0..2000 {
            let size = 5 + rng.below(40);
            let (expr, roots) = random_dag(&mut rng, size);
            let out = simplify(&expr, &roots, &Limits::default());
            assert!(
                dag_cost(&out.expr, &out.roots) <= dag_cost(&expr, &roots),
                "costlier: {}",
                show(&expr, &roots)
            );
            for _ in 0..6 {
                let point = [0; 3].map(|_| rng.uniform(-2.0, 2.0));
                judged += judge(&expr, &roots, &out, point);
                compared += roots.len();
            }
        }
        assert!(
            judged * 2 > compared,
            "only {judged} of {compared} comparisons could be judged"
        );
    }

    fn random_points(seed: u64) -> impl Iterator<Item = [f64; 3]> {
        let mut rng = Rng(seed);
        (0..20).map(move |_| [0; 3].map(|_| rng.uniform(-2.0, 2.0)))
    }

    /// Simplify within `limits`, and check the result at random points. Returns it with how
    /// many comparisons could be judged.
    fn bounded_and_right(
        expr: &RecExpr<Math>,
        roots: &[Id],
        limits: &Limits,
    ) -> (Simplified, usize) {
        let out = simplify(expr, roots, limits);
        assert!(out.iterations <= limits.iterations);
        assert!(["saturated", "iteration limit", "node limit", "time limit"]
            .contains(&out.stop.as_str()));
        assert!(dag_cost(&out.expr, &out.roots) <= dag_cost(expr, roots));
        let judged = random_points(7).map(|p| judge(expr, roots, &out, p)).sum();
        (out, judged)
    }

    fn assert_bounded_and_right(expr: &RecExpr<Math>, roots: &[Id], limits: &Limits) -> Simplified {
        let (out, judged) = bounded_and_right(expr, roots, limits);
        assert!(judged > 0, "never defined: {}", show(expr, roots));
        out
    }

    /// `((sin(x y + 1) - z/2) y + 1) ...` to `depth`, nothing shared.
    fn chain(depth: usize) -> (RecExpr<Math>, Vec<Id>) {
        let mut b = Builder::new();
        let (x, y, z) = (b.sym("x".into()), b.sym("y".into()), b.sym("z".into()));
        let (one, half) = (b.num(1.0), b.num(0.5));
        let mut e = x;
        for i in 0..depth {
            e = match i % 4 {
                0 => b.add(Math::Mul([e, y])),
                1 => b.add(Math::Add([e, one])),
                2 => b.add(Math::Sin(e)),
                _ => {
                    let hz = b.add(Math::Mul([half, z]));
                    b.add(Math::Sub([e, hz]))
                }
            };
        }
        (b.expr, vec![e])
    }

    /// `x + 1 + 1 + ...`, `depth` times.
    fn count_up(depth: usize) -> (RecExpr<Math>, Vec<Id>) {
        let mut b = Builder::new();
        let (x, one) = (b.sym("x".into()), b.num(1.0));
        let mut e = x;
        for _ in 0..depth {
            e = b.add(Math::Add([e, one]));
        }
        (b.expr, vec![e])
    }

    /// `e' = sin(e) + e/2`, `depth` times: every level uses the one below twice, so tree
    /// costs double with each level.
    fn doubling(depth: usize) -> (RecExpr<Math>, Vec<Id>) {
        let mut b = Builder::new();
        let (x, half) = (b.sym("x".into()), b.num(0.5));
        let mut e = x;
        for _ in 0..depth {
            let s = b.add(Math::Sin(e));
            let h = b.add(Math::Mul([e, half]));
            e = b.add(Math::Add([s, h]));
        }
        (b.expr, vec![e])
    }

    /// A sum of `n` products of sums (every third times `x`): distributing and reassociating
    /// this explodes.
    fn sum_of_products(n: u32) -> (RecExpr<Math>, Vec<Id>) {
        let mut b = Builder::new();
        let (x, y, z) = (b.sym("x".into()), b.sym("y".into()), b.sym("z".into()));
        let mut total = b.num(0.0);
        for i in 0..n {
            let c = b.num(f64::from(i % 7) - 3.0);
            let d = b.num(f64::from(i % 5) + 0.5);
            let xc = b.add(Math::Add([x, c]));
            let zd = b.add(Math::Mul([z, d]));
            let yzd = b.add(Math::Add([y, zd]));
            let p = b.add(Math::Mul([xc, yzd]));
            let term = if i % 3 == 0 {
                b.add(Math::Mul([p, x]))
            } else {
                p
            };
            total = b.add(Math::Add([total, term]));
        }
        (b.expr, vec![total])
    }

    #[test]
    fn deep_chains_stay_bounded() {
        let (expr, roots) = chain(200);
        assert_bounded_and_right(&expr, &roots, &Limits::default());
        let (expr, roots) = count_up(200);
        let out = assert_bounded_and_right(&expr, &roots, &Limits::default());
        assert!(op_count(&out.expr, &out.roots) < 200);
        // Tree costs overflow at this depth; greedy DAG extraction (or the input) remains.
        let (expr, roots) = doubling(1500);
        assert_bounded_and_right(&expr, &roots, &Limits::default());
    }

    #[test]
    fn explosive_sums_of_products_stay_bounded() {
        let (expr, roots) = sum_of_products(40);
        let out = assert_bounded_and_right(&expr, &roots, &Limits::default());
        assert_ne!(out.stop, "saturated");
    }

    #[test]
    fn tiny_limits_still_give_a_right_answer() {
        let mut rng = Rng(99);
        for limits in [
            Limits {
                iterations: 1,
                ..Limits::default()
            },
            Limits {
                nodes: 1,
                ..Limits::default()
            },
            Limits {
                time: Duration::ZERO,
                ..Limits::default()
            },
        ] {
            for _ in 0..50 {
                let (expr, roots) = random_dag(&mut rng, 30);
                bounded_and_right(&expr, &roots, &limits);
            }
        }
    }

    fn median(mut xs: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    }

    /// Median wall time of a simplification in milliseconds over `runs` runs, and one result.
    fn timed(case: &Case, limits: &Limits, tuning: &Tuning, runs: usize) -> (f64, Simplified) {
        let mut times = Vec::with_capacity(runs);
        let mut out = None;
        for _ in 0..runs {
            let started = std::time::Instant::now();
            out = Some(simplify_tuned(&case.expr, &case.roots, limits, tuning));
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
        (median(times), out.unwrap())
    }

    struct Case {
        name: String,
        expr: RecExpr<Math>,
        roots: Vec<Id>,
    }

    /// Small inputs: the benchmark corpus and random DAGs of 10 to 50 nodes.
    fn small_cases() -> Vec<Case> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let corpus =
            std::fs::read_to_string(format!("{root}/bench/simplify.d/corpus.txt")).unwrap();
        let mut cases = Vec::new();
        for text in corpus
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let mut sources = crate::source::SourceMap::new();
            let file = sources.add("corpus", None, text.to_string());
            let Ok(e) = crate::syntax::parse_expression(file, text) else {
                continue;
            };
            let Ok(s) = crate::ir::standalone::lower_expression(&e) else {
                continue;
            };
            cases.push(Case {
                name: text.to_string(),
                expr: s.builder.expr,
                roots: vec![s.root],
            });
        }
        let mut rng = Rng(1);
        for i in 0..200 {
            let size = 10 + rng.below(41);
            let (expr, roots) = random_dag(&mut rng, size);
            cases.push(Case {
                name: format!("random #{i}"),
                expr,
                roots,
            });
        }
        cases
    }

    /// Large inputs: whole models (residuals and sensitivities together), high derivatives of
    /// a small network, and random DAGs with many roots.
    fn large_cases() -> Vec<Case> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut cases = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/examples"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let compilation = crate::driver::compile_file(&path);
            for model in compilation.program.models.iter().filter(|m| m.local) {
                let mut lowered = crate::ir::lower_model(model);
                let sens = crate::ir::sensitivity::sensitivities(&mut lowered);
                let mut roots: Vec<Id> = lowered.residuals.iter().map(|r| r.root).collect();
                roots.extend(sens.iter().flatten().map(|s| s.expr));
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                cases.push(Case {
                    name,
                    expr: lowered.builder.expr,
                    roots,
                });
            }
        }
        let x = Symbol::from("x");
        let by_x = |s: Symbol| if s == x { Leaf::One } else { Leaf::Zero };
        for net in [
            "(tanh (+ (* y (tanh (+ (* z x) 1))) 2))",
            "(tanh (+ (* 0.5 (tanh (+ (* y (tanh (+ (* z x) 1))) 2))) z))",
            "(* (sigmoid (+ (* y x) z)) (sin (* (softplus (- x y)) z)))",
        ] {
            let (mut b, f) = builder(net);
            let mut roots = vec![f];
            for _ in 0..3 {
                let d = differentiate(&mut b, *roots.last().unwrap(), &by_x);
                roots.push(d);
            }
            cases.push(Case {
                name: format!("d0..3 {net}"),
                expr: b.expr,
                roots,
            });
        }
        for (name, (expr, roots)) in [
            ("chain 200", chain(200)),
            ("x + 1 + ... 200", count_up(200)),
            ("doubling 1500", doubling(1500)),
            ("sum of 40 products", sum_of_products(40)),
        ] {
            cases.push(Case {
                name: name.into(),
                expr,
                roots,
            });
        }
        let mut rng = Rng(2);
        for size in [300, 1000, 3000] {
            let (expr, _) = random_dag(&mut rng, size);
            let roots = (0..30)
                .map(|_| Id::from(expr.len() - 1 - rng.below(size / 3)))
                .collect();
            cases.push(Case {
                name: format!("random {size} nodes, 30 roots"),
                expr,
                roots,
            });
        }
        cases
    }

    fn report(case: &Case, ms: f64, out: &Simplified) {
        println!(
            "{ms:8.3} ms  ops {:4} -> {:4}  cost {:5} -> {:5}  {:>2} it {:>6} nodes  {:15}  {}",
            op_count(&case.expr, &case.roots),
            op_count(&out.expr, &out.roots),
            dag_cost(&case.expr, &case.roots),
            dag_cost(&out.expr, &out.roots),
            out.iterations,
            out.egraph_nodes,
            out.stop,
            case.name,
        );
    }

    /// Timings of the defaults, per input. Not a test of speed: run with `cargo test
    /// --release -p physc --lib simplify::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing() {
        let (limits, tuning) = (Limits::default(), Tuning::default());
        for (label, cases, runs) in [("small", small_cases(), 21), ("large", large_cases(), 5)] {
            let mut times = Vec::new();
            for case in &cases {
                let (ms, out) = timed(case, &limits, &tuning, runs);
                report(case, ms, &out);
                times.push(ms);
            }
            let max = times.iter().copied().fold(0.0, f64::max);
            println!(
                "{label}: {} inputs, median {:.3} ms, max {max:.3} ms\n",
                times.len(),
                median(times.clone())
            );
        }
    }

    /// Totals over a set of inputs: milliseconds (sum of medians), e-nodes, and weighted cost
    /// of the results.
    fn totals(
        cases: &[Case],
        limits: &Limits,
        tuning: &Tuning,
        runs: usize,
    ) -> (f64, f64, usize, usize) {
        let (mut times, mut nodes, mut cost) = (Vec::new(), 0, 0);
        for case in cases {
            let (ms, out) = timed(case, limits, tuning, runs);
            times.push(ms);
            nodes += out.egraph_nodes;
            cost += dag_cost(&out.expr, &out.roots);
        }
        let max = times.iter().copied().fold(0.0, f64::max);
        (times.iter().sum(), max, nodes, cost)
    }

    /// What chose the defaults: totals over all inputs for scheduler settings and limits
    /// around them, and for the rule set without each rule in turn (`--ignored --nocapture`,
    /// in release; `SWEEP=rules` for the rules only).
    #[test]
    #[ignore]
    fn sweep() {
        let small = small_cases();
        let large = large_cases();
        let base = Limits::default();
        let line = |label: String, limits: &Limits, tuning: &Tuning| {
            let (st, smax, sn, sc) = totals(&small, limits, tuning, 3);
            let (lt, lmax, ln, lc) = totals(&large, limits, tuning, 1);
            println!(
                "{label:40} small {st:7.1} ms (max {smax:5.1}) {sn:7} nodes cost {sc:5} | large {lt:6.1} ms (max {lmax:5.1}) {ln:6} nodes cost {lc:5}"
            );
        };
        line("default".into(), &base, &Tuning::default());
        if let Ok(list) = std::env::var("SWEEP_WITHOUT") {
            // One variant, and the inputs where it differs from the default.
            let without: Vec<&'static str> = list
                .split(',')
                .map(|n| &*Box::leak(n.to_string().into_boxed_str()))
                .collect();
            let tuning = Tuning {
                without: Box::leak(without.into_boxed_slice()),
                ..Tuning::default()
            };
            line(format!("without {list}"), &base, &tuning);
            for case in small.iter().chain(&large) {
                let a = simplify_tuned(&case.expr, &case.roots, &base, &Tuning::default());
                let b = simplify_tuned(&case.expr, &case.roots, &base, &tuning);
                let (ca, cb) = (dag_cost(&a.expr, &a.roots), dag_cost(&b.expr, &b.roots));
                if ca != cb {
                    println!("  {ca:5} -> {cb:5}  {}", case.name);
                }
            }
            return;
        }
        let sweep = std::env::var("SWEEP").unwrap_or_default();
        if sweep.is_empty() {
            for match_limit in [100, 250, 500, 1000, 2000] {
                for explosive_limit in [50, 100, 250, 500] {
                    for ban_length in [3, 5, 10] {
                        let tuning = Tuning {
                            match_limit,
                            ban_length,
                            explosive_limit,
                            ..Tuning::default()
                        };
                        line(
                            format!("match {match_limit}/{explosive_limit} ban {ban_length}"),
                            &base,
                            &tuning,
                        );
                    }
                }
            }
        }
        if sweep.is_empty() || sweep == "limits" {
            for iterations in [6, 8, 10, 12, 16, 20, 30] {
                line(
                    format!("iterations {iterations}"),
                    &Limits {
                        iterations,
                        ..base.clone()
                    },
                    &Tuning::default(),
                );
            }
            for nodes in [1_000, 2_000, 4_000, 8_000, 16_000, 32_000] {
                line(
                    format!("nodes {nodes}"),
                    &Limits {
                        nodes,
                        ..base.clone()
                    },
                    &Tuning::default(),
                );
            }
            for ms in [10, 25, 50, 100, 200] {
                let time = Duration::from_millis(ms);
                line(
                    format!("time {ms} ms"),
                    &Limits {
                        time,
                        ..base.clone()
                    },
                    &Tuning::default(),
                );
            }
        }
        if !sweep.is_empty() && sweep != "rules" {
            return;
        }
        let names: Vec<&'static str> = rules().iter().map(|r| r.name.as_str()).collect();
        for name in names {
            let without: &'static [&'static str] = Box::leak(Box::new([name]));
            line(
                format!("without {name}"),
                &base,
                &Tuning {
                    without,
                    ..Tuning::default()
                },
            );
        }
    }

    #[test]
    fn no_roots_no_work() {
        let out = simplify(&parse("(+ x 1)"), &[], &Limits::default());
        assert!(out.roots.is_empty());
        assert!(out.expr.as_ref().is_empty());
    }
}
