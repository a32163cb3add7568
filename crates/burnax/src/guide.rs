//! # JAX for Burn users
//!
//! Each JAX call of the "JAX on DGX Spark" playbook and its equivalent here. Burn's tensors are
//! typed by backend `B` and rank `D`; scalars are tensors of shape `[1]`.
//!
//! | JAX | burnax / Burn | notes |
//! |---|---|---|
//! | `import jax.numpy as jnp` | `use burn::prelude::*;` | tensor ops are methods: `x.matmul(y)`, `x.exp()`, `x.sum_dim(1)` |
//! | `jnp.array([1., 2.])` | `Tensor::<B, 1>::from_floats([1., 2.], &device)` | |
//! | `x.at[0].set(10.)` | `x.slice_assign(s![0..1], Tensor::from_floats([10.], &device))` | returns a new tensor, like JAX |
//! | `jax.devices()`, `jax.device_put` | `B::Device`, `Tensor::to_device` | the backend type chooses the hardware |
//! | `x.block_until_ready()` | `B::sync(&device)` | needed to time GPU work |
//! | `jax.random.key(0)` | [`random::key(0)`](crate::random::key) | same words as JAX |
//! | `jax.random.split(key, n)` | [`random::split(key, n)`](crate::random::split) | bit for bit |
//! | `jax.random.fold_in(key, i)` | [`random::fold_in(key, i)`](crate::random::fold_in) | bit for bit |
//! | `jax.random.uniform(key, shape)` | [`random::uniform::<B, D>(key, shape, &device)`](crate::random::uniform) | bit for bit |
//! | `jax.random.normal(key, shape)` | [`random::normal::<B, D>(key, shape, &device)`](crate::random::normal) | bit for bit (on the CPU backend) |
//! | `jax.random.permutation(key, n)` | [`random::permutation::<B>(key, n, &device)`](crate::random::permutation) | bit for bit |
//! | `def f(x): ...` | a type implementing [`Func`](crate::grad::Func) with a generic `call<B: Backend>` | written once, runs on any backend, including `Autodiff<B>` |
//! | `jax.grad(f)(x)` | [`grad(f).call(x)`](crate::grad::grad) | `f` returns shape `[1]` |
//! | `jax.value_and_grad(f)(x)` | [`value_and_grad(&f, x)`](crate::grad::value_and_grad) | |
//! | `jax.grad(jax.grad(f))` | `grad(grad(f))` | any order, by nested `Autodiff`; through a linear layer use [`grad::linear`](crate::grad::linear) (Burn's fused `linear` differentiates once only) |
//! | `jax.jacrev(f)`, `jax.hessian(f)` | [`jacrev(f)`](crate::grad::jacrev), [`hessian(f)`](crate::grad::hessian) | one reverse pass with the identity as a vmapped cotangent, as JAX does; `.looped()` runs a pass per output |
//! | `jax.jacrev(f)`, `jax.hessian(f)` on pytrees | [`jacrev_tree(f)`](crate::grad::jacrev_tree), [`hessian_tree(f)`](crate::grad::hessian_tree) | one gradient tree per output scalar (rows outermost, where JAX stacks inside each leaf); batched like `jacrev` |
//! | `jax.vjp(f, x)[1](v)` | [`vjp(&f, x, v)`](crate::grad::vjp) | returns `(f(x), v^T J)` |
//! | `jax.jvp(f, (x,), (t,))` | [`jvp(&f, x, t)`](crate::grad::jvp) | returns `(f(x), J t)`; by reverse over reverse (Burn has no forward mode) |
//! | `jax.jacfwd(f)` | [`jacfwd(f)`](crate::grad::jacfwd) | the `jvp`s of the basis vectors, batched by `vmap` into one pass; equals `jacrev` |
//! | `jax.vjp`, `jax.jvp`, `jax.jacfwd` on pytrees | [`vjp_tree(&f, x, v)`](crate::grad::vjp_tree), [`jvp_tree(&f, x, t)`](crate::grad::jvp_tree), [`jacfwd_tree(f)`](crate::grad::jacfwd_tree) | `f` a [`TreeFn`](crate::tree::TreeFn); `jacfwd_tree` gives one output tree per input scalar (columns outermost) |
//! | `jax.value_and_grad(f, argnums=(0, 1), has_aux=True)(w, b)` | [`value_and_grad_tree(&f, (w, b), Argnums::Only(&[0, 1]))`](crate::grad::value_and_grad_tree) | `f` implements [`TreeFunc`](crate::grad::TreeFunc); the gradient has the input's structure, zeros where not selected |
//! | `jax.value_and_grad(loss)(params)` for a model | [`value_and_grad_module(&model, \|m\| loss(m))`](crate::grad::value_and_grad_module) | Burn's `GradientsParams`, ready for an optimizer |
//! | `lax.fori_loop`, `lax.scan` | [`fori_loop`](crate::control::fori_loop), [`scan`](crate::control::scan) | plain loops here (no tracing needed); work under `grad` |
//! | pytrees | [`tree`](crate::tree): tuples, arrays, `Vec`, `Option` of tensors; Burn's layers (linear, embedding, convolutions, group/instance/RMS norms, multi-head attention), [`Static<T>`](crate::tree::Static) for fields without tensors; modules declared with [`tree_module!`](crate::tree_module) | gradients of a module come back as the module type |
//! | `jax.vmap(f)(xs)` | [`vmap(f).call(xs)`](crate::vmap::vmap) | `f` is a `Func` for one example; runs once on the [`Batched<B>`](crate::vmap::Batched) backend, no loop |
//! | `jax.vmap(f, in_axes=1, out_axes=1)` | `vmap(f).in_axis(1).out_axis(1)` | |
//! | `jax.vmap(f, in_axes=(0, None))(xs, w)` | [`vmap_tree::<(Mapped<1>, Leaf<2>), Mapped<1>, _>(f).call((xs, w))`](crate::vmap::vmap_tree) | axes as types: [`Mapped<D, AXIS>`](crate::vmap::Mapped) maps, [`Leaf<D>`](crate::tree::Leaf) is `None`; `.axis_size(n)` when nothing is mapped |
//! | `jax.vmap(jax.grad(f))` | `vmap(grad(f))` | per-example gradients; `grad` of a function calling `vmap` works too |
//! | `jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, xs, ys)` | [`vmap_tree::<(P, Mapped<1>, Mapped<1>), _, _>(grad_tree(loss).argnums(&[0]))`](crate::grad::grad_tree) | `grad_tree` is a [`TreeFn`](crate::tree::TreeFn) from the input tree to its gradient |
//! | `jax.jit`, `jax.pmap` | not yet | planned as backend decorators |
//!
//! A function written once and differentiated twice:
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::grad::{grad, Func};
//!
//! struct Square;
//! impl Func<1, 1> for Square {
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.clone() * x
//!     }
//! }
//! let x = Tensor::<Flex, 1>::from_floats([3.0], &Default::default());
//! assert_eq!(grad(&Square).call(x.clone()).into_scalar(), 6.0);
//! assert_eq!(grad(grad(Square)).call(x).into_scalar(), 2.0);
//!
//! // and mapped over a batch: d/dx x^2 at 1, 2, 3
//! use burnax::vmap::vmap;
//! let xs = Tensor::<Flex, 2>::from_floats([[1.0], [2.0], [3.0]], &Default::default());
//! let g: Tensor<Flex, 2> = vmap(grad(Square)).call(xs);
//! assert_eq!(g.into_data().to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0]);
//! ```
