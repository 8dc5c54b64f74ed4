//! Statement splitter.
//!
//! sqlparser stops at the first statement it cannot read and keeps the AST of
//! a whole file in memory, so files are cut into statements here and each is
//! parsed alone. The splitter knows quotes, comments, PostgreSQL dollar quotes,
//! MySQL `DELIMITER` blocks and psql `COPY … FROM stdin` data sections, and
//! records the 1-based line and column where each statement starts.

/// One statement of a SQL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawStatement<'a> {
    /// Statement text without the terminating delimiter, starting at its first
    /// significant character (leading blanks and comments removed).
    pub text: &'a str,
    /// Byte offset of `text` in the file.
    pub offset: usize,
    /// 1-based line of the first character of `text`.
    pub line: u32,
    /// 1-based column (in characters) of the first character of `text`.
    pub column: u32,
}

impl RawStatement<'_> {
    /// 1-based line and column (in characters) in the file of byte `at` of
    /// `text` (clamped to its end).
    pub fn line_column_at(&self, at: usize) -> (u32, u32) {
        let before = &self.text[..at.min(self.text.len())];
        let newlines = u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX);
        let column = match before.rfind('\n') {
            Some(i) => before[i + 1..].chars().count() as u32 + 1,
            None => self.column + before.chars().count() as u32,
        };
        (self.line.saturating_add(newlines), column)
    }
}

/// Lexical options that change how a file is cut.
#[derive(Debug, Clone, Copy, Default)]
pub struct SplitOptions {
    /// `\` escapes the next character inside string literals (MySQL).
    pub backslash_escapes: bool,
    /// `#` starts a line comment (MySQL).
    pub hash_comments: bool,
    /// `$tag$ … $tag$` quoting (PostgreSQL).
    pub dollar_quotes: bool,
    /// A line holding only `/` ends a statement, and PL/SQL blocks
    /// (`CREATE PROCEDURE|FUNCTION|TRIGGER|PACKAGE|TYPE BODY`, `DECLARE`,
    /// `BEGIN`) end only there (Oracle, Dameng SQL*Plus scripts).
    pub slash_terminator: bool,
    /// A line holding only `GO` ends a batch (SQL Server).
    pub go_batches: bool,
}

/// Cuts `src` into statements.
///
/// Never panics and never loses text: an unterminated quote or comment simply
/// runs to the end of the file and becomes the last statement.
pub fn split(src: &str, opts: SplitOptions) -> Vec<RawStatement<'_>> {
    split_checked(src, opts).0
}

/// A quote or comment still open at the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated {
    /// What was left open.
    pub what: OpenConstruct,
    /// 1-based line where it opens.
    pub line: u32,
}

/// The kind of construct an [`Unterminated`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenConstruct {
    /// A `'…'`, `"…"` or `` `…` `` literal or identifier.
    Quote,
    /// A `/* … */` comment.
    BlockComment,
    /// A PostgreSQL `$tag$ … $tag$` string.
    DollarQuote,
}

impl std::fmt::Display for OpenConstruct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OpenConstruct::Quote => "quoted string / 引号字符串",
            OpenConstruct::BlockComment => "/* comment / 块注释",
            OpenConstruct::DollarQuote => "$$ string / 美元引号字符串",
        })
    }
}

/// Like [`split`], and also tells whether the file ends inside a quote or
/// comment (which then swallowed the rest of the file).
pub fn split_checked(
    src: &str,
    opts: SplitOptions,
) -> (Vec<RawStatement<'_>>, Option<Unterminated>) {
    let mut splitter = Splitter::new(src, opts);
    let statements = splitter.run();
    (statements, splitter.unterminated)
}

struct Splitter<'a> {
    src: &'a str,
    bytes: &'a [u8],
    opts: SplitOptions,
    pos: usize,
    line: u32,
    line_start: usize,
    /// A byte offset on the current line and its column, so columns of
    /// many statements on one long line are counted in linear time.
    column_anchor: (usize, u32),
    /// The first quote or comment left open at the end of the file.
    unterminated: Option<Unterminated>,
    out: Vec<RawStatement<'a>>,
    delimiter: String,
}

impl<'a> Splitter<'a> {
    fn new(src: &'a str, opts: SplitOptions) -> Self {
        Splitter {
            src,
            bytes: src.as_bytes(),
            opts,
            pos: 0,
            line: 1,
            line_start: 0,
            column_anchor: (0, 1),
            unterminated: None,
            out: Vec::new(),
            delimiter: ";".to_string(),
        }
    }

    fn run(&mut self) -> Vec<RawStatement<'a>> {
        loop {
            self.skip_blanks_and_comments();
            if self.pos >= self.bytes.len() {
                break;
            }
            if self.at_line_start() && self.try_delimiter_command() {
                continue;
            }
            if self.at_line_start() && self.at_separator_line() {
                // A lone `/` or `GO` with nothing before it: an empty batch.
                self.skip_to_next_line();
                continue;
            }
            if self.at_line_start() && self.bytes[self.pos] == b'\\' {
                // psql meta-command (`\connect db`, `\.`): not SQL.
                self.skip_to_next_line();
                continue;
            }
            let start = self.pos;
            let line = self.line;
            let column = self.column_of(start);
            let block = self.opts.slash_terminator && starts_plsql_block(&self.src[start..]);
            let end = self.scan_statement(block);
            let text = self.src[start..end].trim_end();
            if !text.is_empty() {
                let is_copy_stdin = is_copy_from_stdin(text);
                self.out.push(RawStatement {
                    text,
                    offset: start,
                    line,
                    column,
                });
                if is_copy_stdin {
                    self.skip_copy_data();
                }
            }
        }
        std::mem::take(&mut self.out)
    }

    fn left_open(&mut self, what: OpenConstruct, line: u32) {
        self.unterminated.get_or_insert(Unterminated { what, line });
    }

    /// Whether only blanks precede `pos` on its line. Scans backwards so a
    /// long line full of statements costs one character per call, not the
    /// whole line (which made 10 MB minified files quadratic).
    fn at_line_start(&self) -> bool {
        self.src[self.line_start..self.pos]
            .chars()
            .rev()
            .all(char::is_whitespace)
    }

    /// 1-based column in characters of `offset`, on the current line, at or
    /// after the previous offset asked for.
    fn column_of(&mut self, offset: usize) -> u32 {
        let (from, column) = self.column_anchor;
        let column = column + self.src[from..offset].chars().count() as u32;
        self.column_anchor = (offset, column);
        column
    }

    fn newline_at(&mut self, i: usize) {
        self.line += 1;
        self.line_start = i + 1;
        self.column_anchor = (i + 1, 1);
    }

    fn skip_to_next_line(&mut self) {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            self.pos += 1;
            if b == b'\n' {
                self.newline_at(self.pos - 1);
                return;
            }
        }
    }

    /// Skips the rows of a `COPY … FROM stdin;` block up to the `\.` line.
    fn skip_copy_data(&mut self) {
        // Finish the line holding the COPY statement's delimiter.
        self.skip_to_next_line();
        while self.pos < self.bytes.len() {
            let line_end = self.src[self.pos..]
                .find('\n')
                .map_or(self.bytes.len(), |i| self.pos + i);
            let is_end = self.src[self.pos..line_end].trim_end() == "\\.";
            self.pos = line_end;
            if self.pos < self.bytes.len() {
                self.newline_at(self.pos);
                self.pos += 1;
            }
            if is_end {
                return;
            }
        }
    }

    /// Handles a MySQL client `DELIMITER xx` line. Returns true if one was read.
    fn try_delimiter_command(&mut self) -> bool {
        let rest = &self.src[self.pos..];
        let Some(head) = rest.get(..10) else {
            return false;
        };
        if !head.eq_ignore_ascii_case("delimiter ") {
            return false;
        }
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let new_delim = rest[10..line_end].trim();
        if !new_delim.is_empty() {
            self.delimiter = new_delim.to_string();
        }
        self.skip_to_next_line();
        true
    }

    fn skip_blanks_and_comments(&mut self) {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            match b {
                b'\n' => {
                    self.newline_at(self.pos);
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0c => self.pos += 1,
                b'-' if self.bytes.get(self.pos + 1) == Some(&b'-') => self.skip_line_comment(),
                b'#' if self.opts.hash_comments => self.skip_line_comment(),
                b'/' if self.bytes.get(self.pos + 1) == Some(&b'*')
                    && self.bytes.get(self.pos + 2) != Some(&b'!') =>
                {
                    self.skip_block_comment()
                }
                // A `/*!40101 SET … */;` version comment on its own is no statement.
                b'/' if self.bytes.get(self.pos + 1) == Some(&b'*') => {
                    self.skip_block_comment();
                    self.skip_trailing_delimiter();
                }
                b';' => self.pos += 1,
                _ => {
                    // A UTF-8 BOM or other zero-width noise at the start.
                    if self.src[self.pos..].starts_with('\u{feff}') {
                        self.pos += 3;
                    } else {
                        return;
                    }
                }
            }
        }
    }

    fn skip_trailing_delimiter(&mut self) {
        let rest = &self.src[self.pos..];
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if trimmed.starts_with(self.delimiter.as_str()) {
            self.pos += rest.len() - trimmed.len() + self.delimiter.len();
        }
    }

    fn skip_line_comment(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        let open_line = self.line;
        self.pos += 2;
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'*' if self.bytes.get(self.pos + 1) == Some(&b'/') => {
                    self.pos += 2;
                    return;
                }
                b'\n' => self.newline_at(self.pos),
                _ => {}
            }
            self.pos += 1;
        }
        self.left_open(OpenConstruct::BlockComment, open_line);
    }

    fn skip_quoted(&mut self, quote: u8) {
        let open_line = self.line;
        let escapes = self.opts.backslash_escapes && quote != b'`';
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b == b'\n' {
                self.newline_at(self.pos);
            } else if b == b'\\' && escapes {
                if self.bytes.get(self.pos + 1) == Some(&b'\n') {
                    self.newline_at(self.pos + 1);
                }
                self.pos += 2;
                continue;
            } else if b == quote {
                if self.bytes.get(self.pos + 1) == Some(&quote) {
                    self.pos += 2;
                    continue;
                }
                self.pos += 1;
                return;
            }
            self.pos += 1;
        }
        self.left_open(OpenConstruct::Quote, open_line);
    }

    /// At a `$`: if it opens a dollar quote, skips to its end and returns true.
    fn skip_dollar_quote(&mut self) -> bool {
        let rest = &self.src[self.pos + 1..];
        let tag_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if rest.as_bytes().get(tag_len) != Some(&b'$')
            || rest.as_bytes().first().is_some_and(u8::is_ascii_digit)
        {
            return false;
        }
        let tag = &self.src[self.pos..self.pos + tag_len + 2];
        let body_start = self.pos + tag.len();
        let end = match self.src[body_start..].find(tag) {
            Some(i) => body_start + i + tag.len(),
            None => {
                let line = self.line;
                self.left_open(OpenConstruct::DollarQuote, line);
                self.bytes.len()
            }
        };
        for (i, b) in self.bytes[self.pos..end].iter().enumerate() {
            if *b == b'\n' {
                self.newline_at(self.pos + i);
            }
        }
        self.pos = end;
        true
    }

    /// Advances to the end of the current statement; returns the end offset
    /// of its text (the delimiter excluded).
    fn scan_statement(&mut self, plsql_block: bool) -> usize {
        let delim = self.delimiter.clone();
        let delim = delim.as_bytes();
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            match b {
                b'\'' | b'"' | b'`' => self.skip_quoted(b),
                b'-' if self.bytes.get(self.pos + 1) == Some(&b'-') => self.skip_line_comment(),
                b'#' if self.opts.hash_comments => self.skip_line_comment(),
                b'/' if self.bytes.get(self.pos + 1) == Some(&b'*') => self.skip_block_comment(),
                b'$' if self.opts.dollar_quotes => {
                    if !self.skip_dollar_quote() {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.newline_at(self.pos);
                    self.pos += 1;
                    if delim != b";" && self.at_delimiter_line() {
                        return self.pos;
                    }
                    if self.at_separator_line() {
                        let end = self.pos;
                        self.skip_to_next_line();
                        return end;
                    }
                }
                b';' if plsql_block && delim == b";" => self.pos += 1,
                _ if self.bytes[self.pos..].starts_with(delim) => {
                    let end = self.pos;
                    self.pos += delim.len();
                    return end;
                }
                _ => self.pos += 1,
            }
        }
        self.bytes.len()
    }

    /// At a line holding only `/` (Oracle) or `GO` (SQL Server).
    fn at_separator_line(&self) -> bool {
        let rest = &self.src[self.pos..];
        let line = rest[..rest.find('\n').unwrap_or(rest.len())].trim();
        (self.opts.slash_terminator && line == "/")
            || (self.opts.go_batches && line.eq_ignore_ascii_case("go"))
    }

    /// With a custom delimiter, a `DELIMITER` line also ends the statement.
    fn at_delimiter_line(&self) -> bool {
        let rest = self.src[self.pos..].trim_start_matches([' ', '\t']);
        rest.get(..10)
            .is_some_and(|h| h.eq_ignore_ascii_case("delimiter "))
    }
}

/// Whether a statement is a PL/SQL block whose inner `;` do not end it.
fn starts_plsql_block(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(80)
        .collect::<String>()
        .to_ascii_uppercase();
    let words: Vec<&str> = head.split_whitespace().collect();
    let w = |i: usize| words.get(i).copied().unwrap_or("");
    let mut i = 0;
    if w(0) == "CREATE" {
        i = 1;
        if w(1) == "OR" && w(2) == "REPLACE" {
            i = 3;
        }
        if matches!(w(i), "EDITIONABLE" | "NONEDITIONABLE") {
            i += 1;
        }
        return matches!(w(i), "PROCEDURE" | "FUNCTION" | "TRIGGER" | "PACKAGE")
            || (w(i) == "TYPE" && w(i + 1) == "BODY");
    }
    matches!(w(i), "DECLARE" | "BEGIN")
}

fn is_copy_from_stdin(text: &str) -> bool {
    let head = text.get(..4).unwrap_or("");
    if !head.eq_ignore_ascii_case("copy") {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    lower.contains("from stdin")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str, opts: SplitOptions) -> Vec<(String, u32)> {
        split(src, opts)
            .into_iter()
            .map(|s| (s.text.to_string(), s.line))
            .collect()
    }

    const MYSQL: SplitOptions = SplitOptions {
        backslash_escapes: true,
        hash_comments: true,
        dollar_quotes: false,
        slash_terminator: false,
        go_batches: false,
    };
    const PG: SplitOptions = SplitOptions {
        backslash_escapes: false,
        hash_comments: false,
        dollar_quotes: true,
        slash_terminator: false,
        go_batches: false,
    };
    const ORACLE: SplitOptions = SplitOptions {
        backslash_escapes: false,
        hash_comments: false,
        dollar_quotes: false,
        slash_terminator: true,
        go_batches: false,
    };
    const MSSQL: SplitOptions = SplitOptions {
        backslash_escapes: false,
        hash_comments: false,
        dollar_quotes: false,
        slash_terminator: false,
        go_batches: true,
    };

    #[test]
    fn oracle_slash_lines_and_plsql_blocks() {
        let src = "CREATE TABLE t (a int);\n/\nCREATE OR REPLACE TRIGGER trg BEFORE INSERT ON t\nBEGIN\n  :new.a := 1;\n  x := 2;\nEND;\n/\nSELECT a / 2 FROM t;\n";
        let got = texts(src, ORACLE);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[1].0.starts_with("CREATE OR REPLACE TRIGGER") && got[1].0.ends_with("END;"));
        assert_eq!(got[2], ("SELECT a / 2 FROM t".to_string(), 9));
    }

    #[test]
    fn mssql_go_batches() {
        let src = "CREATE TABLE [dbo].[t] ([a] INT)\nGO\nEXEC sp_x\ngo\nSELECT 1;";
        let got = texts(src, MSSQL);
        let stmts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            stmts,
            ["CREATE TABLE [dbo].[t] ([a] INT)", "EXEC sp_x", "SELECT 1"]
        );
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let src = "-- a; comment\nSELECT 'a;b';\n/* x; */ SELECT \"c;\" ;\n# hash;\nSELECT `d;e`";
        assert_eq!(
            texts(src, MYSQL),
            vec![
                ("SELECT 'a;b'".to_string(), 2),
                ("SELECT \"c;\"".to_string(), 3),
                ("SELECT `d;e`".to_string(), 5),
            ]
        );
    }

    #[test]
    fn backslash_escape_only_when_enabled() {
        let src = "SELECT 'it\\'s;'; SELECT 2;";
        assert_eq!(texts(src, MYSQL).len(), 2);
        // In PostgreSQL the backslash is literal, so the quote closes after `\`.
        let pg = texts("SELECT 'C:\\'; SELECT 2;", PG);
        assert_eq!(pg.len(), 2, "{pg:?}");
    }

    #[test]
    fn dollar_quoted_bodies_stay_whole() {
        let src = "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN; RETURN 1; END;\n$body$ LANGUAGE plpgsql;\nSELECT 1;";
        let got = texts(src, PG);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1], ("SELECT 1".to_string(), 4));
        // `$1` parameters are not dollar quotes.
        assert_eq!(texts("SELECT $1; SELECT 2;", PG).len(), 2);
    }

    #[test]
    fn delimiter_blocks() {
        let src = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END $$\nDELIMITER ;\nSELECT 3;";
        let got = texts(src, MYSQL);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].0.starts_with("CREATE PROCEDURE") && got[0].0.ends_with("END"));
        assert_eq!(got[1], ("SELECT 3".to_string(), 4));
    }

    #[test]
    fn copy_from_stdin_data_is_skipped() {
        let src = "COPY t (a, b) FROM stdin;\n1\tx;y\n2\tz\n\\.\nSELECT 1;";
        let got = texts(src, PG);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1], ("SELECT 1".to_string(), 5));
    }

    #[test]
    fn version_comments_are_not_statements() {
        let src = "/*!40101 SET NAMES utf8 */;\nCREATE TABLE t (a int);";
        assert_eq!(
            texts(src, MYSQL),
            vec![("CREATE TABLE t (a int)".to_string(), 2)]
        );
    }

    /// Unterminated input neither panics nor loses text: the open quote,
    /// comment or dollar string is reported, and the text it swallows is the
    /// last statement (a comment alone is no statement).
    #[test]
    fn unterminated_input_is_reported_and_kept() {
        use OpenConstruct::{BlockComment, DollarQuote, Quote};
        let cases: [(&str, SplitOptions, &[&str], Option<OpenConstruct>); 12] = [
            ("SELECT 'abc", PG, &["SELECT 'abc"], Some(Quote)),
            ("SELECT 'abc", MYSQL, &["SELECT 'abc"], Some(Quote)),
            ("/* never closed", PG, &[], Some(BlockComment)),
            ("/* never closed", MYSQL, &[], Some(BlockComment)),
            (
                "SELECT $x$ body",
                PG,
                &["SELECT $x$ body"],
                Some(DollarQuote),
            ),
            // No dollar quoting in MySQL: `$x$` is plain text.
            ("SELECT $x$ body", MYSQL, &["SELECT $x$ body"], None),
            ("\"", PG, &["\""], Some(Quote)),
            ("\"", MYSQL, &["\""], Some(Quote)),
            ("DELIMITER", PG, &["DELIMITER"], None),
            ("DELIMITER", MYSQL, &["DELIMITER"], None),
            ("--", PG, &[], None),
            ("--", MYSQL, &[], None),
        ];
        for (src, opts, want, want_open) in cases {
            let (statements, open) = split_checked(src, opts);
            let got: Vec<(&str, u32, u32)> = statements
                .iter()
                .map(|s| (s.text, s.line, s.column))
                .collect();
            let want: Vec<(&str, u32, u32)> = want.iter().map(|t| (*t, 1, 1)).collect();
            assert_eq!(got, want, "{src:?} {opts:?}");
            assert_eq!(
                open.map(|o| (o.what, o.line)),
                want_open.map(|w| (w, 1)),
                "{src:?} {opts:?}"
            );
        }
    }

    #[test]
    fn columns_are_character_based() {
        let s = split("  \n  中文;  SELECT 1;", MYSQL);
        assert_eq!((s[0].line, s[0].column), (2, 3));
        assert_eq!((s[1].line, s[1].column), (2, 8));
    }

    #[test]
    fn many_statements_on_one_line_keep_their_columns() {
        let src = format!("\n{}", "drop table x; ".repeat(2000));
        let s = split(&src, MYSQL);
        assert_eq!(s.len(), 2000);
        for (i, st) in s.iter().enumerate() {
            assert_eq!(
                (st.line, st.column, st.offset),
                (2, 1 + 14 * i as u32, 1 + 14 * i)
            );
        }
    }

    #[test]
    fn unterminated_quotes_and_comments_are_reported_where_they_open() {
        let open = |src: &str, opts| split_checked(src, opts).1;
        assert_eq!(open("SELECT 'a';\nSELECT 'b';", MYSQL), None);
        assert_eq!(
            open("SELECT 1;\nSELECT 'never\nclosed;", MYSQL),
            Some(Unterminated {
                what: OpenConstruct::Quote,
                line: 2
            })
        );
        assert_eq!(
            open("SELECT 1;\n\n/* open\nSELECT 2;", MYSQL),
            Some(Unterminated {
                what: OpenConstruct::BlockComment,
                line: 3
            })
        );
        assert_eq!(
            open("SELECT 1 /* open", MYSQL),
            Some(Unterminated {
                what: OpenConstruct::BlockComment,
                line: 1
            })
        );
        assert_eq!(
            open("SELECT $f$ body;\n", PG),
            Some(Unterminated {
                what: OpenConstruct::DollarQuote,
                line: 1
            })
        );
        // A trailing backslash escape inside an open quote does not run past the end.
        let (s, u) = split_checked("SELECT 'x\\", MYSQL);
        assert_eq!(s.len(), 1);
        assert_eq!(u.map(|u| u.what), Some(OpenConstruct::Quote));
    }
}
