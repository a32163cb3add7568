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

/// The device named by `--device NAME` (default `cpu`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceChoice {
    /// Burn's `Flex` CPU backend.
    Cpu,
    /// Burn's `Wgpu` backend (feature `wgpu`).
    Wgpu,
    /// Burn's `Cuda` backend (feature `cuda`).
    Cuda,
}

/// Reads `--device cpu|wgpu|cuda` from the command line.
///
/// # Errors
/// A message naming the value when it is unknown, or when this build lacks the backend
/// (with the feature to build it with).
pub fn device_choice() -> Result<DeviceChoice, String> {
    let args: Vec<String> = std::env::args().collect();
    let Some(i) = args.iter().position(|a| a == "--device") else {
        return Ok(DeviceChoice::Cpu);
    };
    let name = args.get(i + 1).map(String::as_str).unwrap_or("");
    let choice = match name {
        "cpu" => DeviceChoice::Cpu,
        "wgpu" => DeviceChoice::Wgpu,
        "cuda" => DeviceChoice::Cuda,
        other => return Err(format!("--device {other:?}: expected cpu, wgpu or cuda")),
    };
    let built = match choice {
        DeviceChoice::Cpu => true,
        DeviceChoice::Wgpu => cfg!(feature = "wgpu"),
        DeviceChoice::Cuda => cfg!(feature = "cuda"),
    };
    if !built {
        return Err(format!(
            "--device {name}: this build has no {name} backend; rebuild with `--features {name}`"
        ));
    }
    Ok(choice)
}
