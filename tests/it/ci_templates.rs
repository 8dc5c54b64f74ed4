//! Installing and running piaudit in CI without a Rust toolchain: the
//! composite action (`action.yml`), the GitLab and Jenkins templates of
//! `piaudit init --ci`, the Dockerfile, `piaudit completions` and `piaudit man`.
//!
//! The templates are parsed (YAML; the Jenkinsfile's structure) and their
//! shell steps run here as the CI would run them: in a clone of a git
//! repository holding examples/shop (a committed baseline on `master`, a
//! feature branch adding a table with an ID-card column), against a fake
//! release folder (`file://`, archive + SHA256SUMS) whose `piaudit` runs the
//! binary under test.

use crate::common::{piaudit, require, Need};
use sha2::Digest;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs git in `dir` with a fixed identity, failing the test on error.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=piaudit test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// curl, sha256sum and tar, which the install script uses.
fn tools() -> Option<()> {
    let missing: Vec<&str> = ["curl", "sha256sum", "tar", "git", "bash"]
        .into_iter()
        .filter(|t| {
            Command::new(t)
                .arg("--version")
                .output()
                .map_or(true, |o| !o.status.success())
        })
        .collect();
    let found = if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("not installed: {}", missing.join(", ")))
    };
    require(Need::Tool, found)
}

/// A CI world: `origin` (examples/shop and its baseline on `master`, a
/// `feature` branch adding an ID-card table), a clone `work` of it, a
/// release folder with the binary under test, and an empty HOME.
struct World {
    _dir: tempfile::TempDir,
    work: PathBuf,
    release_url: String,
    home: PathBuf,
    archive_sha256: String,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    copy_dir(&manifest_dir().join("examples/shop"), &origin);
    git(&origin, &["init", "-q", "-b", "master"]);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-qm", "shop"]);
    piaudit()
        .args(["--quiet", "baseline"])
        .arg(&origin)
        .assert()
        .code(0);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-qm", "baseline"]);
    git(&origin, &["checkout", "-qb", "feature"]);
    fs::write(
        origin.join("db/kyc.sql"),
        "CREATE TABLE member_kyc (\n  id BIGINT PRIMARY KEY,\n  member_id BIGINT,\n  \
         id_card_no VARCHAR(18) COMMENT '身份证号'\n);\n",
    )
    .unwrap();
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-qm", "kyc"]);
    git(&origin, &["checkout", "-q", "master"]);
    let work = dir.path().join("work");
    git(
        dir.path(),
        &["clone", "-q", origin.to_str().unwrap(), "work"],
    );
    git(&work, &["branch", "-q", "feature", "origin/feature"]);

    // The release folder: what scripts/release.sh writes, with a `piaudit`
    // that runs the binary under test (the debug binary is too big to pack
    // in every test).
    let arch = std::env::consts::ARCH;
    let name = format!("piaudit-{VERSION}-{arch}-unknown-linux-gnu");
    let stage = dir.path().join("stage");
    fs::create_dir_all(stage.join(&name)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("piaudit");
    fs::write(
        stage.join(&name).join("piaudit"),
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", bin.display()),
    )
    .unwrap();
    let release = dir.path().join("releases");
    let folder = release.join(format!("v{VERSION}"));
    fs::create_dir_all(&folder).unwrap();
    // Executable, as release.sh archives it.
    let script = stage.join(&name).join("piaudit");
    let mut perms = fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    fs::set_permissions(&script, perms).unwrap();
    let archive = format!("{name}.tar.gz");
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(folder.join(&archive))
        .arg("-C")
        .arg(&stage)
        .arg(&name)
        .status()
        .unwrap();
    assert!(tar.success());
    let bytes = fs::read(folder.join(&archive)).unwrap();
    let sha = format!("{:x}", sha2::Sha256::digest(&bytes));
    fs::write(
        folder.join("SHA256SUMS"),
        format!("{sha}  {archive}\n0000  piaudit-{VERSION}-other.tar.gz\n"),
    )
    .unwrap();
    let home = dir.path().join("home");
    fs::create_dir_all(&home).unwrap();
    World {
        release_url: format!("file://{}", release.display()),
        work,
        home,
        archive_sha256: sha,
        _dir: dir,
    }
}

/// Runs a shell script the way a CI runs a step: `shell` and its flags, in
/// `dir`, with `env` on top of a PATH that has no piaudit. Returns the exit
/// code and the combined output.
fn run_step(
    shell: &[&str],
    script: &str,
    dir: &Path,
    env: &BTreeMap<String, String>,
) -> (i32, String) {
    let out = Command::new(shell[0])
        .args(&shell[1..])
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env(
            "PATH",
            env.get("PATH")
                .map_or("/usr/local/bin:/usr/bin:/bin", String::as_str),
        )
        .envs(env.iter().filter(|(k, _)| *k != "PATH"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn base_env(w: &World) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("HOME".to_string(), w.home.display().to_string()),
        ("PIAUDIT_RELEASE_URL".to_string(), w.release_url.clone()),
    ])
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn open_findings(report: &serde_json::Value) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"].as_str().is_none_or(|s| s == "open"))
        .count()
}

/// What a run of the composite action did.
struct ActionRun {
    /// The name of the step that failed and its exit code, if one did.
    failed: Option<(String, i32)>,
    outputs: String,
    log: String,
}

/// Runs the `run:` steps of action.yml in order, as GitHub does for a
/// composite action (bash -eo pipefail, GITHUB_* files, GITHUB_PATH added
/// to PATH for later steps), with `inputs` over the inputs' defaults and
/// `diff_base` for the pull-request expression. Stops at the first failing
/// step.
fn run_action(w: &World, inputs: &[(&str, &str)], diff_base: &str) -> ActionRun {
    let text = fs::read_to_string(manifest_dir().join("action.yml")).unwrap();
    let action: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in action["inputs"].as_mapping().unwrap() {
        let default = match &spec["default"] {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Null => String::new(),
            other => panic!("input {name:?}: default {other:?}"),
        };
        values.insert(name.as_str().unwrap().to_string(), default);
    }
    for (k, v) in inputs {
        assert!(values.contains_key(*k), "action.yml has no input {k}");
        values.insert(k.to_string(), v.to_string());
    }
    let files = w.home.join("gh");
    fs::create_dir_all(&files).unwrap();
    let output = files.join("output");
    let path_file = files.join("path");
    let summary = files.join("summary");
    for f in [&output, &path_file, &summary] {
        fs::write(f, "").unwrap();
    }
    let mut log = String::new();
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        let name = step["name"].as_str().unwrap_or("?").to_string();
        let Some(script) = step["run"].as_str() else {
            // `uses:` steps (cache, SARIF upload) are GitHub's; the SARIF
            // upload's file is checked by the callers.
            assert!(step["uses"].is_string(), "{name}: neither run nor uses");
            continue;
        };
        assert_eq!(step["shell"].as_str(), Some("bash"), "{name}");
        let mut env = base_env(w);
        let gh_path: Vec<String> = fs::read_to_string(&path_file)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let mut path = gh_path.join(":");
        path.push_str(if path.is_empty() { "" } else { ":" });
        path.push_str("/usr/local/bin:/usr/bin:/bin");
        env.insert("PATH".into(), path);
        env.insert(
            "GITHUB_ACTION_PATH".into(),
            manifest_dir().display().to_string(),
        );
        env.insert("GITHUB_OUTPUT".into(), output.display().to_string());
        env.insert("GITHUB_PATH".into(), path_file.display().to_string());
        env.insert("GITHUB_STEP_SUMMARY".into(), summary.display().to_string());
        if let Some(vars) = step["env"].as_mapping() {
            for (k, v) in vars {
                let expr = v.as_str().unwrap().trim();
                let value = if let Some(input) = expr
                    .strip_prefix("${{ inputs.")
                    .and_then(|r| r.strip_suffix(" }}"))
                    .filter(|r| !r.contains(' '))
                {
                    values[input].clone()
                } else if expr.starts_with("${{ inputs.diff-base ||")
                    && expr.contains("github.base_ref")
                {
                    // `inputs.diff-base || <origin/base on pull requests>`
                    if values["diff-base"].is_empty() {
                        diff_base.to_string()
                    } else {
                        values["diff-base"].clone()
                    }
                } else if expr == "${{ steps.scan.outputs.exit-code }}" {
                    fs::read_to_string(&output)
                        .unwrap()
                        .lines()
                        .filter_map(|l| l.strip_prefix("exit-code="))
                        .next_back()
                        .unwrap_or("")
                        .to_string()
                } else {
                    panic!("{name}: expression this test cannot evaluate: {expr}")
                };
                env.insert(k.as_str().unwrap().to_string(), value);
            }
        }
        assert!(
            !script.contains("${{"),
            "{name}: expressions belong in env:, not in the script"
        );
        let (code, out) = run_step(
            &["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"],
            script,
            &w.work,
            &env,
        );
        log.push_str(&format!("== {name} (exit {code})\n{out}"));
        if code != 0 {
            return ActionRun {
                failed: Some((name, code)),
                outputs: fs::read_to_string(&output).unwrap(),
                log,
            };
        }
    }
    ActionRun {
        failed: None,
        outputs: fs::read_to_string(&output).unwrap(),
        log,
    }
}

#[test]
fn the_action_installs_scans_uploads_and_gates_on_new_findings() {
    if tools().is_none() {
        return;
    }
    let w = world();
    let version = [
        ("version", VERSION),
        ("release-url", w.release_url.as_str()),
    ];

    // A push to master: the baseline holds every finding, so the gate passes.
    let push = run_action(&w, &version, "");
    assert!(push.failed.is_none(), "{}", push.log);
    assert!(push.outputs.contains("exit-code=0"), "{}", push.log);
    assert!(
        push.log.contains(&format!("piaudit {VERSION}")),
        "{}",
        push.log
    );
    let cached = w.home.join(".cache/piaudit").join(VERSION).join("piaudit");
    assert!(cached.is_file(), "not cached: {}", push.log);
    let sarif = read_json(&w.work.join("piaudit-report/report.sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(w.work.join("piaudit-report/report.html").is_file());
    let summary = fs::read_to_string(w.home.join("gh/summary")).unwrap();
    assert!(!summary.trim().is_empty(), "no job summary");
    // A second run takes the cached binary.
    let again = run_action(&w, &version, "");
    assert!(again.log.contains("cached"), "{}", again.log);

    // A pull request adding an ID-card column: new findings fail the Gate
    // step (after the SARIF of the full scan was written), and the
    // terminal shows them (no --quiet).
    git(&w.work, &["checkout", "-q", "feature"]);
    let pr = run_action(&w, &version, "origin/master");
    let (step, code) = pr.failed.clone().expect("the gate must fail");
    assert_eq!((step.as_str(), code), ("Gate", 1), "{}", pr.log);
    assert!(pr.outputs.contains("exit-code=1"), "{}", pr.log);
    assert!(
        pr.log.contains("db/kyc.sql"),
        "findings not shown:\n{}",
        pr.log
    );
    let full = read_json(&w.work.join("piaudit-report/report.json"));
    let new = read_json(&w.work.join("piaudit-report/pr/report.json"));
    assert!(open_findings(&new) > 0, "{}", pr.log);
    assert!(full["findings"].as_array().unwrap().len() > new["findings"].as_array().unwrap().len());
    assert!(w.work.join("piaudit-report/report.sarif").is_file());

    // A configuration error fails the Scan step with exit 2.
    let bad = run_action(
        &w,
        &[version[0], version[1], ("args", "--pack no-such-pack")],
        "",
    );
    assert_eq!(
        bad.failed.as_ref().map(|(s, c)| (s.as_str(), *c)),
        Some(("Scan", 2)),
        "{}",
        bad.log
    );
}

#[test]
fn the_install_step_refuses_an_archive_with_another_checksum() {
    if tools().is_none() {
        return;
    }
    let w = world();
    let wrong = "0".repeat(64);
    let run = run_action(
        &w,
        &[
            ("version", VERSION),
            ("release-url", w.release_url.as_str()),
            ("sha256", wrong.as_str()),
        ],
        "",
    );
    let (step, code) = run.failed.expect("a wrong pin must fail");
    assert_eq!(step, "Install piaudit", "{}", run.log);
    assert_ne!(code, 0);
    assert!(!w
        .home
        .join(".cache/piaudit")
        .join(VERSION)
        .join("piaudit")
        .exists());
    // The right pin installs.
    let ok = run_action(
        &w,
        &[
            ("version", VERSION),
            ("release-url", w.release_url.as_str()),
            ("sha256", w.archive_sha256.as_str()),
        ],
        "",
    );
    assert!(ok.failed.is_none(), "{}", ok.log);
    // A version without a release fails the install, naming no binary.
    let missing = run_action(
        &w,
        &[
            ("version", "0.0.0-none"),
            ("release-url", w.release_url.as_str()),
        ],
        "",
    );
    assert_eq!(
        missing.failed.as_ref().map(|(s, _)| s.as_str()),
        Some("Install piaudit"),
        "{}",
        missing.log
    );
}

/// No snippet builds piaudit from source, and no scan in it is `--quiet`
/// (a failed job must show its findings).
fn assert_loud_and_not_built(text: &str) {
    assert!(!text.contains("cargo install"), "{text}");
    for line in text.lines().filter(|l| l.contains("piaudit scan")) {
        assert!(!line.contains("--quiet") && !line.contains(" -q"), "{line}");
    }
}

/// Writes a snippet with `piaudit init --ci` in the work clone (whose
/// origin's HEAD is `master`), reads it and removes it again, so it is not
/// scanned.
fn snippet(w: &World, ci: &str, file: &str) -> String {
    piaudit()
        .args(["init", "--ci", ci])
        .arg(&w.work)
        .assert()
        .code(0);
    let path = w.work.join(file);
    let text = fs::read_to_string(&path).unwrap();
    fs::remove_file(&path).unwrap();
    let _ = fs::remove_dir(path.parent().unwrap());
    text
}

#[test]
fn gitlab_template_parses_and_its_script_runs() {
    if tools().is_none() {
        return;
    }
    let w = world();
    let text = snippet(&w, "gitlab", ".gitlab/piaudit.gitlab-ci.yml");
    assert_loud_and_not_built(&text);
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let job = &v["piaudit"];
    let rules = serde_yaml::to_string(&job["rules"]).unwrap();
    assert!(rules.contains("\"master\""), "{rules}");
    assert!(
        text.contains("refs/remotes/origin/HEAD"),
        "branch source not said"
    );
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let mut env = base_env(&w);
    for (k, val) in job["variables"].as_mapping().unwrap() {
        let val = match val {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            other => panic!("{other:?}"),
        };
        let val = val.replace("$CI_PROJECT_DIR", &w.work.display().to_string());
        env.insert(k.as_str().unwrap().to_string(), val);
    }
    assert_eq!(env["PIAUDIT_VERSION"], VERSION);
    env.insert("CI_PROJECT_DIR".into(), w.work.display().to_string());
    let junit = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    let gitlab_shell = ["bash", "-eo", "pipefail", "-c"];
    let joined = script.join("\n");

    // The default branch: the baseline holds everything.
    let (code, log) = run_step(&gitlab_shell, &joined, &w.work, &env);
    assert_eq!(code, 0, "{log}");
    assert!(w.work.join(junit).is_file(), "{log}");
    assert!(w
        .work
        .join(".piaudit-cache")
        .join(VERSION)
        .join("piaudit")
        .is_file());

    // A merge request from `feature` into master: the job fails on the new
    // ID-card column, and the log shows it.
    git(&w.work, &["checkout", "-q", "feature"]);
    env.insert(
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME".into(),
        "master".into(),
    );
    env.insert("CI_PIPELINE_SOURCE".into(), "merge_request_event".into());
    let (code, log) = run_step(&gitlab_shell, &joined, &w.work, &env);
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("db/kyc.sql") && log.contains("cached"),
        "{log}"
    );
    for path in job["artifacts"]["paths"].as_sequence().unwrap() {
        assert!(w.work.join(path.as_str().unwrap()).is_dir(), "{path:?}");
    }
    assert!(w.work.join("piaudit-report/report.sarif").is_file());
    assert!(open_findings(&read_json(&w.work.join("piaudit-report/pr/report.json"))) > 0);
}

/// The Jenkinsfile's `sh '''…'''` blocks, and the text outside them.
fn jenkins_parts(text: &str) -> (Vec<String>, String) {
    let mut blocks = Vec::new();
    let mut outside = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("sh '''") {
        outside.push_str(&rest[..i]);
        let body = &rest[i + "sh '''".len()..];
        let end = body.find("'''").expect("unterminated sh '''");
        blocks.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    outside.push_str(rest);
    (blocks, outside)
}

#[test]
fn jenkinsfile_is_a_declarative_pipeline_and_its_sh_step_runs() {
    if tools().is_none() {
        return;
    }
    let w = world();
    let text = snippet(&w, "jenkins", "Jenkinsfile.piaudit");
    assert_loud_and_not_built(&text);
    let (blocks, outside) = jenkins_parts(&text);
    assert_eq!(blocks.len(), 1, "one sh step: install, then the gate");
    // Structure: comments, then one `pipeline { … }` with the declarative
    // sections; braces balance outside strings and the shell.
    let code: Vec<&str> = outside
        .lines()
        .filter(|l| !l.trim_start().starts_with("//") && !l.trim().is_empty())
        .collect();
    assert_eq!(code.first().copied(), Some("pipeline {"), "{outside}");
    assert_eq!(code.last().copied(), Some("}"));
    let mut depth = 0i32;
    for line in &code {
        let unquoted: String = line.split('\'').step_by(2).collect();
        for c in unquoted.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0, "unbalanced at {line}");
        }
    }
    assert_eq!(depth, 0, "unbalanced braces");
    for section in [
        "agent any",
        "environment {",
        "stages {",
        "stage('piaudit') {",
        "steps {",
        "post {",
        "always {",
        "branch 'master'",
        "changeRequest()",
        "recordIssues",
    ] {
        assert!(outside.contains(section), "no `{section}`");
    }
    // The environment block's values, as Jenkins sets them.
    let mut env = base_env(&w);
    let environment = outside.split("environment {").nth(1).unwrap();
    for line in environment.lines().take_while(|l| l.trim() != "}") {
        if let Some((k, v)) = line.trim().split_once(" = ") {
            env.insert(k.to_string(), v.trim_matches('\'').to_string());
        }
    }
    assert_eq!(env["PIAUDIT_VERSION"], VERSION);
    let jenkins_shell = ["sh", "-xe", "-c"];

    let (code, log) = run_step(&jenkins_shell, &blocks[0], &w.work, &env);
    assert_eq!(code, 0, "{log}");
    assert!(w.work.join("piaudit-report/report.sarif").is_file());
    assert!(w
        .home
        .join(".cache/piaudit")
        .join(VERSION)
        .join("piaudit")
        .is_file());

    git(&w.work, &["checkout", "-q", "feature"]);
    env.insert("CHANGE_TARGET".into(), "master".into());
    let (code, log) = run_step(&jenkins_shell, &blocks[0], &w.work, &env);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("db/kyc.sql"), "{log}");
    assert!(w.work.join("piaudit-report/report.junit.xml").is_file());
}

#[test]
fn init_ci_names_the_branch_git_knows() {
    let dir = tempfile::tempdir().unwrap();
    // No git: `main`, said to be assumed.
    piaudit()
        .args(["init", "--ci", "github"])
        .arg(dir.path())
        .assert()
        .code(0);
    let text = fs::read_to_string(dir.path().join(".github/workflows/piaudit.yml")).unwrap();
    assert!(
        text.contains("branches: [main]") && text.contains("assumed"),
        "{text}"
    );
    // A repository on `trunk` without a remote: the branch checked out.
    let repo = dir.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "trunk"]);
    piaudit()
        .args(["init", "--ci", "github"])
        .arg(&repo)
        .assert()
        .code(0);
    let text = fs::read_to_string(repo.join(".github/workflows/piaudit.yml")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(v["on"]["push"]["branches"][0].as_str(), Some("trunk"));
    assert!(text.contains("checked out"), "{text}");
    // A clone of it, checked out on another branch: origin's HEAD wins.
    fs::write(repo.join("a.sql"), "CREATE TABLE t (id INT);\n").unwrap();
    git(&repo, &["add", "a.sql"]);
    git(&repo, &["commit", "-qm", "a"]);
    git(
        dir.path(),
        &["clone", "-q", repo.to_str().unwrap(), "clone"],
    );
    let clone = dir.path().join("clone");
    git(&clone, &["checkout", "-qb", "topic"]);
    piaudit()
        .args(["init", "--ci", "github"])
        .arg(&clone)
        .assert()
        .code(0);
    let text = fs::read_to_string(clone.join(".github/workflows/piaudit.yml")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(v["on"]["push"]["branches"][0].as_str(), Some("trunk"));
    // The workflow runs the action of the pinned release.
    let steps = v["jobs"]["piaudit"]["steps"].as_sequence().unwrap();
    let action = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.ends_with(&format!("@v{VERSION}")))
        })
        .unwrap_or_else(|| panic!("no pinned action step:\n{text}"));
    assert_eq!(action["with"]["version"].as_str(), Some(VERSION));
    assert_loud_and_not_built(&text);
    // The workflow passes only inputs the action has.
    let action_yml: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(manifest_dir().join("action.yml")).unwrap())
            .unwrap();
    for (k, _) in action["with"].as_mapping().unwrap() {
        assert!(
            !action_yml["inputs"][k.as_str().unwrap()].is_null(),
            "action.yml has no input {k:?}"
        );
    }
}

/// The instructions of a Dockerfile: continuation lines joined, comments
/// and blank lines left out, as (INSTRUCTION, arguments).
fn dockerfile_instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(part) = trimmed.strip_suffix('\\') {
            current.push_str(part);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (word, rest) = current
            .split_once(char::is_whitespace)
            .unwrap_or((&current, ""));
        out.push((word.to_ascii_uppercase(), rest.trim().to_string()));
        current.clear();
    }
    assert!(
        current.is_empty(),
        "the Dockerfile ends inside a continuation"
    );
    out
}

/// Docker does not run here: the Dockerfile is checked by reading it.
#[test]
fn dockerfile_is_multi_stage_non_root_with_piaudit_as_entrypoint() {
    let text = fs::read_to_string(manifest_dir().join("Dockerfile")).unwrap();
    let all = dockerfile_instructions(&text);
    let known = [
        "FROM",
        "ARG",
        "RUN",
        "COPY",
        "WORKDIR",
        "USER",
        "ENTRYPOINT",
        "CMD",
        "LABEL",
        "ENV",
    ];
    for (word, _) in &all {
        assert!(known.contains(&word.as_str()), "unknown instruction {word}");
    }
    let stages: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, (w, _))| w == "FROM")
        .map(|(i, _)| i)
        .collect();
    assert!(stages.len() >= 2, "not multi-stage");
    let builder = &all[stages[0]].1;
    assert!(builder.starts_with("rust:"), "builder: {builder}");
    let builder_name = builder.split_whitespace().last().unwrap();
    assert!(builder.to_ascii_uppercase().contains(" AS "), "{builder}");
    let runtime = &all[*stages.last().unwrap()..];
    let base = &runtime[0].1;
    assert!(
        base.contains("slim") || base.contains("distroless"),
        "runtime base should be small: {base}"
    );
    assert!(!base.starts_with("rust:"), "{base}");
    // The binary comes from the builder; the entrypoint is that binary.
    let copy = runtime
        .iter()
        .find(|(w, a)| w == "COPY" && a.starts_with(&format!("--from={builder_name} ")))
        .expect("COPY --from the builder");
    let dest = copy.1.split_whitespace().last().unwrap().to_string();
    let entry = runtime
        .iter()
        .rev()
        .find(|(w, _)| w == "ENTRYPOINT")
        .expect("ENTRYPOINT");
    let entry: Vec<String> = serde_json::from_str(&entry.1).expect("exec-form ENTRYPOINT");
    assert_eq!(entry, std::slice::from_ref(&dest));
    assert!(dest.ends_with("/piaudit"));
    // The last USER of the runtime stage is not root.
    let user = runtime
        .iter()
        .rev()
        .find(|(w, _)| w == "USER")
        .expect("USER in the runtime stage");
    let name = user.1.split(':').next().unwrap();
    assert!(name != "root" && name != "0", "runs as root: {}", user.1);
    // The builder builds with the release script, --locked.
    let run = all[stages[0]..stages[1]]
        .iter()
        .any(|(w, a)| w == "RUN" && a.contains("scripts/release.sh"));
    assert!(run, "the builder does not use scripts/release.sh");
    let release = fs::read_to_string(manifest_dir().join("scripts/release.sh")).unwrap();
    assert!(release.contains("--locked") && release.contains("--remap-path-prefix"));
    assert!(release.contains("SOURCE_DATE_EPOCH") && release.contains("SHA256SUMS"));
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(manifest_dir().join("scripts/release.sh"))
        .status()
        .unwrap();
    assert!(syntax.success(), "scripts/release.sh: bash -n failed");
    // The build context leaves out what the build does not read.
    let ignore = fs::read_to_string(manifest_dir().join(".dockerignore")).unwrap();
    for entry in ["target", ".git"] {
        assert!(
            ignore.lines().any(|l| l.trim() == entry),
            "{entry} not ignored"
        );
    }
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = piaudit().args(["completions", shell]).assert().code(0);
        let script = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        for sub in ["scan", "baseline", "merge", "init", "completions", "man"] {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
        if shell == "bash" {
            assert!(script.contains("complete -F _piaudit"), "{script}");
            assert!(script.contains("--fail-on") && script.contains("--diff-base"));
        }
    }
    let bad = piaudit().args(["completions", "tcsh"]).assert().code(2);
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("bash"));
}

#[test]
fn man_page_renders_the_help_and_its_exit_codes() {
    let out = piaudit().arg("man").assert().code(0);
    let page = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(page.contains(".TH piaudit 1"), "{page}");
    // roff escapes `-` as `\-`.
    let plain = page.replace("\\-", "-");
    for sub in ["scan", "baseline", "completions", "man"] {
        assert!(plain.contains(&format!("piaudit-{sub}(1)")), "no {sub}");
    }
    // The closing text of `--help` (the exit-code table, once the help has
    // one) is the man page's EXTRA section; line by line in the binary's
    // unit test `cli::man_tests`.
    let help = piaudit().arg("--help").assert().code(0);
    let help = String::from_utf8(help.get_output().stdout.clone()).unwrap();
    let lower = help.to_lowercase();
    if lower.contains("exit code") || lower.contains("exit status") || help.contains("退出码") {
        assert!(plain.contains(".SH EXTRA"), "no exit codes in the man page");
    }
    let dir = tempfile::tempdir().unwrap();
    piaudit()
        .args(["man", "--out"])
        .arg(dir.path().join("man1"))
        .assert()
        .code(0);
    for page in ["piaudit.1", "piaudit-scan.1", "piaudit-init.1"] {
        let text = fs::read_to_string(dir.path().join("man1").join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
}
