//! Rescaling the features before training, and the same rescaling wherever the map meets data.
//!
//! A SOM measures Euclidean distances, so a feature that spans 0..1000 outweighs one that spans
//! 0..1 a millionfold (raw wine: QE 18.4, TE 0.43; z-scored: QE 1.92, TE 0.006). Both methods
//! are affine per column, `x' = (x - shift) / scale`, fitted on the training data:
//!
//! - [`Normalize::ZScore`]: `shift` the column's mean, `scale` its population standard
//!   deviation (`ddof = 0`, as NumPy's `std` and scikit-learn's `StandardScaler`);
//! - [`Normalize::MinMax`]: `shift` the minimum, `scale` the range (`max - min`), into `[0, 1]`.
//!
//! A constant column has no spread to divide by: its `scale` is 1, so it becomes 0
//! ([`Normalization::constant_columns`] names them).
//!
//! The fitted [`Normalization`] is stored in the model file; the map's weights live in the
//! rescaled space, and [`Normalization::apply`] brings other data into it (the distances a map
//! reports, QE included, are in that space), [`Normalization::undo`] brings weights back to
//! the data's units.
//!
//! Sums run in `f64`, in row order; [`ColumnStats`] continues from one block of rows to the
//! next, so ranks that each hold some rows, adding in rank order, get the bits of one process.

use serde::{Deserialize, Serialize};

use crate::error::SomError;

/// How to rescale the features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// Leave the data as it is.
    #[default]
    None,
    /// Subtract the mean, divide by the standard deviation.
    ZScore,
    /// Subtract the minimum, divide by the range.
    MinMax,
}

/// Feature ranges (`max - min`) that differ by more than this factor, with no normalisation
/// asked for, earn a warning: the widest feature then decides most distances.
pub const RANGE_RATIO_WARNING: f64 = 100.0;

/// Per-column minimum, maximum and sum over the rows seen so far, in row order.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnStats {
    /// Rows seen.
    pub rows: usize,
    /// The columns' minima (`+inf` before any row).
    pub min: Vec<f64>,
    /// The columns' maxima (`-inf` before any row).
    pub max: Vec<f64>,
    /// The columns' sums.
    pub sum: Vec<f64>,
}

impl ColumnStats {
    /// The stats of no rows, for `cols` columns.
    pub fn new(cols: usize) -> Self {
        Self {
            rows: 0,
            min: vec![f64::INFINITY; cols],
            max: vec![f64::NEG_INFINITY; cols],
            sum: vec![0.0; cols],
        }
    }

    /// Continues with the row-major rows `values`.
    ///
    /// # Panics
    /// If `values` is not whole rows.
    pub fn eat(&mut self, values: &[f32]) {
        let cols = self.sum.len();
        assert!(
            cols > 0 && values.len() % cols == 0,
            "whole rows of {cols} columns"
        );
        for row in values.chunks_exact(cols) {
            for (j, &v) in row.iter().enumerate() {
                let v = v as f64;
                self.min[j] = self.min[j].min(v);
                self.max[j] = self.max[j].max(v);
                self.sum[j] += v;
            }
        }
        self.rows += values.len() / cols;
    }

    /// The columns' means.
    pub fn mean(&self) -> Vec<f64> {
        self.sum.iter().map(|s| s / self.rows as f64).collect()
    }

    /// The largest ratio between two columns' ranges, and the two columns (widest, narrowest);
    /// constant columns are left out. `None` with fewer than two columns that vary.
    pub fn range_ratio(&self) -> Option<(f64, usize, usize)> {
        let ranges: Vec<(usize, f64)> = (0..self.sum.len())
            .map(|j| (j, self.max[j] - self.min[j]))
            .filter(|&(_, r)| r > 0.0)
            .collect();
        let wide = ranges.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
        let narrow = ranges.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))?;
        (wide.0 != narrow.0).then(|| (wide.1 / narrow.1, wide.0, narrow.0))
    }
}

/// Adds `sum_rows (x - mean)^2` per column of the row-major rows `values` to `acc`, in row
/// order: the second pass of the standard deviation (two passes, as NumPy's `var`, rather than
/// `E[x^2] - E[x]^2`, which cancels catastrophically on large offsets).
///
/// # Panics
/// If `values` is not whole rows of `mean.len()` columns, or `acc` has another length.
pub fn add_squared_deviations(acc: &mut [f64], values: &[f32], mean: &[f64]) {
    let cols = mean.len();
    assert!(cols > 0 && values.len() % cols == 0 && acc.len() == cols);
    for row in values.chunks_exact(cols) {
        for ((a, &v), &m) in acc.iter_mut().zip(row).zip(mean) {
            let d = v as f64 - m;
            *a += d * d;
        }
    }
}

/// A fitted rescaling: `x' = (x - shift) / scale` per column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    /// The method it was fitted with ([`Normalize::ZScore`] or [`Normalize::MinMax`]).
    pub method: Normalize,
    /// Subtracted from each column.
    pub shift: Vec<f64>,
    /// Then each column divided by this (positive; 1 for a constant column).
    pub scale: Vec<f64>,
}

impl Normalization {
    /// Fits `method` to the row-major `rows x cols` matrix `values`; `None` for
    /// [`Normalize::None`].
    ///
    /// ```
    /// use burnax_som::normalize::{Normalization, Normalize};
    ///
    /// let data = [1.0, 10.0, 3.0, 30.0]; // two rows, two columns
    /// let n = Normalization::fit(Normalize::MinMax, &data, 2).unwrap();
    /// assert_eq!((n.shift.clone(), n.scale.clone()), (vec![1.0, 10.0], vec![2.0, 20.0]));
    /// let mut x = data.to_vec();
    /// n.apply(&mut x);
    /// assert_eq!(x, [0.0, 0.0, 1.0, 1.0]);
    /// ```
    ///
    /// # Panics
    /// If `values` is not whole rows of `cols` columns, or has no rows (and `method` rescales).
    pub fn fit(method: Normalize, values: &[f32], cols: usize) -> Option<Self> {
        Self::fit_with_stats(method, values, cols).1
    }

    /// [`Normalization::fit`], with the stats of the columns it was fitted from (whatever the
    /// method: what notes and warnings about the data need).
    ///
    /// # Panics
    /// As [`Normalization::fit`].
    pub fn fit_with_stats(method: Normalize, values: &[f32], cols: usize) -> (ColumnStats, Option<Self>) {
        let mut stats = ColumnStats::new(cols);
        stats.eat(values);
        let squares = (method == Normalize::ZScore).then(|| {
            let mut acc = vec![0.0; cols];
            add_squared_deviations(&mut acc, values, &stats.mean());
            acc
        });
        let fitted = Self::from_stats(method, &stats, squares.as_deref());
        (stats, fitted)
    }

    /// The rescaling `method` from the stats of all the training rows and, for
    /// [`Normalize::ZScore`], their summed squared deviations from the mean
    /// ([`add_squared_deviations`]); `None` for [`Normalize::None`].
    ///
    /// # Panics
    /// If the stats hold no rows (and `method` rescales), or `ZScore` comes without
    /// `squared_deviations`.
    pub fn from_stats(
        method: Normalize,
        stats: &ColumnStats,
        squared_deviations: Option<&[f64]>,
    ) -> Option<Self> {
        if method == Normalize::None {
            return None;
        }
        assert!(stats.rows > 0, "normalisation fitted on no rows");
        let spread = |s: f64| if s > 0.0 && s.is_finite() { s } else { 1.0 };
        let (shift, scale) = match method {
            Normalize::None => unreachable!("returned above"),
            Normalize::ZScore => {
                let sq = squared_deviations.expect("z-scores need the squared deviations");
                let std = sq.iter().map(|s| spread((s / stats.rows as f64).sqrt()));
                (stats.mean(), std.collect())
            }
            Normalize::MinMax => (
                stats.min.clone(),
                stats
                    .min
                    .iter()
                    .zip(&stats.max)
                    .map(|(lo, hi)| spread(hi - lo))
                    .collect(),
            ),
        };
        Some(Self { method, shift, scale })
    }

    /// The columns it rescales.
    pub fn cols(&self) -> usize {
        self.shift.len()
    }

    /// The columns that did not vary in the data it was fitted on (mapped to 0).
    pub fn constant_columns(&self, stats: &ColumnStats) -> Vec<usize> {
        (0..self.cols())
            .filter(|&j| stats.max[j] == stats.min[j])
            .collect()
    }

    /// Rescales the row-major rows `values` in place: `x' = (x - shift) / scale`, in `f64`.
    ///
    /// # Panics
    /// If `values` is not whole rows of [`Normalization::cols`] columns.
    pub fn apply(&self, values: &mut [f32]) {
        self.each(values, |x, shift, scale| (x - shift) / scale);
    }

    /// Undoes [`Normalization::apply`] on the rows `values` (weights back in the data's units):
    /// `x = x' scale + shift`.
    ///
    /// # Panics
    /// As [`Normalization::apply`].
    pub fn undo(&self, values: &mut [f32]) {
        self.each(values, |x, shift, scale| x * scale + shift);
    }

    fn each(&self, values: &mut [f32], f: impl Fn(f64, f64, f64) -> f64) {
        let cols = self.cols();
        assert!(
            cols > 0 && values.len() % cols == 0,
            "whole rows of {cols} columns"
        );
        for row in values.chunks_exact_mut(cols) {
            for ((v, &shift), &scale) in row.iter_mut().zip(&self.shift).zip(&self.scale) {
                *v = f(*v as f64, shift, scale) as f32;
            }
        }
    }

    /// Checks a stored rescaling: one shift and one positive, finite scale per column of a map
    /// of dimension `dim`, all finite, and a method that rescales.
    ///
    /// # Errors
    /// [`SomError::Config`] naming what is wrong.
    pub fn validate(&self, dim: usize) -> Result<(), SomError> {
        if self.method == Normalize::None {
            return Err(SomError::config("a stored normalization's method is none"));
        }
        if self.shift.len() != dim || self.scale.len() != dim {
            return Err(SomError::config(format!(
                "normalization has {} shifts and {} scales for dimension {dim}",
                self.shift.len(),
                self.scale.len()
            )));
        }
        if let Some(j) = (0..dim)
            .find(|&j| !self.shift[j].is_finite() || !self.scale[j].is_finite() || self.scale[j] <= 0.0)
        {
            return Err(SomError::config(format!(
                "normalization of column {j}: shift {}, scale {} (finite, scale > 0)",
                self.shift[j], self.scale[j]
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NumPy on the same rows: `x.mean(0)`, `x.std(0)` (ddof 0), `x.min(0)`, `np.ptp(x, 0)`.
    #[test]
    fn fits_numpy_s_statistics() {
        // x = np.array([[1, 200, 5], [2, 400, 5], [4, 300, 5], [9, 100, 5]], float)
        let x = [1.0, 200.0, 5.0, 2.0, 400.0, 5.0, 4.0, 300.0, 5.0, 9.0, 100.0, 5.0];
        let z = Normalization::fit(Normalize::ZScore, &x, 3).unwrap();
        assert_eq!(z.shift, vec![4.0, 250.0, 5.0]);
        // x.std(0) = [3.0822070014844883, 111.80339887498948, 0]; the constant column gets 1.
        let want = [3.082_207_001_484_488_3, 111.803_398_874_989_48, 1.0];
        for (s, w) in z.scale.iter().zip(want) {
            assert!((s - w).abs() <= 4.0 * f64::EPSILON * w, "{s} vs {w}");
        }
        let m = Normalization::fit(Normalize::MinMax, &x, 3).unwrap();
        assert_eq!(m.shift, vec![1.0, 100.0, 5.0]);
        assert_eq!(m.scale, vec![8.0, 300.0, 1.0]);
        assert!(Normalization::fit(Normalize::None, &x, 3).is_none());
        let mut stats = ColumnStats::new(3);
        stats.eat(&x);
        assert_eq!(m.constant_columns(&stats), vec![2]);
        assert_eq!(stats.range_ratio(), Some((300.0 / 8.0, 1, 0)));
    }

    #[test]
    fn rescaled_columns_have_mean_0_and_std_1_or_span_0_to_1() {
        let x: Vec<f32> = (0..60)
            .map(|i| ((i * 37) % 23) as f32 * (1 + i % 3) as f32)
            .collect();
        for method in [Normalize::ZScore, Normalize::MinMax] {
            let n = Normalization::fit(method, &x, 3).unwrap();
            let mut y = x.clone();
            n.apply(&mut y);
            let mut stats = ColumnStats::new(3);
            stats.eat(&y);
            for j in 0..3 {
                if method == Normalize::MinMax {
                    assert_eq!((stats.min[j], stats.max[j]), (0.0, 1.0), "column {j}");
                } else {
                    let mut sq = vec![0.0; 3];
                    add_squared_deviations(&mut sq, &y, &stats.mean());
                    // f32 values of a z-score: 6e-8 relative each, over 20 rows.
                    assert!(stats.mean()[j].abs() < 1e-6, "column {j} mean");
                    assert!(((sq[j] / 20.0).sqrt() - 1.0).abs() < 1e-6, "column {j} std");
                }
            }
            // And back: the f32 rounding of x' (2^-24 |x - shift| once scaled) and of x.
            n.undo(&mut y);
            for (k, (a, b)) in x.iter().zip(&y).enumerate() {
                let shift = n.shift[k % 3].abs() as f32;
                assert!((a - b).abs() <= 1.2e-7 * (2.0 * a.abs() + shift), "{a} vs {b}");
            }
        }
    }

    /// Stats taken in pieces, continued in order, are the bits of one pass.
    #[test]
    fn stats_continue_across_pieces() {
        let x: Vec<f32> = (0..90).map(|i| (i as f32 * 0.37).sin() * 1e3).collect();
        let mut whole = ColumnStats::new(3);
        whole.eat(&x);
        let mut pieces = ColumnStats::new(3);
        for piece in [&x[..21], &x[21..60], &x[60..]] {
            pieces.eat(piece);
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn a_bad_stored_normalization_is_named() {
        let n = Normalization {
            method: Normalize::ZScore,
            shift: vec![0.0, 1.0],
            scale: vec![1.0, 0.0],
        };
        let e = n.validate(2).unwrap_err().to_string();
        assert!(e.contains("column 1") && e.contains("scale 0"), "{e}");
        assert!(n.validate(3).unwrap_err().to_string().contains("dimension 3"));
        let none = Normalization {
            method: Normalize::None,
            ..n
        };
        assert!(none.validate(2).is_err());
    }
}
