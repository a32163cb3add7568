//! The grad family: [`grad`], [`value_and_grad`], [`vjp`], [`jvp`], [`jacrev`], [`jacfwd`],
//! [`hessian`], to any order, on any [tree](crate::tree) of tensors.
//!
//! Each takes a [`Function`](crate::Function) and returns one, so they nest like JAX's, and
//! JAX's options are builder methods on the result: `.argnums(&[..])` (the top-level elements
//! of the input to differentiate), `.has_aux()` (the function returns `(output, aux)`),
//! `.looped()` (Jacobians one row per pass).
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{grad, Function};
//!
//! /// f(x) = x^3 (input and output of shape [1]).
//! struct Cube;
//! impl Function for Cube {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.clone() * x.clone() * x
//!     }
//! }
//!
//! let x = Tensor::<Flex, 1>::from_floats([2.0], &Default::default());
//! let d3 = grad(grad(grad(Cube))).call(x); // d^3/dx^3 x^3 = 6
//! assert_eq!(d3.into_scalar(), 6.0);
//! ```
//!
//! `grad(f)` runs `f` on `Autodiff<B>` and reads the gradient back on `B`; `grad(grad(f))`
//! runs `f` on `Autodiff<Autodiff<B>>`, whose backward pass is itself recorded by the outer
//! level. Burn documents first-order autodiff only; nested `Autodiff` computing exact higher
//! derivatives is checked here against finite differences (see the tests).
//!
//! Scalars are tensors of shape `[1]` (Burn has no rank-0 tensors). Jacobians are laid out as
//! JAX's ([`Jacobian`]).
//!
//! # Second and higher order through Burn's module operations
//! Burn 0.21's autodiff differentiates the backward pass of most operations, convolutions
//! included, but not that of its fused `linear` (which `nn::Linear::forward` calls), embedding,
//! pooling and interpolation operations: a second derivative through them panics with Burn's
//! "Can't differentiate ..." message. First derivatives are fine. [`linear`] is
//! `nn::Linear::forward` written with `matmul`, differentiable to any order; use it in
//! functions given to [`hessian`], [`jvp`], [`jacfwd`] (all reverse over reverse) or to nested
//! `grad`.
//!
//! # Division by a scalar in `f64`
//! Burn 0.21's autodiff takes the backward of `x / c` (`div_scalar`) as the product with `1 / c`
//! rounded to `f32`, so an `f64` derivative through it is off by about `3e-8` relative (the test
//! `burns_div_scalar_backward_rounds_to_f32` pins it). Where `f64` derivatives must be exact,
//! write `x.mul_scalar(1.0 / c)`.
//!
//! # Modules
//! Burn modules declared with [`tree_module!`](crate::tree_module), and Burn's layers, are trees:
//! `grad` of a loss in a model returns the model type holding the gradients. For any other
//! `#[derive(Module)]` trained with Burn's optimizers, [`value_and_grad_module`] returns Burn's
//! `GradientsParams`.

mod aux;
mod jacobian;
mod layout;
mod linear;
mod module;
mod options;
mod pass;
mod products;
mod value;

pub use aux::{AuxMode, HasAux, NoAux};
pub use jacobian::{hessian, jacfwd, jacrev, Hessian, Jacfwd, Jacrev};
pub use layout::{Jacobian, Raise};
pub use linear::linear;
pub use module::value_and_grad_module;
pub use products::{jvp, vjp, Jvp, Vjp};
pub use value::{grad, value_and_grad, Grad, ValueAndGrad};
