//! [`Mpi`]: a communicator between processes (on one machine or many) started by `mpirun`.

use std::sync::{Mutex, MutexGuard, Once};

use mpi::environment::Universe;
use mpi::point_to_point::{Destination, Source};
use mpi::topology::{Communicator as _, SimpleCommunicator};
use mpi::traits::{CommunicatorCollectives, Root};
use mpi::Threading;

use crate::communicator::{check_rank, Communicator};
use crate::error::CommError;

/// `MPI_COMM_WORLD`: one rank per process of the job (`mpirun -np K prog`; a program started
/// without `mpirun` is a job of one).
///
/// MPI cannot tell a rank that a peer died, so [`Mpi::init`] makes a panic on any rank abort the
/// whole job (`MPI_Abort`, after the panic's message): the others end within about a second
/// instead of waiting in a collective forever, and `mpirun` reports the rank and exits non-zero.
/// Calls are serialized under a lock (MPI's `MPI_THREAD_SERIALIZED`).
pub struct Mpi {
    world: Mutex<SimpleCommunicator>,
    rank: usize,
    size: usize,
    // Finalizes MPI on drop; kept last so that it drops after the communicator.
    _universe: Universe,
}

// SAFETY: MPI was initialized with MPI_THREAD_SERIALIZED (checked in `init`), and every call
// goes through the `world` lock, so no two threads call MPI at once.
unsafe impl Send for Mpi {}
// SAFETY: as for `Send`.
unsafe impl Sync for Mpi {}

impl core::fmt::Debug for Mpi {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mpi")
            .field("rank", &self.rank)
            .field("size", &self.size)
            .finish()
    }
}

fn transport(detail: impl Into<String>) -> CommError {
    CommError::Transport {
        transport: "mpi",
        detail: detail.into(),
    }
}

fn count(op: &'static str, n: usize) -> Result<i32, CommError> {
    i32::try_from(n).map_err(|_| CommError::Mismatch {
        op,
        detail: format!(
            "{n} bytes exceed MPI's count limit of {} in one message",
            i32::MAX
        ),
    })
}

impl Mpi {
    /// Initializes MPI (once per process) and returns the world communicator; installs the panic
    /// hook that aborts the job.
    ///
    /// # Errors
    /// If MPI was already initialized (a second `init`), or it cannot serialize calls from
    /// several threads.
    pub fn init() -> Result<Mpi, CommError> {
        let (universe, threading) =
            mpi::initialize_with_threading(Threading::Serialized).ok_or_else(|| {
                transport("MPI is already initialized in this process (Mpi::init is called once)")
            })?;
        if threading < Threading::Serialized {
            return Err(transport(format!(
                "the MPI library gives thread support {threading:?}, burnax needs Serialized"
            )));
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                previous(info);
                // Only while MPI runs: after the `Mpi` is dropped (finalized) a panic is a
                // plain process's again.
                if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
                    eprintln!("error: rank {rank} panicked; aborting the MPI job");
                    SimpleCommunicator::world().abort(101);
                }
            }));
        });
        Ok(Mpi {
            world: Mutex::new(world),
            rank,
            size,
            _universe: universe,
        })
    }

    /// Ends the whole job with exit code `code` (`MPI_Abort`): for a failure on one rank after
    /// the ranks stopped agreeing on errors, where the others would wait for it.
    pub fn abort(&self, code: i32) -> ! {
        self.lock().abort(code)
    }

    fn lock(&self) -> MutexGuard<'_, SimpleCommunicator> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Communicator for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn transport(&self) -> &'static str {
        "mpi"
    }

    fn all_gather(&self, data: &[u8]) -> Result<Vec<Vec<u8>>, CommError> {
        let world = self.lock();
        let len = count("all_gather", data.len())?;
        let mut lens = vec![0i32; self.size];
        world.all_gather_into(&len, &mut lens[..]);
        let total: usize = lens.iter().map(|&l| l as usize).sum();
        count("all_gather", total)?;
        if total == 0 {
            // Nothing to move (a barrier): Open MPI rejects an empty slice's dangling pointer.
            return Ok(vec![Vec::new(); self.size]);
        }
        let displs: Vec<i32> = lens
            .iter()
            .scan(0i32, |at, &l| {
                let d = *at;
                *at += l;
                Some(d)
            })
            .collect();
        let mut all = vec![0u8; total];
        {
            let mut partition = mpi::datatype::PartitionMut::new(&mut all[..], &lens[..], &displs[..]);
            world.all_gather_varcount_into(data, &mut partition);
        }
        Ok(lens
            .iter()
            .zip(&displs)
            .map(|(&l, &d)| all[d as usize..(d + l) as usize].to_vec())
            .collect())
    }

    fn broadcast(&self, data: &[u8], root: usize) -> Result<Vec<u8>, CommError> {
        check_rank("broadcast", root, self.size)?;
        let world = self.lock();
        let process = world.process_at_rank(root as i32);
        let mut len = count("broadcast", data.len())? as u64;
        process.broadcast_into(&mut len);
        let mut buf = if self.rank == root {
            data.to_vec()
        } else {
            vec![0u8; len as usize]
        };
        process.broadcast_into(&mut buf[..]);
        Ok(buf)
    }

    fn send(&self, to: usize, data: &[u8]) -> Result<(), CommError> {
        check_rank("send", to, self.size)?;
        count("send", data.len())?;
        self.lock().process_at_rank(to as i32).send(data);
        Ok(())
    }

    fn recv(&self, from: usize) -> Result<Vec<u8>, CommError> {
        check_rank("recv", from, self.size)?;
        Ok(self.lock().process_at_rank(from as i32).receive_vec::<u8>().0)
    }

    fn shift(
        &self,
        data: &[u8],
        to: Option<usize>,
        from: Option<usize>,
    ) -> Result<Option<Vec<u8>>, CommError> {
        if let Some(to) = to {
            check_rank("shift", to, self.size)?;
            count("shift", data.len())?;
        }
        if let Some(from) = from {
            check_rank("shift", from, self.size)?;
        }
        let world = self.lock();
        Ok(mpi::request::scope(|scope| {
            let sent = to.map(|to| world.process_at_rank(to as i32).immediate_send(scope, data));
            let got = from.map(|from| world.process_at_rank(from as i32).receive_vec::<u8>().0);
            if let Some(sent) = sent {
                sent.wait();
            }
            got
        }))
    }
}
