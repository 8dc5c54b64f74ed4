//! `piaudit baseline`, `scan --baseline FILE`, `scan --diff-base REF` and
//! `scan --changed-since REF`: accepted findings never fail the build, new
//! ones do, fingerprints survive moved lines and reformatting, a pull
//! request reports exactly the findings its merge base lacks, and
//! `--changed-since` keeps those on the subjects it touches.

use crate::common::{git, piaudit};
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
    // Its table's finding (one per dataset since report schema 2.0) was
    // accepted without it, so it opens again, naming the new field.
    let open = findings_with(&grown, "open");
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["subjects"][0], "a.sql#customer");
    assert!(
        open[0]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("a.sql#customer.passport_no")),
        "{:#?}",
        open[0]
    );

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
    assert!(new.is_subset(&open), "{new:?} {open:?}");
    for f in findings_with(&grown, "open") {
        let fp = f["fingerprint"].as_str().unwrap();
        if new.contains(fp) {
            assert!(
                f["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|s| s.as_str().unwrap().starts_with("b.sql#")),
                "{f}"
            );
        } else {
            // A project-level finding accepted before: open again because
            // it now lists the new table.
            assert_eq!(f["subjects"][0], "project", "{f}");
            assert!(
                f["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e.as_str().unwrap().contains("b.sql#patient")),
                "{f}"
            );
        }
    }
    assert!(findings_with(&grown, "open")
        .iter()
        .any(|f| f["subjects"][0] == "b.sql#patient" && f["rule"] == "CNPI-020"));
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

/// A baseline written before report schema 2.0 (per-column fingerprints)
/// matches nothing: the findings stay open (the gate fails as it should)
/// and a warning says to write the baseline again.
#[test]
fn a_baseline_of_old_fingerprints_warns_to_regenerate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    let old = dir.path().join("old-baseline.json");
    // What piaudit 1.x wrote for the same table: one entry per column.
    fs::write(
        &old,
        r#"{"schema_version": 1, "pack": "cn-2026", "findings": [
  {"file": "a.sql", "rule": "CNPI-020", "subjects": ["a.sql#customer.id_card"], "fingerprint": "0123456789abcdef0123456789abcdef"}
]}"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, report) = scan(&root, &out, &["--baseline", old.to_str().unwrap()]);
    assert_eq!(code, 1, "nothing is baselined");
    assert!(findings_with(&report, "baselined").is_empty());
    let warnings: Vec<&Value> = report["scan"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("write the baseline again")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{:#}", report["scan"]["diagnostics"]);
    assert_eq!(warnings[0]["severity"], "warning");
    assert!(warnings[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("old-baseline.json"));
    // A baseline written now matches: no warning.
    write_baseline(&root);
    let base = root.join(".piaudit/baseline.json");
    let (code, report) = scan(&root, &out, &["--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(!report["scan"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["message"]
            .as_str()
            .unwrap()
            .contains("write the baseline again")));
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

#[test]
fn changed_since_keeps_findings_on_touched_subjects() {
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
    let (code, report) = scan(&root, &out, &["--changed-since", "base"]);
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
    let (code, limited) = scan(&root, &out, &["--changed-since", "base"]);
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
    // (Report schema 2.0: one finding per dataset, flow path, project.)
    assert!(kept.contains(&("CNPI-020".into(), "b.sql#patient".into())));
    assert!(kept.contains(&("CNPI-026".into(), "a.sql#customer".into())));
    // The declaration prompt lists the datasets: the job's new table and
    // customer, read by the changed job, are among them, so it stays.
    assert!(kept.contains(&("CNPI-001".into(), "project".into())));
    let c001 = limited["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CNPI-001")
        .unwrap();
    let listed: Vec<&str> = c001["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(listed.contains(&"etl.sql#report_copy"), "{listed:?}");
    assert!(listed.contains(&"a.sql#customer"), "{listed:?}");
    // customer's id_card column is not used by the job: customer's
    // CNPI-020 finding (its fields) is left out.
    assert!(!kept.contains(&("CNPI-020".into(), "a.sql#customer".into())));
    // Project duties with nothing listed stay out.
    assert!(!kept.contains(&("CNPI-066".into(), "project".into())));
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
        &[
            "--changed-since",
            "base",
            "--baseline",
            base.to_str().unwrap(),
        ],
    );
    let open = findings_with(&both, "open");
    assert!(
        // Only the new flow path from customer (CNPI-026) is open about it.
        open.iter()
            .all(|f| f["subjects"][0] != "a.sql#customer" || f["rule"] == "CNPI-026"),
        "{open:#?}"
    );
    // An open finding the baseline accepted lists something new since.
    let accepted: Value = serde_json::from_str(&fs::read_to_string(&base).unwrap()).unwrap();
    let accepted: BTreeSet<&str> = accepted["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    for f in &open {
        if accepted.contains(f["fingerprint"].as_str().unwrap()) {
            assert!(
                f["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e.as_str().unwrap().starts_with("new since the baseline")),
                "{f:#}"
            );
        }
    }
}

#[test]
fn diff_base_and_changed_since_outside_git_or_with_an_unknown_ref_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("plain");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.sql"), CUSTOMER).unwrap();
    let out = dir.path().join("out");
    for option in ["--diff-base", "--changed-since"] {
        let err = stderr_with_code(
            piaudit()
                // Git must not find a repository above the temporary directory.
                .env("GIT_CEILING_DIRECTORIES", dir.path())
                .env("PIAUDIT_CACHE_DIR", dir.path().join("cache"))
                .args(["scan", "--format", "json", option, "origin/main", "--out"])
                .arg(&out)
                .arg(&root),
            2,
        );
        assert!(err.contains(option), "{err}");
        assert!(err.contains("not inside a git work tree"), "{err}");
        assert!(err.contains("git 仓库"), "{err}");
    }
    git(&root, &["init", "-q"]);
    for option in ["--diff-base", "--changed-since"] {
        let err = stderr_with_code(
            piaudit()
                .env("PIAUDIT_CACHE_DIR", dir.path().join("cache"))
                .args(["scan", "--format", "json", option, "no-such-ref", "--out"])
                .arg(&out)
                .arg(&root),
            2,
        );
        assert!(err.contains("unknown git revision `no-such-ref`"), "{err}");
    }
}

/// Scans `roots` from `cwd` (JSON only) with the cache in `cache`.
fn scan_in(cwd: &Path, roots: &[&str], cache: &Path, extra: &[&str]) -> Value {
    let out = tempfile::tempdir().unwrap();
    let run = piaudit()
        .current_dir(cwd)
        .env("PIAUDIT_CACHE_DIR", cache)
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
        .arg(out.path())
        .args(extra)
        .args(roots)
        .output()
        .unwrap();
    let code = run.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "scan failed ({code}): {}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap()
}

fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn diff_base_reports_exactly_the_findings_the_merge_base_lacks() {
    // The issue's scenario: a committed schema, then, on a branch, one new
    // table with an ID-card column. Scanned as a subfolder and as two roots.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let cache = dir.path().join("cache");
    fs::create_dir_all(repo.join("db")).unwrap();
    fs::create_dir_all(repo.join("etl")).unwrap();
    fs::write(repo.join("db/schema.sql"), CUSTOMER).unwrap();
    fs::write(
        repo.join("etl/copy.sql"),
        "CREATE TABLE customer_copy (mobile VARCHAR(11) COMMENT '手机号');\n\
         INSERT INTO customer_copy (mobile) SELECT mobile FROM customer;\n",
    )
    .unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "schema"]);
    let layouts: [&[&str]; 2] = [&["repo/db"], &["repo/db", "repo/etl"]];
    let before: Vec<BTreeSet<String>> = layouts
        .iter()
        .map(|roots| fingerprints(&scan_in(dir.path(), roots, &cache, &[])))
        .collect();

    git(&repo, &["checkout", "-q", "-b", "feature"]);
    // Lines above the old tables move: their fingerprints must not.
    fs::write(
        repo.join("db/schema.sql"),
        format!(
            "-- patients\nCREATE TABLE patient (\n  id BIGINT,\n  \
             id_card VARCHAR(18) COMMENT '身份证号'\n);\n\n{CUSTOMER}"
        ),
    )
    .unwrap();
    git(&repo, &["commit", "-q", "-am", "patient"]);
    // main moves on after the branch left it: customer is dropped there.
    // Compared with main's tip, customer's findings would look new; with the
    // merge base they are old.
    git(&repo, &["checkout", "-q", "main"]);
    fs::write(repo.join("db/schema.sql"), "").unwrap();
    git(&repo, &["commit", "-q", "-am", "drop customer"]);
    git(&repo, &["checkout", "-q", "feature"]);
    // An uncommitted change is part of the pull request too.
    fs::write(
        repo.join("etl/audit.sql"),
        "CREATE TABLE audit_log (phone VARCHAR(11) COMMENT '手机号');\n",
    )
    .unwrap();
    let status = git_out(&repo, &["status", "--porcelain"]);
    let head = git_out(&repo, &["rev-parse", "HEAD"]);

    for (roots, before) in layouts.iter().zip(&before) {
        let after = scan_in(dir.path(), roots, &cache, &[]);
        let new: BTreeSet<String> = fingerprints(&after).difference(before).cloned().collect();
        assert!(!new.is_empty(), "{roots:?}: {new:?}");
        let pr = scan_in(dir.path(), roots, &cache, &["--diff-base", "main"]);
        assert!(
            pr["findings"].as_array().unwrap().len() < after["findings"].as_array().unwrap().len()
        );
        // New fingerprints, plus the old grouped findings (report schema
        // 2.0: declaration prompts per project) that now list a new table.
        assert!(fingerprints(&pr).is_superset(&new), "{roots:?}");
        for f in pr["findings"].as_array().unwrap() {
            if new.contains(f["fingerprint"].as_str().unwrap()) {
                continue;
            }
            let fields: Vec<&str> = f["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert!(
                fields
                    .iter()
                    .any(|id| id.ends_with("#patient") || id.ends_with("#audit_log")),
                "{f}"
            );
        }
        let new: BTreeSet<String> = fingerprints(&pr);
        // The summary counts what is reported.
        let open: u64 = pr["summary"]["findings_by_severity"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(open as usize, new.len());
        let subjects: Vec<&str> = pr["findings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["subjects"].as_array().unwrap())
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(
            subjects.iter().any(|s| s.ends_with("#patient")),
            "{subjects:?}"
        );
        assert!(
            !subjects.iter().any(|s| s.contains("#customer")),
            "{subjects:?}"
        );
    }
    // The work tree, index, HEAD and worktree list are as they were.
    assert_eq!(git_out(&repo, &["status", "--porcelain"]), status);
    assert_eq!(git_out(&repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(git_out(&repo, &["worktree", "list"]).lines().count(), 1);
}

#[test]
fn diff_base_caches_the_merge_base_scan_outside_the_scanned_tree() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let cache = dir.path().join("cache");
    fs::create_dir_all(&repo).unwrap();
    fs::write(repo.join("a.sql"), CUSTOMER).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    fs::write(
        repo.join("b.sql"),
        "CREATE TABLE patient (id_card VARCHAR(18) COMMENT '身份证号');\n",
    )
    .unwrap();
    let roots = ["repo"];
    let first = scan_in(dir.path(), &roots, &cache, &["--diff-base", "main"]);
    let entries: Vec<_> = fs::read_dir(cache.join("diff-base"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let commit = git_out(&repo, &["rev-parse", "main"]);
    let name = entries[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with(commit.trim()), "{name}");
    assert!(!repo.join(".piaudit").exists());
    // A second run gives the same report from the cache…
    let second = scan_in(dir.path(), &roots, &cache, &["--diff-base", "main"]);
    assert_eq!(fingerprints(&second), fingerprints(&first));
    // …and really reads it: emptied, every finding counts as new.
    let mut cached: Value =
        serde_json::from_str(&fs::read_to_string(&entries[0]).unwrap()).unwrap();
    cached["fingerprints"] = Value::Array(Vec::new());
    fs::write(&entries[0], cached.to_string()).unwrap();
    let all = scan_in(dir.path(), &roots, &cache, &[]);
    let from_cache = scan_in(dir.path(), &roots, &cache, &["--diff-base", "main"]);
    assert_eq!(fingerprints(&from_cache), fingerprints(&all));
    assert!(fingerprints(&first).len() < fingerprints(&all).len());
    // Other options are another key: a different profile scans the base again.
    let other = scan_in(
        dir.path(),
        &roots,
        &cache,
        &["--diff-base", "main", "--profile", "gbt35273"],
    );
    assert!(fingerprints(&other).len() < fingerprints(&all).len());
    assert_eq!(fs::read_dir(cache.join("diff-base")).unwrap().count(), 2);
}

#[test]
fn diff_base_with_a_path_the_base_lacks_reports_everything_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let cache = dir.path().join("cache");
    fs::create_dir_all(repo.join("db")).unwrap();
    fs::write(repo.join("db/schema.sql"), CUSTOMER).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    fs::create_dir_all(repo.join("new")).unwrap();
    fs::write(
        repo.join("new/patient.sql"),
        "CREATE TABLE patient (id_card VARCHAR(18) COMMENT '身份证号');\n",
    )
    .unwrap();
    let roots = ["repo/db", "repo/new"];
    let full = scan_in(dir.path(), &roots, &cache, &[]);
    let under_new: BTreeSet<String> = full["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["location"]["file"]
                .as_str()
                .unwrap()
                .starts_with("repo/new/")
        })
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    assert!(!under_new.is_empty());
    let run = piaudit()
        .current_dir(dir.path())
        .env("PIAUDIT_CACHE_DIR", &cache)
        .args([
            "scan",
            "--lang",
            "en",
            "--format",
            "json",
            "--diff-base",
            "main",
        ])
        .arg("--out")
        .arg(dir.path().join("out"))
        .args(roots)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let pr: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/report.json")).unwrap())
            .unwrap();
    // Everything under the new path, and the project's declaration prompts
    // (one finding each, report schema 2.0) that now list its table.
    let pr_fps = fingerprints(&pr);
    assert!(pr_fps.is_superset(&under_new), "{pr_fps:?}");
    for f in pr["findings"].as_array().unwrap() {
        if !under_new.contains(f["fingerprint"].as_str().unwrap()) {
            assert_eq!(f["subjects"][0], "project", "{f}");
            assert!(
                f["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|id| id.as_str().unwrap().starts_with("repo/new/")),
                "{f}"
            );
        }
    }
    let under_new = pr_fps;
    // The summary says what was compared and left out.
    let stderr = String::from_utf8_lossy(&run.stderr);
    let commit = git_out(&repo, &["rev-parse", "--short=12", "main"]);
    let left_out = fingerprints(&full).len() - under_new.len();
    assert!(
        stderr.contains(&format!(
            "--diff-base main: {left_out} findings already in the merge base {}",
            commit.trim()
        )),
        "{stderr}"
    );
}

#[test]
fn diff_base_needs_one_repository() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["one", "two"] {
        let repo = dir.path().join(name);
        fs::create_dir_all(&repo).unwrap();
        fs::write(repo.join("a.sql"), CUSTOMER).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "base"]);
    }
    let err = stderr_with_code(
        piaudit()
            .current_dir(dir.path())
            .env("PIAUDIT_CACHE_DIR", dir.path().join("cache"))
            .args(["scan", "--format", "json", "--diff-base", "main", "--out"])
            .arg(dir.path().join("out"))
            .args(["one", "two"]),
        2,
    );
    assert!(err.contains("another git repository"), "{err}");
}
