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

/// Units scored at once by the direct scan: a block's scores and coordinates stay in L1.
const DIRECT_BLOCK: usize = 512;

/// The direct scan: each example against every unit, in unit order. The weights are laid out
/// coordinate-major per block of units, so that the inner loop runs along units (contiguous,
/// vectorised by the compiler) and adds `|x_k - w_jk|` (or takes the max) in coordinate order
/// for every unit: each score is the formula's, summed in coordinate order.
fn direct(w: &[f32], m: usize, d: usize, data: &[f32], dist: Distance) -> Vec<[Candidate; 2]> {
    assert!(
        m > 0 && w.len() == m * d,
        "weights: {} values for {m} units of dimension {d}",
        w.len()
    );
    // blocks[b][k * len + j]: coordinate k of unit b * DIRECT_BLOCK + j.
    let blocks: Vec<Vec<f32>> = (0..m)
        .step_by(DIRECT_BLOCK)
        .map(|start| {
            let len = DIRECT_BLOCK.min(m - start);
            let mut out = vec![0f32; len * d];
            for j in 0..len {
                for k in 0..d {
                    out[k * len + j] = w[(start + j) * d + k];
                }
            }
            out
        })
        .collect();
    let chebyshev = dist == Distance::Chebyshev;
    let rows: Vec<&[f32]> = data.chunks_exact(d.max(1)).collect();
    rows.par_iter()
        .map_init(
            || vec![0f32; DIRECT_BLOCK],
            |acc, x| {
                let mut best = [Candidate::NONE; 2];
                for (b, block) in blocks.iter().enumerate() {
                    let len = block.len() / d.max(1);
                    let acc = &mut acc[..len];
                    acc.fill(0.0);
                    for (k, &xk) in x.iter().enumerate() {
                        let col = &block[k * len..(k + 1) * len];
                        if chebyshev {
                            for (a, &v) in acc.iter_mut().zip(col) {
                                *a = a.max((xk - v).abs());
                            }
                        } else {
                            for (a, &v) in acc.iter_mut().zip(col) {
                                *a += (xk - v).abs();
                            }
                        }
                    }
                    for (j, &score) in acc.iter().enumerate() {
                        // Most units lose to the second best: one compare, no candidate.
                        if score > best[1].score {
                            continue;
                        }
                        let c = Candidate {
                            score,
                            index: (b * DIRECT_BLOCK + j) as u32,
                        };
                        if c.better(best[1]) {
                            if c.better(best[0]) {
                                best = [c, best[0]];
                            } else {
                                best[1] = c;
                            }
                        }
                    }
                }
                if best[1].index == u32::MAX {
                    best[1] = best[0];
                }
                best
            },
        )
        .collect()
}
