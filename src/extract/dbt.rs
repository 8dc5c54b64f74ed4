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
//! A model is read by rendering its Jinja *minimally* to plain SQL, on the
//! same lines, then wrapping it as `CREATE VIEW|TABLE <model> AS <select>`
//! and handing it to the SQL pipeline, so the model becomes a dataset named
//! after its file stem with column lineage from what it references. The
//! rendering is an approximation, not dbt: it knows no adapter, no database
//! and no macro bodies:
//!
//! * `ref('m')`, `ref('pkg', 'm')` → `m`; `source('s', 't')` → the source's
//!   `schema.identifier` from the YAML (default `s.t`); `this` → the model;
//! * `config(...)` → nothing (its `materialized` picks view or table);
//!   `var('v', default)` → the value from `dbt_project.yml` `vars`, else the
//!   default, else `NULL` (an identifier in `FROM`/`JOIN` position);
//! * `{% set x = [...] %}` and `{% for x in [...] %}` over literal lists are
//!   unrolled (extra iterations joined onto the loop's last line, so lines
//!   stay true); an unknown list renders the body once;
//! * `{% if %}` keeps the first branch not known to be false; known are
//!   `loop.first`/`loop.last`, `is_incremental()` (false: a full refresh
//!   defines the whole model), `execute` (true), literals, known `var`s and
//!   `==`/`!=` on known strings;
//! * `{% macro %}`, `{% set %}…{% endset %}`, `{% call %}`, `{% docs %}` and
//!   `{% test %}` bodies are dropped; other blocks keep their bodies;
//! * `dbt_utils.star(...)` → `*` (its `except` list is ignored),
//!   `generate_surrogate_key([...])`/`hash` → `md5(concat(...))`, and any
//!   other macro call `pkg.name(args)` → the SQL call `name(args)` with its
//!   string arguments as SQL text (macros mostly take column names), so a
//!   column passed through `cents_to_dollars('amount')` keeps its lineage;
//! * `{# #}` comments vanish, `{% raw %}` bodies are kept verbatim and
//!   `{{- -}}` trims spaces but never a newline.
//!
//! YAML `description`s become table and column comments (the classifier
//! reads them; `{{ doc('x') }}` gives the `{% docs x %}` block of the
//! project's Markdown files), `data_type`s column types; sources become
//! tables.

use super::sql::{self, SqlDialect};
use super::text::{flatten_yaml, yaml_syntax_diagnostics};
use super::{ColumnDef, FileFacts, OutColumn, OutItem, SourceColumn, TableDef};
use crate::model::{DatasetKind, Diagnostic, DiagnosticLevel, Location, Transform};
use regex::Regex;
use serde_yaml::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// The project file that marks a directory as a dbt project.
pub const PROJECT_FILE: &str = "dbt_project.yml";

/// Most iterations a `{% for %}` over a literal list is unrolled to.
const MAX_UNROLL: usize = 64;

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
// Jinja, minimally
// ---------------------------------------------------------------------------

/// What a rendered template referenced and configured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// Plain SQL, with the template's line breaks in place.
    pub sql: String,
    /// Models named by `ref()`.
    pub refs: Vec<String>,
    /// Relations named by `source()`.
    pub sources: Vec<String>,
    /// `config(materialized=…)` of the model.
    pub materialized: Option<String>,
    /// Name of a `{% snapshot name %}` block.
    pub snapshot: Option<String>,
    /// Template problems (unterminated tags, unbalanced blocks), with lines.
    pub problems: Vec<(u32, String)>,
}

/// What rendering may look up.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The model being rendered (`this`).
    pub model: String,
    /// `vars` of the project.
    pub vars: BTreeMap<String, String>,
    /// `(source, table)`, lower-cased → relation name.
    pub sources: HashMap<(String, String), String>,
    /// `{% docs name %}` blocks of the project's Markdown files, by name,
    /// for `{{ doc('name') }}` (shared: the context is cloned per model).
    pub doc_blocks: std::sync::Arc<HashMap<String, String>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TokKind {
    Text,
    Expr,
    Stmt,
    Comment,
    /// `{% raw %}`: the body span.
    Raw(usize, usize),
}

#[derive(Debug, Clone)]
struct Tok {
    kind: TokKind,
    start: usize,
    end: usize,
    /// Inner text of a tag, without delimiters and trim markers.
    body: String,
    /// `{%-`: trim the text before.
    ltrim: bool,
    /// `-%}`: trim the text after.
    rtrim: bool,
}

fn line_of(text: &str, at: usize) -> u32 {
    let at = at.min(text.len());
    u32::try_from(
        text.as_bytes()[..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    )
    .unwrap_or(u32::MAX)
}

fn newlines(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\n').count()
}

/// End of a `{{ }}`/`{% %}` tag opened at `from` (just past the opener):
/// `(body end, tag end)`. Brackets and quotes inside the tag are skipped, so
/// `{{ config(meta={'a': {'b': 1}}) }}` ends at the last `}}`.
fn tag_end(text: &str, from: usize, close: u8) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' => depth = depth.saturating_sub(1),
                // Inside brackets a `}` closes a dict, not the tag.
                b'}' if depth > 0 => depth -= 1,
                _ if depth == 0 && c == close && b.get(i + 1) == Some(&b'}') => {
                    return Some((i, i + 2));
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

fn tokenize(text: &str, problems: &mut Vec<(u32, String)>) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut toks: Vec<Tok> = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    let push_text = |toks: &mut Vec<Tok>, s: usize, e: usize| {
        if e > s {
            toks.push(Tok {
                kind: TokKind::Text,
                start: s,
                end: e,
                body: String::new(),
                ltrim: false,
                rtrim: false,
            });
        }
    };
    while i + 1 < b.len() {
        if b[i] != b'{' || !matches!(b[i + 1], b'{' | b'%' | b'#') {
            i += 1;
            continue;
        }
        let open = b[i + 1];
        push_text(&mut toks, text_start, i);
        let mut inner = i + 2;
        let ltrim = b.get(inner) == Some(&b'-');
        if matches!(b.get(inner), Some(b'-' | b'+')) {
            inner += 1;
        }
        let end = if open == b'#' {
            text[inner..].find("#}").map(|p| (inner + p, inner + p + 2))
        } else {
            tag_end(text, inner, if open == b'{' { b'}' } else { b'%' })
        };
        let Some((mut body_end, tag_end)) = end else {
            problems.push((
                line_of(text, i),
                "unterminated Jinja tag runs to the end of the file; the rest was not read / Jinja 标签未闭合".into(),
            ));
            toks.push(Tok {
                kind: TokKind::Comment,
                start: i,
                end: text.len(),
                body: String::new(),
                ltrim,
                rtrim: false,
            });
            text_start = text.len();
            break;
        };
        let rtrim = body_end > inner && b[body_end - 1] == b'-';
        if body_end > inner && matches!(b[body_end - 1], b'-' | b'+') {
            body_end -= 1;
        }
        let body = text[inner..body_end.max(inner)].trim().to_string();
        let mut tok = Tok {
            kind: match open {
                b'{' => TokKind::Expr,
                b'%' => TokKind::Stmt,
                _ => TokKind::Comment,
            },
            start: i,
            end: tag_end,
            body,
            ltrim,
            rtrim,
        };
        i = tag_end;
        if tok.kind == TokKind::Stmt && tok.body == "raw" {
            // Verbatim up to `{% endraw %}`.
            let re_end = find_endraw(text, i);
            match re_end {
                Some((body_e, after)) => {
                    tok.kind = TokKind::Raw(i, body_e);
                    tok.end = after;
                    i = after;
                }
                None => {
                    problems.push((
                        line_of(text, tok.start),
                        "`{% raw %}` without `{% endraw %}` / raw 块未闭合".into(),
                    ));
                    tok.kind = TokKind::Raw(i, text.len());
                    tok.end = text.len();
                    i = text.len();
                }
            }
        }
        toks.push(tok);
        text_start = i;
    }
    push_text(&mut toks, text_start, text.len());
    toks
}

/// `(start of the endraw tag, end of it)` after `from`.
fn find_endraw(text: &str, from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(p) = text[at..].find("{%") {
        let s = at + p;
        let mut j = s + 2;
        let b = text.as_bytes();
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let rest = text[j..].trim_start();
        if let Some(after) = rest.strip_prefix("endraw") {
            let after_trim = after.trim_start();
            let after_trim = after_trim
                .strip_prefix('-')
                .or_else(|| after_trim.strip_prefix('+'))
                .unwrap_or(after_trim);
            if let Some(tail) = after_trim.strip_prefix("%}") {
                return Some((s, text.len() - tail.len()));
            }
        }
        at = s + 2;
    }
    None
}

#[derive(Debug, Clone)]
struct Branch {
    cond: Option<String>,
    body: Vec<Node>,
    span: (usize, usize),
}

#[derive(Debug, Clone)]
enum NodeKind {
    Text {
        trim_start: bool,
        trim_end: bool,
    },
    Raw(usize, usize),
    Expr(String),
    /// Prints nothing: comments, `{% do %}`, stray end tags…
    Silent,
    Set(String, String),
    If(Vec<Branch>),
    For {
        var: String,
        iter: String,
        body: Vec<Node>,
        span: (usize, usize),
    },
    Block {
        keep: bool,
        snapshot: Option<String>,
        body: Vec<Node>,
        span: (usize, usize),
    },
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    start: usize,
    end: usize,
}

/// Block tags whose body is no output of the model.
const DROPPED_BLOCKS: &[&str] = &["macro", "call", "docs", "test", "materialization", "set"];

fn first_word(s: &str) -> (&str, &str) {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], s[end..].trim())
}

/// The tag that ended a block: word, argument, start and end offsets.
type EndTag = (String, String, usize, usize);

struct TreeBuilder<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    i: usize,
    problems: Vec<(u32, String)>,
}

impl TreeBuilder<'_> {
    /// Nodes up to one of `ends` (returned, with the tag's start and end and
    /// its argument) or the end of the file.
    fn nodes(&mut self, ends: &[&str]) -> (Vec<Node>, Option<EndTag>) {
        let mut out = Vec::new();
        while self.i < self.toks.len() {
            let t = self.toks[self.i].clone();
            self.i += 1;
            let node = |kind| Node {
                kind,
                start: t.start,
                end: t.end,
            };
            match t.kind {
                TokKind::Text => {
                    let prev_rtrim = self.i >= 2 && self.toks[self.i - 2].rtrim;
                    let next_ltrim = self.toks.get(self.i).is_some_and(|n| n.ltrim);
                    out.push(node(NodeKind::Text {
                        trim_start: prev_rtrim,
                        trim_end: next_ltrim,
                    }));
                }
                TokKind::Raw(s, e) => out.push(node(NodeKind::Raw(s, e))),
                TokKind::Comment => out.push(node(NodeKind::Silent)),
                TokKind::Expr => out.push(node(NodeKind::Expr(t.body.clone()))),
                TokKind::Stmt => {
                    let (word, arg) = first_word(&t.body);
                    let (word, arg) = (word.to_string(), arg.to_string());
                    if ends.contains(&word.as_str()) {
                        return (out, Some((word, arg, t.start, t.end)));
                    }
                    match word.as_str() {
                        "if" => out.push(self.if_block(&t, arg)),
                        "for" => out.push(self.for_block(&t, &arg)),
                        "set" if arg.contains('=') => {
                            let (name, expr) = arg.split_once('=').unwrap_or_default();
                            out.push(node(NodeKind::Set(
                                name.trim().to_string(),
                                expr.trim().to_string(),
                            )));
                        }
                        w if w.starts_with("end")
                            || matches!(w, "else" | "elif" | "do" | "include")
                            || matches!(
                                w,
                                "import" | "from" | "break" | "continue" | "extends"
                            ) =>
                        {
                            if w.starts_with("end") || w == "else" || w == "elif" {
                                self.problems.push((
                                    line_of(self.text, t.start),
                                    format!("unexpected `{{% {w} %}}` / 多余的 Jinja 结束标签"),
                                ));
                            }
                            out.push(node(NodeKind::Silent));
                        }
                        w => {
                            let end_word = format!("end{w}");
                            let (body, end) = self.nodes(&[end_word.as_str()]);
                            let body_end = end.as_ref().map_or(self.text.len(), |e| e.2);
                            let tag_end = end.as_ref().map_or(self.text.len(), |e| e.3);
                            if end.is_none() {
                                self.unclosed(&t, w);
                            }
                            let snapshot =
                                (w == "snapshot").then(|| first_word(&arg).0.to_string());
                            out.push(Node {
                                kind: NodeKind::Block {
                                    keep: !DROPPED_BLOCKS.contains(&w),
                                    snapshot,
                                    body,
                                    span: (t.end, body_end),
                                },
                                start: t.start,
                                end: tag_end,
                            });
                        }
                    }
                }
            }
        }
        (out, None)
    }

    fn unclosed(&mut self, t: &Tok, w: &str) {
        self.problems.push((
            line_of(self.text, t.start),
            format!("`{{% {w} %}}` is never closed; read to the end of the file / Jinja 块未闭合"),
        ));
    }

    fn if_block(&mut self, t: &Tok, arg: String) -> Node {
        let mut branches = Vec::new();
        let mut cond = Some(arg);
        let mut body_start = t.end;
        loop {
            let (body, end) = self.nodes(&["elif", "else", "endif"]);
            let body_end = end.as_ref().map_or(self.text.len(), |e| e.2);
            branches.push(Branch {
                cond: cond.take(),
                body,
                span: (body_start, body_end),
            });
            match end {
                Some((w, a, _, e)) if w != "endif" => {
                    cond = (w == "elif").then_some(a);
                    body_start = e;
                }
                Some((_, _, _, e)) => {
                    return Node {
                        kind: NodeKind::If(branches),
                        start: t.start,
                        end: e,
                    }
                }
                None => {
                    self.unclosed(t, "if");
                    return Node {
                        kind: NodeKind::If(branches),
                        start: t.start,
                        end: self.text.len(),
                    };
                }
            }
        }
    }

    fn for_block(&mut self, t: &Tok, arg: &str) -> Node {
        let (var, iter) = match arg.split_once(" in ") {
            Some((v, it)) => (v.trim().to_string(), it.trim().to_string()),
            None => (arg.to_string(), String::new()),
        };
        // `{% for %}…{% else %}…{% endfor %}`: the else body is for empty lists.
        let (body, mut end) = self.nodes(&["else", "endfor"]);
        let body_end = end.as_ref().map_or(self.text.len(), |e| e.2);
        if end.as_ref().is_some_and(|e| e.0 == "else") {
            let (_, e2) = self.nodes(&["endfor"]);
            end = e2;
        }
        if end.is_none() {
            self.unclosed(t, "for");
        }
        Node {
            kind: NodeKind::For {
                var,
                iter,
                body,
                span: (t.end, body_end),
            },
            start: t.start,
            end: end.map_or(self.text.len(), |e| e.3),
        }
    }
}

/// A value known while rendering.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    List(Vec<Val>),
    Bool(bool),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Bool(b) => *b,
        }
    }
    fn text(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Bool(b) => if *b { "True" } else { "False" }.into(),
            Val::List(l) => l.iter().map(Val::text).collect::<Vec<_>>().join(", "),
        }
    }
}

/// A parsed Jinja expression (the subset templates of models use).
#[derive(Debug, Clone, PartialEq)]
enum Ex {
    Str(String),
    Num(String),
    List(Vec<Ex>),
    Name(String),
    Call {
        name: String,
        args: Vec<Ex>,
        kwargs: Vec<(String, Ex)>,
    },
    Concat(Vec<Ex>),
    Other,
}

#[derive(Debug, Clone, PartialEq)]
enum T {
    Id(String),
    Str(String),
    Num(String),
    P(char),
}

fn lex(s: &str) -> Vec<T> {
    let cs: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut v = String::new();
            i += 1;
            while i < cs.len() && cs[i] != c {
                if cs[i] == '\\' && i + 1 < cs.len() {
                    i += 1;
                }
                v.push(cs[i]);
                i += 1;
            }
            i += 1;
            out.push(T::Str(v));
        } else if c.is_ascii_digit() {
            let st = i;
            while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.') {
                i += 1;
            }
            out.push(T::Num(cs[st..i].iter().collect()));
        } else if c.is_alphanumeric() || c == '_' {
            let st = i;
            while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_' || cs[i] == '.') {
                i += 1;
            }
            out.push(T::Id(
                cs[st..i]
                    .iter()
                    .collect::<String>()
                    .trim_end_matches('.')
                    .to_string(),
            ));
        } else {
            out.push(T::P(c));
            i += 1;
        }
    }
    out
}

struct ExParser {
    t: Vec<T>,
    i: usize,
}

impl ExParser {
    fn peek(&self) -> Option<&T> {
        self.t.get(self.i)
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&T::P(c)) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// `a ~ b`, filters `x | f(…)` (ignored), `x if c else y` (the `x`).
    fn expr(&mut self) -> Ex {
        let mut parts = vec![self.primary()];
        loop {
            if self.eat('~') {
                parts.push(self.primary());
            } else if self.eat('|') {
                let _ = self.primary();
            } else {
                break;
            }
        }
        if parts.len() == 1 {
            parts.pop().unwrap_or(Ex::Other)
        } else {
            Ex::Concat(parts)
        }
    }
    fn primary(&mut self) -> Ex {
        match self.t.get(self.i).cloned() {
            Some(T::Str(s)) => {
                self.i += 1;
                Ex::Str(s)
            }
            Some(T::Num(n)) => {
                self.i += 1;
                Ex::Num(n)
            }
            Some(T::P('[')) | Some(T::P('(')) => {
                let close = if self.eat('[') {
                    ']'
                } else {
                    self.i += 1;
                    ')'
                };
                let mut items = Vec::new();
                while self.peek().is_some() && !self.eat(close) {
                    items.push(self.expr());
                    if !self.eat(',') && self.peek() != Some(&T::P(close)) {
                        return Ex::Other;
                    }
                }
                if close == ')' && items.len() == 1 {
                    items.pop().unwrap_or(Ex::Other)
                } else {
                    Ex::List(items)
                }
            }
            Some(T::P('{')) => {
                // A dict literal: skipped whole, its value is not needed.
                let mut depth = 0usize;
                while let Some(t) = self.t.get(self.i) {
                    self.i += 1;
                    match t {
                        T::P('{') => depth += 1,
                        T::P('}') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                Ex::Other
            }
            Some(T::Id(name)) => {
                self.i += 1;
                if !self.eat('(') {
                    return Ex::Name(name);
                }
                let (mut args, mut kwargs) = (Vec::new(), Vec::new());
                while self.peek().is_some() && !self.eat(')') {
                    if let (Some(T::Id(k)), Some(T::P('='))) =
                        (self.t.get(self.i).cloned(), self.t.get(self.i + 1))
                    {
                        if self.t.get(self.i + 2) != Some(&T::P('=')) {
                            self.i += 2;
                            kwargs.push((k, self.expr()));
                        } else {
                            args.push(self.expr());
                        }
                    } else {
                        args.push(self.expr());
                    }
                    if !self.eat(',') && self.peek() != Some(&T::P(')')) {
                        // An argument beyond this parser (`365*10`, `a == b`):
                        // unknown, the call itself still is one.
                        self.skip_arg();
                        match kwargs.last_mut() {
                            Some((_, v)) if args.is_empty() => *v = Ex::Other,
                            _ => {
                                if let Some(a) = args.last_mut() {
                                    *a = Ex::Other;
                                }
                            }
                        }
                        self.eat(',');
                    }
                }
                // `adapter.dispatch('m')(args)`: the second call's arguments.
                if self.peek() == Some(&T::P('(')) {
                    if let Ex::Call {
                        args: a2,
                        kwargs: k2,
                        ..
                    } = self.primary_call(&name)
                    {
                        return Ex::Call {
                            name: args
                                .first()
                                .and_then(|a| match a {
                                    Ex::Str(s) => Some(s.clone()),
                                    _ => None,
                                })
                                .unwrap_or(name),
                            args: a2,
                            kwargs: k2,
                        };
                    }
                }
                Ex::Call { name, args, kwargs }
            }
            _ => {
                self.i += 1;
                Ex::Other
            }
        }
    }
    /// Skips to the `,` or `)` ending the current argument.
    fn skip_arg(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                T::P('(' | '[' | '{') => depth += 1,
                T::P(')' | ']' | '}') if depth == 0 => return,
                T::P(')' | ']' | '}') => depth -= 1,
                T::P(',') if depth == 0 => return,
                _ => {}
            }
            self.i += 1;
        }
    }

    fn primary_call(&mut self, name: &str) -> Ex {
        self.t.insert(self.i, T::Id(name.to_string()));
        self.primary()
    }
}

fn parse_ex(s: &str) -> Ex {
    let mut p = ExParser { t: lex(s), i: 0 };
    let e = p.expr();
    if p.i < p.t.len() {
        // `x if cond else y`, comparisons…: only a leading value is trusted.
        if matches!(p.peek(), Some(T::Id(w)) if w == "if") {
            return e;
        }
        return Ex::Other;
    }
    e
}

/// dbt date parts: as macro arguments they stay SQL literals, not columns.
const DATE_PARTS: &[&str] = &[
    "year",
    "quarter",
    "month",
    "week",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "dayofweek",
    "dayofyear",
];

struct Renderer<'a> {
    text: &'a str,
    ctx: &'a Context,
    scope: Vec<(String, Val)>,
    /// `(first, last)` of the innermost loop, when known.
    loops: Vec<(bool, bool)>,
    out: Rendered,
}

impl Renderer<'_> {
    fn lookup(&self, name: &str) -> Option<&Val> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Value of an expression, when knowable.
    fn value(&mut self, e: &Ex) -> Option<Val> {
        match e {
            Ex::Str(s) => Some(Val::Str(s.clone())),
            Ex::Num(n) => Some(Val::Str(n.clone())),
            Ex::List(items) => items
                .iter()
                .map(|x| self.value(x))
                .collect::<Option<Vec<_>>>()
                .map(Val::List),
            Ex::Name(n) => match n.as_str() {
                "true" | "True" => Some(Val::Bool(true)),
                "false" | "False" => Some(Val::Bool(false)),
                "this" => Some(Val::Str(self.ctx.model.clone())),
                "execute" => Some(Val::Bool(true)),
                "loop.first" => self.loops.last().map(|l| Val::Bool(l.0)),
                "loop.last" => self.loops.last().map(|l| Val::Bool(l.1)),
                _ => self.lookup(n).cloned(),
            },
            Ex::Call { name, args, kwargs } => {
                let short = name.rsplit('.').next().unwrap_or(name);
                match short {
                    "ref" => {
                        let m = self.value(args.last()?)?.text();
                        self.out.refs.push(m.clone());
                        Some(Val::Str(m))
                    }
                    "source" if args.len() >= 2 => {
                        let s = self.value(&args[0])?.text();
                        let t = self.value(&args[1])?.text();
                        let rel = self
                            .ctx
                            .sources
                            .get(&(s.to_lowercase(), t.to_lowercase()))
                            .cloned()
                            .unwrap_or_else(|| format!("{s}.{t}"));
                        self.out.sources.push(rel.clone());
                        Some(Val::Str(rel))
                    }
                    "var" => {
                        let n = self.value(args.first()?)?.text();
                        match self.ctx.vars.get(&n) {
                            Some(v) => Some(Val::Str(v.clone())),
                            None => {
                                let d = args.get(1).or_else(|| {
                                    kwargs.iter().find(|k| k.0 == "default").map(|k| &k.1)
                                })?;
                                self.value(d)
                            }
                        }
                    }
                    "is_incremental" => Some(Val::Bool(false)),
                    "config" => {
                        for (k, v) in kwargs {
                            if k == "materialized" {
                                self.out.materialized = self.value(v).map(|v| v.text());
                            }
                        }
                        Some(Val::Str(String::new()))
                    }
                    _ => None,
                }
            }
            Ex::Concat(parts) => {
                let mut s = String::new();
                for p in parts {
                    s.push_str(&self.value(p)?.text());
                }
                Some(Val::Str(s))
            }
            Ex::Other => None,
        }
    }

    /// The SQL so far without trailing blanks and `--` comments.
    fn sql_tail(&self) -> &str {
        let mut end = self.out.sql.len();
        loop {
            let head = self.out.sql[..end].trim_end();
            let line_start = head.rfind('\n').map_or(0, |p| p + 1);
            match comment_start(&head[line_start..]) {
                Some(c) => end = line_start + c,
                None => return head,
            }
        }
    }

    /// Whether the SQL so far ends where a relation name is expected.
    fn relation_expected(&self) -> bool {
        let last = self
            .sql_tail()
            .rsplit(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        matches!(
            last.as_str(),
            "from" | "join" | "into" | "table" | "update" | "using"
        )
    }

    /// Whether the SQL so far ends where a query is expected: the start of
    /// the model, `as (` of a CTE, `from (`, after `union [all]`.
    fn query_expected(&self) -> bool {
        let tail = self.sql_tail();
        if tail.is_empty() || tail.ends_with(';') {
            return true;
        }
        let (body, paren) = match tail.strip_suffix('(') {
            Some(b) => (b.trim_end(), true),
            None => (tail, false),
        };
        let word = body
            .rsplit(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if paren {
            matches!(word.as_str(), "as" | "from" | "join" | "in" | "exists")
        } else {
            matches!(
                word.as_str(),
                "all" | "union" | "except" | "intersect" | "minus"
            )
        }
    }

    /// SQL text for `{{ e }}` (no line breaks).
    fn sql_of(&mut self, e: &Ex) -> String {
        if let Some(v) = self.value(e) {
            return v.text();
        }
        match e {
            Ex::Name(n) => n.replace('.', "_"),
            Ex::Call { name, args, kwargs } => self.macro_sql(name, args, kwargs),
            Ex::List(items) => items
                .iter()
                .map(|x| self.sql_of(x))
                .collect::<Vec<_>>()
                .join(", "),
            Ex::Concat(parts) => parts.iter().map(|x| self.sql_of(x)).collect(),
            _ if self.relation_expected() => "unknown_relation".into(),
            _ => "NULL".into(),
        }
    }

    /// A macro argument as SQL: strings are SQL text (mostly column
    /// names), date parts stay literals.
    fn arg_sql(&mut self, e: &Ex) -> String {
        match e {
            Ex::Str(s) if DATE_PARTS.contains(&s.to_ascii_lowercase().as_str()) => format!("'{s}'"),
            Ex::Str(s) => s.clone(),
            Ex::List(items) => items
                .iter()
                .map(|x| self.arg_sql(x))
                .collect::<Vec<_>>()
                .join(", "),
            _ => self.sql_of(e),
        }
    }

    fn macro_sql(&mut self, name: &str, args: &[Ex], kwargs: &[(String, Ex)]) -> String {
        let short = name.rsplit('.').next().unwrap_or(name).to_string();
        let all: Vec<&Ex> = args.iter().chain(kwargs.iter().map(|k| &k.1)).collect();
        match short.as_str() {
            "var" => {
                if self.relation_expected() {
                    "unknown_relation".into()
                } else {
                    "NULL".into()
                }
            }
            // `doc('name')` or `doc('package', 'name')`: the block's text,
            // on one line (the rendering keeps the template's lines).
            "doc" => match args.last() {
                Some(Ex::Str(block)) => self
                    .ctx
                    .doc_blocks
                    .get(block)
                    .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default(),
                _ => String::new(),
            },
            "config" | "is_incremental" | "return" | "log" | "print" | "do" | "run_query"
            | "statement" | "set_sql_header" => String::new(),
            "star" => {
                let alias = kwargs
                    .iter()
                    .find(|k| k.0 == "relation_alias")
                    .and_then(|k| self.value(&k.1))
                    .map(|v| v.text());
                // Evaluated for the `ref()` it records.
                if let Some(from) = args
                    .first()
                    .or_else(|| kwargs.iter().find(|k| k.0 == "from").map(|k| &k.1))
                {
                    let _ = self.value(from);
                }
                alias.map_or_else(|| "*".into(), |a| format!("{a}.*"))
            }
            "generate_surrogate_key" | "surrogate_key" | "hash" => {
                let cols: Vec<String> = all.iter().map(|a| self.arg_sql(a)).collect();
                format!("md5(concat({}))", cols.join(", "))
            }
            "cast" | "safe_cast" | "try_cast" if !args.is_empty() => {
                let x = self.arg_sql(&args[0]);
                let ty = args
                    .get(1)
                    .map(|t| self.arg_sql(t))
                    .filter(|t| !t.is_empty() && t != "NULL")
                    .unwrap_or_else(|| "varchar".into());
                format!("cast({x} as {ty})")
            }
            s if s.starts_with("type_") => match &s[5..] {
                "string" => "varchar",
                "int" | "bigint" => "bigint",
                "timestamp" => "timestamp",
                "boolean" => "boolean",
                _ => "numeric",
            }
            .into(),
            "quote" | "identifier" => all.first().map(|a| self.arg_sql(a)).unwrap_or_default(),
            _ if self.query_expected() => {
                // A macro writing a whole query (`union_relations`,
                // `date_spine`…): the union of the relations it is given.
                let before = (self.out.refs.len(), self.out.sources.len());
                for a in &all {
                    let _ = self.sql_of(a);
                }
                let mut rels: Vec<String> = self.out.refs[before.0..].to_vec();
                rels.extend(self.out.sources[before.1..].iter().cloned());
                if rels.is_empty() && self.sql_tail().is_empty() {
                    // At the top of the model: more likely a side effect
                    // (logging, hooks) than the model's query.
                    String::new()
                } else if rels.is_empty() {
                    format!("select NULL as {short}")
                } else {
                    rels.iter()
                        .map(|r| format!("select * from {r}"))
                        .collect::<Vec<_>>()
                        .join(" union all ")
                }
            }
            _ if self.relation_expected() => {
                // A macro building a relation: its first ref()/source(), if any.
                let before = self.out.refs.len() + self.out.sources.len();
                let rendered: Vec<String> = all.iter().map(|a| self.sql_of(a)).collect();
                let first = (self.out.refs.len() + self.out.sources.len() > before)
                    .then(|| rendered.into_iter().find(|r| !r.is_empty()))
                    .flatten();
                first.unwrap_or_else(|| short.clone())
            }
            _ => {
                let rendered: Vec<String> = all.iter().map(|a| self.arg_sql(a)).collect();
                format!("{short}({})", rendered.join(", "))
            }
        }
    }

    fn cond(&mut self, c: &str) -> Option<bool> {
        let c = c.trim();
        if let Some(inner) = c.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            // Only when the parentheses enclose the whole condition.
            if balanced(inner) {
                return self.cond(inner);
            }
        }
        for op in [" or ", " and "] {
            if let Some(at) = top_level_find(c, op) {
                let (a, b) = (self.cond(&c[..at]), self.cond(&c[at + op.len()..]));
                return match (op, a, b) {
                    (" or ", Some(true), _) | (" or ", _, Some(true)) => Some(true),
                    (" or ", Some(false), Some(false)) => Some(false),
                    (" and ", Some(false), _) | (" and ", _, Some(false)) => Some(false),
                    (" and ", Some(true), Some(true)) => Some(true),
                    _ => None,
                };
            }
        }
        if let Some(rest) = c.strip_prefix("not ") {
            return self.cond(rest).map(|b| !b);
        }
        for op in ["==", "!="] {
            if let Some(at) = top_level_find(c, op) {
                let a = self.value(&parse_ex(&c[..at]))?;
                let b = self.value(&parse_ex(&c[at + 2..]))?;
                return Some((a.text() == b.text()) == (op == "=="));
            }
        }
        self.value(&parse_ex(c)).map(|v| v.truthy())
    }

    fn render(&mut self, nodes: &[Node]) {
        for n in nodes {
            self.node(n);
        }
    }

    fn pad(&mut self, span: &str) {
        for _ in 0..newlines(span) {
            self.out.sql.push('\n');
        }
    }

    fn node(&mut self, n: &Node) {
        let text = self.text;
        match &n.kind {
            NodeKind::Text {
                trim_start,
                trim_end,
            } => {
                let mut s = &text[n.start..n.end];
                let mut lead = "";
                if *trim_start {
                    let t = s.trim_start();
                    lead = &s[..s.len() - t.len()];
                    s = t;
                }
                for _ in 0..newlines(lead) {
                    self.out.sql.push('\n');
                }
                if *trim_end {
                    let t = s.trim_end();
                    let tail = &s[t.len()..];
                    self.out.sql.push_str(t);
                    self.pad(tail);
                } else {
                    self.out.sql.push_str(s);
                }
            }
            NodeKind::Raw(s, e) => {
                self.pad(&text[n.start..*s]);
                self.out.sql.push_str(&text[*s..*e]);
                self.pad(&text[*e..n.end]);
            }
            NodeKind::Expr(body) => {
                let sql = self.sql_of(&parse_ex(body));
                self.out.sql.push_str(&sql.replace(['\n', '\r'], " "));
                self.pad(&text[n.start..n.end]);
            }
            NodeKind::Silent => self.pad(&text[n.start..n.end]),
            NodeKind::Set(name, expr) => {
                let v = self.value(&parse_ex(expr));
                match v {
                    Some(v) => self.scope.push((name.clone(), v)),
                    // Unknown from here on: forget an earlier literal value.
                    None => self.scope.retain(|(n2, _)| n2 != name),
                }
                self.pad(&text[n.start..n.end]);
            }
            NodeKind::If(branches) => {
                let mut chosen = None;
                for (i, b) in branches.iter().enumerate() {
                    match b.cond.as_deref().map(|c| self.cond(c)) {
                        Some(Some(false)) => continue,
                        _ => {
                            chosen = Some(i);
                            break;
                        }
                    }
                }
                match chosen {
                    Some(i) => {
                        let b = &branches[i];
                        self.pad(&text[n.start..b.span.0]);
                        self.render(&b.body);
                        self.pad(&text[b.span.1..n.end]);
                    }
                    None => self.pad(&text[n.start..n.end]),
                }
            }
            NodeKind::For {
                var,
                iter,
                body,
                span,
            } => {
                self.pad(&text[n.start..span.0]);
                let items = match self.value(&parse_ex(iter)) {
                    Some(Val::List(l)) => Some(l),
                    _ => None,
                };
                let vars: Vec<&str> = var.split(',').map(str::trim).collect();
                match items {
                    Some(items) => {
                        let count = items.len().min(MAX_UNROLL);
                        for (i, item) in items.into_iter().take(MAX_UNROLL).enumerate() {
                            let mark = self.scope.len();
                            self.bind(&vars, item);
                            self.loops.push((i == 0, i + 1 == count));
                            if i == 0 {
                                self.render(body);
                            } else {
                                // Later iterations join the loop's last line.
                                let saved = std::mem::take(&mut self.out.sql);
                                self.render(body);
                                let extra = std::mem::replace(&mut self.out.sql, saved);
                                let flat = flatten(&extra);
                                let mut at = self.out.sql.trim_end().len();
                                // Before a `--` comment, which would swallow it.
                                let line_start =
                                    self.out.sql[..at].rfind('\n').map_or(0, |p| p + 1);
                                if let Some(c) = comment_start(&self.out.sql[line_start..at]) {
                                    at = line_start + c;
                                }
                                self.out.sql.insert_str(at, &format!(" {flat} "));
                            }
                            self.loops.pop();
                            self.scope.truncate(mark);
                        }
                        if count == 0 {
                            self.pad(&text[span.0..span.1]);
                        }
                    }
                    None => {
                        self.loops.push((true, true));
                        self.render(body);
                        self.loops.pop();
                    }
                }
                self.pad(&text[span.1..n.end]);
            }
            NodeKind::Block {
                keep,
                snapshot,
                body,
                span,
            } => {
                if snapshot.is_some() {
                    self.out.snapshot.clone_from(snapshot);
                }
                if *keep {
                    self.pad(&text[n.start..span.0]);
                    self.render(body);
                    self.pad(&text[span.1..n.end]);
                } else {
                    self.pad(&text[n.start..n.end]);
                }
            }
        }
    }

    /// Binds a loop variable (or a `k, v` pair).
    fn bind(&mut self, vars: &[&str], item: Val) {
        match (vars, item) {
            ([one], v) => self.scope.push((one.to_string(), v)),
            (many, Val::List(vals)) => {
                for (name, v) in many.iter().zip(vals) {
                    self.scope.push((name.to_string(), v));
                }
            }
            _ => {}
        }
    }
}

/// True when no `)`, `]` or `}` in `s` closes a bracket opened before it.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quote = None;
    for c in s.bytes() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth < 0 {
                        return false;
                    }
                }
                _ => {}
            },
        }
    }
    depth == 0
}

fn top_level_find(s: &str, needle: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut depth, mut quote) = (0i32, None::<u8>);
    for i in 0..b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ if depth == 0 && b[i..].starts_with(needle.as_bytes()) => return Some(i),
                _ => {}
            },
        }
    }
    None
}

/// Byte offset of a `--` comment outside quotes in one line.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let b = line.as_bytes();
    for i in 0..b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if b[i] == b'\'' || b[i] == b'"' => quote = Some(b[i]),
            None if b[i..].starts_with(b"--") => return Some(i),
            None => {}
        }
    }
    None
}

/// One line of SQL from several: `--` comments dropped so they do not
/// swallow what follows on the joined line.
fn flatten(sql: &str) -> String {
    sql.lines()
        .map(|l| comment_start(l).map_or(l, |c| &l[..c]))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders a dbt template to plain SQL on the same lines (see the module
/// documentation for what is approximated).
pub fn render(text: &str, ctx: &Context) -> Rendered {
    let mut problems = Vec::new();
    let toks = tokenize(text, &mut problems);
    let mut tb = TreeBuilder {
        text,
        toks,
        i: 0,
        problems,
    };
    let (nodes, _) = tb.nodes(&[]);
    let mut r = Renderer {
        text,
        ctx,
        scope: Vec::new(),
        loops: Vec::new(),
        out: Rendered {
            problems: tb.problems,
            ..Rendered::default()
        },
    };
    r.render(&nodes);
    r.out
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
        let mut all = extract_all([(s.rel.as_str(), s.text.as_str())], |_| cx.dialect);
        all.remove(&s.rel).unwrap_or_else(|| FileFacts {
            file: s.rel.clone(),
            ..FileFacts::default()
        })
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
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let mut columns: Vec<ColumnDef> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .filter(|c| !c.is_empty())
        .map(|c| {
            let documented = doc.columns.iter().find(|d| d.name.eq_ignore_ascii_case(&c));
            ColumnDef {
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
        .unwrap_or_else(|| Location::line(rel, line_of(&r.sql, at)));
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
                            new_items.extend(cols.into_iter().map(|c| {
                                OutItem::Column(OutColumn {
                                    name: Some(c.clone()),
                                    sources: vec![SourceColumn {
                                        tables: vec![table.clone()],
                                        column: c,
                                    }],
                                    transform: Transform::Copy,
                                })
                            }));
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

    fn ctx() -> Context {
        let mut c = Context {
            model: "me".into(),
            ..Context::default()
        };
        c.vars.insert("start_date".into(), "2024-01-01".into());
        c.sources
            .insert(("app".into(), "members".into()), "raw.t_member".into());
        c
    }

    fn sql(t: &str) -> String {
        render(t, &ctx()).sql
    }

    /// Every rendering keeps the template's lines.
    fn same_lines(t: &str) -> String {
        let out = sql(t);
        assert_eq!(newlines(&out), newlines(t), "lines moved:\n{t}\n---\n{out}");
        out
    }

    #[test]
    fn nested_braces_and_braces_in_strings_stay_inside_the_tag() {
        let r = render(
            "{{ config(materialized='table', meta={'a': {'b': '}}'}}) }}select 1",
            &ctx(),
        );
        assert_eq!(r.sql, "select 1");
        assert_eq!(r.materialized.as_deref(), Some("table"));
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(sql("{% set m = {'k': [1, {'x': 2}]} %}x"), "x");
    }

    #[test]
    fn whitespace_control_trims_spaces_but_keeps_newlines() {
        let t = "select a\n  {{- ' , b' }}  \nfrom t";
        assert_eq!(same_lines(t), "select a\n , b  \nfrom t");
        let t = "select\n  {%- if true -%}\n   x\n  {%- endif %}\nfrom t";
        assert_eq!(same_lines(t), "select\n\nx\n\nfrom t");
    }

    #[test]
    fn raw_blocks_are_verbatim() {
        assert_eq!(
            sql("select '{% raw %}{{ x }}{% if %}{% endraw %}' as a"),
            "select '{{ x }}{% if %}' as a"
        );
        let r = render("select 1 {% raw %} {{ x }}", &ctx());
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    }

    #[test]
    fn ref_takes_the_model_even_with_a_package_or_version() {
        let r = render(
            "select * from {{ ref('pkg', 'orders') }} join {{ ref(\"items\", v=2) }} using (id)",
            &ctx(),
        );
        assert_eq!(r.sql, "select * from orders join items using (id)");
        assert_eq!(r.refs, ["orders", "items"]);
    }

    #[test]
    fn source_resolves_schema_and_identifier_with_either_quote() {
        assert_eq!(
            sql("from {{ source(\"app\", 'members') }}"),
            "from raw.t_member"
        );
        assert_eq!(
            sql("from {{ source('app' , \"Members\") }}"),
            "from raw.t_member"
        );
        assert_eq!(sql("from {{ source('crm', 'leads') }}"), "from crm.leads");
        assert_eq!(sql("from {{ this }}"), "from me");
    }

    #[test]
    fn comments_and_dropped_blocks_keep_their_lines() {
        let t = "{# one\ntwo {{ ref('x') }} #}\nselect 1\n{% macro m(a) %}\n{{ a }}\n{% endmacro %}\n{% set q %}\nselect 2\n{% endset %}";
        let out = same_lines(t);
        assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["select", "1"]);
        assert!(render(t, &ctx()).refs.is_empty());
    }

    #[test]
    fn literal_loops_unroll_on_their_own_lines() {
        let t = "{% set ms = ['card', 'cash'] %}\nselect\n  {% for m in ms %}\n  sum(case when method = '{{ m }}' then amount end) as {{ m }}_amount{% if not loop.last %},{% endif %} -- per method\n  {% endfor %}\nfrom p";
        let out = same_lines(t);
        let line = out.lines().nth(3).unwrap_or_default();
        assert!(
            line.contains("'card'") && line.contains("card_amount,"),
            "{out}"
        );
        assert!(
            line.contains("'cash' then amount end) as cash_amount "),
            "{out}"
        );
        assert!(!line.contains("cash_amount,"), "{out}");
        assert_eq!(out.lines().nth(5), Some("from p"));
        // An unknown list renders the body once, its variable as a name.
        let out = same_lines("{% for c in adapter.get_columns(x) %}{{ c }}{% if not loop.last %},{% endif %}{% endfor %}");
        assert_eq!(out, "c");
    }

    #[test]
    fn if_keeps_the_first_branch_not_known_false() {
        let t = "{% if is_incremental() %}where a > 1{% else %}where true{% endif %}";
        assert_eq!(sql(t), "where true");
        let t = "{% if target.name == 'dev' %}limit 10{% else %}limit 99{% endif %}";
        assert_eq!(sql(t), "limit 10");
        let t = "{% if var('start_date') and not execute %}a{% elif var('start_date') == '2024-01-01' %}b{% endif %}";
        assert_eq!(sql(t), "b");
    }

    #[test]
    fn vars_and_macros_become_sql() {
        assert_eq!(sql("'{{ var(\"start_date\") }}'"), "'2024-01-01'");
        assert_eq!(sql("{{ var('limit', 10) }}"), "10");
        assert_eq!(sql("where x = {{ var('nope') }}"), "where x = NULL");
        assert_eq!(
            sql("select {{ cents_to_dollars('amount') }} as a"),
            "select cents_to_dollars(amount) as a"
        );
        assert_eq!(
            sql("select {{ dbt.date_trunc('day', 'ordered_at') }}"),
            "select date_trunc('day', ordered_at)"
        );
        // A macro with no relation at the top of a model is a side effect.
        assert_eq!(sql("{{ log_run('x') }}\nselect 1"), "\nselect 1");
        assert_eq!(
            sql("select {{ dbt_utils.star(from=ref('a'), except=['x']) }} from t"),
            "select * from t"
        );
        assert_eq!(
            sql("{{ dbt_utils.generate_surrogate_key(['id', 'phone']) }}"),
            "md5(concat(id, phone))"
        );
        assert_eq!(
            sql("with d as (\n  -- spine\n  {{ dbt_utils.date_spine(n=365*10, datepart='day') }}\n)"),
            "with d as (\n  -- spine\n  select NULL as date_spine\n)"
        );
        assert_eq!(
            sql("{{ dbt_utils.union_relations(relations=[ref('a'), source('app', 'members')]) }}"),
            "select * from a union all select * from raw.t_member"
        );
        assert_eq!(
            sql("select * from {{ var('tbl') }}"),
            "select * from unknown_relation"
        );
    }

    #[test]
    fn unterminated_and_unbalanced_tags_are_reported_with_lines() {
        let r = render("select 1\nfrom {{ ref('a'\n", &ctx());
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].0, 2);
        let r = render("select\n{% if x %}\n1", &ctx());
        assert_eq!(r.problems.iter().map(|p| p.0).collect::<Vec<_>>(), [2]);
        let r = render("select 1\n\n{% endfor %}", &ctx());
        assert_eq!(r.problems.iter().map(|p| p.0).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn hostile_templates_never_panic_and_keep_lines() {
        for t in [
            "{{",
            "{%",
            "{#",
            "{{-}}",
            "{%-%}",
            "{% for %}",
            "{% endraw %}",
            "{% if %}{% else %}",
            "中{{ '文' }}字 -- 注释\n{{ x ~ }}",
            "{{ a(b=) }}{{ f(,) }}{{ [1, }}",
            "{% set = %}",
            "{% for a, b in [[1, 2], [3]] %}{{ a }}{{ b }}{% endfor %}",
            "}}%}#}",
            "select '中文'\n{% for x in ['a', 'b'] %}\n-- 注释 '{{ x }}'\n{% endfor %}",
        ] {
            let r = render(t, &ctx());
            assert_eq!(newlines(&r.sql), newlines(t), "{t:?} → {:?}", r.sql);
        }
    }

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
