//! SQL extractor: split a file into statements, parse each alone with
//! sqlparser, and record tables, columns, comments and write lineage with
//! their file:line. A statement that does not parse becomes a diagnostic and
//! goes to the tolerant [`recover`] fallback; the rest of the file is read.

pub mod dialect;
pub mod lineage;
pub mod recover;
pub mod split;
pub mod values;

pub use dialect::SqlDialect;

use super::{
    AlterColumn, AlterOp, ColumnDef, CommentOn, CommentTarget, FileFacts, TableDef, WriteLineage,
};
use crate::model::{DatasetKind, Diagnostic, DiagnosticLevel, ForeignKey, Location};
use lineage::{analyze_statement, object_name, Options, OutItem, StatementTables};
use regex::Regex;
use split::RawStatement;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, CommentDef, CommentObject,
    CreateTableOptions, ForeignKeyConstraint, Ident, SqlOption, Statement, TableConstraint,
};
use sqlparser::dialect::Dialect;
use sqlparser::parser::Parser;
use std::sync::LazyLock;

/// Reads one SQL file.
pub fn extract(file: &str, text: &str, dialect: SqlDialect) -> FileFacts {
    extract_with(file, text, dialect, Options::default(), |_| {})
}

/// Reads one SQL file with lineage `options`, calling `observe` with the
/// table usage of every parsed statement, in file order.
pub fn extract_with(
    file: &str,
    text: &str,
    dialect: SqlDialect,
    options: Options,
    observe: impl FnMut(&StatementTables),
) -> FileFacts {
    read_statements(file, text, dialect, options, None, observe)
}

/// [`extract`] that stops reading statements once `deadline` has passed:
/// the statements read so far are kept, the rest are counted as lost and a
/// warning says where reading stopped.
pub fn extract_until(
    file: &str,
    text: &str,
    dialect: SqlDialect,
    deadline: std::time::Instant,
) -> FileFacts {
    read_statements(
        file,
        text,
        dialect,
        Options::default(),
        Some(deadline),
        |_| {},
    )
}

/// Message of the warning left when a file's time budget ran out; the scan
/// adds no second one for the same file.
pub const BUDGET_SPENT: &str = "per-file time budget spent";

fn read_statements(
    file: &str,
    text: &str,
    dialect: SqlDialect,
    options: Options,
    deadline: Option<std::time::Instant>,
    mut observe: impl FnMut(&StatementTables),
) -> FileFacts {
    let mut out = FileFacts {
        file: file.to_string(),
        dialect: Some(dialect),
        ..FileFacts::default()
    };
    let primary = dialect.parser_dialect();
    let fallback = SqlDialect::Generic.parser_dialect();
    let (statements, unterminated) = split::split_checked(text, dialect.split_options());
    if let Some(open) = unterminated {
        out.diagnostics.push(Diagnostic {
            file: file.to_string(),
            line: open.line,
            severity: DiagnosticLevel::Warning,
            message: format!(
                "unterminated {} runs to the end of the file; what follows it was not read / 未闭合，其后内容未读取",
                open.what
            ),
        });
    }
    let mut budget = values::SampleBudget::default();
    let count = statements.len();
    for (n, stmt) in statements.into_iter().enumerate() {
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            let left = count - n;
            out.coverage.statements_total += left as u64;
            out.diagnostics.push(Diagnostic {
                file: file.to_string(),
                line: stmt.line,
                severity: DiagnosticLevel::Warning,
                message: format!(
                    "{BUDGET_SPENT}: the last {left} statements, from here on, were not read (--file-time-budget) / 超出单文件时间预算，自此起 {left} 条语句未读取"
                ),
            });
            break;
        }
        out.coverage.statements_total += 1;
        // `UPDATE t SET c = AES_ENCRYPT(…)` / `INSERT … VALUES (AES_ENCRYPT(…))`:
        // the column is stored encrypted.
        for (table, column, _) in crate::extract::hash_shape::encrypted_writes(stmt.text) {
            out.protections.push(crate::extract::ProtectionRule {
                table: Some(table),
                column,
                protection: crate::model::Protection::Encrypted,
                kind: "db_encrypt_function".into(),
                location: crate::model::Location::line(file, stmt.line),
            });
        }
        if is_bulk_insert_values(stmt.text) {
            // Row data: its columns say nothing the DDL does not, and a full AST
            // per row would cost most of the scan time on real dumps.
            out.coverage.statements_parsed += 1;
            // A bounded sample of the literals feeds the value validators.
            if let Some(mut sample) = values::sample_insert(stmt.text) {
                sample.line = stmt.line;
                if budget.admit(&mut sample) {
                    out.samples.push(sample);
                }
            }
            if let Some(target) = bulk_insert_target(stmt.text) {
                observe(&StatementTables {
                    writes: vec![target],
                    ..StatementTables::default()
                });
            }
            continue;
        }
        let parsed = parse(&*primary, stmt.text)
            .or_else(|err| {
                if dialect == SqlDialect::Generic {
                    Err(err)
                } else {
                    parse(&*fallback, stmt.text).map_err(|_| err)
                }
            })
            .or_else(|err| {
                // Forms other dialects accept, spelled the way sqlparser reads them.
                let Some(fixed) = respelled(stmt.text) else {
                    return Err(err);
                };
                parse(&*primary, &fixed)
                    .or_else(|_| parse(&*fallback, &fixed))
                    .map_err(|_| err)
            });
        match parsed {
            Ok(statements) => {
                out.coverage.statements_parsed += 1;
                let mut reader = StatementReader {
                    file,
                    stmt: &stmt,
                    options,
                    out: &mut out,
                };
                for s in &statements {
                    let tables = reader.statement(s);
                    observe(&tables);
                }
                // A routine's body is text to sqlparser (PostgreSQL `$$`
                // bodies) or statements no reader walks: the data it moves
                // is read as for a block that did not parse.
                if statements.iter().any(is_routine) {
                    let dialects = [&*primary, &*fallback];
                    read_embedded_dml(file, &stmt, dialects, options, &mut out, &mut observe);
                }
            }
            Err(err) => {
                let known = out.tables.len();
                not_parsed(file, &stmt, dialect, &err, &mut out);
                // The DML inside a block sqlparser cannot read still moves data.
                let dialects = [&*primary, &*fallback];
                read_embedded_dml(file, &stmt, dialects, options, &mut out, &mut observe);
                // A table recovered by the fallback is still a table the file writes.
                let writes: Vec<String> =
                    out.tables[known..].iter().map(|t| t.name.clone()).collect();
                if !writes.is_empty() {
                    observe(&StatementTables {
                        writes,
                        ..StatementTables::default()
                    });
                }
            }
        }
    }
    out
}

/// `stmt` rewritten into a form sqlparser reads, for two spellings it
/// rejects: `INSERT INTO t (SELECT …)` / `(WITH … SELECT …)` (a parenthesised
/// query as the source, as Oracle and Teradata allow) and MySQL's
/// `CREATE TABLE t SELECT …` (CTAS without `AS`). None when neither applies.
fn respelled(stmt: &str) -> Option<String> {
    static INSERT_PAREN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)^(insert\s+(?:into\s+)?[^\s(]+\s*)\((\s*(?:with|select)\b.*)\)\s*$")
            .expect("valid regex")
    });
    static CTAS_NO_AS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)^(create\s+(?:(?:temporary|temp)\s+)?table\s+(?:if\s+not\s+exists\s+)?[^\s(]+\s+)(select\b.*)$")
            .expect("valid regex")
    });
    if let Some(c) = INSERT_PAREN.captures(stmt) {
        return Some(format!("{}{}", &c[1], &c[2]));
    }
    CTAS_NO_AS
        .captures(stmt)
        .map(|c| format!("{}AS {}", &c[1], &c[2]))
}

/// Whether `s` defines a procedure, function or trigger, whose body
/// [`embedded_dml`] reads.
fn is_routine(s: &Statement) -> bool {
    matches!(
        s,
        Statement::CreateFunction(_)
            | Statement::CreateProcedure { .. }
            | Statement::CreateTrigger(_)
    )
}

/// Reads the statements [`embedded_dml`] finds in `stmt`, each parsed
/// alone (with the file's dialect, then the generic one) at its own place.
fn read_embedded_dml(
    file: &str,
    stmt: &RawStatement,
    [primary, fallback]: [&dyn Dialect; 2],
    options: Options,
    out: &mut FileFacts,
    observe: &mut impl FnMut(&StatementTables),
) {
    for inner in embedded_dml(stmt) {
        let parsed = parse(primary, inner.text).or_else(|_| parse(fallback, inner.text));
        let Ok(statements) = parsed else { continue };
        let mut reader = StatementReader {
            file,
            stmt: &inner,
            options,
            out,
        };
        for s in &statements {
            let tables = reader.statement(s);
            observe(&tables);
        }
    }
}

/// The data-moving statements inside a procedure, function, trigger or
/// anonymous block (`CREATE PROCEDURE … BEGIN … END`, `DECLARE … BEGIN …`)
/// that did not parse as a whole: PL/SQL and other procedural bodies are
/// beyond sqlparser, but the `INSERT … SELECT`, `UPDATE`, `MERGE` and
/// `CREATE TABLE … AS` they run are plain SQL. Each `;`-separated piece of
/// the block is cut at its first such statement keyword (dropping the
/// control flow before it: `LOOP`, `IF … THEN`, `BEGIN`) and kept with its
/// own file position.
fn embedded_dml<'a>(stmt: &RawStatement<'a>) -> Vec<RawStatement<'a>> {
    static BLOCK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?is)^(?:create\s+(?:or\s+(?:replace|alter)\s+)?(?:(?:editionable|noneditionable|definer\s*=\s*\S+)\s+)?(?:procedure|function|trigger|package)\b|declare\b|begin\b)",
        )
        .expect("valid regex")
    });
    static DML: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?is)\b(?:insert\s+(?:into|overwrite)\b|update\s+\S+(?:\s+\S+)?\s+set\b|merge\s+into\b|create\s+(?:(?:global\s+|local\s+)?(?:temporary|temp)\s+)?table\s+\S+\s+as\b)",
        )
        .expect("valid regex")
    });
    if !BLOCK.is_match(stmt.text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for piece in split::split(stmt.text, split::SplitOptions::default()) {
        let Some(m) = DML.find(piece.text) else {
            continue;
        };
        let at = piece.offset + m.start();
        let (line, column) = stmt.line_column_at(at);
        out.push(RawStatement {
            text: &piece.text[m.start()..],
            offset: stmt.offset + at,
            line,
            column,
        });
    }
    out
}

fn parse(dialect: &dyn Dialect, sql: &str) -> Result<Vec<Statement>, String> {
    Parser::new(dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| e.to_string())
}

fn not_parsed(
    file: &str,
    stmt: &RawStatement,
    dialect: SqlDialect,
    err: &str,
    out: &mut FileFacts,
) {
    let (line, message) = relocate_error(err, stmt);
    let recovered = recover::recover(file, stmt);
    let note = match &recovered {
        Some(recover::Recovered::Table(t)) => {
            format!(
                "; recovered table `{}` with {} columns",
                t.name,
                t.columns.len()
            )
        }
        Some(recover::Recovered::Comment(_)) => "; recovered the comment".to_string(),
        None => String::new(),
    };
    out.diagnostics.push(Diagnostic {
        file: file.to_string(),
        line,
        severity: DiagnosticLevel::Warning,
        message: format!("statement not parsed ({dialect}): {message}{note}"),
    });
    match recovered {
        Some(recover::Recovered::Table(t)) => {
            out.coverage.statements_recovered += 1;
            out.tables.push(t);
        }
        Some(recover::Recovered::Comment(c)) => {
            out.coverage.statements_recovered += 1;
            out.comments.push(c);
        }
        None => {}
    }
}

/// Rewrites sqlparser's statement-relative "Line: L, Column: C" to file
/// coordinates, and returns the file line of the error.
fn relocate_error(err: &str, stmt: &RawStatement) -> (u32, String) {
    static AT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"at Line: (\d+), Column: (\d+)").expect("valid regex"));
    let msg = err.trim_start_matches("sql parser error: ").to_string();
    let Some(c) = AT.captures(&msg) else {
        return (stmt.line, msg);
    };
    let rel_line: u32 = c[1].parse().unwrap_or(1).max(1);
    let rel_col: u32 = c[2].parse().unwrap_or(1).max(1);
    let line = stmt.line + rel_line - 1;
    let col = if rel_line == 1 {
        stmt.column + rel_col - 1
    } else {
        rel_col
    };
    let msg = AT
        .replace(&msg, format!("at {line}:{col}").as_str())
        .into_owned();
    (line, shorten(&msg, 300))
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

/// `INSERT [IGNORE] INTO t [(cols)] VALUES (…)` with literal rows only.
fn is_bulk_insert_values(text: &str) -> bool {
    static BULK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?is)^(?:insert|replace)\s+(?:(?:low_priority|delayed|high_priority|ignore)\s+)*(?:into\s+)?[^\s(]+\s*(?:\([^()]*\)\s*)?values?\s*\("#,
        )
        .expect("valid regex")
    });
    static SUBQUERY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\(\s*select\b").expect("valid regex"));
    let head = &text[..split_floor(text, text.len().min(4096))];
    // Rows with subqueries read tables: those are parsed.
    BULK.is_match(head) && !SUBQUERY.is_match(head)
}

/// The table a bulk `INSERT … VALUES` writes, unquoted.
fn bulk_insert_target(text: &str) -> Option<String> {
    static TARGET: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?is)^(?:insert|replace)\s+(?:(?:low_priority|delayed|high_priority|ignore)\s+)*(?:into\s+)?([^\s(]+)"#,
        )
        .expect("valid regex")
    });
    let head = &text[..split_floor(text, text.len().min(4096))];
    let raw = TARGET.captures(head)?.get(1)?.as_str();
    Some(
        raw.chars()
            .filter(|c| !matches!(c, '`' | '"' | '[' | ']'))
            .collect(),
    )
}

fn split_floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

struct StatementReader<'a, 'b> {
    file: &'a str,
    stmt: &'a RawStatement<'b>,
    options: Options,
    out: &'a mut FileFacts,
}

impl StatementReader<'_, '_> {
    fn statement_location(&self) -> Location {
        Location::at(self.file, self.stmt.line, self.stmt.column)
    }

    /// File location of an identifier parsed from this statement.
    fn ident_location(&self, ident: &Ident) -> Location {
        let start = ident.span.start;
        if start.line == 0 {
            return self.statement_location();
        }
        let rel_line = start.line as u32;
        let line = self.stmt.line + rel_line - 1;
        let column = if rel_line == 1 {
            self.stmt.column + start.column as u32 - 1
        } else {
            start.column as u32
        };
        Location::at(self.file, line, column)
    }

    /// The `--` comment on each column's line (`phone varchar(11), -- 手机号`),
    /// used as its documentation when it has no `COMMENT` clause; see
    /// [`recover::item_line_comments`] for which comments count.
    fn column_line_comments(&self, columns: &[sqlparser::ast::ColumnDef]) -> Vec<Option<String>> {
        let text = self.stmt.text;
        let offsets: Vec<Option<usize>> = columns
            .iter()
            .map(|c| offset_at(text, c.name.span.start.line, c.name.span.start.column))
            .collect();
        let none = vec![None; columns.len()];
        if !text.contains("--") {
            return none;
        }
        // The list's `(` is the last one before the first column's name.
        let Some(Some(first)) = offsets.first() else {
            return none;
        };
        let Some(open) = text[..*first].rfind('(') else {
            return none;
        };
        let items = recover::item_line_comments(text, open);
        offsets
            .iter()
            .map(|o| o.and_then(|at| recover::line_comment_at(&items, text, at)))
            .collect()
    }

    /// Records what `statement` declares and writes; returns its table usage.
    fn statement(&mut self, statement: &Statement) -> StatementTables {
        let lineage = analyze_statement(statement, self.options);
        let location = self.statement_location();
        for w in lineage.writes {
            let mut source_tables: Vec<String> = lineage.tables.reads.clone();
            source_tables.extend(w.items.iter().filter_map(|i| match i {
                OutItem::Star { table } => Some(table.clone()),
                OutItem::Column(_) => None,
            }));
            source_tables.sort();
            source_tables.dedup();
            self.out.writes.push(WriteLineage {
                target: w.target,
                target_kind: if w.view {
                    DatasetKind::View
                } else {
                    DatasetKind::Table
                },
                defines_target: w.defines,
                columns: w.columns,
                items: w.items,
                source_tables,
                location: location.clone(),
            });
        }
        match statement {
            Statement::CreateTable(ct) => {
                if ct.query.is_some() && ct.columns.is_empty() {
                    // CTAS: the dataset is defined by the query's output.
                    return lineage.tables;
                }
                let name = object_name(&ct.name);
                let location = ct
                    .name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map_or_else(|| self.statement_location(), |i| self.ident_location(i));
                let line_comments = self.column_line_comments(&ct.columns);
                let columns = ct
                    .columns
                    .iter()
                    .zip(line_comments)
                    .map(|(c, line_comment)| ColumnDef {
                        name: c.name.value.clone(),
                        data_type: Some(c.data_type.to_string().to_lowercase()),
                        comment: c
                            .options
                            .iter()
                            .find_map(|o| match &o.option {
                                ColumnOption::Comment(s) => Some(s.clone()),
                                _ => None,
                            })
                            .or(line_comment),
                        location: self.ident_location(&c.name),
                        references: option_references(&c.options),
                    })
                    .collect::<Vec<ColumnDef>>();
                // `FOREIGN KEY (col) REFERENCES t(k)` among the table's
                // constraints; one naming an unknown column is ignored.
                let mut columns = columns;
                for (column, target) in ct.constraints.iter().flat_map(constraint_references) {
                    if let Some(c) = columns
                        .iter_mut()
                        .find(|c| c.name.eq_ignore_ascii_case(&column))
                    {
                        c.references.get_or_insert(target);
                    }
                }
                let comment = ct
                    .comment
                    .as_ref()
                    .map(comment_text)
                    .or_else(|| table_option_comment(&ct.table_options));
                self.out.tables.push(TableDef {
                    name,
                    kind: DatasetKind::Table,
                    comment,
                    location,
                    columns,
                    recovered: false,
                });
            }
            Statement::Comment {
                object_type,
                object_name: name,
                comment: Some(text),
                ..
            } => {
                let parts: Vec<String> = object_name(name).split('.').map(str::to_string).collect();
                let target = match object_type {
                    CommentObject::Table => CommentTarget::Table(parts.join(".")),
                    CommentObject::Column if parts.len() >= 2 => CommentTarget::Column {
                        table: parts[..parts.len() - 1].join("."),
                        column: parts[parts.len() - 1].clone(),
                    },
                    _ => return lineage.tables,
                };
                self.out.comments.push(CommentOn {
                    target,
                    text: text.clone(),
                    location: self.statement_location(),
                });
            }
            Statement::AlterTable(at) => self.alter_table(at),
            _ => {}
        }
        lineage.tables
    }
}

impl StatementReader<'_, '_> {
    /// Records the column changes of an `ALTER TABLE` (several operations
    /// in one statement are kept in order).
    fn alter_table(&mut self, at: &sqlparser::ast::AlterTable) {
        let table = object_name(&at.name);
        for op in &at.operations {
            let (op, location) = match op {
                AlterTableOperation::AddColumn { column_def: c, .. } => (
                    AlterOp::Add(ColumnDef {
                        name: c.name.value.clone(),
                        data_type: Some(c.data_type.to_string().to_lowercase()),
                        comment: option_comment(&c.options),
                        location: self.ident_location(&c.name),
                        references: option_references(&c.options),
                    }),
                    self.ident_location(&c.name),
                ),
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    ..
                } => (
                    AlterOp::Change {
                        column: col_name.value.clone(),
                        new_name: None,
                        data_type: Some(data_type.to_string().to_lowercase()),
                        comment: options.iter().find_map(|o| match o {
                            ColumnOption::Comment(s) => Some(s.clone()),
                            _ => None,
                        }),
                    },
                    self.ident_location(col_name),
                ),
                AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    data_type,
                    options,
                    ..
                } => (
                    AlterOp::Change {
                        column: old_name.value.clone(),
                        new_name: Some(new_name.value.clone())
                            .filter(|n| !n.eq_ignore_ascii_case(&old_name.value)),
                        data_type: Some(data_type.to_string().to_lowercase()),
                        comment: options.iter().find_map(|o| match o {
                            ColumnOption::Comment(s) => Some(s.clone()),
                            _ => None,
                        }),
                    },
                    self.ident_location(old_name),
                ),
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => (
                    AlterOp::Change {
                        column: old_column_name.value.clone(),
                        new_name: Some(new_column_name.value.clone()),
                        data_type: None,
                        comment: None,
                    },
                    self.ident_location(old_column_name),
                ),
                AlterTableOperation::AlterColumn {
                    column_name,
                    op: AlterColumnOperation::SetDataType { data_type, .. },
                } => (
                    AlterOp::Change {
                        column: column_name.value.clone(),
                        new_name: None,
                        data_type: Some(data_type.to_string().to_lowercase()),
                        comment: None,
                    },
                    self.ident_location(column_name),
                ),
                AlterTableOperation::AddConstraint { constraint, .. } => {
                    let location = self.statement_location();
                    for (column, target) in constraint_references(constraint) {
                        self.out.alters.push(AlterColumn {
                            table: table.clone(),
                            op: AlterOp::References { column, target },
                            location: location.clone(),
                        });
                    }
                    continue;
                }
                AlterTableOperation::DropColumn { column_names, .. } => {
                    for c in column_names {
                        self.out.alters.push(AlterColumn {
                            table: table.clone(),
                            op: AlterOp::Drop(c.value.clone()),
                            location: self.ident_location(c),
                        });
                    }
                    continue;
                }
                _ => continue,
            };
            self.out.alters.push(AlterColumn {
                table: table.clone(),
                op,
                location,
            });
        }
    }
}

/// The `COMMENT '…'` among a column's options.
fn option_comment(options: &[sqlparser::ast::ColumnOptionDef]) -> Option<String> {
    options.iter().find_map(|o| match &o.option {
        ColumnOption::Comment(s) => Some(s.clone()),
        _ => None,
    })
}

/// The target of a foreign key declared inline on a column
/// (`owner INT REFERENCES member(id)`).
fn option_references(options: &[sqlparser::ast::ColumnOptionDef]) -> Option<ForeignKey> {
    options.iter().find_map(|o| match &o.option {
        ColumnOption::ForeignKey(fk) => fk_target(fk, 0),
        _ => None,
    })
}

/// The (local column, target) pairs of a table constraint: a composite key
/// `FOREIGN KEY (a, b) REFERENCES t(x, y)` gives `a → t.x` and `b → t.y`.
fn constraint_references(c: &TableConstraint) -> Vec<(String, ForeignKey)> {
    let TableConstraint::ForeignKey(fk) = c else {
        return Vec::new();
    };
    fk.columns
        .iter()
        .enumerate()
        .filter_map(|(i, col)| Some((col.value.clone(), fk_target(fk, i)?)))
        .collect()
}

/// The referenced table and its `i`-th referred column; `None` for an
/// empty table name.
fn fk_target(fk: &ForeignKeyConstraint, i: usize) -> Option<ForeignKey> {
    let table = object_name(&fk.foreign_table);
    if table.trim().is_empty() {
        return None;
    }
    Some(ForeignKey {
        table,
        column: fk.referred_columns.get(i).map(|c| c.value.clone()),
    })
}

/// Byte offset of a 1-based (line, column in characters) position in `text`.
fn offset_at(text: &str, line: u64, column: u64) -> Option<usize> {
    if line == 0 || column == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let rest = &text[start..];
    let col = usize::try_from(column - 1).ok()?;
    rest.char_indices().nth(col).map(|(i, _)| start + i)
}

fn comment_text(c: &CommentDef) -> String {
    match c {
        CommentDef::WithEq(s) | CommentDef::WithoutEq(s) => s.clone(),
    }
}

fn table_option_comment(opts: &CreateTableOptions) -> Option<String> {
    let list = match opts {
        CreateTableOptions::None => return None,
        CreateTableOptions::With(v)
        | CreateTableOptions::Options(v)
        | CreateTableOptions::Plain(v)
        | CreateTableOptions::TableProperties(v) => v,
    };
    list.iter().find_map(|o| match o {
        SqlOption::Comment(c) => Some(comment_text(c)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_comments_document_columns_without_a_comment_clause() {
        let f = extract(
            "t.sql",
            "CREATE TABLE member (\n  id bigint, -- 主键\n  phone varchar(11) -- 手机号\n  , `nick` varchar(20) COMMENT '昵称', -- 旧说明\n  -- 证件信息\n  id_card varchar(18),\n  PRIMARY KEY (id), -- 主键约束\n  addr text,\n  email text -- 邮箱\n) ENGINE=InnoDB",
            SqlDialect::Mysql,
        );
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let got: Vec<(&str, Option<&str>)> = f.tables[0]
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.comment.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("id", Some("主键")),
                ("phone", Some("手机号")),
                ("nick", Some("昵称")),
                ("id_card", None),
                ("addr", None),
                ("email", Some("邮箱"))
            ]
        );
    }

    /// (column, referenced table, referenced column) of every column of the
    /// first table that declares a foreign key.
    fn fks(f: &FileFacts) -> Vec<(String, String, Option<String>)> {
        f.tables[0]
            .columns
            .iter()
            .filter_map(|c| {
                let r = c.references.as_ref()?;
                Some((c.name.clone(), r.table.clone(), r.column.clone()))
            })
            .collect()
    }

    fn fk(c: &str, t: &str, k: Option<&str>) -> (String, String, Option<String>) {
        (c.into(), t.into(), k.map(Into::into))
    }

    #[test]
    fn inline_references_named_unlike_their_target() {
        for dialect in [
            SqlDialect::Postgres,
            SqlDialect::Mysql,
            SqlDialect::Oracle,
            SqlDialect::Mssql,
        ] {
            let f = extract(
                "t.sql",
                "CREATE TABLE pet (\n  id INT PRIMARY KEY,\n  owner INT REFERENCES member(id),\n  keeper INT NOT NULL REFERENCES app.staff,\n  kind_id INT\n)",
                dialect,
            );
            assert!(f.diagnostics.is_empty(), "{dialect:?}: {:?}", f.diagnostics);
            assert_eq!(
                fks(&f),
                [
                    fk("owner", "member", Some("id")),
                    fk("keeper", "app.staff", None)
                ],
                "{dialect:?}"
            );
        }
    }

    #[test]
    fn table_constraint_foreign_keys() {
        let f = extract(
            "t.sql",
            "CREATE TABLE visit (\n  id bigint,\n  who bigint,\n  a int, b int,\n  note text,\n  PRIMARY KEY (id),\n  CONSTRAINT fk_who FOREIGN KEY (who) REFERENCES `patient` (`id`) ON DELETE CASCADE,\n  FOREIGN KEY (a, b) REFERENCES pair (x, y),\n  FOREIGN KEY (nope) REFERENCES ghost (id)\n) ENGINE=InnoDB",
            SqlDialect::Mysql,
        );
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        assert_eq!(
            fks(&f),
            [
                fk("who", "patient", Some("id")),
                fk("a", "pair", Some("x")),
                fk("b", "pair", Some("y"))
            ]
        );
    }

    #[test]
    fn alter_table_add_constraint_foreign_key() {
        let cases = [
            (SqlDialect::Mysql, "ALTER TABLE `visit` ADD CONSTRAINT `fk_v` FOREIGN KEY (`who`) REFERENCES `patient` (`id`)"),
            (SqlDialect::Postgres, "ALTER TABLE public.visit ADD CONSTRAINT fk_v FOREIGN KEY (who) REFERENCES public.patient (id) NOT VALID"),
            (SqlDialect::Oracle, "ALTER TABLE VISIT ADD CONSTRAINT FK_V FOREIGN KEY (WHO) REFERENCES PATIENT (ID)"),
            (SqlDialect::Mssql, "ALTER TABLE [dbo].[visit] ADD CONSTRAINT [fk_v] FOREIGN KEY ([who]) REFERENCES [dbo].[patient] ([id])"),
        ];
        for (dialect, sql) in cases {
            let f = extract("t.sql", sql, dialect);
            assert!(f.diagnostics.is_empty(), "{dialect:?}: {:?}", f.diagnostics);
            let got: Vec<(String, String)> = f
                .alters
                .iter()
                .filter_map(|a| match &a.op {
                    AlterOp::References { column, target } => Some((
                        column.to_lowercase(),
                        target.table.rsplit('.').next().unwrap_or("").to_lowercase(),
                    )),
                    _ => None,
                })
                .collect();
            assert_eq!(
                got,
                [("who".to_string(), "patient".to_string())],
                "{dialect:?}"
            );
        }
        // Other constraints add no reference.
        let f = extract(
            "t.sql",
            "ALTER TABLE visit ADD CONSTRAINT uq UNIQUE (who)",
            SqlDialect::Mysql,
        );
        assert!(f.alters.is_empty(), "{:?}", f.alters);
    }

    /// Malformed foreign-key clauses give a diagnostic or nothing, never a
    /// panic nor a reference to an empty table.
    #[test]
    fn malformed_foreign_keys_never_panic() {
        let pieces = [
            "FOREIGN KEY",
            "(",
            ")",
            "who",
            "REFERENCES",
            "patient",
            "(id)",
            "()",
            ",",
            "CONSTRAINT",
            "`",
            "\"",
            "ON DELETE",
            "a.b.",
            "--",
            "'",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..400 {
            let n = 1 + (next() % 8) as usize;
            let clause: Vec<&str> = (0..n)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let clause = clause.join(" ");
            for (dialect, sql) in [
                (
                    SqlDialect::Mysql,
                    format!("CREATE TABLE t (id int, who int, {clause})"),
                ),
                (
                    SqlDialect::Postgres,
                    format!("CREATE TABLE t (id int, who int {clause})"),
                ),
                (
                    SqlDialect::Oracle,
                    format!("ALTER TABLE t ADD CONSTRAINT c {clause}"),
                ),
                (SqlDialect::Mssql, format!("ALTER TABLE t ADD {clause}")),
            ] {
                let f = extract("t.sql", &sql, dialect);
                let refs = f
                    .tables
                    .iter()
                    .flat_map(|t| t.columns.iter().filter_map(|c| c.references.clone()))
                    .chain(f.alters.iter().filter_map(|a| match &a.op {
                        AlterOp::References { target, .. } => Some(target.clone()),
                        _ => None,
                    }));
                for r in refs {
                    assert!(!r.table.trim().is_empty(), "round {round}: {sql}");
                }
                for d in &f.diagnostics {
                    assert!(d.line >= 1, "round {round}: {sql}: {d:?}");
                }
            }
        }
    }

    /// Each write of `f`: (target, line, column, source tables).
    fn writes(f: &FileFacts) -> Vec<(String, u32, Option<u32>, Vec<String>)> {
        f.writes
            .iter()
            .map(|w| {
                (
                    w.target.clone(),
                    w.location.line,
                    w.location.column,
                    w.source_tables.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn dml_inside_an_unparsed_block_is_read() {
        let sql = "SELECT 1;\nCREATE OR REPLACE PROCEDURE p_sync(n NUMBER) AS\nBEGIN\n  v := 0;\n  LOOP\n    IF n > 0 THEN INSERT INTO rpt (tel)\n      SELECT phone FROM member WHERE id > v;\n    END IF;\n    UPDATE rpt r SET name = 'x';\n    EXIT WHEN v > n;\n  END LOOP;\nEND;\n/\n";
        let f = extract("p.sql", sql, SqlDialect::Oracle);
        assert_eq!(f.diagnostics.len(), 1, "{:?}", f.diagnostics);
        assert_eq!(
            writes(&f),
            [("rpt".to_string(), 6, Some(19), vec!["member".to_string()])]
        );
        // Not a block: a statement that fails to parse yields nothing more.
        let f = extract(
            "q.sql",
            "FOO BAR; INSERT INTO t SELECT a FROM s ???",
            SqlDialect::Generic,
        );
        assert!(f.writes.is_empty());
    }

    /// Routines sqlparser does parse keep their body as text (PostgreSQL
    /// `$$`) or as statements no reader walks; their DML is still read.
    #[test]
    fn dml_inside_a_parsed_routine_is_read() {
        let pg = "CREATE OR REPLACE FUNCTION f_sync() RETURNS void AS $$\nBEGIN\n  INSERT INTO rpt (tel)\n    SELECT phone FROM member;\n  UPDATE rpt SET tel = NULL WHERE tel = '';\nEND;\n$$ LANGUAGE plpgsql;\nCREATE FUNCTION f_add(a int, b int) RETURNS int AS $$ SELECT a + b $$ LANGUAGE sql;\nSELECT 'INSERT INTO x SELECT y FROM z';\n";
        let f = extract("f.sql", pg, SqlDialect::Postgres);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        assert_eq!(f.coverage.statements_parsed, 3);
        assert_eq!(
            writes(&f),
            [("rpt".to_string(), 3, Some(3), vec!["member".to_string()])]
        );
        let mysql = "DELIMITER $$\nCREATE PROCEDURE p_sync()\nBEGIN\n  INSERT INTO rpt (tel) SELECT phone FROM member;\nEND $$\nDELIMITER ;\n";
        let f = extract("p.sql", mysql, SqlDialect::Mysql);
        assert_eq!(
            writes(&f),
            [("rpt".to_string(), 4, Some(3), vec!["member".to_string()])]
        );
    }

    #[test]
    fn parenthesised_insert_source_and_ctas_without_as_are_read() {
        assert_eq!(
            respelled("INSERT INTO t (WITH c AS (SELECT a FROM s) SELECT a FROM c)").as_deref(),
            Some("INSERT INTO t WITH c AS (SELECT a FROM s) SELECT a FROM c")
        );
        assert_eq!(
            respelled("create table t select * from s").as_deref(),
            Some("create table t AS select * from s")
        );
        // A column list is not a query.
        assert_eq!(respelled("INSERT INTO t (a, b) SELECT 1, 2 ???"), None);
        let f = extract(
            "x.sql",
            "INSERT INTO rpt (SELECT phone FROM member);\nCREATE TABLE bak SELECT id FROM member;",
            SqlDialect::Generic,
        );
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let targets: Vec<&str> = f.writes.iter().map(|w| w.target.as_str()).collect();
        assert_eq!(targets, ["rpt", "bak"]);
        assert_eq!(f.coverage.statements_parsed, 2);
    }

    #[test]
    fn bulk_insert_detection() {
        assert!(is_bulk_insert_values(
            "INSERT INTO `t` (`a`, `b`) VALUES (1, 'x'), (2, 'y')"
        ));
        assert!(is_bulk_insert_values("insert ignore into t values(1)"));
        assert!(!is_bulk_insert_values("INSERT INTO t (a) SELECT a FROM s"));
        assert!(!is_bulk_insert_values(
            "INSERT INTO t SELECT * FROM (VALUES (1)) v"
        ));
        assert!(!is_bulk_insert_values(
            "INSERT INTO t VALUES (1, ( SELECT max(id) FROM s))"
        ));
    }

    #[test]
    fn error_lines_are_file_lines() {
        let stmt = RawStatement {
            text: "",
            offset: 0,
            line: 10,
            column: 5,
        };
        let (line, msg) = relocate_error(
            "sql parser error: Expected: x, found: y at Line: 2, Column: 7",
            &stmt,
        );
        assert_eq!(line, 11);
        assert!(msg.ends_with("at 11:7"), "{msg}");
        let (line, msg) = relocate_error("Expected: x at Line: 1, Column: 3", &stmt);
        assert_eq!(line, 10);
        assert!(msg.ends_with("at 10:7"), "{msg}");
    }

    #[test]
    fn writes_from_update_merge_and_with_insert() {
        let f = extract(
            "x.sql",
            "WITH c AS (SELECT phone FROM member) INSERT INTO rpt (tel) SELECT phone FROM c;\n\
             UPDATE rpt r SET tel = m.mobile FROM member m WHERE m.id = r.id;\n\
             MERGE INTO rpt USING member m ON rpt.id = m.id WHEN MATCHED THEN UPDATE SET rpt.tel = md5(m.phone);",
            SqlDialect::Postgres,
        );
        let w: Vec<(&str, u32, &[String], &[String])> = f
            .writes
            .iter()
            .map(|w| {
                (
                    w.target.as_str(),
                    w.location.line,
                    w.columns.as_slice(),
                    w.source_tables.as_slice(),
                )
            })
            .collect();
        let tel = ["tel".to_string()];
        let member = ["member".to_string()];
        assert_eq!(
            w,
            [
                ("rpt", 1, &tel[..], &member[..]),
                ("rpt", 2, &tel[..], &member[..]),
                ("rpt", 3, &tel[..], &member[..])
            ]
        );
        assert!(f.writes.iter().all(|w| !w.defines_target));
    }

    #[test]
    fn observer_sees_every_statement_including_bulk_and_recovered() {
        let mut seen = Vec::new();
        let f = extract_with(
            "x.sql",
            "INSERT INTO `t` VALUES (1, 'a');\n\
             CREATE TABLE r (id int, name varchar(10)) SOME_UNKNOWN_OPTION = 'x' ???;\n\
             SELECT a FROM s WHERE b IN (SELECT b FROM u);",
            SqlDialect::Mysql,
            Options::default(),
            |t| seen.push(t.clone()),
        );
        assert_eq!(f.diagnostics.len(), 1, "{:?}", f.diagnostics);
        let io: Vec<(Vec<String>, Vec<String>)> =
            seen.into_iter().map(|t| (t.reads, t.writes)).collect();
        assert_eq!(
            io,
            [
                (vec![], vec!["t".to_string()]),
                (vec![], vec!["r".to_string()]),
                (vec!["s".to_string(), "u".to_string()], vec![])
            ]
        );
    }
}
