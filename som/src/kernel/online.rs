//! Online training: many steps in one launch.
//!
//! One cube runs every step of the launch. Each thread owns the units `j = tid, tid + block,
//! ...` and only ever reads and writes those (weights stored `[d, m]`, so the threads of a warp
//! read consecutive addresses). A step is one pass over the weights: a thread updates its units
//! for this step's example and, from the updated values, scores them against the next step's
//! example. The only cross-thread traffic is the argmin, folded in shared memory in two levels
//! (every thread's candidate, then 32 at a time, then the `block / 32` group winners), and the
//! step's neighbourhood: it is a product of per-axis factors, `h = alpha · fx · fy` (the
//! Mexican hat adds two cross terms, `alpha (fx fy + ux fy + fx uy)`, see
//! [`crate::neighborhood`]), so a step computes `classes · width + height` factors (`classes`
//! = 2 on a hexagonal grid, whose x offsets depend on the row parity; twice that for the
//! Mexican hat) into a shared table instead of two a unit; maps whose table would pass
//! [`TABLE`] compute them per unit. Distances are wrapped on a torus. The scores are the map's
//! [`Distance`] (the cosine against the example's unit row). Three barriers a step.
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
use crate::distance::Distance;
use crate::neighborhood::Neighborhood;

/// Entries of the shared table of per-step factors: `classes · width + height` of the map at
/// most (twice that for the Mexican hat).
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

/// Per-step values of [`online_steps()`]'s schedule: `alpha`, `1 / sx^2`, `1 / sy^2`, `sx`,
/// `sy`.
pub const SCHED: usize = 5;

/// `|delta|`, wrapped to `min(|delta|, period - |delta|)` on a torus.
#[cube]
fn wrapped(delta: f32, period: f32, toroidal: u32) -> f32 {
    let mut d = f32::abs(delta);
    if toroidal == 1 {
        let other = period - d;
        if other < d {
            d = other;
        }
    }
    d
}

/// The factor of one axis at distance `d >= 0` with radius `sigma` (`inv_s2 = 1 / sigma^2`):
/// [`Neighborhood::factor`] in `f32`.
#[cube]
fn factor(d: f32, sigma: f32, inv_s2: f32, #[comptime] hood: Neighborhood) -> f32 {
    let mut f = 0.0f32;
    if comptime!(hood == Neighborhood::Bubble) {
        if d < sigma {
            f = 1.0;
        }
    } else if comptime!(hood == Neighborhood::Triangle) {
        f = 1.0 - d / sigma;
        if f < 0.0 {
            f = 0.0;
        }
    } else {
        f = f32::exp(-(d * d) * inv_s2);
    }
    f
}

/// The Mexican hat's cross term of one axis, `-(d^2 / sigma^2) exp(-d^2 / sigma^2)`
/// ([`Neighborhood::cross`]).
#[cube]
fn cross(d: f32, inv_s2: f32) -> f32 {
    let a = d * d * inv_s2;
    -a * f32::exp(-a)
}

/// `(s, n2)` after coordinate `k` of the scored example `xk` and the unit's weight `v`: `s`
/// sums squared differences or `|x - w|`, or keeps their maximum, or (cosine) sums the dot
/// product while `n2` sums `|w|^2`.
#[cube]
fn add_score(s: f32, n2: f32, xk: f32, v: f32, #[comptime] metric: Distance) -> (f32, f32) {
    let diff = xk - v;
    let mut out = s;
    let mut norm = n2;
    if comptime!(metric == Distance::Manhattan) {
        out += f32::abs(diff);
    } else if comptime!(metric == Distance::Chebyshev) {
        let a = f32::abs(diff);
        if a > s {
            out = a;
        }
    } else if comptime!(metric == Distance::Cosine) {
        out += xk * v;
        norm += v * v;
    } else {
        out += diff * diff;
    }
    (out, norm)
}

/// The unit's score from [`add_score()`]'s sums: `1 - x^.w / |w|` for the cosine (a zero unit
/// scores 1, as on the CPU), the sum itself otherwise.
#[cube]
fn finish_score(s: f32, n2: f32, #[comptime] metric: Distance) -> f32 {
    let mut out = s;
    if comptime!(metric == Distance::Cosine) {
        // f32::MIN_POSITIVE: a zero unit divides 0 by it.
        let mut norm2 = n2;
        if norm2 < f32::new(1.175_494_4e-38) {
            norm2 = f32::new(1.175_494_4e-38);
        }
        out = 1.0 - s / f32::sqrt(norm2);
    }
    out
}

/// Steps `0..steps`: step `t` trains on row `order[t]` of `data` (`[n, d]`) with the schedule
/// `sched[SCHED t..SCHED (t + 1)]` ([`SCHED`]); clips to `[lo, hi]` when `clip` is 1. The map
/// is `gx x gy` (unit `j` at `(j / gy, j % gy)`), hexagonal when `hex` is 1 (odd rows shifted
/// by half a unit, rows `row_step` apart), toroidal when `toroidal` is 1, with neighbourhood
/// `hood`; best units by `metric`, scored against row `order[t]` of `scored` (`data` itself,
/// or its unit rows for the cosine). The weights are stored transposed, `w[c * w_stride + j]`
/// for unit `j`, so a warp's loads of one coordinate of 32 units are one transaction; `data`
/// and `scored` are row-major with rows `data_stride` apart. Launch one cube of `block` threads
/// (a power of two, at least 32); `table` is [`TABLE`] when the map's per-step factors fit in
/// it (module docs), else 0.
// `fx`, `fy`, `ux` and `uy` start at zero for the compiler; each branch sets them.
#[allow(clippy::too_many_arguments, unused_assignments)]
#[cube(launch)]
pub fn online_steps(
    w: &mut Array<f32>,
    data: &Array<f32>,
    scored: &Array<f32>,
    order: &Array<u32>,
    sched: &Array<f32>,
    m: u32,
    d: u32,
    gx: u32,
    gy: u32,
    hex: u32,
    toroidal: u32,
    row_step: f32,
    steps: u32,
    w_stride: u32,
    data_stride: u32,
    clip: u32,
    lo: f32,
    hi: f32,
    #[comptime] block: usize,
    #[comptime] table: usize,
    #[comptime] hood: Neighborhood,
    #[comptime] metric: Distance,
) {
    let tid = UNIT_POS_X as usize;
    let m = m as usize;
    let d = d as usize;
    let gx = gx as usize;
    let gy = gy as usize;
    let steps = steps as usize;
    let w_stride = w_stride as usize;
    let data_stride = data_stride as usize;
    let mexican = comptime!(hood == Neighborhood::MexicanHat);
    let classes = 1 + hex as usize;
    // Table layout: x factors per row class, y factors, then the Mexican hat's cross terms.
    let part = classes * gx + gy;
    let period_x = gx as f32;
    let period_y = gy as f32 * row_step;
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
        let mut n2 = 0.0f32;
        for c in 0..d {
            let (a, b) = add_score(s, n2, scored[x0 + c], w[c * w_stride + j], metric);
            s = a;
            n2 = b;
        }
        s = finish_score(s, n2, metric);
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
        let by_row = best % gy;
        // The best unit's position: x shifted by half a unit on an odd hexagonal row.
        let bx = (best / gy) as f32 + 0.5 * (hex * (by_row as u32 % 2)) as f32;
        let by = by_row as f32;
        let base = SCHED * t;
        let alpha = sched[base];
        let inv_sx2 = sched[base + 1];
        let inv_sy2 = sched[base + 2];
        let sx = sched[base + 3];
        let sy = sched[base + 4];
        if table > 0 {
            // Entry i < classes * gx: column i % gx on rows of class i / gx; after those, the
            // y factor of row i - classes * gx.
            let mut i = tid;
            while i < part {
                let mut dd = 0.0f32;
                let mut sigma = sy;
                let mut inv = inv_sy2;
                if i < classes * gx {
                    let pos = (i % gx) as f32 + 0.5 * (i / gx) as f32;
                    dd = wrapped(pos - bx, period_x, toroidal);
                    sigma = sx;
                    inv = inv_sx2;
                } else {
                    dd = wrapped(((i - classes * gx) as f32 - by) * row_step, period_y, toroidal);
                }
                tab[i] = factor(dd, sigma, inv, hood);
                if mexican {
                    tab[part + i] = cross(dd, inv);
                }
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
            let class = uy % classes;
            let mut fx = 0.0f32;
            let mut fy = 0.0f32;
            let mut cx = 0.0f32;
            let mut cy = 0.0f32;
            if table > 0 {
                fx = tab[class * gx + ux];
                fy = tab[classes * gx + uy];
                if mexican {
                    cx = tab[part + class * gx + ux];
                    cy = tab[part + classes * gx + uy];
                }
            } else {
                let pos = ux as f32 + 0.5 * class as f32;
                let dx = wrapped(pos - bx, period_x, toroidal);
                let dy = wrapped((uy as f32 - by) * row_step, period_y, toroidal);
                fx = factor(dx, sx, inv_sx2, hood);
                fy = factor(dy, sy, inv_sy2, hood);
                if mexican {
                    cx = cross(dx, inv_sx2);
                    cy = cross(dy, inv_sy2);
                }
            }
            let mut h = alpha * fx * fy;
            if mexican {
                h = alpha * (fx * fy + cx * fy + fx * cy);
            }
            let write = h != 0.0 || clip == 1;
            let mut s = 0.0f32;
            let mut n2 = 0.0f32;
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
                let (a, b) = add_score(s, n2, scored[xn + c], v, metric);
                s = a;
                n2 = b;
            }
            s = finish_score(s, n2, metric);
            if s < bv {
                bv = s;
                bi = j as u32;
            }
            j += block;
        }
    }
}
