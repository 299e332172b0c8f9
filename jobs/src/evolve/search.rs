//! Regularised evolution (Real et al. 2019) with a Pareto archive, error against cost.
//!
//! The population is a queue: each generation, [`BATCH`] parents are chosen by tournament
//! (a random cap on the cost, then the lowest error among a random sample under it, so every
//! part of the front keeps being improved), mutated, and their children join the back of the
//! queue while the oldest leave the front. Separately, an archive keeps every non-dominated
//! candidate ever seen; a fifth of the parents come from it. Children are deduplicated by
//! shape before fitting and by value after ([`super::dedup`]); fitting runs in parallel on
//! rayon's threads, while every random choice is made on one thread from one seeded stream,
//! so a seed and a budget in generations or evaluations give the same result on any number
//! of threads (a budget in minutes stops wherever the clock says).
//!
//! Under MPI each rank runs this search as an island ([`super::islands`]): its own share of
//! the seeds, its own random stream, the fronts exchanged every few generations and merged
//! at the end; one rank is the one-process search.
//!
//! The first generation is the seeds ([`seeds`]): Horner polynomials and, for exp with
//! `+ − × ÷`, exp's continued fractions and squared polynomials with exp's constants. Every individual
//! remembers the seed it descends from, for the report.

use super::config::{Budget, EvolveConfig, EvolveTarget};
use super::islands;
use super::seen::{fingerprint, shape_key};
use crate::progress::CancelToken;
use physc_runtime::comm::Communicator;
use physc_runtime::rng::Rng;
use physc_runtime::straight_line::mutate::mutate;
use physc_runtime::straight_line::seeds::{classical, Family, Seed, TANH_OVER_X};
use physc_runtime::straight_line::{Effort, Problem, Program};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

/// Children per generation.
pub const BATCH: usize = 32;
/// Individuals per tournament.
const TOURNAMENT: usize = 8;

#[derive(Debug, Clone)]
pub struct Individual {
    pub program: Program,
    /// On the scoring points: f32 ULPs or relative error.
    pub error: f64,
    /// Operations, or measured nanoseconds per point.
    pub cost: f64,
    /// The seed this program descends from (an index into [`seeds`]).
    pub origin: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub generations: usize,
    pub children: usize,
    /// Constant fits (what "evaluations" counts).
    pub evaluations: usize,
    /// Children whose shape had been fitted before: evaluations saved by canonical forms.
    pub shape_duplicates: usize,
    /// Children computing the same values as one already in the population.
    pub value_duplicates: usize,
    /// Mutations that gave no valid program.
    pub invalid: usize,
    /// Fitted programs with a non-finite error (a division by zero, a square root of a
    /// negative number somewhere in the range).
    pub diverged: usize,
    /// Members received from other islands and admitted (a distributed search).
    pub migrants: usize,
    /// Islands the search ran on (ranks; 0 or 1: one process).
    pub islands: usize,
    pub seconds: f64,
}

/// The Pareto front: non-dominated in (cost, error), sorted by cost.
#[derive(Debug, Clone, Default)]
pub struct Archive {
    pub members: Vec<Individual>,
}

impl Archive {
    /// Add `c` unless something at most as costly is at least as accurate; drop what it
    /// dominates.
    pub fn admit(&mut self, c: &Individual) -> bool {
        if !c.error.is_finite()
            || self
                .members
                .iter()
                .any(|m| m.cost <= c.cost && m.error <= c.error)
        {
            return false;
        }
        self.members
            .retain(|m| !(c.cost <= m.cost && c.error <= m.error));
        self.members.push(c.clone());
        self.members.sort_by(|a, b| a.cost.total_cmp(&b.cost));
        true
    }
}

/// Starting points: Horner polynomials of every degree the length limit allows (fused and
/// not), and, for exp where the operations allow, exp's classical forms: squared
/// polynomials and continued fractions with up to two squarings; for tanh, odd rationals
/// x·P(x²)/Q(x²) from its Padé approximants ([`physc_runtime::straight_line::seeds`]).
pub fn seeds(config: &EvolveConfig) -> Vec<Seed> {
    let family = match &config.target {
        EvolveTarget::Builtin(name) if name == "exp" => Family::Exp,
        EvolveTarget::Builtin(name) if name == "tanh" => Family::OddSeries(&TANH_OVER_X),
        _ => Family::Polynomial,
    };
    classical(&config.ops, config.max_ops, family)
}

/// Run the search until the budget is spent or `cancel` is cancelled (checked after each
/// generation; the seeds are always fitted, so there is a front to return); `report` sees
/// each generation. With several ranks in `comm`, this rank's island of one search: every
/// rank must call it, and every rank gets the same merged front and the islands' total
/// statistics.
pub fn run(
    problem: &Problem,
    config: &EvolveConfig,
    budget: &Budget,
    cost: &(dyn Fn(&Program) -> f64 + Sync),
    (cancel, comm): (&CancelToken, &dyn Communicator),
    report: &mut dyn FnMut(&Stats, &Archive),
) -> (Archive, Stats) {
    let start = Instant::now();
    let mut rng = Rng::stream(config.seed, &islands::stream_purpose(comm.rank()));
    let mut stats = Stats::default();
    let mut archive = Archive::default();
    let mut population: VecDeque<Individual> = VecDeque::new();
    let mut fitted: HashMap<String, Individual> = HashMap::new();
    let mut values: HashSet<Vec<i64>> = HashSet::new();
    let evaluate = |(p, origin): &(Program, usize)| -> Individual {
        let (program, error) = problem.fit(p, Effort::SEARCH);
        let error = if error.is_nan() { f64::INFINITY } else { error };
        let c = cost(&program);
        Individual {
            program,
            error,
            cost: c,
            origin: *origin,
        }
    };

    let mut candidates: Vec<(Program, usize)> = seeds(config)
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| islands::owns_seed(i, comm))
        .map(|(i, s)| (s.program, i))
        .collect();
    loop {
        // Fit the shapes not seen before, in parallel.
        let keys: Vec<String> = candidates.par_iter().map(|c| shape_key(&c.0)).collect();
        let mut fresh: Vec<(String, &(Program, usize))> = Vec::new();
        let mut in_batch: HashSet<&String> = HashSet::new();
        for (k, p) in keys.iter().zip(&candidates) {
            if fitted.contains_key(k) || !in_batch.insert(k) {
                stats.shape_duplicates += 1;
            } else {
                fresh.push((k.clone(), p));
            }
        }
        let results: Vec<Individual> = fresh.par_iter().map(|(_, p)| evaluate(p)).collect();
        stats.evaluations += results.len();
        let new_keys: HashSet<String> = fresh.iter().map(|(k, _)| k.clone()).collect();
        for ((k, _), ind) in fresh.into_iter().zip(results) {
            fitted.insert(k, ind);
        }
        // Admit in order (deterministic whatever the threads did).
        let mut admitted = HashSet::new();
        for k in &keys {
            if !new_keys.contains(k) || !admitted.insert(k) {
                continue;
            }
            let ind = &fitted[k];
            if !ind.error.is_finite() {
                stats.diverged += 1;
                continue;
            }
            if !values.insert(fingerprint(&ind.program, problem.range)) {
                stats.value_duplicates += 1;
                continue;
            }
            archive.admit(ind);
            population.push_back(ind.clone());
            if population.len() > config.population {
                population.pop_front();
            }
        }
        stats.seconds = start.elapsed().as_secs_f64();
        report(&stats, &archive);
        let empty = population.is_empty();
        if islands::stop(comm, budget, &stats, cancel.is_cancelled(), empty) {
            break;
        }
        stats.generations += 1;
        if stats.generations % islands::MIGRATION_INTERVAL == 0 && comm.size() > 1 {
            for m in islands::exchange(comm, &archive) {
                fitted
                    .entry(shape_key(&m.program))
                    .or_insert_with(|| m.clone());
                if values.insert(fingerprint(&m.program, problem.range)) {
                    stats.migrants += 1;
                    archive.admit(&m);
                    population.push_back(m);
                    if population.len() > config.population {
                        population.pop_front();
                    }
                }
            }
        }
        // The next generation's children.
        candidates.clear();
        // An island whose seeds all diverged waits for migrants.
        for _ in 0..if population.is_empty() { 0 } else { BATCH } {
            let parent = select(&population, &archive, config.max_ops, &mut rng);
            stats.children += 1;
            match mutate(&parent.program, &config.ops, config.max_ops, &mut rng) {
                Some(child) => candidates.push((child, parent.origin)),
                None => stats.invalid += 1,
            }
        }
    }
    (
        islands::merged_front(comm, archive),
        islands::total_stats(comm, stats),
    )
}

/// Tournament under a random cost cap, or (one time in five) a random archive member.
fn select<'a>(
    population: &'a VecDeque<Individual>,
    archive: &'a Archive,
    max_ops: usize,
    rng: &mut Rng,
) -> &'a Individual {
    if !archive.members.is_empty() && rng.below(5) == 0 {
        return &archive.members[rng.below(archive.members.len())];
    }
    let cap = 1 + rng.below(max_ops);
    let sample: Vec<&Individual> = (0..TOURNAMENT.min(population.len()))
        .map(|_| &population[rng.below(population.len())])
        .collect();
    let under: Vec<&&Individual> = sample.iter().filter(|i| i.program.cost() <= cap).collect();
    if under.is_empty() {
        sample
            .into_iter()
            .min_by(|a, b| a.program.cost().cmp(&b.program.cost()))
            .unwrap_or(&population[0])
    } else {
        under
            .into_iter()
            .min_by(|a, b| a.error.total_cmp(&b.error))
            .copied()
            .unwrap_or(&population[0])
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::{CostKind, Precision};
    use super::*;
    use physc_runtime::straight_line::Metric;
    use physc_runtime::straight_line::Op;

    fn config(generations: usize) -> EvolveConfig {
        EvolveConfig {
            target: EvolveTarget::Builtin("exp".into()),
            range: (0.0, 1.0),
            precision: Precision::F64,
            ops: vec![Op::Add, Op::Sub, Op::Mul, Op::Div],
            budget: Budget {
                minutes: None,
                generations: Some(generations),
                evaluations: None,
            },
            cost: CostKind::Ops,
            population: 40,
            max_ops: 6,
            seed: 7,
        }
    }

    /// A short search is reproducible, finds a front, and shape deduplication saves fits.
    #[test]
    fn seeded_search_is_reproducible_and_deduplicates() {
        let problem = Problem::new(Metric::Relative, (0.0, 1.0), &f64::exp).unwrap();
        let c = config(6);
        let ops = |p: &Program| p.cost() as f64;
        let never = CancelToken::new();
        let one = physc_runtime::comm::single_process();
        let alone = (&never, one.as_ref());
        let (a, sa) = run(&problem, &c, &c.budget, &ops, alone, &mut |_, _| {});
        let (b, sb) = run(&problem, &c, &c.budget, &ops, alone, &mut |_, _| {});
        assert_eq!(sa.evaluations, sb.evaluations);
        let errors = |a: &Archive| {
            a.members
                .iter()
                .map(|m| (m.cost, m.error))
                .collect::<Vec<_>>()
        };
        assert_eq!(errors(&a), errors(&b));
        // Dedup counted: children = fitted + duplicates + invalid (seeds are fitted too).
        assert_eq!(
            sa.children + seeds(&c).len(),
            sa.evaluations + sa.shape_duplicates + sa.invalid
        );
        assert!(sa.shape_duplicates > 0, "{sa:?}");
        // The front is non-dominated and reaches the degree-2 accuracy at 4 operations.
        for w in a.members.windows(2) {
            assert!(w[0].cost < w[1].cost && w[0].error > w[1].error);
        }
        let at4 = a
            .members
            .iter()
            .filter(|m| m.cost <= 4.0)
            .map(|m| m.error)
            .fold(f64::INFINITY, f64::min);
        assert!(at4 < 1e-2, "{a:?}");
    }
}
