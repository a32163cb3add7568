//! Reading data (CSV, NPY), writing NPY, atomic writes, and the demo's colours.
//!
//! Every error names the file and, for CSV, the 1-based line and the offending cell.

use std::fs;
use std::io::Write;
use std::ops::Range;
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

/// Opens `path` for reading if it is a regular file (or a symlink to one). A FIFO, a device or a
/// directory is refused before it is opened: opening a FIFO with no writer blocks forever, and
/// `/dev/zero` never ends.
///
/// # Errors
/// [`SomError::Io`] naming the path and what it is.
pub fn open_regular(path: &Path) -> Result<fs::File, SomError> {
    let io = |e| SomError::io(path, e);
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(io(std::io::Error::other(format!(
            "{kind}: som reads data and models from regular files"
        ))));
    }
    fs::File::open(path).map_err(io)
}

/// The bytes of the regular file `path` ([`open_regular`]).
///
/// # Errors
/// As [`open_regular`], and [`SomError::Io`] if reading fails.
pub fn read_file(path: &Path) -> Result<Vec<u8>, SomError> {
    use std::io::Read;
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| SomError::io(path, e))?;
    Ok(bytes)
}

/// Reads a data matrix: `.npy` files as NPY, anything else as CSV.
///
/// # Errors
/// [`SomError::Io`] if the file cannot be read or is not a regular file; [`SomError::Parse`] if
/// it is empty, ragged, holds a non-numeric, NaN or infinite cell, or is not a 2-D
/// `f32`/`f64` C-order NPY array.
pub fn read_matrix(path: &Path) -> Result<Matrix, SomError> {
    let bytes = read_file(path)?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
        parse_npy(path, &bytes)
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|e| SomError::parse(path, None, format!("not UTF-8 text: {e}")))?;
        parse_csv(path, &text)
    }
}

/// Parses CSV text: comma-separated numbers, one example per line, an optional header line
/// (a first line with no finite numeric cell), blank lines and `#` comment lines skipped. Lines
/// end in `\n`, `\r\n` or a lone `\r`; a UTF-8 byte-order mark at the start is dropped.
///
/// # Errors
/// As [`read_matrix`].
pub fn parse_csv(path: &Path, text: &str) -> Result<Matrix, SomError> {
    parse_csv_rows(path, text, |total| 0..total).map(|s| s.matrix)
}

/// The lines of `text`, ended by `\n`, `\r\n` or a lone `\r` (old Mac files), numbered from 1.
fn text_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match rest.find(['\n', '\r']) {
            None => (rest, ""),
            Some(i) => {
                let end = if rest[i..].starts_with("\r\n") {
                    i + 2
                } else {
                    i + 1
                };
                (&rest[..i], &rest[end..])
            }
        };
        rest = next;
        Some(line)
    })
    .enumerate()
    .map(|(i, l)| (i + 1, l))
}

/// The lines of CSV text that hold cells: not blank, not a `#` comment.
fn csv_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text_lines(text)
        .map(|(i, l)| (i, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn cells_of(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(str::trim)
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

/// Parses the data rows `rows(total)` of CSV text (numbered from 0, header and blank lines not
/// counted), as [`parse_csv`] would parse the whole and keep those: the other lines are
/// counted, not parsed. An error is the one [`parse_csv`] gives when it lies in those rows (or
/// in the header); the rows before them are not checked.
///
/// # Errors
/// As [`read_matrix`].
pub fn parse_csv_rows(
    path: &Path,
    text: &str,
    rows: impl FnOnce(usize) -> Range<usize>,
) -> Result<Shard, SomError> {
    // A header has no cell that reads as a finite number (a column may be named `nan`).
    let is_header = |line: &str| cells_of(line).all(|c| !c.parse::<f64>().is_ok_and(f64::is_finite));
    // Pass 1, counting: the data rows, and the header (a first line with no numeric cell).
    let mut lines = csv_lines(text);
    let first = lines.next();
    let header = first.filter(|(_, l)| is_header(l));
    let total = lines.count() + usize::from(first.is_some() && header.is_none());
    let keep = rows(total);
    let keep = keep.start.min(total)..keep.end.min(total);
    // Pass 2, parsing the rows kept.
    let header_line = header.map(|(i, _)| i);
    let mut cols = header.map(|(_, l)| cells_of(l).count()); // the header fixes the width
    let mut values = Vec::new();
    let mut row = 0;
    for (lineno, line) in csv_lines(text) {
        if Some(lineno) == header_line {
            continue;
        }
        if !keep.contains(&row) {
            // Not parsed; the first data line still fixes the width when there is no header.
            cols = cols.or_else(|| Some(cells_of(line).count()));
            row += 1;
            if row >= keep.end {
                break;
            }
            continue;
        }
        if values.is_empty() {
            // The width is known from here on: one allocation for the rows kept, never more
            // than the text can hold (a value takes at least a digit and a separator), whatever a
            // ragged first line claims.
            let width = cols.unwrap_or_else(|| cells_of(line).count());
            values.reserve_exact(keep.len().saturating_mul(width).min(text.len() / 2 + 1));
        }
        let mut count = 0;
        for (j, cell) in cells_of(line).enumerate() {
            count += 1;
            if cols.is_some_and(|c| j >= c) {
                continue; // a ragged line: counted for the message below
            }
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
        if let Some(c) = cols {
            if count != c {
                return Err(SomError::parse(
                    path,
                    Some(lineno),
                    format!("{count} cells, expected {c} as on the lines before"),
                ));
            }
        }
        cols = Some(count);
        row += 1;
        if row >= keep.end {
            break;
        }
    }
    if total == 0 {
        return Err(SomError::parse(path, None, "no data rows"));
    }
    Ok(Shard {
        matrix: Matrix {
            rows: keep.len(),
            cols: cols.unwrap_or(0),
            values,
        },
        first: keep.start,
        total,
    })
}

/// Parses an NPY file holding a 2-D, C-order array of little-endian `f32` or `f64`.
///
/// # Errors
/// As [`read_matrix`].
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

/// Reads rows `rows(total)` of a data file (numbered from 0) as [`read_matrix`] would read the
/// whole and keep those: an NPY file reads only their bytes (from their offset); a CSV file is
/// scanned and only those lines parsed ([`parse_csv_rows`]). What each rank of a distributed
/// run reads.
///
/// # Errors
/// As [`read_matrix`], for the header and the rows kept.
pub fn read_matrix_rows(path: &Path, rows: impl FnOnce(usize) -> Range<usize>) -> Result<Shard, SomError> {
    use std::io::{Read, Seek, SeekFrom};
    if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
        let bytes = read_file(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|e| SomError::parse(path, None, format!("not UTF-8 text: {e}")))?;
        return parse_csv_rows(path, &text, rows);
    }
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

/// Checks, before any work, that `out` (given with `flag`) can be written without destroying
/// anything: its directory exists; it is not an existing directory, device, FIFO or other
/// non-regular file; it is not read-only; and it is not the same file as any of `inputs` (the
/// same path, a symlink to it or a hard link of it), named by their flags in the error.
///
/// # Errors
/// [`SomError::Output`] naming the flag, the path and the problem.
pub fn check_output(flag: &str, out: &Path, inputs: &[(&str, &Path)]) -> Result<(), SomError> {
    let bad = |why: String| SomError::Output(format!("{flag} {}: {why}", out.display()));
    let dir = parent_dir(out);
    if !dir.is_dir() {
        return Err(bad(format!("the directory {} does not exist", dir.display())));
    }
    let meta = fs::metadata(out).ok();
    if let Some(meta) = &meta {
        if !meta.is_file() {
            return Err(bad("exists and is not a regular file; choose a file path".into()));
        }
        if meta.permissions().readonly() {
            return Err(bad("exists and is read-only".into()));
        }
    }
    for (input_flag, input) in inputs {
        // Existing files compare as files (hard links and symlinks included); a path that does
        // not exist yet (another output) compares as a path.
        let same = match (&meta, fs::metadata(input)) {
            (Some(a), Ok(b)) => same_file((out, a), (input, &b)),
            _ => normalized(out).is_some_and(|o| normalized(input) == Some(o)),
        };
        if same {
            return Err(bad(format!(
                "is the same file as {input_flag} {}: writing it would destroy that",
                input.display()
            )));
        }
    }
    Ok(())
}

/// `path` with its directory resolved (symlinks, `..`), for comparing paths that may not exist.
fn normalized(path: &Path) -> Option<PathBuf> {
    Some(fs::canonicalize(parent_dir(path)).ok()?.join(path.file_name()?))
}

/// Whether two existing paths are one file: the same device and inode (hard links, symlinks).
#[cfg(unix)]
fn same_file((_, a): (&Path, &fs::Metadata), (_, b): (&Path, &fs::Metadata)) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// Whether two existing paths are one file: without inode numbers, the same canonical path
/// (symlinks resolved; hard links not seen).
#[cfg(not(unix))]
fn same_file((a, _): (&Path, &fs::Metadata), (b, _): (&Path, &fs::Metadata)) -> bool {
    matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` to `path` atomically: into a new temporary file next to it (a random name,
/// created with `create_new`, so a planted file or symlink is never followed or reused), synced,
/// given the permissions of the file it replaces, then renamed over it, and the directory
/// synced. A symlink at `path` is followed: its target is replaced, the link kept. A temporary
/// file of ours left by a killed process (its process gone) is removed.
///
/// # Errors
/// [`SomError::Io`] naming `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SomError> {
    let io = |e| SomError::io(path, e);
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).map_err(io)?,
        _ => path.to_path_buf(),
    };
    let dir = parent_dir(&target);
    let name = target
        .file_name()
        .ok_or_else(|| io(std::io::Error::other("not a file path")))?
        .to_string_lossy()
        .into_owned();
    remove_stale_temps(&dir, &name);
    let (tmp, mut file) = (0..16)
        .find_map(|_| {
            let tmp = dir.join(format!(
                ".{name}.{}.{:016x}.tmp",
                std::process::id(),
                rand::random::<u64>()
            ));
            match fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(f) => Some(Ok((tmp, f))),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .unwrap_or_else(|| Err(std::io::Error::other("no free temporary file name")))
        .map_err(io)?;
    let result = (|| {
        file.write_all(bytes)?;
        if let Ok(old) = fs::metadata(&target) {
            file.set_permissions(old.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)?;
        // The rename itself reaches the disk with the directory's entry.
        fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .or_else(|e| if cfg!(unix) { Err(e) } else { Ok(()) })
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io(e)
    })
}

/// Removes `.NAME.PID.RANDOM.tmp` files in `dir` whose process no longer runs (Linux's `/proc`
/// tells; elsewhere nothing is removed).
fn remove_stale_temps(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        let Some((pid, random)) = rest.split_once('.') else {
            continue;
        };
        let ours =
            pid.parse::<u32>().is_ok() && random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit());
        if ours && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
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

    /// What spreadsheets and other tools write: a byte-order mark, old Mac line ends, `#`
    /// comments (NumPy's `savetxt` header), a column named `nan`.
    #[test]
    fn csv_dialects_read_as_written() {
        let want = vec![1.0, 2.0, 3.0, 4.0];
        assert_eq!(csv("\u{feff}1,2\n3,4\n").unwrap().values, want);
        assert_eq!(csv("1,2\r3,4\r").unwrap().values, want);
        assert_eq!(csv("1,2\r\n3,4").unwrap().values, want);
        assert_eq!(csv("# a, b\n1,2\n# note\n3,4\n").unwrap().values, want);
        let m = csv("x,nan\n1,2\n3,4\n").unwrap();
        assert_eq!((m.rows, m.values), (2, want));
        // Line numbers count every line end, comments included.
        assert_eq!(
            csv("1,2\r#\r3\r").unwrap_err().to_string(),
            "d.csv:3: 1 cells, expected 2 as on the lines before"
        );
        assert_eq!(
            csv("1,2\r\n3,4,5").unwrap_err().to_string(),
            "d.csv:2: 3 cells, expected 2 as on the lines before"
        );
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
        ] {
            let e = read(header).unwrap_err().to_string();
            assert!(e.contains(needle), "{header}: {e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_are_refused_before_opening() {
        let e = read_matrix(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = read_matrix(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a directory"), "{e}");
    }
}
