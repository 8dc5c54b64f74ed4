//! The pipeline, top-down: each stage a function of the previous stage's
//! output plus the YAML data in `rules/`:
//!
//! ```text
//! discover → extract → assemble → classify → lineage → evaluate
//! ```
//!
//! [`scan`] runs it over paths on disk and live databases; [`scan_sources`]
//! over sources in memory (rule fixtures, tests). Both go through the one
//! extract loop of [`extract`] and give an [`Evaluated`] audit; the gates
//! ([`crate::gate`]) then apply inline suppressions, `--diff-base` and the
//! baseline.

pub mod cache;
mod classify;
mod evaluate;
pub(crate) mod extract;
pub mod memory;
mod stat_index;

pub use extract::FileDigest;

pub use classify::{apply_overrides, classify_and_propagate};
pub use evaluate::{evaluate_audit, Classified};

use crate::classify::cues::Cues;
use crate::classify::taxonomy::Taxonomy;
use crate::data::DataFiles;
use crate::db;
use crate::decl::Declarations;
use crate::discover::{self, WalkOptions};
use crate::error::Error;
use crate::extract::inline::{Inline, KnownRules};
use crate::extract::registry::FileKind;
use crate::extract::sql::SqlDialect;
use crate::extract::Source;
use crate::model::{self, Report, ScanInfo};
use crate::progress;
use crate::rules::law::Law;
use crate::rules::{self, Pack};
use extract::Input;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Everything a scan needs to know, validated (the CLI builds it).
#[derive(Debug, Clone)]
pub struct Config {
    /// Files or directories to scan.
    pub roots: Vec<PathBuf>,
    /// Declarations file; default: `piaudit.yaml` at the first root that has one.
    pub declarations: Option<PathBuf>,
    /// Rule pack id.
    pub pack: String,
    /// Sensitivity profile; default: the pack's.
    pub profile: Option<String>,
    /// Report language: `zh-CN` or `en`.
    pub lang: String,
    /// Directory overlaying the built-in `rules/` data.
    pub rules_dir: Option<PathBuf>,
    /// Force one SQL dialect for every file.
    pub dialect: Option<SqlDialect>,
    /// Files larger than this are skipped.
    pub max_file_size: u64,
    /// Time one file may take to read: SQL stops reading statements when it
    /// is spent, and any file over it gets a warning. `None`: no budget.
    pub file_time_budget: Option<std::time::Duration>,
    /// Omit timings so two runs give identical bytes.
    pub deterministic: bool,
    /// Date used for waiver expiry (`YYYY-MM-DD`); default: today.
    pub today: Option<String>,
    /// Live databases to introspect (read-only) into the same audit.
    pub databases: db::DbConfig,
    /// Receives scan progress (the CLI's progress bar); `None`: silent.
    pub progress: Option<progress::Progress>,
    /// Baseline file (`--baseline`): open findings it lists become
    /// baselined. `None`: the `baseline:` of piaudit.yaml, if any.
    pub baseline: Option<PathBuf>,
    /// Apply no baseline, not even piaudit.yaml's (`piaudit baseline`
    /// writes a fresh one and must not need the old one to exist).
    pub skip_baseline: bool,
    /// Git ref (`--diff-base`): only findings absent from a scan of the
    /// merge base of it and `HEAD` are kept (see [`crate::gate::base`]).
    pub diff_base: Option<String>,
    /// Globs over reported paths (`--exclude`; piaudit.yaml's `exclude:`
    /// adds to them): matching files, and files in matching folders, are
    /// not read.
    pub exclude: Vec<String>,
    /// Rule ids not evaluated (`--skip-rule`; piaudit.yaml's `skip_rules:`
    /// adds to them). An id the pack does not have is an error.
    pub skip_rules: Vec<String>,
    /// Folders never walked into, such as the report folder (`--out`).
    pub skip_dirs: Vec<PathBuf>,
    /// Git ref (`--changed-since`): only findings on subjects touched since
    /// it are kept (see [`crate::gate::diff`]).
    pub changed_since: Option<String>,
    /// The cache directory (`--cache-dir`, default
    /// [`cache::default_root`]): the facts of each file read (see
    /// [`cache`]) and the fingerprints of `--diff-base` merge-base scans
    /// are kept there. `None` (`--no-cache`): no cache.
    pub cache_dir: Option<PathBuf>,
    /// Size the facts cache is trimmed to after a scan (`--cache-max-size`).
    pub cache_max_size: u64,
    /// Labels reported paths carry when several roots are scanned, one per
    /// root; empty: the roots as given (see
    /// [`crate::discover::WalkOptions::labels`]).
    pub root_labels: Vec<String>,
    /// `--sarif-root`: the directory SARIF artifact URIs are relative to;
    /// `None`: the git root of the first scanned path, else the current
    /// directory (see [`crate::discover::artifacts`]).
    pub sarif_root: Option<PathBuf>,
    /// Keep evidence of what was read (`--evidence`): each file's size and
    /// SHA-256, hashed as it is read, and each database's queries, in
    /// [`Audit::read`].
    pub evidence: bool,
    /// `--max-memory`: bytes the run may use before it drops detail
    /// ([`memory`]); `None`: no limit.
    pub max_memory: Option<u64>,
}

/// The default of [`Config::file_time_budget`]: generous, since the largest
/// real dumps read in about a second; it exists for hostile inputs.
pub const DEFAULT_FILE_TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

impl Default for Config {
    fn default() -> Self {
        Config {
            roots: vec![PathBuf::from(".")],
            declarations: None,
            pack: "cn-2026".into(),
            profile: None,
            lang: "zh-CN".into(),
            rules_dir: None,
            dialect: None,
            max_file_size: WalkOptions::default().max_file_size,
            file_time_budget: Some(DEFAULT_FILE_TIME_BUDGET),
            deterministic: false,
            today: None,
            databases: db::DbConfig::default(),
            progress: None,
            baseline: None,
            skip_baseline: false,
            diff_base: None,
            exclude: Vec::new(),
            skip_rules: Vec::new(),
            skip_dirs: Vec::new(),
            changed_since: None,
            cache_dir: None,
            cache_max_size: cache::DEFAULT_MAX_SIZE,
            root_labels: Vec::new(),
            sarif_root: None,
            evidence: false,
            max_memory: None,
        }
    }
}

/// The loaded data: taxonomy, cues, law table and the selected pack.
#[derive(Debug, Clone)]
pub struct Knowledge {
    /// PI taxonomy.
    pub taxonomy: Taxonomy,
    /// Cue dictionaries.
    pub cues: Cues,
    /// Law table.
    pub law: Law,
    /// Rule pack.
    pub pack: Pack,
    /// SDK and cloud-region catalogues for the config extractors.
    pub catalog: crate::extract::catalog::Catalog,
    /// Selected profile id.
    pub profile: String,
}

impl Knowledge {
    /// Adds what the declarations define on top of the built-in data: the
    /// organisation's own PI categories and the built-in ones it treats as
    /// sensitive. `file` names the declarations in errors.
    pub fn extend_with(&mut self, decl: &Declarations, file: &str) -> Result<(), Error> {
        self.taxonomy
            .add_custom(&decl.categories)
            .map_err(|message| Error::Declarations {
                file: file.to_string(),
                line: 1,
                column: 1,
                key: "categories".into(),
                message,
            })?;
        self.taxonomy.raise_sensitive(&decl.sensitive_categories);
        Ok(())
    }

    /// Loads and validates the data for a pack and profile.
    pub fn load(files: &DataFiles, pack: &str, profile: Option<&str>) -> Result<Knowledge, Error> {
        let taxonomy = Taxonomy::load("taxonomy.yaml", files.require("taxonomy.yaml")?)?;
        let cues = Cues::load(files, &taxonomy)?;
        let law = Law::load("law.yaml", files.require("law.yaml")?)?;
        let pack = Pack::load(files, pack, &law)?;
        let profile = profile.unwrap_or(&pack.default_profile).to_string();
        taxonomy.check_profile(&profile)?;
        let catalog = crate::extract::catalog::Catalog::load(files)?;
        Ok(Knowledge {
            taxonomy,
            cues,
            law,
            pack,
            catalog,
            profile,
        })
    }

    /// The SDK and region catalogues with the organisation's overrides
    /// (SDK hosts, host regions) of `decl`, which apply while extracting.
    pub fn catalog_for(
        &self,
        decl: Option<&Declarations>,
    ) -> std::borrow::Cow<'_, crate::extract::catalog::Catalog> {
        match decl.and_then(|d| d.catalog_overrides.as_ref()) {
            Some(o) => std::borrow::Cow::Owned(self.catalog.with_overrides(o)),
            None => std::borrow::Cow::Borrowed(&self.catalog),
        }
    }

    /// The rule ids inline `piaudit:ignore` markers may name.
    pub fn known_rules(&self) -> KnownRules {
        KnownRules {
            pack_id: self.pack.id.clone(),
            ids: self.pack.rules.keys().cloned().collect(),
        }
    }

    /// Loads the data a [`Config`] asks for.
    pub fn for_config(config: &Config) -> Result<Knowledge, Error> {
        let files = match &config.rules_dir {
            Some(dir) => DataFiles::embedded_with_overlay(dir)?,
            None => DataFiles::embedded(),
        };
        Knowledge::load(&files, &config.pack, config.profile.as_deref())
    }
}

/// A rule as listed in a report's appendix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleSummary {
    /// Rule id.
    pub id: String,
    /// Base severity.
    pub severity: model::Severity,
    /// Legal basis codes (see `rules/law.yaml`).
    pub basis: Vec<String>,
    /// What the rule is evaluated over.
    pub scope: rules::Scope,
    /// Title in both languages.
    pub title: model::I18n,
    /// Remediation in both languages.
    pub remediation: model::I18n,
    /// The rule's `requires` facts this scan lacked: when any, the rule was
    /// not evaluated and its provisions are not assessable by it.
    pub missing: Vec<String>,
    /// What to declare or provide to make the rule assessable.
    pub if_unassessable: Option<model::I18n>,
}

/// The result of a scan: the report plus what renderers need to explain it.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The JSON-contract report.
    pub report: Report,
    /// Report language.
    pub lang: String,
    /// Audit date (`YYYY-MM-DD`): `--as-of`, else today (UTC).
    pub date: String,
    /// Organisation name from the declarations.
    pub organisation: Option<String>,
    /// Head-counts declared in piaudit.yaml (`scale`), which rank findings
    /// by the persons they affect (see `report::rank`).
    pub scale: Option<crate::decl::Scale>,
    /// Rules evaluated.
    pub rules_applied: Vec<RuleSummary>,
    /// Law table (for basis titles).
    pub law: Law,
    /// Each finding's message in both languages, by fingerprint.
    pub messages: BTreeMap<String, model::I18n>,
    /// The members of each grouped finding, by fingerprint: an inline
    /// suppression of one member's line takes it out of its finding.
    pub groups: BTreeMap<String, crate::rules::group::Group>,
    /// Category names: id → (zh, en).
    pub categories: BTreeMap<String, (String, String)>,
    /// Baseline and `--diff-base` applied after evaluation.
    pub gate: GateOutcome,
    /// What the walk and the controls left out.
    pub notes: ScanNotes,
    /// Where the reported paths are on disk (for SARIF URIs); `None` for
    /// audits not read from disk (sources in memory, merged reports).
    pub artifacts: Option<discover::artifacts::ArtifactBase>,
    /// What the scan read ([`Config::evidence`] only; else empty).
    pub read: ReadLog,
}

/// What a scan read, for the evidence manifest: the files (hashed as they
/// were read) and the databases (the queries run, never the data).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadLog {
    /// The roots walked, as given: a file's path is relative to its root,
    /// prefixed with the root's name when there are several.
    pub roots: Vec<String>,
    /// Files read, by path.
    pub files: Vec<FileDigest>,
    /// A declarations file named by `--config` (outside the roots), with
    /// its path as given.
    pub declarations: Option<FileDigest>,
    /// Databases read, in the order they were read.
    pub databases: Vec<DatabaseRead>,
}

/// One database read by a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseRead {
    /// The target URL as given, its password masked (`${VAR}` unexpanded).
    pub url: String,
    /// The pseudo file its facts are located at (`db:postgres://host:port/db`).
    pub source: String,
    /// Every statement sent, in order (sample queries name the columns
    /// read; no value read is kept).
    pub queries: Vec<String>,
}

/// What was done to the findings beyond the rules: the baseline applied and
/// what `--diff-base` left out (the terminal summary reports it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateOutcome {
    /// The baseline file applied; when the scan applies none
    /// ([`crate::Config::skip_baseline`]), the one piaudit.yaml names.
    pub baseline: Option<PathBuf>,
    /// Findings marked baselined.
    pub baselined: usize,
    /// The `--diff-base` ref.
    pub diff_base: Option<String>,
    /// The merge base `--diff-base` compared with (a commit id).
    pub merge_base: Option<String>,
    /// Findings left out by `--diff-base`: already in the merge base.
    pub left_out: usize,
    /// The `--changed-since` ref.
    pub changed_since: Option<String>,
    /// Findings left out by `--changed-since`: on untouched subjects.
    pub untouched: usize,
}

/// An evaluated audit, and what the gates need besides it.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The audit, every finding open or waived by `piaudit.yaml`.
    pub audit: Audit,
    /// Inline `piaudit:ignore` suppressions found while extracting.
    pub inline: Inline,
    /// The `baseline:` of piaudit.yaml, resolved against its directory.
    pub declared_baseline: Option<PathBuf>,
}

/// Scans the configured roots (and databases).
pub fn scan(config: &Config) -> Result<Evaluated, Error> {
    let mut knowledge = Knowledge::for_config(config)?;
    for g in &config.exclude {
        crate::glob::compile(g).map_err(|e| Error::Usage(format!("--exclude: {e}")))?;
    }
    let mut found = discover::discover(
        &config.roots,
        &WalkOptions {
            max_file_size: config.max_file_size,
            // A cache directory inside the tree is not read (nor used).
            skip_dirs: config
                .skip_dirs
                .iter()
                .chain(&config.cache_dir)
                .cloned()
                .collect(),
            labels: config.root_labels.clone(),
        },
    )?;
    let mut scan = ScanInfo {
        roots: config
            .roots
            .iter()
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .collect(),
        files_skipped: found.skipped,
        ..ScanInfo::default()
    };
    let mut declarations_digest = None;
    // The declarations file read: --config, else piaudit.yaml at a root.
    let at_root = found
        .files
        .iter()
        .position(|f| f.kind == FileKind::Declarations && f.at_root);
    let decl = match &config.declarations {
        Some(p) => {
            let cannot = |e: &dyn std::fmt::Display| {
                Error::Usage(format!("cannot read --config {}: {e}", p.display()))
            };
            let bytes = std::fs::read(p).map_err(|e| cannot(&e))?;
            if config.evidence {
                let shown = p.to_string_lossy().replace('\\', "/");
                declarations_digest = Some(FileDigest::of(&shown, &bytes));
            }
            let text = String::from_utf8(bytes).map_err(|e| cannot(&e))?;
            Some(Declarations::parse(&p.to_string_lossy(), &text)?)
        }
        None => match at_root.map(|i| Input::File(&found.files[i]).read(false)) {
            Some(Ok((s, _, _))) => Some(Declarations::parse(&s.rel, &s.text)?),
            _ => None,
        },
    };
    // `--exclude` and the declarations' `exclude:`; the declarations file
    // itself is always read.
    let excludes: Vec<&str> = config
        .exclude
        .iter()
        .chain(decl.iter().flat_map(|d| d.exclude.iter()))
        .map(|g| g.trim_end_matches('/'))
        .collect();
    let before = found.files.len();
    let decl_path = at_root.map(|i| found.files[i].path.clone());
    found
        .files
        .retain(|f| Some(&f.path) == decl_path.as_ref() || !excluded(&f.rel, &excludes));
    let notes = ScanNotes {
        archives: std::mem::take(&mut found.archives),
        report_dirs: std::mem::take(&mut found.report_dirs),
        excluded: before - found.files.len(),
        skipped_rules: Vec::new(),
    };
    let at_root = found
        .files
        .iter()
        .position(|f| f.kind == FileKind::Declarations && f.at_root);
    let has_databases = !config.databases.targets.is_empty()
        || decl.as_ref().is_some_and(|d| !d.databases.is_empty());
    if found.files.is_empty()
        && scan.files_skipped.is_empty()
        && !has_databases
        && !config.roots.is_empty()
    {
        return Err(Error::NothingScanned(nothing_to_scan(config, &notes)));
    }
    let inputs: Vec<Input<'_>> = found.files.iter().map(Input::File).collect();
    let kept = extract::read_kept(&inputs, config.evidence);
    // Where project-level findings point: the declarations file read, or
    // the one to create at the (first) root.
    let decl_file = match &config.declarations {
        Some(p) => p.display().to_string().replace('\\', "/"),
        None => at_root
            .map(|i| found.files[i].rel.clone())
            .unwrap_or_else(|| match config.roots.as_slice() {
                [_] | [] => rules::eval::DECLARATIONS_FILE.to_string(),
                [_, ..] => format!(
                    "{}/{}",
                    discover::root_label(&config.roots, &config.root_labels, 0),
                    rules::eval::DECLARATIONS_FILE
                ),
            }),
    };
    if let Some(d) = &decl {
        knowledge.extend_with(d, &decl_file)?;
        d.check_categories(&decl_file, |id| knowledge.taxonomy.category(id).is_some())?;
    }
    let catalog = knowledge.catalog_for(decl.as_ref());
    let known_rules = knowledge.known_rules();
    let facts_cache = config.cache_dir.as_deref().and_then(|dir| {
        cache::FactsCache::open(
            dir,
            &config.roots,
            &catalog,
            &known_rules,
            config.cache_max_size,
        )
    });
    let mut extracted = extract::extract(
        &inputs,
        kept,
        &catalog,
        &known_rules,
        decl.as_ref(),
        config,
        facts_cache.as_ref(),
    );
    if let Some(c) = &facts_cache {
        c.finish();
    }
    let mut notes = notes;
    notes.skipped_rules = skip_rules(&mut knowledge, config, decl.as_ref(), &decl_file)?;
    check_not_applicable(&knowledge, decl.as_ref(), &decl_file, &notes.skipped_rules)?;
    let mut digests = std::mem::take(&mut extracted.digests);
    scan.files_skipped.extend(extracted.skipped.iter().cloned());
    if extracted.files_scanned == 0 && !scan.files_skipped.is_empty() {
        return Err(Error::NothingScanned(format!(
            "all {} candidate files were skipped",
            scan.files_skipped.len()
        )));
    }
    let live = db::introspect_for_scan(
        &config.databases,
        decl.as_ref().map_or(&[], |d| d.databases.as_slice()),
        &mut scan,
        extracted.files_scanned > 0,
    )?;
    let mut evaluated = classify::finish(&knowledge, extracted, &live, decl.as_ref(), config, scan);
    let audit = &mut evaluated.audit;
    audit.notes = notes;
    audit.artifacts = Some(
        discover::artifacts::ArtifactBase::resolve(
            &config.roots,
            &config.root_labels,
            config.sarif_root.as_deref(),
        )?
        .with_declarations(config.declarations.as_deref(), &decl_file, decl.is_some()),
    );
    if config.evidence {
        digests.sort();
        audit.read = ReadLog {
            roots: config
                .roots
                .iter()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .collect(),
            files: digests,
            declarations: declarations_digest,
            databases: live
                .iter()
                .map(|l| DatabaseRead {
                    url: l.url.clone(),
                    source: l.source.clone(),
                    queries: l.queries.clone(),
                })
                .collect(),
        };
    }
    audit.report.scan.files_skipped.sort();
    if decl_file != rules::eval::DECLARATIONS_FILE {
        for f in &mut audit.report.findings {
            if f.location.file == rules::eval::DECLARATIONS_FILE {
                f.location.file.clone_from(&decl_file);
            }
        }
    }
    // Relative to the declarations file, like every path it holds.
    evaluated.declared_baseline = decl.as_ref().and_then(|d| d.baseline.as_deref()).map(|b| {
        let dir = match &config.declarations {
            Some(p) => p.parent().map(std::path::Path::to_path_buf),
            None => at_root.and_then(|i| {
                found.files[i]
                    .path
                    .parent()
                    .map(std::path::Path::to_path_buf)
            }),
        };
        dir.unwrap_or_default().join(b)
    });
    Ok(evaluated)
}

/// Whether a reported path is left out by an exclude glob: a glob without
/// `/` is tried on each file and folder name (`vendor`, `*_test.sql`), any
/// other on the path and each folder above it (`db/legacy`, `db/**/old_*`).
fn excluded(rel: &str, globs: &[&str]) -> bool {
    globs.iter().any(|g| {
        if g.contains('/') {
            let mut prefix = rel;
            loop {
                if crate::glob::matches(g, prefix) {
                    return true;
                }
                match prefix.rfind('/') {
                    Some(i) => prefix = &prefix[..i],
                    None => return false,
                }
            }
        } else {
            rel.split('/').any(|name| crate::glob::matches(g, name))
        }
    })
}

/// Why a scan found nothing to read, with what to do about it.
fn nothing_to_scan(config: &Config, notes: &ScanNotes) -> String {
    let roots: Vec<String> = config
        .roots
        .iter()
        .map(|r| discover::display_root(r))
        .collect();
    let mut why = format!(
        "no supported file under {} (SQL, MyBatis mappers, Java/Kotlin entities, Spring and \
         logging configuration, dbt projects, piaudit.yaml)",
        roots.join(", ")
    );
    if !notes.archives.is_empty() {
        why.push_str(&format!(
            "; {} archive(s) found, which are not read: unpack them",
            notes.archives.len()
        ));
    }
    if notes.excluded > 0 {
        why.push_str(&format!(
            "; {} file(s) left out by exclude globs",
            notes.excluded
        ));
    }
    if notes.archives.is_empty() && notes.excluded == 0 {
        why.push_str("; check the path");
    }
    why.push_str(" / 未找到可扫描的文件");
    why
}

/// Takes the rules of `--skip-rule` and the declarations' `skip_rules:` out
/// of the pack (after extraction, so `piaudit:ignore` markers naming them
/// stay known); returns their ids. An unknown id is an error.
fn skip_rules(
    knowledge: &mut Knowledge,
    config: &Config,
    decl: Option<&Declarations>,
    decl_file: &str,
) -> Result<Vec<String>, Error> {
    let find = |k: &Knowledge, id: &str| {
        k.pack
            .rules
            .keys()
            .find(|known| known.eq_ignore_ascii_case(id.trim()))
            .cloned()
    };
    let mut ids = Vec::new();
    for id in &config.skip_rules {
        let known = find(knowledge, id).ok_or_else(|| {
            Error::Usage(format!(
                "--skip-rule {id}: pack {} has no such rule; see `piaudit rules list` / \
                 规则包中没有该规则，可用 `piaudit rules list` 查看",
                knowledge.pack.id
            ))
        })?;
        ids.push(known);
    }
    for (i, id) in decl
        .map_or(&[][..], |d| d.skip_rules.as_slice())
        .iter()
        .enumerate()
    {
        let known = find(knowledge, id).ok_or_else(|| Error::Declarations {
            file: decl_file.to_string(),
            line: 1,
            column: 1,
            key: format!("skip_rules[{i}]"),
            message: format!(
                "pack {} has no rule `{id}`; see `piaudit rules list`",
                knowledge.pack.id
            ),
        })?;
        ids.push(known);
    }
    ids.sort();
    ids.dedup();
    for id in &ids {
        knowledge.pack.rules.remove(id);
    }
    Ok(ids)
}

/// With a self-check pack (`mlps-l3`), every item the declarations call
/// not applicable (`mlps.not_applicable[].item`) must be one of its rows (or
/// a rule skipped on purpose): a mistyped id would leave the row silently
/// unverifiable. Other packs ignore the list.
fn check_not_applicable(
    knowledge: &Knowledge,
    decl: Option<&Declarations>,
    decl_file: &str,
    skipped: &[String],
) -> Result<(), Error> {
    if knowledge.pack.self_check.is_none() {
        return Ok(());
    }
    let items = decl
        .and_then(|d| d.mlps.as_ref())
        .map_or(&[][..], |m| m.not_applicable.as_slice());
    for (i, na) in items.iter().enumerate() {
        if knowledge.pack.rules.contains_key(&na.item) || skipped.contains(&na.item) {
            continue;
        }
        return Err(Error::Declarations {
            file: decl_file.to_string(),
            line: 1,
            column: 1,
            key: format!("mlps.not_applicable[{i}].item"),
            message: format!(
                "pack {} has no item `{}`; see `piaudit rules list --pack {}` / 自查表中没有该检查项",
                knowledge.pack.id, na.item, knowledge.pack.id
            ),
        });
    }
    Ok(())
}

/// What the walk and the controls left out, for the terminal's warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanNotes {
    /// Archives found and not read (reported paths).
    pub archives: Vec<String>,
    /// Report folders of piaudit passed over (reported paths).
    pub report_dirs: Vec<String>,
    /// Files left out by `--exclude` and the declarations' `exclude:`.
    pub excluded: usize,
    /// Rules not evaluated (`--skip-rule`, `skip_rules:`).
    pub skipped_rules: Vec<String>,
}

/// Runs extract → … → evaluate over sources already in memory.
pub fn scan_sources(
    knowledge: &Knowledge,
    sources: &[Source],
    decl: Option<&Declarations>,
    config: &Config,
    scan: ScanInfo,
) -> Evaluated {
    let inputs: Vec<Input<'_>> = sources.iter().map(Input::Text).collect();
    let kept = extract::read_kept(&inputs, false);
    let catalog = knowledge.catalog_for(decl);
    let extracted = extract::extract(
        &inputs,
        kept,
        &catalog,
        &knowledge.known_rules(),
        decl,
        config,
        None,
    );
    classify::finish(knowledge, extracted, &[], decl, config, scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_globs_match_names_or_paths_and_their_folders() {
        let yes = |rel: &str, g: &str| excluded(rel, &[g]);
        assert!(yes("a/vendor/x.sql", "vendor"));
        assert!(yes("db/x_test.sql", "*_test.sql"));
        assert!(!yes("db/x_test.sql.bak", "*_test.sql"));
        assert!(yes("db/legacy/old/x.sql", "db/legacy"));
        assert!(yes("db/legacy/x.sql", "db/**"));
        assert!(!yes("src/db/legacy/x.sql", "db/legacy"));
        assert!(!yes("vendors/x.sql", "vendor"));
        assert!(!excluded("a.sql", &[]));
    }

    /// The members of grouped findings are kept only when an inline
    /// suppression may take one out of its group (they were a large part
    /// of an estate's peak memory).
    #[test]
    fn group_members_are_kept_only_for_inline_suppressions() {
        let k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
        let run = |sql: &str| {
            let sources = [Source {
                rel: "db/schema.sql".into(),
                kind: FileKind::Sql,
                text: sql.into(),
            }];
            let e = scan_sources(&k, &sources, None, &Config::default(), ScanInfo::default());
            (e.audit.groups.len(), e.audit.report.findings)
        };
        let table = "CREATE TABLE customer (\n  id BIGINT,\n  id_card VARCHAR(18) COMMENT '身份证号',\n  bank_card VARCHAR(19) COMMENT '银行卡号'\n);\n";
        let (groups, findings) = run(table);
        assert_eq!(groups, 0);
        assert!(
            findings.iter().any(|f| f.fields.len() == 2),
            "{findings:#?}"
        );
        // A marker elsewhere (naming another rule): the groups are kept.
        let (groups, again) = run(&format!("-- piaudit:ignore CNPI-001 not here\n{table}"));
        assert!(groups > 0);
        assert_eq!(findings.len(), again.len());
    }

    #[test]
    fn a_spent_time_budget_becomes_a_warning_and_the_scan_goes_on() {
        let sources: Vec<Source> = [
            (
                "a.sql",
                FileKind::Sql,
                "CREATE TABLE a (phone VARCHAR(11) COMMENT '手机号');",
            ),
            (
                "application.yml",
                FileKind::Config,
                "spring:\n  application:\n    name: shop\n",
            ),
        ]
        .into_iter()
        .map(|(rel, kind, text)| Source {
            rel: rel.into(),
            kind,
            text: text.into(),
        })
        .collect();
        let k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
        let run = |budget| {
            let config = Config {
                file_time_budget: budget,
                ..Config::default()
            };
            scan_sources(&k, &sources, None, &config, ScanInfo::default()).audit
        };
        let spent = run(Some(std::time::Duration::ZERO));
        let warned: Vec<&str> = spent
            .report
            .scan
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with(crate::extract::sql::BUDGET_SPENT))
            .map(|d| d.file.as_str())
            .collect();
        // Once per file: SQL stops before its first statement, YAML is read
        // in full and reported.
        assert_eq!(warned, ["a.sql", "application.yml"]);
        assert!(spent.report.datasets.is_empty());
        assert_eq!(spent.report.scan.coverage.statements_total, 1);
        assert_eq!(spent.report.scan.coverage.statements_parsed, 0);
        let generous = run(crate::Config::default().file_time_budget);
        assert_eq!(generous.report.datasets.len(), 1);
        assert!(!generous
            .report
            .scan
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with(crate::extract::sql::BUDGET_SPENT)));
    }
}
