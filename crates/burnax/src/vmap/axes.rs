//! JAX's `in_axes` and `out_axes`: which parts of a tree are mapped, and along which axis.
//!
//! An axis spec has the shape of the tree, or of a prefix of it, as in JAX:
//!
//! | spec | JAX | meaning |
//! |---|---|---|
//! | `0`, `1` (a `usize`) | `0`, `1` | every leaf of the subtree mapped along that axis |
//! | `None` | `None` | the subtree passed whole to every example (an input) or the same for every example (an output) |
//! | `(spec, spec, ..)` | a tuple | one spec per element of a tuple |
//! | `vec![spec, ..]`, `[spec; N]` | a list | one spec per element of a `Vec` or array |
//!
//! `vmap(f).in_axes((0, None))` maps the first element of a pair and shares the second. A
//! mapped leaf of rank `D` (as `f` sees it) is passed with rank `D + 1`, for `D` up to 5.

use burn::prelude::*;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{TensorData, TensorPrimitive};

use super::batching::backend::{with_axis, Batched, BatchedTensor, FloatK};
use crate::error::mismatch;
use crate::tree::{Leaf, MapLeaves, On, TreeDef};

/// The type of `None` in an axis spec (JAX's `None`): a subtree that is not mapped. It has no
/// values; write `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmapped {}

/// An axis spec for a subtree of structure `T` (see the [module docs](self)).
pub trait AxisSpec<T: TreeDef> {
    /// The structure the caller passes or gets: mapped leaves have one axis more.
    type Stacked: TreeDef;

    /// Pushes the batch size of every mapped leaf of an input.
    fn sizes<B: Backend>(&self, x: &On<Self::Stacked, B>, sizes: &mut Vec<usize>);

    /// Moves the caller's input onto [`Batched<B>`].
    fn split<B: Backend>(&self, x: On<Self::Stacked, B>) -> On<T, Batched<B>>;

    /// Moves the function's result off [`Batched<B>`], mapped leaves stacked (batch size `n`).
    fn stack<B: Backend>(&self, y: On<T, Batched<B>>, n: usize) -> On<Self::Stacked, B>;

    /// Example `i` of the caller's input, for the [sequential](super::Vmap::sequential) loop.
    fn example<B: Backend>(&self, x: &On<Self::Stacked, B>, i: usize) -> On<T, B>;

    /// Stacks the per-example results of the sequential loop (at least one).
    fn stack_all<B: Backend>(&self, ys: Vec<On<T, B>>) -> On<Self::Stacked, B>;
}

/// Structures whose every leaf can be mapped along one axis: what an integer spec maps.
pub trait Stack: TreeDef {
    /// The structure with one axis more on every leaf.
    type Stacked: TreeDef;

    /// Pushes the size of every leaf along `axis`.
    fn sizes<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, sizes: &mut Vec<usize>);

    /// Every leaf onto [`Batched<B>`], mapped along `axis`.
    fn split<B: Backend>(x: On<Self::Stacked, B>, axis: usize) -> On<Self, Batched<B>>;

    /// Every leaf off [`Batched<B>`], its batch axis (size `n`) at `axis`.
    fn stack<B: Backend>(y: On<Self, Batched<B>>, n: usize, axis: usize) -> On<Self::Stacked, B>;

    /// Example `i` along `axis`.
    fn example<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, i: usize) -> On<Self, B>;

    /// The examples stacked along `axis`.
    fn stack_all<B: Backend>(ys: Vec<On<Self, B>>, axis: usize) -> On<Self::Stacked, B>;
}

/// `axis`, checked against the rank of the caller's tensor.
///
/// # Panics
/// If it is out of range, naming `what` (`in_axes` or `out_axes`), the rank and the shape.
#[track_caller]
fn normalize(axis: usize, rank: usize, what: &str, shape: &[usize]) -> usize {
    if axis >= rank {
        let side = if what == "in_axes" {
            "an input"
        } else {
            "an output"
        };
        mismatch(
            "vmap",
            format!("{what} {axis} is out of range for {side} of rank {rank} (shape {shape:?})"),
        );
    }
    axis
}

/// A tensor of `B` as a tensor of [`Batched<B>`] the same for every example.
pub(crate) fn shared<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<Batched<B>, D> {
    Tensor::from_primitive(TensorPrimitive::Float(BatchedTensor::plain(
        x.into_primitive().tensor(),
    )))
}

macro_rules! stack_leaf {
    ($(($d:literal, $e:literal)),*) => {$(
        impl Stack for Leaf<$d> {
            type Stacked = Leaf<$e>;

            #[track_caller]
            fn sizes<B: Backend>(x: &Tensor<B, $e>, axis: usize, sizes: &mut Vec<usize>) {
                let dims = x.dims();
                sizes.push(dims[normalize(axis, $e, "in_axes", &dims)]);
            }

            #[track_caller]
            fn split<B: Backend>(x: Tensor<B, $e>, axis: usize) -> Tensor<Batched<B>, $d> {
                let axis = normalize(axis, $e, "in_axes", &x.dims());
                let xs = if axis == 0 { x } else { x.movedim(axis, 0) };
                let n = xs.dims()[0];
                let inner = xs.into_primitive().tensor();
                Tensor::from_primitive(TensorPrimitive::Float(BatchedTensor { inner, size: Some(n) }))
            }

            #[track_caller]
            fn stack<B: Backend>(y: Tensor<Batched<B>, $d>, n: usize, axis: usize) -> Tensor<B, $e> {
                let mut shape = y.dims().to_vec();
                shape.insert(0, n);
                let axis = normalize(axis, $e, "out_axes", &shape);
                let batched = y.into_primitive().tensor();
                if let Some(m) = batched.size.filter(|&m| m != n) {
                    mismatch("vmap", format!("the result is batched with size {m}, the inputs with size {n}"));
                }
                // A result that does not vary along the batch is broadcast to it, as JAX does.
                let ys: Tensor<B, $e> = Tensor::from_primitive(TensorPrimitive::Float(with_axis::<B, FloatK>(batched, n)));
                if axis == 0 { ys } else { ys.movedim(0, axis) }
            }

            #[track_caller]
            fn example<B: Backend>(x: &Tensor<B, $e>, axis: usize, i: usize) -> Tensor<B, $d> {
                let axis = normalize(axis, $e, "in_axes", &x.dims());
                x.clone().narrow(axis, i, 1).squeeze_dim(axis)
            }

            #[track_caller]
            fn stack_all<B: Backend>(ys: Vec<Tensor<B, $d>>, axis: usize) -> Tensor<B, $e> {
                let mut shape = ys[0].dims().to_vec();
                shape.insert(0, ys.len());
                Tensor::stack(ys, normalize(axis, $e, "out_axes", &shape))
            }
        }
    )*};
}

stack_leaf!((1, 2), (2, 3), (3, 4), (4, 5), (5, 6));

impl Stack for () {
    type Stacked = ();
    fn sizes<B: Backend>(_: &(), _: usize, _: &mut Vec<usize>) {}
    fn split<B: Backend>(_: (), _: usize) {}
    fn stack<B: Backend>(_: (), _: usize, _: usize) {}
    fn example<B: Backend>(_: &(), _: usize, _: usize) {}
    fn stack_all<B: Backend>(_: Vec<()>, _: usize) {}
}

impl<T: Stack> Stack for Option<T> {
    type Stacked = Option<T::Stacked>;
    fn sizes<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, sizes: &mut Vec<usize>) {
        if let Some(x) = x {
            T::sizes::<B>(x, axis, sizes);
        }
    }
    fn split<B: Backend>(x: On<Self::Stacked, B>, axis: usize) -> On<Self, Batched<B>> {
        x.map(|x| T::split::<B>(x, axis))
    }
    fn stack<B: Backend>(y: On<Self, Batched<B>>, n: usize, axis: usize) -> On<Self::Stacked, B> {
        y.map(|y| T::stack::<B>(y, n, axis))
    }
    fn example<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, i: usize) -> On<Self, B> {
        x.as_ref().map(|x| T::example::<B>(x, axis, i))
    }
    fn stack_all<B: Backend>(ys: Vec<On<Self, B>>, axis: usize) -> On<Self::Stacked, B> {
        let ys: Option<Vec<_>> = ys.into_iter().collect();
        ys.map(|ys| T::stack_all::<B>(ys, axis))
    }
}

impl<T: Stack> Stack for Vec<T> {
    type Stacked = Vec<T::Stacked>;
    fn sizes<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, sizes: &mut Vec<usize>) {
        x.iter().for_each(|x| T::sizes::<B>(x, axis, sizes));
    }
    fn split<B: Backend>(x: On<Self::Stacked, B>, axis: usize) -> On<Self, Batched<B>> {
        x.into_iter().map(|x| T::split::<B>(x, axis)).collect()
    }
    fn stack<B: Backend>(y: On<Self, Batched<B>>, n: usize, axis: usize) -> On<Self::Stacked, B> {
        y.into_iter().map(|y| T::stack::<B>(y, n, axis)).collect()
    }
    fn example<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, i: usize) -> On<Self, B> {
        x.iter().map(|x| T::example::<B>(x, axis, i)).collect()
    }
    fn stack_all<B: Backend>(ys: Vec<On<Self, B>>, axis: usize) -> On<Self::Stacked, B> {
        (0..ys[0].len())
            .map(|j| T::stack_all::<B>(ys.iter().map(|y| y[j].clone()).collect(), axis))
            .collect()
    }
}

impl<T: Stack, const N: usize> Stack for [T; N] {
    type Stacked = [T::Stacked; N];
    fn sizes<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, sizes: &mut Vec<usize>) {
        x.iter().for_each(|x| T::sizes::<B>(x, axis, sizes));
    }
    fn split<B: Backend>(x: On<Self::Stacked, B>, axis: usize) -> On<Self, Batched<B>> {
        x.map(|x| T::split::<B>(x, axis))
    }
    fn stack<B: Backend>(y: On<Self, Batched<B>>, n: usize, axis: usize) -> On<Self::Stacked, B> {
        y.map(|y| T::stack::<B>(y, n, axis))
    }
    fn example<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, i: usize) -> On<Self, B> {
        core::array::from_fn(|j| T::example::<B>(&x[j], axis, i))
    }
    fn stack_all<B: Backend>(ys: Vec<On<Self, B>>, axis: usize) -> On<Self::Stacked, B> {
        core::array::from_fn(|j| T::stack_all::<B>(ys.iter().map(|y| y[j].clone()).collect(), axis))
    }
}

macro_rules! tuple_stack {
    ($(($($t:ident $i:tt),+)),*) => {$(
        impl<$($t: Stack),+> Stack for ($($t,)+) {
            type Stacked = ($($t::Stacked,)+);
            fn sizes<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, sizes: &mut Vec<usize>) {
                $($t::sizes::<B>(&x.$i, axis, sizes);)+
            }
            fn split<B: Backend>(x: On<Self::Stacked, B>, axis: usize) -> On<Self, Batched<B>> {
                ($($t::split::<B>(x.$i, axis),)+)
            }
            fn stack<B: Backend>(y: On<Self, Batched<B>>, n: usize, axis: usize) -> On<Self::Stacked, B> {
                ($($t::stack::<B>(y.$i, n, axis),)+)
            }
            fn example<B: Backend>(x: &On<Self::Stacked, B>, axis: usize, i: usize) -> On<Self, B> {
                ($($t::example::<B>(&x.$i, axis, i),)+)
            }
            fn stack_all<B: Backend>(ys: Vec<On<Self, B>>, axis: usize) -> On<Self::Stacked, B> {
                ($($t::stack_all::<B>(ys.iter().map(|y| y.$i.clone()).collect(), axis),)+)
            }
        }
    )*};
}

tuple_stack!((A 0), (A 0, C 1), (A 0, C 1, D 2), (A 0, C 1, D 2, E 3), (A 0, C 1, D 2, E 3, G 4));

/// An integer spec: every leaf of the subtree mapped along that axis. (One integer type only, so
/// that a literal `0` needs no suffix; JAX's negative axes are not taken.)
macro_rules! integer_spec {
    ($($int:ty),*) => {$(
        impl<T: Stack> AxisSpec<T> for $int {
            type Stacked = T::Stacked;
            #[track_caller]
            fn sizes<B: Backend>(&self, x: &On<T::Stacked, B>, sizes: &mut Vec<usize>) {
                T::sizes::<B>(x, *self, sizes)
            }
            #[track_caller]
            fn split<B: Backend>(&self, x: On<T::Stacked, B>) -> On<T, Batched<B>> {
                T::split::<B>(x, *self)
            }
            #[track_caller]
            fn stack<B: Backend>(&self, y: On<T, Batched<B>>, n: usize) -> On<T::Stacked, B> {
                T::stack::<B>(y, n, *self)
            }
            #[track_caller]
            fn example<B: Backend>(&self, x: &On<T::Stacked, B>, i: usize) -> On<T, B> {
                T::example::<B>(x, *self, i)
            }
            #[track_caller]
            fn stack_all<B: Backend>(&self, ys: Vec<On<T, B>>) -> On<T::Stacked, B> {
                T::stack_all::<B>(ys, *self)
            }
        }
    )*};
}

integer_spec!(usize);

/// Moves leaves onto [`Batched<B>`], unbatched.
struct ToBatched;

impl<B: Backend> MapLeaves<B, Batched<B>> for ToBatched {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<Batched<B>, D> {
        shared(t)
    }
}

/// A tree on [`Batched<B>`], the same for every example.
pub(crate) fn to_batched<T: TreeDef, B: Backend>(x: On<T, B>) -> On<T, Batched<B>> {
    T::map(x, &mut ToBatched)
}

/// Moves leaves off [`Batched<B>`]; panics on a batched one.
struct FromBatched;

impl<B: Backend> MapLeaves<Batched<B>, B> for FromBatched {
    #[track_caller]
    fn leaf<const D: usize>(&mut self, t: Tensor<Batched<B>, D>) -> Tensor<B, D> {
        let inner = t.into_primitive().tensor();
        if let Some(n) = inner.size {
            mismatch(
                "vmap",
                format!(
                    "an output marked unmapped (out_axes None) varies along the vmapped axis (batch size \
                     {n}); give it an axis"
                ),
            );
        }
        Tensor::from_primitive(TensorPrimitive::Float(inner.inner))
    }
}

/// A tree off [`Batched<B>`] that does not vary along the batch.
///
/// # Panics
/// If a leaf varies along the batch.
#[track_caller]
pub(crate) fn unbatched<T: TreeDef, B: Backend>(y: On<T, Batched<B>>) -> On<T, B> {
    T::map(y, &mut FromBatched)
}

/// Collects each leaf's physical tensor with a batch axis of size `n` in front.
struct Physical<B: Backend> {
    n: usize,
    out: Vec<FloatTensor<B>>,
}

impl<B: Backend> MapLeaves<Batched<B>, Batched<B>> for Physical<B> {
    fn leaf<const D: usize>(&mut self, t: Tensor<Batched<B>, D>) -> Tensor<Batched<B>, D> {
        self.out.push(with_axis::<B, FloatK>(
            t.clone().into_primitive().tensor(),
            self.n,
        ));
        t
    }
}

/// Every leaf of a tree on [`Batched<B>`] as the inner backend's tensor with the batch axis (of
/// size `n`) in front, leaves that do not vary broadcast along it.
pub(crate) fn physical<T: TreeDef, B: Backend>(t: On<T, Batched<B>>, n: usize) -> Vec<FloatTensor<B>> {
    let mut p = Physical { n, out: Vec::new() };
    T::map(t, &mut p);
    p.out
}

/// Collects each leaf's data, to compare the sequential loop's unmapped outputs.
struct Collect(Vec<TensorData>);

impl<B: Backend> MapLeaves<B, B> for Collect {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        self.0.push(t.to_data());
        t
    }
}

impl<T: TreeDef> AxisSpec<T> for Option<Unmapped> {
    type Stacked = T;
    fn sizes<B: Backend>(&self, _: &On<T, B>, _: &mut Vec<usize>) {}
    fn split<B: Backend>(&self, x: On<T, B>) -> On<T, Batched<B>> {
        to_batched::<T, B>(x)
    }
    #[track_caller]
    fn stack<B: Backend>(&self, y: On<T, Batched<B>>, _: usize) -> On<T, B> {
        unbatched::<T, B>(y)
    }
    fn example<B: Backend>(&self, x: &On<T, B>, _: usize) -> On<T, B> {
        x.clone()
    }
    #[track_caller]
    fn stack_all<B: Backend>(&self, ys: Vec<On<T, B>>) -> On<T, B> {
        let data = |y: &On<T, B>| {
            let mut c = Collect(Vec::new());
            T::map::<B, B, _>(y.clone(), &mut c);
            c.0
        };
        let first = data(&ys[0]);
        if ys[1..].iter().any(|y| data(y) != first) {
            mismatch(
                "vmap",
                "an output marked unmapped (out_axes None) differs between examples; give it an axis".into(),
            );
        }
        ys.into_iter().next().expect("one example at least")
    }
}

impl<T: TreeDef, A: AxisSpec<T>> AxisSpec<Vec<T>> for Vec<A> {
    type Stacked = Vec<A::Stacked>;
    #[track_caller]
    fn sizes<B: Backend>(&self, x: &On<Self::Stacked, B>, sizes: &mut Vec<usize>) {
        if self.len() != x.len() {
            let detail = format!(
                "in_axes has {} entries for a list of {} elements",
                self.len(),
                x.len()
            );
            mismatch("vmap", detail);
        }
        self.iter().zip(x).for_each(|(a, x)| a.sizes::<B>(x, sizes));
    }
    fn split<B: Backend>(&self, x: On<Self::Stacked, B>) -> On<Vec<T>, Batched<B>> {
        self.iter().zip(x).map(|(a, x)| a.split::<B>(x)).collect()
    }
    #[track_caller]
    fn stack<B: Backend>(&self, y: On<Vec<T>, Batched<B>>, n: usize) -> On<Self::Stacked, B> {
        if self.len() != y.len() {
            let detail = format!(
                "out_axes has {} entries for a list of {} elements",
                self.len(),
                y.len()
            );
            mismatch("vmap", detail);
        }
        self.iter().zip(y).map(|(a, y)| a.stack::<B>(y, n)).collect()
    }
    fn example<B: Backend>(&self, x: &On<Self::Stacked, B>, i: usize) -> On<Vec<T>, B> {
        self.iter().zip(x).map(|(a, x)| a.example::<B>(x, i)).collect()
    }
    fn stack_all<B: Backend>(&self, ys: Vec<On<Vec<T>, B>>) -> On<Self::Stacked, B> {
        self.iter()
            .enumerate()
            .map(|(j, a)| a.stack_all::<B>(ys.iter().map(|y| y[j].clone()).collect()))
            .collect()
    }
}

impl<T: TreeDef, A: AxisSpec<T>, const N: usize> AxisSpec<[T; N]> for [A; N] {
    type Stacked = [A::Stacked; N];
    fn sizes<B: Backend>(&self, x: &On<Self::Stacked, B>, sizes: &mut Vec<usize>) {
        self.iter().zip(x).for_each(|(a, x)| a.sizes::<B>(x, sizes));
    }
    fn split<B: Backend>(&self, x: On<Self::Stacked, B>) -> On<[T; N], Batched<B>> {
        let mut x = x.into_iter();
        core::array::from_fn(|j| self[j].split::<B>(x.next().expect("N elements")))
    }
    fn stack<B: Backend>(&self, y: On<[T; N], Batched<B>>, n: usize) -> On<Self::Stacked, B> {
        let mut y = y.into_iter();
        core::array::from_fn(|j| self[j].stack::<B>(y.next().expect("N elements"), n))
    }
    fn example<B: Backend>(&self, x: &On<Self::Stacked, B>, i: usize) -> On<[T; N], B> {
        core::array::from_fn(|j| self[j].example::<B>(&x[j], i))
    }
    fn stack_all<B: Backend>(&self, ys: Vec<On<[T; N], B>>) -> On<Self::Stacked, B> {
        core::array::from_fn(|j| self[j].stack_all::<B>(ys.iter().map(|y| y[j].clone()).collect()))
    }
}

macro_rules! tuple_spec {
    ($(($($a:ident $t:ident $i:tt),+)),*) => {$(
        impl<$($t: TreeDef, $a: AxisSpec<$t>),+> AxisSpec<($($t,)+)> for ($($a,)+) {
            type Stacked = ($($a::Stacked,)+);
            fn sizes<B: Backend>(&self, x: &On<Self::Stacked, B>, sizes: &mut Vec<usize>) {
                $(self.$i.sizes::<B>(&x.$i, sizes);)+
            }
            fn split<B: Backend>(&self, x: On<Self::Stacked, B>) -> On<($($t,)+), Batched<B>> {
                ($(self.$i.split::<B>(x.$i),)+)
            }
            fn stack<B: Backend>(&self, y: On<($($t,)+), Batched<B>>, n: usize) -> On<Self::Stacked, B> {
                ($(self.$i.stack::<B>(y.$i, n),)+)
            }
            fn example<B: Backend>(&self, x: &On<Self::Stacked, B>, i: usize) -> On<($($t,)+), B> {
                ($(self.$i.example::<B>(&x.$i, i),)+)
            }
            fn stack_all<B: Backend>(&self, ys: Vec<On<($($t,)+), B>>) -> On<Self::Stacked, B> {
                ($(self.$i.stack_all::<B>(ys.iter().map(|y| y.$i.clone()).collect()),)+)
            }
        }
    )*};
}

tuple_spec!(
    (A0 T0 0),
    (A0 T0 0, A1 T1 1),
    (A0 T0 0, A1 T1 1, A2 T2 2),
    (A0 T0 0, A1 T1 1, A2 T2 2, A3 T3 3),
    (A0 T0 0, A1 T1 1, A2 T2 2, A3 T3 3, A4 T4 4)
);
