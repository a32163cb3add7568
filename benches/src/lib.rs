//! Shared pieces of the benchmarks: interleaved timing, and checking that two versions agree
//! before they are timed.
//!
//! `cargo bench -p benches --bench som` runs the SOM workloads on synthetic data of the
//! playbook's shapes (on criterion); `benches/peers/run.sh` runs the `som-bench` binary on the
//! peers' exact workloads, beside the peers, and writes one table. The `grad`, `vmap` and `jit`
//! targets are A/B comparisons: [`interleaved`] alternates the versions round by round, so a
//! load change on a small machine hits both alike and their ratio stays honest.
#![warn(missing_docs)]

use std::time::{Duration, Instant};

/// Median seconds per call of each function, over `rounds` interleaved rounds (one round calls
/// each function `calls` times in turn), each result passed through `black_box`.
pub fn interleaved<T, const K: usize>(rounds: usize, calls: usize, fs: [&dyn Fn() -> T; K]) -> [f64; K] {
    let mut times = [(); K].map(|_| Vec::<Duration>::new());
    for _ in 0..rounds {
        for (f, t) in fs.iter().zip(times.iter_mut()) {
            let start = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(f());
            }
            t.push(start.elapsed() / calls as u32);
        }
    }
    times.map(|mut t| {
        t.sort();
        t[t.len() / 2].as_secs_f64()
    })
}

/// A tensor's values on the host, as `f32`.
pub fn values<B: burn::prelude::Backend, const D: usize>(t: burn::prelude::Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec().expect("f32 values")
}

/// Panics unless `a` and `b` have the same length and are equal, or differ elementwise by less
/// than `tol` relative to `1 + |b|` (so `tol = 0` asks for equality), naming `what` and the
/// largest difference.
#[track_caller]
pub fn assert_agree(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (1.0 + y.abs()))
        .fold(0.0, f32::max);
    assert!(worst == 0.0 || worst < tol, "{what}: differ by {worst:e}");
}
