//! Hostile and broken inputs: every one ends in a diagnostic or a skipped
//! entry with the file named, and the scan finishes with a report.
//!
//! The fixtures are generated here, into a temporary directory, so the
//! repository carries no 10 MB files and no binary blobs.

use crate::common::piaudit;
use serde_json::Value;
use std::fs;
use std::path::Path;

const SCHEMA_ZH: &str = "CREATE TABLE member (id INT, mobile VARCHAR(11) COMMENT '手机号码');\n";

/// Writes `text` encoded as `enc` (no BOM unless `bom`).
fn write_encoded(path: &Path, text: &str, enc: &'static encoding_rs::Encoding) {
    let (bytes, _, unmappable) = enc.encode(text);
    assert!(!unmappable);
    fs::write(path, bytes).unwrap();
}

fn utf16(text: &str, little: bool) -> Vec<u8> {
    let mut b = if little {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for u in text.encode_utf16() {
        b.extend_from_slice(&if little {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    b
}

/// Scans `root` with every format; returns the parsed JSON report and stderr.
fn scan_all_formats(root: &Path, extra: &[&str]) -> (Value, String) {
    let out = tempfile::tempdir().unwrap();
    let a = piaudit()
        .args([
            "scan",
            "--deterministic",
            "--as-of",
            "2026-01-01",
            "--format",
            "json,html,sarif,md,junit,csv",
            "--out",
        ])
        .arg(out.path())
        .args(extra)
        .arg(root)
        .assert();
    let o = a.get_output();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let code = o.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "scan did not finish: {code:?}\n{stderr}"
    );
    for f in [
        "report.json",
        "report.html",
        "report.sarif",
        "report.md",
        "report.junit.xml",
        "inventory.csv",
    ] {
        assert!(out.path().join(f).is_file(), "{f} missing\n{stderr}");
    }
    let report: Value =
        serde_json::from_slice(&fs::read(out.path().join("report.json")).unwrap()).unwrap();
    (report, stderr)
}

fn diagnostics_of<'a>(report: &'a Value, file: &str) -> Vec<&'a Value> {
    report["scan"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == file)
        .collect()
}

fn skipped_reason(report: &Value, file: &str) -> Option<String> {
    report["scan"]["files_skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"] == file)
        .map(|s| s["reason"].as_str().unwrap().to_string())
}

fn field_names(report: &Value) -> Vec<String> {
    report["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            let t = d["name"].as_str().unwrap().to_string();
            d["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |f| format!("{t}.{}", f["name"].as_str().unwrap()))
        })
        .collect()
}

#[test]
fn encodings_are_decoded_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let gbk = SCHEMA_ZH.replace("member", "m_gbk");
    write_encoded(&r.join("gbk.sql"), &gbk, encoding_rs::GBK);
    // GB18030-only characters (outside GBK) in a comment.
    let gb18030 = SCHEMA_ZH
        .replace("member", "m_gb18030")
        .replace("手机号码", "手机号码 𠀀");
    write_encoded(&r.join("gb18030.sql"), &gb18030, encoding_rs::GB18030);
    fs::write(
        r.join("utf16le.sql"),
        utf16(&SCHEMA_ZH.replace("member", "m_utf16le"), true),
    )
    .unwrap();
    fs::write(
        r.join("utf16be.sql"),
        utf16(&SCHEMA_ZH.replace("member", "m_utf16be"), false),
    )
    .unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(SCHEMA_ZH.replace("member", "m_bom").as_bytes());
    fs::write(r.join("bom.sql"), bom).unwrap();
    let (report, stderr) = scan_all_formats(r, &[]);
    let fields = field_names(&report);
    for t in ["m_gbk", "m_gb18030", "m_utf16le", "m_utf16be", "m_bom"] {
        assert!(
            fields.contains(&format!("{t}.mobile")),
            "{t} not read: {fields:?}\n{stderr}"
        );
    }
    // The comment survives decoding, so the column is classified as a phone.
    let pi: Vec<&Value> = report["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["fields"].as_array().unwrap())
        .filter(|f| f["name"] == "mobile")
        .filter(|f| !f["pi"].is_null())
        .collect();
    assert_eq!(pi.len(), 5, "{report:#}");
    for f in ["gbk.sql", "gb18030.sql", "utf16le.sql", "utf16be.sql"] {
        let d = diagnostics_of(&report, f);
        assert!(
            d.iter()
                .any(|d| d["message"].as_str().unwrap().contains("decoded as")),
            "{f}: {d:?}"
        );
    }
}

#[test]
fn broken_and_hostile_sql_each_get_a_located_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    fs::write(r.join("good.sql"), SCHEMA_ZH).unwrap();
    // Truncated in the middle of a column list.
    fs::write(
        r.join("truncated.sql"),
        "CREATE TABLE ok1 (a INT);\nCREATE TABLE cut (id INT, phone VARCHAR(",
    )
    .unwrap();
    // Binary content behind a .sql name.
    let mut bin = b"SQLite format 3\0".to_vec();
    bin.extend((0..4096u32).map(|i| (i * 7 % 256) as u8));
    fs::write(r.join("binary.sql"), bin).unwrap();
    fs::write(
        r.join("unterminated_string.sql"),
        "CREATE TABLE ok2 (a INT);\nINSERT INTO ok2 VALUES ('never closed);\n",
    )
    .unwrap();
    fs::write(
        r.join("unterminated_comment.sql"),
        "CREATE TABLE ok3 (a INT);\n/* never closed\nCREATE TABLE hidden (b INT);\n",
    )
    .unwrap();
    // 10,000-deep parentheses: no stack overflow, a diagnostic on line 2.
    let depth = 10_000;
    fs::write(
        r.join("deep.sql"),
        format!(
            "CREATE TABLE ok4 (a INT);\nSELECT {}1{} FROM ok4;\nCREATE TABLE after_deep (b INT);\n",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
    )
    .unwrap();
    // The same depth inside an INSERT … VALUES row (the sampler's path) and a view.
    fs::write(
        r.join("deep_insert.sql"),
        format!(
            "INSERT INTO ok4 VALUES {}1{};\nCREATE VIEW v_deep AS SELECT * FROM {}ok4{};\n",
            "(".repeat(depth),
            ")".repeat(depth),
            "(".repeat(depth),
            ")".repeat(depth)
        ),
    )
    .unwrap();
    // A 10 MB single line.
    let mut long = String::from("CREATE TABLE ok5 (a INT); INSERT INTO ok5 VALUES ('");
    long.push_str(&"x".repeat(10 * 1024 * 1024));
    long.push_str("'); CREATE TABLE after_long (b INT);");
    fs::write(r.join("long_line.sql"), long).unwrap();
    let (report, stderr) = scan_all_formats(r, &[]);
    let fields = field_names(&report);
    for f in [
        "member.mobile",
        "ok1.a",
        "ok2.a",
        "ok3.a",
        "ok4.a",
        "after_deep.b",
        "ok5.a",
        "after_long.b",
    ] {
        assert!(fields.contains(&f.to_string()), "{f}: {fields:?}\n{stderr}");
    }
    // An unterminated comment swallows the rest of the file, and says so.
    assert!(!fields.contains(&"hidden.b".to_string()), "{fields:?}");
    assert_eq!(
        skipped_reason(&report, "binary.sql").as_deref(),
        Some("binary")
    );
    for (file, line) in [
        ("truncated.sql", 2),
        ("deep.sql", 2),
        ("unterminated_string.sql", 2),
        ("unterminated_comment.sql", 2),
    ] {
        let d = diagnostics_of(&report, file);
        assert!(
            d.iter().any(|d| d["line"] == line),
            "{file}: no diagnostic at line {line}: {d:?}"
        );
    }
    for d in report["scan"]["diagnostics"].as_array().unwrap() {
        assert!(d["line"].as_u64().unwrap() >= 1, "{d}");
    }
}

#[test]
fn oversized_unreadable_and_looping_files_are_skipped_with_a_reason() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    fs::write(r.join("good.sql"), SCHEMA_ZH).unwrap();
    fs::write(r.join("big.sql"), "-- padding\n".repeat(1000)).unwrap();
    // Symlink loops: a directory pointing at its parent, and two files at each other.
    fs::create_dir(r.join("sub")).unwrap();
    symlink("..", r.join("sub/up")).unwrap();
    symlink("b.sql", r.join("a.sql")).unwrap();
    symlink("a.sql", r.join("b.sql")).unwrap();
    let locked = r.join("locked.sql");
    fs::write(&locked, SCHEMA_ZH.replace("member", "locked")).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // As root, mode 000 does not stop reads: then the file is simply scanned.
    let root_can_read = fs::read(&locked).is_ok();
    let (report, stderr) = scan_all_formats(r, &["--max-file-size", "5000"]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(
        field_names(&report).contains(&"member.mobile".to_string()),
        "{stderr}"
    );
    let big = skipped_reason(&report, "big.sql").expect("big.sql skipped");
    assert!(big.contains("too large") && big.contains("5000"), "{big}");
    if root_can_read {
        eprintln!("running as root: mode 000 does not stop reads, checked it is scanned");
        assert!(field_names(&report).contains(&"locked.mobile".to_string()));
    } else {
        let why = skipped_reason(&report, "locked.sql").expect("locked.sql skipped");
        assert!(why.contains("unreadable"), "{why}");
    }
    // The loop is not followed: no file is reported twice or under sub/up.
    let files: Vec<&str> = report["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["location"]["file"].as_str())
        .collect();
    assert!(files.iter().all(|f| !f.contains("sub/up")), "{files:?}");
}

/// A billion-laughs document: each level doubles nine times.
fn alias_bomb(key: &str) -> String {
    let mut s = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        s.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    s.push_str(&format!("{key}: *{prev}\n"));
    s
}

fn deep_yaml(key: &str, depth: usize) -> String {
    format!("{key}: {}{}\n", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn yaml_bombs_in_declarations_are_refused_with_the_file_named() {
    for (name, body) in [
        (
            "alias bomb",
            format!("version: 1\n{}", alias_bomb("datasets")),
        ),
        (
            "deep nesting",
            format!("version: 1\n{}", deep_yaml("datasets", 100_000)),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.sql"), SCHEMA_ZH).unwrap();
        fs::write(dir.path().join("piaudit.yaml"), body).unwrap();
        let out = tempfile::tempdir().unwrap();
        let a = piaudit()
            .args(["scan", "--format", "json", "--out"])
            .arg(out.path())
            .arg(dir.path())
            .timeout(std::time::Duration::from_secs(60))
            .assert();
        let o = a.get_output();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("piaudit.yaml"), "{name}: {stderr}");
    }
}

#[test]
fn yaml_bombs_and_hostile_regexes_in_rule_packs_are_handled() {
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("a.sql"), SCHEMA_ZH).unwrap();
    let rule_dir = |body: &str| {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("packs/cn-2026")).unwrap();
        fs::write(d.path().join("packs/cn-2026/CNPI-001.yaml"), body).unwrap();
        d
    };
    let original = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/packs/cn-2026/CNPI-001.yaml"),
    )
    .unwrap();
    let run = |rules: &Path| {
        let out = tempfile::tempdir().unwrap();
        let a = piaudit()
            .args(["scan", "--format", "json", "--deterministic", "--out"])
            .arg(out.path())
            .arg("--rules")
            .arg(rules)
            .arg(src.path())
            .timeout(std::time::Duration::from_secs(60))
            .assert();
        let o = a.get_output();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            fs::read(out.path().join("report.json")).ok(),
        )
    };
    for (name, body) in [
        ("alias bomb", alias_bomb("when")),
        ("deep nesting", deep_yaml("when", 100_000)),
    ] {
        let rules = rule_dir(&body);
        let (code, stderr, _) = run(rules.path());
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.contains("CNPI-001.yaml"), "{name}: {stderr}");
    }
    // A pattern that backtracks exponentially elsewhere is linear here.
    let evil = original.replace(
        "    - decl.datasets: { empty: true }",
        "    - decl.datasets: { empty: true }\n    - dataset.name: { matches: '^(a+)+$' }",
    );
    assert_ne!(evil, original, "CNPI-001 changed shape; update this test");
    let table = format!("{}!", "a".repeat(5000));
    fs::write(
        src.path().join("a.sql"),
        format!("CREATE TABLE {table} (mobile VARCHAR(11) COMMENT '手机号码');"),
    )
    .unwrap();
    let rules = rule_dir(&evil);
    let (code, stderr, report) = run(rules.path());
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    assert!(report.is_some());
    // A pattern whose compiled form would be huge is refused, naming the rule.
    let huge = original.replace(
        "    - decl.datasets: { empty: true }",
        "    - decl.datasets: { empty: true }\n    - dataset.name: { matches: '(((a{100}){100}){100}){100}' }",
    );
    let rules = rule_dir(&huge);
    let (code, stderr, _) = run(rules.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("CNPI-001.yaml"), "{stderr}");
}

#[test]
fn yaml_bombs_and_deep_xml_in_scanned_config_become_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    fs::write(r.join("good.sql"), SCHEMA_ZH).unwrap();
    fs::write(
        r.join("application.yml"),
        format!("server:\n  port: 8080\n{}", deep_yaml("spring", 100_000)),
    )
    .unwrap();
    fs::write(
        r.join("bootstrap.yml"),
        format!("server:\n  port: 8080\n{}", alias_bomb("spring")),
    )
    .unwrap();
    // 400,000 list levels on one line.
    fs::write(
        r.join("lists.yml"),
        format!("a:\n{}x: 1\n", "- ".repeat(400_000)),
    )
    .unwrap();
    // Nested tags and a property defined by itself: both recursed until the
    // stack overflowed, an abort that takes the whole scan down.
    let depth = 1_000_000;
    fs::write(
        r.join("logback.xml"),
        format!(
            "<configuration>\n<property name=\"a\" value=\"x${{a}}\"/>\n{}{}\n\
             <appender name=\"${{a}}\"><file>${{a}}</file></appender></configuration>\n",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = piaudit()
        .args(["scan", "--format", "json", "--deterministic", "--out"])
        .arg(out.path())
        .arg(r)
        .timeout(std::time::Duration::from_secs(60))
        .assert();
    let o = a.get_output();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{stderr}");
    let report: Value =
        serde_json::from_slice(&fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert!(
        field_names(&report).contains(&"member.mobile".to_string()),
        "{stderr}"
    );
    let has = |file: &str, line: u64, text: &str| {
        let d = diagnostics_of(&report, file);
        assert!(
            d.iter()
                .any(|d| d["line"] == line && d["message"].as_str().unwrap().contains(text)),
            "{file}: no diagnostic at line {line} containing {text:?}: {d:?}"
        );
    };
    has("application.yml", 3, "nested deeper than 256");
    has("bootstrap.yml", 1, "repetition limit");
    has("logback.xml", 3, "nested deeper than 64");
}

#[test]
fn exit_3_only_when_every_candidate_file_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let mut bin = b"SQLite format 3\0".to_vec();
    bin.extend((0..4096u32).map(|i| (i * 7 % 256) as u8));
    fs::write(r.join("binary.sql"), &bin).unwrap();
    fs::write(r.join("big.sql"), "-- padding\n".repeat(1000)).unwrap();
    let run = || {
        let out = tempfile::tempdir().unwrap();
        let a = piaudit()
            .args([
                "scan",
                "--format",
                "json",
                "--max-file-size",
                "5000",
                "--out",
            ])
            .arg(out.path())
            .arg(r)
            .assert();
        let o = a.get_output();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, stderr) = run();
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("skipped"), "{stderr}");
    // One readable file among the skipped ones: the scan reports.
    fs::write(r.join("good.sql"), SCHEMA_ZH).unwrap();
    let (code, stderr) = run();
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
}
