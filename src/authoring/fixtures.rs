//! Rule fixtures (`CNPI-xxx.test.yaml`): every rule carries cases that must
//! fire it (`invalid`) and cases that must not (`valid`). `piaudit rules test`
//! and `cargo test` both run them through the real pipeline
//! ([`crate::pipeline::scan_sources`]), so a fixture tests extraction, classification
//! and the predicate together.
//!
//! ```yaml
//! id: CNPI-024
//! given:                     # defaults for every case
//!   files:
//!     application-prod.yml: |
//!       mybatis-plus: { configuration: { log-impl: org.apache.ibatis.logging.stdout.StdOutImpl } }
//!   declarations: |          # piaudit.yaml text
//!     version: 1
//! valid:   [ { files: { application-prod.yml: "server: { port: 80 }" } } ]
//! invalid: [ {} ]
//! ```
//!
//! A case's `sql`, `files`, `declarations`, `today` and `profile` replace
//! the `given` ones; `sql: …` is shorthand for `files: { fixture.sql: … }`.
//! An `invalid` case may also say what the finding must carry: `basis`
//! (exactly the provisions cited, e.g. of the `basis_if` branch that fired)
//! and `severity`, `confidence`; every finding of the rule in that case
//! must match. `findings` (how many the rule makes) and `fields` (the field
//! names its findings list, in order) check the grouping (`group_by:`).

use crate::data::DataFiles;
use crate::decl::Declarations;
use crate::error::Error;
use crate::extract::{FileKind, Source};
use crate::model::{Confidence, Finding, ScanInfo, Severity};
use crate::pipeline::{Config, Knowledge};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Date fixtures are evaluated on, unless a case sets `today`.
pub const FIXTURE_TODAY: &str = "2026-06-01";

/// Inputs of one fixture case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// SQL text (shorthand for one file `fixture.sql`).
    #[serde(default)]
    pub sql: Option<String>,
    /// Files by relative path; the path decides how each is read.
    #[serde(default)]
    pub files: Option<BTreeMap<String, String>>,
    /// `piaudit.yaml` text.
    #[serde(default)]
    pub declarations: Option<String>,
    /// Evaluation date (`YYYY-MM-DD`).
    #[serde(default)]
    pub today: Option<String>,
    /// Sensitivity profile (`--profile`); default: the pack's.
    #[serde(default)]
    pub profile: Option<String>,
    /// A note saying what the case shows (not evaluated).
    #[serde(default)]
    pub note: Option<String>,
    /// `invalid` only: the exact basis codes the rule's findings must cite.
    #[serde(default)]
    pub basis: Option<Vec<String>>,
    /// `invalid` only: the severity the rule's findings must have.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// `invalid` only: how many findings the rule must make in the case
    /// (a field rule makes one per dataset, listing its fields).
    #[serde(default)]
    pub findings: Option<usize>,
    /// `invalid` only: the names of the fields (last part of each id) the
    /// rule's findings must list in `fields`, in report order.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// `invalid` only: the confidence the rule's findings must have.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// For a self-check item (`mlps-l3`): the status its row must have
    /// (`compliant`, `partial`, `non_compliant`, `not_applicable`,
    /// `unverifiable`). Not inherited from `given`.
    #[serde(default)]
    pub status: Option<String>,
    /// `valid` only: the rule must be not assessable here (a `requires`
    /// fact is absent), not merely silent. Not inherited from `given`.
    #[serde(default)]
    pub unassessable: Option<bool>,
}

/// One rule's fixture file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTest {
    /// Rule id.
    pub id: String,
    /// Defaults for every case.
    #[serde(default)]
    pub given: Case,
    /// Cases that must not fire the rule.
    pub valid: Vec<Case>,
    /// Cases that must fire the rule.
    pub invalid: Vec<Case>,
    /// Why some `invalid` cases cannot fire yet (the facts they need are not
    /// extracted yet): their misses are listed as pending, loudly. Only user
    /// packs may use it; a rule must still fire on at least one case.
    #[serde(default)]
    pub pending: Option<String>,
}

/// The outcome of running every fixture of a pack.
#[derive(Debug, Clone, Default)]
pub struct FixtureReport {
    /// Rules whose fixtures ran.
    pub tested: Vec<String>,
    /// Cases run.
    pub cases: usize,
    /// Problems: noisy/missing cases, rules without fixtures, bad fixture files.
    pub failures: Vec<String>,
    /// Missing cases of fixtures marked `pending`, with the reason.
    pub pending: Vec<String>,
}

impl FixtureReport {
    /// Whether everything passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Merges a case over the `given` defaults.
fn merged(given: &Case, case: &Case) -> Case {
    Case {
        sql: case.sql.clone().or_else(|| {
            // A case giving its own files replaces the given SQL too.
            if case.files.is_some() {
                None
            } else {
                given.sql.clone()
            }
        }),
        files: case.files.clone().or_else(|| {
            if case.sql.is_some() {
                None
            } else {
                given.files.clone()
            }
        }),
        declarations: case
            .declarations
            .clone()
            .or_else(|| given.declarations.clone()),
        today: case.today.clone().or_else(|| given.today.clone()),
        profile: case.profile.clone().or_else(|| given.profile.clone()),
        note: None,
        basis: case.basis.clone(),
        severity: case.severity,
        findings: case.findings,
        fields: case.fields.clone(),
        confidence: case.confidence,
        status: case.status.clone(),
        unassessable: case.unassessable,
    }
}

/// Runs one case and returns the ids of the rules that fired (any status).
pub fn fired(k: &Knowledge, case: &Case) -> Result<Vec<String>, String> {
    Ok(outcome(k, case)?.0.into_iter().map(|f| f.rule).collect())
}

/// Runs one case: its findings (any status), and the status of each
/// self-check row by item id; a rule not evaluated for want of a
/// `requires` fact has the entry `<id>#unassessable`.
pub fn outcome(
    k: &Knowledge,
    case: &Case,
) -> Result<(Vec<Finding>, BTreeMap<String, &'static str>), String> {
    let with_profile;
    let k = match &case.profile {
        Some(p) if *p != k.profile => {
            k.taxonomy.check_profile(p).map_err(|e| e.to_string())?;
            let mut k2 = k.clone();
            k2.profile.clone_from(p);
            with_profile = k2;
            &with_profile
        }
        _ => k,
    };
    let mut sources = Vec::new();
    if let Some(sql) = &case.sql {
        sources.push(Source {
            rel: "fixture.sql".into(),
            kind: FileKind::Sql,
            text: sql.clone(),
        });
    }
    for (path, text) in case.files.iter().flatten() {
        let kind = FileKind::of(Path::new(path)).ok_or_else(|| {
            format!("files: `{path}` is not a kind of file piaudit reads (use .sql, .yml, .properties, .xml, .java, …)")
        })?;
        sources.push(Source {
            rel: path.clone(),
            kind,
            text: text.clone(),
        });
    }
    let decl = match &case.declarations {
        Some(t) => Some(Declarations::parse("piaudit.yaml", t).map_err(|e| e.to_string())?),
        None => None,
    };
    let config = Config {
        lang: "en".into(),
        today: Some(case.today.clone().unwrap_or_else(|| FIXTURE_TODAY.into())),
        deterministic: true,
        ..Config::default()
    };
    let audit = crate::gate::apply_inline(crate::pipeline::scan_sources(
        k,
        &sources,
        decl.as_ref(),
        &config,
        ScanInfo::default(),
    ));
    let statuses = audit
        .report
        .self_check
        .iter()
        .flat_map(|t| &t.items)
        .map(|i| (i.id.clone(), i.status.id()))
        .chain(
            audit
                .rules_applied
                .iter()
                .filter(|r| !r.missing.is_empty())
                .map(|r| (format!("{}#unassessable", r.id), "unassessable")),
        )
        .collect();
    Ok((audit.report.findings, statuses))
}

/// What a rule's findings in an `invalid` case lack of the case's
/// expectations (`basis`, `severity`), if anything.
fn unmet(id: &str, case: &Case, found: &[Finding]) -> Option<String> {
    let mine: Vec<&Finding> = found.iter().filter(|f| f.rule == id).collect();
    if let Some(want) = case.findings {
        if mine.len() != want {
            return Some(format!(
                "makes {} findings, expected {want} / 发现数量不符",
                mine.len()
            ));
        }
    }
    if let Some(want) = &case.fields {
        let got: Vec<&str> = mine
            .iter()
            .flat_map(|f| &f.fields)
            .map(|id| id.rsplit(['.', '#']).next().unwrap_or(id))
            .collect();
        if got != want.iter().map(String::as_str).collect::<Vec<_>>() {
            return Some(format!(
                "lists fields {got:?}, expected {want:?} / 字段列表不符"
            ));
        }
    }
    for f in mine {
        if let Some(want) = case.confidence {
            if f.confidence != want {
                return Some(format!(
                    "has confidence {}, expected {} / 置信度不符",
                    f.confidence.as_str(),
                    want.as_str()
                ));
            }
        }
        if let Some(want) = &case.basis {
            if &f.basis != want {
                return Some(format!(
                    "cites {:?}, expected {:?} / 法律依据不符",
                    f.basis, want
                ));
            }
        }
        if let Some(want) = case.severity {
            if f.severity != want {
                return Some(format!(
                    "has severity {}, expected {want} / 严重程度不符",
                    f.severity
                ));
            }
        }
    }
    None
}

/// Runs every `*.test.yaml` under `packs/<pack>/` of `files` against `k`.
/// A pack shipped with piaudit may not mark fixtures `pending`: every
/// built-in rule must be shown to fire.
pub fn run_pack(k: &Knowledge, files: &DataFiles) -> FixtureReport {
    // Every member of a joined pack (`--pack a,b`) brings its fixtures.
    let dirs: Vec<String> = k
        .pack
        .members
        .iter()
        .map(|m| format!("packs/{m}/"))
        .collect();
    let builtin = dirs.iter().all(|dir| {
        DataFiles::embedded()
            .get(&format!("{dir}pack.yaml"))
            .is_some()
    });
    run_fixtures(
        k,
        dirs.iter()
            .flat_map(|dir| files.under(dir))
            .filter(|(p, _)| p.ends_with(".test.yaml"))
            .map(|(p, t)| (p.to_string(), t.to_string())),
        !builtin,
    )
}

/// Runs fixture files given as (path, text) pairs (a user's pack: `pending`
/// is allowed).
pub fn run_texts(
    k: &Knowledge,
    tests: impl IntoIterator<Item = (String, String)>,
) -> FixtureReport {
    run_fixtures(k, tests, true)
}

/// Runs fixture files; `allow_pending` says whether `pending` may excuse
/// cases that do not fire. A rule that fires on none of its `invalid`
/// cases fails either way: a rule nothing triggers is untested.
fn run_fixtures(
    k: &Knowledge,
    tests: impl IntoIterator<Item = (String, String)>,
    allow_pending: bool,
) -> FixtureReport {
    let mut report = FixtureReport::default();
    for (path, text) in tests {
        let t: RuleTest = match crate::data::parse_yaml(&path, &text) {
            Ok(t) => t,
            Err(e) => {
                report.failures.push(e.to_string());
                continue;
            }
        };
        if !k.pack.rules.contains_key(&t.id) {
            report
                .failures
                .push(format!("{path}: no rule `{}` in pack {}", t.id, k.pack.id));
            continue;
        }
        if t.valid.is_empty() || t.invalid.is_empty() {
            report.failures.push(format!(
                "{path}: needs at least one `valid` and one `invalid` case / 需要至少一个 valid 与一个 invalid 用例"
            ));
        }
        if t.pending.is_some() && !allow_pending {
            report.failures.push(format!(
                "{path}: built-in rules may not be `pending`; every rule shipped must fire on its fixtures / 内置规则不得标记 pending"
            ));
        }
        let pending = t.pending.as_ref().filter(|_| allow_pending);
        let mut fires = 0usize;
        for (kind, cases, want) in [("valid", &t.valid, false), ("invalid", &t.invalid, true)] {
            for (i, case) in cases.iter().enumerate() {
                report.cases += 1;
                if !want
                    && (case.basis.is_some()
                        || case.severity.is_some()
                        || case.confidence.is_some())
                {
                    report.failures.push(format!(
                        "{path}: valid[{i}]: `basis`, `severity` and `confidence` describe a finding; only `invalid` cases may set them"
                    ));
                }
                if want && case.unassessable.is_some() {
                    report.failures.push(format!(
                        "{path}: invalid[{i}]: `unassessable` is for `valid` cases (a rule that is not assessed makes no finding)"
                    ));
                }
                let case = merged(&t.given, case);
                let found = outcome(k, &case);
                if let (Ok((fs, _)), true) = (&found, want) {
                    if let Some(why) = unmet(&t.id, &case, fs) {
                        report.failures.push(format!(
                            "Wrong finding: {} on {kind}[{i}] ({path}) {why}",
                            t.id
                        ));
                    }
                }
                let found =
                    found.map(|(fs, st)| (fs.into_iter().map(|f| f.rule).collect::<Vec<_>>(), st));
                match found {
                    Err(e) => report.failures.push(format!("{path}: {kind}[{i}]: {e}")),
                    Ok((_, statuses))
                        if case.unassessable.is_some_and(|want| {
                            statuses.contains_key(&format!("{}#unassessable", t.id)) != want
                        }) =>
                    {
                        report.failures.push(format!(
                            "Wrong assessability: {} on {kind}[{i}] ({path}) should {}be not assessable / 可评估性不符",
                            t.id,
                            if case.unassessable == Some(true) { "" } else { "not " }
                        ));
                    }
                    Ok((_, statuses))
                        if case.status.as_deref().is_some_and(|want| {
                            statuses.get(&t.id).copied() != Some(want)
                        }) =>
                    {
                        report.failures.push(format!(
                            "Wrong status: {} is `{}` on {kind}[{i}] ({path}), expected `{}` / 自查结论不符",
                            t.id,
                            statuses.get(&t.id).copied().unwrap_or("(no row)"),
                            case.status.as_deref().unwrap_or_default()
                        ));
                    }
                    Ok((ids, _)) if ids.contains(&t.id) != want => match (pending, want) {
                        (Some(why), true) => report.pending.push(format!(
                            "WARNING pending / 警告 待定: {} did not fire on {kind}[{i}] ({path}): {why}",
                            t.id
                        )),
                        (_, true) => report.failures.push(format!(
                            "Missing: {} did not fire on {kind}[{i}] ({path}) / 规则未触发",
                            t.id
                        )),
                        (_, false) => report.failures.push(format!(
                            "Noisy: {} fired on {kind}[{i}] ({path}) / 规则误报",
                            t.id
                        )),
                    },
                    Ok(_) => fires += usize::from(want),
                }
            }
        }
        if fires == 0 && !t.invalid.is_empty() && pending.is_some() {
            report.failures.push(format!(
                "Never fires: {} fired on none of its invalid cases ({path}); pending cannot cover a rule nothing triggers / 规则在所有 invalid 用例上均未触发",
                t.id
            ));
        }
        report.tested.push(t.id);
    }
    for id in k.pack.rules.keys() {
        if !report.tested.contains(id) {
            report.failures.push(format!(
                "{id}: no fixture triggers this rule (add {id}.test.yaml with valid and invalid cases) / 没有任何用例触发该规则"
            ));
        }
    }
    report
}

/// Loads fixture files from a directory on disk (for `rules test DIR`).
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Usage(format!("{}: {e}", dir.display())))?;
        let p = entry.path();
        if entry.file_type().is_file() && p.to_string_lossy().ends_with(".test.yaml") {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Usage(format!("cannot read {}: {e}", p.display())))?;
            out.push((p.to_string_lossy().replace('\\', "/"), text));
        }
    }
    Ok(out)
}
