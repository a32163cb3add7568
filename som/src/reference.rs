//! The slow, obviously-correct oracle: the playbook's NumPy SOM, written with `ndarray` in `f64`
//! straight from the math, with no tricks (exact squared distances, dense neighbourhoods, an
//! `N x M` pass per epoch). Every fast path of this crate is tested against these functions.
//!
//! Ties between units are resolved to the lowest index, as NumPy's `argmin` does.
//!
//! ```
//! use burnax_som::{reference, BatchTrainingConfig, Grid};
//! use ndarray::array;
//!
//! let data = array![[0.0, 0.0], [1.0, 1.0]];
//! let w0 = array![[0.1, 0.1], [0.9, 0.9]];
//! let w = reference::train_batch(data.view(), w0, Grid::new(2, 1), &BatchTrainingConfig::new(3));
//! assert!(reference::quantization_error(data.view(), w.view()) < 0.72);
//! ```

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::grid::Grid;
use crate::neighborhood::gaussian_row;
use crate::schedule::{BatchTrainingConfig, OnlineTrainingConfig};

/// Squared Euclidean distance.
fn dist2(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Best and second-best unit of `x` (lowest index on ties); the second equals the best when the
/// map has a single unit.
pub fn bmu2(x: ArrayView1<f64>, w: ArrayView2<f64>) -> (usize, usize) {
    let d: Vec<f64> = w.rows().into_iter().map(|r| dist2(x, r)).collect();
    let argmin = |skip: Option<usize>| {
        let mut best: Option<usize> = None;
        for (j, &v) in d.iter().enumerate() {
            if Some(j) == skip {
                continue;
            }
            if best.is_none_or(|b| v < d[b]) {
                best = Some(j);
            }
        }
        best
    };
    let b1 = argmin(None).expect("a map has at least one unit");
    (b1, argmin(Some(b1)).unwrap_or(b1))
}

/// Best-matching unit of every row of `data`.
pub fn bmus(data: ArrayView2<f64>, w: ArrayView2<f64>) -> Vec<usize> {
    data.rows().into_iter().map(|x| bmu2(x, w).0).collect()
}

/// The neighbourhood `h(b, j)` of unit `b` over all units `j`, as a column of length `M`.
fn hood(grid: Grid, b: usize, sigma: [f64; 2]) -> Array1<f64> {
    let (bx, by) = grid.coords(b);
    let hx = gaussian_row(grid.width, bx, sigma[0]);
    let hy = gaussian_row(grid.height, by, sigma[1]);
    Array1::from_shape_fn(grid.units(), |j| {
        let (jx, jy) = grid.coords(j);
        hx[jx] * hy[jy]
    })
}

/// One batch epoch: `W_j = sum_i h(b_i, j) x_i / (sum_i h(b_i, j) + 1e-8)`.
pub fn batch_epoch(data: ArrayView2<f64>, w: ArrayView2<f64>, grid: Grid, sigma: [f64; 2]) -> Array2<f64> {
    let (m, d) = w.dim();
    let mut num = Array2::<f64>::zeros((m, d));
    let mut den = Array1::<f64>::zeros(m);
    for x in data.rows() {
        let h = hood(grid, bmu2(x, w).0, sigma);
        for j in 0..m {
            for k in 0..d {
                num[[j, k]] += h[j] * x[k];
            }
            den[j] += h[j];
        }
    }
    Array2::from_shape_fn((m, d), |(j, k)| num[[j, k]] / (den[j] + 1e-8))
}

/// Batch training from `w0` for `cfg.epochs` epochs.
pub fn train_batch(
    data: ArrayView2<f64>,
    w0: Array2<f64>,
    grid: Grid,
    cfg: &BatchTrainingConfig,
) -> Array2<f64> {
    (0..cfg.epochs).fold(w0, |w, e| {
        batch_epoch(data, w.view(), grid, cfg.sigma_at(grid, e))
    })
}

/// Online training from `w0`: step `t` uses example `order[t]`, for `cfg.steps` steps:
/// `w_j += alpha_t * h(b, j) * (x - w_j)`, then the optional clipping.
///
/// # Panics
/// If `order` is shorter than `cfg.steps`.
pub fn train_online(
    data: ArrayView2<f64>,
    mut w: Array2<f64>,
    grid: Grid,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
) -> Array2<f64> {
    assert!(
        order.len() >= cfg.steps,
        "order has {} entries for {} steps",
        order.len(),
        cfg.steps
    );
    for (t, &i) in order.iter().enumerate().take(cfg.steps) {
        let step = cfg.step_at(grid, t);
        let x = data.row(i);
        let h = hood(grid, bmu2(x, w.view()).0, step.sigma);
        for (j, mut row) in w.rows_mut().into_iter().enumerate() {
            for (v, &xk) in row.iter_mut().zip(x) {
                *v += (xk - *v) * step.alpha * h[j];
                if let Some([lo, hi]) = cfg.clip {
                    *v = v.clamp(lo as f64, hi as f64);
                }
            }
        }
    }
    w
}

/// Mean Euclidean distance from each example to its best-matching unit.
pub fn quantization_error(data: ArrayView2<f64>, w: ArrayView2<f64>) -> f64 {
    let total: f64 = data
        .rows()
        .into_iter()
        .map(|x| dist2(x, w.row(bmu2(x, w).0)).sqrt())
        .sum();
    total / data.nrows() as f64
}

/// Fraction of examples whose best and second-best units are not 8-neighbours on the grid.
pub fn topographic_error(data: ArrayView2<f64>, w: ArrayView2<f64>, grid: Grid) -> f64 {
    let errors = data
        .rows()
        .into_iter()
        .filter(|x| {
            let (b1, b2) = bmu2(x.view(), w);
            !grid.adjacent(b1, b2)
        })
        .count();
    errors as f64 / data.nrows() as f64
}

/// U-matrix: for each unit, the mean Euclidean distance of its weights to those of its
/// 8-neighbours on the grid, shape `(width, height)`; 0 for a single-unit map.
pub fn umatrix(w: ArrayView2<f64>, grid: Grid) -> Array2<f64> {
    Array2::from_shape_fn((grid.width, grid.height), |(x, y)| {
        let i = x * grid.height + y;
        let (mut sum, mut n) = (0.0, 0usize);
        for j in 0..grid.units() {
            if j != i && grid.adjacent(i, j) {
                sum += dist2(w.row(i), w.row(j)).sqrt();
                n += 1;
            }
        }
        if n == 0 {
            0.0
        } else {
            sum / n as f64
        }
    })
}

/// Number of examples whose best-matching unit is each unit, shape `(width, height)`.
pub fn hit_map(data: ArrayView2<f64>, w: ArrayView2<f64>, grid: Grid) -> Array2<u64> {
    let mut hits = Array2::zeros((grid.width, grid.height));
    for b in bmus(data, w) {
        hits[grid.coords(b)] += 1;
    }
    hits
}
