//! `report.sarif`: SARIF 2.1.0 (OASIS) for code-scanning UIs (GitHub, GitLab).
//!
//! One run: `tool.driver` lists every rule applied, `results` every finding,
//! with a `%SRCROOT%`-relative location, a stable partial fingerprint and, for
//! waived or baselined findings, an accepted external suppression. Texts are
//! English (code-scanning UIs are not localised); the Chinese texts ride along
//! in `properties`. Tests validate the output against the official schema
//! (`tests/schemas/sarif-schema-2.1.0.json`).

use crate::error::Error;
use crate::model::I18n;
use crate::model::{Finding, FindingStatus, FindingWaiver, Severity};
use crate::Audit;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The `$schema` of the log: the identifier of the OASIS schema (not fetched).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base id relative artifact URIs are resolved against.
pub const SRCROOT: &str = "%SRCROOT%";
/// Key of the fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "piaudit/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct BaseId {
    description: Message,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    pack: &'a str,
    profile: &'a str,
    roots: &'a [String],
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<String>,
    /// GitHub reads this to rank security alerts (0.0–10.0, as a string).
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    severity: Severity,
    /// Legal basis codes cited by this rule's findings (omitted when it has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    basis: Vec<&'a str>,
    title_zh: &'a str,
    remediation_zh: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    severity: Severity,
    status: FindingStatus,
    basis: &'a [String],
    subjects: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    message_zh: Option<&'a str>,
}

/// SARIF level for a severity: critical/high → error, medium → warning,
/// low/info → note.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score for a severity (>9 critical, 7–8.9
/// high, 4–6.9 medium, below low).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set and `/`
/// (so spaces, `#`, `%`, `:` and non-ASCII names stay one valid reference).
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The artifact location of a reported path: a relative path becomes a
/// percent-encoded relative reference against `%SRCROOT%`; an absolute one
/// (several roots were scanned and a root was given absolute) becomes a
/// `file://` URI with no base id.
pub fn path_to_uri(path: &str) -> (String, Option<&'static str>) {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if drive {
        let (letter, rest) = path.split_at(2);
        (format!("file:///{letter}{}", percent_encode(rest)), None)
    } else if path.starts_with('/') {
        (format!("file://{}", percent_encode(&path)), None)
    } else {
        let mut rel = path.as_str();
        while let Some(r) = rel.strip_prefix("./") {
            rel = r;
        }
        (percent_encode(rel), Some(SRCROOT))
    }
}

/// A PascalCase identifier from an English title (`PI inventory not
/// declared` → `PiInventoryNotDeclared`), as SARIF suggests for `name`.
fn pascal_case(title: &str, fallback: &str) -> String {
    let name: String = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            let first = cs.next().map(|c| c.to_ascii_uppercase());
            first
                .into_iter()
                .chain(cs.map(|c| c.to_ascii_lowercase()))
                .collect::<String>()
        })
        .collect();
    if name.is_empty() {
        fallback.replace(|c: char| !c.is_ascii_alphanumeric(), "")
    } else {
        name
    }
}

fn basis_sentence(audit: &Audit, basis: &[&str]) -> String {
    if basis.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = basis
        .iter()
        .map(|code| match audit.law.get(code) {
            Some(p) if p.verified() => format!("{code} ({})", p.en.trim_end_matches('.')),
            Some(p) => format!(
                "{code} ({}; article number unverified)",
                p.en.trim_end_matches('.')
            ),
            None => (*code).to_string(),
        })
        .collect();
    format!(" Legal basis: {}.", parts.join("; "))
}

fn finding_message<'a>(audit: &'a Audit, f: &'a Finding) -> (&'a str, Option<&'a str>) {
    match audit.messages.get(&f.fingerprint) {
        Some(I18n { zh, en }) => (en.as_str(), Some(zh.as_str())),
        None => (f.message.as_str(), None),
    }
}

/// Renders the SARIF log, pretty-printed, with a final newline.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let r = &audit.report;
    // The rule summaries carry no basis: take the codes cited by each rule's findings.
    let mut basis_by_rule: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in &r.findings {
        basis_by_rule
            .entry(f.rule.as_str())
            .or_default()
            .extend(f.basis.iter().map(String::as_str));
    }
    let rules: Vec<Rule> = audit
        .rules_applied
        .iter()
        .map(|rule| {
            let basis: Vec<&str> = basis_by_rule
                .get(rule.id.as_str())
                .map(|b| b.iter().copied().collect())
                .unwrap_or_default();
            let mut tags = vec![
                "security".to_string(),
                "privacy".to_string(),
                "personal-information".to_string(),
                r.tool.pack.clone(),
            ];
            for code in &basis {
                let prefix = code.split('-').next().unwrap_or(code).to_ascii_lowercase();
                if !tags.contains(&prefix) {
                    tags.push(prefix);
                }
            }
            Rule {
                id: &rule.id,
                name: pascal_case(&rule.title.en, &rule.id),
                short_description: Message {
                    text: rule.title.en.clone(),
                },
                full_description: Message {
                    text: format!(
                        "{} ({}).{}",
                        rule.title.en,
                        rule.title.zh,
                        basis_sentence(audit, &basis)
                    ),
                },
                help: MultiformatMessage {
                    text: rule.remediation.en.clone(),
                    markdown: format!(
                        "**Remediation:** {}\n\n**整改建议：** {}",
                        rule.remediation.en, rule.remediation.zh
                    ),
                },
                default_configuration: Configuration {
                    level: level(rule.severity),
                },
                properties: RuleProperties {
                    tags,
                    security_severity: security_severity(rule.severity),
                    severity: rule.severity,
                    basis,
                    title_zh: &rule.title.zh,
                    remediation_zh: &rule.remediation.zh,
                },
            }
        })
        .collect();
    let index: BTreeMap<&str, usize> = audit
        .rules_applied
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i))
        .collect();
    let results = r
        .findings
        .iter()
        .map(|f| {
            let (en, zh) = finding_message(audit, f);
            let suppressions = match f.status {
                FindingStatus::Open => Vec::new(),
                FindingStatus::Waived => vec![match &f.waiver {
                    // An inline `piaudit:ignore` comment is SARIF's in-source suppression.
                    Some(FindingWaiver::Inline { reason, location }) => Suppression {
                        kind: "inSource",
                        status: "accepted",
                        justification: format!("piaudit:ignore at {location}: {reason}"),
                    },
                    Some(FindingWaiver::Declarations {
                        reason,
                        approver,
                        expires,
                    }) => Suppression {
                        kind: "external",
                        status: "accepted",
                        justification: format!(
                            "waived in piaudit.yaml until {expires} by {approver}: {reason}"
                        ),
                    },
                    // A merged report of schema 1.1 sources does not say.
                    None => Suppression {
                        kind: "external",
                        status: "accepted",
                        justification: "waived in piaudit.yaml (waivers)".into(),
                    },
                }],
                FindingStatus::Baselined => vec![Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: "present in the piaudit baseline".into(),
                }],
            };
            let (uri, uri_base_id) = path_to_uri(&f.location.file);
            SarifResult {
                rule_id: &f.rule,
                rule_index: index.get(f.rule.as_str()).copied(),
                level: level(f.severity),
                message: Message { text: en.into() },
                locations: vec![SarifLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri, uri_base_id },
                        region: (f.location.line >= 1).then_some(Region {
                            start_line: f.location.line,
                            start_column: f.location.column.filter(|c| *c >= 1),
                        }),
                    },
                }],
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.as_str())]),
                suppressions,
                properties: ResultProperties {
                    severity: f.severity,
                    status: f.status,
                    basis: &f.basis,
                    subjects: &f.subjects,
                    message_zh: zh,
                },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "piaudit",
                    version: &r.tool.version,
                    semantic_version: &r.tool.version,
                    rules,
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseId {
                    description: Message {
                        text: "The scanned root (the path given to `piaudit scan`).".into(),
                    },
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                pack: &r.tool.pack,
                profile: &r.tool.profile,
                roots: &r.scan.roots,
            },
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).map_err(|e| Error::Render {
        format: "sarif".into(),
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }

    #[test]
    fn paths_become_uri_references() {
        let rel = |p: &str| path_to_uri(p);
        assert_eq!(
            rel("db/schema.sql"),
            ("db/schema.sql".into(), Some(SRCROOT))
        );
        assert_eq!(rel("./a b/c#d.sql").0, "a%20b/c%23d.sql");
        assert_eq!(rel("c:x\\会员.sql").0, "c%3Ax/%E4%BC%9A%E5%91%98.sql");
        assert_eq!(rel("100%.sql").0, "100%25.sql");
        assert_eq!(rel("/tmp/a b.sql"), ("file:///tmp/a%20b.sql".into(), None));
        assert_eq!(rel("C:\\x\\y.sql"), ("file:///C:/x/y.sql".into(), None));
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            pascal_case("PI inventory not declared", "CNPI-001"),
            "PiInventoryNotDeclared"
        );
        assert_eq!(
            pascal_case("Sensitive PI stored in clear", "x"),
            "SensitivePiStoredInClear"
        );
        assert_eq!(pascal_case("个人信息", "CNPI-001"), "CNPI001");
    }
}
