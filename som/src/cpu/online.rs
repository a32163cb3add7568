//! Online training on plain slices: one pass over the map per step.
//!
//! Step `t` moves every unit towards example `x_t` and, in the same pass, measures the squared
//! distance of the moved unit to the next example `x_{t+1}`: the best-matching unit of step
//! `t + 1` is known when step `t` ends, and the map is read and written once per step.

use std::ops::Range;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use pulp::{Simd, WithSimd};

use super::barrier::Barrier;
use super::contention::{ChooseThreads, ThreadChooser};
use super::simd::{f32_lanes, keep_min, lane_offsets, lane_parity, u32_lanes, Isa};
use crate::distance::{unit_rows, Distance};
use crate::grid::Grid;
use crate::neighborhood::{gaussian_row_f32, Neighborhood, StepRows};
use crate::schedule::OnlineTrainingConfig;
use crate::spec::MapSpec;

/// Maps with at least this many weights split each step's pass over two or more threads; below
/// it, meeting the other threads every step costs more than the work it shares.
const PARALLEL_MIN_WEIGHTS: usize = 1 << 15;

/// Steps per segment, each run over a thread count chosen anew ([`ThreadChooser`]): long enough
/// that starting the threads (tens of microseconds) is lost in it, short enough to notice a
/// busy machine within a fraction of a second.
const SEGMENT: usize = 1024;

/// The map laid out for the pass: grid row after grid row (x), each row split in tiles of
/// `lanes` units (y, padded; one SIMD register of the instruction set the pass runs on), each
/// tile holding `d` lane-contiguous coordinates.
struct Layout {
    grid: Grid,
    d: usize,
    lanes: usize,
    tiles_per_row: usize,
}

impl Layout {
    fn new(grid: Grid, d: usize, lanes: usize) -> Self {
        Self {
            grid,
            d,
            lanes,
            tiles_per_row: grid.height.div_ceil(lanes),
        }
    }

    fn row_len(&self) -> usize {
        self.tiles_per_row * self.d * self.lanes
    }

    /// Padded columns of a row.
    fn y_pad(&self) -> usize {
        self.tiles_per_row * self.lanes
    }

    /// Where coordinate 0 of unit `j` lives; coordinate `k` is `lanes * k` further.
    fn offset(&self, j: usize) -> usize {
        let (x, y) = self.grid.coords(j);
        x * self.row_len() + (y / self.lanes) * self.d * self.lanes + y % self.lanes
    }

    fn pack(&self, w: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; self.grid.width * self.row_len()];
        for (j, row) in w.chunks_exact(self.d).enumerate() {
            let base = self.offset(j);
            for (k, &v) in row.iter().enumerate() {
                out[base + k * self.lanes] = v;
            }
        }
        out
    }

    fn unpack(&self, packed: &[f32], w: &mut [f32]) {
        for (j, row) in w.chunks_exact_mut(self.d).enumerate() {
            let base = self.offset(j);
            for (k, v) in row.iter_mut().enumerate() {
                *v = packed[base + k * self.lanes];
            }
        }
    }
}

/// Per-step parameters of the pass.
struct Pass<'a> {
    /// Example of this step (`None`: no update, only measure, for the first search).
    x: Option<&'a [f32]>,
    /// Example whose distances are measured after the update (a unit row for the cosine).
    next: &'a [f32],
    /// The playbook's map: `h_x(a)` for every grid row `a`. Any other map: for every grid row,
    /// the x factors of its units with an even `y` and with an odd `y` (a hexagonal grid's
    /// rows differ by parity; the same two values on a rectangular one), from which the pass
    /// makes two lane patterns, lane `l` of pattern `q` the factor of parity `q + l` (a tile
    /// starting at an odd `y` takes pattern 1).
    hx: &'a [f32],
    /// `alpha * h_y(y)` for every padded column (0 on padding).
    cy: &'a [f32],
    /// The Mexican hat's cross terms, laid out as `hx` and `cy`; empty otherwise.
    ux: &'a [f32],
    uy: &'a [f32],
    /// 0 for real columns, `+inf` for padding, added to distances.
    pen: &'a [f32],
    lo: f32,
    hi: f32,
    /// The distance measured to `next` (any other map than the playbook's).
    metric: Distance,
}

/// The pass over grid rows `first_row..` held in `rows` (whole rows of `layout`): moves every
/// unit by step `p` and returns the best (distance to `p.next`, unit). `GENERAL` is false for
/// the playbook's map (one x factor a row, Euclidean) and true for every other: a const, so
/// the playbook's pass compiles to what it was before the other maps.
struct PassRows<'a, const GENERAL: bool> {
    rows: &'a mut [f32],
    first_row: usize,
    layout: &'a Layout,
    p: &'a Pass<'a>,
}

/// The distance to `next` of the moved unit `ws` (lane-wise), added to `dist` (the padding's
/// penalty): squared Euclidean, Manhattan, Chebyshev, or cosine `1 - n^.w / |w|` (`next` a unit
/// row; a zero unit's cosine is 0).
#[inline(always)]
fn measure<S: Simd>(simd: S, metric: Distance, ws: &[S::f32s], next: &[f32], dist: S::f32s) -> S::f32s {
    let mut acc = simd.splat_f32s(0.0);
    match metric {
        Distance::Euclidean => {
            for (w, &nk) in ws.iter().zip(next) {
                let df = simd.sub_f32s(simd.splat_f32s(nk), *w);
                acc = simd.mul_add_e_f32s(df, df, acc);
            }
        }
        Distance::Manhattan => {
            for (w, &nk) in ws.iter().zip(next) {
                acc = simd.add_f32s(acc, simd.abs_f32s(simd.sub_f32s(simd.splat_f32s(nk), *w)));
            }
        }
        Distance::Chebyshev => {
            for (w, &nk) in ws.iter().zip(next) {
                acc = simd.max_f32s(acc, simd.abs_f32s(simd.sub_f32s(simd.splat_f32s(nk), *w)));
            }
        }
        Distance::Cosine => {
            let mut n2 = acc;
            for (w, &nk) in ws.iter().zip(next) {
                acc = simd.mul_add_e_f32s(simd.splat_f32s(nk), *w, acc);
                n2 = simd.mul_add_e_f32s(*w, *w, n2);
            }
            let norm = simd.sqrt_f32s(simd.max_f32s(n2, simd.splat_f32s(f32::MIN_POSITIVE)));
            acc = simd.sub_f32s(simd.splat_f32s(1.0), simd.div_f32s(acc, norm));
        }
    }
    simd.add_f32s(dist, acc)
}

/// Moves the tile `ws` by `c (x - w)`, clipped to `[lo, hi]`, and returns its distance to
/// `next` added to `dist`, in one loop over the coordinates: [`measure`] of the moved tile.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn update_measure<S: Simd>(
    simd: S,
    metric: Distance,
    c: S::f32s,
    [lo, hi]: [S::f32s; 2],
    ws: &mut [S::f32s],
    x: &[f32],
    next: &[f32],
    dist: S::f32s,
) -> S::f32s {
    let moved = |w: &mut S::f32s, xk: f32| {
        let v = simd.mul_add_e_f32s(c, simd.sub_f32s(simd.splat_f32s(xk), *w), *w);
        *w = simd.min_f32s(simd.max_f32s(v, lo), hi);
        *w
    };
    let mut acc = simd.splat_f32s(0.0);
    let coords = ws.iter_mut().zip(x).zip(next);
    match metric {
        Distance::Euclidean => {
            for ((w, &xk), &nk) in coords {
                let df = simd.sub_f32s(simd.splat_f32s(nk), moved(w, xk));
                acc = simd.mul_add_e_f32s(df, df, acc);
            }
        }
        Distance::Manhattan => {
            for ((w, &xk), &nk) in coords {
                let df = simd.sub_f32s(simd.splat_f32s(nk), moved(w, xk));
                acc = simd.add_f32s(acc, simd.abs_f32s(df));
            }
        }
        Distance::Chebyshev => {
            for ((w, &xk), &nk) in coords {
                let df = simd.sub_f32s(simd.splat_f32s(nk), moved(w, xk));
                acc = simd.max_f32s(acc, simd.abs_f32s(df));
            }
        }
        Distance::Cosine => {
            let mut n2 = acc;
            for ((w, &xk), &nk) in coords {
                let v = moved(w, xk);
                acc = simd.mul_add_e_f32s(simd.splat_f32s(nk), v, acc);
                n2 = simd.mul_add_e_f32s(v, v, n2);
            }
            let norm = simd.sqrt_f32s(simd.max_f32s(n2, simd.splat_f32s(f32::MIN_POSITIVE)));
            acc = simd.sub_f32s(simd.splat_f32s(1.0), simd.div_f32s(acc, norm));
        }
    }
    simd.add_f32s(dist, acc)
}

impl<const GENERAL: bool> WithSimd for PassRows<'_, GENERAL> {
    type Output = (f32, usize);

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> (f32, usize) {
        let PassRows {
            rows,
            first_row,
            layout,
            p,
        } = self;
        let (d, lanes) = (layout.d, S::F32_LANES);
        assert_eq!(lanes, layout.lanes, "the layout is for another instruction set");
        let (cy, _) = S::as_simd_f32s(p.cy);
        let (pen, _) = S::as_simd_f32s(p.pen);
        assert!(cy.len() == layout.tiles_per_row && pen.len() == layout.tiles_per_row);
        let mexican = GENERAL && !p.uy.is_empty();
        let (uy, _) = S::as_simd_f32s(p.uy);
        let (lo, hi) = (simd.splat_f32s(p.lo), simd.splat_f32s(p.hi));
        let offsets = lane_offsets::<S>();
        let mut bv = simd.splat_f32s(f32::INFINITY);
        let mut bi = simd.splat_u32s(0);
        let zero = simd.splat_f32s(0.0);
        let odd_lane = simd.less_than_f32s(simd.splat_f32s(0.5), lane_parity::<S>());
        for (r, row) in rows.chunks_exact_mut(layout.row_len()).enumerate() {
            let a = first_row + r;
            let (cx, ex) = if GENERAL {
                let ex = if mexican {
                    patterns(simd, p.ux, a, odd_lane)
                } else {
                    [zero; 2]
                };
                (patterns(simd, p.hx, a, odd_lane), ex)
            } else {
                ([simd.splat_f32s(p.hx[a]); 2], [zero; 2])
            };
            for (tt, (tile, (&cy, &pen))) in row
                .chunks_exact_mut(d * lanes)
                .zip(cy.iter().zip(pen))
                .enumerate()
            {
                let (ws, _) = S::as_mut_simd_f32s(tile);
                let mut dist = pen;
                match p.x {
                    Some(x) if !GENERAL => {
                        let c = simd.mul_f32s(cx[0], cy);
                        for ((w, &xk), &nk) in ws.iter_mut().zip(x).zip(p.next) {
                            let v = simd.mul_add_e_f32s(c, simd.sub_f32s(simd.splat_f32s(xk), *w), *w);
                            let v = simd.min_f32s(simd.max_f32s(v, lo), hi);
                            *w = v;
                            let df = simd.sub_f32s(simd.splat_f32s(nk), v);
                            dist = simd.mul_add_e_f32s(df, df, dist);
                        }
                    }
                    Some(x) => {
                        let q = (tt * lanes) & 1;
                        let mut c = simd.mul_f32s(cx[q], cy);
                        if mexican {
                            c = simd.mul_add_e_f32s(ex[q], cy, c);
                            c = simd.mul_add_e_f32s(cx[q], uy[tt], c);
                        }
                        dist = update_measure(simd, p.metric, c, [lo, hi], ws, x, p.next, dist);
                    }
                    None => {
                        let metric = if GENERAL { p.metric } else { Distance::Euclidean };
                        dist = measure(simd, metric, ws, p.next, dist);
                    }
                }
                let idx = simd.add_u32s(
                    simd.splat_u32s((a * layout.grid.height + tt * lanes) as u32),
                    offsets,
                );
                keep_min(simd, dist, idx, &mut bv, &mut bi);
            }
        }
        let mut best = (f32::INFINITY, usize::MAX);
        for (&v, &i) in f32_lanes::<S>(&bv).iter().zip(u32_lanes::<S>(&bi)) {
            if v < best.0 || (v == best.0 && (i as usize) < best.1) {
                best = (v, i as usize);
            }
        }
        best
    }
}

/// The two lane patterns of grid row `a` from its even and odd factors `t[2a]`, `t[2a + 1]`:
/// lane `l` of pattern `q` holds the factor of parity `q + l`. A function, not a closure: a
/// closure does not inherit the pass's instruction set, and its selects were calls.
#[inline(always)]
fn patterns<S: Simd>(simd: S, t: &[f32], a: usize, odd_lane: S::m32s) -> [S::f32s; 2] {
    let (even, odd) = (simd.splat_f32s(t[2 * a]), simd.splat_f32s(t[2 * a + 1]));
    [
        simd.select_f32s(odd_lane, odd, even),
        simd.select_f32s(odd_lane, even, odd),
    ]
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
/// `cfg`; step `t` uses example `order[t - steps.start]` of `data` (`n x d`, row-major): `order`
/// holds the examples of these steps only.
///
/// Large maps are split by grid rows over threads (as many as the current rayon pool has, at
/// most one per row; scoped threads, not the pool's) that meet once per step to agree on the
/// next best unit. The split does not change the result, so the run goes in segments of 1,024
/// steps and, where the threads keep waiting for each other (a busy machine), drops to one
/// thread for a while (the module `contention`). Running `a..b` then `b..c` gives the same
/// bits as `a..c`: checkpointing does not change a run.
///
/// # Panics
/// If shapes disagree, `order` does not have one entry per step, or an index in it is out of
/// range.
pub fn train(
    w: &mut [f32],
    data: &[f32],
    d: usize,
    spec: MapSpec,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
    steps: Range<usize>,
) {
    train_on(Isa::best(), w, data, d, spec, cfg, order, steps)
}

/// [`train`] on instruction set `isa`.
#[allow(clippy::too_many_arguments)]
fn train_on(
    isa: Isa,
    w: &mut [f32],
    data: &[f32],
    d: usize,
    spec: MapSpec,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
    steps: Range<usize>,
) {
    let grid = spec.grid;
    // As many threads as the batch path's rayon pool has (the calling pool's, else the global
    // one: the cores, or RAYON_NUM_THREADS), so one setting governs both paths.
    let many = if grid.units() * d >= PARALLEL_MIN_WEIGHTS {
        rayon::current_num_threads().min(grid.width)
    } else {
        1
    };
    let mut chooser = ThreadChooser::new(many);
    train_with(isa, &mut chooser, SEGMENT, w, data, d, spec, cfg, order, steps)
}

/// [`train_on`] in segments of `segment` steps, over the thread counts `chooser` picks.
#[allow(clippy::too_many_arguments)]
fn train_with(
    isa: Isa,
    chooser: &mut impl ChooseThreads,
    segment: usize,
    w: &mut [f32],
    data: &[f32],
    d: usize,
    spec: MapSpec,
    cfg: &OnlineTrainingConfig,
    order: &[usize],
    steps: Range<usize>,
) {
    let grid = spec.grid;
    let m = grid.units();
    assert_eq!(
        w.len(),
        m * d,
        "weights: {} values for {m} units of dimension {d}",
        w.len()
    );
    assert_eq!(
        order.len(),
        steps.len(),
        "order has {} entries for steps {steps:?}",
        order.len()
    );
    if steps.is_empty() {
        return;
    }
    let n = data.len() / d;
    if let Some((t, &i)) = order.iter().enumerate().find(|(_, &i)| i >= n) {
        panic!(
            "the example of step {} is {i}, out of range for {n} examples",
            steps.start + t
        );
    }
    let layout = Layout::new(grid, d, isa.lanes());
    let mut packed = layout.pack(w);
    let (lo, hi) = cfg
        .clip
        .map_or((f32::NEG_INFINITY, f32::INFINITY), |[lo, hi]| (lo, hi));
    // The cosine measures against unit rows of the examples (the update moves towards the
    // examples themselves).
    let unit_data = (spec.distance == Distance::Cosine).then(|| unit_rows(data, d));
    let run = Run {
        pen: (0..layout.y_pad())
            .map(|y| if y < grid.height { 0.0 } else { f32::INFINITY })
            .collect(),
        layout,
        spec,
        cfg,
        data,
        unit_data,
        order,
        steps: steps.clone(),
        lo,
        hi,
        isa,
    };
    let mut bmu = run.first_bmu(&mut packed);
    let mut start = steps.start;
    while start < steps.end {
        let end = (start + segment).min(steps.end);
        let threads = chooser.next();
        let clock = Instant::now();
        let (next, parks) = run.segment(threads, &mut packed, start..end, bmu);
        chooser.record(threads, end - start, clock.elapsed(), parks);
        bmu = next;
        start = end;
    }
    run.layout.unpack(&packed, w);
}

/// What one call of [`train_with`] fixes: the map's layout, the schedule, the examples.
struct Run<'a> {
    layout: Layout,
    spec: MapSpec,
    cfg: &'a OnlineTrainingConfig,
    data: &'a [f32],
    /// The examples as unit rows, for the cosine.
    unit_data: Option<Vec<f32>>,
    order: &'a [usize],
    steps: Range<usize>,
    /// Infinite on the padding units, so they never win.
    pen: Vec<f32>,
    lo: f32,
    hi: f32,
    isa: Isa,
}

impl Run<'_> {
    /// The example of step `t`.
    fn example(&self, t: usize) -> &[f32] {
        let (i, d) = (self.order[t - self.steps.start], self.layout.d);
        &self.data[i * d..(i + 1) * d]
    }

    /// The example of step `t` as the pass measures against it: a unit row for the cosine.
    fn measured(&self, t: usize) -> &[f32] {
        match &self.unit_data {
            None => self.example(t),
            Some(u) => {
                let (i, d) = (self.order[t - self.steps.start], self.layout.d);
                &u[i * d..(i + 1) * d]
            }
        }
    }

    /// Whether the pass runs its general form (any map but the playbook's).
    fn general(&self) -> bool {
        !self.spec.is_playbook()
    }

    /// Runs the pass over `rows` from grid row `first_row`, in the form the map needs.
    fn pass(&self, rows: &mut [f32], first_row: usize, p: &Pass<'_>) -> (f32, usize) {
        let layout = &self.layout;
        if self.general() {
            self.isa.run(PassRows::<true> {
                rows,
                first_row,
                layout,
                p,
            })
        } else {
            self.isa.run(PassRows::<false> {
                rows,
                first_row,
                layout,
                p,
            })
        }
    }

    /// Length of the `hx` table of a pass: one value a grid row, or two (even and odd `y`).
    fn hx_len(&self) -> usize {
        let width = self.layout.grid.width;
        if self.general() {
            width * 2
        } else {
            width
        }
    }

    /// The best unit of the first step's example, before any update.
    fn first_bmu(&self, packed: &mut [f32]) -> usize {
        let zeros_x = vec![0f32; self.hx_len()];
        let zeros_y = vec![0f32; self.layout.y_pad()];
        let first = Pass {
            x: None,
            next: self.measured(self.steps.start),
            hx: &zeros_x,
            cy: &zeros_y,
            ux: &[],
            uy: &[],
            pen: &self.pen,
            lo: self.lo,
            hi: self.hi,
            metric: self.spec.distance,
        };
        chosen(self.pass(packed, 0, &first))
    }

    /// Fills the pass's tables for a step of any map but the playbook's: `hx` (and for the
    /// Mexican hat `ux`) as the factors of even and odd `y` a grid row, `cy` and `uy` padded
    /// with zeros.
    fn fill_general(&self, rows: &StepRows, hx: &mut [f32], cy: &mut [f32], ux: &mut [f32], uy: &mut [f32]) {
        let classes = rows.classes;
        // Per grid row: the factor of an even y, then of an odd y (`patterns` makes the lanes).
        let pairs = |table: &[Vec<f32>], out: &mut [f32]| {
            for (a, pair) in out.chunks_exact_mut(2).enumerate() {
                pair.copy_from_slice(&[table[0][a], table[classes - 1][a]]);
            }
        };
        pairs(&rows.hx, hx);
        cy[..rows.cy.len()].copy_from_slice(&rows.cy);
        if !rows.uy.is_empty() {
            pairs(&rows.ux, ux);
            uy[..rows.uy.len()].copy_from_slice(&rows.uy);
        }
    }

    /// Runs steps `seg` over `threads` threads (fewer where the grid rows run out), from best
    /// unit `bmu`; returns the best unit of the step after `seg`, and how often a thread parked
    /// at the barrier.
    fn segment(&self, threads: usize, packed: &mut [f32], seg: Range<usize>, bmu: usize) -> (usize, usize) {
        let (grid, layout) = (self.layout.grid, &self.layout);
        let rows_per_thread = grid.width.div_ceil(threads);
        let threads = grid.width.div_ceil(rows_per_thread);
        let barrier = Barrier::new(threads);
        let slots: Vec<[AtomicU64; 2]> = (0..threads)
            .map(|_| [AtomicU64::new(0), AtomicU64::new(0)])
            .collect();

        // What every worker runs on its rows: all compute the same step parameters, each
        // updates its rows, then they exchange their best candidates and all pick the same
        // next unit.
        let worker = |rows: &mut [f32], index: usize| {
            let first_row = index * rows_per_thread;
            let mexican = self.spec.neighborhood == Neighborhood::MexicanHat;
            let mut hx = vec![0f32; self.hx_len()];
            let mut cy = vec![0f32; layout.y_pad()];
            let (mut ux, mut uy) = if mexican {
                (vec![0f32; self.hx_len()], vec![0f32; layout.y_pad()])
            } else {
                (Vec::new(), Vec::new())
            };
            let mut step_rows = StepRows::default();
            let mut bmu = bmu;
            for t in seg.clone() {
                let step = self.cfg.step_at(grid, t);
                if self.general() {
                    step_rows.fill(grid, self.spec.neighborhood, bmu, step.sigma, step.alpha);
                    self.fill_general(&step_rows, &mut hx, &mut cy, &mut ux, &mut uy);
                } else {
                    let (bx, by) = grid.coords(bmu);
                    gaussian_row_f32(grid.width, bx, step.sigma[0], 1.0, &mut hx);
                    gaussian_row_f32(grid.height, by, step.sigma[1], step.alpha, &mut cy);
                }
                // The run's last step measures against its own example: no step follows.
                let next = if t + 1 < self.steps.end {
                    self.measured(t + 1)
                } else {
                    self.measured(t)
                };
                let p = Pass {
                    x: Some(self.example(t)),
                    next,
                    hx: &hx,
                    cy: &cy,
                    ux: &ux,
                    uy: &uy,
                    pen: &self.pen,
                    lo: self.lo,
                    hi: self.hi,
                    metric: self.spec.distance,
                };
                let best = self.pass(rows, first_row, &p);
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
            bmu
        };
        let bmu = if threads == 1 {
            worker(packed, 0)
        } else {
            std::thread::scope(|scope| {
                let mut chunks = packed.chunks_mut(rows_per_thread * layout.row_len()).enumerate();
                let (_, own) = chunks.next().expect("at least one row");
                for (i, rows) in chunks {
                    let worker = &worker;
                    scope.spawn(move || worker(rows, i));
                }
                worker(own, 0)
            })
        };
        (bmu, barrier.parks())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference;
    use burnax_testing::Tolerance;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::time::Duration;

    /// Thread counts in a fixed cycle, whatever the timings.
    struct Cycle(Vec<usize>, usize);

    impl ChooseThreads for Cycle {
        fn next(&mut self) -> usize {
            self.1 += 1;
            self.0[(self.1 - 1) % self.0.len()]
        }
        fn record(&mut self, _: usize, _: usize, _: Duration, _: usize) {}
    }

    /// Segments on different thread counts (one, many, more than the grid has rows), of a
    /// length that does not divide the run, give the bits of one segment on one thread.
    #[test]
    fn changing_the_thread_count_between_segments_keeps_the_bits() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let (grid, n, d, steps) = (Grid::new(5, 9), 40, 3, 300);
        let data: Vec<f32> = (0..n * d).map(|_| rng.random()).collect();
        let w0: Vec<f32> = (0..grid.units() * d).map(|_| rng.random()).collect();
        let order: Vec<usize> = (0..steps).map(|_| rng.random_range(0..n)).collect();
        let cfg = OnlineTrainingConfig::new(steps).with_clip(Some([0.1, 0.9]));
        let train = |chooser: &mut Cycle, segment| {
            let mut w = w0.clone();
            let isa = Isa::best();
            train_with(
                isa,
                chooser,
                segment,
                &mut w,
                &data,
                d,
                grid.into(),
                &cfg,
                &order,
                0..steps,
            );
            w
        };
        let one = train(&mut Cycle(vec![1], 0), steps);
        for (cycle, segment) in [(vec![1, 2, 3], 7), (vec![4, 1], 64), (vec![8, 2, 1], 1)] {
            let mut chooser = Cycle(cycle.clone(), 0);
            assert_eq!(
                train(&mut chooser, segment),
                one,
                "threads {cycle:?} in segments of {segment}"
            );
            assert_eq!(chooser.1, steps.div_ceil(segment), "segments run");
        }
    }

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
            let to64 =
                |v: &[f32], r| Array2::from_shape_vec((r, d), v.iter().map(|&x| x as f64).collect()).unwrap();
            let want = reference::train_online(to64(&data, n).view(), to64(&w0, m), grid, &cfg, &order);
            for isa in [Isa::best(), Isa::Scalar] {
                let mut w = w0.clone();
                train_on(isa, &mut w, &data, d, grid.into(), &cfg, &order, 0..steps);
                for (g, r) in w.iter().zip(want.iter()) {
                    assert!(
                        Tolerance::F32_VS_F64.accepts(*g as f64, *r),
                        "{gx}x{gy} {isa:?}: {g} vs {r}"
                    );
                }
                let mut w2 = w0.clone();
                train_on(isa, &mut w2, &data, d, grid.into(), &cfg, &order[..17], 0..17);
                train_on(isa, &mut w2, &data, d, grid.into(), &cfg, &order[17..], 17..steps);
                assert_eq!(w, w2, "{gx}x{gy} {isa:?}: split run differs");
            }
        }
    }

    /// Two units at exactly the same distance in different lanes of the SIMD pass (units 1 and
    /// 8 of a 2 x 8 map: lane 1 of row 0, lane 0 of row 1): the lower index wins, as in the
    /// reference, on every instruction set.
    #[test]
    fn ties_go_to_the_lowest_unit() {
        let (grid, d) = (Grid::new(2, 8), 3);
        let mut w0 = vec![5.0f32; grid.units() * d];
        for u in [1, 8] {
            w0[u * d..(u + 1) * d].fill(0.5);
        }
        let data = [0.4f32, 0.4, 0.4];
        let order = [0, 0];
        let cfg = OnlineTrainingConfig::new(2).with_sigma(Some([0.5, 0.5]));
        let to64 =
            |v: &[f32], r| Array2::from_shape_vec((r, d), v.iter().map(|&x| x as f64).collect()).unwrap();
        let want =
            reference::train_online(to64(&data, 1).view(), to64(&w0, grid.units()), grid, &cfg, &order);
        for isa in [Isa::best(), Isa::Scalar] {
            let mut w = w0.clone();
            train_on(isa, &mut w, &data, d, grid.into(), &cfg, &order, 0..2);
            for (g, r) in w.iter().zip(want.iter()) {
                assert!(
                    Tolerance::F32_VS_F64.accepts(*g as f64, *r),
                    "{isa:?}: {g} vs {r}"
                );
            }
        }
    }

    /// Every form of the general pass (hexagonal lane patterns, the Mexican hat's cross terms,
    /// each distance) on the dispatched and the scalar body, against the reference.
    #[test]
    fn other_maps_match_reference_on_every_instruction_set() {
        use crate::grid::Topology;
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let maps = [
            (
                Topology::Hexagonal,
                true,
                Neighborhood::MexicanHat,
                Distance::Cosine,
            ),
            (
                Topology::Rectangular,
                true,
                Neighborhood::Bubble,
                Distance::Manhattan,
            ),
            (
                Topology::Hexagonal,
                false,
                Neighborhood::Triangle,
                Distance::Chebyshev,
            ),
            (
                Topology::Rectangular,
                false,
                Neighborhood::Gaussian,
                Distance::Cosine,
            ),
        ];
        // Heights around the lane counts (4, 8, 16): tiles start on odd rows when the lanes
        // are odd (the scalar body) and never otherwise.
        for &(gx, gy, n, d) in &[(5, 6, 40, 3), (3, 10, 50, 4), (4, 18, 60, 3)] {
            for (topology, toroidal, hood, dist) in maps {
                let grid = Grid::new(gx, gy).with_topology(topology).with_toroidal(toroidal);
                let spec = MapSpec::from(grid).with_neighborhood(hood).with_distance(dist);
                let m = grid.units();
                let data: Vec<f32> = (0..n * d).map(|_| rng.random()).collect();
                let w0: Vec<f32> = (0..m * d).map(|_| rng.random()).collect();
                let steps = 60;
                let order: Vec<usize> = (0..steps).map(|_| rng.random_range(0..n)).collect();
                let cfg = OnlineTrainingConfig::new(steps)
                    .with_sigma(Some([gx as f64 / 3.0 + 0.3, gy as f64 / 3.0 + 0.4]))
                    .with_sigma_floor(0.9)
                    .with_clip(Some([0.2, 0.8]));
                let to64 = |v: &[f32], r| {
                    Array2::from_shape_vec((r, d), v.iter().map(|&x| x as f64).collect()).unwrap()
                };
                let want = reference::train_online(to64(&data, n).view(), to64(&w0, m), spec, &cfg, &order);
                for isa in [Isa::best(), Isa::Scalar] {
                    let mut w = w0.clone();
                    train_on(isa, &mut w, &data, d, spec, &cfg, &order, 0..steps);
                    for (g, r) in w.iter().zip(want.iter()) {
                        assert!(
                            Tolerance::F32_VS_F64.accepts(*g as f64, *r),
                            "{isa:?} {gx}x{gy} {spec:?}: {g} vs {r}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "the example of step 1 is 4, out of range for 4 examples")]
    fn an_example_out_of_range_is_named() {
        let mut w = vec![0.5f32; 6];
        let cfg = OnlineTrainingConfig::new(2);
        train_on(
            Isa::Scalar,
            &mut w,
            &[0.1; 8],
            2,
            Grid::new(1, 3).into(),
            &cfg,
            &[0, 4],
            0..2,
        );
    }
}

#[cfg(test)]
mod scalar_tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The scalar pass (what CPUs without SIMD run) agrees with the dispatched one.
    #[test]
    fn scalar_pass_agrees_with_dispatched() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let (gx, gy, d): (usize, usize, usize) = (5, 11, 3);
        let grid = Grid::new(gx, gy);
        let w: Vec<f32> = (0..gx * gy * d).map(|_| rng.random()).collect();
        let x: Vec<f32> = (0..d).map(|_| rng.random()).collect();
        let next: Vec<f32> = (0..d).map(|_| rng.random()).collect();
        let hx: Vec<f32> = (0..gx).map(|_| rng.random()).collect();
        let cy: Vec<f32> = (0..gy).map(|_| rng.random()).collect();
        let run = |isa: Isa| {
            let layout = Layout::new(grid, d, isa.lanes());
            let mut rows = layout.pack(&w);
            let pad = |v: &[f32], fill: f32| -> Vec<f32> {
                (0..layout.y_pad())
                    .map(|y| v.get(y).copied().unwrap_or(fill))
                    .collect()
            };
            let (cy, pen) = (pad(&cy, 0.0), pad(&vec![0.0; gy], f32::INFINITY));
            let p = Pass {
                x: Some(&x),
                next: &next,
                hx: &hx,
                cy: &cy,
                ux: &[],
                uy: &[],
                pen: &pen,
                lo: 0.1,
                hi: 0.9,
                metric: Distance::Euclidean,
            };
            let best = isa.run(PassRows::<false> {
                rows: &mut rows,
                first_row: 0,
                layout: &layout,
                p: &p,
            });
            let mut moved = vec![0f32; w.len()];
            layout.unpack(&rows, &mut moved);
            (best, moved)
        };
        let (a, rows) = run(Isa::best());
        let (b, rows2) = run(Isa::Scalar);
        assert_eq!(a.1, b.1);
        for (u, v) in rows.iter().zip(&rows2) {
            // A fused multiply-add against a multiply, then an add: one rounding apart, at most
            // an ulp of these values below 2 (2.4e-7).
            assert!((u - v).abs() <= 2.0 * f32::EPSILON, "{u} vs {v}");
        }
    }
}
