//! The slow, obviously-correct oracle: the playbook's NumPy SOM, written with `ndarray` in `f64`
//! straight from the math, with no tricks (exact squared distances, dense neighbourhoods, an
//! `N x M` pass per epoch). Every fast path of this crate is tested against these functions.
//!
//! Ties between units are resolved to the lowest index, as NumPy's `argmin` does.
//!
//! Every function takes the map as a [`MapSpec`] (a [`Grid`] converts to the playbook's:
//! Gaussian, Euclidean). The positions, the wrap, the neighbourhoods and the distances are
//! written here again from their formulas (`grid.rs`, `neighborhood.rs`, `distance.rs` state
//! them), not taken from the helpers the fast paths share, so that a bug there shows against
//! these.
//!
//! ```
//! use burnax_som::{reference, BatchTrainingConfig, Grid};
//! use ndarray::array;
//!
//! let data = array![[0.0, 0.0], [1.0, 1.0]];
//! let w0 = array![[0.1, 0.1], [0.9, 0.9]];
//! let w = reference::train_batch(data.view(), w0, Grid::new(2, 1), &BatchTrainingConfig::new(3));
//! // NumPy, the same three epochs: 0.6191759308672757 (an untrained map gives 0.141, one
//! // collapsed to the mean 0.707).
//! let qe = reference::quantization_error(data.view(), w.view(), Default::default());
//! assert!((qe - 0.6191759308672757).abs() < 1e-12, "{qe}");
//! ```

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::distance::Distance;
use crate::grid::{Grid, Topology};
use crate::neighborhood::Neighborhood;
use crate::schedule::{BatchTrainingConfig, OnlineTrainingConfig};
use crate::spec::MapSpec;

/// Squared Euclidean distance.
fn dist2(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// `dist(x, w)` of [`Distance`], from its formula.
pub fn distance(dist: Distance, x: ArrayView1<f64>, w: ArrayView1<f64>) -> f64 {
    let abs = x.iter().zip(w).map(|(a, b)| (a - b).abs());
    match dist {
        Distance::Euclidean => dist2(x, w).sqrt(),
        Distance::Manhattan => abs.sum(),
        Distance::Chebyshev => abs.fold(0.0, f64::max),
        Distance::Cosine => {
            let (nx, nw) = (x.dot(&x).sqrt(), w.dot(&w).sqrt());
            if nx == 0.0 || nw == 0.0 {
                1.0
            } else {
                1.0 - x.dot(&w) / (nx * nw)
            }
        }
    }
}

/// Best and second-best unit of `x` in distance `dist` (lowest index on ties); the second
/// equals the best when the map has a single unit.
pub fn bmu2(dist: Distance, x: ArrayView1<f64>, w: ArrayView2<f64>) -> (usize, usize) {
    let d: Vec<f64> = w.rows().into_iter().map(|r| distance(dist, x, r)).collect();
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
pub fn bmus(dist: Distance, data: ArrayView2<f64>, w: ArrayView2<f64>) -> Vec<usize> {
    data.rows().into_iter().map(|x| bmu2(dist, x, w).0).collect()
}

/// Position of unit `i`: `(x, y)`, or `(x + 0.5 (y mod 2), y sqrt(3) / 2)` on a hexagonal grid.
fn position(grid: Grid, i: usize) -> (f64, f64) {
    let (x, y) = (i / grid.height, i % grid.height);
    match grid.topology {
        Topology::Rectangular => (x as f64, y as f64),
        Topology::Hexagonal => (
            x as f64 + if y % 2 == 1 { 0.5 } else { 0.0 },
            y as f64 * 3f64.sqrt() / 2.0,
        ),
    }
}

/// `(|dx|, |dy|)` between units `a` and `b`, each wrapped on a torus to `min(d, P - d)`.
fn delta(grid: Grid, a: usize, b: usize) -> (f64, f64) {
    let ((ax, ay), (bx, by)) = (position(grid, a), position(grid, b));
    let (dx, dy) = ((ax - bx).abs(), (ay - by).abs());
    if !grid.toroidal {
        return (dx, dy);
    }
    let py = match grid.topology {
        Topology::Rectangular => grid.height as f64,
        Topology::Hexagonal => grid.height as f64 * 3f64.sqrt() / 2.0,
    };
    (dx.min(grid.width as f64 - dx), dy.min(py - dy))
}

/// Whether `a` and `b` are grid neighbours (or the same unit): one cell apart along each axis
/// on a rectangular grid, at distance 1 on a hexagonal one (the next ring is at sqrt(3)).
fn adjacent(grid: Grid, a: usize, b: usize) -> bool {
    let (dx, dy) = delta(grid, a, b);
    match grid.topology {
        Topology::Rectangular => dx < 1.5 && dy < 1.5,
        Topology::Hexagonal => (dx * dx + dy * dy).sqrt() < 1.3,
    }
}

/// The neighbourhood `h(b, j)` of unit `b` over all units `j`, as a column of length `M`, from
/// the 2-D formulas with `r2 = dx^2 / sx^2 + dy^2 / sy^2`.
fn hood(spec: MapSpec, b: usize, sigma: [f64; 2]) -> Array1<f64> {
    let grid = spec.grid;
    Array1::from_shape_fn(grid.units(), |j| {
        let (dx, dy) = delta(grid, b, j);
        let (sx, sy) = (sigma[0], sigma[1]);
        let r2 = dx * dx / (sx * sx) + dy * dy / (sy * sy);
        match spec.neighborhood {
            Neighborhood::Gaussian => (-r2).exp(),
            Neighborhood::Bubble => {
                if dx < sx && dy < sy {
                    1.0
                } else {
                    0.0
                }
            }
            Neighborhood::Triangle => (1.0 - dx / sx).max(0.0) * (1.0 - dy / sy).max(0.0),
            Neighborhood::MexicanHat => (1.0 - r2) * (-r2).exp(),
        }
    })
}

/// Element `t` of NumPy's `linspace(a, b, n)` as NumPy 2 computes it
/// (`numpy/_core/function_base.py`: `t * ((b - a) / (n - 1)) + a`, the last element set to `b`),
/// written apart from the fast paths' `schedule::linspace_at`.
fn linspace(a: f64, b: f64, n: usize, t: usize) -> f64 {
    match t {
        _ if n <= 1 => a,
        t if t == n - 1 => b,
        t => t as f64 * ((b - a) / (n - 1) as f64) + a,
    }
}

/// Element `t` of NumPy's `geomspace(a, b, n)` for positive `a`, `b`, as NumPy 2 computes it:
/// `10 ** linspace(log10(a), log10(b), n)`, both ends set exactly.
fn geomspace(a: f64, b: f64, n: usize, t: usize) -> f64 {
    match t {
        0 => a,
        t if t + 1 >= n => {
            if n <= 1 {
                a
            } else {
                b
            }
        }
        t => 10f64.powf(linspace(a.log10(), b.log10(), n, t)),
    }
}

/// Half a grid side, at least 1: the default initial radius.
fn half(n: usize) -> f64 {
    f64::max(n as f64 / 2.0, 1.0)
}

/// The batch radii of epoch `e`: geometric from `sigma` (default half the grid) to
/// `max(sigma_floor, dim * min_sigma_frac)`, computed here from the configuration's fields.
fn batch_sigma(cfg: &BatchTrainingConfig, grid: Grid, e: usize) -> [f64; 2] {
    let s0 = cfg.sigma.unwrap_or([half(grid.width), half(grid.height)]);
    let end = |dim: usize| f64::max(cfg.sigma_floor, dim as f64 * cfg.min_sigma_frac);
    [
        geomspace(s0[0], end(grid.width), cfg.epochs, e),
        geomspace(s0[1], end(grid.height), cfg.epochs, e),
    ]
}

/// The online learning rate and radii of step `t`: the rate geometric from `alpha[0]` to
/// `alpha[1]`, the radii linear from `sigma` to `max(sigma_floor, final_sigma_frac * sigma)`.
fn online_step(cfg: &OnlineTrainingConfig, grid: Grid, t: usize) -> (f64, [f64; 2]) {
    let s0 = cfg.sigma.unwrap_or([half(grid.width), half(grid.height)]);
    let end = |s: f64| f64::max(cfg.sigma_floor, s * cfg.final_sigma_frac);
    let alpha = geomspace(cfg.alpha[0], cfg.alpha[1], cfg.steps, t);
    (
        alpha,
        [
            linspace(s0[0], end(s0[0]), cfg.steps, t),
            linspace(s0[1], end(s0[1]), cfg.steps, t),
        ],
    )
}

/// One batch epoch: `W_j = sum_i h(b_i, j) x_i / (sum_i h(b_i, j) + 1e-8)`; with a bubble or a
/// triangle, `W_j` unchanged where `sum_i h(b_i, j)` is 0.
///
/// # Panics
/// For the Mexican hat (batch training refuses it).
pub fn batch_epoch(
    data: ArrayView2<f64>,
    w: ArrayView2<f64>,
    spec: impl Into<MapSpec>,
    sigma: [f64; 2],
) -> Array2<f64> {
    let spec = spec.into();
    assert!(
        spec.neighborhood != Neighborhood::MexicanHat,
        "no batch epoch with a Mexican hat"
    );
    let (m, d) = w.dim();
    let mut num = Array2::<f64>::zeros((m, d));
    let mut den = Array1::<f64>::zeros(m);
    for x in data.rows() {
        let h = hood(spec, bmu2(spec.distance, x, w).0, sigma);
        for j in 0..m {
            for k in 0..d {
                num[[j, k]] += h[j] * x[k];
            }
            den[j] += h[j];
        }
    }
    Array2::from_shape_fn((m, d), |(j, k)| {
        let compact = matches!(spec.neighborhood, Neighborhood::Bubble | Neighborhood::Triangle);
        if compact && den[j] == 0.0 {
            w[[j, k]]
        } else {
            num[[j, k]] / (den[j] + 1e-8)
        }
    })
}

/// Batch training from `w0` for `cfg.epochs` epochs.
pub fn train_batch(
    data: ArrayView2<f64>,
    w0: Array2<f64>,
    spec: impl Into<MapSpec>,
    cfg: &BatchTrainingConfig,
) -> Array2<f64> {
    let spec = spec.into();
    (0..cfg.epochs).fold(w0, |w, e| {
        batch_epoch(data, w.view(), spec, batch_sigma(cfg, spec.grid, e))
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
    spec: impl Into<MapSpec>,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
) -> Array2<f64> {
    let spec = spec.into();
    let grid = spec.grid;
    assert!(
        order.len() >= cfg.steps,
        "order has {} entries for {} steps",
        order.len(),
        cfg.steps
    );
    for (t, &i) in order.iter().enumerate().take(cfg.steps) {
        let (alpha, sigma) = online_step(cfg, grid, t);
        let x = data.row(i);
        let h = hood(spec, bmu2(spec.distance, x, w.view()).0, sigma);
        for (j, mut row) in w.rows_mut().into_iter().enumerate() {
            for (v, &xk) in row.iter_mut().zip(x) {
                *v += (xk - *v) * alpha * h[j];
                if let Some([lo, hi]) = cfg.clip {
                    *v = v.clamp(lo as f64, hi as f64);
                }
            }
        }
    }
    w
}

/// Mean distance (in the map's [`Distance`]) from each example to its best-matching unit.
pub fn quantization_error(data: ArrayView2<f64>, w: ArrayView2<f64>, dist: Distance) -> f64 {
    let total: f64 = data
        .rows()
        .into_iter()
        .map(|x| distance(dist, x, w.row(bmu2(dist, x, w).0)))
        .sum();
    total / data.nrows() as f64
}

/// Fraction of examples whose best and second-best units are not grid neighbours (8 on a
/// rectangular grid, 6 on a hexagonal one, across the wrap on a torus).
pub fn topographic_error(data: ArrayView2<f64>, w: ArrayView2<f64>, spec: impl Into<MapSpec>) -> f64 {
    let spec = spec.into();
    let errors = data
        .rows()
        .into_iter()
        .filter(|x| {
            let (b1, b2) = bmu2(spec.distance, x.view(), w);
            !adjacent(spec.grid, b1, b2)
        })
        .count();
    errors as f64 / data.nrows() as f64
}

/// U-matrix: for each unit, the mean Euclidean distance of its weights to those of its grid
/// neighbours, shape `(width, height)`; 0 for a single-unit map. Each neighbour counts once
/// (on a torus of width 2, left and right are the same unit).
pub fn umatrix(w: ArrayView2<f64>, grid: Grid) -> Array2<f64> {
    Array2::from_shape_fn((grid.width, grid.height), |(x, y)| {
        let i = x * grid.height + y;
        let (mut sum, mut n) = (0.0, 0usize);
        for j in 0..grid.units() {
            if j != i && adjacent(grid, i, j) {
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
pub fn hit_map(data: ArrayView2<f64>, w: ArrayView2<f64>, spec: impl Into<MapSpec>) -> Array2<u64> {
    let spec = spec.into();
    let grid = spec.grid;
    let mut hits = Array2::zeros((grid.width, grid.height));
    for b in bmus(spec.distance, data, w) {
        hits[grid.coords(b)] += 1;
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values computed with NumPy 2.4.6 (`np.geomspace`, `np.linspace`, `np.exp`), the playbook's
    /// library, as `repr` prints them.
    const NUMPY_GEOM_120_48_50_AT_17: f64 = 87.32134705870394;
    const NUMPY_GEOM_70_27_50_AT_17: f64 = 50.29879454874158;
    const NUMPY_LIN_120_6_50000_AT_12345: f64 = 91.85283705674114;
    const NUMPY_GEOM_035_001_50000_AT_25000: f64 = 0.0591586944540412;
    /// `np.exp(-((3 - 7)**2) / 2.5**2 - ((1 - 4)**2) / 1.5**2)`.
    const NUMPY_HOOD: f64 = 0.0014158857103468022;

    fn close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= 1e-14 * want.abs(),
            "{got} vs NumPy's {want}"
        );
    }

    #[test]
    fn schedules_are_numpys_at_midpoints() {
        let batch = BatchTrainingConfig::new(50).with_sigma(Some([120.0, 70.0]));
        let [sx, sy] = batch_sigma(&batch, Grid::new(240, 135), 17);
        close(sx, NUMPY_GEOM_120_48_50_AT_17);
        close(sy, NUMPY_GEOM_70_27_50_AT_17);
        let online = OnlineTrainingConfig::new(50_000).with_sigma(Some([120.0, 70.0]));
        let (_, [sx, _]) = online_step(&online, Grid::new(240, 135), 12_345);
        close(sx, NUMPY_LIN_120_6_50000_AT_12345);
        let (alpha, _) = online_step(&online, Grid::new(240, 135), 25_000);
        close(alpha, NUMPY_GEOM_035_001_50000_AT_25000);
    }

    #[test]
    fn the_neighbourhood_is_numpys() {
        let grid = Grid::new(8, 5);
        // unit 16 = (3, 1), unit 39 = (7, 4)
        close(hood(grid.into(), 16, [2.5, 1.5])[39], NUMPY_HOOD);
        assert_eq!(hood(grid.into(), 16, [2.5, 1.5])[16], 1.0);
    }

    /// NumPy sets a space's last element to its end exactly, where the formula would round
    /// (`10 ** log10(48)` is 47.99999999999999; `3 * ((0.01 - 0.35) / 3) + 0.35` is
    /// 0.010000000000000009), and a space of one element is its start: `np.geomspace(120, 48,
    /// 50)[-1] == 48.0`, `np.linspace(0.35, 0.01, 4)[-1] == 0.01`, `np.linspace(3, 7, 1) ==
    /// [3.0]`, `np.geomspace(3, 7, 1) == [3.0]` (NumPy 2.4.6).
    #[test]
    fn spaces_end_exactly_as_numpys() {
        assert_eq!(geomspace(120.0, 48.0, 50, 49), 48.0);
        assert_eq!(geomspace(120.0, 48.0, 50, 0), 120.0);
        assert_eq!(linspace(0.35, 0.01, 4, 3), 0.01);
        assert_eq!(linspace(0.35, 0.01, 4, 0), 0.35);
        assert_eq!((linspace(3.0, 7.0, 1, 0), geomspace(3.0, 7.0, 1, 0)), (3.0, 3.0));
    }

    /// The playbook's guard, `num / (den + 1e-8)`, decides a unit that no example's
    /// neighbourhood reaches: on a 1 x 3 map with radius 0.4 along y, one example at unit 0
    /// gives unit 2 the weight `h / (h + 1e-8)` of it, `h = exp(-2^2 / 0.4^2) = exp(-25)`
    /// (0.0014: the guard dominates; without it the unit would jump to the example).
    #[test]
    fn the_denominator_guard_is_the_playbooks() {
        let data = ndarray::array![[2.0, -1.0]];
        let w = ndarray::array![[2.0, -1.0], [5.0, 5.0], [9.0, 9.0]];
        let got = batch_epoch(data.view(), w.view(), Grid::new(1, 3), [1.0, 0.4]);
        let h = (-25.0f64).exp();
        for k in 0..2 {
            let want = h * data[[0, k]] / (h + 1e-8);
            assert!((got[[2, k]] - want).abs() <= 1e-15, "{} vs {want}", got[[2, k]]);
        }
    }
}
