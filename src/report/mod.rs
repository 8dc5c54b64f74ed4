//! Report: renderers read the evaluated [`Audit`] and never recompute it.

pub mod audit_views;
pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::error::Error;
use crate::Audit;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An output format written to `--out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// `report.json`, the public contract.
    Json,
    /// `report.html`, self-contained and bilingual.
    Html,
    /// `report.sarif`, SARIF 2.1.0 for code-scanning UIs.
    Sarif,
    /// `report.md`, a short summary for a pull/merge-request comment.
    Markdown,
    /// `report.junit.xml`, JUnit XML for CI test tabs.
    Junit,
    /// `inventory.csv`, the PI inventory for spreadsheets.
    Csv,
    /// `lineage.dot`, the column lineage as Graphviz DOT.
    Dot,
    /// `lineage.mmd`, the column lineage as a Mermaid flowchart.
    Mermaid,
    /// `lineage.openlineage.json`, an OpenLineage run event with column lineage.
    OpenLineage,
}

/// The names `--format` accepts, as listed in its help and errors.
pub const FORMAT_NAMES: &str =
    "json, html, sarif, md (markdown), junit, csv, dot, mermaid, openlineage";

impl Format {
    /// File name inside the output directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Html => "report.html",
            Format::Sarif => "report.sarif",
            Format::Markdown => "report.md",
            Format::Junit => "report.junit.xml",
            Format::Csv => "inventory.csv",
            Format::Dot => "lineage.dot",
            Format::Mermaid => "lineage.mmd",
            Format::OpenLineage => "lineage.openlineage.json",
        }
    }

    /// Renders the audit in this format.
    pub fn render(self, audit: &Audit) -> Result<String, Error> {
        let mut out = Vec::new();
        self.write(audit, &mut out)?;
        String::from_utf8(out).map_err(|e| Error::Render {
            format: self.file_name().into(),
            message: e.to_string(),
        })
    }

    /// Writes the audit in this format to `out`. JSON and HTML, the large
    /// ones, are streamed; the others are rendered first.
    pub fn write(self, audit: &Audit, out: &mut dyn Write) -> Result<(), Error> {
        let text = match self {
            Format::Json => return json::write(audit, out),
            Format::Html => return html::write(audit, out),
            Format::Sarif => sarif::render(audit)?,
            Format::Markdown => markdown::render(audit)?,
            Format::Junit => junit::render(audit)?,
            Format::Csv => csv::render(audit)?,
            Format::Dot => crate::lineage::export::to_dot(audit),
            Format::Mermaid => crate::lineage::export::to_mermaid(audit),
            Format::OpenLineage => {
                let mut s =
                    serde_json::to_string_pretty(&crate::lineage::export::openlineage(audit))
                        .map_err(|e| Error::Render {
                            format: "openlineage".into(),
                            message: e.to_string(),
                        })?;
                s.push('\n');
                s
            }
        };
        out.write_all(text.as_bytes()).map_err(|e| Error::Render {
            format: self.file_name().into(),
            message: e.to_string(),
        })
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            "sarif" => Ok(Format::Sarif),
            "md" | "markdown" => Ok(Format::Markdown),
            "junit" => Ok(Format::Junit),
            "csv" => Ok(Format::Csv),
            "dot" | "graphviz" => Ok(Format::Dot),
            "mermaid" | "mmd" => Ok(Format::Mermaid),
            "openlineage" => Ok(Format::OpenLineage),
            other => Err(format!("unknown format `{other}`; known: {FORMAT_NAMES}")),
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
        let failed = |source| Error::Output {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::create(&path).map_err(failed)?;
        let mut w = WriteErrors::new(std::io::BufWriter::new(file));
        let done = f
            .write(audit, &mut w)
            .and_then(|()| w.flush().map_err(failed));
        if let Err(e) = done {
            // An I/O failure (disk full, say) reached the renderer as its
            // own error; name it as what it was, a file that could not be
            // written.
            let e = w.first_error.take().map_or(e, failed);
            // No half-written report is left behind to be mistaken for one.
            drop(w);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        written.push(path);
    }
    Ok(written)
}

/// A writer that keeps the first I/O error it passed on. The streaming
/// renderers (serde_json, tera) wrap such errors in their own, and
/// [`write_all`] needs to tell a failed write from a failed render.
struct WriteErrors<W> {
    inner: W,
    first_error: Option<std::io::Error>,
}

impl<W: Write> WriteErrors<W> {
    fn new(inner: W) -> Self {
        WriteErrors {
            inner,
            first_error: None,
        }
    }

    fn keep<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if self.first_error.is_none() {
                self.first_error = Some(std::io::Error::new(e.kind(), e.to_string()));
            }
        }
        r
    }
}

impl<W: Write> Write for WriteErrors<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.keep(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.keep(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses_and_has_its_own_file() {
        let all = [
            ("json", Format::Json, "report.json"),
            ("HTML", Format::Html, "report.html"),
            ("sarif", Format::Sarif, "report.sarif"),
            ("md", Format::Markdown, "report.md"),
            ("markdown", Format::Markdown, "report.md"),
            (" junit ", Format::Junit, "report.junit.xml"),
            ("csv", Format::Csv, "inventory.csv"),
            ("dot", Format::Dot, "lineage.dot"),
            ("mermaid", Format::Mermaid, "lineage.mmd"),
            (
                "OpenLineage",
                Format::OpenLineage,
                "lineage.openlineage.json",
            ),
        ];
        for (name, format, file) in all {
            assert_eq!(name.parse::<Format>(), Ok(format), "{name}");
            assert_eq!(format.file_name(), file);
        }
        let err = "xlsx".parse::<Format>().unwrap_err();
        for known in [
            "json",
            "html",
            "sarif",
            "md",
            "markdown",
            "junit",
            "csv",
            "dot",
            "mermaid",
            "openlineage",
        ] {
            assert!(err.contains(known), "{err}");
        }
    }
}
