//! The SOM's neighbourhood functions and constants, shared by the fast paths (the fused CPU
//! kernels, the tensor-op path and the GPU kernels; the reference writes its own).
//!
//! With `(dx, dy)` the position difference of the best unit `c` and unit `j`
//! ([`Grid::delta`]: wrapped on a torus, hexagonal rows shifted) and `(sx, sy)` the two radii,
//! `r2 = dx^2 / sx^2 + dy^2 / sy^2`:
//!
//! | [`Neighborhood`] | `h(c, j)` |
//! |---|---|
//! | `gaussian` (the playbook's, no factor 2) | `exp(-r2) = exp(-dx^2 / sx^2) * exp(-dy^2 / sy^2)` |
//! | `bubble` | 1 where `dx < sx` and `dy < sy`, else 0 |
//! | `triangle` | `max(0, 1 - dx / sx) * max(0, 1 - dy / sy)` |
//! | `mexican-hat` (online training only) | `(1 - r2) * exp(-r2)` |
//!
//! The first three are products of one factor per axis ([`Neighborhood::factor`]): a batch
//! epoch smooths per-unit sums with one matrix per axis ([`Smoothing`]; on a hexagonal grid one
//! per pair of row parities, as the x shift depends on both rows) and divides by the smoothed
//! counts plus [`DEN_EPS`]. The Mexican hat is `gx gy (1 - ax - ay)` with `ax = dx^2 / sx^2`,
//! `gx = exp(-ax)` (likewise for y): the online pass adds the two cross terms.
//!
//! Its negative ring makes the weighted mean of a batch epoch meaningless (the denominator can
//! vanish or change sign), so batch training refuses it.

use serde::{Deserialize, Serialize};

use crate::grid::Grid;

/// The playbook's denominator guard of a batch epoch: `W = num / (den + 1e-8)`. With a compact
/// neighbourhood (bubble, triangle) a unit that no example's neighbourhood reaches has a count
/// of exactly 0, and keeps its weights instead (as in somoclu; the guard would set them to 0).
/// The Gaussian keeps the playbook's formula on every path: its count is 0 only where `exp`
/// underflowed, and there the guard's answer is the playbook's.
pub const DEN_EPS: f32 = 1e-8;

/// The neighbourhood function. See the [module docs](self) for the formulas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Neighborhood {
    /// `exp(-r2)`.
    #[default]
    Gaussian,
    /// 1 inside the radii, 0 outside.
    Bubble,
    /// `max(0, 1 - dx / sx) * max(0, 1 - dy / sy)`.
    Triangle,
    /// `(1 - r2) * exp(-r2)`; online training only.
    MexicanHat,
}

impl Neighborhood {
    /// Every neighbourhood, in the order the docs list them.
    pub const ALL: [Neighborhood; 4] = [
        Neighborhood::Gaussian,
        Neighborhood::Bubble,
        Neighborhood::Triangle,
        Neighborhood::MexicanHat,
    ];

    /// The name the CLI and the model files use (`gaussian`, `bubble`, `triangle`,
    /// `mexican-hat`).
    pub fn name(self) -> &'static str {
        match self {
            Neighborhood::Gaussian => "gaussian",
            Neighborhood::Bubble => "bubble",
            Neighborhood::Triangle => "triangle",
            Neighborhood::MexicanHat => "mexican-hat",
        }
    }

    /// The neighbourhood called `name` ([`Neighborhood::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.name() == name)
    }

    /// Whether a batch epoch keeps the weights of a unit whose count is exactly 0 (the compact
    /// neighbourhoods; see [`DEN_EPS`]).
    pub fn keeps_unreached(self) -> bool {
        matches!(self, Neighborhood::Bubble | Neighborhood::Triangle)
    }

    /// Whether `h` is a product of one factor per axis (all but the Mexican hat).
    pub fn separable(self) -> bool {
        self != Neighborhood::MexicanHat
    }

    /// The factor of one axis at distance `d >= 0` with radius `sigma`: `exp(-d^2 / sigma^2)`
    /// (Gaussian, and the Mexican hat's Gaussian part), `d < sigma` (bubble), `max(0, 1 - d /
    /// sigma)` (triangle).
    pub fn factor(self, d: f64, sigma: f64) -> f64 {
        match self {
            Neighborhood::Gaussian | Neighborhood::MexicanHat => (-(d * d) / (sigma * sigma)).exp(),
            Neighborhood::Bubble => f64::from(d < sigma),
            Neighborhood::Triangle => (1.0 - d / sigma).max(0.0),
        }
    }

    /// The Mexican hat's cross term of one axis, `-(d^2 / sigma^2) exp(-d^2 / sigma^2)`: with
    /// `g` the factors, `h = gx gy + ux gy + gx uy` (0 for the other neighbourhoods).
    pub fn cross(self, d: f64, sigma: f64) -> f64 {
        match self {
            Neighborhood::MexicanHat => {
                let a = d * d / (sigma * sigma);
                -a * (-a).exp()
            }
            _ => 0.0,
        }
    }

    /// `h` at position difference `(dx, dy)` with radii `sigma`, from the per-axis factors.
    pub fn at(self, dx: f64, dy: f64, sigma: [f64; 2]) -> f64 {
        let (gx, gy) = (self.factor(dx, sigma[0]), self.factor(dy, sigma[1]));
        gx * gy + self.cross(dx, sigma[0]) * gy + gx * self.cross(dy, sigma[1])
    }
}

/// The separable smoothing of a batch epoch on `grid`: `num_j = sum_b h(b, j) S_b` as a matrix
/// along y, then one along x. On a hexagonal grid the x distance depends on the parities of
/// both rows, so there are two classes of rows: [`Smoothing::y`]`[pb]` keeps only the source
/// rows of parity `pb`, and [`Smoothing::x`]`[pb][pj]` maps those to target rows of parity
/// `pj`. A rectangular grid has one class and two plain matrices.
#[derive(Clone, Debug, PartialEq)]
pub struct Smoothing {
    /// Row classes: 1 (rectangular) or 2 (hexagonal, by parity of `y`).
    pub classes: usize,
    /// Per source class, `height x height` row-major: `Y[j][b] = fy(dy(b, j))` for source rows
    /// `b` of the class, else 0.
    pub y: Vec<Vec<f32>>,
    /// Per source class and target class, `width x width` row-major: `X[i][a] = fx(dx)` from
    /// column `a` (source) to column `i` (target).
    pub x: Vec<Vec<Vec<f32>>>,
}

impl Smoothing {
    /// The matrices of neighbourhood `hood` with radii `sigma` on `grid`.
    ///
    /// # Panics
    /// If `hood` is not separable (the Mexican hat: batch training refuses it).
    pub fn new(grid: Grid, hood: Neighborhood, sigma: [f64; 2]) -> Self {
        let f = SmoothingFactors::new(grid, hood, sigma);
        let classes = f.classes;
        // Every entry depends on the index difference only (Toeplitz).
        let toeplitz = |n: usize, by_difference: &[f32], keep: &dyn Fn(usize) -> bool| -> Vec<f32> {
            let mut out = vec![0f32; n * n];
            for (i, row) in out.chunks_exact_mut(n).enumerate() {
                for (a, v) in row.iter_mut().enumerate() {
                    if keep(a) {
                        *v = by_difference[i + n - 1 - a];
                    }
                }
            }
            out
        };
        let y = (0..classes)
            .map(|pb| toeplitz(grid.height, &f.y, &|b| b % classes == pb))
            .collect();
        let x = (0..classes)
            .map(|pb| {
                (0..classes)
                    .map(|pj| toeplitz(grid.width, f.x(pb, pj), &|_| true))
                    .collect()
            })
            .collect();
        Self { classes, y, x }
    }
}

/// The factors of [`Smoothing`]'s matrices by index difference: each entry depends on the
/// difference of its two indices only (the matrices are Toeplitz), so `2n - 1` factors fill an
/// `n x n` matrix (an epoch's matrices of a 240 x 135 map took a millisecond from `n^2`
/// factors). The GPU's smoothing reads these tables directly.
#[derive(Clone, Debug, PartialEq)]
pub struct SmoothingFactors {
    /// Row classes, as in [`Smoothing`].
    pub classes: usize,
    /// Per (source class `pb`, target class `pj`), at `(pb * classes + pj) * (2 width - 1)`:
    /// `2 width - 1` x factors, entry `k` from column `a` to column `i` where `i - a = k -
    /// (width - 1)`.
    pub x: Vec<f32>,
    /// `2 height - 1` y factors, entry `k` from row `b` to row `j` where `j - b = k - (height -
    /// 1)`.
    pub y: Vec<f32>,
}

impl SmoothingFactors {
    /// The factors of neighbourhood `hood` with radii `sigma` on `grid`, rounded to `f32`.
    ///
    /// # Panics
    /// If `hood` is not separable (the Mexican hat: batch training refuses it).
    pub fn new(grid: Grid, hood: Neighborhood, sigma: [f64; 2]) -> Self {
        assert!(
            hood.separable(),
            "a batch epoch needs a separable neighbourhood, got {}",
            hood.name()
        );
        let classes = grid.row_classes();
        let by_difference = |n: usize, factor: &dyn Fn(f64) -> f64| -> Vec<f32> {
            (0..2 * n - 1)
                .map(|k| factor(k as f64 - (n - 1) as f64) as f32)
                .collect()
        };
        let y = by_difference(grid.height, &|k| {
            hood.factor(grid.wrap_y(k * grid.row_step()), sigma[1])
        });
        let mut x = Vec::with_capacity(classes * classes * (2 * grid.width - 1));
        for pb in 0..classes {
            for pj in 0..classes {
                let shift = grid.x_shift(pj) - grid.x_shift(pb);
                x.extend(by_difference(grid.width, &|k| {
                    hood.factor(grid.wrap_x(k + shift), sigma[0])
                }));
            }
        }
        Self { classes, x, y }
    }

    /// The x factors from source class `pb` to target class `pj`.
    pub fn x(&self, pb: usize, pj: usize) -> &[f32] {
        let len = self.x.len() / (self.classes * self.classes);
        let start = (pb * self.classes + pj) * len;
        &self.x[start..start + len]
    }
}

/// One online step's neighbourhood around the best unit `(bx, by)`, times the learning rate,
/// as per-axis rows: unit `(a, y)` moves by
/// `hx[y % classes][a] * cy[y] + ux[y % classes][a] * cy[y] + hx[y % classes][a] * uy[y]`
/// (the `u` rows are the Mexican hat's cross terms, empty for the other neighbourhoods).
/// `cy` and `uy` carry the learning rate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepRows {
    /// Row classes, as in [`Smoothing`].
    pub classes: usize,
    /// Per target class, `width` x factors.
    pub hx: Vec<Vec<f32>>,
    /// `height` y factors times the learning rate.
    pub cy: Vec<f32>,
    /// Per target class, `width` x cross terms (Mexican hat), else empty.
    pub ux: Vec<Vec<f32>>,
    /// `height` y cross terms times the learning rate (Mexican hat), else empty.
    pub uy: Vec<f32>,
}

impl StepRows {
    /// The rows of neighbourhood `hood` with radii `sigma` and learning rate `alpha` around
    /// unit `bmu` of `grid`. Values below [`GAUSSIAN_F32_FLOOR`] are 0 (no subnormals in the
    /// pass).
    pub fn new(grid: Grid, hood: Neighborhood, bmu: usize, sigma: [f64; 2], alpha: f64) -> Self {
        let mut rows = Self::default();
        rows.fill(grid, hood, bmu, sigma, alpha);
        rows
    }

    /// [`StepRows::new`] into these rows' buffers (an online pass refills one set a step,
    /// with no allocation once they have grown).
    ///
    /// The distances of one axis from the best unit are `(j + delta) * step` for whole `j`
    /// (`delta` 0, or 1/2 between rows of different parity on a hexagonal grid; `step` the
    /// row distance along y), wrapped on a torus: each factor is computed once per `j`, the
    /// Gaussian's by [`gaussian_ladder`] (three exponentials an axis, not one a unit).
    pub fn fill(&mut self, grid: Grid, hood: Neighborhood, bmu: usize, sigma: [f64; 2], alpha: f64) {
        let (bx, by) = grid.coords(bmu);
        let classes = grid.row_classes();
        let mexican = !hood.separable();
        let floor = |v: f64| {
            if v.abs() < GAUSSIAN_F32_FLOOR {
                0.0
            } else {
                v as f32
            }
        };
        // Whole steps j of every unit along an axis: |k + delta| wrapped, minus delta, for the
        // unit's index difference k.
        let steps = |k: f64, delta: f64, period: Option<f64>| -> usize {
            let d = (k + delta).abs();
            let d = period.map_or(d, |p| d.min(p - d));
            (d - delta.abs()).round() as usize
        };
        let wrap = |n: usize| grid.toroidal.then_some(n as f64);
        self.classes = classes;
        self.hx.resize_with(classes, Vec::new);
        self.ux.resize_with(if mexican { classes } else { 0 }, Vec::new);
        let mut by_step = Vec::new();
        for pj in 0..classes {
            let delta = grid.x_shift(pj) - grid.x_shift(by);
            // At most width - 1 whole steps: |k + delta| - |delta| < width for |k| < width.
            axis_factors(hood, delta.abs(), 1.0, sigma[0], grid.width, &mut by_step);
            let at = |a: usize| by_step[steps(a as f64 - bx as f64, delta, wrap(grid.width))];
            self.hx[pj].clear();
            self.hx[pj].extend((0..grid.width).map(|a| floor(at(a)[0])));
            if mexican {
                self.ux[pj].clear();
                self.ux[pj].extend((0..grid.width).map(|a| floor(at(a)[1])));
            }
        }
        axis_factors(hood, 0.0, grid.row_step(), sigma[1], grid.height, &mut by_step);
        let at = |y: usize| by_step[steps(y as f64 - by as f64, 0.0, wrap(grid.height))];
        self.cy.clear();
        self.cy.extend((0..grid.height).map(|y| floor(alpha * at(y)[0])));
        self.uy.clear();
        if mexican {
            self.uy.extend((0..grid.height).map(|y| floor(alpha * at(y)[1])));
        }
    }

    /// The move coefficient of unit `(a, y)` (tests and the portable paths).
    pub fn at(&self, a: usize, y: usize) -> f32 {
        let c = y % self.classes;
        let mut h = self.hx[c][a] * self.cy[y];
        if !self.uy.is_empty() {
            h += self.ux[c][a] * self.cy[y] + self.hx[c][a] * self.uy[y];
        }
        h
    }
}

/// `out[j] = [factor, cross]` of neighbourhood `hood` at distance `(j + delta) * step` with
/// radius `sigma`, for `j in 0..count` ([`Neighborhood::factor`], [`Neighborhood::cross`]; the
/// Gaussian parts by [`gaussian_ladder`]).
fn axis_factors(
    hood: Neighborhood,
    delta: f64,
    step: f64,
    sigma: f64,
    count: usize,
    out: &mut Vec<[f64; 2]>,
) {
    out.clear();
    match hood {
        Neighborhood::Gaussian | Neighborhood::MexicanHat => {
            // (j + delta)^2 step^2 / sigma^2 = (j + delta)^2 / (sigma / step)^2.
            let s = sigma / step;
            out.extend(
                gaussian_ladder(1.0, delta, s)
                    .take(count)
                    .enumerate()
                    .map(|(j, g)| {
                        let a = (j as f64 + delta) * (j as f64 + delta) / (s * s);
                        [g, -a * g]
                    }),
            );
        }
        _ => out.extend((0..count).map(|j| [hood.factor((j as f64 + delta) * step, sigma), 0.0])),
    }
}

/// `scale * exp(-(j + delta)^2 / sigma^2)` for `j = 0, 1, ...` by multiplications: with `g_0 =
/// scale * exp(-delta^2 / sigma^2)`, `g_{j+1} = g_j r_j` where `r_j = exp(-(2 (j + delta) + 1) /
/// sigma^2)` and `r_{j+1} = r_j q`, `q = exp(-2 / sigma^2)`: three exponentials for the whole
/// row. Term `j` has taken about `j^2 / 2` roundings, so it agrees with the direct formula to
/// within `j^2` ulps (tested): 2e-11 relative at `j = 300`, far below the half-ulp of the `f32`
/// it is rounded to (6e-8).
pub fn gaussian_ladder(scale: f64, delta: f64, sigma: f64) -> impl Iterator<Item = f64> {
    let s2 = sigma * sigma;
    let q = (-2.0 / s2).exp();
    let mut ratio = (-(2.0 * delta + 1.0) / s2).exp();
    let mut g = scale * (-(delta * delta) / s2).exp();
    std::iter::from_fn(move || {
        let out = g;
        g *= ratio;
        ratio *= q;
        Some(out)
    })
}

/// The 1-D Gaussian factor of the neighbourhood, `exp(-(c - j)^2 / sigma^2)` for `j in 0..n`.
///
/// The playbook's kernel has no factor 2 in the denominator; the 2-D neighbourhood is the outer
/// product of the x and y factors: `h(c, j) = gauss(cx, jx, sx) * gauss(cy, jy, sy)`.
pub fn gaussian_row(n: usize, center: usize, sigma: f64) -> Vec<f64> {
    let s2 = sigma * sigma;
    (0..n)
        .map(|j| {
            let d = center as f64 - j as f64;
            (-(d * d) / s2).exp()
        })
        .collect()
}

/// The `n` x `n` matrix `H[i][a] = exp(-(i - a)^2 / sigma^2)`, row-major, used to smooth per-unit
/// sums along one grid axis.
pub fn gaussian_matrix(n: usize, sigma: f64) -> Vec<f64> {
    // Toeplitz: H[i][a] depends on |i - a| only, so n exponentials fill all n^2 entries.
    let by_distance = gaussian_row(n, 0, sigma);
    (0..n)
        .flat_map(|i| (0..n).map(move |a| i.abs_diff(a)))
        .map(|k| by_distance[k])
        .collect()
}

/// Values of [`gaussian_row_f32`] below this are 0. The online pass multiplies two of them, and
/// a product of two values at or above 2^-63 is a normal `f32`: subnormal operands cost about a
/// hundred cycles each on x86 (a microcode assist), and made the last fifth of a run, where
/// sigma is small, four times slower a step. What is dropped moves a weight by less than
/// `2^-63 |x - w|`: under half an ulp of any weight above 2^-40.
pub const GAUSSIAN_F32_FLOOR: f64 = 1.0 / (1u64 << 63) as f64;

/// `scale * exp(-(c - j)^2 / sigma^2)` for `j in 0..n`, in `f32`, from two exponentials and a
/// recurrence (`g(c + k) = g(c + k - 1) r q^(k - 1)`), instead of `n` exponentials: at a few
/// hundred units per axis, the exponentials were a quarter of a step. Agrees with
/// [`gaussian_row`] to about 1e-13 relative (tested), except that values below
/// [`GAUSSIAN_F32_FLOOR`] are 0.
pub fn gaussian_row_f32(n: usize, center: usize, sigma: f64, scale: f64, out: &mut [f32]) {
    for dir in [1isize, -1] {
        // The ladder's first value is the centre's, written by both directions alike.
        let mut j = center as isize;
        for g in gaussian_ladder(scale, 0.0, sigma) {
            if j < 0 || j as usize >= n {
                break;
            }
            out[j as usize] = if g < GAUSSIAN_F32_FLOOR { 0.0 } else { g as f32 };
            j += dir;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Topology;

    /// Grids of every kind with odd and even sizes.
    fn grids() -> Vec<Grid> {
        let mut out = Vec::new();
        for (w, h) in [(5, 4), (4, 7), (1, 6), (6, 2)] {
            for t in Topology::ALL {
                for wrap in [false, true] {
                    let g = Grid::new(w, h).with_topology(t).with_toroidal(wrap);
                    if g.validate().is_ok() {
                        out.push(g);
                    }
                }
            }
        }
        out
    }

    /// The batch smoothing's and the online step's tables give `h(b, j)` of the 2-D formula
    /// at `Grid::delta(b, j)` for every pair of units.
    #[test]
    fn tables_are_the_neighbourhood_of_every_pair() {
        for grid in grids() {
            for hood in Neighborhood::ALL {
                let sigma = [1.7, 2.2];
                let (gx, gy) = (grid.width, grid.height);
                let plan = hood.separable().then(|| Smoothing::new(grid, hood, sigma));
                for b in 0..grid.units() {
                    let rows = StepRows::new(grid, hood, b, sigma, 0.5);
                    let (bx, by) = grid.coords(b);
                    for j in 0..grid.units() {
                        let (jx, jy) = grid.coords(j);
                        let (dx, dy) = grid.delta(b, j);
                        let want = hood.at(dx, dy, sigma);
                        let what = format!("{grid:?} {} b={b} j={j}", hood.name());
                        let step = rows.at(jx, jy) as f64;
                        assert!(
                            (step - 0.5 * want).abs() < 1e-6,
                            "{what}: step {step} vs {}",
                            0.5 * want
                        );
                        if let Some(plan) = &plan {
                            let pb = by % plan.classes;
                            let pj = jy % plan.classes;
                            let got = plan.y[pb][jy * gy + by] as f64 * plan.x[pb][pj][jx * gx + bx] as f64;
                            assert!((got - want).abs() < 1e-6, "{what}: smoothing {got} vs {want}");
                        }
                    }
                }
            }
        }
    }

    /// No factor of a step is below the floor but 0 (the online pass gets no subnormals), on
    /// radii small enough that most of the exact values are.
    #[test]
    fn step_rows_have_no_values_below_the_floor() {
        for grid in grids() {
            for hood in [Neighborhood::Gaussian, Neighborhood::MexicanHat] {
                let rows = StepRows::new(grid, hood, grid.units() / 2, [0.15, 0.12], 0.5);
                let all = rows
                    .hx
                    .iter()
                    .chain(&rows.ux)
                    .flatten()
                    .chain(&rows.cy)
                    .chain(&rows.uy);
                let (mut zeros, mut n) = (0, 0);
                for &v in all {
                    assert!(
                        v == 0.0 || (v.abs() as f64) >= GAUSSIAN_F32_FLOOR,
                        "{grid:?} {}: {v:e}",
                        hood.name()
                    );
                    zeros += usize::from(v == 0.0);
                    n += 1;
                }
                assert!(zeros > 0 || n < 6, "{grid:?}: the radii must reach the floor");
            }
        }
    }

    /// The names the CLI and model files use, both ways.
    #[test]
    fn names_round_trip() {
        let names: Vec<&str> = Neighborhood::ALL.iter().map(|n| n.name()).collect();
        assert_eq!(names, ["gaussian", "bubble", "triangle", "mexican-hat"]);
        for hood in Neighborhood::ALL {
            assert_eq!(Neighborhood::from_name(hood.name()), Some(hood));
        }
        assert_eq!(Neighborhood::from_name("mexican_hat"), None);
    }

    /// The ladder against `exp` term by term, from whole and half-unit offsets, over a few
    /// hundred terms, within the `j^2` ulps its roundings allow (see `gaussian_ladder`) plus
    /// the direct formula's own error: its exponent `a = d^2 / sigma^2` is rounded, which
    /// `exp(-a)` turns into a relative error of about `a` ulps.
    #[test]
    fn the_gaussian_ladder_is_the_gaussian() {
        for &(delta, sigma) in &[
            (0.0, 120.0),
            (0.5, 3.5),
            (0.0, 0.3),
            (0.5, 40.0),
            (0.0, 2.0 / crate::grid::HEX_ROW),
        ] {
            for (j, g) in gaussian_ladder(0.35, delta, sigma).take(300).enumerate() {
                let d = j as f64 + delta;
                let want = 0.35 * (-(d * d) / (sigma * sigma)).exp();
                if want < 1e-290 {
                    break;
                }
                let a = d * d / (sigma * sigma);
                let bound = 2.0 * ((j * j + 1) as f64 + a) * f64::EPSILON;
                assert!(
                    ((g - want) / want).abs() < bound,
                    "delta {delta} sigma {sigma} j {j}: {g} vs {want}"
                );
            }
        }
    }

    #[test]
    fn gaussian_matrix_rows_are_gaussian_rows() {
        let h = gaussian_matrix(5, 1.7);
        for i in 0..5 {
            assert_eq!(&h[i * 5..(i + 1) * 5], &gaussian_row(5, i, 1.7)[..]);
        }
    }

    #[test]
    fn gaussian_is_one_at_the_centre_and_symmetric() {
        let r = gaussian_row(7, 3, 2.0);
        assert_eq!(r[3], 1.0);
        assert_eq!(r[1], r[5]);
        assert!((r[4] - (-0.25f64).exp()).abs() < 1e-15);
    }

    #[test]
    fn recurrence_matches_direct_exponentials() {
        for &(n, c, sigma) in &[
            (1, 0, 2.0),
            (240, 17, 120.0),
            (135, 134, 3.5),
            (40, 20, 2.0),
            (9, 4, 0.3),
        ] {
            let mut out = vec![0f32; n];
            gaussian_row_f32(n, c, sigma, 0.35, &mut out);
            for (j, (g, want)) in out.iter().zip(gaussian_row(n, c, sigma)).enumerate() {
                let want = 0.35 * want;
                if (want / GAUSSIAN_F32_FLOOR - 1.0).abs() < 1e-12 {
                    continue; // on the floor, 1e-13 either way: either answer is right
                }
                if want < GAUSSIAN_F32_FLOOR {
                    assert_eq!(*g, 0.0, "n={n} c={c} sigma={sigma} j={j}: below the floor");
                    continue;
                }
                // Both are f64 values (1e-13 apart) rounded to f32: at most an ulp apart, 1.2e-7
                // relative.
                let want = want as f32;
                assert!(
                    (g - want).abs() <= 1e-6 * want,
                    "n={n} c={c} sigma={sigma} j={j}: {g} vs {want}"
                );
            }
        }
    }
}
