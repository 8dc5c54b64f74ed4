//! The bundled example must behave as README and EXPECTED.md say: the CLI
//! exits 1, the JSON report validates against the shipped schema, lists every
//! table with its fields, has flows, and contains every expected finding
//! (and none of the listed non-findings).

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn manifest(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Runs `piaudit scan examples/shop` into a temp dir; returns the report.
fn scan_shop(out: &Path) -> Value {
    Command::cargo_bin("piaudit")
        .unwrap()
        .args([
            "scan",
            "examples/shop",
            "--format",
            "json,html",
            "--lang",
            "en",
            "--deterministic",
            "--out",
        ])
        .arg(out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .code(1);
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// Rows `| RULE | subject | …` of the first and second tables of EXPECTED.md.
/// (rule, subject) rows of one EXPECTED.md table.
type Rows = Vec<(String, String)>;

fn expected_rows() -> (Rows, Rows) {
    let text = std::fs::read_to_string(manifest("examples/shop/EXPECTED.md")).unwrap();
    let mut tables: Vec<Rows> = vec![Vec::new()];
    let mut in_table = false;
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if line.starts_with('|') && cells.len() > 3 && cells[1].starts_with("CNPI-") {
            tables
                .last_mut()
                .unwrap()
                .push((cells[1].to_string(), cells[2].to_string()));
            in_table = true;
        } else if !line.starts_with('|') && in_table {
            tables.push(Vec::new());
            in_table = false;
        }
    }
    (
        tables[0].clone(),
        tables.get(1).cloned().unwrap_or_default(),
    )
}

#[test]
fn shop_report_matches_contract_and_expectations() {
    let dir = tempfile::tempdir().unwrap();
    let report = scan_shop(dir.path());

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest("reports/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");

    // Every table of the schema file is listed, with all its fields.
    let datasets = report["datasets"].as_array().unwrap();
    let names: BTreeSet<&str> = datasets
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for t in [
        "shop_member",
        "shop_address",
        "shop_order",
        "shop_payment_card",
        "sys_dept",
        "shop_product",
        "rpt_member_daily",
        "mkt_member_export",
        "v_order_contact",
    ] {
        assert!(names.contains(t), "missing dataset {t}: {names:?}");
    }
    let member = datasets
        .iter()
        .find(|d| d["name"] == "shop_member")
        .unwrap();
    assert_eq!(member["fields"].as_array().unwrap().len(), 14);
    assert_eq!(member["comment"], "会员信息表");

    // Flows reference only ids that exist.
    let field_ids: BTreeSet<&str> = datasets
        .iter()
        .flat_map(|d| d["fields"].as_array().unwrap())
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    // Flows end at fields or at endpoints (the contract allows both).
    let endpoint_ids: BTreeSet<&str> = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let flows = report["flows"].as_array().unwrap();
    assert!(!flows.is_empty());
    for f in flows {
        let to = f["to"].as_str().unwrap();
        assert!(
            field_ids.contains(f["from"].as_str().unwrap())
                && (field_ids.contains(to) || endpoint_ids.contains(to)),
            "{f}"
        );
    }

    // Findings: at least three, each with basis and file:line.
    let findings = report["findings"].as_array().unwrap();
    let rules: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.len() >= 3, "{rules:?}");
    for f in findings {
        assert!(!f["basis"].as_array().unwrap().is_empty());
        assert!(f["location"]["line"].as_u64().unwrap() >= 1);
    }
    let has = |rule: &str, subject: &str| {
        findings.iter().any(|f| {
            // Subjects, or the fields a grouped finding lists (schema 2.0).
            f["rule"] == rule
                && f["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain(f["fields"].as_array().into_iter().flatten())
                    .any(|s| s.as_str().unwrap().starts_with(subject))
        })
    };
    let (expected, forbidden) = expected_rows();
    assert!(
        expected.len() >= 3,
        "EXPECTED.md lists too few findings: {expected:?}"
    );
    for (rule, subject) in &expected {
        assert!(has(rule, subject), "expected {rule} on {subject}");
    }
    for (rule, subject) in &forbidden {
        let subject = subject.split(' ').next().unwrap();
        if subject.contains("sjhm") {
            // Only the masked export must be clean; the report-table copy is expected.
            assert!(!findings.iter().any(|f| f["rule"] == *rule
                && f["subjects"][1]
                    .as_str()
                    .unwrap()
                    .contains("mkt_member_export")));
        } else {
            assert!(!has(rule, subject), "unexpected {rule} on {subject}");
        }
    }

    // False-positive traps stay untagged; pinyin and comments are understood.
    let pi_of = |table: &str, col: &str| -> Value {
        let d = datasets.iter().find(|d| d["name"] == table).unwrap();
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == col)
            .unwrap()["pi"]
            .clone()
    };
    for (t, c) in [
        ("sys_dept", "dept_name"),
        ("shop_product", "product_name"),
        ("shop_product", "mobile_banner"),
        ("shop_product", "sms_template_code"),
    ] {
        assert!(pi_of(t, c).is_null(), "{t}.{c} must not be PI");
    }
    assert_eq!(
        pi_of("shop_member", "sfzh")["category"],
        "identity.national_id"
    );
    assert_eq!(pi_of("shop_member", "xm")["category"], "name");
    let evidence = pi_of("rpt_member_daily", "id_card")["evidence"].clone();
    assert!(
        evidence
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "lineage"),
        "{evidence}"
    );
    assert!(dir.path().join("report.html").exists());
}

#[test]
fn reports_are_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    scan_shop(a.path());
    scan_shop(b.path());
    for f in ["report.json", "report.html"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
}
