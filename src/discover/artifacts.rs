//! Where reported paths are on disk, and how a report that links to files
//! (SARIF) names them: relative to one base directory — `--sarif-root`, else
//! the root of the git work tree holding the (first) scanned path, else the
//! current directory when every root is inside it, else the directory of
//! the roots themselves.
//!
//! Reported paths are relative to the scanned root (prefixed with the root's
//! label when several are scanned); a code-scanning service resolves URIs
//! against the repository's root instead, so `db/schema.sql` of a scan of
//! `repo/` becomes `repo/db/schema.sql` when the repository starts one level
//! up.

use crate::error::Error;
use std::path::{Component, Path, PathBuf};

/// How the base directory was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseKind {
    /// `--sarif-root DIR`.
    Explicit,
    /// The root of the git work tree holding the first scanned path.
    GitRoot,
    /// The current directory (no git work tree; every root inside it).
    CurrentDir,
    /// The directory of the scanned roots (no git work tree, roots outside
    /// the current directory).
    Roots,
}

/// One scanned root, absolute.
#[derive(Debug, Clone)]
struct Root {
    /// Label its paths carry when several roots are scanned.
    label: String,
    /// Absolute path.
    path: PathBuf,
    /// Whether the root is a file (its one reported path is its name).
    is_file: bool,
}

/// The base directory of a scan's artifact URIs, and how reported paths map
/// onto it.
#[derive(Debug, Clone)]
pub struct ArtifactBase {
    /// Absolute base directory.
    pub dir: PathBuf,
    /// How it was chosen.
    pub kind: BaseKind,
    roots: Vec<Root>,
    /// `--config FILE`: its reported path (as given) and where it is.
    config: Option<(String, PathBuf)>,
    /// The reported path of project-level findings when no declarations
    /// file was read: it names a file that does not exist.
    missing_declarations: Option<String>,
}

/// Lexically normalised absolute form of `p` (against `cwd`): `.` and `..`
/// resolved without touching the disk, then canonicalised when it exists
/// (so symlinked temp directories compare equal).
fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = cwd.join(p);
    if let Ok(c) = joined.canonicalize() {
        return c;
    }
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The root of the git work tree holding `path`: the nearest directory at
/// or above it with a `.git` entry (a directory, or a file in worktrees and
/// submodules).
pub fn git_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

impl ArtifactBase {
    /// Resolves the base of a scan of `roots` (labelled `labels`, see
    /// [`super::WalkOptions::labels`]) from the current directory.
    /// `explicit` is `--sarif-root`, which must be a directory.
    pub fn resolve(
        roots: &[PathBuf],
        labels: &[String],
        explicit: Option<&Path>,
    ) -> Result<ArtifactBase, Error> {
        let cwd = std::env::current_dir().unwrap_or_default();
        Self::resolve_in(&cwd, roots, labels, explicit)
    }

    /// [`ArtifactBase::resolve`] against a given current directory.
    pub fn resolve_in(
        cwd: &Path,
        roots: &[PathBuf],
        labels: &[String],
        explicit: Option<&Path>,
    ) -> Result<ArtifactBase, Error> {
        let roots: Vec<Root> = roots
            .iter()
            .enumerate()
            .map(|(i, r)| Root {
                label: super::root_label(roots, labels, i),
                path: absolute(cwd, r),
                is_file: cwd.join(r).is_file(),
            })
            .collect();
        let (dir, kind) = if let Some(dir) = explicit {
            let abs = absolute(cwd, dir);
            if !abs.is_dir() {
                return Err(Error::Usage(format!(
                    "--sarif-root {}: not a directory / 不是目录",
                    dir.display()
                )));
            }
            (abs, BaseKind::Explicit)
        } else if let Some(g) = roots.first().and_then(|r| git_root(&r.path)) {
            (g, BaseKind::GitRoot)
        } else {
            let cwd = absolute(cwd, Path::new("."));
            if roots.iter().all(|r| r.path.starts_with(&cwd)) {
                (cwd, BaseKind::CurrentDir)
            } else {
                let dirs = roots.iter().map(|r| {
                    if r.is_file {
                        r.path.parent().map_or_else(PathBuf::new, Path::to_path_buf)
                    } else {
                        r.path.clone()
                    }
                });
                (common_ancestor(dirs), BaseKind::Roots)
            }
        };
        Ok(ArtifactBase {
            dir,
            kind,
            roots,
            config: None,
            missing_declarations: None,
        })
    }

    /// Records the declarations file: `--config FILE` (its reported path is
    /// the path as given, resolved against the current directory), or, when
    /// none was read, the reported path project-level findings carry.
    pub fn with_declarations(
        mut self,
        config: Option<&Path>,
        reported: &str,
        read: bool,
    ) -> ArtifactBase {
        if let Some(p) = config {
            let cwd = std::env::current_dir().unwrap_or_default();
            self.config = Some((reported.to_string(), absolute(&cwd, p)));
        }
        if !read {
            self.missing_declarations = Some(reported.to_string());
        }
        self
    }

    /// Whether a reported path names a file on disk: not a live database
    /// (`db:…`) and not the declarations file a project-level finding points
    /// at when there is none.
    pub fn is_file(&self, reported: &str) -> bool {
        !reported.starts_with("db:") && self.missing_declarations.as_deref() != Some(reported)
    }

    /// Where a reported path is on disk (absolute).
    pub fn on_disk(&self, reported: &str) -> PathBuf {
        if let Some((rel, abs)) = &self.config {
            if rel == reported {
                return abs.clone();
            }
        }
        match self.roots.as_slice() {
            [one] if one.is_file => one.path.clone(),
            [one] => one.path.join(reported),
            several => several
                .iter()
                .find_map(|r| {
                    if reported == r.label {
                        Some(r.path.clone())
                    } else {
                        reported
                            .strip_prefix(&r.label)
                            .and_then(|rest| rest.strip_prefix('/'))
                            .map(|rest| r.path.join(rest))
                    }
                })
                .unwrap_or_else(|| self.dir.join(reported)),
        }
    }

    /// A reported path relative to the base (`/`-separated), or its
    /// absolute path when it lies outside the base.
    pub fn relative(&self, reported: &str) -> Result<String, PathBuf> {
        let abs = self.on_disk(reported);
        match abs.strip_prefix(&self.dir) {
            Ok(rel) => Ok(rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")),
            Err(_) => Err(abs),
        }
    }
}

/// The deepest directory holding every path of `dirs`.
fn common_ancestor(dirs: impl Iterator<Item = PathBuf>) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for d in dirs {
        common = Some(match common {
            None => d,
            Some(c) => c
                .ancestors()
                .find(|a| d.starts_with(a))
                .map_or_else(PathBuf::new, Path::to_path_buf),
        });
    }
    common.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("db")).unwrap();
        std::fs::create_dir_all(repo.join("api")).unwrap();
        std::fs::write(repo.join("db/schema.sql"), "").unwrap();
        std::fs::create_dir_all(t.path().join("plain/sub")).unwrap();
        t
    }

    #[test]
    fn a_subfolder_scan_is_relative_to_the_git_root() {
        let t = tree();
        let cwd = t.path().join("repo/api");
        let b = ArtifactBase::resolve_in(&cwd, &[PathBuf::from("../db")], &[], None).unwrap();
        assert_eq!(b.kind, BaseKind::GitRoot);
        assert_eq!(b.relative("schema.sql").unwrap(), "db/schema.sql");
        let b = ArtifactBase::resolve_in(t.path(), &[PathBuf::from("repo")], &[], None).unwrap();
        assert_eq!(b.relative("db/schema.sql").unwrap(), "db/schema.sql");
        let b =
            ArtifactBase::resolve_in(t.path(), &[PathBuf::from("repo/db/schema.sql")], &[], None)
                .unwrap();
        assert_eq!(b.relative("schema.sql").unwrap(), "db/schema.sql");
    }

    #[test]
    fn two_roots_keep_one_prefix() {
        let t = tree();
        let roots = [PathBuf::from("repo/db"), PathBuf::from("./repo/api/")];
        let b = ArtifactBase::resolve_in(t.path(), &roots, &[], None).unwrap();
        assert_eq!(b.relative("repo/db/schema.sql").unwrap(), "db/schema.sql");
        assert_eq!(b.relative("repo/api/x.yml").unwrap(), "api/x.yml");
    }

    #[test]
    fn outside_git_the_current_directory_or_the_roots_are_the_base() {
        let t = tree();
        let b =
            ArtifactBase::resolve_in(t.path(), &[PathBuf::from("plain/sub")], &[], None).unwrap();
        assert_eq!(b.kind, BaseKind::CurrentDir);
        assert_eq!(b.relative("a.sql").unwrap(), "plain/sub/a.sql");
        let elsewhere = t.path().join("repo/db");
        let b =
            ArtifactBase::resolve_in(&elsewhere, &[t.path().join("plain/sub")], &[], None).unwrap();
        assert_eq!(b.kind, BaseKind::Roots);
        assert_eq!(b.relative("a.sql").unwrap(), "a.sql");
        let b = ArtifactBase::resolve_in(
            t.path(),
            &[PathBuf::from("plain")],
            &[],
            Some(&t.path().join("repo")),
        )
        .unwrap();
        assert_eq!(b.kind, BaseKind::Explicit);
        assert!(b
            .relative("sub/a.sql")
            .unwrap_err()
            .ends_with("plain/sub/a.sql"));
        let err = ArtifactBase::resolve_in(
            t.path(),
            &[PathBuf::from("plain")],
            &[],
            Some(Path::new("nope")),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn databases_and_missing_declarations_are_no_files() {
        let t = tree();
        let b = ArtifactBase::resolve_in(t.path(), &[PathBuf::from("repo")], &[], None)
            .unwrap()
            .with_declarations(None, "piaudit.yaml", false);
        assert!(!b.is_file("piaudit.yaml"));
        assert!(!b.is_file("db:postgres://h:5432/crm"));
        assert!(b.is_file("db/schema.sql"));
    }
}
