//! [`check_vmap`]: `vmap(f)` against the loop it replaces.

use burn::backend::Flex;
use burn::prelude::*;
use burnax::grad::Func;
use burnax::vmap::{looped, vmap, Vmap};

use crate::{assert_close, Tolerance};

/// Asserts that `vmap(f)` over axis `in_axis` of `xs`, stacked along `out_axis`, equals calling
/// `f` on each slice of `xs` and stacking the results ([`looped`]): same shape, values within
/// [`Tolerance::F32_REORDERED`] (a batched operation may sum in another order than the loop's).
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::Func;
/// use burnax_testing::check_vmap;
///
/// struct SoftMax;
/// impl Func<1, 1> for SoftMax {
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
    F: Func<I, O>,
    for<'a> Vmap<&'a F>: Func<J, P>,
{
    let shape = xs.dims();
    let got = vmap(f).in_axis(in_axis).out_axis(out_axis).call(xs.clone());
    let want: Tensor<Flex, P> = looped(f, xs, in_axis, out_axis);
    let what = format!("vmap over axis {in_axis} of an input of shape {shape:?}, out_axis {out_axis}");
    assert_eq!(got.dims(), want.dims(), "{what}: shapes differ (vmap, loop)");
    let want: Vec<f64> = want.into_data().iter::<f64>().collect();
    let got: Vec<f32> = got.into_data().iter::<f32>().collect();
    assert_close(&got, &want, Tolerance::F32_REORDERED, &what);
}
