//! Table and schema context of the classifier: children's data recognised
//! from a K-12 school schema as a whole, and person attributes (coordinates,
//! salaries, grades) that are PI only in tables about persons.

use piaudit::model::Report;
use piaudit::{scan, Config};

fn report(files: &[(&str, &str)]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    let config = Config {
        roots: vec![dir.path().to_path_buf()],
        profile: Some("gbt35273".into()),
        deterministic: true,
        ..Config::default()
    };
    scan(&config).expect("scan").report
}

/// (category, sensitive) of `table.column`, `None` when not PI.
fn tag(r: &Report, table: &str, column: &str) -> Option<(String, bool)> {
    let ds = r
        .datasets
        .iter()
        .find(|d| d.name == table)
        .unwrap_or_else(|| panic!("no table {table}"));
    let f = ds
        .fields
        .iter()
        .find(|f| f.name == column)
        .unwrap_or_else(|| panic!("no column {table}.{column}"));
    f.pi.as_ref().map(|p| (p.category.clone(), p.sensitive))
}

const EXAM_PLATFORM: &str = "
CREATE TABLE exam_paper (id int, title varchar(100), grade_level int, subject_id int);
CREATE TABLE question (id int, grade_level int, content text);
CREATE TABLE app_user (id int, user_name varchar(50), real_name varchar(50), phone varchar(20));
CREATE TABLE paper_answer (id int, user_id int, user_name varchar(50), score int);
CREATE TABLE teacher (id int, real_name varchar(50), phone varchar(20));
";

#[test]
fn a_k12_exam_platform_makes_its_users_data_sensitive() {
    let r = report(&[("exam.sql", EXAM_PLATFORM)]);
    // Not sensitive in itself under GB/T 35273, sensitive as children's data.
    assert_eq!(
        tag(&r, "app_user", "real_name"),
        Some(("name".into(), true))
    );
    assert_eq!(
        tag(&r, "app_user", "phone"),
        Some(("contact.phone".into(), true))
    );
    // A table referring to a user of the platform holds pupils' data too.
    assert_eq!(
        tag(&r, "paper_answer", "user_name"),
        Some(("account.username".into(), true))
    );
    // Teachers are adults.
    assert_eq!(
        tag(&r, "teacher", "real_name"),
        Some(("name".into(), false))
    );
    let ev = &r
        .datasets
        .iter()
        .find(|d| d.name == "app_user")
        .unwrap()
        .fields[2];
    assert!(ev
        .pi
        .as_ref()
        .unwrap()
        .evidence
        .iter()
        .any(|e| e.kind == "context" && e.detail.contains("PIPL-31")));
}

#[test]
fn a_university_or_a_demo_student_table_is_not_childrens_data() {
    let university = "
CREATE TABLE student (id int, xm varchar(30) COMMENT '姓名', sjh varchar(11) COMMENT '手机号',
  zymc varchar(50) COMMENT '专业名称', bj_id int COMMENT '班级ID');
CREATE TABLE exam_paper (id int, grade_level int);
";
    let r = report(&[("univ.sql", university)]);
    assert_eq!(tag(&r, "student", "xm"), Some(("name".into(), false)));
    // One demo student table among many admin tables: no school schema.
    let mut admin = String::from(
        "CREATE TABLE demo_student (id int, name varchar(30), grade_id int);\n\
         CREATE TABLE demo_grade (id int, name varchar(30));\n",
    );
    for i in 0..12 {
        admin.push_str(&format!(
            "CREATE TABLE sys_user{i} (id int, user_name varchar(30), mobile varchar(11));\n"
        ));
    }
    let r = report(&[("admin.sql", &admin)]);
    assert_eq!(
        tag(&r, "sys_user0", "mobile"),
        Some(("contact.phone".into(), false))
    );
}

#[test]
fn person_attributes_need_a_table_about_persons() {
    let sql = "
CREATE TABLE weather_station (id int, station_name varchar(50), lat decimal(9,6), lng decimal(9,6), reported_at datetime);
CREATE TABLE location_report (id int, user_id int, lat decimal(9,6), lng decimal(9,6), recorded_at datetime);
CREATE TABLE member_home (id int, member_id int, lat decimal(9,6), lng decimal(9,6), create_time datetime);
CREATE TABLE salary_band (id int, band_name varchar(20), min_salary decimal(12,2) COMMENT '薪资下限', salary decimal(12,2) COMMENT '标准工资');
CREATE TABLE payslip (id int, emp_id int, salary decimal(12,2) COMMENT '实发工资');
";
    let r = report(&[("loc.sql", sql)]);
    assert_eq!(tag(&r, "weather_station", "lat"), None);
    assert_eq!(
        tag(&r, "location_report", "lat"),
        Some(("location.trajectory".into(), true))
    );
    // One position per person, with only an audit timestamp: not a trajectory.
    assert_eq!(
        tag(&r, "member_home", "lat").map(|t| t.0),
        Some("location.precise".into())
    );
    assert_eq!(tag(&r, "salary_band", "salary"), None);
    assert_eq!(tag(&r, "salary_band", "min_salary"), None);
    assert_eq!(
        tag(&r, "payslip", "salary").map(|t| t.0),
        Some("finance.income".into())
    );
}

#[test]
fn coded_value_lists_and_key_comments_do_not_tag() {
    let sql = "
CREATE TABLE lock_credential (id int, owner_user_id int, cred_type tinyint COMMENT '1指纹 2密码 3人脸',
  face_feature blob COMMENT '人脸特征值');
CREATE TABLE trace (id int, user_id int, device_id bigint COMMENT 'app_device 表主键', jsbh varchar(20) COMMENT '教室编号');
";
    let r = report(&[("iot.sql", sql)]);
    assert_eq!(tag(&r, "lock_credential", "cred_type"), None);
    assert_eq!(
        tag(&r, "lock_credential", "face_feature").map(|t| t.0),
        Some("biometric.face".into())
    );
    assert_eq!(tag(&r, "trace", "device_id"), None);
    assert_eq!(tag(&r, "trace", "jsbh"), None);
}

const CLINIC: &str = "
CREATE TABLE patient (id int, name varchar(50), phone varchar(20));
CREATE TABLE visit_registration (id int, patient_id int, dept_id int, visit_date date);
CREATE TABLE rx_prescription_item (id int, registration_id int, drug_id int, dosage varchar(20),
  frequency int, days int, advice varchar(300), create_time datetime, create_by varchar(64));
CREATE TABLE drug_dict (id int, drug_name varchar(50), dosage varchar(20), frequency int);
CREATE TABLE case_history_template (id int, chief_complaint varchar(500), past_history varchar(500),
  allergies varchar(500));
CREATE TABLE branch_config (id int, branch_name varchar(50), phone varchar(20), address varchar(200),
  create_by varchar(64));
";

#[test]
fn descriptive_columns_of_a_persons_record_inherit_its_category() {
    let r = report(&[("clinic.sql", CLINIC)]);
    // A prescription line tied to a visit: its descriptive columns are medication.
    for col in ["drug_id", "dosage", "frequency", "days", "advice"] {
        assert_eq!(
            tag(&r, "rx_prescription_item", col),
            Some(("health.medication".into(), true)),
            "rx_prescription_item.{col}"
        );
    }
    // Keys and record keeping are not inherited.
    assert_eq!(tag(&r, "rx_prescription_item", "id"), None);
    assert_eq!(tag(&r, "rx_prescription_item", "registration_id"), None);
    assert_eq!(tag(&r, "rx_prescription_item", "create_time"), None);
    // The operator column keeps its own reading (a staff login name).
    assert_ne!(
        tag(&r, "rx_prescription_item", "create_by").map(|t| t.0),
        Some("health.medication".to_string())
    );
    // The drug dictionary is not anybody's record.
    assert_eq!(tag(&r, "drug_dict", "dosage"), None);
    assert_eq!(tag(&r, "drug_dict", "frequency"), None);
    // The evidence says why.
    let ds = r
        .datasets
        .iter()
        .find(|d| d.name == "rx_prescription_item")
        .unwrap();
    let f = ds.fields.iter().find(|f| f.name == "days").unwrap();
    assert!(f
        .pi
        .as_ref()
        .unwrap()
        .evidence
        .iter()
        .any(|e| e.kind == "context"
            && e.detail.contains("record-level")
            && e.detail.contains("registration_id")));
}

#[test]
fn reference_and_configuration_tables_hold_no_pi_by_cues() {
    let r = report(&[("clinic.sql", CLINIC)]);
    // A template's clinical headings and a branch office's phone are not PI.
    assert_eq!(tag(&r, "case_history_template", "chief_complaint"), None);
    assert_eq!(tag(&r, "case_history_template", "allergies"), None);
    assert_eq!(tag(&r, "branch_config", "phone"), None);
    assert_eq!(tag(&r, "branch_config", "address"), None);
    // Operator audit columns keep their tag there (staff login names).
    assert_eq!(
        tag(&r, "branch_config", "create_by").map(|t| t.0),
        Some("account.username".to_string())
    );
    // A person's own settings (a column refers to the person) are not reference data.
    let r = report(&[(
        "u.sql",
        "CREATE TABLE user_config (id int, user_id int, phone varchar(20));",
    )]);
    assert_eq!(
        tag(&r, "user_config", "phone").map(|t| t.0),
        Some("contact.phone".to_string())
    );
}

#[test]
fn a_transaction_record_passes_only_its_amounts() {
    let r = report(&[(
        "pay.sql",
        "CREATE TABLE pay_refund_record (id int, user_no varchar(32), refund_amount decimal(10,2),
           balance decimal(10,2), notify_url varchar(200), fee_rate decimal(5,4), pay_way_code varchar(20));",
    )]);
    assert_eq!(
        tag(&r, "pay_refund_record", "refund_amount").map(|t| t.0),
        Some("finance.transaction".to_string())
    );
    assert_eq!(tag(&r, "pay_refund_record", "notify_url"), None);
    assert_eq!(tag(&r, "pay_refund_record", "fee_rate"), None);
    assert_eq!(tag(&r, "pay_refund_record", "pay_way_code"), None);
}

#[test]
fn operator_audit_columns_alone_do_not_make_a_pi_dataset() {
    let r = report(&[(
        "sys.sql",
        "CREATE TABLE sys_notice_board (id int, title varchar(100), create_by varchar(64), update_by varchar(64));
         CREATE TABLE app_member (id int, mobile varchar(20), create_by varchar(64));",
    )]);
    // Staff login names are still tagged, and say why they do not count alone.
    let tagged = tag(&r, "sys_notice_board", "create_by");
    assert_eq!(tagged.map(|t| t.0), Some("account.username".to_string()));
    let ds = r
        .datasets
        .iter()
        .find(|d| d.name == "sys_notice_board")
        .unwrap();
    let f = ds.fields.iter().find(|f| f.name == "create_by").unwrap();
    assert!(f
        .pi
        .as_ref()
        .unwrap()
        .evidence
        .iter()
        .any(|e| e.kind == "operator_audit"));
    // Dataset-level obligations (CNPI-001: PI dataset not declared) fire for the
    // member table, not for the notice board whose only PI is its operators
    // (one project finding listing the datasets, report schema 2.0).
    let fired = |id: &str| {
        r.findings
            .iter()
            .any(|x| x.rule == "CNPI-001" && x.fields.iter().any(|s| s.contains(id)))
    };
    assert!(
        fired("app_member"),
        "{:?}",
        r.findings
            .iter()
            .map(|f| (&f.rule, &f.subjects))
            .collect::<Vec<_>>()
    );
    assert!(!fired("sys_notice_board"));
}

#[test]
fn two_checked_resident_ids_suffice_weaker_validators_need_three() {
    // Two valid GB 11643 numbers (check digit, birth date, region) in an
    // unnamed column; two valid mobile numbers in another.
    let sql = "CREATE TABLE t_visitor_log (id int, c1 varchar(18), c2 varchar(11));
INSERT INTO t_visitor_log VALUES (1, '11010519491231002X', '13800138000');
INSERT INTO t_visitor_log VALUES (2, '440524198001010013', '13912345678');";
    let r = report(&[("v.sql", sql)]);
    assert_eq!(
        tag(&r, "t_visitor_log", "c1").map(|t| t.0),
        Some("identity.national_id".to_string())
    );
    assert_eq!(tag(&r, "t_visitor_log", "c2"), None);
    // A wrong check digit in one of the two: no tag.
    let bad = sql.replace("11010519491231002X", "110105194912310021");
    let r = report(&[("v.sql", &bad)]);
    assert_eq!(tag(&r, "t_visitor_log", "c1"), None);
}

#[test]
fn a_card_number_is_a_bank_card_only_with_bank_context() {
    let r = report(&[(
        "c.sql",
        "CREATE TABLE mall_member (id int, card_no varchar(32) COMMENT '会员卡号');
         CREATE TABLE user_bank (id int, user_id int, card_no varchar(32) COMMENT '卡号');
         CREATE TABLE pay_card (id int, user_id int, card_no varchar(32) COMMENT '银行卡号');",
    )]);
    assert_eq!(
        tag(&r, "mall_member", "card_no").map(|t| t.0),
        Some("identity.other_id".to_string())
    );
    assert_eq!(
        tag(&r, "user_bank", "card_no").map(|t| t.0),
        Some("finance.bank_card".to_string())
    );
    assert_eq!(
        tag(&r, "pay_card", "card_no").map(|t| t.0),
        Some("finance.bank_card".to_string())
    );
}

#[test]
fn role_columns_ending_in_ren_and_name_initials_are_names() {
    let r = report(&[(
        "e.sql",
        "CREATE TABLE waybill (id int, signer varchar(30) COMMENT '签收人', signer_tel varchar(20) COMMENT '签收人电话', signer_id int COMMENT '签收人ID');
         CREATE TABLE patient (id int, patient_name varchar(30), py_str varchar(20), wb_str varchar(20));
         CREATE TABLE drug_info (id int, drug_name varchar(50), py_str varchar(20));",
    )]);
    assert_eq!(
        tag(&r, "waybill", "signer").map(|t| t.0),
        Some("name".to_string())
    );
    assert_eq!(
        tag(&r, "waybill", "signer_tel").map(|t| t.0),
        Some("contact.phone".to_string())
    );
    assert_eq!(tag(&r, "waybill", "signer_id"), None);
    // Initials of a person's name are name-derived; of a drug's name, not PI.
    assert_eq!(
        tag(&r, "patient", "py_str").map(|t| t.0),
        Some("name".to_string())
    );
    assert_eq!(
        tag(&r, "patient", "wb_str").map(|t| t.0),
        Some("name".to_string())
    );
    assert_eq!(tag(&r, "drug_info", "py_str"), None);
}

#[test]
fn operator_columns_typed_as_ids_are_keys() {
    let r = report(&[(
        "o.sql",
        "CREATE TABLE app_member (id int, mobile varchar(20), create_by char(32), update_by bigint, creator varchar(64));",
    )]);
    assert_eq!(tag(&r, "app_member", "create_by"), None);
    assert_eq!(tag(&r, "app_member", "update_by"), None);
    assert_eq!(
        tag(&r, "app_member", "creator").map(|t| t.0),
        Some("account.username".to_string())
    );
}
