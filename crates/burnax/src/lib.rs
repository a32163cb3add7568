//! JAX's programming model for [Burn](https://burn.dev): function transformations and
//! splittable random keys over any Burn backend.
//!
//! ```
//! use burn::backend::Flex;
//! use burnax::random;
//!
//! let key = random::key(0);
//! let keys = random::split(key, 2);
//! let x = random::normal::<Flex, 1>(keys[0], [10_000], &Default::default());
//! let mean = x.clone().mean().into_scalar();
//! assert!(mean.abs() < 0.05);
//! ```
//!
//! | module | what | status |
//! |---|---|---|
//! | [`random`] | `threefry2x32` keys: `key`, `split`, `fold_in`, `bits`, `uniform`, `normal`, `permutation`, equal to `jax.random` | done |
//! | [`grad`] | `grad`, `value_and_grad`, `vjp`, `jvp`, `jacrev`, `jacfwd`, `hessian` on [`grad::Func`]s, any order by nesting `Autodiff`; the same over [`tree`]s (`*_tree`, with `argnums` and `has_aux`); Jacobians and Hessians in one pass batched by [`vmap`]; [`grad::value_and_grad_module`] for Burn modules | done; `jvp` is reverse over reverse (Burn has no forward mode); Burn cannot differentiate its fused `linear`, embedding and pooling twice ([`grad::linear`] can) |
//! | [`control`] | `fori_loop`, `scan`, usable under `grad` | done |
//! | [`tree`] | trees of tensors (tuples, arrays, `Vec`, `Option`; Burn's layers, and modules declared with [`tree_module!`]), JAX's pytrees | done; `LayerNorm`, recurrent layers and `BatchNorm` have no structure yet |
//! | [`vmap`] | `vmap` over an axis, `vmap_tree` with `in_axes`/`out_axes` over trees; the [`vmap::Batched`] backend decorator with a batching rule per operation; composes with the grad family and itself | done (see its limits) |
//! | `jit`, `pmap` | tracing and replay; data parallelism | not yet |
//!
//! Coming from JAX? The [`guide`] maps each JAX call of the playbook to its equivalent.
//!
//! The transformations are backend decorators, the way `Autodiff<B>` is one: `grad` runs a
//! function on `Autodiff<B>`, `vmap` on [`vmap::Batched<B>`], so they nest in any order.
#![warn(missing_docs)]

#[doc(hidden)]
pub use burn as __burn;

pub mod control;
pub mod grad;
pub mod guide;
pub mod random;
pub mod tree;
pub mod vmap;
