//! Batching rules for Burn's module operations: convolution, pooling, interpolation, attention,
//! FFT.

use burn::prelude::Backend;
use burn::tensor::ops::{
    AttentionModuleOptions, BoolTensor, ConvOptions, ConvTransposeOptions, DeformConv2dBackward,
    DeformConvOptions, FloatTensor, IntTensor, InterpolateOptions, MaxPool2dBackward, MaxPool2dWithIndices,
    ModuleOps,
};
use burn::tensor::{Shape, TensorMetadata};

use super::backend::{
    common_size, example, fold, unfold, with_axis, Batched, BatchedTensor, BoolK, FloatK, IntK,
};
use super::rules;
use crate::error::{raise, Error};

type Float<B> = <B as burn::tensor::backend::BackendTypes>::FloatTensorPrimitive;

/// An operation whose `data` operands (input, output gradient) are independent along their
/// first axis and whose `params` (weights, bias) are shared: per-example data folds into that
/// axis; per-example parameters have no rule here.
#[track_caller]
fn per_example<B: Backend, const N: usize>(
    op: &str,
    data: [BatchedTensor<Float<B>>; N],
    params: &[Option<usize>],
    f: impl FnOnce([Float<B>; N]) -> Float<B>,
) -> BatchedTensor<Float<B>> {
    if params.iter().any(Option::is_some) {
        no_rule(
            op,
            "weights or a bias that vary along the vmapped axis (only its input and gradient may)",
        );
    }
    let sizes: Vec<Option<usize>> = data.iter().map(|t| t.size).collect();
    match common_size(op, &sizes) {
        None => BatchedTensor::plain(f(data.map(|t| t.inner))),
        Some(n) => unfold::<B, FloatK>(f(data.map(|t| fold::<B, FloatK>(t, n))), n),
    }
}

/// An operation run once per example and stacked: for weight gradients of convolutions, whose
/// batched form would need a grouped convolution per example. `data` operands are per example
/// (batched or shared), `shared` operands must not vary.
#[track_caller]
fn per_example_loop<B: Backend, const N: usize>(
    op: &str,
    data: [BatchedTensor<Float<B>>; N],
    shared: &[Option<usize>],
    f: impl Fn([Float<B>; N]) -> Float<B>,
) -> BatchedTensor<Float<B>> {
    if shared.iter().any(Option::is_some) {
        no_rule(op, "weights that vary along the vmapped axis");
    }
    let sizes: Vec<Option<usize>> = data.iter().map(|t| t.size).collect();
    let Some(n) = common_size(op, &sizes) else {
        return BatchedTensor::plain(f(data.map(|t| t.inner)));
    };
    let physical = data.map(|t| with_axis::<B, FloatK>(t, n));
    let parts: Vec<Float<B>> = (0..n)
        .map(|i| {
            let out = f(core::array::from_fn(|j| example::<B>(&physical[j], i)));
            let mut shape = out.shape();
            shape.insert(0, 1);
            B::float_reshape(out, shape)
        })
        .collect();
    BatchedTensor {
        inner: B::float_cat(parts, 0),
        size: Some(n),
    }
}

fn size_of<T>(t: &Option<BatchedTensor<T>>) -> Option<usize> {
    t.as_ref().and_then(|t| t.size)
}

/// Raises [`Error::NoRule`] for `op`.
#[track_caller]
fn no_rule(op: &str, operands: &str) -> ! {
    raise(Error::NoRule {
        transformation: "vmap",
        op: op.to_string(),
        detail: operands.to_string(),
    })
}

/// Convolutions: per-example inputs fold into the convolution's batch; shared weights and bias.
macro_rules! conv_forward {
    ($($name:ident: $options:ty),* $(,)?) => {$(
        fn $name(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            bias: Option<FloatTensor<Self>>,
            options: $options,
        ) -> FloatTensor<Self> {
            let params = [weight.size, size_of(&bias)];
            per_example::<B, 1>(stringify!($name), [x], &params, |[x]| {
                B::$name(x, weight.inner, bias.map(|b| b.inner), options)
            })
        }
    )*};
}

/// Weight gradients of convolutions with per-example inputs (`vmap(grad(..))` of a CNN's loss):
/// one backward per example, since the batched form needs grouped convolutions that not every
/// backend has.
macro_rules! conv_weight_backward {
    ($($name:ident: $options:ty),* $(,)?) => {$(
        fn $name(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            output_grad: FloatTensor<Self>,
            options: $options,
        ) -> FloatTensor<Self> {
            per_example_loop::<B, 2>(stringify!($name), [x, output_grad], &[weight.size], |[x, g]| {
                B::$name(x, weight.inner.clone(), g, options.clone())
            })
        }
    )*};
}

impl<B: Backend> ModuleOps<Self> for Batched<B> {
    conv_forward!(
        conv2d: ConvOptions<2>,
        conv3d: ConvOptions<3>,
        conv_transpose2d: ConvTransposeOptions<2>,
        conv_transpose3d: ConvTransposeOptions<3>,
    );
    conv_weight_backward!(
        conv1d_weight_backward: ConvOptions<1>,
        conv2d_weight_backward: ConvOptions<2>,
        conv3d_weight_backward: ConvOptions<3>,
        conv_transpose1d_weight_backward: ConvTransposeOptions<1>,
        conv_transpose2d_weight_backward: ConvTransposeOptions<2>,
        conv_transpose3d_weight_backward: ConvTransposeOptions<3>,
    );

    fn deform_conv2d(
        x: FloatTensor<Self>,
        offset: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        mask: Option<FloatTensor<Self>>,
        bias: Option<FloatTensor<Self>>,
        options: DeformConvOptions<2>,
    ) -> FloatTensor<Self> {
        let sizes = [x.size, offset.size, weight.size, size_of(&mask), size_of(&bias)];
        if common_size("deform_conv2d", &sizes).is_some() {
            no_rule("deform_conv2d", "operands that vary along the vmapped axis");
        }
        BatchedTensor::plain(B::deform_conv2d(
            x.inner,
            offset.inner,
            weight.inner,
            mask.map(|m| m.inner),
            bias.map(|b| b.inner),
            options,
        ))
    }

    fn deform_conv2d_backward(
        x: FloatTensor<Self>,
        offset: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        mask: Option<FloatTensor<Self>>,
        bias: Option<FloatTensor<Self>>,
        output_grad: FloatTensor<Self>,
        options: DeformConvOptions<2>,
    ) -> DeformConv2dBackward<Self> {
        let sizes = [
            x.size,
            offset.size,
            weight.size,
            size_of(&mask),
            size_of(&bias),
            output_grad.size,
        ];
        if common_size("deform_conv2d_backward", &sizes).is_some() {
            no_rule(
                "deform_conv2d_backward",
                "operands that vary along the vmapped axis",
            );
        }
        let g = B::deform_conv2d_backward(
            x.inner,
            offset.inner,
            weight.inner,
            mask.map(|m| m.inner),
            bias.map(|b| b.inner),
            output_grad.inner,
            options,
        );
        DeformConv2dBackward::new(
            BatchedTensor::plain(g.x_grad),
            BatchedTensor::plain(g.offset_grad),
            BatchedTensor::plain(g.weight_grad),
            g.mask_grad.map(BatchedTensor::plain),
            g.bias_grad.map(BatchedTensor::plain),
        )
    }

    fn avg_pool2d(
        x: FloatTensor<Self>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        count_include_pad: bool,
        ceil_mode: bool,
    ) -> FloatTensor<Self> {
        per_example::<B, 1>("avg_pool2d", [x], &[], |[x]| {
            B::avg_pool2d(x, kernel_size, stride, padding, count_include_pad, ceil_mode)
        })
    }

    fn avg_pool2d_backward(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        count_include_pad: bool,
        ceil_mode: bool,
    ) -> FloatTensor<Self> {
        per_example::<B, 2>("avg_pool2d_backward", [x, grad], &[], |[x, grad]| {
            B::avg_pool2d_backward(
                x,
                grad,
                kernel_size,
                stride,
                padding,
                count_include_pad,
                ceil_mode,
            )
        })
    }

    fn adaptive_avg_pool2d(x: FloatTensor<Self>, output_size: [usize; 2]) -> FloatTensor<Self> {
        per_example::<B, 1>("adaptive_avg_pool2d", [x], &[], |[x]| {
            B::adaptive_avg_pool2d(x, output_size)
        })
    }

    fn adaptive_avg_pool2d_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        per_example::<B, 2>("adaptive_avg_pool2d_backward", [x, grad], &[], |[x, grad]| {
            B::adaptive_avg_pool2d_backward(x, grad)
        })
    }

    fn max_pool2d(
        x: FloatTensor<Self>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        ceil_mode: bool,
    ) -> FloatTensor<Self> {
        per_example::<B, 1>("max_pool2d", [x], &[], |[x]| {
            B::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)
        })
    }

    fn max_pool2d_with_indices(
        x: FloatTensor<Self>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        ceil_mode: bool,
    ) -> MaxPool2dWithIndices<Self> {
        let pool = |x| B::max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode);
        match x.size {
            None => {
                let out = pool(x.inner);
                MaxPool2dWithIndices::new(
                    BatchedTensor::plain(out.output),
                    BatchedTensor::plain(out.indices),
                )
            }
            Some(n) => {
                let out = pool(fold::<B, FloatK>(x, n));
                MaxPool2dWithIndices::new(
                    unfold::<B, FloatK>(out.output, n),
                    unfold::<B, IntK>(out.indices, n),
                )
            }
        }
    }

    fn max_pool2d_with_indices_backward(
        x: FloatTensor<Self>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        ceil_mode: bool,
        output_grad: FloatTensor<Self>,
        indices: IntTensor<Self>,
    ) -> MaxPool2dBackward<Self> {
        let backward = |x, g, i| {
            B::max_pool2d_with_indices_backward(x, kernel_size, stride, padding, dilation, ceil_mode, g, i)
                .x_grad
        };
        let grad = match common_size(
            "max_pool2d_with_indices_backward",
            &[x.size, output_grad.size, indices.size],
        ) {
            None => BatchedTensor::plain(backward(x.inner, output_grad.inner, indices.inner)),
            Some(n) => unfold::<B, FloatK>(
                backward(
                    fold::<B, FloatK>(x, n),
                    fold::<B, FloatK>(output_grad, n),
                    fold::<B, IntK>(indices, n),
                ),
                n,
            ),
        };
        MaxPool2dBackward::new(grad)
    }

    fn interpolate(
        x: FloatTensor<Self>,
        output_size: [usize; 2],
        options: InterpolateOptions,
    ) -> FloatTensor<Self> {
        per_example::<B, 1>("interpolate", [x], &[], |[x]| {
            B::interpolate(x, output_size, options)
        })
    }

    fn interpolate_backward(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        output_size: [usize; 2],
        options: InterpolateOptions,
    ) -> FloatTensor<Self> {
        per_example::<B, 2>("interpolate_backward", [x, grad], &[], |[x, grad]| {
            B::interpolate_backward(x, grad, output_size, options)
        })
    }

    /// Attention is independent along its first (batch) axis, so every operand folds into it.
    fn attention(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        mask: Option<BoolTensor<Self>>,
        attn_bias: Option<FloatTensor<Self>>,
        options: AttentionModuleOptions,
    ) -> FloatTensor<Self> {
        let sizes = [
            query.size,
            key.size,
            value.size,
            size_of(&mask),
            size_of(&attn_bias),
        ];
        // A mask or bias broadcast along the attention's own batch axis (size 1) is widened to
        // it first: folding the vmapped axis into that axis would misalign it.
        let batch = query.shape()[0];
        let widen = |shape: Shape| {
            let mut s = shape;
            s[0] = batch;
            s
        };
        let mask = mask.map(|m| match m.shape()[0] == batch {
            true => m,
            false => {
                let s = widen(m.shape());
                super::backend::expand::<B, BoolK>(m, s)
            }
        });
        let attn_bias = attn_bias.map(|b| match b.shape()[0] == batch {
            true => b,
            false => {
                let s = widen(b.shape());
                super::backend::expand::<B, FloatK>(b, s)
            }
        });
        match common_size("attention", &sizes) {
            None => BatchedTensor::plain(B::attention(
                query.inner,
                key.inner,
                value.inner,
                mask.map(|m| m.inner),
                attn_bias.map(|b| b.inner),
                options,
            )),
            Some(n) => unfold::<B, FloatK>(
                B::attention(
                    fold::<B, FloatK>(query, n),
                    fold::<B, FloatK>(key, n),
                    fold::<B, FloatK>(value, n),
                    mask.map(|m| fold::<B, BoolK>(m, n)),
                    attn_bias.map(|b| fold::<B, FloatK>(b, n)),
                    options,
                ),
                n,
            ),
        }
    }

    fn rfft(
        signal: FloatTensor<Self>,
        dim: usize,
        n: Option<usize>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        rules::along_pair(signal, dim, |p, axis| B::rfft(p, axis, n))
    }

    fn irfft(
        spectrum_re: FloatTensor<Self>,
        spectrum_im: FloatTensor<Self>,
        dim: usize,
        n: Option<usize>,
    ) -> FloatTensor<Self> {
        let axis = dim + usize::from(spectrum_re.size.is_some() || spectrum_im.size.is_some());
        super::backend::binary::<B, FloatK, _>("irfft", spectrum_re, spectrum_im, |re, im| {
            B::irfft(re, im, axis, n)
        })
    }
}
