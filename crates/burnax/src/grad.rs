//! The grad family: [`grad`], [`value_and_grad`], [`jacrev`], [`hessian`], to any order.
//!
//! Rust closures cannot be generic over the backend, and a derivative must run the function on
//! another backend (`Autodiff<B>`) than the one it is called on. So a differentiable function is
//! a value implementing [`Func`], written once with a generic `call`; the transformations take a
//! `Func` and return one, and nest like JAX's:
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::grad::{grad, Func};
//!
//! /// f(x) = x^3 (input and output of shape [1]).
//! struct Cube;
//! impl Func<1, 1> for Cube {
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
//! Scalars are tensors of shape `[1]` (Burn has no rank-0 tensors).

use burn::backend::Autodiff;
use burn::prelude::*;

/// A pure function from a rank-`I` tensor to a rank-`O` tensor, callable on any backend.
pub trait Func<const I: usize, const O: usize> {
    /// Evaluates the function on backend `B`.
    fn call<B: Backend>(&self, x: Tensor<B, I>) -> Tensor<B, O>;
}

impl<T: Func<I, O>, const I: usize, const O: usize> Func<I, O> for &T {
    fn call<B: Backend>(&self, x: Tensor<B, I>) -> Tensor<B, O> {
        (*self).call(x)
    }
}

/// `f(x)` and its gradient, for a scalar-valued `f` (output shape `[1]`).
///
/// # Panics
/// If `f`'s output does not have shape `[1]`, naming the shape.
#[track_caller]
pub fn value_and_grad<F: Func<I, 1>, B: Backend, const I: usize>(
    f: &F,
    x: Tensor<B, I>,
) -> (Tensor<B, 1>, Tensor<B, I>) {
    let xa: Tensor<Autodiff<B>, I> = Tensor::from_inner(x.clone()).require_grad();
    let y = f.call::<Autodiff<B>>(xa.clone());
    assert_eq!(
        y.dims(),
        [1],
        "grad: the function must return a scalar (shape [1]), got shape {:?} for input shape {:?}",
        y.dims(),
        x.dims()
    );
    let grads = y.backward();
    // No gradient means the output does not depend on the input: the derivative is 0.
    let g = xa.grad(&grads).unwrap_or_else(|| x.zeros_like());
    (y.inner(), g)
}

/// The gradient of a scalar-valued function, itself a [`Func`] (`jax.grad`).
#[derive(Clone, Copy, Debug)]
pub struct Grad<F>(pub F);

/// `grad(f)`: the function `x -> df/dx (x)`, for `f` with output shape `[1]`.
pub fn grad<F>(f: F) -> Grad<F> {
    Grad(f)
}

impl<F: Func<I, 1>, const I: usize> Func<I, I> for Grad<F> {
    #[track_caller]
    fn call<B: Backend>(&self, x: Tensor<B, I>) -> Tensor<B, I> {
        value_and_grad(&self.0, x).1
    }
}

/// The Jacobian of a vector function by reverse mode, itself a [`Func`] (`jax.jacrev`).
#[derive(Clone, Copy, Debug)]
pub struct Jacrev<F>(pub F);

/// `jacrev(f)`: for `f` from `[n]` to `[m]`, the function `x -> J(x)` of shape `[m, n]`,
/// `J[i, j] = d f_i / d x_j`: one reverse pass per output.
pub fn jacrev<F>(f: F) -> Jacrev<F> {
    Jacrev(f)
}

/// Output `i` of `f`, as a scalar function.
struct Component<'a, F> {
    f: &'a F,
    i: usize,
}

impl<F: Func<1, 1>> Func<1, 1> for Component<'_, F> {
    fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
        self.f.call(x).narrow(0, self.i, 1)
    }
}

impl<F: Func<1, 1>> Func<1, 2> for Jacrev<F> {
    fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 2> {
        let [n] = x.dims();
        let [m] = self.0.call(x.clone()).dims();
        let rows: Vec<Tensor<B, 2>> = (0..m)
            .map(|i| grad(Component { f: &self.0, i }).call(x.clone()).reshape([1, n]))
            .collect();
        Tensor::cat(rows, 0)
    }
}

/// `hessian(f)`: for scalar `f` on `[n]`, the function `x -> H(x)` of shape `[n, n]`:
/// `jacrev(grad(f))`, reverse over reverse (nested `Autodiff`).
pub fn hessian<F>(f: F) -> Jacrev<Grad<F>> {
    jacrev(grad(f))
}
