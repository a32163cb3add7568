//! [`SomBackend`]: the operations of a SOM that a backend may fuse.
//!
//! Every method has a default written with Burn tensor ops ([`crate::tensor_ops`]), so any
//! backend can implement the trait with an empty `impl`. `Flex` overrides all of them with the
//! fused CPU kernels of [`crate::cpu`]; the CubeCL backends (`wgpu`, `cuda`) override them with
//! the GPU kernels of `crate::kernel` (see `crate::gpu`).

use std::ops::Range;

use burn::prelude::*;

use crate::distance::Distance;
use crate::schedule::OnlineTrainingConfig;
use crate::spec::MapSpec;
use crate::tensor_ops;

/// A Burn backend that can train and query a SOM. See the [module docs](self).
pub trait SomBackend: Backend {
    /// Best-matching unit of every row of `data` (`[N, D]`) for weights `w` (`[M, D]`) in
    /// distance `dist`; ties go to the lowest index.
    fn som_bmus(w: Tensor<Self, 2>, data: Tensor<Self, 2>, dist: Distance) -> Tensor<Self, 1, Int> {
        tensor_ops::bmus(w, data, dist)
    }

    /// Best and second-best units of every row of `data`.
    fn som_bmus2(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        dist: Distance,
    ) -> (Tensor<Self, 1, Int>, Tensor<Self, 1, Int>) {
        tensor_ops::bmus2(w, data, dist)
    }

    /// Batch epochs of the map `spec`, epoch `k` with neighbourhood radii `sigmas[k]` (a
    /// separable neighbourhood: the caller refuses the Mexican hat): the weights after the
    /// last epoch and, where the backend gets it for free from its search, the quantization
    /// error of the weights the last epoch started from (computed from the search's scores, so
    /// approximate: for progress reports only). How a run is cut into calls does not change
    /// its result; a backend runs one call's epochs without returning to the caller, so a GPU
    /// enqueues them all with nothing read back in between.
    fn som_batch_epochs(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        spec: MapSpec,
        sigmas: &[[f64; 2]],
    ) -> (Tensor<Self, 2>, Option<f64>) {
        let w = sigmas.iter().fold(w, |w, &sigma| {
            tensor_ops::batch_epoch(w, data.clone(), spec, sigma)
        });
        (w, None)
    }

    /// Online steps `steps` of the schedule `cfg` on the map `spec`, step `t` using example
    /// `order[t - steps.start]` (`order` has one entry per step).
    fn som_train_online(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        spec: MapSpec,
        cfg: &OnlineTrainingConfig,
        order: &[usize],
        steps: Range<usize>,
    ) -> Tensor<Self, 2> {
        tensor_ops::train_online(w, data, spec, cfg, order, steps)
    }
}

#[cfg(feature = "flex")]
mod flex;
