//! piaudit — a personal-information (个人信息) data-flow compliance auditor.
//!
//! The pipeline runs one way, each stage a function of the previous stage's
//! output plus the YAML data in `rules/`:
//!
//! ```text
//! discover → extract → facts → classify → lineage → evaluate → report
//! ```
//!
//! [`scan`] runs it over paths on disk; [`scan_sources`] over in-memory
//! sources (used by the rule fixture tests).

#![warn(missing_docs)]

pub mod baseline;
pub mod ci;
pub mod classify;
pub mod data;
pub mod db;
pub mod decl;
pub mod diff_base;
pub mod discover;
pub mod error;
pub mod extract;
pub mod facts;
pub mod glob;
pub mod lineage;
pub mod merge;
pub mod model;
pub mod progress;
pub mod report;
pub mod rules;
pub mod suppress;
pub mod validators;

pub use error::Error;

use classify::cues::Cues;
use classify::taxonomy::Taxonomy;
use classify::Classifier;
use data::DataFiles;
use decl::Declarations;
use discover::{FileKind, WalkOptions};
use extract::sql::SqlDialect;
use extract::FileFacts;
use model::{
    empty_severity_counts, Diagnostic, DiagnosticLevel, FindingStatus, Report, ScanInfo, Summary,
    ToolInfo,
};
use rayon::prelude::*;
use rules::law::Law;
use rules::Pack;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

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
    /// Git ref (`--diff-base`): only findings on subjects touched since it
    /// are kept (see [`diff_base`]).
    pub diff_base: Option<String>,
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
    pub catalog: extract::catalog::Catalog,
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
        let catalog = extract::catalog::Catalog::load(files)?;
        Ok(Knowledge {
            taxonomy,
            cues,
            law,
            pack,
            catalog,
            profile,
        })
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

/// One input, read and decoded.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as reported.
    pub rel: String,
    /// Kind of file.
    pub kind: FileKind,
    /// Decoded text.
    pub text: String,
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
    /// Rules evaluated.
    pub rules_applied: Vec<RuleSummary>,
    /// Law table (for basis titles).
    pub law: Law,
    /// Each finding's message in both languages, by fingerprint.
    pub messages: BTreeMap<String, model::I18n>,
    /// Category names: id → (zh, en).
    pub categories: BTreeMap<String, (String, String)>,
    /// Baseline and `--diff-base` applied after evaluation.
    pub gate: baseline::Gate,
}

/// Scans the configured roots.
pub fn scan(config: &Config) -> Result<Audit, Error> {
    let started = Instant::now();
    let mut knowledge = Knowledge::for_config(config)?;
    let found = discover::discover(
        &config.roots,
        &WalkOptions {
            max_file_size: config.max_file_size,
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
    // Files read together (MyBatis mappers, dbt projects) and the
    // declarations are kept as text; every other file is read, extracted
    // and scanned for inline suppressions in one step and its text dropped
    // at once, so peak memory follows the largest file, not the estate.
    let kept_together =
        |k: FileKind| matches!(k, FileKind::Declarations | FileKind::Mapper | FileKind::Dbt);
    let mut kept: Vec<Option<ReadFile>> = found
        .files
        .par_iter()
        .map(|f| kept_together(f.kind).then(|| read_source(f)))
        .collect();
    let sources: Vec<Source> = kept
        .iter()
        .filter_map(|r| match r {
            Some(Ok((s, _))) => Some(s.clone()),
            _ => None,
        })
        .collect();
    // Declarations: --config, else piaudit.yaml at a root.
    let decl = match &config.declarations {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Usage(format!("cannot read --config {}: {e}", p.display())))?;
            Some(Declarations::parse(&p.to_string_lossy(), &text)?)
        }
        None => {
            let at_root: Vec<&discover::FoundFile> = found
                .files
                .iter()
                .filter(|f| f.kind == FileKind::Declarations && f.at_root)
                .collect();
            match at_root
                .first()
                .and_then(|f| sources.iter().find(|s| s.rel == f.rel))
            {
                Some(s) => Some(Declarations::parse(&s.rel, &s.text)?),
                None => None,
            }
        }
    };
    // Where project-level findings point: the declarations file read, or
    // the one to create at the (first) root.
    let decl_file = match &config.declarations {
        Some(p) => p.display().to_string().replace('\\', "/"),
        None => found
            .files
            .iter()
            .find(|f| f.kind == FileKind::Declarations && f.at_root)
            .map(|f| f.rel.clone())
            .unwrap_or_else(|| match config.roots.as_slice() {
                [_] | [] => rules::eval::DECLARATIONS_FILE.to_string(),
                [first, ..] => format!(
                    "{}/{}",
                    discover::display_root(first),
                    rules::eval::DECLARATIONS_FILE
                ),
            }),
    };
    if let Some(d) = &decl {
        let file = decl_file.clone();
        knowledge.extend_with(d, &file)?;
        d.check_categories(&file, |id| knowledge.taxonomy.category(id).is_some())?;
    }
    let dialect_of = |rel: &str| dialect_for(config, decl.as_ref(), rel);
    let overrides = decl.as_ref().and_then(|d| d.catalog_overrides.as_ref());
    let catalog_with_overrides = overrides.map(|o| knowledge.catalog.with_overrides(o));
    let catalog = catalog_with_overrides
        .as_ref()
        .unwrap_or(&knowledge.catalog);
    let (mappers, dbt) = read_together(&sources, &dialect_of);
    drop(sources);
    let progress = config.progress.as_ref();
    progress::report(
        progress,
        progress::ProgressEvent::Start {
            stage: "extract",
            total: found
                .files
                .iter()
                .filter(|f| f.kind != FileKind::Declarations)
                .count() as u64,
        },
    );
    // One file at a time per worker: read, decode, extract, find its
    // inline suppressions, drop the text.
    let streamed: Vec<Option<StreamedFile>> = found
        .files
        .par_iter()
        .map(|f| {
            if kept_together(f.kind) {
                return None;
            }
            let done = read_source(f).map(|(s, enc)| {
                let facts = extract_one(&s, dialect_of(&s.rel), catalog, config.file_time_budget);
                let inline = suppress::scan_source(&s.rel, s.kind, &s.text, &knowledge.pack);
                (facts, inline, enc, s.rel)
            });
            progress::report(progress, progress::ProgressEvent::Advance);
            Some(done)
        })
        .collect();
    let mut extracted = Vec::new();
    let mut inline = suppress::Inline::default();
    let mut files_scanned = 0u64;
    for (kept, streamed) in kept.iter_mut().zip(streamed) {
        let (facts, file_inline, enc, rel) = match (kept.take(), streamed) {
            (Some(Ok((s, enc))), _) => {
                let file_inline = suppress::scan_source(&s.rel, s.kind, &s.text, &knowledge.pack);
                let facts = (s.kind != FileKind::Declarations).then(|| {
                    progress::report(progress, progress::ProgressEvent::Advance);
                    match mappers.get(&s.rel).or_else(|| dbt.get(&s.rel)) {
                        Some(f) => f.clone(),
                        None => {
                            extract_one(&s, dialect_of(&s.rel), catalog, config.file_time_budget)
                        }
                    }
                });
                (facts, file_inline, enc, s.rel)
            }
            (Some(Err(skip)), _) | (None, Some(Err(skip))) => {
                scan.files_skipped.push(skip);
                continue;
            }
            (None, Some(Ok((facts, file_inline, enc, rel)))) => {
                (Some(facts), file_inline, enc, rel)
            }
            (None, None) => continue,
        };
        files_scanned += 1;
        if let Some(enc) = enc {
            scan.diagnostics.push(Diagnostic {
                file: rel,
                line: 1,
                severity: DiagnosticLevel::Info,
                message: format!("decoded as {enc}"),
            });
        }
        extracted.extend(facts);
        inline.ignores.extend(file_inline.ignores);
        inline.diagnostics.extend(file_inline.diagnostics);
    }
    progress::report(progress, progress::ProgressEvent::Finish);
    if files_scanned == 0 && !scan.files_skipped.is_empty() {
        return Err(Error::NothingScanned(format!(
            "all {} candidate files were skipped",
            scan.files_skipped.len()
        )));
    }
    let live = db::introspect_for_scan(
        &config.databases,
        decl.as_ref().map_or(&[], |d| d.databases.as_slice()),
        &mut scan,
        files_scanned > 0,
    )?;
    scan.files_scanned = files_scanned;
    let mut audit = finish_scan(
        &knowledge,
        extracted,
        inline,
        &live,
        decl.as_ref(),
        config,
        scan,
    );
    audit.report.scan.files_skipped.sort();
    if decl_file != rules::eval::DECLARATIONS_FILE {
        for f in &mut audit.report.findings {
            if f.location.file == rules::eval::DECLARATIONS_FILE {
                f.location.file.clone_from(&decl_file);
            }
        }
    }
    // Relative to the declarations file, like every path it holds.
    let declared_baseline = decl.as_ref().and_then(|d| d.baseline.as_deref()).map(|b| {
        let dir = match &config.declarations {
            Some(p) => p.parent().map(std::path::Path::to_path_buf),
            None => found
                .files
                .iter()
                .find(|f| f.kind == FileKind::Declarations && f.at_root)
                .and_then(|f| f.path.parent().map(std::path::Path::to_path_buf)),
        };
        dir.unwrap_or_default().join(b)
    });
    baseline::apply_gates(&mut audit, config, declared_baseline)?;
    if !config.deterministic {
        audit.report.scan.duration_ms = Some(started.elapsed().as_millis() as u64);
    }
    Ok(audit)
}

/// Runs extract → … → evaluate over sources already read.
pub fn scan_sources(
    knowledge: &Knowledge,
    sources: &[Source],
    decl: Option<&Declarations>,
    config: &Config,
    scan: ScanInfo,
) -> Audit {
    scan_sources_live(knowledge, sources, &[], decl, config, scan)
}

/// [`scan_sources`] plus the facts read from live databases, merged into
/// the same audit.
pub fn scan_sources_live(
    knowledge: &Knowledge,
    sources: &[Source],
    live: &[db::LiveFacts],
    decl: Option<&Declarations>,
    config: &Config,
    mut scan: ScanInfo,
) -> Audit {
    let dialect_of = |rel: &str| dialect_for(config, decl, rel);
    let (mappers, dbt) = read_together(sources, &dialect_of);
    let to_extract = sources
        .iter()
        .filter(|s| s.kind != FileKind::Declarations)
        .count() as u64;
    // The organisation's catalogue overrides (SDK hosts, host regions) apply
    // while extracting.
    let overrides = decl.and_then(|d| d.catalog_overrides.as_ref());
    let catalog_with_overrides = overrides.map(|o| knowledge.catalog.with_overrides(o));
    let catalog = catalog_with_overrides
        .as_ref()
        .unwrap_or(&knowledge.catalog);
    let progress = config.progress.as_ref();
    progress::report(
        progress,
        progress::ProgressEvent::Start {
            stage: "extract",
            total: to_extract,
        },
    );
    let extracted: Vec<FileFacts> = sources
        .par_iter()
        .filter(|s| s.kind != FileKind::Declarations)
        .map(|s| {
            let facts = match mappers.get(&s.rel).or_else(|| dbt.get(&s.rel)) {
                Some(f) => f.clone(),
                None => extract_one(s, dialect_of(&s.rel), catalog, config.file_time_budget),
            };
            progress::report(progress, progress::ProgressEvent::Advance);
            facts
        })
        .collect();
    progress::report(progress, progress::ProgressEvent::Finish);
    scan.files_scanned = sources.len() as u64;
    // Inline `piaudit:ignore` comments: read here, applied to the findings.
    let inline = suppress::collect(sources, &knowledge.pack);
    finish_scan(knowledge, extracted, inline, live, decl, config, scan)
}

/// What one streamed (not kept) file gives: its facts, its inline
/// suppressions, the encoding it was decoded from, and its path.
type StreamedFile =
    Result<(FileFacts, suppress::Inline, Option<&'static str>, String), model::SkippedFile>;

/// A file read and decoded, with the encoding it was decoded from when
/// not UTF-8; or why it was skipped.
type ReadFile = Result<(Source, Option<&'static str>), model::SkippedFile>;

/// Reads and decodes one discovered file.
fn read_source(f: &discover::FoundFile) -> ReadFile {
    let bytes = std::fs::read(&f.path).map_err(|e| model::SkippedFile {
        file: f.rel.clone(),
        reason: format!("unreadable: {e}"),
    })?;
    let decoded = discover::decode(bytes).map_err(|_| model::SkippedFile {
        file: f.rel.clone(),
        reason: "binary".into(),
    })?;
    Ok((
        Source {
            rel: f.rel.clone(),
            kind: f.kind,
            text: decoded.text,
        },
        decoded.encoding,
    ))
}

/// The SQL dialect forced for a file: `--dialect`, else the piaudit.yaml
/// glob; `None`: detect it per file.
fn dialect_for(config: &Config, decl: Option<&Declarations>, rel: &str) -> Option<SqlDialect> {
    config
        .dialect
        .or_else(|| decl.and_then(|d| d.dialect_for(rel)))
}

/// Facts of the files that are read together, by path: MyBatis mappers
/// (an `<include>` may name another mapper's `<sql>`) and dbt projects (a
/// model's `source()` and columns are documented in the project's YAML).
fn read_together(
    sources: &[Source],
    dialect_of: &(dyn Fn(&str) -> Option<SqlDialect> + Sync),
) -> (
    std::collections::HashMap<String, FileFacts>,
    BTreeMap<String, FileFacts>,
) {
    let mappers = extract::mybatis::extract_all(
        sources
            .iter()
            .filter(|s| s.kind == FileKind::Mapper)
            .map(|s| (s.rel.as_str(), s.text.as_str())),
        dialect_of,
    );
    let dbt = extract::dbt::extract_all(
        sources
            .iter()
            .filter(|s| s.kind == FileKind::Dbt)
            .map(|s| (s.rel.as_str(), s.text.as_str())),
        dialect_of,
    );
    (mappers, dbt)
}

/// Facts → classify → lineage → evaluate, over the extracted facts of the
/// code files (in source order) and the live databases' facts.
fn finish_scan(
    knowledge: &Knowledge,
    mut extracted: Vec<FileFacts>,
    inline: suppress::Inline,
    live: &[db::LiveFacts],
    decl: Option<&Declarations>,
    config: &Config,
    mut scan: ScanInfo,
) -> Audit {
    let overrides = decl.and_then(|d| d.catalog_overrides.as_ref());
    // Live facts come last; their diagnostics were already reported.
    let code_files = extracted.len();
    extracted.extend(live.iter().map(|l| l.facts.clone()));
    for f in &extracted[..code_files] {
        scan.coverage.add(f.coverage);
        if f.dialect.is_some() || f.coverage.statements_total > 0 {
            let mut coverage = f.coverage;
            coverage.statements_lost = coverage.lost();
            scan.files.push(model::FileCoverage {
                file: f.file.clone(),
                dialect: f.dialect.map(|d| d.name().to_string()),
                coverage,
            });
        }
        scan.diagnostics.extend(f.diagnostics.iter().cloned());
    }
    tracing::debug!(files = extracted.len(), "extracted facts");
    let mut assembled = facts::assemble(&mut extracted);
    if let Some(o) = overrides {
        o.apply_regions(&mut assembled.endpoints);
    }
    tracing::debug!(
        datasets = assembled.datasets.len(),
        flows = assembled.flows.len(),
        sampled_fields = assembled.samples.len(),
        "assembled facts"
    );
    scan.diagnostics.extend(assembled.diagnostics);
    let mut datasets = assembled.datasets;
    let custom_cues;
    let cues = match decl.filter(|d| !d.cues.is_empty()) {
        Some(d) => {
            let mut c = knowledge.cues.clone();
            c.add_custom(&d.cues);
            custom_cues = c;
            &custom_cues
        }
        None => &knowledge.cues,
    };
    let classifier = Classifier::new(&knowledge.taxonomy, cues, &knowledge.profile);
    datasets.par_iter_mut().for_each(|d| {
        let declared_minors =
            decl.is_some_and(|x| x.datasets_for(&d.id, &d.name).iter().any(|y| y.minors));
        classifier.classify(d, declared_minors, &assembled.samples);
    });
    // Sampled values are read by the classifier only; the facts of each
    // file only by the Java log check. Freed here, before evaluation builds
    // its views, so the two never add up in the peak.
    drop(std::mem::take(&mut assembled.samples));
    // Schema-level context (a K-12 school schema) needs every table classified.
    classifier.apply_schema_context(&mut datasets);
    classify::logged::pi_logged(
        &extracted[..code_files],
        &classifier,
        &mut assembled.controls,
    );
    drop(extracted);
    if let Some(d) = decl {
        apply_overrides(&mut datasets, d, knowledge, false);
    }
    let graph = lineage::LineageGraph::build(&assembled.flows);
    graph.propagate(&mut datasets);
    drop(graph);
    if let Some(d) = decl {
        // A field declared not PI stays so even when PI flows into it.
        apply_overrides(&mut datasets, d, knowledge, true);
    }
    if !live.is_empty() {
        db::add_grant_controls(live, &datasets, &assembled.aliases, &mut assembled.controls);
    }
    tracing::debug!("classified fields and propagated lineage");
    scan.diagnostics.extend(inline.diagnostics.iter().cloned());
    let mut audit = evaluate_audit(
        knowledge,
        Facts {
            datasets,
            flows: assembled.flows,
            endpoints: assembled.endpoints,
            controls: assembled.controls,
        },
        decl,
        config,
        scan,
    );
    suppress::apply(&inline, &mut audit);
    audit
}

/// The classified, propagated facts an audit is evaluated over (from a scan
/// or from merged reports).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Classified datasets.
    pub datasets: Vec<model::Dataset>,
    /// Flows between field and endpoint ids.
    pub flows: Vec<model::Flow>,
    /// External endpoints.
    pub endpoints: Vec<model::Endpoint>,
    /// Security controls.
    pub controls: Vec<model::Control>,
}

/// Evaluate → report: PI paths, rules, summary and the [`Audit`] renderers
/// read. Shared by [`scan`] and [`merge`] so both give the same report shape.
pub fn evaluate_audit(
    knowledge: &Knowledge,
    facts: Facts,
    decl: Option<&Declarations>,
    config: &Config,
    mut scan: ScanInfo,
) -> Audit {
    let Facts {
        datasets,
        flows,
        endpoints,
        controls,
    } = facts;
    let paths = lineage::paths::pi_paths(&datasets, &flows, &endpoints);
    let today = config.today.clone().unwrap_or_else(today_utc);
    let evaluation = rules::eval::evaluate(
        &knowledge.pack,
        &rules::eval::Subjects {
            datasets: &datasets,
            flows: &flows,
            endpoints: &endpoints,
            controls: &controls,
            decl,
            taxonomy: &knowledge.taxonomy,
            lang: &config.lang,
            today: &today,
            profile: &knowledge.profile,
        },
    );
    scan.diagnostics.sort();
    let mut summary = Summary {
        findings_by_severity: empty_severity_counts(),
        ..Summary::default()
    };
    for f in datasets.iter().flat_map(|d| &d.fields) {
        if let Some(p) = &f.pi {
            summary.pi_fields += 1;
            summary.sensitive_fields += u64::from(p.sensitive);
        }
    }
    for f in evaluation
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
    {
        *summary.findings_by_severity.entry(f.severity).or_default() += 1;
    }
    let report = Report {
        schema_version: model::SCHEMA_VERSION.into(),
        tool: ToolInfo {
            name: "piaudit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            pack: knowledge.pack.id.clone(),
            profile: knowledge.profile.clone(),
        },
        scan,
        datasets,
        endpoints,
        flows,
        controls,
        paths,
        findings: evaluation.findings,
        summary,
    };
    Audit {
        report,
        lang: config.lang.clone(),
        date: today.clone(),
        organisation: decl
            .and_then(|d| d.organisation.as_ref())
            .and_then(|o| o.name.clone()),
        rules_applied: knowledge
            .pack
            .rules
            .values()
            .map(|r| RuleSummary {
                id: r.id.clone(),
                severity: r.severity,
                basis: r.basis.clone(),
                scope: r.scope,
                title: r.title.clone(),
                remediation: r.remediation.clone(),
            })
            .collect(),
        law: knowledge.law.clone(),
        messages: evaluation.messages,
        categories: knowledge
            .taxonomy
            .categories()
            .map(|c| (c.id.clone(), (c.zh.clone(), c.en.clone())))
            .collect(),
        gate: baseline::Gate::default(),
    }
}

/// Applies `overrides` from the declarations: forced categories (unless
/// `only_not_pi`) and "not PI" decisions.
pub(crate) fn apply_overrides(
    datasets: &mut [model::Dataset],
    decl: &Declarations,
    k: &Knowledge,
    only_not_pi: bool,
) {
    if decl.overrides.is_empty() {
        return;
    }
    for d in datasets {
        for f in &mut d.fields {
            match decl.override_for(&d.name, &f.name, &f.id) {
                Some(None) => f.pi = None,
                Some(Some(category)) if !only_not_pi => {
                    f.pi = Some(model::PiTag {
                        category: category.to_string(),
                        sensitive: k.taxonomy.is_sensitive(category, &k.profile),
                        confidence: 1.0,
                        evidence: vec![model::Evidence {
                            kind: "override".into(),
                            detail: "category set in piaudit.yaml overrides".into(),
                        }],
                    })
                }
                _ => {}
            }
        }
    }
}

/// Extracts one source with the extractor of its kind, turning a panic
/// inside an extractor into a diagnostic so one hostile file never stops
/// the audit.
fn extract_one(
    s: &Source,
    dialect: Option<SqlDialect>,
    catalog: &extract::catalog::Catalog,
    budget: Option<std::time::Duration>,
) -> FileFacts {
    let started = Instant::now();
    let deadline = budget.and_then(|b| started.checked_add(b));
    let sql_dialect = (s.kind == FileKind::Sql)
        .then(|| dialect.unwrap_or_else(|| SqlDialect::detect(&s.rel, &s.text)));
    let what = match sql_dialect {
        Some(d) => format!("{d} SQL"),
        None => format!("{:?}", s.kind),
    };
    let mut facts = guarded(s, sql_dialect, &what, || match (s.kind, sql_dialect) {
        (FileKind::Sql, Some(d)) => {
            let mut facts = match deadline {
                Some(at) => extract::sql::extract_until(&s.rel, &s.text, d, at),
                None => extract::sql::extract(&s.rel, &s.text, d),
            };
            extract::flink::read(&s.rel, &s.text, catalog, &mut facts);
            facts
        }
        (FileKind::Config, _) => extract::spring::extract(&s.rel, &s.text, catalog),
        (FileKind::LogConfig, _) => extract::logging::extract(&s.rel, &s.text),
        (FileKind::Json, _) => extract::datax::extract(&s.rel, &s.text, catalog),
        (FileKind::Hocon, _) => extract::seatunnel::extract(&s.rel, &s.text, catalog),
        (FileKind::Java, _) => extract::java::extract(&s.rel, &s.text, catalog),
        _ => FileFacts {
            file: s.rel.clone(),
            ..FileFacts::default()
        },
    });
    // Other readers cannot stop midway; an overrun is still reported, once.
    let spent = started.elapsed();
    if budget.is_some_and(|b| spent > b)
        && !facts
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with(extract::sql::BUDGET_SPENT))
    {
        facts.diagnostics.push(Diagnostic {
            file: s.rel.clone(),
            line: 1,
            severity: DiagnosticLevel::Warning,
            message: format!(
                "{}: reading took {:.1} s (--file-time-budget {} s) / 超出单文件时间预算",
                extract::sql::BUDGET_SPENT,
                spent.as_secs_f64(),
                budget.map_or(0, |b| b.as_secs()),
            ),
        });
    }
    facts
}

/// Runs one extractor; a panic becomes an error diagnostic on the file and
/// empty facts, so the other files are still audited.
fn guarded(
    s: &Source,
    sql_dialect: Option<SqlDialect>,
    what: &str,
    extractor: impl FnOnce() -> FileFacts,
) -> FileFacts {
    // Unwind safety: whatever the extractor built is dropped with the panic;
    // it only reads shared data.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(extractor)).unwrap_or_else(|_| FileFacts {
        file: s.rel.clone(),
        dialect: sql_dialect,
        diagnostics: vec![Diagnostic {
            file: s.rel.clone(),
            line: 1,
            severity: DiagnosticLevel::Error,
            message: format!("internal error while reading this file as {what}; the file was skipped (please report it)"),
        }],
        ..FileFacts::default()
    })
}

/// Today's UTC date as `YYYY-MM-DD` (civil-from-days, proleptic Gregorian).
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_extractor_becomes_a_diagnostic_and_the_next_file_is_read() {
        let source = |rel: &str, text: &str| Source {
            rel: rel.into(),
            kind: FileKind::Sql,
            text: text.into(),
        };
        let bad = source("bad.sql", "CREATE TABLE a (x INT);");
        let facts = guarded(&bad, Some(SqlDialect::Mysql), "mysql SQL", || {
            panic!("extractor bug")
        });
        assert!(facts.tables.is_empty());
        assert_eq!(facts.diagnostics.len(), 1);
        let d = &facts.diagnostics[0];
        assert_eq!(
            (d.file.as_str(), d.line, d.severity),
            ("bad.sql", 1, DiagnosticLevel::Error)
        );
        assert!(
            d.message.contains("internal error") && d.message.contains("mysql SQL"),
            "{d:?}"
        );
        let good = source("good.sql", "CREATE TABLE b (y INT);");
        let facts = guarded(&good, Some(SqlDialect::Mysql), "mysql SQL", || {
            extract::sql::extract(&good.rel, &good.text, SqlDialect::Mysql)
        });
        assert_eq!(facts.tables.len(), 1);
        assert!(facts.diagnostics.is_empty());
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
            scan_sources(&k, &sources, None, &config, ScanInfo::default())
        };
        let spent = run(Some(std::time::Duration::ZERO));
        let warned: Vec<&str> = spent
            .report
            .scan
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with(extract::sql::BUDGET_SPENT))
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
            .any(|d| d.message.starts_with(extract::sql::BUDGET_SPENT)));
    }
}
