//! Gradients with respect to trees of tensors, `argnums` and `has_aux`, against closed forms
//! and central differences.

use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use burnax::tree::Leaf;
use burnax::{jacfwd, jacrev, value_and_grad, Function};
use burnax_testing::Tolerance;

type B = Flex;

fn t64<const D: usize>(v: &[f64], shape: [usize; D]) -> Tensor<B, D> {
    Tensor::from_data(
        TensorData::new(v.to_vec(), shape),
        (&Default::default(), DType::F64),
    )
}

fn host<const D: usize>(t: Tensor<B, D>) -> Vec<f64> {
    t.into_data().convert::<f64>().into_vec().unwrap()
}

const X: [f64; 6] = [0.5, -1.0, 2.0, 0.3, 1.5, -0.2]; // 3 examples x 2 features
const Y: [f64; 3] = [1.0, -2.0, 0.5];

/// Least squares sum((X w + b - Y)^2) in (w: [2, 1], b: [1]); aux: the residuals.
struct LeastSquares;
impl Function for LeastSquares {
    type In = (Leaf<2>, Leaf<1>);
    type Out = (Leaf<1>, Leaf<2>);
    fn call<Bk: Backend>(&self, (w, b): (Tensor<Bk, 2>, Tensor<Bk, 1>)) -> (Tensor<Bk, 1>, Tensor<Bk, 2>) {
        let (d, dt) = (w.device(), w.dtype());
        let x = Tensor::<Bk, 2>::from_data(TensorData::new(X.to_vec(), [3, 2]), (&d, dt));
        let y = Tensor::<Bk, 2>::from_data(TensorData::new(Y.to_vec(), [3, 1]), (&d, dt));
        let r = x.matmul(w) + b.unsqueeze() - y;
        (r.clone().square().sum(), r)
    }
}

fn closed_form(w: [f64; 2], b: f64) -> (f64, Vec<f64>, [f64; 2], f64) {
    let r: Vec<f64> = (0..3)
        .map(|i| X[2 * i] * w[0] + X[2 * i + 1] * w[1] + b - Y[i])
        .collect();
    let loss = r.iter().map(|v| v * v).sum();
    let dw = [
        (0..3).map(|i| 2.0 * r[i] * X[2 * i]).sum(),
        (0..3).map(|i| 2.0 * r[i] * X[2 * i + 1]).sum(),
    ];
    let db = r.iter().map(|v| 2.0 * v).sum();
    (loss, r, dw, db)
}

#[test]
fn tuple_input_with_aux_matches_the_closed_form() {
    let (w, b) = ([0.7, -0.4], 0.25);
    let ((loss, aux), (dw, db)) = value_and_grad(&LeastSquares)
        .has_aux()
        .call((t64(&w, [2, 1]), t64(&[b], [1])));
    let (want_loss, want_r, want_dw, want_db) = closed_form(w, b);
    let tol = Tolerance {
        rtol: 1e-12,
        atol: 1e-12,
    };
    assert!(tol.accepts(host(loss)[0], want_loss));
    for (g, w) in host(aux).iter().zip(&want_r) {
        assert!(tol.accepts(*g, *w), "aux {g} vs {w}");
    }
    for (g, w) in host(dw).iter().zip(want_dw) {
        assert!(tol.accepts(*g, w), "dw {g} vs {w}");
    }
    assert!(tol.accepts(host(db)[0], want_db));
}

#[test]
fn argnums_selects_top_level_elements() {
    let (w, b) = ([0.7, -0.4], 0.25);
    let x = || (t64(&w, [2, 1]), t64(&[b], [1]));
    let (_, (dw, db)) = value_and_grad(&LeastSquares).has_aux().argnums(&[1]).call(x());
    assert_eq!(host(dw), vec![0.0, 0.0], "w not selected: zeros");
    assert!(Tolerance::F64_REORDERED.accepts(host(db)[0], closed_form(w, b).3));
    let (_, (dw, db)) = value_and_grad(&LeastSquares).has_aux().argnums(&[0]).call(x());
    assert_eq!(host(db), vec![0.0]);
    assert!(Tolerance::F64_REORDERED.accepts(host(dw)[1], closed_form(w, b).2[1]));
}

#[test]
#[should_panic(expected = "argnums position 2 is out of range for an input with 2 top-level elements")]
fn argnums_out_of_range_panics_naming_it() {
    value_and_grad(&LeastSquares)
        .has_aux()
        .argnums(&[0, 2])
        .call((t64(&[0.0, 0.0], [2, 1]), t64(&[0.0], [1])));
}

/// sum_i c_i * sum(v_i^2) over a Vec of vectors of different lengths, and an optional bias.
struct Weighted;
impl Function for Weighted {
    type In = (Vec<Leaf<1>>, Option<Leaf<1>>);
    type Out = Leaf<1>;
    fn call<Bk: Backend>(&self, (vs, bias): (Vec<Tensor<Bk, 1>>, Option<Tensor<Bk, 1>>)) -> Tensor<Bk, 1> {
        let mut total = vs[0].clone().sum().mul_scalar(0.0);
        for (i, v) in vs.into_iter().enumerate() {
            total = total + v.square().sum().mul_scalar((i + 1) as f64);
        }
        if let Some(b) = bias {
            total = total + b.exp().sum();
        }
        total
    }
}

#[test]
fn vec_and_option_trees() {
    let vs = vec![
        t64(&[1.0, 2.0], [2]),
        t64(&[3.0], [1]),
        t64(&[-1.0, 0.5, 2.0], [3]),
    ];
    let (loss, (g, gb)) = value_and_grad(&Weighted).call((vs.clone(), Some(t64(&[0.0], [1]))));
    assert_eq!(host(loss), vec![5.0 + 2.0 * 9.0 + 3.0 * 5.25 + 1.0]);
    assert_eq!(host(g[0].clone()), vec![2.0, 4.0]);
    assert_eq!(host(g[1].clone()), vec![12.0]);
    assert_eq!(host(g[2].clone()), vec![-6.0, 3.0, 12.0]);
    assert_eq!(host(gb.unwrap()), vec![1.0]);
    let (_, (_, gb)) = value_and_grad(&Weighted).call((vs, None));
    assert!(gb.is_none());
}

/// (vs, bias) -> ((i + 1) vs_i for each i, exp(bias)): Vec and Option trees on both sides of a
/// Jacobian.
struct Scaled;
impl Function for Scaled {
    type In = (Vec<Leaf<1>>, Option<Leaf<1>>);
    type Out = (Vec<Leaf<1>>, Option<Leaf<1>>);
    fn call<Bk: Backend>(
        &self,
        (vs, bias): (Vec<Tensor<Bk, 1>>, Option<Tensor<Bk, 1>>),
    ) -> (Vec<Tensor<Bk, 1>>, Option<Tensor<Bk, 1>>) {
        let scaled = vs
            .into_iter()
            .enumerate()
            .map(|(i, v)| v.mul_scalar((i + 1) as f64));
        (scaled.collect(), bias.map(|b| b.exp()))
    }
}

/// The Jacobian of `Scaled` in JAX's layout: one input tree of blocks per output leaf, a
/// block `[len_out, len_in]`: `(i + 1) I` on the diagonal of the Vec, `diag(exp(bias))` for
/// the bias, zeros across; `None` where the bias is absent.
#[test]
fn jacobians_over_vec_and_option_trees() {
    let vs = vec![t64(&[1.0, 2.0], [2]), t64(&[3.0], [1])];
    let bias = t64(&[0.0, 2.0_f64.ln()], [2]);
    for (mode, (dv, db)) in [
        ("jacrev", jacrev(Scaled).call((vs.clone(), Some(bias.clone())))),
        ("jacfwd", jacfwd(Scaled).call((vs.clone(), Some(bias.clone())))),
    ] {
        assert_eq!(dv.len(), 2, "{mode}: a row of blocks per Vec output");
        let (dv0, dv1) = (&dv[0], &dv[1]);
        assert_eq!(host(dv0.0[0].clone()), vec![1.0, 0.0, 0.0, 1.0], "{mode}");
        assert_eq!(host(dv0.0[1].clone()), vec![0.0, 0.0], "{mode}");
        assert_eq!(host(dv0.1.clone().unwrap()), vec![0.0; 4], "{mode}");
        assert_eq!(host(dv1.0[0].clone()), vec![0.0, 0.0], "{mode}");
        assert_eq!(host(dv1.0[1].clone()), vec![2.0], "{mode}");
        assert_eq!(host(dv1.1.clone().unwrap()), vec![0.0, 0.0], "{mode}");
        let (db_v, db_b) = db.expect("a bias block");
        assert_eq!(db_v[0].dims(), [2, 2], "{mode}");
        assert_eq!(host(db_v[1].clone()), vec![0.0, 0.0], "{mode}");
        let two = 2.0_f64.ln().exp(); // exp(bias_1) on this host
        assert_eq!(host(db_b.unwrap()), vec![1.0, 0.0, 0.0, two], "{mode}");
    }
    let (dv, db) = jacrev(Scaled).call((vs, None));
    assert!(db.is_none() && dv.iter().all(|row| row.1.is_none()));
    assert_eq!(host(dv[1].0[1].clone()), vec![2.0]);
}
