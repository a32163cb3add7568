//! The instruction set the hot loops run on, chosen once at run time.
//!
//! Each hot loop is written once, generic over [`pulp::Simd`], with the native register width
//! `S::F32_LANES` as its tile width: 16 lanes on AVX-512, 8 on AVX2+FMA, 4 on NEON, and 1 in the
//! scalar body every other CPU runs. A unit's arithmetic is the same whatever the width (each
//! lane scores or updates its own unit, in the same order), so AVX2 and AVX-512 give the same
//! bits; the scalar body differs from them only in not fusing multiply-adds.

use pulp::{Arch, Simd, WithSimd};

/// Where a kernel runs: the best instruction set of this CPU, or the scalar body (what a CPU
/// without SIMD runs; the tests compare it with the best one).
#[derive(Clone, Copy, Debug)]
pub(super) enum Isa {
    /// The best instruction set this CPU has (detected once per [`Isa::best`]).
    Best(Arch),
    /// The scalar body, one lane (constructed by the tests only: [`Isa::best`] falls back to
    /// it by itself).
    #[cfg_attr(not(test), allow(dead_code))]
    Scalar,
}

impl Isa {
    /// The best instruction set of this CPU.
    pub(super) fn best() -> Self {
        Isa::Best(Arch::new())
    }

    /// Runs `op` on this instruction set.
    #[inline(always)]
    pub(super) fn run<Op: WithSimd>(self, op: Op) -> Op::Output {
        match self {
            Isa::Best(arch) => arch.dispatch(op),
            Isa::Scalar => pulp::Scalar::new().vectorize(op),
        }
    }

    /// `f32` lanes of one register: the tile width of the packed layouts.
    pub(super) fn lanes(self) -> usize {
        struct Lanes;
        impl WithSimd for Lanes {
            type Output = usize;
            #[inline(always)]
            fn with_simd<S: Simd>(self, _: S) -> usize {
                S::F32_LANES
            }
        }
        self.run(Lanes)
    }
}

/// `[0, 1, 2, ...]`, one lane offset per lane.
#[inline(always)]
pub(super) fn lane_offsets<S: Simd>() -> S::u32s {
    const IOTA: [u32; 64] = {
        let mut v = [0u32; 64];
        let mut i = 0;
        while i < 64 {
            v[i] = i as u32;
            i += 1;
        }
        v
    };
    pulp::cast_lossy(IOTA)
}

/// `[0, 1, 0, 1, ...]`: the parity of each lane's offset, as `f32`.
#[inline(always)]
pub(super) fn lane_parity<S: Simd>() -> S::f32s {
    const PARITY: [f32; 64] = {
        let mut v = [0f32; 64];
        let mut i = 1;
        while i < 64 {
            v[i] = 1.0;
            i += 2;
        }
        v
    };
    pulp::cast_lossy(PARITY)
}

/// The lanes of a register of `f32`.
#[inline(always)]
pub(super) fn f32_lanes<S: Simd>(v: &S::f32s) -> &[f32] {
    pulp::bytemuck::cast_slice(std::slice::from_ref(v))
}

/// The lanes of a register of `u32`.
#[inline(always)]
pub(super) fn u32_lanes<S: Simd>(v: &S::u32s) -> &[u32] {
    pulp::bytemuck::cast_slice(std::slice::from_ref(v))
}

/// Keeps, lane by lane, the lower of `score` and the running best `(bv, bi)` (strict `<`: of
/// equal scores the one seen first, the lower index, stays).
#[inline(always)]
pub(super) fn keep_min<S: Simd>(simd: S, score: S::f32s, idx: S::u32s, bv: &mut S::f32s, bi: &mut S::u32s) {
    let lt = simd.less_than_f32s(score, *bv);
    *bv = simd.select_f32s(lt, score, *bv);
    *bi = simd.select_u32s(lt, idx, *bi);
}
