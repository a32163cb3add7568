//! `pmap`: one function run on several devices at once, with collectives between them by axis
//! name (`jax.pmap`, and the core of `jax.shard_map`).
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{axis_index, pmap, psum, Function};
//!
//! /// Each rank adds its index to its slice, then every rank gets the sum over the ranks.
//! struct Step;
//! impl Function for Step {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         let mine = x.add_scalar(axis_index("i") as f64);
//!         psum(mine, "i")
//!     }
//! }
//!
//! // 4 ranks (threads on this CPU), one value each.
//! let x = Tensor::<Flex, 2>::from_floats([[1.0], [2.0], [3.0], [4.0]], &Default::default());
//! let y = pmap(Step).axis_name("i").call(x);
//! // (1 + 0) + (2 + 1) + (3 + 2) + (4 + 3) = 16 on every rank
//! assert_eq!(y.into_data().to_vec::<f32>().unwrap(), [16.0; 4]);
//! ```
//!
//! # How it works
//! The mapped inputs' leading axis is the ranks: slice `r` goes to rank `r`, exactly as
//! [`vmap`](crate::vmap()) would give it example `r` (the same [`AxisSpec`]s say what is
//! mapped, `None` replicates an input). Each rank runs `f` on its own thread, on its own device
//! if [`Pmap::devices`] names one, with its own [`Threads`] rank; the
//! results are stacked along axis 0 again. A collective ([`psum`], [`pmean`], [`pmax`],
//! [`pmin`], [`all_gather`], [`ppermute`]; [`axis_index`], [`axis_size`]) finds its communicator
//! by the axis name on the thread that calls it, so nested `pmap`s with different names address
//! either level.
//!
//! Collectives are reproducible: reductions fold the ranks **in rank order**, on threads and
//! under MPI, so the same inputs give the same bits in every run, whatever the timing. A result
//! equals the one-device computation written with the same order, `x_0 + x_1 + ...`.
//!
//! # Failures
//! A rank that panics or raises an error tells its peers at once; their collectives fail with
//! [`Error::Collective`](crate::Error::Collective) naming it, and `pmap` raises the first
//! rank's own error (not its peers' echoes) once every rank has stopped. A rank that returns
//! without joining a collective fails its waiting peers the same way. Nothing hangs: a peer that
//! runs on without joining (an endless loop) fails its peers after [`Pmap::timeout`].
//!
//! # Across processes and machines
//! With [`Pmap::communicator`] each process is one rank (one device per process, as `mpirun`
//! and NCCL jobs run) and passes its own slice with a leading axis of 1; the collectives then go
//! over that communicator, such as `burnax_comm::Mpi` (feature `mpi`) or `burnax_comm::Nccl`
//! (feature `nccl`, one CUDA device per rank, its unique id handed over by MPI).
//!
//! # Composition
//! - `pmap(grad(f))`: per-shard gradients; `pmean` of them inside the mapped function is the
//!   full-batch gradient of a mean loss (data-parallel training). Collectives have no gradient
//!   rule yet, so they go outside `grad`: a collective on a tensor being differentiated raises
//!   an error that says so.
//! - `pmap(vmap(f))`, `pmap(jit(f))`: each rank batches, or replays its own trace (a `jit`
//!   inside `pmap` traces once per rank, since [`axis_index`] differs).
//! - `grad(pmap(f))` and `vmap(pmap(f))`, with no collective inside: gradients and batching flow
//!   through the ranks. Collectives inside `vmap` or `jit` are host reads, and raise their
//!   [`Error::HostRead`](crate::Error::HostRead); `pmap` inside `jit` raises an error (write
//!   `pmap(jit(f))`).
//!
//! # JAX's `pmap` and `shard_map`
//! | JAX | burnax |
//! |---|---|
//! | `jax.pmap(f, axis_name='i')(x)` | `pmap(f).axis_name("i").call(x)` |
//! | `in_axes=(0, None)`, `out_axes=None` | `.in_axes((0, None))`, `.out_axes(None)` |
//! | `devices=[..]` | `.devices(vec![..])` |
//! | `shard_map(f, mesh, in_specs=P('i'), out_specs=P('i'))(x)` on a 1-D mesh | `pmap(f).axis_name("i")` on `x` reshaped to `[ranks, x.len() / ranks, ..]` (each rank sees its block, keeping its axis) |
//! | `lax.psum`, `pmean`, `pmax`, `pmin`, `all_gather`, `ppermute`, `axis_index` | [`psum`], [`pmean`], [`pmax`], [`pmin`], [`all_gather`], [`ppermute`], [`axis_index`] |
//! | `psum(1, 'i')` | [`axis_size`] |
//! | multi-process (`jax.distributed.initialize`) | [`Pmap::communicator`] with `burnax_comm::Mpi` under `mpirun` |
//!
//! A mesh of more than one axis is `pmap` inside `pmap`, one name per level.
//!
//! # Limits
//! - Collectives carry float tensors (f64 and f32; f16 and bf16 reduced in f32) and go through
//!   the host: on a GPU each costs a copy to and from the device.
//! - No gradient rule for collectives yet (see Composition).
//! - The communicator is chosen per `pmap`: threads within a process, or one rank per process;
//!   not both at once.

mod api;
mod axis;
mod collectives;

pub use api::{pmap, Pmap};
pub use burnax_comm::{CommError, Communicator, Threads};
pub use collectives::{all_gather, axis_index, axis_size, pmax, pmean, pmin, ppermute, psum};

#[cfg(feature = "mpi")]
pub use burnax_comm::Mpi;
#[cfg(feature = "nccl")]
pub use burnax_comm::Nccl;

pub(crate) use axis::describe_into as describe_axes;

#[allow(unused_imports)] // for the docs' links
use crate::vmap::AxisSpec;
