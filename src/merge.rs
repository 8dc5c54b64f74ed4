//! `piaudit merge`: several JSON reports (one per repository or database)
//! combined into one organisation-wide audit.
//!
//! The JSON report already holds the facts the rules read (datasets with
//! their classified fields, flows, endpoints, controls), so merging re-reads
//! the reports into that model instead of re-scanning sources:
//!
//! 1. each report gets a label (from its scan roots) that prefixes every
//!    path and id it holds, so `schema.sql` of two repositories stay apart
//!    and every fact keeps its provenance;
//! 2. datasets of different reports with the same (case-insensitive,
//!    qualified) name become one dataset: that is what joins an ETL job in
//!    one repository to the table another repository defines;
//! 3. tags that only came from lineage are dropped and lineage is propagated
//!    again over the merged graph, so PI follows the cross-repository edges;
//! 4. the rules are evaluated again and every report format is rendered.
//!
//! What the JSON does not hold cannot be redone: `*` and positional
//! `INSERT` columns are expanded only against the tables the source scan
//! knew, sampled values are not in the report (the classifier is not re-run),
//! and per-repository `piaudit.yaml` declarations are not in it (give
//! organisation-wide ones with `--config`; waived or baselined findings keep
//! their status when every source report that has them agrees).

use crate::decl::Declarations;
use crate::error::Error;
use crate::model::{
    self, Dataset, DatasetKind, Diagnostic, DiagnosticLevel, Field, FindingStatus, FindingWaiver,
    Report, ScanInfo,
};
use crate::pipeline::{
    classify_and_propagate, evaluate_audit, Audit, Classified, Config, Knowledge,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// What a merge needs besides the reports (the CLI builds it).
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// Organisation-wide declarations (`--config`), if any.
    pub declarations: Option<PathBuf>,
    /// Rule pack id.
    pub pack: String,
    /// Sensitivity profile; default: the one every report used, else the pack's.
    pub profile: Option<String>,
    /// Report language.
    pub lang: String,
    /// Directory overlaying the built-in `rules/` data.
    pub rules_dir: Option<PathBuf>,
    /// Date for waiver expiry (`YYYY-MM-DD`); default: today.
    pub today: Option<String>,
    /// Keep the digest of each report read (`--evidence`) in
    /// [`Audit::read`](crate::Audit).
    pub evidence: bool,
    /// `--max-memory` in bytes ([`crate::pipeline::memory`]).
    pub max_memory: Option<u64>,
}

impl Default for MergeOptions {
    fn default() -> Self {
        let c = Config::default();
        MergeOptions {
            declarations: None,
            pack: c.pack,
            profile: None,
            lang: c.lang,
            rules_dir: None,
            today: None,
            evidence: false,
            max_memory: None,
        }
    }
}

/// One report to merge, as read from disk.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path as given, for error messages and the label fallback.
    pub path: String,
    /// The parsed report.
    pub report: Report,
}

/// Reads and checks one `report.json`. A missing file, a JSON syntax error
/// (with line and column), a shape error or a schema version this build
/// cannot read is a usage error (exit 2) naming the file.
pub fn load(path: &Path) -> Result<Input, Error> {
    load_with_digest(path, false).map(|(input, _)| input)
}

/// [`load`], and with `digest` the size and SHA-256 of the bytes read.
fn load_with_digest(
    path: &Path,
    digest: bool,
) -> Result<(Input, Option<crate::pipeline::FileDigest>), Error> {
    let shown = path.display().to_string().replace('\\', "/");
    let cannot =
        |e: &dyn std::fmt::Display| Error::Usage(format!("cannot read report {shown}: {e}"));
    let bytes = std::fs::read(path).map_err(|e| cannot(&e))?;
    let digest = digest.then(|| crate::pipeline::FileDigest::of(&shown, &bytes));
    let text = String::from_utf8(bytes).map_err(|e| cannot(&e))?;
    Ok((parse(&shown, &text)?, digest))
}

/// [`load`] for text already read; `shown` names it in errors.
pub fn parse(shown: &str, text: &str) -> Result<Input, Error> {
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: Option<String>,
    }
    let at = |e: &serde_json::Error| format!("{shown}:{}:{}", e.line(), e.column());
    // First only the version: a report of another major version may not
    // match today's shape, and "incompatible version" is the useful error.
    let version: Version = serde_json::from_str(text)
        .map_err(|e| Error::Usage(format!("{}: not a valid JSON report: {e}", at(&e))))?;
    let Some(v) = version.schema_version else {
        return Err(Error::Usage(format!(
            "{shown}: no `schema_version`: not a piaudit JSON report"
        )));
    };
    if !compatible(&v) {
        return Err(Error::Usage(format!(
            "{shown}: schema_version {v} is not supported (this piaudit reads 1.0 to {}); \
             re-run the scan with this version",
            model::SCHEMA_VERSION
        )));
    }
    let report: Report = serde_json::from_str(text)
        .map_err(|e| Error::Usage(format!("{}: not a valid piaudit report: {e}", at(&e))))?;
    Ok(Input {
        path: shown.to_string(),
        report,
    })
}

/// A 1.x report (2.0 only added keys that default: `confidence`,
/// `evidence`, `fields`, `locations`), or our major version with a minor
/// version no newer than ours (minor versions only add optional keys).
fn compatible(v: &str) -> bool {
    let split = |s: &str| -> Option<(u32, u32)> {
        let (a, b) = s.split_once('.')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    match (split(v), split(model::SCHEMA_VERSION)) {
        (Some((1, minor)), Some((2, _))) => minor <= 3,
        (Some((major, minor)), Some((our_major, our_minor))) => {
            major == our_major && minor <= our_minor
        }
        _ => false,
    }
}

/// Reads the reports at `paths` and merges them. The reports are read one
/// at a time and only what the merged audit needs is kept of each (its
/// datasets, flows, endpoints, controls and scan facts, and of each finding
/// its rule, subjects and status): 2,000 per-repository reports merge in
/// memory proportional to the merged audit, not to the sum of the files.
pub fn merge_files(paths: &[PathBuf], options: &MergeOptions) -> Result<Audit, Error> {
    let mut loaded = Vec::with_capacity(paths.len());
    let mut digests = Vec::new();
    for p in paths {
        let (input, digest) = load_with_digest(p, options.evidence)?;
        loaded.push(Loaded::new(input, Again::File(p.clone())));
        digests.extend(digest);
    }
    let mut audit = merge_loaded(loaded, options)?;
    digests.sort();
    digests.dedup();
    audit.read.files = digests;
    Ok(audit)
}

/// How to get a report's full text again, to order reports of the same
/// label by content (rare: labels come from the scan roots).
enum Again {
    /// Re-read the file.
    File(PathBuf),
    /// The serialised report, kept (in-memory merges).
    Text(String),
}

/// What a merge keeps of one report before labelling.
struct Loaded {
    /// The label before disambiguation ([`base_label`]).
    base: String,
    again: Again,
    /// The report without its findings, paths and summary.
    report: Report,
    /// Its findings' statuses ([`carry_statuses`]).
    priors: Vec<Prior>,
}

/// A source report's finding, as far as [`carry_statuses`] reads it.
struct Prior {
    rule: String,
    subjects: Vec<String>,
    status: FindingStatus,
    waiver: Option<FindingWaiver>,
}

impl Loaded {
    fn new(input: Input, again: Again) -> Loaded {
        let base = base_label(&input);
        let mut report = input.report;
        let priors = std::mem::take(&mut report.findings)
            .into_iter()
            .map(|f| Prior {
                rule: f.rule,
                subjects: f.subjects,
                status: f.status,
                waiver: f.waiver,
            })
            .collect();
        report.paths = Vec::new();
        report.summary = Default::default();
        report.self_check = None;
        Loaded {
            base,
            again,
            report,
            priors,
        }
    }

    /// The full report as `serde_json` writes it: the order of reports
    /// that share a label.
    fn content(&self) -> Result<String, Error> {
        match &self.again {
            Again::Text(t) => Ok(t.clone()),
            Again::File(p) => {
                let input = load(p)?;
                Ok(serde_json::to_string(&input.report).unwrap_or_default())
            }
        }
    }
}

/// Orders loaded reports by label, then (within a label) by content, and
/// drops a report given twice (same label and content).
fn order(mut loaded: Vec<Loaded>) -> Result<Vec<Loaded>, Error> {
    loaded.sort_by(|a, b| a.base.cmp(&b.base));
    let mut out = Vec::with_capacity(loaded.len());
    let mut rest = loaded.into_iter().peekable();
    while let Some(first) = rest.next() {
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|n| n.base == group[0].base) {
            group.push(next);
        }
        if group.len() == 1 {
            out.extend(group);
            continue;
        }
        let mut keyed = group
            .into_iter()
            .map(|l| Ok((l.content()?, l)))
            .collect::<Result<Vec<(String, Loaded)>, Error>>()?;
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.dedup_by(|a, b| a.0 == b.0);
        out.extend(keyed.into_iter().map(|(_, l)| l));
    }
    Ok(out)
}

/// A report with its label, ids and paths already prefixed.
struct Part {
    label: String,
    report: Report,
    priors: Vec<Prior>,
}

impl Part {
    /// `loaded` under `label`, its ids and paths prefixed with it.
    fn new(loaded: Loaded, label: String) -> Part {
        let mut priors = loaded.priors;
        Part {
            report: prefixed(loaded.report, &label, &mut priors),
            priors,
            label,
        }
    }
}

/// Merges reports into one audit. The result does not depend on the order
/// of `inputs`: they are sorted by label and content first.
pub fn merge(inputs: Vec<Input>, options: &MergeOptions) -> Result<Audit, Error> {
    let loaded = inputs
        .into_iter()
        .map(|i| {
            let content = serde_json::to_string(&i.report).unwrap_or_default();
            Loaded::new(i, Again::Text(content))
        })
        .collect();
    merge_loaded(loaded, options)
}

fn merge_loaded(loaded: Vec<Loaded>, options: &MergeOptions) -> Result<Audit, Error> {
    if loaded.is_empty() {
        return Err(Error::Usage("merge: give at least one report.json".into()));
    }
    let mut parts = Vec::new();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for l in order(loaded)? {
        let n = used.entry(l.base.clone()).or_default();
        *n += 1;
        let label = if *n == 1 {
            l.base.clone()
        } else {
            format!("{}~{n}", l.base)
        };
        parts.push(Part::new(l, label));
    }

    let profile = options.profile.clone().or_else(|| {
        let all: BTreeSet<&str> = parts
            .iter()
            .map(|p| p.report.tool.profile.as_str())
            .collect();
        (all.len() == 1).then(|| all.into_iter().next().unwrap_or_default().to_string())
    });
    let config = Config {
        roots: Vec::new(),
        declarations: options.declarations.clone(),
        pack: options.pack.clone(),
        profile,
        lang: options.lang.clone(),
        rules_dir: options.rules_dir.clone(),
        deterministic: true,
        today: options.today.clone(),
        max_memory: options.max_memory,
        ..Config::default()
    };
    let mut knowledge = Knowledge::for_config(&config)?;
    let decl = match &options.declarations {
        Some(p) => {
            let shown = p.display().to_string().replace('\\', "/");
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Usage(format!("cannot read --config {shown}: {e}")))?;
            let d = Declarations::parse(&shown, &text)?;
            knowledge.extend_with(&d, &shown)?;
            d.check_categories(&shown, |id| knowledge.taxonomy.category(id).is_some())?;
            Some(d)
        }
        None => None,
    };

    let mut scan = ScanInfo::default();
    let mut diagnostics = Vec::new();
    for p in &mut parts {
        let t = &p.report.tool;
        let s = &mut p.report.scan;
        let note = Diagnostic {
            file: p.label.clone(),
            line: 1,
            severity: DiagnosticLevel::Info,
            message: format!(
                "merged report of {} (piaudit {}, pack {}, profile {}, schema {}); its paths are prefixed with `{}/`",
                if s.roots.is_empty() {
                    "?".to_string()
                } else {
                    s.roots.join(", ")
                },
                t.version,
                t.pack,
                t.profile,
                p.report.schema_version,
                p.label
            ),
        };
        scan.roots.append(&mut s.roots);
        scan.files_scanned += s.files_scanned;
        scan.files_skipped.append(&mut s.files_skipped);
        diagnostics.append(&mut s.diagnostics);
        scan.coverage.add(s.coverage);
        scan.files.append(&mut s.files);
        diagnostics.push(note);
    }
    scan.roots.sort();
    scan.roots.dedup();
    scan.files_skipped.sort();
    scan.files.sort_by(|a, b| a.file.cmp(&b.file));

    let (datasets, ids, unify_notes) = unify(&mut parts);
    diagnostics.extend(unify_notes);
    let mut datasets = datasets;
    let remap = |id: &str| ids.get(id).cloned().unwrap_or_else(|| id.to_string());

    let mut flows = BTreeSet::new();
    let mut endpoints = Vec::new();
    let mut controls = Vec::new();
    for p in &mut parts {
        for f in std::mem::take(&mut p.report.flows) {
            let (from, to) = (remap(&f.from), remap(&f.to));
            if from != to {
                flows.insert(model::Flow {
                    from,
                    to,
                    transform: f.transform,
                    location: f.location,
                    level: f.level,
                });
            }
        }
        endpoints.append(&mut p.report.endpoints);
        for mut c in std::mem::take(&mut p.report.controls) {
            c.subject = c.subject.as_deref().map(remap);
            controls.push(c);
        }
    }
    let mut flows: Vec<model::Flow> = flows.into_iter().collect();
    flows.sort_by(|a, b| a.report_order().cmp(&b.report_order()));
    // The same endpoint configured in two repositories is one external system.
    endpoints.sort_by(|a, b| (&a.id, &a.location).cmp(&(&b.id, &b.location)));
    endpoints.dedup_by(|a, b| a.id == b.id);
    controls.sort_by(|a, b| {
        (&a.location, &a.kind, &a.subject).cmp(&(&b.location, &b.kind, &b.subject))
    });
    controls.dedup();

    // Sensitivity is a property of the profile: re-derive it when a report
    // was written under another one (categories unknown here keep theirs).
    let profiles: HashMap<&str, &str> = parts
        .iter()
        .map(|p| (p.label.as_str(), p.report.tool.profile.as_str()))
        .collect();
    for d in &mut datasets {
        let own = profiles.get(label_of(&d.id)).copied();
        for f in &mut d.fields {
            if let Some(tag) = &mut f.pi {
                if own != Some(knowledge.profile.as_str())
                    && knowledge.taxonomy.category(&tag.category).is_some()
                {
                    tag.sensitive = knowledge
                        .taxonomy
                        .is_sensitive(&tag.category, &knowledge.profile);
                }
            }
        }
    }
    classify_and_propagate(&mut datasets, &flows, decl.as_ref(), &knowledge);
    datasets.sort_by(|a, b| {
        (&a.location.file, a.location.line, &a.id).cmp(&(&b.location.file, b.location.line, &b.id))
    });
    scan.diagnostics = diagnostics;

    let mut audit = evaluate_audit(
        &knowledge,
        Classified {
            datasets,
            flows,
            endpoints,
            controls,
        },
        decl.as_ref(),
        &config,
        scan,
        // Members waived in the merged reports are taken out of their groups.
        true,
    );
    if let Some(p) = &options.declarations {
        let shown = p.display().to_string().replace('\\', "/");
        for f in &mut audit.report.findings {
            if f.location.file == crate::rules::eval::DECLARATIONS_FILE {
                f.location.file.clone_from(&shown);
            }
        }
    }
    carry_statuses(&mut audit, &parts, &ids);
    Ok(audit)
}

/// The label a report's paths are prefixed with: the last part of its scan
/// roots, else the report file's name (or its directory's, for the default
/// `report.json`). `#` and `/` are replaced, as ids use them.
fn base_label(input: &Input) -> String {
    let last = |s: &str| -> Option<String> {
        s.replace('\\', "/")
            .split('/')
            .rfind(|c| !c.is_empty() && *c != "." && *c != "..")
            .map(str::to_string)
    };
    let from_roots: Vec<String> = input
        .report
        .scan
        .roots
        .iter()
        .filter_map(|r| last(r))
        .collect();
    let label = if !from_roots.is_empty() {
        from_roots.join("+")
    } else {
        let path = Path::new(&input.path);
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| s != "report");
        stem.or_else(|| {
            path.parent()
                .and_then(|p| p.file_name())
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "report".into())
    };
    label.replace(['#', '/', ' '], "_")
}

/// The label an id or path was prefixed with (everything before the first `/`).
fn label_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(l, _)| l)
}

/// Whether an id or path is global rather than relative to a scan root:
/// endpoints (`endpoint:…`) and live-database sources (`db:…`) name the
/// same thing in every report.
fn is_global(s: &str) -> bool {
    s.is_empty() || s.starts_with("endpoint:") || s.starts_with(crate::db::SOURCE_PREFIX)
}

fn prefix(label: &str, s: &str) -> String {
    if is_global(s) {
        s.to_string()
    } else {
        format!("{label}/{s}")
    }
}

/// Prefixes every path and id of a report with its label.
fn prefixed(mut r: Report, label: &str, priors: &mut [Prior]) -> Report {
    let loc = |l: &mut model::Location| l.file = prefix(label, &l.file);
    let mut known: BTreeSet<String> = BTreeSet::new();
    for d in &mut r.datasets {
        known.insert(d.id.clone());
        d.id = prefix(label, &d.id);
        loc(&mut d.location);
        for l in &mut d.locations {
            loc(l);
        }
        for f in &mut d.fields {
            known.insert(f.id.clone());
            f.id = prefix(label, &f.id);
            loc(&mut f.location);
        }
    }
    for f in &mut r.flows {
        f.from = prefix(label, &f.from);
        f.to = prefix(label, &f.to);
        loc(&mut f.location);
    }
    for e in &mut r.endpoints {
        loc(&mut e.location);
    }
    for c in &mut r.controls {
        // Subjects not among the datasets are names as written: left as is.
        if let Some(s) = &mut c.subject {
            if known.contains(s.as_str()) {
                *s = prefix(label, s);
            }
        }
        loc(&mut c.location);
    }
    for f in &mut r.findings {
        for s in &mut f.subjects {
            if known.contains(s.as_str()) {
                *s = prefix(label, s);
            }
        }
        for id in &mut f.fields {
            if known.contains(id.as_str()) {
                *id = prefix(label, id);
            }
        }
        loc(&mut f.location);
        for l in &mut f.locations {
            loc(l);
        }
    }
    for f in priors {
        for s in &mut f.subjects {
            if known.contains(s.as_str()) {
                *s = prefix(label, s);
            }
        }
    }
    let s = &mut r.scan;
    for x in &mut s.files_skipped {
        x.file = prefix(label, &x.file);
    }
    for x in &mut s.diagnostics {
        x.file = prefix(label, &x.file);
    }
    for x in &mut s.files {
        x.file = prefix(label, &x.file);
    }
    r.paths.clear();
    r
}

/// A dataset with what the scan says about it: declared (typed columns, a
/// view or an entity) or only referenced by a job or query.
fn is_definition(d: &Dataset) -> bool {
    matches!(d.kind, DatasetKind::View | DatasetKind::Entity)
        || d.fields.iter().any(|f| f.data_type.is_some())
}

/// A tag that only came from lineage: dropped before propagating again over
/// the merged graph (which re-derives it, and the cross-repository ones).
fn lineage_only(f: &Field) -> bool {
    f.pi.as_ref()
        .is_some_and(|t| !t.evidence.is_empty() && t.evidence.iter().all(|e| e.kind == "lineage"))
}

type Unified = (Vec<Dataset>, HashMap<String, String>, Vec<Diagnostic>);

/// Joins same-named datasets of different reports. Per report only the
/// first dataset of a name takes part (the one the scan itself resolved
/// the name to). Identical definitions (same column names) and references
/// join into one dataset; when reports define a name differently, each
/// definition stays apart and references join the first one.
/// Returns the datasets, old id → new id for merged datasets and fields,
/// and a note per name defined differently.
fn unify(parts: &mut [Part]) -> Unified {
    let mut datasets: Vec<Dataset> = Vec::new();
    let mut first_of: Vec<(usize, String, usize)> = Vec::new(); // (part, name, index)
    for (pi, p) in parts.iter_mut().enumerate() {
        let mut seen = BTreeSet::new();
        for mut d in std::mem::take(&mut p.report.datasets) {
            for f in &mut d.fields {
                if lineage_only(f) {
                    f.pi = None;
                }
            }
            let name = d.name.to_lowercase();
            if seen.insert(name.clone()) {
                first_of.push((pi, name, datasets.len()));
            }
            datasets.push(d);
        }
    }
    let mut groups: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (pi, name, idx) in first_of {
        groups.entry(name).or_default().push((pi, idx));
    }
    let mut ids = HashMap::new();
    let mut notes = Vec::new();
    let mut gone = vec![false; datasets.len()];
    for (name, members) in groups {
        if members.len() < 2 {
            continue;
        }
        // Definitions grouped by their column names, in report order.
        let mut variants: Vec<(BTreeSet<String>, Vec<usize>)> = Vec::new();
        let mut refs = Vec::new();
        for &(_, idx) in &members {
            let d = &datasets[idx];
            if is_definition(d) {
                let cols: BTreeSet<String> =
                    d.fields.iter().map(|f| f.name.to_lowercase()).collect();
                match variants.iter_mut().find(|(c, _)| *c == cols) {
                    Some((_, v)) => v.push(idx),
                    None => variants.push((cols, vec![idx])),
                }
            } else {
                refs.push(idx);
            }
        }
        if variants.len() > 1 {
            let places: Vec<String> = variants
                .iter()
                .map(|(_, v)| datasets[v[0]].location.to_string())
                .collect();
            notes.push(Diagnostic {
                file: datasets[variants[0].1[0]].location.file.clone(),
                line: datasets[variants[0].1[0]].location.line,
                severity: DiagnosticLevel::Info,
                message: format!(
                    "table `{name}` is defined with different columns in {}; the definitions are kept apart and references from other reports join the first",
                    places.join(", ")
                ),
            });
        }
        let mut joins: Vec<(usize, Vec<usize>)> = variants
            .iter()
            .map(|(_, v)| (v[0], v[1..].to_vec()))
            .collect();
        match joins.first_mut() {
            Some((_, rest)) => rest.extend(refs),
            None => joins.push((refs[0], refs[1..].to_vec())),
        }
        for (canon, others) in joins {
            for other in others {
                join(&mut datasets, canon, other, &mut ids);
                gone[other] = true;
            }
        }
    }
    let kept = datasets
        .into_iter()
        .zip(gone)
        .filter_map(|(d, g)| (!g).then_some(d))
        .collect();
    (kept, ids, notes)
}

/// Moves dataset `other` into `canon`: same-named fields become one (the
/// canonical keeps its own tag, type and comment, and gains what it lacks),
/// other fields are added under the canonical id.
fn join(datasets: &mut [Dataset], canon: usize, other: usize, ids: &mut HashMap<String, String>) {
    let moved = std::mem::replace(
        &mut datasets[other],
        Dataset {
            id: String::new(),
            kind: DatasetKind::Table,
            name: String::new(),
            system: None,
            comment: None,
            location: model::Location::line("", 1),
            locations: Vec::new(),
            fields: Vec::new(),
        },
    );
    let c = &mut datasets[canon];
    ids.insert(moved.id.clone(), c.id.clone());
    if c.comment.is_none() {
        c.comment = moved.comment;
    }
    if c.system.is_none() {
        c.system = moved.system;
    }
    for f in moved.fields {
        match c
            .fields
            .iter_mut()
            .find(|x| x.name.eq_ignore_ascii_case(&f.name))
        {
            Some(x) => {
                ids.insert(f.id.clone(), x.id.clone());
                if x.pi.is_none() {
                    x.pi = f.pi;
                }
                if x.data_type.is_none() {
                    x.data_type = f.data_type;
                }
                if x.comment.is_none() {
                    x.comment = f.comment;
                }
                for p in f.protection {
                    if !x.protection.contains(&p) {
                        x.protection.push(p);
                    }
                }
                x.protection.sort();
            }
            None => {
                let id = format!("{}.{}", c.id, f.name);
                ids.insert(f.id.clone(), id.clone());
                c.fields.push(Field { id, ..f });
            }
        }
    }
}

/// A waived or baselined finding of a source report stays so in the merged
/// audit when every source report that has the same finding (rule and
/// subjects, after merging) gives it the same status; a waived one keeps
/// the first source's waiver (reason, approver, expiry or comment) and its
/// note in the message.
fn carry_statuses(audit: &mut Audit, parts: &[Part], ids: &HashMap<String, String>) {
    type Statuses<'a> = BTreeMap<FindingStatus, Option<&'a FindingWaiver>>;
    let mut statuses: HashMap<(String, Vec<String>), Statuses> = HashMap::new();
    for p in parts {
        for f in &p.priors {
            let mut subjects: Vec<String> = f
                .subjects
                .iter()
                .map(|s| ids.get(s).cloned().unwrap_or_else(|| s.clone()))
                .collect();
            subjects.sort();
            statuses
                .entry((f.rule.clone(), subjects))
                .or_default()
                .entry(f.status)
                .or_insert(f.waiver.as_ref());
        }
    }
    let report = &mut audit.report;
    for f in &mut report.findings {
        let mut subjects = f.subjects.clone();
        subjects.sort();
        // A grouped finding whose parts were reported per member (a 1.x
        // report: one finding per column or column pair): a member waived
        // there is taken out of the group here.
        if let Some(group) = audit.groups.get_mut(&f.fingerprint) {
            if f.status == FindingStatus::Open
                && !statuses.contains_key(&(f.rule.clone(), subjects.clone()))
            {
                let mut changed = false;
                for m in &mut group.members {
                    let mut ms = m.finding.subjects.clone();
                    ms.sort();
                    let Some(set) = statuses.get(&(m.finding.rule.clone(), ms)) else {
                        continue;
                    };
                    if let (1, Some((FindingStatus::Waived, Some(w)))) =
                        (set.len(), set.iter().next())
                    {
                        if m.finding.status == FindingStatus::Open {
                            crate::rules::eval::waive(&mut m.finding, &mut m.message, (*w).clone());
                            changed = true;
                        }
                    }
                }
                if changed {
                    if let Some((g, message)) = crate::rules::group::finish(group, &audit.lang) {
                        audit.messages.insert(g.fingerprint.clone(), message);
                        *f = g;
                    }
                }
                continue;
            }
        }
        let Some(set) = statuses.get(&(f.rule.clone(), subjects)) else {
            continue;
        };
        if f.status != FindingStatus::Open || set.len() != 1 {
            continue;
        }
        match set.iter().next() {
            Some((FindingStatus::Waived, Some(w))) => {
                crate::rules::eval::waive_in(&mut audit.messages, &audit.lang, f, (*w).clone());
            }
            Some((&s, _)) if s != FindingStatus::Open => f.status = s,
            _ => {}
        }
    }
    report.recount_open_findings();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts of the given (file name, report JSON), labelled as `merge` labels them.
    fn parts_of(reports: &[(&str, String)]) -> Vec<Part> {
        reports
            .iter()
            .map(|(p, t)| {
                let i = parse(p, t).unwrap();
                let label = base_label(&i);
                Part::new(Loaded::new(i, Again::Text(String::new())), label)
            })
            .collect()
    }

    fn report_json(roots: &[&str], datasets: &str, flows: &str) -> String {
        format!(
            r#"{{"schema_version":"1.1","tool":{{"name":"piaudit","version":"0","pack":"cn-2026","profile":"gbt45574"}},
"scan":{{"roots":{roots:?},"files_scanned":1,"files_skipped":[],"diagnostics":[],"coverage":{{"statements_total":1,"statements_parsed":1}}}},
"datasets":[{datasets}],"endpoints":[],"flows":[{flows}],"controls":[],"findings":[],
"summary":{{"pi_fields":0,"sensitive_fields":0,"findings_by_severity":{{}}}}}}"#
        )
    }

    fn field(ds: &str, name: &str, ty: Option<&str>) -> String {
        let ty = ty.map_or(String::new(), |t| format!(r#","type":"{t}""#));
        format!(
            r#"{{"id":"{ds}.{name}","name":"{name}"{ty},"location":{{"file":"x","line":1}},"pi":null}}"#
        )
    }

    fn dataset(file: &str, name: &str, fields: &[(&str, Option<&str>)]) -> String {
        let id = format!("{file}#{name}");
        let fs: Vec<String> = fields.iter().map(|(n, t)| field(&id, n, *t)).collect();
        format!(
            r#"{{"id":"{id}","kind":"table","name":"{name}","location":{{"file":"{file}","line":1}},"fields":[{}]}}"#,
            fs.join(",")
        )
    }

    #[test]
    fn versions_and_syntax_errors_name_the_file() {
        let bad = parse("a.json", "{\n  \"schema_version\": \"1.1\",\n  oops").unwrap_err();
        assert_eq!(bad.exit_code(), 2);
        assert!(bad.to_string().starts_with("a.json:3:"), "{bad}");
        let newer = parse("b.json", r#"{"schema_version":"3.0"}"#).unwrap_err();
        assert!(
            newer.to_string().contains("b.json") && newer.to_string().contains("3.0"),
            "{newer}"
        );
        assert!(compatible("1.0") && compatible("1.1") && compatible("1.2") && compatible("1.3"));
        assert!(compatible("2.0") && !compatible("2.9") && !compatible("3.0"));
        assert!(!compatible("1.9") && !compatible("0.1") && !compatible("x"));
        let shape = parse("c.json", r#"{"schema_version":"1.1","tool":3}"#).unwrap_err();
        assert!(shape.to_string().starts_with("c.json:1:"), "{shape}");
    }

    #[test]
    fn a_reference_joins_the_definition_of_another_report() {
        let a = report_json(
            &["repos/a"],
            &dataset(
                "s.sql",
                "dw.u",
                &[("id", Some("int")), ("x", Some("varchar(18)"))],
            ),
            "",
        );
        let b = report_json(
            &["b"],
            &format!(
                "{},{}",
                dataset("s.sql", "DW.U", &[("x", None)]),
                dataset("s.sql", "rpt", &[("x", None)])
            ),
            r#"{"from":"s.sql#DW.U.x","to":"s.sql#rpt.x","transform":"copy","location":{"file":"s.sql","line":3}}"#,
        );
        let mut parts = parts_of(&[("a.json", a), ("b.json", b)]);
        assert_eq!(parts[0].label, "a");
        let (datasets, ids, notes) = unify(&mut parts);
        assert!(notes.is_empty());
        let names: Vec<&str> = datasets.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(names, ["a/s.sql#dw.u", "b/s.sql#rpt"]);
        assert_eq!(ids["b/s.sql#DW.U.x"], "a/s.sql#dw.u.x");
        assert_eq!(ids["b/s.sql#DW.U"], "a/s.sql#dw.u");
    }

    #[test]
    fn different_definitions_stay_apart() {
        let a = report_json(&["a"], &dataset("s.sql", "t", &[("x", Some("int"))]), "");
        let b = report_json(&["b"], &dataset("s.sql", "t", &[("y", Some("int"))]), "");
        let mut parts = parts_of(&[("a.json", a), ("b.json", b)]);
        let (datasets, ids, notes) = unify(&mut parts);
        assert_eq!(datasets.len(), 2);
        assert!(ids.is_empty());
        assert_eq!(notes.len(), 1);
        assert!(notes[0].message.contains("different columns"));
    }
}
