//! Report: renderers read the evaluated [`Audit`] and never recompute it.

pub mod html;
pub mod json;
pub mod text;

use crate::error::Error;
use crate::Audit;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An output format written to `--out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// `report.json`, the public contract.
    Json,
    /// `report.html`, self-contained and bilingual.
    Html,
}

impl Format {
    /// File name inside the output directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Html => "report.html",
        }
    }

    /// Renders the audit in this format.
    pub fn render(self, audit: &Audit) -> Result<String, Error> {
        match self {
            Format::Json => json::render(audit),
            Format::Html => html::render(audit),
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            other => Err(format!("unknown format `{other}`; known: json, html")),
        }
    }
}

/// Writes each format into `out` (created if needed); returns the paths.
pub fn write_all(audit: &Audit, formats: &[Format], out: &Path) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(out).map_err(|source| Error::Output {
        path: out.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for f in formats {
        let path = out.join(f.file_name());
        let text = f.render(audit)?;
        std::fs::write(&path, text).map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
