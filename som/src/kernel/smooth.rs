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

/// Floats of shared memory for [`smooth_columns()`]' partial sums: `classes * gy * (k + 1)` for
/// `k` channels a cube (8 KiB; with both factor tables 12 KiB, under WebGPU's guaranteed 16).
pub const COLUMN_SUMS: usize = 2048;
/// Longest grid side whose factors [`smooth_columns()`] tabulates in shared memory (playbook map).
pub const COLUMN_TABLE: usize = 512;

/// Both passes and the division in one launch, one cube per map column `x` and block of `k`
/// channels (cube `(x, chunk)`: channels `chunk * k..` and the count, channel `d`): the cube
/// computes its column of `U` (`[classes, gy, k + 1]`, every target class) into shared memory,
/// then the new weights of the column from it. Each entry is the same sum, in the same order,
/// as [`smooth_x()`] then [`smooth_y_divide()`] (`table` false: the playbook's map, its
/// exponentials tabulated per cube, `exp(-k^2 / s^2)` by distance `k`, which is what the two
/// kernels compute for `±k`) or [`smooth_x_table()`] then [`smooth_y_table_divide()`] (`table`
/// true), so the same bits, one launch and the `U` round trip through memory fewer. `w` is
/// dense `[gx * gy, d]`; `fx`, `fy` and `old` as in the table kernels (unread when `table` is
/// false). Launch with `classes * gy * (k + 1) <= COLUMN_SUMS` and, when `table` is false,
/// `gx, gy <= COLUMN_TABLE`.
///
/// # Safety (of an unchecked launch)
/// `sums` holds `gx * gy * (d + 1)` floats, `w` `gx * gy * d`, the tables their entries (see
/// [`smooth_x_table()`]), `old` `gx * gy` rows `old_stride` apart, and the bounds above hold.
#[allow(clippy::too_many_arguments)]
#[cube(launch, launch_unchecked)]
pub fn smooth_columns(
    sums: &Array<f32>,
    fx: &Array<f32>,
    fy: &Array<f32>,
    old: &Array<f32>,
    w: &mut Array<f32>,
    gx: u32,
    gy: u32,
    d: u32,
    k: u32,
    classes: u32,
    inv_x: f32,
    inv_y: f32,
    old_stride: u32,
    keep: u32,
    eps: f32,
    #[comptime] table: bool,
) {
    let tid = UNIT_POS_X as usize;
    let threads = CUBE_DIM_X as usize;
    let x = CUBE_POS_X as usize;
    let gx = gx as usize;
    let gy = gy as usize;
    let d = d as usize;
    let classes = classes as usize;
    let width = d + 1;
    let c0 = CUBE_POS_Y as usize * k as usize;
    let mut kc = k as usize;
    if c0 + kc > d {
        kc = d - c0;
    }
    // Channels of this cube, then the count: `kc + 1` columns of `U` for each grid row.
    let cols = kc + 1;
    let mut u = SharedMemory::<f32>::new(COLUMN_SUMS);
    let mut hx = SharedMemory::<f32>::new(COLUMN_TABLE);
    let mut hy = SharedMemory::<f32>::new(COLUMN_TABLE);
    if !table {
        let mut a = tid;
        while a < gx {
            let dist = a as f32;
            hx[a] = f32::exp(-(dist * dist) * inv_x);
            a += threads;
        }
        let mut b = tid;
        while b < gy {
            let dist = b as f32;
            hy[b] = f32::exp(-(dist * dist) * inv_y);
            b += threads;
        }
        sync_cube();
    }
    let plane = gy * width;
    let mut e = tid;
    while e < classes * gy * cols {
        let pj = e / (gy * cols);
        let b = (e / cols) % gy;
        let cc = e % cols;
        let mut c = c0 + cc;
        if cc == kc {
            c = d;
        }
        let rest = b * width + c;
        let mut s = 0.0f32;
        if table {
            let pb = b % classes;
            let base = (pb * classes + pj) * (2 * gx - 1) + x + gx - 1;
            for a in 0..gx {
                s += fx[base - a] * sums[a * plane + rest];
            }
        } else {
            for a in 0..gx {
                let mut dist = x - a;
                if a > x {
                    dist = a - x;
                }
                s += hx[dist] * sums[a * plane + rest];
            }
        }
        u[e] = s;
        e += threads;
    }
    sync_cube();
    let mut e = tid;
    while e < gy * kc {
        let j = e / kc;
        let cc = e % kc;
        let copy = (j % classes) * gy * cols;
        let mut num = 0.0f32;
        let mut den = 0.0f32;
        for b in 0..gy {
            let mut dist = j - b;
            if b > j {
                dist = b - j;
            }
            let h = if table { fy[j + gy - 1 - b] } else { hy[dist] };
            let row = copy + b * cols;
            num += h * u[row + cc];
            den += h * u[row + kc];
        }
        let unit = x * gy + j;
        let c = c0 + cc;
        if table && keep == 1 && den == 0.0 {
            w[unit * d + c] = old[unit * old_stride as usize + c];
        } else {
            w[unit * d + c] = num / (den + eps);
        }
        e += threads;
    }
}
