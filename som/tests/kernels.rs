//! The CubeCL kernels (`som/src/kernel/`) against the `f64` reference: on `Wgpu` (Mesa's
//! software Vulkan in CI) with `--features wgpu`, on `Cuda` with `--features cuda`.
//!
//! Shapes stay small (shader compilation on Mesa is slow) but cover what the launch geometry
//! cares about: one example, maps smaller and larger than a 64-unit search tile and than one
//! unit chunk, `D = 1, 3, 64, 300` (every staging depth, and depths that are not multiples of
//! it), example counts that are not multiples of the 64-example block, several counting-sort
//! segments, ties, the top-2 search (also in several launches), every distance's search, rows
//! padded the way CUDA pads them, the caller's weights left untouched, run-to-run determinism,
//! every grid, wrap, neighbourhood and distance trained against the reference, and the opt-in
//! tensor-core search (against an emulation of its rounding on CUDA; a clear error on wgpu,
//! which has no tensor cores).
#![cfg(any(feature = "wgpu", feature = "cuda"))]

use burn::prelude::*;
use burn::tensor::TensorPrimitive;
use burnax_som::cpu::bmu::Candidate;
use burnax_som::gpu::{
    batch_epoch_with_precision, batch_epoch_with_tile, bmus2_in_launches, bmus_with_precision,
    bmus_with_tile, SearchPrecision, SearchTile,
};
use burnax_som::{
    reference, BatchTrainingConfig, Distance, Grid, MapSpec, Neighborhood, OnlineTrainingConfig, SomBackend,
    SomConfig, Topology,
};
use burnax_testing::Tolerance;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

mod common;
use common::{array, check_batch_training, check_online_training, random, som_batch, som_online};

#[cfg(feature = "cuda")]
type G = burn::backend::Cuda;
#[cfg(not(feature = "cuda"))]
type G = burn::backend::Wgpu;

/// Two units whose `f64` squared distances to an example differ by less than this (relative)
/// are a near-tie: the `f32` score `|w|^2 - 2 x.w` may order them either way. Its rounding
/// error is a few ulp of `|x|^2 + |w|^2`, so `1e-5` leaves a wide margin and still catches any
/// wrong index (a real mistake is off by far more).
const NEAR_TIE: f64 = 1e-5;

/// The playbook's distance, the one the kernels fuse.
const E: Distance = Distance::Euclidean;

fn device() -> Device<G> {
    Default::default()
}

fn tensor(v: &[f32], rows: usize, cols: usize) -> Tensor<G, 2> {
    common::tensor(v, rows, cols, &device())
}

fn host(t: Tensor<G, 2>) -> Vec<f32> {
    t.into_data().convert::<f32>().into_vec().unwrap()
}

fn indices(t: Tensor<G, 1, Int>) -> Vec<i64> {
    t.into_data().convert::<i64>().into_vec().unwrap()
}

/// What the search compares in `f64`: the squared distance for the euclidean (its `f32` score
/// is `|w|^2 - 2 x.w`), else the distance.
fn score64(dist: Distance, x: &[f32], w: &[f32]) -> f64 {
    let row = |v: &[f32]| ndarray::Array1::from_iter(v.iter().map(|&a| a as f64));
    let s = reference::distance(dist, row(x).view(), row(w).view());
    if dist == E {
        s * s
    } else {
        s
    }
}

/// Whether units scoring `a` and `b` (by [`score64`]) are a near tie: within [`NEAR_TIE`] of `b`,
/// or of 1 for the cosine (a difference of cosines, whose `f32` rounding is absolute).
fn near_tie(dist: Distance, a: f64, b: f64) -> bool {
    let scale = if dist == Distance::Cosine {
        1.0
    } else {
        b.max(1e-12)
    };
    (a - b).abs() <= NEAR_TIE * scale
}

/// Every found unit is the reference's in distance `dist`, or a near-tie of it.
#[track_caller]
fn assert_bmus(dist: Distance, got: &[i64], data: &[f32], w: &[f32], d: usize, what: &str) {
    let want = reference::bmus(
        dist,
        array(data, data.len() / d, d).view(),
        array(w, w.len() / d, d).view(),
    );
    assert_eq!(got.len(), want.len(), "{what}: number of best units");
    for (i, (&g, &r)) in got.iter().zip(&want).enumerate() {
        if g as usize == r {
            continue;
        }
        let x = &data[i * d..(i + 1) * d];
        let score = |u: usize| score64(dist, x, &w[u * d..][..d]);
        let (sg, sr) = (score(g as usize), score(r));
        assert!(
            near_tie(dist, sg, sr),
            "{what}: example {i} got unit {g} ({sg}), reference {r} ({sr})"
        );
    }
}

#[test]
fn bmu_search_matches_reference_on_odd_shapes() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    // (examples, units, dim): N = 1; M below, at and above a 64-unit tile; D at every staging
    // depth and between; N not a multiple of the 64-example block.
    for &(n, m, d) in &[
        (1, 5, 3),
        (1, 300, 64),
        (65, 1, 3),
        (70, 63, 1),
        (130, 64, 3),
        (200, 131, 5),
        (97, 700, 64),
        (33, 90, 300),
    ] {
        let (data, w) = (random(n, d, &mut rng), random(m, d, &mut rng));
        for dist in Distance::ALL {
            let what = format!("{} n={n} m={m} d={d}", dist.name());
            let got = indices(G::som_bmus(tensor(&w, m, d), tensor(&data, n, d), dist));
            assert_bmus(dist, &got, &data, &w, d, &what);
            let by_tile = [SearchTile::Small, SearchTile::Large].map(|tile| {
                let got = indices(bmus_with_tile(tensor(&w, m, d), tensor(&data, n, d), dist, tile));
                assert_bmus(dist, &got, &data, &w, d, &format!("{tile:?} tile, {what}"));
                got
            });
            // The same scores summed in the same order, so the same units, near ties included:
            // which tile runs is a matter of speed only.
            assert_eq!(by_tile[0], by_tile[1], "the two tiles disagree, {what}");
        }
    }
}

/// Asserts that `b1` and `b2` are the best and second-best units in distance `dist` of every
/// row of `data` among the rows of `w`, as the reference finds them (up to near ties).
#[allow(clippy::too_many_arguments)]
#[track_caller]
fn assert_top2(
    dist: Distance,
    b1: Tensor<G, 1, Int>,
    b2: Tensor<G, 1, Int>,
    data: &[f32],
    w: &[f32],
    d: usize,
    what: &str,
) {
    let (n, m) = (data.len() / d, w.len() / d);
    let (b1, b2) = (indices(b1), indices(b2));
    let (xa, wa) = (array(data, n, d), array(w, m, d));
    for i in 0..n {
        let (r1, r2) = reference::bmu2(dist, xa.row(i), wa.view());
        let x = &data[i * d..(i + 1) * d];
        let score = |u: usize| score64(dist, x, &w[u * d..][..d]);
        let near = |a: i64, b: usize| near_tie(dist, score(a as usize), score(b));
        assert!(
            near(b1[i], r1),
            "{what} example {i}: best {} vs reference {r1}",
            b1[i]
        );
        assert!(
            near(b2[i], r2),
            "{what} example {i}: second {} vs reference {r2}",
            b2[i]
        );
        if m > 1 {
            assert_ne!(b1[i], b2[i], "{what} example {i}: second best is the best");
        }
    }
}

/// The search of more than 65,535 blocks of examples runs in several launches, each on later
/// rows; here with launches of 1 to 3 blocks (64 examples each), a short last one included.
#[test]
fn a_search_in_several_launches_matches_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for &(n, m, d, cubes) in &[
        (65, 40, 3, 1),
        (200, 130, 5, 1),
        (200, 130, 5, 3),
        (129, 70, 17, 2),
    ] {
        let (data, w) = (random(n, d, &mut rng), random(m, d, &mut rng));
        for dist in Distance::ALL {
            let (b1, b2) = bmus2_in_launches(tensor(&w, m, d), tensor(&data, n, d), dist, cubes);
            let what = format!("{} n={n} m={m} d={d}, {cubes} blocks a launch", dist.name());
            assert_top2(dist, b1, b2, &data, &w, d, &what);
        }
    }
}

#[test]
fn best_and_second_best_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    for &(n, m, d) in &[(5, 1, 3), (70, 63, 3), (40, 130, 1), (97, 300, 64), (33, 90, 300)] {
        let (data, w) = (random(n, d, &mut rng), random(m, d, &mut rng));
        for dist in Distance::ALL {
            let (b1, b2) = G::som_bmus2(tensor(&w, m, d), tensor(&data, n, d), dist);
            assert_top2(
                dist,
                b1,
                b2,
                &data,
                &w,
                d,
                &format!("{} n={n} m={m} d={d}", dist.name()),
            );
        }
        let (xa, wa) = (array(&data, n, d), array(&w, m, d));
        // The topographic error through the map, on a grid of these units.
        if m == 63 {
            let grid = Grid::new(9, 7);
            let som = SomConfig::new(9, 7, d)
                .init_with_weights(tensor(&w, m, d))
                .unwrap();
            let want = reference::topographic_error(xa.view(), wa.view(), grid);
            assert_eq!(
                som.topographic_error(&tensor(&data, n, d)),
                want,
                "topographic error"
            );
        }
    }
    // Exact duplicates: the second best is the next copy of the best.
    let (n, d) = (30, 3);
    let data = random(n, d, &mut rng);
    let w: Vec<f32> = random(10, d, &mut rng)
        .into_iter()
        .cycle()
        .take(300 * d)
        .collect();
    let (b1, b2) = G::som_bmus2(tensor(&w, 300, d), tensor(&data, n, d), E);
    for (a, b) in indices(b1).into_iter().zip(indices(b2)) {
        assert!(
            a < 10 && b == a + 10,
            "best {a}, second {b}: expected the first two copies"
        );
    }
}

#[test]
fn ties_go_to_the_lowest_unit() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (n, d) = (50, 3);
    let data = random(n, d, &mut rng);
    // Every unit the same: the first wins everywhere.
    let m = 150;
    let row = random(1, d, &mut rng);
    let w: Vec<f32> = row.iter().copied().cycle().take(m * d).collect();
    let distinct = random(10, d, &mut rng);
    let repeated: Vec<f32> = distinct.iter().copied().cycle().take(300 * d).collect();
    // Copies of a row score the same bits in every distance.
    for dist in Distance::ALL {
        assert!(
            indices(G::som_bmus(tensor(&w, m, d), tensor(&data, n, d), dist))
                .iter()
                .all(|&b| b == 0),
            "{}: every unit the same, the first wins",
            dist.name()
        );
        // Ten distinct units repeated 30 times: the tie is across threads, tiles and chunks,
        // and the winner must be the first copy, an index below 10.
        let got = indices(G::som_bmus(tensor(&repeated, 300, d), tensor(&data, n, d), dist));
        assert_bmus(dist, &got, &data, &distinct, d, "repeated units");
        assert!(
            got.iter().all(|&b| b < 10),
            "{}: a later copy of a tied unit won: {got:?}",
            dist.name()
        );
    }
}

/// (width, height, examples, dim).
const TRAINING_SHAPES: &[(usize, usize, usize, usize)] = &[
    (1, 1, 7, 3),
    (1, 9, 30, 3),
    (8, 1, 30, 1),
    (5, 7, 61, 3),
    (6, 5, 40, 64),
    (13, 11, 100, 3),
    (4, 3, 20, 300),
    // Several counting-sort segments (4,096 examples each) on a small map.
    (3, 2, 9000, 1),
];

/// Shapes for online training only. Batch training on a map this large and smooth meets
/// near-ties that f32 and f64 break differently (one example moving changes a weight by
/// ~4e-3); 50 online steps stay within tolerance.
const ONLINE_SHAPES: &[(usize, usize, usize, usize)] = &[
    // More units than online threads (1,024 at most): each thread owns several.
    (50, 41, 300, 3),
    // Width + height above the online kernel's table of exponentials (1,024): per unit.
    (1100, 1, 40, 2),
];

#[test]
fn batch_training_matches_reference() {
    check_batch_training::<G>(TRAINING_SHAPES, 13, &device(), "batch", som_batch);
}

#[test]
fn batch_training_with_either_tile_matches_reference() {
    for tile in [SearchTile::Small, SearchTile::Large] {
        let train = |mut w: Tensor<G, 2>, data: Tensor<G, 2>, grid: Grid, cfg: &BatchTrainingConfig| {
            for e in 0..cfg.epochs {
                w = batch_epoch_with_tile(w, data.clone(), grid, cfg.sigma_at(grid, e), tile);
            }
            host(w)
        };
        check_batch_training::<G>(
            TRAINING_SHAPES,
            13,
            &device(),
            &format!("batch, {tile:?} tile"),
            train,
        );
    }
}

/// A run of batch epochs ([`SomBackend::som_batch_epochs`]: buffers once per run, the finish
/// fused with the per-unit sums, the smoothing one cube per map column) gives the bits of the
/// same epochs on the kernels one by one ([`batch_epoch_with_tile`] with the tile the run
/// picks), on every map and on the shapes where the fused paths switch: few examples (fused
/// sums) and more than 4,096 (the counting sort), a column's sums in one cube, in several
/// channel blocks (`D = 40` next to 100 grid rows) and past shared memory (1,100 grid rows:
/// the two passes through memory), a playbook map wider than its exponential tables.
#[test]
fn a_fused_run_gives_the_bits_of_the_kernels_one_by_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let run_and_loop = |spec: MapSpec, n: usize, d: usize, rng: &mut ChaCha8Rng| {
        let m = spec.grid.units();
        let (data, w0) = (random(n, d, rng), random(m, d, rng));
        let (gx, gy) = (spec.grid.width as f64, spec.grid.height as f64);
        let sigmas = [
            [gx / 3.0 + 0.3, gy / 3.0 + 0.4],
            [gx / 4.0 + 0.2, gy / 5.0 + 0.3],
            [0.9, 0.8],
        ];
        let (run, _) = G::som_batch_epochs(tensor(&w0, m, d), tensor(&data, n, d), spec, &sigmas);
        let tile = SearchTile::choose(n, m, d);
        let one_by_one = sigmas.iter().fold(tensor(&w0, m, d), |w, &sigma| {
            batch_epoch_with_tile(w, tensor(&data, n, d), spec, sigma, tile)
        });
        let (run, one_by_one) = (host(run), host(one_by_one));
        assert_ne!(run, w0, "{spec:?} n={n} d={d}: the run changed nothing");
        assert!(
            run == one_by_one,
            "{spec:?} n={n} d={d}: the fused run differs from the kernels one by one"
        );
    };
    for map in common::every_map() {
        let (topology, wrap, hood, dist) = map;
        if hood == Neighborhood::MexicanHat {
            continue;
        }
        let grid = Grid::new(7, 6).with_topology(topology).with_toroidal(wrap);
        let spec = MapSpec::from(grid).with_neighborhood(hood).with_distance(dist);
        run_and_loop(spec, 50, 3, &mut rng);
    }
    let hex =
        |g: Grid| MapSpec::from(g.with_topology(Topology::Hexagonal)).with_neighborhood(Neighborhood::Bubble);
    for (spec, n, d) in [
        (MapSpec::from(Grid::new(6, 5)), 4500, 2),
        (MapSpec::from(Grid::new(3, 100)), 60, 40),
        (hex(Grid::new(3, 100)), 60, 40),
        (MapSpec::from(Grid::new(2, 1100)), 30, 2),
        (MapSpec::from(Grid::new(600, 1)), 30, 2),
        (
            MapSpec::from(Grid::new(4, 3)).with_distance(Distance::Cosine),
            4500,
            3,
        ),
    ] {
        run_and_loop(spec, n, d, &mut rng);
    }
}

/// Epochs run as one call or one call each: the same bits, the stops where asked.
#[test]
fn a_run_cut_at_any_stops_gives_the_same_weights() {
    common::check_run_stops::<G>(&device());
}

#[test]
fn online_training_matches_reference() {
    let shapes = [TRAINING_SHAPES, ONLINE_SHAPES].concat();
    check_online_training::<G>(&shapes, 14, &device(), "online", som_online);
}

/// The online kernel computes the other maps' factors per unit where their table would not
/// fit in shared memory (`classes * width + height`, twice for the Mexican hat, above 1,024):
/// hexagonal offsets, wrap-around and every neighbourhood and distance there too.
#[test]
fn other_maps_past_the_online_table_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    // D = 4: in two dimensions 3,090 units' directions crowd one circle, and the cosine meets
    // near ties that f32 and f64 break differently (the fused CPU pass departs from the
    // reference there as much as the kernel does).
    let (gx, gy, n, d, steps) = (3, 1030, 40, 4, 30);
    let m = gx * gy;
    let (data, w0) = (random(n, d, &mut rng), random(m, d, &mut rng));
    let order = burnax_som::example_order(n, steps, 5);
    let cfg = OnlineTrainingConfig::new(steps);
    for (topology, wrap, hood, dist) in [
        (
            Topology::Hexagonal,
            true,
            Neighborhood::MexicanHat,
            Distance::Cosine,
        ),
        (
            Topology::Rectangular,
            true,
            Neighborhood::Triangle,
            Distance::Chebyshev,
        ),
        (
            Topology::Hexagonal,
            false,
            Neighborhood::Bubble,
            Distance::Manhattan,
        ),
        (
            Topology::Hexagonal,
            true,
            Neighborhood::Gaussian,
            Distance::Euclidean,
        ),
    ] {
        let grid = Grid::new(gx, gy).with_topology(topology).with_toroidal(wrap);
        let spec = MapSpec::from(grid).with_neighborhood(hood).with_distance(dist);
        let w = G::som_train_online(
            tensor(&w0, m, d),
            tensor(&data, n, d),
            spec,
            &cfg,
            &order,
            0..steps,
        );
        let want = reference::train_online(array(&data, n, d).view(), array(&w0, m, d), spec, &cfg, &order);
        common::assert_close(&host(w), &want, &format!("{spec:?}"));
    }
}

#[test]
fn online_training_leaves_the_input_weights_untouched() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    // D = 1 and a single unit too: their transposes need no copy, so the kernel must make one.
    for (grid, d) in [(Grid::new(4, 4), 3), (Grid::new(4, 4), 1), (Grid::new(1, 1), 3)] {
        let n = 20;
        let (data, w0) = (random(n, d, &mut rng), random(grid.units(), d, &mut rng));
        let w = tensor(&w0, grid.units(), d);
        let cfg = OnlineTrainingConfig::new(10);
        let order = burnax_som::example_order(n, 10, 0);
        let trained = G::som_train_online(w.clone(), tensor(&data, n, d), grid.into(), &cfg, &order, 0..10);
        assert_eq!(host(w), w0, "{grid:?} d={d}: the kernel wrote into its input");
        assert_ne!(host(trained), w0, "{grid:?} d={d}: ten steps changed nothing");
    }
}

#[test]
fn same_inputs_give_bit_identical_weights() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let (gx, gy, n, d) = (12, 9, 5000, 3);
    let data = random(n, d, &mut rng);
    let run = |online: bool| {
        let mut som = SomConfig::new(gx, gy, d).with_seed(7).init::<G>(&device());
        let x = tensor(&data, n, d);
        if online {
            som.train_online(&x, &OnlineTrainingConfig::new(200), None, 3)
                .unwrap();
        } else {
            som.train_batch(&x, &BatchTrainingConfig::new(5)).unwrap();
        }
        som.weights_host()
    };
    assert_eq!(run(false), run(false), "batch training is not deterministic");
    assert_eq!(run(true), run(true), "online training is not deterministic");
}

#[test]
fn padded_rows_are_read_with_their_stride() {
    // CUDA pads the rows of tensors it allocates (a `[n, 3]` tensor has rows 4 floats apart).
    // The same layout on any backend: a wider tensor whose shape is told to be narrower.
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let (grid, n, d, pad) = (Grid::new(5, 4), 40, 3, 2);
    let m = grid.units();
    let (data_wide, w_wide) = (random(n, d + pad, &mut rng), random(m, d + pad, &mut rng));
    let view = |v: &[f32], rows: usize| {
        let mut p = tensor(v, rows, d + pad).into_primitive().tensor();
        p.meta.shape_mut()[1] = d;
        assert_eq!(p.meta.strides()[0], d + pad, "the test needs a padded layout");
        Tensor::<G, 2>::from_primitive(TensorPrimitive::Float(p))
    };
    let dense = |v: &[f32]| -> Vec<f32> { v.chunks(d + pad).flat_map(|r| r[..d].to_vec()).collect() };
    let (data, w0) = (dense(&data_wide), dense(&w_wide));
    let (xa, wa) = (array(&data, n, d), array(&w0, m, d));

    let got = indices(G::som_bmus(view(&w_wide, m), view(&data_wide, n), E));
    assert_bmus(E, &got, &data, &w0, d, "strided rows");
    // The cosine's unit rows and the direct distances read the rows with their stride too.
    for dist in [Distance::Manhattan, Distance::Cosine] {
        let got = indices(G::som_bmus(view(&w_wide, m), view(&data_wide, n), dist));
        assert_bmus(
            dist,
            &got,
            &data,
            &w0,
            d,
            &format!("{} strided rows", dist.name()),
        );
    }
    let (best, _) = G::som_bmus2(view(&w_wide, m), view(&data_wide, n), E);
    assert_eq!(indices(best), got, "strided rows, top-2 search");

    let sigma = [2.5, 2.0];
    let (w, _) = G::som_batch_epochs(view(&w_wide, m), view(&data_wide, n), grid.into(), &[sigma]);
    let want = reference::batch_epoch(xa.view(), wa.view(), grid, sigma);
    burnax_testing::assert_close(
        &host(w),
        want.as_slice().unwrap(),
        Tolerance::F32_VS_F64,
        "strided batch epoch",
    );
    // Another map's smoothing keeps a compact neighbourhood's unreached units, read with the
    // stride: a bubble that reaches only its centre, on a hexagonal torus.
    let spec = MapSpec::from(grid.with_topology(Topology::Hexagonal).with_toroidal(true))
        .with_neighborhood(Neighborhood::Bubble)
        .with_distance(Distance::Manhattan);
    let (w, _) = G::som_batch_epochs(view(&w_wide, m), view(&data_wide, n), spec, &[[0.6, 0.6]]);
    let want = reference::batch_epoch(xa.view(), wa.view(), spec, [0.6, 0.6]);
    assert!(
        (0..m).any(|j| want.row(j) == wa.row(j)),
        "the test needs a unit that no example reaches"
    );
    burnax_testing::assert_close(
        &host(w),
        want.as_slice().unwrap(),
        Tolerance::F32_VS_F64,
        "strided batch epoch, unreached units kept",
    );

    let cfg = OnlineTrainingConfig::new(20);
    let order = burnax_som::example_order(n, 20, 1);
    let w = G::som_train_online(
        view(&w_wide, m),
        view(&data_wide, n),
        grid.into(),
        &cfg,
        &order,
        0..20,
    );
    let want = reference::train_online(xa.view(), wa, grid, &cfg, &order);
    burnax_testing::assert_close(
        &host(w),
        want.as_slice().unwrap(),
        Tolerance::F32_VS_F64,
        "strided online",
    );
}

/// `v` rounded as the GPU converts it for a tensor-core product: TF32 to nearest with ties away
/// from zero (`__float_to_tf32`, 10 mantissa bits), BF16 to nearest even (7 bits).
fn round_as_gpu(v: f32, p: SearchPrecision) -> f64 {
    let bits = v.to_bits();
    let r = match p {
        SearchPrecision::F32 => bits,
        // Adding half an ulp to the magnitude, then truncating: ties go away from zero.
        SearchPrecision::Tf32 => (bits + (1 << 12)) & !0x1fff,
        SearchPrecision::Bf16 => (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffff_0000,
    };
    f32::from_bits(r) as f64
}

/// Whether the device under test has TF32 and BF16 tensor cores: the NVIDIA GPUs `cuda` runs
/// on here (Hopper, Blackwell) do; wgpu offers none.
fn tensor_cores() -> bool {
    cfg!(feature = "cuda")
}

/// A tensor-core score may differ from the exact score of the rounded operands by the `f32`
/// accumulation: at most about `d` ulps of `|x|^2 + |w|^2`. Eight times that is the slack; a
/// wrong unit (a lost fragment, a wrong layout) is off by orders of magnitude more.
fn accumulation_slack(d: usize, scale: f64) -> f64 {
    8.0 * d as f64 * f64::from(f32::EPSILON) * scale
}

#[test]
fn lower_precision_search_matches_its_emulation() {
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    for p in [SearchPrecision::Tf32, SearchPrecision::Bf16] {
        // One example and unit; units below and above a 64-unit tile and several chunks; rows
        // shorter than and not a multiple of a fragment's depth (8 or 16); examples not a
        // multiple of the 64-example block.
        for (n, m, d) in [(1, 1, 1), (70, 65, 3), (130, 1000, 9), (200, 300, 64)] {
            let what = format!("{p:?} n={n} m={m} d={d}");
            let (data, w) = (random(n, d, &mut rng), random(m, d, &mut rng));
            let got = match bmus_with_precision(tensor(&w, m, d), tensor(&data, n, d), p) {
                Err(e) => {
                    assert!(!tensor_cores(), "{what}: {e}");
                    let e = e.to_string();
                    assert!(e.contains("precision") && e.contains("F32"), "{what}: {e}");
                    continue;
                }
                Ok(t) => indices(t),
            };
            assert!(tensor_cores(), "{what}: a device without tensor cores ran it");
            assert_best_as_emulated(&got, &data, &w, d, p, &what);
        }
    }
}

/// Asserts that `got` holds, for every row of `data`, a best unit among the rows of `w` by the
/// scores of operands rounded as `p` rounds them, computed in `f64`, up to the `f32`
/// accumulation's slack.
#[track_caller]
fn assert_best_as_emulated(got: &[i64], data: &[f32], w: &[f32], d: usize, p: SearchPrecision, what: &str) {
    let m = w.len() / d;
    let (xr, wr): (Vec<f64>, Vec<f64>) = (
        data.iter().map(|&v| round_as_gpu(v, p)).collect(),
        w.iter().map(|&v| round_as_gpu(v, p)).collect(),
    );
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let norms: Vec<f64> = wr.chunks(d).map(|u| dot(u, u)).collect();
    let max_norm = norms.iter().cloned().fold(0.0, f64::max);
    for (i, x) in xr.chunks(d).enumerate() {
        let scores: Vec<f64> = wr
            .chunks(d)
            .zip(&norms)
            .map(|(u, n2)| n2 - 2.0 * dot(x, u))
            .collect();
        let best = scores.iter().cloned().fold(f64::INFINITY, f64::min);
        let g = got[i] as usize;
        assert!(g < m, "{what}: example {i} got unit {g}");
        let slack = accumulation_slack(d, dot(x, x) + max_norm);
        assert!(
            scores[g] - best <= slack,
            "{what}: example {i} got unit {g} (score {}), best score {best}",
            scores[g]
        );
    }
}

#[test]
fn lower_precision_epoch_trains_on_its_emulated_search() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let (grid, n, d) = (Grid::new(9, 7), 300, 16);
    let m = grid.units();
    let (data, w) = (random(n, d, &mut rng), random(m, d, &mut rng));
    let sigma = [3.0, 2.5];
    for p in [SearchPrecision::Tf32, SearchPrecision::Bf16] {
        let epoch = batch_epoch_with_precision(tensor(&w, m, d), tensor(&data, n, d), grid, sigma, p);
        let Ok(epoch) = epoch else {
            assert!(!tensor_cores(), "{p:?}: {:?}", epoch.err());
            continue;
        };
        // The search's units, each checked against the emulated search (so the oracle does not
        // rest on the kernel under test), then the CPU's f32 update from them.
        let best =
            indices(bmus_with_precision(tensor(&w, m, d), tensor(&data, n, d), p).expect("it ran once"));
        assert_best_as_emulated(&best, &data, &w, d, p, &format!("{p:?} epoch's search"));
        let best: Vec<Candidate> = best
            .into_iter()
            .map(|i| Candidate {
                score: 0.0,
                index: i as u32,
            })
            .collect();
        let want = burnax_som::cpu::batch::update(&data, d, &best, &w, grid.into(), sigma);
        burnax_testing::assert_close(
            &host(epoch),
            &want.iter().map(|&v| v as f64).collect::<Vec<_>>(),
            Tolerance::F32_VS_F64,
            &format!("{p:?} epoch"),
        );
    }
}

/// Every grid, wrap, neighbourhood and distance on the device's kernels (every distance's
/// search, the factor-table smoothing, the online kernel's factors, wrap and scores): the same
/// answers as the reference. The second case has more units than a search tile's rows of
/// threads and a staging depth wider than `D`.
#[test]
fn every_map_runs_on_the_device() {
    common::check_every_map::<G>(&[(3, 4, 40, 3), (9, 6, 150, 5)], 23, &device(), "device");
}
