//! The short terminal summary printed after a scan.

use crate::model::{FindingStatus, Severity};
use crate::Audit;
use std::fmt::Write as _;

/// A few lines: scope, coverage, PI counts, findings by severity, and the
/// most severe open findings with file:line.
pub fn summary(audit: &Audit, max_findings: usize) -> String {
    let mut s = overview(audit);
    let open = open_findings(audit);
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

/// The open findings, most severe first.
fn open_findings(audit: &Audit) -> Vec<&crate::model::Finding> {
    let mut open: Vec<_> = audit
        .report
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .collect();
    open.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    open
}

/// The subjects of a finding as a reader names them: `table.column`
/// without the file the id starts with, at most three.
fn subjects(f: &crate::model::Finding) -> String {
    let names: Vec<&str> = f
        .subjects
        .iter()
        .map(|id| id.rsplit_once('#').map_or(id.as_str(), |(_, name)| name))
        .collect();
    let mut s = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        let _ = write!(s, " +{}", names.len() - 3);
    }
    s
}

/// A remediation on one line: whole when short, else up to the end of a
/// sentence (past the first 60 characters, so `e.g.` or `Art.` do not cut
/// it), else cut at 160 characters.
fn one_line(text: &str) -> String {
    const MAX: usize = 160;
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX {
        return flat;
    }
    let mut seen = 0;
    for (i, c) in flat.char_indices() {
        seen += 1;
        if seen > MAX {
            break;
        }
        let end = i + c.len_utf8();
        let at_end = c == '。' || (c == '.' && flat[end..].starts_with(' '));
        if at_end && seen >= 60 {
            return flat[..end].to_string();
        }
    }
    let cut: String = flat.chars().take(MAX - 1).collect();
    format!("{cut}…")
}

/// Every open finding, grouped by rule (most severe rule first): a header
/// with the rule id, severity and title, one line per finding (subjects,
/// file:line; identical lines, as merged reports have, shown once with a
/// count), the first sentence of the fix and a `piaudit rules show` hint.
/// `max_lines` caps the finding lines; a last line says how many were left
/// out. Styled with ANSI: write it through `anstream`.
pub fn findings_grouped(audit: &Audit, max_lines: Option<usize>) -> String {
    let zh = audit.lang.starts_with("zh");
    let open = open_findings(audit);
    let mut groups: Vec<(&str, Vec<&crate::model::Finding>)> = Vec::new();
    for f in &open {
        match groups.iter_mut().find(|(rule, _)| *rule == f.rule) {
            Some((_, fs)) => fs.push(f),
            None => groups.push((&f.rule, vec![f])),
        }
    }
    let mut s = String::new();
    let mut shown = 0usize;
    let mut hidden = 0usize;
    let bold = anstyle::Style::new().bold();
    let dim = anstyle::Style::new().dimmed();
    for (rule, findings) in &groups {
        let mut lines: Vec<(String, usize)> = Vec::new();
        for f in findings {
            let subject = subjects(f);
            let at = format!("{}:{}", f.location.file, f.location.line);
            let line = if subject.is_empty() {
                at
            } else {
                format!("{subject}  {at}")
            };
            match lines.iter_mut().find(|(l, _)| *l == line) {
                Some((_, n)) => *n += 1,
                None => lines.push((line, 1)),
            }
        }
        if max_lines.is_some_and(|max| shown >= max) {
            hidden += lines.len();
            continue;
        }
        let first = findings[0];
        let style = severity_style(first.severity);
        let _ = writeln!(
            s,
            "{style}{}{style:#} {bold}{rule}{bold:#} {} ({})",
            first.severity,
            first.title,
            findings.len()
        );
        for (line, n) in &lines {
            if max_lines.is_some_and(|max| shown >= max) {
                hidden += 1;
                continue;
            }
            shown += 1;
            if *n > 1 {
                let _ = writeln!(s, "  {line} (×{n})");
            } else {
                let _ = writeln!(s, "  {line}");
            }
        }
        let (fix, more) = if zh {
            ("整改：", "详情：")
        } else {
            ("fix: ", "details: ")
        };
        let _ = writeln!(s, "  {dim}{fix}{}{dim:#}", one_line(&first.remediation));
        let _ = writeln!(s, "  {dim}{more}piaudit rules show {rule}{dim:#}");
    }
    if hidden > 0 {
        let _ = writeln!(
            s,
            "{}",
            if zh {
                format!("… 另有 {hidden} 行，见报告")
            } else {
                format!("… {hidden} more, see report")
            }
        );
    }
    s
}

/// The scan's diagnostics, one per line: `file:line level message`.
pub fn diagnostics(audit: &Audit) -> String {
    let mut s = String::new();
    for d in &audit.report.scan.diagnostics {
        let level = match d.severity {
            crate::model::DiagnosticLevel::Error => "error",
            crate::model::DiagnosticLevel::Warning => "warning",
            crate::model::DiagnosticLevel::Info => "info",
        };
        let _ = writeln!(s, "  {}:{} {level}: {}", d.file, d.line, d.message);
    }
    s
}

/// Scope, coverage, PI counts and findings by severity.
pub fn overview(audit: &Audit) -> String {
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
    fn identical_lines_collapse_with_a_count_and_max_lines_cuts() {
        use crate::data::DataFiles;
        use crate::extract::FileKind;
        let sources = [crate::Source {
            rel: "db/a.sql".into(),
            kind: FileKind::Sql,
            text: "CREATE TABLE member (id INT, sfzh CHAR(18) COMMENT '身份证号', \
                   mobile CHAR(11) COMMENT '手机号码');"
                .into(),
        }];
        let k = crate::Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
        let config = crate::Config {
            lang: "en".into(),
            ..crate::Config::default()
        };
        let mut audit = crate::scan_sources(
            &k,
            &sources,
            None,
            &config,
            crate::model::ScanInfo::default(),
        );
        let open = audit
            .report
            .findings
            .iter()
            .filter(|f| f.status == FindingStatus::Open)
            .count();
        assert!(open >= 2, "{:?}", audit.report.findings);
        let mut twin = audit.report.findings[0].clone();
        twin.fingerprint = "0".repeat(32);
        let line = format!(
            "  {}  {}:{}",
            subjects(&twin),
            twin.location.file,
            twin.location.line
        );
        audit.report.findings.push(twin);
        let text = findings_grouped(&audit, None);
        let plain = anstream::adapter::strip_str(&text).to_string();
        let rule = audit.report.findings[0].rule.clone();
        let group: Vec<&str> = plain
            .lines()
            .skip_while(|l| !l.contains(&format!(" {rule} ")))
            .take_while(|l| !l.contains("details: "))
            .collect();
        assert_eq!(
            group.iter().filter(|l| l.starts_with(&line)).count(),
            1,
            "{plain}"
        );
        assert!(plain.contains(&format!("{line} (×2)")), "{plain}");
        // A field rule's finding names its dataset (report schema 2.0).
        assert!(plain.contains("member  db/a.sql:1"), "{plain}");
        let cut = anstream::adapter::strip_str(&findings_grouped(&audit, Some(1))).to_string();
        assert!(
            cut.contains(&format!("… {} more, see report", open - 1)),
            "{cut}"
        );
    }

    #[test]
    fn a_fix_is_one_line_cut_at_a_sentence_end() {
        assert_eq!(one_line("Do this.\n  Then that."), "Do this. Then that.");
        let first = "Encrypt the column at rest with a managed key, e.g. SM4, or tokenise it.";
        let long = format!("{first} {}", "word ".repeat(40));
        assert_eq!(one_line(&long), first);
        let zh = format!("对该字段实施字段级加密（如 SM4/AES-GCM，密钥集中管理）或令牌化，并在列注释中注明加密方式与密钥管理办法，确保备份同样加密存储。{}", "再".repeat(120));
        assert!(one_line(&zh).ends_with('。'), "{}", one_line(&zh));
        let unbroken = "y".repeat(300);
        assert_eq!(one_line(&unbroken).chars().count(), 160);
        assert!(one_line(&unbroken).ends_with('…'));
    }

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("严重"), 4);
        assert_eq!(pad("高危", 6, false), "高危  ");
        assert_eq!(pad("7", 3, true), "  7");
    }
}
