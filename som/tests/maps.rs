//! Every grid, wrap, neighbourhood and distance (`common::every_map`) against the `f64`
//! reference, on odd sizes: through the library on `Flex` (the fused CPU search, batch epoch
//! and online pass), and on the portable tensor-op path.

use burn::backend::Flex;
use burnax_som::{reference, tensor_ops, BatchTrainingConfig, OnlineTrainingConfig};

mod common;
use common::{array, assert_close, every_map, map_config, random, tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// (width, height, examples, dim): odd and even heights (a hexagonal torus needs an even one),
/// a single column, D = 2, 3, 5 (not 1: in one dimension every positive unit is at cosine
/// distance 0 from every positive example, all ties).
const SHAPES: &[common::Case] = &[(5, 4, 60, 3), (4, 7, 80, 5), (1, 8, 37, 2), (6, 5, 120, 3)];

#[test]
fn every_map_matches_the_reference() {
    common::check_every_map::<Flex>(SHAPES, 21, &Default::default(), "Flex");
}

#[test]
fn every_map_matches_the_reference_on_the_tensor_op_path() {
    let device = Default::default();
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let (gx, gy, n, d) = (5, 6, 90, 3);
    let m = gx * gy;
    let (data, w0) = (random(n, d, &mut rng), random(m, d, &mut rng));
    let (xa, wa) = (array(&data, n, d), array(&w0, m, d));
    let x = tensor::<Flex>(&data, n, d, &device);
    for map in every_map() {
        let spec = map_config(gx, gy, d, map).spec();
        let what = format!("{:?} {:?} {:?} toroidal={}", map.0, map.2, map.3, map.1);
        let sigma = Some([gx as f64 / 3.0 + 0.3, gy as f64 / 3.0 + 0.4]);
        if spec.neighborhood.separable() {
            let (radii, frac) = common::batch_radii(map.2, gx, gy);
            let cfg = BatchTrainingConfig::new(3)
                .with_sigma(Some(radii))
                .with_sigma_floor(0.9)
                .with_min_sigma_frac(frac);
            let mut w = tensor::<Flex>(&w0, m, d, &device);
            for e in 0..cfg.epochs {
                w = tensor_ops::batch_epoch(w, x.clone(), spec, cfg.sigma_at(spec.grid, e));
            }
            let want = reference::train_batch(xa.view(), wa.clone(), spec, &cfg);
            assert_close(
                &w.into_data().into_vec::<f32>().unwrap(),
                &want,
                &format!("batch {what}"),
            );
        }
        let steps = 40;
        let order = burnax_som::example_order(n, steps, 3);
        let cfg = OnlineTrainingConfig::new(steps)
            .with_sigma(sigma)
            .with_sigma_floor(0.9);
        let w = tensor_ops::train_online(
            tensor::<Flex>(&w0, m, d, &device),
            x.clone(),
            spec,
            &cfg,
            &order,
            0..steps,
        );
        let want = reference::train_online(xa.view(), wa.clone(), spec, &cfg, &order);
        assert_close(
            &w.into_data().into_vec::<f32>().unwrap(),
            &want,
            &format!("online {what}"),
        );
    }
}
