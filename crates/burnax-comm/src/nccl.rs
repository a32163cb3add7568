//! [`Nccl`]: a communicator between CUDA devices, in one process or many, on NVIDIA's NCCL (over
//! NVLink, PCIe, or RoCE between machines).

use std::sync::{Arc, Mutex, MutexGuard};

use cudarc::driver::{CudaContext, CudaSlice, CudaStream, DeviceRepr};
use cudarc::nccl::{result as nccl_result, Comm, Id, NcclType};

use crate::communicator::{check_rank, Communicator};
use crate::error::CommError;

/// One rank of an NCCL communicator, on one CUDA device. Made by [`Nccl::new`] on every rank at
/// once, with another communicator (MPI across machines, [`Threads`](crate::Threads) within
/// one) carrying NCCL's unique id from rank 0 to the others, as NCCL's own examples do over MPI.
///
/// It implements [`Communicator`] on host bytes, staged through the device: what the collectives
/// of `pmap` and the distributed SOM exchange today. Calls are serialized under a lock.
///
/// NCCL cannot tell a rank that a peer died either: run it under `mpirun`, whose job ends when a
/// rank does.
pub struct Nccl {
    comm: Mutex<Comm>,
    stream: Arc<CudaStream>,
    rank: usize,
    size: usize,
}

// SAFETY: the NCCL communicator and its stream are used only under the `comm` lock, one thread
// at a time, which NCCL allows (a communicator may move between threads, not be shared at once).
unsafe impl Send for Nccl {}
// SAFETY: as for `Send`.
unsafe impl Sync for Nccl {}

impl core::fmt::Debug for Nccl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nccl")
            .field("rank", &self.rank)
            .field("size", &self.size)
            .finish()
    }
}

fn failed(what: &str, e: impl core::fmt::Debug) -> CommError {
    CommError::Transport {
        transport: "nccl",
        detail: format!("{what}: {e:?}"),
    }
}

impl Nccl {
    /// Joins rank `bootstrap.rank()` of `bootstrap.size()` on CUDA device `ordinal`: rank 0 makes
    /// NCCL's unique id and broadcasts it over `bootstrap`. Every rank calls it at once.
    ///
    /// # Errors
    /// [`CommError::Transport`] if the CUDA driver or `libnccl.so` cannot be loaded (a pip wheel
    /// ships `libnccl.so.2`: link it as `libnccl.so` on the library path), the device is not
    /// there, or NCCL fails to initialize; a bootstrap error.
    pub fn new(bootstrap: &dyn Communicator, ordinal: usize) -> Result<Nccl, CommError> {
        // SAFETY: only probes whether the libraries load; nothing is called through them.
        let present =
            unsafe { cudarc::driver::sys::is_culib_present() && cudarc::nccl::sys::is_culib_present() };
        // Every rank learns whether all can go on, so that none waits for a rank that cannot.
        let ok = bootstrap.all_gather(&[u8::from(present)])?;
        if let Some(r) = ok.iter().position(|v| v.first() != Some(&1)) {
            return Err(CommError::Transport {
                transport: "nccl",
                detail: format!("rank {r} cannot load the CUDA driver or libnccl.so"),
            });
        }
        let (rank, size) = (bootstrap.rank(), bootstrap.size());
        let id = if rank == 0 {
            Some(Id::new().map_err(|e| failed("ncclGetUniqueId", e))?)
        } else {
            None
        };
        let mine: Vec<u8> = id.as_ref().map_or_else(
            || vec![0; 128],
            |id| id.internal().iter().map(|&c| c as u8).collect(),
        );
        let bytes = bootstrap.broadcast(&mine, 0)?;
        let internal: [core::ffi::c_char; 128] =
            core::array::from_fn(|i| bytes.get(i).copied().unwrap_or(0) as core::ffi::c_char);
        let ctx = CudaContext::new(ordinal).map_err(|e| failed(&format!("CUDA device {ordinal}"), e))?;
        let stream = ctx.default_stream();
        let comm = Comm::from_rank(stream.clone(), rank, size, Id::uninit(internal))
            .map_err(|e| failed("ncclCommInitRank", e))?;
        Ok(Nccl {
            comm: Mutex::new(comm),
            stream,
            rank,
            size,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Comm> {
        self.comm.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn to_device<T: DeviceRepr + Copy>(
        &self,
        values: &[T],
        len: usize,
        zero: T,
    ) -> Result<CudaSlice<T>, CommError> {
        // At least one value: NCCL and the allocator dislike empty buffers.
        let mut padded = values.to_vec();
        padded.resize(len.max(1), zero);
        self.stream
            .clone_htod(&padded)
            .map_err(|e| failed("copy to device", e))
    }

    fn to_host<T: DeviceRepr + Default + Clone>(&self, slice: &CudaSlice<T>) -> Result<Vec<T>, CommError> {
        self.stream
            .clone_dtoh(slice)
            .map_err(|e| failed("copy to host", e))
    }
}

impl Communicator for Nccl {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn transport(&self) -> &'static str {
        "nccl"
    }

    fn all_gather(&self, data: &[u8]) -> Result<Vec<Vec<u8>>, CommError> {
        let comm = self.lock();
        let n = self.size;
        // NCCL gathers equal counts: the lengths first, then every buffer padded to the longest.
        let len = self.to_device(&[data.len() as u64], 1, 0)?;
        let mut lens = self.to_device(&[], n, 0u64)?;
        comm.all_gather(&len, &mut lens)
            .map_err(|e| failed("ncclAllGather", e))?;
        let lens = self.to_host(&lens)?;
        let longest = lens.iter().copied().max().unwrap_or(0) as usize;
        let mine = self.to_device(data, longest, 0u8)?;
        let mut all = self.to_device(&[], n * longest.max(1), 0u8)?;
        comm.all_gather(&mine, &mut all)
            .map_err(|e| failed("ncclAllGather", e))?;
        let all = self.to_host(&all)?;
        Ok((0..n)
            .map(|r| all[r * longest.max(1)..][..lens[r] as usize].to_vec())
            .collect())
    }

    fn broadcast(&self, data: &[u8], root: usize) -> Result<Vec<u8>, CommError> {
        check_rank("broadcast", root, self.size)?;
        let comm = self.lock();
        let mut len = self.to_device(&[data.len() as u64], 1, 0)?;
        comm.broadcast_in_place(&mut len, root as i32)
            .map_err(|e| failed("ncclBroadcast", e))?;
        let len = self.to_host(&len)?[0] as usize;
        let mut buf = self.to_device(if self.rank == root { data } else { &[] }, len, 0u8)?;
        comm.broadcast_in_place(&mut buf, root as i32)
            .map_err(|e| failed("ncclBroadcast", e))?;
        let mut out = self.to_host(&buf)?;
        out.truncate(len);
        Ok(out)
    }

    fn send(&self, to: usize, data: &[u8]) -> Result<(), CommError> {
        self.shift(data, Some(to), None).map(|_| ())
    }

    fn recv(&self, from: usize) -> Result<Vec<u8>, CommError> {
        self.shift(&[], None, Some(from))
            .map(|got| got.unwrap_or_default())
    }

    fn shift(
        &self,
        data: &[u8],
        to: Option<usize>,
        from: Option<usize>,
    ) -> Result<Option<Vec<u8>>, CommError> {
        for r in to.iter().chain(&from) {
            check_rank("shift", *r, self.size)?;
        }
        let comm = self.lock();
        // The lengths, then the bytes.
        let len = self.to_device(&[data.len() as u64], 1, 0)?;
        let mut their_len = self.to_device(&[], 1, 0u64)?;
        exchange(&comm, &len, to, &mut their_len, from)?;
        let their_len = self.to_host(&their_len)?[0] as usize;
        let mine = self.to_device(data, data.len(), 0u8)?;
        let mut theirs = self.to_device(&[], their_len, 0u8)?;
        exchange(&comm, &mine, to, &mut theirs, from)?;
        match from {
            None => Ok(None),
            Some(_) => {
                let mut out = self.to_host(&theirs)?;
                out.truncate(their_len);
                Ok(Some(out))
            }
        }
    }
}

/// Sends `mine` to `to` and receives `theirs` from `from` (either may be `None`) in one NCCL
/// group, so that two ranks that each send to and receive from the other cannot deadlock.
fn exchange<T: NcclType + DeviceRepr>(
    comm: &Comm,
    mine: &CudaSlice<T>,
    to: Option<usize>,
    theirs: &mut CudaSlice<T>,
    from: Option<usize>,
) -> Result<(), CommError> {
    nccl_result::group_start().map_err(|e| failed("ncclGroupStart", e))?;
    let sent = to.map_or(Ok(()), |to| {
        comm.send(mine, to as i32).map_err(|e| failed("ncclSend", e))
    });
    let done = sent.and_then(|()| match from {
        Some(from) => comm
            .recv(theirs, from as i32)
            .map(|_| ())
            .map_err(|e| failed("ncclRecv", e)),
        None => Ok(()),
    });
    nccl_result::group_end().map_err(|e| failed("ncclGroupEnd", e))?;
    done
}
