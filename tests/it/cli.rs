//! Exit codes and error messages of the binary, as a user meets them.

use crate::common::piaudit;
use std::fs;

#[test]
fn clean_input_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE product (id INT, title VARCHAR(100) COMMENT '商品标题');",
    )
    .unwrap();
    let out = dir.path().join("out");
    piaudit()
        .args(["scan", "--format", "json", "--out"])
        .arg(&out)
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(out.join("report.json").exists());
    assert!(!out.join("report.html").exists());
}

#[test]
fn findings_exit_1_and_fail_on_raises_the_bar() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE member (id INT, mobile CHAR(11) COMMENT '手机号码');",
    )
    .unwrap();
    let out = dir.path().join("out");
    // Only a low finding (PI inventory not declared) and info ones.
    piaudit()
        .args(["scan", "--format", "json", "--out"])
        .arg(&out)
        .arg(dir.path())
        .assert()
        .code(1);
    piaudit()
        .args(["scan", "--format", "json", "--fail-on", "high", "--out"])
        .arg(&out)
        .arg(dir.path())
        .assert()
        .code(0);
}

#[test]
fn missing_root_exits_2() {
    let out = tempfile::tempdir().unwrap();
    let a = piaudit()
        .args(["scan", "/nonexistent/piaudit-root", "--out"])
        .arg(out.path())
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("/nonexistent/piaudit-root"), "{err}");
}

#[test]
fn invalid_declarations_exit_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.sql"), "CREATE TABLE t (id INT);").unwrap();
    fs::write(
        dir.path().join("piaudit.yaml"),
        "version: 1\norganisation:\n  name: 示例\n  nmae: typo\n",
    )
    .unwrap();
    let a = piaudit()
        .args(["scan", "--out"])
        .arg(dir.path().join("out"))
        .arg(dir.path())
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.contains("piaudit.yaml:4:") && err.contains("organisation.nmae"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["scan", ".", "--format", "pdf"],
        vec!["scan", ".", "--fail-on", "severe"],
        vec!["scan", ".", "--profile", "gbt0000"],
        vec!["scan", ".", "--pack", "cn-1999"],
        vec!["scan", ".", "--dialect", "cobol"],
        vec!["scan", ".", "--lang", "fr"],
    ] {
        let out = tempfile::tempdir().unwrap();
        let a = piaudit()
            .args(&args)
            .arg("--out")
            .arg(out.path())
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(err.contains("piaudit: error:"), "{args:?}: {err}");
    }
}

#[test]
fn unparsable_statements_are_diagnostics_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("mixed.sql"),
        "CREATE TABLE a (id INT, phone CHAR(11) COMMENT '手机号码');\nTHIS IS NOT SQL;\nCREATE TABLE b (id INT, email VARCHAR(64) COMMENT '邮箱');\n",
    )
    .unwrap();
    fs::write(dir.path().join("blob.sql"), b"\x00\x01\x02binary").unwrap();
    let out = dir.path().join("out");
    piaudit()
        .args(["scan", "--format", "json", "--out"])
        .arg(&out)
        .arg(dir.path())
        .assert()
        .code(1);
    let r: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let names: Vec<&str> = r["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"], "the statement after the bad one is kept");
    let diag = &r["scan"]["diagnostics"][0];
    assert_eq!(diag["file"], "mixed.sql");
    assert_eq!(diag["line"], 2);
    assert!(
        diag["message"].as_str().unwrap().contains("(mysql)"),
        "{diag}"
    );
    assert_eq!(r["scan"]["files_skipped"][0]["file"], "blob.sql");
    assert_eq!(r["scan"]["files_skipped"][0]["reason"], "binary");
    assert_eq!(r["scan"]["coverage"]["statements_total"], 3);
    assert_eq!(r["scan"]["coverage"]["statements_parsed"], 2);
}

#[test]
fn rules_command_lists_the_pack() {
    let a = piaudit().args(["rules", "--lang", "en"]).assert().code(0);
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    let row = out
        .lines()
        .find(|l| l.starts_with("CNPI-020 "))
        .unwrap_or_else(|| panic!("{out}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &cols[..3],
        ["CNPI-020", "high", "PIPL-51,CSL-44,GBT35273-6.3"],
        "{row}"
    );
    assert!(out.lines().count() > 40, "{out}");
    let a = piaudit().args(["rules", "test"]).assert().code(0);
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(out.contains("0 failures"), "{out}");
    piaudit()
        .args(["rules", "show", "CNPI-999"])
        .assert()
        .code(2);
}

#[test]
fn literal_pi_in_sql_never_reaches_the_reports() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sql");
    let out = tempfile::tempdir().unwrap();
    piaudit()
        .args(["scan", "--format", "json,html", "--out"])
        .arg(out.path())
        .arg(&fixture)
        .assert()
        .code(1);
    // Values that appear in the fixtures' INSERT and COPY rows.
    for value in ["110101199003070000", "13800000000", "张三", "北京市东城区"] {
        for f in ["report.json", "report.html"] {
            let text = fs::read_to_string(out.path().join(f)).unwrap();
            assert!(!text.contains(value), "{f} leaks `{value}`");
        }
    }
}

#[test]
fn explain_prints_cues_in_both_languages_and_errs_on_unknown_fields() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE member (id INT, sjhm CHAR(11) COMMENT '手机号码', level_flag TINYINT);",
    )
    .unwrap();
    let out = piaudit()
        .args(["explain", "member.sjhm", "--lang", "en"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("tagged contact.phone"), "{text}");
    assert!(text.contains("pinyin cue 'sjhm'"), "{text}");
    assert!(text.contains("weight 0.90"), "{text}");
    let out = piaudit()
        .args(["explain", "member.sjhm", "--lang", "zh-CN"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("标记为 contact.phone"), "{text}");
    let out = piaudit()
        .args(["explain", "member.sjhm", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["pi"]["category"], "contact.phone");
    assert!(!v[0]["cues"]["counted"].as_array().unwrap().is_empty());
    piaudit()
        .args(["explain", "member.nope"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn eval_prints_precision_recall_f1() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE member (id INT, sjhm CHAR(11) COMMENT '手机号码', remark VARCHAR(200));",
    )
    .unwrap();
    let labels = dir.path().join("labels.csv");
    fs::write(
        &labels,
        "repo,file,table,column,is_pi,category,sensitive\n\
         x,a.sql,member,id,no,,no\n\
         x,a.sql,member,sjhm,yes,contact.phone,no\n\
         x,a.sql,member,remark,yes,name,no\n",
    )
    .unwrap();
    let out = piaudit()
        .args(["eval", "--labels"])
        .arg(&labels)
        .arg(dir.path().join("a.sql"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // One true positive (sjhm), one false negative (remark): R = 0.5.
    assert!(text.contains("R 0.500"), "{text}");
    assert!(text.contains("P 1.000"), "{text}");
    assert!(text.contains("member.remark"), "{text}");
}
