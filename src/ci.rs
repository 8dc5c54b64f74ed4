//! `piaudit init --ci github|gitlab|jenkins`: pipeline snippets that install
//! the pinned piaudit release binary (SHA-256 checked, cached), run a full
//! scan whose SARIF goes to the code-scanning UI and whose reports are kept as
//! an artefact, and fail the build on new findings at or above `high`.
//!
//! The shell the snippets run is two scripts, `scripts/ci/install.sh` and
//! `scripts/ci/gate.sh`, embedded here verbatim; the composite GitHub Action
//! (`action.yml` at the repository root) runs the same files. New findings
//! are those not in the committed baseline (`.piaudit/baseline.json`, written
//! by `piaudit baseline`) nor waived in `piaudit.yaml`, and on pull/merge
//! requests those `--diff-base` reports against the target branch (see
//! docs/ci.md). The push trigger names the repository's default branch as git
//! knows it ([`default_branch`]).
//!
//! `--ci github-org|gitlab-org|jenkins-org` write the organisation-wide
//! example instead, for a central audit repository: one job per repository
//! (a GitHub Actions matrix, GitLab `parallel: matrix`, Jenkins `parallel`
//! branches) scans it into `reports/<name>/report.json`, then one job runs
//! `piaudit merge` over all of them. The scan root is the repository's name,
//! so the merged report prefixes each repository's paths with it.

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
    /// Organisation-wide, for a central audit repository: a GitHub Actions
    /// matrix scanning each repository, then one `piaudit merge` job.
    GithubOrg,
    /// Organisation-wide: GitLab `parallel: matrix` scans, then one merge job.
    GitlabOrg,
    /// Organisation-wide: Jenkins parallel scans on agents, then one merge.
    JenkinsOrg,
}

/// The names `--ci` accepts.
pub const CI_NAMES: &str = "github, gitlab, jenkins; organisation-wide (scan every repository, then merge): github-org, gitlab-org, jenkins-org";

impl FromStr for CiSystem {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "github" | "github-actions" | "gha" => Ok(CiSystem::Github),
            "gitlab" | "gitlab-ci" => Ok(CiSystem::Gitlab),
            "jenkins" => Ok(CiSystem::Jenkins),
            "github-org" => Ok(CiSystem::GithubOrg),
            "gitlab-org" => Ok(CiSystem::GitlabOrg),
            "jenkins-org" => Ok(CiSystem::JenkinsOrg),
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
            CiSystem::GithubOrg => ".github/workflows/piaudit-org.yml",
            CiSystem::GitlabOrg => ".gitlab/piaudit-org.gitlab-ci.yml",
            CiSystem::JenkinsOrg => "Jenkinsfile.piaudit-org",
        }
    }

    /// The snippet's text for a repository whose default branch is `branch`.
    pub fn snippet(self, branch: &Branch) -> String {
        let (template, comment) = match self {
            CiSystem::Github => (GITHUB, "#"),
            CiSystem::Gitlab => (GITLAB, "#"),
            CiSystem::Jenkins => (JENKINS, "//"),
            CiSystem::GithubOrg => (GITHUB_ORG, "#"),
            CiSystem::GitlabOrg => (GITLAB_ORG, "#"),
            CiSystem::JenkinsOrg => (JENKINS_ORG, "//"),
        };
        let name = &branch.name;
        let branch_note = match branch.source {
            BranchSource::OriginHead => {
                format!("{comment} Default branch `{name}`: git's refs/remotes/origin/HEAD.")
            }
            BranchSource::Current => format!(
                "{comment} Default branch `{name}`: the branch checked out when this was \
                 written (no refs/remotes/origin/HEAD); change it if the default is another."
            ),
            BranchSource::Assumed => format!(
                "{comment} Default branch `{name}`: assumed (no git branch found); change it \
                 to the repository's default branch."
            ),
        };
        template
            .replace("@BRANCH_NOTE@", &branch_note)
            .replace("@BRANCH@", name)
            .replace("@VERSION@", VERSION)
            .replace("@ACTION@", ACTION_REPOSITORY)
            .replace("@INSTALL@", &indent(INSTALL_SH, self))
            .replace("@GATE@", &indent(GATE_SH, self))
    }
}

/// The release the snippets pin: this binary's own version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The GitHub repository of the action and of the release archives (the
/// default `PIAUDIT_RELEASE_URL` of `scripts/ci/install.sh` is its
/// releases/download folder).
pub const ACTION_REPOSITORY: &str = "piaudit/piaudit";

/// Installs the pinned release binary (`scripts/ci/install.sh`).
pub const INSTALL_SH: &str = include_str!("../scripts/ci/install.sh");

/// A full scan, then the gate (`scripts/ci/gate.sh`).
pub const GATE_SH: &str = include_str!("../scripts/ci/gate.sh");

/// A script indented for its place in a snippet: a YAML block scalar
/// (GitLab, 6 spaces; a GitHub `run:` step, 10) or a Jenkins `sh` string in
/// triple single quotes (the scripts hold no backslash and no triple quote,
/// so Groovy keeps them as they are).
fn indent(script: &str, ci: CiSystem) -> String {
    let pad = match ci {
        CiSystem::Jenkins | CiSystem::GithubOrg => "          ",
        CiSystem::JenkinsOrg => "                  ",
        _ => "      ",
    };
    script
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where the default branch written into a snippet came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchSource {
    /// `git symbolic-ref refs/remotes/origin/HEAD` (the remote's default).
    OriginHead,
    /// The branch checked out (no remote default known).
    Current,
    /// Neither: `main`, and the snippet says so.
    Assumed,
}

/// The branch a snippet's push trigger names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// Branch name, e.g. `master`.
    pub name: String,
    /// How it was found.
    pub source: BranchSource,
}

/// The default branch of the git repository at `root`: the remote's
/// (`refs/remotes/origin/HEAD`), else the branch checked out, else `main`
/// (assumed).
pub fn default_branch(root: &Path) -> Branch {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !name.is_empty()).then_some(name)
    };
    let found = [
        (
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/",
            BranchSource::OriginHead,
        ),
        ("HEAD", "refs/heads/", BranchSource::Current),
    ]
    .into_iter()
    .find_map(|(reference, prefix, source)| {
        let full = git(&["symbolic-ref", "--quiet", reference])?;
        let name = full.strip_prefix(prefix)?;
        Some(Branch {
            name: name.to_string(),
            source,
        })
    });
    found.unwrap_or(Branch {
        name: "main".into(),
        source: BranchSource::Assumed,
    })
}

/// Writes the snippet for `ci` under `root`, for the repository's default
/// branch; refuses to overwrite an existing file unless `force`. Returns the
/// path written.
pub fn write_snippet(root: &Path, ci: CiSystem, force: bool) -> Result<PathBuf, Error> {
    let path = root.join(ci.path());
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists; use --force to overwrite it / 文件已存在，如需覆盖请加 --force",
            path.display()
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Output {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let text = ci.snippet(&default_branch(root));
    std::fs::write(&path, text).map_err(|source| Error::Output {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

const GITHUB: &str = r#"# piaudit — personal-information compliance audit (个人信息合规审计)
# Written by `piaudit init --ci github`. Docs: docs/ci.md.
# Runs the piaudit action (@ACTION@, action.yml): installs the pinned release
# binary (SHA-256 checked, cached), scans the whole repository, uploads
# report.sarif to GitHub code scanning and report.md to the job summary, and
# fails the job when a new finding is high or critical: on pull requests one
# new since the base branch, on pushes one not in .piaudit/baseline.json
# (write it once with `piaudit baseline` and commit it). Accepted findings:
# the baseline and `waivers` in piaudit.yaml (with approver and expiry).
@BRANCH_NOTE@
name: piaudit
on:
  pull_request:
  push:
    branches: [@BRANCH@]
permissions:
  contents: read
  security-events: write   # upload SARIF
jobs:
  piaudit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # the pull request's base branch, for --diff-base
      - name: piaudit
        uses: @ACTION@@v@VERSION@
        with:
          version: "@VERSION@"
          # Pin the archive too: its line in the release's SHA256SUMS.
          # sha256: "<sha-256 of piaudit-@VERSION@-x86_64-unknown-linux-musl.tar.gz>"
          fail-on: high
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
# Installs the pinned piaudit release binary (SHA-256 checked, cached per
# version), scans the whole repository and keeps piaudit-report/ (SARIF,
# HTML, JSON, Markdown; GitLab's security dashboard does not read SARIF) as an
# artefact; JUnit feeds the merge request's test tab. The job fails when a
# new finding is high or critical: in merge requests one new since the target
# branch, on the default branch one not in .piaudit/baseline.json (write it
# once with `piaudit baseline` and commit it). Accepted findings: the
# baseline and `waivers` in piaudit.yaml.
@BRANCH_NOTE@
piaudit:
  stage: test
  image: buildpack-deps:bookworm-scm   # curl, git, sha256sum, tar
  variables:
    GIT_DEPTH: 0   # the target branch's history, for --diff-base
    PIAUDIT_VERSION: "@VERSION@"
    # Pin the archive too: its line in the release's SHA256SUMS.
    PIAUDIT_SHA256: ""
    PIAUDIT_HOME: "$CI_PROJECT_DIR/.piaudit-cache"
    PIAUDIT_FAIL_ON: high
  cache:
    key: piaudit-@VERSION@
    paths:
      - .piaudit-cache/
  script:
    - |
@INSTALL@
    - |
      if [ -n "${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-}" ]; then
        git fetch --quiet origin "+refs/heads/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME:refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
        export PIAUDIT_DIFF_BASE="origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
      fi
    - |
@GATE@
  artifacts:
    when: always
    expose_as: piaudit report
    paths:
      - piaudit-report/
    reports:
      junit: piaudit-report/report.junit.xml
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == "@BRANCH@"
"#;

const JENKINS: &str = r#"// piaudit — personal-information compliance audit (个人信息合规审计)
// Written by `piaudit init --ci jenkins`. Docs: docs/ci.md.
// The agent needs curl, git, sha256sum and tar; the Warnings Next Generation
// plugin (recordIssues, reads SARIF) and the JUnit plugin. Installs the pinned
// piaudit release binary (SHA-256 checked, cached in ~/.cache/piaudit) and
// fails the build when a new finding is high or critical: in pull-request
// builds of a multibranch pipeline (CHANGE_TARGET set) one new since the
// target branch, else one not in .piaudit/baseline.json (write it once with
// `piaudit baseline` and commit it). Accepted findings: the baseline and
// `waivers` in piaudit.yaml.
@BRANCH_NOTE@
pipeline {
  agent any
  environment {
    PIAUDIT_VERSION = '@VERSION@'
    // Pin the archive too: its line in the release's SHA256SUMS.
    PIAUDIT_SHA256 = ''
    PIAUDIT_FAIL_ON = 'high'
  }
  stages {
    stage('piaudit') {
      // `branch` and `changeRequest()` need a multibranch pipeline; in a
      // plain pipeline job, delete this `when` block.
      when {
        anyOf {
          branch '@BRANCH@'
          changeRequest()
        }
      }
      steps {
        sh '''
@INSTALL@
          if [ -n "${CHANGE_TARGET:-}" ]; then
            git fetch --quiet origin "+refs/heads/$CHANGE_TARGET:refs/remotes/origin/$CHANGE_TARGET"
            export PIAUDIT_DIFF_BASE="origin/$CHANGE_TARGET"
          fi
@GATE@
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

/// The organisation-wide examples share this: the per-repository scan keeps
/// only `report.json` (the merge reads nothing else), named after the
/// repository, so the merged report prefixes each repository's paths with
/// its name.
const GITHUB_ORG: &str = r#"# piaudit — organisation-wide audit (全组织个人信息合规审计)
# Written by `piaudit init --ci github-org`, for a central audit repository.
# Docs: docs/ci.md, docs/performance.md (merge at scale).
# One job per repository (a matrix) installs the pinned release binary and
# scans that repository into its report.json, kept as an artefact; then one
# merge job joins them all (`piaudit merge`: lineage across repositories,
# every rule evaluated again; 2,000 reports merge in bounded memory) and
# keeps the organisation's reports. Per-repository gates stay in each
# repository's own workflow (`piaudit init --ci github`).
# List the repositories below. A matrix holds at most 256 jobs: for more,
# split the list over several scan jobs (scan-1, scan-2, ... each with its
# matrix, all in the merge job's `needs`). PIAUDIT_READ_TOKEN: a secret
# with read access to them.
name: piaudit-org
on:
  schedule:
    - cron: "0 2 * * 1"   # Mondays 02:00 UTC
  workflow_dispatch:
permissions:
  contents: read
env:
  PIAUDIT_VERSION: "@VERSION@"
  # Pin the archive too: its line in the release's SHA256SUMS.
  PIAUDIT_SHA256: ""
jobs:
  scan:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      max-parallel: 20
      matrix:
        repository: [service-a, service-b]
    steps:
      - uses: actions/checkout@v4
        with:
          repository: ${{ github.repository_owner }}/${{ matrix.repository }}
          path: ${{ matrix.repository }}
          token: ${{ secrets.PIAUDIT_READ_TOKEN }}
      - name: piaudit scan
        env:
          REPO: ${{ matrix.repository }}
        run: |
@INSTALL@
          piaudit scan "$REPO" --format json --deterministic --fail-on never --out "reports/$REPO"
      - uses: actions/upload-artifact@v4
        with:
          name: piaudit-${{ matrix.repository }}
          path: reports/
  merge:
    needs: scan
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          pattern: piaudit-*
          path: reports   # reports/piaudit-<repository>/report.json
      - name: piaudit merge
        run: |
@INSTALL@
          # html too for a few hundred repositories (2,000 give a 247 MB page)
          piaudit merge reports/*/report.json --format json,sarif,md --out piaudit-org-report --fail-on never
          cat piaudit-org-report/report.md >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: piaudit-org-report
          path: piaudit-org-report/
"#;

const GITLAB_ORG: &str = r#"# piaudit — organisation-wide audit (全组织个人信息合规审计)
# Written by `piaudit init --ci gitlab-org`, for a central audit project.
# Docs: docs/ci.md, docs/performance.md (merge at scale).
# Add to its .gitlab-ci.yml:
#   include:
#     - local: .gitlab/piaudit-org.gitlab-ci.yml
# `piaudit-scan` runs once per repository (`parallel: matrix`, at most 200
# jobs: for more, add scan jobs with further lists, all in the merge job's
# `needs`): it clones the repository with the job token, installs the pinned
# release binary and keeps the repository's report.json as an artefact.
# `piaudit-merge` then joins them all (`piaudit merge`: lineage across
# repositories, every rule evaluated again; 2,000 reports merge in bounded
# memory) and keeps the organisation's reports. Run it from a schedule.
piaudit-scan:
  stage: test
  image: buildpack-deps:bookworm-scm   # curl, git, sha256sum, tar
  variables:
    PIAUDIT_VERSION: "@VERSION@"
    # Pin the archive too: its line in the release's SHA256SUMS.
    PIAUDIT_SHA256: ""
    PIAUDIT_HOME: "$CI_PROJECT_DIR/.piaudit-cache"
  parallel:
    matrix:
      - REPO: [service-a, service-b]
  cache:
    key: piaudit-@VERSION@
    paths:
      - .piaudit-cache/
  script:
    - |
@INSTALL@
    - git clone --quiet --depth 1 "https://gitlab-ci-token:${CI_JOB_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_NAMESPACE}/${REPO}.git" "$REPO"
    - piaudit scan "$REPO" --format json --deterministic --fail-on never --out "reports/$REPO"
  artifacts:
    paths:
      - reports/
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_PIPELINE_SOURCE == "web"

piaudit-merge:
  stage: test
  image: buildpack-deps:bookworm-scm
  needs: [piaudit-scan]
  variables:
    PIAUDIT_VERSION: "@VERSION@"
    PIAUDIT_SHA256: ""
    PIAUDIT_HOME: "$CI_PROJECT_DIR/.piaudit-cache"
  cache:
    key: piaudit-@VERSION@
    paths:
      - .piaudit-cache/
  script:
    - |
@INSTALL@
    # html too for a few hundred repositories (2,000 give a 247 MB page)
    - piaudit merge reports/*/report.json --format json,junit,md --out piaudit-org-report --fail-on never
  artifacts:
    when: always
    expose_as: piaudit organisation report
    paths:
      - piaudit-org-report/
    reports:
      junit: piaudit-org-report/report.junit.xml
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_PIPELINE_SOURCE == "web"
"#;

const JENKINS_ORG: &str = r#"// piaudit — organisation-wide audit (全组织个人信息合规审计)
// Written by `piaudit init --ci jenkins-org`, for a central audit job.
// Docs: docs/ci.md, docs/performance.md (merge at scale).
// The agents need curl, git, sha256sum and tar. Stage `scan` runs one
// parallel branch per repository (REPOSITORIES: one git URL a line; the
// agents' git credentials must read them): each clones its repository,
// installs the pinned release binary and stashes the repository's
// report.json. Stage `merge` unstashes them all and joins them (`piaudit
// merge`: lineage across repositories, every rule evaluated again; 2,000
// reports merge in bounded memory), then archives the organisation's
// reports. Run it from a timer (`triggers { cron('H 2 * * 1') }`).
pipeline {
  agent any
  parameters {
    text(name: 'REPOSITORIES', defaultValue: 'https://git.example.com/org/service-a.git', description: 'one git URL a line')
  }
  environment {
    PIAUDIT_VERSION = '@VERSION@'
    // Pin the archive too: its line in the release's SHA256SUMS.
    PIAUDIT_SHA256 = ''
  }
  stages {
    stage('scan') {
      steps {
        script {
          def branches = [:]
          for (url in params.REPOSITORIES.readLines().collect { it.trim() }.findAll { it }) {
            def repoUrl = url
            def name = repoUrl.tokenize('/').last().replaceAll('[.]git$', '')
            branches[name] = {
              node {
                withEnv(["REPO_URL=${repoUrl}", "REPO=${name}"]) {
                  sh '''
@INSTALL@
                  rm -rf "$REPO" "reports/$REPO"
                  git clone --quiet --depth 1 "$REPO_URL" "$REPO"
                  piaudit scan "$REPO" --format json --deterministic --fail-on never --out "reports/$REPO"
                  '''
                  stash name: "piaudit-${name}", includes: "reports/${name}/report.json"
                }
              }
            }
          }
          parallel branches
        }
      }
    }
    stage('merge') {
      steps {
        script {
          for (url in params.REPOSITORIES.readLines().collect { it.trim() }.findAll { it }) {
            unstash "piaudit-${url.tokenize('/').last().replaceAll('[.]git$', '')}"
          }
        }
        sh '''
@INSTALL@
                  # html too for a few hundred repositories (2,000 give a 247 MB page)
                  piaudit merge reports/*/report.json --format json,junit,md --out piaudit-org-report --fail-on never
        '''
      }
      post {
        always {
          junit allowEmptyResults: true, testResults: 'piaudit-org-report/report.junit.xml'
          archiveArtifacts artifacts: 'piaudit-org-report/**', allowEmptyArchive: true
        }
      }
    }
  }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [CiSystem; 3] = [CiSystem::Github, CiSystem::Gitlab, CiSystem::Jenkins];

    fn branch(name: &str, source: BranchSource) -> Branch {
        Branch {
            name: name.into(),
            source,
        }
    }

    #[test]
    fn no_snippet_builds_piaudit_or_hides_the_gate() {
        for ci in ALL {
            let s = ci.snippet(&branch("master", BranchSource::OriginHead));
            assert!(!s.contains("cargo install"), "{ci:?}");
            for line in s.lines().filter(|l| l.contains("piaudit scan")) {
                assert!(
                    !line.contains("--quiet") && !line.contains(" -q"),
                    "{ci:?}: the gate must show the findings: {line}"
                );
            }
            assert!(!s.contains("@BRANCH") && !s.contains("@VERSION@"), "{ci:?}");
            assert!(
                s.contains("waivers") && s.contains("piaudit baseline"),
                "{ci:?}"
            );
            assert!(s.contains("master") && !s.contains("[main]"), "{ci:?}");
            assert!(s.contains("high"), "{ci:?}");
        }
        // GitLab and Jenkins carry the scripts themselves; GitHub runs the
        // action, which runs the same files.
        for ci in [CiSystem::Gitlab, CiSystem::Jenkins] {
            let s = ci.snippet(&branch("main", BranchSource::Current));
            for line in INSTALL_SH.lines().chain(GATE_SH.lines()) {
                assert!(s.contains(line.trim()), "{ci:?} lacks {line}");
            }
        }
        let github = CiSystem::Github.snippet(&branch("main", BranchSource::Assumed));
        assert!(github.contains(&format!("uses: {ACTION_REPOSITORY}@v{VERSION}")));
        assert!(github.contains("assumed"), "{github}");
    }

    /// The scripts go into Groovy strings in triple single quotes, where a
    /// backslash is an escape and three quotes end the string.
    #[test]
    fn scripts_survive_groovy_and_yaml_quoting() {
        for script in [INSTALL_SH, GATE_SH] {
            assert!(!script.contains('\\') && !script.contains("'''"));
            assert!(
                !script.contains('\t'),
                "a tab would break the YAML indentation"
            );
        }
    }

    #[test]
    fn yaml_snippets_parse_and_gitlab_runs_the_scripts_verbatim() {
        for ci in [CiSystem::Github, CiSystem::Gitlab] {
            let text = ci.snippet(&branch("trunk", BranchSource::Current));
            let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
            assert!(v.is_mapping(), "{ci:?}");
        }
        let text = CiSystem::Gitlab.snippet(&branch("trunk", BranchSource::Current));
        let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let script: Vec<&str> = v["piaudit"]["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(script.first().copied(), Some(INSTALL_SH));
        assert_eq!(script.last().copied(), Some(GATE_SH));
        let github = CiSystem::Github.snippet(&branch("trunk", BranchSource::Current));
        let v: serde_yaml::Value = serde_yaml::from_str(&github).unwrap();
        assert_eq!(v["on"]["push"]["branches"][0].as_str(), Some("trunk"));
    }

    const ORG: [CiSystem; 3] = [
        CiSystem::GithubOrg,
        CiSystem::GitlabOrg,
        CiSystem::JenkinsOrg,
    ];

    /// Each organisation-wide example scans every repository into its own
    /// `reports/<name>/report.json` (so the merge labels them by name) and
    /// merges them in a later job that waits for the scans.
    #[test]
    fn org_examples_scan_each_repository_then_merge_once() {
        let b = branch("main", BranchSource::Current);
        for ci in ORG {
            let s = ci.snippet(&b);
            assert!(!s.contains("@INSTALL@") && !s.contains("@GATE@"), "{ci:?}");
            assert!(!s.contains("@VERSION@") && s.contains(VERSION), "{ci:?}");
            assert!(s.contains("--out \"reports/$REPO\""), "{ci:?}");
            assert_eq!(
                s.matches("piaudit merge reports/*/report.json").count(),
                1,
                "{ci:?}: one merge"
            );
            for line in INSTALL_SH.lines().filter(|l| !l.trim().is_empty()) {
                assert!(s.contains(line.trim()), "{ci:?} lacks {line}");
            }
        }
        for (name, path) in [
            ("github-org", ".github/workflows/piaudit-org.yml"),
            ("gitlab-org", ".gitlab/piaudit-org.gitlab-ci.yml"),
            ("jenkins-org", "Jenkinsfile.piaudit-org"),
        ] {
            assert!(CI_NAMES.contains(name), "{name}");
            assert_eq!(name.parse::<CiSystem>().map(CiSystem::path), Ok(path));
        }
        let gh: serde_yaml::Value = serde_yaml::from_str(&CiSystem::GithubOrg.snippet(&b)).unwrap();
        let jobs = &gh["jobs"];
        assert!(jobs["scan"]["strategy"]["matrix"]["repository"].is_sequence());
        assert_eq!(jobs["merge"]["needs"].as_str(), Some("scan"));
        let merge_steps = serde_yaml::to_string(&jobs["merge"]["steps"]).unwrap();
        assert!(merge_steps.contains("download-artifact"), "{merge_steps}");
        let gl: serde_yaml::Value = serde_yaml::from_str(&CiSystem::GitlabOrg.snippet(&b)).unwrap();
        assert!(gl["piaudit-scan"]["parallel"]["matrix"][0]["REPO"].is_sequence());
        assert_eq!(
            gl["piaudit-merge"]["needs"][0].as_str(),
            Some("piaudit-scan")
        );
        let script = gl["piaudit-scan"]["script"].as_sequence().unwrap();
        assert_eq!(script[0].as_str(), Some(INSTALL_SH));
        let jenkins = CiSystem::JenkinsOrg.snippet(&b);
        for part in [
            "parallel branches",
            "stash name:",
            "unstash",
            "stage('merge')",
        ] {
            assert!(jenkins.contains(part), "{part}");
        }
        let opens = jenkins.matches('{').count();
        assert_eq!(opens, jenkins.matches('}').count(), "unbalanced braces");
    }

    #[test]
    fn names_parse_and_unknown_is_an_error() {
        assert_eq!("GitHub".parse::<CiSystem>(), Ok(CiSystem::Github));
        assert_eq!("gitlab".parse::<CiSystem>(), Ok(CiSystem::Gitlab));
        assert_eq!("jenkins".parse::<CiSystem>(), Ok(CiSystem::Jenkins));
        assert_eq!("GitHub-Org".parse::<CiSystem>(), Ok(CiSystem::GithubOrg));
        assert_eq!("gitlab-org".parse::<CiSystem>(), Ok(CiSystem::GitlabOrg));
        assert_eq!("jenkins-org".parse::<CiSystem>(), Ok(CiSystem::JenkinsOrg));
        assert!("travis".parse::<CiSystem>().unwrap_err().contains("github"));
    }

    #[test]
    fn default_branch_outside_git_is_assumed_main() {
        let dir = tempfile::tempdir().unwrap();
        let b = default_branch(&dir.path().join("not-a-repo"));
        assert_eq!(b, branch("main", BranchSource::Assumed));
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
