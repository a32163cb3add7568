//! JAX's function transformations for [Burn](https://burn.dev): `grad`, `value_and_grad`,
//! `jacrev`, `jacfwd`, `hessian`, `vmap`, `jit`, `pmap`, splittable PRNG keys and trees of
//! tensors, over any Burn backend.
//!
//! **Status: not implemented yet.** This crate currently exports nothing; the transformations
//! are planned as backend decorators (`Autodiff<B>` for the grad family, a `Batched<B>` for
//! `vmap`), see the project's `DESIGN.md`. Until they land, the self-organizing maps of the
//! companion crate `burnax-som` are the part of the project that works.
#![warn(missing_docs)]
