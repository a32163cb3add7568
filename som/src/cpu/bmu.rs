//! Fused best-matching-unit search (no `N x M` matrix in memory), register-tiled: `BLOCK`
//! examples against one SIMD register of units at a time, the scores kept in registers over
//! the whole dimension. The score is `|w|^2 - 2 x.w` (the GEMM form of the Euclidean, and of the
//! cosine on unit rows), or the Manhattan or Chebyshev distance itself ([`PackedUnits::direct`]).

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use super::simd::{f32_lanes, keep_min, lane_offsets, u32_lanes, Isa};
use crate::distance::Distance;

/// Examples scored together against one tile of units: each tile load is reused `BLOCK` times.
pub(crate) const BLOCK: usize = 4; // score_tile has one named accumulator per example

/// Units per super-tile, sized so that a super-tile of packed weights stays in L2 cache.
fn super_tile_units(d: usize, lanes: usize) -> usize {
    let bytes_per_unit = (d + 1) * 4;
    let units = (256 * 1024) / bytes_per_unit;
    (units / lanes).max(1) * lanes
}

/// What a packed search scores: the GEMM form, or a distance summed (or maximised) directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Score {
    /// `|w|^2 - 2 x.w`: the examples enter as `-2 x`.
    Gemm,
    /// `sum_k |x_k - w_k|`.
    Manhattan,
    /// `max_k |x_k - w_k|`.
    Chebyshev,
}

/// Unit weights packed for the search: tile after tile of as many units as one SIMD register of
/// this CPU has lanes, each tile holding a start value for its units (`|w|^2` for the GEMM
/// form, 0 for the direct distances) and then the `d` coordinates, lane-contiguous. Padding
/// units start at `+inf`, so they never win.
pub struct PackedUnits {
    m: usize,
    d: usize,
    isa: Isa,
    lanes: usize,
    score: Score,
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
        Self::for_isa(&crate::distance::unit_rows(w, d), m, d, Isa::best()).with_zero_start()
    }

    /// Packs `w` for a search whose scores are the [`Distance::Manhattan`] or
    /// [`Distance::Chebyshev`] distance itself, summed (or maximised) in coordinate order.
    ///
    /// # Panics
    /// As [`PackedUnits::new`], and for the distances of the GEMM form.
    pub fn direct(w: &[f32], m: usize, d: usize, dist: Distance) -> Self {
        Self::direct_for_isa(w, m, d, dist, Isa::best())
    }

    fn direct_for_isa(w: &[f32], m: usize, d: usize, dist: Distance, isa: Isa) -> Self {
        let score = match dist {
            Distance::Manhattan => Score::Manhattan,
            Distance::Chebyshev => Score::Chebyshev,
            _ => panic!(
                "PackedUnits::direct: {} is searched in the GEMM form",
                dist.name()
            ),
        };
        Self {
            score,
            ..Self::for_isa(w, m, d, isa).with_zero_start()
        }
    }

    /// The same tiles with real units starting their scores at 0 (padding stays `+inf`).
    fn with_zero_start(mut self) -> Self {
        let (stride, lanes, m) = (self.stride(), self.lanes, self.m);
        for (t, tile) in self.tiles.chunks_exact_mut(stride).enumerate() {
            for (l, start) in tile[..lanes].iter_mut().enumerate() {
                if t * lanes + l < m {
                    *start = 0.0;
                }
            }
        }
        self
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
            score: Score::Gemm,
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

/// A candidate unit: its score (`|w|^2 - 2 x.w`, the squared distance minus `|x|^2`, or for
/// [`PackedUnits::direct`] the distance) and its index.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Candidate {
    /// `|w|^2 - 2 x.w`, or the direct distance.
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

/// Scores of the `BLOCK` examples against one tile, one register each: `start + sum_k xn_k w_k`
/// (`K` = [`GEMM`]), `start + sum_k |xn_k - w_k|` ([`MANHATTAN`]) or `max(start, max_k |xn_k -
/// w_k|)` ([`CHEBYSHEV`]), in coordinate order.
#[inline(always)]
fn score_tile<S: Simd, const K: u8>(simd: S, tile: &[f32], xn: &[f32]) -> [S::f32s; BLOCK] {
    let (regs, _) = S::as_simd_f32s(tile);
    let (start, coords) = regs.split_first().expect("a tile holds its start values first");
    // Four named accumulators (not an indexed array): LLVM then keeps each in a register.
    let (mut a0, mut a1, mut a2, mut a3) = (*start, *start, *start, *start);
    let step = |a: S::f32s, x: f32, w: S::f32s| match K {
        GEMM => simd.mul_add_e_f32s(simd.splat_f32s(x), w, a),
        MANHATTAN => simd.add_f32s(a, simd.abs_f32s(simd.sub_f32s(simd.splat_f32s(x), w))),
        _ => simd.max_f32s(a, simd.abs_f32s(simd.sub_f32s(simd.splat_f32s(x), w))),
    };
    for (&w, x) in coords.iter().zip(xn.chunks_exact(BLOCK)) {
        a0 = step(a0, x[0], w);
        a1 = step(a1, x[1], w);
        a2 = step(a2, x[2], w);
        a3 = step(a3, x[3], w);
    }
    [a0, a1, a2, a3]
}

/// [`score_tile`]'s kinds, as const generics (one compiled loop each).
const GEMM: u8 = 0;
const MANHATTAN: u8 = 1;
const CHEBYSHEV: u8 = 2;

impl Score {
    /// What the examples are multiplied by on entry: `-2` for the GEMM form, 1 otherwise.
    fn x_scale(self) -> f32 {
        match self {
            Score::Gemm => -2.0,
            _ => 1.0,
        }
    }
}

/// One scan: `BLOCK` examples (`xn`: `-2 x` for the GEMM form, else `x`, laid out `d x
/// BLOCK`) against the tiles `tiles` (whose first unit has index `base`), scored as `score`
/// says, folding the winners into `best`.
struct Scan<'a, T> {
    tiles: &'a [f32],
    d: usize,
    base: usize,
    xn: &'a [f32],
    score: Score,
    best: &'a mut [T; BLOCK],
}

/// The best candidate per example.
struct Top1<'a>(Scan<'a, Candidate>);

impl WithSimd for Top1<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        match self.0.score {
            Score::Gemm => top1::<S, GEMM>(simd, self.0),
            Score::Manhattan => top1::<S, MANHATTAN>(simd, self.0),
            Score::Chebyshev => top1::<S, CHEBYSHEV>(simd, self.0),
        }
    }
}

#[inline(always)]
fn top1<S: Simd, const K: u8>(simd: S, scan: Scan<'_, Candidate>) {
    let Scan {
        tiles,
        d,
        base,
        xn,
        best,
        ..
    } = scan;
    let lanes = S::F32_LANES;
    let mut bv = [simd.splat_f32s(f32::INFINITY); BLOCK];
    let mut bi = [simd.splat_u32s(0); BLOCK];
    let mut idx = simd.add_u32s(simd.splat_u32s(base as u32), lane_offsets::<S>());
    let step = simd.splat_u32s(lanes as u32);
    for tile in tiles.chunks_exact((d + 1) * lanes) {
        let acc = score_tile::<S, K>(simd, tile, xn);
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

/// The best two candidates per example.
struct Top2<'a>(Scan<'a, [Candidate; 2]>);

impl WithSimd for Top2<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        match self.0.score {
            Score::Gemm => top2::<S, GEMM>(simd, self.0),
            Score::Manhattan => top2::<S, MANHATTAN>(simd, self.0),
            Score::Chebyshev => top2::<S, CHEBYSHEV>(simd, self.0),
        }
    }
}

#[inline(always)]
fn top2<S: Simd, const K: u8>(simd: S, scan: Scan<'_, [Candidate; 2]>) {
    let Scan {
        tiles,
        d,
        base,
        xn,
        best,
        ..
    } = scan;
    let lanes = S::F32_LANES;
    let inf = simd.splat_f32s(f32::INFINITY);
    let none = simd.splat_u32s(u32::MAX);
    let (mut v1, mut v2) = ([inf; BLOCK], [inf; BLOCK]);
    let (mut i1, mut i2) = ([none; BLOCK], [none; BLOCK]);
    let mut idx = simd.add_u32s(simd.splat_u32s(base as u32), lane_offsets::<S>());
    let step = simd.splat_u32s(lanes as u32);
    for tile in tiles.chunks_exact((d + 1) * lanes) {
        let acc = score_tile::<S, K>(simd, tile, xn);
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
    let scale = units.score.x_scale();
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
                // -2x (GEMM form) or x for the rows of this block, laid out (d, BLOCK); missing
                // rows of a tail block repeat the last row.
                for e in 0..BLOCK {
                    let r = e.min(rows - 1);
                    for k in 0..d {
                        xn[k * BLOCK + e] = scale * xs[r * d + k];
                    }
                }
                let mut best = [init; BLOCK];
                for (s, sup) in units.tiles.chunks(super_len).enumerate() {
                    let job = Scan {
                        tiles: sup,
                        d,
                        base: s * super_units,
                        xn: &xn,
                        score: units.score,
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

    /// The best two units in `dist` by exhaustive search in `f64` (Euclidean: squared).
    fn exact(data: &[f32], w: &[f32], d: usize, dist: Distance) -> Vec<(usize, usize)> {
        let m = w.len() / d;
        data.chunks(d)
            .map(|x| {
                let dist: Vec<f64> = w
                    .chunks(d)
                    .map(|r| {
                        let diffs = r.iter().zip(x).map(|(a, b)| (*a as f64 - *b as f64).abs());
                        match dist {
                            Distance::Manhattan => diffs.sum(),
                            Distance::Chebyshev => diffs.fold(0.0, f64::max),
                            _ => diffs.map(|v| v * v).sum(),
                        }
                    })
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
                for dist in [Distance::Euclidean, Distance::Manhattan, Distance::Chebyshev] {
                    let units = match dist {
                        Distance::Euclidean => PackedUnits::for_isa(&w, m, d, isa),
                        _ => PackedUnits::direct_for_isa(&w, m, d, dist, isa),
                    };
                    let got1 = bmus(&units, &data);
                    let got2 = bmus2(&units, &data);
                    let what = format!("{} {isa:?} n={n} m={m} d={d}", dist.name());
                    for (i, (b1, b2)) in exact(&data, &w, d, dist).into_iter().enumerate() {
                        assert_eq!(got1[i].index as usize, b1, "top-1 {what} example {i}");
                        assert_eq!(got2[i][0].index as usize, b1, "top-2 best {what} example {i}");
                        assert_eq!(got2[i][1].index as usize, b2, "top-2 second {what} example {i}");
                        if dist != Distance::Euclidean {
                            // The score is the distance itself, summed in coordinate order.
                            let x = &data[i * d..(i + 1) * d];
                            let want = dist.between(x, &w[b1 * d..(b1 + 1) * d]);
                            assert_eq!(got1[i].score, want, "score {what} example {i}");
                        }
                    }
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
            for units in [
                PackedUnits::for_isa(&w, m, d, isa),
                PackedUnits::direct_for_isa(&w, m, d, Distance::Manhattan, isa),
                PackedUnits::direct_for_isa(&w, m, d, Distance::Chebyshev, isa),
            ] {
                let what = format!("{:?} {isa:?}", units.score);
                let got = bmus2(&units, &[0.5, 0.5, 0.4, 0.6]);
                assert_eq!((got[0][0].index, got[0][1].index), (3, 20), "{what}");
                assert_eq!((got[1][0].index, got[1][1].index), (3, 20), "{what}");
                assert_eq!(bmus(&units, &[0.5, 0.5])[0].index, 3, "{what}");
            }
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
