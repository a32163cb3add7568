//! `cargo bench -p benches`: the SOM workloads of the playbook on synthetic data of the same
//! shapes, fused `Flex` kernels, plus the portable tensor-op path on the same batch workload
//! for comparison. Times are medians of 3 runs after a warm-up; the device work is synchronous
//! on `Flex`, so the timed region includes all of it.

use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::{example_order, tensor_ops, BatchTrainingConfig, Grid, OnlineTrainingConfig, SomConfig};
use rand::{Rng, SeedableRng};

type B = Flex;

fn data(n: usize, d: usize, seed: u64) -> Tensor<B, 2> {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let v: Vec<f32> = (0..n * d).map(|_| r.random()).collect();
    Tensor::from_data(TensorData::new(v, [n, d]), &Default::default())
}

fn report(name: &str, median: std::time::Duration, all: &[std::time::Duration], qe: f64) {
    let runs: Vec<String> = all.iter().map(|t| format!("{:.3}", t.as_secs_f64())).collect();
    println!(
        "{name:<44} median {:>8.3} s   runs [{}]   QE {qe:.5}",
        median.as_secs_f64(),
        runs.join(", ")
    );
}

fn batch(
    name: &str,
    (gx, gy): (usize, usize),
    (n, d): (usize, usize),
    epochs: usize,
    sigma: [f64; 2],
    frac: f64,
) {
    let x = data(n, d, 1);
    let cfg = BatchTrainingConfig::new(epochs)
        .with_sigma(Some(sigma))
        .with_min_sigma_frac(frac);
    let mut qe = 0.0;
    let (med, all) = benches::time(3, || {
        let mut som = SomConfig::new(gx, gy, d).init::<B>(&Default::default());
        som.train_batch(&x, &cfg).unwrap();
        qe = som.quantization_error(&x);
    });
    report(name, med, &all, qe);
}

fn main() {
    // `cargo bench -- NAME` runs the benchmarks whose name contains NAME.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let run = |name: &str| filter.as_ref().is_none_or(|f| name.contains(f.as_str()));
    println!("burnax-som benchmarks (Flex, {} threads)", rayon_threads());

    if run("rgb batch") {
        batch(
            "rgb batch: 1000x3, 240x135, 50 epochs",
            (240, 135),
            (1000, 3),
            50,
            [120.0, 70.0],
            0.2,
        );
    }
    if run("rgb online") {
        let x = data(1000, 3, 1);
        let cfg = OnlineTrainingConfig::new(50_000)
            .with_sigma(Some([120.0, 70.0]))
            .with_clip(Some([0.0, 1.0]));
        let order = example_order(1000, 50_000, 0);
        let mut qe = 0.0;
        let (med, all) = benches::time(3, || {
            let mut som = SomConfig::new(240, 135, 3).init::<B>(&Default::default());
            som.train_online(&x, &cfg, Some(&order), 0).unwrap();
            qe = som.quantization_error(&x);
        });
        report("rgb online: 1000x3, 240x135, 50,000 steps", med, &all, qe);
    }
    if run("digits batch") {
        batch(
            "digits batch: 1797x64, 40x40, 100 epochs",
            (40, 40),
            (1797, 64),
            100,
            [20.0, 20.0],
            0.05,
        );
    }
    if run("scale batch") {
        batch(
            "scale batch: 100000x64, 64x64, 10 epochs",
            (64, 64),
            (100_000, 64),
            10,
            [32.0, 32.0],
            0.05,
        );
    }
    if run("tensor-op") {
        // The portable path (plain Burn ops on Flex) on the rgb batch workload, 5 of 50 epochs.
        let x = data(1000, 3, 1);
        let grid = Grid::new(240, 135);
        let cfg = BatchTrainingConfig::new(50).with_sigma(Some([120.0, 70.0]));
        let (med, all) = benches::time(3, || {
            let mut w = SomConfig::new(240, 135, 3)
                .init::<B>(&Default::default())
                .weights();
            for e in 0..5 {
                w = tensor_ops::batch_epoch(w, x.clone(), grid.into(), cfg.sigma_at(grid, e));
            }
            w.into_data()
        });
        report("rgb batch, tensor-op path, 5 of 50 epochs", med, &all, f64::NAN);
    }
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
