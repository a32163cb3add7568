//! JAX's `lax` control flow: `fori_loop` and `scan` (loops that carry state functionally),
//! `cond` and `switch` (choices on a tensor's value), `while_loop` and `while_loop_bounded`.
//!
//! The loops are plain Rust loops with JAX's signatures: a transformation runs the body once per
//! iteration, and [`jit`](crate::jit()) records every iteration (its trip count is fixed by the
//! bounds, which are not tensors), so they work under every transformation (`grad`
//! differentiates through each iteration). The carry is any value: a tensor, a tuple of tensors,
//! a tree.
//!
//! A choice on a *value* cannot be a Rust `if` inside a transformed function (under `jit` the
//! value is not known while tracing; under `vmap` each example has its own). [`cond`] and
//! [`switch`] run every branch and select the result elementwise, as JAX's do under `vmap`, so
//! they trace, batch and differentiate (the gradient flows through the branch taken); both
//! branches cost. [`while_loop`] reads its predicate on the host and so cannot run under `jit` or
//! `vmap` (an [`Error::HostRead`](crate::Error::HostRead)); [`while_loop_bounded`] runs a fixed
//! number of masked iterations instead and works everywhere.
//!
//! ```
//! use burn::backend::Flex;
//! use burn::prelude::*;
//! use burnax::control::{fori_loop, scan};
//!
//! let d = Default::default();
//! let x = Tensor::<Flex, 1>::from_floats([2.0], &d);
//! // x^(2^3) by repeated squaring.
//! let y = fori_loop(0, 3, |_, c: Tensor<Flex, 1>| c.clone() * c, x.clone());
//! assert_eq!(y.into_scalar(), 256.0);
//! // Running sums: carry the total, emit it at every step.
//! let xs = Tensor::<Flex, 2>::from_floats([[1.0], [2.0], [3.0]], &d);
//! let (total, sums): (_, Tensor<Flex, 2>) = scan(|c: Tensor<Flex, 1>, x: Tensor<Flex, 1>| { let c = c + x; (c.clone(), c) }, Tensor::zeros([1], &d), xs);
//! assert_eq!(total.into_scalar(), 6.0);
//! assert_eq!(sums.into_data().to_vec::<f32>().unwrap(), vec![1.0, 3.0, 6.0]);
//! ```

use burn::prelude::*;
use burn::tensor::{Bool, Int};

/// `lax.fori_loop(lower, upper, body, init)`: `carry = body(i, carry)` for `i` in
/// `lower..upper`.
pub fn fori_loop<C>(lower: usize, upper: usize, mut body: impl FnMut(usize, C) -> C, init: C) -> C {
    (lower..upper).fold(init, |c, i| body(i, c))
}

/// `lax.scan(f, init, xs)` over the leading axis of `xs` (`[T, ...]`): for each slice `x_t`
/// (rank `D - 1`), `(carry, y_t) = f(carry, x_t)`; returns the final carry and the `y_t`
/// stacked along a new leading axis. (Rust cannot compute `D - 1` in a type, so the ranks of
/// the slices and of the stacked output are inferred from `f` and from the binding.)
///
/// # Panics
/// If `xs` has a leading axis of length 0 (there would be no `y` to stack), naming the shape.
#[track_caller]
pub fn scan<B: Backend, C, const D: usize, const DX: usize, const DY: usize, const DS: usize>(
    mut f: impl FnMut(C, Tensor<B, DX>) -> (C, Tensor<B, DY>),
    init: C,
    xs: Tensor<B, D>,
) -> (C, Tensor<B, DS>) {
    let dims = xs.dims();
    assert!(
        dims[0] > 0,
        "scan: xs has shape {dims:?}, its leading axis is empty"
    );
    assert!(
        DX + 1 == D && DS == DY + 1,
        "scan: xs of rank {D} gives slices of rank {}, got DX = {DX}, DS = {DS} for DY = {DY}",
        D - 1
    );
    let mut carry = init;
    let mut ys = Vec::with_capacity(dims[0]);
    for t in 0..dims[0] {
        let x: Tensor<B, DX> = xs.clone().narrow(0, t, 1).squeeze_dim(0);
        let (c, y) = f(carry, x);
        carry = c;
        ys.push(y);
    }
    (carry, Tensor::stack(ys, 0))
}

/// A value [`cond`] and [`switch`] can choose between elementwise: a tensor or a tuple, `Vec` or
/// array of them.
pub trait Select<B: Backend>: Sized {
    /// `on_true` where `pred` (a one-element bool tensor) holds, else `on_false`.
    fn select(pred: &Tensor<B, 1, Bool>, on_true: Self, on_false: Self) -> Self;
}

impl<B: Backend, const D: usize> Select<B> for Tensor<B, D> {
    fn select(pred: &Tensor<B, 1, Bool>, on_true: Self, on_false: Self) -> Self {
        let mask = pred.clone().reshape([1; D]).expand(on_false.shape());
        on_false.mask_where(mask, on_true)
    }
}

impl<B: Backend, const D: usize> Select<B> for Tensor<B, D, Int> {
    fn select(pred: &Tensor<B, 1, Bool>, on_true: Self, on_false: Self) -> Self {
        let mask = pred.clone().reshape([1; D]).expand(on_false.shape());
        on_false.mask_where(mask, on_true)
    }
}

impl<B: Backend, T: Select<B>> Select<B> for Vec<T> {
    fn select(pred: &Tensor<B, 1, Bool>, on_true: Self, on_false: Self) -> Self {
        on_true
            .into_iter()
            .zip(on_false)
            .map(|(t, f)| T::select(pred, t, f))
            .collect()
    }
}

impl<B: Backend, T: Select<B>, const N: usize> Select<B> for [T; N] {
    fn select(pred: &Tensor<B, 1, Bool>, on_true: Self, on_false: Self) -> Self {
        let mut f = on_false.into_iter();
        on_true.map(|t| T::select(pred, t, f.next().expect("same length")))
    }
}

macro_rules! tuple_select {
    ($($t:ident $i:tt),+) => {
        impl<B: Backend, $($t: Select<B>),+> Select<B> for ($($t,)+) {
            fn select(pred: &Tensor<B, 1, Bool>, on_true: Self, on_false: Self) -> Self {
                ($($t::select(pred, on_true.$i, on_false.$i),)+)
            }
        }
    };
}
tuple_select!(A 0);
tuple_select!(A 0, C 1);
tuple_select!(A 0, C 1, E 2);
tuple_select!(A 0, C 1, E 2, F 3);

/// `lax.cond(pred, on_true, on_false, operand)`: `on_true(operand)` where the one-element bool
/// tensor `pred` holds, else `on_false(operand)`. Both branches run (see the [module
/// docs](self)); the result is selected elementwise, so it traces under `jit`, batches under
/// `vmap` (a per-example `pred` picks per example) and differentiates through the branch taken.
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::control::cond;
///
/// let d = Default::default();
/// let x = Tensor::<Flex, 1>::from_floats([2.0, -3.0], &d);
/// let positive = x.clone().sum().greater_elem(0.0);
/// let y = cond(positive, |x: Tensor<Flex, 1>| x.exp(), |x| x.neg(), x);
/// assert_eq!(y.into_data().to_vec::<f32>().unwrap(), [-2.0, 3.0]);
/// ```
///
/// # Panics
/// If `pred` has more than one element, naming its shape, or if the branches' results differ in
/// shape (Burn's own check).
#[track_caller]
pub fn cond<B: Backend, O: Clone, R: Select<B>>(
    pred: Tensor<B, 1, Bool>,
    on_true: impl FnOnce(O) -> R,
    on_false: impl FnOnce(O) -> R,
    operand: O,
) -> R {
    let dims = pred.dims();
    assert!(
        dims == [1],
        "cond: pred must have one element, got shape {dims:?}"
    );
    let t = on_true(operand.clone());
    let f = on_false(operand);
    R::select(&pred, t, f)
}

/// `lax.switch(index, branches, operand)`: `branches[index](operand)`, `index` a one-element
/// int tensor clamped to the branches' range as JAX clamps it. Every branch runs; the result is
/// selected elementwise (see [`cond`]).
///
/// # Panics
/// If there are no branches or `index` has more than one element.
#[track_caller]
pub fn switch<B: Backend, O: Clone, R: Select<B>>(
    index: Tensor<B, 1, Int>,
    branches: &[&dyn Fn(O) -> R],
    operand: O,
) -> R {
    let dims = index.dims();
    assert!(
        dims == [1],
        "switch: index must have one element, got shape {dims:?}"
    );
    let (last, rest) = branches.split_last().expect("switch: no branches");
    let index = index.clamp(0, rest.len() as i64);
    let mut result = last(operand.clone());
    for (k, branch) in rest.iter().enumerate().rev() {
        let here = index.clone().equal_elem(k as i64);
        result = R::select(&here, branch(operand.clone()), result);
    }
    result
}

/// `lax.while_loop(cond_fun, body, init)`: `carry = body(carry)` while `cond_fun(&carry)` (a
/// one-element bool tensor) holds. The predicate is read on the host every iteration, so this
/// runs eagerly and under `grad`, but not under `jit` or `vmap` (an
/// [`Error::HostRead`](crate::Error::HostRead)); use [`while_loop_bounded`] there.
pub fn while_loop<B: Backend, C>(
    cond_fun: impl Fn(&C) -> Tensor<B, 1, Bool>,
    mut body: impl FnMut(C) -> C,
    init: C,
) -> C {
    let mut carry = init;
    while cond_fun(&carry).into_scalar().elem::<bool>() {
        carry = body(carry);
    }
    carry
}

/// [`while_loop`] for at most `max_steps` iterations, with no host read: the body runs
/// `max_steps` times and each step keeps its result only where the predicate still holds, so it
/// traces under `jit`, batches under `vmap` (each example stops on its own) and differentiates.
/// The result equals [`while_loop`]'s when the loop ends within `max_steps` iterations; every
/// iteration costs, ended or not.
pub fn while_loop_bounded<B: Backend, C: Select<B> + Clone>(
    max_steps: usize,
    cond_fun: impl Fn(&C) -> Tensor<B, 1, Bool>,
    mut body: impl FnMut(C) -> C,
    init: C,
) -> C {
    let mut carry = init;
    for _ in 0..max_steps {
        let go = cond_fun(&carry);
        let next = body(carry.clone());
        carry = C::select(&go, next, carry);
    }
    carry
}
