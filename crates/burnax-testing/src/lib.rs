//! Oracles and named tolerances shared by the burnax test suites (`publish = false`).
//!
//! Every fast path in the workspace is tested against a slow oracle; the comparisons use the
//! tolerances here, each with the reason for its size, never a bare epsilon.
//!
//! - [`check_grads`]: reverse-mode derivatives (`burnax::grad`) against central differences
//!   along random directions, in `f64`, up to third order.
//! - [`check_vmap`]: `vmap(f)` against [`looped`], a loop of `f` over the examples.
//! - [`assert_close`] with a named [`Tolerance`].
//!
//! ```
//! use burnax_testing::{assert_close, Tolerance};
//! assert_close(&[1.0f32, 2.0], &[1.0, 2.00001], Tolerance::F32_VS_F64, "example");
//! ```
#![warn(missing_docs)]

pub mod grads;
pub mod vmap;
pub use grads::check_grads;
pub use vmap::{check_vmap, looped};

/// `|got - want| <= rtol * |want| + atol`, element by element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Relative part.
    pub rtol: f64,
    /// Absolute floor, for values near zero.
    pub atol: f64,
}

impl Tolerance {
    /// An `f32` computation against an `f64` oracle of the same math, a few hundred terms
    /// deep: rounding is ~1e-6 relative, so 1e-4 leaves two orders of margin and still catches
    /// any wrong formula. The floor 1e-6 covers values that underflow differently in `f32`.
    pub const F32_VS_F64: Tolerance = Tolerance {
        rtol: 1e-4,
        atol: 1e-6,
    };

    /// Reverse-mode derivatives in `f64` against central differences: `check_grads`'s
    /// five-point stencil at `h = 1e-3` (truncation `h^4 / 30` times the fifth derivative along
    /// the direction, rounding about `1e-16 / h = 1e-13` relative), and the tests' plain central
    /// differences at `h = 1e-6` (truncation `h^2 / 6` times the third derivative, `2e-13` for
    /// their well-scaled functions; rounding `1e-16 / h = 1e-10`). `1e-8` relative, with a `1e-9`
    /// floor for derivatives near zero, leaves two orders of margin over the larger, and still
    /// fails on an `f32` rounding leaking into the `f64` derivative (`6e-8` relative and up): see
    /// `check_grads_catches_an_f32_rounding`.
    pub const CENTRAL_DIFF_F64: Tolerance = Tolerance {
        rtol: 1e-8,
        atol: 1e-9,
    };

    /// The same `f32` computation in another order: a batched operation (one GEMM over the
    /// folded batch, a reduction over a reshaped tensor) against per-example calls. Two orders
    /// of a sum of `k` terms differ by at most about `2 (k - 1) u` times the sum of the terms'
    /// magnitudes (`u = 6e-8`, the worst case; typical errors grow as `sqrt(k) u`). The tests'
    /// longest sums have about 110 terms of values near 1 (the interpolated image of `ConvLoss`,
    /// 3 x 6 x 6, and the convolutions' outputs), a worst case of `1.3e-5` of that magnitude and a
    /// typical `1e-6`: `1e-5` relative, with a `1e-5` floor for sums that cancel to near zero,
    /// holds in practice and still fails on any misplaced element (an error of order 1).
    pub const F32_REORDERED: Tolerance = Tolerance {
        rtol: 1e-5,
        atol: 1e-5,
    };

    /// The same `f64` computation grouped another way: a batched pass against a loop of passes
    /// (`jacrev` against `jacrev(..).looped()`). Each entry is a sum of a few dozen products,
    /// rounded at about 1e-16 each, so 1e-12 leaves a wide margin and still catches a missing or
    /// extra term.
    pub const F64_REORDERED: Tolerance = Tolerance {
        rtol: 1e-12,
        atol: 1e-12,
    };

    /// Whether `got` is within the tolerance of `want`.
    pub fn accepts(&self, got: f64, want: f64) -> bool {
        (got - want).abs() <= self.rtol * want.abs() + self.atol
    }
}

/// Asserts that `got` and `want` have the same length and agree within `tol` element by
/// element.
///
/// # Panics
/// On the first element outside the tolerance, naming `what`, the index and both values.
#[track_caller]
pub fn assert_close(got: &[f32], want: &[f64], tol: Tolerance, what: &str) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: got {} values, want {}",
        got.len(),
        want.len()
    );
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            tol.accepts(g as f64, w),
            "{what}: element {i}: got {g}, oracle {w} (error {:e}, tolerance {tol:?})",
            (g as f64 - w).abs()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "element 1")]
    fn a_far_value_fails() {
        assert_close(&[1.0, 2.1], &[1.0, 2.0], Tolerance::F32_VS_F64, "far");
    }

    #[test]
    fn near_zero_uses_the_floor() {
        assert!(Tolerance::F32_VS_F64.accepts(0.0, 1e-30));
        assert!(!Tolerance::F32_VS_F64.accepts(0.0, 1e-5));
    }
}
