//! Activation operations: `B`'s, recorded (backends fuse some of them).

use burn::prelude::Backend;
use burn::tensor::ops::{ActivationOps, FloatTensor};
use burn::tensor::Scalar;

use super::backend::Traced;
use crate::jit::trace::op;

impl<B: Backend> ActivationOps<Self> for Traced<B> {
    fn leaky_relu(tensor: FloatTensor<Self>, negative_slope: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("leaky_relu", tensor, move |tensor| {
            B::leaky_relu(tensor, negative_slope)
        })
    }

    fn relu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("relu", tensor, |tensor| B::relu(tensor))
    }

    fn relu_backward(output: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("relu_backward", (output, grad), |(output, grad)| {
            B::relu_backward(output, grad)
        })
    }

    fn gelu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("gelu", tensor, |tensor| B::gelu(tensor))
    }

    fn prelu(tensor: FloatTensor<Self>, alpha: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("prelu", (tensor, alpha), |(tensor, alpha)| {
            B::prelu(tensor, alpha)
        })
    }

    fn gelu_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("gelu_backward", (x, grad), |(x, grad)| B::gelu_backward(x, grad))
    }

    fn sigmoid(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("sigmoid", tensor, |tensor| B::sigmoid(tensor))
    }

    fn sigmoid_backward(output: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("sigmoid_backward", (output, grad), |(output, grad)| {
            B::sigmoid_backward(output, grad)
        })
    }

    fn hard_sigmoid(tensor: FloatTensor<Self>, alpha: Scalar, beta: Scalar) -> FloatTensor<Self> {
        op::<B, _, _>("hard_sigmoid", tensor, move |tensor| {
            B::hard_sigmoid(tensor, alpha, beta)
        })
    }

    fn log_sigmoid(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("log_sigmoid", tensor, |tensor| B::log_sigmoid(tensor))
    }

    fn softmax(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("softmax", tensor, move |tensor| B::softmax(tensor, dim))
    }

    fn log_softmax(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("log_softmax", tensor, move |tensor| B::log_softmax(tensor, dim))
    }

    fn softmin(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        op::<B, _, _>("softmin", tensor, move |tensor| B::softmin(tensor, dim))
    }

    fn log_sigmoid_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        op::<B, _, _>("log_sigmoid_backward", (x, grad), |(x, grad)| {
            B::log_sigmoid_backward(x, grad)
        })
    }
}
