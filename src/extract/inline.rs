//! Inline suppressions, read: `piaudit:ignore RULE-ID reason` comments in
//! the scanned sources (SQL, MyBatis mappers, Logback/Log4j 2 XML, YAML,
//! `.properties`, Java, HOCON). See `docs/suppressions.md`. They are applied
//! to the evaluated findings by [`crate::gate::suppress`].
//!
//! No extractor knows about them: each decoded source is searched for the
//! marker (a plain substring search, so a 10 MB dump without one costs one
//! pass of `str::find`); only files that hold it are lexed, with the comment
//! syntax the [registry](super::registry) gives their kind, to tell a
//! comment from a string literal. A valid suppression waives matching
//! findings the same way as the waivers of `piaudit.yaml`: the finding stays
//! in every report, with status `waived` and the reason in its message. A
//! malformed one (no rule id, an unknown rule, no reason) is a diagnostic
//! with file:line and is not applied.

use super::registry::FileKind;
use crate::model::{Diagnostic, DiagnosticLevel, Location};

/// The marker every inline suppression starts with (lower case, exact).
pub const MARKER: &str = "piaudit:ignore";

/// The file-level form: `piaudit:ignore-file RULE-ID reason`.
const FILE_SUFFIX: &str = "-file";

/// Lines looked at for the line a stand-alone comment refers to; a comment
/// followed by more blank or suppression lines than this covers only itself.
const LOOKAHEAD_LINES: usize = 64;

/// Characters of a reason kept in messages (a reason is a note, not a text).
const MAX_REASON_CHARS: usize = 200;

/// One valid inline suppression.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ignore {
    /// File and line of the comment.
    pub location: Location,
    /// Rule id, as spelled in the pack.
    pub rule: String,
    /// Why the finding is accepted (PI values masked).
    pub reason: String,
    /// The lines (first, last) a stand-alone comment refers to: the next
    /// non-blank line that is not itself a suppression, extended in XML to
    /// the end tag of the element starting there and in Java from
    /// annotations to the declaration they annotate. `None` for a trailing
    /// comment (code before it on its line), which covers its own line only.
    pub next: Option<(u32, u32)>,
    /// `piaudit:ignore-file`: covers every finding of the rule in the file.
    pub whole_file: bool,
}

impl Ignore {
    /// Whether a finding of this ignore's rule at `line` of its file is covered.
    pub fn covers(&self, line: u32) -> bool {
        self.whole_file
            || line == self.location.line
            || self.next.is_some_and(|(a, b)| (a..=b).contains(&line))
    }
}

/// The inline suppressions of a scan, and the diagnostics of the markers
/// that could not be applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Inline {
    /// Valid suppressions, by file then line.
    pub ignores: Vec<Ignore>,
    /// Malformed or misplaced markers.
    pub diagnostics: Vec<Diagnostic>,
}

/// The rule ids a marker may name: those of the pack in use.
#[derive(Debug, Clone, Default)]
pub struct KnownRules {
    /// The pack's id, for messages.
    pub pack_id: String,
    /// Its rule ids as spelled in the pack.
    pub ids: Vec<String>,
}

impl KnownRules {
    /// The id as spelled in the pack, matched case-insensitively.
    fn lookup(&self, id: &str) -> Option<String> {
        self.ids
            .iter()
            .find(|k| k.as_str() == id)
            .or_else(|| self.ids.iter().find(|k| k.eq_ignore_ascii_case(id)))
            .cloned()
    }
}

/// Finds the inline suppressions of one source.
pub fn scan_source(rel: &str, kind: FileKind, text: &str, rules: &KnownRules) -> Inline {
    scan_text(rel, kind, text, &|id| rules.lookup(id), &rules.pack_id)
}

/// How comments and string literals are written in one kind of file.
#[derive(Debug)]
pub struct CommentSyntax {
    /// Line-comment openers.
    line: &'static [&'static str],
    /// Block-comment opener and closer pairs (may span lines).
    blocks: &'static [(&'static str, &'static str)],
    /// Quote characters of string literals (a literal ends at its line's
    /// end at the latest: see [`Lexer`]).
    quotes: &'static [u8],
    /// Line comments only as the first non-blank text of a line (`.properties`).
    line_at_start_only: bool,
    /// A line comment needs a blank or the line start before it (YAML `#`).
    line_after_blank: bool,
    /// A quote opens a literal only after a blank or punctuation (YAML plain
    /// scalars such as `don't` hold apostrophes).
    quote_after_separator: bool,
    /// What a stand-alone comment covers below it.
    target: Target,
}

/// What a stand-alone comment covers below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The next code line only (SQL, YAML, `.properties`, HOCON): a comment
    /// above `CREATE TABLE` covers the table's findings, not its columns'.
    Line,
    /// The element starting on the next code line, up to its end tag.
    XmlElement,
    /// The next code line and, when it is an annotation, the declaration
    /// below the annotations.
    JavaDeclaration,
}

/// SQL: `--`, `#` (MySQL) and `/* */`; `'…'`, `"…"` and `` `…` ``.
pub static SQL: CommentSyntax = CommentSyntax {
    line: &["--", "#"],
    blocks: &[("/*", "*/")],
    quotes: b"'\"`",
    line_at_start_only: false,
    line_after_blank: false,
    quote_after_separator: false,
    target: Target::Line,
};
/// MyBatis mappers: XML comments, and SQL comments inside statements.
pub static MAPPER: CommentSyntax = CommentSyntax {
    line: &["--"],
    blocks: &[("<!--", "-->"), ("/*", "*/")],
    quotes: b"'\"",
    line_at_start_only: false,
    line_after_blank: false,
    quote_after_separator: false,
    target: Target::XmlElement,
};
/// XML (Logback, Log4j 2): `<!-- -->`; `<` cannot occur in attribute
/// values, so quotes need no tracking.
pub static XML: CommentSyntax = CommentSyntax {
    line: &[],
    blocks: &[("<!--", "-->")],
    quotes: b"",
    line_at_start_only: false,
    line_after_blank: false,
    quote_after_separator: false,
    target: Target::XmlElement,
};
/// YAML: `#` after a blank.
pub static YAML: CommentSyntax = CommentSyntax {
    line: &["#"],
    blocks: &[],
    quotes: b"'\"",
    line_at_start_only: false,
    line_after_blank: true,
    quote_after_separator: true,
    target: Target::Line,
};
/// `.properties`: `#` or `!` as the first non-blank character.
pub static PROPERTIES: CommentSyntax = CommentSyntax {
    line: &["#", "!"],
    blocks: &[],
    quotes: b"",
    line_at_start_only: true,
    line_after_blank: false,
    quote_after_separator: false,
    target: Target::Line,
};
/// Java: `//` and `/* */`; `"…"` and `'…'`.
pub static JAVA: CommentSyntax = CommentSyntax {
    line: &["//"],
    blocks: &[("/*", "*/")],
    quotes: b"\"'",
    line_at_start_only: false,
    line_after_blank: false,
    quote_after_separator: false,
    target: Target::JavaDeclaration,
};
/// HOCON (SeaTunnel jobs): `#` and `//`; `"…"`.
pub static HOCON: CommentSyntax = CommentSyntax {
    line: &["#", "//"],
    blocks: &[],
    quotes: b"\"",
    line_at_start_only: false,
    line_after_blank: false,
    quote_after_separator: false,
    target: Target::Line,
};

/// Where the lexer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// In code; `Some(q)` inside a literal quoted with `q`.
    Code(Option<u8>),
    /// In a line comment; `trailing` when code precedes it on its line.
    LineComment { trailing: bool },
    /// In a block comment closed by `close`.
    Block { close: &'static str, trailing: bool },
}

/// A forward-only lexer that knows, at any byte offset, whether it is in a
/// comment. String literals end at the end of their line: a dump's stray
/// apostrophe (PostgreSQL `COPY` data, `O'Brien`) then costs one line, not
/// the rest of the file; block comments carry over lines.
struct Lexer<'a> {
    text: &'a [u8],
    syntax: &'static CommentSyntax,
    pos: usize,
    state: State,
    /// Non-blank code seen on the current line (before any comment).
    code_on_line: bool,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str, syntax: &'static CommentSyntax) -> Self {
        Lexer {
            text: text.as_bytes(),
            syntax,
            pos: 0,
            state: State::Code(None),
            code_on_line: false,
        }
    }

    /// Lexes up to `to` (a byte offset not before the last one) and
    /// returns the state there.
    fn advance(&mut self, to: usize) -> State {
        let t = self.text;
        let sx = self.syntax;
        while self.pos < to {
            let i = self.pos;
            let b = t[i];
            if b == b'\n' {
                self.code_on_line = false;
                if !matches!(self.state, State::Block { .. }) {
                    self.state = State::Code(None);
                }
                self.pos += 1;
                continue;
            }
            match self.state {
                State::LineComment { .. } => {
                    // Nothing ends a line comment but the newline: jump to it.
                    self.pos = t[i..to]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(to, |n| i + n);
                }
                State::Block { close, .. } => {
                    if t[i..].starts_with(close.as_bytes()) {
                        self.state = State::Code(None);
                        self.pos += close.len();
                    } else {
                        self.pos += 1;
                    }
                }
                State::Code(Some(q)) => {
                    if b == b'\\' {
                        // An escape never runs past the line's end.
                        self.pos += if t.get(i + 1) == Some(&b'\n') { 1 } else { 2 };
                    } else {
                        if b == q {
                            self.state = State::Code(None);
                        }
                        self.pos += 1;
                    }
                }
                State::Code(None) => {
                    if let Some(&(open, close)) = sx
                        .blocks
                        .iter()
                        .find(|(open, _)| t[i..].starts_with(open.as_bytes()))
                    {
                        self.state = State::Block {
                            close,
                            trailing: self.code_on_line,
                        };
                        self.pos += open.len();
                        continue;
                    }
                    if self.line_comment_at(i) {
                        self.state = State::LineComment {
                            trailing: self.code_on_line,
                        };
                        continue;
                    }
                    if sx.quotes.contains(&b) && self.quote_opens_at(i) {
                        self.state = State::Code(Some(b));
                    }
                    if !b.is_ascii_whitespace() {
                        self.code_on_line = true;
                    }
                    self.pos += 1;
                }
            }
        }
        self.state
    }

    fn line_comment_at(&self, i: usize) -> bool {
        let t = self.text;
        let sx = self.syntax;
        if !sx.line.iter().any(|o| t[i..].starts_with(o.as_bytes())) {
            return false;
        }
        if sx.line_at_start_only && self.code_on_line {
            return false;
        }
        !(sx.line_after_blank && i > 0 && !t[i - 1].is_ascii_whitespace())
    }

    fn quote_opens_at(&self, i: usize) -> bool {
        if !self.syntax.quote_after_separator || i == 0 {
            return true;
        }
        let prev = self.text[i - 1];
        prev.is_ascii_whitespace() || b":[{,-".contains(&prev)
    }
}

/// [`scan_source`] with the rule lookup as a function (unit-testable).
fn scan_text(
    rel: &str,
    kind: FileKind,
    text: &str,
    known: &dyn Fn(&str) -> Option<String>,
    pack_id: &str,
) -> Inline {
    let mut out = Inline::default();
    let Some(syntax) = kind.comment_syntax(rel) else {
        return out;
    };
    let bytes = text.as_bytes();
    let mut lexer = Lexer::new(text, syntax);
    // Line bookkeeping, incremental so many markers stay linear.
    let (mut line, mut counted) = (1u32, 0usize);
    // Markers inside an earlier marker's comment text are part of its reason.
    let mut consumed_until = 0usize;
    let mut outside: Option<(u32, usize)> = None;
    // End of the current marker's line, found once per line.
    let mut line_end = 0usize;
    // Bytes all XML element spans may read together: many comments above
    // unclosed elements must not read the file over and over.
    let mut element_budget = 4 * text.len() + (1 << 20);
    let diag = |line: u32, severity: DiagnosticLevel, message: String| Diagnostic {
        file: rel.to_string(),
        line,
        severity,
        message,
    };
    for (pos, _) in text.match_indices(MARKER) {
        line += count_newlines(&bytes[counted..pos]);
        counted = pos;
        if pos < consumed_until {
            continue;
        }
        let (trailing, close) = match lexer.advance(pos) {
            State::Code(_) => {
                let o = outside.get_or_insert((line, 0));
                o.1 += 1;
                continue;
            }
            State::LineComment { trailing } => (trailing, None),
            State::Block { close, trailing } => (trailing, Some(close)),
        };
        if pos >= line_end {
            line_end = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
        }
        let (body_end, comment_end) = match close {
            Some(c) => match text[pos..].find(c) {
                Some(n) => (line_end.min(pos + n), pos + n + c.len()),
                None => (line_end, text.len()),
            },
            None => (line_end, line_end),
        };
        consumed_until = comment_end;
        let body = &text[pos + MARKER.len()..body_end];
        let (whole_file, body) = match body.strip_prefix(FILE_SUFFIX) {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let form = if whole_file {
            "piaudit:ignore-file"
        } else {
            MARKER
        };
        if let Some(c) = body.chars().next().filter(|c| !c.is_whitespace()) {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                let word: String = body
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                    .take(40)
                    .collect();
                out.diagnostics.push(diag(
                    line,
                    DiagnosticLevel::Warning,
                    format!(
                        "unknown directive `{form}{word}` (use `piaudit:ignore RULE-ID reason` or \
                         `piaudit:ignore-file RULE-ID reason`); not applied"
                    ),
                ));
                continue;
            }
        }
        let body = body.trim_start_matches(|c: char| c.is_whitespace() || c == ':');
        let (rule, reason) = match body.split_once(char::is_whitespace) {
            Some((r, rest)) => (r, rest),
            None => (body.trim_end(), ""),
        };
        let rule = rule.trim_end_matches([',', ':', ';']);
        if rule.is_empty() {
            out.diagnostics.push(diag(
                line,
                DiagnosticLevel::Warning,
                format!("`{form}` needs a rule id and a reason, e.g. `{form} CNPI-020 masked upstream`; not applied"),
            ));
            continue;
        }
        let shown: String = rule.chars().take(40).collect();
        let Some(rule) = known(rule) else {
            out.diagnostics.push(diag(
                line,
                DiagnosticLevel::Warning,
                format!("`{form} {shown}`: no rule `{shown}` in pack {pack_id}; not applied"),
            ));
            continue;
        };
        let reason = reason
            .trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, ':' | '-' | '—' | '–' | ',')
            })
            .trim_end();
        if !reason.chars().any(char::is_alphanumeric) {
            out.diagnostics.push(diag(
                line,
                DiagnosticLevel::Warning,
                format!(
                    "`{form} {rule}` has no reason; a reason is required, so it was not applied"
                ),
            ));
            continue;
        }
        let mut reason: String = crate::validators::redact(reason)
            .chars()
            .take(MAX_REASON_CHARS + 1)
            .collect();
        if reason.chars().count() > MAX_REASON_CHARS {
            reason = reason.chars().take(MAX_REASON_CHARS).collect::<String>() + "…";
        }
        let end_line = line + count_newlines(&bytes[pos..comment_end.min(bytes.len())]);
        let next = if trailing || whole_file {
            None
        } else {
            next_code_line(text, comment_end, end_line).map(|(first, at)| {
                let last = last_line_of(text, syntax.target, first, at, &mut element_budget);
                (first, last)
            })
        };
        out.ignores.push(Ignore {
            location: Location::line(rel, line),
            rule,
            reason,
            next,
            whole_file,
        });
    }
    if let Some((first, n)) = outside {
        out.diagnostics.push(diag(
            first,
            DiagnosticLevel::Info,
            format!(
                "`{MARKER}` found outside a comment {n} time(s) (first here), e.g. in a string \
                 literal; only comments suppress findings, so it was not applied"
            ),
        ));
    }
    out
}

fn count_newlines(b: &[u8]) -> u32 {
    b.iter().filter(|&&c| c == b'\n').count() as u32
}

/// The line after the comment ending at byte `end` (on line `end_line`)
/// that is not blank and holds no other suppression — the statement,
/// element or key the comment stands above — with the byte offset of its
/// first non-blank character.
fn next_code_line(text: &str, end: usize, end_line: u32) -> Option<(u32, usize)> {
    let rest = text.get(end..)?;
    // Text right after a closing `*/` or `-->` on the same line: the
    // comment stands before it (only leading blanks are read, so many
    // comments on one line stay linear).
    let after = rest.trim_start_matches([' ', '\t', '\r']);
    if !after.is_empty() && !after.starts_with('\n') {
        return Some((end_line, text.len() - after.len()));
    }
    next_nonblank(text, end, end_line, |l| !l.contains(MARKER))
}

/// The first line after the one holding byte `from` (line `from_line`)
/// that is not blank and passes `keep`, within [`LOOKAHEAD_LINES`], with
/// the byte offset of its first non-blank character.
fn next_nonblank(
    text: &str,
    from: usize,
    from_line: u32,
    keep: impl Fn(&str) -> bool,
) -> Option<(u32, usize)> {
    let mut at = from + text.get(from..)?.find('\n')? + 1;
    for n in 1..=LOOKAHEAD_LINES as u32 {
        let rest = &text[at..];
        let l = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let code = l.trim_start();
        if !code.trim_end().is_empty() && keep(l) {
            return Some((from_line + n, at + (l.len() - code.len())));
        }
        if at + l.len() >= text.len() {
            return None;
        }
        at += l.len() + 1;
    }
    None
}

/// Bytes of an XML element looked at for its end tag.
const MAX_ELEMENT_BYTES: usize = 4 << 20;

/// The last line a stand-alone comment covers, given the first one
/// (`first`, whose code starts at byte `at`).
fn last_line_of(text: &str, target: Target, first: u32, at: usize, budget: &mut usize) -> u32 {
    match target {
        Target::Line => first,
        Target::JavaDeclaration => {
            // Annotations, then the declaration they belong to.
            let (mut line, mut at) = (first, at);
            while text[at..].starts_with('@') {
                match next_nonblank(text, at, line, |_| true) {
                    Some(next) => (line, at) = next,
                    None => break,
                }
            }
            line
        }
        Target::XmlElement => match element_end(text, at, budget) {
            Some(end) => first + count_newlines(&text.as_bytes()[at..end]),
            None => first,
        },
    }
}

/// The byte offset just past the XML element whose start tag begins at
/// `at` (its `/>` or matching end tag); `None` when `at` starts no element
/// or its end is not within [`MAX_ELEMENT_BYTES`] nor the `budget` left,
/// which shrinks by the bytes read.
fn element_end(text: &str, at: usize, budget: &mut usize) -> Option<usize> {
    let limit = text.len().min(at + MAX_ELEMENT_BYTES.min(*budget));
    let end = element_end_within(text, at, limit);
    *budget = budget.saturating_sub(end.unwrap_or(limit) - at);
    end
}

/// [`element_end`] reading no further than byte `limit`.
fn element_end_within(text: &str, at: usize, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let name_len = |i: usize| {
        b[i.min(limit)..limit]
            .iter()
            .take_while(|c| !c.is_ascii_whitespace() && !b"/>".contains(c))
            .count()
    };
    if !b[at..].starts_with(b"<")
        || !b
            .get(at + 1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let name = &b[at + 1..at + 1 + name_len(at + 1)];
    // Past the `>` of the tag starting at `i`, and whether it was `/>`
    // (quoted attribute values may hold `>`).
    let tag_end = |mut i: usize| -> Option<(usize, bool)> {
        let mut quote = None;
        while i < limit {
            match (quote, b[i]) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, c @ (b'"' | b'\'')) => quote = Some(c),
                (None, b'>') => return Some((i + 1, b[i - 1] == b'/')),
                _ => {}
            }
            i += 1;
        }
        None
    };
    let is_tag = |i: usize| name_len(i) == name.len() && b[i..].starts_with(name);
    let (mut i, closed) = tag_end(at)?;
    if closed {
        return Some(i);
    }
    let mut depth = 1usize;
    while i < limit {
        i += b[i..limit].iter().position(|&c| c == b'<')?;
        let rest = &b[i..limit];
        let skip_past = |end: &[u8]| {
            rest.windows(end.len())
                .position(|w| w == end)
                .map(|p| i + p + end.len())
        };
        if rest.starts_with(b"<!--") {
            i = skip_past(b"-->")?;
        } else if rest.starts_with(b"<![CDATA[") {
            i = skip_past(b"]]>")?;
        } else if rest.starts_with(b"</") && is_tag(i + 2) {
            depth -= 1;
            i = tag_end(i)?.0;
            if depth == 0 {
                return Some(i);
            }
        } else if is_tag(i + 1) {
            let (end, closed) = tag_end(i)?;
            depth += usize::from(!closed);
            i = end;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> Option<String> {
        ["CNPI-020", "CNPI-021"]
            .iter()
            .find(|k| k.eq_ignore_ascii_case(id))
            .map(|k| k.to_string())
    }

    fn scan(rel: &str, kind: FileKind, text: &str) -> Inline {
        scan_text(rel, kind, text, &known, "cn-2026")
    }

    /// (rule, comment line, covered lines below, whole file, reason).
    type Row<'a> = (&'a str, u32, Option<(u32, u32)>, bool, &'a str);

    /// The rows of each ignore.
    fn ignores(i: &Inline) -> Vec<Row<'_>> {
        i.ignores
            .iter()
            .map(|g| {
                (
                    g.rule.as_str(),
                    g.location.line,
                    g.next,
                    g.whole_file,
                    g.reason.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn sql_line_block_and_hash_comments() {
        let text = "CREATE TABLE m (\n  id INT,\n  -- piaudit:ignore CNPI-020 masked upstream\n\n  phone CHAR(11),\n  email TEXT, # piaudit:ignore cnpi-021: mail is a work address\n  /* piaudit:ignore CNPI-020 block form */ name TEXT\n);\n";
        let i = scan("a.sql", FileKind::Sql, text);
        assert_eq!(
            ignores(&i),
            [
                ("CNPI-020", 3, Some((5, 5)), false, "masked upstream"),
                ("CNPI-021", 6, None, false, "mail is a work address"),
                ("CNPI-020", 7, Some((7, 7)), false, "block form"),
            ]
        );
        assert!(i.diagnostics.is_empty(), "{:?}", i.diagnostics);
    }

    #[test]
    fn a_marker_in_a_sql_string_is_not_a_suppression() {
        let text = "INSERT INTO t VALUES ('-- piaudit:ignore CNPI-020 nope');\nCREATE TABLE x (a INT COMMENT 'piaudit:ignore CNPI-020 nope');\n";
        let i = scan("a.sql", FileKind::Sql, text);
        assert!(i.ignores.is_empty(), "{:?}", i.ignores);
        assert_eq!(i.diagnostics.len(), 1);
        assert_eq!(i.diagnostics[0].line, 1);
        assert_eq!(i.diagnostics[0].severity, DiagnosticLevel::Info);
        assert!(i.diagnostics[0].message.contains("2 time(s)"));
    }

    #[test]
    fn a_stray_quote_costs_one_line_only() {
        let text = "O'Brien\t13800000000\n-- piaudit:ignore CNPI-020 test data\nx\n";
        let i = scan("a.sql", FileKind::Sql, text);
        assert_eq!(
            ignores(&i),
            [("CNPI-020", 2, Some((3, 3)), false, "test data")]
        );
    }

    #[test]
    fn multi_line_block_comments_point_past_their_end() {
        let text =
            "/*\n * piaudit:ignore CNPI-020 legacy table\n * kept for audit\n */\nCREATE TABLE a (x INT);\n";
        let i = scan("a.sql", FileKind::Sql, text);
        assert_eq!(
            ignores(&i),
            [("CNPI-020", 2, Some((5, 5)), false, "legacy table")]
        );
    }

    #[test]
    fn stacked_suppressions_share_the_next_line() {
        let text = "-- piaudit:ignore CNPI-020 a\n-- piaudit:ignore CNPI-021 b\nphone CHAR(11)\n";
        let i = scan("a.sql", FileKind::Sql, text);
        assert_eq!(
            ignores(&i),
            [
                ("CNPI-020", 1, Some((3, 3)), false, "a"),
                ("CNPI-021", 2, Some((3, 3)), false, "b")
            ]
        );
    }

    #[test]
    fn missing_reason_unknown_rule_and_bad_directive_are_diagnostics() {
        let text = "-- piaudit:ignore CNPI-020\n-- piaudit:ignore CNPI-999 because\n-- piaudit:ignore\n-- piaudit:ignored CNPI-020 x\n-- piaudit:ignore CNPI-020 —\n";
        let i = scan("a.sql", FileKind::Sql, text);
        assert!(i.ignores.is_empty(), "{:?}", i.ignores);
        let got: Vec<(u32, bool)> = i
            .diagnostics
            .iter()
            .map(|d| (d.line, d.severity == DiagnosticLevel::Warning))
            .collect();
        assert_eq!(got, [(1, true), (2, true), (3, true), (4, true), (5, true)]);
        assert!(i.diagnostics[0].message.contains("no reason"));
        assert!(i.diagnostics[1].message.contains("no rule `CNPI-999`"));
        assert!(i.diagnostics[3].message.contains("piaudit:ignored"));
    }

    #[test]
    fn xml_comments_in_mappers_and_logback() {
        let mapper = "<mapper namespace=\"a\">\n  <!-- piaudit:ignore CNPI-020 export is masked -->\n  <select id=\"x\">\n    SELECT phone FROM m -- piaudit:ignore CNPI-021 inline sql\n  </select>\n</mapper>\n";
        let i = scan("mapper/AMapper.xml", FileKind::Mapper, mapper);
        assert_eq!(
            ignores(&i),
            [
                ("CNPI-020", 2, Some((3, 5)), false, "export is masked"),
                ("CNPI-021", 4, None, false, "inline sql")
            ]
        );
        let logback = "<configuration>\n  <!--\n    piaudit:ignore-file CNPI-020 dev-only config\n  -->\n  <appender/>\n</configuration>\n";
        let i = scan("logback.xml", FileKind::LogConfig, logback);
        assert_eq!(
            ignores(&i),
            [("CNPI-020", 3, None, true, "dev-only config")]
        );
    }

    #[test]
    fn yaml_hash_needs_a_blank_and_quotes_hide_it() {
        let text = "a:\n  # piaudit:ignore CNPI-020 dev bucket\n  b: x\n  c: \"v # piaudit:ignore CNPI-020 no\"\n  d: don't # piaudit:ignore CNPI-021 plain scalar\n  e: x#piaudit:ignore CNPI-020 no\n";
        let i = scan("application.yml", FileKind::Config, text);
        assert_eq!(
            ignores(&i),
            [
                ("CNPI-020", 2, Some((3, 3)), false, "dev bucket"),
                ("CNPI-021", 5, None, false, "plain scalar")
            ]
        );
    }

    #[test]
    fn properties_comments_start_their_line() {
        let text = "! piaudit:ignore CNPI-020 local only\na.b=1\nc=2 # piaudit:ignore CNPI-020 part of the value\n  # piaudit:ignore CNPI-021 indented\nd=3\n";
        let i = scan("app.properties", FileKind::Config, text);
        assert_eq!(
            ignores(&i),
            [
                ("CNPI-020", 1, Some((2, 2)), false, "local only"),
                ("CNPI-021", 4, Some((5, 5)), false, "indented")
            ]
        );
    }

    #[test]
    fn java_comments_and_strings() {
        let text = "class A {\n  // piaudit:ignore CNPI-020 masked by the DTO\n  private String phone;\n  String s = \"// piaudit:ignore CNPI-020 no\";\n  /* piaudit:ignore-file CNPI-021 generated code */\n}\n";
        let i = scan("A.java", FileKind::Java, text);
        assert_eq!(
            ignores(&i),
            [
                ("CNPI-020", 2, Some((3, 3)), false, "masked by the DTO"),
                ("CNPI-021", 5, None, true, "generated code")
            ]
        );
    }

    #[test]
    fn xml_elements_end_at_their_matching_end_tag() {
        let text = "<!-- piaudit:ignore CNPI-020 whole select -->\n<select id=\"a\" test=\"x > 1\">\n  <select/>\n  <select id=\"b\">\n  </select>\n  <![CDATA[ </select> ]]>\n  <!-- </select> -->\n</select>\n<select/>\n";
        let i = scan("mapper/AMapper.xml", FileKind::Mapper, text);
        assert_eq!(i.ignores[0].next, Some((2, 8)));
        assert!(i.ignores[0].covers(5) && !i.ignores[0].covers(9));
        // No end tag within reach: the start line only.
        let text = "<!-- piaudit:ignore CNPI-020 r -->\n<appender name=\"A\">\n  <file>x</file>\n";
        let i = scan("logback.xml", FileKind::LogConfig, text);
        assert_eq!(i.ignores[0].next, Some((2, 2)));
    }

    #[test]
    fn java_comments_cover_the_annotated_declaration() {
        let text = "class A {\n  // piaudit:ignore CNPI-020 masked in the DTO\n  @Sensitive\n\n  @TableField(\"phone\")\n  private String phone;\n  private String mobile;\n}\n";
        let i = scan("A.java", FileKind::Java, text);
        assert_eq!(i.ignores[0].next, Some((3, 6)));
    }

    #[test]
    fn json_and_declarations_are_not_read() {
        let text = "# piaudit:ignore CNPI-020 x\n";
        assert_eq!(scan("a.json", FileKind::Json, text), Inline::default());
        assert_eq!(
            scan("piaudit.yaml", FileKind::Declarations, text),
            Inline::default()
        );
    }

    #[test]
    fn reasons_are_masked_and_capped() {
        let long = "x".repeat(300);
        let text = format!(
            "-- piaudit:ignore CNPI-020 test row 13812345678\n-- piaudit:ignore CNPI-021 {long}\n"
        );
        let i = scan("a.sql", FileKind::Sql, &text);
        assert_eq!(i.ignores[0].reason, "test row 138****5678");
        assert_eq!(i.ignores[1].reason.chars().count(), MAX_REASON_CHARS + 1);
    }

    #[test]
    fn a_ten_megabyte_dump_is_read_in_one_pass() {
        let row = "INSERT INTO t VALUES (1,'O''Brien','13800000000','/* x */ -- y');\n";
        let plain = row.repeat(10_000_000 / row.len());
        let started = std::time::Instant::now();
        assert_eq!(scan("dump.sql", FileKind::Sql, &plain), Inline::default());
        let without = started.elapsed();
        // One suppression every 1,000 rows: the whole file is lexed.
        let marked: String = plain
            .lines()
            .enumerate()
            .map(|(n, l)| match n % 1000 {
                0 => format!("-- piaudit:ignore CNPI-020 row {n}\n{l}\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        let started = std::time::Instant::now();
        let i = scan("dump.sql", FileKind::Sql, &marked);
        let with = started.elapsed();
        assert_eq!(i.ignores.len(), plain.lines().count().div_ceil(1000));
        assert!(i.diagnostics.is_empty(), "{:?}", &i.diagnostics[..1]);
        println!("10 MB dump: {without:?} without markers, {with:?} with");
        assert!(with.as_secs() < 20, "{with:?}");
    }

    #[test]
    fn many_comments_above_unclosed_elements_stay_linear() {
        let text = "<!-- piaudit:ignore CNPI-020 r -->\n<a>\n".repeat(50_000);
        let started = std::time::Instant::now();
        let i = scan("logback.xml", FileKind::LogConfig, &text);
        assert_eq!(i.ignores.len(), 50_000);
        assert_eq!(i.ignores[49_999].next, Some((100_000, 100_000)));
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }

    #[test]
    fn many_markers_on_one_line_stay_linear() {
        let text = format!("-- {}\n", "piaudit:ignore CNPI-020 r ".repeat(50_000));
        let started = std::time::Instant::now();
        let i = scan("a.sql", FileKind::Sql, &text);
        assert_eq!(i.ignores.len(), 1);
        assert!(started.elapsed().as_secs() < 5);
        let text = "x 'piaudit:ignore' ".repeat(50_000);
        let i = scan("a.sql", FileKind::Sql, &text);
        assert!(i.ignores.is_empty() && i.diagnostics.len() == 1);
    }
}
