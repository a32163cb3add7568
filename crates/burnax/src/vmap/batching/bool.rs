//! Batching rules for bool tensors.

use core::future::Future;

use burn::prelude::Backend;
use burn::tensor::backend::ExecutionError;
use burn::tensor::ops::{BoolTensor, BoolTensorOps, Device, FloatTensor, IntTensor};
use burn::tensor::{BoolDType, FloatDType, IntDType, Scalar, Shape, Slice, TensorData};

use super::backend::{broadcasting, expand, readable, Batched, BatchedTensor, BoolK};
use super::rules;

impl<B: Backend> BoolTensorOps<Self> for Batched<B> {
    fn bool_empty(shape: Shape, device: &Device<Self>, dtype: BoolDType) -> BoolTensor<Self> {
        BatchedTensor::plain(B::bool_empty(shape, device, dtype))
    }

    fn bool_zeros(shape: Shape, device: &Device<Self>, dtype: BoolDType) -> BoolTensor<Self> {
        BatchedTensor::plain(B::bool_zeros(shape, device, dtype))
    }

    fn bool_ones(shape: Shape, device: &Device<Self>, dtype: BoolDType) -> BoolTensor<Self> {
        BatchedTensor::plain(B::bool_ones(shape, device, dtype))
    }

    #[track_caller]
    fn bool_into_data(
        tensor: BoolTensor<Self>,
    ) -> impl Future<Output = Result<TensorData, ExecutionError>> + Send {
        B::bool_into_data(readable(tensor, "into_data"))
    }

    fn bool_from_data(data: TensorData, device: &Device<Self>) -> BoolTensor<Self> {
        BatchedTensor::plain(B::bool_from_data(data, device))
    }

    fn bool_into_int(tensor: BoolTensor<Self>, out_dtype: IntDType) -> IntTensor<Self> {
        tensor.map(|p| B::bool_into_int(p, out_dtype))
    }

    fn bool_into_float(tensor: BoolTensor<Self>, out_dtype: FloatDType) -> FloatTensor<Self> {
        tensor.map(|p| B::bool_into_float(p, out_dtype))
    }

    fn bool_device(tensor: &BoolTensor<Self>) -> Device<Self> {
        B::bool_device(&tensor.inner)
    }

    fn bool_to_device(tensor: BoolTensor<Self>, device: &Device<Self>) -> BoolTensor<Self> {
        tensor.map(|p| B::bool_to_device(p, device))
    }

    fn bool_reshape(tensor: BoolTensor<Self>, shape: Shape) -> BoolTensor<Self> {
        rules::reshape::<B, BoolK>(tensor, shape)
    }

    fn bool_slice(tensor: BoolTensor<Self>, slices: &[Slice]) -> BoolTensor<Self> {
        rules::slice(tensor, slices, B::bool_slice)
    }

    fn bool_slice_assign(
        tensor: BoolTensor<Self>,
        slices: &[Slice],
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        rules::slice_assign::<B, BoolK>(tensor, slices, value, B::bool_slice_assign)
    }

    fn bool_mask_where(
        tensor: BoolTensor<Self>,
        mask: BoolTensor<Self>,
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        rules::mask_where::<B, BoolK>(tensor, mask, value, B::bool_mask_where)
    }

    fn bool_mask_fill(tensor: BoolTensor<Self>, mask: BoolTensor<Self>, value: Scalar) -> BoolTensor<Self> {
        rules::mask_fill::<B, BoolK>(tensor, mask, |t, m| B::bool_mask_fill(t, m, value))
    }

    fn bool_gather(dim: usize, tensor: BoolTensor<Self>, indices: IntTensor<Self>) -> BoolTensor<Self> {
        rules::gather::<B, BoolK>(dim, tensor, indices, B::bool_gather)
    }

    fn bool_scatter_or(
        dim: usize,
        tensor: BoolTensor<Self>,
        indices: IntTensor<Self>,
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        rules::scatter::<B, BoolK>(dim, tensor, indices, value, B::bool_scatter_or)
    }

    fn bool_select(tensor: BoolTensor<Self>, dim: usize, indices: IntTensor<Self>) -> BoolTensor<Self> {
        rules::select::<B, BoolK>(tensor, dim, indices, B::bool_select, B::bool_gather)
    }

    fn bool_select_or(
        tensor: BoolTensor<Self>,
        dim: usize,
        indices: IntTensor<Self>,
        value: BoolTensor<Self>,
    ) -> BoolTensor<Self> {
        rules::select_add::<B, BoolK>(tensor, dim, indices, value, B::bool_select_or, B::bool_scatter_or)
    }

    elementwise!(BoolTensor, BoolK; bool_equal, bool_and, bool_or);
    unary!(BoolTensor; bool_not);

    fn bool_equal_elem(lhs: BoolTensor<Self>, rhs: Scalar) -> BoolTensor<Self> {
        lhs.map(|p| B::bool_equal_elem(p, rhs))
    }

    fn bool_swap_dims(tensor: BoolTensor<Self>, dim1: usize, dim2: usize) -> BoolTensor<Self> {
        rules::swap_dims(tensor, dim1, dim2, B::bool_swap_dims)
    }

    fn bool_permute(tensor: BoolTensor<Self>, axes: &[usize]) -> BoolTensor<Self> {
        rules::permute(tensor, axes, B::bool_permute)
    }

    fn bool_flip(tensor: BoolTensor<Self>, axes: &[usize]) -> BoolTensor<Self> {
        rules::flip(tensor, axes, B::bool_flip)
    }

    fn bool_expand(tensor: BoolTensor<Self>, shape: Shape) -> BoolTensor<Self> {
        expand::<B, BoolK>(tensor, shape)
    }

    fn bool_unfold(tensor: BoolTensor<Self>, dim: usize, size: usize, step: usize) -> BoolTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::bool_unfold(p, axis, size, step))
    }

    fn bool_cat(tensors: Vec<BoolTensor<Self>>, dim: usize) -> BoolTensor<Self> {
        rules::cat::<B, BoolK>(tensors, dim, B::bool_cat)
    }
}
