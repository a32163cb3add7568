//! Quantized tensor operations: `B`'s, recorded (the arithmetic on quantized tensors keeps
//! Burn's defaults, which dequantize into recorded float operations); transactions read data,
//! so they keep Burn's default, which reads each tensor (refused while traced).

use core::future::Future;

use burn::prelude::Backend;
use burn::tensor::backend::ExecutionError;
use burn::tensor::ops::{
    BoolTensor, Device, FloatTensor, IntTensor, QTensorOps, QuantizedTensor, TransactionOps,
};
use burn::tensor::quantization::{QuantScheme, QuantizationParametersPrimitive};
use burn::tensor::{BoolDType, FloatDType, IntDType, Shape, Slice, TensorData};

use super::backend::{readable, Traced};
use crate::jit::trace::{effect, op};

impl<B: Backend> TransactionOps<Self> for Traced<B> {}

impl<B: Backend> QTensorOps<Self> for Traced<B> {
    #[track_caller]
    fn q_into_data(
        tensor: QuantizedTensor<Self>,
    ) -> impl Future<Output = Result<TensorData, ExecutionError>> + Send {
        B::q_into_data(readable(tensor, "into_data"))
    }

    fn quantize(
        tensor: FloatTensor<Self>,
        scheme: &QuantScheme,
        qparams: QuantizationParametersPrimitive<Self>,
    ) -> QuantizedTensor<Self> {
        let scheme = *scheme;
        op::<B, _, _>("quantize", (tensor, qparams.scales), move |(tensor, scales)| {
            B::quantize(tensor, &scheme, QuantizationParametersPrimitive { scales })
        })
    }

    fn q_from_data(data: TensorData, device: &Device<Self>) -> QuantizedTensor<Self> {
        // A constant of the trace: made once, shared by every replay.
        let value = B::q_from_data(data, device);
        op::<B, _, _>("q_from_data", (), move |()| value.clone())
    }

    fn quantize_dynamic(tensor: FloatTensor<Self>, scheme: &QuantScheme) -> QuantizedTensor<Self> {
        let scheme = *scheme;
        op::<B, _, _>("quantize_dynamic", tensor, move |tensor| {
            B::quantize_dynamic(tensor, &scheme)
        })
    }

    fn dequantize(tensor: QuantizedTensor<Self>, dtype: FloatDType) -> FloatTensor<Self> {
        op::<B, _, _>("dequantize", tensor, move |tensor| B::dequantize(tensor, dtype))
    }

    fn q_device(tensor: &QuantizedTensor<Self>) -> Device<Self> {
        B::q_device(&tensor.inner)
    }

    fn q_to_device(tensor: QuantizedTensor<Self>, device: &Device<Self>) -> QuantizedTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("q_to_device", tensor, move |tensor| {
            B::q_to_device(tensor, &device)
        })
    }

    fn q_reshape(tensor: QuantizedTensor<Self>, shape: Shape) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_reshape", tensor, move |tensor| {
            B::q_reshape(tensor, shape.clone())
        })
    }

    fn q_detach(tensor: QuantizedTensor<Self>) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_detach", tensor, |tensor| B::q_detach(tensor))
    }

    fn q_set_require_grad(tensor: QuantizedTensor<Self>, require_grad: bool) -> QuantizedTensor<Self> {
        effect::<B, _, _>("q_set_require_grad", tensor, move |tensor| {
            B::q_set_require_grad(tensor, require_grad)
        })
    }

    fn q_is_require_grad(tensor: &QuantizedTensor<Self>) -> bool {
        B::q_is_require_grad(&tensor.inner)
    }

    fn q_expand(tensor: QuantizedTensor<Self>, shape: Shape) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_expand", tensor, move |tensor| {
            B::q_expand(tensor, shape.clone())
        })
    }

    fn q_transpose(tensor: QuantizedTensor<Self>) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_transpose", tensor, |tensor| B::q_transpose(tensor))
    }

    fn q_swap_dims(tensor: QuantizedTensor<Self>, dim1: usize, dim2: usize) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_swap_dims", tensor, move |tensor| {
            B::q_swap_dims(tensor, dim1, dim2)
        })
    }

    fn q_permute(tensor: QuantizedTensor<Self>, axes: &[usize]) -> QuantizedTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("q_permute", tensor, move |tensor| B::q_permute(tensor, &axes))
    }

    fn q_flip(tensor: QuantizedTensor<Self>, axes: &[usize]) -> QuantizedTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("q_flip", tensor, move |tensor| B::q_flip(tensor, &axes))
    }

    fn q_select(
        tensor: QuantizedTensor<Self>,
        dim: usize,
        indices: IntTensor<Self>,
    ) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_select", (tensor, indices), move |(tensor, indices)| {
            B::q_select(tensor, dim, indices)
        })
    }

    fn q_slice(tensor: QuantizedTensor<Self>, slices: &[Slice]) -> QuantizedTensor<Self> {
        let slices = slices.to_vec();
        op::<B, _, _>("q_slice", tensor, move |tensor| B::q_slice(tensor, &slices))
    }

    fn q_gather(
        dim: usize,
        tensor: QuantizedTensor<Self>,
        indices: IntTensor<Self>,
    ) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_gather", (tensor, indices), move |(tensor, indices)| {
            B::q_gather(dim, tensor, indices)
        })
    }

    fn q_repeat_dim(tensor: QuantizedTensor<Self>, dim: usize, times: usize) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_repeat_dim", tensor, move |tensor| {
            B::q_repeat_dim(tensor, dim, times)
        })
    }

    fn q_abs(tensor: QuantizedTensor<Self>) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_abs", tensor, |tensor| B::q_abs(tensor))
    }

    fn q_cat(tensors: Vec<QuantizedTensor<Self>>, dim: usize) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_cat", tensors, move |tensors| B::q_cat(tensors, dim))
    }

    fn q_argmax(tensor: QuantizedTensor<Self>, dim: usize, out_dtype: IntDType) -> IntTensor<Self> {
        op::<B, _, _>("q_argmax", tensor, move |tensor| {
            B::q_argmax(tensor, dim, out_dtype)
        })
    }

    fn q_argtopk(
        tensor: QuantizedTensor<Self>,
        dim: usize,
        k: usize,
        out_dtype: IntDType,
    ) -> IntTensor<Self> {
        op::<B, _, _>("q_argtopk", tensor, move |tensor| {
            B::q_argtopk(tensor, dim, k, out_dtype)
        })
    }

    fn q_topk(tensor: QuantizedTensor<Self>, dim: usize, k: usize) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_topk", tensor, move |tensor| B::q_topk(tensor, dim, k))
    }

    fn q_argmin(tensor: QuantizedTensor<Self>, dim: usize, out_dtype: IntDType) -> IntTensor<Self> {
        op::<B, _, _>("q_argmin", tensor, move |tensor| {
            B::q_argmin(tensor, dim, out_dtype)
        })
    }

    fn q_max(tensor: QuantizedTensor<Self>) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_max", tensor, |tensor| B::q_max(tensor))
    }

    fn q_max_dim(tensor: QuantizedTensor<Self>, dim: usize) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_max_dim", tensor, move |tensor| B::q_max_dim(tensor, dim))
    }

    fn q_max_dim_with_indices(
        tensor: QuantizedTensor<Self>,
        dim: usize,
        out_dtype: IntDType,
    ) -> (QuantizedTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("q_max_dim_with_indices", tensor, move |tensor| {
            B::q_max_dim_with_indices(tensor, dim, out_dtype)
        })
    }

    fn q_min(tensor: QuantizedTensor<Self>) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_min", tensor, |tensor| B::q_min(tensor))
    }

    fn q_min_dim(tensor: QuantizedTensor<Self>, dim: usize) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_min_dim", tensor, move |tensor| B::q_min_dim(tensor, dim))
    }

    fn q_min_dim_with_indices(
        tensor: QuantizedTensor<Self>,
        dim: usize,
        out_dtype: IntDType,
    ) -> (QuantizedTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("q_min_dim_with_indices", tensor, move |tensor| {
            B::q_min_dim_with_indices(tensor, dim, out_dtype)
        })
    }

    fn q_max_abs(tensor: QuantizedTensor<Self>) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_max_abs", tensor, |tensor| B::q_max_abs(tensor))
    }

    fn q_max_abs_dim(tensor: QuantizedTensor<Self>, dim: usize) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_max_abs_dim", tensor, move |tensor| {
            B::q_max_abs_dim(tensor, dim)
        })
    }

    fn q_any(tensor: QuantizedTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("q_any", tensor, move |tensor| B::q_any(tensor, out_dtype))
    }

    fn q_any_dim(tensor: QuantizedTensor<Self>, dim: usize, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("q_any_dim", tensor, move |tensor| {
            B::q_any_dim(tensor, dim, out_dtype)
        })
    }

    fn q_all(tensor: QuantizedTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("q_all", tensor, move |tensor| B::q_all(tensor, out_dtype))
    }

    fn q_all_dim(tensor: QuantizedTensor<Self>, dim: usize, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("q_all_dim", tensor, move |tensor| {
            B::q_all_dim(tensor, dim, out_dtype)
        })
    }

    fn q_sort(tensor: QuantizedTensor<Self>, dim: usize, descending: bool) -> QuantizedTensor<Self> {
        op::<B, _, _>("q_sort", tensor, move |tensor| B::q_sort(tensor, dim, descending))
    }

    fn q_sort_with_indices(
        tensor: QuantizedTensor<Self>,
        dim: usize,
        descending: bool,
        out_dtype: IntDType,
    ) -> (QuantizedTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("q_sort_with_indices", tensor, move |tensor| {
            B::q_sort_with_indices(tensor, dim, descending, out_dtype)
        })
    }

    fn q_argsort(
        tensor: QuantizedTensor<Self>,
        dim: usize,
        descending: bool,
        out_dtype: IntDType,
    ) -> IntTensor<Self> {
        op::<B, _, _>("q_argsort", tensor, move |tensor| {
            B::q_argsort(tensor, dim, descending, out_dtype)
        })
    }
}
