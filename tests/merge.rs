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
    let mut c = Command::cargo_bin("piaudit").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
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

/// Findings of `rule` whose subjects include `subject`.
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
    fs::write(&future, r#"{"schema_version": "2.0", "whatever": true}"#).unwrap();
    let stderr = refused(&future);
    assert!(
        stderr.contains("future.json") && stderr.contains("2.0"),
        "{stderr}"
    );
    assert!(!out.join("report.json").exists());
}
