//! The layout of a Jacobian, as JAX's: for an output of structure `Out` and an input of
//! structure `In`, the Jacobian has `Out`'s structure, and each output leaf of shape `So` holds
//! a tree of `In`'s structure whose leaf for an input leaf of shape `Si` has shape `So ++ Si`.
//! A function from `[n]` to `[m]` has an `[m, n]` Jacobian; one from `(W [2, 3], x [3])` to
//! `y [2]` has `(dy/dW [2, 2, 3], dy/dx [2, 3])`.
//!
//! Rust cannot add ranks in a type, so [`Raise`] spells out the leaf ranks (output rank plus
//! input rank up to 8), and the containers (tuples, arrays, `Vec`, `Option`, `()`) recurse.
//! Modules' parameters ([`ParamLeaf`](crate::tree::ParamLeaf)) have no raised form: the
//! Jacobian in a module's parameters is not a module, so Jacobians take plain tensor trees.

use burn::prelude::*;
use burn::tensor::ops::FloatTensor;
use burn::tensor::TensorPrimitive;

use crate::tree::{Leaf, On, Static, TreeDef};

/// Input structures whose leaves can take `R` axes more in front: the blocks of a Jacobian
/// against them, for an output leaf of rank `R`.
pub trait Raise<const R: usize>: TreeDef {
    /// The structure with every leaf's rank raised by `R`.
    type Raised: TreeDef;

    /// The raised tree, `like`'s structure with each leaf the next tensor of `next` (leaves in
    /// order), whose shape the caller has made right.
    fn raise<B: Backend>(like: &On<Self, B>, next: &mut dyn FnMut() -> FloatTensor<B>)
        -> On<Self::Raised, B>;
}

/// Output structures whose Jacobian against inputs of structure `I` has a type (see the
/// [layout](crate::grad::Jacobian) described in the `grad` docs).
pub trait Jacobian<I: TreeDef>: TreeDef {
    /// The Jacobian's structure.
    type Of: TreeDef;

    /// The Jacobian of output `y` against input `x`, from `block(k, l)`: the block of output
    /// leaf `k` (counted from `*k`, leaves in order) against input leaf `l`, of shape
    /// `So_k ++ Si_l`.
    fn assemble<B: Backend>(
        y: &On<Self, B>,
        x: &On<I, B>,
        k: &mut usize,
        block: &mut dyn FnMut(usize, usize) -> FloatTensor<B>,
    ) -> On<Self::Of, B>;
}

macro_rules! raise_leaf {
    ($(($r:literal, $d:literal, $s:literal)),* $(,)?) => {$(
        impl Raise<$r> for Leaf<$d> {
            type Raised = Leaf<$s>;
            fn raise<B: Backend>(_: &Tensor<B, $d>, next: &mut dyn FnMut() -> FloatTensor<B>) -> Tensor<B, $s> {
                Tensor::from_primitive(TensorPrimitive::Float(next()))
            }
        }
    )*};
}

raise_leaf!(
    (1, 1, 2),
    (1, 2, 3),
    (1, 3, 4),
    (1, 4, 5),
    (1, 5, 6),
    (1, 6, 7),
    (2, 1, 3),
    (2, 2, 4),
    (2, 3, 5),
    (2, 4, 6),
    (2, 5, 7),
    (2, 6, 8),
    (3, 1, 4),
    (3, 2, 5),
    (3, 3, 6),
    (3, 4, 7),
    (3, 5, 8),
    (4, 1, 5),
    (4, 2, 6),
    (4, 3, 7),
    (4, 4, 8),
    (5, 1, 6),
    (5, 2, 7),
    (5, 3, 8),
    (6, 1, 7),
    (6, 2, 8)
);

impl<const R: usize> Raise<R> for () {
    type Raised = ();
    fn raise<B: Backend>(_: &(), _: &mut dyn FnMut() -> FloatTensor<B>) {}
}

impl<const R: usize, T: Clone + Send + core::fmt::Debug> Raise<R> for Static<T> {
    type Raised = Static<T>;
    fn raise<B: Backend>(like: &T, _: &mut dyn FnMut() -> FloatTensor<B>) -> T {
        like.clone()
    }
}

impl<const R: usize, T: Raise<R>> Raise<R> for Option<T> {
    type Raised = Option<T::Raised>;
    fn raise<B: Backend>(
        like: &On<Self, B>,
        next: &mut dyn FnMut() -> FloatTensor<B>,
    ) -> On<Self::Raised, B> {
        like.as_ref().map(|t| T::raise::<B>(t, next))
    }
}

impl<const R: usize, T: Raise<R>> Raise<R> for Vec<T> {
    type Raised = Vec<T::Raised>;
    fn raise<B: Backend>(
        like: &On<Self, B>,
        next: &mut dyn FnMut() -> FloatTensor<B>,
    ) -> On<Self::Raised, B> {
        like.iter().map(|t| T::raise::<B>(t, next)).collect()
    }
}

impl<const R: usize, T: Raise<R>, const N: usize> Raise<R> for [T; N] {
    type Raised = [T::Raised; N];
    fn raise<B: Backend>(
        like: &On<Self, B>,
        next: &mut dyn FnMut() -> FloatTensor<B>,
    ) -> On<Self::Raised, B> {
        core::array::from_fn(|i| T::raise::<B>(&like[i], next))
    }
}

impl<const O: usize, I: Raise<O>> Jacobian<I> for Leaf<O> {
    type Of = I::Raised;
    fn assemble<B: Backend>(
        _: &Tensor<B, O>,
        x: &On<I, B>,
        k: &mut usize,
        block: &mut dyn FnMut(usize, usize) -> FloatTensor<B>,
    ) -> On<I::Raised, B> {
        let (leaf, mut l) = (*k, 0);
        *k += 1;
        I::raise::<B>(x, &mut || {
            l += 1;
            block(leaf, l - 1)
        })
    }
}

impl<I: TreeDef> Jacobian<I> for () {
    type Of = ();
    fn assemble<B: Backend>(
        _: &(),
        _: &On<I, B>,
        _: &mut usize,
        _: &mut dyn FnMut(usize, usize) -> FloatTensor<B>,
    ) {
    }
}

impl<I: TreeDef, T: Jacobian<I>> Jacobian<I> for Option<T> {
    type Of = Option<T::Of>;
    fn assemble<B: Backend>(
        y: &On<Self, B>,
        x: &On<I, B>,
        k: &mut usize,
        block: &mut dyn FnMut(usize, usize) -> FloatTensor<B>,
    ) -> On<Self::Of, B> {
        y.as_ref().map(|y| T::assemble::<B>(y, x, k, block))
    }
}

impl<I: TreeDef, T: Jacobian<I>> Jacobian<I> for Vec<T> {
    type Of = Vec<T::Of>;
    fn assemble<B: Backend>(
        y: &On<Self, B>,
        x: &On<I, B>,
        k: &mut usize,
        block: &mut dyn FnMut(usize, usize) -> FloatTensor<B>,
    ) -> On<Self::Of, B> {
        y.iter().map(|y| T::assemble::<B>(y, x, k, block)).collect()
    }
}

impl<I: TreeDef, T: Jacobian<I>, const N: usize> Jacobian<I> for [T; N] {
    type Of = [T::Of; N];
    fn assemble<B: Backend>(
        y: &On<Self, B>,
        x: &On<I, B>,
        k: &mut usize,
        block: &mut dyn FnMut(usize, usize) -> FloatTensor<B>,
    ) -> On<Self::Of, B> {
        core::array::from_fn(|i| T::assemble::<B>(&y[i], x, k, block))
    }
}

macro_rules! tuple_layout {
    ($(($($t:ident $i:tt),+)),* $(,)?) => {$(
        impl<const R: usize, $($t: Raise<R>),+> Raise<R> for ($($t,)+) {
            type Raised = ($($t::Raised,)+);
            fn raise<B: Backend>(like: &On<Self, B>, next: &mut dyn FnMut() -> FloatTensor<B>) -> On<Self::Raised, B> {
                ($($t::raise::<B>(&like.$i, next),)+)
            }
        }

        impl<I: TreeDef, $($t: Jacobian<I>),+> Jacobian<I> for ($($t,)+) {
            type Of = ($($t::Of,)+);
            fn assemble<B: Backend>(
                y: &On<Self, B>,
                x: &On<I, B>,
                k: &mut usize,
                block: &mut dyn FnMut(usize, usize) -> FloatTensor<B>,
            ) -> On<Self::Of, B> {
                ($($t::assemble::<B>(&y.$i, x, k, block),)+)
            }
        }
    )*};
}

tuple_layout!((A 0), (A 0, C 1), (A 0, C 1, D 2), (A 0, C 1, D 2, E 3), (A 0, C 1, D 2, E 3, G 4), (A 0, C 1, D 2, E 3, G 4, H 5));
