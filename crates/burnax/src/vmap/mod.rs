//! `vmap`: write a function for one example, run it on a batch (`jax.vmap`).
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{vmap, Function};
//!
//! /// The norm of one vector.
//! struct Norm;
//! impl Function for Norm {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.square().sum().sqrt()
//!     }
//! }
//!
//! let rows = Tensor::<Flex, 2>::from_floats([[3.0, 4.0], [6.0, 8.0], [0.0, 1.0]], &Default::default());
//! let norms: Tensor<Flex, 2> = vmap(Norm).call(rows); // one norm per row: [3, 1]
//! assert_eq!(norms.into_data().to_vec::<f32>().unwrap(), [5.0, 10.0, 1.0]);
//! ```
//!
//! # How it works
//! The function runs once, on the [`Batched<B>`] backend, a decorator like `Autodiff<B>`: each of
//! its tensors holds the inner backend's tensor with the batch axis in front, and reports the
//! shape of one example. Every operation has a batching rule that places that axis (elementwise
//! operations broadcast it, reductions and indexing shift their axis past it, a matmul against a
//! shared matrix folds the batch into the rows, a per-example `select` becomes a `gather`, ...),
//! so the batch runs as the same few large operations a hand-batched version would: this is no
//! loop. Tensors that do not depend on a mapped input stay unbatched (JAX's `in_axes=None`).
//!
//! Because the transformations are backend decorators they compose in any order:
//! - `vmap(grad(f))`: per-example gradients (`Autodiff<Batched<B>>`);
//! - `grad` of a function that calls `vmap(f)` (`Batched<Autodiff<B>>`);
//! - `vmap(vmap(f))`: one `Batched` level per axis.
//!
//! # Limits
//! - A vmapped function cannot read tensor data on the host (`into_data`, `into_scalar`) from a
//!   tensor that varies along the batch, nor use data-dependent shapes (`argwhere`, `nonzero`):
//!   each example would need its own answer. It panics, naming the operation.
//! - Operations without a rule for a batched operand panic naming the operation: deformable
//!   convolution, quantization of a batched tensor, and convolution with per-example weights.
//! - Per-example weight gradients of convolutions (`vmap(grad(..))` of a CNN's loss in its
//!   weights) run one weight backward per example: correct, not batched.
//! - Random draws inside the function (Burn's `Tensor::random`) happen once, unbatched, and are
//!   shared by every example, as in JAX with an unbatched key. For per-example noise, map over
//!   noise drawn outside (e.g. with [`random`](crate::random) and one key per example).
//! - Where a function cannot be batched, [`Vmap::sequential`] opts into a loop over the examples
//!   (slow: one call per example).
//!
//! # Trees, `in_axes` and `out_axes`
//! A function of a tree maps every leaf along axis 0 by default; [`Vmap::in_axes`] and
//! [`Vmap::out_axes`] take JAX's specs ([`axes`]): `vmap(f).in_axes((0, None))` maps the first
//! input and passes the second whole, such as a model's parameters.

mod api;
pub mod axes;
mod batching;

pub use api::{vmap, Vmap};
pub(crate) use axes::{physical, to_batched, unbatched};
pub use axes::{AxisSpec, Stack, Unmapped};
pub use batching::backend::{Batched, BatchedTensor};
