//! Shared by the integration tests: the binary with a clean environment, and
//! one way for a test to skip visibly when something outside the checkout
//! is missing.

use assert_cmd::Command;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The `piaudit` binary with an environment that does not leak into its
/// output: no locale (reports default to zh-CN), no log filter, no
/// NO_COLOR (tests that need it set it), and a facts cache shared by the
/// tests in the system's temporary directory, not the user's.
pub fn piaudit() -> Command {
    let mut c = Command::cargo_bin("piaudit").unwrap();
    c.env(
        "PIAUDIT_CACHE_DIR",
        std::env::temp_dir().join("piaudit-tests-cache"),
    )
    .env_remove("LANG")
    .env_remove("LC_ALL")
    .env_remove("PIAUDIT_LOG")
    .env_remove("NO_COLOR");
    c
}

/// Something a test needs that a checkout alone does not have.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// The development corpus, `../shared/corpus` beside the checkout.
    Corpus,
    /// The local PostgreSQL and MariaDB/MySQL servers (see `db.rs`).
    Db,
    /// A headless Chromium (`apt-get install chromium`).
    Browser,
    /// A system tool such as `strace` or `script` (util-linux).
    Tool,
}

impl Need {
    /// The variable that, set to `1`, turns the skip into a failure.
    pub fn require_var(self) -> &'static str {
        match self {
            Need::Corpus => "PIAUDIT_REQUIRE_CORPUS",
            Need::Db => "PIAUDIT_REQUIRE_DB",
            Need::Browser => "PIAUDIT_REQUIRE_BROWSER",
            Need::Tool => "PIAUDIT_REQUIRE_TOOLS",
        }
    }
}

/// Returns what the test needs, or `None` after printing
/// `SKIPPED: <test>: <why>` — or panics instead when the need's
/// `PIAUDIT_REQUIRE_*` variable is `1` (CI sets the ones it provides).
///
/// The line goes straight to the process's stderr, not through `eprintln!`,
/// which the test harness captures and hides for passing tests: a skipped
/// test passes, and its skip must still show in a plain `cargo test`.
pub fn require<T>(need: Need, found: Result<T, String>) -> Option<T> {
    match found {
        Ok(found) => Some(found),
        Err(why) => {
            let var = need.require_var();
            let test = std::thread::current()
                .name()
                .unwrap_or("<unnamed test>")
                .to_string();
            if std::env::var(var).as_deref() == Ok("1") {
                panic!("{var}=1 but {test} cannot run: {why}");
            }
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test}: {why} (set {var}=1 to fail instead)"
            );
            None
        }
    }
}

/// The development corpus directory (`../shared/corpus`), or why not.
pub fn corpus_dir() -> Result<PathBuf, String> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if corpus.is_dir() {
        Ok(corpus)
    } else {
        Err(format!("{} not present", corpus.display()))
    }
}

/// A file of the development corpus, or why not.
pub fn corpus_file(relative: &str) -> Result<PathBuf, String> {
    let path = corpus_dir()?.join(relative);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} not present", path.display()))
    }
}

/// `require` passes what was found through, and turns what was not into a
/// skip or, under the need's `PIAUDIT_REQUIRE_*=1`, a failure.
#[test]
fn require_skips_or_fails_by_its_variable() {
    assert_eq!(require(Need::Tool, Ok::<_, String>(7)), Some(7));
    let missing = std::panic::catch_unwind(|| {
        require::<()>(Need::Tool, Err("self-test, nothing is missing".into()))
    });
    if std::env::var(Need::Tool.require_var()).as_deref() == Ok("1") {
        let message = missing.expect_err("required, so it fails");
        let message = message.downcast_ref::<String>().expect("a formatted panic");
        assert!(message.contains("PIAUDIT_REQUIRE_TOOLS=1"), "{message}");
        assert!(message.contains("self-test"), "{message}");
    } else {
        assert_eq!(missing.expect("not required, so it skips"), None);
    }
}

/// Runs git in `dir` with a fixed identity (no user or system config),
/// failing the test on error; returns its standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
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

/// `piaudit scan --deterministic --format json` of `root` (exit 0 or 1),
/// and its report.json.
pub fn scan_json(root: &Path) -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let a = piaudit()
        .args(["scan", "--deterministic", "--format", "json", "--out"])
        .arg(out.path())
        .arg(root)
        .assert();
    let code = a.get_output().status.code();
    assert!(matches!(code, Some(0 | 1)), "{:?}", a.get_output());
    serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap()
}
