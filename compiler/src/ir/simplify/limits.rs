//! What bounds one simplification ([`Limits`]: iterations, e-nodes, time, whether the
//! polynomial rules run) and how egg schedules the rules within them ([`Tuning`]: the
//! backoff scheduler's match limits and bans, and rules left out when measuring).

use egg::BackoffScheduler;
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

/// How the rules are scheduled: egg's `BackoffScheduler` bans a rule for `ban_length`
/// iterations when one search finds more than `match_limit` matches (both doubling with
/// each ban), which keeps commutativity and associativity from crowding out the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Tuning {
    pub(super) match_limit: usize,
    pub(super) ban_length: usize,
    /// The match limit of the [`EXPLOSIVE`] rules.
    pub(super) explosive_limit: usize,
    /// Rules left out (to measure what each one costs and brings).
    pub(super) without: &'static [&'static str],
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
    pub(super) fn scheduler(&self) -> BackoffScheduler {
        let mut s = BackoffScheduler::default()
            .with_initial_match_limit(self.match_limit)
            .with_ban_length(self.ban_length);
        for name in EXPLOSIVE {
            s = s.rule_match_limit(name, self.explosive_limit);
        }
        s
    }
}
