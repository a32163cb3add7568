//! [`check_grads`]: derivatives against central differences, as `jax.test_util.check_grads`.

use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use burnax::random;
use burnax::tree::Leaf;
use burnax::{grad, Function};

use crate::Tolerance;

/// Step of the five-point central difference (in `f64`).
pub const EPS: f64 = 1e-3;

/// `x -> <grad f(x), v>`: the directional derivative, a scalar function again.
struct Directional<F> {
    f: F,
    v: Vec<f64>,
}

impl<F: Function<In = Leaf<1>, Out = Leaf<1>>> Function for Directional<F> {
    type In = Leaf<1>;
    type Out = Leaf<1>;
    fn call<B: Backend>(&self, x: Tensor<B, 1>) -> Tensor<B, 1> {
        let v = Tensor::<B, 1>::from_data(
            TensorData::new(self.v.clone(), [self.v.len()]),
            (&x.device(), x.dtype()),
        );
        (grad(&self.f).call(x) * v).sum()
    }
}

fn tensor(v: &[f64]) -> Tensor<Flex, 1> {
    Tensor::from_data(
        TensorData::new(v.to_vec(), [v.len()]),
        (&Default::default(), DType::F64),
    )
}

fn scalar(t: Tensor<Flex, 1>) -> f64 {
    t.into_data().convert::<f64>().into_vec::<f64>().expect("f64")[0]
}

fn direction(n: usize, seed: u32) -> Vec<f64> {
    let v = random::normal::<Flex, 1>(random::fold_in(random::key(0), seed), [n], &Default::default());
    v.into_data().convert::<f64>().into_vec::<f64>().expect("f64")
}

/// Checks the first derivative of scalar `f` at `x` along 3 random directions `v`:
/// `<grad f(x), v>` against the five-point central difference
/// `(f(x - 2h v) - 8 f(x - h v) + 8 f(x + h v) - f(x + 2h v)) / (12 h)`, whose truncation error is
/// `h^4 / 30` times the fifth directional derivative (`3e-14` of it at `h = 1e-3`) and rounding
/// error about `1e-16 |f| / h`: both far inside [`Tolerance::CENTRAL_DIFF_F64`].
#[track_caller]
fn check_first<F: Function<In = Leaf<1>, Out = Leaf<1>>>(f: &F, x: &[f64], tol: Tolerance, what: &str) {
    for s in 0..3 {
        let v = direction(x.len(), s);
        let at = |k: f64| {
            let p: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + k * EPS * b).collect();
            scalar(f.call(tensor(&p)))
        };
        let numeric = (at(-2.0) - 8.0 * at(-1.0) + 8.0 * at(1.0) - at(2.0)) / (12.0 * EPS);
        let g = grad(f).call(tensor(x));
        let analytic = scalar((g * tensor(&v)).sum());
        assert!(
            tol.accepts(analytic, numeric),
            "check_grads {what}: direction {s}: reverse mode {analytic}, central difference {numeric}"
        );
    }
}

/// Checks the derivatives of a scalar function `f: [n] -> [1]` at `x` up to `order` (1 to 3)
/// against central differences along random directions, in `f64` on `Flex`: order 1 checks
/// `grad f`, order 2 the directional derivative `<grad f, v>` (so `grad(grad ..)`), order 3 that
/// of `<grad <grad f, v>, u>`.
///
/// # Panics
/// If a derivative is outside [`Tolerance::CENTRAL_DIFF_F64`], naming the order, the direction
/// and both values; or if `order` is not 1, 2 or 3.
#[track_caller]
pub fn check_grads<F: Function<In = Leaf<1>, Out = Leaf<1>>>(f: &F, x: &[f64], order: usize) {
    let tol = Tolerance::CENTRAL_DIFF_F64;
    assert!(
        (1..=3).contains(&order),
        "check_grads: order must be 1, 2 or 3, got {order}"
    );
    check_first(f, x, tol, "order 1");
    if order >= 2 {
        let d1 = Directional {
            f,
            v: direction(x.len(), 10),
        };
        check_first(&d1, x, tol, "order 2");
        if order >= 3 {
            let d2 = Directional {
                f: d1,
                v: direction(x.len(), 11),
            };
            check_first(&d2, x, tol, "order 3");
        }
    }
}
