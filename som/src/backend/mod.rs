//! [`SomBackend`]: the operations of a SOM that a backend may fuse.
//!
//! Every method has a default written with Burn tensor ops ([`crate::tensor_ops`]), so any
//! backend can implement the trait with an empty `impl`. `Flex` overrides all of them with the
//! fused CPU kernels of [`crate::cpu`]; the CubeCL backends (`wgpu`, `cuda`) override them with
//! the GPU kernels of `crate::kernel` (see `crate::gpu`).

use std::ops::Range;

use burn::prelude::*;

use crate::grid::Grid;
use crate::schedule::OnlineTrainingConfig;
use crate::tensor_ops;

/// A Burn backend that can train and query a SOM. See the [module docs](self).
pub trait SomBackend: Backend {
    /// Best-matching unit of every row of `data` (`[N, D]`) for weights `w` (`[M, D]`); ties go
    /// to the lowest index.
    fn som_bmus(w: Tensor<Self, 2>, data: Tensor<Self, 2>) -> Tensor<Self, 1, Int> {
        tensor_ops::bmus(w, data)
    }

    /// Best and second-best units of every row of `data`.
    fn som_bmus2(w: Tensor<Self, 2>, data: Tensor<Self, 2>) -> (Tensor<Self, 1, Int>, Tensor<Self, 1, Int>) {
        tensor_ops::bmus2(w, data)
    }

    /// One batch epoch with neighbourhood radii `sigma`: the new weights and, where the backend
    /// gets it for free from its search, the quantization error of the weights `w` it started
    /// from (computed from `|w|^2 - 2 x.w + |x|^2`, so approximate: for progress reports only).
    fn som_batch_epoch(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        grid: Grid,
        sigma: [f64; 2],
    ) -> (Tensor<Self, 2>, Option<f64>) {
        (tensor_ops::batch_epoch(w, data, grid, sigma), None)
    }

    /// Online steps `steps` of the schedule `cfg`, step `t` using example
    /// `order[t - steps.start]` (`order` has one entry per step).
    fn som_train_online(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        grid: Grid,
        cfg: &OnlineTrainingConfig,
        order: &[usize],
        steps: Range<usize>,
    ) -> Tensor<Self, 2> {
        tensor_ops::train_online(w, data, grid, cfg, order, steps)
    }
}

#[cfg(feature = "flex")]
mod flex;
