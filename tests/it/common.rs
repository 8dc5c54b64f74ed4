//! Shared by the integration tests that run the binary.

use assert_cmd::Command;

/// The `piaudit` binary with an environment that does not leak into its
/// output: no locale (reports default to zh-CN), no log filter, no
/// NO_COLOR (tests that need it set it).
pub fn piaudit() -> Command {
    let mut c = Command::cargo_bin("piaudit").unwrap();
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("PIAUDIT_LOG")
        .env_remove("NO_COLOR");
    c
}
