//! Snapshot tests (insta) over the SQL fixtures in `tests/fixtures/sql/`:
//! for each file, the inventory, flows, findings and diagnostics in a compact
//! review-friendly text; plus the JSON report (as a compact text, see
//! `compact_json_report`) and the terminal summary of one.
//! Review changes with `cargo insta review`.

use piaudit::{scan, Audit, Config};
use std::fmt::Write as _;
use std::path::Path;

fn audit(path: &Path) -> Audit {
    let config = Config {
        roots: vec![path.to_path_buf()],
        lang: "en".into(),
        deterministic: true,
        today: Some("2026-06-01".into()),
        ..Config::default()
    };
    scan(&config).expect("scan succeeds")
}

fn compact(a: &Audit) -> String {
    let r = &a.report;
    let mut s = String::new();
    let c = &r.scan.coverage;
    let _ = writeln!(
        s,
        "coverage: {}/{} parsed, {} recovered",
        c.statements_parsed, c.statements_total, c.statements_recovered
    );
    for d in &r.datasets {
        let _ = writeln!(
            s,
            "{:?} {} @{}:{} {}",
            d.kind,
            d.name,
            d.location.line,
            d.location.column.unwrap_or(0),
            d.comment.as_deref().unwrap_or("")
        );
        for f in &d.fields {
            let tag = f.pi.as_ref().map_or_else(
                || "-".to_string(),
                |p| {
                    let kinds: Vec<&str> = p.evidence.iter().map(|e| e.kind.as_str()).collect();
                    format!(
                        "{}{} {:.2} [{}]",
                        p.category,
                        if p.sensitive { " (sensitive)" } else { "" },
                        p.confidence,
                        kinds.join(",")
                    )
                },
            );
            let prot = if f.protection.is_empty() {
                String::new()
            } else {
                format!(" protection={:?}", f.protection)
            };
            let _ = writeln!(
                s,
                "  {} {} @{} => {tag}{prot}",
                f.name,
                f.data_type.as_deref().unwrap_or("?"),
                f.location.line
            );
        }
    }
    for f in &r.flows {
        let _ = writeln!(
            s,
            "flow {} -> {} {:?} @{}",
            f.from, f.to, f.transform, f.location.line
        );
    }
    for f in &r.findings {
        let _ = writeln!(
            s,
            "{}[{}] {}:{} {}",
            f.severity,
            f.rule,
            f.location.file,
            f.location.line,
            f.subjects.join(" -> ")
        );
    }
    for d in &r.scan.diagnostics {
        let _ = writeln!(s, "{:?} {}:{} {}", d.severity, d.file, d.line, d.message);
    }
    s
}

#[test]
fn sql_fixtures() {
    insta::glob!("../fixtures/sql", "*.sql", |path| {
        insta::assert_snapshot!(compact(&audit(path)));
    });
}

/// The JSON report of one fixture, read back from the rendered JSON and
/// written one line per thing, so that a reviewer can read a change:
///
/// ```text
/// report schema=<v> tool=<name> <version> pack=<p> profile=<p>
/// scan files_scanned=<n> roots=<r,…> [key=<json> for any other key]
/// coverage <parsed>/<total> parsed, <n> recovered, <n> lost
/// file <file> <dialect> <parsed>/<total> parsed, <n> recovered, <n> lost
/// files_skipped|diagnostic|endpoint|control <the item as one-line JSON>
/// dataset <kind> <id> name=<name> system=<s> @<file>:<line>:<col> "<comment>"
///   field <name> <type> @<line>:<col> "<comment>" => <category>[ sensitive] <confidence>[ protection=<p,…>]
///     <evidence kind>: <evidence detail>
/// flow <from> -> <to> <transform> @<file>:<line>
/// finding <severity> <rule> <status> <fingerprint> @<file>:<line> <subject> -> …
///   <message>
/// rule <rule> "<title>" basis=<b,…>
///   remediation: <text>
/// summary pi_fields=<n> sensitive_fields=<n> <severity>=<n> …
/// ```
///
/// Title, basis and remediation belong to the rule, so they are written
/// once under `rule` (after the findings), and again on a finding only
/// where it differs from the first finding of its rule. Strings are
/// written as they are; absent or null values as `-`. A key this function
/// does not know is written as ` key=<json>` on its object's line, so a
/// new or renamed key in the JSON report shows up in the snapshot instead
/// of passing unseen.
fn compact_json_report(json: &str) -> String {
    use serde_json::{Map, Value};
    fn take(object: &mut Map<String, Value>, key: &str) -> Value {
        object.remove(key).unwrap_or(Value::Null)
    }
    fn text(value: &Value) -> String {
        match value {
            Value::Null => "-".to_string(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
            other => other.to_string(),
        }
    }
    /// ` key=<json>` for every key left in `object`.
    fn rest(object: Map<String, Value>) -> String {
        object
            .into_iter()
            .map(|(key, value)| format!(" {key}={value}"))
            .collect()
    }
    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            Value::Null => Map::new(),
            other => panic!("expected a JSON object, got {other}"),
        }
    }
    fn items(value: Value) -> Vec<Value> {
        match value {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => panic!("expected a JSON array, got {other}"),
        }
    }
    /// `<file>:<line>[:<col>]`, the file left out when it is `same_file`.
    fn location(value: Value, same_file: Option<&str>) -> String {
        let mut l = object(value);
        let file = text(&take(&mut l, "file"));
        let line = text(&take(&mut l, "line"));
        let column = match take(&mut l, "column") {
            Value::Null => String::new(),
            c => format!(":{c}"),
        };
        let file = if Some(file.as_str()) == same_file {
            String::new()
        } else {
            format!("{file}:")
        };
        format!("@{file}{line}{column}{}", rest(l))
    }
    fn quoted(value: Value) -> String {
        match value {
            Value::Null => String::new(),
            v => format!(" \"{}\"", text(&v)),
        }
    }
    fn counts(value: Value) -> String {
        let mut c = object(value);
        let total = take(&mut c, "statements_total");
        let parsed = take(&mut c, "statements_parsed");
        let recovered = take(&mut c, "statements_recovered");
        let lost = take(&mut c, "statements_lost");
        format!(
            "{parsed}/{total} parsed, {recovered} recovered, {lost} lost{}",
            rest(c)
        )
    }

    let mut report = object(serde_json::from_str(json).expect("the JSON report parses"));
    let mut out = String::new();
    let mut tool = object(take(&mut report, "tool"));
    let _ = writeln!(
        out,
        "report schema={} tool={} {} pack={} profile={}{}",
        text(&take(&mut report, "schema_version")),
        text(&take(&mut tool, "name")),
        text(&take(&mut tool, "version")),
        text(&take(&mut tool, "pack")),
        text(&take(&mut tool, "profile")),
        rest(tool)
    );

    let mut scan = object(take(&mut report, "scan"));
    let coverage = take(&mut scan, "coverage");
    let files = items(take(&mut scan, "files"));
    let skipped = items(take(&mut scan, "files_skipped"));
    let diagnostics = items(take(&mut scan, "diagnostics"));
    let _ = writeln!(
        out,
        "scan files_scanned={} roots={}{}",
        text(&take(&mut scan, "files_scanned")),
        text(&take(&mut scan, "roots")),
        rest(scan)
    );
    let _ = writeln!(out, "coverage {}", counts(coverage));
    for file in files {
        let mut f = object(file);
        let name = text(&take(&mut f, "file"));
        let dialect = text(&take(&mut f, "dialect"));
        let _ = writeln!(out, "file {name} {dialect} {}", counts(Value::Object(f)));
    }
    for (tag, list) in [("files_skipped", skipped), ("diagnostic", diagnostics)] {
        for item in list {
            let _ = writeln!(out, "{tag} {item}");
        }
    }

    for dataset in items(take(&mut report, "datasets")) {
        let mut d = object(dataset);
        let fields = items(take(&mut d, "fields"));
        let at = location(take(&mut d, "location"), None);
        let file = at
            .trim_start_matches('@')
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        let _ = writeln!(
            out,
            "dataset {} {} name={} system={} {at}{}{}",
            text(&take(&mut d, "kind")),
            text(&take(&mut d, "id")),
            text(&take(&mut d, "name")),
            text(&take(&mut d, "system")),
            quoted(take(&mut d, "comment")),
            rest(d)
        );
        for field in fields {
            let mut f = object(field);
            let id = text(&take(&mut f, "id"));
            let name = text(&take(&mut f, "name"));
            // The id is `<dataset id>.<name>`; written only when it is not.
            let unusual_id = if id.ends_with(&format!(".{name}")) {
                String::new()
            } else {
                format!(" id={id}")
            };
            let protection = match take(&mut f, "protection") {
                Value::Null => String::new(),
                p => format!(" protection={}", text(&p)),
            };
            let line = format!(
                "  field {name} {} {}{}",
                text(&take(&mut f, "type")),
                location(take(&mut f, "location"), Some(&file)),
                quoted(take(&mut f, "comment"))
            );
            let mut evidence = Vec::new();
            let pi = match take(&mut f, "pi") {
                Value::Null => "-".to_string(),
                pi => {
                    let mut p = object(pi);
                    evidence = items(take(&mut p, "evidence"));
                    let sensitive = match take(&mut p, "sensitive") {
                        Value::Bool(true) => " sensitive",
                        Value::Bool(false) | Value::Null => "",
                        other => panic!("pi.sensitive is {other}"),
                    };
                    format!(
                        "{}{sensitive} {}{}",
                        text(&take(&mut p, "category")),
                        text(&take(&mut p, "confidence")),
                        rest(p)
                    )
                }
            };
            let _ = writeln!(out, "{line} => {pi}{protection}{unusual_id}{}", rest(f));
            for e in evidence {
                let mut e = object(e);
                let _ = writeln!(
                    out,
                    "    {}: {}{}",
                    text(&take(&mut e, "kind")),
                    text(&take(&mut e, "detail")),
                    rest(e)
                );
            }
        }
    }
    for endpoint in items(take(&mut report, "endpoints")) {
        let _ = writeln!(out, "endpoint {endpoint}");
    }
    for flow in items(take(&mut report, "flows")) {
        let mut f = object(flow);
        let _ = writeln!(
            out,
            "flow {} -> {} {} {}{}",
            text(&take(&mut f, "from")),
            text(&take(&mut f, "to")),
            text(&take(&mut f, "transform")),
            location(take(&mut f, "location"), None),
            rest(f)
        );
    }
    for control in items(take(&mut report, "controls")) {
        let _ = writeln!(out, "control {control}");
    }

    // rule id -> (title, basis, remediation) of its first finding.
    let mut rules: std::collections::BTreeMap<String, (Value, Value, Value)> = Default::default();
    for finding in items(take(&mut report, "findings")) {
        let mut f = object(finding);
        let rule = text(&take(&mut f, "rule"));
        let about = (
            take(&mut f, "title"),
            take(&mut f, "basis"),
            take(&mut f, "remediation"),
        );
        let first = rules.entry(rule.clone()).or_insert_with(|| about.clone());
        let differs = if *first == about {
            String::new()
        } else {
            format!(
                " title={} basis={} remediation={}",
                about.0, about.1, about.2
            )
        };
        let subjects = match take(&mut f, "subjects") {
            Value::Array(subjects) => subjects.iter().map(text).collect::<Vec<_>>().join(" -> "),
            other => text(&other),
        };
        let message = text(&take(&mut f, "message"));
        let _ = writeln!(
            out,
            "finding {} {rule} {} {} {} {subjects}{differs}{}",
            text(&take(&mut f, "severity")),
            text(&take(&mut f, "status")),
            text(&take(&mut f, "fingerprint")),
            location(take(&mut f, "location"), None),
            rest(f)
        );
        let _ = writeln!(out, "  {message}");
    }
    for (rule, (title, basis, remediation)) in rules {
        let _ = writeln!(
            out,
            "rule {rule} \"{}\" basis={}",
            text(&title),
            text(&basis)
        );
        let _ = writeln!(out, "  remediation: {}", text(&remediation));
    }

    let mut summary = object(take(&mut report, "summary"));
    let mut by_severity = object(take(&mut summary, "findings_by_severity"));
    let mut line = format!(
        "summary pi_fields={} sensitive_fields={}",
        text(&take(&mut summary, "pi_fields")),
        text(&take(&mut summary, "sensitive_fields"))
    );
    for severity in ["info", "low", "medium", "high", "critical"] {
        let _ = write!(
            line,
            " {severity}={}",
            text(&take(&mut by_severity, severity))
        );
    }
    let _ = writeln!(out, "{line}{}{}", rest(by_severity), rest(summary));
    // Top-level keys this function does not know.
    for (key, value) in report {
        let _ = writeln!(out, "{key} {value}");
    }
    out
}

#[test]
fn json_report_and_terminal_summary() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sql/lineage.sql");
    let a = audit(&path);
    // `scan.roots` repeats the root as given, i.e. where the checkout lives.
    let json = piaudit::report::json::render(&a)
        .unwrap()
        .replace(env!("CARGO_MANIFEST_DIR"), "[ROOT]");
    insta::assert_snapshot!("lineage_report_compact", compact_json_report(&json));
    insta::assert_snapshot!(
        "lineage_terminal_summary",
        piaudit::report::text::summary(&a, 5)
    );
}

/// The compact form loses nothing silently: a key it does not know, at the
/// top level or inside a finding, is written out.
#[test]
fn compact_json_report_writes_unknown_keys() {
    let json = r#"{"schema_version": "9", "novel": [1],
        "findings": [{"rule": "R-1", "severity": "low", "subjects": ["a"],
                      "location": {"file": "f.sql", "line": 3}, "message": "m",
                      "status": "open", "fingerprint": "ff", "extra": true}]}"#;
    let compact = compact_json_report(json);
    assert!(compact.starts_with("report schema=9 "), "{compact}");
    assert!(
        compact.contains("finding low R-1 open ff @f.sql:3 a extra=true\n  m\n"),
        "{compact}"
    );
    assert!(compact.ends_with("novel [1]\n"), "{compact}");
}
