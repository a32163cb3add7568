//! Bool tensor operations: `B`'s, recorded.

use core::future::Future;

use burn::prelude::Backend;
use burn::tensor::backend::ExecutionError;
use burn::tensor::ops::{BoolTensor, BoolTensorOps, Device, FloatTensor, IntTensor};
use burn::tensor::{BoolDType, FloatDType, IntDType, Scalar, Shape, Slice, TensorData};

use super::backend::{readable, Traced};
use crate::jit::fusable::{self, Fuse};
use crate::jit::trace::{fusable, op, Node, TracedTensor};

impl<B: Backend> BoolTensorOps<Self> for Traced<B> {
    #[track_caller]
    fn bool_into_data(
        tensor: BoolTensor<Self>,
    ) -> impl Future<Output = Result<TensorData, ExecutionError>> + Send {
        B::bool_into_data(readable(tensor, "into_data"))
    }

    /// A data-dependent shape: refused while traced, as a host read.
    #[track_caller]
    fn bool_argwhere(
        tensor: BoolTensor<Self>,
        out_dtype: IntDType,
    ) -> impl Future<Output = IntTensor<Self>> + 'static + Send {
        let indices = B::bool_argwhere(readable(tensor, "argwhere"), out_dtype);
        async move {
            TracedTensor {
                inner: indices.await,
                node: Node::UNTRACED,
            }
        }
    }

    fn bool_empty(shape: Shape, device: &Device<Self>, dtype: BoolDType) -> BoolTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("bool_empty", (), move |()| {
            B::bool_empty(shape.clone(), &device, dtype)
        })
    }

    fn bool_zeros(shape: Shape, device: &Device<Self>, dtype: BoolDType) -> BoolTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("bool_zeros", (), move |()| {
            B::bool_zeros(shape.clone(), &device, dtype)
        })
    }

    fn bool_ones(shape: Shape, device: &Device<Self>, dtype: BoolDType) -> BoolTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("bool_ones", (), move |()| {
            B::bool_ones(shape.clone(), &device, dtype)
        })
    }

    fn bool_from_data(data: TensorData, device: &Device<Self>) -> BoolTensor<Self> {
        // A constant of the trace: made once, shared by every replay.
        let value = B::bool_from_data(data, device);
        op::<B, _, _>("bool_from_data", (), move |()| value.clone())
    }

    fn bool_into_int(tensor: BoolTensor<Self>, out_dtype: IntDType) -> IntTensor<Self> {
        op::<B, _, _>("bool_into_int", tensor, move |tensor| {
            B::bool_into_int(tensor, out_dtype)
        })
    }

    fn bool_into_float(tensor: BoolTensor<Self>, out_dtype: FloatDType) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::ToFloat, &[fusable::meta(&tensor.inner)])
            .filter(|_| out_dtype == FloatDType::F32);
        fusable::<B, _, _>("bool_into_float", tag, tensor, move |tensor| {
            B::bool_into_float(tensor, out_dtype)
        })
    }

    fn bool_device(tensor: &BoolTensor<Self>) -> Device<Self> {
        B::bool_device(&tensor.inner)
    }

    fn bool_to_device(tensor: BoolTensor<Self>, device: &Device<Self>) -> BoolTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("bool_to_device", tensor, move |tensor| {
            B::bool_to_device(tensor, &device)
        })
    }

    fn bool_reshape(tensor: BoolTensor<Self>, shape: Shape) -> BoolTensor<Self> {
        op::<B, _, _>("bool_reshape", tensor, move |tensor| {
            B::bool_reshape(tensor, shape.clone())
        })
    }

    fn bool_slice(tensor: BoolTensor<Self>, slices: &[Slice]) -> BoolTensor<Self> {
        let slices = slices.to_vec();
        op::<B, _, _>("bool_slice", tensor, move |tensor| B::bool_slice(tensor, &slices))
    }

    fn bool_slice_assign(
        tensor: BoolTensor<Self>,
        slices: &[Slice],
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        let slices = slices.to_vec();
        op::<B, _, _>("bool_slice_assign", (tensor, value), move |(tensor, value)| {
            B::bool_slice_assign(tensor, &slices, value)
        })
    }

    fn bool_mask_where(
        tensor: BoolTensor<Self>,
        mask: BoolTensor<Self>,
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        op::<B, _, _>(
            "bool_mask_where",
            (tensor, mask, value),
            |(tensor, mask, value)| B::bool_mask_where(tensor, mask, value),
        )
    }

    fn bool_mask_fill(tensor: BoolTensor<Self>, mask: BoolTensor<Self>, value: Scalar) -> BoolTensor<Self> {
        op::<B, _, _>("bool_mask_fill", (tensor, mask), move |(tensor, mask)| {
            B::bool_mask_fill(tensor, mask, value)
        })
    }

    fn bool_gather(dim: usize, tensor: BoolTensor<Self>, indices: IntTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_gather", (tensor, indices), move |(tensor, indices)| {
            B::bool_gather(dim, tensor, indices)
        })
    }

    fn bool_scatter_or(
        dim: usize,
        tensor: BoolTensor<Self>,
        indices: IntTensor<Self>,
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        op::<B, _, _>(
            "bool_scatter_or",
            (tensor, indices, value),
            move |(tensor, indices, value)| B::bool_scatter_or(dim, tensor, indices, value),
        )
    }

    fn bool_select(tensor: BoolTensor<Self>, dim: usize, indices: IntTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_select", (tensor, indices), move |(tensor, indices)| {
            B::bool_select(tensor, dim, indices)
        })
    }

    fn bool_select_or(
        tensor: BoolTensor<Self>,
        dim: usize,
        indices: IntTensor<Self>,
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        op::<B, _, _>(
            "bool_select_or",
            (tensor, indices, value),
            move |(tensor, indices, value)| B::bool_select_or(tensor, dim, indices, value),
        )
    }

    fn bool_repeat_dim(tensor: BoolTensor<Self>, dim: usize, times: usize) -> BoolTensor<Self> {
        op::<B, _, _>("bool_repeat_dim", tensor, move |tensor| {
            B::bool_repeat_dim(tensor, dim, times)
        })
    }

    fn bool_cat(tensors: Vec<BoolTensor<Self>>, dim: usize) -> BoolTensor<Self> {
        op::<B, _, _>("bool_cat", tensors, move |tensors| B::bool_cat(tensors, dim))
    }

    fn bool_equal(lhs: BoolTensor<Self>, rhs: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_equal", (lhs, rhs), |(lhs, rhs)| B::bool_equal(lhs, rhs))
    }

    fn bool_not_equal(lhs: BoolTensor<Self>, rhs: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_not_equal", (lhs, rhs), |(lhs, rhs)| {
            B::bool_not_equal(lhs, rhs)
        })
    }

    fn bool_equal_elem(lhs: BoolTensor<Self>, rhs: Scalar) -> BoolTensor<Self> {
        op::<B, _, _>("bool_equal_elem", lhs, move |lhs| B::bool_equal_elem(lhs, rhs))
    }

    fn bool_not_equal_elem(lhs: BoolTensor<Self>, rhs: Scalar) -> BoolTensor<Self> {
        op::<B, _, _>("bool_not_equal_elem", lhs, move |lhs| {
            B::bool_not_equal_elem(lhs, rhs)
        })
    }

    fn bool_not(tensor: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_not", tensor, |tensor| B::bool_not(tensor))
    }

    fn bool_and(lhs: BoolTensor<Self>, rhs: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_and", (lhs, rhs), |(lhs, rhs)| B::bool_and(lhs, rhs))
    }

    fn bool_or(lhs: BoolTensor<Self>, rhs: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_or", (lhs, rhs), |(lhs, rhs)| B::bool_or(lhs, rhs))
    }

    fn bool_xor(lhs: BoolTensor<Self>, rhs: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_xor", (lhs, rhs), |(lhs, rhs)| B::bool_xor(lhs, rhs))
    }

    fn bool_transpose(tensor: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_transpose", tensor, |tensor| B::bool_transpose(tensor))
    }

    fn bool_swap_dims(tensor: BoolTensor<Self>, dim1: usize, dim2: usize) -> BoolTensor<Self> {
        op::<B, _, _>("bool_swap_dims", tensor, move |tensor| {
            B::bool_swap_dims(tensor, dim1, dim2)
        })
    }

    fn bool_permute(tensor: BoolTensor<Self>, axes: &[usize]) -> BoolTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("bool_permute", tensor, move |tensor| {
            B::bool_permute(tensor, &axes)
        })
    }

    fn bool_flip(tensor: BoolTensor<Self>, axes: &[usize]) -> BoolTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("bool_flip", tensor, move |tensor| B::bool_flip(tensor, &axes))
    }

    fn bool_any(tensor: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_any", tensor, |tensor| B::bool_any(tensor))
    }

    fn bool_any_dim(tensor: BoolTensor<Self>, dim: usize) -> BoolTensor<Self> {
        op::<B, _, _>("bool_any_dim", tensor, move |tensor| B::bool_any_dim(tensor, dim))
    }

    fn bool_all(tensor: BoolTensor<Self>) -> BoolTensor<Self> {
        op::<B, _, _>("bool_all", tensor, |tensor| B::bool_all(tensor))
    }

    fn bool_all_dim(tensor: BoolTensor<Self>, dim: usize) -> BoolTensor<Self> {
        op::<B, _, _>("bool_all_dim", tensor, move |tensor| B::bool_all_dim(tensor, dim))
    }

    fn bool_expand(tensor: BoolTensor<Self>, shape: Shape) -> BoolTensor<Self> {
        op::<B, _, _>("bool_expand", tensor, move |tensor| {
            B::bool_expand(tensor, shape.clone())
        })
    }

    fn bool_unfold(tensor: BoolTensor<Self>, dim: usize, size: usize, step: usize) -> BoolTensor<Self> {
        op::<B, _, _>("bool_unfold", tensor, move |tensor| {
            B::bool_unfold(tensor, dim, size, step)
        })
    }
}
