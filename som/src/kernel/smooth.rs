//! The separable neighbourhood applied to per-unit sums, then the division: the new weights.
//!
//! With `S` the `[X, Y, D + 1]` per-unit sums and counts, `U = Hx S` along x ([`smooth_x()`]),
//! then `W[x, y, c] = (Hy U)[x, y, c] / ((Hy U)[x, y, D] + 1e-8)` along y ([`smooth_y_divide()`]).
//! For the playbook's map ([`smooth_x()`], [`smooth_y_divide()`]) `h(a, b) = exp(-(a - b)^2 /
//! s^2)` is computed in the kernel: `O((X + Y)·M·D)` work, nothing to upload each epoch. Every
//! other separable map ([`smooth_x_table()`], [`smooth_y_table_divide()`]: hexagonal rows,
//! wrap-around, bubble and triangle) reads its factors from two small tables by index
//! difference, `(2X - 1)·classes^2 + 2Y - 1` floats an epoch. Each output sums over grid rows
//! in order.

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

/// Along x with the factors of any separable map ([`crate::neighborhood::SmoothingFactors`]):
/// `out[pj, i, b, c] = sum_a fx[pb, pj][i - a] * sums[a, b, c]` over `a < gx`, with `pb = b %
/// classes` the class of the source row and `pj` each target class (one copy of `out` per
/// target class: a hexagonal row's x offset depends on both rows). `fx` holds `classes^2`
/// tables of `2 gx - 1` factors, entry `i - a + gx - 1`. One thread per entry of `[classes,
/// gx, gy, width]`.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn smooth_x_table(
    sums: &Array<f32>,
    fx: &Array<f32>,
    out: &mut Array<f32>,
    gx: u32,
    gy: u32,
    width: u32,
    classes: u32,
) {
    let e = ABSOLUTE_POS;
    let gx = gx as usize;
    let gy = gy as usize;
    let classes = classes as usize;
    let plane = gy * width as usize;
    if e >= classes * gx * plane {
        terminate!();
    }
    let pj = e / (gx * plane);
    let i = (e / plane) % gx;
    let rest = e % plane;
    let pb = (rest / width as usize) % classes;
    let table = (pb * classes + pj) * (2 * gx - 1) + i + gx - 1;
    let mut s = 0.0f32;
    for a in 0..gx {
        s += fx[table - a] * sums[a * plane + rest];
    }
    out[e] = s;
}

/// Along y with the division: `w[x, j, c] = num / (den + eps)` with `num = sum_b fy[j - b] *
/// u[j % classes, x, b, c]` (`u` from [`smooth_x_table()`]) and `den` the same over `c = d`;
/// with `keep` 1, a unit whose `den` is exactly 0 keeps `old[x * gy + j, c]` (rows `old_stride`
/// apart; see [`crate::neighborhood::DEN_EPS`]). `fy` holds `2 gy - 1` factors, entry `j - b +
/// gy - 1`. One thread per entry of `[gx, gy, d]`.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
pub fn smooth_y_table_divide(
    u: &Array<f32>,
    fy: &Array<f32>,
    old: &Array<f32>,
    w: &mut Array<f32>,
    gx: u32,
    gy: u32,
    d: u32,
    classes: u32,
    old_stride: u32,
    keep: u32,
    eps: f32,
) {
    let e = ABSOLUTE_POS;
    let gx = gx as usize;
    let gy = gy as usize;
    let d = d as usize;
    if e >= gx * gy * d {
        terminate!();
    }
    let x = e / (gy * d);
    let j = (e / d) % gy;
    let c = e % d;
    let width = d + 1;
    let copy = (j % classes as usize) * gx * gy * width;
    let mut num = 0.0f32;
    let mut den = 0.0f32;
    for b in 0..gy {
        let h = fy[j + gy - 1 - b];
        let row = copy + (x * gy + b) * width;
        num += h * u[row + c];
        den += h * u[row + d];
    }
    if keep == 1 && den == 0.0 {
        w[e] = old[(x * gy + j) * old_stride as usize + c];
    } else {
        w[e] = num / (den + eps);
    }
}
