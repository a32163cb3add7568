//! The [`Batched<B>`](backend::Batched) backend: its tensor, the helpers its rules are built
//! from ([`backend`], [`rules`] and the templates in `macros`), and one file of rules per Burn
//! operation trait.

pub(crate) mod backend;
#[macro_use]
mod macros;
mod activation;
mod bool;
mod float;
mod int;
mod module;
mod quantization;
mod rules;
