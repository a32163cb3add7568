//! What the oracle tests of every backend share: `oracle.rs` (`Flex`: the fused CPU kernels and
//! the tensor-op path) and `kernels.rs` (the CubeCL kernels on wgpu or cuda). A training check is
//! written once, generic over the backend, and each file runs it on its own.
#![allow(dead_code)] // Each test binary uses its own subset.

use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::{
    reference, BatchTrainingConfig, Distance, Grid, Neighborhood, OnlineTrainingConfig, SomBackend,
    SomConfig, Topology,
};
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

/// Every grid, wrap, neighbourhood and distance: (topology, toroidal, neighbourhood, distance).
pub fn every_map() -> Vec<(Topology, bool, Neighborhood, Distance)> {
    let mut out = Vec::new();
    for t in Topology::ALL {
        for wrap in [false, true] {
            for h in Neighborhood::ALL {
                for d in Distance::ALL {
                    out.push((t, wrap, h, d));
                }
            }
        }
    }
    out
}

/// The config of a `gx x gy` map of dimension `d` with the given grid, wrap, neighbourhood and
/// distance.
pub fn map_config(
    gx: usize,
    gy: usize,
    d: usize,
    map: (Topology, bool, Neighborhood, Distance),
) -> SomConfig {
    SomConfig::new(gx, gy, d)
        .with_topology(map.0)
        .with_toroidal(map.1)
        .with_neighborhood(map.2)
        .with_distance(map.3)
}

/// Batch radii for the map tests: the initial radii and the final fraction of the map. A
/// bubble as wide as a small torus covers every unit (all weights become one mean), so it
/// stays at about a third of the map; a triangle that ends near one cell leaves units that
/// one column of hits alone reaches, with the same mean within the guard's 1e-8 (ties that
/// f32 rounding decides), so it stays at half the map.
pub fn batch_radii(hood: Neighborhood, gx: usize, gy: usize) -> ([f64; 2], f64) {
    match hood {
        Neighborhood::Triangle => ([gx as f64 / 2.0 + 0.5, gy as f64 / 2.0 + 0.5], 0.5),
        _ => ([gx as f64 / 3.0 + 0.3, gy as f64 / 3.0 + 0.4], 0.4),
    }
}

/// Every map of [`every_map`] on every case (a toroidal hexagonal map only on even heights),
/// trained through [`burnax_som::Som`] on backend `B` and measured, against the reference: 3
/// batch epochs (not with the Mexican hat, which batch training refuses: checked too), 40
/// online steps in a given order, and the best units, QE, TE, U-matrix and hit map of the
/// trained online map.
#[track_caller]
pub fn check_every_map<B: SomBackend>(cases: &[Case], seed: u64, device: &B::Device, what: &str) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for &(gx, gy, n, d) in cases {
        let (data, w0) = (random(n, d, &mut rng), random(gx * gy, d, &mut rng));
        let (xa, wa) = (array(&data, n, d), array(&w0, gx * gy, d));
        let m = gx * gy;
        for map in every_map() {
            let config = map_config(gx, gy, d, map);
            if map.0 == Topology::Hexagonal && map.1 && gy % 2 == 1 {
                assert!(
                    config.validate().is_err(),
                    "an odd-height hexagonal torus is refused"
                );
                continue;
            }
            let spec = config.spec();
            let name = format!(
                "{what} {gx}x{gy} n={n} d={d} {} toroidal={} {} {}",
                map.0.name(),
                map.1,
                map.2.name(),
                map.3.name()
            );
            let x = tensor::<B>(&data, n, d, device);
            // About four examples a unit, so that few units share their reached hits.
            let (radii, frac) = batch_radii(map.2, gx, gy);
            let batch = BatchTrainingConfig::new(3)
                .with_sigma(Some(radii))
                .with_sigma_floor(0.9)
                .with_min_sigma_frac(frac);
            let sigma = Some([gx as f64 / 3.0 + 0.3, gy as f64 / 3.0 + 0.4]);
            let mut som = config.init_with_weights(tensor::<B>(&w0, m, d, device)).unwrap();
            if map.2 == Neighborhood::MexicanHat {
                let err = som.train_batch(&x, &batch).unwrap_err().to_string();
                assert!(err.contains("online training only"), "{name}: {err}");
            } else {
                som.train_batch(&x, &batch).unwrap();
                let want = reference::train_batch(xa.view(), wa.clone(), spec, &batch);
                assert_close(&som.weights_host(), &want, &format!("batch {name}"));
            }

            let steps = 40;
            let order = burnax_som::example_order(n, steps, seed);
            let online = OnlineTrainingConfig::new(steps)
                .with_sigma(sigma)
                .with_sigma_floor(0.9);
            let mut som = config.init_with_weights(tensor::<B>(&w0, m, d, device)).unwrap();
            som.train_online(&x, &online, Some(&order), 0).unwrap();
            let want = reference::train_online(xa.view(), wa.clone(), spec, &online, &order);
            assert_close(&som.weights_host(), &want, &format!("online {name}"));

            // The metrics of the trained map, on the reference's own copy of it.
            let w = array(&som.weights_host(), m, d);
            let bmus: Vec<usize> = som
                .bmus(&x)
                .into_data()
                .convert::<i64>()
                .into_vec::<i64>()
                .unwrap()
                .into_iter()
                .map(|b| b as usize)
                .collect();
            assert_eq!(
                bmus,
                reference::bmus(spec.distance, xa.view(), w.view()),
                "bmus {name}"
            );
            let e = som.evaluate(&x);
            let qe = reference::quantization_error(xa.view(), w.view(), spec.distance);
            assert!(
                Tolerance::F32_VS_F64.accepts(e.quantization_error, qe),
                "QE {name}: {} vs {qe}",
                e.quantization_error
            );
            let te = reference::topographic_error(xa.view(), w.view(), spec);
            assert_eq!(e.topographic_error, te, "TE {name}");
            let hits: Vec<u64> = reference::hit_map(xa.view(), w.view(), spec)
                .iter()
                .copied()
                .collect();
            assert_eq!(e.hits, hits, "hits {name}");
            let u: Vec<f32> = som.umatrix().into_data().into_vec().unwrap();
            assert_close(
                &u,
                &reference::umatrix(w.view(), spec.grid),
                &format!("U-matrix {name}"),
            );
        }
    }
}

/// Epochs run as one call or one call each ([`burnax_som::Som::train_batch_with`]'s stops, one
/// [`SomBackend::som_batch_epochs`] call between two): the same bits, and the stops reported
/// where asked.
#[track_caller]
pub fn check_run_stops<B: SomBackend>(device: &B::Device) {
    let mut rng = ChaCha8Rng::seed_from_u64(32);
    let (gx, gy, n, d) = (9, 7, 80, 3);
    let data = random(n, d, &mut rng);
    let cfg = BatchTrainingConfig::new(7);
    let run = |every: &[usize]| {
        let mut som = SomConfig::new(gx, gy, d).with_seed(3).init::<B>(device);
        let mut stops = Vec::new();
        som.train_batch_with(&tensor(&data, n, d, device), &cfg, 0..7, every, |_, p| {
            stops.push(p.done);
            Ok(())
        })
        .unwrap();
        (som.weights_host(), stops)
    };
    let (whole, stops) = run(&[]);
    assert_eq!(stops, [7]);
    let (each, stops) = run(&[1]);
    assert_eq!(stops, [1, 2, 3, 4, 5, 6, 7]);
    assert!(whole == each, "one call and one call an epoch differ");
    let (cut, stops) = run(&[3, 5]);
    assert_eq!(stops, [3, 5, 6, 7]);
    assert!(whole == cut, "a run cut at 3, 5 and 6 differs");
}
