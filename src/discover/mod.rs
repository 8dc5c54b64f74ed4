//! Discover: walk the roots (gitignore-aware), decide each file's kind, read
//! it with the right encoding, and record every file passed over with why.

pub mod artifacts;
mod encoding;

pub use encoding::{decode, Decoded};

use crate::error::Error;
use crate::extract::registry::FileKind;
use crate::model::SkippedFile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A file found under a root, not yet read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FoundFile {
    /// Path as reported: relative to the root, `/`-separated (prefixed with
    /// the root when several roots are scanned).
    pub rel: String,
    /// Path on disk.
    pub path: PathBuf,
    /// Kind of file.
    pub kind: FileKind,
    /// True when the file sits directly in its root.
    pub at_root: bool,
}

/// Options of the walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Files larger than this many bytes are skipped.
    pub max_file_size: u64,
    /// Folders never walked into (the report folder of `--out`).
    pub skip_dirs: Vec<PathBuf>,
    /// What reported paths are prefixed with when several roots are
    /// scanned, one per root; empty: each root as given ([`display_root`]).
    /// The `--diff-base` scan of the merge base, whose roots lie in a
    /// temporary directory, reuses the labels of the scan it is compared to.
    pub labels: Vec<String>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            max_file_size: 64 * 1024 * 1024,
            skip_dirs: Vec::new(),
            labels: Vec::new(),
        }
    }
}

/// The label of root `i` of `roots`: `labels[i]` when given, else the
/// root as shown ([`display_root`]).
pub fn root_label(roots: &[PathBuf], labels: &[String], i: usize) -> String {
    match labels.get(i) {
        Some(l) => l.clone(),
        None => roots.get(i).map_or_else(String::new, |r| display_root(r)),
    }
}

/// The result of walking all roots.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to read, sorted by reported path.
    pub files: Vec<FoundFile>,
    /// Files passed over, with reasons.
    pub skipped: Vec<SkippedFile>,
    /// Archives found (zip, jar, tar…), reported paths: never read.
    pub archives: Vec<String>,
    /// Report folders of piaudit passed over (reported paths).
    pub report_dirs: Vec<String>,
}

/// File name endings of archives and compressed files, which are not read.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".zip", ".jar", ".war", ".ear", ".aar", ".apk", ".tar", ".tgz", ".tar.gz", ".gz", ".bz2",
    ".tbz2", ".xz", ".txz", ".zst", ".7z", ".rar",
];

/// Whether the file name ends like an archive or a compressed file.
pub fn is_archive(path: &Path) -> bool {
    path.file_name().is_some_and(|n| {
        let n = n.to_string_lossy().to_ascii_lowercase();
        ARCHIVE_SUFFIXES.iter().any(|s| n.ends_with(s))
    })
}

/// The files piaudit writes into a report folder; a folder named
/// `piaudit-report` holding one of them is a report folder.
const REPORT_MARKERS: &[&str] = &["report.json", "report.html", "report.sarif"];

/// The default report folder's name.
pub const DEFAULT_REPORT_DIR: &str = "piaudit-report";

/// Whether `dir` is a report folder written by piaudit: one of `skip`
/// (compared canonically), a `piaudit-report` folder holding a report, or
/// any folder whose `report.json` is a piaudit report.
fn is_report_dir(dir: &Path, canonical: Option<&Path>, skip: &[PathBuf]) -> bool {
    if canonical.is_some_and(|c| skip.iter().any(|s| s == c)) {
        return true;
    }
    if dir.file_name().is_some_and(|n| n == DEFAULT_REPORT_DIR)
        && REPORT_MARKERS.iter().any(|m| dir.join(m).is_file())
    {
        return true;
    }
    let json = dir.join("report.json");
    json.is_file() && is_piaudit_report(&json)
}

/// Whether a JSON file begins like a piaudit report (its `tool.name`).
fn is_piaudit_report(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    head.contains("\"schema_version\"") && head.contains("\"name\": \"piaudit\"")
}

/// Walks `roots` and returns the files to read.
///
/// A root that does not exist or cannot be read is an error (exit 2 when
/// missing, else 3), and so is an archive named as a root (exit 2); any
/// problem below a root only skips that entry.
pub fn discover(roots: &[PathBuf], opts: &WalkOptions) -> Result<Discovery, Error> {
    let mut out = Discovery::default();
    let prefix_roots = roots.len() > 1;
    let skip_dirs: Vec<PathBuf> = opts
        .skip_dirs
        .iter()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .collect();
    for (i, root) in roots.iter().enumerate() {
        let meta = std::fs::metadata(root).map_err(|source| Error::Root {
            path: root.clone(),
            source,
        })?;
        let root_label = root_label(roots, &opts.labels, i);
        if meta.is_file() && is_archive(root) {
            return Err(Error::Usage(format!(
                "{root_label} is an archive: piaudit does not read archives; unpack it and scan \
                 the folder / {root_label} 是压缩包，piaudit 不读取压缩包，请解压后扫描所得目录"
            )));
        }
        if meta.is_file() {
            let name = root
                .file_name()
                .map_or_else(|| root_label.clone(), |n| n.to_string_lossy().into_owned());
            let rel = if prefix_roots {
                root_label.clone()
            } else {
                name
            };
            // A file named explicitly is read as SQL unless it is a declarations file.
            let kind = FileKind::of(root).unwrap_or(FileKind::Sql);
            out.files.push(FoundFile {
                rel,
                path: root.clone(),
                kind,
                at_root: true,
            });
            continue;
        }
        // Entries are not symlinks followed, so an entry's canonical path is
        // the root's plus the entry's relative path.
        let canonical_root = std::fs::canonicalize(root).ok();
        let report_dirs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let found_reports = report_dirs.clone();
        let walk_root = root.clone();
        let skip_dirs = skip_dirs.clone();
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            .git_ignore(true)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(move |e| {
                if e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) {
                    return true;
                }
                let canonical = canonical_root
                    .as_ref()
                    .zip(e.path().strip_prefix(&walk_root).ok())
                    .map(|(c, rel)| c.join(rel));
                if is_report_dir(e.path(), canonical.as_deref(), &skip_dirs) {
                    found_reports
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(e.path().to_path_buf());
                    return false;
                }
                true
            })
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    out.skipped.push(SkippedFile {
                        file: err_path(&err, root, &root_label, prefix_roots),
                        reason: format!("unreadable: {err}"),
                    });
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            if is_archive(path) {
                out.archives
                    .push(relative(path, root, &root_label, prefix_roots));
                continue;
            }
            // CSVs and Markdown are candidates only as dbt seeds and docs,
            // decided after the walk.
            let Some(kind) = FileKind::of(path).or_else(|| dbt_only(path).then_some(FileKind::Dbt))
            else {
                continue;
            };
            let rel = relative(path, root, &root_label, prefix_roots);
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if size > opts.max_file_size && kind == FileKind::Dbt {
                // An oversized CSV or Markdown file: no seed or docs worth
                // reading, no noise either.
                continue;
            }
            if size > opts.max_file_size {
                out.skipped.push(SkippedFile {
                    file: rel,
                    reason: format!(
                        "too large: {size} bytes > limit {} bytes",
                        opts.max_file_size
                    ),
                });
                continue;
            }
            if kind == FileKind::Java {
                if let Some(reason) = generated_java(path, &rel) {
                    out.skipped.push(SkippedFile {
                        file: rel,
                        reason: reason.into(),
                    });
                    continue;
                }
            }
            out.files.push(FoundFile {
                rel,
                path: path.to_path_buf(),
                kind,
                at_root: entry.depth() == 1,
            });
        }
        let dirs = std::mem::take(&mut *report_dirs.lock().unwrap_or_else(|p| p.into_inner()));
        out.report_dirs.extend(
            dirs.iter()
                .map(|d| relative(d, root, &root_label, prefix_roots)),
        );
    }
    claim_dbt_files(&mut out);
    skip_vendored_java(&mut out, roots);
    out.files.sort();
    out.skipped.sort();
    Ok(out)
}

/// The root of a Java file's package as its Maven/Gradle path says
/// (`…/src/main/java/com/alibaba/csp/…/X.java` → `com.alibaba`), when the
/// path has a `java/` source folder.
fn package_root(rel: &str) -> Option<String> {
    let segs: Vec<&str> = rel.split('/').collect();
    let java = segs[..segs.len().saturating_sub(1)]
        .iter()
        .rposition(|s| *s == "java")?;
    let pkg = &segs[java + 1..segs.len() - 1];
    (pkg.len() >= 2).then(|| format!("{}.{}", pkg[0], pkg[1]))
}

/// Copies of another project's Java code kept in the repository (a
/// `sentinel/` tree of `com.alibaba.csp.sentinel` in a `com.sl` system):
/// Java files below a folder that carries its own `LICENSE`, `NOTICE` or
/// `COPYING` (another project's terms) whose package root (`com.alibaba`)
/// none of the repository's other Java files — those under no such folder —
/// share. Their log lines and responses are that library's, not the
/// system's, so they are listed as skipped like generated code. A module of
/// the system's own packages keeps its files whatever licence file sits
/// beside it; with no Java outside licensed folders nothing is skipped.
fn skip_vendored_java(out: &mut Discovery, scan_roots: &[PathBuf]) {
    let mut licensed: HashMap<PathBuf, bool> = HashMap::new();
    let mut has_licence = |dir: &Path| -> bool {
        *licensed.entry(dir.to_path_buf()).or_insert_with(|| {
            std::fs::read_dir(dir).is_ok_and(|entries| {
                entries.flatten().any(|e| {
                    let n = e.file_name().to_string_lossy().to_ascii_uppercase();
                    let (stem, ext) = n.split_once('.').unwrap_or((&n, ""));
                    // A licence text, not a `notice/` package or `notice.ftl`.
                    e.file_type().is_ok_and(|t| t.is_file())
                        && ["LICENSE", "LICENCE", "NOTICE", "COPYING"].contains(&stem)
                        && ["", "TXT", "MD", "RST"].contains(&ext)
                })
            })
        })
    };
    // Per Java file: its package root and whether a folder between it and
    // its scan root (not the root: a repository's own LICENSE says
    // nothing) has a licence file.
    let java: Vec<(usize, String, bool)> = out
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FileKind::Java)
        .filter_map(|(i, f)| {
            let root = package_root(&f.rel)?;
            let under = f
                .path
                .ancestors()
                .skip(1)
                .take_while(|d| !scan_roots.iter().any(|r| r == d))
                .any(&mut has_licence);
            Some((i, root, under))
        })
        .collect();
    let own: std::collections::BTreeSet<&str> = java
        .iter()
        .filter(|(_, _, under)| !under)
        .map(|(_, r, _)| r.as_str())
        .collect();
    if own.is_empty() {
        return;
    }
    let vendored: std::collections::BTreeSet<usize> = java
        .iter()
        .filter(|(_, r, under)| *under && !own.contains(r.as_str()))
        .map(|(i, _, _)| *i)
        .collect();
    if vendored.is_empty() {
        return;
    }
    let mut kept = Vec::with_capacity(out.files.len());
    for (i, f) in std::mem::take(&mut out.files).into_iter().enumerate() {
        if vendored.contains(&i) {
            let root = package_root(&f.rel).unwrap_or_default();
            out.skipped.push(SkippedFile {
                file: f.rel,
                reason: format!(
                    "vendored code of another project (package {root}, under its own licence file) / 第三方项目的代码副本（包 {root}，目录内有其自身的许可文件），未读取"
                ),
            });
        } else {
            kept.push(f);
        }
    }
    out.files = kept;
}

/// Why a Java file is generated or vendored code, not the system's own:
/// under a `target/`, `build/` or `generated/` folder, named
/// `*.generated.java`, or marked with the generators' `@Generated`
/// (`javax`/`jakarta.annotation`, not Lombok's coverage marker) before its
/// first type.
fn generated_java(path: &Path, rel: &str) -> Option<&'static str> {
    let dirs: Vec<&str> = rel.split('/').collect();
    if dirs[..dirs.len().saturating_sub(1)]
        .iter()
        .any(|d| matches!(*d, "target" | "build" | "generated" | "generated-sources"))
    {
        return Some(
            "generated or build output (target/, build/, generated/) / 生成或构建产物目录，未读取",
        );
    }
    if rel.ends_with(".generated.java") {
        return Some("generated source (*.generated.java) / 生成的源文件，未读取");
    }
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .ok()?;
    let head = String::from_utf8_lossy(&head);
    let first_type = ["class ", "interface ", "enum ", "record "]
        .iter()
        .filter_map(|k| head.find(k))
        .min()
        .unwrap_or(head.len());
    let head = &head[..first_type];
    const GENERATORS: [&str; 3] = [
        "javax.annotation.Generated",
        "jakarta.annotation.Generated",
        "javax.annotation.processing.Generated",
    ];
    let imported = GENERATORS
        .iter()
        .any(|g| head.contains(&format!("import {g};")));
    head.lines()
        .map(str::trim_start)
        .any(|l| {
            (imported && l.starts_with("@Generated"))
                || GENERATORS.iter().any(|g| l.starts_with(&format!("@{g}")))
        })
        .then_some("generated source (@Generated) / 生成的源文件（@Generated），未读取")
}

/// Files only a dbt project reads: seed CSVs and Markdown `{% docs %}`.
fn dbt_only(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("md"))
}

/// Gives the files of dbt projects to the dbt extractor alone (their
/// Jinja would not parse as plain SQL), lists macro/test/analysis templates
/// as skipped and drops CSVs and Markdown files that are no seed or docs. A file belongs to the
/// deepest project directory above it.
fn claim_dbt_files(out: &mut Discovery) {
    use crate::extract::dbt::{Project, Role, PROJECT_FILE};
    let projects: Vec<(PathBuf, Project)> = out
        .files
        .iter()
        .filter(|f| f.path.file_name().is_some_and(|n| n == PROJECT_FILE))
        .filter_map(|f| {
            let text = std::fs::read_to_string(&f.path).ok()?;
            Some((f.path.parent()?.to_path_buf(), Project::parse(&text)))
        })
        .collect();
    let mut kept = Vec::with_capacity(out.files.len());
    for mut f in std::mem::take(&mut out.files) {
        let owner = projects
            .iter()
            .filter(|(dir, _)| f.path.starts_with(dir))
            .max_by_key(|(dir, _)| dir.components().count());
        let role = owner.map_or(Role::Other, |(dir, p)| {
            let rel = f
                .path
                .strip_prefix(dir)
                .unwrap_or(&f.path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            p.role(&rel)
        });
        match role {
            Role::Read => {
                f.kind = FileKind::Dbt;
                kept.push(f);
            }
            Role::Skip => out.skipped.push(SkippedFile {
                file: f.rel,
                reason: "dbt macro, test or analysis template: not a model".into(),
            }),
            Role::Other if f.kind == FileKind::Dbt => {}
            Role::Other => kept.push(f),
        }
    }
    out.files = kept;
}

/// A root as shown in reports: `/`-separated, without `./` or a trailing `/`.
pub fn display_root(root: &Path) -> String {
    let s = root.to_string_lossy().replace('\\', "/");
    let s = s.trim_start_matches("./").trim_end_matches('/');
    if s.is_empty() {
        ".".to_string()
    } else {
        s.to_string()
    }
}

fn relative(path: &Path, root: &Path, root_label: &str, prefix: bool) -> String {
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if prefix {
        format!("{root_label}/{rel}")
    } else {
        rel
    }
}

fn err_path(err: &ignore::Error, root: &Path, root_label: &str, prefix: bool) -> String {
    fn find(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find(err)
            }
            ignore::Error::Loop { child, .. } => Some(child),
            _ => None,
        }
    }
    find(err).map_or_else(
        || root_label.to_string(),
        |p| relative(p, root, root_label, prefix),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(FileKind::of(Path::new("a/B.SQL")), Some(FileKind::Sql));
        assert_eq!(
            FileKind::of(Path::new("piaudit.yaml")),
            Some(FileKind::Declarations)
        );
        assert_eq!(FileKind::of(Path::new("x.java")), Some(FileKind::Java));
        assert_eq!(
            FileKind::of(Path::new("application-prod.yml")),
            Some(FileKind::Config)
        );
        assert_eq!(
            FileKind::of(Path::new("logback-spring.xml")),
            Some(FileKind::LogConfig)
        );
        assert_eq!(FileKind::of(Path::new("pom.xml")), Some(FileKind::Build));
        assert_eq!(FileKind::of(Path::new("settings.xml")), None);
        assert_eq!(
            FileKind::of(Path::new(
                "src/main/resources/mapper/system/SysUserMapper.xml"
            )),
            Some(FileKind::Mapper)
        );
        assert_eq!(
            FileKind::of(Path::new("dao/PmsProductDao.xml")),
            Some(FileKind::Mapper)
        );
        assert_eq!(
            FileKind::of(Path::new("src/main/resources/spring.xml")),
            None
        );
        assert_eq!(FileKind::of(Path::new("Makefile")), None);
    }

    #[test]
    fn vendored_java_of_another_project_under_its_licence_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let java = |p: &str| {
            let f = root.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, "class X {}").unwrap();
        };
        // The system's own code (`com.sl`), a module of it with a licence
        // file, and a copied library (`com.alibaba`) with its own licence.
        java("app/src/main/java/com/sl/a/A.java");
        java("app/src/main/java/com/sl/a/B.java");
        java("mod/src/main/java/com/sl/m/M.java");
        std::fs::write(root.join("mod/LICENSE"), "MIT").unwrap();
        // The copied library may be larger than the system itself.
        for n in ["S", "T", "U", "V", "W", "X"] {
            java(&format!(
                "sentinel/core/src/main/java/com/alibaba/csp/{n}.java"
            ));
        }
        std::fs::write(root.join("sentinel/LICENSE"), "Apache-2.0").unwrap();
        // Another root without a licence file of its own stays, whatever
        // its packages or templates are called.
        java("legacy/src/main/java/com/esoft/L.java");
        java("legacy/src/main/java/com/esoft/notice/N.java");
        std::fs::write(root.join("legacy/notice.ftl"), "<p/>").unwrap();
        std::fs::write(root.join("LICENSE"), "MIT").unwrap();
        let d = discover(&[root.to_path_buf()], &WalkOptions::default()).unwrap();
        let rels: Vec<&str> = d.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            [
                "app/src/main/java/com/sl/a/A.java",
                "app/src/main/java/com/sl/a/B.java",
                "legacy/src/main/java/com/esoft/L.java",
                "legacy/src/main/java/com/esoft/notice/N.java",
                "mod/src/main/java/com/sl/m/M.java",
            ]
        );
        assert_eq!(d.skipped.len(), 6);
        assert!(d
            .skipped
            .iter()
            .all(|s| s.file.starts_with("sentinel/") && s.reason.contains("com.alibaba")));
    }

    #[test]
    fn walk_sorts_respects_gitignore_and_skips_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("b/z.sql"), "select 1;").unwrap();
        std::fs::write(root.join("a.sql"), "select 1;").unwrap();
        std::fs::write(root.join("big.sql"), "x".repeat(100)).unwrap();
        std::fs::write(root.join("ignored.sql"), "select 1;").unwrap();
        std::fs::write(root.join(".gitignore"), "ignored.sql\n").unwrap();
        std::fs::write(root.join("piaudit.yaml"), "version: 1\n").unwrap();
        let d = discover(
            &[root.to_path_buf()],
            &WalkOptions {
                max_file_size: 50,
                ..WalkOptions::default()
            },
        )
        .unwrap();
        let rels: Vec<&str> = d.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a.sql", "b/z.sql", "piaudit.yaml"]);
        assert!(d.files[2].at_root && !d.files[1].at_root);
        assert_eq!(d.skipped.len(), 1);
        assert!(
            d.skipped[0].reason.starts_with("too large"),
            "{:?}",
            d.skipped
        );
    }

    #[test]
    fn dbt_project_files_have_one_owner() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("dbt_project.yml", "name: p\nmacro-paths: [macros]\n"),
            ("models/a.sql", "select * from {{ ref('b') }}"),
            ("models/schema.yml", "models: []\n"),
            ("macros/m.sql", "{% macro m() %}1{% endmacro %}"),
            ("seeds/s.csv", "a,b\n"),
            ("data/other.csv", "a,b\n"),
            ("scripts/plain.sql", "select 1;"),
            ("profiles.yml", "p: {}\n"),
        ] {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let d = discover(&[root.to_path_buf()], &WalkOptions::default()).unwrap();
        let kinds: Vec<(&str, FileKind)> =
            d.files.iter().map(|f| (f.rel.as_str(), f.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("dbt_project.yml", FileKind::Dbt),
                ("models/a.sql", FileKind::Dbt),
                ("models/schema.yml", FileKind::Dbt),
                ("profiles.yml", FileKind::Config),
                ("scripts/plain.sql", FileKind::Sql),
                ("seeds/s.csv", FileKind::Dbt),
            ]
        );
        assert_eq!(d.skipped.len(), 1);
        assert_eq!(d.skipped[0].file, "macros/m.sql");
    }

    #[test]
    fn archives_and_report_folders_are_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("a.sql", "select 1;"),
            ("lib/x.JAR", "PK"),
            ("dump.sql.gz", "x"),
            ("piaudit-report/report.json", "{}"),
            ("piaudit-report/x.sql", "select 1;"),
            (
                "named/report.json",
                "{\n  \"schema_version\": \"1.2\",\n  \"tool\": {\n    \"name\": \"piaudit\",",
            ),
            ("named/y.sql", "select 1;"),
            ("other/report.json", "{\"name\": \"other\"}"),
            ("other/z.sql", "select 1;"),
            ("out/w.sql", "select 1;"),
        ] {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let opts = WalkOptions {
            skip_dirs: vec![root.join("out")],
            ..WalkOptions::default()
        };
        let d = discover(&[root.to_path_buf()], &opts).unwrap();
        let rels: Vec<&str> = d.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a.sql", "other/report.json", "other/z.sql"]);
        assert_eq!(d.archives, ["dump.sql.gz", "lib/x.JAR"]);
        let mut reports = d.report_dirs.clone();
        reports.sort();
        assert_eq!(reports, ["named", "out", "piaudit-report"]);
        // An archive named as the root is a usage error.
        let err = discover(&[root.join("dump.sql.gz")], &WalkOptions::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
    }

    #[test]
    fn missing_root_is_an_error() {
        let err = discover(
            &[PathBuf::from("/nonexistent/piaudit")],
            &WalkOptions::default(),
        );
        assert!(matches!(err, Err(Error::Root { .. })));
        assert_eq!(err.unwrap_err().exit_code(), 2, "missing: a usage error");
    }
}
