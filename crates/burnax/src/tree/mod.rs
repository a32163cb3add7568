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
//! use burnax::tree::{Leaf, LinearTree, ParamLeaf};
//! use burnax::{grad, Function};
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
//! impl Function for Loss {
//!     type In = (ScaledTree, Leaf<2>);
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, (m, x): (Scaled<B>, Tensor<B, 2>)) -> Tensor<B, 1> {
//!         let y = m.linear.forward(x) * m.scale.val().unsqueeze();
//!         y.square().sum()
//!     }
//! }
//!
//! let device = Default::default();
//! let model = Scaled::<Flex> {
//!     linear: LinearConfig::new(3, 2).init(&device),
//!     scale: Param::from_tensor(Tensor::ones([1], &device)),
//! };
//! let x = Tensor::<Flex, 2>::ones([4, 3], &device);
//! let (grads, _) = grad(Loss).argnums(&[0]).call((model, x));
//! assert_eq!(grads.linear.weight.val().dims(), [3, 2]); // d loss / d W, in the model's shape
//! ```
//!
//! A module passes whole to every example of a [`vmap`](crate::vmap()) with `None` as its entry
//! of `in_axes`. Burn initialises parameters lazily and a clone made before that draws its own
//! values: run or read a fresh model once before cloning it into examples.

mod def;
mod layers;
mod walk;

pub use def::{Leaf, MapLeaves, On, TreeDef};
pub use layers::{
    Conv1dTree, Conv2dTree, Conv3dTree, ConvTranspose1dTree, ConvTranspose2dTree, ConvTranspose3dTree,
    EmbeddingTree, GroupNormTree, InstanceNormTree, LinearTree, MultiHeadAttentionTree, ParamLeaf,
    RmsNormTree, Static,
};
pub(crate) use walk::{dot, flat, leaves, same_shapes, shapes};
