//! Source locations: where in a scanned file a fact comes from.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A place in a scanned file: path relative to the scanned root (with `/`),
/// 1-based line, and an optional 1-based column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the scanned root, always with `/` separators.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Location {
    /// A location at a line, without a column.
    pub fn line(file: impl Into<String>, line: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column: None,
        }
    }

    /// A location at a line and column.
    pub fn at(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "{}:{}:{}", self.file, self.line, c),
            None => write!(f, "{}:{}", self.file, self.line),
        }
    }
}

/// Byte offset → 1-based line number of one text.
///
/// Extractors that find things by byte offset (regex matches, XML reader
/// positions) build one per file and look lines up in `O(log n)`. A line
/// ends at `\n` only, as everywhere in piaudit: a `\r\n` pair is one break
/// and a lone `\r` is none, so lines agree with what editors and `grep -n`
/// show for the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offsets at which lines start; the first is always 0.
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        LineIndex {
            line_starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    /// 1-based line holding byte `offset`. A `\n` belongs to the line it
    /// ends; an offset past the end is on the last line.
    pub fn line(&self, offset: usize) -> u32 {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// Number of lines (a text ending in `\n` has an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_lf_only() {
        let text = "a\nbb\r\nc\rd\n";
        let lines = LineIndex::new(text);
        let line_of = |needle: &str| lines.line(text.find(needle).unwrap());
        assert_eq!(
            (line_of("a"), line_of("bb"), line_of("c"), line_of("d")),
            (1, 2, 3, 3)
        );
        // The `\n` ending a line is on that line; the byte after it is not.
        assert_eq!((lines.line(1), lines.line(2)), (1, 2));
        assert_eq!(lines.line(text.len()), 4);
        assert_eq!(lines.line(usize::MAX), 4);
        assert_eq!(lines.line_count(), 4);
        assert_eq!(
            (LineIndex::new("").line(0), LineIndex::new("").line_count()),
            (1, 1)
        );
    }
}
