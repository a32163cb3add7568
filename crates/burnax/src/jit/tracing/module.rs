//! Module operations (convolution, pooling, interpolation, attention, FFT): `B`'s, recorded.

use burn::prelude::Backend;
use burn::tensor::ops::{
    AttentionModuleOptions, BoolTensor, ConvOptions, ConvTransposeOptions, DeformConv2dBackward,
    DeformConvOptions, FloatTensor, IntTensor, InterpolateOptions, MaxPool1dBackward, MaxPool1dWithIndices,
    MaxPool2dBackward, MaxPool2dWithIndices, ModuleOps, UnfoldOptions,
};

use super::backend::Traced;
use crate::jit::trace::op;

impl<B: Backend> ModuleOps<Self> for Traced<B> {
    #[allow(clippy::too_many_arguments)]
    fn deform_conv2d_backward(
        x: FloatTensor<Self>,
        offset: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        mask: Option<FloatTensor<Self>>,
        bias: Option<FloatTensor<Self>>,
        output_grad: FloatTensor<Self>,
        options: DeformConvOptions<2>,
    ) -> DeformConv2dBackward<Self> {
        let (x_grad, offset_grad, weight_grad, mask_grad, bias_grad) = op::<B, _, _>(
            "deform_conv2d_backward",
            (x, offset, weight, (mask, bias), output_grad),
            move |(x, offset, weight, (mask, bias), output_grad)| {
                let g =
                    B::deform_conv2d_backward(x, offset, weight, mask, bias, output_grad, options.clone());
                (g.x_grad, g.offset_grad, g.weight_grad, g.mask_grad, g.bias_grad)
            },
        );
        DeformConv2dBackward {
            x_grad,
            offset_grad,
            weight_grad,
            mask_grad,
            bias_grad,
        }
    }

    fn max_pool1d_with_indices(
        x: FloatTensor<Self>,
        kernel_size: usize,
        stride: usize,
        padding: usize,
        dilation: usize,
        ceil_mode: bool,
    ) -> MaxPool1dWithIndices<Self> {
        let (output, indices) = op::<B, _, _>("max_pool1d_with_indices", x, move |x| {
            let r = B::max_pool1d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode);
            (r.output, r.indices)
        });
        MaxPool1dWithIndices { output, indices }
    }

    #[allow(clippy::too_many_arguments)]
    fn max_pool1d_with_indices_backward(
        x: FloatTensor<Self>,
        kernel_size: usize,
        stride: usize,
        padding: usize,
        dilation: usize,
        ceil_mode: bool,
        output_grad: FloatTensor<Self>,
        indices: IntTensor<Self>,
    ) -> MaxPool1dBackward<Self> {
        let x_grad = op::<B, _, _>(
            "max_pool1d_with_indices_backward",
            (x, output_grad, indices),
            move |(x, output_grad, indices)| {
                let r = B::max_pool1d_with_indices_backward(
                    x,
                    kernel_size,
                    stride,
                    padding,
                    dilation,
                    ceil_mode,
                    output_grad,
                    indices,
                );
                r.x_grad
            },
        );
        MaxPool1dBackward { x_grad }
    }

    fn max_pool2d_with_indices(
        x: FloatTensor<Self>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        ceil_mode: bool,
    ) -> MaxPool2dWithIndices<Self> {
        let (output, indices) = op::<B, _, _>("max_pool2d_with_indices", x, move |x| {
            let r = B::max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode);
            (r.output, r.indices)
        });
        MaxPool2dWithIndices { output, indices }
    }

    #[allow(clippy::too_many_arguments)]
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
        let x_grad = op::<B, _, _>(
            "max_pool2d_with_indices_backward",
            (x, output_grad, indices),
            move |(x, output_grad, indices)| {
                let r = B::max_pool2d_with_indices_backward(
                    x,
                    kernel_size,
                    stride,
                    padding,
                    dilation,
                    ceil_mode,
                    output_grad,
                    indices,
                );
                r.x_grad
            },
        );
        MaxPool2dBackward { x_grad }
    }

    fn embedding(weights: FloatTensor<Self>, indices: IntTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("embedding", (weights, indices), |(weights, indices)| {
            B::embedding(weights, indices)
        })
    }

    fn embedding_backward(
        weights: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        indices: IntTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "embedding_backward",
            (weights, output_grad, indices),
            |(weights, output_grad, indices)| B::embedding_backward(weights, output_grad, indices),
        )
    }

    fn linear(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("linear", (x, weight, bias), |(x, weight, bias)| {
            B::linear(x, weight, bias)
        })
    }

    fn linear_x_backward(weight: FloatTensor<Self>, output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>(
            "linear_x_backward",
            (weight, output_grad),
            |(weight, output_grad)| B::linear_x_backward(weight, output_grad),
        )
    }

    fn linear_weight_backward(x: FloatTensor<Self>, output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("linear_weight_backward", (x, output_grad), |(x, output_grad)| {
            B::linear_weight_backward(x, output_grad)
        })
    }

    fn linear_bias_backward(output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("linear_bias_backward", output_grad, |output_grad| {
            B::linear_bias_backward(output_grad)
        })
    }

    fn conv1d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvOptions<1>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("conv1d", (x, weight, bias), move |(x, weight, bias)| {
            B::conv1d(x, weight, bias, options.clone())
        })
    }

    fn conv1d_x_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<1>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv1d_x_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| B::conv1d_x_backward(x, weight, output_grad, options.clone()),
        )
    }

    fn conv1d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<1>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv1d_weight_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| {
                B::conv1d_weight_backward(x, weight, output_grad, options.clone())
            },
        )
    }

    fn conv1d_bias_backward(
        x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv1d_bias_backward",
            (x, bias, output_grad),
            |(x, bias, output_grad)| B::conv1d_bias_backward(x, bias, output_grad),
        )
    }

    fn conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("conv2d", (x, weight, bias), move |(x, weight, bias)| {
            B::conv2d(x, weight, bias, options.clone())
        })
    }

    fn conv2d_x_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv2d_x_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| B::conv2d_x_backward(x, weight, output_grad, options.clone()),
        )
    }

    fn conv2d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv2d_weight_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| {
                B::conv2d_weight_backward(x, weight, output_grad, options.clone())
            },
        )
    }

    fn conv2d_bias_backward(
        x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv2d_bias_backward",
            (x, bias, output_grad),
            |(x, bias, output_grad)| B::conv2d_bias_backward(x, bias, output_grad),
        )
    }

    fn deform_conv2d(
        x: FloatTensor<Self>,
        offset: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        mask: Option<FloatTensor<Self>>,
        bias: Option<FloatTensor<Self>>,
        options: DeformConvOptions<2>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "deform_conv2d",
            (x, offset, weight, mask, bias),
            move |(x, offset, weight, mask, bias)| {
                B::deform_conv2d(x, offset, weight, mask, bias, options.clone())
            },
        )
    }

    fn conv3d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvOptions<3>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("conv3d", (x, weight, bias), move |(x, weight, bias)| {
            B::conv3d(x, weight, bias, options.clone())
        })
    }

    fn conv3d_x_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<3>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv3d_x_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| B::conv3d_x_backward(x, weight, output_grad, options.clone()),
        )
    }

    fn conv3d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvOptions<3>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv3d_weight_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| {
                B::conv3d_weight_backward(x, weight, output_grad, options.clone())
            },
        )
    }

    fn conv3d_bias_backward(
        x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv3d_bias_backward",
            (x, bias, output_grad),
            |(x, bias, output_grad)| B::conv3d_bias_backward(x, bias, output_grad),
        )
    }

    fn conv_transpose1d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvTransposeOptions<1>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("conv_transpose1d", (x, weight, bias), move |(x, weight, bias)| {
            B::conv_transpose1d(x, weight, bias, options.clone())
        })
    }

    fn conv_transpose1d_x_backward(
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvTransposeOptions<1>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose1d_x_backward",
            (weight, output_grad),
            move |(weight, output_grad)| B::conv_transpose1d_x_backward(weight, output_grad, options.clone()),
        )
    }

    fn conv_transpose1d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvTransposeOptions<1>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose1d_weight_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| {
                B::conv_transpose1d_weight_backward(x, weight, output_grad, options.clone())
            },
        )
    }

    fn conv_transpose1d_bias_backward(
        x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose1d_bias_backward",
            (x, bias, output_grad),
            |(x, bias, output_grad)| B::conv_transpose1d_bias_backward(x, bias, output_grad),
        )
    }

    fn conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("conv_transpose2d", (x, weight, bias), move |(x, weight, bias)| {
            B::conv_transpose2d(x, weight, bias, options.clone())
        })
    }

    fn conv_transpose2d_x_backward(
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose2d_x_backward",
            (weight, output_grad),
            move |(weight, output_grad)| B::conv_transpose2d_x_backward(weight, output_grad, options.clone()),
        )
    }

    fn conv_transpose2d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose2d_weight_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| {
                B::conv_transpose2d_weight_backward(x, weight, output_grad, options.clone())
            },
        )
    }

    fn conv_transpose2d_bias_backward(
        x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose2d_bias_backward",
            (x, bias, output_grad),
            |(x, bias, output_grad)| B::conv_transpose2d_bias_backward(x, bias, output_grad),
        )
    }

    fn conv_transpose3d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvTransposeOptions<3>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("conv_transpose3d", (x, weight, bias), move |(x, weight, bias)| {
            B::conv_transpose3d(x, weight, bias, options.clone())
        })
    }

    fn conv_transpose3d_x_backward(
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvTransposeOptions<3>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose3d_x_backward",
            (weight, output_grad),
            move |(weight, output_grad)| B::conv_transpose3d_x_backward(weight, output_grad, options.clone()),
        )
    }

    fn conv_transpose3d_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
        options: ConvTransposeOptions<3>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose3d_weight_backward",
            (x, weight, output_grad),
            move |(x, weight, output_grad)| {
                B::conv_transpose3d_weight_backward(x, weight, output_grad, options.clone())
            },
        )
    }

    fn conv_transpose3d_bias_backward(
        x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        output_grad: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "conv_transpose3d_bias_backward",
            (x, bias, output_grad),
            |(x, bias, output_grad)| B::conv_transpose3d_bias_backward(x, bias, output_grad),
        )
    }

    fn unfold4d(x: FloatTensor<Self>, kernel_size: [usize; 2], options: UnfoldOptions) -> FloatTensor<Self> {
        op::<B, _, _>("unfold4d", x, move |x| {
            B::unfold4d(x, kernel_size, options.clone())
        })
    }

    fn avg_pool1d(
        x: FloatTensor<Self>,
        kernel_size: usize,
        stride: usize,
        padding: usize,
        count_include_pad: bool,
        ceil_mode: bool,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("avg_pool1d", x, move |x| {
            B::avg_pool1d(x, kernel_size, stride, padding, count_include_pad, ceil_mode)
        })
    }

    fn avg_pool1d_backward(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        kernel_size: usize,
        stride: usize,
        padding: usize,
        count_include_pad: bool,
        ceil_mode: bool,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("avg_pool1d_backward", (x, grad), move |(x, grad)| {
            B::avg_pool1d_backward(
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

    fn avg_pool2d(
        x: FloatTensor<Self>,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        count_include_pad: bool,
        ceil_mode: bool,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("avg_pool2d", x, move |x| {
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
        op::<B, _, _>("avg_pool2d_backward", (x, grad), move |(x, grad)| {
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
        op::<B, _, _>("adaptive_avg_pool2d", x, move |x| {
            B::adaptive_avg_pool2d(x, output_size)
        })
    }

    fn adaptive_avg_pool2d_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("adaptive_avg_pool2d_backward", (x, grad), |(x, grad)| {
            B::adaptive_avg_pool2d_backward(x, grad)
        })
    }

    fn adaptive_avg_pool1d(x: FloatTensor<Self>, output_size: usize) -> FloatTensor<Self> {
        op::<B, _, _>("adaptive_avg_pool1d", x, move |x| {
            B::adaptive_avg_pool1d(x, output_size)
        })
    }

    fn adaptive_avg_pool1d_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("adaptive_avg_pool1d_backward", (x, grad), |(x, grad)| {
            B::adaptive_avg_pool1d_backward(x, grad)
        })
    }

    fn max_pool1d(
        x: FloatTensor<Self>,
        kernel_size: usize,
        stride: usize,
        padding: usize,
        dilation: usize,
        ceil_mode: bool,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("max_pool1d", x, move |x| {
            B::max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode)
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
        op::<B, _, _>("max_pool2d", x, move |x| {
            B::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)
        })
    }

    fn interpolate(
        x: FloatTensor<Self>,
        output_size: [usize; 2],
        options: InterpolateOptions,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("interpolate", x, move |x| {
            B::interpolate(x, output_size, options.clone())
        })
    }

    fn interpolate_backward(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        output_size: [usize; 2],
        options: InterpolateOptions,
    ) -> FloatTensor<Self> {
        op::<B, _, _>("interpolate_backward", (x, grad), move |(x, grad)| {
            B::interpolate_backward(x, grad, output_size, options.clone())
        })
    }

    fn attention(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        mask: Option<BoolTensor<Self>>,
        attn_bias: Option<FloatTensor<Self>>,
        options: AttentionModuleOptions,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "attention",
            (query, key, value, mask, attn_bias),
            move |(query, key, value, mask, attn_bias)| {
                B::attention(query, key, value, mask, attn_bias, options)
            },
        )
    }

    fn layer_norm(
        tensor: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: Option<FloatTensor<Self>>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "layer_norm",
            (tensor, gamma, beta),
            move |(tensor, gamma, beta)| B::layer_norm(tensor, gamma, beta, epsilon),
        )
    }

    fn ctc_loss(
        log_probs: FloatTensor<Self>,
        targets: IntTensor<Self>,
        input_lengths: IntTensor<Self>,
        target_lengths: IntTensor<Self>,
        blank: usize,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "ctc_loss",
            (log_probs, targets, input_lengths, target_lengths),
            move |(log_probs, targets, input_lengths, target_lengths)| {
                B::ctc_loss(log_probs, targets, input_lengths, target_lengths, blank)
            },
        )
    }

    fn ctc_loss_backward(
        log_probs: FloatTensor<Self>,
        targets: IntTensor<Self>,
        input_lengths: IntTensor<Self>,
        target_lengths: IntTensor<Self>,
        grad_loss: FloatTensor<Self>,
        blank: usize,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "ctc_loss_backward",
            (log_probs, targets, input_lengths, target_lengths, grad_loss),
            move |(log_probs, targets, input_lengths, target_lengths, grad_loss)| {
                B::ctc_loss_backward(
                    log_probs,
                    targets,
                    input_lengths,
                    target_lengths,
                    grad_loss,
                    blank,
                )
            },
        )
    }

    fn rfft(
        signal: FloatTensor<Self>,
        dim: usize,
        n: Option<usize>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        op::<B, _, _>("rfft", signal, move |signal| B::rfft(signal, dim, n))
    }

    fn irfft(
        spectrum_re: FloatTensor<Self>,
        spectrum_im: FloatTensor<Self>,
        dim: usize,
        n: Option<usize>,
    ) -> FloatTensor<Self> {
        op::<B, _, _>(
            "irfft",
            (spectrum_re, spectrum_im),
            move |(spectrum_re, spectrum_im)| B::irfft(spectrum_re, spectrum_im, dim, n),
        )
    }
}
