//! The portable path: SOM training and search written with Burn tensor operations only.
//!
//! It runs on every Burn backend and is the fallback where no fused kernel exists (on the GPU:
//! tensors that are not `f32`). It follows the same fast
//! formulation as the kernels (GEMM distances and argmin for `euclidean` and `cosine`, direct
//! `|x - w|` blocks for `manhattan` and `chebyshev`, per-unit sums, separable smoothing), but op
//! by op: the distance matrix (and for the direct distances the `rows x M x D` differences) is
//! materialised one chunk of about [`DISTANCE_BLOCK`] entries at a time, so peak memory stays
//! `O(N·D + M·D + DISTANCE_BLOCK)`.

use std::ops::Range;

use burn::prelude::*;
use burn::tensor::{ElementConversion, IndexingUpdateOp, TensorData};

use crate::distance::Distance;
use crate::neighborhood::{Smoothing, StepRows, DEN_EPS};
use crate::schedule::OnlineTrainingConfig;
use crate::spec::MapSpec;

/// Entries of the `rows x M` distance block computed at once (16 MiB of `f32`).
pub const DISTANCE_BLOCK: usize = 1 << 22;

/// Rows scaled to unit length, zero rows left 0 (the cosine search's operands).
fn unit_rows<B: Backend>(t: Tensor<B, 2>) -> Tensor<B, 2> {
    let norm = t.clone().square().sum_dim(1).sqrt();
    // A zero row divided by the floor stays 0; any other row's norm is far above it.
    t / norm.clamp_min(f32::MIN_POSITIVE)
}

/// What the search needs of the weights, prepared once for all blocks.
enum Prepared<B: Backend> {
    /// `|w|^2` as `[1, M]` and `W^T` (Euclidean), or 0 and the unit rows' `W^T` (cosine).
    Gemm(Tensor<B, 2>, Tensor<B, 2>),
    /// The weights as `[1, M, D]` (Manhattan, Chebyshev).
    Direct(Tensor<B, 3>),
}

impl<B: Backend> Prepared<B> {
    fn new(w: &Tensor<B, 2>, dist: Distance) -> Self {
        let [m, d] = w.dims();
        match dist {
            Distance::Euclidean => Prepared::Gemm(
                w.clone().square().sum_dim(1).reshape([1, m]),
                w.clone().transpose(),
            ),
            Distance::Cosine => Prepared::Gemm(
                Tensor::zeros([1, m], &w.device()),
                unit_rows(w.clone()).transpose(),
            ),
            Distance::Manhattan | Distance::Chebyshev => Prepared::Direct(w.clone().reshape([1, m, d])),
        }
    }

    /// Entries of one row's share of a block: `M`, or `M * D` for the direct distances.
    fn per_row(&self) -> usize {
        match self {
            Prepared::Gemm(w2, _) => w2.dims()[1],
            Prepared::Direct(w) => w.dims()[1] * w.dims()[2],
        }
    }
}

/// Scores that order the units as the distance does, for the rows `rows` of `data` (already
/// unit rows for the cosine): `|w|^2 - 2 x.w` (Euclidean), `-2 x^.w^` (cosine), `sum |x - w|`,
/// `max |x - w|`. `[rows, M]`.
fn scores<B: Backend>(
    prep: &Prepared<B>,
    dist: Distance,
    data: &Tensor<B, 2>,
    rows: Range<usize>,
) -> Tensor<B, 2> {
    let x = data.clone().narrow(0, rows.start, rows.len());
    match prep {
        Prepared::Gemm(w2, wt) => w2.clone() - x.matmul(wt.clone()).mul_scalar(2.0),
        Prepared::Direct(w) => {
            let [_, m, d] = w.dims();
            let len = rows.len();
            let diff = (x.reshape([len, 1, d]) - w.clone()).abs();
            let s = match dist {
                Distance::Chebyshev => diff.max_dim(2),
                _ => diff.sum_dim(2),
            };
            s.reshape([len, m])
        }
    }
}

/// Row chunks of `n` examples such that each distance block holds about `block` entries, at
/// `per_row` entries a row (at least one row).
fn chunks(n: usize, per_row: usize, block: usize) -> impl Iterator<Item = Range<usize>> {
    let rows = (block / per_row.max(1)).max(1);
    (0..n).step_by(rows).map(move |s| s..(s + rows).min(n))
}

/// The search's view of `data`: unit rows for the cosine, else the data.
fn search_data<B: Backend>(data: Tensor<B, 2>, dist: Distance) -> Tensor<B, 2> {
    if dist == Distance::Cosine {
        unit_rows(data)
    } else {
        data
    }
}

/// `dist(x_i, y_i)` for every pair of rows of `x` and `y` (both `[N, D]`): `[N]`, from the
/// formulas of [`Distance`] (the exact distances of a quantization error).
pub fn row_distances<B: Backend>(x: Tensor<B, 2>, y: Tensor<B, 2>, dist: Distance) -> Tensor<B, 1> {
    let [n, _] = x.dims();
    let d = match dist {
        Distance::Euclidean => (x - y).square().sum_dim(1).sqrt(),
        Distance::Manhattan => (x - y).abs().sum_dim(1),
        Distance::Chebyshev => (x - y).abs().max_dim(1),
        Distance::Cosine => {
            let dot = (x.clone() * y.clone()).sum_dim(1);
            let den = x.square().sum_dim(1).sqrt() * y.square().sum_dim(1).sqrt();
            let cos = dot / den.clone().clamp_min(f32::MIN_POSITIVE);
            // A zero row: its cosine is 0 (the division above gives 0 / floor = 0).
            cos.neg().add_scalar(1.0).mask_fill(den.equal_elem(0.0), 1.0)
        }
    };
    d.reshape([n])
}

/// Best-matching unit of every row of `data` (`[N, D]`) for weights `w` (`[M, D]`) in distance
/// `dist`.
pub fn bmus<B: Backend>(w: Tensor<B, 2>, data: Tensor<B, 2>, dist: Distance) -> Tensor<B, 1, Int> {
    bmus_blocked(w, data, dist, DISTANCE_BLOCK)
}

/// [`bmus`] with distance blocks of about `block` entries instead of [`DISTANCE_BLOCK`]: the
/// same answer; a small `block` runs the many-chunk path of large problems on small ones (the
/// tests do).
pub fn bmus_blocked<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    dist: Distance,
    block: usize,
) -> Tensor<B, 1, Int> {
    let [n, _] = data.dims();
    let prep = Prepared::new(&w, dist);
    let data = search_data(data, dist);
    let parts: Vec<_> = chunks(n, prep.per_row(), block)
        .map(|r| {
            let len = r.len();
            scores(&prep, dist, &data, r).argmin(1).reshape([len])
        })
        .collect();
    Tensor::cat(parts, 0)
}

/// Best and second-best units of every row of `data`; the second equals the best on a
/// single-unit map.
pub fn bmus2<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    dist: Distance,
) -> (Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    bmus2_blocked(w, data, dist, DISTANCE_BLOCK)
}

/// [`bmus2`] with distance blocks of about `block` entries, as [`bmus_blocked`].
pub fn bmus2_blocked<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    dist: Distance,
    block: usize,
) -> (Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    let [n, _] = data.dims();
    let [m, _] = w.dims();
    let device = data.device();
    let prep = Prepared::new(&w, dist);
    let data = search_data(data, dist);
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for r in chunks(n, prep.per_row(), block) {
        let len = r.len();
        let s = scores(&prep, dist, &data, r);
        let b1 = s.clone().argmin(1); // [len, 1]
        if m == 1 {
            second.push(b1.clone().reshape([len]));
        } else {
            let iota = Tensor::<B, 1, Int>::arange(0..m as i64, &device)
                .reshape([1, m])
                .expand([len, m]);
            let is_best = iota.equal(b1.clone().expand([len, m]));
            second.push(s.mask_fill(is_best, f32::INFINITY).argmin(1).reshape([len]));
        }
        first.push(b1.reshape([len]));
    }
    (Tensor::cat(first, 0), Tensor::cat(second, 0))
}

/// A row-major `n x n` matrix as a tensor.
fn matrix<B: Backend>(values: &[f32], n: usize, device: &B::Device) -> Tensor<B, 2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [n, n]), device)
}

/// One batch epoch: per-unit sums and counts, smoothed along x then y ([`Smoothing`]: on a
/// hexagonal grid one pass per pair of row parities, each kept on its target rows), divided.
///
/// # Panics
/// For the Mexican hat (batch training refuses it).
pub fn batch_epoch<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    spec: MapSpec,
    sigma: [f64; 2],
) -> Tensor<B, 2> {
    let [n, d] = data.dims();
    let grid = spec.grid;
    let (gx, gy, m) = (grid.width, grid.height, grid.units());
    let device = data.device();
    let b = bmus(w.clone(), data.clone(), spec.distance);
    // [M, D + 1]: sums of the examples per unit, then their count.
    let values = Tensor::cat(vec![data, Tensor::ones([n, 1], &device)], 1);
    let s = Tensor::<B, 2>::zeros([m, d + 1], &device).select_assign(0, b, values, IndexingUpdateOp::Add);
    let plan = Smoothing::new(grid, spec.neighborhood, sigma);
    let mut v: Option<Tensor<B, 2>> = None;
    for pb in 0..plan.classes {
        for pj in 0..plan.classes {
            // Along x: [gx, gx] x [gx, gy * (d + 1)].
            let u = matrix::<B>(&plan.x[pb][pj], gx, &device).matmul(s.clone().reshape([gx, gy * (d + 1)]));
            // Along y: lay out as [gy, gx * (d + 1)], then [gy, gy] x that.
            let u = u
                .reshape([gx, gy, d + 1])
                .swap_dims(0, 1)
                .reshape([gy, gx * (d + 1)]);
            let mut part = matrix::<B>(&plan.y[pb], gy, &device).matmul(u);
            if plan.classes > 1 {
                let rows: Vec<f32> = (0..gy).map(|y| f32::from(y % plan.classes == pj)).collect();
                part = part * Tensor::<B, 2>::from_data(TensorData::new(rows, [gy, 1]), &device);
            }
            v = Some(match v {
                None => part,
                Some(v) => v + part,
            });
        }
    }
    let v = v.expect("at least one class");
    let v = v.reshape([gy, gx, d + 1]).swap_dims(0, 1).reshape([m, d + 1]);
    let num = v.clone().slice([0..m, 0..d]);
    let den = v.slice([0..m, d..d + 1]);
    let new = num / den.clone().add_scalar(DEN_EPS);
    if spec.neighborhood.keeps_unreached() {
        new.mask_where(den.equal_elem(0.0).expand([m, d]), w)
    } else {
        new
    }
}

/// Online training steps `steps` (see [`crate::cpu::online::train`]), one small op at a time.
/// Every step reads the best unit back to the host: this is the slow fallback.
pub fn train_online<B: Backend>(
    mut w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    spec: MapSpec,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
    steps: Range<usize>,
) -> Tensor<B, 2> {
    assert_eq!(order.len(), steps.len(), "one example per step of {steps:?}");
    let device = w.device();
    let grid = spec.grid;
    let (gy, m) = (grid.height, grid.units());
    for t in steps.clone() {
        let step = cfg.step_at(grid, t);
        let i = order[t - steps.start];
        let x = data.clone().narrow(0, i, 1); // [1, D]
        let diff = x.clone() - w.clone(); // [M, D]
        let bmu = if spec.distance == Distance::Euclidean {
            let b: i64 = diff.clone().square().sum_dim(1).argmin(0).into_scalar().elem();
            b as usize
        } else {
            let b: i64 = bmus(w.clone(), x, spec.distance).into_scalar().elem();
            b as usize
        };
        let rows = StepRows::new(grid, spec.neighborhood, bmu, step.sigma, step.alpha);
        let coef: Vec<f32> = (0..m).map(|j| rows.at(j / gy, j % gy)).collect();
        let coef = Tensor::<B, 2>::from_data(TensorData::new(coef, [m, 1]), &device);
        w = w + diff * coef;
        if let Some([lo, hi]) = cfg.clip {
            w = w.clamp(lo, hi);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use burn::backend::Flex;

    /// The distance blocks hold about `block` entries: `block / m` rows each (at least one),
    /// the last one short; this is what bounds the search's memory.
    #[test]
    fn chunks_hold_block_entries() {
        let plan = |n, m, block| chunks(n, m, block).collect::<Vec<_>>();
        assert_eq!(plan(10, 3, 7), [0..2, 2..4, 4..6, 6..8, 8..10]);
        assert_eq!(plan(5, 3, 9), [0..3, 3..5]);
        assert_eq!(plan(3, 10, 4), [0..1, 1..2, 2..3], "a row wider than the block");
        let whole = plan(4, 2, 100);
        assert_eq!((whole.len(), whole[0].clone()), (1, 0..4), "one block for all");
    }

    /// Steps `a..b` then `b..c` give the bits of `a..c`: step `t` takes its example from
    /// `order[t - start]` and its schedule from `t`.
    #[test]
    fn online_steps_resume_where_they_stopped() {
        let device = Default::default();
        let grid = Grid::new(3, 4);
        let values: Vec<f32> = (0..30).map(|i| (i as f32 * 0.77).sin()).collect();
        let data = Tensor::<Flex, 2>::from_data(TensorData::new(values, [10, 3]), &device);
        let w0 = Tensor::<Flex, 2>::from_data(TensorData::new(vec![0.1f32; 36], [12, 3]), &device);
        let cfg = OnlineTrainingConfig::new(20);
        let order: Vec<usize> = (0..20).map(|t| (t * 7) % 10).collect();
        let spec = grid.into();
        let whole = train_online(w0.clone(), data.clone(), spec, &cfg, &order, 0..20);
        let first = train_online(w0, data.clone(), spec, &cfg, &order[..6], 0..6);
        let resumed = train_online(first, data, spec, &cfg, &order[6..], 6..20);
        assert_eq!(resumed.into_data(), whole.into_data());
    }
}
