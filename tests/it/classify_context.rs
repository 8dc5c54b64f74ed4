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

/// An online exam system for adults: exam cues everywhere, and the only
/// "class" is a scheduler's Java class name in Quartz's own table, which
/// says nothing of school classes.
#[test]
fn a_framework_tables_class_name_is_no_school_class() {
    let sql = "
CREATE TABLE exam (id int, title varchar(100) COMMENT '考试名称');
CREATE TABLE exam_record (id int, user_id int, score int COMMENT '考试成绩');
CREATE TABLE sys_user (id int, real_name varchar(50) COMMENT '姓名', mobile varchar(11) COMMENT '手机号');
CREATE TABLE qrtz_job_details (SCHED_NAME varchar(120), JOB_NAME varchar(200), JOB_CLASS_NAME varchar(250));
";
    let r = report(&[("exam.sql", sql)]);
    assert_eq!(
        tag(&r, "sys_user", "real_name"),
        Some(("name".into(), false))
    );
    // The same schema with a real class column is a school's.
    let school = sql.replace(
        "mobile varchar(11) COMMENT '手机号')",
        "mobile varchar(11) COMMENT '手机号', class_name varchar(20) COMMENT '班级')",
    );
    let r = report(&[("exam.sql", &school)]);
    assert_eq!(
        tag(&r, "sys_user", "real_name"),
        Some(("name".into(), true))
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
    for col in ["dosage", "advice"] {
        assert_eq!(
            tag(&r, "rx_prescription_item", col),
            Some(("health.medication".into(), true)),
            "rx_prescription_item.{col}"
        );
    }
    // How often and for how many days are part of the patient's medication, numbers
    // or not (issue #19: every descriptive column of one person's clinical record).
    for col in ["frequency", "days"] {
        assert_eq!(
            tag(&r, "rx_prescription_item", col),
            Some(("health.medication".into(), true)),
            "rx_prescription_item.{col}"
        );
    }
    // Keys, reference ids (a key of the drug table) and record keeping are not inherited.
    assert_eq!(tag(&r, "rx_prescription_item", "drug_id"), None);
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
    let f = ds.fields.iter().find(|f| f.name == "advice").unwrap();
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
fn staff_role_nouns_are_names_only_as_the_head_of_the_comment() {
    let r = report(&[(
        "r.sql",
        "CREATE TABLE repair_order (id int, operator varchar(20) COMMENT '操作人', salesman varchar(64) COMMENT '业务员',
           driver varchar(64) COMMENT '司机', liability_person varchar(64) COMMENT '责任人',
           liability_person_code varchar(64) COMMENT '责任人编码', apply_role varchar(64) COMMENT '申请人部门',
           accept_user_count int COMMENT '设置受理人数', cancel_reason varchar(200) COMMENT '申请人的复核理由',
           handler2 varchar(64) COMMENT '经办人2', applicant varchar(64) COMMENT '申请人，必填');",
    )]);
    for col in [
        "operator",
        "salesman",
        "driver",
        "liability_person",
        "handler2",
        "applicant",
    ] {
        assert_eq!(
            tag(&r, "repair_order", col).map(|t| t.0),
            Some("name".to_string()),
            "{col}"
        );
    }
    // The person noun modifies a code, a department, a count, a reason.
    for col in [
        "liability_person_code",
        "apply_role",
        "accept_user_count",
        "cancel_reason",
    ] {
        assert_eq!(tag(&r, "repair_order", col), None, "{col}");
    }
}

#[test]
fn a_persons_children_and_relatives_names_are_relatives_not_childrens_data() {
    let r = report(&[
        (
            "c.sql",
        "CREATE TABLE loan_customer (id int, name varchar(30) COMMENT '姓名', id_card varchar(18) COMMENT '身份证号',
           spouse_name varchar(30) COMMENT '配偶姓名', father_name varchar(30) COMMENT '贷款人父亲姓名',
           children_num int COMMENT '子女人数', is_have_children tinyint(1) COMMENT '是否有子女',
           children_time datetime COMMENT '子女');",
        ),
        (
            "g.sql",
            "CREATE TABLE member_contact (id int, member_id int, is_guardian tinyint(1) COMMENT '是否主要监护人');",
        ),
    ]);
    for col in [
        "spouse_name",
        "father_name",
        "children_num",
        "is_have_children",
    ] {
        assert_eq!(
            tag(&r, "loan_customer", col).map(|t| t.0),
            Some("relation.family".to_string()),
            "{col}"
        );
    }
    // A flag about a relative is a boolean (relation.family: flag or text),
    // a date is not.
    assert_eq!(
        tag(&r, "member_contact", "is_guardian").map(|t| t.0),
        Some("relation.family".to_string())
    );
    assert_eq!(tag(&r, "loan_customer", "children_time"), None);
    // The customer's own name stays a name, and not sensitive: an adult's
    // children counted from the parent's side do not make children's data.
    assert_eq!(
        tag(&r, "loan_customer", "name"),
        Some(("name".into(), false))
    );
}

#[test]
fn a_qualifier_before_the_comments_head_narrows_its_category() {
    let r = report(&[(
        "q.sql",
        "CREATE TABLE applicant (id int, name varchar(30), hj_addr varchar(128) COMMENT '户籍详细地址',
           reg_addr varchar(128) COMMENT '现户口登记地址', live_addr varchar(128) COMMENT '居住详细地址');",
    )]);
    for col in ["hj_addr", "reg_addr"] {
        assert_eq!(
            tag(&r, "applicant", col).map(|t| t.0),
            Some("address.household".to_string()),
            "{col}"
        );
    }
    assert_eq!(
        tag(&r, "applicant", "live_addr").map(|t| t.0),
        Some("address".to_string())
    );
}

#[test]
fn an_employment_records_dates_and_status_are_its_content_a_prescriptions_are_not() {
    let r = report(&[(
        "e.sql",
        "CREATE TABLE hr_leave_request (id bigint, emp_id bigint, start_date date, end_date date,
           status varchar(16), reason varchar(200), create_time datetime);
         CREATE TABLE rx_prescription (id bigint, patient_id bigint, dosage varchar(64),
           status varchar(16), start_date date, create_time datetime);",
    )]);
    for col in ["start_date", "end_date", "status", "reason"] {
        assert_eq!(
            tag(&r, "hr_leave_request", col).map(|t| t.0),
            Some("employment".to_string()),
            "{col}"
        );
    }
    // Audit times stay record keeping in every kind.
    assert_eq!(tag(&r, "hr_leave_request", "create_time"), None);
    // A prescription's workflow status and dates are record keeping.
    assert_eq!(
        tag(&r, "rx_prescription", "dosage").map(|t| t.0),
        Some("health.medication".to_string())
    );
    assert_eq!(tag(&r, "rx_prescription", "status"), None);
    assert_eq!(tag(&r, "rx_prescription", "start_date"), None);
}

#[test]
fn a_date_column_is_no_minors_marker() {
    let r = report(&[(
        "m.sql",
        "CREATE TABLE resident (id int, name varchar(30), id_card varchar(18), phone varchar(20),
           police_approve_et datetime, is_child tinyint(1));",
    )]);
    assert_eq!(tag(&r, "resident", "police_approve_et"), None);
    assert_eq!(
        tag(&r, "resident", "is_child").map(|t| t.0),
        Some("minor.under14".to_string())
    );
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

const AUDITED_NOTICE: &str =
    "CREATE TABLE sys_notice (id bigint, title varchar(50), mobile varchar(20),
  create_user varchar(64), update_by varchar(64), lock_user varchar(64), modify_user varchar(64));";

/// A service writing the session user's login name into `create_user` and
/// the user's id into `update_by`, and a fill handler doing the same.
const NOTICE_SERVICE: &str = r#"
package demo;
public class NoticeService {
    public void add(SysNotice notice) {
        notice.setCreateUser(SecurityUtils.getLoginUser().getUsername());
        notice.setUpdateBy(String.valueOf(SecurityUtils.getUserId()));
        notice.setLockUser("-1");
        notice.setModifyUser(SecurityUtils.getLoginUser().getRealName());
    }
}
"#;
const FILL_HANDLER: &str = r#"
package demo;
public class AuditFill implements MetaObjectHandler {
    public void insertFill(MetaObject meta) {
        this.strictInsertFill(meta, "createUser", String.class, SecurityUtils.getUsername());
        Long userId = SecurityUtils.getUserId();
        setFieldValByName("updateBy", userId.toString(), meta);
        this.strictUpdateFill(meta, "modifyUser", String.class, currentUser().getRealName());
    }
}
"#;

#[test]
fn operator_columns_hold_what_the_code_writes_into_them() {
    for (file, java) in [
        ("NoticeService.java", NOTICE_SERVICE),
        ("AuditFill.java", FILL_HANDLER),
    ] {
        let r = report(&[("n.sql", AUDITED_NOTICE), (file, java)]);
        // A login name written: the staff member's account, marked operator_audit.
        let created = pi(&r, "sys_notice", "create_user").expect("create_user tagged");
        assert_eq!(created.category, "account.username");
        assert!(
            created
                .evidence
                .iter()
                .any(|e| e.detail.contains("getUsername()") && e.detail.contains(file)),
            "{file}: {:?}",
            created.evidence
        );
        assert!(created.evidence.iter().any(|e| e.kind == "operator_audit"));
        // A user id written: a key, although `update_by` reads as a login name by its name.
        assert_eq!(tag(&r, "sys_notice", "update_by"), None, "{file}");
        // A literal says nothing: the default (no name cue for `lock_user`).
        assert_eq!(tag(&r, "sys_notice", "lock_user"), None, "{file}");
        // A user's own name written: `name`.
        assert_eq!(
            tag(&r, "sys_notice", "modify_user").map(|t| t.0),
            Some("name".to_string()),
            "{file}"
        );
    }
}

#[test]
fn without_code_evidence_operator_columns_keep_their_default_reading() {
    let r = report(&[("n.sql", AUDITED_NOTICE)]);
    // No code: `create_user` is not read as a login name, `update_by` is (its name cue).
    assert_eq!(tag(&r, "sys_notice", "create_user"), None);
    assert_eq!(tag(&r, "sys_notice", "modify_user"), None);
    let updated = pi(&r, "sys_notice", "update_by").expect("update_by tagged");
    assert_eq!(updated.category, "account.username");
    assert!(updated
        .evidence
        .iter()
        .any(|e| e.kind == "operator_audit" && e.detail.contains("no code writes")));
}

const HOSPITAL: &str = "
CREATE TABLE pms_patient (id bigint, name varchar(64), phone_no varchar(20)) COMMENT='病人基本信息表';
CREATE TABLE dms_drug (id bigint, name varchar(64), spec varchar(64)) COMMENT='药品表';
CREATE TABLE sms_dept (id bigint, name varchar(64)) COMMENT='科室';
CREATE TABLE dms_registration (id bigint, patient_id bigint, dept_id bigint, visit_state int)
  COMMENT='挂号';
CREATE TABLE dms_medicine_item_record (id bigint, registration_id varchar(32), drug_id bigint,
  excute_dept_id bigint, drug_id_list varchar(200), usage_means varchar(64), type int,
  log_datetime datetime) COMMENT='成药项记录';
CREATE TABLE clinic_insured (id bigint, name varchar(64), mobile varchar(20));
CREATE TABLE clinic_case_history (id bigint, insured_id bigint, treatment_plan varchar(500));
CREATE TABLE hr_department (id bigint, parent_id bigint, name varchar(64),
  leader_id bigint COMMENT '部门负责人（员工 ID）');
";

/// The tag of `table.column` itself.
fn pi(r: &Report, table: &str, column: &str) -> Option<piaudit::model::PiTag> {
    let ds = r.datasets.iter().find(|d| d.name == table).unwrap();
    ds.fields
        .iter()
        .find(|f| f.name == column)
        .unwrap()
        .pi
        .clone()
}

#[test]
fn reference_ids_are_keys_and_foreign_keys_to_person_tables_tie_the_record() {
    let r = report(&[("his.sql", HOSPITAL)]);
    // Reference ids of a prescription line (drug, department, a list of drug
    // ids) are keys of other tables: not PI, not inherited.
    for col in [
        "drug_id",
        "excute_dept_id",
        "drug_id_list",
        "type",
        "log_datetime",
    ] {
        assert_eq!(tag(&r, "dms_medicine_item_record", col), None, "{col}");
    }
    // `registration_id` resolves to `dms_registration` of the same schema: a
    // key, although `registration_id` is a device cue elsewhere (a push id).
    assert_eq!(tag(&r, "dms_medicine_item_record", "registration_id"), None);
    // The descriptive column inherits medication, as `context` evidence with
    // a confidence below the column's own cues.
    let usage = pi(&r, "dms_medicine_item_record", "usage_means").expect("usage_means tagged");
    assert_eq!(usage.category, "health.medication");
    assert!(usage.confidence < 0.7, "{}", usage.confidence);
    assert!(usage
        .evidence
        .iter()
        .all(|e| e.kind == "context" && e.detail.starts_with("record-level")));
    // A registration's department is a key too.
    assert_eq!(tag(&r, "dms_registration", "dept_id"), None);
    // `insured_id` names no person by itself; it resolves to the person
    // table `clinic_insured`, so the row is that person's case history.
    let plan = pi(&r, "clinic_case_history", "treatment_plan").expect("treatment_plan tagged");
    assert_eq!(plan.category, "health.medical_record");
    assert!(
        plan.evidence[0].detail.contains("clinic_insured"),
        "{:?}",
        plan.evidence
    );
    // An integer-typed person reference is a key even when its comment names a role.
    assert_eq!(tag(&r, "hr_department", "leader_id"), None);
}

const TREES: &str = "
CREATE TABLE iot_scene_script (id bigint, parent_id bigint, parent_name varchar(64),
  children varchar(500), script varchar(200));
CREATE TABLE stu_family (id bigint, student_id bigint, parent_name varchar(64), parent_phone varchar(20));
";

#[test]
fn tree_nodes_children_and_parents_are_not_relatives() {
    let r = report(&[("tree.sql", TREES)]);
    assert_eq!(tag(&r, "iot_scene_script", "parent_name"), None);
    assert_eq!(tag(&r, "iot_scene_script", "children"), None);
    // A pupil's parent is a relative.
    assert_eq!(
        tag(&r, "stu_family", "parent_name").map(|t| t.0),
        Some("relation.family".to_string())
    );
}

const SCHOOL: &str = "
CREATE TABLE sc_user (id int, mobile char(11) COMMENT '手机号码', nickname char(16) COMMENT '昵称')
  COMMENT='用户表';
CREATE TABLE sc_student (id int, username char(30) COMMENT '学生姓名', class_id int COMMENT '班级',
  tel char(11) COMMENT '家长手机号') COMMENT='学生';
CREATE TABLE sc_user_student (id int, user_id int, student_id int) COMMENT='用户学生关联';
CREATE TABLE sc_class (id int, name char(30) COMMENT '班级名称', grade_id int COMMENT '年级');
CREATE TABLE sc_score (id int, student_id int, score int COMMENT '分数') COMMENT='学生成绩';
";

#[test]
fn with_a_student_table_the_generic_user_table_is_not_pupils_data() {
    let r = report(&[("school.sql", SCHOOL)]);
    // The pupils' own table is children's data.
    assert_eq!(
        tag(&r, "sc_student", "username").map(|t| t.1),
        Some(true),
        "sc_student.username"
    );
    // The site accounts (parents, staff) are not: their phone is ordinary PI.
    assert_eq!(
        tag(&r, "sc_user", "mobile"),
        Some(("contact.phone".into(), false))
    );
}

const NETWORK: &str = "
CREATE TABLE member_user (id bigint, nickname varchar(30), register_ip varchar(32) COMMENT '注册 IP',
  face_url varchar(512) COMMENT '人脸地址', avatar varchar(255) COMMENT '头像');
CREATE TABLE machine (id bigint, machine_ip varchar(64) COMMENT '设备IP');
";

#[test]
fn registration_ip_and_face_photo_urls() {
    let r = report(&[("net.sql", NETWORK)]);
    assert_eq!(
        tag(&r, "member_user", "register_ip").map(|t| t.0),
        Some("network.ip".to_string())
    );
    // A face photo's “address” is its URL: biometric face image, not a postal address.
    assert_eq!(
        tag(&r, "member_user", "face_url").map(|t| t.0),
        Some("biometric.face".to_string())
    );
    // An avatar is a photo of the person, not biometric data.
    assert_eq!(
        tag(&r, "member_user", "avatar").map(|t| t.0),
        Some("image.face".to_string())
    );
    assert_eq!(tag(&r, "machine", "machine_ip"), None);
}

const ORGANISATIONS: &str = "
CREATE TABLE sys_dept (dept_id bigint, parent_id bigint, dept_name varchar(30),
  leader varchar(20) COMMENT '负责人', phone varchar(11) COMMENT '联系电话',
  email varchar(50) COMMENT '邮箱');
INSERT INTO sys_dept VALUES (1, 0, 'HQ', 'x', '15888888888', 'a@example.com'),
  (2, 1, 'R&D', 'y', '15888888889', 'b@example.com'), (3, 1, 'QA', 'z', '15888888887', 'c@example.com');
CREATE TABLE s_community (community_id varchar(30), name varchar(100), address varchar(200) COMMENT '小区地址',
  map_x varchar(20) COMMENT 'x坐标', map_y varchar(20) COMMENT 'y坐标', tel varchar(20) COMMENT '联系方式');
CREATE TABLE staff_community (id bigint, staff_id varchar(30), community_id varchar(30), community_name varchar(100));
CREATE TABLE biz_enterprise (id bigint, company_name varchar(128), reg_address varchar(256) COMMENT '注册地址',
  legal_person varchar(64) COMMENT '法定代表人姓名', legal_person_id_no varchar(18) COMMENT '法定代表人身份证号',
  contact_name varchar(64) COMMENT '联系人', contact_mobile varchar(20) COMMENT '联系人手机');
CREATE TABLE shop (id bigint, user_id bigint, shop_name varchar(64), phone varchar(20) COMMENT '联系电话');
";

#[test]
fn an_organisations_own_contact_data_is_not_pi_its_contact_persons_is() {
    let r = report(&[("org.sql", ORGANISATIONS)]);
    // A department's phone and e-mail are the department's, even when seed
    // rows hold mobile numbers; its head is a person.
    assert_eq!(tag(&r, "sys_dept", "phone"), None);
    assert_eq!(tag(&r, "sys_dept", "email"), None);
    assert_eq!(tag(&r, "sys_dept", "leader"), Some(("name".into(), false)));
    // A residential community's address, coordinates and phone are a place's.
    // `community_id` is the table's own key, not a link to `staff_community`.
    for col in ["address", "map_x", "map_y", "tel"] {
        assert_eq!(tag(&r, "s_community", col), None, "{col}");
    }
    // An enterprise's registered address is not PI; its legal representative
    // and contact person are natural persons (their columns do not make the
    // row a person's).
    assert_eq!(tag(&r, "biz_enterprise", "reg_address"), None);
    assert_eq!(
        tag(&r, "biz_enterprise", "contact_mobile"),
        Some(("contact.phone".into(), false))
    );
    assert!(tag(&r, "biz_enterprise", "legal_person_id_no").is_some());
    // A shop tied to its owner (`user_id`) is not an organisation's row: the
    // phone stays the owner's.
    assert_eq!(
        tag(&r, "shop", "phone"),
        Some(("contact.phone".into(), false))
    );
}

#[test]
fn a_things_name_is_not_a_persons_name() {
    let r = report(&[("org.sql", ORGANISATIONS)]);
    // `staff_community` is about staff, yet `community_name` names a place.
    assert_eq!(tag(&r, "staff_community", "community_name"), None);
    let people = "CREATE TABLE crm_customer (id bigint, real_name varchar(50),
      contact_name varchar(50), room_name varchar(50), customer_name varchar(50));";
    let r = report(&[("crm.sql", people)]);
    // Person words and name qualifiers before `name` keep it a person's name.
    for col in ["real_name", "contact_name", "customer_name"] {
        assert_eq!(
            tag(&r, "crm_customer", col).map(|t| t.0),
            Some("name".into()),
            "{col}"
        );
    }
    assert_eq!(tag(&r, "crm_customer", "room_name"), None);
}

/// `piaudit explain FIELD --lang en` over a folder holding `sql` as `file`.
fn explainer(file: &str, sql: &str) -> (tempfile::TempDir, impl Fn(&str) -> String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), sql).unwrap();
    let root = dir.path().to_path_buf();
    let explain = move |field: &str| {
        let out = crate::common::piaudit()
            .args(["explain", field, "--lang", "en"])
            .arg(&root)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    (dir, explain)
}

#[test]
fn explain_says_why_organisation_data_and_thing_names_are_not_pi() {
    let (_dir, explain) = explainer("org.sql", ORGANISATIONS);
    let text = explain("s_community.tel");
    assert!(
        text.contains("table subject: organisation, place or machine (`community`)"),
        "{text}"
    );
    let text = explain("staff_community.community_name");
    assert!(
        text.contains("`community` before it names a thing"),
        "{text}"
    );
    // The head's column is not explained away.
    let text = explain("sys_dept.leader");
    assert!(!text.contains("table subject: organisation"), "{text}");
}

/// An allergy record tied to its person only by a declared foreign key: the
/// column (`subject`) is named unlike its target and names no person.
const DECLARED_FK: &str = "
CREATE TABLE member (id int PRIMARY KEY, real_name varchar(50), mobile varchar(20), id_card varchar(18));
CREATE TABLE allergen_dict (id int PRIMARY KEY, code varchar(20), label varchar(50));
CREATE TABLE allergy_entry (
  id int PRIMARY KEY,
  subject int REFERENCES member(id),
  agent int,
  severity_level varchar(20),
  reaction varchar(200),
  onset_note text,
  CONSTRAINT fk_agent FOREIGN KEY (agent) REFERENCES allergen_dict (id)
);
";

#[test]
fn a_declared_foreign_key_alone_ties_a_record_to_its_person() {
    let r = report(&[("clinic.sql", DECLARED_FK)]);
    for col in ["reaction", "onset_note", "severity_level"] {
        assert_eq!(
            tag(&r, "allergy_entry", col),
            Some(("health.medical_record".into(), true)),
            "allergy_entry.{col}"
        );
    }
    // The linking column and the key of the dictionary are keys, not PI.
    assert_eq!(tag(&r, "allergy_entry", "subject"), None);
    assert_eq!(tag(&r, "allergy_entry", "agent"), None);
    // The evidence names the declared key.
    let reaction = pi(&r, "allergy_entry", "reaction").unwrap();
    assert!(
        reaction.evidence.iter().any(|e| e
            .detail
            .contains("declared foreign key `subject` → `member`")),
        "{:?}",
        reaction.evidence
    );
    // The facts carry the target.
    let ds = r
        .datasets
        .iter()
        .find(|d| d.name == "allergy_entry")
        .unwrap();
    let subject = ds.fields.iter().find(|f| f.name == "subject").unwrap();
    let target = subject.references.as_ref().expect("references");
    assert_eq!(
        (target.table.as_str(), target.column.as_deref()),
        ("member", Some("id"))
    );
}

#[test]
fn without_the_declared_key_the_record_has_no_person() {
    let plain = DECLARED_FK.replace(" REFERENCES member(id)", "").replace(
        ",\n  CONSTRAINT fk_agent FOREIGN KEY (agent) REFERENCES allergen_dict (id)",
        "",
    );
    let r = report(&[("clinic.sql", &plain)]);
    for col in ["reaction", "onset_note"] {
        assert_ne!(
            tag(&r, "allergy_entry", col).map(|t| t.0),
            Some("health.medical_record".to_string()),
            "allergy_entry.{col}"
        );
    }
    // A declared key to a table that is not about persons ties nothing.
    let to_dict = DECLARED_FK.replace("REFERENCES member(id)", "REFERENCES allergen_dict(id)");
    let r = report(&[("clinic.sql", &to_dict)]);
    assert_ne!(
        tag(&r, "allergy_entry", "reaction").map(|t| t.0),
        Some("health.medical_record".to_string())
    );
}

/// A declared key wins over naming: `patient_id` declared to point to a
/// ward table is not a link to the patient table its name suggests.
#[test]
fn a_declared_foreign_key_wins_over_naming() {
    let sql = "
CREATE TABLE his_patient (id int PRIMARY KEY, real_name varchar(50), mobile varchar(20));
CREATE TABLE ward_bed (id int PRIMARY KEY, code varchar(20));
CREATE TABLE diagnosis_note (id int, patient_id int, finding text,
  FOREIGN KEY (patient_id) REFERENCES ward_bed (id));
";
    let r = report(&[("his.sql", sql)]);
    assert_ne!(
        tag(&r, "diagnosis_note", "finding").map(|t| t.0),
        Some("health.medical_record".to_string())
    );
    // By naming alone it is the patient's record.
    let named = sql.replace(",\n  FOREIGN KEY (patient_id) REFERENCES ward_bed (id)", "");
    let r = report(&[("his.sql", &named)]);
    assert_eq!(
        tag(&r, "diagnosis_note", "finding").map(|t| t.0),
        Some("health.medical_record".to_string())
    );
}

/// `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` in a later migration file
/// ties the record defined in an earlier one.
#[test]
fn a_foreign_key_added_by_alter_table_in_another_file_counts() {
    let create = DECLARED_FK.replace(" REFERENCES member(id)", "");
    let r = report(&[
        ("V1__init.sql", &create),
        (
            "V2__fk.sql",
            "ALTER TABLE allergy_entry ADD CONSTRAINT fk_subject FOREIGN KEY (subject) REFERENCES member (id);",
        ),
    ]);
    assert_eq!(
        tag(&r, "allergy_entry", "reaction"),
        Some(("health.medical_record".into(), true))
    );
}

/// A person attribute (a salary) counts in a table tied to a person only by
/// a declared foreign key; without it the table is not about persons.
#[test]
fn a_declared_foreign_key_makes_a_table_about_persons() {
    let sql = "
CREATE TABLE member (id int PRIMARY KEY, real_name varchar(50), mobile varchar(20));
CREATE TABLE comp_entry (id int PRIMARY KEY, holder int REFERENCES member(id), base_salary decimal(10,2));
";
    let r = report(&[("hr.sql", sql)]);
    assert_eq!(
        tag(&r, "comp_entry", "base_salary").map(|t| t.0),
        Some("finance.income".to_string())
    );
    let r = report(&[("hr.sql", &sql.replace(" REFERENCES member(id)", ""))]);
    assert_eq!(tag(&r, "comp_entry", "base_salary"), None);
}

/// A JPA entity tied to a person entity by `@ManyToOne @JoinColumn` only.
#[test]
fn a_jpa_join_column_ties_a_record_entity_to_its_person() {
    let patient = "@Entity\n@Table(name = \"his_patient\")\npublic class Patient {\n  @Id private Long id;\n  @Column(name = \"real_name\") private String realName;\n  @Column(name = \"mobile\") private String mobile;\n  @Column(name = \"id_card\") private String idCard;\n}\n";
    let allergy = "@Entity\n@Table(name = \"allergy_entry\")\npublic class AllergyEntry {\n  @Id private Long id;\n  @ManyToOne\n  @JoinColumn(name = \"subject\")\n  private Patient who;\n  @Column(name = \"reaction\") private String reaction;\n}\n";
    let r = report(&[("Patient.java", patient), ("AllergyEntry.java", allergy)]);
    assert_eq!(
        tag(&r, "allergy_entry", "reaction"),
        Some(("health.medical_record".into(), true))
    );
    assert_eq!(tag(&r, "allergy_entry", "subject"), None);
    // A plain field of that type, no relation annotation: no link.
    let plain = allergy.replace(
        "  @ManyToOne\n  @JoinColumn(name = \"subject\")\n",
        "  @Column(name = \"subject\")\n",
    );
    let r = report(&[("Patient.java", patient), ("AllergyEntry.java", &plain)]);
    assert_ne!(
        tag(&r, "allergy_entry", "reaction").map(|t| t.0),
        Some("health.medical_record".to_string())
    );
}

#[test]
fn explain_shows_the_declared_foreign_key() {
    let (_dir, explain) = explainer("clinic.sql", DECLARED_FK);
    let text = explain("allergy_entry.subject");
    assert!(
        text.contains("reference id: declared foreign key `subject` → `member` (a person table)"),
        "{text}"
    );
    let text = explain("allergy_entry.agent");
    assert!(
        text.contains("declared foreign key `agent` → `allergen_dict`:"),
        "{text}"
    );
    assert!(!text.contains("(a person table)"), "{text}");
    let text = explain("allergy_entry.reaction");
    assert!(
        text.contains("tied to a person by declared foreign key `subject` → `member`"),
        "{text}"
    );
}

/// A loan consultation refers to its customer; the sections of the application
/// (property, credit report, marriage) refer only to the consultation.
const LOAN_APPLICATION: &str = "
CREATE TABLE ln_consult (id int, customer_id int, product_id int, status varchar(8)) COMMENT='咨询表';
CREATE TABLE ln_property_information (id int, consult_id int, create_time datetime,
  property_area decimal(20,2), floor varchar(64), orientation varchar(64)) COMMENT='房产信息表';
CREATE TABLE ln_credit_information (id int, consult_id int, bad_debt int,
  secured_loan varchar(64)) COMMENT='征信信息表';
CREATE TABLE ln_marriage_information (id int, consult_id int, divorce_agreement varchar(255))
  COMMENT='婚姻信息表';
CREATE TABLE ln_product (id int, product_name varchar(64), floor varchar(64)) COMMENT='房产产品';
CREATE TABLE ln_house_stock (id int, product_id int, floor varchar(64)) COMMENT='房产库存';
";

#[test]
fn a_key_to_a_table_of_one_persons_rows_ties_a_record_to_that_person() {
    let r = report(&[("loan.sql", LOAN_APPLICATION)]);
    // `consult_id` → `ln_consult`, whose rows refer to a customer: each section is
    // the borrower's property, credit or marital record.
    for col in ["property_area", "floor", "orientation"] {
        assert_eq!(
            tag(&r, "ln_property_information", col),
            Some(("finance.property".into(), true)),
            "ln_property_information.{col}"
        );
    }
    assert_eq!(
        tag(&r, "ln_credit_information", "bad_debt"),
        Some(("finance.credit".into(), true))
    );
    assert_eq!(
        tag(&r, "ln_marriage_information", "divorce_agreement"),
        Some(("demographic.marital".into(), true))
    );
    // The key and the record keeping are not inherited.
    assert_eq!(tag(&r, "ln_property_information", "consult_id"), None);
    assert_eq!(tag(&r, "ln_property_information", "create_time"), None);
    // The evidence names the chain.
    let ds = r
        .datasets
        .iter()
        .find(|d| d.name == "ln_property_information")
        .unwrap();
    let f = ds.fields.iter().find(|f| f.name == "floor").unwrap();
    assert!(f
        .pi
        .as_ref()
        .unwrap()
        .evidence
        .iter()
        .any(|e| e.kind == "context"
            && e.detail.contains("`consult_id` → `ln_consult`")
            && e.detail.contains("`customer_id`")));
    // A key to a table that refers to no person ties nothing: a stock of houses
    // for sale is nobody's property record.
    assert_eq!(tag(&r, "ln_house_stock", "floor"), None);
    assert_eq!(tag(&r, "ln_product", "floor"), None);
}

#[test]
fn a_quantity_of_goods_is_no_transaction_but_an_order_lines_product_quantity_is() {
    let r = report(&[(
        "orders.sql",
        "CREATE TABLE tm_transport_order_sku (id int, order_no varchar(32), ea_quantity decimal(18,4),
           pl_quantity decimal(18,4), quantity decimal(18,4));
         CREATE TABLE oms_order_item (id int, order_id int, member_id int, product_quantity int,
           product_name varchar(64));",
    )]);
    for col in ["ea_quantity", "pl_quantity", "quantity"] {
        assert_eq!(tag(&r, "tm_transport_order_sku", col), None, "{col}");
    }
    assert_eq!(
        tag(&r, "oms_order_item", "product_quantity").map(|t| t.0),
        Some("finance.transaction".to_string())
    );
}

#[test]
fn a_record_holding_its_persons_own_phone_is_that_persons_record() {
    let r = report(&[(
        "hr.sql",
        "CREATE TABLE hr_interview (id bigint, job_posting_id bigint, candidate_name varchar(64),
           phone varchar(32), interview_round int, interview_comment varchar(1000),
           create_time datetime);
         CREATE TABLE hr_interview_slot (id bigint, job_posting_id bigint, interview_round int,
           interview_comment varchar(1000));
         CREATE TABLE hr_interview_plan (id bigint, job_posting_id bigint, interview_round int,
           interview_comment varchar(1000), create_by varchar(64));",
    )]);
    // No key to a person table, but the row holds the candidate's own phone.
    for col in ["interview_round", "interview_comment"] {
        assert_eq!(
            tag(&r, "hr_interview", col).map(|t| t.0),
            Some("employment".to_string()),
            "hr_interview.{col}"
        );
    }
    // The anchor keeps its own tag; record keeping is not inherited.
    assert_eq!(
        tag(&r, "hr_interview", "phone").map(|t| t.0),
        Some("contact.phone".to_string())
    );
    assert_eq!(tag(&r, "hr_interview", "create_time"), None);
    let ds = r
        .datasets
        .iter()
        .find(|d| d.name == "hr_interview")
        .unwrap();
    let f = ds
        .fields
        .iter()
        .find(|f| f.name == "interview_comment")
        .unwrap();
    assert!(f.pi.as_ref().unwrap().evidence.iter().any(
        |e| e.kind == "context" && e.detail.contains("its own contact.phone column \"phone\"")
    ));
    // Without a person column, a key to one or an anchor the rows are nobody's
    // (a schedule of interview slots).
    assert_eq!(tag(&r, "hr_interview_slot", "interview_comment"), None);
    // The staff member who kept the record (an operator column holding a login
    // name) is not whom the record is about.
    assert_eq!(
        tag(&r, "hr_interview_plan", "create_by").map(|t| t.0),
        Some("account.username".to_string())
    );
    assert_eq!(tag(&r, "hr_interview_plan", "interview_comment"), None);
}
