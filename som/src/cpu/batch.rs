//! One batch epoch on plain slices: fused search, per-unit sums, separable smoothing.

use super::bmu::Candidate;
use super::search;
use crate::distance::Distance;
use crate::grid::Grid;
use crate::neighborhood::{Smoothing, DEN_EPS};
use crate::spec::MapSpec;

/// What an epoch reports besides the new weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// Quantization error of the weights the epoch started from (free: the search computes it).
    pub quantization_error: f64,
}

/// Quantization error from search results in distance `dist` ([`search::distance`]).
pub fn qe_from_candidates(data: &[f32], d: usize, best: &[Candidate], dist: Distance) -> f64 {
    qe_sum(0.0, data, d, best, dist) / best.len().max(1) as f64
}

/// `total` plus the distances behind a quantization error, added in example order: a fold that
/// ranks continue from one another (`crate::distributed`).
pub(crate) fn qe_sum(total: f64, data: &[f32], d: usize, best: &[Candidate], dist: Distance) -> f64 {
    data.chunks_exact(d)
        .zip(best)
        .fold(total, |acc, (x, c)| acc + search::distance(dist, x, c.score))
}

/// One batch epoch of the map `spec`: returns the new `m x d` weights `W_j = sum_i h(b_i, j) x_i
/// / (sum_i h(b_i, j) + 1e-8)` computed as `num = Hx S Hy^T`, `den = Hx C Hy^T` from per-unit
/// sums `S` and counts `C` ([`Smoothing`]).
///
/// # Panics
/// If the lengths of `w` and `data` do not fit `spec` and `d`, or the neighbourhood is the
/// Mexican hat.
pub fn epoch(w: &[f32], data: &[f32], d: usize, spec: MapSpec, sigma: [f64; 2]) -> (Vec<f32>, EpochStats) {
    let grid = spec.grid;
    let (gx, gy) = (grid.width, grid.height);
    let m = grid.units();
    assert_eq!(
        w.len(),
        m * d,
        "weights: {} values for a {gx} x {gy} map of dimension {d}",
        w.len()
    );
    let best = search::best1(w, m, d, data, spec.distance);
    let stats = EpochStats {
        quantization_error: qe_from_candidates(data, d, &best, spec.distance),
    };
    (update(data, d, &best, w, spec, sigma), stats)
}

/// The second half of [`epoch`]: the new `m x d` weights from every example's best unit
/// (`best[i].index` for row `i` of `data`) and the weights `w` the epoch started from (kept
/// where a compact neighbourhood reaches no example). Public so that a search done another way
/// (for example on operands rounded to a lower precision, `benches`' `precision-cost`) trains
/// the same way.
///
/// # Panics
/// If `best` and `data` differ in their number of rows, or a unit lies outside the grid.
pub fn update(
    data: &[f32],
    d: usize,
    best: &[Candidate],
    w: &[f32],
    spec: MapSpec,
    sigma: [f64; 2],
) -> Vec<f32> {
    let grid = spec.grid;
    let m = grid.units();
    assert_eq!(
        data.len(),
        best.len() * d,
        "update: {} best units for {} values of dimension {d}",
        best.len(),
        data.len()
    );
    let mut s = vec![0f32; m * (d + 1)];
    accumulate(&mut s, data, d, best, grid);
    smooth_and_divide(&s, d, w, spec, sigma)
}

/// Adds every example of `data` to the sums and counts `s` of its best unit, laid out
/// `(y, x, d + 1)` so that the first smoothing is one GEMM. In example order: a fixed order, so
/// the bits depend neither on threads nor on how many ranks share the data (each continues the
/// previous rank's sums, `crate::distributed`).
pub(crate) fn accumulate(s: &mut [f32], data: &[f32], d: usize, best: &[Candidate], grid: Grid) {
    let (gx, c) = (grid.width, d + 1);
    for (x, b) in data.chunks_exact(d).zip(best) {
        let (bx, by) = grid.coords(b.index as usize);
        let cell = &mut s[(by * gx + bx) * c..(by * gx + bx + 1) * c];
        for (acc, v) in cell.iter_mut().zip(x) {
            *acc += v;
        }
        cell[d] += 1.0;
    }
}

/// `C = A B` for row-major `A` (`r x k`) and `B` (`k x cols`).
fn gemm(r: usize, k: usize, cols: usize, a: &[f32], b: &[f32], out: &mut [f32]) {
    assert!(a.len() == r * k && b.len() == k * cols && out.len() == r * cols);
    // SAFETY: the slices hold r*k, k*cols and r*cols values laid out row-major with the
    // strides given, as the assert checks.
    unsafe {
        matrixmultiply::sgemm(
            r,
            k,
            cols,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            cols as isize,
            1,
            0.0,
            out.as_mut_ptr(),
            cols as isize,
            1,
        );
    }
}

/// Smooths per-unit sums and counts `s` (layout `(y, x, d + 1)`) with the separable
/// neighbourhood of `spec` and divides: returns the `m x d` weights in unit order (a unit a
/// compact neighbourhood does not reach keeps its weights in `old`).
pub(crate) fn smooth_and_divide(
    s: &[f32],
    d: usize,
    old: &[f32],
    spec: MapSpec,
    sigma: [f64; 2],
) -> Vec<f32> {
    let grid = spec.grid;
    let (gx, gy) = (grid.width, grid.height);
    let c = d + 1;
    let plan = Smoothing::new(grid, spec.neighborhood, sigma);
    let mut u = vec![0f32; s.len()];
    let mut ut = vec![0f32; s.len()];
    let mut v = vec![0f32; s.len()];
    // Hexagonal only: each target parity's share before it is added.
    let mut part = vec![0f32; if plan.classes > 1 { s.len() } else { 0 }];
    for pb in 0..plan.classes {
        // Along y: U[j, (a, :)] = sum_b Y[j, b] S[b, (a, :)]: one (gy x gy) by (gy x gx*c) GEMM.
        gemm(gy, gy, gx * c, &plan.y[pb], s, &mut u);
        // Re-lay (y, x, :) as (x, y, :), then along x: V[i, (j, :)] = sum_a X[i, a] U[a, (j, :)].
        for j in 0..gy {
            for a in 0..gx {
                ut[(a * gy + j) * c..(a * gy + j + 1) * c]
                    .copy_from_slice(&u[(j * gx + a) * c..(j * gx + a + 1) * c]);
            }
        }
        if plan.classes == 1 {
            gemm(gx, gx, gy * c, &plan.x[0][0], &ut, &mut v);
            continue;
        }
        // Hexagonal: each target row parity pj takes its own x matrix.
        for pj in 0..plan.classes {
            gemm(gx, gx, gy * c, &plan.x[pb][pj], &ut, &mut part);
            for i in 0..gx {
                for j in (pj..gy).step_by(plan.classes) {
                    let at = (i * gy + j) * c;
                    for (acc, p) in v[at..at + c].iter_mut().zip(&part[at..at + c]) {
                        *acc += p;
                    }
                }
            }
        }
    }
    let keep = spec.neighborhood.keeps_unreached();
    let mut w = Vec::with_capacity(gx * gy * d);
    for (cell, old) in v.chunks_exact(c).zip(old.chunks_exact(d)) {
        if keep && cell[d] == 0.0 {
            w.extend_from_slice(old);
            continue;
        }
        let den = cell[d] + DEN_EPS;
        w.extend(cell[..d].iter().map(|num| num / den));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighborhood::Neighborhood;
    use crate::reference;
    use burnax_testing::Tolerance;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn epoch_matches_reference() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for &(gx, gy, n, d) in &[(1, 1, 5, 3), (1, 7, 20, 1), (5, 3, 40, 3), (6, 9, 50, 64)] {
            let grid = Grid::new(gx, gy);
            let m = grid.units();
            let data: Vec<f32> = (0..n * d).map(|_| rng.random()).collect();
            let w: Vec<f32> = (0..m * d).map(|_| rng.random()).collect();
            let sigma = [gx as f64 / 2.0 + 0.3, gy as f64 / 3.0 + 0.5];
            let (got, stats) = epoch(&w, &data, d, grid.into(), sigma);
            let to64 =
                |v: &[f32], r| Array2::from_shape_vec((r, d), v.iter().map(|&x| x as f64).collect()).unwrap();
            let (data64, w64) = (to64(&data, n), to64(&w, m));
            let want = reference::batch_epoch(data64.view(), w64.view(), grid, sigma);
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(
                    Tolerance::F32_VS_F64.accepts(*g as f64, *w),
                    "{gx}x{gy} n={n} d={d}: {g} vs {w}"
                );
            }
            let qe = reference::quantization_error(data64.view(), w64.view(), Distance::Euclidean);
            assert!(
                Tolerance::F32_VS_F64.accepts(stats.quantization_error, qe),
                "{} vs {qe}",
                stats.quantization_error
            );
        }
    }

    /// A unit that no example's neighbourhood reaches is decided by the playbook's guard
    /// `num / (den + 1e-8)` (`den` is exp(-25) here): the same as the reference's.
    #[test]
    fn a_unit_out_of_every_neighbourhood_matches_reference() {
        let grid = Grid::new(1, 3);
        let (data, w) = ([2.0f32, -1.0], [2.0f32, -1.0, 5.0, 5.0, 9.0, 9.0]);
        let sigma = [1.0, 0.4];
        let (got, _) = epoch(&w, &data, 2, grid.into(), sigma);
        let to64 =
            |v: &[f32], r| Array2::from_shape_vec((r, 2), v.iter().map(|&x| x as f64).collect()).unwrap();
        let want = reference::batch_epoch(to64(&data, 1).view(), to64(&w, 3).view(), grid, sigma);
        for (g, w) in got.iter().zip(want.iter()) {
            assert!(Tolerance::F32_VS_F64.accepts(*g as f64, *w), "{g} vs {w}");
        }
        assert!(
            got[4].abs() < 0.01,
            "unit 2 stays near 0, not at the example: {got:?}"
        );
    }

    /// The epoch's quantization error (of the weights it starts from, from the search's scores)
    /// is the reference's in every distance: the scores turn back into distances.
    #[test]
    fn the_epoch_reports_its_start_s_quantization_error_in_every_distance() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (grid, n, d) = (Grid::new(4, 3), 30, 3);
        let data: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>() - 0.3).collect();
        let w: Vec<f32> = (0..grid.units() * d).map(|_| rng.random::<f32>() - 0.3).collect();
        let to64 =
            |v: &[f32], r| Array2::from_shape_vec((r, d), v.iter().map(|&x| x as f64).collect()).unwrap();
        for dist in Distance::ALL {
            let spec = MapSpec::from(grid).with_distance(dist);
            let (_, stats) = epoch(&w, &data, d, spec, [1.5, 1.2]);
            let want =
                reference::quantization_error(to64(&data, n).view(), to64(&w, grid.units()).view(), dist);
            assert!(
                Tolerance::F32_VS_F64.accepts(stats.quantization_error, want),
                "{}: {} vs {want}",
                dist.name(),
                stats.quantization_error
            );
        }
    }

    /// Where the Gaussian's count underflows to exactly 0 the guard still decides (the unit
    /// goes to 0, as in the playbook and the reference); only a bubble or a triangle keeps
    /// the unit's weights (`Neighborhood::keeps_unreached`).
    #[test]
    fn only_a_compact_neighbourhood_keeps_an_unreached_unit() {
        let grid = Grid::new(1, 3);
        let (data, w) = ([2.0f32, -1.0], [2.0f32, -1.0, 5.0, 5.0, 9.0, 9.0]);
        // exp(-4 / 0.05^2) is 0 in f32 and f64.
        let sigma = [1.0, 0.05];
        for hood in [
            Neighborhood::Gaussian,
            Neighborhood::Bubble,
            Neighborhood::Triangle,
        ] {
            let spec = MapSpec::from(grid).with_neighborhood(hood);
            let (got, _) = epoch(&w, &data, 2, spec, sigma);
            let kept = if hood == Neighborhood::Gaussian {
                [0.0, 0.0]
            } else {
                [9.0, 9.0]
            };
            assert_eq!(got[4..], kept, "{}: {got:?}", hood.name());
        }
    }
}
