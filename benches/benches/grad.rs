//! `cargo bench -p benches --bench grad`: the cost of burnax's grad family.
//!
//! 1. `value_and_grad` against the same gradient written by hand with Burn's autodiff API, on
//!    `f(x) = sum(tanh(W x)^2)` (W: 512 x 256), interleaved, median of 7 rounds of 200 calls.
//! 2. `hessian` of a 100-dimensional function, batched (the default) and looped, and
//!    `jacfwd(grad(f))`, interleaved, median of 7: time, and the largest deviation from central
//!    differences of the gradient (f64).

use std::time::{Duration, Instant};

use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use burnax::random;
use burnax::tree::Leaf;
use burnax::{grad, hessian, jacfwd, value_and_grad, Function};

type B = Flex;

struct Layer(Vec<f32>);
impl Layer {
    fn w<Bk: Backend>(&self, device: &Bk::Device) -> Tensor<Bk, 2> {
        Tensor::from_data(TensorData::new(self.0.clone(), [512, 256]), device)
    }
}
impl Function for Layer {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let w = self.w::<Bk>(&x.device());
        w.matmul(x.reshape([256, 1])).tanh().square().sum()
    }
}

fn by_hand(layer: &Layer, x: Tensor<B, 1>) -> (Tensor<B, 1>, Tensor<B, 1>) {
    let xa = Tensor::<Autodiff<B>, 1>::from_inner(x).require_grad();
    let w = layer.w::<Autodiff<B>>(&xa.device());
    let y = w.matmul(xa.clone().reshape([256, 1])).tanh().square().sum();
    let grads = y.backward();
    (y.inner(), xa.grad(&grads).expect("x is used"))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct Wavy;
impl Function for Wavy {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let s = x.clone().sum();
        (x.clone().sin() * x.div_scalar(10.0).exp()).sum() + s.clone() * s / 100.0
    }
}

fn main() {
    let d = Default::default();
    let layer = Layer(
        random::normal::<B, 1>(random::key(1), [512 * 256], &d)
            .mul_scalar(0.05)
            .into_data()
            .to_vec()
            .unwrap(),
    );
    let x = random::normal::<B, 1>(random::key(2), [256], &d);
    let (calls, rounds) = (200, 7);
    let (mut ours, mut hand) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(value_and_grad(&layer).call(x.clone()).1.into_data());
        }
        ours.push(t.elapsed() / calls);
        let t = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(by_hand(&layer, x.clone()).1.into_data());
        }
        hand.push(t.elapsed() / calls);
    }
    let (o, h) = (median(ours), median(hand));
    println!(
        "value_and_grad, sum(tanh(W x)^2), W 512x256: burnax {:.1} us, hand-written Burn autodiff {:.1} us per call: ratio {:.3}",
        o.as_secs_f64() * 1e6,
        h.as_secs_f64() * 1e6,
        o.as_secs_f64() / h.as_secs_f64()
    );

    let n = 100;
    let x0: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.37).sin()).collect();
    let xt = || Tensor::<B, 1>::from_data(TensorData::new(x0.clone(), [n]), (&d, DType::F64));
    let host = |t: Tensor<B, 2>| -> Vec<f64> { t.into_data().convert::<f64>().into_vec().unwrap() };
    // The batched Hessian (one reverse pass over the vmapped identity) and the looped one (a
    // reverse pass per row), interleaved, median of 7.
    let (mut batched, mut looped, mut forward) = (Vec::new(), Vec::new(), Vec::new());
    let (mut hb, mut hl, mut hf) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..7 {
        let t = Instant::now();
        hb = host(hessian(Wavy).call(xt()));
        batched.push(t.elapsed());
        let t = Instant::now();
        hl = host(hessian(Wavy).looped().call(xt()));
        looped.push(t.elapsed());
        let t = Instant::now();
        hf = host(jacfwd(grad(Wavy)).call(xt()));
        forward.push(t.elapsed());
    }
    let (tb, tl, tf) = (median(batched), median(looped), median(forward));
    let eps = 1e-5;
    let (mut worst_b, mut worst_l, mut worst_f): (f64, f64, f64) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let mut xp = x0.clone();
        let mut xm = x0.clone();
        xp[i] += eps;
        xm[i] -= eps;
        let g = |v: Vec<f64>| -> Vec<f64> {
            let t = Tensor::<B, 1>::from_data(TensorData::new(v, [n]), (&d, DType::F64));
            grad(Wavy)
                .call(t)
                .into_data()
                .convert::<f64>()
                .into_vec()
                .unwrap()
        };
        let (gp, gm) = (g(xp), g(xm));
        for j in 0..n {
            let fd = (gp[j] - gm[j]) / (2.0 * eps);
            worst_b = worst_b.max((hb[j * n + i] - fd).abs() / (1.0 + fd.abs()));
            worst_l = worst_l.max((hl[j * n + i] - fd).abs() / (1.0 + fd.abs()));
            worst_f = worst_f.max((hf[j * n + i] - fd).abs() / (1.0 + fd.abs()));
        }
    }
    println!(
        "hessian of a 100-dimensional function (f64), median of 7: batched {:.2} ms, looped {:.2} ms ({:.1}x); \
         largest deviation from central differences of grad: batched {worst_b:.1e}, looped {worst_l:.1e} (relative)",
        tb.as_secs_f64() * 1e3,
        tl.as_secs_f64() * 1e3,
        tl.as_secs_f64() / tb.as_secs_f64()
    );
    println!(
        "the same Hessian as jacfwd(grad(f)) (forward over reverse, batched): {:.2} ms; largest deviation {worst_f:.1e}",
        tf.as_secs_f64() * 1e3
    );
}
