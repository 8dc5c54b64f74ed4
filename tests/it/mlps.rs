//! The `mlps-l3` pack (GB/T 22239-2019 level-3 self-check): its fixtures,
//! joining it with cn-2026 (`--pack cn-2026,mlps-l3`), the report's
//! `self_check` table (schema, statuses, findings only for non-compliant
//! items, the HTML section), the `mlps:` declarations (bad level or filing
//! number: exit 2 with file:line), and reports without the pack unchanged.

use assert_cmd::Command;
use piaudit::authoring::fixtures;
use piaudit::data::DataFiles;
use piaudit::pipeline::Knowledge;
use serde_json::Value;
use std::path::Path;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// A small project with something for several items either way.
const PROJECT: &[(&str, &str)] = &[
    (
        "piaudit.yaml",
        "version: 1\norganisation:\n  name: 示例科技有限公司\nmlps:\n  system: 会员服务平台\n  level: 3\n  filing_number: \"11010813001-20001\"\n  filing_date: \"2024-05-01\"\n  inspector: 安全部 张工\n  last_assessment:\n    date: \"2025-03-01\"\n    agency: 某测评技术有限公司\n  backup:\n    local: true\n    offsite_realtime: false\n    last_drill:\n      date: \"2026-09-01\"\n  not_applicable:\n    - item: MLPS-8.1.4.1-c1\n      reason: TLS 在负载均衡终止\n",
    ),
    (
        "src/main/resources/application.yml",
        "spring:\n  redis:\n    host: 10.1.2.3\n  datasource:\n    url: jdbc:mysql://10.1.2.4:3306/m?useSSL=true\nserver:\n  servlet:\n    session:\n      timeout: 30m\nuser:\n  password:\n    maxRetryCount: 0\n",
    ),
    (
        "src/main/java/com/x/SecurityConfig.java",
        "package com.x;\npublic class SecurityConfig {\n    void configure(HttpSecurity http) throws Exception {\n        http.authorizeRequests()\n            .antMatchers(\"/login\").anonymous()\n            .antMatchers(\"/druid/**\").permitAll()\n            .anyRequest().authenticated();\n    }\n    PasswordEncoder encoder() { return new BCryptPasswordEncoder(); }\n}\n",
    ),
    (
        "db/seed.sql",
        "CREATE TABLE sys_user (user_id BIGINT, login_name VARCHAR(30), password VARCHAR(100));\nINSERT INTO sys_user VALUES (1, 'admin', '0192023a7bbd73250516f069df18b500');\n",
    ),
];

fn scan(root: &Path, pack: &str, out: &Path) -> (i32, Value, String) {
    let a = Command::cargo_bin("piaudit")
        .unwrap()
        .args(["scan", "."])
        .args(["--pack", pack, "--as-of", "2026-12-07", "--deterministic"])
        .args(["--lang", "en"])
        .args(["--format", "json,html,md", "--out"])
        .arg(out)
        .current_dir(root)
        .output()
        .unwrap();
    let code = a.status.code().unwrap_or(-1);
    let text = std::fs::read_to_string(out.join("report.json"))
        .unwrap_or_else(|_| panic!("no report: {}", String::from_utf8_lossy(&a.stderr)));
    (
        code,
        serde_json::from_str(&text).unwrap(),
        // The summary goes to stdout or stderr depending on the terminal.
        format!(
            "{}{}",
            String::from_utf8_lossy(&a.stdout),
            String::from_utf8_lossy(&a.stderr)
        ),
    )
}

#[test]
fn every_item_passes_its_fixtures_alone_and_joined() {
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "mlps-l3", None).expect("pack loads");
    assert!(k.pack.rules.len() >= 30, "{} items", k.pack.rules.len());
    assert!(k.pack.rules.values().all(|r| r.check.is_some()));
    let report = fixtures::run_pack(&k, &files);
    assert!(report.passed(), "{:#?}", report.failures);
    assert_eq!(report.tested.len(), k.pack.rules.len());

    let cn = Knowledge::load(&files, "cn-2026", None).unwrap();
    let both = Knowledge::load(&files, "cn-2026,mlps-l3", None).expect("joined");
    assert_eq!(both.pack.id, "cn-2026,mlps-l3");
    assert_eq!(both.pack.members, ["cn-2026", "mlps-l3"]);
    assert_eq!(
        both.pack.rules.len(),
        cn.pack.rules.len() + k.pack.rules.len()
    );
    assert!(both.pack.extended_controls && !cn.pack.extended_controls);
    assert_eq!(both.pack.default_profile, cn.pack.default_profile);
}

#[test]
fn a_pack_named_twice_or_unknown_is_a_usage_error() {
    let files = DataFiles::embedded();
    let twice = Knowledge::load(&files, "cn-2026,cn-2026", None).unwrap_err();
    assert!(twice.to_string().contains("named twice"), "{twice}");
    let unknown = Knowledge::load(&files, "cn-2026,mlps-l9", None).unwrap_err();
    assert!(unknown.to_string().contains("mlps-l3"), "{unknown}");
    Command::cargo_bin("piaudit")
        .unwrap()
        .args(["rules", "list", "--pack", "mlps-l3,"])
        .assert()
        .success();
    Command::cargo_bin("piaudit")
        .unwrap()
        .args(["rules", "list", "--pack", "cn-2026,nope"])
        .assert()
        .code(2);
}

#[test]
fn the_self_check_table_is_in_json_and_html_and_only_there_with_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), PROJECT);
    let out = dir.path().join("out");
    let (code, report, stdout) = scan(dir.path(), "cn-2026,mlps-l3", &out);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("MLPS 2.0 level 3 technical self-check: compliant "),
        "{stdout}"
    );

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");

    let table = &report["self_check"];
    assert_eq!(table["standard"], "GB/T 22239-2019");
    let rec = &table["record"];
    assert_eq!(rec["filing_number"], "11010813001-20001");
    assert_eq!(rec["declared_level"], 3);
    assert_eq!(rec["date"], "2026-12-07");
    assert_eq!(rec["organisation"], "示例科技有限公司");
    let items = table["items"].as_array().unwrap();
    assert!(items.len() >= 30);
    let counted: u64 = rec["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, items.len());
    let status = |id: &str| {
        items
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("no row {id}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (id, want) in [
        ("MLPS-8.1.4.1-a3", "non_compliant"), // Redis without a password
        ("MLPS-8.1.4.1-b1", "non_compliant"), // maxRetryCount: 0
        ("MLPS-8.1.4.1-b2", "compliant"),     // 30 minutes
        ("MLPS-8.1.4.1-c1", "not_applicable"),
        ("MLPS-8.1.4.2-a1", "non_compliant"), // /druid/** permitAll
        ("MLPS-8.1.4.2-b1", "non_compliant"), // seeded admin
        ("MLPS-8.1.4.2-b2", "non_compliant"), // md5(admin123)
        ("MLPS-8.1.4.8-a1", "compliant"),     // useSSL=true
        ("MLPS-8.1.4.8-b1", "compliant"),     // BCrypt
        ("MLPS-8.1.4.9-a1", "compliant"),     // drill within the year
        ("MLPS-8.1.4.9-b1", "non_compliant"), // declared false
        ("MLPS-8.1.4.9-c1", "unverifiable"),
        ("MLPS-ADM-1", "compliant"),
        ("MLPS-ADM-2", "non_compliant"), // 2025-03-01 < 2025-12-07
        ("MLPS-ADM-3", "unverifiable"),
    ] {
        assert_eq!(status(id), want, "{id}");
    }
    // Findings: exactly the non-compliant items, each pointing at its evidence.
    let findings = report["findings"].as_array().unwrap();
    for i in items {
        let id = i["id"].as_str().unwrap();
        let fired = findings.iter().any(|f| f["rule"] == id);
        assert_eq!(fired, i["status"] == "non_compliant", "{id}");
        if i["status"] == "unverifiable" {
            assert!(i["evidence"].as_array().unwrap().is_empty());
            assert!(!i["note"]["zh"].as_str().unwrap().is_empty(), "{id}");
        } else {
            assert!(!i["evidence"].as_array().unwrap().is_empty(), "{id}");
        }
    }
    let druid = items.iter().find(|i| i["id"] == "MLPS-8.1.4.2-a1").unwrap();
    assert_eq!(
        druid["evidence"][0]["file"],
        "src/main/java/com/x/SecurityConfig.java"
    );
    assert_eq!(druid["evidence"][0]["line"], 6);
    // No secret or hash is ever copied into the report.
    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(!text.contains("0192023a7bbd73250516f069df18b500"));

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for s in [
        "网络安全等级保护（第三级）技术要求自查表",
        "MLPS 2.0 level 3 technical self-check",
        "检查记录",
        "11010813001-20001",
        "MLPS-8.1.4.2-b2",
        "无法核查",
    ] {
        assert!(html.contains(s), "HTML lacks {s}");
    }

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("**MLPS 2.0 level 3 technical self-check**: compliant "),
        "{md}"
    );

    // Without the pack: no table, no extended controls, nothing about MLPS.
    let plain = dir.path().join("plain");
    let (_, report, stdout) = scan(dir.path(), "cn-2026", &plain);
    assert!(!stdout.contains("self-check"), "{stdout}");
    assert!(report.get("self_check").is_none());
    let kinds: Vec<&str> = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for k in kinds {
        assert!(
            !piaudit::extract::EXTENDED_CONTROL_KINDS.contains(&k),
            "{k} leaked into a cn-2026 report"
        );
    }
    let html = std::fs::read_to_string(plain.join("report.html")).unwrap();
    assert!(!html.contains("self-check"));
}

#[test]
fn bad_mlps_declarations_exit_2_with_the_line() {
    for (decl, line, says) in [
        (
            "version: 1\nmlps:\n  system: 会员平台\n  level: 7\n",
            4,
            "protection level",
        ),
        (
            "version: 1\nmlps:\n  filing_number: \"1101081300-20001\"\n",
            3,
            "filing number",
        ),
        (
            "version: 1\nmlps:\n  level: 3\n  last_assessment:\n    date: 2026-13-01\n",
            5,
            "not a date",
        ),
        (
            "version: 1\nmlps:\n  not_applicable:\n    - { item: MLPS-9.9.9-z1, reason: typo }\n",
            1,
            "no item `MLPS-9.9.9-z1`",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("piaudit.yaml", decl),
                ("a.sql", "CREATE TABLE t (id INT);"),
            ],
        );
        let a = Command::cargo_bin("piaudit")
            .unwrap()
            .args(["scan", ".", "--pack", "mlps-l3", "--out"])
            .arg(dir.path().join("out"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&a.stderr);
        assert_eq!(a.status.code(), Some(2), "{decl}: {err}");
        assert!(
            err.contains(&format!("piaudit.yaml:{line}")),
            "{decl}: {err}"
        );
        assert!(err.contains(says), "{decl}: {err}");
    }
}
