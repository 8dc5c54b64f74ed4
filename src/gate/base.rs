//! `scan --diff-base REF`: the pull-request gate. A finding is new when a
//! scan of the merge base of `REF` and `HEAD` does not have it: its
//! fingerprint (rule and subjects, never lines — as baselines match) is not
//! among the base scan's. Findings the base already had are left out of the
//! report altogether, whatever their status.
//!
//! The base tree is checked out of git into a temporary directory through a
//! temporary index (`git read-tree` + `git checkout-index --prefix`), never
//! touching the work tree, the index or the list of worktrees, and removed
//! afterwards. Only the scanned roots (and the `.gitignore` files that steer
//! the walk) are checked out. It is scanned with the same options and labels
//! as the work tree, so equal findings get equal fingerprints. The base
//! scan's fingerprints are cached under [`Config::cache_dir`], keyed by the
//! base commit, the tool version and a hash of the options, so repeated runs
//! on one pull request scan the base once.

use crate::discover;
use crate::error::Error;
use crate::pipeline::{self, Config};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Version of the cache file's shape.
const CACHE_VERSION: u32 = 1;

/// What the base scan remembers of a finding: its fingerprint and, for a
/// grouped finding (report schema 2.0), one `fingerprint field-id` key per
/// field it lists, so a field added to an old dataset's finding counts as
/// new ([`is_new`]).
pub fn member_keys(f: &crate::model::Finding) -> Vec<String> {
    std::iter::once(f.fingerprint.clone())
        .chain(f.fields.iter().map(|id| format!("{} {id}", f.fingerprint)))
        .collect()
}

/// Whether a finding is new against the base's [`member_keys`]: its
/// fingerprint is unknown, or it lists a field the base's finding did not.
pub fn is_new(f: &crate::model::Finding, base: &BTreeSet<String>) -> bool {
    member_keys(f).iter().any(|k| !base.contains(k))
}

/// The fingerprints of the merge base's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseFindings {
    /// The merge base (a full commit id).
    pub commit: String,
    /// Fingerprints of every finding of its scan.
    pub fingerprints: BTreeSet<String>,
    /// Whether they came from the cache.
    pub cached: bool,
}

/// A cache file: `<cache_dir>/diff-base/<key>.json`.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    commit: String,
    tool: String,
    fingerprints: BTreeSet<String>,
}

fn usage(msg: String) -> Error {
    Error::Usage(msg)
}

fn git(dir: &Path, args: &[&str], index: Option<&Path>) -> Result<Output, Error> {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null());
    if let Some(i) = index {
        cmd.env("GIT_INDEX_FILE", i);
    }
    cmd.output().map_err(|e| {
        usage(format!(
            "--diff-base needs git, which could not be run: {e} / 无法运行 git"
        ))
    })
}

fn checked(out: Output, what: &str, dir: &Path) -> Result<Vec<u8>, Error> {
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(usage(format!(
            "--diff-base: `git {what}` failed in {}: {} / git 命令执行失败",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// A root's directory for git (the root, or a file root's parent).
fn git_dir_of(root: &Path) -> PathBuf {
    if root.is_dir() {
        root.to_path_buf()
    } else {
        root.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

/// The work tree holding every root, and each root relative to it
/// (`/`-separated, empty for the top itself).
fn work_tree(roots: &[PathBuf]) -> Result<(PathBuf, Vec<String>), Error> {
    let mut top: Option<PathBuf> = None;
    let mut rels = Vec::new();
    for root in roots {
        let dir = git_dir_of(root);
        let shown = root.display();
        let out = git(&dir, &["rev-parse", "--show-toplevel"], None)?;
        if !out.status.success() {
            return Err(usage(format!(
                "--diff-base: {shown} is not inside a git work tree (PR mode compares with a \
                 git commit; --baseline FILE works without git) / {shown} 不在 git 仓库中"
            )));
        }
        let this = PathBuf::from(text(&out.stdout));
        let this = this.canonicalize().unwrap_or(this);
        match &top {
            Some(t) if *t != this => {
                return Err(usage(format!(
                    "--diff-base: {shown} is in another git repository than the first path \
                     ({} vs {}); scan one repository at a time / 各扫描路径须在同一 git 仓库中",
                    this.display(),
                    t.display()
                )))
            }
            Some(_) => {}
            None => top = Some(this.clone()),
        }
        let abs = root.canonicalize().map_err(|source| Error::Root {
            path: root.clone(),
            source,
        })?;
        let rel = abs
            .strip_prefix(&this)
            .map_err(|_| {
                usage(format!(
                    "--diff-base: {shown} is not below its work tree {} / 路径不在 git 工作区内",
                    this.display()
                ))
            })?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        rels.push(rel);
    }
    top.map(|t| (t, rels))
        .ok_or_else(|| usage("--diff-base: nothing to scan / 没有扫描路径".into()))
}

/// The merge base of `git_ref` (checked not to look like an option) and
/// `HEAD` in `top`.
fn merge_base(top: &Path, git_ref: &str) -> Result<String, Error> {
    let commit = format!("{git_ref}^{{commit}}");
    let known = git(top, &["rev-parse", "--verify", "--quiet", &commit], None)?;
    if !known.status.success() {
        return Err(usage(format!(
            "--diff-base: unknown git revision `{git_ref}` in {} (a shallow clone may need \
             `git fetch`) / 找不到 git 版本 `{git_ref}`（浅克隆可能需要先 git fetch）",
            top.display()
        )));
    }
    let out = git(top, &["merge-base", &commit, "HEAD"], None)?;
    if !out.status.success() {
        return Err(usage(format!(
            "--diff-base: `{git_ref}` and HEAD have no common commit in {} (a shallow clone \
             needs more history: `git fetch --deepen` or `fetch-depth: 0`) / `{git_ref}` 与 HEAD \
             没有共同的提交（浅克隆需要更多历史）",
            top.display()
        )));
    }
    Ok(text(&out.stdout))
}

/// Checks out the files of `commit` under `rels` (and every `.gitignore`)
/// into `dest`, through a temporary index at `index`.
fn materialise(
    top: &Path,
    commit: &str,
    rels: &[String],
    index: &Path,
    dest: &Path,
) -> Result<(), Error> {
    checked(
        git(top, &["read-tree", commit], Some(index))?,
        "read-tree",
        top,
    )?;
    let listed = checked(
        git(top, &["ls-files", "-z", "--full-name"], Some(index))?,
        "ls-files",
        top,
    )?;
    let wanted = |p: &str| {
        p == ".gitignore"
            || p.ends_with("/.gitignore")
            || rels.iter().any(|r| {
                r.is_empty()
                    || p == r
                    || p.strip_prefix(r.as_str())
                        .is_some_and(|s| s.starts_with('/'))
            })
    };
    let mut list = Vec::new();
    for p in listed.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        if wanted(&String::from_utf8_lossy(p)) {
            list.extend_from_slice(p);
            list.push(0);
        }
    }
    let mut prefix = dest.to_string_lossy().replace('\\', "/");
    prefix.push('/');
    let prefix_arg = format!("--prefix={prefix}");
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["checkout-index", "-z", "--stdin", &prefix_arg])
        .env("GIT_INDEX_FILE", index)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| usage(format!("--diff-base: cannot run git: {e} / 无法运行 git")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&list)
            .map_err(|e| usage(format!("--diff-base: git checkout-index: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| usage(format!("--diff-base: git checkout-index: {e}")))?;
    checked(out, "checkout-index", top).map(drop)
}

/// Hash of the options that decide which findings a scan gives.
fn config_hash(config: &Config, rels: &[String], labels: &[String]) -> String {
    let mut h = Sha256::new();
    let mut put = |k: &str, v: &[u8]| {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v);
        h.update([0]);
    };
    put("pack", config.pack.as_bytes());
    put(
        "profile",
        config.profile.as_deref().unwrap_or("").as_bytes(),
    );
    put("dialect", format!("{:?}", config.dialect).as_bytes());
    put("max_file_size", &config.max_file_size.to_le_bytes());
    put(
        "file_time_budget",
        format!("{:?}", config.file_time_budget).as_bytes(),
    );
    for (r, l) in rels.iter().zip(labels) {
        put("root", r.as_bytes());
        put("label", l.as_bytes());
    }
    if let Some(p) = &config.declarations {
        put("config", p.to_string_lossy().as_bytes());
        put("config-text", &std::fs::read(p).unwrap_or_default());
    }
    if let Some(dir) = &config.rules_dir {
        put("rules", dir.to_string_lossy().as_bytes());
        for e in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            put("rule-file", e.path().to_string_lossy().as_bytes());
            put("rule-text", &std::fs::read(e.path()).unwrap_or_default());
        }
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read_cache(path: &Path, commit: &str) -> Option<BTreeSet<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let c: CacheFile = serde_json::from_str(&text).ok()?;
    (c.version == CACHE_VERSION && c.commit == commit && c.tool == env!("CARGO_PKG_VERSION"))
        .then_some(c.fingerprints)
}

/// Writes the cache file whole or not at all (a temporary file renamed).
fn write_cache(path: &Path, commit: &str, fingerprints: &BTreeSet<String>) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let file = CacheFile {
        version: CACHE_VERSION,
        commit: commit.to_string(),
        tool: env!("CARGO_PKG_VERSION").to_string(),
        fingerprints: fingerprints.clone(),
    };
    serde_json::to_writer(&mut tmp, &file)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The fingerprints of the findings of the merge base of `git_ref` and
/// `HEAD`, scanned with `config`'s options (or read from the cache).
pub fn findings(config: &Config, git_ref: &str) -> Result<BaseFindings, Error> {
    if git_ref.is_empty() || git_ref.starts_with('-') {
        return Err(usage(format!(
            "--diff-base `{git_ref}`: not a git revision / 不是有效的 git 版本"
        )));
    }
    let (top, rels) = work_tree(&config.roots)?;
    let commit = merge_base(&top, git_ref)?;
    let labels: Vec<String> = (0..config.roots.len())
        .map(|i| discover::root_label(&config.roots, &config.root_labels, i))
        .collect();
    let cache = config
        .cache_dir
        .as_ref()
        .filter(|_| config.databases.targets.is_empty())
        .map(|dir| {
            dir.join("diff-base").join(format!(
                "{}-{}.json",
                &commit,
                config_hash(config, &rels, &labels)
            ))
        });
    if let Some(fingerprints) = cache.as_deref().and_then(|p| read_cache(p, &commit)) {
        tracing::info!(%commit, "merge-base findings read from the cache");
        return Ok(BaseFindings {
            commit,
            fingerprints,
            cached: true,
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix("piaudit-base-")
        .tempdir()
        .map_err(|e| {
            usage(format!(
                "--diff-base: cannot create a temporary directory: {e}"
            ))
        })?;
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).map_err(|e| {
        usage(format!(
            "--diff-base: cannot create {}: {e}",
            tree.display()
        ))
    })?;
    materialise(&top, &commit, &rels, &tmp.path().join("index"), &tree)?;
    // Each root at the same place in the base tree; one the base lacks is
    // an empty stand-in, so the roots (and so the reported paths) line up.
    let mut roots = Vec::new();
    for (root, rel) in config.roots.iter().zip(&rels) {
        let at = if rel.is_empty() {
            tree.clone()
        } else {
            tree.join(rel)
        };
        if !at.exists() {
            let made = if root.is_file() {
                at.parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(&at, ""))
            } else {
                std::fs::create_dir_all(&at)
            };
            made.map_err(|e| usage(format!("--diff-base: cannot create {}: {e}", at.display())))?;
        }
        roots.push(at);
    }
    let base_config = Config {
        roots,
        root_labels: labels,
        progress: None,
        baseline: None,
        skip_baseline: true,
        diff_base: None,
        changed_since: None,
        cache_dir: None,
        sarif_root: None,
        ..config.clone()
    };
    tracing::info!(%commit, "scanning the merge base");
    let fingerprints: BTreeSet<String> = match pipeline::scan(&base_config) {
        Ok(e) => e
            .audit
            .report
            .findings
            .iter()
            .flat_map(member_keys)
            .collect(),
        // The base had no file piaudit can read: nothing was there before.
        Err(Error::NothingScanned(_)) => BTreeSet::new(),
        Err(e) => return Err(e),
    };
    drop(tmp);
    if let Some(path) = &cache {
        if let Err(e) = write_cache(path, &commit, &fingerprints) {
            tracing::warn!("cannot write the --diff-base cache {}: {e}", path.display());
        }
    }
    Ok(BaseFindings {
        commit,
        fingerprints,
        cached: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_like_refs_are_refused_before_git_runs() {
        let err = findings(&Config::default(), "--output=/tmp/x").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("not a git revision"), "{err}");
    }
}
