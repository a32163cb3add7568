//! JAX's counter-based PRNG, `threefry2x32`, bit for bit.
//!
//! Keys are split, never mutated: a function that needs randomness takes a [`Key`], and
//! [`split`] or [`fold_in`] derive independent keys from it. The same key always gives the same
//! numbers, on any backend and any machine, and the same numbers as `jax.random` under JAX's
//! defaults (jax 0.10: `jax_threefry_partitionable=True`, 64-bit mode off) for the same key and
//! shape. [`legacy`] reproduces the older non-partitionable stream.
//!
//! ```
//! use burn::backend::Flex;
//! use burnax::random;
//!
//! let key = random::key(0);
//! let [k1, k2]: [random::Key; 2] = random::split(key, 2).try_into().unwrap();
//! let x = random::normal::<Flex, 2>(k1, [3, 4], &Default::default());
//! let u = random::uniform::<Flex, 1>(k2, [5], &Default::default());
//! assert_eq!(x.dims(), [3, 4]);
//! // jax.random.split(jax.random.key(0)) gives the same words.
//! assert_eq!(k1.data(), [1797259609, 2579123966]);
//! ```
//!
//! # Design
//! Keys are two `u32` words on the host: deriving one is a single 20-round hash, far cheaper than
//! a device round trip. Sampling runs as Burn tensor operations on the device: the hash over all
//! counters at once, in 64-bit integer tensors holding 32-bit values (so additions never
//! overflow). The backend's int tensors must therefore support `i64` (`Flex`, `Cuda`).
//!
//! | function | JAX | equality |
//! |---|---|---|
//! | [`key`], [`split`], [`fold_in`], [`bits`], [`uniform`], [`permutation`] | same name | bit for bit (fixture tests) |
//! | [`normal`] | `jax.random.normal` | bit for bit on `Flex` (fixture test): XLA's inverse error function and its CPU `log1p` are reproduced, polynomials and fused multiply-adds included. GPU backends may round `f32` division and `log` differently |

pub mod legacy;
mod sample;
mod threefry;
mod xla;

pub use sample::{bits, fold_in, key, normal, permutation, split, uniform, uniform_range};
pub use threefry::{threefry2x32, Key};
