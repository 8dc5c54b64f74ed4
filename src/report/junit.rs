//! `report.junit.xml`: JUnit XML for the test tabs of CI systems.
//!
//! One `<testsuite>` per rule applied (named `piaudit <pack> <rule id>`), one
//! `<testcase>` per finding (classname = rule id, name = its subjects) with a
//! `<failure>` when open at any severity and `<skipped>` when waived or
//! baselined, and one passing testcase for a rule without findings, so the
//! tab shows what was checked. Texts are in the report language. Times are
//! always 0 so the file is deterministic.

use crate::error::Error;
use crate::model::{Finding, FindingStatus, FindingWaiver};
use crate::Audit;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for XML 1.0 content or a double- or single-quoted attribute:
/// `& < > " '` become entities; tab, line feed and carriage return become
/// character references (so attribute normalisation keeps them); the
/// characters XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF) become
/// U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Like [`escape`] for element content, keeping line feeds readable.
fn escape_text(s: &str) -> String {
    escape(s).replace("&#10;", "\n")
}

struct Suite<'a> {
    id: &'a str,
    title: &'a str,
    findings: Vec<&'a Finding>,
}

/// Renders the JUnit XML document.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let r = &audit.report;
    let lang = audit.lang.as_str();
    let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_rule.entry(f.rule.as_str()).or_default().push(f);
    }
    let mut suites: Vec<Suite> = audit
        .rules_applied
        .iter()
        .map(|rule| Suite {
            id: &rule.id,
            title: rule.title.get(lang),
            findings: by_rule.remove(rule.id.as_str()).unwrap_or_default(),
        })
        .collect();
    // Findings of a rule missing from the summaries still get a suite.
    suites.extend(by_rule.into_iter().map(|(id, findings)| Suite {
        id,
        title: findings[0].title.as_str(),
        findings,
    }));
    let count = |pred: &dyn Fn(&Finding) -> bool| {
        suites
            .iter()
            .flat_map(|s| &s.findings)
            .filter(|f| pred(f))
            .count()
    };
    let tests: usize = suites.iter().map(|s| s.findings.len().max(1)).sum();
    let failures = count(&|f| f.status == FindingStatus::Open);
    let skipped = count(&|f| f.status != FindingStatus::Open);
    let pack = escape(&r.tool.pack);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"piaudit {pack}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">"
    );
    for suite in &suites {
        let n_fail = suite
            .findings
            .iter()
            .filter(|f| f.status == FindingStatus::Open)
            .count();
        let n_skip = suite.findings.len() - n_fail;
        let _ = writeln!(
            s,
            "  <testsuite name=\"piaudit {pack} {}\" tests=\"{}\" failures=\"{n_fail}\" errors=\"0\" skipped=\"{n_skip}\" time=\"0\">",
            escape(suite.id),
            suite.findings.len().max(1)
        );
        let _ = writeln!(
            s,
            "    <properties>\n      <property name=\"rule\" value=\"{}\"/>\n      <property name=\"title\" value=\"{}\"/>\n    </properties>",
            escape(suite.id),
            escape(suite.title)
        );
        if suite.findings.is_empty() {
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"/>",
                escape(suite.id),
                escape(suite.title)
            );
        }
        for f in &suite.findings {
            write_case(&mut s, audit, f);
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    Ok(s)
}

fn write_case(s: &mut String, audit: &Audit, f: &Finding) {
    let lang = audit.lang.as_str();
    let zh = lang.starts_with("zh");
    let message = audit
        .messages
        .get(&f.fingerprint)
        .map_or(f.message.as_str(), |m| m.get(lang));
    let remediation = audit
        .rules_applied
        .iter()
        .find(|r| r.id == f.rule)
        .map_or(f.remediation.as_str(), |r| r.remediation.get(lang));
    let name = if f.subjects.is_empty() {
        f.location.to_string()
    } else {
        f.subjects.join(", ")
    };
    let _ = writeln!(
        s,
        "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"0\">",
        escape(&f.rule),
        escape(&name),
        escape(&f.location.file),
        f.location.line
    );
    match f.status {
        FindingStatus::Open => {
            let (fix, basis, conf, fields, also) = if zh {
                ("整改建议", "法律依据", "置信度", "涉及字段", "其他位置")
            } else {
                (
                    "Remediation",
                    "Legal basis",
                    "Confidence",
                    "Fields",
                    "Also at",
                )
            };
            let mut body = format!(
                "{}:{}\n{message}\n{fix}: {remediation}\n{basis}: {}\n{conf}: {}",
                f.location.file,
                f.location.line,
                f.basis.join(", "),
                f.confidence.as_str()
            );
            if !f.fields.is_empty() {
                body.push_str(&format!("\n{fields}: {}", f.fields.join(", ")));
            }
            if !f.locations.is_empty() {
                let at: Vec<String> = f.locations.iter().map(|l| l.to_string()).collect();
                body.push_str(&format!("\n{also}: {}", at.join(", ")));
            }
            body.push_str(&format!("\nfingerprint: {}", f.fingerprint));
            let _ = writeln!(
                s,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                escape(message),
                f.severity,
                escape_text(&body)
            );
        }
        FindingStatus::Waived | FindingStatus::Baselined => {
            let inline = match &f.waiver {
                Some(FindingWaiver::Inline { location, .. }) => Some(location),
                _ => None,
            };
            let why = match (f.status, zh, inline) {
                (FindingStatus::Waived, true, Some(at)) => format!("已由行内注释豁免（{at}）"),
                (FindingStatus::Waived, false, Some(at)) => {
                    format!("waived inline (piaudit:ignore at {at})")
                }
                (FindingStatus::Waived, true, None) => "已豁免（piaudit.yaml waivers）".into(),
                (FindingStatus::Waived, false, None) => "waived (piaudit.yaml waivers)".into(),
                (_, true, _) => "已纳入基线".into(),
                (_, false, _) => "baselined".into(),
            };
            let _ = writeln!(
                s,
                "      <skipped message=\"{}: {}\"/>",
                escape(&why),
                escape(message)
            );
        }
    }
    let _ = writeln!(s, "    </testcase>");
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(escape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(
            escape("x\u{0}y\u{1b}z\u{ffff}"),
            "x\u{fffd}y\u{fffd}z\u{fffd}"
        );
        assert_eq!(escape("身份证号]]>"), "身份证号]]&gt;");
    }
}
