//! The playbook's notebooks retold as Rust binaries. Each prints what it computes and why, runs
//! in seconds on the CPU, and takes `--quick` for tiny sizes (the test suite runs every one).
//!
//! | binary | the notebook | command |
//! |---|---|---|
//! | `01-intro` | JAX intro: arrays, devices, PRNG keys, `grad`, `vmap` | `cargo run --release -p tutorials --bin 01-intro` |
//! | `02-som-reference` | the NumPy SOM: random map, neighbourhood, online and batch training | `cargo run --release -p tutorials --bin 02-som-reference` |
//! | `03-som-burnax` | the refined JAX SOMs: a direct port, the per-example step vmapped, one batched step, the fused kernels, a film | `cargo run --release -p tutorials --bin 03-som-burnax` |
//!
//! Pictures go to `--out DIR` (default `tutorial-output/`).
#![warn(missing_docs)]

pub mod vmapped;

/// Whether `--quick` was passed: tiny sizes, for the smoke tests.
pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

pub use burnax_som::device::DeviceKind;

/// Reads `--device cpu|wgpu|cuda` from the command line (default `cpu`), with burnax-som's
/// chooser ([`DeviceKind::from_args`]), the one the `som` CLI and `som-bench` use too.
///
/// # Errors
/// A one-line message starting with `--device` and naming the value when it is unknown, when
/// this build lacks the backend (with the feature to build it with), or when the device does not
/// answer (with the reason, see [`DeviceKind::probe`]).
pub fn device_choice() -> Result<DeviceKind, String> {
    DeviceKind::from_args(std::env::args()).map_err(|e| e.to_string())
}

/// The folder named by `--out DIR` (default `tutorial-output`), created if missing.
///
/// Exits with an error naming the folder if it cannot be created.
pub fn out_dir() -> std::path::PathBuf {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map_or_else(
            || std::path::PathBuf::from("tutorial-output"),
            std::path::PathBuf::from,
        );
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        std::process::exit(2);
    }
    dir
}

/// Times `f`, returning its result and the seconds it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = std::time::Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}
