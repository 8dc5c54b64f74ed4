//! dbt's Jinja, rendered by `minijinja` with stand-ins for dbt's context,
//! so a model becomes plain SQL **on the template's lines**.
//!
//! The template is first rewritten (never changing its line count):
//!
//! * every line of template text gets a *line marker* (a private-use
//!   character pair holding an id; the id knows its source line), and so
//!   does every `{{ … }}`; after rendering, the markers put each piece of
//!   output back on its source line. Output met a second time (a loop's
//!   later iterations, a macro body) is joined onto the line where the
//!   output so far ends, before a `--` comment;
//! * `{%- -%}` trims spaces but keeps the newlines (done here, not by the
//!   engine, whose trimming would stop at the markers anyway);
//! * blocks are balanced: a stray end tag is dropped, an unclosed block is
//!   closed at the end of the file (each with a problem at its line);
//!   dbt's own blocks become `if` blocks (`{% snapshot %}` kept and named,
//!   `{% docs %}`, `{% test %}`, `{% materialization %}` dropped);
//!   `include`/`import`/`from`/`extends` are dropped (there is no loader);
//! * `{% for x in xs %}` iterates at most [`MAX_UNROLL`] items, and once
//!   over a value that is no list (its variable then renders as its name).
//!
//! A tag the engine rejects (syntax or render error) is reported with its
//! line and replaced by a stand-in (an expression by an unknown value, an
//! `if` by `if true`…), and the template is rendered again.
//!
//! Names the template does not define are *unknown values*: they render as
//! their dotted path with `_` (`target.schema` → `target_schema`), are true,
//! and calling them is an *unknown macro call*, placed as a sentinel and
//! turned into SQL after rendering, when the SQL before it is known (see
//! [`macro_sql`]).

use crate::model::LineIndex;
use minijinja::value::{from_args, Kwargs, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Most iterations a `{% for %}` renders.
pub const MAX_UNROLL: usize = 64;

/// Instructions one rendering may run (a hostile template cannot loop on).
const FUEL: u64 = 2_000_000;

/// Deepest macro recursion.
const RECURSION_LIMIT: usize = 64;

/// Engine errors repaired (tag replaced) before giving up on the tags.
const MAX_REPAIRS: usize = 32;

/// Line marker: `LINE_OPEN id LINE_CLOSE`, placed in template text.
const LINE_OPEN: char = '\u{E000}';
const LINE_CLOSE: char = '\u{E001}';
/// Unknown macro call: `CALL_OPEN id CALL_CLOSE`, as its rendering.
const CALL_OPEN: char = '\u{E002}';
const CALL_CLOSE: char = '\u{E003}';

/// Internal names the rewritten template uses.
const LOOP_FN: &str = "__piaudit_loop";
const UNKNOWN_FN: &str = "__piaudit_unknown";

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
    /// Template problems (unterminated tags, unbalanced blocks, tags the
    /// engine rejected), with lines.
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
    pub doc_blocks: Arc<HashMap<String, String>>,
}

/// Renders a dbt template to plain SQL on the same lines (see the module
/// documentation for what is approximated).
pub fn render(text: &str, ctx: &Context) -> Rendered {
    // The markers are private-use characters: a template's own would be
    // read as markers.
    let text: String = text
        .chars()
        .map(|c| {
            if ('\u{E000}'..='\u{E003}').contains(&c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    let total_lines = newlines(&text);
    let (pieces, mut problems) = scan(&text);
    let mut broken: HashSet<usize> = HashSet::new();
    let mut error_line = 1;
    for _ in 0..=MAX_REPAIRS {
        let built = build(&text, &pieces, &broken);
        let shared = Arc::new(Mutex::new(Shared {
            ctx: ctx.clone(),
            ..Shared::default()
        }));
        let result = run(&built.template, &shared);
        // The calls hold values holding `shared`: taken out, the cycle ends.
        let state = std::mem::take(&mut *lock(&shared));
        match result {
            Ok(output) => {
                problems.extend(built.problems);
                return Rendered {
                    sql: assemble(&output, &built.markers, total_lines, &state.calls),
                    refs: state.refs,
                    sources: state.sources,
                    materialized: state.materialized,
                    snapshot: built.snapshot,
                    problems,
                };
            }
            Err(err) => {
                let line = err.line().unwrap_or(1).clamp(1, total_lines + 1);
                error_line = u32::try_from(line).unwrap_or(u32::MAX);
                let culprit = (err.kind() != ErrorKind::OutOfFuel)
                    .then(|| {
                        (0..pieces.len()).find(|&i| {
                            !broken.contains(&i)
                                && pieces[i].tag().is_some_and(|t| {
                                    t.kind != TagKind::Comment
                                        && t.lines.0 <= line
                                        && line <= t.lines.1
                                })
                        })
                    })
                    .flatten();
                let Some(i) = culprit else {
                    break;
                };
                broken.insert(i);
                problems.push((
                    u32::try_from(line).unwrap_or(u32::MAX),
                    format!(
                        "Jinja error: {}; the tag was read as an unknown value / Jinja 错误，该标签按未知值读取",
                        error_text(&err)
                    ),
                ));
            }
        }
    }
    // The tags cannot be rendered (out of fuel, errors past repair): the
    // template's text alone is read; its block problems still stand.
    problems.extend(build(&text, &pieces, &broken).problems);
    problems.push((
        error_line,
        "the Jinja template could not be rendered; its text was read without the tags / Jinja 模板无法渲染，仅读取其文本".into(),
    ));
    let built = build_text_only(&text, &pieces);
    Rendered {
        sql: assemble(&built.template, &built.markers, total_lines, &[]),
        problems,
        ..Rendered::default()
    }
}

fn error_text(err: &Error) -> String {
    match err.detail() {
        Some(d) => format!("{}: {d}", err.kind()),
        None => err.kind().to_string(),
    }
}

pub(super) fn newlines(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\n').count()
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// Scanning: where the tags are
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Expr,
    Stmt,
    Comment,
}

#[derive(Debug, Clone)]
struct Tag {
    kind: TagKind,
    /// Byte span of the whole tag.
    span: (usize, usize),
    /// Byte span of its inside, without delimiters and trim marks.
    body: (usize, usize),
    /// `{%-`: trim the text before.
    ltrim: bool,
    /// `-%}`: trim the text after.
    rtrim: bool,
    /// First and last line (1-based).
    lines: (usize, usize),
}

#[derive(Debug, Clone)]
enum Piece {
    Text(usize, usize),
    Tag(Tag),
    /// `{% raw %}…{% endraw %}`: opening tag, body span, end of the
    /// closing tag (the text's end when unclosed), closing tag's `-%}`.
    Raw {
        open: Tag,
        body: (usize, usize),
        end: usize,
        rtrim: bool,
    },
}

impl Piece {
    fn tag(&self) -> Option<&Tag> {
        match self {
            Piece::Tag(t) => Some(t),
            _ => None,
        }
    }
    fn ltrim(&self) -> bool {
        match self {
            Piece::Tag(t) | Piece::Raw { open: t, .. } => t.ltrim,
            Piece::Text(..) => false,
        }
    }
    fn rtrim(&self) -> bool {
        match self {
            Piece::Tag(t) => t.rtrim,
            Piece::Raw { rtrim, .. } => *rtrim,
            Piece::Text(..) => false,
        }
    }
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

/// `(start of the endraw tag, end of it, its `-%}`)` after `from`.
fn find_endraw(text: &str, from: usize) -> Option<(usize, usize, bool)> {
    let b = text.as_bytes();
    let mut at = from;
    while let Some(p) = text[at..].find("{%") {
        let s = at + p;
        let mut j = s + 2;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let rest = text[j..].trim_start();
        if let Some(after) = rest.strip_prefix("endraw") {
            let after = after.trim_start();
            let rtrim = after.starts_with('-');
            let after = after
                .strip_prefix('-')
                .or_else(|| after.strip_prefix('+'))
                .unwrap_or(after);
            if let Some(tail) = after.strip_prefix("%}") {
                return Some((s, text.len() - tail.len(), rtrim));
            }
        }
        at = s + 2;
    }
    None
}

fn scan(text: &str) -> (Vec<Piece>, Vec<(u32, String)>) {
    let index = LineIndex::new(text);
    let b = text.as_bytes();
    let mut pieces = Vec::new();
    let mut problems = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    let line32 = |at: usize| index.line(at);
    while i + 1 < b.len() {
        if b[i] != b'{' || !matches!(b[i + 1], b'{' | b'%' | b'#') {
            i += 1;
            continue;
        }
        let open = b[i + 1];
        if i > text_start {
            pieces.push(Piece::Text(text_start, i));
        }
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
        let Some((mut body_end, end)) = end else {
            problems.push((
                line32(i),
                "unterminated Jinja tag runs to the end of the file; the rest was not read / Jinja 标签未闭合".into(),
            ));
            // The rest is a comment: nothing of it is read.
            pieces.push(Piece::Tag(Tag {
                kind: TagKind::Comment,
                span: (i, text.len()),
                body: (inner.min(text.len()), text.len()),
                ltrim,
                rtrim: false,
                lines: (index.line(i) as usize, index.line(text.len()) as usize),
            }));
            return (pieces, problems);
        };
        let rtrim = body_end > inner && b[body_end - 1] == b'-';
        if body_end > inner && matches!(b[body_end - 1], b'-' | b'+') {
            body_end -= 1;
        }
        let tag = Tag {
            kind: match open {
                b'{' => TagKind::Expr,
                b'%' => TagKind::Stmt,
                _ => TagKind::Comment,
            },
            span: (i, end),
            body: (inner, body_end.max(inner)),
            ltrim,
            rtrim,
            lines: (index.line(i) as usize, index.line(end) as usize),
        };
        i = end;
        if tag.kind == TagKind::Stmt && text[tag.body.0..tag.body.1].trim() == "raw" {
            // Verbatim up to `{% endraw %}`.
            let (body_end, after, rtrim) = find_endraw(text, i).unwrap_or_else(|| {
                problems.push((
                    line32(tag.span.0),
                    "`{% raw %}` without `{% endraw %}` / raw 块未闭合".into(),
                ));
                (text.len(), text.len(), false)
            });
            pieces.push(Piece::Raw {
                open: tag,
                body: (i, body_end),
                end: after,
                rtrim,
            });
            i = after;
        } else {
            pieces.push(Piece::Tag(tag));
        }
        text_start = i;
    }
    if text.len() > text_start {
        pieces.push(Piece::Text(text_start, text.len()));
    }
    (pieces, problems)
}

// ---------------------------------------------------------------------------
// Building the template the engine renders
// ---------------------------------------------------------------------------

/// The rewritten template.
struct Built {
    template: String,
    /// Line marker id → (0-based source line, placed before an expression).
    markers: Vec<(usize, bool)>,
    snapshot: Option<String>,
    problems: Vec<(u32, String)>,
}

impl Built {
    fn marker(&mut self, line: usize, expr: bool) {
        let id = self.markers.len();
        self.markers.push((line, expr));
        self.template.push(LINE_OPEN);
        self.template.push_str(&id.to_string());
        self.template.push(LINE_CLOSE);
    }

    /// Template text from `line` (0-based), each line marked.
    fn text(&mut self, s: &str, mut line: usize) {
        self.marker(line, false);
        for c in s.chars() {
            self.template.push(c);
            if c == '\n' {
                line += 1;
                self.marker(line, false);
            }
        }
    }

    /// A tag with `inside` as its body, keeping the original tag's line
    /// breaks (so engine errors keep their lines).
    fn tag(&mut self, open: &str, inside: &str, close: &str, original: &str) {
        self.template.push_str(open);
        self.template.push(' ');
        self.template.push_str(inside);
        for _ in newlines(inside)..newlines(original) {
            self.template.push('\n');
        }
        self.template.push(' ');
        self.template.push_str(close);
    }

    /// Nothing, but the line breaks of `original`.
    fn silent(&mut self, original: &str) {
        self.template.push_str("{#");
        for _ in 0..newlines(original) {
            self.template.push('\n');
        }
        self.template.push_str("#}");
    }
}

/// What a statement tag is to the block structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Opens a block the engine knows.
    Open,
    /// Opens a block of dbt's (or an unknown one): read as `if true`.
    KeptBlock,
    /// Opens a block whose body is no output: read as `if false`.
    DroppedBlock,
    /// `elif`/`else`.
    Middle,
    /// `end…`.
    Close,
    /// A statement of its own (`set x = …`, `do`, `break`…).
    Simple,
    /// Something with no meaning here (`include`, `import`…): dropped.
    Ignored,
}

fn first_word(s: &str) -> (&str, &str) {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], s[end..].trim())
}

fn role(word: &str, arg: &str) -> Role {
    match word {
        "if" | "for" | "macro" | "call" | "filter" | "with" | "autoescape" => Role::Open,
        "set" if arg.contains('=') => Role::Simple,
        "set" => Role::Open,
        "elif" | "else" => Role::Middle,
        "do" | "break" | "continue" => Role::Simple,
        "include" | "import" | "from" | "extends" | "" => Role::Ignored,
        "docs" | "test" | "materialization" => Role::DroppedBlock,
        w if w.starts_with("end") => Role::Close,
        _ => Role::KeptBlock,
    }
}

/// `{% for targets in __piaudit_loop(expr, "targets") rest %}`.
fn for_tag(arg: &str) -> Option<String> {
    let at = top_level_find(arg, " in ")?;
    let targets = arg[..at].trim();
    let rest = &arg[at + 4..];
    let cut = [" if ", " recursive"]
        .iter()
        .filter_map(|k| top_level_find(rest, k))
        .min()
        .unwrap_or(rest.len());
    let names: String = targets
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '_' | ','))
        .collect();
    Some(format!(
        "for {targets} in {LOOP_FN}({}, \"{names}\"){}",
        &rest[..cut],
        &rest[cut..]
    ))
}

fn build(text: &str, pieces: &[Piece], broken: &HashSet<usize>) -> Built {
    let index = LineIndex::new(text);
    let mut out = Built {
        template: String::with_capacity(text.len() * 2),
        markers: Vec::new(),
        snapshot: None,
        problems: Vec::new(),
    };
    // Open blocks: (word, kind, line of the opening tag).
    let mut stack: Vec<(String, Role, usize)> = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(s, e) => {
                let mut seg = &text[*s..*e];
                let line = index.line(*s) as usize - 1;
                let mut kept = String::new();
                if i > 0 && pieces[i - 1].rtrim() {
                    let t = seg.trim_start();
                    let lead = newlines(&seg[..seg.len() - t.len()]);
                    kept.extend(std::iter::repeat_n('\n', lead));
                    seg = t;
                }
                let mut tail = 0;
                if pieces.get(i + 1).is_some_and(Piece::ltrim) {
                    let t = seg.trim_end();
                    tail = newlines(&seg[t.len()..]);
                    seg = t;
                }
                kept.push_str(seg);
                kept.extend(std::iter::repeat_n('\n', tail));
                out.text(&kept, line);
            }
            Piece::Raw {
                open, body, end, ..
            } => {
                out.template.push_str("{% raw %}");
                out.text(&text[body.0..body.1], index.line(body.0) as usize - 1);
                out.template.push_str("{% endraw %}");
                // Line breaks inside the tags themselves.
                let tags = newlines(&text[open.span.0..body.0]) + newlines(&text[body.1..*end]);
                if tags > 0 {
                    out.silent(&"\n".repeat(tags));
                }
            }
            Piece::Tag(tag) => {
                let original = &text[tag.span.0..tag.span.1];
                let body = text[tag.body.0..tag.body.1].trim();
                match tag.kind {
                    TagKind::Comment => out.silent(original),
                    TagKind::Expr => {
                        out.marker(tag.lines.0 - 1, true);
                        if broken.contains(&i) {
                            out.tag("{{", &format!("{UNKNOWN_FN}()"), "}}", original);
                        } else {
                            out.tag("{{", body, "}}", original);
                        }
                    }
                    TagKind::Stmt => {
                        statement(
                            &mut out,
                            &mut stack,
                            tag,
                            body,
                            original,
                            broken.contains(&i),
                        );
                    }
                }
            }
        }
    }
    while let Some((word, role, line)) = stack.pop() {
        out.problems.push((
            u32::try_from(line).unwrap_or(u32::MAX),
            format!(
                "`{{% {word} %}}` is never closed; read to the end of the file / Jinja 块未闭合"
            ),
        ));
        let close = if role == Role::Open {
            format!("end{word}")
        } else {
            "endif".into()
        };
        out.tag("{%", &close, "%}", "");
    }
    out
}

fn statement(
    out: &mut Built,
    stack: &mut Vec<(String, Role, usize)>,
    tag: &Tag,
    body: &str,
    original: &str,
    broken: bool,
) {
    let (word, arg) = first_word(body);
    let line = tag.lines.0;
    let stray = |out: &mut Built| {
        out.problems.push((
            u32::try_from(line).unwrap_or(u32::MAX),
            format!("unexpected `{{% {word} %}}` / 多余的 Jinja 结束标签"),
        ));
        out.silent(original);
    };
    match role(word, arg) {
        Role::Open => {
            stack.push((word.to_string(), Role::Open, line));
            let inside = match (word, broken) {
                ("for", false) => for_tag(arg).unwrap_or_else(|| body.to_string()),
                (_, false) => body.to_string(),
                ("if", true) => "if true".into(),
                ("for", true) => "for __piaudit in [0]".into(),
                ("macro", true) => "macro __piaudit_macro()".into(),
                ("call", true) => "call log()".into(),
                ("filter", true) => "filter safe".into(),
                ("autoescape", true) => "autoescape false".into(),
                ("set", true) => "set __piaudit".into(),
                (w, true) => w.to_string(),
            };
            out.tag("{%", &inside, "%}", original);
        }
        Role::KeptBlock | Role::DroppedBlock => {
            let kind = role(word, arg);
            if word == "snapshot" {
                out.snapshot = Some(first_word(arg).0.to_string());
            }
            stack.push((word.to_string(), kind, line));
            let cond = if kind == Role::KeptBlock {
                "if true"
            } else {
                "if false"
            };
            out.tag("{%", cond, "%}", original);
        }
        Role::Middle => {
            let fits = match stack.last() {
                Some((w, Role::Open, _)) => w == "if" || (w == "for" && word == "else"),
                _ => false,
            };
            if !fits {
                return stray(out);
            }
            let inside = match (word, broken) {
                ("elif", true) => "elif true".to_string(),
                (_, true) => word.to_string(),
                _ => body.to_string(),
            };
            out.tag("{%", &inside, "%}", original);
        }
        Role::Close => {
            let closes = stack.last().is_some_and(|(w, _, _)| word[3..] == **w);
            if !closes {
                return stray(out);
            }
            let Some((w, kind, _)) = stack.pop() else {
                return stray(out);
            };
            let close = if kind == Role::Open {
                format!("end{w}")
            } else {
                "endif".into()
            };
            out.tag("{%", &close, "%}", original);
        }
        Role::Simple if !broken => out.tag("{%", body, "%}", original),
        Role::Simple | Role::Ignored => out.silent(original),
    }
}

/// The template's text alone, every tag dropped (when the tags cannot be
/// rendered at all).
fn build_text_only(text: &str, pieces: &[Piece]) -> Built {
    let index = LineIndex::new(text);
    let mut out = Built {
        template: String::new(),
        markers: Vec::new(),
        snapshot: None,
        problems: Vec::new(),
    };
    for piece in pieces {
        match piece {
            Piece::Text(s, e) => out.text(&text[*s..*e], index.line(*s) as usize - 1),
            Piece::Raw { body, .. } => {
                out.text(&text[body.0..body.1], index.line(body.0) as usize - 1)
            }
            Piece::Tag(_) => {}
        }
    }
    out
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

// ---------------------------------------------------------------------------
// Rendering, with dbt's context stood in for
// ---------------------------------------------------------------------------

/// What the stand-ins record while a template renders.
#[derive(Debug, Default)]
struct Shared {
    ctx: Context,
    refs: Vec<String>,
    sources: Vec<String>,
    materialized: Option<String>,
    /// Unknown macro calls, by sentinel id.
    calls: Vec<Call>,
}

type SharedRef = Arc<Mutex<Shared>>;

/// An unknown macro call: its dotted name and evaluated arguments.
#[derive(Debug, Default)]
struct Call {
    path: String,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
}

/// A name the template does not define (or what a stand-in does not know).
#[derive(Debug)]
struct Unknown {
    path: String,
    /// Renders as nothing (`run_query()`, `log()`…: side effects).
    silent: bool,
    shared: SharedRef,
}

/// A relation from `ref()`, `source()` or `this`: renders as its name.
#[derive(Debug)]
struct Relation {
    name: String,
    shared: SharedRef,
}

/// An unknown macro call's result: renders as its sentinel.
#[derive(Debug)]
struct Pending {
    id: usize,
    path: String,
    shared: SharedRef,
}

/// The template's variables: every name it does not define itself.
#[derive(Debug)]
struct Root(HashMap<String, Value>);

fn unknown(path: impl Into<String>, shared: &SharedRef) -> Value {
    Value::from_object(Unknown {
        path: path.into(),
        silent: false,
        shared: shared.clone(),
    })
}

fn child(path: &str, key: &Value, shared: &SharedRef) -> Value {
    match key.as_str() {
        Some(k) => unknown(format!("{path}.{k}"), shared),
        None => unknown(path, shared),
    }
}

impl Object for Root {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0.get(key.as_str()?).cloned()
    }
}

impl Object for Unknown {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        // dbt's conventional target: `{% if target.name == 'dev' %}` holds.
        if self.path == "target" && matches!(key.as_str(), Some("name" | "target_name")) {
            return Some(Value::from("dev"));
        }
        Some(child(&self.path, key, &self.shared))
    }
    fn call(self: &Arc<Self>, _: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        dbt_call(&self.path, args, &self.shared)
    }
    fn call_method(
        self: &Arc<Self>,
        _: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            // `adapter.dispatch('m')(args)` calls the macro `m`.
            "dispatch" => Ok(unknown(
                args.first()
                    .and_then(Value::as_str)
                    .unwrap_or("dispatch")
                    .to_string(),
                &self.shared,
            )),
            "get" | "require" if self.path == "config" => {
                let (pos, _) = split_args(args)?;
                let key = pos.first().and_then(Value::as_str).unwrap_or_default();
                let known = (key == "materialized")
                    .then(|| lock(&self.shared).materialized.clone())
                    .flatten();
                Ok(match known {
                    Some(m) => Value::from(m),
                    None => pos.get(1).cloned().unwrap_or(Value::from(())),
                })
            }
            _ => dbt_call(&format!("{}.{method}", self.path), args, &self.shared),
        }
    }
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.silent {
            Ok(())
        } else {
            f.write_str(&self.path.replace('.', "_"))
        }
    }
}

impl Object for Relation {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(child(&self.name, key, &self.shared))
    }
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Object for Pending {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(child(&self.path, key, &self.shared))
    }
    fn call_method(
        self: &Arc<Self>,
        _: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        dbt_call(&format!("{}.{method}", self.path), args, &self.shared)
    }
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{CALL_OPEN}{}{CALL_CLOSE}", self.id)
    }
}

/// A call's positional and keyword arguments (keywords in source order).
type CallArgs = (Vec<Value>, Vec<(String, Value)>);

fn split_args(args: &[Value]) -> Result<CallArgs, Error> {
    let Some((last, pos)) = args.split_last().filter(|(last, _)| last.is_kwargs()) else {
        return Ok((args.to_vec(), Vec::new()));
    };
    let (kwargs,): (Kwargs,) = from_args(std::slice::from_ref(last))?;
    let kw = kwargs
        .args()
        .filter_map(|k| Some((k.to_string(), kwargs.peek::<Value>(k).ok()?)))
        .collect();
    Ok((pos.to_vec(), kw))
}

/// A value as text: strings as they are, everything else as rendered.
fn text_of(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// A call of the dbt function or macro `path` (dotted: `dbt_utils.star`).
fn dbt_call(path: &str, args: &[Value], shared: &SharedRef) -> Result<Value, Error> {
    let (pos, kwargs) = split_args(args)?;
    let short = path.rsplit('.').next().unwrap_or(path);
    let kwarg = |k: &str| kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let relation = |name: String| {
        Value::from_object(Relation {
            name,
            shared: shared.clone(),
        })
    };
    let known_string = |v: Option<&Value>| {
        v.filter(|v| v.kind() == ValueKind::String || v.kind() == ValueKind::Number)
            .map(text_of)
    };
    match short {
        // `ref('m')`, `ref('pkg', 'm')`, `ref('m', v=2)`: the model.
        "ref" => {
            if let Some(m) = known_string(pos.last()) {
                lock(shared).refs.push(m.clone());
                return Ok(relation(m));
            }
        }
        "source" if pos.len() >= 2 => {
            if let (Some(s), Some(t)) = (known_string(pos.first()), known_string(pos.get(1))) {
                let mut sh = lock(shared);
                let rel = sh
                    .ctx
                    .sources
                    .get(&(s.to_lowercase(), t.to_lowercase()))
                    .cloned()
                    .unwrap_or_else(|| format!("{s}.{t}"));
                sh.sources.push(rel.clone());
                return Ok(relation(rel));
            }
        }
        "var" => {
            if let Some(name) = known_string(pos.first()) {
                if let Some(v) = lock(shared).ctx.vars.get(&name) {
                    return Ok(Value::from(v.clone()));
                }
                if let Some(d) = pos.get(1).cloned().or_else(|| kwarg("default")) {
                    return Ok(d);
                }
            }
        }
        // A full refresh defines the whole model.
        "is_incremental" => return Ok(Value::from(false)),
        "config" => {
            if let Some(m) = kwarg("materialized") {
                lock(shared).materialized = known_string(Some(&m));
            }
            return Ok(Value::from(""));
        }
        // `doc('name')` or `doc('package', 'name')`: the block's text, on
        // one line (the rendering keeps the template's lines).
        "doc" => {
            let text = pos
                .last()
                .and_then(Value::as_str)
                .and_then(|b| {
                    lock(shared)
                        .ctx
                        .doc_blocks
                        .get(b)
                        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                })
                .unwrap_or_default();
            return Ok(Value::from(text));
        }
        "return" | "log" | "print" | "do" | "run_query" | "statement" | "set_sql_header" => {
            return Ok(Value::from_object(Unknown {
                path: path.to_string(),
                silent: true,
                shared: shared.clone(),
            }));
        }
        _ => {}
    }
    let mut sh = lock(shared);
    let id = sh.calls.len();
    sh.calls.push(Call {
        path: path.to_string(),
        args: pos,
        kwargs,
    });
    Ok(Value::from_object(Pending {
        id,
        path: path.to_string(),
        shared: shared.clone(),
    }))
}

/// `{% for %}`'s iterable: a list (at most [`MAX_UNROLL`] items), else one
/// unknown item named after the loop variables.
fn loop_items(value: &Value, targets: &str, shared: &SharedRef) -> Value {
    let listlike = matches!(
        value.kind(),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
    );
    if listlike {
        if let Ok(items) = value.try_iter() {
            return Value::from_iter(items.take(MAX_UNROLL));
        }
    }
    let names: Vec<&str> = targets.split(',').filter(|n| !n.is_empty()).collect();
    let item = match names.as_slice() {
        [one] => unknown(*one, shared),
        many => Value::from_iter(many.iter().map(|n| unknown(*n, shared))),
    };
    Value::from_iter([item])
}

/// Globals of the engine: names the template's variables must not hide.
const ENGINE_GLOBALS: &[&str] = &["range", "dict", "namespace", "debug", LOOP_FN, UNKNOWN_FN];

fn run(template: &str, shared: &SharedRef) -> Result<String, Error> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    // dbt's type filters: the value as it is.
    for f in ["as_text", "as_bool", "as_number", "as_native"] {
        env.add_filter(f, |v: Value| v);
    }
    let sh = shared.clone();
    env.add_function(LOOP_FN, move |v: Value, targets: String| {
        loop_items(&v, &targets, &sh)
    });
    let sh = shared.clone();
    env.add_function(UNKNOWN_FN, move || -> Result<Value, Error> {
        dbt_call(UNKNOWN_FN, &[], &sh)
    });
    let tmpl = env.template_from_str(template)?;
    let model = lock(shared).ctx.model.clone();
    let mut vars = HashMap::new();
    for name in tmpl.undeclared_variables(false) {
        if ENGINE_GLOBALS.contains(&name.as_str()) {
            continue;
        }
        let value = match name.as_str() {
            "this" => Value::from_object(Relation {
                name: model.clone(),
                shared: shared.clone(),
            }),
            "execute" => Value::from(true),
            _ => unknown(name.clone(), shared),
        };
        vars.insert(name, value);
    }
    tmpl.render(Value::from_object(Root(vars)))
}

// ---------------------------------------------------------------------------
// Putting the output back on the template's lines
// ---------------------------------------------------------------------------

/// Where output met again is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// After the last non-blank SQL (a loop's later iterations).
    LastSql,
    /// Where the output ends (a macro body printed by an expression).
    End,
}

struct Assembler<'a> {
    markers: &'a [(usize, bool)],
    calls: &'a [Call],
    out: String,
    line: usize,
    /// Highest marker met: output after a lower one is met again.
    furthest: Option<usize>,
    last: Option<usize>,
    last_forward_expr: bool,
    /// Output met again, and where it goes.
    again: Option<(String, Anchor, usize)>,
}

impl Assembler<'_> {
    fn sink(&mut self) -> &mut String {
        match &mut self.again {
            Some((buf, ..)) => buf,
            None => &mut self.out,
        }
    }

    fn marker(&mut self, id: usize) {
        let Some(&(line, expr)) = self.markers.get(id) else {
            return;
        };
        match self.furthest {
            Some(f) if id <= f => {
                let back = self.last.is_none_or(|l| id <= l);
                match &mut self.again {
                    Some((buf, _, at)) if !back => {
                        if line != *at {
                            buf.push('\n');
                            *at = line;
                        }
                    }
                    _ => {
                        self.flush();
                        let anchor = if self.last_forward_expr {
                            Anchor::End
                        } else {
                            Anchor::LastSql
                        };
                        self.again = Some((String::new(), anchor, line));
                    }
                }
            }
            _ => {
                self.flush();
                self.furthest = Some(id);
                self.last_forward_expr = expr;
                while self.line < line {
                    self.out.push('\n');
                    self.line += 1;
                }
            }
        }
        self.last = Some(id);
    }

    /// Joins output met again onto one line (`--` comments dropped, so they
    /// do not swallow what follows).
    fn flush(&mut self) {
        let Some((buf, anchor, _)) = self.again.take() else {
            return;
        };
        let flat = flatten(&buf);
        if flat.is_empty() {
            return;
        }
        let mut at = match anchor {
            Anchor::LastSql => self.out.trim_end().len(),
            Anchor::End => self.out.len(),
        };
        // Before a `--` comment, which would swallow it.
        let line_start = self.out[..at].rfind('\n').map_or(0, |p| p + 1);
        if let Some(c) = comment_start(&self.out[line_start..at]) {
            at = line_start + c;
        }
        self.out.insert_str(at, &format!(" {flat} "));
    }

    fn call(&mut self, id: usize) {
        // The SQL before the call: a joined iteration's own so far, as
        // when it was rendered alone.
        let before = match &self.again {
            Some((buf, ..)) => buf.as_str(),
            None => self.out.as_str(),
        };
        let sql = match self.calls.get(id) {
            Some(call) => macro_sql(call, before, self.calls, 0),
            None => String::new(),
        };
        let sql = sql.replace(['\n', '\r'], " ");
        self.sink().push_str(&sql);
    }
}

/// The engine's output on the template's lines: exactly `total_lines` line
/// breaks, every piece on its source line.
fn assemble(
    rendered: &str,
    markers: &[(usize, bool)],
    total_lines: usize,
    calls: &[Call],
) -> String {
    let mut a = Assembler {
        markers,
        calls,
        out: String::with_capacity(rendered.len()),
        line: 0,
        furthest: None,
        last: None,
        last_forward_expr: false,
        again: None,
    };
    let mut chars = rendered.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            LINE_OPEN | CALL_OPEN => {
                // A sentinel cut by a filter is dropped.
                let Some(Some(id)) = sentinel_id(c, &mut chars) else {
                    continue;
                };
                if c == LINE_OPEN {
                    a.marker(id);
                } else {
                    a.call(id);
                }
            }
            LINE_CLOSE | CALL_CLOSE => {}
            // A template line break comes with its marker, which places
            // the next line; any other (from a value) is a space.
            '\n' if chars.peek() == Some(&LINE_OPEN) => {}
            '\n' => a.sink().push(' '),
            c => a.sink().push(c),
        }
    }
    a.flush();
    let mut out = a.out;
    let mut line = a.line;
    while line < total_lines {
        out.push('\n');
        line += 1;
    }
    out
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

// ---------------------------------------------------------------------------
// Unknown macro calls as SQL
// ---------------------------------------------------------------------------

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

/// Deepest nesting of unknown calls in arguments that is turned into SQL.
const MAX_CALL_DEPTH: usize = 8;

/// The SQL so far without trailing blanks and `--` comments.
fn sql_tail(sql: &str) -> &str {
    let mut end = sql.len();
    loop {
        let head = sql[..end].trim_end();
        let line_start = head.rfind('\n').map_or(0, |p| p + 1);
        match comment_start(&head[line_start..]) {
            Some(c) => end = line_start + c,
            None => return head,
        }
    }
}

/// Whether the SQL so far ends where a relation name is expected.
fn relation_expected(sql: &str) -> bool {
    let last = sql_tail(sql)
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
fn query_expected(sql: &str) -> bool {
    let tail = sql_tail(sql);
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

/// A macro argument as SQL: strings are SQL text (mostly column names),
/// date parts stay literals.
fn arg_sql(v: &Value, before: &str, calls: &[Call], depth: usize) -> String {
    if let Some(s) = v.as_str() {
        if s.contains([LINE_OPEN, CALL_OPEN]) {
            return inline(s, before, calls, depth);
        }
        if DATE_PARTS.contains(&s.to_ascii_lowercase().as_str()) {
            return format!("'{s}'");
        }
        return s.to_string();
    }
    if let Some(p) = v.downcast_object_ref::<Pending>() {
        return match calls.get(p.id) {
            Some(call) if depth < MAX_CALL_DEPTH => macro_sql(call, before, calls, depth + 1),
            _ => "NULL".into(),
        };
    }
    if v.downcast_object_ref::<Unknown>().is_some() || v.downcast_object_ref::<Relation>().is_some()
    {
        return v.to_string();
    }
    match v.kind() {
        ValueKind::Bool => if v.is_true() { "True" } else { "False" }.into(),
        ValueKind::Seq | ValueKind::Iterable => v
            .try_iter()
            .map(|items| {
                items
                    .map(|x| arg_sql(&x, before, calls, depth))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        ValueKind::Undefined => String::new(),
        ValueKind::Map | ValueKind::Plain | ValueKind::Invalid | ValueKind::Bytes => "NULL".into(),
        _ => v.to_string(),
    }
}

/// Reads the line marker or call sentinel that `open` starts, up to its
/// closer: `None` when it is cut (by a filter), else its id (`None` when
/// not a number).
fn sentinel_id(
    open: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Option<Option<usize>> {
    let mut id = String::new();
    while let Some(d) = chars.next_if(char::is_ascii_digit) {
        id.push(d);
    }
    let close = if open == LINE_OPEN {
        LINE_CLOSE
    } else {
        CALL_CLOSE
    };
    chars.next_if_eq(&close)?;
    Some(id.parse().ok())
}

/// Text holding markers or sentinels (a captured block passed along), on
/// one line.
fn inline(s: &str, before: &str, calls: &[Call], depth: usize) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            LINE_OPEN | CALL_OPEN => {
                let Some(id) = sentinel_id(c, &mut chars) else {
                    continue;
                };
                if c == LINE_OPEN {
                    continue;
                }
                match id.and_then(|i| calls.get(i)) {
                    Some(call) if depth < MAX_CALL_DEPTH => {
                        out.push_str(&macro_sql(call, before, calls, depth + 1));
                    }
                    _ => out.push_str("NULL"),
                }
            }
            LINE_CLOSE | CALL_CLOSE => {}
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    flatten(&out)
}

/// The relations among arguments (lists and nested calls included), in
/// order.
fn relations(values: &[&Value], calls: &[Call], depth: usize, out: &mut Vec<String>) {
    for v in values {
        if let Some(r) = v.downcast_object_ref::<Relation>() {
            out.push(r.name.clone());
        } else if let Some(p) = v.downcast_object_ref::<Pending>() {
            if let Some(call) = calls.get(p.id).filter(|_| depth < MAX_CALL_DEPTH) {
                let inner: Vec<&Value> = call
                    .args
                    .iter()
                    .chain(call.kwargs.iter().map(|k| &k.1))
                    .collect();
                relations(&inner, calls, depth + 1, out);
            }
        } else if matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable) {
            if let Ok(items) = v.try_iter() {
                let items: Vec<Value> = items.take(MAX_UNROLL).collect();
                relations(&items.iter().collect::<Vec<_>>(), calls, depth, out);
            }
        }
    }
}

/// SQL for an unknown macro call, given the SQL before it:
///
/// * `star` → `*` (its `except` list is ignored), `generate_surrogate_key`
///   and `hash` → `md5(concat(…))`, `cast`, `type_*`, `quote`;
/// * where a query is expected, a macro writing one (`union_relations`,
///   `date_spine`…): the union of the relations it is given (nothing at the
///   top of the model: more likely a side effect);
/// * where a relation is expected: its first relation argument;
/// * else the SQL call `name(args)` with string arguments as SQL text
///   (macros mostly take column names), so a column passed through
///   `cents_to_dollars('amount')` keeps its lineage.
fn macro_sql(call: &Call, before: &str, calls: &[Call], depth: usize) -> String {
    let short = call.path.rsplit('.').next().unwrap_or(&call.path);
    let all: Vec<&Value> = call
        .args
        .iter()
        .chain(call.kwargs.iter().map(|k| &k.1))
        .collect();
    let kwarg = |k: &str| call.kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let arg = |v: &Value| arg_sql(v, before, calls, depth);
    match short {
        UNKNOWN_FN | "var" => if relation_expected(before) {
            "unknown_relation"
        } else {
            "NULL"
        }
        .into(),
        "star" => kwarg("relation_alias")
            .filter(|v| v.kind() == ValueKind::String)
            .map_or_else(|| "*".into(), |a| format!("{}.*", text_of(a))),
        "generate_surrogate_key" | "surrogate_key" | "hash" => {
            let cols: Vec<String> = all.iter().map(|a| arg(a)).collect();
            format!("md5(concat({}))", cols.join(", "))
        }
        "cast" | "safe_cast" | "try_cast" if !call.args.is_empty() => {
            let x = arg(&call.args[0]);
            let ty = call
                .args
                .get(1)
                .map(arg)
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
        "quote" | "identifier" => all.first().map(|a| arg(a)).unwrap_or_default(),
        _ if query_expected(before) => {
            let mut rels = Vec::new();
            relations(&all, calls, depth, &mut rels);
            if rels.is_empty() && sql_tail(before).is_empty() {
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
        _ if relation_expected(before) => {
            let mut rels = Vec::new();
            relations(&all, calls, depth, &mut rels);
            if rels.is_empty() {
                short.to_string()
            } else {
                all.iter()
                    .map(|a| arg(a))
                    .find(|r| !r.is_empty())
                    .unwrap_or_else(|| short.to_string())
            }
        }
        _ => {
            let rendered: Vec<String> = all.iter().map(|a| arg(a)).collect();
            format!("{short}({})", rendered.join(", "))
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

    /// The old engine printed the `','` of `{{ ',' if not loop.last }}`
    /// whatever the condition, and lost the line after it.
    #[test]
    fn loop_last_in_an_inline_if_gives_no_trailing_comma() {
        let t = "select\n{% for c in ['phone', 'email'] %}\n  {{ c }}{{ ',' if not loop.last }}\n{% endfor %}\nfrom t";
        let out = same_lines(t);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "select");
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["phone,", "email"],
            "{out:?}"
        );
        assert_eq!(lines[4], "from t");
        assert_eq!(out.matches(',').count(), 1, "{out:?}");
    }

    #[test]
    fn blocks_spanning_lines_keep_every_line_in_place() {
        let t = "{% set cols = [\n  'a',\n  'b'\n] %}\nselect\n{# a comment\n   over two lines #}\n{% if execute\n   and true %}\n  x,\n{% else %}\n  y,\n{% endif %}\n  '{% raw %}{{ not\njinja }}{% endraw %}' as r,\n{% for c in cols %}\n  {{ c }}{% if not loop.last %},{% endif %}\n{% endfor %}\nfrom t";
        let out = same_lines(t);
        let at = |needle: &str| out.lines().position(|l| l.contains(needle));
        assert_eq!(at("select"), Some(4), "{out:?}");
        assert_eq!(at("x,"), Some(9), "{out:?}");
        assert_eq!(at("y,"), None, "{out:?}");
        assert_eq!(at("'{{ not"), Some(13), "{out:?}");
        assert_eq!(at("jinja }}' as r,"), Some(14), "{out:?}");
        assert_eq!(
            out.lines()
                .nth(16)
                .map(|l| l.split_whitespace().collect::<Vec<_>>()),
            Some(vec!["a,", "b"]),
            "{out:?}"
        );
        assert_eq!(at("from t"), Some(18), "{out:?}");
        for l in [0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 15, 17] {
            assert_eq!(
                out.lines().nth(l).map(str::trim),
                Some(""),
                "line {l}: {out:?}"
            );
        }
    }

    #[test]
    fn macros_defined_in_the_model_render_their_body_at_the_call() {
        let t = "{% macro cols(p) %}\n  {{ p }}_phone,\n  {{ p }}_email\n{% endmacro %}\nselect\n  {{ cols('home') }}\nfrom t";
        let out = same_lines(t);
        assert_eq!(
            out.lines()
                .nth(5)
                .map(|l| l.split_whitespace().collect::<Vec<_>>()),
            Some(vec!["home_phone,", "home_email"]),
            "{out:?}"
        );
        assert_eq!(out.lines().nth(6), Some("from t"));
    }

    #[test]
    fn tags_the_engine_rejects_are_warnings_at_their_line() {
        let r = render(
            "select a,\n  {{ x ~ }} as b,\n  {{ 'c' | no_such_filter }} as c\nfrom {{ ref('t') }}",
            &ctx(),
        );
        let lines: Vec<u32> = r.problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [2, 3], "{:?}", r.problems);
        assert!(
            r.problems.iter().all(|p| p.1.starts_with("Jinja error")),
            "{:?}",
            r.problems
        );
        assert_eq!(r.sql, "select a,\n  NULL as b,\n  NULL as c\nfrom t");
        assert_eq!(r.refs, ["t"]);
    }

    #[test]
    fn unknown_names_render_as_their_path_and_hold() {
        assert_eq!(sql("from {{ target.schema }}.t"), "from target_schema.t");
        assert_eq!(sql("{% if some_flag %}a{% else %}b{% endif %}"), "a");
        // dbt's docs and tests blocks are no output, a snapshot's body is.
        assert_eq!(
            same_lines("{% docs d %}\nx\n{% enddocs %}\n{% test t(model) %}y{% endtest %}z"),
            "\n\n\nz"
        );
    }

    #[test]
    fn a_template_out_of_fuel_is_read_as_its_text() {
        let t = "select\n{% for a in range(64) %}{% for b in range(64) %}{% for c in range(64) %}{% for d in range(64) %}{{ a }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}\nfrom t\n{% if x %}";
        let r = render(t, &ctx());
        assert_eq!(r.sql, "select\n\nfrom t\n");
        let problems: Vec<(u32, bool)> = r
            .problems
            .iter()
            .map(|p| (p.0, p.1.contains("could not be rendered")))
            .collect();
        assert_eq!(problems, [(4, false), (2, true)], "{:?}", r.problems);
    }
}
