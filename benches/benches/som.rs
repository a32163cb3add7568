//! `cargo bench -p benches --bench som`: the playbook's SOM workloads on synthetic data of the
//! same shapes, on [criterion] (statistics over samples, saved baselines, regressions).
//!
//! The backend is chosen by feature, so the same command measures each device:
//! - default: `Flex`, the fused CPU kernels;
//! - `--features wgpu` or `--features cuda`: the CubeCL kernels (`cuda` when both are on), plus
//!   the `large` workload and the TF32 search on `scale` and `large` (CUDA only).
//!
//! Each timed call trains a fresh map from the same start and ends with the device synced, so
//! the GPU's queued work is inside the timed region. Before timing, each workload is trained
//! once and its quantization error printed: a fast wrong answer shows.
//!
//! ```sh
//! cargo bench -p benches --bench som                          # every workload
//! cargo bench -p benches --bench som -- "rgb batch"           # one (a criterion filter)
//! cargo bench -p benches --bench som -- --save-baseline main  # then, after a change:
//! cargo bench -p benches --bench som -- --baseline main       # the change against main
//! cargo bench -p benches --features cuda --bench som          # the GPU kernels (DGX Spark)
//! ```

use std::time::Duration;

use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::{example_order, tensor_ops, BatchTrainingConfig, Grid, OnlineTrainingConfig, SomConfig};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};

#[cfg(feature = "cuda")]
type B = burn::backend::Cuda;
#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
type B = burn::backend::Wgpu;
#[cfg(not(any(feature = "wgpu", feature = "cuda")))]
type B = burn::backend::Flex;

/// How a workload trains.
#[derive(Clone, Copy)]
enum Mode {
    /// Full passes, the final sigma `max(2, side * min_sigma_frac)` as in the playbook.
    Batch { epochs: usize, min_sigma_frac: f64 },
    /// Single-example steps in a fixed random order, weights clipped to the data's `[0, 1]`.
    Online { steps: usize },
}

/// One of the playbook's workloads (`../shared/peers/common.py`), on uniform data of its shape.
#[derive(Clone, Copy)]
struct Workload {
    name: &'static str,
    grid: (usize, usize),
    data: (usize, usize),
    sigma: [f64; 2],
    mode: Mode,
}

impl Workload {
    /// The map's grid.
    fn map(&self) -> Grid {
        Grid::new(self.grid.0, self.grid.1)
    }

    /// `1000x3 on 240x135, 50 epochs`.
    fn shape(&self) -> String {
        let ((gx, gy), (n, d)) = (self.grid, self.data);
        let length = match self.mode {
            Mode::Batch { epochs, .. } => format!("{epochs} epochs"),
            Mode::Online { steps } => format!("{steps} steps"),
        };
        format!("{n}x{d} on {gx}x{gy}, {length}")
    }
}

const RGB: (usize, usize) = (240, 135);

fn workloads() -> Vec<Workload> {
    let batch = |epochs, min_sigma_frac| Mode::Batch {
        epochs,
        min_sigma_frac,
    };
    let mut all = vec![
        Workload {
            name: "rgb batch",
            grid: RGB,
            data: (1000, 3),
            sigma: [120.0, 70.0],
            mode: batch(50, 0.2),
        },
        Workload {
            name: "rgb online",
            grid: RGB,
            data: (1000, 3),
            sigma: [120.0, 70.0],
            mode: Mode::Online { steps: 50_000 },
        },
        Workload {
            name: "digits batch",
            grid: (40, 40),
            data: (1797, 64),
            sigma: [20.0, 20.0],
            mode: batch(100, 0.05),
        },
        Workload {
            name: "digits online",
            grid: (40, 40),
            data: (1797, 64),
            sigma: [20.0, 20.0],
            mode: Mode::Online { steps: 100 * 1797 },
        },
        Workload {
            name: "scale batch",
            grid: (64, 64),
            data: (100_000, 64),
            sigma: [32.0, 32.0],
            mode: batch(10, 0.05),
        },
    ];
    // A million rows against 10,000 units: minutes an epoch on a laptop's cores, 67 ms on an H200.
    if cfg!(any(feature = "wgpu", feature = "cuda")) {
        all.push(Workload {
            name: "large batch",
            grid: (100, 100),
            data: (1_000_000, 64),
            sigma: [50.0, 50.0],
            mode: batch(10, 0.05),
        });
    }
    all
}

/// Uniform `[0, 1)` data, the same for every backend (ChaCha8 from `seed`).
fn data(n: usize, d: usize, seed: u64, device: &Device<B>) -> Tensor<B, 2> {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let v: Vec<f32> = (0..n * d).map(|_| r.random()).collect();
    Tensor::from_data(TensorData::new(v, [n, d]), device)
}

/// Waits for the device's queued work (a no-op on the CPU).
fn sync(device: &Device<B>) {
    B::sync(device).expect("the device failed while training");
}

/// A trainer for one workload: builds the map from the same initial weights each call.
struct Run {
    work: Workload,
    x: Tensor<B, 2>,
    w0: Tensor<B, 2>,
    order: Option<Vec<usize>>,
}

impl Run {
    fn new(work: Workload, device: &Device<B>) -> Self {
        let (n, d) = work.data;
        let x = data(n, d, 1, device);
        let w0 = data(work.grid.0 * work.grid.1, d, 2, device);
        let order = match work.mode {
            Mode::Online { steps } => Some(example_order(n, steps, 0)),
            Mode::Batch { .. } => None,
        };
        Self { work, x, w0, order }
    }

    fn train(&self) -> burnax_som::Som<B> {
        let (gx, gy) = self.work.grid;
        let mut som = SomConfig::new(gx, gy, self.work.data.1)
            .init_with_weights(self.w0.clone())
            .expect("the initial map has the grid's units");
        match self.work.mode {
            Mode::Batch {
                epochs,
                min_sigma_frac,
            } => {
                let cfg = BatchTrainingConfig::new(epochs)
                    .with_sigma(Some(self.work.sigma))
                    .with_min_sigma_frac(min_sigma_frac);
                som.train_batch(&self.x, &cfg).expect("batch training");
            }
            Mode::Online { steps } => {
                let cfg = OnlineTrainingConfig::new(steps)
                    .with_sigma(Some(self.work.sigma))
                    .with_clip(Some([0.0, 1.0]));
                som.train_online(&self.x, &cfg, self.order.as_deref(), 0)
                    .expect("online training");
            }
        }
        som
    }
}

fn playbook(c: &mut Criterion) {
    let device = Default::default();
    for work in workloads() {
        // Criterion calls the closure only for the benchmarks its filter selects, once per
        // warm-up and sample: the data is made and the QE shown on the first call.
        let mut run = None;
        c.bench_function(work.name, |b| {
            let run = run.get_or_insert_with(|| {
                let run = Run::new(work, &device);
                let qe = run.train().quantization_error(&run.x);
                println!(
                    "{}: {}, {}: QE {qe:.5}",
                    work.name,
                    work.shape(),
                    B::name(&device)
                );
                run
            });
            b.iter(|| {
                let som = run.train();
                sync(&device);
                som
            })
        });
    }
}

/// The portable path (plain Burn tensor operations) on the rgb batch workload, 5 of its 50
/// epochs: what the fused kernels are measured against.
fn tensor_op_path(c: &mut Criterion) {
    let device = Default::default();
    let rgb = workloads()
        .into_iter()
        .find(|w| w.name == "rgb batch")
        .expect("the rgb workload");
    let grid = rgb.map();
    let cfg = BatchTrainingConfig::new(50).with_sigma(Some(rgb.sigma));
    let mut run = None;
    c.bench_function("rgb batch tensor-op, 5 of 50 epochs", |b| {
        let run = run.get_or_insert_with(|| Run::new(rgb, &device));
        b.iter(|| {
            let mut w = run.w0.clone();
            for e in 0..5 {
                w = tensor_ops::batch_epoch(w, run.x.clone(), grid.into(), cfg.sigma_at(grid, e));
            }
            sync(&device);
            w
        })
    });
}

/// The tensor-core (TF32) search against the f32 one, an epoch at a time, on the long rows where
/// it keeps the map's quality (`SearchPrecision`'s docs).
#[cfg(feature = "cuda")]
fn tensor_cores(c: &mut Criterion) {
    use burnax_som::gpu::{batch_epoch_with_precision, SearchPrecision};
    let device = Default::default();
    for work in workloads()
        .into_iter()
        .filter(|w| matches!(w.name, "scale batch" | "large batch"))
    {
        let grid = work.map();
        let Mode::Batch {
            epochs,
            min_sigma_frac,
        } = work.mode
        else {
            continue;
        };
        let cfg = BatchTrainingConfig::new(epochs)
            .with_sigma(Some(work.sigma))
            .with_min_sigma_frac(min_sigma_frac);
        let mut run = None;
        for (label, precision) in [("f32", SearchPrecision::F32), ("tf32", SearchPrecision::Tf32)] {
            c.bench_function(&format!("{} {label} epochs", work.name), |b| {
                let run = run.get_or_insert_with(|| Run::new(work, &device));
                b.iter(|| {
                    let mut w = run.w0.clone();
                    for e in 0..epochs {
                        w = batch_epoch_with_precision(
                            w,
                            run.x.clone(),
                            grid,
                            cfg.sigma_at(grid, e),
                            precision,
                        )
                        .expect("this card has tensor cores for the precision");
                    }
                    sync(&device);
                    w
                })
            });
        }
    }
}

#[cfg(not(feature = "cuda"))]
fn tensor_cores(_: &mut Criterion) {}

/// Ten samples (criterion's least): a sample is a whole training run, up to seconds on the CPU.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
}

criterion_group! {
    name = som;
    config = config();
    targets = playbook, tensor_op_path, tensor_cores
}
criterion_main!(som);
