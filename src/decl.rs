//! Declarations: what the organisation states about itself in `piaudit.yaml`
//! (profile, scale, purposes, legal bases, retention, consents, sharing,
//! cross-border, PIA and audit records, waivers). Unknown keys are errors
//! with file, line and key path (exit 2).

use crate::error::Error;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// A calendar date written `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Date(pub String);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.len() == 10
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[7] == b'-'
            && s.chars()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
            && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0));
        if ok {
            Ok(Date(s))
        } else {
            Err(serde::de::Error::custom(format!(
                "`{s}` is not a date; write YYYY-MM-DD"
            )))
        }
    }
}

/// The whole `piaudit.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declarations {
    /// File format version (1).
    pub version: u32,
    /// Who the processor is.
    #[serde(default)]
    pub organisation: Option<Organisation>,
    /// Head-counts.
    #[serde(default)]
    pub scale: Option<Scale>,
    /// PI protection officer (PIPL-52).
    #[serde(default)]
    pub pi_officer: Option<PiOfficer>,
    /// Network data security officer (NDSMR-28/30).
    #[serde(default)]
    pub network_data_security_officer: Option<SecurityOfficer>,
    /// Per-dataset purpose, legal basis, retention.
    #[serde(default)]
    pub datasets: Vec<DatasetDecl>,
    /// Consents collected.
    #[serde(default)]
    pub consents: Vec<Consent>,
    /// Minors' PI handling.
    #[serde(default)]
    pub minors: Option<Minors>,
    /// Biometric handling.
    #[serde(default)]
    pub biometric: Option<Biometric>,
    /// Automated decision-making.
    #[serde(default)]
    pub automated_decision: Option<AutomatedDecision>,
    /// Entrusting, provision, public disclosure.
    #[serde(default)]
    pub sharing: Vec<Sharing>,
    /// Cross-border mechanism.
    #[serde(default)]
    pub cross_border: Option<CrossBorder>,
    /// Procedure for foreign judicial requests.
    #[serde(default)]
    pub foreign_requests: Option<ForeignRequests>,
    /// PI impact assessments.
    #[serde(default)]
    pub pia: Vec<Pia>,
    /// Compliance audits.
    #[serde(default)]
    pub audits: Vec<ComplianceAudit>,
    /// Important-data risk assessments.
    #[serde(default)]
    pub risk_assessments: Vec<RiskAssessment>,
    /// Incident response.
    #[serde(default)]
    pub incident: Option<Incident>,
    /// Large-platform duties.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Log retention enforced outside the repo, by appender glob.
    #[serde(default)]
    pub log_retention_days: BTreeMap<String, u32>,
    /// Why a legacy profile is used.
    #[serde(default)]
    pub profile_reason: Option<String>,
    /// Opt-in severity heuristics without a legal basis (off by default).
    #[serde(default)]
    pub heuristics: Heuristics,
    /// Catalogue overrides (SDKs, regions).
    #[serde(default)]
    pub catalog_overrides: Option<crate::extract::catalog::CatalogOverrides>,
    /// Accepted findings with expiry.
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    /// Classification overrides: glob over `table.column` (or a field id) →
    /// a taxonomy id, or `not_pi`.
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
    /// Extra cue words, merged into the built-in dictionaries.
    #[serde(default)]
    pub cues: Vec<crate::classify::cues::CustomCue>,
    /// Organisation-specific PI categories (a loyalty-card number, an
    /// internal staff credential), usable in `cues` and `overrides`.
    #[serde(default)]
    pub categories: Vec<crate::classify::taxonomy::CustomCategory>,
    /// Built-in categories the organisation treats as sensitive PI under
    /// every profile, e.g. `political` or `demographic.ethnicity` where a
    /// sector rule or contract says so. Raising only: a declaration can never
    /// make a category less protected than the selected profile does.
    #[serde(default)]
    pub sensitive_categories: Vec<String>,
    /// Live databases audited with every scan (read-only); passwords come
    /// from environment variables, never from this file.
    #[serde(default)]
    pub databases: Vec<crate::db::DbTarget>,
    /// SQL dialect by path glob (`"db/dm/**": dm`), overriding detection;
    /// `--dialect` overrides both. When several globs match, the first in
    /// sorted order wins.
    #[serde(default)]
    pub dialects: BTreeMap<String, crate::extract::sql::SqlDialect>,
    /// Baseline file of accepted findings (see `piaudit baseline`), relative
    /// to this file's directory; `scan --baseline` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Globs over reported paths of files and folders not to read, as
    /// `scan --exclude` (`vendor/**`, `*_test.sql`, `legacy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Rule ids not evaluated, as `scan --skip-rule`; an id the pack does
    /// not have is an error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_rules: Vec<String>,
    /// Graded protection (MLPS 2.0, 网络安全等级保护): filing, level,
    /// assessments, backup drill — what code cannot show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mlps: Option<Mlps>,
    /// Top-level keys written in the file (even as `[]` or `{}`): a key
    /// written empty declares "none", an absent one declares nothing. Read
    /// by the rules' `requires: [declarations.<key>]` (see docs/assertion-evidence.md).
    #[serde(skip)]
    pub written_keys: std::collections::BTreeSet<String>,
}

/// A protection level of graded protection, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MlpsLevel(pub u8);

impl<'de> Deserialize<'de> for MlpsLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Level;
        impl serde::de::Visitor<'_> for Level {
            type Value = MlpsLevel;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a protection level, 1 to 5")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<MlpsLevel, E> {
                match n {
                    1..=5 => Ok(MlpsLevel(n as u8)),
                    _ => Err(bad(n)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<MlpsLevel, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(bad(n)),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<MlpsLevel, E> {
                Err(bad(n))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<MlpsLevel, E> {
                Err(bad(s))
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<MlpsLevel, E> {
                Err(bad(b))
            }
        }
        fn bad<E: serde::de::Error>(v: impl std::fmt::Display) -> E {
            E::custom(format!(
                "`{v}` is not a protection level; write 1 to 5 (第一级至第五级)"
            ))
        }
        d.deserialize_any(Level)
    }
}

/// An MLPS filing number (备案证明编号): eleven digits, a hyphen, five
/// digits (`11010813001-20001`), the form public-security filing
/// certificates print. Anything else is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FilingNumber(pub String);

impl FilingNumber {
    /// Whether `s` has the accepted shape.
    pub fn valid(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 17
            && b[11] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 11 || c.is_ascii_digit())
    }
}

impl<'de> Deserialize<'de> for FilingNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, so that the error carries the value's own line.
        struct Number;
        impl serde::de::Visitor<'_> for Number {
            type Value = FilingNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a filing number such as 11010813001-20001")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<FilingNumber, E> {
                let t = s.trim();
                if FilingNumber::valid(t) {
                    Ok(FilingNumber(t.to_string()))
                } else {
                    Err(E::custom(format!(
                        "`{s}` is not a filing number; write 11 digits, a hyphen and 5 digits as on the filing certificate, e.g. 11010813001-20001 (备案证明编号)"
                    )))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<FilingNumber, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<FilingNumber, E> {
                self.visit_str(&n.to_string())
            }
        }
        d.deserialize_any(Number)
    }
}

/// A dated record: an assessment, a drill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpsRecord {
    /// When.
    pub date: Option<Date>,
    /// Who (the assessment agency, 测评机构).
    #[serde(default)]
    pub agency: Option<String>,
    /// Report or record reference.
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
}

/// Backup arrangements (GB/T 22239-2019 8.1.4.9).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpsBackup {
    /// Local backup and recovery of important data (a).
    #[serde(default)]
    pub local: Option<bool>,
    /// Off-site real-time backup (b).
    #[serde(default)]
    pub offsite_realtime: Option<bool>,
    /// Hot redundancy of the processing systems (c).
    #[serde(default)]
    pub hot_standby: Option<bool>,
    /// Last backup-and-recovery drill.
    #[serde(default)]
    pub last_drill: Option<MlpsRecord>,
}

/// An item declared not applicable, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotApplicable {
    /// Item id (`MLPS-…`).
    pub item: String,
    /// Why.
    pub reason: String,
}

/// Graded protection facts (`mlps:`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mlps {
    /// Name of the protected system (定级对象).
    #[serde(default)]
    pub system: Option<String>,
    /// Protection level (1–5).
    #[serde(default)]
    pub level: Option<MlpsLevel>,
    /// Filing certificate number (备案证明编号).
    #[serde(default)]
    pub filing_number: Option<FilingNumber>,
    /// When the filing was made.
    #[serde(default)]
    pub filing_date: Option<Date>,
    /// Last level assessment (等级测评).
    #[serde(default)]
    pub last_assessment: Option<MlpsRecord>,
    /// Last commercial-cryptography application assessment (密评).
    #[serde(default)]
    pub crypto_assessment: Option<MlpsRecord>,
    /// Backup arrangements and the last recovery drill.
    #[serde(default)]
    pub backup: Option<MlpsBackup>,
    /// Who runs the self-check (printed in the inspection record).
    #[serde(default)]
    pub inspector: Option<String>,
    /// Items that do not apply, with reasons.
    #[serde(default)]
    pub not_applicable: Vec<NotApplicable>,
}

/// Organisation profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Legal name.
    pub name: Option<String>,
    /// Unified social credit code.
    pub uscc: Option<String>,
    /// Sector (health, finance, education, gov…).
    pub sector: Option<String>,
    /// Critical information infrastructure operator.
    #[serde(default)]
    pub ciio: bool,
    /// Processor located outside China (PIPL Art. 3(2)).
    #[serde(default)]
    pub located_abroad: bool,
    /// Representative in China (PIPL-53).
    pub china_representative: Option<String>,
    /// The organisation's own DNS suffixes (`example.com` covers
    /// `kafka.example.com`): a public endpoint host outside them is taken
    /// for a third party, pending review.
    #[serde(default)]
    pub domains: Vec<String>,
}

/// Head-counts of PI subjects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    /// Total individuals whose PI is processed.
    pub pi_subjects_total: Option<u64>,
    /// Individuals whose sensitive PI is processed.
    pub sensitive_subjects: Option<u64>,
    /// Minors (under 18).
    pub minors_subjects: Option<u64>,
    /// Children (under 14).
    pub under14_subjects: Option<u64>,
    /// Registered users.
    pub registered_users: Option<u64>,
    /// Monthly active users.
    pub monthly_active_users: Option<u64>,
    /// Individuals with stored face data.
    pub face_subjects: Option<u64>,
    /// Date the counts refer to.
    pub as_of: Option<Date>,
}

/// Severity heuristics an organisation may opt into. None has a legal
/// basis; a finding they change says so in its message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heuristics {
    /// Raise every finding one level when `scale.pi_subjects_total` is
    /// 1,000,000 or more (off unless set to `true`).
    #[serde(default)]
    pub large_scale_raise: bool,
}

/// PI protection officer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PiOfficer {
    /// Name.
    pub name: Option<String>,
    /// Public contact.
    pub contact: Option<String>,
    /// Date reported to the CAC.
    pub reported_on: Option<Date>,
}

/// Network data security officer and body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityOfficer {
    /// Name.
    pub name: Option<String>,
    /// Management body.
    pub management_body: Option<String>,
}

/// PIPL Art. 13 legal bases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// Consent.
    Consent,
    /// Separate consent.
    SeparateConsent,
    /// Contract with the individual.
    Contract,
    /// Human-resources management.
    Hr,
    /// Legal duty.
    LegalDuty,
    /// Public-health emergency or protection of life.
    Emergency,
    /// News reporting in the public interest.
    News,
    /// Information already disclosed.
    PublicInfo,
    /// Other legal ground.
    Other,
}

/// Retention of a dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days kept.
    pub days: Option<u32>,
    /// Or until an event.
    pub until: Option<String>,
    /// Why that long.
    pub basis: Option<String>,
}

/// Declarations about datasets matching a glob.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetDecl {
    /// Glob over dataset ids or names (`sql/shop.sql#user`, `user`, `ods_*`).
    #[serde(rename = "match")]
    pub pattern: String,
    /// Purposes of processing.
    #[serde(default)]
    pub purpose: Vec<String>,
    /// PIPL Art. 13 basis.
    pub legal_basis: Option<LegalBasis>,
    /// Taxonomy ids collected.
    #[serde(default)]
    pub categories: Vec<String>,
    /// general / important / core.
    pub classification: Option<String>,
    /// Internal grade.
    pub grade: Option<String>,
    /// Retention.
    pub retention: Option<Retention>,
    /// Claimed anonymised.
    #[serde(default)]
    pub anonymised: bool,
    /// Declared as children's data.
    #[serde(default)]
    pub minors: bool,
}

/// Kinds of consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// Ordinary consent.
    Consent,
    /// Separate consent (单独同意).
    Separate,
    /// Written consent.
    Written,
    /// Guardian consent for under-14s.
    Guardian,
}

/// A consent record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Glob over dataset or field ids/names.
    pub scope: String,
    /// Kind.
    pub kind: ConsentKind,
    /// Where the evidence is kept.
    pub evidence: Option<String>,
    /// Since when.
    pub collected_from: Option<Date>,
}

/// Minors' PI handling.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minors {
    /// Published children's PI rules.
    pub rules_ref: Option<String>,
    /// Responsible person.
    pub responsible: Option<String>,
    /// Age gate at collection.
    #[serde(default)]
    pub age_gate: bool,
}

/// Biometric handling.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Biometric {
    /// Face data kept on device only.
    #[serde(default)]
    pub on_device_only: bool,
    /// FRM-2025 filing reference.
    pub filing_ref: Option<String>,
}

/// Automated decision-making.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutomatedDecision {
    /// Used at all.
    #[serde(default)]
    pub used: bool,
    /// Opt-out offered.
    #[serde(default)]
    pub opt_out: bool,
}

/// A sharing record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// Recipient.
    pub recipient: Option<String>,
    /// Glob over endpoint ids.
    pub endpoint: Option<String>,
    /// entrusted / provided / joint / public.
    pub role: Option<String>,
    /// Purpose.
    pub purpose: Option<String>,
    /// Categories shared.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Agreement reference.
    pub contract_ref: Option<String>,
    /// Separate consent obtained.
    #[serde(default)]
    pub separate_consent: bool,
    /// How long sharing records are kept.
    pub record_retention_days: Option<u32>,
}

/// How PI leaves China (PIPL-38/40, CBDF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossBorderMechanism {
    /// No transfer abroad.
    None,
    /// Exempt: necessary to conclude or perform a contract with the individual.
    ExemptContract,
    /// Exempt: cross-border human-resources management.
    ExemptHr,
    /// Exempt: protecting life, health or property in an emergency.
    ExemptEmergency,
    /// Exempt: under the yearly volume thresholds.
    ExemptSmall,
    /// Not on a free-trade-zone negative list.
    FtzNegativeList,
    /// Standard contract filed (标准合同备案).
    StandardContract,
    /// PI protection certification.
    Certification,
    /// CAC security assessment (安全评估).
    SecurityAssessment,
}

/// One year's outbound volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossBorderCount {
    /// Calendar year.
    pub year: i32,
    /// Persons whose PI was sent abroad.
    pub persons: Option<u64>,
    /// Persons whose sensitive PI was sent abroad.
    pub sensitive_persons: Option<u64>,
    /// Whether important data was sent.
    #[serde(default)]
    pub important_data: bool,
}

/// An overseas recipient.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossBorderRecipient {
    /// Recipient name.
    pub name: String,
    /// Country or region.
    pub country: Option<String>,
    /// Glob over endpoint ids it receives through.
    pub endpoint: Option<String>,
}

/// The `cross_border` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossBorder {
    /// Export mechanism.
    pub mechanism: Option<CrossBorderMechanism>,
    /// Filing or approval number.
    pub filing_ref: Option<String>,
    /// When approved or filed.
    pub approved_on: Option<Date>,
    /// Until when the approval is valid.
    pub valid_until: Option<Date>,
    /// Separate consent obtained for the transfer (PIPL-39).
    #[serde(default)]
    pub separate_consent: bool,
    /// Yearly volumes.
    #[serde(default)]
    pub counts: Vec<CrossBorderCount>,
    /// Overseas recipients.
    #[serde(default)]
    pub recipients: Vec<CrossBorderRecipient>,
}

/// Foreign judicial request procedure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignRequests {
    /// Procedure document.
    pub procedure_ref: Option<String>,
}

/// A PI impact assessment record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pia {
    /// Glob over ids.
    pub scope: String,
    /// What triggered it.
    #[serde(default)]
    pub triggers: Vec<String>,
    /// When.
    pub date: Option<Date>,
    /// Report reference.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Kept until.
    pub retain_until: Option<Date>,
}

/// A record of a PI-protection compliance audit (个人信息保护合规审计, PIPL Art. 54).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplianceAudit {
    /// periodic / regulator_ordered / minors_annual.
    pub kind: String,
    /// Period covered.
    pub period: Option<String>,
    /// When.
    pub date: Option<Date>,
    /// Who audited.
    pub auditor: Option<String>,
    /// When the report was filed.
    pub report_filed_on: Option<Date>,
}

/// An important-data risk assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    /// Glob over ids.
    pub scope: String,
    /// When.
    pub date: Option<Date>,
    /// Report reference.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

/// Incident response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Plan document.
    pub plan_ref: Option<String>,
    /// Last drill.
    pub last_drill: Option<Date>,
    /// Contacts.
    #[serde(default)]
    pub contacts: Vec<String>,
}

/// Large-platform duties.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// Social-responsibility report.
    pub social_responsibility_report: Option<String>,
    /// Independent oversight body.
    pub independent_oversight: Option<String>,
    /// Business types are complex (NDSMR-62(8); with the user counts and
    /// `significant_impact`, makes a large network platform).
    pub complex_business: Option<bool>,
    /// Processing significantly affects national security, the economy or
    /// people's livelihood (NDSMR-62(8)).
    pub significant_impact: Option<bool>,
}

/// An accepted finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id.
    pub rule: String,
    /// Glob over subject ids.
    pub subject: String,
    /// Why accepted.
    pub reason: String,
    /// Who approved.
    pub approver: String,
    /// Until when.
    pub expires: Date,
}

impl Declarations {
    /// Parses and validates `piaudit.yaml`; errors name file, line and key.
    pub fn parse(file: &str, text: &str) -> Result<Declarations, Error> {
        if let Err(deep) = crate::data::check_yaml_nesting(text) {
            return Err(Error::Declarations {
                file: file.to_string(),
                line: deep.line,
                column: 1,
                key: "(document)".into(),
                message: deep.to_string(),
            });
        }
        let de = serde_yaml::Deserializer::from_str(text);
        let mut decl: Declarations = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let (line, column) = inner.location().map_or((1, 1), |l| (l.line(), l.column()));
            Error::Declarations {
                file: file.to_string(),
                line,
                column,
                key,
                message: crate::data::strip_location(&inner.to_string()),
            }
        })?;
        if let Ok(serde_yaml::Value::Mapping(m)) = serde_yaml::from_str::<serde_yaml::Value>(text) {
            decl.written_keys = m
                .keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect();
        }
        if decl.version != 1 {
            return Err(Error::Declarations {
                file: file.to_string(),
                line: 1,
                column: 1,
                key: "version".into(),
                message: format!("unsupported version {}; expected 1", decl.version),
            });
        }
        for (i, d) in decl.datasets.iter().enumerate() {
            crate::glob::compile(&d.pattern).map_err(|message| Error::Declarations {
                file: file.to_string(),
                line: 1,
                column: 1,
                key: format!("datasets[{i}].match"),
                message,
            })?;
        }
        // Globs are plain strings to serde: find their line for the error.
        let at = |key: String, pattern: &str| {
            let line = text
                .lines()
                .position(|l| l.contains(pattern))
                .map_or(1, |i| i + 1);
            move |message: String| Error::Declarations {
                file: file.to_string(),
                line,
                column: 1,
                key,
                message,
            }
        };
        for (i, g) in decl.exclude.iter().enumerate() {
            crate::glob::compile(g).map_err(at(format!("exclude[{i}]"), g))?;
        }
        for g in decl.log_retention_days.keys() {
            crate::glob::compile(g).map_err(at(format!("log_retention_days.{g}"), g))?;
        }
        if let Some(o) = &decl.catalog_overrides {
            for (i, r) in o.regions.iter().enumerate() {
                crate::glob::compile(&r.host)
                    .map_err(at(format!("catalog_overrides.regions[{i}].host"), &r.host))?;
            }
            for (i, sdk) in o.sdk.iter().enumerate() {
                if sdk.hosts.is_empty() {
                    return Err(at(format!("catalog_overrides.sdk[{i}].hosts"), &sdk.name)(
                        "list at least one host glob the service talks to".into(),
                    ));
                }
                for (j, h) in sdk.hosts.iter().enumerate() {
                    crate::glob::compile(h)
                        .map_err(at(format!("catalog_overrides.sdk[{i}].hosts[{j}]"), h))?;
                }
            }
        }
        Ok(decl)
    }

    /// Days of log retention declared for an appender or log name (the
    /// longest matching glob of `log_retention_days`).
    pub fn log_retention_for(&self, subject: &str) -> Option<u32> {
        self.log_retention_days
            .iter()
            .filter(|(g, _)| crate::glob::matches_id_or_name(g, subject, subject))
            .max_by_key(|(g, _)| g.len())
            .map(|(_, d)| *d)
    }

    /// The top-level keys of `piaudit.yaml` (rules may read `decl.all.<key>`).
    pub fn top_level_keys() -> Vec<&'static str> {
        DECLARATION_KEYS.to_vec()
    }

    /// Checks taxonomy ids used in `overrides` and `cues`.
    pub fn check_categories(&self, file: &str, known: impl Fn(&str) -> bool) -> Result<(), Error> {
        let bad = |key: String, id: &str| Error::Declarations {
            file: file.to_string(),
            line: 1,
            column: 1,
            key,
            message: format!(
                "`{id}` is not a taxonomy category id (see rules/taxonomy.yaml) nor `not_pi`"
            ),
        };
        for (glob_pattern, id) in &self.overrides {
            crate::glob::compile(glob_pattern).map_err(|message| Error::Declarations {
                file: file.to_string(),
                line: 1,
                column: 1,
                key: format!("overrides.{glob_pattern}"),
                message,
            })?;
            if id != NOT_PI && !known(id) {
                return Err(bad(format!("overrides.{glob_pattern}"), id));
            }
        }
        for (i, c) in self.cues.iter().enumerate() {
            if !known(&c.category) {
                return Err(bad(format!("cues[{i}].category"), &c.category));
            }
        }
        for (i, id) in self.sensitive_categories.iter().enumerate() {
            if !known(id) {
                return Err(bad(format!("sensitive_categories[{i}]"), id));
            }
        }
        Ok(())
    }

    /// The override for a field, if any: `Some(None)` = not PI,
    /// `Some(Some(id))` = forced category. The longest matching glob wins.
    pub fn override_for(&self, table: &str, column: &str, field_id: &str) -> Option<Option<&str>> {
        let key =
            format!("{}.{}", table.rsplit('.').next().unwrap_or(table), column).to_lowercase();
        self.overrides
            .iter()
            .filter(|(g, _)| crate::glob::matches_id_or_name(g, field_id, &key))
            .max_by_key(|(g, _)| g.len())
            .map(|(_, id)| (id != NOT_PI).then_some(id.as_str()))
    }

    /// Declarations of datasets matching a dataset (by id or name).
    pub fn datasets_for(&self, id: &str, name: &str) -> Vec<&DatasetDecl> {
        self.datasets
            .iter()
            .filter(|d| crate::glob::matches_id_or_name(&d.pattern, id, name))
            .collect()
    }

    /// Consents whose scope matches a dataset (by id or name).
    pub fn consents_for(&self, id: &str, name: &str) -> Vec<&Consent> {
        self.consents
            .iter()
            .filter(|c| crate::glob::matches_id_or_name(&c.scope, id, name))
            .collect()
    }
}

/// Every top-level key of [`Declarations`], in schema order.
const DECLARATION_KEYS: &[&str] = &[
    "version",
    "organisation",
    "scale",
    "pi_officer",
    "network_data_security_officer",
    "datasets",
    "consents",
    "minors",
    "biometric",
    "automated_decision",
    "sharing",
    "cross_border",
    "foreign_requests",
    "pia",
    "audits",
    "risk_assessments",
    "incident",
    "platform",
    "log_retention_days",
    "profile_reason",
    "heuristics",
    "catalog_overrides",
    "waivers",
    "overrides",
    "cues",
    "mlps",
];

/// The commented bilingual `piaudit.yaml` that `piaudit init` writes.
pub const TEMPLATE: &str = include_str!("piaudit.template.yaml");

/// The override value meaning "this field is not personal information".
pub const NOT_PI: &str = "not_pi";

impl Declarations {
    /// The dialect `dialects` sets for a file path, if any glob matches.
    pub fn dialect_for(&self, path: &str) -> Option<crate::extract::sql::SqlDialect> {
        self.dialects
            .iter()
            .find(|(pattern, _)| crate::glob::matches_id_or_name(pattern, path, path))
            .map(|(_, d)| *d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_line_and_path() {
        let err = Declarations::parse(
            "piaudit.yaml",
            "version: 1\ndatasets:\n  - match: user\n    retension: {days: 3}\n",
        )
        .unwrap_err();
        let Error::Declarations {
            line, key, message, ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(*line, 4);
        assert_eq!(key, "datasets[0].retension");
        assert!(message.contains("retension"), "{message}");
        assert!(err.to_string().starts_with("piaudit.yaml:4:"), "{err}");
    }

    #[test]
    fn bad_dates_and_enums() {
        let e =
            Declarations::parse("p.yaml", "version: 1\nscale:\n  as_of: 2025/01/01\n").unwrap_err();
        assert!(e.to_string().contains("scale.as_of"), "{e}");
        let e = Declarations::parse(
            "p.yaml",
            "version: 1\nconsents:\n  - scope: '*'\n    kind: verbal\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("consents[0].kind"), "{e}");
    }

    #[test]
    fn overrides_pick_the_longest_glob() {
        let d = Declarations::parse(
            "p.yaml",
            "version: 1\noverrides:\n  'orders.*_amount': not_pi\n  'orders.refund_amount': finance.account\n",
        )
        .unwrap();
        d.check_categories("p.yaml", |id| id == "finance.account")
            .unwrap();
        assert_eq!(
            d.override_for(
                "shop.orders",
                "total_amount",
                "a.sql#shop.orders.total_amount"
            ),
            Some(None)
        );
        assert_eq!(
            d.override_for("orders", "REFUND_AMOUNT", "x"),
            Some(Some("finance.account"))
        );
        assert_eq!(d.override_for("users", "total_amount", "x"), None);
        let e = d.check_categories("p.yaml", |_| false).unwrap_err();
        assert!(
            e.to_string().contains("overrides.orders.refund_amount"),
            "{e}"
        );
    }

    #[test]
    fn mlps_filing_numbers_and_levels() {
        assert!(FilingNumber::valid("11010813001-20001"));
        for bad in [
            "1101081300-20001",
            "11010813001-2001",
            "11010813001_20001",
            "备案号",
            "",
        ] {
            assert!(!FilingNumber::valid(bad), "{bad}");
        }
        let d = Declarations::parse(
            "piaudit.yaml",
            "version: 1\nmlps:\n  level: 3\n  filing_number: \"11010813001-20001\"\n",
        )
        .unwrap();
        let m = d.mlps.unwrap();
        assert_eq!(m.level, Some(MlpsLevel(3)));
        for (text, line) in [
            ("version: 1\nmlps:\n  system: x\n  level: 0\n", 4),
            ("version: 1\nmlps:\n  system: x\n  filing_number: 12-3\n", 4),
        ] {
            let Err(Error::Declarations { line: l, .. }) =
                Declarations::parse("piaudit.yaml", text)
            else {
                panic!("{text} parsed");
            };
            assert_eq!(l, line, "{text}");
        }
    }

    #[test]
    fn the_init_template_is_valid() {
        let d = Declarations::parse("piaudit.yaml", TEMPLATE).unwrap();
        assert_eq!(d.datasets.len(), 1);
        assert!(TEMPLATE.contains("个人信息") && TEMPLATE.contains("declarations"));
    }

    #[test]
    fn globs_match_id_or_name() {
        let d = Declarations::parse(
            "p.yaml",
            "version: 1\ndatasets:\n  - match: 'ods_*'\n    retention: {days: 30}\n",
        )
        .unwrap();
        assert_eq!(d.datasets_for("etl/x.sql#ods_user", "ods_user").len(), 1);
        assert!(d.datasets_for("a.sql#user", "user").is_empty());
    }

    #[test]
    fn typed_cross_border_and_catalog_overrides_report_the_line() {
        let ok = Declarations::parse(
            "piaudit.yaml",
            "version: 1\ncross_border:\n  mechanism: standard_contract\n  valid_until: \"2027-01-01\"\n  counts: [{year: 2025, persons: 12000}]\ncatalog_overrides:\n  regions: [{host: \"*.corp.example.com\", jurisdiction: mainland}]\nlog_retention_days: {\"ACCESS*\": 365}\nprofile_reason: 合同要求\n",
        )
        .unwrap();
        let cb = ok.cross_border.as_ref().unwrap();
        assert_eq!(cb.mechanism, Some(CrossBorderMechanism::StandardContract));
        assert_eq!(cb.counts[0].persons, Some(12000));
        assert_eq!(ok.log_retention_for("ACCESS_LOG"), Some(365));
        assert_eq!(ok.log_retention_for("DEBUG"), None);
        let cases = [
            (
                "version: 1\ncross_border:\n  mechanism: standard_contracts\n",
                3,
                "cross_border.mechanism",
            ),
            (
                "version: 1\ncatalog_overrides:\n  regions:\n    - host: \"*.x.com\"\n      jurisdiction: overseas\n",
                5,
                "catalog_overrides.regions[0].jurisdiction",
            ),
            (
                "version: 1\ncatalog_overrides:\n  sdk:\n    - name: PushHub\n      hosts: [\"[bad\"]\n",
                5,
                "catalog_overrides.sdk[0].hosts[0]",
            ),
            ("version: 1\nlog_retention_days:\n  ACCESS: many\n", 3, "log_retention_days.ACCESS"),
        ];
        for (text, want_line, want_key) in cases {
            let err = Declarations::parse("piaudit.yaml", text).unwrap_err();
            let Error::Declarations { line, key, .. } = &err else {
                panic!("{err}")
            };
            assert_eq!((*line, key.as_str()), (want_line, want_key), "{err}");
        }
    }
}
