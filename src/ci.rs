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

    /// The snippet's text for a repository whose default branch is `branch`.
    pub fn snippet(self, branch: &Branch) -> String {
        let (template, comment) = match self {
            CiSystem::Github => (GITHUB, "#"),
            CiSystem::Gitlab => (GITLAB, "#"),
            CiSystem::Jenkins => (JENKINS, "//"),
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
/// (GitLab, 6 spaces) or a Jenkins `sh` string in triple single quotes (10
/// spaces; the scripts hold no backslash and no triple quote, so Groovy
/// keeps them as they are).
fn indent(script: &str, ci: CiSystem) -> String {
    let pad = match ci {
        CiSystem::Jenkins => "          ",
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

    #[test]
    fn names_parse_and_unknown_is_an_error() {
        assert_eq!("GitHub".parse::<CiSystem>(), Ok(CiSystem::Github));
        assert_eq!("gitlab".parse::<CiSystem>(), Ok(CiSystem::Gitlab));
        assert_eq!("jenkins".parse::<CiSystem>(), Ok(CiSystem::Jenkins));
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
