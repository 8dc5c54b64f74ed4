//! Live database introspection (PostgreSQL, MySQL/MariaDB), read-only.
//!
//! A database is read like one more input file: its catalog (schemas,
//! tables, columns, types, comments), its views (whose definitions go
//! through the SQL extractor, so views give lineage), its foreign keys and
//! its SELECT grants become the same [`FileFacts`] the file extractors
//! produce, located at a pseudo file `db:<engine>://host:port/database`
//! (never with user or password). `facts::assemble` merges a live table with
//! the table of the same `schema.table` declared in code, so both are one
//! node, and reports drift between them.
//!
//! Safety: every statement runs inside a read-only transaction on a session
//! that is itself read-only, with a per-statement timeout; one connection
//! per database at a time, databases one after another; no DDL or DML is
//! ever issued. Sampling (`--sample N`) is off by default; sampled values
//! only feed the value validators and appear masked.

mod mysql;
mod postgres;

use crate::error::Error;
use crate::extract::sql::values::InsertSample;
use crate::extract::sql::SqlDialect;
use crate::extract::{ColumnDef, FileFacts, TableDef, WriteLineage};
use crate::model::{DatasetKind, Diagnostic, DiagnosticLevel, Location};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Prefix of the pseudo file a live database's facts are located at.
pub const SOURCE_PREFIX: &str = "db:";

/// Characters of one sampled value read at most (longer values are cut in
/// the query, so large text never leaves the server whole).
pub const SAMPLE_VALUE_CHARS: u32 = 256;

/// Sampled values per column kept at most (the classifier's cap).
pub const MAX_SAMPLE_ROWS: u32 = 50;

/// One database to introspect, as given on the command line or in the
/// `databases:` list of `piaudit.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbTarget {
    /// `postgres://user@host:port/db` or `mysql://user@host:port/db`;
    /// `${VAR}` is replaced by the environment variable `VAR`.
    pub url: String,
    /// Environment variable holding the password (never written in the file).
    #[serde(default)]
    pub password_env: Option<String>,
    /// Schemas to read (PostgreSQL schemas; MySQL databases); default: all
    /// non-system schemas (MySQL: the URL's database when it names one).
    #[serde(default)]
    pub schemas: Vec<String>,
}

/// What to introspect and how.
#[derive(Debug, Clone, PartialEq)]
pub struct DbConfig {
    /// Databases, read one after another.
    pub targets: Vec<DbTarget>,
    /// Rows sampled per table (0: no sampling, the default).
    pub sample_rows: u32,
    /// Bytes of sampled values kept per database at most.
    pub sample_max_bytes: u64,
    /// Timeout of each statement, in milliseconds.
    pub statement_timeout_ms: u64,
}

impl Default for DbConfig {
    fn default() -> Self {
        DbConfig {
            targets: Vec::new(),
            sample_rows: 0,
            sample_max_bytes: 1024 * 1024,
            statement_timeout_ms: 10_000,
        }
    }
}

/// Database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// PostgreSQL and compatible.
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

impl Engine {
    /// URL scheme used in reports.
    pub fn scheme(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }

    fn dialect(self) -> SqlDialect {
        match self {
            Engine::Postgres => SqlDialect::Postgres,
            Engine::Mysql => SqlDialect::Mysql,
        }
    }
}

/// Connection parameters parsed from a target; the password never leaves
/// this struct except to the driver.
#[derive(Clone, PartialEq)]
pub struct ConnInfo {
    /// Engine.
    pub engine: Engine,
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User name.
    pub user: Option<String>,
    password: Option<String>,
    /// Database named in the URL.
    pub database: Option<String>,
    /// Schemas to read (empty: all non-system ones).
    pub schemas: Vec<String>,
}

impl std::fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password, not even in debug logs.
        f.debug_struct("ConnInfo")
            .field("source", &self.source())
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl ConnInfo {
    /// Parses a target: expands `${VAR}`, reads `password_env`, and falls
    /// back to `PGPASSWORD` / `MYSQL_PWD` when no password is given.
    pub fn from_target(t: &DbTarget) -> Result<ConnInfo, Error> {
        let url = expand_env(&t.url)?;
        let mut info = ConnInfo::parse(&url)?;
        if let Some(var) = &t.password_env {
            let value = std::env::var(var).map_err(|_| {
                Error::Usage(format!(
                    "database {}: environment variable `{var}` (password_env) is not set",
                    info.source()
                ))
            })?;
            info.password = Some(value);
        }
        if info.password.is_none() {
            let fallback = match info.engine {
                Engine::Postgres => "PGPASSWORD",
                Engine::Mysql => "MYSQL_PWD",
            };
            info.password = std::env::var(fallback).ok().filter(|p| !p.is_empty());
        }
        info.schemas = t.schemas.clone();
        Ok(info)
    }

    /// Parses `scheme://[user[:password]@]host[:port][/database][?…]`.
    pub fn parse(url: &str) -> Result<ConnInfo, Error> {
        let bad = |why: &str| Error::Usage(format!("database URL `{}`: {why}", redact_urls(url)));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("write postgres://… or mysql://…"))?;
        let engine = match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Engine::Postgres,
            "mysql" | "mariadb" => Engine::Mysql,
            _ => return Err(bad("unsupported scheme; use postgres:// or mysql://")),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        if let Some(q) = query {
            for pair in q.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let tls_demanded = matches!(k, "sslmode" | "ssl-mode")
                    && matches!(
                        v.to_ascii_lowercase().as_str(),
                        "require" | "verify-ca" | "verify-full" | "required" | "verify_identity"
                    );
                if tls_demanded {
                    return Err(bad(
                        "TLS is not supported by this build (offline, no TLS stack); \
                         connect through a local tunnel or a replica on a trusted network",
                    ));
                }
            }
        }
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((n, p)) => (Some(percent_decode(n)), Some(percent_decode(p))),
                None => (Some(percent_decode(u)), None),
            },
            None => (None, None),
        };
        let default_port = match engine {
            Engine::Postgres => 5432,
            Engine::Mysql => 3306,
        };
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            // [IPv6]:port
            let (h, p) = h.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            (h.to_string(), p.strip_prefix(':').unwrap_or(""))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p),
                None => (hostport.to_string(), ""),
            }
        };
        let port = if port.is_empty() {
            default_port
        } else {
            port.parse::<u16>()
                .map_err(|_| bad("the port is not a number"))?
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let database = Some(percent_decode(path)).filter(|d| !d.is_empty());
        Ok(ConnInfo {
            engine,
            host,
            port,
            user: user.filter(|u| !u.is_empty()),
            password: password.filter(|p| !p.is_empty()),
            database,
            schemas: Vec::new(),
        })
    }

    /// The pseudo file the database's facts are located at:
    /// `db:postgres://host:port/database`, without user or password.
    pub fn source(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "{SOURCE_PREFIX}{}://{host}:{}/{}",
            self.engine.scheme(),
            self.port,
            self.database.as_deref().unwrap_or("")
        )
    }

    /// Removes the password from a driver message (drivers may echo it).
    fn scrub(&self, message: &str) -> String {
        let mut m = redact_urls(message);
        if let Some(p) = self.password.as_deref().filter(|p| p.len() >= 3) {
            m = m.replace(p, "***");
        }
        m
    }
}

/// Replaces `${VAR}` with the value of the environment variable `VAR`.
fn expand_env(s: &str) -> Result<String, Error> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            Error::Usage(format!("database URL `{}`: unclosed `${{`", redact_urls(s)))
        })?;
        let var = &after[..end];
        let value = std::env::var(var).map_err(|_| {
            Error::Usage(format!(
                "database URL `{}`: environment variable `{var}` is not set",
                redact_urls(s)
            ))
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Masks the password of every `scheme://user:password@` URL in a text, for
/// logs, errors and reports.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'' || c == '`')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push('@');
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A failure to read a database (never contains the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogColumn {
    /// Column name.
    pub name: String,
    /// Type as the server spells it, lower-cased.
    pub data_type: String,
    /// Column comment.
    pub comment: Option<String>,
}

/// A table or view as the catalog describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogTable {
    /// Schema (MySQL: database).
    pub schema: String,
    /// Table name.
    pub name: String,
    /// Table or view.
    pub kind: DatasetKind,
    /// Table comment.
    pub comment: Option<String>,
    /// Columns in ordinal order.
    pub columns: Vec<CatalogColumn>,
    /// View definition (the query), for views.
    pub definition: Option<String>,
}

impl CatalogTable {
    /// `schema.table`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// A foreign key column pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    /// Referencing `schema.table`.
    pub table: String,
    /// Referencing column.
    pub column: String,
    /// Referenced `schema.table`.
    pub ref_table: String,
    /// Referenced column.
    pub ref_column: String,
}

/// A privilege to read a table held by a role or account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// `schema.table`.
    pub table: String,
    /// Role or account (`PUBLIC` for everyone).
    pub grantee: String,
    /// `SELECT`, or `OWNER` for the owning role (PostgreSQL).
    pub privilege: String,
}

/// Everything read from one database's catalog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Tables and views, sorted by schema and name.
    pub tables: Vec<CatalogTable>,
    /// Foreign keys, sorted.
    pub foreign_keys: Vec<ForeignKey>,
    /// Read privileges, sorted.
    pub grants: Vec<Grant>,
    /// Problems met (partial catalog).
    pub warnings: Vec<String>,
}

/// A connection to one database. Implementations keep the session
/// read-only and run each operation in a read-only transaction.
pub trait Session {
    /// Reads the catalog of the selected schemas.
    fn catalog(&mut self, schemas: &[String]) -> Result<Catalog, DbError>;
    /// Reads up to `rows` rows of `columns` of `schema.table`, each value
    /// cut to [`SAMPLE_VALUE_CHARS`] characters and returned as text.
    fn sample(
        &mut self,
        schema: &str,
        table: &str,
        columns: &[String],
        rows: u32,
    ) -> Result<Vec<Vec<Option<String>>>, DbError>;
    /// Runs one statement inside the session's read-only transaction and
    /// rolls it back. Exists so tests can prove writes are refused; the
    /// auditor itself never calls it.
    fn execute_read_only(&mut self, sql: &str) -> Result<(), DbError>;
    /// Every statement sent so far, in order, with its parameters (for the
    /// evidence manifest).
    fn statements(&self) -> Vec<String>;
}

/// Opens a read-only session to a database.
pub fn connect(info: &ConnInfo, statement_timeout_ms: u64) -> Result<Box<dyn Session>, DbError> {
    let timeout = Duration::from_millis(statement_timeout_ms.max(1));
    let r: Result<Box<dyn Session>, DbError> = match info.engine {
        Engine::Postgres => {
            postgres::PgSession::connect(info, timeout).map(|s| Box::new(s) as Box<dyn Session>)
        }
        Engine::Mysql => {
            mysql::MySession::connect(info, timeout).map(|s| Box::new(s) as Box<dyn Session>)
        }
    };
    r.map_err(|e| {
        DbError(format!(
            "cannot connect to {}: {}",
            info.source(),
            info.scrub(&e.0)
        ))
    })
}

/// What one database contributed to an audit.
#[derive(Debug, Clone, Default)]
pub struct LiveFacts {
    /// The pseudo file (`db:postgres://host:port/db`).
    pub source: String,
    /// Tables, views (with their lineage) and samples, as a file's facts.
    pub facts: FileFacts,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Read privileges.
    pub grants: Vec<Grant>,
    /// The target URL as given, its password masked (`${VAR}` unexpanded).
    pub url: String,
    /// Every statement sent to the database, in order: the queries, never
    /// the data they returned.
    pub queries: Vec<String>,
}

/// The result of introspecting every configured database.
#[derive(Debug, Default)]
pub struct Introspection {
    /// One entry per database that could be read.
    pub databases: Vec<LiveFacts>,
    /// Sources of the databases that could not be read.
    pub failed: Vec<String>,
    /// Problems met, including connection failures (errors).
    pub diagnostics: Vec<Diagnostic>,
}

/// Introspects every target in turn (one connection at a time). A database
/// that cannot be read becomes an error diagnostic; the others go on.
pub fn introspect_all(config: &DbConfig) -> Result<Introspection, Error> {
    let mut out = Introspection::default();
    for t in &config.targets {
        let info = ConnInfo::from_target(t)?;
        let source = info.source();
        tracing::info!(%source, "introspecting database (read-only)");
        match introspect(&info, config) {
            Ok(mut live) => {
                live.url = redact_urls(&t.url);
                out.diagnostics
                    .extend(live.facts.diagnostics.iter().cloned());
                out.databases.push(live);
            }
            Err(e) => {
                tracing::warn!(%source, error = %e, "database not read");
                out.diagnostics.push(Diagnostic {
                    file: source.clone(),
                    line: 1,
                    severity: DiagnosticLevel::Error,
                    message: e.0,
                });
                out.failed.push(source);
            }
        }
    }
    Ok(out)
}

/// Introspects one database.
pub fn introspect(info: &ConnInfo, config: &DbConfig) -> Result<LiveFacts, DbError> {
    let mut session = connect(info, config.statement_timeout_ms)?;
    let catalog = session.catalog(&info.schemas).map_err(|e| {
        DbError(format!(
            "{}: cannot read the catalog: {}",
            info.source(),
            info.scrub(&e.0)
        ))
    })?;
    let mut live = to_facts(&info.source(), info.engine, &catalog);
    if config.sample_rows > 0 {
        sample_into(&mut *session, info, config, &catalog, &mut live.facts);
    }
    live.queries = session.statements();
    Ok(live)
}

/// Introspects the databases of a scan: those of the command line, then
/// `declared` (the `databases:` of `piaudit.yaml`). Reachable ones are returned; failures become
/// error diagnostics in `scan`. Fails (exit 3) only when databases were
/// asked for, none could be read, and there are no files either.
pub fn introspect_for_scan(
    config: &DbConfig,
    declared: &[DbTarget],
    scan: &mut crate::model::ScanInfo,
    have_files: bool,
) -> Result<Vec<LiveFacts>, Error> {
    let mut config = config.clone();
    for (i, t) in declared.iter().enumerate() {
        if has_literal_password(&t.url) {
            scan.diagnostics.push(Diagnostic {
                file: "piaudit.yaml".into(),
                line: 1,
                severity: DiagnosticLevel::Warning,
                message: format!(
                    "databases[{i}]: a password is written in the URL; use `password_env` or `${{VAR}}` so it stays out of the file"
                ),
            });
        }
        if !config.targets.contains(t) {
            config.targets.push(t.clone());
        }
    }
    if config.targets.is_empty() {
        return Ok(Vec::new());
    }
    let got = introspect_all(&config)?;
    scan.diagnostics.extend(got.diagnostics);
    for l in &got.databases {
        scan.roots.push(l.source.clone());
    }
    if got.databases.is_empty() && !have_files {
        let why: Vec<String> = scan
            .diagnostics
            .iter()
            .filter(|d| d.severity == DiagnosticLevel::Error && got.failed.contains(&d.file))
            .map(|d| d.message.clone())
            .collect();
        return Err(Error::NothingScanned(why.join("; ")));
    }
    Ok(got.databases)
}

/// True when a URL carries a password written out (not `${VAR}`).
fn has_literal_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo
            .split_once(':')
            .is_some_and(|(_, p)| !p.is_empty() && !p.starts_with("${")),
        None => false,
    }
}

/// Adds one `grant` control per (table holding sensitive PI, role that may
/// read it):
/// evidence for the access-control obligations (PIPL-51(3)). The subject is
/// the dataset id (the code twin's when merged); the value names the role
/// and the privilege.
pub fn add_grant_controls(
    live: &[LiveFacts],
    datasets: &[crate::model::Dataset],
    aliases: &std::collections::HashMap<String, String>,
    controls: &mut Vec<crate::model::Control>,
) {
    let by_id: std::collections::HashMap<&str, &crate::model::Dataset> =
        datasets.iter().map(|d| (d.id.as_str(), d)).collect();
    let before = controls.len();
    for l in live {
        for g in &l.grants {
            let live_id = format!("{}#{}", l.source, g.table);
            let id = aliases.get(&live_id).unwrap_or(&live_id);
            let Some(d) = by_id.get(id.as_str()) else {
                continue;
            };
            let pi = d.fields.iter().filter(|f| f.pi.is_some()).count();
            let sensitive = d
                .fields
                .iter()
                .filter(|f| f.pi.as_ref().is_some_and(|p| p.sensitive))
                .count();
            if sensitive == 0 {
                continue;
            }
            let line = l
                .facts
                .tables
                .iter()
                .find(|t| t.name == g.table)
                .map_or(1, |t| t.location.line);
            controls.push(crate::model::Control {
                subject: Some(d.id.clone()),
                value: Some(format!(
                    "{} {} ({pi} PI fields, {sensitive} sensitive)",
                    g.privilege, g.grantee
                )),
                ..crate::model::Control::at("grant", Location::line(l.source.clone(), line))
            });
        }
    }
    if controls.len() > before {
        controls.sort_by(|a, b| {
            (&a.location, &a.kind, &a.subject, &a.value).cmp(&(
                &b.location,
                &b.kind,
                &b.subject,
                &b.value,
            ))
        });
        controls.dedup();
    }
}

/// True when values of a column of this type are worth sampling: character
/// types and wide numbers (phones, ID and card numbers are stored as both).
pub fn is_sampled_type(data_type: &str) -> bool {
    let t = data_type.to_ascii_lowercase();
    (t.contains("char")
        || t.contains("text")
        || t.starts_with("bigint")
        || t.starts_with("int8")
        || t.starts_with("numeric")
        || t.starts_with("decimal"))
        && !t.contains("[]")
}

fn sample_into(
    session: &mut dyn Session,
    info: &ConnInfo,
    config: &DbConfig,
    catalog: &Catalog,
    facts: &mut FileFacts,
) {
    let rows = config.sample_rows.min(MAX_SAMPLE_ROWS);
    let mut budget = config.sample_max_bytes;
    let source = info.source();
    for (ordinal, t) in catalog.tables.iter().enumerate() {
        // Views repeat their base tables' values.
        if t.kind != DatasetKind::Table {
            continue;
        }
        let columns: Vec<String> = t
            .columns
            .iter()
            .filter(|c| is_sampled_type(&c.data_type))
            .map(|c| c.name.clone())
            .collect();
        if columns.is_empty() {
            continue;
        }
        if budget == 0 {
            facts.diagnostics.push(Diagnostic {
                file: source.clone(),
                line: table_line(ordinal),
                severity: DiagnosticLevel::Info,
                message: format!(
                    "sampling stopped before `{}`: --sample-max-bytes reached",
                    t.qualified()
                ),
            });
            break;
        }
        match session.sample(&t.schema, &t.name, &columns, rows) {
            Ok(mut got) => {
                for row in &mut got {
                    for v in row.iter_mut() {
                        let len = v.as_ref().map_or(0, |s| s.len() as u64);
                        if len > budget {
                            *v = None;
                            budget = 0;
                        } else {
                            budget -= len;
                        }
                    }
                }
                facts.samples.push(InsertSample {
                    table: t.qualified(),
                    columns: columns.clone(),
                    rows: got,
                    line: 0,
                });
            }
            Err(e) => facts.diagnostics.push(Diagnostic {
                file: source.clone(),
                line: table_line(ordinal),
                severity: DiagnosticLevel::Warning,
                message: format!("cannot sample `{}`: {}", t.qualified(), info.scrub(&e.0)),
            }),
        }
    }
}

/// The pseudo line of the `ordinal`-th table: tables are numbered in
/// catalog order (schema, name), so locations are stable between runs.
fn table_line(ordinal: usize) -> u32 {
    u32::try_from(ordinal + 1).unwrap_or(u32::MAX)
}

/// Turns a catalog into file facts located at `source`: one table
/// definition per table or view (named `schema.table`, line = its ordinal,
/// column = the column's ordinal), and each view's definition run through
/// the SQL extractor for lineage.
pub fn to_facts(source: &str, engine: Engine, catalog: &Catalog) -> LiveFacts {
    let dialect = engine.dialect();
    let mut facts = FileFacts {
        file: source.to_string(),
        dialect: Some(dialect),
        ..FileFacts::default()
    };
    for (ordinal, t) in catalog.tables.iter().enumerate() {
        let line = table_line(ordinal);
        facts.tables.push(TableDef {
            name: t.qualified(),
            kind: t.kind,
            comment: t.comment.clone().filter(|c| !c.trim().is_empty()),
            location: Location::line(source, line),
            columns: t
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| ColumnDef {
                    references: catalog
                        .foreign_keys
                        .iter()
                        .find(|k| k.table == t.qualified() && k.column == c.name)
                        .map(|k| crate::model::ForeignKey {
                            table: k.ref_table.clone(),
                            column: Some(k.ref_column.clone()),
                        }),
                    name: c.name.clone(),
                    data_type: Some(c.data_type.to_lowercase()),
                    comment: c.comment.clone().filter(|c| !c.trim().is_empty()),
                    location: Location::at(source, line, u32::try_from(i + 1).unwrap_or(u32::MAX)),
                })
                .collect(),
            recovered: false,
        });
        if let Some(def) = t.definition.as_deref().filter(|d| !d.trim().is_empty()) {
            facts.writes.extend(view_lineage(
                source,
                line,
                dialect,
                t,
                def,
                &mut facts.diagnostics,
            ));
        }
    }
    for w in &catalog.warnings {
        facts.diagnostics.push(Diagnostic {
            file: source.to_string(),
            line: 1,
            severity: DiagnosticLevel::Warning,
            message: w.clone(),
        });
    }
    LiveFacts {
        source: source.to_string(),
        facts,
        foreign_keys: catalog.foreign_keys.clone(),
        grants: catalog.grants.clone(),
        ..LiveFacts::default()
    }
}

/// Lineage of a view: its definition is wrapped in `CREATE VIEW schema.name
/// AS …` and read by the SQL extractor, then relocated to the view's line.
fn view_lineage(
    source: &str,
    line: u32,
    dialect: SqlDialect,
    t: &CatalogTable,
    definition: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<WriteLineage> {
    let quote = |s: &str| match dialect {
        SqlDialect::Mysql => format!("`{}`", s.replace('`', "``")),
        _ => format!("\"{}\"", s.replace('"', "\"\"")),
    };
    let body = definition.trim().trim_end_matches(';');
    let sql = format!(
        "CREATE VIEW {}.{} AS {body};",
        quote(&t.schema),
        quote(&t.name)
    );
    let extracted = crate::extract::sql::extract(source, &sql, dialect);
    let mut writes = extracted.writes;
    if writes.is_empty() {
        diagnostics.push(Diagnostic {
            file: source.to_string(),
            line,
            severity: DiagnosticLevel::Info,
            message: format!(
                "definition of view `{}` not parsed; its lineage is unknown",
                t.qualified()
            ),
        });
    }
    for w in &mut writes {
        w.location = Location::line(source, line);
    }
    writes
}

/// The bounded sample query both engines run: each column read as text cut
/// to [`SAMPLE_VALUE_CHARS`] by `as_text`, at most `rows` rows, every name
/// quoted by `ident` (no user text is spliced in unquoted).
pub(crate) fn sample_query(
    schema: &str,
    table: &str,
    columns: &[String],
    rows: u32,
    ident: fn(&str) -> String,
    as_text: fn(&str) -> String,
) -> String {
    let select: Vec<String> = columns.iter().map(|c| as_text(&ident(c))).collect();
    format!(
        "SELECT {} FROM {}.{} LIMIT {rows}",
        select.join(", "),
        ident(schema),
        ident(table)
    )
}

/// Quotes an identifier for PostgreSQL.
pub(crate) fn pg_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Quotes an identifier for MySQL.
pub(crate) fn my_ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_never_show_the_password() {
        let i =
            ConnInfo::parse("postgres://auditor:s3cr%40t@db.example:6543/crm?application_name=x")
                .unwrap();
        assert_eq!(i.engine, Engine::Postgres);
        assert_eq!(i.user.as_deref(), Some("auditor"));
        assert_eq!(i.password.as_deref(), Some("s3cr@t"));
        assert_eq!(i.source(), "db:postgres://db.example:6543/crm");
        assert!(!format!("{i:?}").contains("s3cr"));
        let m = ConnInfo::parse("mysql://root@127.0.0.1/test").unwrap();
        assert_eq!((m.port, m.database.as_deref()), (3306, Some("test")));
        assert!(ConnInfo::parse("oracle://x@h/db").is_err());
        let e = ConnInfo::parse("postgres://u:hunter22@h/db?sslmode=require").unwrap_err();
        assert!(e.to_string().contains("TLS"), "{e}");
        assert!(!e.to_string().contains("hunter22"), "{e}");
        assert!(ConnInfo::parse("postgres://u@h:port/db").is_err());
    }

    #[test]
    fn redaction_masks_passwords_in_any_text() {
        assert_eq!(
            redact_urls("failed: mysql://root:pw123@10.0.0.1:3306/x and postgres://u@h/y"),
            "failed: mysql://root:***@10.0.0.1:3306/x and postgres://u@h/y"
        );
        let mut i = ConnInfo::parse("postgres://u:longsecret@h/db").unwrap();
        assert_eq!(i.scrub("auth longsecret failed"), "auth *** failed");
        i.password = None;
        assert_eq!(i.scrub("plain"), "plain");
    }

    #[test]
    fn env_variables_expand_and_missing_ones_are_named() {
        std::env::set_var("PIAUDIT_TEST_DB_HOST", "10.1.2.3");
        let t = DbTarget {
            url: "mysql://ro@${PIAUDIT_TEST_DB_HOST}:3307/app".into(),
            ..DbTarget::default()
        };
        assert_eq!(
            ConnInfo::from_target(&t).unwrap().source(),
            "db:mysql://10.1.2.3:3307/app"
        );
        let t = DbTarget {
            url: "mysql://ro@h/app".into(),
            password_env: Some("PIAUDIT_TEST_UNSET_VAR".into()),
            ..DbTarget::default()
        };
        let e = ConnInfo::from_target(&t).unwrap_err();
        assert!(e.to_string().contains("PIAUDIT_TEST_UNSET_VAR"), "{e}");
    }

    #[test]
    fn catalog_becomes_facts_with_view_lineage() {
        let cat = Catalog {
            tables: vec![
                CatalogTable {
                    schema: "crm".into(),
                    name: "customer".into(),
                    kind: DatasetKind::Table,
                    comment: Some("客户表".into()),
                    columns: vec![CatalogColumn {
                        name: "mobile".into(),
                        data_type: "VARCHAR(11)".into(),
                        comment: Some("手机号".into()),
                    }],
                    definition: None,
                },
                CatalogTable {
                    schema: "crm".into(),
                    name: "v_customer".into(),
                    kind: DatasetKind::View,
                    comment: None,
                    columns: vec![CatalogColumn {
                        name: "m".into(),
                        data_type: "varchar(11)".into(),
                        comment: None,
                    }],
                    definition: Some(" SELECT c.mobile AS m FROM crm.customer c;".into()),
                },
            ],
            ..Catalog::default()
        };
        let live = to_facts("db:postgres://h:5432/x", Engine::Postgres, &cat);
        let f = &live.facts;
        assert_eq!(f.tables[0].name, "crm.customer");
        assert_eq!(
            f.tables[0].columns[0].data_type.as_deref(),
            Some("varchar(11)")
        );
        assert_eq!(f.tables[1].location.line, 2);
        assert_eq!(f.writes.len(), 1, "{:?}", f.diagnostics);
        assert_eq!(f.writes[0].target, "crm.v_customer");
        assert_eq!(f.writes[0].location.line, 2);
        let a = crate::facts::assemble(std::slice::from_mut(&mut f.clone()));
        assert!(a
            .flows
            .iter()
            .any(|fl| fl.from == "db:postgres://h:5432/x#crm.customer.mobile"
                && fl.to == "db:postgres://h:5432/x#crm.v_customer.m"));
    }

    #[test]
    fn catalogue_foreign_keys_become_column_references() {
        let col = |n: &str| CatalogColumn {
            name: n.into(),
            data_type: "bigint".into(),
            comment: None,
        };
        let cat = Catalog {
            tables: vec![CatalogTable {
                schema: "clinic".into(),
                name: "allergy".into(),
                kind: DatasetKind::Table,
                comment: None,
                columns: vec![col("owner"), col("agent")],
                definition: None,
            }],
            foreign_keys: vec![ForeignKey {
                table: "clinic.allergy".into(),
                column: "owner".into(),
                ref_table: "clinic.member".into(),
                ref_column: "id".into(),
            }],
            ..Catalog::default()
        };
        let live = to_facts("db:postgres://h:5432/x", Engine::Postgres, &cat);
        let cols = &live.facts.tables[0].columns;
        assert_eq!(
            cols[0].references,
            Some(crate::model::ForeignKey {
                table: "clinic.member".into(),
                column: Some("id".into())
            })
        );
        assert_eq!(cols[1].references, None);
    }

    #[test]
    fn sampled_types() {
        assert!(is_sampled_type("character varying(18)"));
        assert!(is_sampled_type("bigint(20)"));
        assert!(is_sampled_type("longtext"));
        assert!(!is_sampled_type("integer"));
        assert!(!is_sampled_type("bytea"));
        assert!(!is_sampled_type("text[]"));
    }
}
