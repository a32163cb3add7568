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
//! | `def f(x): ...` | a type implementing [`Function`](crate::Function): `type In`, `type Out` (structures such as [`Leaf<1>`](crate::tree::Leaf) or a tuple) and a generic `call<B: Backend>` | written once, runs on any backend, including `Autodiff<B>` and `Batched<B>`; every transformation below returns a `Function` again |
//! | `jax.grad(f)(x)` | [`grad(f).call(x)`](crate::grad()) | `f` returns shape `[1]` |
//! | `jax.value_and_grad(f)(x)` | [`value_and_grad(f).call(x)`](crate::value_and_grad) | `(value, gradient)` |
//! | `jax.grad(f, argnums=(0, 1))(w, b, x)` | `grad(f).argnums(&[0, 1]).call((w, b, x))` | the gradient keeps the input's structure, zeros where not selected (JAX returns the selected ones only) |
//! | `jax.value_and_grad(f, has_aux=True)(w, b)` | `value_and_grad(f).has_aux().call((w, b))` | `f` returns `(loss, aux)`; the result is `((loss, aux), gradient)`, as JAX's |
//! | `jax.grad(jax.grad(f))` | `grad(grad(f))` | any order, by nested `Autodiff`; through a linear layer use [`grad::linear`](crate::grad::linear) (Burn's fused `linear` differentiates once only) |
//! | `jax.jacrev(f)`, `jax.jacfwd(f)`, `jax.hessian(f)` | [`jacrev(f)`](crate::jacrev), [`jacfwd(f)`](crate::jacfwd), [`hessian(f)`](crate::hessian), each with `.argnums`, `.has_aux` | JAX's layout on any tree ([`Jacobian`](crate::grad::Jacobian)): `[m, n]` for `[n] -> [m]`; one pass batched by `vmap`, as JAX does; `jacrev(f).looped()` runs a pass per output |
//! | `jax.vjp(f, x)[1](v)` | [`vjp(f).call((x, v))`](crate::vjp) | returns `(f(x), v^T J)`, on any tree |
//! | `jax.jvp(f, (x,), (t,))` | [`jvp(f).call((x, t))`](crate::jvp) | returns `(f(x), J t)`; by reverse over reverse (Burn has no forward mode) |
//! | `jax.value_and_grad(loss)(params)` for a Burn model | [`value_and_grad_module(&model, \|m\| loss(m))`](crate::grad::value_and_grad_module) | Burn's `GradientsParams`, ready for an optimizer, for any `#[derive(Module)]` |
//! | `lax.fori_loop`, `lax.scan` | [`fori_loop`](crate::control::fori_loop), [`scan`](crate::control::scan) | plain loops; under `jit` every iteration is recorded; work under every transformation |
//! | `lax.cond`, `lax.switch` | [`cond`](crate::control::cond), [`switch`](crate::control::switch) | every branch runs and the result is selected elementwise (JAX's `vmap` semantics), so they trace, batch and differentiate |
//! | `lax.while_loop` | [`while_loop`](crate::control::while_loop); [`while_loop_bounded(max, ..)`](crate::control::while_loop_bounded) under `jit`/`vmap` | `while_loop` reads its predicate on the host (eager and `grad` only); the bounded one runs masked iterations |
//! | pytrees | [`tree`](crate::tree): tuples, arrays, `Vec`, `Option` of tensors; Burn's layers (linear, embedding, convolutions, group/instance/RMS norms, multi-head attention), [`Static<T>`](crate::tree::Static) for fields without tensors; modules declared with [`tree_module!`](crate::tree_module) | gradients of a module come back as the module type |
//! | `jax.vmap(f)(xs)` | [`vmap(f).call(xs)`](crate::vmap()) | `f` is a `Function` of one example; runs once on the [`Batched<B>`](crate::vmap::Batched) backend, no loop |
//! | `jax.vmap(f, in_axes=1, out_axes=1)` | `vmap(f).in_axes(1).out_axes(1)` | |
//! | `jax.vmap(f, in_axes=(0, None))(xs, w)` | `vmap(f).in_axes((0, None)).call((xs, w))` | JAX's specs ([`vmap::axes`](crate::vmap::axes)): an integer maps every leaf of a subtree, `None` shares it, tuples and lists nest; `.axis_size(n)` when nothing is mapped |
//! | `jax.vmap(jax.grad(f))` | `vmap(grad(f))` | per-example gradients; `grad` of a function calling `vmap(f)` works too |
//! | `jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, xs, ys)` | `vmap(grad(loss).argnums(&[0])).in_axes((None, 0, 0)).call((params, xs, ys))` | |
//! | `jax.jit(f)(x)` | [`jit(f).call(x)`](crate::jit()) | keep the `Jit` value across calls: its first call with a signature traces, later ones replay; on Flex elementwise chains fuse ([`jit` module](mod@crate::jit)) |
//! | `jax.jit(f, static_argnums=1)` | a [`Static<T>`](crate::tree::Static) element of the input tree | compared by `Debug`; one trace per value |
//! | `jax.jit(f, donate_argnums=0)` | nothing to do | inputs are moved in, and a replay reuses their buffers where the backend can |
//! | `jax.make_jaxpr(f)(x)` | `jit(f).cached()` after a call | the operations each replay runs |
//! | `ConcretizationTypeError` | [`Error::HostRead`](crate::Error::HostRead) with `transformation: "jit"` | [`Jit::eager_on_host_read`](crate::jit::Jit::eager_on_host_read) runs such functions eagerly instead |
//! | `jax.jit(jax.grad(f))`, `jax.grad(jax.jit(f))`, `jax.vmap(jax.jit(f))` | `jit(grad(f))`, `grad(jit(f))`, `vmap(jit(f))` | all compose; `vmap(jit(f))` keeps one trace for every batch size |
//! | `jax.pmap(f, axis_name='i')(x)` | [`pmap(f).axis_name("i").call(x)`](crate::pmap()) | one rank per slice of `x`'s leading axis, each on its own thread (the CPU's threads are the devices) or on `.devices(..)` |
//! | `lax.psum(x, 'i')`, `pmean`, `pmax`, `pmin` | [`psum(x, "i")`](crate::psum), [`pmean`](crate::pmean), [`pmax`](crate::pmax), [`pmin`](crate::pmin) | folded in rank order: the same bits every run |
//! | `lax.all_gather`, `lax.ppermute`, `lax.axis_index`, `psum(1, 'i')` | [`all_gather`](crate::all_gather), [`ppermute`](crate::ppermute), [`axis_index`](crate::axis_index), [`axis_size`](crate::axis_size) | |
//! | `shard_map(f, mesh, P('i'), P('i'))` | `pmap(f).axis_name("i")` on `x` reshaped to `[ranks, n / ranks, ..]` | a 2-D mesh is `pmap` inside `pmap` |
//! | `jax.distributed.initialize()` and multi-process `pmap` | [`Pmap::communicator`](crate::pmap::Pmap::communicator) with `burnax_comm::Mpi` under `mpirun` | one rank per process; see DISTRIBUTED.md |
//! | `jax.pmap(jax.grad(f))` with `pmean` of the gradients | `pmap(..)` of a function that calls `pmean(grad(f).call(..), "i")` | collectives have no gradient rule yet: reduce gradients, do not differentiate through a reduction |
//!
//! A function written once and differentiated twice:
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::tree::Leaf;
//! use burnax::{grad, vmap, Function};
//!
//! struct Square;
//! impl Function for Square {
//!     type In = Leaf<1>;
//!     type Out = Leaf<1>;
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.clone() * x
//!     }
//! }
//! let x = Tensor::<Flex, 1>::from_floats([3.0], &Default::default());
//! assert_eq!(grad(&Square).call(x.clone()).into_scalar(), 6.0);
//! assert_eq!(grad(grad(Square)).call(x).into_scalar(), 2.0);
//!
//! // and mapped over a batch: d/dx x^2 at 1, 2, 3
//! let xs = Tensor::<Flex, 2>::from_floats([[1.0], [2.0], [3.0]], &Default::default());
//! let g = vmap(grad(Square)).call(xs);
//! assert_eq!(g.into_data().to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0]);
//! ```
