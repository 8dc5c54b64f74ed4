//! The HTML report in a real headless Chromium: it renders, its script runs
//! to the end without console errors, and it makes no external request (the
//! page's Content-Security-Policy would log any attempt as an error).
//! Skips visibly (`SKIPPED: …`) when Chromium is missing, unless
//! PIAUDIT_REQUIRE_BROWSER=1 (set by .ci/run). Screenshots for humans are kept
//! in `target/tmp/html-screenshots/`. The audit sections (obligations matrix,
//! impact assessments, cross-border checklist, lineage diagram) are checked
//! on the rendered text without a browser.

use crate::common::{require, Need};
use piaudit::model::{Endpoint, FindingStatus, Flow, Location, Transform};
use piaudit::report::audit_views::{self, ObligationStatus};
use piaudit::report::Format;
use piaudit::{scan, Audit, Config};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

/// The browser, or `None` after a `SKIPPED:` line (a failure under
/// PIAUDIT_REQUIRE_BROWSER=1).
fn browser_or_skip() -> Option<PathBuf> {
    require(
        Need::Browser,
        chromium().ok_or_else(|| "chromium not installed (apt-get install chromium)".to_string()),
    )
}

fn render_shop(lang: &str, extra_sql: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let mut roots = vec![root];
    if let Some(sql) = extra_sql {
        let p = dir.path().join("hostile.sql");
        std::fs::write(&p, sql).unwrap();
        roots.push(p);
    }
    let config = Config {
        roots,
        lang: lang.into(),
        deterministic: true,
        ..Config::default()
    };
    let audit = scan(&config).unwrap();
    let out = dir.path().join("out");
    let written =
        piaudit::report::write_all(&audit, &[piaudit::report::Format::Html], &out).unwrap();
    (dir, written[0].clone())
}

const XSS: &str = "CREATE TABLE `x<script>alert(1)</script>` (phone CHAR(11) COMMENT '手机号</td><img src=x onerror=alert(2)>');";

#[test]
fn html_is_self_contained_and_escaped() {
    let (_dir, path) = render_shop("zh-CN", Some(XSS));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    for bad in [
        "<script>alert(1)",
        "<img src=x",
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
    ] {
        assert!(!html.contains(bad), "report contains `{bad}`");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(1)"),
        "escaped table name present"
    );
    assert!(
        html.contains("个人信息") && html.contains("Personal"),
        "bilingual"
    );
    assert!(html.contains("CNPI-020") && html.contains("PIPL-51"));
    // Messages and remediations exist in both languages, whatever --lang is.
    assert!(html.contains("以明文存储") && html.contains("is stored in clear"));
    assert!(html.contains("字段级加密") && html.contains("Encrypt the column at rest"));
}

#[test]
fn html_runs_in_headless_chromium_without_errors() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    for lang in ["zh-CN", "en"] {
        let (dir, path) = render_shop(lang, Some(XSS));
        let profile = dir.path().join("profile");
        let out = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=3000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--dump-dom")
            .arg(format!("file://{}", path.display()))
            .output()
            .expect("chromium runs");
        let dom = String::from_utf8_lossy(&out.stdout);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            dom.contains("data-ready=\"1\""),
            "script did not finish ({lang}); stderr:\n{log}"
        );
        let console_errors: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains("CONSOLE")
                    || l.contains("Content Security Policy")
                    || l.contains("Uncaught")
            })
            .collect();
        assert!(
            console_errors.is_empty(),
            "console errors ({lang}):\n{}",
            console_errors.join("\n")
        );
        assert!(
            !dom.contains("<img src=\"x\""),
            "injected markup reached the DOM"
        );
        let expect = if lang == "en" {
            "data-lang=\"en\""
        } else {
            "data-lang=\"zh"
        };
        assert!(dom.contains(expect), "initial language {lang} not applied");
    }
}

// ------------------------------------------------------------ audit sections

fn shop_audit(lang: &str) -> Audit {
    scan(&Config {
        roots: vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop")],
        lang: lang.into(),
        deterministic: true,
        today: Some("2026-06-01".into()),
        ..Config::default()
    })
    .unwrap()
}

fn field_id(audit: &Audit, dataset: &str, field: &str) -> String {
    audit
        .report
        .datasets
        .iter()
        .filter(|d| d.name == dataset)
        .flat_map(|d| &d.fields)
        .find(|f| f.name == field)
        .unwrap_or_else(|| panic!("{dataset}.{field} in the shop example"))
        .id
        .clone()
}

/// The shop audit plus three endpoints: one abroad receiving the sensitive
/// bank card number and the phone, one in Hong Kong receiving nothing traced, one
/// in the mainland.
fn shop_with_endpoints() -> Audit {
    let mut audit = shop_audit("zh-CN");
    // Built from JSON so fields added to Endpoint later keep their defaults.
    let endpoint = |id: &str, jurisdiction: &str| -> Endpoint {
        serde_json::from_value(serde_json::json!({
            "id": id, "kind": "object_store", "vendor": "aws", "region": "us-east-1",
            "jurisdiction": jurisdiction,
            "location": Location::line("conf/application.yml", 12),
        }))
        .unwrap()
    };
    audit.report.endpoints = vec![
        endpoint("endpoint:object_store:s3-us<b>", "abroad"),
        endpoint("endpoint:object_store:oss-hk", "hk_mo_tw"),
        endpoint("endpoint:object_store:oss-hz", "mainland"),
    ];
    for (dataset, field, to) in [
        (
            "shop_payment_card",
            "bank_card_no",
            "endpoint:object_store:s3-us<b>",
        ),
        ("shop_member", "sjhm", "endpoint:object_store:s3-us<b>"),
        ("shop_member", "sjhm", "endpoint:object_store:oss-hz"),
    ] {
        audit.report.flows.push(Flow {
            from: field_id(&audit, dataset, field),
            to: to.into(),
            transform: Transform::Copy,
            location: Location::line("src/export.py", 7),
            level: Default::default(),
        });
    }
    audit
}

fn html(audit: &Audit) -> String {
    Format::Html.render(audit).expect("renders")
}

/// The text of the section with this id (up to the next section).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("section {id} missing"));
    let end = html[start..].find("</section>").unwrap() + start;
    &html[start..end]
}

#[test]
fn html_has_every_audit_section() {
    let audit = shop_audit("zh-CN");
    let page = html(&audit);
    for id in [
        "cover",
        "summary",
        "obligations",
        "findings",
        "inventory",
        "lineage",
        "pia",
        "waivers",
        "datasets",
        "appendix",
    ] {
        section(&page, id);
    }
    for anchor in [
        "id=\"audit-summary\"",
        "id=\"lineage-diagram\"",
        "id=\"lineage-data\"",
        "id=\"coverage\"",
        "id=\"rules\"",
        "<svg class=\"bar-chart\"",
    ] {
        assert!(page.contains(anchor), "{anchor} missing");
    }
    let cover = section(&page, "cover");
    assert!(cover.contains("2026-06-01") && cover.contains("cn-2026"));
    assert!(
        cover.contains("examples&#x2F;shop"),
        "scanned root on the cover"
    );
    // Chinese practice: compliance audit, impact assessment.
    assert!(page.contains("个人信息保护合规审计结论"));
    assert!(page.contains("个人信息保护影响评估"));
    // No endpoint abroad: no cross-border checklist.
    let mut mainland_only = audit.clone();
    mainland_only.report.endpoints.clear();
    mainland_only
        .report
        .flows
        .retain(|f| !f.to.starts_with("endpoint:"));
    assert!(!html(&mainland_only).contains("<section id=\"cross-border\""));
    // Findings show evidence excerpts (file:line of the subject field).
    let findings = section(&page, "findings");
    assert!(findings.contains("class=\"evidence\""));
    assert!(
        findings.contains("db&#x2F;schema.sql:"),
        "evidence location"
    );
}

#[test]
fn obligations_matrix_follows_the_findings() {
    let mut audit = shop_audit("en");
    let rows = audit_views::obligations(&audit);
    let status = |rows: &[audit_views::Obligation], code: &str| {
        rows.iter()
            .find(|o| o.code == code)
            .unwrap_or_else(|| panic!("{code} not in the matrix"))
            .status
    };
    // Every provision cited by an applied rule is a row, and only those.
    let cited: std::collections::BTreeSet<&str> = audit
        .rules_applied
        .iter()
        .flat_map(|r| r.basis.iter().map(String::as_str))
        .collect();
    assert_eq!(rows.len(), cited.len());
    // The shop stores the ID number in clear: PIPL-51 (CNPI-020) is violated.
    assert_eq!(status(&rows, "PIPL-51"), ObligationStatus::Violated);
    let violated_by_findings: std::collections::BTreeSet<&str> = audit
        .report
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .flat_map(|f| f.basis.iter().map(String::as_str))
        .collect();
    for o in &rows {
        assert_eq!(
            o.status == ObligationStatus::Violated,
            violated_by_findings.contains(o.code.as_str()),
            "{}",
            o.code
        );
    }
    assert!(rows.iter().any(|o| o.status == ObligationStatus::Met));
    // Waive every finding citing PIPL-51: the provision becomes waived.
    for f in &mut audit.report.findings {
        if f.basis.iter().any(|b| b == "PIPL-51") {
            f.status = FindingStatus::Waived;
        }
    }
    let rows = audit_views::obligations(&audit);
    assert_eq!(status(&rows, "PIPL-51"), ObligationStatus::Waived);
    let page = html(&audit);
    assert!(section(&page, "obligations").contains("ob-row ob-waived"));
    assert!(section(&page, "waivers").contains("status-waived"));
}

#[test]
fn obligations_without_pi_are_not_assessable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plain.sql");
    std::fs::write(&p, "CREATE TABLE sku (id INT, price DECIMAL(10,2));\n").unwrap();
    let audit = scan(&Config {
        roots: vec![p],
        deterministic: true,
        ..Config::default()
    })
    .unwrap();
    let rows = audit_views::obligations(&audit);
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|o| o.status != ObligationStatus::Violated && o.status != ObligationStatus::Waived));
    assert!(
        rows.iter()
            .any(|o| o.status == ObligationStatus::NotAssessable),
        "field and flow rules have nothing to check"
    );
}

#[test]
fn cross_border_checklist_lists_pi_reaching_endpoints_abroad() {
    let audit = shop_with_endpoints();
    let out = audit_views::outbound_endpoints(&audit);
    let ids: Vec<&str> = out.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "endpoint:object_store:s3-us<b>",
            "endpoint:object_store:oss-hk"
        ]
    );
    let cats: Vec<&str> = out[0].categories.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(cats, ["contact.phone", "finance.bank_card"]);
    assert!(out[0].sensitive);
    assert!(out[1].categories.is_empty() && !out[1].sensitive);

    let page = html(&audit);
    let xb = section(&page, "cross-border");
    assert!(xb.contains("数据出境自评估清单"));
    assert!(xb.contains("s3-us&lt;b&gt;"), "endpoint id escaped");
    assert!(!xb.contains("oss-hz"), "mainland endpoint is not outbound");
    assert!(xb.contains("银行卡号") && xb.contains("Bank card number (PAN)"));
    for code in [
        "PIPL-38",
        "PIPL-39",
        "PIPL-55",
        "CBDF-2024-7",
        "CBDF-2024-8",
    ] {
        assert!(xb.contains(code), "{code}");
    }
    assert!(
        xb.contains("does not apply"),
        "sensitive PI removes the exemption"
    );
    assert!(
        page.contains("href=\"#cross-border\""),
        "listed in the navigation"
    );
    // The flows abroad need an impact assessment, flagged outbound.
    let pia = section(&page, "pia");
    assert!(pia.contains("s3-us&lt;b&gt;") && pia.contains("pill outbound"));
    let assessments = audit_views::impact_assessments(&audit);
    assert!(assessments
        .iter()
        .any(|a| a.outbound && a.sensitive && !a.protected));
    // An endpoint abroad with no PI traced to it still gets the checklist.
    let mut only_hk = shop_with_endpoints();
    only_hk
        .report
        .flows
        .retain(|f| !f.to.starts_with("endpoint:"));
    assert!(section(&html(&only_hk), "cross-border").contains("oss-hk"));
}

#[test]
fn lineage_view_covers_every_pi_flow() {
    let audit = shop_with_endpoints();
    let view = audit_views::lineage_view(&audit.report);
    let pi = |id: &str| audit.report.field(id).is_some_and(|(_, f)| f.pi.is_some());
    let expected: std::collections::BTreeSet<(&str, &str)> = audit
        .report
        .flows
        .iter()
        .filter(|f| pi(&f.from) || pi(&f.to))
        .map(|f| (f.from.as_str(), f.to.as_str()))
        .collect();
    let got: std::collections::BTreeSet<(&str, &str)> = view
        .edges
        .iter()
        .map(|(a, b, _)| (view.nodes[*a].id.as_str(), view.nodes[*b].id.as_str()))
        .collect();
    assert_eq!(got, expected);
    let abroad = view
        .groups
        .iter()
        .find(|g| g.id == "endpoint:object_store:s3-us<b>")
        .unwrap();
    assert!(abroad.outbound && abroad.kind == "endpoint");
    // The diagram's data is text in the page: escaped, never markup.
    let page = html(&audit);
    let data = &page[page.find("id=\"lineage-data\"").unwrap()..];
    let data = &data[..data.find("</pre>").unwrap()];
    assert!(!data.contains('<') || data.starts_with("id=\"lineage-data\" hidden>"));
    assert!(data.contains("s3-us&lt;b&gt;"));
}

// ------------------------------------------------------------ in the browser

/// Runs headless Chromium on a file URL; returns (DOM, stderr log).
fn chromium_dump(browser: &Path, profile: &Path, url: &str) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn console_errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| {
            l.contains("CONSOLE") || l.contains("Content Security Policy") || l.contains("Uncaught")
        })
        .collect()
}

/// Keeps a full-page screenshot under target/tmp/html-screenshots/.
fn screenshot(browser: &Path, profile: &Path, url: &str, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let status = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            "--window-size=1280,8000",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", path.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(status.status.success(), "screenshot {name} failed");
    assert!(path.metadata().unwrap().len() > 10_000, "{name} is empty");
    eprintln!("screenshot: {}", path.display());
}

#[test]
fn html_switches_language_and_draws_the_lineage_in_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let audit = shop_with_endpoints();
    let path = dir.path().join("report.html");
    std::fs::write(&path, html(&audit)).unwrap();
    let profile = dir.path().join("profile");
    let url = format!("file://{}", path.display());
    // Rendered in Chinese; the hash presses the switch button once.
    let (dom, log) = chromium_dump(&browser, &profile, &format!("{url}#lang=en&find=sjhm"));
    assert!(
        dom.contains("data-ready=\"1\""),
        "script did not finish:\n{log}"
    );
    assert!(
        console_errors(&log).is_empty(),
        "{}",
        console_errors(&log).join("\n")
    );
    assert!(dom.contains("data-lang=\"en\""), "switch to English failed");
    assert!(
        dom.contains("aria-label=\"切换到中文\""),
        "button state follows"
    );
    let groups = audit_views::lineage_view(&audit.report).groups.len();
    assert_eq!(
        dom.matches("class=\"lg-box").count(),
        groups,
        "one box per dataset"
    );
    assert!(
        dom.contains("lg-box endpoint outbound"),
        "endpoint abroad marked"
    );
    assert!(dom.contains("lg-field pi hit"), "search hit highlighted");
    assert!(
        dom.contains("lg-edge t-copy hl"),
        "edges of the hit highlighted"
    );
    let (dom_zh, _) = chromium_dump(&browser, &profile, &url);
    assert!(dom_zh.contains("data-lang=\"zh\""));
    assert!(!dom_zh.contains(" hit\""), "no search, no highlight");
    screenshot(&browser, &profile, &url, "report-zh.png");
    screenshot(
        &browser,
        &profile,
        &format!("{url}#lang=en"),
        "report-en.png",
    );
}

#[test]
fn lineage_diagram_stays_usable_with_600_fields() {
    // 60 tables of 10 PI columns, each copied into the next: 600 nodes.
    let mut sql = String::new();
    for t in 0..60 {
        sql.push_str(&format!("CREATE TABLE t{t} ("));
        let cols: Vec<String> = (0..10)
            .map(|c| format!("mobile_phone_{c} CHAR(11) COMMENT '手机号'"))
            .collect();
        sql.push_str(&cols.join(", "));
        sql.push_str(");\n");
    }
    for t in 0..59 {
        sql.push_str(&format!("INSERT INTO t{} SELECT * FROM t{t};\n", t + 1));
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.sql");
    std::fs::write(&p, sql).unwrap();
    let audit = scan(&Config {
        roots: vec![p],
        lang: "en".into(),
        deterministic: true,
        ..Config::default()
    })
    .unwrap();
    let view = audit_views::lineage_view(&audit.report);
    assert!(view.nodes.len() >= 500, "{} nodes", view.nodes.len());
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let path = dir.path().join("report.html");
    std::fs::write(&path, html(&audit)).unwrap();
    let profile = dir.path().join("profile");
    let url = format!("file://{}", path.display());
    let (dom, log) = chromium_dump(&browser, &profile, &url);
    assert!(
        dom.contains("data-ready=\"1\""),
        "script did not finish:\n{log}"
    );
    assert!(
        console_errors(&log).is_empty(),
        "{}",
        console_errors(&log).join("\n")
    );
    // Large graphs start collapsed: one title per box, no field rows.
    assert_eq!(dom.matches("class=\"lg-box").count(), 60);
    assert_eq!(dom.matches("class=\"lg-field").count(), 0);
    // Searching opens the boxes holding a hit and focuses on its neighbours.
    let (dom, _) = chromium_dump(&browser, &profile, &format!("{url}#find=t7"));
    assert!(dom.matches("lg-field pi hit").count() >= 10, "t7's fields");
    screenshot(
        &browser,
        &profile,
        &format!("{url}#find=t7"),
        "lineage-600.png",
    );
}
