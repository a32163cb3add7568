//! The SOM's neighbourhood and constants, shared by every path (the reference, the fused CPU
//! kernels, the tensor-op path and the GPU kernels).
//!
//! The neighbourhood is the playbook's separable Gaussian, with no factor 2:
//! `h(c, j) = exp(-(cx - jx)^2 / sx^2) * exp(-(cy - jy)^2 / sy^2)`, the outer product of one
//! [`gaussian_row`] per axis. A batch epoch smooths per-unit sums with one [`gaussian_matrix`]
//! per axis and divides by the smoothed counts plus [`DEN_EPS`].

/// The playbook's denominator guard of a batch epoch: `W = num / (den + 1e-8)`.
pub const DEN_EPS: f32 = 1e-8;

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

/// [`gaussian_matrix`] in `f32`, as the kernels and the tensor-op path multiply with it.
pub fn gaussian_matrix_f32(n: usize, sigma: f64) -> Vec<f32> {
    gaussian_matrix(n, sigma).into_iter().map(|v| v as f32).collect()
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
    let s2 = sigma * sigma;
    let r = (-1.0 / s2).exp(); // g(c + 1) / g(c)
    let q = (-2.0 / s2).exp(); // ratio of successive ratios
    out[center] = if scale < GAUSSIAN_F32_FLOOR {
        0.0
    } else {
        scale as f32
    };
    for dir in [1isize, -1] {
        let (mut g, mut ratio) = (scale, r);
        let mut j = center as isize + dir;
        while j >= 0 && (j as usize) < n {
            g *= ratio;
            ratio *= q;
            // The row falls away from the centre: past the floor, the rest is 0 too.
            if g < GAUSSIAN_F32_FLOOR {
                g = 0.0;
            }
            out[j as usize] = g as f32;
            j += dir;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
