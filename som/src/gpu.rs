//! [`SomBackend`] for Burn's CubeCL backends (`Wgpu`, `Cuda`): launches the kernels of
//! [`crate::kernel`].
//!
//! Launch geometry is chosen here, per device and shape:
//! - search tiles of 64 x 64 or 128 x 128 (examples x units) on 16 x 16 threads
//!   ([`SearchTile`]), the dimension staged 4, 8 or 16 at a time (the smallest that covers
//!   short rows, so `D = 3` does not multiply zeros); the map is split into unit chunks until
//!   there are at least four cubes per streaming multiprocessor, so 1,000 examples still fill
//!   a GPU;
//! - per-unit sums: at most 4,096 examples, one kernel finishes the search and scans the best
//!   units (one launch); more, a stable counting sort walks segments of at least 4,096
//!   examples, one cube each;
//! - the smoothing: one cube per map column and block of channels where a column's partial
//!   sums fit shared memory (8 KiB), else two passes through memory;
//! - online training runs one cube of up to 1,024 threads (see [`crate::kernel::online`]);
//! - the search's distance product is `f32`; [`SearchPrecision`] opts into TF32 or BF16
//!   operands on tensor cores ([`bmus_with_precision`], [`batch_epoch_with_precision`]).
//!
//! `f32` tensors take the kernels; another float dtype falls back to [`crate::tensor_ops`].
//! Every map trains in batch on the kernels: the search scores in the map's distance (the
//! cosine on unit rows), the smoothing of the playbook's map ([`MapSpec::is_playbook`]: flat,
//! rectangular, Gaussian) computes its exponentials in the kernel, every other one reads
//! per-epoch factor tables ([`SmoothingFactors`]). Online training of every map runs the
//! one-cube kernel (the neighbourhood's per-axis factors in shared memory, the scores in the
//! map's distance).
//!
//! **A batch run** ([`SomBackend::som_batch_epochs`]) allocates its buffers once (the search's
//! candidates, the per-unit sums, two weight buffers used in turn), uploads every epoch's
//! factor tables at once (the playbook's map needs none: its radii are launch arguments) and
//! enqueues every epoch with no readback and no Burn tensor op in between. An epoch of at
//! most 4,096 examples is three launches (the search; its finish with the per-unit sums; the
//! smoothing), the cosine's a fourth (the weights' unit rows; the data's are computed once a
//! run). The same bits as the kernels one by one ([`batch_epoch_with_tile`]), which stay as
//! the oracle. Nothing here copies data to or from the host in batch training (on a
//! unified-memory machine such as DGX Spark there would be nothing to gain from it); online
//! training uploads the order of the examples and the per-step schedule, `24` bytes a step.

use std::ops::Range;

use burn::prelude::*;
use burn::tensor::bf16;
use burn::tensor::{DType, Shape, TensorPrimitive};
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::{empty_device_contiguous_dtype, empty_device_dtype, zeros_client};
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{BoolElement, CubeBackend, CubeRuntime};
use cubecl::calculate_cube_count_elemwise;
use cubecl::ir::features::MmaConfig;
use cubecl::ir::{ElemType, FloatKind};
use cubecl::prelude::{tf32, ArrayArg, ComputeClient, CubeCount, CubeDim, CubeElement};
use cubecl::server::Handle;

use crate::backend::SomBackend;
use crate::distance::Distance;
use crate::error::SomError;
use crate::grid::{Grid, Topology};
use crate::kernel::{accumulate, bmu, bmu_mma, online, smooth};
use crate::neighborhood::{SmoothingFactors, DEN_EPS};
use crate::schedule::OnlineTrainingConfig;
use crate::spec::MapSpec;
use crate::tensor_ops;

/// Burn's CubeCL backend with `f32` floats and `i32` ints: what `Wgpu` and `Cuda` are by default.
type Cube<R, BT> = CubeBackend<R, f32, i32, BT>;
/// Unit indices, one per example, on [`Cube`].
type Units<R, BT> = Tensor<Cube<R, BT>, 1, Int>;

/// Threads along each side of a search cube.
const SIDE: usize = 16;

/// The register tile of the best-matching-unit search: examples x units per thread, on
/// `16 x 16` threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchTile {
    /// 4 x 4 per thread, 64 x 64 per cube: short rows, small maps, few examples.
    Small,
    /// 8 x 8 per thread, 128 x 128 per cube: twice the arithmetic per shared-memory load, for
    /// long rows (`D >= 16`) on large problems.
    Large,
}

impl SearchTile {
    /// The tile [`SomBackend`] uses for `n` examples, `m` units of dimension `d` (another one:
    /// [`bmus_with_tile`], [`batch_epoch_with_tile`]).
    pub fn choose(n: usize, m: usize, d: usize) -> Self {
        if d >= 16 && n >= 4096 && m >= 1024 {
            SearchTile::Large
        } else {
            SearchTile::Small
        }
    }

    fn per_thread(self) -> usize {
        match self {
            SearchTile::Small => 4,
            SearchTile::Large => 8,
        }
    }
}

/// The operands the distance product of the batch search multiplies in. `F32` is the default
/// and what [`SomBackend`] always uses; `Tf32` and `Bf16` are an opt-in through
/// [`bmus_with_precision`] and [`batch_epoch_with_precision`] that runs the product on tensor
/// cores ([`crate::kernel::bmu_mma`]): the examples and the weights are rounded to that format
/// (10 and 7 mantissa bits), every product is exact in `f32` and sums are `f32`.
///
/// What it costs (benches/README.md, "Lower precision", measured on the CPU by emulation): on
/// short rows (the colour map, `D = 3`) the map gets measurably worse and nothing is gained;
/// on `D = 64` the quality stays within the spread of f64 against f32. Use it for long rows
/// only. The tensor-core kernel has been compiled but not yet run on a GPU: until a CUDA run of
/// `som/tests/kernels.rs` passes, treat it as experimental.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SearchPrecision {
    /// Full `f32` (the register-tiled kernel of [`crate::kernel::bmu`]).
    #[default]
    F32,
    /// TF32 operands, `16 x 16 x 8` tensor-core fragments.
    Tf32,
    /// BF16 operands, `16 x 16 x 16` tensor-core fragments.
    Bf16,
}

impl SearchPrecision {
    /// The tensor-core shape this precision needs, if any.
    fn mma(self) -> Option<MmaConfig> {
        let (kind, k) = match self {
            SearchPrecision::F32 => return None,
            SearchPrecision::Tf32 => (FloatKind::TF32, 8),
            SearchPrecision::Bf16 => (FloatKind::BF16, 16),
        };
        Some(MmaConfig {
            a_type: ElemType::Float(kind).into(),
            b_type: ElemType::Float(kind).into(),
            cd_type: ElemType::Float(FloatKind::F32).into(),
            m: 16,
            n: 16,
            k,
        })
    }

    /// Whether `client`'s device can run this precision: `F32` everywhere, the others where the
    /// runtime offers their tensor-core fragments (CUDA on NVIDIA GPUs from Ampere; not wgpu).
    fn supported<R: CubeRuntime>(self, client: &ComputeClient<R>) -> bool {
        self.mma()
            .is_none_or(|c| client.features().matmul.cmma.contains(&c))
    }

    fn check<R: CubeRuntime>(self, client: &ComputeClient<R>) -> Result<(), SomError> {
        if self.supported(client) {
            Ok(())
        } else {
            Err(SomError::Config(format!(
                "search precision {self:?} needs tensor-core matrix fragments of that type, and \
                 this device's runtime offers none (use SearchPrecision::F32)"
            )))
        }
    }
}

/// Threads of the counting-sort, scan and elementwise kernels (WebGPU's guaranteed maximum).
const BLOCK: usize = 256;
/// Fewest examples per counting-sort segment: below this, segment bookkeeping costs more than
/// the walk.
const MIN_SEGMENT: usize = 4096;
/// Most examples for which per-unit sums scan the best units instead of sorting: one launch
/// instead of six, at `M·N` comparisons (32 million for the playbook's 1,000 colours on 32,400
/// units, each warp reading one shared index at a time: microseconds on a datacentre GPU by
/// arithmetic, not yet measured), where small epochs are bound by launches. At this size the
/// sort would be one segment walked by a single cube anyway.
const SCAN_EXAMPLES: usize = MIN_SEGMENT;
/// Cap on the `segments x M` counters of the counting sort (64 MiB of `u32`).
const MAX_COUNTERS: usize = 1 << 24;
/// Largest cube count along one axis that every runtime accepts.
const MAX_CUBES_X: usize = 65_535;

/// A matrix as the kernels read it: row-major, and its row stride. CUDA pads the rows of the
/// tensors it allocates (a `[1000, 3]` tensor has rows 4 floats apart), so the kernels take the
/// stride rather than assume `d`; only a layout that is not row-major is copied.
fn rows<R: CubeRuntime>(t: CubeTensor<R>) -> (CubeTensor<R>, usize) {
    // Strides of axes of length 1 say nothing (Burn leaves them as they come).
    let row_major = |t: &CubeTensor<R>| {
        let [rows, cols] = t.meta.shape().dims::<2>();
        let strides = t.meta.strides();
        (cols == 1 || strides[1] == 1) && (rows == 1 || strides[0] >= cols)
    };
    let t = if row_major(&t) { t } else { into_contiguous(t) };
    assert!(
        row_major(&t),
        "burnax-som: into_contiguous gave a layout that is not row-major"
    );
    let [rows, cols] = t.meta.shape().dims::<2>();
    let stride = if rows == 1 { cols } else { t.meta.strides()[0] };
    (t, stride)
}

fn primitive<R: CubeRuntime, BT: BoolElement>(t: Tensor<Cube<R, BT>, 2>) -> (CubeTensor<R>, usize) {
    rows(t.into_primitive().tensor())
}

fn all_f32<R: CubeRuntime, BT: BoolElement>(ts: &[&Tensor<Cube<R, BT>, 2>]) -> bool {
    ts.iter().all(|t| t.dtype() == DType::F32)
}

fn arg<R: CubeRuntime>(t: &CubeTensor<R>) -> ArrayArg<R> {
    t.clone().into_array_arg()
}

/// A scratch buffer of `len` elements of 4 bytes.
fn scratch<R: CubeRuntime>(client: &ComputeClient<R>, len: usize) -> Handle {
    client.empty(len.max(1) * 4)
}

/// # Safety
/// `handle` must hold at least `len` elements of the kernel argument's type.
unsafe fn raw<R: CubeRuntime>(handle: &Handle, len: usize) -> ArrayArg<R> {
    unsafe { ArrayArg::from_raw_parts(handle.clone(), len) }
}

fn elementwise<R: CubeRuntime>(client: &ComputeClient<R>, len: usize) -> (CubeCount, CubeDim) {
    let dim = CubeDim::new_1d(BLOCK as u32);
    (calculate_cube_count_elemwise(client, len.max(1), dim), dim)
}

fn streaming_multiprocessors<R: CubeRuntime>(client: &ComputeClient<R>) -> usize {
    client
        .properties()
        .hardware
        .num_streaming_multiprocessors
        .map_or(8, |s| s as usize)
}

/// Dimension slice staged per step of the search: covers short rows without padding to 16.
fn depth_slice(d: usize) -> usize {
    match d {
        0..=4 => 4,
        5..=8 => 8,
        _ => 16,
    }
}

/// How a search of `n` examples in blocks of `rows_per_cube` splits `m` units: `(chunks, units
/// per chunk)`, a chunk a whole number of `units_per_tile` tiles, chunks enough for four cubes
/// per streaming multiprocessor (so 1,000 examples still fill a GPU) and no more than tiles.
fn unit_chunks<R: CubeRuntime>(
    client: &ComputeClient<R>,
    n: usize,
    m: usize,
    rows_per_cube: usize,
    units_per_tile: usize,
) -> (usize, usize) {
    let blocks = n.div_ceil(rows_per_cube);
    let tiles = m.div_ceil(units_per_tile);
    let want = 4 * streaming_multiprocessors(client);
    let chunks = want.div_ceil(blocks.min(MAX_CUBES_X)).clamp(1, tiles);
    let per_chunk = tiles.div_ceil(chunks) * units_per_tile;
    (m.div_ceil(per_chunk), per_chunk)
}

/// How a search of `n` examples over `m` units of dimension `d` is cut: the register tile,
/// the unit chunks ([`unit_chunks`]) and the depth staged per step ([`depth_slice`]).
#[derive(Clone, Copy, Debug)]
struct SearchPlan {
    tile: SearchTile,
    chunks: usize,
    per_chunk: usize,
    kc: usize,
}

impl SearchPlan {
    fn new<R: CubeRuntime>(
        client: &ComputeClient<R>,
        [n, m, d]: [usize; 3],
        tile: Option<SearchTile>,
        top2: bool,
    ) -> Self {
        // The top-2 search keeps twice the candidates in shared memory: the small tile only.
        let tile = match (tile, top2) {
            (Some(t), _) => t,
            (None, true) => SearchTile::Small,
            (None, false) => SearchTile::choose(n, m, d),
        };
        let side = SIDE * tile.per_thread();
        let (chunks, per_chunk) = unit_chunks(client, n, m, side, side);
        SearchPlan {
            tile,
            chunks,
            per_chunk,
            kc: depth_slice(d),
        }
    }

    fn rows_per_cube(self) -> usize {
        SIDE * self.tile.per_thread()
    }
}

/// Launches [`bmu::bmu_partial()`] for one launch `l` of a search planned as `plan`: the
/// candidates of example rows `l.start..` against the weights `w`, both in the operands of
/// `dist` (unit rows for the cosine).
fn launch_partial<R: CubeRuntime>(
    (w, w_stride): (&CubeTensor<R>, usize),
    (data, data_stride): (&CubeTensor<R>, usize),
    dist: Distance,
    plan: SearchPlan,
    top2: bool,
    l: &PartialLaunch,
) {
    let [m, d] = w.meta.shape().dims::<2>();
    let per_thread = plan.tile.per_thread();
    // SAFETY: `chunked_search` sized the candidate buffers of `l` for the indices the kernel
    // writes; `data_rows` lies inside `data`.
    unsafe {
        bmu::bmu_partial::launch::<R>(
            &data.client,
            l.cubes.clone(),
            CubeDim::new_2d(SIDE as u32, SIDE as u32),
            data_rows(data, l.start, l.rows, data_stride),
            arg(w),
            raw(&l.score, l.len),
            raw(&l.unit, l.len),
            raw(&l.score2, l.len2),
            raw(&l.unit2, l.len2),
            l.rows as u32,
            m as u32,
            d as u32,
            plan.per_chunk as u32,
            data_stride as u32,
            w_stride as u32,
            SIDE,
            per_thread,
            per_thread,
            plan.kc,
            top2,
            dist,
        );
    }
}

/// Best unit of every row of `data` in distance `dist`, as an `[n]` `i32` tensor, and with
/// `top2` the second best; at most `cubes_per_launch` example blocks a launch ([`MAX_CUBES_X`]
/// but in tests). The cosine searches unit rows ([`unit_rows`]) by their dot products.
fn search<R: CubeRuntime>(
    w: &(CubeTensor<R>, usize),
    data: &(CubeTensor<R>, usize),
    dist: Distance,
    tile: Option<SearchTile>,
    top2: bool,
    cubes_per_launch: usize,
) -> (CubeTensor<R>, Option<CubeTensor<R>>) {
    let unit = |t: &(CubeTensor<R>, usize)| (unit_rows(t), t.0.meta.shape().dims::<2>()[1]);
    let operands = (dist == Distance::Cosine).then(|| (unit(w), unit(data)));
    let ((w, w_stride), (data, data_stride)) = match &operands {
        Some((w, data)) => (w, data),
        None => (w, data),
    };
    let [m, d] = w.meta.shape().dims::<2>();
    let [n, _] = data.meta.shape().dims::<2>();
    let client = &data.client;
    let best = indices(data, n);
    let second = top2.then(|| indices(data, n));
    if n == 0 {
        return (best, second);
    }
    let plan = SearchPlan::new(client, [n, m, d], tile, top2);
    let candidates = Candidates::new(client, plan.chunks * n, top2);
    let finish = Finish {
        best: &best,
        second: second.as_ref(),
    };
    chunked_search(
        data,
        &candidates,
        plan.chunks,
        plan.rows_per_cube(),
        cubes_per_launch,
        Some(finish),
        |l| launch_partial((w, *w_stride), (data, *data_stride), dist, plan, top2, l),
    );
    (best, second)
}

/// An `[n]` `i32` tensor on `like`'s device, for unit indices.
fn indices<R: CubeRuntime>(like: &CubeTensor<R>, n: usize) -> CubeTensor<R> {
    empty_device_dtype(
        like.client.clone(),
        like.device.clone(),
        Shape::new([n]),
        DType::I32,
    )
}

/// `[n, d]` dense: each row of `rows` scaled to unit length, a zero row left 0 (the cosine
/// search's operands; see [`bmu::unit_rows`]).
fn unit_rows<R: CubeRuntime>(rows: &(CubeTensor<R>, usize)) -> CubeTensor<R> {
    let [n, d] = rows.0.meta.shape().dims::<2>();
    let out = dense(&rows.0, n, d);
    unit_rows_into((&rows.0, rows.1), &out);
    out
}

/// [`unit_rows`] into `out` (dense, as many rows and columns as `rows`).
fn unit_rows_into<R: CubeRuntime>((rows, stride): (&CubeTensor<R>, usize), out: &CubeTensor<R>) {
    let [n, d] = rows.meta.shape().dims::<2>();
    let client = &rows.client;
    let (count, dim) = elementwise(client, n);
    bmu::unit_rows::launch::<R>(
        client,
        count,
        dim,
        arg(rows),
        arg(out),
        n as u32,
        d as u32,
        stride as u32,
    );
}

/// Where a search writes its answer: `best` (`[n]` `i32`) and, for a top-2 search, `second`.
struct Finish<'a, R: CubeRuntime> {
    best: &'a CubeTensor<R>,
    second: Option<&'a CubeTensor<R>>,
}

/// One launch of a partial search kernel: example rows `start..start + rows` in `cubes`
/// (`(example blocks, chunks)`), writing each (chunk, row)'s best to `[chunk * rows + row]` of
/// `score`/`unit` (`len` elements) and, for a top-2 search, the second best to `score2`/`unit2`
/// (`len2`; 1 otherwise, unused).
struct PartialLaunch {
    cubes: CubeCount,
    start: usize,
    rows: usize,
    score: Handle,
    unit: Handle,
    score2: Handle,
    unit2: Handle,
    len: usize,
    len2: usize,
}

/// The candidate buffers of a search: `len` (`chunks x n`) best candidates and, for a top-2
/// search, as many second best (one element otherwise, unused). A run allocates them once.
struct Candidates {
    score: Handle,
    unit: Handle,
    score2: Handle,
    unit2: Handle,
    top2: bool,
}

impl Candidates {
    fn new<R: CubeRuntime>(client: &ComputeClient<R>, len: usize, top2: bool) -> Self {
        let len2 = if top2 { len } else { 1 };
        Candidates {
            score: scratch(client, len),
            unit: scratch(client, len),
            score2: scratch(client, len2),
            unit2: scratch(client, len2),
            top2,
        }
    }
}

/// The search's driver: per launch of at most `cubes_per_launch` (at most [`MAX_CUBES_X`])
/// blocks of `rows_per_cube` examples (later launches see later rows), `partial` fills that
/// launch's region of the `chunks x n` `candidates`, then, with `finish`, `bmu_finish` reduces
/// the chunks into it (without, the caller reduces them: [`accumulate::finish_unit_sums()`]).
/// The regions are cut here from buffers of `chunks * n` candidates, so a `partial` kernel that
/// writes only `[chunk * rows + row]` for `row < rows` stays inside them.
fn chunked_search<R: CubeRuntime>(
    data: &CubeTensor<R>,
    candidates: &Candidates,
    chunks: usize,
    rows_per_cube: usize,
    cubes_per_launch: usize,
    finish: Option<Finish<'_, R>>,
    mut partial: impl FnMut(&PartialLaunch),
) {
    assert!(
        (1..=MAX_CUBES_X).contains(&cubes_per_launch),
        "cubes per launch must be in 1..={MAX_CUBES_X}, got {cubes_per_launch}"
    );
    let [n, _] = data.meta.shape().dims::<2>();
    let client = &data.client;
    let top2 = candidates.top2;
    let rows_per_launch = cubes_per_launch * rows_per_cube;
    for start in (0..n).step_by(rows_per_launch) {
        let rows = (n - start).min(rows_per_launch);
        // This launch's region of the partial buffers: chunks x rows from chunks * start.
        let offset = (chunks * start * 4) as u64;
        let (offset2, len2) = if top2 { (offset, chunks * rows) } else { (0, 1) };
        let l = PartialLaunch {
            cubes: CubeCount::Static(rows.div_ceil(rows_per_cube) as u32, chunks as u32, 1),
            start,
            rows,
            score: candidates.score.clone().offset_start(offset),
            unit: candidates.unit.clone().offset_start(offset),
            score2: candidates.score2.clone().offset_start(offset2),
            unit2: candidates.unit2.clone().offset_start(offset2),
            len: chunks * rows,
            len2,
        };
        partial(&l);
        let Some(finish) = &finish else { continue };
        let (count, dim) = elementwise(client, rows);
        // SAFETY: the candidate buffers hold the launch's chunks x rows elements (len2 for the
        // second best); `best` and `second` hold n, so rows from `start`.
        let out =
            |t: &CubeTensor<R>| unsafe { raw(&t.handle.clone().offset_start((start * 4) as u64), rows) };
        unsafe {
            bmu::bmu_finish::launch::<R>(
                client,
                count,
                dim,
                raw(&l.score, l.len),
                raw(&l.unit, l.len),
                raw(&l.score2, l.len2),
                raw(&l.unit2, l.len2),
                out(finish.best),
                // Without top2 the kernel writes no second best; `best` stands in (a writable
                // binding, as the kernel declares it).
                out(finish.second.unwrap_or(finish.best)),
                rows as u32,
                chunks as u32,
                top2,
            );
        }
    }
}

/// Rows `start..start + rows` of a row-major matrix with rows `stride` apart, as a kernel argument.
fn data_rows<R: CubeRuntime>(data: &CubeTensor<R>, start: usize, rows: usize, stride: usize) -> ArrayArg<R> {
    if start == 0 {
        return arg(data);
    }
    // SAFETY: the rows lie inside the buffer.
    unsafe {
        raw(
            &data.handle.clone().offset_start((start * stride * 4) as u64),
            rows * stride,
        )
    }
}

/// Best unit of every row of `data`, as an `[n]` `i32` tensor, the distance product on tensor
/// cores in `precision` (not `F32`; checked by the caller).
fn search_mma<R: CubeRuntime>(
    w: &(CubeTensor<R>, usize),
    data: &(CubeTensor<R>, usize),
    precision: SearchPrecision,
) -> CubeTensor<R> {
    let k = precision
        .mma()
        .expect("search_mma takes a tensor-core precision")
        .k as usize;
    match precision {
        SearchPrecision::Bf16 => search_mma_as::<R, bf16>(w, data, k),
        _ => search_mma_as::<R, tf32>(w, data, k),
    }
}

/// [`search_mma`] with operands of type `A` in fragments of depth `k`.
fn search_mma_as<R: CubeRuntime, A: cubecl::prelude::Float>(
    (w, w_stride): &(CubeTensor<R>, usize),
    (data, data_stride): &(CubeTensor<R>, usize),
    k: usize,
) -> CubeTensor<R> {
    let (w_stride, data_stride) = (*w_stride, *data_stride);
    let [m, d] = w.meta.shape().dims::<2>();
    let [n, _] = data.meta.shape().dims::<2>();
    let client = &data.client;
    let best = indices(data, n);
    if n == 0 {
        return best;
    }
    let rows_per_cube = 16 * bmu_mma::MMA_WARPS;
    let norms = scratch(client, m);
    let (count, dim) = elementwise(client, m);
    // SAFETY: `norms` holds m elements, one written per unit.
    unsafe {
        bmu_mma::unit_norms::launch::<A, R>(
            client,
            count,
            dim,
            arg(w),
            raw(&norms, m),
            m as u32,
            d as u32,
            w_stride as u32,
        );
    }
    let (chunks, per_chunk) = unit_chunks(client, n, m, rows_per_cube, bmu_mma::MMA_UNITS);
    let finish = Finish {
        best: &best,
        second: None,
    };
    let candidates = Candidates::new(client, chunks * n, false);
    chunked_search(
        data,
        &candidates,
        chunks,
        rows_per_cube,
        MAX_CUBES_X,
        Some(finish),
        |l| {
            // SAFETY: see `chunked_search`; `norms` holds m elements.
            unsafe {
                bmu_mma::bmu_partial_mma::launch::<A, R>(
                    client,
                    l.cubes.clone(),
                    CubeDim::new_2d(bmu_mma::MMA_LANES as u32, bmu_mma::MMA_WARPS as u32),
                    data_rows(data, l.start, l.rows, data_stride),
                    arg(w),
                    raw(&norms, m),
                    raw(&l.score, l.len),
                    raw(&l.unit, l.len),
                    l.rows as u32,
                    m as u32,
                    d as u32,
                    per_chunk as u32,
                    data_stride as u32,
                    w_stride as u32,
                    k,
                );
            }
        },
    );
    best
}

/// `[m, d + 1]`: each unit's sum of its examples (in example order), then their count.
fn unit_sums<R: CubeRuntime>(
    (data, data_stride): &(CubeTensor<R>, usize),
    best: &CubeTensor<R>,
    m: usize,
) -> CubeTensor<R> {
    let [n, d] = data.meta.shape().dims::<2>();
    let client = &data.client;
    let sums = dense(data, m, d + 1);
    if n <= SCAN_EXAMPLES {
        let (count, dim) = elementwise(client, m);
        accumulate::unit_sums_scan::launch::<R>(
            client,
            count,
            dim,
            arg(data),
            arg(best),
            arg(&sums),
            n as u32,
            m as u32,
            d as u32,
            *data_stride as u32,
        );
        return sums;
    }
    let sms = streaming_multiprocessors(client);
    let segments = (n / MIN_SEGMENT)
        .clamp(1, 4 * sms)
        .min((MAX_COUNTERS / m.max(1)).max(1));
    let seg_len = n.div_ceil(segments);
    let segments = n.div_ceil(seg_len).max(1);
    let counts = zeros_client(
        client.clone(),
        data.device.clone(),
        Shape::new([segments * m]),
        DType::U32,
    );
    let totals = scratch(client, m);
    let starts = scratch(client, m);
    let order = scratch(client, n);
    // SAFETY (here and below): every buffer is sized for the indices its kernel writes (see
    // each kernel's docs).
    let walk = |place: bool| unsafe {
        accumulate::walk_segments::launch::<R>(
            client,
            CubeCount::Static(segments as u32, 1, 1),
            CubeDim::new_1d(BLOCK as u32),
            arg(best),
            arg(&counts),
            raw(&starts, m),
            raw(&order, n),
            n as u32,
            m as u32,
            seg_len as u32,
            BLOCK,
            place,
        )
    };
    unsafe {
        walk(false);
        let (count, dim) = elementwise(client, m);
        accumulate::segment_offsets::launch::<R>(
            client,
            count,
            dim,
            arg(&counts),
            raw(&totals, m),
            m as u32,
            segments as u32,
        );
        accumulate::scan_units::launch::<R>(
            client,
            CubeCount::Static(1, 1, 1),
            CubeDim::new_1d(BLOCK as u32),
            raw(&totals, m),
            raw(&starts, m),
            m as u32,
            BLOCK,
        );
        walk(true);
        let (count, dim) = elementwise(client, m * (d + 1));
        accumulate::unit_sums::launch::<R>(
            client,
            count,
            dim,
            arg(data),
            raw(&order, n),
            raw(&starts, m),
            raw(&totals, m),
            arg(&sums),
            m as u32,
            d as u32,
            *data_stride as u32,
        );
    }
    sums
}

/// Floats a device's table offset is rounded up to: 256 bytes, the largest storage-buffer
/// offset alignment WebGPU asks for.
const OFFSET_FLOATS: usize = 64;

/// The smoothing and division of a run of batch epochs, epoch `e` with radii `sigmas[e]`:
/// the new weights from the per-unit sums (`[m, d + 1]`). The playbook's map
/// ([`MapSpec::is_playbook`]: flat, rectangular, Gaussian) computes its exponentials in the
/// kernel; every other separable one reads [`SmoothingFactors`], every epoch's uploaded at
/// once. Where a map column's partial sums fit one cube's shared memory,
/// [`smooth::smooth_columns()`] does both passes in one launch; otherwise the passes go through
/// memory, two launches (the same bits either way).
struct Smoothing {
    spec: MapSpec,
    d: usize,
    /// Every epoch's x and y factors, each epoch's `x_len` and `y_len` (padded to
    /// [`OFFSET_FLOATS`]) apart; `None` for the playbook's map.
    tables: Option<[Handle; 2]>,
    x_len: usize,
    y_len: usize,
    classes: usize,
    /// Channels per cube of [`smooth::smooth_columns()`], or `None`: two passes through `u`.
    column_channels: Option<usize>,
    u: Option<Handle>,
}

impl Smoothing {
    /// The smoothing of `sigmas.len()` epochs of `spec` with `d`-dimensional weights; `fuse`
    /// false always takes the two passes (the per-epoch kernels, kept as the fused one's
    /// oracle).
    ///
    /// # Panics
    /// For the Mexican hat (batch training refuses it before this).
    fn new<R: CubeRuntime>(
        client: &ComputeClient<R>,
        spec: MapSpec,
        d: usize,
        sigmas: &[[f64; 2]],
        fuse: bool,
    ) -> Self {
        let grid = spec.grid;
        let (gx, gy) = (grid.width, grid.height);
        let playbook = spec.with_distance(Distance::Euclidean).is_playbook();
        let classes = if playbook { 1 } else { grid.row_classes() };
        let pad = |len: usize| len.next_multiple_of(OFFSET_FLOATS);
        let (x_len, y_len) = (pad(classes * classes * (2 * gx - 1)), pad(2 * gy - 1));
        let tables = (!playbook).then(|| {
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for &sigma in sigmas {
                let f = SmoothingFactors::new(grid, spec.neighborhood, sigma);
                x.extend(&f.x);
                x.resize(x.len().next_multiple_of(OFFSET_FLOATS), 0.0);
                y.extend(&f.y);
                y.resize(y.len().next_multiple_of(OFFSET_FLOATS), 0.0);
            }
            [x, y].map(|t| client.create_from_slice(f32::as_bytes(&t)))
        });
        // Most channels a cube holds beside the count, for every target class's grid rows.
        let room = (smooth::COLUMN_SUMS / (classes * gy)).saturating_sub(1);
        let fits = room >= 1 && (!playbook || gx.max(gy) <= smooth::COLUMN_TABLE);
        let column_channels = (fuse && fits && d > 0).then(|| room.min(d));
        let u = column_channels
            .is_none()
            .then(|| scratch(client, classes * grid.units() * (d + 1)));
        Smoothing {
            spec,
            d,
            tables,
            x_len,
            y_len,
            classes,
            column_channels,
            u,
        }
    }

    /// Epoch `e` (radii `sigma`): writes the new weights from `sums` into `out` (dense `[m,
    /// d]`); `old` (rows `old_stride` apart) are the weights the epoch started from, which a
    /// compact neighbourhood's unreached units keep.
    fn apply<R: CubeRuntime>(
        &self,
        e: usize,
        sigma: [f64; 2],
        sums: &CubeTensor<R>,
        (old, old_stride): (&CubeTensor<R>, usize),
        out: &CubeTensor<R>,
    ) {
        let grid = self.spec.grid;
        let (gx, gy, d, classes) = (grid.width, grid.height, self.d, self.classes);
        let m = grid.units();
        let width = d + 1;
        let client = &sums.client;
        let inv = |s: f64| (1.0 / (s * s)) as f32;
        let keep = u32::from(self.spec.neighborhood.keeps_unreached());
        // This epoch's tables; the playbook's map reads none (`sums` stands in as a binding).
        let (fx, fy) = match &self.tables {
            // SAFETY: each epoch's tables are `x_len` and `y_len` floats of the uploads.
            Some([x, y]) => unsafe {
                (
                    raw(&x.clone().offset_start((e * self.x_len * 4) as u64), self.x_len),
                    raw(&y.clone().offset_start((e * self.y_len * 4) as u64), self.y_len),
                )
            },
            None => (arg(sums), arg(sums)),
        };
        let table = self.tables.is_some();
        if let Some(k) = self.column_channels {
            // SAFETY: `Smoothing::new` checked the shared-memory bounds of the kernel; the
            // buffers hold what its docs ask.
            unsafe {
                smooth::smooth_columns::launch_unchecked::<R>(
                    client,
                    CubeCount::Static(gx as u32, d.div_ceil(k) as u32, 1),
                    CubeDim::new_1d(BLOCK as u32),
                    arg(sums),
                    fx,
                    fy,
                    arg(old),
                    arg(out),
                    gx as u32,
                    gy as u32,
                    d as u32,
                    k as u32,
                    classes as u32,
                    inv(sigma[0]),
                    inv(sigma[1]),
                    old_stride as u32,
                    keep,
                    DEN_EPS,
                    table,
                );
            }
            return;
        }
        let u = self.u.as_ref().expect("two passes have their scratch");
        let u_len = classes * m * width;
        // SAFETY: `u` holds classes * m * width elements, `out` m * d, the tables their entries.
        unsafe {
            let (count, dim) = elementwise(client, u_len);
            if table {
                smooth::smooth_x_table::launch::<R>(
                    client,
                    count,
                    dim,
                    arg(sums),
                    fx,
                    raw(u, u_len),
                    gx as u32,
                    gy as u32,
                    width as u32,
                    classes as u32,
                );
            } else {
                smooth::smooth_x::launch::<R>(
                    client,
                    count,
                    dim,
                    arg(sums),
                    raw(u, u_len),
                    gx as u32,
                    gy as u32,
                    width as u32,
                    inv(sigma[0]),
                );
            }
            let (count, dim) = elementwise(client, m * d);
            if table {
                smooth::smooth_y_table_divide::launch::<R>(
                    client,
                    count,
                    dim,
                    raw(u, u_len),
                    fy,
                    arg(old),
                    arg(out),
                    gx as u32,
                    gy as u32,
                    d as u32,
                    classes as u32,
                    old_stride as u32,
                    keep,
                    DEN_EPS,
                );
            } else {
                smooth::smooth_y_divide::launch::<R>(
                    client,
                    count,
                    dim,
                    raw(u, u_len),
                    arg(out),
                    gx as u32,
                    gy as u32,
                    d as u32,
                    inv(sigma[1]),
                    DEN_EPS,
                );
            }
        }
    }
}

/// A dense `[rows, cols]` `f32` tensor on `like`'s device.
fn dense<R: CubeRuntime>(like: &CubeTensor<R>, rows: usize, cols: usize) -> CubeTensor<R> {
    empty_device_contiguous_dtype(
        like.client.clone(),
        like.device.clone(),
        Shape::new([rows, cols]),
        DType::F32,
    )
}

/// One batch epoch on the kernels one by one (search, finish, per-unit sums, both smoothing
/// passes): the oracle of [`batch_run`] and the path of the tile and precision variants.
fn batch_epoch_unfused<R: CubeRuntime>(
    w: &(CubeTensor<R>, usize),
    data: &(CubeTensor<R>, usize),
    best: &CubeTensor<R>,
    spec: MapSpec,
    sigma: [f64; 2],
) -> CubeTensor<R> {
    let [m, d] = w.0.meta.shape().dims::<2>();
    let sums = unit_sums(data, best, m);
    let out = dense(&sums, m, d);
    Smoothing::new(&sums.client, spec, d, &[sigma], false).apply(0, sigma, &sums, (&w.0, w.1), &out);
    out
}

/// How a batch run gets its per-unit sums: few examples, into this `[m, d + 1]` buffer with
/// the search's finish ([`accumulate::finish_unit_sums()`]); more, the search finishes into
/// these best units and the counting sort sums ([`unit_sums`]).
enum RunSums<R: CubeRuntime> {
    Fused(CubeTensor<R>),
    Sorted(CubeTensor<R>),
}

/// Batch epochs `sigmas` (one each) from weights `w` on `data`, on buffers allocated once for
/// the run, every epoch enqueued with no readback and no Burn tensor op in between: the
/// search's candidates, the factor tables of every epoch (uploaded once), and two weight
/// buffers in turn; the cosine's unit rows of `data` once per run. An epoch of few examples
/// (at most `SCAN_EXAMPLES`) is three launches: the search, its finish fused with the per-unit
/// sums ([`accumulate::finish_unit_sums()`]), the smoothing per map column
/// ([`smooth::smooth_columns()`]) where it fits; the same bits as [`batch_epoch_unfused`].
fn batch_run<R: CubeRuntime>(
    w: (CubeTensor<R>, usize),
    data: &(CubeTensor<R>, usize),
    spec: MapSpec,
    sigmas: &[[f64; 2]],
) -> CubeTensor<R> {
    let [m, d] = w.0.meta.shape().dims::<2>();
    let [n, _] = data.0.meta.shape().dims::<2>();
    if sigmas.is_empty() || n == 0 {
        return w.0;
    }
    let client = &data.0.client;
    let cosine = spec.distance == Distance::Cosine;
    let scored_data = cosine.then(|| (unit_rows(data), d));
    let scored_data = scored_data.as_ref().unwrap_or(data);
    let unit_w = cosine.then(|| dense(&w.0, m, d));
    let plan = SearchPlan::new(client, [n, m, d], None, false);
    let candidates = Candidates::new(client, plan.chunks * n, false);
    let sums = if n <= SCAN_EXAMPLES {
        RunSums::Fused(dense(&w.0, m, d + 1))
    } else {
        RunSums::Sorted(indices(&data.0, n))
    };
    let smoothing = Smoothing::new(client, spec, d, sigmas, true);
    // Every cube of `finish_unit_sums` finishes every example: as few cubes as the device allows.
    let block = max_cube(client, BLOCK);
    let buffers = [dense(&w.0, m, d), dense(&w.0, m, d)];
    for (e, &sigma) in sigmas.iter().enumerate() {
        let from = if e == 0 {
            (&w.0, w.1)
        } else {
            (&buffers[(e + 1) % 2], d)
        };
        let to = &buffers[e % 2];
        let scored_w = match &unit_w {
            Some(u) => {
                unit_rows_into(from, u);
                (u, d)
            }
            None => from,
        };
        let finish = match &sums {
            RunSums::Fused(_) => None,
            RunSums::Sorted(best) => Some(Finish { best, second: None }),
        };
        chunked_search(
            &scored_data.0,
            &candidates,
            plan.chunks,
            plan.rows_per_cube(),
            MAX_CUBES_X,
            finish,
            |l| {
                launch_partial(
                    scored_w,
                    (&scored_data.0, scored_data.1),
                    spec.distance,
                    plan,
                    false,
                    l,
                )
            },
        );
        let sorted;
        let sums = match &sums {
            RunSums::Fused(sums) => {
                // SAFETY: at most SCAN_EXAMPLES examples are one search launch, so the
                // candidates are `chunks x n`, naming units below m; `sums` is m * (d + 1).
                unsafe {
                    accumulate::finish_unit_sums::launch_unchecked::<R>(
                        client,
                        CubeCount::Static(m.div_ceil(block) as u32, 1, 1),
                        CubeDim::new_1d(block as u32),
                        raw(&candidates.score, plan.chunks * n),
                        raw(&candidates.unit, plan.chunks * n),
                        arg(&data.0),
                        arg(sums),
                        n as u32,
                        m as u32,
                        d as u32,
                        data.1 as u32,
                        plan.chunks as u32,
                        block,
                    );
                }
                sums
            }
            RunSums::Sorted(best) => {
                sorted = unit_sums(data, best, m);
                &sorted
            }
        };
        smoothing.apply(e, sigma, sums, from, to);
    }
    buffers[(sigmas.len() + 1) % 2].clone()
}

/// The most threads a cube of this device takes, as a power of two: its limit, at most 1,024
/// and at least `floor` (a power of two).
fn max_cube<R: CubeRuntime>(client: &ComputeClient<R>, floor: usize) -> usize {
    let limit = client.properties().hardware.max_units_per_cube as usize;
    let cap = limit.clamp(floor, 1024);
    1 << (usize::BITS - 1 - cap.leading_zeros())
}

/// Threads of the online cube: a power of two, at most 1,024 and the device's limit, and no
/// more than the map needs.
fn online_block<R: CubeRuntime>(client: &ComputeClient<R>, m: usize) -> usize {
    m.next_power_of_two().clamp(32, max_cube(client, 32))
}

fn float<R: CubeRuntime, BT: BoolElement>(t: CubeTensor<R>) -> Tensor<Cube<R, BT>, 2> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// Panics, naming `what` and both shapes, unless `w` and `data` have as many columns.
fn assert_same_dim<B: Backend>(what: &str, w: &Tensor<B, 2>, data: &Tensor<B, 2>) {
    assert_eq!(
        w.dims()[1],
        data.dims()[1],
        "{what}: weights {:?} and data {:?} differ in dimension",
        w.dims(),
        data.dims()
    );
}

/// Best unit of every row of `data` in distance `dist` with a given search tile (see
/// [`SearchTile::choose`] for the one [`SomBackend::som_bmus`] uses): for tuning and for
/// testing every tile.
///
/// # Panics
/// If `w` and `data` differ in their number of columns.
pub fn bmus_with_tile<R: CubeRuntime, BT: BoolElement>(
    w: Tensor<Cube<R, BT>, 2>,
    data: Tensor<Cube<R, BT>, 2>,
    dist: Distance,
    tile: SearchTile,
) -> Tensor<Cube<R, BT>, 1, Int> {
    assert_same_dim("bmus_with_tile", &w, &data);
    let (w, data) = (primitive(w), primitive(data));
    Tensor::from_primitive(search(&w, &data, dist, Some(tile), false, MAX_CUBES_X).0)
}

/// The best and second-best unit of every row of `data` in distance `dist` (as
/// [`SomBackend::som_bmus2`]) with the search cut into launches of at most `cubes_per_launch`
/// blocks of 64 examples. Problems of more than 65,535 blocks (4.2 million examples; 8.4
/// million for a best-unit search of long rows on the large tile) always launch in parts; this
/// runs that path at small sizes, for tests.
///
/// # Panics
/// If `w` and `data` differ in their number of columns, or `cubes_per_launch` is not in
/// `1..=65535`.
pub fn bmus2_in_launches<R: CubeRuntime, BT: BoolElement>(
    w: Tensor<Cube<R, BT>, 2>,
    data: Tensor<Cube<R, BT>, 2>,
    dist: Distance,
    cubes_per_launch: usize,
) -> (Units<R, BT>, Units<R, BT>) {
    assert_same_dim("bmus2_in_launches", &w, &data);
    let (w, data) = (primitive(w), primitive(data));
    let (best, second) = search(&w, &data, dist, None, true, cubes_per_launch);
    let second = second.expect("a top-2 search gives the second best");
    (Tensor::from_primitive(best), Tensor::from_primitive(second))
}

/// One batch epoch of the map `spec` on the kernels one by one (the search with a given tile,
/// its finish, the per-unit sums, both smoothing passes through memory), where
/// [`SomBackend::som_batch_epochs`] fuses them: the fused run's oracle (the same bits with the
/// tile [`SearchTile::choose`] picks), and for tuning and benchmarks of both tiles.
///
/// # Panics
/// If `w` and `data` differ in their number of columns, `w` does not have the map's units, or
/// the neighbourhood is the Mexican hat.
pub fn batch_epoch_with_tile<R: CubeRuntime, BT: BoolElement>(
    w: Tensor<Cube<R, BT>, 2>,
    data: Tensor<Cube<R, BT>, 2>,
    spec: impl Into<MapSpec>,
    sigma: [f64; 2],
    tile: SearchTile,
) -> Tensor<Cube<R, BT>, 2> {
    let spec = spec.into();
    let [m, _] = w.dims();
    assert_eq!(
        m,
        spec.grid.units(),
        "batch_epoch_with_tile: {m} units for {:?}",
        spec.grid
    );
    assert_same_dim("batch_epoch_with_tile", &w, &data);
    let (w, data) = (primitive(w), primitive(data));
    let (best, _) = search(&w, &data, spec.distance, Some(tile), false, MAX_CUBES_X);
    float(batch_epoch_unfused(&w, &data, &best, spec, sigma))
}

/// Best unit of every row of `data` with the distance product in `precision` (see
/// [`SearchPrecision`]; `F32` is [`SomBackend::som_bmus`]).
///
/// # Errors
/// [`SomError::Config`] if the device cannot run `precision` (no tensor-core fragments of that
/// type: any wgpu device, NVIDIA GPUs before Ampere).
///
/// # Panics
/// If `w` and `data` differ in their number of columns.
pub fn bmus_with_precision<R: CubeRuntime, BT: BoolElement>(
    w: Tensor<Cube<R, BT>, 2>,
    data: Tensor<Cube<R, BT>, 2>,
    precision: SearchPrecision,
) -> Result<Tensor<Cube<R, BT>, 1, Int>, SomError> {
    assert_same_dim("bmus_with_precision", &w, &data);
    if precision == SearchPrecision::F32 {
        return Ok(Cube::<R, BT>::som_bmus(w, data, Distance::Euclidean));
    }
    let (w, data) = (primitive(w), primitive(data));
    precision.check(&data.0.client)?;
    Ok(Tensor::from_primitive(search_mma(&w, &data, precision)))
}

/// One batch epoch (as [`SomBackend::som_batch_epochs`]) with the search's distance product in
/// `precision`; the per-unit sums and the smoothing stay `f32`.
///
/// # Errors
/// As [`bmus_with_precision`].
///
/// # Panics
/// If `w` and `data` differ in their number of columns or `w` does not have `grid`'s units.
pub fn batch_epoch_with_precision<R: CubeRuntime, BT: BoolElement>(
    w: Tensor<Cube<R, BT>, 2>,
    data: Tensor<Cube<R, BT>, 2>,
    grid: Grid,
    sigma: [f64; 2],
    precision: SearchPrecision,
) -> Result<Tensor<Cube<R, BT>, 2>, SomError> {
    let [m, _] = w.dims();
    assert_eq!(
        m,
        grid.units(),
        "batch_epoch_with_precision: {m} units for {grid:?}"
    );
    assert_same_dim("batch_epoch_with_precision", &w, &data);
    if precision == SearchPrecision::F32 {
        return Ok(Cube::<R, BT>::som_batch_epochs(w, data, grid.into(), &[sigma]).0);
    }
    let (w, data) = (primitive(w), primitive(data));
    precision.check(&data.0.client)?;
    let best = search_mma(&w, &data, precision);
    Ok(float(batch_epoch_unfused(&w, &data, &best, grid.into(), sigma)))
}

/// The fused kernels on `Wgpu` and `Cuda` (any CubeCL runtime with `f32` floats and `i32` ints).
impl<R: CubeRuntime, BT: BoolElement> SomBackend for Cube<R, BT> {
    fn som_bmus(w: Tensor<Self, 2>, data: Tensor<Self, 2>, dist: Distance) -> Tensor<Self, 1, Int> {
        if !all_f32(&[&w, &data]) {
            return tensor_ops::bmus(w, data, dist);
        }
        let (best, _) = search(&primitive(w), &primitive(data), dist, None, false, MAX_CUBES_X);
        Tensor::from_primitive(best)
    }

    fn som_bmus2(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        dist: Distance,
    ) -> (Tensor<Self, 1, Int>, Tensor<Self, 1, Int>) {
        if !all_f32(&[&w, &data]) {
            return tensor_ops::bmus2(w, data, dist);
        }
        let (best, second) = search(&primitive(w), &primitive(data), dist, None, true, MAX_CUBES_X);
        let second = second.expect("a top-2 search returns the second best");
        (Tensor::from_primitive(best), Tensor::from_primitive(second))
    }

    fn som_batch_epochs(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        spec: MapSpec,
        sigmas: &[[f64; 2]],
    ) -> (Tensor<Self, 2>, Option<f64>) {
        if !all_f32(&[&w, &data]) {
            let w = sigmas.iter().fold(w, |w, &sigma| {
                tensor_ops::batch_epoch(w, data.clone(), spec, sigma)
            });
            return (w, None);
        }
        (
            float(batch_run(primitive(w), &primitive(data), spec, sigmas)),
            None,
        )
    }

    fn som_train_online(
        w: Tensor<Self, 2>,
        data: Tensor<Self, 2>,
        spec: MapSpec,
        cfg: &OnlineTrainingConfig,
        order: &[usize],
        steps: Range<usize>,
    ) -> Tensor<Self, 2> {
        if !all_f32(&[&w, &data]) || steps.is_empty() {
            return tensor_ops::train_online(w, data, spec, cfg, order, steps);
        }
        let grid = spec.grid;
        let [m, d] = w.dims();
        // The kernel updates in place, unit-minor (`[d, m]`, so that neighbouring threads touch
        // neighbouring addresses), on a copy: the caller's tensor stays as it was.
        // `into_contiguous` hands back a tensor that is already contiguous, the caller's buffer.
        let t = w.transpose().into_primitive().tensor();
        let t = if t.is_contiguous() {
            t.copy()
        } else {
            into_contiguous(t)
        };
        let (wt, w_stride) = rows(t);
        let (data, data_stride) = primitive(data);
        // The cosine scores against unit rows: a dense copy, so the same stride as `data`'s
        // only when that is dense too.
        let scored = (spec.distance == Distance::Cosine).then(|| unit_rows(&(data.clone(), data_stride)));
        let (data, data_stride) = match &scored {
            Some(_) if data_stride != d => (into_contiguous(data), d),
            _ => (data, data_stride),
        };
        let client = &wt.client;
        let count = steps.len();
        // The kernel reads `count` entries: the contract, checked (its launch is unchecked).
        assert_eq!(order.len(), count, "one example per step of {steps:?}");
        let rows: Vec<u32> = order.iter().map(|&i| i as u32).collect();
        let sched: Vec<f32> = steps
            .clone()
            .flat_map(|t| {
                let s = cfg.step_at(grid, t);
                let inv = |s: f64| (1.0 / (s * s)) as f32;
                let [sx, sy] = s.sigma;
                [s.alpha as f32, inv(sx), inv(sy), sx as f32, sy as f32]
            })
            .collect();
        let rows_h = client.create_from_slice(u32::as_bytes(&rows));
        let sched_h = client.create_from_slice(f32::as_bytes(&sched));
        let [lo, hi] = cfg.clip.unwrap_or([0.0, 0.0]);
        let block = online_block(client, m);
        let hex = grid.topology == Topology::Hexagonal;
        let classes = grid.row_classes();
        let parts = if spec.neighborhood.separable() { 1 } else { 2 };
        let table = (classes * grid.width + grid.height) * parts <= online::TABLE;
        // SAFETY: `rows` has `count` entries and `sched` SCHED * count; the kernel reads no more.
        unsafe {
            online::online_steps::launch::<R>(
                client,
                CubeCount::Static(1, 1, 1),
                CubeDim::new_1d(block as u32),
                arg(&wt),
                arg(&data),
                arg(scored.as_ref().unwrap_or(&data)),
                raw(&rows_h, count),
                raw(&sched_h, online::SCHED * count),
                m as u32,
                d as u32,
                grid.width as u32,
                grid.height as u32,
                u32::from(hex),
                u32::from(grid.toroidal),
                grid.row_step() as f32,
                count as u32,
                w_stride as u32,
                data_stride as u32,
                u32::from(cfg.clip.is_some()),
                lo,
                hi,
                block,
                if table { online::TABLE } else { 0 },
                spec.neighborhood,
                spec.distance,
            );
        }
        float::<R, BT>(wt).transpose()
    }
}
