//! Trees of tensors: tuples, arrays, `Vec`s and `Option`s of tensors and Burn modules, nested, as
//! JAX's pytrees.
//!
//! A tree's *structure* is a backend-free type implementing [`TreeDef`]; its value on a
//! backend `B` is `S::On<B>`. [`Leaf<D>`] is a rank-`D` float tensor:
//!
//! | structure `S` | `S::On<B>` |
//! |---|---|
//! | `Leaf<2>` | `Tensor<B, 2>` |
//! | `(Leaf<2>, Leaf<1>)` | `(Tensor<B, 2>, Tensor<B, 1>)` |
//! | `Vec<Leaf<1>>` | `Vec<Tensor<B, 1>>` |
//! | `[Leaf<1>; 3]`, `Option<Leaf<2>>`, `()` | likewise |
//!
//! Keeping the structure apart from the backend is what lets a transformation move a tree to
//! `Autodiff<B>` and bring its gradients back to `B` with the same shape.
//!
//! # Burn modules
//! A module is a tree too once its structure has a name: [`ParamLeaf<D>`] is a
//! `Param<Tensor<B, D>>` (its `ParamId` kept); [`LinearTree`], [`Conv2dTree`] and
//! [`EmbeddingTree`] are Burn's layers of those names (the others are not yet: some keep private
//! fields), and [`tree_module!`](crate::tree_module) declares a module struct together with its
//! structure, field by field. The gradient of a loss in a module then comes back as the same
//! module type holding the gradients:
//!
//! ```
//! use burn::backend::Flex;
//! use burn::module::{Module, Param};
//! use burn::nn::{Linear, LinearConfig};
//! use burn::prelude::*;
//! use burnax::grad::{value_and_grad_tree, Argnums, TreeFunc};
//! use burnax::tree::{Leaf, LinearTree, ParamLeaf};
//!
//! burnax::tree_module! {
//!     /// A linear layer with a learned output scale.
//!     #[derive(Module, Debug)]
//!     pub struct Scaled<B: Backend> {
//!         pub linear: Linear<B> => LinearTree,
//!         pub scale: Param<Tensor<B, 1>> => ParamLeaf<1>,
//!     }
//!     tree ScaledTree;
//! }
//!
//! /// sum((scale * (x W + b))^2)
//! struct Loss;
//! impl TreeFunc for Loss {
//!     type In = (ScaledTree, Leaf<2>);
//!     type Aux = ();
//!     fn call<B: Backend>(&self, (m, x): (Scaled<B>, Tensor<B, 2>)) -> (Tensor<B, 1>, ()) {
//!         let y = m.linear.forward(x) * m.scale.val().unsqueeze();
//!         (y.square().sum(), ())
//!     }
//! }
//!
//! let device = Default::default();
//! let model = Scaled::<Flex> {
//!     linear: LinearConfig::new(3, 2).init(&device),
//!     scale: Param::from_tensor(Tensor::ones([1], &device)),
//! };
//! let x = Tensor::<Flex, 2>::ones([4, 3], &device);
//! let (_, (), (grads, _)) = value_and_grad_tree(&Loss, (model, x), Argnums::Only(&[0]));
//! assert_eq!(grads.linear.weight.val().dims(), [3, 2]); // d loss / d W, in the model's shape
//! ```
//!
//! A module passes whole to every example of a `vmap_tree` as
//! [`Shared<T>`](crate::vmap::Shared). Burn initialises parameters lazily and a clone made before
//! that draws its own values: run or read a fresh model once before cloning it into examples.

use burn::module::Param;
use burn::prelude::*;

/// A rank-`D` float tensor leaf.
#[derive(Clone, Copy, Debug, Default)]
pub struct Leaf<const D: usize>;

/// The counting methods of a structure that is one top-level element (a parameter or a layer),
/// with `$count` its number of leaves for a value matched by `$t`.
macro_rules! one_node {
    (|$t:pat_param| $count:expr) => {
        fn leaf_count<B: Backend>($t: &Self::On<B>) -> usize {
            $count
        }
        fn top_level<B: Backend>(_: &Self::On<B>) -> usize {
            1
        }
        fn top_level_leaves<B: Backend>(t: &Self::On<B>) -> Vec<usize> {
            vec![Self::leaf_count::<B>(t)]
        }
    };
}

/// A Burn parameter leaf: `Param<Tensor<B, D>>`, mapped with its `ParamId` kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct ParamLeaf<const D: usize>;

impl<const D: usize> TreeDef for ParamLeaf<D> {
    type On<B: Backend> = Param<Tensor<B, D>>;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(
        t: Param<Tensor<B1, D>>,
        m: &mut M,
    ) -> Param<Tensor<B2, D>> {
        Param::initialized(t.id, m.leaf(t.val()))
    }
    one_node!(|_| 1);
}

/// The structure of Burn's `nn::Linear<B>`: its weight, then its bias if it has one.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinearTree;

impl TreeDef for LinearTree {
    type On<B: Backend> = burn::nn::Linear<B>;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
        burn::nn::Linear {
            weight: ParamLeaf::<2>::map(t.weight, m),
            bias: <Option<ParamLeaf<1>> as TreeDef>::map(t.bias, m),
        }
    }
    one_node!(|t| 1 + usize::from(t.bias.is_some()));
}

/// The structure of Burn's `nn::conv::Conv2d<B>`: its weight, then its bias if it has one; the
/// configuration fields are carried over.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conv2dTree;

impl TreeDef for Conv2dTree {
    type On<B: Backend> = burn::nn::conv::Conv2d<B>;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
        burn::nn::conv::Conv2d {
            weight: ParamLeaf::<4>::map(t.weight, m),
            bias: <Option<ParamLeaf<1>> as TreeDef>::map(t.bias, m),
            stride: t.stride,
            kernel_size: t.kernel_size,
            dilation: t.dilation,
            groups: t.groups,
            padding: t.padding,
        }
    }
    one_node!(|t| 1 + usize::from(t.bias.is_some()));
}

/// The structure of Burn's `nn::Embedding<B>`: its table.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmbeddingTree;

impl TreeDef for EmbeddingTree {
    type On<B: Backend> = burn::nn::Embedding<B>;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
        burn::nn::Embedding {
            weight: ParamLeaf::<2>::map(t.weight, m),
        }
    }
    one_node!(|_| 1);
}

/// Declares a Burn module struct and its tree structure together, each field with the
/// structure of its type (`Linear<B> => LinearTree`, `Param<Tensor<B, 1>> => ParamLeaf<1>`,
/// `Tensor<B, 2> => Leaf<2>`, another declared module's tree, ...). Attributes pass through, so
/// `#[derive(Module, Debug)]` makes it a Burn module as usual. The structure counts as one
/// top-level element for `argnums`. See the [module docs](self) for an example.
#[macro_export]
macro_rules! tree_module {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident<B: Backend> {
            $($(#[$fattr:meta])* $fvis:vis $field:ident : $fty:ty => $fdef:ty),* $(,)?
        }
        tree $tree:ident;
    ) => {
        $(#[$attr])*
        $vis struct $name<B: $crate::__burn::prelude::Backend> {
            $($(#[$fattr])* $fvis $field: $fty),*
        }

        #[doc = concat!("The tree structure of [`", stringify!($name), "`].")]
        #[derive(Clone, Copy, Debug, Default)]
        $vis struct $tree;

        impl $crate::tree::TreeDef for $tree {
            type On<B: $crate::__burn::prelude::Backend> = $name<B>;
            fn map<
                B1: $crate::__burn::prelude::Backend,
                B2: $crate::__burn::prelude::Backend,
                M: $crate::tree::MapLeaves<B1, B2>,
            >(t: $name<B1>, m: &mut M) -> $name<B2> {
                $name { $($field: <$fdef as $crate::tree::TreeDef>::map::<B1, B2, M>(t.$field, m)),* }
            }
            fn leaf_count<B: $crate::__burn::prelude::Backend>(t: &$name<B>) -> usize {
                0 $(+ <$fdef as $crate::tree::TreeDef>::leaf_count::<B>(&t.$field))*
            }
            fn top_level<B: $crate::__burn::prelude::Backend>(_: &$name<B>) -> usize {
                1
            }
            fn top_level_leaves<B: $crate::__burn::prelude::Backend>(t: &$name<B>) -> Vec<usize> {
                vec![<Self as $crate::tree::TreeDef>::leaf_count::<B>(t)]
            }
        }
    };
}

/// A function applied to every leaf of a tree, moving it from backend `B1` to `B2`.
pub trait MapLeaves<B1: Backend, B2: Backend> {
    /// Maps one leaf.
    fn leaf<const D: usize>(&mut self, t: Tensor<B1, D>) -> Tensor<B2, D>;
}

/// A function from a tree of tensors to a tree of tensors, callable on any backend: what
/// [`vmap_tree`](crate::vmap::vmap_tree) maps and [`grad_tree`](crate::grad::grad_tree) returns.
pub trait TreeFn {
    /// Structure of the input.
    type In: TreeDef;
    /// Structure of the output.
    type Out: TreeDef;
    /// Evaluates the function on backend `B`.
    fn call<B: Backend>(&self, x: <Self::In as TreeDef>::On<B>) -> <Self::Out as TreeDef>::On<B>;
}

/// The structure of a tree of tensors. See the [module docs](self).
pub trait TreeDef {
    /// The tree on backend `B`.
    type On<B: Backend>: Clone;

    /// Maps every leaf, in order (depth first, left to right).
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2>;

    /// Number of leaves.
    fn leaf_count<B: Backend>(t: &Self::On<B>) -> usize;

    /// Number of top-level elements (the positions `argnums` refers to): a tuple's arity, a
    /// `Vec`'s or array's length, 1 for a leaf or `Option`, 0 for `()`.
    fn top_level<B: Backend>(t: &Self::On<B>) -> usize;

    /// Leaves of each top-level element, in order.
    fn top_level_leaves<B: Backend>(t: &Self::On<B>) -> Vec<usize>;
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
        }
    };
}

tuple_tree!(A 0);
tuple_tree!(A 0, C 1);
tuple_tree!(A 0, C 1, D 2);
tuple_tree!(A 0, C 1, D 2, E 3);
tuple_tree!(A 0, C 1, D 2, E 3, F 4);
tuple_tree!(A 0, C 1, D 2, E 3, F 4, G 5);
