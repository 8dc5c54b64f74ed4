//! `piaudit init --ci github|gitlab|jenkins`: pipeline snippets that run the
//! audit on every change, upload the SARIF report to the code-scanning UI,
//! keep the HTML report as an artefact and fail the build on high findings.
//!
//! The snippets call `piaudit scan . --format sarif,html,json,junit,md
//! --fail-on high`; accepted findings are kept in `piaudit.yaml` (`waivers`)
//! and a baseline file when the project has one (see docs/ci.md).

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
# artefact, and fails the job when an open finding is high or critical.
# Accepted findings: `waivers` in piaudit.yaml (with approver and expiry).
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
      - uses: dtolnay/rust-toolchain@stable
      - name: Install piaudit
        run: cargo install --locked piaudit
      - name: Audit
        id: audit
        run: piaudit scan . --format sarif,html,json,junit,md --out piaudit-report --fail-on high --deterministic --quiet
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
# an open finding is high or critical. Accepted findings: `waivers` in piaudit.yaml.
piaudit:
  stage: test
  image: rust:latest
  script:
    - cargo install --locked piaudit
    - piaudit scan . --format sarif,html,json,junit,md --out piaudit-report --fail-on high --deterministic --quiet
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
// JUnit plugin. The build fails when an open finding is high or critical;
// accepted findings: `waivers` in piaudit.yaml.
pipeline {
  agent any
  stages {
    stage('piaudit') {
      steps {
        sh 'command -v piaudit || cargo install --locked piaudit'
        sh 'piaudit scan . --format sarif,html,json,junit,md --out piaudit-report --fail-on high --deterministic --quiet'
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
        }
        assert!(CiSystem::Github.snippet().contains("upload-sarif"));
        assert!(CiSystem::Jenkins.snippet().contains("recordIssues"));
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
