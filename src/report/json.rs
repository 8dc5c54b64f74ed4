//! `report.json`: the serialised [`crate::model::Report`] (the public contract,
//! `reports/report.schema.json`).

use crate::error::Error;
use crate::Audit;

/// Renders the JSON report, pretty-printed, with a final newline.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let mut s = serde_json::to_string_pretty(&audit.report).map_err(|e| Error::Render {
        format: "json".into(),
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}
