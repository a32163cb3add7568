//! The `Batched<B>` backend: its tensor type, the helpers every batching rule is built from, and
//! the `Backend` impl. The rules themselves are in the sibling files, one per Burn operation
//! trait.

use core::marker::PhantomData;

use burn::prelude::Backend;
use burn::tensor::backend::{BackendTypes, DTypeUsageSet, ExecutionError};
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, Shape, Slice, TensorData, TensorMetadata};

use crate::error::{mismatch, raise, Error};

/// A Burn backend whose tensors may carry a hidden batch axis: the backend that [`vmap`](mod@crate::vmap)
/// runs a per-example function on. It decorates `B` the way `Autodiff<B>` does, and composes
/// with it both ways (`Autodiff<Batched<B>>` is `vmap` of `grad`, `Batched<Autodiff<B>>` is
/// `grad` of `vmap`); `Batched<Batched<B>>` is a nested `vmap`, one axis per level.
///
/// Users rarely name this type: [`vmap`](crate::vmap()) moves tensors in and out of it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Batched<B> {
    _b: PhantomData<B>,
}

/// A tensor of [`Batched<B>`]: the physical tensor of the inner backend, with the batch axis in
/// front when it has one. The shape it reports is the per-example (logical) shape, without that
/// axis, so code written for one example runs unchanged.
#[derive(Clone, Debug)]
pub struct BatchedTensor<P> {
    pub(crate) inner: P,
    /// The batch size when the tensor varies along the batch (axis 0 of `inner`); `None` when it
    /// is the same for every example, as constants and unbatched inputs are.
    pub(crate) size: Option<usize>,
}

impl<P: TensorMetadata> TensorMetadata for BatchedTensor<P> {
    fn dtype(&self) -> DType {
        self.inner.dtype()
    }

    fn shape(&self) -> Shape {
        let mut shape = self.inner.shape();
        if self.size.is_some() {
            shape.remove(0);
        }
        shape
    }
}

impl<P> BatchedTensor<P> {
    /// A tensor that is the same for every example.
    pub(crate) fn plain(inner: P) -> Self {
        Self { inner, size: None }
    }

    /// The physical axis of logical axis `dim`.
    pub(crate) fn axis(&self, dim: usize) -> usize {
        dim + usize::from(self.size.is_some())
    }

    /// Applies a shape-preserving (along the batch) function to the physical tensor.
    pub(crate) fn map<Q>(self, f: impl FnOnce(P) -> Q) -> BatchedTensor<Q> {
        BatchedTensor {
            inner: f(self.inner),
            size: self.size,
        }
    }

    /// Applies a function of the physical tensor and the physical axis of logical `dim`.
    pub(crate) fn map_dim<Q>(self, dim: usize, f: impl FnOnce(P, usize) -> Q) -> BatchedTensor<Q> {
        let axis = self.axis(dim);
        self.map(|p| f(p, axis))
    }

    /// Fails if the tensor is batched: for operations whose result cannot carry a batch axis.
    #[track_caller]
    pub(crate) fn unbatched(self, op: &str) -> P {
        if let Some(n) = self.size {
            raise(Error::NoRule {
                transformation: "vmap",
                op: op.to_string(),
                detail: format!(
                    "a tensor that varies along the vmapped axis (batch size {n}); compute it outside the \
                     vmapped function"
                ),
            });
        }
        self.inner
    }
}

/// Example `i` of a physical tensor whose batch axis is its first: the slice without that axis.
pub(crate) fn example<B: Backend>(p: &FloatTensor<B>, i: usize) -> FloatTensor<B> {
    let mut shape = p.shape();
    let mut one: Vec<Slice> = shape
        .iter()
        .map(|&s| Slice::new(0, Some(s as isize), 1))
        .collect();
    one[0] = Slice::new(i as isize, Some(i as isize + 1), 1);
    shape.remove(0);
    B::float_reshape(B::float_slice(p.clone(), &one), shape)
}

/// The batch size shared by operands, or `None` when none is batched.
///
/// # Panics
/// If two operands are batched with different sizes.
#[track_caller]
pub(crate) fn common_size(op: &str, sizes: &[Option<usize>]) -> Option<usize> {
    let mut common = None;
    for &size in sizes.iter().flatten() {
        match common {
            None => common = Some(size),
            Some(n) if n != size => mismatch(
                "vmap",
                format!("the operands of `{op}` are batched with different axis sizes {n} and {size}"),
            ),
            _ => {}
        }
    }
    common
}

/// The reshape and expand of one kind of primitive (float, int, bool), which is all the batching
/// rules need to line operands up.
pub(crate) trait Kind<B: Backend> {
    type P: TensorMetadata;
    fn reshape(p: Self::P, shape: Shape) -> Self::P;
    fn expand(p: Self::P, shape: Shape) -> Self::P;
    fn permute(p: Self::P, axes: &[usize]) -> Self::P;
}

pub(crate) struct FloatK;
pub(crate) struct IntK;
pub(crate) struct BoolK;

impl<B: Backend> Kind<B> for FloatK {
    type P = B::FloatTensorPrimitive;
    fn reshape(p: Self::P, shape: Shape) -> Self::P {
        B::float_reshape(p, shape)
    }
    fn expand(p: Self::P, shape: Shape) -> Self::P {
        B::float_expand(p, shape)
    }
    fn permute(p: Self::P, axes: &[usize]) -> Self::P {
        B::float_permute(p, axes)
    }
}

impl<B: Backend> Kind<B> for IntK {
    type P = B::IntTensorPrimitive;
    fn reshape(p: Self::P, shape: Shape) -> Self::P {
        B::int_reshape(p, shape)
    }
    fn expand(p: Self::P, shape: Shape) -> Self::P {
        B::int_expand(p, shape)
    }
    fn permute(p: Self::P, axes: &[usize]) -> Self::P {
        B::int_permute(p, axes)
    }
}

impl<B: Backend> Kind<B> for BoolK {
    type P = B::BoolTensorPrimitive;
    fn reshape(p: Self::P, shape: Shape) -> Self::P {
        B::bool_reshape(p, shape)
    }
    fn expand(p: Self::P, shape: Shape) -> Self::P {
        B::bool_expand(p, shape)
    }
    fn permute(p: Self::P, axes: &[usize]) -> Self::P {
        B::bool_permute(p, axes)
    }
}

/// The physical tensor with a batch axis of size `n` in front: as it is when batched, broadcast
/// (a stride-0 expand on the backends that have views) when not.
pub(crate) fn with_axis<B: Backend, K: Kind<B>>(t: BatchedTensor<K::P>, n: usize) -> K::P {
    match t.size {
        Some(_) => t.inner,
        None => {
            let mut shape = t.inner.shape();
            shape.insert(0, 1);
            let p = K::reshape(t.inner, shape.clone());
            shape[0] = n;
            K::expand(p, shape)
        }
    }
}

/// Folds the batch axis into the next one: `[n, a, ..]` to `[n * a, ..]` (unbatched tensors get
/// the axis first), for operations that are independent along their own first axis.
pub(crate) fn fold<B: Backend, K: Kind<B>>(t: BatchedTensor<K::P>, n: usize) -> K::P {
    let p = with_axis::<B, K>(t, n);
    let mut shape = p.shape();
    let first = shape.remove(0);
    shape[0] *= first;
    K::reshape(p, shape)
}

/// The inverse of [`fold`] on an operation's output: `[n * a', ..]` to `[n, a', ..]`.
pub(crate) fn unfold<B: Backend, K: Kind<B>>(p: K::P, n: usize) -> BatchedTensor<K::P> {
    let mut shape = p.shape();
    shape[0] /= n;
    shape.insert(0, n);
    BatchedTensor {
        inner: K::reshape(p, shape),
        size: Some(n),
    }
}

/// A binary operation that needs both operands batched with the same size (unbatched ones are
/// expanded), or neither.
#[track_caller]
pub(crate) fn binary<B: Backend, K: Kind<B>, Q>(
    op: &str,
    lhs: BatchedTensor<K::P>,
    rhs: BatchedTensor<K::P>,
    f: impl FnOnce(K::P, K::P) -> Q,
) -> BatchedTensor<Q> {
    match common_size(op, &[lhs.size, rhs.size]) {
        None => BatchedTensor::plain(f(lhs.inner, rhs.inner)),
        Some(n) => BatchedTensor {
            inner: f(with_axis::<B, K>(lhs, n), with_axis::<B, K>(rhs, n)),
            size: Some(n),
        },
    }
}

/// An elementwise binary operation, which broadcasts in every Burn backend: an unbatched operand
/// only gets a leading axis of size 1, so it is never copied across the batch. When it already
/// broadcasts along its first axis (size 1, as a bias row does), the batch folds into that axis
/// of the batched operand instead, so the operation keeps its rank (CPU backends broadcast a
/// rank-3 `[n, 1, h] + [1, 1, h]` several times slower than the rank-2 `[n, h] + [1, h]`).
#[track_caller]
pub(crate) fn broadcasting<B: Backend, K: Kind<B>, Q: Kind<B>>(
    op: &str,
    lhs: BatchedTensor<K::P>,
    rhs: BatchedTensor<K::P>,
    f: impl FnOnce(K::P, K::P) -> Q::P,
) -> BatchedTensor<Q::P> {
    let Some(n) = common_size(op, &[lhs.size, rhs.size]) else {
        return BatchedTensor::plain(f(lhs.inner, rhs.inner));
    };
    let lead = |t: BatchedTensor<K::P>| match t.size {
        Some(_) => t.inner,
        None => {
            let mut shape = t.inner.shape();
            shape.insert(0, 1);
            K::reshape(t.inner, shape)
        }
    };
    let folds = |batched: &BatchedTensor<K::P>, shared: &BatchedTensor<K::P>| {
        let (b, s) = (batched.inner.shape(), shared.inner.shape());
        batched.size.is_some() && shared.size.is_none() && s.num_dims() + 1 == b.num_dims() && s[0] == 1
    };
    if folds(&lhs, &rhs) {
        unfold::<B, Q>(f(fold::<B, K>(lhs, n), rhs.inner), n)
    } else if folds(&rhs, &lhs) {
        unfold::<B, Q>(f(lhs.inner, fold::<B, K>(rhs, n)), n)
    } else {
        BatchedTensor {
            inner: f(lead(lhs), lead(rhs)),
            size: Some(n),
        }
    }
}

/// Slices with the batch axis kept whole in front.
pub(crate) fn batch_slices(slices: &[Slice]) -> Vec<Slice> {
    let mut all = Vec::with_capacity(slices.len() + 1);
    all.push(Slice::new(0, None, 1));
    all.extend_from_slice(slices);
    all
}

/// The physical shape of a logical `shape` for a tensor batched with size `n`.
pub(crate) fn batch_shape(shape: Shape, n: Option<usize>) -> Shape {
    let mut shape = shape;
    if let Some(n) = n {
        shape.insert(0, n);
    }
    shape
}

/// Expands a tensor to a logical `shape` (which may add leading axes): for a batched tensor the
/// new axes go after the batch axis.
pub(crate) fn expand<B: Backend, K: Kind<B>>(t: BatchedTensor<K::P>, shape: Shape) -> BatchedTensor<K::P> {
    match t.size {
        None => BatchedTensor::plain(K::expand(t.inner, shape)),
        Some(n) => {
            let mut physical = t.inner.shape();
            let new_axes = shape.num_dims().saturating_sub(physical.num_dims() - 1);
            for _ in 0..new_axes {
                physical.insert(1, 1);
            }
            let p = K::reshape(t.inner, physical);
            BatchedTensor {
                inner: K::expand(p, batch_shape(shape, Some(n))),
                size: Some(n),
            }
        }
    }
}

/// Reads a tensor's data: only for unbatched tensors (a batched one has a value per example,
/// which the per-example code cannot hold).
#[track_caller]
pub(crate) fn readable<P>(t: BatchedTensor<P>, op: &str) -> P {
    if let Some(n) = t.size {
        raise(Error::HostRead {
            transformation: "vmap",
            op: op.to_string(),
            detail: format!(
                "this tensor varies along the vmapped axis (batch size {n}); a vmapped function must stay \
                 in tensor operations (no `into_data`, `into_scalar` or data-dependent shapes)"
            ),
        });
    }
    t.inner
}

impl<B: Backend> BackendTypes for Batched<B> {
    type Device = B::Device;

    type FloatTensorPrimitive = BatchedTensor<B::FloatTensorPrimitive>;
    type FloatElem = B::FloatElem;

    type IntTensorPrimitive = BatchedTensor<B::IntTensorPrimitive>;
    type IntElem = B::IntElem;

    type BoolTensorPrimitive = BatchedTensor<B::BoolTensorPrimitive>;
    type BoolElem = B::BoolElem;

    /// Quantized tensors are never batched: quantizing a batched tensor fails with a clear message.
    type QuantizedTensorPrimitive = B::QuantizedTensorPrimitive;
}

impl<B: Backend> Backend for Batched<B> {
    fn ad_enabled(device: &Self::Device) -> bool {
        B::ad_enabled(device)
    }

    fn name(device: &Self::Device) -> String {
        format!("batched<{}>", B::name(device))
    }

    fn seed(device: &Self::Device, seed: u64) {
        B::seed(device, seed)
    }

    fn sync(device: &Self::Device) -> Result<(), ExecutionError> {
        B::sync(device)
    }

    fn memory_cleanup(device: &Self::Device) {
        B::memory_cleanup(device)
    }

    fn memory_persistent_allocations<Output: Send, Input: Send, Func: Fn(Input) -> Output + Send>(
        device: &Self::Device,
        input: Input,
        func: Func,
    ) -> Output {
        B::memory_persistent_allocations(device, input, func)
    }

    fn supports_dtype(device: &Self::Device, dtype: DType) -> bool {
        B::supports_dtype(device, dtype)
    }

    fn dtype_usage(device: &Self::Device, dtype: DType) -> DTypeUsageSet {
        B::dtype_usage(device, dtype)
    }

    fn device_count(type_id: u16) -> usize {
        B::device_count(type_id)
    }

    fn staging<'a, Iter>(data: Iter, device: &Self::Device)
    where
        Iter: Iterator<Item = &'a mut TensorData>,
    {
        B::staging(data, device);
    }
}
