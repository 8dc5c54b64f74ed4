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
    let cov = &r.scan.coverage;
    let datasets = r.datasets.len();
    if zh {
        let _ = writeln!(
            s,
            "piaudit {}（规则包 {}，口径 {}）",
            r.tool.version, r.tool.pack, r.tool.profile
        );
        let _ = writeln!(
            s,
            "扫描文件 {} 个，跳过 {} 个；语句 {}/{} 已解析，{} 条已恢复；诊断 {} 条",
            r.scan.files_scanned,
            r.scan.files_skipped.len(),
            cov.statements_parsed,
            cov.statements_total,
            cov.statements_recovered,
            r.scan.diagnostics.len()
        );
        let _ = writeln!(
            s,
            "数据集 {datasets} 个，个人信息字段 {} 个（敏感 {} 个），数据流 {} 条",
            r.summary.pi_fields,
            r.summary.sensitive_fields,
            r.flows.len()
        );
    } else {
        let _ = writeln!(
            s,
            "piaudit {} (pack {}, profile {})",
            r.tool.version, r.tool.pack, r.tool.profile
        );
        let _ = writeln!(
            s,
            "{} files scanned, {} skipped; {}/{} statements parsed, {} recovered; {} diagnostics",
            r.scan.files_scanned,
            r.scan.files_skipped.len(),
            cov.statements_parsed,
            cov.statements_total,
            cov.statements_recovered,
            r.scan.diagnostics.len()
        );
        let _ = writeln!(
            s,
            "{datasets} datasets, {} PI fields ({} sensitive), {} flows",
            r.summary.pi_fields,
            r.summary.sensitive_fields,
            r.flows.len()
        );
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
