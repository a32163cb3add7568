//! AVX2 + FMA versions of the hot loops (x86-64). Same results as the portable versions up to
//! the rounding of fused multiply-adds; tested against the same oracles.

use std::arch::x86_64::*;

use super::bmu::{fold_lanes as fold, Candidate, BLOCK};
use super::online::Pass;
use super::LANES;

const _: () = assert!(LANES == 8, "one AVX2 register per tile row");

/// Whether this CPU has AVX2 and FMA (the detection is cached by the standard library).
pub(super) fn has_avx2_fma() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

#[inline(always)]
unsafe fn lane_offsets() -> __m256i {
    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)
}

/// Scores of the `BLOCK` examples against one tile.
#[inline(always)]
unsafe fn score_tile(tile: *const f32, d: usize, xn: *const f32) -> [__m256; BLOCK] {
    let w2 = _mm256_loadu_ps(tile);
    let (mut a0, mut a1, mut a2, mut a3) = (w2, w2, w2, w2);
    for k in 0..d {
        let w = _mm256_loadu_ps(tile.add((k + 1) * LANES));
        let x = xn.add(k * BLOCK);
        a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(&*x), w, a0);
        a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(&*x.add(1)), w, a1);
        a2 = _mm256_fmadd_ps(_mm256_broadcast_ss(&*x.add(2)), w, a2);
        a3 = _mm256_fmadd_ps(_mm256_broadcast_ss(&*x.add(3)), w, a3);
    }
    [a0, a1, a2, a3]
}

/// AVX2 version of `bmu::scan_top1_portable`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `tiles` holds whole tiles of `(d + 1) * LANES` values and
/// `xn` holds `d * BLOCK` values.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn scan_top1(
    tiles: &[f32],
    d: usize,
    base: usize,
    xn: &[f32],
    best: &mut [Candidate; BLOCK],
) {
    let stride = (d + 1) * LANES;
    assert!(tiles.len() % stride == 0 && xn.len() == d * BLOCK);
    let inf = _mm256_set1_ps(f32::INFINITY);
    let mut bv = [inf; BLOCK];
    let mut bi = [_mm256_setzero_si256(); BLOCK];
    let mut idx = _mm256_add_epi32(_mm256_set1_epi32(base as i32), lane_offsets());
    let step = _mm256_set1_epi32(LANES as i32);
    let n_tiles = tiles.len() / stride;
    for t in 0..n_tiles {
        let acc = score_tile(tiles.as_ptr().add(t * stride), d, xn.as_ptr());
        for e in 0..BLOCK {
            let lt = _mm256_cmp_ps::<_CMP_LT_OQ>(acc[e], bv[e]);
            bv[e] = _mm256_blendv_ps(bv[e], acc[e], lt);
            bi[e] = _mm256_castps_si256(_mm256_blendv_ps(
                _mm256_castsi256_ps(bi[e]),
                _mm256_castsi256_ps(idx),
                lt,
            ));
        }
        idx = _mm256_add_epi32(idx, step);
    }
    for e in 0..BLOCK {
        let (mut v, mut i) = ([0f32; LANES], [0u32; LANES]);
        _mm256_storeu_ps(v.as_mut_ptr(), bv[e]);
        _mm256_storeu_si256(i.as_mut_ptr().cast(), bi[e]);
        let mut one = [best[e]];
        fold(&v, &i, &mut one);
        best[e] = one[0];
    }
}

/// AVX2 version of `bmu::scan_top2_portable`.
///
/// # Safety
/// As for [`scan_top1`].
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn scan_top2(
    tiles: &[f32],
    d: usize,
    base: usize,
    xn: &[f32],
    best: &mut [[Candidate; 2]; BLOCK],
) {
    let stride = (d + 1) * LANES;
    assert!(tiles.len() % stride == 0 && xn.len() == d * BLOCK);
    let inf = _mm256_set1_ps(f32::INFINITY);
    let none = _mm256_set1_epi32(-1);
    let (mut v1, mut v2) = ([inf; BLOCK], [inf; BLOCK]);
    let (mut i1, mut i2) = ([none; BLOCK], [none; BLOCK]);
    let mut idx = _mm256_add_epi32(_mm256_set1_epi32(base as i32), lane_offsets());
    let step = _mm256_set1_epi32(LANES as i32);
    let n_tiles = tiles.len() / stride;
    for t in 0..n_tiles {
        let acc = score_tile(tiles.as_ptr().add(t * stride), d, xn.as_ptr());
        let idxf = _mm256_castsi256_ps(idx);
        for e in 0..BLOCK {
            let s = acc[e];
            let lt1 = _mm256_cmp_ps::<_CMP_LT_OQ>(s, v1[e]);
            let lt2 = _mm256_cmp_ps::<_CMP_LT_OQ>(s, v2[e]);
            // second := lt1 ? first : (lt2 ? s : second)
            let v2n = _mm256_blendv_ps(_mm256_blendv_ps(v2[e], s, lt2), v1[e], lt1);
            let i2n = _mm256_blendv_ps(
                _mm256_blendv_ps(_mm256_castsi256_ps(i2[e]), idxf, lt2),
                _mm256_castsi256_ps(i1[e]),
                lt1,
            );
            v1[e] = _mm256_blendv_ps(v1[e], s, lt1);
            i1[e] = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(i1[e]), idxf, lt1));
            v2[e] = v2n;
            i2[e] = _mm256_castps_si256(i2n);
        }
        idx = _mm256_add_epi32(idx, step);
    }
    for e in 0..BLOCK {
        for (v, i) in [(v1[e], i1[e]), (v2[e], i2[e])] {
            let (mut vs, mut is) = ([0f32; LANES], [0u32; LANES]);
            _mm256_storeu_ps(vs.as_mut_ptr(), v);
            _mm256_storeu_si256(is.as_mut_ptr().cast(), i);
            fold(&vs, &is, &mut best[e]);
        }
    }
}

/// AVX2 version of `online::pass_rows_portable`.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `rows` holds whole grid rows of the online layout and the
/// slices of `p` have the lengths `online::train` gives them.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn pass_rows(
    rows: &mut [f32],
    first_row: usize,
    d: usize,
    height: usize,
    tiles_per_row: usize,
    p: &Pass,
) -> (f32, usize) {
    let row_len = tiles_per_row * d * LANES;
    assert!(rows.len() % row_len == 0 && p.next.len() == d && p.cy.len() == tiles_per_row * LANES);
    let n_rows = rows.len() / row_len;
    assert!(first_row + n_rows <= p.hx.len());
    let (lo, hi) = (_mm256_set1_ps(p.lo), _mm256_set1_ps(p.hi));
    let mut bv = _mm256_set1_ps(f32::INFINITY);
    let mut bi = _mm256_setzero_si256();
    let ptr = rows.as_mut_ptr();
    for r in 0..n_rows {
        let a = first_row + r;
        let cx = _mm256_set1_ps(p.hx[a]);
        for tt in 0..tiles_per_row {
            let y0 = tt * LANES;
            let tile = ptr.add(r * row_len + tt * d * LANES);
            let c = _mm256_mul_ps(cx, _mm256_loadu_ps(p.cy.as_ptr().add(y0)));
            let mut dist = _mm256_loadu_ps(p.pen.as_ptr().add(y0));
            for k in 0..d {
                let wp = tile.add(k * LANES);
                let mut w = _mm256_loadu_ps(wp);
                if let Some(x) = p.x {
                    let xk = _mm256_set1_ps(*x.get_unchecked(k));
                    w = _mm256_fmadd_ps(c, _mm256_sub_ps(xk, w), w);
                    w = _mm256_min_ps(_mm256_max_ps(w, lo), hi);
                    _mm256_storeu_ps(wp, w);
                }
                let df = _mm256_sub_ps(_mm256_set1_ps(*p.next.get_unchecked(k)), w);
                dist = _mm256_fmadd_ps(df, df, dist);
            }
            let idx = _mm256_add_epi32(_mm256_set1_epi32((a * height + y0) as i32), lane_offsets());
            let lt = _mm256_cmp_ps::<_CMP_LT_OQ>(dist, bv);
            bv = _mm256_blendv_ps(bv, dist, lt);
            bi = _mm256_castps_si256(_mm256_blendv_ps(
                _mm256_castsi256_ps(bi),
                _mm256_castsi256_ps(idx),
                lt,
            ));
        }
    }
    let (mut v, mut i) = ([0f32; LANES], [0u32; LANES]);
    _mm256_storeu_ps(v.as_mut_ptr(), bv);
    _mm256_storeu_si256(i.as_mut_ptr().cast(), bi);
    let mut best = [Candidate::NONE];
    fold(&v, &i, &mut best);
    (
        best[0].score,
        if best[0].index == u32::MAX {
            usize::MAX
        } else {
            best[0].index as usize
        },
    )
}
