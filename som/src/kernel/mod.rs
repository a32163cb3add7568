//! CubeCL kernels of the SOM (`#[cube]` code only; the host side that launches them is
//! [`crate::gpu`]). They run on every CubeCL runtime Burn has: `cuda` on NVIDIA GPUs, `wgpu` on
//! Vulkan/Metal/DX12 and, in CI, on Mesa's software Vulkan.
//!
//! | kernel | what it does | memory it writes |
//! |---|---|---|
//! | [`bmu::bmu_partial()`] | distances and argmin fused, in register tiles, in any [`crate::Distance`] (the cosine on [`bmu::unit_rows()`]) | `chunks x N` candidates |
//! | [`bmu_mma::bmu_partial_mma()`] | the same on tensor cores, TF32/BF16 operands (opt-in) | `chunks x N` candidates |
//! | [`bmu::bmu_finish()`] | argmin over the unit chunks (and the second best, for the topographic error) | `N` (`2·N`) indices |
//! | [`accumulate`] | stable counting sort of the examples by best unit, then per-unit sums (few examples: one scan, fused with the search's finish in [`accumulate::finish_unit_sums()`]) | `N + M·(D+1)` |
//! | [`smooth`] | the separable neighbourhood along x, then along y with the division (the playbook's map from its exponentials, every other from factor tables); both passes in one launch per map column where they fit shared memory ([`smooth::smooth_columns()`]) | `M·D` fused; `2·M·(D+1)` (`3·M·(D+1)` on a hexagonal grid) in two passes |
//! | [`online::online_steps()`] | many online steps in one launch (one cube, persistent; one pass over the weights a step), every map | the weights |
//!
//! **Determinism.** No float atomics anywhere: every float sum has a fixed order (the search
//! reduces candidates by `(score, index)`, per-unit sums run over the unit's examples in
//! example order, the smoothing sums run over grid rows in order). The same inputs give the same
//! bits run after run on the same device.
//!
//! **Ties** go to the lowest unit index, as in [`crate::reference`].
//!
//! **Checked launches.** A `launch` bounds-checks every index (CubeCL's checked mode); the
//! fused kernels of a batch run go through `launch_unchecked`, their bounds stated in their
//! `# Safety` docs and checked by the host before the launch, their results tested bit for bit
//! against the checked kernels they fuse (`som/tests/kernels.rs`).

pub mod accumulate;
pub mod bmu;
pub mod bmu_mma;
pub mod online;
pub mod smooth;

use cubecl::prelude::*;

/// A score larger than any real one. WGSL has no infinity literal, so `f32::MAX` stands in.
#[cube]
pub fn no_score() -> f32 {
    f32::new(3.402_823_5e38)
}

/// The index paired with [`no_score()`], and the key of "no example" in the counting sort: above
/// any unit index (a map has fewer than 2^31 units).
#[cube]
pub fn no_unit() -> u32 {
    u32::new(2_147_483_647)
}
