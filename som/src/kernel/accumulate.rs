//! Per-unit sums and counts with a fixed summation order, without float atomics.
//!
//! The examples are counting-sorted by best unit, stably: the examples are cut into `segments`
//! contiguous runs, one cube each, and every cube walks its run in blocks of `block` examples.
//! Within a block an example's rank among the earlier examples with the same unit comes from
//! shared memory, and the last example of each unit in the block advances that unit's cursor,
//! so no two threads ever write the same counter. Then every unit sums its examples in example
//! order ([`unit_sums()`]): the result does not depend on scheduling.
//!
//! 1. [`walk_segments()`] counting: `counts[g][u]`, examples of segment `g` with unit `u`.
//! 2. [`segment_offsets()`]: turns `counts` into each segment's start inside its unit's run and
//!    writes the unit totals.
//! 3. [`scan_units()`]: one cube, the exclusive prefix sum of the totals: each unit's start.
//! 4. [`walk_segments()`] placing: the same walk, writing every example's index at its sorted
//!    position.
//! 5. [`unit_sums()`]: `[M, D + 1]`, each unit's sum of examples then its count.
//!
//! Few examples (at most [`crate::gpu`]'s `SCAN_EXAMPLES`) take [`unit_sums_scan()`] instead:
//! one launch, the same sums in the same order.

use cubecl::prelude::*;

use super::bmu::beats;
use super::no_unit;

/// Stage one block of units in shared memory; returns this thread's example's unit (or
/// [`no_unit()`] past the segment), its rank among the block's earlier examples of that unit, and
/// whether it is the block's last example of that unit.
#[cube]
fn block_rank(
    bmu: &Array<i32>,
    keys: &mut SharedMemory<u32>,
    start: usize,
    end: usize,
    #[comptime] block: usize,
) -> (u32, u32, bool) {
    let tid = UNIT_POS_X as usize;
    let i = start + tid;
    let mut key = no_unit();
    if i < end {
        key = bmu[i] as u32;
    }
    keys[tid] = key;
    sync_cube();
    let mut rank = 0u32;
    let mut last = true;
    for s in 0..block {
        if keys[s] == key {
            if s < tid {
                rank += 1;
            } else if s > tid {
                last = false;
            }
        }
    }
    (key, rank, last)
}

/// The examples `[begin, end)` of segment `g`.
#[cube]
fn segment(g: usize, n: u32, seg_len: u32) -> (usize, usize) {
    let begin = g * seg_len as usize;
    let mut end = begin + seg_len as usize;
    if end > n as usize {
        end = n as usize;
    }
    (begin, end)
}

/// Steps 1 and 4, one walk so that they cannot disagree: cube `g` walks examples
/// `[g * seg_len, (g + 1) * seg_len)` in blocks, and the last example of each unit in a block
/// advances that unit's cursor `counts[g * m + u]` by the block's count. Step 1 (`place` false)
/// only counts, from zeroed `counts` (`starts` and `order` are not touched); step 4 (`place`
/// true) starts from step 2's offsets and first writes example `i` to
/// `order[starts[u] + counts[g * m + u] + rank]`. Launch with `block` threads per cube.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn walk_segments(
    bmu: &Array<i32>,
    counts: &mut Array<u32>,
    starts: &Array<u32>,
    order: &mut Array<u32>,
    n: u32,
    m: u32,
    seg_len: u32,
    #[comptime] block: usize,
    #[comptime] place: bool,
) {
    let g = CUBE_POS_X as usize;
    let m = m as usize;
    let (begin, end) = segment(g, n, seg_len);
    let mut keys = SharedMemory::<u32>::new(block);
    let mut start = begin;
    while start < end {
        let (key, rank, last) = block_rank(bmu, &mut keys, start, end, block);
        if place {
            if key != no_unit() {
                let pos = starts[key as usize] + counts[g * m + key as usize] + rank;
                order[pos as usize] = (start + UNIT_POS_X as usize) as u32;
            }
            // Every thread of a unit reads its cursor before the last one moves it.
            sync_cube();
        }
        if key != no_unit() && last {
            counts[g * m + key as usize] += rank + 1;
        }
        sync_cube();
        start += block;
    }
}

/// Step 2: per unit (one thread each), replaces `counts[g * m + u]` by the number of examples of
/// unit `u` in segments before `g`, and writes the unit's total to `totals[u]`.
#[cube(launch)]
pub fn segment_offsets(counts: &mut Array<u32>, totals: &mut Array<u32>, m: u32, segments: u32) {
    let u = ABSOLUTE_POS;
    let m = m as usize;
    if u >= m {
        terminate!();
    }
    let mut running = 0u32;
    for g in 0..segments as usize {
        let c = counts[g * m + u];
        counts[g * m + u] = running;
        running += c;
    }
    totals[u] = running;
}

/// Step 3: `starts[u] = sum of totals[..u]`, by one cube of `block` threads (Hillis-Steele scan
/// per block, carried across blocks).
#[cube(launch)]
pub fn scan_units(totals: &Array<u32>, starts: &mut Array<u32>, m: u32, #[comptime] block: usize) {
    let tid = UNIT_POS_X as usize;
    let m = m as usize;
    let mut sh = SharedMemory::<u32>::new(block);
    let mut carry = 0u32;
    let mut base = 0usize;
    while base < m {
        let k = base + tid;
        let mut v = 0u32;
        if k < m {
            v = totals[k];
        }
        sh[tid] = v;
        sync_cube();
        let mut off = 1usize;
        while off < block {
            let mut t = 0u32;
            if tid >= off {
                t = sh[tid - off];
            }
            sync_cube();
            sh[tid] += t;
            sync_cube();
            off *= 2;
        }
        if k < m {
            starts[k] = carry + sh[tid] - v;
        }
        carry += sh[block - 1];
        sync_cube();
        base += block;
    }
}

/// Step 5: `sums[u * (d + 1) + c]`: for `c < d` the sum of column `c` over unit `u`'s examples
/// in example order, for `c = d` their count. `data` rows are `data_stride` apart. One thread
/// per entry.
#[cube(launch)]
pub fn unit_sums(
    data: &Array<f32>,
    order: &Array<u32>,
    starts: &Array<u32>,
    totals: &Array<u32>,
    sums: &mut Array<f32>,
    m: u32,
    d: u32,
    data_stride: u32,
) {
    let e = ABSOLUTE_POS;
    let d = d as usize;
    let data_stride = data_stride as usize;
    let width = d + 1;
    if e >= m as usize * width {
        terminate!();
    }
    let u = e / width;
    let c = e % width;
    let count = totals[u];
    if c == d {
        sums[e] = count as f32;
    } else {
        let start = starts[u] as usize;
        let mut s = 0.0f32;
        for p in start..start + count as usize {
            s += data[order[p] as usize * data_stride + c];
        }
        sums[e] = s;
    }
}

/// Steps 1 to 5 in one launch, for few examples: one thread per unit walks every example's
/// best unit in example order and adds its own examples into its row of `sums` (`[m, d + 1]`,
/// as [`unit_sums()`] writes it, the same additions in the same order, so the same bits). Costs
/// `M·N` comparisons, all threads of a warp reading the same `bmu[i]`; five launches fewer than
/// the sort, which is what few examples are bound by.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn unit_sums_scan(
    data: &Array<f32>,
    bmu: &Array<i32>,
    sums: &mut Array<f32>,
    n: u32,
    m: u32,
    d: u32,
    data_stride: u32,
) {
    let u = ABSOLUTE_POS;
    let d = d as usize;
    let data_stride = data_stride as usize;
    if u >= m as usize {
        terminate!();
    }
    let row = u * (d + 1);
    for c in 0..d {
        sums[row + c] = 0.0;
    }
    // Counts stay exact in f32 up to 2^24, far beyond the examples this kernel takes.
    let mut count = 0.0f32;
    for i in 0..n as usize {
        if bmu[i] as usize == u {
            for c in 0..d {
                sums[row + c] += data[i * data_stride + c];
            }
            count += 1.0;
        }
    }
    sums[row + d] = count;
}

/// The search's finish ([`super::bmu::bmu_finish()`]) and [`unit_sums_scan()`] in one launch,
/// for few examples: the same best units, the same sums in the same order, so the same bits,
/// one launch fewer an epoch. The examples go by in blocks of `block` (the cube's threads):
/// the cube first reduces each example's `chunks` candidates (`part_score`/`part_unit`,
/// `[chunks, n]`) into shared memory, then every thread, one unit each, adds its examples of
/// the block into its row of `sums` (`[m, d + 1]`). Every cube finishes every example (a few
/// hundred candidate reads per unit of work: the price of no second launch), so few, large
/// cubes.
///
/// # Safety (of an unchecked launch)
/// `part_*` hold `chunks * n` candidates naming units below `m`, `data` `n` rows `data_stride`
/// apart, `sums` `m * (d + 1)` floats.
#[allow(clippy::too_many_arguments)]
#[cube(launch, launch_unchecked)]
pub fn finish_unit_sums(
    part_score: &Array<f32>,
    part_unit: &Array<u32>,
    data: &Array<f32>,
    sums: &mut Array<f32>,
    n: u32,
    m: u32,
    d: u32,
    data_stride: u32,
    chunks: u32,
    #[comptime] block: usize,
) {
    let tid = UNIT_POS_X as usize;
    let u = ABSOLUTE_POS;
    let n = n as usize;
    let d = d as usize;
    let data_stride = data_stride as usize;
    let mine = u < m as usize;
    let row = u * (d + 1);
    let mut keys = SharedMemory::<u32>::new(block);
    if mine {
        for c in 0..d {
            sums[row + c] = 0.0;
        }
    }
    let mut count = 0.0f32;
    let mut start = 0usize;
    while start < n {
        let i = start + tid;
        let mut key = no_unit();
        if i < n {
            let mut bv = part_score[i];
            let mut bi = part_unit[i];
            for c in 1..chunks as usize {
                let v = part_score[c * n + i];
                let k = part_unit[c * n + i];
                if beats(v, k, bv, bi) {
                    bv = v;
                    bi = k;
                }
            }
            key = bi;
        }
        keys[tid] = key;
        sync_cube();
        if mine {
            let mut s = 0usize;
            while s < block && start + s < n {
                if keys[s] as usize == u {
                    let base = (start + s) * data_stride;
                    for c in 0..d {
                        sums[row + c] += data[base + c];
                    }
                    count += 1.0;
                }
                s += 1;
            }
        }
        sync_cube();
        start += block;
    }
    if mine {
        sums[row + d] = count;
    }
}
