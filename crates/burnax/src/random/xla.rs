//! XLA's CPU `f32` math, reproduced with tensor operations so that [`normal`](super::normal)
//! matches `jax.random.normal` bit for bit: fused multiply-adds, `log`, `log1p` and the inverse
//! error function with their polynomials.

use burn::prelude::*;
use burn::tensor::FloatDType;

/// An operand of [`fma`]: a tensor or a constant.
enum Term<B: Backend, const D: usize> {
    Tensor(Tensor<B, D>),
    Constant(f32),
}

impl<B: Backend, const D: usize> From<Tensor<B, D>> for Term<B, D> {
    fn from(t: Tensor<B, D>) -> Self {
        Term::Tensor(t)
    }
}

impl<B: Backend, const D: usize> From<f32> for Term<B, D> {
    fn from(c: f32) -> Self {
        Term::Constant(c)
    }
}

/// `a * b + c` rounded once to `f32`, as the fused multiply-adds XLA's CPU code uses: the product
/// of two `f32` is exact in `f64`, so only the sum rounds there before the final rounding (a
/// double rounding that the fixture test shows never bites on JAX's values).
fn fma<B: Backend, const D: usize>(
    a: Tensor<B, D>,
    b: impl Into<Term<B, D>>,
    c: impl Into<Term<B, D>>,
) -> Tensor<B, D> {
    let a = a.cast(FloatDType::F64);
    let product = match b.into() {
        Term::Tensor(b) => a * b.cast(FloatDType::F64),
        Term::Constant(b) => a.mul_scalar(b as f64),
    };
    let sum = match c.into() {
        Term::Tensor(c) => product + c.cast(FloatDType::F64),
        Term::Constant(c) => product.add_scalar(c as f64),
    };
    sum.cast(FloatDType::F32)
}

/// Horner's rule with fused steps, from the highest coefficient.
fn horner<B: Backend, const D: usize>(x: &Tensor<B, D>, coefficients: &[f32]) -> Tensor<B, D> {
    let mut p = x.zeros_like().add_scalar(coefficients[0]);
    for &c in &coefficients[1..] {
        p = fma(p, x.clone(), c);
    }
    p
}

/// XLA's single-precision natural log on the CPU (Eigen's `plog_float`, Cephes' polynomial), for
/// `y` in `[2^-30, 2^30]`: `y = m 2^e`, `m` in `[sqrt(1/2), sqrt(2))`, `log(y) = log(m) + e ln 2`
/// with `ln 2` split in two. Written as tensor operations (Burn has no bit casts): the exponent
/// comes from a float estimate, corrected by exact scalings by 2.
#[allow(clippy::excessive_precision)] // Cephes' constants, verbatim
fn xla_log<B: Backend, const D: usize>(y: Tensor<B, D>) -> Tensor<B, D> {
    // frexp: m in [0.5, 1). The estimate is off by at most one near powers of two.
    let e = y
        .clone()
        .log()
        .div_scalar(std::f32::consts::LN_2)
        .floor()
        .add_scalar(1.0);
    let k = e.clone().int();
    let pow2 = |k: Tensor<B, D, Int>| k.ones_like().bitwise_left_shift(k).float();
    let (up, down) = (k.clone().neg().clamp_min(0), k.clamp_min(0));
    let m = y * pow2(up) / pow2(down);
    let (high, low) = (m.clone().greater_equal_elem(1.0), m.clone().lower_elem(0.5));
    let m = m.clone().mask_where(high.clone(), m.clone().mul_scalar(0.5));
    let m = m.clone().mask_where(low.clone(), m.mul_scalar(2.0));
    let e = e.clone().mask_where(high, e.clone().add_scalar(1.0));
    let e = e.clone().mask_where(low, e.sub_scalar(1.0));
    // Eigen: below sqrt(1/2), use 2m - 1 and e - 1.
    let below = m.clone().lower_elem(std::f32::consts::FRAC_1_SQRT_2);
    let x = m.clone().sub_scalar(1.0);
    let x = x.clone().mask_where(below.clone(), x + m);
    let e = e.clone().mask_where(below, e.sub_scalar(1.0));
    const P: [f32; 9] = [
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    ];
    let x2 = x.clone() * x.clone();
    let x3 = x2.clone() * x.clone();
    // The polynomial in three interleaved parts, as Eigen evaluates it.
    let y = fma(x.clone(), P[0], P[1]);
    let y1 = fma(x.clone(), P[3], P[4]);
    let y2 = fma(x.clone(), P[6], P[7]);
    let y = fma(y, x.clone(), P[2]);
    let y1 = fma(y1, x.clone(), P[5]);
    let y2 = fma(y2, x.clone(), P[8]);
    let y = fma(y, x3.clone(), y1);
    let y = fma(y, x3.clone(), y2) * x3;
    // + e ln2 with ln2 = 0.693359375 - 2.12194440e-4 (Cephes' split), and - x^2 / 2.
    let y = fma(e.clone(), -2.12194440e-4, y);
    let x = fma(x2, -0.5, x) + y;
    fma(e, 0.693359375, x)
}

/// XLA's single-precision `log1p` on the CPU, which `jax.random.normal` goes through: for
/// `|x| < sqrt(2) - 1` Cephes' rational approximation, `x - x^2/2 + x^3 P(x)/Q(x)`, otherwise
/// `log(1 + x)` with [`xla_log`]. The backend's own `log1p` is correctly rounded more often, and
/// differs from JAX's by an ulp on about one value in seven.
pub(super) fn xla_log1p<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    #[allow(clippy::excessive_precision)]
    const DEN: [f32; 7] = [
        1.0,
        1.5062909083469192043167e1,
        8.3047565967967209469434e1,
        2.2176239823732856465394e2,
        3.0909872225312059774938e2,
        2.1642788614495947685003e2,
        6.0118660497603843919306e1,
    ];
    #[allow(clippy::excessive_precision)]
    const NUM: [f32; 7] = [
        4.5270000862445199635215e-5,
        4.9854102823193375972212e-1,
        6.5787325942061044846969e0,
        2.9911919328553073277375e1,
        6.0949667980987787057556e1,
        5.7112963590585538103336e1,
        2.0039553499201281259648e1,
    ];
    #[allow(clippy::excessive_precision)]
    let small = x.clone().abs().lower_elem(0.41421356237309504880f32);
    let x2 = x.clone() * x.clone();
    let ratio = horner(&x, &NUM) / horner(&x, &DEN);
    let cubic = (x.clone() * x2.clone()) * ratio;
    let near = x.clone() + fma(x2, -0.5, cubic);
    // The far branch is used where `small` is false; its argument is clamped into `xla_log`'s
    // range (normal draws stay within it: 1 + x >= 2^-24 there).
    let far = xla_log(x.add_scalar(1.0).clamp(2f32.powi(-30), 2f32.powi(30)));
    far.mask_where(small, near)
}

/// XLA's single-precision inverse error function (M. Giles' approximation), as tensor ops, with
/// XLA's own `log1p` inside, so the results are JAX's bit for bit.
pub(super) fn erf_inv<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    // XLA's constants, verbatim (xla/hlo/builder/lib/math.cc, ErfInv32).
    #[allow(clippy::excessive_precision)]
    const SMALL: [f32; 9] = [
        2.81022636e-08,
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    ];
    #[allow(clippy::excessive_precision)]
    const LARGE: [f32; 9] = [
        -0.000200214257,
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    ];
    let w = xla_log1p(x.clone().square().neg()).neg();
    let small = w.clone().lower_elem(5.0);
    let ws = w.clone().sub_scalar(2.5);
    let wl = w.sqrt().sub_scalar(3.0);
    // Horner steps `c + p w` as XLA emits them: fused multiply-adds.
    let (ps, pl) = (horner(&ws, &SMALL), horner(&wl, &LARGE));
    pl.mask_where(small, ps) * x
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;

    use super::*;

    /// XLA's log, emulated, within 2 ulp of the correctly rounded log over its whole range,
    /// including both sides of every power of two (where the exponent estimate is corrected).
    #[test]
    fn xla_log_is_a_log_across_its_range() {
        let mut ys = Vec::new();
        for k in -30..30 {
            let p = 2f32.powi(k);
            ys.extend([
                p,
                f32::from_bits(p.to_bits() - 1),
                f32::from_bits(p.to_bits() + 1),
                p * 1.3,
                p * std::f32::consts::FRAC_1_SQRT_2,
            ]);
        }
        let t = Tensor::<Flex, 1>::from_floats(ys.as_slice(), &Default::default());
        let got = xla_log(t).into_data().to_vec::<f32>().unwrap();
        for (y, g) in ys.iter().zip(got) {
            let want = (*y as f64).ln() as f32;
            let ulps = (g.to_bits() as i64 - want.to_bits() as i64).abs();
            assert!(
                // Near log(1) = 0 ulps are tiny: there 1e-7 absolute, about one ulp of 1.
                ulps <= 2 || (g - want).abs() < 1e-7,
                "log({y}) = {g}, want {want}"
            );
        }
    }
}
