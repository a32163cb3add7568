//! [`SomBackend`] for `Flex`: the fused CPU kernels of [`crate::cpu`].

use std::ops::Range;

use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::TensorData;

use super::SomBackend;
use crate::cpu;
use crate::distance::Distance;
use crate::host::host;
use crate::schedule::OnlineTrainingConfig;
use crate::spec::MapSpec;

fn tensor(v: Vec<f32>, shape: [usize; 2], device: &burn::backend::flex::FlexDevice) -> Tensor<Flex, 2> {
    Tensor::from_data(TensorData::new(v, shape), device)
}

fn indices(v: impl Iterator<Item = u32>, device: &burn::backend::flex::FlexDevice) -> Tensor<Flex, 1, Int> {
    // Flex's int element is i32; a map has far fewer than 2^31 units.
    let v: Vec<i32> = v.map(|i| i as i32).collect();
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [n]), device)
}

/// The fused CPU kernels, for every map. Weights and data are read as `f32` whatever their
/// dtype.
impl SomBackend for Flex {
    fn som_bmus(w: Tensor<Self, 2>, data: Tensor<Self, 2>, dist: Distance) -> Tensor<Self, 1, Int> {
        let [m, d] = w.dims();
        let device = data.device();
        let best = cpu::search::best1(&host(w), m, d, &host(data), dist);
        indices(best.iter().map(|c| c.index), &device)
    }

    fn som_bmus2(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        dist: Distance,
    ) -> (Tensor<Self, 1, Int>, Tensor<Self, 1, Int>) {
        let [m, d] = w.dims();
        let device = data.device();
        let best = cpu::search::best2(&host(w), m, d, &host(data), dist);
        (
            indices(best.iter().map(|c| c[0].index), &device),
            indices(best.iter().map(|c| c[1].index), &device),
        )
    }

    fn som_batch_epochs(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        spec: MapSpec,
        sigmas: &[[f64; 2]],
    ) -> (Tensor<Self, 2>, Option<f64>) {
        let [m, d] = w.dims();
        let device = w.device();
        let (data, mut w) = (host(data), host(w));
        let mut qe = None;
        for &sigma in sigmas {
            let (new, stats) = cpu::batch::epoch(&w, &data, d, spec, sigma);
            (w, qe) = (new, Some(stats.quantization_error));
        }
        (tensor(w, [m, d], &device), qe)
    }

    fn som_train_online(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        spec: MapSpec,
        cfg: &OnlineTrainingConfig,
        order: &[usize],
        steps: Range<usize>,
    ) -> Tensor<Self, 2> {
        let [m, d] = w.dims();
        let device = w.device();
        let mut wv = host(w);
        cpu::online::train(&mut wv, &host(data), d, spec, cfg, order, steps);
        tensor(wv, [m, d], &device)
    }
}
