//! `findings.csv`: every finding, one row each, for a spreadsheet or a
//! ticket import. Open findings first in "fix first" order (their rank in
//! the first column, see [`super::rank`]), then the waived and baselined
//! ones. Same conventions as `inventory.csv`: UTF-8 with a byte-order mark,
//! CRLF line ends, bilingual headers, formula cells neutralised. Lists
//! (fields, further locations, basis) are joined with `;`.

use super::csv::neutralise;
use super::rank::{self, Namer};
use crate::error::Error;
use crate::model::FindingStatus;
use crate::Audit;

/// The header row.
pub const HEADERS: [&str; 15] = [
    "排名 rank",
    "规则 rule",
    "标题 title",
    "严重程度 severity",
    "置信度 confidence",
    "状态 status",
    "字段 fields",
    "涉及对象 subjects",
    "文件 file",
    "行 line",
    "其他位置 locations",
    "法律依据 basis",
    "问题描述 message",
    "整改建议 remediation",
    "指纹 fingerprint",
];

/// Renders the findings table.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let err = |e: &dyn std::fmt::Display| Error::Render {
        format: "findings.csv".into(),
        message: e.to_string(),
    };
    let r = &audit.report;
    let namer = Namer::new(r, audit.scale.as_ref());
    let open = rank::ranked_with(&namer, &r.findings);
    let mut closed: Vec<&crate::model::Finding> = r
        .findings
        .iter()
        .filter(|f| f.status != FindingStatus::Open)
        .collect();
    closed.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let rows = open
        .iter()
        .enumerate()
        .map(|(i, x)| (Some(i + 1), x.finding))
        .chain(closed.into_iter().map(|f| (None, f)));
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(HEADERS).map_err(|e| err(&e))?;
    for (rank, f) in rows {
        let status = match f.status {
            FindingStatus::Open => "open",
            FindingStatus::Waived => "waived",
            FindingStatus::Baselined => "baselined",
        };
        let fields: Vec<String> = f.fields.iter().map(|id| namer.label(id)).collect();
        let locations: Vec<String> = f
            .locations
            .iter()
            .map(|l| format!("{}:{}", l.file, l.line))
            .collect();
        let row = [
            rank.map(|n| n.to_string()).unwrap_or_default(),
            f.rule.clone(),
            f.title.clone(),
            f.severity.to_string(),
            f.confidence.as_str().to_string(),
            status.to_string(),
            fields.join(";"),
            f.subjects.join(";"),
            f.location.file.clone(),
            f.location.line.to_string(),
            locations.join(";"),
            f.basis.join(";"),
            f.message.clone(),
            f.remediation.clone(),
            f.fingerprint.clone(),
        ];
        w.write_record(row.iter().map(|c| neutralise(c)))
            .map_err(|e| err(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| err(&e))?;
    let body = String::from_utf8(bytes).map_err(|e| err(&e))?;
    Ok(format!("\u{feff}{body}"))
}
