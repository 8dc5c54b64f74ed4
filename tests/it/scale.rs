//! Estate scale (issue #22): the streamed JSON report is the bytes of the
//! in-memory one, `--max-memory` degrades instead of failing, and the
//! organisation-wide example's commands (scan each repository, then merge)
//! run as written.

use crate::common::{corpus_dir, require, Need};
use piaudit::report::{write_all, Format};
use piaudit::{scan, Config};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn config(root: &Path) -> Config {
    Config {
        roots: vec![root.to_path_buf()],
        lang: "en".into(),
        deterministic: true,
        today: Some("2026-12-07".into()),
        ..Config::default()
    }
}

/// `report.json` as written to its file (streamed through a `BufWriter`)
/// is byte for byte the report serialised whole in memory.
fn assert_streamed_is_in_memory(root: &Path) {
    let audit = scan(&config(root)).expect("scan succeeds");
    let whole = piaudit::report::json::render(&audit).unwrap();
    // The report is the model serialised as is, plus the derived
    // `recipients` view after its keys.
    let mut as_value: serde_json::Value = serde_json::from_str(&whole).unwrap();
    as_value.as_object_mut().unwrap().remove("recipients");
    assert_eq!(
        as_value,
        serde_json::to_value(&audit.report).unwrap(),
        "{}",
        root.display()
    );
    let dir = tempfile::tempdir().unwrap();
    write_all(&audit, &[Format::Json], dir.path()).unwrap();
    let streamed = fs::read_to_string(dir.path().join("report.json")).unwrap();
    assert!(
        audit.report.datasets.len() > 3,
        "{}: too small a test",
        root.display()
    );
    assert_eq!(streamed.len(), whole.len(), "{}", root.display());
    assert!(streamed == whole, "{}: bytes differ", root.display());
}

#[test]
fn the_streamed_json_report_is_the_in_memory_one_for_shop() {
    assert_streamed_is_in_memory(&manifest().join("examples/shop"));
}

#[test]
fn the_streamed_json_report_is_the_in_memory_one_for_a_corpus_folder() {
    let Some(corpus) = require(Need::Corpus, corpus_dir()) else {
        return;
    };
    assert_streamed_is_in_memory(&corpus.join("litemall"));
}

fn scan_cli(root: &Path, out: &Path, extra: &[&str]) -> (i32, String, Value) {
    let output = crate::common::piaudit()
        .args([
            "scan",
            "--deterministic",
            "--as-of",
            "2026-12-07",
            "--lang",
            "en",
        ])
        .args(["--format", "json", "--out"])
        .arg(out)
        .args(extra)
        .arg(root)
        .output()
        .unwrap();
    let report = serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap())
        .expect("a report is written");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        report,
    )
}

fn strip_memory(mut report: Value) -> Value {
    let diags = report["scan"]["diagnostics"].as_array_mut().unwrap();
    diags.retain(|d| d["file"] != "--max-memory");
    for d in report["datasets"].as_array_mut().unwrap() {
        for f in d["fields"].as_array_mut().unwrap() {
            if let Some(tag) = f.get_mut("pi").filter(|t| t.is_object()) {
                tag.as_object_mut().unwrap().remove("evidence");
            }
        }
    }
    for f in report["findings"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("evidence");
    }
    report.as_object_mut().unwrap().remove("paths");
    report
}

/// A limit far below what any scan needs: the scan still completes, exits
/// as it would without the limit, reports the same findings, and says what
/// it dropped (paths, then evidence lists).
#[test]
fn a_tiny_max_memory_degrades_the_report_and_says_so() {
    let shop = manifest().join("examples/shop");
    let dir = tempfile::tempdir().unwrap();
    let (full_code, _, full) = scan_cli(&shop, &dir.path().join("full"), &[]);
    let (code, stderr, lean) = scan_cli(&shop, &dir.path().join("lean"), &["--max-memory", "1M"]);
    assert_eq!(code, full_code, "{stderr}");
    let notes: Vec<&str> = lean["scan"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == "--max-memory")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("PI paths")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("`pi.evidence`")),
        "{notes:?}"
    );
    assert!(lean.get("paths").is_none());
    let with_evidence = |r: &Value| {
        r["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["fields"].as_array().unwrap())
            .filter(|f| {
                f["pi"]["evidence"]
                    .as_array()
                    .is_some_and(|e| !e.is_empty())
            })
            .count()
    };
    assert!(with_evidence(&full) > 0);
    assert_eq!(with_evidence(&lean), 0);
    assert_eq!(
        lean["findings"].as_array().unwrap().len(),
        full["findings"].as_array().unwrap().len()
    );
    assert_eq!(strip_memory(lean), strip_memory(full));

    // A generous limit changes nothing.
    let (_, _, roomy) = scan_cli(&shop, &dir.path().join("roomy"), &["--max-memory", "64G"]);
    let (_, _, again) = scan_cli(&shop, &dir.path().join("again"), &[]);
    assert_eq!(roomy, again);

    // A malformed size is a usage error.
    crate::common::piaudit()
        .args(["scan", "--max-memory", "lots"])
        .arg(&shop)
        .assert()
        .code(2);
}

/// The commands of `piaudit init --ci gitlab-org`: each repository scanned
/// into `reports/$REPO`, then one merge of `reports/*/report.json`; the
/// merged report labels each repository by its name.
#[test]
fn the_org_example_scans_each_repository_then_merges() {
    let text = piaudit::ci::CiSystem::GitlabOrg.snippet(&piaudit::ci::Branch {
        name: "main".into(),
        source: piaudit::ci::BranchSource::Assumed,
    });
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let command = |job: &str, prefix: &str| -> Vec<String> {
        let line = yaml[job]["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str())
            .find(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("{job}: no `{prefix}`"))
            .to_string();
        line.split_whitespace()
            .skip(1)
            .map(|w| w.trim_matches('"').to_string())
            .collect()
    };
    let scan_args = command("piaudit-scan", "piaudit scan");
    let merge_args = command("piaudit-merge", "piaudit merge");
    let dir = tempfile::tempdir().unwrap();
    let fixtures = manifest().join("tests/fixtures/merge");
    for repo in ["repo_a", "repo_b"] {
        let target = dir.path().join(repo);
        fs::create_dir_all(&target).unwrap();
        for entry in walkdir::WalkDir::new(fixtures.join(repo)) {
            let entry = entry.unwrap();
            let dest = target.join(entry.path().strip_prefix(fixtures.join(repo)).unwrap());
            if entry.file_type().is_dir() {
                fs::create_dir_all(&dest).unwrap();
            } else {
                fs::copy(entry.path(), &dest).unwrap();
            }
        }
        let args: Vec<String> = scan_args.iter().map(|a| a.replace("$REPO", repo)).collect();
        crate::common::piaudit()
            .current_dir(dir.path())
            .args(&args)
            .assert()
            .code(0);
        assert!(dir
            .path()
            .join(format!("reports/{repo}/report.json"))
            .is_file());
    }
    // The shell expands the glob; here it is expanded by hand.
    let mut args = Vec::new();
    for a in &merge_args {
        if a == "reports/*/report.json" {
            args.push("reports/repo_a/report.json".to_string());
            args.push("reports/repo_b/report.json".to_string());
        } else {
            args.push(a.clone());
        }
    }
    crate::common::piaudit()
        .current_dir(dir.path())
        .args(&args)
        .assert()
        .code(0);
    let merged: Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("piaudit-org-report/report.json")).unwrap(),
    )
    .unwrap();
    let ids: Vec<&str> = merged["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().any(|i| i.starts_with("repo_a/")), "{ids:?}");
    assert!(ids.iter().any(|i| i.starts_with("repo_b/")), "{ids:?}");
    for file in ["report.md", "report.junit.xml"] {
        assert!(
            dir.path().join("piaudit-org-report").join(file).is_file(),
            "{file}"
        );
    }
}

/// Reports that share a label (the same scan root) are ordered by content
/// and a report given twice is read once, whatever the order of the
/// arguments: the streaming merge re-reads only those reports to order them.
#[test]
fn reports_sharing_a_label_merge_the_same_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for repo in ["repo_a", "repo_b"] {
        let out = dir.path().join(format!("scan-{repo}"));
        crate::common::piaudit()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["scan", "--deterministic", "--as-of", "2026-12-07", "-q"])
            .args(["--format", "json", "--fail-on", "never", "--out"])
            .arg(&out)
            .arg(format!("tests/fixtures/merge/{repo}"))
            .assert()
            .code(0);
        let mut report: Value =
            serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
        report["scan"]["roots"] = serde_json::json!(["same"]);
        let path = dir.path().join(format!("{repo}.json"));
        fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
        paths.push(path);
    }
    let dup = dir.path().join("again.json");
    fs::copy(&paths[1], &dup).unwrap();
    let merged = |order: &[&PathBuf], out: &str| -> String {
        let out = dir.path().join(out);
        crate::common::piaudit()
            .args(["merge", "--as-of", "2026-12-07", "-q", "--format", "json"])
            .args(["--fail-on", "never", "--out"])
            .arg(&out)
            .args(order)
            .assert()
            .code(0);
        fs::read_to_string(out.join("report.json")).unwrap()
    };
    let one = merged(&[&paths[0], &paths[1], &dup], "m1");
    let two = merged(&[&dup, &paths[1], &paths[0]], "m2");
    assert!(one == two, "the order of the arguments changed the report");
    let report: Value = serde_json::from_str(&one).unwrap();
    let notes = report["scan"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("merged report of"))
        })
        .count();
    assert_eq!(notes, 2, "the duplicate is read once");
    assert!(one.contains("\"same/") && one.contains("\"same~2/"));
}
