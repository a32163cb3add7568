//! Shared pieces of the SOM benchmarks: workloads and timing.
//!
//! `cargo bench -p benches` runs [the bench target](../benches/som.rs) on synthetic data of the
//! playbook's shapes; `benches/peers/run.sh` runs the `som-bench` binary on the peers' exact
//! workloads, beside the peers, and writes one table.
#![warn(missing_docs)]

use std::time::{Duration, Instant};

/// Runs `f` once to warm up, then `repeats` times; returns the median and all times.
pub fn time<T>(repeats: usize, mut f: impl FnMut() -> T) -> (Duration, Vec<Duration>) {
    std::hint::black_box(f());
    let mut times: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    let all = times.clone();
    times.sort();
    (times[times.len() / 2], all)
}
