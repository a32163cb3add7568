//! The error type of `burnax-som`.

use std::path::PathBuf;

/// Everything that can go wrong at run time: bad configuration values, unreadable or malformed
/// files, data that does not fit the model. Misuse of the API (wrong shapes passed by code)
/// panics instead, with a message naming the argument.
#[derive(Debug, thiserror::Error)]
pub enum SomError {
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A data file is malformed: `line` is 1-based for CSV files, `None` where no line applies.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line, for text formats.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// Data, initial weights and model disagree on a dimension, or the data is empty.
    #[error("{0}")]
    Data(String),
    /// A size or value is beyond what `burnax-som` accepts ([`crate::limits`]): a memory limit,
    /// or weights that left the representable range during training.
    #[error("{0}")]
    Limit(String),
    /// A device is unknown, not built in, or not there (see [`crate::device`]).
    #[error("{0}")]
    Device(String),
    /// An output path would destroy an input, or cannot be written (no such directory, not a
    /// regular file, read-only).
    #[error("{0}")]
    Output(String),
    /// Distributed training failed: a peer failed or left, or the ranks disagree.
    #[error("distributed training: {0}")]
    Distributed(String),
    /// A model file is truncated, corrupt, or not a `burnax-som` model.
    #[error("{}: not a valid som model: {message}", path.display())]
    Model {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A picture could not be drawn.
    #[error("drawing a picture: {0}")]
    Picture(String),
}

impl From<burnax_comm::CommError> for SomError {
    fn from(e: burnax_comm::CommError) -> Self {
        SomError::Distributed(e.to_string())
    }
}

impl SomError {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config(message.into())
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        Self::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn model(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Model {
            path: path.into(),
            message: message.into(),
        }
    }
}
