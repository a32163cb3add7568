//! `cargo bench -p benches --bench vmap`: what `vmap` costs.
//!
//! 1. A two-layer MLP with a softmax, written for one example, over 1,000 examples: `vmap`
//!    against the same computation written batched by hand, and against a Rust loop calling the
//!    per-example function.
//! 2. Row norms of a 1,000 x 64 matrix: `vmap` of a norm against the reduction.
//! 3. Per-example gradients of the MLP's squared loss (parameters shared): `vmap` of
//!    `value_and_grad` against a loop of it.
//!
//! Interleaved, median of 7 rounds; every pair is checked to agree before it is timed.

use benches::{assert_agree, interleaved, values};
use burn::backend::Flex;
use burn::prelude::*;
use burnax::random;
use burnax::tree::Leaf;
use burnax::{value_and_grad, vmap, Function};

type B = Flex;
type Params<Bk> = (Tensor<Bk, 2>, Tensor<Bk, 1>, Tensor<Bk, 2>);
const N: usize = 1000;
const D: usize = 64;
const H: usize = 128;
const K: usize = 10;
/// Every timed pair agrees to this, relative to 1 + |value|: f32 sums in another order.
const AGREE: f32 = 1e-5;

/// softmax(tanh(x W1 + b1) W2) for one example.
struct Mlp;
impl Function for Mlp {
    type In = (Leaf<1>, (Leaf<2>, Leaf<1>, Leaf<2>));
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (x, (w1, b1, w2)): (Tensor<Bk, 1>, Params<Bk>)) -> Tensor<Bk, 1> {
        let h = (x.reshape([1, D]).matmul(w1) + b1.unsqueeze()).tanh();
        let z = h.matmul(w2).flatten::<1>(0, 1);
        let e = (z.clone() - z.max()).exp();
        e.clone() / e.sum()
    }
}

/// The same, written for the batch by hand.
fn mlp_batched(xs: Tensor<B, 2>, (w1, b1, w2): Params<B>) -> Tensor<B, 2> {
    let h = (xs.matmul(w1) + b1.unsqueeze()).tanh();
    let z = h.matmul(w2);
    let e = (z.clone() - z.max_dim(1)).exp();
    e.clone() / e.sum_dim(1)
}

/// The squared loss of one example (x, y), differentiated in the parameters.
struct Loss;
impl Function for Loss {
    type In = ((Leaf<2>, Leaf<1>, Leaf<2>), Leaf<1>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (p, x, y): (Params<Bk>, Tensor<Bk, 1>, Tensor<Bk, 1>)) -> Tensor<Bk, 1> {
        (Mlp.call((x, p)) - y).square().sum()
    }
}

struct PerExampleGrads;
impl Function for PerExampleGrads {
    type In = ((Leaf<2>, Leaf<1>, Leaf<2>), Leaf<1>, Leaf<1>);
    type Out = (Leaf<2>, Leaf<1>, Leaf<2>);
    fn call<Bk: Backend>(&self, x: (Params<Bk>, Tensor<Bk, 1>, Tensor<Bk, 1>)) -> Params<Bk> {
        value_and_grad(&Loss).argnums(&[0]).call(x).1 .0
    }
}

struct Norm;
impl Function for Norm {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x.square().sum().sqrt()
    }
}

fn row(t: &Tensor<B, 2>, i: usize) -> Tensor<B, 1> {
    t.clone().narrow(0, i, 1).flatten(0, 1)
}

fn main() {
    let d = Default::default();
    let p: Params<B> = (
        random::normal(random::key(1), [D, H], &d).mul_scalar(0.1),
        random::normal(random::key(2), [H], &d).mul_scalar(0.1),
        random::normal(random::key(3), [H, K], &d).mul_scalar(0.1),
    );
    let xs = random::normal::<B, 2>(random::key(4), [N, D], &d);
    let ys = random::uniform::<B, 2>(random::key(5), [N, K], &d);
    let rounds = 7;

    let mapped = vmap(Mlp).in_axes((0, None));
    let looped = |xs: &Tensor<B, 2>, p: &Params<B>| {
        Tensor::stack::<2>((0..N).map(|i| Mlp.call((row(xs, i), p.clone()))).collect(), 0)
    };
    let v = mapped.call((xs.clone(), p.clone()));
    assert_agree(
        &values(v.clone()),
        &values(mlp_batched(xs.clone(), p.clone())),
        AGREE,
        "vmap vs hand-batched",
    );
    assert_agree(&values(v), &values(looped(&xs, &p)), AGREE, "vmap vs loop");
    let [v, h, l] = interleaved(
        rounds,
        1,
        [
            &|| values(mapped.call((xs.clone(), p.clone()))),
            &|| values(mlp_batched(xs.clone(), p.clone())),
            &|| values(looped(&xs, &p)),
        ],
    );
    println!(
        "MLP {D}-{H}-{K} + softmax over {N} examples: vmap {:.3} ms, hand-batched {:.3} ms (ratio {:.2}), loop {:.1} ms (vmap {:.0}x faster)",
        v * 1e3, h * 1e3, v / h, l * 1e3, l / v
    );

    let norms = vmap(Norm);
    let by_vmap = |xs: &Tensor<B, 2>| -> Tensor<B, 2> { norms.call(xs.clone()) };
    let by_hand = |xs: &Tensor<B, 2>| xs.clone().square().sum_dim(1).sqrt();
    assert_agree(&values(by_vmap(&xs)), &values(by_hand(&xs)), AGREE, "row norms");
    let [v, h] = interleaved(rounds, 1, [&|| values(by_vmap(&xs)), &|| values(by_hand(&xs))]);
    println!(
        "row norms of {N} x {D}: vmap {:.1} us, reduction {:.1} us (ratio {:.2})",
        v * 1e6,
        h * 1e6,
        v / h
    );

    let per_example = vmap(PerExampleGrads).in_axes((None, 0, 0));
    let batched = |p: &Params<B>| per_example.call((p.clone(), xs.clone(), ys.clone())).0;
    let looped = |p: &Params<B>| {
        Tensor::stack::<3>(
            (0..N)
                .map(|i| PerExampleGrads.call((p.clone(), row(&xs, i), row(&ys, i))).0)
                .collect(),
            0,
        )
    };
    assert_agree(
        &values(batched(&p)),
        &values(looped(&p)),
        AGREE,
        "per-example gradients",
    );
    let [v, l] = interleaved(rounds, 1, [&|| values(batched(&p)), &|| values(looped(&p))]);
    println!(
        "per-example gradients of the MLP's loss, {N} examples: vmap(value_and_grad) {:.1} ms, loop of value_and_grad {:.1} ms (vmap {:.0}x faster)",
        v * 1e3, l * 1e3, l / v
    );
}
