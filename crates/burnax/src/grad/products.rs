//! [`vjp`] and [`jvp`]: a function's vector-Jacobian and Jacobian-vector products.

use core::marker::PhantomData;

use burn::prelude::*;

use super::aux::{AuxMode, HasAux, NoAux};
use super::pass::{jvp_with, vjp_with};
use crate::function::Function;
use crate::tree::{On, TreeDef};

/// `(x, v) -> (f(x), v^T J(x))`, itself a [`Function`] (`jax.vjp`, applied). Built by [`vjp`].
#[derive(Clone, Debug)]
pub struct Vjp<F, M = NoAux> {
    f: F,
    _mode: PhantomData<M>,
}

/// `vjp(f)`: the function `(x, v) -> (f(x), v^T J(x))`, the product being the gradient of
/// `sum over the output's leaves of sum(y_k * v_k)`, in the input's structure: one forward and
/// one reverse pass (`jax.vjp(f, x)` returns `f(x)` and the function `v -> v^T J`; here both come
/// from one call). With `.has_aux()`, `f` returns `(y, aux)`, `v` has `y`'s structure and the
/// result is `((y, v^T J), aux)`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{vjp, Function};
///
/// /// (a, b) -> (a * b, a + b), elementwise.
/// struct ProdSum;
/// impl Function for ProdSum {
///     type In = (Leaf<1>, Leaf<1>);
///     type Out = (Leaf<1>, Leaf<1>);
///     fn call<B: Backend>(&self, (a, b): (Tensor<B, 1>, Tensor<B, 1>)) -> (Tensor<B, 1>, Tensor<B, 1>) {
///         (a.clone() * b.clone(), a + b)
///     }
/// }
/// let d = Default::default();
/// let t = |v: [f32; 2]| Tensor::<Flex, 1>::from_floats(v, &d);
/// let x = (t([2.0, 3.0]), t([5.0, 7.0]));
/// let v = (t([1.0, 0.0]), t([0.0, 1.0])); // picks a_0 b_0 and a_1 + b_1
/// let (_, (da, db)) = vjp(ProdSum).call((x, v));
/// assert_eq!(da.into_data().to_vec::<f32>().unwrap(), [5.0, 1.0]);
/// assert_eq!(db.into_data().to_vec::<f32>().unwrap(), [2.0, 1.0]);
/// ```
///
/// # Panics
/// Calling it panics if `v` does not have the structure and leaf shapes of `f(x)`, naming the
/// leaf and both shapes.
pub fn vjp<F: Function>(f: F) -> Vjp<F> {
    Vjp {
        f,
        _mode: PhantomData,
    }
}

/// `(x, t) -> (f(x), J(x) t)`, itself a [`Function`] (`jax.jvp`). Built by [`jvp`].
#[derive(Clone, Debug)]
pub struct Jvp<F, M = NoAux> {
    f: F,
    _mode: PhantomData<M>,
}

/// `jvp(f)`: the function `(x, t) -> (f(x), J(x) t)` for a tangent `t` of `x`'s structure
/// (`jax.jvp(f, (x,), (t,))`). With `.has_aux()`, `f` returns `(y, aux)` and the result is
/// `((y, J t), aux)`.
///
/// Burn has reverse mode only, so the product is the transpose of a reverse pass (reverse over
/// reverse, nested `Autodiff`): about three times the cost of a forward pass, where true forward
/// mode would be about one. The results are exact all the same, and `jvp` nests like the rest:
/// a Hessian-vector product is `jvp(grad(f))`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{grad, jvp, Function};
///
/// /// f(x) = sum(x^3): gradient 3x^2, Hessian diag(6x).
/// struct SumCubes;
/// impl Function for SumCubes {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         x.clone().powi_scalar(3).sum()
///     }
/// }
///
/// let device = Default::default();
/// let x = Tensor::<Flex, 1>::from_floats([1.0, 2.0], &device);
/// let t = Tensor::<Flex, 1>::from_floats([1.0, -1.0], &device);
/// let (g, hv) = jvp(grad(SumCubes)).call((x, t)); // gradient and Hessian-vector product
/// assert_eq!(g.into_data().to_vec::<f32>().unwrap(), [3.0, 12.0]);
/// assert_eq!(hv.into_data().to_vec::<f32>().unwrap(), [6.0, -12.0]);
/// ```
///
/// # Panics
/// Calling it panics if `t` does not have the structure and leaf shapes of `x`, naming the leaf
/// and both shapes.
pub fn jvp<F: Function>(f: F) -> Jvp<F> {
    Jvp {
        f,
        _mode: PhantomData,
    }
}

macro_rules! has_aux {
    ($($t:ident),*) => {$(
        impl<F> $t<F, NoAux> {
            /// `f` returns `(output, aux)`: only `output` is differentiated, `aux` is returned
            /// beside the result (JAX's `has_aux=True`).
            pub fn has_aux(self) -> $t<F, HasAux> {
                $t { f: self.f, _mode: PhantomData }
            }
        }
    )*};
}

has_aux!(Vjp, Jvp);

impl<F: Function, M: AuxMode<F::Out>> Function for Vjp<F, M> {
    type In = (F::In, M::Primary);
    type Out = M::With<(M::Primary, F::In)>;

    #[track_caller]
    fn call<B: Backend>(&self, (x, v): (On<F::In, B>, On<M::Primary, B>)) -> On<Self::Out, B> {
        let all = vec![true; F::In::leaf_count::<B>(&x)];
        let (y, aux, _, g) = vjp_with::<F, M, B>(&self.f, x, &all, |_| v, "vjp");
        M::with::<B, (M::Primary, F::In)>((y, g), aux)
    }
}

impl<F: Function, M: AuxMode<F::Out>> Function for Jvp<F, M> {
    type In = (F::In, F::In);
    type Out = M::With<(M::Primary, M::Primary)>;

    #[track_caller]
    fn call<B: Backend>(&self, (x, t): (On<F::In, B>, On<F::In, B>)) -> On<Self::Out, B> {
        let (y, aux, jt) = jvp_with::<F, M, B>(&self.f, x, t, "jvp");
        M::with::<B, (M::Primary, M::Primary)>((y, jt), aux)
    }
}
