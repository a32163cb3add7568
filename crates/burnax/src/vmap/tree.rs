//! `vmap` over trees of tensors, with JAX's `in_axes` and `out_axes` written as types.

use core::marker::PhantomData;

use burn::prelude::*;

use super::{batch, unbatch, Batched};
pub use crate::tree::TreeFn;
use crate::tree::{Leaf, MapLeaves, TreeDef};

/// A leaf mapped along axis `AXIS` (default 0): the caller passes a rank `D + 1` tensor, the
/// function sees rank `D`. Written where JAX writes an integer in `in_axes`/`out_axes`; a plain
/// [`Leaf<D>`] is JAX's `None` (passed whole to every example, or, as an output, the same for
/// every example).
#[derive(Clone, Copy, Debug, Default)]
pub struct Mapped<const D: usize, const AXIS: usize = 0>;

/// How each leaf of a tree is mapped: JAX's `in_axes`/`out_axes` as a type built from
/// [`Mapped`] and [`Leaf`] in the shape of the tree, e.g. `(Mapped<1>, Leaf<2>)` for JAX's
/// `in_axes=(0, None)` on a pair (vector, matrix).
pub trait Axes {
    /// The tree one example sees.
    type Example: TreeDef;
    /// The tree the caller passes or gets: mapped leaves have one axis more.
    type Stacked: TreeDef;

    /// Pushes the batch size of every mapped leaf.
    fn sizes<B: Backend>(x: &<Self::Stacked as TreeDef>::On<B>, sizes: &mut Vec<usize>);

    /// Moves the caller's tree onto [`Batched<B>`].
    fn split<B: Backend>(x: <Self::Stacked as TreeDef>::On<B>) -> <Self::Example as TreeDef>::On<Batched<B>>;

    /// Moves the function's result off [`Batched<B>`], stacking mapped leaves (batch size `n`).
    fn stack<B: Backend>(
        y: <Self::Example as TreeDef>::On<Batched<B>>,
        n: usize,
    ) -> <Self::Stacked as TreeDef>::On<B>;

    /// Example `i` of the caller's tree, for the [sequential](VmapTree::sequential) fallback.
    fn example<B: Backend>(
        x: &<Self::Stacked as TreeDef>::On<B>,
        i: usize,
    ) -> <Self::Example as TreeDef>::On<B>;

    /// Stacks the per-example results of the sequential fallback (at least one).
    fn stack_all<B: Backend>(ys: Vec<<Self::Example as TreeDef>::On<B>>)
        -> <Self::Stacked as TreeDef>::On<B>;
}

impl<const D: usize> Axes for Leaf<D> {
    type Example = Leaf<D>;
    type Stacked = Leaf<D>;

    fn sizes<B: Backend>(_: &Tensor<B, D>, _: &mut Vec<usize>) {}

    fn split<B: Backend>(x: Tensor<B, D>) -> Tensor<Batched<B>, D> {
        super::shared(x)
    }

    #[track_caller]
    fn stack<B: Backend>(y: Tensor<Batched<B>, D>, _: usize) -> Tensor<B, D> {
        let inner = y.into_primitive().tensor();
        if let Some(n) = inner.size {
            panic!(
                "vmap: an output marked unmapped (`Leaf<{D}>`, JAX's out_axes=None) varies along the \
                 vmapped axis (batch size {n}); mark it `Mapped<{D}>`"
            );
        }
        Tensor::from_primitive(burn::tensor::TensorPrimitive::Float(inner.inner))
    }

    fn example<B: Backend>(x: &Tensor<B, D>, _: usize) -> Tensor<B, D> {
        x.clone()
    }

    #[track_caller]
    fn stack_all<B: Backend>(ys: Vec<Tensor<B, D>>) -> Tensor<B, D> {
        let first = ys[0].to_data();
        if ys[1..].iter().any(|y| y.to_data() != first) {
            panic!(
                "vmap: an output marked unmapped (`Leaf<{D}>`, JAX's out_axes=None) differs between \
                 examples; mark it `Mapped<{D}>`"
            );
        }
        ys.into_iter().next().expect("one example at least")
    }
}

macro_rules! mapped {
    ($(($d:literal, $e:literal)),*) => {$(
        impl<const AXIS: usize> Axes for Mapped<$d, AXIS> {
            type Example = Leaf<$d>;
            type Stacked = Leaf<$e>;

            #[track_caller]
            fn sizes<B: Backend>(x: &Tensor<B, $e>, sizes: &mut Vec<usize>) {
                assert!(AXIS < $e, "vmap: axis {AXIS} is out of range for a leaf of shape {:?}", x.dims());
                sizes.push(x.dims()[AXIS]);
            }

            fn split<B: Backend>(x: Tensor<B, $e>) -> Tensor<Batched<B>, $d> {
                batch::<B, $e, $d>(x, AXIS).0
            }

            fn stack<B: Backend>(y: Tensor<Batched<B>, $d>, n: usize) -> Tensor<B, $e> {
                unbatch::<B, $d, $e>(y, n, AXIS)
            }

            fn example<B: Backend>(x: &Tensor<B, $e>, i: usize) -> Tensor<B, $d> {
                x.clone().narrow(AXIS, i, 1).squeeze_dim(AXIS)
            }

            fn stack_all<B: Backend>(ys: Vec<Tensor<B, $d>>) -> Tensor<B, $e> {
                Tensor::stack(ys, AXIS)
            }
        }
    )*};
}

mapped!((1, 2), (2, 3), (3, 4), (4, 5), (5, 6));

/// A whole subtree passed unmapped to every example (JAX's `in_axes=None` on a subtree), such as
/// a model declared with [`tree_module!`](crate::tree_module): `(Shared<MlpTree>, Mapped<1>)`.
/// As an output, it must not vary along the batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shared<T>(PhantomData<T>);

/// Moves leaves onto [`Batched<B>`], unbatched.
pub(crate) struct ToBatched;

impl<B: Backend> MapLeaves<B, Batched<B>> for ToBatched {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<Batched<B>, D> {
        <Leaf<D> as Axes>::split::<B>(t)
    }
}

/// Moves leaves off [`Batched<B>`]; panics on a batched one.
struct FromBatched;

impl<B: Backend> MapLeaves<Batched<B>, B> for FromBatched {
    #[track_caller]
    fn leaf<const D: usize>(&mut self, t: Tensor<Batched<B>, D>) -> Tensor<B, D> {
        <Leaf<D> as Axes>::stack::<B>(t, 0)
    }
}

/// Collects each leaf's data, to compare the sequential fallback's unmapped outputs.
struct Collect(Vec<burn::tensor::TensorData>);

impl<B: Backend> MapLeaves<B, B> for Collect {
    fn leaf<const D: usize>(&mut self, t: Tensor<B, D>) -> Tensor<B, D> {
        self.0.push(t.to_data());
        t
    }
}

impl<T: TreeDef> Axes for Shared<T> {
    type Example = T;
    type Stacked = T;
    fn sizes<B: Backend>(_: &T::On<B>, _: &mut Vec<usize>) {}
    fn split<B: Backend>(x: T::On<B>) -> T::On<Batched<B>> {
        T::map(x, &mut ToBatched)
    }
    #[track_caller]
    fn stack<B: Backend>(y: T::On<Batched<B>>, _: usize) -> T::On<B> {
        T::map(y, &mut FromBatched)
    }
    fn example<B: Backend>(x: &T::On<B>, _: usize) -> T::On<B> {
        x.clone()
    }
    #[track_caller]
    fn stack_all<B: Backend>(ys: Vec<T::On<B>>) -> T::On<B> {
        let data = |y: &T::On<B>| {
            let mut c = Collect(Vec::new());
            T::map::<B, B, _>(y.clone(), &mut c);
            c.0
        };
        let first = data(&ys[0]);
        assert!(
            ys[1..].iter().all(|y| data(y) == first),
            "vmap: an output marked `Shared` (JAX's out_axes=None) differs between examples"
        );
        ys.into_iter().next().expect("one example at least")
    }
}

/// The caller's tree of an [`Axes`] on `B`.
type StackedOn<T, B> = <<T as Axes>::Stacked as TreeDef>::On<B>;
/// The example's tree of an [`Axes`], on [`Batched<B>`].
type ExampleOn<T, B> = <<T as Axes>::Example as TreeDef>::On<Batched<B>>;

impl Axes for () {
    type Example = ();
    type Stacked = ();
    fn sizes<B: Backend>(_: &(), _: &mut Vec<usize>) {}
    fn split<B: Backend>(_: ()) {}
    fn stack<B: Backend>(_: (), _: usize) {}
    fn example<B: Backend>(_: &(), _: usize) {}
    fn stack_all<B: Backend>(_: Vec<()>) {}
}

impl<A: Axes> Axes for Option<A> {
    type Example = Option<A::Example>;
    type Stacked = Option<A::Stacked>;
    fn sizes<B: Backend>(x: &StackedOn<Self, B>, sizes: &mut Vec<usize>) {
        if let Some(x) = x {
            A::sizes::<B>(x, sizes);
        }
    }
    fn split<B: Backend>(x: StackedOn<Self, B>) -> ExampleOn<Self, B> {
        x.map(A::split::<B>)
    }
    fn stack<B: Backend>(y: ExampleOn<Self, B>, n: usize) -> StackedOn<Self, B> {
        y.map(|y| A::stack::<B>(y, n))
    }
    fn example<B: Backend>(x: &StackedOn<Self, B>, i: usize) -> Option<<A::Example as TreeDef>::On<B>> {
        x.as_ref().map(|x| A::example::<B>(x, i))
    }
    fn stack_all<B: Backend>(ys: Vec<Option<<A::Example as TreeDef>::On<B>>>) -> StackedOn<Self, B> {
        ys.into_iter().collect::<Option<Vec<_>>>().map(A::stack_all::<B>)
    }
}

impl<A: Axes> Axes for Vec<A> {
    type Example = Vec<A::Example>;
    type Stacked = Vec<A::Stacked>;
    fn sizes<B: Backend>(x: &StackedOn<Self, B>, sizes: &mut Vec<usize>) {
        x.iter().for_each(|x| A::sizes::<B>(x, sizes));
    }
    fn split<B: Backend>(x: StackedOn<Self, B>) -> ExampleOn<Self, B> {
        x.into_iter().map(A::split::<B>).collect()
    }
    fn stack<B: Backend>(y: ExampleOn<Self, B>, n: usize) -> StackedOn<Self, B> {
        y.into_iter().map(|y| A::stack::<B>(y, n)).collect()
    }
    fn example<B: Backend>(x: &StackedOn<Self, B>, i: usize) -> Vec<<A::Example as TreeDef>::On<B>> {
        x.iter().map(|x| A::example::<B>(x, i)).collect()
    }
    fn stack_all<B: Backend>(ys: Vec<Vec<<A::Example as TreeDef>::On<B>>>) -> StackedOn<Self, B> {
        (0..ys[0].len())
            .map(|j| A::stack_all::<B>(ys.iter().map(|y| y[j].clone()).collect()))
            .collect()
    }
}

impl<A: Axes, const N: usize> Axes for [A; N] {
    type Example = [A::Example; N];
    type Stacked = [A::Stacked; N];
    fn sizes<B: Backend>(x: &StackedOn<Self, B>, sizes: &mut Vec<usize>) {
        x.iter().for_each(|x| A::sizes::<B>(x, sizes));
    }
    fn split<B: Backend>(x: StackedOn<Self, B>) -> ExampleOn<Self, B> {
        x.map(A::split::<B>)
    }
    fn stack<B: Backend>(y: ExampleOn<Self, B>, n: usize) -> StackedOn<Self, B> {
        y.map(|y| A::stack::<B>(y, n))
    }
    fn example<B: Backend>(x: &StackedOn<Self, B>, i: usize) -> [<A::Example as TreeDef>::On<B>; N] {
        core::array::from_fn(|j| A::example::<B>(&x[j], i))
    }
    fn stack_all<B: Backend>(ys: Vec<[<A::Example as TreeDef>::On<B>; N]>) -> StackedOn<Self, B> {
        core::array::from_fn(|j| A::stack_all::<B>(ys.iter().map(|y| y[j].clone()).collect()))
    }
}

macro_rules! tuple_axes {
    ($(($($t:ident $i:tt),+)),*) => {$(
        impl<$($t: Axes),+> Axes for ($($t,)+) {
            type Example = ($($t::Example,)+);
            type Stacked = ($($t::Stacked,)+);
            fn sizes<B: Backend>(x: &StackedOn<Self, B>, sizes: &mut Vec<usize>) {
                $($t::sizes::<B>(&x.$i, sizes);)+
            }
            fn split<B: Backend>(x: StackedOn<Self, B>) -> ExampleOn<Self, B> {
                ($($t::split::<B>(x.$i),)+)
            }
            fn stack<B: Backend>(y: ExampleOn<Self, B>, n: usize) -> StackedOn<Self, B> {
                ($($t::stack::<B>(y.$i, n),)+)
            }
            fn example<B: Backend>(x: &StackedOn<Self, B>, i: usize) -> ($(<$t::Example as TreeDef>::On<B>,)+) {
                ($($t::example::<B>(&x.$i, i),)+)
            }
            fn stack_all<B: Backend>(ys: Vec<($(<$t::Example as TreeDef>::On<B>,)+)>) -> StackedOn<Self, B> {
                ($($t::stack_all::<B>(ys.iter().map(|y| y.$i.clone()).collect()),)+)
            }
        }
    )*};
}

tuple_axes!((A 0), (A 0, C 1), (A 0, C 1, D 2), (A 0, C 1, D 2, E 3), (A 0, C 1, D 2, E 3, G 4));

/// `vmap` of a [`TreeFn`] with `in_axes` `IA` and `out_axes` `OA`; itself a [`TreeFn`], so it
/// nests. Built by [`vmap_tree`].
pub struct VmapTree<F, IA, OA> {
    f: F,
    axis_size: Option<usize>,
    sequential: bool,
    _axes: PhantomData<fn() -> (IA, OA)>,
}

/// `vmap_tree::<IA, OA, _>(f)`: `f` mapped over the leaves that `IA` marks [`Mapped`], its
/// results stacked as `OA` says (JAX's `vmap(f, in_axes, out_axes)`).
///
/// ```
/// use burn::backend::Flex;
/// use burn::prelude::*;
/// use burnax::tree::Leaf;
/// use burnax::vmap::{vmap_tree, Mapped, TreeFn};
///
/// /// One example x (a vector) against shared weights w: (w^T x, |x|^2).
/// struct Layer;
/// impl TreeFn for Layer {
///     type In = (Leaf<1>, Leaf<2>);
///     type Out = (Leaf<1>, Leaf<1>);
///     fn call<B: Backend>(&self, (x, w): (Tensor<B, 1>, Tensor<B, 2>)) -> (Tensor<B, 1>, Tensor<B, 1>) {
///         let [d] = x.dims();
///         let y = x.clone().reshape([1, d]).matmul(w).flatten(0, 1);
///         (y, x.square().sum())
///     }
/// }
///
/// let device = Default::default();
/// let xs = Tensor::<Flex, 2>::from_floats([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], &device);
/// let w = Tensor::<Flex, 2>::from_floats([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], &device);
/// // in_axes = (0, None); out_axes = (0, 0)
/// let (ys, sq) = vmap_tree::<(Mapped<1>, Leaf<2>), (Mapped<1>, Mapped<1>), _>(Layer).call((xs, w));
/// assert_eq!(ys.dims(), [3, 3]);
/// assert_eq!(sq.into_data().to_vec::<f32>().unwrap(), [1.0, 4.0, 2.0]);
/// ```
pub fn vmap_tree<IA: Axes, OA: Axes, F: TreeFn<In = IA::Example, Out = OA::Example>>(
    f: F,
) -> VmapTree<F, IA, OA> {
    VmapTree {
        f,
        axis_size: None,
        sequential: false,
        _axes: PhantomData,
    }
}

impl<F, IA, OA> VmapTree<F, IA, OA> {
    /// The batch size, for when no input is mapped (JAX's `axis_size`): mapped outputs are then
    /// the same result repeated `n` times.
    pub fn axis_size(mut self, n: usize) -> Self {
        self.axis_size = Some(n);
        self
    }

    /// Opts into calling `f` once per example on `B` and stacking the results, for functions
    /// that have no batching rule (see [`Vmap::sequential`](super::Vmap::sequential)). Slow: one
    /// call per example. An unmapped output must then be equal for every example.
    pub fn sequential(mut self) -> Self {
        self.sequential = true;
        self
    }
}

impl<F: TreeFn<In = IA::Example, Out = OA::Example>, IA: Axes, OA: Axes> TreeFn for VmapTree<F, IA, OA> {
    type In = IA::Stacked;
    type Out = OA::Stacked;

    /// # Panics
    /// If mapped inputs have different sizes along their axes, or no input is mapped and no
    /// [`axis_size`](VmapTree::axis_size) is given, naming the sizes.
    #[track_caller]
    fn call<B: Backend>(&self, x: <IA::Stacked as TreeDef>::On<B>) -> <OA::Stacked as TreeDef>::On<B> {
        let mut sizes = Vec::new();
        IA::sizes::<B>(&x, &mut sizes);
        sizes.extend(self.axis_size);
        let n = *sizes
            .first()
            .expect("vmap: no input is mapped; give the batch size with `.axis_size(n)`");
        assert!(
            sizes.iter().all(|&s| s == n),
            "vmap: the mapped inputs (and axis_size) disagree on the batch size: {sizes:?}"
        );
        if self.sequential {
            assert!(n > 0, "vmap: the mapped inputs have no examples");
            let ys = (0..n)
                .map(|i| self.f.call::<B>(IA::example::<B>(&x, i)))
                .collect();
            return OA::stack_all::<B>(ys);
        }
        OA::stack::<B>(self.f.call::<Batched<B>>(IA::split::<B>(x)), n)
    }
}
