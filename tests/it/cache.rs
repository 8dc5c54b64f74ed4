//! The facts cache (`--cache-dir`, `--no-cache`; issue #22): a re-scan
//! reads from the cache every file that did not change and gives the very
//! bytes of a scan without cache, in every format; a broken, unwritable,
//! shared or misplaced cache never changes a report or fails a scan.

use crate::common::piaudit;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const FORMATS: &str = "html,json,sarif,md,junit,csv,dot,mermaid,openlineage";

/// Copies `examples/shop` into a fresh directory (the tests change files).
fn shop() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&src, dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every file of a folder, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Entry files of the facts cache under `cache`.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(subdirs) = fs::read_dir(cache.join("facts-v1")) else {
        return out;
    };
    for d in subdirs {
        let d = d.unwrap().path();
        if d.is_dir() {
            out.extend(fs::read_dir(&d).unwrap().map(|e| e.unwrap().path()));
        }
    }
    out.sort();
    out
}

/// Scans `tree` into a new folder with `cache` (`None`: `--no-cache`);
/// gives the reports and the scan's stderr (`-v`: the cache's counts).
fn scan(tree: &Path, cache: Option<&Path>) -> (BTreeMap<String, Vec<u8>>, String) {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = piaudit();
    cmd.args(["scan", "-v", "--deterministic", "--fail-on", "never"])
        .args(["--format", FORMATS, "--out"])
        .arg(out.path().join("r"));
    match cache {
        Some(c) => cmd.arg("--cache-dir").arg(c),
        None => cmd.arg("--no-cache"),
    };
    let a = cmd.arg(tree).assert().success();
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    (files(&out.path().join("r")), stderr)
}

/// The `name=N` count of the cache's `-v` line.
fn count(stderr: &str, name: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.contains("facts cache") && l.contains("hits="))
        .unwrap_or_else(|| panic!("no cache line in:\n{stderr}"));
    let at = line.find(&format!("{name}=")).unwrap() + name.len() + 1;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: report files differ"
    );
    for (name, bytes) in a {
        assert!(b[name] == *bytes, "{what}: {name} differs");
    }
}

#[test]
fn a_rescan_after_one_change_reads_one_file_and_matches_a_cold_scan() {
    let tree = shop();
    let cache = tempfile::tempdir().unwrap();
    let (first, stderr) = scan(tree.path(), Some(cache.path()));
    assert_eq!(count(&stderr, "hits"), 0, "{stderr}");
    let stored = count(&stderr, "written");
    assert!(stored >= 5, "{stderr}");
    assert_eq!(entries(cache.path()).len() as u64, stored);
    assert_same(&first, &scan(tree.path(), None).0, "first scan");

    // One SQL file gains a table with PI; everything else is unchanged.
    let sql = fs::read_dir(tree.path().join("db"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "sql"))
        .unwrap();
    let mut text = fs::read_to_string(&sql).unwrap();
    text.push_str("\nCREATE TABLE t_cache_probe (id_card VARCHAR(18) COMMENT '身份证号', mobile VARCHAR(11) COMMENT '手机号');\n");
    fs::write(&sql, text).unwrap();

    let (warm, stderr) = scan(tree.path(), Some(cache.path()));
    assert_eq!(
        count(&stderr, "misses"),
        1,
        "only the changed file: {stderr}"
    );
    assert_eq!(count(&stderr, "hits"), stored - 1, "{stderr}");
    let (cold, _) = scan(tree.path(), None);
    assert_same(&warm, &cold, "re-scan vs --no-cache");
    assert!(
        String::from_utf8_lossy(&cold["report.json"]).contains("t_cache_probe"),
        "the change is in the report"
    );
    assert!(first["report.json"] != cold["report.json"]);
}

#[test]
fn corrupt_and_foreign_entries_are_recomputed_with_a_warning() {
    let tree = shop();
    let cache = tempfile::tempdir().unwrap();
    let (cold, _) = scan(tree.path(), None);
    scan(tree.path(), Some(cache.path()));
    let all = entries(cache.path());
    assert!(all.len() >= 3);
    // One truncated, one with a payload byte flipped, one from "another version".
    fs::write(&all[0], b"{\"format\":1").unwrap();
    let mut bytes = fs::read(&all[1]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    fs::write(&all[1], bytes).unwrap();
    let text = fs::read(&all[2]).unwrap();
    let newline = text.iter().position(|&b| b == b'\n').unwrap();
    let mut header: serde_json::Value = serde_json::from_slice(&text[..newline]).unwrap();
    assert!(
        header["format"].is_u64(),
        "entry header has a format: {header}"
    );
    header["format"] = 99.into();
    let header = header.to_string();
    fs::write(&all[2], [header.as_bytes(), &text[newline..]].concat()).unwrap();

    let (warm, stderr) = scan(tree.path(), Some(cache.path()));
    assert_same(&warm, &cold, "corrupt cache vs --no-cache");
    assert!(
        stderr.contains("3 cache entries were ignored and recomputed"),
        "{stderr}"
    );
    assert_eq!(count(&stderr, "misses"), 3, "{stderr}");
    // They were rewritten: the next scan reads everything from the cache.
    let (again, stderr) = scan(tree.path(), Some(cache.path()));
    assert_same(&again, &cold, "repaired cache");
    assert_eq!(count(&stderr, "misses"), 0, "{stderr}");
    assert!(!stderr.contains("recomputed"), "{stderr}");
}

#[test]
fn an_unwritable_cache_directory_means_a_scan_without_cache() {
    let tree = shop();
    let (cold, _) = scan(tree.path(), None);
    let place = tempfile::tempdir().unwrap();
    // A directory that cannot be created (its parent is a file): unwritable
    // even for root, whom permission bits do not stop.
    let file = place.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let (warm, stderr) = scan(tree.path(), Some(&file.join("cache")));
    assert_same(&warm, &cold, "unwritable cache");
    assert_eq!(
        stderr.matches("cannot be written").count(),
        1,
        "one warning: {stderr}"
    );
    assert!(!stderr.contains("hits="), "no cache used: {stderr}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = place.path().join("read-only");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        let (warm, _) = scan(tree.path(), Some(&ro));
        assert_same(&warm, &cold, "read-only cache");
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn two_concurrent_scans_share_one_cache() {
    let tree = shop();
    let cache = tempfile::tempdir().unwrap();
    let (cold, _) = scan(tree.path(), None);
    for round in 0..2 {
        let outs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
        let children: Vec<std::process::Child> = outs
            .iter()
            .map(|o| {
                std::process::Command::new(assert_cmd::cargo::cargo_bin("piaudit"))
                    .args(["scan", "-q", "--deterministic", "--fail-on", "never"])
                    .args(["--format", FORMATS, "--out"])
                    .arg(o.path().join("r"))
                    .arg("--cache-dir")
                    .arg(cache.path())
                    .arg(tree.path())
                    .env_remove("LANG")
                    .env_remove("LC_ALL")
                    .env_remove("PIAUDIT_LOG")
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, mut c) in children.into_iter().enumerate() {
            assert!(
                c.wait().unwrap().success(),
                "round {round}, scan {i} failed"
            );
        }
        for o in &outs {
            assert_same(&files(&o.path().join("r")), &cold, "concurrent scan");
        }
    }
    let (_, stderr) = scan(tree.path(), Some(cache.path()));
    assert_eq!(count(&stderr, "misses"), 0, "{stderr}");
}

#[test]
fn a_cache_directory_inside_the_scanned_tree_is_neither_used_nor_scanned() {
    let tree = shop();
    let (cold, _) = scan(tree.path(), None);
    let inside = tree.path().join("piaudit-cache");
    // What a cache holds looks like nothing piaudit reads, but a file here
    // that would be read must not be.
    fs::create_dir_all(inside.join("diff-base")).unwrap();
    fs::write(
        inside.join("diff-base/probe.sql"),
        "CREATE TABLE t_inside_cache (id_card VARCHAR(18) COMMENT '身份证号');\n",
    )
    .unwrap();
    let (warm, stderr) = scan(tree.path(), Some(&inside));
    assert!(stderr.contains("inside the scanned tree"), "{stderr}");
    assert!(!inside.join("facts-v1").exists(), "no entry written");
    assert_same(&warm, &cold, "cache inside the tree");
    assert!(!String::from_utf8_lossy(&warm["report.json"]).contains("t_inside_cache"));
}

#[test]
fn cache_options_are_checked() {
    piaudit()
        .args(["scan", "--no-cache", "--cache-dir", "x", "."])
        .assert()
        .code(2);
    let a = piaudit()
        .args(["scan", "--cache-max-size", "lots", "."])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("--cache-max-size"));
}

/// Renames the column `from` of `examples/shop`'s schema to `to` (as long:
/// the file keeps its size), keeping the file's modification time when
/// `keep_mtime` (as `touch -d`, `cp -p` or a coarse file system would).
fn rename_column(tree: &Path, from: &str, to: &str, keep_mtime: bool) {
    assert_eq!(from.len(), to.len());
    let sql = tree.join("db/schema.sql");
    let before = fs::metadata(&sql).unwrap();
    let text = fs::read_to_string(&sql).unwrap();
    assert!(text.contains(from), "{from} in the schema");
    fs::write(&sql, text.replacen(from, to, 1)).unwrap();
    assert_eq!(fs::metadata(&sql).unwrap().len(), before.len());
    if keep_mtime {
        fs::File::options()
            .write(true)
            .open(&sql)
            .unwrap()
            .set_modified(before.modified().unwrap())
            .unwrap();
    }
}

#[test]
fn unchanged_files_are_not_read_again_and_same_size_edits_are_still_seen() {
    let tree = shop();
    // 8 KiB of comments at each end of the schema: the edits below are in
    // neither end the index reads, so only the stat check can see them.
    let sql = tree.path().join("db/schema.sql");
    let pad = "-- padding / 填充\n".repeat(8192 / 20 + 1);
    let text = fs::read_to_string(&sql).unwrap();
    fs::write(&sql, format!("{pad}{text}{pad}")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    // The stat index records only files whose last change is more than 2 s
    // older than the moment they are read (the racy-clean rule).
    let settle = || std::thread::sleep(std::time::Duration::from_millis(2200));
    settle();
    let (first, stderr) = scan(tree.path(), Some(cache.path()));
    assert_eq!(count(&stderr, "unread"), 0, "no index yet: {stderr}");
    let stored = count(&stderr, "written");
    assert!(stored >= 5, "{stderr}");
    let (again, stderr) = scan(tree.path(), Some(cache.path()));
    assert_same(&again, &first, "re-scan, nothing changed");
    assert_eq!(count(&stderr, "hits"), stored, "{stderr}");
    assert_eq!(
        count(&stderr, "unread"),
        stored,
        "every unchanged file from the index: {stderr}"
    );

    // Edited within the same second it was read, at the same size.
    rename_column(tree.path(), "`sjhm`", "`sjhx`", false);
    let (warm, stderr) = scan(tree.path(), Some(cache.path()));
    assert_eq!(count(&stderr, "misses"), 1, "the edit is seen: {stderr}");
    assert_eq!(count(&stderr, "unread"), stored - 1, "{stderr}");
    let (cold, _) = scan(tree.path(), None);
    assert_same(&warm, &cold, "same-size edit vs --no-cache");
    assert!(String::from_utf8_lossy(&cold["report.json"]).contains("sjhx"));

    // Recorded again once settled, then edited at the same size with its
    // modification time set back: the change time still tells.
    settle();
    scan(tree.path(), Some(cache.path()));
    rename_column(tree.path(), "`sjhx`", "`sjhy`", true);
    let (warm, stderr) = scan(tree.path(), Some(cache.path()));
    assert_eq!(count(&stderr, "misses"), 1, "the edit is seen: {stderr}");
    let (cold, _) = scan(tree.path(), None);
    assert_same(&warm, &cold, "edit with mtime kept vs --no-cache");
    assert!(String::from_utf8_lossy(&cold["report.json"]).contains("sjhy"));
}
