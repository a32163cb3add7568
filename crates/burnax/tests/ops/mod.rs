//! Functions of one tensor that together use every operation Burn's backends have (float, int
//! and bool arithmetic, reductions, scans, shapes, indexing, matmul, sorting, activations,
//! convolution, pooling, interpolation, attention, FFT): the oracle suites of `vmap` and `jit`
//! run each transformed function against the plain one.
#![allow(dead_code)]

use burn::prelude::*;
use burn::tensor::{s, Int};
use burnax::tree::Leaf;
use burnax::Function;

/// Defines a per-example function of one tensor as a [`Function`].
macro_rules! func {
    ($name:ident, $i:literal -> $o:literal, |$x:ident| $body:expr) => {
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl Function for $name {
            type In = Leaf<$i>;
            type Out = Leaf<$o>;
            fn call<B: Backend>(&self, $x: Tensor<B, $i>) -> Tensor<B, $o> {
                $body
            }
        }
    };
}

func!(Unary, 2 -> 2, |x| {
    let pos = x.clone().abs() + 0.5;
    x.clone().exp() + x.clone().tanh() - x.clone().sin() * x.clone().cos() + pos.clone().log() + pos.clone().sqrt()
        + x.clone().erf() + x.clone().floor() + x.clone().round() + x.clone().ceil() + burn::tensor::activation::sigmoid(x.clone())
        + pos.clone().recip() + x.clone().atan() + x.clone().sinh() + pos.clone().log1p()
        + burn::tensor::activation::relu(x.clone()) + burn::tensor::activation::gelu(x.clone()) + x.clone().powf_scalar(2.0) + pos.powf(x.clone())
        + x.clone().clamp(-0.5, 0.5) + x.clone().neg()
});

func!(Scalars, 2 -> 2, |x| {
    (x.clone() + 1.0) * 2.0 - 3.0 / (x.clone().abs() + 1.0) + x.clone().remainder_scalar(0.7) + x.clone().div_scalar(4.0)
});

// Binary operations between batched operands and with constants, with broadcasting.
func!(Binary, 2 -> 2, |x| {
    let [r, c] = x.dims();
    let row = Tensor::<B, 1, Int>::arange(0..c as i64, &x.device()).float().reshape([1, c]);
    let col = Tensor::<B, 1, Int>::arange(0..r as i64, &x.device()).float().reshape([r, 1]);
    let y = x.clone().sum_dim(1); // [r, 1], batched
    x.clone() * row.clone() + col.clone() - y.clone() + x.clone().atan2(row.clone() + 1.0)
        + (x.clone() * x.clone()).remainder(row + 1.5) + col / (y.abs() + 1.0)
        + x.clone().max_pair(x.clone().flip([1])) + x.clone().min_pair(x.flip([0]))
});

func!(Reductions, 2 -> 2, |x| {
    let [r, c] = x.dims();
    let full = x.clone().sum().reshape([1, 1]) + x.clone().mean().reshape([1, 1]) + x.clone().max().reshape([1, 1])
        + x.clone().min().reshape([1, 1]) + x.clone().prod().reshape([1, 1]);
    let along0 = x.clone().sum_dim(0) + x.clone().mean_dim(0) + x.clone().max_dim(0) + x.clone().min_dim(0);
    let along1 = x.clone().sum_dim(1) + x.clone().var_bias(1) + x.clone().prod_dim(1);
    let scans = x.clone().cumsum(1) + x.clone().cumprod(0) + x.clone().cummin(1) + x.clone().cummax(0);
    let args = x.clone().argmax(1).float() + x.clone().argmin(0).float();
    scans + full.expand([r, c]) + along0 + along1 + args
});

func!(MatmulShared, 2 -> 2, |x| {
    let [_, c] = x.dims();
    let w = Tensor::<B, 1, Int>::arange(0..(c * 3) as i64, &x.device()).float().reshape([c, 3]) / 7.0;
    x.matmul(w)
});

func!(MatmulBatched, 2 -> 2, |x| {
    let [r, _] = x.dims();
    let w = Tensor::<B, 1, Int>::arange(0..(r * 2) as i64, &x.device()).float().reshape([2, r]) / 5.0;
    x.clone().matmul(x.clone().transpose()) + w.matmul(x.clone()).sum_dim(0).sum_dim(1)
});

func!(Matmul3, 3 -> 3, |x| {
    let [a, _, c] = x.dims();
    let w = Tensor::<B, 1, Int>::arange(0..(a * c * 2) as i64, &x.device()).float().reshape([a, c, 2]) / 9.0;
    x.clone().matmul(w) + x.clone().swap_dims(1, 2).matmul(x).sum_dim(2).sum_dim(1)
});

func!(Shapes, 3 -> 3, |x| {
    let [a, b, c] = x.dims();
    let p = x.clone().permute([2, 0, 1]).reshape([c, a * b]).reshape([c, a, b]).permute([1, 2, 0]);
    let e = x.clone().narrow(1, 0, 1).expand([a, b, c]);
    let u = x.clone().sum_dim(2).squeeze_dim::<2>(2).unsqueeze_dim::<3>(2);
    let s = x.clone().slice(s![.., 0..b, 0..1]).repeat_dim(2, c);
    let f = x.clone().flip([0, 2]).swap_dims(0, 1).swap_dims(0, 1);
    let cat = Tensor::cat(vec![x.clone(), Tensor::zeros([a, b, 1], &x.device())], 2).narrow(2, 0, c);
    let st = Tensor::stack::<4>(vec![x.clone(), x.clone() * 2.0], 3).sum_dim(3).squeeze_dim::<3>(3);
    p + e + u + s + f + cat + st + x.clone().unfold::<4, _>(2, 1, 1).sum_dim(3).squeeze_dim::<3>(3)
        + Tensor::<B, 1>::ones([c], &x.device()).reshape([1, 1, c]).expand([a, b, c]) * x.sum().reshape([1, 1, 1])
});

func!(Indexing, 2 -> 2, |x| {
    let [r, c] = x.dims();
    let d = x.device();
    let fixed = Tensor::<B, 1, Int>::from_ints([c - 1, 0], &d);
    let own = x.clone().argmax(1).flatten::<1>(0, 1); // per-example indices, [r]
    let gathered = x.clone().gather(1, x.clone().argmin(1)).expand([r, c]);
    let selected = x.clone().select(1, fixed.clone()).sum_dim(1) + x.clone().select(1, own.clone()).sum_dim(1);
    let picked = x.clone().select(0, own.clone().clamp(0, r as i64 - 1)).sum_dim(0);
    let scattered = Tensor::<B, 2>::zeros([r, c], &d).scatter(1, x.clone().argmax(1), x.clone().sum_dim(1), burn::tensor::IndexingUpdateOp::Add);
    let added = x.clone().select_assign(1, fixed, Tensor::ones([r, 2], &d), burn::tensor::IndexingUpdateOp::Add)
        + Tensor::<B, 2>::zeros([r, c], &d).select_assign(0, own.clamp(0, r as i64 - 1), x.clone(), burn::tensor::IndexingUpdateOp::Add);
    let assigned = x.clone().slice_assign(s![0..1, ..], Tensor::ones([1, c], &d))
        + Tensor::<B, 2>::zeros([r, c], &d).slice_assign(s![.., 0..1], x.clone().narrow(1, 0, 1));
    let mask = x.clone().greater_elem(0.0);
    let masked = x.clone().mask_fill(mask.clone(), 9.0) + x.clone().mask_where(mask.bool_not(), x.clone().exp())
        + Tensor::<B, 2>::ones([r, c], &d).mask_where(x.clone().lower(x.clone().flip([1])), x.clone());
    gathered + selected + picked + scattered + added + assigned + masked
});

func!(Comparisons, 2 -> 2, |x| {
    let y = x.clone().flip([1]);
    let b = x.clone().greater(y.clone()).bool_and(x.clone().lower_equal_elem(1.0))
        .bool_or(x.clone().equal(y.clone())).bool_xor(x.clone().greater_equal_elem(-0.5));
    b.clone().float() + x.clone().lower(y.clone()).int().float() * 2.0 + x.clone().not_equal(y).float() * 4.0
        + b.any_dim(1).float().expand(x.dims()) + x.clone().is_nan().float() + x.greater_equal_elem(0.0).all().float().reshape([1, 1])
});

func!(Ints, 2 -> 2, |x| {
    let i = (x.clone() * 10.0).floor().int();
    let j = i.clone().flip([1]);
    let k = (i.clone() + j.clone()) * 3 - i.clone().abs() + i.clone().remainder_scalar(4) + (i.clone() * j.clone())
        + i.clone().sum_dim(1) + i.clone().cumsum(0) + i.clone().sum().reshape([1, 1])
        + Tensor::cat(vec![i.clone(), j.clone()], 1).narrow(1, 0, i.dims()[1]) + i.clone().bitwise_and_scalar(6.elem())
        + i.clone().bitwise_xor(j.clone()) + i.clone().mask_fill(i.clone().greater_elem(0), -1) + i.clone().sort(1)
        + i.clone().gather(1, j.clone().argmin(1)) + i.clone().max_dim(0) + i.clone().slice(s![.., 0..1]);
    // Flex's int argmax is i64 whatever the int dtype: compared as floats.
    k.float() + i.clone().argmax(1).float() + i.lower(j).float()
});

// The int and bool versions of the indexing rules (they share the float rules' code, with the
// inner backend's int and bool operations).
func!(IntBoolIndexing, 2 -> 2, |x| {
    let [r, c] = x.dims();
    let d = x.device();
    let i = (x.clone() * 10.0).floor().int();
    let own = x.clone().argmax(1).flatten::<1>(0, 1).clamp(0, c as i64 - 1); // per example, [r]
    let fixed = Tensor::<B, 1, Int>::from_ints([0, c - 1], &d);
    let ints = i.clone().select(1, own.clone()).sum_dim(1) + i.clone().select(1, fixed.clone()).sum_dim(1)
        + i.clone().gather(1, x.clone().argmin(1))
        + i.clone().scatter(1, x.clone().argmax(1), i.clone().sum_dim(1), burn::tensor::IndexingUpdateOp::Add)
        + Tensor::<B, 2, Int>::zeros([r, c], &d).select_assign(1, own.clone(), i.clone().select(1, own.clone()), burn::tensor::IndexingUpdateOp::Add)
        + i.clone().slice_assign(s![.., 0..1], Tensor::ones([r, 1], &d))
        + i.clone().mask_where(x.clone().greater_elem(0.0), i.clone().neg())
        + Tensor::cat(vec![i.clone(), Tensor::zeros([r, 1], &d)], 1).narrow(1, 0, c)
        + i.clone().permute([1, 0]).permute([1, 0]).repeat_dim(0, 2).narrow(0, 0, r)
        + i.clone().flip([0]).swap_dims(0, 1).swap_dims(0, 1).unsqueeze_dim::<3>(0).squeeze_dim::<2>(0);
    let b = x.clone().greater_elem(0.0);
    let bools = b.clone().select(1, own).int().sum_dim(1) + b.clone().gather(1, x.clone().argmax(1)).int()
        + b.clone().slice_assign(s![0..1, ..], Tensor::<B, 2, burn::tensor::Bool>::empty([1, c], &d).bool_not().bool_or(b.clone().narrow(0, 0, 1))).int()
        + b.clone().mask_where(x.clone().lower_elem(-0.5), b.clone().bool_not()).int()
        + Tensor::cat(vec![b.clone(), b.clone()], 0).narrow(0, r, r).int()
        + b.clone().flip([1]).swap_dims(0, 1).swap_dims(0, 1).int()
        + b.clone().select(1, fixed).int().sum_dim(1)
        + b.clone().expand([r, c]).reshape([c, r]).reshape([r, c]).int();
    (ints + bools).float()
});

// A scalar loss through convolution and pooling, for their backward rules under `vmap(grad)`.
func!(ConvLoss, 1 -> 1, |x| {
    let d = x.device();
    let img = x.reshape([1, 2, 4, 4]);
    let weight = Tensor::<B, 1, Int>::arange(0..(3 * 2 * 9) as i64, &d).float().reshape([3, 2, 3, 3]) / 40.0;
    let opts = burn::tensor::ops::ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
    let y = burn::tensor::module::conv2d(img, weight, None, opts).tanh();
    let p = burn::tensor::module::max_pool2d(y.clone(), [2, 2], [2, 2], [0, 0], [1, 1], false);
    let a = burn::tensor::module::avg_pool2d(y.clone(), [2, 2], [1, 1], [0, 0], true, false);
    let i = burn::tensor::module::interpolate(y, [6, 6], burn::tensor::ops::InterpolateOptions::new(burn::tensor::ops::InterpolateMode::Bilinear));
    p.square().sum() + a.sum() + i.sin().sum()
});

func!(Sorting, 2 -> 2, |x| {
    let [r, c] = x.dims();
    let (sorted, idx) = x.clone().sort_with_indices(1);
    sorted + idx.float() + x.clone().argsort_descending(0).float() + x.clone().sort_descending(0)
        + x.clone().topk(1, 1).expand([r, c])
});

func!(Conv, 3 -> 3, |x| {
    let [ch, h, w] = x.dims();
    let d = x.device();
    let weight = Tensor::<B, 1, Int>::arange(0..(2 * ch * 9) as i64, &d).float().reshape([2, ch, 3, 3]) / 50.0;
    let bias = Tensor::<B, 1>::from_floats([0.5, -0.5], &d);
    let img = x.reshape([1, ch, h, w]);
    let y = burn::tensor::module::conv2d(img.clone(), weight, Some(bias), burn::tensor::ops::ConvOptions::new([1, 1], [1, 1], [1, 1], 1));
    let pooled = burn::tensor::module::max_pool2d(img.clone(), [2, 2], [1, 1], [1, 1], [1, 1], false);
    let avg = burn::tensor::module::avg_pool2d(img, [2, 2], [1, 1], [1, 1], true, false);
    let [_, _, ph, pw] = pooled.dims();
    y.squeeze_dim::<3>(0) + pooled.sum_dim(1).squeeze_dim::<3>(0).narrow(1, 0, h.min(ph)).narrow(2, 0, w.min(pw)).sum() .reshape([1, 1, 1])
        + avg.sum().reshape([1, 1, 1])
});

func!(Scalar, 1 -> 1, |x| (x.clone().sin() * x.clone()).sum() + x.clone().square().sum() * x.sum());

// A shared table indexed per example: select (an embedding lookup) and gather_nd.
func!(Lookup, 1 -> 2, |x| {
    let [k] = x.dims();
    let d = x.device();
    let table = Tensor::<B, 1, Int>::arange(0..(6 * 3) as i64, &d).float().reshape([6, 3]);
    let rows = (x.clone().abs() * 2.0).floor().int().clamp(0, 5); // [k], per example
    let picked = table.clone().select(0, rows.clone()); // [k, 3]
    let nd: Tensor<B, 2> = table.gather_nd::<2, 2>(rows.reshape([k, 1])); // [k, 3]
    picked + nd * 10.0 + x.unsqueeze_dim::<2>(1)
});

// Attention over one example's sequence with a mask broadcast along the attention's batch axis.
func!(Attend, 2 -> 2, |x| {
    let [l, e] = x.dims();
    let d = x.device();
    let q = x.clone().reshape([1, 1, l, e]).expand([2, 1, l, e]);
    let causal = Tensor::<B, 1, Int>::arange(0..l as i64, &d).reshape([l, 1]).lower(Tensor::<B, 1, Int>::arange(0..l as i64, &d).reshape([1, l]));
    let mask = causal.reshape([1, 1, l, l]);
    let out = burn::tensor::module::attention(q.clone(), q.clone() * 0.5, q, Some(mask), None, Default::default());
    out.narrow(0, 1, 1).reshape([l, e])
});

// Activations with their own operations in Burn (not written with float operations): their
// batching rules move the axis (softmax family) or let it ride along.
func!(Activations, 2 -> 2, |x| {
    use burn::tensor::activation as a;
    a::softmax(x.clone(), 1) + a::log_softmax(x.clone(), 0) + a::softmin(x.clone(), 1)
        + a::leaky_relu(x.clone(), 0.1) + a::hard_sigmoid(x.clone(), 0.2, 0.5) + a::log_sigmoid(x)
});

// A real FFT along each axis and back: the pair of outputs and the pair of inputs carry the
// batch axis together.
func!(Fft, 2 -> 2, |x| {
    use burn::tensor::signal::{irfft, rfft};
    let [r, c] = x.dims();
    let (re, im) = rfft(x.clone(), 1, Some(8));
    let back = irfft(re.clone(), im.clone(), 1, Some(8)).narrow(1, 0, c);
    let (re0, im0) = rfft(x.clone(), 0, Some(4));
    let spectrum = (re.square() + im.square()).sum_dim(1) + (re0.square() + im0.square()).sum_dim(0).sum_dim(1);
    back + spectrum.expand([r, c]) * 0.01
});

// The other convolutions' forward rules and adaptive pooling, on one example of [c, d, h, w].
func!(Convolutions, 4 -> 4, |x| {
    use burn::tensor::module::{adaptive_avg_pool2d, conv3d, conv_transpose2d, conv_transpose3d};
    use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
    let [c, dd, h, w] = x.dims();
    let dev = x.device();
    let weight = |shape: [usize; 5]| {
        let n: usize = shape.iter().product();
        Tensor::<B, 1, Int>::arange(0..n as i64, &dev).float().reshape(shape) / (n as f32)
    };
    let vol = x.clone().reshape([1, c, dd, h, w]);
    let c3 = conv3d(vol.clone(), weight([2, c, 1, 2, 2]), None, ConvOptions::new([1, 1, 1], [0, 1, 1], [1, 1, 1], 1));
    let t3 = conv_transpose3d(vol, weight([c, 2, 1, 2, 2]), None, ConvTransposeOptions::new([1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1], 1));
    let img = x.clone().reshape([1, c * dd, h, w]);
    let w2: Tensor<B, 4> = weight([c * dd, 2, 1, 2, 2]).reshape([c * dd, 2, 2, 2]);
    let t2 = conv_transpose2d(img.clone(), w2, None, ConvTransposeOptions::new([1, 1], [0, 0], [0, 0], [1, 1], 1));
    let pooled = adaptive_avg_pool2d(img, [2, 3]);
    let total = c3.sum() + t3.sum() + t2.sum() + pooled.sum();
    x + total.reshape([1, 1, 1, 1])
});
