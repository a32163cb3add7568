//! [`grad`] and [`value_and_grad`]: one reverse pass through a scalar function.

use core::marker::PhantomData;

use burn::prelude::*;

use super::aux::{AuxMode, NoAux};
use super::pass::{selected, value_and_grad_with, Options};
use crate::function::Function;
use crate::tree::{Leaf, On};

/// The gradient of a scalar function, itself a [`Function`] (`jax.grad`). Built by [`grad`].
#[derive(Clone, Debug)]
pub struct Grad<F, M = NoAux> {
    pub(super) f: F,
    pub(super) opts: Options,
    pub(super) _mode: PhantomData<M>,
}

/// `grad(f)`: the function `x -> df/dx (x)` for `f` with a scalar output (shape `[1]`), the
/// gradient in the input's structure (`jax.grad`).
///
/// - `.argnums(&[i, ..])`: differentiate only those top-level elements of the input (a tuple's
///   positions); the others get zeros (JAX returns only the selected ones: here the result keeps
///   the input's structure, which a Rust type needs);
/// - `.has_aux()`: `f` returns `(scalar, aux)`; the result is `(gradient, aux)`.
///
/// Higher derivatives by nesting: `grad(grad(f))` runs `f` on `Autodiff<Autodiff<B>>`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{grad, Function};
///
/// /// f(x) = x^3 (shape [1]).
/// struct Cube;
/// impl Function for Cube {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         x.clone() * x.clone() * x
///     }
/// }
/// let x = Tensor::<Flex, 1>::from_floats([2.0], &Default::default());
/// assert_eq!(grad(grad(grad(Cube))).call(x).into_scalar(), 6.0); // d^3/dx^3 x^3
/// ```
///
/// # Panics
/// Calling it panics if `f`'s scalar output does not have shape `[1]`, naming the shapes, or if
/// an `argnums` position is out of range.
pub fn grad<F: Function>(f: F) -> Grad<F> {
    Grad {
        f,
        opts: Options::default(),
        _mode: PhantomData,
    }
}

/// `f(x)` and its gradient, itself a [`Function`] (`jax.value_and_grad`). Built by
/// [`value_and_grad`].
#[derive(Clone, Debug)]
pub struct ValueAndGrad<F, M = NoAux> {
    pub(super) f: F,
    pub(super) opts: Options,
    pub(super) _mode: PhantomData<M>,
}

/// `value_and_grad(f)`: the function `x -> (f(x), df/dx (x))` (`jax.value_and_grad`), with the
/// options of [`grad`]. With `.has_aux()` the value is `f`'s whole output `(scalar, aux)`, as
/// JAX returns `((value, aux), grad)`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{value_and_grad, Function};
///
/// /// sum((x w + b)^2) for a fixed x, in (w, b); aux: the predictions.
/// struct Loss;
/// impl Function for Loss {
///     type In = (Leaf<2>, Leaf<1>);
///     type Out = (Leaf<1>, Leaf<2>);
///     fn call<B: Backend>(&self, (w, b): (Tensor<B, 2>, Tensor<B, 1>)) -> (Tensor<B, 1>, Tensor<B, 2>) {
///         let x = Tensor::<B, 2>::ones([1, 2], &w.device());
///         let pred = x.matmul(w) + b.unsqueeze();
///         (pred.clone().square().sum(), pred)
///     }
/// }
/// let d = Default::default();
/// let w = Tensor::<Flex, 2>::from_floats([[1.0], [2.0]], &d);
/// let b = Tensor::<Flex, 1>::from_floats([0.5], &d);
/// let ((loss, pred), (dw, db)) = value_and_grad(Loss).has_aux().call((w, b));
/// assert_eq!(loss.into_scalar(), 12.25); // (1 + 2 + 0.5)^2
/// assert_eq!(pred.into_data().to_vec::<f32>().unwrap(), [3.5]);
/// assert_eq!(db.into_scalar(), 7.0); // 2 * 3.5
/// assert_eq!(dw.into_data().to_vec::<f32>().unwrap(), [7.0, 7.0]);
/// ```
///
/// # Panics
/// As [`grad`].
pub fn value_and_grad<F: Function>(f: F) -> ValueAndGrad<F> {
    ValueAndGrad {
        f,
        opts: Options::default(),
        _mode: PhantomData,
    }
}

super::options::options!(Grad, ValueAndGrad);

impl<F: Function, M: AuxMode<F::Out, Primary = Leaf<1>>> Function for Grad<F, M> {
    type In = F::In;
    type Out = M::With<F::In>;

    #[track_caller]
    fn call<B: Backend>(&self, x: On<F::In, B>) -> On<Self::Out, B> {
        let selected = selected::<F::In, B>(&x, self.opts.argnums.as_deref(), "grad");
        let (y, g) = value_and_grad_with::<F, M, B>(&self.f, x, &selected, "grad");
        M::with::<B, F::In>(g, M::split::<B>(y).1)
    }
}

impl<F: Function, M: AuxMode<F::Out, Primary = Leaf<1>>> Function for ValueAndGrad<F, M> {
    type In = F::In;
    type Out = (F::Out, F::In);

    #[track_caller]
    fn call<B: Backend>(&self, x: On<F::In, B>) -> (On<F::Out, B>, On<F::In, B>) {
        let selected = selected::<F::In, B>(&x, self.opts.argnums.as_deref(), "value_and_grad");
        value_and_grad_with::<F, M, B>(&self.f, x, &selected, "value_and_grad")
    }
}
