//! Opening input files: regular files only, read no further than their size.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::error::SomError;

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
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    read_rest(path, &mut file, &mut bytes)?;
    Ok(bytes)
}

/// Appends the rest of `file` to `bytes`, no more than its size said: a "regular" file that
/// says 0 bytes and never ends (`/proc/self/pagemap`) is an error, not a read until memory runs
/// out.
pub(super) fn read_rest(path: &Path, file: &mut fs::File, bytes: &mut Vec<u8>) -> Result<(), SomError> {
    let io = |e| SomError::io(path, e);
    let size = file.metadata().map_err(io)?.len();
    let before = bytes.len() as u64;
    file.take(size.saturating_sub(before).saturating_add(1))
        .read_to_end(bytes)
        .map_err(io)?;
    if bytes.len() as u64 > size {
        return Err(io(std::io::Error::other(format!(
            "holds more than the {size} bytes its size says (a /proc file, or one growing): not a data file"
        ))));
    }
    Ok(())
}
