//! The data read: a matrix of `f32`, or some of its rows.

/// A row-major `rows x cols` matrix of `f32` read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Number of rows (examples).
    pub rows: usize,
    /// Number of columns (dimensions).
    pub cols: usize,
    /// `rows * cols` values, row-major.
    pub values: Vec<f32>,
}

/// Some rows of a data set: rows `first..first + matrix.rows` of `total`.
#[derive(Clone, Debug, PartialEq)]
pub struct Shard {
    /// The rows held.
    pub matrix: Matrix,
    /// The index of the first of them in the whole data set.
    pub first: usize,
    /// The number of rows of the whole data set.
    pub total: usize,
}
