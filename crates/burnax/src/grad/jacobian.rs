//! [`jacrev`], [`jacfwd`] and [`hessian`]: whole Jacobians, in JAX's layout (see
//! [`Jacobian`](super::Jacobian)), each from one pass batched by [`vmap`](mod@crate::vmap) as JAX does.

use core::marker::PhantomData;

use burn::prelude::*;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{FloatDType, Shape, Slice, TensorMetadata, TensorPrimitive};

use super::aux::{AuxMode, HasAux, NoAux};
use super::layout::Jacobian;
use super::pass::{jvp_with, selected, value_and_grad_with, vjp_with, Options};
use super::value::Grad;
use crate::function::Function;
use crate::tree::{flat, leaves, shapes, Leaf, MapLeaves, On, TreeDef};
use crate::vmap::{physical, to_batched, unbatched, Batched, BatchedTensor};

/// The Jacobian of a function by reverse mode, itself a [`Function`] (`jax.jacrev`). Built by
/// [`jacrev`].
#[derive(Clone, Debug)]
pub struct Jacrev<F, M = NoAux> {
    f: F,
    opts: Options,
    _mode: PhantomData<M>,
}

/// `jacrev(f)`: the function `x -> J(x)` in JAX's layout: for `f` from `[n]` to `[m]`, the
/// `[m, n]` matrix `J[i, j] = d f_i / d x_j`; for trees, the output's structure holding, per
/// output leaf, the input's structure with the output leaf's axes in front
/// ([`Jacobian`](super::Jacobian)).
///
/// As JAX does, the rows come from one forward and one reverse pass whose cotangent is the
/// identity over the output's scalars, mapped over its rows by [`vmap`](mod@crate::vmap) (the
/// function runs on `Autodiff<Batched<B>>`). That holds `m` copies of the backward pass's
/// intermediates and an `m x m` identity: for many outputs, `.looped()` runs one pass per row
/// instead, trading time for memory. `.looped()` is also the oracle in the tests and the way out
/// for a function using an operation with no batching rule.
///
/// Options: `.argnums(&[..])` (rows in the other top-level elements are zeros), `.has_aux()`
/// (the result is `(J, aux)`), `.looped()`.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{jacrev, Function};
///
/// /// (a, b) -> a * b, elementwise.
/// struct Product;
/// impl Function for Product {
///     type In = (Leaf<1>, Leaf<1>);
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, (a, b): (Tensor<B, 1>, Tensor<B, 1>)) -> Tensor<B, 1> {
///         a * b
///     }
/// }
/// let d = Default::default();
/// let a = Tensor::<Flex, 1>::from_floats([1.0, 2.0], &d);
/// let b = Tensor::<Flex, 1>::from_floats([3.0, 4.0], &d);
/// let (da, db) = jacrev(Product).call((a, b)); // each [2, 2]: diag(b), diag(a)
/// assert_eq!(da.into_data().to_vec::<f32>().unwrap(), [3.0, 0.0, 0.0, 4.0]);
/// assert_eq!(db.into_data().to_vec::<f32>().unwrap(), [1.0, 0.0, 0.0, 2.0]);
/// ```
///
/// # Panics
/// Calling it panics if the backward pass of `f` uses an operation that has no batching rule
/// (the message names the operation and says "vmap"); `.looped()` needs none.
pub fn jacrev<F: Function>(f: F) -> Jacrev<F> {
    Jacrev {
        f,
        opts: Options::default(),
        _mode: PhantomData,
    }
}

/// The Jacobian of a function by forward mode, itself a [`Function`] (`jax.jacfwd`). Built by
/// [`jacfwd`].
#[derive(Clone, Debug)]
pub struct Jacfwd<F, M = NoAux> {
    f: F,
    opts: Options,
    _mode: PhantomData<M>,
}

/// `jacfwd(f)`: the same Jacobian as [`jacrev`], column by column: the [`jvp`](crate::jvp)s of
/// the input's basis vectors, mapped by [`vmap`](mod@crate::vmap) into one batched pass as JAX does
/// (see [`jvp`](crate::jvp) for what a pass costs here). With `.argnums(&[..])` only the
/// selected elements get tangents (columns in the others are zeros); `.has_aux()` as
/// [`jacrev`].
///
/// # Panics
/// Calling it panics if the passes of `f` use an operation that has no batching rule, naming the
/// operation; `jacrev(f).looped()` computes the same matrix without batching.
pub fn jacfwd<F: Function>(f: F) -> Jacfwd<F> {
    Jacfwd {
        f,
        opts: Options::default(),
        _mode: PhantomData,
    }
}

/// The Hessian of a scalar function, itself a [`Function`] (`jax.hessian`). Built by
/// [`hessian`].
#[derive(Clone, Debug)]
pub struct Hessian<F, M = NoAux> {
    f: F,
    opts: Options,
    _mode: PhantomData<M>,
}

/// `hessian(f)`: for a scalar `f`, `jacrev(grad(f))`, reverse over reverse (nested
/// `Autodiff`), in JAX's layout: `[n, n]` for an input `[n]`; for a tuple of inputs, the tuple
/// of tuples of blocks. `.argnums(&[..])` differentiates both times in the selected elements,
/// `.has_aux()` returns `(H, aux)`, `.looped()` runs a reverse pass per row.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::{hessian, Function};
///
/// /// f(x) = x_0^2 x_1.
/// struct F;
/// impl Function for F {
///     type In = Leaf<1>;
///     type Out = Leaf<1>;
///     fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
///         x.clone().narrow(0, 0, 1).square() * x.narrow(0, 1, 1)
///     }
/// }
/// let x = Tensor::<Flex, 1>::from_floats([3.0, 2.0], &Default::default());
/// let h = hessian(F).call(x); // [[2 x_1, 2 x_0], [2 x_0, 0]]
/// assert_eq!(h.into_data().to_vec::<f32>().unwrap(), [4.0, 6.0, 6.0, 0.0]);
/// ```
pub fn hessian<F: Function>(f: F) -> Hessian<F> {
    Hessian {
        f,
        opts: Options::default(),
        _mode: PhantomData,
    }
}

super::options::options!(Jacrev, Jacfwd, Hessian);

macro_rules! looped {
    ($($t:ident),*) => {$(
        impl<F, M> $t<F, M> {
            /// One forward and reverse pass per output scalar instead of one batched pass:
            /// slower (by the number of outputs, less the batching's own gain), but needs no
            /// batching rules and holds one pass's memory.
            pub fn looped(mut self) -> Self {
                self.opts.looped = true;
                self
            }
        }
    )*};
}

looped!(Jacrev, Hessian);

/// The Jacobian's type for a function `F` under mode `M`.
type JacobianOf<F, M> = <<M as AuxMode<<F as Function>::Out>>::Primary as Jacobian<<F as Function>::In>>::Of;

impl<F, M> Function for Jacrev<F, M>
where
    F: Function,
    M: AuxMode<F::Out>,
    M::Primary: Jacobian<F::In>,
{
    type In = F::In;
    type Out = M::With<JacobianOf<F, M>>;

    #[track_caller]
    fn call<B: Backend>(&self, x: On<F::In, B>) -> On<Self::Out, B> {
        let (jac, aux) = reverse::<F, M, B>(
            &self.f,
            x,
            self.opts.argnums.as_deref(),
            self.opts.looped,
            "jacrev",
        );
        M::with::<B, JacobianOf<F, M>>(jac, aux)
    }
}

impl<F, M> Function for Jacfwd<F, M>
where
    F: Function,
    M: AuxMode<F::Out>,
    M::Primary: Jacobian<F::In>,
{
    type In = F::In;
    type Out = M::With<JacobianOf<F, M>>;

    #[track_caller]
    fn call<B: Backend>(&self, x: On<F::In, B>) -> On<Self::Out, B> {
        let (jac, aux) = forward::<F, M, B>(&self.f, x, self.opts.argnums.as_deref(), "jacfwd");
        M::with::<B, JacobianOf<F, M>>(jac, aux)
    }
}

/// The gradient of `f` as [`hessian`] differentiates it again.
fn gradient_of<F, M>(h: &Hessian<F, M>) -> Grad<&F, M> {
    Grad {
        f: &h.f,
        opts: h.opts.clone(),
        _mode: PhantomData,
    }
}

impl<F> Function for Hessian<F, NoAux>
where
    F: Function<Out = Leaf<1>>,
    F::In: Jacobian<F::In>,
{
    type In = F::In;
    type Out = <F::In as Jacobian<F::In>>::Of;

    #[track_caller]
    fn call<B: Backend>(&self, x: On<F::In, B>) -> On<Self::Out, B> {
        let g = gradient_of(self);
        reverse::<_, NoAux, B>(&g, x, self.opts.argnums.as_deref(), self.opts.looped, "hessian").0
    }
}

impl<F, A> Function for Hessian<F, HasAux>
where
    F: Function<Out = (Leaf<1>, A)>,
    A: TreeDef,
    F::In: Jacobian<F::In>,
{
    type In = F::In;
    type Out = (<F::In as Jacobian<F::In>>::Of, A);

    #[track_caller]
    fn call<B: Backend>(&self, x: On<F::In, B>) -> On<Self::Out, B> {
        let g = gradient_of(self);
        reverse::<_, HasAux, B>(&g, x, self.opts.argnums.as_deref(), self.opts.looped, "hessian")
    }
}

/// Output scalar `i` of `f`'s primary output, as a scalar function: one row of the looped
/// Jacobian.
struct Pick<'a, F, M> {
    f: &'a F,
    i: usize,
    _mode: PhantomData<M>,
}

impl<F: Function, M: AuxMode<F::Out>> Function for Pick<'_, F, M> {
    type In = F::In;
    type Out = Leaf<1>;
    fn call<B: Backend>(&self, x: On<F::In, B>) -> Tensor<B, 1> {
        flat::<M::Primary, B>(M::split::<B>(self.f.call(x)).0).narrow(0, self.i, 1)
    }
}

/// The reverse-mode Jacobian of `f` at `x` and `f`'s auxiliary output: the gradient of every
/// output scalar, batched (one pass, the identity as a vmapped cotangent) or looped.
#[allow(clippy::type_complexity)]
#[track_caller]
fn reverse<F, M, B>(
    f: &F,
    x: On<F::In, B>,
    argnums: Option<&[usize]>,
    looped: bool,
    name: &str,
) -> (On<JacobianOf<F, M>, B>, On<M::Aux, B>)
where
    F: Function,
    M: AuxMode<F::Out>,
    M::Primary: Jacobian<F::In>,
    B: Backend,
{
    let selected = selected::<F::In, B>(&x, argnums, name);
    let inputs = info::<F::In, B>(&x);
    let (y, aux, rows) = if looped {
        let (y, aux) = M::split::<B>(f.call(x.clone()));
        let m = shapes::<M::Primary, B>(&y)
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum();
        let grads: Vec<Vec<Tensor<B, 1>>> = (0..m)
            .map(|i| {
                let pick = Pick::<F, M> {
                    f,
                    i,
                    _mode: PhantomData,
                };
                let g = value_and_grad_with::<_, NoAux, B>(&pick, x.clone(), &selected, name).1;
                leaves::<F::In, B>(&g)
            })
            .collect();
        // Leaf l's rows stacked: [m, n_l].
        let rows = inputs
            .iter()
            .enumerate()
            .map(|(l, leaf)| match m {
                0 => leaf.zeros(vec![0, leaf.size()]),
                _ => Tensor::stack::<2>(grads.iter().map(|g| g[l].clone()).collect(), 0)
                    .into_primitive()
                    .tensor(),
            })
            .collect();
        (y, aux, rows)
    } else {
        // Example i's cotangent is 1 at output scalar i: its gradient is row i.
        let mut m = 0;
        let identity = |y: &On<M::Primary, Batched<B>>| {
            let (size, v) = identity::<M::Primary, B>(y, None);
            m = size;
            v
        };
        let xs = to_batched::<F::In, B>(x.clone());
        let (y, aux, _, g) = vjp_with::<F, M, Batched<B>>(f, xs, &selected, identity, name);
        let rows = match m {
            // No output scalar: the pass ran unbatched, and there are no rows.
            0 => inputs
                .iter()
                .map(|leaf| leaf.zeros(vec![0, leaf.size()]))
                .collect(),
            _ => physical::<F::In, B>(g, m),
        };
        (unbatched::<M::Primary, B>(y), unbatched::<M::Aux, B>(aux), rows)
    };
    // Output leaf k's rows against input leaf l, shaped So_k ++ Si_l.
    let outputs = info::<M::Primary, B>(&y);
    let offsets = offsets(&outputs);
    let jac = M::Primary::assemble::<B>(&y, &x, &mut 0, &mut |k, l| {
        let shape = [outputs[k].shape.clone(), inputs[l].shape.clone()].concat();
        if outputs[k].size() == 0 || inputs[l].size() == 0 {
            return inputs[l].zeros(shape);
        }
        let block = rows_of::<B>(rows[l].clone(), offsets[k], outputs[k].size());
        B::float_reshape(block, shape.into())
    });
    (jac, aux)
}

/// The forward-mode Jacobian of `f` at `x` and `f`'s auxiliary output: the product with every
/// basis vector of the selected leaves, in one batched pass.
#[allow(clippy::type_complexity)]
#[track_caller]
fn forward<F, M, B>(
    f: &F,
    x: On<F::In, B>,
    argnums: Option<&[usize]>,
    name: &str,
) -> (On<JacobianOf<F, M>, B>, On<M::Aux, B>)
where
    F: Function,
    M: AuxMode<F::Out>,
    M::Primary: Jacobian<F::In>,
    B: Backend,
{
    let selected = selected::<F::In, B>(&x, argnums, name);
    let inputs = info::<F::In, B>(&x);
    let xs = to_batched::<F::In, B>(x.clone());
    // Example j's tangent is 1 at selected input scalar j: its product is column j.
    let (n, tangents) = identity::<F::In, B>(&xs, Some(&selected));
    let (y, aux, columns) = if n == 0 {
        let (y, aux) = M::split::<B>(f.call(x.clone()));
        (y, aux, Vec::new())
    } else {
        let (y, aux, jt) = jvp_with::<F, M, Batched<B>>(f, xs, tangents, name);
        let columns = physical::<M::Primary, B>(jt, n);
        (
            unbatched::<M::Primary, B>(y),
            unbatched::<M::Aux, B>(aux),
            columns,
        )
    };
    let outputs = info::<M::Primary, B>(&y);
    // Column offsets count the selected leaves only.
    let sizes: Vec<LeafInfo<B>> = inputs
        .iter()
        .zip(&selected)
        .map(|(leaf, &s)| if s { leaf.clone() } else { leaf.with_shape(vec![0]) })
        .collect();
    let offsets = offsets(&sizes);
    let jac = M::Primary::assemble::<B>(&y, &x, &mut 0, &mut |k, l| {
        let shape = [outputs[k].shape.clone(), inputs[l].shape.clone()].concat();
        match columns.get(k).cloned() {
            Some(c) if selected[l] && outputs[k].size() > 0 && inputs[l].size() > 0 => {
                // [n_l, So_k] -> [So_k, n_l] -> So_k ++ Si_l
                let block = rows_of::<B>(c, offsets[l], inputs[l].size());
                let rank = outputs[k].shape.len();
                let axes: Vec<usize> = (1..=rank).chain([0]).collect();
                B::float_reshape(B::float_permute(block, &axes), shape.into())
            }
            _ => outputs[k].zeros_like_dtype(&inputs[l], shape),
        }
    });
    (jac, aux)
}

/// Rows `start..start + len` of a physical tensor (axis 0).
fn rows_of<B: Backend>(p: FloatTensor<B>, start: usize, len: usize) -> FloatTensor<B> {
    let shape = p.shape();
    let mut slices: Vec<Slice> = shape
        .iter()
        .map(|&s| Slice::new(0, Some(s as isize), 1))
        .collect();
    slices[0] = Slice::new(start as isize, Some((start + len) as isize), 1);
    B::float_slice(p, &slices)
}

/// Where each leaf's scalars start when the leaves are laid end to end.
fn offsets<B: Backend>(leaves: &[LeafInfo<B>]) -> Vec<usize> {
    leaves
        .iter()
        .scan(0, |at, leaf| {
            let start = *at;
            *at += leaf.size();
            Some(start)
        })
        .collect()
}

/// A leaf's shape, dtype and device.
struct LeafInfo<B: Backend> {
    shape: Vec<usize>,
    dtype: FloatDType,
    device: B::Device,
}

impl<B: Backend> Clone for LeafInfo<B> {
    fn clone(&self) -> Self {
        Self {
            shape: self.shape.clone(),
            dtype: self.dtype,
            device: self.device.clone(),
        }
    }
}

impl<B: Backend> LeafInfo<B> {
    fn size(&self) -> usize {
        self.shape.iter().product()
    }

    fn with_shape(&self, shape: Vec<usize>) -> Self {
        Self {
            shape,
            ..self.clone()
        }
    }

    /// Zeros of `shape` in this leaf's dtype, on its device.
    fn zeros(&self, shape: Vec<usize>) -> FloatTensor<B> {
        B::float_zeros(Shape::from(shape), &self.device, self.dtype)
    }

    /// Zeros of `shape` in this (output) leaf's dtype, on `input`'s device.
    fn zeros_like_dtype(&self, input: &Self, shape: Vec<usize>) -> FloatTensor<B> {
        B::float_zeros(Shape::from(shape), &input.device, self.dtype)
    }
}

/// Collects every leaf's [`LeafInfo`].
struct Infos<B: Backend>(Vec<LeafInfo<B>>);

impl<B: Backend> MapLeaves<B, B> for Infos<B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        self.0.push(LeafInfo {
            shape: t.dims().to_vec(),
            dtype: FloatDType::from(t.dtype()),
            device: t.device(),
        });
        t
    }
}

fn info<T: TreeDef, B: Backend>(t: &On<T, B>) -> Vec<LeafInfo<B>> {
    let mut infos = Infos(Vec::new());
    T::map::<B, B, _>(t.clone(), &mut infos);
    infos.0
}

/// The number `m` of scalars of a tree (on `Batched<B>`, unbatched) in the `selected` leaves
/// (all for `None`), and the identity over them in its structure: each selected leaf batched over
/// the `m` examples, example `i` being 1 at scalar `i` (leaves in order, each row-major) and 0
/// elsewhere; other leaves zeros, unbatched. The cotangent of the reverse-mode Jacobians, the
/// tangent of the forward-mode ones. With no scalar, the tree itself: nothing to batch.
fn identity<T: TreeDef, B: Backend>(
    t: &On<T, Batched<B>>,
    selected: Option<&[bool]>,
) -> (usize, On<T, Batched<B>>) {
    let all = vec![true; T::leaf_count::<Batched<B>>(t)];
    let selected = selected.unwrap_or(&all);
    let m = shapes::<T, Batched<B>>(t)
        .iter()
        .zip(selected)
        .filter(|(_, &s)| s)
        .map(|(s, _)| s.iter().product::<usize>())
        .sum();
    if m == 0 {
        return (0, t.clone());
    }
    let mut rows = IdentityRows::<B> {
        m,
        offset: 0,
        eye: None,
        selected,
        i: 0,
    };
    (m, T::map(t.clone(), &mut rows))
}

/// The mapper behind [`identity`].
struct IdentityRows<'a, B: Backend> {
    m: usize,
    offset: usize,
    eye: Option<Tensor<B, 2>>,
    selected: &'a [bool],
    i: usize,
}

impl<B: Backend> MapLeaves<Batched<B>, Batched<B>> for IdentityRows<'_, B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<Batched<B>, D>) -> Tensor<Batched<B>, D> {
        let selected = self.selected[self.i];
        self.i += 1;
        if !selected {
            return t.zeros_like();
        }
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
