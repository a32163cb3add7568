//! JAX's counter-based PRNG, `threefry2x32`, bit for bit.
//!
//! Keys are split, never mutated: a function that needs randomness takes a [`Key`], and
//! [`split`] or [`fold_in`] derive independent keys from it. The same key always gives the same
//! numbers, on any backend and any machine, and the same numbers as `jax.random` under JAX's
//! defaults (jax 0.10: `jax_threefry_partitionable=True`, 64-bit mode off) for the same key and
//! shape. [`legacy`] reproduces the older non-partitionable stream.
//!
//! ```
//! use burn::backend::Flex;
//! use burnax::random;
//!
//! let key = random::key(0);
//! let [k1, k2]: [random::Key; 2] = random::split(key, 2).try_into().unwrap();
//! let x = random::normal::<Flex, 2>(k1, [3, 4], &Default::default());
//! let u = random::uniform::<Flex, 1>(k2, [5], &Default::default());
//! assert_eq!(x.dims(), [3, 4]);
//! // jax.random.split(jax.random.key(0)) gives the same words.
//! assert_eq!(k1.data(), [1797259609, 2579123966]);
//! ```
//!
//! # Design
//! Keys are two `u32` words on the host: deriving one is a single 20-round hash, far cheaper than
//! a device round trip. Sampling runs as Burn tensor operations on the device: the hash over all
//! counters at once, in 64-bit integer tensors holding 32-bit values (so additions never
//! overflow). The backend's int tensors must therefore support `i64` (`Flex`, `Cuda`).
//!
//! | function | JAX | equality |
//! |---|---|---|
//! | [`key`], [`split`], [`fold_in`], [`bits`], [`uniform`], [`permutation`] | same name | bit for bit (fixture tests) |
//! | [`normal`] | `jax.random.normal` | bit for bit on `Flex` (fixture test): XLA's inverse error function and its CPU `log1p` are reproduced, polynomials and fused multiply-adds included. GPU backends may round `f32` division and `log` differently |

use burn::prelude::*;
use burn::tensor::{DType, FloatDType, TensorData};

const MASK: i64 = 0xffff_ffff;
const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
const PARITY: u32 = 0x1BD1_1BDA;

/// A threefry2x32 key: two 32-bit words (`jax.random.key_data(key)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key([u32; 2]);

impl Key {
    /// A key from its two words, as `jax.random.wrap_key_data` does.
    pub fn from_data(data: [u32; 2]) -> Self {
        Self(data)
    }

    /// The two words of the key.
    pub fn data(&self) -> [u32; 2] {
        self.0
    }
}

/// The key for `seed`, as `jax.random.key(seed)` gives it with 64-bit mode off (JAX's
/// default), where the seed is taken modulo 2^32: words `[0, seed mod 2^32]`.
pub fn key(seed: u64) -> Key {
    Key([0, seed as u32])
}

/// The threefry2x32 hash of one counter pair `x` under `key` (20 rounds), on the host.
pub fn threefry2x32(key: Key, x: [u32; 2]) -> [u32; 2] {
    let [k0, k1] = key.0;
    let ks = [k0, k1, k0 ^ k1 ^ PARITY];
    let (mut a, mut b) = (x[0].wrapping_add(ks[0]), x[1].wrapping_add(ks[1]));
    for g in 0..5 {
        for &r in &ROTATIONS[g % 2] {
            a = a.wrapping_add(b);
            b = b.rotate_left(r) ^ a;
        }
        a = a.wrapping_add(ks[(g + 1) % 3]);
        b = b.wrapping_add(ks[(g + 2) % 3]).wrapping_add(g as u32 + 1);
    }
    [a, b]
}

/// An `i64` int tensor, whatever the backend's default int type.
fn ints<B: Backend, const D: usize>(v: Vec<i64>, shape: [usize; D], device: &B::Device) -> Tensor<B, D, Int> {
    Tensor::from_data(TensorData::new(v, shape), (device, DType::I64))
}

/// A one-element `i64` tensor, broadcast against `[n]` operands. (Scalar int ops convert their
/// operand to the backend's default int type, `i32` on `Flex`, which cannot hold `2^32 - 1`.)
fn c<B: Backend>(v: i64, device: &B::Device) -> Tensor<B, 1, Int> {
    ints(vec![v], [1], device)
}

/// The hash of many counter pairs at once, as tensor ops: inputs and outputs hold 32-bit
/// values in `i64` int tensors of shape `[n]`.
fn threefry_tensor<B: Backend>(
    key: Key,
    x0: Tensor<B, 1, Int>,
    x1: Tensor<B, 1, Int>,
) -> (Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    let device = x0.device();
    let [k0, k1] = key.0;
    let ks = [k0 as i64, k1 as i64, (k0 ^ k1 ^ PARITY) as i64];
    let mask = c::<B>(MASK, &device);
    let wrap = |t: Tensor<B, 1, Int>| t.bitwise_and(mask.clone());
    let mut a = wrap(x0 + c::<B>(ks[0], &device));
    let mut b = wrap(x1 + c::<B>(ks[1], &device));
    for g in 0..5 {
        for &r in &ROTATIONS[g % 2] {
            a = wrap(a + b.clone());
            let left = b.clone().bitwise_left_shift(c::<B>(r as i64, &device));
            let right = b.bitwise_right_shift(c::<B>(32 - r as i64, &device));
            b = wrap(left.bitwise_or(right)).bitwise_xor(a.clone());
        }
        a = wrap(a + c::<B>(ks[(g + 1) % 3], &device));
        b = wrap(b + c::<B>(ks[(g + 2) % 3] + g as i64 + 1, &device));
    }
    (a, b)
}

/// `num` new keys from `key` (`jax.random.split(key, num)`).
pub fn split(key: Key, num: usize) -> Vec<Key> {
    (0..num as u64)
        .map(|i| Key(threefry2x32(key, [(i >> 32) as u32, i as u32])))
        .collect()
}

/// A new key from `key` and an integer (`jax.random.fold_in(key, data)`).
pub fn fold_in(key: Key, data: u32) -> Key {
    Key(threefry2x32(key, [0, data]))
}

/// Uniform random 32-bit words of shape `shape`, as non-negative `i64` values
/// (`jax.random.bits(key, shape)`, `uint32`).
pub fn bits<B: Backend, const D: usize>(
    key: Key,
    shape: [usize; D],
    device: &B::Device,
) -> Tensor<B, D, Int> {
    let n: usize = shape.iter().product();
    // Counters are a 64-bit iota split in high and low words; the high word is 0 below 2^32.
    let hi = ints::<B, 1>((0..n as u64).map(|i| (i >> 32) as i64).collect(), [n], device);
    let lo = ints::<B, 1>(
        (0..n as u64).map(|i| (i & 0xffff_ffff) as i64).collect(),
        [n],
        device,
    );
    let (a, b) = threefry_tensor(key, hi, lo);
    a.bitwise_xor(b).reshape(shape)
}

/// 32-bit words to floats in `[minval, maxval)`, as JAX does: 23 random mantissa bits give a
/// float `u` in `[0, 1)` (JAX bit-casts `1 + m 2^-23` and subtracts 1; `m 2^-23` is the same
/// float), then `max(minval, u * (maxval - minval) + minval)`. XLA fuses that multiply-add
/// into one FMA (one rounding); we get the same rounding by computing it in `f64`, where the
/// product is exact, and rounding once to `f32`.
///
/// # Panics
/// If `minval >= maxval` or either is not finite.
#[track_caller]
fn to_uniform<B: Backend, const D: usize>(bits: Tensor<B, D, Int>, minval: f32, maxval: f32) -> Tensor<B, D> {
    assert!(
        minval.is_finite() && maxval.is_finite() && minval < maxval,
        "uniform_range: need finite minval < maxval, got minval = {minval}, maxval = {maxval}"
    );
    let n: usize = bits.dims().iter().product();
    let shape = bits.dims();
    let device = bits.device();
    let mantissa = bits
        .reshape([n])
        .bitwise_right_shift(c::<B>(9, &device))
        .reshape(shape);
    let span = maxval - minval; // rounded to f32, as JAX computes it
    let unit = mantissa
        .cast(FloatDType::F64)
        .mul_scalar(1.0 / (1u32 << 23) as f64);
    let x = unit
        .mul_scalar(span as f64)
        .add_scalar(minval as f64)
        .cast(FloatDType::F32);
    x.clamp_min(minval)
}

/// Uniform floats in `[0, 1)` (`jax.random.uniform(key, shape)`).
pub fn uniform<B: Backend, const D: usize>(key: Key, shape: [usize; D], device: &B::Device) -> Tensor<B, D> {
    uniform_range(key, shape, 0.0, 1.0, device)
}

/// Uniform floats in `[minval, maxval)` (`jax.random.uniform(key, shape, minval=, maxval=)`).
///
/// # Panics
/// If `minval >= maxval` or either is not finite.
#[track_caller]
pub fn uniform_range<B: Backend, const D: usize>(
    key: Key,
    shape: [usize; D],
    minval: f32,
    maxval: f32,
    device: &B::Device,
) -> Tensor<B, D> {
    to_uniform(bits(key, shape, device), minval, maxval)
}

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
fn xla_log1p<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
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
fn erf_inv<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
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

/// Standard normal floats (`jax.random.normal(key, shape)`): `sqrt(2) erfinv(u)` with `u`
/// uniform in `(-1, 1)`.
pub fn normal<B: Backend, const D: usize>(key: Key, shape: [usize; D], device: &B::Device) -> Tensor<B, D> {
    let lo = f32::from_bits((-1.0f32).to_bits() - 1); // nextafter(-1, 0)
    let u = uniform_range(key, shape, lo, 1.0, device);
    erf_inv(u).mul_scalar(std::f32::consts::SQRT_2)
}

/// A random permutation of `0..n` (`jax.random.permutation(key, n)`): JAX's repeated stable
/// sorts by random 32-bit words, `ceil(3 ln n / ln(2^32 - 1))` rounds.
pub fn permutation<B: Backend>(key: Key, n: usize, device: &B::Device) -> Tensor<B, 1, Int> {
    let rounds = (3.0 * (n.max(1) as f64).ln() / (u32::MAX as f64).ln()).ceil() as usize;
    let mut x = ints::<B, 1>((0..n as i64).collect(), [n], device);
    let position = ints::<B, 1>((0..n as i64).collect(), [n], device);
    let mut key = key;
    for _ in 0..rounds {
        let [next, sub]: [Key; 2] = split(key, 2).try_into().expect("two keys");
        key = next;
        // Sort by (word, position): a stable sort whatever the backend's sort is.
        let sort_key =
            bits::<B, 1>(sub, [n], device).bitwise_left_shift(c::<B>(31, device)) + position.clone();
        x = x.select(0, sort_key.argsort(0));
    }
    x
}

/// The non-partitionable stream (`jax_threefry_partitionable=False`, JAX's default before
/// 0.5): other numbers from the same key, for code ported from older JAX.
pub mod legacy {
    use super::*;

    /// The hash applied to a flat counter array as JAX's `threefry_2x32` does: the array is
    /// split in halves (padded with a 0 when odd), hashed pairwise, and concatenated back.
    fn hash_counts<B: Backend>(key: Key, counts: Vec<i64>, device: &B::Device) -> Tensor<B, 1, Int> {
        let n = counts.len();
        let half = n.div_ceil(2);
        let mut padded = counts;
        padded.resize(2 * half, 0);
        let x1 = padded.split_off(half);
        let (a, b) = threefry_tensor(
            key,
            ints::<B, 1>(padded, [half], device),
            ints::<B, 1>(x1, [half], device),
        );
        Tensor::cat(vec![a, b], 0).narrow(0, 0, n)
    }

    /// `num` new keys from `key`, legacy stream: the hash of the counters `0..2 num`, split in
    /// halves, paired, and read back two words per key.
    pub fn split(key: Key, num: usize) -> Vec<Key> {
        let words: Vec<u32> = {
            let pairs: Vec<[u32; 2]> = (0..num as u32)
                .map(|i| threefry2x32(key, [i, num as u32 + i]))
                .collect();
            pairs
                .iter()
                .map(|p| p[0])
                .chain(pairs.iter().map(|p| p[1]))
                .collect()
        };
        words.chunks_exact(2).map(|w| Key([w[0], w[1]])).collect()
    }

    /// `fold_in` does not depend on the stream: the same as [`super::fold_in`].
    pub fn fold_in(key: Key, data: u32) -> Key {
        super::fold_in(key, data)
    }

    /// Uniform random 32-bit words, legacy stream.
    pub fn bits<B: Backend, const D: usize>(
        key: Key,
        shape: [usize; D],
        device: &B::Device,
    ) -> Tensor<B, D, Int> {
        let n: usize = shape.iter().product();
        hash_counts::<B>(key, (0..n as i64).collect(), device).reshape(shape)
    }

    /// Uniform floats in `[0, 1)`, legacy stream.
    pub fn uniform<B: Backend, const D: usize>(
        key: Key,
        shape: [usize; D],
        device: &B::Device,
    ) -> Tensor<B, D> {
        to_uniform(bits(key, shape, device), 0.0, 1.0)
    }

    /// Uniform floats in `[minval, maxval)`, legacy stream.
    ///
    /// # Panics
    /// If `minval >= maxval` or either is not finite.
    #[track_caller]
    pub fn uniform_range<B: Backend, const D: usize>(
        key: Key,
        shape: [usize; D],
        minval: f32,
        maxval: f32,
        device: &B::Device,
    ) -> Tensor<B, D> {
        to_uniform(bits(key, shape, device), minval, maxval)
    }
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
                ulps <= 2 || (g - want).abs() < 1e-7,
                "log({y}) = {g}, want {want}"
            );
        }
    }
}
