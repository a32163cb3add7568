//! Keys from seeds, derived keys, and sampling: `jax.random`'s functions of the same names.

use burn::prelude::*;
use burn::tensor::FloatDType;

use super::threefry::{c, ints, threefry2x32, threefry_tensor, Key};
use super::xla::erf_inv;

/// The key for `seed`, as `jax.random.key(seed)` gives it with 64-bit mode off (JAX's
/// default), where the seed is taken modulo 2^32: words `[0, seed mod 2^32]`.
pub fn key(seed: u64) -> Key {
    Key::from_data([0, seed as u32])
}

/// `num` new keys from `key` (`jax.random.split(key, num)`).
pub fn split(key: Key, num: usize) -> Vec<Key> {
    (0..num as u64)
        .map(|i| Key::from_data(threefry2x32(key, [(i >> 32) as u32, i as u32])))
        .collect()
}

/// A new key from `key` and an integer (`jax.random.fold_in(key, data)`).
pub fn fold_in(key: Key, data: u32) -> Key {
    Key::from_data(threefry2x32(key, [0, data]))
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
pub(super) fn to_uniform<B: Backend, const D: usize>(
    bits: Tensor<B, D, Int>,
    minval: f32,
    maxval: f32,
) -> Tensor<B, D> {
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
