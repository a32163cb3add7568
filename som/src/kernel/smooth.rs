//! The separable neighbourhood applied to per-unit sums, then the division: the new weights.
//!
//! With `S` the `[X, Y, D + 1]` per-unit sums and counts, `U = Hx S` along x ([`smooth_x()`]),
//! then `W[x, y, c] = (Hy U)[x, y, c] / ((Hy U)[x, y, D] + 1e-8)` along y ([`smooth_y_divide()`]).
//! `h(a, b) = exp(-(a - b)^2 / s^2)` is computed in the kernel: `O((X + Y)·M·D)` work, no
//! neighbourhood matrix to upload each epoch. Each output sums over grid rows in order.

use cubecl::prelude::*;

/// `out[i, y, c] = sum_a exp(-(i - a)^2 * inv_s2) * sums[a, y, c]` over `a < gx`; one thread per
/// entry of `[gx, gy, width]`.
#[cube(launch)]
pub fn smooth_x(sums: &Array<f32>, out: &mut Array<f32>, gx: u32, gy: u32, width: u32, inv_s2: f32) {
    let e = ABSOLUTE_POS;
    let gx = gx as usize;
    let plane = gy as usize * width as usize;
    if e >= gx * plane {
        terminate!();
    }
    let i = e / plane;
    let rest = e % plane;
    let mut s = 0.0f32;
    for a in 0..gx {
        let dist = i as f32 - a as f32;
        s += f32::exp(-(dist * dist) * inv_s2) * sums[a * plane + rest];
    }
    out[e] = s;
}

/// `w[x, j, c] = num / (den + eps)` with `num = sum_b exp(-(j - b)^2 * inv_s2) * u[x, b, c]` and
/// `den` the same over `c = d`; one thread per entry of `[gx, gy, d]`.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn smooth_y_divide(u: &Array<f32>, w: &mut Array<f32>, gx: u32, gy: u32, d: u32, inv_s2: f32, eps: f32) {
    let e = ABSOLUTE_POS;
    let gy = gy as usize;
    let d = d as usize;
    if e >= gx as usize * gy * d {
        terminate!();
    }
    let x = e / (gy * d);
    let j = (e / d) % gy;
    let c = e % d;
    let width = d + 1;
    let mut num = 0.0f32;
    let mut den = 0.0f32;
    for b in 0..gy {
        let dist = j as f32 - b as f32;
        let h = f32::exp(-(dist * dist) * inv_s2);
        let row = (x * gy + b) * width;
        num += h * u[row + c];
        den += h * u[row + d];
    }
    w[e] = num / (den + eps);
}
