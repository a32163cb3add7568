//! The quality cost of a lower-precision distance GEMM, measured on the CPU, apart from any
//! tensor-core kernel: batch training on one of the peers' workloads with the best-matching-unit search run
//! on operands rounded to TF32 (10-bit mantissa) or BF16 (7-bit), as a tensor core reads them
//! (every product exact in `f32`, `f32` accumulation), and everything else in `f32` as
//! `burnax-som` trains on the CPU. Prints one markdown row per precision: QE and TE of the final
//! map (by the `f64` reference), and how often the rounded search picked another unit than the
//! `f32` search on the same weights, and one that is not even a neighbour of it. A row with the
//! search in `f64` shows how far the training path moves from rounding alone.
//!
//! ```text
//! precision-cost --dir EXPORT_DIR --workload rgb [--epochs E]
//! ```
//! `EXPORT_DIR` is written by `shared/peers/export_workload.py`; `--epochs` cuts the schedule
//! short (the sigmas still follow the full schedule's first epochs).
//!
//! Both operands are rounded, `|w|^2` included, so the score is that of the rounded map, as
//! `burnax_som::kernel::bmu_mma` computes it. Rounding here is to nearest even; CUDA's TF32
//! conversion breaks ties away from zero instead, which moves only values exactly halfway.

use std::path::PathBuf;

use anyhow::{Context, Result};
use burnax_som::cpu::batch::update;
use burnax_som::cpu::bmu::{bmus, Candidate, PackedUnits};
use burnax_som::io::read_matrix;
use burnax_som::{reference, BatchTrainingConfig, Distance, Grid};
use ndarray::ArrayView2;

/// A float format the search reads its operands in: mantissa bits kept of `f32`'s 23, or
/// `f64` (24: the reference's search on the `f32` values widened).
#[derive(Clone, Copy)]
struct Format {
    name: &'static str,
    mantissa: u32,
}

const F32: u32 = 23;
const F64: u32 = 24;

const FORMATS: [Format; 4] = [
    Format {
        name: "f64",
        mantissa: F64,
    },
    Format {
        name: "f32",
        mantissa: F32,
    },
    Format {
        name: "tf32",
        mantissa: 10,
    },
    Format {
        name: "bf16",
        mantissa: 7,
    },
];

/// `v` rounded to `mantissa` bits (at most 23), to nearest, ties to even (finite inputs).
fn round(v: f32, mantissa: u32) -> f32 {
    let drop = F32 - mantissa.min(F32);
    if drop == 0 {
        return v;
    }
    let bits = v.to_bits();
    let half = (1u32 << (drop - 1)) - 1 + ((bits >> drop) & 1);
    f32::from_bits((bits + half) & !((1u32 << drop) - 1))
}

fn rounded(v: &[f32], f: Format) -> Vec<f32> {
    v.iter().map(|&x| round(x, f.mantissa)).collect()
}

fn arg(args: &[String], name: &str) -> Option<String> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).cloned()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(arg(&args, "--dir").context("missing --dir")?);
    let wl = arg(&args, "--workload").context("missing --workload")?;
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(format!("{wl}.json")))?)?;
    let get = |k: &str| meta[k].as_f64().with_context(|| format!("{wl}.json: no {k}"));
    let grid = Grid::new(get("xdim")? as usize, get("ydim")? as usize);
    let cfg = BatchTrainingConfig::new(get("epochs")? as usize)
        .with_sigma(Some([get("x_sigma")?, get("y_sigma")?]))
        .with_min_sigma_frac(get("min_sigma_frac")?);
    let epochs = match arg(&args, "--epochs") {
        Some(e) => e.parse::<usize>()?.min(cfg.epochs),
        None => cfg.epochs,
    };
    let data = read_matrix(&dir.join(format!("{wl}_data.npy")))?;
    let init = read_matrix(&dir.join(format!("{wl}_init.npy")))?;
    let (n, d, m) = (data.rows, data.cols, grid.units());
    let x64: Vec<f64> = data.values.iter().map(|&v| v as f64).collect();
    let x64 = ArrayView2::from_shape((n, d), &x64)?;

    println!("| workload | search | epochs | QE | TE | BMUs unlike f32 | not even a neighbour |");
    println!("|---|---|---|---|---|---|---|");
    for f in FORMATS {
        let xr = rounded(&data.values, f);
        let mut w = init.values.clone();
        let (mut unlike, mut far) = (0usize, 0usize);
        for e in 0..epochs {
            let best = if f.mantissa == F64 {
                let w64: Vec<f64> = w.iter().map(|&v| v as f64).collect();
                let w64 = ArrayView2::from_shape((m, d), &w64)?;
                let index = |b: usize| Candidate {
                    score: 0.0,
                    index: b as u32,
                };
                reference::bmus(Distance::Euclidean, x64, w64)
                    .into_iter()
                    .map(index)
                    .collect()
            } else {
                bmus(&PackedUnits::new(&rounded(&w, f), m, d), &xr)
            };
            if f.mantissa != F32 {
                let exact = bmus(&PackedUnits::new(&w, m, d), &data.values);
                for (a, b) in best.iter().zip(&exact).filter(|(a, b)| a.index != b.index) {
                    let ((ax, ay), (bx, by)) = (grid.coords(a.index as usize), grid.coords(b.index as usize));
                    unlike += 1;
                    far += usize::from(ax.abs_diff(bx).max(ay.abs_diff(by)) > 1);
                }
            }
            w = update(&data.values, d, &best, &w, grid.into(), cfg.sigma_at(grid, e));
        }
        let w64: Vec<f64> = w.iter().map(|&v| v as f64).collect();
        let w64 = ArrayView2::from_shape((m, d), &w64)?;
        let qe = reference::quantization_error(x64, w64, Distance::Euclidean);
        let te = reference::topographic_error(x64, w64, grid);
        let share = |k: usize| 100.0 * k as f64 / (n * epochs.max(1)) as f64;
        println!(
            "| {wl} | {} | {epochs} | {qe:.5} | {te:.4} | {:.2}% | {:.3}% |",
            f.name,
            share(unlike),
            share(far)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{round, F32};

    #[test]
    fn rounds_to_nearest_even() {
        // 1 + 2^-8 lies halfway between two bf16 values (7 mantissa bits): ties to even, 1.
        assert_eq!(round(1.0 + 2f32.powi(-8), 7), 1.0);
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        assert_eq!(round(1.0 + 3.0 * 2f32.powi(-8), 7), 1.0 + 2f32.powi(-6));
        // Just above half rounds up; the sign is kept.
        assert_eq!(
            round(-(1.0 + 2f32.powi(-8) + 2f32.powi(-20)), 7),
            -(1.0 + 2f32.powi(-7))
        );
        // TF32 keeps 10 bits; f32 is unchanged.
        assert_eq!(round(1.0 + 2f32.powi(-10), 10), 1.0 + 2f32.powi(-10));
        assert_eq!(round(1.0 + 2f32.powi(-12), 10), 1.0);
        assert_eq!(round(0.1, F32), 0.1);
    }
}
