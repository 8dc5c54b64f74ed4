//! The HTML report in a real headless Chromium: it renders, its script runs
//! to the end without console errors, and it makes no external request (the
//! page's Content-Security-Policy would log any attempt as an error).
//! Skips with a printed reason when Chromium is missing, unless
//! PIAUDIT_REQUIRE_BROWSER=1 (set by .ci/run).

use piaudit::{scan, Config};
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
    let Some(browser) = chromium() else {
        if std::env::var("PIAUDIT_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("PIAUDIT_REQUIRE_BROWSER=1 but no chromium found (apt-get install chromium)");
        }
        eprintln!("skipping: chromium not installed (apt-get install chromium)");
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
