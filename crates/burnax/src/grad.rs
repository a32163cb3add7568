//! The grad family: [`grad`], [`value_and_grad`], [`vjp`], [`jvp`], [`jacrev`], [`jacfwd`],
//! [`hessian`], to any order; over trees: [`value_and_grad_tree`], [`grad_tree`], [`vjp_tree`],
//! [`jvp_tree`], [`jacrev_tree`], [`jacfwd_tree`], [`hessian_tree`].
//!
//! Rust closures cannot be generic over the backend, and a derivative must run the function on
//! another backend (`Autodiff<B>`) than the one it is called on. So a differentiable function is
//! a value implementing [`Func`], written once with a generic `call`; the transformations take a
//! `Func` and return one, and nest like JAX's:
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::grad::{grad, Func};
//!
//! /// f(x) = x^3 (input and output of shape [1]).
//! struct Cube;
//! impl Func<1, 1> for Cube {
//!     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
//!         x.clone() * x.clone() * x
//!     }
//! }
//!
//! let x = Tensor::<Flex, 1>::from_floats([2.0], &Default::default());
//! let d3 = grad(grad(grad(Cube))).call(x); // d^3/dx^3 x^3 = 6
//! assert_eq!(d3.into_scalar(), 6.0);
//! ```
//!
//! `grad(f)` runs `f` on `Autodiff<B>` and reads the gradient back on `B`; `grad(grad(f))`
//! runs `f` on `Autodiff<Autodiff<B>>`, whose backward pass is itself recorded by the outer
//! level. Burn documents first-order autodiff only; nested `Autodiff` computing exact higher
//! derivatives is checked here against finite differences (see the tests).
//!
//! Scalars are tensors of shape `[1]` (Burn has no rank-0 tensors).
//!
//! # Second and higher order through Burn's module operations
//! Burn 0.21's autodiff differentiates the backward pass of most operations, convolutions
//! included, but not that of its fused `linear` (which `nn::Linear::forward` calls), embedding,
//! pooling and interpolation operations: a second derivative through them panics with Burn's
//! "Can't differentiate ..." message. First derivatives are fine. [`linear`] is
//! `nn::Linear::forward` written with `matmul`, differentiable to any order; use it in
//! functions given to [`hessian`], [`jvp`], [`jacfwd`] (all reverse over reverse) or to nested
//! `grad`.

use burn::backend::Autodiff;
use burn::module::AutodiffModule;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{FloatDType, TensorPrimitive};

use crate::tree::{Leaf, MapLeaves, TreeDef, TreeFn};
use crate::vmap::{self, Batched, BatchedTensor};

/// A pure function from a rank-`I` tensor to a rank-`O` tensor, callable on any backend.
pub trait Func<const I: usize, const O: usize> {
    /// Evaluates the function on backend `B`.
    fn call<B: Backend>(&self, x: Tensor<B, I>) -> Tensor<B, O>;
}

impl<T: Func<I, O>, const I: usize, const O: usize> Func<I, O> for &T {
    fn call<B: Backend>(&self, x: Tensor<B, I>) -> Tensor<B, O> {
        (*self).call(x)
    }
}

/// `f(x)` and its gradient, for a scalar-valued `f` (output shape `[1]`).
///
/// # Panics
/// If `f`'s output does not have shape `[1]`, naming the shape.
#[track_caller]
pub fn value_and_grad<F: Func<I, 1>, B: Backend, const I: usize>(
    f: &F,
    x: Tensor<B, I>,
) -> (Tensor<B, 1>, Tensor<B, I>) {
    let xa: Tensor<Autodiff<B>, I> = Tensor::from_inner(x.clone()).require_grad();
    let y = f.call::<Autodiff<B>>(xa.clone());
    assert_eq!(
        y.dims(),
        [1],
        "grad: the function must return a scalar (shape [1]), got shape {:?} for input shape {:?}",
        y.dims(),
        x.dims()
    );
    let grads = y.backward();
    // No gradient means the output does not depend on the input: the derivative is 0.
    let g = xa.grad(&grads).unwrap_or_else(|| x.zeros_like());
    (y.inner(), g)
}

/// The gradient of a scalar-valued function, itself a [`Func`] (`jax.grad`).
#[derive(Clone, Copy, Debug)]
pub struct Grad<F>(pub F);

/// `grad(f)`: the function `x -> df/dx (x)`, for `f` with output shape `[1]`.
pub fn grad<F>(f: F) -> Grad<F> {
    Grad(f)
}

impl<F: Func<I, 1>, const I: usize> Func<I, I> for Grad<F> {
    #[track_caller]
    fn call<B: Backend>(&self, x: Tensor<B, I>) -> Tensor<B, I> {
        value_and_grad(&self.0, x).1
    }
}

/// The Jacobian of a vector function by reverse mode, itself a [`Func`] (`jax.jacrev`). Built
/// by [`jacrev`].
#[derive(Clone, Copy, Debug)]
pub struct Jacrev<F> {
    f: F,
    looped: bool,
}

/// `jacrev(f)`: for `f` from `[n]` to `[m]`, the function `x -> J(x)` of shape `[m, n]`,
/// `J[i, j] = d f_i / d x_j`.
///
/// As JAX does, the rows come from one forward pass and one reverse pass whose cotangent is
/// the identity matrix, mapped over its rows by [`vmap`] (the function runs on
/// `Autodiff<Batched<B>>`). [`Jacrev::looped`] runs one pass per row instead: the oracle in
/// the tests, and the way out for a function that uses an operation with no batching rule.
///
/// The batched pass holds `m` copies of the backward pass's intermediates and an `m x m`
/// identity: for many outputs (a Hessian in a hundred thousand parameters), `.looped()` trades
/// time for that memory.
///
/// # Panics
/// Calling it panics if the backward pass of `f` uses an operation that has no batching rule
/// (the message names the operation and says "vmap"); [`Jacrev::looped`] needs none.
pub fn jacrev<F>(f: F) -> Jacrev<F> {
    Jacrev { f, looped: false }
}

impl<F> Jacrev<F> {
    /// One forward and reverse pass per output instead of one batched pass: slower (by the
    /// number of outputs, less the batching's own gain), but needs no batching rules.
    pub fn looped(mut self) -> Self {
        self.looped = true;
        self
    }
}

/// Output `i` of `f`, as a scalar function.
struct Component<'a, F> {
    f: &'a F,
    i: usize,
}

impl<F: Func<1, 1>> Func<1, 1> for Component<'_, F> {
    fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
        self.f.call(x).narrow(0, self.i, 1)
    }
}

impl<F: Func<1, 1>> Func<1, 2> for Jacrev<F> {
    fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 2> {
        let [n] = x.dims();
        if self.looped {
            let [m] = self.f.call(x.clone()).dims();
            let rows: Vec<Tensor<B, 2>> = (0..m)
                .map(|i| grad(Component { f: &self.f, i }).call(x.clone()).reshape([1, n]))
                .collect();
            return Tensor::cat(rows, 0);
        }
        // The cotangent is row i of the identity for example i: the gradient of example i is
        // row i of the Jacobian.
        let (device, dtype) = (x.device(), x.dtype());
        let mut m = 0;
        let identity = |y: &Tensor<Batched<B>, 1>| {
            let (size, v) = batched_identity::<Leaf<1>, B>(y);
            m = size;
            v
        };
        let (_, _, rows) = vjp_with(&AsTree(&self.f), vmap::shared(x), identity, "jacrev");
        if m == 0 {
            return Tensor::<B, 2>::zeros([0, n], &device).cast(FloatDType::from(dtype));
        }
        vmap::unbatch::<B, 1, 2>(rows, m, 0)
    }
}

/// `f(x)` and the vector-Jacobian product `v^T J(x)` (`jax.vjp`, applied): the gradient of
/// `sum(f(x) * v)`, of `x`'s shape. One forward and one reverse pass. [`vjp_tree`] is the same
/// over trees.
///
/// # Panics
/// If `v`'s shape differs from `f(x)`'s, naming both.
#[track_caller]
pub fn vjp<F: Func<I, O>, B: Backend, const I: usize, const O: usize>(
    f: &F,
    x: Tensor<B, I>,
    v: Tensor<B, O>,
) -> (Tensor<B, O>, Tensor<B, I>) {
    let (y, _, g) = vjp_with(&AsTree(f), x, |_| v, "vjp");
    (y, g)
}

/// `f(x)` and the Jacobian-vector product `J(x) t` (`jax.jvp`, for one tangent), of `f(x)`'s
/// shape. [`jvp_tree`] is the same over trees.
///
/// Burn has reverse mode only, so the product is the transpose of a reverse pass: `u -> J^T u`
/// is linear in `u`, and `J t` is the gradient of `(J^T u) . t` with respect to `u`. That is
/// reverse over reverse (nested `Autodiff`, as [`hessian`] uses): about three times the cost of
/// a forward pass, where true forward mode would be about one. The results are exact all the
/// same, and `jvp` nests like the rest: a Hessian-vector product is `jvp(&grad(f), x, t)`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::{grad, jvp, Func};
///
/// /// f(x) = sum(x^3): gradient 3x^2, Hessian diag(6x).
/// struct SumCubes;
/// impl Func<1, 1> for SumCubes {
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         x.clone().powi_scalar(3).sum()
///     }
/// }
///
/// let device = Default::default();
/// let x = Tensor::<Flex, 1>::from_floats([1.0, 2.0], &device);
/// let t = Tensor::<Flex, 1>::from_floats([1.0, -1.0], &device);
/// let (g, hv) = jvp(&grad(SumCubes), x, t); // gradient and Hessian-vector product
/// assert_eq!(g.into_data().to_vec::<f32>().unwrap(), [3.0, 12.0]);
/// assert_eq!(hv.into_data().to_vec::<f32>().unwrap(), [6.0, -12.0]);
/// ```
///
/// # Panics
/// If `t`'s shape differs from `x`'s, naming both.
#[track_caller]
pub fn jvp<F: Func<I, O>, B: Backend, const I: usize, const O: usize>(
    f: &F,
    x: Tensor<B, I>,
    t: Tensor<B, I>,
) -> (Tensor<B, O>, Tensor<B, O>) {
    jvp_with(&AsTree(f), x, t, "jvp")
}

/// A [`Func`] as a [`TreeFn`] of one leaf each way: the single-tensor `vjp`/`jvp` are the tree
/// ones. The ranks are parameters of the wrapper because a type may implement `Func` for several.
struct AsTree<'a, F, const I: usize, const O: usize>(&'a F);

impl<F: Func<I, O>, const I: usize, const O: usize> TreeFn for AsTree<'_, F, I, O> {
    type In = Leaf<I>;
    type Out = Leaf<O>;
    fn call<B: Backend>(&self, x: Tensor<B, I>) -> Tensor<B, O> {
        self.0.call(x)
    }
}

/// The Jacobian of a vector function column by column, itself a [`Func`] (`jax.jacfwd`).
#[derive(Clone, Copy, Debug)]
pub struct Jacfwd<F>(pub F);

/// `jacfwd(f)`: for `f` from `[n]` to `[m]`, the function `x -> J(x)` of shape `[m, n]`: the
/// [`jvp`]s of the `n` basis vectors, mapped by [`vmap`] into one batched pass as JAX does.
/// Equal to [`jacrev`]'s result (the tests check it against [`Jacrev::looped`]); see [`jvp`] for
/// what a pass costs here.
///
/// # Panics
/// Calling it panics if the passes of `f` use an operation that has no batching rule, naming the
/// operation; `jacrev(f).looped()` computes the same matrix without batching.
pub fn jacfwd<F>(f: F) -> Jacfwd<F> {
    Jacfwd(f)
}

impl<F: Func<1, 1>> Func<1, 2> for Jacfwd<F> {
    fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 2> {
        // Example j's tangent is row j of the identity: its product J e_j is column j.
        let (device, dtype) = (x.device(), x.dtype());
        let xs = vmap::shared(x);
        let (n, tangents) = batched_identity::<Leaf<1>, B>(&xs);
        let (_, columns) = jvp_with(&AsTree(&self.0), xs, tangents, "jacfwd");
        if n == 0 {
            let [m] = columns.dims();
            return Tensor::<B, 2>::zeros([m, 0], &device).cast(FloatDType::from(dtype));
        }
        vmap::unbatch::<B, 1, 2>(columns, n, 1)
    }
}

/// `hessian(f)`: for scalar `f` on `[n]`, the function `x -> H(x)` of shape `[n, n]`:
/// `jacrev(grad(f))`, reverse over reverse (nested `Autodiff`).
pub fn hessian<F>(f: F) -> Jacrev<Grad<F>> {
    jacrev(grad(f))
}

/// A scalar function of a tree of tensors, with auxiliary outputs: JAX's
/// `f(*args) -> (loss, aux)` with `has_aux=True`. Use `type Aux = ();` and return `(loss, ())`
/// when there is nothing to carry out.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::{value_and_grad_tree, Argnums, TreeFunc};
/// use burnax::tree::{Leaf, TreeDef};
///
/// /// sum((x w + b)^2) over fixed x, differentiated in (w, b); aux: the predictions.
/// struct Loss(Vec<f32>);
/// impl TreeFunc for Loss {
///     type In = (Leaf<2>, Leaf<1>);
///     type Aux = Leaf<2>;
///     fn call<B: Backend>(&self, (w, b): (Tensor<B, 2>, Tensor<B, 1>)) -> (Tensor<B, 1>, Tensor<B, 2>) {
///         let x = Tensor::<B, 1>::from_floats(self.0.as_slice(), &w.device()).reshape([1, 2]);
///         let pred = x.matmul(w) + b.unsqueeze();
///         (pred.clone().square().sum(), pred)
///     }
/// }
/// let d = Default::default();
/// let w = Tensor::<Flex, 2>::from_floats([[1.0], [2.0]], &d);
/// let b = Tensor::<Flex, 1>::from_floats([0.5], &d);
/// let (loss, pred, (dw, db)) = value_and_grad_tree(&Loss(vec![1.0, 1.0]), (w, b), Argnums::All);
/// assert_eq!(loss.into_scalar(), 12.25); // (1 + 2 + 0.5)^2
/// assert_eq!(db.into_scalar(), 7.0); // 2 * 3.5
/// assert_eq!(dw.into_data().to_vec::<f32>().unwrap(), vec![7.0, 7.0]);
/// ```
pub trait TreeFunc {
    /// Structure of the input.
    type In: TreeDef;
    /// Structure of the auxiliary output.
    type Aux: TreeDef;
    /// Evaluates the function on backend `B`: the scalar (shape `[1]`) and the auxiliary data.
    fn call<B: Backend>(
        &self,
        x: <Self::In as TreeDef>::On<B>,
    ) -> (Tensor<B, 1>, <Self::Aux as TreeDef>::On<B>);
}

/// Which top-level elements of the input to differentiate (JAX's `argnums`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Argnums<'a> {
    /// Every element.
    All,
    /// The listed positions.
    Only(&'a [usize]),
}

/// Moves leaves to `Autodiff<B>`, marking the selected ones as variables.
struct Lift<'a> {
    selected: &'a [bool],
    i: usize,
}

impl<B: Backend> MapLeaves<B, Autodiff<B>> for Lift<'_> {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<Autodiff<B>, D> {
        let t = Tensor::from_inner(t);
        let t = if self.selected[self.i] {
            t.require_grad()
        } else {
            t
        };
        self.i += 1;
        t
    }
}

/// Reads the gradient of each leaf (zeros for leaves not selected or not used).
struct ReadGrads<'a, B: Backend> {
    grads: &'a <Autodiff<B> as AutodiffBackend>::Gradients,
    selected: &'a [bool],
    i: usize,
}

impl<B: Backend> MapLeaves<Autodiff<B>, B> for ReadGrads<'_, B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<Autodiff<B>, D>) -> Tensor<B, D> {
        let g = if self.selected[self.i] {
            t.grad(self.grads)
        } else {
            None
        };
        self.i += 1;
        g.unwrap_or_else(|| t.inner().zeros_like())
    }
}

/// Brings leaves back from `Autodiff<B>` without their graph.
struct Inner;

impl<B: Backend> MapLeaves<Autodiff<B>, B> for Inner {
    fn leaf<const D: usize>(&mut self, t: Tensor<Autodiff<B>, D>) -> Tensor<B, D> {
        t.inner()
    }
}

/// The value, the auxiliary output and the gradient of `f` at `x` with respect to the
/// top-level elements `argnums` of the input tree. The gradient has the input's structure;
/// elements not in `argnums` hold zeros.
///
/// # Panics
/// If a position in `argnums` is out of range for the input, or `f` does not return shape
/// `[1]`; the message names the argument and the shape.
#[allow(clippy::type_complexity)]
#[track_caller]
pub fn value_and_grad_tree<F: TreeFunc, B: Backend>(
    f: &F,
    x: <F::In as TreeDef>::On<B>,
    argnums: Argnums,
) -> (
    Tensor<B, 1>,
    <F::Aux as TreeDef>::On<B>,
    <F::In as TreeDef>::On<B>,
) {
    let per_top = F::In::top_level_leaves::<B>(&x);
    let selected: Vec<bool> = match argnums {
        Argnums::All => vec![true; F::In::leaf_count::<B>(&x)],
        Argnums::Only(positions) => {
            for &p in positions {
                assert!(
                    p < per_top.len(),
                    "argnums: position {p} is out of range for an input with {} top-level elements",
                    per_top.len()
                );
            }
            per_top
                .iter()
                .enumerate()
                .flat_map(|(p, &n)| std::iter::repeat_n(positions.contains(&p), n))
                .collect()
        }
    };
    let xa = F::In::map(
        x,
        &mut Lift {
            selected: &selected,
            i: 0,
        },
    );
    let (y, aux) = f.call::<Autodiff<B>>(xa.clone());
    assert_eq!(
        y.dims(),
        [1],
        "value_and_grad_tree: the function must return a scalar (shape [1]), got shape {:?}",
        y.dims()
    );
    let grads = y.backward();
    let g = F::In::map(
        xa,
        &mut ReadGrads::<B> {
            grads: &grads,
            selected: &selected,
            i: 0,
        },
    );
    (y.inner(), F::Aux::map(aux, &mut Inner), g)
}

/// `grad` of a [`TreeFunc`] in the top-level elements `argnums` (all by default), itself a
/// [`TreeFn`] from the input tree to the gradient tree, so it composes with
/// [`vmap_tree`](crate::vmap::vmap_tree) (per-example gradients) and nests. The auxiliary output
/// is dropped; [`value_and_grad_tree`] returns it. Built by [`grad_tree`].
#[derive(Clone, Debug)]
pub struct GradTree<F> {
    f: F,
    argnums: Option<Vec<usize>>,
}

/// `grad_tree(f)`: `x -> df/dx` for a scalar [`TreeFunc`] `f` (JAX's `grad(f, argnums)` on
/// pytrees). Elements not in `argnums` get zeros.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::{grad_tree, TreeFunc};
/// use burnax::tree::{Leaf, TreeFn};
///
/// /// sum(w * x) for a weight vector w and an input x.
/// struct Dot;
/// impl TreeFunc for Dot {
///     type In = (Leaf<1>, Leaf<1>);
///     type Aux = ();
///     fn call<B: Backend>(&self, (w, x): (Tensor<B, 1>, Tensor<B, 1>)) -> (Tensor<B, 1>, ()) {
///         ((w * x).sum(), ())
///     }
/// }
/// let d = Default::default();
/// let w = Tensor::<Flex, 1>::from_floats([1.0, 2.0], &d);
/// let x = Tensor::<Flex, 1>::from_floats([3.0, 4.0], &d);
/// let (dw, dx) = grad_tree(Dot).argnums(&[0]).call((w, x));
/// assert_eq!(dw.into_data().to_vec::<f32>().unwrap(), [3.0, 4.0]); // d/dw = x
/// assert_eq!(dx.into_data().to_vec::<f32>().unwrap(), [0.0, 0.0]); // not asked for
/// ```
pub fn grad_tree<F: TreeFunc>(f: F) -> GradTree<F> {
    GradTree { f, argnums: None }
}

impl<F> GradTree<F> {
    /// Differentiates only the listed top-level elements (JAX's `argnums`).
    pub fn argnums(mut self, argnums: &[usize]) -> Self {
        self.argnums = Some(argnums.to_vec());
        self
    }
}

impl<F: TreeFunc> TreeFn for GradTree<F> {
    type In = F::In;
    type Out = F::In;

    /// # Panics
    /// As [`value_and_grad_tree`].
    #[track_caller]
    fn call<B: Backend>(&self, x: <F::In as TreeDef>::On<B>) -> <F::In as TreeDef>::On<B> {
        let argnums = match &self.argnums {
            Some(a) => Argnums::Only(a),
            None => Argnums::All,
        };
        value_and_grad_tree(&self.f, x, argnums).2
    }
}

/// The Jacobian of a [`TreeFn`] by reverse mode, itself a [`TreeFn`] (`jax.jacrev` on
/// pytrees). Built by [`jacrev_tree`].
#[derive(Clone, Copy, Debug)]
pub struct JacrevTree<F> {
    f: F,
    looped: bool,
}

impl<F> JacrevTree<F> {
    /// One forward and reverse pass per output scalar instead of one batched pass, as
    /// [`Jacrev::looped`].
    pub fn looped(mut self) -> Self {
        self.looped = true;
        self
    }
}

/// `jacrev_tree(f)`: for `f` from a tree to a tree, `x -> [d y_k / d x for k in outputs]`, one
/// gradient tree (the input's structure) per scalar of the output, the output's leaves read in
/// order and each row-major. JAX stacks the rows inside each leaf instead; here the rows are the
/// outer `Vec`, which needs no rank arithmetic in types. One forward and one reverse pass, the
/// cotangent being the identity mapped by [`vmap`], as [`jacrev`] explains.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::jacrev_tree;
/// use burnax::tree::{Leaf, TreeFn};
///
/// /// (a, b) -> a * b, elementwise.
/// struct Product;
/// impl TreeFn for Product {
///     type In = (Leaf<1>, Leaf<1>);
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, (a, b): (Tensor<B, 1>, Tensor<B, 1>)) -> Tensor<B, 1> {
///         a * b
///     }
/// }
/// let d = Default::default();
/// let a = Tensor::<Flex, 1>::from_floats([1.0, 2.0], &d);
/// let b = Tensor::<Flex, 1>::from_floats([3.0, 4.0], &d);
/// let rows = jacrev_tree(Product).call((a, b));
/// assert_eq!(rows.len(), 2);
/// let (da, db) = &rows[1]; // d (a_1 b_1) / d (a, b)
/// assert_eq!(da.to_data().to_vec::<f32>().unwrap(), [0.0, 4.0]);
/// assert_eq!(db.to_data().to_vec::<f32>().unwrap(), [0.0, 2.0]);
/// ```
pub fn jacrev_tree<F: TreeFn>(f: F) -> JacrevTree<F> {
    JacrevTree { f, looped: false }
}

/// `hessian_tree(f)`: for a scalar [`TreeFunc`] `f`, `jacrev_tree(grad_tree(f))`: one tree of
/// second derivatives per scalar of the input (`jax.hessian` on pytrees, rows outermost).
pub fn hessian_tree<F: TreeFunc>(f: F) -> JacrevTree<GradTree<F>> {
    jacrev_tree(grad_tree(f))
}

/// Collects every leaf of a tree flattened to a vector, leaves in order.
struct Flatten<B: Backend>(Vec<Tensor<B, 1>>);

impl<B: Backend> MapLeaves<B, B> for Flatten<B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        let n = t.shape().num_elements();
        self.0.push(t.clone().reshape([n]));
        t
    }
}

/// Collects every leaf's shape, leaves in order.
struct Shapes(Vec<Vec<usize>>);

impl<B: Backend> MapLeaves<B, B> for Shapes {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        self.0.push(t.dims().to_vec());
        t
    }
}

/// Every leaf of a tree, flattened and concatenated.
fn flat<T: TreeDef, B: Backend>(y: T::On<B>) -> Tensor<B, 1> {
    Tensor::cat(leaves::<T, B>(&y), 0)
}

/// Output scalar `i` of a tree function, as a scalar [`TreeFunc`].
struct Pick<'a, F> {
    f: &'a F,
    i: usize,
}

impl<F: TreeFn> TreeFunc for Pick<'_, F> {
    type In = F::In;
    type Aux = ();
    fn call<B: Backend>(&self, x: <F::In as TreeDef>::On<B>) -> (Tensor<B, 1>, ()) {
        (flat::<F::Out, B>(self.f.call(x)).narrow(0, self.i, 1), ())
    }
}

impl<F: TreeFn> TreeFn for JacrevTree<F> {
    type In = F::In;
    type Out = Vec<F::In>;

    fn call<B: Backend>(&self, x: <F::In as TreeDef>::On<B>) -> Vec<<F::In as TreeDef>::On<B>> {
        if self.looped {
            let [m] = flat::<F::Out, B>(self.f.call(x.clone())).dims();
            return (0..m)
                .map(|i| value_and_grad_tree(&Pick { f: &self.f, i }, x.clone(), Argnums::All).2)
                .collect();
        }
        // Example i's cotangent is 1 at output scalar i: its gradient is row i.
        let mut m = 0;
        let identity = |y: &<F::Out as TreeDef>::On<Batched<B>>| {
            let (size, v) = batched_identity::<F::Out, B>(y);
            m = size;
            v
        };
        let xs = F::In::map(x, &mut vmap::ToBatched);
        let (_, _, rows) = vjp_with(&self.f, xs, identity, "jacrev_tree");
        // With no output scalar there are no rows (and the pass above ran unbatched).
        (0..m).map(|i| F::In::map(rows.clone(), &mut Row(i))).collect()
    }
}

/// The number `m` of scalars of a tree (on `Batched<B>`, unbatched) and the identity over them
/// in its structure: each leaf batched over the `m` examples, example `i` being 1 at scalar `i`
/// (leaves in order, each row-major) and 0 elsewhere. The cotangent of the reverse-mode
/// Jacobians, the tangent of the forward-mode ones. With no scalar, the tree itself: nothing to
/// batch.
fn batched_identity<T: TreeDef, B: Backend>(t: &T::On<Batched<B>>) -> (usize, T::On<Batched<B>>) {
    let m = shapes::<T, Batched<B>>(t)
        .iter()
        .map(|s| s.iter().product::<usize>())
        .sum();
    if m == 0 {
        return (0, t.clone());
    }
    let identity = T::map(
        t.clone(),
        &mut IdentityRows::<B> {
            m,
            offset: 0,
            eye: None,
        },
    );
    (m, identity)
}

/// The mapper behind [`batched_identity`].
struct IdentityRows<B: Backend> {
    m: usize,
    offset: usize,
    eye: Option<Tensor<B, 2>>,
}

impl<B: Backend> MapLeaves<Batched<B>, Batched<B>> for IdentityRows<B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<Batched<B>, D>) -> Tensor<Batched<B>, D> {
        let (m, device, dtype) = (self.m, t.device(), t.dtype());
        let dims = t.dims();
        let n: usize = dims.iter().product();
        let shape: Vec<usize> = core::iter::once(m).chain(dims).collect();
        let inner = if n == 0 {
            // A leaf with no scalars: no column of the identity falls in it.
            B::float_zeros(shape.into(), &device, dtype.into())
        } else {
            let eye = self.eye.get_or_insert_with(|| Tensor::<B, 2>::eye(m, &device));
            // Each leaf in its own dtype (a tree may mix f32 and f64 leaves).
            let columns = eye
                .clone()
                .narrow(1, self.offset, n)
                .cast(FloatDType::from(dtype));
            B::float_reshape(columns.into_primitive().tensor(), shape.into())
        };
        self.offset += n;
        Tensor::from_primitive(TensorPrimitive::Float(BatchedTensor { inner, size: Some(m) }))
    }
}

/// Example `i` of every leaf; an unbatched leaf is the same for every example.
struct Row(usize);

impl<B: Backend> MapLeaves<Batched<B>, B> for Row {
    fn leaf<const D: usize>(&mut self, t: Tensor<Batched<B>, D>) -> Tensor<B, D> {
        let BatchedTensor { inner, size } = t.into_primitive().tensor();
        let inner = match size {
            Some(_) => vmap::example::<B>(&inner, self.0),
            None => inner,
        };
        Tensor::from_primitive(TensorPrimitive::Float(inner))
    }
}

/// `f(x)` and the vector-Jacobian product over trees (`jax.vjp` on pytrees, applied): the
/// gradient of `sum over the output's leaves of sum(y_k * v_k)`, in the input's structure. One
/// forward and one reverse pass.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::vjp_tree;
/// use burnax::tree::{Leaf, TreeFn};
///
/// /// (a, b) -> (a * b, a + b), elementwise.
/// struct ProdSum;
/// impl TreeFn for ProdSum {
///     type In = (Leaf<1>, Leaf<1>);
///     type Out = (Leaf<1>, Leaf<1>);
///     fn call<B: Backend>(&self, (a, b): (Tensor<B, 1>, Tensor<B, 1>)) -> (Tensor<B, 1>, Tensor<B, 1>) {
///         (a.clone() * b.clone(), a + b)
///     }
/// }
/// let d = Default::default();
/// let t = |v: [f32; 2]| Tensor::<Flex, 1>::from_floats(v, &d);
/// let v = (t([1.0, 0.0]), t([0.0, 1.0])); // picks a_0 b_0 and a_1 + b_1
/// let (_, (da, db)) = vjp_tree(&ProdSum, (t([2.0, 3.0]), t([5.0, 7.0])), v);
/// assert_eq!(da.into_data().to_vec::<f32>().unwrap(), [5.0, 1.0]);
/// assert_eq!(db.into_data().to_vec::<f32>().unwrap(), [2.0, 1.0]);
/// ```
///
/// # Panics
/// If `v` does not have the structure and leaf shapes of `f(x)`, naming the leaf and both
/// shapes.
#[allow(clippy::type_complexity)]
#[track_caller]
pub fn vjp_tree<F: TreeFn, B: Backend>(
    f: &F,
    x: <F::In as TreeDef>::On<B>,
    v: <F::Out as TreeDef>::On<B>,
) -> (<F::Out as TreeDef>::On<B>, <F::In as TreeDef>::On<B>) {
    let (y, _, g) = vjp_with(f, x, |_| v, "vjp_tree");
    (y, g)
}

/// `f(x)` and the Jacobian-vector product over trees (`jax.jvp` on pytrees, for one tangent
/// tree), in the output's structure. Reverse over reverse, as [`jvp`] explains.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::jvp_tree;
/// use burnax::tree::{Leaf, TreeFn};
///
/// /// (a, b) -> a * b, elementwise: J t = b t_a + a t_b.
/// struct Product;
/// impl TreeFn for Product {
///     type In = (Leaf<1>, Leaf<1>);
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, (a, b): (Tensor<B, 1>, Tensor<B, 1>)) -> Tensor<B, 1> {
///         a * b
///     }
/// }
/// let d = Default::default();
/// let t = |v: [f32; 2]| Tensor::<Flex, 1>::from_floats(v, &d);
/// let (y, jt) = jvp_tree(&Product, (t([2.0, 3.0]), t([5.0, 7.0])), (t([1.0, 0.0]), t([0.0, 1.0])));
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), [10.0, 21.0]);
/// assert_eq!(jt.into_data().to_vec::<f32>().unwrap(), [5.0, 3.0]);
/// ```
///
/// # Panics
/// If `t` does not have the structure and leaf shapes of `x`, naming the leaf and both shapes.
#[allow(clippy::type_complexity)]
#[track_caller]
pub fn jvp_tree<F: TreeFn, B: Backend>(
    f: &F,
    x: <F::In as TreeDef>::On<B>,
    t: <F::In as TreeDef>::On<B>,
) -> (<F::Out as TreeDef>::On<B>, <F::Out as TreeDef>::On<B>) {
    jvp_with(f, x, t, "jvp_tree")
}

/// The Jacobian of a [`TreeFn`] column by column, itself a [`TreeFn`] (`jax.jacfwd` on
/// pytrees). Built by [`jacfwd_tree`].
#[derive(Clone, Copy, Debug)]
pub struct JacfwdTree<F>(pub F);

/// `jacfwd_tree(f)`: for `f` from a tree to a tree, `x -> [d y / d x_j for j in inputs]`, one
/// tree in the output's structure per scalar of the input (the input's leaves read in order, each
/// row-major): the [`jvp_tree`]s of the basis vectors in one batched pass, as [`jacfwd`]. Column
/// `j` here is the transpose of entry `j` of every row of [`jacrev_tree`]; JAX appends the
/// input's axes to each output leaf instead.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::grad::jacfwd_tree;
/// use burnax::tree::{Leaf, TreeFn};
///
/// /// x -> (sum(x), x^2)
/// struct SumSquares;
/// impl TreeFn for SumSquares {
///     type In = Leaf<1>;
///     type Out = (Leaf<1>, Leaf<1>);
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> (Tensor<B, 1>, Tensor<B, 1>) {
///         (x.clone().sum(), x.square())
///     }
/// }
/// let x = Tensor::<Flex, 1>::from_floats([3.0, 4.0], &Default::default());
/// let columns = jacfwd_tree(SumSquares).call(x);
/// let (ds, dsq) = &columns[1]; // d / d x_1
/// assert_eq!(ds.to_data().to_vec::<f32>().unwrap(), [1.0]);
/// assert_eq!(dsq.to_data().to_vec::<f32>().unwrap(), [0.0, 8.0]);
/// ```
pub fn jacfwd_tree<F: TreeFn>(f: F) -> JacfwdTree<F> {
    JacfwdTree(f)
}

impl<F: TreeFn> TreeFn for JacfwdTree<F> {
    type In = F::In;
    type Out = Vec<F::Out>;

    fn call<B: Backend>(&self, x: <F::In as TreeDef>::On<B>) -> Vec<<F::Out as TreeDef>::On<B>> {
        let xs = F::In::map(x, &mut vmap::ToBatched);
        // Example j's tangent is 1 at input scalar j: its product is column j.
        let (n, tangents) = batched_identity::<F::In, B>(&xs);
        if n == 0 {
            return Vec::new();
        }
        let (_, columns) = jvp_with(&self.0, xs, tangents, "jacfwd_tree");
        (0..n)
            .map(|j| F::Out::map(columns.clone(), &mut Row(j)))
            .collect()
    }
}

/// `f(x)`, the cotangent `v = cotangent(f(x))` and `v^T J(x)`: one forward and one reverse
/// pass. [`jvp_with`] makes its cotangent from the output, which is why `v` is built here.
#[allow(clippy::type_complexity)]
#[track_caller]
fn vjp_with<F: TreeFn, B: Backend>(
    f: &F,
    x: <F::In as TreeDef>::On<B>,
    cotangent: impl FnOnce(&<F::Out as TreeDef>::On<B>) -> <F::Out as TreeDef>::On<B>,
    name: &str,
) -> (
    <F::Out as TreeDef>::On<B>,
    <F::Out as TreeDef>::On<B>,
    <F::In as TreeDef>::On<B>,
) {
    let all = vec![true; F::In::leaf_count::<B>(&x)];
    let xa = F::In::map(x, &mut Lift { selected: &all, i: 0 });
    let y = f.call::<Autodiff<B>>(xa.clone());
    let y_value = F::Out::map(y.clone(), &mut Inner);
    let v = cotangent(&y_value);
    same_shapes::<F::Out, B>(name, (&v, "cotangent v"), (&y_value, "output f(x)"));
    let none = vec![false; F::Out::leaf_count::<B>(&v)];
    let va = F::Out::map(
        v.clone(),
        &mut Lift {
            selected: &none,
            i: 0,
        },
    );
    let g = match dot::<F::Out, Autodiff<B>>(y, va) {
        Some(d) => F::In::map(
            xa,
            &mut ReadGrads::<B> {
                grads: &d.backward(),
                selected: &all,
                i: 0,
            },
        ),
        // An output with no leaves: nothing depends on x.
        None => F::In::map(xa, &mut Zeros),
    };
    (y_value, v, g)
}

/// `f(x)` and `J(x) t`, as [`jvp`] explains: the outer `Autodiff` level tracks the cotangent
/// `u`, the inner one differentiates `f` once, and `J t` is the gradient of `(J^T u) . t` in `u`.
#[allow(clippy::type_complexity)]
#[track_caller]
fn jvp_with<F: TreeFn, B: Backend>(
    f: &F,
    x: <F::In as TreeDef>::On<B>,
    t: <F::In as TreeDef>::On<B>,
    name: &str,
) -> (<F::Out as TreeDef>::On<B>, <F::Out as TreeDef>::On<B>) {
    same_shapes::<F::In, B>(name, (&t, "tangent t"), (&x, "input x"));
    let constant = vec![false; F::In::leaf_count::<B>(&x)];
    let xo = F::In::map(
        x,
        &mut Lift {
            selected: &constant,
            i: 0,
        },
    );
    let (y, u, jt_u) = vjp_with(f, xo, |y| F::Out::map(y.clone(), &mut Tracked), name);
    let to = F::In::map(
        t,
        &mut Lift {
            selected: &constant,
            i: 0,
        },
    );
    let jt = match dot::<F::In, Autodiff<B>>(jt_u, to) {
        Some(d) => {
            let all = vec![true; F::Out::leaf_count::<Autodiff<B>>(&u)];
            F::Out::map(
                u,
                &mut ReadGrads::<B> {
                    grads: &d.backward(),
                    selected: &all,
                    i: 0,
                },
            )
        }
        // An input with no leaves: the product is zero.
        None => F::Out::map(u, &mut Zeros),
    };
    (F::Out::map(y, &mut Inner), jt)
}

/// `sum over leaves of sum(a_k * b_k)`, or `None` for a tree with no leaves.
fn dot<T: TreeDef, B: Backend>(a: T::On<B>, b: T::On<B>) -> Option<Tensor<B, 1>> {
    leaves::<T, B>(&a)
        .into_iter()
        .zip(leaves::<T, B>(&b))
        .map(|(a, b)| (a * b).sum())
        .reduce(|acc, s| acc + s)
}

/// Panics unless `a` and `b` have the same leaves with the same shapes, naming the first
/// difference.
#[track_caller]
fn same_shapes<T: TreeDef, B: Backend>(name: &str, a: (&T::On<B>, &str), b: (&T::On<B>, &str)) {
    let (sa, sb) = (shapes::<T, B>(a.0), shapes::<T, B>(b.0));
    let (what_a, what_b) = (a.1, b.1);
    assert_eq!(
        sa.len(),
        sb.len(),
        "{name}: the {what_a} has {} leaves, the {what_b} has {}",
        sa.len(),
        sb.len()
    );
    for (k, (x, y)) in sa.iter().zip(&sb).enumerate() {
        if x != y {
            if sa.len() == 1 {
                panic!("{name}: the {what_a} has shape {x:?}, the {what_b} has shape {y:?}");
            }
            panic!(
                "{name}: leaf {k} of the {what_a} has shape {x:?}, leaf {k} of the {what_b} has shape {y:?}"
            );
        }
    }
}

/// Every leaf of a tree, flattened to a vector, in order.
fn leaves<T: TreeDef, B: Backend>(t: &T::On<B>) -> Vec<Tensor<B, 1>> {
    let mut f = Flatten(Vec::new());
    T::map::<B, B, _>(t.clone(), &mut f);
    f.0
}

/// Every leaf's shape, in order.
fn shapes<T: TreeDef, B: Backend>(t: &T::On<B>) -> Vec<Vec<usize>> {
    let mut f = Shapes(Vec::new());
    T::map::<B, B, _>(t.clone(), &mut f);
    f.0
}

/// Zeros in place of every leaf, without a graph.
struct Zeros;

impl<B: Backend> MapLeaves<Autodiff<B>, B> for Zeros {
    fn leaf<const D: usize>(&mut self, t: Tensor<Autodiff<B>, D>) -> Tensor<B, D> {
        t.inner().zeros_like()
    }
}

/// Zeros in place of every leaf, tracked: the cotangent `u` that [`jvp_with`] differentiates in.
struct Tracked;

impl<B: AutodiffBackend> MapLeaves<B, B> for Tracked {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        t.zeros_like().require_grad()
    }
}

/// `layer.forward(x)` for Burn's `nn::Linear`, written with `matmul` and an add, so that it
/// can be differentiated to any order: Burn's own `forward` calls a fused operation whose
/// backward pass Burn cannot differentiate again (see the [module docs](self)). Same result up
/// to rounding.
///
/// ```
/// use burn::backend::Flex;
/// use burn::nn::LinearConfig;
/// use burn::prelude::*;
/// use burnax::grad::{hessian, linear, Func};
///
/// /// sum(tanh(x W + b)^2) for a fixed layer of 3 inputs.
/// struct Loss;
/// impl Func<1, 1> for Loss {
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         let layer = LinearConfig::new(3, 2).init::<B>(&x.device());
///         linear(&layer, x.reshape([1, 3])).tanh().square().sum()
///     }
/// }
/// let x = Tensor::<Flex, 1>::from_floats([0.1, -0.2, 0.3], &Default::default());
/// assert_eq!(hessian(Loss).call(x).dims(), [3, 3]);
/// ```
pub fn linear<B: Backend, const D: usize>(layer: &burn::nn::Linear<B>, x: Tensor<B, D>) -> Tensor<B, D> {
    let y = x.matmul(layer.weight.val().unsqueeze());
    match &layer.bias {
        Some(b) => y + b.val().unsqueeze(),
        None => y,
    }
}

/// The value of a scalar loss of a Burn module and the gradients of all its parameters
/// (JAX's `value_and_grad` with the model's parameters as the differentiated argument).
///
/// The module lives on an autodiff backend, as Burn modules being trained do; the gradients come
/// back as Burn's [`GradientsParams`], ready for an optimizer, and are read per parameter with
/// `grads.get::<B::InnerBackend, D>(param.id)`.
///
/// ```
/// use burn::backend::{Autodiff, Flex};
/// use burn::nn::LinearConfig;
/// use burn::prelude::*;
/// use burnax::grad::value_and_grad_module;
///
/// type B = Autodiff<Flex>;
/// let device = Default::default();
/// let linear = LinearConfig::new(3, 1).init::<B>(&device);
/// let x = Tensor::<B, 2>::ones([4, 3], &device);
/// let (loss, grads) = value_and_grad_module(&linear, |m| m.forward(x.clone()).square().sum());
/// let dw = grads.get::<Flex, 2>(linear.weight.id).expect("the weight is used");
/// assert_eq!(dw.dims(), [3, 1]);
/// assert!(loss.into_scalar() >= 0.0);
/// ```
///
/// # Panics
/// If `loss` does not return shape `[1]`.
#[track_caller]
pub fn value_and_grad_module<AB: AutodiffBackend, M: AutodiffModule<AB>>(
    module: &M,
    loss: impl FnOnce(&M) -> Tensor<AB, 1>,
) -> (Tensor<AB::InnerBackend, 1>, GradientsParams) {
    let y = loss(module);
    assert_eq!(
        y.dims(),
        [1],
        "value_and_grad_module: the loss must be a scalar (shape [1]), got shape {:?}",
        y.dims()
    );
    let grads = y.backward();
    (y.inner(), GradientsParams::from_grads(grads, module))
}
