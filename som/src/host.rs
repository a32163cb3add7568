//! Reading tensors back to the host, for the paths that work on plain slices.

use burn::prelude::*;

/// A tensor's values as `f32`, row-major.
pub(crate) fn host<B: Backend>(t: Tensor<B, 2>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("converted to f32 just above")
}

/// An int tensor's values as `usize`.
pub(crate) fn ints<B: Backend>(t: Tensor<B, 1, Int>) -> Vec<usize> {
    t.into_data()
        .convert::<i64>()
        .into_vec::<i64>()
        .expect("converted to i64 just above")
        .into_iter()
        .map(|v| v as usize)
        .collect()
}
