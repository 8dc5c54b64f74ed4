//! Classifier behaviour on small schemas: pinyin compounds, children's data,
//! declaration overrides and custom cues, false-positive traps.

use piaudit::data::DataFiles;
use piaudit::decl::Declarations;
use piaudit::discover::FileKind;
use piaudit::model::{PiTag, ScanInfo};
use piaudit::{scan_sources, Audit, Config, Knowledge, Source};

fn run(sql: &str, decl: Option<&str>) -> Audit {
    let k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
    let decl = decl.map(|t| Declarations::parse("piaudit.yaml", t).unwrap());
    let sources = vec![Source {
        rel: "t.sql".into(),
        kind: FileKind::Sql,
        text: sql.into(),
    }];
    let config = Config {
        lang: "en".into(),
        ..Config::default()
    };
    scan_sources(&k, &sources, decl.as_ref(), &config, ScanInfo::default())
}

fn tag<'a>(a: &'a Audit, table: &str, column: &str) -> Option<&'a PiTag> {
    let d = a
        .report
        .datasets
        .iter()
        .find(|d| d.name == table)
        .unwrap_or_else(|| panic!("no table {table}"));
    d.fields
        .iter()
        .find(|f| f.name == column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .pi
        .as_ref()
}

#[test]
fn concatenated_pinyin_is_read_by_its_tail() {
    let a = run(
        "CREATE TABLE zy_br (brlxdh VARCHAR(20), hzsfzh VARCHAR(18), jlxh INT);",
        None,
    );
    assert_eq!(
        tag(&a, "zy_br", "brlxdh").unwrap().category,
        "contact.phone"
    );
    assert_eq!(
        tag(&a, "zy_br", "hzsfzh").unwrap().category,
        "identity.national_id"
    );
    assert!(
        tag(&a, "zy_br", "jlxh").is_none(),
        "2-letter tails (xh) are too ambiguous"
    );
}

#[test]
fn ambiguous_tokens_need_support() {
    let alone = run("CREATE TABLE project (xm VARCHAR(50), sj DATETIME);", None);
    assert!(
        tag(&alone, "project", "xm").is_none(),
        "xm alone is 项目 as often as 姓名"
    );
    assert!(tag(&alone, "project", "sj").is_none());
    let with_siblings = run(
        "CREATE TABLE ry (xm VARCHAR(50), sfzh VARCHAR(18), csrq DATE);",
        None,
    );
    assert_eq!(tag(&with_siblings, "ry", "xm").unwrap().category, "name");
}

#[test]
fn children_data_makes_pi_sensitive() {
    let sql = "CREATE TABLE student (stu_name VARCHAR(50) COMMENT '学生姓名', gender CHAR(1) COMMENT '性别', guardian_phone VARCHAR(11) COMMENT '监护人电话');";
    let a = run(sql, None);
    let t = tag(&a, "student", "gender").unwrap();
    assert!(t.sensitive, "{t:?}");
    assert!(t
        .evidence
        .iter()
        .any(|e| e.kind == "context" && e.detail.contains("guardian")));
    // Without any children's cue, gender is not sensitive under gbt45574.
    let adult = run("CREATE TABLE member (gender CHAR(1) COMMENT '性别');", None);
    assert!(!tag(&adult, "member", "gender").unwrap().sensitive);
    // A declaration alone is enough.
    let declared = run(
        "CREATE TABLE member (gender CHAR(1) COMMENT '性别');",
        Some("version: 1\ndatasets:\n  - match: member\n    minors: true\n"),
    );
    assert!(tag(&declared, "member", "gender").unwrap().sensitive);
}

#[test]
fn overrides_and_custom_cues_from_declarations() {
    let sql = "CREATE TABLE orders (total_amount DECIMAL(10,2) COMMENT '消费金额', shouji VARCHAR(11), memo VARCHAR(200));\n\
               INSERT INTO rpt (amt) SELECT total_amount FROM orders;";
    let decl = "version: 1\noverrides:\n  'orders.memo': contact.address\n  '*.amt': not_pi\ncues:\n  - category: contact.phone\n    names: [shouji]\n";
    let err = Declarations::parse("p.yaml", decl)
        .map(|d| d.check_categories("p.yaml", |id| id == "contact.phone" || id == "address"));
    assert!(
        matches!(err, Ok(Err(_))),
        "contact.address is not a category"
    );
    let decl = decl.replace("contact.address", "address");
    let a = run(sql, Some(&decl));
    assert_eq!(
        tag(&a, "orders", "shouji").unwrap().category,
        "contact.phone"
    );
    let memo = tag(&a, "orders", "memo").unwrap();
    assert_eq!((memo.category.as_str(), memo.confidence), ("address", 1.0));
    assert!(tag(&a, "rpt", "amt").is_none(), "not_pi wins over lineage");
}

#[test]
fn false_positive_traps_stay_untagged() {
    let sql = "CREATE TABLE sys_dept (dept_name VARCHAR(30) COMMENT '部门名称', leader VARCHAR(20) COMMENT '负责人', phone VARCHAR(11) COMMENT '联系电话');\n\
               CREATE TABLE sys_config (sms_template_code VARCHAR(32), mobile_banner VARCHAR(255), password_expire_flag CHAR(1), id_card_type CHAR(1) COMMENT '证件类型', email_notify TINYINT, credit_code VARCHAR(18) COMMENT '统一社会信用代码');";
    let a = run(sql, None);
    for col in [
        "sms_template_code",
        "mobile_banner",
        "password_expire_flag",
        "id_card_type",
        "email_notify",
        "credit_code",
    ] {
        assert!(tag(&a, "sys_config", col).is_none(), "{col} must not be PI");
    }
    assert!(tag(&a, "sys_dept", "dept_name").is_none());
    assert_eq!(
        tag(&a, "sys_dept", "leader").map(|t| t.category.as_str()),
        Some("name"),
        "a dept leader is a person"
    );
}

#[test]
fn seed_rows_are_validated_and_shown_masked_only() {
    // Valid check digits: 11010519491231002X, 110105194912310021 is invalid.
    let sql = "CREATE TABLE t_kh (id INT, zjhm VARCHAR(18), bz VARCHAR(100), org VARCHAR(18), remark VARCHAR(50));\n\
               INSERT INTO t_kh (id, zjhm, bz, org, remark) VALUES \
               (1, '11010519491231002X', '13812345678', '91350100M000100Y43', 'a'),\
               (2, '11010519491231002X', '13912345678', '91350100M000100Y43', 'b'),\
               (3, '11010519491231002X', '15012345678', '91350100M000100Y43', 'c');";
    let a = run(sql, None);
    let id = tag(&a, "t_kh", "zjhm").unwrap();
    assert!(
        id.evidence.iter().any(|e| e.kind == "value"
            && e.detail.contains("3/3")
            && e.detail.contains("1101**********002X")),
        "{id:?}"
    );
    assert_eq!(
        tag(&a, "t_kh", "bz").unwrap().category,
        "contact.phone",
        "free text holding phones is PI"
    );
    assert!(
        tag(&a, "t_kh", "org").is_none(),
        "USCC values are organisations"
    );
    let json = serde_json::to_string(&a.report).unwrap();
    for raw in ["11010519491231002X", "13812345678", "91350100M000100Y43"] {
        assert!(!json.contains(raw), "raw value {raw} leaked");
    }
}
