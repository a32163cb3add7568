//! Batching rules for int tensors.

use core::future::Future;

use burn::prelude::Backend;
use burn::tensor::backend::ExecutionError;
use burn::tensor::ops::{BoolTensor, Device, FloatTensor, IntTensor, IntTensorOps};
use burn::tensor::{
    BoolDType, Distribution, FloatDType, IndexingUpdateOp, IntDType, Scalar, Shape, Slice, TensorData,
};

use super::backend::{binary, broadcasting, expand, readable, Batched, BatchedTensor, BoolK, IntK};
use super::rules;

impl<B: Backend> IntTensorOps<Self> for Batched<B> {
    fn int_empty(shape: Shape, device: &Device<Self>, dtype: IntDType) -> IntTensor<Self> {
        BatchedTensor::plain(B::int_empty(shape, device, dtype))
    }

    #[track_caller]
    fn int_into_data(
        tensor: IntTensor<Self>,
    ) -> impl Future<Output = Result<TensorData, ExecutionError>> + Send {
        B::int_into_data(readable(tensor, "into_data"))
    }

    fn int_from_data(data: TensorData, device: &Device<Self>) -> IntTensor<Self> {
        BatchedTensor::plain(B::int_from_data(data, device))
    }

    fn int_device(tensor: &IntTensor<Self>) -> Device<Self> {
        B::int_device(&tensor.inner)
    }

    fn int_to_device(tensor: IntTensor<Self>, device: &Device<Self>) -> IntTensor<Self> {
        tensor.map(|p| B::int_to_device(p, device))
    }

    fn int_reshape(tensor: IntTensor<Self>, shape: Shape) -> IntTensor<Self> {
        rules::reshape::<B, IntK>(tensor, shape)
    }

    fn int_slice(tensor: IntTensor<Self>, slices: &[Slice]) -> IntTensor<Self> {
        rules::slice(tensor, slices, B::int_slice)
    }

    fn int_slice_assign(
        tensor: IntTensor<Self>,
        slices: &[Slice],
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        rules::slice_assign::<B, IntK>(tensor, slices, value, B::int_slice_assign)
    }

    fn int_into_float(tensor: IntTensor<Self>, out_dtype: FloatDType) -> FloatTensor<Self> {
        tensor.map(|p| B::int_into_float(p, out_dtype))
    }

    fn int_mask_where(
        tensor: IntTensor<Self>,
        mask: BoolTensor<Self>,
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        rules::mask_where::<B, IntK>(tensor, mask, value, B::int_mask_where)
    }

    fn int_mask_fill(tensor: IntTensor<Self>, mask: BoolTensor<Self>, value: Scalar) -> IntTensor<Self> {
        rules::mask_fill::<B, IntK>(tensor, mask, |t, m| B::int_mask_fill(t, m, value))
    }

    fn int_gather(dim: usize, tensor: IntTensor<Self>, indices: IntTensor<Self>) -> IntTensor<Self> {
        rules::gather::<B, IntK>(dim, tensor, indices, B::int_gather)
    }

    fn int_scatter_add(
        dim: usize,
        tensor: IntTensor<Self>,
        indices: IntTensor<Self>,
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        rules::scatter::<B, IntK>(dim, tensor, indices, value, B::int_scatter_add)
    }

    fn int_select(tensor: IntTensor<Self>, dim: usize, indices: IntTensor<Self>) -> IntTensor<Self> {
        rules::select::<B, IntK>(tensor, dim, indices, B::int_select, B::int_gather)
    }

    fn int_select_add(
        tensor: IntTensor<Self>,
        dim: usize,
        indices: IntTensor<Self>,
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        rules::select_add::<B, IntK>(tensor, dim, indices, value, B::int_select_add, B::int_scatter_add)
    }

    compare!(IntTensor, IntK; int_equal, int_greater, int_greater_equal, int_lower, int_lower_equal);
    compare_scalar!(
        IntTensor;
        int_equal_elem,
        int_greater_elem,
        int_greater_equal_elem,
        int_lower_elem,
        int_lower_equal_elem,
    );
    elementwise!(
        IntTensor, IntK;
        int_add,
        int_sub,
        int_mul,
        int_div,
        int_remainder,
        bitwise_and,
        bitwise_or,
        bitwise_xor,
        bitwise_left_shift,
        bitwise_right_shift,
    );
    with_scalar!(
        IntTensor;
        int_add_scalar,
        int_sub_scalar,
        int_mul_scalar,
        int_div_scalar,
        int_remainder_scalar,
        bitwise_and_scalar,
        bitwise_or_scalar,
        bitwise_xor_scalar,
        bitwise_left_shift_scalar,
        bitwise_right_shift_scalar,
    );
    unary!(IntTensor; int_abs, bitwise_not);
    along!(
        IntTensor;
        int_sum_dim,
        int_prod_dim,
        int_mean_dim,
        int_cumsum,
        int_cumprod,
        int_cummin,
        int_cummax,
        int_argmax,
        int_argmin,
    );

    fn int_matmul(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        binary::<B, IntK, _>("int_matmul", lhs, rhs, B::int_matmul)
    }

    fn int_sum(tensor: IntTensor<Self>) -> IntTensor<Self> {
        rules::reduce_all::<B, IntK, _>(tensor, B::int_sum, B::int_sum_dim)
    }

    fn int_prod(tensor: IntTensor<Self>) -> IntTensor<Self> {
        rules::reduce_all::<B, IntK, _>(tensor, B::int_prod, B::int_prod_dim)
    }

    // Defaults delegated so the inner backend's own kernels run.
    unary!(IntTensor; int_neg, int_sign);
    along!(IntTensor; int_max_dim, int_min_dim);
    compare!(IntTensor, IntK; int_not_equal);
    compare_scalar!(IntTensor; int_not_equal_elem);
    with_scalar!(IntTensor; int_clamp_min, int_clamp_max, int_powi_scalar);

    fn int_max(tensor: IntTensor<Self>) -> IntTensor<Self> {
        rules::reduce_all::<B, IntK, _>(tensor, B::int_max, B::int_max_dim)
    }

    fn int_min(tensor: IntTensor<Self>) -> IntTensor<Self> {
        rules::reduce_all::<B, IntK, _>(tensor, B::int_min, B::int_min_dim)
    }

    fn int_clamp(tensor: IntTensor<Self>, min: Scalar, max: Scalar) -> IntTensor<Self> {
        tensor.map(|p| B::int_clamp(p, min, max))
    }

    fn int_repeat_dim(tensor: IntTensor<Self>, dim: usize, times: usize) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::int_repeat_dim(p, axis, times))
    }

    fn int_gather_nd(data: IntTensor<Self>, indices: IntTensor<Self>) -> IntTensor<Self> {
        rules::gather_nd(data, indices, B::int_gather_nd)
    }

    fn int_scatter_nd(
        data: IntTensor<Self>,
        indices: IntTensor<Self>,
        values: IntTensor<Self>,
        reduction: IndexingUpdateOp,
    ) -> IntTensor<Self> {
        rules::scatter_nd(data, indices, values, |d, i, v| {
            B::int_scatter_nd(d, i, v, reduction)
        })
    }

    fn int_argtopk(tensor: IntTensor<Self>, dim: usize, k: usize) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::int_argtopk(p, axis, k))
    }

    fn int_swap_dims(tensor: IntTensor<Self>, dim1: usize, dim2: usize) -> IntTensor<Self> {
        rules::swap_dims(tensor, dim1, dim2, B::int_swap_dims)
    }

    fn int_permute(tensor: IntTensor<Self>, axes: &[usize]) -> IntTensor<Self> {
        rules::permute(tensor, axes, B::int_permute)
    }

    fn int_flip(tensor: IntTensor<Self>, axes: &[usize]) -> IntTensor<Self> {
        rules::flip(tensor, axes, B::int_flip)
    }

    fn int_random(
        shape: Shape,
        distribution: Distribution,
        device: &Device<Self>,
        dtype: IntDType,
    ) -> IntTensor<Self> {
        BatchedTensor::plain(B::int_random(shape, distribution, device, dtype))
    }

    fn int_expand(tensor: IntTensor<Self>, shape: Shape) -> IntTensor<Self> {
        expand::<B, IntK>(tensor, shape)
    }

    fn int_cast(tensor: IntTensor<Self>, dtype: IntDType) -> IntTensor<Self> {
        tensor.map(|p| B::int_cast(p, dtype))
    }

    fn int_unfold(tensor: IntTensor<Self>, dim: usize, size: usize, step: usize) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::int_unfold(p, axis, size, step))
    }

    fn int_cat(tensors: Vec<IntTensor<Self>>, dim: usize) -> IntTensor<Self> {
        rules::cat::<B, IntK>(tensors, dim, B::int_cat)
    }

    fn int_sort(tensor: IntTensor<Self>, dim: usize, descending: bool) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::int_sort(p, axis, descending))
    }

    fn int_sort_with_indices(
        tensor: IntTensor<Self>,
        dim: usize,
        descending: bool,
    ) -> (IntTensor<Self>, IntTensor<Self>) {
        rules::along_pair(tensor, dim, |p, axis| {
            B::int_sort_with_indices(p, axis, descending)
        })
    }

    fn int_argsort(tensor: IntTensor<Self>, dim: usize, descending: bool) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::int_argsort(p, axis, descending))
    }
}
