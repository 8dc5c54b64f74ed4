//! MySQL / MariaDB catalog reader: `information_schema` (TABLES, COLUMNS,
//! VIEWS, KEY_COLUMN_USAGE, TABLE_PRIVILEGES, SCHEMA_PRIVILEGES).
//!
//! The session is set `TRANSACTION READ ONLY` with a statement timeout
//! (`max_statement_time` on MariaDB, `max_execution_time` on MySQL), and
//! every operation runs between `START TRANSACTION READ ONLY` and
//! `ROLLBACK`. Only the text protocol is used; identifiers are quoted, and
//! schema filters are applied in Rust, so no user text is spliced into SQL
//! as a literal.

use super::{
    my_ident, sample_query, Catalog, CatalogColumn, CatalogTable, ConnInfo, DbError, ForeignKey,
    Grant, Session, SAMPLE_VALUE_CHARS,
};
use crate::model::DatasetKind;
use ::mysql::prelude::Queryable;
use ::mysql::{Conn, OptsBuilder, Row, Value};
use std::time::Duration;

/// Databases never read: the server's own.
const SYSTEM_SCHEMAS: &[&str] = &["mysql", "information_schema", "performance_schema", "sys"];

/// A read-only MySQL/MariaDB session.
pub struct MySession {
    conn: Conn,
    /// The URL's database, read when no schema is selected.
    database: Option<String>,
    /// Statements sent, in order (see [`Session::statements`]).
    log: Vec<String>,
}

fn err(e: ::mysql::Error) -> DbError {
    DbError(e.to_string())
}

/// A text-protocol value as text (`NULL` → `None`).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(f) => Some(f.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

fn row_text(r: &Row) -> Vec<Option<String>> {
    (0..r.len()).map(|i| r.as_ref(i).and_then(text)).collect()
}

fn get(r: &[Option<String>], i: usize) -> String {
    r.get(i).cloned().flatten().unwrap_or_default()
}

impl MySession {
    /// Connects over TCP without TLS and makes the session read-only.
    pub fn connect(info: &ConnInfo, timeout: Duration) -> Result<MySession, DbError> {
        let opts = OptsBuilder::new()
            .ip_or_hostname(Some(info.host.clone()))
            .tcp_port(info.port)
            .user(Some(info.user.clone().unwrap_or_else(|| "root".into())))
            .pass(info.password.clone())
            .db_name(info.database.clone())
            .prefer_socket(false)
            .tcp_connect_timeout(Some(Duration::from_secs(10)))
            .read_timeout(Some(timeout + Duration::from_secs(5)))
            .write_timeout(Some(timeout + Duration::from_secs(5)));
        let mut conn = Conn::new(opts).map_err(err)?;
        let mut log = Vec::new();
        let read_only = "SET SESSION TRANSACTION READ ONLY";
        log.push(read_only.to_string());
        conn.query_drop(read_only).map_err(err)?;
        // MariaDB counts seconds, MySQL milliseconds (SELECT only); one of
        // the two exists.
        let secs = timeout.as_secs_f64();
        let mariadb = format!("SET SESSION max_statement_time = {secs:.3}");
        log.push(mariadb.clone());
        if conn.query_drop(mariadb).is_err() {
            let mysql = format!("SET SESSION max_execution_time = {}", timeout.as_millis());
            log.push(mysql.clone());
            if let Err(e) = conn.query_drop(mysql) {
                tracing::debug!(error = %e, "no statement timeout variable on this server");
            }
        }
        Ok(MySession {
            conn,
            database: info.database.clone(),
            log,
        })
    }

    /// Runs `f` inside `START TRANSACTION READ ONLY` … `ROLLBACK`.
    fn read_only<T>(
        &mut self,
        f: impl FnOnce(&mut Conn, &mut Vec<String>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.log.push("START TRANSACTION READ ONLY".into());
        self.conn
            .query_drop("START TRANSACTION READ ONLY")
            .map_err(err)?;
        let out = f(&mut self.conn, &mut self.log);
        self.log.push("ROLLBACK".into());
        let rollback = self.conn.query_drop("ROLLBACK").map_err(err);
        let out = out?;
        rollback?;
        Ok(out)
    }

    fn rows(
        conn: &mut Conn,
        log: &mut Vec<String>,
        sql: &str,
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        log.push(sql.to_string());
        let rows: Vec<Row> = conn.query(sql).map_err(err)?;
        Ok(rows.iter().map(row_text).collect())
    }
}

impl Session for MySession {
    fn catalog(&mut self, schemas: &[String]) -> Result<Catalog, DbError> {
        let selected: Vec<String> = if !schemas.is_empty() {
            schemas.to_vec()
        } else {
            self.database.iter().cloned().collect()
        };
        let wanted = move |s: &str| {
            if selected.is_empty() {
                !SYSTEM_SCHEMAS.iter().any(|x| x.eq_ignore_ascii_case(s))
            } else {
                selected.iter().any(|x| x == s)
            }
        };
        self.read_only(|conn, log| {
            let mut cat = Catalog::default();
            let cols = MySession::rows(
                conn,
                log,
                "SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_TYPE, t.TABLE_COMMENT, \
                        c.COLUMN_NAME, c.COLUMN_TYPE, c.COLUMN_COMMENT, v.VIEW_DEFINITION \
                 FROM information_schema.TABLES t \
                 JOIN information_schema.COLUMNS c \
                   ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME \
                 LEFT JOIN information_schema.VIEWS v \
                   ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME \
                 ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME, c.ORDINAL_POSITION",
            )?;
            for r in cols {
                let schema = get(&r, 0);
                if !wanted(&schema) {
                    continue;
                }
                let name = get(&r, 1);
                let same = cat
                    .tables
                    .last()
                    .is_some_and(|t: &CatalogTable| t.schema == schema && t.name == name);
                if !same {
                    let is_view = get(&r, 2).eq_ignore_ascii_case("VIEW");
                    cat.tables.push(CatalogTable {
                        schema,
                        name,
                        kind: if is_view {
                            DatasetKind::View
                        } else {
                            DatasetKind::Table
                        },
                        // MySQL reports the comment of every view as "VIEW".
                        comment: if is_view { None } else { r[3].clone() },
                        columns: Vec::new(),
                        definition: if is_view { r[7].clone() } else { None },
                    });
                }
                if let Some(t) = cat.tables.last_mut() {
                    t.columns.push(CatalogColumn {
                        name: get(&r, 4),
                        data_type: get(&r, 5),
                        comment: r[6].clone(),
                    });
                }
            }
            match MySession::rows(
                conn,
                log,
                "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, \
                        REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
                 FROM information_schema.KEY_COLUMN_USAGE \
                 WHERE REFERENCED_TABLE_NAME IS NOT NULL",
            ) {
                Ok(rows) => {
                    for r in rows.iter().filter(|r| wanted(&get(r, 0))) {
                        cat.foreign_keys.push(ForeignKey {
                            table: format!("{}.{}", get(r, 0), get(r, 1)),
                            column: get(r, 2),
                            ref_table: format!("{}.{}", get(r, 3), get(r, 4)),
                            ref_column: get(r, 5),
                        });
                    }
                }
                Err(e) => cat.warnings.push(format!("foreign keys not read: {e}")),
            }
            // Table-level grants, then database-level grants applied to each
            // table of the database. Accounts with a global SELECT (and the
            // server's superusers) can read everything and are not listed.
            match MySession::rows(
                conn,
                log,
                "SELECT TABLE_SCHEMA, TABLE_NAME, GRANTEE FROM information_schema.TABLE_PRIVILEGES \
                 WHERE PRIVILEGE_TYPE = 'SELECT'",
            ) {
                Ok(rows) => {
                    for r in rows.iter().filter(|r| wanted(&get(r, 0))) {
                        cat.grants.push(Grant {
                            table: format!("{}.{}", get(r, 0), get(r, 1)),
                            grantee: get(r, 2),
                            privilege: "SELECT".into(),
                        });
                    }
                }
                Err(e) => cat.warnings.push(format!("table grants not read: {e}")),
            }
            match MySession::rows(
                conn,
                log,
                "SELECT TABLE_SCHEMA, GRANTEE FROM information_schema.SCHEMA_PRIVILEGES \
                 WHERE PRIVILEGE_TYPE = 'SELECT'",
            ) {
                Ok(rows) => {
                    for r in &rows {
                        // Grants are written with LIKE escapes (`app\_db`).
                        let schema = get(r, 0).replace('\\', "");
                        for t in cat.tables.iter().filter(|t| t.schema == schema) {
                            cat.grants.push(Grant {
                                table: t.qualified(),
                                grantee: get(r, 1),
                                privilege: "SELECT".into(),
                            });
                        }
                    }
                }
                Err(e) => cat.warnings.push(format!("database grants not read: {e}")),
            }
            cat.grants.sort();
            cat.grants.dedup();
            cat.foreign_keys.sort();
            Ok(cat)
        })
    }

    fn sample(
        &mut self,
        schema: &str,
        table: &str,
        columns: &[String],
        rows: u32,
    ) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let sql = sample_query(schema, table, columns, rows, my_ident, |c| {
            format!("LEFT(CAST({c} AS CHAR), {SAMPLE_VALUE_CHARS})")
        });
        self.read_only(|conn, log| MySession::rows(conn, log, &sql))
    }

    fn execute_read_only(&mut self, sql: &str) -> Result<(), DbError> {
        let sql = sql.to_string();
        self.read_only(|conn, log| {
            log.push(sql.clone());
            conn.query_drop(sql).map_err(err)
        })
    }

    fn statements(&self) -> Vec<String> {
        self.log.clone()
    }
}
