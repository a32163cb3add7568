//! Reading data (CSV, NPY), writing NPY, atomic writes, and the demo's colours.
//!
//! Every error names the file and, for CSV, the 1-based line and the offending cell.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::SomError;

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

/// Reads a data matrix: `.npy` files as NPY, anything else as CSV.
///
/// # Errors
/// [`SomError::Io`] if the file cannot be read; [`SomError::Parse`] if it is empty, ragged,
/// holds a non-numeric, NaN or infinite cell, or is not a 2-D `f32`/`f64` C-order NPY array.
pub fn read_matrix(path: &Path) -> Result<Matrix, SomError> {
    let bytes = fs::read(path).map_err(|e| SomError::io(path, e))?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
        parse_npy(path, &bytes)
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|e| SomError::parse(path, None, format!("not UTF-8 text: {e}")))?;
        parse_csv(path, &text)
    }
}

/// Parses CSV text: comma-separated numbers, one example per line, an optional header line
/// (a first line with no numeric cell), blank lines skipped.
///
/// # Errors
/// As [`read_matrix`].
pub fn parse_csv(path: &Path, text: &str) -> Result<Matrix, SomError> {
    let mut values = Vec::new();
    let mut cols = None;
    let mut rows = 0;
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if rows == 0 && cols.is_none() && cells.iter().all(|c| c.parse::<f64>().is_err()) {
            cols = Some(cells.len()); // header: fixes the width, holds no data
            continue;
        }
        if let Some(c) = cols {
            if cells.len() != c {
                return Err(SomError::parse(
                    path,
                    Some(lineno),
                    format!("{} cells, expected {c} as on the lines before", cells.len()),
                ));
            }
        }
        cols = Some(cells.len());
        for (j, cell) in cells.iter().enumerate() {
            let v: f64 = cell.parse().map_err(|_| {
                SomError::parse(
                    path,
                    Some(lineno),
                    format!("column {}: {cell:?} is not a number", j + 1),
                )
            })?;
            if !v.is_finite() || !(v as f32).is_finite() {
                return Err(SomError::parse(
                    path,
                    Some(lineno),
                    format!("column {}: {cell} is not a finite f32 value", j + 1),
                ));
            }
            values.push(v as f32);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(SomError::parse(path, None, "no data rows"));
    }
    Ok(Matrix {
        rows,
        cols: cols.unwrap_or(0),
        values,
    })
}

/// Parses an NPY file holding a 2-D, C-order array of little-endian `f32` or `f64`.
///
/// # Errors
/// As [`read_matrix`].
pub fn parse_npy(path: &Path, bytes: &[u8]) -> Result<Matrix, SomError> {
    let bad = |m: String| SomError::parse(path, None, m);
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not an NPY file (bad magic bytes)".into()));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(format!("unsupported NPY version {v}"))),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or_else(|| bad("truncated NPY header".into()))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("NPY header is not text".into()))?;
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = field("descr")
        .and_then(|r| r.strip_prefix('\''))
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| bad("NPY header has no descr".into()))?;
    let size = match descr {
        "<f4" | "=f4" => 4,
        "<f8" | "=f8" => 8,
        other => {
            return Err(bad(format!(
                "dtype {other:?}: only little-endian float32 (<f4) and float64 (<f8) are supported"
            )))
        }
    };
    if field("fortran_order").is_some_and(|r| r.starts_with("True")) {
        return Err(bad(
            "Fortran-order arrays are not supported: save with np.ascontiguousarray".into(),
        ));
    }
    let shape = field("shape")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad("NPY header has no shape".into()))?;
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| bad(format!("bad shape ({shape})"))))
        .collect::<Result<_, _>>()?;
    let [rows, cols] = dims[..] else {
        return Err(bad(format!(
            "array has shape ({shape}): expected 2-D (examples, dimensions)"
        )));
    };
    let body = &bytes[start + header_len..];
    let want = rows * cols * size;
    if body.len() < want {
        return Err(bad(format!(
            "truncated: {} data bytes for a {rows} x {cols} array of {size}-byte floats ({want} bytes)",
            body.len()
        )));
    }
    let values: Vec<f32> = if size == 4 {
        body[..want]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    } else {
        body[..want]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect()
    };
    if rows == 0 || cols == 0 {
        return Err(bad(format!("array of shape ({rows}, {cols}) holds no data")));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "row {}, column {}: {} is not a finite f32 value",
            i / cols + 1,
            i % cols + 1,
            values[i]
        )));
    }
    Ok(Matrix { rows, cols, values })
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

/// The bytes of an NPY file holding `values` as a `rows x cols` C-order `f32` array.
pub fn npy_bytes(rows: usize, cols: usize, values: &[f32]) -> Vec<u8> {
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Pad so that the data starts on a 64-byte boundary, header ending in a newline.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + values.len() * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same folder, synced, then
/// renamed over `path`. A crash leaves either the old file or the new one, never a partial one.
///
/// # Errors
/// [`SomError::Io`] naming `path` (or the temporary file) if a step fails; the temporary file is
/// removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SomError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| SomError::io(path, std::io::Error::other("not a file path")))?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        SomError::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Matrix, SomError> {
        parse_csv(Path::new("d.csv"), text)
    }

    #[test]
    fn csv_with_and_without_header() {
        let m = csv("r,g,b\n0.1,0.2,0.3\n\n1,2,3\n").unwrap();
        assert_eq!((m.rows, m.cols), (2, 3));
        assert_eq!(m.values, vec![0.1, 0.2, 0.3, 1.0, 2.0, 3.0]);
        assert_eq!(csv("1, 2\n3 ,4").unwrap().values, vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn csv_errors_name_line_and_cell() {
        assert_eq!(
            csv("1,2\n3\n").unwrap_err().to_string(),
            "d.csv:2: 1 cells, expected 2 as on the lines before"
        );
        assert_eq!(
            csv("1,2\n3,x\n").unwrap_err().to_string(),
            "d.csv:2: column 2: \"x\" is not a number"
        );
        assert!(csv("1,nan\n")
            .unwrap_err()
            .to_string()
            .starts_with("d.csv:1: column 2: nan is not a finite"));
        assert!(csv("1,1e39\n").unwrap_err().to_string().contains("1e39"));
        assert_eq!(csv("").unwrap_err().to_string(), "d.csv: no data rows");
        assert_eq!(csv("a,b\n").unwrap_err().to_string(), "d.csv: no data rows");
    }

    #[test]
    fn npy_round_trip_and_errors() {
        let bytes = npy_bytes(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!((bytes.len() - 24) % 64, 0, "data starts at a 64-byte boundary");
        let m = parse_npy(Path::new("w.npy"), &bytes).unwrap();
        assert_eq!((m.rows, m.cols, m.values[5]), (2, 3, 6.0));
        let e = parse_npy(Path::new("w.npy"), &bytes[..bytes.len() - 4]).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        let e = parse_npy(Path::new("w.npy"), b"garbage!!!!!").unwrap_err();
        assert!(e.to_string().contains("magic"), "{e}");
        let mut nan = npy_bytes(1, 2, &[1.0, f32::NAN]);
        let e = parse_npy(Path::new("w.npy"), &nan).unwrap_err();
        assert!(e.to_string().contains("row 1, column 2"), "{e}");
        nan.truncate(5);
        assert!(parse_npy(Path::new("w.npy"), &nan).is_err());
    }
}
