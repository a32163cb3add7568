//! The non-partitionable stream (`jax_threefry_partitionable=False`, JAX's default before
//! 0.5): other numbers from the same key, for code ported from older JAX.

use burn::prelude::*;

use super::sample::to_uniform;
use super::threefry::{ints, threefry2x32, threefry_tensor, Key};

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
    words
        .chunks_exact(2)
        .map(|w| Key::from_data([w[0], w[1]]))
        .collect()
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
pub fn uniform<B: Backend, const D: usize>(key: Key, shape: [usize; D], device: &B::Device) -> Tensor<B, D> {
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
