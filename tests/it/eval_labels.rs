//! `piaudit eval` and its labels file as a user meets them: the layout
//! `--help` describes is the one read, flags are yes/no in their usual
//! spellings, and a bad row or an unknown category exits 2 naming FILE:LINE.

use crate::common::piaudit;
use std::fs;
use std::path::Path;

const SCHEMA: &str = "CREATE TABLE member (id INT COMMENT '主键', \
     mobile CHAR(11) COMMENT '手机号码', remark VARCHAR(200) COMMENT '备注');";
const HEADER: &str = "repo,file,table,column,is_pi,category,sensitive\n";

fn setup(labels: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/a.sql"), SCHEMA).unwrap();
    let csv = dir.path().join("labels.csv");
    fs::write(&csv, labels).unwrap();
    (dir, csv)
}

fn eval(root: &Path, csv: &Path) -> assert_cmd::assert::Assert {
    piaudit()
        .args(["eval", "--profile", "gbt35273", "--labels"])
        .arg(csv)
        .arg(root.join("src"))
        .assert()
}

#[test]
fn numeric_and_boolean_flags_are_read_as_yes_and_no() {
    let (dir, csv) = setup(&format!(
        "{HEADER}o/r,src/a.sql,member,id,0,,0\n\
         o/r,src/a.sql,member,mobile,1,contact.phone,false\n\
         o/r,src/a.sql,member,remark,n,,\n"
    ));
    let out = eval(dir.path(), &csv).code(0).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    // `mobile` labelled PI with `1`: one true positive, not a false negative.
    assert!(text.contains("columns matched: 3 (missing 0)"), "{text}");
    assert!(text.contains("(tp 1 fp 0 fn 0)"), "{text}");
}

#[test]
fn a_label_naming_a_further_definition_of_the_table_is_matched() {
    // The same table in a second file (a migration, a dialect port, or DDL
    // merged with its ORM entity) is one dataset located at the first file;
    // labels written against the second file still find its columns.
    let (dir, csv) = setup(&format!(
        "{HEADER}o/r,src/b.sql,member,id,no,,no\n\
         o/r,src/b.sql,member,mobile,yes,contact.phone,no\n\
         o/r,src/c.sql,member,mobile,yes,contact.phone,no\n"
    ));
    fs::write(dir.path().join("src/b.sql"), SCHEMA).unwrap();
    let out = eval(dir.path(), &csv).code(0).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    // c.sql does not exist: that label stays missing.
    assert!(text.contains("columns matched: 2 (missing 1)"), "{text}");
    assert!(text.contains("(tp 1 fp 0 fn 0)"), "{text}");
}

#[test]
fn an_unreadable_flag_exits_2_naming_file_and_line() {
    let (dir, csv) = setup(&format!(
        "{HEADER}o/r,src/a.sql,member,id,no,,no\no/r,src/a.sql,member,mobile,ja,contact.phone,no\n"
    ));
    let err = eval(dir.path(), &csv).code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("labels.csv:3:") && err.contains("`ja`"),
        "{err}"
    );
}

#[test]
fn a_short_row_exits_2_naming_file_and_line() {
    let (dir, csv) = setup(&format!("{HEADER}o/r,src/a.sql,member,mobile,yes\n"));
    let err = eval(dir.path(), &csv).code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("labels.csv:2:"), "{err}");
}

#[test]
fn an_unknown_category_exits_2_naming_file_and_line() {
    let (dir, csv) = setup(&format!(
        "{HEADER}o/r,src/a.sql,member,id,no,,no\n\
         o/r,src/a.sql,member,mobile,yes,contact.mobile,no\n"
    ));
    let err = eval(dir.path(), &csv).code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("labels.csv:3:") && err.contains("contact.mobile"),
        "{err}"
    );
    // A coarser prefix of a taxonomy id is accepted.
    let (dir, csv) = setup(&format!(
        "{HEADER}o/r,src/a.sql,member,mobile,yes,contact,no\n"
    ));
    eval(dir.path(), &csv).code(0);
}

#[test]
fn help_describes_the_columns_the_reader_uses() {
    let out = piaudit()
        .args(["eval", "--help"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for word in [
        "`file`",
        "`table`",
        "`column`",
        "`is_pi`",
        "`category`",
        "`sensitive_35273`",
        "1/0",
        "FILE:LINE",
    ] {
        assert!(text.contains(word), "{word} missing from:\n{text}");
    }
}
