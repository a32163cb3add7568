//! [`Communicator`]: the one trait every transport implements.

use std::sync::Arc;

use crate::error::CommError;

/// A group of `size` ranks that exchange bytes: threads on one host ([`Threads`](crate::Threads)),
/// processes under `mpirun` (`Mpi`, with the `mpi` feature).
///
/// Every rank calls the collectives ([`all_gather`](Self::all_gather),
/// [`broadcast`](Self::broadcast), [`shift`](Self::shift)) in the same order, as in MPI.
/// Reductions are built on `all_gather` ([`all_reduce`](crate::all_reduce)) and fold the ranks'
/// values in rank order, so a result is the same bits on every transport and every run.
///
/// # Errors
/// Every method returns a [`CommError`] instead of hanging when a peer failed, returned early,
/// or disagrees (another operation, a rank out of range).
pub trait Communicator: Send + Sync + core::fmt::Debug {
    /// This rank, in `0..size()`.
    fn rank(&self) -> usize;
    /// How many ranks there are.
    fn size(&self) -> usize;
    /// The transport's name (`threads`, `mpi`), for messages.
    fn transport(&self) -> &'static str;
    /// Every rank's `data`, indexed by rank (lengths may differ).
    fn all_gather(&self, data: &[u8]) -> Result<Vec<Vec<u8>>, CommError>;
    /// `root`'s `data` on every rank (what the other ranks pass is ignored).
    fn broadcast(&self, data: &[u8], root: usize) -> Result<Vec<u8>, CommError>;
    /// Sends `data` to rank `to`; messages between two ranks arrive in the order sent.
    fn send(&self, to: usize, data: &[u8]) -> Result<(), CommError>;
    /// The next message from rank `from`.
    fn recv(&self, from: usize) -> Result<Vec<u8>, CommError>;
    /// Sends `data` to `to` and receives from `from` at once (either may be `None`), without the
    /// deadlock two blocking sends to each other can cause: a ring step, a permutation.
    fn shift(
        &self,
        data: &[u8],
        to: Option<usize>,
        from: Option<usize>,
    ) -> Result<Option<Vec<u8>>, CommError>;
    /// A communicator over the same ranks whose messages never meet this one's or another
    /// channel's: how several groups share ranks, such as the rows of a mesh (a `pmap` inside a
    /// `pmap`, where inner rank `j` of every outer rank addresses the outer axis on channel `j`).
    ///
    /// # Errors
    /// [`CommError::Transport`] where the transport has no channels (the default).
    fn channel(&self, id: u64) -> Result<Arc<dyn Communicator>, CommError> {
        let _ = id;
        Err(CommError::Transport {
            transport: self.transport(),
            detail: "this transport has no channels (a mesh of two levels over it)".into(),
        })
    }
    /// Returns once every rank has called it.
    fn barrier(&self) -> Result<(), CommError> {
        self.all_gather(&[]).map(|_| ())
    }
}

/// Checks that `rank` is one of `size` ranks, for `op`.
pub(crate) fn check_rank(op: &'static str, rank: usize, size: usize) -> Result<(), CommError> {
    if rank < size {
        Ok(())
    } else {
        Err(CommError::Mismatch {
            op,
            detail: format!("rank {rank} is out of range for {size} ranks"),
        })
    }
}
