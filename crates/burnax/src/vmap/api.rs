//! [`vmap`]: the transformation and its options.

use burn::prelude::*;

use super::axes::AxisSpec;
use super::batching::backend::Batched;
use crate::error::mismatch;
use crate::function::Function;
use crate::tree::On;

/// `f` mapped over an axis of its inputs, itself a [`Function`] (`jax.vmap`). Built by [`vmap`].
#[derive(Clone, Copy, Debug)]
pub struct Vmap<F, IA = usize, OA = usize> {
    f: F,
    in_axes: IA,
    out_axes: OA,
    axis_size: Option<usize>,
    sequential: bool,
}

/// `vmap(f)`: the function that applies `f` to every slice of its input along axis 0 and stacks
/// the results along axis 0, in one batched call (see the [module docs](super)). Options as
/// JAX's: [`in_axes`](Vmap::in_axes), [`out_axes`](Vmap::out_axes),
/// [`axis_size`](Vmap::axis_size); and [`sequential`](Vmap::sequential), a loop for functions
/// that cannot be batched.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{vmap, Function};
///
/// /// One example x (a vector) against shared weights w: (w^T x, |x|^2).
/// struct Layer;
/// impl Function for Layer {
///     type In = (Leaf<1>, Leaf<2>);
///     type Out = (Leaf<1>, Leaf<1>);
///     fn call<B: Backend>(&self, (x, w): (Tensor<B, 1>, Tensor<B, 2>)) -> (Tensor<B, 1>, Tensor<B, 1>) {
///         let [d] = x.dims();
///         let y = x.clone().reshape([1, d]).matmul(w).flatten(0, 1);
///         (y, x.square().sum())
///     }
/// }
///
/// let device = Default::default();
/// let xs = Tensor::<Flex, 2>::from_floats([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], &device);
/// let w = Tensor::<Flex, 2>::from_floats([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], &device);
/// // in_axes = (0, None); out_axes = 0 for both outputs
/// let (ys, sq) = vmap(Layer).in_axes((0, None)).call((xs, w));
/// assert_eq!(ys.dims(), [3, 3]);
/// assert_eq!(sq.into_data().to_vec::<f32>().unwrap(), [1.0, 4.0, 2.0]);
/// ```
///
/// # Panics
/// Calling it panics if the mapped inputs disagree on the batch size, if nothing is mapped and no
/// `axis_size` is given, or if an axis is out of range, naming the sizes or the axis and shape.
pub fn vmap<F: Function>(f: F) -> Vmap<F> {
    Vmap {
        f,
        in_axes: 0,
        out_axes: 0,
        axis_size: None,
        sequential: false,
    }
}

impl<F, IA, OA> Vmap<F, IA, OA> {
    /// Which inputs are mapped, and along which axis (JAX's `in_axes`): an integer for every
    /// leaf, `None` for none, a tuple (or `Vec`, array) of specs for the elements; see
    /// [`axes`](super::axes).
    pub fn in_axes<A>(self, in_axes: A) -> Vmap<F, A, OA> {
        Vmap {
            f: self.f,
            in_axes,
            out_axes: self.out_axes,
            axis_size: self.axis_size,
            sequential: self.sequential,
        }
    }

    /// Where each output's batch axis goes (JAX's `out_axes`); `None` for an output that is the
    /// same for every example.
    pub fn out_axes<A>(self, out_axes: A) -> Vmap<F, IA, A> {
        Vmap {
            f: self.f,
            in_axes: self.in_axes,
            out_axes,
            axis_size: self.axis_size,
            sequential: self.sequential,
        }
    }

    /// The batch size, for when no input is mapped (JAX's `axis_size`): mapped outputs are then
    /// the same result repeated `n` times.
    pub fn axis_size(mut self, n: usize) -> Self {
        self.axis_size = Some(n);
        self
    }

    /// Opts into running `f` once per example and stacking the results, for functions that have
    /// no batching rule (they read data on the host, or use an operation without a rule). Slow:
    /// one call, and its launches, per example. The result is the same, except that random draws
    /// inside `f` are made per example here and once for the batch in the batched form; an
    /// unmapped output must then be equal for every example.
    pub fn sequential(mut self) -> Self {
        self.sequential = true;
        self
    }
}

impl<F: Function, IA: AxisSpec<F::In>, OA: AxisSpec<F::Out>> Function for Vmap<F, IA, OA> {
    type In = IA::Stacked;
    type Out = OA::Stacked;

    #[track_caller]
    fn call<B: Backend>(&self, x: On<IA::Stacked, B>) -> On<OA::Stacked, B> {
        let mut sizes = Vec::new();
        self.in_axes.sizes::<B>(&x, &mut sizes);
        sizes.extend(self.axis_size);
        let Some(&n) = sizes.first() else {
            mismatch(
                "vmap",
                "no input is mapped; give the batch size with `.axis_size(n)`".into(),
            )
        };
        if sizes.iter().any(|&s| s != n) {
            let detail = format!("the mapped inputs (and axis_size) disagree on the batch size: {sizes:?}");
            mismatch("vmap", detail);
        }
        if self.sequential {
            if n == 0 {
                mismatch("vmap", "the mapped inputs have no examples".into());
            }
            let ys = (0..n)
                .map(|i| self.f.call::<B>(self.in_axes.example::<B>(&x, i)))
                .collect();
            return self.out_axes.stack_all::<B>(ys);
        }
        let y = self.f.call::<Batched<B>>(self.in_axes.split::<B>(x));
        self.out_axes.stack::<B>(y, n)
    }
}
