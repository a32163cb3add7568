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
/// A message naming the value when it is unknown, when this build lacks the backend (with the
/// feature to build it with), or when the device does not answer (with the runtime's reason,
/// see `burnax_som::backend::probe_device`).
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
    let answer = match choice {
        DeviceChoice::Cpu => Ok::<(), String>(()),
        #[cfg(feature = "wgpu")]
        DeviceChoice::Wgpu => burnax_som::backend::probe_device::<burn::backend::Wgpu>(),
        #[cfg(feature = "cuda")]
        DeviceChoice::Cuda => burnax_som::backend::probe_device::<burn::backend::Cuda>(),
        #[allow(unreachable_patterns)]
        _ => unreachable!("checked above: this build has the backend"),
    };
    answer.map_err(|why| format!("--device {name}: no usable {name} device ({why})"))?;
    Ok(choice)
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
