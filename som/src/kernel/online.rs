//! Online training: many steps in one launch.
//!
//! One cube runs every step of the launch. Each thread owns the units `j = tid, tid + block,
//! ...` and only ever reads and writes those (weights stored `[d, m]`, so the threads of a warp
//! read consecutive addresses). A step is one pass over the weights: a thread updates its units
//! for this step's example and, from the updated values, scores them against the next step's
//! example. The only cross-thread traffic is the argmin, folded in shared memory in two levels
//! (every thread's candidate, then 32 at a time, then the `block / 32` group winners), and the
//! step's neighbourhood: the Gaussian is separable, `h = alpha · ex[x] · ey[y]`, so a step
//! computes `width + height` exponentials into a shared table instead of two a unit (maps with
//! `width + height` above [`TABLE`] compute them per unit). Three barriers a step.
//!
//! Where the neighbourhood is exactly zero (far from the winner late in training) a unit cannot
//! change, so without clipping its weights are not written back.
//!
//! What fits: any map whose weights fit in device memory runs, but one cube is one streaming
//! multiprocessor, so a step costs about `M·D` reads and writes at one SM's share of the
//! bandwidth. Measured on an H200 (benches/README.md) before the single pass and the table: the
//! colour map (32,400 units x 3) took 43 µs a step, 2.16 s for 50,000 steps. Small and medium
//! maps are what this kernel is for; a large map trains faster in batch mode.

use cubecl::prelude::*;

use super::bmu::beats;
use super::{no_score, no_unit};

/// Entries of the shared table of per-step exponentials: `width + height` of the map at most.
pub const TABLE: usize = 1024;

/// Threads that fold one group of candidates (a warp on NVIDIA GPUs).
const GROUP: usize = 32;

/// The `(score, unit)` winner over every thread's candidate `(bv, bi)`, by score then index, in
/// every thread. Two barriers; `block` is a multiple of [`GROUP`].
#[cube]
fn fold(
    cand_score: &mut SharedMemory<f32>,
    cand_unit: &mut SharedMemory<u32>,
    group_score: &mut SharedMemory<f32>,
    group_unit: &mut SharedMemory<u32>,
    bv: f32,
    bi: u32,
    #[comptime] block: usize,
) -> u32 {
    let tid = UNIT_POS_X as usize;
    let groups = comptime!(block / GROUP);
    cand_score[tid] = bv;
    cand_unit[tid] = bi;
    sync_cube();
    if tid < groups {
        // Group `tid` holds candidates `tid + k * groups`: neighbouring threads read
        // neighbouring words. The order does not matter: (score, index) is a total order.
        let mut v = cand_score[tid];
        let mut i = cand_unit[tid];
        for k in 1..GROUP {
            let e = tid + k * groups;
            if beats(cand_score[e], cand_unit[e], v, i) {
                v = cand_score[e];
                i = cand_unit[e];
            }
        }
        group_score[tid] = v;
        group_unit[tid] = i;
    }
    sync_cube();
    let mut v = group_score[0];
    let mut i = group_unit[0];
    for g in 1..groups {
        if beats(group_score[g], group_unit[g], v, i) {
            v = group_score[g];
            i = group_unit[g];
        }
    }
    i
}

/// Steps `0..steps`: step `t` trains on row `order[t]` of `data` (`[n, d]`) with
/// `alpha = sched[3t]`, `1 / sx^2 = sched[3t + 1]`, `1 / sy^2 = sched[3t + 2]`; clips to
/// `[lo, hi]` when `clip` is 1. The map is `gx x gy` (unit `j` at `(j / gy, j % gy)`). The
/// weights are stored transposed, `w[c * w_stride + j]` for unit `j`, so a warp's loads of one
/// coordinate of 32 units are one transaction; `data` is row-major with rows `data_stride`
/// apart. Launch one cube of `block` threads (a power of two, at least 32); `table` is
/// [`TABLE`] when `gx + gy <= TABLE`, else 0.
// `ex` and `ey` start at zero for the compiler; each comptime branch sets them.
#[allow(clippy::too_many_arguments, unused_assignments)]
#[cube(launch)]
pub fn online_steps(
    w: &mut Array<f32>,
    data: &Array<f32>,
    order: &Array<u32>,
    sched: &Array<f32>,
    m: u32,
    d: u32,
    gx: u32,
    gy: u32,
    steps: u32,
    w_stride: u32,
    data_stride: u32,
    clip: u32,
    lo: f32,
    hi: f32,
    #[comptime] block: usize,
    #[comptime] table: usize,
) {
    let tid = UNIT_POS_X as usize;
    let m = m as usize;
    let d = d as usize;
    let gx = gx as usize;
    let gy = gy as usize;
    let steps = steps as usize;
    let w_stride = w_stride as usize;
    let data_stride = data_stride as usize;
    let mut cand_score = SharedMemory::<f32>::new(block);
    let mut cand_unit = SharedMemory::<u32>::new(block);
    let mut group_score = SharedMemory::<f32>::new(comptime!(block / GROUP));
    let mut group_unit = SharedMemory::<u32>::new(comptime!(block / GROUP));
    let mut tab = SharedMemory::<f32>::new(comptime!(if table > 0 { table } else { 1 }));

    // Step 0's scores; every later step's come out of the previous update.
    let x0 = order[0] as usize * data_stride;
    let mut bv = no_score();
    let mut bi = no_unit();
    let mut j = tid;
    while j < m {
        let mut s = 0.0f32;
        for c in 0..d {
            let diff = data[x0 + c] - w[c * w_stride + j];
            s += diff * diff;
        }
        if s < bv {
            bv = s;
            bi = j as u32;
        }
        j += block;
    }

    for t in 0..steps {
        let best = fold(
            &mut cand_score,
            &mut cand_unit,
            &mut group_score,
            &mut group_unit,
            bv,
            bi,
            block,
        ) as usize;
        let x0 = order[t] as usize * data_stride;
        // The last step scores against its own example; the scores are not used.
        let mut xn = x0;
        if t + 1 < steps {
            xn = order[t + 1] as usize * data_stride;
        }
        let bx = (best / gy) as f32;
        let by = (best % gy) as f32;
        let alpha = sched[3 * t];
        let inv_sx2 = sched[3 * t + 1];
        let inv_sy2 = sched[3 * t + 2];
        if table > 0 {
            // tab[x] = exp(-(bx - x)^2 / sx^2) for x < gx, then tab[gx + y] along y.
            let mut i = tid;
            while i < gx + gy {
                let mut dd = bx - i as f32;
                let mut inv = inv_sx2;
                if i >= gx {
                    dd = by - (i - gx) as f32;
                    inv = inv_sy2;
                }
                tab[i] = f32::exp(-(dd * dd) * inv);
                i += block;
            }
            sync_cube();
        }
        bv = no_score();
        bi = no_unit();
        let mut j = tid;
        while j < m {
            let ux = j / gy;
            let uy = j % gy;
            let mut ex = 0.0f32;
            let mut ey = 0.0f32;
            if table > 0 {
                ex = tab[ux];
                ey = tab[gx + uy];
            } else {
                let dx = bx - ux as f32;
                let dy = by - uy as f32;
                ex = f32::exp(-(dx * dx) * inv_sx2);
                ey = f32::exp(-(dy * dy) * inv_sy2);
            }
            let h = alpha * ex * ey;
            let write = h != 0.0 || clip == 1;
            let mut s = 0.0f32;
            for c in 0..d {
                let k = c * w_stride + j;
                let mut v = w[k];
                if write {
                    v += h * (data[x0 + c] - v);
                    if clip == 1 {
                        if v < lo {
                            v = lo;
                        }
                        if v > hi {
                            v = hi;
                        }
                    }
                    w[k] = v;
                }
                let diff = data[xn + c] - v;
                s += diff * diff;
            }
            if s < bv {
                bv = s;
                bi = j as u32;
            }
            j += block;
        }
    }
}
