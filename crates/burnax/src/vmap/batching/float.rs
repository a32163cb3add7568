//! Batching rules for float tensors.

use core::future::Future;

use burn::prelude::Backend;
use burn::tensor::backend::ExecutionError;
use burn::tensor::ops::{BoolTensor, Device, FloatTensor, FloatTensorOps, IntTensor};
use burn::tensor::{
    BoolDType, Distribution, FloatDType, IndexingUpdateOp, IntDType, Scalar, Shape, Slice, TensorData,
    TensorMetadata,
};

use super::backend::{
    binary, broadcasting, expand, fold, readable, unfold, Batched, BatchedTensor, BoolK, FloatK,
};
use super::rules;

impl<B: Backend> FloatTensorOps<Self> for Batched<B> {
    fn float_from_data(data: TensorData, device: &Device<Self>) -> FloatTensor<Self> {
        BatchedTensor::plain(B::float_from_data(data, device))
    }

    fn float_random(
        shape: Shape,
        distribution: Distribution,
        device: &Device<Self>,
        dtype: FloatDType,
    ) -> FloatTensor<Self> {
        BatchedTensor::plain(B::float_random(shape, distribution, device, dtype))
    }

    #[track_caller]
    fn float_into_data(
        tensor: FloatTensor<Self>,
    ) -> impl Future<Output = Result<TensorData, ExecutionError>> + Send {
        B::float_into_data(readable(tensor, "into_data"))
    }

    fn float_device(tensor: &FloatTensor<Self>) -> Device<Self> {
        B::float_device(&tensor.inner)
    }

    fn float_to_device(tensor: FloatTensor<Self>, device: &Device<Self>) -> FloatTensor<Self> {
        tensor.map(|p| B::float_to_device(p, device))
    }

    fn float_into_int(tensor: FloatTensor<Self>, out_dtype: IntDType) -> IntTensor<Self> {
        tensor.map(|p| B::float_into_int(p, out_dtype))
    }

    fn float_empty(shape: Shape, device: &Device<Self>, dtype: FloatDType) -> FloatTensor<Self> {
        BatchedTensor::plain(B::float_empty(shape, device, dtype))
    }

    elementwise!(FloatTensor, FloatK; float_add, float_sub, float_mul, float_div, float_remainder, float_powf, float_atan2);
    with_scalar!(
        FloatTensor;
        float_add_scalar,
        float_sub_scalar,
        float_mul_scalar,
        float_div_scalar,
        float_remainder_scalar,
        float_powf_scalar_impl,
    );
    unary!(
        FloatTensor;
        float_recip,
        float_exp,
        float_log,
        float_log1p,
        float_sqrt,
        float_abs,
        float_cos,
        float_sin,
        float_tan,
        float_cosh,
        float_sinh,
        float_tanh,
        float_acos,
        float_acosh,
        float_asin,
        float_asinh,
        float_atan,
        float_atanh,
        float_round,
        float_floor,
        float_ceil,
        float_trunc,
        float_erf,
    );
    compare!(FloatTensor, FloatK; float_equal, float_greater, float_greater_equal, float_lower, float_lower_equal);
    compare_scalar!(
        FloatTensor;
        float_equal_elem,
        float_greater_elem,
        float_greater_equal_elem,
        float_lower_elem,
        float_lower_equal_elem,
    );
    along!(FloatTensor; float_sum_dim, float_mean_dim, float_cumsum, float_cumprod, float_cummin, float_cummax);

    /// A batched left operand against an unbatched matrix is one GEMM over the batch folded into
    /// the rows (the hand-batched form); other cases are batched matmuls.
    fn float_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        if let (Some(n), None) = (lhs.size, rhs.size) {
            if lhs.inner.shape().num_dims() == 3 && rhs.inner.shape().num_dims() == 2 {
                return unfold::<B, FloatK>(B::float_matmul(fold::<B, FloatK>(lhs, n), rhs.inner), n);
            }
        }
        binary::<B, FloatK, _>("matmul", lhs, rhs, B::float_matmul)
    }

    fn float_cross(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        let axis = dim + usize::from(lhs.size.is_some() || rhs.size.is_some());
        binary::<B, FloatK, _>("cross", lhs, rhs, |a, b| B::float_cross(a, b, axis))
    }

    fn float_swap_dims(tensor: FloatTensor<Self>, dim1: usize, dim2: usize) -> FloatTensor<Self> {
        rules::swap_dims(tensor, dim1, dim2, B::float_swap_dims)
    }

    fn float_permute(tensor: FloatTensor<Self>, axes: &[usize]) -> FloatTensor<Self> {
        rules::permute(tensor, axes, B::float_permute)
    }

    fn float_flip(tensor: FloatTensor<Self>, axes: &[usize]) -> FloatTensor<Self> {
        rules::flip(tensor, axes, B::float_flip)
    }

    fn float_reshape(tensor: FloatTensor<Self>, shape: Shape) -> FloatTensor<Self> {
        rules::reshape::<B, FloatK>(tensor, shape)
    }

    fn float_gather(dim: usize, tensor: FloatTensor<Self>, indices: IntTensor<Self>) -> FloatTensor<Self> {
        rules::gather::<B, FloatK>(dim, tensor, indices, B::float_gather)
    }

    fn float_scatter_add(
        dim: usize,
        tensor: FloatTensor<Self>,
        indices: IntTensor<Self>,
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        rules::scatter::<B, FloatK>(dim, tensor, indices, value, B::float_scatter_add)
    }

    fn float_select(tensor: FloatTensor<Self>, dim: usize, indices: IntTensor<Self>) -> FloatTensor<Self> {
        rules::select::<B, FloatK>(tensor, dim, indices, B::float_select, B::float_gather)
    }

    fn float_select_add(
        tensor: FloatTensor<Self>,
        dim: usize,
        indices: IntTensor<Self>,
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        rules::select_add::<B, FloatK>(
            tensor,
            dim,
            indices,
            value,
            B::float_select_add,
            B::float_scatter_add,
        )
    }

    fn float_slice(tensor: FloatTensor<Self>, slices: &[Slice]) -> FloatTensor<Self> {
        rules::slice(tensor, slices, B::float_slice)
    }

    fn float_slice_assign(
        tensor: FloatTensor<Self>,
        slices: &[Slice],
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        rules::slice_assign::<B, FloatK>(tensor, slices, value, B::float_slice_assign)
    }

    fn float_mask_where(
        tensor: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        rules::mask_where::<B, FloatK>(tensor, mask, value, B::float_mask_where)
    }

    fn float_mask_fill(
        tensor: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        value: Scalar,
    ) -> FloatTensor<Self> {
        rules::mask_fill::<B, FloatK>(tensor, mask, |t, m| B::float_mask_fill(t, m, value))
    }

    /// The sum of all elements, per example: shape `[1]`.
    fn float_sum(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        rules::reduce_all::<B, FloatK, _>(tensor, B::float_sum, B::float_sum_dim)
    }

    // Operations Burn gives a default for, delegated so the inner backend's own kernels run
    // (Burn's default product, `exp(sum(log x))`, is NaN for negative entries).
    unary!(FloatTensor; float_neg, float_sign);
    along!(FloatTensor; float_prod_dim, float_max_dim, float_min_dim, float_max_abs_dim);
    compare!(FloatTensor, FloatK; float_not_equal);
    compare_scalar!(FloatTensor; float_not_equal_elem);
    with_scalar!(FloatTensor; float_clamp_min, float_clamp_max, float_powi_scalar, float_powf_scalar);

    fn float_prod(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        rules::reduce_all::<B, FloatK, _>(tensor, B::float_prod, B::float_prod_dim)
    }

    fn float_mean(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        rules::reduce_all::<B, FloatK, _>(tensor, B::float_mean, B::float_mean_dim)
    }

    fn float_max(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        rules::reduce_all::<B, FloatK, _>(tensor, B::float_max, B::float_max_dim)
    }

    fn float_min(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        rules::reduce_all::<B, FloatK, _>(tensor, B::float_min, B::float_min_dim)
    }

    fn float_clamp(tensor: FloatTensor<Self>, min: Scalar, max: Scalar) -> FloatTensor<Self> {
        tensor.map(|p| B::float_clamp(p, min, max))
    }

    fn float_repeat_dim(tensor: FloatTensor<Self>, dim: usize, times: usize) -> FloatTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::float_repeat_dim(p, axis, times))
    }

    fn float_max_dim_with_indices(
        tensor: FloatTensor<Self>,
        dim: usize,
        indices_dtype: IntDType,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        rules::along_pair(tensor, dim, |p, axis| {
            B::float_max_dim_with_indices(p, axis, indices_dtype)
        })
    }

    fn float_min_dim_with_indices(
        tensor: FloatTensor<Self>,
        dim: usize,
        indices_dtype: IntDType,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        rules::along_pair(tensor, dim, |p, axis| {
            B::float_min_dim_with_indices(p, axis, indices_dtype)
        })
    }

    fn float_is_nan(tensor: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        tensor.map(|p| B::float_is_nan(p, out_dtype))
    }

    fn float_is_inf(tensor: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        tensor.map(|p| B::float_is_inf(p, out_dtype))
    }

    // Autodiff state lives on the inner tensor (`Batched<Autodiff<B>>`): Burn's defaults would
    // drop a `detach` silently.
    fn float_detach(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        tensor.map(B::float_detach)
    }

    fn float_set_require_grad(tensor: FloatTensor<Self>, require_grad: bool) -> FloatTensor<Self> {
        tensor.map(|p| B::float_set_require_grad(p, require_grad))
    }

    fn float_is_require_grad(tensor: &FloatTensor<Self>) -> bool {
        B::float_is_require_grad(&tensor.inner)
    }

    fn float_gather_nd(data: FloatTensor<Self>, indices: IntTensor<Self>) -> FloatTensor<Self> {
        rules::gather_nd(data, indices, B::float_gather_nd)
    }

    fn float_scatter_nd(
        data: FloatTensor<Self>,
        indices: IntTensor<Self>,
        values: FloatTensor<Self>,
        reduction: IndexingUpdateOp,
    ) -> FloatTensor<Self> {
        rules::scatter_nd(data, indices, values, |d, i, v| {
            B::float_scatter_nd(d, i, v, reduction)
        })
    }

    fn float_cast(tensor: FloatTensor<Self>, dtype: FloatDType) -> FloatTensor<Self> {
        tensor.map(|p| B::float_cast(p, dtype))
    }

    fn float_argmax(tensor: FloatTensor<Self>, dim: usize, out_dtype: IntDType) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::float_argmax(p, axis, out_dtype))
    }

    fn float_argmin(tensor: FloatTensor<Self>, dim: usize, out_dtype: IntDType) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::float_argmin(p, axis, out_dtype))
    }

    fn float_argtopk(
        tensor: FloatTensor<Self>,
        dim: usize,
        k: usize,
        out_dtype: IntDType,
    ) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::float_argtopk(p, axis, k, out_dtype))
    }

    fn float_expand(tensor: FloatTensor<Self>, shape: Shape) -> FloatTensor<Self> {
        expand::<B, FloatK>(tensor, shape)
    }

    fn float_unfold(tensor: FloatTensor<Self>, dim: usize, size: usize, step: usize) -> FloatTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::float_unfold(p, axis, size, step))
    }

    fn float_cat(tensors: Vec<FloatTensor<Self>>, dim: usize) -> FloatTensor<Self> {
        rules::cat::<B, FloatK>(tensors, dim, B::float_cat)
    }

    fn float_sort(tensor: FloatTensor<Self>, dim: usize, descending: bool) -> FloatTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::float_sort(p, axis, descending))
    }

    fn float_sort_with_indices(
        tensor: FloatTensor<Self>,
        dim: usize,
        descending: bool,
        indices_dtype: IntDType,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        rules::along_pair(tensor, dim, |p, axis| {
            B::float_sort_with_indices(p, axis, descending, indices_dtype)
        })
    }

    fn float_argsort(
        tensor: FloatTensor<Self>,
        dim: usize,
        descending: bool,
        out_dtype: IntDType,
    ) -> IntTensor<Self> {
        tensor.map_dim(dim, |p, axis| B::float_argsort(p, axis, descending, out_dtype))
    }
}
