//! The binary's terminal output (severity table, no colour or progress bar
//! off a terminal, the progress bar on one, `--quiet`) and `piaudit init --ci`.

use crate::common::{piaudit, require, Need};
use std::fs;
use std::path::Path;

fn shop() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop")
}

#[test]
fn summary_table_is_plain_text_off_a_terminal() {
    let out = tempfile::tempdir().unwrap();
    let run = piaudit()
        .args(["scan", "--lang", "en", "--format", "json", "--out"])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(1);
    let stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI escape off a terminal:\n{stderr}"
    );
    assert!(
        !stderr.contains(" files, "),
        "no progress bar off a terminal"
    );
    let header = stderr
        .lines()
        .find(|l| l.starts_with("severity"))
        .unwrap_or_else(|| panic!("no severity table:\n{stderr}"));
    for col in ["open", "waived", "baselined"] {
        assert!(header.contains(col), "{header}");
    }
    // One row per severity; the open counts match report.json.
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    for sev in ["critical", "high", "medium", "low", "info"] {
        // The table's rows, not the finding list's group headers above it.
        let row = stderr
            .lines()
            .skip_while(|l| !l.starts_with("severity"))
            .find(|l| l.split_whitespace().next() == Some(sev))
            .unwrap_or_else(|| panic!("no {sev} row:\n{stderr}"));
        let open: u64 = row.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(
            open,
            report["summary"]["findings_by_severity"][sev]
                .as_u64()
                .unwrap(),
            "{sev}"
        );
    }
}

#[test]
fn chinese_table_and_quiet() {
    let out = tempfile::tempdir().unwrap();
    let run = piaudit()
        .args(["scan", "--lang", "zh-CN", "--format", "json", "--out"])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(1);
    let stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("严重程度") && stderr.contains("高危"),
        "{stderr}"
    );
    let quiet = piaudit()
        .args(["scan", "--quiet", "--format", "json", "--out"])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(1);
    assert!(
        quiet.get_output().stderr.is_empty(),
        "--quiet printed: {}",
        String::from_utf8_lossy(&quiet.get_output().stderr)
    );
}

#[test]
fn every_format_is_written() {
    let out = tempfile::tempdir().unwrap();
    piaudit()
        .args([
            "scan",
            "--quiet",
            "--format",
            "html,json,sarif,md,junit,csv,dot,mermaid,openlineage",
            "--out",
        ])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(1);
    for f in [
        "report.html",
        "report.json",
        "report.sarif",
        "report.md",
        "report.junit.xml",
        "inventory.csv",
        "lineage.dot",
        "lineage.mmd",
        "lineage.openlineage.json",
    ] {
        let len = fs::metadata(out.path().join(f))
            .unwrap_or_else(|_| panic!("{f} missing"))
            .len();
        assert!(len > 0, "{f} empty");
    }
}

#[test]
fn init_ci_writes_each_snippet_and_needs_force_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    for (ci, file, marker) in [
        (
            "github",
            ".github/workflows/piaudit.yml",
            "uses: piaudit/piaudit@v",
        ),
        ("gitlab", ".gitlab/piaudit.gitlab-ci.yml", "junit:"),
        ("jenkins", "Jenkinsfile.piaudit", "recordIssues"),
    ] {
        piaudit()
            .args(["init", "--ci", ci])
            .arg(dir.path())
            .assert()
            .code(0);
        let text = fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(
            text.contains(marker) && text.contains("high") && !text.contains("cargo install"),
            "{ci}"
        );
        // A second run refuses to overwrite a (possibly edited) file…
        fs::write(dir.path().join(file), "edited").unwrap();
        let again = piaudit()
            .args(["init", "--ci", ci])
            .arg(dir.path())
            .assert()
            .code(2);
        assert!(String::from_utf8_lossy(&again.get_output().stderr).contains("--force"));
        assert_eq!(fs::read_to_string(dir.path().join(file)).unwrap(), "edited");
        // …unless told to.
        piaudit()
            .args(["init", "--force", "--ci", ci])
            .arg(dir.path())
            .assert()
            .code(0);
        assert!(fs::read_to_string(dir.path().join(file))
            .unwrap()
            .contains(marker));
    }
    let bad = piaudit()
        .args(["init", "--ci", "travis"])
        .arg(dir.path())
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("github"));
}

/// On a terminal (a pseudo-terminal from util-linux `script`), a long scan
/// draws a progress bar with files/s and an ETA on stderr.
#[test]
fn a_progress_bar_with_rate_and_eta_on_a_terminal() {
    let script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .map(drop)
        .map_err(|_| "`script` (util-linux) is not installed, so no pseudo-terminal".to_string());
    if require(Need::Tool, script).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for i in 0..60 {
        fs::write(
            dir.path().join(format!("t{i:02}.sql")),
            format!("CREATE TABLE t{i} (id INT, mobile VARCHAR(11) COMMENT '手机号');\n"),
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("piaudit");
    let command = format!(
        "{} scan {} --format json --out {}",
        bin.display(),
        dir.path().display(),
        out.path().display()
    );
    let run = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&run.stdout);
    assert!(
        screen.contains("/60 files, ") && screen.contains("/s, ETA "),
        "no progress bar on a terminal:\n{screen}"
    );
    assert!(out.path().join("report.json").exists());
}
