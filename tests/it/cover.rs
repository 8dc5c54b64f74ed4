//! "What do I fix first" (issue #18, deliverable 6): the HTML cover names at
//! most ten open findings in rank order (severity × confidence × breadth),
//! each with its table/columns and file:line, never a waived one; the
//! findings section groups by rule with the law text once and each
//! finding's fields in a `<details>`; Markdown, the terminal and
//! `findings.csv` carry the same ranking and the new finding fields.
//!
//! The findings are built by hand on the `examples/shop` audit (with
//! `confidence`, `fields` and `locations` set, which the rules do not all
//! fill yet), so the ranking is checked on known inputs.

use piaudit::model::{Confidence, Finding, FindingStatus, Location, Severity};
use piaudit::report::{rank, text, Format};
use piaudit::{scan, Audit, Config};
use std::path::Path;

fn shop() -> Audit {
    scan(&Config {
        roots: vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop")],
        lang: "en".into(),
        deterministic: true,
        today: Some("2026-06-01".into()),
        ..Config::default()
    })
    .expect("scan succeeds")
}

/// The PI fields of the shop's widest PI table: (table name, field ids).
fn pi_fields(audit: &Audit) -> (String, Vec<String>) {
    let d = audit
        .report
        .datasets
        .iter()
        .max_by_key(|d| d.fields.iter().filter(|f| f.pi.is_some()).count())
        .unwrap();
    let ids: Vec<String> = d
        .fields
        .iter()
        .filter(|f| f.pi.is_some())
        .map(|f| f.id.clone())
        .collect();
    assert!(ids.len() >= 5, "{}: {ids:?}", d.name);
    (d.name.clone(), ids)
}

fn finding(rule: &str, sev: Severity, conf: Confidence, fields: &[String], line: u32) -> Finding {
    Finding {
        rule: rule.into(),
        title: format!("{rule} title"),
        severity: sev,
        basis: vec!["PIPL-51".into()],
        subjects: vec![],
        location: Location::line("db/schema.sql", line),
        message: format!("{rule} problem"),
        remediation: "Fix it. Then check it.".into(),
        fingerprint: format!("fp-{rule}-{line}"),
        status: FindingStatus::Open,
        confidence: conf,
        evidence: vec![format!("evidence line of {rule}")],
        fields: fields.to_vec(),
        locations: vec![],
        waiver: None,
    }
}

/// The shop with a known set of findings: critical confirmed (5 fields,
/// two further locations), a second CNPI-020 finding, critical
/// needs_review, high confirmed, a waived critical that would rank first,
/// and twelve medium findings on one field each.
fn ranked_shop() -> (Audit, String, Vec<String>) {
    let mut audit = shop();
    let (table, ids) = pi_fields(&audit);
    let mut top = finding(
        "CNPI-020",
        Severity::Critical,
        Confidence::Confirmed,
        &ids[..5],
        13,
    );
    top.locations = vec![
        Location::line("db/migrations/V2__copy.sql", 7),
        Location::line("db/schema_v1.sql", 21),
    ];
    let second = finding(
        "CNPI-020",
        Severity::Medium,
        Confidence::Likely,
        &ids[..1],
        40,
    );
    let review = finding(
        "CNPI-021",
        Severity::Critical,
        Confidence::NeedsReview,
        &ids[..1],
        20,
    );
    let high = finding(
        "CNPI-022",
        Severity::High,
        Confidence::Confirmed,
        &ids[..5],
        30,
    );
    let mut waived = finding(
        "CNPI-023",
        Severity::Critical,
        Confidence::Confirmed,
        &ids,
        50,
    );
    waived.status = FindingStatus::Waived;
    let mut findings = vec![second, waived, high, review, top];
    for i in 0..12 {
        findings.push(finding(
            "CNPI-026",
            Severity::Medium,
            Confidence::Likely,
            &ids[..1],
            100 + i,
        ));
    }
    audit.report.findings = findings;
    audit.report.recount_open_findings();
    (audit, table, ids)
}

/// The part of `html` from `start` to the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} missing"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn ranking_puts_severity_then_confidence_then_breadth_first() {
    let (audit, _, _) = ranked_shop();
    let order: Vec<(String, Severity, Confidence)> = rank::ranked(&audit)
        .iter()
        .map(|x| {
            (
                x.finding.rule.clone(),
                x.finding.severity,
                x.finding.confidence,
            )
        })
        .collect();
    assert_eq!(
        order.len(),
        16,
        "every open finding, the waived one left out"
    );
    assert_eq!(
        order[..3],
        [
            ("CNPI-020".into(), Severity::Critical, Confidence::Confirmed),
            (
                "CNPI-021".into(),
                Severity::Critical,
                Confidence::NeedsReview
            ),
            ("CNPI-022".into(), Severity::High, Confidence::Confirmed),
        ]
    );
    assert!(order.iter().all(|(rule, _, _)| rule != "CNPI-023"));
    // Ties (the twelve equal mediums) go by rule, then file and line.
    let lines: Vec<u32> = rank::ranked(&audit)
        .iter()
        .filter(|x| x.finding.rule == "CNPI-026")
        .map(|x| x.finding.location.line)
        .collect();
    assert_eq!(lines, (100..112).collect::<Vec<_>>());
    let top = rank::fix_first(&audit);
    assert_eq!(top.len(), rank::FIX_FIRST);
}

#[test]
fn html_cover_names_ten_ranked_problems_with_their_columns() {
    let (audit, table, ids) = ranked_shop();
    let html = Format::Html.render(&audit).unwrap();
    let cover = between(&html, "id=\"fix-first\"", "</table>");
    let rows: Vec<&str> = cover.split("<tr class=\"fix-item").skip(1).collect();
    assert_eq!(rows.len(), 10, "at most ten:\n{cover}");
    for row in &rows {
        // Each names a table.column and a file:line.
        assert!(
            row.contains(&format!("<code class=\"target\">{table}.")),
            "{row}"
        );
        assert!(
            row.contains("<code class=\"loc\">db&#x2F;schema.sql:"),
            "{row}"
        );
        // … and a one-line fix, in both languages.
        assert!(row.contains("class=\"fix\""), "{row}");
    }
    let at = |rule: &str| cover.find(&format!(">{rule}</code>")).unwrap_or(usize::MAX);
    assert!(at("CNPI-020") < at("CNPI-021"), "critical confirmed first");
    assert!(at("CNPI-021") < at("CNPI-022"), "critical before high");
    assert!(at("CNPI-022") < at("CNPI-026"));
    assert_eq!(
        at("CNPI-023"),
        usize::MAX,
        "the waived finding is not on the cover"
    );
    assert!(rows[0].contains("conf-confirmed") && rows[1].contains("conf-needs_review"));
    // The first names three of its five fields and counts the rest.
    let first_field = ids[0].rsplit_once('.').unwrap().1;
    assert!(
        rows[0].contains(&format!("{table}.{first_field}")),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("+2 more"), "{}", rows[0]);
    // The fix is the rule's remediation on one line, not the finding's.
    let fix = between(rows[0], "class=\"fix\"", "</td>");
    assert!(fix.len() > 40 && !fix.contains("Fix it."), "{fix}");
    // The old five-item list that named no column is gone.
    assert!(!html.contains("class=\"top-open\""));
}

#[test]
fn html_findings_are_grouped_by_rule_with_the_law_once_and_fields_listed() {
    let (audit, table, ids) = ranked_shop();
    let html = Format::Html.render(&audit).unwrap();
    let section = between(&html, "<section id=\"findings\"", "</section>");
    // One group per rule with findings (the waived one included, marked).
    let groups = section.matches("<article class=\"rule-group").count();
    assert_eq!(groups, 5, "CNPI-020, 021, 022, 023, 026");
    let group = between(section, "id=\"rule-CNPI-020\"", "</article>");
    assert_eq!(group.matches("<tr class=\"finding-row").count(), 2);
    // The law text of PIPL-51 once for the rule, not once per finding.
    let law = audit.law.get("PIPL-51").expect("PIPL-51 in the law table");
    assert_eq!(
        group
            .matches("<code class=\"basis-code\">PIPL-51</code>")
            .count(),
        1,
        "{group}"
    );
    assert!(group.contains(&format!("<span lang=\"en\">{}</span>", law.en)) || !law.en.is_empty());
    assert_eq!(group.matches("Remediation</span>").count(), 1);
    // The first row: confidence badge, the five fields in its details, the
    // further locations and the evidence line.
    let row = between(group, "<tr class=\"finding-row", "</tr>");
    assert!(row.contains("conf-confirmed"), "{row}");
    assert!(row.contains("(+2 fields)"), "{row}");
    let details = between(row, "<details class=\"fd\">", "</details>");
    let list = between(details, "<ul class=\"field-list\">", "</ul>");
    for id in &ids[..5] {
        let name = id.rsplit_once('.').unwrap().1;
        assert!(
            list.contains(&format!("<code>{table}.{name}</code>")),
            "{list}"
        );
    }
    // (tera escapes `/` as `&#x2F;`)
    assert!(
        details.contains("db&#x2F;migrations&#x2F;V2__copy.sql:7"),
        "{details}"
    );
    assert!(details.contains("db&#x2F;schema_v1.sql:21"), "{details}");
    assert!(details.contains("evidence line of CNPI-020"), "{details}");
    // Rows are ranked inside the group: the critical before the medium.
    let rows: Vec<&str> = group.split("<tr class=\"finding-row").skip(1).collect();
    assert!(rows[0].contains("sev-critical") && rows[1].contains("sev-medium"));
    // Print opens every finding's details.
    assert!(html.contains("details.fd > :not(summary) { display: block !important; }"));
    assert!(html.contains("each('details.pia, details.fd'"));
}

#[test]
fn findings_without_fields_show_their_subjects() {
    // A finding as a 1.x report (read by `merge`) has it: a column as its
    // subject and `fields` empty.
    let mut audit = shop();
    let f = audit
        .report
        .findings
        .iter_mut()
        .find(|f| f.rule == "CNPI-020" && !f.fields.is_empty())
        .expect("a CNPI-020 finding");
    f.subjects = vec![f.fields[0].clone()];
    f.fields.clear();
    let f = f.clone();
    let (d, field) = audit
        .report
        .field_index()
        .get(&f.subjects[0])
        .expect("a field");
    let html = Format::Html.render(&audit).unwrap();
    let group = between(&html, "id=\"rule-CNPI-020\"", "</article>");
    let label = format!("<code class=\"target\">{}.{}</code>", d.name, field.name);
    assert!(group.contains(&label), "{label} missing");
    assert!(group.contains("Subjects</span>"), "details list subjects");
    let cover = between(&html, "id=\"fix-first\"", "</table>");
    assert!(cover.matches("<tr class=\"fix-item").count() <= 10);
    assert!(cover.contains("<code class=\"target\">"), "{cover}");
}

#[test]
fn markdown_and_terminal_lead_with_the_same_ten() {
    let (audit, table, _) = ranked_shop();
    let md = Format::Markdown.render(&audit).unwrap();
    let fix = between(&md, "### Fix first", "### Open findings by rule");
    let items: Vec<&str> = fix.lines().filter(|l| l.contains(". **")).collect();
    assert_eq!(items.len(), 10, "{fix}");
    assert!(
        items[0].starts_with("1. **critical** · confirmed — `CNPI-020`"),
        "{}",
        items[0]
    );
    assert!(items[0].contains(&format!("`{table}.")), "{}", items[0]);
    assert!(items[0].contains("(+2 fields)") && items[0].contains("`db/schema.sql:13`"));
    assert!(items[1].starts_with("2. **critical** · needs_review — `CNPI-021`"));
    assert!(items[2].starts_with("3. **high** · confirmed — `CNPI-022`"));
    assert!(!fix.contains("CNPI-023"), "waived");
    // Grouped below, the basis once per rule.
    let groups = between(&md, "### Open findings by rule", "Waived:");
    assert_eq!(groups.matches("`CNPI-020`").count(), 1, "{groups}");
    assert!(groups.contains("(PIPL-51)"));
    assert!(groups.contains("(+2 places)"), "{groups}");
    // The five fields of the first, listed under its line.
    let fields_line = groups
        .lines()
        .find(|l| l.starts_with("  - fields: "))
        .expect("a field list");
    assert_eq!(
        fields_line.matches(&format!("`{table}.")).count(),
        5,
        "{fields_line}"
    );

    let term = anstream::adapter::strip_str(&text::fix_first(&audit)).to_string();
    let lines: Vec<&str> = term.lines().skip(1).collect();
    assert_eq!(lines.len(), 10, "{term}");
    assert!(
        lines[0].starts_with(" 1. critical · confirmed CNPI-020 "),
        "{term}"
    );
    assert!(lines[0].contains(&format!("{table}.")) && lines[0].ends_with("db/schema.sql:13"));
    assert!(lines[1].contains("needs_review CNPI-021"), "{term}");
    // One line per finding with the field count; `-v` lists them.
    let grouped =
        anstream::adapter::strip_str(&text::findings_grouped(&audit, None, false)).to_string();
    assert!(
        grouped.contains("(+2 fields)  db/schema.sql:13"),
        "{grouped}"
    );
    assert!(!grouped.contains("fields: "));
    let verbose =
        anstream::adapter::strip_str(&text::findings_grouped(&audit, None, true)).to_string();
    assert!(verbose.contains("    fields: "), "{verbose}");
    assert!(verbose.contains("    also at: db/migrations/V2__copy.sql:7, db/schema_v1.sql:21"));
}

#[test]
fn findings_csv_has_rank_confidence_fields_and_locations() {
    let (audit, table, _) = ranked_shop();
    let text = Format::FindingsCsv.render(&audit).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let mut reader =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.ends_with(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    let (rank_c, rule_c, conf_c, fields_c, locs_c, status_c) = (
        col(" rank"),
        col(" rule"),
        col(" confidence"),
        col(" fields"),
        col(" locations"),
        col(" status"),
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 17);
    assert_eq!(&rows[0][rank_c], "1");
    assert_eq!(&rows[0][rule_c], "CNPI-020");
    assert_eq!(&rows[0][conf_c], "confirmed");
    let fields: Vec<&str> = rows[0][fields_c].split(';').collect();
    assert_eq!(fields.len(), 5);
    assert!(fields.iter().all(|f| f.starts_with(&format!("{table}."))));
    assert_eq!(
        &rows[0][locs_c],
        "db/migrations/V2__copy.sql:7;db/schema_v1.sql:21"
    );
    // The waived finding comes last, unranked.
    let last = rows.last().unwrap();
    assert_eq!((&last[status_c], &last[rank_c]), ("waived", ""));
}

/// A probe appended to a copy of the page: after load it records on
/// `<body>` whether the first finding's field list is visible (it is
/// only when its `<details>` is open or the print stylesheet shows it), then
/// fires `beforeprint` and records whether every finding's details opened.
const PROBE: &str = "<script>addEventListener('load', function () {\
  var l = document.querySelector('details.fd ul.field-list');\
  document.body.dataset.fieldsShown = l && l.checkVisibility() ? 'yes' : 'no';\
  window.dispatchEvent(new Event('beforeprint'));\
  var closed = document.querySelectorAll('details.fd:not([open])').length;\
  document.body.dataset.closedAfterPrint = String(closed);\
});</script></body>";

#[test]
fn cover_and_groups_render_in_headless_chromium_and_open_for_print() {
    use crate::common::{require, Need};
    use std::process::Command;
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        })
        .ok_or_else(|| "chromium not installed (apt-get install chromium)".to_string());
    let Some(browser) = require(Need::Browser, found) else {
        return;
    };
    let (audit, table, _) = ranked_shop();
    let dir = tempfile::tempdir().unwrap();
    let html = Format::Html
        .render(&audit)
        .unwrap()
        .replace("</body>", PROBE);
    // The print stylesheet applied to the screen.
    let printed = html.replace("@media print", "@media all");
    let run = |name: &str, page: &str| -> (String, Vec<String>) {
        let path = dir.path().join(name);
        std::fs::write(&path, page).unwrap();
        let out = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=3000",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg("--dump-dom")
            .arg(format!("file://{}", path.display()))
            .output()
            .expect("chromium runs");
        let errors = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| {
                l.contains("CONSOLE")
                    || l.contains("Uncaught")
                    || l.contains("Content Security Policy")
            })
            .map(str::to_string)
            .collect();
        (String::from_utf8_lossy(&out.stdout).into_owned(), errors)
    };
    let (screen, errors) = run("report.html", &html);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(screen.contains("data-ready=\"1\""), "script did not finish");
    assert_eq!(screen.matches("<tr class=\"fix-item").count(), 10);
    assert!(
        screen.contains(&format!("<code>{table}.")),
        "field list in the DOM"
    );
    // On screen the details are closed until clicked; printing opens all.
    let body = screen
        .find("<body")
        .map_or("", |i| &screen[i..(i + 200).min(screen.len())]);
    assert!(
        screen.contains("data-fields-shown=\"no\""),
        "details start closed: {body}"
    );
    assert!(
        screen.contains("data-closed-after-print=\"0\""),
        "beforeprint opens them"
    );
    let (paper, errors) = run("printed.html", &printed);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(
        paper.contains("data-fields-shown=\"yes\""),
        "the print stylesheet shows closed details"
    );
}
