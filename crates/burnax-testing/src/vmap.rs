//! [`check_vmap`]: `vmap(f)` against the loop it replaces, and [`looped`], that loop.

use burn::backend::Flex;
use burn::prelude::*;
use burnax::tree::Leaf;
use burnax::vmap::Stack;
use burnax::{vmap, Function};

use crate::{assert_close, Tolerance};

/// `f` applied to each slice of `xs` along `in_axis`, stacked along `out_axis`: the plain loop
/// that `vmap` replaces, written here apart from burnax (whose `.sequential()` is checked against
/// it too).
///
/// # Panics
/// If an axis is out of range or `xs` has no example along `in_axis`.
#[track_caller]
pub fn looped<F, const I: usize, const O: usize, const J: usize, const P: usize>(
    f: &F,
    xs: Tensor<Flex, J>,
    in_axis: usize,
    out_axis: usize,
) -> Tensor<Flex, P>
where
    F: Function<In = Leaf<I>, Out = Leaf<O>>,
{
    assert!(
        in_axis < J && out_axis < P,
        "looped: axes {in_axis}, {out_axis} for ranks {J}, {P}"
    );
    assert_eq!(
        (I + 1, O + 1),
        (J, P),
        "looped: ranks {I} -> {O} map to {J} -> {P}"
    );
    let n = xs.dims()[in_axis];
    assert!(
        n > 0,
        "looped: no examples along axis {in_axis} of {:?}",
        xs.dims()
    );
    let ys: Vec<Tensor<Flex, O>> = (0..n)
        .map(|i| f.call(xs.clone().narrow(in_axis, i, 1).squeeze_dim::<I>(in_axis)))
        .collect();
    Tensor::stack(ys, out_axis)
}

/// Asserts that `vmap(f)` over axis `in_axis` of `xs`, stacked along `out_axis`, equals calling
/// `f` on each slice of `xs` and stacking the results ([`looped`]): same shape, values within
/// [`Tolerance::F32_REORDERED`] (a batched operation may sum in another order than the loop's).
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::Function;
/// use burnax_testing::check_vmap;
///
/// struct SoftMax;
/// impl Function for SoftMax {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         let e = x.exp();
///         e.clone() / e.sum()
///     }
/// }
/// let xs = Tensor::<Flex, 2>::from_floats([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]], &Default::default());
/// check_vmap::<_, 1, 1, 2, 2>(&SoftMax, xs.clone(), 0, 0);
/// check_vmap::<_, 1, 1, 2, 2>(&SoftMax, xs, 1, 1); // map over columns, stack as columns
/// ```
///
/// # Panics
/// If the shapes differ or an element is outside the tolerance, naming the axes and the element.
#[track_caller]
pub fn check_vmap<F, const I: usize, const O: usize, const J: usize, const P: usize>(
    f: &F,
    xs: Tensor<Flex, J>,
    in_axis: usize,
    out_axis: usize,
) where
    F: Function<In = Leaf<I>, Out = Leaf<O>>,
    Leaf<I>: Stack<Stacked = Leaf<J>>,
    Leaf<O>: Stack<Stacked = Leaf<P>>,
{
    let shape = xs.dims();
    let got = vmap(f).in_axes(in_axis).out_axes(out_axis).call(xs.clone());
    let want: Tensor<Flex, P> = looped(f, xs, in_axis, out_axis);
    let what = format!("vmap over axis {in_axis} of an input of shape {shape:?}, out_axis {out_axis}");
    assert_eq!(got.dims(), want.dims(), "{what}: shapes differ (vmap, loop)");
    let want: Vec<f64> = want.into_data().iter::<f64>().collect();
    let got: Vec<f32> = got.into_data().iter::<f32>().collect();
    assert_close(&got, &want, Tolerance::F32_REORDERED, &what);
}
