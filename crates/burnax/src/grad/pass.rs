//! The autodiff passes the grad family is built from: trees moved onto `Autodiff<B>` with some
//! leaves tracked, one reverse pass ([`vjp_with`]), and reverse over reverse ([`jvp_with`]).

use burn::backend::Autodiff;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use super::aux::AuxMode;
use crate::error::mismatch;
use crate::function::Function;
use crate::tree::{dot, same_shapes, shapes, Leaf, MapLeaves, On, TreeDef};

/// The options of the grad family's transformations: JAX's `argnums`, and the looped Jacobian.
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    /// The top-level elements to differentiate; all for `None`.
    pub(crate) argnums: Option<Vec<usize>>,
    /// One pass per row of a Jacobian instead of one batched pass.
    pub(crate) looped: bool,
}

/// Which leaves of `x` the top-level positions `argnums` select (all for `None`), one flag per
/// leaf in order.
///
/// # Panics
/// If a position is out of range, naming it, the transformation and the input's size.
#[track_caller]
pub(crate) fn selected<T: TreeDef, B: Backend>(
    x: &On<T, B>,
    argnums: Option<&[usize]>,
    name: &str,
) -> Vec<bool> {
    let Some(positions) = argnums else {
        return vec![true; T::leaf_count::<B>(x)];
    };
    let per_top = T::top_level_leaves::<B>(x);
    if let Some(&p) = positions.iter().find(|&&p| p >= per_top.len()) {
        let detail = format!(
            "argnums position {p} is out of range for an input with {} top-level elements",
            per_top.len()
        );
        mismatch(name, detail);
    }
    per_top
        .iter()
        .enumerate()
        .flat_map(|(p, &n)| std::iter::repeat_n(positions.contains(&p), n))
        .collect()
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

/// `x` on `Autodiff<B>`, the `selected` leaves tracked.
pub(crate) fn lift<T: TreeDef, B: Backend>(x: On<T, B>, selected: &[bool]) -> On<T, Autodiff<B>> {
    T::map(x, &mut Lift { selected, i: 0 })
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
        // No gradient means the output does not depend on the leaf: the derivative is 0.
        g.unwrap_or_else(|| t.inner().zeros_like())
    }
}

/// The gradient of `scalar` in every selected leaf of `xa`, zeros elsewhere; `None` for no
/// scalar (an output with no leaves, on which nothing depends).
fn gradient<T: TreeDef, B: Backend>(
    scalar: Option<Tensor<Autodiff<B>, 1>>,
    xa: On<T, Autodiff<B>>,
    selected: &[bool],
) -> On<T, B> {
    match scalar {
        Some(s) => T::map(
            xa,
            &mut ReadGrads::<B> {
                grads: &s.backward(),
                selected,
                i: 0,
            },
        ),
        None => T::map(xa, &mut Zeros),
    }
}

/// Brings leaves back from `Autodiff<B>` without their graph.
struct Inner;

impl<B: Backend> MapLeaves<Autodiff<B>, B> for Inner {
    fn leaf<const D: usize>(&mut self, t: Tensor<Autodiff<B>, D>) -> Tensor<B, D> {
        t.inner()
    }
}

/// `x` back on `B`, without its graph.
pub(crate) fn inner<T: TreeDef, B: Backend>(x: On<T, Autodiff<B>>) -> On<T, B> {
    T::map(x, &mut Inner)
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

/// The input's shapes, for messages: `[3]` for one leaf, the list for several.
fn input_shapes<T: TreeDef, B: Backend>(x: &On<T, B>) -> String {
    match shapes::<T, B>(x).as_slice() {
        [one] => format!("input shape {one:?}"),
        all => format!("input shapes {all:?}"),
    }
}

/// `f(x)` (on `B`, whole) and the gradient of its scalar part (`M`'s primary output, shape
/// `[1]`) in the `selected` leaves of `x`, zeros elsewhere: the pass behind `grad` and
/// `value_and_grad`.
///
/// # Panics
/// If the scalar part does not have shape `[1]`, naming its shape and the input's.
#[track_caller]
pub(crate) fn value_and_grad_with<F, M, B>(
    f: &F,
    x: On<F::In, B>,
    selected: &[bool],
    name: &str,
) -> (On<F::Out, B>, On<F::In, B>)
where
    F: Function,
    M: AuxMode<F::Out, Primary = Leaf<1>>,
    B: Backend,
{
    let what = input_shapes::<F::In, B>(&x);
    let xa = lift::<F::In, B>(x, selected);
    let y = f.call::<Autodiff<B>>(xa.clone());
    let value = inner::<F::Out, B>(y.clone());
    let (loss, _) = M::split::<Autodiff<B>>(y);
    if loss.dims() != [1] {
        let detail = format!(
            "the function must return a scalar (shape [1]), got shape {:?} for {what}",
            loss.dims()
        );
        mismatch(name, detail);
    }
    (value, gradient::<F::In, B>(Some(loss), xa, selected))
}

/// `f(x)` split by `M` into its primary part `y` and aux, the cotangent `v = cotangent(y)` and
/// `v^T J(x)` in the `selected` leaves (zeros elsewhere): one forward and one reverse pass.
/// [`jvp_with`] makes its cotangent from the output, which is why `v` is built here.
#[allow(clippy::type_complexity)]
#[track_caller]
pub(crate) fn vjp_with<F, M, B>(
    f: &F,
    x: On<F::In, B>,
    selected: &[bool],
    cotangent: impl FnOnce(&On<M::Primary, B>) -> On<M::Primary, B>,
    name: &str,
) -> (On<M::Primary, B>, On<M::Aux, B>, On<M::Primary, B>, On<F::In, B>)
where
    F: Function,
    M: AuxMode<F::Out>,
    B: Backend,
{
    let xa = lift::<F::In, B>(x, selected);
    let (y, aux) = M::split::<Autodiff<B>>(f.call::<Autodiff<B>>(xa.clone()));
    let y_value = inner::<M::Primary, B>(y.clone());
    let v = cotangent(&y_value);
    same_shapes::<M::Primary, B>(name, (&v, "cotangent v"), (&y_value, "output f(x)"));
    let none = vec![false; M::Primary::leaf_count::<B>(&v)];
    let va = lift::<M::Primary, B>(v.clone(), &none);
    let g = gradient::<F::In, B>(dot::<M::Primary, Autodiff<B>>(y, va), xa, selected);
    (y_value, inner::<M::Aux, B>(aux), v, g)
}

/// `f(x)` split by `M` into its primary part `y` and aux, and `J(x) t`. Burn has reverse mode
/// only, so the product is the transpose of a reverse pass: `u -> J^T u` is linear in `u`, and
/// `J t` is the gradient of `(J^T u) . t` in `u`. The outer `Autodiff` level tracks `u`, the
/// inner one differentiates `f` once.
///
/// # Panics
/// If `t` does not have the structure and shapes of `x`, naming the first difference.
#[allow(clippy::type_complexity)]
#[track_caller]
pub(crate) fn jvp_with<F, M, B>(
    f: &F,
    x: On<F::In, B>,
    t: On<F::In, B>,
    name: &str,
) -> (On<M::Primary, B>, On<M::Aux, B>, On<M::Primary, B>)
where
    F: Function,
    M: AuxMode<F::Out>,
    B: Backend,
{
    same_shapes::<F::In, B>(name, (&t, "tangent t"), (&x, "input x"));
    let constant = vec![false; F::In::leaf_count::<B>(&x)];
    let all = vec![true; constant.len()];
    let xo = lift::<F::In, B>(x, &constant);
    let tracked = |y: &On<M::Primary, Autodiff<B>>| M::Primary::map(y.clone(), &mut Tracked);
    let (y, aux, u, jt_u) = vjp_with::<F, M, Autodiff<B>>(f, xo, &all, tracked, name);
    let to = lift::<F::In, B>(t, &constant);
    let everything = vec![true; M::Primary::leaf_count::<Autodiff<B>>(&u)];
    let jt = gradient::<M::Primary, B>(dot::<F::In, Autodiff<B>>(jt_u, to), u, &everything);
    (inner::<M::Primary, B>(y), inner::<M::Aux, B>(aux), jt)
}
