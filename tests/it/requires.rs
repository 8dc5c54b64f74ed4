//! Evidence before assertion (issue #18 item 2): a rule's `requires:` facts,
//! the "not assessable" rows of the obligations matrix, and password and
//! protection evidence on findings.

use crate::common::piaudit;
use std::fs;

/// A rule whose `requires` names an unknown fact is refused at load: exit 2
/// naming the rule file and the line of `requires`.
#[test]
fn an_unknown_required_fact_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE member (id BIGINT, mobile VARCHAR(11) COMMENT '手机号码');",
    )
    .unwrap();
    let rules = dir.path().join("rules/packs/cn-2026");
    fs::create_dir_all(&rules).unwrap();
    let original = piaudit::data::DataFiles::embedded()
        .get("packs/cn-2026/CNPI-066.yaml")
        .expect("CNPI-066 is built in")
        .to_string();
    let bad = original.replace(
        "requires: [declarations.incident]",
        "requires: [declarations.incident_plan]",
    );
    assert_ne!(bad, original, "CNPI-066 states `requires`");
    let line = bad
        .lines()
        .position(|l| l.starts_with("requires:"))
        .unwrap()
        + 1;
    fs::write(rules.join("CNPI-066.yaml"), &bad).unwrap();
    let a = piaudit()
        .args(["scan", "--rules"])
        .arg(dir.path().join("rules"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg(dir.path().join("a.sql"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.contains(&format!("CNPI-066.yaml:{line}")) && err.contains("incident_plan"),
        "{err}"
    );
    assert!(
        err.contains("known keys"),
        "the error lists the keys: {err}"
    );
}

/// Undeclared organisational facts are not findings: the matrix says what to
/// declare. Declared as not met (`incident: {}`), the finding comes back.
#[test]
fn undeclared_incident_plan_is_not_assessable_and_declared_none_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE member (id BIGINT, mobile VARCHAR(11) COMMENT '手机号码');",
    )
    .unwrap();
    let scan = |decl: &str| {
        fs::write(dir.path().join("piaudit.yaml"), decl).unwrap();
        let out = dir.path().join("out");
        let _ = fs::remove_dir_all(&out);
        let run = piaudit()
            .args([
                "scan",
                "--deterministic",
                "--lang",
                "en",
                "--format",
                "json,html",
                "--out",
            ])
            .arg(&out)
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(matches!(run.status.code(), Some(0 | 1)), "{run:?}");
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
        let rules: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        // report.json lists the same rows under `not_assessable`.
        let unassessable: Vec<(String, String)> = json["not_assessable"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| {
                (
                    n["rule"].as_str().unwrap().to_string(),
                    n["provide"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (
            rules,
            fs::read_to_string(out.join("report.html")).unwrap(),
            unassessable,
        )
    };
    let (rules, html, unassessable) = scan("version: 1\n");
    assert!(!rules.contains(&"CNPI-066".to_string()), "{rules:?}");
    assert!(
        unassessable
            .iter()
            .any(|(r, p)| r == "CNPI-066" && p.contains("Declare `incident` in piaudit.yaml")),
        "{unassessable:?}"
    );
    assert!(
        html.contains("CNPI-066</code> <span lang=\"zh\">无法评估")
            && html.contains("not assessable: Declare `incident` in piaudit.yaml"),
        "the matrix names the rule and what to declare"
    );
    let (rules, html, unassessable) = scan("version: 1\nincident: {}\n");
    assert!(rules.contains(&"CNPI-066".to_string()), "{rules:?}");
    assert!(!unassessable.iter().any(|(r, _)| r == "CNPI-066"));
    assert!(!html.contains("CNPI-066</code> <span lang=\"zh\">无法评估"));
}

/// Password columns are judged on evidence, with `evidence` and
/// `confidence` on the finding; bcrypt seeds and salts are never findings.
#[test]
fn password_findings_carry_their_evidence_and_confidence() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("schema.sql"),
        "CREATE TABLE sms_staff (id BIGINT, password VARCHAR(64) COMMENT '密码', salt VARCHAR(16) COMMENT '盐');\n\
         INSERT INTO sms_staff (id, password, salt) VALUES (1, '$2a$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZa', 'x1');\n\
         CREATE TABLE admin_user (id BIGINT, login_password VARCHAR(50) COMMENT '登录密码');\n\
         INSERT INTO admin_user (id, login_password) VALUES (1, '0123456789abcdef0123456789abcdef');\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    piaudit()
        .args(["scan", "--deterministic", "--format", "json", "--out"])
        .arg(&out)
        .arg(dir.path())
        .assert()
        .code(1);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let on = |col: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| {
                // A field rule's finding lists its columns in `fields`.
                f["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain(f["fields"].as_array().into_iter().flatten())
                    .any(|s| s.as_str().unwrap().ends_with(col))
            })
            .filter(|f| ["CNPI-020", "CNPI-021"].contains(&f["rule"].as_str().unwrap()))
            .collect()
    };
    assert!(
        on("sms_staff.password").is_empty(),
        "bcrypt seeds: no finding"
    );
    assert!(on("sms_staff.salt").is_empty(), "a salt is not a secret");
    let md5 = on("admin_user.login_password");
    assert_eq!(md5.len(), 1, "{md5:?}");
    assert_eq!(md5[0]["rule"], "CNPI-021");
    assert_eq!(md5[0]["confidence"], "confirmed");
    // The tag's own line first (the grouping's), then the hash evidence.
    let evidence = md5[0]["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 2, "{evidence:?}");
    assert!(
        evidence[0]
            .as_str()
            .unwrap()
            .starts_with("admin_user.login_password 标记为 account.credentials"),
        "{evidence:?}"
    );
    assert_eq!(evidence[1], "stored_hash MD5 (schema.sql:4)");
    let raw = fs::read_to_string(out.join("report.json")).unwrap();
    assert!(
        !raw.contains("0123456789abcdef0123456789abcdef") && !raw.contains("$2a$10$abc"),
        "no stored value leaves in the report"
    );
}

/// `requires` and `if_unassessable` go together: one without the other is
/// refused at load, naming the rule file.
#[test]
fn requires_without_its_text_is_refused() {
    use piaudit::data::DataFiles;
    let mut pairs: Vec<(String, String)> = DataFiles::embedded()
        .under("")
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let i = pairs
        .iter()
        .position(|(p, _)| p == "packs/cn-2026/CNPI-066.yaml")
        .unwrap();
    let text = pairs[i].1.clone();
    let start = text.find("if_unassessable:").unwrap();
    let end = start + text[start..].find("\nwhen:").unwrap() + 1;
    pairs[i].1 = format!("{}{}", &text[..start], &text[end..]);
    let files = DataFiles::from_pairs(pairs.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let err = piaudit::Knowledge::load(&files, "cn-2026", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CNPI-066.yaml") && err.contains("`requires` without `if_unassessable`"),
        "{err}"
    );
}
