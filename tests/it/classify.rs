//! Classifier behaviour on small schemas: pinyin compounds, children's data,
//! declaration overrides and custom cues, false-positive traps.

use piaudit::data::DataFiles;
use piaudit::decl::Declarations;
use piaudit::extract::FileKind;
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

#[test]
fn comment_head_is_the_last_keyword() {
    let a = run(
        "CREATE TABLE sys_dept (id BIGINT, leader_phone VARCHAR(20) COMMENT '负责人电话', \
         leader VARCHAR(20) COMMENT '负责人');",
        None,
    );
    assert_eq!(
        tag(&a, "sys_dept", "leader_phone").map(|t| t.category.as_str()),
        Some("contact.phone"),
        "负责人电话 holds a phone number, not a name"
    );
    assert_eq!(
        tag(&a, "sys_dept", "leader").map(|t| t.category.as_str()),
        Some("name")
    );
}

#[test]
fn bracketed_aside_does_not_replace_the_head() {
    let a = run(
        "CREATE TABLE voice_profile (id BIGINT, feature BLOB COMMENT '声纹特征(用于识别家庭成员)');",
        None,
    );
    assert_eq!(
        tag(&a, "voice_profile", "feature").map(|t| t.category.as_str()),
        Some("biometric.voiceprint")
    );
}

#[test]
fn table_scoped_cues_need_their_table() {
    let a = run(
        "CREATE TABLE oms_order (id BIGINT, member_id BIGINT, total_amount DECIMAL(10,2));\n\
         CREATE TABLE fin_loan (id BIGINT, customer_id BIGINT, principal DECIMAL(12,2));\n\
         CREATE TABLE pms_product (id BIGINT, total_amount DECIMAL(10,2), principal VARCHAR(20));",
        None,
    );
    assert_eq!(
        tag(&a, "oms_order", "total_amount").map(|t| t.category.as_str()),
        Some("finance.transaction")
    );
    assert_eq!(
        tag(&a, "fin_loan", "principal").map(|t| t.category.as_str()),
        Some("finance.credit")
    );
    assert!(tag(&a, "pms_product", "total_amount").is_none());
    assert!(tag(&a, "pms_product", "principal").is_none());
}

#[test]
fn person_table_is_decided_by_its_head_token() {
    // `shop` is a module prefix: shop_member is a table of persons, while
    // member_level is a table of levels.
    let a = run(
        "CREATE TABLE shop_member (id BIGINT, name VARCHAR(30));\n\
         CREATE TABLE member_level (id BIGINT, name VARCHAR(30));",
        None,
    );
    assert!(tag(&a, "shop_member", "name").is_some());
    assert!(tag(&a, "member_level", "name").is_none());
}

#[test]
fn evidence_carries_weights_and_explain_traces_rejections() {
    use piaudit::explain::{explain, render_text};
    let k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
    let a = run(
        "CREATE TABLE sys_notice (id BIGINT, mobile_template VARCHAR(200), \
         phone VARCHAR(11) COMMENT '手机号码');",
        None,
    );
    let phone = tag(&a, "sys_notice", "phone").expect("phone tagged");
    assert!(
        phone
            .evidence
            .iter()
            .all(|e| e.detail.contains("weight 0.")),
        "{:?}",
        phone.evidence
    );
    let items = explain(&a, &k, "sys_notice.mobile_template");
    assert_eq!(items.len(), 1);
    assert!(items[0].pi.is_none());
    assert!(
        items[0]
            .cues
            .ignored
            .iter()
            .any(|w| w.contains("negative token `template`")),
        "{:?}",
        items[0].cues
    );
    let text = render_text(&items, &a, "gbt45574", "en");
    assert!(text.contains("not PI"), "{text}");
    assert!(text.contains("ignored"), "{text}");
    assert!(explain(&a, &k, "SYS_NOTICE.PHONE").len() == 1);
    assert!(explain(&a, &k, "nope.phone").is_empty());
}

#[test]
fn custom_categories_from_declarations() {
    let decl = Declarations::parse(
        "piaudit.yaml",
        "version: 1\ncategories:\n  - id: custom.loyalty_card\n    zh: 会员卡号\n    en: Loyalty card number\n    sensitive: true\ncues:\n  - category: custom.loyalty_card\n    names: [vip_card_no]\n    comments: [会员卡号]\n",
    )
    .unwrap();
    let mut k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
    assert!(
        decl.check_categories("piaudit.yaml", |id| k.taxonomy.category(id).is_some())
            .is_err(),
        "unknown before the taxonomy is extended"
    );
    k.extend_with(&decl, "piaudit.yaml").unwrap();
    decl.check_categories("piaudit.yaml", |id| k.taxonomy.category(id).is_some())
        .unwrap();
    let sources = vec![Source {
        rel: "t.sql".into(),
        kind: FileKind::Sql,
        text: "CREATE TABLE shop_member (id BIGINT, vip_card_no VARCHAR(20), card VARCHAR(20) COMMENT '会员卡号');".into(),
    }];
    let config = Config {
        lang: "en".into(),
        ..Config::default()
    };
    let a = scan_sources(&k, &sources, Some(&decl), &config, ScanInfo::default());
    for col in ["vip_card_no", "card"] {
        let t = tag(&a, "shop_member", col).expect(col);
        assert_eq!(t.category, "custom.loyalty_card");
        assert!(t.sensitive, "declared sensitive");
    }
    assert_eq!(
        a.categories
            .get("custom.loyalty_card")
            .map(|c| c.1.as_str()),
        Some("Loyalty card number")
    );
    // A custom id may not shadow a built-in category.
    let clash = Declarations::parse(
        "piaudit.yaml",
        "version: 1\ncategories:\n  - id: contact.phone\n    zh: 电话\n    en: Phone\n",
    )
    .unwrap();
    assert!(k.extend_with(&clash, "piaudit.yaml").is_err());
}

#[test]
fn sensitive_categories_raise_built_in_categories_only() {
    let decl = Declarations::parse(
        "piaudit.yaml",
        "version: 1\nsensitive_categories: [political]\n",
    )
    .unwrap();
    let sources = vec![Source {
        rel: "t.sql".into(),
        kind: FileKind::Sql,
        text: "CREATE TABLE hr_employee (id BIGINT, name VARCHAR(20), zzmm VARCHAR(20) COMMENT '政治面貌');".into(),
    }];
    let config = Config::default();
    for profile in ["gbt45574", "gbt35273"] {
        let mut k = Knowledge::load(&DataFiles::embedded(), "cn-2026", Some(profile)).unwrap();
        let plain = scan_sources(&k, &sources, None, &config, ScanInfo::default());
        let before = tag(&plain, "hr_employee", "zzmm").expect("tagged");
        assert_eq!(before.category, "political");
        assert!(!before.sensitive, "{profile}: not sensitive by default");
        k.extend_with(&decl, "piaudit.yaml").unwrap();
        let a = scan_sources(&k, &sources, Some(&decl), &config, ScanInfo::default());
        assert!(
            tag(&a, "hr_employee", "zzmm").unwrap().sensitive,
            "{profile}"
        );
        assert!(
            !tag(&a, "hr_employee", "name").unwrap().sensitive,
            "{profile}"
        );
    }
    let unknown = Declarations::parse(
        "piaudit.yaml",
        "version: 1\nsensitive_categories: [politics]\n",
    )
    .unwrap();
    let k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
    let err = unknown
        .check_categories("piaudit.yaml", |id| k.taxonomy.category(id).is_some())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sensitive_categories[0]") && err.contains("politics"),
        "{err}"
    );
}

/// Minors are under 18 (Minors Protection Law Art. 2); only PI of children
/// under 14 is sensitive (PIPL Arts. 28, 31). The deprecated `minor` id
/// still resolves, to `minor.under18`.
#[test]
fn minors_split_under14_sensitive_under18_not() {
    let a = run(
        "CREATE TABLE kid (id BIGINT, is_child TINYINT COMMENT '是否不满十四周岁', gender CHAR(1) COMMENT '性别');\n\
         CREATE TABLE member (id BIGINT, is_minor TINYINT COMMENT '是否未成年', gender CHAR(1) COMMENT '性别', mobile VARCHAR(11) COMMENT '手机号码');\n\
         CREATE TABLE learner (id BIGINT, name VARCHAR(50) COMMENT '学生姓名', major VARCHAR(50) COMMENT '所学专业', grade VARCHAR(20) COMMENT '年级', gender CHAR(1) COMMENT '性别');",
        None,
    );
    let child = tag(&a, "kid", "is_child").expect("under-14 marker tagged");
    assert_eq!(child.category, "minor.under14");
    assert!(child.sensitive);
    assert!(
        tag(&a, "kid", "gender").unwrap().sensitive,
        "children's context"
    );
    let teen = tag(&a, "member", "is_minor").expect("minor marker tagged");
    assert_eq!(teen.category, "minor.under18");
    assert!(!teen.sensitive);
    assert!(
        !tag(&a, "member", "gender").unwrap().sensitive,
        "14-17 is not under 14"
    );
    // A student is not a minor: no minor tag and nothing sensitive.
    let learner = a
        .report
        .datasets
        .iter()
        .find(|d| d.name == "learner")
        .unwrap();
    assert!(learner.fields.iter().all(|f| f
        .pi
        .as_ref()
        .is_none_or(|p| !p.category.starts_with("minor") && !p.sensitive)));

    // The deprecated id resolves (overrides written before the split keep working).
    let k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
    assert_eq!(k.taxonomy.current("minor"), "minor.under18");
    let o = run(
        "CREATE TABLE t (flag TINYINT);",
        Some("version: 1\noverrides:\n  't.flag': minor\n"),
    );
    assert_eq!(tag(&o, "t", "flag").unwrap().category, "minor.under18");
    let c = run(
        "CREATE TABLE member (id BIGINT, mobile VARCHAR(11) COMMENT '手机号码', qsn TINYINT);",
        Some("version: 1\ncues:\n  - category: minor\n    names: [qsn]\n"),
    );
    assert_eq!(tag(&c, "member", "qsn").unwrap().category, "minor.under18");
    // identity.specific and health.basic depend on context under GB/T 35273.
    for id in ["identity.specific", "health.basic"] {
        let c = k.taxonomy.category(id).unwrap();
        assert_eq!(
            format!("{:?}", c.sensitive["gbt35273"]).to_lowercase(),
            "ctx",
            "{id}"
        );
    }
}

/// A deprecated category must point to a current one.
#[test]
fn replaced_by_must_name_a_current_category() {
    use piaudit::classify::taxonomy::Taxonomy;
    let text = DataFiles::embedded()
        .get("taxonomy.yaml")
        .unwrap()
        .to_string();
    let bad = text.replace("replaced_by: minor.under18", "replaced_by: minor.teen");
    let err = Taxonomy::load("taxonomy.yaml", &bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("minor.teen") && err.contains("not a category"),
        "{err}"
    );
    let chained = text.replace(
        "    text_only: false          # is_minor BOOLEAN",
        "    text_only: false          # is_minor BOOLEAN\n    replaced_by: minor.under14",
    );
    let err = Taxonomy::load("taxonomy.yaml", &chained)
        .unwrap_err()
        .to_string();
    assert!(err.contains("itself deprecated"), "{err}");
}

/// A yes/no flag (`is_…` name, a comment listing 是/否) says whether there is
/// a password, not the password; a flag about a category a flag reveals
/// (是否残疾) and a plain password column are still tagged.
#[test]
fn yes_no_flags_are_not_the_value_they_name() {
    let a = run(
        "CREATE TABLE users (id BIGINT, password VARCHAR(64) COMMENT '密码', \
         is_set_password TINYINT COMMENT '设置密码[1:是,0:否]', \
         has_mobile TINYINT, mobile VARCHAR(20) COMMENT '手机号', \
         is_disabled_person TINYINT COMMENT '是否残疾人[1:是,0:否]');",
        None,
    );
    assert!(tag(&a, "users", "is_set_password").is_none());
    assert!(tag(&a, "users", "has_mobile").is_none());
    assert_eq!(
        tag(&a, "users", "password").unwrap().category,
        "account.credentials"
    );
    assert_eq!(
        tag(&a, "users", "mobile").unwrap().category,
        "contact.phone"
    );
    assert!(tag(&a, "users", "is_disabled_person").is_some());
}
