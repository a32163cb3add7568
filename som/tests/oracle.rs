//! The Burn implementation (fused `Flex` kernels and the portable tensor-op path) against the
//! `f64` reference, on random data of many shapes.

use burn::backend::Flex;
use burn::prelude::*;
use burnax_som::{
    reference, tensor_ops, BatchTrainingConfig, Distance, Grid, Init, Neighborhood, OnlineTrainingConfig,
    SomConfig, Topology,
};
use burnax_testing::Tolerance;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;
use common::{
    array, assert_close, check_batch_training, check_online_training, random, som_batch, som_online,
};

type B = Flex;

fn tensor(v: &[f32], rows: usize, cols: usize) -> Tensor<B, 2> {
    common::tensor(v, rows, cols, &Default::default())
}

/// (width, height, examples, dim): a single unit, single rows and columns, odd sizes, D = 1, 3, 64.
const SHAPES: &[(usize, usize, usize, usize)] = &[
    (1, 1, 7, 3),
    (1, 9, 30, 3),
    (8, 1, 30, 1),
    (5, 7, 61, 3),
    (9, 4, 45, 1),
    (6, 5, 40, 64),
    (13, 11, 100, 3),
];

#[test]
fn batch_training_matches_reference_fused_and_portable() {
    let device = Default::default();
    check_batch_training::<B>(SHAPES, 1, &device, "fused batch", som_batch);
    check_batch_training::<B>(SHAPES, 1, &device, "tensor-op batch", |mut w, data, grid, cfg| {
        for e in 0..cfg.epochs {
            w = tensor_ops::batch_epoch(w, data.clone(), grid.into(), cfg.sigma_at(grid, e));
        }
        w.into_data().into_vec().unwrap()
    });
}

#[test]
fn online_training_matches_reference_given_the_same_order() {
    let device = Default::default();
    check_online_training::<B>(SHAPES, 2, &device, "fused online", som_online);
    check_online_training::<B>(
        SHAPES,
        2,
        &device,
        "tensor-op online",
        |w, data, grid, cfg, order| {
            let w = tensor_ops::train_online(w, data, grid.into(), cfg, order, 0..cfg.steps);
            w.into_data().into_vec().unwrap()
        },
    );
}

#[test]
fn metrics_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for &(gx, gy, n, d) in SHAPES {
        let grid = Grid::new(gx, gy);
        let m = grid.units();
        let (data, w0) = (random(n, d, &mut rng), random(m, d, &mut rng));
        let (xa, wa) = (array(&data, n, d), array(&w0, m, d));
        let x = tensor(&data, n, d);
        let som = SomConfig::new(gx, gy, d)
            .init_with_weights(tensor(&w0, m, d))
            .unwrap();
        let what = format!("{gx}x{gy} n={n} d={d}");

        let bmus: Vec<i64> = som.bmus(&x).into_data().convert::<i64>().into_vec().unwrap();
        let want: Vec<i64> = reference::bmus(Distance::Euclidean, xa.view(), wa.view())
            .into_iter()
            .map(|b| b as i64)
            .collect();
        assert_eq!(bmus, want, "bmus {what}");
        // The distance blocks of large problems (many chunks, one of them short) at small sizes:
        // one row a chunk, and three.
        for block in [tensor_ops::DISTANCE_BLOCK, 1, 3 * m + 1] {
            let portable: Vec<i64> =
                tensor_ops::bmus_blocked(tensor(&w0, m, d), x.clone(), Distance::Euclidean, block)
                    .into_data()
                    .convert::<i64>()
                    .into_vec()
                    .unwrap();
            assert_eq!(portable, want, "tensor-op bmus {what}, blocks of {block}");

            let (p1, p2) =
                tensor_ops::bmus2_blocked(tensor(&w0, m, d), x.clone(), Distance::Euclidean, block);
            let (p1, p2): (Vec<i64>, Vec<i64>) = (
                p1.into_data().convert::<i64>().into_vec().unwrap(),
                p2.into_data().convert::<i64>().into_vec().unwrap(),
            );
            for (i, row) in xa.rows().into_iter().enumerate() {
                let (b1, b2) = reference::bmu2(Distance::Euclidean, row, wa.view());
                assert_eq!(
                    (p1[i], p2[i]),
                    (b1 as i64, b2 as i64),
                    "tensor-op bmus2 {what}, blocks of {block}, example {i}"
                );
            }
        }

        let qe = reference::quantization_error(xa.view(), wa.view(), Distance::Euclidean);
        assert!(
            Tolerance::F32_VS_F64.accepts(som.quantization_error(&x), qe),
            "QE {what}"
        );
        let te = reference::topographic_error(xa.view(), wa.view(), grid);
        assert_eq!(som.topographic_error(&x), te, "TE {what}");

        let u: Vec<f32> = som.umatrix().into_data().into_vec().unwrap();
        assert_close(
            &u,
            &reference::umatrix(wa.view(), grid),
            &format!("U-matrix {what}"),
        );
        let hits: Vec<i64> = som.hit_map(&x).into_data().convert::<i64>().into_vec().unwrap();
        let want_hits: Vec<i64> = reference::hit_map(xa.view(), wa.view(), grid)
            .iter()
            .map(|&h| h as i64)
            .collect();
        assert_eq!(hits, want_hits, "hit map {what}");

        // One search for all three: the same values, bit for bit.
        let e = som.evaluate(&x);
        assert_eq!(
            e.quantization_error,
            som.quantization_error(&x),
            "evaluate's QE {what}"
        );
        assert_eq!(e.topographic_error, te, "evaluate's TE {what}");
        assert_eq!(
            e.bmus.iter().map(|&b| b as i64).collect::<Vec<_>>(),
            want,
            "evaluate's bmus {what}"
        );
        let e_hits: Vec<i64> = e.hits.iter().map(|&h| h as i64).collect();
        assert_eq!(e_hits, want_hits, "evaluate's hits {what}");
    }
}

#[test]
fn same_seed_gives_bit_identical_weights() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let (n, d) = (300, 5);
    let x = tensor(&random(n, d, &mut rng), n, d);
    let run = |init: Init, seed: u64| {
        let mut som = SomConfig::new(12, 9, d)
            .with_init(init)
            .with_seed(seed)
            .init_with_data(&x)
            .unwrap();
        som.train_batch(&x, &BatchTrainingConfig::new(5)).unwrap();
        som.train_online(&x, &OnlineTrainingConfig::new(400), None, seed)
            .unwrap();
        som.weights_host()
    };
    for init in [Init::Random, Init::Sample, Init::Pca] {
        let a = run(init, 11);
        assert_eq!(a, run(init, 11), "{init:?}: same seed, different weights");
        if init != Init::Pca {
            assert_ne!(a, run(init, 12), "{init:?}: the seed is ignored");
        }
    }
}

#[test]
fn training_fits_clustered_data_from_every_init() {
    // Five tight clusters: an untrained random map fits them badly; any trained map fits them well.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (n, d) = (500, 3);
    let centres = random(5, d, &mut rng);
    let data: Vec<f32> = (0..n)
        .flat_map(|i| {
            (0..d)
                .map(|k| centres[(i % 5) * d + k] + 0.02 * (rng.random::<f32>() - 0.5))
                .collect::<Vec<_>>()
        })
        .collect();
    let x = tensor(&data, n, d);
    let untrained = SomConfig::new(10, 10, d)
        .init::<B>(&Default::default())
        .quantization_error(&x);
    for init in [Init::Random, Init::Sample, Init::Pca] {
        let mut som = SomConfig::new(10, 10, d)
            .with_init(init)
            .init_with_data(&x)
            .unwrap();
        som.train_batch(&x, &BatchTrainingConfig::new(20).with_min_sigma_frac(0.05))
            .unwrap();
        let qe = som.quantization_error(&x);
        assert!(
            qe < 0.5 * untrained,
            "{init:?}: trained QE {qe}, untrained random map {untrained}"
        );
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let x = tensor(&[0.5, 0.5, 0.5, f32::NAN, 0.1, 0.2], 2, 3);
    let mut som = SomConfig::new(3, 3, 3).init::<B>(&Default::default());
    let e = som.train_batch(&x, &BatchTrainingConfig::new(2)).unwrap_err();
    assert!(e.to_string().contains("NaN"), "{e}");
    let e = som
        .train_batch(&tensor(&[0.5, 0.5], 1, 2), &BatchTrainingConfig::new(2))
        .unwrap_err();
    assert!(e.to_string().contains("dimension 2"), "{e}");
    let e = SomConfig::new(3, 3, 3)
        .init_with_weights(tensor(&[0.0; 6], 2, 3))
        .unwrap_err();
    assert!(
        e.to_string().contains("[2, 3]") && e.to_string().contains("[9, 3]"),
        "{e}"
    );
    let e = SomConfig::new(0, 3, 3).init_with_data(&x).unwrap_err();
    assert!(e.to_string().contains("width"), "{e}");
    let ok = tensor(&[0.5; 6], 2, 3);
    let e = som
        .train_online(&ok, &OnlineTrainingConfig::new(3), Some(&[0, 1, 2]), 0)
        .unwrap_err();
    assert!(e.to_string().contains("order[2] = 2"), "{e}");
}

/// Fused training gives the same bits whatever the number of threads (the docs promise
/// determinism): rayon pools of 1, 2 and 3 threads, on problems large enough to be split. The
/// batch path splits examples over the pool; the online path runs as many threads as the pool
/// has, each on its rows of the map (3 threads: 22, 22 and 20 of 64 rows).
#[test]
fn training_bits_do_not_depend_on_the_thread_count() {
    let mut rng = ChaCha8Rng::seed_from_u64(41);
    let in_pool = |threads: usize, f: &(dyn Fn() -> Vec<f32> + Sync)| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(f)
    };
    let (grid, n, d) = (Grid::new(32, 24), 4000, 8);
    let (data, w0) = (random(n, d, &mut rng), random(grid.units(), d, &mut rng));
    let batch = || {
        som_batch::<B>(
            tensor(&w0, grid.units(), d),
            tensor(&data, n, d),
            grid,
            &BatchTrainingConfig::new(3),
        )
    };
    // 64 x 40 units of dimension 16: 40,960 weights, above the online split's threshold.
    let (grid, n, d, steps) = (Grid::new(64, 40), 500, 16, 1500);
    let (odata, ow0) = (random(n, d, &mut rng), random(grid.units(), d, &mut rng));
    let order: Vec<usize> = (0..steps).map(|t| (t * 7919) % n).collect();
    let online = || {
        som_online::<B>(
            tensor(&ow0, grid.units(), d),
            tensor(&odata, n, d),
            grid,
            &OnlineTrainingConfig::new(steps),
            &order,
        )
    };
    // Another map on the general paths: a hexagonal torus, a bubble in batch and a Mexican
    // hat online, the cosine and the Manhattan distance.
    let hex = |hood: Neighborhood, dist: Distance| {
        SomConfig::new(64, 40, 16)
            .with_topology(Topology::Hexagonal)
            .with_toroidal(true)
            .with_neighborhood(hood)
            .with_distance(dist)
    };
    let hex_batch = || {
        let mut som = hex(Neighborhood::Bubble, Distance::Manhattan)
            .init_with_weights(tensor(&ow0, grid.units(), d))
            .unwrap();
        som.train_batch(&tensor(&odata, n, d), &BatchTrainingConfig::new(3))
            .unwrap();
        som.weights_host()
    };
    let hex_online = || {
        let mut som = hex(Neighborhood::MexicanHat, Distance::Cosine)
            .init_with_weights(tensor(&ow0, grid.units(), d))
            .unwrap();
        som.train_online(
            &tensor(&odata, n, d),
            &OnlineTrainingConfig::new(steps),
            Some(&order),
            0,
        )
        .unwrap();
        som.weights_host()
    };
    for (what, run) in [
        ("batch", &batch as &(dyn Fn() -> Vec<f32> + Sync)),
        ("online", &online),
        ("hexagonal toroidal bubble manhattan batch", &hex_batch),
        ("hexagonal toroidal mexican-hat cosine online", &hex_online),
    ] {
        let one = in_pool(1, run);
        assert_eq!(in_pool(2, run), one, "{what}, 2 threads");
        assert_eq!(in_pool(3, run), one, "{what}, 3 threads");
    }
}

/// The tensor-op search in every distance, in blocks of one row and of a few (the many-chunk
/// path of large problems; the direct distances' blocks hold `rows x M x D` differences): the
/// reference's best and second-best units.
#[test]
fn tensor_op_search_in_blocks_in_every_distance() {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let (m, n, d) = (23, 41, 5);
    let (data, w) = (random(n, d, &mut rng), random(m, d, &mut rng));
    let (xa, wa) = (array(&data, n, d), array(&w, m, d));
    let ints = |t: Tensor<B, 1, Int>| -> Vec<i64> { t.into_data().convert::<i64>().into_vec().unwrap() };
    for dist in Distance::ALL {
        for block in [1, 3 * m * d + 1, tensor_ops::DISTANCE_BLOCK] {
            let (b1, b2) = tensor_ops::bmus2_blocked(tensor(&w, m, d), tensor(&data, n, d), dist, block);
            let (b1, b2) = (ints(b1), ints(b2));
            for (i, row) in xa.rows().into_iter().enumerate() {
                let (r1, r2) = reference::bmu2(dist, row, wa.view());
                assert_eq!(
                    (b1[i], b2[i]),
                    (r1 as i64, r2 as i64),
                    "{dist:?}, blocks of {block}, row {i}"
                );
            }
        }
    }
}

/// Epochs run as one call or one call each: the same bits, the stops where asked.
#[test]
fn a_run_cut_at_any_stops_gives_the_same_weights() {
    common::check_run_stops::<B>(&Default::default());
}
