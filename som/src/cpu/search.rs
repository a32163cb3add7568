//! The best-unit search in every [`Distance`]: the fused GEMM-form search of [`super::bmu`] for
//! `euclidean` and (on unit rows) `cosine`, a direct scan for `manhattan` and `chebyshev`.

use rayon::prelude::*;

use super::bmu::{self, Candidate, PackedUnits};
use crate::distance::{unit_rows, Distance};

/// The best two units of every row of `data` (`n x d`) for the `m x d` weights `w`, with scores
/// that [`distance`] turns into distances: `|w|^2 - 2 x.w` (Euclidean), `-2 x^.w^` (cosine, on
/// unit rows), the distance itself (Manhattan, Chebyshev). The second equals the best on a
/// single-unit map. Ties go to the lowest index.
pub fn best2(w: &[f32], m: usize, d: usize, data: &[f32], dist: Distance) -> Vec<[Candidate; 2]> {
    match dist {
        Distance::Euclidean => bmu::bmus2(&PackedUnits::new(w, m, d), data),
        Distance::Cosine => bmu::bmus2(&PackedUnits::unit_rows(w, m, d), &unit_rows(data, d)),
        Distance::Manhattan | Distance::Chebyshev => direct(w, m, d, data, dist),
    }
}

/// The best unit of every row, as [`best2`].
pub fn best1(w: &[f32], m: usize, d: usize, data: &[f32], dist: Distance) -> Vec<Candidate> {
    match dist {
        Distance::Euclidean => bmu::bmus(&PackedUnits::new(w, m, d), data),
        Distance::Cosine => bmu::bmus(&PackedUnits::unit_rows(w, m, d), &unit_rows(data, d)),
        Distance::Manhattan | Distance::Chebyshev => {
            direct(w, m, d, data, dist).into_iter().map(|c| c[0]).collect()
        }
    }
}

/// The distance of example `x` to the unit of a [`best2`] candidate with score `score`.
pub fn distance(dist: Distance, x: &[f32], score: f32) -> f64 {
    match dist {
        Distance::Euclidean => {
            let x2: f32 = x.iter().map(|v| v * v).sum();
            ((x2 + score).max(0.0) as f64).sqrt()
        }
        // |x^ - w^|^2 / 2 = 1 - x^.w^ for unit rows; a zero row scores 0, distance 1.
        Distance::Cosine => 1.0 + score as f64 / 2.0,
        Distance::Manhattan | Distance::Chebyshev => score as f64,
    }
}

/// The direct scan: each example against every unit, in unit order.
fn direct(w: &[f32], m: usize, d: usize, data: &[f32], dist: Distance) -> Vec<[Candidate; 2]> {
    assert!(
        m > 0 && w.len() == m * d,
        "weights: {} values for {m} units of dimension {d}",
        w.len()
    );
    let rows: Vec<&[f32]> = data.chunks_exact(d.max(1)).collect();
    rows.par_iter()
        .map(|x| {
            let mut best = [Candidate::NONE; 2];
            for (j, u) in w.chunks_exact(d.max(1)).enumerate() {
                let diffs = x.iter().zip(u).map(|(a, b)| (a - b).abs());
                let score = if dist == Distance::Chebyshev {
                    diffs.fold(0.0, f32::max)
                } else {
                    diffs.sum()
                };
                let c = Candidate {
                    score,
                    index: j as u32,
                };
                if c.better(best[0]) {
                    best = [c, best[0]];
                } else if c.better(best[1]) {
                    best[1] = c;
                }
            }
            if best[1].index == u32::MAX {
                best[1] = best[0];
            }
            best
        })
        .collect()
}
