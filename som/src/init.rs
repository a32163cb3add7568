//! Initial weights: random, sampled from the data, or spread along the principal components.

use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::grid::Grid;
use crate::schedule::linspace_at;

/// How [`SomConfig`](crate::SomConfig) initialises the weights.
///
/// Stored in model files as the `som train --init` names (`"random"`, `"sample"`, `"pca"`);
/// files written before read as well (`"Random"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Uniform in `[0, 1)` per coordinate, as the playbook does (`np.random.random`). Suits data
    /// scaled to `[0, 1]`; use `Sample` or `Pca` for other ranges.
    #[serde(alias = "Random")]
    Random,
    /// Rows drawn from the data: without replacement when the map has at most as many units as
    /// there are examples, with replacement otherwise.
    #[serde(alias = "Sample")]
    Sample,
    /// A plane through the data mean spanned by the two leading principal components: unit
    /// `(x, y)` is `mean + cx sqrt(l1) v1 + cy sqrt(l2) v2` with `cx`, `cy` evenly spaced in
    /// `[-1, 1]` along the grid (one standard deviation each way; 0 on a side of one unit). The
    /// first component runs along the longer side (x when they are equal), as SOM Toolbox's
    /// `som_lininit` does, so a 1 x N map lies along it. Each component's sign makes its
    /// largest coordinate positive (the first of equal ones), as scikit-learn's `svd_flip`.
    #[serde(alias = "Pca")]
    Pca,
}

/// A seeded generator: the same seed gives the same weights on every platform.
pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `m x d` values uniform in `[0, 1)`.
pub(crate) fn random(m: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut r = rng(seed);
    (0..m * d).map(|_| r.random::<f32>()).collect()
}

/// `m` rows of `data` (`n x d`).
pub(crate) fn sample(data: &[f32], d: usize, m: usize, seed: u64) -> Vec<f32> {
    let rows = sample_rows(data.len() / d, m, seed);
    rows.iter()
        .flat_map(|&i| data[i * d..(i + 1) * d].iter().copied())
        .collect()
}

/// The rows of `n` that [`sample`] copies into the `m` units, in unit order.
pub(crate) fn sample_rows(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut r = rng(seed);
    if m <= n {
        index::sample(&mut r, n, m).into_vec()
    } else {
        (0..m).map(|_| r.random_range(0..n)).collect()
    }
}

/// Leading eigenpairs of a symmetric positive semi-definite `d x d` operator `apply` (`v ->
/// A v`) by power iteration with deflation (`A - l1 v1 v1^T` for the second).
fn top_eigen(d: usize, k: usize, apply: impl Fn(&[f64]) -> Vec<f64>) -> Vec<(f64, Vec<f64>)> {
    let mut out: Vec<(f64, Vec<f64>)> = Vec::new();
    for _ in 0..k.min(d) {
        // A fixed, generic start vector: deterministic and not orthogonal to typical eigenvectors.
        let mut v: Vec<f64> = (0..d)
            .map(|i| 1.0 + (i as f64 * 0.618_033_988_75).fract())
            .collect();
        let mut lambda = 0.0;
        for _ in 0..1000 {
            let mut nv = apply(&v);
            for (l, u) in &out {
                let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
                nv.iter_mut().zip(u).for_each(|(x, ui)| *x -= l * dot * ui);
            }
            let norm = nv.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm == 0.0 {
                lambda = 0.0;
                break;
            }
            nv.iter_mut().for_each(|x| *x /= norm);
            let delta: f64 = nv.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
            v = nv;
            lambda = norm;
            if delta < 1e-12 {
                break;
            }
        }
        // The sign convention: the largest coordinate (the first of equal ones) positive.
        let top = v
            .iter()
            .enumerate()
            .fold(
                (0, 0.0f64),
                |best, (i, &x)| if x.abs() > best.1 { (i, x.abs()) } else { best },
            )
            .0;
        if v[top] < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        out.push((lambda.max(0.0), v));
    }
    out
}

/// The PCA plane ([`Init::Pca`]) for `data` (`n x d`).
///
/// The covariance `C = X_c^T X_c / n` of the centred data is formed (`d x d`) only when `d <= n`;
/// with fewer examples than dimensions it is applied as `X_c^T (X_c v) / n`, so memory stays
/// within twice the data's and a power step costs `O(n d)` rather than `O(d^2)`.
pub(crate) fn pca(data: &[f32], d: usize, grid: Grid) -> Vec<f32> {
    let n = data.len() / d;
    let mut mean = vec![0f64; d];
    for x in data.chunks_exact(d) {
        for (m, &v) in mean.iter_mut().zip(x) {
            *m += v as f64 / n as f64;
        }
    }
    let pcs = if d <= n {
        let mut cov = vec![0f64; d * d];
        for x in data.chunks_exact(d) {
            for i in 0..d {
                let xi = x[i] as f64 - mean[i];
                for j in 0..d {
                    cov[i * d + j] += xi * (x[j] as f64 - mean[j]) / n as f64;
                }
            }
        }
        top_eigen(d, 2, |v| {
            cov.chunks_exact(d)
                .map(|row| row.iter().zip(v).map(|(c, x)| c * x).sum())
                .collect()
        })
    } else {
        let centred: Vec<f64> = data
            .chunks_exact(d)
            .flat_map(|x| x.iter().zip(&mean).map(|(&v, m)| v as f64 - m))
            .collect();
        top_eigen(d, 2, |v| {
            let mut out = vec![0f64; d];
            for row in centred.chunks_exact(d) {
                let p: f64 = row.iter().zip(v).map(|(a, b)| a * b).sum::<f64>() / n as f64;
                out.iter_mut().zip(row).for_each(|(o, r)| *o += p * r);
            }
            out
        })
    };
    let axis = |k: usize| -> Vec<f64> {
        pcs.get(k)
            .map_or(vec![0.0; d], |(l, v)| v.iter().map(|x| x * l.sqrt()).collect())
    };
    // The first component along the longer side.
    let (a1, a2) = if grid.height > grid.width {
        (axis(1), axis(0))
    } else {
        (axis(0), axis(1))
    };
    let mut w = Vec::with_capacity(grid.units() * d);
    for j in 0..grid.units() {
        let (x, y) = grid.coords(j);
        let cx = if grid.width > 1 {
            linspace_at(-1.0, 1.0, grid.width, x)
        } else {
            0.0
        };
        let cy = if grid.height > 1 {
            linspace_at(-1.0, 1.0, grid.height, y)
        } else {
            0.0
        };
        w.extend((0..d).map(|k| (mean[k] + cx * a1[k] + cy * a2[k]) as f32));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data with known principal axes and a far-off mean: `mean + a u1 + b u2`, `a = +-3` and
    /// `b = +-1` uncorrelated with mean 0, so the covariance is `9 u1 u1^T + u2 u2^T` exactly and
    /// the plane is `mean + 3 cx u1 + cy u2` (`u1`, `u2` with their largest coordinate
    /// positive), the first axis along the longer side.
    #[test]
    fn pca_is_the_plane_of_the_known_axes() {
        // Orthonormal, each with one largest coordinate, positive.
        let (u1, u2) = (
            [2.0, 3.0, 6.0].map(|v| v / 7.0),
            [-3.0, 6.0, -2.0].map(|v| v / 7.0),
        );
        let mean = [100.0, -50.0, 7.0];
        let mut data = Vec::new();
        for _ in 0..5 {
            for (a, b) in [(3.0, 1.0), (3.0, -1.0), (-3.0, 1.0), (-3.0, -1.0)] {
                data.extend((0..3).map(|k| (mean[k] + a * u1[k] + b * u2[k]) as f32));
            }
        }
        for (grid, long_is_x) in [
            (Grid::new(4, 3), true),
            (Grid::new(2, 5), false),
            (Grid::new(1, 3), false),
            // A square grid puts the first component along x; one row has no y spread.
            (Grid::new(3, 3), true),
            (Grid::new(3, 1), true),
        ] {
            let w = pca(&data, 3, grid);
            for j in 0..grid.units() {
                let (x, y) = grid.coords(j);
                let at = |i: usize, n: usize| {
                    if n > 1 {
                        -1.0 + 2.0 * i as f64 / (n - 1) as f64
                    } else {
                        0.0
                    }
                };
                let (c1, c2) = if long_is_x {
                    (at(x, grid.width), at(y, grid.height))
                } else {
                    (at(y, grid.height), at(x, grid.width))
                };
                for k in 0..3 {
                    let want = mean[k] + 3.0 * c1 * u1[k] + c2 * u2[k];
                    // f64 power iterations (to 1e-12) stored in f32: values near 100 have ulps
                    // of 8e-6; a wrong axis, sign or centre is off by 0.3 or more.
                    assert!(
                        (w[j * 3 + k] as f64 - want).abs() < 1e-4,
                        "{grid:?} unit {j} coordinate {k}: {} vs {want}",
                        w[j * 3 + k]
                    );
                }
            }
        }
    }

    /// The sign convention: the largest coordinate positive, the first of equal ones. From
    /// this start vector the power iteration converges to `+u` for `u = (-1, 0.9)` and to
    /// `-u` for `u = (1, -1)`, so both must be flipped.
    #[test]
    fn eigenvectors_have_their_largest_coordinate_positive() {
        for (u, want) in [([-1.0, 0.9], [1.0, -0.9]), ([1.0, -1.0], [1.0, -1.0])] {
            let norm = f64::hypot(u[0], u[1]);
            let u = u.map(|x| x / norm);
            let pairs = top_eigen(2, 1, |v| {
                let dot = u[0] * v[0] + u[1] * v[1];
                u.iter().map(|x| x * dot).collect()
            });
            let (lambda, v) = &pairs[0];
            // A rank-one operator converges in one step, up to f64 rounding (about 1e-16);
            // 1e-12 is the iteration's own stopping bound. A wrong sign is off by about 1.
            assert!((lambda - 1.0).abs() < 1e-12, "{lambda}");
            for k in 0..2 {
                assert!((v[k] - want[k] / norm).abs() < 1e-12, "{v:?} for u = {u:?}");
            }
        }
    }

    #[test]
    fn pca_spans_the_leading_directions() {
        // Points on a line along (1, 1, 0) / sqrt 2 plus small noise along (0, 0, 1).
        let mut data = Vec::new();
        for i in 0..50 {
            let t = i as f32 / 5.0 - 5.0;
            data.extend([t, t, 0.1, t, t, -0.1]);
        }
        let w = pca(&data, 3, Grid::new(3, 2));
        // Along x the corner units differ in the (1, 1, 0) direction by 2 standard deviations.
        let (first, last) = (&w[0..3], &w[12..15]);
        let dx = [last[0] - first[0], last[1] - first[1], last[2] - first[2]];
        // The plane is computed in f64 and stored in f32 (values of order 5: ulps of 5e-7); 1e-4
        // fails on a wrong direction, which is off by the noise's 0.1 or more.
        assert!((dx[0] - dx[1]).abs() < 1e-4 && dx[0].abs() > 1.0, "{dx:?}");
        assert!(dx[2].abs() < 1e-4, "{dx:?}");
        // Along y they differ along the noise axis by 2 * 0.1.
        let dy = (w[5] - w[2]).abs();
        assert!((dy - 0.2).abs() < 1e-4, "{dy}");
    }

    /// With fewer examples than dimensions the covariance is applied through the data, never
    /// formed: the same plane as forming it (checked on data padded with constant columns, which
    /// add nothing to the covariance but make `d > n`).
    #[test]
    fn pca_through_the_data_matches_the_covariance() {
        let rows = [
            [0.0f32, 1.0, 0.5],
            [2.0, 2.5, 0.0],
            [4.0, 4.5, 1.0],
            [1.0, 0.0, 0.25],
        ];
        let (narrow, wide): (Vec<f32>, Vec<f32>) = (
            rows.iter().flatten().copied().collect(),
            rows.iter()
                .flat_map(|r| r.iter().copied().chain([3.0; 5]))
                .collect(),
        );
        let grid = Grid::new(3, 2);
        let (a, b) = (pca(&narrow, 3, grid), pca(&wide, 8, grid));
        for u in 0..grid.units() {
            for k in 0..3 {
                let (x, y) = (a[u * 3 + k], b[u * 8 + k]);
                // Two f64 eigen-solutions (power iterations to 1e-12), stored in f32 (values of
                // order 1): ulps of 1e-7.
                assert!((x - y).abs() < 1e-5, "unit {u}, coordinate {k}: {x} vs {y}");
            }
            assert!(b[u * 8 + 3..u * 8 + 8].iter().all(|&v| (v - 3.0).abs() < 1e-6));
        }
    }

    #[test]
    fn sampling_and_random_are_reproducible() {
        let data: Vec<f32> = (0..20).map(|v| v as f32).collect();
        assert_eq!(sample(&data, 2, 4, 9), sample(&data, 2, 4, 9));
        assert_ne!(sample(&data, 2, 4, 9), sample(&data, 2, 4, 10));
        let s = sample(&data, 2, 30, 1);
        assert!(
            s.chunks(2).all(|r| r[1] == r[0] + 1.0 && r[0] % 2.0 == 0.0),
            "rows are whole data rows"
        );
        assert_eq!(random(3, 2, 5), random(3, 2, 5));
    }
}
