//! Tolerant fallback for statements sqlparser cannot read.
//!
//! Dameng, Kingbase or Oracle scripts often carry storage options no parser
//! knows; an auditor still needs their inventory. This reads only the shape
//! of `CREATE TABLE name ( col type … COMMENT '…', … )` and
//! `COMMENT ON TABLE|COLUMN x IS '…'`, with quotes respected, and nothing else.

use super::split::RawStatement;
use crate::extract::{ColumnDef, CommentOn, CommentTarget, TableDef};
use crate::model::{DatasetKind, Location};
use regex::Regex;
use std::sync::LazyLock;

/// What the fallback could read from a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Recovered {
    /// A table with its columns.
    Table(TableDef),
    /// A comment on a table or column.
    Comment(CommentOn),
}

static CREATE_TABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?is)^create\s+(?:(?:or\s+replace|global|local|temporary|temp|unlogged|external|column|huge|row)\s+)*table\s+(?:if\s+not\s+exists\s+)?((?:"[^"]*"|`[^`]*`|\[[^\]]*\]|[^\s(."`\[]+)(?:\s*\.\s*(?:"[^"]*"|`[^`]*`|\[[^\]]*\]|[^\s(."`\[]+))*)\s*\("#,
    )
    .expect("valid regex")
});
static COMMENT_ON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^comment\s+on\s+(table|column)\s+(.+?)\s+is\s+'((?:[^']|'')*)'")
        .expect("valid regex")
});
static COMMENT_OPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)\bcomment\s*(?:=\s*)?'((?:[^'\\]|''|\\.)*)'").expect("valid regex")
});

const CONSTRAINT_WORDS: &[&str] = &[
    "primary",
    "key",
    "unique",
    "index",
    "constraint",
    "foreign",
    "check",
    "fulltext",
    "spatial",
    "exclude",
    "like",
    "period",
    "partition",
    "not",
    "cluster",
    "supplemental",
];
/// Words that end a column's type.
const TYPE_END_WORDS: &[&str] = &[
    "not",
    "null",
    "default",
    "comment",
    "primary",
    "constraint",
    "unique",
    "references",
    "check",
    "auto_increment",
    "identity",
    "generated",
    "collate",
    "character",
    "charset",
    "on",
    "unsigned",
    "zerofill",
    "encrypt",
    "enable",
    "disable",
];

/// Tries to read a table or a comment from a statement that did not parse.
pub fn recover(file: &str, stmt: &RawStatement) -> Option<Recovered> {
    let text = stmt.text;
    if let Some(c) = COMMENT_ON.captures(text) {
        let name = unquote_name(&c[2]);
        let comment = c[3].replace("''", "'");
        let target = if c[1].eq_ignore_ascii_case("table") {
            CommentTarget::Table(name)
        } else {
            let (table, column) = name.rsplit_once('.')?;
            CommentTarget::Column {
                table: table.to_string(),
                column: column.to_string(),
            }
        };
        return Some(Recovered::Comment(CommentOn {
            target,
            text: comment,
            location: Location::at(file, stmt.line, stmt.column),
        }));
    }
    let c = CREATE_TABLE.captures(text)?;
    let name = unquote_name(&c[1]);
    if name.is_empty() {
        return None;
    }
    let open = c.get(0)?.end() - 1;
    let close = matching_paren(text, open)?;
    let body = &text[open + 1..close];
    let mut columns = Vec::new();
    let line_comments = item_line_comments(text, open);
    for (item_off, item) in split_top_level(body) {
        // A comment after the previous item's comma leads this item's text.
        let item_start = skip_leading_comments(item);
        let lead = item.len() - item_start.len();
        let code = without_line_comments(item_start);
        let trimmed = code.as_str();
        let mut words = trimmed.split_whitespace();
        let Some(first) = words.next() else { continue };
        if CONSTRAINT_WORDS.contains(&first.to_ascii_lowercase().as_str()) {
            continue;
        }
        let col_name = unquote_name(first);
        if col_name.is_empty() {
            continue;
        }
        let rest = trimmed[first.len()..].trim_start();
        let data_type = read_type(rest);
        let at = open + 1 + item_off + lead;
        let comment = COMMENT_OPT
            .captures(trimmed)
            .map(|m| m[1].replace("''", "'").replace("\\'", "'"))
            .or_else(|| line_comment_at(&line_comments, text, at));
        columns.push(ColumnDef {
            references: None,
            name: col_name,
            data_type,
            comment,
            location: location_in(file, stmt, at),
        });
    }
    if columns.is_empty() {
        return None;
    }
    let comment = COMMENT_OPT
        .captures(&text[close..])
        .map(|m| m[1].replace("''", "'"));
    Some(Recovered::Table(TableDef {
        name,
        kind: DatasetKind::Table,
        comment,
        location: location_in(file, stmt, c.get(1)?.start()),
        columns,
        recovered: true,
    }))
}

fn read_type(rest: &str) -> Option<String> {
    let mut out = String::new();
    let mut depth = 0usize;
    for word in rest.split_inclusive(char::is_whitespace) {
        let w = word.trim();
        // `IDENTITY(1,1)`, `DEFAULT,` … end the type as their bare keyword would.
        let key = w.split(['(', ',']).next().unwrap_or(w).to_ascii_lowercase();
        let is_end = TYPE_END_WORDS.contains(&key.as_str());
        if depth == 0 && is_end {
            if out.is_empty() {
                return None;
            }
            break;
        }
        depth += w.matches('(').count();
        depth = depth.saturating_sub(w.matches(')').count());
        out.push_str(word);
        if depth == 0 && w.ends_with(')') {
            break;
        }
    }
    let t = out.trim().to_lowercase();
    (!t.is_empty()).then_some(t)
}

fn location_in(file: &str, stmt: &RawStatement, byte: usize) -> Location {
    let (line, column) = stmt.line_column_at(byte);
    Location::at(file, line, column)
}

/// `"s"."t"`, `` `t` ``, `[dbo].[t]` → `s.t`, `t`, `dbo.t`.
fn unquote_name(raw: &str) -> String {
    raw.trim()
        .split('.')
        .map(|p| {
            p.trim()
                .trim_matches(|c| matches!(c, '"' | '`' | '[' | ']' | '\''))
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}

/// Offset of the `)` matching the `(` at `open`, skipping quoted text.
fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            q @ (b'\'' | b'"' | b'`') => i = skip_quote(bytes, i, q),
            _ => {}
        }
        i += 1;
    }
    None
}

fn skip_quote(bytes: &[u8], start: usize, q: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && q == b'\'' {
            i += 2;
            continue;
        }
        if bytes[i] == q {
            if bytes.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// The `--` comments that document the items of a parenthesised column
/// list, as in `phone varchar(11), -- 手机号`. `open` is the offset of the
/// list's `(` in `text`. Returns every top-level item as (offset of its first
/// token, comment): an item's comment is the first `--` comment that follows
/// code on a line of that item, whether it stands before or after the item's
/// comma. A comment alone on its line documents nothing: in DDL such lines
/// are usually headings of a group of columns (`-- 联系方式`), and taking
/// them for the next column's documentation would mislabel it.
pub(super) fn item_line_comments(text: &str, open: usize) -> Vec<(usize, Option<String>)> {
    let bytes = text.as_bytes();
    let mut items: Vec<(usize, Option<String>)> = Vec::new();
    let mut depth = 0usize;
    let mut expect_item = false;
    let mut i = open;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'-' && bytes.get(i + 1) == Some(&b'-') {
            let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
            let line_start = text[..i].rfind('\n').map_or(0, |s| s + 1);
            if !text[line_start..i].trim().is_empty() {
                if let Some((_, c @ None)) = items.last_mut() {
                    let t = text[i..end].trim_start_matches('-').trim();
                    if !t.is_empty() {
                        *c = Some(t.to_string());
                    }
                }
            }
            i = end;
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = text[i + 2..]
                .find("*/")
                .map_or(text.len(), |e| i + 2 + e + 2);
            continue;
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if depth == 1 && expect_item && b != b',' && b != b')' {
            items.push((i, None));
            expect_item = false;
        }
        match b {
            b'(' => {
                depth += 1;
                expect_item |= depth == 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect_item = true,
            q @ (b'\'' | b'"' | b'`') => i = skip_quote(bytes, i, q),
            _ => {}
        }
        i += 1;
    }
    items
}

/// The line comment [`item_line_comments`] found for the item that starts at
/// `at` (the item's first token; a quote before a name is allowed).
pub(super) fn line_comment_at(
    items: &[(usize, Option<String>)],
    text: &str,
    at: usize,
) -> Option<String> {
    let (start, comment) = items.iter().rev().find(|(s, _)| *s <= at)?;
    let between = text.get(*start..at)?;
    if between.chars().all(|c| matches!(c, '"' | '`' | '[')) {
        comment.clone()
    } else {
        None
    }
}

/// `item` without the comments before its first token.
fn skip_leading_comments(item: &str) -> &str {
    let mut rest = item.trim_start();
    loop {
        if rest.starts_with("--") {
            rest = rest.find('\n').map_or("", |e| &rest[e + 1..]).trim_start();
        } else if rest.starts_with("/*") {
            rest = rest[2..]
                .find("*/")
                .map_or("", |e| &rest[2 + e + 2..])
                .trim_start();
        } else {
            return rest;
        }
    }
}

/// `item` with its `--` comments cut out (quotes respected), so that a
/// comment's words are not read as part of the column's type.
fn without_line_comments(item: &str) -> String {
    let bytes = item.as_bytes();
    let mut out = String::with_capacity(item.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                out.push_str(&item[copied..i]);
                i = item[i..].find('\n').map_or(item.len(), |e| i + e);
                copied = i;
                continue;
            }
            q @ (b'\'' | b'"' | b'`') => i = skip_quote(bytes, i, q),
            _ => {}
        }
        i += 1;
    }
    out.push_str(&item[copied.min(item.len())..]);
    out
}

/// Items separated by top-level commas, with their byte offsets.
fn split_top_level(body: &str) -> Vec<(usize, &str)> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                out.push((start, &body[start..i]));
                start = i + 1;
            }
            q @ (b'\'' | b'"' | b'`') => i = skip_quote(bytes, i, q),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if start < body.len() {
        out.push((start, &body[start..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(text: &str) -> RawStatement<'_> {
        RawStatement {
            text,
            offset: 0,
            line: 5,
            column: 1,
        }
    }

    #[test]
    fn recovers_a_dameng_table() {
        let sql = "CREATE TABLE \"SYSDBA\".\"T_USER\"\n(\n\"ID\" BIGINT IDENTITY(1,1) NOT NULL,\n\"SFZH\" VARCHAR2(18 CHAR) COMMENT '身份证号, 加密',\nNOT CLUSTER PRIMARY KEY(\"ID\")) STORAGE(ON \"MAIN\", CLUSTERBTR) COMMENT = '人员表'";
        let Some(Recovered::Table(t)) = recover("a.sql", &stmt(sql)) else {
            panic!()
        };
        assert_eq!(t.name, "SYSDBA.T_USER");
        assert_eq!(t.comment.as_deref(), Some("人员表"));
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ID", "SFZH"]);
        assert_eq!(t.columns[1].data_type.as_deref(), Some("varchar2(18 char)"));
        assert_eq!(t.columns[1].comment.as_deref(), Some("身份证号, 加密"));
        assert_eq!(t.columns[1].location.line, 8);
    }

    #[test]
    fn ctas_is_not_mistaken_for_a_column_list() {
        // The name is one (possibly qualified, quoted) identifier: a CTAS
        // whose query starts with a CTE must not yield a table named
        // `x AS with days as`.
        let sql = "CREATE TABLE x AS with\n\ndays as (select 1 as d) select d from days";
        assert!(recover("a.sql", &stmt(sql)).is_none());
        let sql = "CREATE TABLE [dbo] . [my table] (id INT)";
        let Some(Recovered::Table(t)) = recover("a.sql", &stmt(sql)) else {
            panic!()
        };
        assert_eq!(t.name, "dbo.my table");
    }

    #[test]
    fn recovered_columns_take_line_comments() {
        let sql = "CREATE TABLE t_user (\n  id BIGINT, -- 主键\n  -- 联系方式\n  phone VARCHAR2(11) -- 手机号\n  , email TEXT COMMENT '邮箱' -- 旧\n  , addr TEXT\n) STORAGE(ON \"MAIN\")";
        let Some(Recovered::Table(t)) = recover("a.sql", &stmt(sql)) else {
            panic!()
        };
        let got: Vec<(&str, Option<&str>, Option<&str>)> = t
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.data_type.as_deref(),
                    c.comment.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("id", Some("bigint"), Some("主键")),
                ("phone", Some("varchar2(11)"), Some("手机号")),
                ("email", Some("text"), Some("邮箱")),
                ("addr", Some("text"), None)
            ]
        );
        assert_eq!(t.columns[1].location.line, 8);
    }

    #[test]
    fn recovers_comment_on() {
        let Some(Recovered::Comment(c)) = recover(
            "a.sql",
            &stmt("COMMENT ON COLUMN \"s\".\"t\".\"c\" IS 'It''s 手机'"),
        ) else {
            panic!()
        };
        assert_eq!(c.text, "It's 手机");
        assert_eq!(
            c.target,
            CommentTarget::Column {
                table: "s.t".into(),
                column: "c".into()
            }
        );
    }

    #[test]
    fn garbage_is_not_recovered() {
        for s in [
            "CREATE TABLE",
            "CREATE TABLE t (",
            "SELECT 1",
            "CREATE TABLE t ()",
            "COMMENT ON COLUMN x IS 'y'",
        ] {
            assert!(recover("a.sql", &stmt(s)).is_none(), "{s}");
        }
    }
}
