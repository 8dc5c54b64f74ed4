//! dbt projects: models written as Jinja-templated `SELECT`s, documented by
//! `schema.yml`/`sources.yml` files.
//!
//! A directory with a `dbt_project.yml` is a dbt project. Discovery hands
//! every file of its `model-paths` and `snapshot-paths` (`.sql`, `.yml`),
//! its seed CSVs, the Markdown files of all its paths (`{% docs %}` blocks)
//! and the project file itself to this extractor, and only to it: the
//! templates would not parse as plain SQL. Macro, test and analysis
//! templates are listed as skipped.
//!
//! A model is read by rendering its Jinja to plain SQL **on the same
//! lines** ([`jinja`]: `minijinja` with stand-ins for dbt's context), then
//! wrapping it as `CREATE VIEW|TABLE <model> AS <select>` and handing it to
//! the SQL pipeline, so the model becomes a dataset named after its file
//! stem with column lineage from what it references. The rendering is an
//! approximation, not dbt: it knows no adapter, no database and no macro
//! of the project's `macros/`:
//!
//! * `ref('m')`, `ref('pkg', 'm')`, `ref('m', v=2)` → `m`; `source('s',
//!   't')` → the source's `schema.identifier` from the YAML (default
//!   `s.t`); `this` → the model;
//! * `config(...)` → nothing (its `materialized` picks view or table);
//!   `var('v', default)` → the value from `dbt_project.yml` `vars`, else the
//!   default, else `NULL` (an identifier in `FROM`/`JOIN` position);
//! * `is_incremental()` is false (a full refresh defines the whole model),
//!   `execute` true, `target.name` `'dev'`; a name the template does not
//!   define renders as itself (`target.schema` → `target_schema`) and is
//!   true;
//! * `{% for %}` renders at most 64 iterations (later ones joined onto the
//!   loop's last line, so lines stay true); over an unknown list it renders
//!   its body once;
//! * `{% docs %}`, `{% test %}` and `{% materialization %}` bodies are
//!   dropped, `{% snapshot %}` names the model;
//! * `dbt_utils.star(...)` → `*` (its `except` list is ignored),
//!   `generate_surrogate_key([...])`/`hash` → `md5(concat(...))`, and any
//!   other macro call `pkg.name(args)` → the SQL call `name(args)` with its
//!   string arguments as SQL text (macros mostly take column names), so a
//!   column passed through `cents_to_dollars('amount')` keeps its lineage;
//! * `{{- -}}` trims spaces but never a newline; a tag the engine rejects
//!   is a warning at its line and reads as an unknown value.
//!
//! YAML `description`s become table and column comments (the classifier
//! reads them; `{{ doc('x') }}` gives the `{% docs x %}` block of the
//! project's Markdown files), `data_type`s column types; sources become
//! tables.

use super::sql::{self, SqlDialect};
use super::text::{flatten_yaml, yaml_syntax_diagnostics};
use super::{ColumnDef, FileFacts, OutColumn, OutItem, TableDef};
use crate::model::{DatasetKind, Diagnostic, DiagnosticLevel, Location};
use regex::Regex;
use serde_yaml::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

pub mod jinja;
pub use jinja::{render, Context, Rendered};

/// The project file that marks a directory as a dbt project.
pub const PROJECT_FILE: &str = "dbt_project.yml";

/// A dbt project's settings from `dbt_project.yml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Project `name`.
    pub name: String,
    /// `model-paths` (default `models`).
    pub model_paths: Vec<String>,
    /// `snapshot-paths` (default `snapshots`).
    pub snapshot_paths: Vec<String>,
    /// `seed-paths` (default `seeds`).
    pub seed_paths: Vec<String>,
    /// `macro-paths`, `test-paths` and `analysis-paths`: templates that are
    /// no model.
    pub other_paths: Vec<String>,
    /// Scalar `vars`, as strings.
    pub vars: BTreeMap<String, String>,
    /// The `models:` configuration tree, for `materialized`.
    models: Value,
}

/// What a file inside a dbt project is to the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Read by this extractor (project file, model, snapshot, YAML, seed).
    Read,
    /// A macro, test or analysis template: listed as skipped, not read.
    Skip,
    /// Not a dbt file: other extractors may read it.
    Other,
}

impl Project {
    /// Reads `dbt_project.yml`; anything missing or unreadable takes dbt's default.
    pub fn parse(text: &str) -> Project {
        let v: Value = serde_yaml::from_str(text).unwrap_or(Value::Null);
        let paths = |key: &str, default: &[&str]| -> Vec<String> {
            match v.get(key) {
                Some(Value::Sequence(s)) => s
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
                Some(Value::String(s)) => vec![s.trim_end_matches('/').to_string()],
                _ => default.iter().map(|s| s.to_string()).collect(),
            }
        };
        let mut other_paths = paths("macro-paths", &["macros"]);
        other_paths.extend(paths("test-paths", &["tests"]));
        other_paths.extend(paths("analysis-paths", &["analyses"]));
        let mut vars = BTreeMap::new();
        if let Some(Value::Mapping(m)) = v.get("vars") {
            for (k, val) in m {
                if let (Some(k), Some(val)) = (k.as_str(), scalar(val)) {
                    vars.insert(k.to_string(), val);
                }
            }
        }
        Project {
            name: v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            model_paths: paths("model-paths", &["models"]),
            snapshot_paths: paths("snapshot-paths", &["snapshots"]),
            seed_paths: paths("seed-paths", &["seeds"]),
            other_paths,
            vars,
            models: v.get("models").cloned().unwrap_or(Value::Null),
        }
    }

    /// The role of the file at `rel`, `/`-separated and relative to the
    /// project directory.
    pub fn role(&self, rel: &str) -> Role {
        if rel == PROJECT_FILE {
            return Role::Read;
        }
        let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
        let ext = ext.to_ascii_lowercase();
        let under = |paths: &[String]| paths.iter().any(|p| under(rel, p));
        let yaml = ext == "yml" || ext == "yaml";
        let resource = under(&self.model_paths)
            || under(&self.snapshot_paths)
            || under(&self.seed_paths)
            || under(&self.other_paths);
        // dbt looks for `{% docs %}` blocks in the Markdown files of every
        // resource path.
        if ext == "md" && resource {
            return Role::Read;
        }
        if under(&self.model_paths) || under(&self.snapshot_paths) {
            if ext == "sql" || yaml {
                return Role::Read;
            }
        } else if under(&self.seed_paths) {
            if ext == "csv" || yaml {
                return Role::Read;
            }
        } else if under(&self.other_paths) && (ext == "sql" || yaml) {
            return Role::Skip;
        }
        Role::Other
    }

    /// The `materialized` configured in `dbt_project.yml` for the model at
    /// `rel` (relative to the project): the most specific of `models:`,
    /// `models.<project>` and its folders.
    fn materialized(&self, rel: &str) -> Option<String> {
        let dirs: Vec<&str> = self
            .model_paths
            .iter()
            .find_map(|p| rel.strip_prefix(p.as_str())?.strip_prefix('/'))
            .map(|r| r.split('/').collect::<Vec<_>>())
            .map(|mut v| {
                v.pop();
                v
            })
            .unwrap_or_default();
        let pick = |node: &Value| -> Option<String> {
            node.get("+materialized")
                .or_else(|| node.get("materialized"))
                .and_then(scalar)
        };
        let mut node = &self.models;
        let mut found = pick(node);
        node = match node.get(self.name.as_str()) {
            Some(n) => n,
            None => return found,
        };
        found = pick(node).or(found);
        for d in dirs {
            match node.get(d) {
                Some(n) => {
                    node = n;
                    found = pick(node).or(found);
                }
                None => break,
            }
        }
        found
    }
}

fn under(rel: &str, dir: &str) -> bool {
    dir == "." || rel.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Project reading
// ---------------------------------------------------------------------------

/// Documentation of one model, seed, snapshot or source table from YAML.
#[derive(Debug, Clone, Default)]
struct Doc {
    description: Option<String>,
    materialized: Option<String>,
    location: Option<Location>,
    columns: Vec<ColumnDef>,
}

/// The YAML documentation of a project.
#[derive(Debug, Default)]
struct Docs {
    /// Models, seeds and snapshots by lower-cased name.
    nodes: HashMap<String, Doc>,
    /// Source tables: `(relation, doc)`, in file order, with the YAML file.
    sources: Vec<(String, String, Doc)>,
    /// `(source, table)` → relation.
    relations: HashMap<(String, String), String>,
}

fn yaml_lines(text: &str) -> HashMap<String, u32> {
    flatten_yaml(text)
        .into_iter()
        .flat_map(|d| d.entries)
        .map(|e| (e.key, e.line))
        .collect()
}

/// The `{% docs name %}…{% enddocs %}` blocks of a Markdown file: (name,
/// trimmed text). dbt's `doc()` descriptions are often where a column's
/// meaning (and so its PI category) is written.
fn docs_blocks(text: &str) -> Vec<(String, String)> {
    static BLOCK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?s)\{%-?\s*docs\s+([A-Za-z0-9_.]+)\s*-?%\}(.*?)\{%-?\s*enddocs\s*-?%\}")
            .expect("valid regex")
    });
    BLOCK
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].trim().to_string()))
        .collect()
}

fn description(v: &Value, ctx: &Context) -> Option<String> {
    let d = v.get("description").and_then(Value::as_str)?;
    // `{{ doc('x') }}` gives the project's Markdown docs block.
    let d = if d.contains("{{") {
        render(d, ctx).sql
    } else {
        d.to_string()
    };
    let d = d.trim();
    (!d.is_empty()).then(|| d.to_string())
}

fn columns(
    file: &str,
    v: &Value,
    key: &str,
    lines: &HashMap<String, u32>,
    ctx: &Context,
) -> Vec<ColumnDef> {
    let Some(Value::Sequence(cols)) = v.get("columns") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, c) in cols.iter().enumerate() {
        let Some(name) = c.get("name").and_then(Value::as_str) else {
            continue;
        };
        let line = lines
            .get(&format!("{key}.columns[{k}].name"))
            .or_else(|| lines.get(&format!("{key}.name")))
            .copied()
            .unwrap_or(1);
        out.push(ColumnDef {
            references: None,
            name: name.trim_matches('"').to_string(),
            data_type: c
                .get("data_type")
                .and_then(scalar)
                .map(|t| t.to_lowercase()),
            comment: description(c, ctx),
            location: Location::line(file, line),
        });
    }
    out
}

fn read_yaml(file: &str, text: &str, ctx: &Context, docs: &mut Docs) {
    let Ok(v) = serde_yaml::from_str::<Value>(text) else {
        return;
    };
    let lines = yaml_lines(text);
    for kind in ["models", "seeds", "snapshots"] {
        let Some(Value::Sequence(items)) = v.get(kind) else {
            continue;
        };
        for (i, m) in items.iter().enumerate() {
            let Some(name) = m.get("name").and_then(Value::as_str) else {
                continue;
            };
            let key = format!("{kind}[{i}]");
            let line = lines.get(&format!("{key}.name")).copied().unwrap_or(1);
            docs.nodes.insert(
                name.to_lowercase(),
                Doc {
                    description: description(m, ctx),
                    materialized: m
                        .get("config")
                        .and_then(|c| c.get("materialized"))
                        .and_then(scalar),
                    location: Some(Location::line(file, line)),
                    columns: columns(file, m, &key, &lines, ctx),
                },
            );
        }
    }
    let Some(Value::Sequence(srcs)) = v.get("sources") else {
        return;
    };
    for (i, s) in srcs.iter().enumerate() {
        let Some(sname) = s.get("name").and_then(Value::as_str) else {
            continue;
        };
        let rendered = |x: &str| {
            if x.contains("{{") {
                render(x, ctx).sql.trim().to_string()
            } else {
                x.to_string()
            }
        };
        let schema = rendered(s.get("schema").and_then(Value::as_str).unwrap_or(sname));
        let Some(Value::Sequence(tables)) = s.get("tables") else {
            continue;
        };
        for (j, t) in tables.iter().enumerate() {
            let Some(tname) = t.get("name").and_then(Value::as_str) else {
                continue;
            };
            let ident = rendered(t.get("identifier").and_then(Value::as_str).unwrap_or(tname));
            let relation = if schema.is_empty() {
                ident
            } else {
                format!("{schema}.{ident}")
            };
            docs.relations.insert(
                (sname.to_lowercase(), tname.to_lowercase()),
                relation.clone(),
            );
            let key = format!("sources[{i}].tables[{j}]");
            let line = lines.get(&format!("{key}.name")).copied().unwrap_or(1);
            docs.sources.push((
                file.to_string(),
                relation,
                Doc {
                    description: description(t, ctx).or_else(|| description(s, ctx)),
                    materialized: None,
                    location: Some(Location::line(file, line)),
                    columns: columns(file, t, &key, &lines, ctx),
                },
            ));
        }
    }
}

fn stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Byte offset of the first SQL token: past whitespace and comments.
fn sql_start(sql: &str) -> Option<usize> {
    let mut i = 0;
    loop {
        let rest = &sql[i..];
        let t = rest.trim_start();
        i += rest.len() - t.len();
        if t.starts_with("--") {
            i += t.find('\n').unwrap_or(t.len());
        } else if t.starts_with("/*") {
            i += t.find("*/").map_or(t.len(), |p| p + 2);
        } else if t.is_empty() {
            return None;
        } else {
            return Some(i);
        }
    }
}

/// A model read, before `*` expansion.
struct ModelFacts {
    name: String,
    facts: FileFacts,
    /// The model as a table, columns still to fill in ([`declare_model`]).
    table: Option<TableDef>,
}

/// The registry's reader of dbt projects, read together (a model's
/// `source()` and columns are documented in the project's YAML).
pub struct DbtProject;

impl super::registry::Extractor for DbtProject {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        super::registry::extract_alone(self, s, cx)
    }

    fn reads_together(&self) -> bool {
        true
    }

    fn extract_together(
        &self,
        sources: &[&super::Source],
        dialect_of: &(dyn Fn(&str) -> Option<SqlDialect> + Sync),
    ) -> Vec<FileFacts> {
        let all = extract_all(
            sources.iter().map(|s| (s.rel.as_str(), s.text.as_str())),
            dialect_of,
        );
        all.into_values().collect()
    }
}

/// Reads all files of dbt projects: `(path, text)` pairs of files
/// discovery gave the dbt kind. Returns facts per path. `dialect_of` is the
/// forced dialect for a path, if any (else detected on the rendered SQL).
pub fn extract_all<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    dialect_of: impl Fn(&str) -> Option<SqlDialect>,
) -> BTreeMap<String, FileFacts> {
    let files: Vec<(&str, &str)> = files.into_iter().collect();
    // Project directories (relative, with a trailing `/`, or empty).
    let mut projects: Vec<(String, Project)> = files
        .iter()
        .filter(|(rel, _)| rel.rsplit('/').next() == Some(PROJECT_FILE))
        .map(|(rel, text)| {
            (
                rel[..rel.len() - PROJECT_FILE.len()].to_string(),
                Project::parse(text),
            )
        })
        .collect();
    projects.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
    let mut out = BTreeMap::new();
    let mut groups: Vec<Vec<(&str, &str)>> = vec![Vec::new(); projects.len()];
    for &(rel, text) in &files {
        match projects
            .iter()
            .position(|(dir, _)| rel.starts_with(dir.as_str()))
        {
            Some(p) => groups[p].push((rel, text)),
            None => {
                out.insert(
                    rel.to_string(),
                    FileFacts {
                        file: rel.to_string(),
                        ..FileFacts::default()
                    },
                );
            }
        }
    }
    for ((dir, project), group) in projects.iter().zip(groups) {
        out.extend(extract_project(dir, project, &group, &dialect_of));
    }
    out
}

fn extract_project(
    dir: &str,
    project: &Project,
    files: &[(&str, &str)],
    dialect_of: &impl Fn(&str) -> Option<SqlDialect>,
) -> BTreeMap<String, FileFacts> {
    let mut out: BTreeMap<String, FileFacts> = BTreeMap::new();
    let mut doc_blocks = HashMap::new();
    for &(rel, text) in files {
        if rel.to_ascii_lowercase().ends_with(".md") {
            doc_blocks.extend(docs_blocks(text));
        }
    }
    let base_ctx = Context {
        model: String::new(),
        vars: project.vars.clone(),
        sources: HashMap::new(),
        doc_blocks: std::sync::Arc::new(doc_blocks),
    };
    let mut docs = Docs::default();
    for &(rel, text) in files {
        let mut f = FileFacts {
            file: rel.to_string(),
            ..FileFacts::default()
        };
        let lower = rel.to_ascii_lowercase();
        if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            f.diagnostics = yaml_syntax_diagnostics(rel, text);
            if !rel.ends_with(PROJECT_FILE) {
                read_yaml(rel, text, &base_ctx, &mut docs);
            }
        }
        out.insert(rel.to_string(), f);
    }
    let ctx = Context {
        sources: docs.relations.clone(),
        ..base_ctx
    };
    // Sources and seeds are tables.
    for (file, relation, doc) in &docs.sources {
        if let Some(f) = out.get_mut(file) {
            f.tables
                .push(table_def(relation, DatasetKind::Table, doc, file));
        }
    }
    // Columns of relations that are no model, for `*` expansion.
    let mut known: HashMap<String, Vec<String>> = HashMap::new();
    for (_, relation, doc) in &docs.sources {
        if !doc.columns.is_empty() {
            known.insert(
                relation.to_lowercase(),
                doc.columns.iter().map(|c| c.name.clone()).collect(),
            );
        }
    }
    let mut models: Vec<ModelFacts> = Vec::new();
    for &(rel, text) in files {
        let lower = rel.to_ascii_lowercase();
        let in_project = &rel[dir.len()..];
        if lower.ends_with(".csv") {
            let name = stem(rel).to_string();
            let doc = docs
                .nodes
                .get(&name.to_lowercase())
                .cloned()
                .unwrap_or_default();
            let t = seed_table(rel, &name, text, &doc);
            known.insert(
                name.to_lowercase(),
                t.columns.iter().map(|c| c.name.clone()).collect(),
            );
            if let Some(f) = out.get_mut(rel) {
                f.tables.push(t);
            }
            continue;
        }
        if !lower.ends_with(".sql") {
            continue;
        }
        let name = stem(rel).to_string();
        let ctx = Context {
            model: name.clone(),
            ..ctx.clone()
        };
        // Unwind safety: nothing built before a panic is kept.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_model(
                rel, in_project, text, &name, project, &ctx, &docs, dialect_of,
            )
        }));
        match read {
            Ok(m) => models.push(m),
            Err(_) => {
                if let Some(f) = out.get_mut(rel) {
                    f.diagnostics.push(Diagnostic {
                        file: rel.to_string(),
                        line: 1,
                        severity: DiagnosticLevel::Error,
                        message: "internal error while reading this file as a dbt model; the file was skipped (please report it)".into(),
                    });
                }
            }
        }
    }
    for (name, doc) in &docs.nodes {
        if !doc.columns.is_empty() && !known.contains_key(name) {
            known.insert(
                name.clone(),
                doc.columns.iter().map(|c| c.name.clone()).collect(),
            );
        }
    }
    expand_stars(&mut models, &known);
    for mut m in models {
        declare_model(&mut m);
        out.insert(m.facts.file.clone(), m.facts);
    }
    out
}

fn table_def(name: &str, kind: DatasetKind, doc: &Doc, file: &str) -> TableDef {
    TableDef {
        name: name.to_string(),
        kind,
        comment: doc.description.clone(),
        location: doc
            .location
            .clone()
            .unwrap_or_else(|| Location::line(file, 1)),
        columns: doc.columns.clone(),
        recovered: false,
    }
}

/// A seed: a table named after the CSV, columns from its header row (no
/// value is read).
fn seed_table(rel: &str, name: &str, text: &str, doc: &Doc) -> TableDef {
    // The header row, read as CSV (quoted names may hold commas).
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default();
    let mut columns: Vec<ColumnDef> = header
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(|c| {
            let documented = doc.columns.iter().find(|d| d.name.eq_ignore_ascii_case(&c));
            ColumnDef {
                references: None,
                comment: documented.and_then(|d| d.comment.clone()),
                data_type: documented.and_then(|d| d.data_type.clone()),
                name: c,
                location: Location::line(rel, 1),
            }
        })
        .collect();
    for d in &doc.columns {
        if !columns.iter().any(|c| c.name.eq_ignore_ascii_case(&d.name)) {
            columns.push(d.clone());
        }
    }
    TableDef {
        name: name.to_string(),
        kind: DatasetKind::Table,
        comment: doc.description.clone(),
        location: Location::line(rel, 1),
        columns,
        recovered: false,
    }
}

#[allow(clippy::too_many_arguments)]
fn read_model(
    rel: &str,
    in_project: &str,
    text: &str,
    name: &str,
    project: &Project,
    ctx: &Context,
    docs: &Docs,
    dialect_of: &impl Fn(&str) -> Option<SqlDialect>,
) -> ModelFacts {
    let r = render(text, ctx);
    let name = r.snapshot.clone().unwrap_or_else(|| name.to_string());
    let doc = docs
        .nodes
        .get(&name.to_lowercase())
        .cloned()
        .unwrap_or_default();
    let materialized = r
        .materialized
        .clone()
        .or_else(|| doc.materialized.clone())
        .or_else(|| project.materialized(in_project))
        .unwrap_or_else(|| {
            if r.snapshot.is_some() {
                "snapshot"
            } else {
                "view"
            }
            .into()
        });
    let view = matches!(
        materialized.as_str(),
        "view" | "ephemeral" | "materialized_view"
    );
    let problems: Vec<Diagnostic> = r
        .problems
        .iter()
        .map(|(line, message)| Diagnostic {
            file: rel.to_string(),
            line: *line,
            severity: DiagnosticLevel::Warning,
            message: message.clone(),
        })
        .collect();
    let Some(at) = sql_start(&r.sql) else {
        let mut facts = FileFacts {
            file: rel.to_string(),
            diagnostics: problems,
            ..FileFacts::default()
        };
        facts.diagnostics.push(Diagnostic {
            file: rel.to_string(),
            line: 1,
            severity: DiagnosticLevel::Info,
            message: "dbt model renders to no SQL; nothing to read / dbt 模型渲染后无 SQL".into(),
        });
        return ModelFacts {
            name,
            facts,
            table: None,
        };
    };
    let wrapped = format!(
        "{}CREATE {} {} AS {}",
        &r.sql[..at],
        if view { "VIEW" } else { "TABLE" },
        name,
        r.sql[at..].trim_end().trim_end_matches(';')
    );
    // dbt targets (Snowflake, BigQuery, Postgres, DuckDB, Spark…) are read as
    // generic SQL unless the model carries a dialect's markers: MySQL's
    // default would turn `----------` separator lines into minus signs.
    let dialect = dialect_of(rel)
        .or_else(|| SqlDialect::detect_marked(rel, &wrapped))
        .unwrap_or(SqlDialect::Generic);
    let mut facts = sql::extract(rel, &wrapped, dialect);
    facts.diagnostics.splice(0..0, problems);
    let location = facts
        .writes
        .iter()
        .find(|w| w.target.eq_ignore_ascii_case(&name))
        .map(|w| w.location.clone())
        .unwrap_or_else(|| Location::line(rel, crate::model::LineIndex::new(&r.sql).line(at)));
    let kind = if view {
        DatasetKind::View
    } else {
        DatasetKind::Table
    };
    let mut table = table_def(&name, kind, &doc, rel);
    table.location = location;
    ModelFacts {
        name,
        facts,
        table: Some(table),
    }
}

/// Declares a model as a table of its own file with its output columns
/// (documented by the YAML), so every model is known, with its columns,
/// before any write is assembled: references resolve whatever the file
/// order. The model's write (same file, same name) then lands in it.
fn declare_model(m: &mut ModelFacts) {
    let Some(mut t) = m.table.take() else {
        return;
    };
    // A model that did not parse: the SQL fallback may have "recovered" a
    // table named after the wrapper text; the model itself is what exists.
    let name = m.name.clone();
    m.facts
        .tables
        .retain(|x| !x.recovered || x.name.eq_ignore_ascii_case(&name));
    let Some(w) = m
        .facts
        .writes
        .iter()
        .find(|w| w.target.eq_ignore_ascii_case(&m.name))
    else {
        if !m
            .facts
            .tables
            .iter()
            .any(|x| x.name.eq_ignore_ascii_case(&name))
        {
            m.facts.tables.insert(0, t);
        }
        return;
    };
    let documented = std::mem::take(&mut t.columns);
    let mut open = false;
    for item in &w.items {
        let name = match item {
            OutItem::Column(c) => c.name.clone(),
            OutItem::Star { .. } => {
                open = true;
                None
            }
        };
        let Some(name) = name else { continue };
        if t.columns.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let doc = documented
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(&name));
        t.columns.push(ColumnDef {
            references: None,
            name,
            data_type: doc.and_then(|d| d.data_type.clone()),
            comment: doc.and_then(|d| d.comment.clone()),
            location: w.location.clone(),
        });
    }
    // With a `*` left unexpanded, the YAML may name the columns it hides.
    if open {
        for d in documented {
            if !t
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&d.name))
            {
                t.columns.push(d);
            }
        }
    }
    m.facts.tables.insert(0, t);
}

/// Columns a relation is known to have: a model's output names once its own
/// `*`s are expanded, else its YAML columns; a source's or seed's columns.
fn known_columns(
    name: &str,
    models: &[ModelFacts],
    known: &HashMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let lower = name.to_lowercase();
    let last = lower.rsplit('.').next().unwrap_or(&lower).to_string();
    if let Some(m) = models.iter().find(|m| m.name.to_lowercase() == last) {
        let from_sql = m
            .facts
            .writes
            .iter()
            .find(|w| w.target.eq_ignore_ascii_case(&m.name))
            .and_then(|w| {
                let mut cols = Vec::new();
                for item in &w.items {
                    match item {
                        OutItem::Column(c) => cols.extend(c.name.clone()),
                        OutItem::Star { .. } => return None,
                    }
                }
                Some(cols)
            });
        return from_sql.or_else(|| known.get(&last).cloned());
    }
    known.get(&lower).or_else(|| known.get(&last)).cloned()
}

/// Replaces `t.*` over models, sources and seeds with their columns, in
/// dependency order, so lineage runs through `select *` chains no matter
/// in which order the files are assembled.
fn expand_stars(models: &mut [ModelFacts], known: &HashMap<String, Vec<String>>) {
    for _ in 0..=models.len() {
        let mut changed = false;
        for i in 0..models.len() {
            let Some(wi) = models[i]
                .facts
                .writes
                .iter()
                .position(|w| w.target.eq_ignore_ascii_case(&models[i].name))
            else {
                continue;
            };
            let items = models[i].facts.writes[wi].items.clone();
            if !items.iter().any(|it| matches!(it, OutItem::Star { .. })) {
                continue;
            }
            let mut new_items = Vec::new();
            for item in items {
                match &item {
                    OutItem::Star { table } => match known_columns(table, models, known) {
                        Some(cols) => {
                            changed = true;
                            new_items.extend(
                                OutColumn::star_of(table, cols.iter().map(String::as_str))
                                    .map(OutItem::Column),
                            );
                        }
                        None => new_items.push(item),
                    },
                    OutItem::Column(_) => new_items.push(item),
                }
            }
            models[i].facts.writes[wi].items = new_items;
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Transform;

    /// `{{ doc('name') }}` descriptions take the Markdown docs block's text
    /// (on one line), so the classifier reads what the block says; an
    /// unknown block renders empty.
    #[test]
    fn doc_descriptions_read_the_markdown_docs_blocks() {
        let files = [
            ("dbt_project.yml", "name: p\n"),
            (
                "models/docs.md",
                "# 说明\n{% docs member_phone %}\n会员的手机号码，\n用于登录。\n{% enddocs %}\n\n{%- docs members -%} 会员信息表 {%- enddocs -%}\n",
            ),
            ("models/members.sql", "select id, tel from {{ source('app', 'users') }}\n"),
            (
                "models/schema.yml",
                "models:\n  - name: members\n    description: '{{ doc(\"members\") }}'\n    columns:\n      - name: tel\n        description: \"{{ doc('p', 'member_phone') }}\"\n      - name: id\n        description: '{{ doc(\"no_such_block\") }}'\n",
            ),
        ];
        let out = extract_all(files, |_| None);
        let m = &out["models/members.sql"].tables[0];
        assert_eq!(m.name, "members");
        assert_eq!(m.comment.as_deref(), Some("会员信息表"));
        let comment = |c: &str| {
            m.columns
                .iter()
                .find(|x| x.name == c)
                .and_then(|x| x.comment.clone())
        };
        assert_eq!(
            comment("tel").as_deref(),
            Some("会员的手机号码， 用于登录。")
        );
        assert_eq!(comment("id"), None);
        // The Markdown file is read (no facts of its own, no diagnostics).
        let md = &out["models/docs.md"];
        assert!(md.diagnostics.is_empty() && md.tables.is_empty());
    }

    #[test]
    fn project_paths_roles_and_materialization() {
        let p = Project::parse(
            "name: shop\nmodel-paths: [\"transform\"]\nmacro-paths: [macros]\nvars:\n  d: 3\nmodels:\n  +materialized: view\n  shop:\n    marts:\n      +materialized: table\n      finance:\n        materialized: incremental\n",
        );
        assert_eq!(p.role("transform/a.sql"), Role::Read);
        assert_eq!(p.role("transform/schema.yml"), Role::Read);
        assert_eq!(p.role("models/a.sql"), Role::Other);
        assert_eq!(p.role("macros/m.sql"), Role::Skip);
        assert_eq!(p.role("tests/t.sql"), Role::Skip);
        assert_eq!(p.role("seeds/s.csv"), Role::Read);
        assert_eq!(p.role(PROJECT_FILE), Role::Read);
        assert_eq!(p.role("transform/docs/members.md"), Role::Read);
        assert_eq!(p.role("macros/overview.md"), Role::Read);
        assert_eq!(p.role("README.md"), Role::Other);
        assert_eq!(p.vars.get("d").map(String::as_str), Some("3"));
        assert_eq!(p.materialized("transform/a.sql").as_deref(), Some("view"));
        assert_eq!(
            p.materialized("transform/marts/a.sql").as_deref(),
            Some("table")
        );
        assert_eq!(
            p.materialized("transform/marts/finance/a.sql").as_deref(),
            Some("incremental")
        );
        let d = Project::parse(": not yaml [");
        assert_eq!(d.model_paths, ["models"]);
    }

    #[test]
    fn snapshots_are_named_by_their_block_and_docs_render_empty() {
        let files = [
            ("dbt_project.yml", "name: p\n"),
            (
                "snapshots/snap.sql",
                "{% snapshot members_snapshot %}\n{{ config(strategy='check') }}\nselect id, phone from {{ source('app', 'users') }}\n{% endsnapshot %}\n",
            ),
            (
                "models/m.yml",
                "snapshots:\n  - name: members_snapshot\n    description: '{{ doc(\"members\") }}'\n    columns:\n      - name: phone\n        description: 联系电话\n",
            ),
        ];
        let out = extract_all(files, |_| None);
        let snap = &out["snapshots/snap.sql"];
        assert_eq!(snap.tables[0].name, "members_snapshot");
        assert_eq!(snap.tables[0].kind, DatasetKind::Table);
        assert_eq!(snap.tables[0].comment, None);
        assert_eq!(snap.tables[0].location.line, 3);
        assert_eq!(
            snap.tables[0].columns[1].comment.as_deref(),
            Some("联系电话")
        );
        assert_eq!(snap.writes[0].source_tables, ["app.users"]);
    }

    #[test]
    fn models_expand_stars_over_models_in_any_order() {
        let files = [
            ("p/dbt_project.yml", "name: p\n"),
            ("p/models/a_mart.sql", "select * from {{ ref('z_stg') }}"),
            (
                "p/models/src.yml",
                "sources:\n  - name: app\n    tables:\n      - name: users\n        columns:\n          - name: id\n          - name: phone\n            description: 手机号\n",
            ),
            ("p/models/z_stg.sql", "{{ config(materialized='table') }}\nselect * from {{ source('app', 'users') }}"),
        ];
        let out = extract_all(files, |_| Some(SqlDialect::Postgres));
        let mart = &out["p/models/a_mart.sql"];
        assert_eq!(mart.tables[0].name, "a_mart");
        assert_eq!(mart.tables[0].kind, DatasetKind::View);
        let cols: Vec<&str> = mart.tables[0]
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(cols, ["id", "phone"]);
        let stg = &out["p/models/z_stg.sql"];
        assert_eq!(stg.tables[0].kind, DatasetKind::Table);
        assert_eq!(stg.tables[0].location.line, 2);
        assert_eq!(stg.writes[0].source_tables, ["app.users"]);
        let src = &out["p/models/src.yml"];
        assert_eq!(src.tables[0].name, "app.users");
        assert_eq!(src.tables[0].columns[1].comment.as_deref(), Some("手机号"));
        assert!(out.values().all(|f| f.diagnostics.is_empty()));
    }

    #[test]
    fn unmarked_models_are_read_as_generic_sql_not_mysql() {
        // MySQL reads `----------` (no space after `--`) as minus signs; a dbt
        // model without a dialect's markers must not get MySQL's rule.
        let files = [
            ("p/dbt_project.yml", "name: p\n"),
            (
                "p/models/stg.sql",
                "select\n    ---------- ids\n    id as customer_id\nfrom {{ source('app', 'users') }}",
            ),
            ("p/models/marked.sql", "select `id` from {{ ref('stg') }}"),
        ];
        let out = extract_all(files, |_| None);
        assert_eq!(out["p/models/stg.sql"].dialect, Some(SqlDialect::Generic));
        assert_eq!(out["p/models/marked.sql"].dialect, Some(SqlDialect::Mysql));
        assert!(out["p/models/stg.sql"].diagnostics.is_empty());
        let items = &out["p/models/stg.sql"].writes[0].items;
        let [OutItem::Column(c)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(c.name.as_deref(), Some("customer_id"));
        assert_eq!(c.transform, Transform::Copy);
    }
}
