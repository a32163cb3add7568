//! Int tensor operations: `B`'s, recorded.

use core::future::Future;
use core::ops::Range;

use burn::prelude::Backend;
use burn::tensor::backend::ExecutionError;
use burn::tensor::ops::{BoolTensor, Device, FloatTensor, IntTensor, IntTensorOps};
use burn::tensor::{
    BoolDType, Distribution, FloatDType, IndexingUpdateOp, IntDType, Scalar, Shape, Slice, TensorData,
};

use super::backend::{readable, Traced};
use crate::jit::trace::{effect, op};

impl<B: Backend> IntTensorOps<Self> for Traced<B> {
    #[track_caller]
    fn int_into_data(
        tensor: IntTensor<Self>,
    ) -> impl Future<Output = Result<TensorData, ExecutionError>> + Send {
        B::int_into_data(readable(tensor, "into_data"))
    }

    fn int_empty(shape: Shape, device: &Device<Self>, dtype: IntDType) -> IntTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("int_empty", (), move |()| {
            B::int_empty(shape.clone(), &device, dtype)
        })
    }

    fn int_from_data(data: TensorData, device: &Device<Self>) -> IntTensor<Self> {
        // A constant of the trace: made once, shared by every replay.
        let value = B::int_from_data(data, device);
        op::<B, _, _>("int_from_data", (), move |()| value.clone())
    }

    fn int_device(tensor: &IntTensor<Self>) -> Device<Self> {
        B::int_device(&tensor.inner)
    }

    fn int_to_device(tensor: IntTensor<Self>, device: &Device<Self>) -> IntTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("int_to_device", tensor, move |tensor| {
            B::int_to_device(tensor, &device)
        })
    }

    fn int_reshape(tensor: IntTensor<Self>, shape: Shape) -> IntTensor<Self> {
        op::<B, _, _>("int_reshape", tensor, move |tensor| {
            B::int_reshape(tensor, shape.clone())
        })
    }

    fn int_slice(tensor: IntTensor<Self>, slices: &[Slice]) -> IntTensor<Self> {
        let slices = slices.to_vec();
        op::<B, _, _>("int_slice", tensor, move |tensor| B::int_slice(tensor, &slices))
    }

    fn int_slice_assign(
        tensor: IntTensor<Self>,
        slices: &[Slice],
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        let slices = slices.to_vec();
        op::<B, _, _>("int_slice_assign", (tensor, value), move |(tensor, value)| {
            B::int_slice_assign(tensor, &slices, value)
        })
    }

    fn int_into_float(tensor: IntTensor<Self>, out_dtype: FloatDType) -> FloatTensor<Self> {
        op::<B, _, _>("int_into_float", tensor, move |tensor| {
            B::int_into_float(tensor, out_dtype)
        })
    }

    fn int_mask_where(
        tensor: IntTensor<Self>,
        mask: BoolTensor<Self>,
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        op::<B, _, _>(
            "int_mask_where",
            (tensor, mask, value),
            |(tensor, mask, value)| B::int_mask_where(tensor, mask, value),
        )
    }

    fn int_mask_fill(tensor: IntTensor<Self>, mask: BoolTensor<Self>, value: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_mask_fill", (tensor, mask), move |(tensor, mask)| {
            B::int_mask_fill(tensor, mask, value)
        })
    }

    fn int_gather(dim: usize, tensor: IntTensor<Self>, indices: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_gather", (tensor, indices), move |(tensor, indices)| {
            B::int_gather(dim, tensor, indices)
        })
    }

    fn int_scatter_add(
        dim: usize,
        tensor: IntTensor<Self>,
        indices: IntTensor<Self>,
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        op::<B, _, _>(
            "int_scatter_add",
            (tensor, indices, value),
            move |(tensor, indices, value)| B::int_scatter_add(dim, tensor, indices, value),
        )
    }

    fn int_scatter_nd(
        data: IntTensor<Self>,
        indices: IntTensor<Self>,
        values: IntTensor<Self>,
        reduction: IndexingUpdateOp,
    ) -> IntTensor<Self> {
        op::<B, _, _>(
            "int_scatter_nd",
            (data, indices, values),
            move |(data, indices, values)| B::int_scatter_nd(data, indices, values, reduction),
        )
    }

    fn int_gather_nd(data: IntTensor<Self>, indices: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_gather_nd", (data, indices), |(data, indices)| {
            B::int_gather_nd(data, indices)
        })
    }

    fn int_select(tensor: IntTensor<Self>, dim: usize, indices: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_select", (tensor, indices), move |(tensor, indices)| {
            B::int_select(tensor, dim, indices)
        })
    }

    fn int_select_add(
        tensor: IntTensor<Self>,
        dim: usize,
        indices: IntTensor<Self>,
        value: IntTensor<Self>,
    ) -> IntTensor<Self> {
        op::<B, _, _>(
            "int_select_add",
            (tensor, indices, value),
            move |(tensor, indices, value)| B::int_select_add(tensor, dim, indices, value),
        )
    }

    fn int_repeat_dim(tensor: IntTensor<Self>, dim: usize, times: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_repeat_dim", tensor, move |tensor| {
            B::int_repeat_dim(tensor, dim, times)
        })
    }

    fn int_cat(tensors: Vec<IntTensor<Self>>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_cat", tensors, move |tensors| B::int_cat(tensors, dim))
    }

    fn int_equal(lhs: IntTensor<Self>, rhs: IntTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::int_equal(lhs, rhs, out_dtype)
        })
    }

    fn int_not_equal(lhs: IntTensor<Self>, rhs: IntTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_not_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::int_not_equal(lhs, rhs, out_dtype)
        })
    }

    fn int_equal_elem(lhs: IntTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_equal_elem", lhs, move |lhs| {
            B::int_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn int_not_equal_elem(lhs: IntTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_not_equal_elem", lhs, move |lhs| {
            B::int_not_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn int_greater(lhs: IntTensor<Self>, rhs: IntTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_greater", (lhs, rhs), move |(lhs, rhs)| {
            B::int_greater(lhs, rhs, out_dtype)
        })
    }

    fn int_greater_elem(lhs: IntTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_greater_elem", lhs, move |lhs| {
            B::int_greater_elem(lhs, rhs, out_dtype)
        })
    }

    fn int_greater_equal(
        lhs: IntTensor<Self>,
        rhs: IntTensor<Self>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Self> {
        op::<B, _, _>("int_greater_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::int_greater_equal(lhs, rhs, out_dtype)
        })
    }

    fn int_greater_equal_elem(lhs: IntTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_greater_equal_elem", lhs, move |lhs| {
            B::int_greater_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn int_lower(lhs: IntTensor<Self>, rhs: IntTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_lower", (lhs, rhs), move |(lhs, rhs)| {
            B::int_lower(lhs, rhs, out_dtype)
        })
    }

    fn int_lower_elem(lhs: IntTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_lower_elem", lhs, move |lhs| {
            B::int_lower_elem(lhs, rhs, out_dtype)
        })
    }

    fn int_lower_equal(lhs: IntTensor<Self>, rhs: IntTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_lower_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::int_lower_equal(lhs, rhs, out_dtype)
        })
    }

    fn int_lower_equal_elem(lhs: IntTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_lower_equal_elem", lhs, move |lhs| {
            B::int_lower_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn int_add(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_add", (lhs, rhs), |(lhs, rhs)| B::int_add(lhs, rhs))
    }

    fn int_add_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_add_scalar", lhs, move |lhs| B::int_add_scalar(lhs, rhs))
    }

    fn int_powi(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_powi", (lhs, rhs), |(lhs, rhs)| B::int_powi(lhs, rhs))
    }

    fn int_powi_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_powi_scalar", lhs, move |lhs| B::int_powi_scalar(lhs, rhs))
    }

    fn int_powi_scalar_impl(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_powi_scalar_impl", lhs, move |lhs| {
            B::int_powi_scalar_impl(lhs, rhs)
        })
    }

    fn int_clamp_min(tensor: IntTensor<Self>, min: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_clamp_min", tensor, move |tensor| {
            B::int_clamp_min(tensor, min)
        })
    }

    fn int_clamp_max(tensor: IntTensor<Self>, max: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_clamp_max", tensor, move |tensor| {
            B::int_clamp_max(tensor, max)
        })
    }

    fn int_clamp(tensor: IntTensor<Self>, min: Scalar, max: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_clamp", tensor, move |tensor| B::int_clamp(tensor, min, max))
    }

    fn int_sub(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_sub", (lhs, rhs), |(lhs, rhs)| B::int_sub(lhs, rhs))
    }

    fn int_sub_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_sub_scalar", lhs, move |lhs| B::int_sub_scalar(lhs, rhs))
    }

    fn int_mul(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_mul", (lhs, rhs), |(lhs, rhs)| B::int_mul(lhs, rhs))
    }

    fn int_mul_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_mul_scalar", lhs, move |lhs| B::int_mul_scalar(lhs, rhs))
    }

    fn int_div(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_div", (lhs, rhs), |(lhs, rhs)| B::int_div(lhs, rhs))
    }

    fn int_div_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_div_scalar", lhs, move |lhs| B::int_div_scalar(lhs, rhs))
    }

    fn int_remainder(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_remainder", (lhs, rhs), |(lhs, rhs)| {
            B::int_remainder(lhs, rhs)
        })
    }

    fn int_remainder_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("int_remainder_scalar", lhs, move |lhs| {
            B::int_remainder_scalar(lhs, rhs)
        })
    }

    fn int_matmul(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_matmul", (lhs, rhs), |(lhs, rhs)| B::int_matmul(lhs, rhs))
    }

    fn int_neg(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_neg", tensor, |tensor| B::int_neg(tensor))
    }

    fn int_zeros(shape: Shape, device: &Device<Self>, dtype: IntDType) -> IntTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("int_zeros", (), move |()| {
            B::int_zeros(shape.clone(), &device, dtype)
        })
    }

    fn int_ones(shape: Shape, device: &Device<Self>, dtype: IntDType) -> IntTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("int_ones", (), move |()| {
            B::int_ones(shape.clone(), &device, dtype)
        })
    }

    fn int_full(shape: Shape, fill_value: Scalar, device: &Device<Self>, dtype: IntDType) -> IntTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("int_full", (), move |()| {
            B::int_full(shape.clone(), fill_value, &device, dtype)
        })
    }

    fn int_sum(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_sum", tensor, |tensor| B::int_sum(tensor))
    }

    fn int_sum_dim(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_sum_dim", tensor, move |tensor| B::int_sum_dim(tensor, dim))
    }

    fn int_prod(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_prod", tensor, |tensor| B::int_prod(tensor))
    }

    fn int_prod_dim(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_prod_dim", tensor, move |tensor| B::int_prod_dim(tensor, dim))
    }

    fn int_mean(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_mean", tensor, |tensor| B::int_mean(tensor))
    }

    fn int_mean_dim(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_mean_dim", tensor, move |tensor| B::int_mean_dim(tensor, dim))
    }

    fn int_cumsum(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_cumsum", tensor, move |tensor| B::int_cumsum(tensor, dim))
    }

    fn int_cumprod(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_cumprod", tensor, move |tensor| B::int_cumprod(tensor, dim))
    }

    fn int_cummin(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_cummin", tensor, move |tensor| B::int_cummin(tensor, dim))
    }

    fn int_cummax(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_cummax", tensor, move |tensor| B::int_cummax(tensor, dim))
    }

    fn int_argmax(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_argmax", tensor, move |tensor| B::int_argmax(tensor, dim))
    }

    fn int_argtopk(tensor: IntTensor<Self>, dim: usize, k: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_argtopk", tensor, move |tensor| {
            B::int_argtopk(tensor, dim, k)
        })
    }

    fn int_topk(tensor: IntTensor<Self>, dim: usize, k: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_topk", tensor, move |tensor| B::int_topk(tensor, dim, k))
    }

    fn int_argmin(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_argmin", tensor, move |tensor| B::int_argmin(tensor, dim))
    }

    fn int_max(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_max", tensor, |tensor| B::int_max(tensor))
    }

    fn int_max_dim(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_max_dim", tensor, move |tensor| B::int_max_dim(tensor, dim))
    }

    fn int_max_dim_with_indices(tensor: IntTensor<Self>, dim: usize) -> (IntTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("int_max_dim_with_indices", tensor, move |tensor| {
            B::int_max_dim_with_indices(tensor, dim)
        })
    }

    fn int_max_abs(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_max_abs", tensor, |tensor| B::int_max_abs(tensor))
    }

    fn int_max_abs_dim(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_max_abs_dim", tensor, move |tensor| {
            B::int_max_abs_dim(tensor, dim)
        })
    }

    fn int_min(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_min", tensor, |tensor| B::int_min(tensor))
    }

    fn int_min_dim(tensor: IntTensor<Self>, dim: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_min_dim", tensor, move |tensor| B::int_min_dim(tensor, dim))
    }

    fn int_min_dim_with_indices(tensor: IntTensor<Self>, dim: usize) -> (IntTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("int_min_dim_with_indices", tensor, move |tensor| {
            B::int_min_dim_with_indices(tensor, dim)
        })
    }

    fn int_abs(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_abs", tensor, |tensor| B::int_abs(tensor))
    }

    fn int_transpose(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_transpose", tensor, |tensor| B::int_transpose(tensor))
    }

    fn int_swap_dims(tensor: IntTensor<Self>, dim1: usize, dim2: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_swap_dims", tensor, move |tensor| {
            B::int_swap_dims(tensor, dim1, dim2)
        })
    }

    fn int_permute(tensor: IntTensor<Self>, axes: &[usize]) -> IntTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("int_permute", tensor, move |tensor| B::int_permute(tensor, &axes))
    }

    fn int_flip(tensor: IntTensor<Self>, axes: &[usize]) -> IntTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("int_flip", tensor, move |tensor| B::int_flip(tensor, &axes))
    }

    fn int_random(
        shape: Shape,
        distribution: Distribution,
        device: &Device<Self>,
        dtype: IntDType,
    ) -> IntTensor<Self> {
        let device = device.clone();
        effect::<B, _, _>("int_random", (), move |()| {
            B::int_random(shape.clone(), distribution, &device, dtype)
        })
    }

    fn int_arange_step(
        range: Range<i64>,
        step: usize,
        device: &Device<Self>,
        dtype: IntDType,
    ) -> IntTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("int_arange_step", (), move |()| {
            B::int_arange_step(range.clone(), step, &device, dtype)
        })
    }

    fn int_arange(range: Range<i64>, device: &Device<Self>, dtype: IntDType) -> IntTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("int_arange", (), move |()| {
            B::int_arange(range.clone(), &device, dtype)
        })
    }

    fn int_any(tensor: IntTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_any", tensor, move |tensor| B::int_any(tensor, out_dtype))
    }

    fn int_any_dim(tensor: IntTensor<Self>, dim: usize, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_any_dim", tensor, move |tensor| {
            B::int_any_dim(tensor, dim, out_dtype)
        })
    }

    fn int_all(tensor: IntTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_all", tensor, move |tensor| B::int_all(tensor, out_dtype))
    }

    fn int_all_dim(tensor: IntTensor<Self>, dim: usize, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("int_all_dim", tensor, move |tensor| {
            B::int_all_dim(tensor, dim, out_dtype)
        })
    }

    fn int_sign(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("int_sign", tensor, |tensor| B::int_sign(tensor))
    }

    fn int_expand(tensor: IntTensor<Self>, shape: Shape) -> IntTensor<Self> {
        op::<B, _, _>("int_expand", tensor, move |tensor| {
            B::int_expand(tensor, shape.clone())
        })
    }

    fn int_sort(tensor: IntTensor<Self>, dim: usize, descending: bool) -> IntTensor<Self> {
        op::<B, _, _>("int_sort", tensor, move |tensor| {
            B::int_sort(tensor, dim, descending)
        })
    }

    fn int_sort_with_indices(
        tensor: IntTensor<Self>,
        dim: usize,
        descending: bool,
    ) -> (IntTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("int_sort_with_indices", tensor, move |tensor| {
            B::int_sort_with_indices(tensor, dim, descending)
        })
    }

    fn int_argsort(tensor: IntTensor<Self>, dim: usize, descending: bool) -> IntTensor<Self> {
        op::<B, _, _>("int_argsort", tensor, move |tensor| {
            B::int_argsort(tensor, dim, descending)
        })
    }

    fn bitwise_and(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_and", (lhs, rhs), |(lhs, rhs)| B::bitwise_and(lhs, rhs))
    }

    fn bitwise_and_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_and_scalar", lhs, move |lhs| {
            B::bitwise_and_scalar(lhs, rhs)
        })
    }

    fn bitwise_or(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_or", (lhs, rhs), |(lhs, rhs)| B::bitwise_or(lhs, rhs))
    }

    fn bitwise_or_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_or_scalar", lhs, move |lhs| {
            B::bitwise_or_scalar(lhs, rhs)
        })
    }

    fn bitwise_xor(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_xor", (lhs, rhs), |(lhs, rhs)| B::bitwise_xor(lhs, rhs))
    }

    fn bitwise_xor_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_xor_scalar", lhs, move |lhs| {
            B::bitwise_xor_scalar(lhs, rhs)
        })
    }

    fn bitwise_not(tensor: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_not", tensor, |tensor| B::bitwise_not(tensor))
    }

    fn bitwise_left_shift(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_left_shift", (lhs, rhs), |(lhs, rhs)| {
            B::bitwise_left_shift(lhs, rhs)
        })
    }

    fn bitwise_left_shift_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_left_shift_scalar", lhs, move |lhs| {
            B::bitwise_left_shift_scalar(lhs, rhs)
        })
    }

    fn bitwise_right_shift(lhs: IntTensor<Self>, rhs: IntTensor<Self>) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_right_shift", (lhs, rhs), |(lhs, rhs)| {
            B::bitwise_right_shift(lhs, rhs)
        })
    }

    fn bitwise_right_shift_scalar(lhs: IntTensor<Self>, rhs: Scalar) -> IntTensor<Self> {
        op::<B, _, _>("bitwise_right_shift_scalar", lhs, move |lhs| {
            B::bitwise_right_shift_scalar(lhs, rhs)
        })
    }

    fn int_cast(tensor: IntTensor<Self>, dtype: IntDType) -> IntTensor<Self> {
        op::<B, _, _>("int_cast", tensor, move |tensor| B::int_cast(tensor, dtype))
    }

    fn int_unfold(tensor: IntTensor<Self>, dim: usize, size: usize, step: usize) -> IntTensor<Self> {
        op::<B, _, _>("int_unfold", tensor, move |tensor| {
            B::int_unfold(tensor, dim, size, step)
        })
    }
}
