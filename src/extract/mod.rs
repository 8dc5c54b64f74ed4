//! Extractors: one per file kind, each turning text into located facts.
//!
//! Extractors never decide what is PI or what is a violation. Their output,
//! [`FileFacts`], still names tables as written; `facts::assemble` resolves
//! the names across files into the IR of [`crate::model`].

/// Control kinds the extractors emit for packs that ask for them
/// (`extended_controls: true` in `pack.yaml`, e.g. `mlps-l3`); scans with
/// other packs drop them, so their reports stay as they were. Units of
/// `amount`: see [`crate::model::Control::amount`].
pub const EXTENDED_CONTROL_KINDS: &[&str] = &[
    "password_min_length",
    "password_complexity",
    "password_expiry",
    "login_lockout",
    "session_timeout",
    "mfa",
    "mfa_disabled",
    "audit_disabled",
    "unauthenticated_path",
    "auth_required",
    "datastore_no_auth",
    "datastore_auth",
    "datastore_bind_all",
    "http_plain_endpoint",
    "https_enabled",
    "https_disabled",
    "transport_encrypted",
    "sm_crypto",
    "weak_cipher",
    "hardcoded_key",
    "audit_log",
    "input_validation",
    "seeded_admin_account",
];

pub mod audit_fill;
pub mod build;
pub mod canal;
pub mod catalog;
pub mod datax;
pub mod dbt;
pub mod debezium;
pub mod flink;
pub mod hash_shape;
pub mod inline;
pub mod java;
pub mod java_flow;
pub mod java_security;
pub mod java_services;
pub mod logging;
pub mod mybatis;
pub mod oplog;
pub mod protection_names;
pub mod registry;
pub mod seatunnel;
pub mod security;
pub mod seed;
pub mod server_conf;
pub mod sharding;
pub mod spring;
pub mod sql;
pub mod text;
pub mod xml;

use crate::model::{
    Control, Coverage, DatasetKind, Diagnostic, Endpoint, Location, Protection, Transform,
};
pub use registry::{FileKind, Source};
pub use sql::lineage::{OutColumn, OutItem, SourceColumn};

/// Everything one file contributed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// Path relative to its root.
    pub file: String,
    /// Dialect the file was read with, for SQL.
    pub dialect: Option<sql::SqlDialect>,
    /// Tables and views declared in the file.
    pub tables: Vec<TableDef>,
    /// `COMMENT ON` statements, applied after all tables are known.
    pub comments: Vec<CommentOn>,
    /// CDC connector tables (Flink `mysql-cdc`…) standing for the source
    /// table they name: one dataset with that table's DDL, not a new one.
    pub cdc_sources: Vec<CdcSource>,
    /// `ALTER TABLE … ADD / MODIFY / CHANGE / DROP COLUMN`, in statement
    /// order, applied to the table's dataset after all tables are known.
    pub alters: Vec<AlterColumn>,
    /// Statements that write one table from others.
    pub writes: Vec<WriteLineage>,
    /// Literal values of `INSERT … VALUES` rows (bounded; never reported raw).
    pub samples: Vec<sql::values::InsertSample>,
    /// Problems met.
    pub diagnostics: Vec<Diagnostic>,
    /// Statement coverage.
    pub coverage: Coverage,
    /// External systems configured in the file (object stores, SDKs, queues…).
    pub endpoints: Vec<Endpoint>,
    /// Jobs moving a table's columns to an endpoint (DataX, SeaTunnel, Flink sinks).
    pub endpoint_flows: Vec<EndpointFlow>,
    /// Security-relevant settings (log retention, log-impl, exposure, secrets…).
    /// A `subject` here is a name as written; `facts::assemble` keeps it.
    pub controls: Vec<Control>,
    /// Columns a config or annotation declares encrypted or masked.
    pub protections: Vec<ProtectionRule>,
    /// Log statements and the values they print (Java); whether a value is
    /// PI is decided after classification ([`crate::classify::logged::pi_logged`]).
    pub log_calls: Vec<java::LogCall>,
    /// Java classes as possible superclasses of entities (resolved across
    /// files by [`java::inherit`]).
    pub java_types: Vec<java::JavaType>,
    /// Java data flow: classes, methods, and after [`java_flow::link`] the
    /// sinks values reach; whether they are PI is decided by
    /// `classify::flows`.
    pub java_flow: java_flow::FlowFacts,
    /// Spring config entries whose values are `http(s)` URLs (scheme and
    /// host only), for resolving `${key}` client URLs in [`java_flow::link`].
    pub config_urls: Vec<spring::ConfigUrl>,
    /// A digest of each plain secret's value, by the line of its
    /// `plain_secret` control, so that `facts::assemble` can tell the same
    /// secret repeated in several files (one finding) from different ones.
    /// Never in a report: only the (encrypted) facts cache holds it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_digests: Vec<(u32, String)>,
    /// Java writes of a user id or name into a property (`setCreateBy(getUsername())`);
    /// which are operator audit columns is decided by `classify::operator_fill`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_fills: Vec<audit_fill::AuditFill>,
}

/// Columns of a table sent to an [`Endpoint`] by a job or sink.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EndpointFlow {
    /// Source table, as written.
    pub table: String,
    /// Columns sent; empty means every known column of the table.
    pub columns: Vec<String>,
    /// Id of the receiving endpoint (one of the file's `endpoints`).
    pub endpoint: String,
    /// What happens to the values.
    pub transform: Transform,
    /// The job or statement causing the flow.
    pub location: Location,
}

impl EndpointFlow {
    /// The flows a job query's output items send to `endpoint`: one per
    /// source table, with its columns in first-seen order (`t.*` sends every
    /// column of `t`, written as no column).
    pub fn from_items(items: &[OutItem], endpoint: &str, location: &Location) -> Vec<EndpointFlow> {
        let mut by_table: Vec<(String, Vec<String>)> = Vec::new();
        for item in items {
            match item {
                OutItem::Star { table } => by_table.push((table.clone(), Vec::new())),
                OutItem::Column(c) => {
                    for s in &c.sources {
                        let Some(t) = s.tables.first() else { continue };
                        match by_table.iter_mut().find(|(x, _)| x == t) {
                            Some((_, cols)) => cols.push(s.column.clone()),
                            None => by_table.push((t.clone(), vec![s.column.clone()])),
                        }
                    }
                }
            }
        }
        by_table
            .into_iter()
            .map(|(table, columns)| EndpointFlow {
                table,
                columns,
                endpoint: endpoint.to_string(),
                transform: Transform::Copy,
                location: location.clone(),
            })
            .collect()
    }
}

/// A column declared protected by configuration or code (ShardingSphere
/// encrypt/mask rule, encrypting type handler, `@EncryptField`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProtectionRule {
    /// Table as written; `None` when only the column name is known.
    pub table: Option<String>,
    /// Column name.
    pub column: String,
    /// Protection applied.
    pub protection: Protection,
    /// Control kind reported for it: `encrypt_rule`, `mask_rule`, `type_handler`, `encrypt_annotation`.
    pub kind: String,
    /// Where it is declared.
    pub location: Location,
}

/// A declared table or view.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableDef {
    /// Name as written, unquoted; may be schema-qualified.
    pub name: String,
    /// Table or view.
    pub kind: DatasetKind,
    /// Table comment.
    pub comment: Option<String>,
    /// Where it is declared.
    pub location: Location,
    /// Columns in order.
    pub columns: Vec<ColumnDef>,
    /// True when recovered by the tolerant fallback rather than parsed.
    pub recovered: bool,
}

/// A declared column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnDef {
    /// Name, unquoted.
    pub name: String,
    /// Type, lower-cased.
    pub data_type: Option<String>,
    /// Column comment.
    pub comment: Option<String>,
    /// Where it is declared.
    pub location: Location,
    /// Target of a foreign key declared on the column (`REFERENCES t(c)`,
    /// `FOREIGN KEY (col) REFERENCES t(c)` in the table, a JPA join column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<crate::model::ForeignKey>,
}

/// What a `COMMENT ON` statement documents.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CommentTarget {
    /// `COMMENT ON TABLE t`.
    Table(String),
    /// `COMMENT ON COLUMN t.c`.
    Column {
        /// Table as written.
        table: String,
        /// Column.
        column: String,
    },
}

/// A `COMMENT ON` statement.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CommentOn {
    /// Table or column.
    pub target: CommentTarget,
    /// The comment text.
    pub text: String,
    /// Where the statement is.
    pub location: Location,
}

/// A table declared in this file that reads another by change data capture
/// (Flink `'connector' = 'mysql-cdc'` with `'database-name'` and
/// `'table-name'`): the two are one dataset when the source is defined.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CdcSource {
    /// The connector table, as declared in this file.
    pub table: String,
    /// The source table it names: `db.table` (`schema.table` for PostgreSQL).
    pub source: String,
    /// Where the connector table is declared.
    pub location: Location,
}

/// One column change of an `ALTER TABLE` statement.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlterColumn {
    /// Table as written.
    pub table: String,
    /// What changes.
    pub op: AlterOp,
    /// Where the statement is.
    pub location: Location,
}

/// The column change of an [`AlterColumn`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum AlterOp {
    /// `ADD [COLUMN] c type [COMMENT '…']`: a new column (an existing one of
    /// the same name is updated instead).
    Add(ColumnDef),
    /// `MODIFY [COLUMN] c type …`, `CHANGE [COLUMN] old new type …`,
    /// `ALTER COLUMN c TYPE …`: what is given replaces what was known.
    Change {
        /// Column changed.
        column: String,
        /// New name (`CHANGE`, `RENAME COLUMN`).
        new_name: Option<String>,
        /// New type, lower-cased.
        data_type: Option<String>,
        /// New comment.
        comment: Option<String>,
    },
    /// `DROP [COLUMN] c`.
    Drop(String),
    /// `ADD [CONSTRAINT n] FOREIGN KEY (c) REFERENCES t(k)`: column `c`
    /// refers to a row of `t`.
    References {
        /// Column of the altered table.
        column: String,
        /// What it points to.
        target: crate::model::ForeignKey,
    },
}

/// A statement writing `target` from a query: INSERT…SELECT, CTAS, views.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WriteLineage {
    /// Target table, as written.
    pub target: String,
    /// What the statement creates or fills.
    pub target_kind: DatasetKind,
    /// True when the statement defines the target (CTAS, CREATE VIEW).
    pub defines_target: bool,
    /// Column list given in the statement (`INSERT INTO t (a, b)`, view columns).
    pub columns: Vec<String>,
    /// The query's output items.
    pub items: Vec<OutItem>,
    /// Tables read, as written.
    pub source_tables: Vec<String>,
    /// Where the statement starts.
    pub location: Location,
}

/// A name compared without case and underscores: `create_by`, `createBy`
/// and `CREATEBY` alike (a DDL column and the entity field mapped to it).
pub fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A column's or a Java name's lower-case words (`appSecret`, `app_secret`,
/// `APP_SECRET` → `app`, `secret`). Extraction may not use the classifier's
/// tokenizer (src/layering.rs), and names here need no more than this.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a scanned file is test code or a test resource (Maven/Gradle
/// `src/test/`, a `*Test.java` class): its tables are fixtures that copy
/// the real schema, and its code does not run in production.
pub fn is_test_source(file: &str) -> bool {
    let f = file.replace('\\', "/");
    f.contains("/src/test/") || f.starts_with("src/test/") || f.ends_with("Test.java")
}
