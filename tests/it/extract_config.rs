//! Config, logging, protection and ETL extractors over the fixtures in
//! `tests/fixtures/config`, end to end through `piaudit::scan`.

use piaudit::model::{Protection, Report};
use piaudit::Config;
use std::path::PathBuf;
use std::sync::OnceLock;

fn report() -> &'static Report {
    static R: OnceLock<Report> = OnceLock::new();
    R.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
        let config = Config {
            roots: vec![root],
            deterministic: true,
            today: Some("2026-01-01".into()),
            ..Config::default()
        };
        piaudit::scan(&config).expect("scan succeeds").report
    })
}

fn endpoint(id: &str) -> &'static piaudit::model::Endpoint {
    report()
        .endpoints
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no endpoint {id}: {:#?}", report().endpoints))
}

fn controls(kind: &str) -> Vec<&'static piaudit::model::Control> {
    report()
        .controls
        .iter()
        .filter(|c| c.kind == kind)
        .collect()
}

fn at(c: &piaudit::model::Control) -> String {
    format!("{}:{}", c.location.file, c.location.line)
}

const PROD: &str = "app/src/main/resources/application-prod.yml";
const DEV: &str = "app/src/main/resources/application-dev.properties";
const LOGBACK: &str = "app/src/main/resources/logback-spring.xml";

#[test]
fn object_stores_resolve_region_to_jurisdiction() {
    let oss = endpoint("endpoint:object_store:shop-member-export");
    assert_eq!(oss.jurisdiction, "abroad");
    assert_eq!(oss.region.as_deref(), Some("ap-southeast-1"));
    assert_eq!(oss.vendor.as_deref(), Some("aliyun-oss"));
    // The bucket is configured both in Spring and in the DataX job; the
    // first location in path order is kept.
    assert_eq!(oss.location.file, PROD);
    // Hong Kong is outbound too, from the GBK-encoded dev properties.
    let cos = endpoint("endpoint:object_store:shop-dev-1250000000");
    assert_eq!(
        (
            cos.jurisdiction.as_str(),
            cos.location.file.as_str(),
            cos.location.line
        ),
        ("hk_mo_tw", DEV, 5)
    );
    assert_eq!(cos.profile.as_deref(), Some("dev"));
    let s3 = endpoint("endpoint:object_store:s3a://shop-orders-eu");
    assert_eq!(s3.jurisdiction, "abroad");
}

#[test]
fn gbk_properties_are_decoded_and_read() {
    let diag = report()
        .scan
        .diagnostics
        .iter()
        .find(|d| d.file == DEV)
        .expect("decoding is reported");
    assert!(
        diag.message.contains("GBK") || diag.message.contains("GB18030"),
        "{diag:?}"
    );
    let docs = controls("api_docs_enabled");
    assert!(
        docs.iter()
            .any(|c| c.location.file == DEV && c.location.line == 8),
        "{docs:?}"
    );
}

#[test]
fn sdks_come_from_the_catalogue_with_what_they_receive() {
    let umeng = endpoint("endpoint:sdk:umeng");
    assert!(umeng.third_party);
    assert!(umeng.receives.iter().any(|c| c == "device.id"));
    let sms = endpoint("endpoint:sdk:aliyun-sms");
    assert!(sms.receives.iter().any(|c| c == "contact.phone"));
    assert_eq!((sms.location.file.as_str(), sms.location.line), (PROD, 30));
    assert_eq!(endpoint("endpoint:sdk:wechat-pay").location.line, 37);
    assert_eq!(endpoint("endpoint:sdk:jpush").location.file, DEV);
    // Datasource and queue endpoints are the organisation's own.
    assert!(!endpoint("endpoint:database:rm-shop.mysql.rds.aliyuncs.com:3306").third_party);
    assert!(report()
        .endpoints
        .iter()
        .any(|e| e.kind == "message_queue" && e.vendor.as_deref() == Some("kafka")));
}

#[test]
fn spring_controls_carry_profile_and_no_secret_values() {
    let log_impl: Vec<_> = controls("log_impl");
    let prod = log_impl
        .iter()
        .find(|c| c.profile.as_deref() == Some("prod"))
        .expect("prod log-impl");
    assert!(prod.value.as_deref().unwrap().ends_with("StdOutImpl"));
    assert_eq!(at(prod), format!("{PROD}:14"));
    assert!(log_impl
        .iter()
        .any(|c| c.profile.is_none() && c.value.as_deref().unwrap().ends_with("Slf4jImpl")));
    let exposed = controls("actuator_exposed");
    assert_eq!(exposed.len(), 1);
    assert_eq!(exposed[0].value.as_deref(), Some("*"));
    assert!(controls("api_docs_enabled")
        .iter()
        .any(|c| c.subject.as_deref() == Some("knife4j.production")));
    assert_eq!(controls("druid_console_enabled").len(), 1);
    assert!(controls("druid_console_login").is_empty());
    let plain: Vec<String> = controls("plain_secret")
        .iter()
        .filter_map(|c| c.subject.clone())
        .collect();
    assert!(
        plain.contains(&"aliyun.oss.access-key-secret".to_string()),
        "{plain:?}"
    );
    assert!(
        plain.contains(&"spring.datasource.password".to_string()),
        "{plain:?}"
    );
    // `${DB_PASSWORD}` is injected at run time; ENC(…) is Jasypt-encrypted.
    assert!(!controls("plain_secret")
        .iter()
        .any(|c| c.location.file.ends_with("application.yml") && c.location.line == 10));
    assert_eq!(controls("encrypted_secret").len(), 2);
    let json = serde_json::to_string(report()).unwrap();
    for secret in ["s3cr3tValueInClear", "dev123456", "Xk2sP9vQ0aLmN3bT"] {
        assert!(
            !json.contains(secret),
            "secret value `{secret}` leaked into the report"
        );
    }
    assert!(controls("sql_logging")
        .iter()
        .any(|c| c.location.file == PROD && c.location.line == 41));
}

#[test]
fn logging_retention_and_verbose_loggers() {
    let days: Vec<(Option<u32>, String)> = controls("log_retention")
        .iter()
        .map(|c| (c.value_days, at(c)))
        .collect();
    assert!(
        days.contains(&(Some(30), format!("{LOGBACK}:15"))),
        "{days:?}"
    );
    assert!(
        days.contains(&(Some(180), format!("{LOGBACK}:24"))),
        "{days:?}"
    );
    assert!(
        days.contains(&(None, format!("{LOGBACK}:31"))),
        "unbounded hourly: {days:?}"
    );
    assert!(
        days.contains(&(Some(90), "app/src/main/resources/log4j2.xml:15".into())),
        "{days:?}"
    );
    assert!(days.contains(&(Some(7), format!("{DEV}:9"))), "{days:?}");
    let total_cap = controls("log_retention")
        .into_iter()
        .find(|c| c.value_days == Some(30) && c.location.file == LOGBACK)
        .unwrap();
    assert!(total_cap
        .value
        .as_deref()
        .unwrap()
        .contains("totalSizeCap=20GB"));
    assert!(controls("sql_logging")
        .iter()
        .any(|c| at(c) == format!("{LOGBACK}:36")));
    assert!(controls("sql_logging")
        .iter()
        .any(|c| c.subject.as_deref() == Some("org.hibernate.SQL")));
    assert!(!controls("sql_logging")
        .iter()
        .any(|c| c.subject.as_deref() == Some("com.example.shop.service")));
    assert!(controls("request_logging")
        .iter()
        .any(|c| at(c) == format!("{LOGBACK}:9")));
    assert_eq!(controls("log_masking").len(), 1);
}

#[test]
fn protections_mark_columns_and_become_controls() {
    let field = |id: &str| {
        report()
            .field(id)
            .unwrap_or_else(|| panic!("no field {id}"))
            .1
    };
    assert_eq!(
        field("db/schema.sql#t_member.mobile").protection,
        [Protection::Encrypted]
    );
    assert_eq!(
        field("db/schema.sql#t_member.id_card").protection,
        [Protection::Encrypted]
    );
    assert_eq!(
        field("db/schema.sql#t_order.receiver_phone").protection,
        [Protection::Masked]
    );
    // `@Sensitive` masks JSON output only: not a storage protection.
    assert!(field("db/schema.sql#t_member.real_name")
        .protection
        .is_empty());
    assert!(field("db/schema.sql#t_member.email").protection.is_empty());
    // The logical column and its cipher column (`cipher.name`).
    let rules = controls("encrypt_rule");
    assert_eq!(rules.len(), 2);
    assert_eq!(at(rules[1]), "sharding/config-encrypt.yaml:9");
    assert_eq!(
        rules[0].subject.as_deref(),
        Some("db/schema.sql#t_member.mobile")
    );
    assert_eq!(at(rules[0]), "sharding/config-encrypt.yaml:7");
    assert_eq!(controls("mask_rule").len(), 1);
    assert_eq!(controls("encrypt_annotation")[0].location.line, 12);
    assert_eq!(
        controls("output_masking")[0].subject.as_deref(),
        Some("t_member.real_name")
    );
}

#[test]
fn etl_jobs_become_flows() {
    let flows = &report().flows;
    let has = |from: &str, to: &str, file: &str| {
        flows
            .iter()
            .any(|f| f.from == from && f.to == to && f.location.file == file)
    };
    // DataX: table → OSS bucket, and querySql → table.
    assert!(
        has(
            "db/schema.sql#t_member.id_card",
            "endpoint:object_store:shop-member-export",
            "datax/member_to_oss.json"
        ),
        "{flows:#?}"
    );
    assert!(!has(
        "db/schema.sql#t_member.email",
        "endpoint:object_store:shop-member-export",
        "datax/member_to_oss.json"
    ));
    assert!(has(
        "db/schema.sql#t_member.mobile",
        "db/schema.sql#ods_member.mobile",
        "datax/member_to_ods.json"
    ));
    // SeaTunnel: query columns → S3.
    assert!(has(
        "db/schema.sql#t_order.receiver_phone",
        "endpoint:object_store:s3a://shop-orders-eu",
        "seatunnel/order_to_s3.conf"
    ));
    // Flink: the sink's columns → Kinesis; the source table is not a sink.
    assert!(has(
        "flink/member_events.sql#member_stream.mobile",
        "endpoint:message_queue:member-events",
        "flink/member_events.sql"
    ));
    assert!(!flows
        .iter()
        .any(|f| f.from.contains("#member_cdc.") && f.to.starts_with("endpoint:")));
    // Canal: a plain table in the filter; the `.*_log` regex names none.
    assert!(has(
        "db/schema.sql#t_member.mobile",
        "endpoint:message_queue:topic:member_sync",
        "canal/member/instance.properties"
    ));
    // Every flow end exists.
    for f in flows {
        for id in [&f.from, &f.to] {
            assert!(
                report().field(id).is_some() || report().endpoints.iter().any(|e| &e.id == id),
                "dangling flow end {id}"
            );
        }
    }
}

#[test]
fn pi_paths_reach_abroad_endpoints_with_hops() {
    let paths = &report().paths;
    let p = paths
        .iter()
        .find(|p| {
            // The Flink CDC table `member_cdc` reads `shop.t_member`: it is
            // the DDL's `t_member`, not a dataset of its own.
            p.from == "db/schema.sql#t_member.mobile"
                && p.to == "endpoint:message_queue:member-events"
        })
        .unwrap_or_else(|| panic!("{paths:#?}"));
    assert_eq!(p.nodes.len(), 3);
    assert!(!report().datasets.iter().any(|d| d.name == "member_cdc"));
    assert_eq!(p.nodes.len(), p.hops.len() + 1);
    assert_eq!(p.hops[0].line, 24);
    assert_eq!(p.hops.last().unwrap().file, "flink/member_events.sql");
    assert!(paths
        .iter()
        .any(|p| p.from == "db/schema.sql#t_member.id_card"
            && p.to == "endpoint:object_store:shop-member-export"));
    // Mainland or unknown endpoints of the organisation are not listed.
    assert!(!paths
        .iter()
        .any(|p| p.to == "endpoint:message_queue:topic:member_sync"));
    // Not PI: never a path start.
    assert!(!paths.iter().any(|p| p.from.ends_with(".id")));
}

#[test]
fn bad_inputs_give_located_diagnostics_and_the_scan_goes_on() {
    let diags = &report().scan.diagnostics;
    let find = |file: &str, words: &str| {
        diags
            .iter()
            .find(|d| d.file == file && d.message.contains(words))
            .unwrap_or_else(|| panic!("no `{words}` diagnostic for {file}: {diags:#?}"))
    };
    assert_eq!(find("bad/job-broken.json", "not valid JSON").line, 5);
    assert_eq!(
        find("bad/job-unknown-plugin.json", "superfastwriter").line,
        13
    );
    assert_eq!(find("bad/logback.xml", "malformed").line, 8);
    assert!(find("bad/application.yml", "not valid YAML").line >= 4);
    assert_eq!(
        find("app/src/main/resources/application.yml", "not valid YAML").line,
        6
    );
    // What was read before the damage is kept.
    assert!(controls("log_retention")
        .iter()
        .any(|c| c.location.file == "bad/logback.xml" && c.value_days == Some(14)));
    assert!(report()
        .endpoints
        .iter()
        .any(|e| e.location.file == "bad/application.yml"));
    // Non-jobs are silent.
    assert!(!diags
        .iter()
        .any(|d| d.file.ends_with("package.json") || d.file.ends_with("nginx.conf")));
}
