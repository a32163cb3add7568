//! Online training on plain slices: one pass over the map per step.
//!
//! Step `t` moves every unit towards example `x_t` and, in the same pass, measures the squared
//! distance of the moved unit to the next example `x_{t+1}`: the best-matching unit of step
//! `t + 1` is known when step `t` ends, and the map is read and written once per step.

use std::ops::Range;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::LANES;
#[cfg(test)]
use crate::grid::gaussian_row;
use crate::grid::Grid;
use crate::schedule::OnlineTrainingConfig;

/// Maps with at least this many weights split each step's pass over two or more threads; below
/// it, meeting the other threads every step costs more than the work it shares.
const PARALLEL_MIN_WEIGHTS: usize = 1 << 15;

/// The map laid out for the pass: grid row after grid row (x), each row split in tiles of
/// [`LANES`] units (y, padded), each tile holding `d` lane-contiguous coordinates.
struct Layout {
    grid: Grid,
    d: usize,
    tiles_per_row: usize,
}

impl Layout {
    fn row_len(&self) -> usize {
        self.tiles_per_row * self.d * LANES
    }

    /// Where coordinate 0 of unit `j` lives; coordinate `k` is `LANES * k` further.
    fn offset(&self, j: usize) -> usize {
        let (x, y) = self.grid.coords(j);
        x * self.row_len() + (y / LANES) * self.d * LANES + y % LANES
    }

    fn pack(&self, w: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; self.grid.width * self.row_len()];
        for (j, row) in w.chunks_exact(self.d).enumerate() {
            let base = self.offset(j);
            for (k, &v) in row.iter().enumerate() {
                out[base + k * LANES] = v;
            }
        }
        out
    }

    fn unpack(&self, packed: &[f32], w: &mut [f32]) {
        for (j, row) in w.chunks_exact_mut(self.d).enumerate() {
            let base = self.offset(j);
            for (k, v) in row.iter_mut().enumerate() {
                *v = packed[base + k * LANES];
            }
        }
    }
}

/// Per-step parameters of the pass.
pub(super) struct Pass<'a> {
    /// Example of this step (`None`: no update, only measure, for the first search).
    pub(super) x: Option<&'a [f32]>,
    /// Example whose distances are measured after the update.
    pub(super) next: &'a [f32],
    /// `h_x(a)` for every grid row `a`.
    pub(super) hx: &'a [f32],
    /// `alpha * h_y(y)` for every padded column (0 on padding).
    pub(super) cy: &'a [f32],
    /// 0 for real columns, `+inf` for padding, added to distances.
    pub(super) pen: &'a [f32],
    pub(super) lo: f32,
    pub(super) hi: f32,
}

/// Runs the pass over grid rows `first_row..` held in `rows`; returns the best (distance, unit).
/// Dispatches to the AVX2+FMA pass where the CPU has it, else to the portable one.
#[inline]
fn pass_rows(
    rows: &mut [f32],
    first_row: usize,
    d: usize,
    height: usize,
    tiles_per_row: usize,
    p: &Pass,
) -> (f32, usize) {
    #[cfg(target_arch = "x86_64")]
    if super::x86::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above); `train` lays out `rows`
        // and the slices of `p` as the kernel requires.
        return unsafe { super::x86::pass_rows(rows, first_row, d, height, tiles_per_row, p) };
    }
    pass_rows_portable(rows, first_row, d, height, tiles_per_row, p)
}

/// [`pass_rows`] in portable Rust over lane arrays.
fn pass_rows_portable(
    rows: &mut [f32],
    first_row: usize,
    d: usize,
    height: usize,
    tiles_per_row: usize,
    p: &Pass,
) -> (f32, usize) {
    let row_len = tiles_per_row * d * LANES;
    let mut bv = [f32::INFINITY; LANES];
    let mut bi = [0u32; LANES];
    for (r, row) in rows.chunks_exact_mut(row_len).enumerate() {
        let a = first_row + r;
        let cx = p.hx[a];
        for (tt, tile) in row.chunks_exact_mut(d * LANES).enumerate() {
            let y0 = tt * LANES;
            let cy: &[f32; LANES] = p.cy[y0..y0 + LANES]
                .try_into()
                .expect("cy is padded to whole tiles");
            let mut dist: [f32; LANES] = p.pen[y0..y0 + LANES]
                .try_into()
                .expect("pen is padded to whole tiles");
            let mut c = [0f32; LANES];
            for l in 0..LANES {
                c[l] = cx * cy[l];
            }
            for (k, w) in tile.chunks_exact_mut(LANES).enumerate() {
                let w: &mut [f32; LANES] = w.try_into().expect("chunks_exact_mut(LANES)");
                let nk = p.next[k];
                if let Some(x) = p.x {
                    let xk = x[k];
                    for l in 0..LANES {
                        let v = w[l] + c[l] * (xk - w[l]);
                        w[l] = v.max(p.lo).min(p.hi);
                    }
                }
                for l in 0..LANES {
                    let df = nk - w[l];
                    dist[l] += df * df;
                }
            }
            let idx0 = (a * height + y0) as u32;
            for l in 0..LANES {
                let lt = dist[l] < bv[l];
                bv[l] = if lt { dist[l] } else { bv[l] };
                bi[l] = if lt { idx0 + l as u32 } else { bi[l] };
            }
        }
    }
    let mut best = (f32::INFINITY, usize::MAX);
    for l in 0..LANES {
        let cand = (bv[l], bi[l] as usize);
        if cand.0 < best.0 || (cand.0 == best.0 && cand.1 < best.1) {
            best = cand;
        }
    }
    best
}

/// `exp(-(c - j)^2 / sigma^2)` for `j in 0..n`, in `f32`, from two exponentials and a
/// recurrence (`g(c + k) = g(c + k - 1) r q^(k - 1)`), instead of `n` exponentials: at a few
/// hundred units per axis, the exponentials were a quarter of a step. Agrees with
/// [`gaussian_row`](crate::grid::gaussian_row) to about 1e-13 relative (tested).
pub fn gaussian_row_f32(n: usize, center: usize, sigma: f64, scale: f64, out: &mut [f32]) {
    let s2 = sigma * sigma;
    let r = (-1.0 / s2).exp(); // g(c + 1) / g(c)
    let q = (-2.0 / s2).exp(); // ratio of successive ratios
    out[center] = scale as f32;
    for dir in [1isize, -1] {
        let (mut g, mut ratio) = (scale, r);
        let mut j = center as isize + dir;
        while j >= 0 && (j as usize) < n {
            g *= ratio;
            ratio *= q;
            out[j as usize] = g as f32;
            j += dir;
        }
    }
}

/// A reusable barrier for a fixed set of threads that spins briefly, then yields: a step takes
/// microseconds, so sleeping in the kernel would cost more than the step.
struct SpinBarrier {
    arrived: AtomicUsize,
    generation: AtomicUsize,
    threads: usize,
}

impl SpinBarrier {
    fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
        } else {
            let mut spins = 0u32;
            while self.generation.load(Ordering::Acquire) == generation {
                if spins < 4096 {
                    std::hint::spin_loop();
                    spins += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }
}

/// A candidate (distance, unit) packed in a `u64`: distance bits high, unit low. Distances are
/// non-negative, so the bits order like the values, and the packed order is (distance, unit).
fn pack(best: (f32, usize)) -> u64 {
    let unit = if best.1 == usize::MAX {
        u32::MAX
    } else {
        best.1 as u32
    };
    ((best.0.to_bits() as u64) << 32) | unit as u64
}

/// The unit of a packed candidate.
fn unpack(v: u64) -> usize {
    let unit = (v & 0xffff_ffff) as u32;
    // All distances infinite (overflow) cannot pick a unit: unit 0, as argmin would.
    if unit == u32::MAX {
        0
    } else {
        unit as usize
    }
}

/// The unit of a pass's best candidate (unit 0 when no distance was finite, as argmin would).
fn chosen(best: (f32, usize)) -> usize {
    if best.1 == usize::MAX {
        0
    } else {
        best.1
    }
}

/// Trains the `m x d` row-major weights `w` in place with steps `steps` of the online schedule
/// `cfg`; step `t` uses example `order[t]` of `data` (`n x d`, row-major).
///
/// Large maps are split by grid rows over persistent threads (one per core, at most one per
/// row) that meet once per step to agree on the next best unit; the split does not change the
/// result. Running `a..b` then `b..c` gives the same bits as `a..c`: checkpointing does not
/// change a run.
///
/// # Panics
/// If shapes disagree, `order` is shorter than `steps.end`, or an index in it is out of range.
pub fn train(
    w: &mut [f32],
    data: &[f32],
    d: usize,
    grid: Grid,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
    steps: Range<usize>,
) {
    let m = grid.units();
    assert_eq!(
        w.len(),
        m * d,
        "weights: {} values for {m} units of dimension {d}",
        w.len()
    );
    assert!(
        order.len() >= steps.end,
        "order has {} entries, steps go to {}",
        order.len(),
        steps.end
    );
    if steps.is_empty() {
        return;
    }
    let n = data.len() / d;
    if let Some((t, &i)) = order[steps.clone()].iter().enumerate().find(|(_, &i)| i >= n) {
        panic!(
            "order[{}] = {i} is out of range for {n} examples",
            steps.start + t
        );
    }
    let example = |t: usize| &data[order[t] * d..(order[t] + 1) * d];
    let layout = Layout {
        grid,
        d,
        tiles_per_row: grid.height.div_ceil(LANES),
    };
    let mut packed = layout.pack(w);
    let y_pad = layout.tiles_per_row * LANES;
    let pen: Vec<f32> = (0..y_pad)
        .map(|y| if y < grid.height { 0.0 } else { f32::INFINITY })
        .collect();
    let (lo, hi) = cfg
        .clip
        .map_or((f32::NEG_INFINITY, f32::INFINITY), |[lo, hi]| (lo, hi));

    // The first best unit, before any update.
    let zeros_x = vec![0f32; grid.width];
    let zeros_y = vec![0f32; y_pad];
    let first = Pass {
        x: None,
        next: example(steps.start),
        hx: &zeros_x,
        cy: &zeros_y,
        pen: &pen,
        lo,
        hi,
    };
    let first = pass_rows(&mut packed, 0, d, grid.height, layout.tiles_per_row, &first);
    let first_bmu = chosen(first);

    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let threads = if m * d >= PARALLEL_MIN_WEIGHTS {
        cores.min(grid.width)
    } else {
        1
    };
    let rows_per_thread = grid.width.div_ceil(threads);
    let threads = grid.width.div_ceil(rows_per_thread);
    let barrier = SpinBarrier {
        arrived: AtomicUsize::new(0),
        generation: AtomicUsize::new(0),
        threads,
    };
    let slots: Vec<[AtomicU64; 2]> = (0..threads)
        .map(|_| [AtomicU64::new(0), AtomicU64::new(0)])
        .collect();

    // What every worker runs on its rows: all compute the same step parameters, each updates
    // its rows, then they exchange their best candidates and all pick the same next unit.
    let worker = |rows: &mut [f32], index: usize| {
        let first_row = index * rows_per_thread;
        let mut hx = vec![0f32; grid.width];
        let mut cy = vec![0f32; y_pad];
        let mut bmu = first_bmu;
        for t in steps.clone() {
            let step = cfg.step_at(grid, t);
            let (bx, by) = grid.coords(bmu);
            gaussian_row_f32(grid.width, bx, step.sigma[0], 1.0, &mut hx);
            gaussian_row_f32(grid.height, by, step.sigma[1], step.alpha, &mut cy);
            let next = if t + 1 < steps.end {
                example(t + 1)
            } else {
                example(t)
            };
            let p = Pass {
                x: Some(example(t)),
                next,
                hx: &hx,
                cy: &cy,
                pen: &pen,
                lo,
                hi,
            };
            let best = pass_rows(rows, first_row, d, grid.height, layout.tiles_per_row, &p);
            if threads == 1 {
                bmu = chosen(best);
                continue;
            }
            slots[index][t % 2].store(pack(best), Ordering::Relaxed);
            barrier.wait();
            bmu = unpack(
                slots
                    .iter()
                    .map(|s| s[t % 2].load(Ordering::Relaxed))
                    .min()
                    .expect("one slot per worker"),
            );
        }
    };
    if threads == 1 {
        worker(&mut packed, 0);
    } else {
        std::thread::scope(|scope| {
            let mut chunks = packed.chunks_mut(rows_per_thread * layout.row_len()).enumerate();
            let (_, own) = chunks.next().expect("at least one row");
            for (i, rows) in chunks {
                let worker = &worker;
                scope.spawn(move || worker(rows, i));
            }
            worker(own, 0);
        });
    }
    layout.unpack(&packed, w);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn matches_reference_and_checkpointing_is_invisible() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for &(gx, gy, n, d, clip) in &[
            (1, 1, 4, 3, false),
            (3, 17, 30, 3, true),
            (7, 5, 20, 1, false),
            (40, 50, 25, 4, true),
            (70, 120, 30, 4, true),
        ] {
            let grid = Grid::new(gx, gy);
            let m = grid.units();
            let data: Vec<f32> = (0..n * d).map(|_| rng.random()).collect();
            let w0: Vec<f32> = (0..m * d).map(|_| rng.random::<f32>() * 1.2 - 0.1).collect();
            let steps = 60;
            let order: Vec<usize> = (0..steps).map(|_| rng.random_range(0..n)).collect();
            let cfg = OnlineTrainingConfig::new(steps).with_clip(clip.then_some([0.0, 1.0]));
            let mut w = w0.clone();
            train(&mut w, &data, d, grid, &cfg, &order, 0..steps);
            let to64 =
                |v: &[f32], r| Array2::from_shape_vec((r, d), v.iter().map(|&x| x as f64).collect()).unwrap();
            let want = reference::train_online(to64(&data, n).view(), to64(&w0, m), grid, &cfg, &order);
            for (g, r) in w.iter().zip(want.iter()) {
                assert!(
                    (*g as f64 - r).abs() <= 1e-4 * r.abs() + 1e-6,
                    "{gx}x{gy}: {g} vs {r}"
                );
            }
            let mut w2 = w0.clone();
            train(&mut w2, &data, d, grid, &cfg, &order, 0..17);
            train(&mut w2, &data, d, grid, &cfg, &order, 17..steps);
            assert_eq!(w, w2, "{gx}x{gy}: split run differs");
        }
    }
}

#[cfg(test)]
mod portable_tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The portable pass (used on CPUs without AVX2) agrees with the dispatched one.
    #[test]
    fn portable_pass_agrees_with_dispatched() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let (gx, gy, d): (usize, usize, usize) = (5, 11, 3);
        let tiles_per_row = gy.div_ceil(LANES);
        let y_pad = tiles_per_row * LANES;
        let mut rows: Vec<f32> = (0..gx * tiles_per_row * d * LANES)
            .map(|_| rng.random())
            .collect();
        let mut rows2 = rows.clone();
        let x: Vec<f32> = (0..d).map(|_| rng.random()).collect();
        let next: Vec<f32> = (0..d).map(|_| rng.random()).collect();
        let hx: Vec<f32> = (0..gx).map(|_| rng.random()).collect();
        let cy: Vec<f32> = (0..y_pad)
            .map(|y| if y < gy { rng.random() } else { 0.0 })
            .collect();
        let pen: Vec<f32> = (0..y_pad)
            .map(|y| if y < gy { 0.0 } else { f32::INFINITY })
            .collect();
        let p = Pass {
            x: Some(&x),
            next: &next,
            hx: &hx,
            cy: &cy,
            pen: &pen,
            lo: 0.1,
            hi: 0.9,
        };
        let a = pass_rows(&mut rows, 0, d, gy, tiles_per_row, &p);
        let b = pass_rows_portable(&mut rows2, 0, d, gy, tiles_per_row, &p);
        assert_eq!(a.1, b.1);
        for (u, v) in rows.iter().zip(&rows2) {
            assert!((u - v).abs() <= 1e-6, "{u} vs {v}");
        }
    }
}

#[cfg(test)]
mod gaussian_tests {
    use super::*;

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
                let want = (0.35 * want) as f32;
                assert!(
                    (g - want).abs() <= 1e-6 * want + 1e-38,
                    "n={n} c={c} sigma={sigma} j={j}: {g} vs {want}"
                );
            }
        }
    }
}
