//! `som`: train, evaluate, export and draw self-organizing maps, on the CPU or a GPU.
//!
//! ```text
//! som train --demo colors --width 240 --height 135 --epochs 50 --out colors.som --png colors.png
//! som train --input data.csv --width 40 --height 40 --mode online --steps 100000 --out m.som
//! som train --input wine.csv --label-column class --normalize zscore --width 12 --height 9 --out w.som
//! som eval --model m.som --input data.csv --json
//! som predict --model m.som --input iris.csv --label-column species --out bmus.csv --labels-map labels.csv
//! som export --model m.som --weights w.npy
//! som render --model m.som --png m.png --mode umatrix
//! som render --model m.som --png classes.png --mode labels --input iris.csv --label-column species
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
//! and `--version` print as usual and exit 0). Sizes and values are checked before any work
//! (`burnax_som::limits`), memory against `--memory-limit` (8G by default). Outputs are written
//! atomically. A model file written before model files had a checksum loads with one `note:`
//! line on stderr.
//! `--checkpoint-every K` saves the model to `--out` every K epochs (or steps); a killed run
//! continues with `--resume` from its last checkpoint and ends with the same weights, bit for
//! bit, as an uninterrupted run (`burnax_som::checkpoint::CheckpointedRun` is that loop).

mod normalize;
mod predict;
mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_comm::Communicator;
#[cfg(feature = "mpi")]
use burnax_comm::Mpi;
use burnax_som::checkpoint::CheckpointedRun;
use burnax_som::device::DeviceKind;
use burnax_som::distributed;
use burnax_som::io::{self, Column, CsvOptions, Delimiter, Matrix, Shard, Table};
use burnax_som::limits::{self, MemoryLimit};
use burnax_som::model::{fingerprint, ModelFile, PayloadCheck, Schedule};
use burnax_som::normalize::{Normalization, Normalize};
use burnax_som::{
    BatchTrainingConfig, Distance, Init, Neighborhood, OnlineTrainingConfig, Progress, Som, SomBackend,
    SomConfig, SomError, Topology,
};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use normalize::NormalizeArg;

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
    /// The most memory a command may plan to use (the map, the data, a picture), checked before
    /// anything is allocated: 512M, 8G, 1.5GiB.
    #[arg(long, global = true, default_value = "8G")]
    memory_limit: MemoryLimit,
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
        #[command(flatten)]
        on: ModelOnData,
        /// Print one JSON object: quantization_error, topographic_error, width, height and hits
        /// (how many rows have each unit as best unit, in unit order x * height + y).
        #[arg(long)]
        json: bool,
    },
    /// Write each row's best unit (x, y, unit, distance) and, with labels, the labels map.
    Predict(Box<predict::PredictArgs>),
    /// Write a model's weights, U-matrix or hit map as NPY or CSV (by each file's name).
    Export(Box<ExportArgs>),
    /// Draw a model as a labelled PNG: its weights as RGB, U-matrix, hit map, labels map or
    /// component planes, with a title, axes and a colour bar or legend.
    Render(Box<render::RenderArgs>),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The model file (`som train --out`).
    #[arg(long)]
    model: PathBuf,
    /// Where to write the weights, width * height rows (row i = x * height + y) of dim f32
    /// (its columns are the component planes), in the data's units (a --normalize'd model's
    /// rescaling undone); CSV with the features' names as header, when known.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Where to write the U-matrix (each unit's mean distance to its grid neighbours' weights,
    /// in the rescaled space of a --normalize'd model), width rows of height f32.
    #[arg(long)]
    umatrix: Option<PathBuf>,
    /// Where to write the hit map of --input (how many rows have each unit as best unit), width
    /// rows of height counts (NPY: float64).
    #[arg(long, requires = "input")]
    hits: Option<PathBuf>,
    /// Data for --hits: CSV or NPY; `-` reads standard input.
    #[arg(long)]
    input: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
}

/// A model and the data to apply it to (`eval`, `predict`).
#[derive(clap::Args)]
struct ModelOnData {
    /// The model file (`som train --out`).
    #[arg(long)]
    model: PathBuf,
    /// Data: CSV or NPY; `-` reads standard input. A note says so when a CSV header names
    /// other columns than those the model was trained on.
    #[arg(long)]
    input: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

impl ModelOnData {
    /// The model, the rows of `--input` and their labels (see [`read_for_model`]).
    fn read(&self, limit: MemoryLimit) -> Result<(ModelFile, Matrix, Option<Vec<String>>)> {
        let file = read_model("--model", &self.model, limit)?;
        let (data, labels) = read_for_model(&file, &self.model, &self.input, &self.data, limit)?;
        Ok((file, data, labels))
    }
}

/// How to read a CSV file's cells (an NPY file's columns are all features).
#[derive(clap::Args, Clone, Default)]
struct DataArgs {
    /// CSV: what separates cells: , ; | tab or whitespace [default: detected].
    #[arg(long)]
    delimiter: Option<Delimiter>,
    /// CSV: the feature columns, by header name or number from 1, comma-separated [default:
    /// all but the dropped and the label column].
    #[arg(long, value_delimiter = ',')]
    columns: Option<Vec<Column>>,
    /// CSV: columns that are not features (an id, a date), comma-separated.
    #[arg(long, value_delimiter = ',')]
    drop_columns: Vec<Column>,
    /// CSV: the column of class labels, any text, kept apart from the features.
    #[arg(long)]
    label_column: Option<Column>,
}

impl DataArgs {
    fn options(&self) -> CsvOptions {
        CsvOptions {
            delimiter: self.delimiter,
            columns: self.columns.clone(),
            drop: self.drop_columns.clone(),
            label: self.label_column.clone(),
        }
    }
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Training data: CSV (header detected) or NPY (2-D f32/f64); `-` reads standard input.
    #[arg(long, conflicts_with = "demo", required_unless_present = "demo")]
    input: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Built-in data set instead of --input.
    #[arg(long, value_enum)]
    demo: Option<Demo>,
    /// Rescale each feature before training (stored in the model; every command that reads
    /// data rescales it the same way) [default: none, with a warning when the features' ranges
    /// differ by more than 100x].
    #[arg(long, value_enum)]
    normalize: Option<NormalizeArg>,
    /// Units along x.
    #[arg(long)]
    width: Option<usize>,
    /// Units along y.
    #[arg(long)]
    height: Option<usize>,
    /// The grid: rectangular (8 neighbours) or hexagonal (odd rows shifted by half a unit, 6
    /// neighbours at distance 1) [default: rectangular].
    #[arg(long, value_parser = PossibleValuesParser::new(Topology::ALL.map(Topology::name))
        .map(|s| Topology::from_name(&s).expect("a listed name")))]
    topology: Option<Topology>,
    /// Wrap the map around in both directions (a torus; hexagonal needs an even --height).
    #[arg(long)]
    toroidal: bool,
    /// The neighbourhood function, with r2 = dx^2/sx^2 + dy^2/sy^2: gaussian exp(-r2), bubble
    /// (1 inside the radii), triangle (1 - dx/sx)(1 - dy/sy) clipped at 0, mexican-hat
    /// (1 - r2) exp(-r2), online only [default: gaussian].
    #[arg(long, value_parser = PossibleValuesParser::new(Neighborhood::ALL.map(Neighborhood::name))
        .map(|s| Neighborhood::from_name(&s).expect("a listed name")))]
    neighborhood: Option<Neighborhood>,
    /// The distance that picks each example's best unit (and measures the quantization
    /// error): euclidean, manhattan, chebyshev or cosine (1 - cos) [default: euclidean].
    #[arg(long, value_parser = PossibleValuesParser::new(Distance::ALL.map(Distance::name))
        .map(|s| Distance::from_name(&s).expect("a listed name")))]
    distance: Option<Distance>,
    /// Online: learning rate START,END, geometric in between [default: 0.35,0.01].
    #[arg(long, value_parser = parse_pair)]
    learning_rate: Option<[f64; 2]>,
    /// batch (every epoch, each unit the neighbourhood-weighted mean of the data) or online (one
    /// example a step) [default: batch].
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
    /// random, sample, pca, or an NPY file of initial weights (in the data's units)
    /// [default: random].
    #[arg(long)]
    init: Option<String>,
    /// Seed of the initialisation, the online example order and --demo's data [default: 0].
    #[arg(long)]
    seed: Option<u64>,
    /// Save the model to --out every K epochs (batch) or steps (online).
    #[arg(long)]
    checkpoint_every: Option<usize>,
    /// Continue the training run saved in this model file.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Where to write the model (safetensors).
    #[arg(long)]
    out: PathBuf,
    /// Also draw the trained map to this PNG, as `som render` draws it without --mode (weights
    /// as RGB for dimension 3, else the U-matrix).
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
    #[cfg(feature = "mpi")]
    let world = match world() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            return ExitCode::FAILURE;
        }
    };
    #[cfg(feature = "mpi")]
    let comm = world.as_ref().map(|w| w as &dyn Communicator);
    #[cfg(not(feature = "mpi"))]
    let comm: Option<&dyn Communicator> = None;
    let result = match DeviceKind::choose(&cli.device) {
        Err(e) => Err(device_error(&cli.device, e)),
        Ok(kind) if comm.is_some() && kind != DeviceKind::Cpu => Err(Agreed(format!(
            "--device {}: training over several ranks runs on the CPU (--device cpu)",
            cli.device
        ))
        .into()),
        Ok(DeviceKind::Cpu) => run::<Flex>(cli.command, comm, cli.memory_limit),
        #[cfg(feature = "wgpu")]
        Ok(DeviceKind::Wgpu) => run::<burn::backend::Wgpu>(cli.command, comm, cli.memory_limit),
        #[cfg(feature = "cuda")]
        Ok(DeviceKind::Cuda) => run::<burn::backend::Cuda>(cli.command, comm, cli.memory_limit),
        #[allow(unreachable_patterns)]
        Ok(_) => unreachable!("DeviceKind::choose returns only devices this build has"),
    };
    match (result, comm) {
        (Ok(()), _) => ExitCode::SUCCESS,
        (Err(e), None) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
        (Err(e), Some(c)) => {
            // Every rank met an agreed error: rank 0 says it, all exit. Any other error is this
            // rank's alone, and its peers would wait for it: it ends the job.
            if e.downcast_ref::<Agreed>().is_some() {
                if c.rank() == 0 {
                    eprintln!("error: {}", one_line(&e));
                }
                return ExitCode::FAILURE;
            }
            eprintln!("error: rank {}: {}", c.rank(), one_line(&e));
            #[cfg(feature = "mpi")]
            if let Some(w) = &world {
                w.abort(1);
            }
            ExitCode::FAILURE
        }
    }
}

/// The error and any cause it does not already spell out, on one line.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line.replace('\n', " ")
}

/// The MPI job this process is a rank of, when there is more than one rank (`mpirun -np K`,
/// K > 1); `None` for a job of one, which runs as a plain process.
#[cfg(feature = "mpi")]
fn world() -> Result<Option<Mpi>> {
    let mpi = Mpi::init().context("MPI")?;
    Ok((mpi.size() > 1).then_some(mpi))
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

fn run<B: SomBackend>(command: Command, comm: Option<&dyn Communicator>, limit: MemoryLimit) -> Result<()> {
    if let (Some(c), false) = (comm, matches!(command, Command::Train(_))) {
        return Err(Agreed(format!(
            "only `som train` runs over {} ranks: run eval, export and render as one process",
            c.size()
        ))
        .into());
    }
    match command {
        Command::Train(args) => train::<B>(*args, comm, limit),
        Command::Eval { on, json } => eval::<B>(&on, json, limit),
        Command::Predict(args) => predict::predict::<B>(&args, limit),
        Command::Export(args) => export::<B>(&args, limit),
        Command::Render(args) => render::render::<B>(&args, limit),
    }
}

/// Refuses to apply the map of `c` to `rows` examples (`doing` it: evaluating, predicting,
/// drawing) beyond the memory limit.
fn check_on_data(limit: MemoryLimit, doing: &str, c: &SomConfig, rows: usize) -> Result<()> {
    let what = format!("{doing} a {} x {} map on {rows} examples", c.width, c.height);
    within(
        limit,
        &what,
        limits::training_bytes(c.width, c.height, c.dim, rows, c.topology),
    )
}

/// [`MemoryLimit::check`], with the flag that raises the limit in the message.
fn within(limit: MemoryLimit, what: &str, bytes: Option<u64>) -> Result<()> {
    limit
        .check(what, bytes)
        .map_err(|e| anyhow!("{e} (raise it with --memory-limit)"))
}

/// Refuses, before reading it, a file that would take more memory than the limit allows: what
/// is read from it (its bytes, the values parsed, their tensor) is at most three times its size.
fn check_file_size(limit: MemoryLimit, flag: &str, path: &Path) -> Result<()> {
    // An unreadable or odd file is reported by the read itself, with its reason.
    if let Ok(meta) = std::fs::metadata(path) {
        within(
            limit,
            &format!("{flag} {}", path.display()),
            meta.len().checked_mul(3),
        )?;
    }
    Ok(())
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

/// Each row's best unit, read back to the host.
fn best_units<B: SomBackend>(som: &Som<B>, x: &Tensor<B, 2>) -> Vec<usize> {
    som.bmus(x)
        .into_data()
        .iter::<i64>()
        .map(|u| u as usize)
        .collect()
}

/// Reads a model file (`flag` names it), with a note on stderr if it has no checksum to verify
/// it by.
fn read_model(flag: &str, path: &Path, limit: MemoryLimit) -> Result<ModelFile> {
    check_file_size(limit, flag, path)?;
    let (file, check) = ModelFile::load_checked(path)?;
    if check == PayloadCheck::NoChecksum {
        eprintln!(
            "note: {} has no checksum (written by an older som); its weights are not verified",
            path.display()
        );
    }
    Ok(file)
}

/// The map of a model file read with [`read_model`].
fn model_som<B: SomBackend>(file: &ModelFile) -> Result<Som<B>> {
    let c = &file.config;
    let w = Tensor::from_data(
        TensorData::new(file.weights.clone(), [c.width * c.height, c.dim]),
        &device::<B>(),
    );
    Ok(c.init_with_weights(w)?)
}

fn check_dim(cols: usize, data_name: &Path, dim: usize, what: &str) -> Result<()> {
    if cols != dim {
        bail!(
            "{}: data has dimension {cols}, {what} has dimension {dim}",
            data_name.display()
        );
    }
    Ok(())
}

/// An error every rank of a distributed run met (or was told of) at the same point: each
/// exits with it, and rank 0 alone prints it. Any other error on one rank of a distributed run
/// ends the whole job (the others would wait for that rank).
#[derive(Debug)]
struct Agreed(String);

impl std::fmt::Display for Agreed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Agreed {}

/// `outcome` on one process; on several, every rank's outcome made one (the lowest failing
/// rank's error, as [`Agreed`]), so that all go on or all stop.
fn agreed<T>(comm: Option<&dyn Communicator>, outcome: Result<T>) -> Result<T> {
    let Some(comm) = comm else { return outcome };
    let (value, mine) = match outcome {
        Ok(v) => (Some(v), Ok(())),
        Err(e) => (None, Err(one_line(&e))),
    };
    match distributed::agree(comm, mine) {
        Ok(()) => Ok(value.expect("this rank succeeded")),
        Err(SomError::Data(message)) => Err(Agreed(message).into()),
        Err(e) => Err(e.into()),
    }
}

/// What a run starts from: the map, the schedule, and how much of it is done.
struct Start<B: Backend> {
    config: SomConfig,
    som: Som<B>,
    schedule: Schedule,
    done: usize,
}

fn train<B: SomBackend>(a: TrainArgs, comm: Option<&dyn Communicator>, limit: MemoryLimit) -> Result<()> {
    let (rank, ranks) = comm.map_or((0, 1), |c| (c.rank(), c.size()));
    // The checkpoint, this rank's rows, and every rank's error if any (each reads and checks
    // only its rows).
    let (resumed, (mut table, data_name)) = agreed(
        comm,
        check_flags(&a).and_then(|()| check_outputs(&a)).and_then(|()| {
            let resumed = a
                .resume
                .as_deref()
                .map(|r| read_model("--resume", r, limit))
                .transpose()?;
            let seed = seed(&a, resumed.as_ref())?;
            Ok((resumed, read_data(&a, seed, rank, ranks, limit)?))
        }),
    )?;
    if rank == 0 {
        for note in &table.notes {
            eprintln!("note: {}: {note}", data_name.display());
        }
    }
    // A resumed run keeps its checkpoint's names.
    let features = match &resumed {
        Some(file) => file.features.clone(),
        None => table.features.clone(),
    };
    // The fingerprint is the data's as given, before any rescaling.
    let data = &table.shard;
    let fp = match comm {
        Some(c) => distributed::fingerprint(c, data.total, data.matrix.cols, &data.matrix.values)?,
        None => fingerprint(data.total, data.matrix.cols, &data.matrix.values),
    };
    // A resumed run keeps its checkpoint's rescaling.
    let normalization = match &resumed {
        Some(file) => file.normalization.clone(),
        None => normalize::fit(a.normalize, comm, data, features.as_deref(), &data_name)?,
    };
    if let Some(n) = &normalization {
        n.apply(&mut table.shard.matrix.values);
    }
    let data = &table.shard;
    let x = tensor::<B>(&data.matrix);
    let Start {
        config,
        mut som,
        schedule,
        done,
    } = agreed(
        comm,
        start::<B>(
            &a,
            comm,
            data,
            &data_name,
            &x,
            &fp,
            resumed,
            normalization.as_ref(),
            limit,
        ),
    )?;

    let total = schedule.total();
    let unit = if matches!(schedule, Schedule::Batch(_)) {
        "epochs"
    } else {
        "steps"
    };
    let bar = if rank == 0 {
        ProgressBar::new(total as u64).with_position(done as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed_precise}, ETA {eta}]")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(unit);
    // The QE only where the epoch computed it anyway (batch on the CPU): computing it for the
    // bar would cost as much as the training (a full search per update).
    let on_progress = |_: &Som<B>, p: Progress| -> Result<(), SomError> {
        bar.set_position(p.done as u64);
        if let Some(qe) = p.quantization_error {
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
        features,
        normalization: normalization.clone(),
    };
    let start = std::time::Instant::now();
    let (qe, te) = match comm {
        Some(c) => {
            run.train_distributed(c, &mut som, &x, data.total, done, on_progress)?;
            som.errors_distributed(c, &x, data.total)?
        }
        None => {
            run.train(&mut som, &x, done, on_progress)?;
            let e = som.evaluate(&x);
            (e.quantization_error, e.topographic_error)
        }
    };
    bar.finish_and_clear();
    if rank != 0 {
        return Ok(()); // rank 0 reports and draws
    }
    let over = if ranks > 1 {
        format!(" over {ranks} ranks")
    } else {
        String::new()
    };
    let ran = if done > 0 {
        format!("{} {unit}, {} to {total}", total - done, done + 1)
    } else {
        format!("{total} {unit}")
    };
    let scaled = match normalization.as_ref().map(|n| n.method) {
        Some(Normalize::ZScore) => ", z-scored",
        Some(Normalize::MinMax) => ", min-max scaled",
        _ => "",
    };
    eprintln!(
        "trained {} x {} map on {} examples of dimension {}{scaled} ({ran}){over} in {:.2?}: QE {qe:.5}, TE {te:.4}; wrote {}",
        config.width, config.height, data.total, data.matrix.cols, start.elapsed(), a.out.display()
    );
    if let Some(png) = &a.png {
        let features = run.features.as_deref();
        render::train_picture(&som, &a.out, png, features, normalization.as_ref(), limit)?;
    }
    Ok(())
}

/// Refuses, before any work, flags that contradict each other.
fn check_flags(a: &TrainArgs) -> Result<()> {
    if a.checkpoint_every == Some(0) {
        bail!("--checkpoint-every must be at least 1, got 0");
    }
    if a.resume.is_some() {
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
            ("--learning-rate", a.learning_rate.is_some()),
            ("--topology", a.topology.is_some()),
            ("--toroidal", a.toroidal),
            ("--neighborhood", a.neighborhood.is_some()),
            ("--distance", a.distance.is_some()),
            ("--init", a.init.is_some()),
            ("--normalize", a.normalize.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
            bail!("{flag} cannot be given with --resume: the checkpoint's schedule and map are used");
        }
    }
    match a.mode.unwrap_or(Mode::Batch) {
        Mode::Batch if a.steps.is_some() || a.clip.is_some() || a.learning_rate.is_some() => {
            bail!("--steps, --clip and --learning-rate are for --mode online")
        }
        Mode::Batch if a.neighborhood == Some(Neighborhood::MexicanHat) => {
            bail!("--neighborhood mexican-hat is for --mode online: in a batch epoch its negative ring can make the weighted mean's denominator vanish")
        }
        Mode::Online if a.epochs.is_some() || a.min_sigma_frac.is_some() => {
            bail!("--epochs and --min-sigma-frac are for --mode batch")
        }
        _ => Ok(()),
    }
}

/// Refuses, before any work, outputs that would destroy an input or cannot be written
/// ([`io::check_output`]). `--out` may name the `--resume` checkpoint: continuing a run there is
/// the documented use.
fn check_outputs(a: &TrainArgs) -> Result<()> {
    let mut inputs: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &a.input {
        inputs.push(("--input", p));
    }
    if let Some(p) = init_file(a) {
        inputs.push(("--init", p));
    }
    io::check_output("--out", &a.out, &inputs)?;
    if let Some(png) = &a.png {
        if let Some(r) = &a.resume {
            inputs.push(("--resume", r));
        }
        inputs.push(("--out", &a.out));
        io::check_output("--png", png, &inputs)?;
    }
    Ok(())
}

/// The file `--init` names, if it names one rather than a method.
fn init_file(a: &TrainArgs) -> Option<&Path> {
    a.init
        .as_deref()
        .filter(|i| !matches!(*i, "random" | "sample" | "pca"))
        .map(Path::new)
}

/// The run's seed: `--seed` (default 0), or a resumed checkpoint's, which `--seed` may repeat
/// but not change (it fixed the initial map and the example order).
fn seed(a: &TrainArgs, resumed: Option<&ModelFile>) -> Result<u64> {
    match (resumed, a.seed) {
        (None, seed) => Ok(seed.unwrap_or(0)),
        (Some(file), Some(seed)) if seed != file.config.seed => bail!(
            "--seed {seed} cannot be given with --resume: the checkpoint's seed {} is used",
            file.config.seed
        ),
        (Some(file), _) => Ok(file.config.seed),
    }
}

/// This rank's rows of the training data (all of it on one process), and the data's name;
/// `seed` makes `--demo`'s data.
fn read_data(
    a: &TrainArgs,
    seed: u64,
    rank: usize,
    ranks: usize,
    limit: MemoryLimit,
) -> Result<(Table, PathBuf)> {
    let rows = |n: usize| distributed::shard(n, rank, ranks);
    let (table, name) = match (&a.input, a.demo) {
        (Some(p), _) => (
            read_input(p, &a.data.options(), rows, ranks, limit)?,
            input_name(p),
        ),
        (None, Some(Demo::Colors)) => {
            let all = io::demo_colors(seed);
            let keep = rows(all.rows);
            let matrix = Matrix {
                rows: keep.len(),
                cols: all.cols,
                values: all.values[keep.start * all.cols..keep.end * all.cols].to_vec(),
            };
            let table = Table {
                shard: Shard {
                    matrix,
                    first: keep.start,
                    total: all.rows,
                },
                features: Some(["r", "g", "b"].map(String::from).to_vec()),
                labels: None,
                notes: Vec::new(),
            };
            (table, PathBuf::from("--demo colors"))
        }
        (None, None) => bail!("give --input FILE or --demo colors"),
    };
    let data = &table.shard;
    if data.total < ranks {
        bail!(
            "{}: {} examples cannot be split over {ranks} ranks (each needs at least one)",
            name.display(),
            data.total
        );
    }
    limits::check_rows(
        &data.matrix.values,
        data.matrix.cols,
        data.first,
        &name.display().to_string(),
    )?;
    Ok((table, name))
}

/// How errors and notes name `--input PATH`: standard input for `-`.
fn input_name(path: &Path) -> PathBuf {
    if path == Path::new("-") {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    }
}

/// Rows `rows(total)` of `--input PATH` read with `opts`: a file, or standard input for `-`
/// (read to its end, within the memory limit; one process only, as `mpirun` gives standard
/// input to rank 0 alone).
fn read_input(
    path: &Path,
    opts: &CsvOptions,
    rows: impl FnOnce(usize) -> std::ops::Range<usize>,
    ranks: usize,
    limit: MemoryLimit,
) -> Result<Table> {
    if path != Path::new("-") {
        check_file_size(limit, "--input", path)?;
        return Ok(io::read_table(path, opts, rows)?);
    }
    if ranks > 1 {
        bail!("--input -: standard input cannot be split over {ranks} ranks: give a file");
    }
    use std::io::Read;
    // A third of the limit, as for files: the bytes, the values parsed and their tensor.
    let cap = limit.bytes() / 3;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .context("--input -: standard input")?;
    if bytes.len() as u64 > cap {
        within(limit, "--input - (standard input)", None)?;
    }
    Ok(io::parse_table(&input_name(path), bytes, opts, rows)?)
}

/// The map, schedule and progress a run starts from: the checkpoint's with `--resume`
/// (`resumed`), else new ones from the flags; memory checked before the map is made. `--init
/// FILE`'s weights are in the data's units, and rescaled by `normalization` as the data was.
#[allow(clippy::too_many_arguments)]
fn start<B: SomBackend>(
    a: &TrainArgs,
    comm: Option<&dyn Communicator>,
    data: &Shard,
    data_name: &Path,
    x: &Tensor<B, 2>,
    fp: &str,
    resumed: Option<ModelFile>,
    normalization: Option<&Normalization>,
    limit: MemoryLimit,
) -> Result<Start<B>> {
    let cols = data.matrix.cols;
    if let Some(resume) = &a.resume {
        let file = resumed.expect("a resumed run's checkpoint is read first");
        check_memory(limit, &file.config, data, false, a.png.is_some())?;
        let som = model_som(&file)?;
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
        check_dim(cols, data_name, file.config.dim, "the model")?;
        if state.done >= state.schedule.total() {
            bail!(
                "{}: training is already complete ({} of {})",
                resume.display(),
                state.done,
                state.schedule.total()
            );
        }
        check_distributable(comm, &state.schedule)?;
        return Ok(Start {
            config: file.config,
            som,
            schedule: state.schedule,
            done: state.done,
        });
    }
    let width = a.width.ok_or_else(|| anyhow!("--width is required"))?;
    let height = a.height.ok_or_else(|| anyhow!("--height is required"))?;
    let init_flag = a.init.as_deref().unwrap_or("random");
    let (init, given) = match init_flag {
        "random" => (Init::Random, None),
        "sample" => (Init::Sample, None),
        "pca" => (Init::Pca, None),
        path => (Init::Random, Some(PathBuf::from(path))),
    };
    let config = SomConfig::new(width, height, cols)
        .with_init(init)
        .with_seed(a.seed.unwrap_or(0))
        .with_topology(a.topology.unwrap_or_default())
        .with_toroidal(a.toroidal)
        .with_neighborhood(a.neighborhood.unwrap_or_default())
        .with_distance(a.distance.unwrap_or_default());
    config
        .validate()
        .map_err(|e| anyhow!("--width {width} --height {height}: {e}"))?;
    check_memory(limit, &config, data, init == Init::Pca, a.png.is_some())?;
    let schedule = match a.mode.unwrap_or(Mode::Batch) {
        Mode::Batch => {
            let mut c = BatchTrainingConfig::new(a.epochs.unwrap_or(50)).with_sigma(a.sigma);
            if let Some(f) = a.min_sigma_frac {
                c = c.with_min_sigma_frac(f);
            }
            c.validate()?;
            Schedule::Batch(c)
        }
        Mode::Online => {
            let clip = a
                .clip
                .or(a.demo.map(|_| [0.0, 1.0]))
                .map(|[lo, hi]| [lo as f32, hi as f32]);
            let mut c = OnlineTrainingConfig::new(a.steps.unwrap_or(50_000))
                .with_sigma(a.sigma)
                .with_clip(clip);
            if let Some(rate) = a.learning_rate {
                c = c.with_alpha(rate);
            }
            c.validate()?;
            Schedule::Online(c)
        }
    };
    check_distributable(comm, &schedule)?;
    let som = match given {
        Some(p) => {
            if !p.exists() {
                bail!(
                    "--init {}: not random, sample or pca, and no such file of initial weights",
                    p.display()
                );
            }
            check_file_size(limit, "--init", &p)?;
            let mut w = io::read_matrix(&p)?;
            check_dim(cols, data_name, w.cols, &format!("init {}", p.display()))?;
            if let Some(n) = normalization {
                n.apply(&mut w.values);
            }
            if w.rows != width * height {
                bail!(
                    "{}: {} rows of initial weights, the {width} x {height} map needs {}",
                    p.display(),
                    w.rows,
                    width * height
                );
            }
            config
                .init_with_weights(tensor(&w))
                .map_err(|e| anyhow!("--init {}: {e}", p.display()))?
        }
        None => match comm {
            Some(c) => config
                .init_with_shard(c, x, data.first, data.total)
                .map_err(|e| match e {
                    SomError::Config(m) => anyhow!("--init {init_flag}: {m}"),
                    e => e.into(),
                })?,
            None => config.init_with_data(x)?,
        },
    };
    Ok(Start {
        config,
        som,
        schedule,
        done: 0,
    })
}

/// Refuses, before the map is made, a run whose map, data, PCA (`pca`: to be run) and picture
/// (`png`) would need more memory than the limit, or whose picture PNG cannot hold.
fn check_memory(limit: MemoryLimit, c: &SomConfig, data: &Shard, pca: bool, png: bool) -> Result<()> {
    let (rows, dim) = (data.matrix.rows, c.dim);
    let add = |a: Option<u64>, b: Option<u64>| a.zip(b).and_then(|(a, b)| a.checked_add(b));
    let mut bytes = limits::training_bytes(c.width, c.height, dim, rows, c.topology);
    if pca {
        bytes = add(bytes, limits::pca_bytes(rows, dim));
    }
    if png {
        render::check_train_picture(c.grid(), c.dim, limit)?;
    }
    let what = format!(
        "a {} x {} map of dimension {dim} on {rows} examples",
        c.width, c.height
    );
    within(limit, &what, bytes)
}

/// Errors for a schedule that a distributed run cannot split (online training).
fn check_distributable(comm: Option<&dyn Communicator>, schedule: &Schedule) -> Result<()> {
    if let (Some(c), Schedule::Online(_)) = (comm, schedule) {
        bail!(
            "--mode online is one sequence of steps and does not split over {} ranks: use --mode batch, or run one process",
            c.size()
        );
    }
    Ok(())
}

/// The rows of `--input` to apply the model `file` to, read with the data flags, checked against
/// the model, rescaled as its training data was, and their labels if `--label-column` named a
/// column; notes on stderr (and one if the columns' names differ from the model's).
fn read_for_model(
    file: &ModelFile,
    model: &Path,
    input: &Path,
    data: &DataArgs,
    limit: MemoryLimit,
) -> Result<(Matrix, Option<Vec<String>>)> {
    let table = read_input(input, &data.options(), |n| 0..n, 1, limit)?;
    let name = input_name(input);
    for note in &table.notes {
        eprintln!("note: {}: {note}", name.display());
    }
    if let (Some(theirs), Some(ours)) = (&table.features, &file.features) {
        if theirs != ours {
            eprintln!(
                "note: {} was trained on columns {}; these are {} (choose with --columns)",
                model.display(),
                ours.join(", "),
                theirs.join(", ")
            );
        }
    }
    let mut data = table.shard.matrix;
    check_dim(
        data.cols,
        &name,
        file.config.dim,
        &format!("model {}", model.display()),
    )?;
    limits::check_values(&data.values, data.cols, &name.display().to_string())?;
    if let Some(n) = &file.normalization {
        n.apply(&mut data.values);
        // Far outside the training data's spread, a rescaled value may leave the accepted range.
        let what = format!("{} rescaled as the model's training data", name.display());
        limits::check_values(&data.values, data.cols, &what)?;
    }
    Ok((data, table.labels))
}

fn eval<B: SomBackend>(on: &ModelOnData, json: bool, limit: MemoryLimit) -> Result<()> {
    let (file, data, _) = on.read(limit)?;
    let c = &file.config;
    check_on_data(limit, "evaluating", c, data.rows)?;
    let (som, x) = (model_som::<B>(&file)?, tensor(&data));
    // One search for the errors and the hits.
    let e = som.evaluate(&x);
    let (qe, te) = (e.quantization_error, e.topographic_error);
    if json {
        let hits = e.hits;
        let report = serde_json::json!({
            "quantization_error": qe,
            "topographic_error": te,
            "width": c.width,
            "height": c.height,
            "hits": hits,
        });
        println!("{report}");
    } else {
        println!("quantization error: {qe}\ntopographic error: {te}");
    }
    Ok(())
}

/// Whether `out` (given with `flag`) names a CSV file (else NPY); an error for another name.
fn is_csv(flag: &str, out: &Path) -> Result<bool> {
    let ext = out.extension().map(|e| e.to_ascii_lowercase());
    match ext.as_ref().and_then(|e| e.to_str()) {
        Some("npy") => Ok(false),
        Some("csv") => Ok(true),
        _ => bail!(
            "{flag} {}: name a .npy or a .csv file (the format follows the name)",
            out.display()
        ),
    }
}

fn export<B: SomBackend>(a: &ExportArgs, limit: MemoryLimit) -> Result<()> {
    let mut inputs = vec![("--model", a.model.as_path())];
    inputs.extend(a.input.as_deref().map(|p| ("--input", p)));
    let outputs: Vec<(&str, &Path)> = [
        ("--weights", &a.weights),
        ("--umatrix", &a.umatrix),
        ("--hits", &a.hits),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_deref().map(|p| (flag, p)))
    .collect();
    if outputs.is_empty() {
        bail!("nothing to export: give --weights, --umatrix or --hits (and --input)");
    }
    for (i, &(flag, out)) in outputs.iter().enumerate() {
        io::check_output(flag, out, &inputs)?;
        is_csv(flag, out)?;
        if let Some((other, _)) = outputs[..i].iter().find(|(_, p)| *p == out) {
            bail!("{other} and {flag} name the same file {}", out.display());
        }
    }
    let file = read_model("--model", &a.model, limit)?;
    let c = &file.config;
    let (m, grid) = (c.width * c.height, c.grid());
    let som = model_som::<B>(&file)?;
    if let Some(out) = &a.weights {
        let w = weights_in_data_units(&file.weights, file.normalization.as_ref());
        let bytes = if is_csv("--weights", out)? {
            io::csv_bytes(m, c.dim, &w, file.features.as_deref())
        } else {
            io::npy_bytes(m, c.dim, &w)
        };
        io::write_atomic(out, &bytes)?;
        eprintln!("wrote {} ({m} units x {} weights)", out.display(), c.dim);
    }
    if let Some(out) = &a.umatrix {
        let u: Vec<f32> = som.umatrix().into_data().to_vec().expect("an f32 U-matrix");
        let bytes = if is_csv("--umatrix", out)? {
            io::csv_bytes(c.width, c.height, &u, None)
        } else {
            io::npy_bytes(c.width, c.height, &u)
        };
        io::write_atomic(out, &bytes)?;
        eprintln!("wrote {} (U-matrix, {} x {})", out.display(), c.width, c.height);
    }
    if let (Some(out), Some(input)) = (&a.hits, &a.input) {
        let (data, _) = read_for_model(&file, &a.model, input, &a.data, limit)?;
        let what = format!("the hit map of {} examples", data.rows);
        within(
            limit,
            &what,
            limits::training_bytes(c.width, c.height, c.dim, data.rows, c.topology),
        )?;
        let hits: Vec<i64> = som
            .hit_map(&tensor::<B>(&data))
            .into_data()
            .iter::<i64>()
            .collect();
        let bytes = if is_csv("--hits", out)? {
            let rows = hits.chunks(grid.height.max(1)).map(|r| {
                let cells: Vec<String> = r.iter().map(i64::to_string).collect();
                cells.join(",") + "\n"
            });
            rows.collect::<String>().into_bytes()
        } else {
            let counts: Vec<f64> = hits.iter().map(|&h| h as f64).collect();
            io::npy_f64_bytes(c.width, c.height, &counts)
        };
        io::write_atomic(out, &bytes)?;
        eprintln!(
            "wrote {} (hits of {} rows, {} x {})",
            out.display(),
            data.rows,
            c.width,
            c.height
        );
    }
    Ok(())
}

/// A model's weights as the data gave them: its rescaling undone.
fn weights_in_data_units(weights: &[f32], normalization: Option<&Normalization>) -> Vec<f32> {
    let mut w = weights.to_vec();
    if let Some(n) = normalization {
        n.undo(&mut w);
    }
    w
}
