//! The evaluated audit: what every renderer reads. Serialises to the JSON
//! report contract (`schema_version` 2.0).

use super::{Control, Dataset, Endpoint, Flow, I18n, Location, PiPath};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Version of the JSON report shape; see `reports/report.schema.json`.
///
/// Minor versions only add optional fields (a 1.x reader reads 1.0 to
/// 1.x): 1.1 added `scan.coverage.statements_lost`, per-file coverage
/// (`scan.coverage.files`) and `paths`; 1.2 added `findings[].waiver`; 1.3
/// added `flows[].level`, `endpoints[].host` and `.confidence`, and the
/// self-check table `self_check` (packs such as `mlps-l3`).
pub const SCHEMA_VERSION: &str = "2.0";

/// Severity of a finding, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One level more severe, capped at critical.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}`; expected critical, high, medium, low or info"
            )),
        }
    }
}

/// Identifies the tool and the rule set behind a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `piaudit`.
    pub name: String,
    /// Crate version.
    pub version: String,
    /// Rule pack id.
    pub pack: String,
    /// Sensitivity profile id.
    pub profile: String,
}

/// A file the scan passed over, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkippedFile {
    /// Path relative to its root.
    pub file: String,
    /// Why it was skipped.
    pub reason: String,
}

/// Severity of a scan diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticLevel {
    /// Something was read only in part.
    Warning,
    /// Something could not be read at all.
    Error,
    /// For information.
    Info,
}

/// A problem met while reading an input; never fatal to the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Path relative to its root.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// Severity of the problem.
    pub severity: DiagnosticLevel,
    /// What went wrong, with the dialect where it matters.
    pub message: String,
}

/// How much of the SQL input was understood.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Statements found by the splitter.
    pub statements_total: u64,
    /// Statements parsed by sqlparser.
    pub statements_parsed: u64,
    /// Statements not parsed whose table and columns were recovered by the fallback.
    #[serde(default)]
    pub statements_recovered: u64,
    /// Statements neither parsed nor recovered (see [`Coverage::lost`]);
    /// filled when the figures are reported.
    #[serde(default)]
    pub statements_lost: u64,
}

impl Coverage {
    /// Adds another file's figures.
    pub fn add(&mut self, other: Coverage) {
        self.statements_total += other.statements_total;
        self.statements_parsed += other.statements_parsed;
        self.statements_recovered += other.statements_recovered;
        self.statements_lost = self.lost();
    }

    /// Statements neither parsed nor recovered.
    pub fn lost(&self) -> u64 {
        self.statements_total
            .saturating_sub(self.statements_parsed + self.statements_recovered)
    }
}

/// How one file was read: the SQL dialect and its statement coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCoverage {
    /// Path as reported.
    pub file: String,
    /// SQL dialect the file was read with (SQL files and MyBatis mappers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    /// Statement figures of this file.
    #[serde(flatten)]
    pub coverage: Coverage,
}

/// What was scanned and how well.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanInfo {
    /// The roots as given on the command line.
    pub roots: Vec<String>,
    /// Number of files read by an extractor.
    pub files_scanned: u64,
    /// Files passed over.
    pub files_skipped: Vec<SkippedFile>,
    /// Problems met while reading.
    pub diagnostics: Vec<Diagnostic>,
    /// Statement coverage.
    pub coverage: Coverage,
    /// Dialect and coverage of each file that holds SQL, in path order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileCoverage>,
    /// Wall time; omitted in deterministic mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// Whether a finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Counts towards `--fail-on`.
    Open,
    /// Accepted by a waiver.
    Waived,
    /// Present in the baseline.
    Baselined,
}

/// A rule violation with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, e.g. `CNPI-020`.
    pub rule: String,
    /// Rule title in the report language.
    pub title: String,
    /// Final severity, after modifiers.
    pub severity: Severity,
    /// Legal basis codes (see `rules/law.yaml`).
    pub basis: Vec<String>,
    /// Ids of the fields, datasets, flows or endpoints concerned.
    pub subjects: Vec<String>,
    /// Where to look.
    pub location: Location,
    /// What is wrong, in the report language.
    pub message: String,
    /// How to fix it, in the report language.
    pub remediation: String,
    /// Stable hash of rule + subjects (not of lines).
    pub fingerprint: String,
    /// Open, waived or baselined.
    pub status: FindingStatus,
    /// How sure the finding is: `confirmed` by positive evidence, `likely`
    /// (inferred, e.g. a tag inherited from the record's subject) or
    /// `needs_review` (a person must check it). Since schema 2.0; reports of
    /// 1.x read as `likely`.
    #[serde(default)]
    pub confidence: Confidence,
    /// What supports the finding (and what it was checked against), one line
    /// each in the report language; never a raw value. Since schema 2.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The fields the problem affects (field ids), for a finding on a
    /// dataset, flow path or project. Since schema 2.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Further places the same problem is seen (another copy of the same
    /// table in a migration or second schema file), besides `location`.
    /// Since schema 2.0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// Who accepted the finding and why: present when `status` is `waived`
    /// (since schema 1.2; a merge of older reports may have waived findings
    /// without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<FindingWaiver>,
}

/// How sure a [`Finding`] is (schema 2.0).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Positive evidence shows the problem (a declared fact, a value
    /// checked, the code that does it).
    Confirmed,
    /// Inferred from names, comments or context; probably right.
    #[default]
    Likely,
    /// Possible: a person must check it before acting on it.
    NeedsReview,
}

impl Confidence {
    /// Lower-case name, as in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Confirmed => "confirmed",
            Confidence::Likely => "likely",
            Confidence::NeedsReview => "needs_review",
        }
    }
}

/// The waiver that accepted a finding, by where it was declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum FindingWaiver {
    /// An entry of `waivers` in `piaudit.yaml`.
    Declarations {
        /// Why the finding is accepted.
        reason: String,
        /// Who approved it.
        approver: String,
        /// Last day it holds (`YYYY-MM-DD`).
        expires: String,
    },
    /// A `piaudit:ignore` comment in the scanned source.
    Inline {
        /// Why the finding is accepted.
        reason: String,
        /// The comment's file and line.
        location: Location,
    },
}

impl FindingWaiver {
    /// The note appended to a waived finding's message: (zh, en).
    pub fn note(&self) -> (String, String) {
        match self {
            FindingWaiver::Declarations {
                reason,
                approver,
                expires,
            } => (
                format!("〔已豁免至 {expires}，批准人 {approver}：{reason}〕"),
                format!(" [waived until {expires} by {approver}: {reason}]"),
            ),
            FindingWaiver::Inline { reason, location } => (
                format!("〔已由行内注释豁免（{location}）：{reason}〕"),
                format!(" [waived inline at {location}: {reason}]"),
            ),
        }
    }
}

/// Counts for the report header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Fields tagged as PI.
    pub pi_fields: u64,
    /// Fields tagged as sensitive PI under the profile.
    pub sensitive_fields: u64,
    /// Open findings per severity (all five keys always present).
    pub findings_by_severity: BTreeMap<Severity, u64>,
}

/// The whole audit, as serialised to `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Shape version of this document.
    pub schema_version: String,
    /// Tool, pack and profile.
    pub tool: ToolInfo,
    /// Scan scope and coverage.
    pub scan: ScanInfo,
    /// Every dataset with every field; `pi` null where not PI.
    pub datasets: Vec<Dataset>,
    /// External endpoints.
    pub endpoints: Vec<Endpoint>,
    /// Data flows between fields and endpoints.
    pub flows: Vec<Flow>,
    /// Security controls.
    pub controls: Vec<Control>,
    /// Lineage paths from PI fields to endpoints abroad or of third parties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<PiPath>,
    /// Rule violations.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// Self-check table of a pack that makes one (`mlps-l3`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_check: Option<SelfCheckTable>,
    /// Rules not evaluated for want of the evidence they need (`requires:`):
    /// their obligations are not assessable from this scan, which says
    /// what to declare or provide. Absent when every rule was evaluated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_assessable: Vec<NotAssessable>,
}

/// A rule whose obligation this scan could not assess (see [`Report::not_assessable`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotAssessable {
    /// Rule id.
    pub rule: String,
    /// Legal basis codes of the rule.
    pub basis: Vec<String>,
    /// The `requires` facts the scan lacked (`declarations.incident`…).
    pub missing: Vec<String>,
    /// What to declare or provide, in the report language.
    pub provide: String,
}

/// An assessor's result for one control item (等级测评 wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// 符合.
    Compliant,
    /// 部分符合.
    Partial,
    /// 不符合 (also a finding).
    NonCompliant,
    /// 不适用 (declared, with a reason).
    NotApplicable,
    /// 无法核查 (nothing in the sources shows it either way; never a finding).
    Unverifiable,
}

impl CheckStatus {
    /// Every status, in table order.
    pub const ALL: [CheckStatus; 5] = [
        CheckStatus::Compliant,
        CheckStatus::Partial,
        CheckStatus::NonCompliant,
        CheckStatus::NotApplicable,
        CheckStatus::Unverifiable,
    ];

    /// The assessor's word: 符合 / 部分符合 / 不符合 / 不适用 / 无法核查.
    pub fn zh(self) -> &'static str {
        match self {
            CheckStatus::Compliant => "符合",
            CheckStatus::Partial => "部分符合",
            CheckStatus::NonCompliant => "不符合",
            CheckStatus::NotApplicable => "不适用",
            CheckStatus::Unverifiable => "无法核查",
        }
    }

    /// English label.
    pub fn en(self) -> &'static str {
        match self {
            CheckStatus::Compliant => "compliant",
            CheckStatus::Partial => "partially compliant",
            CheckStatus::NonCompliant => "non-compliant",
            CheckStatus::NotApplicable => "not applicable",
            CheckStatus::Unverifiable => "cannot be verified",
        }
    }

    /// The snake_case id used in JSON and fixtures.
    pub fn id(self) -> &'static str {
        match self {
            CheckStatus::Compliant => "compliant",
            CheckStatus::Partial => "partial",
            CheckStatus::NonCompliant => "non_compliant",
            CheckStatus::NotApplicable => "not_applicable",
            CheckStatus::Unverifiable => "unverifiable",
        }
    }
}

/// One piece of evidence for an item: where it is (file and line, or the
/// declarations) and what it is about; never a value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CheckEvidence {
    /// File, relative to the scan root (`piaudit.yaml` for declarations).
    pub file: String,
    /// Line (1-based).
    pub line: u32,
    /// The subject: a control (`control:kind:key`), field, dataset or `project`.
    pub subject: String,
}

/// One row of the self-check table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckItemResult {
    /// Item id (= the rule id of its finding), e.g. `MLPS-8.1.4.1-a1`.
    pub id: String,
    /// Clause of the standard, e.g. `8.1.4.1 a)`.
    pub clause: String,
    /// What the row checks (neutral words, e.g. 口令定期更换).
    pub item: I18n,
    /// The title of the item's finding (the problem it reports).
    pub title: I18n,
    /// The requirement, in short.
    pub requirement: I18n,
    /// Result.
    pub status: CheckStatus,
    /// Evidence (at most [`CheckItemResult::MAX_EVIDENCE`], sorted), for
    /// every status but `unverifiable`.
    pub evidence: Vec<CheckEvidence>,
    /// More evidence than listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub evidence_more: usize,
    /// Why not applicable (declared), or what to provide when it cannot be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<I18n>,
    /// Fingerprints of the findings a non-compliant item made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CheckItemResult {
    /// Evidence listed per item; the rest is counted in `evidence_more`.
    pub const MAX_EVIDENCE: usize = 20;
}

/// The inspection record (检查记录) heading the table: who, what, when, scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InspectionRecord {
    /// Organisation (declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// System name (declared `mlps.system`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// MLPS filing number (备案号), declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing_number: Option<String>,
    /// Declared protection level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_level: Option<u8>,
    /// Who ran the check (declared `mlps.inspector`), else none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspector: Option<String>,
    /// Check date (`--as-of` or today).
    pub date: String,
    /// What was scanned: the roots and databases of the scan.
    pub scope: Vec<String>,
    /// Tool and version.
    pub tool: String,
    /// Rule packs.
    pub pack: String,
    /// Items checked.
    pub items: usize,
    /// Items per status (every status listed, zero included).
    pub counts: BTreeMap<CheckStatus, usize>,
}

/// The self-check table (`self_check` of the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfCheckTable {
    /// Standard, e.g. `GB/T 22239-2019`.
    pub standard: String,
    /// Level the items are for.
    pub level: u8,
    /// Table title.
    pub title: I18n,
    /// The inspection record.
    pub record: InspectionRecord,
    /// Rows, in clause order.
    pub items: Vec<CheckItemResult>,
}

/// Fields by id, built once for code that looks many up
/// ([`Report::field`] scans the datasets on every call).
#[derive(Debug, Default)]
pub struct FieldIndex<'a> {
    by_id: std::collections::HashMap<&'a str, (&'a Dataset, &'a super::Field)>,
}

impl<'a> FieldIndex<'a> {
    /// The field with this id and its dataset, as [`Report::field`] finds it.
    pub fn get(&self, id: &str) -> Option<(&'a Dataset, &'a super::Field)> {
        self.by_id.get(id).copied()
    }
}

impl Report {
    /// An index of every field by id (the first dataset wins, as in
    /// [`Report::field`]).
    pub fn field_index(&self) -> FieldIndex<'_> {
        let mut by_id = std::collections::HashMap::new();
        for d in &self.datasets {
            for f in &d.fields {
                by_id.entry(f.id.as_str()).or_insert((d, f));
            }
        }
        FieldIndex { by_id }
    }

    /// Looks a field up by id.
    pub fn field(&self, id: &str) -> Option<(&Dataset, &super::Field)> {
        let (ds_id, _) = id.rsplit_once('.')?;
        // Dataset ids may contain dots (schema-qualified names), so search by prefix.
        self.datasets
            .iter()
            .filter(|d| id.starts_with(&d.id) && ds_id.len() >= d.id.len())
            .find_map(|d| d.fields.iter().find(|f| f.id == id).map(|f| (d, f)))
    }

    /// Recomputes the open-finding counts of the summary after statuses
    /// changed or findings were left out (one place: the scan, the gates
    /// and merge all count this way).
    pub fn recount_open_findings(&mut self) {
        let mut counts = empty_severity_counts();
        for f in self
            .findings
            .iter()
            .filter(|f| f.status == FindingStatus::Open)
        {
            *counts.entry(f.severity).or_default() += 1;
        }
        self.summary.findings_by_severity = counts;
    }

    /// The highest severity among open findings.
    pub fn worst_open_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.status == FindingStatus::Open)
            .map(|f| f.severity)
            .max()
    }
}

impl Finding {
    /// Sort key: severity (most severe first), then file, line, rule, fingerprint.
    pub fn sort_key(&self) -> (std::cmp::Reverse<Severity>, &str, u32, &str, &str) {
        (
            std::cmp::Reverse(self.severity),
            &self.location.file,
            self.location.line,
            &self.rule,
            &self.fingerprint,
        )
    }
}

/// Builds the all-keys severity map with zero counts.
pub fn empty_severity_counts() -> BTreeMap<Severity, u64> {
    Severity::DESCENDING.iter().map(|s| (*s, 0)).collect()
}

/// A location-free handle used where only a place is needed.
pub type Place = Location;
