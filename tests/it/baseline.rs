//! `piaudit baseline`, `scan --baseline FILE` and `scan --diff-base REF`:
//! accepted findings never fail the build, new ones do, fingerprints survive
//! moved lines and reformatting, and a pull request is judged on the
//! subjects it touches.

use crate::common::piaudit;
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const CUSTOMER: &str = "CREATE TABLE customer (
  id BIGINT PRIMARY KEY,
  id_card VARCHAR(18) COMMENT '身份证号',
  mobile VARCHAR(11) COMMENT '手机号'
);
";

/// Scans `root` into `out` (JSON only) and returns the exit code and report.
fn scan(root: &Path, out: &Path, extra: &[&str]) -> (i32, Value) {
    let run = piaudit()
        .args([
            "scan",
            "--lang",
            "en",
            "--format",
            "json",
            "--fail-on",
            "info",
        ])
        .arg("--out")
        .arg(out)
        .args(extra)
        .arg(root)
        .output()
        .unwrap();
    let code = run.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "scan failed ({code}): {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap())
        .expect("report.json");
    (code, report)
}

fn findings_with(report: &Value, status: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == status)
        .cloned()
        .collect()
}

/// Runs `cmd`, checks its exit code and returns its stderr.
fn stderr_with_code(cmd: &mut Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    stderr
}

fn fingerprints(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

fn write_baseline(root: &Path) -> Value {
    let err = stderr_with_code(piaudit().arg("baseline").arg(root), 0);
    assert!(err.contains(".piaudit/baseline.json"), "{err}");
    let text = fs::read_to_string(root.join(".piaudit/baseline.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn baselined_findings_do_not_fail_and_new_ones_do() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    let out = dir.path().join("out");

    let (code, before) = scan(&root, &out, &[]);
    assert_eq!(code, 1, "the fixture has open findings");
    let baseline = write_baseline(&root);
    assert_eq!(baseline["schema_version"], 1);
    let entries = baseline["findings"].as_array().unwrap();
    assert_eq!(entries.len(), before["findings"].as_array().unwrap().len());
    let listed: BTreeSet<String> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, fingerprints(&before));
    for e in entries {
        assert!(e["rule"].as_str().unwrap().starts_with("CNPI-"), "{e}");
        assert!(e["file"].is_string() && e["subjects"].is_array(), "{e}");
        assert!(e.get("line").is_none(), "no lines in a baseline: {e}");
    }
    let keys: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e["file"].to_string(), e["rule"].to_string()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "entries are sorted by file and rule");
    // The same sources give the same bytes.
    let first = fs::read(root.join(".piaudit/baseline.json")).unwrap();
    write_baseline(&root);
    assert_eq!(
        first,
        fs::read(root.join(".piaudit/baseline.json")).unwrap()
    );

    let base = root.join(".piaudit/baseline.json");
    let base_arg = base.to_str().unwrap();
    let (code, after) = scan(&root, &out, &["--baseline", base_arg]);
    assert_eq!(code, 0, "every finding is baselined");
    assert!(findings_with(&after, "open").is_empty());
    assert_eq!(findings_with(&after, "baselined").len(), entries.len());
    let counts = after["summary"]["findings_by_severity"]
        .as_object()
        .unwrap();
    assert!(counts.values().all(|n| n == 0), "{counts:?}");

    // A new high-risk identifier column: exactly its finding is open.
    fs::write(
        root.join("a.sql"),
        CUSTOMER.replace(
            "  mobile VARCHAR(11)",
            "  passport_no VARCHAR(20) COMMENT '护照号码',\n  mobile VARCHAR(11)",
        ),
    )
    .unwrap();
    let (code, grown) = scan(&root, &out, &["--baseline", base_arg]);
    assert_eq!(code, 1);
    let open = findings_with(&grown, "open");
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["subjects"][0], "a.sql#customer.passport_no");

    // A new violating table: what is open is exactly what the baseline lacks,
    // and all of it is about the new table.
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    fs::write(
        root.join("b.sql"),
        "CREATE TABLE patient (name VARCHAR(20) COMMENT '姓名', id_card VARCHAR(18) COMMENT '身份证号');\n",
    )
    .unwrap();
    let (code, grown) = scan(&root, &out, &["--baseline", base_arg]);
    assert_eq!(code, 1);
    let open: BTreeSet<String> = findings_with(&grown, "open")
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    let new: BTreeSet<String> = fingerprints(&grown).difference(&listed).cloned().collect();
    assert!(!open.is_empty());
    assert_eq!(open, new);
    for f in findings_with(&grown, "open") {
        assert!(
            f["subjects"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s.as_str().unwrap().starts_with("b.sql#")),
            "{f}"
        );
    }
    assert!(findings_with(&grown, "open")
        .iter()
        .any(|f| f["subjects"][0] == "b.sql#patient.id_card" && f["rule"] == "CNPI-020"));
}

#[test]
fn fingerprints_survive_inserted_lines_and_reformatting() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    let out = dir.path().join("out");
    let (_, before) = scan(&root, &out, &[]);
    let base = root.join(".piaudit/baseline.json");
    write_baseline(&root);
    let line_of = |r: &Value, rule: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["location"]["line"].as_u64().unwrap())
            .unwrap()
    };

    // Blank lines and a comment above the table.
    fs::write(
        root.join("a.sql"),
        format!("-- customers\n\n\n\n{CUSTOMER}"),
    )
    .unwrap();
    let (code, moved) = scan(&root, &out, &["--baseline", base.to_str().unwrap()]);
    assert_ne!(
        line_of(&before, "CNPI-020"),
        line_of(&moved, "CNPI-020"),
        "the finding did move"
    );
    assert_eq!(fingerprints(&moved), fingerprints(&before));
    assert_eq!(code, 0);

    // Reformatted: lower-case keywords, one line, other spacing.
    fs::write(
        root.join("a.sql"),
        "create   table customer(id bigint primary key,id_card varchar(18) comment '身份证号',\
         mobile   varchar(11)   comment '手机号');\n",
    )
    .unwrap();
    let (code, reformatted) = scan(&root, &out, &["--baseline", base.to_str().unwrap()]);
    assert_eq!(line_of(&reformatted, "CNPI-020"), 1);
    assert_eq!(fingerprints(&reformatted), fingerprints(&before));
    assert_eq!(code, 0);
}

#[test]
fn missing_or_malformed_baseline_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.sql"), CUSTOMER).unwrap();
    let out = dir.path().join("out");
    let missing = dir.path().join("nope.json");
    let err = stderr_with_code(
        piaudit()
            .args(["scan", "--format", "json", "--baseline"])
            .arg(&missing)
            .arg("--out")
            .arg(&out)
            .arg(dir.path()),
        2,
    );
    assert!(err.contains("nope.json"), "{err}");
    assert!(err.contains("基线文件"), "{err}");
    let bad = dir.path().join("bad.json");
    fs::write(
        &bad,
        "{\n  \"schema_version\": 1,\n  \"findings\": [\n    {\"fingerprint\": }\n  ]\n}\n",
    )
    .unwrap();
    let err = stderr_with_code(
        piaudit()
            .args(["scan", "--format", "json", "--baseline"])
            .arg(&bad)
            .arg("--out")
            .arg(&out)
            .arg(dir.path()),
        2,
    );
    assert!(err.contains("bad.json:4:"), "{err}");
    assert!(err.contains("invalid baseline file"), "{err}");
    // `baseline` itself takes neither option.
    let err = stderr_with_code(
        piaudit()
            .args(["baseline", "--diff-base", "HEAD"])
            .arg(dir.path()),
        2,
    );
    assert!(err.contains("--file"), "{err}");
}

#[test]
fn declarations_name_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    fs::write(
        root.join("piaudit.yaml"),
        "version: 1\nbaseline: ci/pi-baseline.json\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    // Before the file exists, `baseline` writes it where piaudit.yaml says.
    piaudit().arg("baseline").arg(&root).assert().success();
    assert!(root.join("ci/pi-baseline.json").is_file());
    assert!(!root.join(".piaudit").exists());
    let (code, report) = scan(&root, &out, &[]);
    assert_eq!(code, 0);
    assert!(findings_with(&report, "open").is_empty());
    assert!(!findings_with(&report, "baselined").is_empty());
}

/// Runs git in `dir` with a fixed identity, failing the test on error.
fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=piaudit test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn diff_base_keeps_findings_on_touched_subjects() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "base"]);
    git(&root, &["tag", "base"]);
    // The baseline of the base commit (an untracked file, never scanned).
    write_baseline(&root);
    let out = dir.path().join("out");

    // Nothing changed: nothing is kept, not even project-level findings.
    let (code, report) = scan(&root, &out, &["--diff-base", "base"]);
    assert_eq!(code, 0);
    assert!(report["findings"].as_array().unwrap().is_empty());

    // A committed ETL job reading customer.mobile and an untracked table.
    fs::write(
        root.join("etl.sql"),
        "CREATE TABLE report_copy (mobile VARCHAR(11) COMMENT '手机号');\n\
         INSERT INTO report_copy (mobile) SELECT mobile FROM customer;\n",
    )
    .unwrap();
    git(&root, &["add", "etl.sql"]);
    git(&root, &["commit", "-q", "-m", "etl"]);
    fs::write(
        root.join("b.sql"),
        "CREATE TABLE patient (id_card VARCHAR(18) COMMENT '身份证号');\n",
    )
    .unwrap();
    let (code, full) = scan(&root, &out, &[]);
    assert_eq!(code, 1);
    let (code, limited) = scan(&root, &out, &["--diff-base", "base"]);
    assert_eq!(code, 1);
    let kept: BTreeSet<(String, String)> = limited["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["subjects"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The new table and the job's own findings.
    assert!(kept.contains(&("CNPI-020".into(), "b.sql#patient.id_card".into())));
    assert!(kept.contains(&("CNPI-026".into(), "a.sql#customer.mobile".into())));
    assert!(kept.contains(&("CNPI-001".into(), "etl.sql#report_copy".into())));
    // customer is read by the changed job, so its table-level findings stay;
    // its id_card column is not used there, so that finding is left out.
    assert!(kept.contains(&("CNPI-001".into(), "a.sql#customer".into())));
    assert!(!kept.contains(&("CNPI-020".into(), "a.sql#customer.id_card".into())));
    assert!(!kept.iter().any(|(_, s)| s == "project"));
    assert!(kept.len() < full["findings"].as_array().unwrap().len());
    let open: u64 = limited["summary"]["findings_by_severity"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(
        open as usize,
        kept.len(),
        "the summary counts kept findings"
    );

    // With the baseline of the base commit, only the changes' findings are open.
    let base = root.join(".piaudit/baseline.json");
    let (_, both) = scan(
        &root,
        &out,
        &["--diff-base", "base", "--baseline", base.to_str().unwrap()],
    );
    let open = findings_with(&both, "open");
    assert!(
        open.iter().all(|f| f["subjects"][0] != "a.sql#customer"),
        "{open:#?}"
    );
    assert!(!findings_with(&both, "baselined").is_empty());
}

#[test]
fn diff_base_outside_git_or_with_an_unknown_ref_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("plain");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    let out = dir.path().join("out");
    let err = stderr_with_code(
        piaudit()
            // Git must not find a repository above the temporary directory.
            .env("GIT_CEILING_DIRECTORIES", dir.path())
            .args([
                "scan",
                "--format",
                "json",
                "--diff-base",
                "origin/main",
                "--out",
            ])
            .arg(&out)
            .arg(&root),
        2,
    );
    assert!(err.contains("not inside a git work tree"), "{err}");
    assert!(err.contains("git 仓库"), "{err}");
    git(&root, &["init", "-q"]);
    let err = stderr_with_code(
        piaudit()
            .args([
                "scan",
                "--format",
                "json",
                "--diff-base",
                "no-such-ref",
                "--out",
            ])
            .arg(&out)
            .arg(&root),
        2,
    );
    assert!(err.contains("unknown git revision `no-such-ref`"), "{err}");
}
