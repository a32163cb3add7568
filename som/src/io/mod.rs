//! Reading data (CSV, NPY), writing outputs safely, and the demo's colours.
//!
//! Every error names the file and, for CSV, the 1-based line and the offending cell. A file is
//! NPY if it starts with NPY's magic bytes, else CSV ([`parse_csv_table`]: delimiter, header,
//! columns, labels).

mod csv;
mod file;
mod matrix;
mod npy;
mod output;

use std::fs;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

pub use self::csv::{
    csv_bytes, parse_csv, parse_csv_rows, parse_csv_table, Column, CsvOptions, Delimiter, Table,
};
use file::read_rest;
pub use file::{open_regular, read_file};
pub use matrix::{Matrix, Shard};
pub use npy::{npy_bytes, npy_f64_bytes, parse_npy};
pub use output::{check_output, write_atomic};

use crate::error::SomError;

/// NPY's magic bytes.
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Reads a data matrix, every column a feature: NPY, or CSV with its delimiter sniffed.
///
/// # Errors
/// [`SomError::Io`] if the file cannot be read or is not a regular file; [`SomError::Parse`] if
/// it is empty, ragged, holds a non-numeric, NaN or infinite cell, or is not a 2-D
/// `f32`/`f64` C-order NPY array.
pub fn read_matrix(path: &Path) -> Result<Matrix, SomError> {
    read_table(path, &CsvOptions::default(), |n| 0..n).map(|t| t.shard.matrix)
}

/// Reads rows `rows(total)` of a data file (numbered from 0) as [`read_matrix`] would read the
/// whole and keep those: an NPY file reads only their bytes (from their offset); a CSV file is
/// scanned and only those lines parsed ([`parse_csv_rows`]). What each rank of a distributed
/// run reads.
///
/// # Errors
/// As [`read_matrix`], for the header and the rows kept.
pub fn read_matrix_rows(path: &Path, rows: impl FnOnce(usize) -> Range<usize>) -> Result<Shard, SomError> {
    read_table(path, &CsvOptions::default(), rows).map(|t| t.shard)
}

/// Reads rows `rows(total)` of a data file with `opts` for a CSV file's columns
/// ([`parse_csv_table`]); an NPY file's columns are all features.
///
/// # Errors
/// As [`read_matrix`]; [`SomError::Parse`] for column options on an NPY file.
pub fn read_table(
    path: &Path,
    opts: &CsvOptions,
    rows: impl FnOnce(usize) -> Range<usize>,
) -> Result<Table, SomError> {
    let mut file = open_regular(path)?;
    let mut magic = [0u8; 6];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| SomError::io(path, e))?;
    if magic[..got] == *NPY_MAGIC {
        check_npy_options(path, opts)?;
        return npy::read_npy_rows(path, rows).map(Table::of);
    }
    let mut bytes = magic[..got].to_vec();
    read_rest(path, &mut file, &mut bytes)?;
    parse_table(path, bytes, opts, rows)
}

/// [`read_table`] of bytes already read (standard input): NPY by its magic bytes, else CSV;
/// `name` names them in errors.
///
/// # Errors
/// As [`read_table`].
pub fn parse_table(
    name: &Path,
    bytes: Vec<u8>,
    opts: &CsvOptions,
    rows: impl FnOnce(usize) -> Range<usize>,
) -> Result<Table, SomError> {
    if bytes.starts_with(NPY_MAGIC) {
        check_npy_options(name, opts)?;
        let m = parse_npy(name, &bytes)?;
        let keep = rows(m.rows);
        let keep = keep.start.min(m.rows)..keep.end.min(m.rows);
        let shard = Shard {
            matrix: Matrix {
                rows: keep.len(),
                cols: m.cols,
                values: m.values[keep.start * m.cols..keep.end * m.cols].to_vec(),
            },
            first: keep.start,
            total: m.rows,
        };
        return Ok(Table::of(shard));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| SomError::parse(name, None, format!("not UTF-8 text (nor NPY): {e}")))?;
    parse_csv_table(name, &text, opts, rows)
}

impl Table {
    /// A table of `shard` with nothing else known (an NPY file's).
    fn of(shard: Shard) -> Self {
        Self {
            shard,
            features: None,
            labels: None,
            notes: Vec::new(),
        }
    }
}

fn check_npy_options(path: &Path, opts: &CsvOptions) -> Result<(), SomError> {
    if opts.columns.is_some() || !opts.drop.is_empty() || opts.label.is_some() {
        return Err(SomError::parse(
            path,
            None,
            "an NPY file has no named columns or labels: column options apply to CSV files",
        ));
    }
    Ok(())
}

/// Reads into `buf` until it is full or the file ends; the bytes read.
fn read_up_to(file: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// The playbook's 1000 random colours, uniform in `[0, 1)^3` from `seed`: the data of
/// `som train --demo colors`. The same values on every machine and device (they come from the
/// seeded generator of [`crate::Init::Random`], not from a backend).
pub fn demo_colors(seed: u64) -> Matrix {
    Matrix {
        rows: 1000,
        cols: 3,
        values: crate::init::random(1000, 3, seed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_are_refused_before_opening() {
        let e = read_matrix(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = read_matrix(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a directory"), "{e}");
    }

    /// NPY is told by its magic bytes, not the file's name.
    #[test]
    fn files_are_told_apart_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("data.bin");
        fs::write(&p, npy_bytes(2, 1, &[1.0, 2.0])).unwrap();
        assert_eq!(read_matrix(&p).unwrap().values, [1.0, 2.0]);
        fs::write(&p, "3\n4\n").unwrap();
        assert_eq!(read_matrix(&p).unwrap().values, [3.0, 4.0]);
        let opts = CsvOptions {
            label: Some(Column::Index(1)),
            ..Default::default()
        };
        fs::write(&p, npy_bytes(2, 1, &[1.0, 2.0])).unwrap();
        assert!(read_table(&p, &opts, |n| 0..n).is_err());
        // Each column option alone is refused on NPY.
        for opts in [
            CsvOptions {
                columns: Some(vec![Column::Index(1)]),
                ..Default::default()
            },
            CsvOptions {
                drop: vec![Column::Index(1)],
                ..Default::default()
            },
        ] {
            let e = read_table(&p, &opts, |n| 0..n).unwrap_err().to_string();
            assert!(e.contains("apply to CSV files"), "{e}");
        }
    }

    /// Bytes already read (standard input) are NPY by their magic bytes too, and keep the rows
    /// asked for.
    #[test]
    fn bytes_read_keep_the_rows_asked_for() {
        let values: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let name = Path::new("<stdin>");
        let opts = CsvOptions::default();
        let t = parse_table(name, npy_bytes(4, 3, &values), &opts, |n| 1..n - 1).unwrap();
        assert_eq!(
            (t.shard.first, t.shard.total, t.shard.matrix.values),
            (1, 4, values[3..9].to_vec())
        );
        let csv = b"0,1,2\n3,4,5\n6,7,8\n9,10,11\n".to_vec();
        let t = parse_table(name, csv, &opts, |n| 1..n - 1).unwrap();
        assert_eq!(t.shard.matrix.values, values[3..9].to_vec());
    }
}
