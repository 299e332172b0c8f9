//! The NCCL communicator (cargo feature `cuda`): the collectives of [`Communicator`] between
//! GPUs, one process per GPU, as ARCHITECTURE.md's data-parallel design has it. NCCL needs a
//! unique id shared by every rank before it starts; the ranks' host communicator (MPI)
//! carries it, so a GPU run is `mpirun -n N` with one GPU per rank and this communicator
//! built over the MPI one ([`Nccl::over`]).
//!
//! The trait works on host buffers, so each collective uploads the buffer to the rank's GPU,
//! runs on the device's stream and downloads the result (the design's gradient lives on the
//! GPU already; a device-buffer entry point is the next step once a run keeps it there).
//! The trait's calls cannot fail, so an NCCL or CUDA failure fills the buffer with NaN (a
//! training run then stops at that step as it does for a non-finite gradient) and is kept
//! for [`Nccl::failure`] to report. NCCL (libnccl) is loaded at run time like the rest of
//! CUDA; a machine without it gets [`CudaError::Nccl`] from [`Nccl::over`], never a crash.
//!
//! Untested here until a GPU is lent: `runtime/tests` has the single-GPU check that skips
//! without one.

use super::Communicator;
use crate::cuda::{CudaDevice, CudaError};
use cudarc::nccl::{Comm, Id, ReduceOp};
use std::sync::Mutex;

/// NCCL between the GPUs of a distributed run, one per rank.
pub struct Nccl {
    comm: Mutex<Comm>,
    device: CudaDevice,
    rank: usize,
    size: usize,
    failure: Mutex<Option<String>>,
}

// SAFETY: an NCCL communicator may be used from any thread as long as its calls (and the
// stream work they queue) are not made concurrently, which the mutex ensures; the device's
// context is made current by cudarc on each call.
unsafe impl Send for Nccl {}
unsafe impl Sync for Nccl {}

/// Whether libnccl can be loaded (cudarc panics on a call into a missing library).
fn nccl_present() -> bool {
    // SAFETY: only tries to load the library and resolve its symbols.
    std::panic::catch_unwind(|| unsafe { cudarc::nccl::sys::is_culib_present() }).unwrap_or(false)
}

fn nccl_error(e: cudarc::nccl::result::NcclError) -> CudaError {
    CudaError::Nccl(format!("{e:?}"))
}

/// NCCL's unique id as numbers (one per byte), for the host communicator to carry.
fn id_to_words(id: &Id) -> Vec<f64> {
    id.internal().iter().map(|&b| f64::from(b as u8)).collect()
}

fn id_from_words(words: &[f64]) -> Id {
    let mut internal = [0 as std::ffi::c_char; 128];
    for (b, &w) in internal.iter_mut().zip(words) {
        *b = w as u8 as std::ffi::c_char;
    }
    Id::uninit(internal)
}

impl Nccl {
    /// A communicator between the GPUs `device` of every rank of `host` (a collective on
    /// `host`: rank 0 makes NCCL's id and broadcasts it). Every rank calls it with its own
    /// device; ranks on one node use different devices.
    pub fn over(host: &dyn Communicator, device: CudaDevice) -> Result<Nccl, CudaError> {
        let present = nccl_present();
        // Every rank learns if any lacks NCCL, so none waits in the broadcast alone.
        if host.any(!present) {
            return Err(CudaError::Nccl(
                "NCCL (libnccl) could not be loaded on every rank; it comes with the \
                 nvidia-nccl pip package or NVIDIA's libnccl2 package"
                    .into(),
            ));
        }
        let id = match host.is_root() {
            true => Id::new().map_err(nccl_error),
            false => Ok(id_from_words(&[])),
        };
        let mut words = match &id {
            Ok(id) => id_to_words(id),
            Err(_) => vec![f64::NAN; 128],
        };
        host.broadcast(&mut words, 0);
        if words.iter().any(|w| w.is_nan()) {
            return Err(id.err().unwrap_or_else(|| {
                CudaError::Nccl("rank 0 could not create NCCL's unique id".into())
            }));
        }
        let comm = Comm::from_rank(
            device.stream().clone(),
            host.rank(),
            host.size(),
            id_from_words(&words),
        )
        .map_err(nccl_error)?;
        Ok(Nccl {
            comm: Mutex::new(comm),
            device,
            rank: host.rank(),
            size: host.size(),
            failure: Mutex::new(None),
        })
    }

    /// The first NCCL or CUDA failure of a collective, if one failed (its buffer came back
    /// as NaN).
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    /// Run `collective` on the device copy of `buffer` and copy the result back into
    /// `out`; on failure, `out` is NaN and the failure kept.
    fn on_device(
        &self,
        buffer: &[f64],
        out: &mut [f64],
        collective: impl FnOnce(
            &Comm,
            &CudaDevice,
            &mut cudarc::driver::CudaSlice<f64>,
        ) -> Result<Vec<f64>, CudaError>,
    ) {
        let result = self
            .comm
            .lock()
            .map_err(|_| CudaError::Nccl("a collective panicked before".into()))
            .and_then(|comm| {
                let mut on_gpu = self.device.upload(buffer)?;
                collective(&comm, &self.device, &mut on_gpu)
            });
        match result {
            Ok(values) if values.len() == out.len() => out.copy_from_slice(&values),
            Ok(values) => self.fail(
                out,
                CudaError::Nccl(format!("{} values for {}", values.len(), out.len())),
            ),
            Err(e) => self.fail(out, e),
        }
    }

    fn fail(&self, out: &mut [f64], e: CudaError) {
        out.fill(f64::NAN);
        if let Ok(mut failure) = self.failure.lock() {
            failure.get_or_insert_with(|| e.to_string());
        }
    }

    fn reduce(&self, buffer: &mut [f64], op: ReduceOp) {
        let host = buffer.to_vec();
        self.on_device(&host, buffer, |comm, device, on_gpu| {
            comm.all_reduce_in_place(on_gpu, &op).map_err(nccl_error)?;
            device.download(on_gpu)
        });
    }
}

impl Communicator for Nccl {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_reduce_sum(&self, buffer: &mut [f64]) {
        self.reduce(buffer, ReduceOp::Sum);
    }

    fn all_reduce_max(&self, buffer: &mut [f64]) {
        self.reduce(buffer, ReduceOp::Max);
    }

    fn all_gather(&self, local: &[f64]) -> Vec<f64> {
        let mut all = vec![0.0; local.len() * self.size];
        self.on_device(local, &mut all, |comm, device, on_gpu| {
            let mut gathered = device.zeros::<f64>(local.len() * self.size)?;
            comm.all_gather(&*on_gpu, &mut gathered)
                .map_err(nccl_error)?;
            device.download(&gathered)
        });
        all
    }

    fn broadcast(&self, buffer: &mut [f64], root: usize) {
        let host = buffer.to_vec();
        self.on_device(&host, buffer, |comm, device, on_gpu| {
            comm.broadcast_in_place(on_gpu, root as i32)
                .map_err(nccl_error)?;
            device.download(on_gpu)
        });
    }

    fn transport(&self) -> String {
        format!("NCCL on GPU {}", self.device.ordinal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unique_id_crosses_as_numbers() {
        let mut internal = [0 as std::ffi::c_char; 128];
        for (i, b) in internal.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37) as std::ffi::c_char;
        }
        let id = Id::uninit(internal);
        let back = id_from_words(&id_to_words(&id));
        assert_eq!(back.internal(), id.internal());
    }
}
