//! Fused CPU kernels: the fast path of [`Som`](crate::Som) on the `Flex` backend.
//!
//! The tensor-op formulation of a batch epoch in Burn runs op by op and writes an `N x M`
//! distance matrix; these kernels never do. They work on plain `f32` slices:
//!
//! - [`bmu`]: best-matching-unit search. Units are packed in tiles of [`LANES`] (structure of
//!   arrays, `|w|^2` first), `BLOCK` examples are scored against one tile at a time with the
//!   distances kept in registers (`|w|^2 - 2 x.w`, the GEMM form), and a running best per lane
//!   is kept branch-free. Examples are split over threads with rayon; units are scanned in
//!   cache-sized super-tiles. Ties go to the lowest unit index.
//! - [`batch`]: per-unit sums and counts in example order (a fixed order, so results are
//!   bit-identical run after run), then the separable smoothing as two GEMMs.
//! - [`online`]: one pass over the map per step that applies the update of step `t` and
//!   measures the distances for step `t + 1` at the same time.
//!
//! The hot loops exist twice: written with AVX2+FMA intrinsics for x86-64 (picked at run time
//! when the CPU has them), and in portable Rust over fixed-size lane arrays for every other CPU.
//! Tests run both against the reference. (Written with plain lane arrays alone, LLVM vectorised
//! the search across the wrong axis, with gathers, and it ran 10x slower.)

pub mod batch;
pub mod bmu;
pub mod online;
#[cfg(target_arch = "x86_64")]
mod x86;

/// Units per tile: one AVX2 register, two NEON registers of `f32`.
pub const LANES: usize = 8;
