//! `report.md`: a short summary to paste into a pull/merge-request comment:
//! a header, open findings by severity, the ten to fix first (ranked by
//! [`super::rank`], each naming its table/columns and file:line), the open
//! findings grouped by rule (basis and fix once per rule, each finding with
//! its fields), then the waived and baselined counts. In the report language.
//!
//! Every value taken from the scanned sources or the declarations goes through
//! [`escape`] (or [`code`] inside code spans), so a hostile column comment or
//! table name can neither inject HTML nor break a table row or list item.

use super::rank::{self, Namer, Ranked};
use crate::error::Error;
use crate::model::{FindingStatus, Severity};
use crate::Audit;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// At most this many open findings are listed.
pub const MAX_FINDINGS: usize = 50;
/// At most this many fields are listed under a finding.
pub const MAX_FIELDS: usize = 30;

/// Escapes a value for Markdown text (CommonMark/GFM): backslash-escapes the
/// punctuation that starts emphasis, code, links, tables or strike-through,
/// writes `&`, `<` and `>` as entities, and folds line breaks into spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '|' | '[' | ']' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span holding `s` verbatim: the fence is one backtick longer than
/// the longest run of backticks inside, padded when `s` starts or ends with
/// one; line breaks fold into spaces and `|` is escaped (GFM tables split on
/// it even inside code spans).
pub fn code(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn severity_label(sev: Severity, zh: bool) -> String {
    if !zh {
        return sev.as_str().to_string();
    }
    let name = match sev {
        Severity::Critical => "严重",
        Severity::High => "高",
        Severity::Medium => "中",
        Severity::Low => "低",
        Severity::Info => "提示",
    };
    format!("{} {}", sev.as_str(), name)
}

/// A target's name: a code span, or escaped text when it holds `<`, `>`
/// or `&` (a code span shows those verbatim, and a renderer that does not
/// escape them would read markup).
fn name(s: &str) -> String {
    if s.contains(['<', '>', '&']) {
        escape(s)
    } else {
        code(s)
    }
}

/// `` `a`, `b`, `c` (+N fields) `` for a finding's targets; empty without.
fn targets_text(r: &Ranked, zh: bool) -> String {
    let shown: Vec<String> = r.targets.iter().take(3).map(|t| name(t)).collect();
    let mut s = shown.join(", ");
    let more = r.targets.len().saturating_sub(3);
    if more > 0 {
        let unit = match (zh, r.finding.fields.is_empty()) {
            (true, false) => format!("（另 {more} 个字段）"),
            (true, true) => format!("（另 {more} 个）"),
            (false, false) => format!(" (+{more} fields)"),
            (false, true) => format!(" (+{more})"),
        };
        s.push_str(&unit);
    }
    s
}

/// One line of the "fix first" list:
/// `1. **critical** · confirmed — `CNPI-020` title — `t.c` — `file:line` — fix`.
fn fix_line(
    audit: &Audit,
    n: usize,
    r: &Ranked,
    titles: &BTreeMap<&str, &crate::pipeline::RuleSummary>,
) -> String {
    let f = r.finding;
    let rule = titles.get(f.rule.as_str());
    let title = rule.map_or(f.title.as_str(), |x| x.title.get(&audit.lang));
    let fix = rule.map_or(f.remediation.as_str(), |x| x.remediation.get(&audit.lang));
    let targets = targets_text(r, audit.lang.starts_with("zh"));
    let targets = if targets.is_empty() {
        String::new()
    } else {
        format!(" — {targets}")
    };
    format!(
        "{n}. **{}** · {} — {} {}{targets} — {} — {}",
        f.severity,
        f.confidence.as_str(),
        code(&f.rule),
        escape(title),
        code(&format!("{}:{}", f.location.file, f.location.line)),
        escape(&rank::one_line(fix))
    )
}

/// One open finding of a rule's group:
/// `- **high** · likely — `file:line` — `t.c`, … — message`.
fn finding_line(audit: &Audit, r: &Ranked) -> String {
    let f = r.finding;
    let message = audit
        .messages
        .get(&f.fingerprint)
        .map_or(f.message.as_str(), |m| m.get(&audit.lang));
    let targets = targets_text(r, audit.lang.starts_with("zh"));
    let targets = if targets.is_empty() {
        String::new()
    } else {
        format!(" — {targets}")
    };
    let more = if f.locations.is_empty() {
        String::new()
    } else if audit.lang.starts_with("zh") {
        format!("（另 {} 处）", f.locations.len())
    } else {
        format!(" (+{} places)", f.locations.len())
    };
    format!(
        "- **{}** · {} — {}{more}{targets} — {}",
        f.severity,
        f.confidence.as_str(),
        code(&format!("{}:{}", f.location.file, f.location.line)),
        escape(message),
    )
}

/// Renders the Markdown summary.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let r = &audit.report;
    let zh = audit.lang.starts_with("zh");
    let titles: BTreeMap<&str, &crate::pipeline::RuleSummary> = audit
        .rules_applied
        .iter()
        .map(|x| (x.id.as_str(), x))
        .collect();
    let namer = Namer::new(r, audit.scale.as_ref());
    let open = rank::ranked_with(&namer, &r.findings);
    let count = |status| r.findings.iter().filter(|f| f.status == status).count();
    let (waived, baselined) = (
        count(FindingStatus::Waived),
        count(FindingStatus::Baselined),
    );
    let (pack, profile, version) = (
        escape(&r.tool.pack),
        escape(&r.tool.profile),
        escape(&r.tool.version),
    );
    let org = audit
        .organisation
        .as_deref()
        .map(|o| {
            if zh {
                format!("（{}）", escape(o))
            } else {
                format!(" — {}", escape(o))
            }
        })
        .unwrap_or_default();
    let c = &r.scan.coverage;
    let mut s = String::new();
    if zh {
        let _ = writeln!(s, "## piaudit 个人信息合规审计{org}\n");
        let _ = writeln!(
            s,
            "规则包 {pack}，敏感口径 {profile}，piaudit {version}。扫描文件 {} 个，语句 {}/{} 已解析；个人信息字段 {} 个（敏感 {} 个）；**未关闭问题 {} 条**。\n",
            r.scan.files_scanned, c.statements_parsed, c.statements_total,
            r.summary.pi_fields, r.summary.sensitive_fields, open.len()
        );
        let _ = writeln!(s, "| 严重程度 | 未关闭 |\n|---|---:|");
    } else {
        let _ = writeln!(s, "## piaudit personal-information audit{org}\n");
        let _ = writeln!(
            s,
            "Pack {pack}, profile {profile}, piaudit {version}. {} files scanned, {}/{} statements parsed; {} PI fields ({} sensitive); **{} open findings**.\n",
            r.scan.files_scanned, c.statements_parsed, c.statements_total,
            r.summary.pi_fields, r.summary.sensitive_fields, open.len()
        );
        let _ = writeln!(s, "| Severity | Open |\n|---|---:|");
    }
    for sev in Severity::DESCENDING {
        let n = open.iter().filter(|x| x.finding.severity == sev).count();
        let _ = writeln!(s, "| {} | {n} |", severity_label(sev, zh));
    }
    s.push('\n');
    // The self-check results, when the pack makes a table (mlps-l3).
    if let Some(t) = &r.self_check {
        let _ = writeln!(
            s,
            "**{}**{}{}\n",
            escape(if zh { &t.title.zh } else { &t.title.en }),
            if zh { "：" } else { ": " },
            crate::model::CheckStatus::ALL
                .iter()
                .map(|st| format!(
                    "{} {}",
                    if zh { st.zh() } else { st.en() },
                    t.record.counts.get(st).copied().unwrap_or(0)
                ))
                .collect::<Vec<_>>()
                .join(if zh { "，" } else { ", " })
        );
    }
    if !open.is_empty() {
        let _ = writeln!(
            s,
            "{}\n",
            if zh {
                "### 优先整改"
            } else {
                "### Fix first"
            }
        );
        for (i, x) in open.iter().take(rank::FIX_FIRST).enumerate() {
            let _ = writeln!(s, "{}", fix_line(audit, i + 1, x, &titles));
        }
        s.push('\n');
        let _ = writeln!(
            s,
            "{}\n",
            if zh {
                "### 未关闭的问题（按规则）"
            } else {
                "### Open findings by rule"
            }
        );
        // Groups in the order of each rule's best-ranked finding.
        let mut groups: Vec<(&str, Vec<&Ranked>)> = Vec::new();
        for x in &open {
            match groups.iter_mut().find(|(rule, _)| *rule == x.finding.rule) {
                Some((_, list)) => list.push(x),
                None => groups.push((&x.finding.rule, vec![x])),
            }
        }
        let mut listed = 0;
        for (rule, list) in &groups {
            if listed >= MAX_FINDINGS {
                break;
            }
            let summary = titles.get(rule);
            let title =
                summary.map_or(list[0].finding.title.as_str(), |x| x.title.get(&audit.lang));
            let mut basis: Vec<&str> = Vec::new();
            for x in list {
                for b in &x.finding.basis {
                    if !basis.contains(&b.as_str()) {
                        basis.push(b);
                    }
                }
            }
            let basis = if basis.is_empty() {
                String::new()
            } else {
                let codes: Vec<String> = basis.iter().map(|b| escape(b)).collect();
                format!(" ({})", codes.join(", "))
            };
            let _ = writeln!(
                s,
                "**{}** {} — {}{basis}\n",
                code(rule),
                escape(title),
                list.len()
            );
            for x in list.iter() {
                if listed >= MAX_FINDINGS {
                    break;
                }
                listed += 1;
                let _ = writeln!(s, "{}", finding_line(audit, x));
                // Every affected field, when the line could name only three.
                if x.finding.fields.len() > 3 {
                    let names: Vec<String> =
                        x.targets.iter().take(MAX_FIELDS).map(|t| name(t)).collect();
                    let more = x.targets.len().saturating_sub(MAX_FIELDS);
                    let _ = writeln!(
                        s,
                        "  - {}{}{}",
                        if zh { "字段：" } else { "fields: " },
                        names.join(", "),
                        if more == 0 {
                            String::new()
                        } else if zh {
                            format!("（另 {more} 个）")
                        } else {
                            format!(" (+{more})")
                        }
                    );
                }
            }
            let fix = summary.map_or(list[0].finding.remediation.as_str(), |x| {
                x.remediation.get(&audit.lang)
            });
            let _ = writeln!(
                s,
                "\n{}{}\n",
                if zh { "整改：" } else { "Fix: " },
                escape(&rank::one_line(fix))
            );
        }
        if open.len() > listed {
            let more = open.len() - listed;
            let _ = writeln!(
                s,
                "{}\n",
                if zh {
                    format!("… 另有 {more} 条")
                } else {
                    format!("… and {more} more")
                }
            );
        }
    }
    // Obligations the scan could not assess (`requires:`): what to declare.
    if !r.not_assessable.is_empty() {
        let _ = writeln!(
            s,
            "{}\n",
            if zh {
                "### 无法评估的义务（缺少所需事实）"
            } else {
                "### Obligations not assessable (evidence missing)"
            }
        );
        let _ = writeln!(
            s,
            "{}",
            if zh {
                "| 义务（规则，依据） | 需声明或提供 |\n|---|---|"
            } else {
                "| Obligation (rule, basis) | Declare or provide |\n|---|---|"
            }
        );
        for n in &r.not_assessable {
            let title = titles
                .get(n.rule.as_str())
                .map_or(String::new(), |x| escape(x.title.get(&audit.lang)));
            let basis: Vec<String> = n.basis.iter().map(|b| escape(b)).collect();
            let _ = writeln!(
                s,
                "| {} {title} ({}) | {} |",
                code(&n.rule),
                basis.join(", "),
                escape(&n.provide)
            );
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "{}",
        if zh {
            format!("已豁免 {waived} 条，已纳入基线 {baselined} 条。")
        } else {
            format!("Waived: {waived}. Baselined: {baselined}.")
        }
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markdown_and_html() {
        assert_eq!(
            escape("a|b *c* _d_ `e` <script>&"),
            "a\\|b \\*c\\* \\_d\\_ \\`e\\` &lt;script&gt;&amp;"
        );
        assert_eq!(escape("line1\nline2\r\n[x](y)"), "line1 line2  \\[x\\](y)");
        assert_eq!(escape("a\\b"), "a\\\\b");
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("db/a.sql:3"), "`db/a.sql:3`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
    }
}
