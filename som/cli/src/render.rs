//! `som render` and `som train --png`: labelled pictures of a map (its weights as RGB, the
//! U-matrix, the hit map or labels map of data, the component planes), drawn by
//! `burnax_som::render`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use burnax_som::io::{self, Column};
use burnax_som::labels::LabelsMap;
use burnax_som::limits::MemoryLimit;
use burnax_som::model::ModelFile;
use burnax_som::normalize::Normalization;
use burnax_som::render::{Figure, Panel, Plot};
use burnax_som::{Grid, Som, SomBackend};
use clap::ValueEnum;

use crate::predict::rows_labels;
use crate::{
    best_units, check_on_data, model_som, read_for_model, read_model, tensor, weights_in_data_units, within,
    DataArgs,
};

/// What `som render` was asked for.
#[derive(clap::Args)]
pub struct RenderArgs {
    /// The model file (`som train --out`).
    #[arg(long)]
    model: PathBuf,
    /// The picture to write (PNG).
    #[arg(long)]
    png: PathBuf,
    /// What to draw [default: weights for a map of dimension 3, else umatrix].
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// With --mode components: draw only this feature, by name or number from 1.
    #[arg(long)]
    component: Option<Column>,
    /// With --mode hits or labels: the data whose rows are counted (CSV or NPY; `-` reads
    /// standard input), read as `som eval` reads it.
    #[arg(long)]
    input: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// With --mode labels: the rows' class labels, one a line, no header (or --label-column).
    #[arg(long, conflicts_with = "label_column")]
    labels: Option<PathBuf>,
    /// Pixels per unit [default: about 600 pixels of map across].
    #[arg(long)]
    scale: Option<usize>,
}

/// What a picture shows.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Mode {
    /// A map of dimension 3's weights as RGB colours, in the data's units.
    Weights,
    /// Each unit's mean distance to its grid neighbours: high values mark cluster borders.
    Umatrix,
    /// How many rows of --input have each unit as best unit.
    Hits,
    /// Each unit's majority class among the rows of --input that it wins, paler for lower
    /// purity, with a legend.
    Labels,
    /// One plane per feature: each unit's weight for it, in the data's units, each on its own
    /// colour scale.
    Components,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Weights => "weights",
            Mode::Umatrix => "umatrix",
            Mode::Hits => "hits",
            Mode::Labels => "labels",
            Mode::Components => "components",
        }
    }

    /// `som train --png`'s and `som render`'s choice without --mode.
    fn default_for(dim: usize) -> Self {
        if dim == 3 {
            Mode::Weights
        } else {
            Mode::Umatrix
        }
    }
}

/// What a picture shows, with its numbers.
enum Content {
    Rgb {
        title: String,
        weights: Vec<f32>,
    },
    Values {
        panels: Vec<(String, Vec<f32>)>,
        label: &'static str,
    },
    Classes {
        title: String,
        map: LabelsMap,
    },
}

impl Content {
    fn figure(&self, grid: Grid, scale: Option<usize>) -> Figure<'_> {
        let panels = match self {
            Content::Rgb { title, weights } => vec![Panel {
                title: title.clone(),
                plot: Plot::Rgb(weights),
            }],
            Content::Values { panels, label } => panels
                .iter()
                .map(|(title, values)| Panel {
                    title: title.clone(),
                    plot: Plot::Values { values, label },
                })
                .collect(),
            Content::Classes { title, map } => vec![Panel {
                title: title.clone(),
                plot: Plot::Classes(map),
            }],
        };
        let figure = Figure::new(grid, panels);
        match scale {
            Some(s) => figure.with_scale(s),
            None => figure,
        }
    }
}

/// `som render`: checks the flags against the mode and the model, and the picture's size,
/// before reading any data; then draws.
pub fn render<B: SomBackend>(a: &RenderArgs, limit: MemoryLimit) -> Result<()> {
    // Everything that can be checked before the work.
    let mut inputs = vec![("--model", a.model.as_path())];
    inputs.extend(a.input.as_deref().map(|p| ("--input", p)));
    inputs.extend(a.labels.as_deref().map(|p| ("--labels", p)));
    io::check_output("--png", &a.png, &inputs)?;
    check_scale(a.scale)?;
    let file = read_model("--model", &a.model, limit)?;
    let c = &file.config;
    let mode = a.mode.unwrap_or(Mode::default_for(c.dim));
    let reads_data = matches!(mode, Mode::Hits | Mode::Labels);
    match (&a.input, reads_data) {
        (None, true) => bail!("--mode {} counts the rows of data: give --input", mode.name()),
        (Some(_), false) => bail!(
            "--input is read by --mode hits and labels only, not by --mode {}",
            mode.name()
        ),
        _ => {}
    }
    let labelled = a.labels.is_some() || a.data.label_column.is_some();
    if mode == Mode::Labels && !labelled {
        bail!("--mode labels needs the rows' labels: give --labels FILE or --label-column NAME");
    }
    if mode != Mode::Labels && a.labels.is_some() {
        bail!("--labels is read by --mode labels only");
    }
    if a.component.is_some() && mode != Mode::Components {
        bail!("--component picks a plane of --mode components");
    }
    if mode == Mode::Weights && c.dim != 3 {
        bail!(
            "--mode weights draws a map of dimension 3 as RGB; {} has dimension {}: use --mode components (a plane per feature) or umatrix",
            a.model.display(),
            c.dim
        );
    }
    let component = a
        .component
        .as_ref()
        .map(|k| component_index(k, &file))
        .transpose()?;
    // The picture's size, from a stand-in of the same layout, before the data is read.
    let planes = match (mode, component) {
        (Mode::Components, None) => c.dim,
        _ => 1,
    };
    check_picture(c.grid(), mode, planes, a.scale, limit)?;

    let model_name = file_name(&a.model);
    let content = match mode {
        Mode::Hits | Mode::Labels => {
            let input = a.input.as_deref().expect("checked above");
            let (data, column_labels) = read_for_model(&file, &a.model, input, &a.data, limit)?;
            let labels = rows_labels(a.labels.as_deref(), column_labels, data.rows, limit)?;
            check_on_data(limit, "drawing", c, data.rows)?;
            let som = model_som::<B>(&file)?;
            let x = tensor::<B>(&data);
            let data_name = file_name(input);
            if mode == Mode::Hits {
                let hits: Vec<f32> = som
                    .hit_map(&x)
                    .into_data()
                    .iter::<i64>()
                    .map(|h| h as f32)
                    .collect();
                Content::Values {
                    panels: vec![(
                        format!("{model_name}: hits of {data_name} ({} rows)", data.rows),
                        hits,
                    )],
                    label: "rows",
                }
            } else {
                let bmus = best_units(&som, &x);
                let map = LabelsMap::new(c.grid().units(), &bmus, &labels.expect("checked above"));
                Content::Classes {
                    title: format!(
                        "{model_name}: classes of {data_name}, purity {:.3}",
                        map.purity_of_map()
                    ),
                    map,
                }
            }
        }
        _ => {
            let som = model_som::<B>(&file)?;
            map_content(
                &som,
                mode,
                component,
                &model_name,
                file.features.as_deref(),
                file.normalization.as_ref(),
            )?
        }
    };
    write(&content, c.grid(), a.scale, &a.png, limit)?;
    Ok(())
}

/// `som train --png`'s check before training: the picture of the trained map fits.
pub fn check_train_picture(grid: Grid, dim: usize, limit: MemoryLimit) -> Result<()> {
    check_picture(grid, Mode::default_for(dim), 1, None, limit)
}

/// Draws the trained map to `png` (`som train --png`): as `som render` would without --mode.
pub fn train_picture<B: SomBackend>(
    som: &Som<B>,
    out: &Path,
    png: &Path,
    features: Option<&[String]>,
    normalization: Option<&Normalization>,
    limit: MemoryLimit,
) -> Result<()> {
    let mode = Mode::default_for(som.dim());
    let content = map_content(som, mode, None, &file_name(out), features, normalization)?;
    write(&content, som.grid(), None, png, limit)
}

/// The weights, U-matrix or component planes of `som`.
fn map_content<B: SomBackend>(
    som: &Som<B>,
    mode: Mode,
    component: Option<usize>,
    model_name: &str,
    features: Option<&[String]>,
    normalization: Option<&Normalization>,
) -> Result<Content> {
    let weights = || weights_in_data_units(&som.weights_host(), normalization);
    Ok(match mode {
        Mode::Weights => {
            let weights = weights();
            let lo = weights.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = weights.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            if lo < 0.0 || hi > 1.0 {
                eprintln!(
                    "warning: the weights range from {lo} to {hi}, outside [0, 1]: their colours are clipped (--mode components draws each feature on its own scale)"
                );
            }
            Content::Rgb {
                title: format!("{model_name}: weights as RGB"),
                weights,
            }
        }
        Mode::Umatrix => {
            let u: Vec<f32> = som.umatrix().into_data().to_vec().expect("an f32 U-matrix");
            Content::Values {
                panels: vec![(
                    format!("{model_name}: U-matrix (mean distance to grid neighbours)"),
                    u,
                )],
                label: "distance",
            }
        }
        Mode::Components => {
            let (w, d) = (weights(), som.dim());
            let name = |k: usize| match features {
                Some(f) => f[k].clone(),
                None => format!("feature {}", k + 1),
            };
            let plane = |k: usize| -> Vec<f32> { w.iter().skip(k).step_by(d).copied().collect() };
            let panels = match component {
                Some(k) => vec![(format!("{model_name}: component {}", name(k)), plane(k))],
                None => (0..d).map(|k| (name(k), plane(k))).collect(),
            };
            Content::Values {
                panels,
                label: "weight",
            }
        }
        Mode::Hits | Mode::Labels => unreachable!("drawn from data by render"),
    })
}

/// The 0-based feature `--component` names.
fn component_index(k: &Column, file: &ModelFile) -> Result<usize> {
    let d = file.config.dim;
    match k {
        Column::Index(i) if (1..=d).contains(i) => Ok(i - 1),
        Column::Index(i) => bail!("--component {i}: the map has features 1 to {d}"),
        Column::Name(n) => match &file.features {
            Some(f) => match f.iter().position(|x| x == n) {
                Some(i) => Ok(i),
                None => bail!("--component {n}: no such feature; the model's are {}", f.join(", ")),
            },
            None => bail!(
                "--component {n}: the model stores no feature names (its data had no header): give a number from 1 to {d}"
            ),
        },
    }
}

fn check_scale(scale: Option<usize>) -> Result<()> {
    if scale == Some(0) {
        bail!("--scale must be at least 1, got 0");
    }
    Ok(())
}

/// Refuses a picture PNG cannot hold or the memory limit does not allow, judged by a stand-in
/// with the same layout.
fn check_picture(
    grid: Grid,
    mode: Mode,
    planes: usize,
    scale: Option<usize>,
    limit: MemoryLimit,
) -> Result<()> {
    let stand_in = match mode {
        Mode::Weights => Content::Rgb {
            title: String::new(),
            weights: Vec::new(),
        },
        _ => Content::Values {
            panels: vec![(String::new(), Vec::new()); planes],
            label: "",
        },
    };
    check_figure(&stand_in.figure(grid, scale), grid, scale, limit)
}

/// Refuses `figure` if PNG cannot hold it or the memory limit does not allow it; the message
/// names `--scale N` if one was given, else `--png`.
fn check_figure(figure: &Figure, grid: Grid, scale: Option<usize>, limit: MemoryLimit) -> Result<()> {
    let flag = match scale {
        Some(s) => format!("--scale {s}"),
        None => "--png".into(),
    };
    match (figure.size(), figure.bytes()) {
        (Some((w, h)), bytes) => within(limit, &format!("{flag}: a picture of {w} x {h} pixels"), bytes),
        _ => bail!(
            "{flag}: a picture of a {} x {} map at {} pixels a unit is larger than PNG allows (2^31 - 1 pixels a side)",
            grid.width,
            grid.height,
            figure.scale()
        ),
    }
}

fn write(content: &Content, grid: Grid, scale: Option<usize>, png: &Path, limit: MemoryLimit) -> Result<()> {
    let figure = content.figure(grid, scale);
    check_figure(&figure, grid, scale, limit)?;
    let image = figure.draw()?;
    image.write_png(png)?;
    eprintln!(
        "wrote {} ({} x {} pixels)",
        png.display(),
        image.width,
        image.height
    );
    Ok(())
}

/// A file's name for a title, `<stdin>` for `-`.
fn file_name(path: &Path) -> String {
    if path == Path::new("-") {
        return "<stdin>".into();
    }
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
