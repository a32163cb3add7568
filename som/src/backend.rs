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

    /// Online steps `steps` of the schedule `cfg`, step `t` using example `order[t]`.
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
mod flex {
    use super::*;
    use crate::cpu;
    use crate::host::host;
    use burn::backend::Flex;
    use burn::tensor::TensorData;

    fn tensor(v: Vec<f32>, shape: [usize; 2], device: &burn::backend::flex::FlexDevice) -> Tensor<Flex, 2> {
        Tensor::from_data(TensorData::new(v, shape), device)
    }

    fn indices(
        v: impl Iterator<Item = u32>,
        device: &burn::backend::flex::FlexDevice,
    ) -> Tensor<Flex, 1, Int> {
        // Flex's int element is i32; a map has far fewer than 2^31 units.
        let v: Vec<i32> = v.map(|i| i as i32).collect();
        let n = v.len();
        Tensor::from_data(TensorData::new(v, [n]), device)
    }

    /// The fused CPU kernels. Weights and data are read as `f32` whatever their dtype.
    impl SomBackend for Flex {
        fn som_bmus(w: Tensor<Self, 2>, data: Tensor<Self, 2>) -> Tensor<Self, 1, Int> {
            let [m, d] = w.dims();
            let device = data.device();
            let units = cpu::bmu::PackedUnits::new(&host(w), m, d);
            let best = cpu::bmu::bmus(&units, &host(data));
            indices(best.iter().map(|c| c.index), &device)
        }

        fn som_bmus2(
            w: Tensor<Self, 2>,
            data: Tensor<Self, 2>,
        ) -> (Tensor<Self, 1, Int>, Tensor<Self, 1, Int>) {
            let [m, d] = w.dims();
            let device = data.device();
            let units = cpu::bmu::PackedUnits::new(&host(w), m, d);
            let best = cpu::bmu::bmus2(&units, &host(data));
            (
                indices(best.iter().map(|c| c[0].index), &device),
                indices(best.iter().map(|c| c[1].index), &device),
            )
        }

        fn som_batch_epoch(
            w: Tensor<Self, 2>,
            data: Tensor<Self, 2>,
            grid: Grid,
            sigma: [f64; 2],
        ) -> (Tensor<Self, 2>, Option<f64>) {
            let [m, d] = w.dims();
            let device = w.device();
            let (new, stats) = cpu::batch::epoch(&host(w), &host(data), d, grid, sigma);
            (tensor(new, [m, d], &device), Some(stats.quantization_error))
        }

        fn som_train_online(
            w: Tensor<Self, 2>,
            data: Tensor<Self, 2>,
            grid: Grid,
            cfg: &OnlineTrainingConfig,
            order: &[usize],
            steps: Range<usize>,
        ) -> Tensor<Self, 2> {
            let [m, d] = w.dims();
            let device = w.device();
            let mut wv = host(w);
            cpu::online::train(&mut wv, &host(data), d, grid, cfg, order, steps);
            tensor(wv, [m, d], &device)
        }
    }
}
