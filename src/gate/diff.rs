//! `scan --changed-since REF`: keep only the findings on subjects touched since
//! a git ref, so a pull request is judged on what it changes.
//!
//! The touched files are those `git diff --name-only --merge-base REF`
//! lists (committed, staged and unstaged changes since the branch left REF)
//! plus untracked files not ignored (`git ls-files --others
//! --exclude-standard`), asked in each scanned root. A finding is kept when
//! its own file is touched, or when one of its subjects is: a field or
//! table is touched when a file that defines it or moves data into or out of
//! it changed (the `CREATE TABLE`, an `INSERT … SELECT`, an ETL job), an
//! endpoint when the file configuring it or a file on a lineage path to it
//! changed. Project-level findings (subject `project`) point at piaudit.yaml
//! and are kept when that file changed, or when one of the datasets they list
//! (`fields`, report schema 2.0) is touched; a grouped finding is judged by
//! the fields it lists and the places it names (`locations`). Findings not kept are left out of the
//! report altogether (not merely of the exit status): reviewers of the change
//! see only what it touches; the full picture is the job on the main branch.
//!
//! This is not "new findings": an old finding on a touched table stays. For
//! that, `--diff-base` ([`super::base`]) compares with a scan of the merge
//! base.

use crate::discover::display_root;
use crate::error::Error;
use crate::model::Report;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files touched since `git_ref`, as paths the report uses (relative to the
/// scanned root, prefixed with the root when several roots are scanned).
pub fn touched_files(roots: &[PathBuf], git_ref: &str) -> Result<BTreeSet<String>, Error> {
    if git_ref.is_empty() || git_ref.starts_with('-') {
        return Err(Error::Usage(format!(
            "--changed-since `{git_ref}`: not a git revision / 不是有效的 git 版本"
        )));
    }
    let prefix = roots.len() > 1;
    let mut touched = BTreeSet::new();
    for root in roots {
        let (dir, file_name) = if root.is_dir() {
            (root.clone(), None)
        } else {
            let parent = root
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            (
                parent,
                root.file_name().map(|n| n.to_string_lossy().into_owned()),
            )
        };
        let changed = changed_in(&dir, git_ref)?;
        let label = display_root(root);
        match file_name {
            Some(name) => {
                if changed.contains(&name) {
                    touched.insert(if prefix { label } else { name });
                }
            }
            None => touched.extend(changed.into_iter().map(|p| {
                if prefix {
                    format!("{label}/{p}")
                } else {
                    p
                }
            })),
        }
    }
    Ok(touched)
}

/// Runs git in `dir`; the paths it prints are relative to `dir`.
fn changed_in(dir: &Path, git_ref: &str) -> Result<BTreeSet<String>, Error> {
    let shown = dir.display().to_string();
    let inside = git(dir, &["rev-parse", "--is-inside-work-tree"])?;
    if !inside.status.success() {
        return Err(Error::Usage(format!(
            "--changed-since: {shown} is not inside a git work tree / {shown} 不在 git 仓库中"
        )));
    }
    let commit = format!("{git_ref}^{{commit}}");
    let known = git(dir, &["rev-parse", "--verify", "--quiet", &commit])?;
    if !known.status.success() {
        return Err(Error::Usage(format!(
            "--changed-since: unknown git revision `{git_ref}` in {shown} (a shallow clone may \
             need `git fetch`) / 找不到 git 版本 `{git_ref}`（浅克隆可能需要先 git fetch）"
        )));
    }
    let mut files = BTreeSet::new();
    for args in [
        &[
            "diff",
            "--name-only",
            "-z",
            "--relative",
            "--no-ext-diff",
            "--merge-base",
            git_ref,
            "--",
        ][..],
        &["ls-files", "--others", "--exclude-standard", "-z"][..],
    ] {
        let out = git(dir, args)?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr);
            return Err(Error::Usage(format!(
                "--changed-since: `git {}` failed in {shown}: {} / git 命令执行失败",
                args[0],
                why.trim()
            )));
        }
        files.extend(
            out.stdout
                .split(|b| *b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| String::from_utf8_lossy(p).replace('\\', "/")),
        );
    }
    Ok(files)
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, Error> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .map_err(|e| {
            Error::Usage(format!(
                "--changed-since needs git, which could not be run: {e} / 无法运行 git"
            ))
        })
}

/// Leaves out the findings none of whose subjects were touched (see the
/// module comment), recounts the summary and returns how many were left out.
pub fn limit(report: &mut Report, touched: &BTreeSet<String>) -> usize {
    let files = subject_files(report);
    let keep: Vec<bool> = report
        .findings
        .iter()
        .map(|f| {
            // A grouped finding is about the fields (or datasets) it lists:
            // a dataset's finding is kept when one of its listed fields is
            // touched, not whenever another column of the table is.
            let ids = if f.fields.is_empty() {
                &f.subjects
            } else {
                &f.fields
            };
            touched.contains(&f.location.file)
                || f.locations.iter().any(|l| touched.contains(&l.file))
                || ids.iter().any(|s| {
                    s.split_once('#')
                        .is_some_and(|(file, _)| touched.contains(file))
                        || files
                            .get(s.as_str())
                            .is_some_and(|fs| fs.iter().any(|x| touched.contains(*x)))
                })
        })
        .collect();
    drop(files);
    let before = report.findings.len();
    let mut keep = keep.into_iter();
    report.findings.retain(|_| keep.next().unwrap_or(true));
    report.recount_open_findings();
    before - report.findings.len()
}

/// Every file that defines or uses each subject id.
fn subject_files<'a>(report: &'a Report) -> HashMap<&'a str, BTreeSet<&'a str>> {
    let mut m: HashMap<&'a str, BTreeSet<&'a str>> = HashMap::new();
    let mut dataset_of: HashMap<&'a str, &'a str> = HashMap::new();
    for d in &report.datasets {
        m.entry(&d.id).or_default().insert(&d.location.file);
        for f in &d.fields {
            dataset_of.insert(&f.id, &d.id);
            let e = m.entry(&f.id).or_default();
            e.insert(&f.location.file);
            e.insert(&d.location.file);
            m.entry(&d.id).or_default().insert(&f.location.file);
        }
    }
    for e in &report.endpoints {
        m.entry(&e.id).or_default().insert(&e.location.file);
    }
    let mut used = |id: &'a str, file: &'a str| {
        m.entry(id).or_default().insert(file);
    };
    for fl in &report.flows {
        for id in [fl.from.as_str(), fl.to.as_str()] {
            used(id, fl.location.file.as_str());
            if let Some(d) = dataset_of.get(id) {
                used(d, fl.location.file.as_str());
            }
        }
    }
    for p in &report.paths {
        for hop in &p.hops {
            used(p.from.as_str(), hop.file.as_str());
            used(p.to.as_str(), hop.file.as_str());
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_like_refs_are_refused_before_git_runs() {
        let err = touched_files(&[PathBuf::from(".")], "--output=/tmp/x").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("not a git revision"), "{err}");
    }
}
