//! Data-parallel batch training: the rows split over ranks (threads, or processes under
//! `mpirun`), the map the same **bits** as one process training on all the rows, for any number
//! of ranks.
//!
//! Rank `r` of `K` holds rows [`shard`]`(n, r, K)`, a contiguous block in rank order. Each epoch:
//! 1. every rank searches the best unit of each of its rows (the expensive part, in parallel);
//! 2. the per-unit sums and counts are added **in example order**, as one process adds them:
//!    rank 0 adds its rows to zeros and sends the sums to rank 1, which goes on adding its rows,
//!    and so on (a chain, `K - 1` messages of `M (D + 1)` floats); float addition is not
//!    associative, and this order is the only one that gives one process's bits whatever `K`;
//! 3. the last rank smooths and divides, and sends the new weights to every rank (`M D` floats).
//!
//! The quantization error is carried along the chain the same way. Bytes per epoch:
//! `4 M ((K - 1)(D + 1) + (K - 1) D)` over the links, about `8 M D` per rank boundary.
//!
//! The search runs the CPU kernels of [`crate::cpu`] on each rank: a distributed run equals a
//! single-process run on the CPU (Flex). Ranks on machines whose CPUs pick other SIMD kernels
//! may break ties differently; identical machines (two DGX Sparks) give identical bits.

use std::ops::Range;

use burn::prelude::*;
use burnax_comm::{broadcast, recv, send, Communicator};

use crate::cpu::batch::{accumulate, qe_sum, smooth_and_divide, EpochStats};
use crate::cpu::search;
use crate::error::SomError;
use crate::host::host;
use crate::init::{self, Init};
use crate::limits;
use crate::model::Fingerprint;
use crate::normalize::{self, ColumnStats, Normalization, Normalize};
use crate::schedule::BatchTrainingConfig;
use crate::som::{check_trained, Progress, Som, SomConfig};
use crate::spec::MapSpec;
use crate::SomBackend;

pub use burnax_comm::Threads;

/// The rows of `n` that rank `rank` of `ranks` holds: `n r / K .. n (r + 1) / K`, contiguous and
/// in rank order, sizes differing by at most one.
///
/// # Panics
/// If `rank >= ranks`.
pub fn shard(n: usize, rank: usize, ranks: usize) -> Range<usize> {
    assert!(rank < ranks, "shard: rank {rank} of {ranks}");
    let at = |r: usize| (n as u128 * r as u128 / ranks as u128) as usize;
    at(rank)..at(rank + 1)
}

/// Every rank's outcome, the same on every rank: `Ok` if all succeeded, else the error of the
/// lowest rank that failed (for data read in shards, the error one process reading everything
/// would have met first). Call it where every rank has checked its inputs, before the long work.
///
/// # Errors
/// The lowest failing rank's message as [`SomError::Data`] (its own error type does not cross
/// ranks), or a communication error as [`SomError::Distributed`].
pub fn agree(comm: &dyn Communicator, outcome: Result<(), String>) -> Result<(), SomError> {
    let mine = match &outcome {
        Ok(()) => Vec::new(),
        Err(e) => [b"!".as_slice(), e.as_bytes()].concat(),
    };
    let all = comm.all_gather(&mine)?;
    match all.iter().find(|m| !m.is_empty()) {
        None => Ok(()),
        Some(m) => Err(SomError::Data(String::from_utf8_lossy(&m[1..]).into_owned())),
    }
}

/// The fingerprint of the whole data set ([`crate::model::fingerprint`]) from its shards, the
/// same string on every rank.
///
/// # Errors
/// A communication error.
pub fn fingerprint(
    comm: &dyn Communicator,
    total: usize,
    cols: usize,
    shard: &[f32],
) -> Result<String, SomError> {
    let (rank, size) = (comm.rank(), comm.size());
    let mut f = Fingerprint::new(total, cols);
    if rank > 0 {
        f.state = recv::<u64, _>(comm, rank - 1)?
            .first()
            .copied()
            .unwrap_or(f.state);
    }
    f.eat(shard);
    if rank + 1 < size {
        send(comm, rank + 1, &[f.state])?;
    }
    f.state = broadcast(comm, &[f.state], size - 1)?[0];
    Ok(f.finish())
}

/// `add` applied to `start` by every rank in rank order (rank 0 from `start`, each next rank
/// continuing what the one before sent), the result on every rank: the order one process adds
/// its rows in, so the same bits.
fn chain(
    comm: &dyn Communicator,
    start: Vec<f64>,
    add: impl FnOnce(&mut Vec<f64>),
) -> Result<Vec<f64>, SomError> {
    let (rank, size) = (comm.rank(), comm.size());
    let mut acc = if rank == 0 {
        start
    } else {
        let got = recv::<f64, _>(comm, rank - 1)?;
        if got.len() != start.len() {
            return Err(SomError::Distributed(format!(
                "rank {} sent {} values, {} expected",
                rank - 1,
                got.len(),
                start.len()
            )));
        }
        got
    };
    add(&mut acc);
    if rank + 1 < size {
        send(comm, rank + 1, &acc)?;
    }
    Ok(broadcast(comm, &acc, size - 1)?)
}

/// The [`ColumnStats`] of every rank's rows (`shard`, row-major, `cols` columns), the bits one
/// process gets from all of them, on every rank.
///
/// # Errors
/// A communication error.
pub fn column_stats(comm: &dyn Communicator, shard: &[f32], cols: usize) -> Result<ColumnStats, SomError> {
    // Flattened: rows, then the minima, maxima and sums.
    let flat = |s: &ColumnStats| {
        let mut v = vec![s.rows as f64];
        v.extend(s.min.iter().chain(&s.max).chain(&s.sum));
        v
    };
    let stats = |v: &[f64]| ColumnStats {
        rows: v[0] as usize,
        min: v[1..1 + cols].to_vec(),
        max: v[1 + cols..1 + 2 * cols].to_vec(),
        sum: v[1 + 2 * cols..].to_vec(),
    };
    let all = chain(comm, flat(&ColumnStats::new(cols)), |acc| {
        let mut s = stats(acc);
        s.eat(shard);
        *acc = flat(&s);
    })?;
    Ok(stats(&all))
}

/// [`normalize::add_squared_deviations`] over every rank's rows, in rank order, on every rank.
///
/// # Errors
/// A communication error.
pub fn squared_deviations(
    comm: &dyn Communicator,
    shard: &[f32],
    mean: &[f64],
) -> Result<Vec<f64>, SomError> {
    chain(comm, vec![0.0; mean.len()], |acc| {
        normalize::add_squared_deviations(acc, shard, mean)
    })
}

/// [`Normalization::fit_with_stats`] over every rank's rows: the bits one process gets, on
/// every rank.
///
/// # Errors
/// A communication error.
pub fn fit_normalization(
    comm: &dyn Communicator,
    method: Normalize,
    shard: &[f32],
    cols: usize,
) -> Result<(ColumnStats, Option<Normalization>), SomError> {
    let stats = column_stats(comm, shard, cols)?;
    let squares = match method {
        Normalize::ZScore => Some(squared_deviations(comm, shard, &stats.mean())?),
        _ => None,
    };
    let fitted = Normalization::from_stats(method, &stats, squares.as_deref());
    Ok((stats, fitted))
}

/// One batch epoch over every rank's shard: the new `m x d` weights (the same on every rank,
/// and the same bits as [`crate::cpu::batch::epoch`] on all the rows), and the quantization
/// error of `w` over all `total` rows. Every rank calls it with the same `w`.
///
/// # Errors
/// A communication error.
pub fn batch_epoch(
    comm: &dyn Communicator,
    w: &[f32],
    shard: &[f32],
    d: usize,
    total: usize,
    spec: MapSpec,
    sigma: [f64; 2],
) -> Result<(Vec<f32>, EpochStats), SomError> {
    let grid = spec.grid;
    let (rank, size, m) = (comm.rank(), comm.size(), grid.units());
    let best = search::best1(w, m, d, shard, spec.distance);
    // The chain: the sums and the QE's total so far, from the rank before.
    let (mut s, mut qe) = if rank == 0 {
        (vec![0f32; m * (d + 1)], 0.0)
    } else {
        (
            recv::<f32, _>(comm, rank - 1)?,
            recv::<f64, _>(comm, rank - 1)?[0],
        )
    };
    if s.len() != m * (d + 1) {
        return Err(SomError::Distributed(format!(
            "rank {} sent {} sums, this map needs {}",
            rank - 1,
            s.len(),
            m * (d + 1)
        )));
    }
    accumulate(&mut s, shard, d, &best, grid);
    qe = qe_sum(qe, shard, d, &best, spec.distance);
    let last = size - 1;
    let new = if rank < last {
        send(comm, rank + 1, &s)?;
        send(comm, rank + 1, &[qe])?;
        Vec::new()
    } else {
        smooth_and_divide(&s, d, w, spec, sigma)
    };
    let new = broadcast(comm, &new, last)?;
    let qe = broadcast(comm, &[qe], last)?[0];
    Ok((
        new,
        EpochStats {
            quantization_error: qe / total.max(1) as f64,
        },
    ))
}

impl SomConfig {
    /// [`SomConfig::init_with_data`] from shards: every rank gets the map one process would
    /// make from all `total` rows (`shard` holds rows `first..`). `random` needs no data;
    /// `sample` gathers the sampled rows from the ranks that hold them.
    ///
    /// # Errors
    /// As [`SomConfig::init_with_data`]; [`SomError::Config`] for `pca`, which is not distributed
    /// yet (initialize from a weights file instead); a communication error.
    pub fn init_with_shard<B: Backend>(
        &self,
        comm: &dyn Communicator,
        shard: &Tensor<B, 2>,
        first: usize,
        total: usize,
    ) -> Result<Som<B>, SomError> {
        self.validate()?;
        let [n, d] = shard.dims();
        if d != self.dim {
            return Err(SomError::Data(format!(
                "the data has dimension {d}, the map has dimension {}",
                self.dim
            )));
        }
        let m = self.width * self.height;
        let w = match self.init {
            Init::Random => init::random(m, d, self.seed),
            Init::Pca => {
                return Err(SomError::config(
                    "init pca is not distributed yet: use random, sample, or a weights file",
                ))
            }
            Init::Sample => {
                let rows = init::sample_rows(total, m, self.seed);
                let values = host(shard.clone());
                // (unit, row values) for the sampled rows this rank holds.
                let mut mine = Vec::new();
                for (unit, &r) in rows.iter().enumerate() {
                    if (first..first + n).contains(&r) {
                        mine.push(unit as f32);
                        mine.extend_from_slice(&values[(r - first) * d..(r - first + 1) * d]);
                    }
                }
                let mut w = vec![0f32; m * d];
                for part in burnax_comm::all_gather(comm, &mine)? {
                    for entry in part.chunks_exact(d + 1) {
                        let unit = entry[0] as usize;
                        w[unit * d..(unit + 1) * d].copy_from_slice(&entry[1..]);
                    }
                }
                w
            }
        };
        Ok(Som::from_host(self.spec(), w, d, &shard.device()))
    }
}

impl<B: SomBackend> Som<B> {
    /// [`Som::train_batch_with`] over every rank's shard (`total` rows in all): after each epoch
    /// every rank holds the same weights, the bits one process training on all the rows on the
    /// CPU would hold. Every rank calls it with the same map and schedule; `on_epoch` runs on
    /// every rank (let one of them write files).
    ///
    /// # Errors
    /// As [`Som::train_batch_with`], and a communication error (a peer failed or left).
    pub fn train_batch_distributed(
        &mut self,
        comm: &dyn Communicator,
        shard: &Tensor<B, 2>,
        total: usize,
        cfg: &BatchTrainingConfig,
        epochs: Range<usize>,
        mut on_epoch: impl FnMut(&Self, Progress) -> Result<(), SomError>,
    ) -> Result<(), SomError> {
        cfg.validate()?;
        let d = self.dim();
        if shard.dims()[1] != d {
            return Err(SomError::Data(format!(
                "the data has dimension {}, the map has dimension {d}",
                shard.dims()[1]
            )));
        }
        if epochs.end > cfg.epochs {
            return Err(SomError::config(format!(
                "epochs {epochs:?} reach past the schedule's {} epochs",
                cfg.epochs
            )));
        }
        let (grid, spec, x) = (self.grid(), self.spec(), host(shard.clone()));
        spec.check_batch()?;
        // Each rank checks its rows; all stop on the first rank's error.
        agree(
            comm,
            limits::check_values(&x, d, "the data").map_err(|e| e.to_string()),
        )?;
        let mut w = self.weights_host();
        for e in epochs {
            let (new, stats) = batch_epoch(comm, &w, &x, d, total, spec, cfg.sigma_at(grid, e))?;
            w = new;
            *self = Som::from_host(spec, w.clone(), d, &shard.device());
            // The same bits on every rank, so the same verdict.
            check_trained(&self.weights(), || format!("epoch {}", e + 1))?;
            on_epoch(
                self,
                Progress {
                    done: e + 1,
                    total: cfg.epochs,
                    quantization_error: Some(stats.quantization_error),
                },
            )?;
        }
        Ok(())
    }

    /// Quantization and topographic errors over every rank's shard (`total` rows in all), the
    /// same on every rank: each rank's mean times its rows, added in rank order, over `total`
    /// (equal to one process's to rounding, about 1e-15 relative).
    ///
    /// # Errors
    /// A communication error.
    pub fn errors_distributed(
        &self,
        comm: &dyn Communicator,
        shard: &Tensor<B, 2>,
        total: usize,
    ) -> Result<(f64, f64), SomError> {
        // Each rank's totals by the same formulas as one process's means.
        let n = shard.dims()[0];
        let (qe, te) = if n == 0 {
            (0.0, 0.0)
        } else {
            (
                self.quantization_error(shard) * n as f64,
                self.topographic_error(shard) * n as f64,
            )
        };
        let sums = burnax_comm::all_reduce(comm, &[qe, te], burnax_comm::Reduce::Sum)?;
        let n = total.max(1) as f64;
        Ok((sums[0] / n, sums[1] / n))
    }
}
