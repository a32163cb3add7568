//! Online training: many steps in one launch.
//!
//! One cube runs every step of the launch: its threads scan their units for the best match
//! (weights stored `[d, m]`, so the threads of a warp read consecutive addresses),
//! fold the candidates by `(distance, index)` in shared memory, then update their own units.
//! Each thread only ever reads and writes its own units (`j = tid, tid + block, ...`), so the
//! only cross-thread traffic is the argmin; one barrier per fold level and one per step.
//!
//! What fits: any map whose weights fit in device memory runs, but one cube is one streaming
//! multiprocessor, so a step costs about `M·D` reads and writes at one SM's share of the
//! bandwidth, plus two exponentials a unit. Measured on an H200 (benches/README.md): the
//! colour map (32,400 units x 3) takes 43 µs a step, 2.16 s for 50,000 steps; a 40 x 40 map of
//! dimension 64 took 200 µs a step before the weights were stored transposed. Small and medium
//! maps are what this kernel is for; a large map trains faster in batch mode.

use cubecl::prelude::*;

use super::bmu::beats;
use super::{no_score, no_unit};

/// Steps `0..steps`: step `t` trains on row `order[t]` of `data` (`[n, d]`) with
/// `alpha = sched[3t]`, `1 / sx^2 = sched[3t + 1]`, `1 / sy^2 = sched[3t + 2]`; clips to
/// `[lo, hi]` when `clip` is 1. The weights are stored transposed, `w[c * w_stride + j]` for unit
/// `j`, so a warp's loads of one coordinate of 32 units are one transaction; `data` is row-major
/// with rows `data_stride` apart.
/// Launch one cube of `block` threads (a power of two).
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn online_steps(
    w: &mut Array<f32>,
    data: &Array<f32>,
    order: &Array<u32>,
    sched: &Array<f32>,
    m: u32,
    d: u32,
    gy: u32,
    steps: u32,
    w_stride: u32,
    data_stride: u32,
    clip: u32,
    lo: f32,
    hi: f32,
    #[comptime] block: usize,
) {
    let tid = UNIT_POS_X as usize;
    let m = m as usize;
    let d = d as usize;
    let gy = gy as usize;
    let w_stride = w_stride as usize;
    let data_stride = data_stride as usize;
    let mut red_score = SharedMemory::<f32>::new(block);
    let mut red_unit = SharedMemory::<u32>::new(block);
    for t in 0..steps as usize {
        let x0 = order[t] as usize * data_stride;
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
        red_score[tid] = bv;
        red_unit[tid] = bi;
        sync_cube();
        let mut half = CUBE_DIM_X as usize / 2;
        while half > 0 {
            if tid < half {
                let v = red_score[tid + half];
                let i = red_unit[tid + half];
                if beats(v, i, red_score[tid], red_unit[tid]) {
                    red_score[tid] = v;
                    red_unit[tid] = i;
                }
            }
            sync_cube();
            half /= 2;
        }
        let best = red_unit[0] as usize;
        let bx = (best / gy) as f32;
        let by = (best % gy) as f32;
        let alpha = sched[3 * t];
        let inv_sx2 = sched[3 * t + 1];
        let inv_sy2 = sched[3 * t + 2];
        let mut j = tid;
        while j < m {
            let dx = bx - (j / gy) as f32;
            let dy = by - (j % gy) as f32;
            let h = alpha * f32::exp(-(dx * dx) * inv_sx2) * f32::exp(-(dy * dy) * inv_sy2);
            for c in 0..d {
                let k = c * w_stride + j;
                let mut v = w[k] + h * (data[x0 + c] - w[k]);
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
            j += block;
        }
        // Everyone has read the winner before the next step overwrites the fold.
        sync_cube();
    }
}
