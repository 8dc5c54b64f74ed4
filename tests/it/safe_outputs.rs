//! Safe outputs: no raw PI in any format or log, escaped HTML/Markdown,
//! neutralised CSV formulas, nothing written outside `--out`, and
//! byte-identical reports across runs and thread counts.

use crate::common::{piaudit, require, Need};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

const FORMATS: &str = "json,html,sarif,md,junit,csv";

/// Runs a scan writing every format into `out`; returns all bytes written
/// (reports, stdout and stderr) by name.
fn scan(root: &Path, out: &Path, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let a = piaudit()
        .args([
            "scan",
            "--deterministic",
            "--as-of",
            "2026-01-01",
            "--format",
            FORMATS,
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .arg(root)
        .assert();
    let o = a.get_output();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut all = BTreeMap::new();
    for e in fs::read_dir(out).unwrap() {
        let e = e.unwrap();
        all.insert(
            e.file_name().to_string_lossy().into_owned(),
            fs::read(e.path()).unwrap(),
        );
    }
    all.insert("(stdout)".into(), o.stdout.clone());
    all.insert("(stderr)".into(), o.stderr.clone());
    all
}

/// Valid-looking values built from a seed: an 18-digit resident ID with its
/// check digit, a mobile number and a Luhn-valid card.
fn pi_values(seed: u64) -> [String; 3] {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let first17 = format!(
        "110105{:04}{:02}{:02}{:03}",
        1950 + seed % 60,
        1 + seed % 12,
        1 + seed % 28,
        seed % 1000
    );
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let id = format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char);
    let mobile = format!("139{:08}", (seed * 7_919) % 100_000_000);
    let body = format!("622202{:012}", (seed * 104_729) % 1_000_000_000_000);
    let card = (0..10)
        .map(|c| format!("{body}{c}"))
        .find(|c| piaudit::validators::luhn(c))
        .unwrap();
    [id, mobile, card]
}

#[test]
fn no_raw_pi_in_any_output_or_log() {
    for seed in [1u64, 7, 42, 977, 31_337] {
        let [id, mobile, card] = pi_values(seed);
        let dir = tempfile::tempdir().unwrap();
        let sql = format!(
            "CREATE TABLE customer (\n  id_no CHAR(18) DEFAULT '{id}' COMMENT '身份证号 例如 {id}',\n  \
             phone VARCHAR(11) DEFAULT '{mobile}' COMMENT '手机号 如 {mobile}',\n  \
             card VARCHAR(19) COMMENT '银行卡号 {card}'\n) COMMENT='客户 {mobile}';\n\
             INSERT INTO customer VALUES ('{id}','{mobile}','{card}'),('{id}','{mobile}','{card}');\n\
             INSERT INTO customer (id_no, phone, card) VALUES ('{id}', '{mobile}', '{card}');\n\
             CREATE TABLE bad (x INT DEFAULT '{id}' oops '{mobile}');\n\
             SELECT '{card}' FROM nowhere WHERE phone = '{mobile}' garbage;\n"
        );
        fs::write(dir.path().join("schema.sql"), sql).unwrap();
        let out = tempfile::tempdir().unwrap();
        let all = scan(dir.path(), out.path(), &["-vv"]);
        assert!(all.len() >= 8, "{:?}", all.keys());
        for (name, bytes) in &all {
            let text = String::from_utf8_lossy(bytes);
            for v in [&id, &mobile, &card] {
                assert!(
                    !text.contains(v.as_str()),
                    "seed {seed}: raw value {} found in {name}",
                    piaudit::validators::mask(v)
                );
            }
        }
    }
}

#[test]
fn hostile_names_and_comments_are_escaped_and_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let probe = "<script>alert(1)</script>";
    fs::write(
        dir.path().join("x.sql"),
        format!(
            "CREATE TABLE `t<img src=x onerror=alert(1)>` (\n  \
             `phone\"><script>alert(2)</script>` VARCHAR(11) COMMENT '手机号 {probe} | pipe',\n  \
             mobile VARCHAR(11) COMMENT '=HYPERLINK(\"http://evil\",\"手机号\")',\n  \
             tel VARCHAR(11) COMMENT '@SUM(1+1) 电话号码',\n  \
             cellphone VARCHAR(11) COMMENT '-2+3 手机'\n);\n"
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let all = scan(dir.path(), out.path(), &[]);
    let html = String::from_utf8_lossy(&all["report.html"]);
    assert!(!html.contains("<script>alert"), "unescaped script in HTML");
    assert!(!html.contains("<img src=x"), "unescaped tag in HTML");
    assert!(
        html.contains("&lt;script&gt;") || html.contains("\\u003cscript"),
        "probe missing from HTML"
    );
    let md = String::from_utf8_lossy(&all["report.md"]);
    assert!(
        !md.contains("<script>") && !md.contains("<img"),
        "raw HTML in Markdown:\n{md}"
    );
    let csv = String::from_utf8_lossy(&all["inventory.csv"]);
    let mut rows =
        ::csv::ReaderBuilder::new().from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let mut cells = 0;
    for r in rows.records() {
        for c in r.unwrap().iter() {
            cells += 1;
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell in CSV: {c:?}"
            );
        }
    }
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(cells > 13, "{csv}");
    // Paths in reports are relative to the scanned root.
    let root = dir.path().to_string_lossy().into_owned();
    for (name, bytes) in &all {
        if name.starts_with('(') {
            continue;
        }
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        if name == "report.json" {
            // `scan.roots` echoes the roots as given on the command line.
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["scan"]["roots"] = serde_json::Value::Null;
            text = v.to_string();
        }
        if name == "report.sarif" {
            // `originalUriBaseIds` anchors the relative `%SRCROOT%` URIs.
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            for run in v["runs"].as_array_mut().unwrap() {
                run["originalUriBaseIds"] = serde_json::Value::Null;
                run["properties"]["roots"] = serde_json::Value::Null;
            }
            text = v.to_string();
        }
        assert!(!text.contains(&root), "absolute path in {name}");
    }
}

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let bytes = if e.file_type().is_file() {
                fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (e.path().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

#[test]
fn writes_only_into_out_and_reports_are_deterministic() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    fs::create_dir(&src).unwrap();
    for e in walkdir::WalkDir::new(&examples)
        .into_iter()
        .map(Result::unwrap)
    {
        let to = src.join(e.path().strip_prefix(&examples).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
        } else {
            fs::copy(e.path(), &to).unwrap();
        }
    }
    let before = tree(work.path());
    let out1 = work.path().join("out1");
    let first = scan(&src, &out1, &[]);
    let mut after = tree(work.path());
    after.retain(|p, _| !p.starts_with(&out1.to_string_lossy().into_owned()));
    assert_eq!(before, after, "the scan changed files outside --out");
    let out2 = tempfile::tempdir().unwrap();
    let second = scan(&src, out2.path(), &["--threads", "1"]);
    for (name, bytes) in &first {
        if name.starts_with('(') {
            continue;
        }
        assert!(
            second.get(name) == Some(bytes),
            "{name} differs between a parallel and a single-thread run"
        );
    }
    let out3 = tempfile::tempdir().unwrap();
    let third = scan(&src, out3.path(), &[]);
    for (name, bytes) in &first {
        if !name.starts_with('(') {
            assert!(
                third.get(name) == Some(bytes),
                "{name} differs between two runs"
            );
        }
    }
}

#[test]
fn scan_opens_no_network_connection() {
    let has = |bin: &str| {
        std::process::Command::new(bin)
            .arg("--version")
            .output()
            .is_ok()
    };
    let strace = if has("strace") {
        Ok(())
    } else {
        Err("strace not installed".to_string())
    };
    if require(Need::Tool, strace).is_none() {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let out = tempfile::tempdir().unwrap();
    let log = out.path().join("strace.log");
    let status = std::process::Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=connect,sendto,socket", "-o"])
        .arg(&log)
        .arg(assert_cmd::cargo::cargo_bin("piaudit"))
        .args(["scan", "--deterministic", "--format", FORMATS, "--out"])
        .arg(out.path().join("r"))
        .arg(&examples)
        .status()
        .unwrap();
    let trace = fs::read_to_string(&log).unwrap_or_default();
    if !status.success() && status.code() != Some(1) && trace.is_empty() {
        // Prints the skip, or fails under PIAUDIT_REQUIRE_TOOLS=1.
        let _ = require::<()>(
            Need::Tool,
            Err(format!("strace cannot trace here ({status})")),
        );
        return;
    }
    let net: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("AF_INET") || l.contains("connect("))
        .collect();
    assert!(
        net.is_empty(),
        "network activity during scan:\n{}",
        net.join("\n")
    );
}

/// A disk that fills up while a report is streamed is an output error that
/// names the file (not a rendering error), and no partial report is left.
/// `/dev/full` fails every write with ENOSPC.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_reported_as_the_file_that_could_not_be_written() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    for (format, file) in [
        ("json", "report.json"),
        ("html", "report.html"),
        ("sarif", "report.sarif"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join(file);
        std::os::unix::fs::symlink("/dev/full", &target).unwrap();
        let a = piaudit()
            .args(["scan", "--quiet", "--deterministic", "--format", format])
            .arg("--out")
            .arg(out.path())
            .arg(&examples)
            .assert()
            .code(3);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(
            stderr.contains(&format!("cannot write {}", target.display())),
            "{format}: {stderr}"
        );
        assert!(stderr.contains("No space left"), "{format}: {stderr}");
        assert!(
            fs::symlink_metadata(&target).is_err(),
            "{format}: the partial report was left behind"
        );
    }
}
