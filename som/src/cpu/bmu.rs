//! Fused best-matching-unit search (no `N x M` matrix in memory).

use rayon::prelude::*;

use super::LANES;

/// Examples scored together against one tile of units: each tile load is reused `BLOCK` times.
pub(super) const BLOCK: usize = 4; // score_tile has one named accumulator per example

/// Units per super-tile, sized so that a super-tile of packed weights stays in L2 cache.
fn super_tile_units(d: usize) -> usize {
    let bytes_per_unit = (d + 1) * 4;
    let units = (256 * 1024) / bytes_per_unit;
    (units / LANES).max(1) * LANES
}

/// Unit weights packed for the search: tile after tile of [`LANES`] units, each tile holding
/// `|w|^2` for its units and then the `d` coordinates, lane-contiguous. Padding units have
/// `|w|^2 = +inf`, so they never win.
pub struct PackedUnits {
    m: usize,
    d: usize,
    tiles: Vec<f32>,
}

impl PackedUnits {
    /// Packs an `m x d` row-major weight matrix.
    ///
    /// # Panics
    /// If `w.len() != m * d` or `m == 0`.
    pub fn new(w: &[f32], m: usize, d: usize) -> Self {
        assert!(m > 0, "PackedUnits::new: the map has no units");
        assert_eq!(
            w.len(),
            m * d,
            "PackedUnits::new: weights have {} values, expected m * d = {m} * {d}",
            w.len()
        );
        let n_tiles = m.div_ceil(LANES);
        let stride = (d + 1) * LANES;
        let mut tiles = vec![0f32; n_tiles * stride];
        for (t, tile) in tiles.chunks_exact_mut(stride).enumerate() {
            for l in 0..LANES {
                let j = t * LANES + l;
                if j < m {
                    let row = &w[j * d..(j + 1) * d];
                    tile[l] = row.iter().map(|v| v * v).sum();
                    for (k, &v) in row.iter().enumerate() {
                        tile[(k + 1) * LANES + l] = v;
                    }
                } else {
                    tile[l] = f32::INFINITY;
                }
            }
        }
        Self { m, d, tiles }
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.m
    }

    fn stride(&self) -> usize {
        (self.d + 1) * LANES
    }
}

/// A candidate unit: `score = |w|^2 - 2 x.w` (the squared distance minus `|x|^2`) and its index.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Candidate {
    /// `|w|^2 - 2 x.w`.
    pub score: f32,
    /// Unit index.
    pub index: u32,
}

impl Candidate {
    pub(super) const NONE: Self = Self {
        score: f32::INFINITY,
        index: u32::MAX,
    };

    /// Lexicographic (score, index) order: the lower index wins a tie.
    pub(super) fn better(self, other: Self) -> bool {
        self.score < other.score || (self.score == other.score && self.index < other.index)
    }
}

/// Scores `BLOCK` examples (`xn = -2 x`, laid out `d x BLOCK`) against the tiles `tiles` (whose first
/// unit has index `base`) and folds the winners into `best`.
/// Folds lane-wise scores and indices into a candidate list sorted by (score, index), keeping
/// the best `K`; lanes that saw no unit (infinite score) are skipped.
pub(super) fn fold_lanes<const K: usize>(bv: &[f32; LANES], bi: &[u32; LANES], best: &mut [Candidate; K]) {
    for l in 0..LANES {
        let c = Candidate {
            score: bv[l],
            index: bi[l],
        };
        if !c.score.is_finite() {
            continue;
        }
        if let Some(pos) = best.iter().position(|b| c.better(*b)) {
            best.copy_within(pos..K - 1, pos + 1);
            best[pos] = c;
        }
    }
}

/// `acc += x * w`, lane by lane (inlined into each SIMD version).
#[inline(always)]
fn fma_lanes(acc: &mut [f32; LANES], x: f32, w: &[f32; LANES]) {
    for l in 0..LANES {
        acc[l] += x * w[l];
    }
}

/// Keeps, lane by lane, the lower of `score` and the running best (strict `<`: the earlier,
/// lower index wins a tie).
#[inline(always)]
fn keep_min(score: &[f32; LANES], idx0: u32, bv: &mut [f32; LANES], bi: &mut [u32; LANES]) {
    for l in 0..LANES {
        let lt = score[l] < bv[l];
        bv[l] = if lt { score[l] } else { bv[l] };
        bi[l] = if lt { idx0 + l as u32 } else { bi[l] };
    }
}

/// Keeps, lane by lane, the two lowest scores seen.
#[inline(always)]
fn keep_min2(
    s: &[f32; LANES],
    idx0: u32,
    v1: &mut [f32; LANES],
    i1: &mut [u32; LANES],
    v2: &mut [f32; LANES],
    i2: &mut [u32; LANES],
) {
    for l in 0..LANES {
        let idx = idx0 + l as u32;
        let lt1 = s[l] < v1[l];
        let lt2 = s[l] < v2[l];
        v2[l] = if lt1 {
            v1[l]
        } else if lt2 {
            s[l]
        } else {
            v2[l]
        };
        i2[l] = if lt1 {
            i1[l]
        } else if lt2 {
            idx
        } else {
            i2[l]
        };
        v1[l] = if lt1 { s[l] } else { v1[l] };
        i1[l] = if lt1 { idx } else { i1[l] };
    }
}

/// Scores of `BLOCK` examples against one tile: `|w|^2 + sum_k xn_k w_k`, one register row each.
#[inline(always)]
fn score_tile(tile: &[f32], xn: &[f32]) -> [[f32; LANES]; BLOCK] {
    let (w2, coords) = tile.split_at(LANES);
    let w2: &[f32; LANES] = w2.try_into().expect("tile holds |w|^2 for LANES units");
    // Four named accumulators (not an indexed array): LLVM then keeps each in registers.
    let (mut a0, mut a1, mut a2, mut a3) = (*w2, *w2, *w2, *w2);
    for (w, xv) in coords.chunks_exact(LANES).zip(xn.chunks_exact(BLOCK)) {
        let w: &[f32; LANES] = w.try_into().expect("chunks_exact(LANES)");
        fma_lanes(&mut a0, xv[0], w);
        fma_lanes(&mut a1, xv[1], w);
        fma_lanes(&mut a2, xv[2], w);
        fma_lanes(&mut a3, xv[3], w);
    }
    [a0, a1, a2, a3]
}

/// Scores `BLOCK` examples (`xn = -2 x`, laid out `d x BLOCK`) against the tiles `tiles` (whose
/// first unit has index `base`) and folds the winners into `best`.
fn scan_top1_portable(tiles: &[f32], d: usize, base: usize, xn: &[f32], best: &mut [Candidate; BLOCK]) {
    let stride = (d + 1) * LANES;
    let mut bv = [[f32::INFINITY; LANES]; BLOCK];
    let mut bi = [[0u32; LANES]; BLOCK];
    for (t, tile) in tiles.chunks_exact(stride).enumerate() {
        let acc = score_tile(tile, xn);
        let idx0 = (base + t * LANES) as u32;
        let [b0, b1, b2, b3] = &mut bv;
        let [j0, j1, j2, j3] = &mut bi;
        keep_min(&acc[0], idx0, b0, j0);
        keep_min(&acc[1], idx0, b1, j1);
        keep_min(&acc[2], idx0, b2, j2);
        keep_min(&acc[3], idx0, b3, j3);
    }
    for e in 0..BLOCK {
        let mut one = [best[e]];
        fold_lanes(&bv[e], &bi[e], &mut one);
        best[e] = one[0];
    }
}

/// Like [`scan_top1`], keeping the best two candidates per example.
fn scan_top2_portable(tiles: &[f32], d: usize, base: usize, xn: &[f32], best: &mut [[Candidate; 2]; BLOCK]) {
    let stride = (d + 1) * LANES;
    let mut v1 = [[f32::INFINITY; LANES]; BLOCK];
    let mut i1 = [[u32::MAX; LANES]; BLOCK];
    let mut v2 = [[f32::INFINITY; LANES]; BLOCK];
    let mut i2 = [[u32::MAX; LANES]; BLOCK];
    for (t, tile) in tiles.chunks_exact(stride).enumerate() {
        let acc = score_tile(tile, xn);
        let idx0 = (base + t * LANES) as u32;
        for e in 0..BLOCK {
            let (a, b, c, dd) = (&mut v1[e], &mut i1[e], &mut v2[e], &mut i2[e]);
            keep_min2(&acc[e], idx0, a, b, c, dd);
        }
    }
    for e in 0..BLOCK {
        fold_lanes(&v1[e], &i1[e], &mut best[e]);
        fold_lanes(&v2[e], &i2[e], &mut best[e]);
    }
}

/// Dispatches to the AVX2+FMA kernel where the CPU has it, else to the portable one.
fn scan_top1(tiles: &[f32], d: usize, base: usize, xn: &[f32], best: &mut [Candidate; BLOCK]) {
    #[cfg(target_arch = "x86_64")]
    if super::x86::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        return unsafe { super::x86::scan_top1(tiles, d, base, xn, best) };
    }
    scan_top1_portable(tiles, d, base, xn, best)
}

/// Dispatches to the AVX2+FMA kernel where the CPU has it, else to the portable one.
fn scan_top2(tiles: &[f32], d: usize, base: usize, xn: &[f32], best: &mut [[Candidate; 2]; BLOCK]) {
    #[cfg(target_arch = "x86_64")]
    if super::x86::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        return unsafe { super::x86::scan_top2(tiles, d, base, xn, best) };
    }
    scan_top2_portable(tiles, d, base, xn, best)
}

/// Runs `scan` over all examples of `data` (`n x d`, row-major) in blocks, threads and
/// super-tiles, writing one result per example into `out`.
fn search<T: Copy + Send + Sync>(
    units: &PackedUnits,
    data: &[f32],
    init: T,
    out: &mut [T],
    scan: impl Fn(&[f32], usize, usize, &[f32], &mut [T; BLOCK]) + Sync,
) {
    let d = units.d;
    assert_eq!(
        data.len(),
        out.len() * d,
        "data has {} values for {} examples of dimension {d}",
        data.len(),
        out.len()
    );
    let stride = units.stride();
    let super_units = super_tile_units(d);
    let super_len = super_units / LANES * stride;
    // Blocks of examples per rayon task: enough work per task to amortise scheduling.
    let per_task = BLOCK * 16;
    out.par_chunks_mut(per_task)
        .zip(data.par_chunks(per_task * d.max(1)))
        .for_each(|(out, xs)| {
            let mut xn = vec![0f32; BLOCK * d];
            for (out, xs) in out.chunks_mut(BLOCK).zip(xs.chunks(BLOCK * d.max(1))) {
                let rows = out.len();
                // -2x for the rows of this block, laid out (d, BLOCK); missing rows of a tail
                // block repeat the last row.
                for e in 0..BLOCK {
                    let r = e.min(rows - 1);
                    for k in 0..d {
                        xn[k * BLOCK + e] = -2.0 * xs[r * d + k];
                    }
                }
                let mut best = [init; BLOCK];
                for (s, sup) in units.tiles.chunks(super_len).enumerate() {
                    scan(sup, d, s * super_units, &xn, &mut best);
                }
                out.copy_from_slice(&best[..rows]);
            }
        });
}

/// Best-matching unit of every row of `data` (`n x d`, row-major), with its score
/// `|w|^2 - 2 x.w` (add `|x|^2` for the squared distance).
///
/// # Panics
/// If `data.len()` is not a multiple of the dimension of `units`.
pub fn bmus(units: &PackedUnits, data: &[f32]) -> Vec<Candidate> {
    let n = data.len().checked_div(units.d).unwrap_or(0);
    let mut out = vec![Candidate::NONE; n];
    search(units, data, Candidate::NONE, &mut out, scan_top1);
    out
}

/// Best and second-best units of every row of `data`; the second equals the best on a
/// single-unit map.
///
/// # Panics
/// If `data.len()` is not a multiple of the dimension of `units`.
pub fn bmus2(units: &PackedUnits, data: &[f32]) -> Vec<[Candidate; 2]> {
    let n = data.len().checked_div(units.d).unwrap_or(0);
    let mut out = vec![[Candidate::NONE; 2]; n];
    search(units, data, [Candidate::NONE; 2], &mut out, scan_top2);
    for c in &mut out {
        if c[1].index == u32::MAX {
            c[1] = c[0];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn exact(data: &[f32], w: &[f32], d: usize) -> Vec<(usize, usize)> {
        let m = w.len() / d;
        data.chunks(d)
            .map(|x| {
                let dist: Vec<f64> = w
                    .chunks(d)
                    .map(|r| r.iter().zip(x).map(|(a, b)| ((a - b) as f64).powi(2)).sum())
                    .collect();
                let b1 = (0..m)
                    .min_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(a.cmp(&b)))
                    .unwrap();
                let b2 = (0..m)
                    .filter(|&j| j != b1)
                    .min_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(a.cmp(&b)))
                    .unwrap_or(b1);
                (b1, b2)
            })
            .collect()
    }

    #[test]
    fn matches_exhaustive_search_on_odd_shapes() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for &(n, m, d) in &[
            (1, 1, 1),
            (5, 1, 3),
            (1, 17, 1),
            (9, 15, 3),
            (37, 33, 64),
            (70, 4100, 3),
            (13, 300, 300),
        ] {
            let data: Vec<f32> = (0..n * d).map(|_| rng.random()).collect();
            let w: Vec<f32> = (0..m * d).map(|_| rng.random()).collect();
            let units = PackedUnits::new(&w, m, d);
            let got1 = bmus(&units, &data);
            let got2 = bmus2(&units, &data);
            for (i, (b1, b2)) in exact(&data, &w, d).into_iter().enumerate() {
                assert_eq!(got1[i].index as usize, b1, "top-1 n={n} m={m} d={d} example {i}");
                assert_eq!(
                    got2[i][0].index as usize, b1,
                    "top-2 best n={n} m={m} d={d} example {i}"
                );
                assert_eq!(
                    got2[i][1].index as usize, b2,
                    "top-2 second n={n} m={m} d={d} example {i}"
                );
            }
        }
    }

    #[test]
    fn ties_go_to_the_lowest_index() {
        // Units 3, 20 and 40 are identical and nearest: across lanes, tiles and super-tiles.
        let d = 2;
        let m = 50;
        let mut w = vec![5.0f32; m * d];
        for j in [40, 20, 3] {
            w[j * d] = 0.5;
            w[j * d + 1] = 0.5;
        }
        let units = PackedUnits::new(&w, m, d);
        let got = bmus2(&units, &[0.5, 0.5, 0.4, 0.6]);
        assert_eq!((got[0][0].index, got[0][1].index), (3, 20));
        assert_eq!((got[1][0].index, got[1][1].index), (3, 20));
        assert_eq!(bmus(&units, &[0.5, 0.5])[0].index, 3);
    }
}

#[cfg(test)]
mod portable_tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The portable kernels (used on CPUs without AVX2) agree with the dispatched ones.
    #[test]
    fn portable_kernels_agree_with_dispatched() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for &(m, d) in &[(1, 1), (9, 3), (100, 64), (37, 5)] {
            let w: Vec<f32> = (0..m * d).map(|_| rng.random()).collect();
            let units = PackedUnits::new(&w, m, d);
            let xn: Vec<f32> = (0..d * BLOCK).map(|_| -2.0 * rng.random::<f32>()).collect();
            let (mut a, mut b) = ([Candidate::NONE; BLOCK], [Candidate::NONE; BLOCK]);
            scan_top1(&units.tiles, d, 0, &xn, &mut a);
            scan_top1_portable(&units.tiles, d, 0, &xn, &mut b);
            for e in 0..BLOCK {
                assert_eq!(a[e].index, b[e].index, "top-1 m={m} d={d} e={e}");
                assert!((a[e].score - b[e].score).abs() <= 1e-5 * (1.0 + a[e].score.abs()));
            }
            let (mut a, mut b) = ([[Candidate::NONE; 2]; BLOCK], [[Candidate::NONE; 2]; BLOCK]);
            scan_top2(&units.tiles, d, 0, &xn, &mut a);
            scan_top2_portable(&units.tiles, d, 0, &xn, &mut b);
            for e in 0..BLOCK {
                assert_eq!(
                    [a[e][0].index, a[e][1].index],
                    [b[e][0].index, b[e][1].index],
                    "top-2 m={m} d={d} e={e}"
                );
            }
        }
    }
}
