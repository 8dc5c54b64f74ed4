//! The facts cache's stat index: for each file a scan read and hashed, its
//! size, modification and change times, inode and device, and its content
//! hash, so the next scan of the same roots takes the content hash of an
//! unchanged file from the index instead of reading and hashing the whole
//! file (on a 600 MB estate, reading and hashing every unchanged source was
//! most of a re-scan's extraction stage).
//!
//! Why it is safe to believe the index:
//!
//! - A record is used only when everything `stat` gives about the file is
//!   the same: size, `mtime` and `ctime` to the nanosecond the file system
//!   keeps, inode and device. Writing a file changes its `mtime` and its
//!   `ctime`; `ctime` cannot be set back by tools that restore `mtime`
//!   (`touch -d`, `cp -p`, `rsync -t`), and a file replaced by a rename has
//!   another inode.
//! - The racy-clean rule (as git's index): an edit within the time-stamp
//!   granularity of the last one leaves `mtime` and `ctime` unchanged (one
//!   second on ext3 and HFS+, two on FAT). So a file is recorded only when
//!   both its `mtime` and its `ctime` were more than [`RACY`] (2 s) older
//!   than the moment it was `stat`ed, before it was read. Any later edit
//!   then sets them to at least that moment minus the granularity, so they
//!   differ from the recorded ones; a file written within 2 s of being read
//!   is hashed again by the next scan.
//! - A wrong content hash cannot give wrong facts: it names another entry
//!   (a miss, after which the file is read and hashed as without index), and
//!   an entry is only readable with the hash it was written with.
//!
//! The content hash is the key of the file's encrypted cache entry, so the
//! index does not hold it in the clear: it is sealed (XOR) with a hash of
//! the file's path, size, first and last 4 KiB. Opening a record reads those
//! 8 KiB of the file: someone holding the cache but not the sources still
//! cannot read an entry (weaker than a whole-file key: one who can guess
//! both ends of a file and its exact size can).
//!
//! One index file per set of scanned roots and cache options
//! (`stat-v1/<hash>`), replaced whole (temporary file and rename) at the end
//! of a scan that changed it; a corrupt index is ignored with a warning.
//! Unix only (elsewhere every file is read and hashed, as before).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Folder of the stat indexes under the cache root.
pub(crate) const STAT_DIR: &str = "stat-v1";

/// Version of the index's shape.
const FORMAT: u32 = 1;

/// A file changed less than this before it was read is not recorded
/// (coarse time stamps: FAT keeps two seconds).
pub(crate) const RACY: Duration = Duration::from_secs(2);

/// Bytes of each end of a file that seal its content hash.
const END: u64 = 4096;

/// What `stat` says about a file (seconds and nanoseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stat {
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
    dev: u64,
}

impl Stat {
    /// The file's stat, following symbolic links; `None` off Unix.
    pub(crate) fn of(path: &Path) -> Option<Stat> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(path).ok()?;
            Some(Stat {
                size: m.len(),
                mtime: (m.mtime(), m.mtime_nsec()),
                ctime: (m.ctime(), m.ctime_nsec()),
                ino: m.ino(),
                dev: m.dev(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }

    /// Whether the file's last change is older than `now` minus [`RACY`].
    fn settled(&self, now: SystemTime) -> bool {
        let Ok(now) = now.duration_since(UNIX_EPOCH) else {
            return false;
        };
        let limit = now.saturating_sub(RACY);
        let before = |(s, ns): (i64, i64)| {
            s >= 0 && (0..1_000_000_000).contains(&ns) && Duration::new(s as u64, ns as u32) < limit
        };
        before(self.mtime) && before(self.ctime)
    }
}

/// One file's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    path: String,
    stat: Stat,
    /// The content hash XOR [`seal_key`], hex.
    sealed: String,
}

#[derive(Serialize, Deserialize)]
struct IndexFile {
    format: u32,
    records: Vec<Record>,
}

/// The key sealing a file's content hash: a hash of its path, size and
/// both ends (`ends`: the first [`END`] bytes, then the last [`END`] after them).
fn seal_key(rel: &str, size: u64, ends: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"piaudit stat index seal\0")
        .chain_update(rel.as_bytes())
        .chain_update([0])
        .chain_update(size.to_le_bytes())
        .chain_update(ends)
        .finalize()
        .into()
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Both ends of a file's bytes, as [`seal_key`] reads them.
fn ends_of(bytes: &[u8]) -> Vec<u8> {
    let end = END as usize;
    let head = &bytes[..bytes.len().min(end)];
    let tail_from = bytes.len().saturating_sub(end).max(head.len());
    [head, &bytes[tail_from..]].concat()
}

/// Both ends of the file at `path`, `size` bytes long, read from disk.
fn read_ends(path: &Path, size: u64) -> Option<Vec<u8>> {
    let mut f = std::fs::File::open(path).ok()?;
    let head_len = size.min(END);
    let mut out = vec![0u8; head_len as usize];
    f.read_exact(&mut out).ok()?;
    let tail_from = size.saturating_sub(END).max(head_len);
    if tail_from < size {
        f.seek(SeekFrom::Start(tail_from)).ok()?;
        let mut tail = vec![0u8; (size - tail_from) as usize];
        f.read_exact(&mut tail).ok()?;
        out.extend_from_slice(&tail);
    }
    Some(out)
}

/// The stat index of one scan: the records read at its start, and those
/// it will write.
#[derive(Debug)]
pub(crate) struct StatIndex {
    file: PathBuf,
    old: HashMap<String, Record>,
    new: Mutex<Vec<Record>>,
    /// A record was added that the old index did not hold.
    changed: AtomicBool,
    /// Files whose content hash came from the index (not read whole).
    pub(crate) unread: AtomicU64,
}

impl StatIndex {
    /// Opens the index of `roots` under `cache_root`; `options` is the
    /// digest of the cache's options (a new build starts a new index).
    pub(crate) fn open(cache_root: &Path, roots: &[PathBuf], options: &[u8; 32]) -> StatIndex {
        let mut h = Sha256::new().chain_update(options);
        for r in roots {
            let r = r.canonicalize().unwrap_or_else(|_| r.clone());
            h.update(r.to_string_lossy().as_bytes());
            h.update([0]);
        }
        let name: [u8; 32] = h.finalize().into();
        let file = cache_root.join(STAT_DIR).join(&hex(&name)[..32]);
        let old = match std::fs::read(&file) {
            Ok(bytes) => match serde_json::from_slice::<IndexFile>(&bytes) {
                Ok(i) if i.format == FORMAT => {
                    i.records.into_iter().map(|r| (r.path.clone(), r)).collect()
                }
                Ok(i) => {
                    tracing::warn!(
                        "stat index {} has format {}: ignored / 缓存索引版本不符，已忽略",
                        file.display(),
                        i.format
                    );
                    HashMap::new()
                }
                Err(e) => {
                    tracing::warn!(
                        "stat index {} is corrupt ({e}): ignored / 缓存索引损坏，已忽略",
                        file.display()
                    );
                    HashMap::new()
                }
            },
            Err(_) => HashMap::new(),
        };
        StatIndex {
            file,
            old,
            new: Mutex::new(Vec::new()),
            changed: AtomicBool::new(false),
            unread: AtomicU64::new(0),
        }
    }

    /// The content hash of the file `rel` at `path` if its record still
    /// matches what `stat` says (reading only both ends of the file), with
    /// the record to keep once the hash has proved right ([`Self::keep`]).
    pub(crate) fn lookup(&self, rel: &str, path: &Path) -> Option<([u8; 32], u64, Kept)> {
        let rec = self.old.get(rel)?;
        let stat = Stat::of(path)?;
        if stat != rec.stat {
            return None;
        }
        let ends = read_ends(path, stat.size)?;
        let sealed = unhex(&rec.sealed)?;
        let content = xor(&sealed, &seal_key(rel, stat.size, &ends));
        Some((content, stat.size, Kept(rec.clone())))
    }

    /// Keeps a record [`Self::lookup`] gave, its hash having named a sound entry.
    pub(crate) fn keep(&self, kept: Kept) {
        self.unread.fetch_add(1, Ordering::Relaxed);
        self.push(kept.0);
    }

    /// Records a file read whole: `stat` as taken before reading it at
    /// `when`, its `bytes` and their hash. Not recorded when the file
    /// changed within [`RACY`] of being read, or changed while read.
    pub(crate) fn record(
        &self,
        rel: &str,
        stat: Stat,
        when: SystemTime,
        bytes: &[u8],
        content: &[u8; 32],
    ) {
        if !stat.settled(when) || stat.size != bytes.len() as u64 {
            return;
        }
        let sealed = xor(content, &seal_key(rel, stat.size, &ends_of(bytes)));
        let rec = Record {
            path: rel.to_string(),
            stat,
            sealed: hex(&sealed),
        };
        if self.old.get(rel) != Some(&rec) {
            self.changed.store(true, Ordering::Relaxed);
        }
        self.push(rec);
    }

    fn push(&self, rec: Record) {
        self.new.lock().unwrap_or_else(|p| p.into_inner()).push(rec);
    }

    /// Writes the index for the next scan when it differs from the one
    /// read (records added, changed or gone); errors leave no index. An
    /// index read and left as it was gets its modification time refreshed
    /// instead: the cache's eviction removes the least recently used
    /// files first, indexes among them. Returns whether a new index was
    /// written (the cache grew).
    pub(crate) fn finish(&self) -> bool {
        let mut records = std::mem::take(&mut *self.new.lock().unwrap_or_else(|p| p.into_inner()));
        if !self.changed.load(Ordering::Relaxed) && records.len() == self.old.len() {
            if !self.old.is_empty() {
                if let Ok(f) = std::fs::File::options().write(true).open(&self.file) {
                    let _ = f.set_modified(SystemTime::now());
                }
            }
            return false;
        }
        records.sort_by(|a, b| a.path.cmp(&b.path));
        records.dedup_by(|a, b| a.path == b.path);
        let index = IndexFile {
            format: FORMAT,
            records,
        };
        let written = (|| -> std::io::Result<()> {
            let dir = self.file.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let tmp = tempfile::NamedTempFile::new_in(dir)?;
            // Buffered: unbuffered, each record was several `write` calls
            // (0.8 s of a 2,048-service re-scan).
            let mut w = std::io::BufWriter::new(tmp);
            serde_json::to_writer(&mut w, &index)?;
            w.write_all(b"\n")?;
            let tmp = w.into_inner().map_err(|e| e.into_error())?;
            tmp.persist(&self.file).map_err(|e| e.error)?;
            Ok(())
        })();
        match written {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!("stat index {} not written: {e}", self.file.display());
                let _ = std::fs::remove_file(&self.file);
                false
            }
        }
    }
}

/// A record of the old index whose hash is being tried.
#[derive(Debug)]
pub(crate) struct Kept(Record);

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Sets a file's modification time (the tests' way to age a source or
    /// an index).
    fn set_mtime(path: &Path, t: SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }

    fn stat_at(size: u64, secs: i64) -> Stat {
        Stat {
            size,
            mtime: (secs, 5),
            ctime: (secs, 5),
            ino: 1,
            dev: 1,
        }
    }

    #[test]
    fn only_files_settled_two_seconds_before_reading_are_recorded() {
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert!(stat_at(1, 100).settled(at(103)));
        assert!(!stat_at(1, 100).settled(at(102)), "within 2 s");
        assert!(!stat_at(1, 100).settled(at(100)), "the same second");
        let mut ctime_late = stat_at(1, 100);
        ctime_late.ctime = (101, 0);
        assert!(!ctime_late.settled(at(103)), "ctime counts too");
    }

    #[test]
    fn ends_match_on_disk_and_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 10, 4096, 5000, 8192, 20_000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let p = dir.path().join(format!("f{len}"));
            std::fs::write(&p, &bytes).unwrap();
            assert_eq!(read_ends(&p, len as u64).unwrap(), ends_of(&bytes), "{len}");
            assert!(ends_of(&bytes).len() <= 2 * END as usize);
        }
    }

    #[test]
    fn a_record_gives_the_hash_back_only_while_the_file_is_unchanged() {
        let cache = tempfile::tempdir().unwrap();
        let tree = tempfile::tempdir().unwrap();
        let p = tree.path().join("a.sql");
        let text = b"CREATE TABLE t (phone VARCHAR(11));\n".repeat(300);
        std::fs::write(&p, &text).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        set_mtime(&p, old);
        let roots = [tree.path().to_path_buf()];
        let content: [u8; 32] = Sha256::digest(&text).into();
        let idx = StatIndex::open(cache.path(), &roots, &[0; 32]);
        let stat = Stat::of(&p).unwrap();
        // Just written (ctime is now): not recorded.
        idx.record("a.sql", stat, SystemTime::now(), &text, &content);
        assert!(idx.new.lock().unwrap().is_empty());
        // As if read 10 s later.
        idx.record(
            "a.sql",
            stat,
            SystemTime::now() + Duration::from_secs(10),
            &text,
            &content,
        );
        assert!(idx.finish(), "a new index is written");
        let bytes = std::fs::read(&idx.file).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(&hex(&content)));

        let idx = StatIndex::open(cache.path(), &roots, &[0; 32]);
        let (got, size, kept) = idx.lookup("a.sql", &p).expect("unchanged: from the index");
        assert_eq!((got, size), (content, text.len() as u64));
        // Used and unchanged: not rewritten, but its time stamp refreshed
        // (eviction goes by it).
        set_mtime(&idx.file, old);
        idx.keep(kept);
        assert!(!idx.finish(), "unchanged: not rewritten");
        let touched = std::fs::metadata(&idx.file).unwrap().modified().unwrap();
        assert!(touched > old + Duration::from_secs(1800));
        assert_eq!(std::fs::read(&idx.file).unwrap(), bytes);
        assert!(idx.lookup("b.sql", &p).is_none());
        // Other options: another index.
        assert!(StatIndex::open(cache.path(), &roots, &[1; 32])
            .lookup("a.sql", &p)
            .is_none());
        // The same size, the mtime set back: ctime still tells.
        let mut edited = text.clone();
        edited[40] ^= 1;
        std::fs::write(&p, &edited).unwrap();
        set_mtime(&p, old);
        assert!(idx.lookup("a.sql", &p).is_none());
    }

    #[test]
    fn a_corrupt_index_is_ignored() {
        let cache = tempfile::tempdir().unwrap();
        let idx = StatIndex::open(cache.path(), &[], &[0; 32]);
        std::fs::create_dir_all(idx.file.parent().unwrap()).unwrap();
        std::fs::write(&idx.file, b"{\"format\":1,\"rec").unwrap();
        let idx = StatIndex::open(cache.path(), &[], &[0; 32]);
        assert!(idx.old.is_empty());
    }
}
