//! JAX's programming model for [Burn](https://burn.dev): function transformations and
//! splittable random keys over any Burn backend.
//!
//! A function is a value implementing [`Function`], written once with a backend-generic `call`;
//! every transformation takes one and returns one, so they nest as JAX's do:
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{grad, vmap, Function};
//!
//! /// f(x) = x^2, for one example of shape [1].
//! struct Square;
//! impl Function for Square {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.clone() * x
//!     }
//! }
//!
//! let d = Default::default();
//! let x = Tensor::<Flex, 1>::from_floats([3.0], &d);
//! assert_eq!(grad(Square).call(x.clone()).into_scalar(), 6.0);
//! assert_eq!(grad(grad(Square)).call(x).into_scalar(), 2.0);
//! // Per-example gradients: d/dx x^2 at 1, 2, 3.
//! let xs = Tensor::<Flex, 2>::from_floats([[1.0], [2.0], [3.0]], &d);
//! let g = vmap(grad(Square)).call(xs);
//! assert_eq!(g.into_data().to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0]);
//! ```
//!
//! | module | what | status |
//! |---|---|---|
//! | [`function`] | [`Function`], the one trait every transformation takes and returns | done |
//! | [`error`] | [`Error`] (an operation without a rule, a host read, trees that do not fit); [`try_call`] returns it instead of panicking | done |
//! | [`grad`](mod@grad) | [`grad()`], [`value_and_grad`], [`vjp`], [`jvp`], [`jacrev`], [`jacfwd`], [`hessian`] with `.argnums`, `.has_aux` (and `.looped` for Jacobians), any order by nesting `Autodiff`, on trees; Jacobians and Hessians in one pass batched by [`vmap()`], laid out as JAX's; [`grad::value_and_grad_module`] for Burn's optimizers | done; `jvp` is reverse over reverse (Burn has no forward mode); Burn cannot differentiate its fused `linear`, embedding and pooling twice ([`grad::linear`] can) |
//! | [`vmap`](mod@vmap) | [`vmap()`] with `.in_axes`, `.out_axes` (JAX's specs: integers, `None`, tuples), `.axis_size`, `.sequential`; the [`vmap::Batched`] backend decorator with a batching rule per operation; composes with the grad family and itself | done (see its limits) |
//! | [`random`] | `threefry2x32` keys: `key`, `split`, `fold_in`, `bits`, `uniform`, `normal`, `permutation`, equal to `jax.random` | done |
//! | [`jit`](mod@jit) | [`jit()`]: traced once per signature (shapes, dtypes, devices, statics), replayed without the Rust body; dead code, constant folding, moves on last use; on Flex, elementwise chains and their sums fused into one pass on every core; `.capacity`, `.eager_on_host_read`, `.without_fusion`, `.cached`; composes with the grad family, `vmap` and itself | done; no fusion on other backends yet (replay only), no fusion of matmul epilogues or broadcasts |
//! | [`control`] | `fori_loop`, `scan`, `cond`, `switch`, `while_loop`, `while_loop_bounded`, usable under every transformation (`while_loop` not under `jit`/`vmap`) | done |
//! | [`tree`] | trees of tensors (tuples, arrays, `Vec`, `Option`; Burn's layers, and modules declared with [`tree_module!`]), JAX's pytrees | done; `LayerNorm`, recurrent layers and `BatchNorm` have no structure yet |
//! | [`pmap`](mod@pmap) | [`pmap()`] with `.axis_name`, `.in_axes`, `.out_axes`, `.devices`, `.communicator`; collectives [`psum`], [`pmean`], [`pmax`], [`pmin`], [`all_gather`], [`ppermute`], [`axis_index`], [`axis_size`] by axis name, folded in rank order (the same bits every run); threads on one host, MPI across processes ([`burnax_comm`]); composes with the grad family, `vmap` and `jit` | done; collectives have no gradient rule yet (take `pmean` of per-shard gradients), and go through the host |
//!
//! Coming from JAX? The [`guide`] maps each JAX call of the playbook to its equivalent.
//!
//! The transformations are backend decorators, the way `Autodiff<B>` is one: `grad` runs a
//! function on `Autodiff<B>`, `vmap` on [`vmap::Batched<B>`], `jit` traces it on
//! [`jit::Traced<B>`], so they nest in any order.
#![warn(missing_docs)]

#[doc(hidden)]
pub use burn as __burn;

pub mod control;
pub mod error;
pub mod function;
pub mod grad;
pub mod guide;
pub mod jit;
pub mod pmap;
pub mod random;
pub mod tree;
pub mod vmap;

pub use error::Error;
pub use function::{try_call, Function};
pub use grad::{grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp};
pub use jit::jit;
pub use pmap::{all_gather, axis_index, axis_size, pmap, pmax, pmean, pmin, ppermute, psum};
pub use vmap::vmap;
