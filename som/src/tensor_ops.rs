//! The portable path: SOM training and search written with Burn tensor operations only.
//!
//! It runs on every Burn backend and is the fallback where no fused kernel exists. It follows
//! the same fast formulation as the kernels (GEMM distances and argmin, per-unit sums, separable
//! smoothing), but op by op: the distance matrix is materialised one chunk of
//! [`DISTANCE_BLOCK`] entries at a time, so peak memory stays `O(N·D + M·D + DISTANCE_BLOCK)`.

use std::ops::Range;

use burn::prelude::*;
use burn::tensor::{ElementConversion, IndexingUpdateOp, TensorData};

use crate::grid::Grid;
use crate::neighborhood::{gaussian_matrix_f32, gaussian_row, DEN_EPS};
use crate::schedule::OnlineTrainingConfig;

/// Entries of the `rows x M` distance block computed at once (16 MiB of `f32`).
pub const DISTANCE_BLOCK: usize = 1 << 22;

/// `|w|^2 - 2 X W^T` for the rows `rows` of `data`: `[rows, M]`.
fn scores<B: Backend>(
    w2: &Tensor<B, 2>,
    wt: &Tensor<B, 2>,
    data: &Tensor<B, 2>,
    rows: Range<usize>,
) -> Tensor<B, 2> {
    let x = data.clone().narrow(0, rows.start, rows.len());
    w2.clone() - x.matmul(wt.clone()).mul_scalar(2.0)
}

/// Row chunks of `n` examples such that each distance block holds about `block` entries (at
/// least one row).
fn chunks(n: usize, m: usize, block: usize) -> impl Iterator<Item = Range<usize>> {
    let rows = (block / m.max(1)).max(1);
    (0..n).step_by(rows).map(move |s| s..(s + rows).min(n))
}

fn prepare<B: Backend>(w: &Tensor<B, 2>) -> (Tensor<B, 2>, Tensor<B, 2>) {
    let [m, _] = w.dims();
    let w2 = w.clone().square().sum_dim(1).reshape([1, m]);
    (w2, w.clone().transpose())
}

/// Best-matching unit of every row of `data` (`[N, D]`) for weights `w` (`[M, D]`).
pub fn bmus<B: Backend>(w: Tensor<B, 2>, data: Tensor<B, 2>) -> Tensor<B, 1, Int> {
    bmus_blocked(w, data, DISTANCE_BLOCK)
}

/// [`bmus`] with distance blocks of about `block` entries instead of [`DISTANCE_BLOCK`]: the
/// same answer; a small `block` runs the many-chunk path of large problems on small ones (the
/// tests do).
pub fn bmus_blocked<B: Backend>(w: Tensor<B, 2>, data: Tensor<B, 2>, block: usize) -> Tensor<B, 1, Int> {
    let [n, _] = data.dims();
    let [m, _] = w.dims();
    let (w2, wt) = prepare(&w);
    let parts: Vec<_> = chunks(n, m, block)
        .map(|r| {
            let len = r.len();
            scores(&w2, &wt, &data, r).argmin(1).reshape([len])
        })
        .collect();
    Tensor::cat(parts, 0)
}

/// Best and second-best units of every row of `data`; the second equals the best on a
/// single-unit map.
pub fn bmus2<B: Backend>(w: Tensor<B, 2>, data: Tensor<B, 2>) -> (Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    bmus2_blocked(w, data, DISTANCE_BLOCK)
}

/// [`bmus2`] with distance blocks of about `block` entries, as [`bmus_blocked`].
pub fn bmus2_blocked<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    block: usize,
) -> (Tensor<B, 1, Int>, Tensor<B, 1, Int>) {
    let [n, _] = data.dims();
    let [m, _] = w.dims();
    let device = data.device();
    let (w2, wt) = prepare(&w);
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for r in chunks(n, m, block) {
        let len = r.len();
        let s = scores(&w2, &wt, &data, r);
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

/// The `n x n` smoothing matrix of one axis as a tensor.
fn hood_matrix<B: Backend>(n: usize, sigma: f64, device: &B::Device) -> Tensor<B, 2> {
    let h = gaussian_matrix_f32(n, sigma);
    Tensor::from_data(TensorData::new(h, [n, n]), device)
}

/// One batch epoch: per-unit sums and counts, smoothed along x then y, divided.
pub fn batch_epoch<B: Backend>(
    w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    grid: Grid,
    sigma: [f64; 2],
) -> Tensor<B, 2> {
    let [n, d] = data.dims();
    let (gx, gy, m) = (grid.width, grid.height, grid.units());
    let device = data.device();
    let b = bmus(w, data.clone());
    // [M, D + 1]: sums of the examples per unit, then their count.
    let values = Tensor::cat(vec![data, Tensor::ones([n, 1], &device)], 1);
    let s = Tensor::<B, 2>::zeros([m, d + 1], &device).select_assign(0, b, values, IndexingUpdateOp::Add);
    // Along x: [gx, gx] x [gx, gy * (d + 1)].
    let u = hood_matrix::<B>(gx, sigma[0], &device).matmul(s.reshape([gx, gy * (d + 1)]));
    // Along y: lay out as [gy, gx * (d + 1)], then [gy, gy] x that.
    let u = u
        .reshape([gx, gy, d + 1])
        .swap_dims(0, 1)
        .reshape([gy, gx * (d + 1)]);
    let v = hood_matrix::<B>(gy, sigma[1], &device).matmul(u);
    let v = v.reshape([gy, gx, d + 1]).swap_dims(0, 1).reshape([m, d + 1]);
    let num = v.clone().slice([0..m, 0..d]);
    let den = v.slice([0..m, d..d + 1]);
    num / den.add_scalar(DEN_EPS)
}

/// Online training steps `steps` (see [`crate::cpu::online::train`]), one small op at a time.
/// Every step reads the best unit back to the host: this is the slow fallback.
pub fn train_online<B: Backend>(
    mut w: Tensor<B, 2>,
    data: Tensor<B, 2>,
    grid: Grid,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
    steps: Range<usize>,
) -> Tensor<B, 2> {
    assert_eq!(order.len(), steps.len(), "one example per step of {steps:?}");
    let device = w.device();
    let (gx, gy, m) = (grid.width, grid.height, grid.units());
    for t in steps.clone() {
        let step = cfg.step_at(grid, t);
        let i = order[t - steps.start];
        let x = data.clone().narrow(0, i, 1); // [1, D]
        let diff = x - w.clone(); // [M, D]
        let bmu: i64 = diff.clone().square().sum_dim(1).argmin(0).into_scalar().elem();
        let (bx, by) = grid.coords(bmu as usize);
        let hx = gaussian_row(gx, bx, step.sigma[0]);
        let hy = gaussian_row(gy, by, step.sigma[1]);
        let coef: Vec<f32> = (0..m)
            .map(|j| (step.alpha * hx[j / gy] * hy[j % gy]) as f32)
            .collect();
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
        let whole = train_online(w0.clone(), data.clone(), grid, &cfg, &order, 0..20);
        let first = train_online(w0, data.clone(), grid, &cfg, &order[..6], 0..6);
        let resumed = train_online(first, data, grid, &cfg, &order[6..], 6..20);
        assert_eq!(resumed.into_data(), whole.into_data());
    }
}
