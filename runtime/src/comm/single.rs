//! The communicator of a run that is not distributed: one rank, and every collective leaves
//! the buffer as it is.

use super::Communicator;

/// One process, rank 0 of 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct SingleProcess;

impl Communicator for SingleProcess {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }

    fn all_reduce_sum(&self, _buffer: &mut [f64]) {}

    fn all_reduce_max(&self, _buffer: &mut [f64]) {}

    fn all_gather(&self, local: &[f64]) -> Vec<f64> {
        local.to_vec()
    }

    fn broadcast(&self, _buffer: &mut [f64], _root: usize) {}

    fn transport(&self) -> String {
        "single process".into()
    }
}
