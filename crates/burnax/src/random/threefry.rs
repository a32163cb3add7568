//! The threefry2x32 hash (Salmon et al. 2011, 20 rounds), as JAX computes it: on the host for
//! keys, as tensor operations for many counters at once.

use burn::prelude::*;
use burn::tensor::{DType, TensorData};

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

const MASK: i64 = 0xffff_ffff;
const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
const PARITY: u32 = 0x1BD1_1BDA;

/// The threefry2x32 hash of one counter pair `x` under `key` (20 rounds), on the host.
pub fn threefry2x32(key: Key, x: [u32; 2]) -> [u32; 2] {
    let [k0, k1] = key.data();
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
pub(super) fn ints<B: Backend, const D: usize>(
    v: Vec<i64>,
    shape: [usize; D],
    device: &B::Device,
) -> Tensor<B, D, Int> {
    Tensor::from_data(TensorData::new(v, shape), (device, DType::I64))
}

/// A one-element `i64` tensor, broadcast against `[n]` operands. (Scalar int ops convert their
/// operand to the backend's default int type, `i32` on `Flex`, which cannot hold `2^32 - 1`.)
pub(super) fn c<B: Backend>(v: i64, device: &B::Device) -> Tensor<B, 1, Int> {
    ints(vec![v], [1], device)
}

/// The hash of many counter pairs at once, as tensor ops: inputs and outputs hold 32-bit
/// values in `i64` int tensors of shape `[n]`.
pub(super) fn threefry_tensor<B: Backend>(
    key: Key,
    x0: Tensor<B, 1, Int>,
    x1: Tensor<B, 1, Int>,
) -> (Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    let device = x0.device();
    let [k0, k1] = key.data();
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
