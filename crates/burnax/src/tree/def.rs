//! The structure of a tree ([`TreeDef`]), its leaves ([`Leaf`]), and the containers: tuples,
//! arrays, `Vec`, `Option`, `()`.

use burn::prelude::*;

/// A rank-`D` float tensor leaf.
#[derive(Clone, Copy, Debug, Default)]
pub struct Leaf<const D: usize>;

/// A tree of structure `T` on backend `B`: `On<(Leaf<2>, Leaf<1>), B>` is
/// `(Tensor<B, 2>, Tensor<B, 1>)`.
pub type On<T, B> = <T as TreeDef>::On<B>;

/// A function applied to every leaf of a tree, moving it from backend `B1` to `B2`.
pub trait MapLeaves<B1: Backend, B2: Backend> {
    /// Maps one leaf.
    fn leaf<const D: usize>(&mut self, t: Tensor<B1, D>) -> Tensor<B2, D>;
}

/// The structure of a tree of tensors. See the [module docs](crate::tree).
pub trait TreeDef {
    /// The tree on backend `B`.
    type On<B: Backend>: Clone + Send;

    /// Maps every leaf, in order (depth first, left to right).
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2>;

    /// Number of leaves.
    fn leaf_count<B: Backend>(t: &Self::On<B>) -> usize;

    /// Number of top-level elements (the positions `argnums` refers to): a tuple's arity, a
    /// `Vec`'s or array's length, 1 for a leaf or `Option`, 0 for `()`.
    fn top_level<B: Backend>(t: &Self::On<B>) -> usize;

    /// Leaves of each top-level element, in order.
    fn top_level_leaves<B: Backend>(t: &Self::On<B>) -> Vec<usize>;

    /// Writes the tree's values that are not tensors (its [`Static`](super::Static) fields, a
    /// layer's settings) into `key`, with `Debug`: [`jit`](crate::jit())'s cache traces trees whose
    /// leaves have the same shapes but whose static values differ apart (JAX's
    /// `static_argnums`). A tree without such values writes nothing, the default.
    fn statics<B: Backend>(t: &Self::On<B>, key: &mut String) {
        let _ = (t, key);
    }
}

impl<const D: usize> TreeDef for Leaf<D> {
    type On<B: Backend> = Tensor<B, D>;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Tensor<B1, D>, m: &mut M) -> Tensor<B2, D> {
        m.leaf(t)
    }
    fn leaf_count<B: Backend>(_: &Tensor<B, D>) -> usize {
        1
    }
    fn top_level<B: Backend>(_: &Tensor<B, D>) -> usize {
        1
    }
    fn top_level_leaves<B: Backend>(_: &Tensor<B, D>) -> Vec<usize> {
        vec![1]
    }
}

impl TreeDef for () {
    type On<B: Backend> = ();
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(_: (), _: &mut M) {}
    fn leaf_count<B: Backend>(_: &()) -> usize {
        0
    }
    fn top_level<B: Backend>(_: &()) -> usize {
        0
    }
    fn top_level_leaves<B: Backend>(_: &()) -> Vec<usize> {
        Vec::new()
    }
}

impl<T: TreeDef> TreeDef for Option<T> {
    type On<B: Backend> = Option<T::On<B>>;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
        t.map(|t| T::map(t, m))
    }
    fn leaf_count<B: Backend>(t: &Self::On<B>) -> usize {
        t.as_ref().map_or(0, T::leaf_count::<B>)
    }
    fn top_level<B: Backend>(_: &Self::On<B>) -> usize {
        1
    }
    fn top_level_leaves<B: Backend>(t: &Self::On<B>) -> Vec<usize> {
        vec![Self::leaf_count::<B>(t)]
    }
    fn statics<B: Backend>(t: &Self::On<B>, key: &mut String) {
        match t {
            Some(t) => T::statics::<B>(t, key),
            None => key.push_str("None;"),
        }
    }
}

impl<T: TreeDef> TreeDef for Vec<T> {
    type On<B: Backend> = Vec<T::On<B>>;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
        t.into_iter().map(|t| T::map(t, m)).collect()
    }
    fn leaf_count<B: Backend>(t: &Self::On<B>) -> usize {
        t.iter().map(T::leaf_count::<B>).sum()
    }
    fn top_level<B: Backend>(t: &Self::On<B>) -> usize {
        t.len()
    }
    fn top_level_leaves<B: Backend>(t: &Self::On<B>) -> Vec<usize> {
        t.iter().map(T::leaf_count::<B>).collect()
    }
    fn statics<B: Backend>(t: &Self::On<B>, key: &mut String) {
        t.iter().for_each(|t| T::statics::<B>(t, key));
    }
}

impl<T: TreeDef, const N: usize> TreeDef for [T; N] {
    type On<B: Backend> = [T::On<B>; N];
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
        t.map(|t| T::map(t, m))
    }
    fn leaf_count<B: Backend>(t: &Self::On<B>) -> usize {
        t.iter().map(T::leaf_count::<B>).sum()
    }
    fn top_level<B: Backend>(_: &Self::On<B>) -> usize {
        N
    }
    fn top_level_leaves<B: Backend>(t: &Self::On<B>) -> Vec<usize> {
        t.iter().map(T::leaf_count::<B>).collect()
    }
    fn statics<B: Backend>(t: &Self::On<B>, key: &mut String) {
        t.iter().for_each(|t| T::statics::<B>(t, key));
    }
}

macro_rules! tuple_tree {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: TreeDef),+> TreeDef for ($($name,)+) {
            type On<B: Backend> = ($($name::On<B>,)+);
            fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
                ($($name::map(t.$idx, m),)+)
            }
            fn leaf_count<B: Backend>(t: &Self::On<B>) -> usize {
                0 $(+ $name::leaf_count::<B>(&t.$idx))+
            }
            fn top_level<B: Backend>(_: &Self::On<B>) -> usize {
                [$($idx),+].len()
            }
            fn top_level_leaves<B: Backend>(t: &Self::On<B>) -> Vec<usize> {
                vec![$($name::leaf_count::<B>(&t.$idx)),+]
            }
            fn statics<B: Backend>(t: &Self::On<B>, key: &mut String) {
                $($name::statics::<B>(&t.$idx, key);)+
            }
        }
    };
}

tuple_tree!(A 0);
tuple_tree!(A 0, C 1);
tuple_tree!(A 0, C 1, D 2);
tuple_tree!(A 0, C 1, D 2, E 3);
tuple_tree!(A 0, C 1, D 2, E 3, F 4);
tuple_tree!(A 0, C 1, D 2, E 3, F 4, G 5);
