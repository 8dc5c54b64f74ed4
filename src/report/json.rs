//! `report.json`: the serialised [`crate::model::Report`] (the public contract,
//! `reports/report.schema.json`), plus the recipients inventory
//! ([`super::recipients`]) as `recipients` when there is any.

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
    /// The report with the recipients view after its own keys.
    #[derive(serde::Serialize)]
    struct WithRecipients<'a> {
        #[serde(flatten)]
        report: &'a crate::model::Report,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        recipients: Vec<super::recipients::Recipient>,
    }
    let view = WithRecipients {
        report: &audit.report,
        recipients: super::recipients::recipients(&audit.report),
    };
    serde_json::to_writer_pretty(&mut *out, &view).map_err(|e| failed(e.to_string()))?;
    out.write_all(b"\n").map_err(|e| failed(e.to_string()))
}
