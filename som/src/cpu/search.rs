//! The best-unit search in every [`Distance`], all on the register-tiled search of
//! [`super::bmu`]: the GEMM form for `euclidean` and (on unit rows) `cosine`, the distance
//! summed or maximised directly for `manhattan` and `chebyshev`.

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
        Distance::Manhattan | Distance::Chebyshev => bmu::bmus2(&PackedUnits::direct(w, m, d, dist), data),
    }
}

/// The best unit of every row, as [`best2`].
pub fn best1(w: &[f32], m: usize, d: usize, data: &[f32], dist: Distance) -> Vec<Candidate> {
    match dist {
        Distance::Euclidean => bmu::bmus(&PackedUnits::new(w, m, d), data),
        Distance::Cosine => bmu::bmus(&PackedUnits::unit_rows(w, m, d), &unit_rows(data, d)),
        Distance::Manhattan | Distance::Chebyshev => bmu::bmus(&PackedUnits::direct(w, m, d, dist), data),
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
