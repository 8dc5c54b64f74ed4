//! `piaudit explain T.C`: why a field was tagged (or not) — the final tag
//! with its evidence as the audit recorded it (cues, values, lineage,
//! overrides, children's context), and every name/comment/type cue that
//! matched, with its weight, including those that were not counted and why.

use crate::classify::{Classifier, CueTrace, THRESHOLD};
use crate::model::{Location, PiTag};
use crate::pipeline::{Audit, Knowledge};
use serde::Serialize;
use std::fmt::Write;

/// The explanation of one field.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Dataset name.
    pub dataset: String,
    /// Field name.
    pub field: String,
    /// Field id.
    pub id: String,
    /// Where the field is declared.
    pub location: Location,
    /// Declared type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Column comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The tag in the audit, if any.
    pub pi: Option<PiTag>,
    /// Cue analysis of the field's own name, comment and type.
    pub cues: CueTrace,
}

/// Whether `pattern` (`table.column`, `schema.table.column` or `column`)
/// names the field `column` of dataset `dataset`; case-insensitive, `*`
/// allowed as a whole segment.
fn matches(pattern: &str, dataset: &str, column: &str) -> bool {
    let seg = |p: &str, v: &str| p == "*" || p.eq_ignore_ascii_case(v);
    match pattern.rsplit_once('.') {
        None => seg(pattern, column),
        Some((t, c)) => {
            let table_ok = seg(t, dataset)
                || dataset
                    .rsplit_once('.')
                    .is_some_and(|(_, short)| seg(t, short));
            table_ok && seg(c, column)
        }
    }
}

/// Explains every field of `audit` matching `pattern`.
pub fn explain(audit: &Audit, knowledge: &Knowledge, pattern: &str) -> Vec<Explanation> {
    let classifier = Classifier::new(&knowledge.taxonomy, &knowledge.cues, &knowledge.profile);
    let schema = classifier.schema_index(&audit.report.datasets);
    let mut out = Vec::new();
    for ds in &audit.report.datasets {
        for f in &ds.fields {
            if matches(pattern, &ds.name, &f.name) {
                out.push(Explanation {
                    dataset: ds.name.clone(),
                    field: f.name.clone(),
                    id: f.id.clone(),
                    location: f.location.clone(),
                    data_type: f.data_type.clone(),
                    comment: f.comment.clone(),
                    pi: f.pi.clone(),
                    cues: classifier.trace_in(ds, f, &schema),
                });
            }
        }
    }
    out
}

/// Renders explanations as text in `lang` (`zh-CN` or `en`).
pub fn render_text(items: &[Explanation], audit: &Audit, profile: &str, lang: &str) -> String {
    let zh = lang.starts_with("zh");
    let t = |zh_s: &'static str, en_s: &'static str| if zh { zh_s } else { en_s };
    let mut s = String::new();
    for e in items {
        let _ = writeln!(
            s,
            "{}.{}  ({}:{})",
            e.dataset, e.field, e.location.file, e.location.line
        );
        if let Some(ty) = &e.data_type {
            let _ = writeln!(s, "  {} {ty}", t("类型", "type"));
        }
        if let Some(c) = &e.comment {
            let _ = writeln!(s, "  {} {c}", t("注释", "comment"));
        }
        match &e.pi {
            Some(p) => {
                let name = audit
                    .categories
                    .get(&p.category)
                    .map(|(z, en)| if zh { z.as_str() } else { en.as_str() })
                    .unwrap_or("");
                let sens = match (p.sensitive, zh) {
                    (true, true) => format!("{profile} 下为敏感个人信息"),
                    (false, true) => format!("{profile} 下非敏感"),
                    (true, false) => format!("sensitive under {profile}"),
                    (false, false) => format!("not sensitive under {profile}"),
                };
                let _ = writeln!(
                    s,
                    "  → {} {} {name} ({} {:.2}; {sens})",
                    t("标记为", "tagged"),
                    p.category,
                    t("置信度", "confidence"),
                    p.confidence
                );
                let _ = writeln!(s, "  {}", t("证据：", "evidence:"));
                for ev in &p.evidence {
                    let _ = writeln!(s, "    {:<9} {}", ev.kind, ev.detail);
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "  → {} {THRESHOLD:.2}",
                    t(
                        "未标记为个人信息：没有类别的合计置信度达到阈值",
                        "not PI: no category's combined confidence reached the threshold"
                    )
                );
            }
        }
        let c = &e.cues;
        let _ = writeln!(
            s,
            "  {} {}",
            t("表是否为人员类表：", "person-like table:"),
            match (c.person_like_table, zh) {
                (true, true) => "是",
                (false, true) => "否",
                (true, false) => "yes",
                (false, false) => "no",
            }
        );
        let _ = writeln!(
            s,
            "  {}",
            t(
                "列自身的线索（同类别按 1 − Π(1 − 权重) 合并）：",
                "cues of the column itself (per category combined as 1 − Π(1 − weight)):"
            )
        );
        for cue in &c.counted {
            let _ = writeln!(
                s,
                "    {} {:<24} {:.2}  {}",
                t("计入", "counted  "),
                cue.category,
                cue.weight,
                cue.detail
            );
        }
        for cue in &c.ambiguous {
            let state = if c.pi_siblings > 0 {
                t(
                    "歧义（有同表个人信息列，按 0.60 计入）",
                    "ambiguous, counted at 0.60 beside PI columns",
                )
            } else {
                t(
                    "歧义（同表无其他个人信息列，不计入）",
                    "ambiguous, not counted: no other PI column in the table",
                )
            };
            let _ = writeln!(
                s,
                "    {} {:<24} {:.2}  {} — {state}",
                t("歧义", "ambiguous"),
                cue.category,
                cue.weight,
                cue.detail
            );
        }
        for why in &c.ignored {
            let _ = writeln!(s, "    {} {why}", t("忽略", "ignored  "));
        }
        if c.counted.is_empty() && c.ambiguous.is_empty() && c.ignored.is_empty() {
            let _ = writeln!(
                s,
                "    {}",
                t(
                    "（列名、注释和类型均未命中任何线索）",
                    "(no cue matched the name, comment or type)"
                )
            );
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns() {
        assert!(matches("sys_user.phone", "sys_user", "phone"));
        assert!(matches("SYS_USER.Phone", "sys_user", "phone"));
        assert!(matches("sys_user.phone", "ry.sys_user", "phone"));
        assert!(matches("ry.sys_user.phone", "ry.sys_user", "phone"));
        assert!(matches("*.phone", "orders", "phone"));
        assert!(matches("phone", "orders", "phone"));
        assert!(!matches("sys_user.phone", "sys_dept", "phone"));
        assert!(!matches("sys_user.phone", "sys_user", "phone2"));
    }
}
