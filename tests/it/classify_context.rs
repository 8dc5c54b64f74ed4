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
