//! Live database introspection against the real servers: PostgreSQL
//! (127.0.0.1:5432, user postgres, db test) and MariaDB/MySQL
//! (127.0.0.1:3306, root, db test). Override with PIAUDIT_TEST_PG_URL and
//! PIAUDIT_TEST_MYSQL_URL. Each test creates its own schema (dropped by a
//! guard, even on failure). Without a server the test prints a `SKIPPED:`
//! line and passes, unless PIAUDIT_REQUIRE_DB=1 (CI), where it fails.

use crate::common::{require, Need};
use mysql::prelude::Queryable;
use piaudit::db::{self, ConnInfo, DbConfig, DbTarget};
use piaudit::model::{DiagnosticLevel, Report};
use piaudit::{scan, Config};
use std::path::PathBuf;

fn pg_url() -> String {
    std::env::var("PIAUDIT_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn mysql_url() -> String {
    std::env::var("PIAUDIT_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// Returns false (after a `SKIPPED:` line) when the server cannot be
/// reached and the run does not require it; panics when it does.
fn server_available(url: &str) -> bool {
    let info = ConnInfo::parse(url).expect("test URL parses");
    let reached = db::connect(&info, 5_000)
        .map(drop)
        .map_err(|e| format!("database {} not reachable ({e})", info.source()));
    require(Need::Db, reached).is_some()
}

/// A unique schema name for this process and test.
fn schema_name(tag: &str) -> String {
    format!("piaudit_test_{}_{tag}", std::process::id())
}

// ---- test data: valid and invalid identifiers, check digits computed ----

fn id_check(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// A GB 11643-valid resident ID number.
fn valid_id(i: u32) -> String {
    let first = format!("11010519900307{:03}", 100 + i);
    format!("{first}{}", id_check(&first))
}

/// The same with a wrong check character.
fn invalid_id(i: u32) -> String {
    let first = format!("11010519900307{:03}", 100 + i);
    let wrong = if id_check(&first) == '0' { '1' } else { '0' };
    format!("{first}{wrong}")
}

/// A Luhn-valid UnionPay card number (16 digits).
fn valid_card(i: u32) -> String {
    let body = format!("622202{:09}", 123_456 + i * 7);
    format!(
        "{body}{}",
        piaudit::validators::luhn_check_digit(&body).expect("digits")
    )
}

fn valid_mobile(i: u32) -> String {
    format!("138{:08}", 10_002_000 + i * 13)
}

struct Row {
    id: u32,
    name: &'static str,
    mobile: String,
    id_no: String,
    // No name or comment cue: only the values tell what it holds.
    ref_code: String,
    // Looks like IDs, fails the check character.
    batch_code: String,
    card_no: String,
}

fn rows() -> Vec<Row> {
    let names = ["张三", "李四", "王五", "赵六", "钱七", "孙八"];
    (0..6)
        .map(|i| Row {
            id: i + 1,
            name: names[i as usize],
            mobile: valid_mobile(i),
            id_no: valid_id(i),
            ref_code: valid_id(i + 40),
            batch_code: invalid_id(i + 70),
            card_no: valid_card(i),
        })
        .collect()
}

/// Every raw value the tests insert; none may appear in any report.
fn raw_values() -> Vec<String> {
    rows()
        .into_iter()
        .flat_map(|r| [r.mobile, r.id_no, r.ref_code, r.batch_code, r.card_no])
        .collect()
}

// ---- fixtures per engine ----

/// Drops the test schema (and role) when the test ends, even by panic.
struct Cleanup(Box<dyn FnMut()>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        (self.0)();
    }
}

fn pg_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("admin connection")
}

fn pg_setup(schema: &str, role: &str) -> Cleanup {
    let url = pg_url();
    let mut c = pg_client(&url);
    let mut sql = format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE;
         CREATE SCHEMA {schema};
         CREATE TABLE {schema}.customer (
           id bigint PRIMARY KEY, name varchar(50), mobile varchar(11), id_no varchar(18),
           ref_code varchar(18), batch_code varchar(18), card_no varchar(19), created_at timestamp);
         COMMENT ON TABLE {schema}.customer IS '客户信息表';
         COMMENT ON COLUMN {schema}.customer.name IS '客户姓名';
         COMMENT ON COLUMN {schema}.customer.mobile IS '手机号码';
         COMMENT ON COLUMN {schema}.customer.id_no IS '身份证号';
         COMMENT ON COLUMN {schema}.customer.card_no IS '银行卡号';
         CREATE TABLE {schema}.orders (id bigint PRIMARY KEY,
           customer_id bigint REFERENCES {schema}.customer(id), amount numeric(10,2));
         COMMENT ON TABLE {schema}.orders IS '订单表';
         CREATE VIEW {schema}.v_customer_contact AS SELECT id, mobile AS phone FROM {schema}.customer;
         DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role}; END IF; END $$;
         GRANT SELECT ON {schema}.customer TO {role};"
    );
    for r in rows() {
        sql.push_str(&format!(
            "\nINSERT INTO {schema}.customer VALUES ({}, '{}', '{}', '{}', '{}', '{}', '{}', now());",
            r.id, r.name, r.mobile, r.id_no, r.ref_code, r.batch_code, r.card_no
        ));
    }
    c.batch_execute(&sql).expect("PostgreSQL fixture");
    let (schema, role) = (schema.to_string(), role.to_string());
    Cleanup(Box::new(move || {
        let mut c = pg_client(&url);
        let _ = c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; DROP ROLE IF EXISTS {role};"
        ));
    }))
}

fn my_conn(url: &str) -> mysql::Conn {
    mysql::Conn::new(mysql::Opts::from_url(url).expect("mysql url")).expect("admin connection")
}

fn mysql_setup(schema: &str, user: &str) -> Cleanup {
    let url = mysql_url();
    let mut c = my_conn(&url);
    let mut stmts = vec![
        format!("DROP DATABASE IF EXISTS {schema}"),
        format!("CREATE DATABASE {schema} CHARACTER SET utf8mb4"),
        format!(
            "CREATE TABLE {schema}.customer (
               id bigint PRIMARY KEY, name varchar(50) COMMENT '客户姓名',
               mobile varchar(11) COMMENT '手机号码', id_no varchar(18) COMMENT '身份证号',
               ref_code varchar(18), batch_code varchar(18),
               card_no varchar(19) COMMENT '银行卡号', created_at datetime
             ) COMMENT='客户信息表'"
        ),
        format!(
            "CREATE TABLE {schema}.orders (id bigint PRIMARY KEY, customer_id bigint,
               amount decimal(10,2),
               FOREIGN KEY (customer_id) REFERENCES {schema}.customer(id)) COMMENT='订单表'"
        ),
        format!(
            "CREATE VIEW {schema}.v_customer_contact AS SELECT id, mobile AS phone FROM {schema}.customer"
        ),
        format!("DROP USER IF EXISTS '{user}'@'localhost'"),
        format!("CREATE USER '{user}'@'localhost'"),
        format!("GRANT SELECT ON {schema}.customer TO '{user}'@'localhost'"),
    ];
    for r in rows() {
        stmts.push(format!(
            "INSERT INTO {schema}.customer VALUES ({}, '{}', '{}', '{}', '{}', '{}', '{}', now())",
            r.id, r.name, r.mobile, r.id_no, r.ref_code, r.batch_code, r.card_no
        ));
    }
    for s in &stmts {
        c.query_drop(s)
            .unwrap_or_else(|e| panic!("MariaDB fixture `{s}`: {e}"));
    }
    let (schema, user) = (schema.to_string(), user.to_string());
    Cleanup(Box::new(move || {
        let mut c = my_conn(&url);
        let _ = c.query_drop(format!("DROP DATABASE IF EXISTS {schema}"));
        let _ = c.query_drop(format!("DROP USER IF EXISTS '{user}'@'localhost'"));
    }))
}

// ---- the audit ----

fn audit(url: &str, schema: &str, sample: u32, roots: Vec<PathBuf>) -> Report {
    let config = Config {
        roots,
        deterministic: true,
        today: Some("2026-01-01".into()),
        databases: DbConfig {
            targets: vec![DbTarget {
                url: url.into(),
                password_env: None,
                schemas: vec![schema.into()],
            }],
            sample_rows: sample,
            ..DbConfig::default()
        },
        ..Config::default()
    };
    scan(&config).expect("audit runs").report
}

fn field<'a>(r: &'a Report, id: &str) -> &'a piaudit::model::Field {
    r.datasets
        .iter()
        .flat_map(|d| &d.fields)
        .find(|f| f.id == id)
        .unwrap_or_else(|| {
            let ids: Vec<&str> = r
                .datasets
                .iter()
                .flat_map(|d| d.fields.iter().map(|f| f.id.as_str()))
                .collect();
            panic!("no field {id}; have {ids:?}")
        })
}

fn category(r: &Report, id: &str) -> Option<String> {
    field(r, id).pi.as_ref().map(|p| p.category.clone())
}

/// Inventory, tags, lineage, grants and masking, the same for both engines.
fn check_inventory(r: &Report, source: &str, schema: &str, grantee: &str) {
    let t = format!("{source}#{schema}.customer");
    let d = r
        .datasets
        .iter()
        .find(|d| d.id == t)
        .expect("customer table");
    assert_eq!(d.comment.as_deref(), Some("客户信息表"));
    assert_eq!(d.kind, piaudit::model::DatasetKind::Table);
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "name",
            "mobile",
            "id_no",
            "ref_code",
            "batch_code",
            "card_no",
            "created_at"
        ]
    );
    assert_eq!(
        field(r, &format!("{t}.mobile")).comment.as_deref(),
        Some("手机号码")
    );
    assert!(field(r, &format!("{t}.mobile"))
        .data_type
        .as_deref()
        .is_some_and(|ty| ty.contains("varchar") || ty.contains("character varying")));
    assert_eq!(category(r, &format!("{t}.name")).as_deref(), Some("name"));
    assert_eq!(
        category(r, &format!("{t}.mobile")).as_deref(),
        Some("contact.phone")
    );
    assert_eq!(
        category(r, &format!("{t}.id_no")).as_deref(),
        Some("identity.national_id")
    );
    assert_eq!(
        category(r, &format!("{t}.card_no")).as_deref(),
        Some("finance.bank_card")
    );
    // A view is listed with its lineage from the base table.
    let view = format!("{source}#{schema}.v_customer_contact");
    assert!(r
        .datasets
        .iter()
        .any(|d| d.id == view && d.kind == piaudit::model::DatasetKind::View));
    assert!(
        r.flows
            .iter()
            .any(|f| f.from == format!("{t}.mobile") && f.to == format!("{view}.phone")),
        "{:?}",
        r.flows
    );
    // PI flows into the view column.
    assert_eq!(
        category(r, &format!("{view}.phone")).as_deref(),
        Some("contact.phone")
    );
    // The orders table holds no sensitive PI: no grant control for it.
    let orders = format!("{source}#{schema}.orders");
    assert!(r
        .datasets
        .iter()
        .any(|d| d.id == orders && d.comment.as_deref() == Some("订单表")));
    let grants: Vec<&piaudit::model::Control> =
        r.controls.iter().filter(|c| c.kind == "grant").collect();
    assert!(
        grants
            .iter()
            .any(|c| c.subject.as_deref() == Some(t.as_str())
                && c.value.as_deref().is_some_and(|v| v.contains(grantee))),
        "{grants:?}"
    );
    assert!(grants
        .iter()
        .all(|c| c.subject.as_deref() != Some(orders.as_str())));
    // The source is listed as a root, without user or password.
    assert!(r.scan.roots.contains(&source.to_string()));
    // The report still follows the JSON contract.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/report.schema.json"),
        )
        .expect("schema file"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let json = serde_json::to_value(r).expect("report json");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

fn check_sampling(r: &Report, source: &str, schema: &str) {
    let t = format!("{source}#{schema}.customer");
    // Only the values say `ref_code` holds resident ID numbers.
    let f = field(r, &format!("{t}.ref_code"));
    let pi = f.pi.as_ref().expect("ref_code tagged from its values");
    assert_eq!(pi.category, "identity.national_id");
    let ev = pi
        .evidence
        .iter()
        .find(|e| e.kind == "value")
        .expect("value evidence");
    assert!(ev.detail.contains("6/6"), "{}", ev.detail);
    assert!(ev.detail.contains("1101**********"), "{}", ev.detail);
    // Invalid check characters: not resident IDs.
    assert_eq!(category(r, &format!("{t}.batch_code")), None);
    // No raw value anywhere in the report.
    let json = serde_json::to_string(r).expect("json");
    for v in raw_values() {
        assert!(!json.contains(&v), "raw value {v} leaked into the report");
    }
}

fn check_unsampled(r: &Report, source: &str, schema: &str) {
    // Sampling is off by default: nothing but names and comments decide.
    let t = format!("{source}#{schema}.customer");
    assert_eq!(category(r, &format!("{t}.ref_code")), None);
    assert!(r
        .datasets
        .iter()
        .flat_map(|d| &d.fields)
        .filter_map(|f| f.pi.as_ref())
        .all(|p| p.evidence.iter().all(|e| e.kind != "value")));
}

/// A write through the tool's own session fails, and nothing changed.
fn check_read_only(url: &str, schema: &str, count: impl Fn() -> i64) {
    let info = ConnInfo::parse(url).expect("url");
    let mut s = db::connect(&info, 5_000).expect("tool session");
    let before = count();
    let insert = format!("INSERT INTO {schema}.customer (id, name) VALUES (999, 'x')");
    let e = s.execute_read_only(&insert).expect_err("write must fail");
    assert!(
        e.0.to_lowercase().contains("read"),
        "unexpected error for a write: {e}"
    );
    let ddl = format!("CREATE TABLE {schema}.evil (x int)");
    assert!(s.execute_read_only(&ddl).is_err(), "DDL must fail");
    let update = format!("UPDATE {schema}.customer SET name = 'y'");
    assert!(s.execute_read_only(&update).is_err(), "UPDATE must fail");
    assert_eq!(count(), before);
    // Reads still work on the same session.
    assert!(s
        .sample(schema, "customer", &["name".to_string()], 1)
        .is_ok());
}

/// DDL in code for the same table: one node, drift reported.
fn check_merge_and_drift(url: &str, schema: &str, source: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("schema.sql"),
        "CREATE TABLE customer (\n  id bigint,\n  name varchar(50),\n  mobile varchar(11),\n  id_no varchar(18),\n  ref_code varchar(18),\n  batch_code varchar(18),\n  card_no varchar(19),\n  created_at timestamp,\n  wechat varchar(64)\n);\nCOMMENT ON COLUMN customer.mobile IS '联系电话';\n",
    )
    .expect("write ddl");
    let r = audit(url, schema, 0, vec![dir.path().to_path_buf()]);
    let customers: Vec<&str> = r
        .datasets
        .iter()
        .filter(|d| d.name.ends_with("customer"))
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(customers, ["schema.sql#customer"], "one node per table");
    // The live comment fills what the code leaves out.
    assert_eq!(
        field(&r, "schema.sql#customer.id_no").comment.as_deref(),
        Some("身份证号")
    );
    // The view over the live table now reads the merged node.
    assert!(r
        .flows
        .iter()
        .any(|f| f.from == "schema.sql#customer.mobile"
            && f.to == format!("{source}#{schema}.v_customer_contact.phone")));
    let drift: Vec<&str> = r
        .scan
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("drift") && d.severity == DiagnosticLevel::Warning)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        drift
            .iter()
            .any(|m| m.contains("`customer.wechat` is declared in code but missing")),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|m| m.contains("mobile") && m.contains("联系电话") && m.contains("手机号码")),
        "{drift:?}"
    );
    assert!(
        !drift
            .iter()
            .any(|m| m.contains("exists in the database but not in the code")),
        "{drift:?}"
    );
}

#[test]
fn postgres_live_audit() {
    let url = pg_url();
    if !server_available(&url) {
        return;
    }
    let schema = schema_name("pg");
    let role = format!("{schema}_ro");
    let _cleanup = pg_setup(&schema, &role);
    let source = ConnInfo::parse(&url).expect("url").source();
    let r = audit(&url, &schema, 10, Vec::new());
    check_inventory(&r, &source, &schema, &role);
    check_sampling(&r, &source, &schema);
    check_unsampled(&audit(&url, &schema, 0, Vec::new()), &source, &schema);
    check_read_only(&url, &schema, || {
        pg_client(&url)
            .query_one(&format!("SELECT count(*) FROM {schema}.customer"), &[])
            .expect("count")
            .get::<_, i64>(0)
    });
    check_merge_and_drift(&url, &schema, &source);
    // The per-statement timeout holds on the tool's session.
    let info = ConnInfo::parse(&url).expect("url");
    let mut s = db::connect(&info, 300).expect("tool session");
    let e = s
        .execute_read_only("SELECT pg_sleep(3)")
        .expect_err("statement timeout");
    assert!(e.0.contains("statement timeout"), "{e}");
}

#[test]
fn mysql_live_audit() {
    let url = mysql_url();
    if !server_available(&url) {
        return;
    }
    let schema = schema_name("my");
    let user = format!("{schema}_ro");
    let _cleanup = mysql_setup(&schema, &user);
    let source = ConnInfo::parse(&url).expect("url").source();
    let r = audit(&url, &schema, 10, Vec::new());
    check_inventory(&r, &source, &schema, &user);
    check_sampling(&r, &source, &schema);
    check_unsampled(&audit(&url, &schema, 0, Vec::new()), &source, &schema);
    check_read_only(&url, &schema, || {
        my_conn(&url)
            .query_first::<i64, _>(format!("SELECT count(*) FROM {schema}.customer"))
            .expect("count")
            .unwrap_or(-1)
    });
    check_merge_and_drift(&url, &schema, &source);
}

#[test]
fn unreachable_database_is_a_clear_error_without_the_password() {
    let config = Config {
        roots: Vec::new(),
        databases: DbConfig {
            targets: vec![DbTarget {
                url: "postgres://auditor:TopSecret42@127.0.0.1:1/crm".into(),
                ..DbTarget::default()
            }],
            ..DbConfig::default()
        },
        ..Config::default()
    };
    let err = scan(&config).expect_err("nothing could be read");
    assert_eq!(err.exit_code(), 3);
    let msg = err.to_string();
    assert!(
        msg.contains("cannot connect to db:postgres://127.0.0.1:1/crm"),
        "{msg}"
    );
    assert!(!msg.contains("TopSecret42"), "{msg}");
}

#[test]
fn unreachable_database_next_to_files_is_a_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE t (mobile varchar(11));\n",
    )
    .expect("write");
    std::env::set_var("PIAUDIT_TEST_DB_PASSWORD", "Hunter2Secret");
    let config = Config {
        roots: vec![dir.path().to_path_buf()],
        deterministic: true,
        databases: DbConfig {
            targets: vec![DbTarget {
                url: "mysql://ro@127.0.0.1:1/app".into(),
                password_env: Some("PIAUDIT_TEST_DB_PASSWORD".into()),
                schemas: Vec::new(),
            }],
            ..DbConfig::default()
        },
        ..Config::default()
    };
    let r = scan(&config).expect("files still audited").report;
    assert!(r.datasets.iter().any(|d| d.id == "a.sql#t"));
    let d = r
        .scan
        .diagnostics
        .iter()
        .find(|d| d.file == "db:mysql://127.0.0.1:1/app")
        .expect("connection diagnostic");
    assert_eq!(d.severity, DiagnosticLevel::Error);
    let json = serde_json::to_string(&r).expect("json");
    assert!(!json.contains("Hunter2Secret"));
}

#[test]
fn declarations_list_databases_and_warn_about_written_passwords() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE t (mobile varchar(11));\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("piaudit.yaml"),
        "version: 1\ndatabases:\n  - url: postgres://ro:Written9Pass@127.0.0.1:1/crm\n    schemas: [public]\n",
    )
    .expect("write");
    let config = Config {
        roots: vec![dir.path().to_path_buf()],
        deterministic: true,
        ..Config::default()
    };
    let r = scan(&config).expect("files still audited").report;
    let msgs: Vec<&str> = r
        .scan
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("databases[0]: a password is written in the URL")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("cannot connect to db:postgres://127.0.0.1:1/crm")),
        "{msgs:?}"
    );
    let json = serde_json::to_string(&r).expect("json");
    assert!(!json.contains("Written9Pass"));
    // Unknown keys in a database entry are declaration errors (exit 2).
    std::fs::write(
        dir.path().join("piaudit.yaml"),
        "version: 1\ndatabases:\n  - url: postgres://h/x\n    password: nope\n",
    )
    .expect("write");
    let err = scan(&config).expect_err("unknown key");
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("databases[0]"), "{err}");
}

#[test]
fn db_command_line() {
    use assert_cmd::Command;
    let out = Command::cargo_bin("piaudit")
        .expect("binary")
        .args(["db"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--url"));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::cargo_bin("piaudit")
        .expect("binary")
        .args([
            "db",
            "--url",
            "mysql://root:Pw0rdLeak@127.0.0.1:1/x",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("db:mysql://127.0.0.1:1/x"), "{stderr}");
    assert!(!stderr.contains("Pw0rdLeak"), "{stderr}");
    let out = Command::cargo_bin("piaudit")
        .expect("binary")
        .args(["scan", ".", "--db", "postgres://h/x", "--sample", "500"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn evidence_records_the_statements_sent_and_never_the_values() {
    for engine in ["pg", "my"] {
        let url = if engine == "pg" {
            pg_url()
        } else {
            mysql_url()
        };
        if !server_available(&url) {
            return;
        }
        let schema = schema_name(&format!("ev{engine}"));
        let grantee = format!("{schema}_ro");
        let _cleanup = if engine == "pg" {
            pg_setup(&schema, &grantee)
        } else {
            mysql_setup(&schema, &grantee)
        };
        let run = |evidence| {
            let config = Config {
                roots: Vec::new(),
                deterministic: true,
                evidence,
                databases: DbConfig {
                    targets: vec![DbTarget {
                        url: url.clone(),
                        password_env: None,
                        schemas: vec![schema.clone()],
                    }],
                    sample_rows: 10,
                    ..DbConfig::default()
                },
                ..Config::default()
            };
            scan(&config).expect("audit runs")
        };
        assert_eq!(run(false).read, piaudit::pipeline::ReadLog::default());
        let read = run(true).read;
        assert_eq!(read.databases.len(), 1, "{engine}");
        let d = &read.databases[0];
        assert_eq!(d.source, ConnInfo::parse(&url).expect("url").source());
        assert_eq!(d.url, db::redact_urls(&url));
        let q = &d.queries;
        assert!(
            q.iter().any(|s| s.contains("READ ONLY")),
            "{engine}: {q:#?}"
        );
        assert!(
            q.iter().filter(|s| s.starts_with("SELECT")).count() >= 4,
            "{engine}: catalog and sample queries: {q:#?}"
        );
        assert!(
            q.iter()
                .any(|s| s.contains("customer") && s.ends_with("LIMIT 10")),
            "{engine}: the sample query names the columns read: {q:#?}"
        );
        for v in raw_values() {
            assert!(
                !q.iter().any(|s| s.contains(&v)),
                "{engine}: value in {q:#?}"
            );
        }
    }
}
