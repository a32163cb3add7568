//! Communicators for burnax's [`pmap`](https://docs.rs/burnax) and burnax-som's distributed
//! training: one trait, [`Communicator`], over the transports a user already runs.
//!
//! | transport | where | feature |
//! |---|---|---|
//! | [`Threads`] | threads of one process: CPU cores, or one thread per GPU of a host | always |
//! | `Mpi` | processes under `mpirun`, on one machine or many | `mpi` |
//! | `Nccl` | CUDA devices, in one process or many (its unique id carried by another communicator) | `nccl` |
//!
//! A communicator moves bytes; [`all_reduce`], [`all_gather`], [`broadcast`], [`send`],
//! [`recv`] and [`shift`] move numbers on top of it. Reductions fold the ranks' values **in rank
//! order** (`((x_0 + x_1) + x_2) ...`) on every transport, so a float sum is the same bits on any
//! transport, for any timing, in every run; MPI's own reduction operators, whose order is the
//! library's choice, are not used.
//!
//! Failures are values, never hangs: a peer that failed ([`Threads::fail`]) or returned early
//! makes the other ranks' next operation return a [`CommError`] naming it; under MPI, a panic on
//! any rank aborts the job (see `Mpi`).
//!
//! ```
//! use burnax_comm::{all_gather, Communicator, Threads};
//!
//! let gathered = Threads::run(2, |comm| all_gather(&comm, &[10 * comm.rank() as u32]).unwrap());
//! assert_eq!(gathered[1], [vec![0], vec![10]]);
//! ```

mod communicator;
mod error;
#[cfg(feature = "mpi")]
mod mpi;
#[cfg(feature = "nccl")]
mod nccl;
mod threads;
mod values;

pub use communicator::Communicator;
pub use error::CommError;
#[cfg(feature = "mpi")]
pub use mpi::Mpi;
#[cfg(feature = "nccl")]
pub use nccl::Nccl;
pub use threads::{Threads, DEFAULT_TIMEOUT};
pub use values::{all_gather, all_reduce, broadcast, fold_ranks, recv, send, shift, Element, Reduce};
