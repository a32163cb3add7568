//! Runs one of the peers' workloads (as written by `shared/peers/export_workload.py`) with
//! burnax-som and prints one JSON object: the run times and where the final map was written.
//!
//! ```text
//! som-bench --dir EXPORT_DIR --workload rgb --mode batch|online --out final.npy \
//!     [--repeats 3] [--device cpu|wgpu|cuda] [--precision f32|tf32|bf16] [--tile small|large]
//! ```
//! `--precision tf32|bf16` (batch mode on `wgpu`/`cuda`) runs the search's distance product on
//! tensor cores (`burnax_som::gpu::SearchPrecision`), epoch by epoch through
//! `batch_epoch_with_precision`; a device without them is an error. `--tile small|large` (batch
//! mode on `wgpu`/`cuda`) forces the search's register tile (`burnax_som::gpu::SearchTile`)
//! instead of the automatic choice, through `batch_epoch_with_tile`.
//! `--device wgpu` and `--device cuda` need the crate's features of those names. Each run
//! starts from the same initial map already on the device and ends by reading the final map
//! back, so a run's time includes every kernel and the device sync; the first run also
//! compiles the GPU kernels, so take the median of at least 3.
//! Same data, initial map, online order and schedules as the peers; `ours.py` computes QE/TE
//! with the peers' own `common.quality` and records the result beside theirs.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use burn::backend::Flex;
use burn::prelude::*;
use burn::tensor::TensorData;
use burnax_som::device::DeviceKind;
use burnax_som::io::{npy_bytes, read_matrix, write_atomic};
use burnax_som::{BatchTrainingConfig, Grid, OnlineTrainingConfig, SomBackend, SomConfig};

fn arg(args: &[String], name: &str) -> Result<String> {
    let i = args
        .iter()
        .position(|a| a == name)
        .with_context(|| format!("missing {name}"))?;
    args.get(i + 1)
        .cloned()
        .with_context(|| format!("{name} needs a value"))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match DeviceKind::from_args(args.iter().cloned())? {
        DeviceKind::Cpu => bench::<Flex>(&args, "Flex"),
        #[cfg(feature = "wgpu")]
        DeviceKind::Wgpu => bench::<burn::backend::Wgpu>(&args, "wgpu"),
        #[cfg(feature = "cuda")]
        DeviceKind::Cuda => bench::<burn::backend::Cuda>(&args, "cuda"),
        #[allow(unreachable_patterns)]
        _ => unreachable!("DeviceKind::from_args returns only devices this build has"),
    }
}

/// A batch epoch with the search in a lower precision, where the backend has one.
trait Precision: SomBackend {
    fn epoch_with_precision(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        grid: Grid,
        sigma: [f64; 2],
        precision: &str,
    ) -> Result<Tensor<Self, 2>> {
        let _ = (w, data, grid, sigma);
        bail!("--precision {precision}: only the GPU backends (wgpu, cuda) have a lower-precision search")
    }

    /// A batch epoch with the search's register tile forced, where the backend has tiles.
    fn epoch_with_tile(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        grid: Grid,
        sigma: [f64; 2],
        tile: &str,
    ) -> Result<Tensor<Self, 2>> {
        let _ = (w, data, grid, sigma);
        bail!("--tile {tile}: only the GPU backends (wgpu, cuda) have search tiles")
    }
}

impl Precision for Flex {}

#[cfg(any(feature = "wgpu", feature = "cuda"))]
impl<R: burn_cubecl::CubeRuntime, BT: burn_cubecl::BoolElement> Precision
    for burn_cubecl::CubeBackend<R, f32, i32, BT>
{
    fn epoch_with_precision(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        grid: Grid,
        sigma: [f64; 2],
        precision: &str,
    ) -> Result<Tensor<Self, 2>> {
        use burnax_som::gpu::{batch_epoch_with_precision, SearchPrecision};
        let p = match precision {
            "tf32" => SearchPrecision::Tf32,
            "bf16" => SearchPrecision::Bf16,
            other => bail!("--precision {other}: f32, tf32 or bf16"),
        };
        Ok(batch_epoch_with_precision(w, data, grid, sigma, p)?)
    }

    fn epoch_with_tile(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        grid: Grid,
        sigma: [f64; 2],
        tile: &str,
    ) -> Result<Tensor<Self, 2>> {
        use burnax_som::gpu::{batch_epoch_with_tile, SearchTile};
        let t = match tile {
            "small" => SearchTile::Small,
            "large" => SearchTile::Large,
            other => bail!("--tile {other}: small or large"),
        };
        Ok(batch_epoch_with_tile(w, data, grid, sigma, t))
    }
}

fn bench<B: Precision>(args: &[String], backend: &str) -> Result<()> {
    let dir = PathBuf::from(arg(args, "--dir")?);
    let wl = arg(args, "--workload")?;
    let mode = arg(args, "--mode")?;
    let out = PathBuf::from(arg(args, "--out")?);
    let repeats: usize = arg(args, "--repeats").unwrap_or_else(|_| "3".into()).parse()?;
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(format!("{wl}.json")))?)?;
    let get = |k: &str| meta[k].as_f64().with_context(|| format!("{wl}.json: no {k}"));
    let (gx, gy) = (get("xdim")? as usize, get("ydim")? as usize);
    let sigma = [get("x_sigma")?, get("y_sigma")?];
    let data = read_matrix(&dir.join(format!("{wl}_data.npy")))?;
    let init = read_matrix(&dir.join(format!("{wl}_init.npy")))?;
    let device = Default::default();
    let x = Tensor::<B, 2>::from_data(
        TensorData::new(data.values.clone(), [data.rows, data.cols]),
        &device,
    );
    let w0 = Tensor::<B, 2>::from_data(
        TensorData::new(init.values.clone(), [init.rows, init.cols]),
        &device,
    );
    let config = SomConfig::new(gx, gy, data.cols);

    let precision = arg(args, "--precision").unwrap_or_else(|_| "f32".into());
    if !["f32", "tf32", "bf16"].contains(&precision.as_str()) {
        bail!("--precision {precision}: f32, tf32 or bf16");
    }
    if precision != "f32" && mode != "batch" {
        bail!("--precision {precision}: the lower-precision search is for batch mode only");
    }
    let tile = arg(args, "--tile").ok();
    if let Some(tile) = &tile {
        if mode != "batch" || precision != "f32" {
            bail!("--tile {tile}: for the f32 search of batch mode only");
        }
    }
    let mut final_w = Vec::new();
    let mut run = || -> Result<()> {
        let mut som = config.init_with_weights(w0.clone())?;
        match mode.as_str() {
            "batch" => {
                let cfg = BatchTrainingConfig::new(get("epochs")? as usize)
                    .with_sigma(Some(sigma))
                    .with_min_sigma_frac(get("min_sigma_frac")?);
                if precision == "f32" && tile.is_none() {
                    som.train_batch(&x, &cfg)?;
                } else {
                    let grid = som.grid();
                    let mut w = som.weights();
                    for e in 0..cfg.epochs {
                        let sigma = cfg.sigma_at(grid, e);
                        w = match &tile {
                            Some(tile) => B::epoch_with_tile(w, x.clone(), grid, sigma, tile)?,
                            None => B::epoch_with_precision(w, x.clone(), grid, sigma, &precision)?,
                        };
                    }
                    som = config.init_with_weights(w)?;
                }
            }
            "online" => {
                let steps = get("max_iter")? as usize;
                // The order file holds int64 indices; our reader takes floats, so ours.py
                // converts it to float64 (exact below 2^53).
                let order = read_matrix(&dir.join(format!("{wl}_order_f64.npy")))?;
                let order: Vec<usize> = order.values.iter().map(|&v| v as usize).collect();
                let cfg = OnlineTrainingConfig::new(steps)
                    .with_sigma(Some(sigma))
                    .with_clip(Some([0.0, 1.0]));
                som.train_online(&x, &cfg, Some(&order), 0)?;
            }
            m => bail!("unknown mode {m}"),
        }
        final_w = som.weights_host();
        Ok(())
    };
    let mut times = Vec::new();
    for _ in 0..repeats.max(1) {
        let t = std::time::Instant::now();
        run()?;
        times.push(t.elapsed().as_secs_f64());
    }
    write_atomic(&out, &npy_bytes(gx * gy, data.cols, &final_w))?;
    println!(
        "{}",
        serde_json::json!({ "runs": times, "out": out, "backend": backend })
    );
    Ok(())
}
