//! The `Traced<B>` backend: its tensor type and the `Backend` impl. The operations are in the
//! sibling files, one per Burn operation trait; each is `B`'s operation recorded with
//! [`op`](super::super::trace::op).

use core::marker::PhantomData;

use burn::prelude::Backend;
use burn::tensor::backend::{BackendTypes, DTypeUsageSet, ExecutionError};
use burn::tensor::quantization::{QTensorPrimitive, QuantPropagation, QuantScheme};
use burn::tensor::{DType, Shape, TensorData, TensorMetadata};

use crate::error::{raise, Error};
use crate::jit::trace::is_traced;
pub use crate::jit::trace::TracedTensor;

/// A Burn backend that records every operation it runs on `B` into the trace being taken: the
/// backend [`jit`](crate::jit()) runs a function on the first time it sees a signature. It
/// decorates `B` as `Autodiff<B>` does and composes with it and with
/// [`Batched<B>`](crate::vmap::Batched) both ways: `Traced<Autodiff<B>>` is `grad` of `jit`,
/// `Autodiff<Traced<B>>` is `jit` of `grad`.
///
/// Users rarely name this type: `jit` moves tensors in and out of it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Traced<B> {
    _b: PhantomData<B>,
}

impl<P: TensorMetadata> TensorMetadata for TracedTensor<P> {
    fn dtype(&self) -> DType {
        self.inner.dtype()
    }

    fn shape(&self) -> Shape {
        self.inner.shape()
    }
}

impl<P: QTensorPrimitive> QTensorPrimitive for TracedTensor<P> {
    fn scheme(&self) -> &QuantScheme {
        self.inner.scheme()
    }

    fn propagation(&self) -> QuantPropagation {
        self.inner.propagation()
    }
}

/// The inner tensor of an operand that is read on the host: refused while it is traced, since
/// the value read would be frozen into the trace and replayed stale.
#[track_caller]
pub(crate) fn readable<P>(t: TracedTensor<P>, op: &str) -> P {
    if is_traced(t.node) {
        raise(Error::HostRead {
            transformation: "jit",
            op: op.to_string(),
            detail:
                "jit traces the function once per input signature and replays the trace without its Rust \
                     body, so a value read while tracing would be replayed stale. Keep the value in a tensor \
                     (use `burnax::control::cond` or `select` for choices), make it a `Static` input, or opt \
                     into `.eager_on_host_read()`"
                    .into(),
        });
    }
    t.inner
}

impl<B: Backend> BackendTypes for Traced<B> {
    type Device = B::Device;

    type FloatTensorPrimitive = TracedTensor<B::FloatTensorPrimitive>;
    type FloatElem = B::FloatElem;

    type IntTensorPrimitive = TracedTensor<B::IntTensorPrimitive>;
    type IntElem = B::IntElem;

    type BoolTensorPrimitive = TracedTensor<B::BoolTensorPrimitive>;
    type BoolElem = B::BoolElem;

    type QuantizedTensorPrimitive = TracedTensor<B::QuantizedTensorPrimitive>;
}

impl<B: Backend> Backend for Traced<B> {
    fn ad_enabled(device: &Self::Device) -> bool {
        B::ad_enabled(device)
    }

    fn name(device: &Self::Device) -> String {
        format!("traced<{}>", B::name(device))
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
