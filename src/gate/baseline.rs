//! Baselines: the findings a team has accepted as the starting point, so CI
//! fails only on new ones (`piaudit baseline`, `scan --baseline FILE`).
//!
//! A baseline holds each accepted finding's fingerprint — a hash of the rule
//! and its subjects, never of lines — so a finding stays baselined when its
//! file gains lines above it or its `CREATE TABLE` is reformatted. The rule,
//! subjects and file are stored beside it only for reviewers of the committed
//! file; matching uses the fingerprint alone. No PI value is ever written:
//! subjects are ids such as `db/user.sql#user.phone`.

use crate::error::Error;
use crate::model::{Diagnostic, DiagnosticLevel, FindingStatus, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the baseline file's shape.
pub const BASELINE_SCHEMA_VERSION: u32 = 1;

/// Where `piaudit baseline` writes when neither `--out` nor piaudit.yaml's
/// `baseline:` says otherwise, relative to the scanned root. Hidden, so the
/// scan that reads the root never reads the baseline as an input.
pub const DEFAULT_BASELINE_FILE: &str = ".piaudit/baseline.json";

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// File of the finding as reported (for reviewers; not matched).
    #[serde(default)]
    pub file: String,
    /// Rule id (for reviewers; not matched).
    #[serde(default)]
    pub rule: String,
    /// Subject ids (for reviewers; not matched).
    #[serde(default)]
    pub subjects: Vec<String>,
    /// The finding's fingerprint: what is matched.
    pub fingerprint: String,
    /// The fields a grouped finding listed when it was accepted (schema
    /// 2.0): a field added since keeps the finding open, naming it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// The baseline file (`.piaudit/baseline.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Shape version, [`BASELINE_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Rule pack the fingerprints were computed under.
    #[serde(default)]
    pub pack: String,
    /// Accepted findings, sorted by file, rule, subjects and fingerprint.
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    /// The baseline of a report: its open and already baselined findings.
    /// Waived findings are left out so that an expired waiver re-opens its
    /// finding instead of the baseline silently keeping it.
    pub fn of(report: &Report) -> Baseline {
        let mut findings: Vec<BaselineEntry> = report
            .findings
            .iter()
            .filter(|f| f.status != FindingStatus::Waived)
            .map(|f| BaselineEntry {
                file: f.location.file.clone(),
                rule: f.rule.clone(),
                subjects: f.subjects.clone(),
                fingerprint: f.fingerprint.clone(),
                fields: f.fields.clone(),
            })
            .collect();
        findings.sort();
        findings.dedup();
        Baseline {
            schema_version: BASELINE_SCHEMA_VERSION,
            pack: report.tool.pack.clone(),
            findings,
        }
    }

    /// Parses a baseline; `file` names it in errors, which carry the line
    /// and column of JSON syntax errors.
    pub fn parse(file: &str, text: &str) -> Result<Baseline, Error> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            Error::Usage(format!(
                "{file}:{}:{}: invalid baseline file: {e} / 基线文件格式错误",
                e.line(),
                e.column()
            ))
        })?;
        if b.schema_version != BASELINE_SCHEMA_VERSION {
            return Err(Error::Usage(format!(
                "{file}: baseline schema_version {} is not supported (expected {}); \
                 write it again with `piaudit baseline` / 不支持的基线版本，请用 `piaudit baseline` 重新生成",
                b.schema_version, BASELINE_SCHEMA_VERSION
            )));
        }
        if let Some((i, e)) = b.findings.iter().enumerate().find(|(_, e)| {
            e.fingerprint.len() != 32 || !e.fingerprint.bytes().all(|c| c.is_ascii_hexdigit())
        }) {
            return Err(Error::Usage(format!(
                "{file}: findings[{i}].fingerprint `{}` is not a piaudit fingerprint \
                 (32 hex digits) / 基线第 {i} 项的指纹无效",
                e.fingerprint.chars().take(40).collect::<String>()
            )));
        }
        Ok(b)
    }

    /// Reads and parses a baseline file; a missing or unreadable file is a
    /// usage error (exit 2) naming it.
    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Usage(format!(
                "cannot read baseline file {name}: {e}; create it with `piaudit baseline` \
                 / 无法读取基线文件 {name}，请先运行 `piaudit baseline` 生成"
            ))
        })?;
        Baseline::parse(&name, &text)
    }

    /// The file's text: pretty JSON, one key order, ending in a newline, so
    /// two runs over the same sources give identical bytes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the baseline to `path`, creating its directory.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Output {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(path, self.to_json()).map_err(|source| Error::Output {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Marks the report's open findings whose fingerprint is in the
    /// baseline as baselined and recounts the summary; returns how many
    /// were marked. Waived findings stay waived.
    ///
    /// A grouped finding (a dataset's fields) whose entry lists its fields
    /// stays open when it lists a field the entry lacks — a column added
    /// since is a new problem — with an evidence line naming the new ones.
    pub fn apply(&self, report: &mut Report) -> usize {
        let known: BTreeMap<&str, &BaselineEntry> = self
            .findings
            .iter()
            .map(|e| (e.fingerprint.as_str(), e))
            .collect();
        let mut marked = 0;
        for f in &mut report.findings {
            if f.status != FindingStatus::Open {
                continue;
            }
            let Some(entry) = known.get(f.fingerprint.as_str()) else {
                continue;
            };
            let new: Vec<&str> = f
                .fields
                .iter()
                .filter(|id| !entry.fields.is_empty() && !entry.fields.contains(id))
                .map(String::as_str)
                .collect();
            if new.is_empty() {
                f.status = FindingStatus::Baselined;
                marked += 1;
            } else {
                f.evidence.push(format!(
                    "new since the baseline / 基线之后新增: {}",
                    new.join(", ")
                ));
            }
        }
        report.recount_open_findings();
        marked
    }
}

impl Baseline {
    /// A warning when the baseline lists findings but none of them matched
    /// (`marked` is what [`Baseline::apply`] returned) while the report has
    /// findings: most likely a baseline written before report schema 2.0,
    /// whose fingerprints (one per column, per flow pair, per dataset for
    /// declaration prompts) no longer exist. The findings stay open; the
    /// baseline must be written again with `piaudit baseline`.
    pub fn stale(&self, report: &Report, marked: usize, file: &str) -> Option<Diagnostic> {
        if marked > 0 || self.findings.is_empty() || report.findings.is_empty() {
            return None;
        }
        Some(Diagnostic {
            file: file.to_string(),
            line: 1,
            severity: DiagnosticLevel::Warning,
            message: format!(
                "none of the baseline's {} fingerprints matches a finding of this scan; \
                 fingerprints changed in report schema 2.0 (one finding per dataset, flow path, \
                 config key or project): write the baseline again with `piaudit baseline` \
                 / 基线中的 {} 个指纹无一与本次发现匹配（报告格式 2.0 起指纹已改变），请用 `piaudit baseline` 重新生成",
                self.findings.len(),
                self.findings.len()
            ),
        })
    }
}

/// Where the baseline goes by default for a scan of `roots`: under the
/// first root (its directory when the root is a file).
pub fn default_path(roots: &[PathBuf]) -> PathBuf {
    match roots.first() {
        Some(r) if r.is_dir() && crate::discover::display_root(r) == "." => {
            PathBuf::from(DEFAULT_BASELINE_FILE)
        }
        Some(r) if r.is_dir() => r.join(DEFAULT_BASELINE_FILE),
        Some(r) => r
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(
                || PathBuf::from(DEFAULT_BASELINE_FILE),
                |p| p.join(DEFAULT_BASELINE_FILE),
            ),
        None => PathBuf::from(DEFAULT_BASELINE_FILE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: &str = "0123456789abcdef0123456789abcdef";

    fn sample() -> Baseline {
        Baseline {
            schema_version: 1,
            pack: "cn-2026".into(),
            findings: vec![BaselineEntry {
                file: "a.sql".into(),
                rule: "CNPI-020".into(),
                subjects: vec!["a.sql#t.phone".into()],
                fingerprint: FP.into(),
                fields: Vec::new(),
            }],
        }
    }

    #[test]
    fn round_trips_through_json() {
        let b = sample();
        assert_eq!(Baseline::parse("b.json", &b.to_json()).unwrap(), b);
        assert!(b.to_json().ends_with("}\n"));
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let err = Baseline::parse(
            "b.json",
            "{\n  \"schema_version\": 1,\n  \"findings\": [,]\n}",
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(msg.starts_with("b.json:3:"), "{msg}");
        assert!(msg.contains("基线"), "{msg}");
    }

    #[test]
    fn wrong_version_and_bad_fingerprints_are_rejected() {
        let mut b = sample();
        b.schema_version = 9;
        let err = Baseline::parse("b.json", &b.to_json()).unwrap_err();
        assert!(err.to_string().contains("schema_version 9"), "{err}");
        let mut b = sample();
        b.findings[0].fingerprint = "not-hex".into();
        let err = Baseline::parse("b.json", &b.to_json()).unwrap_err();
        assert!(err.to_string().contains("findings[0].fingerprint"), "{err}");
    }

    #[test]
    fn missing_file_is_a_usage_error_naming_it() {
        let err = Baseline::load(Path::new("/nonexistent/base.json")).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("/nonexistent/base.json"), "{err}");
    }
}
