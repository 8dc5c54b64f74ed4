//! What the terminal shows and the controls and guard rails of `scan`,
//! `baseline` and `merge` (issue 23): every open finding grouped by rule,
//! `--max-lines`, diagnostics with `-v`, `--out -`, `--no-color`,
//! `--exclude`, `--skip-rule`, `--fail-on never`, warnings and refusals
//! for empty input, archives, `/` and `$HOME`, the report folder, the
//! exit-code table, `baseline --file`, and a fresh `init` then `scan`.

use crate::common::{piaudit, require, Need};
use std::fs;
use std::path::{Path, PathBuf};

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop")
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The shop example scanned with JSON written to `out`; returns stderr and
/// the report.
fn scan_shop(extra: &[&str], out: &Path) -> (String, serde_json::Value) {
    let a = piaudit()
        .args(["scan", "--lang", "en", "--format", "json", "--out"])
        .arg(out)
        .args(extra)
        .arg(shop())
        .assert()
        .code(1);
    let report = serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap())
        .expect("report.json");
    (stderr_of(&a), report)
}

fn open_findings(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "open")
        .collect()
}

#[test]
fn every_open_finding_is_listed_grouped_by_rule_in_english() {
    let out = tempfile::tempdir().unwrap();
    let (stderr, report) = scan_shop(&[], out.path());
    let open = open_findings(&report);
    assert!(open.len() > 10, "the shop has many findings");
    assert!(!has_cjk(&stderr), "--lang en printed Chinese:\n{stderr}");
    assert!(
        !stderr.contains("… "),
        "nothing is cut by default:\n{stderr}"
    );
    for f in &open {
        let rule = f["rule"].as_str().unwrap();
        // One header per rule with its id and title, a fix and a hint.
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!(" {rule} "))
                    && l.contains(f["title"].as_str().unwrap())),
            "no header for {rule}:\n{stderr}"
        );
        assert!(
            stderr.contains(&format!("details: piaudit rules show {rule}")),
            "{rule}"
        );
        // Each finding's file:line is on a line of its own.
        let at = format!(
            "{}:{}",
            f["location"]["file"].as_str().unwrap(),
            f["location"]["line"]
        );
        assert!(stderr.contains(&at), "{at} missing:\n{stderr}");
    }
    // Subjects are named without the file prefix (a field rule's finding is
    // about its dataset since report schema 2.0, named by its fields and
    // located at its first field).
    assert!(
        stderr.lines().any(|l| l
            .trim_start()
            .starts_with("shop_member.sfzh  db/schema.sql:13")),
        "{stderr}"
    );
    assert!(stderr.lines().any(|l| l.trim_start().starts_with("fix: ")));
    // The rules-show hint works, in English with --lang en (up to the doc
    // and fixtures, whose SQL examples hold Chinese comments as data).
    let shown = piaudit()
        .args(["rules", "show", "CNPI-020", "--lang", "en"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&shown.get_output().stdout).into_owned();
    assert!(text.starts_with("CNPI-020"), "{text}");
    let rule_text = text.split("\n## ").next().unwrap();
    assert!(rule_text.contains("Basis:") && rule_text.contains("Remediation:"));
    assert!(
        !has_cjk(rule_text),
        "--lang en printed Chinese:\n{rule_text}"
    );
    // Without --lang, both languages, as before.
    let both = piaudit()
        .args(["rules", "show", "CNPI-020"])
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&both.get_output().stdout).contains("法律依据 / Basis:"));
}

#[test]
fn max_lines_caps_the_list_and_says_how_many_more() {
    let out = tempfile::tempdir().unwrap();
    let (full, report) = scan_shop(&[], out.path());
    let (capped, _) = scan_shop(&["--max-lines", "3"], out.path());
    let finding_lines = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("  ") && !l.contains("fix: ") && !l.contains("details: "))
            .count()
    };
    let total = finding_lines(&full);
    // The shop has no two findings on the same subjects and line.
    assert_eq!(total, open_findings(&report).len(), "{full}");
    assert_eq!(finding_lines(&capped), 3, "{capped}");
    assert!(
        capped.contains(&format!("… {} more, see report", total - 3)),
        "{capped}"
    );
    // Chinese too.
    let zh = piaudit()
        .args([
            "scan",
            "--lang",
            "zh-CN",
            "--max-lines",
            "2",
            "--format",
            "json",
            "--out",
        ])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(1);
    let zh = stderr_of(&zh);
    assert!(
        zh.contains(&format!("… 另有 {} 行，见报告", total - 2)),
        "{zh}"
    );
    assert!(
        zh.contains("详情：piaudit rules show ") && zh.contains("整改："),
        "{zh}"
    );
}

#[test]
fn merged_reports_print_no_line_twice_in_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    scan_shop(&[], &a);
    scan_shop(&[], &b);
    let merged = piaudit()
        .args(["merge", "--lang", "en", "--format", "json", "--out"])
        .arg(dir.path().join("m"))
        .arg(a.join("report.json"))
        .arg(b.join("report.json"))
        .assert()
        .code(1);
    let stderr = stderr_of(&merged);
    // Within each rule's group, no line twice (the unit tests of
    // report::text show the count a repeated line gets).
    let mut groups = 0;
    let mut seen = std::collections::BTreeSet::new();
    for l in stderr.lines() {
        if l.contains(" CNPI-") && !l.starts_with(' ') {
            groups += 1;
            seen.clear();
        } else if l.starts_with("  ") && !l.contains("fix: ") && !l.contains("details: ") {
            assert!(seen.insert(l), "printed twice: {l}\n{stderr}");
        }
    }
    assert!(groups > 5, "{stderr}");
}

#[test]
fn diagnostics_are_counted_and_listed_with_v() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("mixed.sql"),
        "CREATE TABLE a (id INT, phone CHAR(11) COMMENT '手机号码');\nTHIS IS NOT SQL;\n",
    )
    .unwrap();
    let run = |v: bool| {
        let mut c = piaudit();
        c.args(["scan", "--lang", "en", "--format", "json", "--out"])
            .arg(dir.path().join("out"))
            .arg(dir.path());
        if v {
            c.arg("-v");
        }
        stderr_of(&c.assert().code(1))
    };
    let plain = run(false);
    assert!(plain.contains("diagnostics: -v lists them"), "{plain}");
    assert!(!plain.contains("mixed.sql:2"), "{plain}");
    let verbose = run(true);
    assert!(verbose.contains("diagnostics:\n"), "{verbose}");
    assert!(
        verbose
            .lines()
            .any(|l| l.trim_start().starts_with("mixed.sql:2 ")),
        "{verbose}"
    );
}

#[test]
fn out_dash_writes_one_format_to_stdout_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let a = piaudit()
        .current_dir(dir.path())
        .args(["scan", "--lang", "en", "--format", "json", "--out", "-"])
        .arg(shop())
        .assert()
        .code(1);
    let stdout = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is the report");
    assert_eq!(report["tool"]["name"], "piaudit");
    assert!(stderr_of(&a).contains("findings: "), "summary on stderr");
    assert!(!dir.path().join("-").exists(), "no folder named `-`");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
    // SARIF as well.
    let a = piaudit()
        .args(["scan", "--quiet", "--format", "sarif", "--out", "-"])
        .arg(shop())
        .assert()
        .code(1);
    let sarif: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // `merge` too.
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("one");
    piaudit()
        .args(["scan", "--quiet", "--format", "json", "--out"])
        .arg(&single)
        .arg(shop())
        .assert()
        .code(1);
    let a = piaudit()
        .args(["merge", "--format", "md", "--out", "-"])
        .arg(single.join("report.json"))
        .assert()
        .code(1);
    let md = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(md.starts_with("## piaudit"), "{md}");
    assert!(
        !stderr_of(&a).contains("## piaudit"),
        "the report is on stdout only"
    );
    // Several formats cannot share stdout: a usage error, before scanning.
    for cmd in [
        vec!["scan", "--out", "-"],
        vec!["scan", "--format", "json,sarif", "--out", "-"],
    ] {
        let a = piaudit().args(&cmd).arg(shop()).assert().code(2);
        assert!(a.get_output().stdout.is_empty());
        let err = stderr_of(&a);
        assert!(err.contains("--out -") && err.contains("--format"), "{err}");
    }
}

#[test]
fn fail_on_never_exits_0_on_findings_but_not_on_errors() {
    let out = tempfile::tempdir().unwrap();
    piaudit()
        .args([
            "scan",
            "--quiet",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--out",
        ])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(0);
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    assert!(!open_findings(&report).is_empty());
    // Errors keep their codes.
    piaudit()
        .args(["scan", "--fail-on", "never", "--format", "pdf", "--out"])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(2);
    let bad = piaudit()
        .args(["scan", "--fail-on", "sometimes", "--out"])
        .arg(out.path())
        .arg(shop())
        .assert()
        .code(2);
    assert!(stderr_of(&bad).contains("never"), "the error names `never`");
}

/// A project with a vendor folder and a legacy file, plus `piaudit.yaml`.
fn project(decl: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, table) in [
        ("db/app.sql", "member"),
        ("vendor/lib/x.sql", "vendor_user"),
        ("db/old_schema.sql", "legacy_user"),
    ] {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(
            p,
            format!("CREATE TABLE {table} (id INT, mobile CHAR(11) COMMENT '手机号码');\n"),
        )
        .unwrap();
    }
    fs::write(dir.path().join("piaudit.yaml"), decl).unwrap();
    dir
}

fn scanned_tables(dir: &Path, extra: &[&str]) -> (Vec<String>, serde_json::Value) {
    // Inside the project: as the report folder, it is never scanned.
    let out = dir.join("out-controls");
    let a = piaudit()
        .args([
            "scan",
            "--quiet",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--out",
        ])
        .arg(&out)
        .args(extra)
        .arg(dir)
        .assert();
    assert_eq!(a.get_output().status.code(), Some(0), "{}", stderr_of(&a));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let mut names: Vec<String> = report["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    (names, report)
}

#[test]
fn exclude_from_the_command_line_and_from_piaudit_yaml() {
    let dir = project("version: 1\n");
    let (all, _) = scanned_tables(dir.path(), &[]);
    assert_eq!(all, ["legacy_user", "member", "vendor_user"]);
    // A folder name, and a path glob.
    let (some, _) = scanned_tables(
        dir.path(),
        &["--exclude", "vendor", "--exclude", "db/old_*"],
    );
    assert_eq!(some, ["member"]);
    let (some, _) = scanned_tables(dir.path(), &["--exclude", "vendor/**"]);
    assert_eq!(some, ["legacy_user", "member"]);
    // The same from piaudit.yaml, which is still read.
    let dir = project(
        "version: 1\nexclude: [vendor, \"*old_schema.sql\"]\norganisation: { name: Acme }\n",
    );
    let (some, report) = scanned_tables(dir.path(), &[]);
    assert_eq!(some, ["member"]);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "CNPI-001" || f["location"]["file"] != "vendor/lib/x.sql"));
    // A bad glob is a usage or declarations error.
    let bad = piaudit()
        .args(["scan", "--exclude", "[oops", "--out"])
        .arg(dir.path().join("o"))
        .arg(dir.path())
        .assert()
        .code(2);
    assert!(stderr_of(&bad).contains("--exclude"), "{}", stderr_of(&bad));
    let dir = project("version: 1\nexclude: [\"[oops\"]\n");
    let bad = piaudit()
        .args(["scan", "--out"])
        .arg(dir.path().join("o"))
        .arg(dir.path())
        .assert()
        .code(2);
    assert!(
        stderr_of(&bad).contains("exclude[0]"),
        "{}",
        stderr_of(&bad)
    );
}

#[test]
fn skip_rule_from_the_command_line_and_from_piaudit_yaml() {
    let rules = |report: &serde_json::Value| -> std::collections::BTreeSet<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let dir = project("version: 1\n");
    let (_, report) = scanned_tables(dir.path(), &[]);
    assert!(rules(&report).contains("CNPI-001"), "{:?}", rules(&report));
    let (_, report) = scanned_tables(dir.path(), &["--skip-rule", "cnpi-001"]);
    assert!(!rules(&report).contains("CNPI-001"));
    let dir = project("version: 1\nskip_rules: [CNPI-001]\n");
    let (_, report) = scanned_tables(dir.path(), &[]);
    assert!(!rules(&report).contains("CNPI-001"));
    // The terminal says which rules were not evaluated.
    let a = piaudit()
        .args([
            "scan",
            "--lang",
            "en",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--out",
        ])
        .arg(dir.path().join("o"))
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(stderr_of(&a).contains("rules not evaluated (--skip-rule / skip_rules): CNPI-001"));
    // Unknown ids: exit 2 with a hint.
    let bad = piaudit()
        .args(["scan", "--skip-rule", "CNPI-999", "--out"])
        .arg(dir.path().join("o"))
        .arg(dir.path())
        .assert()
        .code(2);
    let err = stderr_of(&bad);
    assert!(
        err.contains("CNPI-999") && err.contains("piaudit rules list"),
        "{err}"
    );
    let dir = project("version: 1\nskip_rules: [CNPI-998]\n");
    let bad = piaudit()
        .args(["scan", "--out"])
        .arg(dir.path().join("o"))
        .arg(dir.path())
        .assert()
        .code(2);
    let err = stderr_of(&bad);
    assert!(
        err.contains("skip_rules[0]") && err.contains("CNPI-998"),
        "{err}"
    );
}

#[test]
fn empty_input_archives_and_missing_paths_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // No supported file: exit 3 with the reason.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    fs::write(empty.join("README.txt"), "hello").unwrap();
    let a = piaudit()
        .args(["scan", "--out"])
        .arg(&out)
        .arg(&empty)
        .assert()
        .code(3);
    assert!(
        stderr_of(&a).contains("no supported file"),
        "{}",
        stderr_of(&a)
    );
    // Only an archive: the same, naming the archive.
    let zips = dir.path().join("zips");
    fs::create_dir(&zips).unwrap();
    fs::write(zips.join("dump.zip"), b"PK\x03\x04").unwrap();
    let a = piaudit()
        .args(["scan", "--out"])
        .arg(&out)
        .arg(&zips)
        .assert()
        .code(3);
    assert!(stderr_of(&a).contains("archive"), "{}", stderr_of(&a));
    // An archive among readable files: a warning, and the scan goes on.
    fs::write(zips.join("a.sql"), "CREATE TABLE t (id INT);").unwrap();
    let a = piaudit()
        .args(["scan", "--lang", "en", "--format", "json", "--out"])
        .arg(&out)
        .arg(&zips)
        .assert()
        .code(0);
    let err = stderr_of(&a);
    assert!(
        err.contains("piaudit: warning: 1 archive(s) not read (dump.zip); unpack them"),
        "{err}"
    );
    // An archive named as the path: exit 2 with the reason.
    let a = piaudit()
        .args(["scan", "--out"])
        .arg(&out)
        .arg(zips.join("dump.zip"))
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("is an archive"), "{}", stderr_of(&a));
    // A missing path: exit 2 for scan and lineage alike.
    let missing = dir.path().join("nope.sql");
    let a = piaudit()
        .args(["scan", "--out"])
        .arg(&out)
        .arg(&missing)
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("nope.sql"));
    piaudit().arg("lineage").arg(&missing).assert().code(2);
}

#[test]
fn root_and_home_are_refused_without_yes() {
    let a = piaudit()
        .args(["scan", "/", "--out", "-", "--format", "json"])
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("--yes") && err.contains("refusing to scan /"),
        "{err}"
    );
    let home = tempfile::tempdir().unwrap();
    fs::write(home.path().join("a.sql"), "CREATE TABLE t (id INT);").unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = piaudit()
        .env("HOME", home.path())
        .args(["scan", "--format", "json", "--out"])
        .arg(out.path())
        .arg(home.path())
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("home directory"),
        "{}",
        stderr_of(&a)
    );
    piaudit()
        .env("HOME", home.path())
        .args(["scan", "--yes", "--quiet", "--format", "json", "--out"])
        .arg(out.path())
        .arg(home.path())
        .assert()
        .code(0);
}

#[test]
fn the_report_folder_is_never_scanned() {
    let dir = project("version: 1\n");
    let count = |extra: &[&str]| -> u64 {
        let a = piaudit()
            .current_dir(dir.path())
            .args(["scan", "--fail-on", "never", "--quiet"])
            .args(extra)
            .assert()
            .code(0);
        drop(a);
        let out = extra
            .iter()
            .position(|a| *a == "--out")
            .map_or("piaudit-report", |i| extra[i + 1]);
        let report: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(dir.path().join(out).join("report.json")).unwrap(),
        )
        .unwrap();
        report["scan"]["files_scanned"].as_u64().unwrap()
    };
    let all = "html,json,sarif,md,junit,csv,dot,mermaid,openlineage";
    let first = count(&["--format", all]);
    assert_eq!(first, count(&["--format", all]), "default folder rescanned");
    assert_eq!(first, count(&["--format", all, "--out", "elsewhere"]));
    assert_eq!(first, count(&["--format", all, "--out", "elsewhere"]));
}

#[test]
fn exit_codes_are_in_the_help_of_piaudit_and_scan() {
    for args in [vec!["--help"], vec!["scan", "--help"]] {
        let a = piaudit().args(&args).assert().code(0);
        let help = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
        for code in ["  0  ", "  1  ", "  2  ", "  3  "] {
            assert!(help.contains(code), "{args:?}: no exit code {code}\n{help}");
        }
        assert!(help.contains("Exit codes"), "{help}");
    }
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains("--fail-on never"),
        "README documents the exit codes"
    );
}

#[test]
fn baseline_takes_file_warns_on_out_and_on_ignored_options() {
    let dir = project("version: 1\n");
    let file = dir.path().join("b.json");
    let a = piaudit()
        .args(["baseline", "--file"])
        .arg(&file)
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(file.is_file(), "{}", stderr_of(&a));
    assert!(!stderr_of(&a).contains("warning"), "{}", stderr_of(&a));
    // --out still works for one release, with a deprecation warning.
    let old = dir.path().join("old.json");
    let a = piaudit()
        .args(["baseline", "--out"])
        .arg(&old)
        .args(["--format", "sarif", "--fail-on", "high", "--lang", "en"])
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(old.is_file());
    let err = stderr_of(&a);
    assert!(
        err.contains("deprecated") && err.contains("--file"),
        "{err}"
    );
    assert!(
        err.contains("ignores --format, --fail-on, --lang"),
        "ignored options are named: {err}"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        fs::read_to_string(&old).unwrap()
    );
    // Both, or --file on scan: usage errors.
    piaudit()
        .args(["baseline", "--file"])
        .arg(&file)
        .arg("--out")
        .arg(&old)
        .arg(dir.path())
        .assert()
        .code(2);
    piaudit()
        .args(["scan", "--file"])
        .arg(&file)
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn a_fresh_init_then_scan_passes() {
    let dir = tempfile::tempdir().unwrap();
    piaudit().arg("init").arg(dir.path()).assert().code(0);
    let a = piaudit()
        .args(["scan", "--lang", "en", "--format", "json", "--out"])
        .arg(dir.path().join("out"))
        .arg(dir.path())
        .assert();
    assert_eq!(
        a.get_output().status.code(),
        Some(0),
        "the template fails its own scan:\n{}",
        stderr_of(&a)
    );
}

/// Runs a scan on a pseudo-terminal (util-linux `script`) and returns what
/// the screen received.
fn on_terminal(files: usize, extra: &str, no_color_env: bool) -> Option<String> {
    let script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .map(drop)
        .map_err(|_| "`script` (util-linux) is not installed, so no pseudo-terminal".to_string());
    require(Need::Tool, script)?;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..files {
        fs::write(
            dir.path().join(format!("t{i:02}.sql")),
            format!("CREATE TABLE t{i} (id INT, mobile VARCHAR(11) COMMENT '手机号');\n"),
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("piaudit");
    let command = format!(
        "{} scan {} --format json {extra} --out {}",
        bin.display(),
        dir.path().display(),
        out.path().display()
    );
    let mut c = std::process::Command::new("script");
    c.args(["-qec", &command, "/dev/null"]).env("TERM", "xterm");
    if no_color_env {
        c.env("NO_COLOR", "1");
    } else {
        c.env_remove("NO_COLOR");
    }
    let run = c.output().unwrap();
    Some(String::from_utf8_lossy(&run.stdout).into_owned())
}

#[test]
fn no_bar_for_few_files_nor_without_colour_on_a_terminal() {
    // Few files: no bar at all, so no residue.
    let Some(screen) = on_terminal(6, "", false) else {
        return;
    };
    assert!(!screen.contains(" files, "), "bar for 6 files:\n{screen}");
    assert!(!screen.contains("extract ["), "{screen}");
    assert!(
        screen.contains('\u{1b}'),
        "colours on a terminal:\n{screen}"
    );
    // Many files: a bar, cleared before the summary is printed.
    let screen = on_terminal(30, "", false).unwrap();
    let last_bar = screen.rfind(" files, ").expect("a bar for 30 files");
    let summary = screen.rfind("piaudit 0.").expect("the summary");
    assert!(last_bar < summary, "{screen}");
    assert!(
        screen[last_bar..summary].contains("\u{1b}[2K"),
        "the bar is not cleared: {:?}",
        &screen[last_bar..summary]
    );
    // Many files but --no-color or NO_COLOR: no bar and no colours.
    for (extra, env) in [("--no-color", false), ("", true)] {
        let screen = on_terminal(30, extra, env).unwrap();
        assert!(
            !screen.contains(" files, "),
            "{extra} {env}: bar:\n{screen}"
        );
        assert!(
            !screen.contains('\u{1b}'),
            "{extra} {env}: colours:\n{screen}"
        );
        assert!(screen.contains("low CNPI-"), "{screen}");
    }
}
