//! The island model of a distributed search (`mpirun -n N physc evolve …`): each rank
//! evolves its own population from its own share of the seeds with its own random stream,
//! and every [`MIGRATION_INTERVAL`] generations the ranks exchange their Pareto fronts,
//! whose members join every other island's archive and population. When the search stops
//! the fronts are merged in rank order, so every rank holds the same front; its final fits
//! are shared out ([`shared_map`]) and its exhaustive scans split
//! (`verify::scan_f32`), so every rank also verifies the same members alike.
//!
//! Every decision that ends a loop is collective ([`stop`]): a budget in minutes ends the
//! search when any rank's clock says so, a budget in evaluations counts every island's
//! fits. Rank 0's stream is the one-process search's, so one rank is that search, bit for
//! bit, and a seed with a budget in generations or evaluations gives the same front on any
//! number of threads for a given number of ranks.

use super::config::Budget;
use super::search::{Archive, Individual, Stats};
use physc_runtime::comm::{share, Communicator};
use physc_runtime::straight_line::Program;
use rayon::prelude::*;

/// Generations between two exchanges of the islands' fronts: often enough that a good
/// program found on one island is improved on all within a minute, rarely enough that the
/// islands search differently in between.
pub const MIGRATION_INTERVAL: usize = 10;
/// Members an island sends at most per exchange (the most accurate of its front).
pub const MIGRANTS: usize = 16;

/// The purpose of rank `rank`'s random stream: rank 0 draws what one process draws.
pub fn stream_purpose(rank: usize) -> String {
    if rank == 0 {
        "evolve".into()
    } else {
        format!("evolve island {rank}")
    }
}

/// Whether the seed numbered `index` starts on this rank's island (dealt out in turn, so
/// every island starts from every kind of seed the list holds).
pub fn owns_seed(index: usize, comm: &dyn Communicator) -> bool {
    index % comm.size() == comm.rank()
}

/// Whether the search stops after this generation, the same answer on every rank (one
/// collective per generation): a rank was cancelled or its clock passed the budget in
/// minutes, the generations are done, every island's fits together reach the budget in
/// evaluations, or every island's population is empty.
pub fn stop(
    comm: &dyn Communicator,
    budget: &Budget,
    stats: &Stats,
    cancelled: bool,
    population_empty: bool,
) -> bool {
    let minutes_up = budget.minutes.is_some_and(|m| stats.seconds >= m * 60.0);
    let mut buffer = [
        f64::from(u8::from(cancelled || minutes_up)),
        stats.evaluations as f64,
        f64::from(u8::from(population_empty)),
    ];
    comm.all_reduce_sum(&mut buffer);
    buffer[0] > 0.0
        || budget.generations.is_some_and(|g| stats.generations >= g)
        || budget.evaluations.is_some_and(|e| buffer[1] >= e as f64)
        || buffer[2] >= comm.size() as f64
}

/// Send this island's best `MIGRANTS` front members and receive every other island's, in
/// rank order.
pub fn exchange(comm: &dyn Communicator, front: &Archive) -> Vec<Individual> {
    let mut best: Vec<&Individual> = front.members.iter().collect();
    best.sort_by(|a, b| a.error.total_cmp(&b.error));
    best.truncate(MIGRANTS);
    let words = to_words(best.into_iter());
    comm.all_gather_varying(&words)
        .into_iter()
        .enumerate()
        .filter(|&(rank, _)| rank != comm.rank())
        .flat_map(|(_, words)| from_words(&words))
        .collect()
}

/// Every island's front merged in rank order: the same front on every rank.
pub fn merged_front(comm: &dyn Communicator, front: Archive) -> Archive {
    if comm.size() == 1 {
        return front;
    }
    let mut merged = Archive::default();
    for words in comm.all_gather_varying(&to_words(front.members.iter())) {
        for m in from_words(&words) {
            merged.admit(&m);
        }
    }
    merged
}

/// Every island's statistics together: counts summed, the slowest island's seconds.
pub fn total_stats(comm: &dyn Communicator, stats: Stats) -> Stats {
    if comm.size() == 1 {
        return stats;
    }
    let mut counts = [
        stats.children,
        stats.evaluations,
        stats.shape_duplicates,
        stats.value_duplicates,
        stats.invalid,
        stats.diverged,
        stats.migrants,
    ]
    .map(|n| n as f64);
    comm.all_reduce_sum(&mut counts);
    let mut seconds = [stats.seconds];
    comm.all_reduce_max(&mut seconds);
    let [children, evaluations, shape_duplicates, value_duplicates, invalid, diverged, migrants] =
        counts.map(|n| n as usize);
    Stats {
        generations: stats.generations,
        children,
        evaluations,
        shape_duplicates,
        value_duplicates,
        invalid,
        diverged,
        migrants,
        islands: comm.size(),
        seconds: seconds[0],
    }
}

/// `f` of every item, each computed on one rank (a contiguous share each) and gathered,
/// in order, on every rank; on one rank, in parallel on its threads.
pub fn shared_map(
    comm: &dyn Communicator,
    items: &[Individual],
    f: impl Fn(&Individual) -> Individual + Sync + Send,
) -> Vec<Individual> {
    if comm.size() == 1 {
        return items.par_iter().map(f).collect();
    }
    let mine: Vec<Individual> = items[share(items.len(), comm.rank(), comm.size())]
        .par_iter()
        .map(f)
        .collect();
    comm.all_gather_varying(&to_words(mine.iter()))
        .iter()
        .flat_map(|words| from_words(words))
        .collect()
}

/// Individuals as numbers: error, cost and origin, then the program's words, for each.
fn to_words<'a>(members: impl Iterator<Item = &'a Individual>) -> Vec<f64> {
    let mut words = Vec::new();
    for m in members {
        words.extend([m.error, m.cost, m.origin as f64]);
        words.extend(m.program.to_words());
    }
    words
}

/// The individuals [`to_words`] wrote (all of them: the words come from a rank of the same
/// build, so a malformed message is a bug; what reads well up to it is kept).
fn from_words(mut words: &[f64]) -> Vec<Individual> {
    let mut members = Vec::new();
    while words.len() > 3 {
        let (error, cost, origin) = (words[0], words[1], words[2] as usize);
        let Some((program, used)) = Program::from_words(&words[3..]) else {
            debug_assert!(false, "a malformed program from another rank");
            break;
        };
        members.push(Individual {
            program,
            error,
            cost,
            origin,
        });
        words = &words[3 + used..];
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;
    use physc_runtime::comm::single_process;
    use physc_runtime::straight_line::horner;

    #[test]
    fn individuals_cross_as_words_and_one_rank_keeps_its_own() {
        let members: Vec<Individual> = (1..5)
            .map(|d| Individual {
                program: horner(d, d % 2 == 0),
                error: 10f64.powi(-(d as i32)),
                cost: d as f64,
                origin: d + 3,
            })
            .collect();
        let back = from_words(&to_words(members.iter()));
        assert_eq!(back.len(), members.len());
        for (a, b) in back.iter().zip(&members) {
            assert_eq!(
                (&a.program, a.error, a.cost, a.origin),
                (&b.program, b.error, b.cost, b.origin)
            );
        }
        let comm = single_process();
        let mut front = Archive::default();
        for m in &members {
            front.admit(m);
        }
        assert!(
            exchange(comm.as_ref(), &front).is_empty(),
            "no other island"
        );
        assert_eq!(merged_front(comm.as_ref(), front.clone()).members.len(), 4);
        let doubled = shared_map(comm.as_ref(), &members, |m| Individual {
            cost: 2.0 * m.cost,
            ..m.clone()
        });
        assert_eq!(
            doubled.iter().map(|m| m.cost).collect::<Vec<_>>(),
            [2.0, 4.0, 6.0, 8.0]
        );
        assert_eq!(stream_purpose(0), "evolve");
    }

    #[test]
    fn one_rank_stops_where_the_budget_says() {
        let comm = single_process();
        let budget = Budget {
            minutes: None,
            generations: Some(3),
            evaluations: Some(100),
        };
        let at = |generations, evaluations| Stats {
            generations,
            evaluations,
            ..Stats::default()
        };
        assert!(!stop(comm.as_ref(), &budget, &at(2, 99), false, false));
        assert!(stop(comm.as_ref(), &budget, &at(3, 0), false, false));
        assert!(stop(comm.as_ref(), &budget, &at(0, 100), false, false));
        assert!(stop(comm.as_ref(), &budget, &at(0, 0), true, false));
        assert!(stop(comm.as_ref(), &budget, &at(0, 0), false, true));
    }
}
