//! Inline `piaudit:ignore RULE reason` comments, end to end: the fixture
//! under `tests/fixtures/suppress/` holds one suppression per comment syntax
//! (SQL `--`, `#`, `/* */`; mapper and Logback `<!-- -->`; YAML `#`;
//! `.properties` `!`; Java `//`) next to findings that must stay open.

use crate::common::piaudit;
use serde_json::Value;
use std::fs;
use std::path::Path;

const FIXTURE: &str = "tests/fixtures/suppress";
const YML: &str = "src/main/resources/application-prod.yml";
const PROPS: &str = "src/main/resources/application.properties";
const LOGBACK: &str = "src/main/resources/logback.xml";
const MAPPER: &str = "src/main/resources/mapper/MemberMapper.xml";
const JAVA: &str = "src/main/java/com/example/MemberService.java";

/// Scans `root` in English and returns the output directory.
fn scan(root: &Path, formats: &str, extra: &[&str]) -> (tempfile::TempDir, i32) {
    let out = tempfile::tempdir().unwrap();
    let a = piaudit()
        .args([
            "scan",
            "--deterministic",
            "--lang",
            "en",
            "--format",
            formats,
        ])
        .args(extra)
        .arg("--out")
        .arg(out.path())
        .arg(root)
        .assert();
    let code = a.get_output().status.code().unwrap();
    (out, code)
}

fn report(out: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// The findings of `rule` at `file:line`.
fn at<'a>(r: &'a Value, file: &str, line: u64, rule: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"] == rule && f["location"]["file"] == file && f["location"]["line"] == line
        })
        .collect()
}

fn fixture_report() -> Value {
    let (out, code) = scan(Path::new(FIXTURE), "json", &[]);
    assert_eq!(code, 1, "open findings remain");
    report(out.path())
}

#[test]
fn each_comment_syntax_waives_its_finding_with_the_reason() {
    let r = fixture_report();
    // (file, finding line, rule, comment line, reason)
    let cases = [
        (YML, 5, "CNPI-022", 4, "rotated weekly"),
        (PROPS, 4, "CNPI-022", 3, "local canal password"),
        (LOGBACK, 5, "CNPI-030", 3, "shipped to the SIEM"),
        (MAPPER, 5, "CNPI-026", 4, "same system of record"),
    ];
    for (file, line, rule, comment, reason) in cases {
        let found = at(&r, file, line, rule);
        assert!(!found.is_empty(), "no {rule} at {file}:{line}");
        for f in found {
            assert_eq!(f["status"], "waived", "{rule} at {file}:{line}: {f}");
            let m = f["message"].as_str().unwrap();
            assert!(
                m.contains(&format!("[waived inline at {file}:{comment}: ")) && m.contains(reason),
                "{rule} at {file}:{line}: {m}"
            );
            let w = &f["waiver"];
            assert_eq!(w["source"], "inline", "{f}");
            assert_eq!(w["location"]["file"], file, "{f}");
            assert_eq!(w["location"]["line"], comment, "{f}");
            assert!(w["reason"].as_str().unwrap().contains(reason), "{f}");
        }
    }
    // A comment on one member takes only that member out of its grouped
    // finding, which stays open with the rest and names what was waived.
    let partly = [
        // member's CNPI-020: id_card and passport_no waived, bank_card
        // open (its marker is inside a string literal).
        (
            "CNPI-020",
            "schema.sql#member",
            vec!["schema.sql#member.bank_card"],
            vec![
                "id_card waived (schema.sql:5): id numbers are tokenised by the vault",
                "passport_no waived (schema.sql:8): masked by the gateway",
            ],
        ),
        // The project's CNPI-002: member waived, patient still listed.
        (
            "CNPI-002",
            "project",
            vec!["schema.sql#patient"],
            vec!["member waived (schema.sql:2): legal basis is recorded"],
        ),
        // CNPI-025 is one finding per kind of exposure: the API-docs key
        // with the comment is out, the other key switching the docs on stays.
        (
            "CNPI-025",
            "api_docs_enabled",
            vec!["control:api_docs_enabled:knife4j.production"],
            vec!["knife4j.enable waived (src/main/resources/application-prod.yml:10): intranet-only API docs"],
        ),
        // CNPI-023 is one finding per source file: the log statement under
        // the comment is out, the other two stay.
        (
            "CNPI-023",
            JAVA,
            vec![
                "control:pi_logged:MemberService.register: mobile",
                "control:pi_logged:MemberService.register: bankCard",
            ],
            vec!["MemberService.register: idCard waived (src/main/java/com/example/MemberService.java:7): debug line removed"],
        ),
        // The project's CNPI-031: the file-level comment takes both tables
        // of schema.sql out; the mapper's tables stay.
        (
            "CNPI-031",
            "project",
            vec![
                "src/main/resources/mapper/MemberMapper.xml#member_archive",
                "src/main/resources/mapper/MemberMapper.xml#crm_contact",
            ],
            vec![
                "member waived (schema.sql:13): retention is enforced by the archive job",
                "patient waived (schema.sql:13): retention is enforced by the archive job",
            ],
        ),
    ];
    for (rule, subject, fields, lines) in partly {
        let f = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && f["subjects"][0] == subject)
            .unwrap_or_else(|| panic!("no {rule} on {subject}"));
        assert_eq!(f["status"], "open", "{f}");
        assert_eq!(f["fields"], serde_json::json!(fields), "{f}");
        let evidence: Vec<&str> = f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        for l in lines {
            assert!(
                evidence.iter().any(|e| e.starts_with(l)),
                "{l}: {evidence:?}"
            );
        }
        assert!(
            f["message"].as_str().unwrap().contains("more waived"),
            "{f}"
        );
    }
}

#[test]
fn neighbouring_findings_stay_open() {
    let r = fixture_report();
    let open = [
        // Another rule on the suppressed line.
        ("schema.sql", 3, "CNPI-001"),
        (MAPPER, 5, "CNPI-020"),
        // The same rule on the next line or the next element.
        ("schema.sql", 9, "CNPI-020"),
        (YML, 11, "CNPI-025"),
        (YML, 8, "CNPI-025"),
        (LOGBACK, 11, "CNPI-030"),
        (MAPPER, 10, "CNPI-026"),
        (JAVA, 9, "CNPI-023"),
        (PROPS, 5, "CNPI-040"),
    ];
    for (file, line, rule) in open {
        let found = at(&r, file, line, rule);
        assert!(!found.is_empty(), "no {rule} at {file}:{line}");
        assert!(
            found.iter().all(|f| f["status"] == "open"),
            "{rule} at {file}:{line}: {found:?}"
        );
    }
    // The summary counts open findings only.
    let open_high = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "high" && f["status"] == "open")
        .count();
    assert_eq!(r["summary"]["findings_by_severity"]["high"], open_high);
}

#[test]
fn malformed_suppressions_are_diagnostics_and_not_applied() {
    let r = fixture_report();
    let diags = r["scan"]["diagnostics"].as_array().unwrap();
    let diag = |line: u64| {
        diags
            .iter()
            .find(|d| d["file"] == "schema.sql" && d["line"] == line)
            .unwrap_or_else(|| panic!("no diagnostic at schema.sql:{line}: {diags:?}"))
    };
    let no_reason = diag(17);
    assert_eq!(no_reason["severity"], "warning");
    assert!(no_reason["message"].as_str().unwrap().contains("no reason"));
    let unknown = diag(14);
    assert_eq!(unknown["severity"], "warning");
    assert!(unknown["message"].as_str().unwrap().contains("CNPI-999"));
    // The suppression without a reason sits right above this finding.
    assert!(at(&r, "schema.sql", 18, "CNPI-020")
        .iter()
        .all(|f| f["status"] == "open"));
}

#[test]
fn a_marker_in_a_string_literal_is_not_a_suppression() {
    let r = fixture_report();
    for (file, line, rule) in [("schema.sql", 9, "CNPI-020"), (JAVA, 10, "CNPI-023")] {
        // At the line, or listed there as a member of a grouped finding.
        let found: Vec<&Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["rule"] == rule
                    && std::iter::once(&f["location"])
                        .chain(f["locations"].as_array().into_iter().flatten())
                        .any(|l| l["file"] == file && l["line"] == line)
            })
            .collect();
        assert!(!found.is_empty(), "no {rule} at {file}:{line}");
        assert!(found.iter().all(|f| f["status"] == "open"), "{found:?}");
        let d = r["scan"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["file"] == file && d["line"] == line)
            .expect("an info diagnostic names the ignored marker");
        assert_eq!(d["severity"], "info");
        assert!(d["message"].as_str().unwrap().contains("outside a comment"));
    }
}

#[test]
fn waived_findings_do_not_count_towards_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let table =
        "CREATE TABLE member (\n  id BIGINT,\n  id_card VARCHAR(18) COMMENT '身份证号'\n);\n";
    fs::write(dir.path().join("a.sql"), table).unwrap();
    let (_, code) = scan(dir.path(), "json", &["--fail-on", "high"]);
    assert_eq!(code, 1, "the clear-text ID number is a high finding");
    let suppressed = table.replace(
        "  id_card",
        "  -- piaudit:ignore CNPI-020 tokenised before insert\n  id_card",
    );
    fs::write(dir.path().join("a.sql"), suppressed).unwrap();
    let (out, code) = scan(dir.path(), "json", &["--fail-on", "high"]);
    assert_eq!(code, 0);
    let r = report(out.path());
    let f = at(&r, "a.sql", 4, "CNPI-020");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["status"], "waived");
}

#[test]
fn sarif_junit_and_html_name_the_inline_suppression() {
    let (out, _) = scan(Path::new(FIXTURE), "sarif,junit,html", &[]);
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.sarif")).unwrap())
            .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let waived: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "CNPI-030")
        .filter(|r| r["suppressions"].as_array().is_some_and(|s| !s.is_empty()))
        .collect();
    assert_eq!(waived.len(), 1, "{results:?}");
    let s = &waived[0]["suppressions"][0];
    assert_eq!(s["kind"], "inSource");
    assert_eq!(s["status"], "accepted");
    assert_eq!(
        s["justification"],
        format!(
            "piaudit:ignore at {LOGBACK}:3: access logs are shipped to the SIEM, kept 1 year there"
        )
    );
    let junit = fs::read_to_string(out.path().join("report.junit.xml")).unwrap();
    assert!(
        junit.contains(&format!("waived inline (piaudit:ignore at {PROPS}:3)")),
        "{junit}"
    );
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    // Both languages of the message, whatever the report language (paths
    // HTML-escaped).
    let yml = YML.replace('/', "&#x2F;");
    assert!(html.contains(&format!("已由行内注释豁免（{yml}:4）")));
    assert!(html.contains(&format!("[waived inline at {yml}:4: ")));
}
