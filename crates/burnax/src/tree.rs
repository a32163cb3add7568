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
//! A module is a tree too once its structure has a name:
//! - [`ParamLeaf<D>`] is a `Param<Tensor<B, D>>` (its `ParamId` kept);
//! - [`LinearTree`], [`EmbeddingTree`], the convolutions ([`Conv1dTree`] to [`Conv3dTree`],
//!   [`ConvTranspose1dTree`] to [`ConvTranspose3dTree`]), [`GroupNormTree`],
//!   [`InstanceNormTree`], [`RmsNormTree`] and [`MultiHeadAttentionTree`] are Burn's layers of
//!   those names;
//! - [`Static<T>`] is a field without tensors (a setting, `Dropout`, an activation);
//! - [`tree_module!`](crate::tree_module) declares a module struct together with its structure,
//!   field by field.
//!
//! Burn's `LayerNorm` keeps its epsilon private, so it cannot be rebuilt on another backend and
//! has no structure here (nor have the transformer layers that hold one): use `RmsNorm`, or a
//! `tree_module!` of your own with the two parameters. The recurrent layers hold
//! `Activation<B>`, which may carry parameters of its own, and `BatchNorm`'s running statistics
//! are state, not parameters: neither is a tree yet.
//!
//! The gradient of a loss in a module comes back as the same module type holding the gradients:
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

use core::marker::PhantomData;

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

/// The structure of one of Burn's layers: its parameters mapped in the order listed, its
/// configuration fields carried over. One top-level element.
macro_rules! layer_tree {
    ($(
        $(#[$doc:meta])*
        $tree:ident = $($seg:ident)::+ { $($param:ident: $def:ty),+ ; $($keep:ident),* }
    )*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $tree;

        impl TreeDef for $tree {
            type On<B: Backend> = $($seg)::+<B>;
            fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: Self::On<B1>, m: &mut M) -> Self::On<B2> {
                $($seg)::+ {
                    $($param: <$def as TreeDef>::map(t.$param, m),)+
                    $($keep: t.$keep,)*
                }
            }
            one_node!(|t| 0 $(+ <$def as TreeDef>::leaf_count::<B>(&t.$param))+);
        }
    )*};
}

layer_tree! {
    /// The structure of Burn's `nn::Linear<B>`: its weight, then its bias if it has one.
    LinearTree = burn::nn::Linear { weight: ParamLeaf<2>, bias: Option<ParamLeaf<1>>; }

    /// The structure of Burn's `nn::Embedding<B>`: its table.
    EmbeddingTree = burn::nn::Embedding { weight: ParamLeaf<2>; }

    /// The structure of Burn's `nn::conv::Conv1d<B>`: its weight, then its bias if it has one.
    Conv1dTree = burn::nn::conv::Conv1d {
        weight: ParamLeaf<3>, bias: Option<ParamLeaf<1>>;
        stride, kernel_size, dilation, groups, padding
    }

    /// The structure of Burn's `nn::conv::Conv2d<B>`: its weight, then its bias if it has one.
    Conv2dTree = burn::nn::conv::Conv2d {
        weight: ParamLeaf<4>, bias: Option<ParamLeaf<1>>;
        stride, kernel_size, dilation, groups, padding
    }

    /// The structure of Burn's `nn::conv::Conv3d<B>`: its weight, then its bias if it has one.
    Conv3dTree = burn::nn::conv::Conv3d {
        weight: ParamLeaf<5>, bias: Option<ParamLeaf<1>>;
        stride, kernel_size, dilation, groups, padding
    }

    /// The structure of Burn's `nn::conv::ConvTranspose1d<B>`: its weight, then its bias if it
    /// has one.
    ConvTranspose1dTree = burn::nn::conv::ConvTranspose1d {
        weight: ParamLeaf<3>, bias: Option<ParamLeaf<1>>;
        stride, kernel_size, dilation, groups, padding, padding_out, channels
    }

    /// The structure of Burn's `nn::conv::ConvTranspose2d<B>`: its weight, then its bias if it
    /// has one.
    ConvTranspose2dTree = burn::nn::conv::ConvTranspose2d {
        weight: ParamLeaf<4>, bias: Option<ParamLeaf<1>>;
        stride, kernel_size, dilation, groups, padding, padding_out, channels
    }

    /// The structure of Burn's `nn::conv::ConvTranspose3d<B>`: its weight, then its bias if it
    /// has one.
    ConvTranspose3dTree = burn::nn::conv::ConvTranspose3d {
        weight: ParamLeaf<5>, bias: Option<ParamLeaf<1>>;
        stride, kernel_size, dilation, groups, padding, padding_out, channels
    }

    /// The structure of Burn's `nn::GroupNorm<B>`: its scale and shift, if affine.
    GroupNormTree = burn::nn::GroupNorm {
        gamma: Option<ParamLeaf<1>>, beta: Option<ParamLeaf<1>>;
        num_groups, num_channels, epsilon, affine
    }

    /// The structure of Burn's `nn::InstanceNorm<B>`: its scale and shift, if affine.
    InstanceNormTree = burn::nn::InstanceNorm {
        gamma: Option<ParamLeaf<1>>, beta: Option<ParamLeaf<1>>;
        num_channels, epsilon, affine
    }

    /// The structure of Burn's `nn::RmsNorm<B>`: its scale.
    RmsNormTree = burn::nn::RmsNorm { gamma: ParamLeaf<1>; epsilon }

    /// The structure of Burn's `nn::attention::MultiHeadAttention<B>`: its query, key, value
    /// and output projections, in that order.
    MultiHeadAttentionTree = burn::nn::attention::MultiHeadAttention {
        query: LinearTree, key: LinearTree, value: LinearTree, output: LinearTree;
        dropout, activation, d_model, n_heads, d_k, min_float, quiet_softmax
    }
}

/// The structure of a field that holds no tensor: a configuration value (`usize`, `f64`, an
/// enum) or a layer without parameters (`Dropout`, `Relu`, a pooling layer). The value is carried
/// over as it is; it has no leaves. `tree_module!` fields of such types use it:
/// `pub dropout: Dropout => Static<Dropout>`.
pub struct Static<T>(PhantomData<fn() -> T>);

// By hand: derived impls would ask the same of `T`, which a marker type does not need.
impl<T> Clone for Static<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Static<T> {}

impl<T> Default for Static<T> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T> core::fmt::Debug for Static<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Static<{}>", core::any::type_name::<T>())
    }
}

impl<T: Clone> TreeDef for Static<T> {
    type On<B: Backend> = T;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: T, _: &mut M) -> T {
        t
    }
    one_node!(|_| 0);
}

/// Declares a Burn module struct and its tree structure together, each field with the
/// structure of its type (`Linear<B> => LinearTree`, `Param<Tensor<B, 1>> => ParamLeaf<1>`,
/// `Tensor<B, 2> => Leaf<2>`, another declared module's tree, `Dropout => Static<Dropout>` for
/// a field without tensors, ...). Attributes pass through, so
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
