//! The SARIF, Markdown, JUnit and CSV reports of `examples/shop`: SARIF
//! validates against the official OASIS schema (`tests/schemas/`), Markdown
//! and CSV are snapshotted, and each format is checked with hostile input
//! (a column comment with `|`, `<script>` and a spreadsheet formula).

use piaudit::model::{FindingStatus, Severity};
use piaudit::report::{write_all, Format};
use piaudit::{scan, Audit, Config};
use quick_xml::events::Event;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const HOSTILE: &str = "CREATE TABLE `evil|tbl<script>alert(1)</script>` (\n  \
    mobile_phone CHAR(11) COMMENT '=HYPERLINK(\"http://x\")',\n  \
    sjhm CHAR(11) COMMENT '手机号码 | <script>alert(2)</script> *b* _i_ `c`'\n);\n";

fn shop(lang: &str, extra_sql: Option<&str>) -> (tempfile::TempDir, Audit) {
    let dir = tempfile::tempdir().unwrap();
    let mut roots = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop")];
    if let Some(sql) = extra_sql {
        let p = dir.path().join("hostile.sql");
        std::fs::write(&p, sql).unwrap();
        roots.push(p);
    }
    let audit = scan(&Config {
        roots,
        lang: lang.into(),
        deterministic: true,
        today: Some("2026-06-01".into()),
        ..Config::default()
    })
    .expect("scan succeeds");
    (dir, audit)
}

fn render(audit: &Audit, format: Format) -> String {
    format.render(audit).expect("renders")
}

fn open_count(audit: &Audit) -> usize {
    audit
        .report
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .count()
}

// ---------------------------------------------------------------- SARIF

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles offline")
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let (_dir, mut audit) = shop("zh-CN", Some(HOSTILE));
    // One waived and one baselined finding, to exercise suppressions.
    audit.report.findings[0].status = FindingStatus::Waived;
    audit.report.findings[1].status = FindingStatus::Baselined;
    let text = render(&audit, Format::Sarif);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let errors = schema_errors(&validator, &doc);
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );

    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "piaudit");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), audit.rules_applied.len());
    // Obligations not assessable are configuration notifications of the
    // run's invocation, each naming its rule (by id and index) and what is missing.
    assert!(
        !audit.report.not_assessable.is_empty(),
        "the shop example lacks some declarations"
    );
    let notes = run["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .expect("not-assessable notifications");
    assert_eq!(notes.len(), audit.report.not_assessable.len());
    for (n, na) in notes.iter().zip(&audit.report.not_assessable) {
        assert_eq!(n["associatedRule"]["id"], na.rule.as_str());
        let i = n["associatedRule"]["index"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], na.rule.as_str());
        assert_eq!(n["level"], "note");
        assert_eq!(n["properties"]["status"], "not_assessable");
        assert_eq!(n["properties"]["missing"][0], na.missing[0].as_str());
    }
    let cnpi020 = rules.iter().find(|r| r["id"] == "CNPI-020").unwrap();
    assert_eq!(cnpi020["defaultConfiguration"]["level"], "error");
    assert!(cnpi020["help"]["text"]
        .as_str()
        .unwrap()
        .contains("Encrypt the column at rest"));
    assert!(cnpi020["properties"]["basis"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b == "PIPL-51"));

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), audit.report.findings.len());
    for (f, res) in audit.report.findings.iter().zip(results) {
        let want = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        };
        assert_eq!(res["ruleId"], f.rule.as_str());
        assert_eq!(res["level"], want, "{}", f.rule);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["region"]["startLine"], f.location.line.max(1));
        // Two roots: examples/shop relative to the checkout's root, the
        // hostile file (in a temporary directory, outside it) absolute.
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        if uri.starts_with("file:///") {
            assert!(uri.ends_with("/hostile.sql"), "{uri}");
            assert!(loc["artifactLocation"].get("uriBaseId").is_none());
        } else {
            assert!(uri.starts_with("examples/shop/"), "{uri}");
            assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        }
        assert_eq!(
            res["partialFingerprints"]["piaudit/v1"],
            f.fingerprint.as_str()
        );
        let rule_index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[rule_index]["id"], f.rule.as_str());
        assert_eq!(
            res["message"]["text"],
            audit.messages[&f.fingerprint].en.as_str(),
            "English message"
        );
        match f.status {
            FindingStatus::Open => assert!(res.get("suppressions").is_none()),
            _ => {
                assert_eq!(res["suppressions"][0]["kind"], "external");
                assert_eq!(res["suppressions"][0]["status"], "accepted");
            }
        }
    }
    // The hostile table shares grouped findings with shop datasets; which
    // location is primary follows the sorted absolute paths (the checkout's
    // and the temporary directory's), so look at related locations too.
    let uris: Vec<&str> = results
        .iter()
        .flat_map(|r| {
            let primary = r["locations"].as_array().into_iter().flatten();
            let related = r["relatedLocations"].as_array().into_iter().flatten();
            primary.chain(related)
        })
        .filter_map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter().any(|u| u.ends_with("/hostile.sql")),
        "no result names hostile.sql: {uris:?}"
    );
    for uri in uris {
        assert!(
            uri.starts_with("examples/shop/")
                || (uri.starts_with("file:///") && uri.ends_with("/hostile.sql")),
            "{uri}"
        );
    }
}

#[test]
fn sarif_carries_confidence_fields_and_related_locations() {
    use piaudit::model::{Confidence, Location};
    let validator = sarif_validator();
    let (_dir, mut audit) = shop("en", None);
    let fields: Vec<String> = audit.report.datasets[0]
        .fields
        .iter()
        .take(3)
        .map(|f| f.id.clone())
        .collect();
    let f = &mut audit.report.findings[0];
    f.confidence = Confidence::NeedsReview;
    f.fields = fields.clone();
    f.evidence = vec!["seed row holds a bcrypt hash".into()];
    f.locations = vec![
        Location::line("examples/shop/db/schema.sql", 2),
        Location::line("db:postgres://h:5432/shop", 1),
    ];
    let doc: Value = serde_json::from_str(&render(&audit, Format::Sarif)).unwrap();
    let errors = schema_errors(&validator, &doc);
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let fp = audit.report.findings[0].fingerprint.as_str();
    let res = results
        .iter()
        .find(|r| r["partialFingerprints"]["piaudit/v1"] == fp)
        .unwrap();
    assert_eq!(res["properties"]["confidence"], "needs_review");
    assert_eq!(res["properties"]["fields"], serde_json::json!(fields));
    assert_eq!(
        res["properties"]["evidence"][0],
        "seed row holds a bcrypt hash"
    );
    let related = res["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 2);
    assert_eq!(
        (related[0]["id"].as_u64(), related[1]["id"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 2);
    assert_eq!(related[1]["logicalLocations"][0]["kind"], "resource");
    // Every other result says its confidence, and has one related location
    // per further location of its finding (none when it has none).
    for f in audit.report.findings.iter().skip(1) {
        let r = results
            .iter()
            .find(|r| r["partialFingerprints"]["piaudit/v1"] == f.fingerprint.as_str())
            .unwrap();
        assert!(r["properties"]["confidence"].is_string());
        let related = r
            .get("relatedLocations")
            .map_or(0, |v| v.as_array().unwrap().len());
        assert_eq!(related, f.locations.len(), "{}", f.rule);
    }
}

#[test]
fn sarif_paths_of_one_root_are_relative_to_srcroot() {
    let validator = sarif_validator();
    let (_dir, audit) = shop("en", None);
    let doc: Value = serde_json::from_str(&render(&audit, Format::Sarif)).unwrap();
    assert!(schema_errors(&validator, &doc).is_empty());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), audit.report.findings.len());
    let uris: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (a["uri"].as_str().unwrap(), a["uriBaseId"].as_str().unwrap())
        })
        .collect();
    // Relative to the root of the checkout (the git work tree holding
    // examples/shop), where code scanning looks for the file.
    assert!(
        uris.contains(&("examples/shop/db/schema.sql", "%SRCROOT%")),
        "{uris:?}"
    );
    assert!(uris
        .iter()
        .all(|(u, b)| u.starts_with("examples/shop/") && *b == "%SRCROOT%"));
    assert!(
        github_problems(&doc).is_empty(),
        "{:?}",
        github_problems(&doc)
    );
}

#[test]
fn sarif_keeps_the_most_severe_results_within_githubs_limit() {
    let (_dir, mut audit) = shop("en", None);
    let one_round = audit.report.findings.clone();
    assert!(one_round.iter().any(|f| f.severity <= Severity::Low));
    while audit.report.findings.len() <= piaudit::report::sarif::MAX_RESULTS {
        audit.report.findings.extend(one_round.iter().cloned());
    }
    let total = audit.report.findings.len();
    let doc: Value = serde_json::from_str(&render(&audit, Format::Sarif)).unwrap();
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), piaudit::report::sarif::MAX_RESULTS);
    assert_eq!(
        run["properties"]["resultsOmitted"].as_u64().unwrap() as usize,
        total - results.len()
    );
    // Nothing omitted is more severe than anything kept.
    let rank = |level: &str| {
        ["note", "warning", "error"]
            .iter()
            .position(|l| *l == level)
    };
    let kept_min = results
        .iter()
        .filter_map(|r| rank(r["level"].as_str().unwrap()))
        .min()
        .unwrap();
    let mut by_level = std::collections::BTreeMap::<usize, usize>::new();
    for f in &audit.report.findings {
        let level = piaudit::report::sarif::level(f.severity);
        *by_level.entry(rank(level).unwrap()).or_default() += 1;
    }
    let more_severe: usize = by_level.range(kept_min + 1..).map(|(_, n)| n).sum();
    let kept_more_severe = results
        .iter()
        .filter(|r| rank(r["level"].as_str().unwrap()).unwrap() > kept_min)
        .count();
    assert_eq!(kept_more_severe, more_severe);
    assert!(github_problems(&doc).is_empty());
}

/// What GitHub code scanning requires of an uploaded SARIF file beyond the
/// schema (docs.github.com, "SARIF support for code scanning"), as a list
/// of problems.
fn github_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    for run in doc["runs"].as_array().unwrap() {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in rules {
            let id = r["id"].as_str().unwrap_or("?");
            for key in ["shortDescription", "fullDescription"] {
                check(r[key]["text"].is_string(), format!("{id}: {key}"));
            }
            check(
                r["help"]["text"].is_string() && r["help"]["markdown"].is_string(),
                format!("{id}: help text and markdown"),
            );
            check(
                r["properties"]["tags"]
                    .as_array()
                    .is_some_and(|t| !t.is_empty()),
                format!("{id}: tags"),
            );
            let score = r["properties"]["security-severity"]
                .as_str()
                .and_then(|s| s.parse::<f64>().ok());
            check(
                score.is_some_and(|s| (0.0..=10.0).contains(&s)),
                format!("{id}: security-severity"),
            );
        }
        let results = run["results"].as_array().unwrap();
        check(results.len() <= 25_000, "more than 25,000 results".into());
        for (i, res) in results.iter().enumerate() {
            check(res["ruleId"].is_string(), format!("result {i}: ruleId"));
            check(
                ["error", "warning", "note", "none"].contains(&res["level"].as_str().unwrap_or("")),
                format!("result {i}: level"),
            );
            check(
                res["message"]["text"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty()),
                format!("result {i}: message.text"),
            );
            check(
                res["partialFingerprints"]
                    .as_object()
                    .is_some_and(|p| !p.is_empty()),
                format!("result {i}: partialFingerprints"),
            );
            let locations = res["locations"].as_array().unwrap();
            check(
                !locations.is_empty() && locations.len() <= 10,
                format!("result {i}: 1 to 10 locations"),
            );
            for loc in locations {
                let Some(phys) = loc.get("physicalLocation") else {
                    check(
                        loc["logicalLocations"]
                            .as_array()
                            .is_some_and(|l| !l.is_empty()),
                        format!("result {i}: neither physical nor logical location"),
                    );
                    continue;
                };
                let uri = phys["artifactLocation"]["uri"].as_str().unwrap_or("");
                check(
                    !uri.is_empty() && !uri.contains("://") && !uri.starts_with('/'),
                    format!("result {i}: uri {uri} is not relative"),
                );
                check(
                    !uri.split('/').any(|seg| seg == ".." || seg == "."),
                    format!("result {i}: uri {uri} has dot segments"),
                );
                check(
                    phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%",
                    format!("result {i}: uriBaseId"),
                );
                check(
                    phys["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
                    format!("result {i}: region.startLine"),
                );
            }
        }
    }
    problems
}

/// A git repository `repo` in a temporary directory: `db/schema.sql` and
/// `etl/copy.sql`, and piaudit.yaml when `declared`.
fn sarif_repo(declared: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("db")).unwrap();
    std::fs::create_dir_all(repo.join("etl")).unwrap();
    std::fs::write(
        repo.join("db/schema.sql"),
        "CREATE TABLE customer (\n  id BIGINT,\n  id_card VARCHAR(18) COMMENT '身份证号',\n  \
         mobile VARCHAR(11) COMMENT '手机号'\n);\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("etl/copy.sql"),
        "CREATE TABLE customer_copy (mobile VARCHAR(11) COMMENT '手机号');\n\
         INSERT INTO customer_copy (mobile) SELECT mobile FROM customer;\n",
    )
    .unwrap();
    if declared {
        // `incident: {}` declares no incident plan: a project finding (CNPI-066).
        std::fs::write(repo.join("db/piaudit.yaml"), "version: 1\nincident: {}\n").unwrap();
    }
    crate::common::git(&repo, &["init", "-q"]);
    dir
}

/// `piaudit scan` of `roots` run in `cwd`; the SARIF log, checked against
/// the schema and GitHub's requirements.
fn sarif_of(cwd: &Path, roots: &[&str], extra: &[&str]) -> Value {
    let out = tempfile::tempdir().unwrap();
    let run = crate::common::piaudit()
        .current_dir(cwd)
        .args(["scan", "--format", "sarif", "--deterministic", "--out"])
        .arg(out.path())
        .args(extra)
        .args(roots)
        .output()
        .unwrap();
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.sarif")).unwrap())
            .unwrap();
    let errors = schema_errors(&sarif_validator(), &doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let problems = github_problems(&doc);
    assert!(problems.is_empty(), "{problems:?}");
    doc
}

fn result_uris(doc: &Value) -> BTreeSet<String> {
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .map(str::to_string)
        .collect()
}

fn srcroot(doc: &Value) -> String {
    doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn sarif_uris_of_a_subfolder_scan_are_relative_to_the_git_root() {
    let dir = sarif_repo(false);
    let doc = sarif_of(dir.path(), &["repo/db"], &[]);
    assert_eq!(
        result_uris(&doc),
        BTreeSet::from(["db/schema.sql".to_string()])
    );
    assert!(srcroot(&doc).starts_with("file:///"));
    assert!(srcroot(&doc).ends_with("/repo/"), "{}", srcroot(&doc));
    // Run from inside the folder: the same URIs.
    let inside = sarif_of(&dir.path().join("repo/db"), &["."], &[]);
    assert_eq!(result_uris(&inside), result_uris(&doc));
    // --sarif-root names another base.
    let rooted = sarif_of(dir.path(), &["repo/db"], &["--sarif-root", "."]);
    assert_eq!(
        result_uris(&rooted),
        BTreeSet::from(["repo/db/schema.sql".to_string()])
    );
}

#[test]
fn sarif_uris_of_two_roots_carry_no_doubled_prefix() {
    let dir = sarif_repo(false);
    let doc = sarif_of(dir.path(), &["repo/db", "./repo/etl/"], &[]);
    assert_eq!(
        result_uris(&doc),
        BTreeSet::from(["db/schema.sql".to_string(), "etl/copy.sql".to_string()])
    );
}

#[test]
fn sarif_project_findings_are_on_piaudit_yaml_only_when_it_exists() {
    // Project duties (a declaration prompt grouped per project since report
    // schema 2.0 points at its first dataset instead: left out here).
    let project = |doc: &Value| -> Vec<Value> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["properties"]["subjects"][0] == "project")
            .map(|r| r["locations"][0].clone())
            .filter(|l| {
                l["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .is_none_or(|u| u.ends_with("piaudit.yaml"))
            })
            .collect()
    };
    let dir = sarif_repo(false);
    // Undeclared organisational duties make no finding (they are not
    // assessable); the legacy profile without a reason (CNPI-069) is a
    // project finding that needs no piaudit.yaml.
    let missing = sarif_of(dir.path(), &["repo/db"], &["--profile", "gbt35273"]);
    let locations = project(&missing);
    assert!(!locations.is_empty());
    for loc in &locations {
        assert!(loc.get("physicalLocation").is_none(), "{loc}");
        assert_eq!(loc["logicalLocations"][0]["name"], "project");
    }
    let dir = sarif_repo(true);
    let declared = sarif_of(dir.path(), &["repo/db"], &[]);
    let locations = project(&declared);
    assert!(!locations.is_empty());
    for loc in &locations {
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"], "db/piaudit.yaml",
            "{loc}"
        );
    }
}

#[test]
fn sarif_rule_help_cites_the_law_and_the_fix() {
    let (_dir, audit) = shop("en", None);
    let doc: Value = serde_json::from_str(&render(&audit, Format::Sarif)).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for rule in &audit.rules_applied {
        let r = rules.iter().find(|r| r["id"] == rule.id.as_str()).unwrap();
        let text = r["help"]["text"].as_str().unwrap();
        let md = r["help"]["markdown"].as_str().unwrap();
        assert!(text.contains(&rule.remediation.en), "{}", rule.id);
        assert!(md.contains(&rule.remediation.zh), "{}", rule.id);
        for code in &rule.basis {
            let p = audit.law.get(code).unwrap();
            let instrument = &audit.law.instruments[&p.instrument];
            assert!(text.contains(code.as_str()), "{}: {code}", rule.id);
            assert!(text.contains(&instrument.en), "{}: {code}", rule.id);
            assert!(md.contains(&instrument.zh), "{}: {code}", rule.id);
            if p.instrument.starts_with("GB") {
                // Standards number clauses.
                if let Some(clause) = p.article.as_deref() {
                    assert!(text.contains(&format!("clause {clause}")), "{code}");
                }
            } else if let Some(article) = p
                .article
                .as_deref()
                .filter(|a| a.bytes().all(|b| b.is_ascii_digit()))
            {
                assert!(
                    text.contains(&format!("Article {article}")),
                    "{}: {code}",
                    rule.id
                );
                assert!(
                    md.contains(&format!("第{article}条")),
                    "{}: {code}",
                    rule.id
                );
            }
        }
    }
}

#[test]
fn sarif_schema_check_rejects_a_broken_log() {
    // The validator really checks: a wrong level and a missing message fail.
    let validator = sarif_validator();
    let (_dir, audit) = shop("en", None);
    let mut doc: Value = serde_json::from_str(&render(&audit, Format::Sarif)).unwrap();
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    doc["runs"][0]["results"][1]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(schema_errors(&validator, &doc).len() >= 2);
    // So does the GitHub check: an absolute URI and a line 0.
    let mut doc: Value = serde_json::from_str(&render(&audit, Format::Sarif)).unwrap();
    assert!(github_problems(&doc).is_empty());
    let loc = &mut doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    loc["artifactLocation"]["uri"] = "file:///etc/x.sql".into();
    loc["region"]["startLine"] = 0.into();
    assert_eq!(
        github_problems(&doc).len(),
        2,
        "{:?}",
        github_problems(&doc)
    );
}

// ------------------------------------------------------------- Markdown

#[test]
fn markdown_counts_findings_and_escapes_hostile_values() {
    let (_dir, audit) = shop("en", Some(HOSTILE));
    let md = render(&audit, Format::Markdown);
    for sev in Severity::DESCENDING {
        let n = audit.report.summary.findings_by_severity[&sev];
        assert!(
            md.contains(&format!("| {sev} | {n} |")),
            "count row for {sev}:\n{md}"
        );
    }
    assert!(md.contains(&format!("**{} open findings**", open_count(&audit))));
    assert!(md.contains("Waived: 0. Baselined: 0."));
    assert!(!md.contains("<script>"), "raw HTML in:\n{md}");
    assert!(
        md.contains(r"evil\|tbl&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped table name:\n{md}"
    );
    // Table rows keep their two cells: no unescaped `|` beyond the borders.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let unescaped = line
            .match_indices('|')
            .filter(|(i, _)| *i == 0 || &line[i - 1..*i] != "\\");
        assert_eq!(unescaped.count(), 3, "row `{line}`");
    }
    // Fix-first lines: rank, severity, confidence, rule, title, what, file:line, fix.
    assert!(md
        .lines()
        .any(|l| l.starts_with("1. **") && l.contains(" · ")));
    // Grouped: the rule with its basis once, then a line per finding with
    // severity, confidence, file:line and message.
    assert!(md
        .lines()
        .any(|l| l.starts_with("**`CNPI-020`** ") && l.contains("(PIPL-51")));
    assert!(md
        .lines()
        .any(|l| l.starts_with("- **high** · ") && l.contains("/examples/shop/db/schema.sql:")));
}

#[test]
fn markdown_lists_most_severe_first_and_caps_the_list() {
    let (_dir, mut audit) = shop("zh-CN", None);
    let template = audit.report.findings[0].clone();
    for i in 0..60 {
        let mut f = template.clone();
        f.severity = Severity::Info;
        f.fingerprint = format!("extra{i}");
        audit.report.findings.push(f);
    }
    let md = render(&audit, Format::Markdown);
    let items: Vec<&str> = md.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(items.len(), 50, "50 findings");
    let more = open_count(&audit) - 50;
    assert!(md.lines().any(|l| l == format!("… 另有 {more} 条")), "{md}");
    let first = audit.report.worst_open_severity().expect("open findings");
    assert!(
        items[0].starts_with(&format!("- **{first}**")),
        "{} (worst open: {first})",
        items[0]
    );
    assert!(md.contains("个人信息合规审计") && md.contains("| 严重程度 | 未关闭 |"));
}

#[test]
fn markdown_snapshots() {
    for lang in ["zh-CN", "en"] {
        let (_dir, audit) = shop(lang, None);
        insta::assert_snapshot!(
            format!("markdown_shop_{lang}"),
            render(&audit, Format::Markdown)
        );
    }
}

// ---------------------------------------------------------------- JUnit

struct JunitCounts {
    suites: usize,
    cases: usize,
    failures: Vec<(String, String)>,
    skipped: usize,
}

/// Parses the document (quick-xml checks tag nesting and entities) and
/// counts its elements; failure = (message attribute unescaped, type).
fn parse_junit(xml: &str) -> JunitCounts {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut c = JunitCounts {
        suites: 0,
        cases: 0,
        failures: Vec::new(),
        skipped: 0,
    };
    let mut depth = 0i32;
    loop {
        let ev = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.buffer_position()));
        let (start, empty) = match &ev {
            Event::Start(s) => (Some(s.clone()), false),
            Event::Empty(s) => (Some(s.clone()), true),
            Event::End(_) => {
                depth -= 1;
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        let Some(s) = start else { continue };
        if !empty {
            depth += 1;
        }
        let attr = |name: &str| {
            s.try_get_attribute(name).unwrap().map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned()
            })
        };
        match s.name().as_ref() {
            "testsuite" => c.suites += 1,
            "testcase" => c.cases += 1,
            "failure" => c
                .failures
                .push((attr("message").unwrap(), attr("type").unwrap())),
            "skipped" => c.skipped += 1,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    c
}

#[test]
fn junit_is_well_formed_with_one_failure_per_open_finding() {
    let (_dir, mut audit) = shop("en", Some(HOSTILE));
    audit.report.findings[0].status = FindingStatus::Waived;
    let xml = render(&audit, Format::Junit);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert!(!xml.contains("<script>"));
    let c = parse_junit(&xml);
    assert_eq!(c.suites, audit.rules_applied.len());
    assert_eq!(c.failures.len(), open_count(&audit));
    assert_eq!(c.skipped, 1);
    let rules_without_findings = audit
        .rules_applied
        .iter()
        .filter(|r| !audit.report.findings.iter().any(|f| f.rule == r.id))
        .count();
    assert!(
        rules_without_findings > 0,
        "the example leaves some rules passing"
    );
    assert_eq!(
        c.cases,
        audit.report.findings.len() + rules_without_findings
    );
    // The hostile table name survives escaping and unescaping unchanged.
    let hostile = audit
        .report
        .findings
        .iter()
        .find(|f| f.status == FindingStatus::Open && f.message.contains("<script>"))
        .expect("a finding about the hostile table");
    let want = &audit.messages[&hostile.fingerprint].en;
    assert!(c.failures.iter().any(|(m, _)| m == want), "{want}");
    for (_, kind) in &c.failures {
        assert!(kind.parse::<Severity>().is_ok(), "type={kind}");
    }
}

// ------------------------------------------------------------------ CSV

fn csv_records(text: &str) -> Vec<Vec<String>> {
    let body = text.strip_prefix('\u{feff}').expect("starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_inventory_has_bom_bilingual_headers_and_one_row_per_pi_field() {
    let (_dir, audit) = shop("zh-CN", Some(HOSTILE));
    let text = render(&audit, Format::Csv);
    assert!(text.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(text.contains("\r\n"));
    let rows = csv_records(&text);
    assert_eq!(rows[0][0], "数据集 dataset");
    assert_eq!(rows[0].len(), 13);
    assert!(
        rows[0].iter().all(|h| h.contains(' ') && !h.is_ascii()),
        "bilingual headers"
    );
    assert_eq!(rows.len() - 1, audit.report.summary.pi_fields as usize);
    assert!(rows[1..].iter().all(|r| r.len() == 13));
    let formula = rows
        .iter()
        .find(|r| r[1] == "mobile_phone")
        .expect("the hostile PI column is in the inventory");
    assert_eq!(formula[4], "'=HYPERLINK(\"http://x\")");
    assert!(rows
        .iter()
        .all(|r| r.iter().all(|c| !c.starts_with(['=', '+', '-', '@']))));
    let card = rows.iter().find(|r| r[1] == "bank_card_no").unwrap();
    assert_eq!(card[8], "yes");
    assert_eq!(card[10], "encrypted");
    assert!(card[11].ends_with("examples/shop/db/schema.sql"));
    let field = audit
        .report
        .datasets
        .iter()
        .flat_map(|d| &d.fields)
        .find(|f| f.name == "bank_card_no")
        .unwrap();
    assert_eq!(card[12], field.location.line.to_string());
}

#[test]
fn csv_snapshot() {
    let (_dir, audit) = shop("zh-CN", None);
    let text = render(&audit, Format::Csv);
    // Stored without the BOM and with LF line ends for review; both are
    // asserted above.
    let readable = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    insta::assert_snapshot!("inventory_shop_csv", readable);
}

// ---------------------------------------------------------------- files

#[test]
fn write_all_writes_each_format_to_its_file() {
    let (dir, audit) = shop("en", None);
    let out = dir.path().join("out");
    let formats = [Format::Sarif, Format::Markdown, Format::Junit, Format::Csv];
    let written = write_all(&audit, &formats, &out).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "report.sarif",
            "report.md",
            "report.junit.xml",
            "inventory.csv"
        ]
    );
    for p in &written {
        assert!(std::fs::metadata(p).unwrap().len() > 100, "{}", p.display());
    }
}

// ---------------------------------------------------------------- lineage exports

/// Distinct (source, target, transform) triples of the audit's flows, as
/// `dataset.column` names (an endpoint is `<endpoint id>.*`): what every
/// lineage export must show.
fn flow_triples(audit: &Audit) -> std::collections::BTreeSet<(String, String, String)> {
    let name = |id: &str| {
        audit
            .report
            .field(id)
            .map(|(d, f)| format!("{}.{}", d.name, f.name))
            .unwrap_or_else(|| format!("{id}.*"))
    };
    audit
        .report
        .flows
        .iter()
        .map(|f| (name(&f.from), name(&f.to), f.transform.as_str().to_string()))
        .collect()
}

#[test]
fn lineage_dot_and_mermaid_show_every_flow() {
    let (_dir, audit) = shop("en", None);
    let triples = flow_triples(&audit);
    assert!(triples.len() >= 3, "the shop example has flows");
    let dot = render(&audit, Format::Dot);
    assert!(dot.starts_with("digraph lineage {"), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), triples.len(), "{dot}");
    for (from, to, t) in &triples {
        let edge = format!("\"{from}\" -> \"{to}\" [label=\"{t}\"]");
        assert!(dot.contains(&edge), "missing {edge} in\n{dot}");
    }
    let mermaid = render(&audit, Format::Mermaid);
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert_eq!(mermaid.matches(" -->|").count(), triples.len(), "{mermaid}");
    insta::assert_snapshot!("lineage_shop_dot", dot);
    insta::assert_snapshot!("lineage_shop_mermaid", mermaid);
}

#[test]
fn lineage_exports_escape_hostile_names() {
    let sql = "CREATE TABLE `a\"b` (phone CHAR(11) COMMENT '手机号');\n\
               CREATE TABLE `c]d` (phone CHAR(11));\n\
               INSERT INTO `c]d` (phone) SELECT phone FROM `a\"b`;\n";
    let (_dir, audit) = shop("en", Some(sql));
    let dot = render(&audit, Format::Dot);
    assert!(dot.contains("\"a\\\"b.phone\" -> \"c]d.phone\""), "{dot}");
    let mermaid = render(&audit, Format::Mermaid);
    assert!(!mermaid.contains("[\"a\"b\"]"), "{mermaid}");
}

#[test]
fn openlineage_event_has_the_required_keys_and_every_flow() {
    let (_dir, audit) = shop("en", None);
    let text = render(&audit, Format::OpenLineage);
    assert_eq!(text, render(&audit, Format::OpenLineage), "deterministic");
    let ev: Value = serde_json::from_str(&text).unwrap();
    // RunEvent required keys (OpenLineage 2-0-2).
    for key in [
        "eventType",
        "eventTime",
        "run",
        "job",
        "producer",
        "schemaURL",
    ] {
        assert!(ev.get(key).is_some(), "missing {key}");
    }
    assert_eq!(ev["eventType"], "COMPLETE");
    assert_eq!(ev["eventTime"], "2026-06-01T00:00:00Z");
    let run_id = ev["run"]["runId"].as_str().unwrap();
    let groups: Vec<usize> = run_id.split('-').map(str::len).collect();
    assert_eq!(groups, vec![8, 4, 4, 4, 12], "{run_id}");
    assert!(ev["job"]["namespace"]
        .as_str()
        .unwrap()
        .starts_with("piaudit://"));
    assert!(ev["job"]["name"].is_string());
    assert!(ev["schemaURL"]
        .as_str()
        .unwrap()
        .contains("OpenLineage.json"));
    let inputs: Vec<&str> = ev["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for out in ev["outputs"].as_array().unwrap() {
        assert!(out["namespace"].is_string() && out["name"].is_string());
        let cl = &out["facets"]["columnLineage"];
        assert!(cl["_producer"].is_string(), "{cl}");
        assert!(cl["_schemaURL"]
            .as_str()
            .unwrap()
            .contains("ColumnLineageDatasetFacet"));
        for (column, spec) in cl["fields"].as_object().unwrap() {
            for input in spec["inputFields"].as_array().unwrap() {
                for key in ["namespace", "name", "field"] {
                    assert!(input[key].is_string(), "inputField without {key}: {input}");
                }
                let name = input["name"].as_str().unwrap();
                assert!(inputs.contains(&name), "{name} is not an input dataset");
                let t = &input["transformations"][0];
                assert_eq!(t["type"], "DIRECT");
                seen.insert((
                    format!("{name}.{}", input["field"].as_str().unwrap()),
                    format!("{}.{column}", out["name"].as_str().unwrap()),
                    t["description"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    assert_eq!(seen, flow_triples(&audit));
    // PI is named on the datasets, never with a value.
    assert!(text.contains("piaudit_personalInformation"));
    // The namespace carries the scanned root and the run id is derived from
    // it: both depend on where the checkout lives, so they are redacted.
    let root = ev["job"]["namespace"].as_str().unwrap().to_string();
    let stable = text
        .replace(&root, "piaudit://[ROOT]")
        .replace(run_id, "[RUN-ID]");
    insta::assert_snapshot!("lineage_shop_openlineage", stable);
}
