//! Report: renderers read the evaluated [`Audit`] and never recompute it.
//!
//! Every format is one file here and one row of [`FORMATS`], from which
//! `--format`'s accepted names, its help and each file's name are derived.

pub mod audit_views;
pub mod csv;
pub mod dot;
pub mod findings_csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod openlineage;
pub mod rank;
pub mod recipients;
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
    /// `findings.csv`, every finding in "fix first" order for spreadsheets.
    FindingsCsv,
    /// `lineage.dot`, the column lineage as Graphviz DOT.
    Dot,
    /// `lineage.mmd`, the column lineage as a Mermaid flowchart.
    Mermaid,
    /// `lineage.openlineage.json`, an OpenLineage run event with column lineage.
    OpenLineage,
    /// `recipients.csv`, the third-party recipients inventory for spreadsheets.
    Recipients,
}

/// How a format turns an audit into bytes.
#[derive(Clone, Copy)]
pub enum Renderer {
    /// Streams into the writer: the large reports (an estate's JSON is
    /// tens of MB) need not be held as one string.
    Stream(fn(&Audit, &mut dyn Write) -> Result<(), Error>),
    /// Renders the whole text first.
    Text(fn(&Audit) -> Result<String, Error>),
}

/// One output format: its names, its file and its renderer.
pub struct FormatSpec {
    /// The format this row describes.
    pub format: Format,
    /// Name `--format` takes, listed in its help and errors.
    pub name: &'static str,
    /// Other names `--format` accepts.
    pub aliases: &'static [&'static str],
    /// File name inside the output directory.
    pub file_name: &'static str,
    /// What the file is for, for `--help`.
    pub description: &'static str,
    /// Its renderer.
    pub renderer: Renderer,
}

/// Every report format, in the order `--help` lists them.
pub static FORMATS: &[FormatSpec] = &[
    FormatSpec {
        format: Format::Json,
        name: "json",
        aliases: &[],
        file_name: "report.json",
        description: "the machine-readable contract (reports/report.schema.json)",
        renderer: Renderer::Stream(json::write),
    },
    FormatSpec {
        format: Format::Html,
        name: "html",
        aliases: &[],
        file_name: "report.html",
        description: "the bilingual, self-contained audit report",
        renderer: Renderer::Stream(html::write),
    },
    FormatSpec {
        format: Format::Sarif,
        name: "sarif",
        aliases: &[],
        file_name: "report.sarif",
        description: "SARIF 2.1.0 for code-scanning UIs",
        renderer: Renderer::Stream(sarif::write),
    },
    FormatSpec {
        format: Format::Markdown,
        name: "md",
        aliases: &["markdown"],
        file_name: "report.md",
        description: "a short summary for pull/merge-request comments",
        renderer: Renderer::Text(markdown::render),
    },
    FormatSpec {
        format: Format::Junit,
        name: "junit",
        aliases: &[],
        file_name: "report.junit.xml",
        description: "JUnit XML for CI test tabs",
        renderer: Renderer::Text(junit::render),
    },
    FormatSpec {
        format: Format::Csv,
        name: "csv",
        aliases: &[],
        file_name: "inventory.csv",
        description: "the PI inventory for spreadsheets",
        renderer: Renderer::Text(csv::render),
    },
    FormatSpec {
        format: Format::FindingsCsv,
        name: "findings-csv",
        aliases: &["findings"],
        file_name: "findings.csv",
        description: "every finding, ranked, for spreadsheets and ticket imports",
        renderer: Renderer::Text(findings_csv::render),
    },
    FormatSpec {
        format: Format::Dot,
        name: "dot",
        aliases: &["graphviz"],
        file_name: "lineage.dot",
        description: "the whole audit's column lineage as Graphviz DOT",
        renderer: Renderer::Text(dot::render),
    },
    FormatSpec {
        format: Format::Mermaid,
        name: "mermaid",
        aliases: &["mmd"],
        file_name: "lineage.mmd",
        description: "the whole audit's column lineage as a Mermaid flowchart",
        renderer: Renderer::Text(mermaid::render),
    },
    FormatSpec {
        format: Format::OpenLineage,
        name: "openlineage",
        aliases: &[],
        file_name: "lineage.openlineage.json",
        description: "an OpenLineage RunEvent with the column-lineage facet",
        renderer: Renderer::Text(openlineage::render),
    },
    FormatSpec {
        format: Format::Recipients,
        name: "recipients",
        aliases: &[],
        file_name: "recipients.csv",
        description: "the third-party recipients inventory (第三方共享清单) for spreadsheets",
        renderer: Renderer::Text(recipients::render_csv),
    },
];

/// The names `--format` accepts, as listed in its errors:
/// `json, html, …, md (markdown), …`.
pub fn format_names() -> String {
    FORMATS
        .iter()
        .map(|spec| match spec.aliases {
            [] => spec.name.to_string(),
            aliases => format!("{} ({})", spec.name, aliases.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--format`'s help: one line per format, its names and its file.
pub fn format_help_lines() -> String {
    FORMATS
        .iter()
        .map(|spec| {
            let mut names = vec![spec.name];
            names.extend(spec.aliases);
            format!(
                "{}: {}, {}",
                names.join(" | "),
                spec.file_name,
                spec.description
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Format {
    /// This format's row of [`FORMATS`].
    pub fn spec(self) -> &'static FormatSpec {
        FORMATS
            .iter()
            .find(|spec| spec.format == self)
            // Unreachable: a unit test checks every variant has its row.
            .unwrap_or(&FORMATS[0])
    }

    /// File name inside the output directory.
    pub fn file_name(self) -> &'static str {
        self.spec().file_name
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

    /// Writes the audit in this format to `out`: streamed, or rendered
    /// first, as its row says.
    pub fn write(self, audit: &Audit, out: &mut dyn Write) -> Result<(), Error> {
        let text = match self.spec().renderer {
            Renderer::Stream(write) => return write(audit, out),
            Renderer::Text(render) => render(audit)?,
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
        let wanted = s.trim().to_ascii_lowercase();
        FORMATS
            .iter()
            .find(|spec| spec.name == wanted || spec.aliases.contains(&wanted.as_str()))
            .map(|spec| spec.format)
            .ok_or_else(|| format!("unknown format `{wanted}`; known: {}", format_names()))
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

/// The bundled example scanned deterministically on a fixed day: the audit
/// the renderers' tests compare their outputs on.
#[cfg(test)]
pub(crate) fn shop_audit() -> Audit {
    let shop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    crate::scan(&crate::Config {
        roots: vec![shop],
        deterministic: true,
        today: Some("2026-12-08".into()),
        ..crate::Config::default()
    })
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataFiles;
    use crate::extract::FileKind;
    use crate::model::ScanInfo;
    use crate::{scan_sources, Config, Knowledge, Source};

    /// A two-table schema and an ETL copy of its phone column, audited.
    fn small_audit() -> Audit {
        let sources: Vec<Source> = [
            (
                "db/schema.sql",
                "CREATE TABLE sys_user (id INT, phone VARCHAR(11) COMMENT '手机号');\n\
                 CREATE TABLE ods_user (id INT, phone VARCHAR(11));\n",
            ),
            (
                "etl/copy.sql",
                "INSERT INTO ods_user (id, phone) SELECT id, phone FROM sys_user;\n",
            ),
        ]
        .into_iter()
        .map(|(rel, text)| Source {
            rel: rel.into(),
            kind: FileKind::Sql,
            text: text.into(),
        })
        .collect();
        let knowledge = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
        let config = Config {
            deterministic: true,
            today: Some("2026-12-07".into()),
            lang: "en".into(),
            ..Config::default()
        };
        scan_sources(&knowledge, &sources, None, &config, ScanInfo::default())
    }

    #[test]
    fn every_variant_has_one_row_with_its_own_names_and_file() {
        let variants = [
            Format::Json,
            Format::Html,
            Format::Sarif,
            Format::Markdown,
            Format::Junit,
            Format::Csv,
            Format::FindingsCsv,
            Format::Dot,
            Format::Mermaid,
            Format::OpenLineage,
            Format::Recipients,
        ];
        assert_eq!(FORMATS.len(), variants.len());
        let mut names = Vec::new();
        let mut files = Vec::new();
        for format in variants {
            let rows: Vec<&FormatSpec> = FORMATS.iter().filter(|s| s.format == format).collect();
            assert_eq!(rows.len(), 1, "{format:?}");
            names.push(rows[0].name);
            names.extend(rows[0].aliases);
            files.push(rows[0].file_name);
        }
        let distinct = |v: &[&str]| v.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert_eq!(distinct(&names), names.len(), "a name is claimed twice");
        assert_eq!(distinct(&files), files.len(), "a file is written twice");
    }

    #[test]
    fn every_name_parses_in_any_case_and_spacing() {
        for spec in FORMATS {
            for name in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
                assert_eq!(name.parse::<Format>(), Ok(spec.format), "{name}");
                let shouted = format!(" {} ", name.to_uppercase());
                assert_eq!(shouted.parse::<Format>(), Ok(spec.format), "{shouted}");
            }
        }
        // The file names written before the registry.
        for (format, file) in [
            (Format::Json, "report.json"),
            (Format::Markdown, "report.md"),
            (Format::Junit, "report.junit.xml"),
            (Format::Csv, "inventory.csv"),
            (Format::Mermaid, "lineage.mmd"),
            (Format::OpenLineage, "lineage.openlineage.json"),
            (Format::Recipients, "recipients.csv"),
        ] {
            assert_eq!(format.file_name(), file);
        }
        let err = "xlsx".parse::<Format>().unwrap_err();
        assert_eq!(
            err,
            "unknown format `xlsx`; known: json, html, sarif, md (markdown), junit, csv, \
             findings-csv (findings), dot (graphviz), mermaid (mmd), openlineage, recipients"
        );
        let help = format_help_lines();
        assert_eq!(help.lines().count(), FORMATS.len());
        assert!(help.contains("md | markdown: report.md, "), "{help}");
    }

    #[test]
    fn every_format_renders_a_small_audit() {
        let audit = small_audit();
        assert!(
            audit.report.flows.iter().any(|f| f.to.ends_with("phone")),
            "the fixture should copy a phone column"
        );
        for spec in FORMATS {
            let text = spec.format.render(&audit).unwrap();
            // Every format names the copied table, as data, in a finding or
            // in its lineage (Markdown escapes the `_`); the recipients
            // inventory has only its header here (no outside party).
            if spec.format == Format::Recipients {
                assert_eq!(text.lines().count(), 1, "{text}");
            } else {
                assert!(
                    text.replace("\\_", "_").contains("ods_user"),
                    "{}: {text}",
                    spec.name
                );
            }
            let mut streamed = Vec::new();
            spec.format.write(&audit, &mut streamed).unwrap();
            assert_eq!(streamed, text.as_bytes(), "{}", spec.name);
        }
        let dot = Format::Dot.render(&audit).unwrap();
        assert!(
            dot.contains(r#""sys_user.phone" -> "ods_user.phone" [label="copy"];"#),
            "{dot}"
        );
        let event: serde_json::Value =
            serde_json::from_str(&Format::OpenLineage.render(&audit).unwrap()).unwrap();
        assert_eq!(event["outputs"][0]["name"], "ods_user");
    }
}
