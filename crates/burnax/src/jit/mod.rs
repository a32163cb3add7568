//! `jit`: trace a function once per input signature, replay the trace (`jax.jit`).
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{jit, Function};
//!
//! /// sum(sin(x)^2 + cos(x)^2).
//! struct Pythagoras;
//! impl Function for Pythagoras {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         (x.clone().sin().powi_scalar(2) + x.cos().powi_scalar(2)).sum()
//!     }
//! }
//!
//! let f = jit(Pythagoras);
//! let d = Default::default();
//! for n in [3, 3, 5] {
//!     let x = Tensor::<Flex, 1>::random([n], burn::tensor::Distribution::Default, &d);
//!     assert_eq!(f.call(x.clone()).into_data(), Pythagoras.call(x).into_data());
//! }
//! assert_eq!(f.traces(), 2); // one trace for shape [3], one for [5]
//! ```
//!
//! # How it works
//! The first call with a given signature runs the function on the [`Traced<B>`] backend, a
//! decorator like `Autodiff<B>`: each operation runs on `B` (so the first call computes its
//! result as usual) and is recorded, as the very closure that ran it, with its operands' slots.
//! The trace is then lowered once into a program (dead code removed; each value moved out on its
//! last use, so the backend can work in place; slots in a dense frame) and cached. Later calls
//! with the same signature run the program: `B`'s operations in order, without the Rust body,
//! the tree walks, shape checks or the transformations inside it (`jit(grad(f))` replays the
//! forward and backward operations without the autodiff graph, `jit(vmap(f))` the batched
//! operations without the batching rules).
//!
//! # The signature
//! A trace is reused for calls with the same backend, and per input leaf the same shape, dtype,
//! device and `require_grad`, and the same static values (the [`Static`](crate::tree::Static)
//! fields of the input tree and the settings of Burn layers in it, compared by `Debug`: JAX's
//! `static_argnums`). Anything else that `f` reads is baked into the trace:
//! - **the function value itself** (`self` in [`Function::call`](crate::Function::call)): a
//!   `Jit` wraps one value of `F` and never sees it change;
//! - **scalars** computed in the body from shapes or statics (both in the signature), or
//!   constants: they are part of the recorded closures. A scalar that changes between calls must
//!   be an input: a tensor (a rank-1 leaf of one element), or a static value (one trace each);
//! - **tensors made in the body** (`Tensor::from_data`, `from_floats`), and tensors captured
//!   from the environment (which must have been built in the body on its backend): constants of
//!   the trace, made once and shared by every replay;
//! - **random draws** through Burn's `Tensor::random` are recorded as effects and draw afresh
//!   on every replay, as they would eagerly; burnax's [`random`](crate::random) keys are pure
//!   tensor code, so a key passed in gives the same numbers jitted or not.
//!
//! # What a traced function cannot do
//! Reading a tensor on the host (`into_data`, `into_scalar`, `to_data`, a data-dependent shape
//! such as `argwhere`) fails with [`Error::HostRead`](crate::Error::HostRead) naming the
//! operation, JAX's concretization error: the value read would be frozen into the trace. So
//! Rust control flow on values is that error too; on shapes it works (shapes are in the
//! signature). [`Jit::eager_on_host_read`] opts into running such functions eagerly instead.
//! Tensors may not escape a trace (kept in a `RefCell` by one call and used by the next): that is
//! an [`Error::Mismatch`](crate::Error::Mismatch).
//!
//! # Inputs are donated
//! Rust's ownership does what JAX's `donate_argnums` asks for: a jitted function takes its inputs
//! by value, and a replay hands each one to its last use, where a backend that can (Flex) writes
//! the result into its buffer. Clone an input (a cheap handle copy) to keep it; the backend then
//! sees a shared buffer and leaves it alone.
//!
//! # Fusion
//! On Flex, the default CPU backend, the lowering also fuses: a chain of elementwise operations
//! (`exp`, `log`, `sin`, `cos`, `tanh`, `sqrt`, `abs`, `neg`, `recip`, squares, `+ - * /` between
//! tensors of one shape or with a scalar, comparisons with a scalar, `bool` to float,
//! `mask_where`), ending in a value or in a full `sum`, becomes one pass over memory in blocks of
//! 4,096 values that stay in L1, on every core. The operations are Flex's own scalar functions,
//! so a fused chain gives the same bits as the eager one. A fused `sum` adds in another order
//! (per block in 8 lanes, the blocks' partial sums in `f64`, in block order, so the same on any
//! number of threads): its result is within a few `f32` roundings of Flex's (the tests use
//! `burnax_testing::Tolerance::F32_REORDERED`). [`Jit::without_fusion`] replays exactly the
//! eager operations, sums included. Other backends replay without fusion; on wgpu and cuda,
//! Burn's own `Fusion` decorator fuses the replayed stream as it fuses an eager one.
//!
//! # Costs
//! Measured on a 2-core AMD EPYC (Zen 4), see `benches/README.md`: a cache hit costs about
//! 0.35 us; a replayed operation about 50 ns on top of the backend's own work (Flex's eager
//! dispatch is about 30 ns, so a jitted chain of tiny unfused operations is slower than eager:
//! jit pays off by fusion and by skipping what the Rust body does around the operations, such as
//! autodiff bookkeeping and batching rules).
//!
//! # Limits
//! - burnax-som's fused kernels are reachable only through its `SomBackend` trait, which a
//!   [`Function`](crate::Function) (generic over every backend) cannot name: inside a jitted
//!   function use its portable tensor-op path (`burnax_som::tensor_ops`), which traces.
//! - [`control::while_loop`](crate::control::while_loop) reads its predicate on the host: under
//!   `jit` use [`control::while_loop_bounded`](crate::control::while_loop_bounded).
//! - Fusion stops at broadcasts, reductions along an axis and matrix products (their producers
//!   and consumers are not fused into them yet).
//! - A quantized tensor's accumulation precision is reported as Burn's default under `Traced`
//!   (Burn does not export its type).
//!
//! # Composition
//! `jit` is a [`Function`](crate::Function) like the others: `jit(grad(f))`, `jit(vmap(f))`,
//! `vmap(jit(f))`, `grad(jit(f))`, `jit(jit(f))` all work. Under `grad` or `vmap` the trace is of
//! `Autodiff<B>`'s or `Batched<B>`'s operations, so a replay rebuilds the autodiff graph or
//! reruns the batching rules (one trace serves every batch size, the batch axis being hidden
//! from the signature as it is from the function).

mod api;
mod fusable;
#[cfg(feature = "flex")]
mod fuse;
mod program;
mod trace;
mod tracing;

pub use api::{jit, CacheEntry, Jit, DEFAULT_CAPACITY};
pub(crate) use trace::recording;
pub use trace::TracedTensor;
pub use tracing::backend::Traced;
