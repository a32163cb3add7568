//! Animated GIFs of pictures, dithered so that smooth colours stay smooth.
//!
//! A GIF frame holds at most 256 colours. Mapping each pixel to its nearest palette colour
//! turns a smooth map into flat blocks (posterising); Floyd-Steinberg error diffusion instead
//! passes each pixel's rounding error on to its unvisited neighbours (7/16 right, 3/16 below
//! left, 5/16 below, 1/16 below right), so that over any small patch the mean colour is the
//! picture's. The palette, one per frame, is NeuQuant's (the `color_quant` crate) 248 colours
//! for the frame plus the colour cube's 8 corners: NeuQuant alone under-represents extreme
//! colours, and with the corners every colour is a mix of palette colours, so diffusion can
//! reach it.

use std::path::Path;

use super::image::Image;
use crate::error::SomError;
use crate::io::write_atomic;

/// The most pixels a GIF has along a side.
pub const GIF_MAX_SIDE: u32 = u16::MAX as u32;

/// NeuQuant's sampling factor: 1 learns from every pixel (best), 30 from one in 30 (fastest).
const SAMPLE: i32 = 1;
/// The colours NeuQuant learns; the cube's 8 corners make 256.
const LEARNED: usize = 248;
/// Bits per channel of the nearest-colour lookup table: 5 makes 32768 entries, and the
/// lookup's rounding (at most 4 levels a channel) is diffused like any other error.
const LOOKUP_BITS: u32 = 5;

/// Writes `frames` as a looping GIF, atomically: each shown `delay` hundredths of a second, the
/// last held `hold` hundredths so that the finished map can be seen.
///
/// # Errors
/// [`SomError::Data`] if there are no frames or they differ in size; [`SomError::Limit`] if a
/// side exceeds [`GIF_MAX_SIDE`]; [`SomError::Io`] if the file cannot be written.
pub fn write_gif(path: &Path, frames: &[Image], delay: u16, hold: u16) -> Result<(), SomError> {
    let Some(first) = frames.first() else {
        return Err(SomError::Data("an animation needs at least one frame".into()));
    };
    let (w, h) = (first.width, first.height);
    if let Some(i) = frames.iter().position(|f| (f.width, f.height) != (w, h)) {
        return Err(SomError::Data(format!(
            "frame {i} is {} x {} pixels, frame 0 {w} x {h}",
            frames[i].width, frames[i].height
        )));
    }
    if w > GIF_MAX_SIDE || h > GIF_MAX_SIDE {
        return Err(SomError::Limit(format!(
            "a {w} x {h} pixel animation is larger than GIF allows ({GIF_MAX_SIDE} a side)"
        )));
    }
    let gif_error = |e: gif::EncodingError| SomError::io(path, std::io::Error::other(e));
    let mut bytes = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut bytes, w as u16, h as u16, &[]).map_err(gif_error)?;
        enc.set_repeat(gif::Repeat::Infinite).map_err(gif_error)?;
        for (i, image) in frames.iter().enumerate() {
            let (palette, indices) = dither(image);
            let mut frame = gif::Frame::from_palette_pixels(w as u16, h as u16, indices, palette, None);
            frame.delay = if i + 1 == frames.len() { hold } else { delay };
            enc.write_frame(&frame).map_err(gif_error)?;
        }
    }
    write_atomic(path, &bytes)
}

/// A palette of up to 256 colours for `image` (RGB triples) and each pixel's index into it,
/// with Floyd-Steinberg error diffusion.
pub(crate) fn dither(image: &Image) -> (Vec<u8>, Vec<u8>) {
    let rgba: Vec<u8> = image
        .rgb
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect();
    let mut palette = color_quant::NeuQuant::new(SAMPLE, LEARNED, &rgba).color_map_rgb();
    for corner in 0..8u8 {
        palette.extend((0..3).map(|c| if corner >> c & 1 == 1 { 255 } else { 0 }));
    }
    let mut nearest = Nearest::new(&palette);
    let (w, h) = (image.width as usize, image.height as usize);
    // The colour each pixel should be, its own plus the error diffused into it, this row and
    // the next.
    let mut row: Vec<[f32; 3]> = vec![[0.0; 3]; w];
    let mut next: Vec<[f32; 3]> = vec![[0.0; 3]; w];
    let mut indices = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let p = (y * w + x) * 3;
            // Not clamped to [0, 255]: near the cube's faces (a channel near 0 or 255) clamping
            // would drop error and bias the patch; the corners keep the error bounded.
            let want: [f32; 3] = std::array::from_fn(|c| image.rgb[p + c] as f32 + row[x][c]);
            let k = nearest.index(want.map(|v| v.clamp(0.0, 255.0).round() as u8));
            indices.push(k as u8);
            let err: [f32; 3] = std::array::from_fn(|c| want[c] - palette[k * 3 + c] as f32);
            for c in 0..3 {
                if x + 1 < w {
                    row[x + 1][c] += err[c] * 7.0 / 16.0;
                    next[x + 1][c] += err[c] / 16.0;
                }
                if x > 0 {
                    next[x - 1][c] += err[c] * 3.0 / 16.0;
                }
                next[x][c] += err[c] * 5.0 / 16.0;
            }
        }
        std::mem::swap(&mut row, &mut next);
        next.iter_mut().for_each(|e| *e = [0.0; 3]);
    }
    (palette, indices)
}

/// The palette colour nearest (squared RGB distance) to a colour, looked up through a table of
/// colours rounded to [`LOOKUP_BITS`] a channel, filled as needed.
struct Nearest<'a> {
    palette: &'a [u8],
    table: Vec<u16>,
}

impl<'a> Nearest<'a> {
    const UNKNOWN: u16 = u16::MAX;

    fn new(palette: &'a [u8]) -> Self {
        Self {
            palette,
            table: vec![Self::UNKNOWN; 1 << (3 * LOOKUP_BITS)],
        }
    }

    fn index(&mut self, c: [u8; 3]) -> usize {
        let shift = 8 - LOOKUP_BITS;
        let key = c
            .iter()
            .fold(0usize, |k, &v| (k << LOOKUP_BITS) | (v >> shift) as usize);
        if self.table[key] == Self::UNKNOWN {
            // The centre of the table cell.
            let centre = c.map(|v| ((v >> shift) << shift) as i32 + (1 << shift) / 2);
            let best = self
                .palette
                .chunks_exact(3)
                .map(|p| (0..3).map(|i| (p[i] as i32 - centre[i]).pow(2)).sum::<i32>())
                .enumerate()
                .min_by_key(|&(_, d)| d)
                .map_or(0, |(i, _)| i);
            self.table[key] = best as u16;
        }
        self.table[key] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth picture with far more than 256 colours: red across, green down, blue both.
    fn gradient(w: u32, h: u32) -> Image {
        let rgb = (0..h)
            .flat_map(|y| {
                (0..w).flat_map(move |x| {
                    let (r, g) = (x * 255 / (w - 1), y * 255 / (h - 1));
                    [r as u8, g as u8, ((r + g) / 2) as u8]
                })
            })
            .collect();
        Image {
            width: w,
            height: h,
            rgb,
        }
    }

    /// The largest difference, over `side x side` patches and channels, between the patches'
    /// mean colours in `image` and in `indices` through `palette`; patches on the picture's
    /// border are left out: error diffused past the last row or column is lost.
    fn patch_error(image: &Image, palette: &[u8], indices: &[u8], side: u32) -> f32 {
        let mut worst = 0.0f32;
        for py in (side..image.height - 2 * side + 1).step_by(side as usize) {
            for px in (side..image.width - 2 * side + 1).step_by(side as usize) {
                for c in 0..3 {
                    let (mut a, mut b) = (0.0, 0.0);
                    for y in py..py + side {
                        for x in px..px + side {
                            let i = (y * image.width + x) as usize;
                            a += image.rgb[i * 3 + c] as f32;
                            b += palette[indices[i] as usize * 3 + c] as f32;
                        }
                    }
                    worst = worst.max((a - b).abs() / (side * side) as f32);
                }
            }
        }
        worst
    }

    #[test]
    fn dithering_keeps_each_patch_s_mean_colour() {
        let image = gradient(128, 128);
        let (palette, indices) = dither(&image);
        assert_eq!(indices.len(), 128 * 128);
        assert!(palette.len() <= 256 * 3);
        let dithered = patch_error(&image, &palette, &indices, 8);
        // The same palette without error diffusion: each pixel its nearest colour.
        let mut nearest = Nearest::new(&palette);
        let posterised: Vec<u8> = image
            .rgb
            .chunks(3)
            .map(|p| nearest.index([p[0], p[1], p[2]]) as u8)
            .collect();
        let posterised = patch_error(&image, &palette, &posterised, 8);
        assert!(
            // Measured: 4.7 dithered, 11.6 without (the worst patches lie by the data's edges).
            dithered < 6.0 && dithered < posterised / 2.0,
            "8 x 8 patch means off by {dithered} levels dithered, {posterised} without"
        );
    }

    #[test]
    fn the_gif_loops_holds_its_last_frame_and_is_deterministic() {
        let frames = vec![gradient(40, 30), gradient(40, 30), gradient(40, 30)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("film.gif");
        write_gif(&path, &frames, 10, 200).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::RGBA);
        let mut decoder = options.read_info(bytes.as_slice()).unwrap();
        assert_eq!((decoder.width(), decoder.height()), (40, 30));
        let mut delays = Vec::new();
        while let Some(frame) = decoder.read_next_frame().unwrap() {
            delays.push(frame.delay);
        }
        assert_eq!(delays, [10, 10, 200]);
        write_gif(&dir.path().join("again.gif"), &frames, 10, 200).unwrap();
        assert_eq!(std::fs::read(dir.path().join("again.gif")).unwrap(), bytes);
    }

    #[test]
    fn bad_frames_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("film.gif");
        assert!(matches!(write_gif(&path, &[], 10, 10), Err(SomError::Data(_))));
        let mixed = [gradient(4, 4), gradient(5, 4)];
        assert!(matches!(write_gif(&path, &mixed, 10, 10), Err(SomError::Data(m)) if m.contains("frame 1")));
        assert!(!path.exists());
    }
}
