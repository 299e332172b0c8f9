//! Communicators: how the processes of one distributed run (ranks) exchange numbers. A
//! training run shards its collocation points over ranks and sums its gradients with
//! [`Communicator::all_reduce_sum`]; everything else a run decides is computed from reduced
//! values, so every rank takes the same decisions without further messages.
//!
//! One interface, several transports: [`SingleProcess`] (one rank, every call a no-op: the
//! behaviour of a run that is not distributed, bit for bit), MPI through rsmpi (`Mpi`, cargo
//! feature `mpi`), and NCCL between GPUs (`Nccl`, feature `cuda`, built over the host
//! communicator that carries its id; written to the interface, untested until a GPU is
//! lent). The
//! collectives are blocking and every rank must make the same calls in the same order with
//! buffers of the same length: a caller never returns early on one rank between two
//! collectives (it carries a local failure in the reduced buffer instead, see
//! [`StatusFlags`]).

mod compensated;
#[cfg(feature = "mpi")]
mod mpi_world;
#[cfg(feature = "cuda")]
mod nccl;
mod single;

pub use compensated::CompensatedSum;

#[cfg(feature = "mpi")]
pub use mpi_world::{Mpi, MpiStartError};
#[cfg(feature = "cuda")]
pub use nccl::Nccl;
pub use single::SingleProcess;

use std::sync::Arc;

/// The collectives a distributed run needs. Implementations serialise their calls, so a
/// communicator may be shared between threads (only one thread of a run calls it at a time).
pub trait Communicator: Send + Sync {
    /// This process's index among the ranks, 0-based.
    fn rank(&self) -> usize;
    /// How many ranks the run has.
    fn size(&self) -> usize;
    /// Element-wise sum over ranks; every rank ends with the same sums.
    fn all_reduce_sum(&self, buffer: &mut [f64]);
    /// Element-wise maximum over ranks; every rank ends with the same maxima.
    fn all_reduce_max(&self, buffer: &mut [f64]);
    /// Every rank's `local` (of the same length on every rank), one after another in rank
    /// order, on every rank.
    fn all_gather(&self, local: &[f64]) -> Vec<f64>;
    /// Copy `root`'s buffer to every rank (the buffers have the same length everywhere).
    fn broadcast(&self, buffer: &mut [f64], root: usize);
    /// A name for the transport, for reports ("single process", "MPI (Open MPI …)").
    fn transport(&self) -> String;

    /// Whether this rank writes results, checkpoints and progress (rank 0).
    fn is_root(&self) -> bool {
        self.rank() == 0
    }

    /// Whether any rank passed `true` (the collective stop flag: Ctrl-C on one rank, a
    /// failure on one rank), the same answer on every rank.
    fn any(&self, flag: bool) -> bool {
        let mut buffer = [if flag { 1.0 } else { 0.0 }];
        self.all_reduce_max(&mut buffer);
        buffer[0] > 0.0
    }

    /// Every rank's `local`, of any length, in rank order, on every rank (two collectives:
    /// the lengths, then the buffers padded to the longest).
    fn all_gather_varying(&self, local: &[f64]) -> Vec<Vec<f64>> {
        if self.size() == 1 {
            return vec![local.to_vec()];
        }
        let lengths: Vec<usize> = self
            .all_gather(&[local.len() as f64])
            .into_iter()
            .map(|n| n as usize)
            .collect();
        let longest = lengths.iter().copied().max().unwrap_or(0);
        if longest == 0 {
            return vec![Vec::new(); lengths.len()];
        }
        let mut padded = local.to_vec();
        padded.resize(longest, 0.0);
        let all = self.all_gather(&padded);
        lengths
            .iter()
            .enumerate()
            .map(|(rank, &n)| all[rank * longest..rank * longest + n].to_vec())
            .collect()
    }

    /// Whether every rank passed the same `value` (a fingerprint of the file, the seed, the
    /// initial parameters), the same answer on every rank.
    fn agree(&self, value: u64) -> bool {
        // Two halves of 32 bits are exact in an f64; max(v) == −max(−v) iff all are equal.
        let halves = [(value >> 32) as f64, (value & 0xffff_ffff) as f64];
        let mut buffer = [halves[0], halves[1], -halves[0], -halves[1]];
        self.all_reduce_max(&mut buffer);
        buffer[0] == -buffer[2] && buffer[1] == -buffer[3]
    }
}

/// The communicator of a run that is not distributed.
pub fn single_process() -> Arc<dyn Communicator> {
    Arc::new(SingleProcess)
}

/// Which part `rank` of `ranks` owns of `count` items numbered in a fixed order: the
/// contiguous run `count·rank/ranks .. count·(rank+1)/ranks`. The items (a term's chunks of
/// points, say) are the same whatever the rank count, so a run's work does not depend on how
/// many ranks share it, only who does it.
pub fn share(count: usize, rank: usize, ranks: usize) -> std::ops::Range<usize> {
    let ranks = ranks.max(1);
    (count * rank / ranks)..(count * (rank + 1) / ranks)
}

/// Failures that one rank sees and the others must learn of at the next collective, carried
/// as extra entries of a reduced buffer (summed: an entry is non-zero when any rank set it).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StatusFlags {
    /// The caller cancelled on some rank (Ctrl-C).
    pub cancelled: bool,
    /// A computation failed on some rank with an error other than a non-finite number.
    pub failed: bool,
}

impl StatusFlags {
    /// Entries [`StatusFlags::push`] appends.
    pub const LEN: usize = 2;

    /// Append the flags to a buffer about to be summed.
    pub fn push(self, buffer: &mut Vec<f64>) {
        buffer.push(f64::from(u8::from(self.cancelled)));
        buffer.push(f64::from(u8::from(self.failed)));
    }

    /// Read the flags back from the last [`StatusFlags::LEN`] entries of a summed buffer.
    pub fn read(buffer: &[f64]) -> StatusFlags {
        let tail = &buffer[buffer.len() - Self::LEN..];
        StatusFlags {
            cancelled: tail[0] != 0.0,
            failed: tail[1] != 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_items_once_in_order_for_any_rank_count() {
        for count in [0, 1, 2, 7, 64, 70] {
            for ranks in 1..=5 {
                let mut next = 0;
                for rank in 0..ranks {
                    let part = share(count, rank, ranks);
                    assert_eq!(part.start, next, "{count} items, {ranks} ranks");
                    next = part.end;
                }
                assert_eq!(next, count);
            }
        }
        assert_eq!(share(70, 1, 2), 35..70);
    }

    #[test]
    fn one_process_reduces_to_itself_and_agrees_with_itself() {
        let comm = single_process();
        let mut buffer = [1.5, -2.0, f64::NAN];
        comm.all_reduce_sum(&mut buffer);
        assert_eq!(&buffer[..2], &[1.5, -2.0]);
        assert!(buffer[2].is_nan());
        assert!(comm.agree(0xdead_beef_0123_4567));
        assert!(comm.any(true) && !comm.any(false));
        assert_eq!(comm.all_gather_varying(&[1.0, 2.0]), vec![vec![1.0, 2.0]]);
        assert_eq!((comm.rank(), comm.size(), comm.is_root()), (0, 1, true));
    }

    #[test]
    fn status_flags_survive_a_sum() {
        let mut buffer = vec![3.0];
        StatusFlags {
            cancelled: true,
            failed: false,
        }
        .push(&mut buffer);
        let mut other = vec![0.0];
        StatusFlags {
            cancelled: false,
            failed: true,
        }
        .push(&mut other);
        let summed: Vec<f64> = buffer.iter().zip(&other).map(|(a, b)| a + b).collect();
        assert_eq!(
            StatusFlags::read(&summed),
            StatusFlags {
                cancelled: true,
                failed: true
            }
        );
    }
}
