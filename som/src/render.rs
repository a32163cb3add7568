//! Pictures of a map: RGB for 3-D weights, a heat map for the U-matrix.

use crate::error::SomError;
use crate::grid::Grid;
use crate::io::write_atomic;
use std::path::Path;

/// Anchors of the viridis colour map, interpolated linearly.
const VIRIDIS: [[f32; 3]; 5] = [
    [0.267, 0.005, 0.329],
    [0.229, 0.322, 0.546],
    [0.128, 0.567, 0.551],
    [0.369, 0.789, 0.383],
    [0.993, 0.906, 0.144],
];

fn viridis(t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f32;
    let i = (t.floor() as usize).min(VIRIDIS.len() - 2);
    let f = t - i as f32;
    std::array::from_fn(|c| VIRIDIS[i][c] * (1.0 - f) + VIRIDIS[i + 1][c] * f)
}

/// The most pixels a PNG has along a side.
pub const MAX_SIDE: u64 = (1 << 31) - 1;

/// About how many bytes drawing `grid` at `scale` pixels per unit needs (the RGB pixels and
/// their encoding); `None` if a side exceeds [`MAX_SIDE`].
pub fn picture_bytes(grid: Grid, scale: usize) -> Option<u64> {
    let w = (grid.width as u64)
        .checked_mul(scale as u64)
        .filter(|&w| w <= MAX_SIDE)?;
    let h = (grid.height as u64)
        .checked_mul(scale as u64)
        .filter(|&h| h <= MAX_SIDE)?;
    w.checked_mul(h)?.checked_mul(3 * 2)
}

/// RGB pixels of a `width x height` image, `scale` pixels per unit: pixel column `x`, row `y`
/// shows unit `x * height + y`. `color(unit)` gives its colour in `[0, 1]^3`.
pub fn pixels(grid: Grid, scale: usize, color: impl Fn(usize) -> [f32; 3]) -> (u32, u32, Vec<u8>) {
    let (w, h) = (grid.width * scale, grid.height * scale);
    let mut out = Vec::with_capacity(w * h * 3);
    for py in 0..h {
        for px in 0..w {
            let c = color((px / scale) * grid.height + py / scale);
            out.extend(c.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
        }
    }
    (w as u32, h as u32, out)
}

/// Colours of 3-D weights read as RGB in `[0, 1]`.
pub fn rgb(weights: &[f32]) -> impl Fn(usize) -> [f32; 3] + '_ {
    move |i| [weights[i * 3], weights[i * 3 + 1], weights[i * 3 + 2]]
}

/// Colours of a U-matrix (`width * height` values), scaled from its minimum to its maximum.
pub fn heat(values: &[f32]) -> impl Fn(usize) -> [f32; 3] + '_ {
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    move |i| viridis((values[i] - lo) / span)
}

/// Encodes RGB pixels as PNG and writes them atomically.
///
/// # Errors
/// [`SomError::Io`] if the file cannot be written.
pub fn write_png(path: &Path, (w, h, rgb): (u32, u32, Vec<u8>)) -> Result<(), SomError> {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| SomError::io(path, std::io::Error::other(e)))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| SomError::io(path, std::io::Error::other(e)))?;
    }
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_layout_follows_the_grid() {
        let w = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]; // 2 x 2 map
        let (pw, ph, px) = pixels(Grid::new(2, 2), 1, rgb(&w));
        assert_eq!((pw, ph), (2, 2));
        // (x=0,y=0) unit 0 red; (x=1,y=0) unit 2 blue; (x=0,y=1) unit 1 green.
        assert_eq!(&px[0..3], &[255, 0, 0]);
        assert_eq!(&px[3..6], &[0, 0, 255]);
        assert_eq!(&px[6..9], &[0, 255, 0]);
        assert_eq!(viridis(0.0), VIRIDIS[0]);
        assert_eq!(viridis(1.0), VIRIDIS[4]);
    }
}
