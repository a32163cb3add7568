//! An RGB picture and its PNG encoding.

use crate::error::SomError;
use crate::io::write_atomic;
use std::path::Path;

/// The most pixels a PNG has along a side.
pub const MAX_SIDE: u64 = (1 << 31) - 1;

/// An RGB picture, row by row from the top, 3 bytes a pixel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub rgb: Vec<u8>,
}

impl Image {
    /// The pixel at column `x`, row `y`.
    ///
    /// # Panics
    /// If `(x, y)` is outside the picture.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        assert!(
            x < self.width && y < self.height,
            "pixel ({x}, {y}) outside the picture"
        );
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Encodes the picture as PNG and writes it atomically (a temporary file, then a rename).
    ///
    /// # Errors
    /// [`SomError::Io`] if the file cannot be written.
    pub fn write_png(&self, path: &Path) -> Result<(), SomError> {
        let mut bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut bytes, self.width, self.height);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc
                .write_header()
                .map_err(|e| SomError::io(path, std::io::Error::other(e)))?;
            writer
                .write_image_data(&self.rgb)
                .map_err(|e| SomError::io(path, std::io::Error::other(e)))?;
        }
        write_atomic(path, &bytes)
    }
}
