//! Fused best-matching-unit search (no `N x M` matrix in memory).

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use super::simd::{f32_lanes, keep_min, lane_offsets, u32_lanes, Isa};

/// Examples scored together against one tile of units: each tile load is reused `BLOCK` times.
pub(crate) const BLOCK: usize = 4; // score_tile has one named accumulator per example

/// Units per super-tile, sized so that a super-tile of packed weights stays in L2 cache.
fn super_tile_units(d: usize, lanes: usize) -> usize {
    let bytes_per_unit = (d + 1) * 4;
    let units = (256 * 1024) / bytes_per_unit;
    (units / lanes).max(1) * lanes
}

/// Unit weights packed for the search: tile after tile of as many units as one SIMD register of
/// this CPU has lanes, each tile holding `|w|^2` for its units and then the `d` coordinates,
/// lane-contiguous. Padding units have `|w|^2 = +inf`, so they never win.
pub struct PackedUnits {
    m: usize,
    d: usize,
    isa: Isa,
    lanes: usize,
    tiles: Vec<f32>,
}

impl PackedUnits {
    /// Packs an `m x d` row-major weight matrix for the best instruction set of this CPU.
    ///
    /// # Panics
    /// If `w.len() != m * d` or `m == 0`.
    pub fn new(w: &[f32], m: usize, d: usize) -> Self {
        Self::for_isa(w, m, d, Isa::best())
    }

    /// Packs the rows of `w` scaled to unit length, with a norm term of 0: the cosine search,
    /// whose scores are `-2 x^.w^` for data given as unit rows ([`crate::distance::unit_rows`]).
    ///
    /// # Panics
    /// As [`PackedUnits::new`].
    pub fn unit_rows(w: &[f32], m: usize, d: usize) -> Self {
        let mut packed = Self::new(&crate::distance::unit_rows(w, d), m, d);
        let stride = packed.stride();
        for (t, tile) in packed.tiles.chunks_exact_mut(stride).enumerate() {
            for (l, norm) in tile[..packed.lanes].iter_mut().enumerate() {
                if t * packed.lanes + l < m {
                    *norm = 0.0;
                }
            }
        }
        packed
    }

    /// Packs for the search to run on `isa`.
    fn for_isa(w: &[f32], m: usize, d: usize, isa: Isa) -> Self {
        assert!(m > 0, "PackedUnits::new: the map has no units");
        assert_eq!(
            w.len(),
            m * d,
            "PackedUnits::new: weights have {} values, expected m * d = {m} * {d}",
            w.len()
        );
        let lanes = isa.lanes();
        let n_tiles = m.div_ceil(lanes);
        let stride = (d + 1) * lanes;
        let mut tiles = vec![0f32; n_tiles * stride];
        for (t, tile) in tiles.chunks_exact_mut(stride).enumerate() {
            for l in 0..lanes {
                let j = t * lanes + l;
                if j < m {
                    let row = &w[j * d..(j + 1) * d];
                    tile[l] = row.iter().map(|v| v * v).sum();
                    for (k, &v) in row.iter().enumerate() {
                        tile[(k + 1) * lanes + l] = v;
                    }
                } else {
                    tile[l] = f32::INFINITY;
                }
            }
        }
        Self {
            m,
            d,
            isa,
            lanes,
            tiles,
        }
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.m
    }

    fn stride(&self) -> usize {
        (self.d + 1) * self.lanes
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
    pub(crate) const NONE: Self = Self {
        score: f32::INFINITY,
        index: u32::MAX,
    };

    /// Lexicographic (score, index) order: the lower index wins a tie.
    pub(crate) fn better(self, other: Self) -> bool {
        self.score < other.score || (self.score == other.score && self.index < other.index)
    }
}

/// Folds lane-wise scores and indices into a candidate list sorted by (score, index), keeping
/// the best `K`; lanes that saw no unit (infinite score) are skipped.
fn fold_lanes<const K: usize>(bv: &[f32], bi: &[u32], best: &mut [Candidate; K]) {
    for (&score, &index) in bv.iter().zip(bi) {
        let c = Candidate { score, index };
        if !c.score.is_finite() {
            continue;
        }
        if let Some(pos) = best.iter().position(|b| c.better(*b)) {
            best.copy_within(pos..K - 1, pos + 1);
            best[pos] = c;
        }
    }
}

/// Scores of the `BLOCK` examples against one tile: `|w|^2 + sum_k xn_k w_k`, one register each.
#[inline(always)]
fn score_tile<S: Simd>(simd: S, tile: &[f32], xn: &[f32]) -> [S::f32s; BLOCK] {
    let (regs, _) = S::as_simd_f32s(tile);
    let (w2, coords) = regs.split_first().expect("a tile holds |w|^2 first");
    // Four named accumulators (not an indexed array): LLVM then keeps each in a register.
    let (mut a0, mut a1, mut a2, mut a3) = (*w2, *w2, *w2, *w2);
    for (&w, x) in coords.iter().zip(xn.chunks_exact(BLOCK)) {
        a0 = simd.mul_add_e_f32s(simd.splat_f32s(x[0]), w, a0);
        a1 = simd.mul_add_e_f32s(simd.splat_f32s(x[1]), w, a1);
        a2 = simd.mul_add_e_f32s(simd.splat_f32s(x[2]), w, a2);
        a3 = simd.mul_add_e_f32s(simd.splat_f32s(x[3]), w, a3);
    }
    [a0, a1, a2, a3]
}

/// One scan: `BLOCK` examples (`xn = -2 x`, laid out `d x BLOCK`) against the tiles `tiles`
/// (whose first unit has index `base`), folding the winners into `best`.
struct Scan<'a, T> {
    tiles: &'a [f32],
    d: usize,
    base: usize,
    xn: &'a [f32],
    best: &'a mut [T; BLOCK],
}

/// The best candidate per example.
struct Top1<'a>(Scan<'a, Candidate>);

impl WithSimd for Top1<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Scan {
            tiles,
            d,
            base,
            xn,
            best,
        } = self.0;
        let lanes = S::F32_LANES;
        let mut bv = [simd.splat_f32s(f32::INFINITY); BLOCK];
        let mut bi = [simd.splat_u32s(0); BLOCK];
        let mut idx = simd.add_u32s(simd.splat_u32s(base as u32), lane_offsets::<S>());
        let step = simd.splat_u32s(lanes as u32);
        for tile in tiles.chunks_exact((d + 1) * lanes) {
            let acc = score_tile(simd, tile, xn);
            for e in 0..BLOCK {
                keep_min(simd, acc[e], idx, &mut bv[e], &mut bi[e]);
            }
            idx = simd.add_u32s(idx, step);
        }
        for e in 0..BLOCK {
            let mut one = [best[e]];
            fold_lanes(f32_lanes::<S>(&bv[e]), u32_lanes::<S>(&bi[e]), &mut one);
            best[e] = one[0];
        }
    }
}

/// The best two candidates per example.
struct Top2<'a>(Scan<'a, [Candidate; 2]>);

impl WithSimd for Top2<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Scan {
            tiles,
            d,
            base,
            xn,
            best,
        } = self.0;
        let lanes = S::F32_LANES;
        let inf = simd.splat_f32s(f32::INFINITY);
        let none = simd.splat_u32s(u32::MAX);
        let (mut v1, mut v2) = ([inf; BLOCK], [inf; BLOCK]);
        let (mut i1, mut i2) = ([none; BLOCK], [none; BLOCK]);
        let mut idx = simd.add_u32s(simd.splat_u32s(base as u32), lane_offsets::<S>());
        let step = simd.splat_u32s(lanes as u32);
        for tile in tiles.chunks_exact((d + 1) * lanes) {
            let acc = score_tile(simd, tile, xn);
            for e in 0..BLOCK {
                let s = acc[e];
                let lt1 = simd.less_than_f32s(s, v1[e]);
                let lt2 = simd.less_than_f32s(s, v2[e]);
                // second := lt1 ? first : (lt2 ? s : second)
                v2[e] = simd.select_f32s(lt1, v1[e], simd.select_f32s(lt2, s, v2[e]));
                i2[e] = simd.select_u32s(lt1, i1[e], simd.select_u32s(lt2, idx, i2[e]));
                v1[e] = simd.select_f32s(lt1, s, v1[e]);
                i1[e] = simd.select_u32s(lt1, idx, i1[e]);
            }
            idx = simd.add_u32s(idx, step);
        }
        for e in 0..BLOCK {
            fold_lanes(f32_lanes::<S>(&v1[e]), u32_lanes::<S>(&i1[e]), &mut best[e]);
            fold_lanes(f32_lanes::<S>(&v2[e]), u32_lanes::<S>(&i2[e]), &mut best[e]);
        }
    }
}

/// Runs `scan` over all examples of `data` (`n x d`, row-major) in blocks, threads and
/// super-tiles, writing one result per example into `out`.
fn search<T: Copy + Send + Sync>(
    units: &PackedUnits,
    data: &[f32],
    init: T,
    out: &mut [T],
    scan: impl Fn(Isa, Scan<'_, T>) + Sync,
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
    let super_units = super_tile_units(d, units.lanes);
    let super_len = super_units / units.lanes * stride;
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
                    let job = Scan {
                        tiles: sup,
                        d,
                        base: s * super_units,
                        xn: &xn,
                        best: &mut best,
                    };
                    scan(units.isa, job);
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
    search(units, data, Candidate::NONE, &mut out, |isa, job| {
        isa.run(Top1(job))
    });
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
    search(units, data, [Candidate::NONE; 2], &mut out, |isa, job| {
        isa.run(Top2(job))
    });
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
            for isa in [Isa::best(), Isa::Scalar] {
                let units = PackedUnits::for_isa(&w, m, d, isa);
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
        for isa in [Isa::best(), Isa::Scalar] {
            let units = PackedUnits::for_isa(&w, m, d, isa);
            let got = bmus2(&units, &[0.5, 0.5, 0.4, 0.6]);
            assert_eq!((got[0][0].index, got[0][1].index), (3, 20), "{isa:?}");
            assert_eq!((got[1][0].index, got[1][1].index), (3, 20), "{isa:?}");
            assert_eq!(bmus(&units, &[0.5, 0.5])[0].index, 3, "{isa:?}");
        }
    }
}

#[cfg(test)]
mod scalar_tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The scalar body (what CPUs without SIMD run) agrees with the dispatched one.
    #[test]
    fn scalar_kernels_agree_with_dispatched() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for &(m, d) in &[(1, 1), (9, 3), (100, 64), (37, 5)] {
            let w: Vec<f32> = (0..m * d).map(|_| rng.random()).collect();
            let fast = PackedUnits::new(&w, m, d);
            let scalar = PackedUnits::for_isa(&w, m, d, Isa::Scalar);
            let x: Vec<f32> = (0..d * BLOCK).map(|_| rng.random::<f32>()).collect();
            let (a, b) = (bmus(&fast, &x), bmus(&scalar, &x));
            for e in 0..BLOCK {
                assert_eq!(a[e].index, b[e].index, "top-1 m={m} d={d} e={e}");
                let tol = burnax_testing::Tolerance::F32_REORDERED;
                assert!(
                    tol.accepts(a[e].score as f64, b[e].score as f64),
                    "score m={m} d={d} e={e}"
                );
            }
            let (a, b) = (bmus2(&fast, &x), bmus2(&scalar, &x));
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
