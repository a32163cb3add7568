//! `som train --normalize`: the rescaling fitted on the training rows (over every rank), with a
//! note on constant columns, and a warning when none was asked for and the features' ranges
//! differ by orders of magnitude.

use std::path::Path;

use anyhow::Result;
use burnax_comm::Communicator;
use burnax_som::distributed;
use burnax_som::io::Shard;
use burnax_som::normalize::{ColumnStats, Normalization, Normalize, RANGE_RATIO_WARNING};
use clap::ValueEnum;

/// `--normalize`'s values.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum NormalizeArg {
    /// Each feature minus its mean, over its standard deviation.
    Zscore,
    /// Each feature minus its minimum, over its range: into [0, 1].
    Minmax,
    /// The data as it is (and no warning about its ranges).
    None,
}

impl From<NormalizeArg> for Normalize {
    fn from(a: NormalizeArg) -> Self {
        match a {
            NormalizeArg::Zscore => Normalize::ZScore,
            NormalizeArg::Minmax => Normalize::MinMax,
            NormalizeArg::None => Normalize::None,
        }
    }
}

/// The rescaling `--normalize` asks for (`asked`), fitted on every rank's rows; notes and the
/// warning on stderr (rank 0), naming columns by `features` where known.
pub(crate) fn fit(
    asked: Option<NormalizeArg>,
    comm: Option<&dyn Communicator>,
    shard: &Shard,
    features: Option<&[String]>,
    name: &Path,
) -> Result<Option<Normalization>> {
    let method = asked.map_or(Normalize::None, Normalize::from);
    let (values, cols) = (&shard.matrix.values, shard.matrix.cols);
    let (stats, fitted) = match comm {
        Some(c) => distributed::fit_normalization(c, method, values, cols)?,
        None => Normalization::fit_with_stats(method, values, cols),
    };
    if comm.is_some_and(|c| c.rank() != 0) {
        return Ok(fitted);
    }
    let column = |j: usize| features.map_or_else(|| format!("column {}", j + 1), |f| f[j].clone());
    match &fitted {
        Some(n) => {
            let constant: Vec<String> = n.constant_columns(&stats).into_iter().map(column).collect();
            if !constant.is_empty() {
                eprintln!(
                    "note: {}: constant, so 0 once normalized: {}",
                    name.display(),
                    constant.join(", ")
                );
            }
        }
        None if asked.is_none() => {
            if let Some(w) = range_warning(&stats, column) {
                eprintln!("warning: {}: {w}", name.display());
            }
        }
        None => {}
    }
    Ok(fitted)
}

/// The warning for features whose ranges differ by more than [`RANGE_RATIO_WARNING`].
fn range_warning(stats: &ColumnStats, column: impl Fn(usize) -> String) -> Option<String> {
    let (ratio, wide, narrow) = stats.range_ratio().filter(|r| r.0 > RANGE_RATIO_WARNING)?;
    let span = |j: usize| format!("{} spans {}..{}", column(j), stats.min[j], stats.max[j]);
    Some(format!(
        "feature ranges differ by {ratio:.0}x ({}, {}): the widest decides the distances; give --normalize zscore or minmax (or none to keep them)",
        span(wide),
        span(narrow)
    ))
}
