//! The MPI communicator (cargo feature `mpi`): MPI_COMM_WORLD through rsmpi, on whatever MPI
//! library the build linked (Open MPI from Debian's `libopenmpi-dev` in CI). MPI is
//! initialised with `MPI_THREAD_SERIALIZED` because a run's collectives come from one of
//! rayon's threads, not the main thread; a mutex keeps the calls serialised as that level
//! requires. MPI is finalised when the [`Mpi`] value is dropped, which the program that
//! created it must let happen before it exits (Open MPI's launcher reports a rank that exits
//! without finalising as a failure). Starting MPI is the caller's choice (the `physc` binary
//! does it under `mpirun`): the library itself never does, since an MPI library may install
//! handlers of its own (Open MPI's for SIGSEGV and SIGBUS, to print a rank's backtrace).

use super::Communicator;
use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator as _, CommunicatorCollectives, Root};
use mpi::Threading;
use std::sync::Mutex;

/// MPI_COMM_WORLD of an initialised MPI library.
pub struct Mpi {
    world: Mutex<SimpleCommunicator>,
    rank: usize,
    size: usize,
    library: String,
    // Dropped last: finalises MPI.
    _universe: Universe,
}

// SAFETY: an MPI communicator handle may be used from any thread of a process initialised
// with MPI_THREAD_SERIALIZED or above as long as no two threads call MPI at once, which the
// mutex ensures; `start` refuses a library that provides less.
unsafe impl Send for Mpi {}
unsafe impl Sync for Mpi {}

/// Why MPI could not be started.
#[derive(Debug, Clone, PartialEq)]
pub enum MpiStartError {
    /// MPI was initialised before (only one start per process).
    AlreadyStarted,
    /// The library does not let a thread other than the main one call it.
    NoThreadSupport(String),
}

impl std::fmt::Display for MpiStartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MpiStartError::AlreadyStarted => write!(f, "MPI was already initialised"),
            MpiStartError::NoThreadSupport(level) => write!(
                f,
                "the MPI library provides thread level {level}, and physc needs \
                 MPI_THREAD_SERIALIZED (its collectives run on a worker thread)"
            ),
        }
    }
}

impl std::error::Error for MpiStartError {}

impl Mpi {
    /// Initialise MPI and take MPI_COMM_WORLD. Under `mpirun -n N` each of the N processes
    /// gets its rank; a process started without a launcher is rank 0 of 1.
    pub fn start() -> Result<Mpi, MpiStartError> {
        let (universe, provided) = mpi::initialize_with_threading(Threading::Serialized)
            .ok_or(MpiStartError::AlreadyStarted)?;
        if matches!(provided, Threading::Single | Threading::Funneled) {
            return Err(MpiStartError::NoThreadSupport(format!("{provided:?}")));
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        let library = mpi::environment::library_version()
            .map(|v| v.lines().next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        Ok(Mpi {
            world: Mutex::new(world),
            rank,
            size,
            library,
            _universe: universe,
        })
    }

    fn reduce(&self, buffer: &mut [f64], op: SystemOperation) {
        let send = buffer.to_vec();
        let world = self.world.lock().unwrap_or_else(|e| e.into_inner());
        world.all_reduce_into(&send[..], buffer, op);
    }
}

impl Communicator for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_reduce_sum(&self, buffer: &mut [f64]) {
        self.reduce(buffer, SystemOperation::sum());
    }

    fn all_reduce_max(&self, buffer: &mut [f64]) {
        self.reduce(buffer, SystemOperation::max());
    }

    fn all_gather(&self, local: &[f64]) -> Vec<f64> {
        let mut gathered = vec![0.0; local.len() * self.size];
        let world = self.world.lock().unwrap_or_else(|e| e.into_inner());
        world.all_gather_into(local, &mut gathered[..]);
        gathered
    }

    fn broadcast(&self, buffer: &mut [f64], root: usize) {
        let world = self.world.lock().unwrap_or_else(|e| e.into_inner());
        world.process_at_rank(root as i32).broadcast_into(buffer);
    }

    fn transport(&self) -> String {
        format!("MPI ({})", self.library)
    }
}
