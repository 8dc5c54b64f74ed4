//! The facts cache: what extraction gave for one file, stored under the
//! user's cache directory so a re-scan reads again only the files that
//! changed (issue #22, "incremental re-scan").
//!
//! An entry is addressed by a SHA-256 over the file's content hash, its
//! reported path and kind (facts carry the path, and the path decides the
//! kind and hints the SQL dialect), the SQL dialect forced for it
//! (`--dialect`, `dialects:` of piaudit.yaml), and the digest of everything
//! else extraction reads: the cache format, the tool version, a fingerprint
//! of the sources the binary was built from (`build.rs`), the SDK and
//! region catalogues with the organisation's `catalog_overrides`, and the
//! pack's rule ids (inline `piaudit:ignore` markers are checked against
//! them). What is cached is a pure function of that key: files read
//! together (MyBatis mappers, dbt projects, whose facts depend on other
//! files) and files whose time budget ran out are never cached.
//!
//! Entries hold no readable text of the sources: the payload (facts,
//! inline suppressions, the encoding read) is encrypted with a key derived
//! from the file's content hash, which the cache does not store (file
//! names are hashes of it). Only someone holding the source file can read
//! its entry, so sampled `INSERT` values (PI) are never copied out in the
//! clear. Each entry is written to a temporary file and renamed into place,
//! so concurrent scans sharing a directory never see half an entry; a
//! corrupt or foreign entry is recomputed with one warning; a directory
//! that cannot be written means a scan without cache, also with one
//! warning; the cache never fails a scan. After a scan that wrote entries
//! or a stat index, the oldest entries and stat indexes (by modification
//! time, refreshed on every hit and every scan that used the index) are
//! removed until the directory is under `--cache-max-size`.
//!
//! A file unchanged since the last scan of the same roots is not even read
//! whole: its content hash comes from the stat index
//! ([`super::stat_index`]), which says why that is safe.

use crate::extract::catalog::Catalog;
use crate::extract::inline::{Inline, KnownRules};
use crate::extract::registry::FileKind;
use crate::extract::sql::SqlDialect;
use crate::extract::FileFacts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Version of an entry's shape; part of every key.
pub const FORMAT: u32 = 2;

/// Default of `--cache-max-size`: 1 GiB.
pub const DEFAULT_MAX_SIZE: u64 = 1 << 30;

/// Folder of the facts entries under the cache root.
const FACTS_DIR: &str = "facts-v1";

/// Leftover temporary files (a scan killed while writing) older than this
/// are removed by eviction.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(3600);

mod fingerprint {
    include!(concat!(env!("OUT_DIR"), "/source_fingerprint.rs"));
}

/// The user's cache directory for piaudit, shared by the facts cache and
/// the `--diff-base` cache: `$PIAUDIT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/piaudit`, else `~/.cache/piaudit` (`%LOCALAPPDATA%`
/// on Windows); `None` (no cache) when none is set or the variable is
/// empty.
pub fn default_root() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(v) = std::env::var_os("PIAUDIT_CACHE_DIR") {
        return (!v.is_empty()).then(|| PathBuf::from(v));
    }
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
        .or_else(|| var("LOCALAPPDATA"))
        .map(|d| d.join("piaudit"))
}

/// Reads a size such as `1G`, `512MiB`, `300m` or `1048576` (bytes; K, M,
/// G and T are powers of 1,024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{text}`: not a size (e.g. 512M, 1G)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("`{text}`: unknown unit (use K, M, G or T)")),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}`: too large"))
}

/// What a cached file gives back: its facts, its inline suppressions and
/// the encoding its bytes were decoded from when not UTF-8.
#[derive(Debug)]
pub(crate) struct Hit {
    /// The file's facts.
    pub facts: FileFacts,
    /// Its inline suppressions and their diagnostics.
    pub inline: Inline,
    /// Encoding name (as `discover::decode` gave it).
    pub encoding: Option<&'static str>,
}

/// An entry's payload as written.
#[derive(Serialize)]
struct PayloadRef<'a> {
    facts: &'a FileFacts,
    inline: &'a Inline,
    encoding: Option<&'a str>,
}

/// An entry's payload as read.
#[derive(Deserialize)]
struct Payload {
    facts: FileFacts,
    inline: Inline,
    encoding: Option<String>,
}

/// The first line of an entry, in the clear: what wrote it and what the
/// encrypted payload after it must hash to.
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
struct Header {
    format: u32,
    tool: String,
    build: String,
    key: String,
    len: u64,
    sha256: String,
}

impl Header {
    fn new(key: &[u8; 32], plain: &[u8]) -> Header {
        Header {
            format: FORMAT,
            tool: env!("CARGO_PKG_VERSION").to_string(),
            build: format!("{:016x}", fingerprint::SOURCE_FINGERPRINT),
            key: hex(key),
            len: plain.len() as u64,
            sha256: hex(&Sha256::digest(plain).into()),
        }
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// XORs `data` with a ChaCha20 keystream whose 256-bit key is derived from
/// the file's content hash and the entry key. The content hash is not stored
/// in the cache, so only someone holding the source file can read its entry
/// (entries may hold sampled `INSERT` values, which are raw PI). Each key is
/// used for one payload only, so the stream's fixed start is safe.
fn apply_keystream(data: &mut [u8], content: &[u8; 32], key: &[u8; 32]) {
    use chacha20::rand_core::{Rng, SeedableRng};
    let stream_key: [u8; 32] = Sha256::new()
        .chain_update(b"piaudit facts cache payload\0")
        .chain_update(content)
        .chain_update(key)
        .finalize()
        .into();
    let mut stream = chacha20::ChaCha20Rng::from_seed(stream_key);
    let mut block = [0u8; 4096];
    for chunk in data.chunks_mut(block.len()) {
        let pad = &mut block[..chunk.len()];
        stream.fill_bytes(pad);
        for (b, k) in chunk.iter_mut().zip(pad.iter()) {
            *b ^= k;
        }
    }
}

/// The facts cache of one scan.
#[derive(Debug)]
pub(crate) struct FactsCache {
    dir: PathBuf,
    options: [u8; 32],
    max_size: u64,
    hits: AtomicU64,
    misses: AtomicU64,
    written: AtomicU64,
    bad: AtomicU64,
    first_bad: Mutex<Option<String>>,
    cannot_write: AtomicBool,
    /// Content hashes of the files as last read (Unix).
    stat: Option<super::stat_index::StatIndex>,
}

/// `path` made absolute with its symbolic links resolved as far as it exists.
fn resolved(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            return rest.iter().rev().fold(c, |p: PathBuf, r| p.join(r));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// The scanned root holding `dir`, if one does.
pub(crate) fn inside_scanned(dir: &Path, roots: &[PathBuf]) -> Option<PathBuf> {
    let dir = resolved(dir);
    roots
        .iter()
        .filter(|r| r.is_dir())
        .filter_map(|r| r.canonicalize().ok())
        .find(|r| dir.starts_with(r))
}

impl FactsCache {
    /// Opens (creating it) the facts cache under `root` for a scan of
    /// `roots`; `None`, with one warning, when `root` is inside a scanned
    /// root or cannot be written.
    pub(crate) fn open(
        root: &Path,
        roots: &[PathBuf],
        catalog: &Catalog,
        rules: &KnownRules,
        max_size: u64,
    ) -> Option<FactsCache> {
        if let Some(tree) = inside_scanned(root, roots) {
            tracing::warn!(
                "cache directory {} is inside the scanned tree {}: scanning without a cache \
                 (give --cache-dir outside it) / 缓存目录位于扫描目录内，本次不使用缓存",
                root.display(),
                tree.display()
            );
            return None;
        }
        let dir = root.join(FACTS_DIR);
        let usable =
            create_private_dir(&dir).and_then(|()| tempfile::NamedTempFile::new_in(&dir).map(drop));
        if let Err(e) = usable {
            tracing::warn!(
                "cache directory {} cannot be written ({e}): scanning without a cache / \
                 缓存目录不可写，本次不使用缓存",
                dir.display()
            );
            return None;
        }
        let tag = root.join("CACHEDIR.TAG");
        if !tag.exists() {
            // Backup tools skip folders tagged so (bford.net/cachedir).
            let _ = std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# piaudit's cache: safe to delete.\n",
            );
        }
        let mut options = Sha256::new();
        let mut put = |k: &str, v: &[u8]| {
            options.update(k.as_bytes());
            options.update([0]);
            options.update((v.len() as u64).to_le_bytes());
            options.update(v);
        };
        put("format", &FORMAT.to_le_bytes());
        put("tool", env!("CARGO_PKG_VERSION").as_bytes());
        put("build", &fingerprint::SOURCE_FINGERPRINT.to_le_bytes());
        put("catalog", &catalog.digest());
        put("pack", rules.pack_id.as_bytes());
        for id in &rules.ids {
            put("rule", id.as_bytes());
        }
        let options: [u8; 32] = options.finalize().into();
        let stat = cfg!(unix).then(|| super::stat_index::StatIndex::open(root, roots, &options));
        Some(FactsCache {
            dir,
            options,
            max_size,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            written: AtomicU64::new(0),
            bad: AtomicU64::new(0),
            first_bad: Mutex::new(None),
            cannot_write: AtomicBool::new(false),
            stat,
        })
    }

    /// The stat index, when there is one.
    pub(crate) fn stat_index(&self) -> Option<&super::stat_index::StatIndex> {
        self.stat.as_ref()
    }

    /// The key of a file's entry (see the module documentation).
    pub(crate) fn key(
        &self,
        kind: FileKind,
        rel: &str,
        dialect: Option<SqlDialect>,
        content: &[u8; 32],
    ) -> [u8; 32] {
        Sha256::new()
            .chain_update(self.options)
            .chain_update(format!("{kind:?}\0{rel}\0"))
            .chain_update(dialect.map_or("-", |d| d.name()))
            .chain_update([0])
            .chain_update(content)
            .finalize()
            .into()
    }

    fn path_of(&self, key: &[u8; 32]) -> PathBuf {
        let name = hex(key);
        self.dir.join(&name[..2]).join(name)
    }

    fn bad_entry(&self, path: &Path, why: &str) {
        self.bad.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_bad.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert_with(|| format!("{}: {why}", path.display()));
    }

    /// The entry for `key`, if there is a sound one; `content` is the
    /// file's content hash (the payload's key).
    pub(crate) fn get(&self, key: &[u8; 32], content: &[u8; 32]) -> Option<Hit> {
        self.get_counting(key, content, true)
    }

    /// As [`Self::get`], for a content hash the stat index gave: a hit
    /// counts, a miss or a bad entry does not (the file is then read and
    /// hashed, and [`Self::get`] tries again with what it holds now).
    pub(crate) fn get_trusting(&self, key: &[u8; 32], content: &[u8; 32]) -> Option<Hit> {
        self.get_counting(key, content, false)
    }

    fn get_counting(&self, key: &[u8; 32], content: &[u8; 32], misses: bool) -> Option<Hit> {
        let path = self.path_of(key);
        let hit = match std::fs::File::open(&path) {
            Ok(file) => {
                let hit = self.read_entry(&file, key, content);
                if hit.is_ok() {
                    // Eviction removes the least recently used entries first.
                    let _ = file.set_modified(std::time::SystemTime::now());
                }
                hit
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(None),
            Err(e) => Err(Some(format!("cannot be read: {e}"))),
        };
        match hit {
            Ok(hit) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(hit)
            }
            Err(_) if !misses => None,
            Err(why) => {
                if let Some(why) = why {
                    self.bad_entry(&path, &why);
                }
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Reads and checks one entry; `Err(None)` for a plain miss.
    fn read_entry(
        &self,
        mut file: &std::fs::File,
        key: &[u8; 32],
        content: &[u8; 32],
    ) -> Result<Hit, Option<String>> {
        use std::io::Read as _;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| Some(format!("cannot be read: {e}")))?;
        let newline = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| Some("no header".to_string()))?;
        let header: Header = serde_json::from_slice(&bytes[..newline])
            .map_err(|e| Some(format!("unreadable header: {e}")))?;
        let mut plain = bytes.split_off(newline + 1);
        let expected = Header::new(key, &[]);
        if (header.format, &header.tool, &header.build, &header.key)
            != (
                expected.format,
                &expected.tool,
                &expected.build,
                &expected.key,
            )
        {
            return Err(Some(format!(
                "written by another version (format {}, piaudit {}, build {})",
                header.format, header.tool, header.build
            )));
        }
        apply_keystream(&mut plain, content, key);
        if plain.len() as u64 != header.len || hex(&Sha256::digest(&plain).into()) != header.sha256
        {
            return Err(Some("corrupt (checksum mismatch)".into()));
        }
        let payload: Payload =
            serde_json::from_slice(&plain).map_err(|e| Some(format!("corrupt payload: {e}")))?;
        let encoding = match payload.encoding {
            None => None,
            Some(name) => Some(
                encoding_rs::Encoding::for_label(name.as_bytes())
                    .map(encoding_rs::Encoding::name)
                    .ok_or_else(|| Some(format!("unknown encoding `{name}`")))?,
            ),
        };
        Ok(Hit {
            facts: payload.facts,
            inline: payload.inline,
            encoding,
        })
    }

    /// Stores a file's facts under `key`. Facts cut short by the time
    /// budget depend on the machine's speed, not only on the key: they are
    /// not stored.
    pub(crate) fn put(
        &self,
        key: &[u8; 32],
        content: &[u8; 32],
        facts: &FileFacts,
        inline: &Inline,
        encoding: Option<&str>,
    ) {
        if self.cannot_write.load(Ordering::Relaxed)
            || facts
                .diagnostics
                .iter()
                .any(|d| d.message.starts_with(crate::extract::sql::BUDGET_SPENT))
        {
            return;
        }
        let payload = PayloadRef {
            facts,
            inline,
            encoding,
        };
        let Ok(mut plain) = serde_json::to_vec(&payload) else {
            return;
        };
        let header = Header::new(key, &plain);
        apply_keystream(&mut plain, content, key);
        let path = self.path_of(key);
        let written = (|| -> std::io::Result<()> {
            let dir = path.parent().unwrap_or(&self.dir);
            std::fs::create_dir_all(dir)?;
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            serde_json::to_writer(&mut tmp, &header)?;
            tmp.write_all(b"\n")?;
            tmp.write_all(&plain)?;
            tmp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        })();
        match written {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                if !self.cannot_write.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "cannot write the cache entry {} ({e}): no further entries are written \
                         by this scan / 无法写入缓存",
                        path.display()
                    );
                }
            }
        }
    }

    /// Ends the scan's use of the cache: one warning for the entries that
    /// had to be recomputed, the hit count (`-v`), and eviction down to
    /// the size cap when entries were written.
    pub(crate) fn finish(&self) {
        let bad = self.bad.load(Ordering::Relaxed);
        if bad > 0 {
            let first = self
                .first_bad
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .unwrap_or_default();
            tracing::warn!(
                "{bad} cache entr{} ignored and recomputed (e.g. {first}) / 缓存条目损坏或版本不符，已重新计算",
                if bad == 1 { "y was" } else { "ies were" }
            );
        }
        tracing::info!(
            hits = self.hits.load(Ordering::Relaxed),
            misses = self.misses.load(Ordering::Relaxed),
            written = self.written.load(Ordering::Relaxed),
            unread = self.stat.as_ref().map_or(0, |s| s.unread.load(Ordering::Relaxed)),
            dir = %self.dir.display(),
            "facts cache"
        );
        let index_written = self.stat.as_ref().is_some_and(|s| s.finish());
        if self.written.load(Ordering::Relaxed) > 0 || index_written {
            self.evict();
        }
    }

    /// Removes the least recently used files until the cache is under 90 %
    /// of its cap, and temporary files left by killed scans. The files are
    /// the entries (`facts-v1/xx/<key>`) and the stat indexes
    /// (`stat-v1/<hash>`, one per set of scanned roots and build, each
    /// ~230 bytes per file): both count against the cap and go oldest
    /// first, so indexes of roots no longer scanned or of older builds do
    /// not pile up.
    fn evict(&self) {
        let now = std::time::SystemTime::now();
        let mut entries: Vec<(std::time::SystemTime, u64, PathBuf)> = Vec::new();
        let mut total = 0u64;
        let stat_dir = self
            .dir
            .parent()
            .unwrap_or(Path::new("."))
            .join(super::stat_index::STAT_DIR);
        let entries_and_indexes = walkdir::WalkDir::new(&self.dir)
            .min_depth(2)
            .max_depth(2)
            .into_iter()
            .chain(walkdir::WalkDir::new(stat_dir).min_depth(1).max_depth(1));
        for e in entries_and_indexes.filter_map(Result::ok) {
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let modified = meta.modified().unwrap_or(now);
            if e.file_name().to_string_lossy().starts_with('.') {
                // A temporary file: another scan's, or a killed one's.
                if now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
                    let _ = std::fs::remove_file(e.path());
                }
                continue;
            }
            total += meta.len();
            entries.push((modified, meta.len(), e.into_path()));
        }
        if total <= self.max_size {
            return;
        }
        entries.sort();
        let goal = self.max_size / 10 * 9;
        let mut removed = 0u64;
        for (_, size, path) in entries {
            if total <= goal {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
                removed += 1;
            }
        }
        tracing::info!(
            removed,
            "facts cache over --cache-max-size: oldest entries and stat indexes removed"
        );
    }
}

/// Creates `dir` and its parents, readable by the user only (Unix).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Diagnostic, DiagnosticLevel};

    fn rules() -> KnownRules {
        KnownRules {
            pack_id: "p".into(),
            ids: vec!["R-1".into()],
        }
    }

    fn facts() -> FileFacts {
        crate::extract::sql::extract(
            "db/a.sql",
            "CREATE TABLE u (phone VARCHAR(11) COMMENT '手机号');\n\
             INSERT INTO u (phone) VALUES ('13812345678'), ('13912345678');\n",
            SqlDialect::Mysql,
        )
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("300k").unwrap(), 300 << 10);
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert!(parse_size("1.5G").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn an_entry_round_trips_and_holds_no_source_text() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::embedded();
        let cache =
            FactsCache::open(dir.path(), &[], &catalog, &rules(), DEFAULT_MAX_SIZE).unwrap();
        let content = [7u8; 32];
        let key = cache.key(FileKind::Sql, "db/a.sql", None, &content);
        assert!(cache.get(&key, &content).is_none());
        let f = facts();
        assert!(!f.samples.is_empty(), "the sample file has INSERT values");
        let inline = Inline {
            ignores: Vec::new(),
            diagnostics: vec![Diagnostic {
                file: "db/a.sql".into(),
                line: 1,
                severity: DiagnosticLevel::Warning,
                message: "m".into(),
            }],
        };
        cache.put(&key, &content, &f, &inline, Some("GBK"));
        let hit = cache.get(&key, &content).expect("a hit");
        assert_eq!(format!("{:?}", hit.facts), format!("{f:?}"));
        assert_eq!(hit.inline, inline);
        assert_eq!(hit.encoding, Some("GBK"));
        let bytes = std::fs::read(cache.path_of(&key)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for plain in ["13812345678", "phone", "手机号", "db/a.sql"] {
            assert!(!text.contains(plain), "{plain} readable in the entry");
        }
        // Another content hash (the same key) cannot read it.
        assert!(cache.get(&key, &[8u8; 32]).is_none());
        assert_eq!(cache.bad.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn keys_change_with_every_input() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::embedded();
        let open = |rules: &KnownRules, catalog: &Catalog| {
            FactsCache::open(dir.path(), &[], catalog, rules, DEFAULT_MAX_SIZE).unwrap()
        };
        let c = open(&rules(), &catalog);
        let k = |c: &FactsCache, kind, rel, d, content: u8| c.key(kind, rel, d, &[content; 32]);
        let base = k(&c, FileKind::Sql, "a.sql", None, 1);
        assert_eq!(base, k(&c, FileKind::Sql, "a.sql", None, 1));
        assert_ne!(base, k(&c, FileKind::Sql, "a.sql", None, 2));
        assert_ne!(base, k(&c, FileKind::Sql, "b.sql", None, 1));
        assert_ne!(base, k(&c, FileKind::Config, "a.sql", None, 1));
        assert_ne!(
            base,
            k(&c, FileKind::Sql, "a.sql", Some(SqlDialect::Postgres), 1)
        );
        let mut other_rules = rules();
        other_rules.ids.push("R-2".into());
        assert_ne!(
            base,
            k(
                &open(&other_rules, &catalog),
                FileKind::Sql,
                "a.sql",
                None,
                1
            )
        );
        let overridden = catalog.with_overrides(&crate::extract::catalog::CatalogOverrides {
            sdk: Vec::new(),
            regions: Vec::new(),
        });
        assert_ne!(
            base,
            k(
                &open(&rules(), &overridden),
                FileKind::Sql,
                "a.sql",
                None,
                1
            )
        );
    }

    #[test]
    fn budget_cut_facts_are_not_stored_and_eviction_keeps_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::embedded();
        let cache = FactsCache::open(dir.path(), &[], &catalog, &rules(), 1).unwrap();
        let mut cut = facts();
        cut.diagnostics.push(Diagnostic {
            file: "db/a.sql".into(),
            line: 1,
            severity: DiagnosticLevel::Warning,
            message: format!("{}: …", crate::extract::sql::BUDGET_SPENT),
        });
        let key = cache.key(FileKind::Sql, "db/a.sql", None, &[1; 32]);
        cache.put(&key, &[1; 32], &cut, &Inline::default(), None);
        assert!(!cache.path_of(&key).exists());
        let key = cache.key(FileKind::Sql, "db/a.sql", None, &[2; 32]);
        cache.put(&key, &[2; 32], &facts(), &Inline::default(), None);
        assert!(cache.path_of(&key).exists());
        cache.finish();
        assert!(!cache.path_of(&key).exists(), "over a 1-byte cap");
    }

    /// Sets a file's modification time `secs` seconds back.
    fn age(path: &Path, secs: u64) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn eviction_counts_stat_indexes_and_removes_the_oldest_first() {
        let catalog = Catalog::embedded();
        // The size of one entry, measured in a scratch cache.
        let entry_size = {
            let dir = tempfile::tempdir().unwrap();
            let c =
                FactsCache::open(dir.path(), &[], &catalog, &rules(), DEFAULT_MAX_SIZE).unwrap();
            let key = c.key(FileKind::Sql, "db/a.sql", None, &[1; 32]);
            c.put(&key, &[1; 32], &facts(), &Inline::default(), None);
            std::fs::metadata(c.path_of(&key)).unwrap().len()
        };
        // As large as an entry: whichever of the three is oldest, removing
        // it alone brings the cache under 90 % of the cap.
        let index_size = entry_size;
        // Three files: `first` (an entry, two days old), `index` (a stat
        // index of other roots, a day old), `second` (this scan's entry).
        // `cap` holds two of them, not three.
        let cap = entry_size * 2 + index_size / 2;
        assert!(entry_size > 100, "an entry of {entry_size} bytes");
        let scan = |first_age: u64, index_age: u64| {
            let dir = tempfile::tempdir().unwrap();
            let index = dir
                .path()
                .join(crate::pipeline::stat_index::STAT_DIR)
                .join("0".repeat(32));
            std::fs::create_dir_all(index.parent().unwrap()).unwrap();
            std::fs::write(&index, vec![b' '; index_size as usize]).unwrap();
            age(&index, index_age);
            let cache = FactsCache::open(dir.path(), &[], &catalog, &rules(), cap).unwrap();
            let first = cache.key(FileKind::Sql, "db/a.sql", None, &[2; 32]);
            cache.put(&first, &[2; 32], &facts(), &Inline::default(), None);
            age(&cache.path_of(&first), first_age);
            let second = cache.key(FileKind::Sql, "db/a.sql", None, &[3; 32]);
            cache.put(&second, &[3; 32], &facts(), &Inline::default(), None);
            cache.finish();
            let kept = [
                cache.path_of(&first).exists(),
                index.exists(),
                cache.path_of(&second).exists(),
            ];
            (dir, kept)
        };
        // The index is the oldest: it goes, both entries stay.
        assert_eq!(scan(3600, 2 * 86_400).1, [true, false, true]);
        // The first entry is the oldest: it goes, the index stays.
        assert_eq!(scan(2 * 86_400, 86_400).1, [false, true, true]);
        // Under a cap holding all three, nothing goes.
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("stat-v1").join("0".repeat(32));
        std::fs::create_dir_all(index.parent().unwrap()).unwrap();
        std::fs::write(&index, vec![b' '; index_size as usize]).unwrap();
        age(&index, 86_400);
        let cache = FactsCache::open(
            dir.path(),
            &[],
            &catalog,
            &rules(),
            (entry_size + index_size) * 2,
        )
        .unwrap();
        let key = cache.key(FileKind::Sql, "db/a.sql", None, &[4; 32]);
        cache.put(&key, &[4; 32], &facts(), &Inline::default(), None);
        cache.finish();
        assert!(index.exists() && cache.path_of(&key).exists());
    }

    #[test]
    fn a_cache_inside_a_scanned_root_is_refused() {
        let tree = tempfile::tempdir().unwrap();
        let inside = tree.path().join("sub/.cache");
        let catalog = Catalog::embedded();
        let roots = [tree.path().to_path_buf()];
        assert!(FactsCache::open(&inside, &roots, &catalog, &rules(), DEFAULT_MAX_SIZE).is_none());
        assert!(!inside.exists(), "nothing created in the scanned tree");
        let outside = tempfile::tempdir().unwrap();
        assert!(
            FactsCache::open(outside.path(), &roots, &catalog, &rules(), DEFAULT_MAX_SIZE)
                .is_some()
        );
    }
}
