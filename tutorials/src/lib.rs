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

/// The command line every tutorial takes; anything else is an error, and `--help` says so.
#[derive(clap::Parser, Debug)]
#[command(about = "A notebook of NVIDIA's JAX on DGX Spark playbook, retold in Rust")]
pub struct Args {
    /// Tiny sizes, for the smoke tests.
    #[arg(long)]
    pub quick: bool,
    /// Where to compute: cpu, wgpu or cuda (a build with that feature; the tutorials that run
    /// on the CPU only say so).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Where pictures go.
    #[arg(long, default_value = "tutorial-output")]
    pub out: std::path::PathBuf,
}

/// The command line, parsed once: clap prints the help or the error and exits for a bad one.
pub fn args() -> &'static Args {
    static ARGS: std::sync::OnceLock<Args> = std::sync::OnceLock::new();
    ARGS.get_or_init(<Args as clap::Parser>::parse)
}

/// Whether `--quick` was passed: tiny sizes, for the smoke tests.
pub fn quick() -> bool {
    args().quick
}

pub use burnax_som::device::DeviceKind;

/// The device `--device` names (default `cpu`), with burnax-som's chooser
/// ([`DeviceKind::choose`]), the one the `som` CLI and `som-bench` use too.
///
/// # Errors
/// A one-line message starting with `--device` and naming the value when it is unknown, when
/// this build lacks the backend (with the feature to build it with), or when the device does not
/// answer (with the reason, see [`DeviceKind::probe`]).
pub fn device_choice() -> Result<DeviceKind, String> {
    let name = &args().device;
    DeviceKind::choose(name).map_err(|e| format!("--device {name}: {e}"))
}

/// The folder named by `--out DIR` (default `tutorial-output`), created if missing.
///
/// Exits with an error naming the folder if it cannot be created.
pub fn out_dir() -> std::path::PathBuf {
    let dir = args().out.clone();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        std::process::exit(2);
    }
    dir
}

/// Draws one labelled picture of a map (`burnax_som::render`) to `path`, and says so.
pub fn picture(path: &std::path::Path, grid: burnax_som::Grid, title: &str, plot: burnax_som::render::Plot) {
    let panel = burnax_som::render::Panel {
        title: title.into(),
        plot,
    };
    let image = burnax_som::render::Figure::new(grid, vec![panel])
        .draw()
        .expect("draw the picture");
    image.write_png(path).expect("write the picture");
    println!("  wrote {}", path.display());
}

/// Times `f`, returning its result and the seconds it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = std::time::Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}
