//! The short terminal summary printed after a scan.

use crate::model::{FindingStatus, Severity};
use crate::Audit;
use std::fmt::Write as _;

/// A few lines: scope, coverage, PI counts, findings by severity, and the
/// most severe open findings with file:line.
pub fn summary(audit: &Audit, max_findings: usize) -> String {
    let r = &audit.report;
    let zh = audit.lang.starts_with("zh");
    let mut s = String::new();
    let (version, pack, profile) = (&r.tool.version, &r.tool.pack, &r.tool.profile);
    let (files, skipped, diags) = (
        r.scan.files_scanned,
        r.scan.files_skipped.len(),
        r.scan.diagnostics.len(),
    );
    let c = &r.scan.coverage;
    let (parsed, total, recovered) = (
        c.statements_parsed,
        c.statements_total,
        c.statements_recovered,
    );
    let (datasets, flows) = (r.datasets.len(), r.flows.len());
    let (pi, sensitive) = (r.summary.pi_fields, r.summary.sensitive_fields);
    let lines = if zh {
        [
            format!("piaudit {version}（规则包 {pack}，口径 {profile}）"),
            format!("扫描文件 {files} 个，跳过 {skipped} 个；语句 {parsed}/{total} 已解析，{recovered} 条已恢复；诊断 {diags} 条"),
            format!("数据集 {datasets} 个，个人信息字段 {pi} 个（敏感 {sensitive} 个），数据流 {flows} 条"),
        ]
    } else {
        [
            format!("piaudit {version} (pack {pack}, profile {profile})"),
            format!("{files} files scanned, {skipped} skipped; {parsed}/{total} statements parsed, {recovered} recovered; {diags} diagnostics"),
            format!("{datasets} datasets, {pi} PI fields ({sensitive} sensitive), {flows} flows"),
        ]
    };
    for line in lines {
        let _ = writeln!(s, "{line}");
    }
    let counts: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|sev| {
            format!(
                "{sev} {}",
                r.summary
                    .findings_by_severity
                    .get(sev)
                    .copied()
                    .unwrap_or(0)
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "{}{}",
        if zh { "问题：" } else { "findings: " },
        counts.join(", ")
    );
    let mut open: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .collect();
    open.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    for f in open.iter().take(max_findings) {
        let _ = writeln!(
            s,
            "  {}[{}] {}:{} {}",
            f.severity, f.rule, f.location.file, f.location.line, f.title
        );
    }
    if open.len() > max_findings {
        let _ = writeln!(s, "  … {}", open.len() - max_findings);
    }
    s
}
