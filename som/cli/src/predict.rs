//! `som predict`: each row's best unit (MiniSom's `winner`), and with class labels the labels
//! map (MiniSom's `labels_map`, with each unit's majority class and purity).

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use burnax_som::io;
use burnax_som::labels::LabelsMap;
use burnax_som::limits::MemoryLimit;
use burnax_som::SomBackend;

use crate::{best_units, check_on_data, is_csv, model_som, tensor, ModelOnData};

/// What `som predict` was asked for.
#[derive(clap::Args)]
pub struct PredictArgs {
    #[command(flatten)]
    on: ModelOnData,
    /// Where to write one row per input row: x, y, unit (x * height + y) and the Euclidean
    /// distance to that unit; CSV (with that header) for a .csv name, NPY (float64, 4 columns)
    /// for a .npy name.
    #[arg(long)]
    out: PathBuf,
    /// The rows' class labels: a text file of one label a line, as many as the input has rows,
    /// no header (or use --label-column for a column of the input).
    #[arg(long, conflicts_with = "label_column")]
    labels: Option<PathBuf>,
    /// Where to write the labels map as CSV: per unit its x, y, hits, majority class, purity
    /// and a count per class. Needs --labels or --label-column. (`som render --mode labels`
    /// draws it.)
    #[arg(long)]
    labels_map: Option<PathBuf>,
}

pub fn predict<B: SomBackend>(a: &PredictArgs, limit: MemoryLimit) -> Result<()> {
    // Everything that can be checked before the work.
    let mut inputs = vec![
        ("--model", a.on.model.as_path()),
        ("--input", a.on.input.as_path()),
    ];
    inputs.extend(a.labels.as_deref().map(|p| ("--labels", p)));
    io::check_output("--out", &a.out, &inputs)?;
    let csv = is_csv("--out", &a.out)?;
    let labelled = a.labels.is_some() || a.on.data.label_column.is_some();
    if let Some(map) = &a.labels_map {
        if !labelled {
            bail!("--labels-map needs the rows' labels: give --labels FILE or --label-column NAME");
        }
        if !is_csv("--labels-map", map)? {
            bail!(
                "--labels-map {}: a labels map is written as CSV: name a .csv file",
                map.display()
            );
        }
        io::check_output("--labels-map", map, &inputs)?;
        if map == &a.out {
            bail!("--labels-map and --out name the same file {}", map.display());
        }
    }
    let (file, data, column_labels) = a.on.read(limit)?;
    let labels = rows_labels(a.labels.as_deref(), column_labels, data.rows, limit)?;
    let c = &file.config;
    check_on_data(limit, "predicting with", c, data.rows)?;

    let som = model_som::<B>(&file)?;
    let bmus = best_units(&som, &tensor::<B>(&data));
    let grid = som.grid();
    let d = c.dim;
    // The Euclidean distance, in f64 from the stored f32 values.
    let distance = |row: usize, unit: usize| -> f64 {
        let x = &data.values[row * d..(row + 1) * d];
        let w = &file.weights[unit * d..(unit + 1) * d];
        x.iter()
            .zip(w)
            .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let rows: Vec<[f64; 4]> = bmus
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            let (x, y) = grid.coords(u);
            [x as f64, y as f64, u as f64, distance(i, u)]
        })
        .collect();
    let bytes = if csv {
        let mut text = String::from("x,y,unit,distance\n");
        for [x, y, u, dist] in &rows {
            text.push_str(&format!("{x},{y},{u},{dist}\n"));
        }
        text.into_bytes()
    } else {
        io::npy_f64_bytes(rows.len(), 4, &rows.concat())
    };
    let labels_map = labels.map(|l| LabelsMap::new(grid.units(), &bmus, &l));
    io::write_atomic(&a.out, &bytes)?;
    eprintln!(
        "wrote {} ({} rows: x, y, unit, distance)",
        a.out.display(),
        rows.len()
    );
    if let Some(map) = labels_map {
        eprintln!(
            "{} classes; purity {:.4} (the share of rows whose class is their unit's majority class)",
            map.classes().len(),
            map.purity_of_map()
        );
        if let Some(path) = &a.labels_map {
            io::write_atomic(path, &map.csv_bytes(grid))?;
            eprintln!("wrote {} ({} units)", path.display(), grid.units());
        }
    }
    Ok(())
}

/// The rows' labels: read from `--labels FILE` if given, else those of `--label-column`
/// (`column`), if any.
pub(crate) fn rows_labels(
    file: Option<&Path>,
    column: Option<Vec<String>>,
    rows: usize,
    limit: MemoryLimit,
) -> Result<Option<Vec<String>>> {
    match file {
        Some(path) => Ok(Some(read_labels(path, rows, limit)?)),
        None => Ok(column),
    }
}

/// One label a line of `path` (`\n` or `\r\n`), exactly `rows` of them.
fn read_labels(path: &Path, rows: usize, limit: MemoryLimit) -> Result<Vec<String>> {
    crate::check_file_size(limit, "--labels", path)?;
    let bytes = io::read_file(path)?;
    let Ok(text) = String::from_utf8(bytes) else {
        bail!("--labels {}: not UTF-8 text", path.display());
    };
    let labels: Vec<String> = text.lines().map(str::to_string).collect();
    if labels.len() != rows {
        bail!(
            "--labels {}: {} labels for {rows} rows of --input (one label a line, no header)",
            path.display(),
            labels.len()
        );
    }
    if let Some(i) = labels.iter().position(|l| l.trim().is_empty()) {
        bail!("--labels {}:{}: an empty label", path.display(), i + 1);
    }
    Ok(labels)
}
