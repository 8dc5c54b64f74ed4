//! `piaudit merge`: reports of two repositories combined into one audit.
//! Repository A defines a PI table with opaque column names (only the
//! comments say what they hold); repository B only has an ETL job copying
//! it. Neither scan alone sees PI flowing; the merged audit does.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

const ID_CARD: &str = "repo_a/schema.sql#dw.user_info.col_07";
const COPY: &str = "repo_b/etl/export_user.sql#rpt.user_snapshot.c7";
const ALL_FORMATS: &str = "json,html,sarif,md,junit,csv,dot,mermaid,openlineage";

fn piaudit() -> Command {
    let mut c = crate::common::piaudit();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Scans a fixture repository into `out/report.json`.
fn scan(repo: &str, out: &Path) -> PathBuf {
    piaudit()
        .args(["scan", "--deterministic", "--as-of", "2026-01-01"])
        .args(["--format", "json", "-q", "--out"])
        .arg(out)
        .arg(format!("tests/fixtures/merge/{repo}"))
        .assert()
        .code(vec![0, 1]);
    out.join("report.json")
}

fn merge(reports: &[&Path], out: &Path) -> Value {
    piaudit()
        .args([
            "merge",
            "--as-of",
            "2026-01-01",
            "-q",
            "--format",
            ALL_FORMATS,
        ])
        .args(reports)
        .arg("--out")
        .arg(out)
        .assert()
        .code(1);
    serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Findings of `rule` whose subjects or listed fields include `subject`
/// (a flow rule's finding is per flow path, listing its fields, since
/// report schema 2.0).
fn findings_on<'a>(report: &'a Value, rule: &str, subject: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"] == rule
                && f["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain(f["fields"].as_array().into_iter().flatten())
                    .any(|s| s == subject)
        })
        .collect()
}

#[test]
fn merged_graph_joins_the_job_to_the_table_of_another_repository() {
    let dir = tempfile::tempdir().unwrap();
    let a = scan("repo_a", &dir.path().join("a"));
    let b = scan("repo_b", &dir.path().join("b"));
    // Alone, B does not know that `col_07` holds ID-card numbers.
    let b_alone = read(&b);
    let copy_alone = "etl/export_user.sql#rpt.user_snapshot.c7";
    assert!(findings_on(
        &b_alone,
        "CNPI-026",
        "etl/export_user.sql#dw.user_info.col_07"
    )
    .is_empty());
    assert!(b_alone["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !f["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .chain(f["fields"].as_array().into_iter().flatten())
            .any(|s| s == copy_alone)));

    let merged = merge(&[&a, &b], &dir.path().join("m"));
    // One `dw.user_info`: B's reference joined A's definition.
    let names: Vec<&str> = merged["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["name"] == "dw.user_info")
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["repo_a/schema.sql#dw.user_info"]);
    // The cross-repository edge.
    let edge = merged["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["from"] == ID_CARD && f["to"] == COPY)
        .unwrap_or_else(|| panic!("no {ID_CARD} → {COPY} flow in {:#}", merged["flows"]));
    assert_eq!(edge["location"]["file"], "repo_b/etl/export_user.sql");
    // The copy inherits the tag across the repositories.
    let (_, copy) = merged["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["fields"].as_array().unwrap().iter().map(move |f| (d, f)))
        .find(|(_, f)| f["id"] == COPY)
        .unwrap();
    assert_eq!(copy["pi"]["category"], "identity.national_id", "{copy:#}");
    // A finding that exists only on the merged graph.
    assert_eq!(
        findings_on(&merged, "CNPI-026", ID_CARD).len(),
        1,
        "{:#}",
        merged["findings"]
    );
    // Provenance: each source's roots are kept.
    assert_eq!(
        merged["scan"]["roots"],
        serde_json::json!(["tests/fixtures/merge/repo_a", "tests/fixtures/merge/repo_b"])
    );
}

#[test]
fn argument_order_does_not_change_a_byte() {
    let dir = tempfile::tempdir().unwrap();
    let a = scan("repo_a", &dir.path().join("a"));
    let b = scan("repo_b", &dir.path().join("b"));
    let (ab, ba) = (dir.path().join("ab"), dir.path().join("ba"));
    merge(&[&a, &b], &ab);
    merge(&[&b, &a, &b], &ba);
    let mut files: Vec<_> = fs::read_dir(&ab)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(files.len(), 9, "{files:?}");
    for f in files {
        assert!(
            fs::read(ab.join(&f)).unwrap() == fs::read(ba.join(&f)).unwrap(),
            "{f:?} differs with the argument order"
        );
    }
}

#[test]
fn bad_reports_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Merging `report` alone must exit 2; gives stderr.
    let refused = |report: &std::path::Path| {
        let run = piaudit()
            .arg("merge")
            .arg(report)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        String::from_utf8_lossy(&run.get_output().stderr).into_owned()
    };
    let stderr = refused(std::path::Path::new("no/such/report.json"));
    assert!(stderr.contains("no/such/report.json"), "{stderr}");

    let broken = dir.path().join("broken.json");
    fs::write(
        &broken,
        "{\n  \"schema_version\": \"1.1\",\n  \"tool\": [\n",
    )
    .unwrap();
    let stderr = refused(&broken);
    assert!(
        stderr.contains(&format!("{}:4:", broken.display())),
        "{stderr}"
    );

    let future = dir.path().join("future.json");
    fs::write(&future, r#"{"schema_version": "3.0", "whatever": true}"#).unwrap();
    let stderr = refused(&future);
    assert!(
        stderr.contains("future.json") && stderr.contains("3.0"),
        "{stderr}"
    );
    assert!(!out.join("report.json").exists());
}

/// Rule and sorted subjects of a finding, the key `merge` matches on.
fn finding_key(f: &Value, prefix: &str) -> (String, Vec<String>) {
    let mut subjects: Vec<String> = f["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{prefix}{}", s.as_str().unwrap()))
        .collect();
    subjects.sort();
    (f["rule"].as_str().unwrap().to_string(), subjects)
}

#[test]
fn a_waived_finding_keeps_its_status_waiver_and_note_in_the_merged_audit() {
    let dir = tempfile::tempdir().unwrap();
    let a = scan("repo_a", &dir.path().join("a"));
    let b = scan("repo_b", &dir.path().join("b"));
    // Waive the first of A's findings on its own schema, as piaudit.yaml
    // would have; leave the second open.
    let mut report = read(&a);
    // (Report schema 2.0: the schema's table has one finding per field
    // rule; the second finding is a declaration prompt, one per project,
    // listing the table.)
    let on_schema = |f: &Value| {
        f["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.as_str().unwrap().starts_with("schema.sql#"))
    };
    let listing_schema = |f: &Value| {
        f["subjects"] == serde_json::json!(["project"])
            && f["fields"].as_array().is_some_and(|a| {
                a.iter()
                    .all(|s| s.as_str().unwrap().starts_with("schema.sql#"))
            })
    };
    let findings = report["findings"].as_array().unwrap();
    let own: Vec<usize> = [
        findings.iter().position(on_schema),
        findings.iter().position(listing_schema),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(own.len() >= 2, "{:#}", report["findings"]);
    let waiver = serde_json::json!({
        "source": "declarations",
        "reason": "脱敏方案已批准 SEC-42",
        "approver": "DPO",
        "expires": "2027-06-30",
    });
    let waived = &mut report["findings"][own[0]];
    waived["status"] = "waived".into();
    waived["waiver"] = waiver.clone();
    let waived_key = finding_key(waived, "repo_a/");
    let open_key = finding_key(&report["findings"][own[1]], "");
    assert_ne!(waived_key, open_key);
    fs::write(&a, serde_json::to_string_pretty(&report).unwrap()).unwrap();

    let merged = merge(&[&a, &b], &dir.path().join("m"));
    let find = |key: &(String, Vec<String>)| {
        merged["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| finding_key(f, "") == *key)
            .unwrap_or_else(|| panic!("no merged finding {key:?} in {:#}", merged["findings"]))
            .clone()
    };
    let carried = find(&waived_key);
    assert_eq!(carried["status"], "waived");
    assert_eq!(carried["waiver"], waiver);
    let message = carried["message"].as_str().unwrap();
    assert!(
        message.contains("SEC-42") && message.contains("2027-06-30"),
        "{message}"
    );
    let still_open = find(&open_key);
    assert_eq!(still_open["status"], "open");
    assert!(still_open.get("waiver").is_none(), "{still_open:#}");
    let sarif: Value = read(&dir.path().join("m/report.sarif"));
    let justification = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["suppressions"].as_array().into_iter().flatten())
        .map(|s| s["justification"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert!(
        justification.iter().any(|j| j.contains("SEC-42")),
        "{justification:?}"
    );
}

/// A 1.x report waived a finding per column; merged with 2.0 grouping, the
/// waiver takes that column out of its table's finding (here the only one,
/// so the table's finding is waived).
#[test]
fn a_per_column_waiver_of_a_1x_report_carries_to_the_grouped_finding() {
    let dir = tempfile::tempdir().unwrap();
    let a = scan("repo_a", &dir.path().join("a"));
    let b = scan("repo_b", &dir.path().join("b"));
    let mut report = read(&a);
    report["schema_version"] = "1.3".into();
    let findings = report["findings"].as_array_mut().unwrap();
    let i = findings
        .iter()
        .position(|f| f["rule"] == "CNPI-020" && f["subjects"][0] == "schema.sql#dw.user_info")
        .expect("CNPI-020 on the table");
    let waiver = serde_json::json!({
        "source": "declarations",
        "reason": "tokenised upstream SEC-7",
        "approver": "DPO",
        "expires": "2027-06-30",
    });
    let old = &mut findings[i];
    // The 1.x shape: one finding per column, no 2.0 keys.
    for k in ["fields", "locations", "evidence", "confidence"] {
        old.as_object_mut().unwrap().remove(k);
    }
    old["subjects"] = serde_json::json!(["schema.sql#dw.user_info.col_07"]);
    old["fingerprint"] = "0123456789abcdef0123456789abcdef".into();
    old["status"] = "waived".into();
    old["waiver"] = waiver.clone();
    fs::write(&a, serde_json::to_string_pretty(&report).unwrap()).unwrap();

    let merged = merge(&[&a, &b], &dir.path().join("m"));
    let f = merged["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CNPI-020" && f["subjects"][0] == "repo_a/schema.sql#dw.user_info")
        .unwrap_or_else(|| panic!("{:#}", merged["findings"]))
        .clone();
    assert_eq!(f["status"], "waived", "{f:#}");
    assert_eq!(f["waiver"], waiver);
    assert!(f["message"].as_str().unwrap().contains("SEC-7"), "{f:#}");
}
