//! Pictures of a map that explain themselves: a title, axes, and a colour bar or legend
//! ([`Figure`]), written as PNG ([`Image::write_png`]) or, frame by frame, as an animated GIF
//! ([`write_gif`]).
//!
//! Text is drawn in DejaVu Sans, embedded in the binary, so pictures are the same on every
//! machine and need no system fonts.

mod animation;
mod color;
mod figure;
mod image;

pub use animation::{write_gif, GIF_MAX_SIDE};
pub use color::{class_color, viridis, Rgb};
pub use figure::{Figure, Panel, Plot};
pub use image::{Image, MAX_SIDE};
