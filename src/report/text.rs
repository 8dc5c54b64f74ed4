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
    // The self-check table's results, when the pack makes one (mlps-l3).
    if let Some(t) = &r.self_check {
        let n = |st: crate::model::CheckStatus| t.record.counts.get(&st).copied().unwrap_or(0);
        let parts: Vec<String> = crate::model::CheckStatus::ALL
            .iter()
            .map(|st| {
                let label = if zh { st.zh() } else { st.en() };
                format!("{label} {}", n(*st))
            })
            .collect();
        let _ = writeln!(
            s,
            "{}{}{}",
            if zh { &t.title.zh } else { &t.title.en },
            if zh { "：" } else { ": " },
            parts.join(if zh { "，" } else { ", " })
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

/// Display width of terminal text: CJK and other wide characters count 2.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// `s` padded with spaces to `width` columns (left-aligned, or right-aligned).
fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The ANSI style of a severity in the terminal.
pub fn severity_style(sev: Severity) -> anstyle::Style {
    use anstyle::{AnsiColor, Style};
    match sev {
        Severity::Critical => Style::new()
            .bold()
            .fg_color(Some(AnsiColor::BrightRed.into())),
        Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Blue.into())),
        Severity::Info => Style::new().dimmed(),
    }
}

/// Findings per severity as a table (open, waived, baselined), with ANSI
/// styles. Write it through `anstream`, which drops the styles when the
/// stream is not a terminal or `NO_COLOR` is set.
pub fn severity_table(audit: &Audit) -> String {
    let zh = audit.lang.starts_with("zh");
    let headers: [&str; 4] = if zh {
        ["严重程度", "待整改", "已豁免", "已纳入基线"]
    } else {
        ["severity", "open", "waived", "baselined"]
    };
    let names = |sev: Severity| -> &'static str {
        match (zh, sev) {
            (true, Severity::Critical) => "严重",
            (true, Severity::High) => "高危",
            (true, Severity::Medium) => "中危",
            (true, Severity::Low) => "低危",
            (true, Severity::Info) => "提示",
            (false, s) => s.as_str(),
        }
    };
    let widths: Vec<usize> = headers.iter().map(|h| display_width(h).max(8)).collect();
    let bold = anstyle::Style::new().bold();
    let mut s = String::new();
    let head: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| pad(h, widths[i], i > 0))
        .collect();
    let _ = writeln!(s, "{bold}{}{bold:#}", head.join("  "));
    for sev in Severity::DESCENDING {
        let count = |status: FindingStatus| {
            audit
                .report
                .findings
                .iter()
                .filter(|f| f.severity == sev && f.status == status)
                .count()
        };
        let open = count(FindingStatus::Open);
        let style = if open > 0 {
            severity_style(sev)
        } else {
            anstyle::Style::new().dimmed()
        };
        let cells = [
            pad(names(sev), widths[0], false),
            pad(&open.to_string(), widths[1], true),
            pad(&count(FindingStatus::Waived).to_string(), widths[2], true),
            pad(
                &count(FindingStatus::Baselined).to_string(),
                widths[3],
                true,
            ),
        ];
        let _ = writeln!(s, "{style}{}{style:#}", cells.join("  "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("严重"), 4);
        assert_eq!(pad("高危", 6, false), "高危  ");
        assert_eq!(pad("7", 3, true), "  7");
    }
}
