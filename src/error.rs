//! Library errors. Problems inside scanned files are never errors: they are
//! [`crate::model::Diagnostic`]s. These are the failures that stop a run.

use std::path::PathBuf;

/// A failure that stops the run, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scan root is missing (exit 2, as `lineage` with a missing file) or
    /// unreadable (exit 3).
    #[error("cannot read scan root {}: {source}", path.display())]
    Root {
        /// The root as given.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Nothing could be scanned (exit 3).
    #[error("nothing could be scanned: {0}")]
    NothingScanned(String),
    /// Bad command-line usage (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Invalid declarations file (exit 2).
    #[error("{file}:{line}:{column}: invalid declarations at `{key}`: {message}")]
    Declarations {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Dotted key path, e.g. `datasets[0].retention`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// Invalid taxonomy, cue or rule file (exit 2).
    #[error("{file}: {message}")]
    Rules {
        /// The rule/taxonomy file, relative to the rules directory.
        file: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Writing an output failed (exit 3).
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The output path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Rendering a report failed (exit 3).
    #[error("cannot render the {format} report: {message}")]
    Render {
        /// Format name.
        format: String,
        /// Cause.
        message: String,
    },
}

impl Error {
    /// The process exit code for this error (see architecture: 2 = usage,
    /// configuration or rule-pack error; 3 = the scan could not complete).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Declarations { .. } | Error::Rules { .. } => 2,
            Error::Root { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 2,
            Error::Root { .. }
            | Error::NothingScanned(_)
            | Error::Output { .. }
            | Error::Render { .. } => 3,
        }
    }
}
