//! `report.json`: the serialised [`crate::model::Report`] (the public contract,
//! `reports/report.schema.json`).

use crate::error::Error;
use crate::Audit;
use std::io::Write;

/// Renders the JSON report, pretty-printed, with a final newline.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let mut out = Vec::new();
    write(audit, &mut out)?;
    String::from_utf8(out).map_err(|e| Error::Render {
        format: "json".into(),
        message: e.to_string(),
    })
}

/// Writes the JSON report as [`render`] gives it, streamed: an estate's
/// report is tens of MB and need not be held as one string.
pub fn write(audit: &Audit, out: &mut dyn Write) -> Result<(), Error> {
    let failed = |message: String| Error::Render {
        format: "json".into(),
        message,
    };
    serde_json::to_writer_pretty(&mut *out, &audit.report).map_err(|e| failed(e.to_string()))?;
    out.write_all(b"\n").map_err(|e| failed(e.to_string()))
}
