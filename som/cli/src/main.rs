//! `som`: train, evaluate, export and draw self-organizing maps, on the CPU or a GPU.
//!
//! ```text
//! som train --demo colors --width 240 --height 135 --epochs 50 --out colors.som --png colors.png
//! som train --input data.csv --width 40 --height 40 --mode online --steps 100000 --out m.som
//! som eval --model m.som --input data.csv --json
//! som export --model m.som --weights w.npy
//! som render --model m.som --png m.png --umatrix
//! som train --demo colors --width 240 --height 135 --out colors.som --device cuda
//! ```
//!
//! `--device cpu` (the default) runs Burn's `Flex` backend with the fused CPU kernels;
//! `--device wgpu` (Vulkan, Metal, DX12) and `--device cuda` run the CubeCL kernels and need a
//! `som` built with the features of those names
//! (`cargo run --release -p burnax-som-cli --features cuda --bin som -- ...`). Asking for a
//! device that is not built in, or not present, is a one-line error
//! (`burnax_som::device::DeviceKind` chooses and probes it). Models are device-independent
//! files: train on one, render on another.
//!
//! Errors, argument errors included, are one `error:` line on stderr and exit code 1 (`--help`
//! and `--version` print as usual and exit 0). Outputs are written atomically. A model file
//! written before model files had a checksum loads with one `note:` line on stderr.
//! `--checkpoint-every K` saves the model to `--out` every K epochs (or steps); a killed run
//! continues with `--resume` from its last checkpoint and ends with the same weights, bit for
//! bit, as an uninterrupted run (`burnax_som::checkpoint::CheckpointedRun` is that loop).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::checkpoint::CheckpointedRun;
use burnax_som::device::DeviceKind;
use burnax_som::io::{self, Matrix};
use burnax_som::model::{fingerprint, ModelFile, PayloadCheck, Schedule};
use burnax_som::render;
use burnax_som::{
    BatchTrainingConfig, Init, OnlineTrainingConfig, Progress, Som, SomBackend, SomConfig, SomError,
};
use clap::error::ErrorKind;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "som",
    version,
    about = "Self-organizing maps on Burn: train, evaluate, export, render"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Where to compute: cpu, wgpu (a `som` built with --features wgpu) or cuda (--features cuda).
    #[arg(long, global = true, default_value = "cpu")]
    device: String,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Batch,
    Online,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Demo {
    /// The playbook's 1000 random colours (uniform in [0, 1)^3, from --seed).
    Colors,
}

#[derive(Subcommand)]
enum Command {
    /// Train a map and write it to --out.
    Train(Box<TrainArgs>),
    /// Print the quantization and topographic errors of a model on data.
    Eval {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        input: PathBuf,
        /// Print one JSON object with keys quantization_error and topographic_error.
        #[arg(long)]
        json: bool,
    },
    /// Write a model's weights as NPY (width * height rows, f32, row i = x * height + y).
    Export {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        weights: PathBuf,
    },
    /// Draw a model: RGB for 3-D maps, else (or with --umatrix) the U-matrix as a heat map.
    Render {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        png: PathBuf,
        #[arg(long)]
        umatrix: bool,
        /// Pixels per unit.
        #[arg(long, default_value_t = 4)]
        scale: usize,
    },
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Training data: CSV (optional header) or NPY (2-D f32/f64).
    #[arg(long, conflicts_with = "demo", required_unless_present = "demo")]
    input: Option<PathBuf>,
    /// Built-in data set instead of --input.
    #[arg(long, value_enum)]
    demo: Option<Demo>,
    /// Units along x.
    #[arg(long)]
    width: Option<usize>,
    /// Units along y.
    #[arg(long)]
    height: Option<usize>,
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Batch epochs [default: 50].
    #[arg(long)]
    epochs: Option<usize>,
    /// Online steps [default: 50000].
    #[arg(long)]
    steps: Option<usize>,
    /// Initial radii SX,SY [default: half the grid].
    #[arg(long, value_parser = parse_pair, allow_hyphen_values = true)]
    sigma: Option<[f64; 2]>,
    /// Batch: final radius max(2, dim * F) [default: 0.2].
    #[arg(long)]
    min_sigma_frac: Option<f64>,
    /// Online: clip weights to LO,HI after each step [default: 0,1 for --demo colors, none otherwise].
    #[arg(long, value_parser = parse_pair, allow_hyphen_values = true)]
    clip: Option<[f64; 2]>,
    /// random, sample, pca, or an NPY file of initial weights.
    #[arg(long, default_value = "random")]
    init: String,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Save the model to --out every K epochs (batch) or steps (online).
    #[arg(long)]
    checkpoint_every: Option<usize>,
    /// Continue the training run saved in this model file.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Where to write the model (safetensors).
    #[arg(long)]
    out: PathBuf,
    /// Also draw the trained map to this PNG.
    #[arg(long)]
    png: Option<PathBuf>,
}

fn parse_pair(s: &str) -> Result<[f64; 2], String> {
    let parts: Vec<&str> = s.split(',').collect();
    let [a, b] = parts[..] else {
        return Err(format!("expected two numbers A,B, got {s:?}"));
    };
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| format!("{v:?} is not a number"))
    };
    Ok([num(a)?, num(b)?])
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return argument_error(e),
    };
    let result = match DeviceKind::choose(&cli.device) {
        Err(e) => Err(device_error(&cli.device, e)),
        Ok(DeviceKind::Cpu) => run::<Flex>(cli.command),
        #[cfg(feature = "wgpu")]
        Ok(DeviceKind::Wgpu) => run::<burn::backend::Wgpu>(cli.command),
        #[cfg(feature = "cuda")]
        Ok(DeviceKind::Cuda) => run::<burn::backend::Cuda>(cli.command),
        #[allow(unreachable_patterns)]
        Ok(_) => unreachable!("DeviceKind::choose returns only devices this build has"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the error and any cause it does not already spell out.
            let mut line = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !line.contains(&cause) {
                    line = format!("{line}: {cause}");
                }
            }
            eprintln!("error: {}", line.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// A command line clap refused, as one `error:` line and exit code 1 like every other error:
/// clap's message (which names the flag and the value) without its usage block and `--help`
/// pointer, its indented lines (the missing arguments, the possible values) joined on.
/// `--help`, `--version` and a bare `som` print clap's text and exit as clap does.
fn argument_error(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = message.join(" ");
    eprintln!(
        "error: {}",
        line.strip_prefix("error:").unwrap_or(&line).trim_start()
    );
    ExitCode::FAILURE
}

fn run<B: SomBackend>(command: Command) -> Result<()> {
    match command {
        Command::Train(args) => train::<B>(*args),
        Command::Eval { model, input, json } => eval::<B>(&model, &input, json),
        Command::Export { model, weights } => export(&model, &weights),
        Command::Render {
            model,
            png,
            umatrix,
            scale,
        } => render_cmd::<B>(&model, &png, umatrix, scale),
    }
}

/// A device that cannot be used, with the flag and, for one not built in, the command that
/// builds it.
fn device_error(name: &str, e: SomError) -> anyhow::Error {
    let known = DeviceKind::ALL.iter().any(|k| k.name() == name);
    match name.parse::<DeviceKind>() {
        Err(_) if known => anyhow!(
            "--device {name}: {e} (e.g. cargo run --release -p burnax-som-cli --features {name} --bin som -- ...)"
        ),
        _ => anyhow!("--device {name}: {e}"),
    }
}

fn device<B: Backend>() -> Device<B> {
    Default::default()
}

fn tensor<B: Backend>(m: &Matrix) -> Tensor<B, 2> {
    Tensor::from_data(
        TensorData::new(m.values.clone(), [m.rows, m.cols]),
        &device::<B>(),
    )
}

/// Reads a model file, with a note on stderr if it has no checksum to verify it by.
fn read_model(path: &Path) -> Result<ModelFile> {
    let (file, check) = ModelFile::load_checked(path)?;
    if check == PayloadCheck::NoChecksum {
        eprintln!(
            "note: {} has no checksum (written by an older som); its weights are not verified",
            path.display()
        );
    }
    Ok(file)
}

fn load_model<B: SomBackend>(path: &Path) -> Result<(ModelFile, Som<B>)> {
    let file = read_model(path)?;
    let c = &file.config;
    let w = Tensor::from_data(
        TensorData::new(file.weights.clone(), [c.width * c.height, c.dim]),
        &device::<B>(),
    );
    let som = c.init_with_weights(w)?;
    Ok((file, som))
}

fn check_dim(data: &Matrix, data_name: &Path, dim: usize, what: &str) -> Result<()> {
    if data.cols != dim {
        bail!(
            "{}: data has dimension {}, {what} has dimension {dim}",
            data_name.display(),
            data.cols
        );
    }
    Ok(())
}

fn train<B: SomBackend>(a: TrainArgs) -> Result<()> {
    let (data, data_name) = match (&a.input, a.demo) {
        (Some(p), _) => (io::read_matrix(p)?, p.clone()),
        (None, Some(Demo::Colors)) => (io::demo_colors(a.seed), PathBuf::from("--demo colors")),
        (None, None) => bail!("give --input FILE or --demo colors"),
    };
    let fp = fingerprint(data.rows, data.cols, &data.values);
    let x = tensor::<B>(&data);

    let (config, mut som, schedule, done) = if let Some(resume) = &a.resume {
        // The checkpoint fixes the map and the schedule: a flag that would change them is an
        // error rather than silently ignored.
        let given = [
            ("--width", a.width.is_some()),
            ("--height", a.height.is_some()),
            ("--mode", a.mode.is_some()),
            ("--epochs", a.epochs.is_some()),
            ("--steps", a.steps.is_some()),
            ("--sigma", a.sigma.is_some()),
            ("--min-sigma-frac", a.min_sigma_frac.is_some()),
            ("--clip", a.clip.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
            bail!("{flag} cannot be given with --resume: the checkpoint's schedule and map are used");
        }
        let (file, som) = load_model(resume)?;
        let state = file
            .training
            .clone()
            .ok_or_else(|| anyhow!("{}: holds no training state to resume", resume.display()))?;
        if state.data_fingerprint != fp {
            bail!(
                "{}: was trained on other data ({}), this data is {fp}",
                resume.display(),
                state.data_fingerprint
            );
        }
        check_dim(&data, &data_name, file.config.dim, "the model")?;
        if state.done >= state.schedule.total() {
            bail!(
                "{}: training is already complete ({} of {})",
                resume.display(),
                state.done,
                state.schedule.total()
            );
        }
        (file.config, som, state.schedule, state.done)
    } else {
        let width = a.width.ok_or_else(|| anyhow!("--width is required"))?;
        let height = a.height.ok_or_else(|| anyhow!("--height is required"))?;
        let (init, given) = match a.init.as_str() {
            "random" => (Init::Random, None),
            "sample" => (Init::Sample, None),
            "pca" => (Init::Pca, None),
            path => (Init::Random, Some(PathBuf::from(path))),
        };
        let config = SomConfig::new(width, height, data.cols)
            .with_init(init)
            .with_seed(a.seed);
        config.validate()?;
        let som = match given {
            Some(p) => {
                let w = io::read_matrix(&p)?;
                check_dim(&data, &data_name, w.cols, &format!("init {}", p.display()))?;
                if w.rows != width * height {
                    bail!(
                        "{}: {} rows of initial weights, the {width} x {height} map needs {}",
                        p.display(),
                        w.rows,
                        width * height
                    );
                }
                config.init_with_weights(tensor(&w))?
            }
            None => config.init_with_data(&x)?,
        };
        let schedule = match a.mode.unwrap_or(Mode::Batch) {
            Mode::Batch => {
                if a.steps.is_some() || a.clip.is_some() {
                    bail!("--steps and --clip are for --mode online");
                }
                let mut c = BatchTrainingConfig::new(a.epochs.unwrap_or(50)).with_sigma(a.sigma);
                if let Some(f) = a.min_sigma_frac {
                    c = c.with_min_sigma_frac(f);
                }
                c.validate()?;
                Schedule::Batch(c)
            }
            Mode::Online => {
                if a.epochs.is_some() || a.min_sigma_frac.is_some() {
                    bail!("--epochs and --min-sigma-frac are for --mode batch");
                }
                let clip = a
                    .clip
                    .or(a.demo.map(|_| [0.0, 1.0]))
                    .map(|[lo, hi]| [lo as f32, hi as f32]);
                let c = OnlineTrainingConfig::new(a.steps.unwrap_or(50_000))
                    .with_sigma(a.sigma)
                    .with_clip(clip);
                c.validate()?;
                Schedule::Online(c)
            }
        };
        (config, som, schedule, 0)
    };

    if a.checkpoint_every == Some(0) {
        bail!("--checkpoint-every must be at least 1, got 0");
    }
    let total = schedule.total();
    let unit = if matches!(schedule, Schedule::Batch(_)) {
        "epochs"
    } else {
        "steps"
    };
    let bar = ProgressBar::new(total as u64).with_position(done as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed_precise}, ETA {eta}]")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(unit);
    let on_progress = |som: &Som<B>, p: Progress| -> Result<(), SomError> {
        bar.set_position(p.done as u64);
        if !bar.is_hidden() {
            let qe = p.quantization_error.unwrap_or_else(|| som.quantization_error(&x));
            bar.set_message(format!("{unit}, QE {qe:.5}"));
        }
        Ok(())
    };
    let run = CheckpointedRun {
        config: config.clone(),
        schedule,
        data_fingerprint: fp,
        every: a.checkpoint_every,
        out: a.out.clone(),
    };
    let start = std::time::Instant::now();
    run.train(&mut som, &x, done, on_progress)?;
    bar.finish_and_clear();
    let qe = som.quantization_error(&x);
    let te = som.topographic_error(&x);
    eprintln!(
        "trained {} x {} map on {} examples of dimension {} ({total} {unit}) in {:.2?}: QE {qe:.5}, TE {te:.4}; wrote {}",
        config.width, config.height, data.rows, data.cols, start.elapsed(), a.out.display()
    );
    if let Some(png) = &a.png {
        draw(&som, png, false, 4)?;
        eprintln!("wrote {}", png.display());
    }
    Ok(())
}

fn eval<B: SomBackend>(model: &Path, input: &Path, json: bool) -> Result<()> {
    let (file, som) = load_model::<B>(model)?;
    let data = io::read_matrix(input)?;
    check_dim(
        &data,
        input,
        file.config.dim,
        &format!("model {}", model.display()),
    )?;
    let x = tensor(&data);
    let (qe, te) = (som.quantization_error(&x), som.topographic_error(&x));
    if json {
        println!(
            "{}",
            serde_json::json!({ "quantization_error": qe, "topographic_error": te })
        );
    } else {
        println!("quantization error: {qe}\ntopographic error: {te}");
    }
    Ok(())
}

fn export(model: &Path, out: &Path) -> Result<()> {
    let file = read_model(model)?;
    let c = &file.config;
    io::write_atomic(out, &io::npy_bytes(c.width * c.height, c.dim, &file.weights))?;
    Ok(())
}

fn draw<B: SomBackend>(som: &Som<B>, png: &Path, umatrix: bool, scale: usize) -> Result<()> {
    if scale == 0 {
        bail!("--scale must be at least 1, got 0");
    }
    let grid = som.grid();
    let pixels = if som.dim() == 3 && !umatrix {
        render::pixels(grid, scale, render::rgb(&som.weights_host()))
    } else {
        let u: Vec<f32> = som.umatrix().into_data().into_vec().context("U-matrix values")?;
        render::pixels(grid, scale, render::heat(&u))
    };
    render::write_png(png, pixels)?;
    Ok(())
}

fn render_cmd<B: SomBackend>(model: &Path, png: &Path, umatrix: bool, scale: usize) -> Result<()> {
    let (_, som) = load_model::<B>(model)?;
    draw(&som, png, umatrix, scale)
}
