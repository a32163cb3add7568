//! The [`Traced<B>`](backend::Traced) backend: its tensor and `Backend` impl ([`backend`]), and
//! one file of recorded operations per Burn operation trait.

mod activation;
pub(crate) mod backend;
mod bool;
mod float;
mod int;
mod module;
mod quantization;
