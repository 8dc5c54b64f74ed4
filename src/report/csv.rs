//! `inventory.csv`: the PI inventory (个人信息清单), one row per field with a
//! PI tag, in report order. UTF-8 with a byte-order mark and CRLF line ends
//! so Excel opens the Chinese text correctly; bilingual headers; cells that a
//! spreadsheet would read as a formula are neutralised with a leading `'`.

use crate::error::Error;
use crate::Audit;

/// The header row.
pub const HEADERS: [&str; 13] = [
    "数据集 dataset",
    "字段 field",
    "字段标识 field id",
    "类型 type",
    "注释 comment",
    "类别标识 category id",
    "类别 category (zh)",
    "类别 category (en)",
    "敏感 sensitive",
    "置信度 confidence",
    "保护措施 protection",
    "文件 file",
    "行 line",
];

/// Neutralises CSV formula injection: a cell starting with `=`, `+`, `-`,
/// `@`, tab or carriage return gets a leading `'` (OWASP's advice), so
/// spreadsheets show it as text instead of evaluating it.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// Renders the inventory.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let err = |e: &dyn std::fmt::Display| Error::Render {
        format: "csv".into(),
        message: e.to_string(),
    };
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(HEADERS).map_err(|e| err(&e))?;
    for d in &audit.report.datasets {
        for f in &d.fields {
            let Some(pi) = &f.pi else { continue };
            let (zh, en) = audit
                .categories
                .get(&pi.category)
                .map_or((pi.category.as_str(), pi.category.as_str()), |(zh, en)| {
                    (zh.as_str(), en.as_str())
                });
            let protection: Vec<&str> = f
                .protection
                .iter()
                .map(|p| match p {
                    crate::model::Protection::Encrypted => "encrypted",
                    crate::model::Protection::Masked => "masked",
                    crate::model::Protection::Hashed => "hashed",
                    crate::model::Protection::Tokenized => "tokenized",
                })
                .collect();
            let row = [
                d.name.as_str(),
                f.name.as_str(),
                f.id.as_str(),
                f.data_type.as_deref().unwrap_or(""),
                f.comment.as_deref().unwrap_or(""),
                pi.category.as_str(),
                zh,
                en,
                if pi.sensitive { "yes" } else { "no" },
                &format!("{:.2}", pi.confidence),
                &protection.join(";"),
                f.location.file.as_str(),
                &f.location.line.to_string(),
            ];
            w.write_record(row.iter().map(|c| neutralise(c)))
                .map_err(|e| err(&e))?;
        }
    }
    let bytes = w.into_inner().map_err(|e| err(&e))?;
    let body = String::from_utf8(bytes).map_err(|e| err(&e))?;
    Ok(format!("\u{feff}{body}"))
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for ok in ["手机号码", "a=b", "", "0.97", "'quoted"] {
            assert_eq!(neutralise(ok), ok);
        }
    }
}
