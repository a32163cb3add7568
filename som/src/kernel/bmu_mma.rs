//! Best-matching-unit search on tensor cores: the dot products `x.w` by `cmma` on operands
//! rounded to TF32 or BF16 (every product exact in `f32`, `f32` accumulation), the scores
//! `|w|^2 - 2 x.w` and the argmin as in [`super::bmu`]. Opt-in, through
//! `crate::gpu::SearchPrecision`; what it costs in map quality is measured in benches/README.md
//! ("Lower precision").
//!
//! A cube is [`MMA_WARPS`] warps; warp `p` owns 16 examples and, for each tile of
//! [`MMA_UNITS`] units, multiplies its `16 x k` slice of examples by four `k x 16` slices of
//! units per step along the dimension (`k` = 8 for TF32, 16 for BF16), staged in shared memory
//! as the operand type. The accumulators go to shared memory, where each lane scores half a row.
//! `|w|^2` comes from [`unit_norms()`], of the rounded weights, so a score is that of the
//! rounded map.

use cubecl::prelude::*;

use super::bmu::{beats, chunk_units};
use super::{no_score, no_unit};

/// Units per tile: four 16-wide fragments per warp.
pub const MMA_UNITS: usize = 64;
/// Warps per cube, 16 examples each.
pub const MMA_WARPS: usize = 4;
/// Lanes per warp: `cmma` is a warp-wide operation on NVIDIA GPUs.
pub const MMA_LANES: usize = 32;
/// Row stride of the stored accumulators: a multiple of 4 (`wmma` stores), off 64 to spread
/// the lanes' reads over the banks.
const OUT_STRIDE: usize = MMA_UNITS + 4;

/// A `16 x 16` `f32` accumulator for fragments of depth `k`, zeroed.
#[cube]
fn accumulator(#[comptime] k: usize) -> cmma::Matrix<f32> {
    cmma::Matrix::<f32>::from_value(
        cmma::MatrixIdent::Accumulator,
        16usize,
        16usize,
        k,
        cmma::MatrixLayout::Undefined,
        0.0,
    )
}

/// Stages columns `k0 .. k0 + k` of rows `first .. first + rows` of `src` (rows `stride` apart)
/// into `dst` as `A`, row-major, `k` apart; zeros past row `end` or column `d` add nothing to
/// the products. `threads` threads share the work, this one `tid`.
#[allow(clippy::too_many_arguments)]
#[cube]
fn stage<A: Float>(
    src: &Array<f32>,
    stride: usize,
    first: usize,
    end: usize,
    k0: usize,
    d: usize,
    dst: &mut SharedMemory<A>,
    tid: usize,
    #[comptime] rows: usize,
    #[comptime] k: usize,
    #[comptime] threads: usize,
) {
    let mut e = tid;
    while e < comptime!(rows * k) {
        let row = first + e / k;
        let col = k0 + e % k;
        let mut v = 0.0f32;
        if row < end && col < d {
            v = src[row * stride + col];
        }
        dst[e] = A::cast_from(v);
        e += threads;
    }
}

/// `c += a · B_j`, with `B_j` the `k x 16` operand of units `16 j .. 16 j + 16` of the staged
/// tile `ws` (unit-major, `k` apart: read column-major).
#[cube]
fn multiply_fragment<A: Float>(
    a: &cmma::Matrix<A>,
    ws: &SharedMemory<A>,
    c: &cmma::Matrix<f32>,
    #[comptime] j: usize,
    #[comptime] k: usize,
) {
    let b = cmma::Matrix::<A>::from_slice(
        cmma::MatrixIdent::B,
        16usize,
        16usize,
        k,
        cmma::MatrixLayout::ColMajor,
        &ws.slice(j * 16 * k, (j + 1) * 16 * k),
        k as u32,
    );
    cmma::execute::<A, A, f32, f32>(a, &b, c, c);
}

/// `norms[j] = |w_j|^2` of the weights rounded to `A`, summed in `f32`. One thread per unit.
#[cube(launch)]
pub fn unit_norms<A: Float>(weights: &Array<f32>, norms: &mut Array<f32>, m: u32, d: u32, w_stride: u32) {
    let j = ABSOLUTE_POS;
    if j >= m as usize {
        terminate!();
    }
    let mut s = 0.0f32;
    for c in 0..d as usize {
        let v = f32::cast_from(A::cast_from(weights[j * w_stride as usize + c]));
        s += v * v;
    }
    norms[j] = s;
}

/// As [`super::bmu::bmu_partial()`] without the top-2 search: per example and unit chunk, the
/// best `(score, unit)` at `[chunk * n + row]`, the dot products on tensor cores in `A` with
/// `16 x 16 x k` fragments. `norms` is [`unit_norms()`] of the same weights. Launch with cube
/// dimensions `(MMA_LANES, MMA_WARPS)` and cube count `(ceil(n / (16 * MMA_WARPS)), chunks)`;
/// `units_per_chunk` is a multiple of [`MMA_UNITS`].
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn bmu_partial_mma<A: Float>(
    data: &Array<f32>,
    weights: &Array<f32>,
    norms: &Array<f32>,
    part_score: &mut Array<f32>,
    part_unit: &mut Array<u32>,
    n: u32,
    m: u32,
    d: u32,
    units_per_chunk: u32,
    data_stride: u32,
    w_stride: u32,
    #[comptime] k: usize,
) {
    let n = n as usize;
    let m = m as usize;
    let d = d as usize;
    let data_stride = data_stride as usize;
    let w_stride = w_stride as usize;
    let lane = UNIT_POS_X as usize;
    let warp = UNIT_POS_Y as usize;
    let tid = warp * MMA_LANES + lane;
    let threads = comptime!(MMA_LANES * MMA_WARPS);
    let rows = comptime!(16 * MMA_WARPS);
    let row0 = CUBE_POS_X as usize * rows;
    let chunk = CUBE_POS_Y as usize;
    let (u_begin, u_end) = chunk_units(chunk, units_per_chunk, m);

    // Row-major `rows x k` examples; units stored unit-major, `k` apart: the `k x 16` operand
    // read column-major.
    let mut xs = SharedMemory::<A>::new_aligned(comptime!(rows * k), 32usize);
    let mut ws = SharedMemory::<A>::new_aligned(comptime!(MMA_UNITS * k), 32usize);
    let mut out = SharedMemory::<f32>::new_aligned(comptime!(rows * OUT_STRIDE), 32usize);
    let c0 = accumulator(k);
    let c1 = accumulator(k);
    let c2 = accumulator(k);
    let c3 = accumulator(k);

    // Lane `l` scores row `l % 16` of its warp against units `(l / 16) * 32 ..` of a tile.
    let my_row = lane % 16;
    let half = lane / 16;
    let mut bv = no_score();
    let mut bi = no_unit();

    let mut t0 = u_begin;
    while t0 < u_end {
        cmma::fill(&c0, 0.0);
        cmma::fill(&c1, 0.0);
        cmma::fill(&c2, 0.0);
        cmma::fill(&c3, 0.0);
        let mut k0 = 0usize;
        while k0 < d {
            stage::<A>(data, data_stride, row0, n, k0, d, &mut xs, tid, rows, k, threads);
            stage::<A>(
                weights, w_stride, t0, u_end, k0, d, &mut ws, tid, MMA_UNITS, k, threads,
            );
            sync_cube();
            let a = cmma::Matrix::<A>::from_slice(
                cmma::MatrixIdent::A,
                16usize,
                16usize,
                k,
                cmma::MatrixLayout::RowMajor,
                &xs.slice(warp * 16 * k, (warp + 1) * 16 * k),
                k as u32,
            );
            multiply_fragment::<A>(&a, &ws, &c0, 0usize, k);
            multiply_fragment::<A>(&a, &ws, &c1, 1usize, k);
            multiply_fragment::<A>(&a, &ws, &c2, 2usize, k);
            multiply_fragment::<A>(&a, &ws, &c3, 3usize, k);
            // Everyone is done with this slice before the next one is staged.
            sync_cube();
            k0 += k;
        }
        let base = warp * 16 * OUT_STRIDE;
        let stride = OUT_STRIDE as u32;
        let end = base + 16 * OUT_STRIDE;
        cmma::store(
            &mut out.slice_mut(base, end),
            &c0,
            stride,
            cmma::MatrixLayout::RowMajor,
        );
        cmma::store(
            &mut out.slice_mut(base + 16, end),
            &c1,
            stride,
            cmma::MatrixLayout::RowMajor,
        );
        cmma::store(
            &mut out.slice_mut(base + 32, end),
            &c2,
            stride,
            cmma::MatrixLayout::RowMajor,
        );
        cmma::store(
            &mut out.slice_mut(base + 48, end),
            &c3,
            stride,
            cmma::MatrixLayout::RowMajor,
        );
        sync_cube();
        // A lane sees its units in increasing order, so `<` keeps the lowest on ties.
        let at = base + my_row * OUT_STRIDE + half * 32;
        for u in 0..32usize {
            let unit = t0 + half * 32 + u;
            if unit < u_end {
                let s = norms[unit] - 2.0 * out[at + u];
                if s < bv {
                    bv = s;
                    bi = unit as u32;
                }
            }
        }
        // The next tile's stores wait for every lane's reads.
        sync_cube();
        t0 += MMA_UNITS;
    }

    // Fold the two halves of each row, by (score, index).
    let mut red_score = SharedMemory::<f32>::new(comptime!(rows * 2));
    let mut red_unit = SharedMemory::<u32>::new(comptime!(rows * 2));
    let r = warp * 16 + my_row;
    red_score[r * 2 + half] = bv;
    red_unit[r * 2 + half] = bi;
    sync_cube();
    if half == 0 {
        let mut v = red_score[r * 2];
        let mut i = red_unit[r * 2];
        if beats(red_score[r * 2 + 1], red_unit[r * 2 + 1], v, i) {
            v = red_score[r * 2 + 1];
            i = red_unit[r * 2 + 1];
        }
        let row = row0 + r;
        if row < n {
            part_score[chunk * n + row] = v;
            part_unit[chunk * n + row] = i;
        }
    }
}
