//! Float tensor operations: `B`'s, recorded.

use core::future::Future;

use burn::prelude::Backend;
use burn::tensor::backend::ExecutionError;
use burn::tensor::ops::{BoolTensor, Device, FloatTensor, FloatTensorOps, GridSampleOptions, IntTensor};
use burn::tensor::{
    BoolDType, Distribution, FloatDType, IndexingUpdateOp, IntDType, Scalar, Shape, Slice, TensorData,
};

use super::backend::{readable, Traced};
use crate::jit::fusable::{self, Fuse};
use crate::jit::trace::{effect, fusable, op};

impl<B: Backend> FloatTensorOps<Self> for Traced<B> {
    #[track_caller]
    fn float_into_data(
        tensor: FloatTensor<Self>,
    ) -> impl Future<Output = Result<TensorData, ExecutionError>> + Send {
        B::float_into_data(readable(tensor, "into_data"))
    }

    fn float_from_data(data: TensorData, device: &Device<Self>) -> FloatTensor<Self> {
        // A constant of the trace: made once, shared by every replay.
        let value = B::float_from_data(data, device);
        op::<B, _, _>("float_from_data", (), move |()| value.clone())
    }

    fn float_random(
        shape: Shape,
        distribution: Distribution,
        device: &Device<Self>,
        dtype: FloatDType,
    ) -> FloatTensor<Self> {
        let device = device.clone();
        effect::<B, _, _>("float_random", (), move |()| {
            B::float_random(shape.clone(), distribution, &device, dtype)
        })
    }

    fn float_zeros(shape: Shape, device: &Device<Self>, dtype: FloatDType) -> FloatTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("float_zeros", (), move |()| {
            B::float_zeros(shape.clone(), &device, dtype)
        })
    }

    fn float_ones(shape: Shape, device: &Device<Self>, dtype: FloatDType) -> FloatTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("float_ones", (), move |()| {
            B::float_ones(shape.clone(), &device, dtype)
        })
    }

    fn float_full(
        shape: Shape,
        fill_value: Scalar,
        device: &Device<Self>,
        dtype: FloatDType,
    ) -> FloatTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("float_full", (), move |()| {
            B::float_full(shape.clone(), fill_value, &device, dtype)
        })
    }

    fn float_device(tensor: &FloatTensor<Self>) -> Device<Self> {
        B::float_device(&tensor.inner)
    }

    fn float_to_device(tensor: FloatTensor<Self>, device: &Device<Self>) -> FloatTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("float_to_device", tensor, move |tensor| {
            B::float_to_device(tensor, &device)
        })
    }

    fn float_into_int(tensor: FloatTensor<Self>, out_dtype: IntDType) -> IntTensor<Self> {
        op::<B, _, _>("float_into_int", tensor, move |tensor| {
            B::float_into_int(tensor, out_dtype)
        })
    }

    fn float_empty(shape: Shape, device: &Device<Self>, dtype: FloatDType) -> FloatTensor<Self> {
        let device = device.clone();
        op::<B, _, _>("float_empty", (), move |()| {
            B::float_empty(shape.clone(), &device, dtype)
        })
    }

    fn float_repeat_dim(tensor: FloatTensor<Self>, dim: usize, times: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_repeat_dim", tensor, move |tensor| {
            B::float_repeat_dim(tensor, dim, times)
        })
    }

    fn float_add(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Add, &[fusable::meta(&lhs.inner), fusable::meta(&rhs.inner)]);
        fusable::<B, _, _>("float_add", tag, (lhs, rhs), |(lhs, rhs)| B::float_add(lhs, rhs))
    }

    fn float_add_scalar(lhs: FloatTensor<Self>, rhs: Scalar) -> FloatTensor<Self> {
        let tag = fusable::tag(
            Fuse::AddScalar(fusable::scalar(rhs)),
            &[fusable::meta(&lhs.inner)],
        );
        fusable::<B, _, _>("float_add_scalar", tag, lhs, move |lhs| {
            B::float_add_scalar(lhs, rhs)
        })
    }

    fn float_clamp_min(tensor: FloatTensor<Self>, min: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("float_clamp_min", tensor, move |tensor| {
            B::float_clamp_min(tensor, min)
        })
    }

    fn float_clamp_max(tensor: FloatTensor<Self>, max: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("float_clamp_max", tensor, move |tensor| {
            B::float_clamp_max(tensor, max)
        })
    }

    fn float_clamp(tensor: FloatTensor<Self>, min: Scalar, max: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("float_clamp", tensor, move |tensor| {
            B::float_clamp(tensor, min, max)
        })
    }

    fn float_sub(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Sub, &[fusable::meta(&lhs.inner), fusable::meta(&rhs.inner)]);
        fusable::<B, _, _>("float_sub", tag, (lhs, rhs), |(lhs, rhs)| B::float_sub(lhs, rhs))
    }

    fn float_sub_scalar(lhs: FloatTensor<Self>, rhs: Scalar) -> FloatTensor<Self> {
        let tag = fusable::tag(
            Fuse::SubScalar(fusable::scalar(rhs)),
            &[fusable::meta(&lhs.inner)],
        );
        fusable::<B, _, _>("float_sub_scalar", tag, lhs, move |lhs| {
            B::float_sub_scalar(lhs, rhs)
        })
    }

    fn float_mul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Mul, &[fusable::meta(&lhs.inner), fusable::meta(&rhs.inner)]);
        fusable::<B, _, _>("float_mul", tag, (lhs, rhs), |(lhs, rhs)| B::float_mul(lhs, rhs))
    }

    fn float_mul_scalar(lhs: FloatTensor<Self>, rhs: Scalar) -> FloatTensor<Self> {
        let tag = fusable::tag(
            Fuse::MulScalar(fusable::scalar(rhs)),
            &[fusable::meta(&lhs.inner)],
        );
        fusable::<B, _, _>("float_mul_scalar", tag, lhs, move |lhs| {
            B::float_mul_scalar(lhs, rhs)
        })
    }

    fn float_div(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Div, &[fusable::meta(&lhs.inner), fusable::meta(&rhs.inner)]);
        fusable::<B, _, _>("float_div", tag, (lhs, rhs), |(lhs, rhs)| B::float_div(lhs, rhs))
    }

    fn float_div_scalar(lhs: FloatTensor<Self>, rhs: Scalar) -> FloatTensor<Self> {
        let tag = fusable::tag(
            Fuse::DivScalar(fusable::scalar(rhs)),
            &[fusable::meta(&lhs.inner)],
        );
        fusable::<B, _, _>("float_div_scalar", tag, lhs, move |lhs| {
            B::float_div_scalar(lhs, rhs)
        })
    }

    fn float_remainder(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_remainder", (lhs, rhs), |(lhs, rhs)| {
            B::float_remainder(lhs, rhs)
        })
    }

    fn float_remainder_scalar(lhs: FloatTensor<Self>, rhs: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("float_remainder_scalar", lhs, move |lhs| {
            B::float_remainder_scalar(lhs, rhs)
        })
    }

    fn float_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_matmul", (lhs, rhs), |(lhs, rhs)| B::float_matmul(lhs, rhs))
    }

    fn float_cross(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_cross", (lhs, rhs), move |(lhs, rhs)| {
            B::float_cross(lhs, rhs, dim)
        })
    }

    fn float_neg(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Neg, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_neg", tag, tensor, |tensor| B::float_neg(tensor))
    }

    fn float_recip(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Recip, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_recip", tag, tensor, |tensor| B::float_recip(tensor))
    }

    fn float_transpose(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_transpose", tensor, |tensor| B::float_transpose(tensor))
    }

    fn float_swap_dims(tensor: FloatTensor<Self>, dim1: usize, dim2: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_swap_dims", tensor, move |tensor| {
            B::float_swap_dims(tensor, dim1, dim2)
        })
    }

    fn float_permute(tensor: FloatTensor<Self>, axes: &[usize]) -> FloatTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("float_permute", tensor, move |tensor| {
            B::float_permute(tensor, &axes)
        })
    }

    fn float_flip(tensor: FloatTensor<Self>, axes: &[usize]) -> FloatTensor<Self> {
        let axes = axes.to_vec();
        op::<B, _, _>("float_flip", tensor, move |tensor| B::float_flip(tensor, &axes))
    }

    fn float_reshape(tensor: FloatTensor<Self>, shape: Shape) -> FloatTensor<Self> {
        op::<B, _, _>("float_reshape", tensor, move |tensor| {
            B::float_reshape(tensor, shape.clone())
        })
    }

    fn float_gather(dim: usize, tensor: FloatTensor<Self>, indices: IntTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_gather", (tensor, indices), move |(tensor, indices)| {
            B::float_gather(dim, tensor, indices)
        })
    }

    fn float_scatter_add(
        dim: usize,
        tensor: FloatTensor<Self>,
        indices: IntTensor<Self>,
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "float_scatter_add",
            (tensor, indices, value),
            move |(tensor, indices, value)| B::float_scatter_add(dim, tensor, indices, value),
        )
    }

    fn float_scatter_nd(
        data: FloatTensor<Self>,
        indices: IntTensor<Self>,
        values: FloatTensor<Self>,
        reduction: IndexingUpdateOp,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "float_scatter_nd",
            (data, indices, values),
            move |(data, indices, values)| B::float_scatter_nd(data, indices, values, reduction),
        )
    }

    fn float_gather_nd(data: FloatTensor<Self>, indices: IntTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_gather_nd", (data, indices), |(data, indices)| {
            B::float_gather_nd(data, indices)
        })
    }

    fn float_select(tensor: FloatTensor<Self>, dim: usize, indices: IntTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_select", (tensor, indices), move |(tensor, indices)| {
            B::float_select(tensor, dim, indices)
        })
    }

    fn float_select_add(
        tensor: FloatTensor<Self>,
        dim: usize,
        indices: IntTensor<Self>,
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "float_select_add",
            (tensor, indices, value),
            move |(tensor, indices, value)| B::float_select_add(tensor, dim, indices, value),
        )
    }

    fn float_slice(tensor: FloatTensor<Self>, slices: &[Slice]) -> FloatTensor<Self> {
        let slices = slices.to_vec();
        op::<B, _, _>("float_slice", tensor, move |tensor| {
            B::float_slice(tensor, &slices)
        })
    }

    fn float_slice_assign(
        tensor: FloatTensor<Self>,
        slices: &[Slice],
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let slices = slices.to_vec();
        op::<B, _, _>("float_slice_assign", (tensor, value), move |(tensor, value)| {
            B::float_slice_assign(tensor, &slices, value)
        })
    }

    fn float_mask_where(
        tensor: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        value: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let tag = fusable::tag(
            Fuse::MaskWhere,
            &[
                fusable::meta(&tensor.inner),
                fusable::meta(&mask.inner),
                fusable::meta(&value.inner),
            ],
        );
        fusable::<B, _, _>(
            "float_mask_where",
            tag,
            (tensor, mask, value),
            |(tensor, mask, value)| B::float_mask_where(tensor, mask, value),
        )
    }

    fn float_mask_fill(
        tensor: FloatTensor<Self>,
        mask: BoolTensor<Self>,
        value: Scalar,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("float_mask_fill", (tensor, mask), move |(tensor, mask)| {
            B::float_mask_fill(tensor, mask, value)
        })
    }

    fn float_equal(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::float_equal(lhs, rhs, out_dtype)
        })
    }

    fn float_not_equal(
        lhs: FloatTensor<Self>,
        rhs: FloatTensor<Self>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Self> {
        op::<B, _, _>("float_not_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::float_not_equal(lhs, rhs, out_dtype)
        })
    }

    fn float_equal_elem(lhs: FloatTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_equal_elem", lhs, move |lhs| {
            B::float_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn float_not_equal_elem(lhs: FloatTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_not_equal_elem", lhs, move |lhs| {
            B::float_not_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn float_greater(
        lhs: FloatTensor<Self>,
        rhs: FloatTensor<Self>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Self> {
        op::<B, _, _>("float_greater", (lhs, rhs), move |(lhs, rhs)| {
            B::float_greater(lhs, rhs, out_dtype)
        })
    }

    fn float_greater_elem(lhs: FloatTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        let tag = fusable::tag(Fuse::Greater(fusable::scalar(rhs)), &[fusable::meta(&lhs.inner)]);
        fusable::<B, _, _>("float_greater_elem", tag, lhs, move |lhs| {
            B::float_greater_elem(lhs, rhs, out_dtype)
        })
    }

    fn float_greater_equal(
        lhs: FloatTensor<Self>,
        rhs: FloatTensor<Self>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Self> {
        op::<B, _, _>("float_greater_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::float_greater_equal(lhs, rhs, out_dtype)
        })
    }

    fn float_greater_equal_elem(
        lhs: FloatTensor<Self>,
        rhs: Scalar,
        out_dtype: BoolDType,
    ) -> BoolTensor<Self> {
        let tag = fusable::tag(
            Fuse::GreaterEqual(fusable::scalar(rhs)),
            &[fusable::meta(&lhs.inner)],
        );
        fusable::<B, _, _>("float_greater_equal_elem", tag, lhs, move |lhs| {
            B::float_greater_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn float_lower(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_lower", (lhs, rhs), move |(lhs, rhs)| {
            B::float_lower(lhs, rhs, out_dtype)
        })
    }

    fn float_lower_elem(lhs: FloatTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        let tag = fusable::tag(Fuse::Lower(fusable::scalar(rhs)), &[fusable::meta(&lhs.inner)]);
        fusable::<B, _, _>("float_lower_elem", tag, lhs, move |lhs| {
            B::float_lower_elem(lhs, rhs, out_dtype)
        })
    }

    fn float_lower_equal(
        lhs: FloatTensor<Self>,
        rhs: FloatTensor<Self>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Self> {
        op::<B, _, _>("float_lower_equal", (lhs, rhs), move |(lhs, rhs)| {
            B::float_lower_equal(lhs, rhs, out_dtype)
        })
    }

    fn float_lower_equal_elem(lhs: FloatTensor<Self>, rhs: Scalar, out_dtype: BoolDType) -> BoolTensor<Self> {
        let tag = fusable::tag(
            Fuse::LowerEqual(fusable::scalar(rhs)),
            &[fusable::meta(&lhs.inner)],
        );
        fusable::<B, _, _>("float_lower_equal_elem", tag, lhs, move |lhs| {
            B::float_lower_equal_elem(lhs, rhs, out_dtype)
        })
    }

    fn float_detach(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_detach", tensor, |tensor| B::float_detach(tensor))
    }

    fn float_set_require_grad(tensor: FloatTensor<Self>, require_grad: bool) -> FloatTensor<Self> {
        // An effect: never folded into a constant, so each call's graph gets its own leaf.
        effect::<B, _, _>("float_set_require_grad", tensor, move |tensor| {
            B::float_set_require_grad(tensor, require_grad)
        })
    }

    fn float_is_require_grad(tensor: &FloatTensor<Self>) -> bool {
        B::float_is_require_grad(&tensor.inner)
    }

    fn float_sum(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Sum, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_sum", tag, tensor, |tensor| B::float_sum(tensor))
    }

    fn float_sum_dim(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_sum_dim", tensor, move |tensor| {
            B::float_sum_dim(tensor, dim)
        })
    }

    fn float_prod(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_prod", tensor, |tensor| B::float_prod(tensor))
    }

    fn float_prod_dim(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_prod_dim", tensor, move |tensor| {
            B::float_prod_dim(tensor, dim)
        })
    }

    fn float_mean(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_mean", tensor, |tensor| B::float_mean(tensor))
    }

    fn float_mean_dim(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_mean_dim", tensor, move |tensor| {
            B::float_mean_dim(tensor, dim)
        })
    }

    fn float_cumsum(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_cumsum", tensor, move |tensor| B::float_cumsum(tensor, dim))
    }

    fn float_cumprod(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_cumprod", tensor, move |tensor| {
            B::float_cumprod(tensor, dim)
        })
    }

    fn float_cummin(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_cummin", tensor, move |tensor| B::float_cummin(tensor, dim))
    }

    fn float_cummax(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_cummax", tensor, move |tensor| B::float_cummax(tensor, dim))
    }

    fn float_cast(tensor: FloatTensor<Self>, dtype: FloatDType) -> FloatTensor<Self> {
        op::<B, _, _>("float_cast", tensor, move |tensor| B::float_cast(tensor, dtype))
    }

    fn float_exp(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Exp, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_exp", tag, tensor, |tensor| B::float_exp(tensor))
    }

    fn float_log(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Log, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_log", tag, tensor, |tensor| B::float_log(tensor))
    }

    fn float_log1p(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_log1p", tensor, |tensor| B::float_log1p(tensor))
    }

    fn float_powf(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_powf", (lhs, rhs), |(lhs, rhs)| B::float_powf(lhs, rhs))
    }

    fn float_powi(lhs: FloatTensor<Self>, rhs: IntTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_powi", (lhs, rhs), |(lhs, rhs)| B::float_powi(lhs, rhs))
    }

    fn float_powi_scalar(lhs: FloatTensor<Self>, rhs: Scalar) -> FloatTensor<Self> {
        // Flex squares when the exponent truncates to 2 (`to_i64`), as `x * x`.
        let square = match rhs {
            Scalar::Float(x) => (2.0..3.0).contains(&x),
            Scalar::Int(x) => x == 2,
            Scalar::UInt(x) => x == 2,
            Scalar::Bool(_) => false,
        };
        let tag = fusable::tag(Fuse::Square, &[fusable::meta(&lhs.inner)]).filter(|_| square);
        fusable::<B, _, _>("float_powi_scalar", tag, lhs, move |lhs| {
            B::float_powi_scalar(lhs, rhs)
        })
    }

    fn float_powi_scalar_impl(lhs: FloatTensor<Self>, rhs: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("float_powi_scalar_impl", lhs, move |lhs| {
            B::float_powi_scalar_impl(lhs, rhs)
        })
    }

    fn float_powf_scalar(tensor: FloatTensor<Self>, value: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("float_powf_scalar", tensor, move |tensor| {
            B::float_powf_scalar(tensor, value)
        })
    }

    fn float_powf_scalar_impl(tensor: FloatTensor<Self>, value: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("float_powf_scalar_impl", tensor, move |tensor| {
            B::float_powf_scalar_impl(tensor, value)
        })
    }

    fn float_sqrt(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Sqrt, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_sqrt", tag, tensor, |tensor| B::float_sqrt(tensor))
    }

    fn float_abs(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Abs, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_abs", tag, tensor, |tensor| B::float_abs(tensor))
    }

    fn float_cos(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Cos, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_cos", tag, tensor, |tensor| B::float_cos(tensor))
    }

    fn float_sin(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Sin, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_sin", tag, tensor, |tensor| B::float_sin(tensor))
    }

    fn float_tan(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_tan", tensor, |tensor| B::float_tan(tensor))
    }

    fn float_cosh(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_cosh", tensor, |tensor| B::float_cosh(tensor))
    }

    fn float_sinh(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_sinh", tensor, |tensor| B::float_sinh(tensor))
    }

    fn float_tanh(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let tag = fusable::tag(Fuse::Tanh, &[fusable::meta(&tensor.inner)]);
        fusable::<B, _, _>("float_tanh", tag, tensor, |tensor| B::float_tanh(tensor))
    }

    fn float_acos(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_acos", tensor, |tensor| B::float_acos(tensor))
    }

    fn float_acosh(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_acosh", tensor, |tensor| B::float_acosh(tensor))
    }

    fn float_asin(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_asin", tensor, |tensor| B::float_asin(tensor))
    }

    fn float_asinh(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_asinh", tensor, |tensor| B::float_asinh(tensor))
    }

    fn float_atan(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_atan", tensor, |tensor| B::float_atan(tensor))
    }

    fn float_atanh(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_atanh", tensor, |tensor| B::float_atanh(tensor))
    }

    fn float_atan2(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_atan2", (lhs, rhs), |(lhs, rhs)| B::float_atan2(lhs, rhs))
    }

    fn float_round(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_round", tensor, |tensor| B::float_round(tensor))
    }

    fn float_floor(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_floor", tensor, |tensor| B::float_floor(tensor))
    }

    fn float_ceil(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_ceil", tensor, |tensor| B::float_ceil(tensor))
    }

    fn float_trunc(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_trunc", tensor, |tensor| B::float_trunc(tensor))
    }

    fn float_erf(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_erf", tensor, |tensor| B::float_erf(tensor))
    }

    fn float_cat(tensors: Vec<FloatTensor<Self>>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_cat", tensors, move |tensors| B::float_cat(tensors, dim))
    }

    fn float_argmax(tensor: FloatTensor<Self>, dim: usize, out_dtype: IntDType) -> IntTensor<Self> {
        op::<B, _, _>("float_argmax", tensor, move |tensor| {
            B::float_argmax(tensor, dim, out_dtype)
        })
    }

    fn float_argtopk(
        tensor: FloatTensor<Self>,
        dim: usize,
        k: usize,
        out_dtype: IntDType,
    ) -> IntTensor<Self> {
        op::<B, _, _>("float_argtopk", tensor, move |tensor| {
            B::float_argtopk(tensor, dim, k, out_dtype)
        })
    }

    fn float_topk(tensor: FloatTensor<Self>, dim: usize, k: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_topk", tensor, move |tensor| B::float_topk(tensor, dim, k))
    }

    fn float_argmin(tensor: FloatTensor<Self>, dim: usize, out_dtype: IntDType) -> IntTensor<Self> {
        op::<B, _, _>("float_argmin", tensor, move |tensor| {
            B::float_argmin(tensor, dim, out_dtype)
        })
    }

    fn float_max(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_max", tensor, |tensor| B::float_max(tensor))
    }

    fn float_max_dim(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_max_dim", tensor, move |tensor| {
            B::float_max_dim(tensor, dim)
        })
    }

    fn float_max_dim_with_indices(
        tensor: FloatTensor<Self>,
        dim: usize,
        indices_dtype: IntDType,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("float_max_dim_with_indices", tensor, move |tensor| {
            B::float_max_dim_with_indices(tensor, dim, indices_dtype)
        })
    }

    fn float_min(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_min", tensor, |tensor| B::float_min(tensor))
    }

    fn float_min_dim(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_min_dim", tensor, move |tensor| {
            B::float_min_dim(tensor, dim)
        })
    }

    fn float_min_dim_with_indices(
        tensor: FloatTensor<Self>,
        dim: usize,
        indices_dtype: IntDType,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("float_min_dim_with_indices", tensor, move |tensor| {
            B::float_min_dim_with_indices(tensor, dim, indices_dtype)
        })
    }

    fn float_max_abs(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_max_abs", tensor, |tensor| B::float_max_abs(tensor))
    }

    fn float_max_abs_dim(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_max_abs_dim", tensor, move |tensor| {
            B::float_max_abs_dim(tensor, dim)
        })
    }

    fn float_any(tensor: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_any", tensor, move |tensor| B::float_any(tensor, out_dtype))
    }

    fn float_any_dim(tensor: FloatTensor<Self>, dim: usize, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_any_dim", tensor, move |tensor| {
            B::float_any_dim(tensor, dim, out_dtype)
        })
    }

    fn float_all(tensor: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_all", tensor, move |tensor| B::float_all(tensor, out_dtype))
    }

    fn float_all_dim(tensor: FloatTensor<Self>, dim: usize, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_all_dim", tensor, move |tensor| {
            B::float_all_dim(tensor, dim, out_dtype)
        })
    }

    fn float_sign(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("float_sign", tensor, |tensor| B::float_sign(tensor))
    }

    fn float_expand(tensor: FloatTensor<Self>, shape: Shape) -> FloatTensor<Self> {
        op::<B, _, _>("float_expand", tensor, move |tensor| {
            B::float_expand(tensor, shape.clone())
        })
    }

    fn float_sort(tensor: FloatTensor<Self>, dim: usize, descending: bool) -> FloatTensor<Self> {
        op::<B, _, _>("float_sort", tensor, move |tensor| {
            B::float_sort(tensor, dim, descending)
        })
    }

    fn float_sort_with_indices(
        tensor: FloatTensor<Self>,
        dim: usize,
        descending: bool,
        indices_dtype: IntDType,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        op::<B, _, _>("float_sort_with_indices", tensor, move |tensor| {
            B::float_sort_with_indices(tensor, dim, descending, indices_dtype)
        })
    }

    fn float_argsort(
        tensor: FloatTensor<Self>,
        dim: usize,
        descending: bool,
        out_dtype: IntDType,
    ) -> IntTensor<Self> {
        op::<B, _, _>("float_argsort", tensor, move |tensor| {
            B::float_argsort(tensor, dim, descending, out_dtype)
        })
    }

    fn float_grid_sample_2d(
        tensor: FloatTensor<Self>,
        grid: FloatTensor<Self>,
        options: GridSampleOptions,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("float_grid_sample_2d", (tensor, grid), move |(tensor, grid)| {
            B::float_grid_sample_2d(tensor, grid, options.clone())
        })
    }

    fn float_unfold(tensor: FloatTensor<Self>, dim: usize, size: usize, step: usize) -> FloatTensor<Self> {
        op::<B, _, _>("float_unfold", tensor, move |tensor| {
            B::float_unfold(tensor, dim, size, step)
        })
    }

    fn float_is_nan(tensor: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_is_nan", tensor, move |tensor| {
            B::float_is_nan(tensor, out_dtype)
        })
    }

    fn float_is_inf(tensor: FloatTensor<Self>, out_dtype: BoolDType) -> BoolTensor<Self> {
        op::<B, _, _>("float_is_inf", tensor, move |tensor| {
            B::float_is_inf(tensor, out_dtype)
        })
    }
}
