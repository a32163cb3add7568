//! What the oracle tests of every backend share: `oracle.rs` (`Flex`: the fused CPU kernels and
//! the tensor-op path) and `kernels.rs` (the CubeCL kernels on wgpu or cuda). A training check is
//! written once, generic over the backend, and each file runs it on its own.
#![allow(dead_code)] // Each test binary uses its own subset.

use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::{reference, BatchTrainingConfig, Grid, OnlineTrainingConfig, SomBackend, SomConfig};
use burnax_testing::Tolerance;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A map and its data: (width, height, examples, dim).
pub type Case = (usize, usize, usize, usize);

pub fn random(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    (0..rows * cols).map(|_| rng.random()).collect()
}

pub fn tensor<B: Backend>(v: &[f32], rows: usize, cols: usize, device: &B::Device) -> Tensor<B, 2> {
    Tensor::from_data(TensorData::new(v.to_vec(), [rows, cols]), device)
}

pub fn array(v: &[f32], rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_vec((rows, cols), v.iter().map(|&x| x as f64).collect()).unwrap()
}

#[track_caller]
pub fn assert_close(got: &[f32], want: &Array2<f64>, what: &str) {
    burnax_testing::assert_close(
        got,
        want.as_slice().expect("standard layout"),
        Tolerance::F32_VS_F64,
        what,
    );
}

/// `train(initial weights, data, grid, schedule)` against the reference, 4 batch epochs, on
/// random data of every case (from `seed`).
#[track_caller]
pub fn check_batch_training<B: Backend>(
    cases: &[Case],
    seed: u64,
    device: &B::Device,
    what: &str,
    train: impl Fn(Tensor<B, 2>, Tensor<B, 2>, Grid, &BatchTrainingConfig) -> Vec<f32>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for &(gx, gy, n, d) in cases {
        let grid = Grid::new(gx, gy);
        let m = grid.units();
        let (data, w0) = (random(n, d, &mut rng), random(m, d, &mut rng));
        let cfg =
            BatchTrainingConfig::new(4).with_sigma(Some([gx as f64 / 2.0 + 0.5, gy as f64 / 2.0 + 0.5]));
        let want = reference::train_batch(array(&data, n, d).view(), array(&w0, m, d), grid, &cfg);
        let got = train(tensor(&w0, m, d, device), tensor(&data, n, d, device), grid, &cfg);
        assert_close(&got, &want, &format!("{what} {gx}x{gy} n={n} d={d}"));
    }
}

/// `train(initial weights, data, grid, schedule, order)` against the reference, 50 online steps
/// in a given order, clipped on every other case, on random data of every case (from `seed`).
#[track_caller]
pub fn check_online_training<B: Backend>(
    cases: &[Case],
    seed: u64,
    device: &B::Device,
    what: &str,
    train: impl Fn(Tensor<B, 2>, Tensor<B, 2>, Grid, &OnlineTrainingConfig, &[usize]) -> Vec<f32>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for (s, &(gx, gy, n, d)) in cases.iter().enumerate() {
        let grid = Grid::new(gx, gy);
        let m = grid.units();
        let (data, w0) = (random(n, d, &mut rng), random(m, d, &mut rng));
        let steps = 50;
        let order = burnax_som::example_order(n, steps, s as u64);
        // Data and weights are in [0, 1): a clip to [0.25, 0.75] binds, where [0, 1] never would.
        let clip = (s % 2 == 0).then_some([0.25, 0.75]);
        let cfg = OnlineTrainingConfig::new(steps).with_clip(clip);
        let want = reference::train_online(array(&data, n, d).view(), array(&w0, m, d), grid, &cfg, &order);
        if clip.is_some() {
            let free = cfg.clone().with_clip(None);
            let unclipped =
                reference::train_online(array(&data, n, d).view(), array(&w0, m, d), grid, &free, &order);
            assert_ne!(
                want, unclipped,
                "{what} {gx}x{gy}: the clip must change the result to be tested"
            );
        }
        let got = train(
            tensor(&w0, m, d, device),
            tensor(&data, n, d, device),
            grid,
            &cfg,
            &order,
        );
        assert_close(&got, &want, &format!("{what} {gx}x{gy} n={n} d={d}"));
    }
}

/// Batch training through [`burnax_som::Som`] on backend `B`.
pub fn som_batch<B: SomBackend>(
    w0: Tensor<B, 2>,
    data: Tensor<B, 2>,
    grid: Grid,
    cfg: &BatchTrainingConfig,
) -> Vec<f32> {
    let d = w0.dims()[1];
    let mut som = SomConfig::new(grid.width, grid.height, d)
        .init_with_weights(w0)
        .unwrap();
    som.train_batch(&data, cfg).unwrap();
    som.weights_host()
}

/// Online training through [`burnax_som::Som`] on backend `B`.
pub fn som_online<B: SomBackend>(
    w0: Tensor<B, 2>,
    data: Tensor<B, 2>,
    grid: Grid,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
) -> Vec<f32> {
    let d = w0.dims()[1];
    let mut som = SomConfig::new(grid.width, grid.height, d)
        .init_with_weights(w0)
        .unwrap();
    som.train_online(&data, cfg, Some(order), 0).unwrap();
    som.weights_host()
}
