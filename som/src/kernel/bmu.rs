//! Best-matching-unit search: `argmin_j score(x, w_j)`, fused, tiled, no `N x M` matrix.
//!
//! The score is chosen at compile time by the map's [`Distance`]: `|w|^2 - 2 x.w` (euclidean,
//! the squared distance less `|x|^2`), `-x.w` (cosine, on rows scaled to unit length by
//! [`unit_rows()`]: the cosine, negated), `sum_k |x_k - w_k|` (manhattan) or `max_k |x_k - w_k|`
//! (chebyshev). Each orders the units as the distance does.
//!
//! A cube of `side x side` threads owns `side * rm` examples and one chunk of units. It walks
//! the chunk in tiles of `side * ru` units; each tile's products (or differences) accumulate in
//! registers (`rm x ru` per thread) over the dimension in slices of `kc`, staged through shared
//! memory, and the scores fold into a running `(score, index)` minimum per example. Unit chunks
//! split the map across cubes when there are few examples (the playbook's 1000 colours against
//! 32,400 units), so the GPU fills up; [`bmu_finish()`] reduces the chunks' candidates.

use cubecl::prelude::*;

use super::{no_score, no_unit};
use crate::distance::Distance;

/// `(v, i)` beats `(bv, bi)`: a lower score, or the same score and a lower index.
#[cube]
pub fn beats(v: f32, i: u32, bv: f32, bi: u32) -> bool {
    v < bv || (v == bv && i < bi)
}

/// The units `[begin, end)` of chunk `chunk` of a map of `m` units.
#[cube]
pub fn chunk_units(chunk: usize, units_per_chunk: u32, m: usize) -> (usize, usize) {
    let begin = chunk * units_per_chunk as usize;
    let mut end = begin + units_per_chunk as usize;
    if end > m {
        end = m;
    }
    (begin, end)
}

/// `acc` after coordinate pair `(a, b)` of an example and a unit, for `metric`: products for
/// the GEMM forms (euclidean, cosine), `|a - b|` summed (manhattan) or their maximum
/// (chebyshev). Zero-padded coordinates add nothing to any of them.
#[cube]
fn accumulate(acc: f32, a: f32, b: f32, #[comptime] metric: Distance) -> f32 {
    let mut out = acc;
    if comptime!(metric == Distance::Manhattan) {
        out += f32::abs(a - b);
    } else if comptime!(metric == Distance::Chebyshev) {
        let diff = f32::abs(a - b);
        if diff > acc {
            out = diff;
        }
    } else {
        out += a * b;
    }
    out
}

/// The score of a unit from its accumulator and (euclidean only) its squared norm.
#[cube]
fn score(acc: f32, norm: f32, #[comptime] metric: Distance) -> f32 {
    let mut s = acc;
    if comptime!(metric == Distance::Euclidean) {
        s = norm - 2.0 * acc;
    }
    if comptime!(metric == Distance::Cosine) {
        s = -acc;
    }
    s
}

/// Per example and unit chunk: the best `(score, unit)` of the chunk, at `[chunk * n + row]`,
/// and with `top2` the second best too (in `part2_*`; else those are not touched). The score is
/// `metric`'s (module docs); for [`Distance::Cosine`] `data` and `weights` must be unit rows.
///
/// `data` is `[n, d]` and `weights` `[m, d]`, both row-major with rows `data_stride` and
/// `w_stride` apart (CUDA pads rows of freshly allocated tensors). Launch with cube
/// dimensions `(side, side)` and cube count `(ceil(n / (side * rm)), chunks)`.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn bmu_partial(
    data: &Array<f32>,
    weights: &Array<f32>,
    part_score: &mut Array<f32>,
    part_unit: &mut Array<u32>,
    part2_score: &mut Array<f32>,
    part2_unit: &mut Array<u32>,
    n: u32,
    m: u32,
    d: u32,
    units_per_chunk: u32,
    data_stride: u32,
    w_stride: u32,
    #[comptime] side: usize,
    #[comptime] rm: usize,
    #[comptime] ru: usize,
    #[comptime] kc: usize,
    #[comptime] top2: bool,
    #[comptime] metric: Distance,
) {
    let n = n as usize;
    let m = m as usize;
    let d = d as usize;
    let data_stride = data_stride as usize;
    let w_stride = w_stride as usize;
    let tx = UNIT_POS_X as usize;
    let ty = UNIT_POS_Y as usize;
    let tid = ty * side + tx;
    let threads = comptime!(side * side);
    let rows = comptime!(side * rm);
    let tile = comptime!(side * ru);
    let row0 = CUBE_POS_X as usize * rows;
    let chunk = CUBE_POS_Y as usize;
    let (u_begin, u_end) = chunk_units(chunk, units_per_chunk, m);

    // Stored k-major so that a thread's reads along its rows or units are one apart in `side`.
    let mut xs = SharedMemory::<f32>::new(comptime!(kc * side * rm));
    let mut ws = SharedMemory::<f32>::new(comptime!(kc * side * ru));

    let mut best_score = Array::<f32>::new(rm);
    let mut best_unit = Array::<u32>::new(rm);
    let mut second_score = Array::<f32>::new(rm);
    let mut second_unit = Array::<u32>::new(rm);
    #[unroll]
    for i in 0..rm {
        best_score[i] = no_score();
        best_unit[i] = no_unit();
        second_score[i] = no_score();
        second_unit[i] = no_unit();
    }
    let mut acc = Array::<f32>::new(comptime!(rm * ru));
    let mut norm = Array::<f32>::new(ru);
    let mut a = Array::<f32>::new(rm);
    let mut b = Array::<f32>::new(ru);

    let mut t0 = u_begin;
    while t0 < u_end {
        #[unroll]
        for q in 0..comptime!(rm * ru) {
            acc[q] = 0.0;
        }
        #[unroll]
        for j in 0..ru {
            norm[j] = 0.0;
        }
        let mut k0 = 0usize;
        while k0 < d {
            // Stage the slice [k0, k0 + kc) of the block's examples and the tile's units;
            // zeros outside the matrices leave the sums unchanged.
            let mut e = tid;
            while e < comptime!(rows * kc) {
                let r = e / kc;
                let k = e % kc;
                let row = row0 + r;
                let col = k0 + k;
                let mut v = 0.0f32;
                if row < n && col < d {
                    v = data[row * data_stride + col];
                }
                xs[k * rows + r] = v;
                e += threads;
            }
            let mut e = tid;
            while e < comptime!(tile * kc) {
                let r = e / kc;
                let k = e % kc;
                let unit = t0 + r;
                let col = k0 + k;
                let mut v = 0.0f32;
                if unit < u_end && col < d {
                    v = weights[unit * w_stride + col];
                }
                ws[k * tile + r] = v;
                e += threads;
            }
            sync_cube();
            #[unroll]
            for k in 0..kc {
                #[unroll]
                for i in 0..rm {
                    a[i] = xs[k * rows + i * side + ty];
                }
                #[unroll]
                for j in 0..ru {
                    let v = ws[k * tile + j * side + tx];
                    b[j] = v;
                    if comptime!(metric == Distance::Euclidean) {
                        norm[j] += v * v;
                    }
                }
                #[unroll]
                for i in 0..rm {
                    #[unroll]
                    for j in 0..ru {
                        acc[i * ru + j] = accumulate(acc[i * ru + j], a[i], b[j], metric);
                    }
                }
            }
            sync_cube();
            k0 += kc;
        }
        // A thread sees its units in increasing order, so `<` keeps the lowest on ties.
        #[unroll]
        for j in 0..ru {
            let unit = t0 + j * side + tx;
            if unit < u_end {
                #[unroll]
                for i in 0..rm {
                    let s = score(acc[i * ru + j], norm[j], metric);
                    if s < best_score[i] {
                        if top2 {
                            second_score[i] = best_score[i];
                            second_unit[i] = best_unit[i];
                        }
                        best_score[i] = s;
                        best_unit[i] = unit as u32;
                    } else if top2 && beats(s, unit as u32, second_score[i], second_unit[i]) {
                        second_score[i] = s;
                        second_unit[i] = unit as u32;
                    }
                }
            }
        }
        t0 += tile;
    }

    // Fold the `side` threads that share each example, by (score, index).
    let mut red_score = SharedMemory::<f32>::new(comptime!(rows * side));
    let mut red_unit = SharedMemory::<u32>::new(comptime!(rows * side));
    let mut red2_score = SharedMemory::<f32>::new(comptime!(if top2 { rows * side } else { 1 }));
    let mut red2_unit = SharedMemory::<u32>::new(comptime!(if top2 { rows * side } else { 1 }));
    #[unroll]
    for i in 0..rm {
        let r = i * side + ty;
        red_score[r * side + tx] = best_score[i];
        red_unit[r * side + tx] = best_unit[i];
        if top2 {
            red2_score[r * side + tx] = second_score[i];
            red2_unit[r * side + tx] = second_unit[i];
        }
    }
    sync_cube();
    let mut r = tid;
    while r < rows {
        let mut bv = red_score[r * side];
        let mut bi = red_unit[r * side];
        let mut sv = no_score();
        let mut si = no_unit();
        if top2 {
            sv = red2_score[r * side];
            si = red2_unit[r * side];
        }
        for t in 1..side {
            let v = red_score[r * side + t];
            let i = red_unit[r * side + t];
            if beats(v, i, bv, bi) {
                if top2 {
                    // The old best is now a candidate for second; the thread's own second
                    // cannot beat it (it ranks after that thread's best).
                    sv = bv;
                    si = bi;
                }
                bv = v;
                bi = i;
            } else if top2 && beats(v, i, sv, si) {
                sv = v;
                si = i;
            }
            if top2 {
                let v2 = red2_score[r * side + t];
                let i2 = red2_unit[r * side + t];
                if beats(v2, i2, sv, si) {
                    sv = v2;
                    si = i2;
                }
            }
        }
        let row = row0 + r;
        if row < n {
            part_score[chunk * n + row] = bv;
            part_unit[chunk * n + row] = bi;
            if top2 {
                part2_score[chunk * n + row] = sv;
                part2_unit[chunk * n + row] = si;
            }
        }
        r += threads;
    }
}

/// The best unit of each example over all chunks, by (score, index), and with `top2` the
/// second best (on a map of one unit, the best, as in the reference; without `top2` the
/// `part2_*` and `second` arrays are not touched). One thread per example.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn bmu_finish(
    part_score: &Array<f32>,
    part_unit: &Array<u32>,
    part2_score: &Array<f32>,
    part2_unit: &Array<u32>,
    best: &mut Array<i32>,
    second: &mut Array<i32>,
    n: u32,
    chunks: u32,
    #[comptime] top2: bool,
) {
    let row = ABSOLUTE_POS;
    let n = n as usize;
    if row >= n {
        terminate!();
    }
    let mut bv = part_score[row];
    let mut bi = part_unit[row];
    let mut sv = no_score();
    let mut si = no_unit();
    if top2 {
        sv = part2_score[row];
        si = part2_unit[row];
    }
    for c in 1..chunks as usize {
        let v = part_score[c * n + row];
        let i = part_unit[c * n + row];
        // A chunk's best beats its own second: insert it first, then that second.
        if beats(v, i, bv, bi) {
            if top2 {
                sv = bv;
                si = bi;
            }
            bv = v;
            bi = i;
        } else if top2 && beats(v, i, sv, si) {
            sv = v;
            si = i;
        }
        if top2 {
            let v2 = part2_score[c * n + row];
            let i2 = part2_unit[c * n + row];
            if beats(v2, i2, sv, si) {
                sv = v2;
                si = i2;
            }
        }
    }
    best[row] = bi as i32;
    if top2 {
        if si == no_unit() {
            si = bi;
        }
        second[row] = si as i32;
    }
}

/// `out[r, c] = rows[r, c] / |rows[r]|`, or 0 where the row is 0 (the cosine search's operands,
/// as [`crate::distance::unit_row`] on the CPU: the same sum of squares in coordinate order).
/// `rows` is `[n, d]` with rows `stride` apart, `out` dense `[n, d]`; one thread per row.
#[cube(launch)]
pub fn unit_rows(rows: &Array<f32>, out: &mut Array<f32>, n: u32, d: u32, stride: u32) {
    let r = ABSOLUTE_POS;
    let d = d as usize;
    if r >= n as usize {
        terminate!();
    }
    let base = r * stride as usize;
    let mut sq = 0.0f32;
    for c in 0..d {
        let v = rows[base + c];
        sq += v * v;
    }
    let norm = f32::sqrt(sq);
    let mut scale = 0.0f32;
    if norm != 0.0 {
        scale = 1.0 / norm;
    }
    for c in 0..d {
        out[r * d + c] = rows[base + c] * scale;
    }
}
