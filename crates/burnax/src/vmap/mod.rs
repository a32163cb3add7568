//! `vmap`: write a function for one example, run it on a batch (`jax.vmap`).
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::grad::Func;
//! use burnax::vmap::vmap;
//!
//! /// The norm of one vector.
//! struct Norm;
//! impl Func<1, 1> for Norm {
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.square().sum().sqrt()
//!     }
//! }
//!
//! let rows = Tensor::<Flex, 2>::from_floats([[3.0, 4.0], [6.0, 8.0], [0.0, 1.0]], &Default::default());
//! let norms: Tensor<Flex, 2> = vmap(Norm).call(rows); // one norm per row: [3, 1]
//! assert_eq!(norms.into_data().to_vec::<f32>().unwrap(), [5.0, 10.0, 1.0]);
//! ```
//!
//! # How it works
//! The function runs once, on the [`Batched<B>`] backend, a decorator like `Autodiff<B>`: each of
//! its tensors holds the inner backend's tensor with the batch axis in front, and reports the
//! shape of one example. Every operation has a batching rule that places that axis (elementwise
//! operations broadcast it, reductions and indexing shift their axis past it, a matmul against a
//! shared matrix folds the batch into the rows, a per-example `select` becomes a `gather`, ...),
//! so the batch runs as the same few large operations a hand-batched version would: this is no
//! loop. Tensors that do not depend on a mapped input stay unbatched (JAX's `in_axes=None`).
//!
//! Because the transformations are backend decorators they compose in any order:
//! - `vmap(grad(f))`: per-example gradients (`Autodiff<Batched<B>>`);
//! - `grad` of a function that calls `vmap(f)` (`Batched<Autodiff<B>>`);
//! - `vmap(vmap(f))`: one `Batched` level per axis.
//!
//! # Limits
//! - A vmapped function cannot read tensor data on the host (`into_data`, `into_scalar`) from a
//!   tensor that varies along the batch, nor use data-dependent shapes (`argwhere`, `nonzero`):
//!   each example would need its own answer. It panics, naming the operation.
//! - Operations without a rule for a batched operand panic naming the operation: deformable
//!   convolution, quantization of a batched tensor, and convolution with per-example weights.
//! - Per-example weight gradients of convolutions (`vmap(grad(..))` of a CNN's loss in its
//!   weights) run one weight backward per example: correct, not batched.
//! - Random draws inside the function (Burn's `Tensor::random`) happen once, unbatched, and are
//!   shared by every example, as in JAX with an unbatched key. For per-example noise, map over
//!   noise drawn outside (e.g. with [`random`](crate::random) and one key per example).
//! - Where a function cannot be batched, [`Vmap::sequential`] (and [`VmapTree::sequential`]) opts
//!   into a loop over the examples (slow: one call per example).
//!
//! Functions of trees of tensors, with JAX's `in_axes` (a mapped axis or none per input) and
//! `out_axes`, go through [`vmap_tree`].

mod backend;
#[macro_use]
mod macros;
mod bool;
mod float;
mod int;
mod other;
mod rules;
mod tree;

use burn::prelude::*;
use burn::tensor::TensorPrimitive;

pub(crate) use backend::example;
pub use backend::{Batched, BatchedTensor};
pub(crate) use tree::ToBatched;
pub use tree::{vmap_tree, Axes, Mapped, Shared, TreeFn, VmapTree};

use crate::grad::Func;

/// Moves `xs` onto [`Batched<B>`], mapped along `axis`: the result reports the shape of one
/// example (rank `I = J - 1`). Returns the batch size with it.
///
/// # Panics
/// If `I + 1 != J` or `axis >= J`, naming both.
#[track_caller]
pub fn batch<B: Backend, const J: usize, const I: usize>(
    xs: Tensor<B, J>,
    axis: usize,
) -> (Tensor<Batched<B>, I>, usize) {
    assert_eq!(
        I + 1,
        J,
        "vmap: a rank-{J} input maps to a rank-{} example, not rank {I}",
        J - 1
    );
    assert!(
        axis < J,
        "vmap: in_axis {axis} is out of range for an input of rank {J} (shape {:?})",
        xs.dims()
    );
    let xs = if axis == 0 { xs } else { xs.movedim(axis, 0) };
    let n = xs.dims()[0];
    let inner = xs.into_primitive().tensor();
    let batched = BatchedTensor { inner, size: Some(n) };
    (Tensor::from_primitive(TensorPrimitive::Float(batched)), n)
}

/// Moves `x` onto [`Batched<B>`] as the same for every example (JAX's `in_axes=None`).
pub(crate) fn shared<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<Batched<B>, D> {
    Tensor::from_primitive(TensorPrimitive::Float(BatchedTensor::plain(
        x.into_primitive().tensor(),
    )))
}

/// Moves a result off [`Batched<B>`], its batch axis (size `n`) at `axis`: the inverse of
/// [`batch`]. A result that does not vary along the batch is broadcast to it, as JAX does with
/// `out_axes` set.
///
/// # Panics
/// If `O + 1 != P`, `axis >= P`, or the result is batched with another size than `n`.
#[track_caller]
pub fn unbatch<B: Backend, const O: usize, const P: usize>(
    y: Tensor<Batched<B>, O>,
    n: usize,
    axis: usize,
) -> Tensor<B, P> {
    assert_eq!(
        O + 1,
        P,
        "vmap: a rank-{O} result stacks to rank {}, not rank {P}",
        O + 1
    );
    assert!(
        axis < P,
        "vmap: out_axis {axis} is out of range for an output of rank {P}"
    );
    let BatchedTensor { inner, size } = y.into_primitive().tensor();
    let ys: Tensor<B, P> = match size {
        Some(m) => {
            assert_eq!(
                m, n,
                "vmap: the result is batched with size {m}, the inputs with size {n}"
            );
            Tensor::from_primitive(TensorPrimitive::Float(inner))
        }
        None => {
            let one: Tensor<B, P> = Tensor::<B, O>::from_primitive(TensorPrimitive::Float(inner)).unsqueeze();
            let mut dims = one.dims();
            dims[0] = n;
            one.expand(dims)
        }
    };
    if axis == 0 {
        ys
    } else {
        ys.movedim(0, axis)
    }
}

/// `vmap(f)`: `f` mapped over an axis of its input, itself a [`Func`] of one rank more
/// (`jax.vmap`). Built by [`vmap`].
#[derive(Clone, Copy, Debug)]
pub struct Vmap<F> {
    f: F,
    in_axis: usize,
    out_axis: usize,
    sequential: bool,
}

/// `vmap(f)`: the function that applies `f` to every slice of its input along axis 0 and stacks
/// the results along axis 0. See the [module docs](self).
pub fn vmap<F>(f: F) -> Vmap<F> {
    Vmap {
        f,
        in_axis: 0,
        out_axis: 0,
        sequential: false,
    }
}

impl<F> Vmap<F> {
    /// Maps over input axis `axis` (JAX's `in_axes`).
    pub fn in_axis(mut self, axis: usize) -> Self {
        self.in_axis = axis;
        self
    }

    /// Stacks the results along `axis` (JAX's `out_axes`).
    pub fn out_axis(mut self, axis: usize) -> Self {
        self.out_axis = axis;
        self
    }

    /// Opts into running `f` once per example and stacking the results, for functions that have
    /// no batching rule (they read data on the host, or use an operation without a rule). Slow:
    /// one call, and its launches, per example. The result is the same, except that random draws
    /// inside `f` are made per example here and once for the batch in the batched form.
    pub fn sequential(mut self) -> Self {
        self.sequential = true;
        self
    }
}

impl<F> Vmap<F> {
    #[track_caller]
    fn run<B: Backend, const I: usize, const O: usize, const J: usize, const P: usize>(
        &self,
        xs: Tensor<B, J>,
    ) -> Tensor<B, P>
    where
        F: Func<I, O>,
    {
        if self.sequential {
            return looped(&self.f, xs, self.in_axis, self.out_axis);
        }
        let (x, n) = batch::<B, J, I>(xs, self.in_axis);
        unbatch(self.f.call(x), n, self.out_axis)
    }
}

/// `f` applied to each slice of `xs` along `in_axis`, stacked along `out_axis`: the loop that
/// [`Vmap::sequential`] runs and that `vmap` is checked against.
///
/// # Panics
/// If `in_axis` or `out_axis` is out of range, or `xs` has no example along `in_axis`.
#[track_caller]
pub fn looped<F: Func<I, O>, B: Backend, const I: usize, const O: usize, const J: usize, const P: usize>(
    f: &F,
    xs: Tensor<B, J>,
    in_axis: usize,
    out_axis: usize,
) -> Tensor<B, P> {
    assert!(
        in_axis < J,
        "vmap: in_axis {in_axis} is out of range for an input of rank {J}"
    );
    assert!(
        out_axis < P,
        "vmap: out_axis {out_axis} is out of range for an output of rank {P}"
    );
    let n = xs.dims()[in_axis];
    assert!(
        n > 0,
        "vmap: the input has no examples along axis {in_axis} (shape {:?})",
        xs.dims()
    );
    let ys: Vec<Tensor<B, O>> = (0..n)
        .map(|i| f.call(xs.clone().narrow(in_axis, i, 1).squeeze_dim::<I>(in_axis)))
        .collect();
    Tensor::stack(ys, out_axis)
}

/// `Vmap<F>` is a `Func` one rank up from `F`, for ranks up to 6 (Rust cannot yet write `I + 1`
/// in a type, so each pair of ranks is spelled out).
macro_rules! vmap_func {
    ($(($i:literal, $j:literal)),*) => {
        vmap_func!(@outer [$(($i, $j)),*] [$(($i, $j)),*]);
    };
    (@outer [$(($i:literal, $j:literal)),*] $outs:tt) => {
        $(vmap_func!(@inner ($i, $j) $outs);)*
    };
    (@inner ($i:literal, $j:literal) [$(($o:literal, $p:literal)),*]) => {
        $(
            impl<F: Func<$i, $o>> Func<$j, $p> for Vmap<F> {
                #[track_caller]
                fn call<B: Backend>(&self, xs: Tensor<B, $j>) -> Tensor<B, $p> {
                    self.run::<B, $i, $o, $j, $p>(xs)
                }
            }
        )*
    };
}

vmap_func!((1, 2), (2, 3), (3, 4), (4, 5), (5, 6));
