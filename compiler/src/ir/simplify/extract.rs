//! Extraction: the cheapest form of every root class by [`Math::weight`], chosen by greedy
//! DAG-cost extraction (a shared sub-term paid for once) or tree-cost extraction, whichever
//! DAG is cheaper, and built into one hash-consed expression.

use super::analysis::Graph;
use crate::ir::lang::{dag_cost, Builder, Math};
use egg::{Id, Language, RecExpr};
use std::collections::{HashMap, HashSet, VecDeque};

/// The cheapest DAG found for the root classes: the better (by [`dag_cost`]) of greedy
/// DAG-aware extraction and tree-cost extraction, built into one hash-consed expression.
/// `None` if neither could be built.
pub(super) fn extract(egraph: &Graph, classes: &[Id]) -> Option<(RecExpr<Math>, Vec<Id>)> {
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

/// The smallest tree for each root class, for reading: every node costs one, whatever its
/// floating-point work, so `tanh(x)^2` beats `tanh(x) * tanh(x)` and `a - b` beats
/// `a + -b`; sharing does not matter, since a printed expression repeats shared terms.
/// `None` if it could not be built.
pub(super) fn extract_readable(egraph: &Graph, classes: &[Id]) -> Option<(RecExpr<Math>, Vec<Id>)> {
    let index = Index::new(egraph);
    let choice = index.tree_choices_by(classes, |_| 1.0)?;
    build(egraph, classes, |c| choice.get(&c).copied())
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
        self.tree_choices_by(roots, |node| f64::from(node.weight))
    }

    /// Tree-cost extraction with each node priced by `weight` (node count breaks ties).
    fn tree_choices_by(
        &self,
        roots: &[Id],
        weight: impl Fn(&Node) -> f64,
    ) -> Option<HashMap<Id, &'a Math>> {
        let price = |node: &Node, best: &Best<(f64, f64)>| {
            let mut total = (weight(node), 1.0);
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
