//! NPY files: 2-D little-endian `f32`/`f64` arrays in, `f32` arrays out.

use std::ops::Range;
use std::path::Path;

use super::file::open_regular;
use super::matrix::{Matrix, Shard};
use crate::error::SomError;

/// Parses an NPY file holding a 2-D, C-order array of little-endian `f32` or `f64`.
///
/// # Errors
/// As [`super::read_matrix`].
pub fn parse_npy(path: &Path, bytes: &[u8]) -> Result<Matrix, SomError> {
    let h = npy_header(path, bytes)?;
    let body = &bytes[h.start..];
    h.check_length(path, body.len())?;
    npy_values(path, &h, body, 0..h.rows)
}

/// What an NPY header says: the shape, the size of a value, where the data starts.
struct NpyHeader {
    rows: usize,
    cols: usize,
    size: usize,
    start: usize,
}

impl NpyHeader {
    /// Errors if the file's `body_len` data bytes are fewer than the shape needs.
    fn check_length(&self, path: &Path, body_len: usize) -> Result<(), SomError> {
        let (rows, cols, size) = (self.rows, self.cols, self.size);
        let Some(want) = rows.checked_mul(cols).and_then(|v| v.checked_mul(size)) else {
            return Err(SomError::parse(
                path,
                None,
                format!("shape ({rows}, {cols}) is too large to address"),
            ));
        };
        if body_len < want {
            return Err(SomError::parse(
                path,
                None,
                format!("truncated: {body_len} data bytes for a {rows} x {cols} array of {size}-byte floats ({want} bytes)"),
            ));
        }
        if rows == 0 || cols == 0 {
            return Err(SomError::parse(
                path,
                None,
                format!("array of shape ({rows}, {cols}) holds no data"),
            ));
        }
        Ok(())
    }
}

/// The deepest nesting of brackets accepted in an NPY header.
const MAX_HEADER_DEPTH: usize = 8;

/// Parses the header at the start of `bytes` (the whole file, or its first bytes).
fn npy_header(path: &Path, bytes: &[u8]) -> Result<NpyHeader, SomError> {
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
    // The parser recurses per level of nesting: a crafted header of 60,000 brackets would
    // overflow the stack. NumPy's have two levels; brackets inside strings count too, which only
    // makes the guard stricter.
    let mut depth = 0usize;
    for b in header.bytes() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_HEADER_DEPTH {
            return Err(bad(format!(
                "NPY header nests deeper than {MAX_HEADER_DEPTH} levels: not written by NumPy"
            )));
        }
    }
    // The header is a Python dict literal; read as one, a key's text inside another's value is
    // never taken for the key.
    let dict: py_literal::Value = header
        .trim()
        .parse()
        .map_err(|e| bad(format!("NPY header is not a Python dict literal: {e}")))?;
    let entries = dict
        .as_dict()
        .ok_or_else(|| bad("NPY header is not a Python dict".into()))?;
    let field = |key: &str| -> Option<&py_literal::Value> {
        entries
            .iter()
            .find(|(k, _)| k.as_string().is_some_and(|k| k == key))
            .map(|(_, v)| v)
    };
    let descr = field("descr")
        .and_then(|v| v.as_string())
        .ok_or_else(|| bad("NPY header has no descr string".into()))?;
    let size = match descr.as_str() {
        "<f4" | "=f4" => 4,
        "<f8" | "=f8" => 8,
        other => {
            return Err(bad(format!(
                "dtype {other:?}: only little-endian float32 (<f4) and float64 (<f8) are supported"
            )))
        }
    };
    match field("fortran_order").and_then(|v| v.as_boolean()) {
        Some(false) => {}
        Some(true) => {
            return Err(bad(
                "Fortran-order arrays are not supported: save with np.ascontiguousarray".into(),
            ))
        }
        None => return Err(bad("NPY header has no fortran_order True or False".into())),
    }
    let shape = field("shape")
        .and_then(|v| v.as_tuple())
        .ok_or_else(|| bad("NPY header has no shape tuple".into()))?;
    let dims: Vec<usize> = shape
        .iter()
        .map(|v| {
            v.as_integer()
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| bad(format!("bad shape entry {v} in the NPY header")))
        })
        .collect::<Result<_, _>>()?;
    let [rows, cols] = dims[..] else {
        return Err(bad(format!(
            "array has {}-D shape {:?}: expected 2-D (examples, dimensions)",
            dims.len(),
            dims
        )));
    };
    Ok(NpyHeader {
        rows,
        cols,
        size,
        start: start + header_len,
    })
}

/// Rows `keep` of the array whose data bytes, from row `keep.start` on, are `body`.
fn npy_values(path: &Path, h: &NpyHeader, body: &[u8], keep: Range<usize>) -> Result<Matrix, SomError> {
    let (cols, size) = (h.cols, h.size);
    let body = &body[..keep.len() * cols * size];
    let values: Vec<f32> = if size == 4 {
        body.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    } else {
        body.chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect()
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(SomError::parse(
            path,
            None,
            format!(
                "row {}, column {}: {} is not a finite f32 value",
                keep.start + i / cols + 1,
                i % cols + 1,
                values[i]
            ),
        ));
    }
    Ok(Matrix {
        rows: keep.len(),
        cols,
        values,
    })
}

/// Rows `rows(total)` of an NPY file, read from their offset: [`super::read_matrix_rows`] of an
/// NPY file.
///
/// # Errors
/// As [`super::read_matrix`].
pub(crate) fn read_npy_rows(
    path: &Path,
    rows: impl FnOnce(usize) -> Range<usize>,
) -> Result<Shard, SomError> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e| SomError::io(path, e);
    let mut file = open_regular(path)?;
    let len = file.metadata().map_err(io)?.len() as usize;
    // The header ends within its first 12 bytes plus the length they state.
    let mut head = vec![0u8; len.min(12)];
    file.read_exact(&mut head).map_err(io)?;
    let stated = match head.get(6) {
        Some(1) if head.len() >= 10 => u16::from_le_bytes([head[8], head[9]]) as usize,
        Some(2 | 3) if head.len() >= 12 => {
            u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize
        }
        _ => 0,
    };
    head.resize(len.min(12 + stated), 0);
    file.read_exact(&mut head[len.min(12)..]).map_err(io)?;
    let h = npy_header(path, &head)?;
    h.check_length(path, len - h.start.min(len))?;
    let keep = rows(h.rows);
    let keep = keep.start.min(h.rows)..keep.end.min(h.rows);
    let row_bytes = h.cols * h.size;
    let mut body = vec![0u8; keep.len() * row_bytes];
    file.seek(SeekFrom::Start((h.start + keep.start * row_bytes) as u64))
        .map_err(io)?;
    file.read_exact(&mut body).map_err(io)?;
    Ok(Shard {
        matrix: npy_values(path, &h, &body, keep.clone())?,
        first: keep.start,
        total: h.rows,
    })
}

/// The bytes of an NPY file holding `values` as a `rows x cols` C-order `f32` array.
pub fn npy_bytes(rows: usize, cols: usize, values: &[f32]) -> Vec<u8> {
    npy_file("<f4", rows, cols, values.iter().flat_map(|v| v.to_le_bytes()))
}

/// The bytes of an NPY file holding `values` as a `rows x cols` C-order `f64` array: for
/// numbers `f32` does not hold exactly (unit indices above 2^24, distances in `f64`).
pub fn npy_f64_bytes(rows: usize, cols: usize, values: &[f64]) -> Vec<u8> {
    assert_eq!(
        values.len(),
        rows * cols,
        "npy_f64_bytes: {rows} x {cols} values expected"
    );
    npy_file("<f8", rows, cols, values.iter().flat_map(|v| v.to_le_bytes()))
}

/// An NPY file (version 1.0) of a `rows x cols` C-order array of type `descr`, `data` its bytes.
fn npy_file(descr: &str, rows: usize, cols: usize, data: impl Iterator<Item = u8>) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Pad so that the data starts on a 64-byte boundary, header ending in a newline.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.size_hint().0);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trip_and_errors() {
        let bytes = npy_bytes(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!((bytes.len() - 24) % 64, 0, "data starts at a 64-byte boundary");
        let m = parse_npy(Path::new("w.npy"), &bytes).unwrap();
        assert_eq!((m.rows, m.cols, m.values[5]), (2, 3, 6.0));
        let wide = npy_f64_bytes(3, 1, &[0.5, -2.0, 16_777_217.0]);
        assert_eq!(&wide[10..30], b"{'descr': '<f8', 'fo");
        assert_eq!(&wide[wide.len() - 8..], &16_777_217f64.to_le_bytes());
        let m = parse_npy(Path::new("w.npy"), &wide).unwrap();
        assert_eq!((m.rows, m.cols, m.values[..2].to_vec()), (3, 1, vec![0.5, -2.0]));
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

    /// An NPY file whose header says `header` (a Python dict literal), with `data` after it.
    fn npy_with_header(header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    /// The header is read as the dict it is: `fortran_order` must be False (not `1`, not
    /// missing), and a key's name inside another field's text is not the key.
    #[test]
    fn npy_headers_are_parsed_as_dicts() {
        let data = [0u8; 16];
        let read =
            |h: &str| parse_npy(Path::new("w.npy"), &npy_with_header(h, &data)).map(|m| (m.rows, m.cols));
        assert_eq!(
            read("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n").unwrap(),
            (2, 2)
        );
        assert_eq!(
            read("{\"shape\": (4, 1), \"descr\": \"<f4\", \"fortran_order\": False}").unwrap(),
            (4, 1)
        );
        let deep = "(".repeat(60_000);
        for (header, needle) in [
            (
                "{'descr': '<f4', 'fortran_order': 1, 'shape': (2, 2)}",
                "fortran_order",
            ),
            (
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}",
                "Fortran-order",
            ),
            ("{'descr': '<f4', 'shape': (2, 2)}", "fortran_order"),
            (
                "{'descr': '<f4', 'x': \"'shape': (1, 4)\", 'fortran_order': False}",
                "no shape",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2)}",
                "bad shape",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 1)}",
                "3-D",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)",
                "not a Python dict literal",
            ),
            (deep.as_str(), "nests deeper than 8"),
        ] {
            let e = read(header).unwrap_err().to_string();
            assert!(e.contains(needle), "{}: {e}", &header[..header.len().min(80)]);
        }
    }

    /// Versions 2 and 3 (a 4-byte header length) and version 1, whole and by rows; files cut
    /// inside the length field or the data; shapes that hold no data.
    #[test]
    fn npy_versions_rows_and_truncation() {
        let path = Path::new("w.npy");
        let values: Vec<f32> = (0..8).map(|v| v as f32).collect();
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }\n";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.npy");
        let mut files = vec![npy_bytes(4, 2, &values)];
        for version in [2u8, 3] {
            let mut bytes = b"\x93NUMPY".to_vec();
            bytes.extend([version, 0]);
            bytes.extend((header.len() as u32).to_le_bytes());
            bytes.extend(header.as_bytes());
            bytes.extend(&data);
            files.push(bytes);
        }
        for bytes in &files {
            let version = bytes[6];
            assert_eq!(
                parse_npy(path, bytes).unwrap().values,
                values,
                "version {version}"
            );
            std::fs::write(&file, bytes).unwrap();
            let s = read_npy_rows(&file, |n| 1..n - 1).unwrap();
            assert_eq!(
                (s.first, s.total, s.matrix.values),
                (1, 4, values[2..6].to_vec()),
                "version {version}, rows 1..3"
            );
            // Cut inside the length field, then inside the data: errors, not panics.
            for cut in [9, 11] {
                std::fs::write(&file, &bytes[..cut]).unwrap();
                assert!(
                    read_npy_rows(&file, |n| 0..n).is_err(),
                    "version {version}, {cut} bytes"
                );
                assert!(
                    parse_npy(path, &bytes[..cut]).is_err(),
                    "version {version}, {cut} bytes"
                );
            }
            std::fs::write(&file, &bytes[..bytes.len() - 4]).unwrap();
            let e = read_npy_rows(&file, |n| 0..n).unwrap_err().to_string();
            assert!(e.contains("truncated"), "version {version}: {e}");
        }
        // Ten bytes are a whole version-1 preamble (an empty header), not bad magic.
        let e = parse_npy(path, b"\x93NUMPY\x01\x00\x00\x00")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a Python dict literal"), "{e}");
        for shape in ["(0, 3)", "(3, 0)"] {
            let h = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}}}");
            let e = parse_npy(path, &npy_with_header(&h, &[]))
                .unwrap_err()
                .to_string();
            assert!(e.contains("holds no data"), "{shape}: {e}");
        }
    }

    /// The nesting guard: eight levels pass, nine do not, and brackets that close do not add up.
    #[test]
    fn npy_nesting_is_bounded_by_depth_not_count() {
        let read = |extra: &str| {
            let h = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'x': {extra}}}");
            parse_npy(Path::new("w.npy"), &npy_with_header(&h, &[0; 4]))
        };
        // The dict's brace and seven brackets: 8 levels.
        read("[[[[[[[1]]]]]]]").expect("8 levels");
        let e = read("[[[[[[[[1]]]]]]]]").unwrap_err().to_string();
        assert!(e.contains("nests deeper than 8"), "{e}");
        read("[[1], [1], [1], [1], [1], [1], [1], [1], [1], [1]]").expect("ten lists side by side");
    }
}
