//! The playbook's notebooks retold as Rust binaries. Each prints what it computes and why, runs
//! in seconds on the CPU, and takes `--quick` for tiny sizes (the test suite runs every one).
//!
//! | binary | the notebook | command |
//! |---|---|---|
//! | `01-intro` | JAX intro: arrays, devices, PRNG keys, `grad` | `cargo run --release -p tutorials --bin 01-intro` |
//! | `02-som-reference` | the NumPy SOM | not written yet |
//! | `03-som-burnax` | the refined JAX SOMs | not written yet |
#![warn(missing_docs)]

/// Whether `--quick` was passed: tiny sizes, for the smoke tests.
pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}
