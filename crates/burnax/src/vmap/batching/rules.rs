//! Batching rules written once for every tensor kind (float, int, bool): each takes the inner
//! backend's operation as a function and decides where the batch axis goes.

use burn::prelude::Backend;
use burn::tensor::{Shape, Slice, TensorMetadata};

use super::backend::{batch_shape, batch_slices, common_size, with_axis, BatchedTensor, BoolK, IntK, Kind};

type P<B, K> = <K as Kind<B>>::P;
type Int<B> = <B as burn::tensor::backend::BackendTypes>::IntTensorPrimitive;
type Bool<B> = <B as burn::tensor::backend::BackendTypes>::BoolTensorPrimitive;

/// The indices that make a per-example `select` along physical `axis` a `gather`: `indices`
/// (physical `[n, k]`) laid along `axis` and broadcast over the other axes of `shape`.
fn select_as_gather<B: Backend>(indices: Int<B>, shape: Shape, axis: usize) -> Int<B> {
    let [n, k] = indices.shape().dims();
    let mut along = Shape::from(vec![1; shape.num_dims()]);
    along[0] = n;
    along[axis] = k;
    let mut target = shape;
    target[axis] = k;
    B::int_expand(B::int_reshape(indices, along), target)
}

pub(crate) fn reshape<B: Backend, K: Kind<B>>(
    t: BatchedTensor<P<B, K>>,
    shape: Shape,
) -> BatchedTensor<P<B, K>> {
    let shape = batch_shape(shape, t.size);
    t.map(|p| K::reshape(p, shape))
}

pub(crate) fn swap_dims<T, Q>(
    t: BatchedTensor<T>,
    dim1: usize,
    dim2: usize,
    f: impl FnOnce(T, usize, usize) -> Q,
) -> BatchedTensor<Q> {
    let (a, b) = (t.axis(dim1), t.axis(dim2));
    t.map(|p| f(p, a, b))
}

pub(crate) fn permute<T, Q>(
    t: BatchedTensor<T>,
    axes: &[usize],
    f: impl FnOnce(T, &[usize]) -> Q,
) -> BatchedTensor<Q> {
    let axes: Vec<usize> = match t.size {
        Some(_) => core::iter::once(0).chain(axes.iter().map(|a| a + 1)).collect(),
        None => axes.to_vec(),
    };
    t.map(|p| f(p, &axes))
}

pub(crate) fn flip<T, Q>(
    t: BatchedTensor<T>,
    axes: &[usize],
    f: impl FnOnce(T, &[usize]) -> Q,
) -> BatchedTensor<Q> {
    let axes: Vec<usize> = axes.iter().map(|&a| t.axis(a)).collect();
    t.map(|p| f(p, &axes))
}

pub(crate) fn slice<T, Q>(
    t: BatchedTensor<T>,
    slices: &[Slice],
    f: impl FnOnce(T, &[Slice]) -> Q,
) -> BatchedTensor<Q> {
    match t.size {
        None => t.map(|p| f(p, slices)),
        Some(_) => t.map(|p| f(p, &batch_slices(slices))),
    }
}

pub(crate) fn slice_assign<B: Backend, K: Kind<B>>(
    tensor: BatchedTensor<P<B, K>>,
    slices: &[Slice],
    value: BatchedTensor<P<B, K>>,
    f: impl FnOnce(P<B, K>, &[Slice], P<B, K>) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    match common_size("slice_assign", &[tensor.size, value.size]) {
        None => BatchedTensor::plain(f(tensor.inner, slices, value.inner)),
        Some(n) => BatchedTensor {
            inner: f(
                with_axis::<B, K>(tensor, n),
                &batch_slices(slices),
                with_axis::<B, K>(value, n),
            ),
            size: Some(n),
        },
    }
}

pub(crate) fn gather<B: Backend, K: Kind<B>>(
    dim: usize,
    tensor: BatchedTensor<P<B, K>>,
    indices: BatchedTensor<Int<B>>,
    f: impl FnOnce(usize, P<B, K>, Int<B>) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    match common_size("gather", &[tensor.size, indices.size]) {
        None => BatchedTensor::plain(f(dim, tensor.inner, indices.inner)),
        Some(n) => BatchedTensor {
            inner: f(
                dim + 1,
                with_axis::<B, K>(tensor, n),
                with_axis::<B, IntK>(indices, n),
            ),
            size: Some(n),
        },
    }
}

/// `scatter_add` (and `scatter_or` for bools).
pub(crate) fn scatter<B: Backend, K: Kind<B>>(
    dim: usize,
    tensor: BatchedTensor<P<B, K>>,
    indices: BatchedTensor<Int<B>>,
    value: BatchedTensor<P<B, K>>,
    f: impl FnOnce(usize, P<B, K>, Int<B>, P<B, K>) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    match common_size("scatter", &[tensor.size, indices.size, value.size]) {
        None => BatchedTensor::plain(f(dim, tensor.inner, indices.inner, value.inner)),
        Some(n) => BatchedTensor {
            inner: f(
                dim + 1,
                with_axis::<B, K>(tensor, n),
                with_axis::<B, IntK>(indices, n),
                with_axis::<B, K>(value, n),
            ),
            size: Some(n),
        },
    }
}

/// `select`; per-example indices turn it into a gather along the same axis.
pub(crate) fn select<B: Backend, K: Kind<B>>(
    tensor: BatchedTensor<P<B, K>>,
    dim: usize,
    indices: BatchedTensor<Int<B>>,
    select: impl FnOnce(P<B, K>, usize, Int<B>) -> P<B, K>,
    gather: impl FnOnce(usize, P<B, K>, Int<B>) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    if let (None, Some(n)) = (tensor.size, indices.size) {
        // A shared table (an embedding) and per-example indices: one select of all the indices,
        // then the batch axis moved to the front; the table is never copied per example.
        let [_, k] = indices.inner.shape().dims();
        let flat = B::int_reshape(indices.inner, Shape::new([n * k]));
        let out = select(tensor.inner, dim, flat);
        let mut shape = out.shape();
        shape[dim] = k;
        shape.insert(dim, n);
        let rank = shape.num_dims();
        let out = K::reshape(out, shape);
        let axes: Vec<usize> = core::iter::once(dim)
            .chain((0..rank).filter(|&a| a != dim))
            .collect();
        return BatchedTensor {
            inner: K::permute(out, &axes),
            size: Some(n),
        };
    }
    match common_size("select", &[tensor.size, indices.size]) {
        None => BatchedTensor::plain(select(tensor.inner, dim, indices.inner)),
        Some(n) => {
            let p = with_axis::<B, K>(tensor, n);
            let inner = match indices.size {
                None => select(p, dim + 1, indices.inner),
                Some(_) => {
                    let idx = select_as_gather::<B>(indices.inner, p.shape(), dim + 1);
                    gather(dim + 1, p, idx)
                }
            };
            BatchedTensor { inner, size: Some(n) }
        }
    }
}

/// `select_add` (and `select_or` for bools); per-example indices turn it into a scatter along the
/// same axis.
pub(crate) fn select_add<B: Backend, K: Kind<B>>(
    tensor: BatchedTensor<P<B, K>>,
    dim: usize,
    indices: BatchedTensor<Int<B>>,
    value: BatchedTensor<P<B, K>>,
    select_add: impl FnOnce(P<B, K>, usize, Int<B>, P<B, K>) -> P<B, K>,
    scatter: impl FnOnce(usize, P<B, K>, Int<B>, P<B, K>) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    let Some(n) = common_size("select_add", &[tensor.size, indices.size, value.size]) else {
        return BatchedTensor::plain(select_add(tensor.inner, dim, indices.inner, value.inner));
    };
    let (t, v) = (with_axis::<B, K>(tensor, n), with_axis::<B, K>(value, n));
    let inner = match indices.size {
        None => select_add(t, dim + 1, indices.inner, v),
        Some(_) => {
            let idx = select_as_gather::<B>(indices.inner, v.shape(), dim + 1);
            scatter(dim + 1, t, idx, v)
        }
    };
    BatchedTensor { inner, size: Some(n) }
}

pub(crate) fn mask_where<B: Backend, K: Kind<B>>(
    tensor: BatchedTensor<P<B, K>>,
    mask: BatchedTensor<Bool<B>>,
    value: BatchedTensor<P<B, K>>,
    f: impl FnOnce(P<B, K>, Bool<B>, P<B, K>) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    match common_size("mask_where", &[tensor.size, mask.size, value.size]) {
        None => BatchedTensor::plain(f(tensor.inner, mask.inner, value.inner)),
        Some(n) => BatchedTensor {
            inner: f(
                with_axis::<B, K>(tensor, n),
                with_axis::<B, BoolK>(mask, n),
                with_axis::<B, K>(value, n),
            ),
            size: Some(n),
        },
    }
}

pub(crate) fn mask_fill<B: Backend, K: Kind<B>>(
    tensor: BatchedTensor<P<B, K>>,
    mask: BatchedTensor<Bool<B>>,
    f: impl FnOnce(P<B, K>, Bool<B>) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    match common_size("mask_fill", &[tensor.size, mask.size]) {
        None => BatchedTensor::plain(f(tensor.inner, mask.inner)),
        Some(n) => BatchedTensor {
            inner: f(with_axis::<B, K>(tensor, n), with_axis::<B, BoolK>(mask, n)),
            size: Some(n),
        },
    }
}

/// A reduction of all elements to shape `[1]`, per example: the reduction along axis 1 of the
/// batch flattened to `[n, elements]`.
pub(crate) fn reduce_all<B: Backend, K: Kind<B>, Q>(
    t: BatchedTensor<P<B, K>>,
    all: impl FnOnce(P<B, K>) -> Q,
    along: impl FnOnce(P<B, K>, usize) -> Q,
) -> BatchedTensor<Q> {
    match t.size {
        None => t.map(all),
        Some(n) => t.map(|p| {
            let count = p.shape().num_elements() / n.max(1);
            along(K::reshape(p, Shape::new([n, count])), 1)
        }),
    }
}

pub(crate) fn cat<B: Backend, K: Kind<B>>(
    tensors: Vec<BatchedTensor<P<B, K>>>,
    dim: usize,
    f: impl FnOnce(Vec<P<B, K>>, usize) -> P<B, K>,
) -> BatchedTensor<P<B, K>> {
    let sizes: Vec<Option<usize>> = tensors.iter().map(|t| t.size).collect();
    match common_size("cat", &sizes) {
        None => BatchedTensor::plain(f(tensors.into_iter().map(|t| t.inner).collect(), dim)),
        Some(n) => BatchedTensor {
            inner: f(
                tensors.into_iter().map(|t| with_axis::<B, K>(t, n)).collect(),
                dim + 1,
            ),
            size: Some(n),
        },
    }
}

/// `gather_nd`: shared data indexed by per-example indices keeps the batch axis in front of the
/// result (the indices' leading axes come first); per-example data has no rule here.
#[track_caller]
pub(crate) fn gather_nd<T, I: TensorMetadata, Q>(
    data: BatchedTensor<T>,
    indices: BatchedTensor<I>,
    f: impl FnOnce(T, I) -> Q,
) -> BatchedTensor<Q> {
    let data = data.unbatched("gather_nd");
    BatchedTensor {
        inner: f(data, indices.inner),
        size: indices.size,
    }
}

/// `scatter_nd`: only without a batch axis.
#[track_caller]
pub(crate) fn scatter_nd<T, I, Q>(
    data: BatchedTensor<T>,
    indices: BatchedTensor<I>,
    values: BatchedTensor<T>,
    f: impl FnOnce(T, I, T) -> Q,
) -> BatchedTensor<Q> {
    BatchedTensor::plain(f(
        data.unbatched("scatter_nd"),
        indices.unbatched("scatter_nd"),
        values.unbatched("scatter_nd"),
    ))
}

/// An operation returning two tensors (values and indices) along one axis.
pub(crate) fn along_pair<T, Q, R>(
    t: BatchedTensor<T>,
    dim: usize,
    f: impl FnOnce(T, usize) -> (Q, R),
) -> (BatchedTensor<Q>, BatchedTensor<R>) {
    let (size, axis) = (t.size, t.axis(dim));
    let (q, r) = f(t.inner, axis);
    (BatchedTensor { inner: q, size }, BatchedTensor { inner: r, size })
}
