//! The evidence package (`--evidence`, `--sign-key`, `piaudit verify`,
//! `piaudit keygen`), as an inspector uses it: determinism, tampering,
//! bad keys, secrets kept out.

use crate::common::piaudit;
use piaudit::evidence::{sha256_hex, Manifest, MANIFEST, MANIFEST_TEXT, SIGNATURE};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Every file under `dir` with its bytes, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.insert(rel, fs::read(e.path()).unwrap());
        }
    }
    out
}

/// A small project to scan (with `--max-file-size 4096`): a schema with PI,
/// a config, a binary and a large file.
fn project(dir: &Path) -> PathBuf {
    let root = dir.join("proj");
    fs::create_dir_all(root.join("db")).unwrap();
    fs::write(
        root.join("db/schema.sql"),
        "CREATE TABLE member (id INT, mobile CHAR(11) COMMENT '手机号码', id_no CHAR(18) COMMENT '身份证号');\n",
    )
    .unwrap();
    fs::write(
        root.join("application.yml"),
        "spring:\n  application:\n    name: shop\n",
    )
    .unwrap();
    // Skipped, each with its reason: binary, and too large (over 4 KiB).
    fs::write(
        root.join("db/dump.sql"),
        [0x89, b'P', b'N', b'G', 0, 0, 1, 2],
    )
    .unwrap();
    fs::write(root.join("db/big.sql"), "-- padding\n".repeat(500)).unwrap();
    root
}

fn manifest(out: &Path) -> Manifest {
    serde_json::from_slice(&fs::read(out.join(MANIFEST)).unwrap()).unwrap()
}

/// The text with the values of the keys that may differ between runs
/// (times, host) masked.
fn mask_times(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            let volatile = ["\"started\":", "\"finished\":", "\"host\":"]
                .iter()
                .any(|k| t.starts_with(k))
                || ["主机 / host:", "开始 / started:", "结束 / finished:"]
                    .iter()
                    .any(|k| t.starts_with(k));
            if volatile {
                format!("{} <masked>", l.split(':').next().unwrap_or(""))
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn verify(out: &Path, extra: &[&str]) -> (i32, String) {
    let a = piaudit().arg("verify").arg(out).args(extra).assert();
    let o = a.get_output();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn an_evidence_run_is_byte_identical_apart_from_times_and_host() {
    let dir = tempfile::tempdir().unwrap();
    let root = project(dir.path());
    let out = dir.path().join("out");
    let run = || {
        piaudit()
            .args(["scan", "--deterministic", "--evidence", "-q"])
            .args(["--format", "json,html,sarif,csv", "--max-file-size", "4096"])
            .arg("--out")
            .arg(&out)
            .arg(&root)
            .assert()
            .code(1);
        let got = tree(&out);
        fs::remove_dir_all(&out).unwrap();
        got
    };
    let before = tree(&root);
    let first = run();
    let second = run();
    // Nothing is written outside --out.
    assert_eq!(tree(&root), before);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        let other = &second[path];
        if path.starts_with("evidence/") {
            let (a, b) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(other),
            );
            assert_eq!(mask_times(&a), mask_times(&b), "{path}");
        } else {
            assert_eq!(bytes, other, "{path} differs between runs");
        }
    }
    // The masking hides only the three volatile values.
    let text = String::from_utf8_lossy(&first[MANIFEST]).into_owned();
    assert_eq!(
        text.lines().count(),
        mask_times(&text).lines().count(),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .zip(mask_times(&text).lines())
            .filter(|(a, b)| a != b)
            .count(),
        3
    );

    // What the manifest records.
    let m: Manifest = serde_json::from_slice(&first[MANIFEST]).unwrap();
    assert_eq!(m.tool.name, "piaudit");
    assert!(
        m.command.iter().any(|a| a == "--evidence"),
        "{:?}",
        m.command
    );
    let files: Vec<(&str, u64)> = m.files.iter().map(|e| (e.path.as_str(), e.size)).collect();
    assert_eq!(
        files,
        [
            ("application.yml", before["application.yml"].len() as u64),
            ("db/schema.sql", before["db/schema.sql"].len() as u64),
        ]
    );
    for e in &m.files {
        assert_eq!(e.sha256, sha256_hex(&before[&e.path]), "{}", e.path);
    }
    let skipped: Vec<(&str, &str)> = m
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason.split(' ').next().unwrap_or("")))
        .collect();
    assert_eq!(
        skipped,
        [("db/big.sql", "too"), ("db/dump.sql", "binary")],
        "{:?}",
        m.skipped
    );
    let reports: Vec<&str> = m.reports.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        reports,
        [
            "inventory.csv",
            "report.html",
            "report.json",
            "report.sarif"
        ]
    );
    for e in &m.reports {
        assert_eq!(e.sha256, sha256_hex(&first[&e.path]), "{}", e.path);
    }
    assert_eq!(m.walked, [root.to_string_lossy().replace('\\', "/")]);
    assert_eq!(m.rules.packs.len(), 1);
    assert_eq!(m.rules.packs[0].id, "cn-2026");
    assert!(m.started.ends_with('Z') && m.finished >= m.started);
    assert!(first.contains_key(MANIFEST_TEXT));
    // Not signed: no signature is left.
    assert!(!first.contains_key(SIGNATURE));
}

#[test]
fn verify_names_each_tampered_file_and_a_changed_manifest_breaks_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let root = project(dir.path());
    let out = dir.path().join("out");
    let key = dir.path().join("key.pem");
    piaudit()
        .args(["keygen", "--out"])
        .arg(&key)
        .assert()
        .code(0);
    let public = dir.path().join("key.pem.pub");
    let pubkey = public.to_str().unwrap();
    piaudit()
        .args(["scan", "-q", "--format", "json,md", "--sign-key"])
        .arg(&key)
        .arg("--out")
        .arg(&out)
        .arg(&root)
        .assert()
        .code(1);
    let (code, text) = verify(&out, &["--pubkey", pubkey]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("signed by the key you gave"), "{text}");
    let src = root.to_str().unwrap();
    let (code, text) = verify(&out, &["--pubkey", pubkey, "--source", src]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("source: db/schema.sql"), "{text}");

    // One byte of a report changed.
    let report = out.join("report.md");
    let original = fs::read(&report).unwrap();
    let mut changed = original.clone();
    changed[0] ^= 1;
    fs::write(&report, &changed).unwrap();
    let (code, text) = verify(&out, &["--pubkey", pubkey]);
    assert_eq!(code, 1, "{text}");
    let line = text.lines().find(|l| l.contains("report.md")).unwrap();
    assert!(line.starts_with("CHANGED"), "{text}");
    assert!(text
        .lines()
        .any(|l| l.starts_with("OK") && l.contains("report.json")));
    fs::write(&report, &original).unwrap();

    // A report removed, a file added.
    fs::rename(&report, dir.path().join("moved.md")).unwrap();
    fs::write(out.join("notes.txt"), "added later").unwrap();
    let (code, text) = verify(&out, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("MISSING") && l.contains("report.md")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("EXTRA") && l.contains("notes.txt")),
        "{text}"
    );
    fs::rename(dir.path().join("moved.md"), &report).unwrap();
    fs::remove_file(out.join("notes.txt")).unwrap();

    // The manifest rewritten to match a changed report: the signature fails.
    let manifest_path = out.join(MANIFEST);
    let manifest_bytes = fs::read(&manifest_path).unwrap();
    let mut m = manifest(&out);
    m.reports[1].sha256 = sha256_hex(&changed);
    fs::write(&manifest_path, piaudit::evidence::manifest_bytes(&m)).unwrap();
    fs::write(out.join(MANIFEST_TEXT), piaudit::evidence::text(&m)).unwrap();
    fs::write(&report, &changed).unwrap();
    let (code, text) = verify(&out, &["--pubkey", pubkey]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("CHANGED") && l.contains("signature")),
        "{text}"
    );
    fs::write(&manifest_path, &manifest_bytes).unwrap();
    fs::write(&report, &original).unwrap();

    // Another key, or no signature at all, fails against the trusted key.
    let other = dir.path().join("other.pem");
    piaudit()
        .args(["keygen", "--out"])
        .arg(&other)
        .assert()
        .code(0);
    let other_pub = dir.path().join("other.pem.pub");
    let (code, _) = verify(&out, &["--pubkey", other_pub.to_str().unwrap()]);
    assert_eq!(code, 1);
    fs::remove_file(out.join(SIGNATURE)).unwrap();
    let (code, text) = verify(&out, &["--pubkey", pubkey]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("not signed"), "{text}");

    // A scanned file changed and one added since the scan.
    fs::write(root.join("db/schema.sql"), "CREATE TABLE x (id INT);\n").unwrap();
    fs::write(root.join("db/later.sql"), "CREATE TABLE y (id INT);\n").unwrap();
    let (code, text) = verify(&out, &["--source", src]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("CHANGED") && l.contains("source: db/schema.sql")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("EXTRA") && l.contains("source: db/later.sql")),
        "{text}"
    );
}

#[test]
fn an_unusable_sign_key_exits_2_before_anything_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let garbage = dir.path().join("bad.pem");
    fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    for key in [garbage, dir.path().join("missing.pem")] {
        // The root does not exist either: a scan would exit 3.
        let a = piaudit()
            .args(["scan", "/nonexistent/piaudit-root", "--sign-key"])
            .arg(&key)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(
            err.contains("--sign-key") && err.contains(&*key.to_string_lossy()),
            "{err}"
        );
        assert!(!err.contains("not base64!"), "{err}");
        assert!(!out.exists());
    }
    // verify: a folder without a manifest, or an unreadable key, is a usage error.
    piaudit().arg("verify").arg(dir.path()).assert().code(2);
    // `baseline` takes no --evidence.
    piaudit()
        .args(["baseline", "--evidence", "--out"])
        .arg(dir.path().join("b.json"))
        .arg(dir.path())
        .assert()
        .code(2);
    // The manifest needs a report folder: `--out -` (stdout) is a usage
    // error, before anything is scanned.
    let a = piaudit()
        .arg("scan")
        .arg(project(dir.path()))
        .args(["--evidence", "--format", "json", "--out", "-"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        err.contains("--evidence") && err.contains("--out DIR"),
        "{err}"
    );
    assert!(a.get_output().stdout.is_empty());
}

#[test]
fn secrets_on_the_command_line_are_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let root = project(dir.path());
    let out = dir.path().join("out");
    // Nothing listens on port 1: the database is a diagnostic, the files
    // are still audited.
    piaudit()
        .env("EVID_TEST_PW", "expanded-secret")
        .args(["scan", "-q", "--evidence", "--format", "json", "--db"])
        .arg("postgres://auditor:written-secret@127.0.0.1:1/shop")
        .arg("--db")
        .arg("mysql://auditor:${EVID_TEST_PW}@127.0.0.1:1/shop")
        .args(["--statement-timeout-ms", "1000", "--out"])
        .arg(&out)
        .arg(&root)
        .assert()
        .code(1);
    let all = tree(&out);
    for (path, bytes) in &all {
        let text = String::from_utf8_lossy(bytes);
        for secret in ["written-secret", "expanded-secret"] {
            assert!(!text.contains(secret), "{secret} in {path}");
        }
    }
    let m = manifest(&out);
    assert!(
        m.command
            .iter()
            .any(|a| a == "postgres://auditor:***@127.0.0.1:1/shop"),
        "{:?}",
        m.command
    );
    // Unreachable databases were not read.
    assert!(m.databases.is_empty(), "{:?}", m.databases);
}

#[test]
fn merge_records_the_reports_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = project(dir.path());
    let scanned = dir.path().join("scanned");
    piaudit()
        .args(["scan", "-q", "--deterministic", "--format", "json", "--out"])
        .arg(&scanned)
        .arg(&root)
        .assert()
        .code(1);
    let input = scanned.join("report.json");
    let out = dir.path().join("merged");
    piaudit()
        .args(["merge", "-q", "--evidence", "--format", "json,md", "--out"])
        .arg(&out)
        .arg(&input)
        .assert()
        .code(1);
    let m = manifest(&out);
    assert_eq!(m.files.len(), 1, "{:?}", m.files);
    assert_eq!(m.files[0].path, input.to_string_lossy().replace('\\', "/"));
    assert_eq!(m.files[0].sha256, sha256_hex(&fs::read(&input).unwrap()));
    let reports: Vec<&str> = m.reports.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(reports, ["report.json", "report.md"]);
    assert!(m.walked.is_empty(), "{:?}", m.walked);
    // The reports merged are checked where they were named (absolute here).
    let (code, text) = verify(&out, &["--source", "/"]);
    assert_eq!(code, 0, "{text}");
    fs::write(&input, "{}").unwrap();
    let (code, text) = verify(&out, &["--source", "/"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("CHANGED") && l.contains("report.json")),
        "{text}"
    );
}
