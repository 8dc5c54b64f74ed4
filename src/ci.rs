//! `piaudit init --ci github|gitlab|jenkins`: pipeline snippets that run the
//! audit on every change, upload the SARIF report to the code-scanning UI,
//! keep the HTML report as an artefact and fail the build on high findings.
//!
//! The snippets call `piaudit scan . --format sarif,html,json,junit,md
//! --baseline .piaudit/baseline.json --fail-on high`, adding `--diff-base`
//! with the target branch on pull/merge requests. Accepted findings are the
//! committed baseline (written once by `piaudit baseline`) and the `waivers`
//! of `piaudit.yaml` (see docs/ci.md).

use crate::error::Error;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A CI system `piaudit init --ci` writes a snippet for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiSystem {
    /// GitHub Actions: `.github/workflows/piaudit.yml`.
    Github,
    /// GitLab CI: `.gitlab/piaudit.gitlab-ci.yml`, to `include:` from `.gitlab-ci.yml`.
    Gitlab,
    /// Jenkins declarative pipeline: `Jenkinsfile.piaudit`.
    Jenkins,
}

/// The names `--ci` accepts.
pub const CI_NAMES: &str = "github, gitlab, jenkins";

impl FromStr for CiSystem {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "github" | "github-actions" | "gha" => Ok(CiSystem::Github),
            "gitlab" | "gitlab-ci" => Ok(CiSystem::Gitlab),
            "jenkins" => Ok(CiSystem::Jenkins),
            other => Err(format!("unknown CI system `{other}`; known: {CI_NAMES}")),
        }
    }
}

impl CiSystem {
    /// Where the snippet goes, relative to the project root.
    pub fn path(self) -> &'static str {
        match self {
            CiSystem::Github => ".github/workflows/piaudit.yml",
            CiSystem::Gitlab => ".gitlab/piaudit.gitlab-ci.yml",
            CiSystem::Jenkins => "Jenkinsfile.piaudit",
        }
    }

    /// The snippet's text.
    pub fn snippet(self) -> &'static str {
        match self {
            CiSystem::Github => GITHUB,
            CiSystem::Gitlab => GITLAB,
            CiSystem::Jenkins => JENKINS,
        }
    }
}

/// Writes the snippet for `ci` under `root`; refuses to overwrite an
/// existing file unless `force`. Returns the path written.
pub fn write_snippet(root: &Path, ci: CiSystem, force: bool) -> Result<PathBuf, Error> {
    let path = root.join(ci.path());
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists; use --force to overwrite it",
            path.display()
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Output {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(&path, ci.snippet()).map_err(|source| Error::Output {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

const GITHUB: &str = r#"# piaudit — personal-information compliance audit (个人信息合规审计)
# Written by `piaudit init --ci github`. Docs: docs/ci.md.
# Uploads report.sarif to GitHub code scanning, keeps the HTML report as an
# artefact, and fails the job when a new (open) finding is high or critical.
# Once, before enabling it: run `piaudit baseline` (writes
# .piaudit/baseline.json, the findings accepted as they are) and commit that
# file; fixed findings drop out the next time you run it.
# On pull requests only findings on subjects the change touches count
# (--diff-base, hence fetch-depth: 0).
# Other accepted findings: `waivers` in piaudit.yaml (with approver and expiry).
name: piaudit
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  security-events: write   # upload SARIF
jobs:
  piaudit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # --diff-base needs the base branch's history
      - uses: dtolnay/rust-toolchain@stable
      - name: Install piaudit
        run: cargo install --locked piaudit
      - name: Audit
        id: audit
        env:
          DIFF_BASE: ${{ github.event_name == 'pull_request' && format('origin/{0}', github.base_ref) || '' }}
        run: >-
          piaudit scan . --format sarif,html,json,junit,md --out piaudit-report
          --baseline .piaudit/baseline.json --fail-on high --deterministic --quiet
          ${DIFF_BASE:+--diff-base "$DIFF_BASE"}
      # Code scanning compares a pull request's alerts with the base
      # branch's: a SARIF cut down by --diff-base would show every other
      # alert as fixed by the pull request. Upload a full scan's SARIF; the
      # gate above stays on the change's findings (exit 1 = findings).
      - name: Full SARIF for code scanning
        if: always() && github.event_name == 'pull_request'
        run: >-
          piaudit scan . --format sarif --out piaudit-report
          --baseline .piaudit/baseline.json --deterministic --quiet
          || [ $? -eq 1 ]
      - name: Upload SARIF to code scanning
        if: always()
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: piaudit-report/report.sarif
          category: piaudit
      - name: Summary for the pull request
        if: always()
        run: cat piaudit-report/report.md >> "$GITHUB_STEP_SUMMARY"
      - name: Keep the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: piaudit-report
          path: piaudit-report/
"#;

const GITLAB: &str = r#"# piaudit — personal-information compliance audit (个人信息合规审计)
# Written by `piaudit init --ci gitlab`. Docs: docs/ci.md.
# Add to .gitlab-ci.yml:
#   include:
#     - local: .gitlab/piaudit.gitlab-ci.yml
# piaudit-report/report.sarif is kept as an artefact (GitLab's security
# dashboard does not read SARIF), JUnit feeds the merge request's test tab, and the job fails when
# a new (open) finding is high or critical. Once, before enabling it: run
# `piaudit baseline` and commit .piaudit/baseline.json (the accepted findings).
# In merge requests only findings on subjects the change touches count
# (--diff-base with the target branch). Other accepted findings: `waivers` in piaudit.yaml.
piaudit:
  stage: test
  image: rust:latest
  variables:
    GIT_DEPTH: 0   # --diff-base needs the target branch's history
  script:
    - cargo install --locked piaudit
    - |
      DIFF_BASE=""
      if [ -n "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" ]; then
        git fetch --quiet origin "+refs/heads/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME:refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
        DIFF_BASE="--diff-base origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
      fi
      piaudit scan . --format sarif,html,json,junit,md --out piaudit-report \
        --baseline .piaudit/baseline.json --fail-on high --deterministic --quiet $DIFF_BASE
  artifacts:
    when: always
    expose_as: piaudit report
    paths:
      - piaudit-report/
    reports:
      junit: piaudit-report/report.junit.xml
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"#;

const JENKINS: &str = r#"// piaudit — personal-information compliance audit (个人信息合规审计)
// Written by `piaudit init --ci jenkins`. Docs: docs/ci.md.
// Needs the Warnings Next Generation plugin (recordIssues, reads SARIF) and the
// JUnit plugin. The build fails when a new (open) finding is high or critical.
// Once, before enabling it: run `piaudit baseline` and commit
// .piaudit/baseline.json (the accepted findings). In pull-request builds of a
// multibranch pipeline (CHANGE_TARGET set) only findings on subjects the change
// touches count (--diff-base). Other accepted findings: `waivers` in piaudit.yaml.
pipeline {
  agent any
  stages {
    stage('piaudit') {
      steps {
        sh 'command -v piaudit || cargo install --locked piaudit'
        sh '''
          DIFF_BASE=""
          if [ -n "$CHANGE_TARGET" ]; then
            git fetch --quiet origin "+refs/heads/$CHANGE_TARGET:refs/remotes/origin/$CHANGE_TARGET"
            DIFF_BASE="--diff-base origin/$CHANGE_TARGET"
          fi
          piaudit scan . --format sarif,html,json,junit,md --out piaudit-report \\
            --baseline .piaudit/baseline.json --fail-on high --deterministic --quiet $DIFF_BASE
        '''
      }
      post {
        always {
          recordIssues tools: [sarif(pattern: 'piaudit-report/report.sarif', id: 'piaudit', name: 'piaudit')]
          junit allowEmptyResults: true, testResults: 'piaudit-report/report.junit.xml'
          archiveArtifacts artifacts: 'piaudit-report/**', allowEmptyArchive: true
        }
      }
    }
  }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snippet_uploads_sarif_and_fails_on_high() {
        for ci in [CiSystem::Github, CiSystem::Gitlab, CiSystem::Jenkins] {
            let s = ci.snippet();
            assert!(s.contains("--fail-on high"), "{ci:?}");
            assert!(s.contains("report.sarif"), "{ci:?}");
            assert!(s.contains("waivers"), "{ci:?}");
            assert!(s.contains("--baseline .piaudit/baseline.json"), "{ci:?}");
            assert!(s.contains("piaudit baseline"), "{ci:?}");
            assert!(s.contains("--diff-base"), "{ci:?}");
        }
        assert!(CiSystem::Github.snippet().contains("upload-sarif"));
        assert!(CiSystem::Jenkins.snippet().contains("recordIssues"));
    }

    /// GitHub code scanning would read alerts missing from a `--diff-base`
    /// SARIF as fixed by the pull request: the uploaded SARIF comes from a
    /// scan without it, run after the gated one (it rewrites only
    /// report.sarif) and before the upload.
    #[test]
    fn github_uploads_the_sarif_of_a_full_scan() {
        let v: serde_yaml::Value = serde_yaml::from_str(CiSystem::Github.snippet()).unwrap();
        let steps = v["jobs"]["piaudit"]["steps"].as_sequence().unwrap();
        let position = |name: &str| {
            steps
                .iter()
                .position(|s| s["name"].as_str() == Some(name))
                .unwrap_or_else(|| panic!("no step {name}"))
        };
        let (gate, full, upload) = (
            position("Audit"),
            position("Full SARIF for code scanning"),
            position("Upload SARIF to code scanning"),
        );
        assert!(gate < full && full < upload);
        assert!(steps[gate]["run"].as_str().unwrap().contains("--diff-base"));
        let run = steps[full]["run"].as_str().unwrap();
        assert!(
            run.contains("--format sarif --out piaudit-report") && !run.contains("--diff-base"),
            "{run}"
        );
        // Exit 1 (findings) is expected; a usage or scan error still fails.
        assert!(run.ends_with("|| [ $? -eq 1 ]"), "{run}");
    }

    #[test]
    fn yaml_snippets_parse() {
        for ci in [CiSystem::Github, CiSystem::Gitlab] {
            let v: serde_yaml::Value = serde_yaml::from_str(ci.snippet()).unwrap();
            assert!(v.is_mapping(), "{ci:?}");
        }
    }

    #[test]
    fn names_parse_and_unknown_is_an_error() {
        assert_eq!("GitHub".parse::<CiSystem>(), Ok(CiSystem::Github));
        assert_eq!("gitlab".parse::<CiSystem>(), Ok(CiSystem::Gitlab));
        assert_eq!("jenkins".parse::<CiSystem>(), Ok(CiSystem::Jenkins));
        assert!("travis".parse::<CiSystem>().unwrap_err().contains("github"));
    }

    #[test]
    fn existing_file_needs_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_snippet(dir.path(), CiSystem::Github, false).unwrap();
        assert!(p.ends_with(".github/workflows/piaudit.yml"));
        let err = write_snippet(dir.path(), CiSystem::Github, false).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        write_snippet(dir.path(), CiSystem::Github, true).unwrap();
    }
}
