//! Initial weights: random, sampled from the data, or spread along the principal components.

use rand::seq::index;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::grid::Grid;
use crate::schedule::linspace_at;

/// How [`SomConfig`](crate::SomConfig) initialises the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Init {
    /// Uniform in `[0, 1)` per coordinate, as the playbook does (`np.random.random`). Suits data
    /// scaled to `[0, 1]`; use `Sample` or `Pca` for other ranges.
    Random,
    /// Rows drawn from the data: without replacement when the map has at most as many units as
    /// there are examples, with replacement otherwise.
    Sample,
    /// A plane through the data mean spanned by the two leading principal components: unit
    /// `(x, y)` is `mean + cx sqrt(l1) v1 + cy sqrt(l2) v2` with `cx`, `cy` evenly spaced in
    /// `[-1, 1]` along the grid (one standard deviation each way).
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

/// Leading eigenpairs of a symmetric `d x d` matrix by power iteration with deflation.
fn top_eigen(mut cov: Vec<f64>, d: usize, k: usize) -> Vec<(f64, Vec<f64>)> {
    let mut out = Vec::new();
    for _ in 0..k.min(d) {
        // A fixed, generic start vector: deterministic and not orthogonal to typical eigenvectors.
        let mut v: Vec<f64> = (0..d)
            .map(|i| 1.0 + (i as f64 * 0.618_033_988_75).fract())
            .collect();
        let mut lambda = 0.0;
        for _ in 0..1000 {
            let mut nv: Vec<f64> = (0..d)
                .map(|i| (0..d).map(|j| cov[i * d + j] * v[j]).sum())
                .collect();
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
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] -= lambda * v[i] * v[j];
            }
        }
        out.push((lambda.max(0.0), v));
    }
    out
}

/// The PCA plane ([`Init::Pca`]) for `data` (`n x d`).
pub(crate) fn pca(data: &[f32], d: usize, grid: Grid) -> Vec<f32> {
    let n = data.len() / d;
    let mut mean = vec![0f64; d];
    for x in data.chunks_exact(d) {
        for (m, &v) in mean.iter_mut().zip(x) {
            *m += v as f64 / n as f64;
        }
    }
    let mut cov = vec![0f64; d * d];
    for x in data.chunks_exact(d) {
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] += (x[i] as f64 - mean[i]) * (x[j] as f64 - mean[j]) / n as f64;
            }
        }
    }
    let pcs = top_eigen(cov, d, 2);
    let axis = |k: usize| -> Vec<f64> {
        pcs.get(k)
            .map_or(vec![0.0; d], |(l, v)| v.iter().map(|x| x * l.sqrt()).collect())
    };
    let (a1, a2) = (axis(0), axis(1));
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
        assert!((dx[0] - dx[1]).abs() < 1e-4 && dx[0].abs() > 1.0, "{dx:?}");
        assert!(dx[2].abs() < 1e-4, "{dx:?}");
        // Along y they differ along the noise axis by 2 * 0.1.
        let dy = (w[5] - w[2]).abs();
        assert!((dy - 0.2).abs() < 1e-4, "{dy}");
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
