//! [`CommError`]: why a collective or a message failed.

use std::time::Duration;

/// Why a communication failed. Every failure is returned, never waited out: a rank that failed
/// or returned early makes its peers' next collective fail with its rank named.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommError {
    /// Another rank failed (its function panicked or returned an error) and said why.
    #[error("rank {rank} failed: {reason}")]
    PeerFailed {
        /// The rank that failed.
        rank: usize,
        /// Its message.
        reason: String,
    },
    /// Another rank finished without taking part in this operation.
    #[error("rank {rank} returned without joining `{op}`")]
    PeerExited {
        /// The rank that finished.
        rank: usize,
        /// The operation this rank was in.
        op: &'static str,
    },
    /// No message arrived within the communicator's timeout.
    #[error("`{op}` on rank {rank}: nothing from rank {from} within {after:?}")]
    Timeout {
        /// The operation this rank was in.
        op: &'static str,
        /// This rank.
        rank: usize,
        /// The rank it waited for.
        from: usize,
        /// The timeout.
        after: Duration,
    },
    /// The ranks disagree: different operations at the same point, buffers of different
    /// lengths, a rank out of range.
    #[error("`{op}`: {detail}")]
    Mismatch {
        /// The operation.
        op: &'static str,
        /// What does not fit.
        detail: String,
    },
    /// The transport itself failed (MPI).
    #[error("{transport}: {detail}")]
    Transport {
        /// The transport, e.g. `mpi`.
        transport: &'static str,
        /// What it said.
        detail: String,
    },
}
