//! `physc run` started as several processes by an MPI launcher (`mpirun -n N physc run …`):
//! which communicator the processes share, whether they run the same thing, and what each
//! rank does. With the `mpi` feature a training job shares its points over the ranks (the
//! library's data parallelism, `physc_runtime::comm`), an evolution is an island model, and
//! rank 0 alone writes; the other job kinds run on rank 0. A `--seeds` sweep or a file with
//! several jobs deals its runs out to the ranks, each run on one rank writing its own
//! folder. Without the feature such a start is refused with how to
//! build one that has it.

use physc_compiler::driver::Compilation;
use physc_runtime::comm::{single_process, Communicator};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The communicator of this process: one process unless an MPI launcher started several.
pub(crate) fn communicator() -> Result<Arc<dyn Communicator>, String> {
    match started_by_mpirun() {
        Some(processes) => start_mpi(processes),
        None => Ok(single_process()),
    }
}

#[cfg(feature = "mpi")]
fn start_mpi(processes: usize) -> Result<Arc<dyn Communicator>, String> {
    let mpi = physc_runtime::comm::Mpi::start().map_err(|e| format!("cannot start MPI: {e}"))?;
    if mpi.size() != processes {
        // Each process would see itself alone (a launcher of another MPI library than the
        // one physc was built with), run the whole job, and write the same files.
        return Err(format!(
            "the MPI launcher started {processes} processes, but MPI sees {} in its world\n  \
             = help: start physc with the launcher of the MPI library it was built with ({})",
            mpi.size(),
            mpi.transport()
        ));
    }
    Ok(Arc::new(mpi))
}

#[cfg(not(feature = "mpi"))]
fn start_mpi(processes: usize) -> Result<Arc<dyn Communicator>, String> {
    Err(format!(
        "physc was started as {processes} processes (by an MPI launcher), but this build has \
         no MPI support: every process would run the whole job and write the same files\n  \
         = help: build physc with MPI: `cargo install --path physc --features mpi` (it needs \
         an MPI library and libclang: `apt-get install libopenmpi-dev libclang-dev`); or run \
         one process (`--seeds A..B` runs a seed sweep in one)"
    ))
}

/// How many processes an MPI launcher started this one among, when more than one: the
/// environment OpenMPI, MPICH (and Intel MPI, srun's PMI) and MVAPICH give each process.
/// (Not Slurm's own task count: a batch script that runs one physc has it too.)
fn started_by_mpirun() -> Option<usize> {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"]
        .iter()
        .filter_map(|var| std::env::var(var).ok()?.trim().parse::<usize>().ok())
        .find(|&n| n > 1)
}

/// Whether every rank compiled the same files and was given the same arguments that
/// change results; the same answer on every rank. (Ranks that read different files or
/// seeds would train different problems and exchange meaningless gradients.)
pub(crate) fn ranks_agree(
    comm: &dyn Communicator,
    compilation: &Compilation,
    arguments: &impl Hash,
) -> bool {
    if comm.size() == 1 {
        return true;
    }
    // `DefaultHasher::new` has fixed keys: the same value in every process of one build.
    let mut hasher = std::hash::DefaultHasher::new();
    for (_, file) in compilation.sources.files() {
        file.name.hash(&mut hasher);
        file.text.hash(&mut hasher);
    }
    arguments.hash(&mut hasher);
    comm.agree(hasher.finish())
}

/// Whether every rank was given the same `value` (the options of `physc evolve`); the same
/// answer on every rank.
pub(crate) fn ranks_agree_on(comm: &dyn Communicator, value: &impl Hash) -> bool {
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    comm.size() == 1 || comm.agree(hasher.finish())
}

/// The runs of a sweep or of a file with several jobs that this rank makes: every
/// `size`-th, from its rank on.
pub(crate) fn my_turns<T>(runs: Vec<T>, comm: &dyn Communicator) -> Vec<T> {
    let (rank, size) = (comm.rank(), comm.size());
    runs.into_iter()
        .enumerate()
        .filter(|(k, _)| k % size == rank)
        .map(|(_, run)| run)
        .collect()
}
