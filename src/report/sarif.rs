//! `report.sarif`: SARIF 2.1.0 (OASIS) for code-scanning UIs (GitHub, GitLab).
//!
//! One run: `tool.driver` lists every rule applied, with its help (the
//! remediation and the legal basis, article numbers and titles from the law
//! table), `results` every finding, with a stable partial fingerprint and,
//! for waived or baselined findings, an accepted suppression. Texts are
//! English (code-scanning UIs are not localised); the Chinese texts ride
//! along in `properties` and the help's Markdown.
//!
//! Locations are what code scanning can open: a file URI relative to
//! `%SRCROOT%`, the root of the git work tree holding the scanned path (or
//! `--sarif-root`, see [`crate::discover::artifacts`]), so a scan of
//! `repo/db` reports `db/schema.sql` when the repository is `repo`. A
//! finding on no file — a project-level finding when there is no
//! piaudit.yaml, a live database — gets a logical location only. Tests
//! validate the output against the official schema
//! (`tests/schemas/sarif-schema-2.1.0.json`) and GitHub's requirements.

use crate::discover::artifacts::{ArtifactBase, BaseKind};
use crate::error::Error;
use crate::model::I18n;
use crate::model::{Confidence, Finding, FindingStatus, FindingWaiver, Severity};
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
/// Most results one run may hold for GitHub code scanning; beyond it the
/// most severe are kept and `properties.resultsOmitted` counts the rest.
pub const MAX_RESULTS: usize = 25_000;

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
    /// One invocation carrying, as configuration notifications, the rules
    /// whose obligation was not assessable (`Report::not_assessable`);
    /// absent when every rule was evaluated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_configuration_notifications: Vec<Notification<'a>>,
}

/// SARIF 2.1.0 §3.58: a rule not evaluated for want of the evidence it
/// needs, with what to declare or provide.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    level: &'static str,
    message: Message,
    associated_rule: RuleReference<'a>,
    properties: NotificationProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleReference<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationProperties<'a> {
    status: &'static str,
    basis: &'a [String],
    missing: &'a [String],
}

#[derive(Serialize)]
struct BaseId {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    description: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    pack: &'a str,
    profile: &'a str,
    roots: &'a [String],
    #[serde(skip_serializing_if = "is_zero")]
    results_omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
    /// Further places of the same problem (`Finding.locations`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    /// Set on related locations only (SARIF §3.28.2: unique in the result).
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
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
    /// How sure the finding is (`confirmed`, `likely`, `needs_review`).
    confidence: Confidence,
    /// The fields the problem affects (field ids).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    fields: &'a [String],
    /// What supports the finding, one line each.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    evidence: &'a [String],
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

/// The location of a reported path: a file relative to `%SRCROOT%` (an
/// absolute `file://` URI when it lies outside the base), or, for what is no
/// file, a logical location naming it.
fn location(
    base: Option<&ArtifactBase>,
    file: &str,
    line: u32,
    column: Option<u32>,
) -> SarifLocation {
    let is_file = match base {
        Some(b) => b.is_file(file),
        None => !file.starts_with("db:"),
    };
    if !is_file {
        let (name, kind) = match file.strip_prefix("db:") {
            Some(db) => (db.to_string(), "resource"),
            None => ("project".to_string(), "module"),
        };
        return SarifLocation {
            id: None,
            physical_location: None,
            logical_locations: vec![LogicalLocation {
                name,
                fully_qualified_name: file.to_string(),
                kind,
            }],
        };
    }
    let (uri, uri_base_id) = match base.map(|b| b.relative(file)) {
        Some(Ok(rel)) => (percent_encode(&rel), Some(SRCROOT)),
        Some(Err(abs)) => path_to_uri(&abs.to_string_lossy()),
        None => path_to_uri(file),
    };
    SarifLocation {
        id: None,
        physical_location: Some(PhysicalLocation {
            artifact_location: ArtifactLocation { uri, uri_base_id },
            // Code scanning wants a region; a finding on a whole file is on its first line.
            region: Some(Region {
                start_line: line.max(1),
                start_column: column.filter(|c| *c >= 1),
            }),
        }),
        logical_locations: Vec::new(),
    }
}

/// `%SRCROOT%`: the base directory's `file://` URI (ending in `/`) and
/// what it is.
fn srcroot(base: Option<&ArtifactBase>) -> BaseId {
    let (uri, text) = match base {
        None => (None, "The scanned root (the path given to `piaudit scan`)."),
        Some(b) => {
            let mut dir = b.dir.to_string_lossy().replace('\\', "/");
            if !dir.ends_with('/') {
                dir.push('/');
            }
            let text = match b.kind {
                BaseKind::Explicit => "The directory given as --sarif-root.",
                BaseKind::GitRoot => "The root of the git work tree holding the scanned path.",
                BaseKind::CurrentDir => "The directory piaudit was run in.",
                BaseKind::Roots => "The directory holding the scanned paths.",
            };
            (Some(path_to_uri(&dir).0), text)
        }
    };
    BaseId {
        uri,
        description: Message { text: text.into() },
    }
}

/// One provision as help cites it: `Personal Information Protection Law of
/// the PRC, Article 51 (PIPL-51)` and its Chinese counterpart.
fn provision_titles(audit: &Audit, code: &str) -> (String, String, String) {
    let Some(p) = audit.law.get(code) else {
        return (code.to_string(), code.to_string(), String::new());
    };
    let (inst_en, inst_zh) = audit
        .law
        .instruments
        .get(&p.instrument)
        .map_or((p.instrument.as_str(), p.instrument.as_str()), |i| {
            (i.en.as_str(), i.zh.as_str())
        });
    // National standards (GB/T) number clauses, laws and regulations articles.
    let standard = p.instrument.starts_with("GB");
    let (art_en, art_zh) = match p.article.as_deref() {
        Some(a) if standard && !a.is_empty() => (format!(", clause {a}"), format!(" {a}")),
        Some(a) if !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) => {
            (format!(", Article {a}"), format!(" 第{a}条"))
        }
        Some(a) if !a.is_empty() => (format!(", {a}"), format!(" {a}")),
        _ => (String::new(), String::new()),
    };
    let unverified = if p.verified() {
        ""
    } else {
        " [article number unverified / 条款号待核实]"
    };
    (
        format!("{inst_en}{art_en} ({code}){unverified}"),
        format!("{inst_zh}{art_zh}（{code}）"),
        p.en.trim_end_matches('.').to_string(),
    )
}

/// A rule's help: what it checks, how to fix it and its legal basis.
fn rule_help(audit: &Audit, rule: &crate::pipeline::RuleSummary) -> MultiformatMessage {
    let cited: Vec<(String, String, String)> = rule
        .basis
        .iter()
        .map(|code| provision_titles(audit, code))
        .collect();
    let mut text = format!(
        "{}.\n\nRemediation: {}\n",
        rule.title.en.trim_end_matches('.'),
        rule.remediation.en
    );
    let mut md = format!(
        "**{}** ({})\n\n**Remediation:** {}\n\n**整改建议：** {}\n",
        rule.title.en.trim_end_matches('.'),
        rule.title.zh,
        rule.remediation.en,
        rule.remediation.zh
    );
    if !cited.is_empty() {
        text.push_str("\nLegal basis:\n");
        md.push_str("\n**Legal basis / 法律依据:**\n\n");
        for (en, zh, obligation) in &cited {
            if obligation.is_empty() {
                text.push_str(&format!("- {en}\n"));
                md.push_str(&format!("- {en}\n"));
            } else {
                text.push_str(&format!("- {en}: {obligation}.\n"));
                md.push_str(&format!("- {en} / {zh}: {obligation}.\n"));
            }
        }
    }
    text.push_str(&format!("\nDetails: piaudit rules show {}\n", rule.id));
    md.push_str(&format!("\nDetails: `piaudit rules show {}`.\n", rule.id));
    MultiformatMessage { text, markdown: md }
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
    let mut out = Vec::new();
    write(audit, &mut out)?;
    String::from_utf8(out).map_err(|e| failed(e.to_string()))
}

/// Writes the SARIF log as [`render`] gives it, streamed: on an estate the
/// log is hundreds of MB and need not be held as one string besides the
/// results it is written from.
pub fn write(audit: &Audit, out: &mut dyn std::io::Write) -> Result<(), Error> {
    with_log(audit, |log| {
        serde_json::to_writer_pretty(&mut *out, log).map_err(|e| failed(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| failed(e.to_string()))
    })
}

fn failed(message: String) -> Error {
    Error::Render {
        format: "sarif".into(),
        message,
    }
}

/// Builds the SARIF log of `audit` and hands it to `use_log` (the log
/// borrows from what is built here, so it cannot be returned).
fn with_log<T>(
    audit: &Audit,
    use_log: impl FnOnce(&Log<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let r = &audit.report;
    let base = audit.artifacts.as_ref();
    // The rule's own basis, and any further codes its findings cite.
    let mut basis_by_rule: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for rule in &audit.rules_applied {
        basis_by_rule
            .entry(rule.id.as_str())
            .or_default()
            .extend(rule.basis.iter().map(String::as_str));
    }
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
                help: rule_help(audit, rule),
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
    // GitHub takes at most MAX_RESULTS per run: keep the most severe.
    let mut shown: Vec<&Finding> = r.findings.iter().collect();
    let omitted = shown.len().saturating_sub(MAX_RESULTS);
    if omitted > 0 {
        shown.sort_by_key(|f| std::cmp::Reverse(f.severity));
        shown.truncate(MAX_RESULTS);
    }
    let results = shown
        .into_iter()
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
            SarifResult {
                rule_id: &f.rule,
                rule_index: index.get(f.rule.as_str()).copied(),
                level: level(f.severity),
                message: Message { text: en.into() },
                locations: vec![location(
                    base,
                    &f.location.file,
                    f.location.line,
                    f.location.column,
                )],
                related_locations: f
                    .locations
                    .iter()
                    .enumerate()
                    .map(|(i, l)| SarifLocation {
                        id: Some(i),
                        ..location(base, &l.file, l.line, l.column)
                    })
                    .collect(),
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.as_str())]),
                suppressions,
                properties: ResultProperties {
                    severity: f.severity,
                    status: f.status,
                    basis: &f.basis,
                    subjects: &f.subjects,
                    confidence: f.confidence,
                    fields: &f.fields,
                    evidence: &f.evidence,
                    message_zh: zh,
                },
            }
        })
        .collect();
    let invocations = if r.not_assessable.is_empty() {
        Vec::new()
    } else {
        vec![Invocation {
            execution_successful: true,
            tool_configuration_notifications: r
                .not_assessable
                .iter()
                .map(|n| Notification {
                    level: "note",
                    message: Message {
                        text: format!(
                            "{} not assessable (missing: {}): {}",
                            n.rule,
                            n.missing.join(", "),
                            n.provide
                        ),
                    },
                    associated_rule: RuleReference {
                        id: &n.rule,
                        index: index.get(n.rule.as_str()).copied(),
                    },
                    properties: NotificationProperties {
                        status: "not_assessable",
                        basis: &n.basis,
                        missing: &n.missing,
                    },
                })
                .collect(),
        }]
    };
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
            original_uri_base_ids: BTreeMap::from([(SRCROOT, srcroot(base))]),
            column_kind: "unicodeCodePoints",
            results,
            invocations,
            properties: RunProperties {
                pack: &r.tool.pack,
                profile: &r.tool.profile,
                roots: &r.scan.roots,
                results_omitted: omitted,
            },
        }],
    };
    use_log(&log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_log_is_the_log_serialised_whole() {
        let audit = crate::report::shop_audit();
        assert!(audit.report.findings.len() > 3, "too small a test");
        // What `render` gave before it streamed: the whole text in memory.
        let whole = with_log(&audit, |log| Ok(serde_json::to_string_pretty(log).unwrap())).unwrap();
        let mut streamed = Vec::new();
        write(
            &audit,
            &mut std::io::BufWriter::with_capacity(7, &mut streamed),
        )
        .unwrap();
        assert_eq!(streamed.len(), whole.len() + 1);
        assert!(
            streamed == format!("{whole}\n").into_bytes(),
            "bytes differ"
        );
        assert_eq!(render(&audit).unwrap().into_bytes(), streamed);
        let v: serde_json::Value = serde_json::from_slice(&streamed).unwrap();
        assert_eq!(
            v["runs"][0]["results"].as_array().unwrap().len(),
            audit.report.findings.len()
        );
    }

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
