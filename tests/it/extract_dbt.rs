//! dbt projects end to end through `piaudit::scan`, over the small project
//! written for these tests in `tests/fixtures/dbt/shop`.

use piaudit::model::{Dataset, DatasetKind, DiagnosticLevel, Report, Transform};
use piaudit::Config;
use std::path::PathBuf;
use std::sync::OnceLock;

fn report() -> &'static Report {
    static R: OnceLock<Report> = OnceLock::new();
    R.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dbt/shop");
        let config = Config {
            roots: vec![root],
            deterministic: true,
            today: Some("2026-01-01".into()),
            ..Config::default()
        };
        piaudit::scan(&config).expect("scan succeeds").report
    })
}

fn dataset(name: &str) -> &'static Dataset {
    report()
        .datasets
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no dataset {name}: {:#?}", names()))
}

fn names() -> Vec<&'static str> {
    report().datasets.iter().map(|d| d.name.as_str()).collect()
}

/// Transform of the flow `from` → `to` (`table.column` each), if any.
fn flow(from: &str, to: &str) -> Option<Transform> {
    let id = |tc: &str| {
        let (t, c) = tc.rsplit_once('.').expect("table.column");
        format!("{}.{c}", dataset(t).id)
    };
    let (from, to) = (id(from), id(to));
    report()
        .flows
        .iter()
        .find(|f| f.from == from && f.to == to)
        .map(|f| f.transform)
}

#[test]
fn models_sources_and_seeds_are_datasets_at_their_files() {
    let mut got = names();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "customers",
            "raw_app.orders",
            "raw_app.t_member",
            "regions",
            "stg_members",
            "stg_orders"
        ]
    );
    let c = dataset("customers");
    // dbt_project.yml: marts are tables, the rest views; config() overrides.
    assert_eq!(c.kind, DatasetKind::Table);
    assert_eq!(dataset("stg_members").kind, DatasetKind::View);
    assert_eq!(dataset("stg_orders").kind, DatasetKind::Table);
    // The model's query starts on line 3, after the `{% set %}`.
    assert_eq!(
        (c.location.file.as_str(), c.location.line),
        ("models/marts/customers.sql", 3)
    );
    let m = dataset("stg_members");
    assert_eq!(
        (m.location.file.as_str(), m.location.line),
        ("models/staging/stg_members.sql", 7)
    );
    let fields: Vec<&str> = c.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        fields,
        [
            "customer_id",
            "customer_name",
            "contact_value",
            "customer_key",
            "note",
            "gold_amount",
            "silver_amount"
        ]
    );
    let src = dataset("raw_app.t_member");
    assert_eq!(src.location.file, "models/staging/sources.yml");
    assert_eq!(src.comment.as_deref(), Some("会员主表"));
}

#[test]
fn column_lineage_runs_from_sources_through_refs_into_marts() {
    assert_eq!(
        flow("raw_app.t_member.mobile", "stg_members.attr_01"),
        Some(Transform::Copy)
    );
    assert_eq!(
        flow("stg_members.attr_01", "customers.contact_value"),
        Some(Transform::Copy)
    );
    assert_eq!(
        flow("stg_members.member_id", "customers.customer_key"),
        Some(Transform::Hash)
    );
    // The unrolled loop: one aggregate per literal list item.
    assert_eq!(
        flow("stg_orders.amount", "customers.silver_amount"),
        Some(Transform::Aggregate)
    );
    // A column through an unknown macro keeps its lineage.
    assert_eq!(
        flow("raw_app.orders.amount_cents", "stg_orders.amount"),
        Some(Transform::Derive)
    );
    // `except=['id_no']` of dbt_utils.star is not applied, but customers
    // never selects id_no, and no model invents columns it does not have.
    assert!(dataset("stg_members")
        .fields
        .iter()
        .all(|f| f.name != "amount"));
    assert_eq!(flow("stg_members.id_no", "customers.contact_value"), None);
}

#[test]
fn yaml_descriptions_are_comments_the_classifier_reads() {
    let c = dataset("customers");
    assert_eq!(c.comment.as_deref(), Some("客户宽表"));
    let contact = c
        .fields
        .iter()
        .find(|f| f.name == "contact_value")
        .expect("contact_value");
    assert_eq!(contact.comment.as_deref(), Some("客户手机号"));
    let pi = contact.pi.as_ref().expect("客户手机号 is PI");
    assert_eq!(pi.category, "contact.phone");
    assert!(
        pi.evidence.iter().any(|e| e.kind == "comment"),
        "{:?}",
        pi.evidence
    );
    let id_no = dataset("raw_app.t_member")
        .fields
        .iter()
        .find(|f| f.name == "id_no")
        .expect("id_no");
    assert_eq!(id_no.comment.as_deref(), Some("身份证号码"));
    assert_eq!(
        (id_no.location.file.as_str(), id_no.location.line),
        ("models/staging/sources.yml", 18)
    );
}

#[test]
fn templates_are_read_once_without_jinja_errors() {
    let scan = &report().scan;
    let bad: Vec<_> = scan
        .diagnostics
        .iter()
        .filter(|d| d.severity != DiagnosticLevel::Info)
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    // Models are counted once each, all parsed.
    let files: Vec<(&str, u64)> = scan
        .files
        .iter()
        .map(|f| (f.file.as_str(), f.coverage.statements_parsed))
        .collect();
    assert_eq!(
        files,
        [
            ("models/marts/customers.sql", 1),
            ("models/staging/stg_members.sql", 1),
            ("models/staging/stg_orders.sql", 1)
        ]
    );
    // Macros are templates, listed as skipped rather than misread as SQL.
    assert!(
        scan.files_skipped
            .iter()
            .any(|s| s.file == "macros/cents_to_dollars.sql" && s.reason.contains("dbt macro")),
        "{:?}",
        scan.files_skipped
    );
}
