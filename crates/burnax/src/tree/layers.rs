//! Burn's parameters and layers as trees: [`ParamLeaf`], the layer structures, [`Static`] and
//! [`tree_module!`](crate::tree_module).

use core::marker::PhantomData;

use burn::module::Param;
use burn::prelude::*;

use super::def::{MapLeaves, TreeDef};

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
            fn statics<B: Backend>(t: &Self::On<B>, key: &mut String) {
                $(<$def as TreeDef>::statics::<B>(&t.$param, key);)+
                $(key.push_str(&format!("{:?};", t.$keep));)*
            }
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

impl<T: Clone + Send + core::fmt::Debug> TreeDef for Static<T> {
    type On<B: Backend> = T;
    fn map<B1: Backend, B2: Backend, M: MapLeaves<B1, B2>>(t: T, _: &mut M) -> T {
        t
    }
    one_node!(|_| 0);
    fn statics<B: Backend>(t: &T, key: &mut String) {
        key.push_str(&format!("{t:?};"));
    }
}

/// Declares a Burn module struct and its tree structure together, each field with the
/// structure of its type (`Linear<B> => LinearTree`, `Param<Tensor<B, 1>> => ParamLeaf<1>`,
/// `Tensor<B, 2> => Leaf<2>`, another declared module's tree, `Dropout => Static<Dropout>` for
/// a field without tensors, ...). Attributes pass through, so
/// `#[derive(Module, Debug)]` makes it a Burn module as usual. The structure counts as one
/// top-level element for `argnums`. See the [module docs](crate::tree) for an example.
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
            fn statics<B: $crate::__burn::prelude::Backend>(t: &$name<B>, key: &mut String) {
                $(<$fdef as $crate::tree::TreeDef>::statics::<B>(&t.$field, key);)*
            }
        }
    };
}
