//! Facts: assemble what each file's extractor found into the IR — one
//! [`Dataset`] per table, `COMMENT ON` applied, table names resolved across
//! files, `*` expanded with known schemas, and [`Flow`]s between field ids.

use crate::extract::{CommentTarget, FileFacts, OutColumn, OutItem, TableDef, WriteLineage};
use crate::model::{
    Control, Dataset, DatasetKind, Diagnostic, DiagnosticLevel, Endpoint, Field, Flow, FlowLevel,
    Location, Protection, Transform,
};
use std::collections::{BTreeSet, HashMap};

mod live;

/// The assembled IR of all files.
#[derive(Debug, Default)]
pub struct Assembled {
    /// Datasets, sorted by file, line, id.
    pub datasets: Vec<Dataset>,
    /// Flows between field ids, sorted by file, line, from, to.
    pub flows: Vec<Flow>,
    /// Problems met while assembling (e.g. `*` over an unknown table).
    pub diagnostics: Vec<Diagnostic>,
    /// Sampled literal values by field id (seed data); never reported raw.
    pub samples: HashMap<String, Vec<String>>,
    /// Endpoints, one per id (first configured wins), sorted by id.
    pub endpoints: Vec<Endpoint>,
    /// Controls, sorted by file, line, kind; protection rules appear here
    /// with the protected field's id as subject.
    pub controls: Vec<Control>,
    /// Live database table id → id of the code dataset it was merged into.
    pub aliases: HashMap<String, String>,
}

/// Comment words that document a protected (encrypted or masked) column.
const ENCRYPTED_WORDS: &[&str] = &["加密", "密文", "已加密", "encrypted", "ciphertext"];
const MASKED_WORDS: &[&str] = &["脱敏", "掩码", "masked"];
const HASHED_WORDS: &[&str] = &["哈希", "散列", "bcrypt", "argon2", "scrypt", "pbkdf2"];

use crate::extract::sql::values::PER_FIELD;

/// Builds the IR from per-file facts (files in path order). Each file's
/// sampled values are moved out into [`Assembled::samples`], not copied:
/// on a dump they are most of the facts.
pub fn assemble(files: &mut [FileFacts]) -> Assembled {
    let samples: Vec<_> = files
        .iter_mut()
        .map(|f| std::mem::take(&mut f.samples))
        .collect();
    crate::extract::java::inherit(files);
    let files: &[FileFacts] = files;
    let mut b = Builder::default();
    // CDC connector tables wait until the table they read is known.
    let cdc: BTreeSet<(&str, String)> = files
        .iter()
        .flat_map(|f| {
            f.cdc_sources
                .iter()
                .map(|c| (f.file.as_str(), c.table.to_lowercase()))
        })
        .collect();
    // Code first, so a live database table merges into the table the code
    // declares; entity classes after the DDL (and its ALTERs), so they merge
    // into its tables. Test resources (`src/test/…/create_tables.sql`) after
    // the main sources, so a table both define is located where it lives.
    let code_files = files
        .iter()
        .filter(|f| !live::is_live(&f.file))
        .filter(|f| !crate::extract::is_test_source(&f.file))
        .chain(
            files
                .iter()
                .filter(|f| !live::is_live(&f.file))
                .filter(|f| crate::extract::is_test_source(&f.file)),
        );
    for f in code_files {
        for t in f.tables.iter().filter(|t| !is_entity(&f.file, t)) {
            if !cdc.contains(&(f.file.as_str(), t.name.to_lowercase())) {
                b.define(&f.file, t, f.dialect.map(|d| d.name().to_string()));
            }
        }
    }
    for f in files.iter().filter(|f| !live::is_live(&f.file)) {
        for c in &f.cdc_sources {
            if !b.alias_cdc(&f.file, c) {
                let own = f
                    .tables
                    .iter()
                    .filter(|t| t.name.eq_ignore_ascii_case(&c.table));
                for t in own {
                    b.define(&f.file, t, f.dialect.map(|d| d.name().to_string()));
                }
            }
        }
    }
    // Column changes, in file order (migrations are named to sort in order).
    for f in files.iter().filter(|f| !live::is_live(&f.file)) {
        for a in &f.alters {
            b.apply_alter(&f.file, a);
        }
    }
    for f in files {
        for t in f.tables.iter().filter(|t| is_entity(&f.file, t)) {
            b.define_entity(&f.file, t);
        }
    }
    for f in files {
        for c in &f.comments {
            b.apply_comment(&f.file, c);
        }
    }
    // After the code's `COMMENT ON`, so comment drift compares final comments.
    for f in files.iter().filter(|f| live::is_live(&f.file)) {
        for t in &f.tables {
            b.define_live(&f.file, t, f.dialect.map(|d| d.name().to_string()));
        }
    }
    for f in files {
        for w in &f.writes {
            b.write(&f.file, w, f.dialect.map(|d| d.name().to_string()));
        }
    }
    for (f, samples) in files.iter().zip(samples) {
        for s in samples {
            b.sample(&f.file, s);
        }
    }
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut controls: Vec<Control> = Vec::new();
    for f in files {
        endpoints.extend(f.endpoints.iter().cloned());
        controls.extend(f.controls.iter().cloned());
    }
    endpoints.sort_by(|a, b| (&a.id, &a.location).cmp(&(&b.id, &b.location)));
    // One endpoint per id; what the service receives is known from any of
    // its places (a configured host of a storage service, not its library).
    endpoints.dedup_by(|later, kept| {
        if later.id != kept.id {
            return false;
        }
        if kept.receives.is_empty() {
            kept.receives = std::mem::take(&mut later.receives);
        }
        true
    });
    for f in files {
        for p in &f.protections {
            if let Some(c) = b.protect(&f.file, p) {
                controls.push(c);
            }
        }
        for ef in &f.endpoint_flows {
            // Sorted by id just above: a search, not a scan per flow.
            if endpoints
                .binary_search_by(|e| e.id.as_str().cmp(ef.endpoint.as_str()))
                .is_ok()
            {
                b.flow_to_endpoint(&f.file, ef);
            }
        }
    }
    stored_hash_controls(&mut b, &mut controls);
    controls.sort_by(|a, b| {
        (&a.location, &a.kind, &a.subject).cmp(&(&b.location, &b.kind, &b.subject))
    });
    controls.dedup();
    same_secret_once(files, &mut controls);
    b.copy_diagnostics();
    let mut datasets = b.datasets;
    for d in &mut datasets {
        // Comments are copied into every report: example values in them
        // ("身份证号 如 110105…") must leave masked, like sampled values.
        redact_comment(&mut d.comment);
        for field in &mut d.fields {
            redact_comment(&mut field.comment);
            if let Some(p) = field.comment.as_deref().and_then(protection_from_comment) {
                if !field.protection.contains(&p) {
                    field.protection.push(p);
                }
            }
        }
    }
    datasets.sort_by(|a, b| {
        (&a.location.file, a.location.line, &a.id).cmp(&(&b.location.file, b.location.line, &b.id))
    });
    let mut flows: Vec<Flow> = b.flows.into_iter().collect();
    flows.sort_by(|a, b| a.report_order().cmp(&b.report_order()));
    Assembled {
        datasets,
        flows,
        diagnostics: b.diagnostics,
        samples: b.samples,
        endpoints,
        controls,
        aliases: b.aliases,
    }
}

/// Seed values shaped as a hash or an encrypted value: a `stored_hash`
/// control per field and algorithm (the algorithm, never the value), and
/// the field marked hashed (slow password hashes) or encrypted (`ENC(…)`).
/// Fast digests and `{noop}` mark nothing: rules judge them weak.
/// The same secret committed in several config files is one `plain_secret`
/// control, the first in path order, listing the others as its copies: one
/// finding per config key path (`spring.datasource.password`), whatever
/// the Spring profile, module copy or value — the fix (move the key out of
/// committed config, rotate what was committed) is the same for every
/// file — and one per value (one password under two keys, a console's and
/// a docs page's, is one secret to rotate). A name that is no key path (a
/// Java constant `secretKey`) is too generic to join different classes'
/// secrets: those join only on the same value. `controls` is sorted by
/// location.
fn same_secret_once(files: &[FileFacts], controls: &mut Vec<Control>) {
    let mut digest: HashMap<(&str, u32), &str> = HashMap::new();
    for f in files {
        for (line, d) in &f.secret_digests {
            digest.insert((f.file.as_str(), *line), d.as_str());
        }
    }
    if digest.is_empty() {
        return;
    }
    // Union-find over the secrets: joined by key path and by value.
    let mut parent: Vec<usize> = (0..controls.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut by_value: HashMap<&str, usize> = HashMap::new();
    for (i, c) in controls.iter().enumerate() {
        if c.kind != "plain_secret" {
            continue;
        }
        let Some(d) = digest.get(&(c.location.file.as_str(), c.location.line)) else {
            continue;
        };
        let subject = c.subject.clone().unwrap_or_default();
        let join = |j: usize, parent: &mut Vec<usize>| {
            let (a, b) = (root(parent, i), root(parent, j));
            // The earlier control (path order) stays the finding.
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            parent[hi] = lo;
        };
        if subject.contains('.') {
            match by_key.get(&subject) {
                Some(&j) => join(j, &mut parent),
                None => {
                    by_key.insert(subject, i);
                }
            }
        }
        match by_value.get(d) {
            Some(&j) => join(j, &mut parent),
            None => {
                by_value.insert(d, i);
            }
        }
    }
    let mut drop: Vec<bool> = vec![false; controls.len()];
    let mut copies: Vec<(usize, crate::model::Location)> = Vec::new();
    for i in 0..controls.len() {
        let r = root(&mut parent, i);
        if r != i {
            copies.push((r, controls[i].location.clone()));
            drop[i] = true;
        }
    }
    for (j, l) in copies {
        controls[j].copies.push(l);
    }
    let mut i = 0;
    controls.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

fn stored_hash_controls(b: &mut Builder, controls: &mut Vec<Control>) {
    use crate::extract::hash_shape::{strength, Strength};
    let by_id = &b.by_id;
    for (id, shapes) in std::mem::take(&mut b.hashes) {
        let field = id
            .rsplit_once('.')
            .and_then(|(ds, _)| by_id.get(ds))
            .and_then(|&i| b.datasets[i].fields.iter_mut().find(|f| f.id == id));
        let Some(field) = field else { continue };
        for (alg, at) in shapes {
            let protection = match strength(alg) {
                Some(Strength::Slow) => Some(Protection::Hashed),
                Some(Strength::Encrypted) => Some(Protection::Encrypted),
                _ => None,
            };
            if let Some(p) = protection {
                if !field.protection.contains(&p) {
                    field.protection.push(p);
                    field.protection.sort();
                }
            }
            controls.push(Control {
                subject: Some(id.clone()),
                value: Some(alg.to_string()),
                ..Control::at("stored_hash", at)
            });
        }
    }
}

/// A table declared by an entity class (JPA, MyBatis-Plus, hsweb), not DDL.
fn is_entity(file: &str, t: &TableDef) -> bool {
    t.kind == DatasetKind::Table && file.ends_with(".java")
}

fn redact_comment(comment: &mut Option<String>) {
    if let Some(c) = comment {
        if let std::borrow::Cow::Owned(r) = crate::validators::redact(c) {
            *c = r;
        }
    }
}

/// The protection a column comment documents, if any.
pub fn protection_from_comment(comment: &str) -> Option<Protection> {
    let lower = comment.to_lowercase();
    if ENCRYPTED_WORDS.iter().any(|w| lower.contains(w))
        && !lower.contains("未加密")
        && !lower.contains("不加密")
    {
        return Some(Protection::Encrypted);
    }
    if MASKED_WORDS.iter().any(|w| lower.contains(w)) && !lower.contains("未脱敏") {
        return Some(Protection::Masked);
    }
    if HASHED_WORDS.iter().any(|w| lower.contains(w)) {
        return Some(Protection::Hashed);
    }
    None
}

#[derive(Default)]
struct Builder {
    datasets: Vec<Dataset>,
    by_id: HashMap<String, usize>,
    by_full_name: HashMap<String, Vec<usize>>,
    by_last_name: HashMap<String, Vec<usize>>,
    flows: BTreeSet<Flow>,
    diagnostics: Vec<Diagnostic>,
    samples: HashMap<String, Vec<String>>,
    aliases: HashMap<String, String>,
    /// (file, lower-case name) of a CDC connector table → the dataset of
    /// the source table it reads.
    cdc: HashMap<(String, String), usize>,
    /// Per dataset defined in several files: how the copies' columns differ.
    copies: HashMap<usize, Copies>,
    /// Field id → algorithms its seed values are shaped as (first row
    /// showing each), see [`crate::extract::hash_shape`].
    hashes: std::collections::BTreeMap<String, Vec<(&'static str, Location)>>,
}

/// How the later copies of a table differ from the dataset they merge into.
#[derive(Debug, Default)]
struct Copies {
    /// (file, column) a later copy adds.
    added: Vec<(String, String)>,
    /// (file, column) of the dataset a later copy lacks.
    missing: Vec<(String, String)>,
}

/// The field a declared column becomes in dataset `dataset_id` (a blank
/// comment is none).
fn column_field(dataset_id: &str, c: &crate::extract::ColumnDef) -> Field {
    Field {
        references: c.references.clone(),
        id: format!("{dataset_id}.{}", c.name),
        name: c.name.clone(),
        data_type: c.data_type.clone(),
        comment: c.comment.clone().filter(|c| !c.trim().is_empty()),
        location: c.location.clone(),
        pi: None,
        protection: Vec::new(),
    }
}

fn last_part(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

impl Builder {
    fn add_dataset(&mut self, ds: Dataset) -> usize {
        let idx = self.datasets.len();
        self.by_id.insert(ds.id.clone(), idx);
        let lower = ds.name.to_lowercase();
        self.by_last_name
            .entry(last_part(&lower).to_string())
            .or_default()
            .push(idx);
        self.by_full_name.entry(lower).or_default().push(idx);
        self.datasets.push(ds);
        idx
    }

    fn define(&mut self, file: &str, t: &TableDef, system: Option<String>) {
        let id = format!("{file}#{}", t.name);
        if self.by_id.contains_key(&id) {
            self.diagnostics.push(Diagnostic {
                file: file.to_string(),
                line: t.location.line,
                severity: DiagnosticLevel::Info,
                message: format!(
                    "table `{}` is defined again in this file; the first definition is used",
                    t.name
                ),
            });
            return;
        }
        // The same table in another file (a second schema copy, a
        // migration, a port to another dialect): one dataset.
        let lower = t.name.to_lowercase();
        if let Some(i) = self.by_full_name.get(&lower).and_then(|c| {
            c.iter().copied().find(|&i| {
                let d = &self.datasets[i];
                d.kind == t.kind && d.location.file != file && !live::is_live(&d.location.file)
            })
        }) {
            self.merge_copy(i, file, t);
            return;
        }
        let mut ds = Dataset {
            id: id.clone(),
            kind: t.kind,
            name: t.name.clone(),
            system,
            comment: t.comment.clone().filter(|c| !c.trim().is_empty()),
            location: t.location.clone(),
            locations: Vec::new(),
            fields: Vec::new(),
        };
        for c in &t.columns {
            if ds
                .fields
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(&c.name))
            {
                continue;
            }
            ds.fields.push(column_field(&id, c));
        }
        self.add_dataset(ds);
    }

    /// A table `file` defines again, under the name of dataset `i` defined
    /// in an earlier file: `file#name` becomes a name of dataset `i`, the
    /// file one of its `locations`, and columns it alone has are added
    /// (the union; [`Builder::copy_diagnostics`] reports the difference).
    fn merge_copy(&mut self, i: usize, file: &str, t: &TableDef) {
        self.by_id.insert(format!("{file}#{}", t.name), i);
        let ds = &mut self.datasets[i];
        if ds.locations.iter().any(|l| l.file == file) {
            return;
        }
        ds.locations.push(t.location.clone());
        if ds.comment.is_none() {
            ds.comment = t.comment.clone().filter(|c| !c.trim().is_empty());
        }
        let before: Vec<String> = ds.fields.iter().map(|f| f.name.to_lowercase()).collect();
        let copy = self.copies.entry(i).or_default();
        let mut seen: Vec<String> = Vec::new();
        for c in &t.columns {
            let lower = c.name.to_lowercase();
            seen.push(lower.clone());
            if let Some(f) = ds
                .fields
                .iter_mut()
                .find(|f| f.name.to_lowercase() == lower)
            {
                if f.comment.is_none() {
                    f.comment = c.comment.clone().filter(|c| !c.trim().is_empty());
                }
                if f.data_type.is_none() {
                    f.data_type.clone_from(&c.data_type);
                }
                if f.references.is_none() {
                    f.references.clone_from(&c.references);
                }
                continue;
            }
            copy.added.push((file.to_string(), c.name.clone()));
            ds.fields.push(column_field(&ds.id, c));
        }
        for name in before.iter().filter(|n| !seen.contains(n)) {
            copy.missing.push((file.to_string(), name.clone()));
        }
    }

    /// One info diagnostic per table defined in several files ("treated as
    /// one dataset"), and a warning when their columns differ.
    fn copy_diagnostics(&mut self) {
        let mut out = Vec::new();
        let mut copies: Vec<(&usize, &Copies)> = self.copies.iter().collect();
        copies.sort_by_key(|(i, _)| **i);
        for (&i, c) in copies {
            let d = &self.datasets[i];
            let files: Vec<&str> = std::iter::once(&d.location)
                .chain(&d.locations)
                .map(|l| l.file.as_str())
                .collect();
            out.push(Diagnostic {
                file: d.location.file.clone(),
                line: d.location.line,
                severity: DiagnosticLevel::Info,
                message: format!(
                    "table `{}` is defined in {} files ({}); treated as one dataset / 表 `{}` 在 {} 个文件中定义（{}），视为同一数据集",
                    d.name,
                    files.len(),
                    files.join(", "),
                    d.name,
                    files.len(),
                    files.join("、")
                ),
            });
            if c.added.is_empty() && c.missing.is_empty() {
                continue;
            }
            let list = |v: &[(String, String)]| {
                v.iter()
                    .map(|(f, n)| format!("{f}: {n}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let mut parts = Vec::new();
            if !c.added.is_empty() {
                parts.push(format!("only in later copies: {}", list(&c.added)));
            }
            if !c.missing.is_empty() {
                parts.push(format!("missing from later copies: {}", list(&c.missing)));
            }
            out.push(Diagnostic {
                file: d.location.file.clone(),
                line: d.location.line,
                severity: DiagnosticLevel::Warning,
                message: format!(
                    "table `{}`: the columns differ between its files ({}); {}; the union of the columns is used / 表 `{}` 各文件的列不一致，取并集",
                    d.name,
                    files.join(", "),
                    parts.join("; "),
                    d.name
                ),
            });
        }
        self.diagnostics.extend(out);
    }

    /// An entity class's table: merged into the table of the same name
    /// already declared (DDL or another entity) — its types and columns
    /// win, the entity is one of its locations, fills in the comments it
    /// lacks and adds the fields the DDL does not have (an entity often maps
    /// the live schema that an older DDL script lacks; the copy diagnostic
    /// names them) — else a dataset of its own.
    fn define_entity(&mut self, file: &str, t: &TableDef) {
        let lower = t.name.to_lowercase();
        let twin = self
            .by_full_name
            .get(&lower)
            .and_then(|c| c.first().copied())
            .or_else(|| {
                self.by_last_name.get(last_part(&lower)).and_then(|c| {
                    c.iter()
                        .copied()
                        .find(|&i| !self.datasets[i].name.contains('.'))
                })
            })
            .filter(|&i| self.datasets[i].kind == DatasetKind::Table);
        let Some(i) = twin else {
            self.define(file, t, None);
            return;
        };
        // Not an alias: that map pairs a live table with its code twin.
        self.by_id.insert(format!("{file}#{}", t.name), i);
        let ds = &mut self.datasets[i];
        if ds.comment.is_none() {
            ds.comment = t.comment.clone().filter(|c| !c.trim().is_empty());
        }
        if ds.location.file != file && !ds.locations.iter().any(|l| l.file == file) {
            ds.locations.push(t.location.clone());
        }
        // `user_name` in the DDL and `username` mapped from a field are one
        // column: compare names without case and underscores.
        let key = crate::extract::name_key;
        for c in &t.columns {
            let comment = c.comment.as_ref().filter(|c| !c.trim().is_empty());
            if let Some(f) = ds.fields.iter_mut().find(|f| key(&f.name) == key(&c.name)) {
                if f.comment.is_none() {
                    f.comment = comment.cloned();
                }
                if f.references.is_none() {
                    f.references.clone_from(&c.references);
                }
                continue;
            }
            self.copies
                .entry(i)
                .or_default()
                .added
                .push((file.to_string(), c.name.clone()));
            ds.fields.push(column_field(&ds.id, c));
        }
    }

    /// Finds the dataset a table name refers to from `file`: same file first,
    /// then the first in path order; a qualified name falls back to its last part.
    fn resolve(&self, name: &str, file: &str) -> Option<usize> {
        let lower = name.to_lowercase();
        if let Some(&i) = self.cdc.get(&(file.to_string(), lower.clone())) {
            return Some(i);
        }
        let pick = |cands: &Vec<usize>| -> Option<usize> {
            cands
                .iter()
                .copied()
                .find(|&i| self.datasets[i].location.file == file)
                .or_else(|| cands.first().copied())
        };
        if let Some(i) = self.by_full_name.get(&lower).and_then(pick) {
            return Some(i);
        }
        self.by_last_name.get(last_part(&lower)).and_then(pick)
    }

    /// The dataset a CDC source names (`db.table`): the table defined with
    /// that qualified name, else the one table defined unqualified as
    /// `table`. None when there is none or several.
    fn resolve_source(&self, source: &str) -> Option<usize> {
        let lower = source.to_lowercase();
        if let Some(&i) = self.by_full_name.get(&lower).and_then(|c| c.first()) {
            return Some(i);
        }
        match self.by_full_name.get(last_part(&lower)).map(Vec::as_slice) {
            Some(&[i]) => Some(i),
            _ => None,
        }
    }

    /// Makes CDC connector table `c` of `file` a name of the dataset of the
    /// source table it reads; false when that table is not defined.
    fn alias_cdc(&mut self, file: &str, c: &crate::extract::CdcSource) -> bool {
        let Some(i) = self.resolve_source(&c.source) else {
            self.diagnostics.push(Diagnostic {
                file: file.to_string(),
                line: c.location.line,
                severity: DiagnosticLevel::Info,
                message: format!(
                    "CDC table `{}` reads `{}`, which no scanned file defines (or several do); it stays a dataset of its own / CDC 表 `{}` 读取的 `{}` 未定义或定义不唯一，单独作为数据集",
                    c.table, c.source, c.table, c.source
                ),
            });
            return false;
        };
        self.cdc
            .insert((file.to_string(), c.table.to_lowercase()), i);
        true
    }

    /// Applies an `ALTER TABLE` column change to the table it names; a
    /// table no file defines gets no dataset from it.
    fn apply_alter(&mut self, file: &str, a: &crate::extract::AlterColumn) {
        use crate::extract::AlterOp;
        let Some(i) = self.resolve(&a.table, file) else {
            return;
        };
        let ds = &mut self.datasets[i];
        let nonblank = |c: &Option<String>| c.clone().filter(|c| !c.trim().is_empty());
        match &a.op {
            AlterOp::Add(c) => {
                if let Some(f) = ds
                    .fields
                    .iter_mut()
                    .find(|f| f.name.eq_ignore_ascii_case(&c.name))
                {
                    f.data_type.clone_from(&c.data_type);
                    if let Some(comment) = nonblank(&c.comment) {
                        f.comment = Some(comment);
                    }
                    if c.references.is_some() {
                        f.references.clone_from(&c.references);
                    }
                    return;
                }
                ds.fields.push(column_field(&ds.id, c));
            }
            AlterOp::Change {
                column,
                new_name,
                data_type,
                comment,
            } => {
                let id = ds.id.clone();
                let taken = new_name
                    .as_ref()
                    .is_some_and(|n| ds.fields.iter().any(|f| f.name.eq_ignore_ascii_case(n)));
                let Some(f) = ds
                    .fields
                    .iter_mut()
                    .find(|f| f.name.eq_ignore_ascii_case(column))
                else {
                    return;
                };
                if let Some(n) = new_name.as_ref().filter(|_| !taken) {
                    f.name.clone_from(n);
                    f.id = format!("{id}.{n}");
                }
                if data_type.is_some() {
                    f.data_type.clone_from(data_type);
                }
                // A comment left out is kept (MySQL drops it, but a
                // migration that restates a column rarely means to).
                if let Some(c) = nonblank(comment) {
                    f.comment = Some(c);
                }
            }
            AlterOp::Drop(column) => ds.fields.retain(|f| !f.name.eq_ignore_ascii_case(column)),
            AlterOp::References { column, target } => {
                if let Some(f) = ds
                    .fields
                    .iter_mut()
                    .find(|f| f.name.eq_ignore_ascii_case(column))
                {
                    f.references = Some(target.clone());
                }
            }
        }
    }

    fn apply_comment(&mut self, file: &str, c: &crate::extract::CommentOn) {
        match &c.target {
            CommentTarget::Table(t) => {
                if let Some(i) = self.resolve(t, file) {
                    let ds = &mut self.datasets[i];
                    if ds.comment.is_none() && !c.text.trim().is_empty() {
                        ds.comment = Some(c.text.clone());
                    }
                }
            }
            CommentTarget::Column { table, column } => {
                if let Some(i) = self.resolve(table, file) {
                    if let Some(f) = self.datasets[i]
                        .fields
                        .iter_mut()
                        .find(|f| f.name.eq_ignore_ascii_case(column))
                    {
                        if f.comment.is_none() && !c.text.trim().is_empty() {
                            f.comment = Some(c.text.clone());
                        }
                    }
                }
            }
        }
    }

    /// The dataset for `name`, created in `file` when no definition is known.
    fn resolve_or_create(
        &mut self,
        name: &str,
        file: &str,
        kind: DatasetKind,
        at: &Location,
        system: &Option<String>,
    ) -> usize {
        if let Some(i) = self.resolve(name, file) {
            return i;
        }
        self.create(name, file, kind, at, system)
    }

    fn create(
        &mut self,
        name: &str,
        file: &str,
        kind: DatasetKind,
        at: &Location,
        system: &Option<String>,
    ) -> usize {
        let id = format!("{file}#{name}");
        if let Some(&i) = self.by_id.get(&id) {
            return i;
        }
        self.add_dataset(Dataset {
            id,
            kind,
            name: name.to_string(),
            system: system.clone(),
            comment: None,
            location: at.clone(),
            locations: Vec::new(),
            fields: Vec::new(),
        })
    }

    /// The field `column` of dataset `ds`, created when missing.
    fn field(&mut self, ds: usize, column: &str, at: &Location) -> String {
        let d = &mut self.datasets[ds];
        if let Some(f) = d
            .fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(column))
        {
            return f.id.clone();
        }
        let id = format!("{}.{column}", d.id);
        d.fields.push(Field {
            references: None,
            id: id.clone(),
            name: column.to_string(),
            data_type: None,
            comment: None,
            location: at.clone(),
            pi: None,
            protection: Vec::new(),
        });
        id
    }

    /// Files the values of an INSERT under the fields of its (known) table.
    fn sample(&mut self, file: &str, s: crate::extract::sql::values::InsertSample) {
        let Some(ds) = self.resolve(&s.table, file) else {
            return;
        };
        let fields = &self.datasets[ds].fields;
        let found: Vec<Option<&Field>> = if s.columns.is_empty() {
            fields.iter().map(Some).collect()
        } else {
            s.columns
                .iter()
                .map(|c| fields.iter().find(|f| f.name.eq_ignore_ascii_case(c)))
                .collect()
        };
        // Bare hex digests count as hashes only in password columns.
        let hex_ok: Vec<bool> = found
            .iter()
            .map(|f| {
                f.is_some_and(|f| {
                    crate::extract::hash_shape::password_column(&f.name, f.comment.as_deref())
                })
            })
            .collect();
        let ids: Vec<Option<String>> = found.iter().map(|f| f.map(|f| f.id.clone())).collect();
        for row in s.rows {
            // Without a column list, values map by position: only trust rows
            // that have exactly the known columns.
            if s.columns.is_empty() && row.len() != ids.len() {
                continue;
            }
            for ((id, value), hex) in ids.iter().zip(row).zip(&hex_ok) {
                if let (Some(id), Some(v)) = (id, value) {
                    if let Some(alg) = crate::extract::hash_shape::shape(&v, *hex) {
                        let seen = self.hashes.entry(id.clone()).or_default();
                        if !seen.iter().any(|(a, _)| *a == alg) {
                            let line = if s.line == 0 {
                                self.datasets[ds].location.line
                            } else {
                                s.line
                            };
                            let at = if s.line == 0 {
                                self.datasets[ds].location.file.clone()
                            } else {
                                file.to_string()
                            };
                            seen.push((alg, Location::line(at, line)));
                        }
                    }
                    let slot = self.samples.entry(id.clone()).or_default();
                    if slot.len() < PER_FIELD {
                        slot.push(v);
                    }
                }
            }
        }
    }

    /// Marks the column a protection rule names; the rule becomes a control
    /// whose subject is the field id (or the name as written when the table
    /// is not among the scanned datasets).
    fn protect(&mut self, file: &str, p: &crate::extract::ProtectionRule) -> Option<Control> {
        let mut subject = match &p.table {
            Some(t) => format!("{t}.{}", p.column),
            None => p.column.clone(),
        };
        let candidates: Vec<usize> = match &p.table {
            Some(t) => self.resolve(t, file).into_iter().collect(),
            // Only the column is known (an annotated entity field): every
            // table with that column, when there is exactly one.
            None => {
                let with: Vec<usize> = (0..self.datasets.len())
                    .filter(|&i| self.has_field(i, &p.column))
                    .collect();
                if with.len() == 1 {
                    with
                } else {
                    Vec::new()
                }
            }
        };
        for ds in candidates {
            if let Some(f) = self.datasets[ds]
                .fields
                .iter_mut()
                .find(|f| f.name.eq_ignore_ascii_case(&p.column))
            {
                if !f.protection.contains(&p.protection) {
                    f.protection.push(p.protection);
                    f.protection.sort();
                }
                subject = f.id.clone();
            }
        }
        Some(Control {
            subject: Some(subject),
            ..Control::at(p.kind.clone(), p.location.clone())
        })
    }

    /// Flows from a table's columns (all known ones when none are named) to
    /// an endpoint.
    fn flow_to_endpoint(&mut self, file: &str, ef: &crate::extract::EndpointFlow) {
        let at = &ef.location;
        let ds = self.resolve_or_create(&ef.table, file, DatasetKind::Table, at, &None);
        let columns: Vec<String> = if ef.columns.is_empty() {
            self.datasets[ds]
                .fields
                .iter()
                .map(|f| f.name.clone())
                .collect()
        } else {
            ef.columns.clone()
        };
        for c in columns {
            let from = self.field(ds, &c, at);
            self.flows.insert(Flow {
                from,
                to: ef.endpoint.clone(),
                transform: ef.transform,
                location: Location::line(at.file.clone(), at.line),
                level: FlowLevel::Column,
            });
        }
    }

    fn has_field(&self, ds: usize, column: &str) -> bool {
        self.datasets[ds]
            .fields
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(column))
    }

    /// Flows of one write statement. Column pairs follow the rule in
    /// docs/lineage.md ("Pairing columns"): an explicit target column list
    /// pairs in order; an `INSERT` without one into a table of known
    /// columns pairs by position only for an explicit select list of the
    /// same length, otherwise by name; `*` of a table whose columns are
    /// unknown gives a table-level flow, never guessed column pairs.
    fn write(&mut self, file: &str, w: &WriteLineage, system: Option<String>) {
        let at = &w.location;
        let target = if w.defines_target {
            self.create(&w.target, file, w.target_kind, at, &system)
        } else {
            self.resolve_or_create(&w.target, file, DatasetKind::Table, at, &system)
        };
        // Expand `*` over base tables with their known columns.
        let mut columns: Vec<OutColumn> = Vec::new();
        // Output positions before the first `*` of unknown columns: the
        // only ones whose place is certain.
        let mut certain: Option<usize> = None;
        let mut has_star = false;
        let mut unknown_sources: Vec<usize> = Vec::new();
        for item in &w.items {
            match item {
                OutItem::Column(c) => columns.push(c.clone()),
                OutItem::Star { table } => {
                    has_star = true;
                    match self.resolve(table, file) {
                        Some(src) if !self.datasets[src].fields.is_empty() => {
                            let fields = &self.datasets[src].fields;
                            columns.extend(OutColumn::star_of(
                                table,
                                fields.iter().map(|f| f.name.as_str()),
                            ));
                        }
                        found => {
                            certain.get_or_insert(columns.len());
                            let src = found.unwrap_or_else(|| {
                                self.create(table, file, DatasetKind::Table, at, &system)
                            });
                            unknown_sources.push(src);
                            self.diagnostics.push(Diagnostic {
                                file: file.to_string(),
                                line: at.line,
                                severity: DiagnosticLevel::Info,
                                message: format!("cannot expand `*` of `{table}`: its columns are not defined in the scanned files; recorded as a table-level flow / `{table}` 的列未知，记为表级流向"),
                            });
                        }
                    }
                }
            }
        }
        for src in unknown_sources {
            if src == target {
                continue;
            }
            self.flows.insert(Flow {
                from: self.datasets[src].id.clone(),
                to: self.datasets[target].id.clone(),
                transform: Transform::Copy,
                location: Location::line(at.file.clone(), at.line),
                level: FlowLevel::Table,
            });
        }
        // Target column names: explicit list, else the target's own columns
        // (INSERT without a column list), else the query's output names.
        let existing: Vec<String> = if w.columns.is_empty() && !w.defines_target {
            self.datasets[target]
                .fields
                .iter()
                .map(|f| f.name.clone())
                .collect()
        } else {
            Vec::new()
        };
        let positional = !existing.is_empty()
            && !has_star
            && certain.is_none()
            && columns.len() == existing.len();
        for (i, col) in columns.iter().enumerate() {
            let name = if !w.columns.is_empty() {
                // Places after a `*` of unknown columns are unknown.
                if certain.is_some_and(|c| i >= c) {
                    continue;
                }
                w.columns.get(i).cloned()
            } else if positional {
                existing.get(i).cloned()
            } else if !existing.is_empty() {
                // By name: a target column of the output's name.
                col.name
                    .as_ref()
                    .and_then(|n| existing.iter().find(|e| e.eq_ignore_ascii_case(n)).cloned())
            } else {
                col.name.clone()
            };
            let Some(name) = name else { continue };
            let to = self.field(target, &name, at);
            for src in &col.sources {
                let Some(first) = src.tables.first() else {
                    continue;
                };
                let resolved: Vec<usize> = src
                    .tables
                    .iter()
                    .filter_map(|t| self.resolve(t, file))
                    .collect();
                let ds = resolved
                    .iter()
                    .copied()
                    .find(|&d| self.has_field(d, &src.column))
                    .or_else(|| resolved.first().copied())
                    .unwrap_or_else(|| self.create(first, file, DatasetKind::Table, at, &system));
                if ds == target && name.eq_ignore_ascii_case(&src.column) {
                    continue;
                }
                let from = self.field(ds, &src.column, at);
                self.flows.insert(Flow {
                    from,
                    to: to.clone(),
                    transform: col.transform,
                    location: Location::line(at.file.clone(), at.line),
                    level: FlowLevel::Column,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::sql::{extract, SqlDialect};
    use crate::model::Transform;

    fn run(files: &[(&str, &str)]) -> Assembled {
        let mut facts: Vec<FileFacts> = files
            .iter()
            .map(|(p, t)| extract(p, t, SqlDialect::Mysql))
            .collect();
        assemble(&mut facts)
    }

    /// The same table in two schema files (a docker copy, a port) is one
    /// dataset with two locations; columns differing between the copies
    /// give the union and a warning naming the files; flows written
    /// against the copy point to the merged dataset; a differently named
    /// staging table (`business_user`) stays a dataset of its own.
    #[test]
    fn table_copies_across_files_are_one_dataset() {
        let a = run(&[
            (
                "docker/init.sql",
                "CREATE TABLE user (id INT, phone VARCHAR(11), name VARCHAR(20));\n\
                 CREATE TABLE business_user (id INT, phone VARCHAR(11));",
            ),
            (
                "sql/postgres/schema.sql",
                "CREATE TABLE user (id INT, phone VARCHAR(11), email VARCHAR(50));\n\
                 CREATE TABLE ods_user (phone VARCHAR(11));\n\
                 INSERT INTO ods_user (phone) SELECT phone FROM user;",
            ),
        ]);
        let users: Vec<&Dataset> = a.datasets.iter().filter(|d| d.name == "user").collect();
        assert_eq!(users.len(), 1, "{:?}", a.datasets);
        let u = users[0];
        assert_eq!(u.id, "docker/init.sql#user");
        assert_eq!(u.location.file, "docker/init.sql");
        assert_eq!(
            u.locations
                .iter()
                .map(|l| l.file.as_str())
                .collect::<Vec<_>>(),
            ["sql/postgres/schema.sql"]
        );
        let cols: Vec<&str> = u.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(cols, ["id", "phone", "name", "email"]);
        assert!(a.datasets.iter().any(|d| d.name == "business_user"));
        let flow = a
            .flows
            .iter()
            .find(|f| f.to.ends_with("ods_user.phone"))
            .expect("flow into ods_user");
        assert_eq!(flow.from, "docker/init.sql#user.phone");
        let info: Vec<&Diagnostic> = a
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("treated as one dataset"))
            .collect();
        assert_eq!(info.len(), 1);
        assert_eq!(info[0].severity, DiagnosticLevel::Info);
        assert!(info[0].message.contains("sql/postgres/schema.sql"));
        let warn: Vec<&Diagnostic> = a
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("columns differ"))
            .collect();
        assert_eq!(warn.len(), 1);
        assert!(warn[0].message.contains("sql/postgres/schema.sql: email"));
        assert!(warn[0].message.contains("sql/postgres/schema.sql: name"));
    }

    /// A test resource that copies the schema (`src/test/resources/…`,
    /// sorting before the migrations) does not become the table's home:
    /// the main source is its location, the test copy one of its
    /// `locations`.
    #[test]
    fn a_test_resource_copy_is_located_after_the_main_source() {
        let a = run(&[
            (
                "mod/src/test/resources/sql/create_tables.sql",
                "CREATE TABLE hr_contract (id INT, phone VARCHAR(11));",
            ),
            (
                "server/db/migration/V48__hr_contract.sql",
                "CREATE TABLE hr_contract (id INT, phone VARCHAR(11), id_card VARCHAR(18));",
            ),
        ]);
        let d: Vec<&Dataset> = a
            .datasets
            .iter()
            .filter(|d| d.name == "hr_contract")
            .collect();
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].location.file,
            "server/db/migration/V48__hr_contract.sql"
        );
        assert_eq!(
            d[0].id,
            "server/db/migration/V48__hr_contract.sql#hr_contract"
        );
        assert_eq!(
            d[0].locations[0].file,
            "mod/src/test/resources/sql/create_tables.sql"
        );
        let cols: Vec<&str> = d[0].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(cols, ["id", "phone", "id_card"]);
    }

    /// An entity mapping columns an older DDL script lacks adds them to
    /// the table (its file becomes one of the table's locations, the copy
    /// warning names the columns); columns both have, however spelled
    /// (`user_name` / `username`), are one field; an entity is one of the
    /// table's locations whether it adds columns or not.
    #[test]
    fn entity_fields_missing_from_the_ddl_are_added_to_the_table() {
        let catalog = crate::extract::catalog::Catalog::default();
        let entity = "package a;\n@TableName(\"t_apply\")\npublic class Apply {\n  \
            private Long id;\n  private String username;\n  \
            /** 身份证号 */\n  private String idCard;\n}\n";
        let same = "package a;\n@TableName(\"t_other\")\npublic class Other {\n  \
            private Long id;\n}\n";
        let mut facts = vec![
            extract(
                "db/old.sql",
                "CREATE TABLE t_apply (id INT, user_name VARCHAR(20));\n\
                 CREATE TABLE t_other (id INT);",
                SqlDialect::Mysql,
            ),
            crate::extract::java::extract("src/main/java/a/Apply.java", entity, &catalog),
            crate::extract::java::extract("src/main/java/a/Other.java", same, &catalog),
        ];
        let a = assemble(&mut facts);
        let d = a.datasets.iter().find(|d| d.name == "t_apply").unwrap();
        let cols: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(cols, ["id", "user_name", "id_card"], "{d:?}");
        let id_card = &d.fields[2];
        assert_eq!(id_card.id, "db/old.sql#t_apply.id_card");
        assert_eq!(id_card.comment.as_deref(), Some("身份证号"));
        assert_eq!(
            d.locations
                .iter()
                .map(|l| l.file.as_str())
                .collect::<Vec<_>>(),
            ["src/main/java/a/Apply.java"]
        );
        let other = a.datasets.iter().find(|d| d.name == "t_other").unwrap();
        assert_eq!(other.locations[0].file, "src/main/java/a/Other.java");
        assert_eq!(other.fields.len(), 1);
        assert!(a
            .diagnostics
            .iter()
            .any(|g| g.message.contains("columns differ")
                && g.message.contains("src/main/java/a/Apply.java: id_card")));
    }

    #[test]
    fn extraction_keeps_the_samples_assembly_keeps_and_drops_the_rest() {
        // Two files, 60 + 30 rows with and without a column list, the
        // second table spelled in another case and one row of the wrong
        // length: the samples assembled from the extractor's budgeted
        // output must equal those assembled from every row read.
        let mut a = vec!["CREATE TABLE t (id INT, phone VARCHAR(20), name TEXT);".to_string()];
        for chunk in 0..3 {
            let rows: Vec<String> = (0..20)
                .map(|i| format!("({i}, '1380000{:04}', 'n{i}')", chunk * 20 + i))
                .collect();
            a.push(format!(
                "INSERT INTO t (id, phone, name) VALUES {};",
                rows.join(",")
            ));
        }
        let rows: Vec<String> = (0..30)
            .map(|i| format!("({i}, '1390000{i:04}', NULL)"))
            .collect();
        let b = vec![format!("INSERT INTO T VALUES {}, (1, 2);", rows.join(","))];
        let files = [("a.sql", a), ("b.sql", b)];
        let mut budgeted: Vec<FileFacts> = files
            .iter()
            .map(|(p, stmts)| extract(p, &stmts.join("\n"), SqlDialect::Mysql))
            .collect();
        let mut every_row = budgeted.clone();
        for (f, (_, stmts)) in every_row.iter_mut().zip(&files) {
            f.samples = stmts
                .iter()
                .filter_map(|s| crate::extract::sql::values::sample_insert(s))
                .collect();
        }
        let kept = |f: &[FileFacts]| -> usize {
            f.iter()
                .flat_map(|f| &f.samples)
                .flat_map(|s| &s.rows)
                .flatten()
                .flatten()
                .count()
        };
        // 3 columns × 60 rows in a.sql budgeted to 3 × 50; b.sql under the
        // cap (its NULLs were never counted).
        assert_eq!(kept(&every_row), 180 + 60 + 2);
        assert_eq!(kept(&budgeted), 150 + 60 + 2);
        let samples = assemble(&mut every_row).samples;
        assert_eq!(assemble(&mut budgeted).samples, samples);
        assert_eq!(samples.len(), 3);
        assert!(
            budgeted.iter().all(|f| f.samples.is_empty()),
            "assembly moves the samples out"
        );
    }

    /// A schema may add its secrets by `ALTER TABLE … ADD`; later migrations
    /// change and drop columns.
    #[test]
    fn alter_table_adds_changes_and_drops_columns() {
        let a = run(&[
            (
                "V1__init.sql",
                "CREATE TABLE pay_user (id int, nick varchar(20), tmp int);\n\
                 ALTER TABLE pay_user ADD COLUMN login_pwd varchar(64) COMMENT '登录密码', \
                 ADD pay_pwd varchar(64) COMMENT '支付密码', ADD rsa_private_key text COMMENT 'RSA私钥';",
            ),
            (
                "V2__more.sql",
                "ALTER TABLE pay_user MODIFY COLUMN nick varchar(40) COMMENT '昵称';\n\
                 ALTER TABLE pay_user CHANGE tmp mobile varchar(11) COMMENT '手机号';\n\
                 ALTER TABLE pay_user DROP COLUMN login_pwd;\n\
                 ALTER TABLE nowhere ADD COLUMN x int;",
            ),
        ]);
        assert_eq!(
            a.datasets.len(),
            1,
            "an ALTER of an unknown table makes no dataset"
        );
        let got: Vec<(&str, Option<&str>, Option<&str>, u32)> = a.datasets[0]
            .fields
            .iter()
            .map(|f| {
                (
                    f.id.as_str(),
                    f.data_type.as_deref(),
                    f.comment.as_deref(),
                    f.location.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("V1__init.sql#pay_user.id", Some("int"), None, 1),
                (
                    "V1__init.sql#pay_user.nick",
                    Some("varchar(40)"),
                    Some("昵称"),
                    1
                ),
                (
                    "V1__init.sql#pay_user.mobile",
                    Some("varchar(11)"),
                    Some("手机号"),
                    1
                ),
                (
                    "V1__init.sql#pay_user.pay_pwd",
                    Some("varchar(64)"),
                    Some("支付密码"),
                    2
                ),
                (
                    "V1__init.sql#pay_user.rsa_private_key",
                    Some("text"),
                    Some("RSA私钥"),
                    2
                ),
            ]
        );
    }

    #[test]
    fn postgres_alter_table_add_and_type() {
        let mut facts = vec![extract(
            "pg.sql",
            "CREATE TABLE member (id int);\n\
             ALTER TABLE member ADD COLUMN id_card varchar(18), ADD COLUMN IF NOT EXISTS email text;\n\
             COMMENT ON COLUMN member.id_card IS '身份证号';\n\
             ALTER TABLE member ALTER COLUMN email TYPE varchar(100);\n\
             ALTER TABLE member RENAME COLUMN email TO mail;",
            SqlDialect::Postgres,
        )];
        assert!(
            facts[0].diagnostics.is_empty(),
            "{:?}",
            facts[0].diagnostics
        );
        let a = assemble(&mut facts);
        let got: Vec<(&str, Option<&str>, Option<&str>)> = a.datasets[0]
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.data_type.as_deref(),
                    f.comment.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("id", Some("int"), None),
                ("id_card", Some("varchar(18)"), Some("身份证号")),
                ("mail", Some("varchar(100)"), None),
            ]
        );
    }

    #[test]
    fn names_resolve_across_files_and_stars_expand() {
        let a = run(&[
            ("a.sql", "CREATE TABLE `user` (id int, phone varchar(11) COMMENT '手机号');"),
            ("b.sql", "INSERT INTO rpt.user_copy SELECT * FROM user;\nCREATE VIEW v AS SELECT md5(phone) AS ph FROM user;"),
        ]);
        let ids: Vec<&str> = a.datasets.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a.sql#user", "b.sql#rpt.user_copy", "b.sql#v"]);
        let flows: Vec<(&str, &str, Transform)> = a
            .flows
            .iter()
            .map(|f| (f.from.as_str(), f.to.as_str(), f.transform))
            .collect();
        assert_eq!(
            flows,
            [
                ("a.sql#user.id", "b.sql#rpt.user_copy.id", Transform::Copy),
                (
                    "a.sql#user.phone",
                    "b.sql#rpt.user_copy.phone",
                    Transform::Copy
                ),
                ("a.sql#user.phone", "b.sql#v.ph", Transform::Hash),
            ]
        );
        assert_eq!(a.flows[2].location.line, 2);
    }

    #[test]
    fn insert_without_column_list_maps_by_position() {
        let a = run(&[(
            "x.sql",
            "CREATE TABLE s (a int, b int);\nCREATE TABLE t (x int, y int);\nINSERT INTO t SELECT b, a FROM s;",
        )]);
        let flows: Vec<(&str, &str)> = a
            .flows
            .iter()
            .map(|f| (f.from.as_str(), f.to.as_str()))
            .collect();
        assert_eq!(
            flows,
            [("x.sql#s.a", "x.sql#t.y"), ("x.sql#s.b", "x.sql#t.x")]
        );
    }

    /// (from, to, level) of every flow.
    fn flow_ends(a: &Assembled) -> Vec<(&str, &str, FlowLevel)> {
        a.flows
            .iter()
            .map(|f| (f.from.as_str(), f.to.as_str(), f.level))
            .collect()
    }

    /// The HIS case of issue 18: `SELECT *` of a table no file defines was
    /// paired by position with the target's columns (`idcardno →
    /// patientbizno`). Now it is one table-level flow.
    #[test]
    fn star_of_unknown_columns_is_a_table_level_flow() {
        let a = run(&[(
            "x.sql",
            "CREATE TABLE bak (patientbizno varchar(20), idcardno varchar(18));\n\
             INSERT INTO bak SELECT * FROM his.patient;\n\
             INSERT INTO bak (patientbizno, idcardno) SELECT p.bizno, * FROM ext p;\n\
             CREATE TABLE copy2 AS SELECT q.*, q.phone AS tel FROM remote q;",
        )]);
        assert_eq!(
            flow_ends(&a),
            [
                ("x.sql#his.patient", "x.sql#bak", FlowLevel::Table),
                ("x.sql#ext", "x.sql#bak", FlowLevel::Table),
                // The place before the `*` is certain.
                (
                    "x.sql#ext.bizno",
                    "x.sql#bak.patientbizno",
                    FlowLevel::Column
                ),
                ("x.sql#remote", "x.sql#copy2", FlowLevel::Table),
                // A named output keeps its name in a new table.
                ("x.sql#remote.phone", "x.sql#copy2.tel", FlowLevel::Column),
            ]
        );
        let json = serde_json::to_value(&a.flows[0]).expect("serialises");
        assert_eq!(json["level"], "table");
        let json = serde_json::to_value(&a.flows[2]).expect("serialises");
        assert!(json.get("level").is_none(), "column level is not written");
    }

    /// Both sides known: `*` pairs by name, whatever the column order.
    #[test]
    fn star_of_known_columns_pairs_by_name_unless_a_column_list_orders_it() {
        let a = run(&[(
            "x.sql",
            "CREATE TABLE patient (idcardno varchar(18), bizno varchar(20), extra int);\n\
             CREATE TABLE bak (bizno varchar(20), idcardno varchar(18));\n\
             INSERT INTO bak SELECT * FROM patient;\n\
             INSERT INTO bak (bizno, idcardno) SELECT * FROM patient;",
        )]);
        assert_eq!(
            flow_ends(&a),
            [
                ("x.sql#patient.bizno", "x.sql#bak.bizno", FlowLevel::Column),
                (
                    "x.sql#patient.idcardno",
                    "x.sql#bak.idcardno",
                    FlowLevel::Column
                ),
                // An explicit column list takes the source's columns in order.
                (
                    "x.sql#patient.bizno",
                    "x.sql#bak.idcardno",
                    FlowLevel::Column
                ),
                (
                    "x.sql#patient.idcardno",
                    "x.sql#bak.bizno",
                    FlowLevel::Column
                ),
            ]
        );
        // An explicit select list of another length than the target's
        // columns pairs by name too.
        let a = run(&[(
            "y.sql",
            "CREATE TABLE s (a int, b int);\nCREATE TABLE t (x int, b int, c int);\n\
             INSERT INTO t SELECT a, b FROM s;",
        )]);
        assert_eq!(
            flow_ends(&a),
            [("y.sql#s.b", "y.sql#t.b", FlowLevel::Column)]
        );
    }

    /// Issue 18: a Flink CDC source of `his.patient` was a new undeclared
    /// dataset; it is the DDL's `patient`, and so are the tables Canal and
    /// Debezium name.
    #[test]
    fn cdc_sources_are_the_tables_they_read() {
        let catalog = crate::extract::catalog::Catalog::embedded();
        let ddl = extract(
            "db/his.sql",
            "CREATE TABLE patient (id int, idcardno varchar(18) COMMENT '身份证号');",
            SqlDialect::Mysql,
        );
        let job = "CREATE TABLE patient_src (id INT, idcardno STRING) WITH ('connector' = 'mysql-cdc', 'database-name' = 'his', 'table-name' = 'patient');\n\
                   CREATE TABLE orders_src (id INT) WITH ('connector' = 'mysql-cdc', 'database-name' = 'shop', 'table-name' = 'orders');\n\
                   CREATE TABLE ods_patient (id INT, idcardno STRING);\n\
                   INSERT INTO ods_patient SELECT id, idcardno FROM patient_src;";
        let mut flink = extract("jobs/sync.sql", job, SqlDialect::Generic);
        crate::extract::flink::read("jobs/sync.sql", job, &catalog, &mut flink);
        let props = crate::extract::text::parse_properties(
            "connector.class=io.debezium.connector.mysql.MySqlConnector\ntopic.prefix=his\ntable.include.list=his.patient\n",
        );
        let mut dbz = FileFacts {
            file: "connect/his.properties".into(),
            ..FileFacts::default()
        };
        crate::extract::debezium::read("connect/his.properties", &props, &mut dbz);
        let a = assemble(&mut [ddl, dbz, flink]);
        let ids: Vec<&str> = a.datasets.iter().map(|d| d.id.as_str()).collect();
        // `orders` is defined nowhere: its CDC table stays a dataset.
        assert_eq!(
            ids,
            [
                "db/his.sql#patient",
                "jobs/sync.sql#orders_src",
                "jobs/sync.sql#ods_patient"
            ]
        );
        let ends: Vec<(&str, &str)> = a
            .flows
            .iter()
            .map(|f| (f.from.as_str(), f.to.as_str()))
            .collect();
        assert_eq!(
            ends,
            [
                (
                    "db/his.sql#patient.id",
                    "endpoint:message_queue:his.his.patient"
                ),
                (
                    "db/his.sql#patient.idcardno",
                    "endpoint:message_queue:his.his.patient"
                ),
                ("db/his.sql#patient.id", "jobs/sync.sql#ods_patient.id"),
                (
                    "db/his.sql#patient.idcardno",
                    "jobs/sync.sql#ods_patient.idcardno"
                ),
            ]
        );
        assert!(a
            .diagnostics
            .iter()
            .any(|d| d.line == 2 && d.message.contains("`shop.orders`")));
    }

    #[test]
    fn comment_on_and_protection_comments() {
        let a = assemble(&mut [extract(
            "p.sql",
            "CREATE TABLE p (id_card varchar(64));\nCOMMENT ON COLUMN p.id_card IS '身份证号（SM4加密）';",
            SqlDialect::Postgres,
        )]);
        let f = &a.datasets[0].fields[0];
        assert_eq!(f.comment.as_deref(), Some("身份证号（SM4加密）"));
        assert_eq!(f.protection, [Protection::Encrypted]);
        assert_eq!(protection_from_comment("未加密的手机号"), None);
    }
}
