//! The grad family against closed forms and central differences (`burnax_testing::check_grads`),
//! first to third order, through nested `Autodiff`.

use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use burnax::tree::Leaf;
use burnax::{grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp, Function};
use burnax_testing::{check_grads, Tolerance};

type B = Flex;

fn t64(v: &[f64]) -> Tensor<B, 1> {
    Tensor::from_data(
        TensorData::new(v.to_vec(), [v.len()]),
        (&Default::default(), DType::F64),
    )
}

fn host<const D: usize>(t: Tensor<B, D>) -> Vec<f64> {
    t.into_data().convert::<f64>().into_vec().unwrap()
}

/// x^3 on shape [1].
struct Cube;
impl Function for Cube {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x.clone() * x.clone() * x
    }
}

/// sum(sin(x) exp(x)) + sum(x_i x_{i+1}) + (sum x)^2 / 3: elementwise, products, reductions.
/// The third is a product by 1/3: Burn's `div_scalar` backward rounds to f32 (see
/// `burns_div_scalar_backward_rounds_to_f32`).
struct Mixed;
impl Function for Mixed {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let [n] = x.dims();
        let a = (x.clone().sin() * x.clone().exp()).sum();
        let b = (x.clone().narrow(0, 0, n - 1) * x.clone().narrow(0, 1, n - 1)).sum();
        let s = x.sum();
        a + b + (s.clone() * s).mul_scalar(1.0 / 3.0)
    }
}

/// x^T A x with A = M M^T + I through matmul, a quadratic form: Hessian 2A exactly.
struct Quadratic(Vec<f64>);
impl Quadratic {
    fn a<Bk: Backend>(&self, device: &Bk::Device, dtype: DType) -> Tensor<Bk, 2> {
        let n = (self.0.len() as f64).sqrt() as usize;
        Tensor::from_data(TensorData::new(self.0.clone(), [n, n]), (device, dtype))
    }
}
impl Function for Quadratic {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let [n] = x.dims();
        let a = self.a::<Bk>(&x.device(), x.dtype());
        let col = x.clone().reshape([n, 1]);
        (x.reshape([1, n]).matmul(a).matmul(col)).reshape([1])
    }
}

/// A vector function [n] -> [2]: (sum x^2, prod-like exp(x_0) sin(x_1)).
struct Vector;
impl Function for Vector {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let first = x.clone().square().sum();
        let second = x.clone().narrow(0, 0, 1).exp() * x.narrow(0, 1, 1).sin();
        Tensor::cat(vec![first, second], 0)
    }
}

#[test]
fn derivatives_of_a_cube_are_exact_to_third_order() {
    for x in [-1.5, 0.0, 2.0] {
        let v = t64(&[x]);
        let (val, g) = value_and_grad(&Cube).call(v.clone());
        assert_eq!(host(val), vec![x * x * x]);
        assert_eq!(host(g), vec![3.0 * x * x]);
        assert_eq!(host(grad(grad(Cube)).call(v.clone())), vec![6.0 * x]);
        assert_eq!(host(grad(grad(grad(Cube))).call(v)), vec![6.0]);
    }
}

#[test]
fn check_grads_up_to_third_order() {
    let x = [0.3, -0.7, 1.1, 0.05];
    check_grads(&Mixed, &x, 3);
    let q = Quadratic(vec![2.0, 0.5, 0.1, 0.5, 3.0, -0.2, 0.1, -0.2, 1.5]);
    check_grads(&q, &[0.2, -0.4, 0.9], 3);
}

#[test]
fn hessian_is_symmetric_and_matches_differences_of_the_gradient() {
    let x = [0.3, -0.7, 1.1, 0.05];
    let h = host(hessian(Mixed).call(t64(&x)));
    let n = x.len();
    let eps = 1e-5;
    for i in 0..n {
        for j in 0..n {
            assert!(
                Tolerance::F64_REORDERED.accepts(h[i * n + j], h[j * n + i]),
                "H[{i},{j}] != H[{j},{i}]"
            );
        }
        let mut xp = x;
        let mut xm = x;
        xp[i] += eps;
        xm[i] -= eps;
        let (gp, gm) = (host(grad(Mixed).call(t64(&xp))), host(grad(Mixed).call(t64(&xm))));
        for j in 0..n {
            let fd = (gp[j] - gm[j]) / (2.0 * eps);
            assert!(
                Tolerance::CENTRAL_DIFF_F64.accepts(h[j * n + i], fd),
                "H[{j},{i}] = {} vs {fd}",
                h[j * n + i]
            );
        }
    }
    // The quadratic form's Hessian is 2A, to rounding.
    let a = vec![2.0, 0.5, 0.1, 0.5, 3.0, -0.2, 0.1, -0.2, 1.5];
    let hq = host(hessian(Quadratic(a.clone())).call(t64(&[0.2, -0.4, 0.9])));
    for (h, a) in hq.iter().zip(&a) {
        assert!(
            Tolerance::F64_REORDERED.accepts(*h, 2.0 * a),
            "{h} vs {}",
            2.0 * a
        );
    }
}

#[test]
fn jacrev_matches_the_closed_form() {
    let x = [0.4, -1.2, 0.7];
    let j = host(jacrev(Vector).call(t64(&x)));
    let want = [
        2.0 * x[0],
        2.0 * x[1],
        2.0 * x[2],
        x[0].exp() * x[1].sin(),
        x[0].exp() * x[1].cos(),
        0.0,
    ];
    for (g, w) in j.iter().zip(want) {
        assert!(Tolerance::F64_REORDERED.accepts(*g, w), "{j:?} vs {want:?}");
    }
}

#[test]
fn works_in_f32_too() {
    let x = Tensor::<B, 1>::from_floats([1.5], &Default::default());
    let g: f32 = grad(grad(Cube)).call(x).into_scalar();
    assert_eq!(g, 9.0);
}

/// A function that ignores its input: its gradient is zero, not a missing value.
struct Constant;
impl Function for Constant {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        x.zeros_like().narrow(0, 0, 1).add_scalar(4.0)
    }
}

#[test]
fn constant_functions_have_zero_gradient() {
    assert_eq!(host(grad(Constant).call(t64(&[1.0, 2.0]))), vec![0.0, 0.0]);
}

#[test]
#[should_panic(expected = "must return a scalar (shape [1]), got shape [2] for input shape [3]")]
fn grad_of_a_vector_function_panics_naming_the_shape() {
    grad(Vector).call(t64(&[0.1, 0.2, 0.3]));
}

/// x.detach() * x: autodiff sees d/dx = x, the true derivative is 2x. check_grads must notice.
struct Detached;
impl Function for Detached {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        (x.clone().detach() * x).sum()
    }
}

/// sum(x^2), its square rounded to f32 and back: a derivative right to f32's precision only.
struct RoundedToF32;
impl Function for RoundedToF32 {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let dtype = x.dtype();
        let sq = (x.clone() * x)
            .cast(burn::tensor::FloatDType::F32)
            .cast(burn::tensor::FloatDType::from(dtype));
        sq.sum()
    }
}

/// The central-difference tolerance is tight enough to see an f32 rounding in an f64 derivative.
#[test]
#[should_panic(expected = "check_grads order 1")]
fn check_grads_catches_an_f32_rounding() {
    check_grads(&RoundedToF32, &[0.3, -0.7, 1.1], 1);
}

#[test]
#[should_panic(expected = "check_grads order 1")]
fn check_grads_catches_a_wrong_gradient() {
    check_grads(&Detached, &[0.5, -1.0], 1);
}

/// f: [3] -> [2], f(x) = (x0 x1 + sin x2, exp(x0) x2^2): a Jacobian with no zero entries.
struct TwoOut;
impl Function for TwoOut {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let c = |i: usize| x.clone().narrow(0, i, 1);
        Tensor::cat(vec![c(0) * c(1) + c(2).sin(), c(0).exp() * c(2) * c(2)], 0)
    }
}

/// The Jacobian of `TwoOut` at `x`, written out.
fn two_out_jacobian(x: &[f64]) -> Vec<f64> {
    let (a, b, c) = (x[0], x[1], x[2]);
    vec![b, a, c.cos(), a.exp() * c * c, 0.0, 2.0 * a.exp() * c]
}

#[test]
fn jvp_vjp_and_jacfwd_match_the_closed_form_jacobian() {
    let x = [0.3, -1.2, 0.7];
    let j = two_out_jacobian(&x);
    let tol = Tolerance::F64_REORDERED; // exact up to the rounding of a few products
    let (t, v) = ([0.5, -2.0, 1.5], [1.5, -0.25]);
    let (y, jt) = jvp(&TwoOut).call((t64(&x), t64(&t)));
    let (y2, vj) = vjp(&TwoOut).call((t64(&x), t64(&v)));
    assert_eq!(host(y.clone()), host(y2));
    assert_eq!(host(y), host(TwoOut.call(t64(&x))));
    for i in 0..2 {
        let want: f64 = (0..3).map(|k| j[i * 3 + k] * t[k]).sum();
        assert!(
            tol.accepts(host(jt.clone())[i], want),
            "(J t)[{i}] = {} want {want}",
            host(jt.clone())[i]
        );
    }
    for k in 0..3 {
        let want: f64 = (0..2).map(|i| v[i] * j[i * 3 + k]).sum();
        assert!(
            tol.accepts(host(vj.clone())[k], want),
            "(v J)[{k}] = {} want {want}",
            host(vj.clone())[k]
        );
    }
    let fwd = host(jacfwd(TwoOut).call(t64(&x)));
    let rev = host(jacrev(TwoOut).call(t64(&x)));
    for (e, ((f, r), w)) in fwd.iter().zip(&rev).zip(&j).enumerate() {
        assert!(
            tol.accepts(*f, *w) && tol.accepts(*r, *w),
            "J[{e}]: jacfwd {f}, jacrev {r}, closed form {w}"
        );
    }
}

#[test]
fn jvp_of_a_constant_is_zero_and_shapes_are_checked() {
    struct Const;
    impl Function for Const {
        type In = Leaf<1>;
        type Out = Leaf<1>;
        fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
            x.zeros_like().add_scalar(2.0)
        }
    }
    let (y, jt) = jvp(&Const).call((t64(&[1.0, 2.0]), t64(&[3.0, 4.0])));
    assert_eq!(host(y), vec![2.0, 2.0]);
    assert_eq!(host(jt), vec![0.0, 0.0]);
    let bad = std::panic::catch_unwind(|| jvp(&Const).call((t64(&[1.0, 2.0]), t64(&[3.0]))));
    let msg = *bad
        .expect_err("a tangent of the wrong shape")
        .downcast::<String>()
        .unwrap();
    assert!(
        msg.contains("tangent t has shape [1]") && msg.contains("input x has shape [2]"),
        "{msg}"
    );
}

/// `Mixed` split into two tree leaves: the same function of `concat(a, b)`.
struct MixedPair;
impl Function for MixedPair {
    type In = (Leaf<1>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (a, b): (Tensor<Bk, 1>, Tensor<Bk, 1>)) -> Tensor<Bk, 1> {
        Mixed.call(Tensor::cat(vec![a, b], 0))
    }
}

/// The rows of a Jacobian in JAX's layout, from its blocks `blocks[k][l]` (output leaf `k`
/// against input leaf `l`, flattened) and the input leaves' sizes: row `r` of output leaf `k` is
/// row `r` of each of its blocks, end to end.
fn rows_of(blocks: &[Vec<Vec<f64>>], out_sizes: &[usize], in_sizes: &[usize]) -> Vec<Vec<f64>> {
    let mut rows = Vec::new();
    for (row_blocks, &m) in blocks.iter().zip(out_sizes) {
        for r in 0..m {
            let row = row_blocks
                .iter()
                .zip(in_sizes)
                .flat_map(|(b, &n)| b[r * n..(r + 1) * n].to_vec());
            rows.push(row.collect());
        }
    }
    rows
}

/// The Hessian of `MixedPair` (input `(a [2], b [3])`), blocks `((aa, ab), (ba, bb))`, as 5 rows.
type PairBlocks = ((Tensor<B, 2>, Tensor<B, 2>), (Tensor<B, 2>, Tensor<B, 2>));
fn pair_rows(((aa, ab), (ba, bb)): PairBlocks) -> Vec<Vec<f64>> {
    rows_of(
        &[vec![host(aa), host(ab)], vec![host(ba), host(bb)]],
        &[2, 3],
        &[2, 3],
    )
}

/// `hessian` over a pair of leaves equals `hessian` of the concatenated input, row by row
/// (so `jacrev` of `grad` over trees does too), exactly: the same operations in the same order.
#[test]
fn hessian_and_jacrev_over_trees_match_the_flat_ones() {
    let x = [0.3, -0.7, 1.1, 0.2, -0.4];
    let want = host(hessian(Mixed).call(t64(&x)));
    let blocks = hessian(MixedPair).call((t64(&x[..2]), t64(&x[2..])));
    assert_eq!(
        (
            blocks.0 .0.dims(),
            blocks.0 .1.dims(),
            blocks.1 .0.dims(),
            blocks.1 .1.dims()
        ),
        ([2, 2], [2, 3], [3, 2], [3, 3]),
        "JAX's layout: d2f / d a d b has shape a ++ b"
    );
    let rows = pair_rows(blocks);
    assert_eq!(rows.len(), 5);
    for (i, got) in rows.into_iter().enumerate() {
        assert_eq!(got, want[i * 5..(i + 1) * 5], "row {i}");
    }
}

/// A tree function with a rank-2 leaf on each side: `(W [2, 3], x [3]) -> (tanh(W x) [2],
/// W * exp(x) [2, 3])`, the second broadcasting `x` along `W`'s rows.
struct Layer;
impl Function for Layer {
    type In = (Leaf<2>, Leaf<1>);
    type Out = (Leaf<1>, Leaf<2>);
    fn call<Bk: Backend>(&self, (w, x): (Tensor<Bk, 2>, Tensor<Bk, 1>)) -> (Tensor<Bk, 1>, Tensor<Bk, 2>) {
        let y = w.clone().matmul(x.clone().reshape([3, 1])).reshape([2]).tanh();
        (y, w * x.exp().reshape([1, 3]))
    }
}

fn t64_2(v: &[f64], rows: usize) -> Tensor<B, 2> {
    t64(v).reshape([rows, v.len() / rows])
}

/// `Layer`'s input from 9 numbers (W row-major, then x), and its output flattened on the host.
fn layer_in(v: &[f64]) -> (Tensor<B, 2>, Tensor<B, 1>) {
    (t64_2(&v[..6], 2), t64(&v[6..]))
}
fn layer_out((y, z): (Tensor<B, 1>, Tensor<B, 2>)) -> Vec<f64> {
    host(y).into_iter().chain(host(z)).collect()
}
/// A gradient in `Layer`'s input structure, flattened like `layer_in`'s numbers.
fn layer_grad((dw, dx): (Tensor<B, 2>, Tensor<B, 1>)) -> Vec<f64> {
    host(dw).into_iter().chain(host(dx)).collect()
}

/// `Layer`'s Jacobian in JAX's layout: `((dy/dW, dy/dx), (dz/dW, dz/dx))`.
type LayerJacobian = ((Tensor<B, 3>, Tensor<B, 2>), (Tensor<B, 4>, Tensor<B, 3>));

/// `Layer`'s Jacobian as 8 rows (one per output scalar, `y` then `z` row-major) of 9 entries
/// (`W` row-major, then `x`), checking JAX's block shapes on the way.
fn layer_rows(((yw, yx), (zw, zx)): LayerJacobian) -> Vec<Vec<f64>> {
    assert_eq!(
        (
            yw.dims().to_vec(),
            yx.dims().to_vec(),
            zw.dims().to_vec(),
            zx.dims().to_vec()
        ),
        (vec![2, 2, 3], vec![2, 3], vec![2, 3, 2, 3], vec![2, 3, 3]),
        "JAX's layout: d out / d in has shape out ++ in"
    );
    rows_of(
        &[vec![host(yw), host(yx)], vec![host(zw), host(zx)]],
        &[2, 6],
        &[6, 3],
    )
}

/// `jacfwd(Layer)` at `x` equals `rows` (one flattened input gradient per output scalar, from
/// `oracle`), entry by entry.
fn assert_jacfwd_equals(x: &[f64], rows: &[Vec<f64>], tol: Tolerance, oracle: &str) {
    let forward = layer_rows(jacfwd(Layer).call(layer_in(x)));
    assert_eq!(forward.len(), 8);
    for (i, (f, row)) in forward.iter().zip(rows).enumerate() {
        for (j, (got, want)) in f.iter().zip(row).enumerate() {
            assert!(
                tol.accepts(*got, *want),
                "J[{i}, {j}]: jacfwd {got}, {oracle} {want}"
            );
        }
    }
}

/// `jvp` over trees against central differences along the tangent, `vjp` and `jacfwd` against
/// `jacrev` (reverse mode, another code path), leaves of rank 1 and 2 on both sides.
#[test]
fn jvp_vjp_and_jacfwd_over_trees_match_differences_and_jacrev() {
    let tol = Tolerance::CENTRAL_DIFF_F64;
    let x = [0.3, -0.5, 0.8, 1.1, -0.2, 0.4, 0.7, -0.9, 0.25];
    let t = [0.5, 1.0, -1.5, 0.25, 2.0, -0.75, 1.25, 0.5, -1.0];
    let (y, jt) = jvp(&Layer).call((layer_in(&x), layer_in(&t)));
    assert_eq!(layer_out(y), layer_out(Layer.call(layer_in(&x))));
    let h = 1e-6;
    let at = |s: f64| -> Vec<f64> {
        let p: Vec<f64> = x.iter().zip(&t).map(|(a, b)| a + s * b).collect();
        layer_out(Layer.call(layer_in(&p)))
    };
    let (plus, minus) = (at(h), at(-h));
    for (i, got) in layer_out(jt).into_iter().enumerate() {
        let want = (plus[i] - minus[i]) / (2.0 * h);
        assert!(
            tol.accepts(got, want),
            "(J t)[{i}] = {got}, central difference {want}"
        );
    }

    // Rows of the Jacobian by reverse mode: rows[i] = d out_i / d (W, x).
    let rows = layer_rows(jacrev(Layer).call(layer_in(&x)));
    assert_eq!(rows.len(), 8);
    assert_jacfwd_equals(&x, &rows, tol, "jacrev");
    let v = [1.5, -0.5, 0.25, 1.0, -2.0, 0.5, 0.75, -1.25];
    let (_, vj) = vjp(&Layer).call((layer_in(&x), (t64(&v[..2]), t64_2(&v[2..], 2))));
    let vj = layer_grad(vj);
    for (j, got) in vj.into_iter().enumerate() {
        let want: f64 = (0..8).map(|i| v[i] * rows[i][j]).sum();
        assert!(tol.accepts(got, want), "(v J)[{j}] = {got}, from jacrev {want}");
    }
}

#[test]
fn vjp_and_jvp_over_trees_name_the_leaf_of_the_wrong_shape() {
    let x = [0.3, -0.5, 0.8, 1.1, -0.2, 0.4, 0.7, -0.9, 0.25];
    let msg = |r: std::thread::Result<()>| *r.expect_err("a wrong shape").downcast::<String>().unwrap();
    let bad_v = msg(std::panic::catch_unwind(|| {
        vjp(&Layer).call((layer_in(&x), (t64(&[1.0, 2.0]), t64_2(&[1.0; 6], 3))));
    }));
    assert!(
        bad_v.contains("vjp: leaf 1 of the cotangent v has shape [3, 2]")
            && bad_v.contains("leaf 1 of the output f(x) has shape [2, 3]"),
        "{bad_v}"
    );
    let bad_t = msg(std::panic::catch_unwind(|| {
        jvp(&Layer).call((layer_in(&x), (t64_2(&[1.0; 6], 2), t64(&[1.0; 2]))));
    }));
    assert!(
        bad_t.contains("jvp: leaf 1 of the tangent t has shape [2]")
            && bad_t.contains("leaf 1 of the input x has shape [3]"),
        "{bad_t}"
    );
}

/// The batched `jacrev` (one reverse pass with the identity as a vmapped cotangent) and `jacfwd`
/// (the identity as vmapped tangents) against the looped `jacrev` (one pass per row), first and
/// second order, in f64: the same products grouped another way (`F64_REORDERED`).
#[test]
fn jacrev_and_hessian_equal_their_looped_oracles() {
    let tol = Tolerance::F64_REORDERED;
    let close = |got: Vec<f64>, want: Vec<f64>, what: &str| {
        assert_eq!(got.len(), want.len(), "{what}");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(tol.accepts(*g, *w), "{what}[{k}]: batched {g}, looped {w}");
        }
    };
    let x = [0.3, -0.7, 1.1, 0.2, -0.4];
    close(
        host(jacrev(TwoOut).call(t64(&x[..3]))),
        host(jacrev(TwoOut).looped().call(t64(&x[..3]))),
        "jacrev(TwoOut)",
    );
    close(
        host(jacrev(Vector).call(t64(&x))),
        host(jacrev(Vector).looped().call(t64(&x))),
        "jacrev(Vector)",
    );
    close(
        host(jacfwd(TwoOut).call(t64(&x[..3]))),
        host(jacrev(TwoOut).looped().call(t64(&x[..3]))),
        "jacfwd(TwoOut)",
    );
    close(
        host(jacfwd(Vector).call(t64(&x))),
        host(jacrev(Vector).looped().call(t64(&x))),
        "jacfwd(Vector)",
    );
    close(
        host(hessian(Mixed).call(t64(&x))),
        host(hessian(Mixed).looped().call(t64(&x))),
        "hessian(Mixed)",
    );
    let m = [2.0, 0.5, -0.3, 0.5, 1.5, 0.25, -0.3, 0.25, 1.0];
    close(
        host(hessian(Quadratic(m.to_vec())).call(t64(&x[..3]))),
        host(hessian(Quadratic(m.to_vec())).looped().call(t64(&x[..3]))),
        "hessian(Quadratic)",
    );
}

/// `jacrev`, `jacfwd` and `hessian` over trees, batched, against the looped `jacrev`, leaves of
/// rank 1 and 2 on both sides (tolerance as in `jacrev_and_hessian_equal_their_looped_oracles`).
#[test]
fn jacrev_and_hessian_over_trees_equal_their_looped_oracles() {
    let tol = Tolerance::F64_REORDERED;
    let x = [0.3, -0.5, 0.8, 1.1, -0.2, 0.4, 0.7, -0.9, 0.25];
    let batched = layer_rows(jacrev(Layer).call(layer_in(&x)));
    let looped = layer_rows(jacrev(Layer).looped().call(layer_in(&x)));
    assert_eq!((batched.len(), looped.len()), (8, 8));
    for (i, (b, l)) in batched.into_iter().zip(&looped).enumerate() {
        for (j, (g, w)) in b.into_iter().zip(l).enumerate() {
            assert!(
                tol.accepts(g, *w),
                "jacrev row {i} entry {j}: batched {g}, looped {w}"
            );
        }
    }
    assert_jacfwd_equals(&x, &looped, tol, "looped jacrev");
    let pair = (t64(&x[..2]), t64(&x[2..5]));
    let batched = pair_rows(hessian(MixedPair).call(pair.clone()));
    let looped = pair_rows(hessian(MixedPair).looped().call(pair));
    assert_eq!((batched.len(), looped.len()), (5, 5));
    for (i, (b, l)) in batched.into_iter().zip(looped).enumerate() {
        for (j, (g, w)) in b.into_iter().zip(l).enumerate() {
            assert!(
                tol.accepts(g, w),
                "hessian row {i} entry {j}: batched {g}, looped {w}"
            );
        }
    }
}

/// The batched Jacobians where the gradient is absent: a constant function, an input leaf the
/// function ignores, an output leaf that does not depend on the input, and leaves with no
/// scalars. Absent gradients are unbatched zeros that must be broadcast to every row.
#[test]
fn batched_jacobians_broadcast_absent_gradients_and_skip_empty_leaves() {
    let x = [0.3, -0.7, 1.1];
    assert_eq!(host(jacrev(Constant).call(t64(&x))), vec![0.0; 3]);
    assert_eq!(host(jacfwd(Constant).call(t64(&x))), vec![0.0; 3]);

    /// (a, b) -> (2a, [5]): b unused, the second output constant.
    struct Ignores;
    impl Function for Ignores {
        type In = (Leaf<1>, Leaf<1>);
        type Out = (Leaf<1>, Leaf<1>);
        fn call<Bk: Backend>(
            &self,
            (a, _b): (Tensor<Bk, 1>, Tensor<Bk, 1>),
        ) -> (Tensor<Bk, 1>, Tensor<Bk, 1>) {
            (a.clone().mul_scalar(2.0), a.sum().zeros_like().add_scalar(5.0))
        }
    }
    // Ignores' Jacobian as rows over (a, b), from JAX's blocks ((dy/da, dy/db), (dc/da, dc/db)).
    type Blocks = ((Tensor<B, 2>, Tensor<B, 2>), (Tensor<B, 2>, Tensor<B, 2>));
    let rows = |((ya, yb), (ca, cb)): Blocks, n_b: usize| {
        rows_of(
            &[vec![host(ya), host(yb)], vec![host(ca), host(cb)]],
            &[2, 1],
            &[2, n_b],
        )
    };
    let input = || (t64(&x[..2]), t64(&x[2..]));
    let reverse = rows(jacrev(Ignores).call(input()), 1);
    assert_eq!(reverse.len(), 3);
    let want_a = [[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]];
    for (i, row) in reverse.into_iter().enumerate() {
        assert_eq!(
            (row[..2].to_vec(), row[2..].to_vec()),
            (want_a[i].to_vec(), vec![0.0]),
            "row {i}"
        );
    }
    // Column j of the forward-mode Jacobian: (dy / d in_j, dc / d in_j).
    let forward = rows(jacfwd(Ignores).call(input()), 1);
    let want_y = [[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]];
    for j in 0..3 {
        let (dy, dc) = (vec![forward[0][j], forward[1][j]], vec![forward[2][j]]);
        assert_eq!((dy, dc), (want_y[j].to_vec(), vec![0.0]), "column {j}");
    }

    // An empty leaf on either side: no rows or columns for it, the others as without it.
    let empty = || (t64(&x[..2]), t64(&[]));
    let jac = jacrev(Ignores).call(empty());
    assert_eq!(jac.0 .1.dims(), [2, 0]);
    let reverse = rows(jac, 0);
    assert_eq!(reverse.len(), 3);
    assert_eq!(reverse[1], vec![0.0, 2.0]);
    let forward = rows(jacfwd(Ignores).call(empty()), 0);
    assert_eq!(forward[0].len(), 2, "two columns");
    assert_eq!(vec![forward[0][1], forward[1][1]], vec![0.0, 2.0]);
}

/// Output leaves with no scalars: the Jacobian has no rows for them, in every mode, and the
/// other output's rows are as without them. `Nothing` has no output scalar at all (no pass
/// runs); `Partly` pairs `2a` with an empty leaf.
#[test]
fn jacobians_of_outputs_with_no_scalars_have_no_rows() {
    /// a -> an empty vector (Burn cannot narrow to length 0).
    struct Nothing;
    impl Function for Nothing {
        type In = Leaf<1>;
        type Out = Leaf<1>;
        fn call<Bk: Backend>(&self, a: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
            Tensor::empty([0], (&a.device(), a.dtype()))
        }
    }
    /// a -> (2a, an empty vector).
    struct Partly;
    impl Function for Partly {
        type In = Leaf<1>;
        type Out = (Leaf<1>, Leaf<1>);
        fn call<Bk: Backend>(&self, a: Tensor<Bk, 1>) -> (Tensor<Bk, 1>, Tensor<Bk, 1>) {
            let empty = Tensor::empty([0], (&a.device(), a.dtype()));
            (a.mul_scalar(2.0), empty)
        }
    }
    let x = [0.3, -0.7, 1.1];
    for (mode, jac) in [
        ("jacrev", jacrev(Nothing).call(t64(&x))),
        ("looped jacrev", jacrev(Nothing).looped().call(t64(&x))),
        ("jacfwd", jacfwd(Nothing).call(t64(&x))),
    ] {
        assert_eq!(jac.dims(), [0, 3], "{mode}");
    }
    let two = [2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0];
    for (mode, (y, e)) in [
        ("jacrev", jacrev(Partly).call(t64(&x))),
        ("looped jacrev", jacrev(Partly).looped().call(t64(&x))),
        ("jacfwd", jacfwd(Partly).call(t64(&x))),
    ] {
        assert_eq!((y.dims(), e.dims()), ([3, 3], [0, 3]), "{mode}");
        assert_eq!(host(y), two, "{mode}");
    }
}

/// `vmap` of `hessian`: per-example Hessians (the batched Jacobian inside a vmapped function,
/// two `Batched` levels) against a loop of looped Hessians.
#[test]
fn vmap_of_hessian_gives_per_example_hessians() {
    let xs = [
        [0.3, -0.7, 1.1, 0.2],
        [-0.4, 0.9, 0.05, -1.3],
        [1.2, 0.1, -0.6, 0.8],
    ];
    let flat: Vec<f64> = xs.iter().flatten().copied().collect();
    let batch = t64(&flat).reshape([3, 4]);
    let got = host(burnax::vmap(hessian(Mixed)).call(batch));
    let want: Vec<f64> = xs
        .iter()
        .flat_map(|x| host(hessian(Mixed).looped().call(t64(x))))
        .collect();
    assert_eq!(got.len(), 48);
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            Tolerance::F64_REORDERED.accepts(*g, *w),
            "entry {k}: vmap(hessian) {g}, loop {w}"
        );
    }
}

/// The batched `jacrev` in `f32` against its looped oracle.
#[test]
fn batched_jacrev_in_f32() {
    let x = Tensor::<B, 1>::from_floats([0.3, -0.7, 1.1, 0.2], &Default::default());
    let got: Vec<f32> = jacrev(Vector).call(x.clone()).into_data().to_vec().unwrap();
    let want: Vec<f32> = jacrev(Vector).looped().call(x).into_data().to_vec().unwrap();
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            Tolerance::F32_REORDERED.accepts(*g as f64, *w as f64),
            "entry {k}: batched {g}, looped {w}"
        );
    }
}

/// A one-layer loss through Burn's `Linear`: its weights from fixed numbers, on any backend.
struct LinearLoss {
    burn_forward: bool,
}
impl Function for LinearLoss {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        let (device, dtype) = (x.device(), x.dtype());
        let w: Vec<f64> = (0..6).map(|i| ((i as f64) * 0.7).sin()).collect();
        let layer = burn::nn::Linear {
            weight: burn::module::Param::from_tensor(Tensor::from_data(
                TensorData::new(w, [3, 2]),
                (&device, dtype),
            )),
            bias: Some(burn::module::Param::from_tensor(Tensor::from_data(
                TensorData::new(vec![0.1, -0.2], [2]),
                (&device, dtype),
            ))),
        };
        let x = x.reshape([1, 3]);
        let y = if self.burn_forward {
            layer.forward(x)
        } else {
            burnax::grad::linear(&layer, x)
        };
        y.tanh().square().sum()
    }
}

/// Burn cannot differentiate its fused `linear` twice; `grad::linear` can, and equals Burn's
/// forward and first derivative.
#[test]
fn second_order_through_a_linear_layer_needs_grad_linear() {
    let x = [0.4, -0.3, 0.9];
    let ours = LinearLoss { burn_forward: false };
    let burns = LinearLoss { burn_forward: true };
    check_grads(&ours, &x, 2);
    let (v1, g1) = value_and_grad(&ours).call(t64(&x));
    let (v2, g2) = value_and_grad(&burns).call(t64(&x));
    let tol = Tolerance::F64_REORDERED;
    for (a, b) in host(v1)
        .into_iter()
        .chain(host(g1))
        .zip(host(v2).into_iter().chain(host(g2)))
    {
        assert!(tol.accepts(a, b), "grad::linear {a}, Burn's forward {b}");
    }
    let second = std::panic::catch_unwind(|| hessian(LinearLoss { burn_forward: true }).call(t64(&x)));
    let msg = *second
        .expect_err("Burn 0.21 cannot differentiate linear's backward; if it can now, update the grad docs")
        .downcast::<&str>()
        .unwrap();
    assert!(msg.contains("Can't differentiate linear"), "{msg}");
}

/// `(W [2, 3], x [3]) -> (tanh(W x) [2], aux)`, the aux being `sum(x)`: for `.has_aux()` and
/// `.argnums(..)` on every member of the family.
struct LayerWithAux;
impl Function for LayerWithAux {
    type In = (Leaf<2>, Leaf<1>);
    type Out = (Leaf<1>, Leaf<1>);
    fn call<Bk: Backend>(&self, (w, x): (Tensor<Bk, 2>, Tensor<Bk, 1>)) -> (Tensor<Bk, 1>, Tensor<Bk, 1>) {
        (Layer.call((w, x.clone())).0, x.sum())
    }
}

/// `LayerWithAux`'s first output alone.
struct LayerTanh;
impl Function for LayerTanh {
    type In = (Leaf<2>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: (Tensor<Bk, 2>, Tensor<Bk, 1>)) -> Tensor<Bk, 1> {
        LayerWithAux.call(x).0
    }
}

/// `sum(tanh(W x)^2)`, with `sum(x)` as aux: a scalar for `grad` and `hessian`.
struct LossWithAux;
impl Function for LossWithAux {
    type In = (Leaf<2>, Leaf<1>);
    type Out = (Leaf<1>, Leaf<1>);
    fn call<Bk: Backend>(&self, x: (Tensor<Bk, 2>, Tensor<Bk, 1>)) -> (Tensor<Bk, 1>, Tensor<Bk, 1>) {
        let (y, aux) = LayerWithAux.call(x);
        (y.square().sum(), aux)
    }
}

/// `LossWithAux`'s scalar alone.
struct Loss;
impl Function for Loss {
    type In = (Leaf<2>, Leaf<1>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: (Tensor<Bk, 2>, Tensor<Bk, 1>)) -> Tensor<Bk, 1> {
        LossWithAux.call(x).0
    }
}

fn pair(v: &[f64]) -> (Tensor<B, 2>, Tensor<B, 1>) {
    (t64_2(&v[..6], 2), t64(&v[6..]))
}

const AT: [f64; 9] = [0.3, -0.5, 0.8, 1.1, -0.2, 0.4, 0.7, -0.9, 0.25];

/// `.has_aux()` returns `f`'s aux beside the result, and the result is that of `f` without it:
/// grad, value_and_grad, vjp, jvp, jacrev, jacfwd, hessian (the same operations in the same
/// order, so exactly equal).
#[test]
fn has_aux_carries_the_aux_out_and_differentiates_the_rest() {
    let aux = host(LossWithAux.call(pair(&AT)).1);
    let ((dw, dx), a) = grad(LossWithAux).has_aux().call(pair(&AT));
    let (want_w, want_x) = grad(Loss).call(pair(&AT));
    assert_eq!(
        (host(dw), host(dx), host(a)),
        (host(want_w), host(want_x), aux.clone())
    );

    let ((loss, a), (dw, _)) = value_and_grad(LossWithAux).has_aux().call(pair(&AT));
    let (want_loss, (want_w, _)) = value_and_grad(Loss).call(pair(&AT));
    assert_eq!(
        (host(loss), host(dw), host(a)),
        (host(want_loss), host(want_w), aux.clone())
    );

    let v = t64(&[0.5, -1.5]);
    let ((y, (vw, vx)), a) = vjp(LayerWithAux).has_aux().call((pair(&AT), v.clone()));
    let (want_y, (want_vw, want_vx)) = vjp(LayerTanh).call((pair(&AT), v));
    assert_eq!(
        (host(y.clone()), host(vw), host(vx)),
        (host(want_y), host(want_vw), host(want_vx))
    );
    assert_eq!(host(a), aux);

    let t = pair(&[1.0, 0.5, -0.5, 0.25, 2.0, -1.0, 0.5, 1.5, -0.25]);
    let ((y2, jt), a) = jvp(LayerWithAux).has_aux().call((pair(&AT), t.clone()));
    let (_, want_jt) = jvp(LayerTanh).call((pair(&AT), t));
    assert_eq!(
        (host(y2), host(jt), host(a)),
        (host(y), host(want_jt), aux.clone())
    );

    let ((jw, jx), a) = jacrev(LayerWithAux).has_aux().call(pair(&AT));
    let (want_w, want_x) = jacrev(LayerTanh).call(pair(&AT));
    assert_eq!(
        (host(jw), host(jx), host(a)),
        (host(want_w), host(want_x), aux.clone())
    );

    let ((jw, jx), a) = jacfwd(LayerWithAux).has_aux().call(pair(&AT));
    let (want_w, want_x) = jacfwd(LayerTanh).call(pair(&AT));
    assert_eq!(
        (host(jw), host(jx), host(a)),
        (host(want_w), host(want_x), aux.clone())
    );

    let (((hww, hwx), (hxw, hxx)), a) = hessian(LossWithAux).has_aux().call(pair(&AT));
    let ((ww, wx), (xw, xx)) = hessian(Loss).call(pair(&AT));
    assert_eq!(
        (host(hww), host(hwx), host(hxw), host(hxx), host(a)),
        (host(ww), host(wx), host(xw), host(xx), aux)
    );
}

/// `.argnums(&[1])` on the Jacobians and the Hessian: the blocks of the selected element equal
/// the full result's, the others are zeros of JAX's shapes.
#[test]
fn argnums_on_jacobians_and_hessians_zero_the_other_blocks() {
    let zeros = |t: Vec<f64>| t.iter().all(|&v| v == 0.0) && !t.is_empty();
    let (full_w, full_x) = jacrev(LayerTanh).call(pair(&AT));
    let tol = Tolerance::F64_REORDERED;
    for (name, (jw, jx)) in [
        ("jacrev", jacrev(LayerTanh).argnums(&[1]).call(pair(&AT))),
        ("jacfwd", jacfwd(LayerTanh).argnums(&[1]).call(pair(&AT))),
    ] {
        assert_eq!(
            (jw.dims(), jx.dims()),
            ([2, 2, 3], [2, 3]),
            "{name}: JAX's shapes"
        );
        assert!(zeros(host(jw)), "{name}: d y / d W not asked for");
        for (g, w) in host(jx).iter().zip(host(full_x.clone())) {
            assert!(
                tol.accepts(*g, w),
                "{name}: d y / d x {g} vs the full Jacobian's {w}"
            );
        }
    }
    assert!(!zeros(host(full_w)), "the full Jacobian has a W block");
    let ((ww, wx), (xw, xx)) = hessian(Loss).argnums(&[1]).call(pair(&AT));
    let (_, (_, want_xx)) = hessian(Loss).call(pair(&AT));
    assert!(
        zeros(host(ww)) && zeros(host(wx)) && zeros(host(xw)),
        "blocks in W not asked for"
    );
    assert_eq!(host(xx), host(want_xx));
}

/// The Jacobian of a function of a matrix has the input's axes after the output's (JAX's
/// layout), and matches central differences entry by entry, by both modes.
#[test]
fn jacobians_of_a_matrix_input_have_jaxs_layout_and_match_differences() {
    /// W [2, 3] -> tanh(W x) [2] for a fixed x.
    struct OfW;
    impl Function for OfW {
        type In = Leaf<2>;
        type Out = Leaf<1>;
        fn call<Bk: Backend>(&self, w: Tensor<Bk, 2>) -> Tensor<Bk, 1> {
            let x =
                Tensor::<Bk, 1>::from_data(TensorData::new(AT[6..].to_vec(), [3]), (&w.device(), w.dtype()));
            Layer.call((w, x)).0
        }
    }
    let w = &AT[..6];
    let rev = jacrev(OfW).call(t64_2(w, 2));
    let fwd = jacfwd(OfW).call(t64_2(w, 2));
    assert_eq!((rev.dims(), fwd.dims()), ([2, 2, 3], [2, 2, 3]));
    let (rev, fwd) = (host(rev), host(fwd));
    let h = 1e-6;
    for j in 0..6 {
        let at = |s: f64| {
            let mut p = w.to_vec();
            p[j] += s;
            host(OfW.call(t64_2(&p, 2)))
        };
        let (plus, minus) = (at(h), at(-h));
        for i in 0..2 {
            let want = (plus[i] - minus[i]) / (2.0 * h);
            let (r, f) = (rev[i * 6 + j], fwd[i * 6 + j]);
            assert!(
                Tolerance::CENTRAL_DIFF_F64.accepts(r, want) && Tolerance::CENTRAL_DIFF_F64.accepts(f, want),
                "d y_{i} / d W.flat[{j}]: jacrev {r}, jacfwd {f}, central difference {want}"
            );
        }
    }
}

/// `x / c` for a scalar `c`.
struct DivByThree;
impl Function for DivByThree {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, x: Tensor<Bk, 1>) -> Tensor<Bk, 1> {
        (x / 3.0).sum()
    }
}

/// Burn 0.21's autodiff computes the backward of `div_scalar` as the product with `1 / c` taken
/// in f32 (burn-autodiff's `ops/tensor.rs`, `DivScalar`), so an f64 derivative through it is
/// off by f32's rounding of `1 / c`. The tightened central-difference tolerance found it; the
/// tests' functions multiply by `1 / c` instead. If this fails, Burn fixed it: drop the note in
/// `Mixed`.
#[test]
fn burns_div_scalar_backward_rounds_to_f32() {
    let g = host(grad(DivByThree).call(t64(&[0.5, 2.0])));
    let exact = 1.0 / 3.0;
    let f32_rounded = (1.0f32 / 3.0f32) as f64;
    assert_eq!(g, vec![f32_rounded; 2], "the f32 reciprocal");
    assert!(
        !Tolerance::CENTRAL_DIFF_F64.accepts(g[0], exact),
        "an error check_grads sees"
    );
}
