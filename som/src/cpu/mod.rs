//! Fused CPU kernels: the fast path of [`Som`](crate::Som) on the `Flex` backend.
//!
//! The tensor-op formulation of a batch epoch in Burn runs op by op and writes an `N x M`
//! distance matrix; these kernels never do. They work on plain `f32` slices:
//!
//! - [`bmu`]: best-matching-unit search. Units are packed in tiles as wide as a SIMD register (structure of
//!   arrays, a start value first), `BLOCK` examples are scored against one tile at a time with
//!   the scores kept in registers (`|w|^2 - 2 x.w`, the GEMM form; or the Manhattan or
//!   Chebyshev distance, summed or maximised directly), and a running best per lane is kept
//!   branch-free. Examples are split over threads with rayon; units are scanned in
//!   cache-sized super-tiles. Ties go to the lowest unit index.
//! - [`search`]: the search in every distance on [`bmu`]: the GEMM form for Euclidean and (on
//!   unit rows) cosine, the direct form for Manhattan and Chebyshev.
//! - [`batch`]: per-unit sums and counts in example order (a fixed order, so results are
//!   bit-identical run after run), then the separable smoothing as two GEMMs.
//! - [`online`]: one pass over the map per step that applies the update of step `t` and
//!   measures the distances for step `t + 1` at the same time (the playbook's map in its own
//!   compiled form, every other grid, neighbourhood and distance in a general one).
//!
//! Each hot loop is written once, generic over [`pulp::Simd`], and dispatched at run time to the
//! best instruction set of the CPU: AVX-512, AVX2+FMA, NEON, or a scalar body elsewhere (see
//! `simd`). Tiles are one register wide, so the packed layouts follow the instruction set.
//! Tests run the dispatched and the scalar body against the reference. (Written with plain lane
//! arrays alone, LLVM vectorised the search across the wrong axis, with gathers, and it ran 10x
//! slower.)

mod barrier;
pub mod batch;
pub mod bmu;
mod contention;
pub mod online;
pub mod search;
mod simd;
