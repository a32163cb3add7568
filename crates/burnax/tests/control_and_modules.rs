//! Loops under grad, and gradients of Burn module parameters.

use burn::backend::{Autodiff, Flex};
use burn::nn::LinearConfig;
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use burnax::control::{fori_loop, scan};
use burnax::grad::value_and_grad_module;
use burnax::tree::Leaf;
use burnax::{grad, Function};
use burnax_testing::{check_grads, Tolerance};

type B = Flex;

fn t64(v: &[f64]) -> Tensor<B, 1> {
    Tensor::from_data(
        TensorData::new(v.to_vec(), [v.len()]),
        (&Default::default(), DType::F64),
    )
}

/// x^6 as a fori_loop multiplying a carry by x five times.
struct Power6;
impl Function for Power6 {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        fori_loop(0, 5, |_, c: Tensor<Bk, 1>| c * x.clone(), x.clone())
    }
}

/// A recurrence scanned over the elements of x: h_t = tanh(h_{t-1} * 0.9 + x_t), loss = sum h_t^2.
struct Recurrent;
impl Function for Recurrent {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let [n] = x.dims();
        let xs = x.clone().reshape([n, 1]);
        let h0 = x.zeros_like().narrow(0, 0, 1);
        let (_, hs): (_, Tensor<Bk, 2>) = scan(
            |h: Tensor<Bk, 1>, xt: Tensor<Bk, 1>| {
                let h = (h.mul_scalar(0.9) + xt).tanh();
                (h.clone(), h)
            },
            h0,
            xs,
        );
        hs.square().sum()
    }
}

#[test]
fn fori_loop_under_grad_is_exact() {
    for x in [0.5, -1.3, 2.0] {
        let g = grad(Power6)
            .call(t64(&[x]))
            .into_data()
            .convert::<f64>()
            .into_vec::<f64>()
            .unwrap()[0];
        assert!(
            Tolerance::F64_REORDERED.accepts(g, 6.0 * x.powi(5)),
            "{g} vs {}",
            6.0 * x.powi(5)
        );
    }
    check_grads(&Power6, &[0.7], 3);
}

#[test]
fn scan_under_grad_matches_central_differences() {
    check_grads(&Recurrent, &[0.3, -0.5, 1.2, 0.1, -0.8], 2);
}

#[test]
fn module_parameter_gradients_match_the_closed_form() {
    type AB = Autodiff<B>;
    let device = Default::default();
    let linear = LinearConfig::new(2, 1).init::<AB>(&device);
    let x = Tensor::<AB, 2>::from_floats([[1.0, 2.0], [-1.0, 0.5], [0.3, 0.3]], &device);
    let y = Tensor::<AB, 2>::from_floats([[1.0], [0.0], [2.0]], &device);
    let (loss, grads) = value_and_grad_module(&linear, |m| (m.forward(x.clone()) - y.clone()).square().sum());
    // loss = sum r^2 with r = x W + b - y: dL/dW = 2 x^T r, dL/db = 2 sum r.
    let w = linear.weight.val().inner();
    let b = linear.bias.as_ref().unwrap().val().inner();
    let (xi, yi) = (x.inner(), y.inner());
    let r = xi.clone().matmul(w) + b.unsqueeze() - yi;
    let want_loss: f32 = r.clone().square().sum().into_scalar();
    let want_dw = xi.transpose().matmul(r.clone()).mul_scalar(2.0);
    let want_db = r.sum_dim(0).mul_scalar(2.0).reshape([1]);
    let tol = Tolerance::F32_REORDERED;
    assert!(tol.accepts(loss.into_scalar() as f64, want_loss as f64));
    let dw = grads.get::<B, 2>(linear.weight.id).unwrap();
    let db = grads.get::<B, 1>(linear.bias.as_ref().unwrap().id).unwrap();
    let close = |a: Tensor<B, 2>, b: Tensor<B, 2>| {
        let (a, b): (Vec<f32>, Vec<f32>) = (a.into_data().to_vec().unwrap(), b.into_data().to_vec().unwrap());
        a.iter().zip(&b).all(|(u, v)| tol.accepts(*u as f64, *v as f64))
    };
    assert!(close(dw, want_dw));
    assert!(close(db.reshape([1, 1]), want_db.reshape([1, 1])));
}

#[test]
#[should_panic(expected = "scan: xs has shape [0, 2], its leading axis is empty")]
fn scan_over_nothing_panics_naming_the_shape() {
    let xs = Tensor::<B, 2>::zeros([0, 2], &Default::default());
    let _: (Tensor<B, 1>, Tensor<B, 2>) = scan(
        |c: Tensor<B, 1>, x: Tensor<B, 1>| (c, x),
        Tensor::zeros([2], &Default::default()),
        xs,
    );
}
