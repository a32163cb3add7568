//! Activations: the inner backend's own kernels (and `Autodiff`'s own backward rules), the batch
//! axis riding along.

use burn::prelude::Backend;
use burn::tensor::ops::{ActivationOps, FloatTensor};
use burn::tensor::Scalar;

use super::backend::{binary, Batched, FloatK};

/// Activations go to the inner backend's own kernels (and `Autodiff`'s own backward rules).
impl<B: Backend> ActivationOps<Self> for Batched<B> {
    fn relu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        tensor.map(B::relu)
    }

    fn gelu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        tensor.map(B::gelu)
    }

    fn sigmoid(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        tensor.map(B::sigmoid)
    }

    fn log_sigmoid(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        tensor.map(B::log_sigmoid)
    }

    fn leaky_relu(tensor: FloatTensor<Self>, negative_slope: Scalar) -> FloatTensor<Self> {
        tensor.map(|p| B::leaky_relu(p, negative_slope))
    }

    fn hard_sigmoid(tensor: FloatTensor<Self>, alpha: Scalar, beta: Scalar) -> FloatTensor<Self> {
        tensor.map(|p| B::hard_sigmoid(p, alpha, beta))
    }

    fn softmax(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        tensor.map_dim(dim, B::softmax)
    }

    fn log_softmax(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        tensor.map_dim(dim, B::log_softmax)
    }

    fn softmin(tensor: FloatTensor<Self>, dim: usize) -> FloatTensor<Self> {
        tensor.map_dim(dim, B::softmin)
    }

    fn relu_backward(output: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        binary::<B, FloatK, _>("relu_backward", output, grad, B::relu_backward)
    }

    fn gelu_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        binary::<B, FloatK, _>("gelu_backward", x, grad, B::gelu_backward)
    }

    fn sigmoid_backward(output: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        binary::<B, FloatK, _>("sigmoid_backward", output, grad, B::sigmoid_backward)
    }

    fn log_sigmoid_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        binary::<B, FloatK, _>("log_sigmoid_backward", x, grad, B::log_sigmoid_backward)
    }
}
