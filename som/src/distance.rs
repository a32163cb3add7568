//! The distance between an example and a unit's weights, which picks the best unit.
//!
//! | [`Distance`] | `dist(x, w)` |
//! |---|---|
//! | `euclidean` (the playbook's) | `sqrt(sum_k (x_k - w_k)^2)` |
//! | `manhattan` | `sum_k \|x_k - w_k\|` |
//! | `chebyshev` | `max_k \|x_k - w_k\|` |
//! | `cosine` | `1 - x.w / (\|x\| \|w\|)`, and 1 where `x` or `w` is 0 (its cosine taken as 0) |
//!
//! The best unit minimises the distance (ties to the lowest index). The quantization error is
//! the mean distance to the best unit in the same distance. Training updates do not depend on
//! it: a batch epoch is still the neighbourhood-weighted mean, an online step still
//! `w += alpha h (x - w)`.
//!
//! The fast searches keep the GEMM form for `euclidean` (`|w|^2 - 2 x.w`) and `cosine` (`-x^.w^`
//! on rows scaled to unit length); `manhattan` and `chebyshev` are scanned directly.

use serde::{Deserialize, Serialize};

/// How far an example is from a unit. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distance {
    /// `|x - w|`.
    #[default]
    Euclidean,
    /// `sum |x_k - w_k|`.
    Manhattan,
    /// `max |x_k - w_k|`.
    Chebyshev,
    /// `1 - cos(x, w)`.
    Cosine,
}

impl Distance {
    /// Every distance, in the order the docs list them.
    pub const ALL: [Distance; 4] = [
        Distance::Euclidean,
        Distance::Manhattan,
        Distance::Chebyshev,
        Distance::Cosine,
    ];

    /// The name the CLI and the model files use.
    pub fn name(self) -> &'static str {
        match self {
            Distance::Euclidean => "euclidean",
            Distance::Manhattan => "manhattan",
            Distance::Chebyshev => "chebyshev",
            Distance::Cosine => "cosine",
        }
    }

    /// The distance called `name` ([`Distance::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// `dist(x, w)` in `f32`, straight from the formula (the fast paths' exact distance for
    /// the quantization error).
    pub fn between(self, x: &[f32], w: &[f32]) -> f32 {
        let diffs = x.iter().zip(w).map(|(a, b)| (a - b).abs());
        match self {
            Distance::Euclidean => diffs.map(|v| v * v).sum::<f32>().sqrt(),
            Distance::Manhattan => diffs.sum(),
            Distance::Chebyshev => diffs.fold(0.0, f32::max),
            Distance::Cosine => {
                let dot: f32 = x.iter().zip(w).map(|(a, b)| a * b).sum();
                let norm = |v: &[f32]| v.iter().map(|a| a * a).sum::<f32>().sqrt();
                let den = norm(x) * norm(w);
                if den == 0.0 {
                    1.0
                } else {
                    1.0 - dot / den
                }
            }
        }
    }
}

/// The row `v` scaled to unit length, or left 0 when it is 0: the cosine search's operand, whose
/// dot products are the cosines (0 for a zero row, as [`Distance::Cosine`] defines).
pub fn unit_row(v: &[f32]) -> impl Iterator<Item = f32> + '_ {
    let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt();
    let scale = if norm == 0.0 { 0.0 } else { 1.0 / norm };
    v.iter().map(move |a| a * scale)
}

/// `rows` (row-major, `d` columns) with each row scaled to unit length ([`unit_row`]).
pub fn unit_rows(rows: &[f32], d: usize) -> Vec<f32> {
    rows.chunks_exact(d).flat_map(unit_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_formulas() {
        let (x, w) = ([1.0f32, -2.0, 3.0], [0.0f32, 2.0, 1.0]);
        assert_eq!(Distance::Euclidean.between(&x, &w), 21f32.sqrt());
        assert_eq!(Distance::Manhattan.between(&x, &w), 7.0);
        assert_eq!(Distance::Chebyshev.between(&x, &w), 4.0);
        // x.w = -1, |x| = sqrt(14), |w| = sqrt(5).
        let want = 1.0 + 1.0 / (14f64.sqrt() * 5f64.sqrt());
        assert!((Distance::Cosine.between(&x, &w) as f64 - want).abs() < 1e-6);
        assert_eq!(Distance::Cosine.between(&x, &[0.0; 3]), 1.0, "a zero row");
    }

    #[test]
    fn unit_rows_have_length_one_or_zero() {
        let r = unit_rows(&[3.0, 4.0, 0.0, 0.0], 2);
        assert_eq!(r, [0.6, 0.8, 0.0, 0.0]);
    }

    #[test]
    fn names_round_trip() {
        for d in Distance::ALL {
            assert_eq!(Distance::from_name(d.name()), Some(d));
        }
        assert_eq!(Distance::from_name("l1"), None);
    }
}
