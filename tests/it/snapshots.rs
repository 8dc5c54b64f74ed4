//! Snapshot tests (insta) over the SQL fixtures in `tests/fixtures/sql/`:
//! for each file, the inventory, flows, findings and diagnostics in a compact
//! review-friendly text; plus the JSON report and terminal summary of one.
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

#[test]
fn json_report_and_terminal_summary() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sql/lineage.sql");
    let a = audit(&path);
    // `scan.roots` repeats the root as given, i.e. where the checkout lives.
    insta::assert_snapshot!(
        "lineage_report_json",
        piaudit::report::json::render(&a)
            .unwrap()
            .replace(env!("CARGO_MANIFEST_DIR"), "[ROOT]")
    );
    insta::assert_snapshot!(
        "lineage_terminal_summary",
        piaudit::report::text::summary(&a, 5)
    );
}
