//! What sizes and values `burnax-som` accepts, checked before any work starts, and why.
//!
//! - **Values** (data, initial weights, a model's weights): `|v| <= max_abs_value(dim)` with
//!   `max_abs_value(D) = sqrt(f32::MAX / (8 D))` (about `6.5e18 / sqrt(D)`). The search computes
//!   squared distances in `f32`, as `|x|^2 - 2 x.w + |w|^2` or as `sum (x - w)^2`; with every
//!   coordinate at most `M` in magnitude each form stays below `4 D M^2`, so the bound keeps it
//!   under half of `f32::MAX`. Above it a distance overflows to infinity and no unit is best:
//!   such data is refused with this bound in the message (scale it first). Training cannot leave
//!   the bound: a batch update is a weighted mean of examples and an online update
//!   `w + a h (x - w)` with `0 < a h <= 1` a point between `w` and `x`.
//! - **Units**: at most [`MAX_UNITS`] (the search returns `u32` indices, `u32::MAX` meaning
//!   none), and `width * height * dim` must be addressable.
//! - **Radii**: at least [`MIN_SIGMA`] (below about `5e-20`, `1 / sigma^2` overflows `f32`, and
//!   `0 * inf` is NaN; `1e-6` leaves a wide margin).
//! - **Online steps**: at most [`MAX_STEPS`] (a resumed run replays the example order up to its
//!   step, which is `O(steps)`).
//! - **Memory**: what the map, the data and a picture need is estimated from their sizes and
//!   compared with a [`MemoryLimit`] (8 GiB unless raised) before anything is allocated.

use std::fmt;
use std::str::FromStr;

use crate::error::SomError;
use crate::grid::Topology;

/// The largest magnitude a value may have in `dim`-dimensional data or weights (see the
/// [module docs](self)).
pub fn max_abs_value(dim: usize) -> f32 {
    (f64::from(f32::MAX) / (8.0 * dim.max(1) as f64)).sqrt() as f32
}

/// Errors if a value of `values` (rows of `dim`) is NaN, infinite or above
/// [`max_abs_value`]`(dim)`; `what` names them ("the data", "initial weights").
///
/// # Errors
/// [`SomError::Data`] naming the row, column, value and bound.
pub fn check_values(values: &[f32], dim: usize, what: &str) -> Result<(), SomError> {
    check_rows(values, dim, 0, what)
}

/// [`check_values`] of rows that start at row `first` (0-based) of their data set (one rank's
/// shard), named by their place in the whole.
///
/// # Errors
/// As [`check_values`].
pub fn check_rows(values: &[f32], dim: usize, first: usize, what: &str) -> Result<(), SomError> {
    let bound = max_abs_value(dim);
    // NaN fails `within` as it fails every comparison.
    let within = |v: &f32| v.abs() <= bound;
    let Some(i) = values.iter().position(|v| !within(v)) else {
        return Ok(());
    };
    let (row, col, v) = (first + i / dim.max(1) + 1, i % dim.max(1) + 1, values[i]);
    if !v.is_finite() {
        return Err(SomError::Data(format!("{what}: row {row}, column {col} is {v}")));
    }
    Err(SomError::Data(format!(
        "{what}: row {row}, column {col} is {v:e}, beyond {bound:.2e}, the largest magnitude whose \
         squared distances f32 holds in dimension {dim}: scale the data"
    )))
}

/// The smallest neighbourhood radius accepted (see the [module docs](self)). A radius below
/// about 0.1 already confines the neighbourhood to the best unit.
pub const MIN_SIGMA: f64 = 1e-6;

/// The most online steps a schedule may have, `2^40` (about 10^12: days of training on the
/// smallest map).
pub const MAX_STEPS: usize = 1 << 40;

/// The most units a map may have: indices are `u32`, with `u32::MAX` meaning "none".
pub const MAX_UNITS: usize = u32::MAX as usize - 1;

/// Errors unless a `width x height` map of `dim`-dimensional weights has at most
/// [`MAX_UNITS`] units and its `width * height * (dim + 1)` `f32`s are addressable; returns the
/// number of units.
///
/// # Errors
/// [`SomError::Config`] naming the sizes.
pub fn check_map(width: usize, height: usize, dim: usize) -> Result<usize, SomError> {
    let units = width
        .checked_mul(height)
        .filter(|&u| u <= MAX_UNITS)
        .ok_or_else(|| {
            SomError::config(format!(
                "a {width} x {height} map has more than {MAX_UNITS} units, the most a map may have"
            ))
        })?;
    units
        .checked_mul(dim.saturating_add(1))
        .and_then(|v| v.checked_mul(4))
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or_else(|| {
            SomError::config(format!(
                "a {width} x {height} map of dimension {dim} is too large to address"
            ))
        })?;
    Ok(units)
}

/// Map-sized `f32` buffers a training run holds at once (the weights, their packed copy, the
/// per-unit sums, the smoothing's two passes, the new weights, Burn's copies, the allocator's
/// slack): 12 measured, 1.64 GB peak for a 2-unit map of dimension 12.5 million on 2 rows,
/// against 1.7 GB estimated; and 2 more that other maps add (a hexagonal smoothing's share of
/// each row parity, the cosine's unit rows of the weights).
const MAP_BUFFERS: u64 = 14;
/// Data-sized `f32` buffers: the file's bytes, the values read, the tensor, host copies, and
/// the cosine's unit rows.
const DATA_BUFFERS: u64 = 6;

/// About how many bytes training a `width x height` map of dimension `dim` on `rows` examples
/// needs; `None` if that does not fit a `u64`. The CPU's batch smoothing also holds its dense
/// neighbourhood matrices in `f32`: one `width^2` and one `height^2`, or on a hexagonal grid
/// one `width^2` per pair of row parities (4) and one `height^2` per parity (2).
pub fn training_bytes(
    width: usize,
    height: usize,
    dim: usize,
    rows: usize,
    topology: Topology,
) -> Option<u64> {
    let units = (width as u64).checked_mul(height as u64)?;
    let map = units
        .checked_mul((dim as u64).checked_add(1)?)?
        .checked_mul(4 * MAP_BUFFERS)?;
    let data = (rows as u64)
        .checked_mul(dim as u64)?
        .checked_mul(4 * DATA_BUFFERS)?;
    let (along_x, along_y) = match topology {
        Topology::Rectangular => (1, 1),
        Topology::Hexagonal => (4, 2),
    };
    let square = |s: usize, count: u64| (s as u64).checked_mul(s as u64)?.checked_mul(4 * count);
    map.checked_add(data)?
        .checked_add(square(width, along_x)?)?
        .checked_add(square(height, along_y)?)
}

/// About how many bytes [`crate::Init::Pca`] needs on `rows x dim` data: the covariance
/// (`dim^2` doubles) when `dim <= rows`, else the centred data (`rows * dim` doubles).
pub fn pca_bytes(rows: usize, dim: usize) -> Option<u64> {
    let (a, b) = (dim as u64, (dim.min(rows)) as u64);
    a.checked_mul(b)?.checked_mul(8)
}

/// A ceiling on the memory a command may use, checked before allocating: 8 GiB by default.
///
/// Parsed from a number of bytes with an optional binary unit: `512M`, `8G`, `1.5GiB`, `64T`.
///
/// ```
/// use burnax_som::limits::MemoryLimit;
///
/// let limit: MemoryLimit = "2G".parse().unwrap();
/// assert_eq!(limit.bytes(), 2 << 30);
/// assert!(limit.check("the map", Some(1 << 30)).is_ok());
/// let e = limit.check("the map", Some(3 << 30)).unwrap_err().to_string();
/// assert_eq!(e, "the map needs about 3.0 GiB, over the memory limit of 2.0 GiB");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimit(u64);

impl Default for MemoryLimit {
    fn default() -> Self {
        Self(8 << 30)
    }
}

impl MemoryLimit {
    /// A limit of `bytes`.
    pub fn new(bytes: u64) -> Self {
        Self(bytes)
    }

    /// The limit in bytes.
    pub fn bytes(&self) -> u64 {
        self.0
    }

    /// Errors if `needed` bytes (`None`: more than a `u64` counts) exceed the limit; `what`
    /// names what needs them.
    ///
    /// # Errors
    /// [`SomError::Limit`] naming `what`, the size and the limit.
    pub fn check(&self, what: &str, needed: Option<u64>) -> Result<(), SomError> {
        match needed {
            Some(b) if b <= self.0 => Ok(()),
            Some(b) => Err(SomError::Limit(format!(
                "{what} needs about {}, over the memory limit of {}",
                Bytes(b),
                Bytes(self.0)
            ))),
            None => Err(SomError::Limit(format!(
                "{what} needs more than 2^64 bytes, over the memory limit of {}",
                Bytes(self.0)
            ))),
        }
    }
}

impl FromStr for MemoryLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            "t" | "tb" | "tib" => 1 << 40,
            _ => return Err(format!("{s:?}: expected a size such as 512M, 8G or 1.5GiB")),
        };
        let n: f64 = number
            .parse()
            .map_err(|_| format!("{s:?}: expected a size such as 512M, 8G or 1.5GiB"))?;
        let bytes = n * scale as f64;
        if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
            return Err(format!("{s:?}: a size from 1 byte to 16 EiB"));
        }
        Ok(Self(bytes as u64))
    }
}

impl fmt::Display for MemoryLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Bytes(self.0).fmt(f)
    }
}

/// A byte count in binary units, for messages.
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
        let mut v = self.0 as f64;
        let mut u = 0;
        while v >= 1024.0 && u < UNITS.len() - 1 {
            v /= 1024.0;
            u += 1;
        }
        if u == 0 {
            write!(f, "{} bytes", self.0)
        } else {
            write!(f, "{v:.1} {}", UNITS[u])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_bound_keeps_squared_distances_finite() {
        for d in [1, 3, 64, 3000] {
            let m = max_abs_value(d);
            // The worst case: x = M, w = -M in every coordinate, summed in f32.
            let worst: f32 = (0..d).map(|_| (m - -m) * (m - -m)).sum();
            assert!(
                worst.is_finite() && worst <= f32::MAX / 2.0 * 1.0001,
                "d = {d}: {worst}"
            );
            // Twice the bound overflows: the bound is not far looser than it needs to be.
            let over: f32 = (0..d).map(|_| (4.0 * m) * (4.0 * m)).sum();
            assert!(!over.is_finite(), "d = {d}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        assert!(check_values(&[1.0, -2.0, 3e18], 3, "the data").is_ok());
        let e = check_values(&[1.0, 2.0, 3.0, 4.0, 1e20, 6.0], 3, "the data").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the data: row 2, column 2 is 1e20, beyond 3.77e18"),
            "{e}"
        );
        let e = check_values(&[1.0, f32::NAN], 2, "initial weights").unwrap_err();
        assert_eq!(e.to_string(), "initial weights: row 1, column 2 is NaN");
    }

    #[test]
    fn map_sizes_are_checked_not_wrapped() {
        assert_eq!(check_map(240, 135, 3).unwrap(), 32_400);
        assert!(check_map(1 << 32, 1 << 32, 3).is_err(), "the product wraps to 0");
        assert!(check_map((1 << 62) + 4, 4, 1).is_err(), "the product wraps to 16");
        assert!(check_map(1 << 20, 1 << 12, 1).is_err(), "2^32 units");
        // The bound itself: u32::MAX - 1 units (2 x 2147483647) pass, u32::MAX (65537 x 65535,
        // the "none" index) does not.
        assert_eq!(check_map(2, 2_147_483_647, 1).unwrap(), MAX_UNITS);
        assert!(check_map(65_537, 65_535, 1).is_err(), "u32::MAX units");
        assert!(check_map(1 << 16, 1 << 15, 1 << 40).is_err(), "bytes overflow");
    }

    #[test]
    fn limits_parse_and_compare() {
        assert_eq!("512M".parse::<MemoryLimit>().unwrap().bytes(), 512 << 20);
        assert_eq!("1.5GiB".parse::<MemoryLimit>().unwrap().bytes(), 3 << 29);
        assert_eq!("4096".parse::<MemoryLimit>().unwrap().bytes(), 4096);
        assert!("8X".parse::<MemoryLimit>().is_err());
        assert!("0".parse::<MemoryLimit>().is_err());
        assert!(MemoryLimit::default().check("x", None).is_err());
        assert_eq!(MemoryLimit::default().to_string(), "8.0 GiB");
        let need = training_bytes(100_000, 100_000, 3, 1000, Topology::Rectangular).unwrap();
        assert!(MemoryLimit::default().check("the map", Some(need)).is_err());
        // A long, thin map: few units, but the dense neighbourhood matrix along x is 10^12.
        let need = training_bytes(1_000_000, 1, 3, 1000, Topology::Rectangular).unwrap();
        assert!(MemoryLimit::default().check("the map", Some(need)).is_err());
        assert!(training_bytes(usize::MAX, usize::MAX, 1, 1, Topology::Rectangular).is_none());
    }

    /// The estimates' formulas on small sizes, by hand.
    #[test]
    fn estimates_follow_their_formulas() {
        // 12 units of 2 + 1 floats in 14 buffers (2016), 10 x 2 data floats in 6 (480), and the
        // neighbourhood matrices, 4^2 and 3^2 entries of 4 bytes (64, 36), on a hexagonal grid
        // four along x and two along y.
        assert_eq!(
            training_bytes(4, 3, 2, 10, Topology::Rectangular),
            Some(2016 + 480 + 64 + 36)
        );
        assert_eq!(
            training_bytes(4, 3, 2, 10, Topology::Hexagonal),
            Some(2016 + 480 + 4 * 64 + 2 * 36)
        );
        assert_eq!(pca_bytes(10, 3), Some(3 * 3 * 8), "the covariance");
        assert_eq!(pca_bytes(2, 5), Some(5 * 2 * 8), "the centred data");
    }

    #[test]
    fn every_unit_and_the_bounds_parse() {
        let bytes = |s: &str| s.parse::<MemoryLimit>().map(|l| l.bytes());
        assert_eq!(bytes("2k"), Ok(2 << 10));
        assert_eq!(bytes("3 KiB"), Ok(3 << 10));
        assert_eq!(bytes("1t"), Ok(1 << 40));
        assert_eq!(bytes("7b"), Ok(7));
        // 2^64 bytes is one past the largest.
        assert!(bytes("17179869184G").is_err());
        assert_eq!(bytes("17179869183G"), Ok(17_179_869_183 << 30));
        // The limit itself is allowed.
        let limit = MemoryLimit::new(100);
        assert!(limit.check("x", Some(100)).is_ok());
        assert!(limit.check("x", Some(101)).is_err());
        // The largest count stays in the largest unit.
        assert_eq!(Bytes(u64::MAX).to_string(), "16384.0 PiB");
        assert_eq!(Bytes(1023).to_string(), "1023 bytes");
        assert_eq!(Bytes(1024).to_string(), "1.0 KiB");
    }
}
